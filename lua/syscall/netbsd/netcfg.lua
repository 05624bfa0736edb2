-- syscall.netbsd.netcfg: the NetBSD (7.99.34, x86_64) structures of network configuration:
-- interface requests (ifreq, in_aliasreq, ifdrv, ifconf, ifdatareq/if_data, ifcapreq), the routing
-- socket and sysctl messages (rt_msghdr/rt_metrics, if_msghdr, ifa_msghdr) and sockaddr_dl;
-- IPv6's in6_aliasreq, in6_ifreq (with in6_addrlifetime) and in6_nbrinfo.
-- Names are struct rumpus_nb_*, as in syscall.netbsd.ffi.  test/rump/net_abi_test.lua checks
-- every size, alignment and member offset against abi/netbsd/structs.tsv.
--
-- Returns { t = ctypes by short name, s = sizes, RT_ROUNDUP = function }.

local ffi = require "syscall.ffi"
require "syscall.netbsd.ffi"

if not package.loaded["syscall.netbsd.netcfg.cdef"] then
  ffi.cdef [[
struct rumpus_nb_ifreq_b { uint32_t b_buflen; void *b_buf; };
union rumpus_nb_ifreq_ifru {
  struct rumpus_nb_sockaddr ifru_addr; struct rumpus_nb_sockaddr ifru_dstaddr;
  struct rumpus_nb_sockaddr ifru_broadaddr; struct rumpus_nb_sockaddr_storage ifru_space;
  short ifru_flags; int ifru_addrflags; int ifru_metric; int ifru_mtu; int ifru_dlt;
  unsigned int ifru_value; void *ifru_data; struct rumpus_nb_ifreq_b ifru_b;
};
struct rumpus_nb_ifreq { char ifr_name[16]; union rumpus_nb_ifreq_ifru ifr_ifru; };
struct rumpus_nb_in_aliasreq {
  char ifra_name[16]; struct rumpus_nb_sockaddr_in ifra_addr; struct rumpus_nb_sockaddr_in ifra_dstaddr;
  struct rumpus_nb_sockaddr_in ifra_mask;
};
struct rumpus_nb_ifdrv { char ifd_name[16]; unsigned long ifd_cmd; size_t ifd_len; void *ifd_data; };
union rumpus_nb_ifconf_ifcu { void *ifcu_buf; struct rumpus_nb_ifreq *ifcu_req; };
struct rumpus_nb_ifconf { int ifc_len; union rumpus_nb_ifconf_ifcu ifc_ifcu; };
struct rumpus_nb_if_data {
  unsigned char ifi_type; unsigned char ifi_addrlen; unsigned char ifi_hdrlen; int ifi_link_state;
  uint64_t ifi_mtu; uint64_t ifi_metric; uint64_t ifi_baudrate; uint64_t ifi_ipackets;
  uint64_t ifi_ierrors; uint64_t ifi_opackets; uint64_t ifi_oerrors; uint64_t ifi_collisions;
  uint64_t ifi_ibytes; uint64_t ifi_obytes; uint64_t ifi_imcasts; uint64_t ifi_omcasts;
  uint64_t ifi_iqdrops; uint64_t ifi_noproto; struct rumpus_nb_timespec ifi_lastchange;
};
struct rumpus_nb_ifdatareq { char ifdr_name[16]; struct rumpus_nb_if_data ifdr_data; };
struct rumpus_nb_ifcapreq { char ifcr_name[16]; uint64_t ifcr_capabilities; uint64_t ifcr_capenable; };
struct rumpus_nb_if_msghdr {
  uint16_t ifm_msglen; uint8_t ifm_version; uint8_t ifm_type; int ifm_addrs; int ifm_flags;
  uint16_t ifm_index; struct rumpus_nb_if_data ifm_data;
};
struct rumpus_nb_ifa_msghdr {
  uint16_t ifam_msglen; uint8_t ifam_version; uint8_t ifam_type; int ifam_addrs; int ifam_flags;
  int ifam_metric; uint16_t ifam_index;
} __attribute__((aligned(8)));
struct rumpus_nb_rt_metrics {
  uint64_t rmx_locks; uint64_t rmx_mtu; uint64_t rmx_hopcount; uint64_t rmx_recvpipe;
  uint64_t rmx_sendpipe; uint64_t rmx_ssthresh; uint64_t rmx_rtt; uint64_t rmx_rttvar;
  uint64_t rmx_expire; uint64_t rmx_pksent;
};
struct rumpus_nb_rt_msghdr {
  uint16_t rtm_msglen; uint8_t rtm_version; uint8_t rtm_type; uint16_t rtm_index; int rtm_flags;
  int rtm_addrs; int32_t rtm_pid; int rtm_seq; int rtm_errno; int rtm_use; int rtm_inits;
  struct rumpus_nb_rt_metrics rtm_rmx;
};
struct rumpus_nb_dl_addr { uint8_t dl_type; uint8_t dl_nlen; uint8_t dl_alen; uint8_t dl_slen; char dl_data[12]; };
struct rumpus_nb_sockaddr_dl { uint8_t sdl_len; uint8_t sdl_family; uint16_t sdl_index; struct rumpus_nb_dl_addr sdl_addr; };
struct rumpus_nb_in6_addrlifetime {
  int64_t ia6t_expire; int64_t ia6t_preferred; uint32_t ia6t_vltime; uint32_t ia6t_pltime;
};
struct rumpus_nb_in6_aliasreq {
  char ifra_name[16]; struct rumpus_nb_sockaddr_in6 ifra_addr; struct rumpus_nb_sockaddr_in6 ifra_dstaddr;
  struct rumpus_nb_sockaddr_in6 ifra_prefixmask; int ifra_flags;
  struct rumpus_nb_in6_addrlifetime ifra_lifetime;
};
union rumpus_nb_in6_ifreq_ifru {
  struct rumpus_nb_sockaddr_in6 ifru_addr; struct rumpus_nb_sockaddr_in6 ifru_dstaddr; short ifru_flags;
  int ifru_flags6; int ifru_metric; void *ifru_data; struct rumpus_nb_in6_addrlifetime ifru_lifetime;
  uint8_t ifru_stat[160]; uint8_t ifru_icmp6stat[272];
};
struct rumpus_nb_in6_ifreq { char ifr_name[16]; union rumpus_nb_in6_ifreq_ifru ifr_ifru; };
struct rumpus_nb_in6_nbrinfo {
  char ifname[16]; struct rumpus_nb_in6_addr addr; long asked; int isrouter; int state; int expire;
};
]]
  package.loaded["syscall.netbsd.netcfg.cdef"] = true
