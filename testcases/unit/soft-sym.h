/*
 * What the parts of the soft backend's symmetric unit test share
 * (test-soft-sym.c, soft-sym-*.c): the loaded backend, key objects as the
 * common layer hands them over, mechanisms with their parameters, and the
 * calls through the ops table with their size-query checks.
 */
#ifndef TEST_SOFT_SYM_H
#define TEST_SOFT_SYM_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdbool.h>

#include "backend.h"

#define BUF_MAX   4096
#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))

/* SP 800-38A, appendix F: the plaintext, keys, IV and counter block all examples share. */
#define SP38A_PLAIN                                                        \
	"6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51" \
	"30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"
#define SP38A_K128 "2b7e151628aed2a6abf7158809cf4f3c"
#define SP38A_K192 "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b"
#define SP38A_K256 "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4"
#define SP38A_IV   "000102030405060708090a0b0c0d0e0f"
#define SP38A_CTR  "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"

/* The key, IV and associated data of the GCM specification's test cases 3 to 6. */
#define GCM_K   "feffe9928665731c6d6a8f9467308308"
#define GCM_IV  "cafebabefacedbaddecaf888"
#define GCM_AAD "feedfacedeadbeeffeedfacedeadbeefabaddad2"

/* The loaded backend and its slot context. */
struct sym_backend {
	void *dl;
	const struct os_backend_ops *ops;
	void *ctx;
	char dir[PATH_MAX / 2];
};

extern struct sym_backend be;

/* A key object as the common layer hands it to the backend. */
struct tkey {
	struct tok_attrs attrs;
	void *cache;
	struct os_backend_key k;
};

/* A mechanism with its parameter kept alongside. */
struct tmech {
	CK_MECHANISM m;
	CK_BYTE iv[16];
	CK_AES_CTR_PARAMS ctr;
	CK_GCM_PARAMS gcm;
	CK_CCM_PARAMS ccm;
	CK_ULONG general;
};

/* A CCM example: hex nonce, associated data, payload, and ciphertext with MAC. */
struct ccm_kat {
	const char *nonce, *aad, *plain, *sealed;
	CK_ULONG mac_len;
};

/* Loads the backend in a private directory, and unloads it. */
int suite_setup(void **state);
int suite_teardown(void **state);

/* Decodes hex (NULL: empty) into out (BUF_MAX bytes); returns the byte count. */
size_t unhex(const char *hex, CK_BYTE *out);
void assert_hex(const CK_BYTE *got, size_t len, const char *hex);

void tkey_make(struct tkey *k, CK_OBJECT_CLASS cls, CK_KEY_TYPE type, const void *val, size_t len);
/* A secret key of the given type with a value from hex. */
void tkey_hex(struct tkey *k, CK_KEY_TYPE type, const char *hex);
void tkey_free(struct tkey *k);

/* type with no parameter, a 16-byte IV (CBC modes) or CTR parameters from hex. */
const CK_MECHANISM *tmech_make(struct tmech *t, CK_MECHANISM_TYPE type, const char *iv,
                               CK_ULONG counter_bits);
/* CKM_AES_GCM with IV and associated data from hex (aad NULL: none). */
const CK_MECHANISM *gcm_mech(struct tmech *t, const char *iv, const char *aad, CK_ULONG tag_bits);
/* CKM_AES_CCM with the nonce, associated data and MAC length of k, for datalen bytes. */
const CK_MECHANISM *ccm_mech(struct tmech *t, const struct ccm_kat *k, CK_ULONG datalen);

/* op_init; on an error the operation must stay NULL. */
CK_RV op_start(enum os_backend_op kind, const CK_MECHANISM *mech, struct tkey *key, void **op);
/*
 * One update (final false) or final call that produces output: asked for
 * its length, tried one byte short, then run into out (room bytes).  The
 * answer to the size query must be exact.
 */
CK_RV step(void *op, bool final, const CK_BYTE *in, size_t inlen, CK_BYTE *out, CK_ULONG room,
           CK_ULONG *got);
/* A single-part call (C_Encrypt, C_Decrypt, C_Sign, C_Digest) with the checks of step(). */
CK_RV one_shot(enum os_backend_op kind, const CK_MECHANISM *mech, struct tkey *key,
               const CK_BYTE *in, size_t inlen, CK_BYTE *out, CK_ULONG *outlen);
/* ncuts random cut points in 0..len, ascending, from a fixed seed. */
size_t random_cuts(size_t len, size_t *cuts, size_t ncuts);
/* An encryption or decryption in parts cut at random places, then the final call. */
CK_RV in_parts(enum os_backend_op kind, const CK_MECHANISM *mech, struct tkey *key,
               const CK_BYTE *in, size_t inlen, CK_BYTE *out, CK_ULONG *outlen);
/* The result of one_shot, or of in_parts, into a scratch buffer. */
CK_RV crypt_rv(enum os_backend_op kind, const CK_MECHANISM *mech, struct tkey *key,
               const CK_BYTE *in, size_t inlen, bool parts);
/* The result of op_init; an operation that starts is freed again. */
CK_RV init_rv(enum os_backend_op kind, const CK_MECHANISM *mech, struct tkey *key);
/* Encrypts in one call, which must succeed; returns the output length. */
CK_ULONG encrypt_with(const CK_MECHANISM *mech, struct tkey *key, const CK_BYTE *in, size_t len,
                      CK_BYTE *out);
/* Encrypts in one call and in parts, expecting want; then decrypts both ways back to in. */
void crypt_both_ways(const CK_MECHANISM *mech, struct tkey *key, const CK_BYTE *in, size_t inlen,
                     const CK_BYTE *want, size_t wantlen);
/* The same in single-part calls only. */
void crypt_once(const CK_MECHANISM *mech, struct tkey *key, const CK_BYTE *in, size_t inlen,
                const CK_BYTE *want, size_t wantlen);
/* Signs in one call and in parts, expecting want; verifies both ways, and a forgery. */
void mac_both_ways(const CK_MECHANISM *mech, struct tkey *key, const CK_BYTE *in, size_t inlen,
                   const CK_BYTE *want, size_t wantlen);

/* The tests of soft-sym-aead.c: GCM, CCM, key wrap, C_WrapKey and C_UnwrapKey. */
void test_gcm_vectors(void **state);
void test_gcm_forgery(void **state);
void test_gcm_params(void **state);
void test_ccm(void **state);
void test_ccm_params(void **state);
void test_key_wrap_vectors(void **state);
void test_key_wrap_errors(void **state);
void test_wrap_unwrap(void **state);
void test_wrap_errors(void **state);
void test_unwrap_values(void **state);

/* The tests of soft-sym-mac.c: CMAC, digests, HMAC, and the performance targets. */
void test_cmac(void **state);
void test_digests(void **state);
void test_digest_key(void **state);
void test_hmac_vectors(void **state);
void test_hmac_families(void **state);
void test_hmac_errors(void **state);
void test_performance(void **state);

#endif
