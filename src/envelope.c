/* envelope - not written yet */
#include "config.h"
#include "envelope.h"
