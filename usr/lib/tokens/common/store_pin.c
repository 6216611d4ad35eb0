/*
 * PINs and the token master key (see store_pin.h): the token record, the
 * wrapped master keys, and the PIN operations of store.h with their failure
 * counting.
 *
 * A PIN is used only as input of the key derivation (store_kdf.h).  Every
 * buffer that held a key derived from it, or the master key, is wiped before
 * it is released, on error paths too.  Failure counters live in NVTOK.DAT
 * and are read, checked and written under the exclusive token lock, so
 * concurrent processes cannot gain extra guesses.
 */
#include "store_pin.h"

#include <errno.h>
#include <string.h>
#include <sys/file.h>

#include <openssl/crypto.h>

#include "store_crypt.h"
#include "store_file.h"
#include "store_int.h"
#include "store_kdf.h"

#define NV_MAGIC              "OSNV"
#define NV_BODY_LEN           44
#define NV_INITIALIZED        0x1u
#define NV_USER_PIN_SET       0x2u
#define NV_USER_PIN_TO_CHANGE 0x4u
#define NV_SO_PIN_TO_CHANGE   0x8u
#define NV_KNOWN_FLAGS        0xfu
#define NV_MAX_FILE           4096

#define MK_MAGIC    "OSMK"
#define MK_SALT_LEN 16
/* Layout 1: salt, iterations, IV, wrapped key, tag.  Layout 2 adds lanes. */
#define MK_BODY1_LEN (MK_SALT_LEN + 4 + TOK_STORE_IV_LEN + TOK_STORE_KEY_LEN + TOK_STORE_TAG_LEN)
#define MK_BODY2_LEN (MK_BODY1_LEN + 4)
#define MK_AAD_MAX   (4 + 4 + MK_SALT_LEN + 4 + 4)
#define MK_MAX_FILE  4096

static const struct tok_store_frame nv_frame = {0, 0};

/* The body of a master-key file, decoded. */
struct mk_body {
	int layout; /* 1 (one lane implied) or 2 */
	uint8_t salt[MK_SALT_LEN];
	uint32_t iterations; /* in total, over all lanes */
	uint32_t lanes;
	uint8_t iv[TOK_STORE_IV_LEN];
	uint8_t wrapped[TOK_STORE_KEY_LEN];
	uint8_t tag[TOK_STORE_TAG_LEN];
};

static uint32_t nv_flags(const struct tok_store_info *info)
{
	return (info->initialized ? NV_INITIALIZED : 0) |
	       (info->user_pin_set ? NV_USER_PIN_SET : 0) |
	       (info->user_pin_to_be_changed ? NV_USER_PIN_TO_CHANGE : 0) |
	       (info->so_pin_to_be_changed ? NV_SO_PIN_TO_CHANGE : 0);
}

static CK_RV nv_parse(const struct os_buf *body, struct tok_store_info *info)
{
	struct os_reader head, tail;
	size_t n = 32;

	if (body->len != NV_BODY_LEN)
		return CKR_DATA_INVALID;
	/* u32 flags, label[32], u32 SO failures, u32 user failures */
	os_reader_init(&head, body->data, 4);
	os_reader_init(&tail, body->data + 36, 8);
	uint32_t flags = os_reader_u32(&head);
	info->so_failures = os_reader_u32(&tail);
	info->user_failures = os_reader_u32(&tail);
	if (!os_reader_done(&head) || !os_reader_done(&tail) || (flags & ~NV_KNOWN_FLAGS))
		return CKR_DATA_INVALID;
	memcpy(info->label, body->data + 4, 32);
	while (n > 0 && info->label[n - 1] == ' ')
		n--;
	info->label[n] = '\0';
	info->initialized = flags & NV_INITIALIZED;
	info->user_pin_set = flags & NV_USER_PIN_SET;
	info->user_pin_to_be_changed = flags & NV_USER_PIN_TO_CHANGE;
	info->so_pin_to_be_changed = flags & NV_SO_PIN_TO_CHANGE;
	return CKR_OK;
}

CK_RV tok_store_nv_read(int dirfd, struct tok_store_info *info)
{
	struct tok_store_frame fr;
	struct os_buf file, body;
	CK_RV rv;
	int rc;

	memset(info, 0, sizeof(*info));
	os_buf_init(&file);
	os_buf_init(&body);
	rc = tok_store_file_read(dirfd, TOK_STORE_NV_NAME, NV_MAX_FILE, &file);
	if (rc == -ENOENT) {
		rv = CKR_OK;
		goto out;
	}
	rv = rc == -ENOMEM ? CKR_HOST_MEMORY : CKR_DATA_INVALID;
	if (rc < 0)
		goto out;
	rv = tok_store_frame_open(NV_MAGIC, file.data, file.len, NULL, &fr, &body);
	if (rv == CKR_OK && (fr.id != 0 || fr.generation != 0))
		rv = CKR_DATA_INVALID;
	if (rv == CKR_OK)
		rv = nv_parse(&body, info);
	if (rv != CKR_OK)
		memset(info, 0, sizeof(*info));
out:
	os_buf_free(&file);
	os_buf_free(&body);
	return rv;
}

