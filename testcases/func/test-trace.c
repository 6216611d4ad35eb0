/*
 * The trace file at each OPENSLOT_TRACE_LEVEL, through the real library and
 * a real slotd: level 1 has one line per failed call and none for calls
 * that succeed, level 3 one line per call with its result and duration,
 * level 4 the store loads and lock waits; no level ever shows a PIN or a
 * key byte.  syslog() is replaced in this program (exported to the library
 * it loads), so the lines told to syslog for problems a person must fix are
 * counted without a syslog daemon.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "openslot/pkcs11.h"
#include "harness.h"
#include "p11names.h"
#include "users.h"

/* An identity outside the instance's group: nobody. */
#define OUTSIDER 65534

#define SO_PIN   "so-secret-8642"
#define USER_PIN "user-secret-9753"

static const CK_BYTE key_value[32] = {
    0x5a, 0x17, 0xc3, 0x9e, 0x42, 0xd8, 0x0b, 0x6f, 0x91, 0x3c, 0xe4, 0x27, 0x88, 0xb5, 0x1d, 0x60,
    0xfa, 0x03, 0x7c, 0xa9, 0x2e, 0xd1, 0x46, 0xbb, 0x59, 0x8e, 0x13, 0xc7, 0x64, 0x0f, 0xa2, 0x3d,
};

#define SLOT_SOFT                                             \
	"{ id = 0; backend = \"soft\"; token = \"softtok\"; " \
	"options = { pin-kdf-memory = \"64\"; pin-kdf-time = \"1\"; }; }"

/* syslog() as the library sees it in this program: lines are kept, not sent. */
static char syslog_lines[16][1024];
static int syslog_count;

void syslog(int pri, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void __syslog_chk(int pri, int flag, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void vsyslog(int pri, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

void vsyslog(int pri, const char *fmt, va_list ap)
{
	char *line = syslog_lines[syslog_count < 16 ? syslog_count : 15];

	vsnprintf(line, sizeof(syslog_lines[0]), fmt, ap);
	if (pri != (8 | 3)) /* LOG_USER | LOG_ERR */
		snprintf(line, sizeof(syslog_lines[0]), "wrong priority %d", pri);
	syslog_count++;
}

void syslog(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsyslog(pri, fmt, ap);
	va_end(ap);
}

void __syslog_chk(int pri, int flag, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsyslog(pri, fmt, ap);
	va_end(ap);
}

struct fixture {
	struct harness h;
	void *dl;
	CK_FUNCTION_LIST_3_0 *f;
	char lib[PATH_MAX]; /* a copy others may load (users_share_instance) */
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	assert_int_equal(harness_init(&fx->h), 0);
	assert_int_equal(harness_write_conf(&fx->h, NULL, SLOT_SOFT), 0);
	assert_int_equal(harness_start(&fx->h, NULL), 0);
	harness_use_instance(&fx->h);
	syslog_count = 0;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	if (fx->dl)
		dlclose(fx->dl);
	harness_cleanup(&fx->h);
	free(fx);
	return 0;
}

/* Loads the library and initialises it with OPENSLOT_TRACE_LEVEL at level. */
static CK_RV start(struct fixture *fx, const char *level)
{
	CK_INTERFACE *iface;
	CK_RV rv;

	if (!fx->dl) {
		fx->dl = dlopen(fx->lib[0] ? fx->lib : harness_library(), RTLD_NOW | RTLD_LOCAL);
		assert_non_null(fx->dl);
		CK_C_GetInterface get = (CK_C_GetInterface)dlsym(fx->dl, "C_GetInterface");
		assert_int_equal(get(NULL, NULL, &iface, 0), CKR_OK);
		fx->f = iface->pFunctionList;
	}
	if (level)
		setenv("OPENSLOT_TRACE_LEVEL", level, 1);
	rv = fx->f->C_Initialize(NULL);
	unsetenv("OPENSLOT_TRACE_LEVEL");
	if (rv != CKR_OK)
		return rv;
	/* The link to slotd and the token are set up by the first calls that need them. */
	CK_ULONG n = 0;
	CK_TOKEN_INFO ti;
	rv = fx->f->C_GetSlotList(CK_FALSE, NULL, &n);
	if (rv != CKR_OK) {
		fx->f->C_Finalize(NULL);
		return rv;
	}
	(void)fx->f->C_GetTokenInfo(0, &ti);
	return CKR_OK;
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
	assert_int_equal(fx->f->C_InitToken(0, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN), label),
	                 CKR_OK);
	s = open_rw(fx);
	assert_int_equal(fx->f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN)),
	                 CKR_OK);
	assert_int_equal(fx->f->C_InitPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)), CKR_OK);
	assert_int_equal(fx->f->C_Logout(s), CKR_OK);
	assert_int_equal(fx->f->C_CloseSession(s), CKR_OK);
}

