/*
 * Functional tests of the token common layer through the real library: a
 * real slotd, the soft token, and several processes sharing one store.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "openslot/pkcs11.h"
#include "harness.h"
#include "paths.h"

#define SO_PIN   "87654321"
#define USER_PIN "123456"

struct fixture {
	struct harness h;
	void *dl;
	CK_FUNCTION_LIST_3_0 *f;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	CK_INTERFACE *iface;

	assert_non_null(fx);
	assert_int_equal(harness_init(&fx->h), 0);
	assert_int_equal(harness_write_conf(&fx->h, NULL, HARNESS_SLOTS_FOUR), 0);
	assert_int_equal(harness_start(&fx->h, NULL), 0);
	harness_use_instance(&fx->h);
	fx->dl = dlopen(harness_library(), RTLD_NOW | RTLD_LOCAL);
	assert_non_null(fx->dl);
	CK_C_GetInterface get = (CK_C_GetInterface)dlsym(fx->dl, "C_GetInterface");
	assert_int_equal(get(NULL, NULL, &iface, 0), CKR_OK);
	fx->f = iface->pFunctionList;
	assert_int_equal(fx->f->C_Initialize(NULL), CKR_OK);
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

static CK_SESSION_HANDLE open_rw(struct fixture *fx)
{
	CK_SESSION_HANDLE s;

	assert_int_equal(
	    fx->f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK);
	return s;
}

static void init_token(struct fixture *fx)
{
	CK_UTF8CHAR label[32];
	CK_SESSION_HANDLE s;

	memset(label, ' ', sizeof(label));
	memcpy(label, "test token", 10);
	assert_int_equal(fx->f->C_InitToken(0, (CK_UTF8CHAR_PTR)SO_PIN, 8, label), CKR_OK);
	s = open_rw(fx);
	assert_int_equal(fx->f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, 8), CKR_OK);
	assert_int_equal(fx->f->C_InitPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	assert_int_equal(fx->f->C_Logout(s), CKR_OK);
	assert_int_equal(fx->f->C_CloseSession(s), CKR_OK);
}

static CK_FLAGS token_flags(struct fixture *fx)
{
	CK_TOKEN_INFO ti;

	assert_int_equal(fx->f->C_GetTokenInfo(0, &ti), CKR_OK);
	return ti.flags;
}

static CK_OBJECT_HANDLE make_data(struct fixture *fx, CK_SESSION_HANDLE s, const char *label,
                                  CK_BBOOL token, CK_BBOOL private, const char *value)
{
	CK_OBJECT_CLASS klass = CKO_DATA;
	CK_ATTRIBUTE tmpl[] = {
	    {CKA_CLASS, &klass, sizeof(klass)},
	    {CKA_TOKEN, &token, 1},
	    {CKA_PRIVATE, &private, 1},
	    {CKA_LABEL, (void *)label, strlen(label)},
	    {CKA_VALUE, (void *)value, strlen(value)},
	};
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;

	assert_int_equal(fx->f->C_CreateObject(s, tmpl, 5, &h), CKR_OK);
	return h;
}

static CK_ULONG find_label(struct fixture *fx, CK_SESSION_HANDLE s, const char *label,
                           CK_OBJECT_HANDLE *out)
{
	CK_ATTRIBUTE tmpl[] = {{CKA_LABEL, (void *)label, strlen(label)}};
	CK_OBJECT_HANDLE found[16];
	CK_ULONG n = 0;

	assert_int_equal(fx->f->C_FindObjectsInit(s, tmpl, 1), CKR_OK);
	assert_int_equal(fx->f->C_FindObjects(s, found, 16, &n), CKR_OK);
	assert_int_equal(fx->f->C_FindObjectsFinal(s), CKR_OK);
	if (out && n)
		*out = found[0];
	return n;
}

static void test_init_and_pins(void **state)
{
	struct fixture *fx = *state;
	CK_SESSION_HANDLE s;
	CK_TOKEN_INFO ti;

	assert_false(token_flags(fx) & CKF_TOKEN_INITIALIZED);
	assert_int_equal(fx->f->C_InitToken(0, (CK_UTF8CHAR_PTR) "12", 2, (CK_UTF8CHAR_PTR) "x"),
	                 CKR_PIN_LEN_RANGE);
	init_token(fx);
	assert_int_equal(fx->f->C_GetTokenInfo(0, &ti), CKR_OK);
	assert_memory_equal(ti.label, "test token      ", 16);
	assert_true(ti.flags & CKF_TOKEN_INITIALIZED);
	assert_true(ti.flags & CKF_USER_PIN_INITIALIZED);
	/* The SO chose the user PIN, not the token: nothing to be changed. */
	assert_false(ti.flags & (CKF_USER_PIN_TO_BE_CHANGED | CKF_SO_PIN_TO_BE_CHANGED));

	s = open_rw(fx);
	/* sessions exist: no re-initialisation */
	assert_int_equal(fx->f->C_InitToken(0, (CK_UTF8CHAR_PTR)SO_PIN, 8, ti.label),
	                 CKR_SESSION_EXISTS);
	/* wrong PINs count down to a lock */
	for (int i = 1; i <= 9; i++) {
		assert_int_equal(fx->f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR) "000000", 6),
		                 CKR_PIN_INCORRECT);
		CK_FLAGS fl = token_flags(fx);
		if (i >= 3)
			assert_true(fl & CKF_USER_PIN_COUNT_LOW);
		if (i == 9)
			assert_true(fl & CKF_USER_PIN_FINAL_TRY);
	}
	assert_int_equal(fx->f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	assert_false(token_flags(fx) & CKF_USER_PIN_COUNT_LOW);
	assert_int_equal(fx->f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 6),
	                 CKR_USER_ALREADY_LOGGED_IN);
	assert_int_equal(
	    fx->f->C_SetPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, 6, (CK_UTF8CHAR_PTR) "654321", 6),
	    CKR_OK);
	assert_false(token_flags(fx) & CKF_USER_PIN_TO_BE_CHANGED);
	assert_int_equal(fx->f->C_Logout(s), CKR_OK);
	assert_int_equal(fx->f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 6),
	                 CKR_PIN_INCORRECT);
	assert_int_equal(fx->f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR) "654321", 6), CKR_OK);
	CK_SESSION_INFO si;
	assert_int_equal(fx->f->C_GetSessionInfo(s, &si), CKR_OK);
	assert_int_equal(si.state, CKS_RW_USER_FUNCTIONS);
	/* closing the last session logs the process out */
	assert_int_equal(fx->f->C_CloseSession(s), CKR_OK);
	s = open_rw(fx);
	assert_int_equal(fx->f->C_GetSessionInfo(s, &si), CKR_OK);
	assert_int_equal(si.state, CKS_RW_PUBLIC_SESSION);
}

