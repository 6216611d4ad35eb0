/*
 * Unit tests of the token backends (usr/lib/tokens).  Each libtoken_<name>.so
 * this configuration builds is loaded with dlopen() from
 * $top_builddir/.libs, as the library loads it; the test checks that it
 * exports nothing but os_backend_entry, that its ops table carries the ABI
 * version and its name, and drives every entry of the table: cca and ep11
 * report an absent coprocessor, tpm reports what it found at its device
 * path, soft holds a token that generates random data.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <link.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"

/* The token_LTLIBRARIES of this configuration, e.g. "libtoken_soft.la libtoken_tpm.la". */
#ifndef OS_TEST_TOKENS
#define OS_TEST_TOKENS ""
#endif

/* The ELF types of this machine's word size; ELF32_ST_BIND and ELF64_ST_BIND agree. */
typedef ElfW(Ehdr) elf_ehdr;
typedef ElfW(Shdr) elf_shdr;
typedef ElfW(Sym) elf_sym;
#define SYM_BIND(sym) ((sym)->st_info >> 4)

#define SLOT_DESC_LEN sizeof(((CK_SLOT_INFO *)0)->slotDescription)

static char test_dir[PATH_MAX / 2];
static char data_dir[PATH_MAX];
static char lock_dir[PATH_MAX];

struct backend {
	char path[PATH_MAX];
	void *dl;
	const struct os_backend_ops *ops;
};

/* What an absent-device backend must say about its slot. */
struct absent_case {
	const char *name;
	const char *device; /* tpm option "device", or NULL */
	const char *description;
};

static const struct absent_case cca_case = {
    .name = "cca",
    .description = "CCA: no CCA coprocessor is available on this machine",
};
static const struct absent_case ep11_case = {
    .name = "ep11",
    .description = "EP11: no EP11 coprocessor is available on this machine",
};
static const struct absent_case tpm_missing_case = {
    .name = "tpm",
    .device = "/nonexistent",
    .description = "TPM 2.0: no TPM device (/nonexistent) on this machine",
};
static const struct absent_case tpm_long_path_case = {
    .name = "tpm",
    .device = "/nonexistent/a/device/path/far/too/long/for/a/slot/description",
    .description = "TPM 2.0: no TPM device at the configured path",
};

