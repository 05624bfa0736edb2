/*
 * sysctl.c: the kern.* and hw.* sysctl nodes, and the dispatch of other top-level ids
 * (net.*, ...) to the component that owns them.
 *
 * Semantics follow NetBSD's sysctl_lookup: the old value is copied out up to *oldlenp
 * bytes and *oldlenp is set to the full size; a too-small buffer gets the prefix and
 * ENOMEM.  A new value is applied after the old one was read.  Writes need root.
 * XXX: CTL_QUERY/CTL_CREATE (node discovery and creation) are not implemented yet.
 */
#include "kern/kern.h"
#include "kern/sysargs_gen.h"

#define OSTYPE		"NetBSD"
#define OSRELEASE	"7.99.34"
#define OSREVISION	799003400
#define OSVERSION	"NetBSD 7.99.34 (RUMPUS)"

struct sctx {
	struct lwp *l;
	void *oldp;
	size_t oldlen;		/* in: buffer size, out: full size */
	bool wantold;
	const void *newp;
	size_t newlen;
};

static int
sctl_old(struct sctx *c, const void *data, size_t size)
{
	int error = 0;

	if (c->oldp != NULL) {
		size_t n = size < c->oldlen ? size : c->oldlen;
		if ((error = copyout(data, c->oldp, n)) == 0 && n < size)
			error = ENOMEM;
	}
	c->oldlen = size;
	return error;
}

static int
sctl_int(struct sctx *c, int *val, bool writable, int min)
{
	int error, nv;

	if ((error = sctl_old(c, val, sizeof(*val))) != 0 || c->newp == NULL)
		return error;
	if (!writable)
		return EPERM;
	if ((error = cred_super(c->l->l_proc->p_cred)) != 0)
		return error;
	if (c->newlen != sizeof(int))
		return EINVAL;
	if ((error = copyin(c->newp, &nv, sizeof(nv))) != 0)
		return error;
	if (nv < min)
		return EINVAL;
	*val = nv;
	return 0;
}

static int
sctl_rostr(struct sctx *c, const char *s)
{
	if (c->newp != NULL)
		return EPERM;
	return sctl_old(c, s, strlen(s) + 1);
}

static int
sctl_hostname(struct sctx *c)
{
	struct kern *k = c->l->l_kern;
	char buf[256];
	int error;

	memcpy(buf, k->k_hostname, k->k_hostnamelen);
	buf[k->k_hostnamelen] = '\0';
	if ((error = sctl_old(c, buf, k->k_hostnamelen + 1)) != 0 || c->newp == NULL)
		return error;
	if ((error = cred_super(c->l->l_proc->p_cred)) != 0)
		return error;
	if (c->newlen >= sizeof(buf))
		return EINVAL;
	if ((error = copyin(c->newp, buf, c->newlen)) != 0)
		return error;
	buf[c->newlen] = '\0';
	k->k_hostnamelen = strlen(buf);		/* a NUL inside ends the name */
	memcpy(k->k_hostname, buf, k->k_hostnamelen + 1);
	return 0;
}

static int
sctl_kern(struct sctx *c, const int *name, unsigned namelen)
{
	struct kern *k = c->l->l_kern;
	int v;

	if (namelen == 0)
		return EISDIR;
	if (namelen > 1)
		return ENOTDIR;
	switch (name[0]) {
	case KERN_OSTYPE:
		return sctl_rostr(c, OSTYPE);
	case KERN_OSRELEASE:
		return sctl_rostr(c, OSRELEASE);
	case KERN_VERSION:
		return sctl_rostr(c, OSVERSION);
	case KERN_OSREV:
		v = OSREVISION;
		return sctl_int(c, &v, false, 0);
	case KERN_MAXPROC:
		return sctl_int(c, &k->k_maxproc, true, 1);
	case KERN_MAXFILES:
		return sctl_int(c, &k->k_maxfiles, true, 1);
	case KERN_NGROUPS:
		v = NGROUPS_MAX;
		return sctl_int(c, &v, false, 0);
	case KERN_HOSTNAME:
		return sctl_hostname(c);
	case KERN_ARND: {
		unsigned char buf[256];
		size_t n = c->oldlen;
		int error;

		if (c->newp != NULL)
			return EPERM;
		if (c->oldp == NULL) {
			c->oldlen = sizeof(buf);
			return 0;
		}
		if (n > sizeof(buf))
			return EINVAL;
		if ((error = hyp_random(buf, n)) != 0)
			return error;
		return sctl_old(c, buf, n);
	}
	case KERN_BOOTTIME: {
		struct nb_timespec ts = {
			.tv_sec = (int64_t)(k->k_boottime / 1000000000u),
			.tv_nsec = (long)(k->k_boottime % 1000000000u),
		};
		if (c->newp != NULL)
			return EPERM;
		return sctl_old(c, &ts, sizeof(ts));
	}
	default:
		return ENOENT;
	}
}

