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

-- One run; returns the reply's length (4) or raises.
local function scenario()
  busid = busid + 1
  local b1, b2 = "rb" .. busid .. "a", "rb" .. busid .. "b"
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
