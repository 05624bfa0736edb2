/*
 * vfs_syscalls.c: the path and descriptor syscalls of the VFS with NetBSD semantics:
 * open/openat, creation and removal (mkdir, mknod, mkfifo, symlink, link, unlink, rmdir,
 * rename), attributes (stat, chmod, chown, utimes, truncate, access), directories
 * (chdir, chroot, __getcwd, getdents), positioned I/O, lseek, sync calls, pathconf, flock.
 *
 * Every handler copies its path in first, takes the descriptor of a dirfd (outside the VFS
 * lock: dropping a file may close it, which takes the lock), then works under vs_lock.
 */
#include "vfs/vfs.h"
#include "kern/sysargs_gen.h"

#define ALLPERMS	07777
#define ACCESSPERMS	0777
static int vn_setsize(struct vnode *vp, nb_off_t size);

#define FD_ISFIFO(fp)	((fp)->f_ops == &fifo_fileops)

/* ---------------------------------------------------------------- helpers */

struct vfs_at {
	struct vfs_state *vs;
	struct file *dfp;
	struct nameidata nd;
};

/* Copies the path in, takes the directory descriptor when the path is relative, and
 * locks the VFS.  On success the caller ends with at_end(). */
static int
at_begin(struct lwp *l, int dirfd, const char *upath, struct vfs_at *at)
{
	int error;

	at->vs = vfs_state(l->l_kern);
	at->dfp = NULL;
	at->nd.ni_dvp = at->nd.ni_vp = NULL;
	if ((error = copyinstr(upath, at->nd.ni_buf, MAXPATHLEN, NULL)) != 0)
		return error;
	if (at->nd.ni_buf[0] != '/' && dirfd != AT_FDCWD) {
		if ((error = fd_getfile(l, dirfd, &at->dfp)) != 0)
			return error;
		if (at->dfp->f_type != DTYPE_VNODE) {
			fd_putfile(at->dfp);
			return ENOTDIR;
		}
	}
	br_enter(&at->vs->vs_lock);
	return 0;
}

static void
at_end(struct vfs_at *at)
{
	br_exit(&at->vs->vs_lock);
	if (at->dfp != NULL)
		fd_putfile(at->dfp);
}

static int
at_namei(struct lwp *l, struct vfs_at *at, int flags)
{
	return namei(l, at->dfp ? at->dfp->f_data : NULL, flags, &at->nd);
}

/* A vnode descriptor: EBADF if not open, EINVAL if not a vnode (NetBSD's fd_getvnode). */
static int
fd_getvnode(struct lwp *l, int fd, struct file **fpp)
{
	int error;

	if ((error = fd_getfile(l, fd, fpp)) != 0)
		return error;
	if ((*fpp)->f_type != DTYPE_VNODE) {
		fd_putfile(*fpp);
		return EINVAL;
	}
	return 0;
}

static bool
vn_rdonly(struct vnode *vp)
{
	return vp->v_mount != NULL && (vp->v_mount->mnt_flag & MNT_RDONLY);
}

static bool
is_dot(const char *name, size_t len)
{
	return len == 1 && name[0] == '.';
}

static bool
is_dotdot(const char *name, size_t len)
{
	return len == 2 && name[0] == '.' && name[1] == '.';
}

/* Removing or renaming an entry of a sticky directory needs owning the file or the
 * directory (or root). */
static int
sticky_check(struct vnode *dvp, struct vnode *vp, const struct cred *cred)
{
	struct vattr dva, va;
	int error;

	if (cred->cr_euid == 0)
		return 0;
	if ((error = dvp->v_op->vop_getattr(dvp, &dva)) != 0)
		return error;
	if (!(dva.va_mode & S_ISTXT))
		return 0;
	if ((error = vp->v_op->vop_getattr(vp, &va)) != 0)
		return error;
	if (cred->cr_euid != va.va_uid && cred->cr_euid != dva.va_uid)
		return EPERM;
	return 0;
}

static nb_mode_t
vtype_to_ifmt(enum vtype t)
{
	switch (t) {
	case VREG: return S_IFREG;
	case VDIR: return S_IFDIR;
	case VLNK: return S_IFLNK;
	case VFIFO: return S_IFIFO;
	case VCHR: return S_IFCHR;
	case VBLK: return S_IFBLK;
	case VSOCK: return S_IFSOCK;
	default: return 0;
	}
}

int
vn_stat(struct vnode *vp, struct nb_stat *st)
{
	struct vattr va;
	int error;

	if ((error = vp->v_op->vop_getattr(vp, &va)) != 0)
		return error;
	memset(st, 0, sizeof(*st));
	st->st_dev = va.va_fsid;
	st->st_ino = va.va_fileid;
	st->st_mode = vtype_to_ifmt(va.va_type) | (va.va_mode & ALLPERMS);
	st->st_nlink = va.va_nlink;
	st->st_uid = va.va_uid;
	st->st_gid = va.va_gid;
	st->st_rdev = va.va_rdev;
	st->st_atim = va.va_atime;
	st->st_mtim = va.va_mtime;
	st->st_ctim = va.va_ctime;
	st->st_birthtim = va.va_birthtime;
	st->st_size = va.va_size;
	st->st_blocks = (int64_t)((va.va_bytes + 511) / 512);
	st->st_blksize = 4096;
	st->st_flags = va.va_flags;
	st->st_gen = va.va_gen;
	return 0;
}

/* Creates the last component of nd (a NI_PARENT lookup that found nothing). */
static int
vn_create_at(struct lwp *l, struct nameidata *nd, enum vtype type, nb_mode_t mode,
    uint64_t rdev, const char *target, struct vnode **vpp)
{
	struct vnode *dvp = nd->ni_dvp;
	struct vattr dva, va;
	int error;

	if ((error = vn_access(dvp, VWRITE | VEXEC, lwp_cred(l))) != 0)
		return error;
	if (vn_rdonly(dvp))
		return EROFS;
	if ((error = dvp->v_op->vop_getattr(dvp, &dva)) != 0)
		return error;
	memset(&va, 0, sizeof(va));
	va.va_type = type;
	va.va_mode = mode;
	va.va_uid = lwp_cred(l)->cr_euid;
	va.va_gid = dva.va_gid;		/* BSD: the directory's group */
	va.va_rdev = rdev;
	if ((error = dvp->v_op->vop_create(dvp, nd->ni_name, nd->ni_namelen, &va, target,
	    vpp)) == 0)
		vn_knote(dvp, NOTE_WRITE | (type == VDIR ? NOTE_LINK : 0));
	return error;
}

/* ---------------------------------------------------------------- open */

