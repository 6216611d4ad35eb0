/*
 * --generate KEYSPEC.
 *
 * KEYSPEC is rsa[:BITS] (2048 by default), ec:CURVE, ed25519, ed448 or
 * aes[:BITS] (256 by default).  What each key may do is set by
 * pcf_tmpl_usage(): an RSA pair signs, encrypts and wraps, an EC pair
 * signs and derives, an EdDSA pair signs, an AES key encrypts, wraps and
 * computes MACs.  Private and secret keys are private and sensitive.  Both halves of a pair share the
 * label and the ID, so other tools pair them up.
 */
#include "keys.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "p11names.h"

#define GEN_RSA_DEFAULT_BITS 2048
#define GEN_AES_DEFAULT_BITS 256

enum gen_kind { GEN_RSA, GEN_EC, GEN_AES };

struct gen_spec {
	enum gen_kind kind;
	CK_ULONG bits;
	const struct pcf_curve *curve;
	unsigned char params[TOK_DER_CURVE_PARAMS_MAX]; /* the curve's CKA_EC_PARAMS */
	size_t params_len;
};

static int gen_bits(const char *text, CK_ULONG *bits)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v == 0 || v > 65536 || text[0] == '-')
		return -1;
	*bits = v;
	return 0;
}

static int gen_parse(const char *keyspec, struct gen_spec *spec)
{
	const char *colon = strchr(keyspec, ':');
	size_t head = colon != NULL ? (size_t)(colon - keyspec) : strlen(keyspec);
	const char *arg = colon != NULL ? colon + 1 : NULL;

	memset(spec, 0, sizeof(*spec));
	if (head == 3 && strncasecmp(keyspec, "rsa", 3) == 0) {
		spec->kind = GEN_RSA;
		spec->bits = GEN_RSA_DEFAULT_BITS;
		return arg == NULL ? 0 : gen_bits(arg, &spec->bits);
	}
	if (head == 3 && strncasecmp(keyspec, "aes", 3) == 0) {
		spec->kind = GEN_AES;
		spec->bits = GEN_AES_DEFAULT_BITS;
		if (arg != NULL && gen_bits(arg, &spec->bits) < 0)
			return -1;
		return spec->bits % 8 == 0 ? 0 : -1;
	}
	spec->kind = GEN_EC;
	if (head == 2 && strncasecmp(keyspec, "ec", 2) == 0 && arg != NULL)
		spec->curve = pcf_curve_by_name(arg);
	else if (arg == NULL)
		spec->curve = pcf_curve_by_name(keyspec);
	if (spec->curve == NULL || (arg == NULL && spec->curve->key_type != CKK_EC_EDWARDS))
		return -1;
	spec->params_len = pcf_curve_params(spec->curve, spec->params, sizeof(spec->params));
	return spec->params_len > 0 ? 0 : -1;
}

/* The public and private templates of a key pair. */
static void gen_pair_templates(struct pcf *c, const struct gen_spec *spec, struct pcf_tmpl *pub,
                               struct pcf_tmpl *priv)
{
	static const CK_BYTE f4[] = {0x01, 0x00, 0x01};
	CK_KEY_TYPE type = spec->kind == GEN_RSA ? CKK_RSA : spec->curve->key_type;

	pcf_tmpl_name(pub, &c->opt);
	pcf_tmpl_bool(pub, CKA_PRIVATE, false);
	pcf_tmpl_usage(pub, CKO_PUBLIC_KEY, type);
	pcf_tmpl_name(priv, &c->opt);
	pcf_tmpl_bool(priv, CKA_PRIVATE, true);
	pcf_tmpl_bool(priv, CKA_SENSITIVE, true);
	pcf_tmpl_usage(priv, CKO_PRIVATE_KEY, type);
	if (type == CKK_RSA) {
		pcf_tmpl_ulong(pub, CKA_MODULUS_BITS, spec->bits);
		pcf_tmpl_bytes(pub, CKA_PUBLIC_EXPONENT, f4, sizeof(f4));
	} else {
		pcf_tmpl_bytes(pub, CKA_EC_PARAMS, spec->params, spec->params_len);
	}
}

static CK_RV gen_pair(struct pcf *c, CK_SESSION_HANDLE h, const struct gen_spec *spec)
{
	CK_MECHANISM mech = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
	struct pcf_tmpl pub = {0}, priv = {0};
	CK_OBJECT_HANDLE hpub, hpriv;

	if (spec->kind == GEN_EC)
		mech.mechanism = spec->curve->key_type == CKK_EC ? CKM_EC_KEY_PAIR_GEN
		                                                 : CKM_EC_EDWARDS_KEY_PAIR_GEN;
	gen_pair_templates(c, spec, &pub, &priv);
	return c->p11->C_GenerateKeyPair(h, &mech, pub.attrs, pub.n, priv.attrs, priv.n, &hpub,
	                                 &hpriv);
}

static CK_RV gen_secret(struct pcf *c, CK_SESSION_HANDLE h, const struct gen_spec *spec)
{
	CK_MECHANISM mech = {CKM_AES_KEY_GEN, NULL, 0};
	struct pcf_tmpl t = {0};
	CK_OBJECT_HANDLE key;

	pcf_tmpl_ulong(&t, CKA_CLASS, CKO_SECRET_KEY);
	pcf_tmpl_ulong(&t, CKA_KEY_TYPE, CKK_AES);
	pcf_tmpl_ulong(&t, CKA_VALUE_LEN, spec->bits / 8);
	pcf_tmpl_name(&t, &c->opt);
	pcf_tmpl_bool(&t, CKA_PRIVATE, true);
	pcf_tmpl_bool(&t, CKA_SENSITIVE, true);
	pcf_tmpl_usage(&t, CKO_SECRET_KEY, CKK_AES);
	return c->p11->C_GenerateKey(h, &mech, t.attrs, t.n, &key);
}

int pcf_keys_generate(struct pcf *c, CK_SESSION_HANDLE h, CK_SLOT_ID slot)
{
	char hex[2 * PCF_ID_MAX + 1];
	struct gen_spec spec;
	bool pair;
	int ret;
	CK_RV rv;

	if (gen_parse(c->opt.keyspec, &spec) < 0)
		return os_log_fail(PCF_EXIT_USAGE,
		                   "unknown key specification '%s': use rsa:BITS, ec:CURVE, "
		                   "ed25519, ed448 or aes:BITS (see 'pkcsconf --help generate')",
		                   c->opt.keyspec);
	pair = spec.kind != GEN_AES;
	ret = pcf_keys_check_free(c, h, pair ? CKO_PRIVATE_KEY : CKO_SECRET_KEY);
	if (ret == PCF_EXIT_OK)
		ret = pcf_keys_default_id(c);
	if (ret != PCF_EXIT_OK)
		return ret;
	rv = pair ? gen_pair(c, h, &spec) : gen_secret(c, h, &spec);
	if (rv != CKR_OK)
		return pcf_fail_rv(rv, "cannot generate a %s key", c->opt.keyspec);
	pcf_hex_format(hex, c->opt.id, c->opt.id_len);
	printf("Generated %s %s \"%s\" with ID %s in slot %lu.\n", c->opt.keyspec,
	       pair ? "key pair" : "key", c->opt.label, hex, slot);
	return PCF_EXIT_OK;
}
