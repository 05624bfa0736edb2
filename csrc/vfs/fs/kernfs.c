/*
 * kernfs.c: the fs.kernfs component: NetBSD's kernel information file system (mounted on
 * /kern by convention; no mount argument).  Its root directory holds read-only files
 * whose text is made at each read, in NetBSD kernfs's formats:
 *   boottime   seconds of the boot time, "%lld\n"
 *   hostname   the kernel's host name and "\n" (written by root: sets the host name)
 *   hz         the clock rate, "100\n"
 *   pagesize   "4096\n"
 *   time       "%lld %ld\n": seconds and microseconds of the real time
 *   version    the kernel version string (kern.version) and "\n"
 * NetBSD's kernfs has more (copyright, loadavg, msgbuf, physmem, rootdev, ipsec...); those
 * are not here.
 */
#include <stdio.h>

#include "vfs/vfs.h"
#include "kern/sysargs_gen.h"

#define KERNFS_ROOTINO	2

enum kfs_file { KFS_ROOT = -1, KFS_BOOTTIME, KFS_HOSTNAME, KFS_HZ, KFS_PAGESIZE, KFS_TIME,
    KFS_VERSION, KFS_NFILES };
static const char *const kfs_names[KFS_NFILES] = {
	"boottime", "hostname", "hz", "pagesize", "time", "version",
};

struct kernfs_mount;

struct kernfs_node {
	struct vnode kn_vnode;
	struct kernfs_mount *kn_kmnt;	/* NULL once unmounted */
	struct kern *kn_kern;
	int kn_file;			/* enum kfs_file */
};

struct kernfs_mount {
	struct kernfs_node *km_nodes[KFS_NFILES + 1];	/* [0] the root, [i + 1] file i */
	struct nb_timespec km_time;
};

static const struct vnodeops kernfs_vnodeops;

static struct kernfs_node *
VTOKN(struct vnode *vp)
{
	return vp->v_data;
}

/* the text of file f; returns its length */
static size_t
kernfs_text(struct kern *k, int f, char *buf, size_t size)
{
	uint64_t ns;
	int n = 0;

	switch (f) {
	case KFS_BOOTTIME:
		n = snprintf(buf, size, "%lld\n", (long long)(k->k_boottime / 1000000000u));
		break;
	case KFS_HOSTNAME:
		n = snprintf(buf, size, "%.*s\n", (int)k->k_hostnamelen, k->k_hostname);
		break;
	case KFS_HZ:
		n = snprintf(buf, size, "100\n");
		break;
	case KFS_PAGESIZE:
		n = snprintf(buf, size, "4096\n");
		break;
	case KFS_TIME:
		ns = kern_realtime(k);
		n = snprintf(buf, size, "%lld %ld\n", (long long)(ns / 1000000000u),
		    (long)(ns % 1000000000u / 1000u));
		break;
	case KFS_VERSION:
		n = snprintf(buf, size, "NetBSD 7.99.34 (RUMPUS)\n");
		break;
	}
	return n < 0 ? 0 : (size_t)n >= size ? size - 1 : (size_t)n;
}

static int
kernfs_node_get(struct kernfs_mount *km, struct kern *k, struct mount *mp, int f,
    struct vnode **vpp)
{
	struct kernfs_node *kn = km->km_nodes[f + 1];

	if (kn == NULL) {
		if ((kn = kmem_zalloc(k, sizeof(*kn))) == NULL)
			return ENOMEM;
		kn->kn_vnode.v_op = &kernfs_vnodeops;
		kn->kn_vnode.v_mount = mp;
		kn->kn_vnode.v_type = f == KFS_ROOT ? VDIR : VREG;
		kn->kn_vnode.v_flag = f == KFS_ROOT ? VV_ROOT : 0;
		kn->kn_vnode.v_data = kn;
		kn->kn_kmnt = km;
		kn->kn_kern = k;
		kn->kn_file = f;
		km->km_nodes[f + 1] = kn;
	}
	vref(&kn->kn_vnode);
	*vpp = &kn->kn_vnode;
	return 0;
}

