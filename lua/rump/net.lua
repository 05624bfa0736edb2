-- rump.net: networks of rumpus kernels from Lua.
--
-- Everything here is sugar over system calls a NetBSD program would make: interface ioctls
-- on a socket (SIOCIFCREATE, SIOCSLINKSTR, SIOCAIFADDR, SIOCSIFFLAGS ...), messages on a
-- PF_ROUTE socket, and sysctl.  Nothing reaches into a kernel behind its syscall interface,
-- so the same code would configure NetBSD's own rump kernels.
--
--   local rnet = require "rump.net"
--   local cfg = rnet.config(k)                 -- k: a kernel (or its k.S)
--   assert(cfg:create("shmif0")); assert(cfg:attach("shmif0", "bus1")); assert(cfg:up("shmif0"))
--   assert(cfg:address("shmif0", "10.1.0.1/24"))
--   assert(cfg:route_add("10.9.0.0/16", "10.1.0.254"))
--   for _, i in ipairs(assert(cfg:interfaces())) do print(i.name, i.mtu, i.inet[1]) end
--
--   local net = assert(rnet.build{ hosts = { "a", "b" }, routers = { "r" },
--     links = { { "a", "r", "10.1.0.1/24", "10.1.0.2/24" }, { "r", "b", "10.2.0.1/24", "10.2.0.2/24" } },
--     routes = { a = { { "default", "10.1.0.2" } }, b = { { "default", "10.2.0.1" } } } })
--   local s = assert(net.hosts.b.S.socket("inet", "dgram"))
--   net:destroy()
--
-- See docs/rump.md ("Networks of kernels") for every function.

local ffi = require "syscall.ffi"
local bit = require "syscall.bit"
local rump = require "rump"
local cfgt = require "syscall.netbsd.netcfg"
local c = require "syscall.netbsd.constants"
local topology = require "rump.topology"

local type, tostring, tonumber, error, pairs, ipairs, setmetatable, getmetatable, pcall, math, string, table =
      type, tostring, tonumber, error, pairs, ipairs, setmetatable, getmetatable, pcall, math, string, table
local type, tonumber = ffi.type or type, ffi.tonumber or tonumber -- PUC Lua: cdata are userdata
local unpack_ = table.unpack or unpack

local M = {}

local function argerr(fname, n, what, v)
  error("bad argument #" .. n .. " to '" .. fname .. "' (" .. what .. " expected, got " .. type(v) .. ")", 3)
end

local RTM_VERSION = 4            -- constants.tsv: RTM_VERSION
local IFNAMSIZ = c.IFNAMSIZ
local AF_INET, AF_INET6, AF_LINK = c.AF.INET, c.AF.INET6, c.AF.LINK
local RT_ROUNDUP = cfgt.RT_ROUNDUP
local T = cfgt.t
local u8p = ffi.typeof("uint8_t *")
local const_u8p = ffi.typeof("const uint8_t *")

-- Addresses ---------------------------------------------------------------------------------------

-- "a.b.c.d" -> four numbers, or nil.
local function quad(s)
  if type(s) ~= "string" then return nil end
  local a, b, cc, d = s:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
  if not a then return nil end
  a, b, cc, d = tonumber(a), tonumber(b), tonumber(cc), tonumber(d)
  if a > 255 or b > 255 or cc > 255 or d > 255 then return nil end
  return a, b, cc, d
end
local function v4num(s)
  local a, b, cc, d = quad(s)
  if not a then return nil end
  return ((a * 256 + b) * 256 + cc) * 256 + d
end
local function v4str(n)
  return string.format("%d.%d.%d.%d", math.floor(n / 16777216) % 256, math.floor(n / 65536) % 256,
    math.floor(n / 256) % 256, n % 256)
end
-- IPv6 text (has a colon): the calls below hand it to their IPv6 forms.
local function is6(s) return type(s) == "string" and s:find(":", 1, true) ~= nil end
local function masknum(plen) return plen == 0 and 0 or (2 ^ 32 - 2 ^ (32 - plen)) end
M.masknum = masknum

-- "10.0.0.1/24", "10.0.0.1" (plen default), "default" -> address number, prefix length.
local function prefix(s, fname, argn, defplen)
  if type(s) ~= "string" then argerr(fname, argn, "address string", s) end
  if s == "default" then return 0, 0 end
  local a, p = s:match("^([^/]+)/(%d+)$")
  if not a then a, p = s, defplen end
  local n = v4num(a)
  p = tonumber(p)
  if not n or not p or p < 0 or p > 32 then
    error("bad argument #" .. argn .. " to '" .. fname .. "' (IPv4 address or prefix expected, got '" .. s .. "')", 3)
  end
  return n, p
end
M.prefix = function(s) return prefix(s, "prefix", 1, 32) end

local function sin(n)
  local sa = ffi.new("struct rumpus_nb_sockaddr_in")
  sa.sin_len, sa.sin_family = 16, AF_INET
  local p = ffi.cast(u8p, sa.sin_addr)
  p[0], p[1], p[2], p[3] = math.floor(n / 16777216) % 256, math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256
  return sa
end
local function plen_of(n)
  local l = 0
  for i = 31, 0, -1 do
    if math.floor(n / 2 ^ i) % 2 == 1 then l = l + 1 else break end
  end
  return l
end

