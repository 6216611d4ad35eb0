/*
 * Functional tests of a TPM token's PINs, on a private swtpm: the master
 * key sealed in the TPM under each PIN, wrong PINs counted by the TPM's
 * dictionary-attack protection and shown in the PIN flags, the lockout
 * refusing even the right PIN, PIN changes, objects that survive a
 * restart of the TPM, and keys whose auth value comes from the login.
 *
 * The test reads back what the token wrote with ESAPI of its own: it
 * derives a sealed object's auth value from the PIN as the token is
 * documented to do, unseals the master key, and from it the keys' auth.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_tctildr.h>

#include "tpmfix.h"

#define SO_PIN   "87654321"
#define USER_PIN "123456"
#define NEW_PIN  "654321"
/* CKA_VENDOR_DEFINED | 0x4f535402: the key's TPM2B_PRIVATE */
#define CKA_TPM_PRIVATE (CKA_VENDOR_DEFINED | 0x4f535402UL)
#define PIN_FLAGS                                                                \
	(CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED | \
	 CKF_SO_PIN_COUNT_LOW | CKF_SO_PIN_FINAL_TRY | CKF_SO_PIN_LOCKED)
#define MAX_TRIES 4

static const CK_BYTE p256_der[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};

/* An ESAPI connection of the test's own to the fixture's swtpm. */
struct esys {
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *e;
};

static void esys_open(struct tpmfix *fx, struct esys *x)
{
	assert_int_equal(Tss2_TctiLdr_Initialize(fx->tpm.tcti, &x->tcti), TSS2_RC_SUCCESS);
	assert_int_equal(Esys_Initialize(&x->e, x->tcti, NULL), TSS2_RC_SUCCESS);
}

static void esys_close(struct esys *x)
{
	Esys_Finalize(&x->e);
	Tss2_TctiLdr_Finalize(&x->tcti);
}

/* Lockout after MAX_TRIES failures, no decay during the test; the counter back to zero. */
static void da_setup(struct tpmfix *fx)
{
	struct esys x;

	esys_open(fx, &x);
	assert_int_equal(Esys_DictionaryAttackParameters(x.e, ESYS_TR_RH_LOCKOUT, ESYS_TR_PASSWORD,
	                                                 ESYS_TR_NONE, ESYS_TR_NONE, MAX_TRIES,
	                                                 1000, 0),
	                 TSS2_RC_SUCCESS);
	assert_int_equal(Esys_DictionaryAttackLockReset(x.e, ESYS_TR_RH_LOCKOUT, ESYS_TR_PASSWORD,
	                                                ESYS_TR_NONE, ESYS_TR_NONE),
	                 TSS2_RC_SUCCESS);
	esys_close(&x);
}

static UINT32 da_counter(struct tpmfix *fx)
{
	TPMS_CAPABILITY_DATA *data = NULL;
	TPMI_YES_NO more;
	struct esys x;
	UINT32 v;

	esys_open(fx, &x);
	assert_int_equal(Esys_GetCapability(x.e, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
	                                    TPM2_CAP_TPM_PROPERTIES, TPM2_PT_LOCKOUT_COUNTER, 1,
	                                    &more, &data),
	                 TSS2_RC_SUCCESS);
	assert_int_equal(data->data.tpmProperties.tpmProperty[0].property, TPM2_PT_LOCKOUT_COUNTER);
	v = data->data.tpmProperties.tpmProperty[0].value;
	Esys_Free(data);
	esys_close(&x);
	return v;
}

