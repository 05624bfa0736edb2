/*
 * bus.h: virtual Ethernet buses (bus.c), apart from if.h so that a test can use them
 * beside the host's headers (this one includes no kernel header).
 */
#ifndef NET_BUS_H
#define NET_BUS_H

#include <stddef.h>
#include <stdint.h>

#ifndef KERN_HIDDEN
#define KERN_HIDDEN	__attribute__((visibility("hidden")))
#endif
#ifndef KERN_EXPORT
#define KERN_EXPORT	__attribute__((visibility("default")))
#endif

/*
 * A bus is a process-wide virtual Ethernet switch, found by name.  Ports (one per
 * interface) attach to it with their MAC address; a unicast frame sent by one port
 * reaches the ports with that MAC and the promiscuous ones, a broadcast or multicast
 * frame every other port (a broadcast ARP request only the ports that need it, see
 * bus_port_setaddrs), delivered by the sending thread.  The ops vector is the
 * medium: the memory bus below; a file-backed bus in NetBSD's shmif format can be
 * another.
 */
struct bus;
struct bus_port {
	struct bus *bp_bus;
	struct bus_port *bp_next, **bp_prevp;	/* the bus's ports (bus lock) */
	struct bus_port *bp_hnext;		/* its MAC's hash chain (bus lock) */
	struct bus_port *bp_pnext;		/* promiscuous ports (bus lock) */
	uint8_t bp_mac[6];			/* set before bus_attach, then bus_port_set */
	int bp_promisc;
	/* called with the bus read-locked, from any thread: must not block */
	void (*bp_rx)(struct bus_port *bp, const void *frame, size_t len);
	void *bp_arg;
	/* ARP suppression (bus_port_setaddrs): the port's IPv4 addresses, or not registered */
	int bp_ipreg;				/* 1: registered (bp_ips) */
	struct bus_ipreg *bp_ips;		/* its addresses (bus lock once attached) */
	struct bus_port *bp_anext;		/* unregistered ports (bus lock) */
	/* takes TCP segmentation offload frames (larger than the MTU) as they are, of the
	 * families BUS_TSO4 (IPv4) and BUS_TSO6 (IPv6): both ends of a transfer with it on
	 * send each other such frames whole (bus_tso.c); set by bus_port_settso */
	int bp_tso;
	/* which attachment this is (bus_attach, under the bus lock; never reused on the
	 * bus): a frame for later names its port by it, which a MAC change keeps */
	uint64_t bp_gen;
};
struct bus_ops {
	const char *bo_name;
	/* hands a frame to the medium (the memory bus: to every other port) */
	void (*bo_xmit)(struct bus *b, struct bus_port *from, const void *frame, size_t len);
};
#define BUS_NAMEMAX	1024	/* a name, or the path of a bus file (MAXPATHLEN) */
int  bus_attach(const char *name, struct bus_port *bp) KERN_HIDDEN;	/* 0/EINVAL/ENOMEM */
void bus_detach(struct bus_port *bp) KERN_HIDDEN;
/* A port's new MAC address or promiscuity (attached or not; takes the bus lock). */
void bus_port_set(struct bus_port *bp, const uint8_t *mac, int promisc) KERN_HIDDEN;
/* 1: switch (the default); 0: a hub that shows every frame to every port, for the
 * benchmark's baseline.  Returns the previous setting, -1 if there is no such bus. */
int  bus_set_switch(const char *name, int on) KERN_HIDDEN;
/*
 * ARP suppression: a port registers the IPv4 addresses (network order) its interface
 * answers ARP for; from then on a broadcast ARP request reaches only the ports that own
 * its target or sender address, the promiscuous ports and the ports that never
 * registered, instead of every port (capture still sees it).  Gratuitous ARP (sender ==
 * target) and malformed requests still go to every port.  n < 0 unregisters (the port
 * sees every request again).  0 or ENOMEM (the port is left unregistered: it sees all).
 */
int  bus_port_setaddrs(struct bus_port *bp, const uint32_t *addrs, int n) KERN_HIDDEN;
/* 1 (the default) or 0 (every port sees every ARP request, the benchmark's baseline);
 * returns the previous setting, -1 if there is no such bus. */