CK_RV tok_store_nv_write(int dirfd, const struct tok_store_info *info)
{
	struct os_buf body, file;
	char label[32];
	size_t n = strnlen(info->label, sizeof(label));
	CK_RV rv;

	memset(label, ' ', sizeof(label));
	memcpy(label, info->label, n);
	os_buf_init(&body);
	os_buf_init(&file);
	os_buf_add_u32(&body, nv_flags(info));
	os_buf_add(&body, label, sizeof(label));
	os_buf_add_u32(&body, info->so_failures);
	os_buf_add_u32(&body, info->user_failures);
	rv = os_buf_failed(&body)
	         ? CKR_HOST_MEMORY
	         : tok_store_frame_seal(NV_MAGIC, &nv_frame, body.data, body.len, NULL, &file);
	if (rv == CKR_OK)
		rv = tok_store_file_write(dirfd, TOK_STORE_NV_NAME, file.data, file.len);
	os_buf_free(&body);
	os_buf_free(&file);
	return rv;
}

static const char *mk_name(CK_USER_TYPE user)
{
	return user == CKU_SO ? TOK_STORE_MK_SO_NAME : TOK_STORE_MK_USER_NAME;
}

static uint64_t mk_role(CK_USER_TYPE user)
{
	return user == CKU_SO ? 0 : 1;
}

static void mk_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t mk_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * The GCM additional data: magic, role, salt, iteration count and, in
 * layout 2, the lanes.  Returns its length.
 */
static size_t mk_aad(uint8_t aad[MK_AAD_MAX], CK_USER_TYPE user, const struct mk_body *b)
{
	memcpy(aad, MK_MAGIC, 4);
	mk_put_be32(aad + 4, (uint32_t)mk_role(user));
	memcpy(aad + 8, b->salt, MK_SALT_LEN);
	mk_put_be32(aad + 8 + MK_SALT_LEN, b->iterations);
	if (b->layout == 1)
		return MK_AAD_MAX - 4;
	mk_put_be32(aad + 12 + MK_SALT_LEN, b->lanes);
	return MK_AAD_MAX;
}

/* The body of a master-key file, always written in layout 2. */
static void mk_encode(const struct mk_body *b, struct os_buf *out)
{
	os_buf_add(out, b->salt, MK_SALT_LEN);
	os_buf_add_u32(out, b->iterations);
	os_buf_add_u32(out, b->lanes);
	os_buf_add(out, b->iv, TOK_STORE_IV_LEN);
	os_buf_add(out, b->wrapped, TOK_STORE_KEY_LEN);
	os_buf_add(out, b->tag, TOK_STORE_TAG_LEN);
}

/*
 * Decodes a body of either layout (told apart by its exact length; layout 1
 * has one lane) and checks the KDF parameters: CKR_DATA_INVALID unless
 * 1 <= lanes <= TOK_STORE_KDF_MAX_LANES and
 * lanes <= iterations <= TOK_STORE_MAX_ITER.
 */
static CK_RV mk_decode(const uint8_t *p, size_t len, struct mk_body *b)
{
	if (len != MK_BODY1_LEN && len != MK_BODY2_LEN)
		return CKR_DATA_INVALID;
	b->layout = len == MK_BODY1_LEN ? 1 : 2;
	memcpy(b->salt, p, MK_SALT_LEN);
	p += MK_SALT_LEN;
	b->iterations = mk_get_be32(p);
	p += 4;
	b->lanes = 1;
	if (b->layout == 2) {
		b->lanes = mk_get_be32(p);
		p += 4;
	}
	memcpy(b->iv, p, TOK_STORE_IV_LEN);
	p += TOK_STORE_IV_LEN;
	memcpy(b->wrapped, p, TOK_STORE_KEY_LEN);
	p += TOK_STORE_KEY_LEN;
	memcpy(b->tag, p, TOK_STORE_TAG_LEN);
	if (b->iterations > TOK_STORE_MAX_ITER ||
	    !tok_store_kdf_params_valid(b->iterations, b->lanes))
		return CKR_DATA_INVALID;
	return CKR_OK;
}

