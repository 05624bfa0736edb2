-- Time: clocks, sleeping, interval timers and the time types.  Assertions are about
-- behaviour (clocks move forward, a sleep lasts at least what was asked), never upper bounds.
local T = require "rump.test"
local S = require "syscall"
local c, t = S.c, S.t

local function mono() return S.clock_gettime("monotonic") end

-- Time types ------------------------------------------------------------------------------

T.case("timespec: from seconds, a list, named fields and a copy", function()
  local a = t.timespec(1.5)
  T.eq(a.sec, 1); T.eq(a.nsec, 500000000); T.eq(a.time, 1.5)
  local b = t.timespec { 2, 3 }
  T.eq(b.tv_sec, 2); T.eq(b.tv_nsec, 3)
  local d = t.timespec { tv_sec = 4, tv_nsec = 5 }
  T.eq(d.sec, 4); T.eq(d.nsec, 5)
  local e = t.timespec(a)
  T.eq(e.time, 1.5)
  e.sec = 9
  T.eq(a.sec, 1, "a copy, not the same value")
  T.eq(t.timespec().time, 0)
end)

T.case("timespec: setting fields, tostring and comparisons", function()
  local a = t.timespec()
  a.time = 2.25
  T.eq(a.sec, 2); T.eq(a.nsec, 250000000)
  a.nsec = 7
  T.eq(tostring(a), "2.000000007")
  T.ok(t.timespec(1) < t.timespec(1.5))
  T.ok(t.timespec { 1, 2 } <= t.timespec { 1, 2 })
  T.ok(t.timespec { 1, 2 } == t.timespec { 1, 2 })
  T.ok(t.timespec { 1, 2 } ~= t.timespec { 1, 3 })
  T.ok(a ~= nil, "comparing with nil is false, not an error")
  T.eq(a == nil, false)
  T.err(function() a.bogus = 1 end, "no field 'bogus'")
  T.err(function() t.timespec("soon") end, "number or table expected")
end)

T.case("timeval: microseconds, tostring, comparisons", function()
  local v = t.timeval(2.25)
  T.eq(v.sec, 2); T.eq(v.usec, 250000); T.eq(v.time, 2.25)
  T.eq(tostring(t.timeval { 3, 4 }), "3.000004")
  T.ok(t.timeval(1) < t.timeval(2))
  T.ok(v ~= nil)
  v.usec = 1
  T.eq(v.tv_usec, 1)
end)

T.case("itimerspec and itimerval: {interval, value} and named forms", function()
  local it = t.itimerspec { 1.5, 2 }
  T.eq(it.interval.time, 1.5); T.eq(it.value.time, 2)
  local it2 = t.itimerspec { it_interval = { 0, 5 }, it_value = 3 }
  T.eq(it2.interval.nsec, 5); T.eq(it2.value.sec, 3)
  local iv = t.itimerval { interval = 0.5, value = 0.25 }
  T.eq(iv.interval.usec, 500000); T.eq(iv.value.usec, 250000)
  T.eq(t.itimerval(iv).value.time, 0.25)
end)

-- Clocks ----------------------------------------------------------------------------------

T.case("clock_gettime: monotonic never goes back", function()
  local prev = mono()
  for _ = 1, 1000 do
    local now = mono()
    T.ok(now >= prev, "monotonic")
    prev = now
  end
end)

T.case("clock_gettime: fills and returns a given timespec", function()
  local ts = t.timespec()
  local r = S.clock_gettime("monotonic", ts)
  T.ok(r == ts, "same object")
  T.ok(ts.time > 0)
  -- boottime is monotonic plus the time suspended, so never behind a monotonic reading
  T.ok(S.clock_gettime(c.CLOCK.BOOTTIME) >= ts, "boottime >= monotonic")
end)

T.case("clock_gettime: realtime lies between two gettimeofday readings", function()
  local a = S.gettimeofday()
  local r = S.clock_gettime("realtime")
  local b = S.gettimeofday()
  local rus = r.sec * 1000000 + math.floor(r.nsec / 1000)
  T.ok(rus >= a.sec * 1000000 + a.usec, "not before the first")
  T.ok(rus <= b.sec * 1000000 + b.usec, "not after the second")
  T.ok(S.time() >= a.sec, "time() agrees")
end)