static CK_SESSION_HANDLE open_rw(struct tpmfix *fx)
{
	CK_SESSION_HANDLE s;

	assert_int_equal(
	    fx->f->C_OpenSession(TPM_SLOT, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
	    CKR_OK);
	return s;
}

static CK_RV login_as(struct tpmfix *fx, CK_SESSION_HANDLE s, CK_USER_TYPE user, const char *pin)
{
	return fx->f->C_Login(s, user, (CK_UTF8CHAR_PTR)pin, strlen(pin));
}

/* A token with both PINs set; returns a session logged in as the user. */
static CK_SESSION_HANDLE init_and_login(struct tpmfix *fx)
{
	CK_UTF8CHAR label[32];
	CK_SESSION_HANDLE s;

	memset(label, ' ', sizeof(label));
	memcpy(label, "tpm pins", 8);
	assert_int_equal(fx->f->C_InitToken(TPM_SLOT, (CK_UTF8CHAR_PTR)SO_PIN, 8, label), CKR_OK);
	s = open_rw(fx);
	assert_int_equal(login_as(fx, s, CKU_SO, SO_PIN), CKR_OK);
	assert_int_equal(fx->f->C_InitPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	assert_int_equal(fx->f->C_Logout(s), CKR_OK);
	assert_int_equal(login_as(fx, s, CKU_USER, USER_PIN), CKR_OK);
	return s;
}

static CK_FLAGS pin_flags(struct tpmfix *fx)
{
	CK_TOKEN_INFO info;

	assert_int_equal(fx->f->C_GetTokenInfo(TPM_SLOT, &info), CKR_OK);
	return info.flags & PIN_FLAGS;
}

/* Reads <data>/tpm/<this user>/<name> whole; returns its length. */
static size_t read_token_file(struct tpmfix *fx, const char *name, uint8_t *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	struct passwd *pw = getpwuid(getuid());

	assert_non_null(pw);
	snprintf(path, sizeof(path), "%s/data/tpm/%s/%s", fx->h.dir, pw->pw_name, name);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, len);
	close(fd);
	assert_true(n > 0 && (size_t)n < len);
	return (size_t)n;
}

static bool contains(const uint8_t *hay, size_t n, const void *needle, size_t m)
{
	for (size_t i = 0; i + m <= n; i++)
		if (memcmp(hay + i, needle, m) == 0)
			return true;
	return false;
}

/* The token's storage key, from the template the backend documents. */
static ESYS_TR storage_key(struct esys *x)
{
	TPM2B_PUBLIC t = {
	    .publicArea = {.type = TPM2_ALG_ECC,
	                   .nameAlg = TPM2_ALG_SHA256,
	                   .objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
	                                       TPMA_OBJECT_SENSITIVEDATAORIGIN |
	                                       TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA |
	                                       TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT}};
	TPM2B_SENSITIVE_CREATE sens = {0};
	TPM2B_DATA outside = {0};
	TPML_PCR_SELECTION pcrs = {0};
	ESYS_TR h = ESYS_TR_NONE;

	t.publicArea.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_AES;
	t.publicArea.parameters.eccDetail.symmetric.keyBits.aes = 128;
	t.publicArea.parameters.eccDetail.symmetric.mode.aes = TPM2_ALG_CFB;
	t.publicArea.parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
	t.publicArea.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
	t.publicArea.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	assert_int_equal(Esys_CreatePrimary(x->e, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
	                                    ESYS_TR_NONE, &sens, &t, &outside, &pcrs, &h, NULL,
	                                    NULL, NULL, NULL),
	                 TSS2_RC_SUCCESS);
	return h;
}

/*
 * Unseals the master key from MK_USER with pin: the record is the body of
 * an "OSMT" frame (36-byte header, SHA-256 trailer) holding a 16-byte salt,
 * the TPM2B_PUBLIC and the TPM2B_PRIVATE; the auth value is
 * SHA-256("openslot tpm pin auth" || 1 || salt || PIN).
 */
static void unseal_user_mk(struct tpmfix *fx, const char *pin, uint8_t mk[32])
{
	uint8_t file[4096], role = 1;
	size_t n = read_token_file(fx, "MK_USER", file, sizeof(file)), off = 36 + 16;
	TPM2B_PUBLIC pub = {0};
	TPM2B_PRIVATE priv = {0};
	TPM2B_AUTH auth = {.size = 32};
	TPM2B_SENSITIVE_DATA *out = NULL;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	struct esys x;
	ESYS_TR parent, obj;

	assert_memory_equal(file, "OSMT", 4);
	assert_int_equal(Tss2_MU_TPM2B_PUBLIC_Unmarshal(file, n - 32, &off, &pub), TSS2_RC_SUCCESS);
	assert_int_equal(Tss2_MU_TPM2B_PRIVATE_Unmarshal(file, n - 32, &off, &priv),
	                 TSS2_RC_SUCCESS);
	assert_int_equal(off, n - 32);
	/* a sealed object subject to the TPM's lockout */
	assert_int_equal(pub.publicArea.type, TPM2_ALG_KEYEDHASH);
	assert_int_equal(pub.publicArea.objectAttributes & TPMA_OBJECT_NODA, 0);
	assert_int_equal(
	    pub.publicArea.objectAttributes & (TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_DECRYPT), 0);
	assert_true(EVP_DigestInit_ex(md, EVP_sha256(), NULL));
	assert_true(EVP_DigestUpdate(md, "openslot tpm pin auth", 21));
	assert_true(EVP_DigestUpdate(md, &role, 1));
	assert_true(EVP_DigestUpdate(md, file + 36, 16));
	assert_true(EVP_DigestUpdate(md, pin, strlen(pin)));
	assert_true(EVP_DigestFinal_ex(md, auth.buffer, NULL));
	EVP_MD_CTX_free(md);
	esys_open(fx, &x);
	parent = storage_key(&x);
	assert_int_equal(
	    Esys_Load(x.e, parent, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &priv, &pub, &obj),
	    TSS2_RC_SUCCESS);
	assert_int_equal(Esys_TR_SetAuth(x.e, obj, &auth), TSS2_RC_SUCCESS);
	assert_int_equal(Esys_Unseal(x.e, obj, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &out),
	                 TSS2_RC_SUCCESS);
	assert_int_equal(out->size, 32);
	memcpy(mk, out->buffer, 32);
	Esys_Free(out);
	Esys_FlushContext(x.e, obj);
	Esys_FlushContext(x.e, parent);
	esys_close(&x);
}

/* MK_SO and MK_USER hold sealed objects: neither PIN nor master key in clear. */
static void test_sealed_files(void **state)
{
	struct tpmfix *fx = *state;
	CK_SESSION_HANDLE s = init_and_login(fx);
	uint8_t so[4096], user[4096], mk[32];
	size_t n_so = read_token_file(fx, "MK_SO", so, sizeof(so));
	size_t n_user = read_token_file(fx, "MK_USER", user, sizeof(user));

	assert_memory_equal(so, "OSMT", 4);
	assert_memory_equal(user, "OSMT", 4);
	assert_false(contains(so, n_so, SO_PIN, 8));
	assert_false(contains(user, n_user, USER_PIN, 6));
	unseal_user_mk(fx, USER_PIN, mk);
	assert_false(contains(so, n_so, mk, sizeof(mk)));
	assert_false(contains(user, n_user, mk, sizeof(mk)));
	fx->f->C_CloseSession(s);
}

/* Wrong PINs count in the TPM; the flags follow; the lockout refuses the right PIN. */
static void test_lockout(void **state)
{
	struct tpmfix *fx = *state;
	CK_SESSION_HANDLE s = init_and_login(fx);
	CK_TOKEN_INFO info;

	assert_int_equal(fx->f->C_Logout(s), CKR_OK);
	da_setup(fx);
	assert_int_equal(pin_flags(fx), 0);
	assert_int_equal(login_as(fx, s, CKU_USER, "000000"), CKR_PIN_INCORRECT);
	assert_int_equal(da_counter(fx), 1);
	assert_int_equal(pin_flags(fx), CKF_USER_PIN_COUNT_LOW | CKF_SO_PIN_COUNT_LOW);
	/* the SO's wrong PIN counts on the same counter */
	assert_int_equal(login_as(fx, s, CKU_SO, "00000000"), CKR_PIN_INCORRECT);
	assert_int_equal(da_counter(fx), 2);
	/* a right PIN still works and does not reset the TPM's counter */
	assert_int_equal(login_as(fx, s, CKU_USER, USER_PIN), CKR_OK);
	assert_int_equal(fx->f->C_Logout(s), CKR_OK);
	assert_int_equal(login_as(fx, s, CKU_USER, "000000"), CKR_PIN_INCORRECT);
	assert_int_equal(da_counter(fx), MAX_TRIES - 1);
	assert_int_equal(pin_flags(fx), CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY |
	                                    CKF_SO_PIN_COUNT_LOW | CKF_SO_PIN_FINAL_TRY);
	assert_int_equal(login_as(fx, s, CKU_USER, "000000"), CKR_PIN_INCORRECT);
	assert_int_equal(pin_flags(fx), CKF_USER_PIN_LOCKED | CKF_SO_PIN_LOCKED);
	assert_int_equal(login_as(fx, s, CKU_USER, USER_PIN), CKR_PIN_LOCKED);
	assert_int_equal(login_as(fx, s, CKU_SO, SO_PIN), CKR_PIN_LOCKED);
	assert_int_equal(da_counter(fx), MAX_TRIES);

	/* the TPM's owner of the lockout hierarchy lifts it */
	da_setup(fx);
	assert_int_equal(pin_flags(fx), 0);
	assert_int_equal(login_as(fx, s, CKU_USER, USER_PIN), CKR_OK);
	assert_int_equal(fx->f->C_GetTokenInfo(TPM_SLOT, &info), CKR_OK);
	assert_true(info.flags & CKF_USER_PIN_INITIALIZED);
	fx->f->C_CloseSession(s);
}

/* C_SetPIN re-seals: the new PIN opens, the old one no longer does. */
static void test_set_pin(void **state)
{
	struct tpmfix *fx = *state;
	CK_SESSION_HANDLE s = init_and_login(fx);
	uint8_t before[32], after[32];

	unseal_user_mk(fx, USER_PIN, before);
	assert_int_equal(
	    fx->f->C_SetPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, 6, (CK_UTF8CHAR_PTR)NEW_PIN, 6), CKR_OK);
	assert_int_equal(fx->f->C_Logout(s), CKR_OK);
	assert_int_equal(login_as(fx, s, CKU_USER, USER_PIN), CKR_PIN_INCORRECT);
	assert_int_equal(login_as(fx, s, CKU_USER, NEW_PIN), CKR_OK);
	unseal_user_mk(fx, NEW_PIN, after);
	assert_memory_equal(before, after, 32); /* the same master key, sealed anew */
	assert_int_equal(fx->f->C_Logout(s), CKR_OK);

	/* the SO's PIN too */
	assert_int_equal(login_as(fx, s, CKU_SO, SO_PIN), CKR_OK);
	assert_int_equal(
	    fx->f->C_SetPIN(s, (CK_UTF8CHAR_PTR)SO_PIN, 8, (CK_UTF8CHAR_PTR) "11223344", 8),
	    CKR_OK);
	assert_int_equal(fx->f->C_Logout(s), CKR_OK);
	assert_int_equal(login_as(fx, s, CKU_SO, SO_PIN), CKR_PIN_INCORRECT);
	assert_int_equal(login_as(fx, s, CKU_SO, "11223344"), CKR_OK);
	fx->f->C_CloseSession(s);
}

