-- IPv6 and dual-stack networks of rumpus kernels from Lua (rump.net with net.netinet6):
-- addresses, link-local addresses and DAD, neighbours, routes, forwarding, ping and UDP over
-- IPv6, and the dual-stack line with IPv4 and IPv6 end to end.
local T = require "rump.test"
local rnet = require "rump.net"

local function build(spec, opts)
  local net, err, step = rnet.build(spec, opts)
  assert(net, tostring(err) .. " at " .. tostring(step))
  T.defer(function() net:destroy() end)
  return net
end

T.case("IPv6 addresses: ready after DAD; link-local from the MAC; neighbours", function()
  local net = build{ hosts = { "a", "b" },
    buses = { lan = { { "a", "2001:db8:1::1/64" }, { "b", "2001:db8:1::2/64" } } } }
  local a, b = net.hosts.a, net.hosts.b
  assert(net:dad_wait())
  local f = assert(a.cfg:aflags("shmif0", "2001:db8:1::1"))
  T.ok(not f.tentative and not f.duplicated, "after DAD it is ready")
  local ll = assert(a:linklocal())
  T.ok(ll:match("^fe80::.*%%shmif0$"), "link-local " .. ll)
  T.ok(not assert(a.cfg:aflags("shmif0", ll)).tentative, "the link-local address is ready too")
  T.eq(a.S.sysctl("net.inet6.ip6.hlim"), 64, "net.inet6.ip6.hlim")
  T.eq(a.S.sysctl("net.inet6.ip6.accept_rtadv"), 0, "SLAAC off by default")
  T.eq(a:forwarding6(), false, "a host does not forward")
  T.eq(a:ping("2001:db8:1::2"), "2001:db8:1::2", "ping6 over the bus")
  T.eq(assert(a:neighbor("shmif0", "2001:db8:1::2")).state, "reachable", "b is a reachable neighbour")
  local bll = assert(b:linklocal())
  T.eq(a:ping(bll), (bll:gsub("%%.*", "")), "ping6 b's link-local address (its %shmif0 is a's too)")
  -- UDP
  local sa = assert(a.S.socket("inet6", "dgram, nonblock"))
  local sb = assert(b.S.socket("inet6", "dgram, nonblock"))
  assert(b.S.bind(sb, b.S.t.sockaddr_in6(7000, "::")))
  T.eq(a.S.sendto(sa, "six", nil, 0, a.S.t.sockaddr_in6(7000, "2001:db8:1::2")), 3)
  local data, err, from = b.S.recvfrom(sb)
  T.eq(data, "six", tostring(err))
  T.eq(tostring(from.addr), "2001:db8:1::1")
  -- a second address, deleted again; a duplicate is caught
  assert(a.cfg:address("shmif0", "2001:db8:9::1/64"))
  assert(a.cfg:deladdress("shmif0", "2001:db8:9::1"))
  T.fails("ADDRNOTAVAIL", a.cfg:aflags("shmif0", "2001:db8:9::1"))
  assert(b.cfg:address("shmif0", "2001:db8:1::1/64"))
  local dup
  for _ = 1, 30 do
    dup = assert(b.cfg:aflags("shmif0", "2001:db8:1::1"))
    if not dup.tentative then break end
    b.S.poll({}, 100)
  end
  T.ok(dup.duplicated, "b's copy of a's address is IN6_IFF_DUPLICATED")
  T.ok(not assert(a.cfg:aflags("shmif0", "2001:db8:1::1")).duplicated, "a keeps it")
end)

T.case("bad IPv6 arguments raise; unknown interfaces and addresses are errors", function()
  local net = build({ hosts = { "a" } }, { inet6 = true })
  local a = net.hosts.a
  T.err(function() a.cfg:address6("shmif0", "2001:db8::zz/64") end, "IPv6 address or prefix expected")
  T.err(function() a.cfg:address6("shmif0", "2001:db8::1/129") end, "IPv6 address or prefix expected")
  T.err(function() a.cfg:address6("shmif0", "2001:db8::1/64", { bogus = true }) end, "unknown flag")
  T.fails("NXIO", a.cfg:address6("nosuch0", "2001:db8::1/64"))
  T.fails("NXIO", a:ping("fe80::1%nosuch0"))
  T.fails("HOSTUNREACH", a:ping("2001:db8:77::1"))
  T.fails("INVAL", a:neighbor("lo0", "::2"))
end)

