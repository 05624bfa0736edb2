/*
 * vfs.h: the virtual file system layer of a rumpus kernel: vnodes, mounts, name lookup,
 * advisory locks, and the interface a file system (tmpfs) implements.
 *
 * Locking (docs/locking.md): one big reader lock per kernel (vs_lock, kern/brlock.h)
 * guards every vnode, mount and file-system structure of that kernel.  Every VFS syscall
 * takes it exclusively (br_enter) once, does its work, and drops it; sleeps (fifo open,
 * F_SETLKW) go through br_cv_wait.  The data path of an open vnode (read, write, fstat:
 * vn_read, vn_write, vn_fo_stat) takes it shared and the vnode's stripe
 * (vn_lock_shared): there a file system may touch only that node's state and its own
 * mount-wide counters with atomics (tmpfs: tm_bytes).  With one virtual CPU both modes
 * are one mutex that costs nothing.  Code running under vs_lock never releases a struct
 * file (that could call fo_close, which takes vs_lock again).
 *
 * Vnode lifetime: v_usecount counts the references of open files, current and root
 * directories, covered mount points, mount roots and in-flight syscalls.  When it drops to
 * zero the file system's vop_inactive runs: tmpfs frees a node that has no links left.
 * A mount counts in mnt_refs how many of its vnodes are in use; unmount is EBUSY while any
 * vnode but the root (held once by the mount) is.
 */
#ifndef VFS_VFS_H
#define VFS_VFS_H

#include "kern/kern.h"
#include "kern/brlock.h"

struct vnode;
struct mount;
struct pipe;

/* NetBSD mount flags and statvfs flags (abi/netbsd/constants.tsv, MNT and ST) */
#define MNT_RDONLY	0x00000001
#define MNT_LOCAL	0x00001000
#define MNT_ROOTFS	0x00004000
#define MNT_UPDATE	0x00010000
#define MNT_FORCE	0x00080000
#define MNT_GETARGS	0x00400000
#define MNT_VISFLAGMASK	0xff90ffffU
#define ST_WAIT		1
#define ST_NOWAIT	2

enum vtype { VNON, VREG, VDIR, VBLK, VCHR, VLNK, VSOCK, VFIFO, VBAD };

/* Attributes: getattr fills all; setattr applies the fields named in the mask. */
struct vattr {
	enum vtype va_type;
	nb_mode_t va_mode;		/* permission bits (07777) */
	nb_uid_t va_uid;
	nb_gid_t va_gid;
	uint32_t va_nlink;
	uint64_t va_fileid;
	uint64_t va_fsid;
	uint64_t va_rdev;
	nb_off_t va_size;
	uint64_t va_bytes;
	struct nb_timespec va_atime, va_mtime, va_ctime, va_birthtime;
	uint32_t va_flags;
	uint32_t va_gen;
};
#define VA_MODE		0x01
#define VA_UID		0x02
#define VA_GID		0x04
#define VA_SIZE		0x08
#define VA_ATIME	0x10
#define VA_MTIME	0x20
#define VA_CTIME	0x40
#define VA_FLAGS	0x80

/* file flags (NetBSD sys/stat.h, chflags) */
#define UF_SETTABLE	0x0000ffffU
#define UF_NODUMP	0x00000001U
#define UF_IMMUTABLE	0x00000002U
#define UF_APPEND	0x00000004U
#define SF_SETTABLE	0xffff0000U
#define SF_ARCHIVED	0x00010000U
#define SF_IMMUTABLE	0x00020000U
#define SF_APPEND	0x00040000U
#define IMMUTABLE	(UF_IMMUTABLE | SF_IMMUTABLE)
#define APPEND		(UF_APPEND | SF_APPEND)
/* the node's flags (0 if it cannot tell) */
uint32_t vn_flags(struct vnode *vp) KERN_HIDDEN;

/* ioflag of vop_write */
#define IO_APPEND	0x01

/*
 * Vnode operations.  All run with vs_lock held.  Results that are vnodes come back with a
 * reference.  Names are not NUL-terminated: (name, len).
 */
