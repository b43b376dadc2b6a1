/* options - not written yet */
#include "config.h"
#include "options.h"
