/* address - not written yet */
#include "config.h"
#include "address.h"