CK_RV tok_store_mk_write(struct tok_store *st, CK_USER_TYPE user,
                         const uint8_t mk[TOK_STORE_KEY_LEN], const CK_UTF8CHAR *pin, CK_ULONG len)
{
	uint32_t iterations = st->kdf_iterations;
	struct mk_body b = {.layout = 2, .iterations = iterations};
	struct tok_store_frame fr = {mk_role(user), 0};
	uint8_t aad[MK_AAD_MAX], kek[TOK_STORE_KDF_KEY_LEN];
	struct os_buf body, file;
	size_t aadlen;
	CK_RV rv = CKR_FUNCTION_FAILED;

	/* A count below TOK_STORE_KDF_LANES gets one lane per iteration. */
	b.lanes = iterations < TOK_STORE_KDF_LANES ? iterations : TOK_STORE_KDF_LANES;
	os_buf_init(&body);
	os_buf_init(&file);
	if (!tok_store_crypt_random(b.salt, MK_SALT_LEN) ||
	    !tok_store_crypt_random(b.iv, TOK_STORE_IV_LEN) ||
	    !tok_store_kdf_derive_threads(pin, len, b.salt, MK_SALT_LEN, b.iterations, b.lanes,
	                                  st->threads, kek))
		goto out;
	aadlen = mk_aad(aad, user, &b);
	if (!tok_store_crypt_seal(kek, b.iv, aad, aadlen, mk, TOK_STORE_KEY_LEN, b.wrapped, b.tag))
		goto out;
	mk_encode(&b, &body);
	rv = os_buf_failed(&body)
	         ? CKR_HOST_MEMORY
	         : tok_store_frame_seal(MK_MAGIC, &fr, body.data, body.len, NULL, &file);
	if (rv == CKR_OK)
		rv = tok_store_file_write(st->data_fd, mk_name(user), file.data, file.len);
out:
	OPENSSL_cleanse(kek, sizeof(kek));
	os_buf_free(&body);
	os_buf_free(&file);
	return rv;
}

/* Reads, checks and decodes a master-key file. */
static CK_RV mk_read(int dirfd, CK_USER_TYPE user, struct mk_body *b)
{
	struct tok_store_frame fr;
	struct os_buf file, inner;
	CK_RV rv;
	int rc;

	os_buf_init(&file);
	os_buf_init(&inner);
	rc = tok_store_file_read(dirfd, mk_name(user), MK_MAX_FILE, &file);
	if (rc == -ENOENT)
		rv = user == CKU_SO ? CKR_DATA_INVALID : CKR_USER_PIN_NOT_INITIALIZED;
	else if (rc < 0)
		rv = rc == -ENOMEM ? CKR_HOST_MEMORY : CKR_DATA_INVALID;
	else
		rv = tok_store_frame_open(MK_MAGIC, file.data, file.len, NULL, &fr, &inner);
	if (rv == CKR_OK && (fr.id != mk_role(user) || fr.generation))
		rv = CKR_DATA_INVALID;
	if (rv == CKR_OK)
		rv = mk_decode(inner.data, inner.len, b);
	os_buf_free(&file);
	os_buf_free(&inner);
	return rv;
}

/* Unwraps the master key with pin: CKR_PIN_INCORRECT when the tag fails. */
static CK_RV mk_unwrap(struct tok_store *st, CK_USER_TYPE user, const CK_UTF8CHAR *pin,
                       CK_ULONG len, uint8_t mk[TOK_STORE_KEY_LEN])
{
	uint8_t aad[MK_AAD_MAX], kek[TOK_STORE_KDF_KEY_LEN];
	struct mk_body b;
	size_t aadlen;
	CK_RV rv;

	rv = mk_read(st->data_fd, user, &b);
	if (rv != CKR_OK)
		return rv;
	aadlen = mk_aad(aad, user, &b);
	if (!tok_store_kdf_derive_threads(pin, len, b.salt, MK_SALT_LEN, b.iterations, b.lanes,
	                                  st->threads, kek))
		rv = CKR_FUNCTION_FAILED;
	else if (!tok_store_crypt_open(kek, b.iv, aad, aadlen, b.wrapped, TOK_STORE_KEY_LEN, mk,
	                               b.tag))
		rv = CKR_PIN_INCORRECT;
	OPENSSL_cleanse(kek, sizeof(kek));
	return rv;
}

/* Whether user may try a PIN at all on the token nv describes. */
static CK_RV pin_precheck(CK_USER_TYPE user, const struct tok_store_info *nv)
{
	if (!nv->initialized)
		return user == CKU_SO ? CKR_TOKEN_NOT_RECOGNIZED : CKR_USER_PIN_NOT_INITIALIZED;
	if (user == CKU_USER && !nv->user_pin_set)
		return CKR_USER_PIN_NOT_INITIALIZED;
	if ((user == CKU_SO ? nv->so_failures : nv->user_failures) >= TOK_STORE_MAX_PIN_FAILS)
		return CKR_PIN_LOCKED;
	return CKR_OK;
}

