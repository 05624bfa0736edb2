-- NetBSD's netconfig calls from Lua (rump.net's netconfig): two kernels configured with
-- nothing else exchange UDP over a bus, and through a router by their default routes;
-- kernel errors come back as nil, err; wrong argument types raise errors naming them.
local T = require "rump.test"
local rump = require "rump"
local rnet = require "rump.net"
local bit = require "syscall.bit"

local function boot(name)
  local k = rump.kernel{ "net.netinet", "net.shmif", hostname = name }
  T.defer(function() k:destroy() end)
  return k
end
local function udp(S, port)
  local s = assert(S.socket("inet", "dgram, nonblock"))
  assert(S.bind(s, S.t.sockaddr_in(port)))
  return s
end

T.case("two kernels configured with netconfig only exchange UDP over a bus", function()
  local a, b = boot("a"), boot("b")
  local na, nb = rnet.netconfig(a), rnet.netconfig(b.S)
  T.ok(na:ifcreate("shmif0"))
  T.ok(na:ifsetlinkstr("shmif0", "lua-nc-bus"))
  T.ok(na:ipv4_ifaddr("shmif0", "10.61.0.1", "255.255.255.0"))
  T.ok(nb:ifcreate("shmif0"))
  T.ok(nb:ifsetlinkstr("shmif0", "lua-nc-bus"))
  T.ok(nb:ifup("shmif0"))
  T.ok(nb:ipv4_ifaddr_cidr("shmif0", "10.61.0.2", 24))
  -- what the calls did, read back through each kernel's own syscalls
  local ia = assert(rnet.config(a):iface("shmif0"))
  T.ok(ia.up, "an address brings the interface up, as on NetBSD")
  T.eq(ia.inet[1].addr, "10.61.0.1"); T.eq(ia.inet[1].prefixlen, 24)
  T.eq(assert(rnet.config(b):iface("shmif0")).inet[1].addr, "10.61.0.2")

  local sa, sb = udp(a.S, 6100), udp(b.S, 6200)
  T.eq(a.S.sendto(sa, "to b", nil, 0, a.S.t.sockaddr_in(6200, "10.61.0.2")), 4)
  local data, _, from = b.S.recvfrom(sb)
  T.eq(data, "to b"); T.eq(tostring(from.addr), "10.61.0.1")
  T.eq(b.S.sendto(sb, "to a", nil, 0, from), 4)
  T.eq((a.S.recvfrom(sa)), "to a")

  T.ok(nb:ifdown("shmif0"))
  T.eq(assert(rnet.config(b):iface("shmif0")).up, false)
  a.S.sendto(sa, "lost", nil, 0, a.S.t.sockaddr_in(6200, "10.61.0.2"))
  T.fails("AGAIN", b.S.recvfrom(sb))
  T.ok(nb:ifup("shmif0"))
  T.ok(nb:ifdestroy("shmif0"))
  T.eq(rnet.config(b):iface("shmif0"), nil)
  sa:close(); sb:close()
end)

T.case("a default route from ipv4_gw carries UDP through a router kernel", function()
  -- Seeded, on the virtual clock: the deterministic mode (docs/race.md), so the reply is
  -- run on this thread before sendto returns, never left to hyper's scheduler thread
  -- (which made this case flaky on a loaded machine).
  local was, seed = rump.clock.virtual(true), rump.seed()
  T.defer(function() rump.seed(seed); rump.clock.virtual(was) end)
  rump.seed(62)
  local a, r, b = boot("a"), boot("r"), boot("b")
  local na, nr, nb = rnet.netconfig(a), rnet.netconfig(r), rnet.netconfig(b)
  assert(nr:ifcreate("shmif0")); assert(nr:ifsetlinkstr("shmif0", "lua-nc-l"))
  assert(nr:ipv4_ifaddr_cidr("shmif0", "10.62.1.1", 24))
  assert(nr:ifcreate("shmif1")); assert(nr:ifsetlinkstr("shmif1", "lua-nc-r"))
  assert(nr:ipv4_ifaddr_cidr("shmif1", "10.62.2.1", 24))
  assert(rnet.config(r):forwarding(true))
  assert(na:ifcreate("shmif0")); assert(na:ifsetlinkstr("shmif0", "lua-nc-l"))
  assert(na:ipv4_ifaddr_cidr("shmif0", "10.62.1.2", 24))
  assert(nb:ifcreate("shmif0")); assert(nb:ifsetlinkstr("shmif0", "lua-nc-r"))
  assert(nb:ipv4_ifaddr_cidr("shmif0", "10.62.2.2", 24))
  T.ok(na:ipv4_gw("10.62.1.1"))
  T.ok(nb:ipv4_gw("10.62.2.1"))
  T.eq(assert(rnet.config(a):route_get("10.62.2.2")).gateway, "10.62.1.1")
  T.fails("EXIST", na:ipv4_gw("10.62.1.1"))
  local sa, sb = udp(a.S, 6300), udp(b.S, 6400)
  T.eq(a.S.sendto(sa, "across", nil, 0, a.S.t.sockaddr_in(6400, "10.62.2.2")), 6)
  local data, _, from = b.S.recvfrom(sb)
  T.eq(data, "across"); T.eq(tostring(from.addr), "10.62.1.2")
  T.eq(b.S.sendto(sb, "back", nil, 0, from), 4)
  T.eq((a.S.recvfrom(sa)), "back")
  sa:close(); sb:close()
end)

