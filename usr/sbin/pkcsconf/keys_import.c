/*
 * --import FILE: a PEM file's private key, certificate or public key put
 * on the token.
 *
 * The file is read with OpenSSL's PEM readers.  A private key (RSA, EC on
 * a curve pkcsconf knows, Ed25519 or Ed448) becomes a private key object
 * and its public key object; a certificate becomes a CKC_X_509
 * certificate object; a file with both gives all three.  A file with only
 * a public key gives a public key object.  The key's numbers are taken
 * through the OpenSSL 3 parameter interface (EVP_PKEY_get_bn_param,
 * EVP_PKEY_get_octet_string_param).
 *
 * Without --id, a certificate takes the ID of the private key that has
 * its label, so the two pair up; otherwise a random ID is made up.
 */
#include "keys.h"

#include <errno.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "p11names.h"

/* Buffers a template points into, freed together. */
#define IMPORT_MAX_BUFS 16
struct import_bufs {
	unsigned char *p[IMPORT_MAX_BUFS];
	size_t len[IMPORT_MAX_BUFS];
	size_t n;
};

/* Takes p (len bytes, from OPENSSL_malloc) into b; NULL when p is NULL or b is full. */
static unsigned char *import_keep(struct import_bufs *b, unsigned char *p, size_t len)
{
	if (p == NULL || b->n == IMPORT_MAX_BUFS) {
		OPENSSL_clear_free(p, len);
		return NULL;
	}
	b->p[b->n] = p;
	b->len[b->n++] = len;
	return p;
}

/* Frees the buffers, wiping them: some hold private key material. */
static void import_bufs_free(struct import_bufs *b)
{
	for (size_t i = 0; i < b->n; i++)
		OPENSSL_clear_free(b->p[i], b->len[i]);
	b->n = 0;
}

/* Adds the big number param of key as attribute type, padded to pad bytes when pad > 0. */
static bool import_bn(struct pcf_tmpl *t, struct import_bufs *b, const EVP_PKEY *key,
                      const char *param, CK_ATTRIBUTE_TYPE type, size_t pad)
{
	BIGNUM *bn = NULL;
	unsigned char *p;
	size_t len;

	if (!EVP_PKEY_get_bn_param(key, param, &bn))
		return false;
	len = pad > 0 ? pad : (size_t)BN_num_bytes(bn);
	p = import_keep(b, OPENSSL_malloc(len > 0 ? len : 1), len > 0 ? len : 1);
	if (p != NULL && BN_bn2binpad(bn, p, (int)len) < 0)
		p = NULL;
	BN_clear_free(bn);
	if (p == NULL)
		return false;
	pcf_tmpl_bytes(t, type, p, len);
	return true;
}

/* Adds the octet string param of key as attribute type, DER-wrapped when wrap is set. */
static bool import_octets(struct pcf_tmpl *t, struct import_bufs *b, const EVP_PKEY *key,
                          const char *param, CK_ATTRIBUTE_TYPE type, bool wrap)
{
	unsigned char raw[256], *p;
	size_t len = 0;

	if (!EVP_PKEY_get_octet_string_param(key, param, raw, sizeof(raw), &len))
		return false;
	p = import_keep(b, OPENSSL_malloc(len + 4), len + 4);
	if (p == NULL)
		return false;
	if (wrap)
		len = tok_der_wrap_octets(raw, len, p, len + 4);
	else
		memcpy(p, raw, len);
	OPENSSL_cleanse(raw, sizeof(raw));
	pcf_tmpl_bytes(t, type, p, len);
	return len > 0;
}

/* Adds the CKA_EC_PARAMS of curve cv. */
static bool import_curve_params(struct pcf_tmpl *t, struct import_bufs *b,
                                const struct pcf_curve *cv)
{
	unsigned char *p =
	    import_keep(b, OPENSSL_malloc(TOK_DER_CURVE_PARAMS_MAX), TOK_DER_CURVE_PARAMS_MAX);
	size_t len = p != NULL ? pcf_curve_params(cv, p, TOK_DER_CURVE_PARAMS_MAX) : 0;

	if (len == 0)
		return false;
	pcf_tmpl_bytes(t, CKA_EC_PARAMS, p, len);
	return true;
}

