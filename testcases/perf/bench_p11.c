/*
 * The module under measurement: loading, slot choice, token set-up, login
 * and the session keys.  See bench_p11.h.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_p11.h"
#include "p11names.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* DER of the named curves: prime256v1 and edwards25519 (RFC 8410). */
static const CK_BYTE oid_p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const CK_BYTE oid_ed25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
static const CK_BYTE name_ed25519[] = {0x13, 0x0c, 'e', 'd', 'w', 'a', 'r',
                                       'd',  's',  '2', '5', '5', '1', '9'};

static CK_BBOOL yes = CK_TRUE;
static CK_BBOOL no = CK_FALSE;

static void p11_error(const char *what, CK_RV rv)
{
	char name[OS_P11_STR_LEN];

	fprintf(stderr, "os-bench: %s: %s\n", what, os_p11_rv_str(rv, name, sizeof(name)));
}

int bench_p11_load(struct bench_p11 *p, const char *path)
{
	CK_C_GetFunctionList get;
	CK_RV rv;

	memset(p, 0, sizeof(*p));
	p->session = CK_INVALID_HANDLE;
	p->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!p->dl) {
		fprintf(stderr, "os-bench: cannot load %s: %s\n", path, dlerror());
		return -1;
	}
	get = (CK_C_GetFunctionList)dlsym(p->dl, "C_GetFunctionList");
	if (!get) {
		fprintf(stderr, "os-bench: %s has no C_GetFunctionList\n", path);
		return -1;
	}
	rv = get(&p->f);
	if (rv != CKR_OK || !p->f) {
		p11_error("C_GetFunctionList", rv);
		return -1;
	}
	return 0;
}

CK_RV bench_p11_initialize(CK_FUNCTION_LIST_PTR f)
{
	CK_C_INITIALIZE_ARGS args;

	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	return f->C_Initialize(&args);
}

void bench_p11_label(const CK_UTF8CHAR *field, size_t len, char *buf, size_t buflen)
{
	while (len > 0 && (field[len - 1] == ' ' || field[len - 1] == '\0'))
		len--;
	if (len >= buflen)
		len = buflen - 1;
	memcpy(buf, field, len);
	buf[len] = '\0';
}

CK_RV bench_p11_find_slot(CK_FUNCTION_LIST_PTR f, const struct bench_opts *o, CK_SLOT_ID *slot)
{
	CK_SLOT_ID *slots = NULL;
	CK_ULONG n = 0;
	CK_RV rv = f->C_GetSlotList(CK_TRUE, NULL, &n);

	if (rv != CKR_OK)
		return rv;
	slots = calloc(n ? n : 1, sizeof(*slots));
	if (!slots)
		return CKR_HOST_MEMORY;
	rv = f->C_GetSlotList(CK_TRUE, slots, &n);
	if (rv != CKR_OK)
		goto out;
	rv = CKR_SLOT_ID_INVALID;
	for (CK_ULONG i = 0; i < n; i++) {
		CK_TOKEN_INFO ti;
		char label[33];

		if (!o->token) {
			if ((long)i != o->slot_index)
				continue;
			*slot = slots[i];
			rv = CKR_OK;
			break;
		}
		if (f->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		bench_p11_label(ti.label, sizeof(ti.label), label, sizeof(label));
		if (strcmp(label, o->token) == 0) {
			*slot = slots[i];
			rv = CKR_OK;
			break;
		}
	}
out:
	free(slots);
	return rv;
}

CK_RV bench_p11_login(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, const char *pin)
{
	CK_RV rv = f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));

	return rv == CKR_USER_ALREADY_LOGGED_IN ? CKR_OK : rv;
}

/* C_InitToken with the SO PIN, then the user PIN set by the SO. */
static CK_RV p11_init_token(struct bench_p11 *p, const struct bench_opts *o)
{
	CK_UTF8CHAR label[32];
	CK_SESSION_HANDLE s;
	CK_RV rv;

	memset(label, ' ', sizeof(label));
	memcpy(label, "os-bench", 8);
	rv = p->f->C_InitToken(p->slot, (CK_UTF8CHAR_PTR)o->so_pin, strlen(o->so_pin), label);
	if (rv != CKR_OK)
		return rv;
	rv = p->f->C_OpenSession(p->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s);
	if (rv != CKR_OK)
		return rv;
	rv = p->f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)o->so_pin, strlen(o->so_pin));
	if (rv == CKR_OK)
		rv = p->f->C_InitPIN(s, (CK_UTF8CHAR_PTR)o->pin, strlen(o->pin));
	p->f->C_Logout(s);
	p->f->C_CloseSession(s);
	return rv;
}