CK_RV tok_store_pin_check_inlock(struct tok_store *st, CK_USER_TYPE user, const CK_UTF8CHAR *pin,
                                 CK_ULONG len, uint8_t mk[TOK_STORE_KEY_LEN],
                                 struct tok_store_info *nv)
{
	uint32_t *fails;
	CK_RV rv, wrv;

	OPENSSL_cleanse(mk, TOK_STORE_KEY_LEN);
	rv = tok_store_nv_read(st->data_fd, nv);
	if (rv == CKR_OK)
		rv = pin_precheck(user, nv);
	if (rv != CKR_OK)
		return rv;
	fails = user == CKU_SO ? &nv->so_failures : &nv->user_failures;
	rv = mk_unwrap(st, user, pin, len, mk);
	if (rv != CKR_OK && rv != CKR_PIN_INCORRECT)
		return rv;
	if (rv == CKR_OK && *fails == 0)
		return CKR_OK;
	/* Count the failure, or forget the earlier ones after a success. */
	*fails = rv == CKR_OK ? 0 : *fails + 1;
	wrv = tok_store_nv_write(st->data_fd, nv);
	st->token_changed = true;
	if (wrv != CKR_OK) {
		OPENSSL_cleanse(mk, TOK_STORE_KEY_LEN);
		return wrv;
	}
	return rv;
}

static CK_RV pin_check_args(CK_USER_TYPE user, const CK_UTF8CHAR *pin, CK_ULONG len)
{
	if (user != CKU_SO && user != CKU_USER)
		return CKR_USER_TYPE_INVALID;
	if (!pin && len)
		return CKR_ARGUMENTS_BAD;
	return CKR_OK;
}

CK_RV tok_store_login(struct tok_store *st, CK_USER_TYPE user, const CK_UTF8CHAR *pin, CK_ULONG len,
                      uint8_t mk[TOK_STORE_KEY_LEN])
{
	struct tok_store_info nv;
	CK_RV rv = pin_check_args(user, pin, len);

	if (rv != CKR_OK)
		return rv;
	rv = tok_store_lock(st, LOCK_EX);
	if (rv != CKR_OK)
		return rv;
	rv = tok_store_pin_check_inlock(st, user, pin, len, mk, &nv);
	tok_store_unlock(st);
	return rv;
}

CK_RV tok_store_init_user_pin(struct tok_store *st, const uint8_t mk[TOK_STORE_KEY_LEN],
                              const CK_UTF8CHAR *pin, CK_ULONG len)
{
	struct tok_store_info nv;
	CK_RV rv = pin_check_args(CKU_USER, pin, len);

	if (rv != CKR_OK || !mk)
		return rv != CKR_OK ? rv : CKR_ARGUMENTS_BAD;
	rv = tok_store_lock(st, LOCK_EX);
	if (rv != CKR_OK)
		return rv;
	rv = tok_store_nv_read(st->data_fd, &nv);
	if (rv == CKR_OK && !nv.initialized)
		rv = CKR_TOKEN_NOT_RECOGNIZED;
	/* The key file first: until NVTOK.DAT says so, the new PIN is unused. */
	if (rv == CKR_OK)
		rv = tok_store_mk_write(st, CKU_USER, mk, pin, len);
	if (rv == CKR_OK) {
		nv.user_pin_set = true;
		nv.user_pin_to_be_changed = true;
		nv.user_failures = 0;
		rv = tok_store_nv_write(st->data_fd, &nv);
		st->token_changed = true;
	}
	tok_store_unlock(st);
	return rv;
}

CK_RV tok_store_set_pin(struct tok_store *st, CK_USER_TYPE user, const CK_UTF8CHAR *old_pin,
                        CK_ULONG old_len, const CK_UTF8CHAR *new_pin, CK_ULONG new_len)
{
	uint8_t mk[TOK_STORE_KEY_LEN];
	struct tok_store_info nv;
	CK_RV rv = pin_check_args(user, old_pin, old_len);

	if (rv == CKR_OK)
		rv = pin_check_args(user, new_pin, new_len);
	if (rv != CKR_OK)
		return rv;
	rv = tok_store_lock(st, LOCK_EX);
	if (rv != CKR_OK)
		return rv;
	rv = tok_store_pin_check_inlock(st, user, old_pin, old_len, mk, &nv);
	/* One atomic rename switches from the old PIN to the new one. */
	if (rv == CKR_OK)
		rv = tok_store_mk_write(st, user, mk, new_pin, new_len);
	OPENSSL_cleanse(mk, sizeof(mk));
	if (rv == CKR_OK) {
		if (user == CKU_SO)
			nv.so_pin_to_be_changed = false;
		else
			nv.user_pin_to_be_changed = false;
		rv = tok_store_nv_write(st->data_fd, &nv);
		st->token_changed = true;
	}
	tok_store_unlock(st);
	return rv;
}
