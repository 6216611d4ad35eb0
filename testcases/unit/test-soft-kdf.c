/*
 * Unit tests of the soft backend's key derivation functions
 * (usr/lib/tokens/soft/kdf*.c): HKDF, PBKDF2, the SP 800-108 counter KDF,
 * and the X9.63 KDF of ECDH, driven through the backend's ops table as
 * the library drives them (soft-sym-util.c loads libtoken_soft.so).
 *
 * The answers are published vectors: RFC 5869 appendix A (HKDF, all seven
 * cases), RFC 6070 (PBKDF2-HMAC-SHA1) and RFC 7914 section 11
 * (PBKDF2-HMAC-SHA256), NIST CAVP KDFCTR (SP 800-108 counter mode, HMAC),
 * and NIST CAVP ECC CDH P-256 COUNT 0 for the ECDH shared secret.  Where no published vector
 * fits a shape the mechanism allows (a CMAC PRF with a 32-bit counter, a
 * DKM length field, the X9.63 KDF over that ECDH secret with each hash),
 * the expected value was computed with the Python "cryptography" package
 * and hashlib, whose results reproduce the published vectors above.
 */
#include "soft-sym.h"

#include <string.h>

#define OK(x) assert_int_equal((x), CKR_OK)

/* ---- HKDF ---- */

struct hkdf_kat {
	CK_MECHANISM_TYPE hash;
	const char *ikm, *salt, *info; /* salt NULL: not given (CKF_HKDF_SALT_NULL) */
	CK_ULONG len;
	const char *prk, *okm;
};

#define RANGE_00_4F                                                        \
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" \
	"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f" \
	"404142434445464748494a4b4c4d4e4f"
#define RANGE_60_AF                                                        \
	"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f" \
	"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f" \
	"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
#define RANGE_B0_FF                                                        \
	"b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf" \
	"d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef" \
	"f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"
#define IKM_0B22 "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"

/* RFC 5869, appendix A: test cases 1-3 (SHA-256) and 4-7 (SHA-1). */
static const struct hkdf_kat hkdf_kats[] = {
    {CKM_SHA256, IKM_0B22, "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9", 42,
     "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
     "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"},
    {CKM_SHA256, RANGE_00_4F, RANGE_60_AF, RANGE_B0_FF, 82,
     "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
     "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c6"
     "5e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87"},
    {CKM_SHA256, IKM_0B22, "", "", 42,
     "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
     "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"},
    {CKM_SHA_1, "0b0b0b0b0b0b0b0b0b0b0b", "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9", 42,
     "9b6c18c432a7bf8f0e71c8eb88f4b30baa2ba243",
     "085a01ea1b10f36933068b56efa5ad81a4f14b822f5b091568a9cdd4f155fda2c22e422478d305f3f896"},
    {CKM_SHA_1, RANGE_00_4F, RANGE_60_AF, RANGE_B0_FF, 82,
     "8adae09a2a307059478d309b26c4115a224cfaf6",
     "0bd770a74d1160f7c9f12cd5912a06ebff6adcae899d92191fe4305673ba2ffe8fa3f1a4e5ad79f3f334b3b2"
     "02b2173c486ea37ce3d397ed034c7f9dfeb15c5e927336d0441f4c4300e2cff0d0900b52d3b4"},
    {CKM_SHA_1, IKM_0B22, "", "", 42, "da8c8a73c7fa77288ec6f5e7c297786aa0d32d01",
     "0ac1af7002b3d761d1e55298da9d0506b9ae52057220a306e07b6b87e8df21d0ea00033de03984d34918"},
    {CKM_SHA_1, "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c", NULL, "", 42,
     "2adccada18779e7c2077ad2eb19d3f3e731385dd",
     "2c91117204d745f3500d636a62f64f0ab3bae548aa53d423b0d1f27ebba6f5e5673a081d70cce7acfc48"},
};

/* Bytes decoded from hex, kept for a parameter that points at them. */
struct hexbuf {
	CK_BYTE b[BUF_MAX];
	CK_ULONG n;
};

static CK_BYTE *hexbuf(struct hexbuf *h, const char *hex)
{
	h->n = unhex(hex, h->b);
	return h->b;
}

/* The attributes of a new object of class cls (secret keys: type) with CKA_VALUE_LEN len (0: none). */
static void out_template(struct tok_attrs *a, CK_OBJECT_CLASS cls, CK_KEY_TYPE type, CK_ULONG len)
{
	tok_attrs_init(a);
	OK(tok_attrs_set_ulong(a, CKA_CLASS, cls));
	if (cls == CKO_SECRET_KEY)
		OK(tok_attrs_set_ulong(a, CKA_KEY_TYPE, type));
	if (len)
		OK(tok_attrs_set_ulong(a, CKA_VALUE_LEN, len));
}

