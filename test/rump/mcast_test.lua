-- IPv4 multicast from Lua (k.S on rumpus kernels): IP_ADD_MEMBERSHIP / IP_DROP_MEMBERSHIP
-- with t.ip_mreq, IP_MULTICAST_IF / TTL / LOOP, delivery to the members of a group on a
-- bus and to no one else, and NetBSD's errors for bad input.  It passes unchanged on
-- NetBSD's own rump kernels too (RUMPUS_BACKEND=netbsd-remote with RUMPUS_NETBSD_RUMP set),
-- which is how the finer points (errors, wildcard delivery) were checked.
local T = require "rump.test"
local ffi = require "syscall.ffi"

local N = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "shared/net.lua")
local build = N.build

local function udp(S, port)
  local s = assert(S.socket("inet", "dgram, nonblock"))
  if port then
    assert(S.setsockopt(s, "socket", "reuseport", 1))
    assert(S.bind(s, S.t.sockaddr_in(port)))
  end
  return s
end

-- every datagram waiting on s
local function drain(S, s)
  local got = {}
  local buf = S.t.buffer(256)
  while true do
    local n = S.recv(s, buf, 256)
    if not n then break end
    got[#got + 1] = ffi.string(buf, n)
  end
  return got
end

local function lan()
  return build{ hosts = { "a", "b", "c", "n" }, buses = { mlan = {
    { "a", "10.50.0.1/24" }, { "b", "10.50.0.2/24" }, { "c", "10.50.0.3/24" },
    { "n", "10.50.0.4/24" } } } }
end

T.case("t.ip_mreq from a table, and its fields", function()
  local net = lan()
  local S = net.hosts.a.S
  local m = S.t.ip_mreq{ multiaddr = "239.1.2.3", interface = "10.50.0.1" }
  T.eq(tostring(m.imr_multiaddr), "239.1.2.3")
  T.eq(tostring(m.interface), "10.50.0.1")
  T.eq(tostring(S.t.ip_mreq().imr_multiaddr), "0.0.0.0")
  T.err(function() return S.t.ip_mreq{ multiaddr = "nonsense" } end, "not an IPv4 address")
end)

T.case("join, send to the group, members get it, others do not; leave", function()
  local net = lan()
  local a, b, c, n = net.hosts.a.S, net.hosts.b.S, net.hosts.c.S, net.hosts.n.S
  local sb1, sb2, sc, sn = udp(b, 47000), udp(b, 47000), udp(c, 47000), udp(n, 47000)
  T.ok(b.setsockopt(sb1, "ip", "add_membership", { multiaddr = "239.6.6.6", interface = "10.50.0.2" }))
  T.ok(b.setsockopt(sb2, "ip", "add_membership", b.t.ip_mreq{ multiaddr = "239.6.6.6", interface = "10.50.0.2" }))
  T.ok(c.setsockopt(sc, "ip", "add_membership", { multiaddr = "239.6.6.6", interface = "10.50.0.3" }))
  local s = udp(a)
  T.ok(a.setsockopt(s, "ip", "multicast_if", a.t.in_addr("10.50.0.1")))
  T.eq(tostring(a.getsockopt(s, "ip", "multicast_if")), "10.50.0.1", "IP_MULTICAST_IF reads back")
  T.eq(a.getsockopt(s, "ip", "multicast_ttl"), 1, "TTL 1 by default")
  T.eq(a.getsockopt(s, "ip", "multicast_loop"), 1, "loop on by default")
  T.eq(a.sendto(s, "hello", 5, 0, a.t.sockaddr_in(47000, "239.6.6.6")), 5)
  T.eq(#drain(b, sb1), 1, "B's first socket")
  T.eq(#drain(b, sb2), 1, "B's second socket")
  T.eq(drain(c, sc)[1], "hello", "C")
  T.eq(#drain(n, sn), 0, "N did not join: nothing")
  T.ok(b.setsockopt(sb1, "ip", "drop_membership", { multiaddr = "239.6.6.6", interface = "10.50.0.2" }))
  T.ok(b.setsockopt(sb2, "ip", "drop_membership", { multiaddr = "239.6.6.6", interface = "10.50.0.2" }))
  a.sendto(s, "again", 5, 0, a.t.sockaddr_in(47000, "239.6.6.6"))
  T.eq(#drain(b, sb1) + #drain(b, sb2), 0, "B left: nothing")
  T.eq(drain(c, sc)[1], "again", "C still a member")
end)

T.case("loop on and off; TTL set and read back", function()
  local net = lan()
  local a = net.hosts.a.S
  local r = udp(a, 47001)
  T.ok(a.setsockopt(r, "ip", "add_membership", { multiaddr = "239.6.6.7", interface = "10.50.0.1" }))
  local s = udp(a)
  T.ok(a.setsockopt(s, "ip", "multicast_if", a.t.in_addr("10.50.0.1")))
  a.sendto(s, "x", 1, 0, a.t.sockaddr_in(47001, "239.6.6.7"))
  T.eq(#drain(a, r), 1, "the sender's own kernel gets a copy")
  T.ok(a.setsockopt(s, "ip", "multicast_loop", 0))
  T.eq(a.getsockopt(s, "ip", "multicast_loop"), 0)
  a.sendto(s, "x", 1, 0, a.t.sockaddr_in(47001, "239.6.6.7"))
  T.eq(#drain(a, r), 0, "loop off: no copy")
  T.ok(a.setsockopt(s, "ip", "multicast_ttl", 32))
  T.eq(a.getsockopt(s, "ip", "multicast_ttl"), 32)
end)

T.case("bad input: NetBSD's errors", function()
  local net = lan()
  local a = net.hosts.a.S
  local s = udp(a)
  T.fails("INVAL", a.setsockopt(s, "ip", "add_membership", a.t.in_addr("239.1.1.1")))
  T.fails("INVAL", a.setsockopt(s, "ip", "add_membership", { multiaddr = "10.1.1.1", interface = "10.50.0.1" }))
  T.fails("ADDRNOTAVAIL", a.setsockopt(s, "ip", "add_membership", { multiaddr = "239.1.1.1", interface = "10.99.0.1" }))
  T.fails("ADDRNOTAVAIL", a.setsockopt(s, "ip", "drop_membership", { multiaddr = "239.1.1.1", interface = "10.50.0.1" }))
  T.ok(a.setsockopt(s, "ip", "add_membership", { multiaddr = "239.1.1.1", interface = "10.50.0.1" }))
  T.fails("ADDRINUSE", a.setsockopt(s, "ip", "add_membership", { multiaddr = "239.1.1.1", interface = "10.50.0.1" }))
  for i = 2, a.c.IP.MAX_MEMBERSHIPS do
    assert(a.setsockopt(s, "ip", "add_membership", { multiaddr = "239.1.1." .. i, interface = "10.50.0.1" }))
  end
  T.fails("TOOMANYREFS", a.setsockopt(s, "ip", "add_membership", { multiaddr = "239.1.1.99", interface = "10.50.0.1" }))
  T.fails("INVAL", a.setsockopt(s, "ip", "multicast_ttl", 256))
  T.fails("ADDRNOTAVAIL", a.setsockopt(s, "ip", "multicast_if", a.t.in_addr("10.99.0.1")))
  T.err(function() return a.setsockopt(s, "ip", "add_membership", { multiaddr = "x" }) end, "ip_mreq")
end)

T.case("finer points, as NetBSD: no route, wildcard delivery, unknown options", function()
  local net = lan()
  local a, b = net.hosts.a.S, net.hosts.b.S
  local s = udp(a)
  T.fails("ADDRNOTAVAIL", a.setsockopt(s, "ip", "add_membership", { multiaddr = "239.1.1.1", interface = "0.0.0.0" }))
  T.fails("HOSTUNREACH", a.sendto(s, "x", 1, 0, a.t.sockaddr_in(47002, "239.1.1.1")))
  T.fails("OPNOTSUPP", a.getsockopt(s, "ip", "add_membership"))
  T.fails("NOPROTOOPT", a.setsockopt(s, "ip", 70, a.t.buffer(12), 12))
  -- RFC 1724: 0.0.0.N names interface index N (lo0 is 1, the bus interface 2)
  T.ok(a.setsockopt(s, "ip", "multicast_if", a.t.in_addr("0.0.0.1")))
  T.eq(tostring(a.getsockopt(s, "ip", "multicast_if")), "0.0.0.1", "the index form reads back as given")
  T.fails("ADDRNOTAVAIL", a.setsockopt(s, "ip", "multicast_if", a.t.in_addr("0.0.0.99")))
  T.ok(a.setsockopt(s, "ip", "add_membership", { multiaddr = "239.6.6.9", interface = "0.0.0.2" }))
  T.ok(a.setsockopt(s, "ip", "drop_membership", { multiaddr = "239.6.6.9", interface = "10.50.0.1" }),
    "the same membership by address")
  -- TCP sockets take the multicast options too (NetBSD's tcp_ctloutput hands IP options on)
  local t = assert(a.socket("inet", "stream"))
  T.ok(a.setsockopt(t, "ip", "add_membership", { multiaddr = "239.6.6.10", interface = "10.50.0.1" }))
  T.ok(a.setsockopt(t, "ip", "multicast_ttl", 3))
  T.eq(a.getsockopt(t, "ip", "multicast_ttl"), 3)
  T.ok(a.close(t))
  -- a socket of the port that did not join still gets the group's datagrams while another
  -- socket of its kernel keeps the interface in the group
  local member, other = udp(b, 47002), udp(b, 47002)
  T.ok(b.setsockopt(member, "ip", "add_membership", { multiaddr = "239.6.6.8", interface = "10.50.0.2" }))
  T.ok(a.setsockopt(s, "ip", "multicast_if", a.t.in_addr("10.50.0.1")))
  T.eq(a.sendto(s, "y", 1, 0, a.t.sockaddr_in(47002, "239.6.6.8")), 1)
  T.eq(#drain(b, member), 1, "the member")
  T.eq(#drain(b, other), 1, "the other socket of the port")
end)

T.case("lo0 as the multicast interface, sockets bound to a group (as NetBSD)", function()
  local net = lan()
  local a, b = net.hosts.a.S, net.hosts.b.S
  local r = udp(a, 47300)
  T.ok(a.setsockopt(r, "ip", "add_membership", { multiaddr = "239.3.3.3", interface = "127.0.0.1" }))
  local s = udp(a)
  T.ok(a.setsockopt(s, "ip", "multicast_if", a.t.in_addr("127.0.0.1")))
  T.eq(a.sendto(s, "a", 1, 0, a.t.sockaddr_in(47300, "239.3.3.3")), 1)
  T.eq(#drain(a, r), 1, "by lo0: the kernel's own member gets it")
  T.ok(a.setsockopt(s, "ip", "multicast_loop", 0))
  a.sendto(s, "a", 1, 0, a.t.sockaddr_in(47300, "239.3.3.3"))
  T.eq(#drain(a, r), 0, "by lo0 with loop off: nothing")
  -- a socket bound to another group of the port gets nothing; the wildcard one does
  local g = assert(b.socket("inet", "dgram, nonblock"))
  T.ok(b.bind(g, b.t.sockaddr_in(47301, "239.3.3.5")))
  local h = assert(b.socket("inet", "dgram, nonblock"))
  T.ok(b.setsockopt(h, "socket", "reuseaddr", 1))
  T.ok(b.bind(h, b.t.sockaddr_in(47301)))
  T.ok(b.setsockopt(g, "ip", "add_membership", { multiaddr = "239.3.3.4", interface = "10.50.0.2" }))
  local u = udp(a)
  T.ok(a.setsockopt(u, "ip", "multicast_if", a.t.in_addr("10.50.0.1")))
  T.eq(a.sendto(u, "b", 1, 0, a.t.sockaddr_in(47301, "239.3.3.4")), 1)
  T.eq(#drain(b, g), 0, "bound to 239.3.3.5")
  T.eq(#drain(b, h), 1, "bound to the wildcard")
  -- a socket bound to a group sends by route (none here)
  local q = assert(a.socket("inet", "dgram"))
  T.ok(a.bind(q, a.t.sockaddr_in(47302, "239.3.3.6")))
  T.fails("HOSTUNREACH", a.sendto(q, "c", 1, 0, a.t.sockaddr_in(47301, "239.3.3.4")))
end)
