/*
 * vfs_mount.c: the per-kernel mount table: the root file system, mount/unmount, and
 * statvfs1/fstatvfs1/getvfsstat.
 *
 * vs_mounts lists the mounts in mount order, the root file system first.  A mount covers
 * a directory vnode (held, v_mountedhere points back) and holds its own root vnode.  A
 * mount can only be made on a vnode of an existing mount, so a mount always comes after
 * the ones beneath it: tearing down in reverse order unmounts children first.
 */
#include "vfs/vfs.h"
#include "kern/sysargs_gen.h"

#define MFSNAMELEN	32

static const struct vfsops *const vfs_types[] = {
	&tmpfs_vfsops, &ptyfs_vfsops, &kernfs_vfsops,
};

const struct vfsops *
vfs_findtype(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(vfs_types) / sizeof(vfs_types[0]); i++)
		if (strcmp(vfs_types[i]->vfs_name, name) == 0)
			return vfs_types[i];
	return NULL;
}

static int
mount_alloc(struct kern *k, const struct vfsops *ops, int flags, const char *onname,
    struct mount **mpp)
{
	struct vfs_state *vs = vfs_state(k);
	struct mount *mp = kmem_zalloc(k, sizeof(*mp));

	if (mp == NULL)
		return ENOMEM;
	if ((mp->mnt_onname = kmem_strdup(k, onname, &mp->mnt_onsize)) == NULL) {
		kmem_free(k, mp, sizeof(*mp));
		return ENOMEM;
	}
	mp->mnt_op = ops;
	mp->mnt_kern = k;
	mp->mnt_flag = flags;
	mp->mnt_fsid = ++vs->vs_nextfsid;
	*mpp = mp;
	return 0;
}

static void
mount_free(struct mount *mp)
{
	struct kern *k = mp->mnt_kern;

	kmem_free(k, mp->mnt_onname, mp->mnt_onsize);
	kmem_free(k, mp, sizeof(*mp));
}

static void
mount_link(struct vfs_state *vs, struct mount *mp)
{
	struct mount **mpp = &vs->vs_mounts;

	while (*mpp != NULL)
		mpp = &(*mpp)->mnt_next;
	*mpp = mp;
}

int
vfs_mountroot(struct kern *k)
{
	struct vfs_state *vs = vfs_state(k);
	struct mount *mp;
	int error;

	if ((error = mount_alloc(k, &rumpfs_vfsops, MNT_LOCAL | MNT_ROOTFS, "/", &mp)) != 0)
		return error;
	if ((error = rumpfs_vfsops.vfs_mount(mp, NULL, 0)) != 0) {
		mount_free(mp);
		return error;
	}
	mount_link(vs, mp);
	vs->vs_rootvnode = mp->mnt_root;
	vref(vs->vs_rootvnode);
	return 0;
}

/* Takes mp off the table and frees it; vnodes still in use are revoked. */
static void
dounmount(struct vfs_state *vs, struct mount *mp)
{
	struct mount **mpp;
	struct vnode *covered = mp->mnt_vnodecovered;

	for (mpp = &vs->vs_mounts; *mpp != mp; mpp = &(*mpp)->mnt_next)
		continue;
	*mpp = mp->mnt_next;
	if (covered != NULL)
		covered->v_mountedhere = NULL;
	vrele(mp->mnt_root);
	mp->mnt_op->vfs_unmount(mp);
	if (covered != NULL)
		vrele(covered);
	mount_free(mp);
}

void
vfs_unmountall(struct kern *k)
{
	struct vfs_state *vs = vfs_state(k);

	if (vs->vs_rootvnode != NULL) {
		vrele(vs->vs_rootvnode);
		vs->vs_rootvnode = NULL;
	}
	while (vs->vs_mounts != NULL) {
		struct mount *last = vs->vs_mounts;
		while (last->mnt_next != NULL)
			last = last->mnt_next;
		dounmount(vs, last);
	}
}

static bool
mount_is_under(struct mount *sub, struct mount *mp)
{
	return sub->mnt_vnodecovered != NULL && sub->mnt_vnodecovered->v_mount == mp;
}

/* Forced: submounts first, then mp. */
static void
dounmount_force(struct vfs_state *vs, struct mount *mp)
{
	struct mount *sub;

	for (;;) {
		for (sub = vs->vs_mounts; sub != NULL; sub = sub->mnt_next)
			if (mount_is_under(sub, mp))
				break;
		if (sub == NULL)
			break;
		dounmount_force(vs, sub);
	}
	dounmount(vs, mp);
}

