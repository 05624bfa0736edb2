/*
 * vfs_file_test.c: the file syscalls of the VFS on the root file system and on tmpfs:
 * open flags, I/O, holes, stat, directories, links, symlinks, rename, getdents, cwd,
 * attributes, umask, truncate, access, bad pointers and descriptors.
 */
#include <stdio.h>
#include <sys/uio.h>

#include "vfs_util.h"

static int
count_entries(const char *path, int *types_ok)
{
	char buf[256];
	int fd = rump_sys_open(path, NB_O_RDONLY | NB_O_DIRECTORY, 0), n, total = 0;

	*types_ok = 1;
	if (fd < 0)
		return -1;
	/* a small buffer: several calls, offsets carried in the file */
	while ((n = rump_sys_getdents(fd, buf, sizeof(buf))) > 0) {
		int off = 0;
		while (off < n) {
			uint16_t reclen, namlen;
			memcpy(&reclen, buf + off + 8, 2);
			memcpy(&namlen, buf + off + 10, 2);
			if (reclen % 8 != 0 || reclen < 13 + namlen + 1 || buf[off + 13 + namlen] != 0)
				*types_ok = 0;
			total++;
			off += reclen;
		}
	}
	rump_sys_close(fd);
	return n < 0 ? -1 : total;
}

static void
test_open_rw(void)
{
	char buf[64];
	struct nb_stat st;
	int fd, fd2;

	fd = rump_sys_open("/f", NB_O_RDWR | NB_O_CREAT | NB_O_EXCL, 0644);
	ok(fd >= 0, "open O_CREAT|O_EXCL creates /f (fd %d)", fd);
	ok(rump_sys_write(fd, "hello world", 11) == 11, "write 11 bytes");
	ok(rump_sys_lseek(fd, 0, NB_SEEK_CUR) == 11, "offset is 11 after the write");
	ok(rump_sys_lseek(fd, 0, NB_SEEK_SET) == 0, "lseek SEEK_SET 0");
	memset(buf, 0, sizeof(buf));
	ok(rump_sys_read(fd, buf, sizeof(buf)) == 11 && strcmp(buf, "hello world") == 0,
	    "read back what was written");
	ok(rump_sys_read(fd, buf, sizeof(buf)) == 0, "read at EOF returns 0");
	ok(rump_sys_pread(fd, buf, 5, 6) == 5 && memcmp(buf, "world", 5) == 0,
	    "pread at offset 6");
	ok(rump_sys_pwrite(fd, "W", 1, 6) == 1, "pwrite one byte at 6");
	ok(rump_sys_lseek(fd, 0, NB_SEEK_CUR) == 11, "pread/pwrite leave the offset alone");
	ok(rump_sys_fstat(fd, ST(&st)) == 0 && st.st_size == 11 &&
	    (st.st_mode & NB_S_IFMT) == NB_S_IFREG && (st.st_mode & 07777) == 0644 &&
	    st.st_nlink == 1, "fstat: regular, 0644, 11 bytes, 1 link (mode 0%o)", st.st_mode);
	FAILS(rump_sys_open("/f", NB_O_RDWR | NB_O_CREAT | NB_O_EXCL, 0644), NB_EEXIST,
	    "O_CREAT|O_EXCL on an existing file is EEXIST");
	rump_sys_close(fd);

	fd = rump_sys_open("/f", NB_O_WRONLY | NB_O_APPEND, 0);
	ok(rump_sys_write(fd, "!", 1) == 1, "O_APPEND write");
	ok(rump_sys_lseek(fd, 0, NB_SEEK_CUR) == 12, "O_APPEND wrote at the end");
	ok(rump_sys_lseek(fd, 0, NB_SEEK_SET) == 0 && rump_sys_write(fd, "?", 1) == 1 &&
	    rump_sys_lseek(fd, 0, NB_SEEK_CUR) == 13, "O_APPEND writes at the end after a seek too");
	FAILS(rump_sys_read(fd, buf, 1), NB_EBADF, "read on a write-only descriptor is EBADF");
	rump_sys_close(fd);
	fd = rump_sys_open("/f", NB_O_RDONLY, 0);
	FAILS(rump_sys_write(fd, "x", 1), NB_EBADF, "write on a read-only descriptor is EBADF");
	memset(buf, 0, sizeof(buf));
	ok(rump_sys_read(fd, buf, sizeof(buf)) == 13 && strcmp(buf, "hello World!?") == 0,
	    "contents are \"%s\"", buf);
	rump_sys_close(fd);

	fd = rump_sys_open("/f", NB_O_RDWR | NB_O_TRUNC, 0);
	ok(fd >= 0 && rump_sys_fstat(fd, ST(&st)) == 0 && st.st_size == 0, "O_TRUNC empties the file");
	rump_sys_close(fd);

	FAILS(rump_sys_open("/nonexistent", NB_O_RDONLY, 0), NB_ENOENT, "open of a missing file: ENOENT");
	FAILS(rump_sys_open("/f/x", NB_O_RDONLY, 0), NB_ENOTDIR, "a file as a directory: ENOTDIR");
	FAILS(rump_sys_open("/f", NB_O_RDONLY | NB_O_DIRECTORY, 0), NB_ENOTDIR,
	    "O_DIRECTORY on a file: ENOTDIR");
	FAILS(rump_sys_open("/", NB_O_WRONLY, 0), NB_EISDIR, "opening a directory for writing: EISDIR");
	FAILS(rump_sys_open("/", NB_O_RDONLY | NB_O_CREAT | NB_O_EXCL, 0), NB_EEXIST,
	    "O_CREAT|O_EXCL of /: EEXIST");
	fd = rump_sys_open("/", NB_O_RDONLY | NB_O_CREAT, 0);
	ok(fd >= 0, "O_CREAT of / opens the existing root");
	rump_sys_close(fd);
	FAILS(rump_sys_open("/f", 3, 0), NB_EINVAL, "access mode 3: EINVAL");
	FAILS(rump_sys_open((const char *)16, NB_O_RDONLY, 0), NB_EFAULT, "a bad path pointer: EFAULT");
	FAILS(rump_sys_open("", NB_O_RDONLY, 0), NB_ENOENT, "the empty path: ENOENT");
	fd = rump_sys_open("/", NB_O_RDONLY | NB_O_DIRECTORY, 0);
	FAILS(rump_sys_read(fd, buf, 1), NB_EISDIR, "read on a directory: EISDIR");
	rump_sys_close(fd);

	fd = rump_sys_open("/f", NB_O_RDONLY | NB_O_CLOEXEC, 0);
	ok(rump_sys_fcntl(fd, NB_F_GETFD, 0) == 1, "O_CLOEXEC sets FD_CLOEXEC");
	ok((rump_sys_fcntl(fd, NB_F_GETFL, 0) & 3) == NB_O_RDONLY, "F_GETFL gives O_RDONLY");
	rump_sys_close(fd);
	FAILS(rump_sys_read(fd, buf, 1), NB_EBADF, "read on a closed descriptor: EBADF");
	vt_writefile("/f", "some data");
	FAILS(rump_sys_read(fd = rump_sys_open("/f", NB_O_RDONLY, 0), (void *)8, 4), NB_EFAULT,
	    "read into a bad buffer: EFAULT");
	rump_sys_close(fd);

	/* two descriptors of one file share data but not offsets */
	fd = rump_sys_open("/g", NB_O_RDWR | NB_O_CREAT, 0600);
	fd2 = rump_sys_open("/g", NB_O_RDONLY, 0);
	rump_sys_write(fd, "abc", 3);
	memset(buf, 0, sizeof(buf));
	ok(rump_sys_read(fd2, buf, 10) == 3 && strcmp(buf, "abc") == 0,
	    "a second descriptor sees the data from offset 0");
	ok(rump_sys_unlink("/g") == 0, "unlink /g while it is open");
	FAILS(rump_sys_stat("/g", ST(&st)), NB_ENOENT, "the name is gone");
	memset(buf, 0, sizeof(buf));
	ok(rump_sys_pread(fd2, buf, 10, 0) == 3 && strcmp(buf, "abc") == 0 &&
	    rump_sys_fstat(fd, ST(&st)) == 0 && st.st_nlink == 0,
	    "the open file keeps its data, with nlink 0");
	rump_sys_close(fd);
	rump_sys_close(fd2);
}