static void p11_describe(struct bench_p11 *p)
{
	if (p->f->C_GetInfo(&p->info) != CKR_OK)
		memset(&p->info, 0, sizeof(p->info));
	if (p->f->C_GetTokenInfo(p->slot, &p->tinfo) != CKR_OK)
		memset(&p->tinfo, 0, sizeof(p->tinfo));
}

CK_RV bench_p11_open(struct bench_p11 *p, const struct bench_opts *o)
{
	CK_RV rv = bench_p11_initialize(p->f);

	p->token_keys = o->token_keys;
	if (rv != CKR_OK) {
		p11_error("C_Initialize", rv);
		return rv;
	}
	rv = bench_p11_find_slot(p->f, o, &p->slot);
	if (rv != CKR_OK) {
		p11_error(o->token ? "no token with that label" : "no token at that slot index",
		          rv);
		return rv;
	}
	p11_describe(p);
	if (!(p->tinfo.flags & CKF_TOKEN_INITIALIZED)) {
		if (!o->init) {
			fprintf(stderr, "os-bench: the token is not initialised (use --init)\n");
			return CKR_TOKEN_NOT_RECOGNIZED;
		}
		rv = p11_init_token(p, o);
		if (rv != CKR_OK) {
			p11_error("initialising the token", rv);
			return rv;
		}
		p11_describe(p);
	}
	rv = p->f->C_OpenSession(p->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
	                         &p->session);
	if (rv != CKR_OK) {
		p11_error("C_OpenSession", rv);
		return rv;
	}
	rv = bench_p11_login(p->f, p->session, o->pin);
	if (rv != CKR_OK)
		p11_error("C_Login", rv);
	return rv;
}

static CK_RV p11_rsa_keygen(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, CK_BBOOL *token,
                            struct bench_key *k)
{
	CK_MECHANISM mech = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
	CK_ULONG bits = 2048;
	CK_BYTE exponent[] = {0x01, 0x00, 0x01};
	CK_ATTRIBUTE pub[] = {
	    {CKA_TOKEN, token, sizeof(*token)},
	    {CKA_MODULUS_BITS, &bits, sizeof(bits)},
	    {CKA_PUBLIC_EXPONENT, exponent, sizeof(exponent)},
	    {CKA_VERIFY, &yes, sizeof(yes)},
	};
	CK_ATTRIBUTE priv[] = {
	    {CKA_TOKEN, token, sizeof(*token)},
	    {CKA_PRIVATE, &yes, sizeof(yes)},
	    {CKA_SENSITIVE, &yes, sizeof(yes)},
	    {CKA_SIGN, &yes, sizeof(yes)},
	};

	return f->C_GenerateKeyPair(s, &mech, pub, NELEM(pub), priv, NELEM(priv), &k->pub,
	                            &k->priv);
}

/* An EC pair on the curve whose parameters are params. */
static CK_RV p11_ec_pair(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, CK_MECHANISM_TYPE gen,
                         const CK_BYTE *params, CK_ULONG plen, CK_BBOOL *token, struct bench_key *k)
{
	CK_MECHANISM mech = {gen, NULL, 0};
	CK_ATTRIBUTE pub[] = {
	    {CKA_TOKEN, token, sizeof(*token)},
	    {CKA_EC_PARAMS, (void *)params, plen},
	    {CKA_VERIFY, &yes, sizeof(yes)},
	};
	CK_ATTRIBUTE priv[] = {
	    {CKA_TOKEN, token, sizeof(*token)},
	    {CKA_PRIVATE, &yes, sizeof(yes)},
	    {CKA_SENSITIVE, &yes, sizeof(yes)},
	    {CKA_SIGN, &yes, sizeof(yes)},
	};

	return f->C_GenerateKeyPair(s, &mech, pub, NELEM(pub), priv, NELEM(priv), &k->pub,
	                            &k->priv);
}

