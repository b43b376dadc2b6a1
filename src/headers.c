/* headers - not written yet */
#include "config.h"
#include "headers.h"
