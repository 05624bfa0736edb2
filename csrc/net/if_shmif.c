/*
 * if_shmif.c: the net.shmif component: Ethernet interfaces on a bus, created and
 * configured as NetBSD's shmif: SIOCIFCREATE "shmifN", then SIOCSLINKSTR names the bus.
 *
 * The softc is a bus port, keyed on the bus by the interface's MAC address.  Frames from
 * the bus (unicast ones only if they are for that MAC) arrive on any thread (bp_rx): they are
 * copied into a packet of the receiving kernel and queued on the interface.
 */
#include <stdio.h>

#include "net/if.h"

struct shmif_softc {
	struct bus_port sc_port;
	struct ifnet *sc_ifp;
};

static void
shmif_rx(struct bus_port *bp, const void *frame, size_t len)
{
	struct shmif_softc *sc = bp->bp_arg;

	/* above any MTU we allow; with TSO on, a whole offload frame (bus_tso.c) */
	if_rx_frame(sc->sc_ifp, frame, len, bp->bp_tso ? TSO_MAXFRAME : 14 + 9000);
}

void
shmif_start_tso(struct ifnet *ifp, const void *frame, size_t len, uint32_t mss)
{
	struct shmif_softc *sc = ifp->if_softc;

	if (sc == NULL || sc->sc_port.bp_bus == NULL) {
		ifp->if_data.ifi_oerrors++;
		return;
	}
	bus_xmit_tso(&sc->sc_port, frame, len, mss);
}

/* SIOCSIFCAP: the bus port takes offload frames of a family while IFCAP_TSOv4 (IPv4)
 * or IFCAP_TSOv6 (IPv6) is on */
static void
shmif_setcap(struct ifnet *ifp)
{
	struct shmif_softc *sc = ifp->if_softc;

	if (sc != NULL)
		bus_port_settso(&sc->sc_port,
		    ((ifp->if_capenable & IFCAP_TSOv4) ? BUS_TSO4 : 0) |
		    ((ifp->if_capenable & IFCAP_TSOv6) ? BUS_TSO6 : 0));
}

void
shmif_start(struct ifnet *ifp, const void *frame, size_t len)
{
	struct shmif_softc *sc = ifp->if_softc;

	if (sc == NULL || sc->sc_port.bp_bus == NULL) {
		ifp->if_data.ifi_oerrors++;
		return;
	}
	bus_xmit(&sc->sc_port, frame, len);
}

static void
shmif_free(struct ifnet *ifp)
{
	struct shmif_softc *sc = ifp->if_softc;

	bus_detach(&sc->sc_port);
	(void)bus_port_setaddrs(&sc->sc_port, NULL, -1);	/* frees the registrations */
	kmem_free(ifp->if_kern, sc, sizeof(*sc));
	ifp->if_softc = NULL;
}

/* The interface's IPv4 addresses changed (n of them, or n < 0: too many to list): the
 * bus delivers ARP requests by them (bus.h, ARP suppression).  Other media: nothing. */
void
shmif_setaddrs(struct ifnet *ifp, const uint32_t *addrs, int n)
{
	struct shmif_softc *sc = ifp->if_softc;

	if (ifp->if_free != shmif_free || sc == NULL)
		return;
	(void)bus_port_setaddrs(&sc->sc_port, addrs, n);	/* ENOMEM: it sees all */
}

int
shmif_set_linkstr(struct ifnet *ifp, const char *bus)
{
	struct shmif_softc *sc = ifp->if_softc;
	char *s = NULL;
	size_t size = 0;
	int error;

	if (bus != NULL && (s = kmem_strdup(ifp->if_kern, bus, &size)) == NULL)
		return ENOMEM;
	bus_detach(&sc->sc_port);
	if (ifp->if_linkstr != NULL)
		kmem_free(ifp->if_kern, ifp->if_linkstr, ifp->if_linkstrsize);
	ifp->if_linkstr = NULL;
	if (bus == NULL)
		return 0;
	if ((error = bus_attach(bus, &sc->sc_port)) != 0) {
		kmem_free(ifp->if_kern, s, size);
		return error;
	}
	ifp->if_linkstr = s;
	ifp->if_linkstrsize = size;
	return 0;
}

int
shmif_clone_create(struct kern *k, const char *name)
{
	struct ifnet_state *ns = ifstate(k);
	struct shmif_softc *sc;
	struct ifnet *ifp;
	uint64_t id;
	const char *d;
	int error;

	/* "shmif" and a unit number */
	d = name + 5;
	if (*d == '\0' || strlen(d) > 5)
		return EINVAL;
	for (; *d != '\0'; d++)
		if (*d < '0' || *d > '9')
			return EINVAL;
	if ((ifp = if_alloc(k, name)) == NULL)
		return ENOMEM;
	if ((sc = kmem_zalloc(k, sizeof(*sc))) == NULL) {
		hyp_mutex_destroy(&ifp->if_qlock);
		kmem_free(k, ifp, sizeof(*ifp));
		return ENOMEM;
	}
	sc->sc_ifp = ifp;
	sc->sc_port.bp_rx = shmif_rx;
	sc->sc_port.bp_arg = sc;
	ifp->if_softc = sc;
	ifp->if_type = IFT_ETHER;
	ifp->if_mtu = 1500;
	ifp->if_flags = IFF_BROADCAST | IFF_SIMPLEX | IFF_MULTICAST;
	ifp->if_free = shmif_free;
	ifp->if_capabilities = IFCAP_TSOv4 | IFCAP_TSOv6;	/* off until SIOCSIFCAP (ifconfig tso4, tso6) */
	ifp->if_setcap = shmif_setcap;
	ifp->if_data.ifi_addrlen = 6;
	ifp->if_data.ifi_hdrlen = 14;
	ifp->if_data.ifi_baudrate = 10000000;
	/* a locally administered unicast address, unique in the process and, with a random
	 * per-process offset, apart from other processes' on a shared bus file (in a seeded
	 * run: counted from the seed, so that it replays; two processes with one seed on one
	 * bus file would then collide) */
	if (!hyp_run_counter(&id))
		id = hyp_unique_id() + hyp_process_salt();
	ifp->if_lladdr[0] = 0xb2;
	ifp->if_lladdr[1] = 0xa0;
	ifp->if_lladdr[2] = (uint8_t)(id >> 24);
	ifp->if_lladdr[3] = (uint8_t)(id >> 16);
	ifp->if_lladdr[4] = (uint8_t)(id >> 8);
	ifp->if_lladdr[5] = (uint8_t)id;
	/* the bus switches on it (interfaces cannot change it or go promiscuous yet;
	 * when they can, they tell the bus with bus_port_set) */
	bus_port_set(&sc->sc_port, ifp->if_lladdr, (ifp->if_flags & IFF_PROMISC) != 0);
	/* no address yet: ARP requests for others skip it (shmif_setaddrs) */
	(void)bus_port_setaddrs(&sc->sc_port, NULL, 0);
	if ((error = if_attach(ns, ifp)) != 0) {
		shmif_free(ifp);
		hyp_mutex_destroy(&ifp->if_qlock);
		kmem_free(k, ifp, sizeof(*ifp));
	}
	return error;
}

static const struct kern_component shmif_component = {
	.name = "net.shmif", .id = COMP_NET_SHMIF, .deps = { "net.net", NULL },
};
KERN_COMPONENT(shmif_component);
