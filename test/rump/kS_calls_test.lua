-- The calls k.S gained to match the host binding (issue 9): getrlimit, setrlimit, select,
-- pselect, getpgrp, getpgid, setpgid, getsid, setsid, setreuid, setregid, clock_nanosleep,
-- getitimer, setitimer, timer_create, timer_settime, timer_gettime, timer_delete, pathconf,
-- fpathconf.  Each is checked against the kernel's own answer.
local T = require "rump.test"
local rump = require "rump"

local function kernel()
  local k = rump.kernel{ "vfs", "fs.tmpfs", "net", "net.local" }
  T.defer(function() k:destroy() end)
  return k
end

T.case("every one of the 20 calls is a function of k.S", function()
  local k = kernel()
  for _, n in ipairs{ "getrlimit", "setrlimit", "select", "pselect", "getpgrp", "getpgid", "setpgid",
      "getsid", "setsid", "setreuid", "setregid", "clock_nanosleep", "getitimer", "setitimer",
      "timer_create", "timer_settime", "timer_gettime", "timer_delete", "pathconf", "fpathconf" } do
    T.eq(type(k.S[n]), "function", n)
  end
end)

T.case("getrlimit/setrlimit: the kernel keeps the limit and enforces NOFILE", function()
  local k = kernel()
  local r = assert(k.S.getrlimit("nofile"))
  T.ok(r.cur > 0 and r.max >= r.cur)
  T.ok(k.S.setrlimit("nofile", { cur = 4, max = r.max }))
  T.eq(k.S.getrlimit("nofile").cur, 4)
  -- descriptors 0..3 may be taken; the kernel refuses the fifth
  local fds, e = {}, nil
  for i = 1, 6 do
    local f, err = k.S.open("/f" .. i, "creat, rdwr", "0644")
    if not f then e = err; break end
    fds[#fds + 1] = f
  end
  T.ok(e and e.MFILE, "EMFILE under the limit: " .. tostring(e))
  T.ok(#fds <= 4)
  -- a soft limit above the hard one is refused
  T.fails("INVAL", k.S.setrlimit("nofile", { cur = r.max + 1, max = r.max }))
  T.ok(k.S.setrlimit("core", { cur = "infinity", max = "infinity" }))
  T.err(function() k.S.setrlimit("nofile", 5) end, "bad argument #2 to 'setrlimit'")
  T.err(function() k.S.getrlimit("nosuch") end, "bad argument #1 to 'getrlimit'")
end)

T.case("process groups and sessions", function()
  local k = kernel()
  local pid = k.S.getpid()
  T.eq(k.S.getpgrp(), k.S.getpgid(0))
  T.eq(k.S.getpgid(pid), k.S.getpgid())
  T.ok(k.S.getsid() >= 1)
  -- process 1 leads its group: setsid is EPERM there
  T.fails("PERM", k.S.setsid())
  T.fails("SRCH", k.S.getpgid(99999))
  T.err(function() k.S.getpgid(1.5) end, "bad argument #1 to 'getpgid'")
  -- a forked process makes its own session
  local p = assert(k:rfork("copy"))
  T.defer(function() pcall(function() k:switch(p); k:release() end) end)
  local child = k.S.getpid()
  T.ne(child, pid)
  T.eq(k.S.setsid(), child)
  T.eq(k.S.getsid(), child)
  T.eq(k.S.getpgrp(), child)
end)

T.case("setreuid/setregid change the credentials", function()
  local k = kernel()
  local p = assert(k:rfork("copy"))
  T.defer(function() pcall(function() k:switch(p); k:release() end) end)
  T.ok(k.S.setregid(-1, 20))
  T.eq(k.S.getegid(), 20)
  T.ok(k.S.setreuid(-1, 1000))
  T.eq(k.S.geteuid(), 1000)
  T.eq(k.S.getuid(), 0)
  T.fails("PERM", k.S.setreuid(-1, 2000))
  T.err(function() k.S.setreuid(2 ^ 40) end, "bad argument #1 to 'setreuid'")
end)

T.case("select and pselect see readiness", function()
  local k = kernel()
  local _, _, a, b = assert(k.S.socketpair("unix", "stream"))
  local r = assert(k.S.select({ readfds = { b }, writefds = { a } }, 0))
  T.eq(r.count, 1)
  T.eq(#r.readfds, 0)
  T.eq(r.writefds[1], a)
  assert(a:write("x"))
  r = assert(k.S.pselect({ readfds = { b } }, 0))
  T.eq(r.count, 1)
  T.eq(r.readfds[1], b)
  r = assert(k.S.select({ readfds = { a } }, { 0, 1000 }))
  T.eq(r.count, 0)
  T.fails("INVAL", k.S.select({ readfds = { 300 } }, 0))  -- beyond FD_SETSIZE
  T.err(function() k.S.select(5) end, "bad argument #1 to 'select'")
end)

T.case("clock_nanosleep sleeps on the kernel clock and reports errors as values", function()
  local k = kernel()
  local t0 = k.S.clock_gettime("monotonic").time
  T.ok(k.S.clock_nanosleep("monotonic", nil, 0.002))
  T.ok(k.S.clock_gettime("monotonic").time - t0 >= 0.002)
  local past = k.S.clock_gettime("monotonic")
  T.ok(k.S.clock_nanosleep("monotonic", "abstime", past))
  T.fails("INVAL", k.S.clock_nanosleep("monotonic", nil, { 0, 2e9 }))
  T.err(function() k.S.clock_nanosleep("monotonic", nil, nil) end, "bad argument #3 to 'clock_nanosleep'")
end)

T.case("getitimer/setitimer", function()
  local k = kernel()
  local old = assert(k.S.setitimer("real", { 0, 100 }))
  T.eq(old.value.sec, 0)
  local cur = assert(k.S.getitimer("real"))
  T.ok(cur.value.sec > 90 and cur.value.sec <= 100)
  old = assert(k.S.setitimer("real", { 0, 0 }))
  T.ok(old.value.sec > 90)
  T.eq(k.S.getitimer("real").value.time, 0)
  T.err(function() k.S.setitimer("real", 7) end, "bad argument #2 to 'setitimer'")
end)

T.case("POSIX timers: create, set, get, delete", function()
  local k = kernel()
  local tm = assert(k.S.timer_create("monotonic", { notify = "none" }))
  local ok, _, old = k.S.timer_settime(tm, 0, { 0, 50 })
  T.ok(ok)
  T.eq(old.value.time, 0)
  local cur = assert(k.S.timer_gettime(tm))
  T.ok(cur.value.sec > 40 and cur.value.sec <= 50)
  T.ok(tm:delete())
  T.fails("INVAL", k.S.timer_delete(tm))
  T.fails("INVAL", k.S.timer_gettime(tm))
  T.fails("INVAL", k.S.timer_create("monotonic", { notify = "thread" }))
  T.err(function() k.S.timer_settime(5, 0, { 0, 1 }) end, "bad argument #1 to 'timer_settime'")
end)

T.case("pathconf and fpathconf answer the file system's limits", function()
  local k = kernel()
  T.ok(k.S.pathconf("/", "name_max") > 0)
  local f = assert(k.S.open("/x", "creat, rdwr", "0644"))
  T.ok(k.S.fpathconf(f, "link_max") > 0)
  local _, _, a = assert(k.S.socketpair("unix", "stream"))
  local v, e = k.S.fpathconf(a, "name_max")
  T.ok(v or (e and e.INVAL), "a socket has no name_max: " .. tostring(v or e))
  T.fails("NOENT", k.S.pathconf("/nosuch", "name_max"))
  T.err(function() k.S.pathconf("/", "nosuch") end, "bad argument #2 to 'pathconf'")
end)
