/*
 * The parameter table of the conformance walker: per kind of mechanism
 * parameter, how to build a good one, and the bad variants every token must
 * answer with CKR_MECHANISM_PARAM_INVALID (no parameter where one is
 * needed, one a byte short, one given where none is taken).
 */
#include <string.h>

#include "conformance.h"

static CK_BYTE conf_nonce[16] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
                                 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f};
static CK_BYTE conf_aad[8] = {'h', 'e', 'a', 'd', 'e', 'r', 0, 1};

/* The MGF1 function PKCS#11 pairs with each hash. */
static CK_RSA_PKCS_MGF_TYPE conf_mgf(CK_MECHANISM_TYPE hash)
{
	switch (hash) {
	case CKM_SHA_1:
		return CKG_MGF1_SHA1;
	case CKM_SHA224:
		return CKG_MGF1_SHA224;
	case CKM_SHA384:
		return CKG_MGF1_SHA384;
	case CKM_SHA512:
		return CKG_MGF1_SHA512;
	case CKM_SHA3_224:
		return CKG_MGF1_SHA3_224;
	case CKM_SHA3_256:
		return CKG_MGF1_SHA3_256;
	case CKM_SHA3_384:
		return CKG_MGF1_SHA3_384;
	case CKM_SHA3_512:
		return CKG_MGF1_SHA3_512;
	default:
		return CKG_MGF1_SHA256;
	}
}

/* The digest length of a PSS hash, the salt length the walker asks for. */
static CK_ULONG conf_hash_len(CK_MECHANISM_TYPE hash)
{
	switch (hash) {
	case CKM_SHA_1:
		return 20;
	case CKM_SHA224:
	case CKM_SHA3_224:
		return 28;
	case CKM_SHA384:
	case CKM_SHA3_384:
		return 48;
	case CKM_SHA512:
	case CKM_SHA3_512:
		return 64;
	default:
		return 32;
	}
}

static CK_ULONG conf_param_build(const struct conf_mech *row, union conf_param_buf *b)
{
	CK_MECHANISM_TYPE hash = row->hash ? row->hash : CKM_SHA256;
	CK_ULONG data_len = row->data_len ? row->data_len : CONF_DATA_LEN;

	memset(b, 0, sizeof(*b));
	switch (row->param) {
	case CONF_PARAM_IV16:
	case CONF_PARAM_IV8:
		memcpy(b->iv, conf_nonce, 16);
		return row->param == CONF_PARAM_IV16 ? 16 : 8;
	case CONF_PARAM_CTR:
		b->ctr.ulCounterBits = 32;
		memcpy(b->ctr.cb, conf_nonce, 16);
		return sizeof(b->ctr);
	case CONF_PARAM_GCM:
		b->gcm = (CK_GCM_PARAMS){conf_nonce, 12, 96, conf_aad, sizeof(conf_aad), 128};
		return sizeof(b->gcm);
	case CONF_PARAM_CCM:
		b->ccm = (CK_CCM_PARAMS){data_len, conf_nonce, 12, conf_aad, sizeof(conf_aad), 16};
		return sizeof(b->ccm);
	case CONF_PARAM_OAEP:
		b->oaep =
		    (CK_RSA_PKCS_OAEP_PARAMS){hash, conf_mgf(hash), CKZ_DATA_SPECIFIED, NULL, 0};
		return sizeof(b->oaep);
	case CONF_PARAM_PSS:
		b->pss = (CK_RSA_PKCS_PSS_PARAMS){hash, conf_mgf(hash), conf_hash_len(hash)};
		return sizeof(b->pss);
	case CONF_PARAM_MAC_LEN:
		b->mac_len = 8;
		return sizeof(b->mac_len);
	case CONF_PARAM_NONE:
	case CONF_PARAM_OPTIONAL:
		break;
	}
	return 0;
}

void conf_param_good(const struct conf_mech *row, CK_MECHANISM *mech, union conf_param_buf *buf)
{
	mech->mechanism = row->type;
	mech->ulParameterLen = conf_param_build(row, buf);
	mech->pParameter = mech->ulParameterLen ? buf : NULL;
}

bool conf_param_bad(const struct conf_mech *row, int i, CK_MECHANISM *mech,
                    union conf_param_buf *buf)
{
	conf_param_good(row, mech, buf);
	if (row->param == CONF_PARAM_OPTIONAL)
		return false;
	if (row->param == CONF_PARAM_NONE) {
		/* A parameter where none is taken. */
		memcpy(buf->iv, conf_nonce, 16);
		mech->pParameter = buf;
		mech->ulParameterLen = 16;
		return i == 0;
	}
	switch (i) {
	case 0: /* missing */
		mech->pParameter = NULL;
		mech->ulParameterLen = 0;
		return true;
	case 1: /* a byte short */
		mech->ulParameterLen--;
		return true;
	case 2: /* a length but no pointer */
		mech->pParameter = NULL;
		return true;
	default:
		return false;
	}
}
