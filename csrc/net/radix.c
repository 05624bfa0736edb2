/*
 * radix.c: the path-compressed binary trie of radix.h (longest-prefix match).
 *
 * Insertion walks down while the node's prefix is a prefix of the new one; where they part
 * it puts the new node (when the new prefix is the shorter one) or a branching node at the
 * first differing bit above both.  Removal clears the entry and splices out nodes left
 * without an entry and with fewer than two children, so the tree never holds more than
 * 2 * entries - 1 nodes.
 */
#include "net/radix.h"

static inline int
rn_bit(const uint8_t *key, int i)
{
	return (key[i >> 3] >> (7 - (i & 7))) & 1;
}

/* Number of leading bits a and b share, at most maxbits. */
static inline int
rn_common(const uint8_t *a, const uint8_t *b, int maxbits)
{
	int i, n = (maxbits + 7) >> 3;

	for (i = 0; i < n; i++) {
		unsigned x = (unsigned)(a[i] ^ b[i]);
		if (x != 0) {
			int c = i * 8 + __builtin_clz(x) - 24;
			return c < maxbits ? c : maxbits;
		}
	}
	return maxbits;
}

static void
rn_setkey(uint8_t *dst, const uint8_t *key, int plen)
{
	int full = plen >> 3;

	memset(dst, 0, RADIX_MAXKEY);
	memcpy(dst, key, (size_t)full);
	if (plen & 7)
		dst[full] = (uint8_t)(key[full] & (0xff << (8 - (plen & 7))));
}

static struct radix_node *
rn_alloc(struct radix_head *h, const uint8_t *key, int plen, void *entry)
{
	struct radix_node *n = kmem_zalloc(h->rh_kern, sizeof(*n));

	if (n == NULL)
		return NULL;
	rn_setkey(n->rn_key, key, plen);
	n->rn_plen = (uint16_t)plen;
	n->rn_entry = entry;
	h->rh_nodes++;
	return n;
}

static void
rn_free(struct radix_head *h, struct radix_node *n)
{
	h->rh_nodes--;
	kmem_free(h->rh_kern, n, sizeof(*n));
}

void
radix_init(struct radix_head *h, struct kern *k, int keybits)
{
	memset(h, 0, sizeof(*h));
	h->rh_kern = k;
	h->rh_keybits = keybits;
}

static void
rn_freeall(struct radix_head *h, struct radix_node *n)
{
	while (n != NULL) {
		struct radix_node *r = n->rn_child[1];
		rn_freeall(h, n->rn_child[0]);
		rn_free(h, n);
		n = r;
	}
}

void
radix_fini(struct radix_head *h)
{
	rn_freeall(h, h->rh_root);
	h->rh_root = NULL;
	h->rh_count = 0;
}

int
radix_insert(struct radix_head *h, const void *keyp, int plen, void *entry)
{
	const uint8_t *key = keyp;
	struct radix_node **pp = &h->rh_root, *parent = NULL, *n, *x, *b;
	int c;

	if (plen < 0 || plen > h->rh_keybits || entry == NULL)
		return EINVAL;
	while ((n = *pp) != NULL) {
		c = rn_common(n->rn_key, key, n->rn_plen < plen ? n->rn_plen : plen);
		if (c < n->rn_plen) {
			/* n is not under the new prefix's path: they part at bit c */
			if ((x = rn_alloc(h, key, plen, entry)) == NULL)
				return ENOMEM;
			if (c == plen) {
				/* the new prefix covers n */
				x->rn_child[rn_bit(n->rn_key, plen)] = n;
				x->rn_parent = parent;
				n->rn_parent = x;
				*pp = x;
			} else {
				if ((b = rn_alloc(h, key, c, NULL)) == NULL) {
					rn_free(h, x);
					return ENOMEM;
				}
				b->rn_child[rn_bit(key, c)] = x;
				b->rn_child[rn_bit(n->rn_key, c)] = n;
				b->rn_parent = parent;
				x->rn_parent = b;
				n->rn_parent = b;
				*pp = b;
			}
			h->rh_count++;
			return 0;
		}
		if (n->rn_plen == plen) {
			if (n->rn_entry != NULL)
				return EEXIST;
			n->rn_entry = entry;
			h->rh_count++;
			return 0;
		}
		parent = n;
		pp = &n->rn_child[rn_bit(key, n->rn_plen)];
	}
	if ((x = rn_alloc(h, key, plen, entry)) == NULL)
		return ENOMEM;
	x->rn_parent = parent;
	*pp = x;
	h->rh_count++;
	return 0;
}

static struct radix_node *
rn_find(const struct radix_head *h, const uint8_t *key, int plen)
{
	struct radix_node *n = h->rh_root;

	if (plen < 0 || plen > h->rh_keybits)
		return NULL;
	while (n != NULL && n->rn_plen <= plen) {
		if (rn_common(n->rn_key, key, n->rn_plen) < n->rn_plen)
			return NULL;
		if (n->rn_plen == plen)
			return n;
		n = n->rn_child[rn_bit(key, n->rn_plen)];
	}
	return NULL;
}

