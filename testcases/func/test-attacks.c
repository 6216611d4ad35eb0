/*
 * The attacks a member of the group tried against a shared token, each
 * against a real slotd running as its own throwaway service user: users A
 * and B are members of a throwaway group, C is not.  B initialises the
 * token once and stores a public object that is neither modifiable nor
 * destroyable, a modifiable public one, a private one and a sensitive,
 * unextractable private key.
 *
 * Each test runs the attacker's part as A, not logged in unless it says
 * so, in a child with a deadline, speaking the raw protocol (attacker.h)
 * rather than going through the library, whose own checks would hide
 * slotd's.  Each asserts that the attack failed and that nothing was lost:
 * afterwards B, through the library, finds every object with its values.
 * Every check names the line of the product it guards; removing that line
 * makes the test fail (where two lines guard one thing, the comment names
 * both, and only removing both does).
 *
 * The tests share one slotd and run in order; the last one initialises the
 * token again.  Needs root (it makes users); anyone else gets a SKIP.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attacker.h"
#include "harness.h"
#include "p11child.h"
#include "paths.h"
#include "proto.h"
#include "users.h"

#define SO_PIN   "87654321"
#define USER_PIN "123456"
#define SLOT     0
#define TOKEN    "shared"

/* A child's whole part, Argon2id logins included. */
#define CHILD_TIMEOUT_MS 30000
/* A refused server must be refused at once, not after a client timeout. */
#define REFUSAL_MS 2000
/* The objects B stores in setup, and no others. */
#define N_OBJECTS 4

struct fixture {
	struct harness h;
	char group[33];
	struct users_account slotd, a, b, c;
	char lib[PATH_MAX];
	char token_dir[PATH_MAX]; /* <data>/<token> */
	char fake_dir[80];        /* A's directory, where A serves a fake slotd */
	char fake_conf[PATH_MAX]; /* a configuration whose run-dir is fake_dir */
	pid_t background;         /* the process group of a background part, or 0 */
};

/* What a child gets. */
struct part {
	const struct fixture *fx;
	int ready, stop; /* a background part: it says when it is ready, waits to stop */
	bool want;       /* what the part is to find, where it may be either */
};

static const struct users_account root_account = {"root", 0, 0};

/* --- the token and its objects, through the library --- */

static CK_FUNCTION_LIST_3_0 *lib_begin(const struct part *p)
{
	CK_FUNCTION_LIST_3_0 *f = p11child_load(p->fx->lib);
	CK_RV rv;

	if (!f)
		return NULL;
	rv = f->C_Initialize(NULL);
	if (rv != CKR_OK) {
		fprintf(stderr, "uid %ld: C_Initialize returned 0x%lx\n", (long)getuid(), rv);
		return NULL;
	}
	return f;
}

static CK_RV open_rw(CK_FUNCTION_LIST_3_0 *f, CK_SESSION_HANDLE *s)
{
	return f->C_OpenSession(SLOT, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, s);
}

static CK_RV login_user(CK_FUNCTION_LIST_3_0 *f, CK_SESSION_HANDLE s)
{
	return f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN));
}

static CK_RV create_data(CK_FUNCTION_LIST_3_0 *f, CK_SESSION_HANDLE s, const char *label,
                         CK_BBOOL private, CK_BBOOL changeable, const char *value)
{
	CK_OBJECT_CLASS klass = CKO_DATA;
	CK_BBOOL yes = CK_TRUE;
	CK_OBJECT_HANDLE h;
	CK_ATTRIBUTE tmpl[] = {
	    {CKA_CLASS, &klass, sizeof(klass)},
	    {CKA_TOKEN, &yes, 1},
	    {CKA_PRIVATE, &private, 1},
	    {CKA_LABEL, (void *)label, strlen(label)},
	    {CKA_VALUE, (void *)value, strlen(value)},
	    {CKA_MODIFIABLE, &changeable, 1},
	    {CKA_DESTROYABLE, &changeable, 1},
	};

	return f->C_CreateObject(s, tmpl, 7, &h);
}

/* A private AES key that is sensitive and not extractable. */
static CK_RV generate_sealed_key(CK_FUNCTION_LIST_3_0 *f, CK_SESSION_HANDLE s)
{
	CK_MECHANISM mech = {CKM_AES_KEY_GEN, NULL, 0};
	CK_ULONG len = 32;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE tmpl[] = {
	    {CKA_VALUE_LEN, &len, sizeof(len)}, {CKA_TOKEN, &yes, 1},      {CKA_PRIVATE, &yes, 1},
	    {CKA_SENSITIVE, &yes, 1},           {CKA_EXTRACTABLE, &no, 1}, {CKA_ENCRYPT, &yes, 1},
	    {CKA_LABEL, "sealed-key", 10},
	};
	CK_OBJECT_HANDLE h;

	return f->C_GenerateKey(s, &mech, tmpl, 7, &h);
}

/* B: initialises the token and stores the objects the attacks aim at. */
static int part_b_prepare(void *arg)
{
	CK_FUNCTION_LIST_3_0 *f = lib_begin(arg);
	CK_UTF8CHAR label[32];
	CK_SESSION_HANDLE s;

	P11CHILD_CHECK(f != NULL);
	memset(label, ' ', sizeof(label));
	memcpy(label, "attacked", 8);
	P11CHILD_EXPECT(f->C_InitToken(SLOT, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN), label),
	                CKR_OK);
	P11CHILD_EXPECT(open_rw(f, &s), CKR_OK);
	P11CHILD_EXPECT(f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN)), CKR_OK);
	P11CHILD_EXPECT(f->C_InitPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)), CKR_OK);
	P11CHILD_EXPECT(f->C_Logout(s), CKR_OK);
	P11CHILD_EXPECT(login_user(f, s), CKR_OK);
	P11CHILD_EXPECT(create_data(f, s, "fixed", CK_FALSE, CK_FALSE, "fixed value"), CKR_OK);
	P11CHILD_EXPECT(create_data(f, s, "plain", CK_FALSE, CK_TRUE, "plain value"), CKR_OK);
	P11CHILD_EXPECT(create_data(f, s, "secret", CK_TRUE, CK_TRUE, "secret value"), CKR_OK);
	P11CHILD_EXPECT(generate_sealed_key(f, s), CKR_OK);
	P11CHILD_EXPECT(f->C_Finalize(NULL), CKR_OK);
	return 0;
}