/* The curve of an EC or EdDSA key, or NULL. */
static const struct pcf_curve *import_curve(const EVP_PKEY *key)
{
	char group[64];

	if (EVP_PKEY_is_a(key, "ED25519") || EVP_PKEY_is_a(key, "ED448"))
		return pcf_curve_by_ossl(EVP_PKEY_get0_type_name(key));
	if (EVP_PKEY_is_a(key, "EC") &&
	    EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
	                                   NULL))
		return pcf_curve_by_ossl(group);
	return NULL;
}

/* The key-type-specific attributes of the public (priv false) or private half. */
static bool import_key_attrs(struct pcf_tmpl *t, struct import_bufs *b, const EVP_PKEY *key,
                             const struct pcf_curve *cv, bool priv)
{
	CK_OBJECT_CLASS cls = priv ? CKO_PRIVATE_KEY : CKO_PUBLIC_KEY;
	bool ok;

	pcf_tmpl_usage(t, cls, cv == NULL ? CKK_RSA : cv->key_type);
	if (cv == NULL) {
		pcf_tmpl_ulong(t, CKA_KEY_TYPE, CKK_RSA);
		ok = import_bn(t, b, key, OSSL_PKEY_PARAM_RSA_N, CKA_MODULUS, 0) &&
		     import_bn(t, b, key, OSSL_PKEY_PARAM_RSA_E, CKA_PUBLIC_EXPONENT, 0);
		if (ok && priv)
			ok = import_bn(t, b, key, OSSL_PKEY_PARAM_RSA_D, CKA_PRIVATE_EXPONENT, 0) &&
			     import_bn(t, b, key, OSSL_PKEY_PARAM_RSA_FACTOR1, CKA_PRIME_1, 0) &&
			     import_bn(t, b, key, OSSL_PKEY_PARAM_RSA_FACTOR2, CKA_PRIME_2, 0) &&
			     import_bn(t, b, key, OSSL_PKEY_PARAM_RSA_EXPONENT1, CKA_EXPONENT_1,
			               0) &&
			     import_bn(t, b, key, OSSL_PKEY_PARAM_RSA_EXPONENT2, CKA_EXPONENT_2,
			               0) &&
			     import_bn(t, b, key, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, CKA_COEFFICIENT,
			               0);
		return ok;
	}
	pcf_tmpl_ulong(t, CKA_KEY_TYPE, cv->key_type);
	if (!import_curve_params(t, b, cv))
		return false;
	if (!priv)
		return import_octets(t, b, key, OSSL_PKEY_PARAM_PUB_KEY, CKA_EC_POINT, true);
	if (cv->key_type == CKK_EC)
		return import_bn(t, b, key, OSSL_PKEY_PARAM_PRIV_KEY, CKA_VALUE, cv->scalar_len);
	return import_octets(t, b, key, OSSL_PKEY_PARAM_PRIV_KEY, CKA_VALUE, false);
}