T.case("kernel errors are nil, err with NetBSD's errno; the current kernel is put back", function()
  local k, other = boot("k"), boot("o")
  local nc = rnet.netconfig(k)
  local e
  _, e = nc:ifup("shmif9"); T.ok(e and e.NXIO, "unknown interface: ENXIO"); T.eq(e.errno, 6)
  T.fails("NXIO", nc:ipv4_ifaddr("shmif9", "10.0.0.1", "255.0.0.0"))
  T.fails("INVAL", nc:ifcreate("bogus0"))
  assert(nc:ifcreate("shmif0"))
  T.fails("EXIST", nc:ifcreate("shmif0"))
  T.fails("INVAL", nc:ipv4_ifaddr("shmif0", "10.0.0.300", "255.0.0.0"))
  T.fails("INVAL", nc:ipv4_ifaddr("shmif0", "10.0.0.1", "255.0.255.0"))
  T.fails("INVAL", nc:ipv4_ifaddr_cidr("shmif0", "10.0.0.1", 33))
  T.fails("INVAL", nc:ipv4_gw("gateway"))
  T.fails("NETUNREACH", nc:ipv4_gw("10.9.9.9"))
  T.fails("INVAL", nc:ifsetlinkstr("shmif0", ""))
  -- the calls went to k only, and other is current again afterwards
  local ffi = require "syscall.ffi"
  local L = rump.library()
  local function addr(p) return tonumber(ffi.cast("uintptr_t", p)) end
  T.ok(other.S.getpid())           -- makes other current
  T.eq(addr(L.rumpus_kernel_current()), addr(other.ptr))
  T.ok(nc:ifcreate("shmif1"))
  T.eq(addr(L.rumpus_kernel_current()), addr(other.ptr), "the previous kernel is current again")
  T.eq(rnet.config(other):iface("shmif1"), nil, "other kernel untouched")
  T.ok(assert(rnet.config(k):iface("shmif1")), "k has shmif1")
  -- without inet
  local bare = rump.kernel{ "net.shmif" }
  T.defer(function() bare:destroy() end)
  local nbare = rnet.netconfig(bare)
  T.ok(nbare:ifcreate("shmif0"), "ifcreate works without inet")
  T.fails("AFNOSUPPORT", nbare:ipv4_ifaddr_cidr("shmif0", "10.0.0.1", 8))
end)

T.case("wrong argument types raise errors naming the argument", function()
  local k = boot("k")
  local nc = rnet.netconfig(k)
  T.err(function() rnet.netconfig(nil) end, "bad argument #1 to 'netconfig'")
  T.err(function() rnet.netconfig("k") end, "kernel expected")
  T.err(function() nc:ifcreate(nil) end, "bad argument #1 to 'ifcreate' %(ifname: string expected")
  T.err(function() nc:ifsetlinkstr("shmif0", 5) end, "bad argument #2 to 'ifsetlinkstr' %(linkstr")
  T.err(function() nc:ipv4_ifaddr("shmif0", "10.0.0.1") end, "bad argument #3 to 'ipv4_ifaddr' %(mask")
  T.err(function() nc:ipv4_ifaddr_cidr("shmif0", "10.0.0.1", "24") end, "prefixlen: integer expected")
  T.err(function() nc:ipv4_ifaddr_cidr("shmif0", "10.0.0.1", 2.5) end, "prefixlen: integer expected")
  T.err(function() nc:ipv4_gw({}) end, "bad argument #1 to 'ipv4_gw' %(gw")
  T.err(function() nc.ifup("shmif0") end, "netconfig object expected")
  k:destroy()
  T.err(function() nc:ifup("shmif0") end, "destroyed kernel")
end)