/* Whether attribute type of object h holds exactly len bytes of value. */
static bool has_value(CK_FUNCTION_LIST_3_0 *f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h,
                      CK_ATTRIBUTE_TYPE type, const void *value, size_t len)
{
	unsigned char buf[64];
	CK_ATTRIBUTE at = {type, buf, sizeof(buf)};

	return f->C_GetAttributeValue(s, h, &at, 1) == CKR_OK && at.ulValueLen == len &&
	       memcmp(buf, value, len) == 0;
}

/* The number of objects session s sees, or -1. */
static long count_objects(CK_FUNCTION_LIST_3_0 *f, CK_SESSION_HANDLE s)
{
	CK_OBJECT_HANDLE found[16];
	CK_ULONG n = 0;

	if (f->C_FindObjectsInit(s, NULL, 0) != CKR_OK)
		return -1;
	CK_RV rv = f->C_FindObjects(s, found, 16, &n);
	return f->C_FindObjectsFinal(s) == CKR_OK && rv == CKR_OK ? (long)n : -1;
}

/* Checks one data object B stored: there once, with its class and value. */
static int check_data(CK_FUNCTION_LIST_3_0 *f, CK_SESSION_HANDLE s, const char *label,
                      const char *value)
{
	CK_OBJECT_CLASS klass = CKO_DATA;
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;

	P11CHILD_CHECK(p11child_find_label(f, s, label, &h) == 1);
	P11CHILD_CHECK(has_value(f, s, h, CKA_VALUE, value, strlen(value)));
	P11CHILD_CHECK(has_value(f, s, h, CKA_CLASS, &klass, sizeof(klass)));
	return 0;
}

/* B: every object is there with its values, and nothing else is. */
static int part_b_intact(void *arg)
{
	CK_FUNCTION_LIST_3_0 *f = lib_begin(arg);
	CK_BBOOL yes = CK_TRUE;
	CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
	CK_SESSION_HANDLE s;

	P11CHILD_CHECK(f != NULL);
	P11CHILD_EXPECT(open_rw(f, &s), CKR_OK);
	P11CHILD_CHECK(count_objects(f, s) == 2); /* the public ones */
	P11CHILD_EXPECT(login_user(f, s), CKR_OK);
	P11CHILD_CHECK(count_objects(f, s) == N_OBJECTS);
	P11CHILD_CHECK(check_data(f, s, "fixed", "fixed value") == 0);
	P11CHILD_CHECK(check_data(f, s, "plain", "plain value") == 0);
	P11CHILD_CHECK(check_data(f, s, "secret", "secret value") == 0);
	P11CHILD_CHECK(p11child_find_label(f, s, "sealed-key", &key) == 1);
	P11CHILD_CHECK(has_value(f, s, key, CKA_PRIVATE, &yes, 1));
	P11CHILD_CHECK(has_value(f, s, key, CKA_SENSITIVE, &yes, 1));
	P11CHILD_EXPECT(f->C_Finalize(NULL), CKR_OK);
	return 0;
}

static void assert_intact(struct fixture *fx)
{
	struct part p = {.fx = fx};

	assert_int_equal(users_run_as(&fx->b, 022, CHILD_TIMEOUT_MS, part_b_intact, &p), 0);
}

/* --- parts running in the background while the test acts --- */

/* A part running in the background, in a process group of its own. */
struct background {
	struct fixture *fx;
	pid_t pid;
	int ready[2], stop[2];
	struct part p;
};

/* In a background part: tells the test it is ready, then waits for the word to stop. */
static int background_hold(const struct part *p)
{
	struct pollfd pfd = {.fd = p->stop, .events = POLLIN};
	char c = 1;

	if (write(p->ready, &c, 1) != 1)
		return 1;
	return poll(&pfd, 1, CHILD_TIMEOUT_MS) == 1 ? 0 : 1;
}

/* Runs fn as who in the background; returns once it said it is ready. */
static void background_start(struct background *bg, struct fixture *fx,
                             const struct users_account *who, int (*fn)(void *))
{
	struct pollfd pfd;
	char c;

	assert_int_equal(pipe(bg->ready), 0);
	assert_int_equal(pipe(bg->stop), 0);
	bg->fx = fx;
	bg->p = (struct part){.fx = fx, .ready = bg->ready[1], .stop = bg->stop[0]};
	fflush(NULL);
	bg->pid = fork();
	assert_true(bg->pid >= 0);
	if (bg->pid == 0) {
		setpgid(0, 0);
		harness_child_signals();
		int rc = users_run_as(who, 022, CHILD_TIMEOUT_MS * 2, fn, &bg->p);
		_exit(rc == USERS_CHILD_LOST ? 255 : rc);
	}
	setpgid(bg->pid, bg->pid);
	fx->background = bg->pid;
	pfd = (struct pollfd){.fd = bg->ready[0], .events = POLLIN};
	assert_int_equal(poll(&pfd, 1, CHILD_TIMEOUT_MS), 1);
	assert_int_equal(read(bg->ready[0], &c, 1), 1);
}