static void
test_holes_vectors(void)
{
	char buf[9000], z[4096];
	struct iovec iov[3];
	struct nb_stat st;
	int fd, i, zeros = 1;

	fd = rump_sys_open("/sparse", NB_O_RDWR | NB_O_CREAT, 0644);
	ok(rump_sys_lseek(fd, 1 << 20, NB_SEEK_SET) == 1 << 20, "seek 1 MiB past the start");
	ok(rump_sys_write(fd, "end", 3) == 3, "write after the hole");
	ok(rump_sys_fstat(fd, ST(&st)) == 0 && st.st_size == (1 << 20) + 3,
	    "size covers the hole (%lld)", (long long)st.st_size);
	ok(st.st_blocks <= 16, "the hole takes no blocks (%lld blocks)", (long long)st.st_blocks);
	ok(rump_sys_pread(fd, buf, sizeof(buf), 4096 * 7 + 5) == (ssize_t)sizeof(buf),
	    "read inside the hole");
	for (i = 0; i < (int)sizeof(buf); i++)
		if (buf[i] != 0)
			zeros = 0;
	ok(zeros, "holes read as zeros");
	ok(rump_sys_lseek(fd, 0, NB_SEEK_END) == (1 << 20) + 3, "SEEK_END is the size");
	ok(rump_sys_lseek(fd, -4, NB_SEEK_END) == (1 << 20) - 1, "SEEK_END -4");
	FAILS(rump_sys_lseek(fd, -1, NB_SEEK_SET), NB_EINVAL, "a negative offset: EINVAL");
	FAILS(rump_sys_lseek(fd, 0, 7), NB_EINVAL, "whence 7: EINVAL");
	FAILS(rump_sys_pread(fd, buf, 1, -5), NB_EINVAL, "pread at a negative offset: EINVAL");

	iov[0].iov_base = "ab"; iov[0].iov_len = 2;
	iov[1].iov_base = "cde"; iov[1].iov_len = 3;
	iov[2].iov_base = "f"; iov[2].iov_len = 1;
	ok(rump_sys_ftruncate(fd, 0) == 0 && rump_sys_lseek(fd, 0, NB_SEEK_SET) == 0,
	    "ftruncate to 0");
	ok(rump_sys_writev(fd, iov, 3) == 6, "writev of three buffers");
	memset(buf, 0, 16);
	iov[0].iov_base = buf; iov[0].iov_len = 4;
	iov[1].iov_base = buf + 8; iov[1].iov_len = 4;
	ok(rump_sys_preadv(fd, iov, 2, 0) == 6 && memcmp(buf, "abcd", 4) == 0 &&
	    memcmp(buf + 8, "ef", 2) == 0, "preadv scatters the data");
	ok(rump_sys_pwritev(fd, iov, 1, 100) == 4, "pwritev at 100");
	ok(rump_sys_fstat(fd, ST(&st)) == 0 && st.st_size == 104, "size 104 after pwritev");
	ok(rump_sys_ftruncate(fd, 2) == 0 && rump_sys_ftruncate(fd, 5000) == 0 &&
	    rump_sys_pread(fd, z, 10, 0) == 10 && memcmp(z, "ab\0\0\0\0\0\0\0\0", 10) == 0,
	    "shrink then grow: the cut bytes read as zeros");
	FAILS(rump_sys_ftruncate(fd, -1), NB_EINVAL, "ftruncate to -1: EINVAL");
	rump_sys_close(fd);
	fd = rump_sys_open("/sparse", NB_O_RDONLY, 0);
	FAILS(rump_sys_ftruncate(fd, 0), NB_EINVAL, "ftruncate on a read-only descriptor: EINVAL");
	rump_sys_close(fd);
	ok(rump_sys_truncate("/sparse", 7) == 0 && rump_sys_stat("/sparse", ST(&st)) == 0 &&
	    st.st_size == 7, "truncate by path");
	FAILS(rump_sys_truncate("/", 0), NB_EISDIR, "truncate a directory: EISDIR");
	rump_sys_unlink("/sparse");
}

