/*
 * net_unix_test.c: AF_UNIX (net.local): names (bind, EADDRINUSE, getsockname), connect
 * errors (ENOENT, ECONNREFUSED, EPROTOTYPE), listen/connect/accept between two processes
 * of one kernel, descriptor passing between processes, EPIPE and EOF on a closed peer,
 * datagrams with sender addresses, seqpacket records, descriptors in flight freed when
 * never received (also in a cycle), a blocking accept woken by another host thread, and
 * 1000 boot/destroy cycles with sockets open and nothing leaked.
 */
#include <pthread.h>
#include <unistd.h>

#include "tap.h"
#include "net_sock_nb.h"

static int
mksock(int type, const char *path)
{
	struct nb_sockaddr_un sun;
	int s = rump_sys_socket(NB_AF_LOCAL, type, 0);
	socklen_t len = nb_sun(&sun, path);

	if (s >= 0 && path != NULL && rump_sys_bind(s, (struct sockaddr *)&sun, len) != 0) {
		rump_sys_close(s);
		return -1;
	}
	return s;
}

static int
connect_to(int s, const char *path)
{
	struct nb_sockaddr_un sun;
	socklen_t len = nb_sun(&sun, path);

	return rump_sys_connect(s, (struct sockaddr *)&sun, len);
}

static void
test_names(void)
{
	struct rumpus_kernel *k = nb_boot("net.local", NULL);
	struct nb_sockaddr_un sun, got;
	socklen_t len;
	int a, b, c, d;

	a = mksock(NB_SOCK_STREAM, "/tmp/a.sock");
	ok(a >= 0, "bind a stream socket to /tmp/a.sock");
	len = sizeof(got);
	memset(&got, 0, sizeof(got));
	ok(rump_sys_getsockname(a, (struct sockaddr *)&got, &len) == 0 &&
	    got.sun_family == NB_AF_LOCAL && strcmp(got.sun_path, "/tmp/a.sock") == 0 &&
	    len == got.sun_len, "getsockname gives the path back (len %u)", (unsigned)len);
	b = rump_sys_socket(NB_AF_LOCAL, NB_SOCK_STREAM, 0);
	len = nb_sun(&sun, "/tmp/a.sock");
	ok(ERRNO_IS(rump_sys_bind(b, (struct sockaddr *)&sun, len), NB_EADDRINUSE),
	    "a second bind to the same path is EADDRINUSE");
	len = nb_sun(&sun, "/tmp/other");
	ok(ERRNO_IS(rump_sys_bind(a, (struct sockaddr *)&sun, len), NB_EINVAL),
	    "binding a bound socket again is EINVAL");
	len = sizeof(got);
	memset(&got, 0x7f, sizeof(got));
	ok(rump_sys_getsockname(b, (struct sockaddr *)&got, &len) == 0 && len == 106 &&
	    got.sun_len == 106 && got.sun_family == NB_AF_LOCAL && got.sun_path[0] == 0 &&
	    memcmp(got.sun_path, (char[104]){ 0 }, 104) == 0,
	    "an unbound socket's name is NetBSD's sun_noname: sun_len 106, an empty path "
	    "(len %u)", (unsigned)len);
	len = 16;
	ok(rump_sys_getsockname(b, (struct sockaddr *)&got, &len) == 0 && len == 16,
	    "into 16 bytes: 16 copied, as NetBSD truncates");
	len = 3;
	memset(&got, 0x7f, sizeof(got));
	ok(rump_sys_getsockname(a, (struct sockaddr *)&got, &len) == 0 && len == 3 &&
	    got.sun_path[1] == 0x7f, "getsockname into 3 bytes copies 3 and says 3");

	ok(ERRNO_IS(connect_to(b, "/tmp/nobody"), NB_ENOENT), "connect to an unbound path is ENOENT");
	ok(ERRNO_IS(connect_to(b, "/tmp/a.sock"), NB_ECONNREFUSED),
	    "connect to a bound socket that does not listen is ECONNREFUSED");
	c = mksock(NB_SOCK_DGRAM, "/tmp/d.sock");
	ok(ERRNO_IS(connect_to(b, "/tmp/d.sock"), NB_EPROTOTYPE),
	    "a stream connect to a datagram socket is EPROTOTYPE");
	len = nb_sun(&sun, "");
	ok(ERRNO_IS(rump_sys_bind(b, (struct sockaddr *)&sun, 2), NB_ENOENT),
	    "bind to an empty path is ENOENT");

	ok(rump_sys_close(a) == 0, "close the bound socket");
	d = mksock(NB_SOCK_STREAM, "/tmp/a.sock");
	ok(d >= 0, "without vfs the name is free again after close (in-kernel name table)");
	rump_sys_close(b);
	rump_sys_close(c);
	rump_sys_close(d);
	nb_halt(k);
}

