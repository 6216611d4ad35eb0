/*
 * Unit tests of the soft backend's Diffie-Hellman mechanisms: the RFC 7919
 * groups of CKM_DH_PKCS_PARAMETER_GEN, key pairs and agreement between
 * them, a shared secret of fixed private values checked against
 * OpenSSL's own DH, and the checks of imported keys and parameters.
 */
#include "soft-asym.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/param_build.h>

/* Domain parameters of CKA_PRIME_BITS bits, as C_GenerateKey builds them. */
static CK_RV dh_params(CK_ULONG bits, struct key *dom)
{
	CK_MECHANISM m = {CKM_DH_PKCS_PARAMETER_GEN, NULL, 0};

	key_init(dom, CKO_DOMAIN_PARAMETERS, CKK_DH);
	OK(tok_attrs_set_ulong(&dom->a, CKA_PRIME_BITS, bits));
	return be->generate_key(ctx, &m, &dom->a);
}

static void copy_attr(struct key *to, const struct key *from, CK_ATTRIBUTE_TYPE type)
{
	const CK_ATTRIBUTE *at = attr(from, type);

	OK(tok_attrs_set(&to->a, type, at->pValue, at->ulValueLen));
}

static CK_RV dh_pair(const struct key *dom, struct key *pub, struct key *priv)
{
	CK_MECHANISM m = {CKM_DH_PKCS_KEY_PAIR_GEN, NULL, 0};

	key_init(pub, CKO_PUBLIC_KEY, CKK_DH);
	key_init(priv, CKO_PRIVATE_KEY, CKK_DH);
	copy_attr(pub, dom, CKA_PRIME);
	copy_attr(pub, dom, CKA_BASE);
	return be->generate_key_pair(ctx, &m, &pub->a, &priv->a);
}

static CK_RV dh_derive(struct key *priv, const void *y, CK_ULONG ylen, CK_KEY_TYPE type,
                       CK_ULONG len, struct key *out)
{
	CK_MECHANISM m = {CKM_DH_PKCS_DERIVE, (void *)y, ylen};

	secret_template(out, type, len);
	return be->derive_key(ctx, &m, &priv->ref, NULL, &out->a);
}

void test_dh_params(void **state)
{
	/* RFC 7919 appendix A: each prime starts and ends with these bytes. */
	static const CK_BYTE head[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xad, 0xf8};
	static const CK_BYTE tail2048[] = {0x61, 0x28, 0x5c, 0x97, 0xff, 0xff, 0xff, 0xff};
	static const CK_ULONG sizes[] = {2048, 3072, 4096, 6144, 8192};
	struct key dom;

	for (size_t i = 0; i < LEN(sizes); i++) {
		const CK_ATTRIBUTE *p;

		OK(dh_params(sizes[i], &dom));
		p = attr(&dom, CKA_PRIME);
		assert_int_equal(p->ulValueLen, sizes[i] / 8);
		assert_memory_equal(p->pValue, head, sizeof(head));
		if (sizes[i] == 2048)
			assert_memory_equal((CK_BYTE *)p->pValue + 256 - 12, tail2048,
			                    sizeof(tail2048));
		assert_int_equal(attr(&dom, CKA_BASE)->ulValueLen, 1);
		assert_int_equal(*(CK_BYTE *)attr(&dom, CKA_BASE)->pValue, 2);
		OK(be->check_key(ctx, &dom.a));
		key_free(&dom);
	}
	assert_int_equal(dh_params(1024, &dom), CKR_KEY_SIZE_RANGE);
	key_free(&dom);
	assert_int_equal(dh_params(16384, &dom), CKR_KEY_SIZE_RANGE);
	key_free(&dom);
	assert_int_equal(dh_params(2560, &dom), CKR_ATTRIBUTE_VALUE_INVALID);
	key_free(&dom);
}

