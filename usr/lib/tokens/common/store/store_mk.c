/*
 * The token record and the master-key files (see store_mk.h).  Every buffer
 * that held a key derived from a PIN, or the master key, is wiped before it
 * is released, on error paths too.
 */
#include "store_mk.h"

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "bytes.h"
#include "store_file.h"
#include "store_int.h"

#define NV_MAGIC        "OSNV"
#define NV_BODY_LEN     56
#define NV_INITIALIZED  0x1u
#define NV_USER_PIN_SET 0x2u
/* 0x4 and 0x8 marked PINs to be changed in earlier files: read, then dropped. */
#define NV_KNOWN_FLAGS 0xfu
#define NV_MAX_FILE    4096
/* flags, label, SO and user failures, m, t, p */
_Static_assert(NV_BODY_LEN == 4 + 32 + 2 * 4 + 3 * 4, "NVTOK.DAT body layout");

#define MK_MAGIC    "OSMK"
#define MK_SALT_LEN TOK_STORE_KDF_SALT_LEN
/* salt, m, t, p, IV, wrapped key, tag */
#define MK_BODY_LEN (MK_SALT_LEN + 12 + TOK_STORE_IV_LEN + TOK_STORE_KEY_LEN + TOK_STORE_TAG_LEN)
#define MK_AAD_LEN  (4 + 4 + MK_SALT_LEN + 12)
#define MK_MAX_FILE 4096
#define MT_MAGIC    "OSMT"
_Static_assert(TOK_STORE_SEALED_MAX + 64 <= MK_MAX_FILE, "a sealed record fits a file");

static const struct tok_store_frame nv_frame = {0, 0};

static uint32_t nv_flags(const struct tok_store_info *info)
{
	return (info->initialized ? NV_INITIALIZED : 0) |
	       (info->user_pin_set ? NV_USER_PIN_SET : 0);
}

static CK_RV nv_parse(const struct os_buf *body, struct tok_store_info *info)
{
	struct os_reader head, tail;
	size_t n = 32;

	if (body->len != NV_BODY_LEN)
		return CKR_DATA_INVALID;
	/* u32 flags, label[32], u32 SO failures, u32 user failures, u32 m, t, p */
	os_reader_init(&head, body->data, 4);
	os_reader_init(&tail, body->data + 36, NV_BODY_LEN - 36);
	uint32_t flags = os_reader_u32(&head);
	info->so_failures = os_reader_u32(&tail);
	info->user_failures = os_reader_u32(&tail);
	info->kdf.m_kib = os_reader_u32(&tail);
	info->kdf.t = os_reader_u32(&tail);
	info->kdf.p = os_reader_u32(&tail);
	if (!os_reader_done(&head) || !os_reader_done(&tail) || (flags & ~NV_KNOWN_FLAGS))
		return CKR_DATA_INVALID;
	if (!tok_store_kdf_params_unset(&info->kdf) && !tok_store_kdf_params_valid(&info->kdf))
		return CKR_DATA_INVALID;
	memcpy(info->label, body->data + 4, 32);
	while (n > 0 && info->label[n - 1] == ' ')
		n--;
	info->label[n] = '\0';
	info->initialized = flags & NV_INITIALIZED;
	info->user_pin_set = flags & NV_USER_PIN_SET;
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
	rc = tok_store_file_read(dirfd, TOK_STORE_NV_NAME, NV_MAX_FILE, (uid_t)-1, &file);
	if (rc == -ENOENT) {
		rv = CKR_OK;
		goto out;
	}
	rv = tok_store_file_read_rv(rc);
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

	os_pad_field(label, sizeof(label), info->label, n);
	os_buf_init(&body);
	os_buf_init(&file);
	os_buf_add_u32(&body, nv_flags(info));
	os_buf_add(&body, label, sizeof(label));
	os_buf_add_u32(&body, info->so_failures);
	os_buf_add_u32(&body, info->user_failures);
	os_buf_add_u32(&body, info->kdf.m_kib);
	os_buf_add_u32(&body, info->kdf.t);
	os_buf_add_u32(&body, info->kdf.p);
	rv = os_buf_failed(&body)
	         ? CKR_HOST_MEMORY
	         : tok_store_frame_seal(NV_MAGIC, &nv_frame, body.data, body.len, NULL, &file);
	if (rv == CKR_OK)
		rv = tok_store_file_write(dirfd, TOK_STORE_NV_NAME, file.data, file.len,
		                          TOK_STORE_MODE_SECRET);
	os_buf_free(&body);
	os_buf_free(&file);
	return rv;
}

