/*
 * The PIN operations of store.h: login, C_InitToken, C_InitPIN and
 * C_SetPIN, with their failure counting, and the token's own Argon2id
 * parameters for new PINs (NVTOK.DAT), which C_InitPIN and C_SetPIN prefer
 * to the handle's and C_InitToken forgets.
 *
 * The key derivation of a PIN takes tens of milliseconds by design, and
 * slotd runs it on worker threads while its main thread keeps writing
 * objects to the same store.  So every operation reads what it needs under
 * the handle's mutex, derives without it, and takes the mutex again to
 * record the outcome:
 *   - an attempt first reserves one of the guesses still allowed
 *     (st->inflight): it is refused with CKR_PIN_LOCKED when the failures
 *     in NVTOK.DAT plus the attempts of that role still deriving reach
 *     the handle's limit (st->pin_limit), so concurrent attempts never
 *     exceed it; its outcome is written to NVTOK.DAT before it returns;
 *   - st->mk_epoch counts the rewrites of MK_SO, MK_USER and the token: an
 *     attempt or a change that finds it moved while it derived was made
 *     against files that are gone; it is not counted and is started over
 *     (a few times, then CKR_FUNCTION_FAILED).
 * Failure counters live in NVTOK.DAT, which only the writer opens.
 *
 * With a sealer (tok_store_set_sealer: a TPM token) new PINs seal the key
 * in the device instead of wrapping it with Argon2id, and an attempt on a
 * sealed record is counted by the device alone: no reservation against
 * the limit, nothing written to NVTOK.DAT, CKR_PIN_LOCKED when the device
 * says so.
 *
 * No PIN is ever marked "to be changed": every PIN is chosen by the SO or
 * the user, none by the token (CKF_USER_PIN_TO_BE_CHANGED and
 * CKF_SO_PIN_TO_BE_CHANGED mean a PIN the token set itself, and programs
 * such as NSS then press for a change).
 */
#include <string.h>

#include <openssl/crypto.h>

#include "store.h"
#include "store_crypt.h"
#include "store_file.h"
#include "store_int.h"
#include "store_mk.h"

#define PIN_TRIES 3 /* starts of an operation whose files changed under it */

/* What an attempt read under the mutex, to derive without it. */
struct pin_attempt {
	CK_USER_TYPE user;
	struct tok_store_mk file;
	struct tok_store_sealer sealer;
	uint64_t epoch;
};

/* Whether the role of user has a PIN on the token nv describes. */
static CK_RV pin_precheck(CK_USER_TYPE user, const struct tok_store_info *nv)
{
	if (!nv->initialized)
		return user == CKU_SO ? CKR_TOKEN_NOT_RECOGNIZED : CKR_USER_PIN_NOT_INITIALIZED;
	if (user == CKU_USER && !nv->user_pin_set)
		return CKR_USER_PIN_NOT_INITIALIZED;
	return CKR_OK;
}

/* Whether user may try a PIN now: a sealed record's device keeps its own count. */
static CK_RV pin_limit_inlock(struct tok_store *st, const struct pin_attempt *a,
                              const struct tok_store_info *nv)
{
	uint32_t fails = a->user == CKU_SO ? nv->so_failures : nv->user_failures;

	if (a->file.sealed_len)
		return CKR_OK;
	if ((uint64_t)fails + st->inflight[TOK_STORE_ROLE(a->user)] >= st->pin_limit)
		return CKR_PIN_LOCKED;
	return CKR_OK;
}

/* Reserves a guess and reads the master-key file of a->user. */
static CK_RV pin_begin_inlock(struct tok_store *st, struct pin_attempt *a)
{
	struct tok_store_info nv;
	CK_RV rv;

	rv = tok_store_nv_read(st->data_fd, &nv);
	if (rv == CKR_OK)
		rv = pin_precheck(a->user, &nv);
	if (rv == CKR_OK)
		rv = tok_store_mk_read(st->data_fd, a->user, &a->file);
	if (rv == CKR_OK)
		rv = pin_limit_inlock(st, a, &nv);
	if (rv != CKR_OK)
		return rv;
	st->inflight[TOK_STORE_ROLE(a->user)]++;
	a->epoch = st->mk_epoch;
	a->sealer = st->sealer;
	return CKR_OK;
}

