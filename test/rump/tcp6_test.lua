-- Dual-stack TCP (AF_INET6 stream sockets with and without IPV6_V6ONLY, v4-mapped
-- addresses) against NetBSD's rules: the net.inet6.ip6.v6only default, IPV6_V6ONLY only
-- before bind, a dual-stack listener accepting IPv4 with the peer as ::ffff:a.b.c.d,
-- connect to a mapped address, the names in mapped form, and the bind conflicts between
-- IPv4 and IPv6 sockets on one port with SO_REUSEADDR/SO_REUSEPORT.  The same scenario
-- runs on a rumpus kernel (its answers checked here) and, with $RUMPUS_NETBSD_RUMP, on
-- NetBSD's rump kernel in a child process: both must observe the same.  Then dual stack
-- across a bus between two kernels.
local T = require "rump.test"
local rnet = require "rump.net"

local self = debug.getinfo(1, "S").source:match("^@(.*)$")
local C = dofile((self:match("^(.*/)") or "./") .. "shared/nbchild.lua")
local CHILD = os.getenv("RUMPUS_TCP6_CHILD")

-- The scenario on lo0 of kernel k: a table of observations (text).
local function observe(S)
  local o, put, sock, closeall, sa, keep = C.observer(S, "stream")
  local function name(a) return a and (tostring(a.addr) .. " " .. tostring(a.port)) end
  local function tryconnect(s, addr, port)
    local ok, e = S.connect(s, sa(addr, port))
    return ok and "connected", e
  end

  -- the default and IPV6_V6ONLY before and after bind
  put("sysctl net.inet6.ip6.v6only", S.sysctl("net.inet6.ip6.v6only"))
  local s = sock("inet6")
  put("IPV6_V6ONLY of a new socket", S.getsockopt(s, "ipv6", "v6only"))
  put("IPV6_V6ONLY off before bind", S.setsockopt(s, "ipv6", "v6only", false))
  put("IPV6_V6ONLY after setting it off", S.getsockopt(s, "ipv6", "v6only"))
  put("getsockname unbound", name(S.getsockname(s)))
  assert(S.bind(s, sa("::", 7101)))
  local ok, e = S.setsockopt(s, "ipv6", "v6only", true)
  put("IPV6_V6ONLY on after bind", ok, e)
  put("IPV6_V6ONLY still off", S.getsockopt(s, "ipv6", "v6only"))
  put("getsockname bound to [::]:7101", name(S.getsockname(s)))
  put("sysctl v6only set to 0 (old value)", S.sysctl("net.inet6.ip6.v6only", 0))
  put("IPV6_V6ONLY of a socket made under v6only 0", S.getsockopt(sock("inet6"), "ipv6", "v6only"))
  S.sysctl("net.inet6.ip6.v6only", 1)
  put("IPV6_V6ONLY of a socket made under v6only 1", S.getsockopt(sock("inet6"), "ipv6", "v6only"))
  closeall()

  -- an IPV6_V6ONLY socket refuses mapped addresses
  s = sock("inet6", true)
  ok, e = S.bind(s, sa("::ffff:127.0.0.1", 7102))
  put("V6ONLY: bind ::ffff:127.0.0.1", ok, e)
  put("V6ONLY: connect ::ffff:127.0.0.1", tryconnect(sock("inet6", true), "::ffff:127.0.0.1", 7102))
  closeall()

  -- a dual-stack listener takes IPv4 and IPv6 clients
  local l = sock("inet6", false)
  assert(S.bind(l, sa("::", 7103)))
  assert(S.listen(l, 8))
  local c4 = sock("inet")
  put("IPv4 connect to the dual-stack listener", tryconnect(c4, "127.0.0.1", 7103))
  local a, ea, peer = S.accept(l)
  put("accept of the IPv4 client", a and "accepted", ea)
  if a then
    keep(a)
    put("accept's peer (IPv4 client)", name(peer) == "::ffff:" .. name(S.getsockname(c4)) and
      "::ffff:" .. tostring(S.getsockname(c4).addr) .. " <client port>" or name(peer))
    put("accepted: getsockname", name(S.getsockname(a)))
    put("accepted: IPV6_V6ONLY", S.getsockopt(a, "ipv6", "v6only"))
    local pn = S.getpeername(a)
    put("accepted: getpeername family", pn and pn.family)
    put("accepted: getpeername is the client", pn and name(pn) == ("::ffff:" ..
      name(S.getsockname(c4))))
    put("client: getpeername", name(S.getpeername(c4)))
    put("IPv4 client -> dual-stack", S.send(c4, "four") and S.recv(a))
    put("dual-stack -> IPv4 client", S.send(a, "back") and S.recv(c4))
  end
  local c6 = sock("inet6")
  put("IPv6 connect to the dual-stack listener", tryconnect(c6, "::1", 7103))
  a, ea, peer = S.accept(l)
  if a then keep(a) end
  put("accept's peer (IPv6 client)", peer and tostring(peer.addr), ea)
  closeall()

  -- an IPV6_V6ONLY listener on :: does not
  l = sock("inet6", true)
  assert(S.bind(l, sa("::", 7104)))
  assert(S.listen(l, 8))
  put("IPv4 connect to a V6ONLY listener", tryconnect(sock("inet"), "127.0.0.1", 7104))
  closeall()

  -- connect to ::ffff:127.0.0.1 from a dual-stack socket
  l = sock("inet")
  assert(S.bind(l, sa("127.0.0.1", 7105)))
  assert(S.listen(l, 8))
  local cm = sock("inet6", false)
  put("dual-stack connect to ::ffff:127.0.0.1", tryconnect(cm, "::ffff:127.0.0.1", 7105))
  a, ea, peer = S.accept(l)
  if a then keep(a) end
  put("IPv4 server sees the peer", peer and tostring(peer.addr), ea)
  put("mapped client: getsockname address", S.getsockname(cm) and tostring(S.getsockname(cm).addr))
  put("mapped client: getpeername", name(S.getpeername(cm)))
  put("mapped client -> IPv4 server", a and S.send(cm, "mapped") and S.recv(a))
  local cb = sock("inet6", false)
  assert(S.bind(cb, sa("::1", 0)))
  put("dual-stack bound to ::1: connect ::ffff:127.0.0.1", tryconnect(cb, "::ffff:127.0.0.1", 7105))
  local cb4 = sock("inet6", false)
  assert(S.bind(cb4, sa("::ffff:127.0.0.1", 0)))
  put("dual-stack bound to ::ffff:127.0.0.1: connect ::1", tryconnect(cb4, "::1", 7103))
  put("dual-stack bound to ::ffff:127.0.0.1: getsockname address",
    tostring(S.getsockname(cb4).addr))
  closeall()

  -- an IPv4 wildcard listener and a dual-stack one on one port: who takes what
  local l4 = sock("inet")
  assert(S.bind(l4, sa("0.0.0.0", 7106)))
  assert(S.listen(l4, 8))
  local l6 = sock("inet6", false)
  ok, e = S.bind(l6, sa("::", 7106))
  put("dual-stack [::]:7106 after IPv4 0.0.0.0:7106", ok, e)
  if ok then
    assert(S.listen(l6, 8))
    assert(S.nonblock(l4))
    assert(S.nonblock(l6))
    tryconnect(sock("inet"), "127.0.0.1", 7106)
    local x4 = S.accept(l4)
    local x6 = S.accept(l6)
    if x4 then keep(x4) end
    if x6 then keep(x6) end
    put("IPv4 client goes to", (x4 and "the IPv4 listener " or "") ..
      (x6 and "the dual-stack listener" or ""))
  end
  closeall()

  -- bind conflicts: the second bind of each pair, on a port of its own
  local pairs_ = {
    { { "inet", "0.0.0.0" }, { "inet6", "::", true } },
    { { "inet", "0.0.0.0" }, { "inet6", "::", false } },
    { { "inet6", "::", false }, { "inet", "0.0.0.0" } },
    { { "inet6", "::", false }, { "inet", "127.0.0.1" } },
    { { "inet6", "::", true }, { "inet", "0.0.0.0" } },
    { { "inet6", "::", false }, { "inet6", "::ffff:127.0.0.1", false } },
    { { "inet6", "::ffff:127.0.0.1", false }, { "inet", "127.0.0.1" } },
    { { "inet", "127.0.0.1" }, { "inet6", "::ffff:127.0.0.1", false } },
    { { "inet6", "::ffff:127.0.0.1", false }, { "inet6", "::", false } },
    { { "inet6", "::", false, { "reuseaddr" } }, { "inet", "127.0.0.1", nil, { "reuseaddr" } } },
    { { "inet6", "::", false, { "reuseaddr" } }, { "inet", "0.0.0.0", nil, { "reuseaddr" } } },
    { { "inet6", "::", false, { "reuseport" } }, { "inet", "0.0.0.0", nil, { "reuseport" } } },
    { { "inet6", "::1" }, { "inet", "0.0.0.0" } },
    { { "inet", "0.0.0.0" }, { "inet6", "::ffff:0.0.0.0", false } },
    { { "inet6", "::", false }, { "inet6", "::", true } },
    { { "inet6", "::", true }, { "inet6", "::", false } },
    { { "inet", "127.0.0.1" }, { "inet6", "::", false } },
    { { "inet6", "::", false }, { "inet6", "::1", false } },
    { { "inet6", "::", false, { "reuseaddr" } }, { "inet6", "::1", false, { "reuseaddr" } } },
  }
  local function spec(x)
    return x[1] .. " " .. x[2] .. (x[3] == nil and "" or x[3] and " v6only" or " dual") ..
      (x[4] and (" " .. table.concat(x[4], ",")) or "")
  end
  for i, p in ipairs(pairs_) do
    local port = 7200 + i
    local s1 = sock(p[1][1], p[1][3], p[1][4])
    assert(S.bind(s1, sa(p[1][2], port)))
    local s2 = sock(p[2][1], p[2][3], p[2][4])
    ok, e = S.bind(s2, sa(p[2][2], port))
    put(("bind %02d: %s then %s"):format(i, spec(p[1]), spec(p[2])), ok and "ok", e)
    closeall()
  end
  return o
