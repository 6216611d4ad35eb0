/*
 * C_CopyObject against the PKCS#11 3.0 object tables, through the real
 * library and slotd.
 *
 * For every object the soft token makes (data, X.509 certificate, AES key,
 * RSA and EC key pairs) the test walks the attributes openslot's rules table
 * gives that shape and copies the object into a token object with one of
 * them changed.  The outcome expected comes from this file's own reading
 * of the specification (spec_may_change below, not from the rules code):
 * CKR_OK for an attribute the tables mark modifiable (footnote 8) and for
 * CKA_TOKEN, CKA_PRIVATE and CKA_MODIFIABLE, moved the way the one-way
 * footnotes 11 and 12 allow, else CKR_ATTRIBUTE_READ_ONLY; CKA_TRUSTED
 * true needs the security officer (footnote 10).  openslot adds that a
 * key whose secret is protected stays private (CKA_PRIVATE false does not
 * fit its other attributes: CKR_TEMPLATE_INCONSISTENT), and that an
 * unmodifiable object's copy keeps its content.  Each copy made is read back, and again
 * from disk by a second process with its own C_Initialize.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "openslot/pkcs11.h"
#include "harness.h"
#include "p11child.h"
#include "rules_table.h"

#define SO_PIN     "87654321"
#define USER_PIN   "123456"
#define MAX_COPIES 512
#define MAX_VALUE  64
#define UNIQUE_LEN 32
#define ARRAY_N(a) (sizeof(a) / sizeof((a)[0]))
#define SLOT_CONF                                                         \
	"{ id = 0; backend = \"soft\"; token = \"softtok\"; options = { " \
	"pin-kdf-memory = \"64\"; pin-kdf-time = \"1\"; }; }"

static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static const CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};

/* What a copy must show, here and in the second process. */
struct copy_record {
	char unique[UNIQUE_LEN];
	CK_ATTRIBUTE_TYPE type;
	CK_BYTE value[MAX_VALUE];
	CK_ULONG len;
};

struct fixture {
	struct harness h;
	void *dl;
	CK_FUNCTION_LIST_3_0 *f;
	CK_SESSION_HANDLE s;
	struct copy_record copies[MAX_COPIES];
	size_t n_copies;
};

/* How a source object was made, which changes what its copies may do. */
enum source_kind {
	SOURCE_PLAIN,     /* defaults: sensitive false, extractable true, ... */
	SOURCE_HARDENED,  /* every one-way flag at its fixed value */
	SOURCE_READ_ONLY, /* CKA_MODIFIABLE false */
};

/* Attributes the specification lets C_CopyObject change, per table. */
static const CK_ATTRIBUTE_TYPE spec_storage[] = {CKA_TOKEN, CKA_PRIVATE,  CKA_MODIFIABLE,
                                                 CKA_LABEL, CKA_COPYABLE, CKA_DESTROYABLE};
static const CK_ATTRIBUTE_TYPE spec_data[] = {CKA_APPLICATION, CKA_OBJECT_ID, CKA_VALUE};
static const CK_ATTRIBUTE_TYPE spec_x509[] = {CKA_TRUSTED, CKA_ID, CKA_ISSUER, CKA_SERIAL_NUMBER};
static const CK_ATTRIBUTE_TYPE spec_key[] = {CKA_ID, CKA_START_DATE, CKA_END_DATE, CKA_DERIVE};
static const CK_ATTRIBUTE_TYPE spec_public[] = {CKA_SUBJECT,        CKA_ENCRYPT, CKA_VERIFY,
                                                CKA_VERIFY_RECOVER, CKA_WRAP,    CKA_TRUSTED};
static const CK_ATTRIBUTE_TYPE spec_private[] = {
    CKA_SUBJECT, CKA_SENSITIVE,   CKA_DECRYPT,           CKA_SIGN,           CKA_SIGN_RECOVER,
    CKA_UNWRAP,  CKA_EXTRACTABLE, CKA_WRAP_WITH_TRUSTED, CKA_PUBLIC_KEY_INFO};
static const CK_ATTRIBUTE_TYPE spec_secret[] = {
    CKA_SENSITIVE, CKA_ENCRYPT,     CKA_DECRYPT,           CKA_SIGN,   CKA_VERIFY, CKA_WRAP,
    CKA_UNWRAP,    CKA_EXTRACTABLE, CKA_WRAP_WITH_TRUSTED, CKA_TRUSTED};

