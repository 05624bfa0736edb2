/*
 * bus.c: virtual Ethernet buses shared by the kernels of a process.
 *
 * The registry of buses by name is the only state kernels share.  It is guarded by one
 * host mutex (bus_reg_lock), taken only to find, create or drop a bus.  Each bus has a
 * read-write lock: sending a frame read-locks it (many senders at once), attaching and
 * detaching ports and changing a port's address write-lock it.  So once bus_detach
 * returns, no thread can still be delivering to that port.
 *
 * Lock order between buses.  Delivery is inline: a receiver's input runs on the sending
 * thread, inside the sender's read lock, and may send again (an ARP reply, a router
 * forwarding onto its other bus), so a thread may hold several bus locks at once, and a
 * router between buses A and B nests them as A then B for one direction and B then A for
 * the other.  With a writer waiting on each (a port attaching) two such threads could
 * wait for each other if the rwlock let a waiting writer hold back new readers.  So a
 * thread waits only for a bus above (by address) every bus it holds, one order for all
 * threads (bus_enter); any other bus, including one it holds already, it only tries to
 * read-lock, and when that fails (a writer holds it) the frame is copied onto the
 * thread's list of frames for later (bus_later_add), which the thread sends once it
 * holds no bus lock any more (bus_leave), still inside the send that caused it; while it
 * holds a frame for a bus, the thread's next frames for that bus go behind it (a link is
 * FIFO).  The copy keeps a reference on its bus and names its sender by the port's
 * address and attachment (bp_gen), only compared under the bus lock (bus_port_find): a
 * MAC change keeps it, a port gone since takes the frame with it.  Nothing waits in a
 * cycle, whatever the rwlock prefers.
 *
 * A bus switches.  Every port says its MAC address when it attaches (bp_mac) and the bus
 * keeps the ports in a hash table keyed by it (b_hash, b_hbits: 2^b_hbits chains, grown
 * so that there are never more ports than chains).  A unicast frame goes to the ports
 * whose MAC is its destination (normally one) and to the promiscuous ports (b_promisc);
 * its cost does not depend on how many ports the bus has.  Broadcast and multicast
 * frames (the group bit of the destination set) go to every port, and capture sees every
 * frame.  No learning is needed: every port's address is known at attach, and a change
 * of it or of its promiscuity goes through bus_port_set.  A unicast frame for an address
 * no port owns reaches only the promiscuous ports (a switch that knows all its stations
 * has nobody to flood it to).  b_switch 0 turns the bus back into the hub it was (every
 * frame to every port), only so that the benchmark can measure both in one run.
 *
 * Invariants (under b_lock): every attached port is on b_ports (doubly linked through
 * bp_prevp) and on exactly one hash chain, the one of its bp_mac; it is on b_promisc
 * (through bp_pnext) iff bp_promisc; b_nports counts b_ports.
 *
 * ARP suppression (as EVPN switches do it): a port may register the IPv4 addresses its
 * interface answers ARP for (bus_port_setaddrs; shmif keeps them in step with the
 * interface's addresses).  A broadcast ARP request then reaches the ports owning its
 * target address (the one that answers) or its sender address (which checks for a
 * conflict), the promiscuous ports and the ports that never registered (b_arpall,
 * through bp_anext), not every port: first contact costs the same on a bus of 1,000
 * kernels as on one of 2.  Gratuitous ARP (sender == target) and anything that is not a
 * well-formed Ethernet/IPv4 request still reach every port; capture sees every frame.
 * Registrations live in b_iphash (2^b_iphbits chains through ir_hnext, grown as
 * b_hash) while the port is attached; each port keeps its own list (bp_ips, ir_pnext)
 * across a detach and re-attach.  What a kernel does with the requests it gets is
 * unchanged; it no longer sees the requests between two other kernels, so it does not
 * refresh an entry it holds for their sender from them (a MAC change is announced by
 * gratuitous ARP, which everyone still gets).  b_arpfilter 0 turns suppression off (the
 * benchmark's baseline).
 *
 * A bus lives while ports or a capture hold it (b_refs).  Frames are not stored on the
 * bus: the receiving port copies the frame into its own kernel at once.
 */
#include "net/if.h"

#define BUS_HBITS_MIN	4

struct bus_ipreg {
	uint32_t ir_addr;		/* IPv4, network order */
	struct bus_port *ir_port;
	struct bus_ipreg *ir_hnext;	/* b_iphash chain (b_lock) */
	struct bus_ipreg *ir_pnext;	/* the port's bp_ips */
};

