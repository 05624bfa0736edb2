/*
 * if.c: the net.net component: per-kernel network state, interfaces (lo0 and the
 * generic parts), packets, input queues, Ethernet framing and the interface ioctls.
 *
 * Invariants: ns_ifs is the kernel's interface list, changed only under ns_lock; an
 * interface's input queue (if_qhead) is changed only under its if_qlock, from any
 * thread; ns_pending counts the packets on all queues of the kernel, so net_unlock can
 * tell cheaply whether input is left to run.
 */
#include <stdio.h>

#include "net/if.h"
#include "netinet/in_var.h"

/* ---------------------------------------------------------------- packets */

static struct pkt *
pkt_init(struct pkt *p, struct kern *k, size_t size, size_t len, size_t headroom)
{
	p->p_next = NULL;
	p->p_kern = k;
	p->p_rcvif = NULL;
	p->p_size = (uint32_t)size;
	p->p_off = (uint32_t)headroom;
	p->p_len = (uint32_t)len;
	p->p_flags = 0;
	p->p_tsosz = 0;
	p->p_src = p->p_dst = 0;
	p->p_sport = p->p_dport = 0;
	return p;
}

struct pkt *
pkt_alloc_nc(struct kern *k, size_t len, size_t headroom)
{
	struct pkt *p;
	size_t size = len + headroom;

	if (len > 65535 + 128 || headroom > 256)
		return NULL;
	if (size <= PKT_STDSIZE)
		size = PKT_STDSIZE;
	if ((p = kmem_alloc(k, sizeof(*p) + size)) == NULL)
		return NULL;
	return pkt_init(p, k, size, len, headroom);
}

void
pkt_free_nc(struct pkt *p)
{
	if (p != NULL)
		kmem_free(p->p_kern, p, sizeof(*p) + p->p_size);
}

struct pkt *
pkt_alloc(struct kern *k, size_t len, size_t headroom)
{
	struct ifnet_state *ns = ifstate(k);
	struct pkt *p;

	if (len + headroom <= PKT_STDSIZE && headroom <= 256 && ns != NULL &&
	    (p = ns->ns_pktcache) != NULL) {
		ns->ns_pktcache = p->p_next;
		ns->ns_npktcache--;
		return pkt_init(p, k, PKT_STDSIZE, len, headroom);
	}
	return pkt_alloc_nc(k, len, headroom);
}

void
pkt_free(struct pkt *p)
{
	struct ifnet_state *ns;

	if (p == NULL)
		return;
	ns = ifstate(p->p_kern);
	if (p->p_size == PKT_STDSIZE && ns != NULL && ns->ns_npktcache < PKT_CACHEMAX) {
		p->p_next = ns->ns_pktcache;
		ns->ns_pktcache = p;
		ns->ns_npktcache++;
		return;
	}
	pkt_free_nc(p);
}

/* ---------------------------------------------------------------- entering */

void
ifs_lock(struct ifnet_state *ns)
{
	net_lock(ns->ns_kern);
}

void
ifs_flush(struct ifnet_state *ns)
{
	if (atomic_load(&ns->ns_pending) > 0 && !ns->ns_draining)
		ifs_drain(ns);		/* bounded: the rest goes to the timer */
}

void
ifs_unlock(struct ifnet_state *ns)
{
	ifs_flush(ns);
	net_unlock(ns->ns_kern);
}

int
ifs_enter_try(struct kern *k, struct ifs_enter *ne)
{
	struct kern_tls *t = &kern_tls;
	struct ifnet_state *ns = ifstate(k);

	if (atomic_load(&k->k_halted) || ns == NULL)
		return EBUSY;
	if (t->cur != NULL && t->cur->l_kern == k)
		return EBUSY;		/* this thread is inside k already */
	if (!vcpu_trytake(k))
		return EBUSY;
	if (atomic_load_explicit(&hyp_vclock_on, memory_order_relaxed)) {
		t->vcount++;
		hyp_sched_busy(1);
	}
	/* the socket layer's lock: free with one vCPU (which we hold), a mutex with more */
	if (k->k_ncpu > 1 && br_tryenter(&net_state(k)->ns_lock) != 0) {
		vcpu_release(k);
		return EBUSY;
	}
	ne->prev = t->cur;
	if (t->nouter < (int)(sizeof(t->outer) / sizeof(t->outer[0])))
		t->outer[t->nouter] = t->cur != NULL ? t->cur->l_kern : NULL;
	t->nouter++;
	ne->implicit.l_proc = k->k_proc1;
	ne->implicit.l_kern = k;
	ne->implicit.l_lid = 0;
	ne->implicit.l_flag = LW_IMPLICIT;
	ne->implicit.l_next = NULL;
	ne->implicit.l_cred = NULL;
	t->cur = &ne->implicit;
	return 0;
}

void
ifs_leave_other(struct kern *k, struct ifs_enter *ne)
{
	struct kern *outer;

	ifs_unlock(ifstate(k));
	kern_tls.cur = ne->prev;
	kern_tls.nouter--;
	/* wake-ups made in k wait until this thread leaves the kernel it came from too
	 * (kern_wake_defer); ne->prev's kernel is held by this thread */
	if (k->k_nwake != 0 && ne->prev != NULL && (outer = ne->prev->l_kern) != k &&
	    k->k_ncpu == 1 && outer->k_ncpu == 1)
		kern_wake_defer(k, outer);
	vcpu_release(k);
}

static void if_input(struct ifnet *ifp, struct pkt *p);

static struct pkt *
if_dequeue(struct ifnet *ifp)
{
	struct pkt *p;

	hyp_mutex_lock(&ifp->if_qlock);
	if ((p = ifp->if_qhead) != NULL) {
		if ((ifp->if_qhead = p->p_next) == NULL)
			ifp->if_qtail = &ifp->if_qhead;
		ifp->if_qlen--;
		p->p_next = NULL;
	}
	hyp_mutex_unlock(&ifp->if_qlock);
	return p;
}

