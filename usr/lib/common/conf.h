/*
 * The openslot configuration: parsing and validating openslot.conf
 * (libconfig syntax) into a fresh struct os_conf.
 *
 * The file is read whole into a new structure; nothing is shared with a
 * previously loaded one, so slotd can validate a new file on SIGHUP and swap
 * it in, or keep the old one when the new file is refused.  Every refusal
 * names the file, the line and the reason, in the form
 *   "<file>:<line>: <reason>"
 * (line 0 when the problem is not tied to a line, e.g. file permissions).
 *
 * File format (see man/openslot.conf.5):
 *
 *   run-dir  = "/run/openslot";      lock-dir = "/var/lock/openslot";
 *   data-dir = "/var/lib/openslot";  log-dir  = "/var/log/openslot";
 *   group = "pkcs11";                user = "root";     (both optional)
 *   slots = (
 *     { id = 0; backend = "soft"; token = "softtok";
 *       description = "..."; manufacturer = "...";
 *       hw-version = "1.0"; fw-version = "1.0";
 *       log-calls = false;
 *       options = { name = "value"; count = 3; flag = true; }; }
 *   );
 *
 * Relative directory paths are taken relative to the directory holding the
 * config file, so a private instance can live in one directory.
 */
#ifndef OS_CONF_H
#define OS_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define OS_CONF_MAX_SLOTS        64
#define OS_CONF_BACKEND_MAX      15 /* characters, without the NUL */
#define OS_CONF_TOKEN_MAX        32
#define OS_CONF_DESCRIPTION_MAX  64 /* CK_SLOT_INFO.slotDescription */
#define OS_CONF_MANUFACTURER_MAX 32 /* CK_SLOT_INFO.manufacturerID */
#define OS_CONF_OPTION_MAX       255

/* configure's runstatedir and localstatedir (the build passes them). */
#ifndef OS_RUNSTATEDIR
#define OS_RUNSTATEDIR "/run"
#endif
#ifndef OS_LOCALSTATEDIR
#define OS_LOCALSTATEDIR "/var"
#endif
#define OS_CONF_DEFAULT_RUN_DIR  OS_RUNSTATEDIR "/openslot"
#define OS_CONF_DEFAULT_LOCK_DIR OS_LOCALSTATEDIR "/lock/openslot"
#define OS_CONF_DEFAULT_DATA_DIR OS_LOCALSTATEDIR "/lib/openslot"
#define OS_CONF_DEFAULT_LOG_DIR  OS_LOCALSTATEDIR "/log/openslot"

/* One backend option; every value is kept as text ("3", "true", "abc"). */
struct os_conf_option {
	char *name;
	char *value;
};

struct os_slot_conf {
	unsigned long id;
	char backend[OS_CONF_BACKEND_MAX + 1];           /* soft, tpm, cca, ep11 */
	char token[OS_CONF_TOKEN_MAX + 1];               /* data/lock directory name */
	char description[OS_CONF_DESCRIPTION_MAX + 1];   /* default: "openslot <backend> slot" */
	char manufacturer[OS_CONF_MANUFACTURER_MAX + 1]; /* default: "openslot" */
	unsigned char hw_major, hw_minor;                /* default 1.0 */
	unsigned char fw_major, fw_minor;                /* default 1.0 */
	bool log_calls;                                  /* default false */
	struct os_conf_option *options;
	size_t n_options;
	int line; /* where the slot was defined, for messages */
};

struct os_conf {
	char *path; /* the file this was read from */
	char *run_dir;
	char *lock_dir;
	char *data_dir;
	char *log_dir;
	char *group; /* default OS_PKCS11_GROUP ("pkcs11") */
	char *user;  /* NULL: stay the user slotd was started as */
	struct os_slot_conf *slots;
	size_t n_slots;
};

/* The path to use: $OPENSLOT_CONF when set and non-empty, else the built-in default. */
const char *os_conf_default_path(void);

/*
 * Reads and validates path.  On success returns 0 and a new struct in *out
 * (free with os_conf_free).  On failure returns -1, *out is NULL and err
 * holds one line "<file>:<line>: <reason>".
 */
int os_conf_load(const char *path, struct os_conf **out, char *err, size_t errlen);

void os_conf_free(struct os_conf *conf);

/* The slot with this id, or NULL. */
const struct os_slot_conf *os_conf_slot(const struct os_conf *conf, unsigned long id);

/*
 * Whether the slot's token is per Unix user (the tpm backend): its files
 * are in <data>/tpm/<user>/ and <lock>/tpm/<user>/ (see paths.h), whatever
 * the slot's token name, and no other slot's token may be named "tpm".
 */
bool os_conf_slot_per_user(const struct os_slot_conf *slot);
#define OS_CONF_PER_USER_DIR "tpm"

/* The value of a backend option of a slot, or NULL when not set. */
const char *os_conf_slot_option(const struct os_slot_conf *slot, const char *name);

/*
 * Writes a normalised dump of conf to fp (used by `slotd -n -v` and the
 * golden-file tests): every setting, defaults filled in, one per line.
 */
void os_conf_dump(const struct os_conf *conf, FILE *fp);

#endif
