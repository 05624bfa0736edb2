-- TCP segmentation offload from Lua (rump.net's caps, SIOCGIFCAP/SIOCSIFCAP): shmif offers
-- IFCAP_TSOv4, off until set; what an interface does not offer is EINVAL as in NetBSD;
-- a transfer between two kernels with it on arrives intact in fewer, larger frames.
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
  local caps, on = cfg:caps("shmif0")
  T.eq(caps, c.IFCAP.TSOv4, "shmif offers TSOv4")
  T.eq(on, 0, "off by default")
  T.ok(cfg:caps("shmif0", "TSOv4"))
  T.same({ cfg:caps("shmif0") }, { c.IFCAP.TSOv4, c.IFCAP.TSOv4 }, "on")
  T.fails("INVAL", cfg:caps("shmif0", "TSOv6"))
  T.fails("INVAL", cfg:caps("shmif0", c.IFCAP["TSOv4,CSUM_TCPv4_Tx"]))
  T.same({ cfg:caps("shmif0") }, { c.IFCAP.TSOv4, c.IFCAP.TSOv4 }, "unchanged by a refused set")
  T.ok(cfg:caps("shmif0", 0))
  T.same({ cfg:caps("shmif0") }, { c.IFCAP.TSOv4, 0 }, "off again")
  T.same({ cfg:caps("lo0") }, { 0, 0 }, "lo0 offers nothing")
  T.fails("INVAL", cfg:caps("lo0", "TSOv4"))
  T.fails("NXIO", cfg:caps("nosuch0"))
  T.err(function() cfg:caps("shmif0", "TSO4") end, "caps")
  T.err(function() cfg:caps("shmif0", true) end, "caps")
  T.err(function() cfg:caps(nil) end, "caps")
end)

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
  local sent, got, n = 0, {}, 0
  while n < #data do
    if sent < #data then
      local w = A.send(cl, data:sub(sent + 1, sent + 65536))
      if w then sent = sent + w end
    end
    local r = B.recv(s, nil, 65536)
    if r then got[#got + 1] = r; n = n + #r end
  end
  T.ok(table.concat(got) == data, "A -> B intact")
  local frames = assert(ca:stats("shmif0")).opackets - before
  T.ok(frames < #data / 1448 / 4, "A sent " .. frames .. " frames for " .. math.floor(#data / 1448) .. " segments' worth")
end)