/*
 * Releases the guess of a and records its outcome rv: a failure counted, or
 * earlier failures forgotten after a success.  *stale when the files
 * changed meanwhile (nothing recorded, mk wiped).
 */
static CK_RV pin_end_inlock(struct tok_store *st, const struct pin_attempt *a, CK_RV rv,
                            uint8_t mk[TOK_STORE_KEY_LEN], bool *stale)
{
	struct tok_store_info nv;
	uint32_t *fails;
	CK_RV wrv;

	st->inflight[TOK_STORE_ROLE(a->user)]--;
	*stale = a->epoch != st->mk_epoch;
	if (*stale || (rv != CKR_OK && rv != CKR_PIN_INCORRECT))
		goto fail;
	if (a->file.sealed_len) /* the device counted it */
		goto done;
	wrv = tok_store_nv_read(st->data_fd, &nv);
	if (wrv != CKR_OK) {
		rv = wrv;
		goto fail;
	}
	fails = a->user == CKU_SO ? &nv.so_failures : &nv.user_failures;
	if (rv == CKR_OK && *fails == 0)
		return CKR_OK;
	*fails = rv == CKR_OK ? 0 : *fails + 1;
	wrv = tok_store_nv_write(st->data_fd, &nv);
	st->token_changed = true;
	if (wrv != CKR_OK)
		rv = wrv;
done:
	if (rv == CKR_OK)
		return rv;
fail:
	OPENSSL_cleanse(mk, TOK_STORE_KEY_LEN);
	return rv;
}

/* Gets the master key out of the record a read, with pin. */
static CK_RV pin_open(const struct pin_attempt *a, const CK_UTF8CHAR *pin, CK_ULONG len,
                      uint8_t mk[TOK_STORE_KEY_LEN])
{
	if (!a->file.sealed_len)
		return tok_store_mk_unwrap(a->user, &a->file, pin, len, mk);
	if (!a->sealer.unseal)
		return CKR_DATA_INVALID; /* a record of a device this handle does not know */
	return a->sealer.unseal(a->sealer.ctx, a->user, a->file.sealed, a->file.sealed_len, pin,
	                        len, mk, TOK_STORE_KEY_LEN);
}

/*
 * Checks pin for user, counting the outcome; on success mk holds the master
 * key and *epoch the mk_epoch it was checked at.  Mutex not held.
 */
static CK_RV pin_check(struct tok_store *st, CK_USER_TYPE user, const CK_UTF8CHAR *pin,
                       CK_ULONG len, uint8_t mk[TOK_STORE_KEY_LEN], uint64_t *epoch)
{
	struct pin_attempt a = {.user = user};
	bool stale = true;
	CK_RV rv = CKR_FUNCTION_FAILED;

	OPENSSL_cleanse(mk, TOK_STORE_KEY_LEN);
	for (int tries = 0; stale && tries < PIN_TRIES; tries++) {
		tok_store_lock(st);
		rv = pin_begin_inlock(st, &a);
		tok_store_unlock(st);
		if (rv != CKR_OK)
			return rv;
		rv = pin_open(&a, pin, len, mk);
		tok_store_lock(st);
		rv = pin_end_inlock(st, &a, rv, mk, &stale);
		tok_store_unlock(st);
	}
	OPENSSL_cleanse(&a.file, sizeof(a.file));
	*epoch = a.epoch;
	return stale ? CKR_FUNCTION_FAILED : rv;
}

