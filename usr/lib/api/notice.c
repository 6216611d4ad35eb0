/*
 * Problems a person must act on (slotd not running, this user refused by
 * its socket, an impostor on the socket, a token's files damaged) are told
 * to syslog as well as answered as PKCS#11 errors: one line naming the
 * cause and its fix, at LOG_USER | LOG_ERR, beginning "openslot: ".
 *
 * Each cause is told once per process, however often the call that meets
 * it is repeated (an application retrying C_Initialize in a loop must not
 * flood the log); a forked child starts afresh.  The library never calls
 * openlog(): the ident and options are the application's.
 */
#include "notice.h"

#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "api.h"
#include "p11names.h"

/* The systemd unit that runs slotd (etc/slotd.service.in). */
#define NOTICE_UNIT "slotd.service"

static struct {
	pthread_mutex_t lock;
	pid_t pid; /* the process the flags are for */
	bool told[API_NOTICE_COUNT];
} notice = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* True the first time cause comes up in this process. */
static bool notice_first(enum api_notice_cause cause)
{
	bool first;

	pthread_mutex_lock(&notice.lock);
	if (notice.pid != getpid()) {
		memset(notice.told, 0, sizeof(notice.told));
		notice.pid = getpid();
	}
	first = !notice.told[cause];
	notice.told[cause] = true;
	pthread_mutex_unlock(&notice.lock);
	return first;
}

void api_notice(enum api_notice_cause cause, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	if (!notice_first(cause))
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	syslog(LOG_USER | LOG_ERR, "openslot: %s", text);
}

static const char *notice_user(char *buf, size_t len)
{
	struct passwd pw, *res = NULL;
	char pwbuf[1024];

	if (getpwuid_r(geteuid(), &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res)
		snprintf(buf, len, "%s", res->pw_name);
	else
		snprintf(buf, len, "%ld", (long)geteuid());
	return buf;
}

/* True when this process has group name among its groups. */
static bool notice_in_group(const char *name)
{
	struct group gr, *res = NULL;
	char buf[4096];
	gid_t groups[256];
	int n;

	if (getgrnam_r(name, &gr, buf, sizeof(buf), &res) != 0 || !res)
		return false;
	if (getegid() == res->gr_gid)
		return true;
	n = getgroups(sizeof(groups) / sizeof(groups[0]), groups);
	for (int i = 0; i < n; i++)
		if (groups[i] == res->gr_gid)
			return true;
	return false;
}

/* The socket refused this user: not in the group, or the modes are wrong. */
static void notice_denied(const char *path, int err)
{
	const char *group =
	    api_state.conf && api_state.conf->group ? api_state.conf->group : "pkcs11";
	char user[64];

	notice_user(user, sizeof(user));
	if (!notice_in_group(group))
		api_notice(API_NOTICE_DENIED,
		           "user %s may not connect to slotd at %s: %s; this process is not in "
		           "group %s: add the user with 'usermod -aG %s %s' and log in again",
		           user, path, strerror(err), group, group, user);
	else
		api_notice(API_NOTICE_DENIED,
		           "user %s may not connect to slotd at %s: %s, although in group %s; "
		           "restart slotd, which sets the modes of its directories, with "
		           "'systemctl restart %s'",
		           user, path, strerror(err), group, NOTICE_UNIT);
}

void api_notice_connect(const struct os_client *cl, const char *path, const char *err)
{
	switch (cl->failure) {
	case OS_CLIENT_FAIL_ABSENT:
		api_notice(API_NOTICE_SLOTD_ABSENT,
		           "cannot reach slotd at %s: %s; start it with 'systemctl start %s'", path,
		           strerror(cl->failure_errno), NOTICE_UNIT);
		break;
	case OS_CLIENT_FAIL_DENIED:
		notice_denied(path, cl->failure_errno);
		break;
	case OS_CLIENT_FAIL_PEER:
		api_notice(API_NOTICE_IMPOSTOR,
		           "%s; stop the program listening there and start slotd with "
		           "'systemctl start %s'",
		           err, NOTICE_UNIT);
		break;
	default:
		api_notice(API_NOTICE_INIT, "%s", err);
		break;
	}
}

void api_notice_token(const char *token, const char *dir, const char *err)
{
	api_notice(API_NOTICE_TOKEN,
	           "token '%s' at %s cannot be read: %s; check that slotd's user owns its files, "
	           "or restore them from a backup",
	           token, dir, err);
}

void api_notice_damaged_object(void *arg, uint64_t id, CK_RV rv)
{
	const struct api_slot *slot = arg;
	char rvbuf[OS_P11_STR_LEN];

	api_notice(API_NOTICE_TOKEN,
	           "token '%s' at %s: object %016llx is damaged (%s) and was skipped; restore "
	           "%s/TOK_OBJ from a backup",
	           slot->info.token, slot->data_dir, (unsigned long long)id,
	           os_p11_rv_str(rv, rvbuf, sizeof(rvbuf)), slot->data_dir);
}