static void gen_ec(struct tpmfix *fx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE *pub,
                   CK_OBJECT_HANDLE *priv)
{
	CK_MECHANISM mech = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE pt[] = {{CKA_EC_PARAMS, (void *)p256_der, sizeof(p256_der)},
	                     {CKA_TOKEN, &yes, 1}};
	CK_ATTRIBUTE st[] = {{CKA_SIGN, &yes, 1}, {CKA_TOKEN, &yes, 1}, {CKA_LABEL, "k", 1}};

	assert_int_equal(fx->f->C_GenerateKeyPair(s, &mech, pt, 2, st, 3, pub, priv), CKR_OK);
}

static CK_RV sign(struct tpmfix *fx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key)
{
	CK_MECHANISM mech = {CKM_ECDSA, NULL, 0};
	CK_BYTE digest[32] = {7}, sig[64];
	CK_ULONG n = sizeof(sig);
	CK_RV rv = fx->f->C_SignInit(s, &mech, key);

	return rv == CKR_OK ? fx->f->C_Sign(s, digest, 32, sig, &n) : rv;
}

/* Stops swtpm cleanly (TPM2_Shutdown first), so its restart counts no failure. */
static void restart_tpm(struct tpmfix *fx)
{
	struct esys x;

	esys_open(fx, &x);
	assert_int_equal(
	    Esys_Shutdown(x.e, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_SU_CLEAR),
	    TSS2_RC_SUCCESS);
	esys_close(&x);
	assert_int_equal(swtpm_kill(&fx->tpm), 0);
	assert_int_equal(swtpm_restart(&fx->tpm), 0);
}