/* Two processes of one kernel: a server process listens, a client process connects;
 * the client then passes a descriptor to the server. */
static void
test_processes(void)
{
	struct rumpus_kernel *k = nb_boot("net.local", NULL);
	struct lwp *srv, *cli;
	struct nb_sockaddr_un peer;
	socklen_t len;
	int ls, cs, as, sp[2], fds[4], n, flags;
	char buf[32];

	ok(rump_pub_lwproc_rfork(NB_RFCFDG) == 0, "fork the server process");
	srv = rump_pub_lwproc_curlwp();
	ls = mksock(NB_SOCK_STREAM, "/srv.sock");
	ok(ls >= 0 && rump_sys_listen(ls, 4) == 0, "server: bind and listen");
	{
		int v;
		socklen_t vl = sizeof(v);
		ok(rump_sys_getsockopt(ls, NB_SOL_SOCKET, NB_SO_ACCEPTCONN, &v, &vl) == 0 && v == 1,
		    "SO_ACCEPTCONN is 1 on a listener");
	}
	rump_pub_lwproc_switch(NULL);
	ok(rump_pub_lwproc_rfork(NB_RFCFDG) == 0, "fork the client process");
	cli = rump_pub_lwproc_curlwp();
	cs = rump_sys_socket(NB_AF_LOCAL, NB_SOCK_STREAM, 0);
	ok(connect_to(cs, "/srv.sock") == 0, "client: connect (completes before accept)");
	ok(rump_sys_write(cs, "ping", 4) == 4, "client: write before the server accepted");
	len = sizeof(peer);
	ok(rump_sys_getpeername(cs, (struct sockaddr *)&peer, &len) == 0 &&
	    strcmp(peer.sun_path, "/srv.sock") == 0, "client: getpeername is the server's path");

	rump_pub_lwproc_switch(srv);
	len = sizeof(peer);
	as = rump_sys_accept(ls, (struct sockaddr *)&peer, &len);
	ok(as >= 0, "server: accept");
	ok(len == 106 && peer.sun_family == NB_AF_LOCAL && peer.sun_path[0] == 0,
	    "accept: the unbound client's address is sun_noname");
	memset(buf, 0, sizeof(buf));
	ok(rump_sys_read(as, buf, sizeof(buf)) == 4 && strcmp(buf, "ping") == 0,
	    "server: reads what the client wrote");
	ok(rump_sys_write(as, "pong", 4) == 4, "server: answers");
	{
		int on = 1;
		ok(rump_sys_ioctl(ls, NB_FIONBIO, &on) == 0 &&
		    ERRNO_IS(rump_sys_accept(ls, NULL, NULL), NB_EAGAIN),
		    "accept on a non-blocking listener with nobody waiting is EAGAIN");
	}

	rump_pub_lwproc_switch(cli);
	memset(buf, 0, sizeof(buf));
	ok(rump_sys_read(cs, buf, sizeof(buf)) == 4 && strcmp(buf, "pong") == 0,
	    "client: reads the answer");
	/* pass one end of a fresh socketpair to the server, keep the other */
	ok(rump_sys_socketpair(NB_AF_LOCAL, NB_SOCK_STREAM, 0, sp) == 0, "client: socketpair");
	ok(nb_sendfds(cs, &sp[1], 1) == 1, "client: sendmsg with SCM_RIGHTS");
	ok(rump_sys_close(sp[1]) == 0, "client: closes its copy of the passed end");

	rump_pub_lwproc_switch(srv);
	n = nb_recvfds(as, fds, 4, NB_CMSG_SPACE(4), NB_MSG_CMSG_CLOEXEC, &flags);
	ok(n == 1 && fds[0] >= 0 && !(flags & NB_MSG_CTRUNC),
	    "server: recvmsg gets one descriptor (%d)", n > 0 ? fds[0] : -1);
	ok(rump_sys_fcntl(fds[0], NB_F_GETFD) == 1, "MSG_CMSG_CLOEXEC marks it close-on-exec");
	ok(rump_sys_write(fds[0], "via", 3) == 3, "server: writes through the received descriptor");

	rump_pub_lwproc_switch(cli);
	memset(buf, 0, sizeof(buf));
	ok(rump_sys_read(sp[0], buf, sizeof(buf)) == 3 && strcmp(buf, "via") == 0,
	    "client: the data arrives at its end of the pair");

	/* the server process exits: its sockets close */
	rump_pub_lwproc_switch(srv);
	rump_pub_lwproc_releaselwp();
	rump_pub_lwproc_switch(cli);
	ok(rump_sys_read(cs, buf, sizeof(buf)) == 0, "client: EOF after the server process exited");
	ok(ERRNO_IS(rump_sys_write(cs, "x", 1), NB_EPIPE), "client: write to a closed peer is EPIPE");
	ok(rump_sys_read(sp[0], buf, sizeof(buf)) == 0,
	    "client: the passed end was closed with the server (EOF)");
	ok(ERRNO_IS(connect_to(rump_sys_socket(NB_AF_LOCAL, NB_SOCK_STREAM, 0), "/srv.sock"),
	    NB_ENOENT), "the listener's name went with it");
	rump_pub_lwproc_releaselwp();
	nb_halt(k);
}