/* Runs queued input until the queues are empty or budget frames have run. */
static void
ifs_drain_some(struct ifnet_state *ns, long budget)
{
	struct ifnet *ifp;
	struct pkt *p;
	int busy;

	ns->ns_draining = 1;
	do {
		busy = 0;
		for (ifp = ns->ns_ifs; ifp != NULL && budget > 0; ifp = ifp->if_next)
			while (budget > 0 && (p = if_dequeue(ifp)) != NULL) {
				atomic_fetch_sub(&ns->ns_pending, 1);
				busy = 1;
				budget--;
				if_input(ifp, p);
			}
	} while (busy && budget > 0);
	ns->ns_draining = 0;
}

/*
 * Runs queued input: at most IFS_DRAIN_BUDGET frames (four full queues), so a thread
 * leaving a kernel (or the scheduler thread's timer) is never held there by another
 * thread that keeps queuing frames faster than the kernel runs them (tcp_syncache_test's
 * flood held one forever under TSan); what is left goes to the timer, armed again here.
 */
#define IFS_DRAIN_BUDGET	(4 * IFQ_MAXLEN)
void
ifs_drain(struct ifnet_state *ns)
{
	ifs_drain_some(ns, IFS_DRAIN_BUDGET);
	if (atomic_load(&ns->ns_pending) > 0 && !atomic_exchange(&ns->ns_isr_armed, 1))
		hyp_timer_arm(&ns->ns_isr, hyp_clock_mono());
}

/*
 * Queued input of a kernel that was busy when it arrived is run from a timer of hyper's
 * scheduler thread, not from a kernel callout: the timer only *tries* to enter the
 * kernel (never waits, so it is safe from any context) and retries shortly after while
 * the kernel stays busy.  Whoever holds the kernel through our code drains the queues
 * anyway before leaving (ifs_unlock, ifs_flush); the timer covers holders that leave
 * through other code.  (Kernel callouts may run inside another thread's cv_wait, where
 * waking a socket is not safe.)
 */
#define IFS_ISR_RETRY_NS	20000
#define IFS_ISR_LATE_NS		500000	/* one vCPU, real clock: its holder drains */
static void
ifs_isr(void *arg)
{
	struct ifnet_state *ns = arg;
	struct kern *k = ns->ns_kern;
	struct ifs_enter ne;

	if (atomic_load(&k->k_halted))
		return;		/* ns_isr_armed stays set: a halted kernel is not drained */
	if (ifs_enter_try(k, &ne) != 0) {
		/* with one vCPU and the real clock the holder drains at its release:
		 * no retry storm while it holds the kernel */
		int late = k->k_ncpu == 1 && k->k_softnet_fn != NULL &&
		    !atomic_load_explicit(&hyp_vclock_on, memory_order_relaxed);
		hyp_timer_arm(&ns->ns_isr, hyp_clock_mono() +
		    (late ? IFS_ISR_LATE_NS : IFS_ISR_RETRY_NS));
		return;
	}
	atomic_store(&ns->ns_isr_armed, 0);
	ifs_drain(ns);
	ifs_leave_other(k, &ne);
}

/* Runs a frame or packet that arrived on ifp (its kernel's lock held). */
static void
if_input(struct ifnet *ifp, struct pkt *p)
{
	struct ifnet_state *ns = ifstate(ifp->if_kern);

	if (ifp->if_type == IFT_LOOP) {
		if (p->p_len > 0 && (pkt_data(p)[0] >> 4) == 6 && ns->ns_ip6_input != NULL)
			ns->ns_ip6_input(ifp, p);	/* net.netinet6 */
		else if (ns->ns_ip_input != NULL)
			ns->ns_ip_input(ifp, p);
		else
			pkt_free(p);
	} else
		ether_input(ifp, p);
}

/*
 * Input queued while the kernel's only vCPU was held, without hyper's scheduler thread
 * (issue 16: that thread's wake-up was the two-thread round trip's tail).  if_queue sets
 * k_softnet and k_softpending, so the holder drains the queues when it releases the vCPU
 * (kern_softrun calls ifs_softnet), typically a server about to sleep in recvfrom for
 * the very datagram that waits here.  The holder releases with a plain store and reads
 * k_softpending after it without a fence, so both may miss the other: the queuing
 * thread then waits for that release a short while (IFQ_HANDOFF_NS, several host CPUs,
 * the real clock), until the queue is empty or it could enter the kernel and drain it
 * itself, and only after that arms the timer as before.
 */
#define IFQ_HANDOFF_NS	3000

static void
ifs_softnet(struct kern *k)
{
	struct ifnet_state *ns = ifstate(k);

	/* bounded (ifs_drain); then net_unlock posts the SIGURGs the input queued (one
	 * vCPU: the net lock is that vCPU, which this thread holds) */
	if (ns != NULL) {
		ifs_lock(ns);
		ifs_unlock(ns);
	}
}

static int
if_handoff(struct kern *k, struct ifnet_state *ns)
{
	struct kern_tls *t = &kern_tls;
	struct ifs_enter ne;
	uint64_t spin, end = 0;

	if ((t->cur != NULL && t->cur->l_kern == k) ||
	    atomic_load_explicit(&hyp_vclock_on, memory_order_relaxed) ||
	    (spin = hyp_spin_ns(IFQ_HANDOFF_NS)) == 0)
		return 0;
	/* this thread holds k further up its stack (one thread driving both ends of a TCP
	 * transfer: B's ACK for A while A's send delivers into B): k cannot come free
	 * while we spin; its holder (we) drains the queue on release */
	for (int i = 0; i < t->nouter && i < (int)(sizeof(t->outer) / sizeof(t->outer[0])); i++)
		if (t->outer[i] == k)
			return 0;
	if (spin > IFQ_HANDOFF_NS)
		spin = IFQ_HANDOFF_NS;
	for (unsigned i = 0;; i++) {
		if (atomic_load(&ns->ns_pending) == 0)
			return 1;
		if (atomic_load_explicit(&k->k_vcpu_free, memory_order_relaxed) > 0 &&
		    ifs_enter_try(k, &ne) == 0) {
			ifs_leave_other(k, &ne);	/* drains (ifs_unlock) */
			return 1;
		}
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#endif
		if ((i & 15) == 15) {
			uint64_t now = hyp_clock_mono();

			if (end == 0)
				end = now + spin;
			else if (now >= end)
				return 0;
		}
	}
}

