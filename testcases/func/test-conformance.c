/*
 * The conformance walker: asks the soft token of a private slotd for its
 * mechanism list and checks every mechanism against the rules PKCS#11
 * fixes for all of them, as its CK_MECHANISM_INFO flags say they apply
 * (conformance_ops.c, conformance_keys.c).  The table below says, for each
 * mechanism the walker knows, which kind of key and parameter it takes; a
 * mechanism the token lists and the table lacks still gets the checks that
 * need neither and is reported as "generic only", so a new mechanism is
 * never left out.  Prints one line per mechanism; exits non-zero on any
 * answer that breaks the rules.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conformance.h"
#include "harness.h"
#include "p11names.h"

#define SO_PIN   "87654321"
#define USER_PIN "123456"

#define ROW(t, k, p)                                     \
	{                                                \
		t, CONF_KEY_##k, CONF_PARAM_##p, 0, 0, 0 \
	}
#define ROW_R(t, k, p, rnd)                                              \
	{                                                                \
		t, CONF_KEY_##k, CONF_PARAM_##p, 0, 0, CONF_RANDOM_##rnd \
	}
#define ROW_PSS(t, h)                                                   \
	{                                                               \
		t, CONF_KEY_RSA, CONF_PARAM_PSS, h, 0, CONF_RANDOM_SIGN \
	}
#define ROW_DIGEST(t)           ROW(t, NONE, NONE)
#define ROW_HMAC(hmac, general) ROW(hmac, GENERIC, NONE), ROW(general, GENERIC, MAC_LEN)
#define ROW_ECDSA(t)            ROW_R(t, EC, NONE, SIGN)

static const struct conf_mech conf_mechs[] = {
    ROW(CKM_AES_ECB, AES, NONE),
    ROW(CKM_AES_CBC, AES, IV16),
    ROW(CKM_AES_CBC_PAD, AES, IV16),
    ROW(CKM_AES_CTR, AES, CTR),
    ROW(CKM_AES_GCM, AES, GCM),
    ROW(CKM_AES_CCM, AES, CCM),
    ROW(CKM_AES_CMAC, AES, NONE),
    ROW(CKM_AES_CMAC_GENERAL, AES, MAC_LEN),
    ROW(CKM_AES_KEY_WRAP, AES, OPTIONAL),
    ROW(CKM_AES_KEY_WRAP_KWP, AES, OPTIONAL),
    ROW(CKM_DES3_ECB, DES3, NONE),
    ROW(CKM_DES3_CBC, DES3, IV8),
    ROW(CKM_DES3_CBC_PAD, DES3, IV8),
    ROW(CKM_DES3_MAC, DES3, NONE),
    ROW(CKM_DES3_MAC_GENERAL, DES3, MAC_LEN),
    ROW(CKM_DES3_CMAC, DES3, NONE),
    ROW(CKM_DES3_CMAC_GENERAL, DES3, MAC_LEN),
    ROW(CKM_DES_ECB, DES, NONE),
    ROW(CKM_DES_CBC, DES, IV8),
    ROW(CKM_DES_CBC_PAD, DES, IV8),
    ROW_DIGEST(CKM_SHA_1),
    ROW_DIGEST(CKM_SHA224),
    ROW_DIGEST(CKM_SHA256),
    ROW_DIGEST(CKM_SHA384),
    ROW_DIGEST(CKM_SHA512),
    ROW_DIGEST(CKM_SHA3_224),
    ROW_DIGEST(CKM_SHA3_256),
    ROW_DIGEST(CKM_SHA3_384),
    ROW_DIGEST(CKM_SHA3_512),
    ROW_HMAC(CKM_SHA_1_HMAC, CKM_SHA_1_HMAC_GENERAL),
    ROW_HMAC(CKM_SHA224_HMAC, CKM_SHA224_HMAC_GENERAL),
    ROW_HMAC(CKM_SHA256_HMAC, CKM_SHA256_HMAC_GENERAL),
    ROW_HMAC(CKM_SHA384_HMAC, CKM_SHA384_HMAC_GENERAL),
    ROW_HMAC(CKM_SHA512_HMAC, CKM_SHA512_HMAC_GENERAL),
    ROW_HMAC(CKM_SHA3_224_HMAC, CKM_SHA3_224_HMAC_GENERAL),
    ROW_HMAC(CKM_SHA3_256_HMAC, CKM_SHA3_256_HMAC_GENERAL),
    ROW_HMAC(CKM_SHA3_384_HMAC, CKM_SHA3_384_HMAC_GENERAL),
    ROW_HMAC(CKM_SHA3_512_HMAC, CKM_SHA3_512_HMAC_GENERAL),
    ROW_R(CKM_RSA_PKCS, RSA, NONE, ENCRYPT),
    {CKM_RSA_X_509, CONF_KEY_RSA, CONF_PARAM_NONE, 0, 256, 0},
    ROW_R(CKM_RSA_PKCS_OAEP, RSA, OAEP, ENCRYPT),
    ROW_PSS(CKM_RSA_PKCS_PSS, CKM_SHA256),
    ROW(CKM_SHA1_RSA_PKCS, RSA, NONE),
    ROW(CKM_SHA224_RSA_PKCS, RSA, NONE),
    ROW(CKM_SHA256_RSA_PKCS, RSA, NONE),
    ROW(CKM_SHA384_RSA_PKCS, RSA, NONE),
    ROW(CKM_SHA512_RSA_PKCS, RSA, NONE),
    ROW(CKM_SHA3_224_RSA_PKCS, RSA, NONE),
    ROW(CKM_SHA3_256_RSA_PKCS, RSA, NONE),
    ROW(CKM_SHA3_384_RSA_PKCS, RSA, NONE),
    ROW(CKM_SHA3_512_RSA_PKCS, RSA, NONE),
    ROW_PSS(CKM_SHA1_RSA_PKCS_PSS, CKM_SHA_1),
    ROW_PSS(CKM_SHA224_RSA_PKCS_PSS, CKM_SHA224),
    ROW_PSS(CKM_SHA256_RSA_PKCS_PSS, CKM_SHA256),
    ROW_PSS(CKM_SHA384_RSA_PKCS_PSS, CKM_SHA384),
    ROW_PSS(CKM_SHA512_RSA_PKCS_PSS, CKM_SHA512),
    ROW_PSS(CKM_SHA3_224_RSA_PKCS_PSS, CKM_SHA3_224),
    ROW_PSS(CKM_SHA3_256_RSA_PKCS_PSS, CKM_SHA3_256),
    ROW_PSS(CKM_SHA3_384_RSA_PKCS_PSS, CKM_SHA3_384),
    ROW_PSS(CKM_SHA3_512_RSA_PKCS_PSS, CKM_SHA3_512),
    ROW_ECDSA(CKM_ECDSA),
    ROW_ECDSA(CKM_ECDSA_SHA1),
    ROW_ECDSA(CKM_ECDSA_SHA224),
    ROW_ECDSA(CKM_ECDSA_SHA256),
    ROW_ECDSA(CKM_ECDSA_SHA384),
    ROW_ECDSA(CKM_ECDSA_SHA512),
    ROW_ECDSA(CKM_ECDSA_SHA3_224),
    ROW_ECDSA(CKM_ECDSA_SHA3_256),
    ROW_ECDSA(CKM_ECDSA_SHA3_384),
    ROW_ECDSA(CKM_ECDSA_SHA3_512),
    ROW(CKM_EDDSA, ED, OPTIONAL),
};

#define CONF_N_MECHS (sizeof(conf_mechs) / sizeof(conf_mechs[0]))

/* The operations whose checks conformance_ops.c knows, in the order run. */
static const CK_FLAGS conf_ops[] = {CKF_ENCRYPT, CKF_DECRYPT, CKF_SIGN, CKF_VERIFY, CKF_DIGEST};

