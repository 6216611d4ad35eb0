/*
 * The MAC operations of the soft backend (mac.c): HMAC over the digests of
 * digest.c and AES-CMAC, each in a fixed-length and a general-length
 * (CK_MAC_GENERAL_PARAMS) form, for C_Sign and C_Verify, single and
 * multi-part.  The mechanisms are listed in the digest and AES tables.
 */
#ifndef SOFT_MAC_H
#define SOFT_MAC_H

#include "soft.h"

/* The init of CKM_SHA*_HMAC and CKM_SHA*_HMAC_GENERAL (struct soft_mech.init). */
CK_RV soft_mac_hmac_init(const struct soft_mech *m, enum os_backend_op kind,
                         const CK_MECHANISM *mech, const struct os_backend_key *key,
                         struct soft_op **op);

/* The init of CKM_AES_CMAC and CKM_AES_CMAC_GENERAL. */
CK_RV soft_mac_cmac_init(const struct soft_mech *m, enum os_backend_op kind,
                         const CK_MECHANISM *mech, const struct os_backend_key *key,
                         struct soft_op **op);

#endif
