/*
 * Unit tests of the soft backend's further Weierstrass curves (secp224r1,
 * secp256k1, brainpool r1 and t1): generation, ECDSA and ECDH on each,
 * with CKA_EC_PARAMS as an OID and as a curve name; ECDSA verification of
 * published signatures (NIST CAVP SigGen for P-224, Wycheproof for
 * brainpool r1 and secp256k1), the ECDH vectors of RFC 7027 and NIST CAVP
 * (P-224), and for the t1 curves, which have no published vectors,
 * signatures and shared secrets checked by OpenSSL itself.
 */
#include "soft-asym.h"

#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/param_build.h>

/* The curves, by DER OID and by name. */
static const struct {
	const char *oid, *name;
	CK_ULONG n; /* bytes of the order */
} curves[] = {
    {"06052b81040021", "secp224r1", 28},
    {K256_OID, "secp256k1", 32},
    {"06092b2403030208010107", "brainpoolP256r1", 32},
    {"06092b2403030208010108", "brainpoolP256t1", 32},
    {"06092b240303020801010b", "brainpoolP384r1", 48},
    {"06092b240303020801010c", "brainpoolP384t1", 48},
    {"06092b240303020801010d", "brainpoolP512r1", 64},
    {"06092b240303020801010e", "brainpoolP512t1", 64},
};

/* CKA_EC_PARAMS of a curve name: the DER of a PrintableString, as hex. */
static void name_params(const char *name, char *out, size_t cap)
{
	size_t len = strlen(name);

	snprintf(out, cap, "13%02zx", len);
	for (size_t i = 0; i < len; i++)
		snprintf(out + 4 + 2 * i, cap - 4 - 2 * i, "%02x", (unsigned char)name[i]);
}

static CK_RV ecdh(struct key *priv, CK_MECHANISM_TYPE mech, const CK_BYTE *peer, CK_ULONG len,
                  struct key *out)
{
	CK_ECDH1_DERIVE_PARAMS p = {CKD_NULL, 0, NULL, len, (CK_BYTE *)peer};
	CK_MECHANISM m = {mech, &p, sizeof(p)};

	secret_template(out, CKK_GENERIC_SECRET, 0);
	return be->derive_key(ctx, &m, &priv->ref, NULL, &out->a);
}

/* ECDH between two pairs: both sides reach the same secret, as long as a coordinate. */
static void ecdh_agree(struct key *priv1, struct key *pub2, struct key *priv2, struct key *pub1,
                       CK_ULONG n)
{
	const CK_ATTRIBUTE *p1 = attr(pub1, CKA_EC_POINT), *p2 = attr(pub2, CKA_EC_POINT);
	struct key k1, k2;

	OK(ecdh(priv1, CKM_ECDH1_DERIVE, p2->pValue, p2->ulValueLen, &k1));
	OK(ecdh(priv2, CKM_ECDH1_COFACTOR_DERIVE, p1->pValue, p1->ulValueLen, &k2));
	assert_int_equal(attr(&k2, CKA_VALUE)->ulValueLen, n);
	assert_int_equal(attr(&k1, CKA_VALUE)->ulValueLen, n);
	assert_memory_equal(attr(&k1, CKA_VALUE)->pValue, attr(&k2, CKA_VALUE)->pValue, n);
	key_free(&k1);
	key_free(&k2);
}

