/*
 * vfs_subr.c: the vfs component (per-kernel state, root file system, per-process
 * directories), vnode references, name lookup, and path reconstruction (__getcwd).
 *
 * A process's p_cwd / p_rdir are referenced vnodes, or NULL meaning the kernel's root:
 * process 1 exists before vfs starts, and a fresh process costs no reference that way.
 */
#include "vfs/vfs.h"

/* ---------------------------------------------------------------- references */

void
vref(struct vnode *vp)
{
	if (vp->v_usecount++ == 0 && vp->v_mount != NULL)
		vp->v_mount->mnt_refs++;
}

void
vrele(struct vnode *vp)
{
	if (--vp->v_usecount > 0)
		return;
	if (vp->v_mount != NULL)
		vp->v_mount->mnt_refs--;
	vp->v_op->vop_inactive(vp);
}

struct vnode *
vfs_root(struct proc *p)
{
	return p->p_rdir != NULL ? p->p_rdir : vfs_state(p->p_kern)->vs_rootvnode;
}

struct vnode *
vfs_cwd(struct proc *p)
{
	return p->p_cwd != NULL ? p->p_cwd : vfs_state(p->p_kern)->vs_rootvnode;
}

int
vn_access(struct vnode *vp, int acc, const struct cred *cred)
{
	struct vattr va;
	int error;

	if ((error = vp->v_op->vop_getattr(vp, &va)) != 0)
		return error;
	return cred_access(cred, va.va_uid, va.va_gid, va.va_mode, acc, vp->v_type == VDIR);
}

/* ---------------------------------------------------------------- lookup */

void
nd_release(struct nameidata *nd)
{
	if (nd->ni_dvp != NULL)
		vrele(nd->ni_dvp);
	if (nd->ni_vp != NULL)
		vrele(nd->ni_vp);
	nd->ni_dvp = nd->ni_vp = NULL;
}

/* Replaces the consumed part of ni_buf: the new path is target + rest. */
static int
namei_splice(struct nameidata *nd, struct vnode *lvp, const char *rest)
{
	char tmp[MAXPATHLEN];
	struct nb_iovec iov = { tmp, sizeof(tmp) };
	struct uio uio = { &iov, 1, 0, sizeof(tmp), UIO_READ, false };
	size_t tlen, rlen = strlen(rest);
	int error;

	if ((error = lvp->v_op->vop_readlink(lvp, &uio)) != 0)
		return error;
	tlen = sizeof(tmp) - uio.uio_resid;
	if (tlen == 0)
		return ENOENT;
	if (tlen + rlen + 1 > MAXPATHLEN)
		return ENAMETOOLONG;
	memmove(nd->ni_buf + tlen, rest, rlen + 1);
	memcpy(nd->ni_buf, tmp, tlen);
	return 0;
}