struct bus {
	struct bus *b_next;
	char b_name[BUS_NAMEMAX];
	int b_refs;			/* ports + capture, under bus_reg_lock */
	hyp_rwlock_t b_lock;
	struct bus_port *b_ports;
	int b_nports;
	uint64_t b_portgen;		/* the last bp_gen given (b_lock) */
	struct bus_port **b_hash;	/* 2^b_hbits chains through bp_hnext */
	int b_hbits;
	struct bus_port *b_promisc;	/* promiscuous ports through bp_pnext */
	int b_switch;			/* 0: a hub (the benchmark's baseline) */
	/* ARP suppression (b_lock) */
	int b_arpfilter;		/* 0: every port sees every ARP request */
	struct bus_ipreg **b_iphash;	/* 2^b_iphbits chains through ir_hnext */
	int b_iphbits, b_nips;
	struct bus_port *b_arpall;	/* unregistered ports through bp_anext */
	const struct bus_ops *b_ops;
	struct bus_file *b_file;	/* a bus file (bus_file.c), or NULL */
	/* capture (b_pcap_lock) */
	hyp_mutex_t b_pcap_lock;
	atomic_int b_pcap_fd;		/* -1: none */
	uint64_t b_pcap_off;
	/* impairments (bus_impair.c): b_imp is b_imp_mem while any is on, else NULL (b_lock) */
	struct bus_impair *b_imp, *b_imp_mem;
};

/* A frame for later (bus_later_add): one this thread could not send when it was made. */
struct bus_later {
	struct bus_later *bl_next;
	struct bus *bl_bus;		/* referenced */
	struct bus_port *bl_port;	/* the sender (compared only, never followed) or NULL */
	uint64_t bl_gen;		/* and its attachment (bus_port_find) */
	int bl_kind;			/* BUS_LATER_* */
	size_t bl_len;
	uint8_t bl_data[];
};

/* This thread's bus locks: the highest bus it read-holds (0: none) and its frames for
 * later.  Per thread by nature (the locks are the thread's), not per kernel. */
static __thread uintptr_t bus_tls_top __attribute__((tls_model("initial-exec")));
static __thread struct bus_later *bus_tls_later __attribute__((tls_model("initial-exec")));
static __thread struct bus_later **bus_tls_ltail __attribute__((tls_model("initial-exec")));
static __thread int bus_tls_running __attribute__((tls_model("initial-exec")));

/* The process-wide registry: the one shared mutable state of the network code. */
static hyp_mutex_t bus_reg_lock;
static atomic_int bus_reg_ready;
static struct bus *bus_list;

static void
bus_reg_enter(void)
{
	if (!atomic_load_explicit(&bus_reg_ready, memory_order_acquire)) {
		hyp_lock_global();
		if (!atomic_load(&bus_reg_ready)) {
			hyp_mutex_init(&bus_reg_lock);
			atomic_store_explicit(&bus_reg_ready, 1, memory_order_release);
		}
		hyp_unlock_global();
	}
	hyp_mutex_lock(&bus_reg_lock);
}

static void mem_xmit(struct bus *b, struct bus_port *from, const void *frame, size_t len);
static void bus_ip_link(struct bus *b, struct bus_port *bp);
static void bus_ip_unlink(struct bus *b, struct bus_port *bp);
static const struct bus_ops bus_mem_ops = { .bo_name = "memory", .bo_xmit = mem_xmit };
static void file_xmit(struct bus *b, struct bus_port *from, const void *frame, size_t len);
static const struct bus_ops bus_file_ops = { .bo_name = "file", .bo_xmit = file_xmit };

static int
bus_name_ok(const char *name)
{
	size_t n = strnlen(name, BUS_NAMEMAX);

	return n > 0 && n < BUS_NAMEMAX;
}

/* Finds or makes the bus and takes a reference (bus_reg_lock held); NULL with *errorp. */
static struct bus *
bus_get_locked(const char *name, int *errorp)
{
	struct bus *b;
	int error;

	for (b = bus_list; b != NULL; b = b->b_next)
		if (strcmp(b->b_name, name) == 0) {
			b->b_refs++;
			return b;
		}
	*errorp = ENOMEM;
	if ((b = hyp_zalloc(sizeof(*b))) == NULL)
		return NULL;
	if ((b->b_hash = hyp_zalloc(sizeof(*b->b_hash) << BUS_HBITS_MIN)) == NULL) {
		hyp_free(b, sizeof(*b));
		return NULL;
	}
	if ((b->b_iphash = hyp_zalloc(sizeof(*b->b_iphash) << BUS_HBITS_MIN)) == NULL) {
		hyp_free(b->b_hash, sizeof(*b->b_hash) << BUS_HBITS_MIN);
		hyp_free(b, sizeof(*b));
		return NULL;
	}
	b->b_iphbits = BUS_HBITS_MIN;
	b->b_arpfilter = 1;
	b->b_hbits = BUS_HBITS_MIN;
	b->b_switch = 1;
	strcpy(b->b_name, name);
	b->b_refs = 1;
	b->b_ops = &bus_mem_ops;
	b->b_pcap_fd = -1;
	hyp_rw_init(&b->b_lock);
	hyp_mutex_init(&b->b_pcap_lock);
	if (strchr(name, '/') != NULL) {
		/* a path: the bus is also that file (its watcher may deliver at once) */
		if ((error = bus_file_open(b, name, &b->b_file)) != 0) {
			hyp_rw_destroy(&b->b_lock);
			hyp_mutex_destroy(&b->b_pcap_lock);
			hyp_free(b->b_iphash, sizeof(*b->b_iphash) << b->b_iphbits);
			hyp_free(b->b_hash, sizeof(*b->b_hash) << b->b_hbits);
			hyp_free(b, sizeof(*b));
			*errorp = error;
			return NULL;
		}
		b->b_ops = &bus_file_ops;
	}
	b->b_next = bus_list;
	bus_list = b;
	return b;
}

