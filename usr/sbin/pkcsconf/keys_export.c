/*
 * --export: the certificate or public key of --label/--id as PEM, on
 * stdout or in the file of -o.
 *
 * A certificate is preferred when one matches (its public key is in it);
 * otherwise the public key object is written as a SubjectPublicKeyInfo
 * ("BEGIN PUBLIC KEY"), built with the OpenSSL 3 EVP_PKEY_fromdata
 * interface from CKA_MODULUS and CKA_PUBLIC_EXPONENT (RSA) or CKA_EC_PARAMS
 * and CKA_EC_POINT (EC, EdDSA).  More than one match of the chosen kind is
 * refused: the caller must say which with --id.
 */
#include "keys.h"

#include <errno.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

/* The public point held by CKA_EC_POINT: DER-wrapped as PKCS#11 says, or raw. */
static const unsigned char *export_point(const struct pcf_curve *cv, const unsigned char *attr,
                                         size_t len, size_t *plen)
{
	size_t body_len = 0;
	const unsigned char *body = tok_der_octets(attr, len, &body_len);
	size_t full = cv->key_type == CKK_EC ? 1 + 2 * cv->scalar_len : cv->scalar_len;
	size_t compressed = cv->key_type == CKK_EC ? 1 + cv->scalar_len : cv->scalar_len;

	if (body != NULL && (body_len == full || body_len == compressed)) {
		*plen = body_len;
		return body;
	}
	*plen = len;
	return attr != NULL && (len == full || len == compressed) ? attr : NULL;
}

/* Pushes the public key parameters of object o; returns the OpenSSL key type or NULL. */
static const char *export_params(struct pcf *c, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o,
                                 OSSL_PARAM_BLD *bld, unsigned char **keep, BIGNUM **bn)
{
	CK_ULONG type, len, plen_attr;
	const unsigned char *point;
	const struct pcf_curve *cv;
	unsigned char *params;
	size_t plen;

	if (!pcf_attr_ulong(c, h, o, CKA_KEY_TYPE, &type))
		return NULL;
	if (type == CKK_RSA) {
		keep[0] = pcf_attr_get(c, h, o, CKA_MODULUS, &len);
		bn[0] = keep[0] != NULL ? BN_bin2bn(keep[0], (int)len, NULL) : NULL;
		keep[1] = pcf_attr_get(c, h, o, CKA_PUBLIC_EXPONENT, &len);
		bn[1] = keep[1] != NULL ? BN_bin2bn(keep[1], (int)len, NULL) : NULL;
		if (bn[0] == NULL || bn[1] == NULL ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn[0]) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn[1]))
			return NULL;
		return "RSA";
	}
	params = pcf_attr_get(c, h, o, CKA_EC_PARAMS, &len);
	cv = pcf_curve_by_params(params, len);
	free(params);
	if (cv == NULL || cv->key_type != type)
		return NULL;
	keep[0] = pcf_attr_get(c, h, o, CKA_EC_POINT, &plen_attr);
	point = export_point(cv, keep[0], plen_attr, &plen);
	if (point == NULL ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, plen))
		return NULL;
	if (type == CKK_EC) {
		if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, cv->ossl_name,
		                                     0))
			return NULL;
		return "EC";
	}
	return cv->ossl_name;
}

/* The public key of object o as an EVP_PKEY, or NULL. */
static EVP_PKEY *export_pkey(struct pcf *c, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	unsigned char *keep[2] = {NULL, NULL};
	BIGNUM *bn[2] = {NULL, NULL};
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;
	const char *type = bld != NULL ? export_params(c, h, o, bld, keep, bn) : NULL;

	if (type != NULL)
		params = OSSL_PARAM_BLD_to_param(bld);
	if (params != NULL)
		ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn[0]);
	BN_free(bn[1]);
	free(keep[0]);
	free(keep[1]);
	return key;
}

static BIO *export_open(const char *path)
{
	if (path == NULL)
		return BIO_new_fp(stdout, BIO_NOCLOSE);
	return BIO_new_file(path, "w");
}

static int export_write(struct pcf *c, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, bool cert)
{
	const char *dest = c->opt.output_path != NULL ? c->opt.output_path : "standard output";
	unsigned char *der = NULL;
	EVP_PKEY *key = NULL;
	CK_ULONG len = 0;
	BIO *out;
	int ok;

	if (cert)
		der = pcf_attr_get(c, h, o, CKA_VALUE, &len);
	else
		key = export_pkey(c, h, o);
	if (der == NULL && key == NULL)
		return os_log_fail(PCF_EXIT_P11, "cannot read the %s from the token",
		                   cert ? "certificate" : "public key");
	out = export_open(c->opt.output_path);
	if (out == NULL)
		ok = 0;
	else if (cert)
		ok = PEM_write_bio(out, PEM_STRING_X509, "", der, (long)len) > 0;
	else
		ok = PEM_write_bio_PUBKEY(out, key);
	if (out != NULL && BIO_flush(out) <= 0)
		ok = 0;
	BIO_free(out);
	free(der);
	EVP_PKEY_free(key);
	ERR_clear_error();
	if (!ok)
		return os_log_fail(PCF_EXIT_USAGE, "cannot write to %s: %s", dest, strerror(errno));
	return PCF_EXIT_OK;
}

int pcf_keys_export(struct pcf *c, CK_SESSION_HANDLE h)
{
	static const CK_OBJECT_CLASS cert_class = CKO_CERTIFICATE, pub_class = CKO_PUBLIC_KEY;
	struct pcf_match m = pcf_keys_match(&c->opt, &cert_class);
	char what[2 * PCF_ID_MAX + 512];
	CK_OBJECT_HANDLE *found = NULL;
	bool cert = true;
	CK_ULONG n = 0;
	int ret = pcf_keys_find(c, h, &m, &found, &n);

	if (ret == PCF_EXIT_OK && n == 0) {
		free(found);
		cert = false;
		m.cls = &pub_class;
		ret = pcf_keys_find(c, h, &m, &found, &n);
	}
	pcf_keys_describe(&c->opt, what, sizeof(what));
	if (ret == PCF_EXIT_OK && n == 0)
		ret = os_log_fail(PCF_EXIT_P11, "no certificate or public key with %s", what);
	else if (ret == PCF_EXIT_OK && n > 1)
		ret = os_log_fail(PCF_EXIT_USAGE, "%lu %s have %s: choose one with --id", n,
		                  cert ? "certificates" : "public keys", what);
	else if (ret == PCF_EXIT_OK)
		ret = export_write(c, h, found[0], cert);
	free(found);
	return ret;
}
