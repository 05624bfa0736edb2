/*
 * tap.h: host tap devices (Linux /dev/net/tun, IFF_TAP | IFF_NO_PI), the medium of the
 * net.virtif component.  Part of the hypercall layer (tap.c), apart from hyper.h so that
 * only the code that uses it includes it.
 *
 * hyp_tap_open attaches to the tap device called name (1..15 bytes), creating it if it
 * does not exist, in the network namespace of the calling thread; offloads start off
 * (TUNSETOFFLOAD 0), so every frame the host hands over carries complete checksums and is
 * at most its MTU, until hyp_tap_offload asks for more.  A host thread (signals blocked)
 * then waits for frames and calls rx(arg, frame, len, meta) for each, one at a time: meta
 * NULL for a plain frame, else the frame's virtio_net_hdr (a partial checksum to complete,
 * a segmentation offload frame); the frame is the thread's buffer, rx may write to it
 * (complete a checksum in place); rx must not block and must not close the tap.  hyp_tap_send writes one frame (any thread).  hyp_tap_close stops the thread
 * (joins it: once it returns, rx runs no more) and closes the device; a tap nobody made
 * persistent disappears from the host with it.  Errors are NetBSD errno values: ENOENT
 * (no /dev/net/tun), EPERM/EACCES (not allowed), EBUSY (someone else holds the device),
 * EINVAL (a bad name, or a device of that name that is not a tap), ENOMEM, ...
 */
#ifndef HYPER_TAP_H
#define HYPER_TAP_H

#include <stddef.h>
#include <stdint.h>

#include "hyper/hyper.h"

#define HYP_TAP_NAMEMAX	16	/* with the NUL, Linux's IFNAMSIZ */

struct hyp_tap;
/* The virtio_net_hdr of a frame from the host that is not plain (host byte order). */
struct hyp_tap_meta {
	uint8_t flags;			/* HYP_TAP_NEEDS_CSUM */
	uint8_t gso_type;		/* HYP_TAP_GSO_* */
	uint16_t hdr_len, gso_size, csum_start, csum_offset;
};
#define HYP_TAP_NEEDS_CSUM	1	/* the checksum at csum_start + csum_offset holds the
					 * pseudo-header's sum: sum from csum_start to the end */
#define HYP_TAP_GSO_NONE	0
#define HYP_TAP_GSO_TCPV4	1	/* one TCP datagram of many gso_size segments */
#define HYP_TAP_GSO_TCPV6	4
typedef void hyp_tap_rx_fn(void *arg, void *frame, size_t len, const struct hyp_tap_meta *meta);
struct hyp_tap_stats {
	uint64_t rx_frames, rx_bytes, rx_errors;	/* rx_errors: failed reads */
	uint64_t tx_frames, tx_bytes, tx_errors;	/* tx_errors: failed or short writes */
};

int  hyp_tap_open(const char *name, hyp_tap_rx_fn *rx, void *arg, struct hyp_tap **tp) HYP_HIDDEN;
int  hyp_tap_send(struct hyp_tap *t, const void *frame, size_t len) HYP_HIDDEN;
/* A TCP segmentation offload frame (an Ethernet frame holding one IPv4 or IPv6 TCP
 * datagram larger than the MTU, GSO_TCPV4 or GSO_TCPV6 by its Ethernet type, hdrlen bytes of Ethernet, IP and TCP headers, mss data bytes per
 * segment, checksums complete): the host cuts it (virtio_net_hdr GSO). */
int  hyp_tap_send_gso(struct hyp_tap *t, const void *frame, size_t len, size_t hdrlen,
    unsigned mss) HYP_HIDDEN;
/* Receive offload: let the host hand over partial checksums and TCP segmentation offload
 * frames of IPv4 (tso4) and IPv6 (tso6) (TUNSETOFFLOAD TUN_F_CSUM | TUN_F_TSO4/6); both 0
 * turns it off again.  0 or an errno. */
int  hyp_tap_offload(struct hyp_tap *t, int tso4, int tso6) HYP_HIDDEN;
void hyp_tap_close(struct hyp_tap *t) HYP_HIDDEN;
void hyp_tap_stats(struct hyp_tap *t, struct hyp_tap_stats *st) HYP_HIDDEN;
/* Number of taps open in the process (for tests: every close happened). */
int  hyp_tap_count(void) HYP_HIDDEN;

#endif