end

-- Child: NetBSD's kernel, prints the observations ---------------------------------------------
if CHILD then C.child(observe) end

-- Parent ----------------------------------------------------------------------------------------
local rumpus

-- What rumpus must answer (NetBSD's rules, docs/netinet6.md "Dual stack").
local expect = {
  ["sysctl net.inet6.ip6.v6only"] = "1",
  ["IPV6_V6ONLY of a new socket"] = "1",
  ["IPV6_V6ONLY off before bind"] = "true",
  ["IPV6_V6ONLY after setting it off"] = "0",
  ["getsockname unbound"] = ":: 0",
  ["IPV6_V6ONLY on after bind"] = "error EINVAL",
  ["IPV6_V6ONLY still off"] = "0",
  ["getsockname bound to [::]:7101"] = ":: 7101",
  ["sysctl v6only set to 0 (old value)"] = "1",
  ["IPV6_V6ONLY of a socket made under v6only 0"] = "0",
  ["IPV6_V6ONLY of a socket made under v6only 1"] = "1",
  ["V6ONLY: bind ::ffff:127.0.0.1"] = "error EINVAL",
  ["V6ONLY: connect ::ffff:127.0.0.1"] = "error EINVAL",
  ["IPv4 connect to the dual-stack listener"] = "connected",
  ["accept of the IPv4 client"] = "accepted",
  ["accept's peer (IPv4 client)"] = "::ffff:127.0.0.1 <client port>",
  ["accepted: getsockname"] = "::ffff:127.0.0.1 7103",
  ["accepted: IPV6_V6ONLY"] = "0",
  ["accepted: getpeername family"] = "24",
  ["accepted: getpeername is the client"] = "true",
  ["client: getpeername"] = "127.0.0.1 7103",
  ["IPv4 client -> dual-stack"] = "four",
  ["dual-stack -> IPv4 client"] = "back",
  ["IPv6 connect to the dual-stack listener"] = "connected",
  ["accept's peer (IPv6 client)"] = "::1",
  ["IPv4 connect to a V6ONLY listener"] = "error ECONNREFUSED",
  ["dual-stack connect to ::ffff:127.0.0.1"] = "connected",
  ["IPv4 server sees the peer"] = "127.0.0.1",
  ["mapped client: getsockname address"] = "::ffff:127.0.0.1",
  ["mapped client: getpeername"] = "::ffff:127.0.0.1 7105",
  ["mapped client -> IPv4 server"] = "mapped",
}

T.case("rumpus: dual-stack TCP on lo0, NetBSD's rules", function()
  rumpus = C.rumpus(observe)
  for key, v in pairs(expect) do T.eq(rumpus[key], v, key) end
  T.eq(rumpus["bind 03: inet6 :: dual then inet 0.0.0.0"], "error EADDRINUSE",
    "an IPv4 bind sees a dual-stack ::")
  T.eq(rumpus["bind 01: inet 0.0.0.0 then inet6 :: v6only"], "ok", "V6ONLY never meets IPv4")
  T.eq(rumpus["bind 05: inet6 :: v6only then inet 0.0.0.0"], "ok", "V6ONLY never meets IPv4")
  T.eq(rumpus["bind 12: inet6 :: dual reuseport then inet 0.0.0.0 reuseport"], "ok",
    "SO_REUSEPORT on both")
  T.eq(rumpus["bind 11: inet6 :: dual reuseaddr then inet 0.0.0.0 reuseaddr"], "ok",
    "a dual-stack :: and 0.0.0.0 are two wildcards: SO_REUSEADDR lets them share")
  T.eq(rumpus["bind 02: inet 0.0.0.0 then inet6 :: dual"], "ok",
    "an IPv6 bind to :: does not look at IPv4 sockets")
  T.eq(rumpus["IPv4 client goes to"], "the IPv4 listener ", "the IPv4 listener first")
  T.eq(rumpus["dual-stack bound to ::1: connect ::ffff:127.0.0.1"], "error EINVAL")
  T.eq(rumpus["dual-stack bound to ::ffff:127.0.0.1: connect ::1"], "error EINVAL")
end)

T.case("NetBSD's kernel observes the same", function()
  local theirs = C.run(self, C.prefix(), { { "RUMPUS_TCP6_CHILD", "1" } })
  C.compare(rumpus, theirs)
end)

T.case("dual stack through a router: IPv4 and IPv6 clients of h1 on one listener of h3", function()
  local net, err, step = rnet.line(3, { inet6 = true })
  assert(net, tostring(err) .. " at " .. tostring(step))
  T.defer(function() net:destroy() end)
  assert(net:dad_wait())
  local A, B = net.hosts.h1.S, net.hosts.h3.S
  local l = assert(B.socket("inet6", "stream"))
  assert(B.setsockopt(l, "ipv6", "v6only", false))
  assert(B.bind(l, B.t.sockaddr_in6(8080, "::")))
  assert(B.listen(l, 8))
  local c4 = assert(A.socket("inet", "stream"))
  assert(A.connect(c4, A.t.sockaddr_in(8080, "10.102.0.2")))
  local s4, e4, p4 = B.accept(l)
  T.ok(s4, tostring(e4))
  local me4 = A.getsockname(c4)
  T.eq(tostring(p4.addr), "::ffff:" .. tostring(me4.addr), "the IPv4 client as ::ffff:a.b.c.d")
  T.eq(p4.port, me4.port)
  T.eq(tostring(B.getsockname(s4).addr), "::ffff:10.102.0.2", "the accepted socket's own name")
  local c6 = assert(A.socket("inet6", "stream"))
  assert(A.connect(c6, A.t.sockaddr_in6(8080, "2001:db8:66::2")))
  local s6, e6, p6 = B.accept(l)
  T.ok(s6, tostring(e6))
  T.eq(tostring(p6.addr), tostring(A.getsockname(c6).addr), "the IPv6 client as itself")
  T.eq(A.send(c4, "via4"), 4)
  T.eq(A.send(c6, "via6"), 4)
  T.eq(B.recv(s4), "via4")
  T.eq(B.recv(s6), "via6")
  -- a dual-stack client of h1 reaches an IPv4-only listener of h3 through ::ffff:
  local l4 = assert(B.socket("inet", "stream"))
  assert(B.bind(l4, B.t.sockaddr_in(8081, "0.0.0.0")))
  assert(B.listen(l4, 8))
  local cm = assert(A.socket("inet6", "stream"))
  assert(A.setsockopt(cm, "ipv6", "v6only", false))
  assert(A.connect(cm, A.t.sockaddr_in6(8081, "::ffff:10.102.0.2")))
  local sm, em, pm = B.accept(l4)
  T.ok(sm, tostring(em))
  T.eq(tostring(A.getsockname(cm).addr), "::ffff:" .. tostring(pm.addr),
    "h1's source address, mapped on its side, plain on h3's")
  T.eq(B.send(sm, "back"), 4)
  T.eq(A.recv(cm), "back")
end)
