/*
 * The PINs of a TPM token, sealed in the TPM (see tokens_tpm.h).
 *
 * Both sealer calls run on slotd's worker threads without the store's
 * mutex.  Each takes the token's TPM mutex, connects, starts the TPM if it
 * was not (a restarted simulator), creates the storage key with its salted
 * session, and tears all of it down before returning, so that nothing of
 * slotd's stays in a TPM that other processes share.  Every buffer that
 * held a PIN-derived auth value or the master key is wiped.
 */
#include "tokens_tpm.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <tss2/tss2_mu.h>

#include "buf.h"
#include "log.h"
#include "tpm_seal.h"

#define TPMTOK_SALT_LEN 16
#define TPMTOK_LABEL    "openslot tpm pin auth"

struct slotd_tpm {
	pthread_mutex_t lock; /* one connection at a time */
	struct tpm_opts opts;
	bool no_rm; /* swtpm, mssim: no resource manager */
};

/* Connects, starts the TPM and opens the parent; on failure nothing is held. */
static CK_RV tpmtok_begin(struct slotd_tpm *t, struct tpm_conn *c, struct tpm_parent *p)
{
	CK_RV rv;

	pthread_mutex_lock(&t->lock);
	rv = tpm_conn_open(&t->opts, c);
	if (rv != CKR_OK)
		goto fail;
	if (t->no_rm)
		rv = tpm_conn_flush_leftovers(c);
	if (rv == CKR_OK)
		rv = tpm_conn_startup(c);
	if (rv == CKR_OK)
		rv = tpm_parent_open(c, &t->opts, p);
	if (rv == CKR_OK)
		return CKR_OK;
	tpm_conn_close(c);
fail:
	pthread_mutex_unlock(&t->lock);
	os_log(LOG_ERR, "TPM %s: cannot use it (0x%lx)", t->opts.tcti, rv);
	return rv;
}

static void tpmtok_end(struct slotd_tpm *t, struct tpm_conn *c, struct tpm_parent *p)
{
	tpm_parent_close(c, p);
	tpm_conn_close(c);
	pthread_mutex_unlock(&t->lock);
}

/* The auth value of a role's sealed object: SHA-256(label || role || salt || PIN). */
static CK_RV tpmtok_auth(CK_USER_TYPE user, const uint8_t salt[TPMTOK_SALT_LEN],
                         const CK_UTF8CHAR *pin, CK_ULONG len, TPM2B_AUTH *auth)
{
	const uint8_t role = user == CKU_SO ? 0 : 1;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int n = 0;
	bool ok;

	memset(auth, 0, sizeof(*auth));
	ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
	     EVP_DigestUpdate(md, TPMTOK_LABEL, sizeof(TPMTOK_LABEL) - 1) &&
	     EVP_DigestUpdate(md, &role, 1) && EVP_DigestUpdate(md, salt, TPMTOK_SALT_LEN) &&
	     EVP_DigestUpdate(md, pin, len) && EVP_DigestFinal_ex(md, auth->buffer, &n) && n == 32;
	EVP_MD_CTX_free(md);
	auth->size = ok ? 32 : 0;
	return ok ? CKR_OK : CKR_FUNCTION_FAILED;
}

