/*
 * inet_arp_test.c: ARP resolution, expiry and retries under the virtual clock, the
 * bound on packets held for an incomplete entry; then thousands of malformed and random
 * frames injected on the bus (short, bad headers, lying lengths, fragment storms, ICMP
 * errors quoting garbage) without harm: the kernels still talk and nothing leaks.
 */
#include "tap.h"
#include "inet_util.h"
#include "vsleep.h"

static int frames_seen;
static void fuzz_rx(struct bus_port *bp, const void *f, size_t len) { (void)bp, (void)f, (void)len; frames_seen++; }

static struct llentry *
arp_of(struct rumpus_kernel *k, const char *addr, struct llentry *copy)
{
	struct kin ki;
	struct llentry *la;

	ku_enter(&ki, k);
	la = arp_lookup(inet_state(ki.k), ku_ip(addr));
	if (la != NULL && copy != NULL)
		*copy = *la;
	ku_leave(&ki);
	return la;
}

#define vsleep(k, sec) x_vsleep_in(k, sec, 0)

static uint64_t
arps_sent(struct rumpus_kernel *k)
{
	return inet_state(KOF(k))->is_stat.arps_sent;
}

static uint32_t rng = 12345;
static uint32_t rnd(void) { rng = rng * 1103515245 + 12345; return rng >> 8; }

#define ip_header ku_ip_hdr