static int
kernfs_lookup(struct vnode *dvp, const char *name, size_t len, struct vnode **vpp)
{
	struct kernfs_node *dn = VTOKN(dvp);
	int f;

	if (dn->kn_file != KFS_ROOT)
		return ENOTDIR;
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.')) {
		vref(dvp);
		*vpp = dvp;
		return 0;
	}
	if (dn->kn_kmnt == NULL)
		return ENOENT;
	for (f = 0; f < KFS_NFILES; f++)
		if (strlen(kfs_names[f]) == len && memcmp(kfs_names[f], name, len) == 0)
			return kernfs_node_get(dn->kn_kmnt, dn->kn_kern, dvp->v_mount, f, vpp);
	return ENOENT;
}

static int
kernfs_read(struct vnode *vp, struct uio *uio, int ioflag)
{
	struct kernfs_node *kn = VTOKN(vp);
	char buf[300];
	size_t len;

	(void)ioflag;
	if (kn->kn_file == KFS_ROOT)
		return EISDIR;
	len = kernfs_text(kn->kn_kern, kn->kn_file, buf, sizeof(buf));
	if (uio->uio_offset < 0)
		return EINVAL;
	if ((uint64_t)uio->uio_offset >= len)
		return 0;
	return uiomove(buf + uio->uio_offset, len - (size_t)uio->uio_offset < uio->uio_resid ?
	    len - (size_t)uio->uio_offset : uio->uio_resid, uio);
}

static int
kernfs_write(struct vnode *vp, struct uio *uio, int ioflag)
{
	struct kernfs_node *kn = VTOKN(vp);
	struct kern *k = kn->kn_kern;
	char buf[256];
	size_t len = uio->uio_resid;
	int error;

	(void)ioflag;
	if (kn->kn_file != KFS_HOSTNAME)
		return EOPNOTSUPP;
	if (len >= sizeof(buf))
		return EINVAL;
	if ((error = uiomove(buf, len, uio)) != 0)
		return error;
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	memcpy(k->k_hostname, buf, len);
	k->k_hostname[len] = '\0';
	k->k_hostnamelen = len;
	return 0;
}

static int
kernfs_getattr(struct vnode *vp, struct vattr *va)
{
	struct kernfs_node *kn = VTOKN(vp);
	char buf[300];

	memset(va, 0, sizeof(*va));
	va->va_type = vp->v_type;
	va->va_fsid = vp->v_mount != NULL ? vp->v_mount->mnt_fsid : 0;
	if (kn->kn_kmnt != NULL)
		va->va_atime = va->va_mtime = va->va_ctime = va->va_birthtime =
		    kn->kn_kmnt->km_time;
	if (kn->kn_file == KFS_ROOT) {
		va->va_mode = 0555;
		va->va_nlink = 2;
		va->va_fileid = KERNFS_ROOTINO;
		va->va_size = 512;
		return 0;
	}
	va->va_mode = kn->kn_file == KFS_HOSTNAME ? 0644 : 0444;
	va->va_nlink = 1;
	va->va_fileid = KERNFS_ROOTINO + 1 + (uint64_t)kn->kn_file;
	va->va_size = (nb_off_t)kernfs_text(kn->kn_kern, kn->kn_file, buf, sizeof(buf));
	va->va_bytes = (uint64_t)va->va_size;
	return 0;
}

static int
kernfs_setattr(struct vnode *vp, const struct vattr *va, int mask)
{
	(void)vp; (void)va;
	/* truncating hostname (open O_TRUNC) is fine: the write replaces it */
	return mask == VA_SIZE ? 0 : EOPNOTSUPP;
}

