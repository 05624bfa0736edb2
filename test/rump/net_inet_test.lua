-- IPv4 networks of rumpus kernels from Lua (rump.net): interfaces on buses, addresses,
-- routes and forwarding configured through syscalls only; UDP between kernels, ping over a
-- raw ICMP socket, three kernels in a line, and reading interfaces and routes back.
local T = require "rump.test"
local rump = require "rump"
local rnet = require "rump.net"
local ffi = require "syscall.ffi"
local bit = require "syscall.bit"

local COMPONENTS = { "net.netinet", "net.shmif" }

local function boot(name)
  local k = rump.kernel{ COMPONENTS[1], COMPONENTS[2], hostname = name or "k" }
  T.defer(function() k:destroy() end)
  return k
end
local N = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "shared/net.lua")
local build = N.build
local function line(n)
  local net, err, step = rnet.line(n)
  assert(net, tostring(err) .. " at " .. tostring(step))
  T.defer(function() net:destroy() end)
  return net
end
-- A UDP socket of host h bound to port, nonblocking.
local function udp(S, port)
  local s = assert(S.socket("inet", "dgram, nonblock"))
  if port then assert(S.bind(s, S.t.sockaddr_in(port))) end
  return s
end

-- A datagram that crosses a router may be delivered inline or queued for the receiving
-- kernel's input (issue #11): wait for it, bounded, before reading the non-blocking socket.
local function arrived(S, s)
  S.poll({ { fd = s, events = "in" } }, 5000)
  return s
end

T.case("the network components are known", function()
  local have = {}
  for _, n in ipairs(rump.components()) do have[n] = true end
  for _, n in ipairs { "net", "net.net", "net.netinet", "net.shmif" } do T.ok(have[n], n) end
end)

-- One kernel's configuration -------------------------------------------------------------------