static void
if_queue(struct ifnet *ifp, struct pkt *p)
{
	struct kern *k = ifp->if_kern;
	struct ifnet_state *ns = ifstate(k);

	hyp_mutex_lock(&ifp->if_qlock);
	if (ifp->if_qlen >= IFQ_MAXLEN || atomic_load(&ifp->if_kern->k_halted)) {
		atomic_fetch_add(&ifp->if_rxdrops, 1);
		hyp_mutex_unlock(&ifp->if_qlock);
		pkt_free_nc(p);
		return;
	}
	*ifp->if_qtail = p;
	ifp->if_qtail = &p->p_next;
	ifp->if_qlen++;
	atomic_fetch_add(&ns->ns_pending, 1);
	hyp_mutex_unlock(&ifp->if_qlock);
	if (k->k_ncpu == 1 && k->k_softnet_fn != NULL) {
		atomic_store(&k->k_softnet, 1);
		atomic_store(&k->k_softpending, 1);
		if (if_handoff(k, ns))
			return;
		/* Busy (real clock, one vCPU): its holder drains at its release, which
		 * sees k_softpending; if it has just released we drain ourselves.  The
		 * timer, armed late, only covers a release racing with our store (a
		 * holder's plain-store release may miss it; callout_fire closes that
		 * race with a membarrier, too dear per frame).  Arming it at once woke the
		 * scheduler thread, which preempted one of the two threads of a bulk
		 * transfer with a thread per end, for most frames. */
		if (!atomic_load_explicit(&hyp_vclock_on, memory_order_relaxed) &&
		    (kern_tls.cur == NULL || kern_tls.cur->l_kern != k)) {
			if (atomic_load(&k->k_vcpu_free) > 0)
				vcpu_softcheck(k);
			if (atomic_load(&ns->ns_pending) > 0 &&
			    !atomic_exchange(&ns->ns_isr_armed, 1))
				hyp_timer_arm(&ns->ns_isr, hyp_clock_mono() + IFS_ISR_LATE_NS);
			return;
		}
	}
	/* Busy: whoever holds the kernel drains before leaving, or the callout does.  A
	 * holder that is just leaving may have missed this packet: the callout covers it. */
	if (!atomic_exchange(&ns->ns_isr_armed, 1))
		hyp_timer_arm(&ns->ns_isr, hyp_clock_mono());
}

/* Runs p in its kernel now (entered by ifs_enter_try), after anything queued before. */
static void
if_run(struct ifnet_state *ns, struct ifnet *ifp, struct pkt *p)
{
	if (atomic_load(&ns->ns_pending) > 0)
		ifs_drain(ns);
	ns->ns_draining = 1;
	if_input(ifp, p);
	ns->ns_draining = 0;
}

void
if_enqueue(struct ifnet *ifp, struct pkt *p)
{
	struct kern *k = ifp->if_kern;
	struct ifs_enter ne;

	p->p_rcvif = ifp;
	if (ifs_enter_try(k, &ne) == 0) {
		if_run(ifstate(k), ifp, p);
		ifs_leave_other(k, &ne);
	} else
		if_queue(ifp, p);
}

void
if_rx_frame(struct ifnet *ifp, const void *frame, size_t len, size_t maxlen)
{
	struct kern *k = ifp->if_kern;
	struct ifs_enter ne;
	struct pkt *p;

	if (len < 14 || len > maxlen) {
		atomic_fetch_add(&ifp->if_rxerrors, 1);
		return;
	}
	if (ifs_enter_try(k, &ne) == 0) {
		if ((p = pkt_alloc(k, len, 0)) == NULL)
			atomic_fetch_add(&ifp->if_rxdrops, 1);
		else {
			memcpy(pkt_data(p), frame, len);
			p->p_rcvif = ifp;
			if_run(ifstate(k), ifp, p);
		}
		ifs_leave_other(k, &ne);
		return;
	}
	if ((p = pkt_alloc_nc(k, len, 0)) == NULL) {
		atomic_fetch_add(&ifp->if_rxdrops, 1);
		return;
	}
	memcpy(pkt_data(p), frame, len);
	p->p_rcvif = ifp;
	if_queue(ifp, p);
}

/* ---------------------------------------------------------------- interfaces */

struct ifnet *
if_alloc(struct kern *k, const char *name)
{
	struct ifnet *ifp = kmem_zalloc(k, sizeof(*ifp));

	if (ifp == NULL)
		return NULL;
	ifp->if_kern = k;
	snprintf(ifp->if_xname, sizeof(ifp->if_xname), "%s", name);
	hyp_mutex_init(&ifp->if_qlock);
	ifp->if_qtail = &ifp->if_qhead;
	return ifp;
}

struct ifnet *
if_find(struct ifnet_state *ns, const char *name)
{
	struct ifnet *ifp;

	for (ifp = ns->ns_ifs; ifp != NULL; ifp = ifp->if_next)
		if (strncmp(ifp->if_xname, name, NB_IFNAMSIZ) == 0)
			return ifp;
	return NULL;
}

struct ifnet *
if_byindex(struct ifnet_state *ns, int index)
{
	struct ifnet *ifp;

	for (ifp = ns->ns_ifs; ifp != NULL; ifp = ifp->if_next)
		if (ifp->if_index == index)
			return ifp;
	return NULL;
}

