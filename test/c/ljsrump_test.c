/*
 * ljsrump_test.c: what ljsyscall's rump mode needs of a NetBSD rump kernel (issue 12), as
 * NetBSD's kernel does it: the root's /dev (null, zero) and /tmp; the components kern.tty
 * (ptys, termios, /dev/ptmx, TIOCPTSNAME, TIOCGRANTPT, revoke), fs.ptyfs, fs.kernfs;
 * chflags, fsync_range, extattr (EOPNOTSUPP), _ksem_*, ktrace/fktrace, EVFILT_VNODE, the
 * loopback cloner, SO_ORCVTIMEO, paccept's EAGAIN, sendmmsg/recvmmsg, and the console on
 * descriptors 0-2 of rump_init's process 1.  Threaded paths: a blocked pty read, a
 * semaphore wait, a vnode kevent, each woken by another thread.
 */
#include <pthread.h>
#include <unistd.h>

#include "tap.h"
#include "testfile.h"
#include "vfs/vfs.h"
#include "vfs/tty.h"

/* NetBSD socket and interface values (the host's socket.h names differ) */
#define NB_AF_LOCAL		1
#define NB_AF_INET		2
#define NB_SOCK_DGRAM		2
#define NB_SOCK_SEQPACKET	5
#define NB_SOCK_NONBLOCK	0x20000000
#define NB_SOL_SOCKET		0xffff
#define NB_MSG_WAITFORONE	0x2000
#define NB_SIOCIFCREATE		0x8090697aUL
#define NB_SIOCIFDESTROY	0x80906979UL
#define NB_SIOCGIFFLAGS		0xc0906911UL
#define NB_IFF_UP		0x1
#define NB_IFF_LOOPBACK		0x8
struct nb_ifreq_t {
	char ifr_name[16];
	union { short flags; unsigned char space[128]; } u;
};
struct nb_msghdr_t {
	void *msg_name;
	uint32_t msg_namelen;
	struct nb_iovec *msg_iov;
	int msg_iovlen;
	void *msg_control;
	uint32_t msg_controllen;
	int msg_flags;
};

int rump_init(void);
void rumpus_link_component(const char *name);
int rump_pub_lwproc_rfork(int flags);
void rump_pub_lwproc_releaselwp(void);

#define TIOCGETA	0x402c7413UL
#define TIOCSETA	0x802c7414UL
#define TIOCGWINSZ	0x40087468UL
#define TIOCSWINSZ	0x80087467UL
#define TIOCFLUSH	0x80047410UL
#define TIOCSTOP	0x2000746fUL
#define TIOCSTART	0x2000746eUL
#define TIOCGRANTPT	0x20007447UL
#define TIOCPTSNAME	0x48087448UL
#define SO_ORCVTIMEO_NB	0x1006
#define UF_APPEND_NB	0x4
#define UF_IMMUTABLE_NB	0x2
#define SF_IMMUTABLE_NB	0x20000

struct kev {
	uintptr_t ident;
	uint32_t filter, flags, fflags;
	int64_t data;
	intptr_t udata;
};
struct ts { int64_t sec; long nsec; };

static struct rumpus_kernel *
boot(const char **names)
{
	int err;
	struct rumpus_kernel *k = rumpus_kernel_create(names, NULL, &err);

	if (k == NULL) {
		printf("Bail out! kernel: error %d %s\n", err, rumpus_error());
		exit(1);
	}
	rumpus_kernel_switch(k);
	return k;
}

static void
done(struct rumpus_kernel *k)
{
	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(k) == 0, "the kernel is destroyed with everything freed");
}

static int
fails(long r, int e)
{
	return r == -1 && errno == e;
}

static uint64_t
dev_of(uint32_t ma, uint32_t mi)
{
	return nb_makedev(ma, mi);
}

/* ---------------------------------------------------------------- the root, devices */

static void
test_root(void)
{
	const char *names[] = { "vfs", NULL };
	struct rumpus_kernel *k = boot(names);
	struct nb_stat st;
	char buf[16];
	int fd;

	ok(rump_sys_stat("/dev", (void *)&st) == 0 && (st.st_mode & 0170777) == (S_IFDIR | 0755),
	    "/dev is a directory, 0755, as NetBSD's root has it");
	ok(rump_sys_stat("/tmp", (void *)&st) == 0 && (st.st_mode & 0171777) == (S_IFDIR | 01777),
	    "/tmp is a sticky directory, 01777");
	ok(rump_sys_stat("/dev/null", (void *)&st) == 0 && (st.st_mode & 0170777) == (S_IFCHR | 0644) &&
	    st.st_rdev == dev_of(2, 2), "/dev/null: character device 2,2, 0644");
	ok(rump_sys_stat("/dev/zero", (void *)&st) == 0 && st.st_rdev == dev_of(2, 12),
	    "/dev/zero: character device 2,12");
	ok(fails(rump_sys_stat("/dev/ptmx", (void *)&st), ENOENT), "no /dev/ptmx without kern.tty");
	fd = rump_sys_open("/dev/null", O_RDWR);
	ok(fd >= 0 && rump_sys_write(fd, "abc", 3) == 3 && rump_sys_read(fd, buf, 16) == 0,
	    "/dev/null takes writes and reads end of file");
	ok(rump_sys_fstat(fd, (void *)&st) == 0 && st.st_rdev == dev_of(2, 2),
	    "fstat of an open device names it");
	ok(fails(rump_sys_ioctl(fd, TIOCGETA, buf), ENOTTY), "/dev/null is no terminal (ENOTTY)");
	rump_sys_close(fd);
	fd = rump_sys_open("/dev/zero", O_RDONLY);
	memset(buf, 'x', sizeof(buf));
	ok(fd >= 0 && rump_sys_read(fd, buf, 16) == 16 && buf[0] == 0 && buf[15] == 0,
	    "/dev/zero reads zeros");
	ok(rump_sys_pread(fd, buf, 8, 1000) == 8 && rump_sys_lseek(fd, 0, SEEK_SET) == 0,
	    "pread and lseek on /dev/zero");
	rump_sys_close(fd);
	ok(rump_sys_mknod("/tmp/nodrv", S_IFCHR | 0600, dev_of(99, 1)) == 0 &&
	    fails(rump_sys_open("/tmp/nodrv", O_RDONLY), ENXIO),
	    "a node of a major without a driver: ENXIO at open");
	ok(rump_sys_mknod("/tmp/mem3", S_IFCHR | 0600, dev_of(2, 3)) == 0 &&
	    fails(rump_sys_open("/tmp/mem3", O_RDONLY), ENXIO), "an unknown minor of mem: ENXIO");
	ok(rump_sys_mknod("/tmp/z2", S_IFCHR | 0600, dev_of(2, 12)) == 0 &&
	    (fd = rump_sys_open("/tmp/z2", O_RDONLY)) >= 0 && rump_sys_read(fd, buf, 4) == 4 &&
	    rump_sys_close(fd) == 0, "a zero node made anywhere reads zeros");
	done(k);
}

