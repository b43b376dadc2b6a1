/* message - not written yet */
#include "config.h"
#include "message.h"
