/*
 * Reading and validating openslot.conf (see conf.h and openslot.conf(5)).
 *
 * libconfig parses the syntax; everything after that is ours: each
 * top-level setting and each slot member is looked up in a table naming
 * the function that checks it and stores it in the new struct os_conf.
 * The first problem found ends the load with one line
 * "<file>:<line>: <reason>" and everything allocated so far is released.
 *
 * Settings pulled in with @include are refused: the checks made on the
 * file itself (not world-writable, a regular file) would not cover them.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* secure_getenv */
#endif
#include "conf.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef OS_SYSCONFDIR
#define OS_SYSCONFDIR "/etc"
#endif
#ifndef OS_PKCS11_GROUP
#define OS_PKCS11_GROUP "pkcs11"
#endif

#define CONF_ACCOUNT_MAX 32                        /* user and group names */
#define CONF_DIR_MAX     (PATH_MAX - NAME_MAX - 2) /* room for "/<name>" below it */
#define CONF_ID_MAX      4294967295LL

/* What one load works on; err receives the single refusal line. */
struct conf_ctx {
	const char *path; /* as the caller named it, for messages */
	char *base;       /* the directory holding the file, resolved */
	struct os_conf *conf;
	char *err;
	size_t errlen;
};

/* Writes "<file>:<line>: <reason>" to the caller's buffer; returns -1. */
static int conf_message(struct conf_ctx *ctx, const char *file, int line, const char *reason)
{
	if (ctx->err && ctx->errlen)
		snprintf(ctx->err, ctx->errlen, "%s:%d: %s", file, line, reason);
	return -1;
}

/* Records a refusal at line of the file being loaded; returns -1. */
static int OS_PRINTF(3, 4) conf_fail(struct conf_ctx *ctx, int line, const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return conf_message(ctx, ctx->path, line, reason);
}

static int conf_line(const config_setting_t *s)
{
	return (int)config_setting_source_line(s);
}

static int conf_oom(struct conf_ctx *ctx)
{
	return conf_fail(ctx, 0, "out of memory");
}