-- A sockaddr at p: { family =, len =, addr = "a.b.c.d" (inet), num = (inet) ...; for AF_LINK
-- index, name, mac }.  Netmasks may be shortened (sa_len covers only their nonzero bytes),
-- and their family says nothing: rumpus writes 0 or AF_INET, NetBSD's routing socket 0xff
-- (or 0 with sa_len 0 for /0), so a netmask (mask true) is read by its bytes alone.
local function sockaddr_at(p, mask)
  local len, fam = p[0], p[1]
  local r = { len = len, family = fam }
  if fam == AF_INET or (fam == 0 and len <= 16) or (mask and fam ~= AF_INET6 and len <= 16) then
    local b = { 0, 0, 0, 0 }
    for i = 0, 3 do if 4 + i < len then b[i + 1] = p[4 + i] end end
    r.num = ((b[1] * 256 + b[2]) * 256 + b[3]) * 256 + b[4]
    r.addr = v4str(r.num)
  elseif fam == AF_LINK and len >= 8 then
    local sdl = ffi.cast("struct rumpus_nb_sockaddr_dl *", p)
    r.index = tonumber(sdl.sdl_index)
    local nlen, alen = sdl.sdl_addr.dl_nlen, sdl.sdl_addr.dl_alen
    local data = ffi.cast(const_u8p, sdl.sdl_addr.dl_data)
    if 8 + nlen <= len then r.name = ffi.string(data, nlen) end
    if alen > 0 and 8 + nlen + alen <= len then
      local m = {}
      for i = 0, alen - 1 do m[#m + 1] = string.format("%02x", data[nlen + i]) end
      r.mac = table.concat(m, ":")
    end
    r.type = sdl.sdl_addr.dl_type
  end
  return r
end

-- The sockaddrs after a message header: a table by RTAX index.  nil when they run past the end.
local function addrs_at(base, off, stop, addrs)
  local r = {}
  for i = 0, c.RTAX.MAX - 1 do
    if bit.band(addrs, bit.lshift(1, i)) ~= 0 then
      if off >= stop then return nil end
      local p = base + off
      if off + p[0] > stop then return nil end
      r[i] = sockaddr_at(p, i == c.RTAX.NETMASK)
      off = off + RT_ROUNDUP(p[0])
    end
  end
  return r
end
-- sockaddrs(bytes, addrs): the sockaddrs of a routing message's tail (a string), by RTAX
-- index, as the functions below read them (for tests of the parser).
function M.sockaddrs(bytes, addrs)
  if type(bytes) ~= "string" then argerr("sockaddrs", 1, "string", bytes) end
  if type(addrs) ~= "number" then argerr("sockaddrs", 2, "number", addrs) end
  local buf = ffi.new("uint8_t[?]", #bytes + 1)
  ffi.copy(buf, bytes, #bytes)
  return addrs_at(ffi.cast(const_u8p, buf), 0, #bytes, addrs)
end

-- One kernel's configuration -----------------------------------------------------------------------

local Cfg = {}
Cfg.__index = Cfg

-- config(k): the configuration calls of kernel k (a rump kernel or a syscall table k.S).
function M.config(k)
  local S
  if type(k) == "table" and type(k.S) == "table" then S = k.S
  elseif type(k) == "table" and type(k.socket) == "function" then S = k
  else argerr("config", 1, "kernel or syscall table", k) end
  return setmetatable({ S = S, seq = 0 }, Cfg)
end

-- A datagram socket for ioctls, kept for the object's life.
function Cfg:sock()
  if self._sock and self._sock.filenum >= 0 then return self._sock end
  local s, e = self.S.socket("inet", "dgram")
  if not s then return nil, e end
  self._sock = s
  return s
end
function Cfg:close()
  if self._sock and self._sock.filenum >= 0 then self._sock:close() end
  if self._sock6 and self._sock6.filenum >= 0 then self._sock6:close() end
  if self._rt and self._rt.filenum >= 0 then self._rt:close() end
  self._sock, self._rt, self._sock6 = nil, nil, nil
  return true
end

local function ifname(name, fname, argn)
  if type(name) ~= "string" then argerr(fname, argn or 1, "interface name", name) end
  if #name == 0 or #name >= IFNAMSIZ then
    error("bad argument #" .. (argn or 1) .. " to '" .. fname .. "' (interface name of 1.." .. (IFNAMSIZ - 1) .. " bytes expected)", 3)
  end
  return name
end
local function ifreq(name)
  local r = T.ifreq()
  ffi.copy(r.ifr_name, name, #name)
  return r
end

function Cfg:ioctl(req, arg)
  local s, e = self:sock()
  if not s then return nil, e end
  return self.S.ioctl(s, req, arg)
end

-- create(name): SIOCIFCREATE ("shmif0"...).  destroy(name): SIOCIFDESTROY.
function Cfg:create(name)
  local ok, e = self:ioctl("SIOCIFCREATE", ifreq(ifname(name, "create")))
  if not ok then return nil, e end
  return true
end
function Cfg:destroy(name)
  local ok, e = self:ioctl("SIOCIFDESTROY", ifreq(ifname(name, "destroy")))
  if not ok then return nil, e end
  return true
end

-- attach(name, bus): SIOCSLINKSTR with struct ifdrv naming the bus (ifd_cmd 0);
-- detach(name): ifd_cmd 1 (leave the bus).
function Cfg:attach(name, bus)
  ifname(name, "attach")
  if type(bus) ~= "string" or #bus == 0 then argerr("attach", 2, "bus name", bus) end
  local d = T.ifdrv()
  ffi.copy(d.ifd_name, name, #name)
  local b = ffi.new("char[?]", #bus + 1, bus)
  d.ifd_cmd, d.ifd_data, d.ifd_len = 0, b, #bus + 1
  local ok, e = self:ioctl("SIOCSLINKSTR", d)
  if not ok then return nil, e end
  return true
end
function Cfg:detach(name)
  ifname(name, "detach")
  local d = T.ifdrv()
  ffi.copy(d.ifd_name, name, #name)
  d.ifd_cmd = 1
  local ok, e = self:ioctl("SIOCSLINKSTR", d)
  if not ok then return nil, e end
  return true
end

-- flags(name): the IFF_* bits (a number); setflags(name, set, clear) with numbers or names.
function Cfg:flags(name)
  local r = ifreq(ifname(name, "flags"))
  local ok, e = self:ioctl("SIOCGIFFLAGS", r)
  if not ok then return nil, e end
  return bit.band(r.ifr_ifru.ifru_flags, 0xffff)
end
function Cfg:setflags(name, set, clear)
  ifname(name, "setflags")
  set, clear = c.IFF[set or 0], c.IFF[clear or 0]
  if type(set) ~= "number" then error("bad argument #2 to 'setflags' (IFF flags expected)", 2) end
  if type(clear) ~= "number" then error("bad argument #3 to 'setflags' (IFF flags expected)", 2) end
  local r = ifreq(name)
  local ok, e = self:ioctl("SIOCGIFFLAGS", r)
  if not ok then return nil, e end
  local f = bit.band(bit.bor(bit.band(r.ifr_ifru.ifru_flags, 0xffff), set), bit.bnot(clear))
  r.ifr_ifru.ifru_flags = f >= 0x8000 and f - 0x10000 or f
  ok, e = self:ioctl("SIOCSIFFLAGS", r)
  if not ok then return nil, e end
  return true
end
-- NetBSD's kernel (k.S.backend == "netbsd") keeps a new IPv4 address tentative for a few
-- seconds (duplicate address detection): bind() on it says EADDRNOTAVAIL meanwhile.  So on
-- that kernel address() on an interface that is up, and up(), return once the address (every
-- address of the interface) can be bound; usable(addr) waits for one address, polling with a
-- bound (10 s), and is immediate on rumpus kernels (which do no DAD).
function Cfg:usable(addr, tries)
  local n = v4num(addr)
  if not n then argerr("usable", 1, "IPv4 address", addr) end
  local S = self.S
  local s, e = S.socket("inet", "dgram")
  if not s then return nil, e end
  local sa = sin(n)
  local last
  for _ = 1, tries or 1000 do
    local ok, err = S.bind(s, sa)
    if ok then s:close(); return true end
    last = err
    if not (err and err.errno == c.E.ADDRNOTAVAIL) then break end
    S.nanosleep(0.01)
  end
  s:close()
  return nil, last
end
local function netbsd(self) return self.S.backend == "netbsd" end
local function settle(self, name)
  local i = self:iface(name)
  if not i then return true end
  for _, a in ipairs(i.inet or {}) do
    local ok, e = self:usable(a.addr)
    if not ok then return nil, e end
  end
  return true
end
function Cfg:up(name)
  local ok, e = self:setflags(ifname(name, "up"), c.IFF.UP, 0)
  if not ok or not netbsd(self) then return ok, e end
  return settle(self, name)
end
function Cfg:down(name) return self:setflags(ifname(name, "down"), 0, c.IFF.UP) end

-- mtu(name) reads, mtu(name, n) sets (SIOCGIFMTU / SIOCSIFMTU).
function Cfg:mtu(name, n)
  local r = ifreq(ifname(name, "mtu"))
  if n == nil then
    local ok, e = self:ioctl("SIOCGIFMTU", r)
    if not ok then return nil, e end
    return tonumber(r.ifr_ifru.ifru_mtu)
  end
  if type(n) ~= "number" then argerr("mtu", 2, "number", n) end
  r.ifr_ifru.ifru_mtu = n
  local ok, e = self:ioctl("SIOCSIFMTU", r)
  if not ok then return nil, e end
  return true
end

-- address(name, "10.0.0.1/24" [, broadcast]): SIOCAIFADDR with struct in_aliasreq (the
-- prefix length defaults to 32).  deladdress(name, "10.0.0.1"): SIOCDIFADDR.
function Cfg:address(name, addr, brd)
  if is6(addr) then return self:address6(name, addr, brd) end   -- IPv6 (below)
  ifname(name, "address")
  local n, plen = prefix(addr, "address", 2, 32)
  local q = T.in_aliasreq()
  ffi.copy(q.ifra_name, name, #name)
  q.ifra_addr = sin(n)
  q.ifra_mask = sin(masknum(plen))
  if brd ~= nil then
    local b = v4num(brd)
    if not b then argerr("address", 3, "broadcast address", brd) end
    q.ifra_dstaddr = sin(b)
  end
  local ok, e = self:ioctl("SIOCAIFADDR", q)
  if not ok then return nil, e end
  if netbsd(self) then
    local f = self:flags(name)
    if f and bit.band(f, c.IFF.UP) ~= 0 then return self:usable(v4str(n)) end
  end
  return true
end
function Cfg:deladdress(name, addr)
  if is6(addr) then return self:deladdress6(name, addr) end
  ifname(name, "deladdress")
  local n = prefix(addr, "deladdress", 2, 32)
  local r = ifreq(name)
  ffi.copy(r.ifr_ifru.ifru_addr, sin(n), 16)
  local ok, e = self:ioctl("SIOCDIFADDR", r)
  if not ok then return nil, e end
  return true
end

-- stats(name): the interface's if_data counters (SIOCGIFDATA).
function Cfg:stats(name)
  local d = T.ifdatareq()
  ifname(name, "stats")
  ffi.copy(d.ifdr_name, name, #name)
  local ok, e = self:ioctl("SIOCGIFDATA", d)
  if not ok then return nil, e end
  local x = d.ifdr_data
  local r = { mtu = tonumber(x.ifi_mtu), link_state = tonumber(x.ifi_link_state), type = tonumber(x.ifi_type) }
  for _, f in ipairs { "ipackets", "ierrors", "opackets", "oerrors", "collisions", "ibytes", "obytes",
    "imcasts", "omcasts", "iqdrops", "noproto" } do r[f] = tonumber(x["ifi_" .. f]) end
  return r
end

-- caps(name): the interface's capabilities (SIOCGIFCAP) as two numbers, what it offers and
-- what is on (c.IFCAP names the bits: TSOv4 and TSOv6 are TCP segmentation offload for
-- IPv4 and IPv6, which shmif and virtif offer).  caps(name, enable) sets what is on
-- (SIOCSIFCAP): a number or capability names ("TSOv4", "TSOv4,TSOv6", "" for none); EINVAL
-- for one the interface does not offer, as NetBSD.
function Cfg:caps(name, enable)
  ifname(name, "caps")
  local r = T.ifcapreq()
  ffi.copy(r.ifcr_name, name, #name)
  if enable == nil then
    local ok, e = self:ioctl("SIOCGIFCAP", r)
    if not ok then return nil, e end
    return tonumber(r.ifcr_capabilities), tonumber(r.ifcr_capenable)
  end
  local v = enable
  if type(enable) == "string" then
    v = enable == "" and 0 or c.IFCAP[enable]
    if v == nil then error("bad argument #2 to 'caps' (unknown capability in '" .. enable .. "')", 2) end
  elseif type(enable) ~= "number" then
    argerr("caps", 2, "number or capability names", enable)
  end
  r.ifcr_capenable = v
  local ok, e = self:ioctl("SIOCSIFCAP", r)
  if not ok then return nil, e end
  return true
end

-- ifconf(): SIOCGIFCONF as a list of { name =, family =, addr = (inet), index/mac (link) }.
function Cfg:ifconf()
  local q = T.ifconf()
  local ok, e = self:ioctl("SIOCGIFCONF", q)   -- ifc_buf NULL: the size
  if not ok then return nil, e end
  local size = tonumber(q.ifc_len) + 8 * cfgt.s.ifreq
  local buf = ffi.new("uint8_t[?]", size)
  q.ifc_len, q.ifc_ifcu.ifcu_buf = size, buf
  ok, e = self:ioctl("SIOCGIFCONF", q)
  if not ok then return nil, e end
  local list = {}
  for off = 0, tonumber(q.ifc_len) - cfgt.s.ifreq, cfgt.s.ifreq do
    local r = ffi.cast(cfgt.pt.ifreq, buf + off)
    local a = sockaddr_at(ffi.cast(u8p, r.ifr_ifru.ifru_space))
    a.name = ffi.string(r.ifr_name)
    list[#list + 1] = a
  end
  return list
end

-- interfaces(): every interface, from sysctl net.route.0.0.NET_RT_IFLIST.0 (what getifaddrs
-- reads): a list, also indexed by name, of { name, index, flags, up, mtu, mac, type,
-- link_state, stats = {...}, inet = { { addr =, prefixlen =, broadcast = } ... } }.
function Cfg:interfaces()
  local raw, e = self.S.sysctlraw({ c.CTL.NET, c.AF.ROUTE, 0, 0, c.NET.RT_IFLIST, 0 })
  if not raw then return nil, e end
  local n = #raw
  local base = ffi.cast(const_u8p, raw)
  local list, byindex = {}, {}
  local off = 0
  while off + 4 <= n do
    local mlen = base[off] + base[off + 1] * 256
    if mlen < 4 or off + mlen > n then break end
    local ty = base[off + 3]
    if ty == c.RTM.IFINFO and mlen >= cfgt.s.if_msghdr then
      local m = ffi.cast(cfgt.pt.if_msghdr, base + off)
      local a = addrs_at(base, off + cfgt.s.if_msghdr, off + mlen, m.ifm_addrs) or {}
      local ifp = a[c.RTAX.IFP] or {}
      local d = m.ifm_data
      local i = { name = ifp.name, index = tonumber(m.ifm_index), flags = tonumber(m.ifm_flags),
        mac = ifp.mac, mtu = tonumber(d.ifi_mtu), type = tonumber(d.ifi_type),
        link_state = tonumber(d.ifi_link_state), inet = {},
        stats = { ipackets = tonumber(d.ifi_ipackets), opackets = tonumber(d.ifi_opackets),
          ibytes = tonumber(d.ifi_ibytes), obytes = tonumber(d.ifi_obytes),
          ierrors = tonumber(d.ifi_ierrors), oerrors = tonumber(d.ifi_oerrors) } }
      i.up = bit.band(i.flags, c.IFF.UP) ~= 0
      list[#list + 1] = i
      byindex[i.index] = i
      if i.name then list[i.name] = i end
    elseif ty == c.RTM.NEWADDR and mlen >= cfgt.s.ifa_msghdr then
      local m = ffi.cast(cfgt.pt.ifa_msghdr, base + off)
      local a = addrs_at(base, off + cfgt.s.ifa_msghdr, off + mlen, m.ifam_addrs) or {}
      local i = byindex[tonumber(m.ifam_index)]
      local ifa = a[c.RTAX.IFA]
      if i and ifa and ifa.family == AF_INET6 and ifa.len >= 24 then   -- net.netinet6's
        local a6 = ffi.cast("const struct rumpus_nb_sockaddr_in6 *", base + off + cfgt.s.ifa_msghdr)
        local p, stop, mask = off + cfgt.s.ifa_msghdr, off + mlen, nil
        for x = 0, c.RTAX.MAX - 1 do   -- find the IFA sockaddr by walking the RTA bits
          if bit.band(m.ifam_addrs, bit.lshift(1, x)) ~= 0 and p < stop then
            if x == c.RTAX.IFA then a6 = ffi.cast("const struct rumpus_nb_sockaddr_in6 *", base + p) end
            if x == c.RTAX.NETMASK then mask = base + p end
            p = p + RT_ROUNDUP(base[p])
          end
        end
        local t6 = self.S.t.in6_addr()
        ffi.copy(t6, a6.sin6_addr, 16)
        local plen = 0
        if mask then
          for j = 8, 23 do
            local x = mask[j]
            while x >= 128 do plen = plen + 1; x = (x * 2) % 256 end
            if mask[j] ~= 255 then break end
          end
        end
        i.inet6 = i.inet6 or {}
        i.inet6[#i.inet6 + 1] = { addr = tostring(t6), prefixlen = plen, flags = tonumber(m.ifam_flags),
          scope = tonumber(a6.sin6_scope_id) }
      end
      if i and ifa and ifa.family == AF_INET then
        local mask = a[c.RTAX.NETMASK]
        local brd = a[c.RTAX.BRD]
        i.inet[#i.inet + 1] = { addr = ifa.addr, prefixlen = mask and mask.num and plen_of(mask.num) or 32,
          broadcast = brd and brd.addr or nil }
      end
    end
    off = off + mlen
  end
  return list
end
function Cfg:iface(name)
  local l, e = self:interfaces()
  if not l then return nil, e end
  local i = l[ifname(name, "iface")]
  if not i then return nil, self.S.t.error(c.E.NXIO) end
  return i
end

-- Routes: messages on a PF_ROUTE socket ------------------------------------------------------

function Cfg:rtsock()
  if self._rt and self._rt.filenum >= 0 then return self._rt end
  local s, e = self.S.socket("route", "raw", 0)
  if not s then return nil, e end
  self._rt = s
  return s
end

local rtflags = { gateway = "GATEWAY", host = "HOST", reject = "REJECT", blackhole = "BLACKHOLE", static = "STATIC" }
local seqno = 0

-- Sends the routing message of kind in buf (size bytes; flags and addrs go in its header) on
-- the routing socket s and takes the kernel's answer to it, which comes back on s
-- (SO_USELOOPBACK) before write returns: the answer's length in buf, true when none came, or
-- nil, err (the kernel's rtm_errno, or write's error).
local function rtexchange(self, s, buf, size, kind, flags, addrs)
  local m = ffi.cast(cfgt.pt.rt_msghdr, buf)
  seqno = seqno + 1
  local seq, pid = seqno, self.S.getpid()
  m.rtm_msglen, m.rtm_version, m.rtm_type = size, RTM_VERSION, kind
  m.rtm_flags, m.rtm_addrs, m.rtm_seq, m.rtm_pid = flags, addrs, seq, pid
  -- Drop stale messages (answers to other requests) before asking.
  local junk = ffi.new("uint8_t[?]", 2048)
  while self.S.recv(s, junk, 2048, "dontwait") do end
  local w, err = self.S.write(s, buf, size)
  if not w then return nil, err end
  for _ = 1, 64 do
    local got = self.S.recv(s, buf, 1024, "dontwait")
    if not got then break end
    if got >= cfgt.s.rt_msghdr and m.rtm_seq == seq and m.rtm_pid == pid and m.rtm_type == kind then
      if m.rtm_errno ~= 0 then return nil, self.S.t.error(m.rtm_errno) end
      return got
    end
  end
  return true
end

-- The route of a routing message m: { flags, index, is = { gateway = bool, ... } }.
local function route_of(m)
  local r = { flags = tonumber(m.rtm_flags), index = tonumber(m.rtm_index), is = {} }
  for k, v in pairs(rtflags) do r.is[k] = bit.band(r.flags, c.RTF[v]) ~= 0 end
  return r
end

-- The route of an IPv6 routing message m at base, its addresses from p up to stop: as
-- route_of, with dst, gateway and gateway_scope, prefixlen, ifname and gateway_link.
local function route6_of(self, m, base, p, stop)
  local r = route_of(m)
  for i = 0, c.RTAX.MAX - 1 do
    if bit.band(m.rtm_addrs, bit.lshift(1, i)) ~= 0 and p < stop then
      local sa = base + p
      if sa[1] == AF_INET6 and sa[0] >= 24 then
        local a6 = ffi.cast("const struct rumpus_nb_sockaddr_in6 *", sa)
        local t6 = self.S.t.in6_addr()
        ffi.copy(t6, a6.sin6_addr, 16)
        if i == c.RTAX.DST then r.dst = tostring(t6)
        elseif i == c.RTAX.GATEWAY then r.gateway = tostring(t6); r.gateway_scope = tonumber(a6.sin6_scope_id)
        elseif i == c.RTAX.NETMASK then
          local b, l = ffi.cast(const_u8p, a6.sin6_addr), 0
          for j = 0, 15 do
            local x = b[j]
            while x >= 128 do l = l + 1; x = (x * 2) % 256 end
            if b[j] ~= 255 then break end
          end
          r.prefixlen = l
        end
      elseif sa[1] == AF_LINK then
        local l = sockaddr_at(sa)
        if i == c.RTAX.IFP then r.ifname = l.name elseif i == c.RTAX.GATEWAY then r.gateway_link = l end
      end
      p = p + RT_ROUNDUP(sa[0])
    end
  end
  return r
end

-- The routing table of family af (sysctl net.route.0.<af>.NET_RT_DUMP.0): the list of
-- each(m, base, p, stop), for each message m at base with its addresses from p to stop.
local function rtdump(self, af, each)
  local raw, e = self.S.sysctlraw({ c.CTL.NET, c.AF.ROUTE, 0, af, c.NET.RT_DUMP, 0 })
  if not raw then return nil, e end
  local base = ffi.cast(const_u8p, raw)
  local n, off, list = #raw, 0, {}
  while off + cfgt.s.rt_msghdr <= n do
    local m = ffi.cast(cfgt.pt.rt_msghdr, base + off)
    local mlen = tonumber(m.rtm_msglen)
    if mlen < cfgt.s.rt_msghdr or off + mlen > n then break end
    list[#list + 1] = each(m, base, off + cfgt.s.rt_msghdr, off + mlen)
    off = off + mlen
  end
  return list
end

-- One request: type, destination "a/len" | "a" | "default", gateway (or nil), options
-- { reject = true, blackhole = true, flags = n }.  Returns the answer (parsed) or nil, err.
function Cfg:rtmsg(kind, dst, gw, opts, fname)
  if is6(dst) or is6(gw) then return self:rtmsg6(kind, dst, gw, opts, fname) end   -- IPv6 (below)
  local n, plen = prefix(dst, fname, 1, 32)
  if gw ~= nil and not v4num(gw) then argerr(fname, 2, "gateway address", gw) end
  if opts ~= nil and type(opts) ~= "table" then argerr(fname, 3, "table", opts) end
  opts = opts or {}
  local s, e = self:rtsock()
  if not s then return nil, e end
  local flags = c.RTF.UP
  local addrs = c.RTA.DST
  if gw then flags = bit.bor(flags, c.RTF.GATEWAY); addrs = bit.bor(addrs, c.RTA.GATEWAY) end
  if kind == c.RTM.ADD or kind == c.RTM.CHANGE then flags = bit.bor(flags, c.RTF.STATIC) end
  local host = plen == 32 and kind ~= c.RTM.GET
  if host then flags = bit.bor(flags, c.RTF.HOST)
  elseif kind ~= c.RTM.GET or dst:find("/", 1, true) or dst == "default" then addrs = bit.bor(addrs, c.RTA.NETMASK) end
  for k, v in pairs(opts) do
    if rtflags[k] and v then flags = bit.bor(flags, c.RTF[rtflags[k]]) end
  end
  if opts.flags then flags = bit.bor(flags, opts.flags) end
  local size = cfgt.s.rt_msghdr + 3 * 16
  local buf = ffi.new("uint8_t[?]", 1024)
  local m = ffi.cast(cfgt.pt.rt_msghdr, buf)
  local off = cfgt.s.rt_msghdr
  local function put(v) ffi.copy(buf + off, sin(v), 16); off = off + RT_ROUNDUP(16) end
  put(n)
  if gw then put(v4num(gw)) end
  if bit.band(addrs, c.RTA.NETMASK) ~= 0 then put(masknum(plen)) end
  if kind == c.RTM.GET then
    -- Ask for the interface too (an empty AF_LINK sockaddr under RTA_IFP): NetBSD's kernel
    -- names it in the answer only when asked, as route(8) asks.
    addrs = bit.bor(addrs, c.RTA.IFP)
    buf[off], buf[off + 1] = 20, AF_LINK
    off = off + RT_ROUNDUP(20)
  end
  size = off
  local got, err = rtexchange(self, s, buf, size, kind, flags, addrs)
  if got == true or not got then return got, err end
  local a = addrs_at(buf, cfgt.s.rt_msghdr, math.min(got, m.rtm_msglen), m.rtm_addrs) or {}
  local r = route_of(m)
  if a[c.RTAX.DST] then r.dst = a[c.RTAX.DST].addr end
  if a[c.RTAX.GATEWAY] then
    local g = a[c.RTAX.GATEWAY]
    if g.family == AF_INET then r.gateway = g.addr else r.gateway_link = g end
  end
  r.prefixlen = a[c.RTAX.NETMASK] and a[c.RTAX.NETMASK].num and plen_of(a[c.RTAX.NETMASK].num) or 32
  if a[c.RTAX.IFP] then r.ifname = a[c.RTAX.IFP].name end
  if a[c.RTAX.IFA] then r.ifaddr = a[c.RTAX.IFA].addr end
  return r
end

-- route_add(dst, gw, opts), route_change(dst, gw, opts), route_delete(dst),
-- route_get(addr): the route that carries addr, { dst, prefixlen, gateway, flags, ifname... }.
function Cfg:route_add(dst, gw, opts)
  local r, e = self:rtmsg(c.RTM.ADD, dst, gw, opts, "route_add")
  if not r then return nil, e end
  return true
end
function Cfg:route_change(dst, gw, opts)
  local r, e = self:rtmsg(c.RTM.CHANGE, dst, gw, opts, "route_change")
  if not r then return nil, e end
  return true
end
function Cfg:route_delete(dst)
  local r, e = self:rtmsg(c.RTM.DELETE, dst, nil, nil, "route_delete")
  if not r then return nil, e end
  return true
end
function Cfg:route_get(dst)
  local r, e = self:rtmsg(c.RTM.GET, dst, nil, nil, "route_get")
  if not r then return nil, e end
  if r == true then return nil, self.S.t.error(c.E.SRCH) end
  return r
end

-- routes(): the IPv4 routing table (sysctl net.route.0.inet.NET_RT_DUMP.0), a list of
-- { dst, prefixlen, gateway, flags, index, gateway_link } as route_get gives.
function Cfg:routes()
  return rtdump(self, AF_INET, function(m, base, p, stop)
    local a = addrs_at(base, p, stop, m.rtm_addrs) or {}
    local r = route_of(m)
    if a[c.RTAX.DST] then r.dst = a[c.RTAX.DST].addr end
    local g = a[c.RTAX.GATEWAY]
    if g and g.family == AF_INET then r.gateway = g.addr elseif g then r.gateway_link = g end
    r.prefixlen = bit.band(r.flags, c.RTF.HOST) ~= 0 and 32 or (a[c.RTAX.NETMASK] and a[c.RTAX.NETMASK].num and plen_of(a[c.RTAX.NETMASK].num) or 0)
    return r
  end)
end

-- A boolean sysctl: read when on is nil, else set (fname names the caller in errors).
local function boolsysctl(self, name, on, fname)
  if on == nil then
    local v, e = self.S.sysctl(name)
    if v == nil then return nil, e end
    return v ~= 0
  end
  if type(on) ~= "boolean" then argerr(fname, 1, "boolean", on) end
  local v, e = self.S.sysctl(name, on and 1 or 0)
  if v == nil then return nil, e end
  return true
end

-- forwarding() reads net.inet.ip.forwarding; forwarding(true/false) sets it.
function Cfg:forwarding(on) return boolsysctl(self, "net.inet.ip.forwarding", on, "forwarding") end


-- IPv6 (net.netinet6) ----------------------------------------------------------------------------
--
-- The same calls take IPv6 text: address("shmif0", "2001:db8::1/64"), route_add("default",
-- "fe80::1%shmif0"), route_add("2001:db8:2::/64", "2001:db8::2"), ping("2001:db8::2"); a
-- link-local address names its interface after "%", as NetBSD's tools write it.  The kernel
-- needs the component net.netinet6 (rump.net's builders add it when a spec has an IPv6
-- address, or new{ inet6 = true }).

M.is6 = is6

-- The in6 ioctls go on an AF_INET6 socket (NetBSD's in6_control is that protocol's ioctl;
-- another family's socket answers ENOTTY), kept for the object's life.
function Cfg:ioctl6(req, arg)
  if not (self._sock6 and self._sock6.filenum >= 0) then
    local s, e = self.S.socket("inet6", "dgram")
    if not s then return nil, e end
    self._sock6 = s
  end
  return self.S.ioctl(self._sock6, req, arg)
end

-- SIOCGIFINDEX
function Cfg:ifindex(name)
  local r = ifreq(ifname(name, "ifindex"))
  local ok, e = self:ioctl("SIOCGIFINDEX", r)
  if not ok then return nil, e end
  return tonumber(r.ifr_ifru.ifru_value)
end

-- "addr[%ifname][/plen]" | "default" -> in6_addr, prefix length, scope id (0: none); raises for
-- bad text (a programming mistake), returns nil, err for an unknown interface.
function Cfg:_prefix6(s, fname, argn, defplen)
  if type(s) ~= "string" then argerr(fname, argn, "IPv6 address string", s) end
  local T6 = self.S.t
  if s == "default" then return T6.in6_addr("::"), 0, 0 end
  local a, p = s:match("^([^/]+)/(%d+)$")
  if not a then a, p = s, defplen end
  local addr, zone = a:match("^([^%%]+)%%(.+)$")
  if not addr then addr = a end
  local n = T6.in6_addr(addr)
  p = tonumber(p)
  if not n or not is6(addr) or not p or p < 0 or p > 128 then
    error("bad argument #" .. argn .. " to '" .. fname .. "' (IPv6 address or prefix expected, got '" .. s .. "')", 3)
  end
  local scope = 0
  if zone then
    local idx, e = self:ifindex(zone)
    if not idx then return nil, e end
    scope = idx
  end
  return n, p, scope
end

local function mask6(S, plen)
  local m = S.t.in6_addr("::")
  local b = ffi.cast(u8p, m)
  for i = 0, 15 do
    local bits = plen - i * 8
    b[i] = bits >= 8 and 255 or bits <= 0 and 0 or (256 - 2 ^ (8 - bits))
  end
  return m
end
local function sin6(S, a, scope)
  local sa = ffi.new("struct rumpus_nb_sockaddr_in6")
  sa.sin6_len, sa.sin6_family = 28, AF_INET6
  if a then ffi.copy(sa.sin6_addr, a, 16) end
  sa.sin6_scope_id = scope or 0
  return sa
end

local in6flags = { anycast = 1, tentative = 2, duplicated = 4, detached = 8, deprecated = 16,
  nodad = 32, autoconf = 64 }

-- address6(name, "2001:db8::1/64" [, { nodad = true, anycast = true }]): SIOCAIFADDR_IN6 with
-- infinite lifetimes (prefix length default 64).  deladdress6(name, addr): SIOCDIFADDR_IN6.
function Cfg:address6(name, addr, flags)
  ifname(name, "address6")
  if flags ~= nil and type(flags) ~= "table" then argerr("address6", 3, "table", flags) end
  local n, plen, scope = self:_prefix6(addr, "address6", 2, 64)
  if not n then return nil, plen end
  local q = cfgt.t.in6_aliasreq()
  ffi.copy(q.ifra_name, name, #name)
  q.ifra_addr = sin6(self.S, n, scope)
  q.ifra_prefixmask = sin6(self.S, mask6(self.S, plen))
  local f = 0
  for k, v in pairs(flags or {}) do
    if not in6flags[k] then error("bad argument #3 to 'address6' (unknown flag '" .. tostring(k) .. "')", 2) end
    if v then f = bit.bor(f, in6flags[k]) end
  end
  q.ifra_flags = f
  q.ifra_lifetime.ia6t_vltime, q.ifra_lifetime.ia6t_pltime = 0xffffffff, 0xffffffff
  local ok, e = self:ioctl6("SIOCAIFADDR_IN6", q)
  if not ok then return nil, e end
  return true
end
-- The in6_ifreq of interface name and address n (scope: its zone), after the SIOC...IN6
-- ioctl req on it: the request, or nil, err.
local function in6_addrreq(self, req, name, n, scope)
  local r = cfgt.t.in6_ifreq()
  ffi.copy(r.ifr_name, name, #name)
  r.ifr_ifru.ifru_addr = sin6(self.S, n, scope)
  local ok, e = self:ioctl6(req, r)
  if not ok then return nil, e end
  return r
end

function Cfg:deladdress6(name, addr)
  ifname(name, "deladdress6")
  local n, _, scope = self:_prefix6(addr, "deladdress6", 2, 128)
  if not n then return nil, _ end
  local r, e = in6_addrreq(self, "SIOCDIFADDR_IN6", name, n, scope)
  if not r then return nil, e end
  return true
end

-- aflags(name, addr): SIOCGIFAFLAG_IN6, { tentative = bool, duplicated = ..., value = n }.
function Cfg:aflags(name, addr)
  ifname(name, "aflags")
  local n, _, scope = self:_prefix6(addr, "aflags", 2, 128)
  if not n then return nil, _ end
  local r, e = in6_addrreq(self, "SIOCGIFAFLAG_IN6", name, n, scope)
  if not r then return nil, e end
  local v = tonumber(r.ifr_ifru.ifru_flags6)
  local t = { value = v }
  for k, b in pairs(in6flags) do t[k] = bit.band(v, b) ~= 0 end
  return t
end

-- neighbor(name, addr): SIOCGNBRINFO_IN6, { state = "reachable" | "stale" | ..., router,
-- asked }, or nil, err (EINVAL: no entry).
local ndstates = { [0] = "incomplete", "reachable", "stale", "delay", "probe" }
function Cfg:neighbor(name, addr)
  ifname(name, "neighbor")
  local n, _ = self:_prefix6(addr, "neighbor", 2, 128)
  if not n then return nil, _ end
  local r = cfgt.t.in6_nbrinfo()
  ffi.copy(r.ifname, name, #name)
  ffi.copy(r.addr, n, 16)
  local ok, e = self:ioctl6("SIOCGNBRINFO_IN6", r)
  if not ok then return nil, e end
  return { state = ndstates[tonumber(r.state)] or tonumber(r.state), router = r.isrouter ~= 0,
    asked = tonumber(r.asked) }
end

-- linklocal(name): the link-local address NetBSD gives the interface when it comes up
-- (fe80:: and the modified EUI-64 of its MAC), "fe80::...%name".
function Cfg:linklocal(name)
  local i, e = self:iface(name)
  if not i then return nil, e end
  if not i.mac then return nil, self.S.t.error(c.E.ADDRNOTAVAIL) end
  local m = {}
  for x in i.mac:gmatch("%x%x") do m[#m + 1] = tonumber(x, 16) end
  return string.format("fe80::%x:%x:%x:%x%%%s", bit.bxor(m[1], 2) * 256 + m[2], m[3] * 256 + 255,
    0xfe00 + m[4], m[5] * 256 + m[6], name)
end

-- routes6(): the IPv6 routing table (sysctl net.route.0.inet6.NET_RT_DUMP.0), a list of
-- { dst, prefixlen, gateway, gateway_scope, ifname, flags, is = {...} } (gateway_link for a
-- link-level gateway), as route_get gives.
function Cfg:routes6()
  return rtdump(self, AF_INET6, function(m, base, p, stop) return route6_of(self, m, base, p, stop) end)
end

-- forwarding6() reads net.inet6.ip6.forwarding; forwarding6(true/false) sets it.
function Cfg:forwarding6(on) return boolsysctl(self, "net.inet6.ip6.forwarding", on, "forwarding6") end

-- An IPv6 routing message (as rtmsg): dst "a/len" | "default", gw "a" or "fe80::1%ifname".
function Cfg:rtmsg6(kind, dst, gw, opts, fname)
  local n, plen, dscope = self:_prefix6(dst, fname, 1, 128)
  if not n then return nil, plen end
  local g, _, gscope
  if gw ~= nil then
    if not is6(gw) then argerr(fname, 2, "IPv6 gateway address", gw) end
    g, _, gscope = self:_prefix6(gw, fname, 2, 128)
    if not g then return nil, _ end
  end
  if opts ~= nil and type(opts) ~= "table" then argerr(fname, 3, "table", opts) end
  opts = opts or {}
  local s, e = self:rtsock()
  if not s then return nil, e end
  local flags, addrs = c.RTF.UP, c.RTA.DST
  if g then flags = bit.bor(flags, c.RTF.GATEWAY); addrs = bit.bor(addrs, c.RTA.GATEWAY) end
  if kind == c.RTM.ADD or kind == c.RTM.CHANGE then flags = bit.bor(flags, c.RTF.STATIC) end
  if plen == 128 and kind ~= c.RTM.GET then flags = bit.bor(flags, c.RTF.HOST)
  elseif kind ~= c.RTM.GET or dst:find("/", 1, true) or dst == "default" then addrs = bit.bor(addrs, c.RTA.NETMASK) end
  for k, v in pairs(opts) do
    if rtflags[k] and v then flags = bit.bor(flags, c.RTF[rtflags[k]]) end
  end
  local buf = ffi.new("uint8_t[?]", 1024)
  local m = ffi.cast(cfgt.pt.rt_msghdr, buf)
  local off = cfgt.s.rt_msghdr
  local function put(sa) ffi.copy(buf + off, sa, 28); off = off + RT_ROUNDUP(28) end
  put(sin6(self.S, n, dscope))
  if g then put(sin6(self.S, g, gscope)) end
  if bit.band(addrs, c.RTA.NETMASK) ~= 0 then put(sin6(self.S, mask6(self.S, plen))) end
  local got, err = rtexchange(self, s, buf, off, kind, flags, addrs)
  if got == true or not got then return got, err end
  return route6_of(self, m, buf, cfgt.s.rt_msghdr, math.min(got, m.rtm_msglen))
end


-- Topologies --------------------------------------------------------------------------------------

M.components = { "net.netinet", "net.shmif" }

local Net, Host = {}, {}
Net.__index, Host.__index = Net, Host
local netid = 0

-- new{ components = {...}, prefix = "bus name prefix" }: an empty network.
function M.new(opts)
  if opts ~= nil and type(opts) ~= "table" then argerr("new", 1, "table", opts) end
  opts = opts or {}
  netid = netid + 1
  local comps = {}
  for _, n in ipairs(M.components) do comps[#comps + 1] = n end
  for _, n in ipairs(opts.components or {}) do comps[#comps + 1] = n end
  if opts.inet6 then comps[#comps + 1] = "net.netinet6" end
  return setmetatable({ hosts = {}, buses = {}, order = {}, components = comps,
    prefix = opts.prefix or ("rumpnet" .. netid .. "-") }, Net)
end

function Net:_newhost(name, router)
  if type(name) ~= "string" then argerr(router and "router" or "host", 1, "name", name) end
  if self.hosts[name] then error("bad argument #1 to '" .. (router and "router" or "host") .. "' (host '" .. name .. "' exists)", 3) end
  local spec = { hostname = name }
  for i, n in ipairs(self.components) do spec[i] = n end
  local ok, k = pcall(rump.kernel, spec)
  if not ok then return nil, k end
  local h = setmetatable({ name = name, kernel = k, S = k.S, cfg = M.config(k), nif = 0, net = self,
    router = router or false }, Host)
  self.hosts[name] = h
  self.order[#self.order + 1] = h
  if router then
    local r, e = h:forwarding(true)
    if not r then return nil, e end
    for _, n in ipairs(self.components) do
      if n == "net.netinet6" then
        r, e = h:forwarding6(true)
        if not r then return nil, e end
      end
    end
  end
  return h
end
function Net:host(name) return self:_newhost(name, false) end
function Net:router(name) return self:_newhost(name, true) end

local function hostof(net, h, fname, n)
  if type(h) == "string" then h = net.hosts[h] end
  if type(h) ~= "table" or getmetatable(h) ~= Host then
    error("bad argument #" .. n .. " to '" .. fname .. "' (host of this network expected)", 3)
  end
  return h
end

-- bus(name): a bus of this network (the process-wide name gets the network's prefix).  A
-- name with a '/' is the path of a bus file (NetBSD's shmif format) shared with kernels of
-- other processes, used as it is.
function Net:bus(name)
  if type(name) ~= "string" then argerr("bus", 1, "name", name) end
  local b = self.buses[name]
  if not b then
    b = { name = name, id = name:find("/", 1, true) and name or self.prefix .. name, ports = {} }
    self.buses[name] = b
  end
  return b
end

-- attach(bus, host, "10.0.0.1/24"): a new shmif interface of host on bus, up, with the
-- address.  Returns the interface name.
function Net:attach(b, h, addr)
  if type(b) == "string" then b = self:bus(b) end
  if type(b) ~= "table" or not b.id then error("bad argument #1 to 'attach' (bus expected)", 2) end
  h = hostof(self, h, "attach", 2)
  local ifn = "shmif" .. h.nif
  local ok, e = h.cfg:create(ifn)
  if not ok then return nil, e end
  h.nif = h.nif + 1
  ok, e = h.cfg:attach(ifn, b.id)
  if not ok then return nil, e end
  ok, e = h.cfg:up(ifn)
  if not ok then return nil, e end
  if type(addr) == "table" then     -- several (dual stack): { "10.0.0.1/24", "2001:db8::1/64" }
    for _, a in ipairs(addr) do
      ok, e = h.cfg:address(ifn, a)
      if not ok then return nil, e end
    end
  elseif addr then
    ok, e = h.cfg:address(ifn, addr)
    if not ok then return nil, e end
  end
  b.ports[#b.ports + 1] = { host = h, ifname = ifn, addr = addr }
  return ifn
end

-- link(a, b, addra, addrb): a bus of its own between two hosts.
function Net:link(a, b, addra, addrb)
  a, b = hostof(self, a, "link", 1), hostof(self, b, "link", 2)
  self.nlinks = (self.nlinks or 0) + 1
  local bus = self:bus("link" .. self.nlinks .. "-" .. a.name .. "-" .. b.name)
  local ia, e = self:attach(bus, a, addra)
  if not ia then return nil, e end
  local ib, e2 = self:attach(bus, b, addrb)
  if not ib then return nil, e2 end
  return bus, ia, ib
end

-- tap(host, tapname, "10.0.0.1/24" [, opts]): a net.virtif interface (virtN) of host on
-- the Linux tap device tapname, up, with the address (NetBSD's virtif: SIOCIFCREATE virtN,
-- SIOCSLINKSTR tapname).  The tap is opened, and made if it does not exist, in the network
-- namespace of the calling thread, or in opts.netns: anything with a run(fn) method (a
-- syscall.linux.netns object, a rump.hostnet host), which the thread enters for that one
-- ioctl.  The Linux side (its address, up) is the caller's.  The kernel needs net.virtif:
-- rnet.new{ components = { "net.virtif" } }.  Returns the interface name (docs/virtif.md).
function Net:tap(h, tapname, addr, opts)
  h = hostof(self, h, "tap", 1)
  if type(tapname) ~= "string" or #tapname == 0 then argerr("tap", 2, "tap device name", tapname) end
  if addr ~= nil and type(addr) ~= "string" then argerr("tap", 3, "address string or nil", addr) end
  if opts ~= nil and type(opts) ~= "table" then argerr("tap", 4, "table", opts) end
  opts = opts or {}
  local ns = opts.netns
  if ns ~= nil and (type(ns) ~= "table" or type(ns.run) ~= "function") then
    error("bad argument #4 to 'tap' (netns: an object with a run method expected)", 2)
  end
  local ifn = "virt" .. (h.nvirt or 0)
  local ok, e = h.cfg:create(ifn)
  if not ok then return nil, e end
  h.nvirt = (h.nvirt or 0) + 1
  if ns then
    ok, e = ns:run(function() return h.cfg:attach(ifn, tapname) end)
  else
    ok, e = h.cfg:attach(ifn, tapname)
  end
  if not ok then h.cfg:destroy(ifn); return nil, e end
  ok, e = h.cfg:up(ifn)
  if not ok then return nil, e end
  if addr then
    ok, e = h.cfg:address(ifn, addr)
    if not ok then return nil, e end
  end
  return ifn
end

-- Host conveniences: the configuration calls of its kernel.
function Host:route(dst, gw, opts) return self.cfg:route_add(dst, gw, opts) end
function Host:route_delete(dst) return self.cfg:route_delete(dst) end
function Host:route_get(dst) return self.cfg:route_get(dst) end
function Host:routes() return self.cfg:routes() end
function Host:interfaces() return self.cfg:interfaces() end
function Host:iface(name) return self.cfg:iface(name) end
function Host:addr(ifn, addr) return self.cfg:address(ifn, addr) end
function Host:forwarding(on) return self.cfg:forwarding(on) end
function Host:sysctl(...) return self.S.sysctl(...) end
function Host:socket(...) return self.S.socket(...) end
-- The first IPv4 address of the host's interface ifname (default shmif0), as text.
function Host:address(ifn)
  local i, e = self.cfg:iface(ifn or "shmif0")
  if not i then return nil, e end
  return i.inet[1] and i.inet[1].addr
end

-- The echo reply on the non-blocking raw socket s, waiting up to wait ms (polling every
-- 100 ms): the results of match(pkt, from) for the first datagram it takes, or nil, err
-- (ETIMEDOUT when none came); s is closed.
local function echo_wait(S, s, wait, match)
  local waited = 0
  while true do
    local pkt, e, from = S.recvfrom(s, nil, 2048)
    if pkt then
      local a, b = match(pkt, from)
      if a then s:close(); return a, b end
    elseif not e.AGAIN then
      s:close(); return nil, e
    elseif waited >= wait then
      s:close(); return nil, S.t.error(S.c.E.TIMEDOUT)
    else
      S.poll({ { fd = s, events = "in" } }, 100)
      waited = waited + 100
    end
  end
end

-- ping(dst [, opts]): one ICMP echo request over a raw socket of the host's kernel, as
-- ping(8) does.  Returns the reply's source address (text) and the reply's TTL, or nil and an
-- error: the socket's error, or ETIMEDOUT when no reply came within opts.wait ms (default
-- 1000; the wait is a poll() inside the kernel, so deferred work such as ARP retries runs).
-- opts: id, seq, data (payload string), wait.
local function cksum(str)
  local sum = 0
  for i = 1, #str - 1, 2 do sum = sum + str:byte(i) * 256 + str:byte(i + 1) end
  if #str % 2 == 1 then sum = sum + str:byte(#str) * 256 end
  while sum > 0xffff do sum = (sum % 0x10000) + math.floor(sum / 0x10000) end
  return 0xffff - sum
end
M.cksum = cksum
function M.echo_request(id, seq, data)
  local body = string.char(math.floor(id / 256) % 256, id % 256, math.floor(seq / 256) % 256, seq % 256) .. data
  local ck = cksum(string.char(8, 0, 0, 0) .. body)
  return string.char(8, 0, math.floor(ck / 256), ck % 256) .. body
end
function Host:ping(dst, opts)
  if type(dst) ~= "string" then argerr("ping", 1, "address", dst) end
  if is6(dst) then return self:ping6(dst, opts) end
  opts = opts or {}
  local S = self.S
  local id, seq, data = opts.id or 0x7275, opts.seq or 1, opts.data or "rumpus"
  local sa = S.t.sockaddr_in(0, dst)
  local s, e = S.socket("inet", "raw, nonblock", "icmp")
  if not s then return nil, e end
  local ok, e2 = S.sendto(s, M.echo_request(id, seq, data), nil, 0, sa)
  if not ok then s:close(); return nil, e2 end
  return echo_wait(S, s, opts.wait or 1000, function(pkt, from)
    local hl = (pkt:byte(1) % 16) * 4
    local icmp = pkt:sub(hl + 1)
    if icmp:byte(1) == 0 and icmp:byte(5) * 256 + icmp:byte(6) == id and icmp:byte(7) * 256 + icmp:byte(8) == seq then
      return tostring(from.addr), pkt:byte(9)
    end
  end)
end

-- ping6(dst [, opts]): one ICMPv6 echo request on a raw IPPROTO_ICMPV6 socket (the kernel
-- fills in the checksum), as ping6(8).  Returns the reply's source (text), or nil, err as
-- ping.  dst "fe80::1%shmif0" names the interface of a link-local address.
function Host:ping6(dst, opts)
  if type(dst) ~= "string" then argerr("ping6", 1, "address", dst) end
  opts = opts or {}
  local S = self.S
  local n, _, scope = self.cfg:_prefix6(dst, "ping6", 1, 128)
  if not n then return nil, _ end
  local id, seq, data = opts.id or 0x7275, opts.seq or 1, opts.data or "rumpus"
  local s, e = S.socket("inet6", "raw, nonblock", c.IPPROTO.IPV6_ICMP)
  if not s then return nil, e end
  local sa = S.t.sockaddr_in6(0, tostring(n), 0, scope)
  local req = string.char(128, 0, 0, 0, math.floor(id / 256) % 256, id % 256, math.floor(seq / 256) % 256, seq % 256) .. data
  local ok, e2 = S.sendto(s, req, nil, 0, sa)
  if not ok then s:close(); return nil, e2 end
  return echo_wait(S, s, opts.wait or 1000, function(pkt, from)
    if pkt:byte(1) == 129 and pkt:byte(5) * 256 + pkt:byte(6) == id and pkt:byte(7) * 256 + pkt:byte(8) == seq then
      return tostring(from.addr)
    end
  end)
end
function Host:linklocal(ifn) return self.cfg:linklocal(ifn or "shmif0") end
-- dad_wait([ms]): waits (polling, default at most 5000 ms) until no IPv6 address given to
-- the network's interfaces is tentative any more (duplicate address detection takes a
-- second).  Returns true, or nil and the first address still tentative or duplicated.
function Net:dad_wait(ms)
  local left = ms or 5000
  while true do
    local pending
    for _, b in pairs(self.buses) do
      for _, p in ipairs(b.ports) do
        local list = type(p.addr) == "table" and p.addr or { p.addr }
        for _, a in ipairs(list) do
          if is6(a) then
            local f = p.host.cfg:aflags(p.ifname, (a:gsub("/%d+$", "")))
            if f and (f.tentative or f.duplicated) then pending = pending or { p, a, f } end
          end
        end
      end
    end
    if not pending then return true end
    if pending[3].duplicated or left <= 0 then return nil, pending[2] end
    local S = pending[1].host.S
    S.poll({}, 100)
    left = left - 100
  end
end
function Host:neighbor(ifn, addr) return self.cfg:neighbor(ifn, addr) end
function Host:forwarding6(on) return self.cfg:forwarding6(on) end
function Host:routes6() return self.cfg:routes6() end

-- pcap(bus, path): capture every frame on the bus into a pcap file (tcpdump, tshark read it);
-- pcap(bus, nil) stops.  The bus is the hub itself, outside every kernel: this is the one
-- call here that is not a system call of a kernel.
local pcapdecl = false
function M.pcap(busid, path)
  if type(busid) ~= "string" then argerr("pcap", 1, "bus name", busid) end
  if path ~= nil and type(path) ~= "string" then argerr("pcap", 2, "path or nil", path) end
  local L = rump.library()
  if not pcapdecl then
    ffi.cdef "int rumpus_bus_pcap(const char *bus, const char *path);"
    pcapdecl = true
  end
  local e = L.rumpus_bus_pcap(busid, path)
  if e ~= 0 then return nil, require "syscall.netbsd.types".t.error(e) end
  return true
end
function Net:pcap(b, path)
  if type(b) == "string" then b = self:bus(b) end
  if type(b) ~= "table" or not b.id then error("bad argument #1 to 'pcap' (bus expected)", 2) end
  return M.pcap(b.id, path)
end

-- Impaired links (docs/net.md, "Impaired links") ---------------------------------------------
--
--   rnet.impair(busid, { loss = 0.05, delay = 10, jitter = 2, reorder = 0.25, gap = 5 })
--   rnet.impair(busid, { partition = "hold" }, "b2:a0:00:00:00:01")  -- that port's frames only
--   rnet.impair(busid, {})                                           -- off
--   net:impair("lan", { duplicate = 0.01 }, "a")                     -- host a's port on lan
--
-- Settings (a call replaces the whole setting): loss, duplicate, corrupt, reorder (0..1);
-- ge = { p =, r = (1-p), bad_loss = (1), good_loss = (0) } (Gilbert-Elliott loss instead of
-- loss); delay, jitter (milliseconds, fractions allowed); dist ("uniform" or "normal");
-- rate (bits per second); limit (frames held at most, default 1000); gap (reorder's);
-- partition (false, "drop" or "hold"); drop_held (ending a hold drops what it held).
-- Returns true, or nil and an error (ENOENT: no such bus).  impair_stats(busid [, port])
-- gives the counters: frames, delivered, lost, duplicated, corrupted, reordered, delayed,
-- queue_drops, held, held_dropped, queued.
local impair_declared = false
local function impair_lib()
  local L = rump.library()
  if not impair_declared then
    ffi.cdef [[
struct rumpus_impair {
	int loss_model; double loss; double ge_p, ge_r; double ge_bad_loss, ge_good_loss;
	uint64_t delay_ns, jitter_ns; int delay_dist; uint64_t rate_bps; unsigned limit;
	double duplicate; double reorder; unsigned gap; double corrupt; int partition; int drop_held;
};
struct rumpus_impair_stats {
	uint64_t frames, delivered, lost, duplicated, corrupted, reordered, delayed, queue_drops,
	    held, held_dropped, queued;
};
int rumpus_bus_impair(const char *bus, const uint8_t *port_mac, const struct rumpus_impair *im);
int rumpus_bus_impair_get(const char *bus, const uint8_t *port_mac, struct rumpus_impair *im,
    struct rumpus_impair_stats *st);
]]
    impair_declared = true
  end
  return L
end

local function impair_mac(fname, n, port)
  if port == nil then return nil end
  if type(port) ~= "string" then argerr(fname, n, "MAC address or nil", port) end
  local b = {}
  if #port == 6 and not port:find(":") then
    for i = 1, 6 do b[i] = port:byte(i) end
  else
    for x in port:gmatch("[^:]+") do
      if not x:match("^%x%x?$") then b = {}; break end
      b[#b + 1] = tonumber(x, 16)
    end
  end
  if #b ~= 6 then error("bad argument #" .. n .. " to '" .. fname .. "' (MAC address expected, got '" .. port .. "')", 3) end
  return ffi.new("uint8_t[6]", b)
end

local impair_keys = { loss = true, ge = true, delay = true, jitter = true, dist = true, rate = true,
  limit = true, duplicate = true, reorder = true, gap = true, corrupt = true, partition = true,
  drop_held = true }

local function impair_struct(fname, opts)
  if type(opts) ~= "table" then argerr(fname, 2, "table of settings", opts) end
  local function bad(key, what, v)
    error("bad argument #2 to '" .. fname .. "' (" .. key .. ": " .. what .. " expected, got " .. tostring(v) .. ")", 4)
  end
  for k in pairs(opts) do
    if not impair_keys[k] then error("bad argument #2 to '" .. fname .. "' (unknown setting '" .. tostring(k) .. "')", 3) end
  end
  local function prob(key, v)
    if v == nil then return 0 end
    if type(v) ~= "number" or not (v >= 0 and v <= 1) then bad(key, "probability 0..1", v) end
    return v
  end
  local function count(key, v, max)
    if v == nil then return 0 end
    if type(v) ~= "number" or v ~= math.floor(v) or v < 0 or v > max then bad(key, "integer 0.." .. max, v) end
    return v
  end
  local function ms(key, v)
    if v == nil then return 0 end
    if type(v) ~= "number" or not (v >= 0 and v <= 3600000) then bad(key, "milliseconds 0..3600000", v) end
    return math.floor(v * 1000000 + 0.5)
  end
  local im = ffi.new("struct rumpus_impair")
  im.loss = prob("loss", opts.loss)
  if opts.ge ~= nil then
    local ge = opts.ge
    if type(ge) ~= "table" then bad("ge", "table { p, r, bad_loss, good_loss }", ge) end
    if opts.loss ~= nil then bad("loss", "nil with ge", opts.loss) end
    im.loss_model = 1
    im.ge_p = prob("ge.p", ge.p)
    im.ge_r = ge.r == nil and 1 - im.ge_p or prob("ge.r", ge.r)
    im.ge_bad_loss = ge.bad_loss == nil and 1 or prob("ge.bad_loss", ge.bad_loss)
    im.ge_good_loss = prob("ge.good_loss", ge.good_loss)
  end
  im.delay_ns = ms("delay", opts.delay)
  im.jitter_ns = ms("jitter", opts.jitter)
  if opts.dist ~= nil and opts.dist ~= "uniform" and opts.dist ~= "normal" then bad("dist", "'uniform' or 'normal'", opts.dist) end
  im.delay_dist = opts.dist == "normal" and 1 or 0
  im.rate_bps = count("rate", opts.rate, 2 ^ 53)
  im.limit = count("limit", opts.limit, 1000000)
  im.duplicate = prob("duplicate", opts.duplicate)
  im.reorder = prob("reorder", opts.reorder)
  im.gap = count("gap", opts.gap, 2 ^ 31)
  im.corrupt = prob("corrupt", opts.corrupt)
  local part = opts.partition
  if part == nil or part == false then im.partition = 0
  elseif part == "drop" then im.partition = 1
  elseif part == "hold" then im.partition = 2
  else bad("partition", "false, 'drop' or 'hold'", part) end
  if opts.drop_held ~= nil and type(opts.drop_held) ~= "boolean" then bad("drop_held", "boolean", opts.drop_held) end
  im.drop_held = opts.drop_held and 1 or 0
  return im
end

function M.impair(busid, opts, port)
  if type(busid) ~= "string" then argerr("impair", 1, "bus name", busid) end
  impair_lib()
  local im = impair_struct("impair", opts)
  local mac = impair_mac("impair", 3, port)
  local e = impair_lib().rumpus_bus_impair(busid, mac, im)
  if e ~= 0 then return nil, require "syscall.netbsd.types".t.error(e) end
  return true
end

local stat_names = { "frames", "delivered", "lost", "duplicated", "corrupted", "reordered", "delayed",
  "queue_drops", "held", "held_dropped", "queued" }
function M.impair_stats(busid, port)
  if type(busid) ~= "string" then argerr("impair_stats", 1, "bus name", busid) end
  local mac = impair_mac("impair_stats", 2, port)
  local st = ffi.new("struct rumpus_impair_stats")
  local e = impair_lib().rumpus_bus_impair_get(busid, mac, nil, st)
  if e ~= 0 then return nil, require "syscall.netbsd.types".t.error(e) end
  local r = {}
  for _, n in ipairs(stat_names) do r[n] = tonumber(st[n]) end
  return r
end

-- The MAC of host h's interface on bus b (a bus of the network).
local function net_port(net, b, port, fname)
  if port == nil or (type(port) == "string" and port:find(":")) then return port end
  local h = hostof(net, port, fname, 3)
  for _, p in ipairs(b.ports) do
    if p.host == h then
      local i, e = h.cfg:iface(p.ifname)
      if not i then return nil, e end
      return i.mac
    end
  end
  error("bad argument #3 to '" .. fname .. "' (host '" .. h.name .. "' has no port on bus '" .. b.name .. "')", 3)
end

-- net:impair(bus, opts [, host or MAC]): rnet.impair on a bus of this network; with a host,
-- only the frames its interface on that bus sends.
function Net:impair(b, opts, port)
  if type(b) == "string" then b = self:bus(b) end
  if type(b) ~= "table" or not b.id then error("bad argument #1 to 'impair' (bus expected)", 2) end
  impair_lib()
  local im = impair_struct("impair", opts)
  local mac, e = net_port(self, b, port, "impair")
  if e then return nil, e end
  local macp = impair_mac("impair", 3, mac)
  local r = impair_lib().rumpus_bus_impair(b.id, macp, im)
  if r ~= 0 then return nil, require "syscall.netbsd.types".t.error(r) end
  return true
end
function Net:impair_stats(b, port)
  if type(b) == "string" then b = self:bus(b) end
  if type(b) ~= "table" or not b.id then error("bad argument #1 to 'impair_stats' (bus expected)", 2) end
  local mac, e = net_port(self, b, port, "impair_stats")
  if e then return nil, e end
  return M.impair_stats(b.id, mac)
end

-- destroy(): every kernel of the network, in reverse order; idempotent.
-- Destroys every kernel of the network, last made first.  A kernel destroyed by hand
-- already is skipped; one that cannot be destroyed now (EBUSY: another thread uses it) stays
-- in the network, the others go, and the first error is returned (nil, err); a later
-- destroy() tries the rest again.
function Net:destroy()
  local left, first = {}, nil
  for i = #self.order, 1, -1 do
    local h = self.order[i]
    if not h.kernel.dead then
      h.cfg:close()
      local ok, e = h.kernel:destroy()
      if not ok then
        table.insert(left, 1, h)
        first = first or e
      end
    end
  end
  self.order = left
  self.hosts, self.buses = {}, {}
  for _, h in ipairs(left) do self.hosts[h.name] = h end
  if first then return nil, first end
  return true
end
Net.close = Net.destroy

-- build(spec [, opts]): hosts, routers, links, buses, routes in one go, as rump.hostnet's:
--   { hosts = { "a" }, routers = { "r" }, links = { { "a", "r", "10.1.0.1/24", "10.1.0.2/24" } },
--     buses = { lan = { { "a", "10.3.0.1/24" }, { "b", "10.3.0.2/24" } } },
--     routes = { a = { { "default", "10.1.0.2" }, { "10.9.0.0/16", "10.1.0.2", { reject = true } } } } }
-- On failure everything made so far is destroyed and nil, err, "<step>" is returned.
local function mentions6(v, depth)
  if is6(v) then return true end
  if type(v) == "table" and depth < 6 then
    for k, x in pairs(v) do if mentions6(x, depth + 1) or mentions6(k, depth + 1) then return true end end
  end
  return false
end
function M.build(spec, opts)
  if type(spec) ~= "table" then argerr("build", 1, "table", spec) end
  if opts ~= nil and type(opts) ~= "table" then argerr("build", 2, "table", opts) end
  if mentions6(spec, 0) and not (opts and opts.inet6) then   -- IPv6 addresses: net.netinet6
    local o = {}
    for k, v in pairs(opts or {}) do o[k] = v end
    o.inet6 = true
    opts = o
  end
  local net = M.new(opts)
  local ok, r1 = topology.run(net, spec, function(_, sp, step)
    local names = {}
    for name in pairs(sp.buses or {}) do names[#names + 1] = name end
    table.sort(names)
    for _, name in ipairs(names) do
      local b = net:bus(name)
      for _, p in ipairs(sp.buses[name]) do
        step("attach " .. tostring(p[1]) .. " to " .. name, net:attach(b, p[1], p[2]))
      end
    end
  end)
  if ok then return r1 end
  net:destroy()
  if type(r1) == "table" and r1.what then return nil, r1.err, r1.what end
  error(r1, 0)
end

-- line(n [, opts]): h1 - h2 - ... - hn, the inner ones routers, link i on 10.<base+i>.0.0/24
-- (base 100), .1 on the left host and .2 on the right; every host routed to every link.
-- opts.inet6: dual stack, link i also on 2001:db8:<base+i in hex>::/64 (::1 left, ::2 right),
-- routed the same way.
function M.line(n, opts)
  if type(n) ~= "number" or n < 2 then argerr("line", 1, "number >= 2", n) end
  opts = opts or {}
  local base = opts.base or 100
  local spec = topology.linespec(n, base)
  if opts.inet6 then
    local function p6(j) return string.format("2001:db8:%x::", base + j) end
    for i, l in ipairs(spec.links) do
      l[3], l[4] = { l[3], p6(i) .. "1/64" }, { l[4], p6(i) .. "2/64" }
    end
    for i = 1, n do
      local rs = spec.routes["h" .. i] or {}
      for j = 1, n - 1 do
        if j < i - 1 then rs[#rs + 1] = { p6(j) .. "/64", p6(i - 1) .. "1" }
        elseif j > i then rs[#rs + 1] = { p6(j) .. "/64", p6(i) .. "2" } end
      end
      if #rs > 0 then spec.routes["h" .. i] = rs end
    end
  end
  return M.build(spec, opts)
end

-- NetBSD's netconfig calls ---------------------------------------------------------------------
--
--   local nc = rnet.netconfig(k)      -- a kernel (or its k.S)
--   assert(nc:ifcreate("shmif0")); assert(nc:ifsetlinkstr("shmif0", "bus1"))
--   assert(nc:ipv4_ifaddr("shmif0", "10.0.0.1", "255.255.255.0"))   -- also brings it up
--   assert(nc:ipv4_gw("10.0.0.254"))
--
-- Each call makes k the thread's current kernel, calls librumpus' rump_pub_netconfig_* (C,
-- csrc/netconfig/: the same socket ioctls and PF_ROUTE message, made as k's current lwp),
-- puts the previous kernel back and returns true or nil, err (a NetBSD error object).  The
-- C names are declared as rumpus_nc_* (asm labels), leaving NetBSD's own names free in
-- the FFI namespace for a NetBSD binding.

local nc_calls = {
  -- method = { C symbol, argument kinds ("s" string, "i" integer) }
  ifcreate = { "rump_pub_netconfig_ifcreate", "s" },
  ifdestroy = { "rump_pub_netconfig_ifdestroy", "s" },
  ifup = { "rump_pub_netconfig_ifup", "s" },
  ifdown = { "rump_pub_netconfig_ifdown", "s" },
  ifsetlinkstr = { "rump_pub_netconfig_ifsetlinkstr", "ss" },
  ipv4_ifaddr = { "rump_pub_netconfig_ipv4_ifaddr", "sss" },
  ipv4_ifaddr_cidr = { "rump_pub_netconfig_ipv4_ifaddr_cidr", "ssi" },
  ipv4_gw = { "rump_pub_netconfig_ipv4_gw", "s" },
}
local nc_argname = { ifcreate = { "ifname" }, ifdestroy = { "ifname" }, ifup = { "ifname" },
  ifdown = { "ifname" }, ifsetlinkstr = { "ifname", "linkstr" },
  ipv4_ifaddr = { "ifname", "addr", "mask" }, ipv4_ifaddr_cidr = { "ifname", "addr", "prefixlen" },
  ipv4_gw = { "gw" } }
local nc_declared = false
local function nc_lib()
  local L = rump.library()
  if not nc_declared then
    local d = {}
    for name, e in pairs(nc_calls) do
      local args = {}
      for i = 1, #e[2] do args[i] = e[2]:sub(i, i) == "s" and "const char *" or "int" end
      d[#d + 1] = "int rumpus_nc_" .. name .. "(" .. table.concat(args, ", ") .. ') __asm__("' .. e[1] .. '");'
    end
    ffi.cdef(table.concat(d, "\n"))
    nc_declared = true
  end
  return L
end

local NC = {}
NC.__index = NC

-- netconfig(k): NetBSD's interface configuration calls acting on kernel k.
function M.netconfig(k)
  if type(k) == "table" and type(k.S) == "table" and k.ptr ~= nil then
    -- a kernel
  elseif type(k) == "table" and type(k.kernel) == "table" and k.kernel.ptr ~= nil then
    k = k.kernel            -- its syscall table
  else
    argerr("netconfig", 1, "kernel", k)
  end
  nc_lib()
  return setmetatable({ kernel = k }, NC)
end

for name, e in pairs(nc_calls) do
  local kinds, cname = e[2], "rumpus_nc_" .. name
  NC[name] = function(self, ...)
    if getmetatable(self) ~= NC then
      error("bad argument #1 to '" .. name .. "' (netconfig object expected; call it as nc:" .. name .. "(...))", 2)
    end
    local args = { ... }
    for i = 1, #kinds do
      local v, kind = args[i], kinds:sub(i, i)
      if kind == "s" and type(v) ~= "string" then
        error("bad argument #" .. i .. " to '" .. name .. "' (" .. nc_argname[name][i] .. ": string expected, got " .. type(v) .. ")", 2)
      elseif kind == "i" and (type(v) ~= "number" or v ~= math.floor(v) or v < -2147483648 or v > 2147483647) then
        error("bad argument #" .. i .. " to '" .. name .. "' (" .. nc_argname[name][i] .. ": integer expected, got " .. tostring(v) .. ")", 2)
      end
    end
    local k = self.kernel
    if k.dead then error("netconfig: " .. name .. " on a destroyed kernel", 2) end
    local L = rump.library()
    local prev = L.rumpus_kernel_current()
    L.rumpus_kernel_switch(k.ptr)
    local r = tonumber(L[cname](unpack_(args, 1, #kinds)))
    L.rumpus_kernel_switch(prev)
    if r ~= 0 then return nil, require "syscall.netbsd.types".t.error(r) end
    return true
  end
end

return M