static void
test_dgram(void)
{
	struct rumpus_kernel *k = nb_boot("net.local", NULL);
	struct nb_sockaddr_un to, from;
	socklen_t len, tolen;
	char buf[4096];
	int r, s, u, i;

	r = mksock(NB_SOCK_DGRAM, "/r");
	s = mksock(NB_SOCK_DGRAM, "/s");
	u = rump_sys_socket(NB_AF_LOCAL, NB_SOCK_DGRAM, 0);
	tolen = nb_sun(&to, "/r");
	ok(rump_sys_sendto(s, "hi", 2, 0, (struct sockaddr *)&to, tolen) == 2, "sendto /r");
	len = sizeof(from);
	memset(&from, 0, sizeof(from));
	ok(rump_sys_recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len) == 2 &&
	    strcmp(from.sun_path, "/s") == 0, "recvfrom names the bound sender /s");
	ok(rump_sys_sendto(u, "yo", 2, 0, (struct sockaddr *)&to, tolen) == 2, "unbound sender");
	len = sizeof(from);
	ok(rump_sys_recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len) == 2 &&
	    len == 106 && from.sun_len == 106 && from.sun_path[0] == 0,
	    "its address is the empty one (sun_noname)");
	ok(connect_to(u, "/r") == 0, "connect the datagram socket to /r");
	ok(ERRNO_IS(rump_sys_sendto(u, "x", 1, 0, (struct sockaddr *)&to, tolen), NB_EISCONN),
	    "sendto with an address on a connected datagram socket is EISCONN");
	ok(rump_sys_send(u, "abc", 3, 0) == 3 && rump_sys_recv(r, buf, 10, 0) == 3,
	    "send without an address goes to the connected peer");
	memset(buf, 0, sizeof(buf));
	for (i = 0; i < 100; i++)
		if (rump_sys_send(u, buf, 2000, 0) != 2000)
			break;
	ok(i < 100 && errno == NB_ENOBUFS, "a full receiver gives ENOBUFS after %d datagrams", i);
	ok(rump_sys_close(r) == 0, "close the receiver");
	ok(ERRNO_IS(rump_sys_send(u, "x", 1, 0), NB_ECONNRESET),
	    "the connected sender gets ECONNRESET once");
	ok(ERRNO_IS(rump_sys_send(u, "x", 1, 0), NB_EDESTADDRREQ), "then it is unconnected");
	rump_sys_close(s);
	rump_sys_close(u);
	nb_halt(k);
}