static void
bus_rele_locked(struct bus *b)
{
	struct bus **bp;

	if (--b->b_refs > 0)
		return;
	for (bp = &bus_list; *bp != NULL; bp = &(*bp)->b_next)
		if (*bp == b) {
			*bp = b->b_next;
			break;
		}
	if (b->b_imp_mem != NULL)
		bus_impair_free(b->b_imp_mem);	/* stops its timer first */
	bus_file_close(b->b_file);	/* stops its watcher first */
	if (b->b_pcap_fd >= 0)
		hyp_file_close(b->b_pcap_fd);
	hyp_rw_destroy(&b->b_lock);
	hyp_mutex_destroy(&b->b_pcap_lock);
	hyp_free(b->b_hash, sizeof(*b->b_hash) << b->b_hbits);
	hyp_free(b->b_iphash, sizeof(*b->b_iphash) << b->b_iphbits);
	hyp_free(b, sizeof(*b));
}

/* ---------------------------------------------------------------- the switch table */

static unsigned
bus_hash(const struct bus *b, const uint8_t *mac)
{
	uint32_t lo, hi = (uint32_t)(mac[0] << 8 | mac[1]);

	memcpy(&lo, mac + 2, 4);	/* our MACs differ in these four bytes */
	return (uint32_t)((lo ^ hi * 0x85ebca6bU) * 0x9e3779b1U) >> (32 - b->b_hbits);
}

static int
mac_eq(const uint8_t *a, const uint8_t *b)
{
	uint32_t x, y;
	uint16_t u, v;

	memcpy(&x, a, 4), memcpy(&y, b, 4);
	memcpy(&u, a + 4, 2), memcpy(&v, b + 4, 2);
	return x == y && u == v;
}

/* Puts bp on its chain and, if promiscuous, on b_promisc (b_lock write-held). */
static void
bus_link(struct bus *b, struct bus_port *bp)
{
	struct bus_port **hp = &b->b_hash[bus_hash(b, bp->bp_mac)];

	bp->bp_hnext = *hp;
	*hp = bp;
	if (bp->bp_promisc) {
		bp->bp_pnext = b->b_promisc;
		b->b_promisc = bp;
	}
}

static void
bus_unlink(struct bus *b, struct bus_port *bp)
{
	struct bus_port **pp;

	for (pp = &b->b_hash[bus_hash(b, bp->bp_mac)]; *pp != NULL; pp = &(*pp)->bp_hnext)
		if (*pp == bp) {
			*pp = bp->bp_hnext;
			break;
		}
	bp->bp_hnext = NULL;
	if (bp->bp_promisc)
		for (pp = &b->b_promisc; *pp != NULL; pp = &(*pp)->bp_pnext)
			if (*pp == bp) {
				*pp = bp->bp_pnext;
				break;
			}
	bp->bp_pnext = NULL;
}

/* Doubles the chains when the ports outnumber them (b_lock write-held).  Without memory
 * the table stays as it is: chains grow longer, delivery stays right. */
static void
bus_grow(struct bus *b)
{
	struct bus_port **old = b->b_hash, **nh, *bp, *next;
	int bits = b->b_hbits, i;

	if (b->b_nports <= 1 << bits || bits >= 24)
		return;
	if ((nh = hyp_zalloc(sizeof(*nh) << (bits + 1))) == NULL)
		return;
	b->b_hash = nh;
	b->b_hbits = bits + 1;
	for (i = 0; i < 1 << bits; i++)
		for (bp = old[i]; bp != NULL; bp = next) {
			unsigned h = bus_hash(b, bp->bp_mac);

			next = bp->bp_hnext;
			bp->bp_hnext = nh[h];
			nh[h] = bp;
		}
	hyp_free(old, sizeof(*old) << bits);
}