static int
doopen(struct lwp *l, int dirfd, const char *upath, int oflags, nb_mode_t mode,
    register_t *retval)
{
	struct proc *p = l->l_proc;
	struct vfs_at at;
	struct vnode *vp = NULL;
	struct file *fp;
	unsigned fflags;
	bool created = false;
	int error, fd, lflags;

	if ((oflags & O_ACCMODE) == O_ACCMODE)
		return EINVAL;
	fflags = (unsigned)FFLAGS(oflags);
	if ((error = at_begin(l, dirfd, upath, &at)) != 0)
		return error;
	if (oflags & O_CREAT) {
		lflags = NI_PARENT | ((oflags & (O_EXCL | O_NOFOLLOW)) ? 0 : NI_FOLLOW);
		if ((error = at_namei(l, &at, lflags)) == EINVAL) {
			/* "/" (or a path ending at a directory): nothing to create */
			if (oflags & O_EXCL) {
				error = EEXIST;
				goto out;
			}
			error = at_namei(l, &at, (oflags & O_NOFOLLOW) ? 0 : NI_FOLLOW);
		}
		if (error != 0)
			goto out;
		if (at.nd.ni_vp == NULL) {
			error = vn_create_at(l, &at.nd, VREG,
			    (mode & ~p->p_umask) & ALLPERMS & ~(nb_mode_t)S_ISTXT, 0, NULL, &vp);
			if (error != 0)
				goto out;
			created = true;
		} else if (oflags & O_EXCL) {
			error = EEXIST;
			goto out;
		} else {
			vp = at.nd.ni_vp;
			at.nd.ni_vp = NULL;
		}
	} else {
		if ((error = at_namei(l, &at, (oflags & O_NOFOLLOW) ? 0 : NI_FOLLOW)) != 0)
			goto out;
		vp = at.nd.ni_vp;
		at.nd.ni_vp = NULL;
	}
	if (!created) {
		if (vp->v_type == VLNK) {
			error = EFTYPE;		/* O_NOFOLLOW on a symlink, as NetBSD 7 */
			goto out;
		}
		if (vp->v_type == VSOCK) {
			error = EOPNOTSUPP;
			goto out;
		}
		if ((oflags & O_DIRECTORY) && vp->v_type != VDIR) {
			error = ENOTDIR;
			goto out;
		}
		if ((fflags & FWRITE) || (oflags & O_TRUNC)) {
			if (vp->v_type == VDIR) {
				error = EISDIR;
				goto out;
			}
			if (vn_rdonly(vp)) {
				error = EROFS;
				goto out;
			}
		}
		if ((((fflags & FWRITE) || (oflags & O_TRUNC)) && (vn_flags(vp) & IMMUTABLE)) ||
		    ((vn_flags(vp) & APPEND) && (((fflags & FWRITE) && !(oflags & O_APPEND)) ||
		    (oflags & O_TRUNC)))) {
			error = EPERM;		/* immutable, or append-only and not O_APPEND */
			goto out;
		}
		if ((error = vn_access(vp, ((fflags & FREAD) ? VREAD : 0) |
		    (((fflags & FWRITE) || (oflags & O_TRUNC)) ? VWRITE : 0), lwp_cred(l))) != 0)
			goto out;
		if ((vp->v_type == VCHR || vp->v_type == VBLK) &&
		    (error = spec_check(l->l_kern, vp)) != 0)
			goto out;	/* no driver of its major in this kernel */
		if ((oflags & O_TRUNC) && vp->v_type == VREG) {
			struct vattr va;
			(void)va;
			if ((error = vn_setsize(vp, 0)) != 0)
				goto out;
		}
	}
	if ((error = fd_allocfile(l, &fp, &fd)) != 0)
		goto out;
	fp->f_type = DTYPE_VNODE;
	fp->f_flag = fflags & (FREAD | FWRITE | FCNTLFLAGS);
	fp->f_ops = vp->v_type == VFIFO ? &fifo_fileops : &vn_fileops;
	fp->f_data = vp;
	if (oflags & (O_EXLOCK | O_SHLOCK)) {
		struct nb_flock fl = { 0, 0, 0, (oflags & O_EXLOCK) ? F_WRLCK : F_RDLCK, SEEK_SET };
		error = lf_advlock(l, vp, fp, F_SETLK, &fl,
		    LF_FLOCK | ((oflags & O_NONBLOCK) ? 0 : LF_WAIT), 0);
		if (error != 0) {
			fd_abort(l, fp, fd);
			goto out;
		}
	}
	/* a device opens last, so that nothing after it can fail and leave it open */
	if (!created && vp->v_type == VCHR) {
		if ((error = spec_open(l, vp, (int)fflags, fp)) != 0) {
			lf_release_owner(l->l_kern, vp, fp);
			fp->f_ops = &vn_fileops;	/* fd_abort drops the file without fo_close */
			fp->f_data = vp;
			fd_abort(l, fp, fd);
			goto out;
		}
		if (fp->f_data != vp) {
			/* a cloning device (/dev/ptmx): the file holds the new unit's own vnode
			 * (referenced by the driver); an O_EXLOCK/O_SHLOCK lock moves there, where
			 * nobody else can hold one, and the node's reference is dropped */
			struct vnode *nvp = fp->f_data;
			if (oflags & (O_EXLOCK | O_SHLOCK)) {
				struct nb_flock fl = { 0, 0, 0, (oflags & O_EXLOCK) ? F_WRLCK : F_RDLCK,
				    SEEK_SET };
				lf_release_owner(l->l_kern, vp, fp);
				(void)lf_advlock(l, nvp, fp, F_SETLK, &fl, LF_FLOCK, 0);
			}
			vrele(vp);
			vp = nvp;
		}
	}
	if (vp->v_type == VFIFO) {
		if ((error = pipe_fifo_attach(vp)) != 0) {
			lf_release_owner(l->l_kern, vp, fp);
			fd_abort(l, fp, fd);
			goto out;
		}
		br_exit(&at.vs->vs_lock);
		error = pipe_fifo_open(vp, fp);
		br_enter(&at.vs->vs_lock);
		if (error != 0) {
			pipe_fifo_detach(vp);
			lf_release_owner(l->l_kern, vp, fp);
			fd_abort(l, fp, fd);
			goto out;
		}
	}
	vp = NULL;	/* the file owns the reference now */
	fd_affix(l, fp, fd);
	if (oflags & O_CLOEXEC)
		fd_setcloexec(l, fd, true);
	retval[0] = fd;
out:
	if (vp != NULL)
		vrele(vp);
	nd_release(&at.nd);
	at_end(&at);
	return error;
}

int
sys_open(struct lwp *l, const struct sys_open_args *uap, register_t *retval)
{
	return doopen(l, AT_FDCWD, SCARG(uap, path), SCARG(uap, flags), SCARG(uap, mode), retval);
}

int
sys_openat(struct lwp *l, const struct sys_openat_args *uap, register_t *retval)
{
	return doopen(l, SCARG(uap, fd), SCARG(uap, path), SCARG(uap, oflags), SCARG(uap, mode),
	    retval);
}

/* ---------------------------------------------------------------- creation */

static int
domknod(struct lwp *l, int dirfd, const char *upath, nb_mode_t mode, uint64_t dev,
    bool fifo_only)
{
	struct proc *p = l->l_proc;
	struct vfs_at at;
	struct vnode *vp;
	enum vtype type;
	int error;

	switch (mode & S_IFMT) {
	case S_IFIFO: type = VFIFO; break;
	case S_IFCHR: type = VCHR; break;
	case S_IFBLK: type = VBLK; break;
	case S_IFREG: case 0: type = VREG; break;
	default: return EINVAL;
	}
	if (fifo_only)
		type = VFIFO;
	if (type != VFIFO && (error = cred_super(lwp_cred(l))) != 0)
		return error;
	if ((error = at_begin(l, dirfd, upath, &at)) != 0)
		return error;
	if ((error = at_namei(l, &at, NI_PARENT)) != 0)
		goto out;
	if (at.nd.ni_vp != NULL) {
		error = EEXIST;
		goto out;
	}
	error = vn_create_at(l, &at.nd, type, (mode & ~p->p_umask) & ALLPERMS, dev, NULL, &vp);
	if (error == 0)
		vrele(vp);
out:
	nd_release(&at.nd);
	at_end(&at);
	return error;
}

int
sys___mknod50(struct lwp *l, const struct sys___mknod50_args *uap, register_t *retval)
{
	(void)retval;
	return domknod(l, AT_FDCWD, SCARG(uap, path), SCARG(uap, mode), SCARG(uap, dev), false);
}

int
sys_mknodat(struct lwp *l, const struct sys_mknodat_args *uap, register_t *retval)
{
	(void)retval;
	return domknod(l, SCARG(uap, fd), SCARG(uap, path), SCARG(uap, mode), SCARG(uap, dev),
	    false);
}

int
sys_mkfifo(struct lwp *l, const struct sys_mkfifo_args *uap, register_t *retval)
{
	(void)retval;
	return domknod(l, AT_FDCWD, SCARG(uap, path), SCARG(uap, mode), 0, true);
}

int
sys_mkfifoat(struct lwp *l, const struct sys_mkfifoat_args *uap, register_t *retval)
{
	(void)retval;
	return domknod(l, SCARG(uap, fd), SCARG(uap, path), SCARG(uap, mode), 0, true);
}

static int
domkdir(struct lwp *l, int dirfd, const char *upath, nb_mode_t mode)
{
	struct proc *p = l->l_proc;
	struct vfs_at at;
	struct vnode *vp;
	int error;

	if ((error = at_begin(l, dirfd, upath, &at)) != 0)
		return error;
	if ((error = at_namei(l, &at, NI_PARENT | NI_MKDIR)) != 0) {
		if (error == EINVAL)
			error = EEXIST;		/* mkdir("/") */
		goto out;
	}
	if (at.nd.ni_vp != NULL) {
		error = EEXIST;
		goto out;
	}
	error = vn_create_at(l, &at.nd, VDIR, (mode & ~p->p_umask) & (ACCESSPERMS | S_ISTXT), 0,
	    NULL, &vp);
	if (error == 0)
		vrele(vp);
out:
	nd_release(&at.nd);
	at_end(&at);
	return error;
}

int
sys_mkdir(struct lwp *l, const struct sys_mkdir_args *uap, register_t *retval)
{
	(void)retval;
	return domkdir(l, AT_FDCWD, SCARG(uap, path), SCARG(uap, mode));
}

int
sys_mkdirat(struct lwp *l, const struct sys_mkdirat_args *uap, register_t *retval)
{
	(void)retval;
	return domkdir(l, SCARG(uap, fd), SCARG(uap, path), SCARG(uap, mode));
}

