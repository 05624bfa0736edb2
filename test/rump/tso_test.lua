-- TCP segmentation offload from Lua (rump.net's caps, SIOCGIFCAP/SIOCSIFCAP): shmif offers
-- IFCAP_TSOv4 and IFCAP_TSOv6, off until set; what an interface does not offer is EINVAL as
-- in NetBSD; a transfer between two kernels with it on arrives intact in fewer, larger
-- frames, over IPv4 and over IPv6.
local T = require "rump.test"
local rump = require "rump"
local rnet = require "rump.net"
local c = require "syscall.netbsd.constants"

local N = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "shared/net.lua")
local build, pattern = N.build, N.pattern

T.case("caps: read, set by name or number, EINVAL for what is not offered", function()
  local k = rump.kernel{ "net.netinet", "net.shmif" }
  T.defer(function() k:destroy() end)
  local cfg = rnet.config(k)
  assert(cfg:create("shmif0"))
  local both = c.IFCAP["TSOv4,TSOv6"]
  local caps, on = cfg:caps("shmif0")
  T.eq(caps, both, "shmif offers TSOv4 and TSOv6")
  T.eq(on, 0, "off by default")
  T.ok(cfg:caps("shmif0", "TSOv4"))
  T.same({ cfg:caps("shmif0") }, { both, c.IFCAP.TSOv4 }, "on")
  T.ok(cfg:caps("shmif0", "TSOv6"))
  T.same({ cfg:caps("shmif0") }, { both, c.IFCAP.TSOv6 }, "TSOv6 alone")
  T.ok(cfg:caps("shmif0", "TSOv4,TSOv6"))
  T.same({ cfg:caps("shmif0") }, { both, both }, "both")
  T.fails("INVAL", cfg:caps("shmif0", "LRO"))
  T.fails("INVAL", cfg:caps("shmif0", c.IFCAP["TSOv4,CSUM_TCPv4_Tx"]))
  T.same({ cfg:caps("shmif0") }, { both, both }, "unchanged by a refused set")
  T.ok(cfg:caps("shmif0", 0))
  T.same({ cfg:caps("shmif0") }, { both, 0 }, "off again")
  T.same({ cfg:caps("lo0") }, { 0, 0 }, "lo0 offers nothing")
  T.fails("INVAL", cfg:caps("lo0", "TSOv4"))
  T.fails("NXIO", cfg:caps("nosuch0"))
  T.err(function() cfg:caps("shmif0", "TSO4") end, "caps")
  T.err(function() cfg:caps("shmif0", true) end, "caps")
  T.err(function() cfg:caps(nil) end, "caps")
end)

-- data from A's non-blocking socket cl to B's non-blocking socket s, one thread: what s got
local function pump(A, cl, B, s, data)
  local sent, got, n = 0, {}, 0
  while n < #data do
    if sent < #data then
      local w = A.send(cl, data:sub(sent + 1, sent + 65536))
      if w then sent = sent + w end
    end
    local r = B.recv(s, nil, 65536)
    if r then got[#got + 1] = r; n = n + #r end
  end
  return table.concat(got)
end

T.case("two kernels with TSO on: 2 MB intact, in offload frames", function()
  local net = build{ hosts = { "a", "b" }, buses = { tsolan = { { "a", "10.9.0.1/24" }, { "b", "10.9.0.2/24" } } } }
  local A, B = net.hosts.a.S, net.hosts.b.S
  local ca, cb = rnet.config(net.hosts.a), rnet.config(net.hosts.b)
  T.ok(ca:caps("shmif0", "TSOv4")); T.ok(cb:caps("shmif0", "TSOv4"))
  local l = assert(B.socket("inet", "stream"))
  assert(B.bind(l, B.t.sockaddr_in(80, "10.9.0.2")))
  assert(B.listen(l, 4))
  local cl = assert(A.socket("inet", "stream, nonblock"))
  local ok, err = A.connect(cl, A.t.sockaddr_in(80, "10.9.0.2"))
  T.ok(ok or (err and err.INPROGRESS), tostring(err))
  local s = assert(B.accept(l))
  assert(B.nonblock(s))
  local before = assert(ca:stats("shmif0")).opackets
  local data = pattern(2 * 1024 * 1024, 11)
  T.ok(pump(A, cl, B, s, data) == data, "A -> B intact")
  local frames = assert(ca:stats("shmif0")).opackets - before
  T.ok(frames < #data / 1448 / 4, "A sent " .. frames .. " frames for " .. math.floor(#data / 1448) .. " segments' worth")
end)

T.case("IPv6 with TSOv6 on: 2 MB intact, in offload frames; TSOv4 alone does not offload IPv6", function()
  local net, err, step = rnet.line(2, { inet6 = true })
  assert(net, tostring(err) .. " at " .. tostring(step))
  T.defer(function() net:destroy() end)
  assert(net:dad_wait())
  local A, B = net.hosts.h1.S, net.hosts.h2.S
  local ca, cb = rnet.config(net.hosts.h1), rnet.config(net.hosts.h2)
  local l = assert(B.socket("inet6", "stream"))
  assert(B.bind(l, B.t.sockaddr_in6(80, "::")))
  assert(B.listen(l, 4))
  local function run(caps)
    T.ok(ca:caps("shmif0", caps)); T.ok(cb:caps("shmif0", caps))
    local cl = assert(A.socket("inet6", "stream, nonblock"))
    local ok, e = A.connect(cl, A.t.sockaddr_in6(80, "2001:db8:65::2"))
    T.ok(ok or (e and e.INPROGRESS), tostring(e))
    local s = assert(B.accept(l))
    assert(B.nonblock(s))
    local before = assert(ca:stats("shmif0")).opackets
    local data = pattern(2 * 1024 * 1024, 13)
    T.ok(pump(A, cl, B, s, data) == data, caps .. ": A -> B intact over IPv6")
    A.close(cl); B.close(s)
    return assert(ca:stats("shmif0")).opackets - before, #data
  end
  local frames, len = run("TSOv4,TSOv6")
  T.ok(frames < len / 1428 / 4, "TSOv6: A sent " .. frames .. " frames for " .. math.floor(len / 1428) .. " segments' worth")
  frames, len = run("TSOv4")
  T.ok(frames >= len / 1428, "TSOv4 only: " .. frames .. " MTU-sized frames")
end)