void test_curves_generate(void **state)
{
	CK_MECHANISM raw = {CKM_ECDSA, NULL, 0}, sha = {CKM_ECDSA_SHA256, NULL, 0};
	CK_BYTE hash[64];
	char name[80];
	struct key pub1, priv1, pub2, priv2;

	memset(hash, 0xa5, sizeof(hash));
	for (size_t i = 0; i < LEN(curves); i++) {
		CK_ULONG n = curves[i].n;
		const CK_ATTRIBUTE *given;

		name_params(curves[i].name, name, sizeof(name));
		OK(gen_ec(CKM_EC_KEY_PAIR_GEN, CKK_EC, curves[i].oid, &pub1, &priv1));
		OK(gen_ec(CKM_EC_KEY_PAIR_GEN, CKK_EC, name, &pub2, &priv2));
		/* The name form is kept as given, on both halves. */
		given = attr(&priv2, CKA_EC_PARAMS);
		assert_int_equal(given->ulValueLen, 2 + strlen(curves[i].name));
		assert_memory_equal((CK_BYTE *)given->pValue + 2, curves[i].name,
		                    given->ulValueLen - 2);
		assert_int_equal(attr(&priv1, CKA_VALUE)->ulValueLen, n);
		assert_int_equal(attr(&priv2, CKA_VALUE)->ulValueLen, n);
		sign_verify(&raw, &priv1, &pub1, hash, n, 2 * n);
		sign_verify(&raw, &priv2, &pub2, hash, 64, 2 * n);
		sign_verify(&sha, &priv2, &pub2, "message", 7, 2 * n);
		ecdh_agree(&priv1, &pub2, &priv2, &pub1, n);
		key_free(&pub1);
		key_free(&priv1);
		key_free(&pub2);
		key_free(&priv2);
	}
}

/* Published ECDSA signatures (r || s) of msg, and the public key that made them. */
static const struct {
	const char *params, *x, *y, *msg, *sig;
	CK_MECHANISM_TYPE mech;
	const EVP_MD *(*md)(void);
} ecdsa_vectors[] = {
    /* NIST CAVP 186-3 ECDSA SigGen, [P-224,SHA-224], the first vector. */
    {"06052b81040021", "605495756e6e88f1d07ae5f98787af9b4da8a641d1a9492a12174eab",
     "f5cc733b17decc806ef1df861a42505d0af9ef7c3df3959b8dfc6669",
     "699325d6fc8fbbb4981a6ded3c3a54ad2e4e3db8a5669201912064c64e700c139248cdc19495df081c3fc602"
     "45b9f25fc9e301b845b3d703a694986e4641ae3c7e5a19e6d6edbf1d61e535f49a8fad5f4ac26397cfec682f"
     "161a5fcd32c5e780668b0181a91955157635536a22367308036e2070f544ad4fff3d5122c76fad5d",
     "2fc2cff8cdd4866b1d74e45b07d333af46b7af0888049d0fdbc7b0d6"
     "8d9cc4c8ea93e0fd9d6431b9a1fd99b88f281793396321b11dac41eb",
     CKM_ECDSA_SHA224, EVP_sha224},
    /* Wycheproof ecdsa_secp256k1_sha256_p1363_test.json, tcId 1. */
    {K256_OID, "b838ff44e5bc177bf21189d0766082fc9d843226887fc9760371100b7ee20a6f",
     "f0c9d75bfba7b31a6bca1974496eeb56de357071955d83c4b1badaa0b21832e9", "313233343030",
     "813ef79ccefa9a56f7ba805f0e478584fe5f0dd5f567bc09b5123ccbc9832365"
     "900e75ad233fcc908509dbff5922647db37c21f4afd3203ae8dc4ae7794b0f87",
     CKM_ECDSA_SHA256, EVP_sha256},
    /* Wycheproof ecdsa_brainpoolP256r1_sha256_p1363_test.json, tcId 1. */
    {"06092b2403030208010107", "019a2d9637743a63ddaefdbca0ee229a163b809b9b145e5313bbeb8defeab9d6",
     "548caf89bf5ba49499404145651234336401b9b2843a579ed152e090f11b9e59", "313233343030",
     "0a5f8c70ba2d0842d5d0f841f160ad15195769a8159bfe692634d73d469d111f"
     "426e857aad3ff7aa96e4d200c03b45f1846a36d089ee3917768ca1a0d6d4da6e",
     CKM_ECDSA_SHA256, EVP_sha256},
    /* Wycheproof ecdsa_brainpoolP384r1_sha384_p1363_test.json, tcId 1. */
    {"06092b240303020801010b",
     "192ed5ce547d2336911d3f6cecba227f08df077f6242a9147a914e854e6e32d325fd23ccc42921dc4a7e4c2eb71"
     "defd3",
     "631e69079ba982e7a1cad0a39eff47fc6d6e3a280d081286b624886ba1f3069671ec1a29986d84fb79736d2799e"
     "6fc21",
     "313233343030",
     "0e8e114a1c351405560bf8d47b166bfe957087a8003b353433b6144f7ee7d6f79c8dd14ef229fa7a2f2782bf3370"
     "8b9183aa7ba485dc060df9922f9ccc5da29adb75d44671d18bad0636d2e09c5e2f95e892a79b9fd3b37e1f798b1"
     "57b567a24",
     CKM_ECDSA_SHA384, EVP_sha384},
    /* Wycheproof ecdsa_brainpoolP512r1_sha512_p1363_test.json, tcId 1. */
    {"06092b240303020801010d",
     "67cea1bedf84cbdcba69a05bb2ce3a2d1c9d911d236c480929a16ad697b45a6ca127079fe8d7868671e28ef33bd"
     "f9319e2e51c84b190ac5c91b51baf0a980ba5",
     "a7e79006194b5378f65cbe625ef2c47c64e56040d873b995b5b1ebaa4a6ce971da164391ff619af3bcfc71c5e1a"
     "d27ee0e859c2943e2de8ef7c43d3c976e9b",
     "313233343030",
     "0bd2593447cc6c02caf99d60418dd42e9a194c910e6755ed0c7059acac656b04ccfe1e8348462ee43066823aee2f"
     "ed7ca012e9890dfb69866d7ae88b6506f9c744b42304e693796618d090dbcb2a2551c3cb78534611e61fd9d1a5c"
     "0938b5b8ec6ed53d2d28999eabbd8e7792d167fcf582492403a6a0f7cc94c73a28fb76b71",
     CKM_ECDSA_SHA512, EVP_sha512},
};