int
main(void)
{
	struct rumpus_memstats m0, m1;
	struct rumpus_kernel *a, *b;
	struct inpcb *ua, *ub;
	struct llentry la;
	struct bus_port fz;
	uint8_t amac[6], bmac[6], f[2000];
	char buf[256];
	size_t len;
	uint64_t sent0;
	int i, e;

	rumpus_memstats(&m0);
	rumpus_clock_virtual(1);
	a = ku_boot(), b = ku_boot();
	ok(a && b && ku_shmif(a, "shmif0", "arpbus") == 0 && ku_shmif(b, "shmif0", "arpbus") == 0 &&
	    ku_addr(a, "shmif0", "10.3.0.1", 24) == 0 && ku_addr(b, "shmif0", "10.3.0.2", 24) == 0,
	    "A 10.3.0.1 and B 10.3.0.2 on arpbus (virtual clock)");
	memcpy(amac, if_find(ifstate(KOF(a)), "shmif0")->if_lladdr, 6);
	memcpy(bmac, if_find(ifstate(KOF(b)), "shmif0")->if_lladdr, 6);
	ok(memcmp(amac, bmac, 6) != 0 && (amac[0] & 2) && !(amac[0] & 1),
	    "distinct locally administered unicast MACs");

	ok(arp_of(a, "10.3.0.2", NULL) == NULL, "A's cache starts without B");
	ua = ku_socket(a, 2, 0, &e);
	ub = ku_socket(b, 2, 0, &e);
	ku_bind(b, ub, "0.0.0.0", 53);
	sent0 = arps_sent(a);
	ok(ku_sendto(a, ua, "q", 1, "10.3.0.2", 53) == 0, "A sends to B");
	len = sizeof(buf);
	ok(ku_recv(b, ub, buf, &len, NULL) == 0 && len == 1, "B got it (ARP resolved inline)");
	ok(arp_of(a, "10.3.0.2", &la) != NULL && la.la_resolved && memcmp(la.la_mac, bmac, 6) == 0,
	    "A's entry for B is resolved to B's MAC");
	ok(arp_of(b, "10.3.0.1", &la) != NULL && la.la_resolved && memcmp(la.la_mac, amac, 6) == 0,
	    "B learned A from the request");
	ok(arps_sent(a) >= sent0 + 1, "A sent a request");
	sent0 = arps_sent(a);
	ku_sendto(a, ua, "q", 1, "10.3.0.2", 53);
	ok(arps_sent(a) == sent0, "a second datagram needs no request");
	len = sizeof(buf);
	ku_recv(b, ub, buf, &len, NULL);

	/* advance by hand: nothing sleeps, so no timer is due before 1200 s */
	rumpus_clock_advance(1199ULL * 1000000000);
	ok(arp_of(a, "10.3.0.2", NULL) != NULL, "after 1199 s the entry is still there");
	vsleep(a, 2);
	ok(arp_of(a, "10.3.0.2", NULL) == NULL && arp_of(b, "10.3.0.1", NULL) == NULL,
	    "after 1201 s both entries expired (callouts)");
	ok(ku_sendto(a, ua, "r", 1, "10.3.0.2", 53) == 0, "A sends again");
	len = sizeof(buf);
	ok(ku_recv(b, ub, buf, &len, NULL) == 0 && buf[0] == 'r', "resolved again, delivered");

	sent0 = arps_sent(a);
	for (i = 0; i < 20; i++)
		ku_sendto(a, ua, "lost", 4, "10.3.0.99", 53);
	memset(&la, 0, sizeof(la));
	e = arp_of(a, "10.3.0.99", &la) != NULL;
	ok(e && !la.la_resolved && la.la_numheld == ARP_MAXHOLD,
	    "20 datagrams to a silent address: incomplete entry holds %d (the bound)", la.la_numheld);
	ok(arps_sent(a) == sent0 + 1, "one request so far");
	vsleep(a, 10);
	memset(&la, 0, sizeof(la));
	ok(arp_of(a, "10.3.0.99", &la) != NULL && la.la_down && la.la_numheld == 0,
	    "after 5 unanswered requests the entry is down, its packets dropped");
	ok(arps_sent(a) == sent0 + 5, "5 requests in all, one a second (%llu)",
	    (unsigned long long)(arps_sent(a) - sent0));
	e = ku_sendto(a, ua, "lost", 4, "10.3.0.99", 53);
	ok(e == EHOSTDOWN, "a send to the silent neighbour now fails: EHOSTDOWN (%d)", e);
	ok(arps_sent(a) == sent0 + 5, "and asks nothing");
	vsleep(a, 9);
	ok(ku_sendto(a, ua, "lost", 4, "10.3.0.99", 53) == EHOSTDOWN,
	    "still EHOSTDOWN 14 s after it went down (net.inet.arp.down is 20 s)");
	vsleep(a, 6);
	ok(arp_of(a, "10.3.0.99", NULL) == NULL, "after net.inet.arp.down the entry is gone");
	ok(ku_sendto(a, ua, "lost", 4, "10.3.0.99", 53) == 0 && arps_sent(a) == sent0 + 6,
	    "the next send is accepted and asks again");
	vsleep(a, 10);

	/* an absent gateway: sends through it fail with EHOSTUNREACH once it is down */
	ok(ku_route(a, "10.7.0.0", 16, "10.3.0.98") == 0, "A: 10.7/16 via the absent 10.3.0.98");
	ok(ku_sendto(a, ua, "via", 3, "10.7.0.5", 53) == 0, "a send through it is queued");
	vsleep(a, 6);
	e = ku_sendto(a, ua, "via", 3, "10.7.0.5", 53);
	ok(e == EHOSTUNREACH, "once the gateway's entry is down: EHOSTUNREACH (%d)", e);
	e = ku_sendto(a, ua, "gw", 2, "10.3.0.98", 53);
	ok(e == EHOSTDOWN, "and to the gateway itself: EHOSTDOWN (%d)", e);
	vsleep(a, 21);

	/* malformed and random input */
	memset(&fz, 0, sizeof(fz));
	fz.bp_rx = fuzz_rx;
	fz.bp_promisc = 1;	/* the bus switches: to see the kernels' unicast frames too */
	ok(bus_attach("arpbus", &fz) == 0, "a raw port joins arpbus");
	for (i = 0; i < 20000; i++) {
		int kind = i % 8, l = 0, j;
		uint32_t src = ku_ip("10.3.0.77"), dst = ku_ip(i & 1 ? "10.3.0.1" : "10.3.0.255");
		memcpy(f, i & 1 ? amac : (const uint8_t *)"\xff\xff\xff\xff\xff\xff", 6);
		memcpy(f + 6, "\x02\x00\x00\x00\x00\x77", 6);
		f[12] = 0x08, f[13] = kind == 1 ? 0x06 : 0x00;
		for (j = 14; j < (int)sizeof(f); j++)
			f[j] = (uint8_t)rnd();
		switch (kind) {
		case 0:		/* random length, random IP bytes */
			l = (int)(rnd() % 200);
			break;
		case 1:		/* ARP of random length */
			l = 14 + (int)(rnd() % 40);
			f[14] = 0, f[15] = 1, f[16] = 8, f[17] = 0, f[18] = 6, f[19] = 4;
			break;
		case 2:		/* valid header, lying total length */
			l = 14 + 20 + (int)(rnd() % 100);
			ip_header(f + 14, (int)(rnd() % 65536), (int)(rnd() % 256), src, dst, 1, 0);
			break;
		case 3:		/* fragments with random offsets, few ids */
			l = 14 + 20 + 8 * (int)(rnd() % 100);
			ip_header(f + 14, l - 14, 17, src, dst, (int)(rnd() % 4),
			    (int)(rnd() % 0x4000));
			break;
		case 4:		/* UDP with random length fields */
			l = 14 + 28 + (int)(rnd() % 64);
			ip_header(f + 14, l - 14, 17, src, dst, 2, 0);
			f[34] = 0, f[35] = 53;
			f[36] = 0, f[37] = 53;
			break;
		case 5:		/* ICMP errors quoting garbage */
			l = 14 + 20 + 8 + (int)(rnd() % 60);
			ip_header(f + 14, l - 14, 1, src, dst, 3, 0);
			f[34] = (uint8_t)(3 + (rnd() % 2) * 8);
			f[36] = f[37] = 0;
			{
				uint16_t s = in_cksum(f + 34, (size_t)(l - 34), 0);
				memcpy(f + 36, &s, 2);
			}
			break;
		case 6:		/* header length past the data */
			l = 14 + 20;
			ip_header(f + 14, 20, 17, src, dst, 4, 0);
			f[14] = 0x4f;
			break;
		case 7:		/* echo requests from a broadcast/zero source, and TTL 0 */
			l = 14 + 28;
			ip_header(f + 14, 28, 1, i & 2 ? 0 : 0xffffffffU, dst, 5, 0);
			f[22] = 0;
			break;
		}
		if (l < 14)
			l = 14 + (l & 7);
		bus_xmit(&fz, f, (size_t)l);
	}
	{
		static uint8_t huge[65535];
		memcpy(huge, f, 14);
		bus_xmit(&fz, huge, sizeof(huge));	/* bigger than any MTU */
	}
	ok(1, "20000 bad frames injected");
	ok(ku_sendto(a, ua, "alive", 5, "10.3.0.2", 53) == 0, "A still sends");
	len = sizeof(buf);
	ok(ku_recv(b, ub, buf, &len, NULL) == 0 && len == 5 && memcmp(buf, "alive", 5) == 0,
	    "B still receives");
	{
		struct nb_if_data d = ku_ifdata(a, "shmif0");
		ok(d.ifi_ierrors > 0, "oversized frames counted as input errors (%llu)",
		    (unsigned long long)d.ifi_ierrors);
		ok(inet_state(KOF(a))->is_stat.ips_badsum + inet_state(KOF(a))->is_stat.ips_badhlen +
		    inet_state(KOF(a))->is_stat.ips_tooshort > 0, "IP header errors counted");
		ok(inet_state(KOF(a))->is_stat.udps_badsum > 0 && inet_state(KOF(a))->is_stat.udps_badlen > 0,
		    "UDP with bad checksums and lengths dropped (%llu, %llu)",
		    (unsigned long long)inet_state(KOF(a))->is_stat.udps_badsum,
		    (unsigned long long)inet_state(KOF(a))->is_stat.udps_badlen);
		ok(inet_state(KOF(a))->is_nfrags <= inet_state(KOF(a))->is_maxfragpackets,
		    "reassembly stays within its limit (%d queues)", inet_state(KOF(a))->is_nfrags);
	}
	bus_detach(&fz);
	ok(frames_seen > 0, "the raw port saw the kernels' frames (%d)", frames_seen);

	ku_close(a, ua);
	ku_close(b, ub);
	ok(rumpus_kernel_destroy(a) == 0 && rumpus_kernel_destroy(b) == 0, "destroyed");
	rumpus_clock_virtual(0);
	rumpus_memstats(&m1);
	ok(m1.bytes == m0.bytes && m1.leaked == m0.leaked, "no leaks (%lld bytes)",
	    (long long)(m1.bytes - m0.bytes));
	return tap_done();
}