/* Creates the public (priv false) or private key object of key as *obj. */
static int import_key_half(struct pcf *c, CK_SESSION_HANDLE h, const EVP_PKEY *key, bool priv,
                           CK_OBJECT_HANDLE *obj)
{
	const struct pcf_curve *cv = import_curve(key);
	struct import_bufs bufs = {0};
	struct pcf_tmpl t = {0};
	CK_RV rv = CKR_OK;

	if (cv == NULL && EVP_PKEY_is_a(key, "EC"))
		return os_log_fail(PCF_EXIT_USAGE, "%s: the curve of this EC key is not supported",
		                   c->opt.import_path);
	if (cv == NULL && !EVP_PKEY_is_a(key, "RSA"))
		return os_log_fail(PCF_EXIT_USAGE, "%s: keys of type %s are not supported",
		                   c->opt.import_path, EVP_PKEY_get0_type_name(key));
	pcf_tmpl_ulong(&t, CKA_CLASS, priv ? CKO_PRIVATE_KEY : CKO_PUBLIC_KEY);
	pcf_tmpl_name(&t, &c->opt);
	pcf_tmpl_bool(&t, CKA_PRIVATE, priv);
	if (priv)
		pcf_tmpl_bool(&t, CKA_SENSITIVE, true);
	if (!import_key_attrs(&t, &bufs, key, cv, priv)) {
		import_bufs_free(&bufs);
		return os_log_fail(PCF_EXIT_USAGE, "%s: cannot read the key's parameters",
		                   c->opt.import_path);
	}
	rv = c->p11->C_CreateObject(h, t.attrs, t.n, obj);
	import_bufs_free(&bufs);
	if (rv != CKR_OK)
		return pcf_fail_rv(rv, "cannot store the %s key", priv ? "private" : "public");
	return PCF_EXIT_OK;
}

/* Adds the DER encoding made by i2d as attribute type. */
#define IMPORT_DER(t, b, type, i2d, obj)                                     \
	do {                                                                 \
		unsigned char *der_ = NULL;                                  \
		int len_ = i2d(obj, &der_);                                  \
		if (len_ <= 0 || import_keep(b, der_, (size_t)len_) == NULL) \
			goto bad;                                            \
		pcf_tmpl_bytes(t, type, der_, (size_t)len_);                 \
	} while (0)

static int import_cert(struct pcf *c, CK_SESSION_HANDLE h, X509 *x)
{
	struct import_bufs bufs = {0};
	struct pcf_tmpl t = {0};
	CK_OBJECT_HANDLE obj;
	CK_RV rv;

	pcf_tmpl_ulong(&t, CKA_CLASS, CKO_CERTIFICATE);
	pcf_tmpl_ulong(&t, CKA_CERTIFICATE_TYPE, CKC_X_509);
	pcf_tmpl_name(&t, &c->opt);
	pcf_tmpl_bool(&t, CKA_PRIVATE, false);
	IMPORT_DER(&t, &bufs, CKA_SUBJECT, i2d_X509_NAME, X509_get_subject_name(x));
	IMPORT_DER(&t, &bufs, CKA_ISSUER, i2d_X509_NAME, X509_get_issuer_name(x));
	IMPORT_DER(&t, &bufs, CKA_SERIAL_NUMBER, i2d_ASN1_INTEGER, X509_get0_serialNumber(x));
	IMPORT_DER(&t, &bufs, CKA_VALUE, i2d_X509, x);
	rv = c->p11->C_CreateObject(h, t.attrs, t.n, &obj);
	import_bufs_free(&bufs);
	if (rv != CKR_OK)
		return pcf_fail_rv(rv, "cannot store the certificate");
	return PCF_EXIT_OK;
bad:
	import_bufs_free(&bufs);
	return os_log_fail(PCF_EXIT_USAGE, "%s: cannot encode the certificate", c->opt.import_path);
}

/* What the file holds; each member NULL when absent. */
struct import_file {
	EVP_PKEY *key;    /* a private key */
	X509 *cert;       /* a certificate */
	EVP_PKEY *pubkey; /* a public key, read only when there is no private key */
};

static int import_read(const char *path, struct import_file *f)
{
	BIO *bio = BIO_new_file(path, "r");

	memset(f, 0, sizeof(*f));
	if (bio == NULL)
		return os_log_fail(PCF_EXIT_USAGE, "cannot open %s: %s", path, strerror(errno));
	f->key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	if (BIO_reset(bio) == 0)
		f->cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	if (f->key == NULL && f->cert == NULL && BIO_reset(bio) == 0)
		f->pubkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ERR_clear_error();
	if (f->key == NULL && f->cert == NULL && f->pubkey == NULL)
		return os_log_fail(PCF_EXIT_USAGE,
		                   "%s holds no PEM private key, certificate or public key", path);
	return PCF_EXIT_OK;
}