static void
if_stamp(struct ifnet *ifp)
{
	uint64_t now = kern_realtime(ifp->if_kern);

	ifp->if_data.ifi_lastchange.tv_sec = (int64_t)(now / 1000000000);
	ifp->if_data.ifi_lastchange.tv_nsec = (long)(now % 1000000000);
}

int
if_attach(struct ifnet_state *ns, struct ifnet *ifp)
{
	struct ifnet **pp;

	if (if_find(ns, ifp->if_xname) != NULL)
		return EEXIST;
	ifp->if_index = ++ns->ns_nextindex;
	ifp->if_data.ifi_type = (uint8_t)ifp->if_type;
	ifp->if_data.ifi_mtu = ifp->if_mtu;
	ifp->if_data.ifi_link_state = LINK_STATE_UNKNOWN;
	if_stamp(ifp);
	for (pp = &ns->ns_ifs; *pp != NULL; pp = &(*pp)->if_next)
		continue;
	*pp = ifp;		/* in index order */
	return 0;
}

void
if_detach(struct ifnet_state *ns, struct ifnet *ifp)
{
	struct ifnet **pp;
	struct pkt *p;

	ifp->if_flags &= ~(IFF_UP | IFF_RUNNING);
	if (ns->ns_if_detach6 != NULL)
		ns->ns_if_detach6(ifp);		/* net.netinet6: addresses, neighbours */
	if (ns->ns_if_detach != NULL)
		ns->ns_if_detach(ifp);		/* addresses, ARP entries */
	rt_ifdetach(ns, ifp);
	for (pp = &ns->ns_ifs; *pp != NULL; pp = &(*pp)->if_next)
		if (*pp == ifp) {
			*pp = ifp->if_next;
			break;
		}
	if (ifp->if_free != NULL)
		ifp->if_free(ifp);		/* after this no frame can arrive */
	while ((p = if_dequeue(ifp)) != NULL) {
		atomic_fetch_sub(&ns->ns_pending, 1);
		pkt_free(p);
	}
	hyp_mutex_destroy(&ifp->if_qlock);
	if (ifp->if_linkstr != NULL)
		kmem_free(ns->ns_kern, ifp->if_linkstr, ifp->if_linkstrsize);
	kmem_free(ns->ns_kern, ifp, sizeof(*ifp));
}

void
if_up_down(struct ifnet *ifp, int flags)
{
	int was = ifp->if_flags & IFF_UP;

	ifp->if_flags = (ifp->if_flags & IFF_CANTCHANGE) | (flags & ~IFF_CANTCHANGE);
	if ((flags & IFF_UP) && !was) {
		ifp->if_flags |= IFF_RUNNING;
		ifp->if_data.ifi_link_state = LINK_STATE_UP;
		if_stamp(ifp);
		if (ifstate(ifp->if_kern)->ns_if_up6 != NULL)
			ifstate(ifp->if_kern)->ns_if_up6(ifp);	/* net.netinet6: link-local */
	} else if (!(flags & IFF_UP) && was) {
		ifp->if_flags &= ~IFF_RUNNING;
		ifp->if_data.ifi_link_state = LINK_STATE_DOWN;
		if_stamp(ifp);
	}
}

/* ---------------------------------------------------------------- loopback */

static int
lo_output(struct ifnet *ifp, struct pkt *p, uint32_t nexthop)
{
	struct ifnet_state *ns = ifstate(ifp->if_kern);

	(void)nexthop;
	if (!(ifp->if_flags & IFF_UP)) {
		pkt_free(p);
		return ENETDOWN;
	}
	ifp->if_data.ifi_opackets++;
	ifp->if_data.ifi_obytes += p->p_len;
	ifp->if_data.ifi_ipackets++;
	ifp->if_data.ifi_ibytes += p->p_len;
	/* The kernel's lock is held: queue it, net_unlock runs it. */
	p->p_rcvif = ifp;
	hyp_mutex_lock(&ifp->if_qlock);
	if (ifp->if_qlen >= IFQ_MAXLEN || atomic_load(&ifp->if_kern->k_halted)) {
		ifp->if_data.ifi_iqdrops++;
		hyp_mutex_unlock(&ifp->if_qlock);
		pkt_free(p);
		return ENOBUFS;
	}
	*ifp->if_qtail = p;
	ifp->if_qtail = &p->p_next;
	ifp->if_qlen++;
	atomic_fetch_add(&ns->ns_pending, 1);
	hyp_mutex_unlock(&ifp->if_qlock);
	return 0;
}

/* ---------------------------------------------------------------- Ethernet */

static const uint8_t ether_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

