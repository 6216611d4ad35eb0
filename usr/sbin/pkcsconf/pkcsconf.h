/*
 * pkcsconf: the administration tool for openslot tokens.
 *
 * pkcsconf loads a PKCS#11 library (libopenslot.so unless told otherwise)
 * and drives it through the standard API only, so it works the same way
 * against any module.  main.c parses the command line into struct
 * pcf_opts and runs the requested actions; module.c loads and initialises
 * the library and explains a failure (slotd down, missing group
 * membership); info.c and info_json.c show library, slot, token and
 * mechanism information; token.c initialises tokens and sets PINs;
 * keys*.c manage key objects; slot.c picks the slot and opens sessions;
 * pin.c reads PINs; report.c turns return values into messages and exit
 * codes; kdf.c sets the token's KDF parameters through slotd itself
 * (PKCS#11 has no call for it); format.c holds the flag names and field functions the displays
 * share; json.c writes JSON; help.c holds the usage texts.
 *
 * Every action returns a PCF_EXIT_* code; the first failure ends the run
 * and its code becomes the exit status.
 */
#ifndef PKCSCONF_H
#define PKCSCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"
#include "openslot/pkcs11.h"

/* Exit statuses (documented in pkcsconf(1)). */
#define PCF_EXIT_OK          0
#define PCF_EXIT_P11         1 /* a PKCS#11 call failed; its return value was printed */
#define PCF_EXIT_USAGE       2 /* bad command line or input */
#define PCF_EXIT_UNAVAILABLE 3 /* slotd not running, no permission, library not loadable */
#define PCF_EXIT_PIN         4 /* incorrect or locked PIN */

#define PCF_PIN_MAX   255 /* longest PIN accepted from any source */
#define PCF_ID_MAX    64  /* longest CKA_ID accepted by --id */
#define PCF_LABEL_MAX 32  /* CK_TOKEN_INFO.label */

/* What a run does; display actions run first, in this order. */
enum pcf_action {
	PCF_DO_INFO = 1u << 0,         /* -i */
	PCF_DO_TOKENS = 1u << 1,       /* -t */
	PCF_DO_SLOTS = 1u << 2,        /* -s */
	PCF_DO_LIST = 1u << 3,         /* -l */
	PCF_DO_MECHS = 1u << 4,        /* -m */
	PCF_DO_INIT_TOKEN = 1u << 5,   /* -I */
	PCF_DO_INIT_PIN = 1u << 6,     /* -u */
	PCF_DO_SET_SO_PIN = 1u << 7,   /* -P */
	PCF_DO_SET_PIN = 1u << 8,      /* -p */
	PCF_DO_LIST_OBJECTS = 1u << 9, /* --list-objects */
	PCF_DO_GENERATE = 1u << 10,    /* --generate */
	PCF_DO_DELETE = 1u << 11,      /* --delete */
	PCF_DO_IMPORT = 1u << 12,      /* --import */
	PCF_DO_EXPORT = 1u << 13,      /* --export */
	PCF_DO_SET_KDF = 1u << 14,     /* --kdf */
};

#define PCF_DISPLAY_ACTIONS \
	(PCF_DO_INFO | PCF_DO_TOKENS | PCF_DO_SLOTS | PCF_DO_LIST | PCF_DO_MECHS)
#define PCF_TOKEN_ACTIONS (PCF_DO_INIT_TOKEN | PCF_DO_INIT_PIN | PCF_DO_SET_SO_PIN | PCF_DO_SET_PIN)
#define PCF_KEY_ACTIONS \
	(PCF_DO_LIST_OBJECTS | PCF_DO_GENERATE | PCF_DO_DELETE | PCF_DO_IMPORT | PCF_DO_EXPORT)

/* A PIN, from the command line or read by pin.c; wiped with pcf_pin_clear(). */
struct pcf_pin {
	bool set;
	size_t len;
	char value[PCF_PIN_MAX + 1];
};

struct pcf_opts {
	unsigned actions;
	bool json;
	bool have_slot;
	CK_SLOT_ID slot;
	const char *module; /* --module */
	const char *label;  /* -L / --label */
	bool have_id;       /* --id */
	unsigned char id[PCF_ID_MAX];
	size_t id_len;
	const char *keyspec;     /* --generate */
	const char *import_path; /* --import */
	const char *output_path; /* -o */
	struct pcf_pin so_pin;   /* -S */
	struct pcf_pin user_pin; /* -U */
	struct pcf_pin new_pin;  /* -n */
	/* --kdf: Argon2id m (KiB), t, p; all zero for the slot's defaults */
	uint32_t kdf_m, kdf_t, kdf_p;
};

