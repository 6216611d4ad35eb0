/* placeholder: replaced by the config parser */
#include "conf.h"