void
ether_input(struct ifnet *ifp, struct pkt *p)
{
	struct ifnet_state *ns = ifstate(ifp->if_kern);
	const uint8_t *eh;
	uint16_t type;

	if (!(ifp->if_flags & IFF_UP)) {
		pkt_free(p);
		return;
	}
	ifp->if_data.ifi_ipackets++;
	ifp->if_data.ifi_ibytes += p->p_len;
	if (p->p_len < 14 || (p->p_len > ifp->if_mtu + 14 &&
	    (!(ifp->if_capenable & (pkt_data(p)[12] == 0x86 && pkt_data(p)[13] == 0xdd ?
	    IFCAP_TSOv6 : IFCAP_TSOv4)) || p->p_len > TSO_MAXFRAME))) {
		ifp->if_data.ifi_ierrors++;
		pkt_free(p);
		return;
	}
	eh = pkt_data(p);
	if (memcmp(eh, ether_bcast, 6) == 0)
		p->p_flags |= PKT_BCAST;
	else if (eh[0] & 1) {
		ifp->if_data.ifi_imcasts++;
		if ((ns->ns_ether_mcast != NULL && ns->ns_ether_mcast(ifp, eh)) ||
		    (ns->ns_ether_mcast4 != NULL && ns->ns_ether_mcast4(ifp, eh)))
			p->p_flags |= PKT_MCAST;	/* a group ifp joined (IPv4 or IPv6) */
	}
	if (!(p->p_flags & (PKT_BCAST | PKT_MCAST)) && memcmp(eh, ifp->if_lladdr, 6) != 0 &&
	    !(ifp->if_flags & IFF_PROMISC)) {
		pkt_free(p);		/* not for us: a hub shows every frame */
		return;
	}
	type = (uint16_t)(eh[12] << 8 | eh[13]);
	pkt_adj(p, 14);
	if (__predict_false(p->p_len > ifp->if_mtu))
		p->p_tsosz = 65535;	/* an offload frame: cut as the way out allows */
	if (type == 0x0800 && ns->ns_ip_input != NULL)
		ns->ns_ip_input(ifp, p);
	else if (type == 0x0806 && ns->ns_arp_input != NULL)
		ns->ns_arp_input(ifp, p);
	else if (type == 0x86dd && ns->ns_ip6_input != NULL)
		ns->ns_ip6_input(ifp, p);
	else {
		ifp->if_data.ifi_noproto++;
		pkt_free(p);
	}
}


/* An offload frame (if_tso.c): shmif's bus decides; another medium gets segments. */
static void
ether_tso_emit(void *arg, const void *frame, size_t len)
{
	struct ifnet *ifp = arg;

	ifp->if_start(ifp, frame, len);
}
static void
ether_output_tso(struct ifnet *ifp, const void *frame, size_t len, uint32_t mss)
{
	if (ifp->if_start == NULL)
		shmif_start_tso(ifp, frame, len, mss);
	else if (ifp->if_start_tso != NULL)
		ifp->if_start_tso(ifp, frame, len, mss);
	else
		tso_frames(frame, len, mss, ether_tso_emit, ifp);
}

int
ether_output_frame(struct ifnet *ifp, struct pkt *p, const uint8_t *dst, uint16_t type)
{
	uint8_t *eh, pad[60];
	const void *frame;
	size_t len;

	if (!(ifp->if_flags & IFF_UP)) {
		pkt_free(p);
		return ENETDOWN;
	}
	if ((eh = pkt_prepend(p, 14)) == NULL) {
		ifp->if_data.ifi_oerrors++;
		pkt_free(p);
		return ENOBUFS;
	}
	memcpy(eh, dst, 6);
	memcpy(eh + 6, ifp->if_lladdr, 6);
	eh[12] = (uint8_t)(type >> 8);
	eh[13] = (uint8_t)type;
	frame = eh;
	len = p->p_len;
	if (len < sizeof(pad)) {	/* pad to the Ethernet minimum */
		memset(pad, 0, sizeof(pad));
		memcpy(pad, eh, len);
		frame = pad;
		len = sizeof(pad);
	}
	ifp->if_data.ifi_opackets++;
	ifp->if_data.ifi_obytes += len;
	if (dst[0] & 1)
		ifp->if_data.ifi_omcasts++;
	if (__predict_false(p->p_tsosz != 0 && len > ifp->if_mtu + 14))
		ether_output_tso(ifp, frame, len, p->p_tsosz);
	else if (ifp->if_start != NULL)
		ifp->if_start(ifp, frame, len);
	else
		shmif_start(ifp, frame, len);
	pkt_free(p);
	return 0;
}

/* ---------------------------------------------------------------- ioctls */

static int
if_super(void)
{
	struct lwp *l = curlwp();

	return l == NULL ? 0 : cred_super(lwp_cred(l));
}

static void
if_sdl(struct ifnet *ifp, uint8_t *buf, size_t room, size_t *lenp)
{
	struct nb_sockaddr_dl *sdl = (struct nb_sockaddr_dl *)buf;
	size_t nlen = strnlen(ifp->if_xname, NB_IFNAMSIZ);
	size_t alen = ifp->if_type == IFT_ETHER ? 6 : 0;
	size_t len = 8 + nlen + alen;

	if (len < sizeof(*sdl))
		len = sizeof(*sdl);
	len = (len + 7) & ~(size_t)7;
	*lenp = len;
	if (room < len)
		return;
	memset(buf, 0, len);
	sdl->sdl_len = (uint8_t)len;
	sdl->sdl_family = AF_LINK;
	sdl->sdl_index = (uint16_t)ifp->if_index;
	sdl->sdl_type = (uint8_t)ifp->if_type;
	sdl->sdl_nlen = (uint8_t)nlen;
	sdl->sdl_alen = (uint8_t)alen;
	memcpy(buf + 8, ifp->if_xname, nlen);
	memcpy(buf + 8 + nlen, ifp->if_lladdr, alen);
}

void
if_link_sdl(struct ifnet *ifp, uint8_t *buf, size_t room, size_t *lenp)
{
	if_sdl(ifp, buf, room, lenp);
}