/* A public key of the curve from its coordinates (padded to n bytes each). */
static void ec_pub(struct key *k, const char *params, const char *x, const char *y, CK_ULONG n)
{
	CK_BYTE point[1 + 2 * 66] = {0x04}, cx[66], cy[66];
	size_t xl = hex(x, cx), yl = hex(y, cy);

	memset(point + 1, 0, 2 * n);
	memcpy(point + 1 + n - xl, cx, xl);
	memcpy(point + 1 + 2 * n - yl, cy, yl);
	key_init(k, CKO_PUBLIC_KEY, CKK_EC);
	key_set_hex(k, CKA_EC_PARAMS, params);
	OK(tok_attrs_set(&k->a, CKA_EC_POINT, point, 1 + 2 * n));
	OK(be->check_key(ctx, &k->a));
}

void test_curves_ecdsa_kat(void **state)
{
	CK_MECHANISM raw = {CKM_ECDSA, NULL, 0}, hashed = {0, NULL, 0};
	CK_BYTE msg[128], sig[132], hash[64];
	CK_ULONG msglen, siglen;
	unsigned int hlen;
	struct key pub;

	for (size_t i = 0; i < LEN(ecdsa_vectors); i++) {
		msglen = hex(ecdsa_vectors[i].msg, msg);
		siglen = hex(ecdsa_vectors[i].sig, sig);
		hashed.mechanism = ecdsa_vectors[i].mech;
		assert_int_equal(EVP_Digest(msg, msglen, hash, &hlen, ecdsa_vectors[i].md(), NULL),
		                 1);
		ec_pub(&pub, ecdsa_vectors[i].params, ecdsa_vectors[i].x, ecdsa_vectors[i].y,
		       siglen / 2);
		OK(verify(&hashed, &pub, msg, msglen, sig, siglen));
		OK(verify(&raw, &pub, hash, hlen, sig, siglen));
		msg[0] ^= 1;
		assert_int_equal(verify(&hashed, &pub, msg, msglen, sig, siglen),
		                 CKR_SIGNATURE_INVALID);
		sig[siglen - 1] ^= 1;
		assert_int_equal(verify(&raw, &pub, hash, hlen, sig, siglen),
		                 CKR_SIGNATURE_INVALID);
		assert_int_equal(verify(&raw, &pub, hash, hlen, sig, siglen - 1),
		                 CKR_SIGNATURE_LEN_RANGE);
		key_free(&pub);
	}
}