static CK_RV pin_check_args(struct tok_store *st, CK_USER_TYPE user, const CK_UTF8CHAR *pin,
                            CK_ULONG len)
{
	if (!st)
		return CKR_ARGUMENTS_BAD;
	if (st->reader)
		return CKR_FUNCTION_NOT_SUPPORTED;
	if (user != CKU_SO && user != CKU_USER)
		return CKR_USER_TYPE_INVALID;
	if (!pin && len)
		return CKR_ARGUMENTS_BAD;
	return CKR_OK;
}

CK_RV tok_store_login(struct tok_store *st, CK_USER_TYPE user, const CK_UTF8CHAR *pin, CK_ULONG len,
                      uint8_t mk[TOK_STORE_KEY_LEN])
{
	uint64_t epoch;
	CK_RV rv = pin_check_args(st, user, pin, len);

	if (rv != CKR_OK)
		return rv;
	return pin_check(st, user, pin, len, mk, &epoch);
}

/*
 * The parameters for a new PIN and the current epoch, read under the mutex:
 * the token's own when token_own and NVTOK.DAT records some, else the
 * handle's.
 */
static CK_RV pin_snapshot(struct tok_store *st, bool token_own, struct tok_kdf_params *kdf,
                          uint64_t *epoch, struct tok_store_sealer *sealer)
{
	struct tok_store_info nv;
	CK_RV rv = CKR_OK;

	tok_store_lock(st);
	*kdf = st->kdf;
	*sealer = st->sealer;
	*epoch = st->mk_epoch;
	if (token_own)
		rv = tok_store_nv_read(st->data_fd, &nv);
	if (token_own && rv == CKR_OK && !tok_store_kdf_params_unset(&nv.kdf))
		*kdf = nv.kdf;
	tok_store_unlock(st);
	return rv;
}

/* Builds the master-key file of user keeping mk under pin: sealed, or with Argon2id. */
static CK_RV pin_seal(const struct tok_store_sealer *sealer, CK_USER_TYPE user,
                      const struct tok_kdf_params *kdf, const uint8_t mk[TOK_STORE_KEY_LEN],
                      const CK_UTF8CHAR *pin, CK_ULONG len, struct os_buf *file)
{
	struct os_buf record;
	CK_RV rv;

	if (!sealer->seal)
		return tok_store_mk_seal(user, kdf, mk, pin, len, file);
	os_buf_init(&record);
	rv = sealer->seal(sealer->ctx, user, mk, TOK_STORE_KEY_LEN, pin, len, &record);
	if (rv == CKR_OK)
		rv = tok_store_mk_frame_sealed(user, &record, file);
	os_buf_free(&record);
	return rv;
}

/* Writes a master-key file built outside the mutex (mutex held). */
static CK_RV pin_put_mk_inlock(struct tok_store *st, CK_USER_TYPE user, const struct os_buf *file)
{
	st->mk_epoch++;
	return tok_store_file_write(st->data_fd, tok_store_mk_name(user), file->data, file->len,
	                            TOK_STORE_MODE_SECRET);
}

CK_RV tok_store_init_user_pin(struct tok_store *st, const uint8_t mk[TOK_STORE_KEY_LEN],
                              const CK_UTF8CHAR *pin, CK_ULONG len)
{
	struct tok_kdf_params kdf;
	struct tok_store_sealer sealer;
	struct tok_store_info nv;
	struct os_buf file;
	uint64_t epoch;
	CK_RV rv = pin_check_args(st, CKU_USER, pin, len);

	if (rv != CKR_OK || !mk)
		return rv != CKR_OK ? rv : CKR_ARGUMENTS_BAD;
	os_buf_init(&file);
	rv = pin_snapshot(st, true, &kdf, &epoch, &sealer);
	if (rv == CKR_OK)
		rv = pin_seal(&sealer, CKU_USER, &kdf, mk, pin, len, &file);
	if (rv != CKR_OK)
		goto out;
	tok_store_lock(st);
	rv = tok_store_nv_read(st->data_fd, &nv);
	if (rv == CKR_OK && !nv.initialized)
		rv = CKR_TOKEN_NOT_RECOGNIZED;
	/* The key file first: until NVTOK.DAT says so, the new PIN is unused. */
	if (rv == CKR_OK)
		rv = pin_put_mk_inlock(st, CKU_USER, &file);
	if (rv == CKR_OK) {
		nv.user_pin_set = true;
		nv.user_failures = 0;
		rv = tok_store_nv_write(st->data_fd, &nv);
		st->token_changed = true;
	}
	tok_store_unlock(st);
out:
	os_buf_free(&file);
	return rv;
}