end

local M = { t = {}, pt = {}, s = {} }
for _, n in ipairs { "ifreq", "in_aliasreq", "ifdrv", "ifconf", "if_data", "ifdatareq", "ifcapreq",
  "if_msghdr", "ifa_msghdr", "rt_metrics", "rt_msghdr", "sockaddr_dl",
  "in6_addrlifetime", "in6_aliasreq", "in6_ifreq", "in6_nbrinfo" } do
  local ct = ffi.typeof("struct rumpus_nb_" .. n)
  M.t[n] = ct
  M.pt[n] = ffi.typeof("struct rumpus_nb_" .. n .. " *")
  M.s[n] = ffi.sizeof(ct)
end

-- The C type names the fact tables use, for the layout test.
M.ctypes = {
  ["struct ifreq"] = "struct rumpus_nb_ifreq", ["struct in_aliasreq"] = "struct rumpus_nb_in_aliasreq",
  ["struct ifdrv"] = "struct rumpus_nb_ifdrv", ["struct ifconf"] = "struct rumpus_nb_ifconf",
  ["struct if_data"] = "struct rumpus_nb_if_data", ["struct ifdatareq"] = "struct rumpus_nb_ifdatareq",
  ["struct ifcapreq"] = "struct rumpus_nb_ifcapreq",
  ["struct if_msghdr"] = "struct rumpus_nb_if_msghdr", ["struct ifa_msghdr"] = "struct rumpus_nb_ifa_msghdr",
  ["struct rt_metrics"] = "struct rumpus_nb_rt_metrics", ["struct rt_msghdr"] = "struct rumpus_nb_rt_msghdr",
  ["struct sockaddr_dl"] = "struct rumpus_nb_sockaddr_dl",
  ["struct in6_addrlifetime"] = "struct rumpus_nb_in6_addrlifetime",
  ["struct in6_aliasreq"] = "struct rumpus_nb_in6_aliasreq",
  ["struct in6_ifreq"] = "struct rumpus_nb_in6_ifreq",
  ["struct in6_nbrinfo"] = "struct rumpus_nb_in6_nbrinfo",
}
-- Nested aggregates by path, for members such as ifr_ifru.ifru_b.b_buflen.
M.nested = {
  ["struct rumpus_nb_ifreq"] = { ifr_ifru = "union rumpus_nb_ifreq_ifru" },
  ["union rumpus_nb_ifreq_ifru"] = { ifru_b = "struct rumpus_nb_ifreq_b" },
  ["struct rumpus_nb_ifconf"] = { ifc_ifcu = "union rumpus_nb_ifconf_ifcu" },
  ["struct rumpus_nb_in6_ifreq"] = { ifr_ifru = "union rumpus_nb_in6_ifreq_ifru" },
}

-- RT_ROUNDUP(n): a sockaddr's room in a routing message (8-byte units; 0 takes 8).
function M.RT_ROUNDUP(n)
  if n == 0 then return 8 end
  return 1 + math.floor((n - 1) / 8) * 8 + 7
end

return M