/* RFC 7027 appendix A: the two key pairs and the x coordinate of the shared point. */
static const struct {
	const char *params, *da, *xa, *ya, *db, *xb, *yb, *z;
} rfc7027[] = {
    {"06092b2403030208010107", "81DB1EE100150FF2EA338D708271BE38300CB54241D79950F77B063039804F1D",
     "44106E913F92BC02A1705D9953A8414DB95E1AAA49E81D9E85F929A8E3100BE5",
     "8AB4846F11CACCB73CE49CBDD120F5A900A69FD32C272223F789EF10EB089BDC",
     "55E40BC41E37E3E2AD25C3C6654511FFA8474A91A0032087593852D3E7D76BD3",
     "8D2D688C6CF93E1160AD04CC4429117DC2C41825E1E9FCA0ADDD34E6F1B39F7B",
     "990C57520812BE512641E47034832106BC7D3E8DD0E4C7F1136D7006547CEC6A",
     "89AFC39D41D3B327814B80940B042590F96556EC91E6AE7939BCE31F3A18BF2B"},
    {"06092b240303020801010b",
     "1E20F5E048A5886F1F157C74E91BDE2B98C8B52D58E5003D57053FC4B0BD65D6F15EB5D1EE1610DF870795143627D"
     "042",
     "68B665DD91C195800650CDD363C625F4E742E8134667B767B1B476793588F885AB698C852D4A6E77A252D6380FCAF"
     "068",
     "55BC91A39C9EC01DEE36017B7D673A931236D2F1F5C83942D049E3FA20607493E0D038FF2FD30C2AB67D15C85F7FA"
     "A59",
     "032640BC6003C59260F7250C3DB58CE647F98E1260ACCE4ACDA3DD869F74E01F8BA5E0324309DB6A9831497ABAC96"
     "670",
     "4D44326F269A597A5B58BBA565DA5556ED7FD9A8A9EB76C25F46DB69D19DC8CE6AD18E404B15738B2086DF37E71D1"
     "EB4",
     "62D692136DE56CBE93BF5FA3188EF58BC8A3A0EC6C1E151A21038A42E9185329B5B275903D192F8D4E1F32FE9CC78"
     "C48",
     "0BD9D3A7EA0B3D519D09D8E48D0785FB744A6B355E6304BC51C229FBBCE239BBADF6403715C35D4FB2A5444F575D4"
     "F42"},
    {"06092b240303020801010d",
     "16302FF0DBBB5A8D733DAB7141C1B45ACBC8715939677F6A56850A38BD87BD59B09E80279609FF333EB9D4C061231"
     "F"
     "B26F92EEB04982A5F1D1764CAD57665422",
     "0A420517E406AAC0ACDCE90FCD71487718D3B953EFD7FBEC5F7F27E28C6149999397E91E029E06457DB2D3E640668"
     "B"
     "392C2A7E737A7F0BF04436D11640FD09FD",
     "72E6882E8DB28AAD36237CD25D580DB23783961C8DC52DFA2EC138AD472A0FCEF3887CF62B623B2A87DE5C588301E"
     "A"
     "3E5FC269B373B60724F5E82A6AD147FDE7",
     "230E18E1BCC88A362FA54E4EA3902009292F7F8033624FD471B5D8ACE49D12CFABBC19963DAB8E2F1EBA00BFFB29E"
     "4"
     "D72D13F2224562F405CB80503666B25429",
     "9D45F66DE5D67E2E6DB6E93A59CE0BB48106097FF78A081DE781CDB31FCE8CCBAAEA8DD4320C4119F1E9CD437A2EA"
     "B"
     "3731FA9668AB268D871DEDA55A5473199F",
     "2FDC313095BCDD5FB3A91636F07A959C8E86B5636A1E930E8396049CB481961D365CC11453A06C719835475B12CB5"
     "2"
     "FC3C383BCE35E27EF194512B71876285FA",
     "A7927098655F1F9976FA50A9D566865DC530331846381C87256BAF3226244B76D36403C024D7BBF0AA0803EAFF405"
     "D"
     "3D24F11A9B5C0BEF679FE1454B21C4CD1F"},
};

static void ec_priv(struct key *k, const char *params, const char *d)
{
	key_init(k, CKO_PRIVATE_KEY, CKK_EC);
	key_set_hex(k, CKA_EC_PARAMS, params);
	key_set_hex(k, CKA_VALUE, d);
	OK(be->check_key(ctx, &k->a));
}