static void
test_dirs(void)
{
	struct nb_stat st, st2;
	char cwd[256];
	int fd, n, typesok;

	ok(rump_sys_mkdir("/d", 0755) == 0, "mkdir /d");
	FAILS(rump_sys_mkdir("/d", 0755), NB_EEXIST, "mkdir of an existing name: EEXIST");
	FAILS(rump_sys_mkdir("/", 0755), NB_EEXIST, "mkdir /: EEXIST");
	FAILS(rump_sys_mkdir("/no/such", 0755), NB_ENOENT, "mkdir under a missing directory: ENOENT");
	ok(rump_sys_mkdir("/d/e/", 0700) == 0, "mkdir with a trailing slash");
	ok(rump_sys_stat("/d", ST(&st)) == 0 && (st.st_mode & NB_S_IFMT) == NB_S_IFDIR &&
	    st.st_nlink == 3, "a directory with one subdirectory has 3 links (%u)", st.st_nlink);
	ok(rump_sys_stat("/d/e/.", ST(&st)) == 0 && rump_sys_stat("/d/./e/../e", ST(&st2)) == 0 &&
	    st.st_ino == st2.st_ino, "'.' and '..' resolve");
	ok(rump_sys_stat("/..", ST(&st)) == 0 && rump_sys_stat("/", ST(&st2)) == 0 &&
	    st.st_ino == st2.st_ino, "'..' of the root is the root");
	ok(vt_writefile("/d/e/file", "x") == 1, "a file in /d/e");
	FAILS(rump_sys_rmdir("/d/e"), NB_ENOTEMPTY, "rmdir of a non-empty directory: ENOTEMPTY");
	FAILS(rump_sys_rmdir("/d/e/file"), NB_ENOTDIR, "rmdir of a file: ENOTDIR");
	FAILS(rump_sys_unlink("/d/e"), NB_EPERM, "unlink of a directory: EPERM");
	FAILS(rump_sys_rmdir("/d/e/."), NB_EINVAL, "rmdir of '.': EINVAL");
	FAILS(rump_sys_rmdir("/"), NB_EBUSY, "rmdir /: EBUSY");
	FAILS(rump_sys_unlink("/d/e/nothing"), NB_ENOENT, "unlink of a missing name: ENOENT");
	ok(count_entries("/d/e", &typesok) == 3 && typesok, "getdents: ., .., file");
	for (n = 0; n < 40; n++) {
		char name[32];
		snprintf(name, sizeof(name), "/d/e/n%02d", n);
		vt_writefile(name, "");
	}
	ok(count_entries("/d/e", &typesok) == 43 && typesok,
	    "getdents over several calls sees 43 entries, records well-formed");
	for (n = 0; n < 40; n += 2) {
		char name[32];
		snprintf(name, sizeof(name), "/d/e/n%02d", n);
		rump_sys_unlink(name);
	}
	ok(count_entries("/d/e", &typesok) == 23, "after removing 20: 23 entries");
	ok(rump_sys_stat("/d/e/n39", ST(&st)) == 0 && rump_sys_stat("/d/e/n38", ST(&st)) == -1,
	    "hashed lookups find the survivors only");
	fd = rump_sys_open("/d/e/file", NB_O_RDONLY, 0);
	{
		char buf[64];
		FAILS(rump_sys_getdents(fd, buf, sizeof(buf)), NB_ENOTDIR, "getdents on a file: ENOTDIR");
		rump_sys_close(fd);
		fd = rump_sys_open("/d", NB_O_RDONLY, 0);
		FAILS(rump_sys_getdents(fd, buf, 8), NB_EINVAL, "getdents with a tiny buffer: EINVAL");
		rump_sys_close(fd);
	}

	/* cwd */
	ok(rump_sys_chdir("/d/e") == 0, "chdir /d/e");
	ok(rump_sys___getcwd(cwd, sizeof(cwd)) > 0 && strcmp(cwd, "/d/e") == 0,
	    "__getcwd is \"%s\"", cwd);
	ok(rump_sys_stat("file", ST(&st)) == 0, "relative paths start at the cwd");
	FAILS(rump_sys___getcwd(cwd, 3), NB_ERANGE, "__getcwd with a short buffer: ERANGE");
	ok(rump_sys_chdir("..") == 0 && rump_sys___getcwd(cwd, sizeof(cwd)) > 0 &&
	    strcmp(cwd, "/d") == 0, "chdir .. goes to /d");
	FAILS(rump_sys_chdir("/d/e/file"), NB_ENOTDIR, "chdir to a file: ENOTDIR");
	fd = rump_sys_open("/d/e", NB_O_RDONLY, 0);
	ok(rump_sys_chdir("/") == 0 && rump_sys_fchdir(fd) == 0 &&
	    rump_sys___getcwd(cwd, sizeof(cwd)) > 0 && strcmp(cwd, "/d/e") == 0, "fchdir");
	ok(rump_sys_mkdirat(fd, "sub", 0755) == 0 && rump_sys_stat("/d/e/sub", ST(&st)) == 0,
	    "mkdirat relative to a directory descriptor");
	ok(rump_sys_fstatat(fd, "sub", ST(&st), 0) == 0, "fstatat relative to it");
	ok(rump_sys_unlinkat(fd, "sub", NB_AT_REMOVEDIR) == 0, "unlinkat AT_REMOVEDIR");
	FAILS(rump_sys_openat(99, "x", NB_O_RDONLY, 0), NB_EBADF, "openat on a bad dirfd: EBADF");
	ok(rump_sys_openat(99, "/d", NB_O_RDONLY, 0) >= 0, "an absolute path ignores the dirfd");
	rump_sys_close(fd);
	ok(rump_sys_chdir("/") == 0, "back to /");
}