static void assert_value(const struct tok_attrs *a, const char *hex)
{
	CK_BYTE want[BUF_MAX];
	size_t n = unhex(hex, want);
	const CK_ATTRIBUTE *v = tok_attrs_find(a, CKA_VALUE);

	assert_non_null(v);
	assert_int_equal(v->ulValueLen, n);
	assert_memory_equal(v->pValue, want, n);
}

static CK_RV derive(CK_MECHANISM_TYPE type, void *param, CK_ULONG len, struct tkey *base,
                    struct tkey *param_key, struct tok_attrs *out)
{
	CK_MECHANISM m = {type, param, len};

	return be.ops->derive_key(be.ctx, &m, &base->k, param_key ? &param_key->k : NULL, out);
}

/* CK_HKDF_PARAMS for k: salt as data (NULL: none). */
static CK_HKDF_PARAMS hkdf_params(const struct hkdf_kat *k, bool extract, bool expand,
                                  struct hexbuf *salt, struct hexbuf *info)
{
	CK_HKDF_PARAMS p = {extract, expand, k->hash, CKF_HKDF_SALT_NULL, NULL, 0, 0, NULL, 0};

	if (k->salt && *k->salt) {
		p.ulSaltType = CKF_HKDF_SALT_DATA;
		p.pSalt = hexbuf(salt, k->salt);
		p.ulSaltLen = salt->n;
	}
	p.pInfo = hexbuf(info, k->info);
	p.ulInfoLen = info->n;
	return p;
}

/* Extract and expand, extract alone (the PRK), expand alone from the PRK. */
static void test_hkdf_rfc5869(void **state)
{
	for (size_t i = 0; i < N_ELEM(hkdf_kats); i++) {
		const struct hkdf_kat *k = &hkdf_kats[i];
		struct hexbuf salt, info;
		struct tkey ikm, prk;
		struct tok_attrs out;
		CK_HKDF_PARAMS p = hkdf_params(k, true, true, &salt, &info);

		tkey_hex(&ikm, CKK_GENERIC_SECRET, k->ikm);
		out_template(&out, CKO_SECRET_KEY, CKK_GENERIC_SECRET, k->len);
		OK(derive(CKM_HKDF_DERIVE, &p, sizeof(p), &ikm, NULL, &out));
		assert_value(&out, k->okm);
		tok_attrs_free(&out);

		p.bExpand = CK_FALSE;
		out_template(&out, CKO_SECRET_KEY, CKK_GENERIC_SECRET, 0);
		OK(derive(CKM_HKDF_DERIVE, &p, sizeof(p), &ikm, NULL, &out));
		assert_value(&out, k->prk);
		tok_attrs_free(&out);

		tkey_hex(&prk, CKK_HKDF, k->prk);
		p = hkdf_params(k, false, true, &salt, &info);
		out_template(&out, CKO_SECRET_KEY, CKK_GENERIC_SECRET, k->len);
		OK(derive(CKM_HKDF_DERIVE, &p, sizeof(p), &prk, NULL, &out));
		assert_value(&out, k->okm);
		tok_attrs_free(&out);
		tkey_free(&prk);
		tkey_free(&ikm);
	}
}

/* The salt from a key (test case 1), and CKM_HKDF_DATA making a data object. */
static void test_hkdf_salt_key_and_data(void **state)
{
	const struct hkdf_kat *k = &hkdf_kats[0];
	struct hexbuf salt, info;
	struct tkey ikm, skey;
	struct tok_attrs out;
	CK_HKDF_PARAMS p = hkdf_params(k, true, true, &salt, &info);

	tkey_hex(&ikm, CKK_GENERIC_SECRET, k->ikm);
	tkey_hex(&skey, CKK_GENERIC_SECRET, k->salt);
	p.ulSaltType = CKF_HKDF_SALT_KEY;
	p.pSalt = NULL;
	p.ulSaltLen = 0;
	p.hSaltKey = 12345; /* resolved by the common layer, never read here */
	out_template(&out, CKO_SECRET_KEY, CKK_AES, 32);
	OK(derive(CKM_HKDF_DERIVE, &p, sizeof(p), &ikm, &skey, &out));
	assert_value(&out, "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf");
	tok_attrs_free(&out);
	out_template(&out, CKO_SECRET_KEY, CKK_GENERIC_SECRET, 42);
	assert_int_equal(derive(CKM_HKDF_DERIVE, &p, sizeof(p), &ikm, NULL, &out),
	                 CKR_MECHANISM_PARAM_INVALID);
	tok_attrs_free(&out);

	out_template(&out, CKO_DATA, 0, 42);
	OK(derive(CKM_HKDF_DATA, &p, sizeof(p), &ikm, &skey, &out));
	assert_value(&out, k->okm);
	tok_attrs_free(&out);
	out_template(&out, CKO_DATA, 0, 0);
	OK(derive(CKM_HKDF_DATA, &p, sizeof(p), &ikm, &skey, &out));
	assert_value(&out, "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf");
	tok_attrs_free(&out);
	tkey_free(&skey);
	tkey_free(&ikm);
}