/* Kills what a failed test left running in the background. */
static void background_kill(struct fixture *fx)
{
	if (fx->background <= 0)
		return;
	kill(-fx->background, SIGKILL);
	waitpid(fx->background, NULL, 0);
	fx->background = 0;
}

/* Tells the background part to stop; returns its exit code. */
static int background_finish(struct background *bg)
{
	char c = 1;
	int st;

	if (write(bg->stop[1], &c, 1) != 1 || waitpid(bg->pid, &st, 0) != bg->pid)
		st = -1;
	bg->fx->background = 0;
	for (int i = 0; i < 2; i++) {
		close(bg->ready[i]);
		close(bg->stop[i]);
	}
	return st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* --- 1. PIN files --- */

/* A: the PIN files are slotd's alone (TOK_STORE_MODE_SECRET in store_mk.c). */
static int part_a_pin_files(void *arg)
{
	const struct part *p = arg;
	static const char *const secret[] = {"MK_SO", "MK_USER", "NVTOK.DAT"};
	char path[PATH_MAX + 16];

	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", p->fx->token_dir, secret[i]);
		int fd = open(path, O_RDONLY | O_NONBLOCK);
		if (fd >= 0)
			fprintf(stderr, "A could open %s\n", path);
		P11CHILD_CHECK(fd < 0 && errno == EACCES);
	}
	return 0;
}

/* A, logged in as the SO: slotd refuses a user PIN of 5 characters. */
static int part_a_short_pin(void *arg)
{
	const struct part *p = arg;
	uint8_t mk[TOK_STORE_KEY_LEN];
	struct os_client cl;
	size_t mk_len;

	P11CHILD_CHECK(attacker_connect(&cl, p->fx->h.conf) == 0);
	P11CHILD_EXPECT(attacker_login(&cl, SLOT, CKU_SO, SO_PIN, mk, &mk_len), CKR_OK);
	/* guards pins_check_new() in slotd_tokens_init_pin (tokens_pins.c) */
	P11CHILD_EXPECT(attacker_init_pin(&cl, SLOT, "12345", 5), CKR_PIN_LEN_RANGE);
	P11CHILD_EXPECT(attacker_logout(&cl, SLOT), CKR_OK);
	os_client_close(&cl);
	return 0;
}

static uint32_t be32_at(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * As root: a master-key file is 0600, slotd's, and records the default
 * Argon2id parameters (store_mk.h: a 36-byte frame header, the 16-byte
 * salt, then m, t and p as big-endian u32s).
 */
static void assert_mk_file(const struct fixture *fx, const char *name)
{
	char path[PATH_MAX + 16];
	unsigned char buf[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", fx->token_dir, name);
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, fx->slotd.uid);
	ssize_t n = read(fd, buf, sizeof(buf));
	close(fd);
	assert_int_equal(n, 36 + 88 + 32);
	assert_memory_equal(buf, "OSMK", 4);
	assert_int_equal(be32_at(buf + 52), 19456);
	assert_int_equal(be32_at(buf + 56), 2);
	assert_int_equal(be32_at(buf + 60), 1);
}

static void test_pin_files_unreadable(void **state)
{
	struct fixture *fx = *state;
	struct part p = {.fx = fx};

	assert_int_equal(users_run_as(&fx->a, 022, CHILD_TIMEOUT_MS, part_a_pin_files, &p), 0);
	assert_mk_file(fx, "MK_USER");
	assert_mk_file(fx, "MK_SO");
	assert_int_equal(users_run_as(&fx->a, 022, CHILD_TIMEOUT_MS, part_a_short_pin, &p), 0);
	assert_intact(fx);
}

/* --- 2. no rollback --- */

/* Whether call failed with EACCES; prints what it did otherwise. */
static bool refused(int rc, const char *what, const char *path)
{
	if (rc < 0 && errno == EACCES)
		return true;
	fprintf(stderr, "A: %s %s: %s\n", what, path, rc < 0 ? strerror(errno) : "allowed");
	return false;
}

static bool refused_open(const char *path, int flags)
{
	int fd = open(path, flags | O_NONBLOCK | O_NOFOLLOW, 0600);

	if (fd >= 0)
		close(fd);
	return refused(fd, "open", path);
}

/* The first object file in TOK_OBJ, in name (at least NAME_MAX + 1 bytes). */
static bool first_object_file(const char *dir, char *name)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool found = false;

	while (d && !found && (de = readdir(d)))
		if (strstr(de->d_name, ".obj")) {
			snprintf(name, NAME_MAX + 1, "%s", de->d_name);
			found = true;
		}
	if (d)
		closedir(d);
	return found;
}

/*
 * A cannot create anything in dir (a directory slotd owns), nor rename or
 * remove its entry name, nor write to it when it is a file.
 */