int
sys___mount50(struct lwp *l, const struct sys___mount50_args *uap, register_t *retval)
{
	struct kern *k = l->l_kern;
	struct vfs_state *vs = vfs_state(k);
	const struct vfsops *ops;
	char type[MFSNAMELEN];
	char path[MAXPATHLEN], onbuf[MAXPATHLEN], *onname;
	struct nameidata *nd = NULL;
	size_t len = SCARG(uap, data_len);
	void *data = NULL;
	struct mount *mp;
	struct vnode *vp;
	int flags = SCARG(uap, flags), error;

	(void)retval;
	if ((error = cred_super(lwp_cred(l))) != 0)
		return error;
	if ((error = copyinstr(SCARG(uap, type), type, sizeof(type), NULL)) != 0)
		return error;
	if ((error = copyinstr(SCARG(uap, path), path, sizeof(path), NULL)) != 0)
		return error;
	if (flags & (MNT_UPDATE | MNT_GETARGS))
		return EOPNOTSUPP;	/* XXX: no remount or argument query yet */
	if ((ops = vfs_findtype(type)) == NULL ||
	    (ops->vfs_comp >= 0 && !kern_has(k, ops->vfs_comp)))
		return ENODEV;
	if (len > 4096)
		return EINVAL;
	if (SCARG(uap, data) != NULL && len > 0) {
		if ((data = kmem_alloc(k, len)) == NULL)
			return ENOMEM;
		if ((error = copyin(SCARG(uap, data), data, len)) != 0)
			goto out_data;
	}
	if ((nd = kmem_alloc(k, sizeof(*nd))) == NULL) {
		error = ENOMEM;
		goto out_data;
	}
	memcpy(nd->ni_buf, path, sizeof(path));
	br_enter(&vs->vs_lock);
	if ((error = namei(l, NULL, NI_FOLLOW, nd)) != 0)
		goto out;
	vp = nd->ni_vp;
	if (vp->v_type != VDIR) {
		error = ENOTDIR;
		goto out_vp;
	}
	if (vp->v_mountedhere != NULL) {
		error = EBUSY;
		goto out_vp;
	}
	if ((error = vn_fullpath(l->l_proc, vp, onbuf, sizeof(onbuf), &onname)) != 0)
		goto out_vp;
	if ((error = mount_alloc(k, ops, (flags & (int)MNT_VISFLAGMASK & ~MNT_FORCE) | MNT_LOCAL,
	    onname, &mp)) != 0)
		goto out_vp;
	if ((error = ops->vfs_mount(mp, data, data ? len : 0)) != 0) {
		mount_free(mp);
		goto out_vp;
	}
	mp->mnt_vnodecovered = vp;	/* keeps namei's reference */
	vp->v_mountedhere = mp;
	mount_link(vs, mp);
	nd->ni_vp = NULL;
	goto out;
out_vp:
	vrele(vp);
	nd->ni_vp = NULL;
out:
	br_exit(&vs->vs_lock);
	kmem_free(k, nd, sizeof(*nd));
out_data:
	if (data != NULL)
		kmem_free(k, data, len);
	return error;
}

int
sys_unmount(struct lwp *l, const struct sys_unmount_args *uap, register_t *retval)
{
	struct kern *k = l->l_kern;
	struct vfs_state *vs = vfs_state(k);
	struct nameidata *nd;
	struct mount *mp, *sub;
	struct vnode *vp;
	int error, flags = SCARG(uap, flags);

	(void)retval;
	if ((error = cred_super(lwp_cred(l))) != 0)
		return error;
	if ((nd = kmem_alloc(k, sizeof(*nd))) == NULL)
		return ENOMEM;
	if ((error = copyinstr(SCARG(uap, path), nd->ni_buf, MAXPATHLEN, NULL)) != 0)
		goto out_free;
	br_enter(&vs->vs_lock);
	if ((error = namei(l, NULL, NI_FOLLOW, nd)) != 0)
		goto out;
	vp = nd->ni_vp;
	mp = vp->v_mount;
	if (!(vp->v_flag & VV_ROOT) || mp == NULL) {
		vrele(vp);
		error = EINVAL;
		goto out;
	}
	vrele(vp);
	if (mp->mnt_vnodecovered == NULL) {
		error = EBUSY;		/* the root file system stays */
		goto out;
	}
	if (!(flags & MNT_FORCE)) {
		for (sub = vs->vs_mounts; sub != NULL; sub = sub->mnt_next)
			if (mount_is_under(sub, mp))
				break;
		if (sub != NULL || mp->mnt_refs > 1 || mp->mnt_root->v_usecount > 1) {
			error = EBUSY;
			goto out;
		}
		dounmount(vs, mp);
	} else
		dounmount_force(vs, mp);
out:
	br_exit(&vs->vs_lock);
out_free:
	kmem_free(k, nd, sizeof(*nd));
	return error;
}

/* ---------------------------------------------------------------- statvfs */

_Static_assert(sizeof(struct statvfs_nb) == 2256, "NetBSD struct statvfs is 2256 bytes");
_Static_assert(offsetof(struct statvfs_nb, f_fsidx) == 128, "f_fsidx at 128");
_Static_assert(offsetof(struct statvfs_nb, f_owner) == 152, "f_owner at 152");
_Static_assert(offsetof(struct statvfs_nb, f_fstypename) == 172, "f_fstypename at 172");
_Static_assert(offsetof(struct statvfs_nb, f_mntfromname) == 1228, "f_mntfromname at 1228");