static int
dosymlink(struct lwp *l, const char *utarget, int dirfd, const char *upath)
{
	struct proc *p = l->l_proc;
	char target[MAXPATHLEN];
	struct vfs_at at;
	struct vnode *vp;
	int error;

	if ((error = copyinstr(utarget, target, sizeof(target), NULL)) != 0)
		return error;
	if ((error = at_begin(l, dirfd, upath, &at)) != 0)
		return error;
	if ((error = at_namei(l, &at, NI_PARENT)) != 0) {
		if (error == EINVAL)
			error = EEXIST;
		goto out;
	}
	if (at.nd.ni_vp != NULL) {
		error = EEXIST;
		goto out;
	}
	error = vn_create_at(l, &at.nd, VLNK, ACCESSPERMS & ~p->p_umask, 0, target, &vp);
	if (error == 0)
		vrele(vp);
out:
	nd_release(&at.nd);
	at_end(&at);
	return error;
}

int
sys_symlink(struct lwp *l, const struct sys_symlink_args *uap, register_t *retval)
{
	(void)retval;
	return dosymlink(l, SCARG(uap, path), AT_FDCWD, SCARG(uap, link));
}

int
sys_symlinkat(struct lwp *l, const struct sys_symlinkat_args *uap, register_t *retval)
{
	(void)retval;
	return dosymlink(l, SCARG(uap, path1), SCARG(uap, fd), SCARG(uap, path2));
}

static int
dolink(struct lwp *l, int fd1, const char *upath, int fd2, const char *ulink, int flags)
{
	struct vfs_at at, at2;
	struct vnode *vp = NULL;
	int error;

	if (flags & ~AT_SYMLINK_FOLLOW)
		return EINVAL;
	if ((error = at_begin(l, fd1, upath, &at)) != 0)
		return error;
	error = at_namei(l, &at, (flags & AT_SYMLINK_FOLLOW) ? NI_FOLLOW : 0);
	if (error == 0) {
		vp = at.nd.ni_vp;
		at.nd.ni_vp = NULL;
	}
	at_end(&at);
	if (error != 0)
		return error;
	/* the second path may need its own directory descriptor */
	if ((error = at_begin(l, fd2, ulink, &at2)) != 0) {
		br_enter(&at.vs->vs_lock);
		vrele(vp);
		br_exit(&at.vs->vs_lock);
		return error;
	}
	if (vp->v_type == VDIR) {
		error = EPERM;
		goto out;
	}
	if ((error = at_namei(l, &at2, NI_PARENT)) != 0) {
		if (error == EINVAL)
			error = EEXIST;
		goto out;
	}
	if (at2.nd.ni_vp != NULL) {
		error = EEXIST;
		goto out;
	}
	if (at2.nd.ni_dvp->v_mount != vp->v_mount || vp->v_mount == NULL) {
		error = EXDEV;
		goto out;
	}
	if ((error = vn_access(at2.nd.ni_dvp, VWRITE | VEXEC, lwp_cred(l))) != 0)
		goto out;
	if (vn_rdonly(vp)) {
		error = EROFS;
		goto out;
	}
	error = vp->v_op->vop_link(at2.nd.ni_dvp, vp, at2.nd.ni_name, at2.nd.ni_namelen);
	if (error == 0) {
		vn_knote(vp, NOTE_LINK);
		vn_knote(at2.nd.ni_dvp, NOTE_WRITE);
	}
out:
	vrele(vp);
	nd_release(&at2.nd);
	at_end(&at2);
	return error;
}

int
sys_link(struct lwp *l, const struct sys_link_args *uap, register_t *retval)
{
	(void)retval;
	return dolink(l, AT_FDCWD, SCARG(uap, path), AT_FDCWD, SCARG(uap, link), 0);
}

int
sys_linkat(struct lwp *l, const struct sys_linkat_args *uap, register_t *retval)
{
	(void)retval;
	return dolink(l, SCARG(uap, fd1), SCARG(uap, name1), SCARG(uap, fd2), SCARG(uap, name2),
	    SCARG(uap, flags));
}

/* ---------------------------------------------------------------- removal */

static int
doremove(struct lwp *l, int dirfd, const char *upath, bool dir)
{
	struct vfs_at at;
	struct vnode *dvp, *vp;
	int error;

	if ((error = at_begin(l, dirfd, upath, &at)) != 0)
		return error;
	if ((error = at_namei(l, &at, NI_PARENT)) != 0) {
		if (error == EINVAL)
			error = EBUSY;		/* the root */
		goto out;
	}
	dvp = at.nd.ni_dvp;
	if ((vp = at.nd.ni_vp) == NULL) {
		error = ENOENT;
		goto out;
	}
	if (dir) {
		if (vp->v_type != VDIR) {
			error = ENOTDIR;
			goto out;
		}
		if (is_dot(at.nd.ni_name, at.nd.ni_namelen)) {
			error = EINVAL;
			goto out;
		}
		if (is_dotdot(at.nd.ni_name, at.nd.ni_namelen)) {
			error = ENOTEMPTY;
			goto out;
		}
	} else if (vp->v_type == VDIR) {
		error = EPERM;
		goto out;
	}
	if ((vp->v_flag & VV_ROOT) || vp == vfs_root(l->l_proc) || vp->v_mountedhere != NULL) {
		error = EBUSY;
		goto out;
	}
	if ((error = vn_access(dvp, VWRITE | VEXEC, lwp_cred(l))) != 0)
		goto out;
	if ((error = sticky_check(dvp, vp, lwp_cred(l))) != 0)
		goto out;
	if (vn_rdonly(dvp)) {
		error = EROFS;
		goto out;
	}
	if ((vn_flags(vp) & (IMMUTABLE | APPEND)) || (vn_flags(dvp) & APPEND)) {
		error = EPERM;		/* chflags: the name stays */
		goto out;
	}
	error = dvp->v_op->vop_remove(dvp, vp, at.nd.ni_name, at.nd.ni_namelen);
	if (error == 0) {
		vn_knote(vp, NOTE_DELETE);
		vn_knote(dvp, NOTE_WRITE | (vp->v_type == VDIR ? NOTE_LINK : 0));
	}
out:
	nd_release(&at.nd);
	at_end(&at);
	return error;
}

int
sys_unlink(struct lwp *l, const struct sys_unlink_args *uap, register_t *retval)
{
	(void)retval;
	return doremove(l, AT_FDCWD, SCARG(uap, path), false);
}

int
sys_rmdir(struct lwp *l, const struct sys_rmdir_args *uap, register_t *retval)
{
	(void)retval;
	return doremove(l, AT_FDCWD, SCARG(uap, path), true);
}

int
sys_unlinkat(struct lwp *l, const struct sys_unlinkat_args *uap, register_t *retval)
{
	int flag = SCARG(uap, flag);

	(void)retval;
	if (flag & ~AT_REMOVEDIR)
		return EINVAL;
	return doremove(l, SCARG(uap, fd), SCARG(uap, path), (flag & AT_REMOVEDIR) != 0);
}

/* ---------------------------------------------------------------- rename */

