/*
 * tap.h: host tap devices (Linux /dev/net/tun, IFF_TAP | IFF_NO_PI), the medium of the
 * net.virtif component.  Part of the hypercall layer (tap.c), apart from hyper.h so that
 * only the code that uses it includes it.
 *
 * hyp_tap_open attaches to the tap device called name (1..15 bytes), creating it if it
 * does not exist, in the network namespace of the calling thread; offloads are turned off
 * (TUNSETOFFLOAD 0), so every frame the host hands over carries complete checksums and is
 * at most its MTU.  A host thread (signals blocked) then waits for frames and calls
 * rx(arg, frame, len) for each, one at a time; rx must not block and must not close the
 * tap.  hyp_tap_send writes one frame (any thread).  hyp_tap_close stops the thread
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
typedef void hyp_tap_rx_fn(void *arg, const void *frame, size_t len);
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
void hyp_tap_close(struct hyp_tap *t) HYP_HIDDEN;
void hyp_tap_stats(struct hyp_tap *t, struct hyp_tap_stats *st) HYP_HIDDEN;
/* Number of taps open in the process (for tests: every close happened). */
int  hyp_tap_count(void) HYP_HIDDEN;

#endif