/* The whole trace file of process pid (freed by the caller). */
static char *read_trace_of(struct fixture *fx, pid_t pid)
{
	char path[PATH_MAX];
	struct stat st;
	FILE *fp;
	char *text;

	snprintf(path, sizeof(path), "%s/log/trace.%ld", fx->h.dir, (long)pid);
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_int_equal(fstat(fileno(fp), &st), 0);
	text = calloc(1, (size_t)st.st_size + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)st.st_size, fp), (size_t)st.st_size);
	fclose(fp);
	return text;
}

static char *read_trace(struct fixture *fx)
{
	return read_trace_of(fx, getpid());
}

/* Lines of text holding every one of the (NULL-terminated) words. */
static int count_lines(const char *text, ...)
{
	int n = 0;

	for (const char *line = text; *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char buf[2048];
		bool all = true;
		va_list ap;

		snprintf(buf, sizeof(buf), "%.*s", (int)len, line);
		va_start(ap, text);
		for (const char *w = va_arg(ap, const char *); w; w = va_arg(ap, const char *))
			all = all && strstr(buf, w);
		va_end(ap);
		n += all;
		line += len + (end != NULL);
	}
	return n;
}

static CK_RV create_bad_object(struct fixture *fx, CK_SESSION_HANDLE s)
{
	CK_OBJECT_CLASS klass = CKO_DATA;
	CK_ULONG bits = 2048;
	CK_ATTRIBUTE tmpl[] = {
	    {CKA_CLASS, &klass, sizeof(klass)},
	    {CKA_MODULUS_BITS, &bits, sizeof(bits)},
	};
	CK_OBJECT_HANDLE h;

	return fx->f->C_CreateObject(s, tmpl, 2, &h);
}

static CK_RV make_token_object(struct fixture *fx, CK_SESSION_HANDLE s)
{
	CK_OBJECT_CLASS klass = CKO_DATA;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE tmpl[] = {
	    {CKA_CLASS, &klass, sizeof(klass)},
	    {CKA_TOKEN, &yes, 1},
	};
	CK_OBJECT_HANDLE h;

	return fx->f->C_CreateObject(s, tmpl, 2, &h);
}

static void test_level1_errors_only(void **state)
{
	struct fixture *fx = *state;
	CK_BYTE rnd[16];
	CK_SESSION_HANDLE s;
	char *text;
	CK_RV rv;

	assert_int_equal(start(fx, "1"), CKR_OK);
	init_token(fx);
	s = open_rw(fx);
	assert_int_equal(fx->f->C_GenerateRandom(s, rnd, sizeof(rnd)), CKR_OK);
	rv = create_bad_object(fx, s);
	assert_int_not_equal(rv, CKR_OK);
	/* with slotd gone, a change fails with the device's error and says why */
	assert_true(WIFEXITED(harness_stop(&fx->h)));
	assert_int_equal(make_token_object(fx, s), CKR_DEVICE_ERROR);
	fx->f->C_CloseSession(s);
	assert_int_equal(fx->f->C_Finalize(NULL), CKR_OK);

	text = read_trace(fx);
	/* one error line per failed create, naming the function and result */
	assert_int_equal(count_lines(text, "C_CreateObject", NULL), 2);
	assert_int_equal(count_lines(text, " ERROR ", "C_CreateObject(", os_p11_rv_name(rv),
	                             "CKA_MODULUS_BITS", NULL),
	                 1);
	/* why: the connection broke during the change, or was found broken before */
	assert_int_equal(
	    count_lines(text, " ERROR C_CreateObject(", "= CKR_DEVICE_ERROR: ", "slotd", NULL), 1);
	/* nothing for the calls that succeeded */
	assert_int_equal(count_lines(text, "C_GenerateRandom", NULL), 0);
	assert_int_equal(count_lines(text, "C_OpenSession", NULL), 0);
	assert_int_equal(count_lines(text, "CKR_OK", NULL), 0);
	assert_int_equal(count_lines(text, " CALL ", NULL), 0);
	free(text);
}

