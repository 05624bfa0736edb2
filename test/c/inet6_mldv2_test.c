/*
 * inet6_mldv2_test.c: the MLDv2 listener side (RFC 3810) of a kernel on a bus, with a
 * raw port as the querier (fe80::99), under the virtual clock; tshark decodes A's side.
 *   - no querier heard: a join sends an MLDv1 report (NetBSD's mld6);
 *   - an MLDv2 general query: one report to ff02::16 (hop limit 1, Router Alert) with
 *     MODE_IS_EXCLUDE {} for every group A listens to (ff15::1, its solicited-node group)
 *     within the maximum response delay;
 *   - in v2: a join sends CHANGE_TO_EXCLUDE {} twice within 1 s, a leave
 *     CHANGE_TO_INCLUDE {} twice;
 *   - a group-and-source-specific query: MODE_IS_INCLUDE of exactly those sources; a
 *     group-specific one: MODE_IS_EXCLUDE {}; a query whose sources run past its end:
 *     nothing;
 *   - an MLDv1 querier among v2 ones: v1 reports for the Older Version Querier Present
 *     Timeout (2 x 125 s + 1 s), then v2 again.
 */
#include <stdlib.h>
#include <unistd.h>

#include "tap.h"
#include "inet6_nb.h"
#include "net/bus.h"
#include "bus_raw.h"
#include "tshark.h"

#define vsleep x_vsleep

struct rep {
	int type, hlim, ra, nrec;
	uint8_t dst[16];
	struct { int type, nsrc; uint8_t group[16], src[4][16]; } rec[8];
};
static struct rep reps[256];
static int nreps;
static uint8_t mymac[6] = { 0x02, 0, 0, 0, 0x99, 0x99 };
static struct bus_port port;

static void
port_rx(struct bus_port *bp, const void *f, size_t len)
{
	const uint8_t *e = f, *ip = e + 14, *ic;
	struct rep *r;
	size_t plen, off;
	int i;

	(void)bp;
	if (len < 14 + 40 + 8 + 8 || e[12] != 0x86 || e[13] != 0xdd || ip[6] != 0 ||
	    ip[40] != 58 || nreps == 256)
		return;
	ic = ip + 48;
	if (ic[0] != 131 && ic[0] != 143)
		return;
	plen = (size_t)(ip[4] << 8 | ip[5]) - 8;
	r = &reps[nreps++];
	memset(r, 0, sizeof(*r));
	r->type = ic[0];
	r->hlim = ip[7];
	r->ra = ip[42] == 5 && ip[43] == 2;
	memcpy(r->dst, ip + 24, 16);
	if (ic[0] != 143)
		return;
	r->nrec = ic[6] << 8 | ic[7];
	for (i = 0, off = 8; i < r->nrec && i < 8 && off + 20 <= plen; i++) {
		int j;
		r->rec[i].type = ic[off];
		r->rec[i].nsrc = ic[off + 2] << 8 | ic[off + 3];
		memcpy(r->rec[i].group, ic + off + 4, 16);
		for (j = 0; j < r->rec[i].nsrc && j < 4; j++)
			memcpy(r->rec[i].src[j], ic + off + 20 + 16 * j, 16);
		off += 20 + 16 * (size_t)r->rec[i].nsrc;
	}
}

/* An MLD query from fe80::99 to dst about group (NULL: general): v2 (28 bytes and the
 * sources) or v1 (24 bytes); nsrc_field may lie about the sources. */
