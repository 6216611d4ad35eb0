/*
 * Fuzz target for the configuration loader (usr/lib/common/conf.c): the
 * checks made on openslot.conf once libconfig has parsed its syntax.
 *
 * An input is the text of a configuration file.  It is written, mode
 * 0600, as openslot.conf in a private directory made once per process and
 * loaded with os_conf_load.  A refusal must leave no configuration and
 * give one line "<file>:<line>: <reason>" naming the file loaded (or, for
 * an @include, the file libconfig was reading), a line number and a
 * reason.  An accepted configuration must keep the bounds of conf.h
 * (absolute directories, at most OS_CONF_MAX_SLOTS slots with distinct
 * ids, names and texts within their lengths, options named and valued),
 * and a second load of the same file must dump the same.  Any breach
 * aborts.
 *
 * In `make check` the target runs from fuzz-driver.c over corpus-conf/,
 * the golden configurations of testcases/config/ and deterministic
 * pseudo-random inputs; testcases/fuzz/build-libfuzzer.sh builds it for
 * libFuzzer.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)         \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

#define FUZZ_CONF_NAME "openslot.conf"

/* On tmpfs where there is one: every input is written to a file. */
static char fuzz_conf_dir[] = "/dev/shm/fuzz-conf.XXXXXX";
static char fuzz_conf_path[sizeof(fuzz_conf_dir) + sizeof(FUZZ_CONF_NAME) + 1];

/* Removes the directory at exit. */
static void fuzz_conf_cleanup(void)
{
	unlink(fuzz_conf_path);
	rmdir(fuzz_conf_dir);
}

/* Writes the input as the configuration file, in a directory made at the first input. */
static void fuzz_conf_write(const uint8_t *data, size_t size)
{
	if (!fuzz_conf_path[0]) {
		if (!mkdtemp(fuzz_conf_dir)) {
			memcpy(fuzz_conf_dir, "/tmp/fuzz-conf.XXXXXX",
			       sizeof("/tmp/fuzz-conf.XXXXXX"));
			if (!mkdtemp(fuzz_conf_dir))
				abort();
		}
		snprintf(fuzz_conf_path, sizeof(fuzz_conf_path), "%s/%s", fuzz_conf_dir,
		         FUZZ_CONF_NAME);
		atexit(fuzz_conf_cleanup);
	}
	int fd = open(fuzz_conf_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
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

/* Whether the input holds s (the input is not NUL-terminated). */
static int fuzz_conf_has(const uint8_t *data, size_t size, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i + n <= size; i++)
		if (memcmp(data + i, s, n) == 0)
			return 1;
	return 0;
}

/* A refusal: "<file>:<line>: <reason>", the file being ours unless it came by @include. */
static void fuzz_conf_check_error(const char *err, const uint8_t *data, size_t size)
{
	size_t plen = strlen(fuzz_conf_path);
	const char *p;

	if (strncmp(err, fuzz_conf_path, plen) == 0 && err[plen] == ':') {
		p = err + plen + 1;
	} else {
		FUZZ_CHECK(fuzz_conf_has(data, size, "@include"));
		p = strstr(err, ":");
		FUZZ_CHECK(p != NULL);
		p++;
	}
	FUZZ_CHECK(*p >= '0' && *p <= '9');
	while (*p >= '0' && *p <= '9')
		p++;
	FUZZ_CHECK(p[0] == ':' && p[1] == ' ' && p[2] != '\0');
}

static void fuzz_conf_check_dir(const char *dir)
{
	FUZZ_CHECK(dir && dir[0] == '/');
}

static void fuzz_conf_check_slot(const struct os_conf *conf, const struct os_slot_conf *slot)
{
	FUZZ_CHECK(os_conf_slot(conf, slot->id) == slot);
	FUZZ_CHECK(slot->backend[0] && strlen(slot->backend) <= OS_CONF_BACKEND_MAX);
	FUZZ_CHECK(slot->token[0] && strlen(slot->token) <= OS_CONF_TOKEN_MAX);
	FUZZ_CHECK(strchr(slot->token, '/') == NULL);
	FUZZ_CHECK(strlen(slot->description) <= OS_CONF_DESCRIPTION_MAX);
	FUZZ_CHECK(strlen(slot->manufacturer) <= OS_CONF_MANUFACTURER_MAX);
	for (size_t i = 0; i < slot->n_options; i++) {
		const struct os_conf_option *o = &slot->options[i];
		FUZZ_CHECK(o->name && o->value && strlen(o->value) <= OS_CONF_OPTION_MAX);
		FUZZ_CHECK(os_conf_slot_option(slot, o->name) != NULL);
	}
}

/* The dump of a configuration, in a malloc'ed string. */
static char *fuzz_conf_dump(const struct os_conf *conf)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	FUZZ_CHECK(fp != NULL);
	os_conf_dump(conf, fp);
	FUZZ_CHECK(fclose(fp) == 0);
	return text;
}

static void fuzz_conf_check(const struct os_conf *conf)
{
	struct os_conf *again = NULL;
	char err[1024];

	FUZZ_CHECK(conf->path && strcmp(conf->path + strlen(conf->path) - strlen(FUZZ_CONF_NAME),
	                                FUZZ_CONF_NAME) == 0);
	fuzz_conf_check_dir(conf->run_dir);
	fuzz_conf_check_dir(conf->lock_dir);
	fuzz_conf_check_dir(conf->data_dir);
	fuzz_conf_check_dir(conf->log_dir);
	FUZZ_CHECK(conf->group != NULL);
	FUZZ_CHECK(conf->n_slots <= OS_CONF_MAX_SLOTS);
	for (size_t i = 0; i < conf->n_slots; i++)
		fuzz_conf_check_slot(conf, &conf->slots[i]);

	FUZZ_CHECK(os_conf_load(fuzz_conf_path, &again, err, sizeof(err)) == 0);
	char *a = fuzz_conf_dump(conf), *b = fuzz_conf_dump(again);
	FUZZ_CHECK(strcmp(a, b) == 0);
	free(a);
	free(b);
	os_conf_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct os_conf *conf = (struct os_conf *)1;
	char err[1024];

	fuzz_conf_write(data, size);
	if (os_conf_load(fuzz_conf_path, &conf, err, sizeof(err)) < 0) {
		FUZZ_CHECK(conf == NULL);
		fuzz_conf_check_error(err, data, size);
		return 0;
	}
	FUZZ_CHECK(conf != NULL);
	fuzz_conf_check(conf);
	os_conf_free(conf);
	return 0;
}
