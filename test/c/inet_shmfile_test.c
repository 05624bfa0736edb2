/*
 * inet_shmfile_test.c: shmif on a bus file (NetBSD's format) shared by kernels of two
 * processes: ARP and UDP across, the ring wrapping many times (3 MB through a 1 MiB ring),
 * two kernels of one process (two threads) on the same file, a bus file that another
 * process corrupted, a file that is not a bus (ENOEXEC), a directory (EISDIR).
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "tap.h"
#include "inet_util.h"

#define NFRAMES	1500
#define FRAMELEN 1000

static char busfile[256];

/* (declared by hand: <sys/wait.h> and <time.h> bring host values the kernel's headers
 * define as NetBSD's) */
extern pid_t waitpid(pid_t, int *, int);
#define EXITED_OK(st)	(((st) & 0xffff) == 0)

static void
nap(void)
{
	usleep(200);
}

/* Waits (at most ~20 s of real time) for a datagram on inp. */
static int
recv_wait(struct rumpus_kernel *k, struct inpcb *inp, void *buf, size_t *len,
    struct nb_sockaddr_in *from)
{
	size_t cap = *len;
	int e, i;

	for (i = 0; i < 100000; i++) {
		*len = cap;
		if ((e = ku_recv(k, inp, buf, len, from)) != EWOULDBLOCK)
			return e;
		nap();
	}
	return ETIMEDOUT;
}

/* The other process: a kernel at 10.77.0.2 echoing every datagram on port 7 until "quit". */
static int
echo_child(int readyfd)
{
	struct rumpus_kernel *k = ku_boot();
	struct nb_sockaddr_in from;
	struct inpcb *u;
	char buf[2048];
	size_t len;
	int e;

	if (k == NULL || ku_shmif(k, "shmif0", busfile) != 0 ||
	    ku_addr(k, "shmif0", "10.77.0.2", 24) != 0)
		return 2;
	if ((u = ku_socket(k, 2 /* SOCK_DGRAM */, 0, &e)) == NULL || ku_bind(k, u, "0.0.0.0", 7))
		return 3;
	if (write(readyfd, "r", 1) != 1)
		return 4;
	for (;;) {
		len = sizeof(buf);
		if ((e = recv_wait(k, u, buf, &len, &from)) != 0)
			return 5;
		if (len == 4 && memcmp(buf, "quit", 4) == 0)
			break;
		{
			struct kin ki;

			ku_enter(&ki, k);
			inp_send(u, buf, len, &from, sizeof(from));
			ku_leave(&ki);
		}
	}
	return 0;
}

struct peer {
	struct rumpus_kernel *k;
	struct inpcb *u;
	int n, good;
	unsigned seed;
};

/* One round trip with retries (the bus is lossy when a reader is lapped). */
static int
roundtrip(struct peer *p, const char *msg, size_t mlen)
{
	char buf[2048];
	size_t len;
	int try, i;

	for (try = 0; try < 20; try++) {
		if (ku_sendto(p->k, p->u, msg, mlen, "10.77.0.2", 7) != 0)
			continue;
		for (i = 0; i < 20000; i++) {
			len = sizeof(buf);
			if (ku_recv(p->k, p->u, buf, &len, NULL) == 0) {
				if (len == mlen && memcmp(buf, msg, mlen) == 0)
					return 0;
				continue;	/* a late echo of an earlier try */
			}
			nap();
		}
	}
	return ETIMEDOUT;
}

static void *
peer_run(void *arg)
{
	struct peer *p = arg;
	char msg[FRAMELEN];
	int i, j;

	for (i = 0; i < p->n; i++) {
		for (j = 0; j < FRAMELEN; j++)
			msg[j] = (char)(rand_r(&p->seed) & 0xff);
		memcpy(msg, &i, sizeof(i));
		if (roundtrip(p, msg, FRAMELEN) == 0)
			p->good++;
	}
	return NULL;
}

/* (stdio for host files: the kernel's headers define NetBSD's O_* and S_* values) */
static int
read_header(uint32_t *magic, uint32_t *version, uint64_t *gen)
{
	uint8_t h[32];
	FILE *f = fopen(busfile, "rb");
	size_t n;

	if (f == NULL)
		return -1;
	n = fread(h, 1, sizeof(h), f);
	fclose(f);
	if (n != sizeof(h))
		return -1;
	memcpy(magic, h, 4);
	memcpy(version, h + 4, 4);
	memcpy(gen, h + 8, 8);
	return 0;
}

