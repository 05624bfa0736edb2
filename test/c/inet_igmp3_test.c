/*
 * inet_igmp3_test.c: the IGMPv3 host side (RFC 3376) of a kernel on a bus, with a raw
 * port as the querier, under the virtual clock; the bus captured and decoded by tshark.
 *   - no querier heard: a join sends an IGMPv2 report, as NetBSD (which has no IGMPv3);
 *   - a v3 general query: one current-state report to 224.0.0.22 (TTL 1, Router Alert)
 *     within its maximum response time, MODE_IS_EXCLUDE {} for each joined group (not
 *     224.0.0.1), only once;
 *   - now in v3: a join sends CHANGE_TO_EXCLUDE {} twice (robustness 2) within 1 s, a
 *     leave CHANGE_TO_INCLUDE {} twice; robustness 3 from a query: three times;
 *   - a group-specific query: MODE_IS_EXCLUDE {} for that group alone; a group-and-source
 *     query: MODE_IS_INCLUDE of exactly the sources asked about; a query for a group not
 *     joined: nothing;
 *   - malformed queries (10 bytes; more sources than bytes; a general query with
 *     sources) answer nothing;
 *   - a v2 querier among v3 ones: v2 reports for the Older Version Querier Present
 *     Timeout (robustness x interval + response time), then v3 again; a v1 querier: v1;
 *   - datagrams to a group arrive from any source (every membership is EXCLUDE {});
 *     the source-specific socket options, which NetBSD lacks, are ENOPROTOOPT.
 */
#include <stdlib.h>
#include <unistd.h>

#include "tap.h"
#include "inet_nb.h"
#include "net/bus.h"
#include "bus_raw.h"
#include "tshark.h"

enum { X_IPPROTO_IP = 0, X_IP_ADD_MEMBERSHIP = 12, X_IP_DROP_MEMBERSHIP = 13 };

#define vsleep x_vsleep
#define cksum x_cksum16

/* What the port saw: IGMP messages from the kernel, with the time they came. */
struct rep {
	int type, ttl, ra;			/* IGMP type, IP TTL, Router Alert seen */
	uint32_t dst;
	int nrec;
	struct { int type; uint32_t group; int nsrc; uint32_t src[8]; } rec[8];
	uint32_t group;				/* v1/v2 */
};
static struct rep reps[256];
static int nreps;
static uint8_t mymac[6] = { 0x02, 0, 0, 0, 0x33, 0x33 };

static void
port_rx(struct bus_port *bp, const void *f, size_t len)
{
	const uint8_t *e = f, *ip = e + 14, *ig;
	size_t hl, tot;
	struct rep *r;
	int i, off;

	(void)bp;
	if (len < 14 + 28 || e[12] != 0x08 || e[13] != 0 || ip[9] != 2 || nreps == 256)
		return;
	hl = (size_t)(ip[0] & 15) * 4;
	tot = (size_t)(ip[2] << 8 | ip[3]);
	if (tot > len - 14 || hl + 8 > tot || cksum(ip + hl, tot - hl) != 0)
		return;
	ig = ip + hl;
	r = &reps[nreps++];
	memset(r, 0, sizeof(*r));
	r->type = ig[0];
	r->ttl = ip[8];
	r->ra = hl == 24 && ip[20] == 0x94 && ip[21] == 4;
	memcpy(&r->dst, ip + 16, 4);
	memcpy(&r->group, ig + 4, 4);
	if (ig[0] != 0x22)
		return;
	r->nrec = ig[6] << 8 | ig[7];
	for (i = 0, off = 8; i < r->nrec && i < 8 && (size_t)off + 8 <= tot - hl; i++) {
		int j;
		r->rec[i].type = ig[off];
		r->rec[i].nsrc = ig[off + 2] << 8 | ig[off + 3];
		memcpy(&r->rec[i].group, ig + off + 4, 4);
		for (j = 0; j < r->rec[i].nsrc && j < 8; j++)
			memcpy(&r->rec[i].src[j], ig + off + 8 + 4 * j, 4);
		off += 8 + 4 * r->rec[i].nsrc;
	}
}

static struct bus_port port;

/* A query from the port (10.0.0.99) to dst: group, max resp code, and for v3 (v3 set)
 * QRV, QQIC and sources; len_override > 0 cuts or pads the IGMP part. */
