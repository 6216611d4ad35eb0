/*
 * Unit tests of the soft backend's EC mechanisms: key pair generation on
 * every curve, ECDSA (RFC 6979 known answers), EdDSA (RFC 8032), ECDH with
 * EC keys (NIST CAVP KAS) and Montgomery keys (RFC 7748), and the checks
 * of imported keys.
 */
#include "soft-asym.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

/* ---- EC ---- */

static const struct {
	const char *params;
	CK_ULONG n; /* bytes of the order */
} ec_curves[] = {
    {P256_OID, 32},
    {P384_OID, 48},
    {P521_OID, 66},
    {K256_OID, 32},
    {"130a7072696d653235367631", 32}, /* PrintableString "prime256v1" */
};

void test_ec_generate(void **state)
{
	CK_MECHANISM raw = {CKM_ECDSA, NULL, 0}, sha = {CKM_ECDSA_SHA256, NULL, 0};
	CK_MECHANISM sha3 = {CKM_ECDSA_SHA3_384, NULL, 0}, sha1 = {CKM_ECDSA_SHA1, NULL, 0};
	CK_BYTE hash[64];
	struct key pub, priv;

	memset(hash, 0x5a, sizeof(hash));
	for (size_t i = 0; i < LEN(ec_curves); i++) {
		const CK_ATTRIBUTE *point;
		CK_ULONG n = ec_curves[i].n;

		OK(gen_ec(CKM_EC_KEY_PAIR_GEN, CKK_EC, ec_curves[i].params, &pub, &priv));
		point = attr(&pub, CKA_EC_POINT);
		/* DER OCTET STRING around an uncompressed point. */
		assert_int_equal(((CK_BYTE *)point->pValue)[0], 0x04);
		assert_int_equal(((CK_BYTE *)point->pValue)[point->ulValueLen - 2 * n - 1], 0x04);
		assert_int_equal(attr(&priv, CKA_VALUE)->ulValueLen, n);
		assert_int_equal(attr(&priv, CKA_EC_PARAMS)->ulValueLen,
		                 attr(&pub, CKA_EC_PARAMS)->ulValueLen);
		sign_verify(&raw, &priv, &pub, hash, 32, 2 * n);
		sign_verify(&raw, &priv, &pub, hash, 64, 2 * n);
		sign_verify(&sha, &priv, &pub, "message", 7, 2 * n);
		sign_verify(&sha1, &priv, &pub, "message", 7, 2 * n);
		sign_verify(&sha3, &priv, &pub, "message", 7, 2 * n);
		key_free(&pub);
		key_free(&priv);
	}
}

void test_ec_generate_errors(void **state)
{
	static const struct {
		const char *params;
		CK_RV rv;
	} cases[] = {
	    {ED25519_OID, CKR_CURVE_NOT_SUPPORTED},            /* not for CKM_EC_KEY_PAIR_GEN */
	    {"06082a8648ce3d030101", CKR_CURVE_NOT_SUPPORTED}, /* prime192v1 */
	    {"130a7072696d6532353676", CKR_ATTRIBUTE_VALUE_INVALID},
	    {"0a0b0c", CKR_ATTRIBUTE_VALUE_INVALID},
	    {NULL, CKR_TEMPLATE_INCOMPLETE},
	};
	CK_MECHANISM m = {CKM_EC_KEY_PAIR_GEN, "x", 1};
	struct key pub, priv;

	for (size_t i = 0; i < LEN(cases); i++) {
		assert_int_equal(gen_ec(CKM_EC_KEY_PAIR_GEN, CKK_EC, cases[i].params, &pub, &priv),
		                 cases[i].rv);
		key_free(&pub);
		key_free(&priv);
	}
	assert_int_equal(gen_ec(CKM_EC_EDWARDS_KEY_PAIR_GEN, CKK_EC_EDWARDS, P256_OID, &pub, &priv),
	                 CKR_CURVE_NOT_SUPPORTED);
	key_free(&pub);
	key_free(&priv);
	key_init(&pub, CKO_PUBLIC_KEY, CKK_EC);
	key_init(&priv, CKO_PRIVATE_KEY, CKK_EC);
	key_set_hex(&pub, CKA_EC_PARAMS, P256_OID);
	key_set_hex(&priv, CKA_EC_PARAMS, P384_OID);
	m.pParameter = NULL;
	m.ulParameterLen = 0;
	assert_int_equal(be->generate_key_pair(ctx, &m, &pub.a, &priv.a),
	                 CKR_TEMPLATE_INCONSISTENT);
	m.pParameter = "x";
	m.ulParameterLen = 1;
	assert_int_equal(be->generate_key_pair(ctx, &m, &pub.a, &priv.a),
	                 CKR_MECHANISM_PARAM_INVALID);
	key_free(&pub);
	key_free(&priv);
}

