/*
 * sysctl_test.c: kern.* and hw.* through __sysctl, NetBSD semantics for sizes, short
 * buffers, writes (root only), bad arguments; reboot halting a kernel.
 */
#include <unistd.h>

#include "tap.h"
#include "testfile.h"
#include "kern/sysctl.h"

/* a component that attaches nodes: a top level "rtest" (99) and kern.rtest_knob (9000) */
static int knob_fn(struct sysctl_req *r)
{
	int *v = kern_priv(r->l->l_kern, COMP_TEST1);
	return sysctl_int(r, v, true, 0, 100);
}
static int leaf_fn(struct sysctl_req *r)
{
	return sysctl_ro(r, "leaf", 5);
}
static int st_init(struct kern *k)
{
	int *v = kmem_zalloc(k, sizeof(int));
	if (v == NULL)
		return ENOMEM;
	*v = 7;
	kern_priv_set(k, COMP_TEST1, v);
	return 0;
}
static void st_fini(struct kern *k)
{
	kmem_free(k, kern_priv(k, COMP_TEST1), sizeof(int));
}
static const struct sysctl_node rtest_kids[] = {
	{ "leaf", 1, CTLTYPE_STRING, CTLFLAG_READONLY, leaf_fn, NULL, 5 },
	{ NULL, 0, 0, 0, NULL, NULL, 0 },
};
static const struct sysctl_attach st_sysctl[] = {
	{ { 0 }, 0, { "rtest", 99, CTLTYPE_NODE, 0, NULL, rtest_kids, 0 } },
	{ { CTL_KERN }, 1, { "rtest_knob", 9000, CTLTYPE_INT, CTLFLAG_READWRITE, knob_fn, NULL, 4 } },
	{ { 0 }, 0, { NULL, 0, 0, 0, NULL, NULL, 0 } },
};
static const struct kern_component st_comp = {
	.name = "test.sysctl", .id = COMP_TEST1, .init = st_init, .fini = st_fini, .sysctl_nodes = st_sysctl,
};
KERN_COMPONENT(st_comp);

/* a component that owns a whole top level with a raw handler (CTL_DDB here) */
static int raw_seen_len = -1, raw_first = -1;
static int
raw_fn(struct lwp *l, const int *name, unsigned namelen, void *oldp, size_t *oldlenp,
    const void *newp, size_t newlen)
{
	int v = 1234;

	(void)l; (void)newp; (void)newlen;
	raw_seen_len = (int)namelen;
	raw_first = namelen > 0 ? name[0] : -1;
	if (oldp != NULL && *oldlenp >= sizeof(v) && copyout(&v, oldp, sizeof(v)) != 0)
		return EFAULT;
	*oldlenp = sizeof(v);
	return 0;
}
static const struct kern_component raw_comp = {
	.name = "test.rawsysctl", .id = COMP_TEST2, .ctl_top = CTL_DDB, .sysctl = raw_fn,
};
KERN_COMPONENT(raw_comp);

struct qnode {
	uint32_t flags;
	int32_t num;
	char name[32];
	uint32_t ver, rsvd;
	uint32_t csize, clen;
	uint64_t child;
	uint64_t size, func, parent, desc;
};