/* Private objects and TPM keys are there again after a restart of the TPM and a login. */
static void test_survives_restart(void **state)
{
	struct tpmfix *fx = *state;
	CK_SESSION_HANDLE s = init_and_login(fx);
	CK_OBJECT_CLASS data = CKO_DATA;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE dt[] = {{CKA_CLASS, &data, sizeof(data)},
	                     {CKA_TOKEN, &yes, 1},
	                     {CKA_PRIVATE, &yes, 1},
	                     {CKA_LABEL, "secret", 6},
	                     {CKA_VALUE, "kept value", 10}};
	CK_OBJECT_HANDLE h, pub, priv, found[4];
	CK_ULONG n = 0;
	CK_BYTE value[32];

	assert_int_equal(fx->f->C_CreateObject(s, dt, 5, &h), CKR_OK);
	gen_ec(fx, s, &pub, &priv);
	fx->f->C_Finalize(NULL);
	da_setup(fx);
	restart_tpm(fx);
	assert_int_equal(da_counter(fx), 0);
	assert_int_equal(fx->f->C_Initialize(NULL), CKR_OK);
	s = open_rw(fx);
	assert_int_equal(login_as(fx, s, CKU_USER, USER_PIN), CKR_OK);
	assert_int_equal(fx->f->C_FindObjectsInit(s, dt + 3, 1), CKR_OK);
	assert_int_equal(fx->f->C_FindObjects(s, found, 4, &n), CKR_OK);
	assert_int_equal(fx->f->C_FindObjectsFinal(s), CKR_OK);
	assert_int_equal(n, 1);
	CK_ATTRIBUTE v = {CKA_VALUE, value, sizeof(value)};
	assert_int_equal(fx->f->C_GetAttributeValue(s, found[0], &v, 1), CKR_OK);
	assert_int_equal(v.ulValueLen, 10);
	assert_memory_equal(value, "kept value", 10);
	CK_OBJECT_CLASS pk = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE kt[] = {{CKA_CLASS, &pk, sizeof(pk)}, {CKA_LABEL, "k", 1}};
	assert_int_equal(fx->f->C_FindObjectsInit(s, kt, 2), CKR_OK);
	assert_int_equal(fx->f->C_FindObjects(s, found, 4, &n), CKR_OK);
	assert_int_equal(fx->f->C_FindObjectsFinal(s), CKR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(sign(fx, s, found[0]), CKR_OK);
	assert_int_equal(fx->f->C_Logout(s), CKR_OK);
	fx->f->C_CloseSession(s);
}

/* Signs with a key loaded from its blobs with the given auth value; the TPM's answer. */
static TSS2_RC sign_with_auth(struct tpmfix *fx, const uint8_t *pubb, size_t pub_len,
                              const uint8_t *privb, size_t priv_len, const TPM2B_AUTH *auth)
{
	TPM2B_PUBLIC pub = {0};
	TPM2B_PRIVATE priv = {0};
	TPM2B_DIGEST digest = {.size = 32};
	TPMT_SIG_SCHEME scheme = {.scheme = TPM2_ALG_ECDSA};
	TPMT_TK_HASHCHECK ticket = {.tag = TPM2_ST_HASHCHECK, .hierarchy = TPM2_RH_NULL};
	TPMT_SIGNATURE *sig = NULL;
	size_t off = 0;
	struct esys x;
	ESYS_TR parent, key;
	TSS2_RC rc;

	scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
	assert_int_equal(Tss2_MU_TPM2B_PUBLIC_Unmarshal(pubb, pub_len, &off, &pub),
	                 TSS2_RC_SUCCESS);
	off = 0;
	assert_int_equal(Tss2_MU_TPM2B_PRIVATE_Unmarshal(privb, priv_len, &off, &priv),
	                 TSS2_RC_SUCCESS);
	esys_open(fx, &x);
	parent = storage_key(&x);
	assert_int_equal(
	    Esys_Load(x.e, parent, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &priv, &pub, &key),
	    TSS2_RC_SUCCESS);
	assert_int_equal(Esys_TR_SetAuth(x.e, key, auth), TSS2_RC_SUCCESS);
	rc = Esys_Sign(x.e, key, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &digest, &scheme,
	               &ticket, &sig);
	Esys_Free(sig);
	Esys_FlushContext(x.e, key);
	Esys_FlushContext(x.e, parent);
	esys_close(&x);
	return rc;
}

/* A key's blobs sign only with the auth value the user's login gives. */
static void test_key_auth(void **state)
{
	struct tpmfix *fx = *state;
	CK_SESSION_HANDLE s = init_and_login(fx);
	CK_OBJECT_HANDLE pub, priv;
	uint8_t pubb[1024], privb[1024], mk[32];
	CK_ATTRIBUTE at[] = {{CKA_VENDOR_DEFINED | 0x4f535401UL, pubb, sizeof(pubb)},
	                     {CKA_TPM_PRIVATE, privb, sizeof(privb)}};
	TPM2B_AUTH empty = {0}, auth = {.size = 32};
	size_t n = 0;

	gen_ec(fx, s, &pub, &priv);
	assert_int_equal(sign(fx, s, priv), CKR_OK);
	assert_int_equal(fx->f->C_GetAttributeValue(s, priv, at, 2), CKR_OK);
	unseal_user_mk(fx, USER_PIN, mk);
	assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, mk, 32,
	                          (const unsigned char *)"openslot tpm key auth", 21, auth.buffer,
	                          32, &n));
	assert_int_equal(n, 32);
	TSS2_RC rc = sign_with_auth(fx, pubb, at[0].ulValueLen, privb, at[1].ulValueLen, &empty);
	assert_true((rc & TPM2_RC_FMT1) && (rc & 0x3f) == (TPM2_RC_AUTH_FAIL & 0x3f));
	assert_int_equal(sign_with_auth(fx, pubb, at[0].ulValueLen, privb, at[1].ulValueLen, &auth),
	                 TSS2_RC_SUCCESS);

	/* without a user login the token makes no key */
	CK_OBJECT_HANDLE p2, k2;
	assert_int_equal(fx->f->C_Logout(s), CKR_OK);
	assert_int_equal(login_as(fx, s, CKU_SO, SO_PIN), CKR_OK);
	CK_MECHANISM mech = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	CK_BBOOL no = CK_FALSE;
	CK_ATTRIBUTE pt[] = {{CKA_EC_PARAMS, (void *)p256_der, sizeof(p256_der)}};
	CK_ATTRIBUTE st[] = {{CKA_PRIVATE, &no, 1}};
	assert_int_equal(fx->f->C_GenerateKeyPair(s, &mech, pt, 1, st, 1, &p2, &k2),
	                 CKR_USER_NOT_LOGGED_IN);
	fx->f->C_CloseSession(s);
}

