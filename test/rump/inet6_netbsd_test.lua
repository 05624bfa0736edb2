-- net.netinet6 against NetBSD's own: the same IPv6 scenario on a rumpus kernel and on
-- NetBSD's rump kernel (librumpnet_netinet6 from $RUMPUS_NETBSD_RUMP, in a child process:
-- one NetBSD kernel per process) must observe the same: net.inet6 sysctl defaults, lo0's
-- addresses and their flags, the link-local address an interface gets when it comes up and
-- DAD's flags, SIOCAIFADDR_IN6's answers to bad requests, binding a tentative address,
-- IPV6_V6ONLY's default, ping6 over lo0.  Without the NetBSD build the comparison is
-- skipped; the rumpus half still checks its own answers.
local T = require "rump.test"
local rnet = require "rump.net"

local self = debug.getinfo(1, "S").source:match("^@(.*)$")
local C = dofile((self:match("^(.*/)") or "./") .. "shared/nbchild.lua")
local CHILD = os.getenv("RUMPUS_NB6_CHILD")

-- The scenario: a table of observations (text), from kernel k with syscalls S.
local function observe(k, S, bus)
  local cfg = rnet.config(k)
  local o = {}
  local function put(name, v, e) o[name] = v ~= nil and tostring(v) or ("error " .. tostring(e and e.sym or e)) end
  for _, n in ipairs { "net.inet6.ip6.hlim", "net.inet6.ip6.accept_rtadv", "net.inet6.ip6.v6only",
    "net.inet6.ip6.dad_count", "net.inet6.ip6.defmcasthlim", "net.inet6.ip6.auto_linklocal",
    "net.inet6.ip6.hdrnestlimit", "net.inet6.ip6.redirect", "net.inet6.icmp6.errppslimit",
    "net.inet6.icmp6.nd6_delay", "net.inet6.icmp6.nd6_umaxtries", "net.inet6.icmp6.nd6_mmaxtries",
    "net.inet6.icmp6.rediraccept" } do
    put(n, S.sysctl(n))
  end
  local fams = {}
  for _, x in ipairs(assert(cfg:ifconf())) do
    if x.name == "lo0" and x.family ~= 18 then fams[#fams + 1] = x.family .. "/" .. x.len end
  end
  -- (the AF_LINK entry's sdl_len differs, 11 on NetBSD, 24 here: net.net's, not compared)
  put("SIOCGIFCONF address entries of lo0 (family/len)", table.concat(fams, " "))
  local f, e = cfg:aflags("lo0", "::1")
  put("lo0 ::1 flags", f and f.value, e)
  f, e = cfg:aflags("lo0", "fe80::1%lo0")
  put("lo0 fe80::1 flags", f and f.value, e)
  assert(cfg:create("shmif0"))
  assert(cfg:attach("shmif0", bus))
  assert(cfg:up("shmif0"))
  local ll = assert(cfg:linklocal("shmif0"))
  f, e = cfg:aflags("shmif0", ll)
  put("link-local flags right after up (tentative bit)", f and (f.tentative or f.value == 0) and "tentative or ready", e)
  -- bad requests
  local _, e1 = cfg:address6("shmif0", "2001:db8:77::1/0")
  put("prefix length 0", nil, e1)
  local _, e2 = cfg:address6("shmif0", "ff02::9/64")
  put("multicast address", nil, e2)
  assert(cfg:address6("shmif0", "2001:db8:77::1/64"))
  f = assert(cfg:aflags("shmif0", "2001:db8:77::1"))
  put("new address tentative", f.tentative)
  local u = assert(S.socket("inet6", "dgram"))
  local ok3, e3 = S.bind(u, S.t.sockaddr_in6(0, "2001:db8:77::1"))
  put("bind to the tentative address", ok3 and "bound", e3)
  put("IPV6_V6ONLY default", S.getsockopt(u, "ipv6", "v6only"))
  u:close()
  -- DAD takes a second or two
  local ready
  for _ = 1, 50 do
    f = assert(cfg:aflags("shmif0", "2001:db8:77::1"))
    local g = assert(cfg:aflags("shmif0", ll))
    if f.value == 0 and g.value == 0 then ready = true break end
    S.poll({}, 100)
  end
  put("after DAD both addresses are ready (flags 0)", ready == true)
  local r = assert(S.socket("inet6", "raw", S.c.IPPROTO.IPV6_ICMP))
  u = assert(S.socket("inet6", "dgram"))
  put("bind after DAD", S.bind(u, S.t.sockaddr_in6(0, "2001:db8:77::1")) and "bound")
  u:close(); r:close()
  -- socket options and their defaults
  local d = assert(S.socket("inet6", "dgram"))
  local function opt(name, level, o2) put(name, S.getsockopt(d, level or "ipv6", o2)) end
  opt("IPV6_UNICAST_HOPS default", "ipv6", "unicast_hops")
  opt("IPV6_MULTICAST_HOPS default", "ipv6", "multicast_hops")
  opt("IPV6_MULTICAST_LOOP default", "ipv6", "multicast_loop")
  opt("IPV6_MULTICAST_IF default", "ipv6", "multicast_if")
  put("IPV6_UNICAST_HOPS 300", S.setsockopt(d, "ipv6", "unicast_hops", 300) and "set",
    select(2, S.setsockopt(d, "ipv6", "unicast_hops", 300)))
  assert(S.bind(d, S.t.sockaddr_in6(0, "::")))
  local ok6, e6 = S.setsockopt(d, "ipv6", "v6only", 0)
  put("IPV6_V6ONLY after bind", ok6 and "set", e6)
  local okc, ec = S.connect(d, S.t.sockaddr_in6(9, "fe80::1234"))
  put("connect to a link-local address without scope", okc and "connected", ec)
  local oks, es = S.sendto(d, "x", nil, 0, S.t.sockaddr_in6(9, "fe80::1234", 0, 99))
  put("sendto a scope id naming no interface", oks and "sent", es)
  d:close()
  d = assert(S.socket("inet6", "dgram"))
  local okb, eb = S.bind(d, S.t.sockaddr_in6(0, "fe80::1234", 0, 99))
  put("bind with a scope id naming no interface", okb and "bound", eb)
  d:close()
  d = assert(S.socket("inet6", "dgram"))
  assert(S.connect(d, S.t.sockaddr_in6(7999, "::1")))
  S.send(d, "anyone?")
  S.poll({ { fd = d, events = "in" } }, 1000)
  local _, er = S.recv(d, nil, 100, "dontwait")
  put("UDP to a closed port of ::1, connected", nil, er)
  d:close()
  local a1 = assert(S.socket("inet6", "dgram"))
  local a2 = assert(S.socket("inet6", "dgram"))
  assert(S.bind(a1, S.t.sockaddr_in6(7998, "::1")))
  local okd, ed = S.bind(a2, S.t.sockaddr_in6(7998, "::1"))
  put("a second bind of [::1]:7998", okd and "bound", ed)
  a1:close(); a2:close()
  local n, en = cfg:neighbor("shmif0", "2001:db8:77::99")
  put("SIOCGNBRINFO_IN6 of a stranger", n and n.state, en)
  local tcp = assert(S.socket("inet6", "stream"))
  put("TCP IPV6_V6ONLY default", S.getsockopt(tcp, "ipv6", "v6only"))
  tcp:close()
  -- RFC 3542 sticky options, as NetBSD's ip6_setpktopt checks them
  local ffi = require "syscall.ffi"
  local function buf(t) return ffi.new("uint8_t[?]", #t, t) end
  local x = assert(S.socket("inet6", "dgram"))
  local function sset(what, name, val, len)
    local okx, ex = S.setsockopt(x, "ipv6", name, val, len)
    put(what, okx and "set", ex)
  end
  local addr = { 0x20, 1, 0x0d, 0xb8, 0, 0x77, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }
  local function rth(t, segleft, naddr)
    local b = { 0, 2 * naddr, t, segleft, 0, 0, 0, 0 }
    for _ = 1, naddr do for _, v in ipairs(addr) do b[#b + 1] = v end end
    return buf(b), #b
  end
  sset("IPV6_HOPOPTS of 8 bytes", "hopopts", buf { 0, 0, 0x1e, 4, 1, 2, 3, 4 }, 8)
  sset("IPV6_HOPOPTS of 7 bytes", "hopopts", buf { 0, 0, 0x1e, 4, 1, 2, 3 }, 7)
  sset("IPV6_HOPOPTS saying 16 bytes in 8", "hopopts", buf { 0, 1, 0x1e, 4, 1, 2, 3, 4 }, 8)
  sset("IPV6_DSTOPTS of 16 bytes", "dstopts", buf { 0, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 16)
  sset("IPV6_RTHDRDSTOPTS of 8 bytes", "rthdrdstopts", buf { 0, 0, 1, 4, 0, 0, 0, 0 }, 8)
  sset("IPV6_RTHDR type 0, one address", "rthdr", rth(0, 1, 1))
  sset("IPV6_RTHDR type 2", "rthdr", rth(2, 1, 1))
  sset("IPV6_RTHDR type 0, 2 segments left for one address", "rthdr", rth(0, 2, 1))
  sset("IPV6_RTHDR type 0 without addresses", "rthdr", rth(0, 0, 0))
  sset("sticky IPV6_HOPLIMIT", "hoplimit", 5)
  sset("IPV6_RECVHOPOPTS", "recvhopopts", 1)
  sset("IPV6_RECVDSTOPTS", "recvdstopts", 1)
  sset("IPV6_RECVRTHDR", "recvrthdr", 1)
  local b64 = ffi.new("uint8_t[64]")
  local v, l = S.getsockopt(x, "ipv6", "hopopts", b64, 64)
  put("IPV6_HOPOPTS read back (length, option type)", v and (l .. " " .. b64[2]), l)
  v, l = S.getsockopt(x, "ipv6", "rthdr", b64, 64)
  put("IPV6_RTHDR read back (length, type, segments left)", v and (l .. " " .. b64[2] .. " " .. b64[3]), l)
  sset("IPV6_HOPOPTS emptied", "hopopts", b64, 0)
  v, l = S.getsockopt(x, "ipv6", "hopopts", b64, 64)
  put("IPV6_HOPOPTS read after emptying (length)", v and l, l)
  sset("IPV6_NEXTHOP multicast", "nexthop", S.t.sockaddr_in6(0, "ff02::1"), 28)
  sset("IPV6_NEXTHOP an IPv4 sockaddr", "nexthop", S.t.sockaddr_in(0, "10.0.0.1"), 16)
  sset("IPV6_NEXTHOP 2001:db8:77::2", "nexthop", S.t.sockaddr_in6(0, "2001:db8:77::2"), 28)
  v, l = S.getsockopt(x, "ipv6", "nexthop", b64, 64)
  put("IPV6_NEXTHOP read back (length, family)", v and (l .. " " .. b64[1]), l)
  x:close()
  -- the IPv4 source-specific multicast options: NetBSD's netinet/in.h has none (these are
  -- FreeBSD's numbers for IP_ADD_SOURCE_MEMBERSHIP, IP_BLOCK_SOURCE, MCAST_JOIN_GROUP,
  -- MCAST_JOIN_SOURCE_GROUP)
  local u4 = assert(S.socket("inet", "dgram"))
  for _, num in ipairs { 70, 72, 80, 82 } do
    local okx, ex = S.setsockopt(u4, "ip", num, ffi.new("uint8_t[264]"), 12)
    put("IPPROTO_IP option " .. num, okx and "set", ex)
  end
  u4:close()
  -- SIOCDIFADDR_IN6: the address goes, and with it its flags
  local okd2, ed2 = cfg:deladdress6("shmif0", "2001:db8:77::1")
  put("SIOCDIFADDR_IN6 of 2001:db8:77::1", okd2, ed2)
  local fd2, efd2 = cfg:aflags("shmif0", "2001:db8:77::1")
  put("SIOCGIFAFLAG_IN6 after it", fd2 and fd2.value, efd2)
  local okd3, ed3 = cfg:deladdress6("shmif0", "2001:db8:77::1")
  put("SIOCDIFADDR_IN6 again", okd3, ed3)
  return o
end

-- Child: NetBSD's kernel, prints the observations ---------------------------------------------
if CHILD then
  local rump = require "rump"
  local k = rump.kernel{ "vfs", "net", "net.net", "net.netinet", "net.shmif", "net.netinet6",
    backend = "netbsd" }
  C.report(observe(k, k.S, os.getenv("RUMPUS_NB6_BUS")))
end

-- Parent ----------------------------------------------------------------------------------------
local rumpus

T.case("rumpus: the IPv6 scenario's observations", function()
  local rump = require "rump"
  local k = rump.kernel{ "net.netinet", "net.netinet6", "net.shmif" }
  T.defer(function() k:destroy() end)
  rumpus = observe(k, k.S, "r6bus-" .. tostring(os.time()))
  T.eq(rumpus["net.inet6.ip6.hlim"], "64")
  T.eq(rumpus["net.inet6.ip6.accept_rtadv"], "0")
  T.eq(rumpus["prefix length 0"], "error EINVAL")
  T.eq(rumpus["bind to the tentative address"], "error EADDRNOTAVAIL")
  T.eq(rumpus["after DAD both addresses are ready (flags 0)"], "true")
  T.eq(rumpus["SIOCDIFADDR_IN6 of 2001:db8:77::1"], "true")
  T.eq(rumpus["SIOCGIFAFLAG_IN6 after it"], "error EADDRNOTAVAIL")
  T.eq(rumpus["SIOCDIFADDR_IN6 again"], "error EADDRNOTAVAIL")
end)

T.case("NetBSD's netinet6 observes the same", function()
  local theirs = C.run(self, C.prefix(),
    { { "RUMPUS_NB6_CHILD", "1" }, { "RUMPUS_NB6_BUS", T.tmpdir() .. "/bus6" } })
  -- Where rumpus answers otherwise on purpose (docs/netinet6.md): NetBSD's answer, checked.
  local known = {
    ["multicast address"] = { "error nil", "NetBSD accepts a multicast address on an interface; "
      .. "rumpus refuses it (RFC 4291 2.7: never a source)" },
  }
  C.compare(rumpus, theirs, known)
end)
