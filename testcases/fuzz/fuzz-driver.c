/*
 * A standalone driver for the libFuzzer-style protocol target, so that it
 * runs in `make check` without libFuzzer.
 *
 *   fuzz-proto [--random COUNT SEED] [DIR | FILE]...
 *
 * Every regular file named, or found directly inside a named directory, is
 * passed once (up to its first MiB) to LLVMFuzzerTestOneInput().  With --random, COUNT further
 * inputs are generated from SEED by a fixed pseudo-random generator, so a
 * run is the same on every machine; most of them are frames built along a
 * message signature and then slightly damaged, so that they reach every
 * payload check.  A target reports a bug by
 * crashing; the driver exits 0 after running every input, or 1 when an
 * input could not be read.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DRIVER_MAX_INPUT (1024 * 1024)

static unsigned long driver_runs;

/* Runs one input from a copy of exactly its size, so that a read past the end is caught. */
static void driver_run_input(const unsigned char *data, size_t size)
{
	unsigned char *copy = malloc(size ? size : 1);

	if (!copy)
		abort();
	memcpy(copy, data, size);
	LLVMFuzzerTestOneInput(copy, size);
	free(copy);
	driver_runs++;
}

static int driver_run_file(const char *path)
{
	static unsigned char data[DRIVER_MAX_INPUT];
	FILE *f = fopen(path, "rb");

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t n = fread(data, 1, sizeof(data), f);
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		fprintf(stderr, "%s: read error\n", path);
		return -1;
	}
	driver_run_input(data, n);
	return 0;
}

static int driver_run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = 0;

	if (!d) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		char path[4096];
		struct stat st;
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && driver_run_file(path) < 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

static int driver_run_path(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	return S_ISDIR(st.st_mode) ? driver_run_dir(path) : driver_run_file(path);
}

/* Deterministic xorshift64 generator. */
static uint64_t driver_rng(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/* True about once in n calls. */
static int driver_chance(uint64_t *rng, unsigned n)
{
	return driver_rng(rng) % n == 0;
}

/* Returns the character after the ']' closing the group that starts at sig. */
static const char *driver_skip_group(const char *sig)
{
	int depth = 1;

	while (*sig && depth) {
		if (*sig == '[')
			depth++;
		else if (*sig == ']')
			depth--;
		sig++;
	}
	return sig;
}

/* A string of letters, now and then with a NUL inside or over the length limit. */
static void driver_gen_str(uint64_t *rng, struct os_buf *out)
{
	uint32_t n = (uint32_t)(driver_rng(rng) % 24);

	if (driver_chance(rng, 32))
		n = OS_PROTO_MAX_STR + (uint32_t)(driver_rng(rng) % 2);
	os_buf_add_u32(out, n);
	unsigned char *at = os_buf_reserve(out, n);
	for (uint32_t i = 0; at && i < n; i++)
		at[i] = (unsigned char)('a' + driver_rng(rng) % 26);
	if (at && n && driver_chance(rng, 16))
		at[driver_rng(rng) % n] = '\0';
}

/* Appends random fields along sig up to its end or a closing ']'. */
static void driver_gen_fields(uint64_t *rng, struct os_buf *out, const char *sig)
{
	for (; *sig && *sig != ']'; sig++) {
		if (*sig == 'u') {
			os_buf_add_u32(out, (uint32_t)driver_rng(rng));
		} else if (*sig == 'q') {
			os_buf_add_u64(out, driver_rng(rng));
		} else if (*sig == 's') {
			driver_gen_str(rng, out);
		} else if (*sig == '[') {
			uint32_t n = (uint32_t)(driver_rng(rng) % 4);
			os_buf_add_u32(out, driver_chance(rng, 32) ? OS_PROTO_MAX_ARRAY + 1 : n);
			for (uint32_t i = 0; i < n; i++)
				driver_gen_fields(rng, out, sig + 1);
			sig = driver_skip_group(sig + 1) - 1;
		}
	}
}

static void driver_put_be32(unsigned char *at, uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		at[i] = (unsigned char)v;
}

/* Random bytes, zero three times in four so that lengths and counts are often small. */
static void driver_gen_bytes(uint64_t *rng, struct os_buf *out)
{
	size_t n = driver_rng(rng) % (driver_chance(rng, 2) ? 64 : 1024);
	unsigned char *at = os_buf_reserve(out, n);

	for (size_t i = 0; at && i < n; i++) {
		uint64_t r = driver_rng(rng);
		at[i] = (r & 0x300) ? 0 : (unsigned char)r;
	}
}

/* Overwrites, cuts or extends a generated frame a little. */
static void driver_mutate(uint64_t *rng, struct os_buf *out)
{
	unsigned flips = driver_chance(rng, 2) ? 1 + (unsigned)(driver_rng(rng) % 3) : 0;

	for (unsigned i = 0; i < flips && out->len; i++) {
		uint64_t r = driver_rng(rng);
		out->data[r % out->len] = (r >> 32) % 2 ? (unsigned char)(r >> 40) : 0;
	}
	if (driver_chance(rng, 8) && out->len)
		out->len -= 1 + driver_rng(rng) % out->len;
	if (driver_chance(rng, 8))
		os_buf_add_u32(out, (uint32_t)driver_rng(rng));
}

/*
 * Makes one input.  One time in four it is random bytes; otherwise it is a
 * frame of a random type (now and then an unknown one) with a payload
 * generated along the type's signature and the true length in its header,
 * then perhaps mutated.
 */
static void driver_make_input(uint64_t *rng, struct os_buf *out)
{
	os_buf_reset(out);
	if (driver_chance(rng, 4)) {
		driver_gen_bytes(rng, out);
		return;
	}

	uint16_t type = (uint16_t)(driver_rng(rng) % (OS_MSG_TYPE_COUNT + 1));
	const char *sig = os_proto_signature(type);
	size_t off = os_proto_begin(out, type, (uint32_t)driver_rng(rng));
	if (sig)
		driver_gen_fields(rng, out, sig);
	else
		driver_gen_bytes(rng, out);
	if (!os_buf_failed(out))
		driver_put_be32(out->data + off + 8, (uint32_t)(out->len - OS_PROTO_HEADER_LEN));
	driver_mutate(rng, out);
}

static void driver_run_random(unsigned long count, uint64_t seed)
{
	uint64_t rng = seed * 0x9e3779b97f4a7c15ull + 1;
	struct os_buf input;

	os_buf_init(&input);
	for (unsigned long i = 0; i < count; i++) {
		driver_make_input(&rng, &input);
		if (os_buf_failed(&input))
			abort();
		driver_run_input(input.data, input.len);
	}
	os_buf_free(&input);
}

int main(int argc, char **argv)
{
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--random") == 0 && i + 2 < argc) {
			driver_run_random(strtoul(argv[i + 1], NULL, 0),
			                  strtoull(argv[i + 2], NULL, 0));
			i += 2;
		} else if (driver_run_path(argv[i]) < 0) {
			rc = 1;
		}
	}
	printf("%s: %lu inputs run\n", argv[0], driver_runs);
	return rc;
}
