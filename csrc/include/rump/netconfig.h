/*
 * netconfig.h: NetBSD's portable interface configuration calls for rump kernels
 * (librumpnet_config), implemented by rumpus through each kernel's own system calls.
 *
 * Every call acts on the calling thread's current kernel (or the default kernel of
 * rump_init()), as the calling thread's current lwp, and returns 0 or a NetBSD errno
 * (never -1; errno is left alone):
 *
 *	rump_pub_netconfig_ifcreate("shmif0");			SIOCIFCREATE
 *	rump_pub_netconfig_ifsetlinkstr("shmif0", "bus1");	SIOCSLINKSTR: join bus "bus1"
 *	rump_pub_netconfig_ipv4_ifaddr("shmif0", "10.0.0.1", "255.255.255.0");
 *	rump_pub_netconfig_ipv4_gw("10.0.0.254");		RTM_ADD of the default route
 *
 * docs/netinet.md ("NetBSD's netconfig calls") lists the errors of each call.
 */
#ifndef RUMP_NETCONFIG_H
#define RUMP_NETCONFIG_H

#ifdef __cplusplus
extern "C" {
#endif

int rump_pub_netconfig_ifcreate(const char *ifname);
int rump_pub_netconfig_ifdestroy(const char *ifname);
int rump_pub_netconfig_ifup(const char *ifname);
int rump_pub_netconfig_ifdown(const char *ifname);
int rump_pub_netconfig_ifsetlinkstr(const char *ifname, const char *linkstr);
int rump_pub_netconfig_bradd(const char *bridge, const char *ifname);
int rump_pub_netconfig_brdel(const char *bridge, const char *ifname);
int rump_pub_netconfig_ipv4_ifaddr(const char *ifname, const char *addr, const char *mask);
int rump_pub_netconfig_ipv4_ifaddr_cidr(const char *ifname, const char *addr, int prefixlen);
int rump_pub_netconfig_ipv6_ifaddr(const char *ifname, const char *addr, int prefixlen);
int rump_pub_netconfig_ipv4_gw(const char *gwaddr);
int rump_pub_netconfig_ipv6_gw(const char *gwaddr);
int rump_pub_netconfig_dhcp_ipv4_oneshot(const char *ifname);
int rump_pub_netconfig_auto_ipv6(const char *ifname);

/* The same calls under NetBSD's in-kernel names. */
int rump_netconfig_ifcreate(const char *ifname);
int rump_netconfig_ifdestroy(const char *ifname);
int rump_netconfig_ifup(const char *ifname);
int rump_netconfig_ifdown(const char *ifname);
int rump_netconfig_ifsetlinkstr(const char *ifname, const char *linkstr);
int rump_netconfig_bradd(const char *bridge, const char *ifname);
int rump_netconfig_brdel(const char *bridge, const char *ifname);
int rump_netconfig_ipv4_ifaddr(const char *ifname, const char *addr, const char *mask);
int rump_netconfig_ipv4_ifaddr_cidr(const char *ifname, const char *addr, int prefixlen);
int rump_netconfig_ipv6_ifaddr(const char *ifname, const char *addr, int prefixlen);
int rump_netconfig_ipv4_gw(const char *gwaddr);
int rump_netconfig_ipv6_gw(const char *gwaddr);
int rump_netconfig_dhcp_ipv4_oneshot(const char *ifname);
int rump_netconfig_auto_ipv6(const char *ifname);
/* NetBSD panics here; rumpus prints a line on stderr and aborts the process. */
void rump_netconfig_unavailable(void) __attribute__((__noreturn__));

#ifdef __cplusplus
}
#endif
#endif