static void test_hkdf_errors(void **state)
{
	const struct hkdf_kat *k = &hkdf_kats[0];
	struct hexbuf salt, info;
	struct tkey ikm, aes, salty;
	struct tok_attrs out;
	CK_HKDF_PARAMS p = hkdf_params(k, true, true, &salt, &info), q;

	tkey_hex(&ikm, CKK_GENERIC_SECRET, k->ikm);
	tkey_hex(&aes, CKK_AES, SP38A_K128);
	tkey_hex(&salty, CKK_GENERIC_SECRET, "00");
	out_template(&out, CKO_SECRET_KEY, CKK_GENERIC_SECRET, 42);
	assert_int_equal(derive(CKM_HKDF_DERIVE, &p, sizeof(p) - 1, &ikm, NULL, &out),
	                 CKR_MECHANISM_PARAM_INVALID);
	assert_int_equal(derive(CKM_HKDF_DERIVE, NULL, 0, &ikm, NULL, &out),
	                 CKR_MECHANISM_PARAM_INVALID);
	q = p, q.bExtract = q.bExpand = CK_FALSE;
	assert_int_equal(derive(CKM_HKDF_DERIVE, &q, sizeof(q), &ikm, NULL, &out),
	                 CKR_MECHANISM_PARAM_INVALID);
	q = p, q.prfHashMechanism = CKM_SHA256_HMAC;
	assert_int_equal(derive(CKM_HKDF_DERIVE, &q, sizeof(q), &ikm, NULL, &out),
	                 CKR_MECHANISM_PARAM_INVALID);
	q = p, q.ulSaltType = 8;
	assert_int_equal(derive(CKM_HKDF_DERIVE, &q, sizeof(q), &ikm, NULL, &out),
	                 CKR_MECHANISM_PARAM_INVALID);
	q = p, q.pSalt = NULL;
	assert_int_equal(derive(CKM_HKDF_DERIVE, &q, sizeof(q), &ikm, NULL, &out),
	                 CKR_MECHANISM_PARAM_INVALID);
	q = p, q.pInfo = NULL;
	assert_int_equal(derive(CKM_HKDF_DERIVE, &q, sizeof(q), &ikm, NULL, &out),
	                 CKR_MECHANISM_PARAM_INVALID);
	/* A salt key where the parameter names none. */
	assert_int_equal(derive(CKM_HKDF_DERIVE, &p, sizeof(p), &ikm, &salty, &out), CKR_OK);
	assert_int_equal(derive(CKM_HKDF_DERIVE, &p, sizeof(p), &aes, NULL, &out),
	                 CKR_KEY_TYPE_INCONSISTENT);
	tok_attrs_free(&out);
	/* Extract alone makes exactly one hash length; expand alone needs a PRK that long. */
	q = p, q.bExpand = CK_FALSE;
	out_template(&out, CKO_SECRET_KEY, CKK_GENERIC_SECRET, 31);
	assert_int_equal(derive(CKM_HKDF_DERIVE, &q, sizeof(q), &ikm, NULL, &out),
	                 CKR_TEMPLATE_INCONSISTENT);
	tok_attrs_free(&out);
	q = p, q.bExtract = CK_FALSE;
	out_template(&out, CKO_SECRET_KEY, CKK_GENERIC_SECRET, 42);
	assert_int_equal(derive(CKM_HKDF_DERIVE, &q, sizeof(q), &ikm, NULL, &out),
	                 CKR_KEY_SIZE_RANGE);
	tok_attrs_free(&out);
	out_template(&out, CKO_SECRET_KEY, CKK_GENERIC_SECRET, 255 * 32 + 1);
	assert_int_equal(derive(CKM_HKDF_DERIVE, &p, sizeof(p), &ikm, NULL, &out),
	                 CKR_TEMPLATE_INCONSISTENT);
	tok_attrs_free(&out);
	out_template(&out, CKO_DATA, 0, 0);
	OK(tok_attrs_set_ulong(&out, CKA_VALUE_LEN, 0));
	assert_int_equal(derive(CKM_HKDF_DATA, &p, sizeof(p), &ikm, NULL, &out),
	                 CKR_TEMPLATE_INCONSISTENT);
	tok_attrs_free(&out);
	out_template(&out, CKO_SECRET_KEY, CKK_AES, 20);
	assert_int_equal(derive(CKM_HKDF_DERIVE, &p, sizeof(p), &ikm, NULL, &out),
	                 CKR_TEMPLATE_INCONSISTENT);
	tok_attrs_free(&out);
	tkey_free(&salty);
	tkey_free(&aes);
	tkey_free(&ikm);
}