static void
query(const char *dst, const char *group, int maxresp_ms, int v2, int nsrc, const char **srcs,
    int nsrc_field)
{
	uint8_t f[256], *ip = f + 14, *ic = ip + 48;
	size_t il = v2 ? 28 + 16 * (size_t)nsrc : 24;
	uint16_t c;
	int i;

	memset(f, 0, sizeof(f));
	ip[0] = 0x60;
	ip[4] = (uint8_t)((8 + il) >> 8), ip[5] = (uint8_t)(8 + il);
	ip[6] = 0, ip[7] = 1;
	inet_pton(AF_INET6, "fe80::99", ip + 8);
	inet_pton(AF_INET6, dst, ip + 24);
	f[0] = 0x33, f[1] = 0x33;
	memcpy(f + 2, ip + 36, 4);
	memcpy(f + 6, mymac, 6);
	f[12] = 0x86, f[13] = 0xdd;
	ip[40] = 58, ip[41] = 0, ip[42] = 5, ip[43] = 2, ip[46] = 1;	/* router alert, PadN */
	ic[0] = 130;
	ic[4] = (uint8_t)(maxresp_ms >> 8), ic[5] = (uint8_t)maxresp_ms;
	if (group != NULL)
		inet_pton(AF_INET6, group, ic + 8);
	if (v2) {
		ic[24] = 2, ic[25] = 125;
		ic[26] = (uint8_t)(nsrc_field >> 8), ic[27] = (uint8_t)nsrc_field;
		for (i = 0; i < nsrc; i++)
			inet_pton(AF_INET6, srcs[i], ic + 28 + 16 * i);
	}
	c = x_cksum6(ip + 8, ip + 24, 58, ic, il);
	ic[2] = (uint8_t)(c >> 8), ic[3] = (uint8_t)c;
	bus_xmit(&port, f, 14 + 48 + il);
}

static int
join(int s, int name, const char *grp, unsigned ifi)
{
	struct x_ipv6_mreq m;

	memset(&m, 0, sizeof(m));
	inet_pton(AF_INET6, grp, m.addr);
	m.ifindex = ifi;
	return rump_sys_setsockopt(s, X_IPPROTO_IPV6, name, &m, sizeof(m)) < 0 ? errno : 0;
}

static int
has_rec(const struct rep *r, int type, const char *grp)
{
	uint8_t g[16];
	int i;

	inet_pton(AF_INET6, grp, g);
	for (i = 0; i < r->nrec && i < 8; i++)
		if (r->rec[i].type == type && memcmp(r->rec[i].group, g, 16) == 0)
			return 1;
	return 0;
}

static int
count(int type)
{
	int i, n = 0;

	for (i = 0; i < nreps; i++)
		n += reps[i].type == type;
	return n;
}

