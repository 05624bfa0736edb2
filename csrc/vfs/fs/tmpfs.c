/*
 * tmpfs.c: a file system in kernel memory.  It serves as the root file system of every
 * kernel with vfs ("rumpfs", no arguments) and, with the fs.tmpfs component, as "tmpfs"
 * mountable anywhere with NetBSD's struct tmpfs_args.
 *
 * Invariants:
 * - A node embeds its vnode (tn_vnode) and lives while it has links (tn_nlink > 0) or
 *   users (v_usecount > 0); vop_inactive frees it when both are gone.  A directory has
 *   nlink 2 + its subdirectories while linked, 0 once removed.
 * - A directory keeps its entries in a doubly-linked list in insertion order, each with a
 *   cookie (2, 3, ... increasing along the list; "." is 0 and ".." 1): readdir offsets are
 *   cookies, so removals never disturb a reader.  Up to TMPFS_DIR_LINEAR entries are
 *   searched linearly; past that a hash table (16 buckets, doubled as it fills) is built.
 * - A regular file's data is a sorted array of 4 KiB pages by page index; a missing page
 *   is a hole and reads as zeros.  Every page counts in tm_bytes against ta_size_max, and
 *   every allocation against the kernel's memlimit: running out is ENOSPC.  With a
 *   memlimit, pages stop short of a reserve (tmpfs_mem_reserve) left to the rest of the
 *   kernel, so a full tmpfs does not starve the network stack.
 * - Every node of a mount is on tm_nodes, so unmount frees them all; a node still in use
 *   at a forced unmount loses its contents and turns into a dead vnode (tmpfs_deadops)
 *   that only waits for its last reference.
 */
#include "vfs/vfs.h"
#include "kern/sysargs_gen.h"

#define TMPFS_PAGE		4096
#define TMPFS_DIR_LINEAR	8
#define TMPFS_MAXFILESIZE	((nb_off_t)1 << 40)

struct tmpfs_node;

struct tmpfs_dirent {
	struct tmpfs_dirent *td_next, *td_prev;	/* directory order */
	struct tmpfs_dirent *td_hnext;		/* hash chain */
	struct tmpfs_node *td_node;
	uint64_t td_cookie;
	uint32_t td_hash;
	uint16_t td_namelen;
	char td_name[];
};

struct tmpfs_page {
	uint64_t idx;
	char *data;
};

struct tmpfs_mount;

struct tmpfs_node {
	struct vnode tn_vnode;
	struct tmpfs_mount *tn_tmp;	/* NULL once revoked */
	struct kern *tn_kern;
	struct tmpfs_node *tn_next, *tn_prev;	/* tm_nodes */
	nb_mode_t tn_mode;
	nb_uid_t tn_uid;
	nb_gid_t tn_gid;
	uint32_t tn_nlink;
	uint32_t tn_flags;
	uint32_t tn_gen;
	uint64_t tn_ino;
	uint64_t tn_rdev;
	nb_off_t tn_size;
	struct nb_timespec tn_atime, tn_mtime, tn_ctime, tn_birthtime;
	union {
		struct {
			struct tmpfs_dirent *head, *tail;
			struct tmpfs_dirent **hash;
			uint32_t nbuckets, count;
			uint64_t nextcookie;
			struct tmpfs_node *parent;
		} dir;
		struct {
			char *target;
			size_t len;
		} lnk;
		struct {
			struct tmpfs_page *pages;
			size_t npages, cap;
		} reg;
	} tn_u;
};

struct tmpfs_mount {
	struct mount *tm_mount;
	struct kern *tm_kern;
	struct tmpfs_node *tm_nodes;
	uint64_t tm_nodes_max, tm_nodes_cnt;
	uint64_t tm_size_max;
	_Atomic uint64_t tm_bytes;	/* atomic: the shared data path allocates pages */
	uint64_t tm_nextino;
};

/* NetBSD struct tmpfs_args (40 bytes) */
struct tmpfs_args_nb {
	int ta_version;
	uint64_t ta_nodes_max;
	nb_off_t ta_size_max;
	nb_uid_t ta_root_uid;
	nb_gid_t ta_root_gid;
	nb_mode_t ta_root_mode;
};
_Static_assert(sizeof(struct tmpfs_args_nb) == 40, "NetBSD struct tmpfs_args is 40 bytes");
#define TMPFS_ARGS_VERSION 1

static const struct vnodeops tmpfs_vnodeops, tmpfs_deadops;

#define VTOTN(vp)	((struct tmpfs_node *)(vp)->v_data)
#define TNTOV(tn)	(&(tn)->tn_vnode)

static struct kern *
tn_kern(struct tmpfs_node *tn)
{
	return tn->tn_kern;
}

/* ---------------------------------------------------------------- nodes */

