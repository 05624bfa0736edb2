/*
 * spec.c: character devices.  A device node (VCHR vnode, any file system) names a driver by
 * its major number, NetBSD's: opening it finds the driver in the device switch (entries
 * listed with DEVSW() in any file, found through a linker section, as components are) and
 * lets the driver set the file's operations.  The file keeps the vnode as its f_data, as
 * every vnode file does (fstat, fchmod, fchown work on it); a driver finds its unit by
 * the vnode's v_rdev, set at open.
 *
 * Here also: the memory driver (major 2: /dev/null is minor 2, /dev/zero minor 12) and
 * the nodes NetBSD's rump kernel puts in its root at boot: /dev (0755) with null and zero
 * (0644, as NetBSD's rumpfs makes them) and /tmp (01777).
 */
#include "vfs/vfs.h"
#include "kern/sysargs_gen.h"

extern const struct devsw *const __start_rumpus_devsw[] KERN_HIDDEN;
extern const struct devsw *const __stop_rumpus_devsw[] KERN_HIDDEN;

static const struct devsw *
devsw_find(uint32_t maj)
{
	const struct devsw *const *dp;

	for (dp = __start_rumpus_devsw; dp < __stop_rumpus_devsw; dp++)
		if ((*dp)->d_major == maj)
			return *dp;
	return NULL;
}

/* vs_lock held; vp referenced.  ENXIO when no driver of the node's major is in this
 * kernel (NetBSD says ENXIO for a node without a driver too). */
int
spec_check(struct kern *k, struct vnode *vp)
{
	const struct devsw *d;
	struct vattr va;
	int error;

	if (vp->v_type != VCHR)
		return ENXIO;		/* no block devices */
	if ((error = vp->v_op->vop_getattr(vp, &va)) != 0)
		return error;
	d = devsw_find(nb_major(va.va_rdev));
	if (d == NULL || (d->d_comp >= 0 && !kern_has(k, d->d_comp)))
		return ENXIO;
	vp->v_rdev = va.va_rdev;
	return 0;
}

int
spec_open(struct lwp *l, struct vnode *vp, int fflags, struct file *fp)
{
	const struct devsw *d = devsw_find(nb_major(vp->v_rdev));

	if (d == NULL)
		return ENXIO;
	fp->f_ops = d->d_fileops;
	if (d->d_open == NULL)
		return 0;
	return d->d_open(l, vp, nb_minor(vp->v_rdev), fflags, fp);
}

/* vs_lock held */
int
spec_revoke(struct kern *k, struct vnode *vp)
{
	const struct devsw *d;
	struct vattr va;
	int error;

	if (vp->v_type != VCHR)
		return EINVAL;		/* only character devices can be revoked here */
	if ((error = vp->v_op->vop_getattr(vp, &va)) != 0)
		return error;
	d = devsw_find(nb_major(va.va_rdev));
	if (d == NULL || (d->d_comp >= 0 && !kern_has(k, d->d_comp)) || d->d_revoke == NULL)
		return EINVAL;
	return d->d_revoke(k, nb_minor(va.va_rdev));
}

/* ---------------------------------------------------------------- the memory driver */

#define MEM_NULL	2
#define MEM_ZERO	12

static int
mm_open(struct lwp *l, struct vnode *vp, uint32_t minor, int fflags, struct file *fp)
{
	(void)l;
	(void)vp;
	(void)fflags;
	(void)fp;
	return minor == MEM_NULL || minor == MEM_ZERO ? 0 : ENXIO;
}

static int
mm_read(struct file *fp, nb_off_t *offset, struct uio *uio, int flags)
{
	struct vnode *vp = fp->f_data;
	static const char zeros[512];
	int error = 0;

	(void)flags;
	if (nb_minor(vp->v_rdev) == MEM_NULL)
		return 0;
	while (uio->uio_resid > 0 && error == 0)
		error = uiomove((void *)zeros, uio->uio_resid < sizeof(zeros) ?
		    uio->uio_resid : sizeof(zeros), uio);
	*offset = uio->uio_offset;
	return error;
}

static int
mm_write(struct file *fp, nb_off_t *offset, struct uio *uio, int flags)
{
	(void)fp;
	(void)flags;
	/* everything is taken and dropped */
	uio->uio_offset += (nb_off_t)uio->uio_resid;
	uio->uio_resid = 0;
	*offset = uio->uio_offset;
	return 0;
}

static int
mm_ioctl(struct file *fp, unsigned long cmd, void *data)
{
	(void)fp;
	(void)data;
	return cmd == FIONBIO || cmd == FIOASYNC ? 0 : ENOTTY;
}

const struct fileops mm_fileops = {
	.fo_read = mm_read,
	.fo_write = mm_write,
	.fo_ioctl = mm_ioctl,
	.fo_fcntl = vn_fcntl,
	.fo_stat = vn_fo_stat,
	.fo_close = vn_close,
	.fo_fdclose = vn_fdclose,
};

static const struct devsw mm_devsw = {
	.d_major = 2, .d_comp = -1, .d_open = mm_open, .d_fileops = &mm_fileops,
};
DEVSW(mm_devsw);

/* ---------------------------------------------------------------- nodes at boot */

/* Makes name in dvp (vs_lock held); an existing entry is left as it is.  *vpp (if not
 * NULL) gets the node, referenced. */
int
vfs_makenode(struct kern *k, struct vnode *dvp, const char *name, enum vtype type,
    nb_mode_t mode, uint64_t rdev, struct vnode **vpp)
{
	struct vattr va;
	struct vnode *vp;
	int error;

	(void)k;
	if (dvp->v_op->vop_lookup(dvp, name, strlen(name), &vp) == 0) {
		if (vpp != NULL)
			*vpp = vp;
		else
			vrele(vp);
		return 0;
	}
	memset(&va, 0, sizeof(va));
	va.va_type = type;
	va.va_mode = mode;
	va.va_rdev = rdev;
	if ((error = dvp->v_op->vop_create(dvp, name, strlen(name), &va, NULL, &vp)) != 0)
		return error;
	if (vpp != NULL)
		*vpp = vp;
	else
		vrele(vp);
	return 0;
}

/* /dev/<name> (vs_lock held): for components that add device nodes at boot */
int
vfs_makedevnode(struct kern *k, const char *name, nb_mode_t mode, uint64_t rdev)
{
	struct vfs_state *vs = vfs_state(k);
	struct vnode *dev;
	int error;

	if ((error = vfs_makenode(k, vs->vs_rootvnode, "dev", VDIR, 0755, 0, &dev)) != 0)
		return error;
	error = vfs_makenode(k, dev, name, VCHR, mode, rdev, NULL);
	vrele(dev);
	return error;
}

int
vfs_rootnodes(struct kern *k)
{
	struct vfs_state *vs = vfs_state(k);
	int error;

	br_enter(&vs->vs_lock);
	error = vfs_makenode(k, vs->vs_rootvnode, "tmp", VDIR, 01777, 0, NULL);
	if (error == 0)
		error = vfs_makedevnode(k, "null", 0644, nb_makedev(2, MEM_NULL));
	if (error == 0)
		error = vfs_makedevnode(k, "zero", 0644, nb_makedev(2, MEM_ZERO));
	br_exit(&vs->vs_lock);
	return error;
}
