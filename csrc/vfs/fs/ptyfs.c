/*
 * ptyfs.c: the fs.ptyfs component: NetBSD's pty file system, usually mounted on /dev/pts.
 * Its root directory lists, as character devices named by unit ("0", "1", ...), the
 * slaves of the kernel's ptys whose master is open (kern.tty); a node's owner, group and
 * mode are the pty's (the opener of the master, then TIOCGRANTPT's).  Mount argument:
 * NetBSD's struct ptyfs_args (version 2, gid, mode, flags); NULL data is refused (EINVAL)
 * as by NetBSD.  Nothing can be created, removed or renamed in it (EOPNOTSUPP... as
 * NetBSD's); chmod and chown of a node are EOPNOTSUPP here (NetBSD allows them).
 *
 * Vnodes: the root lives in the mount; a slave's vnode is made at lookup and freed when
 * its last reference goes (vop_inactive).  Unmount leaves vnodes still in use to their
 * holders (v_mount NULL), each freeing itself when released.
 */
#include "vfs/vfs.h"
#include "vfs/tty.h"
#include "kern/sysargs_gen.h"

#define PTYFS_ARGSVERSION	2
#define PTYFS_ROOTINO		2
#define PTYFS_PTSINO(u)		((uint64_t)(u) + 3)

struct ptyfs_args_nb {
	int32_t version;
	nb_gid_t gid;
	nb_mode_t mode;
	int32_t flags;
};

struct ptyfs_mount;

struct ptyfs_node {
	struct vnode pn_vnode;		/* first: vp->v_data is the node */
	struct ptyfs_mount *pn_pmnt;	/* NULL once unmounted */
	struct kern *pn_kern;
	int pn_unit;			/* -1: the root */
	struct ptyfs_node *pn_next;	/* the mount's list of slave vnodes */
};

struct ptyfs_mount {
	struct ptyfs_node *pm_root;
	struct ptyfs_node *pm_nodes;
	struct mount *pm_mp;
	struct ptyfs_args_nb pm_args;
	struct nb_timespec pm_time;
};

static const struct vnodeops ptyfs_vnodeops;

static struct ptyfs_node *
VTOPN(struct vnode *vp)
{
	return vp->v_data;
}

static int
ptyfs_lookup(struct vnode *dvp, const char *name, size_t len, struct vnode **vpp)
{
	struct ptyfs_node *dn = VTOPN(dvp), *pn;
	struct ptyfs_mount *pm = dn->pn_pmnt;
	struct pty_info pi;
	size_t i;
	int unit = 0;

	if (dn->pn_unit >= 0)
		return ENOTDIR;
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.')) {
		vref(dvp);
		*vpp = dvp;
		return 0;
	}
	if (pm == NULL || len == 0 || len > 4 || (name[0] == '0' && len > 1))
		return ENOENT;
	for (i = 0; i < len; i++) {
		if (name[i] < '0' || name[i] > '9')
			return ENOENT;
		unit = unit * 10 + (name[i] - '0');
	}
	if (tty_pty_next(dn->pn_kern, unit, &pi) != 0 || pi.pi_unit != unit)
		return ENOENT;
	for (pn = pm->pm_nodes; pn != NULL; pn = pn->pn_next)
		if (pn->pn_unit == unit) {
			vref(&pn->pn_vnode);
			*vpp = &pn->pn_vnode;
			return 0;
		}
	if ((pn = kmem_zalloc(dn->pn_kern, sizeof(*pn))) == NULL)
		return ENOMEM;
	pn->pn_vnode.v_op = &ptyfs_vnodeops;
	pn->pn_vnode.v_mount = pm->pm_mp;
	pn->pn_vnode.v_type = VCHR;
	pn->pn_vnode.v_data = pn;
	pn->pn_pmnt = pm;
	pn->pn_kern = dn->pn_kern;
	pn->pn_unit = unit;
	pn->pn_next = pm->pm_nodes;
	pm->pm_nodes = pn;
	vref(&pn->pn_vnode);
	*vpp = &pn->pn_vnode;
	return 0;
}

static int
ptyfs_rw(struct vnode *vp, struct uio *uio, int ioflag)
{
	(void)uio; (void)ioflag;
	return vp->v_type == VDIR ? EISDIR : EOPNOTSUPP;
}