static int
tmpfs_node_alloc(struct tmpfs_mount *tm, enum vtype type, nb_mode_t mode, nb_uid_t uid,
    nb_gid_t gid, struct tmpfs_node **tnp)
{
	struct kern *k = tm->tm_kern;
	struct tmpfs_node *tn;

	if (tm->tm_nodes_cnt >= tm->tm_nodes_max)
		return ENOSPC;
	if ((tn = kmem_zalloc(k, sizeof(*tn))) == NULL)
		return ENOSPC;
	tm->tm_nodes_cnt++;
	tn->tn_tmp = tm;
	tn->tn_kern = k;
	tn->tn_mode = mode & 07777;
	tn->tn_uid = uid;
	tn->tn_gid = gid;
	tn->tn_ino = tm->tm_nextino++;
	tn->tn_gen = (uint32_t)(tn->tn_ino * 2654435761u);
	vfs_now(k, &tn->tn_birthtime);
	tn->tn_atime = tn->tn_mtime = tn->tn_ctime = tn->tn_birthtime;
	tn->tn_vnode.v_op = &tmpfs_vnodeops;
	tn->tn_vnode.v_mount = tm->tm_mount;
	tn->tn_vnode.v_type = type;
	tn->tn_vnode.v_data = tn;
	tn->tn_next = tm->tm_nodes;
	if (tm->tm_nodes != NULL)
		tm->tm_nodes->tn_prev = tn;
	tm->tm_nodes = tn;
	*tnp = tn;
	return 0;
}

/* tm_bytes += delta, the new value: an atomic add with several vCPUs (writers of other
 * nodes run at once), a plain one with one (only the vCPU's holder runs). */
static uint64_t
tmpfs_bytes_add(struct tmpfs_mount *tm, int64_t delta)
{
	uint64_t v;

	if (tm->tm_kern->k_ncpu > 1)
		return atomic_fetch_add(&tm->tm_bytes, (uint64_t)delta) + (uint64_t)delta;
	v = atomic_load_explicit(&tm->tm_bytes, memory_order_relaxed) + (uint64_t)delta;
	atomic_store_explicit(&tm->tm_bytes, v, memory_order_relaxed);
	return v;
}

static void
tmpfs_reg_truncate_pages(struct tmpfs_node *tn, nb_off_t size)
{
	struct tmpfs_mount *tm = tn->tn_tmp;
	struct kern *k = tm->tm_kern;
	uint64_t first = ((uint64_t)size + TMPFS_PAGE - 1) / TMPFS_PAGE;
	size_t n = tn->tn_u.reg.npages;

	while (n > 0 && tn->tn_u.reg.pages[n - 1].idx >= first) {
		kmem_free(k, tn->tn_u.reg.pages[n - 1].data, TMPFS_PAGE);
		(void)tmpfs_bytes_add(tm, -(int64_t)TMPFS_PAGE);
		n--;
	}
	tn->tn_u.reg.npages = n;
	/* zero the tail of a partial last page so a later extension reads zeros */
	if (n > 0 && (size % TMPFS_PAGE) != 0 &&
	    tn->tn_u.reg.pages[n - 1].idx == (uint64_t)size / TMPFS_PAGE)
		memset(tn->tn_u.reg.pages[n - 1].data + size % TMPFS_PAGE, 0,
		    TMPFS_PAGE - (size_t)(size % TMPFS_PAGE));
	if (n == 0 && tn->tn_u.reg.pages != NULL) {
		kmem_free(k, tn->tn_u.reg.pages, tn->tn_u.reg.cap * sizeof(struct tmpfs_page));
		tn->tn_u.reg.pages = NULL;
		tn->tn_u.reg.cap = 0;
	}
}

static void
tmpfs_dir_free_entries(struct tmpfs_node *tn)
{
	struct kern *k = tn_kern(tn);
	struct tmpfs_dirent *de, *next;

	for (de = tn->tn_u.dir.head; de != NULL; de = next) {
		next = de->td_next;
		kmem_free(k, de, sizeof(*de) + de->td_namelen);
	}
	tn->tn_u.dir.head = tn->tn_u.dir.tail = NULL;
	tn->tn_u.dir.count = 0;
	if (tn->tn_u.dir.hash != NULL)
		kmem_free(k, tn->tn_u.dir.hash, tn->tn_u.dir.nbuckets * sizeof(void *));
	tn->tn_u.dir.hash = NULL;
	tn->tn_u.dir.nbuckets = 0;
}

/* Frees the contents (data, entries, target) but not the node. */
static void
tmpfs_node_clear(struct tmpfs_node *tn)
{
	struct kern *k = tn_kern(tn);

	switch (tn->tn_vnode.v_type) {
	case VREG:
		tmpfs_reg_truncate_pages(tn, 0);
		break;
	case VDIR:
		tmpfs_dir_free_entries(tn);
		break;
	case VLNK:
		if (tn->tn_u.lnk.target != NULL)
			kmem_free(k, tn->tn_u.lnk.target, tn->tn_u.lnk.len + 1);
		tn->tn_u.lnk.target = NULL;
		break;
	default:
		break;
	}
}

static void
tmpfs_node_free(struct tmpfs_node *tn)
{
	struct tmpfs_mount *tm = tn->tn_tmp;
	struct kern *k = tm->tm_kern;

	tmpfs_node_clear(tn);
	if (tn->tn_prev != NULL)
		tn->tn_prev->tn_next = tn->tn_next;
	else
		tm->tm_nodes = tn->tn_next;
	if (tn->tn_next != NULL)
		tn->tn_next->tn_prev = tn->tn_prev;
	tm->tm_nodes_cnt--;
	kmem_free(k, tn, sizeof(*tn));
}

/* ---------------------------------------------------------------- directories */

static uint32_t
tmpfs_hash(const char *name, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (uint8_t)name[i]) * 16777619u;
	return h;
}

