/*
 * Fuzz target for the token files the store reads besides objects
 * (usr/lib/tokens/common/store/store_mk.c): the token record NVTOK.DAT and the
 * master-key files MK_SO and MK_USER, in their Argon2id ("OSMK") and
 * sealed ("OSMT") forms; their layouts are in store_mk.h.
 *
 * The first byte of an input says which file the rest is: its two low bits
 * modulo 3 name NVTOK.DAT, MK_SO or MK_USER; bit 2 makes a master-key
 * body a sealed record, bit 3 gives the frame a wrong id.  The rest is
 * written as that file into a private directory made once per process and
 * read with tok_store_nv_read or tok_store_mk_read.  Since a fuzzer cannot
 * forge the SHA-256 of a frame, the rest is then also framed here as the
 * file's body, written and read again.  What is accepted must keep the
 * rules of store_mk.h: a token record must write back and read back the
 * same, a frame of the wrong id is refused, Argon2id parameters are within
 * bounds, and a master key (with cheap parameters only) either unwraps
 * under the fixed test PIN or says the PIN is wrong.  Any breach aborts.
 *
 * In `make check` the target runs from fuzz-driver.c over corpus-mk/
 * (written by gen-corpus-mk.py) and deterministic pseudo-random inputs;
 * testcases/fuzz/build-libfuzzer.sh builds it for libFuzzer.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_file.h"
#include "store_mk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)         \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

#define FUZZ_MK_SEALED   0x4
#define FUZZ_MK_WRONG_ID 0x8
#define FUZZ_MK_PIN      "1234"

/*
 * Writing NVTOK.DAT back flushes it to disk: on tmpfs, where a flush
 * costs nothing, the target runs many times faster.
 */
static char fuzz_mk_path[] = "/dev/shm/fuzz-mk.XXXXXX";
static const char *const fuzz_mk_names[] = {TOK_STORE_NV_NAME, TOK_STORE_MK_SO_NAME,
                                            TOK_STORE_MK_USER_NAME};

/* Removes the directory at exit. */
static void fuzz_mk_cleanup(void)
{
	char file[sizeof(fuzz_mk_path) + 16];

	for (size_t i = 0; i < 3; i++) {
		snprintf(file, sizeof(file), "%s/%s", fuzz_mk_path, fuzz_mk_names[i]);
		unlink(file);
	}
	rmdir(fuzz_mk_path);
}

/* The token directory, made at the first input and kept open. */
static int fuzz_mk_dir(void)
{
	static int dirfd = -1;

	if (dirfd >= 0)
		return dirfd;
	if (!mkdtemp(fuzz_mk_path)) {
		memcpy(fuzz_mk_path, "/tmp/fuzz-mk.XXXXXX", sizeof("/tmp/fuzz-mk.XXXXXX"));
		if (!mkdtemp(fuzz_mk_path))
			abort();
	}
	atexit(fuzz_mk_cleanup);
	dirfd = open(fuzz_mk_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		abort();
	return dirfd;
}

static void fuzz_mk_write(int dirfd, const char *name, const uint8_t *data, size_t size)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		abort();
	while (size) {
		ssize_t n = write(fd, data, size);
		if (n <= 0)
			abort();
		data += n;
		size -= (size_t)n;
	}
	close(fd);
}

/* Writes info as NVTOK.DAT and reads it back into out. */
static void fuzz_mk_nv_again(int dirfd, const struct tok_store_info *info,
                             struct tok_store_info *out)
{
	FUZZ_CHECK(tok_store_nv_write(dirfd, info) == CKR_OK);
	FUZZ_CHECK(tok_store_nv_read(dirfd, out) == CKR_OK);
}

/*
 * Reads NVTOK.DAT.  An accepted record must write back and read back the
 * same, but for the label, which is kept up to its first NUL: once
 * written, it must then stay as it is.
 */
