/*
 * inet_abi_test.c: the network ABI of the kernel against NetBSD's fact tables
 * (abi/netbsd in the repository, read from the repository root): ioctl numbers, RTM_/RTF_/RTA_/IFF_/
 * IFT_/NET_RT_/IPCTL_ values, and the sizes and member offsets of ifreq, ifaliasreq,
 * in_aliasreq, ifdrv, ifconf, if_data, ifdatareq, sockaddr_in, sockaddr_dl, rt_msghdr,
 * rt_metrics, if_msghdr and ifa_msghdr.
 */
#include <stdlib.h>

#include "tap.h"
#include "inet_util.h"

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The value column of constant name (family any), or -1 with *found 0. */
static long long
constant(const char *tsv, const char *name, int *found)
{
	char key[128];
	const char *p;

	snprintf(key, sizeof(key), "\t%s\t", name);
	*found = 0;
	if ((p = strstr(tsv, key)) == NULL)
		return -1;
	*found = 1;
	return strtoll(p + strlen(key), NULL, 10);
}

/* size of a type, or the offset/size of a member ("-" for the type row) */
static int
layout(const char *tsv, const char *type, const char *member, long *off, long *size)
{
	char key[160];
	const char *p = tsv;
	size_t kl;

	snprintf(key, sizeof(key), "\n%s\t", type);
	kl = strlen(key);
	while ((p = strstr(p, key)) != NULL) {
		const char *f[8];
		int i;
		f[0] = p + kl;			/* kind */
		for (i = 1; i < 8; i++) {
			f[i] = strchr(f[i - 1], '\t');
			if (f[i] == NULL)
				return 0;
			f[i]++;
		}
		/* f[2] type_size, f[4] member, f[5] offset, f[6] size */
		if (member == NULL) {
			*size = strtol(f[2], NULL, 10);
			return 1;
		}
		if (strncmp(f[4], member, strlen(member)) == 0 && f[4][strlen(member)] == '\t') {
			*off = strtol(f[5], NULL, 10);
			*size = strtol(f[6], NULL, 10);
			return 1;
		}
		p += kl;
	}
	return 0;
}

#define C(name) { #name, (long long)(name) }
static const struct { const char *name; long long v; } consts[] = {
	C(SIOCSIFFLAGS), C(SIOCGIFFLAGS), C(SIOCSIFADDR), C(SIOCGIFADDR), C(SIOCGIFDSTADDR),
	C(SIOCGIFBRDADDR), C(SIOCGIFNETMASK), C(SIOCAIFADDR), C(SIOCDIFADDR), C(SIOCGIFCONF),
	C(SIOCSIFMTU), C(SIOCGIFMTU), C(SIOCGIFMETRIC), C(SIOCSIFMETRIC), C(SIOCIFCREATE),
	C(SIOCIFDESTROY), C(SIOCIFGCLONERS), C(SIOCSLINKSTR), C(SIOCGLINKSTR), C(SIOCGIFDATA),
	C(SIOCZIFDATA), C(SIOCGIFINDEX),
	C(IFF_UP), C(IFF_BROADCAST), C(IFF_DEBUG), C(IFF_LOOPBACK), C(IFF_POINTOPOINT),
	C(IFF_RUNNING), C(IFF_NOARP), C(IFF_PROMISC), C(IFF_SIMPLEX), C(IFF_MULTICAST),
	C(IFF_CANTCHANGE), C(IFT_ETHER), C(IFT_LOOP), C(LINK_STATE_UNKNOWN), C(LINK_STATE_DOWN),
	C(LINK_STATE_UP), C(AF_LINK), C(AF_ROUTE), C(PF_ROUTE),
	C(RTF_UP), C(RTF_GATEWAY), C(RTF_HOST), C(RTF_REJECT), C(RTF_DYNAMIC), C(RTF_MODIFIED),
	C(RTF_DONE), C(RTF_MASK), C(RTF_CONNECTED), C(RTF_LLDATA), C(RTF_STATIC),
	C(RTF_BLACKHOLE), C(RTF_LOCAL), C(RTF_BROADCAST),
	C(RTM_VERSION), C(RTM_ADD), C(RTM_DELETE), C(RTM_CHANGE), C(RTM_GET), C(RTM_NEWADDR),
	C(RTM_IFINFO), C(RTA_DST), C(RTA_GATEWAY), C(RTA_NETMASK), C(RTA_GENMASK), C(RTA_IFP),
	C(RTA_IFA), C(RTA_AUTHOR), C(RTA_BRD), C(RTAX_MAX), C(NET_RT_DUMP), C(NET_RT_FLAGS),
	C(NET_RT_IFLIST), C(RT_ROUNDUP(0)), C(RT_ROUNDUP(1)), C(RT_ROUNDUP(16)), C(RT_ROUNDUP(28)),
	C(IPPROTO_ICMP), C(IPPROTO_UDP), C(IPPROTO_RAW), C(INADDR_BROADCAST), C(IP_HDRINCL),
	C(IP_TTL), C(IPCTL_FORWARDING), C(IPCTL_SENDREDIRECTS), C(IPCTL_DEFTTL),
	C(IPCTL_ANONPORTMIN), C(IPCTL_ANONPORTMAX), C(IPCTL_MAXFRAGPACKETS),
	C(IPPROTO_IGMP), C(IP_MULTICAST_IF), C(IP_MULTICAST_TTL), C(IP_MULTICAST_LOOP),
	C(IP_ADD_MEMBERSHIP), C(IP_DROP_MEMBERSHIP), C(IP_MAX_MEMBERSHIPS),
};