/* Commits a new PIN of user (file built at epoch) unless the files moved. */
static CK_RV pin_commit_inlock(struct tok_store *st, CK_USER_TYPE user, const struct os_buf *file,
                               uint64_t epoch, bool *stale)
{
	struct tok_store_info nv;
	CK_RV rv;

	*stale = epoch != st->mk_epoch;
	if (*stale)
		return CKR_FUNCTION_FAILED;
	/* One atomic rename switches from the old PIN to the new one. */
	rv = tok_store_nv_read(st->data_fd, &nv);
	if (rv == CKR_OK)
		rv = pin_put_mk_inlock(st, user, file);
	if (rv != CKR_OK)
		return rv;
	/* Rewritten as this version writes it: marks an earlier one kept are dropped. */
	st->token_changed = true;
	return tok_store_nv_write(st->data_fd, &nv);
}

CK_RV tok_store_set_pin(struct tok_store *st, CK_USER_TYPE user, const CK_UTF8CHAR *old_pin,
                        CK_ULONG old_len, const CK_UTF8CHAR *new_pin, CK_ULONG new_len)
{
	uint8_t mk[TOK_STORE_KEY_LEN];
	struct tok_kdf_params kdf;
	struct tok_store_sealer sealer;
	struct os_buf file;
	uint64_t epoch, ignored;
	bool stale = true;
	CK_RV rv = pin_check_args(st, user, old_pin, old_len);

	if (rv == CKR_OK)
		rv = pin_check_args(st, user, new_pin, new_len);
	if (rv != CKR_OK)
		return rv;
	os_buf_init(&file);
	for (int tries = 0; stale && tries < PIN_TRIES; tries++) {
		rv = pin_check(st, user, old_pin, old_len, mk, &epoch);
		if (rv != CKR_OK)
			break;
		rv = pin_snapshot(st, true, &kdf, &ignored, &sealer);
		os_buf_reset(&file);
		if (rv == CKR_OK)
			rv = pin_seal(&sealer, user, &kdf, mk, new_pin, new_len, &file);
		if (rv != CKR_OK)
			break;
		tok_store_lock(st);
		rv = pin_commit_inlock(st, user, &file, epoch, &stale);
		tok_store_unlock(st);
	}
	OPENSSL_cleanse(mk, sizeof(mk));
	os_buf_free(&file);
	return rv;
}

/*
 * Step 6 of the comment at the top of store.c, once the SO PIN was checked
 * and the new MK_SO built: unless the files moved since epoch.
 */
static CK_RV pin_reinit_inlock(struct tok_store *st, const struct os_buf *mk_so,
                               const CK_UTF8CHAR label[32], uint64_t epoch, bool *stale)
{
	struct tok_store_info nv;
	size_t n = 32;
	CK_RV rv;

	*stale = epoch != st->mk_epoch;
	if (*stale)
		return CKR_FUNCTION_FAILED;
	st->objects_changed = true;
	st->token_changed = true;
	st->mk_epoch++;
	rv = tok_store_idx_reset(&st->idx, st->obj_fd);
	/* The reset made every earlier change durable and removed every file. */
	st->sync_pending = 0;
	st->n_doomed = 0;
	if (rv == CKR_OK)
		rv = tok_store_file_remove(st->data_fd, TOK_STORE_MK_USER_NAME);
	if (rv == CKR_OK)
		rv = pin_put_mk_inlock(st, CKU_SO, mk_so);
	if (rv != CKR_OK)
		return rv;
	memset(&nv, 0, sizeof(nv));
	nv.initialized = true;
	while (n > 0 && label[n - 1] == ' ')
		n--;
	memcpy(nv.label, label, n);
	rv = tok_store_nv_write(st->data_fd, &nv);
	tok_store_idx_sweep_temp(st->data_fd);
	return rv;
}