static void
query(const char *dst, const char *group, int code, int v3, int qrv, int nsrc,
    const char **srcs, int len_override, int nsrc_field)
{
	uint8_t f[128], *ip = f + 14, *ig = ip + 24;
	uint32_t d = x_ip(dst), g = x_ip(group), s = x_ip("10.0.0.99");
	size_t il = v3 ? 12 + 4 * (size_t)nsrc : 8;
	uint16_t c;
	int i;

	if (len_override > 0)
		il = (size_t)len_override;
	memset(f, 0, sizeof(f));
	f[0] = 0x01, f[1] = 0, f[2] = 0x5e;
	f[3] = (uint8_t)(((const uint8_t *)&d)[1] & 0x7f);
	f[4] = ((const uint8_t *)&d)[2], f[5] = ((const uint8_t *)&d)[3];
	memcpy(f + 6, mymac, 6);
	f[12] = 0x08, f[13] = 0;
	ip[0] = 0x46, ip[8] = 1, ip[9] = 2;
	ip[2] = (uint8_t)((24 + il) >> 8), ip[3] = (uint8_t)(24 + il);
	memcpy(ip + 12, &s, 4);
	memcpy(ip + 16, &d, 4);
	ip[20] = 0x94, ip[21] = 4;
	c = cksum(ip, 24);
	ip[10] = (uint8_t)(c >> 8), ip[11] = (uint8_t)c;
	ig[0] = 0x11, ig[1] = (uint8_t)code;
	memcpy(ig + 4, &g, 4);
	if (v3) {
		ig[8] = (uint8_t)qrv, ig[9] = 125;
		ig[10] = (uint8_t)(nsrc_field >> 8), ig[11] = (uint8_t)nsrc_field;
		for (i = 0; i < nsrc; i++) {
			uint32_t a = x_ip(srcs[i]);
			memcpy(ig + 12 + 4 * i, &a, 4);
		}
	}
	c = cksum(ig, il);
	ig[2] = (uint8_t)(c >> 8), ig[3] = (uint8_t)c;
	bus_xmit(&port, f, 14 + 24 + il);
}

static int
memb(int s, int name, const char *grp)
{
	uint32_t m[2] = { x_ip(grp), x_ip("10.0.0.1") };

	return rump_sys_setsockopt(s, X_IPPROTO_IP, name, m, sizeof(m)) < 0 ? errno : 0;
}

static int
count(int type)
{
	int i, n = 0;

	for (i = 0; i < nreps; i++)
		n += reps[i].type == type;
	return n;
}

/* the last v3 report's first record */
static const struct rep *
last3(void)
{
	int i;

	for (i = nreps - 1; i >= 0; i--)
		if (reps[i].type == 0x22)
			return &reps[i];
	return NULL;
}