static bool listed(const CK_ATTRIBUTE_TYPE *v, size_t n, CK_ATTRIBUTE_TYPE t)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == t)
			return true;
	return false;
}

#define LISTED(a, t) listed((a), ARRAY_N(a), (t))

static bool spec_may_change(CK_OBJECT_CLASS cls, CK_ATTRIBUTE_TYPE t)
{
	if (LISTED(spec_storage, t))
		return true;
	switch (cls) {
	case CKO_DATA:
		return LISTED(spec_data, t);
	case CKO_CERTIFICATE:
		return LISTED(spec_x509, t);
	case CKO_PUBLIC_KEY:
		return LISTED(spec_key, t) || LISTED(spec_public, t);
	case CKO_PRIVATE_KEY:
		return LISTED(spec_key, t) || LISTED(spec_private, t);
	case CKO_SECRET_KEY:
		return LISTED(spec_key, t) || LISTED(spec_secret, t);
	default:
		return false;
	}
}

/*
 * Whether a one-way flag may become now: footnotes 11 and 12 and the text of
 * CKA_COPYABLE, and openslot's choice that CKA_DESTROYABLE and
 * CKA_MODIFIABLE move only to false as well.
 */
static bool spec_one_way_ok(CK_ATTRIBUTE_TYPE t, CK_BBOOL now)
{
	if (t == CKA_SENSITIVE || t == CKA_WRAP_WITH_TRUSTED)
		return now;
	if (t == CKA_EXTRACTABLE || t == CKA_COPYABLE || t == CKA_DESTROYABLE ||
	    t == CKA_MODIFIABLE)
		return !now;
	return true;
}