static void test_hkdf_key_gen(void **state)
{
	CK_MECHANISM m = {CKM_HKDF_KEY_GEN, NULL, 0};
	struct tok_attrs key;
	const CK_ATTRIBUTE *v;

	out_template(&key, CKO_SECRET_KEY, CKK_HKDF, 48);
	OK(be.ops->generate_key(be.ctx, &m, &key));
	v = tok_attrs_find(&key, CKA_VALUE);
	assert_non_null(v);
	assert_int_equal(v->ulValueLen, 48);
	tok_attrs_free(&key);
	out_template(&key, CKO_SECRET_KEY, CKK_HKDF, 0);
	assert_int_equal(be.ops->generate_key(be.ctx, &m, &key), CKR_TEMPLATE_INCOMPLETE);
	tok_attrs_free(&key);
	out_template(&key, CKO_SECRET_KEY, CKK_AES, 16);
	assert_int_equal(be.ops->generate_key(be.ctx, &m, &key), CKR_TEMPLATE_INCONSISTENT);
	tok_attrs_free(&key);
}

/* ---- PBKDF2 ---- */

struct pbkdf2_kat {
	CK_ULONG prf;
	const char *password;
	size_t pwlen;
	const char *salt;
	size_t saltlen;
	CK_ULONG iterations;
	const char *dk;
};

/* RFC 6070 (all but the 16777216-iteration case) and RFC 7914, section 11. */
static const struct pbkdf2_kat pbkdf2_kats[] = {
    {CKP_PKCS5_PBKD2_HMAC_SHA1, "password", 8, "salt", 4, 1,
     "0c60c80f961f0e71f3a9b524af6012062fe037a6"},
    {CKP_PKCS5_PBKD2_HMAC_SHA1, "password", 8, "salt", 4, 2,
     "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"},
    {CKP_PKCS5_PBKD2_HMAC_SHA1, "password", 8, "salt", 4, 4096,
     "4b007901b765489abead49d926f721d065a429c1"},
    {CKP_PKCS5_PBKD2_HMAC_SHA1, "passwordPASSWORDpassword", 24,
     "saltSALTsaltSALTsaltSALTsaltSALTsalt", 36, 4096,
     "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038"},
    {CKP_PKCS5_PBKD2_HMAC_SHA1, "pass\0word", 9, "sa\0lt", 5, 4096,
     "56fa6aa75548099dcc37d7f03425e0c3"},
    {CKP_PKCS5_PBKD2_HMAC_SHA256, "passwd", 6, "salt", 4, 1,
     "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
     "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"},
    {CKP_PKCS5_PBKD2_HMAC_SHA256, "Password", 8, "NaCl", 4, 80000,
     "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
     "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d"},
};

static CK_RV pbkdf2_gen(void *param, CK_ULONG len, CK_KEY_TYPE type, CK_ULONG value_len,
                        struct tok_attrs *key)
{
	CK_MECHANISM m = {CKM_PKCS5_PBKD2, param, len};

	out_template(key, CKO_SECRET_KEY, type, value_len);
	return be.ops->generate_key(be.ctx, &m, key);
}

/* Each vector with the 3.0 layout and with the 2.40 one (password length by pointer). */
static void test_pbkdf2_vectors(void **state)
{
	for (size_t i = 0; i < N_ELEM(pbkdf2_kats); i++) {
		const struct pbkdf2_kat *k = &pbkdf2_kats[i];
		CK_ULONG dklen = strlen(k->dk) / 2, pwlen = k->pwlen;
		CK_PKCS5_PBKD2_PARAMS2 p2 = {CKZ_SALT_SPECIFIED,
		                             (void *)k->salt,
		                             k->saltlen,
		                             k->iterations,
		                             k->prf,
		                             NULL,
		                             0,
		                             (CK_BYTE *)k->password,
		                             pwlen};
		CK_PKCS5_PBKD2_PARAMS p1 = {CKZ_SALT_SPECIFIED,
		                            (void *)k->salt,
		                            k->saltlen,
		                            k->iterations,
		                            k->prf,
		                            NULL,
		                            0,
		                            (CK_BYTE *)k->password,
		                            &pwlen};
		struct tok_attrs key;

		OK(pbkdf2_gen(&p2, sizeof(p2), CKK_GENERIC_SECRET, dklen, &key));
		assert_value(&key, k->dk);
		tok_attrs_free(&key);
		if (k->iterations > 4096)
			continue; /* once is enough for the slow one */
		OK(pbkdf2_gen(&p1, sizeof(p1), CKK_GENERIC_SECRET, dklen, &key));
		assert_value(&key, k->dk);
		tok_attrs_free(&key);
	}
}

