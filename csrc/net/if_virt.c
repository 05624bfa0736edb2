/*
 * if_virt.c: the net.virtif component: Ethernet interfaces on a host tap device, named
 * and configured as NetBSD's virtif: SIOCIFCREATE "virtN", then SIOCSLINKSTR names the
 * host's tap device (NetBSD's link-string variant of virtif; docs/virtif.md).
 *
 * The medium is hyper's tap (hyper/tap.h): the link string opens it, in the network
 * namespace of the thread that sets it.  Frames from the host arrive on the tap's host
 * thread and enter the kernel as frames from a bus do (if_rx_frame: run at once when the
 * kernel is free, queued otherwise); frames the kernel sends are written to the device by
 * the sending thread.  Closing the tap (link string cleared, interface destroyed, kernel
 * destroyed) joins its thread, so no frame arrives after if_free.
 *
 * The component id is COMP_NET_TAP (kern.h reserved it for the tap to the host).
 */
#include <stdio.h>

#include "net/if.h"
#include "netinet/in_var.h"
#include "hyper/tap.h"

#define COMP_NET_VIRTIF	COMP_NET_TAP

struct virt_softc {
	struct ifnet *sc_ifp;
	struct hyp_tap *sc_tap;		/* NULL until SIOCSLINKSTR */
	atomic_int sc_rxtso;		/* 1: IPv4, 2: IPv6 offload frames enter whole */
};

/* SIOCSIFCAP (and a new tap): TSO on for a family also asks the host for its offload
 * frames (receive offload), off stops them. */
static void
virt_setcap(struct ifnet *ifp)
{
	struct virt_softc *sc = ifp->if_softc;
	int v4 = (ifp->if_capenable & IFCAP_TSOv4) != 0, v6 = (ifp->if_capenable & IFCAP_TSOv6) != 0;

	if (sc == NULL)
		return;
	atomic_store(&sc->sc_rxtso, (v4 ? 1 : 0) | (v6 ? 2 : 0));
	if (sc->sc_tap != NULL && hyp_tap_offload(sc->sc_tap, v4, v6) != 0)
		ifp->if_data.ifi_oerrors++;	/* the host refused: it sends plain frames */
}

static void
virt_rx_seg(void *arg, const void *frame, size_t len)
{
	struct virt_softc *sc = arg;

	if_rx_frame(sc->sc_ifp, frame, len, 14 + 9000);
}

/*
 * A frame from the host (the tap's thread).  With receive offload on (TSO on, the host
 * told: virt_setcap) it may carry a partial checksum (the pseudo-header's sum where the
 * checksum goes: completed here over the bytes from csum_start, as a NIC would) and be a
 * TCP segmentation offload frame of up to 64 KB, which enters the kernel whole while the
 * interface has TSO on for its family (one datagram: ether_input takes it), else as the
 * segments it stands for (tso_frames, if_tso.c).  Anything else offloaded, or a frame
 * that does not hold what its header says, is an input error.
 */
static void
virt_rx(void *arg, void *frame, size_t len, const struct hyp_tap_meta *m)
{
	struct virt_softc *sc = arg;
	struct ifnet *ifp = sc->sc_ifp;
	uint8_t *f = frame;
	uint16_t sum;
	int v6;

	if (m == NULL) {
		if_rx_frame(ifp, frame, len, 14 + 9000);	/* above any MTU we allow */
		return;
	}
	if (m->flags & HYP_TAP_NEEDS_CSUM) {
		size_t end = len;	/* the datagram's end (not a link's padding) */

		if (len >= 14 + 20 && f[12] == 0x08 && f[13] == 0x00)
			end = 14 + (size_t)(f[16] << 8 | f[17]);
		else if (len >= 14 + 40 && f[12] == 0x86 && f[13] == 0xdd)
			end = 14 + 40 + (size_t)(f[18] << 8 | f[19]);
		if (m->csum_start < 14 || end > len ||
		    (size_t)m->csum_start + m->csum_offset + 2 > end) {
			atomic_fetch_add(&ifp->if_rxerrors, 1);
			return;
		}
		sum = in_cksum(f + m->csum_start, end - m->csum_start, 0);
		if (sum == 0)
			sum = 0xffff;	/* the same to TCP, and UDP's way to say "computed" */
		memcpy(f + m->csum_start + m->csum_offset, &sum, 2);
	}
	if (m->gso_type == HYP_TAP_GSO_NONE) {
		if_rx_frame(ifp, frame, len, 14 + 9000);
		return;
	}
	v6 = m->gso_type == HYP_TAP_GSO_TCPV6;
	if ((m->gso_type != HYP_TAP_GSO_TCPV4 && !v6) || m->gso_size == 0 || len < 14 + 40 ||
	    (f[12] != (v6 ? 0x86 : 0x08) || f[13] != (v6 ? 0xdd : 0x00)) ||
	    tso_check(f + 14, len - 14) == 0) {
		atomic_fetch_add(&ifp->if_rxerrors, 1);
		return;
	}
	if (atomic_load_explicit(&sc->sc_rxtso, memory_order_relaxed) & (v6 ? 2 : 1))
		if_rx_frame(ifp, frame, len, TSO_MAXFRAME);
	else
		tso_frames(frame, len, m->gso_size, virt_rx_seg, sc);
}

/* A frame to the host (the kernel's lock held). */
static void
virt_start(struct ifnet *ifp, const void *frame, size_t len)
{
	struct virt_softc *sc = ifp->if_softc;

	if (sc == NULL || sc->sc_tap == NULL || hyp_tap_send(sc->sc_tap, frame, len) != 0)
		ifp->if_data.ifi_oerrors++;
}