static int
ptyfs_getattr(struct vnode *vp, struct vattr *va)
{
	struct ptyfs_node *pn = VTOPN(vp);
	struct ptyfs_mount *pm = pn->pn_pmnt;
	struct pty_info pi;

	memset(va, 0, sizeof(*va));
	va->va_type = vp->v_type;
	va->va_fsid = vp->v_mount != NULL ? vp->v_mount->mnt_fsid : 0;
	if (pn->pn_unit < 0) {
		va->va_mode = 0755;
		va->va_nlink = 2;
		va->va_fileid = PTYFS_ROOTINO;
		va->va_size = 512;
		if (pm != NULL)
			va->va_atime = va->va_mtime = va->va_ctime = va->va_birthtime = pm->pm_time;
		return 0;
	}
	va->va_nlink = 1;
	va->va_fileid = PTYFS_PTSINO(pn->pn_unit);
	va->va_rdev = nb_makedev(5, (uint32_t)pn->pn_unit);
	if (tty_pty_next(pn->pn_kern, pn->pn_unit, &pi) == 0 && pi.pi_unit == pn->pn_unit) {
		va->va_mode = pi.pi_mode;
		va->va_uid = pi.pi_uid;
		va->va_gid = pi.pi_gid;
		va->va_atime = va->va_mtime = va->va_ctime = va->va_birthtime = pi.pi_time;
	}
	/* else the pty is gone: an ownerless node nobody can open (ENXIO) */
	return 0;
}

static int
ptyfs_setattr(struct vnode *vp, const struct vattr *va, int mask)
{
	(void)vp; (void)va; (void)mask;
	return EOPNOTSUPP;
}

#define DT_DIR_NB	4
#define DT_CHR_NB	2

/* cookies: 0 ".", 1 "..", 2 + unit for each pty */
static int
ptyfs_readdir(struct vnode *vp, struct uio *uio, nb_off_t *offp)
{
	struct ptyfs_node *dn = VTOPN(vp);
	size_t start = uio->uio_resid;
	struct pty_info pi;
	bool full = false;
	char name[16];
	int error = 0, len;

	if (dn->pn_unit >= 0)
		return ENOTDIR;
	if (*offp < 0)
		return EINVAL;
	if (*offp == 0) {
		if ((error = vfs_dirent_emit(uio, PTYFS_ROOTINO, ".", 1, DT_DIR_NB, &full)) != 0 ||
		    full)
			goto out;
		*offp = 1;
	}
	if (*offp == 1) {
		if ((error = vfs_dirent_emit(uio, PTYFS_ROOTINO, "..", 2, DT_DIR_NB, &full)) != 0 ||
		    full)
			goto out;
		*offp = 2;
	}
	while (*offp - 2 < 100000 && tty_pty_next(dn->pn_kern, (int)(*offp - 2), &pi) == 0) {
		len = 0;
		{
			char tmp[12];
			int u = pi.pi_unit, n = 0;
			do {
				tmp[n++] = (char)('0' + u % 10);
				u /= 10;
			} while (u > 0);
			while (n > 0)
				name[len++] = tmp[--n];
		}
		if ((error = vfs_dirent_emit(uio, PTYFS_PTSINO(pi.pi_unit), name, (size_t)len,
		    DT_CHR_NB, &full)) != 0 || full)
			goto out;
		*offp = pi.pi_unit + 3;
	}
out:
	if (full && uio->uio_resid == start)
		return EINVAL;
	return error;
}

static int
ptyfs_readlink(struct vnode *vp, struct uio *uio)
{
	(void)vp; (void)uio;
	return EINVAL;
}

static int
ptyfs_getname(struct vnode *dvp, struct vnode *vp, char *buf, size_t *lenp)
{
	(void)dvp; (void)vp; (void)buf; (void)lenp;
	return ENOENT;		/* slaves are not directories: __getcwd never asks */
}

static void
ptyfs_inactive(struct vnode *vp)
{
	struct ptyfs_node *pn = VTOPN(vp), **pp;
	struct ptyfs_mount *pm = pn->pn_pmnt;

	if (pn->pn_unit < 0 && pm != NULL)
		return;		/* the root lives as long as its mount */
	if (pm != NULL)
		for (pp = &pm->pm_nodes; *pp != NULL; pp = &(*pp)->pn_next)
			if (*pp == pn) {
				*pp = pn->pn_next;
				break;
			}
	kmem_free(pn->pn_kern, pn, sizeof(*pn));
}

