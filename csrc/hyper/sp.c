/*
 * sp.c: the host side of the sysproxy server (csrc/sysproxy/): listening on a
 * unix:///path or tcp://addr:port URL, accepting, and whole-buffer reads and writes on
 * the connections.  Nothing here knows the wire format.  Every call returns 0 or a
 * NetBSD errno; a peer that went away is ENOTCONN, never SIGPIPE.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/random.h>
#include <sys/un.h>
#include <unistd.h>

#include "hyper/hyper.h"
#include "hyper/sp.h"

static int
parse_tcp(const char *a, struct sockaddr_in *sin)
{
	char host[64];
	const char *colon = strrchr(a, ':');
	char *end;
	unsigned long port;
	size_t n;

	if (colon == NULL || (n = (size_t)(colon - a)) == 0 || n >= sizeof(host))
		return hyp_errno(EINVAL);
	memcpy(host, a, n);
	host[n] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno != 0 || end == colon + 1 || (*end != '\0' && *end != '/') || port > 65535)
		return hyp_errno(EINVAL);
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	if (strcmp(host, "*") == 0 || strcmp(host, "0") == 0)
		sin->sin_addr.s_addr = htonl(INADDR_ANY);
	else if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		return hyp_errno(EINVAL);
	return 0;
}

int
hyp_sp_listen(const char *url, int *fdp)
{
	struct sockaddr_un sun;
	struct sockaddr_in sin;
	struct sockaddr *sa;
	socklen_t salen;
	int fd, one = 1, e;

	if (strncmp(url, "unix://", 7) == 0) {
		const char *path = url + 7;

		if (*path == '\0' || strlen(path) >= sizeof(sun.sun_path))
			return hyp_errno(strlen(path) == 0 ? EINVAL : ENAMETOOLONG);
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		strcpy(sun.sun_path, path);
		sa = (struct sockaddr *)&sun;
		salen = sizeof(sun);
	} else if (strncmp(url, "tcp://", 6) == 0) {
		if ((e = parse_tcp(url + 6, &sin)) != 0)
			return e;
		sa = (struct sockaddr *)&sin;
		salen = sizeof(sin);
	} else
		return hyp_errno(EINVAL);
	if ((fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return hyp_errno(errno);
	if (sa->sa_family == AF_INET)
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, sa, salen) == -1 || listen(fd, 64) == -1) {
		e = errno;
		close(fd);
		return hyp_errno(e);
	}
	*fdp = fd;
	return 0;
}

int
hyp_sp_accept(int lfd, int *fdp)
{
	int fd, one = 1;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd != -1)
			break;
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			/* out of descriptors or memory for now: wait, do not give up serving */
			(void)poll(NULL, 0, 100);
			continue;
		}
		return hyp_errno(errno);
	}
	/* requests and answers are small and strictly alternate: no Nagle delay */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	*fdp = fd;
	return 0;
}

/* Waits until fd is ready for events, at most ms milliseconds (-1: no limit). */
static int
sp_wait(int fd, short events, int ms)
{
	struct pollfd pfd = { fd, events, 0 };
	int r;

	if (ms < 0)
		return 0;
	while ((r = poll(&pfd, 1, ms)) == -1 && errno == EINTR)
		continue;
	if (r == 0)
		return hyp_errno(ETIMEDOUT);
	return r < 0 ? hyp_errno(errno) : 0;
}

int
hyp_sp_read(int fd, void *buf, size_t n, int ms)
{
	char *p = buf;
	ssize_t r;
	int e;

	while (n > 0) {
		if ((e = sp_wait(fd, POLLIN, ms)) != 0)
			return e;
		r = read(fd, p, n);
		if (r == 0)
			return hyp_errno(ENOTCONN);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return hyp_errno(errno);
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int
hyp_sp_write(int fd, const void *buf, size_t n, int ms)
{
	const char *p = buf;
	ssize_t r;
	int e;

	while (n > 0) {
		if ((e = sp_wait(fd, POLLOUT, ms)) != 0)
			return e;
		r = send(fd, p, n, MSG_NOSIGNAL);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return hyp_errno(errno == EPIPE ? ENOTCONN : errno);
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

void
hyp_sp_close(int fd)
{
	(void)close(fd);
}

void
hyp_sp_shutdown(int fd)
{
	(void)shutdown(fd, SHUT_RDWR);
}

int
hyp_sp_random(void *buf, size_t len)
{
	char *p = buf;

	while (len > 0) {
		ssize_t r = getrandom(p, len, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return hyp_errno(errno);
		}
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

void
hyp_sp_unlink(const char *url)
{
	if (strncmp(url, "unix://", 7) == 0)
		(void)unlink(url + 7);
}

int
hyp_sp_spawn(void *(*fn)(void *), void *arg)
{
	pthread_attr_t a;
	pthread_t t;
	int e;

	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	e = pthread_create(&t, &a, fn, arg);
	pthread_attr_destroy(&a);
	return hyp_errno(e);
}
