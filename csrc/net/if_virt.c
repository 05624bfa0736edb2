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
#include "hyper/tap.h"

#define COMP_NET_VIRTIF	COMP_NET_TAP

struct virt_softc {
	struct ifnet *sc_ifp;
	struct hyp_tap *sc_tap;		/* NULL until SIOCSLINKSTR */
};

/* A frame from the host (the tap's thread). */
static void
virt_rx(void *arg, const void *frame, size_t len)
{
	struct virt_softc *sc = arg;

	if_rx_frame(sc->sc_ifp, frame, len, 14 + 9000);	/* above any MTU we allow */
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