static int
dorename(struct lwp *l, int fromfd, const char *ufrom, int tofd, const char *uto)
{
	const struct cred *cred = lwp_cred(l);
	struct vfs_at from, to;
	struct vnode *fdvp, *fvp, *tdvp, *tvp, *vp;
	int error;

	/* both descriptors are taken before the lock; from's lock is dropped and the
	 * second at_begin takes it again, so hold from's descriptor meanwhile */
	if ((error = at_begin(l, fromfd, ufrom, &from)) != 0)
		return error;
	br_exit(&from.vs->vs_lock);
	if ((error = at_begin(l, tofd, uto, &to)) != 0) {
		if (from.dfp != NULL)
			fd_putfile(from.dfp);
		return error;
	}
	if ((error = at_namei(l, &from, NI_PARENT)) != 0) {
		if (error == EINVAL)
			error = EBUSY;
		goto out;
	}
	fdvp = from.nd.ni_dvp;
	if ((fvp = from.nd.ni_vp) == NULL) {
		error = ENOENT;
		goto out;
	}
	if (is_dot(from.nd.ni_name, from.nd.ni_namelen) ||
	    is_dotdot(from.nd.ni_name, from.nd.ni_namelen)) {
		error = EINVAL;
		goto out;
	}
	if ((error = at_namei(l, &to, NI_PARENT | (fvp->v_type == VDIR ? NI_MKDIR : 0))) != 0) {
		if (error == EINVAL)
			error = EBUSY;
		goto out;
	}
	tdvp = to.nd.ni_dvp;
	tvp = to.nd.ni_vp;
	if (is_dot(to.nd.ni_name, to.nd.ni_namelen) ||
	    is_dotdot(to.nd.ni_name, to.nd.ni_namelen)) {
		error = EINVAL;
		goto out;
	}
	if (fvp->v_mount != fdvp->v_mount || tdvp->v_mount != fdvp->v_mount ||
	    (tvp != NULL && tvp->v_mount != tdvp->v_mount) || fvp->v_mount == NULL) {
		error = (fvp->v_flag & VV_ROOT) || (tvp != NULL && (tvp->v_flag & VV_ROOT)) ?
		    EBUSY : EXDEV;
		goto out;
	}
	if (fvp == tvp) {
		error = 0;		/* two links to one file: nothing to do */
		goto out;
	}
	if (tvp != NULL) {
		if (fvp->v_type == VDIR && tvp->v_type != VDIR) {
			error = ENOTDIR;
			goto out;
		}
		if (fvp->v_type != VDIR && tvp->v_type == VDIR) {
			error = EISDIR;
			goto out;
		}
		if (tvp->v_mountedhere != NULL || tvp == vfs_root(l->l_proc)) {
			error = EBUSY;
			goto out;
		}
	}
	if (fvp == vfs_root(l->l_proc) || fvp->v_mountedhere != NULL) {
		error = EBUSY;
		goto out;
	}
	/* a directory may not move into its own subtree */
	if (fvp->v_type == VDIR) {
		vp = tdvp;
		vref(vp);
		for (;;) {
			struct vnode *up;
			if (vp == fvp) {
				error = EINVAL;
				break;
			}
			if (vp->v_flag & VV_ROOT)
				break;
			if ((error = vp->v_op->vop_lookup(vp, "..", 2, &up)) != 0)
				break;
			if (up == vp) {
				vrele(up);
				break;
			}
			vrele(vp);
			vp = up;
		}
		vrele(vp);
		if (error != 0)
			goto out;
	}
	if ((error = vn_access(fdvp, VWRITE | VEXEC, cred)) != 0 ||
	    (error = vn_access(tdvp, VWRITE | VEXEC, cred)) != 0)
		goto out;
	if (fvp->v_type == VDIR && fdvp != tdvp && (error = vn_access(fvp, VWRITE, cred)) != 0)
		goto out;
	if ((error = sticky_check(fdvp, fvp, cred)) != 0 ||
	    (tvp != NULL && (error = sticky_check(tdvp, tvp, cred)) != 0))
		goto out;
	if (vn_rdonly(fdvp)) {
		error = EROFS;
		goto out;
	}
	error = fdvp->v_op->vop_rename(fdvp, fvp, from.nd.ni_name, from.nd.ni_namelen,
	    tdvp, tvp, to.nd.ni_name, to.nd.ni_namelen);
	if (error == 0) {
		vn_knote(fvp, NOTE_RENAME);
		vn_knote(fdvp, NOTE_WRITE);
		if (tdvp != fdvp)
			vn_knote(tdvp, NOTE_WRITE);
		if (tvp != NULL)
			vn_knote(tvp, NOTE_DELETE);
	}
out:
	nd_release(&from.nd);
	nd_release(&to.nd);
	at_end(&to);
	if (from.dfp != NULL)
		fd_putfile(from.dfp);
	return error;
}

int
sys_rename(struct lwp *l, const struct sys_rename_args *uap, register_t *retval)
{
	(void)retval;
	return dorename(l, AT_FDCWD, SCARG(uap, from), AT_FDCWD, SCARG(uap, to));
}

int
sys___posix_rename(struct lwp *l, const struct sys___posix_rename_args *uap,
    register_t *retval)
{
	(void)retval;
	return dorename(l, AT_FDCWD, SCARG(uap, from), AT_FDCWD, SCARG(uap, to));
}

int
sys_renameat(struct lwp *l, const struct sys_renameat_args *uap, register_t *retval)
{
	(void)retval;
	return dorename(l, SCARG(uap, fromfd), SCARG(uap, from), SCARG(uap, tofd), SCARG(uap, to));
}

/* ---------------------------------------------------------------- attributes */

static int
dostatat(struct lwp *l, int dirfd, const char *upath, void *ub, bool follow)
{
	struct vfs_at at;
	struct nb_stat st;
	int error;

	if ((error = at_begin(l, dirfd, upath, &at)) != 0)
		return error;
	if ((error = at_namei(l, &at, follow ? NI_FOLLOW : 0)) == 0)
		error = vn_stat(at.nd.ni_vp, &st);
	nd_release(&at.nd);
	at_end(&at);
	if (error == 0)
		error = copyout(&st, ub, sizeof(st));
	return error;
}

int
sys___stat50(struct lwp *l, const struct sys___stat50_args *uap, register_t *retval)
{
	(void)retval;
	return dostatat(l, AT_FDCWD, SCARG(uap, path), SCARG(uap, ub), true);
}

int
sys___lstat50(struct lwp *l, const struct sys___lstat50_args *uap, register_t *retval)
{
	(void)retval;
	return dostatat(l, AT_FDCWD, SCARG(uap, path), SCARG(uap, ub), false);
}

int
sys_fstatat(struct lwp *l, const struct sys_fstatat_args *uap, register_t *retval)
{
	int flag = SCARG(uap, flag);

	(void)retval;
	if (flag & ~AT_SYMLINK_NOFOLLOW)
		return EINVAL;
	return dostatat(l, SCARG(uap, fd), SCARG(uap, path), SCARG(uap, buf),
	    !(flag & AT_SYMLINK_NOFOLLOW));
}

/* Attribute changes on one vnode, with NetBSD's permission rules. */
static int
vn_chmod(struct lwp *l, struct vnode *vp, nb_mode_t mode)
{
	const struct cred *cred = lwp_cred(l);
	struct vattr va;
	int error;

	if ((error = vp->v_op->vop_getattr(vp, &va)) != 0)
		return error;
	if (cred->cr_euid != va.va_uid && (error = cred_super(cred)) != 0)
		return error;
	if (cred->cr_euid != 0) {
		if (vp->v_type != VDIR && (mode & S_ISTXT))
			return EFTYPE;
		if ((mode & S_ISGID) && !cred_groupmember(cred, va.va_gid))
			return EPERM;
	}
	if (vn_rdonly(vp))
		return EROFS;
	va.va_mode = mode & ALLPERMS;
	return vp->v_op->vop_setattr(vp, &va, VA_MODE);
}

static int
vn_chown(struct lwp *l, struct vnode *vp, nb_uid_t uid, nb_gid_t gid)
{
	const struct cred *cred = lwp_cred(l);
	struct vattr va;
	int error, mask = VA_UID | VA_GID;

	if ((error = vp->v_op->vop_getattr(vp, &va)) != 0)
		return error;
	if (uid == (nb_uid_t)-1)
		uid = va.va_uid;
	if (gid == (nb_gid_t)-1)
		gid = va.va_gid;
	if (cred->cr_euid != 0 &&
	    (cred->cr_euid != va.va_uid || uid != va.va_uid ||
	    (gid != va.va_gid && !cred_groupmember(cred, gid))))
		return EPERM;
	if (vn_rdonly(vp))
		return EROFS;
	if (cred->cr_euid != 0 && (va.va_mode & (S_ISUID | S_ISGID)) &&
	    (uid != va.va_uid || gid != va.va_gid || true)) {
		va.va_mode &= ~(nb_mode_t)(S_ISUID | S_ISGID);
		mask |= VA_MODE;
	}
	va.va_uid = uid;
	va.va_gid = gid;
	return vp->v_op->vop_setattr(vp, &va, mask);
}

#define UTIME_NOW_NB	1073741823
#define UTIME_OMIT_NB	1073741822

/* ts: two times or NULL for "now" in both; nsec UTIME_NOW/UTIME_OMIT as utimensat. */
static int
vn_utimens(struct lwp *l, struct vnode *vp, const struct nb_timespec *ts)
{
	const struct cred *cred = lwp_cred(l);
	struct nb_timespec now;
	struct vattr va;
	int error, mask = 0, i;
	bool allnow = true;

	vfs_now(l->l_kern, &now);
	memset(&va, 0, sizeof(va));
	for (i = 0; i < 2; i++) {
		struct nb_timespec t = ts ? ts[i] : now;
		if (ts && ts[i].tv_nsec == UTIME_OMIT_NB)
			continue;
		if (ts && ts[i].tv_nsec == UTIME_NOW_NB)
			t = now;
		else if (ts) {
			if (ts[i].tv_nsec < 0 || ts[i].tv_nsec >= 1000000000)
				return EINVAL;
			allnow = false;
		}
		if (i == 0) {
			va.va_atime = t;
			mask |= VA_ATIME;
		} else {
			va.va_mtime = t;
			mask |= VA_MTIME;
		}
	}
	if (mask == 0)
		return 0;
	{
		struct vattr cur;
		if ((error = vp->v_op->vop_getattr(vp, &cur)) != 0)
			return error;
		if (cred->cr_euid != 0 && cred->cr_euid != cur.va_uid) {
			if (!allnow)
				return EPERM;
			if ((error = vn_access(vp, VWRITE, cred)) != 0)
				return error;
		}
	}
	if (vn_rdonly(vp))
		return EROFS;
	return vp->v_op->vop_setattr(vp, &va, mask);
}