static void
test_links(void)
{
	struct nb_stat st, st2;
	char buf[64], longname[600], longpath[1100];
	int i, fd;

	ok(vt_writefile("/t1", "data") == 4, "a file /t1");
	ok(rump_sys_link("/t1", "/t2") == 0, "link /t1 /t2");
	ok(rump_sys_stat("/t1", ST(&st)) == 0 && st.st_nlink == 2 &&
	    rump_sys_stat("/t2", ST(&st2)) == 0 && st.st_ino == st2.st_ino,
	    "two names, one inode, nlink 2");
	FAILS(rump_sys_link("/t1", "/t2"), NB_EEXIST, "link over an existing name: EEXIST");
	FAILS(rump_sys_link("/d", "/dl"), NB_EPERM, "link to a directory: EPERM");
	ok(rump_sys_unlink("/t1") == 0 && rump_sys_stat("/t2", ST(&st)) == 0 && st.st_nlink == 1,
	    "unlink one name, the other stays");

	ok(rump_sys_symlink("/t2", "/s") == 0, "symlink /s -> /t2");
	ok(rump_sys_lstat("/s", ST(&st)) == 0 && (st.st_mode & NB_S_IFMT) == NB_S_IFLNK &&
	    st.st_size == 3, "lstat sees the link");
	ok(rump_sys_stat("/s", ST(&st)) == 0 && (st.st_mode & NB_S_IFMT) == NB_S_IFREG,
	    "stat follows it");
	memset(buf, 0, sizeof(buf));
	ok(rump_sys_readlink("/s", buf, sizeof(buf)) == 3 && strcmp(buf, "/t2") == 0,
	    "readlink gives the target");
	ok(rump_sys_readlink("/s", buf, 2) == 2, "readlink truncates to the buffer");
	FAILS(rump_sys_readlink("/t2", buf, sizeof(buf)), NB_EINVAL, "readlink of a file: EINVAL");
	FAILS(rump_sys_open("/s", NB_O_RDONLY | NB_O_NOFOLLOW, 0), NB_EFTYPE,
	    "O_NOFOLLOW on a symlink: EFTYPE (NetBSD 7)");
	ok(rump_sys_symlink("d", "/rel") == 0 && rump_sys_stat("/rel/e/file", ST(&st)) == 0,
	    "a relative symlink to a directory, used in the middle of a path");
	ok(rump_sys_symlink("/nowhere", "/dangling") == 0, "a dangling symlink");
	FAILS(rump_sys_stat("/dangling", ST(&st)), NB_ENOENT, "stat through it: ENOENT");
	fd = rump_sys_open("/dangling", NB_O_WRONLY | NB_O_CREAT, 0600);
	ok(fd >= 0 && rump_sys_stat("/nowhere", ST(&st)) == 0,
	    "O_CREAT through a dangling symlink creates the target");
	rump_sys_close(fd);
	FAILS(rump_sys_open("/dangling", NB_O_WRONLY | NB_O_CREAT | NB_O_EXCL, 0600), NB_EEXIST,
	    "O_CREAT|O_EXCL on a symlink: EEXIST");

	ok(rump_sys_symlink("/loop2", "/loop1") == 0 && rump_sys_symlink("/loop1", "/loop2") == 0,
	    "two symlinks pointing at each other");
	FAILS(rump_sys_stat("/loop1", ST(&st)), NB_ELOOP, "following them: ELOOP");
	/* a chain of 32 links resolves, 33 does not */
	for (i = 0; i < 33; i++) {
		char from[16], to[16];
		snprintf(to, sizeof(to), i == 0 ? "/t2" : "/c%d", i - 1);
		snprintf(from, sizeof(from), "/c%d", i);
		rump_sys_symlink(to, from);
	}
	ok(rump_sys_stat("/c31", ST(&st)) == 0, "a chain of 32 symlinks resolves (MAXSYMLINKS)");
	FAILS(rump_sys_stat("/c32", ST(&st)), NB_ELOOP, "a chain of 33: ELOOP");

	memset(longname, 'a', sizeof(longname));
	longname[0] = '/';
	longname[513] = '\0';
	FAILS(rump_sys_stat(longname, ST(&st)), NB_ENAMETOOLONG,
	    "a 512-byte component: ENAMETOOLONG");
	memset(longpath, 'b', sizeof(longpath));
	for (i = 0; i < (int)sizeof(longpath) - 1; i += 10)
		longpath[i] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	FAILS(rump_sys_stat(longpath, ST(&st)), NB_ENAMETOOLONG, "a 1100-byte path: ENAMETOOLONG");
	longname[511] = '\0';
	ok(rump_sys_mkdir(longname, 0755) == 0 && rump_sys_rmdir(longname) == 0,
	    "a 510-byte name works");
}