static void test_pbkdf2_errors(void **state)
{
	const struct pbkdf2_kat *k = &pbkdf2_kats[0];
	CK_PKCS5_PBKD2_PARAMS2 p = {
	    CKZ_SALT_SPECIFIED,     (void *)k->salt, k->saltlen, 1, k->prf, NULL, 0,
	    (CK_BYTE *)k->password, k->pwlen};
	CK_PKCS5_PBKD2_PARAMS2 q;
	CK_ULONG big = 5000;
	CK_PKCS5_PBKD2_PARAMS r = {CKZ_SALT_SPECIFIED,
	                           (void *)k->salt,
	                           k->saltlen,
	                           1,
	                           k->prf,
	                           NULL,
	                           0,
	                           (CK_BYTE *)k->password,
	                           &big};
	struct tok_attrs key;

	/* An AES key takes the first 16 bytes of the derived key. */
	OK(pbkdf2_gen(&p, sizeof(p), CKK_AES, 16, &key));
	assert_value(&key, "0c60c80f961f0e71f3a9b524af601206");
	tok_attrs_free(&key);
	assert_int_equal(pbkdf2_gen(&p, sizeof(p), CKK_AES, 20, &key), CKR_TEMPLATE_INCONSISTENT);
	tok_attrs_free(&key);
	assert_int_equal(pbkdf2_gen(&p, sizeof(p), CKK_GENERIC_SECRET, 0, &key),
	                 CKR_TEMPLATE_INCOMPLETE);
	tok_attrs_free(&key);
	assert_int_equal(pbkdf2_gen(&p, sizeof(p) - 1, CKK_GENERIC_SECRET, 20, &key),
	                 CKR_MECHANISM_PARAM_INVALID);
	tok_attrs_free(&key);
	assert_int_equal(pbkdf2_gen(&r, sizeof(r), CKK_GENERIC_SECRET, 20, &key),
	                 CKR_MECHANISM_PARAM_INVALID);
	tok_attrs_free(&key);
	q = p, q.ulPasswordLen = 4097;
	assert_int_equal(pbkdf2_gen(&q, sizeof(q), CKK_GENERIC_SECRET, 20, &key),
	                 CKR_MECHANISM_PARAM_INVALID);
	tok_attrs_free(&key);
	q = p, q.saltSource = 2;
	assert_int_equal(pbkdf2_gen(&q, sizeof(q), CKK_GENERIC_SECRET, 20, &key),
	                 CKR_MECHANISM_PARAM_INVALID);
	tok_attrs_free(&key);
	q = p, q.prf = CKP_PKCS5_PBKD2_HMAC_GOSTR3411;
	assert_int_equal(pbkdf2_gen(&q, sizeof(q), CKK_GENERIC_SECRET, 20, &key),
	                 CKR_MECHANISM_PARAM_INVALID);
	tok_attrs_free(&key);
	q = p, q.iterations = 0;
	assert_int_equal(pbkdf2_gen(&q, sizeof(q), CKK_GENERIC_SECRET, 20, &key),
	                 CKR_MECHANISM_PARAM_INVALID);
	tok_attrs_free(&key);
	q = p, q.pSaltSourceData = NULL;
	assert_int_equal(pbkdf2_gen(&q, sizeof(q), CKK_GENERIC_SECRET, 20, &key),
	                 CKR_MECHANISM_PARAM_INVALID);
	tok_attrs_free(&key);
	q = p, q.pPassword = NULL;
	assert_int_equal(pbkdf2_gen(&q, sizeof(q), CKK_GENERIC_SECRET, 20, &key),
	                 CKR_MECHANISM_PARAM_INVALID);
	tok_attrs_free(&key);
}

/* ---- SP 800-108 counter mode ---- */