/* One run of pkcsconf. */
struct pcf {
	struct pcf_opts opt;
	const char *module_path;
	void *dl;
	CK_FUNCTION_LIST *p11; /* the 2.40 part of the 3.0 list, or the 2.x list */
	bool initialized;
};

/* A name for each bit of a flags word. */
struct pcf_flag_name {
	CK_FLAGS flag;
	const char *name;
};

/* help.c */
/* Prints the help on topic (NULL: the general help); returns an exit code. */
int pcf_help_show(const char *topic);

/* module.c */
int pcf_module_load(struct pcf *c);
void pcf_module_unload(struct pcf *c);

/* report.c: each prints one message (and maybe a hint) and returns an exit code */
int pcf_fail_rv(CK_RV rv, const char *fmt, ...) OS_PRINTF(2, 3);
/* For a failed PIN check of user on slot: names tries left from the token flags. */
int pcf_fail_pin(struct pcf *c, CK_SLOT_ID slot, CK_USER_TYPE user, CK_RV rv);
/* The exit code of a failed call with rv, without printing. */
int pcf_exit_code(CK_RV rv);

/* slot.c: slots, sessions and logins */
/* The slot list; *list is malloc'ed (NULL when empty). */
int pcf_slot_list(struct pcf *c, bool token_present, CK_SLOT_ID **list, CK_ULONG *count);
/* The slot of a token action: -c, else the first slot holding a token. */
int pcf_slot_pick(struct pcf *c, CK_SLOT_ID *slot);
/* Fails with a hint unless the token is initialised (and has a user PIN if need_user_pin). */
int pcf_slot_require(struct pcf *c, CK_SLOT_ID slot, bool need_user_pin, CK_FLAGS *flags);
int pcf_session_open(struct pcf *c, CK_SLOT_ID slot, bool rw, CK_SESSION_HANDLE *h);
int pcf_session_login(struct pcf *c, CK_SESSION_HANDLE h, CK_SLOT_ID slot, CK_USER_TYPE user,
                      const struct pcf_pin *pin);
void pcf_session_close(struct pcf *c, CK_SESSION_HANDLE h);

/* format.c */
extern const struct pcf_flag_name pcf_slot_flags[];
extern const struct pcf_flag_name pcf_token_flags[];
extern const struct pcf_flag_name pcf_mech_flags[];
/* "0x5 (RNG|LOGIN_REQUIRED)": unnamed bits appear in hexadecimal. */
void pcf_flags_print(FILE *fp, CK_FLAGS flags, const struct pcf_flag_name *names);
/* Length of a blank-padded PKCS#11 text field without the padding. */
size_t pcf_field_len(const CK_UTF8CHAR *field, size_t size);
/* Prints a blank-padded field trimmed, control characters shown as '?'. */
void pcf_field_print(FILE *fp, const CK_UTF8CHAR *field, size_t size);
/* Prints bytes in lower-case hexadecimal. */
void pcf_hex_print(FILE *fp, const unsigned char *p, size_t len);
/* Writes bytes as a NUL-terminated hexadecimal string into out (2 * len + 1 bytes). */
void pcf_hex_format(char *out, const unsigned char *p, size_t len);

/* info.c, info_json.c: -i -t -s -l -m */
int pcf_info_run(struct pcf *c);
int pcf_info_json(struct pcf *c);
/* The slots a display covers: the -c slot, else the slot list; *list is malloc'ed. */
int pcf_info_slots(struct pcf *c, bool token_present, CK_SLOT_ID **list, CK_ULONG *count);
/* The mechanisms of slot; *list is malloc'ed (NULL when empty). */
int pcf_info_mech_list(struct pcf *c, CK_SLOT_ID slot, CK_MECHANISM_TYPE **list, CK_ULONG *count);

/* token.c: -I -u -P -p */
int pcf_token_run(struct pcf *c);

/* kdf.c: --kdf */
/* Parses "m=KIB,t=N,p=N" or "default" into o and adds the action. */
int pcf_kdf_parse(struct pcf_opts *o, const char *spec);
int pcf_kdf_run(struct pcf *c);

/* keys.c: --list-objects --generate --delete --import --export */
int pcf_keys_run(struct pcf *c);

/* pin.c */
/* Reads a PIN named by what ("the SO PIN"); confirm asks twice on a terminal. */
int pcf_pin_read(struct pcf_pin *pin, const char *what, bool confirm);
/* Takes a PIN from a command-line argument and overwrites the argument. */
int pcf_pin_from_arg(struct pcf_pin *pin, char *arg, const char *what);
void pcf_pin_clear(struct pcf_pin *pin);
/* Reads one line that is not secret (a label), with echo, into buf. */
int pcf_input_line(char *buf, size_t size, const char *what);

#endif