/* sysctlnametomib through CTL_QUERY: "kern.hostname" -> { 1, 10 } */
static int
name2mib(const char *dotted, int *mib, unsigned *len)
{
	char buf[128], *part, *save;
	unsigned depth = 0;

	snprintf(buf, sizeof(buf), "%s", dotted);
	for (part = strtok_r(buf, ".", &save); part != NULL; part = strtok_r(NULL, ".", &save)) {
		struct qnode nodes[64];
		int q[CTL_MAXNAME];
		size_t sz = sizeof(nodes);
		unsigned i, n;

		memcpy(q, mib, sizeof(int) * depth);
		q[depth] = CTL_QUERY;
		if (rump_sys___sysctl(q, depth + 1, nodes, &sz, NULL, 0) != 0)
			return -1;
		n = (unsigned)(sz / sizeof(nodes[0]));
		for (i = 0; i < n && strcmp(nodes[i].name, part) != 0; i++)
			continue;
		if (i == n)
			return -1;
		mib[depth++] = nodes[i].num;
	}
	*len = depth;
	return 0;
}

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
	{
		uint64_t mem = 0;
		len = sizeof(mem);
		r = get(CTL_HW, HW_PHYSMEM64, &mem, &len);
		ok(r == 0 && len == 8 &&
		    mem == (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE),
		    "hw.physmem64 is the host's memory when there is no limit (%llu MiB)",
		    (unsigned long long)(mem >> 20));
	}
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

	/* CTL_QUERY */
	{
		struct qnode nodes[16];
		int q[2] = { CTL_KERN, CTL_QUERY }, top[1] = { CTL_QUERY }, mib[CTL_MAXNAME], hn = -1;
		unsigned mlen, i, n;

		len = sizeof(nodes);
		ok(rump_sys___sysctl(top, 1, nodes, &len, NULL, 0) == 0 && len == 2 * sizeof(nodes[0]) &&
		    !strcmp(nodes[0].name, "kern") && nodes[0].num == CTL_KERN &&
		    (nodes[0].flags & 0xf) == CTLTYPE_NODE && nodes[0].clen == 10 &&
		    !strcmp(nodes[1].name, "hw"), "CTL_QUERY at the top: kern (10 children) and hw");
		len = sizeof(nodes);
		ok(rump_sys___sysctl(q, 2, nodes, &len, NULL, 0) == 0 && len == 10 * 96,
		    "CTL_QUERY under kern lists 10 nodes of 96 bytes");
		n = (unsigned)(len / 96);
		for (i = 0; i < n; i++)
			if (!strcmp(nodes[i].name, "hostname"))
				hn = (int)i;
		ok(hn >= 0 && nodes[hn].num == KERN_HOSTNAME &&
		    (nodes[hn].flags & 0xff000000u) == SYSCTL_VERSION &&
		    (nodes[hn].flags & 0xf) == CTLTYPE_STRING && (nodes[hn].flags & CTLFLAG_READWRITE),
		    "kern.hostname: number 10, a read-write string, SYSCTL_VERSION");
		len = 96;
		r = rump_sys___sysctl(q, 2, nodes, &len, NULL, 0);
		ok(r == -1 && errno == ENOMEM && len == 10 * 96, "a short buffer: ENOMEM and the full size");
		ok(name2mib("hw.ncpu", mib, &mlen) == 0 && mlen == 2 && mib[0] == CTL_HW &&
		    mib[1] == HW_NCPU, "name lookup through CTL_QUERY: hw.ncpu = { 6, 3 }");
		ok(name2mib("kern.nosuch", mib, &mlen) == -1, "an unknown name is not found");
		q[1] = CTL_CREATE;
		r = rump_sys___sysctl(q, 2, NULL, NULL, NULL, 0);
		ok(r == -1 && errno == EOPNOTSUPP, "CTL_CREATE is EOPNOTSUPP");
		q[0] = CTL_QUERY; q[1] = 1;
		r = rump_sys___sysctl(q, 2, NULL, NULL, NULL, 0);
		ok(r == -1 && errno == EINVAL, "CTL_QUERY followed by more is EINVAL");
		q[0] = CTL_KERN; q[1] = KERN_HOSTNAME;
		{
			int q3[3] = { CTL_KERN, KERN_HOSTNAME, 1 };
			len = sizeof(buf);
			r = rump_sys___sysctl(q3, 3, buf, &len, NULL, 0);
			ok(r == -1 && errno == ENOTDIR, "a name below a leaf is ENOTDIR");
		}
		len = sizeof(buf);
		r = rump_sys___sysctl(q, 1, buf, &len, NULL, 0);
		ok(r == -1 && errno == EISDIR, "reading a node is EISDIR");
	}

	/* components attach nodes */
	{
		const char *comps[] = { "test.sysctl", NULL };
		struct rumpus_kernel *k2 = rumpus_kernel_create(comps, NULL, &err);
		int mib[CTL_MAXNAME];
		unsigned mlen;

		rumpus_kernel_switch(k2);
		len = sizeof(v);
		ok(name2mib("kern.rtest_knob", mib, &mlen) == 0 && mlen == 2 && mib[1] == 9000 &&
		    rump_sys___sysctl(mib, 2, &v, &len, NULL, 0) == 0 && v == 7,
		    "a component's node under kern: kern.rtest_knob = 7 (its private state)");
		v = 55;
		ok(rump_sys___sysctl(mib, 2, NULL, NULL, &v, sizeof(v)) == 0, "write it");
		v = 101;
		r = rump_sys___sysctl(mib, 2, NULL, NULL, &v, sizeof(v));
		ok(r == -1 && errno == EINVAL, "out of its range: EINVAL");
		len = sizeof(v);
		ok(rump_sys___sysctl(mib, 2, &v, &len, NULL, 0) == 0 && v == 55, "reads back 55");
		len = sizeof(buf);
		ok(name2mib("rtest.leaf", mib, &mlen) == 0 && mib[0] == 99 &&
		    rump_sys___sysctl(mib, 2, buf, &len, NULL, 0) == 0 && !strcmp(buf, "leaf"),
		    "and a top level of its own: rtest.leaf");
		rumpus_kernel_switch(k);
		ok(name2mib("kern.rtest_knob", mib, &mlen) == -1, "a kernel without it does not show it");
		rumpus_kernel_destroy(k2);
	}
	{
		const char *comps[] = { "test.rawsysctl", NULL };
		struct rumpus_kernel *k3 = rumpus_kernel_create(comps, NULL, &err);
		int mib[3] = { CTL_DDB, 5, 6 }, mm[CTL_MAXNAME];
		unsigned mlen;

		rumpus_kernel_switch(k3);
		len = sizeof(v);
		v = 0;
		ok(rump_sys___sysctl(mib, 3, &v, &len, NULL, 0) == 0 && v == 1234 && raw_seen_len == 2 &&
		    raw_first == 5, "a raw handler owns its top level and gets the rest of the name");
		ok(name2mib("ddb", mm, &mlen) == 0 && mlen == 1 && mm[0] == CTL_DDB,
		    "CTL_QUERY at the top lists the raw handler's top level (\"ddb\")");
		rumpus_kernel_switch(k);
		rumpus_kernel_destroy(k3);
	}

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