static void
test_rename(void)
{
	struct nb_stat st, st2;
	char buf[16];

	vt_writefile("/ra", "A");
	vt_writefile("/rb", "B");
	ok(rump_sys_rename("/ra", "/rb") == 0, "rename over an existing file");
	memset(buf, 0, sizeof(buf));
	{
		int fd = rump_sys_open("/rb", NB_O_RDONLY, 0);
		rump_sys_read(fd, buf, sizeof(buf));
		rump_sys_close(fd);
	}
	ok(strcmp(buf, "A") == 0 && rump_sys_stat("/ra", ST(&st)) == -1, "the target has the data");
	ok(rump_sys_link("/rb", "/rc") == 0 && rump_sys_rename("/rb", "/rc") == 0 &&
	    rump_sys_stat("/rb", ST(&st)) == 0 && rump_sys_stat("/rc", ST(&st2)) == 0,
	    "rename between two links of one file does nothing");
	rump_sys_mkdir("/rd1", 0755);
	rump_sys_mkdir("/rd2", 0755);
	rump_sys_mkdir("/rd1/inner", 0755);
	ok(rump_sys_rename("/rd1", "/rd2") == 0 && rump_sys_stat("/rd2/inner", ST(&st)) == 0,
	    "a directory over an empty directory");
	rump_sys_mkdir("/rd3", 0755);
	FAILS(rump_sys_rename("/rd3", "/rd2"), NB_ENOTEMPTY, "over a non-empty directory: ENOTEMPTY");
	FAILS(rump_sys_rename("/rd2", "/rd2/inner/x"), NB_EINVAL,
	    "a directory into its own subtree: EINVAL");
	FAILS(rump_sys_rename("/rc", "/rd3"), NB_EISDIR, "a file over a directory: EISDIR");
	FAILS(rump_sys_rename("/rd3", "/rc"), NB_ENOTDIR, "a directory over a file: ENOTDIR");
	FAILS(rump_sys_rename("/nothing", "/x"), NB_ENOENT, "a missing source: ENOENT");
	FAILS(rump_sys_rename("/rc", "/nodir/x"), NB_ENOENT, "into a missing directory: ENOENT");
	ok(rump_sys_stat("/rd2", ST(&st)) == 0 && st.st_nlink == 3, "/rd2 has nlink 3");
	ok(rump_sys_rename("/rd2/inner", "/rd3/inner") == 0 && rump_sys_stat("/rd2", ST(&st)) == 0 &&
	    st.st_nlink == 2 && rump_sys_stat("/rd3", ST(&st)) == 0 && st.st_nlink == 3,
	    "moving a directory moves its '..' link");
	ok(rump_sys_stat("/rd3/inner/..", ST(&st)) == 0 && rump_sys_stat("/rd3", ST(&st2)) == 0 &&
	    st.st_ino == st2.st_ino, "'..' of the moved directory is its new parent");
	ok(rump_sys_renameat(NB_AT_FDCWD, "/rc", NB_AT_FDCWD, "/rd3/rc") == 0, "renameat");
}