int
main(void)
{
	struct rumpus_kernel *a, *c;
	struct peer pa, pc;
	pthread_t ta, tc;
	uint32_t magic = 0, version = 0, bad[2] = { 0xfffffff0, 0xfffffff0 };
	uint64_t gen = 0;
	char dir[] = "/tmp/rumpus-shmfile-XXXXXX", other[300];
	int pfd[2], st;
	FILE *f;
	pid_t pid;

	if (mkdtemp(dir) == NULL)
		return ok(0, "mkdtemp"), tap_done();
	snprintf(busfile, sizeof(busfile), "%s/bus", dir);
	if (pipe(pfd) != 0)
		return ok(0, "pipe"), tap_done();
	/* the child boots its own kernel: fork before this process has any */
	if ((pid = fork()) == 0) {
		close(pfd[0]);
		_exit(echo_child(pfd[1]));
	}
	close(pfd[1]);
	ok(read(pfd[0], &st, 1) == 1, "the other process's kernel is on the bus file");
	st = read_header(&magic, &version, &gen);
	ok(st == 0 && magic == 0xca11d054,
	    "the file has NetBSD's shmif magic (%#x)", magic);

	a = ku_boot();
	c = ku_boot();
	ok(a != NULL && c != NULL, "two kernels in this process");
	ok(ku_shmif(a, "shmif0", busfile) == 0 && ku_addr(a, "shmif0", "10.77.0.1", 24) == 0,
	    "A joins the bus file as 10.77.0.1");
	ok(ku_shmif(c, "shmif0", busfile) == 0 && ku_addr(c, "shmif0", "10.77.0.3", 24) == 0,
	    "C joins the same file as 10.77.0.3");
	pa = (struct peer){ .k = a, .n = 1, .seed = 1 };
	pa.u = ku_socket(a, 2, 0, NULL);
	pc = (struct peer){ .k = c, .n = 1, .seed = 2 };
	pc.u = ku_socket(c, 2, 0, NULL);
	ok(pa.u != NULL && pc.u != NULL && ku_bind(a, pa.u, "0.0.0.0", 5000) == 0 &&
	    ku_bind(c, pc.u, "0.0.0.0", 5000) == 0, "UDP sockets in A and C");
	peer_run(&pa);
	ok(pa.good == 1, "A -> other process -> A: ARP and a UDP echo across the bus file");

	/* both threads at once, 3 MB through the 1 MiB ring */
	pa.n = pc.n = NFRAMES;
	pa.good = pc.good = 0;
	pthread_create(&ta, NULL, peer_run, &pa);
	pthread_create(&tc, NULL, peer_run, &pc);
	pthread_join(ta, NULL);
	pthread_join(tc, NULL);
	ok(pa.good == NFRAMES && pc.good == NFRAMES,
	    "two threads, %d echoes of %d bytes each, all exact (%d, %d)", NFRAMES, FRAMELEN,
	    pa.good, pc.good);
	st = read_header(&magic, &version, &gen);
	ok(st == 0 && version == 3 && gen >= 4,
	    "the ring wrapped (generation %llu, version %u)", (unsigned long long)gen, version);

	/* another process scribbles over the ring's offsets: nobody crashes, traffic resumes */
	f = fopen(busfile, "r+b");
	ok(f != NULL && fseek(f, 16, SEEK_SET) == 0 && fwrite(bad, 4, 2, f) == 2 &&
	    fclose(f) == 0, "corrupt the first and last offsets");
	pa.n = 5, pa.good = 0;
	peer_run(&pa);
	ok(pa.good == 5, "after the corruption, echoes flow again (%d of 5)", pa.good);

	ku_sendto(a, pa.u, "quit", 4, "10.77.0.2", 7);
	ok(waitpid(pid, &st, 0) == pid && EXITED_OK(st),
	    "the other process ends cleanly (status %#x)", st);

	/* files that are not buses */
	snprintf(other, sizeof(other), "%s/notabus", dir);
	f = fopen(other, "wb");
	ok(f != NULL && fputs("not a bus file at all, no magic here", f) >= 0 && fclose(f) == 0,
	    "a file of text");
	ok(ku_shmif(a, "shmif1", other) == ENOEXEC, "SIOCSLINKSTR on it: ENOEXEC, as NetBSD");
	ok(ku_shmif(a, "shmif2", dir) == EISDIR, "on a directory: EISDIR");
	snprintf(other, sizeof(other), "%s/no/such/dir/bus", dir);
	ok(ku_shmif(a, "shmif3", other) == ENOENT, "in a missing directory: ENOENT");

	ku_close(a, pa.u);
	ku_close(c, pc.u);
	rumpus_kernel_destroy(a);
	rumpus_kernel_destroy(c);
	unlink(busfile);
	snprintf(other, sizeof(other), "%s/notabus", dir);
	unlink(other);
	rmdir(dir);
	return tap_done();
}
