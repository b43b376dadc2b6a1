/* sigv4 - not written yet */
#include "config.h"
#include "sigv4.h"