void *
radix_exact(const struct radix_head *h, const void *key, int plen)
{
	struct radix_node *n = rn_find(h, key, plen);

	return n != NULL ? n->rn_entry : NULL;
}

/* Replaces n by its child c (maybe NULL) in n's parent and frees n. */
static void
rn_splice(struct radix_head *h, struct radix_node *n, struct radix_node *c)
{
	struct radix_node *p = n->rn_parent;

	if (c != NULL)
		c->rn_parent = p;
	if (p == NULL)
		h->rh_root = c;
	else
		p->rn_child[p->rn_child[1] == n] = c;
	rn_free(h, n);
}

void *
radix_remove(struct radix_head *h, const void *key, int plen)
{
	struct radix_node *n = rn_find(h, key, plen), *p;
	void *entry;

	if (n == NULL || n->rn_entry == NULL)
		return NULL;
	entry = n->rn_entry;
	n->rn_entry = NULL;
	h->rh_count--;
	/* splice out n while it neither holds an entry nor branches */
	while (n != NULL && n->rn_entry == NULL) {
		struct radix_node *c0 = n->rn_child[0], *c1 = n->rn_child[1];
		if (c0 != NULL && c1 != NULL)
			break;
		p = n->rn_parent;
		rn_splice(h, n, c0 != NULL ? c0 : c1);
		if (c0 != NULL || c1 != NULL)
			break;		/* the parent keeps as many children */
		n = p;
	}
	return entry;
}

/* Key words, most significant first, for the lookup's word-wide compares. */
static inline uint64_t
rn_be64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return __builtin_bswap64(v);
}

/* Do the first plen bits of (hi, lo) and of node n's key agree? */
static inline int
rn_prefix_eq(const struct radix_node *n, uint64_t hi, uint64_t lo)
{
	int plen = n->rn_plen;
	uint64_t x = rn_be64(n->rn_key) ^ hi;

	if (plen <= 64)
		return plen == 0 || (x >> (64 - plen)) == 0;
	if (x != 0)
		return 0;
	x = rn_be64(n->rn_key + 8) ^ lo;
	return plen == 128 ? x == 0 : (x >> (128 - plen)) == 0;
}

void *
radix_match(const struct radix_head *h, const void *keyp,
    int (*ok)(const void *entry, void *arg), void *arg)
{
	uint8_t key[RADIX_MAXKEY] = { 0 };
	const struct radix_node *n = h->rh_root;
	uint64_t hi, lo;
	void *best = NULL;

	memcpy(key, keyp, (size_t)h->rh_keybits / 8);
	hi = rn_be64(key), lo = rn_be64(key + 8);
	while (n != NULL) {
		int b = n->rn_plen;
		if (!rn_prefix_eq(n, hi, lo))
			break;
		if (n->rn_entry != NULL && (ok == NULL || ok(n->rn_entry, arg)))
			best = n->rn_entry;
		if (b >= h->rh_keybits)
			break;
		n = n->rn_child[b < 64 ? (hi >> (63 - b)) & 1 : (lo >> (127 - b)) & 1];
	}
	return best;
}

static int
rn_walk(const struct radix_node *n, int (*fn)(void *entry, void *arg), void *arg)
{
	int r;

	while (n != NULL) {
		if (n->rn_entry != NULL && (r = fn(n->rn_entry, arg)) != 0)
			return r;
		if ((r = rn_walk(n->rn_child[0], fn, arg)) != 0)
			return r;
		n = n->rn_child[1];
	}
	return 0;
}

int
radix_walk(const struct radix_head *h, int (*fn)(void *entry, void *arg), void *arg)
{
	return rn_walk(h->rh_root, fn, arg);
}

static int
rn_check(const struct radix_head *h, const struct radix_node *n,
    const struct radix_node *parent, unsigned *entries, unsigned *nodes)
{
	uint8_t k[RADIX_MAXKEY];
	int i;

	if (n == NULL)
		return 0;
	if (n->rn_parent != parent || n->rn_plen > h->rh_keybits)
		return EINVAL;
	rn_setkey(k, n->rn_key, n->rn_plen);
	if (memcmp(k, n->rn_key, RADIX_MAXKEY) != 0)
		return EINVAL;
	if (parent != NULL && (n->rn_plen <= parent->rn_plen ||
	    rn_common(n->rn_key, parent->rn_key, parent->rn_plen) < parent->rn_plen ||
	    parent->rn_child[rn_bit(n->rn_key, parent->rn_plen)] != n))
		return EINVAL;
	if (n->rn_entry == NULL && (n->rn_child[0] == NULL || n->rn_child[1] == NULL))
		return EINVAL;
	(*nodes)++;
	if (n->rn_entry != NULL)
		(*entries)++;
	for (i = 0; i < 2; i++)
		if (rn_check(h, n->rn_child[i], n, entries, nodes) != 0)
			return EINVAL;
	return 0;
}

int
radix_check(const struct radix_head *h)
{
	unsigned entries = 0, nodes = 0;

	if (rn_check(h, h->rh_root, NULL, &entries, &nodes) != 0)
		return EINVAL;
	return entries == h->rh_count && nodes == h->rh_nodes ? 0 : EINVAL;
}