static CK_RV fuzz_mk_nv(int dirfd)
{
	struct tok_store_info info, again, third;
	CK_RV rv = tok_store_nv_read(dirfd, &info);

	if (rv != CKR_OK)
		return rv;
	FUZZ_CHECK(info.label[sizeof(info.label) - 1] == '\0');
	FUZZ_CHECK(tok_store_kdf_params_unset(&info.kdf) || tok_store_kdf_params_valid(&info.kdf));
	fuzz_mk_nv_again(dirfd, &info, &again);
	FUZZ_CHECK(again.initialized == info.initialized &&
	           again.user_pin_set == info.user_pin_set);
	FUZZ_CHECK(again.so_failures == info.so_failures &&
	           again.user_failures == info.user_failures);
	FUZZ_CHECK(memcmp(&again.kdf, &info.kdf, sizeof(info.kdf)) == 0);
	FUZZ_CHECK(strncmp(again.label, info.label, strlen(again.label)) == 0);
	fuzz_mk_nv_again(dirfd, &again, &third);
	FUZZ_CHECK(memcmp(&again, &third, sizeof(again)) == 0);
	return rv;
}

/* Reads a master-key file; cheap parameters are tried with the test PIN. */
static CK_RV fuzz_mk_key(int dirfd, CK_USER_TYPE user)
{
	static struct tok_store_mk mk;
	uint8_t key[TOK_STORE_KEY_LEN];
	CK_RV rv = tok_store_mk_read(dirfd, user, &mk);

	if (rv != CKR_OK)
		return rv;
	FUZZ_CHECK(mk.sealed_len <= sizeof(mk.sealed));
	if (mk.sealed_len)
		return rv;
	FUZZ_CHECK(tok_store_kdf_params_valid(&mk.kdf));
	if (mk.kdf.m_kib > 64 || mk.kdf.t > 1)
		return rv;
	CK_RV un = tok_store_mk_unwrap(user, &mk, (const CK_UTF8CHAR *)FUZZ_MK_PIN,
	                               strlen(FUZZ_MK_PIN), key);
	FUZZ_CHECK(un == CKR_OK || un == CKR_PIN_INCORRECT);
	return rv;
}

/* Writes the file and reads it as what its name says. */
static CK_RV fuzz_mk_read(int dirfd, unsigned which, const uint8_t *data, size_t size)
{
	fuzz_mk_write(dirfd, fuzz_mk_names[which], data, size);
	if (which == 0)
		return fuzz_mk_nv(dirfd);
	return fuzz_mk_key(dirfd, which == 1 ? CKU_SO : CKU_USER);
}

/* Frames body as the file which names would be written, with its magic and id. */
static void fuzz_mk_frame(unsigned which, uint8_t sel, const uint8_t *body, size_t size,
                          struct os_buf *out)
{
	const char *magic = which == 0 ? "OSNV" : (sel & FUZZ_MK_SEALED) ? "OSMT" : "OSMK";
	struct tok_store_frame fr = {which == 2 ? 1 : 0, 0};

	if (sel & FUZZ_MK_WRONG_ID)
		fr.id = which == 1 ? 1 : which == 2 ? 0 : 1;
	FUZZ_CHECK(tok_store_frame_seal(magic, &fr, body, size, NULL, out) == CKR_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int dirfd = fuzz_mk_dir();
	struct os_buf file;

	if (size == 0)
		return 0;
	uint8_t sel = data[0];
	unsigned which = (sel & 3u) % 3;
	(void)fuzz_mk_read(dirfd, which, data + 1, size - 1);

	os_buf_init(&file);
	fuzz_mk_frame(which, sel, data + 1, size - 1, &file);
	CK_RV rv = fuzz_mk_read(dirfd, which, file.data, file.len);
	if (sel & FUZZ_MK_WRONG_ID)
		FUZZ_CHECK(rv != CKR_OK);
	os_buf_free(&file);
	return 0;
}