static int
if_gifconf(struct ifnet_state *ns, struct nb_ifconf *ifc)
{
	struct nb_ifreq ifr;
	struct ifnet *ifp;
	struct in_ifaddr *ia;
	size_t sdlen;
	int space = ifc->ifc_len, used = 0, error;
	char *ubuf = ifc->ifc_buf;

	if (ubuf != NULL && space < 0)
		return EINVAL;
	for (ifp = ns->ns_ifs; ifp != NULL; ifp = ifp->if_next) {
		memset(&ifr, 0, sizeof(ifr));
		memcpy(ifr.ifr_name, ifp->if_xname, NB_IFNAMSIZ);
		if_sdl(ifp, ifr.ifr_ifru.ifru_space, sizeof(ifr.ifr_ifru.ifru_space), &sdlen);
		if (ubuf != NULL) {
			if (space - used < (int)sizeof(ifr))
				break;
			if ((error = copyout(&ifr, ubuf + used, sizeof(ifr))) != 0)
				return error;
		}
		used += sizeof(ifr);
		/* net.netinet6's addresses (as NetBSD's list: after the link, before inet) */
		for (int n = 0; ns->ns_in6_ifconf != NULL; n++) {
			memset(&ifr.ifr_ifru, 0, sizeof(ifr.ifr_ifru));
			if (ns->ns_in6_ifconf(ifp, n, ifr.ifr_ifru.ifru_space) != 0)
				break;
			if (ubuf != NULL) {
				if (space - used < (int)sizeof(ifr))
					goto out;
				if ((error = copyout(&ifr, ubuf + used, sizeof(ifr))) != 0)
					return error;
			}
			used += sizeof(ifr);
		}
		for (ia = ifp->if_inaddrs; ia != NULL; ia = ia->ia_next) {
			memset(&ifr.ifr_ifru, 0, sizeof(ifr.ifr_ifru));
			in_sockaddr((struct nb_sockaddr_in *)&ifr.ifr_ifru.ifru_addr, ia->ia_addr, 0);
			if (ubuf != NULL) {
				if (space - used < (int)sizeof(ifr))
					goto out;
				if ((error = copyout(&ifr, ubuf + used, sizeof(ifr))) != 0)
					return error;
			}
			used += sizeof(ifr);
		}
	}
out:
	ifc->ifc_len = used;
	return 0;
}

/* The clonable interface families (SIOCIFGCLONERS): lo always, the others with their
 * component. */
static const struct { const char *name; int comp; } if_cloners[] = {
	{ "lo", -1 }, { "shmif", COMP_NET_SHMIF }, { "virt", COMP_NET_TAP /* net.virtif */ },
};

/* The loopback cloner: "loN" (N digits, no leading zero), made down as NetBSD's are. */
static int
lo_clone_create(struct kern *k, struct ifnet_state *ns, const char *name)
{
	struct ifnet *lo;
	size_t i, n = strnlen(name, NB_IFNAMSIZ);
	int error;

	if (n < 3 || (name[2] == '0' && n > 3))
		return EINVAL;
	for (i = 2; i < n; i++)
		if (name[i] < '0' || name[i] > '9')
			return EINVAL;
	if ((lo = if_alloc(k, name)) == NULL)
		return ENOMEM;
	lo->if_type = IFT_LOOP;
	lo->if_mtu = 33624;	/* NetBSD's LOMTU */
	lo->if_flags = IFF_LOOPBACK | IFF_MULTICAST;
	lo->if_output = lo_output;
	if ((error = if_attach(ns, lo)) != 0) {
		hyp_mutex_destroy(&lo->if_qlock);
		kmem_free(k, lo, sizeof(*lo));
		return error;
	}
	rt_ifannounce(lo, IFAN_ARRIVAL);
	return 0;
}

static int
if_gcloners(struct kern *k, struct nb_if_clonereq *ifcr)
{
	const char *have[sizeof(if_cloners) / sizeof(if_cloners[0])];
	char name[NB_IFNAMSIZ];
	int i, n = 0, error;

	ifcr->ifcr_total = 0;
	for (i = 0; i < (int)(sizeof(if_cloners) / sizeof(if_cloners[0])); i++)
		if (if_cloners[i].comp < 0 || kern_has(k, if_cloners[i].comp))
			have[ifcr->ifcr_total++] = if_cloners[i].name;
	if (ifcr->ifcr_count < 0)
		return EINVAL;
	for (i = 0; i < ifcr->ifcr_total && n < ifcr->ifcr_count; i++, n++) {
		memset(name, 0, sizeof(name));
		snprintf(name, sizeof(name), "%s", have[i]);
		if ((error = copyout(name, ifcr->ifcr_buffer + n * NB_IFNAMSIZ, sizeof(name))))
			return error;
	}
	ifcr->ifcr_count = n;
	return 0;
}

static int
if_name_ok(const char *name)
{
	size_t n = strnlen(name, NB_IFNAMSIZ);

	return n > 0 && n < NB_IFNAMSIZ;
}