#define L(t, T) { t, NULL, 0, sizeof(T) }
#define M(t, T, m, nbm) { t, nbm, offsetof(T, m), sizeof(((T *)0)->m) }
static const struct { const char *type, *member; long off, size; } layouts[] = {
	L("struct ifreq", struct nb_ifreq),
	L("struct ip_mreq", struct nb_ip_mreq),
	M("struct ip_mreq", struct nb_ip_mreq, imr_multiaddr, "imr_multiaddr"),
	M("struct ip_mreq", struct nb_ip_mreq, imr_interface, "imr_interface"),
	M("struct ifreq", struct nb_ifreq, ifr_ifru.ifru_flags, "ifr_ifru.ifru_flags"),
	M("struct ifreq", struct nb_ifreq, ifr_ifru.ifru_mtu, "ifr_ifru.ifru_mtu"),
	M("struct ifreq", struct nb_ifreq, ifr_ifru.ifru_addr, "ifr_ifru.ifru_addr"),
	L("struct ifaliasreq", struct nb_ifaliasreq),
	M("struct ifaliasreq", struct nb_ifaliasreq, ifra_mask, "ifra_mask"),
	L("struct in_aliasreq", struct nb_in_aliasreq),
	M("struct in_aliasreq", struct nb_in_aliasreq, ifra_addr, "ifra_addr"),
	M("struct in_aliasreq", struct nb_in_aliasreq, ifra_dstaddr, "ifra_dstaddr"),
	M("struct in_aliasreq", struct nb_in_aliasreq, ifra_mask, "ifra_mask"),
	L("struct ifdrv", struct nb_ifdrv),
	M("struct ifdrv", struct nb_ifdrv, ifd_cmd, "ifd_cmd"),
	M("struct ifdrv", struct nb_ifdrv, ifd_len, "ifd_len"),
	M("struct ifdrv", struct nb_ifdrv, ifd_data, "ifd_data"),
	L("struct ifconf", struct nb_ifconf),
	M("struct ifconf", struct nb_ifconf, ifc_buf, "ifc_ifcu.ifcu_buf"),
	L("struct if_data", struct nb_if_data),
	M("struct if_data", struct nb_if_data, ifi_link_state, "ifi_link_state"),
	M("struct if_data", struct nb_if_data, ifi_mtu, "ifi_mtu"),
	M("struct if_data", struct nb_if_data, ifi_ipackets, "ifi_ipackets"),
	M("struct if_data", struct nb_if_data, ifi_ierrors, "ifi_ierrors"),
	M("struct if_data", struct nb_if_data, ifi_opackets, "ifi_opackets"),
	M("struct if_data", struct nb_if_data, ifi_ibytes, "ifi_ibytes"),
	M("struct if_data", struct nb_if_data, ifi_obytes, "ifi_obytes"),
	M("struct if_data", struct nb_if_data, ifi_iqdrops, "ifi_iqdrops"),
	M("struct if_data", struct nb_if_data, ifi_noproto, "ifi_noproto"),
	M("struct if_data", struct nb_if_data, ifi_lastchange, "ifi_lastchange"),
	L("struct ifdatareq", struct nb_ifdatareq),
	M("struct ifdatareq", struct nb_ifdatareq, ifdr_data, "ifdr_data"),
	L("struct sockaddr_in", struct nb_sockaddr_in),
	M("struct sockaddr_in", struct nb_sockaddr_in, sin_port, "sin_port"),
	M("struct sockaddr_in", struct nb_sockaddr_in, sin_addr, "sin_addr"),
	L("struct sockaddr_dl", struct nb_sockaddr_dl),
	M("struct sockaddr_dl", struct nb_sockaddr_dl, sdl_index, "sdl_index"),
	L("struct rt_msghdr", struct nb_rt_msghdr),
	M("struct rt_msghdr", struct nb_rt_msghdr, rtm_index, "rtm_index"),
	M("struct rt_msghdr", struct nb_rt_msghdr, rtm_flags, "rtm_flags"),
	M("struct rt_msghdr", struct nb_rt_msghdr, rtm_addrs, "rtm_addrs"),
	M("struct rt_msghdr", struct nb_rt_msghdr, rtm_pid, "rtm_pid"),
	M("struct rt_msghdr", struct nb_rt_msghdr, rtm_seq, "rtm_seq"),
	M("struct rt_msghdr", struct nb_rt_msghdr, rtm_errno, "rtm_errno"),
	M("struct rt_msghdr", struct nb_rt_msghdr, rtm_use, "rtm_use"),
	M("struct rt_msghdr", struct nb_rt_msghdr, rtm_inits, "rtm_inits"),
	M("struct rt_msghdr", struct nb_rt_msghdr, rtm_rmx, "rtm_rmx"),
	L("struct rt_metrics", struct nb_rt_metrics),
	M("struct rt_metrics", struct nb_rt_metrics, rmx_mtu, "rmx_mtu"),
	M("struct rt_metrics", struct nb_rt_metrics, rmx_expire, "rmx_expire"),
	L("struct if_msghdr", struct nb_if_msghdr),
	M("struct if_msghdr", struct nb_if_msghdr, ifm_addrs, "ifm_addrs"),
	M("struct if_msghdr", struct nb_if_msghdr, ifm_flags, "ifm_flags"),
	M("struct if_msghdr", struct nb_if_msghdr, ifm_index, "ifm_index"),
	M("struct if_msghdr", struct nb_if_msghdr, ifm_data, "ifm_data"),
	L("struct ifa_msghdr", struct nb_ifa_msghdr),
	M("struct ifa_msghdr", struct nb_ifa_msghdr, ifam_addrs, "ifam_addrs"),
	M("struct ifa_msghdr", struct nb_ifa_msghdr, ifam_flags, "ifam_flags"),
	M("struct ifa_msghdr", struct nb_ifa_msghdr, ifam_metric, "ifam_metric"),
	M("struct ifa_msghdr", struct nb_ifa_msghdr, ifam_index, "ifam_index"),
};