static void test_objects_and_visibility(void **state)
{
	struct fixture *fx = *state;
	CK_SESSION_HANDLE s, ro;
	CK_OBJECT_HANDLE pub, priv, sess, h;
	char buf[32];
	CK_ATTRIBUTE get = {CKA_VALUE, buf, sizeof(buf)};

	init_token(fx);
	s = open_rw(fx);
	assert_int_equal(fx->f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &ro), CKR_OK);
	pub = make_data(fx, s, "public", CK_TRUE, CK_FALSE, "public value");
	sess = make_data(fx, ro, "session", CK_FALSE, CK_FALSE, "session value");
	/* a private object needs the user; a token object a R/W session */
	CK_OBJECT_CLASS klass = CKO_DATA;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE priv_tmpl[] = {{CKA_CLASS, &klass, sizeof(klass)}, {CKA_PRIVATE, &yes, 1}};
	assert_int_equal(fx->f->C_CreateObject(s, priv_tmpl, 2, &h), CKR_USER_NOT_LOGGED_IN);
	CK_ATTRIBUTE tok_tmpl[] = {{CKA_CLASS, &klass, sizeof(klass)}, {CKA_TOKEN, &yes, 1}};
	assert_int_equal(fx->f->C_CreateObject(ro, tok_tmpl, 2, &h), CKR_SESSION_READ_ONLY);

	assert_int_equal(fx->f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	priv = make_data(fx, s, "private", CK_TRUE, CK_TRUE, "SECRET-MARKER-VALUE");
	assert_int_equal(find_label(fx, ro, "private", NULL), 1);
	/* handles work from every session of the process */
	assert_int_equal(fx->f->C_GetAttributeValue(ro, priv, &get, 1), CKR_OK);
	assert_int_equal(get.ulValueLen, 19);
	assert_memory_equal(buf, "SECRET-MARKER-VALUE", 19);
	assert_int_equal(fx->f->C_Logout(s), CKR_OK);
	/* logged out: the private object is gone from view, the others stay */
	assert_int_equal(find_label(fx, ro, "private", NULL), 0);
	get.ulValueLen = sizeof(buf);
	assert_int_equal(fx->f->C_GetAttributeValue(ro, priv, &get, 1), CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(find_label(fx, ro, "public", &h), 1);
	assert_int_equal(h, pub);
	assert_int_equal(find_label(fx, s, "session", &h), 1);
	assert_int_equal(h, sess);
	/* session objects die with their session */
	assert_int_equal(fx->f->C_CloseSession(ro), CKR_OK);
	assert_int_equal(find_label(fx, s, "session", NULL), 0);
	assert_int_equal(fx->f->C_DestroyObject(s, pub), CKR_OK);
	assert_int_equal(find_label(fx, s, "public", NULL), 0);
	assert_int_equal(fx->f->C_DestroyObject(s, pub), CKR_OBJECT_HANDLE_INVALID);
}

/* Walks the token's data directory; returns whether any file contains needle. */
static bool files_contain(const char *dir, const char *needle)
{
	char cmd[PATH_MAX + 128];

	snprintf(cmd, sizeof(cmd), "grep -rqa -- '%s' '%s'", needle, dir);
	return system(cmd) == 0;
}

static void test_at_rest(void **state)
{
	struct fixture *fx = *state;
	CK_SESSION_HANDLE s;
	char dir[PATH_MAX];

	init_token(fx);
	s = open_rw(fx);
	assert_int_equal(fx->f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	make_data(fx, s, "private", CK_TRUE, CK_TRUE, "SECRET-MARKER-VALUE");
	make_data(fx, s, "public", CK_TRUE, CK_FALSE, "PUBLIC-MARKER-VALUE");
	snprintf(dir, sizeof(dir), "%s/data/softtok", fx->h.dir);
	assert_true(files_contain(dir, "PUBLIC-MARKER-VALUE"));
	assert_false(files_contain(dir, "SECRET-MARKER-VALUE"));
	assert_false(files_contain(dir, USER_PIN));
	assert_false(files_contain(dir, SO_PIN));
}

/* Runs fn in a child process with its own C_Initialize; returns its exit code. */
static int in_child(struct fixture *fx, int (*fn)(struct fixture *))
{
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		if (fx->f->C_Initialize(NULL) != CKR_OK)
			_exit(90);
		int rv = fn(fx);
		fx->f->C_Finalize(NULL);
		_exit(rv);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 99;
}

static int child_create(struct fixture *fx)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_CLASS klass = CKO_DATA;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &klass, sizeof(klass)},
	                       {CKA_TOKEN, &yes, 1},
	                       {CKA_LABEL, "from-child", 10}};
	CK_OBJECT_HANDLE h;

	if (fx->f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s) != CKR_OK)
		return 1;
	return fx->f->C_CreateObject(s, tmpl, 3, &h) == CKR_OK ? 0 : 2;
}