void test_dh_agree(void **state)
{
	struct key dom, pub1, priv1, pub2, priv2, k1, k2;
	const CK_ATTRIBUTE *y1, *y2;
	CK_ULONG bits;

	OK(dh_params(2048, &dom));
	OK(dh_pair(&dom, &pub1, &priv1));
	OK(dh_pair(&dom, &pub2, &priv2));
	assert_true(tok_attrs_get_ulong(&priv1.a, CKA_VALUE_BITS, &bits));
	assert_true(bits > 200 && bits <= 2048);
	assert_int_equal(attr(&priv1, CKA_PRIME)->ulValueLen, 256);
	y1 = attr(&pub1, CKA_VALUE);
	y2 = attr(&pub2, CKA_VALUE);
	/* The whole secret is as long as the prime; a length keeps its rightmost bytes. */
	OK(dh_derive(&priv1, y2->pValue, y2->ulValueLen, CKK_GENERIC_SECRET, 0, &k1));
	OK(dh_derive(&priv2, y1->pValue, y1->ulValueLen, CKK_GENERIC_SECRET, 0, &k2));
	assert_int_equal(attr(&k1, CKA_VALUE)->ulValueLen, 256);
	assert_memory_equal(attr(&k1, CKA_VALUE)->pValue, attr(&k2, CKA_VALUE)->pValue, 256);
	key_free(&k2);
	OK(dh_derive(&priv2, y1->pValue, y1->ulValueLen, CKK_AES, 32, &k2));
	assert_memory_equal(attr(&k2, CKA_VALUE)->pValue,
	                    (CK_BYTE *)attr(&k1, CKA_VALUE)->pValue + 256 - 32, 32);
	key_free(&k2);
	assert_int_equal(
	    dh_derive(&priv2, y1->pValue, y1->ulValueLen, CKK_GENERIC_SECRET, 257, &k2),
	    CKR_TEMPLATE_INCONSISTENT);
	key_free(&k2);
	/* Values of the other party that are no public key: 1, p - 1, p, and none. */
	{
		CK_BYTE bad[256];

		memcpy(bad, attr(&dom, CKA_PRIME)->pValue, 256);
		assert_int_equal(dh_derive(&priv1, bad, 256, CKK_GENERIC_SECRET, 0, &k2),
		                 CKR_MECHANISM_PARAM_INVALID);
		key_free(&k2);
		bad[255] -= 1;
		assert_int_equal(dh_derive(&priv1, bad, 256, CKK_GENERIC_SECRET, 0, &k2),
		                 CKR_MECHANISM_PARAM_INVALID);
		key_free(&k2);
		assert_int_equal(dh_derive(&priv1, "\x01", 1, CKK_GENERIC_SECRET, 0, &k2),
		                 CKR_MECHANISM_PARAM_INVALID);
		key_free(&k2);
		assert_int_equal(dh_derive(&priv1, NULL, 0, CKK_GENERIC_SECRET, 0, &k2),
		                 CKR_MECHANISM_PARAM_INVALID);
		key_free(&k2);
	}
	/* The public key is no base for a derivation. */
	assert_int_equal(dh_derive(&pub1, y2->pValue, y2->ulValueLen, CKK_GENERIC_SECRET, 0, &k2),
	                 CKR_KEY_TYPE_INCONSISTENT);
	key_free(&k2);
	key_free(&k1);
	key_free(&pub1);
	key_free(&priv1);
	key_free(&pub2);
	key_free(&priv2);
	key_free(&dom);
}