int
bus_attach(const char *name, struct bus_port *bp)
{
	struct bus *b;
	int error;

	if (!bus_name_ok(name))
		return EINVAL;
	bus_reg_enter();
	b = bus_get_locked(name, &error);
	hyp_mutex_unlock(&bus_reg_lock);
	if (b == NULL)
		return error;
	hyp_rw_wrlock(&b->b_lock);
	bp->bp_bus = b;
	bp->bp_gen = ++b->b_portgen;
	if ((bp->bp_next = b->b_ports) != NULL)
		b->b_ports->bp_prevp = &bp->bp_next;
	bp->bp_prevp = &b->b_ports;
	b->b_ports = bp;
	b->b_nports++;
	bus_link(b, bp);
	bus_grow(b);
	bus_ip_link(b, bp);
	hyp_rw_unlock(&b->b_lock);
	return 0;
}

void
bus_detach(struct bus_port *bp)
{
	struct bus *b = bp->bp_bus;

	if (b == NULL)
		return;
	hyp_rw_wrlock(&b->b_lock);
	bus_unlink(b, bp);
	bus_ip_unlink(b, bp);
	if ((*bp->bp_prevp = bp->bp_next) != NULL)
		bp->bp_next->bp_prevp = bp->bp_prevp;
	bp->bp_next = NULL;
	bp->bp_prevp = NULL;
	b->b_nports--;
	hyp_rw_unlock(&b->b_lock);
	bp->bp_bus = NULL;
	bus_reg_enter();
	bus_rele_locked(b);
	hyp_mutex_unlock(&bus_reg_lock);
}

void
bus_port_set(struct bus_port *bp, const uint8_t *mac, int promisc)
{
	struct bus *b = bp->bp_bus;

	promisc = promisc != 0;
	if (b == NULL) {
		memcpy(bp->bp_mac, mac, 6);
		bp->bp_promisc = promisc;
		return;
	}
	hyp_rw_wrlock(&b->b_lock);
	bus_unlink(b, bp);
	memcpy(bp->bp_mac, mac, 6);
	bp->bp_promisc = promisc;
	bus_link(b, bp);
	hyp_rw_unlock(&b->b_lock);
}

int
bus_set_switch(const char *name, int on)
{
	struct bus *b;
	int was = -1;

	bus_reg_enter();
	for (b = bus_list; b != NULL; b = b->b_next)
		if (strcmp(b->b_name, name) == 0) {
			b->b_refs++;
			break;
		}
	hyp_mutex_unlock(&bus_reg_lock);
	if (b == NULL)
		return -1;
	hyp_rw_wrlock(&b->b_lock);
	was = b->b_switch;
	b->b_switch = on != 0;
	hyp_rw_unlock(&b->b_lock);
	bus_reg_enter();
	bus_rele_locked(b);
	hyp_mutex_unlock(&bus_reg_lock);
	return was;
}

const char *
bus_name(const struct bus *b)
{
	return b->b_name;
}

int
bus_nports(const char *name)
{
	struct bus *b;
	int n = -1;

	bus_reg_enter();
	for (b = bus_list; b != NULL; b = b->b_next)
		if (strcmp(b->b_name, name) == 0)
			n = b->b_nports;
	hyp_mutex_unlock(&bus_reg_lock);
	return n;
}

/* ---------------------------------------------------------------- capture */

static void
put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);	/* pcap files are in the writer's byte order */
}

static void
pcap_write(struct bus *b, const void *frame, size_t len)
{
	uint8_t hdr[16];
	uint64_t now = hyp_clock_real();
	size_t done;

	hyp_mutex_lock(&b->b_pcap_lock);
	if (b->b_pcap_fd >= 0) {
		put32(hdr, (uint32_t)(now / 1000000000));
		put32(hdr + 4, (uint32_t)(now % 1000000000 / 1000));
		put32(hdr + 8, (uint32_t)len);
		put32(hdr + 12, (uint32_t)len);
		if (hyp_file_pwrite(b->b_pcap_fd, hdr, 16, b->b_pcap_off, &done) == 0 &&
		    done == 16 &&
		    hyp_file_pwrite(b->b_pcap_fd, frame, len, b->b_pcap_off + 16, &done) == 0 &&
		    done == len)
			b->b_pcap_off += 16 + len;
	}
	hyp_mutex_unlock(&b->b_pcap_lock);
}

