/*
 * Fuzz target for the replay of OBJ_IDX, the object index
 * (usr/lib/tokens/common/store/store_idx.c; the layout is in store_idx.h).
 *
 * An input is the whole content of an OBJ_IDX file.  It is written into a
 * private directory made once per process, replayed with
 * tok_store_idx_refresh, and every live entry that carries its frame is
 * then read back, alone and from the file read whole.  The store must
 * neither crash nor read outside what it was given.
 *
 * In `make check` the target runs from fuzz-driver.c over corpus-idx/ and
 * deterministic pseudo-random inputs; testcases/fuzz/build-libfuzzer.sh
 * builds it for libFuzzer.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_idx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* On tmpfs where there is one: every input is written to a file. */
static char fuzz_idx_path[] = "/dev/shm/fuzz-idx.XXXXXX";

/* Removes the directory at exit. */
static void fuzz_idx_cleanup(void)
{
	char file[sizeof(fuzz_idx_path) + sizeof(TOK_STORE_IDX_NAME) + 1];

	snprintf(file, sizeof(file), "%s/%s", fuzz_idx_path, TOK_STORE_IDX_NAME);
	unlink(file);
	rmdir(fuzz_idx_path);
}

/* The directory holding OBJ_IDX, made at the first input and kept open. */
static int fuzz_idx_dir(void)
{
	static int dirfd = -1;

	if (dirfd >= 0)
		return dirfd;
	if (!mkdtemp(fuzz_idx_path)) {
		memcpy(fuzz_idx_path, "/tmp/fuzz-idx.XXXXXX", sizeof("/tmp/fuzz-idx.XXXXXX"));
		if (!mkdtemp(fuzz_idx_path))
			abort();
	}
	atexit(fuzz_idx_cleanup);
	dirfd = open(fuzz_idx_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		abort();
	return dirfd;
}

static void fuzz_idx_write(int dirfd, const uint8_t *data, size_t size)
{
	int fd = openat(dirfd, TOK_STORE_IDX_NAME, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

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

/* Reads every inline frame of the live set, one by one and from the whole file. */
static void fuzz_idx_read_frames(struct tok_store_idx *ix)
{
	struct tok_store_entry *list = NULL;
	struct os_buf all, one;
	size_t n = 0;

	if (tok_store_idx_list(ix, &list, &n) != CKR_OK)
		return;
	os_buf_init(&all);
	os_buf_init(&one);
	int have_all = ix->fd >= 0 && tok_store_idx_read_all(ix->fd, ix, &all) == 0;
	for (size_t i = 0; i < n; i++) {
		if (!list[i].frame_len || ix->fd < 0)
			continue;
		os_buf_reset(&one);
		(void)tok_store_idx_read_frame(ix->fd, &list[i], &one);
		if (have_all)
			(void)tok_store_idx_frame(&all, &list[i]);
	}
	os_buf_free(&one);
	os_buf_free(&all);
	free(list);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int dirfd = fuzz_idx_dir();
	struct tok_store_idx ix;

	fuzz_idx_write(dirfd, data, size);
	tok_store_idx_init(&ix);
	if (tok_store_idx_refresh(&ix, dirfd) == CKR_OK) {
		fuzz_idx_read_frames(&ix);
		(void)tok_store_idx_wants_compact(&ix);
	}
	tok_store_idx_free(&ix);
	return 0;
}