static int check_dir_closed(const char *dir, const char *name, bool is_dir)
{
	char path[PATH_MAX + NAME_MAX + 2], other[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(other, sizeof(other), "%s/planted", dir);
	P11CHILD_CHECK(is_dir || refused_open(path, O_WRONLY));
	P11CHILD_CHECK(is_dir || refused_open(path, O_RDWR | O_TRUNC));
	P11CHILD_CHECK(refused_open(other, O_WRONLY | O_CREAT | O_EXCL));
	P11CHILD_CHECK(refused(rename(path, other), "rename", path));
	P11CHILD_CHECK(refused(is_dir ? rmdir(path) : unlink(path), "remove", path));
	P11CHILD_CHECK(refused(mkdir(other, 0700), "mkdir", other));
	P11CHILD_CHECK(refused(symlink(path, other), "symlink", other));
	return 0;
}

/* A: every file and directory of the token is out of reach (the modes store_file.c sets). */
static int part_a_no_writes(void *arg)
{
	const struct part *p = arg;
	char obj_dir[PATH_MAX + 16], name[NAME_MAX + 1];

	snprintf(obj_dir, sizeof(obj_dir), "%s/TOK_OBJ", p->fx->token_dir);
	P11CHILD_CHECK(check_dir_closed(p->fx->token_dir, "NVTOK.DAT", false) == 0);
	P11CHILD_CHECK(check_dir_closed(p->fx->token_dir, "TOK_OBJ", true) == 0);
	P11CHILD_CHECK(check_dir_closed(obj_dir, "OBJ_IDX", false) == 0);
	P11CHILD_CHECK(first_object_file(obj_dir, name));
	P11CHILD_CHECK(check_dir_closed(obj_dir, name, false) == 0);
	return 0;
}

/* A: two wrong user PINs, counted by slotd. */
static int part_a_guess(void *arg)
{
	const struct part *p = arg;
	uint8_t mk[TOK_STORE_KEY_LEN];
	struct os_client cl;
	size_t mk_len;

	P11CHILD_CHECK(attacker_connect(&cl, p->fx->h.conf) == 0);
	for (int i = 0; i < 2; i++)
		P11CHILD_EXPECT(attacker_login(&cl, SLOT, CKU_USER, "000000", mk, &mk_len),
		                CKR_PIN_INCORRECT);
	os_client_close(&cl);
	return 0;
}

static bool count_low(CK_FUNCTION_LIST_3_0 *f)
{
	CK_TOKEN_INFO info;

	return f->C_GetTokenInfo(SLOT, &info) == CKR_OK && (info.flags & CKF_USER_PIN_COUNT_LOW);
}

/* B: CKF_USER_PIN_COUNT_LOW is set; with p->want, a good login then clears it. */
static int part_b_count_low(void *arg)
{
	const struct part *p = arg;
	CK_FUNCTION_LIST_3_0 *f = lib_begin(p);
	CK_SESSION_HANDLE s;

	P11CHILD_CHECK(f != NULL);
	P11CHILD_CHECK(count_low(f));
	if (p->want) {
		P11CHILD_EXPECT(open_rw(f, &s), CKR_OK);
		P11CHILD_EXPECT(login_user(f, s), CKR_OK);
		P11CHILD_CHECK(!count_low(f));
	}
	P11CHILD_EXPECT(f->C_Finalize(NULL), CKR_OK);
	return 0;
}

static void test_no_rollback(void **state)
{
	struct fixture *fx = *state;
	struct part p = {.fx = fx};

	assert_int_equal(users_run_as(&fx->a, 022, CHILD_TIMEOUT_MS, part_a_no_writes, &p), 0);
	assert_int_equal(users_run_as(&fx->a, 022, CHILD_TIMEOUT_MS, part_a_guess, &p), 0);
	assert_int_equal(users_run_as(&fx->b, 022, CHILD_TIMEOUT_MS, part_b_count_low, &p), 0);
	/*
	 * The failures are in NVTOK.DAT, which only slotd writes and which
	 * outlives it: guards tok_store_nv_write of the count in store_pin.c
	 * and slotd_tokens_publish of it (tokens.c).
	 */
	assert_true(harness_stop(&fx->h) >= 0);
	assert_int_equal(harness_start(&fx->h, NULL), 0);
	p.want = true;
	assert_int_equal(users_run_as(&fx->b, 022, CHILD_TIMEOUT_MS, part_b_count_low, &p), 0);
	assert_intact(fx);
}

/* --- 3. a fake slotd --- */

/* A: the run directory is not A's to serve in (setup.c makes it 0755 for slotd's user). */
static int part_a_bind_run(void *arg)
{
	const struct part *p = arg;
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	P11CHILD_CHECK(fd >= 0);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/run/fake.socket", p->fx->h.dir);
	P11CHILD_CHECK(
	    refused(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), "bind", addr.sun_path));
	close(fd);
	P11CHILD_CHECK(refused(unlink(p->fx->h.socket), "unlink", p->fx->h.socket));
	return 0;
}

/*
 * A: serves a fake slotd in A's own directory, answering every connection
 * at once with a handshake and a token named to escape the data directory
 * ("../fake/evil"), until told to stop.  Exit 0 when it was connected to
 * and received nothing; 2 when nobody connected; 3 when a client sent
 * bytes.
 */
static int part_a_fake_server(void *arg)
{
	const struct part *p = arg;
	struct attacker_fake fk;
	char path[sizeof(p->fx->fake_dir) + 16];

	snprintf(path, sizeof(path), "%s/%s", p->fx->fake_dir, OS_SOCKET_NAME);
	P11CHILD_CHECK(attacker_fake_listen(&fk, path, SLOT, "../fake/evil") == 0);
	char c = 1;
	P11CHILD_CHECK(write(p->ready, &c, 1) == 1);
	attacker_fake_serve(&fk, p->stop, CHILD_TIMEOUT_MS);
	fprintf(stderr, "fake server: %u connections, %zu bytes received\n", fk.accepted,
	        fk.received);
	return fk.accepted == 0 ? 2 : fk.received ? 3 : 0;
}