static bool conf_has_control(const char *v)
{
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

/* The value of a string setting; control characters are never accepted. */
static int conf_string(struct conf_ctx *ctx, const config_setting_t *s, const char **out)
{
	const char *name = config_setting_name(s);
	const char *v;

	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return conf_fail(ctx, conf_line(s), "'%s' must be a string", name);
	v = config_setting_get_string(s);
	if (conf_has_control(v))
		return conf_fail(ctx, conf_line(s), "'%s' must not contain control characters",
		                 name);
	*out = v;
	return 0;
}

/* A non-empty string of at most max characters, checked with conf_string. */
static int conf_bounded(struct conf_ctx *ctx, const config_setting_t *s, size_t max,
                        const char **out)
{
	const char *name = config_setting_name(s);

	if (conf_string(ctx, s, out) < 0)
		return -1;
	if (**out == '\0')
		return conf_fail(ctx, conf_line(s), "'%s' must not be empty", name);
	if (strlen(*out) > max)
		return conf_fail(ctx, conf_line(s), "'%s' is longer than %zu characters", name,
		                 max);
	return 0;
}

/* Names used for files and accounts: [A-Za-z0-9._-], not starting with '-'. */
static int conf_check_name(struct conf_ctx *ctx, const config_setting_t *s, const char *v)
{
	const char *name = config_setting_name(s);

	if (v[0] == '-')
		return conf_fail(ctx, conf_line(s), "'%s' must not start with '-'", name);
	if (strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
	    strlen(v))
		return conf_fail(ctx, conf_line(s),
		                 "'%s' may only contain letters, digits, '.', '_' and '-'", name);
	return 0;
}

/*
 * base "/" value (value itself when absolute) with empty and "."
 * components dropped and ".." applied, without a trailing '/'.  The
 * directories need not exist, so this is done on the text alone.
 */
static char *conf_path_resolve(const char *base, const char *value)
{
	size_t size = strlen(base) + strlen(value) + 2;
	char *in = malloc(size), *out = malloc(size), *save = NULL;
	size_t n = 0;

	if (!in || !out) {
		free(in);
		free(out);
		return NULL;
	}
	snprintf(in, size, "%s/%s", value[0] == '/' ? "" : base, value);
	for (char *c = strtok_r(in, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0) {
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
			continue;
		}
		n += (size_t)sprintf(out + n, "/%s", c);
	}
	if (n == 0)
		out[n++] = '/';
	out[n] = '\0';
	free(in);
	return out;
}

/* run-dir, lock-dir, data-dir, log-dir. */
static int conf_parse_dir(struct conf_ctx *ctx, const config_setting_t *s, char **field)
{
	const char *v;
	char *path;

	if (conf_bounded(ctx, s, CONF_DIR_MAX, &v) < 0)
		return -1;
	path = conf_path_resolve(ctx->base, v);
	if (!path)
		return conf_oom(ctx);
	if (strlen(path) > CONF_DIR_MAX) {
		free(path);
		return conf_fail(ctx, conf_line(s), "'%s' is longer than %d characters",
		                 config_setting_name(s), CONF_DIR_MAX);
	}
	*field = path;
	return 0;
}

/* group and user: account names, looked up only when slotd uses them. */
static int conf_parse_account(struct conf_ctx *ctx, const config_setting_t *s, char **field)
{
	const char *v;

	if (conf_bounded(ctx, s, CONF_ACCOUNT_MAX, &v) < 0 || conf_check_name(ctx, s, v) < 0)
		return -1;
	*field = strdup(v);
	return *field ? 0 : conf_oom(ctx);
}

/* A slot member is checked and stored by one of these. */
typedef int (*conf_slot_fn)(struct conf_ctx *ctx, const config_setting_t *s,
                            struct os_slot_conf *slot);

static int slot_parse_id(struct conf_ctx *ctx, const config_setting_t *s, struct os_slot_conf *slot)
{
	int type = config_setting_type(s);
	long long v;

	if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64)
		return conf_fail(ctx, conf_line(s), "'id' must be an integer");
	v = config_setting_get_int64(s);
	if (v < 0 && type == CONFIG_TYPE_INT)
		return conf_fail(ctx, conf_line(s),
		                 "'id' must be between 0 and %lld (write ids above %d with an L "
		                 "suffix)",
		                 CONF_ID_MAX, INT32_MAX);
	if (v < 0 || v > CONF_ID_MAX)
		return conf_fail(ctx, conf_line(s), "'id' must be between 0 and %lld", CONF_ID_MAX);
	slot->id = (unsigned long)v;
	return 0;
}

static int slot_parse_backend(struct conf_ctx *ctx, const config_setting_t *s,
                              struct os_slot_conf *slot)
{
	static const char *const backends[] = {"soft", "tpm", "cca", "ep11"};
	const char *v;

	if (conf_string(ctx, s, &v) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		if (strcmp(v, backends[i]) == 0) {
			snprintf(slot->backend, sizeof(slot->backend), "%s", v);
			return 0;
		}
	}
	return conf_fail(ctx, conf_line(s), "unknown backend '%s': expected soft, tpm, cca or ep11",
	                 v);
}

/* The token name becomes a directory and lock file name: keep it tame. */
static int slot_parse_token(struct conf_ctx *ctx, const config_setting_t *s,
                            struct os_slot_conf *slot)
{
	const char *v;

	if (conf_bounded(ctx, s, OS_CONF_TOKEN_MAX, &v) < 0)
		return -1;
	if (strchr(v, '/'))
		return conf_fail(ctx, conf_line(s), "'token' must not contain '/'");
	if (strcmp(v, ".") == 0 || strcmp(v, "..") == 0)
		return conf_fail(ctx, conf_line(s), "'token' must not be '.' or '..'");
	if (conf_check_name(ctx, s, v) < 0)
		return -1;
	snprintf(slot->token, sizeof(slot->token), "%s", v);
	return 0;
}

