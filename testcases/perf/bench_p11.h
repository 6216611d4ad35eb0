/*
 * The PKCS#11 module under measurement: loading it with dlopen, choosing the
 * slot, initialising the token when asked, logging in, and the keys every
 * measurement uses.
 *
 * The keys are session objects of one session (struct bench_p11.session)
 * that stays open, logged in, for the life of the run: PKCS#11 makes them
 * usable from every session of the process.  They are generated once, never
 * inside a timed run.  With --token-keys the RSA and P-256 pairs are token
 * objects instead (modules such as tpm2-pkcs11 make no session keys), and
 * are destroyed again by bench_p11_close.
 */
#ifndef OS_BENCH_P11_H
#define OS_BENCH_P11_H

#include "bench.h"

/* A key, or why there is none. */
struct bench_key {
	CK_OBJECT_HANDLE priv; /* the private or secret key */
	CK_OBJECT_HANDLE pub;  /* the public key of a pair; 0 otherwise */
	CK_RV rv;              /* CKR_OK when the key exists */
};

struct bench_p11 {
	void *dl;
	CK_FUNCTION_LIST_PTR f;
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE session; /* holds the keys and the login */
	CK_INFO info;
	CK_TOKEN_INFO tinfo;
	struct bench_key rsa;
	struct bench_key ec;
	struct bench_key ed;
	struct bench_key aes;
	struct bench_key hmac;
	bool token_keys; /* the RSA and P-256 pairs are token objects */
};

/* dlopens path and fetches its function list.  0, or -1 with a message. */
int bench_p11_load(struct bench_p11 *p, const char *path);

/*
 * C_Initialize with OS locking, the slot of the options (initialising its
 * token first when o->init asks and it is not initialised), and the
 * logged-in key session.  CKR_OK or the failing code, with a message.
 */
CK_RV bench_p11_open(struct bench_p11 *p, const struct bench_opts *o);

/* Generates the keys; a key that cannot be made keeps its code in rv. */
void bench_p11_keys(struct bench_p11 *p);

/* Closes the sessions, finalises and unloads the module. */
void bench_p11_close(struct bench_p11 *p);

/* C_Initialize with CKF_OS_LOCKING_OK. */
CK_RV bench_p11_initialize(CK_FUNCTION_LIST_PTR f);

/* The slot chosen by o->token or o->slot_index. */
CK_RV bench_p11_find_slot(CK_FUNCTION_LIST_PTR f, const struct bench_opts *o, CK_SLOT_ID *slot);

/* Logs the user in on s; already logged in counts as success. */
CK_RV bench_p11_login(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, const char *pin);

/* A P-256 session key pair for signing, made in session s. */
CK_RV bench_p11_ec_keygen(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, struct bench_key *k);

/*
 * An RSA-2048 (CKM_RSA_PKCS_KEY_PAIR_GEN) or P-256 pair made in session s,
 * token objects when p->token_keys is set.
 */
CK_RV bench_p11_pair(struct bench_p11 *p, CK_SESSION_HANDLE s, CK_MECHANISM_TYPE gen,
                     struct bench_key *k);

/* The label of a token without its blank padding, into buf. */
void bench_p11_label(const CK_UTF8CHAR *field, size_t len, char *buf, size_t buflen);

#endif