/* RFC 6979 A.2.5 (P-256) and A.2.6 (P-384): key pair and the signature of "sample". */
static const struct {
	const char *params, *x, *ux, *uy, *r, *s;
	CK_MECHANISM_TYPE mech;
	const EVP_MD *(*md)(void);
} rfc6979[] = {
    {P256_OID, "C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721",
     "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6",
     "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299",
     "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716",
     "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8", CKM_ECDSA_SHA256,
     EVP_sha256},
    {P384_OID,
     "6B9D3DAD2E1B8C1C05B19875B6659F4DE23C3B667BF297BA9AA47740787137D896D5724E4C70A825F872C9EA60"
     "D2EDF5",
     "EC3A4E415B4E19A4568618029F427FA5DA9A8BC4AE92E02E06AAE5286B300C64DEF8F0EA9055866064A254515"
     "480BC13",
     "8015D9B72D7D57244EA8EF9AC0C621896708A59367F9DFB9F54CA84B3F1C9DB1288B231C3AE0D4FE7344FD253"
     "3264720",
     "94EDBB92A5ECB8AAD4736E56C691916B3F88140666CE9FA73D64C4EA95AD133C81A648152E44ACF96E36DD1E80"
     "FABE46",
     "99EF4AEB15F178CEA1FE40DB2603138F130E740A19624526203B6351D0A3A94FA329C145786E679E7B82C71A38"
     "628AC8",
     CKM_ECDSA_SHA384, EVP_sha384},
};

/* An EC public key from its coordinates; der wraps the point in an OCTET STRING. */
static void ec_pub_xy(struct key *k, const char *params, const char *x, const char *y, bool der)
{
	char point[600];

	snprintf(point, sizeof(point), "04%s%s", x, y);
	key_init(k, CKO_PUBLIC_KEY, CKK_EC);
	key_set_hex(k, CKA_EC_PARAMS, params);
	if (der) {
		CK_BYTE raw[200], wrapped[204];
		size_t len = hex(point, raw), hdr = len < 128 ? 2 : 3;

		wrapped[0] = 0x04;
		wrapped[1] = hdr == 2 ? (CK_BYTE)len : 0x81;
		wrapped[2] = (CK_BYTE)len;
		memcpy(wrapped + hdr, raw, len);
		OK(tok_attrs_set(&k->a, CKA_EC_POINT, wrapped, hdr + len));
	} else {
		key_set_hex(k, CKA_EC_POINT, point);
	}
	OK(be->check_key(ctx, &k->a));
}