static void
test_seqpacket(void)
{
	struct rumpus_kernel *k = nb_boot("net.local", NULL);
	char buf[64];
	struct nb_iovec_t iov = { buf, 3 };
	struct nb_msghdr_t m = { NULL, 0, &iov, 1, NULL, 0, 0 };
	int sv[2], ls, cs, as = -1;

	ok(rump_sys_socketpair(NB_AF_LOCAL, NB_SOCK_SEQPACKET, 0, sv) == 0, "socketpair seqpacket");
	ok(rump_sys_send(sv[0], "first", 5, 0) == 5 && rump_sys_send(sv[0], "second", 6, 0) == 6,
	    "two records");
	ok(rump_sys_recvmsg(sv[1], (struct msghdr *)&m, 0) == 3 && (m.msg_flags & NB_MSG_TRUNC) &&
	    (m.msg_flags & NB_MSG_EOR), "a record into 3 bytes: MSG_TRUNC and MSG_EOR");
	ok(rump_sys_recv(sv[1], buf, sizeof(buf), 0) == 6 && memcmp(buf, "second", 6) == 0,
	    "the next read is the next record, whole");
	rump_sys_close(sv[0]);
	ok(rump_sys_recv(sv[1], buf, sizeof(buf), 0) == 0, "EOF after the peer closed");
	rump_sys_close(sv[1]);

	ls = mksock(NB_SOCK_SEQPACKET, "/sp");
	ok(rump_sys_listen(ls, 1) == 0, "seqpacket listen");
	cs = rump_sys_socket(NB_AF_LOCAL, NB_SOCK_SEQPACKET, 0);
	ok(connect_to(cs, "/sp") == 0 && (as = rump_sys_accept(ls, NULL, NULL)) >= 0,
	    "seqpacket connect and accept");
	ok(rump_sys_send(cs, "rec", 3, 0) == 3 && rump_sys_recv(as, buf, sizeof(buf), 0) == 3,
	    "a record across the connection");
	rump_sys_close(cs);
	rump_sys_close(as);
	rump_sys_close(ls);
	nb_halt(k);
}

static void
test_inflight(void)
{
	struct rumpus_kernel *k = nb_boot("net.local", NULL);
	struct rumpus_memstats m0, m1;
	size_t base;
	int sv[2], p[2], q[2], fds[4], flags, n;
	char c;

	/* grow the descriptor table first, so that its size does not count below */
	for (n = 0; n < 5; n++)
		rump_sys_socketpair(NB_AF_LOCAL, NB_SOCK_STREAM, 0, &fds[0]), (void)0;
	for (n = 0; n < 10; n++)
		rump_sys_close(n);
	base = rumpus_kernel_memused(k);
	rump_sys_socketpair(NB_AF_LOCAL, NB_SOCK_STREAM, 0, sv);
	rump_sys_socketpair(NB_AF_LOCAL, NB_SOCK_STREAM, 0, p);
	ok(nb_sendfds(sv[0], p, 2) == 1, "send both ends of a pair");
	rump_sys_close(p[0]);
	rump_sys_close(p[1]);
	ok(rumpus_kernel_memused(k) > base, "the pair lives on in flight");
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
	ok(rumpus_kernel_memused(k) == base,
	    "closing the carrier frees the descriptors it held (%zu -> %zu bytes)", base,
	    rumpus_kernel_memused(k));

	/* truncated control: what does not fit is closed */
	rump_sys_socketpair(NB_AF_LOCAL, NB_SOCK_STREAM, 0, sv);
	rump_sys_socketpair(NB_AF_LOCAL, NB_SOCK_STREAM, 0, p);
	rump_sys_socketpair(NB_AF_LOCAL, NB_SOCK_STREAM, 0, q);
	fds[0] = p[1];
	fds[1] = q[1];
	nb_sendfds(sv[0], fds, 2);
	rump_sys_close(p[1]);
	rump_sys_close(q[1]);
	n = nb_recvfds(sv[1], fds, 4, NB_CMSG_LEN(4), 0, &flags);
	ok(n == 1 && (flags & NB_MSG_CTRUNC), "room for one descriptor: one received, MSG_CTRUNC");
	ok(rump_sys_read(q[0], &c, 1) == 0, "the one that did not fit was closed (peer sees EOF)");
	ok(rump_sys_write(fds[0], "k", 1) == 1 && rump_sys_read(p[0], &c, 1) == 1 && c == 'k',
	    "the received one works");
	rump_sys_close(fds[0]);
	rump_sys_close(p[0]);
	rump_sys_close(q[0]);
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
	ok(rumpus_kernel_memused(k) == base, "all freed again");

	/* a cycle: each end of a pair sent into itself, then closed */
	rump_sys_socketpair(NB_AF_LOCAL, NB_SOCK_STREAM, 0, sv);
	ok(nb_sendfds(sv[0], &sv[1], 1) == 1 && nb_sendfds(sv[1], &sv[0], 1) == 1,
	    "each end sent over the other");
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
	ok(rumpus_kernel_memused(k) == base,
	    "the cycle is collected at the last close (unp_gc), not kept until destroy");
	nb_halt(k);
	rumpus_memstats(&m1);
	ok(m1.leaked == 0, "destroying the kernel collects the cycle: nothing leaked");
	(void)m0;
}