/* ---------------------------------------------------------------- ptys */

struct ptsread {
	struct rumpus_kernel *k;
	int fd;
	ssize_t n;
	char buf[64];
};

static void *
pts_reader(void *arg)
{
	struct ptsread *r = arg;

	rumpus_kernel_switch(r->k);
	r->n = rump_sys_read(r->fd, r->buf, sizeof(r->buf));
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void
wait_sleeper(struct rumpus_kernel *k)
{
	struct kern *kk = (struct kern *)k;

	for (int i = 0; i < 100000 && atomic_load(&kk->k_sleepers) == 0; i++)
		usleep(100);
}

static void
test_pty(void)
{
	const char *names[] = { "vfs", "fs.tmpfs", "kern.tty", "fs.ptyfs", NULL };
	struct rumpus_kernel *k = boot(names);
	struct { int32_t version, gid, mode, flags; } pa = { 2, 0, 0620, 0 };
	struct nb_ptmget pm;
	struct nb_termios tio;
	struct nb_winsize ws = { 24, 80, 0, 0 }, ws2;
	struct nb_stat st;
	struct ptsread pr;
	pthread_t th;
	char buf[64], dents[512];
	int m, s, m2, s2, n, what;

	ok(fails(rump_sys_open("/dev/tty", O_RDWR), ENXIO), "/dev/tty: no controlling terminal (ENXIO)");
	ok(rump_sys_stat("/dev/ptyp0", (void *)&st) == 0 && st.st_rdev == dev_of(6, 0) &&
	    rump_sys_stat("/dev/ttyp8", (void *)&st) == 0 && st.st_rdev == dev_of(5, 8) &&
	    rump_sys_stat("/dev/ptm", (void *)&st) == 0 && st.st_rdev == dev_of(165, 1),
	    "kern.tty's nodes: ptyp0-8 (6,N), ttyp0-8 (5,N), ptm (165,1)");
	m = rump_sys_open("/dev/ptmx", O_RDWR | O_EXLOCK | O_NONBLOCK);
	m2 = rump_sys_open("/dev/ptmx", O_RDWR | O_EXLOCK);
	ok(m >= 0 && m2 >= 0 && rump_sys_close(m) == 0 && rump_sys_close(m2) == 0,
	    "O_EXLOCK on /dev/ptmx locks each new master, not the node: a second one does not wait");
	m = rump_sys_open("/dev/ptmx", O_RDWR | O_NOCTTY);
	ok(m >= 0, "/dev/ptmx opens a new master");
	memset(&pm, 0, sizeof(pm));
	ok(rump_sys_ioctl(m, TIOCPTSNAME, &pm) == 0 && strcmp(pm.sn, "/dev/pts/0") == 0,
	    "TIOCPTSNAME names its slave /dev/pts/0");
	ok(rump_sys_fstat(m, (void *)&st) == 0 && (st.st_mode & S_IFMT) == S_IFCHR &&
	    st.st_rdev == dev_of(6, 0), "the master is character device 6,0");
	ok(fails(rump_sys_open(pm.sn, O_RDWR), ENOENT), "no /dev/pts before ptyfs is mounted");
	ok(rump_sys_mkdir("/dev/pts", 0555) == 0 &&
	    fails(rump_sys_mount("ptyfs", "/dev/pts", 0, NULL, 0), EINVAL) &&
	    rump_sys_mount("ptyfs", "/dev/pts", 0, &pa, sizeof(pa)) == 0,
	    "ptyfs mounts with its version 2 arguments only");
	n = rump_sys_open("/dev/pts", O_RDONLY | O_DIRECTORY);
	{
		int len = rump_sys_getdents(n, dents, sizeof(dents));
		int found = 0, off = 0;
		while (off < len) {
			uint16_t reclen, namlen;
			memcpy(&reclen, dents + off + 8, 2);
			memcpy(&namlen, dents + off + 10, 2);
			if (namlen == 1 && dents[off + 13] == '0' && dents[off + 12] == 2)
				found++;
			off += reclen;
		}
		ok(found == 1, "ptyfs lists the slave \"0\" as a character device");
	}
	rump_sys_close(n);
	ok(rump_sys_stat(pm.sn, (void *)&st) == 0 && st.st_rdev == dev_of(5, 0) &&
	    (st.st_mode & 07777) == 0600, "the slave node: 5,0, mode 0600 before grantpt");
	ok(rump_sys_ioctl(m, TIOCGRANTPT, NULL) == 0 && rump_sys_stat(pm.sn, (void *)&st) == 0 &&
	    (st.st_mode & 07777) == 0620 && st.st_gid == 4, "TIOCGRANTPT: mode 0620, group tty");
	s = rump_sys_open(pm.sn, O_RDWR | O_NOCTTY);
	ok(s >= 0, "the slave opens");
	ok(rump_sys_ioctl(s, TIOCGETA, &tio) == 0 && (tio.c_lflag & 0x108) == 0x108 &&
	    tio.c_ospeed == 9600 && tio.c_cc[0] == 4 && tio.c_cc[3] == 0177,
	    "TIOCGETA: NetBSD's defaults (ICANON, ECHO, 9600, VEOF ^D, VERASE DEL)");
	ok(rump_sys_write(m, "ab\177c\r", 5) == 5 && rump_sys_read(s, buf, sizeof(buf)) == 3 &&
	    memcmp(buf, "ac\n", 3) == 0, "canonical input: VERASE removes a byte, ICRNL makes CR a NL");
	n = (int)rump_sys_read(m, buf, sizeof(buf));
	ok(n == 5 && memcmp(buf, "abc\r\n", 5) == 0, "the echo, with ONLCR: \"abc\\r\\n\" (got %d)", n);
	ok(rump_sys_write(s, "x\n", 2) == 2 && rump_sys_read(m, buf, sizeof(buf)) == 3 &&
	    memcmp(buf, "x\r\n", 3) == 0, "slave output NL goes out as CR NL");
	ok(rump_sys_write(m, "l1\nl2\n", 6) == 6 && rump_sys_read(s, buf, sizeof(buf)) == 3 &&
	    rump_sys_read(s, buf, sizeof(buf)) == 3 && memcmp(buf, "l2\n", 3) == 0,
	    "a canonical read returns one line");
	rump_sys_read(m, buf, sizeof(buf));	/* their echo */
	ok(rump_sys_write(m, "\004", 1) == 1 && rump_sys_read(s, buf, sizeof(buf)) == 0,
	    "VEOF on an empty line reads as end of file");
	tio.c_lflag &= ~(uint32_t)0x108;	/* raw: no ICANON, no ECHO */
	tio.c_oflag &= ~(uint32_t)1;		/* no OPOST */
	tio.c_ispeed = tio.c_ospeed = 115200;
	ok(rump_sys_ioctl(s, TIOCSETA, &tio) == 0 && rump_sys_ioctl(s, TIOCGETA, &tio) == 0 &&
	    tio.c_ospeed == 115200 && (tio.c_lflag & 0x100) == 0, "TIOCSETA: raw, 115200 kept");
	ok(rump_sys_write(m, "q", 1) == 1 && rump_sys_read(s, buf, sizeof(buf)) == 1 && buf[0] == 'q' &&
	    rump_sys_ioctl(m, FIONREAD, &n) == 0 && n == 0, "raw input: a byte at once, no echo");
	ok(rump_sys_ioctl(s, TIOCSTOP, NULL) == 0 && rump_sys_write(s, "z\n", 2) == 2 &&
	    rump_sys_fcntl(m, F_SETFL, O_NONBLOCK) == 0 &&
	    fails(rump_sys_read(m, buf, sizeof(buf)), EAGAIN), "TIOCSTOP holds the output");
	ok(rump_sys_ioctl(s, TIOCSTART, NULL) == 0 && rump_sys_read(m, buf, sizeof(buf)) == 2 &&
	    memcmp(buf, "z\n", 2) == 0, "TIOCSTART lets it go, unprocessed without OPOST");
	what = FREAD;
	ok(rump_sys_write(m, "gone", 4) == 4 && rump_sys_ioctl(s, TIOCFLUSH, &what) == 0 &&
	    rump_sys_ioctl(s, FIONREAD, &n) == 0 && n == 0, "TIOCFLUSH FREAD drops the input");
	ok(rump_sys_ioctl(s, TIOCSWINSZ, &ws) == 0 && rump_sys_ioctl(m, TIOCGWINSZ, &ws2) == 0 &&
	    ws2.ws_row == 24 && ws2.ws_col == 80, "the window size set on one side reads on the other");
	ok(fails(rump_sys_lseek(s, 0, SEEK_SET), ESPIPE), "a terminal has no offset (ESPIPE)");

	/* a reader blocked in the slave, woken by the master's write from this thread */
	pr.k = k;
	pr.fd = s;
	pr.n = -2;
	pthread_create(&th, NULL, pts_reader, &pr);
	wait_sleeper(k);
	rump_sys_write(m, "w", 1);
	pthread_join(th, NULL);
	ok(pr.n == 1 && pr.buf[0] == 'w', "a read blocked in the slave wakes with the master's byte");

	/* old BSD pairs */
	m2 = rump_sys_open("/dev/ptyp1", O_RDWR);
	ok(m2 >= 0 && fails(rump_sys_open("/dev/ptyp1", O_RDWR), EIO),
	    "/dev/ptyp1 opens master 1; a second open is EIO");
	ok(fails(rump_sys_open("/dev/ttyp2", O_RDWR), ENXIO), "a slave without its master: ENXIO");
	s2 = rump_sys_open("/dev/ttyp1", O_RDWR);
	ok(s2 >= 0 && rump_sys_write(m2, "p\n", 2) == 2 && rump_sys_read(s2, buf, 8) == 2,
	    "/dev/ttyp1 talks with it");
	rump_sys_close(m2);
	ok(rump_sys_read(s2, buf, 8) == 0 && fails(rump_sys_write(s2, "x", 1), EIO),
	    "the master closed: the slave reads end of file, writes EIO");
	rump_sys_close(s2);

	/* revoke */
	ok(fails(rump_sys_revoke("/tmp"), EINVAL), "revoke of a directory: EINVAL here");
	ok(rump_sys_revoke(pm.sn) == 0 && rump_sys_read(s, buf, 8) == 0 &&
	    fails(rump_sys_write(s, "x", 1), EIO) && rump_sys_close(s) == 0,
	    "revoke: the slave's open file reads end of file, writes EIO, closes");
	s = rump_sys_open(pm.sn, O_RDWR | O_NOCTTY);
	ok(s >= 0 && rump_sys_write(s, "n", 1) == 1, "a new open after revoke works");
	rump_sys_close(s);
	rump_sys_close(m);
	ok(fails(rump_sys_stat(pm.sn, (void *)&st), ENOENT), "both sides closed: the slave is gone");
	ok(rump_sys_unmount("/dev/pts", 0) == 0, "ptyfs unmounts");
	done(k);
}

/* ---------------------------------------------------------------- kernfs */

static void
test_kernfs(void)
{
	const char *names[] = { "vfs", "fs.kernfs", NULL };
	const char *nokfs[] = { "vfs", NULL };
	struct rumpus_kernel *k = boot(names);
	char buf[128];
	int fd, n;

	ok(rump_sys_mkdir("/kern", 0755) == 0 && rump_sys_mount("kernfs", "/kern", 0, NULL, 0) == 0,
	    "kernfs mounts without arguments");
	fd = rump_sys_open("/kern/hostname", O_RDONLY);
	n = (int)rump_sys_read(fd, buf, sizeof(buf));
	ok(n == 7 && memcmp(buf, "rumpus\n", 7) == 0, "/kern/hostname: the host name and NL");
	rump_sys_close(fd);
	fd = rump_sys_open("/kern/version", O_RDONLY);
	n = (int)rump_sys_read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	ok(n > 0 && strstr(buf, "NetBSD") != NULL, "/kern/version: the kernel version");
	rump_sys_close(fd);
	fd = rump_sys_open("/kern/hostname", O_WRONLY | O_TRUNC);
	ok(fd >= 0 && rump_sys_write(fd, "kfs\n", 4) == 4, "root writes /kern/hostname");
	rump_sys_close(fd);
	fd = rump_sys_open("/kern/hostname", O_RDONLY);
	n = (int)rump_sys_read(fd, buf, sizeof(buf));
	ok(n == 4 && memcmp(buf, "kfs\n", 4) == 0, "and the host name changed");
	rump_sys_close(fd);
	ok(fails(rump_sys_open("/kern/nothing", O_RDONLY), ENOENT), "unknown names: ENOENT");
	fd = rump_sys_open("/kern/hz", O_WRONLY);
	ok(fd >= 0 && fails(rump_sys_write(fd, "1\n", 2), EOPNOTSUPP), "only hostname takes writes");
	rump_sys_close(fd);
	fd = rump_sys_open("/kern/hz", O_RDONLY);
	ok(rump_sys_read(fd, buf, sizeof(buf)) == 4 && memcmp(buf, "100\n", 4) == 0, "/kern/hz: 100");
	rump_sys_close(fd);
	ok(fails(rump_sys_mkdir("/kern/d", 0755), EOPNOTSUPP), "nothing can be made in kernfs");
	ok(rump_sys_unmount("/kern", 0) == 0, "kernfs unmounts");
	done(k);
	k = boot(nokfs);
	ok(rump_sys_mkdir("/kern", 0755) == 0 && fails(rump_sys_mount("kernfs", "/kern", 0, NULL, 0), ENODEV),
	    "without fs.kernfs: ENODEV");
	done(k);
}

/* ---------------------------------------------------------------- files */

static void
test_files(void)
{
	const char *names[] = { "vfs", "fs.tmpfs", NULL };
	struct rumpus_kernel *k = boot(names);
	struct nb_stat st;
	char buf[16];
	int fd, fd2;

	fd = rump_sys_open("/tmp/f", O_RDWR | O_CREAT, 0644);
	ok(rump_sys_write(fd, "12345", 5) == 5 && rump_sys_chflags("/tmp/f", UF_APPEND_NB) == 0 &&
	    rump_sys_stat("/tmp/f", (void *)&st) == 0 && st.st_flags == UF_APPEND_NB,
	    "chflags sets UF_APPEND, stat shows it");
	ok(fails(rump_sys_open("/tmp/f", O_WRONLY), EPERM) &&
	    (fd2 = rump_sys_open("/tmp/f", O_WRONLY | O_APPEND)) >= 0 && rump_sys_close(fd2) == 0,
	    "append-only: a write open needs O_APPEND");
	ok(fails(rump_sys_open("/tmp/f", O_WRONLY | O_APPEND | O_TRUNC), EPERM) &&
	    fails(rump_sys_truncate("/tmp/f", 0), EPERM) && fails(rump_sys_unlink("/tmp/f"), EPERM),
	    "append-only: no truncation, no unlink");
	ok(rump_sys_fchflags(fd, UF_IMMUTABLE_NB) == 0 && fails(rump_sys_chmod("/tmp/f", 0600), EPERM) &&
	    fails(rump_sys_open("/tmp/f", O_RDWR), EPERM) &&
	    (fd2 = rump_sys_open("/tmp/f", O_RDONLY)) >= 0 && rump_sys_close(fd2) == 0,
	    "fchflags UF_IMMUTABLE: no chmod, no write open; reading is fine");
	ok(rump_sys_chflags("/tmp/f", 0) == 0 && rump_sys_chmod("/tmp/f", 0600) == 0,
	    "flags cleared: chmod works again");
	ok(rump_sys_symlink("f", "/tmp/l") == 0 && rump_sys_lchflags("/tmp/l", UF_APPEND_NB) == 0 &&
	    rump_sys_lstat("/tmp/l", (void *)&st) == 0 && st.st_flags == UF_APPEND_NB &&
	    rump_sys_stat("/tmp/f", (void *)&st) == 0 && st.st_flags == 0,
	    "lchflags flags the link, not its target");
	ok(rump_pub_lwproc_rfork(RUMP_RFFDG) == 0 && rump_sys_setuid(1000) == 0 &&
	    fails(rump_sys_chflags("/tmp/f", UF_APPEND_NB), EPERM), "another user may not chflags");
	rump_pub_lwproc_releaselwp();
	ok(rump_sys_chown("/tmp/f", 1000, 0) == 0 && rump_pub_lwproc_rfork(RUMP_RFFDG) == 0 &&
	    rump_sys_setuid(1000) == 0 && rump_sys_chflags("/tmp/f", UF_APPEND_NB) == 0 &&
	    fails(rump_sys_chflags("/tmp/f", SF_IMMUTABLE_NB), EPERM) &&
	    rump_sys_chflags("/tmp/f", 0) == 0, "the owner sets user flags, not system flags");
	rump_pub_lwproc_releaselwp();

	ok(rump_sys_fsync_range(fd, 0x10, 0, 4096) == 0, "fsync_range FDATASYNC");
	ok(fails(rump_sys_fsync_range(fd, 0x1, 0, 4096), EINVAL) &&
	    fails(rump_sys_fsync_range(fd, 0x10, -1, 4096), EINVAL), "bad flags or range: EINVAL");
	fd2 = rump_sys_open("/tmp/f", O_RDONLY);
	ok(fails(rump_sys_fsync_range(fd2, 0x20, 0, 0), EBADF), "a read-only descriptor: EBADF");

	ok(fails(rump_sys_extattr_get_file("/tmp/f", 1, "user.x", buf, sizeof(buf)), EOPNOTSUPP) &&
	    fails(rump_sys_extattr_set_fd(fd, 1, "x", "v", 1), EOPNOTSUPP) &&
	    fails(rump_sys_extattr_list_link("/tmp/l", 1, buf, sizeof(buf)), EOPNOTSUPP),
	    "extattr on tmpfs: EOPNOTSUPP, as NetBSD's tmpfs");
	ok(fails(rump_sys_extattr_get_file("/tmp/none", 1, "x", buf, 4), ENOENT) &&
	    fails(rump_sys_extattr_get_fd(77, 1, "x", buf, 4), EBADF) &&
	    fails(rump_sys_extattr_delete_file("/tmp/f", 9, "x"), EINVAL),
	    "a missing file, a bad descriptor, a bad namespace come first");
	rump_sys_close(fd2);
	rump_sys_close(fd);
	done(k);
}

/* ---------------------------------------------------------------- semaphores */

struct semwait {
	struct rumpus_kernel *k;
	intptr_t id;
	int r;
};

static void *
sem_waiter(void *arg)
{
	struct semwait *w = arg;

	rumpus_kernel_switch(w->k);
	w->r = rump_sys__ksem_wait(w->id);
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void
test_ksem(void)
{
	struct rumpus_kernel *k = boot(NULL);
	struct semwait w;
	struct ts past = { 1, 0 };
	intptr_t id, id2, id3;
	unsigned v;
	pthread_t th;

	ok(rump_sys__ksem_init(2, &id) == 0 && rump_sys__ksem_getvalue(id, &v) == 0 && v == 2,
	    "_ksem_init(2)");
	ok(rump_sys__ksem_trywait(id) == 0 && rump_sys__ksem_trywait(id) == 0 &&
	    fails(rump_sys__ksem_trywait(id), EAGAIN), "trywait takes two, then EAGAIN");
	ok(fails(rump_sys__ksem_timedwait(id, (void *)&past), ETIMEDOUT),
	    "timedwait with a deadline in the past: ETIMEDOUT");
	w.k = k;
	w.id = id;
	w.r = -2;
	pthread_create(&th, NULL, sem_waiter, &w);
	wait_sleeper(k);
	ok(rump_sys__ksem_post(id) == 0, "post");
	pthread_join(th, NULL);
	ok(w.r == 0, "a thread blocked in _ksem_wait wakes with the post");
	ok(rump_sys__ksem_destroy(id) == 0 && fails(rump_sys__ksem_post(id), EINVAL),
	    "destroy; the id is then EINVAL");
	ok(fails(rump_sys__ksem_init(0x80000000U, &id), EINVAL), "a value over SEM_VALUE_MAX: EINVAL");
	ok(rump_sys__ksem_init(0x7fffffff, &id) == 0 && fails(rump_sys__ksem_post(id), EOVERFLOW) &&
	    rump_sys__ksem_destroy(id) == 0, "posting past SEM_VALUE_MAX: EOVERFLOW");
	ok(rump_sys__ksem_open("/s", O_CREAT | O_EXCL, 0600, 1, &id2) == 0 &&
	    fails(rump_sys__ksem_open("/s", O_CREAT | O_EXCL, 0600, 1, &id3), EEXIST) &&
	    rump_sys__ksem_open("/s", 0, 0, 0, &id3) == 0 && id3 == id2,
	    "named: O_EXCL is EEXIST, a second open finds the same one");
	ok(fails(rump_sys__ksem_destroy(id2), EINVAL), "a named one is not destroyed (EINVAL)");
	ok(rump_sys__ksem_unlink("/s") == 0 && fails(rump_sys__ksem_open("/s", 0, 0, 0, &id3), ENOENT) &&
	    rump_sys__ksem_trywait(id2) == 0, "unlinked: the name is gone, the semaphore lives on");
	ok(rump_sys__ksem_close(id2) == 0 && rump_sys__ksem_close(id2) == 0 &&
	    fails(rump_sys__ksem_close(id2), EINVAL), "closed by both openers: gone");
	ok(fails(rump_sys__ksem_open("s", O_CREAT, 0600, 0, &id3), EINVAL), "a name without '/': EINVAL");
	done(k);
}

/* ---------------------------------------------------------------- ktrace */

struct ktr_hdr {
	int32_t len;
	int16_t type, version;
	int32_t pid;
	char comm[17];
	char pad[3];
	char v[24];
};
_Static_assert(sizeof(struct ktr_hdr) == 56, "ktr_header");

static void
test_ktrace(void)
{
	const char *names[] = { "vfs", "fs.tmpfs", NULL };
	struct rumpus_kernel *k = boot(names);
	int p[2], fd, nrec = 0, getpid_ret = 0, open_err = 0, seen_clear_call = 0, first = -1, off;
	char buf[2048];
	ssize_t n;

	ok(rump_sys_pipe(p) == 0, "pipe");
	ok(fails(rump_sys_fktrace(p[0], 0, 6, 1), EBADF), "fktrace to a read-only descriptor: EBADF");
	ok(fails(rump_sys_fktrace(p[1], 0, 0, 1), EINVAL), "no facility: EINVAL");
	ok(fails(rump_sys_fktrace(p[1], 0, 6, 4242), ESRCH), "no such process: ESRCH");
	ok(rump_sys_fktrace(p[1], 0, 6, 1) == 0, "fktrace SET syscall|sysret for process 1");
	rump_sys_getpid();
	rump_sys_open("/nonexistent", O_RDONLY);
	ok(rump_sys_fktrace(p[1], 1, 6, 1) == 0, "fktrace CLEAR");
	n = rump_sys_read(p[0], buf, sizeof(buf));
	for (off = 0; n > 0 && off + (int)sizeof(struct ktr_hdr) <= n; nrec++) {
		struct ktr_hdr h;
		int32_t code;
		memcpy(&h, buf + off, sizeof(h));
		if (h.pid != 1 || strcmp(h.comm, "rump") != 0 || h.version != 0)
			break;
		if (h.type == 1) {
			memcpy(&code, buf + off + sizeof(h), 4);
			if (code == 288 && nrec > 0)
				seen_clear_call = 1;
		} else if (h.type == 2) {
			int16_t c16;
			int32_t err;
			int64_t rv;
			memcpy(&c16, buf + off + sizeof(h), 2);
			memcpy(&err, buf + off + sizeof(h) + 4, 4);
			memcpy(&rv, buf + off + sizeof(h) + 8, 8);
			if (first < 0)
				first = c16;
			if (c16 == 20 && err == 0)
				getpid_ret = (int)rv;
			if (c16 == 5)
				open_err = err;
		}
		off += (int)sizeof(h) + h.len;
	}
	ok(off == n && nrec >= 6, "whole records in the pipe (%d, %d bytes)", nrec, (int)n);
	ok(first == 288, "the first is the SYSRET of fktrace(SET) itself");
	ok(getpid_ret == 1, "getpid's SYSRET carries its value");
	ok(open_err == ENOENT, "open's SYSRET carries ENOENT");
	ok(seen_clear_call, "the SYSCALL of fktrace(CLEAR) is the last record");
	rump_sys_getpid();
	ok(rump_sys_fcntl(p[0], F_SETFL, O_NONBLOCK) == 0 && fails(rump_sys_read(p[0], buf, sizeof(buf)), EAGAIN),
	    "after CLEAR nothing more is traced");

	fd = rump_sys_open("/tmp/trace", O_RDWR | O_CREAT, 0644);
	ok(fails(rump_sys_ktrace("/tmp/none", 0, 6, 1), ENOENT), "ktrace to a missing file: ENOENT");
	ok(rump_sys_mkfifo("/tmp/fifo", 0600) == 0 && fails(rump_sys_ktrace("/tmp/fifo", 0, 6, 1), EACCES) &&
	    fails(rump_sys_ktrace("/tmp", 0, 6, 1), EISDIR), "a fifo (without waiting) or a directory: refused");
	ok(rump_sys_ktrace("/tmp/trace", 0, 0x02000000 | 6, 1) == 0, "ktrace SET (version 2) to a file");
	rump_sys_getpid();
	ok(rump_sys_ktrace("/tmp/trace", 1, 6, 1) == 0, "ktrace CLEAR");
	n = rump_sys_pread(fd, buf, sizeof(buf), 0);
	{
		struct ktr_hdr h;
		memcpy(&h, buf, sizeof(h));
		ok(n > (ssize_t)sizeof(h) && h.version == 2 && h.type == 2, "the file holds version 2 records");
	}
	ok(rump_pub_lwproc_rfork(RUMP_RFFDG) == 0 && rump_sys_setuid(1000) == 0 &&
	    fails(rump_sys_fktrace(p[1], 0, 6, 1), EPERM), "another user may not trace process 1");
	rump_pub_lwproc_releaselwp();
	rump_sys_close(fd);
	rump_sys_close(p[0]);
	rump_sys_close(p[1]);
	done(k);
}

/* ---------------------------------------------------------------- EVFILT_VNODE */

struct kwait {
	struct rumpus_kernel *k;
	int kq, r;
	struct kev ev;
};

static void *
kq_waiter(void *arg)
{
	struct kwait *w = arg;

	rumpus_kernel_switch(w->k);
	w->r = rump_sys_kevent(w->kq, NULL, 0, (void *)&w->ev, 1, NULL);
	rumpus_kernel_switch(NULL);
	return NULL;
}

static void
test_vnode_events(void)
{
	const char *names[] = { "vfs", "fs.tmpfs", NULL };
	struct rumpus_kernel *k = boot(names);
	struct ts zero = { 0, 0 };
	struct kev ch, ev[4];
	struct kwait w;
	pthread_t th;
	int kq, fd, p[2], r;

	kq = rump_sys_kqueue();
	fd = rump_sys_open("/tmp/v", O_RDWR | O_CREAT, 0644);
	memset(&ch, 0, sizeof(ch));
	ch.ident = (uintptr_t)fd;
	ch.filter = EVFILT_VNODE;
	ch.flags = EV_ADD | EV_CLEAR;
	ch.fflags = NOTE_DELETE | NOTE_WRITE | NOTE_EXTEND | NOTE_ATTRIB | NOTE_LINK | NOTE_RENAME;
	ok(rump_sys_kevent(kq, (void *)&ch, 1, NULL, 0, NULL) == 0, "EVFILT_VNODE on a file");
	ok(rump_sys_kevent(kq, NULL, 0, (void *)ev, 4, (void *)&zero) == 0, "nothing yet");
	rump_sys_write(fd, "abc", 3);
	r = rump_sys_kevent(kq, NULL, 0, (void *)ev, 4, (void *)&zero);
	ok(r == 1 && ev[0].fflags == (NOTE_WRITE | NOTE_EXTEND), "a write that grows: WRITE|EXTEND");
	ok(rump_sys_kevent(kq, NULL, 0, (void *)ev, 4, (void *)&zero) == 0, "EV_CLEAR: reported once");
	rump_sys_pwrite(fd, "x", 1, 0);
	r = rump_sys_kevent(kq, NULL, 0, (void *)ev, 4, (void *)&zero);
	ok(r == 1 && ev[0].fflags == NOTE_WRITE, "an overwrite: WRITE only");
	rump_sys_chmod("/tmp/v", 0600);
	rump_sys_link("/tmp/v", "/tmp/v2");
	rump_sys_rename("/tmp/v2", "/tmp/v3");
	r = rump_sys_kevent(kq, NULL, 0, (void *)ev, 4, (void *)&zero);
	ok(r == 1 && ev[0].fflags == (NOTE_ATTRIB | NOTE_LINK | NOTE_RENAME),
	    "chmod, link, rename: ATTRIB|LINK|RENAME");
	rump_sys_unlink("/tmp/v3");
	rump_sys_unlink("/tmp/v");
	r = rump_sys_kevent(kq, NULL, 0, (void *)ev, 4, (void *)&zero);
	ok(r == 1 && (ev[0].fflags & NOTE_DELETE), "unlink: DELETE");
	ok(rump_sys_ftruncate(fd, 100) == 0 &&
	    rump_sys_kevent(kq, NULL, 0, (void *)ev, 4, (void *)&zero) == 1 &&
	    ev[0].fflags == (NOTE_ATTRIB | NOTE_EXTEND), "ftruncate up: ATTRIB|EXTEND");
	/* a kevent asleep, woken by a write from this thread */
	w.k = k;
	w.kq = kq;
	w.r = -2;
	pthread_create(&th, NULL, kq_waiter, &w);
	wait_sleeper(k);
	rump_sys_write(fd, "more", 4);
	pthread_join(th, NULL);
	ok(w.r == 1 && (w.ev.fflags & NOTE_WRITE), "a sleeping kevent wakes with the write");
	rump_sys_pipe(p);
	ch.ident = (uintptr_t)p[0];
	ok(fails(rump_sys_kevent(kq, (void *)&ch, 1, NULL, 0, NULL), EINVAL), "a pipe: EINVAL");
	rump_sys_close(p[0]);
	rump_sys_close(p[1]);
	rump_sys_close(fd);
	rump_sys_close(kq);
	done(k);
}

/* ---------------------------------------------------------------- sockets, interfaces */

struct nb_mmsg {
	struct nb_msghdr_t hdr;
	unsigned len;
};
_Static_assert(sizeof(struct nb_mmsg) == 56, "mmsghdr");

static void
test_net(void)
{
	const char *names[] = { "vfs", "net", "net.net", "net.local", "net.netinet", NULL };
	struct rumpus_kernel *k = boot(names);
	struct nb_ifreq_t ifr;
	struct { long sec, usec; } otv = { 0, 20000 }, got;
	uint32_t gl = sizeof(got);
	struct nb_iovec iov[2];
	struct nb_mmsg mm[3];
	char b1[8], b2[8], b3[8], name[106];
	uint32_t namelen = sizeof(name);
	int s, sv[2], l;

	s = rump_sys_socket(NB_AF_INET, NB_SOCK_DGRAM, 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo1");
	ok(rump_sys_ioctl(s, NB_SIOCIFCREATE, &ifr) == 0, "NB_SIOCIFCREATE lo1 (the loopback cloner)");
	ok(fails(rump_sys_ioctl(s, NB_SIOCIFCREATE, &ifr), EEXIST), "again: EEXIST");
	ok(rump_sys_ioctl(s, NB_SIOCGIFFLAGS, &ifr) == 0 && !(ifr.u.flags & NB_IFF_UP) &&
	    (ifr.u.flags & NB_IFF_LOOPBACK), "a new loopback is down");
	ok(rump_sys_ioctl(s, NB_SIOCIFDESTROY, &ifr) == 0 && fails(rump_sys_ioctl(s, NB_SIOCGIFFLAGS, &ifr), ENXIO),
	    "NB_SIOCIFDESTROY lo1");
	strcpy(ifr.ifr_name, "lo0");
	ok(fails(rump_sys_ioctl(s, NB_SIOCIFDESTROY, &ifr), EINVAL), "lo0 cannot be destroyed");
	strcpy(ifr.ifr_name, "lo01");
	ok(fails(rump_sys_ioctl(s, NB_SIOCIFCREATE, &ifr), EINVAL), "lo01 is no cloner name");
	rump_sys_close(s);

	ok(rump_sys_socketpair(NB_AF_LOCAL, NB_SOCK_DGRAM, 0, sv) == 0, "a datagram socketpair");
	ok(rump_sys_setsockopt(sv[0], NB_SOL_SOCKET, SO_ORCVTIMEO_NB, &otv, sizeof(otv)) == 0 &&
	    rump_sys_getsockopt(sv[0], NB_SOL_SOCKET, SO_ORCVTIMEO_NB, &got, &gl) == 0 &&
	    got.sec == 0 && got.usec == 20000, "SO_ORCVTIMEO (struct timeval50) set and read back");
	ok(fails(rump_sys_recvfrom(sv[0], b1, 8, 0, NULL, NULL), EAGAIN), "a receive with it times out (EWOULDBLOCK)");

	memset(mm, 0, sizeof(mm));
	iov[0].iov_base = "one";
	iov[0].iov_len = 3;
	iov[1].iov_base = "two!";
	iov[1].iov_len = 4;
	mm[0].hdr.msg_iov = &iov[0];
	mm[0].hdr.msg_iovlen = 1;
	mm[1].hdr.msg_iov = &iov[1];
	mm[1].hdr.msg_iovlen = 1;
	ok(rump_sys_sendmmsg(sv[1], (void *)mm, 2, 0) == 2 && mm[0].len == 3 && mm[1].len == 4,
	    "sendmmsg sends two, each msg_len set");
	{
		struct nb_iovec r[3] = { { b1, 8 }, { b2, 8 }, { b3, 8 } };
		memset(mm, 0, sizeof(mm));
		for (int i = 0; i < 3; i++) {
			mm[i].hdr.msg_iov = &r[i];
			mm[i].hdr.msg_iovlen = 1;
		}
		ok(rump_sys_recvmmsg(sv[0], (void *)mm, 3, NB_MSG_WAITFORONE, NULL) == 2 &&
		    mm[0].len == 3 && mm[1].len == 4 && memcmp(b2, "two!", 4) == 0,
		    "recvmmsg NB_MSG_WAITFORONE: the two, without waiting for a third");
	}
	rump_sys_close(sv[0]);
	rump_sys_close(sv[1]);

	l = rump_sys_socket(NB_AF_LOCAL, NB_SOCK_SEQPACKET | NB_SOCK_NONBLOCK, 0);
	{
		struct { uint8_t len, family; char path[104]; } sun = { 0, NB_AF_LOCAL, "/sock" };
		sun.len = (uint8_t)sizeof(sun);
		ok(rump_sys_bind(l, (void *)&sun, sizeof(sun)) == 0 && rump_sys_listen(l, 5) == 0,
		    "a listening seqpacket socket");
	}
	ok(fails(rump_sys_paccept(l, (void *)name, NULL, NULL, 0), EAGAIN),
	    "paccept with no connection: EAGAIN before looking at the address pointers");
	ok(fails(rump_sys_accept(l, (void *)name, &namelen), EAGAIN), "accept: EAGAIN");
	rump_sys_close(l);
	done(k);
}

/* A pty master in flight in an AF_UNIX message (a socket holding itself, so only the
 * kernel's teardown frees it), with kern.tty booted after net.local: destroy frees all. */
static void
test_inflight(void)
{
	const char *names[] = { "vfs", "net", "net.local", "kern.tty", "fs.ptyfs", NULL };
	struct rumpus_kernel *k = boot(names);
	struct rumpus_memstats ms0, ms1;
	union { char buf[32]; uint64_t align; } u;
	char c = 'F';
	struct nb_iovec iov = { &c, 1 };
	struct nb_msghdr_t msg = { NULL, 0, &iov, 1, u.buf, 24, 0 };
	uint32_t len = 24 - 0;
	int32_t lvl = NB_SOL_SOCKET, type = 1, sv[2], m, fds[2];

	rumpus_memstats(&ms0);
	m = rump_sys_open("/dev/ptmx", O_RDWR);
	ok(m >= 0 && rump_sys_socketpair(NB_AF_LOCAL, 1, 0, sv) == 0, "a master and a stream pair");
	fds[0] = sv[1];
	fds[1] = m;
	memset(u.buf, 0, sizeof(u.buf));
	len = 16 + 8;		/* CMSG_LEN(8): header padded to 16, two descriptors */
	memcpy(u.buf, &len, 4);
	memcpy(u.buf + 4, &lvl, 4);
	memcpy(u.buf + 8, &type, 4);
	memcpy(u.buf + 16, fds, 8);
	ok(rump_sys_sendmsg(sv[0], (void *)&msg, 0) == 1, "the master and the reader end sent to the reader");
	ok(rump_sys_close(m) == 0 && rump_sys_close(sv[0]) == 0 && rump_sys_close(sv[1]) == 0,
	    "every descriptor closed: the master lives in flight only");
	done(k);
	rumpus_memstats(&ms1);
	ok(ms1.leaked == ms0.leaked, "nothing leaked (the pty went with the message)");
}

/* ---------------------------------------------------------------- the console */

static void
test_console(void)
{
	struct nb_stat st;
	char tio[44], buf[4];
	int fd;

	rumpus_link_component("vfs");	/* as librumpvfs's constructor does */
	ok(rump_init() == 0, "rump_init boots the default kernel (with vfs)");
	ok(rump_sys_fstat(0, (void *)&st) == 0 && (st.st_mode & 0170777) == (S_IFCHR | 0600) &&
	    st.st_rdev == 0, "descriptor 0 is the console: character device 0,0, 0600");
	ok(rump_sys_fcntl(1, F_GETFL) == O_WRONLY && rump_sys_fcntl(2, F_GETFL) == O_WRONLY,
	    "1 and 2 too, write-only");
	ok(rump_sys_write(1, "# the console writes to the host's standard output\n", 51) == 51,
	    "a write goes out (this TAP comment)");
	ok(fails(rump_sys_read(0, buf, 4), EBADF), "reading the console: EBADF");
	ok(rump_sys_ioctl(1, TIOCGETA, tio) == 0 && fails(rump_sys_ioctl(1, TIOCGWINSZ, buf), ENOTTY),
	    "TIOCGETA succeeds (isatty), TIOCGWINSZ is ENOTTY");
	ok(fails(rump_sys_lseek(1, 0, SEEK_SET), ESPIPE), "lseek: ESPIPE");
	fd = rump_sys_kqueue();
	ok(fd == 3, "the first new descriptor is 3");
	rump_sys_close(fd);
}

int
main(void)
{
	int fd;

	test_root();
	test_pty();
	test_kernfs();
	test_files();
	test_ksem();
	test_ktrace();
	test_vnode_events();
	test_net();
	test_inflight();
	{
		/* a kernel of rumpus_kernel_create has no console: its first file is 0 */
		struct rumpus_kernel *k = boot(NULL);
		fd = tf_open(k);
		ok(fd == 0, "rumpus_kernel_create's kernels have no console (first descriptor 0)");
		ok(fails(rump_sys_ioctl(fd, TIOCGETA, (char[44]){0}), ENOTTY), "and a plain file is no tty");
		done(k);
	}
	test_console();
	return tap_done();
}