int
bus_pcap(const char *name, const char *path)
{
	struct bus *b;
	uint8_t fh[24];
	size_t done;
	int fd = -1, error, had;

	if (name == NULL || !bus_name_ok(name))
		return EINVAL;
	if (path != NULL) {
		if (*path == '\0')
			return EINVAL;
		if ((error = hyp_file_open(path, HYP_O_WRONLY | HYP_O_CREAT | HYP_O_TRUNC,
		    &fd)) != 0)
			return error;
		put32(fh, 0xa1b2c3d4);
		memcpy(fh + 4, &(uint16_t){ 2 }, 2);	/* version 2.4 */
		memcpy(fh + 6, &(uint16_t){ 4 }, 2);
		put32(fh + 8, 0);		/* thiszone */
		put32(fh + 12, 0);		/* sigfigs */
		put32(fh + 16, 65535);		/* snaplen */
		put32(fh + 20, 1);		/* LINKTYPE_ETHERNET */
		if ((error = hyp_file_pwrite(fd, fh, sizeof(fh), 0, &done)) != 0 ||
		    done != sizeof(fh)) {
			hyp_file_close(fd);
			return error ? error : EIO;
		}
	}
	bus_reg_enter();
	b = bus_get_locked(name, &error);
	if (b == NULL) {
		hyp_mutex_unlock(&bus_reg_lock);
		if (fd >= 0)
			hyp_file_close(fd);
		return error;
	}
	hyp_mutex_lock(&b->b_pcap_lock);
	had = b->b_pcap_fd >= 0;
	if (had)
		hyp_file_close(b->b_pcap_fd);
	b->b_pcap_fd = fd;
	b->b_pcap_off = sizeof(fh);
	hyp_mutex_unlock(&b->b_pcap_lock);
	/* the capture holds one reference while it is on */
	if (had)
		b->b_refs--;
	if (fd < 0)
		b->b_refs--;
	if (b->b_refs == 0) {
		b->b_refs = 1;
		bus_rele_locked(b);
	}
	hyp_mutex_unlock(&bus_reg_lock);
	return 0;
}

/* ---------------------------------------------------------------- ARP suppression */

static unsigned
bus_iphash(const struct bus *b, uint32_t addr)
{
	return (addr * 0x9e3779b1U) >> (32 - b->b_iphbits);
}

/* Doubles the address chains when registrations outnumber them (b_lock write-held). */
static void
bus_ipgrow(struct bus *b)
{
	struct bus_ipreg **old = b->b_iphash, **nh, *ir, *next;
	int bits = b->b_iphbits, i;

	if (b->b_nips <= 1 << bits || bits >= 24)
		return;
	if ((nh = hyp_zalloc(sizeof(*nh) << (bits + 1))) == NULL)
		return;
	b->b_iphash = nh;
	b->b_iphbits = bits + 1;
	for (i = 0; i < 1 << bits; i++)
		for (ir = old[i]; ir != NULL; ir = next) {
			unsigned h = bus_iphash(b, ir->ir_addr);

			next = ir->ir_hnext;
			ir->ir_hnext = nh[h];
			nh[h] = ir;
		}
	hyp_free(old, sizeof(*old) << bits);
}

/* An attaching port's registrations into the bus, or the port onto b_arpall. */
static void
bus_ip_link(struct bus *b, struct bus_port *bp)
{
	struct bus_ipreg *ir;

	if (!bp->bp_ipreg) {
		bp->bp_anext = b->b_arpall;
		b->b_arpall = bp;
		return;
	}
	for (ir = bp->bp_ips; ir != NULL; ir = ir->ir_pnext) {
		struct bus_ipreg **hp = &b->b_iphash[bus_iphash(b, ir->ir_addr)];

		ir->ir_hnext = *hp;
		*hp = ir;
		b->b_nips++;
	}
	bus_ipgrow(b);
}

static void
bus_ip_unlink(struct bus *b, struct bus_port *bp)
{
	struct bus_port **pp;
	struct bus_ipreg *ir, **hp;

	if (!bp->bp_ipreg) {
		for (pp = &b->b_arpall; *pp != NULL; pp = &(*pp)->bp_anext)
			if (*pp == bp) {
				*pp = bp->bp_anext;
				break;
			}
		bp->bp_anext = NULL;
		return;
	}
	for (ir = bp->bp_ips; ir != NULL; ir = ir->ir_pnext) {
		for (hp = &b->b_iphash[bus_iphash(b, ir->ir_addr)]; *hp != NULL;
		    hp = &(*hp)->ir_hnext)
			if (*hp == ir) {
				*hp = ir->ir_hnext;
				b->b_nips--;
				break;
			}
		ir->ir_hnext = NULL;
	}
}

