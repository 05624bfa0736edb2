-- syscall.linux.nl: rtnetlink (NETLINK_ROUTE) for the host, exposed as S.nl.
--
-- The API follows ljsyscall's nl module where ljsyscall has the call (interfaces, interface,
-- getlink, getaddr, routes, getroute, getneigh, newlink, dellink, newaddr, deladdr, newroute,
-- delroute, newneigh, delneigh, create_interface, iplink, socket; interface objects with up,
-- down, setflags, setmtu, setmac, rename, delete, address, deladdress, move_ns, refresh), and
-- adds table-driven calls for what it lacks: bridges and their ports, dummy, vlan and macvlan
-- links, route add/replace/delete with gateway, device, metric and table, neighbours, and
-- handles bound to one network namespace (nl.open{netns = fd}).
--
-- Every request carries NLM_F_ACK and waits for the kernel's answer, so a failure comes back as
-- nil, err with the kernel's errno (err.EXIST for a duplicate address, err.NODEV for a missing
-- device), plus the kernel's extended-ack text as a third value when it gave one.
--
-- Messages are built in a growable byte buffer (Builder below): a 16-byte nlmsghdr, the fixed
-- family header (ifinfomsg, ifaddrmsg, rtmsg, ndmsg), then attributes, each a 4-byte rtattr
-- and its payload padded to 4 bytes.  Nested attributes are opened with nest() and closed with
-- close(), which writes the nest's length once its content is known.

local ffi = require "syscall.ffi"
local bit = require "syscall.bit"
local h = require "syscall.helpers"

local type, tonumber, tostring, error, pairs, ipairs, setmetatable, select, pcall =
      ffi.type or type, tonumber, tostring, error, pairs, ipairs, setmetatable, select, pcall
local string, table, math = string, table, math

-- C declarations, each only if no other module (a later shared types file) made it first.
local function cdef(name, body)
  if not pcall(ffi.typeof, name) then ffi.cdef(name .. " " .. body .. ";") end
end
cdef("struct rumpus_lx_nlmsghdr", "{ uint32_t nlmsg_len; uint16_t nlmsg_type; uint16_t nlmsg_flags; uint32_t nlmsg_seq; uint32_t nlmsg_pid; }")
cdef("struct rumpus_lx_nlmsgerr", "{ int32_t error; struct rumpus_lx_nlmsghdr msg; }")
cdef("struct rumpus_lx_rtattr", "{ uint16_t rta_len; uint16_t rta_type; }")
cdef("struct rumpus_lx_ifinfomsg", "{ uint8_t ifi_family; uint8_t __ifi_pad; uint16_t ifi_type; int32_t ifi_index; uint32_t ifi_flags; uint32_t ifi_change; }")
cdef("struct rumpus_lx_ifaddrmsg", "{ uint8_t ifa_family; uint8_t ifa_prefixlen; uint8_t ifa_flags; uint8_t ifa_scope; uint32_t ifa_index; }")
cdef("struct rumpus_lx_rtmsg", "{ uint8_t rtm_family; uint8_t rtm_dst_len; uint8_t rtm_src_len; uint8_t rtm_tos; uint8_t rtm_table; uint8_t rtm_protocol; uint8_t rtm_scope; uint8_t rtm_type; uint32_t rtm_flags; }")
cdef("struct rumpus_lx_ndmsg", "{ uint8_t ndm_family; uint8_t ndm_pad1; uint16_t ndm_pad2; int32_t ndm_ifindex; uint16_t ndm_state; uint8_t ndm_flags; uint8_t ndm_type; }")
cdef("struct rumpus_lx_ifa_cacheinfo", "{ uint32_t ifa_prefered; uint32_t ifa_valid; uint32_t cstamp; uint32_t tstamp; }")
cdef("struct rumpus_lx_macaddr", "{ uint8_t mac_addr[6]; }")

local nlmsghdr_t = ffi.typeof("struct rumpus_lx_nlmsghdr")
local nlmsghdr_p = ffi.typeof("struct rumpus_lx_nlmsghdr *")
local nlmsgerr_p = ffi.typeof("struct rumpus_lx_nlmsgerr *")
local rtattr_p = ffi.typeof("struct rumpus_lx_rtattr *")
local ifinfomsg_t = ffi.typeof("struct rumpus_lx_ifinfomsg")
local ifinfomsg_p = ffi.typeof("struct rumpus_lx_ifinfomsg *")
local ifaddrmsg_t = ffi.typeof("struct rumpus_lx_ifaddrmsg")
local ifaddrmsg_p = ffi.typeof("struct rumpus_lx_ifaddrmsg *")
local rtmsg_t = ffi.typeof("struct rumpus_lx_rtmsg")
local rtmsg_p = ffi.typeof("struct rumpus_lx_rtmsg *")
local ndmsg_t = ffi.typeof("struct rumpus_lx_ndmsg")
local ndmsg_p = ffi.typeof("struct rumpus_lx_ndmsg *")
local macaddr_t = ffi.typeof("struct rumpus_lx_macaddr")
local u8p = ffi.typeof("uint8_t *")
local u16p = ffi.typeof("uint16_t *")
local u32p = ffi.typeof("uint32_t *")
local i32p = ffi.typeof("int32_t *")
local u64p = ffi.typeof("uint64_t *")
local buf_t = ffi.typeof("uint8_t[?]")
local u32_1 = ffi.typeof("uint32_t[1]")

