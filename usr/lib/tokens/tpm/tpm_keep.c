/*
 * The connection, parent and loaded keys kept between calls (see tpm_keep.h).
 */
#include "tpm_keep.h"

#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

/* A child of the process that opened the state: forget it, sending nothing. */
static void keep_forget(struct tpm_keep *k)
{
	OPENSSL_cleanse(&k->auth, sizeof(k->auth));
	memset(k, 0, sizeof(*k));
}

bool tpm_keep_open(struct tpm_keep *k)
{
	if (k->pid != 0 && k->pid != getpid())
		keep_forget(k);
	return k->pid != 0;
}

void tpm_keep_adopt(struct tpm_keep *k, const struct tpm_conn *c, const struct tpm_parent *p)
{
	keep_forget(k);
	k->pid = getpid();
	k->conn = *c;
	k->parent = *p;
	for (size_t i = 0; i < TPM_KEEP_KEYS; i++)
		k->keys[i].handle = ESYS_TR_NONE;
}

static void keep_flush_keys(struct tpm_keep *k)
{
	for (size_t i = 0; i < TPM_KEEP_KEYS; i++)
		tpm_conn_flush(&k->conn, &k->keys[i].handle);
}

void tpm_keep_drop(struct tpm_keep *k)
{
	if (!tpm_keep_open(k))
		return;
	keep_flush_keys(k);
	tpm_parent_close(&k->conn, &k->parent);
	tpm_conn_close(&k->conn);
	keep_forget(k);
}

static bool keep_same_auth(const TPM2B_AUTH *a, const TPM2B_AUTH *b)
{
	return a->size == b->size && CRYPTO_memcmp(a->buffer, b->buffer, a->size) == 0;
}

const struct tpm_keep_key *tpm_keep_find(struct tpm_keep *k, const uint8_t hash[32],
                                         const TPM2B_AUTH *auth)
{
	if (!keep_same_auth(&k->auth, auth)) {
		keep_flush_keys(k);
		k->auth = *auth;
		return NULL;
	}
	for (size_t i = 0; i < TPM_KEEP_KEYS; i++) {
		struct tpm_keep_key *e = &k->keys[i];

		if (e->handle != ESYS_TR_NONE && memcmp(e->hash, hash, sizeof(e->hash)) == 0) {
			e->used = ++k->clock;
			return e;
		}
	}
	return NULL;
}

void tpm_keep_add(struct tpm_keep *k, const uint8_t hash[32], ESYS_TR handle,
                  const TPM2B_PUBLIC *pub, const TPM2B_AUTH *auth)
{
	struct tpm_keep_key *e = &k->keys[0];

	if (!keep_same_auth(&k->auth, auth)) {
		keep_flush_keys(k);
		k->auth = *auth;
	}
	for (size_t i = 1; i < TPM_KEEP_KEYS && e->handle != ESYS_TR_NONE; i++)
		if (k->keys[i].handle == ESYS_TR_NONE || k->keys[i].used < e->used)
			e = &k->keys[i];
	tpm_conn_flush(&k->conn, &e->handle);
	memcpy(e->hash, hash, sizeof(e->hash));
	e->handle = handle;
	e->pub = *pub;
	e->used = ++k->clock;
}