int
bus_port_setaddrs(struct bus_port *bp, const uint32_t *addrs, int n)
{
	struct bus *b = bp->bp_bus;
	struct bus_ipreg *list = NULL, *ir, *old;
	int i, j, error = 0;

	for (i = 0; i < n; i++) {
		for (j = 0; j < i && addrs[j] != addrs[i]; j++)
			continue;
		if (j < i)
			continue;	/* the same address twice */
		if ((ir = hyp_zalloc(sizeof(*ir))) == NULL) {
			error = ENOMEM;
			n = -1;		/* unregistered: it sees every request */
			break;
		}
		ir->ir_addr = addrs[i];
		ir->ir_port = bp;
		ir->ir_pnext = list;
		list = ir;
	}
	if (n < 0)
		while ((ir = list) != NULL) {
			list = ir->ir_pnext;
			hyp_free(ir, sizeof(*ir));
		}
	if (b != NULL) {
		hyp_rw_wrlock(&b->b_lock);
		bus_ip_unlink(b, bp);
	}
	old = bp->bp_ips;
	bp->bp_ips = list;
	bp->bp_ipreg = n >= 0;
	if (b != NULL) {
		bus_ip_link(b, bp);
		hyp_rw_unlock(&b->b_lock);
	}
	while ((ir = old) != NULL) {
		old = ir->ir_pnext;
		hyp_free(ir, sizeof(*ir));
	}
	return error;
}

int
bus_set_arpfilter(const char *name, int on)
{
	struct bus *b;
	int was;

	bus_reg_enter();
	for (b = bus_list; b != NULL; b = b->b_next)
		if (strcmp(b->b_name, name) == 0) {
			b->b_refs++;
			break;
		}
	hyp_mutex_unlock(&bus_reg_lock);
	if (b == NULL)
		return -1;
	hyp_rw_wrlock(&b->b_lock);
	was = b->b_arpfilter;
	b->b_arpfilter = on != 0;
	hyp_rw_unlock(&b->b_lock);
	bus_reg_enter();
	bus_rele_locked(b);
	hyp_mutex_unlock(&bus_reg_lock);
	return was;
}

static int
bus_owns(const struct bus_port *bp, uint32_t addr)
{
	const struct bus_ipreg *ir;

	for (ir = bp->bp_ips; ir != NULL; ir = ir->ir_pnext)
		if (ir->ir_addr == addr)
			return 1;
	return 0;
}

/* Delivers a broadcast ARP request to the ports that need it (b_lock read-held); 0 when
 * the frame is not one (the caller floods it). */
static int
bus_arp_deliver(struct bus *b, struct bus_port *from, const uint8_t *f, size_t len)
{
	static const uint8_t req[10] = { 0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1 };
	struct bus_port *bp;
	struct bus_ipreg *ir;
	uint32_t spa, tpa;

	if (!b->b_arpfilter || len < 42 || memcmp(f + 12, req, sizeof(req)) != 0 ||
	    (f[0] & f[1] & f[2] & f[3] & f[4] & f[5]) != 0xff)
		return 0;
	memcpy(&spa, f + 28, 4);
	memcpy(&tpa, f + 38, 4);
	if (spa == tpa)
		return 0;		/* gratuitous: everyone updates */
	for (bp = b->b_arpall; bp != NULL; bp = bp->bp_anext)
		if (bp != from)
			bp->bp_rx(bp, f, len);
	for (bp = b->b_promisc; bp != NULL; bp = bp->bp_pnext)
		if (bp != from && bp->bp_ipreg)
			bp->bp_rx(bp, f, len);
	for (ir = b->b_iphash[bus_iphash(b, tpa)]; ir != NULL; ir = ir->ir_hnext)
		if (ir->ir_addr == tpa && (bp = ir->ir_port) != from && !bp->bp_promisc)
			bp->bp_rx(bp, f, len);
	if (spa != 0)
		for (ir = b->b_iphash[bus_iphash(b, spa)]; ir != NULL; ir = ir->ir_hnext)
			if (ir->ir_addr == spa && (bp = ir->ir_port) != from && !bp->bp_promisc &&
			    !bus_owns(bp, tpa))
				bp->bp_rx(bp, f, len);
	return 1;
}

/* ---------------------------------------------------------------- frames */

static void
mem_xmit(struct bus *b, struct bus_port *from, const void *frame, size_t len)
{
	const uint8_t *dst = frame;
	struct bus_port *bp;

	if (!b->b_switch || len < 6 || (dst[0] & 1)) {
		/* broadcast, multicast (or a runt the receivers count as an error) */
		if (b->b_switch && len >= 42 && bus_arp_deliver(b, from, frame, len))
			return;
		for (bp = b->b_ports; bp != NULL; bp = bp->bp_next)
			if (bp != from)
				bp->bp_rx(bp, frame, len);
		return;
	}
	for (bp = b->b_hash[bus_hash(b, dst)]; bp != NULL; bp = bp->bp_hnext)
		if (bp != from && mac_eq(bp->bp_mac, dst))
			bp->bp_rx(bp, frame, len);
	for (bp = b->b_promisc; bp != NULL; bp = bp->bp_pnext)
		if (bp != from && !mac_eq(bp->bp_mac, dst))
			bp->bp_rx(bp, frame, len);
}