static const struct vnodeops ptyfs_vnodeops = {
	.vop_lookup = ptyfs_lookup,
	.vop_create = genfs_create_eopnotsupp,
	.vop_remove = genfs_remove_eopnotsupp,
	.vop_link = genfs_remove_eopnotsupp,
	.vop_rename = genfs_rename_eopnotsupp,
	.vop_read = ptyfs_rw,
	.vop_write = ptyfs_rw,
	.vop_getattr = ptyfs_getattr,
	.vop_setattr = ptyfs_setattr,
	.vop_readdir = ptyfs_readdir,
	.vop_readlink = ptyfs_readlink,
	.vop_getname = ptyfs_getname,
	.vop_inactive = ptyfs_inactive,
};

static int
ptyfs_vfs_mount(struct mount *mp, const void *data, size_t len)
{
	struct ptyfs_mount *pm;
	struct ptyfs_args_nb args;

	if (data == NULL || len < sizeof(args))
		return EINVAL;
	memcpy(&args, data, sizeof(args));
	if (args.version != PTYFS_ARGSVERSION)
		return EINVAL;
	if ((pm = kmem_zalloc(mp->mnt_kern, sizeof(*pm))) == NULL)
		return ENOMEM;
	if ((pm->pm_root = kmem_zalloc(mp->mnt_kern, sizeof(*pm->pm_root))) == NULL) {
		kmem_free(mp->mnt_kern, pm, sizeof(*pm));
		return ENOMEM;
	}
	pm->pm_args = args;
	pm->pm_mp = mp;
	vfs_now(mp->mnt_kern, &pm->pm_time);
	pm->pm_root->pn_vnode.v_op = &ptyfs_vnodeops;
	pm->pm_root->pn_vnode.v_mount = mp;
	pm->pm_root->pn_vnode.v_type = VDIR;
	pm->pm_root->pn_vnode.v_flag = VV_ROOT;
	pm->pm_root->pn_vnode.v_data = pm->pm_root;
	pm->pm_root->pn_pmnt = pm;
	pm->pm_root->pn_kern = mp->mnt_kern;
	pm->pm_root->pn_unit = -1;
	mp->mnt_data = pm;
	vref(&pm->pm_root->pn_vnode);
	mp->mnt_root = &pm->pm_root->pn_vnode;
	return 0;
}

static void
ptyfs_vfs_unmount(struct mount *mp)
{
	struct ptyfs_mount *pm = mp->mnt_data;
	struct ptyfs_node *pn;

	/* slave vnodes still in use stay with their holders, unmounted */
	for (pn = pm->pm_nodes; pn != NULL; pn = pn->pn_next) {
		pn->pn_pmnt = NULL;
		pn->pn_vnode.v_mount = NULL;
	}
	pn = pm->pm_root;
	pn->pn_pmnt = NULL;
	pn->pn_vnode.v_mount = NULL;
	if (pn->pn_vnode.v_usecount == 0)
		kmem_free(mp->mnt_kern, pn, sizeof(*pn));
	/* else its last holder frees it (ptyfs_inactive) */
	kmem_free(mp->mnt_kern, pm, sizeof(*pm));
	mp->mnt_data = NULL;
}

static void
ptyfs_vfs_statvfs(struct mount *mp, struct statvfs_nb *sb)
{
	(void)mp;
	sb->f_bsize = sb->f_frsize = sb->f_iosize = 512;
	sb->f_namemax = 255;
}

const struct vfsops ptyfs_vfsops = {
	.vfs_name = "ptyfs",
	.vfs_comp = COMP_FS_PTYFS,
	.vfs_mount = ptyfs_vfs_mount,
	.vfs_unmount = ptyfs_vfs_unmount,
	.vfs_statvfs = ptyfs_vfs_statvfs,
};

/* fs.ptyfs only makes "ptyfs" mountable: no per-kernel state */
static const struct kern_component ptyfs_component = {
	.name = "fs.ptyfs", .id = COMP_FS_PTYFS, .deps = { "vfs", "kern.tty", NULL },
};
KERN_COMPONENT(ptyfs_component);