const char *tok_store_mk_name(CK_USER_TYPE user)
{
	return user == CKU_SO ? TOK_STORE_MK_SO_NAME : TOK_STORE_MK_USER_NAME;
}

static uint64_t mk_role(CK_USER_TYPE user)
{
	return user == CKU_SO ? 0 : 1;
}

/* The GCM additional data: magic, role, salt, m, t, p. */
static void mk_aad(uint8_t aad[MK_AAD_LEN], CK_USER_TYPE user, const struct tok_store_mk *b)
{
	memcpy(aad, MK_MAGIC, 4);
	os_put_be(aad + 4, mk_role(user), 4);
	memcpy(aad + 8, b->salt, MK_SALT_LEN);
	os_put_be(aad + 8 + MK_SALT_LEN, b->kdf.m_kib, 4);
	os_put_be(aad + 12 + MK_SALT_LEN, b->kdf.t, 4);
	os_put_be(aad + 16 + MK_SALT_LEN, b->kdf.p, 4);
}

static void mk_encode(const struct tok_store_mk *b, struct os_buf *out)
{
	os_buf_add(out, b->salt, MK_SALT_LEN);
	os_buf_add_u32(out, b->kdf.m_kib);
	os_buf_add_u32(out, b->kdf.t);
	os_buf_add_u32(out, b->kdf.p);
	os_buf_add(out, b->iv, TOK_STORE_IV_LEN);
	os_buf_add(out, b->wrapped, TOK_STORE_KEY_LEN);
	os_buf_add(out, b->tag, TOK_STORE_TAG_LEN);
}

/* Decodes a body: CKR_DATA_INVALID for another length or bad parameters. */
static CK_RV mk_decode(const uint8_t *p, size_t len, struct tok_store_mk *b)
{
	if (len != MK_BODY_LEN)
		return CKR_DATA_INVALID;
	memcpy(b->salt, p, MK_SALT_LEN);
	p += MK_SALT_LEN;
	b->kdf.m_kib = (uint32_t)os_get_be(p, 4);
	b->kdf.t = (uint32_t)os_get_be(p + 4, 4);
	b->kdf.p = (uint32_t)os_get_be(p + 8, 4);
	p += 12;
	memcpy(b->iv, p, TOK_STORE_IV_LEN);
	p += TOK_STORE_IV_LEN;
	memcpy(b->wrapped, p, TOK_STORE_KEY_LEN);
	p += TOK_STORE_KEY_LEN;
	memcpy(b->tag, p, TOK_STORE_TAG_LEN);
	return tok_store_kdf_params_valid(&b->kdf) ? CKR_OK : CKR_DATA_INVALID;
}

CK_RV tok_store_mk_seal(CK_USER_TYPE user, const struct tok_kdf_params *kdf,
                        const uint8_t key[TOK_STORE_KEY_LEN], const CK_UTF8CHAR *pin, CK_ULONG len,
                        struct os_buf *out)
{
	struct tok_store_mk b = {.kdf = *kdf};
	struct tok_store_frame fr = {mk_role(user), 0};
	uint8_t aad[MK_AAD_LEN], kek[TOK_STORE_KDF_KEY_LEN];
	struct os_buf body;
	CK_RV rv = CKR_FUNCTION_FAILED;

