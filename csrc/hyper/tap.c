/*
 * tap.c: host tap devices for net.virtif (see tap.h).
 *
 * One host thread per open tap waits in poll() on the device and on an eventfd that
 * hyp_tap_close writes to stop it.  It reads the frames that are ready (a bounded batch,
 * then poll again, so a stop request is seen under a flood) and hands each to the rx
 * callback, which copies it into a kernel.  If the host removes the device under us
 * (ip link del, or its namespace goes), reads fail for good: the thread counts the error
 * and stops watching the device, and waits only for the stop request.
 *
 * Receive offload (hyp_tap_offload, while the interface has TSO on): the host may then
 * hand over TCP datagrams of up to 64 KB (GSO) and frames whose checksum it left
 * partial; the thread passes their virtio_net_hdr to rx, which completes them.
 *
 * A frame the kernel sends from inside rx, on the tap's own thread (an ACK it answers, the
 * data an ACK lets out), is copied onto the tap's list for later and written after rx
 * returned (tap_flush_later), so the thread does not hold the kernel while Linux takes
 * the frame through its stack (a 64 KB offload frame's write runs Linux's TCP input): the
 * kernel's other threads (the application) would wait for it (perf: the vCPU hand-off was
 * a third of kernel -> Linux).  A tap is a FIFO link: while that list holds a frame or
 * is being written, any thread's frame goes onto it too, behind (t_llock), so frames
 * reach the host in the order the kernel sent them (the application's segment, sent once
 * the tap's thread let the kernel go, does not overtake the data an ACK let out before).
 *
 * A thread other than the tap's that writes a frame then reads what the host answered
 * inside that write (tap_rx_inline; t_rxlock keeps one reader at a time, so frames stay
 * in order): a kernel -> Linux transfer's ACKs and a Linux -> kernel transfer's data come
 * back within our own write, and the tap's thread would be woken for each only to find
 * the kernel busy.
 *
 * The device descriptor is non-blocking: a send never waits (a tap's write does not
 * block in practice; if it fails, the frame is dropped and counted, as a full link would
 * drop it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <sys/uio.h>

#include "hyper/tap.h"

#define TAP_BUFSIZE	(65536 + 64)	/* more than any frame the host can hand over */
#define TAP_BATCH	64		/* frames per wake-up before looking at the stop fd */
#define TAP_INLINE_BATCH 8		/* frames a writer reads after its write */

/* A frame the tap's own thread sent while delivering one (tap_write). */
struct tap_later {
	struct tap_later *l_next;
	size_t l_len;			/* bytes of l_data: the virtio_net_hdr, then the frame */
	uint8_t l_data[];
};

struct hyp_tap {
	int t_fd;			/* the tap device */
	/* frames for later (t_llock): the thread's own from inside rx, and any other
	 * thread's while the list is not empty or t_flushing (the thread writes them) */
	pthread_mutex_t t_llock;
	struct tap_later *t_later, **t_ltail;
	int t_flushing;
	int t_efd;			/* eventfd: stop the thread */
	pthread_t t_thread;
	hyp_tap_rx_fn *t_rx;
	void *t_arg;
	_Atomic uint64_t t_rx_frames, t_rx_bytes, t_rx_errors;
	_Atomic uint64_t t_tx_frames, t_tx_bytes, t_tx_errors;
	uint8_t *t_buf;			/* TAP_BUFSIZE, the thread's */
	uint8_t *t_buf2;		/* TAP_BUFSIZE, a writer's (tap_rx_inline) */
	pthread_mutex_t t_rxlock;	/* one reader at a time: read and rx */
};

static atomic_int tap_open_count;
static __thread struct hyp_tap *tap_self;	/* on a tap's thread: that tap */
static void tap_flush_later(struct hyp_tap *t);
static void tap_rx_inline(struct hyp_tap *t);

static int
tap_name_ok(const char *name)
{
	size_t n = strnlen(name, HYP_TAP_NAMEMAX);
	size_t i;

	if (n == 0 || n >= HYP_TAP_NAMEMAX)
		return 0;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return 0;
	for (i = 0; i < n; i++)
		/* '%' would let the host pick the name (tap%d): the link string must name it */
		if (name[i] == '/' || name[i] == ':' || name[i] == '%' ||
		    name[i] <= ' ' || name[i] == 0x7f)
			return 0;
	return 1;
}