/* Text shown in CK_SLOT_INFO: printable ASCII only (its fields are not UTF-8 safe). */
static int slot_parse_text(struct conf_ctx *ctx, const config_setting_t *s, char *buf, size_t max)
{
	const char *v;

	if (conf_bounded(ctx, s, max, &v) < 0)
		return -1;
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p > 0x7e)
			return conf_fail(ctx, conf_line(s), "'%s' must be printable ASCII",
			                 config_setting_name(s));
	snprintf(buf, max + 1, "%s", v);
	return 0;
}

static int slot_parse_description(struct conf_ctx *ctx, const config_setting_t *s,
                                  struct os_slot_conf *slot)
{
	return slot_parse_text(ctx, s, slot->description, OS_CONF_DESCRIPTION_MAX);
}

static int slot_parse_manufacturer(struct conf_ctx *ctx, const config_setting_t *s,
                                   struct os_slot_conf *slot)
{
	return slot_parse_text(ctx, s, slot->manufacturer, OS_CONF_MANUFACTURER_MAX);
}

/* One to three decimal digits worth at most 255; advances *p past them. */
static int conf_version_part(const char **p, unsigned char *out)
{
	unsigned int v = 0;
	int digits = 0;

	while (**p >= '0' && **p <= '9' && digits < 4) {
		v = v * 10 + (unsigned int)(**p - '0');
		(*p)++;
		digits++;
	}
	if (digits == 0 || digits > 3 || v > 255)
		return -1;
	*out = (unsigned char)v;
	return 0;
}

/* "MAJOR.MINOR", as in CK_VERSION. */
static int conf_parse_version(struct conf_ctx *ctx, const config_setting_t *s, unsigned char *major,
                              unsigned char *minor)
{
	const char *v;

	if (conf_string(ctx, s, &v) < 0)
		return -1;
	if (conf_version_part(&v, major) < 0 || *v++ != '.' || conf_version_part(&v, minor) < 0 ||
	    *v != '\0')
		return conf_fail(ctx, conf_line(s),
		                 "'%s' must be \"MAJOR.MINOR\" with each part between 0 and 255",
		                 config_setting_name(s));
	return 0;
}

static int slot_parse_hw_version(struct conf_ctx *ctx, const config_setting_t *s,
                                 struct os_slot_conf *slot)
{
	return conf_parse_version(ctx, s, &slot->hw_major, &slot->hw_minor);
}

static int slot_parse_fw_version(struct conf_ctx *ctx, const config_setting_t *s,
                                 struct os_slot_conf *slot)
{
	return conf_parse_version(ctx, s, &slot->fw_major, &slot->fw_minor);
}

static int slot_parse_log_calls(struct conf_ctx *ctx, const config_setting_t *s,
                                struct os_slot_conf *slot)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return conf_fail(ctx, conf_line(s), "'log-calls' must be a boolean");
	slot->log_calls = config_setting_get_bool(s) != 0;
	return 0;
}

/* The text of one option value: strings as they are, numbers in decimal. */
static int conf_option_value(struct conf_ctx *ctx, const config_setting_t *s, char **out)
{
	const char *name = config_setting_name(s);
	char num[32];
	const char *v = num;

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_STRING:
		v = config_setting_get_string(s);
		break;
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		snprintf(num, sizeof(num), "%lld", config_setting_get_int64(s));
		break;
	case CONFIG_TYPE_BOOL:
		v = config_setting_get_bool(s) ? "true" : "false";
		break;
	default:
		return conf_fail(ctx, conf_line(s),
		                 "option '%s' must be a string, an integer or a boolean", name);
	}
	if (strlen(v) > OS_CONF_OPTION_MAX)
		return conf_fail(ctx, conf_line(s), "option '%s' is longer than %d characters",
		                 name, OS_CONF_OPTION_MAX);
	if (conf_has_control(v))
		return conf_fail(ctx, conf_line(s),
		                 "option '%s' must not contain control characters", name);
	*out = strdup(v);
	return *out ? 0 : conf_oom(ctx);
}