static int
sctl_hw(struct sctx *c, const int *name, unsigned namelen)
{
	struct kern *k = c->l->l_kern;
	uint64_t mem = k->k_mem_limit ? k->k_mem_limit : (uint64_t)1 << 30;
	int v;

	if (namelen == 0)
		return EISDIR;
	if (namelen > 1)
		return ENOTDIR;
	switch (name[0]) {
	case HW_MACHINE:
		return sctl_rostr(c, "amd64");
	case HW_MACHINE_ARCH:
		return sctl_rostr(c, "x86_64");
	case HW_NCPU:
	case HW_NCPUONLINE:
		v = k->k_ncpu;
		return sctl_int(c, &v, false, 0);
	case HW_PAGESIZE:
		v = 4096;
		return sctl_int(c, &v, false, 0);
	case HW_PHYSMEM:
		v = mem > 0x7fffffff ? 0x7fffffff : (int)mem;
		return sctl_int(c, &v, false, 0);
	case HW_PHYSMEM64:
		if (c->newp != NULL)
			return EPERM;
		return sctl_old(c, &mem, sizeof(mem));
	default:
		return ENOENT;
	}
}

int
sys___sysctl(struct lwp *l, const struct sys___sysctl_args *uap, register_t *retval)
{
	struct kern *k = l->l_kern;
	int name[CTL_MAXNAME], error, i;
	unsigned namelen = SCARG(uap, namelen);
	size_t *uoldlenp = SCARG(uap, oldlenp);
	struct sctx c = { .l = l, .oldp = SCARG(uap, oldv), .newp = SCARG(uap, newv),
	    .newlen = SCARG(uap, newlen) };

	(void)retval;
	if (namelen < 1 || namelen > CTL_MAXNAME)
		return EINVAL;
	if ((error = copyin(SCARG(uap, name), name, namelen * sizeof(int))) != 0)
		return error;
	if (uoldlenp != NULL) {
		if ((error = copyin(uoldlenp, &c.oldlen, sizeof(c.oldlen))) != 0)
			return error;
	} else
		c.oldp = NULL;		/* nowhere to say how much was copied */
	if (c.newp == NULL)
		c.newlen = 0;
	switch (name[0]) {
	case CTL_KERN:
		error = sctl_kern(&c, name + 1, namelen - 1);
		break;
	case CTL_HW:
		error = sctl_hw(&c, name + 1, namelen - 1);
		break;
	default:
		error = ENOENT;
		for (i = 0; i < k->k_ncomps; i++) {
			const struct kern_component *cp = k->k_comps[i];
			if (cp->ctl_top == name[0] && cp->sysctl != NULL) {
				c.oldlen = c.oldlen;
				error = cp->sysctl(l, name + 1, namelen - 1, c.oldp, &c.oldlen,
				    c.newp, c.newlen);
				break;
			}
		}
	}
	if ((error == 0 || error == ENOMEM) && uoldlenp != NULL) {
		int e2 = copyout(&c.oldlen, uoldlenp, sizeof(c.oldlen));
		if (e2 != 0)
			error = e2;
	}
	return error;
}
