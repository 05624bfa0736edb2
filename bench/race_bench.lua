-- Race hunting (docs/race.md): runs per second, on one core, of the three-kernel scenario of
-- issue 11 -- boot three kernels (h1, router r, h3), two buses, addresses and routes through
-- NetBSD's netconfig calls, one UDP datagram h1 -> h3 across the router and its reply
-- (ARP on both links on the way), destroy all three -- in the seeded deterministic mode
-- (rump.seed + virtual clock, each run reseeded, as the harness does per case), beside the
-- same scenario unseeded with the real clock, interleaved in this process.  Also the cost
-- of the event trace (rump.race.trace) per run.
local B = dofile((arg[0]:match("^(.-)[^/]*$")) .. "util.lua")
local rump = require "rump"
local rnet = require "rump.net"
local race = require "rump.race"

B.section("race hunting: the three-kernel seeded scenario (boot, ARP, UDP through a router, destroy)")

local COMPS = { "net.netinet", "net.shmif" }
local busid = 0

-- The three kernels: h1 (10.1.0.1) and h3 (10.2.0.1) on two buses of their own (names
-- from prefix), r routing between them (10.1.0.2, 10.2.0.2).
local function three(prefix)
  busid = busid + 1
  local b1, b2 = prefix .. busid .. "a", prefix .. busid .. "b"
  local h1, r, h3 = rump.kernel(COMPS), rump.kernel(COMPS), rump.kernel(COMPS)
  local n1, nr, n3 = rnet.netconfig(h1), rnet.netconfig(r), rnet.netconfig(h3)
  assert(n1:ifcreate("shmif0")); assert(n1:ifsetlinkstr("shmif0", b1))
  assert(n1:ipv4_ifaddr_cidr("shmif0", "10.1.0.1", 24)); assert(n1:ipv4_gw("10.1.0.2"))
  assert(nr:ifcreate("shmif0")); assert(nr:ifsetlinkstr("shmif0", b1))
  assert(nr:ipv4_ifaddr_cidr("shmif0", "10.1.0.2", 24))
  assert(nr:ifcreate("shmif1")); assert(nr:ifsetlinkstr("shmif1", b2))
  assert(nr:ipv4_ifaddr_cidr("shmif1", "10.2.0.2", 24))
  assert(r.S.sysctl("net.inet.ip.forwarding", 1))
  assert(n3:ifcreate("shmif0")); assert(n3:ifsetlinkstr("shmif0", b2))
  assert(n3:ipv4_ifaddr_cidr("shmif0", "10.2.0.1", 24)); assert(n3:ipv4_gw("10.2.0.2"))
  return h1, r, h3
end

-- One run; returns the reply's length (4) or raises.
local function scenario()
  local h1, r, h3 = three("rb")
  local S1, S3 = h1.S, h3.S
  local s3 = assert(S3.socket("inet", "dgram"))
  assert(S3.bind(s3, S3.t.sockaddr_in(7, "0.0.0.0")))
  local s1 = assert(S1.socket("inet", "dgram"))
  assert(S1.sendto(s1, "ping", nil, 0, S1.t.sockaddr_in(7, "10.2.0.1")))
  local data, err, from = S3.recvfrom(s3)
  assert(data == "ping", tostring(err))
  assert(S3.sendto(s3, "pong", nil, 0, from))
  local got = assert(S1.recv(s1))
  S1.close(s1); S3.close(s3)
  h3:destroy(); r:destroy(); h1:destroy()
  return #got
end

local seed = 1
local function seeded(n)
  local t0 = B.now()
  for _ = 1, n do
    seed = seed + 1
    rump.seed(seed)
    scenario()
  end
  return B.now() - t0
end
local function traced(n)
  local t0 = B.now()
  for _ = 1, n do
    seed = seed + 1
    rump.seed(seed)
    race.trace(1000)
    scenario()
    race.digest()
    race.trace(false)
  end
  return B.now() - t0
end
local function unseeded(n)
  local t0 = B.now()
  for _ = 1, n do scenario() end
  return B.now() - t0
end

-- the unseeded side runs on the real clock, the seeded ones on the virtual clock
local function mode(det, fn)
  return function(n)
    if det then rump.clock.virtual(true) else rump.seed(nil); rump.clock.virtual(false) end
    local t = fn(n)
    rump.seed(nil); rump.clock.virtual(false)
    return t
  end
end

-- check once that the seeded mode is what is measured, and deterministic
do
  rump.clock.virtual(true)
  local ok, msg = race.check(scenario, { seed = 99 })
  assert(ok, msg)
  rump.seed(99)
  assert(race.deterministic(), "the seeded mode is on")
  rump.seed(nil); rump.clock.virtual(false)
end

local r = B.interleave{ n = 20, rounds = 21, fns = {
  { "seeded", mode(true, seeded) },
  { "traced", mode(true, traced) },
  { "unseeded", mode(false, unseeded) },
} }

local function persec(x) return 1e9 / x.med end
B.fig("race.seeded", "three-kernel seeded scenario (boot, ARP, UDP via router, destroy), runs/s", persec(r.seeded), "runs/s",
  ("%.0f us per run; goal 10000 runs/s"):format(r.seeded.med / 1e3))
B.fig("race.traced", "the same with the event trace and its digest, runs/s", persec(r.traced), "runs/s",
  ("%.0f us per run"):format(r.traced.med / 1e3))
B.fig("race.unseeded", "the same scenario unseeded, real clock, runs/s", persec(r.unseeded), "runs/s",
  ("%.0f us per run"):format(r.unseeded.med / 1e3))