/*
 * In a child: opens a read-write session and finds the one object labelled
 * label; 0, or 1 (no session) or 2 (not exactly one object).
 */
static int child_find(struct fixture *fx, const char *label, CK_SESSION_HANDLE *s,
                      CK_OBJECT_HANDLE *h)
{
	CK_ATTRIBUTE tmpl[] = {{CKA_LABEL, (void *)label, strlen(label)}};
	CK_ULONG n = 0;

	if (fx->f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, s) != CKR_OK)
		return 1;
	if (fx->f->C_FindObjectsInit(*s, tmpl, 1) != CKR_OK ||
	    fx->f->C_FindObjects(*s, h, 1, &n) != CKR_OK || n != 1)
		return 2;
	fx->f->C_FindObjectsFinal(*s);
	return 0;
}

static int child_destroy(struct fixture *fx)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	int rc = child_find(fx, "from-child", &s, &h);

	if (rc != 0)
		return rc;
	return fx->f->C_DestroyObject(s, h) == CKR_OK ? 0 : 3;
}

/* Relabels the object labelled "mine" to "moved". */
static int child_relabel(struct fixture *fx)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	CK_ATTRIBUTE relabel = {CKA_LABEL, "moved", 5};
	int rc = child_find(fx, "mine", &s, &h);

	if (rc != 0)
		return rc;
	return fx->f->C_SetAttributeValue(s, h, &relabel, 1) == CKR_OK ? 0 : 3;
}