static struct tmpfs_dirent *
tmpfs_dir_lookup(struct tmpfs_node *dn, const char *name, size_t len)
{
	struct tmpfs_dirent *de;
	uint32_t h;

	if (dn->tn_u.dir.hash == NULL) {
		for (de = dn->tn_u.dir.head; de != NULL; de = de->td_next)
			if (de->td_namelen == len && memcmp(de->td_name, name, len) == 0)
				return de;
		return NULL;
	}
	h = tmpfs_hash(name, len);
	for (de = dn->tn_u.dir.hash[h & (dn->tn_u.dir.nbuckets - 1)]; de != NULL;
	    de = de->td_hnext)
		if (de->td_hash == h && de->td_namelen == len && memcmp(de->td_name, name, len) == 0)
			return de;
	return NULL;
}

/* Builds or doubles the hash table; failing to is not an error (lookups stay linear or
 * chains grow longer). */
static void
tmpfs_dir_rehash(struct tmpfs_node *dn)
{
	struct kern *k = tn_kern(dn);
	uint32_t n = dn->tn_u.dir.nbuckets ? dn->tn_u.dir.nbuckets * 2 : 16;
	struct tmpfs_dirent **nh, *de;

	if ((nh = kmem_zalloc(k, n * sizeof(*nh))) == NULL)
		return;
	for (de = dn->tn_u.dir.head; de != NULL; de = de->td_next) {
		de->td_hnext = nh[de->td_hash & (n - 1)];
		nh[de->td_hash & (n - 1)] = de;
	}
	if (dn->tn_u.dir.hash != NULL)
		kmem_free(k, dn->tn_u.dir.hash, dn->tn_u.dir.nbuckets * sizeof(*nh));
	dn->tn_u.dir.hash = nh;
	dn->tn_u.dir.nbuckets = n;
}

static struct tmpfs_dirent *
tmpfs_dirent_alloc(struct tmpfs_node *dn, const char *name, size_t len)
{
	struct tmpfs_dirent *de = kmem_alloc(tn_kern(dn), sizeof(*de) + len);

	if (de == NULL)
		return NULL;
	memset(de, 0, sizeof(*de));
	memcpy(de->td_name, name, len);
	de->td_namelen = (uint16_t)len;
	de->td_hash = tmpfs_hash(name, len);
	return de;
}

static void
tmpfs_dir_attach(struct tmpfs_node *dn, struct tmpfs_dirent *de, struct tmpfs_node *tn)
{
	de->td_node = tn;
	de->td_cookie = dn->tn_u.dir.nextcookie++;
	de->td_next = NULL;
	de->td_prev = dn->tn_u.dir.tail;
	if (dn->tn_u.dir.tail != NULL)
		dn->tn_u.dir.tail->td_next = de;
	else
		dn->tn_u.dir.head = de;
	dn->tn_u.dir.tail = de;
	dn->tn_u.dir.count++;
	if (dn->tn_u.dir.hash != NULL) {
		uint32_t b = de->td_hash & (dn->tn_u.dir.nbuckets - 1);
		de->td_hnext = dn->tn_u.dir.hash[b];
		dn->tn_u.dir.hash[b] = de;
	}
	if ((dn->tn_u.dir.hash == NULL && dn->tn_u.dir.count > TMPFS_DIR_LINEAR) ||
	    (dn->tn_u.dir.hash != NULL && dn->tn_u.dir.count > 2 * dn->tn_u.dir.nbuckets))
		tmpfs_dir_rehash(dn);
	vfs_now(tn_kern(dn), &dn->tn_mtime);
	dn->tn_ctime = dn->tn_mtime;
}

static void
tmpfs_dir_detach(struct tmpfs_node *dn, struct tmpfs_dirent *de)
{
	if (de->td_prev != NULL)
		de->td_prev->td_next = de->td_next;
	else
		dn->tn_u.dir.head = de->td_next;
	if (de->td_next != NULL)
		de->td_next->td_prev = de->td_prev;
	else
		dn->tn_u.dir.tail = de->td_prev;
	if (dn->tn_u.dir.hash != NULL) {
		struct tmpfs_dirent **pp = &dn->tn_u.dir.hash[de->td_hash & (dn->tn_u.dir.nbuckets - 1)];
		while (*pp != de)
			pp = &(*pp)->td_hnext;
		*pp = de->td_hnext;
	}
	dn->tn_u.dir.count--;
	vfs_now(tn_kern(dn), &dn->tn_mtime);
	dn->tn_ctime = dn->tn_mtime;
}

/* ---------------------------------------------------------------- vnode ops */

static int
tmpfs_lookup(struct vnode *dvp, const char *name, size_t len, struct vnode **vpp)
{
	struct tmpfs_node *dn = VTOTN(dvp), *tn;
	struct tmpfs_dirent *de;

	if (dvp->v_type != VDIR)
		return ENOTDIR;
	if (len == 1 && name[0] == '.')
		tn = dn;
	else if (len == 2 && name[0] == '.' && name[1] == '.')
		tn = dn->tn_u.dir.parent;
	else if ((de = tmpfs_dir_lookup(dn, name, len)) != NULL)
		tn = de->td_node;
	else
		return ENOENT;
	if (dn->tn_nlink == 0)
		return ENOENT;		/* a removed directory has no entries, not even .. */
	vref(TNTOV(tn));
	*vpp = TNTOV(tn);
	return 0;
}

