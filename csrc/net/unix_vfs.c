/*
 * unix_vfs.c: AF_UNIX names in the kernel's file system (the hook of unix.c), built when
 * the tree has the VFS (csrc/vfs/vfs.h).  bind creates a VSOCK node through the file
 * system's vop_create; connect and sendto look the path up with namei.  The vnode does
 * not point at the socket: a per-kernel list of bindings (vnode -> socket) does, owned by
 * net.local.  A binding holds a vnode reference until the socket closes; the node itself
 * stays until it is unlinked, as in NetBSD.
 *
 * Lock order: the net lock, then vs_lock (VFS code never takes the net lock).
 */
#if defined(__has_include)
#if __has_include("vfs/vfs.h")
#define UNIX_HAVE_VFS 1
#endif
#endif

#ifdef UNIX_HAVE_VFS
#include "net/net.h"
#include "vfs/vfs.h"

struct unp_vbind {
	struct unp_vbind *b_next;
	struct vnode *b_vp;		/* referenced */
	struct socket *b_so;
};

/* The list head lives in net.local's state (unix.c). */
struct unp_vbind **unix_vbinds(struct kern *k) KERN_HIDDEN;

int vfs_unp_bind(struct lwp *l, const char *path, nb_mode_t mode, struct socket *so,
    void **nodep) KERN_HIDDEN;
int vfs_unp_lookup(struct lwp *l, const char *path, struct socket **sop) KERN_HIDDEN;
void vfs_unp_unbind(struct kern *k, void *node) KERN_HIDDEN;

static void
nd_init(struct nameidata *nd, const char *path)
{
	memset(nd, 0, sizeof(*nd));
	strncpy(nd->ni_buf, path, sizeof(nd->ni_buf) - 1);
}

int
vfs_unp_bind(struct lwp *l, const char *path, nb_mode_t mode, struct socket *so, void **nodep)
{
	struct kern *k = l->l_kern;
	struct vfs_state *vs = vfs_state(k);
	struct unp_vbind *b, **head = unix_vbinds(k);
	struct nameidata nd;
	struct vattr dva, va;
	struct vnode *dvp, *vp = NULL;
	int error;

	if ((b = kmem_zalloc(k, sizeof(*b))) == NULL)
		return ENOMEM;
	nd_init(&nd, path);
	br_enter(&vs->vs_lock);
	if ((error = namei(l, NULL, NI_PARENT, &nd)) != 0)
		goto out;
	if (nd.ni_vp != NULL) {
		error = EADDRINUSE;
		goto out;
	}
	dvp = nd.ni_dvp;
	if ((error = vn_access(dvp, VWRITE | VEXEC, lwp_cred(l))) != 0)
		goto out;
	if (dvp->v_mount != NULL && (dvp->v_mount->mnt_flag & MNT_RDONLY)) {
		error = EROFS;
		goto out;
	}
	if ((error = dvp->v_op->vop_getattr(dvp, &dva)) != 0)
		goto out;
	memset(&va, 0, sizeof(va));
	va.va_type = VSOCK;
	va.va_mode = mode & 07777;
	va.va_uid = lwp_cred(l)->cr_euid;
	va.va_gid = dva.va_gid;
	if ((error = dvp->v_op->vop_create(dvp, nd.ni_name, nd.ni_namelen, &va, NULL, &vp)) != 0)
		goto out;
	b->b_vp = vp;
	b->b_so = so;
	b->b_next = *head;
	*head = b;
	*nodep = b;
out:
	nd_release(&nd);
	br_exit(&vs->vs_lock);
	if (error != 0)
		kmem_free(k, b, sizeof(*b));
	return error;
}

int
vfs_unp_lookup(struct lwp *l, const char *path, struct socket **sop)
{
	struct kern *k = l->l_kern;
	struct vfs_state *vs = vfs_state(k);
	struct unp_vbind *b;
	struct nameidata nd;
	struct vnode *vp;
	int error;

	nd_init(&nd, path);
	br_enter(&vs->vs_lock);
	if ((error = namei(l, NULL, NI_FOLLOW, &nd)) != 0)
		goto out;
	vp = nd.ni_vp;
	if (vp->v_type != VSOCK) {
		error = ENOTSOCK;
		goto out;
	}
	if ((error = vn_access(vp, VWRITE, lwp_cred(l))) != 0)
		goto out;
	error = ECONNREFUSED;		/* a node no socket is bound to (any more) */
	for (b = *unix_vbinds(k); b != NULL; b = b->b_next) {
		if (b->b_vp == vp) {
			*sop = b->b_so;
			error = 0;
			break;
		}
	}
out:
	nd_release(&nd);
	br_exit(&vs->vs_lock);
	return error;
}

void
vfs_unp_unbind(struct kern *k, void *node)
{
	struct vfs_state *vs = vfs_state(k);
	struct unp_vbind *b = node, **pp;

	for (pp = unix_vbinds(k); *pp != NULL; pp = &(*pp)->b_next) {
		if (*pp == b) {
			*pp = b->b_next;
			break;
		}
	}
	br_enter(&vs->vs_lock);
	vrele(b->b_vp);
	br_exit(&vs->vs_lock);
	kmem_free(k, b, sizeof(*b));
}
#else
/* No VFS in this tree: AF_UNIX names use net.local's in-kernel table. */
typedef int unix_vfs_empty;
#endif
