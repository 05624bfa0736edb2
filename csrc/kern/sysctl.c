/*
 * sysctl.c: __sysctl over a tree of static node tables (kern/sysctl.h): the kern.* and
 * hw.* nodes of the base, plus whatever the loaded components attach.
 *
 * Semantics follow NetBSD's: the old value is copied out up to *oldlenp bytes and
 * *oldlenp is set to the full size; a too-small buffer gets the prefix and ENOMEM.  A new
 * value is applied after the old one was read.  Writes need root.  Reading a node is
 * EISDIR; a name continuing below a leaf is ENOTDIR; an unknown number is ENOENT.
 * CTL_QUERY lists a node's children.  XXX: CTL_CREATE, CTL_DESTROY, CTL_DESCRIBE and
 * CTL_CREATESYM (dynamic nodes, descriptions) are EOPNOTSUPP.
 */
#include "kern/kern.h"
#include "kern/sysargs_gen.h"
#include "kern/sysctl.h"

#define OSTYPE		"NetBSD"
#define OSRELEASE	"7.99.34"
#define OSREVISION	799003400
#define OSVERSION	"NetBSD 7.99.34 (RUMPUS)"

/* NetBSD's struct sysctlnode, the unit of CTL_QUERY answers (96 bytes). */
struct nb_sysctlnode {
	uint32_t sysctl_flags;
	int32_t sysctl_num;
	char sysctl_name[SYSCTL_NAMELEN];
	uint32_t sysctl_ver;
	uint32_t rsvd;
	union {
		struct {
			uint32_t csize, clen;
			uint64_t child;
		} child;
		int32_t idata;
		uint64_t qdata;
		uint64_t pad[2];
	} un;
	uint64_t size;
	uint64_t func;
	uint64_t parent;
	uint64_t desc;
};
_Static_assert(sizeof(struct nb_sysctlnode) == 96, "struct sysctlnode is 96 bytes");
_Static_assert(offsetof(struct nb_sysctlnode, size) == 64, "sysctl_size at 64");

/* ---------------------------------------------------------------- leaf helpers */

int
sysctl_copyold(struct sysctl_req *r, const void *data, size_t size)
{
	int error = 0;

	if (r->oldp != NULL) {
		size_t n = size < r->oldlen ? size : r->oldlen;
		if ((error = copyout(data, r->oldp, n)) == 0 && n < size)
			error = ENOMEM;
	}
	r->oldlen = size;
	return error;
}

static int
sysctl_write_ok(struct sysctl_req *r, bool writable)
{
	if (r->namelen != 0)
		return ENOTDIR;
	if (r->newp == NULL)
		return 0;
	if (!writable)
		return EPERM;
	return cred_super(lwp_cred(r->l));
}

int
sysctl_ro(struct sysctl_req *r, const void *data, size_t size)
{
	int error;

	if ((error = sysctl_write_ok(r, false)) != 0)
		return error;
	return sysctl_copyold(r, data, size);
}

int
sysctl_int(struct sysctl_req *r, int *val, bool writable, int min, int max)
{
	int error, nv;

	if ((error = sysctl_write_ok(r, writable)) != 0)
		return error;
	if ((error = sysctl_copyold(r, val, sizeof(*val))) != 0 || r->newp == NULL)
		return error;
	if (r->newlen != sizeof(int))
		return EINVAL;
	if ((error = copyin(r->newp, &nv, sizeof(nv))) != 0)
		return error;
	if (nv < min || nv > max)
		return EINVAL;
	*val = nv;
	return 0;
}

int
sysctl_quad(struct sysctl_req *r, uint64_t *val, bool writable)
{
	int error;
	uint64_t nv;

	if ((error = sysctl_write_ok(r, writable)) != 0)
		return error;
	if ((error = sysctl_copyold(r, val, sizeof(*val))) != 0 || r->newp == NULL)
		return error;
	if (r->newlen != sizeof(nv))
		return EINVAL;
	if ((error = copyin(r->newp, &nv, sizeof(nv))) != 0)
		return error;
	*val = nv;
	return 0;
}

int
sysctl_string(struct sysctl_req *r, char *buf, size_t bufsize, bool writable)
{
	char tmp[256];
	int error;

	if ((error = sysctl_write_ok(r, writable)) != 0)
		return error;
	if ((error = sysctl_copyold(r, buf, strlen(buf) + 1)) != 0 || r->newp == NULL)
		return error;
	if (r->newlen >= bufsize || r->newlen >= sizeof(tmp))
		return EINVAL;
	if ((error = copyin(r->newp, tmp, r->newlen)) != 0)
		return error;
	tmp[r->newlen] = '\0';		/* a NUL inside ends the string */
	memcpy(buf, tmp, strlen(tmp) + 1);
	return 0;
}

