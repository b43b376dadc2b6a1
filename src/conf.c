/* conf - not written yet */
#include "config.h"
#include "conf.h"