	os_buf_init(&body);
	if (!tok_store_crypt_random(b.salt, MK_SALT_LEN) ||
	    !tok_store_crypt_random(b.iv, TOK_STORE_IV_LEN))
		goto out;
	if (!tok_store_kdf_derive(pin, len, b.salt, &b.kdf, kek)) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	mk_aad(aad, user, &b);
	if (!tok_store_crypt_seal(kek, b.iv, aad, sizeof(aad), key, TOK_STORE_KEY_LEN, b.wrapped,
	                          b.tag))
		goto out;
	mk_encode(&b, &body);
	rv = os_buf_failed(&body)
	         ? CKR_HOST_MEMORY
	         : tok_store_frame_seal(MK_MAGIC, &fr, body.data, body.len, NULL, out);
out:
	OPENSSL_cleanse(kek, sizeof(kek));
	os_buf_free(&body);
	return rv;
}

/* A sealed record: CKR_DATA_INVALID when empty or too long. */
static CK_RV mk_decode_sealed(const uint8_t *p, size_t len, struct tok_store_mk *b)
{
	if (len == 0 || len > sizeof(b->sealed))
		return CKR_DATA_INVALID;
	memcpy(b->sealed, p, len);
	b->sealed_len = len;
	return CKR_OK;
}

CK_RV tok_store_mk_frame_sealed(CK_USER_TYPE user, const struct os_buf *record, struct os_buf *out)
{
	struct tok_store_frame fr = {mk_role(user), 0};

	if (os_buf_failed(record))
		return CKR_HOST_MEMORY;
	if (record->len == 0 || record->len > TOK_STORE_SEALED_MAX)
		return CKR_FUNCTION_FAILED;
	return tok_store_frame_seal(MT_MAGIC, &fr, record->data, record->len, NULL, out);
}

CK_RV tok_store_mk_read(int dirfd, CK_USER_TYPE user, struct tok_store_mk *b)
{
	struct tok_store_frame fr;
	struct os_buf file, inner;
	CK_RV rv;
	int rc;

	os_buf_init(&file);
	os_buf_init(&inner);
	rc = tok_store_file_read(dirfd, tok_store_mk_name(user), MK_MAX_FILE, (uid_t)-1, &file);
	if (rc == -ENOENT)
		rv = user == CKU_SO ? CKR_DATA_INVALID : CKR_USER_PIN_NOT_INITIALIZED;
	else if (rc < 0)
		rv = tok_store_file_read_rv(rc);
	else if (file.len >= 4 && memcmp(file.data, MT_MAGIC, 4) == 0)
		rv = tok_store_frame_open(MT_MAGIC, file.data, file.len, NULL, &fr, &inner);
	else
		rv = tok_store_frame_open(MK_MAGIC, file.data, file.len, NULL, &fr, &inner);
	if (rv == CKR_OK && (fr.id != mk_role(user) || fr.generation))
		rv = CKR_DATA_INVALID;
	b->sealed_len = 0;
	if (rv == CKR_OK && memcmp(file.data, MT_MAGIC, 4) == 0)
		rv = mk_decode_sealed(inner.data, inner.len, b);
	else if (rv == CKR_OK)
		rv = mk_decode(inner.data, inner.len, b);
	os_buf_free(&file);
	os_buf_free(&inner);
	return rv;
}

CK_RV tok_store_mk_unwrap(CK_USER_TYPE user, const struct tok_store_mk *b, const CK_UTF8CHAR *pin,
                          CK_ULONG len, uint8_t key[TOK_STORE_KEY_LEN])
{
	uint8_t aad[MK_AAD_LEN], kek[TOK_STORE_KDF_KEY_LEN];
	CK_RV rv = CKR_OK;

	mk_aad(aad, user, b);
	if (!tok_store_kdf_derive(pin, len, b->salt, &b->kdf, kek))
		rv = CKR_HOST_MEMORY;
	else if (!tok_store_crypt_open(kek, b->iv, aad, sizeof(aad), b->wrapped, TOK_STORE_KEY_LEN,
	                               key, b->tag))
		rv = CKR_PIN_INCORRECT;
	if (rv != CKR_OK)
		OPENSSL_cleanse(key, TOK_STORE_KEY_LEN);
	OPENSSL_cleanse(kek, sizeof(kek));
	return rv;
}