/* ---------------------------------------------------------------- kern.* and hw.* */

static int
k_ostype(struct sysctl_req *r)
{
	return sysctl_ro(r, OSTYPE, sizeof(OSTYPE));
}

static int
k_osrelease(struct sysctl_req *r)
{
	return sysctl_ro(r, OSRELEASE, sizeof(OSRELEASE));
}

static int
k_version(struct sysctl_req *r)
{
	return sysctl_ro(r, OSVERSION, sizeof(OSVERSION));
}

static int
k_osrev(struct sysctl_req *r)
{
	int v = OSREVISION;

	return sysctl_int(r, &v, false, 0, 0);
}

static int
k_maxproc(struct sysctl_req *r)
{
	return sysctl_int(r, &r->l->l_kern->k_maxproc, true, 1, 1000000);
}

static int
k_maxfiles(struct sysctl_req *r)
{
	return sysctl_int(r, &r->l->l_kern->k_maxfiles, true, 1, 1000000);
}

static int
k_ngroups(struct sysctl_req *r)
{
	int v = NGROUPS_MAX;

	return sysctl_int(r, &v, false, 0, 0);
}

static int
k_hostname(struct sysctl_req *r)
{
	struct kern *k = r->l->l_kern;
	int error = sysctl_string(r, k->k_hostname, sizeof(k->k_hostname), true);

	k->k_hostnamelen = strlen(k->k_hostname);
	return error;
}

static int
k_arandom(struct sysctl_req *r)
{
	unsigned char buf[256];
	size_t n = r->oldlen;
	int error;

	if ((error = sysctl_write_ok(r, false)) != 0)
		return error;
	if (r->oldp == NULL) {
		r->oldlen = sizeof(buf);
		return 0;
	}
	if (n > sizeof(buf))
		return EINVAL;
	kern_random(r->l->l_kern, buf, n);
	return sysctl_copyold(r, buf, n);
}

static int
k_boottime(struct sysctl_req *r)
{
	uint64_t b = r->l->l_kern->k_boottime;
	struct nb_timespec ts = { (int64_t)(b / 1000000000u), (long)(b % 1000000000u) };

	return sysctl_ro(r, &ts, sizeof(ts));
}

/* The kernel's memory: its limit, or the host's memory when it has none. */
static uint64_t
hw_mem(struct kern *k)
{
	return k->k_mem_limit ? k->k_mem_limit : hyp_physmem();
}

static int
h_machine(struct sysctl_req *r)
{
	return sysctl_ro(r, "amd64", 6);
}

static int
h_machine_arch(struct sysctl_req *r)
{
	return sysctl_ro(r, "x86_64", 7);
}

static int
h_ncpu(struct sysctl_req *r)
{
	int v = r->l->l_kern->k_ncpu;

	return sysctl_int(r, &v, false, 0, 0);
}

static int
h_pagesize(struct sysctl_req *r)
{
	int v = 4096;

	return sysctl_int(r, &v, false, 0, 0);
}

static int
h_physmem(struct sysctl_req *r)
{
	uint64_t m = hw_mem(r->l->l_kern);
	int v = m > 0x7fffffff ? 0x7fffffff : (int)m;

	return sysctl_int(r, &v, false, 0, 0);
}

static int
h_physmem64(struct sysctl_req *r)
{
	uint64_t m = hw_mem(r->l->l_kern);

	return sysctl_quad(r, &m, false);
}