static void test_level3_every_call(void **state)
{
	struct fixture *fx = *state;
	CK_BYTE rnd[16];
	CK_SESSION_HANDLE s;
	char *text;

	assert_int_equal(start(fx, "3"), CKR_OK);
	s = open_rw(fx);
	for (int i = 0; i < 3; i++)
		assert_int_equal(fx->f->C_GenerateRandom(s, rnd, sizeof(rnd)), CKR_OK);
	assert_int_not_equal(create_bad_object(fx, s), CKR_OK);
	assert_int_equal(fx->f->C_CloseSession(s), CKR_OK);
	assert_int_equal(fx->f->C_Finalize(NULL), CKR_OK);

	text = read_trace(fx);
	assert_int_equal(count_lines(text, " CALL C_GenerateRandom(session ",
	                             ", random len 16) = CKR_OK (", " us)", NULL),
	                 3);
	assert_int_equal(
	    count_lines(text, " CALL C_OpenSession(slot 0, flags 0x6) = CKR_OK (", NULL), 1);
	assert_int_equal(count_lines(text, " CALL C_CloseSession(", NULL), 1);
	assert_int_equal(count_lines(text, "C_CreateObject", NULL), 1);
	assert_int_equal(count_lines(text, " ERROR C_CreateObject(", NULL), 1);
	/* level 4 lines stay out */
	assert_int_equal(count_lines(text, " DEBUG ", NULL), 0);
	free(text);
}

static void hex(const CK_BYTE *b, size_t n, const char *digits, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

/* text holds none of the bytes of secret, raw or in hexadecimal of either case. */
static void assert_secret_absent(const char *text, size_t len, const void *secret, size_t n)
{
	char lower[2 * 64 + 1], upper[2 * 64 + 1];

	assert_true(n <= 64);
	hex(secret, n, "0123456789abcdef", lower);
	hex(secret, n, "0123456789ABCDEF", upper);
	assert_null(memmem(text, len, secret, n));
	assert_null(strstr(text, lower));
	assert_null(strstr(text, upper));
}

/* A token AES key of known value, extractable, used to encrypt and wrap. */
static void use_known_key(struct fixture *fx, CK_SESSION_HANDLE s)
{
	CK_OBJECT_CLASS klass = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE tmpl[] = {
	    {CKA_CLASS, &klass, sizeof(klass)},
	    {CKA_KEY_TYPE, &kt, sizeof(kt)},
	    {CKA_TOKEN, &yes, 1},
	    {CKA_PRIVATE, &yes, 1},
	    {CKA_SENSITIVE, &no, 1},
	    {CKA_EXTRACTABLE, &yes, 1},
	    {CKA_ENCRYPT, &yes, 1},
	    {CKA_WRAP, &yes, 1},
	    {CKA_VALUE, (void *)key_value, sizeof(key_value)},
	};
	CK_MECHANISM ecb = {CKM_AES_ECB, NULL, 0}, kw = {CKM_AES_KEY_WRAP, NULL, 0};
	CK_BYTE data[16] = "sixteen bytes!!", out[64], value[32];
	CK_ULONG outlen = sizeof(out);
	CK_ATTRIBUTE get = {CKA_VALUE, value, sizeof(value)};
	CK_OBJECT_HANDLE key;

	assert_int_equal(fx->f->C_CreateObject(s, tmpl, sizeof(tmpl) / sizeof(tmpl[0]), &key),
	                 CKR_OK);
	assert_int_equal(fx->f->C_EncryptInit(s, &ecb, key), CKR_OK);
	assert_int_equal(fx->f->C_Encrypt(s, data, sizeof(data), out, &outlen), CKR_OK);
	outlen = sizeof(out);
	assert_int_equal(fx->f->C_WrapKey(s, &kw, key, key, out, &outlen), CKR_OK);
	assert_int_equal(fx->f->C_GetAttributeValue(s, key, &get, 1), CKR_OK);
	assert_memory_equal(value, key_value, sizeof(value));
}

static void test_level4_steps_no_secrets(void **state)
{
	struct fixture *fx = *state;
	CK_SESSION_HANDLE s;
	char *text;

	assert_int_equal(start(fx, "4"), CKR_OK);
	init_token(fx);
	s = open_rw(fx);
	assert_int_equal(fx->f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)),
	                 CKR_OK);
	use_known_key(fx, s);
	assert_int_equal(fx->f->C_Finalize(NULL), CKR_OK);
	/* again: the token object is loaded from the store at the login */
	assert_int_equal(start(fx, "4"), CKR_OK);
	s = open_rw(fx);
	assert_int_equal(fx->f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)),
	                 CKR_OK);
	assert_int_equal(fx->f->C_Finalize(NULL), CKR_OK);

	text = read_trace(fx);
	size_t len = strlen(text);
	assert_true(count_lines(text, " DEBUG ", "token store: ", "loaded", NULL) >= 2);
	assert_true(count_lines(text, " DEBUG ", "token store: ", "1 loaded (with private", NULL) >=
	            1);
	assert_true(count_lines(text, " DEBUG ", "shared lock taken after", NULL) >= 2);
	assert_true(count_lines(text, " DEBUG ", "connected to slotd", NULL) >= 2);
	assert_true(count_lines(text, " CALL C_WrapKey(", "CKM_AES_KEY_WRAP", NULL) == 1);
	assert_secret_absent(text, len, SO_PIN, strlen(SO_PIN));
	assert_secret_absent(text, len, USER_PIN, strlen(USER_PIN));
	assert_secret_absent(text, len, key_value, sizeof(key_value));
	/* nor any 8 consecutive bytes of the key */
	for (size_t i = 0; i + 8 <= sizeof(key_value); i++)
		assert_secret_absent(text, len, key_value + i, 8);
	free(text);
}