struct vnodeops {
	/* ".." of a file-system root is the root itself; the generic layer crosses mounts */
	int (*vop_lookup)(struct vnode *dvp, const char *name, size_t len, struct vnode **vpp);
	/* makes a node of va->va_type (target is the symlink text, or NULL) */
	int (*vop_create)(struct vnode *dvp, const char *name, size_t len,
	    const struct vattr *va, const char *target, struct vnode **vpp);
	int (*vop_remove)(struct vnode *dvp, struct vnode *vp, const char *name, size_t len);
	int (*vop_link)(struct vnode *dvp, struct vnode *vp, const char *name, size_t len);
	/* the generic layer has checked types, loops and permissions; tvp may be NULL */
	int (*vop_rename)(struct vnode *fdvp, struct vnode *fvp, const char *fname, size_t flen,
	    struct vnode *tdvp, struct vnode *tvp, const char *tname, size_t tlen);
	int (*vop_read)(struct vnode *vp, struct uio *uio, int ioflag);
	int (*vop_write)(struct vnode *vp, struct uio *uio, int ioflag);
	int (*vop_getattr)(struct vnode *vp, struct vattr *va);
	int (*vop_setattr)(struct vnode *vp, const struct vattr *va, int mask);
	/* writes NetBSD struct dirent records from *offp (a cookie) into uio */
	int (*vop_readdir)(struct vnode *vp, struct uio *uio, nb_off_t *offp);
	int (*vop_readlink)(struct vnode *vp, struct uio *uio);
	/* the name under which dvp holds vp (for __getcwd): ENOENT if none */
	int (*vop_getname)(struct vnode *dvp, struct vnode *vp, char *buf, size_t *lenp);
	void (*vop_inactive)(struct vnode *vp);
	/* VOP_MPSAFE: vop_read, vop_write, vop_getattr and vop_setattr(VA_MODE) may run with
	 * vs_lock shared and the vnode's stripe held (vn_lock_data), touching only the node
	 * and, with atomics, counters of its mount */
	int vop_flags;
};
#define VOP_MPSAFE	0x01

struct lockf;

/* EVFILT_VNODE events (NetBSD NOTE_* of nbabi.h, bits 0-6), counted per vnode */
#define VN_NNOTES	7
void vn_knote(struct vnode *vp, unsigned notes) KERN_HIDDEN;

struct vnode {
	const struct vnodeops *v_op;
	struct mount *v_mount;		/* NULL once revoked by a forced unmount */
	struct mount *v_mountedhere;	/* a mount covering this directory */
	struct pipe *v_fifo;		/* fifo: the pipe shared by its openers */
	struct lockf *v_lockf;		/* advisory locks, see vfs_lockf.c */
	struct vnode *v_lknext;		/* vs_lockvnodes: vnodes with locks */
	int v_usecount;
	enum vtype v_type;
	int v_flag;			/* VV_ROOT */
	void *v_data;			/* the file system's node */
	uint64_t v_rdev;		/* VCHR: the device, set at open (spec.c) */
	atomic_uint v_note[VN_NNOTES];	/* EVFILT_VNODE: count of each NOTE_* event */
	atomic_bool v_knoted;		/* a kqueue watched it once: events are counted */
};
#define VV_ROOT		0x01		/* root of its mount */

struct statvfs_nb;

/* A file-system type. */
struct vfsops {
	const char *vfs_name;
	int vfs_comp;			/* component that must be loaded to mount it, or -1 */
	/* data is the kernel copy of the mount argument; sets mp->mnt_root (referenced) */
	int (*vfs_mount)(struct mount *mp, const void *data, size_t len);
	/* frees the file system; vnodes still in use are revoked (forced unmount) */
	void (*vfs_unmount)(struct mount *mp);
	void (*vfs_statvfs)(struct mount *mp, struct statvfs_nb *sb);
};

struct mount {
	const struct vfsops *mnt_op;
	struct kern *mnt_kern;
	struct mount *mnt_next;		/* vs_mounts, in mount order */
	struct vnode *mnt_vnodecovered;	/* referenced; NULL for the root file system */
	struct vnode *mnt_root;		/* referenced */
	int mnt_flag;			/* MNT_* */
	int mnt_refs;			/* vnodes of this mount with v_usecount > 0 */
	uint64_t mnt_fsid;
	void *mnt_data;
	char *mnt_onname;		/* kmem_strdup'd */
	size_t mnt_onsize;
};

/* NetBSD struct statvfs (2256 bytes) */
struct statvfs_nb {
	unsigned long f_flag, f_bsize, f_frsize, f_iosize;
	uint64_t f_blocks, f_bfree, f_bavail, f_bresvd;
	uint64_t f_files, f_ffree, f_favail, f_fresvd;
	uint64_t f_syncreads, f_syncwrites, f_asyncreads, f_asyncwrites;
	int32_t f_fsidx[2];
	unsigned long f_fsid;
	unsigned long f_namemax;
	nb_uid_t f_owner;
	uint32_t f_spare[4];
	char f_fstypename[32];
	char f_mntonname[1024];
	char f_mntfromname[1024];
};

/* Per-kernel VFS state (kern_priv(k, COMP_VFS)). */
struct vfs_state {
	struct brlock vs_lock;
	kcondvar_t vs_lockcv;		/* advisory-lock waiters */
	struct mount *vs_mounts;	/* the root file system first */
	struct vnode *vs_rootvnode;	/* the root of the root file system, referenced */
	struct vnode *vs_lockvnodes;	/* vnodes that have advisory locks */
	uint64_t vs_nextfsid;
};