/*
 * Reads one frame into buf and hands it to rx (t_rxlock held: one frame at a time, in the
 * order the host queued them).  1: one was read; 0: none is ready; -1: the device is gone.
 */
static int
tap_rx_one(struct hyp_tap *t, uint8_t *buf)
{
	const struct virtio_net_hdr *vh;
	struct hyp_tap_meta m, *meta;
	ssize_t r;

	do
		r = read(t->t_fd, buf, TAP_BUFSIZE);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		if (errno == EAGAIN)
			return 0;
		/* the device went away (EBADFD) or worse */
		atomic_fetch_add(&t->t_rx_errors, 1);
		return -1;
	}
	if (r == 0)
		return 0;
	/* each frame behind a virtio_net_hdr (IFF_VNET_HDR); GSO frames and partial
	 * checksums only once hyp_tap_offload asked for them */
	if ((size_t)r < sizeof(struct virtio_net_hdr)) {
		atomic_fetch_add(&t->t_rx_errors, 1);
		return 1;
	}
	vh = (const struct virtio_net_hdr *)(const void *)buf;
	r -= (ssize_t)sizeof(struct virtio_net_hdr);
	atomic_fetch_add_explicit(&t->t_rx_frames, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&t->t_rx_bytes, (uint64_t)r, memory_order_relaxed);
	if (vh->gso_type == VIRTIO_NET_HDR_GSO_NONE && !(vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		meta = NULL;
	else {
		m.flags = vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM ? HYP_TAP_NEEDS_CSUM : 0;
		m.gso_type = vh->gso_type;
		m.hdr_len = vh->hdr_len;
		m.gso_size = vh->gso_size;
		m.csum_start = vh->csum_start;
		m.csum_offset = vh->csum_offset;
		meta = &m;
	}
	t->t_rx(t->t_arg, buf + sizeof(struct virtio_net_hdr), (size_t)r, meta);
	return 1;
}

static void *
tap_thread(void *arg)
{
	struct hyp_tap *t = arg;
	struct pollfd pf[2];
	int i, n = 0;

	tap_self = t;
	pf[0].fd = t->t_efd;
	pf[0].events = POLLIN;
	pf[1].fd = t->t_fd;
	pf[1].events = POLLIN;
	for (;;) {
		pf[0].revents = pf[1].revents = 0;
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[0].revents != 0)
			break;				/* hyp_tap_close */
		if (pf[1].revents == 0)
			continue;
		for (i = 0; i < TAP_BATCH; i++) {
			pthread_mutex_lock(&t->t_rxlock);
			n = tap_rx_one(t, t->t_buf);
			pthread_mutex_unlock(&t->t_rxlock);
			tap_flush_later(t);
			if (n <= 0)
				break;
		}
		if (n < 0)
			pf[1].fd = -1;		/* gone: wait only for the stop request */
	}
	return NULL;
}

/*
 * After a thread (not the tap's) wrote a frame: what the host answered within that write
 * (Linux runs its TCP input inside it: the ACK for our data, the data our window update
 * let out) is read here and handed to rx at once, by the writing thread, if no other is
 * reading (the tap's thread would otherwise be woken for it and find the kernel busy).
 * The writer holds its kernel, so rx queues the frames for it; it runs them before it
 * lets go.  A bounded batch: the rest is the tap thread's.
 */
static void
tap_rx_inline(struct hyp_tap *t)
{
	int i;

	if (pthread_mutex_trylock(&t->t_rxlock) != 0)
		return;
	for (i = 0; i < TAP_INLINE_BATCH && tap_rx_one(t, t->t_buf2) > 0; i++)
		continue;
	pthread_mutex_unlock(&t->t_rxlock);
}