/*
 * In a child (the syslog lines are told once per process): C_Initialize
 * three times with slotd stopped.  Exit status 0 when exactly one line was
 * told, naming the cause and the fix.
 */
static int child_slotd_absent(struct fixture *fx)
{
	for (int i = 0; i < 3; i++)
		if (start(fx, NULL) == CKR_OK)
			return 2;
	if (syslog_count != 1)
		return 3;
	if (!strstr(syslog_lines[0], "openslot: cannot reach slotd at ") ||
	    !strstr(syslog_lines[0], "/run/slotd.socket") ||
	    !strstr(syslog_lines[0], "start it with 'systemctl start slotd.service'"))
		return 4;
	return 0;
}

/* Three rounds with the token's TOK_OBJ replaced by a file: one line. */
static int child_token_damaged(struct fixture *fx)
{
	for (int i = 0; i < 3; i++) {
		if (start(fx, NULL) != CKR_OK)
			return 2;
		fx->f->C_Finalize(NULL);
	}
	if (syslog_count != 1)
		return 3;
	if (!strstr(syslog_lines[0], "openslot: token 'softtok' at ") ||
	    !strstr(syslog_lines[0], "/data/softtok cannot be read: ") ||
	    !strstr(syslog_lines[0], "restore them from a backup"))
		return 4;
	return 0;
}

/* Three rounds loading a token whose one object file is damaged: one line. */
static int child_object_damaged(struct fixture *fx)
{
	for (int i = 0; i < 3; i++) {
		if (start(fx, "1") != CKR_OK)
			return 2;
		fx->f->C_Finalize(NULL);
	}
	if (syslog_count != 1)
		return 3;
	if (!strstr(syslog_lines[0], "openslot: token 'softtok' at ") ||
	    !strstr(syslog_lines[0], " is damaged (") ||
	    !strstr(syslog_lines[0], "and was skipped; restore "))
		return 4;
	return 0;
}

/* As nobody, outside the group: the socket refuses the connection. */
static int child_denied(struct fixture *fx)
{
	if (setgroups(0, NULL) < 0 || setresgid(OUTSIDER, OUTSIDER, OUTSIDER) < 0 ||
	    setresuid(OUTSIDER, OUTSIDER, OUTSIDER) < 0)
		return 5;
	for (int i = 0; i < 3; i++)
		if (start(fx, NULL) == CKR_OK)
			return 2;
	if (syslog_count != 1)
		return 3;
	if (!strstr(syslog_lines[0], "may not connect to slotd at ") ||
	    !strstr(syslog_lines[0], "Permission denied; this process is not in group ") ||
	    !strstr(syslog_lines[0], "add the user with 'usermod -aG "))
		return 4;
	return 0;
}

/* Root, facing a server on the socket that runs as nobody. */
static int child_impostor(struct fixture *fx)
{
	for (int i = 0; i < 3; i++)
		if (start(fx, NULL) == CKR_OK)
			return 2;
	if (syslog_count != 1)
		return 3;
	if (!strstr(syslog_lines[0], "openslot: refusing the server on ") ||
	    !strstr(syslog_lines[0], "it runs as uid 65534") ||
	    !strstr(syslog_lines[0], "stop the program listening there and start slotd"))
		return 4;
	return 0;
}

/* The last child run_child started. */
static pid_t last_child;