static int child_set_pin(struct fixture *fx)
{
	CK_SESSION_HANDLE s;

	if (fx->f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s) != CKR_OK)
		return 1;
	return fx->f->C_SetPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, 6, (CK_UTF8CHAR_PTR) "999999", 6) ==
	               CKR_OK
	           ? 0
	           : 2;
}

static void test_cross_process(void **state)
{
	struct fixture *fx = *state;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE mine, theirs, again;

	init_token(fx);
	s = open_rw(fx);
	mine = make_data(fx, s, "mine", CK_TRUE, CK_FALSE, "x");
	assert_int_equal(in_child(fx, child_create), 0);
	/* the other process's object appears without re-initialising */
	assert_int_equal(find_label(fx, s, "from-child", &theirs), 1);
	assert_int_equal(find_label(fx, s, "mine", &again), 1);
	assert_int_equal(again, mine); /* our handle survived the reload */
	assert_int_equal(in_child(fx, child_destroy), 0);
	assert_int_equal(find_label(fx, s, "from-child", NULL), 0);
	char buf[8];
	CK_ATTRIBUTE get = {CKA_LABEL, buf, sizeof(buf)};
	assert_int_equal(fx->f->C_GetAttributeValue(s, theirs, &get, 1), CKR_OBJECT_HANDLE_INVALID);
	get.ulValueLen = sizeof(buf);
	assert_int_equal(fx->f->C_GetAttributeValue(s, mine, &get, 1), CKR_OK);
	/* changed by another process, the object keeps its handle and shows the new value */
	assert_int_equal(in_child(fx, child_relabel), 0);
	get.ulValueLen = sizeof(buf);
	assert_int_equal(fx->f->C_GetAttributeValue(s, mine, &get, 1), CKR_OK);
	assert_int_equal(get.ulValueLen, 5);
	assert_memory_equal(buf, "moved", 5);
	assert_int_equal(find_label(fx, s, "moved", &again), 1);
	assert_int_equal(again, mine);
	/* a PIN changed elsewhere holds here */
	assert_int_equal(in_child(fx, child_set_pin), 0);
	assert_int_equal(fx->f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 6),
	                 CKR_PIN_INCORRECT);
	assert_int_equal(fx->f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR) "999999", 6), CKR_OK);
}

/* Flips a byte in the middle of the frame that OBJ_IDX (fd) holds for id. */
static void damage_index_copy(int fd, uint64_t id)
{
	unsigned char hdr[32], byte;
	off_t off = 28, size = lseek(fd, 0, SEEK_END);
	int hits = 0;

	while (off + 32 <= size) {
		uint64_t rid = 0;
		assert_int_equal(pread(fd, hdr, sizeof(hdr), off), (ssize_t)sizeof(hdr));
		uint32_t flen = (uint32_t)hdr[8] << 24 | (uint32_t)hdr[9] << 16 |
		                (uint32_t)hdr[10] << 8 | hdr[11];
		for (int i = 0; i < 8; i++)
			rid = rid << 8 | hdr[12 + i];
		if (rid == id && flen) {
			off_t at = off + 32 + flen / 2;
			assert_int_equal(pread(fd, &byte, 1, at), 1);
			byte ^= 0x81;
			assert_int_equal(pwrite(fd, &byte, 1, at), 1);
			hits++;
		}
		off += 32 + (flen ? flen + 4 : 0);
	}
	assert_int_equal(off, size);
	assert_int_equal(hits, 1);
}

static CK_ULONG count_three(struct fixture *fx, CK_SESSION_HANDLE s)
{
	return find_label(fx, s, "one", NULL) + find_label(fx, s, "two", NULL) +
	       find_label(fx, s, "three", NULL);
}

