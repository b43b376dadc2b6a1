/* audit - not written yet */
#include "config.h"
#include "audit.h"