int
ifioctl_locked(struct kern *k, struct ifnet_state *ns, unsigned long cmd, void *data)
{
	struct nb_ifreq *ifr = data;
	struct nb_ifdrv *ifd;
	struct nb_ifdatareq *ifdr;
	struct ifnet *ifp;
	char linkstr[BUS_NAMEMAX];
	int error;

	switch (cmd) {
	case SIOCGIFCONF:
		return if_gifconf(ns, data);
	case SIOCIFGCLONERS:
		return if_gcloners(k, data);
	case SIOCIFCREATE:
		if ((error = if_super()) != 0)
			return error;
		if (!if_name_ok(ifr->ifr_name))
			return EINVAL;
		if (if_find(ns, ifr->ifr_name) != NULL)
			return EEXIST;
		if (strncmp(ifr->ifr_name, "shmif", 5) == 0 && kern_has(k, COMP_NET_SHMIF)) {
			if ((error = shmif_clone_create(k, ifr->ifr_name)) == 0)
				rt_ifannounce(if_find(ns, ifr->ifr_name), IFAN_ARRIVAL);
			return error;
		}
		if (strncmp(ifr->ifr_name, "virt", 4) == 0 && kern_has(k, COMP_NET_TAP)) {
			if ((error = virtif_clone_create(k, ifr->ifr_name)) == 0)
				rt_ifannounce(if_find(ns, ifr->ifr_name), IFAN_ARRIVAL);
			return error;
		}
		if (strncmp(ifr->ifr_name, "lo", 2) == 0)
			return lo_clone_create(k, ns, ifr->ifr_name);
		return EINVAL;
	}

	/* The rest name an interface. */
	if (!if_name_ok(ifr->ifr_name))
		return ENXIO;
	if ((ifp = if_find(ns, ifr->ifr_name)) == NULL)
		return ENXIO;
	switch (cmd) {
	case SIOCIFDESTROY:
		if ((error = if_super()) != 0)
			return error;
		if (ifp->if_type != IFT_ETHER && (ifp->if_type != IFT_LOOP || ifp == ns->ns_lo0))
			return EINVAL;		/* lo0 is not clonable */
		rt_ifannounce(ifp, IFAN_DEPARTURE);
		if_detach(ns, ifp);
		return 0;
	case SIOCGIFFLAGS:
		ifr->ifr_ifru.ifru_flags = (short)ifp->if_flags;
		return 0;
	case SIOCSIFFLAGS:
		if ((error = if_super()) != 0)
			return error;
		{
			int was = ifp->if_flags;
			if_up_down(ifp, (uint16_t)ifr->ifr_ifru.ifru_flags);
			if (ifp->if_flags != was)
				rt_ifmsg(ifp);
		}
		return 0;
	case SIOCGIFMTU:
		ifr->ifr_ifru.ifru_mtu = (int)ifp->if_mtu;
		return 0;
	case SIOCSIFMTU:
		if ((error = if_super()) != 0)
			return error;
		if (ifp->if_type == IFT_LOOP) {
			if (ifr->ifr_ifru.ifru_mtu < 576 || ifr->ifr_ifru.ifru_mtu > 65535)
				return EINVAL;
		} else if (ifr->ifr_ifru.ifru_mtu < 68 || ifr->ifr_ifru.ifru_mtu > 9000)
			return EINVAL;
		ifp->if_mtu = (uint32_t)ifr->ifr_ifru.ifru_mtu;
		ifp->if_data.ifi_mtu = ifp->if_mtu;
		return 0;
	case SIOCGIFMETRIC:
		ifr->ifr_ifru.ifru_metric = ifp->if_metric;
		return 0;
	case SIOCSIFMETRIC:
		if ((error = if_super()) != 0)
			return error;
		ifp->if_metric = ifr->ifr_ifru.ifru_metric;
		ifp->if_data.ifi_metric = (uint64_t)(int64_t)ifp->if_metric;
		return 0;
	case SIOCGIFINDEX:
		ifr->ifr_ifru.ifru_index = ifp->if_index;
		return 0;
	case SIOCGIFCAP:
		((struct nb_ifcapreq *)data)->ifcr_capabilities = ifp->if_capabilities;
		((struct nb_ifcapreq *)data)->ifcr_capenable = ifp->if_capenable;
		return 0;
	case SIOCSIFCAP:
		/* as NetBSD's ifioctl_common: only what the interface offers (EINVAL) */
		if ((error = if_super()) != 0)
			return error;
		{
			uint64_t want = ((struct nb_ifcapreq *)data)->ifcr_capenable;

			if ((want & ~ifp->if_capabilities) != 0)
				return EINVAL;
			if (want == ifp->if_capenable)
				return 0;
			ifp->if_capenable = want;
			if (ifp->if_setcap != NULL)
				ifp->if_setcap(ifp);
		}
		return 0;
	case SIOCGIFDATA:
	case SIOCZIFDATA:
		ifdr = data;
		if (cmd == SIOCZIFDATA && (error = if_super()) != 0)
			return error;
		ifdr->ifdr_data = ifp->if_data;
		ifdr->ifdr_data.ifi_mtu = ifp->if_mtu;
		ifdr->ifdr_data.ifi_ierrors += atomic_load(&ifp->if_rxerrors);
		ifdr->ifdr_data.ifi_iqdrops += atomic_load(&ifp->if_rxdrops);
		if (cmd == SIOCZIFDATA) {
			struct nb_if_data keep = ifp->if_data;
			memset(&ifp->if_data, 0, sizeof(ifp->if_data));
			atomic_store(&ifp->if_rxerrors, 0);
			atomic_store(&ifp->if_rxdrops, 0);
			ifp->if_data.ifi_type = keep.ifi_type;
			ifp->if_data.ifi_link_state = keep.ifi_link_state;
			ifp->if_data.ifi_mtu = keep.ifi_mtu;
			ifp->if_data.ifi_metric = keep.ifi_metric;
			if_stamp(ifp);
		}
		return 0;
	case SIOCSLINKSTR:
	case SIOCGLINKSTR:
		ifd = data;
		if (ifp->if_type != IFT_ETHER)
			return ENOTTY;
		if (cmd == SIOCGLINKSTR) {
			size_t n = ifp->if_linkstr ? strlen(ifp->if_linkstr) + 1 : 0;
			if (ifd->ifd_cmd != 0)
				return EINVAL;
			if (ifd->ifd_len == 0) {
				ifd->ifd_len = n;
				return 0;
			}
			if (n == 0)
				return ENOENT;
			if (ifd->ifd_len < n)
				return E2BIG;
			ifd->ifd_len = n;
			return copyout(ifp->if_linkstr, ifd->ifd_data, n);
		}
		if ((error = if_super()) != 0)
			return error;
		if (ifd->ifd_cmd != 0)		/* shmif: 0 sets, IFLINKSTR_UNSET (1) clears */
			return ifd->ifd_cmd != 1 ? EINVAL : ifp->if_setlinkstr != NULL ?
			    ifp->if_setlinkstr(ifp, NULL) : shmif_set_linkstr(ifp, NULL);
		if (ifd->ifd_len > sizeof(linkstr))
			return E2BIG;		/* longer than MAXPATHLEN, as NetBSD's shmif */
		if (ifd->ifd_len == 0)
			return EINVAL;
		if ((error = copyin(ifd->ifd_data, linkstr, ifd->ifd_len)) != 0)
			return error;
		if (linkstr[ifd->ifd_len - 1] != '\0' || linkstr[0] == '\0')
			return EINVAL;
		if (ifp->if_setlinkstr != NULL)
			return ifp->if_setlinkstr(ifp, linkstr);
		return shmif_set_linkstr(ifp, linkstr);
	}
	if (ns->ns_in6_control != NULL &&
	    (error = ns->ns_in6_control(ifp, cmd, data)) != ENOTTY)
		return error;		/* net.netinet6: SIOC*_IN6 */
	if (ns->ns_in_control != NULL)
		return ns->ns_in_control(ifp, cmd, data);
	return ENOTTY;
}

