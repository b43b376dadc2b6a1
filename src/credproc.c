/* credproc - not written yet */
#include "config.h"