int
hyp_tap_open(const char *name, hyp_tap_rx_fn *rx, void *arg, struct hyp_tap **tp)
{
	struct hyp_tap *t;
	struct ifreq ifr;
	sigset_t all, old;
	int e;

	*tp = NULL;
	if (name == NULL || rx == NULL || !tap_name_ok(name))
		return hyp_errno(EINVAL);
	if ((t = hyp_zalloc(sizeof(*t))) == NULL)
		return hyp_errno(ENOMEM);
	t->t_fd = t->t_efd = -1;
	pthread_mutex_init(&t->t_rxlock, NULL);
	pthread_mutex_init(&t->t_llock, NULL);
	t->t_rx = rx;
	t->t_arg = arg;
	if ((t->t_buf = hyp_malloc(TAP_BUFSIZE)) == NULL ||
	    (t->t_buf2 = hyp_malloc(TAP_BUFSIZE)) == NULL) {
		e = ENOMEM;
		goto fail;
	}
	/* The device lives in the namespace of the thread that opens /dev/net/tun. */
	if ((t->t_fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0) {
		e = errno;
		goto fail;
	}
	memset(&ifr, 0, sizeof(ifr));
	/* IFF_VNET_HDR: a virtio_net_hdr before each frame, so that a frame we write can be
	 * a TCP segmentation offload one (hyp_tap_send_gso) */
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(t->t_fd, TUNSETIFF, &ifr) < 0) {
		e = errno;
		goto fail;
	}
	/* No checksum or segmentation offload towards us: complete frames, checksums
	 * included. */
	if (ioctl(t->t_fd, TUNSETVNETHDRSZ, &(int){ sizeof(struct virtio_net_hdr) }) < 0 ||
	    ioctl(t->t_fd, TUNSETOFFLOAD, 0UL) < 0) {
		e = errno;
		goto fail;
	}
	if ((t->t_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		e = errno;
		goto fail;
	}
	/* The thread takes no signals: they belong to the program's own threads. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&t->t_thread, NULL, tap_thread, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0)
		goto fail;
	atomic_fetch_add(&tap_open_count, 1);
	*tp = t;
	return 0;
fail:
	if (t->t_efd >= 0)
		close(t->t_efd);
	if (t->t_fd >= 0)
		close(t->t_fd);
	if (t->t_buf != NULL)
		hyp_free(t->t_buf, TAP_BUFSIZE);
	if (t->t_buf2 != NULL)
		hyp_free(t->t_buf2, TAP_BUFSIZE);
	pthread_mutex_destroy(&t->t_rxlock);
	pthread_mutex_destroy(&t->t_llock);
	hyp_free(t, sizeof(*t));
	return hyp_errno(e);
}

static int tap_write_now(struct hyp_tap *t, const struct virtio_net_hdr *h, const void *frame,
    size_t len);

/* Writes the frames for later, in order, t_llock not held (the tap's thread, after rx;
 * it holds no kernel): frames other threads add meanwhile go behind and are written too. */
static void
tap_flush_later(struct hyp_tap *t)
{
	struct tap_later *l;

	pthread_mutex_lock(&t->t_llock);
	if (t->t_later == NULL) {
		pthread_mutex_unlock(&t->t_llock);
		return;
	}
	t->t_flushing = 1;
	while ((l = t->t_later) != NULL) {
		t->t_later = l->l_next;
		pthread_mutex_unlock(&t->t_llock);
		(void)tap_write_now(t, (const struct virtio_net_hdr *)(const void *)l->l_data,
		    l->l_data + sizeof(struct virtio_net_hdr),
		    l->l_len - sizeof(struct virtio_net_hdr));
		hyp_free(l, sizeof(*l) + l->l_len);
		pthread_mutex_lock(&t->t_llock);
	}
	t->t_flushing = 0;
	pthread_mutex_unlock(&t->t_llock);
}

/* Copies a frame onto the list for later (t_llock held). */
static int
tap_later_add(struct hyp_tap *t, const struct virtio_net_hdr *h, const void *frame, size_t len)
{
	struct tap_later *l;

	if ((l = hyp_malloc(sizeof(*l) + sizeof(*h) + len)) == NULL) {
		atomic_fetch_add_explicit(&t->t_tx_errors, 1, memory_order_relaxed);
		return hyp_errno(ENOMEM);
	}
	l->l_next = NULL;
	l->l_len = sizeof(*h) + len;
	memcpy(l->l_data, h, sizeof(*h));
	memcpy(l->l_data + sizeof(*h), frame, len);
	if (t->t_later == NULL)
		t->t_ltail = &t->t_later;
	*t->t_ltail = l;
	t->t_ltail = &l->l_next;
	return 0;
}

/*
 * A frame to the host, in the order of the calls: from inside rx on the tap's thread,
 * onto the list for later (written after rx, when the kernel is free); from another
 * thread, onto the list too while it holds a frame or is being written, else at once
 * (t_llock held over the write, so the tap's thread cannot start writing the list under
 * it), and then what the host answered is read (tap_rx_inline).
 */
static int
tap_write(struct hyp_tap *t, const struct virtio_net_hdr *h, const void *frame, size_t len)
{
	int e;

	pthread_mutex_lock(&t->t_llock);
	if (tap_self == t || t->t_later != NULL || t->t_flushing) {
		e = tap_later_add(t, h, frame, len);
		pthread_mutex_unlock(&t->t_llock);
		return e;
	}
	e = tap_write_now(t, h, frame, len);
	pthread_mutex_unlock(&t->t_llock);
	tap_rx_inline(t);
	return e;
}

static int
tap_write_now(struct hyp_tap *t, const struct virtio_net_hdr *h, const void *frame, size_t len)
{
	struct iovec iov[2] = { { (void *)h, sizeof(*h) }, { (void *)frame, len } };
	ssize_t r;

	do
		r = writev(t->t_fd, iov, 2);
	while (r < 0 && errno == EINTR);
	if (r < 0 || (size_t)r != sizeof(*h) + len) {
		atomic_fetch_add_explicit(&t->t_tx_errors, 1, memory_order_relaxed);
		return r < 0 ? hyp_errno(errno) : hyp_errno(EIO);
	}
	atomic_fetch_add_explicit(&t->t_tx_frames, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&t->t_tx_bytes, len, memory_order_relaxed);
	return 0;
}

int
hyp_tap_send(struct hyp_tap *t, const void *frame, size_t len)
{
	static const struct virtio_net_hdr none;

	return tap_write(t, &none, frame, len);
}

int
hyp_tap_send_gso(struct hyp_tap *t, const void *frame, size_t len, size_t hdrlen, unsigned mss)
{
	/* checksums complete (no NEEDS_CSUM): the host checks the TCP checksum we computed
	 * over the whole segment; it cuts the frame where it must (GSO) */
	const uint8_t *f = frame;
	struct virtio_net_hdr h = {
		.gso_type = len > 14 && f[12] == 0x86 && f[13] == 0xdd ?
		    VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4,
		.hdr_len = (uint16_t)hdrlen,
		.gso_size = (uint16_t)mss,
	};

	return tap_write(t, &h, frame, len);
}

int
hyp_tap_offload(struct hyp_tap *t, int tso4, int tso6)
{
	unsigned long f = 0;

	if (tso4 || tso6)
		f = TUN_F_CSUM | (tso4 ? TUN_F_TSO4 : 0) | (tso6 ? TUN_F_TSO6 : 0);
	if (ioctl(t->t_fd, TUNSETOFFLOAD, f) < 0)
		return hyp_errno(errno);
	return 0;
}

void
hyp_tap_close(struct hyp_tap *t)
{
	struct tap_later *l;
	uint64_t one = 1;
	ssize_t r;

	if (t == NULL)
		return;
	do
		r = write(t->t_efd, &one, sizeof(one));
	while (r < 0 && errno == EINTR);
	pthread_join(t->t_thread, NULL);
	close(t->t_efd);
	close(t->t_fd);
	hyp_free(t->t_buf, TAP_BUFSIZE);
	hyp_free(t->t_buf2, TAP_BUFSIZE);
	while ((l = t->t_later) != NULL) {	/* none: the thread always finishes it */
		t->t_later = l->l_next;
		hyp_free(l, sizeof(*l) + l->l_len);
	}
	pthread_mutex_destroy(&t->t_rxlock);
	pthread_mutex_destroy(&t->t_llock);
	hyp_free(t, sizeof(*t));
	atomic_fetch_sub(&tap_open_count, 1);
}

void
hyp_tap_stats(struct hyp_tap *t, struct hyp_tap_stats *st)
{
	st->rx_frames = atomic_load(&t->t_rx_frames);
	st->rx_bytes = atomic_load(&t->t_rx_bytes);
	st->rx_errors = atomic_load(&t->t_rx_errors);
	st->tx_frames = atomic_load(&t->t_tx_frames);
	st->tx_bytes = atomic_load(&t->t_tx_bytes);
	st->tx_errors = atomic_load(&t->t_tx_errors);
}

int
hyp_tap_count(void)
{
	return atomic_load(&tap_open_count);
}