int
namei(struct lwp *l, struct vnode *startdir, int flags, struct nameidata *nd)
{
	struct proc *p = l->l_proc;
	struct vnode *root = vfs_root(p), *dp, *vp;
	struct cred rcred;
	const struct cred *cred = lwp_cred(l);
	char *cp = nd->ni_buf;
	int nlinks = 0, error;

	nd->ni_dvp = nd->ni_vp = NULL;
	nd->ni_name = NULL;
	nd->ni_namelen = 0;
	nd->ni_trailslash = false;
	if (flags & NI_REALIDS) {
		memcpy(&rcred, lwp_cred(l), sizeof(rcred));
		rcred.cr_euid = rcred.cr_uid;
		rcred.cr_egid = rcred.cr_gid;
		cred = &rcred;
	}
	if (*cp == '\0')
		return ENOENT;
	dp = (*cp == '/') ? root : (startdir != NULL ? startdir : vfs_cwd(p));
	vref(dp);
	for (;;) {
		const char *name;
		size_t len;
		bool last, slash;

		while (*cp == '/')
			cp++;
		if (*cp == '\0') {
			/* "/" or a path ending at a directory after a symlink: dp itself */
			if (flags & NI_PARENT) {
				vrele(dp);
				return EINVAL;
			}
			nd->ni_vp = dp;
			return 0;
		}
		name = cp;
		while (*cp != '\0' && *cp != '/')
			cp++;
		len = (size_t)(cp - name);
		if (len > NAME_MAX) {
			error = ENAMETOOLONG;
			goto fail;
		}
		slash = (*cp == '/');
		while (*cp == '/')
			cp++;
		last = (*cp == '\0');
		if (dp->v_type != VDIR) {
			error = ENOTDIR;
			goto fail;
		}
		if ((error = vn_access(dp, VEXEC, cred)) != 0)
			goto fail;
		if (len == 2 && name[0] == '.' && name[1] == '.') {
			if (dp == root || dp == vfs_state(p->p_kern)->vs_rootvnode) {
				vref(dp);
				vp = dp;
				goto found;
			}
			/* leave mounted file systems to the directory they cover */
			while ((dp->v_flag & VV_ROOT) && dp->v_mount != NULL &&
			    dp->v_mount->mnt_vnodecovered != NULL) {
				struct vnode *cov = dp->v_mount->mnt_vnodecovered;
				vref(cov);
				vrele(dp);
				dp = cov;
			}
		}
		error = dp->v_op->vop_lookup(dp, name, len, &vp);
		if (error == ENOENT && last && (flags & NI_PARENT)) {
			nd->ni_dvp = dp;
			nd->ni_name = name;
			nd->ni_namelen = len;
			nd->ni_trailslash = slash;
			if (slash && !(flags & NI_MKDIR)) {
				nd->ni_dvp = NULL;
				vrele(dp);
				return ENOENT;
			}
			return 0;
		}
		if (error != 0)
			goto fail;
		/* cross onto file systems mounted here */
		while (vp->v_mountedhere != NULL) {
			struct vnode *mroot = vp->v_mountedhere->mnt_root;
			vref(mroot);
			vrele(vp);
			vp = mroot;
		}
found:
		if (vp->v_type == VLNK && (!last || slash || (flags & NI_FOLLOW))) {
			if (++nlinks > MAXSYMLINKS) {
				vrele(vp);
				error = ELOOP;
				goto fail;
			}
			/* rest of the path, with the slash that followed the link */
			error = namei_splice(nd, vp, slash ? cp - 1 : cp);
			vrele(vp);
			if (error != 0)
				goto fail;
			cp = nd->ni_buf;
			if (*cp == '/') {
				vrele(dp);
				dp = root;
				vref(dp);
			}
			continue;
		}
		if (last) {
			if (slash && vp->v_type != VDIR) {
				vrele(vp);
				error = ENOTDIR;
				goto fail;
			}
			nd->ni_vp = vp;
			nd->ni_trailslash = slash;
			if (flags & NI_PARENT) {
				nd->ni_dvp = dp;
				nd->ni_name = name;
				nd->ni_namelen = len;
			} else
				vrele(dp);
			return 0;
		}
		vrele(dp);
		dp = vp;
	}
fail:
	vrele(dp);
	return error;
}

/* ---------------------------------------------------------------- generic vnode ops */

int
genfs_create_eopnotsupp(struct vnode *dvp, const char *name, size_t len,
    const struct vattr *va, const char *target, struct vnode **vpp)
{
	(void)dvp; (void)name; (void)len; (void)va; (void)target; (void)vpp;
	return EOPNOTSUPP;
}

int
genfs_remove_eopnotsupp(struct vnode *dvp, struct vnode *vp, const char *name, size_t len)
{
	(void)dvp; (void)vp; (void)name; (void)len;
	return EOPNOTSUPP;
}

int
genfs_rename_eopnotsupp(struct vnode *fdvp, struct vnode *fvp, const char *fname,
    size_t flen, struct vnode *tdvp, struct vnode *tvp, const char *tname, size_t tlen)
{
	(void)fdvp; (void)fvp; (void)fname; (void)flen; (void)tdvp; (void)tvp; (void)tname;
	(void)tlen;
	return EOPNOTSUPP;
}

/* NetBSD struct dirent: d_fileno 0, d_reclen 8, d_namlen 10, d_type 12, d_name 13 */
int
vfs_dirent_emit(struct uio *uio, uint64_t ino, const char *name, size_t len, uint8_t type,
    bool *full)
{
	char rec[13 + 512 + 8];
	size_t reclen = (13 + len + 1 + 7) & ~(size_t)7;
	uint16_t r = (uint16_t)reclen, nl = (uint16_t)len;

	if (uio->uio_resid < reclen) {
		*full = true;
		return 0;
	}
	memset(rec, 0, reclen);
	memcpy(rec, &ino, 8);
	memcpy(rec + 8, &r, 2);
	memcpy(rec + 10, &nl, 2);
	rec[12] = (char)type;
	memcpy(rec + 13, name, len);
	return uiomove(rec, reclen, uio);
}

/* ---------------------------------------------------------------- paths */

/* Writes the path of directory vp (as seen from the process root) at the end of
 * buf[0..size), returning where it starts.  ENOENT if vp was removed, ERANGE if the
 * buffer is too small. */