int
main(void)
{
	struct rumpus_kernel *a, *b;
	char path[] = "/tmp/rumpus_igmp3_XXXXXX", cmd[256];
	static char out[1 << 20];
	const struct rep *r;
	int s, ub, e, fd, i, ok1;
	const char *two[2] = { "10.0.0.7", "10.0.0.8" };

	rumpus_clock_virtual(1);
	fd = mkstemp(path);
	close(fd);
	ok(rumpus_bus_pcap("igmp3bus", path) == 0, "capturing igmp3bus");
	a = x_boot(), b = x_boot();
	rumpus_kernel_switch(a);
	ok(x_ifconfig("shmif0", "igmp3bus", "10.0.0.1", 24) == 0, "A 10.0.0.1");
	rumpus_kernel_switch(b);
	ok(x_ifconfig("shmif0", "igmp3bus", "10.0.0.2", 24) == 0, "B 10.0.0.2");
	memset(&port, 0, sizeof(port));
	memcpy(port.bp_mac, mymac, 6);
	port.bp_rx = port_rx;
	ok(bus_attach("igmp3bus", &port) == 0, "the querier's port joins the bus");
	rumpus_kernel_switch(a);
	s = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	{
		struct x_sin sin = x_sin("0.0.0.0", 9000);
		ok(s >= 0 && rump_sys_bind(s, (struct sockaddr *)&sin, sizeof(sin)) == 0,
		    "A's socket on port 9000");
	}

	/* no querier: IGMPv2 as NetBSD */
	nreps = 0;
	ok(memb(s, X_IP_ADD_MEMBERSHIP, "239.1.1.1") == 0 && count(0x16) == 1 && count(0x22) == 0,
	    "no querier heard: joining 239.1.1.1 sends an IGMPv2 report");
	vsleep(11, 0);

	/* a v3 general query */
	nreps = 0;
	query("224.0.0.1", "0.0.0.0", 100, 1, 2, 0, NULL, 0, 0);
	vsleep(10, 100000000);
	r = last3();
	ok(count(0x22) == 1 && count(0x16) == 0 && r != NULL && r->nrec == 1 &&
	    r->rec[0].type == 2 && r->rec[0].group == x_ip("239.1.1.1") && r->rec[0].nsrc == 0,
	    "a v3 general query: one v3 report within 10 s, MODE_IS_EXCLUDE {} for 239.1.1.1 "
	    "(not 224.0.0.1) (%d reports)", nreps);
	ok(r != NULL && r->dst == x_ip("224.0.0.22") && r->ttl == 1 && r->ra,
	    "to 224.0.0.22, TTL 1, with the Router Alert option");

	/* joins and leaves in v3 */
	nreps = 0;
	ok(memb(s, X_IP_ADD_MEMBERSHIP, "239.2.2.2") == 0, "A joins 239.2.2.2");
	r = last3();
	ok(nreps == 1 && r != NULL && r->nrec == 1 && r->rec[0].type == 4 &&
	    r->rec[0].group == x_ip("239.2.2.2"), "at once: CHANGE_TO_EXCLUDE {} for it");
	vsleep(1, 0);
	ok(nreps == 2 && count(0x22) == 2 && reps[1].rec[0].type == 4,
	    "and again within the Unsolicited Report Interval (robustness 2), then no more");
	vsleep(5, 0);
	ok(nreps == 2, "no more");
	nreps = 0;
	ok(memb(s, X_IP_DROP_MEMBERSHIP, "239.2.2.2") == 0, "A leaves it");
	vsleep(1, 0);
	ok(nreps == 2 && reps[0].rec[0].type == 3 && reps[1].rec[0].type == 3 &&
	    reps[1].rec[0].group == x_ip("239.2.2.2"), "CHANGE_TO_INCLUDE {} twice");
	/* robustness 3 */
	query("224.0.0.1", "0.0.0.0", 10, 1, 3, 0, NULL, 0, 0);
	vsleep(2, 0);
	nreps = 0;
	memb(s, X_IP_ADD_MEMBERSHIP, "239.3.3.3");
	vsleep(3, 0);
	ok(nreps == 3 && count(0x22) == 3, "after a query with robustness 3, a join is "
	    "reported three times (%d)", nreps);

	/* group-specific and group-and-source-specific queries */
	nreps = 0;
	query("239.1.1.1", "239.1.1.1", 20, 1, 2, 0, NULL, 0, 0);
	vsleep(2, 100000000);
	r = last3();
	ok(nreps == 1 && r != NULL && r->nrec == 1 && r->rec[0].type == 2 &&
	    r->rec[0].group == x_ip("239.1.1.1") && r->rec[0].nsrc == 0,
	    "a group-specific query: MODE_IS_EXCLUDE {} for that group alone");
	nreps = 0;
	query("239.1.1.1", "239.1.1.1", 20, 1, 2, 2, two, 0, 2);
	vsleep(2, 100000000);
	r = last3();
	ok(nreps == 1 && r != NULL && r->rec[0].type == 1 && r->rec[0].nsrc == 2 &&
	    r->rec[0].src[0] == x_ip("10.0.0.7") && r->rec[0].src[1] == x_ip("10.0.0.8"),
	    "a group-and-source query for 10.0.0.7 and 10.0.0.8: MODE_IS_INCLUDE of both "
	    "(we exclude none)");
	nreps = 0;
	query("239.9.9.9", "239.9.9.9", 20, 1, 2, 0, NULL, 0, 0);
	vsleep(3, 0);
	ok(nreps == 0, "a query for a group A did not join: nothing");

	/* malformed */
	nreps = 0;
	query("224.0.0.1", "0.0.0.0", 20, 1, 2, 0, NULL, 10, 0);
	query("224.0.0.1", "0.0.0.0", 20, 1, 2, 0, NULL, 0, 5);
	query("224.0.0.1", "0.0.0.0", 20, 1, 2, 2, two, 0, 2);
	vsleep(3, 0);
	ok(nreps == 0, "a 10-byte query, one with more sources than bytes, a general one with "
	    "sources: no answer");

	/* an IGMPv2 querier among v3 ones */
	query("224.0.0.1", "0.0.0.0", 10, 0, 0, 0, NULL, 0, 0);
	vsleep(2, 0);
	nreps = 0;
	memb(s, X_IP_ADD_MEMBERSHIP, "239.4.4.4");
	ok(nreps == 1 && count(0x16) == 1, "a v2 querier heard: a join sends an IGMPv2 report");
	vsleep(200, 0);
	nreps = 0;
	memb(s, X_IP_ADD_MEMBERSHIP, "239.5.5.5");
	ok(nreps == 1 && count(0x16) == 1, "still v2 200 s later");
	vsleep(60, 0);
	nreps = 0;
	memb(s, X_IP_ADD_MEMBERSHIP, "239.6.6.6");
	ok(nreps == 1 && count(0x22) == 1, "v3 again once the Older Version Querier Present "
	    "Timeout (robustness 2 x 125 s + 2 s, from the last v3 query) ran out");
	/* an IGMPv1 querier */
	query("224.0.0.1", "0.0.0.0", 0, 0, 0, 0, NULL, 0, 0);
	vsleep(11, 0);
	nreps = 0;
	memb(s, X_IP_ADD_MEMBERSHIP, "239.7.7.7");
	ok(nreps == 1 && count(0x12) == 1, "a v1 querier heard: a join sends an IGMPv1 report");

	/* delivery: every source (EXCLUDE {}); the source options NetBSD lacks */
	rumpus_kernel_switch(b);
	ub = rump_sys_socket(X_AF_INET, X_SOCK_DGRAM, 0);
	{
		uint32_t ifa = x_ip("10.0.0.2");
		rump_sys_setsockopt(ub, X_IPPROTO_IP, 9 /* IP_MULTICAST_IF */, &ifa, sizeof(ifa));
	}
	{
		struct x_sin to = x_sin("239.1.1.1", 9000);
		e = (int)rump_sys_sendto(ub, "from B", 6, 0, (struct sockaddr *)&to, sizeof(to));
	}
	rumpus_kernel_switch(a);
	{
		char buf[64];
		ok(e == 6 && rump_sys_recvfrom(s, buf, sizeof(buf), X_MSG_DONTWAIT, NULL, NULL) == 6,
		    "a datagram from B to 239.1.1.1 reaches A (no source filter)");
	}
	for (i = 0, ok1 = 1; i < 6; i++) {
		/* FreeBSD's / Linux's numbers of IP_ADD_SOURCE_MEMBERSHIP, IP_BLOCK_SOURCE,
		 * MCAST_JOIN_GROUP, MCAST_JOIN_SOURCE_GROUP... */
		static const int nums[6] = { 70, 72, 80, 82, 39, 46 };
		uint8_t junk[264];
		memset(junk, 0, sizeof(junk));
		e = rump_sys_setsockopt(s, X_IPPROTO_IP, nums[i], junk, 12) < 0 ? errno : 0;
		ok1 &= e == X_ENOPROTOOPT;
	}
	ok(ok1, "the source-specific options (none in NetBSD's netinet/in.h): ENOPROTOOPT");
	rump_sys_close(s);
	rumpus_kernel_switch(b);
	rump_sys_close(ub);
	rumpus_kernel_switch(NULL);
	bus_detach(&port);
	rumpus_bus_pcap("igmp3bus", NULL);
	rumpus_kernel_destroy(a);
	rumpus_kernel_destroy(b);
	rumpus_clock_virtual(0);

	if (!x_tshark_or_skip(path))
		return tap_done();
	/* what A sent (the querier's deliberately malformed queries aside) */
	snprintf(cmd, sizeof(cmd), "tshark -n -o ip.check_checksum:TRUE -Y ip.src==10.0.0.1 "
	    "-r %s -V 2>&1", path);
	{
		size_t n;
		e = x_tshark_read(cmd, out, sizeof(out), &n);
		ok(e == 0 && n > 0, "tshark reads the capture");
	}
	ok(strstr(out, "Change To Exclude Mode") != NULL, "tshark sees v3 state changes to "
	    "EXCLUDE");
	ok(strstr(out, "Mode Is Exclude") != NULL && strstr(out, "Mode Is Include") != NULL &&
	    strstr(out, "Change To Include Mode") != NULL,
	    "and current-state records (IS_EX, IS_IN) and the leave's TO_IN");
	ok(strstr(out, "Version: 3") != NULL && strstr(out, "Router Alert") != NULL,
	    "IGMP version 3 with the Router Alert option");
	ok(x_tshark_clean(out), "nothing malformed, no bad checksums");
	if (tap_failed)
		diag("capture kept in %s", path);
	else
		unlink(path);
	return tap_done();
}
