/*
 * sysctl.h: the sysctl tree, for components that add nodes.
 *
 * The tree is made of static node tables.  A component attaches subtrees under a parent
 * path with its `sysctl` field; the tree a kernel shows is the union of what its loaded
 * components attach, so net.inet can come from netinet and net.route from net.  A leaf
 * has a function that answers a request with the helpers below, which implement NetBSD's
 * rules (partial copies with ENOMEM, sizes reported through oldlenp, writes need root).
 * CTL_QUERY at any level lists the children as struct sysctlnode (96 bytes).
 *
 *	static int knob_fn(struct sysctl_req *r) {
 *		struct inet_state *st = kern_priv(r->l->l_kern, COMP_NET_NETINET);
 *		return sysctl_int(r, &st->forwarding, true, 0, 1);
 *	}
 *	static const struct sysctl_node ip_kids[] = {
 *		{ "forwarding", IPCTL_FORWARDING, CTLTYPE_INT, CTLFLAG_READWRITE, knob_fn, NULL, 4 },
 *		{ NULL } };
 *	static const struct sysctl_node inet_kids[] = {
 *		{ "ip", IPPROTO_IP, CTLTYPE_NODE, 0, NULL, ip_kids, 0 }, { NULL } };
 *	static const struct sysctl_attach netinet_sysctl[] = {
 *		{ { CTL_NET }, 1, { "inet", PF_INET, CTLTYPE_NODE, 0, NULL, inet_kids, 0 } },
 *		{ { 0 }, 0, { NULL } } };
 *	... .sysctl = netinet_sysctl in the component.
 */
#ifndef KERN_SYSCTL_H
#define KERN_SYSCTL_H

#include "kern/kern.h"

/* One request that reached a leaf. */
struct sysctl_req {
	struct lwp *l;
	const int *name;	/* name components after the leaf (usually none) */
	unsigned namelen;
	void *oldp;		/* user buffer for the old value, or NULL */
	size_t oldlen;		/* in: its size; out: the full size of the value */
	const void *newp;	/* user pointer to a new value, or NULL */
	size_t newlen;
};

struct sysctl_node {
	const char *name;	/* NULL ends a table */
	int num;
	unsigned type;		/* CTLTYPE_NODE, _INT, _STRING, _QUAD, _STRUCT, _BOOL */
	unsigned flags;		/* CTLFLAG_READONLY, CTLFLAG_READWRITE, ... (for CTL_QUERY) */
	int (*fn)(struct sysctl_req *r);	/* leaves */
	const struct sysctl_node *kids;	/* nodes: a table */
	size_t size;		/* the value's size, for CTL_QUERY */
};

struct sysctl_attach {
	int path[CTL_MAXNAME];	/* the parent's name: { CTL_NET } for net.*, none for a top */
	unsigned pathlen;
	struct sysctl_node node;	/* .name NULL ends the array */
};

/* Leaf helpers: 0 or an errno.  Writes are refused (EPERM) unless writable and root. */
int sysctl_copyold(struct sysctl_req *r, const void *data, size_t size);
int sysctl_int(struct sysctl_req *r, int *val, bool writable, int min, int max);
int sysctl_quad(struct sysctl_req *r, uint64_t *val, bool writable);
int sysctl_string(struct sysctl_req *r, char *buf, size_t bufsize, bool writable);
int sysctl_ro(struct sysctl_req *r, const void *data, size_t size);	/* read-only blob */

#endif
