-- syscall.linux.wait: waiting for descriptors, events and time on Linux.
--
--   ppoll, select, pselect              readiness of descriptor lists
--   epoll_create/create1/ctl/wait/pwait event polling (epoll_wait returns an iterator)
--   eventfd (+ eventfd_read/eventfd_write), timerfd_create/settime/gettime (+ timerfd_read),
--   signalfd (+ signalfd_read), inotify_init/init1/add_watch/rm_watch (+ inotify_read)
--   clock_nanosleep, getitimer, setitimer
-- The API is ljsyscall's: the results of the *_read helpers and epoll_wait are described by
-- each function.  Every function that takes a descriptor first is also a descriptor method
-- (fd:epoll_ctl, fd:inotify_read, fd:eventfd_read...).

local ffi = require "syscall.ffi"
local h = require "syscall.helpers"
local fdm = require "syscall.fd"

local type, tonumber, tostring, ipairs, pairs, error, setmetatable, pcall, math, package =
      type, tonumber, tostring, ipairs, pairs, error, setmetatable, pcall, math, package
local type, tonumber = ffi.type or type, ffi.tonumber or tonumber -- PUC Lua: cdata are userdata

local M = {}

-- POSIX per-process timers: struct sigevent, and rumpus_lx_timer, the timer object
-- (ljsyscall's t.timer): the kernel's timer id and whether it still exists, so the GC deletes a
-- forgotten timer once and never a deleted one.  The calls are the raw syscalls: glibc's
-- timer_t is an encoding of its own (and has versioned symbols), the kernel's id is an int.
if not package.loaded["syscall.linux.wait.decl"] then
  ffi.cdef [[
struct rumpus_lx_sigevent {
  union rumpus_lx_sigval sigev_value; int sigev_signo; int sigev_notify;
  union { int _pad[12]; int _tid; } _sigev_un;
};
struct rumpus_lx_timer { int timerid[1]; int live; };
]]
  package.loaded["syscall.linux.wait.decl"] = true
end

function M.init(S, env)
  local C, c, t, s = env.C, env.c, env.t, env.s
  local err = t.error
  local errno = env.errno or ffi.errno
  local getfd, flag = env.getfd or fdm.getfd, h.flag
  local retbool, retnum, retfd = S.retbool, S.retnum, S.retfd
  local function fail() return nil, err(errno()) end

  -- A time argument: nil (none: wait for ever), seconds as a number, a table {sec, nsec} or
  -- a value of the type itself.
  local function timearg(ct, v, fname, argn)
    if v == nil then return nil end
    local tv = type(v)
    if tv == "cdata" and ffi.istype(ct, v) and not h.isnull(v) then return v end
    if tv == "number" or tv == "table" then
      local ok, r = pcall(ct, v)
      if ok then return r end
      error("bad argument #" .. argn .. " to '" .. fname .. "' (" .. tostring(r):gsub("^.-%((.*)%)$", "%1") .. ")", 3)
    end
    h.argerror(fname, argn, "time (number, table or " .. tostring(ct):gsub("^ctype<(.*)>$", "%1") .. ")", v)
  end
  local function sigarg(v, fname, argn)
    if v == nil then return nil end
    local tv = type(v)
    if tv == "cdata" and ffi.istype(t.sigset, v) and not h.isnull(v) then return v end
    if tv == "string" or tv == "number" or tv == "table" then
      local ok, r = pcall(t.sigset, v)
      if ok then return r end
      error("bad argument #" .. argn .. " to '" .. fname .. "' (" .. tostring(r):gsub("^.-: ", "") .. ")", 3)
    end
    h.argerror(fname, argn, "sigset", v)
  end
  local function pollarg(fds, fname)
    if type(fds) == "table" and not fds.pfd then return t.pollfds(fds) end
    if type(fds) ~= "table" then h.argerror(fname, 1, "pollfds", fds) end
    return fds
  end

  -- ppoll: timeout in seconds (number) or a timespec, nil waits for ever; returns the number of
  -- ready descriptors (their revents are in the pollfds).
  if C.ppoll then
    function S.ppoll(fds, timeout, set)
      fds = env.pollfds(fds, "ppoll")
      return retnum(C.ppoll(fds.pfd, fds.count, timearg(t.timespec, timeout, "ppoll", 2), sigarg(set, "ppoll", 3)))
    end
  end

  -- select/pselect: sel = {readfds = {fd...}, writefds = {...}, exceptfds = {...}}; the result
  -- has the same three lists holding the ready members (the objects passed in) and .count.
  -- select's timeout is a timeval (seconds as a number), pselect's a timespec; nil waits.
  local FD_SETSIZE = c.FD_SETSIZE
  local bytep = ffi.typeof("uint8_t *")
  local bit = require "syscall.bit"
  local function mkset(list, nfds, fname, field)
    if list == nil then return nil, nfds end
    if type(list) ~= "table" then
      error("bad argument #1 to '" .. fname .. "' (" .. field .. " must be a list of descriptors, got " .. type(list) .. ")", 4)
    end
    local set = t.fdset()
    local p = ffi.cast(bytep, set)
    for _, v in ipairs(list) do
      local n = getfd(v, fname, 1)
      if n < 0 then return nil, nil, err(c.E.BADF) end
      if n >= FD_SETSIZE then return nil, nil, err(c.E.INVAL) end
      local b = math.floor(n / 8)
      p[b] = bit.bor(p[b], bit.lshift(1, n % 8))
      if n + 1 > nfds then nfds = n + 1 end
    end
    return set, nfds
  end
  local function isset(list, set)
    local r = {}
    if list == nil then return r end
    local p = ffi.cast(bytep, set)
    for _, v in ipairs(list) do
      local n = getfd(v)
      if bit.band(p[math.floor(n / 8)], bit.lshift(1, n % 8)) ~= 0 then r[#r + 1] = v end
    end
    return r
  end
  local function selectsets(sel, fname)
    if type(sel) ~= "table" then h.argerror(fname, 1, "table of descriptor lists", sel) end
    local r, w, e, nfds, bad
    r, nfds, bad = mkset(sel.readfds, 0, fname, "readfds")
    if bad then return nil, bad end
    w, nfds, bad = mkset(sel.writefds, nfds, fname, "writefds")
    if bad then return nil, bad end
    e, nfds, bad = mkset(sel.exceptfds, nfds, fname, "exceptfds")
    if bad then return nil, bad end
    return { r, w, e, nfds }
  end
  local function selectresult(sel, sets, ret)
    return { readfds = isset(sel.readfds, sets[1]), writefds = isset(sel.writefds, sets[2]),
      exceptfds = isset(sel.exceptfds, sets[3]), count = ret }
  end
  if C.select then
    function S.select(sel, timeout)
      local sets, e = selectsets(sel, "select")
      if not sets then return nil, e end
      local tv = timearg(t.timeval, timeout, "select", 2)
      if tv then tv = t.timeval(tv) end -- the kernel writes the time left into it
      local ret = C.select(sets[4], sets[1], sets[2], sets[3], tv)
      if ret == -1 then return fail() end
      return selectresult(sel, sets, ret)
    end
  end
  if C.pselect then
    function S.pselect(sel, timeout, set)
      local sets, e = selectsets(sel, "pselect")
      if not sets then return nil, e end
      local ret = C.pselect(sets[4], sets[1], sets[2], sets[3], timearg(t.timespec, timeout, "pselect", 2), sigarg(set, "pselect", 3))
      if ret == -1 then return fail() end
      return selectresult(sel, sets, ret)
    end
  end

  -- epoll.  epoll_create(flags) is epoll_create1 as in ljsyscall (flags "cloexec" or nil).
  function S.epoll_create1(flags) return retfd(C.epoll_create1(flag(c.EPOLLCREATE, flags, "epoll_create1", 1))) end
  function S.epoll_create(flags) return retfd(C.epoll_create1(flag(c.EPOLLCREATE, flags, "epoll_create", 1))) end

  -- epoll_ctl(epfd, op, fd, event): op "add", "mod", "del"; event is the events ("in, out")
  -- (the data is then the descriptor's number), a table {events =, fd = | u64 = | u32 =} or an
  -- epoll_event.
  local epev = t.epoll_event
  local scratchev = epev() -- the kernel copies the event: one buffer serves every call
  function S.epoll_ctl(epfd, op, fd, event)
    local e = getfd(epfd, "epoll_ctl", 1)
    op = flag(c.EPOLL_CTL, op, "epoll_ctl", 2)
    local n = getfd(fd, "epoll_ctl", 3)
    local ev
    local te = type(event)
    if te == "string" or te == "number" then
      ev = scratchev
      ev.data.u64 = 0
      ev.events = flag(c.EPOLL, event, "epoll_ctl", 4)
      ev.data.fd = n
    elseif te == "table" then
      ev = scratchev
      ev.data.u64 = 0
      ev.events = flag(c.EPOLL, event.events, "epoll_ctl", 4)
      if event.u64 ~= nil then ev.data.u64 = h.checknumber(event.u64, "epoll_ctl", 4)
      elseif event.u32 ~= nil then ev.data.u32 = h.uint(event.u32, "epoll_ctl", 4)
      elseif event.ptr ~= nil then
        if type(event.ptr) ~= "cdata" or h.ckind(event.ptr) ~= "pointer" then h.argerror("epoll_ctl", 4, "ptr: a pointer", event.ptr) end
        ev.data.ptr = event.ptr
      elseif event.fd ~= nil then ev.data.fd = getfd(event.fd, "epoll_ctl", 4)
      else ev.data.fd = n end
    elseif te == "cdata" and ffi.istype(epev, event) and h.ckind(event) == "struct" then ev = event
    elseif event == nil then ev = nil
    else h.argerror("epoll_ctl", 4, "events", event) end
    return retbool(C.epoll_ctl(e, op, n, ev))
  end

  -- epoll_wait(epfd, events, timeout): events is an array t.epoll_events(n) (or a number of
  -- slots; nil gives 16), timeout in milliseconds (nil or -1 waits).  Returns an iterator:
  --   for i, ev in assert(S.epoll_wait(ep, evs, 0)) do ... ev.fd, ev.IN, ev.events ... end
  -- (index, event) pairs, counted down from the last ready event, as in ljsyscall.
  local epsize = s.epoll_event
  local epevents = t.epoll_events
  local function evarray(events, fname)
    if events == nil then events = epevents(16); return events.ep, 16, events end
    local te = type(events)
    if te == "number" then
      if events ~= events or events % 1 ~= 0 or events < 1 or events > 65536 then
        error("bad argument #2 to '" .. fname .. "' (at least one event slot needed, at most 65536, got " .. tostring(events) .. ")", 3)
      end
      local ev = epevents(events)
      return ev.ep, events, ev
    end
    if te == "cdata" and ffi.istype(epevents, events) then return events.ep, events.count, events end
    if te == "cdata" then
      local n = h.copyable(events, epsize) and h.ckind(events) == "array" and math.floor((ffi.sizeof(events) or 0) / epsize) or 0
      if n < 1 or not ffi.istype(epev, events[0]) then h.argerror(fname, 2, "epoll_events array", events) end
      return events, n
    end
    h.argerror(fname, 2, "epoll_events", events)
  end
  local reviter = h.reviter
  -- Over a t.epoll_events the iterator's state is the whole object (not its .ep, a pointer
  -- into it that would not keep it alive).
  local function eviter(ev, i)
    i = i - 1
    if i >= 0 then return i, ev.ep[i] end
  end
  local function retiter(r, array, whole)
    r = tonumber(r)
    if r == -1 then return fail() end
    if whole then return eviter, whole, r end
    return reviter, array, r
  end
  function S.epoll_wait(epfd, events, timeout)
    local e = getfd(epfd, "epoll_wait", 1)
    local arr, n, whole = evarray(events, "epoll_wait")
    return retiter(C.epoll_wait(e, arr, n, h.optint(timeout, "epoll_wait", 3, -1)), arr, whole)
  end
  function S.epoll_pwait(epfd, events, timeout, set)
    local e = getfd(epfd, "epoll_pwait", 1)
    local arr, n, whole = evarray(events, "epoll_pwait")
    return retiter(C.epoll_pwait(e, arr, n, h.optint(timeout, "epoll_pwait", 3, -1), sigarg(set, "epoll_pwait", 4)), arr, whole)
  end

  -- eventfd(initval, flags) and the helpers reading and writing its 64-bit counter.
  local u64_1 = t.uint641
  local scratch64 = u64_1() -- read/write helpers return numbers, so one buffer is enough
  function S.eventfd(initval, flags)
    return retfd(C.eventfd(h.checkint(initval or 0, "eventfd", 1, 0, 4294967295), flag(c.EFD, flags, "eventfd", 2)))
  end
  -- The counter as a number (0 when a non-blocking eventfd is at zero, as in ljsyscall).
  function S.eventfd_read(fd, value)
    if value == nil then value = scratch64 else value = h.outstruct(u64_1, value, "eventfd_read", 2) end
    local r = tonumber(C.read(getfd(fd, "eventfd_read", 1), value, 8))
    if r == -1 then
      local e = errno()
      if e == c.E.AGAIN then value[0] = 0; return 0 end
      return nil, err(e)
    end
    return tonumber(value[0])
  end
  function S.eventfd_write(fd, value)
    if value == nil then value = 1 end
    if type(value) == "cdata" and h.copyable(value, 8) then -- the 8 bytes as they are
    else scratch64[0] = h.checknumber(value, "eventfd_write", 2); value = scratch64 end
    local r = tonumber(C.write(getfd(fd, "eventfd_write", 1), value, 8))
    if r == -1 then return fail() end
    return true
  end

  -- timerfd.  timerfd_settime(fd, flags, it, old) with it an itimerspec or {interval, value}
  -- (seconds); returns the previous setting.  timerfd_read gives the expirations since the
  -- last read (0 when none and the descriptor does not block).
  function S.timerfd_create(clk, flags)
    return retfd(C.timerfd_create(flag(c.CLOCK, clk or "monotonic", "timerfd_create", 1), flag(c.TFD, flags, "timerfd_create", 2)))
  end
  local itspec = t.itimerspec
  local function itarg(ct, v, fname, argn)
    local tv = type(v)
    if tv == "cdata" and ffi.istype(ct, v) and not h.isnull(v) then return v end
    if tv == "table" or tv == "number" then
      local ok, r = pcall(ct, tv == "number" and { 0, v } or v)
      if ok then return r end
      error("bad argument #" .. argn .. " to '" .. fname .. "' (" .. tostring(r):gsub("^.-%((.*)%)$", "%1") .. ")", 3)
    end
    h.argerror(fname, argn, tostring(ct):gsub("^ctype<(.*)>$", "%1") .. " or table", v)
  end
  function S.timerfd_settime(fd, flags, it, old)
    local n = getfd(fd, "timerfd_settime", 1)
    old = h.outstruct(itspec, old, "timerfd_settime", 4)
    if C.timerfd_settime(n, flag(c.TFD_TIMER, flags, "timerfd_settime", 2), itarg(itspec, it, "timerfd_settime", 3), old) == -1 then
      return fail()
    end
    return old
  end
  function S.timerfd_gettime(fd, cur)
    cur = h.outstruct(itspec, cur, "timerfd_gettime", 2)
    if C.timerfd_gettime(getfd(fd, "timerfd_gettime", 1), cur) == -1 then return fail() end
    return cur
  end
  function S.timerfd_read(fd, buf)
    if buf == nil then buf = scratch64 else buf = h.outstruct(u64_1, buf, "timerfd_read", 2) end
    local r = tonumber(C.read(getfd(fd, "timerfd_read", 1), buf, 8))
    if r == -1 then
      local e = errno()
      if e == c.E.AGAIN then return 0 end
      return nil, err(e)
    end
    return tonumber(buf[0])
  end

  -- Signals: a minimal sigprocmask and kill for signalfd when the process area has not
  -- provided its own (ljsyscall's forms: sigprocmask(how, set) returns the old set).
  if not S.sigprocmask then
    function S.sigprocmask(how, set, oldset)
      oldset = h.outstruct(t.sigset, oldset, "sigprocmask", 3)
      if set == nil then how = c.SIGPM.SETMASK end
      local r = C.sigprocmask(flag(c.SIGPM, how, "sigprocmask", 1), sigarg(set, "sigprocmask", 2), oldset)
      if r == -1 then return fail() end
      return oldset
    end
  end
  if not S.kill then
    function S.kill(pid, sig)
      return retbool(C.kill(h.checknumber(pid, "kill", 1), flag(c.SIG, sig or "term", "kill", 2)))
    end
  end

  -- signalfd(set, flags, fd): the signals must be blocked (sigprocmask) to be read here.
  -- Note the argument order (ljsyscall's): fd last, as it is usually absent.
  local siginfo_fields = {
    signo = "ssi_signo", errno = "ssi_errno", code = "ssi_code", pid = "ssi_pid", uid = "ssi_uid",
    fd = "ssi_fd", tid = "ssi_tid", band = "ssi_band", overrun = "ssi_overrun",
    trapno = "ssi_trapno", status = "ssi_status", int = "ssi_int", ptr = "ssi_ptr",
    utime = "ssi_utime", stime = "ssi_stime", addr = "ssi_addr",
  }
  -- The origin of a signal by its si_code, as ljsyscall's: info.user (kill), info.queue...
  local sicodes = { user = 0, kernel = 0x80, queue = -1, timer = -2, mesgq = -3, asyncio = -4,
    sigio = -5, tkill = -6 }
  pcall(ffi.metatype, t.signalfd_siginfo, {
    __index = function(si, k)
      local f = siginfo_fields[k]
      if f then return tonumber(si[f]) end
      local code = sicodes[k]
      if code then return si.ssi_code == code end
      local n = c.SIG[k]
      if n and type(k) == "string" then return si.ssi_signo == n end
      return nil
    end,
  })
  function S.signalfd(set, flags, fd)
    local n = -1
    if fd then n = getfd(fd, "signalfd", 3) end
    if set == nil then h.argerror("signalfd", 1, "sigset", set) end
    return retfd(C.signalfd(n, sigarg(set, "signalfd", 1), flag(c.SFD, flags, "signalfd", 2)))
  end
  -- signalfd_read(fd, n): a list of up to n (default 8) signalfd_siginfo, each with .signo,
  -- .pid, .uid, .code, .status... and sig.USR1-style tests; nil, err (EAGAIN) when none is
  -- pending on a non-blocking descriptor.
  local sizeinfo = s.signalfd_siginfo
  local infos = require("syscall.ctypes").vla(t.signalfd_siginfo)
  function S.signalfd_read(fd, count)
    count = count or 8
    h.checkint(count, "signalfd_read", 2, 1, 4096)
    local buf = infos(count)
    local r = tonumber(C.read(getfd(fd, "signalfd_read", 1), buf, count * sizeinfo))
    if r == -1 then return fail() end
    local list = {}
    for i = 0, math.floor(r / sizeinfo) - 1 do list[i + 1] = t.signalfd_siginfo(buf[i]) end
    return list
  end

  -- inotify.  inotify_init(flags) is inotify_init1 as in ljsyscall.
  function S.inotify_init1(flags) return retfd(C.inotify_init1(flag(c.IN_INIT, flags, "inotify_init1", 1))) end
  function S.inotify_init(flags) return retfd(C.inotify_init1(flag(c.IN_INIT, flags, "inotify_init", 1))) end
  function S.inotify_add_watch(fd, path, mask)
    local n = getfd(fd, "inotify_add_watch", 1)
    h.checkstring(path, "inotify_add_watch", 2)
    return retnum(C.inotify_add_watch(n, path, flag(c.IN, mask, "inotify_add_watch", 3)))
  end
  function S.inotify_rm_watch(fd, wd)
    return retbool(C.inotify_rm_watch(getfd(fd, "inotify_rm_watch", 1), h.int(wd, "inotify_rm_watch", 2)))
  end
  -- inotify_read(fd, buf, len): a list of events {wd, mask, cookie, name}; ev.create,
  -- ev.CREATE, ev.isdir... test the mask.
  local IN = c.IN
  local inmt = {
    __index = function(ev, k)
      if type(k) ~= "string" then return nil end
      local v = IN[k]
      if v then return bit.band64(ev.mask, v) ~= 0 end
      return nil
    end,
  }
  local evhead = ffi.offsetof(t.inotify_event, "name")
  local pevent = ffi.typeof("struct rumpus_lx_inotify_event *")
  function S.inotify_read(fd, buf, len)
    if buf ~= nil then
      env.outdata(buf, "inotify_read", 2)
      local size = ffi.sizeof(buf)
      if h.ckind(buf) == "pointer" then size = nil end
      if len == nil then len = size or 4096 end
      h.checkint(len, "inotify_read", 3, 0, size or 2147483647)
    else
      len = env.newcount(len or 4096, "inotify_read", 3)
      buf = t.buffer(len)
    end
    local r = tonumber(C.read(getfd(fd, "inotify_read", 1), buf, len))
    if r == -1 then return fail() end
    return t.inotify_events(buf, r)
  end
  -- t.inotify_events(buf, len): the events in the first len bytes of buf (ljsyscall's name).
  function t.inotify_events(buf, r)
    if type(buf) ~= "cdata" or h.isnull(buf) then h.argerror("inotify_events", 1, "buffer", buf) end
    r = h.checkint(r, "inotify_events", 2, 0, h.ckind(buf) == "pointer" and 2147483647 or ffi.sizeof(buf))
    local list, off = {}, 0
    local base = ffi.cast("char *", buf)
    while off + evhead <= r do
      local ev = ffi.cast(pevent, base + off)
      local e = setmetatable({ wd = tonumber(ev.wd), mask = tonumber(ev.mask), cookie = tonumber(ev.cookie) }, inmt)
      local nl = tonumber(ev.len)
      if nl > 0 then e.name = ffi.string(ev.name) end
      list[#list + 1] = e
      off = off + evhead + nl
    end
    return list
  end

  -- clock_nanosleep(clock, flags, req, rem): flags "abstime" for an absolute time.  Returns
  -- true; when interrupted, true, nil and the time left (ljsyscall's shape, as nanosleep).  The
  -- call returns its error number instead of setting errno.
  if C.clock_nanosleep and not S.clock_nanosleep then
    function S.clock_nanosleep(clk, flags, req, rem)
      local id = flag(c.CLOCK, clk or "realtime", "clock_nanosleep", 1)
      local fl = flag(c.TIMER, flags, "clock_nanosleep", 2)
      if req == nil then h.argerror("clock_nanosleep", 3, "timespec or number", req) end
      req = timearg(t.timespec, req, "clock_nanosleep", 3)
      rem = h.outstruct(t.timespec, rem, "clock_nanosleep", 4)
      local r = C.clock_nanosleep(id, fl, req, rem)
      if r ~= 0 then
        if r == c.E.INTR then return true, nil, rem end
        return nil, err(r)
      end
      return true
    end
  end

  -- Interval timers.  setitimer(which, it, old) with it an itimerval or {interval, value}
  -- (seconds); returns the previous setting.
  local itval = t.itimerval
  if C.getitimer and not S.getitimer then
    function S.getitimer(which, value)
      value = h.outstruct(itval, value, "getitimer", 2)
      if C.getitimer(flag(c.ITIMER, which, "getitimer", 1), value) == -1 then return fail() end
      return value
    end
  end
  if C.setitimer and not S.setitimer then
    function S.setitimer(which, it, old)
      old = h.outstruct(itval, old, "setitimer", 3)
      if C.setitimer(flag(c.ITIMER, which, "setitimer", 1), itarg(itval, it, "setitimer", 2), old) == -1 then return fail() end
      return old
    end
  end

  -- POSIX timers ---------------------------------------------------------------------------
  -- t.sigevent{notify = "signal" | "none" | "thread_id", signo = "usr1", value = n, tid = n};
  -- .notify .signo .value read back as numbers.
  c.SIGEV = c.SIGEV or h.strflag({ SIGNAL = 0, NONE = 1, THREAD = 2, THREAD_ID = 4 }, "SIGEV")
  local sev_t = ffi.typeof("struct rumpus_lx_sigevent")
  local sev_set = {
    notify = function(se, v) se.sigev_notify = flag(c.SIGEV, v, "sigevent", 1) end,
    signo = function(se, v) se.sigev_signo = flag(c.SIG, v, "sigevent", 1) end,
    value = function(se, v)
      if type(v) == "number" then se.sigev_value.sival_int = v else se.sigev_value.sival_ptr = v end
    end,
    tid = function(se, v) se._sigev_un._tid = h.checknumber(v, "sigevent", 1) end,
  }
  local ok = pcall(ffi.metatype, sev_t, {
    __index = function(se, k)
      if k == "notify" then return se.sigev_notify end
      if k == "signo" then return se.sigev_signo end
      if k == "value" then return se.sigev_value end
    end,
    __newindex = function(se, k, v)
      local f = sev_set[k]
      if not f then error("no field '" .. tostring(k) .. "' in sigevent", 2) end
      f(se, v)
    end,
    __new = function(tp, tab)
      local se = ffi.new(tp)
      if type(tab) == "table" then
        for k, v in pairs(tab) do
          local f = sev_set[k]
          if not f then error("bad argument #1 to 'sigevent' (no field '" .. tostring(k) .. "')", 3) end
          f(se, v)
        end
      elseif tab ~= nil then
        h.argerror("sigevent", 1, "table", tab)
      end
      return se
    end,
  })
  t.sigevent = sev_t
  local timer_t = ffi.typeof("struct rumpus_lx_timer")
  local arm64 = require "syscall.abi".arch == "arm64"
  local SYS_timer_create, SYS_timer_settime, SYS_timer_gettime, SYS_timer_getoverrun, SYS_timer_delete =
    222, 223, 224, 225, 226
  if arm64 then
    SYS_timer_create, SYS_timer_gettime, SYS_timer_getoverrun, SYS_timer_settime, SYS_timer_delete =
      107, 108, 109, 110, 111
  end
  local long, voidp = ffi.typeof("long"), ffi.typeof("void *")
  local function sys(n, a, b, c3, d)
    return tonumber(C.syscall(n, ffi.cast(long, a), b == nil and ffi.cast(long, 0) or b,
      c3 == nil and ffi.cast(voidp, nil) or c3, d == nil and ffi.cast(voidp, nil) or d))
  end
  local function timerarg(v, fname)
    if not ffi.istype(timer_t, v) then h.argerror(fname, 1, "timer", v) end
    return v
  end
  -- timer_create(clock, sigevent) -> t.timer (methods settime, gettime, getoverrun, delete).
  -- With no sigevent the timer sends SIGALRM, as POSIX says.
  function S.timer_create(clk, sev, timerid)
    timerid = h.outstruct(timer_t, timerid, "timer_create", 3)
    if sev ~= nil and not (ffi.istype(sev_t, sev) and not h.isnull(sev)) then
      if type(sev) ~= "table" then h.argerror("timer_create", 2, "sigevent or table", sev) end
      local ok, r = pcall(sev_t, sev)
      if not ok then error("bad argument #2 to 'timer_create' (" .. tostring(r):gsub("^.-%((.*)%)$", "%1") .. ")", 2) end
      sev = r
    end
    if sev ~= nil and sev.sigev_notify == c.SIGEV.THREAD then
      error("bad argument #2 to 'timer_create' (SIGEV_THREAD needs a thread running Lua; use a signal and signalfd)", 2)
    end
    if sys(SYS_timer_create, flag(c.CLOCK, clk or "realtime", "timer_create", 1), ffi.cast(voidp, sev),
        ffi.cast(voidp, timerid.timerid)) == -1 then
      return fail()
    end
    timerid.live = 1
    return timerid
  end
  -- timer_delete: an already deleted timer gives EINVAL (the timer_t is not used again).
  function S.timer_delete(tm)
    timerarg(tm, "timer_delete")
    if tm.live == 0 then return nil, err(c.E.INVAL) end
    local r = sys(SYS_timer_delete, tm.timerid[0])
    if r == -1 then return fail() end
    tm.live = 0
    return true
  end
  -- The kernel id of a live timer, else false.
  local function livetimer(tm, fname)
    timerarg(tm, fname)
    if tm.live == 0 then return false end
    return tm.timerid[0]
  end
  -- timer_settime(timer, flags, it, old) returns true, nil, the previous setting (as ljsyscall);
  -- it is an itimerspec or {interval, value} in seconds; old = false skips it.
  function S.timer_settime(tm, flags, it, old)
    local id = livetimer(tm, "timer_settime")
    if id == false then return nil, err(c.E.INVAL) end
    if old ~= false then old = h.outstruct(itspec, old, "timer_settime", 4) else old = nil end
    if sys(SYS_timer_settime, id, ffi.cast(long, flag(c.TIMER, flags, "timer_settime", 2)),
        ffi.cast(voidp, itarg(itspec, it, "timer_settime", 3)), ffi.cast(voidp, old)) == -1 then
      return fail()
    end
    return true, nil, old
  end
  function S.timer_gettime(tm, cur)
    local id = livetimer(tm, "timer_gettime")
    if id == false then return nil, err(c.E.INVAL) end
    cur = h.outstruct(itspec, cur, "timer_gettime", 2)
    if sys(SYS_timer_gettime, id, ffi.cast(long, ffi.cast(voidp, cur))) == -1 then return fail() end
    return cur
  end
  function S.timer_getoverrun(tm)
    local id = livetimer(tm, "timer_getoverrun")
    if id == false then return nil, err(c.E.INVAL) end
    return retnum(sys(SYS_timer_getoverrun, id))
  end
  if ok then
    pcall(ffi.metatype, timer_t, {
      __index = {
        settime = S.timer_settime, gettime = S.timer_gettime, getoverrun = S.timer_getoverrun,
        delete = S.timer_delete, gettimerp = function(tm) return tm.timerid end,
        gettimer = function(tm) return tm.timerid[0] end,
      },
      __gc = function(tm) if tm.live ~= 0 then tm.live = 0; sys(SYS_timer_delete, tm.timerid[0]) end end,
    })
  end
  t.timer = timer_t
end

return M