/* Whether the token is initialised, and the epoch that answer holds for. */
static CK_RV pin_initialized(struct tok_store *st, bool *yes, uint64_t *epoch)
{
	struct tok_store_info nv;
	CK_RV rv;

	tok_store_lock(st);
	rv = tok_store_nv_read(st->data_fd, &nv);
	*yes = nv.initialized;
	*epoch = st->mk_epoch;
	tok_store_unlock(st);
	return rv;
}

CK_RV tok_store_init_token(struct tok_store *st, const CK_UTF8CHAR *so_pin, CK_ULONG so_len,
                           const CK_UTF8CHAR label[32])
{
	uint8_t mk[TOK_STORE_KEY_LEN];
	struct tok_kdf_params kdf;
	struct tok_store_sealer sealer;
	struct os_buf file;
	uint64_t epoch, ignored;
	bool initialized, stale = true;
	CK_RV rv = pin_check_args(st, CKU_SO, so_pin, so_len);

	if (rv != CKR_OK || !label)
		return rv != CKR_OK ? rv : CKR_ARGUMENTS_BAD;
	os_buf_init(&file);
	for (int tries = 0; stale && tries < PIN_TRIES; tries++) {
		rv = pin_initialized(st, &initialized, &epoch);
		/* An initialised token is re-initialised only by its SO. */
		if (rv == CKR_OK && initialized)
			rv = pin_check(st, CKU_SO, so_pin, so_len, mk, &epoch);
		if (rv != CKR_OK)
			break;
		/* The token's own parameters go with the old token: the slot options apply. */
		pin_snapshot(st, false, &kdf, &ignored, &sealer);
		os_buf_reset(&file);
		rv = tok_store_crypt_random(mk, sizeof(mk)) ? CKR_OK : CKR_FUNCTION_FAILED;
		if (rv == CKR_OK)
			rv = pin_seal(&sealer, CKU_SO, &kdf, mk, so_pin, so_len, &file);
		if (rv != CKR_OK)
			break;
		tok_store_lock(st);
		rv = pin_reinit_inlock(st, &file, label, epoch, &stale);
		tok_store_unlock(st);
	}
	OPENSSL_cleanse(mk, sizeof(mk));
	os_buf_free(&file);
	return rv;
}

CK_RV tok_store_set_token_kdf(struct tok_store *st, const struct tok_kdf_params *p)
{
	static const struct tok_kdf_params none;
	struct tok_store_info nv;
	CK_RV rv;

	if (!st)
		return CKR_ARGUMENTS_BAD;
	if (st->reader)
		return CKR_FUNCTION_NOT_SUPPORTED;
	if (!p)
		p = &none;
	if (!tok_store_kdf_params_unset(p) && !tok_store_kdf_params_valid(p))
		return CKR_ARGUMENTS_BAD;
	tok_store_lock(st);
	rv = tok_store_nv_read(st->data_fd, &nv);
	if (rv == CKR_OK && !nv.initialized)
		rv = CKR_TOKEN_NOT_RECOGNIZED;
	if (rv == CKR_OK) {
		nv.kdf = *p;
		rv = tok_store_nv_write(st->data_fd, &nv);
		st->token_changed = true;
	}
	tok_store_unlock(st);
	return rv;
}