static inline struct vfs_state *vfs_state(struct kern *k) { return kern_priv(k, COMP_VFS); }

/* The data path of an open vnode (vfs_vnops.c): vs_lock shared and vp's stripe when
 * the kernel has several vCPUs and vp's file system says VOP_MPSAFE, else vs_lock. */
struct vn_shlock { int slot; br_lock_t *stripe; };
static inline void
vn_lock_data(struct vfs_state *vs, struct vnode *vp, struct vn_shlock *sl)
{
	sl->stripe = NULL;
	if (vs->vs_lock.br_n != 0) {
		sl->slot = br_shared_enter(&vs->vs_lock);
		if (vp->v_op->vop_flags & VOP_MPSAFE) {	/* v_op changes only exclusively */
			sl->stripe = br_stripe(&vs->vs_lock, vp);
			br_stripe_lock(sl->stripe);
			return;
		}
		br_shared_exit(&vs->vs_lock, sl->slot);
	}
	br_enter(&vs->vs_lock);
}
static inline void
vn_unlock_data(struct vfs_state *vs, struct vn_shlock *sl)
{
	if (sl->stripe != NULL) {
		br_stripe_unlock(sl->stripe);
		br_shared_exit(&vs->vs_lock, sl->slot);
	} else
		br_exit(&vs->vs_lock);
}

/* vnode references (vs_lock held) */
void vref(struct vnode *vp) KERN_HIDDEN;
void vrele(struct vnode *vp) KERN_HIDDEN;

/* vnode operations a file system in which nothing is made, removed, linked or renamed
 * (kernfs, ptyfs) points at: EOPNOTSUPP, as NetBSD's genfs_eopnotsupp */
int genfs_create_eopnotsupp(struct vnode *dvp, const char *name, size_t len,
    const struct vattr *va, const char *target, struct vnode **vpp) KERN_HIDDEN;
int genfs_remove_eopnotsupp(struct vnode *dvp, struct vnode *vp, const char *name,
    size_t len) KERN_HIDDEN;		/* vop_remove and vop_link */
int genfs_rename_eopnotsupp(struct vnode *fdvp, struct vnode *fvp, const char *fname,
    size_t flen, struct vnode *tdvp, struct vnode *tvp, const char *tname, size_t tlen)
    KERN_HIDDEN;
/* vop_readdir's record: one NetBSD struct dirent (ino, name[0..len) with len <= 511,
 * DT_* type) moved into uio; *full set, and nothing moved, when it does not fit */
int vfs_dirent_emit(struct uio *uio, uint64_t ino, const char *name, size_t len,
    uint8_t type, bool *full) KERN_HIDDEN;

/* name lookup (vfs_lookup.c) */
#define NI_FOLLOW	0x01	/* follow a symlink in the last component */
#define NI_PARENT	0x02	/* return the parent and last name too; vp may be NULL */
#define NI_REALIDS	0x04	/* search permission with the real ids (access) */
#define NI_MKDIR	0x08	/* a trailing slash is fine on a missing last component */
struct nameidata {
	struct vnode *ni_dvp;	/* NI_PARENT: the parent directory, referenced */
	struct vnode *ni_vp;	/* the result, referenced, or NULL */
	const char *ni_name;	/* NI_PARENT: the last component (in ni_buf) */
	size_t ni_namelen;
	bool ni_trailslash;	/* the path ended in '/' */
	char ni_buf[MAXPATHLEN];
};
/* Resolves the path in nd->ni_buf, relative to startdir (NULL: the current directory;
 * an absolute path starts at the process root).  vs_lock held. */
int namei(struct lwp *l, struct vnode *startdir, int flags, struct nameidata *nd) KERN_HIDDEN;
void nd_release(struct nameidata *nd) KERN_HIDDEN;
int vn_fullpath(struct proc *p, struct vnode *vp, char *buf, size_t size, char **startp)
    KERN_HIDDEN;
/* The process's current and root directories (vfs root if unset). */
struct vnode *vfs_cwd(struct proc *p) KERN_HIDDEN;
struct vnode *vfs_root(struct proc *p) KERN_HIDDEN;
int vn_access(struct vnode *vp, int acc, const struct cred *cred) KERN_HIDDEN;

/* mounts (vfs_mount.c) */
int vfs_mountroot(struct kern *k) KERN_HIDDEN;
void vfs_unmountall(struct kern *k) KERN_HIDDEN;
const struct vfsops *vfs_findtype(const char *name) KERN_HIDDEN;

/* files on vnodes (vfs_vnops.c) */
extern const struct fileops vn_fileops KERN_HIDDEN;
int vn_stat(struct vnode *vp, struct nb_stat *st) KERN_HIDDEN;