/* The path variants: op 0 chmod, 1 chown, 2 utimens; follow or not. */
struct attrop {
	int op;
	nb_mode_t mode;
	nb_uid_t uid;
	nb_gid_t gid;
	const struct nb_timespec *ts;
	uint32_t flags;		/* op 3: chflags */
};

/* size change with its EVFILT_VNODE events (vs_lock held) */
static int
vn_setsize(struct vnode *vp, nb_off_t size)
{
	struct vattr va;
	nb_off_t before;
	int error;

	if ((error = vp->v_op->vop_getattr(vp, &va)) != 0)
		return error;
	before = va.va_size;
	va.va_size = size;
	if ((error = vp->v_op->vop_setattr(vp, &va, VA_SIZE)) == 0 && size != before)
		vn_knote(vp, NOTE_ATTRIB | (size > before ? NOTE_EXTEND : 0));
	return error;
}

uint32_t
vn_flags(struct vnode *vp)
{
	struct vattr va;

	if (vp->v_op->vop_getattr(vp, &va) != 0)
		return 0;
	return va.va_flags;
}

/* chflags: the owner sets the user flags; only root the system flags, and nobody but
 * root changes anything while a system immutable/append flag is set (NetBSD,
 * securelevel 0 or below as in rump kernels). */
static int
vn_chflags(struct lwp *l, struct vnode *vp, uint32_t flags)
{
	const struct cred *cred = lwp_cred(l);
	struct vattr va;
	int error;

	if ((error = vp->v_op->vop_getattr(vp, &va)) != 0)
		return error;
	if (cred->cr_euid != 0 && cred->cr_euid != va.va_uid)
		return EPERM;
	if (vn_rdonly(vp))
		return EROFS;
	if (cred->cr_euid != 0) {
		if ((va.va_flags & (SF_IMMUTABLE | SF_APPEND)) ||
		    (flags & SF_SETTABLE) != (va.va_flags & SF_SETTABLE))
			return EPERM;
	}
	if (vp->v_type != VREG && vp->v_type != VDIR && vp->v_type != VLNK &&
	    vp->v_type != VCHR && vp->v_type != VBLK && vp->v_type != VFIFO)
		return EOPNOTSUPP;
	va.va_flags = flags;
	return vp->v_op->vop_setattr(vp, &va, VA_FLAGS);
}

static int
vn_attrop(struct lwp *l, struct vnode *vp, const struct attrop *a)
{
	int error;

	if (a->op != 3 && (vn_flags(vp) & IMMUTABLE))
		return EPERM;		/* chmod, chown, utimes of an immutable file */
	switch (a->op) {
	case 0: error = vn_chmod(l, vp, a->mode); break;
	case 1: error = vn_chown(l, vp, a->uid, a->gid); break;
	case 3: error = vn_chflags(l, vp, a->flags); break;
	default: error = vn_utimens(l, vp, a->ts); break;
	}
	if (error == 0)
		vn_knote(vp, NOTE_ATTRIB);
	return error;
}

static int
doattr_path(struct lwp *l, int dirfd, const char *upath, bool follow, const struct attrop *a)
{
	struct vfs_at at;
	int error;

	if ((error = at_begin(l, dirfd, upath, &at)) != 0)
		return error;
	if ((error = at_namei(l, &at, follow ? NI_FOLLOW : 0)) == 0)
		error = vn_attrop(l, at.nd.ni_vp, a);
	nd_release(&at.nd);
	at_end(&at);
	return error;
}

static int
doattr_fd(struct lwp *l, int fd, const struct attrop *a)
{
	struct vfs_state *vs = vfs_state(l->l_kern);
	struct file *fp;
	int error;

	if ((error = fd_getvnode(l, fd, &fp)) != 0)
		return error;
	br_enter(&vs->vs_lock);
	error = vn_attrop(l, fp->f_data, a);
	br_exit(&vs->vs_lock);
	fd_putfile(fp);
	return error;
}

int
sys_chmod(struct lwp *l, const struct sys_chmod_args *uap, register_t *retval)
{
	struct attrop a = { .op = 0, .mode = SCARG(uap, mode) };
	(void)retval;
	return doattr_path(l, AT_FDCWD, SCARG(uap, path), true, &a);
}

int
sys_lchmod(struct lwp *l, const struct sys_lchmod_args *uap, register_t *retval)
{
	struct attrop a = { .op = 0, .mode = SCARG(uap, mode) };
	(void)retval;
	return doattr_path(l, AT_FDCWD, SCARG(uap, path), false, &a);
}

int
sys_fchmod(struct lwp *l, const struct sys_fchmod_args *uap, register_t *retval)
{
	struct attrop a = { .op = 0, .mode = SCARG(uap, mode) };
	(void)retval;
	return doattr_fd(l, SCARG(uap, fd), &a);
}

int
sys_fchmodat(struct lwp *l, const struct sys_fchmodat_args *uap, register_t *retval)
{
	struct attrop a = { .op = 0, .mode = SCARG(uap, mode) };
	(void)retval;
	if (SCARG(uap, flag) & ~AT_SYMLINK_NOFOLLOW)
		return EINVAL;
	return doattr_path(l, SCARG(uap, fd), SCARG(uap, path),
	    !(SCARG(uap, flag) & AT_SYMLINK_NOFOLLOW), &a);
}