void test_ecdsa_kat(void **state)
{
	CK_MECHANISM raw = {CKM_ECDSA, NULL, 0}, hashed = {0, NULL, 0};
	CK_BYTE sig[132], hash[64];
	CK_ULONG siglen, n;
	unsigned int hlen;
	struct key pub, priv;

	for (size_t i = 0; i < LEN(rfc6979); i++) {
		n = hex(rfc6979[i].r, sig);
		assert_int_equal(hex(rfc6979[i].s, sig + n), n);
		siglen = 2 * n;
		assert_int_equal(EVP_Digest("sample", 6, hash, &hlen, rfc6979[i].md(), NULL), 1);
		hashed.mechanism = rfc6979[i].mech;
		for (int der = 0; der < 2; der++) {
			ec_pub_xy(&pub, rfc6979[i].params, rfc6979[i].ux, rfc6979[i].uy, der);
			OK(verify(&raw, &pub, hash, hlen, sig, siglen));
			OK(verify(&hashed, &pub, "sample", 6, sig, siglen));
			assert_int_equal(verify(&hashed, &pub, "samplf", 6, sig, siglen),
			                 CKR_SIGNATURE_INVALID);
			assert_int_equal(verify(&raw, &pub, hash, hlen, sig, siglen + 1),
			                 CKR_SIGNATURE_LEN_RANGE);
			if (der) {
				/* The imported private key signs what the public key accepts. */
				key_init(&priv, CKO_PRIVATE_KEY, CKK_EC);
				key_set_hex(&priv, CKA_EC_PARAMS, rfc6979[i].params);
				key_set_hex(&priv, CKA_VALUE, rfc6979[i].x);
				OK(be->check_key(ctx, &priv.a));
				sign_verify(&hashed, &priv, &pub, "sample", 6, 2 * n);
				key_free(&priv);
			}
			key_free(&pub);
		}
	}
}

void test_ec_check_key(void **state)
{
	struct key k;

	/* A point off the curve (y changed). */
	key_init(&k, CKO_PUBLIC_KEY, CKK_EC);
	key_set_hex(&k, CKA_EC_PARAMS, P256_OID);
	key_set_hex(
	    &k, CKA_EC_POINT,
	    "0460FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB67903FE1008B8BC"
	    "99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462298");
	assert_int_equal(be->check_key(ctx, &k.a), CKR_ATTRIBUTE_VALUE_INVALID);
	key_set_hex(&k, CKA_EC_POINT, "0441");
	assert_int_equal(be->check_key(ctx, &k.a), CKR_ATTRIBUTE_VALUE_INVALID);
	key_set_hex(&k, CKA_EC_PARAMS, "06082a8648ce3d030101"); /* prime192v1 */
	assert_int_equal(be->check_key(ctx, &k.a), CKR_CURVE_NOT_SUPPORTED);
	key_set_hex(&k, CKA_EC_PARAMS, ED25519_OID);
	assert_int_equal(be->check_key(ctx, &k.a), CKR_TEMPLATE_INCONSISTENT);
	key_free(&k);
	/* Scalars 0 and the order of P-256 are not private keys. */
	key_init(&k, CKO_PRIVATE_KEY, CKK_EC);
	key_set_hex(&k, CKA_EC_PARAMS, P256_OID);
	key_set_hex(&k, CKA_VALUE, "00");
	assert_int_equal(be->check_key(ctx, &k.a), CKR_ATTRIBUTE_VALUE_INVALID);
	key_set_hex(&k, CKA_VALUE,
	            "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");
	assert_int_equal(be->check_key(ctx, &k.a), CKR_ATTRIBUTE_VALUE_INVALID);
	key_set_hex(&k, CKA_VALUE, "01");
	OK(be->check_key(ctx, &k.a));
	key_free(&k);
	/* Edwards and Montgomery keys have exact lengths. */
	key_init(&k, CKO_PRIVATE_KEY, CKK_EC_EDWARDS);
	key_set_hex(&k, CKA_EC_PARAMS, ED25519_OID);
	key_set_hex(&k, CKA_VALUE, "0102");
	assert_int_equal(be->check_key(ctx, &k.a), CKR_ATTRIBUTE_VALUE_INVALID);
	key_free(&k);
	key_init(&k, CKO_PUBLIC_KEY, CKK_EC_MONTGOMERY);
	key_set_hex(&k, CKA_EC_PARAMS, X25519_OID);
	key_set_hex(&k, CKA_EC_POINT, "0420");
	assert_int_equal(be->check_key(ctx, &k.a), CKR_ATTRIBUTE_VALUE_INVALID);
	key_free(&k);
}

