/*
 * The inner duplication wrapper and TPM2_Import (see tpm_dup.h).
 */
#include "tpm_dup.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <tss2/tss2_mu.h>

#define DUP_HASH_LEN 32 /* SHA-256, the name algorithm of the token's keys */
#define DUP_KEY_LEN  16 /* AES-128 */

/* The name: nameAlg, then the SHA-256 of the marshalled TPMT_PUBLIC. */
static CK_RV dup_name(const TPM2B_PUBLIC *pub, CK_BYTE name[2 + DUP_HASH_LEN])
{
	uint8_t buf[sizeof(TPMT_PUBLIC)];
	size_t off = 0;

	if (pub->publicArea.nameAlg != TPM2_ALG_SHA256 ||
	    Tss2_MU_TPMT_PUBLIC_Marshal(&pub->publicArea, buf, sizeof(buf), &off) !=
	        TSS2_RC_SUCCESS)
		return CKR_FUNCTION_FAILED;
	name[0] = TPM2_ALG_SHA256 >> 8;
	name[1] = TPM2_ALG_SHA256 & 0xff;
	return EVP_Digest(buf, off, name + 2, NULL, EVP_sha256(), NULL) == 1 ? CKR_OK
	                                                                     : CKR_FUNCTION_FAILED;
}

/*
 * out = TPM2B_DIGEST(H(sensitive || name)) || sensitive, where sensitive
 * is the marshalled TPM2B_SENSITIVE; *len its length.
 */
static CK_RV dup_plain(const TPMT_SENSITIVE *sens, const CK_BYTE *name, CK_BYTE *out, size_t cap,
                       size_t *len)
{
	const size_t head = 2 + DUP_HASH_LEN;
	size_t off = 0;
	CK_BYTE *s = out + head;
	EVP_MD_CTX *md;
	int ok;

	if (Tss2_MU_TPMT_SENSITIVE_Marshal(sens, s + 2, cap - head - 2, &off) != TSS2_RC_SUCCESS)
		return CKR_FUNCTION_FAILED;
	s[0] = (CK_BYTE)(off >> 8);
	s[1] = (CK_BYTE)off;
	off += 2;
	out[0] = 0;
	out[1] = DUP_HASH_LEN;
	md = EVP_MD_CTX_new();
	ok = md != NULL && EVP_DigestInit_ex2(md, EVP_sha256(), NULL) == 1 &&
	     EVP_DigestUpdate(md, s, off) == 1 &&
	     EVP_DigestUpdate(md, name, 2 + DUP_HASH_LEN) == 1 &&
	     EVP_DigestFinal_ex(md, out + 2, NULL) == 1;
	EVP_MD_CTX_free(md);
	*len = head + off;
	return ok ? CKR_OK : CKR_FUNCTION_FAILED;
}

/* AES-128-CFB with a zero IV, in place. */
static CK_RV dup_encrypt(const CK_BYTE *key, CK_BYTE *buf, size_t len)
{
	static const CK_BYTE iv[16];
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, ok;

	ok = c != NULL && EVP_EncryptInit_ex2(c, EVP_aes_128_cfb128(), key, iv, NULL) == 1 &&
	     EVP_EncryptUpdate(c, buf, &n, buf, (int)len) == 1 && (size_t)n == len;
	EVP_CIPHER_CTX_free(c);
	return ok ? CKR_OK : CKR_FUNCTION_FAILED;
}

/* The duplicate blob and the key that encrypts it. */
static CK_RV dup_wrap(const TPM2B_PUBLIC *pub, const TPMT_SENSITIVE *sens, TPM2B_DATA *key,
                      TPM2B_PRIVATE *dup)
{
	CK_BYTE name[2 + DUP_HASH_LEN];
	size_t len = 0;
	CK_RV rv = dup_name(pub, name);

	if (rv == CKR_OK)
		rv = dup_plain(sens, name, dup->buffer, sizeof(dup->buffer), &len);
	key->size = DUP_KEY_LEN;
	if (rv == CKR_OK && RAND_bytes(key->buffer, DUP_KEY_LEN) != 1)
		rv = CKR_FUNCTION_FAILED;
	if (rv == CKR_OK)
		rv = dup_encrypt(key->buffer, dup->buffer, len);
	dup->size = (UINT16)len;
	return rv;
}

CK_RV tpm_dup_import(struct tpm_call *call, const TPM2B_PUBLIC *pub, const TPMT_SENSITIVE *sens,
                     TPM2B_PRIVATE **priv)
{
	TPM2B_DATA key = {0};
	TPM2B_PRIVATE dup = {0};
	TPM2B_ENCRYPTED_SECRET seed = {0};
	TPMT_SYM_DEF_OBJECT sym = {.algorithm = TPM2_ALG_AES};
	CK_RV rv;

	sym.keyBits.aes = 8 * DUP_KEY_LEN;
	sym.mode.aes = TPM2_ALG_CFB;
	rv = dup_wrap(pub, sens, &key, &dup);
	if (rv == CKR_OK)
		rv = tpm_conn_rv(Esys_Import(call->conn.esys, call->parent.primary,
		                             call->parent.session, ESYS_TR_NONE, ESYS_TR_NONE, &key,
		                             pub, &dup, &seed, &sym, priv));
	OPENSSL_cleanse(&key, sizeof(key));
	OPENSSL_cleanse(&dup, sizeof(dup));
	return rv;
}
