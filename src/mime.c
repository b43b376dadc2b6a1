/* mime - not written yet */
#include "config.h"
#include "mime.h"
