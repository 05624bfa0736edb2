/*
 * sysctl_test.c: kern.* and hw.* through __sysctl, NetBSD semantics for sizes, short
 * buffers, writes (root only), bad arguments; reboot halting a kernel.
 */
#include "tap.h"
#include "testfile.h"
#include "rump/rump_syscalls.h"

int rump_pub_lwproc_rfork(int);
void rump_pub_lwproc_releaselwp(void);

static int
get(int a, int b, void *buf, size_t *len)
{
	int name[2] = { a, b };

	return rump_sys___sysctl(name, 2, buf, len, NULL, 0);
}

static int
set(int a, int b, const void *val, size_t len)
{
	int name[2] = { a, b };

	return rump_sys___sysctl(name, 2, NULL, NULL, val, len);
}

int
main(void)
{
	struct rumpus_config cfg = { .ncpu = 3, .hostname = "box" };
	struct rumpus_kernel *k;
	char buf[300], r1[16], r2[16];
	size_t len;
	int err, v, r, name[13];

	k = rumpus_kernel_create(NULL, &cfg, &err);
	rumpus_kernel_switch(k);

	len = sizeof(buf);
	ok(get(CTL_KERN, KERN_OSTYPE, buf, &len) == 0 && len == 7 && strcmp(buf, "NetBSD") == 0,
	    "kern.ostype is \"NetBSD\" (len %zu)", len);
	len = sizeof(buf);
	ok(get(CTL_KERN, KERN_OSRELEASE, buf, &len) == 0 && strcmp(buf, "7.99.34") == 0,
	    "kern.osrelease is 7.99.34");
	len = sizeof(v);
	ok(get(CTL_KERN, KERN_OSREV, &v, &len) == 0 && v == 799003400, "kern.osrevision");
	len = sizeof(buf);
	ok(get(CTL_KERN, KERN_HOSTNAME, buf, &len) == 0 && strcmp(buf, "box") == 0 && len == 4,
	    "kern.hostname is the configured one");
	len = 0;
	ok(get(CTL_KERN, KERN_HOSTNAME, NULL, &len) == 0 && len == 4, "size query: 4");
	len = 2;
	memset(buf, 0, sizeof(buf));
	r = get(CTL_KERN, KERN_HOSTNAME, buf, &len);
	ok(r == -1 && errno == ENOMEM && memcmp(buf, "bo", 2) == 0 && len == 4,
	    "a short buffer gets the prefix and ENOMEM");
	ok(set(CTL_KERN, KERN_HOSTNAME, "newname", 7) == 0, "root sets kern.hostname");
	len = sizeof(buf);
	ok(get(CTL_KERN, KERN_HOSTNAME, buf, &len) == 0 && strcmp(buf, "newname") == 0,
	    "and reads it back");
	memset(buf, 'a', sizeof(buf));
	r = set(CTL_KERN, KERN_HOSTNAME, buf, 256);
	ok(r == -1 && errno == EINVAL, "a 256-byte hostname is EINVAL");
	r = set(CTL_KERN, KERN_OSTYPE, "Linux", 5);
	ok(r == -1 && errno == EPERM, "kern.ostype is read-only: EPERM");
	len = sizeof(v);
	ok(get(CTL_KERN, KERN_NGROUPS, &v, &len) == 0 && v == 16, "kern.ngroups 16");
	len = sizeof(v);
	ok(get(CTL_KERN, KERN_MAXFILES, &v, &len) == 0 && v == 1024, "kern.maxfiles 1024");
	v = 2048;
	ok(set(CTL_KERN, KERN_MAXFILES, &v, sizeof(v)) == 0, "set kern.maxfiles");
	len = sizeof(v);
	v = 0;
	ok(get(CTL_KERN, KERN_MAXFILES, &v, &len) == 0 && v == 2048, "kern.maxfiles now 2048");
	r = set(CTL_KERN, KERN_MAXFILES, &v, 2);
	ok(r == -1 && errno == EINVAL, "an int with the wrong size is EINVAL");
	len = sizeof(v);
	ok(get(CTL_HW, HW_NCPU, &v, &len) == 0 && v == 3, "hw.ncpu is the vCPU count (3)");
	len = sizeof(buf);
	ok(get(CTL_HW, HW_MACHINE_ARCH, buf, &len) == 0 && strcmp(buf, "x86_64") == 0,
	    "hw.machine_arch");
	len = sizeof(r1);
	ok(get(CTL_KERN, KERN_ARND, r1, &len) == 0 && len == 16, "kern.arandom gives 16 bytes");
	len = sizeof(r2);
	get(CTL_KERN, KERN_ARND, r2, &len);
	ok(memcmp(r1, r2, 16) != 0, "two draws differ");
	len = sizeof(buf);
	r = get(CTL_KERN, KERN_ARND, buf, &len);
	ok(r == -1 && errno == EINVAL, "more than 256 random bytes is EINVAL");
	{
		struct { int64_t sec; long nsec; } bt;
		len = sizeof(bt);
		ok(get(CTL_KERN, KERN_BOOTTIME, &bt, &len) == 0 && bt.sec > 1600000000,
		    "kern.boottime is a plausible time");
	}
	len = sizeof(v);
	r = get(CTL_KERN, 9999, &v, &len);
	ok(r == -1 && errno == ENOENT, "an unknown name is ENOENT");
	len = sizeof(v);
	r = get(77, 1, &v, &len);
	ok(r == -1 && errno == ENOENT, "an unknown top level (no component) is ENOENT");
	r = rump_sys___sysctl(name, 0, NULL, NULL, NULL, 0);
	ok(r == -1 && errno == EINVAL, "namelen 0 is EINVAL");
	r = rump_sys___sysctl(name, 13, NULL, NULL, NULL, 0);
	ok(r == -1 && errno == EINVAL, "namelen 13 (> CTL_MAXNAME) is EINVAL");
	len = sizeof(v);
	r = rump_sys___sysctl((void *)4, 2, &v, &len, NULL, 0);
	ok(r == -1 && errno == EFAULT, "a bad name pointer is EFAULT");
	r = get(CTL_KERN, KERN_OSTYPE, buf, (void *)12);
	ok(r == -1 && errno == EFAULT, "a bad oldlenp is EFAULT");

	/* writes need root */
	ok(rump_pub_lwproc_rfork(RUMP_RFCFDG) == 0 && rump_sys_setuid(100) == 0, "a user process");
	r = set(CTL_KERN, KERN_HOSTNAME, "x", 1);
	ok(r == -1 && errno == EPERM, "a user cannot set kern.hostname");
	r = rump_sys_reboot(0, NULL);
	ok(r == -1 && errno == EPERM, "a user cannot reboot");
	rump_pub_lwproc_releaselwp();

	/* reboot halts the kernel */
	ok(rump_sys_reboot(RB_HALT, NULL) == 0, "root reboots");
	ok(rumpus_kernel_halted(k), "the kernel is halted");
	r = rump_sys_getpid();
	ok(r == -1 && errno == ENXIO, "later calls fail with ENXIO");
	ok(rumpus_kernel_destroy(k) == 0, "a halted kernel is destroyed");
	return tap_done();
}