int
main(void)
{
	char dir[512], path[600], *ct, *st;
	size_t i;
	int found, bad = 0;

	snprintf(dir, sizeof(dir), "abi/netbsd");
	snprintf(path, sizeof(path), "%s/constants.tsv", dir);
	ct = slurp(path);
	snprintf(path, sizeof(path), "%s/structs.tsv", dir);
	st = slurp(path);
	if (ct == NULL || st == NULL) {
		ok(0, "the fact tables are in abi/netbsd (run from the repository root)");
		return tap_done();
	}
	for (i = 0; i < sizeof(consts) / sizeof(consts[0]); i++) {
		long long v = constant(ct, consts[i].name, &found);
		if (!found || (v != consts[i].v && (v & 0xffffffffLL) != (consts[i].v & 0xffffffffLL))) {
			bad++;
			diag("%s: ours %lld, NetBSD %s%lld", consts[i].name, consts[i].v,
			    found ? "" : "(missing) ", v);
		}
	}
	ok(bad == 0, "%zu network constants equal NetBSD's (%d differ)",
	    sizeof(consts) / sizeof(consts[0]), bad);
	bad = 0;
	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		long off = -1, size = -1;
		if (!layout(st, layouts[i].type, layouts[i].member, &off, &size) ||
		    size != layouts[i].size || (layouts[i].member && off != layouts[i].off)) {
			bad++;
			diag("%s %s: ours %ld@%ld, NetBSD %ld@%ld", layouts[i].type,
			    layouts[i].member ? layouts[i].member : "(size)", layouts[i].size,
			    layouts[i].off, size, off);
		}
	}
	ok(bad == 0, "%zu sizes and offsets equal NetBSD's (%d differ)",
	    sizeof(layouts) / sizeof(layouts[0]), bad);
	free(ct);
	free(st);
	return tap_done();
}
