/* container - not written yet */
#include "config.h"
