/*
 * tmpfs_mount_test.c: mounting tmpfs (struct tmpfs_args), the mount table, EBUSY rules,
 * forced unmount, statvfs/getvfsstat, ta_size_max / ta_nodes_max / memlimit as ENOSPC,
 * ENODEV without fs.tmpfs, and isolation between kernels.
 */
#include <stdio.h>
#include <stdlib.h>

#include "vfs_util.h"

static void
test_mount_basics(void)
{
	struct nb_tmpfs_args a = { 1, 0, 0, 123, 456, 0710 };
	struct nb_statvfs sv, all[4];
	struct nb_stat st, st2;
	char cwd[64];
	int fd, n;

	ok(rump_sys_mkdir("/mnt", 0755) == 0, "mkdir /mnt");
	ok(vt_writefile("/mnt/under", "hidden") == 6, "a file under the mount point");
	ok(rump_sys_mount("tmpfs", "/mnt", 0, &a, sizeof(a)) == 0, "mount tmpfs on /mnt");
	ok(rump_sys_stat("/mnt", ST(&st)) == 0 && st.st_uid == 123 && st.st_gid == 456 &&
	    (st.st_mode & 07777) == 0710, "the root takes ta_root_uid/gid/mode");
	ok(rump_sys_stat("/", ST(&st2)) == 0 && st.st_dev != st2.st_dev, "a new st_dev");
	FAILS(rump_sys_stat("/mnt/under", ST(&st)), NB_ENOENT, "the covered file is hidden");
	ok(vt_writefile("/mnt/over", "on tmpfs") == 8, "a file on the tmpfs");
	ok(rump_sys_statvfs1("/mnt/over", SV(&sv), 1) == 0 &&
	    strcmp(sv.f_fstypename, "tmpfs") == 0 && strcmp(sv.f_mntonname, "/mnt") == 0,
	    "statvfs1: tmpfs on /mnt (%s on %s)", sv.f_fstypename, sv.f_mntonname);
	ok(rump_sys_getvfsstat(NULL, 0, 1) == 2, "getvfsstat(NULL) counts 2 mounts");
	n = rump_sys_getvfsstat(SV(all), sizeof(all), 1);
	ok(n == 2 && strcmp(all[0].f_mntonname, "/") == 0 && strcmp(all[1].f_mntonname, "/mnt") == 0,
	    "getvfsstat lists / and /mnt");
	ok(rump_sys_getvfsstat(SV(all), sizeof(all[0]), 1) == 1, "a buffer for one gets one");
	ok(rump_sys_stat("/mnt/..", ST(&st)) == 0 && rump_sys_stat("/", ST(&st2)) == 0 &&
	    st.st_ino == st2.st_ino && st.st_dev == st2.st_dev, "'..' leaves the mount");
	FAILS(rump_sys_rename("/mnt/over", "/over"), NB_EXDEV, "rename across mounts: EXDEV");
	FAILS(rump_sys_link("/mnt/over", "/over"), NB_EXDEV, "link across mounts: EXDEV");
	FAILS(rump_sys_rmdir("/mnt"), NB_EBUSY, "rmdir of a mount point: EBUSY");

	/* busy: open file, cwd, submount */
	fd = rump_sys_open("/mnt/over", NB_O_RDONLY, 0);
	FAILS(rump_sys_unmount("/mnt", 0), NB_EBUSY, "unmount with an open file: EBUSY");
	rump_sys_close(fd);
	ok(rump_sys_chdir("/mnt") == 0 && rump_sys___getcwd(cwd, sizeof(cwd)) > 0 &&
	    strcmp(cwd, "/mnt") == 0, "chdir into it, getcwd /mnt");
	FAILS(rump_sys_unmount("/mnt", 0), NB_EBUSY, "unmount with a cwd inside: EBUSY");
	rump_sys_chdir("/");
	ok(rump_sys_mkdir("/mnt/sub", 0755) == 0 && vt_mktmpfs("/mnt/sub", 0, 0) == 0,
	    "a submount on /mnt/sub");
	ok(rump_sys_chdir("/mnt/sub") == 0 && rump_sys___getcwd(cwd, sizeof(cwd)) > 0 &&
	    strcmp(cwd, "/mnt/sub") == 0, "getcwd through two mounts: %s", cwd);
	rump_sys_chdir("/");
	FAILS(rump_sys_unmount("/mnt", 0), NB_EBUSY, "unmount with a submount: EBUSY");
	FAILS(rump_sys_unmount("/mnt/over", 0), NB_EINVAL, "unmount of a non-root: EINVAL");
	FAILS(rump_sys_unmount("/", 0), NB_EBUSY, "unmount of the root: EBUSY");
	ok(rump_sys_unmount("/mnt/sub", 0) == 0, "unmount the submount");
	ok(rump_sys_unmount("/mnt", 0) == 0, "unmount /mnt");
	ok(rump_sys_stat("/mnt/under", ST(&st)) == 0, "the covered file is back");
	ok(rump_sys_getvfsstat(NULL, 0, 1) == 1, "one mount left");

	/* forced unmount with a file open and a cwd inside */
	ok(vt_mktmpfs("/mnt", 0, 0) == 0 && vt_writefile("/mnt/x", "xyz") == 3, "mount again");
	fd = rump_sys_open("/mnt/x", NB_O_RDONLY, 0);
	rump_sys_mkdir("/mnt/s2", 0755);
	vt_mktmpfs("/mnt/s2", 0, 0);
	ok(rump_pub_lwproc_rfork(RUMP_RFFDG) == 0 && rump_sys_chdir("/mnt") == 0,
	    "a process with its cwd inside");
	{
		void *child = rump_pub_lwproc_curlwp();
		rump_pub_lwproc_switch(NULL);
		ok(rump_sys_unmount("/mnt", NB_MNT_FORCE) == 0,
		    "MNT_FORCE unmounts despite the file, cwd and submount");
		ok(rump_sys_getvfsstat(NULL, 0, 1) == 1, "the submount went too");
		FAILS(rump_sys_read(fd, cwd, 3), NB_EIO, "the open file is revoked: EIO");
		rump_pub_lwproc_switch(child);
		FAILS(rump_sys_stat("x", ST(&st)), NB_EIO, "lookups from the revoked cwd: EIO");
		rump_pub_lwproc_releaselwp();
	}
	ok(rump_sys_close(fd) == 0, "closing the revoked file works");

	/* errors */
	FAILS(rump_sys_mount("nosuchfs", "/mnt", 0, &a, sizeof(a)), NB_ENODEV,
	    "an unknown file-system type: ENODEV");
	FAILS(rump_sys_mount("tmpfs", "/mnt/under", 0, &a, sizeof(a)), NB_ENOTDIR,
	    "mount on a file: ENOTDIR");
	FAILS(rump_sys_mount("tmpfs", "/nomnt", 0, &a, sizeof(a)), NB_ENOENT,
	    "mount on a missing directory: ENOENT");
	a.ta_version = 2;
	FAILS(rump_sys_mount("tmpfs", "/mnt", 0, &a, sizeof(a)), NB_EINVAL, "ta_version 2: EINVAL");
	FAILS(rump_sys_mount("tmpfs", "/mnt", 0, NULL, 0), NB_EINVAL, "no arguments: EINVAL");
	FAILS(rump_sys_mount("tmpfs", "/mnt", 0, (void *)64, sizeof(a)), NB_EFAULT,
	    "a bad argument pointer: EFAULT");
	ok(vt_mktmpfs("/mnt", 0, NB_MNT_RDONLY) == 0, "a read-only mount");
	FAILS(rump_sys_open("/mnt/new", NB_O_WRONLY | NB_O_CREAT, 0644), NB_EROFS,
	    "creating on it: EROFS");
	ok(rump_sys_statvfs1("/mnt", SV(&sv), 1) == 0 && (sv.f_flag & NB_MNT_RDONLY),
	    "statvfs shows MNT_RDONLY");
	ok(rump_sys_unmount("/mnt", 0) == 0, "unmount it");
}