/* B or root: the first call that reaches for the fake server fails at once. */
static int part_fake_client(void *arg)
{
	const struct part *p = arg;
	CK_FUNCTION_LIST_3_0 *f;

	setenv("OPENSLOT_CONF", p->fx->fake_conf, 1);
	f = p11child_load(p->fx->lib);
	P11CHILD_CHECK(f != NULL);
	long long t0 = harness_now_ms();
	/* guards client_check_peer() in os_client_connect_trusting (client.c) */
	P11CHILD_EXPECT(f->C_Initialize(NULL), CKR_OK);
	CK_ULONG n;
	P11CHILD_EXPECT(f->C_GetSlotList(CK_FALSE, NULL, &n), CKR_DEVICE_ERROR);
	P11CHILD_CHECK(harness_now_ms() - t0 < REFUSAL_MS);
	return 0;
}

/* A's directory, and a configuration that points clients at it. */
static void fake_prepare(struct fixture *fx)
{
	FILE *fp;

	snprintf(fx->fake_dir, sizeof(fx->fake_dir), "%s/fake", fx->h.dir);
	snprintf(fx->fake_conf, sizeof(fx->fake_conf), "%s/fake.conf", fx->h.dir);
	assert_int_equal(mkdir(fx->fake_dir, 0755), 0);
	assert_int_equal(chown(fx->fake_dir, fx->a.uid, fx->a.gid), 0);
	fp = fopen(fx->fake_conf, "w");
	assert_non_null(fp);
	fprintf(fp,
	        "run-dir = \"%s\";\nlock-dir = \"%s/lock\";\ndata-dir = \"%s/data\";\n"
	        "log-dir = \"%s/log\";\ngroup = \"%s\";\nuser = \"%s\";\n"
	        "slots = ( { id = 0; backend = \"soft\"; token = \"" TOKEN "\"; } );\n",
	        fx->fake_dir, fx->h.dir, fx->h.dir, fx->h.dir, fx->group, fx->slotd.name);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(fx->fake_conf, 0644), 0);
}

/* Nothing but A's socket in A's directory: no store made where the fake token pointed. */
static void assert_fake_dir_untouched(const struct fixture *fx)
{
	DIR *d = opendir(fx->fake_dir);
	struct dirent *de;
	unsigned others = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strcmp(de->d_name, OS_SOCKET_NAME)) {
			fprintf(stderr, "%s/%s appeared\n", fx->fake_dir, de->d_name);
			others++;
		}
	closedir(d);
	assert_int_equal(others, 0);
}

static void test_fake_server(void **state)
{
	struct fixture *fx = *state;
	struct part p = {.fx = fx};
	struct background server;

	assert_int_equal(users_run_as(&fx->a, 022, CHILD_TIMEOUT_MS, part_a_bind_run, &p), 0);
	fake_prepare(fx);
	background_start(&server, fx, &fx->a, part_a_fake_server);
	assert_int_equal(users_run_as(&fx->b, 022, CHILD_TIMEOUT_MS, part_fake_client, &p), 0);
	assert_int_equal(users_run_as(&root_account, 022, CHILD_TIMEOUT_MS, part_fake_client, &p),
	                 0);
	assert_int_equal(background_finish(&server), 0);
	assert_fake_dir_untouched(fx);
	assert_intact(fx);
}

/* --- 4. the token segment --- */

/* Whether the descriptor lets A change the segment in any way; prints what worked. */
static bool segment_writable(int fd, size_t size)
{
	bool any = false;
	void *m;

	if (ftruncate(fd, 0) == 0 || ftruncate(fd, (off_t)size * 16) == 0)
		any = fprintf(stderr, "A: ftruncate worked\n") > 0;
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m != MAP_FAILED)
		any = fprintf(stderr, "A: mmap PROT_WRITE MAP_SHARED worked\n") > 0;
	m = m != MAP_FAILED ? m : mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (m != MAP_FAILED && mprotect(m, size, PROT_READ | PROT_WRITE) == 0)
		any = fprintf(stderr, "A: mprotect PROT_WRITE worked\n") > 0;
	if (m != MAP_FAILED)
		munmap(m, size);
	if (pwrite(fd, "x", 1, 0) == 1 || write(fd, "x", 1) == 1)
		any = fprintf(stderr, "A: write worked\n") > 0;
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) == 0)
		any = fprintf(stderr, "A: F_ADD_SEALS worked\n") > 0;
	return any;
}

/* A: the segment's descriptor, and one opened again through /proc, change nothing. */
static int part_a_segment(void *arg)
{
	const struct part *p = arg;
	unsigned char before[4096], after[4096];
	char path[64];
	struct os_client cl;
	struct stat st;
	uid_t owner;
	int fd;

	P11CHILD_CHECK(attacker_connect(&cl, p->fx->h.conf) == 0);
	P11CHILD_CHECK(os_client_open_token(&cl, SLOT, &fd, &owner) == 0);
	P11CHILD_CHECK(fstat(fd, &st) == 0 && st.st_size > 0 && st.st_size <= 4096);
	size_t size = (size_t)st.st_size;
	P11CHILD_CHECK(pread(fd, before, size, 0) == (ssize_t)size);
	/* guards the O_RDONLY reopening in tokshm_reopen_ro (tokshm.c) */
	P11CHILD_CHECK(!segment_writable(fd, size));
	/*
	 * The memfd may be opened again for writing through /proc: guards
	 * F_SEAL_FUTURE_WRITE in tok_shm_create (tokshm.c), which makes that
	 * descriptor as powerless as the first.
	 */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	int rw = open(path, O_RDWR | O_CLOEXEC);
	P11CHILD_CHECK(rw < 0 || !segment_writable(rw, size));
	P11CHILD_CHECK(fstat(fd, &st) == 0 && (size_t)st.st_size == size);
	P11CHILD_CHECK(pread(fd, after, size, 0) == (ssize_t)size);
	P11CHILD_CHECK(memcmp(before, after, size) == 0);
	os_client_close(&cl);
	return 0;
}