#define CHOWN_PATH(fn, follow)							\
int									\
fn(struct lwp *l, const struct fn##_args *uap, register_t *retval)	\
{									\
	struct attrop a = { .op = 1, .uid = SCARG(uap, uid), .gid = SCARG(uap, gid) }; \
	(void)retval;							\
	return doattr_path(l, AT_FDCWD, SCARG(uap, path), follow, &a);	\
}
CHOWN_PATH(sys_chown, true)
CHOWN_PATH(sys___posix_chown, true)
CHOWN_PATH(sys_lchown, false)
CHOWN_PATH(sys___posix_lchown, false)

int
sys_fchown(struct lwp *l, const struct sys_fchown_args *uap, register_t *retval)
{
	struct attrop a = { .op = 1, .uid = SCARG(uap, uid), .gid = SCARG(uap, gid) };
	(void)retval;
	return doattr_fd(l, SCARG(uap, fd), &a);
}

int
sys___posix_fchown(struct lwp *l, const struct sys___posix_fchown_args *uap,
    register_t *retval)
{
	struct attrop a = { .op = 1, .uid = SCARG(uap, uid), .gid = SCARG(uap, gid) };
	(void)retval;
	return doattr_fd(l, SCARG(uap, fd), &a);
}

int
sys_fchownat(struct lwp *l, const struct sys_fchownat_args *uap, register_t *retval)
{
	struct attrop a = { .op = 1, .uid = SCARG(uap, owner), .gid = SCARG(uap, group) };
	(void)retval;
	if (SCARG(uap, flag) & ~AT_SYMLINK_NOFOLLOW)
		return EINVAL;
	return doattr_path(l, SCARG(uap, fd), SCARG(uap, path),
	    !(SCARG(uap, flag) & AT_SYMLINK_NOFOLLOW), &a);
}

/* NetBSD struct timeval: tv_sec int64, tv_usec int32 (+4 padding) */
struct nb_timeval {
	int64_t tv_sec;
	int32_t tv_usec;
};
_Static_assert(sizeof(struct nb_timeval) == 16, "NetBSD struct timeval is 16 bytes");

static int
copyin_timevals(const void *utv, struct nb_timespec ts[2], const struct nb_timespec **tsp)
{
	struct nb_timeval tv[2];
	int error, i;

	if (utv == NULL) {
		*tsp = NULL;
		return 0;
	}
	if ((error = copyin(utv, tv, sizeof(tv))) != 0)
		return error;
	for (i = 0; i < 2; i++) {
		if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
			return EINVAL;
		ts[i].tv_sec = tv[i].tv_sec;
		ts[i].tv_nsec = tv[i].tv_usec * 1000L;
	}
	*tsp = ts;
	return 0;
}

static int
copyin_timespecs(const void *uts, struct nb_timespec ts[2], const struct nb_timespec **tsp)
{
	int error;

	if (uts == NULL) {
		*tsp = NULL;
		return 0;
	}
	if ((error = copyin(uts, ts, 2 * sizeof(*ts))) != 0)
		return error;
	*tsp = ts;
	return 0;
}

int
sys___utimes50(struct lwp *l, const struct sys___utimes50_args *uap, register_t *retval)
{
	struct nb_timespec ts[2];
	struct attrop a = { .op = 2 };
	int error;

	(void)retval;
	if ((error = copyin_timevals(SCARG(uap, tptr), ts, &a.ts)) != 0)
		return error;
	return doattr_path(l, AT_FDCWD, SCARG(uap, path), true, &a);
}

int
sys___lutimes50(struct lwp *l, const struct sys___lutimes50_args *uap, register_t *retval)
{
	struct nb_timespec ts[2];
	struct attrop a = { .op = 2 };
	int error;

	(void)retval;
	if ((error = copyin_timevals(SCARG(uap, tptr), ts, &a.ts)) != 0)
		return error;
	return doattr_path(l, AT_FDCWD, SCARG(uap, path), false, &a);
}

int
sys___futimes50(struct lwp *l, const struct sys___futimes50_args *uap, register_t *retval)
{
	struct nb_timespec ts[2];
	struct attrop a = { .op = 2 };
	int error;

	(void)retval;
	if ((error = copyin_timevals(SCARG(uap, tptr), ts, &a.ts)) != 0)
		return error;
	return doattr_fd(l, SCARG(uap, fd), &a);
}

int
sys_utimensat(struct lwp *l, const struct sys_utimensat_args *uap, register_t *retval)
{
	struct nb_timespec ts[2];
	struct attrop a = { .op = 2 };
	int error, flag = SCARG(uap, flag);

	(void)retval;
	if (flag & ~AT_SYMLINK_NOFOLLOW)
		return EINVAL;
	if ((error = copyin_timespecs(SCARG(uap, tptr), ts, &a.ts)) != 0)
		return error;
	return doattr_path(l, SCARG(uap, fd), SCARG(uap, path), !(flag & AT_SYMLINK_NOFOLLOW), &a);
}

int
sys_futimens(struct lwp *l, const struct sys_futimens_args *uap, register_t *retval)
{
	struct nb_timespec ts[2];
	struct attrop a = { .op = 2 };
	int error;

	(void)retval;
	if ((error = copyin_timespecs(SCARG(uap, tptr), ts, &a.ts)) != 0)
		return error;
	return doattr_fd(l, SCARG(uap, fd), &a);
}

static int
vn_truncate(struct lwp *l, struct vnode *vp, nb_off_t length, bool checkperm)
{
	int error;

	if (length < 0)
		return EINVAL;
	if (vp->v_type == VDIR)
		return EISDIR;
	if (checkperm && (error = vn_access(vp, VWRITE, lwp_cred(l))) != 0)
		return error;
	if (vn_rdonly(vp))
		return EROFS;
	if (vn_flags(vp) & (IMMUTABLE | APPEND))
		return EPERM;
	return vn_setsize(vp, length);
}

int
sys_truncate(struct lwp *l, const struct sys_truncate_args *uap, register_t *retval)
{
	struct vfs_at at;
	int error;

	(void)retval;
	if ((error = at_begin(l, AT_FDCWD, SCARG(uap, path), &at)) != 0)
		return error;
	if ((error = at_namei(l, &at, NI_FOLLOW)) == 0)
		error = vn_truncate(l, at.nd.ni_vp, SCARG(uap, length), true);
	nd_release(&at.nd);
	at_end(&at);
	return error;
}

int
sys_ftruncate(struct lwp *l, const struct sys_ftruncate_args *uap, register_t *retval)
{
	struct vfs_state *vs = vfs_state(l->l_kern);
	struct file *fp;
	int error;

	(void)retval;
	if ((error = fd_getvnode(l, SCARG(uap, fd), &fp)) != 0)
		return error;
	if (!(fp->f_flag & FWRITE) || FD_ISFIFO(fp))
		error = EINVAL;
	else {
		br_enter(&vs->vs_lock);
		error = vn_truncate(l, fp->f_data, SCARG(uap, length), false);
		br_exit(&vs->vs_lock);
	}
	fd_putfile(fp);
	return error;
}

static int
doaccess(struct lwp *l, int dirfd, const char *upath, int mode, int flag)
{
	struct cred rc;
	struct vfs_at at;
	int error, acc = 0;

	if (mode & ~(R_OK | W_OK | X_OK))
		return EINVAL;
	if (flag & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW))
		return EINVAL;
	memcpy(&rc, lwp_cred(l), sizeof(rc));
	if (!(flag & AT_EACCESS)) {
		rc.cr_euid = rc.cr_uid;
		rc.cr_egid = rc.cr_gid;
	}
	if (mode & R_OK) acc |= VREAD;
	if (mode & W_OK) acc |= VWRITE;
	if (mode & X_OK) acc |= VEXEC;
	if ((error = at_begin(l, dirfd, upath, &at)) != 0)
		return error;
	error = at_namei(l, &at, ((flag & AT_SYMLINK_NOFOLLOW) ? 0 : NI_FOLLOW) |
	    ((flag & AT_EACCESS) ? 0 : NI_REALIDS));
	if (error == 0 && acc != 0) {
		if ((acc & VWRITE) && vn_rdonly(at.nd.ni_vp))
			error = EROFS;
		else
			error = vn_access(at.nd.ni_vp, acc, &rc);
	}
	nd_release(&at.nd);
	at_end(&at);
	return error;
}

int
sys_access(struct lwp *l, const struct sys_access_args *uap, register_t *retval)
{
	(void)retval;
	return doaccess(l, AT_FDCWD, SCARG(uap, path), SCARG(uap, flags), 0);
}

int
sys_faccessat(struct lwp *l, const struct sys_faccessat_args *uap, register_t *retval)
{
	(void)retval;
	return doaccess(l, SCARG(uap, fd), SCARG(uap, path), SCARG(uap, amode), SCARG(uap, flag));
}

static int
doreadlink(struct lwp *l, int dirfd, const char *upath, char *ubuf, size_t count,
    register_t *retval)
{
	struct vfs_at at;
	struct nb_iovec iov = { ubuf, count };
	struct uio uio = { &iov, 1, 0, count, UIO_READ, true };
	int error;

	if (count > SSIZE_MAX)
		return EINVAL;
	if ((error = at_begin(l, dirfd, upath, &at)) != 0)
		return error;
	if ((error = at_namei(l, &at, 0)) == 0) {
		if (at.nd.ni_vp->v_type != VLNK)
			error = EINVAL;
		else
			error = at.nd.ni_vp->v_op->vop_readlink(at.nd.ni_vp, &uio);
	}
	nd_release(&at.nd);
	at_end(&at);
	if (error == 0)
		retval[0] = (register_t)(count - uio.uio_resid);
	return error;
}

int
sys_readlink(struct lwp *l, const struct sys_readlink_args *uap, register_t *retval)
{
	return doreadlink(l, AT_FDCWD, SCARG(uap, path), SCARG(uap, buf), SCARG(uap, count),
	    retval);
}

int
sys_readlinkat(struct lwp *l, const struct sys_readlinkat_args *uap, register_t *retval)
{
	return doreadlink(l, SCARG(uap, fd), SCARG(uap, path), SCARG(uap, buf),
	    SCARG(uap, bufsize), retval);
}

/* ---------------------------------------------------------------- directories */

static int
change_dir(struct lwp *l, struct vnode *vp, bool root)
{
	struct proc *p = l->l_proc;
	void **slot = root ? &p->p_rdir : &p->p_cwd;
	int error;

	if (vp->v_type != VDIR)
		return ENOTDIR;
	if ((error = vn_access(vp, VEXEC, lwp_cred(l))) != 0)
		return error;
	vref(vp);
	if (*slot != NULL)
		vrele(*slot);
	*slot = vp;
	return 0;
}

static int
dochdir_path(struct lwp *l, const char *upath, bool root)
{
	struct vfs_at at;
	int error;

	if (root && (error = cred_super(lwp_cred(l))) != 0)
		return error;
	if ((error = at_begin(l, AT_FDCWD, upath, &at)) != 0)
		return error;
	if ((error = at_namei(l, &at, NI_FOLLOW)) == 0)
		error = change_dir(l, at.nd.ni_vp, root);
	nd_release(&at.nd);
	at_end(&at);
	return error;
}

static int
dochdir_fd(struct lwp *l, int fd, bool root)
{
	struct vfs_state *vs = vfs_state(l->l_kern);
	struct file *fp;
	int error;

	if (root && (error = cred_super(lwp_cred(l))) != 0)
		return error;
	if ((error = fd_getfile(l, fd, &fp)) != 0)
		return error;
	if (fp->f_type != DTYPE_VNODE)
		error = ENOTDIR;
	else {
		br_enter(&vs->vs_lock);
		error = change_dir(l, fp->f_data, root);
		br_exit(&vs->vs_lock);
	}
	fd_putfile(fp);
	return error;
}

int
sys_chdir(struct lwp *l, const struct sys_chdir_args *uap, register_t *retval)
{
	(void)retval;
	return dochdir_path(l, SCARG(uap, path), false);
}

int
sys_fchdir(struct lwp *l, const struct sys_fchdir_args *uap, register_t *retval)
{
	(void)retval;
	return dochdir_fd(l, SCARG(uap, fd), false);
}

int
sys_chroot(struct lwp *l, const struct sys_chroot_args *uap, register_t *retval)
{
	(void)retval;
	return dochdir_path(l, SCARG(uap, path), true);
}