static void
test_attrs(void)
{
	struct nb_stat st;
	struct nb_timespec ts[2];
	struct nb_statvfs sv;
	int fd;

	vt_writefile("/attr", "1234");
	ok(rump_sys_chmod("/attr", 04751) == 0 && rump_sys_stat("/attr", ST(&st)) == 0 &&
	    (st.st_mode & 07777) == 04751, "chmod 04751");
	ok(rump_sys_chown("/attr", 100, 200) == 0 && rump_sys_stat("/attr", ST(&st)) == 0 &&
	    st.st_uid == 100 && st.st_gid == 200, "chown 100:200 as root");
	ok(rump_sys_chown("/attr", -1, 300) == 0 && rump_sys_stat("/attr", ST(&st)) == 0 &&
	    st.st_uid == 100 && st.st_gid == 300, "chown -1 keeps the owner");
	ts[0].tv_sec = 1000; ts[0].tv_nsec = 5;
	ts[1].tv_sec = 2000; ts[1].tv_nsec = 7;
	ok(rump_sys_utimensat(NB_AT_FDCWD, "/attr", (void *)ts, 0) == 0 &&
	    rump_sys_stat("/attr", ST(&st)) == 0 && st.st_atim.tv_sec == 1000 &&
	    st.st_mtim.tv_sec == 2000 && st.st_mtim.tv_nsec == 7, "utimensat sets both times");
	ts[0].tv_nsec = NB_UTIME_OMIT;
	ts[1].tv_sec = 3000; ts[1].tv_nsec = 0;
	ok(rump_sys_utimensat(NB_AT_FDCWD, "/attr", (void *)ts, 0) == 0 &&
	    rump_sys_stat("/attr", ST(&st)) == 0 && st.st_atim.tv_sec == 1000 &&
	    st.st_mtim.tv_sec == 3000, "UTIME_OMIT leaves atime");
	ts[1].tv_nsec = 1000000000;
	FAILS(rump_sys_utimensat(NB_AT_FDCWD, "/attr", (void *)ts, 0), NB_EINVAL,
	    "tv_nsec 1e9: EINVAL");
	ok(rump_sys_utimensat(NB_AT_FDCWD, "/attr", NULL, 0) == 0 &&
	    rump_sys_stat("/attr", ST(&st)) == 0 && st.st_mtim.tv_sec > 1000000000,
	    "NULL times means now");
	fd = rump_sys_open("/attr", NB_O_RDONLY, 0);
	ok(rump_sys_fchmod(fd, 0600) == 0 && rump_sys_fchown(fd, 0, 0) == 0 &&
	    rump_sys_fstat(fd, ST(&st)) == 0 && (st.st_mode & 07777) == 0600 && st.st_uid == 0,
	    "fchmod, fchown");
	ok(rump_sys_futimens(fd, NULL) == 0, "futimens");
	ok(rump_sys_fsync(fd) == 0, "fsync");
	FAILS(rump_sys_fdatasync(fd), NB_EBADF, "fdatasync on a read-only descriptor: EBADF");
	rump_sys_close(fd);
	FAILS(rump_sys_fchmod(fd, 0600), NB_EBADF, "fchmod on a closed descriptor: EBADF");
	FAILS(rump_sys_chmod("/missing", 0600), NB_ENOENT, "chmod of a missing file: ENOENT");
	FAILS(rump_sys_stat("/attr", (void *)24), NB_EFAULT, "stat into a bad buffer: EFAULT");

	/* umask */
	ok(rump_sys_umask(027) == 022, "umask starts at 022");
	fd = rump_sys_open("/um", NB_O_WRONLY | NB_O_CREAT, 0777);
	ok(rump_sys_fstat(fd, ST(&st)) == 0 && (st.st_mode & 0777) == 0750,
	    "umask 027 turns 0777 into 0750");
	rump_sys_close(fd);
	ok(rump_sys_mkdir("/umd", 0777) == 0 && rump_sys_stat("/umd", ST(&st)) == 0 &&
	    (st.st_mode & 0777) == 0750, "and applies to mkdir");
	rump_sys_umask(022);

	/* access */
	ok(rump_sys_access("/um", 4 | 2) == 0, "access R_OK|W_OK as root");
	FAILS(rump_sys_access("/um", 1 << 4), NB_EINVAL, "access with a bad mode: EINVAL");
	FAILS(rump_sys_access("/nope", 0), NB_ENOENT, "access of a missing file: ENOENT");

	/* statvfs */
	ok(rump_sys_statvfs1("/", SV(&sv), 1) == 0 && strcmp(sv.f_fstypename, "rumpfs") == 0 &&
	    strcmp(sv.f_mntonname, "/") == 0 && sv.f_bsize == 4096 && sv.f_namemax == 511,
	    "statvfs1 of / : rumpfs on /");
	fd = rump_sys_open("/", NB_O_RDONLY, 0);
	ok(rump_sys_fstatvfs1(fd, SV(&sv), 1) == 0 && strcmp(sv.f_mntonname, "/") == 0,
	    "fstatvfs1");
	rump_sys_close(fd);
	FAILS(rump_sys_statvfs1("/", SV(&sv), 77), NB_EINVAL, "statvfs1 with bad flags: EINVAL");

	/* mknod / mkfifo */
	ok(rump_sys_mkfifo("/fifo", 0644) == 0 && rump_sys_stat("/fifo", ST(&st)) == 0 &&
	    (st.st_mode & NB_S_IFMT) == NB_S_IFIFO, "mkfifo makes a fifo");
	ok(rump_sys_mknod("/chr", NB_S_IFCHR | 0600, 0x1234) == 0 &&
	    rump_sys_stat("/chr", ST(&st)) == 0 && (st.st_mode & NB_S_IFMT) == NB_S_IFCHR &&
	    st.st_rdev == 0x1234, "mknod a character device as root");
	FAILS(rump_sys_open("/chr", NB_O_RDONLY, 0), NB_ENXIO, "opening it: ENXIO (no driver)");
	FAILS(rump_sys_mknod("/bad", 0170000 | 0600, 0), NB_EINVAL, "mknod of a bad type: EINVAL");
	FAILS(rump_sys_lseek(rump_sys_open("/fifo", NB_O_RDWR, 0), 0, NB_SEEK_SET), NB_ESPIPE,
	    "lseek on a fifo: ESPIPE");
}

