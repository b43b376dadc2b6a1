/* ses - not written yet */
#include "config.h"
#include "ses.h"
