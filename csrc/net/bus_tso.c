/*
 * bus_tso.c: TCP segmentation offload frames on a bus (bus.h).  A port with bp_tso takes
 * a frame larger than the MTU whole (of the families it names: BUS_TSO4 for IPv4,
 * BUS_TSO6 for IPv6), as a virtio NIC that negotiated GSO does; every
 * other receiver, and anything that looks at single frames (a capture, impairments,
 * which drop, delay and corrupt per frame, a bus file read by other processes, a
 * promiscuous port, the hub mode), sees the MTU-sized segments it stands for
 * (tso_frames, if_tso.c), each sent as any other frame.
 */
#include "net/if.h"

static void
bus_tso_emit(void *arg, const void *frame, size_t len)
{
	bus_xmit(arg, frame, len);
}

void
bus_xmit_tso(struct bus_port *from, const void *frame, size_t len, uint32_t mss)
{
	struct bus *b = from->bp_bus;
	const uint8_t *dst = frame;
	struct bus_port *bp;
	uintptr_t save;
	int fam = len >= 14 && dst[12] == 0x86 && dst[13] == 0xdd ? BUS_TSO6 : BUS_TSO4;

	if (b == NULL)
		return;
	/* (a bus this thread may not wait for: the segments go later, bus_xmit) */
	if (len >= 14 && !(dst[0] & 1) && bus_enter(b, &save) == 0) {
		if (bus_plain(b) && (bp = bus_port_bymac(b, dst)) != NULL && bp != from &&
		    (bp->bp_tso & fam)) {
			bp->bp_rx(bp, frame, len);
			bus_leave(b, save);
			return;
		}
		bus_leave(b, save);
	}
	tso_frames(frame, len, mss, bus_tso_emit, from);
}

void
bus_port_settso(struct bus_port *bp, int families)
{
	struct bus *b = bp->bp_bus;

	families &= BUS_TSO4 | BUS_TSO6;
	if (b == NULL) {
		bp->bp_tso = families;
		return;
	}
	bus_wrlock(b);
	bp->bp_tso = families;
	bus_unlock(b);
}