/* options = { name = value; ... }: kept for the backend, which checks them. */
static int slot_parse_options(struct conf_ctx *ctx, const config_setting_t *s,
                              struct os_slot_conf *slot)
{
	int n = config_setting_length(s);

	if (config_setting_type(s) != CONFIG_TYPE_GROUP)
		return conf_fail(ctx, conf_line(s), "'options' must be a group { name = value; }");
	if (n == 0)
		return 0;
	slot->options = calloc((size_t)n, sizeof(*slot->options));
	if (!slot->options)
		return conf_oom(ctx);
	for (int i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(s, (unsigned int)i);
		struct os_conf_option *opt = &slot->options[slot->n_options];

		if (conf_option_value(ctx, m, &opt->value) < 0)
			return -1;
		slot->n_options++;
		opt->name = strdup(config_setting_name(m));
		if (!opt->name)
			return conf_oom(ctx);
	}
	return 0;
}

static const struct conf_slot_key {
	const char *name;
	conf_slot_fn parse;
	bool required;
} conf_slot_keys[] = {
    {"id", slot_parse_id, true},
    {"backend", slot_parse_backend, true},
    {"token", slot_parse_token, true},
    {"description", slot_parse_description, false},
    {"manufacturer", slot_parse_manufacturer, false},
    {"hw-version", slot_parse_hw_version, false},
    {"fw-version", slot_parse_fw_version, false},
    {"log-calls", slot_parse_log_calls, false},
    {"options", slot_parse_options, false},
};

#define CONF_N_SLOT_KEYS (sizeof(conf_slot_keys) / sizeof(conf_slot_keys[0]))

/* Checks one member of a slot group and marks its key in *seen. */
static int conf_slot_member(struct conf_ctx *ctx, const config_setting_t *m,
                            struct os_slot_conf *slot, unsigned int *seen)
{
	const char *name = config_setting_name(m);

	for (size_t k = 0; k < CONF_N_SLOT_KEYS; k++) {
		if (strcmp(name, conf_slot_keys[k].name) == 0) {
			*seen |= 1u << k;
			return conf_slot_keys[k].parse(ctx, m, slot);
		}
	}
	return conf_fail(ctx, conf_line(m), "unknown setting '%s' in slot", name);
}

static int conf_parse_slot(struct conf_ctx *ctx, const config_setting_t *s,
                           struct os_slot_conf *slot)
{
	unsigned int seen = 0;
	int n = config_setting_length(s);

	if (config_setting_type(s) != CONFIG_TYPE_GROUP)
		return conf_fail(ctx, conf_line(s), "each slot must be a group { ... }");
	slot->line = conf_line(s);
	slot->hw_major = slot->fw_major = 1;
	for (int i = 0; i < n; i++)
		if (conf_slot_member(ctx, config_setting_get_elem(s, (unsigned int)i), slot,
		                     &seen) < 0)
			return -1;
	for (size_t k = 0; k < CONF_N_SLOT_KEYS; k++)
		if (conf_slot_keys[k].required && !(seen & (1u << k)))
			return conf_fail(ctx, slot->line, "missing '%s' in slot",
			                 conf_slot_keys[k].name);
	/* <data>/tpm holds the per-user tokens of the tpm backend */
	if (strcmp(slot->token, OS_CONF_PER_USER_DIR) == 0 && !os_conf_slot_per_user(slot))
		return conf_fail(
		    ctx, slot->line,
		    "token name '%s' is reserved for the tpm backend's per-user tokens",
		    slot->token);
	if (slot->description[0] == '\0')
		snprintf(slot->description, sizeof(slot->description), "openslot %s slot",
		         slot->backend);
	if (slot->manufacturer[0] == '\0')
		snprintf(slot->manufacturer, sizeof(slot->manufacturer), "openslot");
	return 0;
}

bool os_conf_slot_per_user(const struct os_slot_conf *slot)
{
	return strcmp(slot->backend, "tpm") == 0;
}