CK_RV bench_p11_ec_keygen(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, struct bench_key *k)
{
	k->rv = p11_ec_pair(f, s, CKM_EC_KEY_PAIR_GEN, oid_p256, sizeof(oid_p256), &no, k);
	return k->rv;
}

CK_RV bench_p11_pair(struct bench_p11 *p, CK_SESSION_HANDLE s, CK_MECHANISM_TYPE gen,
                     struct bench_key *k)
{
	CK_BBOOL *token = p->token_keys ? &yes : &no;

	if (gen == CKM_RSA_PKCS_KEY_PAIR_GEN)
		return p11_rsa_keygen(p->f, s, token, k);
	return p11_ec_pair(p->f, s, gen, oid_p256, sizeof(oid_p256), token, k);
}

/* Destroys the pair of k when it is made of token objects. */
static void p11_drop(struct bench_p11 *p, struct bench_key *k)
{
	if (!p->token_keys || k->rv != CKR_OK)
		return;
	p->f->C_DestroyObject(p->session, k->priv);
	p->f->C_DestroyObject(p->session, k->pub);
	k->rv = CKR_KEY_HANDLE_INVALID;
}

/* Ed25519 named by its OID, or by its curve name for modules that want that. */
static CK_RV p11_ed_keygen(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, struct bench_key *k)
{
	CK_RV rv = p11_ec_pair(f, s, CKM_EC_EDWARDS_KEY_PAIR_GEN, oid_ed25519, sizeof(oid_ed25519),
	                       &no, k);

	if (rv == CKR_ATTRIBUTE_VALUE_INVALID || rv == CKR_CURVE_NOT_SUPPORTED ||
	    rv == CKR_TEMPLATE_INCONSISTENT)
		rv = p11_ec_pair(f, s, CKM_EC_EDWARDS_KEY_PAIR_GEN, name_ed25519,
		                 sizeof(name_ed25519), &no, k);
	return rv;
}

/* A 256-bit secret of key type kt for the use attribute, from known bytes. */
static CK_RV p11_secret(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, CK_KEY_TYPE kt,
                        CK_ATTRIBUTE_TYPE use, struct bench_key *k)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_BYTE value[32];
	CK_ATTRIBUTE tmpl[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},    {CKA_KEY_TYPE, &kt, sizeof(kt)},
	    {CKA_TOKEN, &no, sizeof(no)},      {CKA_PRIVATE, &yes, sizeof(yes)},
	    {CKA_VALUE, value, sizeof(value)}, {use, &yes, sizeof(yes)},
	};

	for (size_t i = 0; i < sizeof(value); i++)
		value[i] = (CK_BYTE)(0x5a ^ (i * 7));
	k->pub = CK_INVALID_HANDLE;
	return f->C_CreateObject(s, tmpl, NELEM(tmpl), &k->priv);
}

void bench_p11_keys(struct bench_p11 *p)
{
	CK_FUNCTION_LIST_PTR f = p->f;
	CK_SESSION_HANDLE s = p->session;

	p->rsa.rv = bench_p11_pair(p, s, CKM_RSA_PKCS_KEY_PAIR_GEN, &p->rsa);
	p->ec.rv = bench_p11_pair(p, s, CKM_EC_KEY_PAIR_GEN, &p->ec);
	p->ed.rv = p11_ed_keygen(f, s, &p->ed);
	p->aes.rv = p11_secret(f, s, CKK_AES, CKA_ENCRYPT, &p->aes);
	p->hmac.rv = p11_secret(f, s, CKK_GENERIC_SECRET, CKA_SIGN, &p->hmac);
}

void bench_p11_close(struct bench_p11 *p)
{
	if (!p->dl)
		return;
	if (p->f) {
		p11_drop(p, &p->rsa);
		p11_drop(p, &p->ec);
		if (p->session != CK_INVALID_HANDLE)
			p->f->C_CloseSession(p->session);
		p->f->C_Finalize(NULL);
	}
	dlclose(p->dl);
	p->dl = NULL;
}