T.case("clock_gettime: every named clock answers; process CPU time advances", function()
  for _, name in ipairs { "realtime", "monotonic", "process_cputime_id", "thread_cputime_id",
    "monotonic_raw", "realtime_coarse", "monotonic_coarse", "boottime", "tai" } do
    local ts, e = S.clock_gettime(name)
    T.ok(ts, name .. ": " .. tostring(e))
    T.ok(ts.nsec >= 0 and ts.nsec < 1000000000, name .. " nsec in range")
  end
  local c0 = S.clock_gettime("process_cputime_id")
  local x, n = 0, 0
  repeat
    for i = 1, 10000 do x = x + i end
    n = n + 1
  until S.clock_gettime("process_cputime_id") > c0 or n > 1e6
  T.ok(S.clock_gettime("process_cputime_id") > c0, "CPU time went up")
end)

T.case("clock_getres: a positive resolution of at most a second", function()
  for _, name in ipairs { "realtime", "monotonic", "boottime", "process_cputime_id" } do
    local res = assert(S.clock_getres(name))
    T.ok(res.time > 0, name .. " res > 0")
    T.ok(res.time <= 1, name .. " res <= 1s")
  end
  local ts = t.timespec()
  T.ok(S.clock_getres("monotonic", ts) == ts)
end)

T.case("clock_gettime/getres: bad clocks give EINVAL or raise", function()
  T.fails("INVAL", S.clock_gettime(9999))
  T.fails("INVAL", S.clock_getres(9999))
  T.fails("INVAL", S.clock_gettime(-100))
  T.err(function() S.clock_gettime("sundial") end, "bad argument #1 to 'clock_gettime'")
  T.err(function() S.clock_getres("sundial") end, "bad argument #1 to 'clock_getres'")
end)

T.case("clock_settime: setting the clock needs privilege or a valid clock", function()
  T.fails("INVAL", S.clock_settime("monotonic", S.clock_gettime("monotonic")))
  T.fails("INVAL", S.clock_settime(9999, t.timespec(0)))
end)

T.case("gettimeofday: microseconds in range, fills a given timeval", function()
  local tv = t.timeval()
  T.ok(S.gettimeofday(tv) == tv)
  T.ok(tv.sec > 1500000000, "after 2017")
  T.ok(tv.usec >= 0 and tv.usec < 1000000)
end)

-- Sleeping --------------------------------------------------------------------------------

T.case("nanosleep: sleeps at least the time asked (number, table, timespec)", function()
  for _, req in ipairs { 0.01, { 0, 10000000 }, t.timespec(0.01) } do
    local t0 = mono()
    T.eq(S.nanosleep(req), true)
    T.ok(mono().time - t0.time >= 0.01 - 1e-9, "slept at least 10ms")
  end
  T.eq(S.nanosleep(0), true)
  T.eq(S.sleep(0.001), 0)
end)

T.case("nanosleep: EINVAL for negative or too large nanoseconds, negative seconds", function()
  T.fails("INVAL", S.nanosleep({ 0, -1 }))
  T.fails("INVAL", S.nanosleep({ 0, 1000000000 }))
  T.fails("INVAL", S.nanosleep({ -1, 0 }))
  T.err(function() S.nanosleep(nil) end, "bad argument #1 to 'nanosleep'")
  T.err(function() S.nanosleep("soon") end, "number or table expected")
end)

T.case("clock_nanosleep: relative sleep on the monotonic clock lasts at least the request", function()
  local t0 = mono()
  T.eq(S.clock_nanosleep("monotonic", 0, 0.01), true)
  T.ok(mono().time - t0.time >= 0.01 - 1e-9)
  t0 = S.clock_gettime("realtime")
  T.eq(S.clock_nanosleep(nil, nil, { 0, 5000000 }), true)
  T.ok(S.clock_gettime("realtime").time - t0.time >= 0.005 - 1e-6)
end)