void test_dh_generate_errors(void **state)
{
	static const CK_BYTE small_p[128] = {0xff, [127] = 0xc7};
	struct key dom, pub, priv;
	CK_ULONG bits;

	/* A prime below 2048 bits. */
	key_init(&dom, CKO_DOMAIN_PARAMETERS, CKK_DH);
	OK(tok_attrs_set(&dom.a, CKA_PRIME, small_p, sizeof(small_p)));
	OK(tok_attrs_set(&dom.a, CKA_BASE, "\x02", 1));
	assert_int_equal(dh_pair(&dom, &pub, &priv), CKR_KEY_SIZE_RANGE);
	assert_int_equal(be->check_key(ctx, &dom.a), CKR_ATTRIBUTE_VALUE_INVALID);
	key_free(&pub);
	key_free(&priv);
	key_free(&dom);
	/* CKA_VALUE_BITS of the private template sets the length of x. */
	OK(dh_params(3072, &dom));
	key_init(&pub, CKO_PUBLIC_KEY, CKK_DH);
	key_init(&priv, CKO_PRIVATE_KEY, CKK_DH);
	copy_attr(&pub, &dom, CKA_PRIME);
	copy_attr(&pub, &dom, CKA_BASE);
	OK(tok_attrs_set_ulong(&priv.a, CKA_VALUE_BITS, 400));
	{
		CK_MECHANISM m = {CKM_DH_PKCS_KEY_PAIR_GEN, NULL, 0};

		OK(be->generate_key_pair(ctx, &m, &pub.a, &priv.a));
		assert_true(tok_attrs_get_ulong(&priv.a, CKA_VALUE_BITS, &bits));
		assert_int_equal(bits, 400);
		assert_true(attr(&priv, CKA_VALUE)->ulValueLen <= 50);
		key_free(&pub);
		key_free(&priv);
		/* A base of 1 generates nothing. */
		key_init(&pub, CKO_PUBLIC_KEY, CKK_DH);
		key_init(&priv, CKO_PRIVATE_KEY, CKK_DH);
		copy_attr(&pub, &dom, CKA_PRIME);
		OK(tok_attrs_set(&pub.a, CKA_BASE, "\x01", 1));
		assert_int_equal(be->generate_key_pair(ctx, &m, &pub.a, &priv.a),
		                 CKR_ATTRIBUTE_VALUE_INVALID);
		m.pParameter = "x";
		m.ulParameterLen = 1;
		assert_int_equal(be->generate_key_pair(ctx, &m, &pub.a, &priv.a),
		                 CKR_MECHANISM_PARAM_INVALID);
	}
	key_free(&pub);
	key_free(&priv);
	key_free(&dom);
}

/* An OpenSSL key of the group ffdhe2048 with the private value x. */
static EVP_PKEY *ossl_dh(const BIGNUM *p, const BIGNUM *g, const BIGNUM *x)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	BN_CTX *bctx = BN_CTX_new();
	BIGNUM *y = BN_new();
	OSSL_PARAM *params;
	EVP_PKEY *pkey = NULL;

	assert_int_equal(BN_mod_exp(y, g, x, p, bctx), 1);
	assert_int_equal(
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "ffdhe2048", 0), 1);
	assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, x), 1);
	assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y), 1);
	params = OSSL_PARAM_BLD_to_param(bld);
	assert_int_equal(EVP_PKEY_fromdata_init(pctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_KEYPAIR, params), 1);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(pctx);
	BN_CTX_free(bctx);
	BN_free(y);
	return pkey;
}

/*
 * Fixed private values a and b on ffdhe2048: the token's secret of a with
 * B = g^b is OpenSSL's DH of b with A = g^a, padded to 256 bytes.
 */
