/*
 * The report as Markdown tables and as JSON (bench_out.h).  A figure that
 * was not measured shows why instead of a number: "unsupported" when the
 * module lacks the mechanism, "failed (...)" otherwise.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "bench_kdf.h"
#include "bench_objpar.h"
#include "bench_out.h"

/* A number for people: thousands separated above 1000, else 3 digits. */
static const char *out_num(double v, char *buf, size_t len)
{
	char digits[32];
	size_t n, j = 0;

	if (v < 100) {
		snprintf(buf, len, "%.*f", v < 10 ? 2 : 1, v);
		return buf;
	}
	snprintf(digits, sizeof(digits), "%.0f", v);
	n = strlen(digits);
	for (size_t i = 0; i < n && j + 2 < len; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[j++] = ',';
		buf[j++] = digits[i];
	}
	buf[j] = '\0';
	return buf;
}

/* The cell of a figure: its median, or why there is none. */
static const char *out_cell(const struct bench_measure *m, char *buf, size_t len)
{
	switch (m->status) {
	case BENCH_OK:
		return out_num(m->median, buf, len);
	case BENCH_UNSUPPORTED:
		return "unsupported";
	case BENCH_SKIPPED:
		return "";
	case BENCH_FAILED:
		break;
	}
	snprintf(buf, len, "failed (%s)", m->why);
	return buf;
}

static void out_ops(FILE *out, const struct bench_report *r)
{
	fprintf(out, "| operation | ops/s | MB/s | OpenSSL ops/s | ratio |\n");
	fprintf(out, "|---|--:|--:|--:|--:|\n");
	for (int i = 0; i < r->nrows; i++) {
		const struct bench_row *row = &r->rows[i];
		char a[128], b[32], c[128], d[32] = "";
		bool ok = row->p11.status == BENCH_OK;

		b[0] = '\0';
		if (ok && row->bytes)
			out_num(row->p11.median * (double)row->bytes / 1e6, b, sizeof(b));
		if (ok && row->ossl.status == BENCH_OK)
			snprintf(d, sizeof(d), "%.2fx", row->p11.median / row->ossl.median);
		fprintf(out, "| %s | %s | %s | %s | %s |\n", row->name,
		        out_cell(&row->p11, a, sizeof(a)), b, out_cell(&row->ossl, c, sizeof(c)),
		        d);
	}
}

/* The single-thread figure of the module (ossl false) or of OpenSSL. */
static double out_one_thread(const struct bench_report *r, bool ossl)
{
	for (int i = 0; i < r->npar; i++) {
		const struct bench_measure *m = ossl ? &r->par[i].ossl : &r->par[i].m;

		if (r->par[i].workers == 1 && !r->par[i].processes && m->status == BENCH_OK)
			return m->median;
	}
	return 0;
}

static const char *out_unit(const struct bench_par *par)
{
	if (par->processes)
		return par->workers > 1 ? "processes" : "process";
	return par->workers > 1 ? "threads" : "thread";
}

/* The scaling of m against the single-thread figure one, or "". */
static const char *out_scale(const struct bench_measure *m, double one, char *buf, size_t len)
{
	buf[0] = '\0';
	if (one > 0 && m->status == BENCH_OK)
		snprintf(buf, len, "%.2fx", m->median / one);
	return buf;
}

static void out_par(FILE *out, const struct bench_report *r)
{
	double one = out_one_thread(r, false), raw_one = out_one_thread(r, true);

	if (r->npar == 0)
		return;
	fprintf(out, "\n| ECDSA P-256 sign (CKM_ECDSA), concurrent | ops/s | vs 1 thread | "
	             "raw OpenSSL ops/s | OpenSSL vs 1 thread |\n");
	fprintf(out, "|---|--:|--:|--:|--:|\n");
	for (int i = 0; i < r->npar; i++) {
		const struct bench_par *par = &r->par[i];
		char a[128], b[32], c[128], d[32];

		fprintf(out, "| %d %s | %s | %s | %s | %s |\n", par->workers, out_unit(par),
		        out_cell(&par->m, a, sizeof(a)), out_scale(&par->m, one, b, sizeof(b)),
		        out_cell(&par->ossl, c, sizeof(c)),
		        out_scale(&par->ossl, raw_one, d, sizeof(d)));
	}
}

