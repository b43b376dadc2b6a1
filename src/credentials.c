/* credentials - not written yet */
#include "config.h"
#include "credentials.h"