T.case("clock_nanosleep: abstime wakes no earlier than the deadline", function()
  local deadline = t.timespec(mono().time + 0.01)
  T.eq(S.clock_nanosleep("monotonic", "abstime", deadline), true)
  T.ok(mono() >= deadline, "deadline reached")
  -- a deadline in the past returns at once
  T.eq(S.clock_nanosleep("monotonic", "abstime", t.timespec(1)), true)
end)

T.case("clock_nanosleep: errors come back as error objects", function()
  T.fails("INVAL", S.clock_nanosleep(9999, 0, 0.001))
  T.fails("INVAL", S.clock_nanosleep("monotonic", 0, { 0, -1 }))
  T.fails("INVAL", S.clock_nanosleep("monotonic", 0, { 0, 2000000000 }))
  T.fails("INVAL", S.clock_nanosleep("thread_cputime_id", 0, 0.001))
  T.err(function() S.clock_nanosleep("monotonic", 0, nil) end, "bad argument #3 to 'clock_nanosleep'")
  T.err(function() S.clock_nanosleep("monotonic", "bogus", 1) end, "bad argument #2 to 'clock_nanosleep'")
  T.err(function() S.clock_nanosleep("monotonic", 0, "soon") end, "bad argument #3 to 'clock_nanosleep'")
end)

-- Interval timers -------------------------------------------------------------------------

T.case("setitimer/getitimer: arming real shows the time left, disarming returns it", function()
  T.defer(function() S.setitimer("real", { 0, 0 }) end)
  T.eq(assert(S.getitimer("real")).value.time, 0, "disarmed at first")
  local old = assert(S.setitimer("real", { 5, 100 }))
  T.eq(old.value.time, 0)
  local cur = assert(S.getitimer("real"))
  T.ok(cur.value.time > 0 and cur.value.time <= 100, "time left " .. cur.value.time)
  T.eq(cur.interval.time, 5)
  local prev = assert(S.setitimer("real", { 0, 0 }))
  T.ok(prev.value.time > 0, "previous value returned")
  T.eq(prev.interval.time, 5)
  T.eq(S.getitimer("real").value.time, 0)
end)

T.case("setitimer: a virtual timer counts down only with CPU time", function()
  T.defer(function() S.setitimer("virtual", 0) end)
  assert(S.setitimer("virtual", t.itimerval { 0, 100 }))
  local v0 = S.getitimer("virtual").value.time
  local x = 0
  repeat
    for i = 1, 100000 do x = x + i end
  until S.getitimer("virtual").value.time < v0
  T.ok(S.getitimer("virtual").value.time < v0, "counted down")
  T.ok(S.getitimer(c.ITIMER.PROF), "prof readable")
end)

T.case("setitimer: an expiring real timer delivers SIGALRM", function()
  local old = assert(S.sigprocmask("block", "alrm"))
  local sfd = assert(S.signalfd("alrm"))
  T.defer(function()
    S.setitimer("real", 0)
    local d = S.signalfd("alrm", "nonblock")
    if d then while d:signalfd_read() do end d:close() end
    sfd:close()
    assert(S.sigprocmask("setmask", old))
  end)
  local t0 = mono()
  assert(S.setitimer("real", { 0, 0.01 }))
  local sigs = assert(sfd:signalfd_read())
  T.eq(sigs[1].signo, c.SIG.ALRM)
  T.ok(mono().time - t0.time >= 0.01 - 1e-6, "not before its time")
  T.eq(S.getitimer("real").value.time, 0, "one-shot: disarmed")
end)

T.case("setitimer/getitimer: errors", function()
  T.fails("INVAL", S.getitimer(99))
  T.fails("INVAL", S.setitimer(99, { 0, 1 }))
  T.fails("INVAL", S.setitimer("real", { 0, { 0, 2000000 } }))
  T.err(function() S.getitimer("sometimes") end, "bad argument #1 to 'getitimer'")
  T.err(function() S.setitimer("real", "soon") end, "bad argument #2 to 'setitimer'")
end)