/* cookies: 0 ".", 1 "..", 2 + i file i */
static int
kernfs_readdir(struct vnode *vp, struct uio *uio, nb_off_t *offp)
{
	struct kernfs_node *dn = VTOKN(vp);
	size_t start = uio->uio_resid;
	bool full = false;
	int error = 0;

	if (dn->kn_file != KFS_ROOT)
		return ENOTDIR;
	if (*offp < 0)
		return EINVAL;
	while (*offp < 2 + KFS_NFILES) {
		int i = (int)*offp;
		if (i < 2)
			error = vfs_dirent_emit(uio, KERNFS_ROOTINO, i == 0 ? "." : "..",
			    (size_t)i + 1, 4, &full);
		else
			error = vfs_dirent_emit(uio, KERNFS_ROOTINO + 1 + (uint64_t)(i - 2),
			    kfs_names[i - 2], strlen(kfs_names[i - 2]), 8, &full);
		if (error != 0 || full)
			break;
		(*offp)++;
	}
	if (full && uio->uio_resid == start)
		return EINVAL;
	return error;
}

static int
kernfs_readlink(struct vnode *vp, struct uio *uio)
{
	(void)vp; (void)uio;
	return EINVAL;
}

static int
kernfs_getname(struct vnode *dvp, struct vnode *vp, char *buf, size_t *lenp)
{
	(void)dvp; (void)vp; (void)buf; (void)lenp;
	return ENOENT;		/* no directories below the root */
}

static void
kernfs_inactive(struct vnode *vp)
{
	struct kernfs_node *kn = VTOKN(vp);

	if (kn->kn_kmnt == NULL)	/* unmounted while in use: the last holder frees it */
		kmem_free(kn->kn_kern, kn, sizeof(*kn));
}

static const struct vnodeops kernfs_vnodeops = {
	.vop_lookup = kernfs_lookup,
	.vop_create = genfs_create_eopnotsupp,
	.vop_remove = genfs_remove_eopnotsupp,
	.vop_link = genfs_remove_eopnotsupp,
	.vop_rename = genfs_rename_eopnotsupp,
	.vop_read = kernfs_read,
	.vop_write = kernfs_write,
	.vop_getattr = kernfs_getattr,
	.vop_setattr = kernfs_setattr,
	.vop_readdir = kernfs_readdir,
	.vop_readlink = kernfs_readlink,
	.vop_getname = kernfs_getname,
	.vop_inactive = kernfs_inactive,
};

static int
kernfs_vfs_mount(struct mount *mp, const void *data, size_t len)
{
	struct kernfs_mount *km;
	int error;

	(void)data;
	(void)len;
	if ((km = kmem_zalloc(mp->mnt_kern, sizeof(*km))) == NULL)
		return ENOMEM;
	vfs_now(mp->mnt_kern, &km->km_time);
	mp->mnt_data = km;
	if ((error = kernfs_node_get(km, mp->mnt_kern, mp, KFS_ROOT, &mp->mnt_root)) != 0) {
		kmem_free(mp->mnt_kern, km, sizeof(*km));
		mp->mnt_data = NULL;
	}
	return error;
}

static void
kernfs_vfs_unmount(struct mount *mp)
{
	struct kernfs_mount *km = mp->mnt_data;
	int i;

	for (i = 0; i <= KFS_NFILES; i++) {
		struct kernfs_node *kn = km->km_nodes[i];
		if (kn == NULL)
			continue;
		kn->kn_kmnt = NULL;
		kn->kn_vnode.v_mount = NULL;
		if (kn->kn_vnode.v_usecount == 0)
			kmem_free(mp->mnt_kern, kn, sizeof(*kn));
	}
	kmem_free(mp->mnt_kern, km, sizeof(*km));
	mp->mnt_data = NULL;
}

static void
kernfs_vfs_statvfs(struct mount *mp, struct statvfs_nb *sb)
{
	(void)mp;
	sb->f_bsize = sb->f_frsize = sb->f_iosize = 512;
	sb->f_namemax = 255;
}

const struct vfsops kernfs_vfsops = {
	.vfs_name = "kernfs",
	.vfs_comp = COMP_FS_KERNFS,
	.vfs_mount = kernfs_vfs_mount,
	.vfs_unmount = kernfs_vfs_unmount,
	.vfs_statvfs = kernfs_vfs_statvfs,
};

static const struct kern_component kernfs_component = {
	.name = "fs.kernfs", .id = COMP_FS_KERNFS, .deps = { "vfs", NULL },
};
KERN_COMPONENT(kernfs_component);
