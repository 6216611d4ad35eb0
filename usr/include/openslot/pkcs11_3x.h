/* PKCS#11 3.0 additions (being written). */
#ifndef OPENSLOT_PKCS11_3X_H
#define OPENSLOT_PKCS11_3X_H
#endif