#define RO	CTLFLAG_READONLY
#define RW	CTLFLAG_READWRITE
static const struct sysctl_node kern_kids[] = {
	{ "ostype", KERN_OSTYPE, CTLTYPE_STRING, RO, k_ostype, NULL, sizeof(OSTYPE) },
	{ "osrelease", KERN_OSRELEASE, CTLTYPE_STRING, RO, k_osrelease, NULL, sizeof(OSRELEASE) },
	{ "osrevision", KERN_OSREV, CTLTYPE_INT, RO, k_osrev, NULL, sizeof(int) },
	{ "version", KERN_VERSION, CTLTYPE_STRING, RO, k_version, NULL, sizeof(OSVERSION) },
	{ "maxproc", KERN_MAXPROC, CTLTYPE_INT, RW, k_maxproc, NULL, sizeof(int) },
	{ "maxfiles", KERN_MAXFILES, CTLTYPE_INT, RW, k_maxfiles, NULL, sizeof(int) },
	{ "hostname", KERN_HOSTNAME, CTLTYPE_STRING, RW, k_hostname, NULL, 256 },
	{ "ngroups", KERN_NGROUPS, CTLTYPE_INT, RO, k_ngroups, NULL, sizeof(int) },
	{ "arandom", KERN_ARND, CTLTYPE_STRUCT, RO, k_arandom, NULL, 256 },
	{ "boottime", KERN_BOOTTIME, CTLTYPE_STRUCT, RO, k_boottime, NULL, 16 },
	{ NULL, 0, 0, 0, NULL, NULL, 0 },
};
static const struct sysctl_node hw_kids[] = {
	{ "machine", HW_MACHINE, CTLTYPE_STRING, RO, h_machine, NULL, 6 },
	{ "ncpu", HW_NCPU, CTLTYPE_INT, RO, h_ncpu, NULL, sizeof(int) },
	{ "physmem", HW_PHYSMEM, CTLTYPE_INT, RO, h_physmem, NULL, sizeof(int) },
	{ "pagesize", HW_PAGESIZE, CTLTYPE_INT, RO, h_pagesize, NULL, sizeof(int) },
	{ "machine_arch", HW_MACHINE_ARCH, CTLTYPE_STRING, RO, h_machine_arch, NULL, 7 },
	{ "physmem64", HW_PHYSMEM64, CTLTYPE_QUAD, RO, h_physmem64, NULL, 8 },
	{ "ncpuonline", HW_NCPUONLINE, CTLTYPE_INT, RO, h_ncpu, NULL, sizeof(int) },
	{ NULL, 0, 0, 0, NULL, NULL, 0 },
};
KERN_HIDDEN const struct sysctl_attach kern_sysctl_base[] = {
	{ { 0 }, 0, { "kern", CTL_KERN, CTLTYPE_NODE, 0, NULL, kern_kids, 0 } },
	{ { 0 }, 0, { "hw", CTL_HW, CTLTYPE_NODE, 0, NULL, hw_kids, 0 } },
	{ { 0 }, 0, { NULL, 0, 0, 0, NULL, NULL, 0 } },
};

/* ---------------------------------------------------------------- the tree */

/* Calls fn for every child of the node at path[0..depth) (cur: that node, NULL at the
 * root): its static kids, then what loaded components attach there.  Stops when fn
 * returns non-zero and returns that. */
static int
children(struct kern *k, const struct sysctl_node *cur, const int *path, unsigned depth,
    int (*fn)(const struct sysctl_node *, void *), void *arg)
{
	const struct sysctl_node *n;
	int i, r;

	if (cur != NULL && cur->kids != NULL)
		for (n = cur->kids; n->name != NULL; n++)
			if ((r = fn(n, arg)) != 0)
				return r;
	for (i = 0; i < k->k_ncomps; i++) {
		const struct sysctl_attach *a = k->k_comps[i]->sysctl_nodes;

		for (; a != NULL && a->node.name != NULL; a++)
			if (a->pathlen == depth &&
			    memcmp(a->path, path, sizeof(int) * depth) == 0 &&
			    (r = fn(&a->node, arg)) != 0)
				return r;
	}
	return 0;
}

struct findarg {
	int num;
	const struct sysctl_node *found;
};

static int
find_fn(const struct sysctl_node *n, void *arg)
{
	struct findarg *f = arg;

	if (n->num != f->num)
		return 0;
	f->found = n;
	return 1;
}

static int
count_fn(const struct sysctl_node *n, void *arg)
{
	(void)n;
	(*(int *)arg)++;
	return 0;
}

struct queryarg {
	struct kern *k;
	struct sysctl_req *r;
	const int *path;
	unsigned depth;
	size_t off;
	int error;
};

static int
query_fn(const struct sysctl_node *n, void *arg)
{
	struct queryarg *q = arg;
	struct nb_sysctlnode sn;

	memset(&sn, 0, sizeof(sn));
	sn.sysctl_flags = SYSCTL_VERSION | n->type | n->flags;
	sn.sysctl_num = n->num;
	strncpy(sn.sysctl_name, n->name, sizeof(sn.sysctl_name) - 1);
	if (n->type == CTLTYPE_NODE) {
		int path[CTL_MAXNAME], cnt = 0;

		if (q->depth < CTL_MAXNAME) {
			memcpy(path, q->path, sizeof(int) * q->depth);
			path[q->depth] = n->num;
			children(q->k, n, path, q->depth + 1, count_fn, &cnt);
		}
		sn.un.child.csize = sn.un.child.clen = (uint32_t)cnt;
	} else
		sn.size = n->size;
	if (q->r->oldp != NULL && q->off + sizeof(sn) <= q->r->oldlen) {
		if ((q->error = copyout(&sn, (char *)q->r->oldp + q->off, sizeof(sn))) != 0)
			return 1;
	} else if (q->r->oldp != NULL)
		q->error = ENOMEM;
	q->off += sizeof(sn);
	return 0;
}