int
vn_fullpath(struct proc *p, struct vnode *vp, char *buf, size_t size, char **startp)
{
	struct vnode *root = vfs_root(p), *kroot = vfs_state(p->p_kern)->vs_rootvnode;
	char *bp = buf + size;
	char name[NAME_MAX + 1];
	int error = 0, depth = 0;

	*--bp = '\0';
	vref(vp);
	while (vp != root && vp != kroot) {
		struct vnode *dvp;
		size_t len;

		while ((vp->v_flag & VV_ROOT) && vp->v_mount != NULL &&
		    vp->v_mount->mnt_vnodecovered != NULL) {
			struct vnode *cov = vp->v_mount->mnt_vnodecovered;
			vref(cov);
			vrele(vp);
			vp = cov;
		}
		if (vp == root || vp == kroot)
			break;
		if (vp->v_type != VDIR || ++depth > MAXPATHLEN / 2) {
			error = ENOENT;
			break;
		}
		if ((error = vp->v_op->vop_lookup(vp, "..", 2, &dvp)) != 0)
			break;
		if (dvp == vp) {
			vrele(dvp);
			error = ENOENT;
			break;
		}
		error = dvp->v_op->vop_getname(dvp, vp, name, &len);
		vrele(vp);
		vp = dvp;
		if (error != 0)
			break;
		if ((size_t)(bp - buf) < len + 1) {
			error = ERANGE;
			break;
		}
		bp -= len;
		memcpy(bp, name, len);
		*--bp = '/';
	}
	vrele(vp);
	if (error != 0)
		return error;
	if (*bp == '\0') {
		if (bp == buf)
			return ERANGE;
		*--bp = '/';
	}
	*startp = bp;
	return 0;
}

/* ---------------------------------------------------------------- the component */

static int
vfs_init(struct kern *k)
{
	struct vfs_state *vs = kmem_zalloc(k, sizeof(*vs));
	int error;

	if (vs == NULL)
		return ENOMEM;
	if (br_init(&vs->vs_lock, k) != 0) {
		kmem_free(k, vs, sizeof(*vs));
		return ENOMEM;
	}
	cv_init(&vs->vs_lockcv, k);
	kern_priv_set(k, COMP_VFS, vs);
	if ((error = vfs_mountroot(k)) != 0 || (error = vfs_rootnodes(k)) != 0) {
		if (vs->vs_rootvnode != NULL) {
			br_enter(&vs->vs_lock);
			vfs_unmountall(k);
			br_exit(&vs->vs_lock);
		}
		cv_destroy(&vs->vs_lockcv);
		br_destroy(&vs->vs_lock);
		kern_priv_set(k, COMP_VFS, NULL);
		kmem_free(k, vs, sizeof(*vs));
	}
	return error;
}

static void
vfs_fini(struct kern *k)
{
	struct vfs_state *vs = vfs_state(k);

	br_enter(&vs->vs_lock);
	vfs_unmountall(k);
	br_exit(&vs->vs_lock);
	cv_destroy(&vs->vs_lockcv);
	br_destroy(&vs->vs_lock);
	kern_priv_set(k, COMP_VFS, NULL);
	kmem_free(k, vs, sizeof(*vs));
}

static int
vfs_proc_fork(struct proc *parent, struct proc *child)
{
	struct vfs_state *vs = vfs_state(parent->p_kern);

	if (vs == NULL)
		return 0;
	br_enter(&vs->vs_lock);
	if ((child->p_cwd = parent->p_cwd) != NULL)
		vref(child->p_cwd);
	if ((child->p_rdir = parent->p_rdir) != NULL)
		vref(child->p_rdir);
	br_exit(&vs->vs_lock);
	return 0;
}

static void
vfs_proc_exit(struct proc *p)
{
	struct vfs_state *vs = vfs_state(p->p_kern);

	if (vs == NULL)
		return;
	br_enter(&vs->vs_lock);
	if (p->p_cwd != NULL)
		vrele(p->p_cwd);
	if (p->p_rdir != NULL)
		vrele(p->p_rdir);
	p->p_cwd = p->p_rdir = NULL;
	lf_proc_exit(p);
	br_exit(&vs->vs_lock);
}

static const struct kern_component vfs_component = {
	.name = "vfs", .id = COMP_VFS, .deps = { NULL },
	.init = vfs_init, .fini = vfs_fini,
	.proc_fork = vfs_proc_fork, .proc_exit = vfs_proc_exit,
};
KERN_COMPONENT(vfs_component);