static int
tmpfs_create(struct vnode *dvp, const char *name, size_t len, const struct vattr *va,
    const char *target, struct vnode **vpp)
{
	struct tmpfs_node *dn = VTOTN(dvp), *tn;
	struct tmpfs_mount *tm = dn->tn_tmp;
	struct tmpfs_dirent *de;
	struct kern *k = tm->tm_kern;
	int error;

	if (dn->tn_nlink == 0)
		return ENOENT;
	if (tmpfs_dir_lookup(dn, name, len) != NULL)
		return EEXIST;
	if (va->va_type == VDIR && dn->tn_nlink >= LINK_MAX)
		return EMLINK;
	if ((de = tmpfs_dirent_alloc(dn, name, len)) == NULL)
		return ENOSPC;
	if ((error = tmpfs_node_alloc(tm, va->va_type, va->va_mode, va->va_uid, va->va_gid,
	    &tn)) != 0) {
		kmem_free(k, de, sizeof(*de) + len);
		return error;
	}
	switch (va->va_type) {
	case VDIR:
		tn->tn_u.dir.parent = dn;
		tn->tn_u.dir.nextcookie = 2;
		tn->tn_nlink = 2;
		dn->tn_nlink++;
		break;
	case VLNK:
		tn->tn_u.lnk.len = strlen(target);
		if ((tn->tn_u.lnk.target = kmem_alloc(k, tn->tn_u.lnk.len + 1)) == NULL) {
			tmpfs_node_free(tn);
			kmem_free(k, de, sizeof(*de) + len);
			return ENOSPC;
		}
		memcpy(tn->tn_u.lnk.target, target, tn->tn_u.lnk.len + 1);
		tn->tn_size = (nb_off_t)tn->tn_u.lnk.len;
		tn->tn_nlink = 1;
		break;
	case VCHR:
	case VBLK:
		tn->tn_rdev = va->va_rdev;
		tn->tn_nlink = 1;
		break;
	default:
		tn->tn_nlink = 1;
	}
	tmpfs_dir_attach(dn, de, tn);
	vref(TNTOV(tn));
	*vpp = TNTOV(tn);
	return 0;
}

static int
tmpfs_remove(struct vnode *dvp, struct vnode *vp, const char *name, size_t len)
{
	struct tmpfs_node *dn = VTOTN(dvp), *tn = VTOTN(vp);
	struct tmpfs_dirent *de = tmpfs_dir_lookup(dn, name, len);

	if (de == NULL || de->td_node != tn)
		return ENOENT;
	if (vp->v_type == VDIR) {
		if (tn->tn_u.dir.count != 0)
			return ENOTEMPTY;
		tn->tn_nlink = 0;
		dn->tn_nlink--;
	} else
		tn->tn_nlink--;
	tmpfs_dir_detach(dn, de);
	kmem_free(tn_kern(dn), de, sizeof(*de) + de->td_namelen);
	vfs_now(tn_kern(tn), &tn->tn_ctime);
	return 0;
}

static int
tmpfs_link(struct vnode *dvp, struct vnode *vp, const char *name, size_t len)
{
	struct tmpfs_node *dn = VTOTN(dvp), *tn = VTOTN(vp);
	struct tmpfs_dirent *de;

	if (dn->tn_nlink == 0)
		return ENOENT;
	if (tn->tn_nlink >= LINK_MAX)
		return EMLINK;
	if (tn->tn_nlink == 0)
		return ENOENT;
	if (tmpfs_dir_lookup(dn, name, len) != NULL)
		return EEXIST;
	if ((de = tmpfs_dirent_alloc(dn, name, len)) == NULL)
		return ENOSPC;
	tn->tn_nlink++;
	tmpfs_dir_attach(dn, de, tn);
	vfs_now(tn_kern(tn), &tn->tn_ctime);
	return 0;
}

static int
tmpfs_rename(struct vnode *fdvp, struct vnode *fvp, const char *fname, size_t flen,
    struct vnode *tdvp, struct vnode *tvp, const char *tname, size_t tlen)
{
	struct tmpfs_node *fdn = VTOTN(fdvp), *fn = VTOTN(fvp), *tdn = VTOTN(tdvp);
	struct tmpfs_dirent *fde = tmpfs_dir_lookup(fdn, fname, flen), *nde;
	int error;

	if (fde == NULL || fde->td_node != fn)
		return ENOENT;
	if (tdn->tn_nlink == 0)
		return ENOENT;
	if (tvp != NULL && tvp->v_type == VDIR && VTOTN(tvp)->tn_u.dir.count != 0)
		return ENOTEMPTY;
	if (tvp == NULL && fvp->v_type == VDIR && fdn != tdn && tdn->tn_nlink >= LINK_MAX)
		return EMLINK;
	if ((nde = tmpfs_dirent_alloc(tdn, tname, tlen)) == NULL)
		return ENOSPC;
	if (tvp != NULL && (error = tmpfs_remove(tdvp, tvp, tname, tlen)) != 0) {
		kmem_free(tn_kern(tdn), nde, sizeof(*nde) + tlen);
		return error;
	}
	tmpfs_dir_detach(fdn, fde);
	kmem_free(tn_kern(fdn), fde, sizeof(*fde) + fde->td_namelen);
	tmpfs_dir_attach(tdn, nde, fn);
	if (fvp->v_type == VDIR && fdn != tdn) {
		fn->tn_u.dir.parent = tdn;
		fdn->tn_nlink--;
		tdn->tn_nlink++;
	}
	vfs_now(tn_kern(fn), &fn->tn_ctime);
	return 0;
}