/* ---- EdDSA ---- */

/* RFC 8032 section 7.1, TEST 1 (empty message) and TEST 2. */
static const struct {
	const char *secret, *public, *msg, *sig;
} rfc8032[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e3970"
     "1cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613"
     "d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
};

void test_ed25519_kat(void **state)
{
	CK_MECHANISM m = {CKM_EDDSA, NULL, 0};
	CK_BYTE msg[8], want[64], sig[64];
	CK_ULONG msglen, siglen;
	char der[80];
	struct key pub, priv;

	for (size_t i = 0; i < LEN(rfc8032); i++) {
		msglen = hex(rfc8032[i].msg, msg);
		hex(rfc8032[i].sig, want);
		key_init(&priv, CKO_PRIVATE_KEY, CKK_EC_EDWARDS);
		key_set_hex(&priv, CKA_EC_PARAMS, ED25519_OID);
		key_set_hex(&priv, CKA_VALUE, rfc8032[i].secret);
		OK(be->check_key(ctx, &priv.a));
		OK(sign(&m, &priv, msg, msglen, sig, &siglen));
		assert_int_equal(siglen, 64);
		assert_memory_equal(sig, want, 64);
		for (int wrapped = 0; wrapped < 2; wrapped++) {
			snprintf(der, sizeof(der), "%s%s", wrapped ? "0420" : "",
			         rfc8032[i].public);
			key_init(&pub, CKO_PUBLIC_KEY, CKK_EC_EDWARDS);
			key_set_hex(&pub, CKA_EC_PARAMS, ED25519_OID);
			key_set_hex(&pub, CKA_EC_POINT, der);
			OK(be->check_key(ctx, &pub.a));
			OK(verify(&m, &pub, msg, msglen, want, 64));
			assert_int_equal(verify(&m, &pub, "x", 1, want, 64), CKR_SIGNATURE_INVALID);
			assert_int_equal(verify(&m, &pub, msg, msglen, want, 63),
			                 CKR_SIGNATURE_LEN_RANGE);
			key_free(&pub);
		}
		key_free(&priv);
	}
}

void test_eddsa(void **state)
{
	static const char *const params[] = {ED25519_OID, ED448_OID,
	                                     "130c656477617264733235353139"}; /* "edwards25519" */
	static const CK_ULONG siglens[] = {64, 114, 64};
	CK_EDDSA_PARAMS ep = {CK_FALSE, 0, NULL};
	CK_MECHANISM m = {CKM_EDDSA, NULL, 0}, withp = {CKM_EDDSA, &ep, sizeof(ep)};
	CK_BYTE sig[114];
	CK_ULONG siglen;
	struct key pub, priv;
	void *op;

	for (size_t i = 0; i < LEN(params); i++) {
		OK(gen_ec(CKM_EC_EDWARDS_KEY_PAIR_GEN, CKK_EC_EDWARDS, params[i], &pub, &priv));
		assert_int_equal(((CK_BYTE *)attr(&pub, CKA_EC_POINT)->pValue)[0], 0x04);
		sign_verify(&m, &priv, &pub, "an EdDSA message", 16, siglens[i]);
		/* Ed448 with no pre-hash and no context is plain Ed448; Ed25519 has no such form. */
		if (siglens[i] == 114)
			sign_verify(&withp, &priv, &pub, "with parameters", 15, 114);
		else
			assert_int_equal(sign(&withp, &priv, "x", 1, sig, &siglen),
			                 CKR_MECHANISM_PARAM_INVALID);
		ep.phFlag = CK_TRUE;
		assert_int_equal(sign(&withp, &priv, "x", 1, sig, &siglen),
		                 CKR_MECHANISM_PARAM_INVALID);
		ep.phFlag = CK_FALSE;
		withp.ulParameterLen = sizeof(ep) - 1;
		assert_int_equal(sign(&withp, &priv, "x", 1, sig, &siglen),
		                 CKR_MECHANISM_PARAM_INVALID);
		withp.ulParameterLen = sizeof(ep);
		OK(op_start(OS_BACKEND_OP_SIGN, &m, &priv, &op));
		assert_int_equal(be->op_update(op, sig, 1, NULL, NULL), CKR_FUNCTION_NOT_SUPPORTED);
		siglen = 10;
		assert_int_equal(be->op_single(op, sig, 1, sig, &siglen), CKR_BUFFER_TOO_SMALL);
		assert_int_equal(siglen, siglens[i]);
		be->op_free(op);
		m.mechanism = CKM_ECDSA;
		assert_int_equal(op_start(OS_BACKEND_OP_SIGN, &m, &priv, &op),
		                 CKR_KEY_TYPE_INCONSISTENT);
		m.mechanism = CKM_EDDSA;
		key_free(&pub);
		key_free(&priv);
	}
}