/* A bus file: our ports first, then the file for the other processes. */
static void
file_xmit(struct bus *b, struct bus_port *from, const void *frame, size_t len)
{
	mem_xmit(b, from, frame, len);
	bus_file_xmit(b->b_file, frame, len);
}

/* ---------------------------------------------------------------- lock order */

/* Whether this thread's list for later holds a frame for b: then b's next frame from this
 * thread goes there too, behind it (a thread's frames onto a bus keep their order). */
static int
bus_later_has(const struct bus *b)
{
	const struct bus_later *bl;

	for (bl = bus_tls_later; bl != NULL; bl = bl->bl_next)
		if (bl->bl_bus == b)
			return 1;
	return 0;
}

/* Read-locks b: waits when b is above every bus this thread holds, else only tries. */
static int
bus_lock_ordered(struct bus *b, uintptr_t *savep)
{
	uintptr_t me = (uintptr_t)b, top = bus_tls_top;

	*savep = top;
	if (me > top) {
		hyp_rw_rdlock(&b->b_lock);
		bus_tls_top = me;
	} else if (hyp_rw_tryrdlock(&b->b_lock) != 0)
		return EBUSY;
	return 0;
}

/*
 * Read-locks b for a delivery: waits only when b is above every bus this thread holds,
 * else only tries.  0 with *savep to give bus_leave, or EBUSY: the caller sends the
 * frame later (bus_later_add) instead; also when a frame of this thread's for b waits
 * there already, which the new one must not overtake.
 */
int
bus_enter(struct bus *b, uintptr_t *savep)
{
	if (__predict_false(bus_tls_later != NULL) && bus_later_has(b)) {
		*savep = bus_tls_top;
		return EBUSY;
	}
	return bus_lock_ordered(b, savep);
}

static void bus_later_run(void);

void
bus_leave(struct bus *b, uintptr_t save)
{
	hyp_rw_unlock(&b->b_lock);
	bus_tls_top = save;
	if (save == 0 && __predict_false(bus_tls_later != NULL) && !bus_tls_running)
		bus_later_run();
}

/* The port of that attachment (bp_gen) if it is still on b, else NULL (b_lock held): bp
 * is compared, not followed, so it may have been freed since. */
struct bus_port *
bus_port_find(struct bus *b, const struct bus_port *bp, uint64_t gen)
{
	struct bus_port *p;

	if (bp == NULL)
		return NULL;
	for (p = b->b_ports; p != NULL; p = p->bp_next)
		if (p == bp && p->bp_gen == gen)
			return p;
	return NULL;
}

/* Copies a frame onto this thread's list for later: kind BUS_LATER_SEND, a port's frame
 * as bus_xmit sends it; BUS_LATER_WIRE, one that went through the impairments already
 * (bus_wire); both from the port of attachment gen (a MAC change keeps it; gone, the
 * frame goes with it).  BUS_LATER_INPUT, from the bus file (bus_input; from NULL). */
void
bus_later_add(struct bus *b, int kind, struct bus_port *from, uint64_t gen, const void *frame,
    size_t len)
{
	struct bus_later *bl;

	if ((bl = hyp_malloc(sizeof(*bl) + len)) == NULL)
		return;			/* as a frame lost on the wire */
	bus_reg_enter();
	b->b_refs++;
	hyp_mutex_unlock(&bus_reg_lock);
	bl->bl_next = NULL;
	bl->bl_bus = b;
	bl->bl_kind = kind;
	bl->bl_port = from;
	bl->bl_gen = gen;
	bl->bl_len = len;
	memcpy(bl->bl_data, frame, len);
	if (bus_tls_later == NULL)
		bus_tls_ltail = &bus_tls_later;
	*bus_tls_ltail = bl;
	bus_tls_ltail = &bl->bl_next;
}

static void bus_send_locked(struct bus *b, struct bus_port *from, const void *frame,
    size_t len);

/* Sends this thread's frames for later, in order (it holds no bus lock: each waits).  A
 * port's frame whose port left the bus since is dropped, as its driver's queue would be. */
static void
bus_later_run(void)
{
	struct bus_later *bl;
	struct bus_port *from;
	struct bus *b;
	uintptr_t save;

	bus_tls_running = 1;
	while ((bl = bus_tls_later) != NULL) {
		bus_tls_later = bl->bl_next;
		b = bl->bl_bus;
		if (bus_lock_ordered(b, &save) == 0) {	/* waits: this thread holds none */
			if (bl->bl_kind == BUS_LATER_INPUT) {
				/* a frame from the bus file: to our ports only */
				if (b->b_pcap_fd >= 0)
					pcap_write(b, bl->bl_data, bl->bl_len);
				mem_xmit(b, NULL, bl->bl_data, bl->bl_len);
			} else if ((from = bus_port_find(b, bl->bl_port, bl->bl_gen)) == NULL)
				;	/* its port is gone */
			else if (bl->bl_kind == BUS_LATER_SEND)
				bus_send_locked(b, from, bl->bl_data, bl->bl_len);
			else	/* impaired already */
				bus_wire(b, from, bl->bl_data, bl->bl_len);
			bus_leave(b, save);
		}
		bus_unref(b);
		hyp_free(bl, sizeof(*bl) + bl->bl_len);
	}
	bus_tls_running = 0;
}

