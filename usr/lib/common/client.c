/* placeholder: replaced by the client */
#include "client.h"
