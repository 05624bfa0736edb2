/*
 * radix.h: a path-compressed binary trie for longest-prefix match (the routing tables).
 *
 * Keys are byte strings of a fixed length per tree (4 bytes for IPv4, 16 for IPv6), most
 * significant bit first (network order as it stands).  Each node holds a prefix (key,
 * plen) and optionally an entry (a route); nodes without an entry only branch.  The
 * invariants (radix.c checks them in radix_check, which the tests call):
 *   - a child's prefix extends its parent's (plen larger, the first parent plen bits equal)
 *     and sits under child[bit plen of its key];
 *   - a node without an entry has two children (else it is spliced out);
 *   - key bits beyond plen are zero.
 * So a lookup walks at most keybits + 1 nodes, in practice about log2(routes) + a few, and
 * costs the same whatever else the table holds.  A tree is changed and read under the
 * lock of its owner (the kernel's network lock); it allocates its nodes from the kernel.
 */
#ifndef NET_RADIX_H
#define NET_RADIX_H

#include "kern/kern.h"

#define RADIX_MAXKEY	16		/* bytes: IPv6 */

struct radix_node {
	struct radix_node *rn_child[2];
	struct radix_node *rn_parent;
	void *rn_entry;			/* NULL: a branching node */
	uint16_t rn_plen;		/* bits */
	uint8_t rn_key[RADIX_MAXKEY];	/* zero beyond rn_plen */
};

struct radix_head {
	struct radix_node *rh_root;
	struct kern *rh_kern;
	int rh_keybits;			/* 32 or 128 (any multiple of 8 up to 128) */
	unsigned rh_count;		/* entries */
	unsigned rh_nodes;		/* nodes, entries included */
};

void radix_init(struct radix_head *h, struct kern *k, int keybits) KERN_HIDDEN;
/* Frees every node (not the entries: the caller owns those). */
void radix_fini(struct radix_head *h) KERN_HIDDEN;
/* Adds entry under (key, plen); bits of key beyond plen are ignored.  0, EEXIST (an entry
 * holds that prefix already), EINVAL (plen out of range, entry NULL) or ENOMEM. */
int  radix_insert(struct radix_head *h, const void *key, int plen, void *entry) KERN_HIDDEN;
/* Removes and returns the entry of exactly (key, plen), or NULL. */
void *radix_remove(struct radix_head *h, const void *key, int plen) KERN_HIDDEN;
/* The entry of exactly (key, plen), or NULL. */
void *radix_exact(const struct radix_head *h, const void *key, int plen) KERN_HIDDEN;
/* The entry with the longest prefix of key for which ok(entry, arg) is true (ok NULL:
 * any), or NULL. */
void *radix_match(const struct radix_head *h, const void *key,
    int (*ok)(const void *entry, void *arg), void *arg) KERN_HIDDEN;
/* Calls fn on every entry in key order, a shorter prefix before the longer ones it
 * covers (NetBSD's dump order), until fn returns non-zero (which radix_walk returns).
 * fn must not change the tree. */
int  radix_walk(const struct radix_head *h, int (*fn)(void *entry, void *arg), void *arg)
    KERN_HIDDEN;
/* Checks the invariants above; 0 or EINVAL (for tests). */
int  radix_check(const struct radix_head *h) KERN_HIDDEN;

#endif