bool conf_expect(struct conf *c, CK_RV rv, CK_RV want, CK_RV also_ok, const char *what)
{
	char got[48], exp[48];

	c->checks++;
	if (rv == want || (also_ok != CKR_OK && rv == also_ok))
		return true;
	printf("  FAIL %s %s: %s: %s, want %s\n", c->mech_name, c->op_name, what,
	       os_p11_rv_str(rv, got, sizeof(got)), os_p11_rv_str(want, exp, sizeof(exp)));
	c->failures++;
	return false;
}

bool conf_has_mech(const struct conf *c, CK_MECHANISM_TYPE m)
{
	for (CK_ULONG i = 0; i < c->n_mechs; i++)
		if (c->mechs[i] == m)
			return true;
	return false;
}

static const struct conf_mech *conf_row(CK_MECHANISM_TYPE m)
{
	for (size_t i = 0; i < CONF_N_MECHS; i++)
		if (conf_mechs[i].type == m)
			return &conf_mechs[i];
	return NULL;
}

/*
 * Checks one mechanism; returns whether the walker knew enough of it for
 * more than the generic checks.
 */
static bool conf_check_mech(struct conf *c, CK_MECHANISM_TYPE m, const CK_MECHANISM_INFO *info)
{
	const struct conf_mech *row = conf_row(m);
	struct conf_mech digest = {m, CONF_KEY_NONE, CONF_PARAM_NONE, 0, 0, 0};
	bool known = row != NULL;

	if (info->flags & (CKF_GENERATE | CKF_GENERATE_KEY_PAIR))
		known = conf_keys_check_gen(c, m, info) || row;
	/* A digest needs neither key nor (mostly) parameter: fully checked even unknown. */
	if (!row && (info->flags & CKF_DIGEST)) {
		row = &digest;
		known = true;
	}
	conf_ops_check_generic(c, m, info->flags & ~(row ? 0 : CKF_DIGEST));
	for (size_t i = 0; row && i < sizeof(conf_ops) / sizeof(conf_ops[0]); i++)
		if (info->flags & conf_ops[i])
			conf_ops_check(c, row, conf_ops[i]);
	return known;
}

