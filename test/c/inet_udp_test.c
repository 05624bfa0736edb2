/*
 * inet_udp_test.c: lo0, shmif interfaces on a bus, address configuration and UDP
 * between two kernels; port rules, bad addresses and options; no leaks.
 */
#include "tap.h"
#include "inet_util.h"

int
main(void)
{
	struct rumpus_memstats m0, m1;
	struct rumpus_kernel *a, *b, *c;
	struct inpcb *ua, *ub, *u2, *u3;
	struct nb_ifreq ifr;
	struct nb_sockaddr_in from, sin;
	struct nb_if_data d;
	char buf[2048];
	size_t len;
	int e, v;

	rumpus_memstats(&m0);
	a = ku_boot();
	b = ku_boot();
	ok(a != NULL && b != NULL, "two kernels with net.netinet and net.shmif boot");

	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo0");
	e = ku_ioctl(a, SIOCGIFFLAGS, &ifr);
	ok(e == 0 && (ifr.ifr_ifru.ifru_flags & (IFF_UP | IFF_LOOPBACK)) == (IFF_UP | IFF_LOOPBACK),
	    "lo0 exists, IFF_UP|IFF_LOOPBACK (flags %#x)", ifr.ifr_ifru.ifru_flags);
	e = ku_ioctl(a, SIOCGIFADDR, &ifr);
	memcpy(&sin, &ifr.ifr_ifru.ifru_addr, sizeof(sin));
	ok(e == 0 && sin.sin_addr.s_addr == ku_ip("127.0.0.1") && sin.sin_family == AF_INET &&
	    sin.sin_len == 16, "lo0 has 127.0.0.1");
	e = ku_ioctl(a, SIOCGIFNETMASK, &ifr);
	memcpy(&sin, &ifr.ifr_ifru.ifru_addr, sizeof(sin));
	ok(e == 0 && sin.sin_addr.s_addr == ku_ip("255.0.0.0"), "lo0 netmask /8");

	ok(ku_shmif(a, "shmif0", "udpbus") == 0, "SIOCIFCREATE shmif0 + SIOCSLINKSTR udpbus in A");
	ok(ku_shmif(b, "shmif0", "udpbus") == 0, "same in B");
	ok(bus_nports("udpbus") == 2, "the bus has two ports");
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "shmif0");
	ok(ku_ioctl(a, SIOCIFCREATE, &ifr) == EEXIST, "creating shmif0 again: EEXIST");
	strcpy(ifr.ifr_name, "shmifx");
	ok(ku_ioctl(a, SIOCIFCREATE, &ifr) == EINVAL, "shmifx: EINVAL");
	strcpy(ifr.ifr_name, "bogus0");
	ok(ku_ioctl(a, SIOCIFCREATE, &ifr) == EINVAL, "unknown cloner: EINVAL");
	strcpy(ifr.ifr_name, "nosuch0");
	ok(ku_ioctl(a, SIOCGIFFLAGS, &ifr) == ENXIO, "SIOCGIFFLAGS on a missing interface: ENXIO");
	memset(ifr.ifr_name, 'x', sizeof(ifr.ifr_name));
	ok(ku_ioctl(a, SIOCGIFFLAGS, &ifr) == ENXIO, "unterminated name: ENXIO");
	strcpy(ifr.ifr_name, "shmif0");
	ok(ku_ioctl(a, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_ifru.ifru_mtu == 1500, "default MTU 1500");
	ifr.ifr_ifru.ifru_mtu = 20;
	ok(ku_ioctl(a, SIOCSIFMTU, &ifr) == EINVAL, "MTU 20: EINVAL");
	ifr.ifr_ifru.ifru_mtu = 1400;
	ok(ku_ioctl(a, SIOCSIFMTU, &ifr) == 0 && ku_ioctl(a, SIOCGIFMTU, &ifr) == 0 &&
	    ifr.ifr_ifru.ifru_mtu == 1400, "SIOCSIFMTU 1400 sticks");
	ifr.ifr_ifru.ifru_mtu = 1500;
	ku_ioctl(a, SIOCSIFMTU, &ifr);

	ok(ku_addr(a, "shmif0", "10.1.0.1", 24) == 0, "SIOCAIFADDR 10.1.0.1/24 on A");
	ok(ku_addr(b, "shmif0", "10.1.0.2", 24) == 0, "SIOCAIFADDR 10.1.0.2/24 on B");
	ok(ku_addr(b, "shmif0", "10.1.0.1", 24) == 0, "B may claim A's address too (its own kernel)");
	{
		struct nb_ifreq r;
		memset(&r, 0, sizeof(r));
		strcpy(r.ifr_name, "shmif0");
		in_sockaddr((struct nb_sockaddr_in *)&r.ifr_ifru.ifru_addr, ku_ip("10.1.0.1"), 0);
		ok(ku_ioctl(b, SIOCDIFADDR, &r) == 0, "SIOCDIFADDR removes it");
		ok(ku_ioctl(b, SIOCDIFADDR, &r) == EADDRNOTAVAIL, "again: EADDRNOTAVAIL");
	}
	{
		struct nb_in_aliasreq ifra;
		memset(&ifra, 0, sizeof(ifra));
		strcpy(ifra.ifra_name, "shmif0");
		in_sockaddr(&ifra.ifra_addr, ku_ip("10.9.0.1"), 0);
		ifra.ifra_addr.sin_family = 99;
		ok(ku_ioctl(a, SIOCAIFADDR, &ifra) == EAFNOSUPPORT, "SIOCAIFADDR family 99: EAFNOSUPPORT");
		in_sockaddr(&ifra.ifra_addr, ku_ip("10.9.0.1"), 0);
		in_sockaddr(&ifra.ifra_mask, ku_ip("255.0.255.0"), 0);
		ok(ku_ioctl(a, SIOCAIFADDR, &ifra) == 0,
		    "a mask with holes is taken, as NetBSD takes it (no connected route)");
		ok(ku_ioctl(a, SIOCDIFADDR, &ifra) == 0, "and the address is deleted again");
		in_sockaddr(&ifra.ifra_addr, ku_ip("224.0.0.1"), 0);
		in_sockaddr(&ifra.ifra_mask, ku_ip("255.255.255.0"), 0);
		ok(ku_ioctl(a, SIOCAIFADDR, &ifra) == EINVAL, "multicast address: EINVAL");
	}

	ua = ku_socket(a, 2, 0, &e);
	ub = ku_socket(b, 2, 0, &e);
	ok(ua != NULL && ub != NULL, "UDP pcbs in A and B");
	ok(ku_bind(b, ub, "0.0.0.0", 5000) == 0, "B binds *:5000");
	ok(ku_sendto(a, ua, "hello", 5, "10.1.0.2", 5000) == 0, "A sends 5 bytes to 10.1.0.2:5000");
	len = sizeof(buf);
	e = ku_recv(b, ub, buf, &len, &from);
	ok(e == 0 && len == 5 && memcmp(buf, "hello", 5) == 0, "B received \"hello\" (e %d len %zu)",
	    e, len);
	ok(from.sin_addr.s_addr == ku_ip("10.1.0.1") && ntohs(from.sin_port) >= 49152,
	    "from 10.1.0.1, an ephemeral port (%u)", ntohs(from.sin_port));
	ok(ku_sendto(b, ub, "world!", 6, "10.1.0.1", ntohs(from.sin_port)) == 0, "B answers");
	len = sizeof(buf);
	e = ku_recv(a, ua, buf, &len, &from);
	ok(e == 0 && len == 6 && memcmp(buf, "world!", 6) == 0 && ntohs(from.sin_port) == 5000,
	    "A got the answer from port 5000");
	len = sizeof(buf);
	ok(ku_recv(a, ua, buf, &len, NULL) == EWOULDBLOCK, "nothing more: EWOULDBLOCK");

	/* an interface that is down neither sends nor receives */
	ok(ku_ifflags(b, "shmif0", 0, IFF_UP) == 0, "B: shmif0 down");
	d = ku_ifdata(b, "shmif0");
	ok(d.ifi_link_state == LINK_STATE_DOWN, "link state down");
	ok(ku_sendto(a, ua, "lost", 4, "10.1.0.2", 5000) == 0, "A sends to B");
	len = sizeof(buf);
	ok(ku_recv(b, ub, buf, &len, NULL) == EWOULDBLOCK, "B, down, got nothing");
	ok(ku_sendto(b, ub, "x", 1, "10.1.0.1", 5000) == ENETDOWN, "B cannot send: ENETDOWN");
	ok(ku_ifflags(b, "shmif0", IFF_UP, 0) == 0, "B: shmif0 up again");
	ok(ku_sendto(a, ua, "back", 4, "10.1.0.2", 5000) == 0, "A sends again");
	len = sizeof(buf);
	ok(ku_recv(b, ub, buf, &len, NULL) == 0 && len == 4 && memcmp(buf, "back", 4) == 0,
	    "B receives again");

	/* a big datagram is fragmented and reassembled */
	for (v = 0; v < (int)sizeof(buf); v++)
		buf[v] = (char)(v * 7);
	{
		static char big[9000], got[9000];
		for (v = 0; v < (int)sizeof(big); v++)
			big[v] = (char)(v * 13 + 1);
		ok(ku_sendto(a, ua, big, sizeof(big), "10.1.0.2", 5000) == 0, "A sends 9000 bytes");
		len = sizeof(got);
		e = ku_recv(b, ub, got, &len, NULL);
		ok(e == 0 && len == sizeof(big) && memcmp(big, got, len) == 0,
		    "B gets them whole (7 fragments reassembled)");
	}
	d = ku_ifdata(a, "shmif0");
	ok(d.ifi_opackets >= 8 && d.ifi_obytes > 9000 && d.ifi_ipackets >= 2,
	    "A's shmif0 counts packets (out %llu / %llu bytes, in %llu)",
	    (unsigned long long)d.ifi_opackets, (unsigned long long)d.ifi_obytes,
	    (unsigned long long)d.ifi_ipackets);

	/* loopback in one kernel */
	u2 = ku_socket(a, 2, 0, &e);
	ok(ku_bind(a, u2, "127.0.0.1", 7000) == 0, "bind 127.0.0.1:7000");
	ok(ku_sendto(a, ua, "lo", 2, "127.0.0.1", 7000) == 0, "send over lo0");
	len = sizeof(buf);
	ok(ku_recv(a, u2, buf, &len, &from) == 0 && len == 2 &&
	    from.sin_addr.s_addr == ku_ip("127.0.0.1"), "received over lo0 from 127.0.0.1");

	/* port rules */
	u3 = ku_socket(a, 2, 0, &e);
	ok(ku_bind(a, u3, "127.0.0.1", 7000) == EADDRINUSE, "same address and port: EADDRINUSE");
	ok(ku_bind(a, u3, "0.0.0.0", 7000) == EADDRINUSE, "wildcard over a bound port: EADDRINUSE");
	v = 1;
	{
		struct kin ki;
		ku_enter(&ki, a);
		e = inp_setopt(u3, 0xffff, SO_REUSEADDR, &v, sizeof(v));
		ku_leave(&ki);
	}
	ok(e == 0 && ku_bind(a, u3, "0.0.0.0", 7000) == 0, "with SO_REUSEADDR the wildcard binds");
	ku_close(a, u3);
	u3 = ku_socket(a, 2, 0, &e);
	ok(ku_bind(a, u3, "10.77.0.1", 0) == EADDRNOTAVAIL, "binding an address we lack: EADDRNOTAVAIL");
	ok(ku_bind(a, u3, "0.0.0.0", 7000) == EADDRINUSE, "and without it: EADDRINUSE again");
	{
		struct kin ki;
		struct nb_sockaddr_in s;
		char small[4];
		ku_enter(&ki, a);
		in_sockaddr(&s, 0, 0);
		s.sin_family = 77;
		ok(inp_bind(u3, &s, sizeof(s)) == EAFNOSUPPORT, "bind family 77: EAFNOSUPPORT");
		in_sockaddr(&s, 0, 0);
		ok(inp_bind(u3, &s, 8) == EINVAL, "bind with an 8-byte sockaddr: EINVAL");
		s.sin_len = 200;
		ok(inp_bind(u3, &s, sizeof(s)) == EINVAL, "sin_len 200: EINVAL");
		ok(inp_bind(u3, NULL, 16) == EFAULT, "NULL address: EFAULT");
		ok(inp_send(u3, "x", 1, NULL, 0) == ENOTCONN, "send without address: ENOTCONN");
		ok(inp_setopt(u3, 0, IP_TTL, &v, 2) == EINVAL, "IP_TTL with 2 bytes: EINVAL");
		v = 300;
		ok(inp_setopt(u3, 0, IP_TTL, &v, sizeof(v)) == EINVAL, "IP_TTL 300: EINVAL");
		ok(inp_setopt(u3, 0, 9999, &v, sizeof(v)) == ENOPROTOOPT, "unknown option: ENOPROTOOPT");
		in_sockaddr(&s, ku_ip("10.1.0.255"), htons(9));
		ok(inp_send(u3, "b", 1, &s, sizeof(s)) == EACCES, "broadcast without SO_BROADCAST: EACCES");
		in_sockaddr(&s, ku_ip("10.1.0.2"), htons(9));
		ok(inp_send(u3, (void *)8, 1, &s, sizeof(s)) == EFAULT, "bad buffer: EFAULT");
		(void)small;
		ku_leave(&ki);
	}
	{
		int t1 = 0;
		v = 1;
		struct kin ki;
		ku_enter(&ki, b);
		e = inp_setopt(ub, 0xffff, SO_BROADCAST, &v, sizeof(v));
		ku_leave(&ki);
		ok(e == 0, "SO_BROADCAST on B");
		ku_enter(&ki, a);
		inp_setopt(u3, 0xffff, SO_BROADCAST, &v, sizeof(v));
		ku_leave(&ki);
		ok(ku_sendto(a, u3, "all", 3, "10.1.0.255", 5000) == 0, "A sends to 10.1.0.255:5000");
		len = sizeof(buf);
		ok(ku_recv(b, ub, buf, &len, &from) == 0 && len == 3, "B got the subnet broadcast");
		ok(ku_sendto(a, u3, "all", 3, "255.255.255.255", 5000) == 0, "A sends to 255.255.255.255");
		len = sizeof(buf);
		ok(ku_recv(b, ub, buf, &len, &from) == 0 && len == 3, "B got the limited broadcast");
		(void)t1;
	}
	/* ICMP port unreachable to a connected socket */
	{
		struct nb_sockaddr_in s;
		struct kin ki;
		struct inpcb *u4 = ku_socket(a, 2, 0, &e);
		in_sockaddr(&s, ku_ip("10.1.0.2"), htons(5999));
		ku_enter(&ki, a);
		ok(inp_connect(u4, &s, sizeof(s)) == 0, "connect to 10.1.0.2:5999 (nobody there)");
		ok(inp_send(u4, "x", 1, NULL, 0) == 0, "the first send goes");
		len = sizeof(buf);
		ok(inp_recv(u4, buf, &len, NULL, NULL) == ECONNREFUSED,
		    "ICMP port unreachable comes back: ECONNREFUSED");
		ku_leave(&ki);
		/* u4 stays open: destroy frees it */
	}

	/* a kernel without net.netinet */
	{
		static const char *comps[] = { "net.net", NULL };
		struct inpcb *x;
		c = rumpus_kernel_create(comps, NULL, &e);
		ok(c != NULL, "a kernel with net.net only");
		x = ku_socket(c, 2, 0, &e);
		ok(x == NULL && e == EAFNOSUPPORT, "AF_INET there: EAFNOSUPPORT");
		memset(&ifr, 0, sizeof(ifr));
		strcpy(ifr.ifr_name, "lo0");
		ok(ku_ioctl(c, SIOCGIFFLAGS, &ifr) == 0, "but it has lo0");
		strcpy(ifr.ifr_name, "shmif0");
		ok(ku_ioctl(c, SIOCIFCREATE, &ifr) == EINVAL, "and no shmif cloner");
		rumpus_kernel_destroy(c);
	}

	ku_close(a, ua);
	ku_close(a, u2);
	ku_close(a, u3);
	/* pcbs left open are freed by destroy */
	ok(rumpus_kernel_destroy(a) == 0 && rumpus_kernel_destroy(b) == 0, "kernels destroyed");
	ok(bus_nports("udpbus") == -1, "the bus went with its last port");
	rumpus_memstats(&m1);
	ok(m1.leaked == m0.leaked && m1.bytes == m0.bytes, "no bytes leaked (%llu -> %llu)",
	    (unsigned long long)m0.bytes, (unsigned long long)m1.bytes);
	return tap_done();
}