/* Slot ids and token names are each used once. */
static int conf_check_unique(struct conf_ctx *ctx)
{
	const struct os_conf *conf = ctx->conf;

	for (size_t i = 1; i < conf->n_slots; i++) {
		const struct os_slot_conf *b = &conf->slots[i];

		for (size_t j = 0; j < i; j++) {
			const struct os_slot_conf *a = &conf->slots[j];

			if (a->id == b->id)
				return conf_fail(ctx, b->line,
				                 "duplicate slot id %lu (first defined at line %d)",
				                 b->id, a->line);
			if (strcmp(a->token, b->token) == 0)
				return conf_fail(
				    ctx, b->line,
				    "duplicate token name '%s' (first defined at line %d)",
				    b->token, a->line);
		}
	}
	return 0;
}

static int conf_parse_slots(struct conf_ctx *ctx, const config_setting_t *s)
{
	struct os_conf *conf = ctx->conf;
	int n = config_setting_length(s);

	if (config_setting_type(s) != CONFIG_TYPE_LIST &&
	    config_setting_type(s) != CONFIG_TYPE_ARRAY)
		return conf_fail(ctx, conf_line(s), "'slots' must be a list of groups ( { ... } )");
	if (n == 0)
		return conf_fail(ctx, conf_line(s),
		                 "'slots' is empty: at least one slot is required");
	if (n > OS_CONF_MAX_SLOTS)
		return conf_fail(ctx, conf_line(s),
		                 "'slots' holds %d slots; at most %d are allowed", n,
		                 OS_CONF_MAX_SLOTS);
	conf->slots = calloc((size_t)n, sizeof(*conf->slots));
	if (!conf->slots)
		return conf_oom(ctx);
	conf->n_slots = (size_t)n;
	for (int i = 0; i < n; i++)
		if (conf_parse_slot(ctx, config_setting_get_elem(s, (unsigned int)i),
		                    &conf->slots[i]) < 0)
			return -1;
	return conf_check_unique(ctx);
}

static const struct conf_top_key {
	const char *name;
	int (*parse)(struct conf_ctx *ctx, const config_setting_t *s, char **field);
	size_t offset;
} conf_top_keys[] = {
    {"run-dir", conf_parse_dir, offsetof(struct os_conf, run_dir)},
    {"lock-dir", conf_parse_dir, offsetof(struct os_conf, lock_dir)},
    {"data-dir", conf_parse_dir, offsetof(struct os_conf, data_dir)},
    {"log-dir", conf_parse_dir, offsetof(struct os_conf, log_dir)},
    {"group", conf_parse_account, offsetof(struct os_conf, group)},
    {"user", conf_parse_account, offsetof(struct os_conf, user)},
};

static int conf_top_member(struct conf_ctx *ctx, const config_setting_t *s)
{
	const char *name = config_setting_name(s);

	if (strcmp(name, "slots") == 0)
		return conf_parse_slots(ctx, s);
	for (size_t k = 0; k < sizeof(conf_top_keys) / sizeof(conf_top_keys[0]); k++) {
		const struct conf_top_key *key = &conf_top_keys[k];

		if (strcmp(name, key->name) == 0)
			return key->parse(ctx, s, (char **)((char *)ctx->conf + key->offset));
	}
	return conf_fail(ctx, conf_line(s), "unknown setting '%s'", name);
}

static int conf_default(struct conf_ctx *ctx, char **field, const char *value)
{
	if (!*field)
		*field = strdup(value);
	return *field ? 0 : conf_oom(ctx);
}

static int conf_parse_root(struct conf_ctx *ctx, const config_setting_t *root)
{
	struct os_conf *conf = ctx->conf;
	int n = config_setting_length(root);

	for (int i = 0; i < n; i++)
		if (conf_top_member(ctx, config_setting_get_elem(root, (unsigned int)i)) < 0)
			return -1;
	if (conf->n_slots == 0)
		return conf_fail(ctx, 0, "missing 'slots': at least one slot is required");
	if (conf_default(ctx, &conf->run_dir, OS_CONF_DEFAULT_RUN_DIR) < 0 ||
	    conf_default(ctx, &conf->lock_dir, OS_CONF_DEFAULT_LOCK_DIR) < 0 ||
	    conf_default(ctx, &conf->data_dir, OS_CONF_DEFAULT_DATA_DIR) < 0 ||
	    conf_default(ctx, &conf->log_dir, OS_CONF_DEFAULT_LOG_DIR) < 0 ||
	    conf_default(ctx, &conf->group, OS_PKCS11_GROUP) < 0)
		return -1;
	return 0;
}