/* NIST CAVP KDFCTR_gen.txt, [PRF=HMAC_SHA256] [CTRLOCATION=BEFORE_FIXED] [RLEN=32_BITS] COUNT=0. */
#define KBKDF_KI "dd1d91b7d90b2bd3138533ce92b272fbf8a369316aefe242e659cc0ae238afe0"
#define KBKDF_FIXED                                                        \
	"01322b96b30acd197979444e468e1c5c6859bf1b1cf951b7e725303e237e46b8" \
	"64a145fab25e517b08f8683d0315bb2911d80a0e8aba17f3b413faac"
#define KBKDF_KO "10621342bfb0fd40046c0e29f2cfdbf0"

/* The CAVP key and fixed input of the CMAC_AES128 cases, with a 32-bit counter. */
#define KBKDF_CMAC_KI "dff1e50ac0b69dc40f1051d46c2b069c"
#define KBKDF_CMAC_FIXED                                                   \
	"c16e6e02c5a3dcc8d78b9ac1306877761310455b4e41469951d9e6c2245a064b" \
	"33fd8c3b01203a7824485bf0a64060c4648b707d2607935699316ea5"
#define KBKDF_CMAC_KO                                                      \
	"0447438c355f2f8b0aa404ebdf5d7373d62efae839be8e1eef78a86ff09a6467" \
	"94523362bc093376"

struct kbkdf {
	CK_SP800_108_COUNTER_FORMAT ctr;
	CK_SP800_108_DKM_LENGTH_FORMAT dkm;
	CK_PRF_DATA_PARAM data[4];
	CK_SP800_108_KDF_PARAMS p;
	struct hexbuf fixed;
};

/* Counter, the fixed input split in two byte arrays, and optionally the DKM length. */
static CK_SP800_108_KDF_PARAMS *kbkdf_params(struct kbkdf *k, CK_MECHANISM_TYPE prf,
                                             const char *fixed, bool dkm)
{
	CK_BYTE *f = hexbuf(&k->fixed, fixed);

	k->ctr = (CK_SP800_108_COUNTER_FORMAT){CK_FALSE, 32};
	k->dkm =
	    (CK_SP800_108_DKM_LENGTH_FORMAT){CK_SP800_108_DKM_LENGTH_SUM_OF_KEYS, CK_FALSE, 32};
	k->data[0] = (CK_PRF_DATA_PARAM){CK_SP800_108_ITERATION_VARIABLE, &k->ctr, sizeof(k->ctr)};
	k->data[1] = (CK_PRF_DATA_PARAM){CK_SP800_108_BYTE_ARRAY, f, 7};
	k->data[2] = (CK_PRF_DATA_PARAM){CK_SP800_108_BYTE_ARRAY, f + 7, k->fixed.n - 7};
	k->data[3] = (CK_PRF_DATA_PARAM){CK_SP800_108_DKM_LENGTH, &k->dkm, sizeof(k->dkm)};
	k->p = (CK_SP800_108_KDF_PARAMS){prf, dkm ? 4 : 3, k->data, 0, NULL};
	return &k->p;
}

static void test_kbkdf_vectors(void **state)
{
	struct kbkdf k;
	struct tkey hkey, ckey;
	struct tok_attrs out;
	CK_SP800_108_KDF_PARAMS *p = kbkdf_params(&k, CKM_SHA256_HMAC, KBKDF_FIXED, false);

	tkey_hex(&hkey, CKK_GENERIC_SECRET, KBKDF_KI);
	out_template(&out, CKO_SECRET_KEY, CKK_AES, 16);
	OK(derive(CKM_SP800_108_COUNTER_KDF, p, sizeof(*p), &hkey, NULL, &out));
	assert_value(&out, KBKDF_KO);
	tok_attrs_free(&out);

	tkey_hex(&ckey, CKK_AES, KBKDF_CMAC_KI);
	p = kbkdf_params(&k, CKM_AES_CMAC, KBKDF_CMAC_FIXED, false);
	out_template(&out, CKO_SECRET_KEY, CKK_GENERIC_SECRET, 40);
	OK(derive(CKM_SP800_108_COUNTER_KDF, p, sizeof(*p), &ckey, NULL, &out));
	assert_value(&out, KBKDF_CMAC_KO);
	tok_attrs_free(&out);

	/* HMAC-SHA256 over counter || "label" || "ctx" || [320]_32. */
	tkey_free(&hkey);
	tkey_hex(&hkey, CKK_GENERIC_SECRET,
	         "6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b");
	p = kbkdf_params(&k, CKM_SHA256_HMAC, "6c6162656c637478", true);
	out_template(&out, CKO_SECRET_KEY, CKK_GENERIC_SECRET, 40);
	OK(derive(CKM_SP800_108_COUNTER_KDF, p, sizeof(*p), &hkey, NULL, &out));
	assert_value(&out, "70d7c0e9894508047309f884a32ee929a93e5d7650d179a9e04bb688970a1c78"
	                   "6acdb8ab1a177a16");
	tok_attrs_free(&out);
	tkey_free(&ckey);
	tkey_free(&hkey);
}

