/*
 * The bounded check of a swtpm's control channel (see tpm_swtpm.h).
 *
 * The TCTI string is tpm2-tss's: "swtpm:" then optional "host=<name>" and
 * "port=<n>" separated by commas (defaults localhost and 2321); the control
 * channel is at port + 1.  The check sends CMD_GET_CAPABILITY (a 32-bit
 * big-endian 1) and waits for the 4-byte result.
 */
#include "tpm_swtpm.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SWTPM_DEFAULT_HOST "localhost"
#define SWTPM_DEFAULT_PORT 2321
#define SWTPM_HOST_MAX     256

/* Host and control port from the TCTI string after "swtpm:"; -1 when malformed. */
static int swtpm_parse(const char *conf, char host[SWTPM_HOST_MAX], char port[8])
{
	long p = SWTPM_DEFAULT_PORT;

	snprintf(host, SWTPM_HOST_MAX, "%s", SWTPM_DEFAULT_HOST);
	while (*conf != '\0') {
		size_t len = strcspn(conf, ",");
		if (strncmp(conf, "host=", 5) == 0 && len > 5 && len - 5 < SWTPM_HOST_MAX) {
			snprintf(host, SWTPM_HOST_MAX, "%.*s", (int)(len - 5), conf + 5);
		} else if (strncmp(conf, "port=", 5) == 0) {
			char *end;
			errno = 0;
			p = strtol(conf + 5, &end, 10);
			if (errno != 0 || end != conf + len || p < 1 || p > 65534)
				return -1;
		} else {
			return -1;
		}
		conf += len;
		if (*conf == ',')
			conf++;
	}
	snprintf(port, 8, "%ld", p + 1);
	return 0;
}

static long long swtpm_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for events on fd until deadline; 1 ready, 0 timed out, -1 error. */
static int swtpm_wait(int fd, short events, long long deadline)
{
	for (;;) {
		long long left = deadline - swtpm_now_ms();
		struct pollfd pfd = {.fd = fd, .events = events};
		if (left <= 0)
			return 0;
		int r = poll(&pfd, 1, (int)left);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

/* A connected non-blocking socket, CKR_DEVICE_REMOVED or CKR_DEVICE_ERROR. */
static CK_RV swtpm_connect(const struct addrinfo *ai, long long deadline, int *out)
{
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int err = 0;
	socklen_t len = sizeof(err);

	if (fd < 0)
		return CKR_DEVICE_ERROR;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS)
		err = errno;
	else if (swtpm_wait(fd, POLLOUT, deadline) != 1)
		err = ETIMEDOUT;
	else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err != 0) {
		close(fd);
		return err == ETIMEDOUT ? CKR_DEVICE_ERROR : CKR_DEVICE_REMOVED;
	}
	*out = fd;
	return CKR_OK;
}

/* Sends CMD_GET_CAPABILITY and reads the 4-byte result before deadline. */
static CK_RV swtpm_ask(int fd, long long deadline)
{
	static const unsigned char cmd[4] = {0, 0, 0, 1};
	unsigned char res[4];
	size_t got = 0;

	if (send(fd, cmd, sizeof(cmd), MSG_NOSIGNAL) != (ssize_t)sizeof(cmd))
		return CKR_DEVICE_REMOVED;
	while (got < sizeof(res)) {
		if (swtpm_wait(fd, POLLIN, deadline) != 1)
			return CKR_DEVICE_ERROR;
		ssize_t n = recv(fd, res + got, sizeof(res) - got, 0);
		if (n <= 0 && !(n < 0 && (errno == EINTR || errno == EAGAIN)))
			return CKR_DEVICE_REMOVED;
		if (n > 0)
			got += (size_t)n;
	}
	return res[0] == 0 && res[1] == 0 && res[2] == 0 && res[3] == 0 ? CKR_OK : CKR_DEVICE_ERROR;
}

CK_RV tpm_swtpm_check(const struct tpm_opts *opts)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
	char host[SWTPM_HOST_MAX], port[8];
	long long deadline = swtpm_now_ms() + opts->timeout_ms;
	CK_RV rv;
	int fd;

	if (strncmp(opts->tcti, "swtpm:", 6) != 0 && strcmp(opts->tcti, "swtpm") != 0)
		return CKR_OK;
	if (swtpm_parse(opts->tcti[5] == ':' ? opts->tcti + 6 : "", host, port) < 0 ||
	    getaddrinfo(host, port, &hints, &ai) != 0)
		return CKR_DEVICE_ERROR;
	rv = swtpm_connect(ai, deadline, &fd);
	freeaddrinfo(ai);
	if (rv != CKR_OK)
		return rv;
	rv = swtpm_ask(fd, deadline);
	close(fd);
	return rv;
}