/* Refuses what must not be trusted: anything but a regular file, or one anybody may change. */
static int conf_check_file(struct conf_ctx *ctx, int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return conf_fail(ctx, 0, "cannot read: %s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return conf_fail(ctx, 0, "not a regular file");
	if (st.st_mode & S_IWOTH)
		return conf_fail(ctx, 0, "refusing a world-writable configuration file");
	return 0;
}

/*
 * Opens the file for libconfig.  O_NONBLOCK keeps a FIFO named by mistake
 * from blocking the open; conf_check_file refuses it just after.
 */
static int conf_open(struct conf_ctx *ctx, FILE **fp)
{
	int fd = open(ctx->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return conf_fail(ctx, 0, "cannot read: %s", strerror(errno));
	if (conf_check_file(ctx, fd) < 0) {
		close(fd);
		return -1;
	}
	*fp = fdopen(fd, "r");
	if (!*fp) {
		close(fd);
		return conf_oom(ctx);
	}
	return 0;
}

/* The directory holding the file, resolved: the base of relative paths. */
static int conf_resolve_base(struct conf_ctx *ctx)
{
	char *dir = strdup(ctx->path);
	char *slash = dir ? strrchr(dir, '/') : NULL;

	if (!dir)
		return conf_oom(ctx);
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	ctx->base = realpath(slash ? dir : ".", NULL);
	free(dir);
	if (!ctx->base)
		return conf_fail(ctx, 0, "cannot resolve the directory of the file: %s",
		                 strerror(errno));
	return 0;
}

/* The first setting that came from another file through @include, if any. */
static const config_setting_t *conf_find_included(const config_setting_t *s)
{
	int n = config_setting_length(s);

	if (config_setting_source_file(s))
		return s;
	for (int i = 0; i < n; i++) {
		const config_setting_t *found =
		    conf_find_included(config_setting_get_elem(s, (unsigned int)i));
		if (found)
			return found;
	}
	return NULL;
}

static int conf_read(struct conf_ctx *ctx, config_t *cfg, FILE *fp)
{
	const config_setting_t *inc;

	if (config_read(cfg, fp) != CONFIG_TRUE) {
		const char *file = config_error_file(cfg);

		return conf_message(ctx, file ? file : ctx->path, config_error_line(cfg),
		                    config_error_text(cfg));
	}
	inc = conf_find_included(config_root_setting(cfg));
	if (inc)
		return conf_fail(ctx, 0, "@include is not supported (settings from '%s')",
		                 config_setting_source_file(inc));
	return 0;
}

/* The absolute name of the file: its resolved directory and its own name. */
static int conf_set_path(struct conf_ctx *ctx)
{
	const char *slash = strrchr(ctx->path, '/');
	const char *name = slash ? slash + 1 : ctx->path;
	size_t size = strlen(ctx->base) + strlen(name) + 2;

	ctx->conf->path = malloc(size);
	if (!ctx->conf->path)
		return conf_oom(ctx);
	snprintf(ctx->conf->path, size, "%s%s%s", ctx->base, strcmp(ctx->base, "/") ? "/" : "",
	         name);
	return 0;
}

int os_conf_load(const char *path, struct os_conf **out, char *err, size_t errlen)
{
	struct conf_ctx ctx = {.path = path, .err = err, .errlen = errlen};
	config_t cfg;
	FILE *fp = NULL;
	int rc = -1;

	if (err && errlen)
		err[0] = '\0';
	if (!out)
		return -1;
	*out = NULL;
	if (!path || !*path) {
		ctx.path = "";
		return conf_fail(&ctx, 0, "no configuration file named");
	}
	config_init(&cfg);
	if (conf_open(&ctx, &fp) < 0 || conf_resolve_base(&ctx) < 0 ||
	    conf_read(&ctx, &cfg, fp) < 0)
		goto out;
	ctx.conf = calloc(1, sizeof(*ctx.conf));
	if (!ctx.conf) {
		conf_oom(&ctx);
		goto out;
	}
	if (conf_set_path(&ctx) < 0 || conf_parse_root(&ctx, config_root_setting(&cfg)) < 0)
		goto out;
	*out = ctx.conf;
	ctx.conf = NULL;
	rc = 0;
out:
	os_conf_free(ctx.conf);
	free(ctx.base);
	config_destroy(&cfg);
	if (fp)
		fclose(fp);
	return rc;
}

void os_conf_free(struct os_conf *conf)
{
	if (!conf)
		return;
	for (size_t i = 0; i < conf->n_slots; i++) {
		struct os_slot_conf *slot = &conf->slots[i];

		for (size_t j = 0; j < slot->n_options; j++) {
			free(slot->options[j].name);
			free(slot->options[j].value);
		}
		free(slot->options);
	}
	free(conf->slots);
	free(conf->path);
	free(conf->run_dir);
	free(conf->lock_dir);
	free(conf->data_dir);
	free(conf->log_dir);
	free(conf->group);
	free(conf->user);
	free(conf);
}

const struct os_slot_conf *os_conf_slot(const struct os_conf *conf, unsigned long id)
{
	if (!conf)
		return NULL;
	for (size_t i = 0; i < conf->n_slots; i++)
		if (conf->slots[i].id == id)
			return &conf->slots[i];
	return NULL;
}

const char *os_conf_slot_option(const struct os_slot_conf *slot, const char *name)
{
	if (!slot || !name)
		return NULL;
	for (size_t i = 0; i < slot->n_options; i++)
		if (strcmp(slot->options[i].name, name) == 0)
			return slot->options[i].value;
	return NULL;
}

static void conf_dump_slot(const struct os_slot_conf *slot, FILE *fp)
{
	unsigned long id = slot->id;

	fprintf(fp, "slot %lu: backend = %s\n", id, slot->backend);
	fprintf(fp, "slot %lu: token = %s\n", id, slot->token);
	fprintf(fp, "slot %lu: description = %s\n", id, slot->description);
	fprintf(fp, "slot %lu: manufacturer = %s\n", id, slot->manufacturer);
	fprintf(fp, "slot %lu: hw-version = %u.%u\n", id, slot->hw_major, slot->hw_minor);
	fprintf(fp, "slot %lu: fw-version = %u.%u\n", id, slot->fw_major, slot->fw_minor);
	fprintf(fp, "slot %lu: log-calls = %s\n", id, slot->log_calls ? "true" : "false");
	for (size_t i = 0; i < slot->n_options; i++)
		fprintf(fp, "slot %lu: option %s = %s\n", id, slot->options[i].name,
		        slot->options[i].value);
}

void os_conf_dump(const struct os_conf *conf, FILE *fp)
{
	fprintf(fp, "run-dir = %s\n", conf->run_dir);
	fprintf(fp, "lock-dir = %s\n", conf->lock_dir);
	fprintf(fp, "data-dir = %s\n", conf->data_dir);
	fprintf(fp, "log-dir = %s\n", conf->log_dir);
	fprintf(fp, "group = %s\n", conf->group);
	fprintf(fp, "user = %s\n", conf->user ? conf->user : "(not set)");
	for (size_t i = 0; i < conf->n_slots; i++)
		conf_dump_slot(&conf->slots[i], fp);
}

const char *os_conf_default_path(void)
{
	/* Ignored in set-user-ID and set-group-ID programs. */
	const char *env = secure_getenv("OPENSLOT_CONF");

	return (env && *env) ? env : OS_SYSCONFDIR "/openslot/openslot.conf";
}
