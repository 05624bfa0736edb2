/*
 * unp_gc.c: collection of descriptor-passing cycles, as NetBSD's unp_gc.
 *
 * A file sent with SCM_RIGHTS and not yet received is "in flight": a reference held by a
 * record's control data in some socket buffer.  A socket whose only references are in
 * flight in its own buffer (or in the buffers of other such sockets) can never be
 * received again: a cycle.  Reference counts alone never free it; this mark & sweep does.
 *
 *   1. Every in-flight file is counted with the number of its in-flight references.
 *   2. Roots: a file with more references than that (a descriptor, a syscall holding it,
 *      control data being received outside the lock), and every socket that is not in
 *      flight at all (open through a descriptor, or queued on a listening socket): what
 *      its buffers hold is reachable.
 *   3. Marking follows sockets: the files in a reachable socket's buffers are reachable;
 *      a reachable file that is a socket makes that socket reachable.
 *   4. Sweep: an unmarked in-flight socket is garbage.  Its buffers' control data is
 *      dropped (deferred to net_unlock, which releases the files without the lock), so
 *      the references of the cycle go and the sockets close as usual.
 *
 * Runs with the net lock held for the marking, so no reference can move between a
 * buffer and a descriptor meanwhile (receiving takes the lock).  A reference being
 * dropped by the caller (fo_fdclose: the descriptor is gone, its reference goes right
 * after) is discounted through `excl`.  One collection per kernel at a time: a
 * collection started while one runs (files released by the sweep close sockets, which
 * ask again) is folded into another pass of the running one.
 */
#include "net/net.h"

struct gcent {
	struct file *fp;	/* NULL: free slot */
	int inflight;		/* references in socket buffers */
	bool marked, scanned;
};

struct gctab {
	struct gcent *e;
	size_t size;		/* a power of two */
};

static struct gcent *
gc_find(struct gctab *t, struct file *fp, bool add)
{
	size_t h = ((uintptr_t)fp >> 4) * 0x9e3779b97f4a7c15ULL, i;

	for (i = h & (t->size - 1);; i = (i + 1) & (t->size - 1)) {
		if (t->e[i].fp == fp)
			return &t->e[i];
		if (t->e[i].fp == NULL) {
			if (!add)
				return NULL;
			t->e[i].fp = fp;
			return &t->e[i];
		}
	}
}

/* Calls fn for every file in flight in so's buffers. */
static void
gc_each(struct socket *so, void (*fn)(struct file *, void *), void *arg)
{
	struct sockbuf *sbs[2] = { &so->so_rcv, &so->so_snd };
	struct sbrec *r;
	int i, j;

	for (i = 0; i < 2; i++)
		for (r = sbs[i]->sb_head; r != NULL; r = r->r_next)
			if (r->r_ctl != NULL)
				for (j = 0; j < r->r_ctl->sc_nfiles; j++)
					if (r->r_ctl->sc_files[j] != NULL)
						fn(r->r_ctl->sc_files[j], arg);
}

static void count_fn(struct file *fp, void *arg) { (void)fp; (*(size_t *)arg)++; }
static void add_fn(struct file *fp, void *arg) { gc_find(arg, fp, true)->inflight++; }

struct markarg {
	struct gctab *t;
	struct gcent **stack;
	size_t *sp;
};

static void
mark_fn(struct file *fp, void *arg)
{
	struct markarg *m = arg;
	struct gcent *e = gc_find(m->t, fp, false);

	if (e != NULL && !e->marked) {
		e->marked = true;
		m->stack[(*m->sp)++] = e;
	}
}

static struct socket *
gc_socket(struct file *fp)
{
	return fp->f_type == DTYPE_SOCKET && fp->f_ops == &socketops ? fp->f_data : NULL;
}

/* One mark & sweep; the net lock is held.  Returns whether garbage was found. */
static bool
gc_pass(struct kern *k, struct file *excl)
{
	struct net_state *ns = net_state(k);
	struct gctab t;
	struct gcent **stack, *e;
	struct socket *so;
	struct markarg m;
	size_t n = 0, i, sp = 0;
	bool found = false;

	for (so = ns->ns_socks; so != NULL; so = so->so_next)
		gc_each(so, count_fn, &n);
	if (n == 0)
		return false;
	for (t.size = 16; t.size < 2 * n; t.size *= 2)
		continue;
	t.e = kmem_zalloc(k, t.size * sizeof(*t.e));
	stack = kmem_alloc(k, n * sizeof(*stack));
	if (t.e == NULL || stack == NULL)
		goto out;		/* XXX: no memory, no collection this time */
	for (so = ns->ns_socks; so != NULL; so = so->so_next)
		gc_each(so, add_fn, &t);
	m.t = &t, m.stack = stack, m.sp = &sp;

	/* roots: files referenced from outside the buffers */
	for (i = 0; i < t.size; i++) {
		e = &t.e[i];
		if (e->fp == NULL)
			continue;
		if (atomic_load(&e->fp->f_count) - (e->fp == excl) > e->inflight) {
			e->marked = true;
			stack[sp++] = e;
		}
	}
	/* roots: sockets not in flight (each in-flight socket has one file in the table) */
	for (i = 0; i < t.size; i++)
		if (t.e[i].fp != NULL && (so = gc_socket(t.e[i].fp)) != NULL)
			so->so_gcflag = 1;
	for (so = ns->ns_socks; so != NULL; so = so->so_next)
		if (!so->so_gcflag)
			gc_each(so, mark_fn, &m);
	for (i = 0; i < t.size; i++)
		if (t.e[i].fp != NULL && (so = gc_socket(t.e[i].fp)) != NULL)
			so->so_gcflag = 0;
	/* propagate */
	while (sp > 0) {
		e = stack[--sp];
		if (e->scanned)
			continue;
		e->scanned = true;
		if ((so = gc_socket(e->fp)) != NULL)
			gc_each(so, mark_fn, &m);
	}
	/* sweep: drop what unreachable sockets hold */
	for (i = 0; i < t.size; i++) {
		struct sockbuf *sbs[2];
		struct sbrec *r;
		int j;

		e = &t.e[i];
		if (e->fp == NULL || e->marked || (so = gc_socket(e->fp)) == NULL)
			continue;
		sbs[0] = &so->so_rcv, sbs[1] = &so->so_snd;
		for (j = 0; j < 2; j++)
			for (r = sbs[j]->sb_head; r != NULL; r = r->r_next)
				if (r->r_ctl != NULL && r->r_ctl->sc_nfiles > 0) {
					net_defer_ctl(k, r->r_ctl);
					r->r_ctl = NULL;
					found = true;
				}
	}
	ns->ns_gc_collected += found;
out:
	if (t.e != NULL)
		kmem_free(k, t.e, t.size * sizeof(*t.e));
	if (stack != NULL)
		kmem_free(k, stack, n * sizeof(*stack));
	return found;
}

void
net_unp_gc(struct kern *k, struct file *excl)
{
	struct net_state *ns = net_state(k);
	bool again;

	if (ns == NULL)
		return;
	net_lock(k);
	if (ns->ns_gc_busy) {
		ns->ns_gc_again = true;
		net_unlock(k);
		return;
	}
	ns->ns_gc_busy = true;
	do {
		ns->ns_gc_again = false;
		again = gc_pass(k, excl);
		net_unlock(k);		/* releases the dropped files: sockets close */
		net_lock(k);
		again = again || ns->ns_gc_again;
	} while (again);
	ns->ns_gc_busy = false;
	net_unlock(k);
}
