/*
 * The PKCS#11 definitions openslot is built on: the 2.40 header shipped with
 * p11-kit, plus the 3.0 additions written for openslot (pkcs11_3x.h).
 */
#ifndef OPENSLOT_PKCS11_H
#define OPENSLOT_PKCS11_H

#include <p11-kit/pkcs11.h>

#include "openslot/pkcs11_3x.h"

#endif
