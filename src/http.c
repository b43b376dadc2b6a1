/* http - not written yet */
#include "config.h"
#include "http.h"