static void
test_waitall(void)
{
	struct rumpus_kernel *k = nb_boot("net.local", NULL);
	int sv[2], p[2], fds[2], flags;
	char buf[16];

	rump_sys_socketpair(NB_AF_LOCAL, NB_SOCK_STREAM, 0, sv);
	rump_sys_socketpair(NB_AF_LOCAL, NB_SOCK_STREAM, 0, p);
	rump_sys_write(sv[0], "ab", 2);
	nb_sendfds(sv[0], &p[0], 1);
	ok(rump_sys_recv(sv[1], buf, sizeof(buf), NB_MSG_WAITALL) == 2,
	    "MSG_WAITALL stops before data that carries control");
	ok(nb_recvfds(sv[1], fds, 2, NB_CMSG_SPACE(4), 0, &flags) == 1,
	    "the next read starts with the control");
	rump_sys_close(fds[0]);
	rump_sys_write(sv[0], "cde", 3);
	rump_sys_shutdown(sv[0], NB_SHUT_WR);
	ok(rump_sys_recv(sv[1], buf, sizeof(buf), NB_MSG_WAITALL) == 3,
	    "MSG_WAITALL returns what there is at EOF");
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);
	rump_sys_close(p[0]);
	rump_sys_close(p[1]);
	nb_halt(k);
}

static int
have_component(const char *name)
{
	const char *n;
	int i;

	for (i = 0; (n = rumpus_component_name(i)) != NULL; i++)
		if (strcmp(n, name) == 0)
			return 1;
	return 0;
}

#define NB_O_RDWR 2
#define NB_O_CREAT 0x200