static void
mount_statvfs(struct mount *mp, struct statvfs_nb *sb)
{
	size_t n;

	memset(sb, 0, sizeof(*sb));
	mp->mnt_op->vfs_statvfs(mp, sb);
	sb->f_flag = (unsigned long)(mp->mnt_flag & (int)MNT_VISFLAGMASK);
	sb->f_fsidx[0] = (int32_t)mp->mnt_fsid;
	sb->f_fsid = (unsigned long)mp->mnt_fsid;
	sb->f_owner = 0;
	n = strlen(mp->mnt_op->vfs_name);
	memcpy(sb->f_fstypename, mp->mnt_op->vfs_name, n);
	memcpy(sb->f_mntfromname, mp->mnt_op->vfs_name, n);
	n = mp->mnt_onsize < sizeof(sb->f_mntonname) ? mp->mnt_onsize : sizeof(sb->f_mntonname);
	memcpy(sb->f_mntonname, mp->mnt_onname, n);
	sb->f_mntonname[sizeof(sb->f_mntonname) - 1] = '\0';
}

static int
statvfs_flags_ok(int flags)
{
	return (flags & ~(ST_WAIT | ST_NOWAIT)) == 0 ? 0 : EINVAL;
}

int
sys_statvfs1(struct lwp *l, const struct sys_statvfs1_args *uap, register_t *retval)
{
	struct kern *k = l->l_kern;
	struct vfs_state *vs = vfs_state(k);
	struct statvfs_nb *sb;
	struct nameidata *nd;
	int error;

	(void)retval;
	if ((error = statvfs_flags_ok(SCARG(uap, flags))) != 0)
		return error;
	if ((sb = kmem_alloc(k, sizeof(*sb) + sizeof(*nd))) == NULL)
		return ENOMEM;
	nd = (struct nameidata *)(sb + 1);
	if ((error = copyinstr(SCARG(uap, path), nd->ni_buf, MAXPATHLEN, NULL)) != 0)
		goto out;
	br_enter(&vs->vs_lock);
	if ((error = namei(l, NULL, NI_FOLLOW, nd)) == 0) {
		if (nd->ni_vp->v_mount == NULL)
			error = EIO;
		else
			mount_statvfs(nd->ni_vp->v_mount, sb);
		vrele(nd->ni_vp);
	}
	br_exit(&vs->vs_lock);
	if (error == 0)
		error = copyout(sb, SCARG(uap, buf), sizeof(*sb));
out:
	kmem_free(k, sb, sizeof(*sb) + sizeof(*nd));
	return error;
}

int
sys_fstatvfs1(struct lwp *l, const struct sys_fstatvfs1_args *uap, register_t *retval)
{
	struct kern *k = l->l_kern;
	struct vfs_state *vs = vfs_state(k);
	struct statvfs_nb *sb;
	struct vnode *vp;
	struct file *fp;
	int error;

	(void)retval;
	if ((error = statvfs_flags_ok(SCARG(uap, flags))) != 0)
		return error;
	if ((error = fd_getfile(l, SCARG(uap, fd), &fp)) != 0)
		return error;
	if (fp->f_type != DTYPE_VNODE) {
		fd_putfile(fp);
		return EINVAL;
	}
	if ((sb = kmem_alloc(k, sizeof(*sb))) == NULL) {
		fd_putfile(fp);
		return ENOMEM;
	}
	vp = fp->f_data;
	br_enter(&vs->vs_lock);
	if (vp->v_mount == NULL)
		error = EIO;
	else
		mount_statvfs(vp->v_mount, sb);
	br_exit(&vs->vs_lock);
	fd_putfile(fp);
	if (error == 0)
		error = copyout(sb, SCARG(uap, buf), sizeof(*sb));
	kmem_free(k, sb, sizeof(*sb));
	return error;
}

int
sys_getvfsstat(struct lwp *l, const struct sys_getvfsstat_args *uap, register_t *retval)
{
	struct kern *k = l->l_kern;
	struct vfs_state *vs = vfs_state(k);
	size_t max = SCARG(uap, bufsize) / sizeof(struct statvfs_nb);
	char *ubuf = SCARG(uap, buf);
	struct statvfs_nb *sb;
	struct mount *mp;
	size_t n = 0;
	int error;

	if ((error = statvfs_flags_ok(SCARG(uap, flags))) != 0)
		return error;
	if ((sb = kmem_alloc(k, sizeof(*sb))) == NULL)
		return ENOMEM;
	br_enter(&vs->vs_lock);
	for (mp = vs->vs_mounts; mp != NULL; mp = mp->mnt_next) {
		if (ubuf != NULL) {
			if (n >= max)
				break;
			mount_statvfs(mp, sb);
			/* copyout under vs_lock is fine: user memory is process memory */
			if ((error = copyout(sb, ubuf + n * sizeof(*sb), sizeof(*sb))) != 0)
				break;
		}
		n++;
	}
	br_exit(&vs->vs_lock);
	kmem_free(k, sb, sizeof(*sb));
	if (error == 0)
		retval[0] = (register_t)n;
	return error;
}