static void run_child(struct fixture *fx, int (*fn)(struct fixture *))
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		harness_child_signals();
		syslog_count = 0;
		int r = fn(fx);
		if (r)
			fprintf(stderr, "child: %d, %d lines, first: %s\n", r, syslog_count,
			        syslog_lines[0]);
		_exit(r);
	}
	last_child = pid;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_syslog_slotd_absent(void **state)
{
	struct fixture *fx = *state;

	assert_true(WIFEXITED(harness_stop(&fx->h)));
	run_child(fx, child_slotd_absent);
}

static void test_syslog_token_damaged(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_MAX], moved[PATH_MAX];
	FILE *fp;

	/* slotd opens the token now, and keeps its files open */
	assert_int_equal(start(fx, NULL), CKR_OK);
	init_token(fx);
	assert_int_equal(fx->f->C_Finalize(NULL), CKR_OK);
	snprintf(path, sizeof(path), "%s/data/softtok/TOK_OBJ", fx->h.dir);
	snprintf(moved, sizeof(moved), "%s/data/softtok/TOK_OBJ.moved", fx->h.dir);
	assert_int_equal(rename(path, moved), 0);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fclose(fp);
	run_child(fx, child_token_damaged);
	/* the parent was told nothing: each process has its own */
	assert_int_equal(syslog_count, 0);
}

/* Flips a byte in the middle of the one object file under TOK_OBJ. */
static void damage_object_file(struct fixture *fx)
{
	char dir[PATH_MAX], path[PATH_MAX + 256];
	struct dirent *de;
	struct stat st;
	int n = 0, fd;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/data/softtok/TOK_OBJ", fx->h.dir);
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, "OBJ_IDX") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		n++;
	}
	closedir(d);
	assert_int_equal(n, 1);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	unsigned char c;
	assert_int_equal(pread(fd, &c, 1, st.st_size / 2), 1);
	c ^= 0x55;
	assert_int_equal(pwrite(fd, &c, 1, st.st_size / 2), 1);
	close(fd);
}

static void test_syslog_object_damaged(void **state)
{
	struct fixture *fx = *state;
	static CK_BYTE big[10000]; /* past what an index record holds: one copy only */
	CK_OBJECT_CLASS klass = CKO_DATA;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE tmpl[] = {
	    {CKA_CLASS, &klass, sizeof(klass)},
	    {CKA_TOKEN, &yes, 1},
	    {CKA_VALUE, big, sizeof(big)},
	};
	CK_OBJECT_HANDLE h;
	CK_SESSION_HANDLE s;
	char *text;

	assert_int_equal(start(fx, NULL), CKR_OK);
	init_token(fx);
	s = open_rw(fx);
	assert_int_equal(fx->f->C_CreateObject(s, tmpl, 3, &h), CKR_OK);
	assert_int_equal(fx->f->C_Finalize(NULL), CKR_OK);
	damage_object_file(fx);
	run_child(fx, child_object_damaged);
	/* the child's level-1 trace says which object was skipped */
	text = read_trace_of(fx, last_child);
	assert_true(count_lines(text, " ERROR ", "token object ", " skipped: ", NULL) >= 1);
	free(text);
}

static void test_syslog_denied(void **state)
{
	struct fixture *fx = *state;

	if (geteuid() != 0)
		skip(); /* only root can become another user */
	assert_int_equal(users_share_instance(&fx->h, fx->lib, sizeof(fx->lib)), 0);
	run_child(fx, child_denied);
}

/*
 * Listens on path as nobody (bound as root, which may write the run
 * directory; SO_PEERCRED reports who called listen) until killed.
 */
static pid_t start_impostor(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int ready[2];
	char c;
	pid_t pid;

	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
		unlink(path);
		if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
		    setresgid(OUTSIDER, OUTSIDER, OUTSIDER) < 0 ||
		    setresuid(OUTSIDER, OUTSIDER, OUTSIDER) < 0 || listen(fd, 16) < 0)
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	return pid;
}

static void test_syslog_impostor(void **state)
{
	struct fixture *fx = *state;
	pid_t impostor;

	if (geteuid() != 0)
		skip(); /* only root can become another user */
	assert_true(WIFEXITED(harness_stop(&fx->h)));
	impostor = start_impostor(fx->h.socket);
	run_child(fx, child_impostor);
	kill(impostor, SIGKILL);
	assert_int_equal(waitpid(impostor, NULL, 0), impostor);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_level1_errors_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_level3_every_call, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_level4_steps_no_secrets, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_syslog_slotd_absent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_syslog_token_damaged, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_syslog_object_damaged, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_syslog_denied, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_syslog_impostor, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
