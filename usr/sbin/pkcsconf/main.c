/*
 * pkcsconf's command line: options into struct pcf_opts, the checks of
 * what may be combined, and the run of the actions.
 *
 * The short options are openCryptoki's and mean the same; the long ones
 * add JSON output and key management.  Display actions (-i -t -s -l -m)
 * may be combined with each other and with the token actions, and run
 * first; -I may be combined with -u, but -u, -p and -P exclude each other;
 * a key action and --kdf run alone.
 */
#include "pkcsconf.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum {
	OPT_MODULE = 256,
	OPT_JSON,
	OPT_LIST_OBJECTS,
	OPT_GENERATE,
	OPT_DELETE,
	OPT_IMPORT,
	OPT_EXPORT,
	OPT_ID,
	OPT_VERSION,
	OPT_KDF,
};

/* The leading ':' makes getopt_long() report a missing argument apart and print nothing. */
static const char main_short[] = ":itsmlIupPc:U:S:n:L:o:h";

static const struct option main_long[] = {
    {"help", optional_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {"module", required_argument, NULL, OPT_MODULE},
    {"json", no_argument, NULL, OPT_JSON},
    {"list-objects", no_argument, NULL, OPT_LIST_OBJECTS},
    {"generate", required_argument, NULL, OPT_GENERATE},
    {"delete", no_argument, NULL, OPT_DELETE},
    {"import", required_argument, NULL, OPT_IMPORT},
    {"export", no_argument, NULL, OPT_EXPORT},
    {"kdf", required_argument, NULL, OPT_KDF},
    {"label", required_argument, NULL, 'L'},
    {"id", required_argument, NULL, OPT_ID},
    {"output", required_argument, NULL, 'o'},
    {"slot", required_argument, NULL, 'c'},
    {"so-pin", required_argument, NULL, 'S'},
    {"user-pin", required_argument, NULL, 'U'},
    {"new-pin", required_argument, NULL, 'n'},
    {NULL, 0, NULL, 0},
};

/* What the command line asked for beyond the actions. */
struct main_cmd {
	bool help;
	const char *help_topic;
	bool version;
};

static int main_usage_error(const char *fmt, ...) OS_PRINTF(1, 2);

static int main_usage_error(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	os_log(LOG_ERR, "%s", msg);
	fprintf(stderr, "Try 'pkcsconf --help' for more information.\n");
	return PCF_EXIT_USAGE;
}

static int main_parse_slot(struct pcf_opts *o, const char *arg)
{
	char *end;
	unsigned long v;

	if (o->have_slot)
		return main_usage_error("give a single slot with -c");
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || !isdigit((unsigned char)arg[0]))
		return main_usage_error("the slot must be a decimal number, not '%s'", arg);
	o->slot = v;
	o->have_slot = true;
	return PCF_EXIT_OK;
}

