/*
 * rumpus_server: NetBSD's rump_server for rumpus kernels.  Serves one kernel per URL
 * (our extension: a client picks its kernel by the URL it connects to), each with the
 * components named by -l (NetBSD library names, librumpnet_netinet -> net.netinet, or
 * our component names).  Without -s it goes to the background once every URL listens
 * (the foreground process exits 0 then, 1 if something failed); SIGTERM or SIGINT
 * removes the unix sockets and exits.  docs/netbsd.md, "Our sysproxy server".
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rump/rumpus.h"
#include "rump/rumpus_sp.h"

#define MAXCOMP 32
#define MAXURL  16

static void
usage(void)
{
	fprintf(stderr, "usage: rumpus_server [-s] [-c ncpu] [-r memlimit[k|m|g]] "
	    "[-l library]... url [url...]\n"
	    "  url: unix:///path or tcp://addr:port; one kernel per url\n");
	exit(1);
}

/* librumpnet_netinet(.so...) -> "net.netinet"; NULL for what every kernel has (librump,
 * librumpuser, librumpkern_sysproxy: we are the proxy).  Our own names pass through. */
static const char *
libcomp(const char *lib, char *buf, size_t len)
{
	const char *b = strrchr(lib, '/');
	char *p;

	b = b != NULL ? b + 1 : lib;
	if (strncmp(b, "librump", 7) != 0)
		return b;		/* a component name already */
	b += 7;
	if (snprintf(buf, len, "%s", b) >= (int)len)
		return NULL;
	if ((p = strstr(buf, ".so")) != NULL)
		*p = '\0';
	if (buf[0] == '\0' || strcmp(buf, "user") == 0 || strncmp(buf, "kern_", 5) == 0)
		return NULL;
	if ((p = strchr(buf, '_')) != NULL)
		*p = '.';
	return buf;
}

static int
parsemem(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		return EINVAL;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	if (*end != '\0')
		return EINVAL;
	*out = (size_t)v;
	return 0;
}

int
main(int argc, char **argv)
{
	static char names[MAXCOMP][64];
	const char *comps[MAXCOMP + 1];
	struct rumpus_config cfg;
	int ncomp = 0, fg = 0, ch, i, err, pfd[2] = { -1, -1 };
	sigset_t set;
	char ok = 1;

	memset(&cfg, 0, sizeof(cfg));
	while ((ch = getopt(argc, argv, "c:l:r:s")) != -1) {
		switch (ch) {
		case 'c':
			cfg.ncpu = (unsigned)atoi(optarg);
			if (cfg.ncpu < 1 || cfg.ncpu > 64) {
				fprintf(stderr, "rumpus_server: -c %s: 1 to 64 CPUs\n", optarg);
				return 1;
			}
			break;
		case 'l':
			if (ncomp == MAXCOMP)
				usage();
			if ((comps[ncomp] = libcomp(optarg, names[ncomp], sizeof(names[0]))) != NULL)
				ncomp++;
			break;
		case 'r':
			if (parsemem(optarg, &cfg.memlimit) != 0) {
				fprintf(stderr, "rumpus_server: -r %s: bytes, k, m or g\n", optarg);
				return 1;
			}
			break;
		case 's':
			fg = 1;
			break;
		default:
			usage();
		}
	}
	comps[ncomp] = NULL;
	if (optind >= argc || argc - optind > MAXURL)
		usage();

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	/* block before any thread starts, so every thread inherits the mask */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (!fg) {
		pid_t pid;

		if (pipe(pfd) == -1 || (pid = fork()) == -1) {
			perror("rumpus_server");
			return 1;
		}
		if (pid != 0) {	/* wait until the child listens */
			close(pfd[1]);
			if (read(pfd[0], &ok, 1) != 1)
				ok = 0;
			return ok ? 0 : 1;
		}
		close(pfd[0]);
		setsid();
	}
	for (i = optind; i < argc; i++) {
		struct rumpus_kernel *k = rumpus_kernel_create(comps, &cfg, &err);

		if (k == NULL) {
			fprintf(stderr, "rumpus_server: kernel for %s: %s (%s)\n", argv[i],
			    strerror(err), rumpus_error());
			return 1;
		}
		/* NetBSD's rump_server kernels have rump_init()'s RAISE model: a signal the
		 * kernel posts to a client's process (SIGPIPE) is raised in the client (a
		 * RAISE request), never in this server */
		(void)rumpus_kernel_sigmodel(k, 3);
		if ((err = rumpus_sp_listen(k, argv[i])) != 0) {
			fprintf(stderr, "rumpus_server: %s: cannot listen (NetBSD errno %d)\n",
			    argv[i], err);
			rumpus_kernel_destroy(k);	/* nothing serves it: no leak at exit */
			return 1;
		}
	}
	if (pfd[1] != -1) {
		int null = open("/dev/null", O_RDWR);

		if (write(pfd[1], &ok, 1) != 1)
			return 1;
		close(pfd[1]);
		/* in the background: let go of the terminal (or the caller's pipes) */
		if (null != -1) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			if (null > 2)
				close(null);
		}
	}
	sigwait(&set, &ch);
	for (i = optind; i < argc; i++)
		if (strncmp(argv[i], "unix://", 7) == 0)
			unlink(argv[i] + 7);
	return 0;
}