int
ifioctl(struct kern *k, unsigned long cmd, void *data)
{
	struct ifnet_state *ns = ifstate(k);
	int error;

	if (ns == NULL)
		return ENOTTY;
	if (data == NULL)
		return EFAULT;
	ifs_lock(ns);
	error = ifioctl_locked(k, ns, cmd, data);
	ifs_unlock(ns);
	return error;
}

/* The socket layer's hook for 'i' ioctls on any socket (its lock held). */
static int
if_sockioctl(struct socket *so, unsigned long cmd, void *data, struct lwp *l)
{
	struct kern *k = so->so_kern;
	struct ifnet_state *ns = ifstate(k);
	int error;

	(void)l;
	ns->ns_ioctl_family = so->so_proto->pr_domain->dom_family;	/* net.netinet6 asks */
	error = ifioctl_locked(k, ns, cmd, data);
	ns->ns_ioctl_family = 0;
	ifs_flush(ns);
	return error;
}

/* ---------------------------------------------------------------- sysctl */

int
net_sysctl(struct lwp *l, const int *name, unsigned namelen, void *oldp, size_t *oldlenp,
    const void *newp, size_t newlen)
{
	struct kern *k = l->l_kern;
	struct ifnet_state *ns = ifstate(k);

	if (namelen < 1)
		return EISDIR;
	switch (name[0]) {
	case PF_ROUTE:
		if (newp != NULL)
			return EPERM;
		return rt_sysctl(k, name + 1, namelen - 1, oldp, oldlenp);
	case AF_INET:
		if (ns->ns_inet_sysctl == NULL)
			return ENOENT;
		return ns->ns_inet_sysctl(l, name + 1, namelen - 1, oldp, oldlenp, newp, newlen);
	case AF_INET6:
		if (ns->ns_inet6_sysctl == NULL)
			return ENOENT;
		return ns->ns_inet6_sysctl(l, name + 1, namelen - 1, oldp, oldlenp, newp, newlen);
	}
	return ENOENT;
}

/* ---------------------------------------------------------------- component */

static int
net_net_init(struct kern *k)
{
	struct ifnet_state *ns = kmem_zalloc(k, sizeof(*ns));
	struct ifnet *lo;
	int error;

	if (ns == NULL)
		return ENOMEM;
	ns->ns_kern = k;
	hyp_timer_init(&ns->ns_isr, ifs_isr, ns);
	kern_priv_set(k, COMP_NET_NET, ns);
	k->k_softnet_fn = ifs_softnet;
	if ((lo = if_alloc(k, "lo0")) == NULL) {
		error = ENOMEM;
		goto fail;
	}
	lo->if_type = IFT_LOOP;
	lo->if_mtu = 33624;	/* NetBSD's LOMTU */
	lo->if_flags = IFF_LOOPBACK | IFF_MULTICAST;
	lo->if_output = lo_output;
	if ((error = if_attach(ns, lo)) != 0) {
		kmem_free(k, lo, sizeof(*lo));
		goto fail;
	}
	if_up_down(lo, IFF_UP | IFF_LOOPBACK | IFF_MULTICAST);
	ns->ns_lo0 = lo;
	if ((error = rts_domain_add(k)) != 0) {
		if_detach(ns, lo);
		goto fail;
	}
	net_state(k)->ns_ifioctl = if_sockioctl;
	return 0;
fail:
	k->k_softnet_fn = NULL;
	kern_priv_set(k, COMP_NET_NET, NULL);
	kmem_free(k, ns, sizeof(*ns));
	return error;
}

/*
 * Stops a timer of hyper's scheduler for good, once nothing can arm it any more: until a
 * disarm finds it neither pending nor running.  (hyp_timer_disarm does not wait for a
 * running function when it cancelled a pending expiry, and a running function may arm
 * again before it returns.)
 */
static void
ifs_timer_stop(struct hyp_timer *t)
{
	do
		hyp_timer_disarm(t);
	while (hyp_timer_pending(t));
}

static void
net_net_fini(struct kern *k)
{
	struct ifnet_state *ns = ifstate(k);

	net_gc(k);
	ifs_lock(ns);
	net_state(k)->ns_ifioctl = NULL;
	/* Interfaces leave their buses first (if_detach, bus_detach): after that no frame
	 * from another thread can reach if_queue and arm ns_isr again. */
	while (ns->ns_ifs != NULL)
		if_detach(ns, ns->ns_ifs);
	rt_flush(ns);
	while (ns->ns_pktcache != NULL) {
		struct pkt *p = ns->ns_pktcache;
		ns->ns_pktcache = p->p_next;
		pkt_free_nc(p);
	}
	net_unlock(k);
	/* Then the timer: k_halted is set, so a running ifs_isr does not arm again, and with
	 * ns_isr_armed left set neither would a late if_queue. */
	atomic_store(&ns->ns_isr_armed, 1);
	ifs_timer_stop(&ns->ns_isr);
	k->k_softnet_fn = NULL;
	kern_priv_set(k, COMP_NET_NET, NULL);
	kmem_free(k, ns, sizeof(*ns));
}

static const struct kern_component net_net_component = {
	.name = "net.net", .id = COMP_NET_NET, .deps = { "net", NULL },
	.init = net_net_init, .fini = net_net_fini,
	.ctl_top = CTL_NET, .sysctl = net_sysctl,
};
KERN_COMPONENT(net_net_component);