static int main_hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = (char)tolower((unsigned char)ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* Hexadecimal, optionally with a leading 0x and ':' between bytes. */
static int main_parse_id(struct pcf_opts *o, const char *arg)
{
	const char *p = arg;
	size_t n = 0;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	while (*p != '\0') {
		int hi = main_hex_digit(p[0]);
		int lo = hi < 0 ? -1 : main_hex_digit(p[1]);

		if (lo < 0 || n == PCF_ID_MAX)
			return main_usage_error("the ID must be up to 64 bytes in hexadecimal, not "
			                        "'%s'",
			                        arg);
		o->id[n++] = (unsigned char)(hi << 4 | lo);
		p += 2;
		if (*p == ':' && p[1] != '\0')
			p++;
	}
	if (n == 0)
		return main_usage_error("the ID must not be empty");
	o->id_len = n;
	o->have_id = true;
	return PCF_EXIT_OK;
}

static int main_action(struct pcf_opts *o, int opt)
{
	static const struct {
		int opt;
		unsigned action;
	} map[] = {
	    {'i', PCF_DO_INFO},          {'t', PCF_DO_TOKENS},
	    {'s', PCF_DO_SLOTS},         {'l', PCF_DO_LIST},
	    {'m', PCF_DO_MECHS},         {'I', PCF_DO_INIT_TOKEN},
	    {'u', PCF_DO_INIT_PIN},      {'p', PCF_DO_SET_PIN},
	    {'P', PCF_DO_SET_SO_PIN},    {OPT_LIST_OBJECTS, PCF_DO_LIST_OBJECTS},
	    {OPT_DELETE, PCF_DO_DELETE}, {OPT_EXPORT, PCF_DO_EXPORT},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (map[i].opt == opt) {
			o->actions |= map[i].action;
			return 1;
		}
	}
	return 0;
}

/* The option getopt_long() stopped at, as the user wrote it. */
static int main_bad_option(int opt, char **argv)
{
	const char *word = argv[optind - 1];

	if (opt == ':' && optopt > 0 && optopt < 256)
		return main_usage_error("option '-%c' needs an argument", optopt);
	if (opt == ':')
		return main_usage_error("option '%s' needs an argument", word);
	if (optopt > 0 && optopt < 256)
		return main_usage_error("unknown option '-%c'", optopt);
	return main_usage_error("unknown option '%s'", word);
}

static int main_option(struct pcf_opts *o, struct main_cmd *cmd, int opt, char *arg)
{
	if (main_action(o, opt))
		return PCF_EXIT_OK;
	switch (opt) {
	case 'c':
		return main_parse_slot(o, arg);
	case 'S':
		return pcf_pin_from_arg(&o->so_pin, arg, "the SO PIN");
	case 'U':
		return pcf_pin_from_arg(&o->user_pin, arg, "the user PIN");
	case 'n':
		return pcf_pin_from_arg(&o->new_pin, arg, "the new PIN");
	case 'L':
		o->label = arg;
		return PCF_EXIT_OK;
	case 'o':
		o->output_path = arg;
		return PCF_EXIT_OK;
	case OPT_ID:
		return main_parse_id(o, arg);
	case OPT_MODULE:
		o->module = arg;
		return PCF_EXIT_OK;
	case OPT_JSON:
		o->json = true;
		return PCF_EXIT_OK;
	case OPT_GENERATE:
		o->actions |= PCF_DO_GENERATE;
		o->keyspec = arg;
		return PCF_EXIT_OK;
	case OPT_KDF:
		return pcf_kdf_parse(o, arg);
	case OPT_IMPORT:
		o->actions |= PCF_DO_IMPORT;
		o->import_path = arg;
		return PCF_EXIT_OK;
	case 'h':
		cmd->help = true;
		cmd->help_topic = arg;
		return PCF_EXIT_OK;
	case OPT_VERSION:
		cmd->version = true;
		return PCF_EXIT_OK;
	default:
		return PCF_EXIT_USAGE; /* reported by main_parse */
	}
}

/* The number of bits set in v. */
static int main_count(unsigned v)
{
	return __builtin_popcount(v);
}

/* Which actions and options go together (see the top of this file). */
static int main_check(const struct pcf_opts *o)
{
	unsigned keys = o->actions & PCF_KEY_ACTIONS;
	unsigned pins = o->actions & (PCF_DO_INIT_PIN | PCF_DO_SET_PIN | PCF_DO_SET_SO_PIN);

	if (o->actions == 0)
		return main_usage_error(
		    "nothing to do: give an action such as -t or --list-objects");
	if (main_count(keys) > 1 || (keys && (o->actions & ~keys)))
		return main_usage_error("a key action (--list-objects, --generate, --delete, "
		                        "--import, --export) runs alone");
	if ((o->actions & PCF_DO_SET_KDF) && o->actions != PCF_DO_SET_KDF)
		return main_usage_error("--kdf runs alone");
	if (main_count(pins) > 1)
		return main_usage_error("-u, -p and -P cannot be combined");
	if (o->json && !(o->actions & (PCF_DISPLAY_ACTIONS | PCF_DO_LIST_OBJECTS)))
		return main_usage_error("--json goes with -i, -t, -s, -l, -m or --list-objects");
	if (o->json && (o->actions & PCF_TOKEN_ACTIONS))
		return main_usage_error("--json cannot be combined with -I, -u, -p or -P");
	if (o->output_path != NULL && !(keys & PCF_DO_EXPORT))
		return main_usage_error("-o goes with --export");
	if ((keys & (PCF_DO_GENERATE | PCF_DO_IMPORT)) && o->label == NULL)
		return main_usage_error("name the new object with --label");
	if ((keys & (PCF_DO_DELETE | PCF_DO_EXPORT)) && o->label == NULL && !o->have_id)
		return main_usage_error("say which objects with --label or --id");
	if (o->have_id && !keys)
		return main_usage_error("--id goes with a key action");
	if (o->label != NULL && !keys && !(o->actions & PCF_DO_INIT_TOKEN))
		return main_usage_error("-L/--label goes with -I or a key action");
	return PCF_EXIT_OK;
}

static int main_parse(int argc, char **argv, struct pcf_opts *o, struct main_cmd *cmd)
{
	int opt, ret;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, main_short, main_long, NULL)) != -1) {
		if (opt == '?' || opt == ':')
			return main_bad_option(opt, argv);
		ret = main_option(o, cmd, opt, optarg);
		if (ret != PCF_EXIT_OK)
			return ret;
	}
	if (cmd->help && cmd->help_topic == NULL && optind < argc)
		cmd->help_topic = argv[optind++];
	if (optind < argc)
		return main_usage_error("unexpected argument '%s'", argv[optind]);
	if (cmd->help || cmd->version)
		return PCF_EXIT_OK;
	return main_check(o);
}

static int main_run(struct pcf *c)
{
	int ret = pcf_module_load(c);

	if (ret == PCF_EXIT_OK && (c->opt.actions & PCF_DISPLAY_ACTIONS))
		ret = pcf_info_run(c);
	if (ret == PCF_EXIT_OK && (c->opt.actions & PCF_TOKEN_ACTIONS))
		ret = pcf_token_run(c);
	if (ret == PCF_EXIT_OK && (c->opt.actions & PCF_KEY_ACTIONS))
		ret = pcf_keys_run(c);
	if (ret == PCF_EXIT_OK && (c->opt.actions & PCF_DO_SET_KDF))
		ret = pcf_kdf_run(c);
	if (fflush(stdout) != 0 && ret == PCF_EXIT_OK)
		ret = os_log_fail(PCF_EXIT_USAGE, "cannot write the output: %s", strerror(errno));
	pcf_module_unload(c);
	return ret;
}

int main(int argc, char **argv)
{
	struct main_cmd cmd = {0};
	static struct pcf run;
	int ret;

	os_log_open("pkcsconf", OS_LOG_STDERR);
	ret = main_parse(argc, argv, &run.opt, &cmd);
	if (ret == PCF_EXIT_OK && cmd.help)
		ret = pcf_help_show(cmd.help_topic);
	else if (ret == PCF_EXIT_OK && cmd.version)
		printf("pkcsconf (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
	else if (ret == PCF_EXIT_OK)
		ret = main_run(&run);
	pcf_pin_clear(&run.opt.so_pin);
	pcf_pin_clear(&run.opt.user_pin);
	pcf_pin_clear(&run.opt.new_pin);
	return ret;
}