/* NIST CAVP ECC CDH Primitive (SP 800-56A 5.7.1.2), [P-224] COUNT = 0. */
static void ecdh_p224_kat(void)
{
	struct key iut, cavs, out;
	CK_BYTE z[28];

	hex("7d96f9a3bd3c05cf5cc37feb8b9d5209d5c2597464dec3e9983743e8", z);
	ec_priv(&iut, "06052b81040021", "8346a60fc6f293ca5a0d2af68ba71d1dd389e5e40837942df3e43cbd");
	ec_pub(&cavs, "06052b81040021", "af33cd0629bc7e996320a3f40368f74de8704fa37b8fab69abaae280",
	       "882092ccbba7930f419a8a4f9bb16978bbc3838729992559a6f2e2d7", 28);
	OK(ecdh(&iut, CKM_ECDH1_DERIVE, attr(&cavs, CKA_EC_POINT)->pValue, 57, &out));
	assert_int_equal(attr(&out, CKA_VALUE)->ulValueLen, 28);
	assert_memory_equal(attr(&out, CKA_VALUE)->pValue, z, 28);
	key_free(&out);
	key_free(&cavs);
	key_free(&iut);
}

void test_curves_ecdh_kat(void **state)
{
	CK_MECHANISM sha = {CKM_ECDSA_SHA384, NULL, 0};
	struct key a, b, qa, qb, out;
	CK_BYTE z[64];

	ecdh_p224_kat();

	for (size_t i = 0; i < LEN(rfc7027); i++) {
		CK_ULONG n = hex(rfc7027[i].z, z);

		ec_priv(&a, rfc7027[i].params, rfc7027[i].da);
		ec_priv(&b, rfc7027[i].params, rfc7027[i].db);
		ec_pub(&qa, rfc7027[i].params, rfc7027[i].xa, rfc7027[i].ya, n);
		ec_pub(&qb, rfc7027[i].params, rfc7027[i].xb, rfc7027[i].yb, n);
		OK(ecdh(&a, CKM_ECDH1_DERIVE, attr(&qb, CKA_EC_POINT)->pValue, 1 + 2 * n, &out));
		assert_int_equal(attr(&out, CKA_VALUE)->ulValueLen, n);
		assert_memory_equal(attr(&out, CKA_VALUE)->pValue, z, n);
		key_free(&out);
		OK(ecdh(&b, CKM_ECDH1_COFACTOR_DERIVE, attr(&qa, CKA_EC_POINT)->pValue, 1 + 2 * n,
		        &out));
		assert_memory_equal(attr(&out, CKA_VALUE)->pValue, z, n);
		key_free(&out);
		/* Each imported private key matches its published public key. */
		sign_verify(&sha, &a, &qa, "A", 1, 2 * n);
		sign_verify(&sha, &b, &qb, "B", 1, 2 * n);
		key_free(&a);
		key_free(&b);
		key_free(&qa);
		key_free(&qb);
	}
}

/* An OpenSSL key of the group from a token key: its point, and its scalar when priv is given. */
static EVP_PKEY *ossl_key(const char *group, const struct key *pub, const struct key *priv)
{
	const CK_ATTRIBUTE *pt = attr(pub, CKA_EC_POINT);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *d = NULL;
	OSSL_PARAM *params;
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *pkey = NULL;
	size_t hdr = ((CK_BYTE *)pt->pValue)[1] == 0x81 ? 3 : 2;

	assert_non_null(bld);
	assert_non_null(pctx);
	assert_int_equal(OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
	                 1);
	assert_int_equal(OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	                                                  (CK_BYTE *)pt->pValue + hdr,
	                                                  pt->ulValueLen - hdr),
	                 1);
	if (priv) {
		const CK_ATTRIBUTE *v = attr(priv, CKA_VALUE);

		d = BN_bin2bn(v->pValue, (int)v->ulValueLen, NULL);
		assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d), 1);
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	assert_non_null(params);
	assert_int_equal(EVP_PKEY_fromdata_init(pctx), 1);
	assert_int_equal(
	    EVP_PKEY_fromdata(pctx, &pkey, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params),
	    1);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(d);
	EVP_PKEY_CTX_free(pctx);
	return pkey;
}