/* Permission checks as an unprivileged process. */
static void
test_perms(void)
{
	struct nb_stat st;
	int fd;

	rump_sys_mkdir("/pub", 0777);
	rump_sys_chmod("/pub", 0777);		/* past the umask */
	rump_sys_mkdir("/priv", 0700);
	vt_writefile("/priv/secret", "s");
	vt_writefile("/rootfile", "r");
	rump_sys_chmod("/rootfile", 0644);
	rump_sys_mkdir("/sticky", 01777);
	rump_sys_chmod("/sticky", 01777);
	vt_writefile("/sticky/rootowned", "x");
	rump_sys_chmod("/sticky/rootowned", 0666);

	ok(rump_pub_lwproc_rfork(RUMP_RFFDG) == 0, "fork a process");
	ok(rump_sys_setgid(500) == 0 && rump_sys_setuid(500) == 0 && rump_sys_geteuid() == 500,
	    "it becomes uid 500");
	FAILS(rump_sys_open("/priv/secret", NB_O_RDONLY, 0), NB_EACCES,
	    "search in a 0700 root directory: EACCES");
	FAILS(rump_sys_open("/rootfile", NB_O_WRONLY, 0), NB_EACCES, "writing a 0644 root file: EACCES");
	ok((fd = rump_sys_open("/rootfile", NB_O_RDONLY, 0)) >= 0, "reading it is fine");
	rump_sys_close(fd);
	FAILS(rump_sys_open("/newfile", NB_O_WRONLY | NB_O_CREAT, 0644), NB_EACCES,
	    "creating in a 0755 root-owned directory: EACCES");
	FAILS(rump_sys_mkdir("/newdir", 0755), NB_EACCES, "mkdir there: EACCES");
	FAILS(rump_sys_unlink("/rootfile"), NB_EACCES, "unlink there: EACCES");
	FAILS(rump_sys_chmod("/rootfile", 0777), NB_EPERM, "chmod of another's file: EPERM");
	FAILS(rump_sys_chown("/rootfile", 500, 500), NB_EPERM, "chown to oneself: EPERM");
	FAILS(rump_sys_utimensat(NB_AT_FDCWD, "/rootfile", NULL, 0), NB_EACCES,
	    "utimes(now) without write access: EACCES");
	FAILS(rump_sys_truncate("/rootfile", 0), NB_EACCES, "truncate without write access: EACCES");
	FAILS(rump_sys_access("/rootfile", 2), NB_EACCES, "access W_OK: EACCES");
	FAILS(rump_sys_mknod("/pub/dev", NB_S_IFCHR | 0600, 1), NB_EPERM,
	    "mknod of a device as non-root: EPERM");
	FAILS(rump_sys_mount("tmpfs", "/pub", 0, NULL, 0), NB_EPERM, "mount as non-root: EPERM");
	FAILS(rump_sys_chroot("/pub"), NB_EPERM, "chroot as non-root: EPERM");

	ok((fd = rump_sys_open("/pub/mine", NB_O_RDWR | NB_O_CREAT, 04755)) >= 0,
	    "creating in a 0777 directory works");
	ok(rump_sys_fstat(fd, ST(&st)) == 0 && st.st_uid == 500 && (st.st_mode & 07777) == 04755,
	    "owned by the creator, setuid kept at creation");
	ok(rump_sys_write(fd, "x", 1) == 1 && rump_sys_fstat(fd, ST(&st)) == 0 &&
	    (st.st_mode & 07777) == 0755, "a non-root write, even the owner's, clears setuid");
	rump_sys_close(fd);
	ok(rump_sys_chmod("/pub/mine", 0640) == 0, "chmod of one's own file");
	FAILS(rump_sys_chmod("/pub/mine", 02640), NB_EPERM,
	    "setgid for a group one is not in: EPERM");
	FAILS(rump_sys_chmod("/pub/mine", 01640), NB_EFTYPE, "sticky on a file as non-root: EFTYPE");
	FAILS(rump_sys_chown("/pub/mine", 0, -1), NB_EPERM, "giving a file away: EPERM");
	ok(rump_sys_chown("/pub/mine", -1, 500) == 0, "chown to one's own group");
	FAILS(rump_sys_chown("/pub/mine", -1, 7), NB_EPERM, "chown to a foreign group: EPERM");
	ok(rump_sys_utimensat(NB_AT_FDCWD, "/pub/mine", NULL, 0) == 0, "utimes on one's own file");
	FAILS(rump_sys_unlink("/sticky/rootowned"), NB_EPERM,
	    "unlink another's file in a sticky directory: EPERM");
	ok(vt_writefile("/sticky/mine", "m") == 1 && rump_sys_unlink("/sticky/mine") == 0,
	    "one's own file in a sticky directory goes");
	ok(rump_sys_access("/rootfile", 4) == 0, "access R_OK");
	rump_pub_lwproc_releaselwp();
	ok(rump_sys_getuid() == 0, "back to root in process 1");

	/* setuid bits cleared on chown by non-root and write by non-root */
	vt_writefile("/pub/suid", "x");
	rump_sys_chown("/pub/suid", 500, 500);
	rump_sys_chmod("/pub/suid", 06777);
	ok(rump_pub_lwproc_rfork(RUMP_RFFDG) == 0 && rump_sys_setgid(500) == 0 &&
	    rump_sys_setuid(501) == 0, "another process as uid 501");
	fd = rump_sys_open("/pub/suid", NB_O_WRONLY, 0);
	ok(fd >= 0 && rump_sys_write(fd, "y", 1) == 1 && rump_sys_fstat(fd, ST(&st)) == 0 &&
	    (st.st_mode & 06000) == 0, "a non-root write clears setuid/setgid (mode 0%o)",
	    st.st_mode & 07777);
	rump_sys_close(fd);
	rump_pub_lwproc_releaselwp();
}

int
main(void)
{
	struct rumpus_kernel *k;
	struct rumpus_memstats m0, m1;

	rumpus_memstats(&m0);
	k = vt_boot(0);
	test_open_rw();
	test_holes_vectors();
	test_dirs();
	test_links();
	test_rename();
	test_attrs();
	test_perms();
	vt_down(k);
	rumpus_memstats(&m1);
	ok(m1.leaked == 0 && m1.bytes == m0.bytes,
	    "destroying the kernel frees every vnode and byte (leaked %llu, %llu -> %llu)",
	    (unsigned long long)m1.leaked, (unsigned long long)m0.bytes,
	    (unsigned long long)m1.bytes);
	return tap_done();
}