T.case("create, attach, up, address: the interface reads back through sysctl and SIOCGIFCONF", function()
  local k = boot()
  local cfg = rnet.config(k)
  T.ok(cfg:create("shmif0"))
  T.fails("EXIST", cfg:create("shmif0"))
  T.ok(cfg:attach("shmif0", "rumpnet-test-bus-a"))
  T.eq(bit.band(assert(cfg:flags("shmif0")), k.S.c.IFF.UP), 0, "down at first")
  T.ok(cfg:up("shmif0"))
  T.ne(bit.band(assert(cfg:flags("shmif0")), k.S.c.IFF.UP), 0, "up")
  T.ok(cfg:address("shmif0", "10.7.0.1/24"))
  local l = assert(cfg:interfaces())
  T.ok(l.lo0, "lo0 is always there")
  T.eq(l.lo0.inet[1].addr, "127.0.0.1")
  T.eq(l.lo0.inet[1].prefixlen, 8)
  local i = l.shmif0
  T.ok(i, "shmif0 listed")
  T.ok(i.up)
  T.eq(i.mtu, 1500)
  T.ok(i.mac and i.mac:match("^%x%x:%x%x:%x%x:%x%x:%x%x:%x%x$"), "a MAC address: " .. tostring(i.mac))
  T.eq(#i.inet, 1)
  T.same(i.inet[1], { addr = "10.7.0.1", prefixlen = 24, broadcast = "10.7.0.255" })
  local seen = {}
  for _, e in ipairs(assert(cfg:ifconf())) do seen[e.name .. "/" .. e.family .. "/" .. tostring(e.addr)] = true end
  T.ok(seen["shmif0/2/10.7.0.1"], "SIOCGIFCONF lists the address")
  T.ok(seen["lo0/2/127.0.0.1"])
  T.ok(seen["shmif0/18/nil"], "and the link entry")
  -- The connected route came with the address.
  local r = assert(cfg:route_get("10.7.0.99"))
  T.eq(r.dst, "10.7.0.0"); T.eq(r.prefixlen, 24); T.eq(r.ifname, "shmif0")
end)

T.case("down, MTU, a second address, deleting an address and the interface", function()
  local k = boot()
  local cfg = rnet.config(k)
  assert(cfg:create("shmif3")); assert(cfg:up("shmif3"))
  T.ok(cfg:down("shmif3"))
  T.eq(assert(cfg:iface("shmif3")).up, false)
  T.eq(cfg:mtu("shmif3"), 1500)
  T.ok(cfg:mtu("shmif3", 1280))
  T.eq(cfg:mtu("shmif3"), 1280)
  T.eq(assert(cfg:iface("shmif3")).mtu, 1280)
  T.fails("INVAL", cfg:mtu("shmif3", 10))
  assert(cfg:address("shmif3", "10.8.0.1/16"))
  assert(cfg:address("shmif3", "10.9.0.1/24"))
  local i = assert(cfg:iface("shmif3"))
  T.eq(#i.inet, 2)
  T.ok(cfg:deladdress("shmif3", "10.8.0.1"))
  i = assert(cfg:iface("shmif3"))
  T.eq(#i.inet, 1)
  T.eq(i.inet[1].addr, "10.9.0.1")
  T.fails("ADDRNOTAVAIL", cfg:deladdress("shmif3", "10.8.0.1"))
  T.ok(cfg:destroy("shmif3"))
  T.fails("NXIO", cfg:iface("shmif3"))
  T.fails("NXIO", cfg:flags("shmif3"))
end)

T.case("configuration errors come back as errors; wrong arguments raise", function()
  local k = boot()
  local cfg = rnet.config(k)
  T.fails("NXIO", cfg:up("shmif9"))
  T.fails("NXIO", cfg:address("shmif9", "10.0.0.1/8"))
  T.fails("INVAL", cfg:create("bogus0"))
  T.fails("NXIO", cfg:attach("shmif9", "bus"))
  T.err(function() cfg:create(42) end, "bad argument #1 to 'create'")
  T.err(function() cfg:create(string.rep("x", 20)) end, "interface name")
  T.err(function() cfg:address("lo0", "300.1.1.1/8") end, "bad argument #2 to 'address'")
  T.err(function() cfg:address("lo0", "10.0.0.1/33") end, "bad argument #2 to 'address'")
  T.err(function() cfg:attach("lo0", 7) end, "bad argument #2 to 'attach'")
  T.err(function() cfg:route_add("10.0.0.0/8", "not an address") end, "bad argument #2 to 'route_add'")
  T.err(function() rnet.config(42) end, "bad argument #1 to 'config'")
  T.err(function() cfg:forwarding("yes") end, "bad argument #1 to 'forwarding'")
end)

T.case("configuring needs root: a process with another uid gets EPERM", function()
  local k = boot()
  local cfg = rnet.config(k)
  assert(cfg:sock())      -- made by root; the check is on the caller of the ioctl
  assert(k:rfork("copy"))
  T.defer(function() k:switch(nil) end)
  assert(k.S.setuid(1000))
  T.fails("PERM", cfg:create("shmif0"))
  T.ok(cfg:flags("lo0"), "reading is allowed")
  k:switch(nil)
  T.ok(cfg:create("shmif0"), "root may")
end)

T.case("forwarding through sysctl net.inet.ip.forwarding", function()
  local k = boot()
  local cfg = rnet.config(k)
  T.eq(cfg:forwarding(), false)
  T.ok(cfg:forwarding(true))
  T.eq(cfg:forwarding(), true)
  T.eq(k.S.sysctl("net.inet.ip.forwarding"), 1)
  T.fails("INVAL", k.S.sysctl("net.inet.ip.forwarding", 5))
  T.ok(cfg:forwarding(false))
  T.eq(k.S.sysctl("net.inet.ip.forwarding"), 0)
  T.eq(k.S.sysctl("net.inet.ip.ttl"), 64)
  T.fails("NOENT", k.S.sysctl("net.inet.ip.nosuchname"))
end)

T.case("routes: add, get, change to reject, delete; errors EEXIST, ESRCH, ENETUNREACH", function()
  local k = boot()
  local cfg = rnet.config(k)
  assert(cfg:create("shmif0")); assert(cfg:attach("shmif0", "rumpnet-test-bus-r")); assert(cfg:up("shmif0"))
  assert(cfg:address("shmif0", "10.2.0.1/24"))
  T.ok(cfg:route_add("10.50.0.0/16", "10.2.0.2"))
  T.fails("EXIST", cfg:route_add("10.50.0.0/16", "10.2.0.2"))
  T.fails("NETUNREACH", cfg:route_add("10.60.0.0/16", "10.3.0.9"))
  local r = assert(cfg:route_get("10.50.3.4"))
  T.eq(r.dst, "10.50.0.0"); T.eq(r.prefixlen, 16); T.eq(r.gateway, "10.2.0.2")
  T.ok(r.is.gateway); T.ok(r.is.static)
  T.ok(cfg:route_add("10.70.1.2", "10.2.0.3"), "a host route")
  local h = assert(cfg:route_get("10.70.1.2"))
  T.ok(h.is.host); T.eq(h.gateway, "10.2.0.3")
  -- The table read back with NET_RT_DUMP.
  local byd = {}
  for _, e in ipairs(assert(cfg:routes())) do byd[e.dst .. "/" .. e.prefixlen] = e end
  T.ok(byd["10.50.0.0/16"] and byd["10.50.0.0/16"].gateway == "10.2.0.2", "static route listed")
  T.ok(byd["10.70.1.2/32"], "host route listed")
  T.ok(byd["10.2.0.0/24"], "connected route listed")
  T.ok(byd["127.0.0.0/8"], "loopback route listed")
  -- A reject route makes sending there fail.
  T.ok(cfg:route_change("10.50.0.0/16", "10.2.0.2", { reject = true }))
  T.ok(assert(cfg:route_get("10.50.3.4")).is.reject)
  local s = udp(k.S)
  local ok, err = k.S.sendto(s, "x", nil, 0, k.S.t.sockaddr_in(9, "10.50.3.4"))
  T.eq(ok, nil)
  T.ok(err and (err.HOSTUNREACH or err.NETUNREACH), "reject route: " .. tostring(err))
  T.ok(cfg:route_delete("10.50.0.0/16"))
  T.fails("SRCH", cfg:route_get("10.50.3.4"))
  T.fails("SRCH", cfg:route_delete("10.50.0.0/16"))
  T.fails("HOSTUNREACH", k.S.sendto(s, "x", nil, 0, k.S.t.sockaddr_in(9, "10.50.3.4")))
end)

-- Traffic between kernels ---------------------------------------------------------------------------

T.case("UDP between two kernels on one bus, both ways; counters move", function()
  local net = build{ hosts = { "a", "b" }, buses = { lan = { { "a", "10.1.0.1/24" }, { "b", "10.1.0.2/24" } } } }
  local a, b = net.hosts.a, net.hosts.b
  local sa, sb = udp(a.S, 5000), udp(b.S, 6000)
  local before = assert(a.cfg:stats("shmif0"))
  T.eq(a.S.sendto(sa, "to b", nil, 0, a.S.t.sockaddr_in(6000, "10.1.0.2")), 4)
  local data, err, from = b.S.recvfrom(sb)
  T.eq(data, "to b", tostring(err))
  T.eq(tostring(from), "10.1.0.1:5000")
  T.eq(b.S.sendto(sb, "to a", nil, 0, from), 4)
  local back, _, from2 = a.S.recvfrom(sa)
  T.eq(back, "to a")
  T.eq(tostring(from2), "10.1.0.2:6000")
  local after = assert(a.cfg:stats("shmif0"))
  T.ok(after.opackets > before.opackets, "packets out counted")
  T.ok(after.ipackets > before.ipackets, "packets in counted")
  -- Nothing more queued; a port nobody has: ICMP port unreachable reaches a connected socket.
  T.fails("AGAIN", b.S.recvfrom(sb))
  local cs = udp(a.S)
  assert(a.S.connect(cs, a.S.t.sockaddr_in(6999, "10.1.0.2")))
  assert(a.S.send(cs, "anyone?"))
  T.fails("CONNREFUSED", a.S.recv(cs))
end)

-- An ICMP echo request with identifier id and sequence seq.
local function cksum(s)
  local sum = 0
  for i = 1, #s - 1, 2 do sum = sum + s:byte(i) * 256 + s:byte(i + 1) end
  if #s % 2 == 1 then sum = sum + s:byte(#s) * 256 end
  while sum > 0xffff do sum = (sum % 0x10000) + math.floor(sum / 0x10000) end
  return 0xffff - sum
end
local function echo(id, seq, payload)
  local body = string.char(math.floor(id / 256), id % 256, math.floor(seq / 256), seq % 256) .. payload
  local c = cksum(string.char(8, 0, 0, 0) .. body)
  return string.char(8, 0, math.floor(c / 256), c % 256) .. body
end

T.case("ping over a raw ICMP socket: the echo reply comes back with our id, sequence and data", function()
  local net = build{ hosts = { "a", "b" }, buses = { lan = { { "a", "10.4.0.1/24" }, { "b", "10.4.0.2/24" } } } }
  local S = net.hosts.a.S
  local s = assert(S.socket("inet", "raw, nonblock", "icmp"))
  T.eq(S.sendto(s, echo(0x1234, 7, "rumpus ping"), nil, 0, S.t.sockaddr_in(0, "10.4.0.2")), 8 + 11)
  local pkt, err, from = S.recvfrom(s, nil, 2048)
  T.ok(pkt, tostring(err))
  T.eq(tostring(from.addr), "10.4.0.2")
  local hl = (pkt:byte(1) % 16) * 4
  T.eq(math.floor(pkt:byte(1) / 16), 4, "an IPv4 header first")
  T.eq(pkt:byte(10), 1, "protocol ICMP")
  local icmp = pkt:sub(hl + 1)
  T.eq(icmp:byte(1), 0, "echo reply")
  T.eq(icmp:byte(5) * 256 + icmp:byte(6), 0x1234)
  T.eq(icmp:byte(7) * 256 + icmp:byte(8), 7)
  T.eq(icmp:sub(9), "rumpus ping")
  T.eq(cksum(icmp), 0, "the reply's checksum is right")
  -- An address nobody has on the bus: no reply (ARP gives up; nothing arrives).
  T.ok(S.sendto(s, echo(1, 1, "x"), nil, 0, S.t.sockaddr_in(0, "10.4.0.77")))
  T.fails("AGAIN", S.recvfrom(s, nil, 2048))
  -- Raw sockets need root.
  assert(net.hosts.a.kernel:rfork("copy"))
  T.defer(function() net.hosts.a.kernel:switch(nil) end)
  assert(S.setuid(1000))
  T.fails("ACCES", S.socket("inet", "raw", "icmp"))
end)

T.case("three kernels in a line: the middle one forwards, and only while forwarding is on", function()
  local net = line(3)
  local h1, h2, h3 = net.hosts.h1, net.hosts.h2, net.hosts.h3
  T.eq(h2:forwarding(), true)
  T.eq(h1:forwarding(), false)
  local s1, s3 = udp(h1.S, 4000), udp(h3.S, 4001)
  local dst = h1.S.t.sockaddr_in(4001, "10.102.0.2")
  T.eq(h1.S.sendto(s1, "across", nil, 0, dst), 6)
  local data, err, from = h3.S.recvfrom(arrived(h3.S, s3))
  T.eq(data, "across", tostring(err))
  T.eq(tostring(from), "10.101.0.1:4000", "the source address is kept across the router")
  T.eq(h3.S.sendto(s3, "and back", nil, 0, from), 8)
  T.eq(h1.S.recv(arrived(h1.S, s1)), "and back")
  -- TTL: the router decrements it; a datagram with TTL 1 does not cross it.
  assert(h1.S.setsockopt(s1, "ip", "ttl", 1))
  assert(h1.S.sendto(s1, "ttl 1", nil, 0, dst))
  T.fails("AGAIN", h3.S.recvfrom(s3))
  assert(h1.S.setsockopt(s1, "ip", "ttl", 64))
  -- Forwarding off: the router drops it.
  T.ok(h2:forwarding(false))
  assert(h1.S.sendto(s1, "dropped", nil, 0, dst))
  T.fails("AGAIN", h3.S.recvfrom(s3))
  T.ok(h2:forwarding(true))
  assert(h1.S.sendto(s1, "again", nil, 0, dst))
  T.eq(h3.S.recv(arrived(h3.S, s3)), "again")
end)

T.case("line(4): the routes each host got, read back, and end to end traffic", function()
  local net = line(4)
  local h1, h4 = net.hosts.h1, net.hosts.h4
  local byd = {}
  for _, r in ipairs(assert(h1:routes())) do byd[r.dst .. "/" .. r.prefixlen] = r end
  T.eq(byd["10.102.0.0/24"].gateway, "10.101.0.2")
  T.eq(byd["10.103.0.0/24"].gateway, "10.101.0.2")
  T.ok(byd["10.101.0.0/24"] and not byd["10.101.0.0/24"].gateway, "connected route, no gateway")
  T.eq(assert(h4:route_get("10.101.0.1")).gateway, "10.103.0.1")
  T.eq(h1:address(), "10.101.0.1")
  T.eq(net.hosts.h2:address("shmif1"), "10.102.0.1")
  local s1, s4 = udp(h1.S, 1111), udp(h4.S, 4444)
  assert(h1.S.sendto(s1, "three hops", nil, 0, h1.S.t.sockaddr_in(4444, "10.103.0.2")))
  T.eq(h4.S.recv(arrived(h4.S, s4)), "three hops")
end)

T.case("build: a failing step destroys what was made and names the step", function()
  local before = rump.memstats().bytes
  local net, err, step = rnet.build{ hosts = { "a" }, routers = { "r" },
    links = { { "a", "r", "10.1.0.1/24", "10.1.0.2/24" } },
    routes = { a = { { "10.9.0.0/16", "10.200.0.1" } } } }
  T.eq(net, nil)
  T.ok(err and err.NETUNREACH, tostring(err))
  T.eq(step, "route 10.9.0.0/16 on a")
  collectgarbage(); collectgarbage()
  T.eq(rump.memstats().bytes, before, "every kernel freed")
  T.err(function() rnet.build{ routes = { nobody = { { "default", "10.0.0.1" } } } } end, "unknown host")
  T.err(function() rnet.line(1) end, "bad argument #1 to 'line'")
  T.err(function() rnet.build(7) end, "bad argument #1 to 'build'")
end)

T.case("two networks with the same bus names do not see each other", function()
  local n1 = build{ hosts = { "a", "b" }, buses = { lan = { { "a", "10.5.0.1/24" }, { "b", "10.5.0.2/24" } } } }
  local n2 = build{ hosts = { "a", "b" }, buses = { lan = { { "a", "10.5.0.1/24" }, { "b", "10.5.0.3/24" } } } }
  local s = udp(n1.hosts.a.S, 5)
  local r2 = udp(n2.hosts.b.S, 7)
  local r1 = udp(n1.hosts.b.S, 7)
  assert(n1.hosts.a.S.sendto(s, "n1 only", nil, 0, n1.hosts.a.S.t.sockaddr_in(7, "10.5.0.2")))
  T.eq(n1.hosts.b.S.recv(r1), "n1 only")
  T.fails("AGAIN", n2.hosts.b.S.recv(r2))
end)

T.case("a bus captured to pcap: tshark decodes the ping, ARP and UDP with good checksums", function()
  if os.execute("command -v tshark >/dev/null 2>&1") ~= true and os.execute("command -v tshark >/dev/null 2>&1") ~= 0 then
    return T.skip("tshark is not installed (make deps installs it)")
  end
  local net = build{ hosts = { "a", "b" }, buses = { lan = { { "a", "10.6.0.1/24" }, { "b", "10.6.0.2/24" } } } }
  local path = T.tmpdir() .. "/lan.pcap"
  T.ok(net:pcap("lan", path))
  local S = net.hosts.a.S
  local s = assert(S.socket("inet", "raw, nonblock", "icmp"))
  assert(S.sendto(s, echo(0x4242, 1, "captured"), nil, 0, S.t.sockaddr_in(0, "10.6.0.2")))
  T.ok(S.recvfrom(s, nil, 2048), "the reply came")
  local u, v = udp(S, 1000), udp(net.hosts.b.S, 2000)
  assert(S.sendto(u, "udp payload", nil, 0, S.t.sockaddr_in(2000, "10.6.0.2")))
  T.eq(net.hosts.b.S.recv(v), "udp payload")
  T.ok(net:pcap("lan", nil), "capture stopped")
  local p = io.popen("tshark -n -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -r '" .. path ..
    "' -T fields -e frame.protocols -e icmp.type -e icmp.ident -e udp.dstport -e ip.checksum.status -e _ws.malformed 2>&1")
  local out = p:read("*a")
  p:close()
  T.ok(out:find("eth:ethertype:arp", 1, true), "ARP frames: " .. out)
  T.ok(out:find("\t8\t16962", 1, true), "the echo request: " .. out)
  T.ok(out:find("\t0\t16962", 1, true), "the echo reply: " .. out)
  T.ok(out:find("\t2000\t", 1, true), "the UDP datagram: " .. out)
  T.ok(not out:find("Malformed", 1, true), "nothing malformed: " .. out)
  -- Every IPv4 header and UDP checksum verified good (status 1: good, 0: bad).
  p = io.popen("tshark -n -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -r '" .. path ..
    "' -Y ip -T fields -e ip.checksum.status -e udp.checksum.status 2>/dev/null")
  local st = p:read("*a")
  p:close()
  local n = 0
  for line in st:gmatch("[^\n]+") do
    n = n + 1
    T.ok(line == "1\t" or line == "1\t1", "checksums good: " .. line)
  end
  T.ok(n >= 3, "IPv4 frames checked: " .. n)
  T.err(function() net:pcap(42, path) end, "bad argument #1 to 'pcap'")
end)

T.case("host:ping across a router: the reply's source and TTL; a missing host times out", function()
  local net = line(3)
  local a = net.hosts.h1
  local dst = net.hosts.h3:address("shmif0")
  local from, ttl = a:ping(dst, { seq = 3, data = "across" })
  T.eq(from, dst, tostring(ttl))
  T.ok(ttl < 255, "the reply crossed a router: TTL " .. tostring(ttl))
  local none, err = a:ping("10.102.0.77", { wait = 300 })
  T.eq(none, nil)
  T.ok(err.TIMEDOUT or err.HOSTUNREACH or err.HOSTDOWN, tostring(err))
  T.err(function() a:ping(42) end, "bad argument #1 to 'ping'")
end)

T.case("an address brings an Ethernet interface up, as NetBSD's SIOCINITIFADDR does", function()
  local k = boot("solo")
  local cfg = rnet.config(k)
  assert(cfg:create("shmif0"))
  assert(cfg:attach("shmif0", "initifaddr-bus-" .. tostring(k.ptr)))
  T.eq(bit.band(cfg:flags("shmif0"), k.S.c.IFF.UP), 0, "down after create")
  assert(cfg:address("shmif0", "10.77.0.1/24"))
  T.ne(bit.band(cfg:flags("shmif0"), k.S.c.IFF.UP), 0, "up after the address")
  T.fails("INVAL", cfg:address("shmif0", "224.0.0.1/24"))
end)