/* The twisted brainpool curves: OpenSSL verifies the token's signatures and agrees on ECDH. */
void test_curves_twisted_cross(void **state)
{
	CK_MECHANISM sha = {CKM_ECDSA_SHA256, NULL, 0};
	CK_BYTE sig[128], der[160], z[64];
	CK_ULONG siglen;
	size_t derlen, zlen;

	for (size_t i = 0; i < LEN(curves); i++) {
		struct key pub1, priv1, pub2, priv2, out;
		EVP_PKEY *mine, *peer;
		EVP_MD_CTX *mctx;
		EVP_PKEY_CTX *dctx;

		if (!strstr(curves[i].name, "t1"))
			continue;
		OK(gen_ec(CKM_EC_KEY_PAIR_GEN, CKK_EC, curves[i].oid, &pub1, &priv1));
		OK(gen_ec(CKM_EC_KEY_PAIR_GEN, CKK_EC, curves[i].oid, &pub2, &priv2));
		OK(sign(&sha, &priv1, "twisted", 7, sig, &siglen));
		derlen = ecdsa_der(sig, siglen / 2, der);
		peer = ossl_key(curves[i].name, &pub1, NULL);
		mctx = EVP_MD_CTX_new();
		assert_int_equal(EVP_DigestVerifyInit(mctx, NULL, EVP_sha256(), NULL, peer), 1);
		assert_int_equal(EVP_DigestVerify(mctx, der, derlen, (CK_BYTE *)"twisted", 7), 1);
		EVP_MD_CTX_free(mctx);
		mine = ossl_key(curves[i].name, &pub2, &priv2);
		dctx = EVP_PKEY_CTX_new(mine, NULL);
		zlen = sizeof(z);
		assert_int_equal(EVP_PKEY_derive_init(dctx), 1);
		assert_int_equal(EVP_PKEY_derive_set_peer(dctx, peer), 1);
		assert_int_equal(EVP_PKEY_derive(dctx, z, &zlen), 1);
		OK(ecdh(&priv1, CKM_ECDH1_DERIVE, attr(&pub2, CKA_EC_POINT)->pValue,
		        attr(&pub2, CKA_EC_POINT)->ulValueLen, &out));
		assert_int_equal(zlen, curves[i].n);
		assert_memory_equal(attr(&out, CKA_VALUE)->pValue, z, zlen);
		EVP_PKEY_CTX_free(dctx);
		EVP_PKEY_free(mine);
		EVP_PKEY_free(peer);
		key_free(&out);
		key_free(&pub1);
		key_free(&priv1);
		key_free(&pub2);
		key_free(&priv2);
	}
}

/* Names OpenSSL and NIST use, and names that are no curve. */
void test_curves_names(void **state)
{
	static const struct {
		const char *name;
		CK_RV rv;
	} cases[] = {
	    {"P-256", CKR_OK},
	    {"secp256r1", CKR_OK},
	    {"P-224", CKR_OK},
	    {"secp384r1", CKR_OK},
	    {"rsaEncryption", CKR_CURVE_NOT_SUPPORTED},
	    {"prime192v1", CKR_CURVE_NOT_SUPPORTED},
	    {"brainpoolP256R1", CKR_CURVE_NOT_SUPPORTED},
	};
	char params[80];
	struct key pub, priv;

	for (size_t i = 0; i < LEN(cases); i++) {
		name_params(cases[i].name, params, sizeof(params));
		assert_int_equal(gen_ec(CKM_EC_KEY_PAIR_GEN, CKK_EC, params, &pub, &priv),
		                 cases[i].rv);
		key_free(&pub);
		key_free(&priv);
	}
	/* A PrintableString longer than its contents, and an OID with bytes after it. */
	assert_int_equal(gen_ec(CKM_EC_KEY_PAIR_GEN, CKK_EC, "130a6272", &pub, &priv),
	                 CKR_ATTRIBUTE_VALUE_INVALID);
	key_free(&pub);
	key_free(&priv);
	assert_int_equal(gen_ec(CKM_EC_KEY_PAIR_GEN, CKK_EC, "06052b8104002100", &pub, &priv),
	                 CKR_ATTRIBUTE_VALUE_INVALID);
	key_free(&pub);
	key_free(&priv);
}