static void test_damaged_object_file(void **state)
{
	struct fixture *fx = *state;
	CK_SESSION_HANDLE s;
	char dir[PATH_MAX], path[PATH_MAX + 300];
	unsigned long long id = 0;
	struct dirent *de;

	init_token(fx);
	s = open_rw(fx);
	make_data(fx, s, "one", CK_TRUE, CK_FALSE, "1");
	make_data(fx, s, "two", CK_TRUE, CK_FALSE, "2");
	make_data(fx, s, "three", CK_TRUE, CK_FALSE, "3");
	assert_int_equal(fx->f->C_Finalize(NULL), CKR_OK);
	/* truncate the file of one object: its copy in the index still serves */
	snprintf(dir, sizeof(dir), "%s/data/softtok/TOK_OBJ", fx->h.dir);
	DIR *d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)) && !id) {
		if (!strstr(de->d_name, ".obj"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		assert_int_equal(truncate(path, 20), 0);
		id = strtoull(de->d_name, NULL, 16);
	}
	closedir(d);
	assert_true(id != 0);
	assert_int_equal(fx->f->C_Initialize(NULL), CKR_OK);
	s = open_rw(fx);
	assert_int_equal(count_three(fx, s), 3);
	assert_int_equal(fx->f->C_Finalize(NULL), CKR_OK);
	/* and with that copy damaged too, the object is skipped */
	snprintf(path, sizeof(path), "%s/OBJ_IDX", dir);
	int fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	damage_index_copy(fd, id);
	close(fd);
	assert_int_equal(fx->f->C_Initialize(NULL), CKR_OK);
	s = open_rw(fx);
	assert_int_equal(count_three(fx, s), 2);          /* one skipped, the others intact */
	make_data(fx, s, "four", CK_TRUE, CK_FALSE, "4"); /* still writable */
	assert_int_equal(find_label(fx, s, "four", NULL), 1);
	assert_int_equal(count_three(fx, s), 2);
}

static void test_keys_and_operations(void **state)
{
	struct fixture *fx = *state;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE pub, priv, aes;
	CK_MECHANISM gen = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	static const CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE pt[] = {{CKA_EC_PARAMS, (void *)p256, sizeof(p256)}, {CKA_TOKEN, &yes, 1}};
	CK_ATTRIBUTE st[] = {{CKA_TOKEN, &yes, 1}, {CKA_SENSITIVE, &yes, 1}};

	init_token(fx);
	s = open_rw(fx);
	assert_int_equal(fx->f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	assert_int_equal(fx->f->C_GenerateKeyPair(s, &gen, pt, 2, st, 2, &pub, &priv), CKR_OK);
	CK_MECHANISM sign = {CKM_ECDSA_SHA256, NULL, 0};
	CK_BYTE sig[64], data[] = "message";
	CK_ULONG siglen = 0;
	assert_int_equal(fx->f->C_SignInit(s, &sign, priv), CKR_OK);
	assert_int_equal(fx->f->C_Sign(s, data, 7, NULL, &siglen), CKR_OK); /* length query */
	assert_int_equal(siglen, 64);
	siglen = 10;
	assert_int_equal(fx->f->C_Sign(s, data, 7, sig, &siglen), CKR_BUFFER_TOO_SMALL);
	siglen = sizeof(sig);
	assert_int_equal(fx->f->C_Sign(s, data, 7, sig, &siglen), CKR_OK);
	assert_int_equal(fx->f->C_VerifyInit(s, &sign, pub), CKR_OK);
	assert_int_equal(fx->f->C_Verify(s, data, 7, sig, siglen), CKR_OK);
	sig[5] ^= 1;
	assert_int_equal(fx->f->C_VerifyInit(s, &sign, pub), CKR_OK);
	assert_int_equal(fx->f->C_Verify(s, data, 7, sig, siglen), CKR_SIGNATURE_INVALID);
	/* the private value stays inside */
	CK_BYTE val[64];
	CK_ATTRIBUTE get = {CKA_VALUE, val, sizeof(val)};
	assert_int_equal(fx->f->C_GetAttributeValue(s, priv, &get, 1), CKR_ATTRIBUTE_SENSITIVE);
	assert_int_equal(get.ulValueLen, CK_UNAVAILABLE_INFORMATION);
	/* a public key cannot sign */
	assert_int_equal(fx->f->C_SignInit(s, &sign, pub), CKR_KEY_FUNCTION_NOT_PERMITTED);

	CK_MECHANISM agen = {CKM_AES_KEY_GEN, NULL, 0};
	CK_ULONG len = 32;
	CK_ATTRIBUTE at[] = {{CKA_VALUE_LEN, &len, sizeof(len)}};
	assert_int_equal(fx->f->C_GenerateKey(s, &agen, at, 1, &aes), CKR_OK);
	CK_BYTE iv[16] = {0}, ct[64], pt2[64];
	CK_MECHANISM cbc = {CKM_AES_CBC_PAD, iv, sizeof(iv)};
	CK_ULONG ctlen = sizeof(ct), ptlen = sizeof(pt2);
	assert_int_equal(fx->f->C_EncryptInit(s, &cbc, aes), CKR_OK);
	assert_int_equal(fx->f->C_Encrypt(s, data, 7, ct, &ctlen), CKR_OK);
	assert_int_equal(ctlen, 16);
	assert_int_equal(fx->f->C_DecryptInit(s, &cbc, aes), CKR_OK);
	assert_int_equal(fx->f->C_Decrypt(s, ct, ctlen, pt2, &ptlen), CKR_OK);
	assert_int_equal(ptlen, 7);
	assert_memory_equal(pt2, data, 7);
	/* the token key pair is there for the next process */
	assert_int_equal(fx->f->C_Finalize(NULL), CKR_OK);
	assert_int_equal(fx->f->C_Initialize(NULL), CKR_OK);
	s = open_rw(fx);
	assert_int_equal(fx->f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	CK_OBJECT_CLASS pk = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE ft[] = {{CKA_CLASS, &pk, sizeof(pk)}};
	CK_OBJECT_HANDLE found[4];
	CK_ULONG n = 0;
	assert_int_equal(fx->f->C_FindObjectsInit(s, ft, 1), CKR_OK);
	assert_int_equal(fx->f->C_FindObjects(s, found, 4, &n), CKR_OK);
	assert_int_equal(fx->f->C_FindObjectsFinal(s), CKR_OK);
	assert_int_equal(n, 1);
	siglen = sizeof(sig);
	assert_int_equal(fx->f->C_SignInit(s, &sign, found[0]), CKR_OK);
	assert_int_equal(fx->f->C_Sign(s, data, 7, sig, &siglen), CKR_OK);
}

/* Whether a file holds the 4 bytes of a big-endian u32. */
static bool file_has_be32(const char *path, uint32_t v)
{
	unsigned char want[4] = {v >> 24, v >> 16, v >> 8, v}, buf[4096];
	FILE *fp = fopen(path, "rb");
	size_t n;

	if (!fp)
		return false;
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	for (size_t i = 0; i + 4 <= n; i++)
		if (memcmp(buf + i, want, 4) == 0)
			return true;
	return false;
}

static void test_pin_kdf_options(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_MAX + 32];
	CK_SESSION_HANDLE s;

	assert_int_equal(fx->f->C_Finalize(NULL), CKR_OK);
	assert_int_equal(
	    harness_write_conf(&fx->h, NULL,
	                       "{ id = 0; backend = \"soft\"; token = \"softtok\"; "
	                       "options = { pin-kdf-memory = \"1234\"; pin-kdf-time = \"1\"; }; }"),
	    0);
	/* slotd derives the keys: it reads the options when it reloads */
	assert_int_equal(kill(fx->h.pid, SIGHUP), 0);
	assert_int_equal(harness_wait_notify(&fx->h, "RELOADING=1", 10000), 0);
	assert_int_equal(harness_wait_notify(&fx->h, "READY=1", 10000), 0);
	assert_int_equal(fx->f->C_Initialize(NULL), CKR_OK);
	init_token(fx);
	snprintf(path, sizeof(path), "%s/data/softtok/MK_SO", fx->h.dir);
	assert_true(file_has_be32(path, 1234));
	snprintf(path, sizeof(path), "%s/data/softtok/MK_USER", fx->h.dir);
	assert_true(file_has_be32(path, 1234));
	s = open_rw(fx);
	assert_int_equal(fx->f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
}

static bool handle_valid(struct fixture *fx, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h)
{
	CK_ATTRIBUTE get = {CKA_LABEL, NULL, 0};

	return fx->f->C_GetAttributeValue(s, h, &get, 1) == CKR_OK;
}

/*
 * Closing a session destroys the session objects it created and no others,
 * whatever happened to them before: changed from another session, destroyed
 * one by one, dropped at logout, or a key pair generation refused.
 */
static void test_session_object_owners(void **state)
{
	struct fixture *fx = *state;
	CK_SESSION_HANDLE s1, s2, s3, s4, keep;
	CK_OBJECT_HANDLE a1, b1, bp, c1, d1, d2, pub, priv, h;
	CK_MECHANISM gen = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	static const CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
	CK_ATTRIBUTE pt[] = {{CKA_EC_PARAMS, (void *)p256, sizeof(p256)}};
	CK_ULONG bad = 12345;
	CK_ATTRIBUTE bad_st[] = {{CKA_KEY_TYPE, &bad, sizeof(bad)}};
	CK_ATTRIBUTE relabel = {CKA_LABEL, "b1x", 3};

	init_token(fx);
	s1 = open_rw(fx);
	s2 = open_rw(fx);
	s3 = open_rw(fx);
	s4 = open_rw(fx);
	keep = open_rw(fx);
	assert_int_equal(fx->f->C_Login(s1, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	a1 = make_data(fx, s1, "a1", CK_FALSE, CK_FALSE, "a");
	c1 = make_data(fx, s1, "c1", CK_FALSE, CK_TRUE, "c");
	b1 = make_data(fx, s2, "b1", CK_FALSE, CK_FALSE, "b");
	bp = make_data(fx, s2, "bp", CK_FALSE, CK_TRUE, "p");
	d1 = make_data(fx, s4, "d1", CK_FALSE, CK_FALSE, "d");
	d2 = make_data(fx, s4, "d2", CK_FALSE, CK_TRUE, "d");
	assert_int_equal(fx->f->C_GenerateKeyPair(s2, &gen, pt, 1, NULL, 0, &pub, &priv), CKR_OK);
	/* a refused generation leaves no object behind and counts nothing */
	h = CK_INVALID_HANDLE;
	assert_int_not_equal(fx->f->C_GenerateKeyPair(s3, &gen, pt, 1, bad_st, 1, &h, &h), CKR_OK);
	/* changed from s1, b1 stays s2's */
	assert_int_equal(fx->f->C_SetAttributeValue(s1, b1, &relabel, 1), CKR_OK);
	assert_int_equal(find_label(fx, keep, "b1x", &b1), 1);
	/* s3 owns nothing: closing it destroys nothing */
	assert_int_equal(fx->f->C_CloseSession(s3), CKR_OK);
	assert_true(handle_valid(fx, keep, a1) && handle_valid(fx, keep, b1));
	assert_true(handle_valid(fx, keep, pub) && handle_valid(fx, keep, d1));
	/* logout drops the private ones of every session, the rest stay */
	assert_int_equal(fx->f->C_Logout(s1), CKR_OK);
	assert_false(handle_valid(fx, keep, c1) || handle_valid(fx, keep, bp));
	assert_false(handle_valid(fx, keep, d2));
	assert_true(handle_valid(fx, keep, a1) && handle_valid(fx, keep, d1));
	/* s4 still owns d1 after losing d2 at logout */
	assert_int_equal(fx->f->C_CloseSession(s4), CKR_OK);
	assert_false(handle_valid(fx, keep, d1));
	assert_int_equal(fx->f->C_CloseSession(s1), CKR_OK);
	assert_false(handle_valid(fx, keep, a1));
	assert_true(handle_valid(fx, keep, b1) && handle_valid(fx, keep, pub));
	/* one destroyed, the other still goes with its session */
	assert_int_equal(fx->f->C_DestroyObject(keep, pub), CKR_OK);
	assert_int_equal(fx->f->C_CloseSession(s2), CKR_OK);
	assert_false(handle_valid(fx, keep, b1));
	assert_int_equal(find_label(fx, keep, "b1x", NULL), 0);
	assert_int_equal(fx->f->C_CloseSession(keep), CKR_OK);
}

/* Two soft slots, each with its own token. */
#define TWO_SOFT_SLOTS                                                       \
	"{ id = 0; backend = \"soft\"; token = \"softtok\"; "                \
	"options = { pin-kdf-memory = \"64\"; pin-kdf-time = \"1\"; }; },\n" \
	"{ id = 1; backend = \"soft\"; token = \"softtok2\"; "               \
	"options = { pin-kdf-memory = \"64\"; pin-kdf-time = \"1\"; }; }"

static int setup_two_soft(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	CK_INTERFACE *iface;

	assert_non_null(fx);
	assert_int_equal(harness_init(&fx->h), 0);
	assert_int_equal(harness_write_conf(&fx->h, NULL, TWO_SOFT_SLOTS), 0);
	assert_int_equal(harness_start(&fx->h, NULL), 0);
	harness_use_instance(&fx->h);
	fx->dl = dlopen(harness_library(), RTLD_NOW | RTLD_LOCAL);
	assert_non_null(fx->dl);
	CK_C_GetInterface get = (CK_C_GetInterface)dlsym(fx->dl, "C_GetInterface");
	assert_int_equal(get(NULL, NULL, &iface, 0), CKR_OK);
	fx->f = iface->pFunctionList;
	assert_int_equal(fx->f->C_Initialize(NULL), CKR_OK);
	*state = fx;
	return 0;
}

static CK_SLOT_ID session_slot(struct fixture *fx, CK_SESSION_HANDLE s, CK_STATE *st)
{
	CK_SESSION_INFO info;

	assert_int_equal(fx->f->C_GetSessionInfo(s, &info), CKR_OK);
	if (st)
		*st = info.state;
	return info.slotID;
}

/*
 * C_CloseAllSessions closes the sessions of its slot, with their session
 * objects and the login, and leaves those of another slot as they were:
 * open, logged in, their objects in place.
 */
static void test_close_all_one_slot(void **state)
{
	struct fixture *fx = *state;
	CK_UTF8CHAR label[32];
	CK_SESSION_HANDLE a1, a2, b1, b2, a3;
	CK_OBJECT_HANDLE oa, ob;
	CK_STATE st;
	CK_SESSION_INFO info;

	init_token(fx);
	memset(label, ' ', sizeof(label));
	assert_int_equal(fx->f->C_InitToken(1, (CK_UTF8CHAR_PTR)SO_PIN, 8, label), CKR_OK);
	a1 = open_rw(fx);
	a2 = open_rw(fx);
	assert_int_equal(
	    fx->f->C_OpenSession(1, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &b1), CKR_OK);
	assert_int_equal(fx->f->C_Login(b1, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, 8), CKR_OK);
	assert_int_equal(fx->f->C_InitPIN(b1, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	assert_int_equal(fx->f->C_Logout(b1), CKR_OK);
	assert_int_equal(fx->f->C_Login(b1, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	assert_int_equal(fx->f->C_OpenSession(1, CKF_SERIAL_SESSION, NULL, NULL, &b2), CKR_OK);
	assert_int_equal(fx->f->C_Login(a1, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, 6), CKR_OK);
	oa = make_data(fx, a2, "oa", CK_FALSE, CK_FALSE, "a");
	ob = make_data(fx, b1, "ob", CK_FALSE, CK_FALSE, "b");

	assert_int_equal(fx->f->C_CloseAllSessions(0), CKR_OK);
	assert_int_equal(fx->f->C_GetSessionInfo(a1, &info), CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(fx->f->C_GetSessionInfo(a2, &info), CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(session_slot(fx, b1, &st), 1);
	assert_int_equal(st, CKS_RW_USER_FUNCTIONS);
	assert_int_equal(session_slot(fx, b2, &st), 1);
	assert_int_equal(st, CKS_RO_USER_FUNCTIONS);
	assert_true(handle_valid(fx, b2, ob));
	assert_int_equal(find_label(fx, b2, "ob", NULL), 1);
	/* slot 0: logged out, its session object gone */
	a3 = open_rw(fx);
	assert_int_equal(session_slot(fx, a3, &st), 0);
	assert_int_equal(st, CKS_RW_PUBLIC_SESSION);
	assert_false(handle_valid(fx, a3, oa));
	assert_int_equal(find_label(fx, a3, "oa", NULL), 0);
	/* nothing to close is no error; then slot 1 goes the same way */
	assert_int_equal(fx->f->C_CloseAllSessions(0), CKR_OK);
	assert_int_equal(fx->f->C_CloseAllSessions(0), CKR_OK);
	assert_int_equal(fx->f->C_CloseAllSessions(1), CKR_OK);
	assert_int_equal(fx->f->C_GetSessionInfo(b1, &info), CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(fx->f->C_GetSessionInfo(b2, &info), CKR_SESSION_HANDLE_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_init_and_pins, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_objects_and_visibility, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_at_rest, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cross_process, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_damaged_object_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_keys_and_operations, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pin_kdf_options, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_session_object_owners, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_close_all_one_slot, setup_two_soft, teardown),
	};

	return cmocka_run_group_tests_name("token", tests, NULL, NULL);
}