static void
test_limits(void)
{
	struct nb_tmpfs_args a = { 1, 4, 0, 0, 0, 0777 };
	char buf[4096];
	struct nb_statvfs sv;
	int fd, i;
	ssize_t n, total = 0;

	rump_sys_mkdir("/lim", 0755);
	ok(rump_sys_mount("tmpfs", "/lim", 0, &a, sizeof(a)) == 0, "tmpfs with ta_nodes_max 4");
	ok(vt_writefile("/lim/a", "") == 0 && vt_writefile("/lim/b", "") == 0 &&
	    vt_writefile("/lim/c", "") == 0, "three files fit (the root is the fourth node)");
	FAILS(rump_sys_open("/lim/d", NB_O_WRONLY | NB_O_CREAT, 0644), NB_ENOSPC,
	    "a fifth node: ENOSPC");
	ok(rump_sys_unlink("/lim/c") == 0 && vt_writefile("/lim/d", "") == 0,
	    "removing one makes room");
	ok(rump_sys_unmount("/lim", 0) == 0, "unmount");

	a.ta_nodes_max = 0;
	a.ta_size_max = 64 * 1024;
	ok(rump_sys_mount("tmpfs", "/lim", 0, &a, sizeof(a)) == 0, "tmpfs with ta_size_max 64 KiB");
	ok(rump_sys_statvfs1("/lim", SV(&sv), 1) == 0 && sv.f_blocks == 16 && sv.f_bfree == 16,
	    "statvfs: 16 blocks of 4 KiB, all free");
	fd = rump_sys_open("/lim/big", NB_O_WRONLY | NB_O_CREAT, 0644);
	memset(buf, 'z', sizeof(buf));
	for (i = 0; i < 100; i++) {
		n = rump_sys_write(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		total += n;
	}
	ok(total == 64 * 1024, "exactly 64 KiB fit (%zd)", total);
	FAILS(rump_sys_write(fd, buf, 1), NB_ENOSPC, "then writes fail with ENOSPC");
	ok(rump_sys_statvfs1("/lim", SV(&sv), 1) == 0 && sv.f_bfree == 0, "no blocks free");
	ok(rump_sys_ftruncate(fd, 4096) == 0 && rump_sys_write(fd, buf, 4096) == 4096,
	    "truncating gives the space back");
	rump_sys_close(fd);
	ok(rump_sys_unmount("/lim", 0) == 0, "unmount");
}

static void
test_memlimit(void)
{
	struct rumpus_kernel *k = vt_boot(256 * 1024);
	char buf[4096];
	ssize_t n, total = 0;
	size_t before;
	int fd, i;

	memset(buf, 'q', sizeof(buf));
	fd = rump_sys_open("/fill", NB_O_WRONLY | NB_O_CREAT, 0644);
	for (i = 0; i < 1000; i++) {
		if ((n = rump_sys_write(fd, buf, sizeof(buf))) <= 0)
			break;
		total += n;
	}
	errno = 0;
	n = rump_sys_write(fd, buf, sizeof(buf));
	ok(n == -1 && errno == NB_ENOSPC,
	    "a 256 KiB kernel memlimit stops writes with ENOSPC after %zd bytes", total);
	ok(total > 100 * 1024 && total < 256 * 1024, "most of the limit went to data");
	ok(rumpus_kernel_memused(k) <= 256 * 1024, "the kernel stayed under its limit (%zu)",
	    rumpus_kernel_memused(k));
	before = rumpus_kernel_memused(k);
	rump_sys_close(fd);
	ok(rump_sys_unlink("/fill") == 0 && rumpus_kernel_memused(k) < before - 100 * 1024,
	    "unlink of the closed file frees its pages (%zu -> %zu)", before,
	    rumpus_kernel_memused(k));
	vt_down(k);
}

static void
test_isolation_nodev(void)
{
	const char *vfsonly[] = { "vfs", NULL };
	struct rumpus_kernel *a, *b, *c;
	struct nb_stat st;
	int err;

	a = vt_boot(0);
	b = vt_boot(0);
	rumpus_kernel_switch(a);
	ok(vt_writefile("/only-in-a", "a") == 1 && rump_sys_mkdir("/dir-a", 0755) == 0,
	    "kernel A makes files");
	rumpus_kernel_switch(b);
	FAILS(rump_sys_stat("/only-in-a", ST(&st)), NB_ENOENT, "kernel B does not see them");
	ok(vt_writefile("/only-in-a", "bb") == 2, "B makes its own file of that name");
	rumpus_kernel_switch(a);
	ok(rump_sys_stat("/only-in-a", ST(&st)) == 0 && st.st_size == 1, "A's file is untouched");
	vt_down(a);
	rumpus_kernel_switch(b);
	ok(rump_sys_stat("/only-in-a", ST(&st)) == 0 && st.st_size == 2,
	    "B's survives A's destruction");
	vt_down(b);

	c = rumpus_kernel_create(vfsonly, NULL, &err);
	rumpus_kernel_switch(c);
	rump_sys_mkdir("/m", 0755);
	FAILS(vt_mktmpfs("/m", 0, 0), NB_ENODEV, "tmpfs without the fs.tmpfs component: ENODEV");
	ok(vt_writefile("/rootfs-works", "y") == 1, "the root file system works with vfs alone");
	vt_down(c);
}

int
main(void)
{
	struct rumpus_kernel *k;
	struct rumpus_memstats m0, m1;

	rumpus_memstats(&m0);
	k = vt_boot(0);
	test_mount_basics();
	test_limits();
	vt_down(k);
	test_memlimit();
	test_isolation_nodev();
	rumpus_memstats(&m1);
	ok(m1.leaked == 0 && m1.bytes == m0.bytes, "no bytes leaked (%llu -> %llu, leaked %llu)",
	    (unsigned long long)m0.bytes, (unsigned long long)m1.bytes,
	    (unsigned long long)m1.leaked);
	return tap_done();
}