-- runs per second: a ratio above 1 means more runs than the baseline
B.cmp("race.seeded", "race.unseeded", "same process, LuaJIT, interleaved batches of 20 runs, one thread")
B.cmp("race.traced", "race.seeded", "same process, LuaJIT, interleaved batches of 20 runs, one thread")

-- The scheduler (rump.race worlds, docs/race.md): per-run overhead of the harness, the
-- virtual-to-real time ratio of a timeout-dominated scenario, runs to hit each example race.
B.section("race hunting: the interleaving scheduler (rump.race worlds)")

-- the same three-kernel scenario, its UDP exchange run by two threads of a world (client
-- on h1, server on h3: every call a preemption point, blocking calls cooperative) and run
-- through race.explore (a world, choices recorded, reseeded per run)
local function scenario_world(w)
  local h1, r, h3 = three("rw")
  local s3 = assert(h3.S.socket("inet", "dgram"))
  assert(h3.S.bind(s3, h3.S.t.sockaddr_in(7, "0.0.0.0")))
  local got
  w:spawn("server", h3, nil, function(S)
    local data, err, from = S.recvfrom(s3)
    assert(data == "ping", tostring(err))
    assert(S.sendto(s3, "pong", nil, 0, from))
  end)
  w:spawn("client", h1, nil, function(S)
    local s1 = assert(S.socket("inet", "dgram"))
    assert(S.sendto(s1, "ping", nil, 0, S.t.sockaddr_in(7, "10.2.0.1")))
    got = assert(S.recv(s1))
    S.close(s1)
  end)
  w:run()
  h3.S.close(s3)
  h3:destroy(); r:destroy(); h1:destroy()
  assert(got == "pong")
end
local wseed = 1000
local function worlds(n)
  local t0 = B.now()
  local f = race.explore(scenario_world, { seed = wseed, runs = n, strategy = "random" })
  assert(not f, f and f.message)
  wseed = wseed + n
  return B.now() - t0
end
local r2 = B.interleave{ n = 20, rounds = 21, fns = {
  { "seeded", mode(true, seeded) },
  { "world", mode(true, worlds) },
} }
B.fig("race.world", "the same, exchange by two world threads via race.explore, runs/s", persec(r2.world), "runs/s",
  ("%.0f us per run, harness overhead %.1f us per run"):format(r2.world.med / 1e3, (r2.world.med - r2.seeded.med) / 1e3))
B.fig("race.seeded2", "the same scenario seeded, one thread, no world (baseline), runs/s", persec(r2.seeded), "runs/s",
  ("%.0f us per run"):format(r2.seeded.med / 1e3))
B.cmp("race.world", "race.seeded2", "same process, LuaJIT, interleaved batches of 20 runs")

-- a timeout-dominated scenario: a UDP client retransmits 5 times with a 1 s timeout to a
-- server that never answers (5 s of virtual time), in a world
local R = dofile((arg[0]:match("^(.-)[^/]*$")) .. "../examples/races.lua")
local function timeouts(w)
  local k = rump.kernel(COMPS)
  local ok, err = pcall(function()
    local nc = rnet.netconfig(k)
    assert(nc:ifcreate("shmif0")); assert(nc:ifsetlinkstr("shmif0", "rt" .. busid))
    assert(nc:ipv4_ifaddr_cidr("shmif0", "10.3.0.1", 24))
    w:spawn("client", k, nil, function(S)
      local s = assert(S.socket("inet", "dgram"))
      for _ = 1, 5 do
        S.sendto(s, "req", nil, 0, S.t.sockaddr_in(7, "10.3.0.9"))
        assert(S.poll({ { fd = s, events = "in" } }, 1000) == 0)
      end
      S.close(s)
    end)
    w:run()
  end)
  k:destroy()
  assert(ok, err)
end
do
  rump.clock.virtual(true)
  local v0, t0 = rump.clock.now(), B.now()
  local n = B.quick and 5 or 40
  local f = race.explore(timeouts, { seed = 1, runs = n })
  assert(not f, f and f.message)
  local real = B.now() - t0
  rump.clock.virtual(true)
  local virt = n * 5e9
  rump.clock.virtual(false)
  B.fig("race.vratio", "virtual s per real s, UDP retransmissions (5 x 1 s timeout)", virt / real, "x",
    ("%d runs, %.0f us real per 5 s virtual run"):format(n, real / n / 1e3))
  local _ = v0
end

-- runs until each example race is first hit, random against PCT (depth 3), from 20
-- starting seeds each (mean over the 20)
local START = B.quick and 5 or 20
for _, name in ipairs(R.names) do
  local mean = {}
  for _, strat in ipairs{ "random", "pct" } do
    local total, missed = 0, 0
    for s = 1, START do
      local f, runs = race.explore(R[name], { seed = s * 1000, runs = 500, strategy = strat, faults = R.faults[name] })
      total = total + (f and f.runs or runs)
      if not f then missed = missed + 1 end
    end
    mean[strat] = total / START
    B.fig("race.hit." .. name .. "." .. strat, ("runs to hit the %s race, %s"):format(name, strat), mean[strat], "runs",
      ("mean over %d starting seeds%s"):format(START, missed > 0 and (", " .. missed .. " not found in 500") or ""))
  end
  B.cmp("race.hit." .. name .. ".pct", "race.hit." .. name .. ".random", "same process, runs until the first failure (fewer is better)")
end