/* Rewrites the configuration with slot 0 on tcti and has slotd reload it. */
static void reload_with_tcti(struct tpmfix *fx, const char *tcti)
{
	char slots[1024];

	snprintf(slots, sizeof(slots),
	         "{ id = %d; backend = \"tpm\"; token = \"tpm\"; description = \"swtpm slot\"; "
	         "options = { tcti = \"%s\"; tcti-timeout = \"4000\"; }; },\n"
	         "{ id = %d; backend = \"tpm\"; token = \"tpm1\"; "
	         "options = { tcti = \"swtpm:host=127.0.0.1,port=1\"; }; },\n"
	         "{ id = %d; backend = \"tpm\"; token = \"tpm2\"; "
	         "options = { tcti = \"device:/nonexistent/tpmrm0\"; }; }",
	         TPM_SLOT, tcti, UNREACHABLE, NO_DEVICE);
	assert_int_equal(harness_write_conf(&fx->h, NULL, slots), 0);
	kill(fx->h.pid, SIGHUP);
	assert_int_equal(harness_wait_notify(&fx->h, "READY=1", 10000), 0);
}

/* slotd checks PINs on the TPM its configuration names now. */
static void test_reload_tcti(void **state)
{
	struct tpmfix *fx = *state;
	CK_SESSION_HANDLE s = init_and_login(fx);

	assert_int_equal(fx->f->C_Logout(s), CKR_OK);
	reload_with_tcti(fx, "swtpm:host=127.0.0.1,port=1");
	CK_RV rv = login_as(fx, s, CKU_USER, USER_PIN);
	assert_true(rv == CKR_DEVICE_REMOVED || rv == CKR_DEVICE_ERROR);
	reload_with_tcti(fx, fx->tpm.tcti);
	assert_int_equal(login_as(fx, s, CKU_USER, USER_PIN), CKR_OK);
	fx->f->C_CloseSession(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_sealed_files, tpmfix_setup, tpmfix_teardown),
	    cmocka_unit_test_setup_teardown(test_lockout, tpmfix_setup, tpmfix_teardown),
	    cmocka_unit_test_setup_teardown(test_set_pin, tpmfix_setup, tpmfix_teardown),
	    cmocka_unit_test_setup_teardown(test_survives_restart, tpmfix_setup, tpmfix_teardown),
	    cmocka_unit_test_setup_teardown(test_key_auth, tpmfix_setup, tpmfix_teardown),
	    cmocka_unit_test_setup_teardown(test_reload_tcti, tpmfix_setup, tpmfix_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