static int suite_setup(void **state)
{
	char tmpl[] = "/tmp/test-backends.XXXXXX";

	if (!mkdtemp(tmpl) || !realpath(tmpl, test_dir))
		return -1;
	snprintf(data_dir, sizeof(data_dir), "%s/data", test_dir);
	snprintf(lock_dir, sizeof(lock_dir), "%s/lock", test_dir);
	if (mkdir(data_dir, 0700) != 0 || mkdir(lock_dir, 0700) != 0)
		return -1;
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int suite_teardown(void **state)
{
	return nftw(test_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

__attribute__((format(printf, 2, 0))) static void test_trace(int level, const char *fmt, va_list ap)
{
	fprintf(stderr, "trace %d: ", level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void env_init(struct os_backend_env *env, CK_SLOT_ID slot_id,
                     const struct os_backend_option *options, size_t n_options)
{
	memset(env, 0, sizeof(*env));
	env->slot_id = slot_id;
	env->token_name = "testtok";
	env->data_dir = data_dir;
	env->lock_dir = lock_dir;
	env->options = options;
	env->n_options = n_options;
	env->trace = test_trace;
}

/* Blank-pads text into a NUL-terminated buffer of size + 1 bytes. */
static void pad(char *out, size_t size, const char *text)
{
	size_t len = strlen(text);

	assert_true(len <= size);
	memcpy(out, text, len);
	memset(out + len, ' ', size - len);
	out[size] = '\0';
}

static void assert_padded(const CK_UTF8CHAR *field, size_t size, const char *text)
{
	char got[SLOT_DESC_LEN + 1], want[SLOT_DESC_LEN + 1];

	assert_true(size <= SLOT_DESC_LEN);
	memcpy(got, field, size);
	got[size] = '\0';
	pad(want, size, text);
	assert_string_equal(got, want);
}

/* Fills info as the library does from the config before asking the backend. */
static void slot_info_prefill(CK_SLOT_INFO *info)
{
	char text[SLOT_DESC_LEN + 1];

	memset(info, 0, sizeof(*info));
	pad(text, sizeof(info->slotDescription), "configured description");
	memcpy(info->slotDescription, text, sizeof(info->slotDescription));
	pad(text, sizeof(info->manufacturerID), "openslot");
	memcpy(info->manufacturerID, text, sizeof(info->manufacturerID));
	info->hardwareVersion.minor = 1;
	info->firmwareVersion.minor = 1;
	info->flags = 0;
}

static bool backend_built(const char *name)
{
	char lib[64];

	snprintf(lib, sizeof(lib), "libtoken_%s.la", name);
	return strstr(OS_TEST_TOKENS, lib) != NULL;
}

/* Loads libtoken_<name>.so; skips the test when this configuration does not build it. */
static void backend_open(const char *name, struct backend *be)
{
	const char *top = getenv("top_builddir");
	os_backend_entry_fn entry;

	if (!backend_built(name))
		skip();
	snprintf(be->path, sizeof(be->path), "%s/.libs/libtoken_%s.so", top ? top : ".", name);
	be->dl = dlopen(be->path, RTLD_NOW | RTLD_LOCAL);
	if (be->dl == NULL)
		fail_msg("dlopen: %s", dlerror());
	entry = (os_backend_entry_fn)dlsym(be->dl, OS_BACKEND_ENTRY_SYMBOL);
	assert_non_null(entry);
	be->ops = entry();
	assert_non_null(be->ops);
	assert_ptr_equal(entry(), be->ops);
	assert_int_equal(be->ops->abi_version, OS_BACKEND_ABI_VERSION);
	assert_string_equal(be->ops->name, name);
}

static void backend_close(struct backend *be)
{
	assert_int_equal(dlclose(be->dl), 0);
}

/*
 * Checks that os_backend_entry is the only global symbol path defines in its
 * dynamic symbol table, the list `nm -D --defined-only` prints.
 */
static void assert_exports_only_entry(const char *path)
{
	const elf_ehdr *eh;
	const elf_shdr *sh;
	unsigned char *map;
	struct stat st;
	size_t exported = 0, dynsyms = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	assert_true(map != MAP_FAILED);
	close(fd);

	eh = (const void *)map;
	assert_memory_equal(eh->e_ident, ELFMAG, SELFMAG);
	assert_true(eh->e_shoff + (size_t)eh->e_shnum * sizeof(*sh) <= (size_t)st.st_size);
	sh = (const void *)(map + eh->e_shoff);
	for (size_t i = 0; i < eh->e_shnum; i++) {
		const elf_sym *syms;
		const char *strtab;

		if (sh[i].sh_type != SHT_DYNSYM)
			continue;
		dynsyms++;
		assert_true(sh[i].sh_link < eh->e_shnum);
		assert_true(sh[i].sh_offset + sh[i].sh_size <= (size_t)st.st_size);
		syms = (const void *)(map + sh[i].sh_offset);
		strtab = (const char *)map + sh[sh[i].sh_link].sh_offset;
		for (size_t j = 0; j < sh[i].sh_size / sizeof(*syms); j++) {
			if (syms[j].st_shndx == SHN_UNDEF || SYM_BIND(&syms[j]) == STB_LOCAL)
				continue;
			assert_string_equal(strtab + syms[j].st_name, OS_BACKEND_ENTRY_SYMBOL);
			exported++;
		}
	}
	munmap(map, (size_t)st.st_size);
	assert_int_equal(dynsyms, 1);
	assert_int_equal(exported, 1);
}

static void test_exports(void **state)
{
	static const char *const internal[] = {
	    "os_absent_load",
	    "os_absent_unload",
	    "os_absent_slot_info",
	    "os_absent_token_present",
	    "cca_load",
	    "ep11_load",
	    "tpm_load",
	    "soft_load",
	    "soft_generate_random",
	};
	const char *name = *state;
	struct backend be;

	backend_open(name, &be);
	for (size_t i = 0; i < sizeof(internal) / sizeof(internal[0]); i++)
		assert_null(dlsym(be.dl, internal[i]));
	assert_exports_only_entry(be.path);

	/* Every entry is filled: no backend leaves a NULL for the library to handle. */
	assert_non_null(be.ops->load);
	assert_non_null(be.ops->unload);
	assert_non_null(be.ops->slot_info);
	assert_non_null(be.ops->token_present);
	assert_non_null(be.ops->token_info);
	assert_non_null(be.ops->mechanism_list);
	assert_non_null(be.ops->mechanism_info);
	assert_non_null(be.ops->generate_random);
	assert_non_null(be.ops->seed_random);
	backend_close(&be);
}

static void test_load_bad_args(void **state)
{
	const char *name = *state;
	struct os_backend_env env;
	struct backend be;
	void *ctx = NULL;

	backend_open(name, &be);
	env_init(&env, 1, NULL, 0);
	assert_int_equal(be.ops->load(NULL, &ctx), CKR_ARGUMENTS_BAD);
	assert_null(ctx);
	assert_int_equal(be.ops->load(&env, NULL), CKR_ARGUMENTS_BAD);
	backend_close(&be);
}

/* Drives every entry of a backend whose device is absent. */
static void check_absent(const struct absent_case *c)
{
	struct os_backend_option option = {.name = "device", .value = c->device};
	CK_MECHANISM_TYPE mechs[4] = {0};
	CK_MECHANISM_INFO mech_info;
	CK_SLOT_INFO info;
	CK_TOKEN_INFO token;
	CK_BYTE random[16] = {0}, zero[16] = {0};
	CK_ULONG count = 4;
	struct os_backend_env env;
	struct backend be;
	char manufacturer[sizeof(info.manufacturerID) + 1];
	void *ctx = NULL;

	backend_open(c->name, &be);
	env_init(&env, 3, c->device ? &option : NULL, c->device ? 1 : 0);
	assert_int_equal(be.ops->load(&env, &ctx), CKR_OK);
	assert_non_null(ctx);

	slot_info_prefill(&info);
	assert_int_equal(be.ops->slot_info(ctx, &info), CKR_OK);
	assert_padded(info.slotDescription, sizeof(info.slotDescription), c->description);
	assert_int_equal(info.flags, CKF_HW_SLOT);
	pad(manufacturer, sizeof(info.manufacturerID), "openslot");
	assert_memory_equal(info.manufacturerID, manufacturer, sizeof(info.manufacturerID));
	assert_int_equal(info.hardwareVersion.minor, 1);

	/* A flag the caller set wrongly is corrected. */
	slot_info_prefill(&info);
	info.flags = CKF_TOKEN_PRESENT;
	assert_int_equal(be.ops->slot_info(ctx, &info), CKR_OK);
	assert_int_equal(info.flags, CKF_HW_SLOT);
	assert_int_equal(be.ops->slot_info(ctx, NULL), CKR_ARGUMENTS_BAD);

	assert_int_equal(be.ops->token_present(ctx), CKR_TOKEN_NOT_PRESENT);
	assert_int_equal(be.ops->token_info(ctx, &token), CKR_TOKEN_NOT_PRESENT);
	assert_int_equal(be.ops->mechanism_list(ctx, NULL, &count), CKR_TOKEN_NOT_PRESENT);
	assert_int_equal(be.ops->mechanism_list(ctx, mechs, &count), CKR_TOKEN_NOT_PRESENT);
	assert_int_equal(be.ops->mechanism_info(ctx, CKM_SHA256, &mech_info),
	                 CKR_TOKEN_NOT_PRESENT);
	assert_int_equal(be.ops->generate_random(ctx, random, sizeof(random)),
	                 CKR_TOKEN_NOT_PRESENT);
	assert_memory_equal(random, zero, sizeof(random));
	assert_int_equal(be.ops->seed_random(ctx, zero, sizeof(zero)), CKR_TOKEN_NOT_PRESENT);

	be.ops->unload(ctx);
	backend_close(&be);
}

static void test_absent(void **state)
{
	check_absent(*state);
}

/*
 * A file where the device should be: the stub reports a device it cannot
 * use; the tpm2-tss build finds no TPM answering there.
 */
static void test_tpm_present(void **state)
{
	char device[PATH_MAX], description[SLOT_DESC_LEN + 1];
	struct absent_case c = {
	    .name = "tpm",
	    .device = device,
	    .description = description,
	};
	FILE *fp;

	snprintf(device, sizeof(device), "%s/tpmrm0", test_dir);
#ifdef OS_TEST_TPM_TSS2
	if (snprintf(description, sizeof(description), "TPM 2.0: cannot connect (device:%s)",
	             device) >= (int)sizeof(description))
		snprintf(description, sizeof(description),
		         "TPM 2.0: cannot connect at the configured TCTI");
#else
	snprintf(description, sizeof(description),
	         "TPM 2.0: device present, TPM token support not built");
#endif
	fp = fopen(device, "w");
	assert_non_null(fp);
	fclose(fp);
	check_absent(&c);
	assert_int_equal(unlink(device), 0);
}

/*
 * Without the option the backend looks at /dev/tpmrm0, whichever way this
 * machine is (with tpm2-tss, a machine with a TPM is left to the
 * functional tests, which use swtpm).
 */
static void test_tpm_default_device(void **state)
{
	struct stat st;
#ifdef OS_TEST_TPM_TSS2
	if (stat("/dev/tpmrm0", &st) == 0)
		return;
#endif
	struct absent_case c = {
	    .name = "tpm",
	    .description = stat("/dev/tpmrm0", &st) == 0
	                       ? "TPM 2.0: device present, TPM token support not built"
	                       : "TPM 2.0: no TPM device (/dev/tpmrm0) on this machine",
	};

	check_absent(&c);
}

static void test_tpm_empty_device(void **state)
{
	struct os_backend_option option = {.name = "device", .value = ""};
	struct os_backend_env env;
	struct backend be;
	void *ctx = NULL;

	backend_open("tpm", &be);
	env_init(&env, 3, &option, 1);
	assert_int_equal(be.ops->load(&env, &ctx), CKR_ARGUMENTS_BAD);
	assert_null(ctx);
	backend_close(&be);
}

static void test_soft_slot_and_token(void **state)
{
	static const struct {
		CK_SLOT_ID slot_id;
		const char *serial;
	} serials[] = {
		{7, "7"},
		{4294967295ul, "4294967295"},
#if ULONG_MAX > 4294967295ul
		{ULONG_MAX, "6744073709551615"}, /* the last 16 of 20 digits */
#endif
	};
	CK_SLOT_INFO info;
	CK_TOKEN_INFO token;
	struct os_backend_env env;
	struct backend be;
	char label[sizeof(token.label) + 1];
	void *ctx = NULL;

	backend_open("soft", &be);
	env_init(&env, 7, NULL, 0);
	assert_int_equal(be.ops->load(&env, &ctx), CKR_OK);
	assert_non_null(ctx);

	slot_info_prefill(&info);
	assert_int_equal(be.ops->slot_info(ctx, &info), CKR_OK);
	assert_padded(info.slotDescription, sizeof(info.slotDescription), "configured description");
	assert_int_equal(info.flags, CKF_TOKEN_PRESENT);
	slot_info_prefill(&info);
	info.flags = CKF_HW_SLOT;
	assert_int_equal(be.ops->slot_info(ctx, &info), CKR_OK);
	assert_int_equal(info.flags, CKF_TOKEN_PRESENT);
	assert_int_equal(be.ops->token_present(ctx), CKR_OK);

	/* The library's part of CK_TOKEN_INFO is kept; the backend adds its own. */
	memset(&token, 0, sizeof(token));
	pad(label, sizeof(token.label), "soft token");
	memcpy(token.label, label, sizeof(token.label));
	token.flags = CKF_TOKEN_INITIALIZED | CKF_LOGIN_REQUIRED;
	assert_int_equal(be.ops->token_info(ctx, &token), CKR_OK);
	assert_memory_equal(token.label, label, sizeof(token.label));
	assert_padded(token.model, sizeof(token.model), "openslot soft");
	assert_padded(token.serialNumber, sizeof(token.serialNumber), "7");
	assert_int_equal(token.hardwareVersion.major, 0);
	assert_int_equal(token.hardwareVersion.minor, 1);
	assert_int_equal(token.firmwareVersion.major, 0);
	assert_int_equal(token.firmwareVersion.minor, 1);
	assert_int_equal(token.flags, CKF_TOKEN_INITIALIZED | CKF_LOGIN_REQUIRED | CKF_RNG);
	assert_int_equal(be.ops->token_info(ctx, NULL), CKR_ARGUMENTS_BAD);
	be.ops->unload(ctx);

	for (size_t i = 0; i < sizeof(serials) / sizeof(serials[0]); i++) {
		env_init(&env, serials[i].slot_id, NULL, 0);
		assert_int_equal(be.ops->load(&env, &ctx), CKR_OK);
		assert_int_equal(be.ops->token_info(ctx, &token), CKR_OK);
		assert_padded(token.serialNumber, sizeof(token.serialNumber), serials[i].serial);
		be.ops->unload(ctx);
	}
	backend_close(&be);
}

/*
 * The soft token lists its mechanisms with the size query of
 * C_GetMechanismList: a NULL list learns the count, a short list gets
 * CKR_BUFFER_TOO_SMALL and the count and is left alone; every listed
 * mechanism has its information.
 */
static void test_soft_mechanisms(void **state)
{
	CK_MECHANISM_TYPE small[4] = {CKM_VENDOR_DEFINED, CKM_VENDOR_DEFINED, CKM_VENDOR_DEFINED,
	                              CKM_VENDOR_DEFINED};
	CK_MECHANISM_TYPE *all;
	CK_MECHANISM_INFO mech_info;
	CK_ULONG count = 0, n;
	struct os_backend_env env;
	struct backend be;
	bool has_sha256 = false;
	void *ctx = NULL;

	backend_open("soft", &be);
	env_init(&env, 0, NULL, 0);
	assert_int_equal(be.ops->load(&env, &ctx), CKR_OK);

	assert_int_equal(be.ops->mechanism_list(ctx, NULL, &count), CKR_OK);
	assert_true(count > 4);
	n = 4;
	assert_int_equal(be.ops->mechanism_list(ctx, small, &n), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(n, count);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(small[i], CKM_VENDOR_DEFINED);
	all = calloc(count + 1, sizeof(*all));
	assert_non_null(all);
	n = count + 1;
	assert_int_equal(be.ops->mechanism_list(ctx, all, &n), CKR_OK);
	assert_int_equal(n, count);
	for (CK_ULONG i = 0; i < count; i++) {
		assert_int_equal(be.ops->mechanism_info(ctx, all[i], &mech_info), CKR_OK);
		has_sha256 |= all[i] == CKM_SHA256;
	}
	assert_true(has_sha256);
	free(all);
	assert_int_equal(be.ops->mechanism_list(ctx, small, NULL), CKR_ARGUMENTS_BAD);
	assert_int_equal(be.ops->mechanism_info(ctx, CKM_SHA256, &mech_info), CKR_OK);
	assert_true(mech_info.flags & CKF_DIGEST);
	assert_int_equal(be.ops->mechanism_info(ctx, CKM_VENDOR_DEFINED, &mech_info),
	                 CKR_MECHANISM_INVALID);

	be.ops->unload(ctx);
	backend_close(&be);
}

static bool all_zero(const CK_BYTE *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != 0)
			return false;
	return true;
}

static void test_soft_random(void **state)
{
	static const CK_BYTE seed[32] = "seed bytes from the application";
	CK_BYTE a[64] = {0}, b[64] = {0};
	struct os_backend_env env;
	struct backend be;
	void *ctx = NULL;

	backend_open("soft", &be);
	env_init(&env, 0, NULL, 0);
	assert_int_equal(be.ops->load(&env, &ctx), CKR_OK);

	assert_int_equal(be.ops->generate_random(ctx, a, sizeof(a)), CKR_OK);
	assert_int_equal(be.ops->generate_random(ctx, b, sizeof(b)), CKR_OK);
	assert_false(all_zero(a, sizeof(a)));
	assert_false(all_zero(b, sizeof(b)));
	assert_memory_not_equal(a, b, sizeof(a));
	assert_int_equal(be.ops->generate_random(ctx, NULL, 0), CKR_OK);
	assert_int_equal(be.ops->generate_random(ctx, NULL, 1), CKR_ARGUMENTS_BAD);

	assert_int_equal(be.ops->seed_random(ctx, seed, sizeof(seed)), CKR_OK);
	assert_int_equal(be.ops->seed_random(ctx, NULL, 0), CKR_OK);
	assert_int_equal(be.ops->seed_random(ctx, NULL, 1), CKR_ARGUMENTS_BAD);
	memset(a, 0, sizeof(a));
	assert_int_equal(be.ops->generate_random(ctx, a, sizeof(a)), CKR_OK);
	assert_false(all_zero(a, sizeof(a)));
	assert_memory_not_equal(a, b, sizeof(a));

	be.ops->unload(ctx);
	backend_close(&be);
}

/* One test of a function run with a given state, named after both. */
#define WITH_STATE(test, label, state)                                                            \
	{                                                                                         \
		.name = #test "(" label ")", .test_func = test, .initial_state = (void *)(state), \
	}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    WITH_STATE(test_exports, "soft", "soft"),
	    WITH_STATE(test_exports, "tpm", "tpm"),
	    WITH_STATE(test_exports, "cca", "cca"),
	    WITH_STATE(test_exports, "ep11", "ep11"),
	    WITH_STATE(test_load_bad_args, "soft", "soft"),
	    WITH_STATE(test_load_bad_args, "tpm", "tpm"),
	    WITH_STATE(test_load_bad_args, "cca", "cca"),
	    WITH_STATE(test_load_bad_args, "ep11", "ep11"),
	    WITH_STATE(test_absent, "cca", &cca_case),
	    WITH_STATE(test_absent, "ep11", &ep11_case),
	    WITH_STATE(test_absent, "tpm missing device", &tpm_missing_case),
	    WITH_STATE(test_absent, "tpm long device path", &tpm_long_path_case),
	    cmocka_unit_test(test_tpm_present),
	    cmocka_unit_test(test_tpm_default_device),
	    cmocka_unit_test(test_tpm_empty_device),
	    cmocka_unit_test(test_soft_slot_and_token),
	    cmocka_unit_test(test_soft_mechanisms),
	    cmocka_unit_test(test_soft_random),
	};

	return cmocka_run_group_tests(tests, suite_setup, suite_teardown);
}