int  bus_set_arpfilter(const char *name, int on) KERN_HIDDEN;
void bus_xmit(struct bus_port *bp, const void *frame, size_t len) KERN_HIDDEN;
const char *bus_name(const struct bus *b) KERN_HIDDEN;
int  bus_nports(const char *name) KERN_HIDDEN;		/* -1 if no such bus */
/* pcap capture of every frame on a bus (classic pcap, DLT_EN10MB).  path NULL stops it. */
int  bus_pcap(const char *name, const char *path) KERN_HIDDEN;
/* Impairments (bus_impair.c; bus.c keeps the state and calls these). */
struct bus_impair;
void bus_impair_xmit(struct bus *b, struct bus_impair *im, struct bus_port *from,
    const void *frame, size_t len) KERN_HIDDEN;		/* b_lock read-held */
void bus_impair_free(struct bus_impair *im) KERN_HIDDEN;	/* the bus is going */
struct rumpus_impair;
struct rumpus_impair_stats;
int  bus_impair_set(const char *bus, const uint8_t *mac, const struct rumpus_impair *p) KERN_HIDDEN;
int  bus_impair_get(const char *bus, const uint8_t *mac, struct rumpus_impair *p,
    struct rumpus_impair_stats *st) KERN_HIDDEN;
/* bus.c's doors for bus_impair.c */
void bus_wire(struct bus *b, struct bus_port *from, const void *frame, size_t len) KERN_HIDDEN;
struct bus_port *bus_port_bymac(struct bus *b, const uint8_t *mac) KERN_HIDDEN;
/* The port of attachment gen (bp_gen) if bp is still that, else NULL (the bus lock held). */
struct bus_port *bus_port_find(struct bus *b, const struct bus_port *bp, uint64_t gen)
    KERN_HIDDEN;
struct bus *bus_ref(const char *name) KERN_HIDDEN;		/* NULL: no such bus */
void bus_unref(struct bus *b) KERN_HIDDEN;
/* Read-locking a bus for a delivery in the one order of bus locks (bus.c, "Lock order"):
 * 0 (then bus_leave(b, save)), or EBUSY: send the frame later with bus_later_add. */
int  bus_enter(struct bus *b, uintptr_t *savep) KERN_HIDDEN;
void bus_leave(struct bus *b, uintptr_t save) KERN_HIDDEN;
#define BUS_LATER_SEND	0	/* a port's frame (from, of attachment gen), as bus_xmit */
#define BUS_LATER_WIRE	1	/* past the impairments already, as bus_wire */
#define BUS_LATER_INPUT	2	/* from the bus file, as bus_input */
void bus_later_add(struct bus *b, int kind, struct bus_port *from, uint64_t gen,
    const void *frame, size_t len) KERN_HIDDEN;
void bus_rdlock(struct bus *b) KERN_HIDDEN;
void bus_wrlock(struct bus *b) KERN_HIDDEN;
void bus_unlock(struct bus *b) KERN_HIDDEN;
struct bus_impair **bus_impair_slot(struct bus *b) KERN_HIDDEN;
void bus_impair_active(struct bus *b, int on) KERN_HIDDEN;	/* b_lock write-held */
/* Bus files (bus_file.c): a bus whose name contains a '/' is also a file in NetBSD's shmif
 * format that kernels of other processes share.  bus_input hands a frame that came from
 * the file to the bus's ports and capture (from any thread; takes the bus's read lock). */
struct bus_file;
int  bus_file_open(struct bus *b, const char *path, struct bus_file **bfp) KERN_HIDDEN;
void bus_file_close(struct bus_file *bf) KERN_HIDDEN;
void bus_file_xmit(struct bus_file *bf, const void *frame, size_t len) KERN_HIDDEN;
void bus_input(struct bus *b, const void *frame, size_t len) KERN_HIDDEN;
/* Segmentation offload (bus_tso.c): a frame holding one IPv4 or IPv6 TCP datagram larger
 * than the MTU (mss data bytes per segment) goes whole to a unicast port that takes such
 * frames of its family on a bus with nothing else looking (no capture, impairment, file, hub or
 * promiscuous port: bus_plain), else as the MTU-sized segments it stands for. */
void bus_xmit_tso(struct bus_port *bp, const void *frame, size_t len, uint32_t mss) KERN_HIDDEN;
#define BUS_TSO4	1
#define BUS_TSO6	2
void bus_port_settso(struct bus_port *bp, int families) KERN_HIDDEN;	/* BUS_TSO* */
int  bus_plain(struct bus *b) KERN_HIDDEN;		/* b_lock held (bus.c) */
/* Exported as the public API (to be declared in rump/rumpus.h). */
int  rumpus_bus_pcap(const char *bus, const char *path) KERN_EXPORT;

#endif