/* advisory locks (vfs_lockf.c), vs_lock held; NetBSD struct flock (24 bytes) */
struct nb_flock {
	nb_off_t l_start;
	nb_off_t l_len;
	nb_pid_t l_pid;
	short l_type;
	short l_whence;
};
int lf_advlock(struct lwp *l, struct vnode *vp, void *owner, int op, struct nb_flock *fl,
    int flags, nb_off_t size) KERN_HIDDEN;
void lf_release_owner(struct kern *k, struct vnode *vp, void *owner) KERN_HIDDEN;
void lf_proc_exit(struct proc *p) KERN_HIDDEN;
void vn_fdclose(struct file *fp, struct proc *p) KERN_HIDDEN;	/* fo_fdclose of vnodes */
#define LF_POSIX	0x01
#define LF_FLOCK	0x02
#define LF_WAIT		0x04

/* the vnode file operations devices share (vfs_vnops.c) */
int vn_fcntl(struct file *fp, int cmd, void *arg) KERN_HIDDEN;
int vn_fo_stat(struct file *fp, struct nb_stat *st) KERN_HIDDEN;
int vn_close(struct file *fp) KERN_HIDDEN;

/* character devices (spec.c): NetBSD's dev_t encoding */
static inline uint32_t nb_major(uint64_t d) { return (uint32_t)((d & 0x000fff00u) >> 8); }
static inline uint32_t nb_minor(uint64_t d)
{
	return (uint32_t)(((d & 0xfff00000u) >> 12) | (d & 0xffu));
}
static inline uint64_t nb_makedev(uint32_t ma, uint32_t mi)
{
	return ((ma << 8) & 0x000fff00u) | (mi & 0xffu) | ((mi << 12) & 0xfff00000u);
}
/* A driver.  d_open (may be NULL) runs with vs_lock held and vp referenced for fp, after
 * fp->f_ops was set to d_fileops; it may change f_ops.  The file's f_data is the vnode;
 * its fo_close must end with vn_close(fp) (which drops the vnode).  A cloning device sets
 * f_data to a vnode of its own, referenced for the file (doopen then drops vp).  Nothing
 * in open can fail after d_open succeeded. */
struct devsw {
	uint32_t d_major;
	int d_comp;			/* component that must be loaded, or -1 */
	int (*d_open)(struct lwp *l, struct vnode *vp, uint32_t minor, int fflags,
	    struct file *fp);
	const struct fileops *d_fileops;
	/* revoke(2) of a node of this driver (NULL: EINVAL): files open on it stop working */
	int (*d_revoke)(struct kern *k, uint32_t minor);
};
#define DEVSW(d) \
	static const struct devsw *const devsw_ptr_##d \
	__attribute__((used, section("rumpus_devsw"), aligned(sizeof(void *)))) = &d
int spec_check(struct kern *k, struct vnode *vp) KERN_HIDDEN;
int spec_open(struct lwp *l, struct vnode *vp, int fflags, struct file *fp) KERN_HIDDEN;
int spec_revoke(struct kern *k, struct vnode *vp) KERN_HIDDEN;
extern const struct fileops mm_fileops KERN_HIDDEN;	/* /dev/null, /dev/zero */
int vfs_makenode(struct kern *k, struct vnode *dvp, const char *name, enum vtype type,
    nb_mode_t mode, uint64_t rdev, struct vnode **vpp) KERN_HIDDEN;
int vfs_makedevnode(struct kern *k, const char *name, nb_mode_t mode, uint64_t rdev)
    KERN_HIDDEN;
int vfs_rootnodes(struct kern *k) KERN_HIDDEN;

/* pipes and fifos (pipe.c) */
/* Called with vs_lock held and a reference on vp for fp: attaches the fifo's pipe. Then
 * pipe_fifo_open (vs_lock dropped) waits for the other side as open(2) does. */
int pipe_fifo_attach(struct vnode *vp) KERN_HIDDEN;
int pipe_fifo_open(struct vnode *vp, struct file *fp) KERN_HIDDEN;
/* Undoes pipe_fifo_attach when the open failed before pipe_fifo_open (vs_lock held). */
void pipe_fifo_detach(struct vnode *vp) KERN_HIDDEN;
extern const struct fileops fifo_fileops KERN_HIDDEN;

/* file systems */
extern const struct vfsops tmpfs_vfsops KERN_HIDDEN;
extern const struct vfsops rumpfs_vfsops KERN_HIDDEN;
extern const struct vfsops ptyfs_vfsops KERN_HIDDEN;
extern const struct vfsops kernfs_vfsops KERN_HIDDEN;

static inline nb_off_t
vfs_now(struct kern *k, struct nb_timespec *ts)
{
	uint64_t ns = kern_realtime(k);

	ts->tv_sec = (int64_t)(ns / 1000000000u);
	ts->tv_nsec = (long)(ns % 1000000000u);
	return 0;
}

#endif