/* Names in the kernel's file system (needs the vfs component). */
static void
test_vfs_names(void)
{
	struct rumpus_kernel *k;
	struct lwp *child;
	unsigned char st[152];
	uint32_t mode;
	int a, b, c, f;

	if (!have_component("vfs")) {
		skip("the vfs component is not built in this tree", "AF_UNIX names in the file system");
		return;
	}
	k = nb_boot("net.local", "vfs");
	ok(rump_sys_mkdir("/run", 0755) == 0, "mkdir /run");
	a = mksock(NB_SOCK_STREAM, "/run/s");
	ok(a >= 0 && rump_sys_listen(a, 2) == 0, "bind /run/s and listen");
	ok(rump_sys_stat("/run/s", (struct stat *)st) == 0, "the socket is a file: stat works");
	memcpy(&mode, st + 8, 4);
	ok((mode & 0170000) == NB_S_IFSOCK, "its type is S_IFSOCK (0%o)", mode);
	ok(ERRNO_IS(rump_sys_open("/run/s", NB_O_RDWR, 0), NB_EOPNOTSUPP),
	    "open() of a socket node is EOPNOTSUPP");
	b = rump_sys_socket(NB_AF_LOCAL, NB_SOCK_STREAM, 0);
	ok(connect_to(b, "/run/s") == 0, "connect through the file system");
	c = mksock(NB_SOCK_STREAM, "/run/s");
	ok(c == -1 && errno == NB_EADDRINUSE, "bind to an existing node is EADDRINUSE");
	ok(rump_sys_chdir("/run") == 0 && connect_to(rump_sys_socket(NB_AF_LOCAL,
	    NB_SOCK_STREAM, 0), "s") == 0, "a relative path from the current directory");
	ok(ERRNO_IS(connect_to(b, "/run/s"), NB_EISCONN), "a connected socket refuses another connect");
	rump_sys_close(a);
	ok(rump_sys_stat("/run/s", (struct stat *)st) == 0, "the node outlives the socket");
	c = rump_sys_socket(NB_AF_LOCAL, NB_SOCK_STREAM, 0);
	ok(ERRNO_IS(connect_to(c, "/run/s"), NB_ECONNREFUSED),
	    "connect to a node without a socket is ECONNREFUSED");
	ok(rump_sys_unlink("/run/s") == 0 && ERRNO_IS(connect_to(c, "/run/s"), NB_ENOENT),
	    "after unlink: ENOENT");
	a = mksock(NB_SOCK_STREAM, "/run/s");
	ok(a >= 0, "the name can be bound again after unlink");
	f = rump_sys_open("/run/file", NB_O_RDWR | NB_O_CREAT, 0644);
	ok(f >= 0 && ERRNO_IS(connect_to(c, "/run/file"), NB_ENOTSOCK),
	    "connect to a regular file is ENOTSOCK");
	ok(ERRNO_IS(connect_to(c, "/nodir/x"), NB_ENOENT), "a missing directory is ENOENT");
	ok(ERRNO_IS(mksock(NB_SOCK_STREAM, "/nodir/x"), NB_ENOENT), "bind in a missing directory is ENOENT");

	/* an unprivileged process cannot bind in a directory it may not write */
	ok(rump_pub_lwproc_rfork(NB_RFFDG) == 0, "fork a process");
	child = rump_pub_lwproc_curlwp();
	ok(rump_sys_setuid(1000) == 0, "it becomes uid 1000");
	ok(ERRNO_IS(mksock(NB_SOCK_STREAM, "/run/t"), 13 /* EACCES */),
	    "bind in a root-owned 0755 directory is EACCES");
	rump_pub_lwproc_releaselwp();
	(void)child;
	rump_sys_close(a);
	rump_sys_close(b);
	rump_sys_close(c);
	rump_sys_close(f);

	/* a bound socket in flight when the kernel goes: components torn down in any order */
	{
		int sv[2], s2 = mksock(NB_SOCK_DGRAM, "/run/d");
		rump_sys_socketpair(NB_AF_LOCAL, NB_SOCK_STREAM, 0, sv);
		ok(nb_sendfds(sv[0], &s2, 1) == 1 && rump_sys_close(s2) == 0,
		    "a bound socket is left in flight");
	}
	nb_halt(k);
	k = nb_boot("vfs", "net.local");
	{
		int sv[2], s2 = mksock(NB_SOCK_DGRAM, "/d");
		rump_sys_socketpair(NB_AF_LOCAL, NB_SOCK_STREAM, 0, sv);
		nb_sendfds(sv[0], &s2, 1);
		rump_sys_close(s2);
	}
	nb_halt(k);
	{
		struct rumpus_memstats m;
		rumpus_memstats(&m);
		ok(m.leaked == 0, "both component orders destroy cleanly (leaked %llu)",
		    (unsigned long long)m.leaked);
	}
}

struct acceptor {
	struct rumpus_kernel *k;
	int ls, fd;
};

