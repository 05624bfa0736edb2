-- The virtual clock wakes a sleeper at its own deadline even when another timer of the
-- process is due later: a host whose ARP entry expires at +1200 s sleeps 1199 s, and the
-- sleep takes 1199 s of virtual time, not 1200 (time may jump only to the earliest
-- deadline, and not again until the woken thread has run).  Virtual time is exact, so
-- the lengths are compared in whole nanoseconds; this is the clock's behaviour, not a
-- timing measurement (the host waits for none of it).
local T = require "rump.test"

local NS = 1000000000

local N = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "shared/net.lua")
local build, virtual = N.build, N.virtual

-- Nanoseconds the kernel's monotonic clock moves during S.nanosleep(secs).
local function slept(S, secs)
  local t0 = assert(S.clock_gettime("monotonic"))
  assert(S.nanosleep(secs))
  local t1 = assert(S.clock_gettime("monotonic"))
  return (t1.sec - t0.sec) * NS + (t1.nsec - t0.nsec)
end

T.case("a virtual sleep ends at its own deadline, not at a later pending timer", function()
  local net = build{ hosts = { "a", "b" },
                     buses = { lan = { { "a", "10.4.0.1/24" }, { "b", "10.4.0.2/24" } } } }
  virtual()
  local a = net.hosts.a
  local host0 = require "syscall".clock_gettime("monotonic").time
  T.ok(a:ping("10.4.0.2"), "ping b (leaves an ARP entry expiring at +1200 s)")
  local S = a.S
  for _, secs in ipairs { 1199, 17, 3600, 1 } do
    T.eq(slept(S, secs), secs * NS, "nanosleep(" .. secs .. ") in virtual ns")
  end
  -- again and again: each ping resolves afresh (the entry expired) and arms a new expiry
  for i = 1, 20 do
    T.ok(a:ping("10.4.0.2"), "ping " .. i)
    T.eq(slept(S, 1199), 1199 * NS, "repetition " .. i .. ": nanosleep(1199)")
    T.eq(slept(S, 2), 2 * NS, "repetition " .. i .. ": nanosleep(2) across the expiry")
  end
  T.ok(require "syscall".clock_gettime("monotonic").time - host0 < 600,
       "the host waited for none of those hours")
end)

T.case("alternate sleeps in two hosts, ARP timers pending in both, are exact", function()
  local net = build{ hosts = { "a", "b" },
                     buses = { lan = { { "a", "10.5.0.1/24" }, { "b", "10.5.0.2/24" } } } }
  virtual()
  T.ok(net.hosts.a:ping("10.5.0.2"), "ping (ARP timers pending in both hosts)")
  -- 700 + 499 s: just short of the expiries at +1200 s, then 1 s onto them, then past
  for _, step in ipairs { { "a", 700 }, { "b", 499 }, { "a", 1 }, { "b", 3600 }, { "a", 1199 } } do
    local h, secs = net.hosts[step[1]], step[2]
    T.eq(slept(h.S, secs), secs * NS, step[1] .. ": nanosleep(" .. secs .. ")")
  end
end)