static void import_file_free(struct import_file *f)
{
	EVP_PKEY_free(f->key);
	X509_free(f->cert);
	EVP_PKEY_free(f->pubkey);
}

/* Without --id: the ID of the private key labelled --label, else a random one. */
static int import_pick_id(struct pcf *c, CK_SESSION_HANDLE h, const struct import_file *f)
{
	static const CK_OBJECT_CLASS priv = CKO_PRIVATE_KEY;
	struct pcf_match m = {.label = c->opt.label, .cls = &priv};
	CK_OBJECT_HANDLE *found = NULL;
	unsigned char *id = NULL;
	CK_ULONG n = 0, len = 0;

	if (!c->opt.have_id && f->key == NULL && f->cert != NULL &&
	    pcf_keys_find(c, h, &m, &found, &n) == PCF_EXIT_OK && n == 1)
		id = pcf_attr_get(c, h, found[0], CKA_ID, &len);
	if (id != NULL && len > 0 && len <= PCF_ID_MAX) {
		memcpy(c->opt.id, id, len);
		c->opt.id_len = len;
		c->opt.have_id = true;
	}
	free(id);
	free(found);
	return pcf_keys_default_id(c);
}

static int import_check_free(struct pcf *c, CK_SESSION_HANDLE h, const struct import_file *f)
{
	int ret = PCF_EXIT_OK;

	if (f->key != NULL)
		ret = pcf_keys_check_free(c, h, CKO_PRIVATE_KEY);
	if (ret == PCF_EXIT_OK && f->cert != NULL)
		ret = pcf_keys_check_free(c, h, CKO_CERTIFICATE);
	if (ret == PCF_EXIT_OK && f->pubkey != NULL)
		ret = pcf_keys_check_free(c, h, CKO_PUBLIC_KEY);
	return ret;
}

static void import_report(struct pcf *c, const char *what, CK_SLOT_ID slot)
{
	char hex[2 * PCF_ID_MAX + 1];

	pcf_hex_format(hex, c->opt.id, c->opt.id_len);
	printf("Imported %s \"%s\" with ID %s in slot %lu.\n", what, c->opt.label, hex, slot);
}

/* Both halves of a private key; the private one goes again when the public one fails. */
static int import_pair(struct pcf *c, CK_SESSION_HANDLE h, const EVP_PKEY *key, CK_SLOT_ID slot)
{
	CK_OBJECT_HANDLE priv, pub;
	int ret = import_key_half(c, h, key, true, &priv);

	if (ret != PCF_EXIT_OK)
		return ret;
	ret = import_key_half(c, h, key, false, &pub);
	if (ret != PCF_EXIT_OK) {
		c->p11->C_DestroyObject(h, priv);
		return ret;
	}
	import_report(c, "private and public key", slot);
	return PCF_EXIT_OK;
}

int pcf_keys_import(struct pcf *c, CK_SESSION_HANDLE h, CK_SLOT_ID slot)
{
	struct import_file f;
	CK_OBJECT_HANDLE obj;
	int ret = import_read(c->opt.import_path, &f);

	if (ret == PCF_EXIT_OK)
		ret = import_check_free(c, h, &f);
	if (ret == PCF_EXIT_OK)
		ret = import_pick_id(c, h, &f);
	if (ret == PCF_EXIT_OK && f.key != NULL)
		ret = import_pair(c, h, f.key, slot);
	if (ret == PCF_EXIT_OK && f.cert != NULL) {
		ret = import_cert(c, h, f.cert);
		if (ret == PCF_EXIT_OK)
			import_report(c, "certificate", slot);
	}
	if (ret == PCF_EXIT_OK && f.pubkey != NULL) {
		ret = import_key_half(c, h, f.pubkey, false, &obj);
		if (ret == PCF_EXIT_OK)
			import_report(c, "public key", slot);
	}
	import_file_free(&f);
	return ret;
}