/* The record: salt, then the sealed object's TPM2B_PUBLIC and TPM2B_PRIVATE. */
static CK_RV tpmtok_encode(const uint8_t salt[TPMTOK_SALT_LEN], const TPM2B_PUBLIC *pub,
                           const TPM2B_PRIVATE *priv, struct os_buf *record)
{
	uint8_t buf[sizeof(TPM2B_PUBLIC) + sizeof(TPM2B_PRIVATE)];
	size_t off = 0;

	if (Tss2_MU_TPM2B_PUBLIC_Marshal(pub, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS ||
	    Tss2_MU_TPM2B_PRIVATE_Marshal(priv, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS)
		return CKR_DEVICE_ERROR;
	os_buf_add(record, salt, TPMTOK_SALT_LEN);
	os_buf_add(record, buf, off);
	return os_buf_failed(record) ? CKR_HOST_MEMORY : CKR_OK;
}

static CK_RV tpmtok_decode(const uint8_t *record, size_t len, uint8_t salt[TPMTOK_SALT_LEN],
                           TPM2B_PUBLIC *pub, TPM2B_PRIVATE *priv)
{
	size_t off = TPMTOK_SALT_LEN;

	memset(pub, 0, sizeof(*pub));
	memset(priv, 0, sizeof(*priv));
	if (len < TPMTOK_SALT_LEN ||
	    Tss2_MU_TPM2B_PUBLIC_Unmarshal(record, len, &off, pub) != TSS2_RC_SUCCESS ||
	    Tss2_MU_TPM2B_PRIVATE_Unmarshal(record, len, &off, priv) != TSS2_RC_SUCCESS ||
	    off != len)
		return CKR_DATA_INVALID;
	memcpy(salt, record, TPMTOK_SALT_LEN);
	return CKR_OK;
}

static CK_RV tpmtok_seal(void *ctx, CK_USER_TYPE user, const uint8_t *key, size_t key_len,
                         const CK_UTF8CHAR *pin, CK_ULONG len, struct os_buf *record)
{
	struct slotd_tpm *t = ctx;
	uint8_t salt[TPMTOK_SALT_LEN];
	TPM2B_AUTH auth;
	TPM2B_PUBLIC *pub = NULL;
	TPM2B_PRIVATE *priv = NULL;
	struct tpm_conn c;
	struct tpm_parent p;
	CK_RV rv = CKR_FUNCTION_FAILED;

	if (RAND_bytes(salt, sizeof(salt)) == 1)
		rv = tpmtok_auth(user, salt, pin, len, &auth);
	if (rv != CKR_OK)
		return rv;
	rv = tpmtok_begin(t, &c, &p);
	if (rv == CKR_OK) {
		rv = tpm_seal_create(&c, &p, &auth, key, key_len, &pub, &priv);
		tpmtok_end(t, &c, &p);
	}
	if (rv == CKR_OK)
		rv = tpmtok_encode(salt, pub, priv, record);
	OPENSSL_cleanse(&auth, sizeof(auth));
	Esys_Free(pub);
	Esys_Free(priv);
	return rv;
}

static CK_RV tpmtok_unseal(void *ctx, CK_USER_TYPE user, const uint8_t *record, size_t record_len,
                           const CK_UTF8CHAR *pin, CK_ULONG len, uint8_t *key, size_t key_len)
{
	struct slotd_tpm *t = ctx;
	uint8_t salt[TPMTOK_SALT_LEN];
	TPM2B_AUTH auth;
	TPM2B_PUBLIC pub;
	TPM2B_PRIVATE priv;
	struct tpm_conn c;
	struct tpm_parent p;
	CK_RV rv = tpmtok_decode(record, record_len, salt, &pub, &priv);

	if (rv == CKR_OK)
		rv = tpmtok_auth(user, salt, pin, len, &auth);
	if (rv != CKR_OK)
		return rv;
	rv = tpmtok_begin(t, &c, &p);
	if (rv == CKR_OK) {
		rv = tpm_seal_open(&c, &p, &auth, &pub, &priv, key, key_len);
		tpmtok_end(t, &c, &p);
	}
	OPENSSL_cleanse(&auth, sizeof(auth));
	if (rv != CKR_OK)
		OPENSSL_cleanse(key, key_len);
	return rv;
}

/* The tpm backend's own reading of the slot options (tpm_opts.h). */
static CK_RV tpmtok_opts(const struct os_slot_conf *slot, struct tpm_opts *opts)
{
	struct os_backend_option *o = calloc(slot->n_options + 1, sizeof(*o));
	struct os_backend_env env = {.slot_id = slot->id, .token_name = slot->token};
	CK_RV rv;

	if (!o)
		return CKR_HOST_MEMORY;
	for (size_t i = 0; i < slot->n_options; i++)
		o[i] = (struct os_backend_option){slot->options[i].name, slot->options[i].value};
	env.options = o;
	env.n_options = slot->n_options;
	rv = tpm_opts_read(&env, opts);
	free(o);
	return rv;
}

int slotd_tokens_tpm_attach(struct slotd_token *tok, const struct os_slot_conf *slot)
{
	struct slotd_tpm *t;

	tok->tpm = NULL;
	if (strcmp(slot->backend, "tpm") != 0)
		return 0;
	t = calloc(1, sizeof(*t));
	if (!t || tpmtok_opts(slot, &t->opts) != CKR_OK) {
		free(t);
		return os_log_fail(-1, "token %s: bad TPM options or out of memory", slot->token);
	}
	t->no_rm = strncmp(t->opts.tcti, "swtpm", 5) == 0 || strncmp(t->opts.tcti, "mssim", 5) == 0;
	pthread_mutex_init(&t->lock, NULL);
	tok->tpm = t;
	tok_store_set_sealer(tok->store, &(struct tok_store_sealer){
	                                     .ctx = t,
	                                     .seal = tpmtok_seal,
	                                     .unseal = tpmtok_unseal,
	                                 });
	return 0;
}

bool slotd_tokens_tpm_changed(const struct slotd_token *tok, const struct os_slot_conf *slot)
{
	struct tpm_opts now;

	if ((tok->tpm != NULL) != (strcmp(slot->backend, "tpm") == 0))
		return true;
	if (!tok->tpm)
		return false;
	if (tpmtok_opts(slot, &now) != CKR_OK)
		return true;
	return strcmp(now.tcti, tok->tpm->opts.tcti) != 0 ||
	       now.timeout_ms != tok->tpm->opts.timeout_ms;
}

void slotd_tokens_tpm_detach(struct slotd_token *tok)
{
	if (!tok->tpm)
		return;
	pthread_mutex_destroy(&tok->tpm->lock);
	free(tok->tpm);
	tok->tpm = NULL;
}
