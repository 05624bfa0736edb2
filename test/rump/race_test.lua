-- Seeds and the deterministic mode (docs/race.md): a three-kernel scenario (boot, ARP, UDP
-- through a router, destroy) run twice with one seed gives byte-identical pcaps and one
-- trace digest; another seed gives other IP ids and ports; without a seed they differ.
local T = require "rump.test"
local rump = require "rump"
local rnet = require "rump.net"
local race = require "rump.race"

local function readfile(p)
  local f = assert(io.open(p, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

-- The IPv4 ids and UDP source ports of the frames of a classic pcap file.
local function ids_ports(pcap)
  local ids, ports = {}, {}
  local off = 25
  while off + 16 <= #pcap do
    local b1, b2, b3, b4 = pcap:byte(off + 8, off + 11)
    local len = b1 + b2 * 256 + b3 * 65536 + b4 * 16777216   -- little-endian writer
    local fr = pcap:sub(off + 16, off + 15 + len)
    if fr:byte(13) == 8 and fr:byte(14) == 0 then               -- IPv4
      ids[#ids + 1] = fr:byte(19) * 256 + fr:byte(20)
      if fr:byte(24) == 17 then ports[#ports + 1] = fr:byte(35) * 256 + fr:byte(36) end
    end
    off = off + 16 + len
  end
  return ids, ports
end

local dir
local nrun = 0
-- boot three kernels in a line, ARP and a UDP exchange through the router, destroy.
local function scenario()
  nrun = nrun + 1
  local tag = dir .. "/run" .. nrun
  local net = assert(rnet.line(3))
  T.defer(function() net:destroy() end)
  local b1, b2
  for name, b in pairs(net.buses) do if name:match("^link1") then b1 = b else b2 = b end end
  assert(net:pcap(b1, tag .. "-1.pcap"))
  assert(net:pcap(b2, tag .. "-2.pcap"))
  local S1, S3 = race.traced(net.hosts.h1.S), race.traced(net.hosts.h3.S)
  local s3 = assert(S3.socket("inet", "dgram"))
  assert(S3.bind(s3, S3.t.sockaddr_in(7, "0.0.0.0")))
  local s1 = assert(S1.socket("inet", "dgram"))
  T.eq(S1.sendto(s1, "ping", nil, 0, S1.t.sockaddr_in(7, "10.102.0.2")), 4)
  local data, err, from = S3.recvfrom(s3)
  T.eq(data, "ping", tostring(err))
  T.eq(S3.sendto(s3, "pong", nil, 0, from), 4)
  T.eq(S1.recv(s1), "pong")
  assert(net:pcap(b1, nil))
  assert(net:pcap(b2, nil))
  S1.close(s1)
  S3.close(s3)
  assert(net:destroy())
  return { p1 = readfile(tag .. "-1.pcap"), p2 = readfile(tag .. "-2.pcap"), port = from.port }
end

T.case("rump.seed sets, reads and clears the run's seed; bad seeds are errors", function()
  T.defer(function() rump.seed(nil) end)
  rump.seed(nil)
  T.eq(rump.seed(), nil)
  T.eq(rump.seed(42), 42)
  T.eq(rump.seed(), 42)
  T.eq(race.deterministic(), false, "no virtual clock: not deterministic")
  local was = rump.clock.virtual(true)
  T.defer(function() rump.clock.virtual(was) end)
  T.eq(race.deterministic(), true)
  T.err(function() rump.seed(-1) end, "bad argument #1 to 'seed'")
  T.err(function() rump.seed(1.5) end, "bad argument #1 to 'seed'")
  T.err(function() rump.seed("x") end, "bad argument #1 to 'seed'")
  rump.seed(nil)
  T.eq(race.deterministic(), false)
end)

T.case("one seed twice: byte-identical pcaps (virtual timestamps) and one digest", function()
  dir = T.tmpdir()
  local ok, a, b = race.check(scenario, { seed = 7 })
  T.ok(ok, a)
  T.eq(a.digest, b.digest)
  T.ok(a.count > 10, "frames, timers and syscall results were traced")
  T.ok(a.result.p1 == b.result.p1, "the first bus's pcap is byte-identical")
  T.ok(a.result.p2 == b.result.p2, "the second bus's pcap is byte-identical")
  T.eq(a.result.port, b.result.port)
  local ids = ids_ports(a.result.p1)
  T.ok(#ids >= 2, "IPv4 frames were captured")
  -- timestamps are virtual: the first frame at 2020-01-01T00:00:00Z
  local p = a.result.p1
  T.eq(p:byte(25) + p:byte(26) * 256 + p:byte(27) * 65536 + p:byte(28) * 16777216, 1577836800)
end)

T.case("another seed: other IP ids and ephemeral ports, another digest", function()
  dir = T.tmpdir()
  local a = race.run(7, scenario)
  local b = race.run(8, scenario)
  T.ne(a.digest, b.digest)
  local ida, pa = ids_ports(a.result.p1)
  local idb, pb = ids_ports(b.result.p1)
  T.ne(ida[1], idb[1], "IP ids come from the seed")
  T.ne(pa[1], pb[1], "ephemeral ports come from the seed")
  T.eq(pa[1], a.result.port)
end)

T.case("without a seed, kernels stay unpredictable", function()
  dir = T.tmpdir()
  local before = rump.seed()
  T.defer(function() rump.seed(before) end)
  rump.seed(nil)
  local a, b = scenario(), scenario()
  local ida = ids_ports(a.p1)
  local idb = ids_ports(b.p1)
  -- 16-bit ids and ports: both equal by chance once in 2^31 runs
  T.ok(ida[1] ~= idb[1] or a.port ~= b.port, "ids or ports differ between unseeded runs")
end)

T.case("the self-check names the first event that differs", function()
  local n = 0
  local ok, msg = race.check(function()
    n = n + 1
    race.note("run " .. n)
  end, { seed = 3 })
  T.eq(ok, nil)
  T.ok(msg:find("event 1 differs", 1, true), msg)
  T.ok(msg:find("seed 3", 1, true), msg)
end)

local function timers(run)
  local mine, sched = 0, 0
  for _, e in ipairs(run.events) do
    if e.kind == "timer" then
      if e.info == 0 then mine = mine + 1 else sched = sched + 1 end
    end
  end
  return mine, sched
end

T.case("deferred work runs on the calling thread, never on the scheduler thread", function()
  dir = T.tmpdir()
  local r = race.run(9, scenario)
  local mine, sched = timers(r)
  T.ok(mine > 0, "queued frames were run by timers")
  T.eq(sched, 0, "no timer fired on hyper's scheduler thread")
end)

T.case("a sleep in a kernel moves virtual time itself and times out at its deadline", function()
  for _ = 1, 5 do
    local r = race.run(12, function()
      local k = rump.kernel{ "net.netinet" }
      T.defer(function() k:destroy() end)
      local S = k.S
      local s = assert(S.socket("inet", "dgram"))
      assert(S.bind(s, S.t.sockaddr_in(9, "127.0.0.1")))
      assert(S.setsockopt(s, "socket", "rcvtimeo", 5))
      local t0 = rump.clock.now()
      local ok, err = S.recv(s)
      local dt = rump.clock.now() - t0
      S.close(s)
      k:destroy()
      return { ok = ok, err = err, dt = dt }
    end)
    T.eq(r.result.ok, nil)
    T.ok(r.result.err and (r.result.err.AGAIN or r.result.err.WOULDBLOCK), tostring(r.result.err))
    T.eq(r.result.dt, 5e9, "woke at exactly its virtual deadline")
    local mine, sched = timers(r)
    T.ok(mine >= 1, "the sleep's own deadline fired on the sleeping thread")
    T.eq(sched, 0)
  end
end)