/* The outcome the specification (and openslot's documented choices) ask for. */
static CK_RV expected(CK_OBJECT_CLASS cls, enum source_kind kind, const CK_ATTRIBUTE *at)
{
	CK_BBOOL now = at->ulValueLen == 1 ? *(CK_BBOOL *)at->pValue : CK_FALSE;
	bool flag = at->ulValueLen == 1;

	if (!spec_may_change(cls, at->type))
		return CKR_ATTRIBUTE_READ_ONLY;
	if (kind == SOURCE_READ_ONLY && at->type != CKA_TOKEN && at->type != CKA_PRIVATE &&
	    !(flag && spec_one_way_ok(at->type, now) && !spec_one_way_ok(at->type, !now)))
		return CKR_ATTRIBUTE_READ_ONLY; /* an unmodifiable object keeps its content */
	if (flag && !spec_one_way_ok(at->type, now))
		return CKR_ATTRIBUTE_READ_ONLY;
	if (at->type == CKA_TRUSTED && now)
		return CKR_ATTRIBUTE_READ_ONLY; /* the user is logged in, not the SO */
	if (at->type == CKA_PRIVATE && !now && kind == SOURCE_HARDENED)
		return CKR_TEMPLATE_INCONSISTENT; /* a protected key stays private */
	return CKR_OK;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	CK_UTF8CHAR label[32];
	CK_INTERFACE *iface;

	assert_non_null(fx);
	assert_int_equal(harness_init(&fx->h), 0);
	assert_int_equal(harness_write_conf(&fx->h, NULL, SLOT_CONF), 0);
	assert_int_equal(harness_start(&fx->h, NULL), 0);
	harness_use_instance(&fx->h);
	fx->dl = dlopen(harness_library(), RTLD_NOW | RTLD_LOCAL);
	assert_non_null(fx->dl);
	CK_C_GetInterface get = (CK_C_GetInterface)dlsym(fx->dl, "C_GetInterface");
	assert_int_equal(get(NULL, NULL, &iface, 0), CKR_OK);
	fx->f = iface->pFunctionList;
	assert_int_equal(fx->f->C_Initialize(NULL), CKR_OK);
	memset(label, ' ', sizeof(label));
	assert_int_equal(fx->f->C_InitToken(0, (CK_UTF8CHAR_PTR)SO_PIN, 8, label), CKR_OK);
	assert_int_equal(
	    fx->f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &fx->s),
	    CKR_OK);
	assert_int_equal(fx->f->C_Login(fx->s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, 8), CKR_OK);
	assert_int_equal(fx->f->C_InitPIN(fx->s, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	assert_int_equal(fx->f->C_Logout(fx->s), CKR_OK);
	assert_int_equal(fx->f->C_Login(fx->s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	fx->f->C_Finalize(NULL);
	dlclose(fx->dl);
	harness_cleanup(&fx->h);
	free(fx);
	return 0;
}

/* The hardened and read-only variants of a template, appended to base. */
static CK_ULONG source_template(enum source_kind kind, CK_OBJECT_CLASS cls, CK_ATTRIBUTE *t,
                                CK_ULONG n)
{
	bool secret = cls == CKO_PRIVATE_KEY || cls == CKO_SECRET_KEY;

	if (kind == SOURCE_READ_ONLY)
		t[n++] = (CK_ATTRIBUTE){CKA_MODIFIABLE, &no, 1};
	if (kind != SOURCE_HARDENED)
		return n;
	t[n++] = (CK_ATTRIBUTE){CKA_DESTROYABLE, &no, 1};
	if (secret) {
		t[n++] = (CK_ATTRIBUTE){CKA_SENSITIVE, &yes, 1};
		t[n++] = (CK_ATTRIBUTE){CKA_EXTRACTABLE, &no, 1};
		t[n++] = (CK_ATTRIBUTE){CKA_WRAP_WITH_TRUSTED, &yes, 1};
	}
	return n;
}

static CK_OBJECT_HANDLE make_data(struct fixture *fx, enum source_kind kind)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE t[8] = {{CKA_CLASS, &cls, sizeof(cls)}, {CKA_VALUE, "data", 4}};
	CK_ULONG n = source_template(kind, cls, t, 2);
	CK_OBJECT_HANDLE h;

	assert_int_equal(fx->f->C_CreateObject(fx->s, t, n, &h), CKR_OK);
	return h;
}

static CK_OBJECT_HANDLE make_cert(struct fixture *fx, enum source_kind kind)
{
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE x509 = CKC_X_509;
	CK_ATTRIBUTE t[8] = {{CKA_CLASS, &cls, sizeof(cls)},
	                     {CKA_CERTIFICATE_TYPE, &x509, sizeof(x509)},
	                     {CKA_SUBJECT, "\x30\x00", 2},
	                     {CKA_VALUE, "\x30\x03\x02\x01\x01", 5}};
	CK_ULONG n = source_template(kind, cls, t, 4);
	CK_OBJECT_HANDLE h;

	assert_int_equal(fx->f->C_CreateObject(fx->s, t, n, &h), CKR_OK);
	return h;
}

static CK_OBJECT_HANDLE make_secret(struct fixture *fx, enum source_kind kind)
{
	CK_MECHANISM gen = {CKM_AES_KEY_GEN, NULL, 0};
	CK_ULONG len = 16;
	CK_ATTRIBUTE t[8] = {{CKA_VALUE_LEN, &len, sizeof(len)}};
	CK_ULONG n = source_template(kind, CKO_SECRET_KEY, t, 1);
	CK_OBJECT_HANDLE h;

	assert_int_equal(fx->f->C_GenerateKey(fx->s, &gen, t, n, &h), CKR_OK);
	return h;
}

/* A key pair of type kt; *pub and *priv receive the halves. */
static void make_pair(struct fixture *fx, CK_KEY_TYPE kt, enum source_kind kind,
                      CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
	CK_MECHANISM rsa = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0},
	             ec = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	CK_ULONG bits = 2048;
	CK_ATTRIBUTE pt[8] = {kt == CKK_RSA
	                          ? (CK_ATTRIBUTE){CKA_MODULUS_BITS, &bits, sizeof(bits)}
	                          : (CK_ATTRIBUTE){CKA_EC_PARAMS, (void *)p256, sizeof(p256)}};
	CK_ATTRIBUTE st[8];
	CK_ULONG np = source_template(kind, CKO_PUBLIC_KEY, pt, 1);
	CK_ULONG ns = source_template(kind, CKO_PRIVATE_KEY, st, 0);

	assert_int_equal(
	    fx->f->C_GenerateKeyPair(fx->s, kt == CKK_RSA ? &rsa : &ec, pt, np, st, ns, pub, priv),
	    CKR_OK);
}

/* Reads one attribute of h into buf (at most MAX_VALUE bytes); its length, or -1. */
static long read_attr(CK_FUNCTION_LIST_3_0 *f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h,
                      CK_ATTRIBUTE_TYPE type, CK_BYTE buf[MAX_VALUE])
{
	CK_ATTRIBUTE at = {type, buf, MAX_VALUE};

	if (f->C_GetAttributeValue(s, h, &at, 1) != CKR_OK)
		return -1;
	return (long)at.ulValueLen;
}

/* A value of the attribute ra other than the one h has. */
static CK_ULONG changed_value(struct fixture *fx, CK_OBJECT_HANDLE h, const struct rules_attr *ra,
                              CK_BYTE out[MAX_VALUE])
{
	CK_BYTE now[MAX_VALUE];
	long len = read_attr(fx->f, fx->s, h, ra->type, now);
	CK_ULONG v = 1;

	switch (ra->kind) {
	case RULES_BOOL:
		out[0] = len == 1 ? !now[0] : CK_TRUE;
		return 1;
	case RULES_ULONG:
		if (len == sizeof(CK_ULONG))
			memcpy(&v, now, sizeof(v)), v++;
		memcpy(out, &v, sizeof(v));
		return sizeof(v);
	case RULES_DATE:
		memcpy(out, "20301231", 8);
		return 8;
	case RULES_MECHS:
		v = CKM_AES_CBC;
		memcpy(out, &v, sizeof(v));
		return sizeof(v);
	case RULES_BYTES:
		break;
	}
	return (CK_ULONG)snprintf((char *)out, MAX_VALUE, "copied %lx", (unsigned long)ra->type);
}

/* Reads back what copy must carry and records it for the second process. */
static void check_copy(struct fixture *fx, CK_OBJECT_HANDLE copy, const CK_ATTRIBUTE *at)
{
	struct copy_record *r = &fx->copies[fx->n_copies++];
	CK_BYTE got[MAX_VALUE];

	assert_true(fx->n_copies < MAX_COPIES);
	assert_int_equal(read_attr(fx->f, fx->s, copy, at->type, got), (long)at->ulValueLen);
	assert_memory_equal(got, at->pValue, at->ulValueLen);
	assert_int_equal(read_attr(fx->f, fx->s, copy, CKA_UNIQUE_ID, got), UNIQUE_LEN);
	memcpy(r->unique, got, UNIQUE_LEN);
	r->type = at->type;
	memcpy(r->value, at->pValue, at->ulValueLen);
	r->len = at->ulValueLen;
}

/* Copies h into a token object with the attribute ra changed, as expected. */
static void try_one(struct fixture *fx, CK_OBJECT_HANDLE h, CK_OBJECT_CLASS cls,
                    enum source_kind kind, const struct rules_attr *ra)
{
	CK_BYTE value[MAX_VALUE];
	CK_ULONG len = changed_value(fx, h, ra, value);
	CK_ATTRIBUTE t[2] = {{ra->type, value, len}, {CKA_TOKEN, &yes, 1}};
	CK_OBJECT_HANDLE copy = CK_INVALID_HANDLE;
	CK_RV want = expected(cls, kind, &t[0]);
	CK_RV rv = fx->f->C_CopyObject(fx->s, h, t, ra->type == CKA_TOKEN ? 1 : 2, &copy);

	if (rv != want)
		fprintf(stderr,
		        "class 0x%lx (source %d), attribute 0x%lx: copy gave 0x%lx, not 0x%lx\n",
		        cls, (int)kind, ra->type, rv, want);
	assert_int_equal(rv, want);
	if (rv == CKR_OK)
		check_copy(fx, copy, &t[0]);
}

/* Walks every attribute of the rules table's shape of h. */
static void walk(struct fixture *fx, CK_OBJECT_HANDLE h, enum source_kind kind)
{
	CK_OBJECT_CLASS cls;
	CK_ULONG sub = RULES_NO_SUB;
	CK_BYTE buf[MAX_VALUE];
	const struct rules_shape *s;

	assert_int_equal(read_attr(fx->f, fx->s, h, CKA_CLASS, buf), sizeof(cls));
	memcpy(&cls, buf, sizeof(cls));
	if (rules_table_sub_attr(cls)) {
		assert_int_equal(read_attr(fx->f, fx->s, h, rules_table_sub_attr(cls), buf),
		                 sizeof(sub));
		memcpy(&sub, buf, sizeof(sub));
	}
	s = rules_table_shape(cls, sub);
	assert_non_null(s);
	for (size_t l = 0; l < RULES_SHAPE_LISTS; l++)
		for (size_t i = 0; i < s->lists[l].n; i++)
			try_one(fx, h, cls, kind, &s->lists[l].v[i]);
}

static void walk_all(struct fixture *fx, enum source_kind kind)
{
	CK_OBJECT_HANDLE pub, priv;

	walk(fx, make_data(fx, kind), kind);
	walk(fx, make_cert(fx, kind), kind);
	walk(fx, make_secret(fx, kind), kind);
	make_pair(fx, CKK_RSA, kind, &pub, &priv);
	walk(fx, pub, kind);
	walk(fx, priv, kind);
	make_pair(fx, CKK_EC, kind, &pub, &priv);
	walk(fx, pub, kind);
	walk(fx, priv, kind);
}

/* In the second process: every copy recorded, loaded from disk, with its value. */
static int child_check(const struct fixture *fx)
{
	CK_FUNCTION_LIST_3_0 *f = p11child_load(harness_library());
	CK_SESSION_HANDLE s;

	P11CHILD_CHECK(f != NULL);
	P11CHILD_EXPECT(f->C_Initialize(NULL), CKR_OK);
	P11CHILD_EXPECT(f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK);
	P11CHILD_EXPECT(f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	for (size_t i = 0; i < fx->n_copies; i++) {
		const struct copy_record *r = &fx->copies[i];
		CK_ATTRIBUTE t = {CKA_UNIQUE_ID, (void *)r->unique, UNIQUE_LEN};
		CK_OBJECT_HANDLE h[2];
		CK_ULONG n = 0;
		CK_BYTE got[MAX_VALUE];

		P11CHILD_EXPECT(f->C_FindObjectsInit(s, &t, 1), CKR_OK);
		P11CHILD_EXPECT(f->C_FindObjects(s, h, 2, &n), CKR_OK);
		P11CHILD_EXPECT(f->C_FindObjectsFinal(s), CKR_OK);
		P11CHILD_CHECK(n == 1);
		P11CHILD_CHECK(read_attr(f, s, h[0], r->type, got) == (long)r->len);
		P11CHILD_CHECK(memcmp(got, r->value, r->len) == 0);
	}
	P11CHILD_EXPECT(f->C_Finalize(NULL), CKR_OK);
	return 0;
}

static void check_in_child(struct fixture *fx)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		harness_child_signals();
		_exit(child_check(fx));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_walk_plain(void **state)
{
	struct fixture *fx = *state;

	walk_all(fx, SOURCE_PLAIN);
	/* Every shape has something a copy may change. */
	assert_true(fx->n_copies > 50);
	check_in_child(fx);
}

static void test_walk_hardened(void **state)
{
	struct fixture *fx = *state;

	walk_all(fx, SOURCE_HARDENED);
	check_in_child(fx);
}

static void test_walk_read_only(void **state)
{
	struct fixture *fx = *state;

	walk_all(fx, SOURCE_READ_ONLY);
	check_in_child(fx);
}

/* CKA_COPYABLE false refuses any copy; a token object copies into a session object. */
static void test_copyable_and_back(void **state)
{
	struct fixture *fx = *state;
	CK_ATTRIBUTE off = {CKA_COPYABLE, &no, 1}, label = {CKA_LABEL, "x", 1};
	CK_ATTRIBUTE session = {CKA_TOKEN, &no, 1};
	CK_OBJECT_HANDLE src = make_data(fx, SOURCE_PLAIN), sealed, copy, back;
	CK_BYTE got[MAX_VALUE];

	assert_int_equal(fx->f->C_CopyObject(fx->s, src, &off, 1, &sealed), CKR_OK);
	assert_int_equal(fx->f->C_CopyObject(fx->s, sealed, &label, 1, &copy),
	                 CKR_ACTION_PROHIBITED);
	assert_int_equal(fx->f->C_CopyObject(fx->s, sealed, NULL, 0, &copy), CKR_ACTION_PROHIBITED);
	assert_int_equal(fx->f->C_SetAttributeValue(fx->s, sealed, &off, 1), CKR_OK);
	off.pValue = &yes;
	assert_int_equal(fx->f->C_SetAttributeValue(fx->s, sealed, &off, 1),
	                 CKR_ATTRIBUTE_READ_ONLY);

	CK_ATTRIBUTE tok[] = {{CKA_TOKEN, &yes, 1}, {CKA_VALUE, "new value", 9}};
	assert_int_equal(fx->f->C_CopyObject(fx->s, src, tok, 2, &copy), CKR_OK);
	assert_int_equal(fx->f->C_CopyObject(fx->s, copy, &session, 1, &back), CKR_OK);
	assert_int_equal(read_attr(fx->f, fx->s, back, CKA_TOKEN, got), 1);
	assert_int_equal(got[0], CK_FALSE);
	assert_int_equal(read_attr(fx->f, fx->s, back, CKA_VALUE, got), 9);
	assert_memory_equal(got, "new value", 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_walk_plain, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_walk_hardened, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_walk_read_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_copyable_and_back, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