static void conf_flags_str(CK_FLAGS f, char *buf, size_t len)
{
	static const struct {
		CK_FLAGS flag;
		const char *name;
	} names[] = {
	    {CKF_ENCRYPT, "encrypt"},
	    {CKF_DECRYPT, "decrypt"},
	    {CKF_SIGN, "sign"},
	    {CKF_VERIFY, "verify"},
	    {CKF_DIGEST, "digest"},
	    {CKF_SIGN_RECOVER, "sign-recover"},
	    {CKF_VERIFY_RECOVER, "verify-recover"},
	    {CKF_GENERATE, "generate"},
	    {CKF_GENERATE_KEY_PAIR, "generate-pair"},
	    {CKF_WRAP, "wrap"},
	    {CKF_UNWRAP, "unwrap"},
	    {CKF_DERIVE, "derive"},
	};

	buf[0] = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (f & names[i].flag)
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? "," : "",
			         names[i].name);
}

static void conf_walk(struct conf *c)
{
	for (CK_ULONG i = 0; i < c->n_mechs; i++) {
		CK_MECHANISM_INFO info;
		char name[64], flags[160];
		unsigned before = c->failures;

		c->mech_name = os_p11_mech_str(c->mechs[i], name, sizeof(name));
		c->op_name = "";
		if (!conf_expect(c, c->f->C_GetMechanismInfo(0, c->mechs[i], &info), CKR_OK, CKR_OK,
		                 "C_GetMechanismInfo"))
			continue;
		bool known = conf_check_mech(c, c->mechs[i], &info);
		conf_flags_str(info.flags, flags, sizeof(flags));
		printf("%-28s %-40s %s%s\n", c->mech_name, flags,
		       c->failures == before ? "ok" : "FAILED", known ? "" : " (generic only)");
	}
}

/* A token with a user PIN, a logged-in R/W session, the mechanism list. */
static int conf_open(struct conf *c)
{
	CK_UTF8CHAR label[32];
	CK_SESSION_HANDLE s;

	memset(label, ' ', sizeof(label));
	if (c->f->C_Initialize(NULL) != CKR_OK ||
	    c->f->C_InitToken(0, (CK_UTF8CHAR_PTR)SO_PIN, 8, label) != CKR_OK ||
	    c->f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s) != CKR_OK ||
	    c->f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, 8) != CKR_OK ||
	    c->f->C_InitPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, 6) != CKR_OK ||
	    c->f->C_Logout(s) != CKR_OK ||
	    c->f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 6) != CKR_OK)
		return -1;
	c->s = s;
	if (c->f->C_GetMechanismList(0, NULL, &c->n_mechs) != CKR_OK || c->n_mechs == 0)
		return -1;
	c->mechs = calloc(c->n_mechs, sizeof(*c->mechs));
	if (!c->mechs || c->f->C_GetMechanismList(0, c->mechs, &c->n_mechs) != CKR_OK)
		return -1;
	return 0;
}

int main(void)
{
	struct harness h = {0};
	struct conf c = {.op_name = ""};
	CK_INTERFACE *iface;
	void *dl = NULL;
	int rc = 99;

	if (harness_init(&h) || harness_write_conf(&h, NULL, HARNESS_SLOTS_FOUR) ||
	    harness_start(&h, NULL)) {
		fprintf(stderr, "slotd did not start\n");
		goto out;
	}
	harness_use_instance(&h);
	dl = dlopen(harness_library(), RTLD_NOW | RTLD_LOCAL);
	CK_C_GetInterface get = dl ? (CK_C_GetInterface)dlsym(dl, "C_GetInterface") : NULL;
	if (!get || get(NULL, NULL, &iface, 0) != CKR_OK) {
		fprintf(stderr, "cannot load %s\n", harness_library());
		goto out;
	}
	c.f = iface->pFunctionList;
	if (conf_open(&c)) {
		fprintf(stderr, "cannot open a session on the soft token\n");
		goto out;
	}
	c.mech_name = "key setup";
	conf_keys_make(&c);
	conf_walk(&c);
	printf("%lu mechanisms, %u checks, %u wrong answers\n", c.n_mechs, c.checks, c.failures);
	rc = c.failures ? 1 : 0;
	c.f->C_Finalize(NULL);
out:
	free(c.mechs);
	if (dl)
		dlclose(dl);
	harness_cleanup(&h);
	return rc;
}