static CK_RV kbkdf_rv(struct kbkdf *k, struct tkey *key, CK_ULONG len)
{
	struct tok_attrs out;
	CK_RV rv;

	out_template(&out, CKO_SECRET_KEY, CKK_GENERIC_SECRET, len);
	rv = derive(CKM_SP800_108_COUNTER_KDF, &k->p, sizeof(k->p), key, NULL, &out);
	tok_attrs_free(&out);
	return rv;
}

/* Shapes OpenSSL cannot express are refused, not computed differently. */
static void test_kbkdf_shapes(void **state)
{
	struct kbkdf k;
	struct tkey key, aes;
	CK_DERIVED_KEY extra = {0};

	tkey_hex(&key, CKK_GENERIC_SECRET, KBKDF_KI);
	tkey_hex(&aes, CKK_AES, KBKDF_CMAC_KI);
	kbkdf_params(&k, CKM_SHA256_HMAC, KBKDF_FIXED, true);
	OK(kbkdf_rv(&k, &key, 16));
	k.ctr.ulWidthInBits = 16;
	assert_int_equal(kbkdf_rv(&k, &key, 16), CKR_MECHANISM_PARAM_INVALID);
	k.ctr.ulWidthInBits = 32, k.ctr.bLittleEndian = CK_TRUE;
	assert_int_equal(kbkdf_rv(&k, &key, 16), CKR_MECHANISM_PARAM_INVALID);
	k.ctr.bLittleEndian = CK_FALSE, k.dkm.ulWidthInBits = 16;
	assert_int_equal(kbkdf_rv(&k, &key, 16), CKR_MECHANISM_PARAM_INVALID);
	k.dkm.ulWidthInBits = 32, k.dkm.dkmLengthMethod = CK_SP800_108_DKM_LENGTH_SUM_OF_SEGMENTS;
	OK(kbkdf_rv(&k, &key, 32));
	assert_int_equal(kbkdf_rv(&k, &key, 16), CKR_MECHANISM_PARAM_INVALID);
	k.dkm.dkmLengthMethod = CK_SP800_108_DKM_LENGTH_SUM_OF_KEYS;
	/* The counter after the fixed input, the DKM length before it. */
	k.data[0] = k.data[1];
	k.data[1] = (CK_PRF_DATA_PARAM){CK_SP800_108_ITERATION_VARIABLE, &k.ctr, sizeof(k.ctr)};
	assert_int_equal(kbkdf_rv(&k, &key, 16), CKR_MECHANISM_PARAM_INVALID);
	kbkdf_params(&k, CKM_SHA256_HMAC, KBKDF_FIXED, true);
	k.data[1] = k.data[3];
	assert_int_equal(kbkdf_rv(&k, &key, 16), CKR_MECHANISM_PARAM_INVALID);
	kbkdf_params(&k, CKM_SHA256_HMAC, KBKDF_FIXED, false);
	k.data[2].type = CK_SP800_108_OPTIONAL_COUNTER;
	assert_int_equal(kbkdf_rv(&k, &key, 16), CKR_MECHANISM_PARAM_INVALID);
	kbkdf_params(&k, CKM_SHA256_HMAC, KBKDF_FIXED, false);
	k.p.ulAdditionalDerivedKeys = 1, k.p.pAdditionalDerivedKeys = &extra;
	assert_int_equal(kbkdf_rv(&k, &key, 16), CKR_MECHANISM_PARAM_INVALID);
	kbkdf_params(&k, CKM_SHA256, KBKDF_FIXED, false);
	assert_int_equal(kbkdf_rv(&k, &key, 16), CKR_MECHANISM_PARAM_INVALID);
	kbkdf_params(&k, CKM_AES_CMAC, KBKDF_FIXED, false);
	assert_int_equal(kbkdf_rv(&k, &key, 16), CKR_KEY_TYPE_INCONSISTENT);
	OK(kbkdf_rv(&k, &aes, 16));
	assert_int_equal(kbkdf_rv(&k, &aes, 0), CKR_TEMPLATE_INCOMPLETE);
	tkey_free(&aes);
	tkey_free(&key);
}

/* ---- ECDH with the X9.63 KDF ---- */