/* C, outside the group: no connection, so no segment (handlers_peer_allowed, the run dir's mode). */
static int part_c_no_segment(void *arg)
{
	const struct part *p = arg;
	struct os_client cl;

	P11CHILD_CHECK(attacker_connect(&cl, p->fx->h.conf) < 0);
	return 0;
}

/* B: the library still reads the token through its segment. */
static int part_b_uses_token(void *arg)
{
	CK_FUNCTION_LIST_3_0 *f = lib_begin(arg);
	CK_SESSION_HANDLE s;
	CK_TOKEN_INFO info;

	P11CHILD_CHECK(f != NULL);
	P11CHILD_EXPECT(f->C_GetTokenInfo(SLOT, &info), CKR_OK);
	P11CHILD_CHECK(info.flags & CKF_TOKEN_INITIALIZED);
	P11CHILD_CHECK(memcmp(info.label, "attacked ", 9) == 0);
	P11CHILD_EXPECT(f->C_OpenSession(SLOT, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK);
	P11CHILD_CHECK(p11child_find_label(f, s, "plain", NULL) == 1);
	P11CHILD_EXPECT(f->C_Finalize(NULL), CKR_OK);
	return 0;
}

static void test_segment_read_only(void **state)
{
	struct fixture *fx = *state;
	struct part p = {.fx = fx};

	assert_int_equal(users_run_as(&fx->a, 022, CHILD_TIMEOUT_MS, part_a_segment, &p), 0);
	assert_int_equal(users_run_as(&fx->c, 022, CHILD_TIMEOUT_MS, part_c_no_segment, &p), 0);
	assert_int_equal(users_run_as(&fx->b, 022, CHILD_TIMEOUT_MS, part_b_uses_token, &p), 0);
	assert_intact(fx);
}

/* --- 5. forged writes --- */

/* A new data object labelled label. */
static void forged_data(struct tok_attrs *a, const char *label, CK_BBOOL private, CK_BBOOL token)
{
	tok_attrs_init(a);
	tok_attrs_set_ulong(a, CKA_CLASS, CKO_DATA);
	tok_attrs_set_bool(a, CKA_TOKEN, token);
	tok_attrs_set_bool(a, CKA_PRIVATE, private);
	tok_attrs_set(a, CKA_LABEL, label, strlen(label));
	tok_attrs_set(a, CKA_VALUE, "forged", 6);
}

/* A new public certificate that claims to be trusted. */
static void forged_trusted(struct tok_attrs *a)
{
	tok_attrs_init(a);
	tok_attrs_set_ulong(a, CKA_CLASS, CKO_CERTIFICATE);
	tok_attrs_set_ulong(a, CKA_CERTIFICATE_TYPE, CKC_X_509);
	tok_attrs_set_bool(a, CKA_TOKEN, CK_TRUE);
	tok_attrs_set_bool(a, CKA_PRIVATE, CK_FALSE);
	tok_attrs_set_bool(a, CKA_TRUSTED, CK_TRUE);
	tok_attrs_set(a, CKA_LABEL, "forged-trusted", 14);
	tok_attrs_set(a, CKA_SUBJECT, "\x30\x00", 2);
	tok_attrs_set(a, CKA_VALUE, "\x30\x00", 2);
}

/* OBJ_SAVE of a as object id (0: a new one); frees a. */
static long save_freeing(struct os_client *cl, uint64_t id, struct tok_attrs *a)
{
	long rv = attacker_save(cl, SLOT, id, a);

	tok_attrs_free(a);
	return rv;
}

/* OBJ_SAVE of a with one attribute set to value, as object id; frees a. */
static long save_changed(struct os_client *cl, uint64_t id, struct tok_attrs *a,
                         CK_ATTRIBUTE_TYPE type, const void *value, size_t len)
{
	tok_attrs_set(a, type, value, len);
	return save_freeing(cl, id, a);
}

/* A, not logged in: new objects slotd must refuse (objects_check_save, tok_rules_check_new). */
static int forge_new(struct os_client *cl)
{
	static const unsigned char garbage[] = {0, 0, 0, 2, 0xff, 0xff, 0xff, 0xff, 0,
	                                        0, 0, 0, 0, 0,    0,    9,    'x'};
	struct tok_attrs a;

	/*
	 * guards "entry->private && !r->mk" in objects_check_save
	 * (tokens_objects.c), and behind it the store's own refusal to write a
	 * private object without a key (tok_store_save_object): both must go
	 * for this to pass
	 */
	forged_data(&a, "forged-private", CK_TRUE, CK_TRUE);
	P11CHILD_EXPECT(save_freeing(cl, 0, &a), CKR_USER_NOT_LOGGED_IN);
	/* guards rules_who_may_set() in rules_check_stored (rules_check.c) */
	forged_trusted(&a);
	P11CHILD_EXPECT(save_freeing(cl, 0, &a), CKR_ATTRIBUTE_READ_ONLY);
	/* guards the CKA_TOKEN checks in objects_check_save and tok_rules_check_new (both) */
	forged_data(&a, "forged-session", CK_FALSE, CK_FALSE);
	P11CHILD_EXPECT(save_freeing(cl, 0, &a), CKR_TEMPLATE_INCONSISTENT);
	/* guards the tok_attrs_decode check in slotd_tokens_save */
	P11CHILD_EXPECT(attacker_save_bytes(cl, SLOT, 0, garbage, sizeof(garbage)),
	                CKR_TEMPLATE_INCONSISTENT);
	P11CHILD_EXPECT(attacker_save_bytes(cl, SLOT, 0, "", 0), CKR_TEMPLATE_INCONSISTENT);
	P11CHILD_CHECK(os_client_ping(cl, NULL) == 0);
	return 0;
}

/* A, not logged in: changes to B's objects slotd must refuse. */
static int forge_changes(struct os_client *cl, struct tok_store *st)
{
	CK_OBJECT_CLASS cert = CKO_CERTIFICATE;
	struct tok_store_entry fixed, plain;
	struct tok_attrs a;
	uint64_t secret = attacker_private_id(st);

	P11CHILD_CHECK(secret != 0);
	P11CHILD_EXPECT(attacker_find(st, NULL, "fixed", &fixed, &a), CKR_OK);
	/* guards the CKA_MODIFIABLE check in tok_rules_check_update (rules_check.c) */
	P11CHILD_EXPECT(save_changed(cl, fixed.id, &a, CKA_VALUE, "forged", 6),
	                CKR_ACTION_PROHIBITED);
	P11CHILD_EXPECT(attacker_find(st, NULL, "plain", &plain, &a), CKR_OK);
	/* guards the RULES_MODIFIABLE check in rules_check_moved (rules_check.c) */
	P11CHILD_EXPECT(save_changed(cl, plain.id, &a, CKA_CLASS, &cert, sizeof(cert)),
	                CKR_ATTRIBUTE_READ_ONLY);
	/* guards the CKA_DESTROYABLE check in slotd_tokens_destroy (tokens_objects.c) */
	P11CHILD_EXPECT(attacker_destroy(cl, SLOT, fixed.id), CKR_ACTION_PROHIBITED);
	/*
	 * guards "entry->private && !r->mk" in objects_load (tokens_objects.c)
	 * and behind it tok_store_load_object's refusal without a key (both)
	 */
	P11CHILD_EXPECT(attacker_destroy(cl, SLOT, secret), CKR_USER_NOT_LOGGED_IN);
	forged_data(&a, "forged-over-secret", CK_FALSE, CK_TRUE);
	P11CHILD_EXPECT(save_freeing(cl, secret, &a), CKR_USER_NOT_LOGGED_IN);
	return 0;
}

/* A: the SO's PIN rights, and what the SO gets (pins_send_login, slotd_tokens_init_pin). */
static int forge_pins(struct os_client *cl, struct tok_store *st)
{
	uint8_t mk[TOK_STORE_KEY_LEN];
	size_t mk_len = 0;

	/* guards "!l || l->user != CKU_SO" in slotd_tokens_init_pin (tokens_pins.c) */
	P11CHILD_EXPECT(attacker_init_pin(cl, SLOT, "654321", 6), CKR_USER_NOT_LOGGED_IN);
	P11CHILD_EXPECT(attacker_login(cl, SLOT, CKU_SO, SO_PIN, mk, &mk_len), CKR_OK);
	/* guards "j->user == CKU_USER" in pins_send_login (tokens_pins.c) */
	P11CHILD_CHECK(mk_len == 0);
	/* the SO has no key for private objects: objects_rights gives it none */
	P11CHILD_EXPECT(attacker_destroy(cl, SLOT, attacker_private_id(st)),
	                CKR_USER_NOT_LOGGED_IN);
	P11CHILD_EXPECT(attacker_logout(cl, SLOT), CKR_OK);
	return 0;
}

/* A, logged in as the user: the sealed key cannot be made public. */
static int forge_as_user(struct os_client *cl, struct tok_store *st)
{
	uint8_t mk[TOK_STORE_KEY_LEN];
	struct tok_store_entry key;
	CK_BBOOL no = CK_FALSE;
	struct tok_attrs a;
	size_t mk_len = 0;

	P11CHILD_EXPECT(attacker_login(cl, SLOT, CKU_USER, USER_PIN, mk, &mk_len), CKR_OK);
	P11CHILD_CHECK(mk_len == TOK_STORE_KEY_LEN);
	P11CHILD_EXPECT(attacker_find(st, mk, "sealed-key", &key, &a), CKR_OK);
	/*
	 * guards the RULES_MODIFIABLE check in rules_check_moved (rules_check.c):
	 * CKA_PRIVATE changes only in a copy (RULES_COPY_ONLY, rules_table.c)
	 */
	P11CHILD_EXPECT(save_changed(cl, key.id, &a, CKA_PRIVATE, &no, 1), CKR_ATTRIBUTE_READ_ONLY);
	/* guards "l->user != CKU_SO" in slotd_tokens_init_pin: the user is not the SO */
	P11CHILD_EXPECT(attacker_init_pin(cl, SLOT, "654321", 6), CKR_USER_NOT_LOGGED_IN);
	P11CHILD_EXPECT(attacker_logout(cl, SLOT), CKR_OK);
	return 0;
}

static int part_a_forge(void *arg)
{
	const struct part *p = arg;
	char data[PATH_MAX], lock[PATH_MAX];
	struct os_client cl;
	struct tok_store *st;

	snprintf(data, sizeof(data), "%s/data", p->fx->h.dir);
	snprintf(lock, sizeof(lock), "%s/lock", p->fx->h.dir);
	P11CHILD_CHECK(attacker_open_store(data, lock, TOKEN, p->fx->slotd.uid, &st) == 0);
	P11CHILD_CHECK(attacker_connect(&cl, p->fx->h.conf) == 0);
	int rc = forge_new(&cl) || forge_changes(&cl, st) || forge_pins(&cl, st) ||
	         forge_as_user(&cl, st);
	os_client_close(&cl);
	attacker_close_store(st);
	return rc;
}

static void test_forged_writes(void **state)
{
	struct fixture *fx = *state;
	struct part p = {.fx = fx};

	assert_int_equal(users_run_as(&fx->a, 022, CHILD_TIMEOUT_MS, part_a_forge, &p), 0);
	assert_intact(fx);
}

/* --- 6. forged session counts --- */

/* A: tells slotd of more sessions than anyone holds, and stays connected. */
static int part_a_forge_counts(void *arg)
{
	const struct part *p = arg;
	struct os_client cl;

	P11CHILD_CHECK(attacker_connect(&cl, p->fx->h.conf) == 0);
	P11CHILD_CHECK(os_client_session_count(&cl, SLOT, UINT64_MAX, UINT64_MAX) == 0);
	P11CHILD_CHECK(os_client_ping(&cl, NULL) == 0);
	int rc = background_hold(p);
	os_client_close(&cl);
	return rc;
}

/* B: logged in until told to stop. */
static int part_b_hold_login(void *arg)
{
	const struct part *p = arg;
	CK_FUNCTION_LIST_3_0 *f = lib_begin(p);
	CK_SESSION_HANDLE s;

	P11CHILD_CHECK(f != NULL);
	P11CHILD_EXPECT(open_rw(f, &s), CKR_OK);
	P11CHILD_EXPECT(login_user(f, s), CKR_OK);
	P11CHILD_CHECK(background_hold(p) == 0);
	P11CHILD_EXPECT(f->C_Logout(s), CKR_OK);
	P11CHILD_EXPECT(f->C_Finalize(NULL), CKR_OK);
	return 0;
}

/* Root, through the library: C_InitToken answers p->want ? CKR_OK : CKR_SESSION_EXISTS. */
static int part_root_init_token(void *arg)
{
	const struct part *p = arg;
	CK_FUNCTION_LIST_3_0 *f = lib_begin(p);
	CK_UTF8CHAR label[32];
	CK_SESSION_HANDLE s;

	P11CHILD_CHECK(f != NULL);
	memset(label, ' ', sizeof(label));
	memcpy(label, "again", 5);
	P11CHILD_EXPECT(f->C_InitToken(SLOT, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN), label),
	                p->want ? CKR_OK : CKR_SESSION_EXISTS);
	if (p->want) {
		P11CHILD_EXPECT(open_rw(f, &s), CKR_OK);
		P11CHILD_EXPECT(f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN)),
		                CKR_OK);
		P11CHILD_EXPECT(f->C_InitPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)),
		                CKR_OK);
	}
	P11CHILD_EXPECT(f->C_Finalize(NULL), CKR_OK);
	return 0;
}