/* ---------------------------------------------------------------- sending */

void
bus_input(struct bus *b, const void *frame, size_t len)
{
	uintptr_t save;

	if (bus_enter(b, &save) != 0) {
		bus_later_add(b, BUS_LATER_INPUT, NULL, 0, frame, len);
		return;
	}
	if (b->b_pcap_fd >= 0)
		pcap_write(b, frame, len);
	mem_xmit(b, NULL, frame, len);
	bus_leave(b, save);
}

/* A port's frame onto its bus: impairments, or capture and the medium (b_lock held). */
static void
bus_send_locked(struct bus *b, struct bus_port *from, const void *frame, size_t len)
{
	if (__predict_false(b->b_imp != NULL))
		bus_impair_xmit(b, b->b_imp, from, frame, len);
	else {
		if (b->b_pcap_fd >= 0)
			pcap_write(b, frame, len);
		b->b_ops->bo_xmit(b, from, frame, len);
	}
}

void
bus_xmit(struct bus_port *from, const void *frame, size_t len)
{
	struct bus *b = from->bp_bus;
	uintptr_t save;

	if (b == NULL)
		return;
	if (__predict_false(atomic_load_explicit(&hyp_trace_on, memory_order_relaxed)))
		hyp_trace_note(HYP_TR_FRAME, (uint32_t)len, frame, len);
	if (__predict_false(bus_enter(b, &save) != 0)) {
		bus_later_add(b, BUS_LATER_SEND, from, from->bp_gen, frame, len);
		return;
	}
	bus_send_locked(b, from, frame, len);
	bus_leave(b, save);
}

/* ---------------------------------------------------------------- for bus_impair.c */

/* A frame onto the wire: capture, then the medium (b_lock read-held). */
void
bus_wire(struct bus *b, struct bus_port *from, const void *frame, size_t len)
{
	if (b->b_pcap_fd >= 0)
		pcap_write(b, frame, len);
	b->b_ops->bo_xmit(b, from, frame, len);
}

/* The attached port with that MAC, or NULL (b_lock held). */
struct bus_port *
bus_port_bymac(struct bus *b, const uint8_t *mac)
{
	struct bus_port *bp;

	for (bp = b->b_hash[bus_hash(b, mac)]; bp != NULL; bp = bp->bp_hnext)
		if (mac_eq(bp->bp_mac, mac))
			return bp;
	return NULL;
}

/* The existing bus of that name with a reference taken, or NULL. */
struct bus *
bus_ref(const char *name)
{
	struct bus *b;

	bus_reg_enter();
	for (b = bus_list; b != NULL; b = b->b_next)
		if (strcmp(b->b_name, name) == 0) {
			b->b_refs++;
			break;
		}
	hyp_mutex_unlock(&bus_reg_lock);
	return b;
}

void
bus_unref(struct bus *b)
{
	bus_reg_enter();
	bus_rele_locked(b);
	hyp_mutex_unlock(&bus_reg_lock);
}

/* Nothing but the switch sees a unicast frame (b_lock held): no impairment, capture,
 * bus file or promiscuous port, and the bus switches (for bus_tso.c). */
int
bus_plain(struct bus *b)
{
	return b->b_imp == NULL && b->b_pcap_fd < 0 && b->b_file == NULL && b->b_switch &&
	    b->b_promisc == NULL;
}

void bus_rdlock(struct bus *b) { hyp_rw_rdlock(&b->b_lock); }
void bus_wrlock(struct bus *b) { hyp_rw_wrlock(&b->b_lock); }
void bus_unlock(struct bus *b) { hyp_rw_unlock(&b->b_lock); }

/* The bus's impairment state (made by bus_impair.c on first use, freed with the bus), and
 * switching the transmit path to it or back (b_lock write-held). */
struct bus_impair **
bus_impair_slot(struct bus *b)
{
	return &b->b_imp_mem;
}

void
bus_impair_active(struct bus *b, int on)
{
	b->b_imp = on ? b->b_imp_mem : NULL;
}

/* The public door (librumpus): capture a bus into a pcap file, or stop (path NULL). */
KERN_EXPORT int
rumpus_bus_pcap(const char *bus, const char *path)
{
	return bus_pcap(bus, path);
}