/* NIST CAVP KAS_ECC_CDH_PrimitiveTest.txt, [P-256] COUNT = 0. */
#define CDH_QX "700c48f77f56584c5cc632ca65640db91b6bacce3a4df6b42ce7cc838833d287"
#define CDH_QY "db71e509e3fd9b060ddb20ba5c51dcc5948d46fbf640dfe0441782cab85fa4ac"
#define CDH_D  "7d7dc5f71eb29ddaf80d6214632eeae03d9058af1fb6d22ed80badb62bc1a534"

static void ecdh_key(struct tkey *k)
{
	/* DER of OID prime256v1. */
	static const CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
	CK_BYTE d[32];

	unhex(CDH_D, d);
	tkey_make(k, CKO_PRIVATE_KEY, CKK_EC, d, sizeof(d));
	OK(tok_attrs_set(&k->attrs, CKA_EC_PARAMS, p256, sizeof(p256)));
	OK(tok_attrs_set_bool(&k->attrs, CKA_DERIVE, CK_TRUE));
}

static void test_ecdh_x963(void **state)
{
	static const struct {
		CK_ULONG kdf;
		const char *shared;
		const char *want;
	} cases[] = {
	    {CKD_SHA1_KDF, NULL, "c93cfd15ba4148858a531b99624f93c611bf674f282b52c1"},
	    {CKD_SHA224_KDF, "abcdef", "ab2f9a9943d510ea2b4a9b85ae84e7945a46af8e7d2d1118"},
	    {CKD_SHA256_KDF, "abcdef", "1ff1f7b83f1295f084d10f76674c7c14f97739a98e2b9075"},
	    {CKD_SHA384_KDF, NULL, "bf04d0a5947237c6c660dd40dc1ede3b0782ca684e9b2dcd"},
	    {CKD_SHA512_KDF, "abcdef", "fb61f4c228416b209a8a1fec18f33dbc9f6fef5c09950a95"},
	};
	CK_BYTE peer[65] = {0x04};
	struct tkey iut;

	unhex(CDH_QX, peer + 1);
	unhex(CDH_QY, peer + 33);
	ecdh_key(&iut);
	for (size_t i = 0; i < N_ELEM(cases); i++) {
		struct hexbuf sh;
		CK_ECDH1_DERIVE_PARAMS p = {cases[i].kdf, 0, NULL, sizeof(peer), peer};
		struct tok_attrs out;

		if (cases[i].shared) {
			p.pSharedData = hexbuf(&sh, cases[i].shared);
			p.ulSharedDataLen = sh.n;
		}
		out_template(&out, CKO_SECRET_KEY, CKK_GENERIC_SECRET, 24);
		OK(derive(CKM_ECDH1_DERIVE, &p, sizeof(p), &iut, NULL, &out));
		assert_value(&out, cases[i].want);
		tok_attrs_free(&out);
	}
	be.ops->key_cache_free(be.ctx, iut.cache);
	iut.cache = NULL;
	tkey_free(&iut);
}

static void test_mechanism_info(void **state)
{
	static const struct {
		CK_MECHANISM_TYPE type;
		CK_FLAGS flags;
	} want[] = {
	    {CKM_HKDF_DERIVE, CKF_DERIVE},           {CKM_HKDF_DATA, CKF_DERIVE},
	    {CKM_HKDF_KEY_GEN, CKF_GENERATE},        {CKM_PKCS5_PBKD2, CKF_GENERATE},
	    {CKM_SP800_108_COUNTER_KDF, CKF_DERIVE},
	};
	CK_MECHANISM_TYPE list[512];
	CK_ULONG n = N_ELEM(list);

	OK(be.ops->mechanism_list(be.ctx, list, &n));
	for (size_t i = 0; i < N_ELEM(want); i++) {
		CK_MECHANISM_INFO info;
		bool listed = false;

		for (CK_ULONG j = 0; j < n; j++)
			listed |= list[j] == want[i].type;
		assert_true(listed);
		OK(be.ops->mechanism_info(be.ctx, want[i].type, &info));
		assert_int_equal(info.flags, want[i].flags);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mechanism_info),         cmocka_unit_test(test_hkdf_rfc5869),
	    cmocka_unit_test(test_hkdf_salt_key_and_data), cmocka_unit_test(test_hkdf_errors),
	    cmocka_unit_test(test_hkdf_key_gen),           cmocka_unit_test(test_pbkdf2_vectors),
	    cmocka_unit_test(test_pbkdf2_errors),          cmocka_unit_test(test_kbkdf_vectors),
	    cmocka_unit_test(test_kbkdf_shapes),           cmocka_unit_test(test_ecdh_x963),
	};

	return cmocka_run_group_tests(tests, suite_setup, suite_teardown);
}