int
sys_fchroot(struct lwp *l, const struct sys_fchroot_args *uap, register_t *retval)
{
	(void)retval;
	return dochdir_fd(l, SCARG(uap, fd), true);
}

int
sys___getcwd(struct lwp *l, const struct sys___getcwd_args *uap, register_t *retval)
{
	struct vfs_state *vs = vfs_state(l->l_kern);
	size_t len = SCARG(uap, length);
	char buf[MAXPATHLEN], *start;
	int error;

	if (len < 2)
		return ERANGE;
	if (len > sizeof(buf))
		len = sizeof(buf);
	br_enter(&vs->vs_lock);
	error = vn_fullpath(l->l_proc, vfs_cwd(l->l_proc), buf, len, &start);
	br_exit(&vs->vs_lock);
	if (error != 0)
		return error;
	len = (size_t)(buf + len - start);
	if ((error = copyout(start, SCARG(uap, bufp), len)) == 0)
		retval[0] = (register_t)len;
	return error;
}

int
sys___getdents30(struct lwp *l, const struct sys___getdents30_args *uap, register_t *retval)
{
	struct vfs_state *vs = vfs_state(l->l_kern);
	size_t count = SCARG(uap, count);
	struct nb_iovec iov = { SCARG(uap, buf), count };
	struct uio uio = { &iov, 1, 0, count, UIO_READ, true };
	struct vnode *vp;
	struct file *fp;
	int error;

	if ((error = fd_getvnode(l, SCARG(uap, fd), &fp)) != 0)
		return error == EINVAL ? ENOTDIR : error;
	if (!(fp->f_flag & FREAD)) {
		fd_putfile(fp);
		return EBADF;
	}
	if ((error = kern_uaddr_ok(SCARG(uap, buf), count)) != 0) {
		fd_putfile(fp);
		return error;
	}
	vp = fp->f_data;
	br_enter(&vs->vs_lock);
	if (vp->v_type != VDIR)
		error = ENOTDIR;
	else
		error = vp->v_op->vop_readdir(vp, &uio, &fp->f_offset);
	br_exit(&vs->vs_lock);
	fd_putfile(fp);
	if (error == 0)
		retval[0] = (register_t)(count - uio.uio_resid);
	return error;
}

/* ---------------------------------------------------------------- positioned I/O */

static int
dopio(struct lwp *l, int fd, struct nb_iovec *iov, int iovcnt, nb_off_t offset,
    enum uio_rw rw, register_t *retval)
{
	struct file *fp;
	struct uio uio;
	size_t total = 0;
	int error, i;

	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > SSIZE_MAX - total)
			return EINVAL;
		total += iov[i].iov_len;
	}
	if ((error = fd_getfile(l, fd, &fp)) != 0)
		return error;
	if (!(fp->f_flag & (rw == UIO_READ ? FREAD : FWRITE)))
		error = EBADF;
	else if (fp->f_type != DTYPE_VNODE || FD_ISFIFO(fp))
		error = ESPIPE;
	else if (offset < 0)
		error = EINVAL;
	if (error != 0) {
		fd_putfile(fp);
		return error;
	}
	uio.uio_iov = iov;
	uio.uio_iovcnt = iovcnt;
	uio.uio_offset = offset;
	uio.uio_resid = total;
	uio.uio_rw = rw;
	uio.uio_user = true;
	if (rw == UIO_READ)
		error = fp->f_ops->fo_read(fp, &offset, &uio, 0);
	else
		error = fp->f_ops->fo_write(fp, &offset, &uio, 0);
	fd_putfile(fp);
	if (error == 0)
		retval[0] = (register_t)(total - uio.uio_resid);
	return error;
}

int
sys_pread(struct lwp *l, const struct sys_pread_args *uap, register_t *retval)
{
	struct nb_iovec iov = { SCARG(uap, buf), SCARG(uap, nbyte) };

	return dopio(l, SCARG(uap, fd), &iov, 1, SCARG(uap, offset), UIO_READ, retval);
}

int
sys_pwrite(struct lwp *l, const struct sys_pwrite_args *uap, register_t *retval)
{
	struct nb_iovec iov = { (void *)(uintptr_t)SCARG(uap, buf), SCARG(uap, nbyte) };

	return dopio(l, SCARG(uap, fd), &iov, 1, SCARG(uap, offset), UIO_WRITE, retval);
}

static int
dopiov(struct lwp *l, int fd, const void *uiov, int iovcnt, nb_off_t offset, enum uio_rw rw,
    register_t *retval)
{
	struct nb_iovec small[8], *iov = small;
	size_t sz;
	int error;

	if (iovcnt <= 0 || iovcnt > IOV_MAX)
		return EINVAL;
	sz = sizeof(*iov) * (size_t)iovcnt;
	if (iovcnt > 8 && (iov = kmem_alloc(l->l_kern, sz)) == NULL)
		return ENOMEM;
	if ((error = copyin(uiov, iov, sz)) == 0)
		error = dopio(l, fd, iov, iovcnt, offset, rw, retval);
	if (iov != small)
		kmem_free(l->l_kern, iov, sz);
	return error;
}

int
sys_preadv(struct lwp *l, const struct sys_preadv_args *uap, register_t *retval)
{
	return dopiov(l, SCARG(uap, fd), SCARG(uap, iovp), SCARG(uap, iovcnt),
	    SCARG(uap, offset), UIO_READ, retval);
}

int
sys_pwritev(struct lwp *l, const struct sys_pwritev_args *uap, register_t *retval)
{
	return dopiov(l, SCARG(uap, fd), SCARG(uap, iovp), SCARG(uap, iovcnt),
	    SCARG(uap, offset), UIO_WRITE, retval);
}

int
sys_lseek(struct lwp *l, const struct sys_lseek_args *uap, register_t *retval)
{
	struct vfs_state *vs = vfs_state(l->l_kern);
	nb_off_t off = SCARG(uap, offset), base;
	struct file *fp;
	struct vattr va;
	int error;

	if ((error = fd_getfile(l, SCARG(uap, fd), &fp)) != 0)
		return error;
	if (fp->f_type != DTYPE_VNODE || FD_ISFIFO(fp) ||
	    (((struct vnode *)fp->f_data)->v_type == VCHR && fp->f_ops != &mm_fileops)) {
		fd_putfile(fp);
		return ESPIPE;	/* terminals have no offset (theirs marks revoke, tty.c) */
	}
	br_enter(&vs->vs_lock);
	switch (SCARG(uap, whence)) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = fp->f_offset;
		break;
	case SEEK_END: {
		struct vnode *vp = fp->f_data;
		if ((error = vp->v_op->vop_getattr(vp, &va)) != 0)
			goto out;
		base = va.va_size;
		break;
	}
	default:
		error = EINVAL;
		goto out;
	}
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0) {
		error = EINVAL;
		goto out;
	}
	__atomic_store_n(&fp->f_offset, base + off, __ATOMIC_RELAXED);	/* (dofileio) */
	retval[0] = base + off;
out:
	br_exit(&vs->vs_lock);
	fd_putfile(fp);
	return error;
}

/* ---------------------------------------------------------------- sync and friends */

static int
dofsync(struct lwp *l, int fd, bool needwrite)
{
	struct file *fp;
	int error;

	if ((error = fd_getvnode(l, fd, &fp)) != 0)
		return error;
	if (needwrite && !(fp->f_flag & FWRITE))
		error = EBADF;
	fd_putfile(fp);
	return error;	/* tmpfs data is always where it belongs */
}

int
sys_fsync(struct lwp *l, const struct sys_fsync_args *uap, register_t *retval)
{
	(void)retval;
	return dofsync(l, SCARG(uap, fd), false);
}

int
sys_fdatasync(struct lwp *l, const struct sys_fdatasync_args *uap, register_t *retval)
{
	(void)retval;
	return dofsync(l, SCARG(uap, fd), true);
}

int
sys_sync(struct lwp *l, const void *uap, register_t *retval)
{
	(void)l;
	(void)uap;
	(void)retval;
	return 0;
}

static int
pathconf_value(int name, bool fifo, register_t *retval)
{
	switch (name) {
	case 1: retval[0] = LINK_MAX; break;		/* _PC_LINK_MAX */
	case 2: retval[0] = MAX_CANON; break;
	case 3: retval[0] = MAX_INPUT; break;
	case 4: retval[0] = NAME_MAX; break;
	case 5: retval[0] = PATH_MAX; break;
	case 6: retval[0] = PIPE_BUF; break;		/* _PC_PIPE_BUF */
	case 7: retval[0] = 1; break;			/* _PC_CHOWN_RESTRICTED */
	case 8: retval[0] = 1; break;			/* _PC_NO_TRUNC */
	case 10: retval[0] = 1; break;			/* _PC_SYNC_IO */
	case 11: retval[0] = 41; break;			/* _PC_FILESIZEBITS: 2^40 */
	case 12: retval[0] = MAXPATHLEN; break;		/* _PC_SYMLINK_MAX */
	case 13: retval[0] = 1; break;			/* _PC_2_SYMLINKS */
	default: return EINVAL;
	}
	(void)fifo;
	return 0;
}