/* An offload frame to the host (IFCAP_TSOv4 or IFCAP_TSOv6 on): one write, the host
 * cuts it (virtio_net_hdr GSO_TCPV4 or GSO_TCPV6). */
static void
virt_start_tso(struct ifnet *ifp, const void *frame, size_t len, uint32_t mss)
{
	struct virt_softc *sc = ifp->if_softc;
	size_t hdr = len > 14 ? tso_check((const uint8_t *)frame + 14, len - 14) : 0;

	if (hdr == 0) {
		ifp->if_data.ifi_oerrors++;	/* tcp_output builds none such */
		return;
	}
	if (sc == NULL || sc->sc_tap == NULL ||
	    hyp_tap_send_gso(sc->sc_tap, frame, len, 14 + hdr, mss) != 0)
		ifp->if_data.ifi_oerrors++;
}

/*
 * SIOCSLINKSTR: linkstr names the host tap to open; NULL (IFLINKSTR_UNSET) closes it.
 * As NetBSD's virtif: EBUSY while the interface is up or already has its device.
 */
static int
virt_setlinkstr(struct ifnet *ifp, const char *linkstr)
{
	struct virt_softc *sc = ifp->if_softc;
	struct hyp_tap *tap;
	char *s;
	size_t size = 0;
	int error;

	if (ifp->if_flags & IFF_UP)
		return EBUSY;
	if (linkstr == NULL) {
		if (sc->sc_tap == NULL)
			return ENOENT;
		hyp_tap_close(sc->sc_tap);
		sc->sc_tap = NULL;
		kmem_free(ifp->if_kern, ifp->if_linkstr, ifp->if_linkstrsize);
		ifp->if_linkstr = NULL;
		return 0;
	}
	if (sc->sc_tap != NULL)
		return EBUSY;
	if (strnlen(linkstr, HYP_TAP_NAMEMAX) >= HYP_TAP_NAMEMAX)
		return ENAMETOOLONG;
	if ((s = kmem_strdup(ifp->if_kern, linkstr, &size)) == NULL)
		return ENOMEM;
	if ((error = hyp_tap_open(linkstr, virt_rx, sc, &tap)) != 0) {
		kmem_free(ifp->if_kern, s, size);
		return error;
	}
	sc->sc_tap = tap;
	ifp->if_linkstr = s;
	ifp->if_linkstrsize = size;
	virt_setcap(ifp);
	return 0;
}

static void
virt_free(struct ifnet *ifp)
{
	struct virt_softc *sc = ifp->if_softc;

	if (sc == NULL)
		return;
	hyp_tap_close(sc->sc_tap);	/* joins the thread: no frame arrives after this */
	kmem_free(ifp->if_kern, sc, sizeof(*sc));
	ifp->if_softc = NULL;
}

int
virtif_clone_create(struct kern *k, const char *name)
{
	struct ifnet_state *ns = ifstate(k);
	struct virt_softc *sc;
	struct ifnet *ifp;
	uint32_t r;
	const char *d;
	int error, unit = 0;

	/* "virt" and a unit number */
	d = name + 4;
	if (*d == '\0' || strlen(d) > 5 || (d[0] == '0' && d[1] != '\0'))
		return EINVAL;
	for (; *d != '\0'; d++) {
		if (*d < '0' || *d > '9')
			return EINVAL;
		unit = unit * 10 + (*d - '0');
	}
	if ((ifp = if_alloc(k, name)) == NULL)
		return ENOMEM;
	if ((sc = kmem_zalloc(k, sizeof(*sc))) == NULL) {
		hyp_mutex_destroy(&ifp->if_qlock);
		kmem_free(k, ifp, sizeof(*ifp));
		return ENOMEM;
	}
	sc->sc_ifp = ifp;
	ifp->if_softc = sc;
	ifp->if_type = IFT_ETHER;
	ifp->if_mtu = 1500;
	ifp->if_flags = IFF_BROADCAST | IFF_SIMPLEX | IFF_MULTICAST;
	ifp->if_free = virt_free;
	ifp->if_start = virt_start;
	ifp->if_setlinkstr = virt_setlinkstr;
	ifp->if_start_tso = virt_start_tso;
	ifp->if_setcap = virt_setcap;
	ifp->if_capabilities = IFCAP_TSOv4 | IFCAP_TSOv6;	/* off until SIOCSIFCAP: the host cuts */
	ifp->if_data.ifi_addrlen = 6;
	ifp->if_data.ifi_hdrlen = 14;
	ifp->if_data.ifi_baudrate = 10000000;
	/* NetBSD's virtif: b2:0a, random bytes (from the kernel's generator, so a seeded run
	 * replays; NetBSD draws one, we draw three so that taps bridged on the host do not
	 * collide), and the unit number last */
	r = kern_random32(k);
	ifp->if_lladdr[0] = 0xb2;
	ifp->if_lladdr[1] = 0x0a;
	ifp->if_lladdr[2] = (uint8_t)(r >> 16);
	ifp->if_lladdr[3] = (uint8_t)(r >> 8);
	ifp->if_lladdr[4] = (uint8_t)r;
	ifp->if_lladdr[5] = (uint8_t)unit;
	if ((error = if_attach(ns, ifp)) != 0) {
		virt_free(ifp);
		hyp_mutex_destroy(&ifp->if_qlock);
		kmem_free(k, ifp, sizeof(*ifp));
	}
	return error;
}

static const struct kern_component virtif_component = {
	.name = "net.virtif", .id = COMP_NET_VIRTIF, .deps = { "net.net", NULL },
};
KERN_COMPONENT(virtif_component);