int
main(void)
{
	struct rumpus_kernel *a;
	char path[] = "/tmp/rumpus_mldv2_XXXXXX", cmd[300], lla[64];
	static char out[1 << 20];
	const char *two[2] = { "2001:db8::7", "2001:db8::8" };
	uint8_t s7[16], s8[16], ff16[16];
	unsigned ia;
	int s, fd, e;

	rumpus_clock_virtual(1);
	fd = mkstemp(path);
	close(fd);
	ok(rumpus_bus_pcap("mld2bus", path) == 0, "capturing mld2bus");
	a = x6_boot();
	rumpus_kernel_switch(a);
	ok(x_ifconfig("shmif0", "mld2bus", NULL, 0) == 0 &&
	    x6_addr("shmif0", "2001:db8::1", 64, X_IN6_IFF_NODAD) == 0, "A 2001:db8::1");
	ia = x_ifindex("shmif0");
	x_lladdr6("shmif0", lla, sizeof(lla));
	vsleep(3, 0);
	memset(&port, 0, sizeof(port));
	memcpy(port.bp_mac, mymac, 6);
	port.bp_rx = port_rx;
	ok(bus_attach("mld2bus", &port) == 0, "the querier's port joins the bus");
	s = rump_sys_socket(X_AF_INET6, X_SOCK_DGRAM, 0);
	inet_pton(AF_INET6, "2001:db8::7", s7);
	inet_pton(AF_INET6, "2001:db8::8", s8);
	inet_pton(AF_INET6, "ff02::16", ff16);

	nreps = 0;
	ok(join(s, X_IPV6_JOIN_GROUP, "ff15::1", ia) == 0 && count(131) == 1 && count(143) == 0,
	    "no querier heard: joining ff15::1 sends an MLDv1 report");

	nreps = 0;
	query("ff02::1", NULL, 2000, 1, 0, NULL, 0);
	vsleep(2, 100000000);
	ok(nreps == 1 && reps[0].type == 143 && has_rec(&reps[0], 2, "ff15::1") &&
	    has_rec(&reps[0], 2, "ff02::1:ff00:1") && !has_rec(&reps[0], 2, "ff02::1"),
	    "an MLDv2 general query: one v2 report with MODE_IS_EXCLUDE {} for ff15::1 and the "
	    "solicited-node group, not ff02::1 (%d reports, %d records)", nreps,
	    nreps ? reps[0].nrec : 0);
	ok(nreps == 1 && memcmp(reps[0].dst, ff16, 16) == 0 && reps[0].hlim == 1 && reps[0].ra,
	    "to ff02::16, hop limit 1, Router Alert");

	nreps = 0;
	join(s, X_IPV6_JOIN_GROUP, "ff15::2", ia);
	vsleep(1, 0);
	ok(nreps == 2 && has_rec(&reps[0], 4, "ff15::2") && has_rec(&reps[1], 4, "ff15::2"),
	    "a join in v2: CHANGE_TO_EXCLUDE {} twice within 1 s (%d)", nreps);
	nreps = 0;
	join(s, X_IPV6_LEAVE_GROUP, "ff15::2", ia);
	vsleep(1, 0);
	ok(nreps == 2 && has_rec(&reps[0], 3, "ff15::2") && has_rec(&reps[1], 3, "ff15::2"),
	    "a leave: CHANGE_TO_INCLUDE {} twice (%d)", nreps);

	nreps = 0;
	query("ff15::1", "ff15::1", 1000, 1, 2, two, 2);
	vsleep(1, 100000000);
	ok(nreps == 1 && reps[0].nrec == 1 && reps[0].rec[0].type == 1 && reps[0].rec[0].nsrc == 2 &&
	    memcmp(reps[0].rec[0].src[0], s7, 16) == 0 && memcmp(reps[0].rec[0].src[1], s8, 16) == 0,
	    "a group-and-source query: MODE_IS_INCLUDE of its two sources");
	nreps = 0;
	query("ff15::1", "ff15::1", 1000, 1, 0, NULL, 0);
	vsleep(1, 100000000);
	ok(nreps == 1 && reps[0].nrec == 1 && reps[0].rec[0].type == 2 && reps[0].rec[0].nsrc == 0,
	    "a group-specific query: MODE_IS_EXCLUDE {}");
	nreps = 0;
	query("ff15::1", "ff15::1", 1000, 1, 0, NULL, 3);
	vsleep(1, 100000000);
	ok(nreps == 0, "a query whose sources run past its end: nothing");

	/* an MLDv1 querier */
	query("ff02::1", NULL, 1000, 0, 0, NULL, 0);
	vsleep(1, 100000000);
	nreps = 0;
	join(s, X_IPV6_JOIN_GROUP, "ff15::3", ia);
	ok(nreps == 1 && count(131) == 1, "an MLDv1 querier heard: a join sends an MLDv1 report");
	vsleep(240, 0);
	nreps = 0;
	join(s, X_IPV6_JOIN_GROUP, "ff15::4", ia);
	ok(nreps == 1 && count(131) == 1, "still v1 240 s later");
	vsleep(20, 0);
	nreps = 0;
	join(s, X_IPV6_JOIN_GROUP, "ff15::5", ia);
	ok(nreps == 1 && count(143) == 1 && has_rec(&reps[0], 4, "ff15::5"),
	    "MLDv2 again once the Older Version Querier Present Timeout (2 x 125 s + 1 s) ran out");

	rump_sys_close(s);
	rumpus_kernel_switch(NULL);
	bus_detach(&port);
	rumpus_bus_pcap("mld2bus", NULL);
	rumpus_kernel_destroy(a);
	rumpus_clock_virtual(0);
	if (!x_tshark_or_skip(path))
		return tap_done();
	snprintf(cmd, sizeof(cmd), "tshark -n -Y 'ipv6.src==%s' -r %s -V 2>&1", lla, path);
	{
		size_t n;
		e = x_tshark_read(cmd, out, sizeof(out), &n);
		ok(e == 0 && n > 0, "tshark reads the capture (A's frames)");
	}
	ok(strstr(out, "Multicast Listener Report Message v2") != NULL &&
	    strstr(out, "Changed to exclude") != NULL && strstr(out, "Changed to include") != NULL &&
	    strstr(out, "Include") != NULL, "tshark decodes MLDv2 reports with the record types");
	ok(x_tshark_clean(out), "nothing malformed, no bad checksums");
	if (tap_failed)
		diag("capture kept in %s", path);
	else
		unlink(path);
	return tap_done();
}
