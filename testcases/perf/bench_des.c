/*
 * The triple-DES row of os-bench.  Both sides do per operation what an
 * application pays for one encryption: the key set-up and the single-shot
 * encryption of 8 KiB in CBC mode without padding (C_EncryptInit and
 * C_Encrypt; EVP_EncryptInit_ex2, EVP_EncryptUpdate and EVP_EncryptFinal_ex
 * on a context and a cipher fetched once).  The key is imported with
 * C_CreateObject so that a module without CKM_DES3_KEY_GEN is measured
 * too, and so that both sides use the same key.
 */
#include "bench_des.h"

#include <string.h>

#include <openssl/evp.h>

#define DES_ID  "des3-cbc-8k"
#define DES_LEN 8192

struct des_side {
	CK_FUNCTION_LIST_PTR f;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE key;
	CK_MECHANISM mech;
	EVP_CIPHER *cipher;
	EVP_CIPHER_CTX *ctx;
	CK_BYTE in[DES_LEN];
	CK_BYTE out[DES_LEN + 8];
};

static const CK_BYTE des_key[24] = {
    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x23, 0x45, 0x67, 0x89,
    0xab, 0xcd, 0xef, 0x01, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23,
};
static CK_BYTE des_iv[8] = {0x12, 0x34, 0x56, 0x78, 0x90, 0xab, 0xcd, 0xef};

static CK_RV des_p11(void *arg)
{
	struct des_side *d = arg;
	CK_ULONG len = sizeof(d->out);
	CK_RV rv = d->f->C_EncryptInit(d->s, &d->mech, d->key);

	if (rv != CKR_OK)
		return rv;
	return d->f->C_Encrypt(d->s, d->in, DES_LEN, d->out, &len);
}

static CK_RV des_ossl(void *arg)
{
	struct des_side *d = arg;
	int outl = 0, finl = 0;

	if (EVP_EncryptInit_ex2(d->ctx, d->cipher, des_key, des_iv, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(d->ctx, 0) != 1 ||
	    EVP_EncryptUpdate(d->ctx, d->out, &outl, d->in, DES_LEN) != 1 ||
	    EVP_EncryptFinal_ex(d->ctx, d->out + outl, &finl) != 1)
		return CKR_FUNCTION_FAILED;
	return CKR_OK;
}

/* Imports the key into the key session; CKR_OK or why not, explained in m. */
static CK_RV des_import(struct des_side *d, struct bench_p11 *p, struct bench_measure *m)
{
	static CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	static CK_KEY_TYPE type = CKK_DES3;
	static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE t[] = {
	    {CKA_CLASS, &cls, sizeof(cls)},
	    {CKA_KEY_TYPE, &type, sizeof(type)},
	    {CKA_TOKEN, &no, sizeof(no)},
	    {CKA_ENCRYPT, &yes, sizeof(yes)},
	    {CKA_VALUE, (void *)des_key, sizeof(des_key)},
	};
	CK_MECHANISM_INFO info;
	CK_RV rv = p->f->C_GetMechanismInfo(p->slot, CKM_DES3_CBC, &info);

	if (rv != CKR_OK) {
		bench_measure_fail(m, CKR_MECHANISM_INVALID, "not listed");
		return rv;
	}
	rv = p->f->C_CreateObject(p->session, t, sizeof(t) / sizeof(t[0]), &d->key);
	if (rv != CKR_OK)
		bench_measure_fail(m, rv, "no key");
	return rv;
}

static void des_show(const struct bench_row *row)
{
	if (row->p11.status != BENCH_OK)
		bench_progress("%-18s %s %s", row->id,
		               row->p11.status == BENCH_UNSUPPORTED ? "unsupported" : "failed",
		               row->p11.why);
	else if (row->ossl.status == BENCH_OK)
		bench_progress("%-18s %12.0f ops/s  (OpenSSL %.0f, %.2fx)", row->id,
		               row->p11.median, row->ossl.median,
		               row->p11.median / row->ossl.median);
	else
		bench_progress("%-18s %12.0f ops/s", row->id, row->p11.median);
}

void bench_des_run(struct bench_p11 *p, const struct bench_opts *o, struct bench_report *r)
{
	static struct des_side d;
	bench_op_fn mine = NULL, theirs = NULL;
	struct bench_row *row;

	if (!bench_wanted(o, DES_ID) || r->nrows >= BENCH_MAX_ROWS)
		return;
	row = &r->rows[r->nrows++];
	memset(row, 0, sizeof(*row));
	row->id = DES_ID;
	row->name = "3DES-CBC encrypt 8 KiB";
	row->bytes = DES_LEN;
	row->ossl.status = BENCH_SKIPPED;
	memset(&d, 0, sizeof(d));
	for (size_t i = 0; i < DES_LEN; i++)
		d.in[i] = (CK_BYTE)(i * 31 + 7);
	d.f = p->f;
	d.s = p->session;
	d.mech = (CK_MECHANISM){CKM_DES3_CBC, des_iv, sizeof(des_iv)};
	if (des_import(&d, p, &row->p11) == CKR_OK)
		mine = des_p11;
	if (!o->no_openssl) {
		d.cipher = EVP_CIPHER_fetch(NULL, "DES-EDE3-CBC", NULL);
		d.ctx = EVP_CIPHER_CTX_new();
		if (d.cipher && d.ctx)
			theirs = des_ossl;
	}
	bench_measure_pair(mine, &d, theirs, &d, o, &row->p11, &row->ossl);
	if (mine)
		p->f->C_DestroyObject(p->session, d.key);
	EVP_CIPHER_CTX_free(d.ctx);
	EVP_CIPHER_free(d.cipher);
	des_show(row);
}