int
sys_pathconf(struct lwp *l, const struct sys_pathconf_args *uap, register_t *retval)
{
	struct vfs_at at;
	int error;

	if ((error = at_begin(l, AT_FDCWD, SCARG(uap, path), &at)) != 0)
		return error;
	if ((error = at_namei(l, &at, NI_FOLLOW)) == 0)
		error = pathconf_value(SCARG(uap, name), at.nd.ni_vp->v_type == VFIFO, retval);
	nd_release(&at.nd);
	at_end(&at);
	return error;
}

int
sys_fpathconf(struct lwp *l, const struct sys_fpathconf_args *uap, register_t *retval)
{
	struct file *fp;
	int error;

	if ((error = fd_getfile(l, SCARG(uap, fd), &fp)) != 0)
		return error;
	if (fp->f_type == DTYPE_VNODE)
		error = pathconf_value(SCARG(uap, name), FD_ISFIFO(fp), retval);
	else if (fp->f_type == DTYPE_PIPE && SCARG(uap, name) == 6)
		retval[0] = PIPE_BUF;
	else
		error = EINVAL;
	fd_putfile(fp);
	return error;
}

#define LOCK_SH_NB	1
#define LOCK_EX_NB	2
#define LOCK_NB_NB	4
#define LOCK_UN_NB	8

int
sys_flock(struct lwp *l, const struct sys_flock_args *uap, register_t *retval)
{
	int how = SCARG(uap, how), error, type;
	struct nb_flock fl = { 0, 0, 0, 0, SEEK_SET };
	struct vfs_state *vs;
	struct file *fp;

	(void)retval;
	if ((error = fd_getfile(l, SCARG(uap, fd), &fp)) != 0)
		return error;
	if (fp->f_type != DTYPE_VNODE) {
		fd_putfile(fp);
		return EOPNOTSUPP;
	}
	switch (how & ~LOCK_NB_NB) {
	case LOCK_UN_NB: type = F_UNLCK; break;
	case LOCK_SH_NB: type = F_RDLCK; break;
	case LOCK_EX_NB: type = F_WRLCK; break;
	default:
		fd_putfile(fp);
		return EINVAL;
	}
	fl.l_type = (short)type;
	vs = vfs_state(l->l_kern);
	br_enter(&vs->vs_lock);
	error = lf_advlock(l, fp->f_data, fp, type == F_UNLCK ? F_UNLCK : F_SETLK, &fl,
	    LF_FLOCK | ((how & LOCK_NB_NB) ? 0 : LF_WAIT), 0);
	br_exit(&vs->vs_lock);
	fd_putfile(fp);
	return error;
}

/* ---------------------------------------------------------------- chflags (op 3) */

int
sys_chflags(struct lwp *l, const struct sys_chflags_args *uap, register_t *retval)
{
	struct attrop a = { .op = 3, .flags = (uint32_t)SCARG(uap, flags) };
	(void)retval;
	return doattr_path(l, AT_FDCWD, SCARG(uap, path), true, &a);
}

int
sys_lchflags(struct lwp *l, const struct sys_lchflags_args *uap, register_t *retval)
{
	struct attrop a = { .op = 3, .flags = (uint32_t)SCARG(uap, flags) };
	(void)retval;
	return doattr_path(l, AT_FDCWD, SCARG(uap, path), false, &a);
}

int
sys_fchflags(struct lwp *l, const struct sys_fchflags_args *uap, register_t *retval)
{
	struct attrop a = { .op = 3, .flags = (uint32_t)SCARG(uap, flags) };
	(void)retval;
	return doattr_fd(l, SCARG(uap, fd), &a);
}

/* fsync_range: flags FDATASYNC (0x10), FFILESYNC (0x20), FDISKSYNC (0x40); a write
 * descriptor of a regular file; tmpfs has nothing to write back. */
int
sys_fsync_range(struct lwp *l, const struct sys_fsync_range_args *uap, register_t *retval)
{
	struct file *fp;
	int flags = SCARG(uap, flags), error;

	(void)retval;
	if ((error = fd_getvnode(l, SCARG(uap, fd), &fp)) != 0)
		return error;
	if (!(fp->f_flag & FWRITE))
		error = EBADF;
	else if ((flags & ~(0x10 | 0x20 | 0x40)) != 0 || (flags & (0x10 | 0x20)) == 0 ||
	    SCARG(uap, start) < 0 || SCARG(uap, length) < 0)
		error = EINVAL;
	else if (FD_ISFIFO(fp) || ((struct vnode *)fp->f_data)->v_type != VREG)
		error = EINVAL;
	fd_putfile(fp);
	return error;
}

/* ---------------------------------------------------------------- extended attributes */

/* tmpfs has none: every call answers EOPNOTSUPP once its file is found, as NetBSD's
 * tmpfs does; a missing file, a bad descriptor or a bad namespace is reported first. */
#define EXTATTR_NAMESPACE_USER		1
#define EXTATTR_NAMESPACE_SYSTEM	2

static int
extattr_path(struct lwp *l, const char *upath, int ns, bool follow)
{
	struct vfs_at at;
	int error;

	if (ns != EXTATTR_NAMESPACE_USER && ns != EXTATTR_NAMESPACE_SYSTEM)
		return EINVAL;
	if ((error = at_begin(l, AT_FDCWD, upath, &at)) != 0)
		return error;
	if ((error = at_namei(l, &at, follow ? NI_FOLLOW : 0)) == 0)
		error = EOPNOTSUPP;
	nd_release(&at.nd);
	at_end(&at);
	return error;
}

static int
extattr_fd(struct lwp *l, int fd, int ns)
{
	struct file *fp;
	int error;

	if ((error = fd_getvnode(l, fd, &fp)) != 0)
		return error;
	fd_putfile(fp);
	if (ns != EXTATTR_NAMESPACE_USER && ns != EXTATTR_NAMESPACE_SYSTEM)
		return EINVAL;
	return EOPNOTSUPP;
}

int
sys_extattrctl(struct lwp *l, const struct sys_extattrctl_args *uap, register_t *retval)
{
	(void)retval;
	if (cred_super(lwp_cred(l)) != 0)
		return EPERM;
	return extattr_path(l, SCARG(uap, path), EXTATTR_NAMESPACE_USER, true);
}

#define EXTATTR_PATH(name, follow) \
int \
sys_##name(struct lwp *l, const struct sys_##name##_args *uap, register_t *retval) \
{ \
	(void)retval; \
	return extattr_path(l, SCARG(uap, path), SCARG(uap, attrnamespace), follow); \
}
#define EXTATTR_FD(name) \
int \
sys_##name(struct lwp *l, const struct sys_##name##_args *uap, register_t *retval) \
{ \
	(void)retval; \
	return extattr_fd(l, SCARG(uap, fd), SCARG(uap, attrnamespace)); \
}
EXTATTR_PATH(extattr_set_file, true)
EXTATTR_PATH(extattr_get_file, true)
EXTATTR_PATH(extattr_delete_file, true)
EXTATTR_PATH(extattr_list_file, true)
EXTATTR_PATH(extattr_set_link, false)
EXTATTR_PATH(extattr_get_link, false)
EXTATTR_PATH(extattr_delete_link, false)
EXTATTR_PATH(extattr_list_link, false)
EXTATTR_FD(extattr_set_fd)
EXTATTR_FD(extattr_get_fd)
EXTATTR_FD(extattr_delete_fd)
EXTATTR_FD(extattr_list_fd)

/* revoke: the owner (or root) cuts every open file of a terminal off; see spec_revoke */
int
sys_revoke(struct lwp *l, const struct sys_revoke_args *uap, register_t *retval)
{
	const struct cred *cred = lwp_cred(l);
	struct vfs_at at;
	struct vattr va;
	int error;

	(void)retval;
	if ((error = at_begin(l, AT_FDCWD, SCARG(uap, path), &at)) != 0)
		return error;
	if ((error = at_namei(l, &at, NI_FOLLOW)) == 0 &&
	    (error = at.nd.ni_vp->v_op->vop_getattr(at.nd.ni_vp, &va)) == 0) {
		if (cred->cr_euid != 0 && cred->cr_euid != va.va_uid)
			error = EPERM;
		else if ((error = spec_revoke(l->l_kern, at.nd.ni_vp)) == 0)
			vn_knote(at.nd.ni_vp, NOTE_REVOKE);
	}
	nd_release(&at.nd);
	at_end(&at);
	return error;
}