static void *
accept_thread(void *arg)
{
	struct acceptor *a = arg;

	rumpus_kernel_switch(a->k);
	a->fd = rump_sys_accept(a->ls, NULL, NULL);
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void
test_accept_wakeup(void)
{
	struct rumpus_kernel *k = nb_boot("net.local", NULL);
	struct acceptor a;
	pthread_t t;
	int cs;
	char buf[4];

	a.k = k;
	a.ls = mksock(NB_SOCK_STREAM, "/w");
	a.fd = -2;
	rump_sys_listen(a.ls, 1);
	pthread_create(&t, NULL, accept_thread, &a);
	usleep(20000);	/* let it block; the result does not depend on it */
	cs = rump_sys_socket(NB_AF_LOCAL, NB_SOCK_STREAM, 0);
	ok(connect_to(cs, "/w") == 0, "main thread connects");
	pthread_join(t, NULL);
	ok(a.fd >= 0, "a thread blocked in accept gets the connection (fd %d)", a.fd);
	ok(rump_sys_write(cs, "ok", 2) == 2 && rump_sys_read(a.fd, buf, 4) == 2,
	    "and data flows over it");
	rump_sys_close(cs);
	rump_sys_close(a.fd);

	/* accept inherits O_NONBLOCK from the listener; paccept takes only its flags */
	{
		int on = 1, fd1, fd2, c1, c2;
		rump_sys_ioctl(a.ls, NB_FIONBIO, &on);
		c1 = rump_sys_socket(NB_AF_LOCAL, NB_SOCK_STREAM, 0);
		c2 = rump_sys_socket(NB_AF_LOCAL, NB_SOCK_STREAM, 0);
		connect_to(c1, "/w");
		connect_to(c2, "/w");
		fd1 = rump_sys_accept(a.ls, NULL, NULL);
		fd2 = rump_sys_paccept(a.ls, NULL, NULL, NULL, NB_SOCK_CLOEXEC);
		ok(fd1 >= 0 && (rump_sys_fcntl(fd1, NB_F_GETFL) & NB_O_NONBLOCK),
		    "accept on a non-blocking listener gives a non-blocking socket");
		ok(fd2 >= 0 && !(rump_sys_fcntl(fd2, NB_F_GETFL) & NB_O_NONBLOCK) &&
		    rump_sys_fcntl(fd2, NB_F_GETFD) == 1,
		    "paccept(SOCK_CLOEXEC) gives a blocking close-on-exec socket");
		ok(ERRNO_IS(rump_sys_paccept(a.ls, NULL, NULL, NULL, 0x4), NB_EINVAL),
		    "paccept with an unknown flag is EINVAL");
		rump_sys_close(fd1);
		rump_sys_close(fd2);
		rump_sys_close(c1);
		rump_sys_close(c2);
	}
	rump_sys_close(a.ls);
	nb_halt(k);
}

static void
test_cycles(void)
{
	struct rumpus_memstats m0, m1;
	struct rumpus_kernel *k;
	int i, good = 1, sv[2], ls, cs;

	rumpus_memstats(&m0);
	for (i = 0; i < 1000 && good; i++) {
		if ((k = nb_boot("net.local", NULL)) == NULL) {
			good = 0;
			break;
		}
		/* open sockets of every kind, a queued connection, a descriptor in flight */
		if (rump_sys_socketpair(NB_AF_LOCAL, NB_SOCK_STREAM, 0, sv) != 0 ||
		    rump_sys_write(sv[0], "data", 4) != 4)
			good = 0;
		ls = mksock(NB_SOCK_STREAM, "/l");
		cs = rump_sys_socket(NB_AF_LOCAL, NB_SOCK_STREAM, 0);
		if (ls < 0 || rump_sys_listen(ls, 2) != 0 || connect_to(cs, "/l") != 0)
			good = 0;
		if (nb_sendfds(sv[0], &cs, 1) != 1 || nb_sendfds(sv[1], &sv[0], 1) != 1)
			good = 0;
		(void)mksock(NB_SOCK_DGRAM, "/g");
		nb_halt(k);
	}
	rumpus_memstats(&m1);
	ok(good && i == 1000, "1000 kernels booted with sockets open and destroyed (%d)", i);
	ok(m1.bytes == m0.bytes && m1.blocks == m0.blocks && m1.leaked == 0,
	    "no bytes left behind (%llu -> %llu, leaked %llu)", (unsigned long long)m0.bytes,
	    (unsigned long long)m1.bytes, (unsigned long long)m1.leaked);
}

static void
test_cost(void)
{
	struct rumpus_kernel *k0 = rumpus_kernel_create(NULL, NULL, NULL);
	struct rumpus_kernel *k1 = nb_boot("net.local", NULL);
	size_t m0 = rumpus_kernel_memused(k0), m1 = rumpus_kernel_memused(k1);

	ok(m1 - m0 <= 1024, "net + net.local add %zu bytes to an idle kernel (<= 1 KiB)", m1 - m0);
	nb_halt(k1);
	rumpus_kernel_destroy(k0);
}

int
main(void)
{
	/* EPIPE's SIGPIPE is recorded, not raised in this process (tcp_sigpipe_test
	 * tests the models) */
	rump_boot_setsigmodel(4);
	test_names();
	test_processes();
	test_dgram();
	test_seqpacket();
	test_inflight();
	test_waitall();
	test_vfs_names();
	test_accept_wakeup();
	test_cycles();
	test_cost();
	return tap_done();
}
