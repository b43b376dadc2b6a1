/* smtp - not written yet */
#include "config.h"
#include "smtp.h"
