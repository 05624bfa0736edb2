/*
 * vfs_util.h: shared bits of the VFS C tests: NetBSD constants (the kernel speaks NetBSD
 * numbers, not the host's), NetBSD struct layouts, and a few helpers.
 */
#ifndef TEST_VFS_UTIL_H
#define TEST_VFS_UTIL_H

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "tap.h"
#include "rump/rumpus.h"
#include "rump/rump_syscalls.h"

/* lwproc: NetBSD's rump_pub_* (exported by the kernel library) */
int rump_pub_lwproc_rfork(int flags);
void rump_pub_lwproc_releaselwp(void);
void *rump_pub_lwproc_curlwp(void);
void rump_pub_lwproc_switch(void *l);
#define RUMP_RFFDG	1
#define RUMP_RFCFDG	2

/* NetBSD errno */
enum {
	NB_EPERM = 1, NB_ENOENT = 2, NB_EIO = 5, NB_ENXIO = 6, NB_EBADF = 9, NB_EACCES = 13,
	NB_EFAULT = 14, NB_EBUSY = 16, NB_EEXIST = 17, NB_EXDEV = 18, NB_ENODEV = 19,
	NB_ENOTDIR = 20, NB_EISDIR = 21, NB_EINVAL = 22, NB_ENOSPC = 28, NB_ESPIPE = 29,
	NB_EPIPE = 32, NB_ERANGE = 34, NB_EAGAIN = 35, NB_EOPNOTSUPP = 45, NB_ELOOP = 62,
	NB_ENAMETOOLONG = 63, NB_EROFS = 30, NB_ENOTEMPTY = 66, NB_EFTYPE = 79,
};
/* NetBSD open/fcntl flags */
enum {
	NB_O_RDONLY = 0, NB_O_WRONLY = 1, NB_O_RDWR = 2, NB_O_NONBLOCK = 4, NB_O_APPEND = 8,
	NB_O_SHLOCK = 0x10, NB_O_EXLOCK = 0x20, NB_O_NOFOLLOW = 0x100, NB_O_CREAT = 0x200,
	NB_O_TRUNC = 0x400, NB_O_EXCL = 0x800, NB_O_DIRECTORY = 0x200000,
	NB_O_CLOEXEC = 0x400000,
	NB_F_GETFD = 1, NB_F_GETFL = 3, NB_F_GETLK = 7, NB_F_SETLK = 8, NB_F_SETLKW = 9,
	NB_F_RDLCK = 1, NB_F_UNLCK = 2, NB_F_WRLCK = 3,
	NB_SEEK_SET = 0, NB_SEEK_CUR = 1, NB_SEEK_END = 2,
	NB_AT_FDCWD = -100, NB_AT_EACCESS = 0x100, NB_AT_SYMLINK_NOFOLLOW = 0x200,
	NB_AT_REMOVEDIR = 0x800, NB_AT_SYMLINK_FOLLOW = 0x400,
	NB_LOCK_SH = 1, NB_LOCK_EX = 2, NB_LOCK_NB = 4, NB_LOCK_UN = 8,
	NB_MNT_RDONLY = 1, NB_MNT_FORCE = 0x80000,
	NB_S_IFMT = 0170000, NB_S_IFIFO = 0010000, NB_S_IFCHR = 0020000, NB_S_IFDIR = 0040000,
	NB_S_IFREG = 0100000, NB_S_IFLNK = 0120000,
	NB_DT_DIR = 4, NB_DT_REG = 8, NB_DT_LNK = 10, NB_DT_FIFO = 1,
	NB_POLLIN = 1, NB_POLLOUT = 4, NB_POLLHUP = 16,
	NB_PIPE_BUF = 512,
};
#define NB_UTIME_NOW	1073741823L
#define NB_UTIME_OMIT	1073741822L

struct nb_timespec { int64_t tv_sec; long tv_nsec; };
struct nb_stat {
	uint64_t st_dev;
	uint32_t st_mode;
	uint64_t st_ino;
	uint32_t st_nlink;
	uint32_t st_uid;
	uint32_t st_gid;
	uint64_t st_rdev;
	struct nb_timespec st_atim, st_mtim, st_ctim, st_birthtim;
	int64_t st_size;
	int64_t st_blocks;
	int32_t st_blksize;
	uint32_t st_flags;
	uint32_t st_gen;
	uint32_t st_spare[2];
};
struct nb_statvfs {
	unsigned long f_flag, f_bsize, f_frsize, f_iosize;
	uint64_t f_blocks, f_bfree, f_bavail, f_bresvd;
	uint64_t f_files, f_ffree, f_favail, f_fresvd;
	uint64_t f_syncreads, f_syncwrites, f_asyncreads, f_asyncwrites;
	int32_t f_fsidx[2];
	unsigned long f_fsid, f_namemax;
	uint32_t f_owner;
	uint32_t f_spare[4];
	char f_fstypename[32], f_mntonname[1024], f_mntfromname[1024];
};
struct nb_tmpfs_args {
	int ta_version;
	uint64_t ta_nodes_max;
	int64_t ta_size_max;
	uint32_t ta_root_uid, ta_root_gid, ta_root_mode;
};
struct nb_flock {
	int64_t l_start, l_len;
	int32_t l_pid;
	short l_type, l_whence;
};
struct nb_pollfd { int fd; short events, revents; };

#define ST(p)	((struct stat *)(void *)(p))
#define SV(p)	((struct statvfs *)(void *)(p))

/* ok() on a call that must fail with a NetBSD errno */
#define FAILS(call, e, ...) do {					\
	errno = 0;							\
	long r_ = (long)(call);						\
	int e_ = errno;							\
	ok(r_ == -1 && e_ == (e), __VA_ARGS__);				\
	if (!(r_ == -1 && e_ == (e)))					\
		diag("  got %ld errno %d, want -1 errno %d", r_, e_, (int)(e)); \
} while (0)

static inline struct rumpus_kernel *
vt_boot(size_t memlimit)
{
	const char *comps[] = { "vfs", "fs.tmpfs", NULL };
	struct rumpus_config cfg = { .ncpu = 1, .memlimit = memlimit };
	int err = 0;
	struct rumpus_kernel *k = rumpus_kernel_create(comps, &cfg, &err);

	if (k == NULL) {
		diag("kernel create failed: %d %s", err, rumpus_error());
		exit(2);
	}
	rumpus_kernel_switch(k);
	return k;
}

static inline void
vt_down(struct rumpus_kernel *k)
{
	rumpus_kernel_switch(NULL);
	if (rumpus_kernel_destroy(k) != 0)
		diag("destroy failed: %s", rumpus_error());
}

static inline int
vt_mktmpfs(const char *path, int64_t size_max, int flags)
{
	struct nb_tmpfs_args a = { 1, 0, size_max, 0, 0, 01777 };

	return rump_sys_mount("tmpfs", path, flags, &a, sizeof(a));
}

static inline int
vt_writefile(const char *path, const char *data)
{
	int fd = rump_sys_open(path, NB_O_WRONLY | NB_O_CREAT | NB_O_TRUNC, 0644), n;

	if (fd < 0)
		return -1;
	n = (int)rump_sys_write(fd, data, strlen(data));
	rump_sys_close(fd);
	return n;
}

#endif
