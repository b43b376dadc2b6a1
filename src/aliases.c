/* aliases - not written yet */
#include "config.h"
#include "aliases.h"
