/*
 * PIN and label input for pkcsconf.
 *
 * On a terminal the prompt goes to stderr (stdout may carry an exported
 * key) and the PIN is read with echo turned off; a signal that ends the
 * program while echo is off turns it back on first.  When stdin is not a
 * terminal, each value is one line of stdin, in the order the manual page
 * lists, with no prompt and no confirmation, so scripts can pipe PINs in
 * without putting them on a command line.  A PIN buffer is wiped as soon
 * as it is no longer needed; no PIN is ever printed or logged.
 */
#include "pkcsconf.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* The terminal state to restore; valid while echo_off is set. */
static struct {
	struct termios saved;
	volatile sig_atomic_t echo_off;
} pin_tty;

static const int pin_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define PIN_NSIGNALS (sizeof(pin_signals) / sizeof(pin_signals[0]))

static void pin_restore_on_signal(int sig)
{
	if (pin_tty.echo_off)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &pin_tty.saved);
	pin_tty.echo_off = 0;
	signal(sig, SIG_DFL);
	raise(sig);
}

static void pin_set_handlers(void (*handler)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < PIN_NSIGNALS; i++)
		sigaction(pin_signals[i], &sa, NULL);
}

static int pin_echo_off(void)
{
	struct termios t;

	if (tcgetattr(STDIN_FILENO, &pin_tty.saved) < 0)
		return -1;
	t = pin_tty.saved;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK);
	t.c_lflag |= ECHONL;
	pin_set_handlers(pin_restore_on_signal);
	pin_tty.echo_off = 1;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) < 0) {
		pin_tty.echo_off = 0;
		pin_set_handlers(SIG_DFL);
		return -1;
	}
	return 0;
}

static void pin_echo_on(void)
{
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &pin_tty.saved);
	pin_tty.echo_off = 0;
	pin_set_handlers(SIG_DFL);
}

/*
 * Reads one line of at most max bytes into buf (size max + 1), without the
 * line end.  Returns 0, or an exit code after printing why not.
 */
static int pin_read_line(char *buf, size_t max, const char *what)
{
	char line[PCF_PIN_MAX + 3];
	size_t len;
	int c;

	if (max > PCF_PIN_MAX)
		max = PCF_PIN_MAX;
	if (fgets(line, (int)sizeof(line), stdin) == NULL)
		return os_log_fail(PCF_EXIT_USAGE, "no line for %s on standard input", what);
	len = strcspn(line, "\r\n");
	if (line[len] == '\0' && len == sizeof(line) - 1) {
		while ((c = getchar()) != EOF && c != '\n')
			;
		len = max + 1;
	}
	if (len > max) {
		explicit_bzero(line, sizeof(line));
		return os_log_fail(PCF_EXIT_USAGE, "%s is longer than %zu characters", what, max);
	}
	memcpy(buf, line, len);
	buf[len] = '\0';
	explicit_bzero(line, sizeof(line));
	return PCF_EXIT_OK;
}

/* Prompts for and reads one PIN from the terminal without echo. */
static int pin_read_tty(struct pcf_pin *pin, const char *prompt, const char *what)
{
	int ret;

	fprintf(stderr, "%s", prompt);
	fflush(stderr);
	if (pin_echo_off() < 0)
		return os_log_fail(PCF_EXIT_USAGE, "cannot turn off echo to read %s", what);
	ret = pin_read_line(pin->value, PCF_PIN_MAX, what);
	pin_echo_on();
	if (ret == PCF_EXIT_OK)
		pin->len = strlen(pin->value);
	return ret;
}

int pcf_pin_read(struct pcf_pin *pin, const char *what, bool confirm)
{
	struct pcf_pin again = {0};
	char prompt[128];
	int ret;

	if (!isatty(STDIN_FILENO)) {
		ret = pin_read_line(pin->value, PCF_PIN_MAX, what);
		pin->len = strlen(pin->value);
		pin->set = ret == PCF_EXIT_OK;
		return ret;
	}
	snprintf(prompt, sizeof(prompt), "Enter %s: ", what);
	ret = pin_read_tty(pin, prompt, what);
	if (ret == PCF_EXIT_OK && confirm) {
		snprintf(prompt, sizeof(prompt), "Re-enter %s: ", what);
		ret = pin_read_tty(&again, prompt, what);
		if (ret == PCF_EXIT_OK &&
		    (again.len != pin->len || memcmp(again.value, pin->value, pin->len) != 0))
			ret = os_log_fail(PCF_EXIT_USAGE, "the two entries of %s differ", what);
		pcf_pin_clear(&again);
	}
	if (ret != PCF_EXIT_OK)
		pcf_pin_clear(pin);
	pin->set = ret == PCF_EXIT_OK;
	return ret;
}

int pcf_pin_from_arg(struct pcf_pin *pin, char *arg, const char *what)
{
	size_t len = strlen(arg);

	if (pin->set)
		return os_log_fail(PCF_EXIT_USAGE, "%s is given twice", what);
	if (len > PCF_PIN_MAX)
		return os_log_fail(PCF_EXIT_USAGE, "%s is longer than %d characters", what,
		                   PCF_PIN_MAX);
	memcpy(pin->value, arg, len + 1);
	pin->len = len;
	pin->set = true;
	/* keep the PIN out of later reads of /proc/<pid>/cmdline */
	memset(arg, '*', len);
	return PCF_EXIT_OK;
}

void pcf_pin_clear(struct pcf_pin *pin)
{
	explicit_bzero(pin, sizeof(*pin));
}

int pcf_input_line(char *buf, size_t size, const char *what)
{
	if (size < 2)
		return PCF_EXIT_USAGE;
	if (isatty(STDIN_FILENO)) {
		fprintf(stderr, "Enter %s: ", what);
		fflush(stderr);
	}
	return pin_read_line(buf, size - 1, what);
}