static void test_forged_counts(void **state)
{
	struct fixture *fx = *state;
	struct part p = {.fx = fx, .want = true};
	struct background bg;

	/*
	 * guards C_InitToken counting this process's sessions only
	 * (entry_sessions_exist, entry.c) and slotd deciding from logins alone
	 * (pins_others_logged_in, tokens_pins.c)
	 */
	background_start(&bg, fx, &fx->a, part_a_forge_counts);
	assert_int_equal(
	    users_run_as(&root_account, 022, CHILD_TIMEOUT_MS, part_root_init_token, &p), 0);
	assert_int_equal(background_finish(&bg), 0);
	/* only a PIN holder holds it up, and only while logged in */
	background_start(&bg, fx, &fx->b, part_b_hold_login);
	p.want = false;
	assert_int_equal(
	    users_run_as(&root_account, 022, CHILD_TIMEOUT_MS, part_root_init_token, &p), 0);
	assert_int_equal(background_finish(&bg), 0);
	p.want = true;
	assert_int_equal(
	    users_run_as(&root_account, 022, CHILD_TIMEOUT_MS, part_root_init_token, &p), 0);
}

/* --- the group: users, slotd as its own user, the token and its objects --- */

static int setup_users(struct fixture *fx)
{
	if (users_create_group("osl-g", fx->group, sizeof(fx->group)) == (gid_t)-1 ||
	    users_create("osl-d", NULL, &fx->slotd) < 0 ||
	    users_create("osl-a", fx->group, &fx->a) < 0 ||
	    users_create("osl-b", fx->group, &fx->b) < 0 || users_create("osl-c", NULL, &fx->c) < 0)
		return -1;
	return 0;
}

