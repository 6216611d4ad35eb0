/*
 * The key derivation measurements (bench_derive.h).
 *
 * Through PKCS#11 one operation is what an application pays for a derived
 * key it uses and drops: C_DeriveKey into a session object, then
 * C_DestroyObject.  On OpenSSL it is what the same application would do
 * without a token: a context from an HKDF fetched once, EVP_KDF_derive with
 * the same digest, key, salt and info, and the context freed.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "bench_derive.h"
#include "bench_time.h"

#define DERIVE_OUT 32

static const CK_BYTE derive_ikm[32] = {0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b};
static const CK_BYTE derive_salt[32] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
static const CK_BYTE derive_info[16] = {0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7};

struct derive_p11 {
	CK_FUNCTION_LIST_PTR f;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE base;
	CK_HKDF_PARAMS params;
};

struct derive_ossl {
	EVP_KDF *kdf;
	unsigned char out[DERIVE_OUT];
};

static CK_RV derive_p11_op(void *arg)
{
	struct derive_p11 *d = arg;
	static CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	static CK_KEY_TYPE type = CKK_GENERIC_SECRET;
	static CK_ULONG len = DERIVE_OUT;
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof(cls)},
	                    {CKA_KEY_TYPE, &type, sizeof(type)},
	                    {CKA_VALUE_LEN, &len, sizeof(len)}};
	CK_MECHANISM m = {CKM_HKDF_DERIVE, &d->params, sizeof(d->params)};
	CK_OBJECT_HANDLE h;
	CK_RV rv = d->f->C_DeriveKey(d->s, &m, d->base, t, sizeof(t) / sizeof(t[0]), &h);

	return rv == CKR_OK ? d->f->C_DestroyObject(d->s, h) : rv;
}

static CK_RV derive_ossl_op(void *arg)
{
	struct derive_ossl *d = arg;
	OSSL_PARAM params[5], *q = params;
	EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(d->kdf);
	int ok;

	*q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)derive_ikm,
	                                         sizeof(derive_ikm));
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)derive_salt,
	                                         sizeof(derive_salt));
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)derive_info,
	                                         sizeof(derive_info));
	*q = OSSL_PARAM_construct_end();
	ok = ctx && EVP_KDF_derive(ctx, d->out, sizeof(d->out), params) == 1;
	EVP_KDF_CTX_free(ctx);
	return ok ? CKR_OK : CKR_FUNCTION_FAILED;
}

/*
 * What C_DeriveKey costs beyond the derivation: making and destroying a
 * session secret key of the same size, from a template that gives its value.
 */
static CK_RV derive_object_op(void *arg)
{
	struct derive_p11 *d = arg;
	static CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	static CK_KEY_TYPE type = CKK_GENERIC_SECRET;
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof(cls)},
	                    {CKA_KEY_TYPE, &type, sizeof(type)},
	                    {CKA_VALUE, (void *)derive_ikm, DERIVE_OUT}};
	CK_OBJECT_HANDLE h;
	CK_RV rv = d->f->C_CreateObject(d->s, t, sizeof(t) / sizeof(t[0]), &h);

	return rv == CKR_OK ? d->f->C_DestroyObject(d->s, h) : rv;
}

/* The base key, a session generic secret usable for derivation; CKR_OK or why not. */
static CK_RV derive_p11_setup(struct bench_p11 *p, struct derive_p11 *d)
{
	static CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	static CK_KEY_TYPE type = CKK_GENERIC_SECRET;
	static CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof(cls)},
	                    {CKA_KEY_TYPE, &type, sizeof(type)},
	                    {CKA_VALUE, (void *)derive_ikm, sizeof(derive_ikm)},
	                    {CKA_DERIVE, &yes, 1}};
	CK_MECHANISM_INFO info;
	CK_RV rv = p->f->C_GetMechanismInfo(p->slot, CKM_HKDF_DERIVE, &info);

	if (rv != CKR_OK)
		return CKR_MECHANISM_INVALID;
	d->f = p->f;
	d->s = p->session;
	d->params = (CK_HKDF_PARAMS){CK_TRUE,
	                             CK_TRUE,
	                             CKM_SHA256,
	                             CKF_HKDF_SALT_DATA,
	                             (CK_BYTE *)derive_salt,
	                             sizeof(derive_salt),
	                             CK_INVALID_HANDLE,
	                             (CK_BYTE *)derive_info,
	                             sizeof(derive_info)};
	return p->f->C_CreateObject(p->session, t, sizeof(t) / sizeof(t[0]), &d->base);
}

static void derive_hkdf_row(struct bench_p11 *p, bool with_ossl, const struct bench_opts *o,
                            struct bench_row *row)
{
	struct derive_p11 mine = {0};
	struct derive_ossl raw = {0};
	bench_op_fn p11_fn = NULL, ossl_fn = NULL;
	CK_RV rv = derive_p11_setup(p, &mine);

	if (rv == CKR_OK)
		p11_fn = derive_p11_op;
	else
		bench_measure_fail(&row->p11, rv,
		                   rv == CKR_MECHANISM_INVALID ? "not listed" : "no base key");
	if (with_ossl)
		raw.kdf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_HKDF, NULL);
	if (raw.kdf)
		ossl_fn = derive_ossl_op;
	bench_measure_pair(p11_fn, &mine, ossl_fn, &raw, o, &row->p11, &row->ossl);
	if (mine.base)
		p->f->C_DestroyObject(p->session, mine.base);
	EVP_KDF_free(raw.kdf);
}

/* The object part alone, without an OpenSSL counterpart. */
static void derive_object_row(struct bench_p11 *p, const struct bench_opts *o,
                              struct bench_row *row)
{
	struct derive_p11 d = {.f = p->f, .s = p->session};

	bench_measure_pair(derive_object_op, &d, NULL, NULL, o, &row->p11, &row->ossl);
}

/* Appends a row to r with the OpenSSL column skipped; NULL when r is full. */
static struct bench_row *derive_row(struct bench_report *r, const char *id, const char *name)
{
	struct bench_row *row;

	if (r->nrows >= BENCH_MAX_ROWS)
		return NULL;
	row = &r->rows[r->nrows++];
	memset(row, 0, sizeof(*row));
	row->id = id;
	row->name = name;
	row->ossl.status = BENCH_SKIPPED;
	return row;
}

void bench_derive_run(struct bench_p11 *p, bool with_ossl, const struct bench_opts *o,
                      struct bench_report *r)
{
	struct bench_row *row;

	if (bench_wanted(o, "hkdf-object") &&
	    (row = derive_row(r, "hkdf-object", "secret key create+destroy 32 B")))
		derive_object_row(p, o, row);

	if (!bench_wanted(o, "hkdf-sha256") ||
	    !(row = derive_row(r, "hkdf-sha256", "HKDF-SHA256 derive 32 B key")))
		return;
	derive_hkdf_row(p, with_ossl && !o->no_openssl, o, row);
	if (row->p11.status == BENCH_OK && row->ossl.status == BENCH_OK)
		bench_progress("%-18s %12.0f ops/s  (OpenSSL %.0f, %.2fx)", row->id,
		               row->p11.median, row->ossl.median,
		               row->p11.median / row->ossl.median);
}
