/*
 * What the parts of the soft backend's asymmetric unit test share
 * (test-soft-asym.c, soft-asym-*.c): the loaded backend, key objects as
 * attribute sets with their cache slots, the calls through the ops table,
 * and the files and commands of the openssl cross-checks.
 */
#ifndef TEST_SOFT_ASYM_H
#define TEST_SOFT_ASYM_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdbool.h>

#include <openssl/evp.h>

#include "backend.h"

#define OK(x)   assert_int_equal((x), CKR_OK)
#define LEN(a)  (sizeof(a) / sizeof((a)[0]))
#define BUF_MAX 2048

/* CKA_EC_PARAMS of the curves: DER of their OIDs. */
#define P256_OID    "06082a8648ce3d030107"
#define P384_OID    "06052b81040022"
#define P521_OID    "06052b81040023"
#define K256_OID    "06052b8104000a"
#define ED25519_OID "06032b6570"
#define ED448_OID   "06032b6571"
#define X25519_OID  "06032b656e"
#define X448_OID    "06032b656f"

/* A key object: its attributes and cache slot. */
struct key {
	struct tok_attrs a;
	void *cache;
	struct os_backend_key ref;
};

extern char test_dir[PATH_MAX / 2];
extern const struct os_backend_ops *be;
extern void *ctx;

/* One RSA-2048 pair shared by the tests, made by rsa_pair() on first use. */
extern struct key rsa_pub, rsa_priv;
void rsa_pair(void);

/* The suite: loads the backend in a private directory; frees the shared keys. */
int suite_setup(void **state);
int suite_teardown(void **state);
/* Whether OS_TEST_QUICK asks to skip slow key sizes (runs under valgrind). */
bool quick(void);

size_t hex(const char *s, CK_BYTE *out);
void key_init(struct key *k, CK_OBJECT_CLASS cls, CK_KEY_TYPE type);
void key_set_hex(struct key *k, CK_ATTRIBUTE_TYPE type, const char *h);
void key_free(struct key *k);
const CK_ATTRIBUTE *attr(const struct key *k, CK_ATTRIBUTE_TYPE type);
/* A secret key's attributes as the common layer builds them for unwrapping or derivation. */
void secret_template(struct key *k, CK_KEY_TYPE type, CK_ULONG value_len);

CK_RV op_start(enum os_backend_op kind, CK_MECHANISM *m, struct key *k, void **op);
/* Single-part sign, encrypt or decrypt into a BUF_MAX buffer, asking for the length first. */
CK_RV sign(CK_MECHANISM *m, struct key *k, const void *in, CK_ULONG inlen, CK_BYTE *sig,
           CK_ULONG *siglen);
CK_RV verify(CK_MECHANISM *m, struct key *k, const void *in, CK_ULONG inlen, const CK_BYTE *sig,
             CK_ULONG siglen);
CK_RV cipher(enum os_backend_op kind, CK_MECHANISM *m, struct key *k, const void *in,
             CK_ULONG inlen, CK_BYTE *out, CK_ULONG *outlen);
/* Signs, checks the signature verifies, and that a changed or shortened one does not. */
void sign_verify(CK_MECHANISM *m, struct key *priv, struct key *pub, const void *data, CK_ULONG len,
                 CK_ULONG siglen_want);

CK_RV gen_rsa(CK_ULONG bits, const char *e, struct key *pub, struct key *priv);
CK_RV gen_ec(CK_MECHANISM_TYPE mech, CK_KEY_TYPE type, const char *params, struct key *pub,
             struct key *priv);

/* Files in the test directory, and commands run there (output discarded). */
void write_file(const char *name, const void *data, size_t len);
size_t read_file(const char *name, CK_BYTE *buf, size_t cap);
int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes a token public key as PEM, built from its attributes as an application would. */
void write_pub_pem(const struct key *k, const char *type, const char *group, const char *name);
EVP_PKEY *read_private_pem(const char *name);
/* Sets an attribute to a BIGNUM parameter of an OpenSSL key. */
void key_set_bn(struct key *k, CK_ATTRIBUTE_TYPE type, const EVP_PKEY *pkey, const char *name);
size_t sha256(const void *data, size_t len, CK_BYTE *out);
/* r || s to DER, as openssl reads ECDSA signatures. */
size_t ecdsa_der(const CK_BYTE *rs, size_t n, CK_BYTE *out);

/* The tests of soft-asym-ec.c. */
void test_ec_generate(void **state);
void test_ec_generate_errors(void **state);
void test_ecdsa_kat(void **state);
void test_ec_check_key(void **state);
void test_ed25519_kat(void **state);
void test_eddsa(void **state);
void test_x25519_kat(void **state);
void test_montgomery(void **state);
void test_ecdh_p256_kat(void **state);

/* The tests of soft-asym-curves.c. */
void test_curves_generate(void **state);
void test_curves_ecdsa_kat(void **state);
void test_curves_ecdh_kat(void **state);
void test_curves_twisted_cross(void **state);
void test_curves_names(void **state);

/* The tests of soft-asym-dh.c. */
void test_dh_params(void **state);
void test_dh_agree(void **state);
void test_dh_generate_errors(void **state);
void test_dh_kat(void **state);
void test_dh_check_key(void **state);

/* The tests of soft-asym-cross.c. */
void test_openssl_verifies_token(void **state);
void test_token_verifies_openssl(void **state);
void test_threads_one_key(void **state);
void test_mechanism_info(void **state);
void test_speed(void **state);

#endif