static int
tmpfs_page_find(struct tmpfs_node *tn, uint64_t idx, size_t *posp)
{
	size_t lo = 0, hi = tn->tn_u.reg.npages;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (tn->tn_u.reg.pages[mid].idx < idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	*posp = lo;
	return lo < tn->tn_u.reg.npages && tn->tn_u.reg.pages[lo].idx == idx;
}

/* Memory tmpfs leaves to the rest of a kernel with a memory limit, as NetBSD's
 * TMPFS_PAGES_MINRESERVED (4 MiB) keeps tmpfs from taking the last free pages: a full
 * tmpfs must not starve the network stack or the next syscall.  A quarter of the limit
 * for limits under 16 MiB. */
static uint64_t
tmpfs_mem_reserve(struct kern *k)
{
	uint64_t r = 4ULL << 20;

	if (k->k_mem_limit / 4 < r)
		r = k->k_mem_limit / 4;
	return r;
}

/* Room for one more page under the kernel's memory limit and the reserve. */
static bool
tmpfs_mem_room(struct kern *k)
{
	size_t used;

	if (k->k_mem_limit == 0)
		return true;
	used = kmem_used(k);
	return used + TMPFS_PAGE + tmpfs_mem_reserve(k) <= k->k_mem_limit;
}

static char *
tmpfs_page_get(struct tmpfs_node *tn, uint64_t idx, int *errorp)
{
	struct tmpfs_mount *tm = tn->tn_tmp;
	struct kern *k = tm->tm_kern;
	size_t pos;
	char *data;

	if (tmpfs_page_find(tn, idx, &pos))
		return tn->tn_u.reg.pages[pos].data;
	*errorp = ENOSPC;
	/* reserve the page first: writers to other nodes may run at once (vn_lock_data) */
	if (tmpfs_bytes_add(tm, TMPFS_PAGE) > tm->tm_size_max || !tmpfs_mem_room(k))
		goto fail;
	if (tn->tn_u.reg.npages == tn->tn_u.reg.cap) {
		size_t ncap = tn->tn_u.reg.cap ? tn->tn_u.reg.cap * 2 : 4;
		struct tmpfs_page *np = kmem_alloc(k, ncap * sizeof(*np));
		if (np == NULL)
			goto fail;
		if (tn->tn_u.reg.pages != NULL) {
			memcpy(np, tn->tn_u.reg.pages, tn->tn_u.reg.npages * sizeof(*np));
			kmem_free(k, tn->tn_u.reg.pages, tn->tn_u.reg.cap * sizeof(*np));
		}
		tn->tn_u.reg.pages = np;
		tn->tn_u.reg.cap = ncap;
	}
	if ((data = kmem_zalloc(k, TMPFS_PAGE)) == NULL)
		goto fail;
	memmove(&tn->tn_u.reg.pages[pos + 1], &tn->tn_u.reg.pages[pos],
	    (tn->tn_u.reg.npages - pos) * sizeof(struct tmpfs_page));
	tn->tn_u.reg.pages[pos].idx = idx;
	tn->tn_u.reg.pages[pos].data = data;
	tn->tn_u.reg.npages++;
	return data;
fail:
	(void)tmpfs_bytes_add(tm, -(int64_t)TMPFS_PAGE);
	return NULL;
}

static int
tmpfs_read(struct vnode *vp, struct uio *uio, int ioflag)
{
	static const char zeros[TMPFS_PAGE];
	struct tmpfs_node *tn = VTOTN(vp);
	int error = 0;

	(void)ioflag;
	if (vp->v_type == VDIR)
		return EISDIR;
	if (vp->v_type != VREG)
		return EOPNOTSUPP;
	if (uio->uio_offset < 0)
		return EINVAL;
	while (uio->uio_resid > 0 && uio->uio_offset < tn->tn_size) {
		uint64_t off = (uint64_t)uio->uio_offset, idx = off / TMPFS_PAGE;
		size_t in = off % TMPFS_PAGE, n = TMPFS_PAGE - in, pos;
		const char *src = zeros;

		if ((nb_off_t)n > tn->tn_size - uio->uio_offset)
			n = (size_t)(tn->tn_size - uio->uio_offset);
		if (tmpfs_page_find(tn, idx, &pos))
			src = tn->tn_u.reg.pages[pos].data + in;
		if ((error = uiomove((void *)(uintptr_t)src, n, uio)) != 0)
			break;
	}
	vfs_now(tn_kern(tn), &tn->tn_atime);
	return error;
}

static int
tmpfs_write(struct vnode *vp, struct uio *uio, int ioflag)
{
	struct tmpfs_node *tn = VTOTN(vp);
	size_t start = uio->uio_resid;
	int error = 0;

	if (vp->v_type != VREG)
		return vp->v_type == VDIR ? EISDIR : EOPNOTSUPP;
	if (ioflag & IO_APPEND)
		uio->uio_offset = tn->tn_size;
	if (uio->uio_offset < 0)
		return EINVAL;
	if (uio->uio_resid == 0)
		return 0;
	if (uio->uio_offset >= TMPFS_MAXFILESIZE ||
	    uio->uio_resid > (size_t)(TMPFS_MAXFILESIZE - uio->uio_offset))
		return EFBIG;
	while (uio->uio_resid > 0) {
		uint64_t off = (uint64_t)uio->uio_offset, idx = off / TMPFS_PAGE;
		size_t in = off % TMPFS_PAGE, n = TMPFS_PAGE - in;
		char *page = tmpfs_page_get(tn, idx, &error);

		if (page == NULL)
			break;
		error = 0;
		if ((error = uiomove(page + in, n, uio)) != 0)
			break;
		if (uio->uio_offset > tn->tn_size)
			tn->tn_size = uio->uio_offset;
	}
	if (uio->uio_resid != start) {
		error = 0;	/* a short write reports what it wrote */
		vfs_now(tn_kern(tn), &tn->tn_mtime);
		tn->tn_ctime = tn->tn_mtime;
	}
	return error;
}

static int
tmpfs_getattr(struct vnode *vp, struct vattr *va)
{
	struct tmpfs_node *tn = VTOTN(vp);

	memset(va, 0, sizeof(*va));
	va->va_type = vp->v_type;
	va->va_mode = tn->tn_mode;
	va->va_uid = tn->tn_uid;
	va->va_gid = tn->tn_gid;
	va->va_nlink = tn->tn_nlink;
	va->va_fileid = tn->tn_ino;
	va->va_fsid = vp->v_mount->mnt_fsid;
	va->va_rdev = tn->tn_rdev;
	va->va_size = vp->v_type == VDIR ?
	    (nb_off_t)(tn->tn_u.dir.count + 2) * 32 : tn->tn_size;
	va->va_bytes = vp->v_type == VREG ? (uint64_t)tn->tn_u.reg.npages * TMPFS_PAGE :
	    (uint64_t)va->va_size;
	va->va_atime = tn->tn_atime;
	va->va_mtime = tn->tn_mtime;
	va->va_ctime = tn->tn_ctime;
	va->va_birthtime = tn->tn_birthtime;
	va->va_flags = tn->tn_flags;
	va->va_gen = tn->tn_gen;
	return 0;
}

static int
tmpfs_setattr(struct vnode *vp, const struct vattr *va, int mask)
{
	struct tmpfs_node *tn = VTOTN(vp);

	if (mask & VA_SIZE) {
		if (vp->v_type == VDIR)
			return EISDIR;
		if (vp->v_type != VREG)
			return EINVAL;
		if (va->va_size < 0)
			return EINVAL;
		if (va->va_size > TMPFS_MAXFILESIZE)
			return EFBIG;
		if (va->va_size < tn->tn_size)
			tmpfs_reg_truncate_pages(tn, va->va_size);
		if (va->va_size != tn->tn_size) {
			tn->tn_size = va->va_size;
			vfs_now(tn_kern(tn), &tn->tn_mtime);
		}
	}
	if (mask & VA_MODE)
		tn->tn_mode = va->va_mode & 07777;
	if (mask & VA_UID)
		tn->tn_uid = va->va_uid;
	if (mask & VA_GID)
		tn->tn_gid = va->va_gid;
	if (mask & VA_ATIME)
		tn->tn_atime = va->va_atime;
	if (mask & VA_MTIME)
		tn->tn_mtime = va->va_mtime;
	if (mask & VA_FLAGS)
		tn->tn_flags = va->va_flags;
	vfs_now(tn_kern(tn), &tn->tn_ctime);
	return 0;
}

static uint8_t
tmpfs_dtype(enum vtype t)
{
	switch (t) {
	case VREG: return DT_REG;
	case VDIR: return DT_DIR;
	case VLNK: return DT_LNK;
	case VFIFO: return DT_FIFO;
	case VCHR: return DT_CHR;
	case VBLK: return DT_BLK;
	case VSOCK: return DT_SOCK;
	default: return DT_UNKNOWN;
	}
}

static int
tmpfs_readdir(struct vnode *vp, struct uio *uio, nb_off_t *offp)
{
	struct tmpfs_node *dn = VTOTN(vp);
	struct tmpfs_dirent *de;
	size_t start = uio->uio_resid;
	bool full = false;
	int error = 0;

	if (vp->v_type != VDIR)
		return ENOTDIR;
	if (*offp < 0)
		return EINVAL;
	if (dn->tn_nlink == 0)
		return 0;	/* removed: empty */
	if (*offp == 0) {
		if ((error = vfs_dirent_emit(uio, dn->tn_ino, ".", 1, DT_DIR, &full)) != 0 || full)
			goto out;
		*offp = 1;
	}
	if (*offp == 1) {
		if ((error = vfs_dirent_emit(uio, dn->tn_u.dir.parent->tn_ino, "..", 2, DT_DIR,
		    &full)) != 0 || full)
			goto out;
		*offp = 2;
	}
	for (de = dn->tn_u.dir.head; de != NULL; de = de->td_next) {
		if (de->td_cookie < (uint64_t)*offp)
			continue;
		if ((error = vfs_dirent_emit(uio, de->td_node->tn_ino, de->td_name, de->td_namelen,
		    tmpfs_dtype(TNTOV(de->td_node)->v_type), &full)) != 0 || full)
			goto out;
		*offp = (nb_off_t)de->td_cookie + 1;
	}
	*offp = (nb_off_t)dn->tn_u.dir.nextcookie;
out:
	if (full && uio->uio_resid == start)
		return EINVAL;	/* the buffer cannot hold one entry */
	vfs_now(tn_kern(dn), &dn->tn_atime);
	return error;
}

static int
tmpfs_readlink(struct vnode *vp, struct uio *uio)
{
	struct tmpfs_node *tn = VTOTN(vp);
	size_t n = tn->tn_u.lnk.len;

	if (vp->v_type != VLNK)
		return EINVAL;
	if (n > uio->uio_resid)
		n = uio->uio_resid;
	return uiomove(tn->tn_u.lnk.target, n, uio);
}

static int
tmpfs_getname(struct vnode *dvp, struct vnode *vp, char *buf, size_t *lenp)
{
	struct tmpfs_node *dn = VTOTN(dvp);
	struct tmpfs_dirent *de;

	if (dvp->v_type != VDIR)
		return ENOTDIR;
	for (de = dn->tn_u.dir.head; de != NULL; de = de->td_next)
		if (TNTOV(de->td_node) == vp) {
			memcpy(buf, de->td_name, de->td_namelen);
			*lenp = de->td_namelen;
			return 0;
		}
	return ENOENT;
}

static void
tmpfs_inactive(struct vnode *vp)
{
	struct tmpfs_node *tn = VTOTN(vp);

	if (tn->tn_nlink == 0)
		tmpfs_node_free(tn);
}

static const struct vnodeops tmpfs_vnodeops = {
	.vop_flags = VOP_MPSAFE,
	.vop_lookup = tmpfs_lookup,
	.vop_create = tmpfs_create,
	.vop_remove = tmpfs_remove,
	.vop_link = tmpfs_link,
	.vop_rename = tmpfs_rename,
	.vop_read = tmpfs_read,
	.vop_write = tmpfs_write,
	.vop_getattr = tmpfs_getattr,
	.vop_setattr = tmpfs_setattr,
	.vop_readdir = tmpfs_readdir,
	.vop_readlink = tmpfs_readlink,
	.vop_getname = tmpfs_getname,
	.vop_inactive = tmpfs_inactive,
};

/* ---------------------------------------------------------------- dead vnodes */

static int dead_lookup(struct vnode *dvp, const char *n, size_t l, struct vnode **vpp)
{ (void)dvp; (void)n; (void)l; (void)vpp; return ENOENT; }
static int dead_create(struct vnode *dvp, const char *n, size_t l, const struct vattr *va,
    const char *t, struct vnode **vpp)
{ (void)dvp; (void)n; (void)l; (void)va; (void)t; (void)vpp; return ENOENT; }
static int dead_remove(struct vnode *dvp, struct vnode *vp, const char *n, size_t l)
{ (void)dvp; (void)vp; (void)n; (void)l; return ENOENT; }
static int dead_rename(struct vnode *a, struct vnode *b, const char *c, size_t d,
    struct vnode *e, struct vnode *f, const char *g, size_t h)
{ (void)a; (void)b; (void)c; (void)d; (void)e; (void)f; (void)g; (void)h; return ENOENT; }
static int dead_rw(struct vnode *vp, struct uio *uio, int ioflag)
{ (void)vp; (void)uio; (void)ioflag; return EIO; }
static int dead_getattr(struct vnode *vp, struct vattr *va)
{ (void)vp; (void)va; return EIO; }
static int dead_setattr(struct vnode *vp, const struct vattr *va, int mask)
{ (void)vp; (void)va; (void)mask; return EIO; }
static int dead_readdir(struct vnode *vp, struct uio *uio, nb_off_t *offp)
{ (void)vp; (void)uio; (void)offp; return EIO; }
static int dead_readlink(struct vnode *vp, struct uio *uio)
{ (void)vp; (void)uio; return EIO; }
static int dead_getname(struct vnode *dvp, struct vnode *vp, char *buf, size_t *lenp)
{ (void)dvp; (void)vp; (void)buf; (void)lenp; return ENOENT; }

static void
dead_inactive(struct vnode *vp)
{
	struct tmpfs_node *tn = VTOTN(vp);
	struct kern *k = tn->tn_kern;

	kmem_free(k, tn, sizeof(*tn));
}

static const struct vnodeops tmpfs_deadops = {
	.vop_lookup = dead_lookup,
	.vop_create = dead_create,
	.vop_remove = dead_remove,
	.vop_link = dead_remove,
	.vop_rename = dead_rename,
	.vop_read = dead_rw,
	.vop_write = dead_rw,
	.vop_getattr = dead_getattr,
	.vop_setattr = dead_setattr,
	.vop_readdir = dead_readdir,
	.vop_readlink = dead_readlink,
	.vop_getname = dead_getname,
	.vop_inactive = dead_inactive,
};

/* A node in use at a forced unmount: contents go, the node waits for its last user. */
static void
tmpfs_revoke(struct tmpfs_node *tn)
{
	struct tmpfs_mount *tm = tn->tn_tmp;

	tmpfs_node_clear(tn);
	tm->tm_nodes_cnt--;
	tn->tn_vnode.v_op = &tmpfs_deadops;
	tn->tn_vnode.v_mount = NULL;
	tn->tn_vnode.v_flag &= ~VV_ROOT;
	tn->tn_tmp = NULL;
}

/* ---------------------------------------------------------------- mounts */

static int
tmpfs_mount_common(struct mount *mp, const struct tmpfs_args_nb *args)
{
	struct kern *k = mp->mnt_kern;
	struct tmpfs_mount *tm;
	struct tmpfs_node *root;
	int error;

	if ((tm = kmem_zalloc(k, sizeof(*tm))) == NULL)
		return ENOMEM;
	tm->tm_mount = mp;
	tm->tm_kern = k;
	tm->tm_nextino = 2;
	tm->tm_nodes_max = (args && args->ta_nodes_max) ? args->ta_nodes_max : UINT64_MAX;
	tm->tm_size_max = (args && args->ta_size_max > 0) ?
	    ((uint64_t)args->ta_size_max + TMPFS_PAGE - 1) / TMPFS_PAGE * TMPFS_PAGE : UINT64_MAX;
	mp->mnt_data = tm;
	if ((error = tmpfs_node_alloc(tm, VDIR, args ? args->ta_root_mode & 07777 : 0755,
	    args ? args->ta_root_uid : 0, args ? args->ta_root_gid : 0, &root)) != 0) {
		kmem_free(k, tm, sizeof(*tm));
		mp->mnt_data = NULL;
		return error;
	}
	root->tn_u.dir.parent = root;
	root->tn_u.dir.nextcookie = 2;
	root->tn_nlink = 2;
	root->tn_vnode.v_flag |= VV_ROOT;
	vref(TNTOV(root));
	mp->mnt_root = TNTOV(root);
	return 0;
}

static int
tmpfs_vfs_mount(struct mount *mp, const void *data, size_t len)
{
	struct tmpfs_args_nb args;

	if (data == NULL || len < sizeof(args))
		return EINVAL;
	memcpy(&args, data, sizeof(args));
	if (args.ta_version != TMPFS_ARGS_VERSION)
		return EINVAL;
	if (args.ta_size_max < 0)
		return EINVAL;
	return tmpfs_mount_common(mp, &args);
}

static int
rumpfs_vfs_mount(struct mount *mp, const void *data, size_t len)
{
	(void)data;
	(void)len;
	return tmpfs_mount_common(mp, NULL);
}

static void
tmpfs_vfs_unmount(struct mount *mp)
{
	struct tmpfs_mount *tm = mp->mnt_data;
	struct kern *k = tm->tm_kern;
	struct tmpfs_node *tn, *next;

	for (tn = tm->tm_nodes; tn != NULL; tn = next) {
		next = tn->tn_next;
		if (tn->tn_vnode.v_usecount > 0)
			tmpfs_revoke(tn);
		else {
			tmpfs_node_clear(tn);
			kmem_free(k, tn, sizeof(*tn));
		}
	}
	kmem_free(k, tm, sizeof(*tm));
	mp->mnt_data = NULL;
}

static void
tmpfs_vfs_statvfs(struct mount *mp, struct statvfs_nb *sb)
{
	struct tmpfs_mount *tm = mp->mnt_data;
	struct kern *k = tm->tm_kern;
	uint64_t total, avail;

	sb->f_bsize = sb->f_frsize = sb->f_iosize = TMPFS_PAGE;
	if (tm->tm_size_max != UINT64_MAX)
		total = tm->tm_size_max / TMPFS_PAGE;
	else if (k->k_mem_limit != 0)
		total = k->k_mem_limit / TMPFS_PAGE;
	else
		total = ((uint64_t)1 << 40) / TMPFS_PAGE;
	avail = total > tm->tm_bytes / TMPFS_PAGE ? total - tm->tm_bytes / TMPFS_PAGE : 0;
	if (k->k_mem_limit != 0) {
		size_t used = kmem_used(k) + tmpfs_mem_reserve(k);
		uint64_t kfree = used < k->k_mem_limit ? (k->k_mem_limit - used) / TMPFS_PAGE : 0;
		if (kfree < avail)
			avail = kfree;
	}
	sb->f_blocks = total;
	sb->f_bfree = sb->f_bavail = avail;
	sb->f_files = tm->tm_nodes_max == UINT64_MAX ? (uint64_t)1 << 32 : tm->tm_nodes_max;
	sb->f_ffree = sb->f_favail = sb->f_files > tm->tm_nodes_cnt ?
	    sb->f_files - tm->tm_nodes_cnt : 0;
	sb->f_namemax = NAME_MAX;
}

const struct vfsops tmpfs_vfsops = {
	.vfs_name = "tmpfs",
	.vfs_comp = COMP_FS_TMPFS,
	.vfs_mount = tmpfs_vfs_mount,
	.vfs_unmount = tmpfs_vfs_unmount,
	.vfs_statvfs = tmpfs_vfs_statvfs,
};

/* The root file system: tmpfs without arguments, not mountable by name. */
const struct vfsops rumpfs_vfsops = {
	.vfs_name = "rumpfs",
	.vfs_comp = -1,
	.vfs_mount = rumpfs_vfs_mount,
	.vfs_unmount = tmpfs_vfs_unmount,
	.vfs_statvfs = tmpfs_vfs_statvfs,
};

/* The fs.tmpfs component only makes "tmpfs" mountable: no per-kernel state. */
static const struct kern_component tmpfs_component = {
	.name = "fs.tmpfs", .id = COMP_FS_TMPFS, .deps = { "vfs", NULL },
};
KERN_COMPONENT(tmpfs_component);