/* ---- ECDH ---- */

static CK_RV derive(struct key *base, CK_MECHANISM_TYPE mech, CK_ULONG kdf, const void *shared,
                    CK_ULONG shared_len, const CK_BYTE *pubdata, CK_ULONG publen, struct key *out)
{
	CK_ECDH1_DERIVE_PARAMS p = {kdf, shared_len, (CK_BYTE *)shared, publen, (CK_BYTE *)pubdata};
	CK_MECHANISM m = {mech, &p, sizeof(p)};

	return be->derive_key(ctx, &m, &base->ref, NULL, &out->a);
}

static void assert_value(struct key *k, const CK_BYTE *want, CK_ULONG len)
{
	const CK_ATTRIBUTE *v = attr(k, CKA_VALUE);

	assert_int_equal(v->ulValueLen, len);
	assert_memory_equal(v->pValue, want, len);
}

void test_x25519_kat(void **state)
{
	/* RFC 7748 section 6.1. */
	CK_BYTE bob[40], shared[32];
	CK_ULONG publen;
	struct key alice, out;

	key_init(&alice, CKO_PRIVATE_KEY, CKK_EC_MONTGOMERY);
	key_set_hex(&alice, CKA_EC_PARAMS, X25519_OID);
	key_set_hex(&alice, CKA_VALUE,
	            "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
	OK(be->check_key(ctx, &alice.a));
	hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", shared);
	publen = hex("0420de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", bob);
	for (int wrapped = 0; wrapped < 2; wrapped++) {
		secret_template(&out, CKK_GENERIC_SECRET, 0);
		OK(derive(&alice, CKM_ECDH1_DERIVE, CKD_NULL, NULL, 0, bob + (wrapped ? 0 : 2),
		          publen - (wrapped ? 0 : 2), &out));
		assert_value(&out, shared, 32);
		key_free(&out);
	}
	secret_template(&out, CKK_GENERIC_SECRET, 0);
	assert_int_equal(
	    derive(&alice, CKM_ECDH1_COFACTOR_DERIVE, CKD_NULL, NULL, 0, bob + 2, 32, &out),
	    CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(derive(&alice, CKM_ECDH1_DERIVE, CKD_NULL, NULL, 0, bob + 2, 31, &out),
	                 CKR_MECHANISM_PARAM_INVALID);
	key_free(&out);
	key_free(&alice);
}

void test_montgomery(void **state)
{
	static const char *const params[] = {X25519_OID, X448_OID, "130a63757276653235353139"};
	struct key pub1, priv1, pub2, priv2, k1, k2;

	for (size_t i = 0; i < LEN(params); i++) {
		OK(gen_ec(CKM_EC_MONTGOMERY_KEY_PAIR_GEN, CKK_EC_MONTGOMERY, params[i], &pub1,
		          &priv1));
		OK(gen_ec(CKM_EC_MONTGOMERY_KEY_PAIR_GEN, CKK_EC_MONTGOMERY, params[i], &pub2,
		          &priv2));
		secret_template(&k1, CKK_AES, 32);
		secret_template(&k2, CKK_AES, 32);
		OK(derive(&priv1, CKM_ECDH1_DERIVE, CKD_SHA256_KDF, "info", 4,
		          attr(&pub2, CKA_EC_POINT)->pValue, attr(&pub2, CKA_EC_POINT)->ulValueLen,
		          &k1));
		OK(derive(&priv2, CKM_ECDH1_DERIVE, CKD_SHA256_KDF, "info", 4,
		          attr(&pub1, CKA_EC_POINT)->pValue, attr(&pub1, CKA_EC_POINT)->ulValueLen,
		          &k2));
		assert_value(&k2, attr(&k1, CKA_VALUE)->pValue, 32);
		key_free(&k1);
		key_free(&k2);
		key_free(&pub1);
		key_free(&priv1);
		key_free(&pub2);
		key_free(&priv2);
	}
	assert_int_equal(
	    gen_ec(CKM_EC_MONTGOMERY_KEY_PAIR_GEN, CKK_EC_MONTGOMERY, ED448_OID, &pub1, &priv1),
	    CKR_CURVE_NOT_SUPPORTED);
	key_free(&pub1);
	key_free(&priv1);
}

/* ANSI X9.63 KDF, written out here to check the token's. */
static void x963(const EVP_MD *md, const CK_BYTE *z, size_t zlen, const void *info, size_t infolen,
                 CK_BYTE *out, size_t len)
{
	CK_BYTE block[64];
	unsigned int blen;

	for (uint32_t counter = 1; len > 0; counter++) {
		CK_BYTE c[4] = {counter >> 24, counter >> 16, counter >> 8, counter};
		EVP_MD_CTX *mctx = EVP_MD_CTX_new();
		size_t take;

		assert_non_null(mctx);
		assert_int_equal(EVP_DigestInit_ex(mctx, md, NULL), 1);
		assert_int_equal(EVP_DigestUpdate(mctx, z, zlen), 1);
		assert_int_equal(EVP_DigestUpdate(mctx, c, 4), 1);
		assert_int_equal(EVP_DigestUpdate(mctx, info, infolen), 1);
		assert_int_equal(EVP_DigestFinal_ex(mctx, block, &blen), 1);
		EVP_MD_CTX_free(mctx);
		take = len < blen ? len : blen;
		memcpy(out, block, take);
		out += take;
		len -= take;
	}
}

void test_ecdh_p256_kat(void **state)
{
	/* NIST CAVP KAS_ECC_CDH_PrimitiveTest.txt, [P-256] COUNT = 0. */
	static const char *const qcavs =
	    "04700c48f77f56584c5cc632ca65640db91b6bacce3a4df6b42ce7cc838833d287db71e509e3fd9b060ddb"
	    "20ba5c51dcc5948d46fbf640dfe0441782cab85fa4ac";
	CK_BYTE peer[65], z[32], want[48], bad[65];
	struct key iut, out;

	key_init(&iut, CKO_PRIVATE_KEY, CKK_EC);
	key_set_hex(&iut, CKA_EC_PARAMS, P256_OID);
	key_set_hex(&iut, CKA_VALUE,
	            "7d7dc5f71eb29ddaf80d6214632eeae03d9058af1fb6d22ed80badb62bc1a534");
	OK(be->check_key(ctx, &iut.a));
	hex(qcavs, peer);
	hex("46fc62106420ff012e54a434fbdd2d25ccc5852060561e68040dd7778997bd7b", z);
	for (int cofactor = 0; cofactor < 2; cofactor++) {
		secret_template(&out, CKK_GENERIC_SECRET, 0);
		OK(derive(&iut, cofactor ? CKM_ECDH1_COFACTOR_DERIVE : CKM_ECDH1_DERIVE, CKD_NULL,
		          NULL, 0, peer, 65, &out));
		assert_value(&out, z, 32);
		key_free(&out);
	}
	/* CKD_NULL with a shorter length keeps the rightmost bytes. */
	secret_template(&out, CKK_AES, 16);
	OK(derive(&iut, CKM_ECDH1_DERIVE, CKD_NULL, NULL, 0, peer, 65, &out));
	assert_value(&out, z + 16, 16);
	key_free(&out);
	/* X9.63 KDF over Z with shared data, one and several blocks. */
	x963(EVP_sha256(), z, 32, "shared", 6, want, 48);
	secret_template(&out, CKK_GENERIC_SECRET, 48);
	OK(derive(&iut, CKM_ECDH1_DERIVE, CKD_SHA256_KDF, "shared", 6, peer, 65, &out));
	assert_value(&out, want, 48);
	key_free(&out);
	x963(EVP_sha1(), z, 32, "", 0, want, 24);
	secret_template(&out, CKK_DES3, 0);
	OK(derive(&iut, CKM_ECDH1_DERIVE, CKD_SHA1_KDF, NULL, 0, peer, 65, &out));
	assert_value(&out, want, 24);
	assert_null(tok_attrs_find(&out.a, CKA_VALUE_LEN));
	key_free(&out);

	secret_template(&out, CKK_GENERIC_SECRET, 0);
	memcpy(bad, peer, 65);
	bad[64] ^= 1; /* off the curve */
	assert_int_equal(derive(&iut, CKM_ECDH1_DERIVE, CKD_NULL, NULL, 0, bad, 65, &out),
	                 CKR_MECHANISM_PARAM_INVALID);
	assert_int_equal(derive(&iut, CKM_ECDH1_DERIVE, CKD_NULL, "x", 1, peer, 65, &out),
	                 CKR_MECHANISM_PARAM_INVALID);
	assert_int_equal(derive(&iut, CKM_ECDH1_DERIVE, 0x99, NULL, 0, peer, 65, &out),
	                 CKR_MECHANISM_PARAM_INVALID);
	assert_int_equal(derive(&iut, CKM_ECDH1_DERIVE, CKD_SHA256_KDF, NULL, 3, peer, 65, &out),
	                 CKR_MECHANISM_PARAM_INVALID);
	assert_int_equal(derive(&iut, CKM_ECDH1_DERIVE, CKD_NULL, NULL, 0, NULL, 0, &out),
	                 CKR_MECHANISM_PARAM_INVALID);
	OK(tok_attrs_set_ulong(&out.a, CKA_VALUE_LEN, 33));
	assert_int_equal(derive(&iut, CKM_ECDH1_DERIVE, CKD_NULL, NULL, 0, peer, 65, &out),
	                 CKR_TEMPLATE_INCONSISTENT);
	key_free(&out);
	{
		CK_ECDH1_DERIVE_PARAMS p = {CKD_NULL, 0, NULL, 65, peer};
		CK_MECHANISM m = {CKM_ECDH1_DERIVE, &p, sizeof(p) - 1};

		secret_template(&out, CKK_GENERIC_SECRET, 0);
		assert_int_equal(be->derive_key(ctx, &m, &iut.ref, NULL, &out.a),
		                 CKR_MECHANISM_PARAM_INVALID);
		m.pParameter = NULL;
		m.ulParameterLen = 0;
		assert_int_equal(be->derive_key(ctx, &m, &iut.ref, NULL, &out.a),
		                 CKR_MECHANISM_PARAM_INVALID);
		key_free(&out);
	}
	key_free(&iut);
}