/* Names of the top levels, for CTL_QUERY entries of tops owned by a raw handler. */
static const char *
top_name(int num)
{
	switch (num) {
	case CTL_KERN: return "kern";
	case CTL_VM: return "vm";
	case CTL_VFS: return "vfs";
	case CTL_NET: return "net";
	case CTL_DEBUG: return "debug";
	case CTL_HW: return "hw";
	case CTL_MACHDEP: return "machdep";
	case CTL_USER: return "user";
	case CTL_DDB: return "ddb";
	case CTL_PROC: return "proc";
	case CTL_VENDOR: return "vendor";
	case CTL_EMUL: return "emul";
	case CTL_SECURITY: return "security";
	default: return "top";
	}
}

/* The component whose raw handler owns top level num, or NULL. */
static const struct kern_component *
raw_owner(struct kern *k, int num)
{
	int i;

	for (i = 0; i < k->k_ncomps; i++)
		if (k->k_comps[i]->sysctl != NULL && k->k_comps[i]->ctl_top == num)
			return k->k_comps[i];
	return NULL;
}

static int
sysctl_query(struct kern *k, const struct sysctl_node *cur, const int *path, unsigned depth,
    struct sysctl_req *r)
{
	struct queryarg q = { k, r, path, depth, 0, 0 };

	if (r->newp != NULL) {
		struct nb_sysctlnode qn;
		int error;

		if (r->newlen != sizeof(qn))
			return EINVAL;
		if ((error = copyin(r->newp, &qn, sizeof(qn))) != 0)
			return error;
		if ((qn.sysctl_flags & SYSCTL_VERS_MASK) != SYSCTL_VERSION)
			return EINVAL;
	}
	children(k, cur, path, depth, query_fn, &q);
	if (depth == 0) {
		int i;

		for (i = 0; i < k->k_ncomps && q.error != EFAULT; i++) {
			const struct kern_component *c = k->k_comps[i];
			struct sysctl_node n = { top_name(c->ctl_top), c->ctl_top, CTLTYPE_NODE, 0,
			    NULL, NULL, 0 };

			if (c->sysctl != NULL && raw_owner(k, c->ctl_top) == c)
				query_fn(&n, &q);
		}
	}
	r->oldlen = q.off;
	return q.error;
}

int
sys___sysctl(struct lwp *l, const struct sys___sysctl_args *uap, register_t *retval)
{
	struct kern *k = l->l_kern;
	int name[CTL_MAXNAME], error;
	unsigned namelen = SCARG(uap, namelen), i;
	size_t *uoldlenp = SCARG(uap, oldlenp);
	const struct sysctl_node *cur = NULL;
	struct sysctl_req r = { .l = l, .oldp = SCARG(uap, oldv), .newp = SCARG(uap, newv),
	    .newlen = SCARG(uap, newlen) };

	(void)retval;
	if (namelen < 1 || namelen > CTL_MAXNAME)
		return EINVAL;
	if ((error = copyin(SCARG(uap, name), name, namelen * sizeof(int))) != 0)
		return error;
	if (uoldlenp != NULL) {
		if ((error = copyin(uoldlenp, &r.oldlen, sizeof(r.oldlen))) != 0)
			return error;
	} else
		r.oldp = NULL;		/* nowhere to say how much was copied */
	if (r.newp == NULL)
		r.newlen = 0;

	if (namelen >= 2 || name[0] != CTL_QUERY) {
		const struct kern_component *raw = raw_owner(k, name[0]);
		if (raw != NULL) {
			error = raw->sysctl(l, name + 1, namelen - 1, r.oldp, &r.oldlen, r.newp,
			    r.newlen);
			goto out;
		}
	}
	for (i = 0; i < namelen; i++) {
		struct findarg f = { name[i], NULL };

		if (name[i] == CTL_QUERY) {
			error = i + 1 == namelen ? sysctl_query(k, cur, name, i, &r) : EINVAL;
			goto out;
		}
		if (name[i] < 0) {
			error = EOPNOTSUPP;	/* XXX: CTL_CREATE, CTL_DESTROY, CTL_DESCRIBE... */
			goto out;
		}
		if (cur != NULL && cur->type != CTLTYPE_NODE)
			break;
		children(k, cur, name, i, find_fn, &f);
		if ((cur = f.found) == NULL) {
			error = ENOENT;
			goto out;
		}
	}
	if (cur == NULL || cur->type == CTLTYPE_NODE || cur->fn == NULL) {
		error = cur != NULL && cur->type != CTLTYPE_NODE ? EOPNOTSUPP : EISDIR;
		goto out;
	}
	r.name = name + i;
	r.namelen = namelen - i;
	error = cur->fn(&r);
out:
	if ((error == 0 || error == ENOMEM) && uoldlenp != NULL) {
		int e2 = copyout(&r.oldlen, uoldlenp, sizeof(r.oldlen));
		if (e2 != 0)
			error = e2;
	}
	return error;
}