-- MAC addresses: t.macaddr("02:00:00:00:00:01"), tostring gives the same form.
local function parsemac(s)
  local b = {}
  for x in s:gmatch("[^:%-]+") do
    if not x:match("^%x%x?$") then return nil end
    b[#b + 1] = tonumber(x, 16)
  end
  if #b ~= 6 then return nil end
  return b
end
local macmt = pcall(ffi.metatype, macaddr_t, {
  __new = function(tp, v)
    local m = ffi.new(tp)
    if type(v) == "nil" then return m end
    if type(v) == "string" then
      local b = parsemac(v)
      if not b then return nil end
      for i = 1, 6 do m.mac_addr[i - 1] = b[i] end
    elseif h.copyable(v, 6) then ffi.copy(m, v, 6)
    else error("bad argument #1 to 'macaddr' (string expected, got " .. h.describe(v) .. ")", 2) end
    return m
  end,
  __tostring = function(m)
    local a = m.mac_addr
    return string.format("%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5])
  end,
  __eq = function(a, b)
    if not (ffi.istype(macaddr_t, a) and ffi.istype(macaddr_t, b)) then return false end
    return ffi.string(a, 6) == ffi.string(b, 6)
  end,
  __len = function() return 6 end,
})
local _ = macmt

-- Constants (the values of linux/netlink.h, linux/rtnetlink.h, linux/if_link.h, neighbour.h).
local strflag, multiflags = h.strflag, h.multiflags
local K = {}
K.NLMSG = strflag({ NOOP = 1, ERROR = 2, DONE = 3, OVERRUN = 4 }, "NLMSG")
K.NLM_F = multiflags({
  REQUEST = 0x1, MULTI = 0x2, ACK = 0x4, ECHO = 0x8, DUMP_INTR = 0x10, DUMP_FILTERED = 0x20,
  ROOT = 0x100, MATCH = 0x200, ATOMIC = 0x400, DUMP = 0x300,
  REPLACE = 0x100, EXCL = 0x200, CREATE = 0x400, APPEND = 0x800,
  CAPPED = 0x100, ACK_TLVS = 0x200,
}, "NLM_F")
-- Multicast groups of NETLINK_ROUTE, for nl.socket("route", {groups = "link, ipv4_ifaddr"}).
K.RTMGRP = multiflags({ LINK = 0x1, NOTIFY = 0x2, NEIGH = 0x4, TC = 0x8, IPV4_IFADDR = 0x10,
  IPV4_MROUTE = 0x20, IPV4_ROUTE = 0x40, IPV4_RULE = 0x80, IPV6_IFADDR = 0x100, IPV6_MROUTE = 0x200,
  IPV6_ROUTE = 0x400, IPV6_IFINFO = 0x800, IPV6_PREFIX = 0x20000 }, "RTMGRP")
K.RTM = strflag({
  NEWLINK = 16, DELLINK = 17, GETLINK = 18, SETLINK = 19, NEWADDR = 20, DELADDR = 21,
  GETADDR = 22, NEWROUTE = 24, DELROUTE = 25, GETROUTE = 26, NEWNEIGH = 28, DELNEIGH = 29,
  GETNEIGH = 30, NEWRULE = 32, DELRULE = 33, GETRULE = 34, NEWNEIGHTBL = 64, GETNEIGHTBL = 66,
  SETNEIGHTBL = 67,
}, "RTM")
K.IFLA = strflag({
  UNSPEC = 0, ADDRESS = 1, BROADCAST = 2, IFNAME = 3, MTU = 4, LINK = 5, QDISC = 6, STATS = 7,
  COST = 8, PRIORITY = 9, MASTER = 10, WIRELESS = 11, PROTINFO = 12, TXQLEN = 13, MAP = 14,
  WEIGHT = 15, OPERSTATE = 16, LINKMODE = 17, LINKINFO = 18, NET_NS_PID = 19, IFALIAS = 20,
  NUM_VF = 21, VFINFO_LIST = 22, STATS64 = 23, VF_PORTS = 24, PORT_SELF = 25, AF_SPEC = 26,
  GROUP = 27, NET_NS_FD = 28, EXT_MASK = 29, PROMISCUITY = 30, NUM_TX_QUEUES = 31,
  NUM_RX_QUEUES = 32, CARRIER = 33, PHYS_PORT_ID = 34, CARRIER_CHANGES = 35,
  PHYS_SWITCH_ID = 36, LINK_NETNSID = 37, PHYS_PORT_NAME = 38, PROTO_DOWN = 39,
  GSO_MAX_SEGS = 40, GSO_MAX_SIZE = 41, PAD = 42, XDP = 43, EVENT = 44, NEW_NETNSID = 45,
  TARGET_NETNSID = 46, CARRIER_UP_COUNT = 47, CARRIER_DOWN_COUNT = 48, NEW_IFINDEX = 49,
  MIN_MTU = 50, MAX_MTU = 51, PROP_LIST = 52, ALT_IFNAME = 53, PERM_ADDRESS = 54,
}, "IFLA")
K.IFLA_INFO = strflag({ UNSPEC = 0, KIND = 1, DATA = 2, XSTATS = 3, SLAVE_KIND = 4, SLAVE_DATA = 5 }, "IFLA_INFO")
K.VETH_INFO = strflag({ UNSPEC = 0, PEER = 1 }, "VETH_INFO")
K.IFLA_VLAN = strflag({ UNSPEC = 0, ID = 1, FLAGS = 2, EGRESS_QOS = 3, INGRESS_QOS = 4, PROTOCOL = 5 }, "IFLA_VLAN")
K.IFLA_MACVLAN = strflag({ UNSPEC = 0, MODE = 1, FLAGS = 2 }, "IFLA_MACVLAN")
K.MACVLAN_MODE = strflag({ PRIVATE = 1, VEPA = 2, BRIDGE = 4, PASSTHRU = 8, SOURCE = 16 }, "MACVLAN_MODE")
K.IFA = strflag({
  UNSPEC = 0, ADDRESS = 1, LOCAL = 2, LABEL = 3, BROADCAST = 4, ANYCAST = 5, CACHEINFO = 6,
  MULTICAST = 7, FLAGS = 8, RT_PRIORITY = 9, TARGET_NETNSID = 10, PROTO = 11,
}, "IFA")
K.IFA_F = multiflags({
  SECONDARY = 0x01, TEMPORARY = 0x01, NODAD = 0x02, OPTIMISTIC = 0x04, DADFAILED = 0x08,
  HOMEADDRESS = 0x10, DEPRECATED = 0x20, TENTATIVE = 0x40, PERMANENT = 0x80,
  MANAGETEMPADDR = 0x100, NOPREFIXROUTE = 0x200, MCAUTOJOIN = 0x400, STABLE_PRIVACY = 0x800,
}, "IFA_F")
K.RTA = strflag({
  UNSPEC = 0, DST = 1, SRC = 2, IIF = 3, OIF = 4, GATEWAY = 5, PRIORITY = 6, PREFSRC = 7,
  METRICS = 8, MULTIPATH = 9, PROTOINFO = 10, FLOW = 11, CACHEINFO = 12, SESSION = 13,
  MP_ALGO = 14, TABLE = 15, MARK = 16, MFC_STATS = 17, VIA = 18, NEWDST = 19, PREF = 20,
  ENCAP_TYPE = 21, ENCAP = 22, EXPIRES = 23, PAD = 24, UID = 25, TTL_PROPAGATE = 26,
  IP_PROTO = 27, SPORT = 28, DPORT = 29, NH_ID = 30,
}, "RTA")
K.RTN = strflag({
  UNSPEC = 0, UNICAST = 1, LOCAL = 2, BROADCAST = 3, ANYCAST = 4, MULTICAST = 5, BLACKHOLE = 6,
  UNREACHABLE = 7, PROHIBIT = 8, THROW = 9, NAT = 10, XRESOLVE = 11,
}, "RTN")
K.RTPROT = strflag({
  UNSPEC = 0, REDIRECT = 1, KERNEL = 2, BOOT = 3, STATIC = 4, GATED = 8, RA = 9, MRT = 10,
  ZEBRA = 11, BIRD = 12, DNROUTED = 13, XORP = 14, NTK = 15, DHCP = 16, MROUTED = 17,
  KEEPALIVED = 18, BABEL = 42, BGP = 186, ISIS = 187, OSPF = 188, RIP = 189, EIGRP = 192,
}, "RTPROT")
K.RT_SCOPE = strflag({ UNIVERSE = 0, SITE = 200, LINK = 253, HOST = 254, NOWHERE = 255 }, "RT_SCOPE")
K.RT_TABLE = strflag({ UNSPEC = 0, COMPAT = 252, DEFAULT = 253, MAIN = 254, LOCAL = 255 }, "RT_TABLE")
K.RTF = multiflags({ UP = 0x1, GATEWAY = 0x2, HOST = 0x4, REINSTATE = 0x8, DYNAMIC = 0x10, MODIFIED = 0x20, REJECT = 0x200 }, "RTF")
K.RTNH_F = multiflags({ DEAD = 1, PERVASIVE = 2, ONLINK = 4, OFFLOAD = 8, LINKDOWN = 16, UNRESOLVED = 32 }, "RTNH_F")
K.NDA = strflag({
  UNSPEC = 0, DST = 1, LLADDR = 2, CACHEINFO = 3, PROBES = 4, VLAN = 5, PORT = 6, VNI = 7,
  IFINDEX = 8, MASTER = 9, LINK_NETNSID = 10, SRC_VNI = 11, PROTOCOL = 12, NH_ID = 13,
}, "NDA")
K.NUD = multiflags({
  NONE = 0, INCOMPLETE = 0x01, REACHABLE = 0x02, STALE = 0x04, DELAY = 0x08, PROBE = 0x10,
  FAILED = 0x20, NOARP = 0x40, PERMANENT = 0x80,
}, "NUD")
K.NTF = multiflags({ USE = 0x1, SELF = 0x2, MASTER = 0x4, PROXY = 0x8, EXT_LEARNED = 0x10, OFFLOADED = 0x20, STICKY = 0x40, ROUTER = 0x80 }, "NTF")
K.ARPHRD = strflag({
  NETROM = 0, ETHER = 1, EETHER = 2, IEEE802 = 6, INFINIBAND = 32, NONE = 0xfffe, VOID = 0xffff,
  LOOPBACK = 772, SIT = 776, IPGRE = 778, TUNNEL = 768, TUNNEL6 = 769,
}, "ARPHRD")
K.IF_OPER = strflag({ UNKNOWN = 0, NOTPRESENT = 1, DOWN = 2, LOWERLAYERDOWN = 3, TESTING = 4, DORMANT = 5, UP = 6 }, "IF_OPER")
K.NETLINK_OPT = strflag({ ADD_MEMBERSHIP = 1, DROP_MEMBERSHIP = 2, PKTINFO = 3, BROADCAST_ERROR = 4,
  NO_ENOBUFS = 5, LISTEN_ALL_NSID = 8, CAP_ACK = 10, EXT_ACK = 11, GET_STRICT_CHK = 12 }, "NETLINK")
K.NLMSGERR_ATTR = strflag({ UNUSED = 0, MSG = 1, OFFS = 2, COOKIE = 3 }, "NLMSGERR_ATTR")

local operstates = {}
for k, v in pairs(K.IF_OPER) do operstates[v] = k end

local function align4(n) return bit.band(n + 3, bit.bnot(3)) end

local M = {}
M.constants = K

function M.init(S)
  local c, t = S.c, S.t
  if t.ifinfomsg == nil then t.ifinfomsg = ifinfomsg_t end -- for ljsyscall's veth peer form
  local AF = c.AF
  local IFF = c.IFF
  local C = S.C
  local nl = { c = K }
  local err = t.error

  -- The constants live in nl.c (ljsyscall has them in S.c: copying them there needs their
  -- macro mappings in tools/abicheck.lua first, which checks every S.c family against C).
  t.macaddr = t.macaddr or macaddr_t
  nl.macaddr = macaddr_t

  local function argerr(fname, n, what, v)
    error("bad argument #" .. n .. " to '" .. fname .. "' (" .. what .. " expected, got " .. type(v) .. ")", 3)
  end

  -- Addresses: "10.0.0.1", "10.0.0.0/24", "fe80::1/64", an in_addr / in6_addr cdata.
  local function family_of(a)
    if ffi.istype(t.in6_addr, a) then return AF.INET6 end
    if ffi.istype(t.in_addr, a) then return AF.INET end
    return nil
  end
  local function parseaddr(s, fname, argn)
    if type(s) == "cdata" then
      local f = family_of(s)
      if not f then argerr(fname, argn, "address", s) end
      return s, f, nil
    end
    if type(s) ~= "string" then argerr(fname, argn, "address string", s) end
    local a, plen = s:match("^([^/]+)/(%d+)$")
    if not a then a = s end
    local fam, v
    if a:find(":", 1, true) then fam, v = AF.INET6, t.in6_addr(a) else fam, v = AF.INET, t.in_addr(a) end
    if not v or (fam == AF.INET and not a:match("^%d+%.%d+%.%d+%.%d+$")) then
      error("bad argument #" .. argn .. " to '" .. fname .. "' (bad address '" .. s .. "')", 3)
    end
    plen = tonumber(plen)
    if plen and plen > (fam == AF.INET6 and 128 or 32) then
      error("bad argument #" .. argn .. " to '" .. fname .. "' (prefix length too long in '" .. s .. "')", 3)
    end
    return v, fam, plen
  end
  nl.parseaddr = function(s) return parseaddr(s, "parseaddr", 1) end
  local function addrbytes(a) return ffi.string(a, ffi.sizeof(a)) end
  local function mkaddr(fam, p, n)
    local a = (fam == AF.INET6) and t.in6_addr() or t.in_addr()
    ffi.copy(a, p, math.min(n, ffi.sizeof(a)))
    return a
  end

  ---------------------------------------------------------------------------------------------
  -- Message builder.
  local Builder = {}
  Builder.__index = Builder
  local function builder(cap)
    cap = cap or 512
    local b = setmetatable({ buf = buf_t(cap), cap = cap, len = 16, stack = {} }, Builder)
    return b
  end
  function Builder:reserve(n)
    local need = self.len + n
    if need <= self.cap then return end
    local cap = self.cap
    while cap < need do cap = cap * 2 end
    local nb = buf_t(cap)
    ffi.copy(nb, self.buf, self.len)
    self.buf, self.cap = nb, cap
  end
  -- Appends n bytes from p (a pointer, cdata or string), zero-padded to 4 bytes.
  function Builder:put(p, n)
    local a = align4(n)
    self:reserve(a)
    ffi.fill(self.buf + self.len, a)
    if n > 0 then ffi.copy(self.buf + self.len, p, n) end
    self.len = self.len + a
  end
  function Builder:attr(tp, p, n)
    self:reserve(4 + align4(n))
    local ra = ffi.cast(rtattr_p, self.buf + self.len)
    ra.rta_len, ra.rta_type = 4 + n, tp
    self.len = self.len + 4
    self:put(p, n)
  end
  function Builder:u32(tp, v) self:attr(tp, u32_1(v), 4) end
  function Builder:u16(tp, v) self:attr(tp, ffi.new("uint16_t[1]", v), 2) end
  function Builder:u8(tp, v) self:attr(tp, ffi.new("uint8_t[1]", v), 1) end
  function Builder:str(tp, s) self:attr(tp, s, #s + 1) end  -- NUL-terminated
  function Builder:ascii(tp, s) self:attr(tp, s, #s) end
  function Builder:nest(tp)
    self:reserve(4)
    local off = self.len
    local ra = ffi.cast(rtattr_p, self.buf + off)
    ra.rta_len, ra.rta_type = 4, tp
    self.len = off + 4
    local st = self.stack
    st[#st + 1] = off
  end
  function Builder:close()
    local st = self.stack
    local off = st[#st]
    st[#st] = nil
    ffi.cast(rtattr_p, self.buf + off).rta_len = self.len - off
  end

  ---------------------------------------------------------------------------------------------
  -- Sockets and transactions.
  local SOL_NETLINK = c.SOL.NETLINK
  local rxsize = 65536
  local rxbuf = buf_t(rxsize)

  -- A NETLINK_ROUTE socket bound by the kernel to a fresh port id.
  function nl.socket(tp, addr)
    local proto = K and c.NETLINK[tp or "route"]
    if type(proto) == "nil" then error("bad argument #1 to 'socket' (unknown netlink protocol " .. tostring(tp) .. ")", 2) end
    local sock, e = S.socket(AF.NETLINK, "raw, cloexec", proto)
    if not sock then return nil, e end
    if type(addr) == "table" and type(addr.groups) == "string" then
      addr = { pid = addr.pid, groups = h.flag(K.RTMGRP, addr.groups, "socket", 2) }
    end
    local ok, e2 = S.bind(sock, t.sockaddr_nl(type(addr) == "table" and addr or nil))
    if not ok then sock:close(); return nil, e2 end
    -- Extended acks give the kernel's error text; capped acks keep error replies short.
    S.setsockopt(sock, SOL_NETLINK, K.NETLINK_OPT.EXT_ACK, 1)
    S.setsockopt(sock, SOL_NETLINK, K.NETLINK_OPT.CAP_ACK, 1)
    return sock
  end

  -- Private namespace switch: run fn with the calling thread in network namespace nsfd.
  -- (The shared S.setns may not exist yet; this uses the C function directly.)
  local CLONE_NEWNET = c.CLONE.NEWNET
  local function setns(fd, nstype)
    local n = type(fd) == "number" and fd or fd:getfd()
    if S.setns then return S.setns(n, nstype) end
    return S.retbool(C.setns(n, nstype))
  end
  local function in_netns(nsfd, fn)
    local home, e = S.open("/proc/thread-self/ns/net", "rdonly, cloexec")
    if not home then return nil, e end
    local ok, e2 = setns(nsfd, CLONE_NEWNET)
    if not ok then home:close(); return nil, e2 end
    local r1, r2 = fn()
    local back, e3 = setns(home, CLONE_NEWNET)
    home:close()
    if not back then error("cannot return to the original network namespace: " .. tostring(e3)) end
    return r1, r2
  end
  nl.in_netns = in_netns

  local decoders  -- by message type, filled below

  -- Error replies: errno, and the kernel's message when it sent one (NLM_F_ACK_TLVS).
  local function ackerror(p, len)
    local e = ffi.cast(nlmsgerr_p, p + 16)
    local code = -tonumber(e.error)
    local hdr = ffi.cast(nlmsghdr_p, p)
    local msg
    if bit.band(hdr.nlmsg_flags, K.NLM_F.ACK_TLVS) ~= 0 then
      local off = 16 + 4 + 16
      if bit.band(hdr.nlmsg_flags, K.NLM_F.CAPPED) == 0 then off = 16 + 4 + align4(e.msg.nlmsg_len) end
      while off + 4 <= len do
        local ra = ffi.cast(rtattr_p, p + off)
        if ra.rta_len < 4 or off + ra.rta_len > len then break end
        if ra.rta_type == K.NLMSGERR_ATTR.MSG then msg = ffi.string(p + off + 4) end
        off = off + align4(ra.rta_len)
      end
    end
    return code, msg
  end

  -- Sends the message in b with type and flags on sock, reads replies until the ack or the end
  -- of a dump, and returns the decoded replies as a list (or nil, err, text).
  local function transact(ctx, b, mtype, flags)
    local sock = ctx.sock
    local own = false
    if not sock then
      local e
      sock, e = nl.socket("route")
      if not sock then return nil, e end
      own = true
    end
    ctx.seq = (ctx.seq or 0) + 1
    if ctx.seq > 0x7fffffff then ctx.seq = 1 end
    local seq = ctx.seq
    local hdr = ffi.cast(nlmsghdr_p, b.buf)
    hdr.nlmsg_len, hdr.nlmsg_type, hdr.nlmsg_flags = b.len, mtype, bit.bor(flags, K.NLM_F.REQUEST, K.NLM_F.ACK)
    hdr.nlmsg_seq, hdr.nlmsg_pid = seq, 0
    local r, e = S.sendto(sock, b.buf, b.len, 0, t.sockaddr_nl())
    if not r then if own then sock:close() end return nil, e end
    local out = {}
    local done, code, text = false, nil, nil
    while not done do
      local n, e2 = S.recv(sock, rxbuf, rxsize)
      if not n then
        if not (e2 and e2.INTR) then if own then sock:close() end return nil, e2 end
        n = 0
      end
      local off = 0
      while off + 16 <= n do
        local m = ffi.cast(nlmsghdr_p, rxbuf + off)
        local mlen = tonumber(m.nlmsg_len)
        if mlen < 16 or off + mlen > n then break end
        if m.nlmsg_seq == seq then
          local mt = tonumber(m.nlmsg_type)
          if mt == K.NLMSG.ERROR then
            code, text = ackerror(rxbuf + off, mlen)
            done = true
          elseif mt == K.NLMSG.DONE then
            if mlen >= 20 then
              local v = ffi.cast(i32p, rxbuf + off + 16)[0]
              if v < 0 then code = -v end
            end
            -- A dump ends with DONE (the kernel sends no separate ack for it).
            done = true
          elseif mt == K.NLMSG.OVERRUN then
            code = c.E.NOBUFS; done = true
          else
            local d = decoders[mt]
            if d then out[#out + 1] = d(ctx, rxbuf + off + 16, mlen - 16, mt) end
          end
        end
        off = off + align4(mlen)
      end
    end
    if own then sock:close() end
    if code and code ~= 0 then return nil, err(code), text end
    return out
  end
  nl.transact = function(b, mtype, flags) return transact({}, b, mtype, flags) end

  -- nl.read(sock): waits for the messages a group socket (nl.socket("route", {groups =
  -- "link"})) receives and returns them decoded, links and addresses keyed by interface name
  -- (others in order): m.eth0.op == "newlink" (or "dellink"...), m.eth0.newlink == true,
  -- with the interface methods (m.dummy1:delete()), as ljsyscall's.
  local rtmnames = {}
  function nl.read(sock)
    if sock == nil then error("bad argument #1 to 'read' (netlink socket expected, got nil)", 2) end
    if not next(rtmnames) then
      for name, v in pairs(K.RTM) do if type(name) == "string" then rtmnames[v] = name:lower() end end
    end
    local n, e = S.recv(sock, rxbuf, rxsize)
    if not n then return nil, e end
    local out, off = {}, 0
    while off + 16 <= n do
      local m = ffi.cast(nlmsghdr_p, rxbuf + off)
      local mlen = tonumber(m.nlmsg_len)
      if mlen < 16 or off + mlen > n then break end
      local mt = tonumber(m.nlmsg_type)
      local d = decoders[mt]
      if d then
        local r = d({}, rxbuf + off + 16, mlen - 16, mt)
        local op = rtmnames[mt]
        r.op = op
        if op then r[op] = true end
        if r.name then out[r.name] = r else out[#out + 1] = r end
      end
      off = off + align4(mlen)
    end
    return out
  end

  ---------------------------------------------------------------------------------------------
  -- Decoding.
  local function attrs(p, len, f)
    local off = 0
    while off + 4 <= len do
      local ra = ffi.cast(rtattr_p, p + off)
      local rl = tonumber(ra.rta_len)
      if rl < 4 or off + rl > len then break end
      f(bit.band(ra.rta_type, 0x3fff), p + off + 4, rl - 4)
      off = off + align4(rl)
    end
  end
  local function cstr(p, n)
    local s = ffi.string(p, n)
    return (s:gsub("%z.*$", ""))
  end
  local function u32(p) return tonumber(ffi.cast(u32p, p)[0]) end
  local function i32(p) return tonumber(ffi.cast(i32p, p)[0]) end
  local function u16(p) return tonumber(ffi.cast(u16p, p)[0]) end

  local iffnames = {}
  for k, v in pairs(IFF) do iffnames[#iffnames + 1] = { k, v } end
  table.sort(iffnames, function(a, b) return a[2] < b[2] end)
  local iffmt = {
    __index = function(f, k)
      local v = IFF[k]
      if v then return bit.band(f.flags, v) ~= 0 end
    end,
    __tostring = function(f)
      local s = {}
      for _, kv in ipairs(iffnames) do if bit.band(f.flags, kv[2]) ~= 0 then s[#s + 1] = kv[1] end end
      return table.concat(s, " ")
    end,
  }
  local function iff(v) return setmetatable({ flags = v }, iffmt) end

  local Link = {}
  -- A link's methods, and its hardware type by name, as ljsyscall's: lo.loopback, eth.ether.
  local linkmt = { __index = function(r, k)
    local m = Link[k]
    if m ~= nil then return m end
    if type(k) == "string" and k:match("^%l[%l%d]*$") then
      local v = K.ARPHRD[k]
      if type(v) == "number" then return rawget(r, "type") == v end
    end
  end }
  local kinddata = {
    vlan = function(r, tp, p, n)
      if tp == K.IFLA_VLAN.ID then r.vlan_id = u16(p)
      elseif tp == K.IFLA_VLAN.PROTOCOL then r.vlan_protocol = h.ntohs(u16(p))
      elseif tp == K.IFLA_VLAN.FLAGS then r.vlan_flags = u32(p) end
    end,
    macvlan = function(r, tp, p, n)
      if tp == K.IFLA_MACVLAN.MODE then
        local m = u32(p)
        r.macvlan_mode = m
        for k, v in pairs(K.MACVLAN_MODE) do if v == m then r.macvlan_modename = k:lower() end end
      end
    end,
  }
  kinddata.macvtap = kinddata.macvlan
  local function decode_link(ctx, p, len)
    local ifi = ffi.cast(ifinfomsg_p, p)
    local r = setmetatable({
      nl = ctx, family = ifi.ifi_family, type = tonumber(ifi.ifi_type), index = tonumber(ifi.ifi_index),
      flags = iff(tonumber(ifi.ifi_flags)), change = tonumber(ifi.ifi_change), inet = {}, inet6 = {},
    }, linkmt)
    r.ifinfo = ifinfomsg_t()
    ffi.copy(r.ifinfo, ifi, 16)
    local A = K.IFLA
    attrs(p + 16, len - 16, function(tp, q, n)
      if tp == A.IFNAME then r.name = cstr(q, n)
      elseif tp == A.MTU then r.mtu = u32(q)
      elseif tp == A.MIN_MTU then r.min_mtu = u32(q)
      elseif tp == A.MAX_MTU then r.max_mtu = u32(q)
      elseif tp == A.ADDRESS then
        if n == 6 then r.macaddr = macaddr_t(); ffi.copy(r.macaddr, q, 6) end
        r.addrlen = n
      elseif tp == A.BROADCAST then
        if n == 6 then r.broadcast = macaddr_t(); ffi.copy(r.broadcast, q, 6) end
      elseif tp == A.PERM_ADDRESS and n == 6 then r.perm_macaddr = macaddr_t(); ffi.copy(r.perm_macaddr, q, 6)
      elseif tp == A.LINK then r.link = u32(q)
      elseif tp == A.MASTER then r.master = u32(q)
      elseif tp == A.QDISC then r.qdisc = cstr(q, n)
      elseif tp == A.TXQLEN then r.txqlen = u32(q)
      elseif tp == A.GROUP then r.group = u32(q)
      elseif tp == A.PROMISCUITY then r.promiscuity = u32(q)
      elseif tp == A.CARRIER then r.carrier = ffi.cast(u8p, q)[0] ~= 0
      elseif tp == A.LINKMODE then r.linkmode = tonumber(ffi.cast(u8p, q)[0])
      elseif tp == A.LINK_NETNSID then r.link_netnsid = i32(q)
      elseif tp == A.IFALIAS then r.alias = cstr(q, n)
      elseif tp == A.NUM_TX_QUEUES then r.num_tx_queues = u32(q)
      elseif tp == A.NUM_RX_QUEUES then r.num_rx_queues = u32(q)
      elseif tp == A.OPERSTATE then
        r.operstate_num = tonumber(ffi.cast(u8p, q)[0])
        r.operstate = operstates[r.operstate_num] or tostring(r.operstate_num)
      elseif tp == A.STATS64 and n >= 64 then
        local s = ffi.cast(u64p, q)
        r.stats = {
          rx_packets = tonumber(s[0]), tx_packets = tonumber(s[1]), rx_bytes = tonumber(s[2]),
          tx_bytes = tonumber(s[3]), rx_errors = tonumber(s[4]), tx_errors = tonumber(s[5]),
          rx_dropped = tonumber(s[6]), tx_dropped = tonumber(s[7]),
        }
      elseif tp == A.LINKINFO then
        local datap, datan
        attrs(q, n, function(it, iq, inn)
          if it == K.IFLA_INFO.KIND then r.kind = cstr(iq, inn)
          elseif it == K.IFLA_INFO.SLAVE_KIND then r.slave_kind = cstr(iq, inn)
          elseif it == K.IFLA_INFO.DATA then datap, datan = iq, inn end
        end)
        if datap and r.kind and kinddata[r.kind] then
          attrs(datap, datan, function(dt, dq, dn) kinddata[r.kind](r, dt, dq, dn) end)
        end
      end
    end)
    return r
  end

  local function decode_addr(ctx, p, len)
    local ifa = ffi.cast(ifaddrmsg_p, p)
    local fam = tonumber(ifa.ifa_family)
    local r = {
      family = fam, prefixlen = tonumber(ifa.ifa_prefixlen), flags = tonumber(ifa.ifa_flags),
      scope = tonumber(ifa.ifa_scope), index = tonumber(ifa.ifa_index),
    }
    local A = K.IFA
    attrs(p + 8, len - 8, function(tp, q, n)
      if tp == A.ADDRESS then r.addr = mkaddr(fam, q, n)
      elseif tp == A.LOCAL then r.loc = mkaddr(fam, q, n)
      elseif tp == A.BROADCAST then r.broadcast = mkaddr(fam, q, n)
      elseif tp == A.ANYCAST then r.anycast = mkaddr(fam, q, n)
      elseif tp == A.LABEL then r.label = cstr(q, n)
      elseif tp == A.FLAGS then r.flags = u32(q)
      elseif tp == A.CACHEINFO and n >= 16 then
        local ci = ffi.cast(u32p, q)
        r.valid_lft, r.preferred_lft = tonumber(ci[1]), tonumber(ci[0])
      end
    end)
    r.loc = r.loc or r.addr
    r.addr = r.addr or r.loc
    for k, v in pairs(K.IFA_F) do if bit.band(r.flags, v) ~= 0 then r[k:lower()] = true end end
    return r
  end

  local function decode_route(ctx, p, len)
    local rt = ffi.cast(rtmsg_p, p)
    local fam = tonumber(rt.rtm_family)
    local r = {
      family = fam, dst_len = tonumber(rt.rtm_dst_len), src_len = tonumber(rt.rtm_src_len),
      tos = tonumber(rt.rtm_tos), table = tonumber(rt.rtm_table), protocol = tonumber(rt.rtm_protocol),
      scope = tonumber(rt.rtm_scope), type = tonumber(rt.rtm_type), flags = tonumber(rt.rtm_flags),
    }
    local A = K.RTA
    attrs(p + 12, len - 12, function(tp, q, n)
      if tp == A.DST then r.dst = mkaddr(fam, q, n)
      elseif tp == A.SRC then r.src = mkaddr(fam, q, n)
      elseif tp == A.GATEWAY then r.gateway = mkaddr(fam, q, n)
      elseif tp == A.PREFSRC then r.prefsrc = mkaddr(fam, q, n)
      elseif tp == A.OIF then r.oif = u32(q)
      elseif tp == A.IIF then r.iif = u32(q)
      elseif tp == A.PRIORITY then r.priority = u32(q)
      elseif tp == A.TABLE then r.table = u32(q)
      elseif tp == A.PREF then r.pref = tonumber(ffi.cast(u8p, q)[0])
      end
    end)
    r.index = r.oif
    r.metric = r.priority or 0
    r.dest = r.dst or mkaddr(fam, "", 0)
    r.source = r.src or mkaddr(fam, "", 0)
    r.gw = r.gateway
    return r
  end

  local function decode_neigh(ctx, p, len)
    local nd = ffi.cast(ndmsg_p, p)
    local fam = tonumber(nd.ndm_family)
    local r = {
      family = fam, ifindex = tonumber(nd.ndm_ifindex), state = tonumber(nd.ndm_state),
      flags = tonumber(nd.ndm_flags), type = tonumber(nd.ndm_type),
    }
    r.index = r.ifindex
    attrs(p + 12, len - 12, function(tp, q, n)
      if tp == K.NDA.DST then r.dst = mkaddr(fam, q, n)
      elseif tp == K.NDA.LLADDR and n == 6 then r.lladdr = macaddr_t(); ffi.copy(r.lladdr, q, 6)
      elseif tp == K.NDA.MASTER then r.master = u32(q)
      end
    end)
    return r
  end

  decoders = {
    [K.RTM.NEWLINK] = decode_link, [K.RTM.DELLINK] = decode_link,
    [K.RTM.NEWADDR] = decode_addr, [K.RTM.DELADDR] = decode_addr,
    [K.RTM.NEWROUTE] = decode_route, [K.RTM.DELROUTE] = decode_route,
    [K.RTM.NEWNEIGH] = decode_neigh, [K.RTM.DELNEIGH] = decode_neigh,
  }

  ---------------------------------------------------------------------------------------------
  -- Generic attribute encoding for the ljsyscall-style variadic calls:
  --   nl.newlink(index, flags, iflags, change, "mtu", 1400, "ifname", "x",
  --              "linkinfo", {"kind", "vlan", "data", {"id", 10}})
  local spec = {}
  local function fam_addr(b, tp, v, ctxf, fname)
    local a, f = parseaddr(v, fname, 1)
    b:attr(tp, a, ffi.sizeof(a))
    return f
  end
  spec.ifla = {
    address = { K.IFLA.ADDRESS, "mac" }, broadcast = { K.IFLA.BROADCAST, "mac" },
    ifname = { K.IFLA.IFNAME, "str" }, name = { K.IFLA.IFNAME, "str" }, mtu = { K.IFLA.MTU, "u32" },
    link = { K.IFLA.LINK, "u32" }, master = { K.IFLA.MASTER, "u32" }, txqlen = { K.IFLA.TXQLEN, "u32" },
    operstate = { K.IFLA.OPERSTATE, "u8" }, linkmode = { K.IFLA.LINKMODE, "u8" },
    linkinfo = { K.IFLA.LINKINFO, "nest", "ifla_info" }, net_ns_pid = { K.IFLA.NET_NS_PID, "u32" },
    net_ns_fd = { K.IFLA.NET_NS_FD, "fd" }, ifalias = { K.IFLA.IFALIAS, "str" },
    group = { K.IFLA.GROUP, "u32" },
  }
  spec.ifla_info = { kind = { K.IFLA_INFO.KIND, "kind" }, data = { K.IFLA_INFO.DATA, "data" } }
  spec.vlan = { id = { K.IFLA_VLAN.ID, "u16" }, protocol = { K.IFLA_VLAN.PROTOCOL, "be16" } }
  spec.macvlan = { mode = { K.IFLA_MACVLAN.MODE, "macvlanmode" } }
  spec.veth = { peer = { K.VETH_INFO.PEER, "peer" } }
  spec.ifa = {
    address = { K.IFA.ADDRESS, "addr" }, ["local"] = { K.IFA.LOCAL, "addr" },
    label = { K.IFA.LABEL, "str" }, broadcast = { K.IFA.BROADCAST, "addr" },
    anycast = { K.IFA.ANYCAST, "addr" },
  }
  spec.rta = {
    dst = { K.RTA.DST, "addr" }, src = { K.RTA.SRC, "addr" }, iif = { K.RTA.IIF, "u32" },
    oif = { K.RTA.OIF, "u32" }, gateway = { K.RTA.GATEWAY, "addr" }, priority = { K.RTA.PRIORITY, "u32" },
    prefsrc = { K.RTA.PREFSRC, "addr" }, table = { K.RTA.TABLE, "u32" },
  }
  spec.nda = { dst = { K.NDA.DST, "addr" }, lladdr = { K.NDA.LLADDR, "mac" } }

  local encode
  local function encode_one(b, tab, name, v, st, fname)
    local key = type(name) == "string" and name:lower() or name
    local sp = spec[tab][key]
    if not sp then error("bad argument to '" .. fname .. "' (unknown " .. tab .. " attribute '" .. tostring(name) .. "')", 4) end
    local code, kind = sp[1], sp[2]
    if kind == "u32" then b:u32(code, tonumber(v) or error("'" .. key .. "' needs a number", 4))
    elseif kind == "u16" then b:u16(code, v)
    elseif kind == "be16" then b:u16(code, h.htons(v))
    elseif kind == "u8" then b:u8(code, v)
    elseif kind == "str" then
      if type(v) ~= "string" then error("bad argument to '" .. fname .. "' ('" .. key .. "' needs a string)", 4) end
      b:str(code, v)
    elseif kind == "kind" then b:ascii(code, v); st.kind = v
    elseif kind == "mac" then
      local m = type(v) == "cdata" and v or macaddr_t(v)
      if not m then error("bad argument to '" .. fname .. "' (bad MAC address '" .. tostring(v) .. "')", 4) end
      b:attr(code, m, 6)
    elseif kind == "addr" then
      local a, f = parseaddr(v, fname, 1)
      if st.family and st.family ~= f then error("bad argument to '" .. fname .. "' (address family mismatch for '" .. key .. "')", 4) end
      b:attr(code, a, ffi.sizeof(a))
    elseif kind == "fd" then b:u32(code, type(v) == "number" and v or v:getfd())
    elseif kind == "macvlanmode" then b:u32(code, K.MACVLAN_MODE[v] or error("unknown macvlan mode '" .. tostring(v) .. "'", 4))
    elseif kind == "nest" then b:nest(code); encode(b, sp[3], v, st, fname); b:close()
    elseif kind == "data" then
      local sub = st.kind
      if not spec[sub] then error("bad argument to '" .. fname .. "' (no data attributes known for kind '" .. tostring(sub) .. "')", 4) end
      b:nest(code); encode(b, sub, v, {}, fname); b:close()
    elseif kind == "peer" then
      -- {"ifname", "veth1"}, or ljsyscall's {t.ifinfomsg, {init}, "ifname", "veth1"}
      b:nest(code)
      local msg, first = ifinfomsg_t(), 1
      if type(v) == "table" and (type(v[1]) == "cdata" or v[1] == ifinfomsg_t) then
        if v[1] == ifinfomsg_t then msg = ifinfomsg_t(v[2] or {}) else msg = v[1] end
        first = v[1] == ifinfomsg_t and 3 or 2
      end
      b:put(msg, 16)
      local rest = {}
      if type(v) == "table" then for j = first, #v do rest[#rest + 1] = v[j] end end
      encode(b, "ifla", rest, {}, fname)
      b:close()
    end
  end
  function encode(b, tab, list, st, fname)
    if type(list) ~= "table" then error("bad argument to '" .. fname .. "' (attribute list expected, got " .. type(list) .. ")", 4) end
    local i = 1
    while type(list[i]) ~= "nil" do
      local name, v = list[i], list[i + 1]
      if type(name) == "table" then encode(b, tab, name, st, fname); i = i + 1
      else
        if type(v) == "nil" then error("bad argument to '" .. fname .. "' (no value for attribute '" .. tostring(name) .. "')", 4) end
        encode_one(b, tab, name, v, st, fname)
        i = i + 2
      end
    end
  end

  ---------------------------------------------------------------------------------------------
  -- The calls.  Each takes a context first (a handle's socket, or none: a socket per call in the
  -- caller's current network namespace); nl.* and handle.* bind it.
  local impl = {}
  local routesmt

  local function index_of(ctx, dev, fname, argn)
    if type(dev) == "number" then return dev end
    if type(dev) == "table" and dev.index then return dev.index end
    if type(dev) == "string" then
      local l, e = impl.getlink(ctx, dev)
      if not l then return nil, e end
      return l.index
    end
    error("bad argument #" .. argn .. " to '" .. fname .. "' (interface name, index or object expected, got " .. type(dev) .. ")", 3)
  end

  local function linkmsg(index, iflags, change)
    local b = builder()
    local ifi = ifinfomsg_t()
    ifi.ifi_family = AF.UNSPEC
    ifi.ifi_index = index or 0
    ifi.ifi_flags = iflags or 0
    ifi.ifi_change = change or 0
    b:put(ifi, 16)
    return b
  end

  -- ljsyscall: newlink(index, flags, iflags, change, attributes...)
  function impl.newlink(ctx, index, flags, iflags, change, ...)
    if type(index) == "table" then index = index.index end
    local b = linkmsg(index or 0, IFF[iflags] or 0, IFF[change] or 0)
    encode(b, "ifla", { ... }, {}, "newlink")
    local r, e, txt = transact(ctx, b, K.RTM.NEWLINK, K.NLM_F[flags] or 0)
    if not r then return nil, e, txt end
    return true
  end
  function impl.dellink(ctx, index, ...)
    local i, e = index_of(ctx, index, "dellink", 1)
    if not i then return nil, e end
    local b = linkmsg(i)
    encode(b, "ifla", { ... }, {}, "dellink")
    local r, e2, txt = transact(ctx, b, K.RTM.DELLINK, 0)
    if not r then return nil, e2, txt end
    return true
  end

  -- getlink(): every link, as a list also indexed by name; getlink(name or index): that link.
  function impl.getlink(ctx, which)
    local b
    if type(which) == "nil" then
      b = linkmsg(0)
      local r, e, txt = transact(ctx, b, K.RTM.GETLINK, K.NLM_F.DUMP)
      if not r then return nil, e, txt end
      for _, l in ipairs(r) do if l.name then r[l.name] = l end end
      return r
    end
    if type(which) == "number" then b = linkmsg(which)
    elseif type(which) == "string" then
      if #which == 0 or #which >= c.IFNAMSIZ then return nil, err(c.E.NODEV) end
      b = linkmsg(0); b:str(K.IFLA.IFNAME, which)
    else error("bad argument #1 to 'getlink' (interface name or index expected, got " .. type(which) .. ")", 3) end
    local r, e, txt = transact(ctx, b, K.RTM.GETLINK, 0)
    if not r then return nil, e, txt end
    if not r[1] then return nil, err(c.E.NODEV) end
    return r[1]
  end

  local function address_dump(ctx, af, index)
    local b = builder()
    local ifa = ifaddrmsg_t()
    ifa.ifa_family = af or AF.UNSPEC
    b:put(ifa, 8)
    local r, e, txt = transact(ctx, b, K.RTM.GETADDR, K.NLM_F.DUMP)
    if not r then return nil, e, txt end
    if index then
      local o = {}
      for _, a in ipairs(r) do if a.index == index then o[#o + 1] = a end end
      return o
    end
    return r
  end
  function impl.getaddr(ctx, af, index)
    return address_dump(ctx, af and h.flag(AF, af, "getaddr", 1) or AF.UNSPEC, index)
  end
  impl.addresses = impl.getaddr

  local function attach_addrs(ctx, links)
    local byidx = {}
    for _, l in ipairs(links) do byidx[l.index] = l end
    local as, e, txt = address_dump(ctx, AF.UNSPEC)
    if not as then return nil, e, txt end
    for _, a in ipairs(as) do
      local l = byidx[a.index]
      if l then
        if a.family == AF.INET then l.inet[#l.inet + 1] = a else l.inet6[#l.inet6 + 1] = a end
      end
    end
    return links
  end
  local linksmt = {
    __index = {
      refresh = function(ls)
        local n, e = impl.interfaces(ls.nl)
        if not n then return nil, e end
        for k in pairs(ls) do if k ~= "nl" then ls[k] = nil end end
        for k, v in pairs(n) do ls[k] = v end
        return ls
      end,
    },
    __tostring = function(ls)
      local s = {}
      for _, l in ipairs(ls) do s[#s + 1] = tostring(l) end
      return table.concat(s, "\n")
    end,
  }
  function impl.interfaces(ctx)
    local ls, e, txt = impl.getlink(ctx)
    if not ls then return nil, e, txt end
    local ok, e2, txt2 = attach_addrs(ctx, ls)
    if not ok then return nil, e2, txt2 end
    ls.nl = ctx
    return setmetatable(ls, linksmt)
  end
  function impl.interface(ctx, which)
    local l, e, txt = impl.getlink(ctx, which)
    if not l then return nil, e, txt end
    local ok, e2, txt2 = attach_addrs(ctx, { l })
    if not ok then return nil, e2, txt2 end
    return l
  end

  -- Interface objects.
  function Link.refresh(i)
    local j, e = impl.interface(i.nl, i.index)
    if not j then return nil, e end
    for k in pairs(i) do i[k] = nil end
    for k, v in pairs(j) do i[k] = v end
    return i
  end
  local function then_refresh(i, ok, e, txt)
    if not ok then return nil, e, txt end
    return i:refresh()
  end
  function Link.setflags(i, flags, change)
    return then_refresh(i, impl.newlink(i.nl, i.index, 0, flags, change or 0xffffffff))
  end
  function Link.up(i) return i:setflags("up", "up") end
  function Link.down(i) return i:setflags(0, "up") end
  function Link.setmtu(i, mtu)
    if type(mtu) ~= "number" then error("bad argument #1 to 'setmtu' (number expected, got " .. type(mtu) .. ")", 2) end
    return then_refresh(i, impl.newlink(i.nl, i.index, 0, 0, 0, "mtu", mtu))
  end
  function Link.setmac(i, mac)
    if type(mac) == "string" and not macaddr_t(mac) then error("bad argument #1 to 'setmac' (bad MAC address '" .. mac .. "')", 2) end
    return then_refresh(i, impl.newlink(i.nl, i.index, 0, 0, 0, "address", mac))
  end
  function Link.rename(i, name)
    if type(name) ~= "string" then error("bad argument #1 to 'rename' (string expected, got " .. type(name) .. ")", 2) end
    return then_refresh(i, impl.newlink(i.nl, i.index, 0, 0, 0, "ifname", name))
  end
  function Link.delete(i)
    local ok, e, txt = impl.dellink(i.nl, i.index)
    if not ok then return nil, e, txt end
    return true
  end
  -- Enslaves the interface to a bridge (name, index or object); nil or 0 releases it.
  function Link.setmaster(i, master)
    local m = 0
    if type(master) ~= "nil" and master ~= 0 then
      local e
      m, e = index_of(i.nl, master, "setmaster", 1)
      if not m then return nil, e end
    end
    return then_refresh(i, impl.newlink(i.nl, i.index, 0, 0, 0, "master", m))
  end
  function Link.nomaster(i) return i:setmaster(nil) end
  -- Moves the interface to another network namespace: a descriptor of /proc/.../ns/net or a
  -- namespace object (with .net), or a pid (number).
  function Link.move_ns(i, ns)
    local ok, e, txt
    if type(ns) == "number" then ok, e, txt = impl.newlink(i.nl, i.index, 0, 0, 0, "net_ns_pid", ns)
    else
      local fd = type(ns) == "table" and ns.net or ns
      if type(fd) == "nil" then error("bad argument #1 to 'move_ns' (namespace, descriptor or pid expected, got " .. type(ns) .. ")", 2) end
      ok, e, txt = impl.newlink(i.nl, i.index, 0, 0, 0, "net_ns_fd", fd)
    end
    if not ok then return nil, e, txt end
    return true
  end
  function Link.address(i, address, prefixlen)
    local ok, e, txt = impl.add_address(i.nl, i.index, address, prefixlen)
    return then_refresh(i, ok, e, txt)
  end
  function Link.deladdress(i, address, prefixlen)
    local ok, e, txt = impl.del_address(i.nl, i.index, address, prefixlen)
    return then_refresh(i, ok, e, txt)
  end
  linkmt.__tostring = function(i)
    local s = (i.name or "?") .. ": index " .. tostring(i.index) .. " mtu " .. tostring(i.mtu) .. " <" .. tostring(i.flags) .. ">"
    if i.kind then s = s .. " " .. i.kind end
    if i.macaddr then s = s .. " link/ether " .. tostring(i.macaddr) end
    for _, a in ipairs(i.inet or {}) do s = s .. "\n    inet " .. tostring(a.loc) .. "/" .. a.prefixlen end
    for _, a in ipairs(i.inet6 or {}) do s = s .. "\n    inet6 " .. tostring(a.loc) .. "/" .. a.prefixlen end
    return s
  end

  -- Addresses.  ljsyscall: newaddr(index, af, prefixlen, flags, attributes...)
  local function addrmsg(af, prefixlen, flags, index, scope)
    local b = builder()
    local ifa = ifaddrmsg_t()
    ifa.ifa_family, ifa.ifa_prefixlen, ifa.ifa_flags, ifa.ifa_index = af, prefixlen or 0, flags or 0, index
    ifa.ifa_scope = scope or 0
    b:put(ifa, 8)
    return b
  end
  function impl.newaddr(ctx, index, af, prefixlen, flags, ...)
    if type(index) == "table" then index = index.index end
    af = h.flag(AF, af, "newaddr", 2)
    local b = addrmsg(af, prefixlen, K.IFA_F[flags] or 0, index)
    encode(b, "ifa", { ... }, { family = af }, "newaddr")
    local r, e, txt = transact(ctx, b, K.RTM.NEWADDR, bit.bor(K.NLM_F.CREATE, K.NLM_F.EXCL))
    if not r then return nil, e, txt end
    return true
  end
  function impl.deladdr(ctx, index, af, prefixlen, ...)
    if type(index) == "table" then index = index.index end
    af = h.flag(AF, af, "deladdr", 2)
    local b = addrmsg(af, prefixlen, 0, index)
    encode(b, "ifa", { ... }, { family = af }, "deladdr")
    local r, e, txt = transact(ctx, b, K.RTM.DELADDR, 0)
    if not r then return nil, e, txt end
    return true
  end
  -- add_address(dev, "10.0.0.1/24") (or address, prefixlen); IPv4 gets the broadcast address.
  local function v4bcast(a, plen)
    local p = ffi.cast(u8p, a)
    local v = ((p[0] * 256 + p[1]) * 256 + p[2]) * 256 + p[3]
    local hostbits = 2 ^ (32 - plen)
    v = v - v % hostbits + hostbits - 1
    if plen >= 31 then return nil end
    return t.in_addr(v)
  end
  local function addrargs(ctx, dev, address, prefixlen, fname)
    local idx, e = index_of(ctx, dev, fname, 1)
    if not idx then return nil, e end
    local a, fam, plen = parseaddr(address, fname, 2)
    plen = prefixlen or plen or (fam == AF.INET6 and 128 or 32)
    if type(plen) ~= "number" then error("bad argument #3 to '" .. fname .. "' (number expected, got " .. type(plen) .. ")", 3) end
    return idx, a, fam, plen
  end
  function impl.add_address(ctx, dev, address, prefixlen, opts)
    local idx, a, fam, plen = addrargs(ctx, dev, address, prefixlen, "add_address")
    if not idx then return nil, a end
    local flags = (opts and opts.nodad) and K.IFA_F.NODAD or 0
    if fam == AF.INET6 and not (opts and opts.dad) then flags = bit.bor(flags, K.IFA_F.NODAD) end
    local b = addrmsg(fam, plen, flags, idx)
    b:attr(K.IFA.LOCAL, a, ffi.sizeof(a))
    b:attr(K.IFA.ADDRESS, a, ffi.sizeof(a))
    if fam == AF.INET then
      local bc = v4bcast(a, plen)
      if bc then b:attr(K.IFA.BROADCAST, bc, 4) end
    end
    local r, e, txt = transact(ctx, b, K.RTM.NEWADDR, bit.bor(K.NLM_F.CREATE, K.NLM_F.EXCL))
    if not r then return nil, e, txt end
    return true
  end
  function impl.del_address(ctx, dev, address, prefixlen)
    local idx, a, fam, plen = addrargs(ctx, dev, address, prefixlen, "del_address")
    if not idx then return nil, a end
    local b = addrmsg(fam, plen, 0, idx)
    b:attr(K.IFA.LOCAL, a, ffi.sizeof(a))
    local r, e, txt = transact(ctx, b, K.RTM.DELADDR, 0)
    if not r then return nil, e, txt end
    return true
  end

  -- Creating links: create_interface{name=, type=, ...} (ljsyscall's shape, extended):
  --   veth:    peer = "name" or { name = , address = , netns = fd }
  --   bridge, dummy: nothing more
  --   vlan:    link = parent (name/index/object), id = number, protocol = "802.1ad" (optional)
  --   macvlan: link = parent, mode = "bridge" | "private" | "vepa" | "passthru"
  --   any:     address = MAC, mtu = n, up = true, master = bridge, netns = fd (create there)
  local function linkattrs(ctx, b, tab, fname)
    if type(tab.name) ~= "nil" then
      if type(tab.name) ~= "string" then error("bad argument #1 to '" .. fname .. "' (name must be a string, got " .. type(tab.name) .. ")", 3) end
      b:str(K.IFLA.IFNAME, tab.name)
    end
    if type(tab.address) ~= "nil" then
      local m = type(tab.address) == "cdata" and tab.address or macaddr_t(tab.address)
      if not m then error("bad argument #1 to '" .. fname .. "' (bad MAC address '" .. tostring(tab.address) .. "')", 3) end
      b:attr(K.IFLA.ADDRESS, m, 6)
    end
    if type(tab.mtu) ~= "nil" then b:u32(K.IFLA.MTU, tab.mtu) end
    if type(tab.txqlen) ~= "nil" then b:u32(K.IFLA.TXQLEN, tab.txqlen) end
    if type(tab.netns) ~= "nil" then
      local fd = type(tab.netns) == "table" and tab.netns.net or tab.netns
      b:u32(K.IFLA.NET_NS_FD, type(fd) == "number" and fd or fd:getfd())
    end
    return true
  end
  function impl.create_interface(ctx, tab)
    if type(tab) ~= "table" then error("bad argument #1 to 'create_interface' (table expected, got " .. type(tab) .. ")", 2) end
    local kind = tab.type or tab.kind
    if type(kind) ~= "string" then error("bad argument #1 to 'create_interface' (type expected, got " .. type(kind) .. ")", 2) end
    local b = linkmsg(0, tab.up and IFF.UP or 0, tab.up and IFF.UP or 0)
    linkattrs(ctx, b, tab, "create_interface")
    if type(tab.link) ~= "nil" then
      local li, e = index_of(ctx, tab.link, "create_interface", 1)
      if not li then return nil, e end
      b:u32(K.IFLA.LINK, li)
    end
    if type(tab.master) ~= "nil" then
      local mi, e = index_of(ctx, tab.master, "create_interface", 1)
      if not mi then return nil, e end
      b:u32(K.IFLA.MASTER, mi)
    end
    b:nest(K.IFLA.LINKINFO)
    b:ascii(K.IFLA_INFO.KIND, kind)
    if kind == "veth" and type(tab.peer) ~= "nil" then
      local peer = type(tab.peer) == "string" and { name = tab.peer } or tab.peer
      b:nest(K.IFLA_INFO.DATA)
      b:nest(K.VETH_INFO.PEER)
      b:put(ifinfomsg_t(), 16)
      linkattrs(ctx, b, peer, "create_interface")
      b:close(); b:close()
    elseif kind == "vlan" then
      if type(tab.id) ~= "number" then error("bad argument #1 to 'create_interface' (vlan needs a numeric id, got " .. type(tab.id) .. ")", 2) end
      b:nest(K.IFLA_INFO.DATA)
      b:u16(K.IFLA_VLAN.ID, tab.id)
      if tab.protocol then
        local pr = ({ ["802.1q"] = 0x8100, ["802.1ad"] = 0x88a8 })[tostring(tab.protocol):lower()] or tab.protocol
        b:u16(K.IFLA_VLAN.PROTOCOL, h.htons(pr))
      end
      b:close()
    elseif kind == "macvlan" or kind == "macvtap" then
      if type(tab.mode) ~= "nil" then
        local m = K.MACVLAN_MODE[tab.mode]
        if not m then error("bad argument #1 to 'create_interface' (unknown macvlan mode '" .. tostring(tab.mode) .. "')", 2) end
        b:nest(K.IFLA_INFO.DATA); b:u32(K.IFLA_MACVLAN.MODE, m); b:close()
      end
    end
    b:close()
    local r, e, txt = transact(ctx, b, K.RTM.NEWLINK, bit.bor(K.NLM_F.CREATE, K.NLM_F.EXCL))
    if not r then return nil, e, txt end
    if type(tab.netns) ~= "nil" then return true end
    if tab.name then return impl.interface(ctx, tab.name) end
    return true
  end
  -- ljsyscall's iplink{index=, modifier=, flags=, change=, name=, link=, type=, ...}
  function impl.iplink(ctx, tab)
    if tab.modifier and bit.band(K.NLM_F[tab.modifier], K.NLM_F.CREATE) ~= 0 then return impl.create_interface(ctx, tab) end
    local i, e = index_of(ctx, tab.index or tab.name, "iplink", 1)
    if not i then return nil, e end
    local b = linkmsg(i, IFF[tab.flags] or 0, IFF[tab.change] or 0)
    local tmp = {}
    for k, v in pairs(tab) do if k ~= "name" then tmp[k] = v end end
    linkattrs(ctx, b, tmp, "iplink")
    local r, e2, txt = transact(ctx, b, K.RTM.NEWLINK, 0)
    if not r then return nil, e2, txt end
    return true
  end
  function impl.veth(ctx, name, peer, opts)
    local tab = { type = "veth", name = name, peer = peer }
    if opts then for k, v in pairs(opts) do tab[k] = v end end
    return impl.create_interface(ctx, tab)
  end
  function impl.bridge(ctx, name, opts)
    local tab = { type = "bridge", name = name }
    if opts then for k, v in pairs(opts) do tab[k] = v end end
    return impl.create_interface(ctx, tab)
  end

  -- Routes.  route table: { dst = "10.1.0.0/24" | "default" | "::/0", gw = , dev = ,
  --   metric = , table = , type = "unicast" | "blackhole" | ..., scope = , protocol = , src = }
  function impl.getroute(ctx, af, tp, tab, prot, scope)
    local b = builder()
    local rt = rtmsg_t()
    rt.rtm_family = af and h.flag(AF, af, "getroute", 1) or AF.UNSPEC
    b:put(rt, 12)
    local r, e, txt = transact(ctx, b, K.RTM.GETROUTE, K.NLM_F.DUMP)
    if not r then return nil, e, txt end
    tp = tp and K.RTN[tp]
    if tp == K.RTN.UNSPEC then tp = nil end -- "unspec": routes of every type, as ljsyscall
    tab = tab and K.RT_TABLE[tab]
    local o = {}
    for _, x in ipairs(r) do
      if (not tp or x.type == tp) and (not tab or x.table == tab)
         and (not prot or x.protocol == K.RTPROT[prot]) and (not scope or x.scope == K.RT_SCOPE[scope]) then
        o[#o + 1] = x
      end
    end
    return o
  end
  -- A routes list: match("10.1.0.0/16") (or address, length) gives the routes with exactly
  -- that destination; refresh() reads the table again.
  routesmt = {
    __index = {
      match = function(rs, addr, len)
        local a, _, plen = parseaddr(addr, "match", 1)
        len = len or plen or (rs.family == AF.INET6 and 128 or 32)
        local want = addrbytes(a)
        local o = { family = rs.family, tp = rs.tp, nl = rs.nl }
        for _, x in ipairs(rs) do
          if x.dst_len == len and addrbytes(x.dest) == want then o[#o + 1] = x end
        end
        return setmetatable(o, routesmt)
      end,
      refresh = function(rs)
        local n, e = impl.routes(rs.nl, rs.family, rs.tp)
        if not n then return nil, e end
        for k in pairs(rs) do rs[k] = nil end
        for k, v in pairs(n) do rs[k] = v end
        return rs
      end,
    },
  }
  -- ljsyscall: routes(af, tp): unicast routes of the family (all tables), with output names.
  function impl.routes(ctx, af, tp, tab)
    af = h.flag(AF, af or "inet", "routes", 1)
    local r, e, txt = impl.getroute(ctx, af, tp or "unicast", tab)
    if not r then return nil, e, txt end
    local ls, e2 = impl.getlink(ctx)
    if not ls then return nil, e2 end
    local byidx = {}
    for _, l in ipairs(ls) do byidx[l.index] = l.name end
    for _, x in ipairs(r) do
      if x.oif then x.output = byidx[x.oif] end
      if x.iif then x.input = byidx[x.iif] end
    end
    r.family, r.tp, r.nl = af, tp or "unicast", ctx
    return setmetatable(r, routesmt)
  end
  local function routemsg(ctx, rt, fname)
    if type(rt) ~= "table" then error("bad argument #1 to '" .. fname .. "' (table expected, got " .. type(rt) .. ")", 3) end
    local dst, fam, plen
    if type(rt.dst) == "nil" or (type(rt.dst) == "string" and rt.dst == "default") then
      fam = (rt.family and h.flag(AF, rt.family, fname, 1)) or AF.INET
      if rt.gw and parseaddr(rt.gw, fname, 1) and select(2, parseaddr(rt.gw, fname, 1)) == AF.INET6 then fam = AF.INET6 end
      plen = 0
    else
      dst, fam, plen = parseaddr(rt.dst, fname, 1)
      plen = plen or rt.dst_len or (fam == AF.INET6 and 128 or 32)
    end
    local m = rtmsg_t()
    m.rtm_family, m.rtm_dst_len = fam, plen
    local tableid = rt.table and (K.RT_TABLE[rt.table] or error("bad argument #1 to '" .. fname .. "' (unknown table '" .. tostring(rt.table) .. "')", 3)) or K.RT_TABLE.MAIN
    m.rtm_table = tableid < 256 and tableid or K.RT_TABLE.UNSPEC
    m.rtm_protocol = K.RTPROT[rt.protocol or "boot"] or error("bad argument #1 to '" .. fname .. "' (unknown protocol '" .. tostring(rt.protocol) .. "')", 3)
    m.rtm_type = K.RTN[rt.type or "unicast"] or error("bad argument #1 to '" .. fname .. "' (unknown route type '" .. tostring(rt.type) .. "')", 3)
    local scope = rt.scope
    if type(scope) == "nil" then
      if m.rtm_type ~= K.RTN.UNICAST then scope = "universe"
      elseif rt.gw or fam == AF.INET6 then scope = "universe" else scope = "link" end
    end
    m.rtm_scope = K.RT_SCOPE[scope] or error("bad argument #1 to '" .. fname .. "' (unknown scope '" .. tostring(scope) .. "')", 3)
    local b = builder()
    b:put(m, 12)
    if dst then b:attr(K.RTA.DST, dst, ffi.sizeof(dst)) end
    if type(rt.gw) ~= "nil" then
      local g, gf = parseaddr(rt.gw, fname, 1)
      if gf ~= fam then error("bad argument #1 to '" .. fname .. "' (gateway family differs from destination)", 3) end
      b:attr(K.RTA.GATEWAY, g, ffi.sizeof(g))
    end
    if type(rt.src) ~= "nil" then
      local s = parseaddr(rt.src, fname, 1)
      b:attr(K.RTA.PREFSRC, s, ffi.sizeof(s))
    end
    if type(rt.dev) ~= "nil" then
      local i, e = index_of(ctx, rt.dev, fname, 1)
      if not i then return nil, e end
      b:u32(K.RTA.OIF, i)
    end
    if type(rt.metric) ~= "nil" then b:u32(K.RTA.PRIORITY, rt.metric) end
    if tableid >= 256 then b:u32(K.RTA.TABLE, tableid) end
    return b
  end
  local function routeop(ctx, rt, mtype, flags, fname)
    local b, e = routemsg(ctx, rt, fname)
    if not b then return nil, e end
    local r, e2, txt = transact(ctx, b, mtype, flags)
    if not r then return nil, e2, txt end
    return true
  end
  function impl.add_route(ctx, rt) return routeop(ctx, rt, K.RTM.NEWROUTE, bit.bor(K.NLM_F.CREATE, K.NLM_F.EXCL), "add_route") end
  function impl.replace_route(ctx, rt) return routeop(ctx, rt, K.RTM.NEWROUTE, bit.bor(K.NLM_F.CREATE, K.NLM_F.REPLACE), "replace_route") end
  function impl.del_route(ctx, rt) return routeop(ctx, rt, K.RTM.DELROUTE, 0, "del_route") end
  -- ljsyscall: newroute(flags, rtm, attributes...), delroute(rtm, attributes...)
  local function rtmfrom(tab)
    if ffi.istype(rtmsg_t, tab) then return tab end
    local m = rtmsg_t()
    for k, v in pairs(tab) do
      local f = k:match("^rtm_") and k or ("rtm_" .. k)
      local lut = { rtm_family = AF, rtm_table = K.RT_TABLE, rtm_protocol = K.RTPROT, rtm_scope = K.RT_SCOPE, rtm_type = K.RTN }
      m[f] = lut[f] and lut[f][v] or v
    end
    return m
  end
  function impl.newroute(ctx, flags, rtm, ...)
    local m = rtmfrom(rtm)
    local b = builder(); b:put(m, 12)
    encode(b, "rta", { ... }, { family = m.rtm_family }, "newroute")
    local r, e, txt = transact(ctx, b, K.RTM.NEWROUTE, K.NLM_F[flags] or 0)
    if not r then return nil, e, txt end
    return true
  end
  function impl.delroute(ctx, rtm, ...)
    local m = rtmfrom(rtm)
    local b = builder(); b:put(m, 12)
    encode(b, "rta", { ... }, { family = m.rtm_family }, "delroute")
    local r, e, txt = transact(ctx, b, K.RTM.DELROUTE, 0)
    if not r then return nil, e, txt end
    return true
  end

  -- Neighbours: { dev = , dst = "10.0.0.2", lladdr = "02:..", state = "permanent" }
  local function neighmsg(ctx, nb, fname)
    if type(nb) ~= "table" then error("bad argument #1 to '" .. fname .. "' (table expected, got " .. type(nb) .. ")", 3) end
    local i, e = index_of(ctx, nb.dev, fname, 1)
    if not i then return nil, e end
    local a, fam = parseaddr(nb.dst, fname, 1)
    local m = ndmsg_t()
    m.ndm_family, m.ndm_ifindex = fam, i
    m.ndm_state = K.NUD[nb.state or "permanent"] or error("bad argument #1 to '" .. fname .. "' (unknown state '" .. tostring(nb.state) .. "')", 3)
    m.ndm_flags = K.NTF[nb.flags] or 0
    local b = builder(); b:put(m, 12)
    b:attr(K.NDA.DST, a, ffi.sizeof(a))
    if type(nb.lladdr) ~= "nil" then
      local mac = type(nb.lladdr) == "cdata" and nb.lladdr or macaddr_t(nb.lladdr)
      if not mac then error("bad argument #1 to '" .. fname .. "' (bad MAC address '" .. tostring(nb.lladdr) .. "')", 3) end
      b:attr(K.NDA.LLADDR, mac, 6)
    end
    return b
  end
  local function neighop(ctx, nb, mtype, flags, fname)
    local b, e = neighmsg(ctx, nb, fname)
    if not b then return nil, e end
    local r, e2, txt = transact(ctx, b, mtype, flags)
    if not r then return nil, e2, txt end
    return true
  end
  function impl.add_neigh(ctx, nb) return neighop(ctx, nb, K.RTM.NEWNEIGH, bit.bor(K.NLM_F.CREATE, K.NLM_F.EXCL), "add_neigh") end
  function impl.replace_neigh(ctx, nb) return neighop(ctx, nb, K.RTM.NEWNEIGH, bit.bor(K.NLM_F.CREATE, K.NLM_F.REPLACE), "replace_neigh") end
  function impl.del_neigh(ctx, nb) return neighop(ctx, nb, K.RTM.DELNEIGH, 0, "del_neigh") end
  -- neighbours(af, dev): the neighbour table (both families by default), optionally one device.
  function impl.neighbours(ctx, af, dev)
    local b = builder()
    local m = ndmsg_t()
    m.ndm_family = af and h.flag(AF, af, "neighbours", 1) or AF.UNSPEC
    b:put(m, 12)
    local r, e, txt = transact(ctx, b, K.RTM.GETNEIGH, K.NLM_F.DUMP)
    if not r then return nil, e, txt end
    if type(dev) ~= "nil" then
      local i, e2 = index_of(ctx, dev, "neighbours", 2)
      if not i then return nil, e2 end
      local o = {}
      for _, x in ipairs(r) do if x.ifindex == i then o[#o + 1] = x end end
      return o
    end
    return r
  end
  -- ljsyscall: getneigh(index, tab), newneigh(index, tab, attributes...), delneigh(...)
  local function ndmfrom(index, tab)
    if type(index) == "table" then index = index.index end
    local m = ndmsg_t()
    m.ndm_ifindex = index or 0
    m.ndm_family = tab and tab.family and AF[tab.family] or AF.UNSPEC
    m.ndm_state = tab and tab.state and K.NUD[tab.state] or 0
    m.ndm_flags = tab and tab.flags and K.NTF[tab.flags] or 0
    return m
  end
  function impl.getneigh(ctx, index, tab)
    local r, e, txt = impl.neighbours(ctx, tab and tab.family)
    if not r then return nil, e, txt end
    if type(index) == "table" then index = index.index end
    if not index or index == 0 then return r end
    local o = {}
    for _, x in ipairs(r) do if x.ifindex == index then o[#o + 1] = x end end
    return o
  end
  function impl.newneigh(ctx, index, tab, ...)
    local m = ndmfrom(index, tab)
    local b = builder(); b:put(m, 12)
    encode(b, "nda", { ... }, { family = m.ndm_family ~= 0 and m.ndm_family or nil }, "newneigh")
    local r, e, txt = transact(ctx, b, K.RTM.NEWNEIGH, bit.bor(K.NLM_F.CREATE, K.NLM_F.EXCL))
    if not r then return nil, e, txt end
    return true
  end
  function impl.delneigh(ctx, index, tab, ...)
    local m = ndmfrom(index, tab)
    local b = builder(); b:put(m, 12)
    encode(b, "nda", { ... }, { family = m.ndm_family ~= 0 and m.ndm_family or nil }, "delneigh")
    local r, e, txt = transact(ctx, b, K.RTM.DELNEIGH, 0)
    if not r then return nil, e, txt end
    return true
  end

  -- Small conveniences over the calls above.
  function impl.setup(ctx, dev, opts)
    local i, e = impl.interface(ctx, dev)
    if not i then return nil, e end
    return i
  end

  ---------------------------------------------------------------------------------------------
  -- Binding: nl.<call>(...) uses a fresh socket per call in the current namespace; a handle
  -- from nl.open keeps one socket (possibly made inside another namespace).
  local function bind(ctx, o)
    for k, f in pairs(impl) do o[k] = function(...) return f(ctx, ...) end end
    return o
  end
  bind({}, nl)

  function nl.open(opts)
    opts = opts or {}
    if type(opts) ~= "table" then error("bad argument #1 to 'open' (table expected, got " .. type(opts) .. ")", 2) end
    local sock, e
    if type(opts.netns) ~= "nil" then
      local fd = type(opts.netns) == "table" and opts.netns.net or opts.netns
      sock, e = in_netns(fd, function() return nl.socket("route") end)
    else
      sock, e = nl.socket("route")
    end
    if not sock then return nil, e end
    local ctx = { sock = sock }
    local o = bind(ctx, {})
    o.sock = sock
    function o.close() if ctx.sock then local s = ctx.sock; ctx.sock = nil; return s:close() end return true end
    return o
  end

  nl.builder = builder
  return nl
end

return M