T.case("dual stack line(3): IPv4 and IPv6 end to end through the router", function()
  local net, err, step = rnet.line(3, { inet6 = true })
  assert(net, tostring(err) .. " at " .. tostring(step))
  T.defer(function() net:destroy() end)
  assert(net:dad_wait())
  local h1, h2, h3 = net.hosts.h1, net.hosts.h2, net.hosts.h3
  T.eq(h2:forwarding(), true, "the router forwards IPv4")
  T.eq(h2:forwarding6(), true, "and IPv6")
  local src, ttl = h1:ping("10.102.0.2")
  T.eq(src, "10.102.0.2", "IPv4 ping across")
  T.eq(ttl, 63, "one hop")
  T.eq(h1:ping("2001:db8:66::2"), "2001:db8:66::2", "IPv6 ping across")
  local r = assert(h1.cfg:route_get("2001:db8:66::2"))
  T.eq(r.gateway, "2001:db8:65::2", "h1's IPv6 route to link 2 goes through h2")
  T.eq(r.prefixlen, 64)
  local found
  for _, x in ipairs(assert(h1:routes6())) do
    if x.dst == "2001:db8:66::" and x.prefixlen == 64 then found = x end
  end
  T.ok(found and found.gateway == "2001:db8:65::2" and found.ifname == "shmif0",
    "routes6() lists it (sysctl net.route.0.inet6.NET_RT_DUMP)")
  local i = assert(h1.cfg:iface("shmif0"))
  local have = {}
  for _, a in ipairs(i.inet6 or {}) do have[a.addr .. "/" .. a.prefixlen] = a end
  T.ok(have["2001:db8:65::1/64"], "interfaces() lists the IPv6 address (NET_RT_IFLIST)")
  T.eq(i.inet[1].addr, "10.101.0.1", "and the IPv4 one")
  -- UDP over IPv6 across the router
  local s1 = assert(h1.S.socket("inet6", "dgram, nonblock"))
  local s3 = assert(h3.S.socket("inet6", "dgram, nonblock"))
  assert(h3.S.bind(s3, h3.S.t.sockaddr_in6(9000, "::")))
  T.eq(h1.S.sendto(s1, "across", nil, 0, h1.S.t.sockaddr_in6(9000, "2001:db8:66::2")), 6)
  h3.S.poll({ { fd = s3, events = "in" } }, 5000)
  local data, e, from = h3.S.recvfrom(s3)
  T.eq(data, "across", tostring(e))
  T.eq(tostring(from.addr), "2001:db8:65::1")
  -- routes: delete and the destination is unreachable; add back through the link-local gateway
  assert(h1.cfg:route_delete("2001:db8:66::/64"))
  T.fails("HOSTUNREACH", h1:ping("2001:db8:66::2"))
  -- h2's shmif0 faces h1; on h1 that link is h1's shmif0 as well
  assert(h1.cfg:route_add("2001:db8:66::/64", assert(h2:linklocal("shmif0"))))
  T.eq(h1:ping("2001:db8:66::2"), "2001:db8:66::2", "again, through h2's link-local address")
end)

T.case("TCP over IPv6 between two kernels: connect, accept, data both ways", function()
  local net = build{ hosts = { "a", "b" },
    buses = { lan = { { "a", "2001:db8:2::1/64" }, { "b", "2001:db8:2::2/64" } } } }
  assert(net:dad_wait())
  local a, b = net.hosts.a, net.hosts.b
  local ls = assert(b.S.socket("inet6", "stream"))
  assert(b.S.bind(ls, b.S.t.sockaddr_in6(8080, "::")))
  assert(b.S.listen(ls, 4))
  local cs = assert(a.S.socket("inet6", "stream"))
  assert(a.S.connect(cs, a.S.t.sockaddr_in6(8080, "2001:db8:2::2")))
  local as, err, peer = b.S.accept(ls)
  assert(as, tostring(err))
  T.eq(tostring(peer.addr), "2001:db8:2::1", "the peer's address")
  T.eq(a.S.write(cs, "over tcp6"), 9)
  T.eq(b.S.read(as, nil, 100), "over tcp6")
  T.eq(b.S.write(as, "back"), 4)
  T.eq(a.S.read(cs, nil, 100), "back")
  a.S.close(cs)
  T.eq(b.S.read(as, nil, 100), "", "EOF after the close")
  b.S.close(as)
  b.S.close(ls)
end)
