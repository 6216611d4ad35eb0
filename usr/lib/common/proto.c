/* placeholder: replaced by the protocol codec */
#include "proto.h"