static int setup_instance(struct fixture *fx)
{
	char extra[96];
	struct part p = {.fx = fx};

	if (setup_users(fx) < 0 || harness_init(&fx->h) < 0)
		return -1;
	harness_set_group(&fx->h, fx->group);
	snprintf(extra, sizeof(extra), "user = \"%s\";", fx->slotd.name);
	snprintf(fx->token_dir, sizeof(fx->token_dir), "%s/data/" TOKEN, fx->h.dir);
	if (harness_write_conf(&fx->h, extra,
	                       "{ id = 0; backend = \"soft\"; token = \"" TOKEN "\"; }") < 0 ||
	    users_share_instance(&fx->h, fx->lib, sizeof(fx->lib)) < 0 ||
	    harness_start(&fx->h, NULL) < 0)
		return -1;
	return users_run_as(&fx->b, 022, CHILD_TIMEOUT_MS, part_b_prepare, &p) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	background_kill(fx);
	harness_cleanup(&fx->h);
	users_remove_all();
	free(fx);
	return 0;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	*state = fx;
	if (setup_instance(fx) == 0)
		return 0;
	fprintf(stderr, "cannot set up users, a slotd running as one of them and its token\n");
	teardown(state);
	return -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pin_files_unreadable), cmocka_unit_test(test_no_rollback),
	    cmocka_unit_test(test_fake_server),          cmocka_unit_test(test_segment_read_only),
	    cmocka_unit_test(test_forged_writes),        cmocka_unit_test(test_forged_counts),
	};

	users_require_root("test-attacks");
	return cmocka_run_group_tests_name("attacks", tests, setup, teardown);
}