/* C_Login minus the Argon2id reference, into buf, or "". */
static const char *out_beyond_kdf(const struct bench_report *r, const struct bench_objects *ob,
                                  char *buf, size_t len)
{
	buf[0] = '\0';
	if (ob->login.status == BENCH_OK && r->kdf.status == BENCH_OK)
		snprintf(buf, len, "%.1f", ob->login.median - r->kdf.median);
	return buf;
}

static void out_objects(FILE *out, const struct bench_report *r)
{
	char k[128];

	if (r->nobjects == 0)
		return;
	fprintf(out,
	        "\n| token objects present | create/s | create/s, %d processes | "
	        "find by label/s | destroy/s | C_Initialize+C_Login ms | of which C_Login | "
	        "C_Login - Argon2id reference | objects seen | peak RSS of that process |\n",
	        BENCH_OBJPAR_PROCS);
	fprintf(out, "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
	for (int i = 0; i < r->nobjects; i++) {
		const struct bench_objects *ob = &r->objects[i];
		char n[32], a[128], p[128], b[128], c[128], d[128], e[128], f[32], rss[32] = "";

		if (ob->rss_kib > 0)
			snprintf(rss, sizeof(rss), "%.1f MiB", (double)ob->rss_kib / 1024);
		fprintf(out, "| %s | %s | %s | %s | %s | %s | %s | %s | %lu | %s |\n",
		        out_num((double)ob->count, n, sizeof(n)),
		        out_cell(&ob->create, a, sizeof(a)),
		        out_cell(&ob->create_par, p, sizeof(p)), out_cell(&ob->find, b, sizeof(b)),
		        out_cell(&ob->destroy, c, sizeof(c)), out_cell(&ob->start, d, sizeof(d)),
		        out_cell(&ob->login, e, sizeof(e)), out_beyond_kdf(r, ob, f, sizeof(f)),
		        ob->found, rss);
	}
	fprintf(out, "\nArgon2id reference (m = %d KiB, t = %d, p = %d) in this process: %s ms\n",
	        BENCH_KDF_M_KIB, BENCH_KDF_T, BENCH_KDF_P, out_cell(&r->kdf, k, sizeof(k)));
}

void bench_out_table(FILE *out, const struct bench_opts *o, const struct bench_report *r)
{
	fprintf(out, "module: %s\n", o->module);
	fprintf(out, "library: %s\ntoken: %s\n", r->library, r->token);
	fprintf(
	    out,
	    "each figure: median of %d run%s of %.2f s; ratio = module / %s in this process\n\n",
	    o->runs, o->runs == 1 ? "" : "s", o->seconds, OpenSSL_version(OPENSSL_VERSION));
	out_ops(out, r);
	out_par(out, r);
	out_objects(out, r);
	fprintf(out, "\npeak RSS of this process: %.1f MiB; wall time %.0f s\n",
	        (double)r->self_rss_kib / 1024, r->wall_seconds);
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void json_num(FILE *out, double v)
{
	if (isfinite(v))
		fprintf(out, "%.6g", v);
	else
		fputs("null", out);
}

static void json_measure(FILE *out, const char *key, const struct bench_measure *m)
{
	static const char *const names[] = {"ok", "unsupported", "failed", "skipped"};

	fprintf(out, "\"%s\": {\"status\": \"%s\"", key, names[m->status]);
	if (m->status == BENCH_OK) {
		fputs(", \"median\": ", out);
		json_num(out, m->median);
		fputs(", \"min\": ", out);
		json_num(out, m->min);
		fputs(", \"max\": ", out);
		json_num(out, m->max);
		fprintf(out, ", \"runs\": %d", m->nruns);
	} else {
		fputs(", \"why\": ", out);
		json_str(out, m->why);
	}
	fputc('}', out);
}

static void json_ops(FILE *out, const struct bench_report *r)
{
	fputs("  \"operations\": [\n", out);
	for (int i = 0; i < r->nrows; i++) {
		const struct bench_row *row = &r->rows[i];

		fputs("    {\"id\": ", out);
		json_str(out, row->id);
		fputs(", \"name\": ", out);
		json_str(out, row->name);
		fprintf(out, ", \"bytes\": %zu, ", row->bytes);
		json_measure(out, "module", &row->p11);
		fputs(", ", out);
		json_measure(out, "openssl", &row->ossl);
		fprintf(out, "}%s\n", i + 1 < r->nrows ? "," : "");
	}
	fputs("  ],\n", out);
}

static void json_par(FILE *out, const struct bench_report *r)
{
	fputs("  \"concurrent\": [\n", out);
	for (int i = 0; i < r->npar; i++) {
		const struct bench_par *par = &r->par[i];

		fputs("    {\"id\": ", out);
		json_str(out, par->id);
		fprintf(out, ", \"workers\": %d, \"processes\": %s, ", par->workers,
		        par->processes ? "true" : "false");
		json_measure(out, "module", &par->m);
		fputs(", ", out);
		json_measure(out, "openssl", &par->ossl);
		fprintf(out, "}%s\n", i + 1 < r->npar ? "," : "");
	}
	fputs("  ],\n", out);
}

static void json_objects(FILE *out, const struct bench_report *r)
{
	fputs("  \"objects\": [\n", out);
	for (int i = 0; i < r->nobjects; i++) {
		const struct bench_objects *ob = &r->objects[i];

		fprintf(out, "    {\"count\": %zu, ", ob->count);
		json_measure(out, "create", &ob->create);
		fputs(", ", out);
		json_measure(out, "create_par", &ob->create_par);
		fprintf(out, ", \"create_par_procs\": %d, ", BENCH_OBJPAR_PROCS);
		json_measure(out, "find", &ob->find);
		fputs(", ", out);
		json_measure(out, "destroy", &ob->destroy);
		fputs(", ", out);
		json_measure(out, "start_ms", &ob->start);
		fputs(", ", out);
		json_measure(out, "login_ms", &ob->login);
		fprintf(out, ", \"found\": %lu, \"rss_kib\": %ld}%s\n", ob->found, ob->rss_kib,
		        i + 1 < r->nobjects ? "," : "");
	}
	fputs("  ],\n", out);
}

void bench_out_json(FILE *out, const struct bench_opts *o, const struct bench_report *r)
{
	fputs("{\n  \"module\": ", out);
	json_str(out, o->module);
	fputs(",\n  \"library\": ", out);
	json_str(out, r->library);
	fputs(",\n  \"token\": ", out);
	json_str(out, r->token);
	fputs(",\n  \"openssl\": ", out);
	json_str(out, OpenSSL_version(OPENSSL_VERSION));
	fprintf(out, ",\n  \"seconds\": %g,\n  \"runs\": %d,\n", o->seconds, o->runs);
	json_ops(out, r);
	json_par(out, r);
	json_objects(out, r);
	fputs("  ", out);
	json_measure(out, "kdf_ref_ms", &r->kdf);
	fprintf(out, ",\n  \"kdf_ref_params\": {\"m_kib\": %d, \"t\": %d, \"p\": %d},\n",
	        BENCH_KDF_M_KIB, BENCH_KDF_T, BENCH_KDF_P);
	fprintf(out, "  \"self_rss_kib\": %ld,\n  \"wall_seconds\": %.1f\n}\n", r->self_rss_kib,
	        r->wall_seconds);
}