void test_dh_kat(void **state)
{
	static const char *const xa =
	    "5d1c2a0e3b7f40196ab7c38e22f1d94e77a1c0dd93b4e8f1a7c5d3e2f1b0a99";
	static const char *const xb =
	    "41e3a7b9c2d5f0e8172a6b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7";
	CK_BYTE a[64], b[64], ya[256], z[256];
	size_t alen = hex(xa, a), blen = hex(xb, b), zlen = sizeof(z);
	struct key dom, priv, out;
	BIGNUM *p = NULL, *g = NULL, *xb_bn = BN_bin2bn(b, (int)blen, NULL);
	BIGNUM *xa_bn = BN_bin2bn(a, (int)alen, NULL);
	EVP_PKEY *mine, *peer;
	EVP_PKEY_CTX *dctx;

	OK(dh_params(2048, &dom));
	p = BN_bin2bn(attr(&dom, CKA_PRIME)->pValue, 256, NULL);
	g = BN_bin2bn(attr(&dom, CKA_BASE)->pValue, 1, NULL);
	mine = ossl_dh(p, g, xb_bn);
	peer = ossl_dh(p, g, xa_bn);
	dctx = EVP_PKEY_CTX_new(mine, NULL);
	assert_int_equal(EVP_PKEY_derive_init(dctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_dh_pad(dctx, 1), 1);
	assert_int_equal(EVP_PKEY_derive_set_peer(dctx, peer), 1);
	assert_int_equal(EVP_PKEY_derive(dctx, z, &zlen), 1);
	assert_int_equal(zlen, 256);

	key_init(&priv, CKO_PRIVATE_KEY, CKK_DH);
	copy_attr(&priv, &dom, CKA_PRIME);
	copy_attr(&priv, &dom, CKA_BASE);
	OK(tok_attrs_set(&priv.a, CKA_VALUE, b, blen));
	OK(be->check_key(ctx, &priv.a));
	{
		BN_CTX *bctx = BN_CTX_new();
		BIGNUM *y = BN_new();

		assert_int_equal(BN_mod_exp(y, g, xa_bn, p, bctx), 1);
		assert_int_equal(BN_bn2binpad(y, ya, 256), 256);
		BN_free(y);
		BN_CTX_free(bctx);
	}
	OK(dh_derive(&priv, ya, 256, CKK_GENERIC_SECRET, 0, &out));
	assert_int_equal(attr(&out, CKA_VALUE)->ulValueLen, 256);
	assert_memory_equal(attr(&out, CKA_VALUE)->pValue, z, 256);
	key_free(&out);

	EVP_PKEY_CTX_free(dctx);
	EVP_PKEY_free(mine);
	EVP_PKEY_free(peer);
	BN_free(p);
	BN_free(g);
	BN_free(xa_bn);
	BN_free(xb_bn);
	key_free(&priv);
	key_free(&dom);
}

void test_dh_check_key(void **state)
{
	struct key dom, k;

	OK(dh_params(2048, &dom));
	/* Public values 1 and p are refused; g itself is a valid one. */
	key_init(&k, CKO_PUBLIC_KEY, CKK_DH);
	copy_attr(&k, &dom, CKA_PRIME);
	copy_attr(&k, &dom, CKA_BASE);
	OK(tok_attrs_set(&k.a, CKA_VALUE, "\x01", 1));
	assert_int_equal(be->check_key(ctx, &k.a), CKR_ATTRIBUTE_VALUE_INVALID);
	copy_attr(&k, &dom, CKA_PRIME);
	OK(tok_attrs_set(&k.a, CKA_VALUE, attr(&dom, CKA_PRIME)->pValue, 256));
	assert_int_equal(be->check_key(ctx, &k.a), CKR_ATTRIBUTE_VALUE_INVALID);
	OK(tok_attrs_set(&k.a, CKA_VALUE, "\x02", 1));
	OK(be->check_key(ctx, &k.a));
	/* An even "prime". */
	{
		CK_BYTE even[256];

		memcpy(even, attr(&dom, CKA_PRIME)->pValue, 256);
		even[255] ^= 1;
		OK(tok_attrs_set(&k.a, CKA_PRIME, even, 256));
		assert_int_equal(be->check_key(ctx, &k.a), CKR_ATTRIBUTE_VALUE_INVALID);
	}
	key_free(&k);
	/* A private value of 0. */
	key_init(&k, CKO_PRIVATE_KEY, CKK_DH);
	copy_attr(&k, &dom, CKA_PRIME);
	copy_attr(&k, &dom, CKA_BASE);
	OK(tok_attrs_set(&k.a, CKA_VALUE, "\x00", 1));
	assert_int_equal(be->check_key(ctx, &k.a), CKR_ATTRIBUTE_VALUE_INVALID);
	key_free(&k);
	key_free(&dom);
}
