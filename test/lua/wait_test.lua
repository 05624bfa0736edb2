-- Waiting: poll, ppoll, select, pselect, epoll, eventfd, timerfd, signalfd, inotify.
local T = require "rump.test"
local S = require "syscall"
local ffi = require "syscall.ffi"
local c, t = S.c, S.t

local function pipe(flags)
  local ok, e, r, w = S.pipe(flags)
  assert(ok, e)
  T.defer(function() r:close(); w:close() end)
  return r, w
end

local function closedfd()
  local r, w = pipe()
  local n = r:getfd()
  assert(r:close())
  local _ = w
  return n
end

local function collect(...)
  local f, a, i = ...
  if f == nil then return nil, a end
  local list = {}
  for _, ev in f, a, i do list[#list + 1] = { fd = ev.fd, events = ev.events, IN = ev.IN, OUT = ev.OUT, HUP = ev.HUP, u64 = ev.data.u64 } end
  return list
end

-- poll ------------------------------------------------------------------------------------

T.case("poll: nothing ready on an empty pipe with timeout 0", function()
  local r = pipe()
  local fds = t.pollfds { { fd = r, events = "in" } }
  T.eq(S.poll(fds, 0), 0)
  T.eq(fds.pfd[0].revents, 0)
  T.eq(fds.pfd[0].IN, false)
end)

T.case("poll: a written pipe is readable and the writer writable", function()
  local r, w = pipe()
  T.eq(w:write("x"), 1)
  local fds = t.pollfds { { fd = r, events = "in" }, { fd = w, events = "out" } }
  T.eq(S.poll(fds, 0), 2)
  T.ok(fds.pfd[0].IN, "reader has POLLIN")
  T.ok(fds.pfd[1].OUT, "writer has POLLOUT")
  T.eq(fds.pfd[0].OUT, false)
end)

T.case("poll: a plain list works and iter walks the entries", function()
  local r, w = pipe()
  w:write("y")
  local fds = t.pollfds { { fd = r, events = "in, pri" } }
  T.eq(S.poll(fds, -1), 1)
  local n = 0
  for i, p in fds:iter() do n = n + 1; T.eq(i, 0); T.eq(p.fd, r:getfd()); T.ok(p.IN) end
  T.eq(n, 1)
  T.eq(S.poll({ { fd = r, events = "in" } }, 0), 1)
end)

T.case("poll: closing the writer gives POLLHUP, a closed fd POLLNVAL", function()
  local r, w = pipe()
  assert(w:close())
  local bad = closedfd()
  local fds = t.pollfds { { fd = r, events = "in" }, { fd = bad, events = "in" } }
  T.eq(S.poll(fds, 0), 2)
  T.ok(fds.pfd[0].HUP, "HUP on reader")
  T.ok(fds.pfd[1].NVAL, "NVAL on closed descriptor")
end)

T.case("poll: wrong arguments raise errors", function()
  T.err(function() S.poll(42, 0) end, "bad argument #1 to 'poll'")
  T.err(function() t.pollfds { { fd = 0, events = "nosuchevent" } } end, "bad poll events")
end)

-- ppoll -----------------------------------------------------------------------------------

T.case("ppoll: timeout as seconds or timespec, readiness reported", function()
  local r, w = pipe()
  local fds = t.pollfds { { fd = r, events = "in" } }
  T.eq(S.ppoll(fds, 0), 0)
  T.eq(S.ppoll(fds, t.timespec(0)), 0)
  w:write("z")
  T.eq(S.ppoll(fds, { 0, 0 }), 1)
  T.ok(fds.pfd[0].IN)
  T.eq(S.ppoll(fds, nil), 1, "nil waits for ever but data is there")
end)

T.case("ppoll: the timeout really elapses on the monotonic clock", function()
  local r = pipe()
  local fds = t.pollfds { { fd = r, events = "in" } }
  local t0 = S.clock_gettime("monotonic").time
  T.eq(S.ppoll(fds, 0.02), 0)
  T.ok(S.clock_gettime("monotonic").time - t0 >= 0.02 - 1e-6, "waited at least 20ms")
end)

T.case("ppoll: a signal mask argument is accepted; errors", function()
  local r, w = pipe()
  w:write("a")
  local fds = t.pollfds { { fd = r, events = "in" } }
  T.eq(S.ppoll(fds, 0, "usr1"), 1)
  T.eq(S.ppoll(fds, 0, t.sigset("usr1, usr2")), 1)
  T.fails("INVAL", S.ppoll(fds, { 0, -1 }))
  T.err(function() S.ppoll(fds, "soon") end, "bad argument #2 to 'ppoll'")
  T.err(function() S.ppoll(fds, 0, true) end, "bad argument #3 to 'ppoll'")
end)

-- select / pselect --------------------------------------------------------------------------

T.case("select: an empty pipe is not readable, its writer is writable", function()
  local r, w = pipe()
  local sel = assert(S.select({ readfds = { r }, writefds = { w } }, 0))
  T.eq(sel.count, 1)
  T.eq(#sel.readfds, 0)
  T.eq(#sel.writefds, 1)
  T.ok(sel.writefds[1] == w, "the same object comes back")
  T.eq(#sel.exceptfds, 0)
end)

T.case("select: data makes the reader ready; numbers work as members", function()
  local r, w = pipe()
  w:write("data")
  local sel = assert(S.select({ readfds = { r:getfd(), w:getfd() } }, 0))
  T.eq(sel.count, 1)
  T.same(sel.readfds, { r:getfd() })
end)

T.case("select: timeout as a timeval and as a number; nothing ready", function()
  local r = pipe()
  local t0 = S.clock_gettime("monotonic").time
  local sel = assert(S.select({ readfds = { r } }, 0.01))
  T.eq(sel.count, 0)
  T.ok(S.clock_gettime("monotonic").time - t0 >= 0.01 - 1e-6, "waited")
  local tv = t.timeval(0)
  T.eq(assert(S.select({ readfds = { r } }, tv)).count, 0)
end)

T.case("select: several descriptors above the first, all three sets", function()
  local r1, w1 = pipe()
  local r2, w2 = pipe()
  w2:write("x")
  local sel = assert(S.select({ readfds = { r1, r2 }, writefds = { w1 }, exceptfds = { r1, r2 } }, 0))
  T.eq(sel.count, 2)
  T.eq(#sel.readfds, 1)
  T.ok(sel.readfds[1] == r2)
  T.ok(sel.writefds[1] == w1)
  T.eq(#sel.exceptfds, 0)
  local _ = w2
end)

T.case("select: closed descriptor gives EBADF, out of range EINVAL, bad types raise", function()
  local bad = closedfd()
  T.fails("BADF", S.select({ readfds = { bad } }, 0))
  T.fails("INVAL", S.select({ readfds = { 5000 } }, 0))
  T.fails("BADF", S.select({ readfds = { -1 } }, 0))
  T.err(function() S.select(3, 0) end, "bad argument #1 to 'select'")
  T.err(function() S.select({ readfds = 3 }, 0) end, "readfds")
  T.err(function() S.select({ readfds = { {} } }, 0) end, "bad argument #1 to 'select'")
  T.fails("INVAL", S.select({ readfds = {} }, -1))
end)

T.case("pselect: readiness, timespec timeout and a signal mask", function()
  local r, w = pipe()
  local sel = assert(S.pselect({ readfds = { r } }, 0, "usr1"))
  T.eq(sel.count, 0)
  w:write("q")
  sel = assert(S.pselect({ readfds = { r }, writefds = { w } }, t.timespec(0), t.sigset("usr2")))
  T.eq(sel.count, 2)
  T.ok(sel.readfds[1] == r)
  T.fails("INVAL", S.pselect({ readfds = { r } }, { 0, -5 }))
  T.fails("BADF", S.pselect({ readfds = { closedfd() } }, 0))
end)

-- epoll -----------------------------------------------------------------------------------

T.case("epoll: a readable pipe is reported with its fd and IN", function()
  local r, w = pipe()
  local ep = assert(S.epoll_create())
  T.defer(function() ep:close() end)
  assert(ep:epoll_ctl("add", r, "in"))
  T.same(collect(ep:epoll_wait(nil, 0)), {})
  w:write("x")
  local evs = collect(ep:epoll_wait(t.epoll_events(4), 0))
  T.eq(#evs, 1)
  T.eq(evs[1].fd, r:getfd())
  T.eq(evs[1].IN, true)
  T.eq(evs[1].OUT, false)
end)

T.case("epoll: mod changes the events, del removes the descriptor", function()
  local r, w = pipe()
  local ep = assert(S.epoll_create1("cloexec"))
  T.defer(function() ep:close() end)
  assert(S.epoll_ctl(ep, "add", w, "in"))
  T.eq(#collect(S.epoll_wait(ep, 4, 0)), 0, "writer is never readable")
  assert(S.epoll_ctl(ep, "mod", w, "out"))
  local evs = collect(S.epoll_wait(ep, 4, 0))
  T.eq(#evs, 1)
  T.ok(evs[1].OUT)
  assert(S.epoll_ctl(ep, "del", w))
  T.eq(#collect(S.epoll_wait(ep, 4, 0)), 0)
  local _ = r
end)

T.case("epoll: epoll_create1 cloexec sets FD_CLOEXEC", function()
  local ep = assert(S.epoll_create1("cloexec"))
  T.eq(ep:fcntl("getfd"), c.FD.CLOEXEC)
  ep:close()
  local ep2 = assert(S.epoll_create())
  T.eq(ep2:fcntl("getfd"), 0)
  ep2:close()
end)

T.case("epoll: user data (u64) comes back unchanged", function()
  local r, w = pipe()
  local ep = assert(S.epoll_create())
  T.defer(function() ep:close() end)
  assert(ep:epoll_ctl("add", r, { events = "in", u64 = 123456789 }))
  w:write("x")
  local evs = collect(ep:epoll_wait(2, 0))
  T.eq(#evs, 1)
  T.eq(tonumber(evs[1].u64), 123456789)
end)

T.case("epoll: several ready descriptors, limited by the array size", function()
  local ep = assert(S.epoll_create())
  T.defer(function() ep:close() end)
  local fds = {}
  for i = 1, 3 do
    local r, w = pipe()
    w:write("x")
    assert(ep:epoll_ctl("add", r, "in"))
    fds[r:getfd()] = true
    local _ = i
  end
  local evs = collect(ep:epoll_wait(t.epoll_events(8), 0))
  T.eq(#evs, 3)
  for _, e in ipairs(evs) do T.ok(fds[e.fd], "known fd " .. e.fd) end
  T.eq(#collect(ep:epoll_wait(t.epoll_events(2), 0)), 2)
end)

T.case("epoll: oneshot reports once until rearmed", function()
  local r, w = pipe()
  local ep = assert(S.epoll_create())
  T.defer(function() ep:close() end)
  assert(ep:epoll_ctl("add", r, "in, oneshot"))
  w:write("x")
  T.eq(#collect(ep:epoll_wait(4, 0)), 1)
  T.eq(#collect(ep:epoll_wait(4, 0)), 0, "disarmed")
  assert(ep:epoll_ctl("mod", r, "in, oneshot"))
  T.eq(#collect(ep:epoll_wait(4, 0)), 1, "rearmed")
end)

T.case("epoll: edge triggered reports a new write only", function()
  local r, w = pipe()
  local ep = assert(S.epoll_create())
  T.defer(function() ep:close() end)
  assert(ep:epoll_ctl("add", r, "in, et"))
  w:write("1")
  T.eq(#collect(ep:epoll_wait(4, 0)), 1)
  T.eq(#collect(ep:epoll_wait(4, 0)), 0, "no new edge")
  w:write("2")
  T.eq(#collect(ep:epoll_wait(4, 0)), 1, "new edge")
end)

T.case("epoll: the timeout elapses when nothing is ready", function()
  local r = pipe()
  local ep = assert(S.epoll_create())
  T.defer(function() ep:close() end)
  assert(ep:epoll_ctl("add", r, "in"))
  local t0 = S.clock_gettime("monotonic").time
  T.eq(#collect(ep:epoll_wait(4, 20)), 0)
  T.ok(S.clock_gettime("monotonic").time - t0 >= 0.02 - 1e-3, "waited")
end)

T.case("epoll: errors EEXIST, ENOENT, EPERM, EBADF, EINVAL", function()
  local r = pipe()
  local ep = assert(S.epoll_create())
  T.defer(function() ep:close() end)
  assert(ep:epoll_ctl("add", r, "in"))
  T.fails("EXIST", ep:epoll_ctl("add", r, "in"))
  local r2 = pipe()
  T.fails("NOENT", ep:epoll_ctl("del", r2))
  T.fails("NOENT", ep:epoll_ctl("mod", r2, "in"))
  local dir = T.tmpdir()
  local f = assert(S.open(dir .. "/f", "creat, rdwr", "0600"))
  T.fails("PERM", ep:epoll_ctl("add", f, "in"))
  f:close()
  T.fails("BADF", ep:epoll_ctl("add", closedfd(), "in"))
  T.fails("BADF", S.epoll_wait(closedfd(), 4, 0))
  -- not an epoll descriptor
  T.fails("INVAL", S.epoll_wait(r, 4, 0))
  -- adding itself
  T.fails("INVAL", ep:epoll_ctl("add", ep, "in"))
  T.fails("INVAL", S.epoll_create(0x800))
end)

T.case("epoll: bad argument types raise errors", function()
  local ep = assert(S.epoll_create())
  T.defer(function() ep:close() end)
  T.err(function() ep:epoll_ctl("sideways", 0, "in") end, "bad argument #2 to 'epoll_ctl'")
  T.err(function() ep:epoll_ctl("add", 0, "in, bogus") end, "unknown flag")
  T.err(function() ep:epoll_ctl("add", 0, true) end, "bad argument #4 to 'epoll_ctl'")
  T.err(function() ep:epoll_wait("many", 0) end, "bad argument #2 to 'epoll_wait'")
  T.err(function() ep:epoll_wait(0, 0) end, "at least one event slot")
  T.err(function() ep:epoll_wait(ffi.new("int[4]"), 0) end, "bad argument #2 to 'epoll_wait'")
  T.err(function() S.epoll_create("bogus") end, "bad argument #1 to 'epoll_create'")
end)

T.case("epoll_pwait: readiness with a signal mask", function()
  local r, w = pipe()
  local ep = assert(S.epoll_create())
  T.defer(function() ep:close() end)
  assert(ep:epoll_ctl("add", r, "in"))
  T.eq(#collect(ep:epoll_pwait(4, 0, "usr1")), 0)
  w:write("x")
  local evs = collect(ep:epoll_pwait(4, 0, t.sigset("usr1")))
  T.eq(#evs, 1)
  T.eq(evs[1].fd, r:getfd())
  T.fails("BADF", S.epoll_pwait(closedfd(), 4, 0))
end)

-- eventfd ---------------------------------------------------------------------------------

T.case("eventfd: initial value, writes add up, a read resets", function()
  local e = assert(S.eventfd(5, "nonblock"))
  T.defer(function() e:close() end)
  T.eq(e:eventfd_read(), 5)
  T.eq(e:eventfd_read(), 0, "empty non-blocking eventfd reads 0")
  assert(e:eventfd_write(3))
  assert(e:eventfd_write())
  T.eq(S.eventfd_read(e), 4)
end)

T.case("eventfd: semaphore mode hands out one at a time", function()
  local e = assert(S.eventfd(2, "semaphore, nonblock"))
  T.defer(function() e:close() end)
  T.eq(e:eventfd_read(), 1)
  T.eq(e:eventfd_read(), 1)
  T.eq(e:eventfd_read(), 0)
end)

T.case("eventfd: readiness seen by poll and epoll", function()
  local e = assert(S.eventfd(0, "nonblock"))
  T.defer(function() e:close() end)
  local fds = t.pollfds { { fd = e, events = "in" } }
  T.eq(S.poll(fds, 0), 0)
  e:eventfd_write(7)
  T.eq(S.poll(fds, 0), 1)
  local ep = assert(S.epoll_create())
  T.defer(function() ep:close() end)
  assert(ep:epoll_ctl("add", e, "in"))
  T.eq(#collect(ep:epoll_wait(2, 0)), 1)
  T.eq(e:eventfd_read(), 7)
  T.eq(#collect(ep:epoll_wait(2, 0)), 0)
end)

T.case("eventfd: flags, errors and overflow", function()
  local e = assert(S.eventfd(0, "cloexec"))
  T.eq(e:fcntl("getfd"), c.FD.CLOEXEC)
  e:close()
  e = assert(S.eventfd(0, "nonblock"))
  T.defer(function() e:close() end)
  -- the counter's maximum is 2^64-2: one more would block, so EAGAIN
  local max = ffi.new("uint64_t[1]")
  max[0] = ffi.cast("uint64_t", ffi.new("int64_t", -2))
  assert(e:eventfd_write(max))
  T.fails("AGAIN", e:eventfd_write(1))
  -- writes must be 8 bytes
  T.fails("INVAL", S.write(e, "abc"))
  T.fails("BADF", S.eventfd_read(closedfd()))
  T.fails("BADF", S.eventfd_write(closedfd(), 1))
  T.fails("INVAL", S.eventfd(0, 0x7fff0000))
  T.err(function() S.eventfd(0, "bogus") end, "bad argument #2 to 'eventfd'")
  T.err(function() S.eventfd_write(e, "x") end, "bad argument #2 to 'eventfd_write'")
end)

-- timerfd ---------------------------------------------------------------------------------

T.case("timerfd: a one-shot timer expires once", function()
  local tf = assert(S.timerfd_create("monotonic"))
  T.defer(function() tf:close() end)
  local t0 = S.clock_gettime("monotonic").time
  local old = assert(tf:timerfd_settime(0, { 0, 0.01 }))
  T.eq(old.value.time, 0, "was disarmed")
  T.eq(tf:timerfd_read(), 1, "blocking read returns the expiration")
  T.ok(S.clock_gettime("monotonic").time - t0 >= 0.01 - 1e-6, "not before its time")
  T.eq(tf:timerfd_gettime().value.time, 0, "disarmed after expiring")
end)

T.case("timerfd: an interval timer accumulates expirations", function()
  local tf = assert(S.timerfd_create("monotonic", "nonblock"))
  T.defer(function() tf:close() end)
  assert(tf:timerfd_settime(0, t.itimerspec { 0.002, 0.002 }))
  assert(S.nanosleep(0.02))
  local n = tf:timerfd_read()
  T.ok(n >= 2, "several expirations, got " .. tostring(n))
  local cur = tf:timerfd_gettime()
  T.ok(math.abs(cur.interval.time - 0.002) < 1e-9, "interval kept")
  T.ok(cur.value.time > 0, "still armed")
end)

T.case("timerfd: gettime shows the time left; non-blocking read before expiry is 0", function()
  local tf = assert(S.timerfd_create("realtime", "nonblock, cloexec"))
  T.defer(function() tf:close() end)
  assert(tf:timerfd_settime(nil, { 0, 100 }))
  local left = tf:timerfd_gettime().value.time
  T.ok(left > 0 and left <= 100, "time left " .. left)
  T.eq(tf:timerfd_read(), 0)
  local old = assert(tf:timerfd_settime(0, { 0, 0 }))
  T.ok(old.value.time > 0, "previous setting returned")
  T.eq(tf:timerfd_gettime().value.time, 0)
  T.eq(tf:fcntl("getfd"), c.FD.CLOEXEC)
end)

T.case("timerfd: an absolute time in the past fires at once", function()
  local tf = assert(S.timerfd_create("monotonic", "nonblock"))
  T.defer(function() tf:close() end)
  local now = S.clock_gettime("monotonic")
  assert(tf:timerfd_settime("abstime", { 0, now.time - 0.5 }))
  T.eq(tf:timerfd_read(), 1)
end)

T.case("timerfd: readiness through poll", function()
  local tf = assert(S.timerfd_create("monotonic", "nonblock"))
  T.defer(function() tf:close() end)
  local fds = t.pollfds { { fd = tf, events = "in" } }
  T.eq(S.poll(fds, 0), 0)
  assert(tf:timerfd_settime(0, 0.005))
  T.eq(S.poll(fds, -1), 1)
  T.eq(tf:timerfd_read(), 1)
end)

T.case("timerfd: errors", function()
  T.fails("INVAL", S.timerfd_create(9999))
  T.fails("INVAL", S.timerfd_create("monotonic", 0x40))
  local tf = assert(S.timerfd_create("monotonic"))
  T.defer(function() tf:close() end)
  T.fails("INVAL", tf:timerfd_settime(0, { 0, { 0, -1 } }))
  T.fails("INVAL", tf:timerfd_settime(0, { 0, { 0, 1000000000 } }))
  T.fails("BADF", S.timerfd_gettime(closedfd()))
  T.fails("BADF", S.timerfd_settime(closedfd(), 0, 1))
  local r = pipe()
  T.fails("INVAL", S.timerfd_gettime(r))
  T.err(function() S.timerfd_create("sundial") end, "bad argument #1 to 'timerfd_create'")
  T.err(function() tf:timerfd_settime(0, "soon") end, "bad argument #3 to 'timerfd_settime'")
end)

-- signalfd --------------------------------------------------------------------------------

local function blocked(sigs)
  local old = assert(S.sigprocmask("block", sigs))
  T.defer(function()
    -- drain what a failed case left pending, so unblocking cannot kill the test process
    local d = S.signalfd(sigs, "nonblock")
    if d then
      while d:signalfd_read() do end
      d:close()
    end
    assert(S.sigprocmask("setmask", old))
  end)
end

T.case("signalfd: a blocked signal sent to self is read with its sender", function()
  blocked("usr1")
  local sfd = assert(S.signalfd("usr1", "nonblock"))
  T.defer(function() sfd:close() end)
  T.fails("AGAIN", sfd:signalfd_read())
  assert(S.kill(S.getpid(), "usr1"))
  local sigs = assert(sfd:signalfd_read())
  T.eq(#sigs, 1)
  T.eq(sigs[1].signo, c.SIG.USR1)
  T.eq(sigs[1].USR1, true)
  T.eq(sigs[1].USR2, false)
  T.eq(sigs[1].pid, S.getpid())
  T.eq(sigs[1].uid, S.getuid())
  -- consumed
  T.fails("AGAIN", sfd:signalfd_read())
end)

T.case("signalfd: several signals, a blocking read, and pending state cleared", function()
  blocked("usr1, usr2")
  local sfd = assert(S.signalfd(t.sigset("usr1, usr2")))
  T.defer(function() sfd:close() end)
  assert(S.kill(S.getpid(), "usr2"))
  assert(S.kill(S.getpid(), "usr1"))
  local sigs = assert(sfd:signalfd_read(4))
  T.eq(#sigs, 2)
  local got = {}
  for _, si in ipairs(sigs) do got[si.signo] = true end
  T.ok(got[c.SIG.USR1] and got[c.SIG.USR2], "both delivered")
  local fds = t.pollfds { { fd = sfd, events = "in" } }
  T.eq(S.poll(fds, 0), 0, "nothing pending any more")
end)

T.case("signalfd: an unlisted signal stays out; mask update through the fd argument", function()
  blocked("usr1, usr2")
  local sfd = assert(S.signalfd("usr1", "nonblock"))
  T.defer(function() sfd:close() end)
  assert(S.kill(S.getpid(), "usr2"))
  T.fails("AGAIN", sfd:signalfd_read())
  local same = assert(S.signalfd("usr1, usr2", "nonblock", sfd))
  T.eq(same:getfd(), sfd:getfd())
  same:nogc()
  local sigs = assert(sfd:signalfd_read())
  T.eq(sigs[1].signo, c.SIG.USR2)
end)

T.case("signalfd: readiness through epoll", function()
  blocked("usr2")
  local sfd = assert(S.signalfd("usr2", "nonblock, cloexec"))
  T.defer(function() sfd:close() end)
  T.eq(sfd:fcntl("getfd"), c.FD.CLOEXEC)
  local ep = assert(S.epoll_create())
  T.defer(function() ep:close() end)
  assert(ep:epoll_ctl("add", sfd, "in"))
  T.eq(#collect(ep:epoll_wait(2, 0)), 0)
  assert(S.kill(S.getpid(), "usr2"))
  local evs = collect(ep:epoll_wait(2, 0))
  T.eq(#evs, 1)
  T.eq(evs[1].fd, sfd:getfd())
  T.eq(sfd:signalfd_read()[1].signo, c.SIG.USR2)
end)

T.case("signalfd: errors", function()
  local r = pipe()
  -- not a signalfd
  T.fails("INVAL", S.signalfd("usr1", 0, r))
  T.fails("BADF", S.signalfd("usr1", 0, closedfd()))
  T.fails("INVAL", S.signalfd("usr1", 0x1))
  T.err(function() S.signalfd(nil) end, "bad argument #1 to 'signalfd'")
  T.err(function() S.signalfd("nosuchsig") end, "bad signal")
  T.err(function() S.signalfd("usr1", "bogus") end, "bad argument #2 to 'signalfd'")
  T.fails("BADF", S.signalfd_read(closedfd()))
end)

T.case("sigprocmask: block shows in the old set returned next", function()
  local old = assert(S.sigprocmask("block", "usr2"))
  T.defer(function() assert(S.sigprocmask("setmask", old)) end)
  local cur = assert(S.sigprocmask())
  T.eq(cur.USR2, true)
  assert(S.sigprocmask("unblock", "usr2"))
  T.eq(assert(S.sigprocmask()).USR2, false)
  T.err(function() S.sigprocmask("sideways", "usr1") end, "bad argument #1 to 'sigprocmask'")
end)

-- inotify ---------------------------------------------------------------------------------

T.case("inotify: creating and deleting a file are reported with its name", function()
  local dir = T.tmpdir()
  local ino = assert(S.inotify_init("nonblock"))
  T.defer(function() ino:close() end)
  local wd = assert(ino:inotify_add_watch(dir, "create, delete"))
  T.ok(wd >= 1, "watch descriptor")
  T.fails("AGAIN", ino:inotify_read())
  local f = assert(S.open(dir .. "/a", "creat, wronly", "0600"))
  f:close()
  assert(S.unlink(dir .. "/a"))
  local evs = assert(ino:inotify_read())
  T.eq(#evs, 2)
  T.eq(evs[1].wd, wd)
  T.eq(evs[1].name, "a")
  T.eq(evs[1].create, true)
  T.eq(evs[1].CREATE, true)
  T.eq(evs[1].delete, false)
  T.eq(evs[2].delete, true)
  T.eq(evs[2].name, "a")
end)

T.case("inotify: modify and close_write on a watched file, no name", function()
  local dir = T.tmpdir()
  local path = dir .. "/f"
  local f = assert(S.open(path, "creat, wronly", "0600"))
  local ino = assert(S.inotify_init1("nonblock, cloexec"))
  T.defer(function() ino:close() end)
  T.eq(ino:fcntl("getfd"), c.FD.CLOEXEC)
  local wd = assert(S.inotify_add_watch(ino, path, "modify, close_write"))
  f:write("hello")
  f:close()
  local evs = assert(ino:inotify_read())
  T.eq(#evs, 2)
  T.ok(evs[1].modify)
  T.ok(evs[2].close_write)
  T.eq(evs[1].wd, wd)
  T.eq(evs[1].name, nil)
end)

T.case("inotify: a directory event carries isdir; rename gives a shared cookie", function()
  local dir = T.tmpdir()
  local ino = assert(S.inotify_init("nonblock"))
  T.defer(function() ino:close() end)
  assert(ino:inotify_add_watch(dir, "create, moved_from, moved_to"))
  assert(S.mkdir(dir .. "/sub"))
  assert(S.rename(dir .. "/sub", dir .. "/sub2"))
  local evs = assert(ino:inotify_read())
  T.eq(#evs, 3)
  T.ok(evs[1].create and evs[1].isdir, "directory created")
  T.ok(evs[2].moved_from)
  T.ok(evs[3].moved_to)
  T.eq(evs[3].name, "sub2")
  T.ok(evs[2].cookie ~= 0 and evs[2].cookie == evs[3].cookie, "cookie pairs the move")
end)

T.case("inotify: rm_watch stops events and sends IN_IGNORED", function()
  local dir = T.tmpdir()
  local ino = assert(S.inotify_init("nonblock"))
  T.defer(function() ino:close() end)
  local wd = assert(ino:inotify_add_watch(dir, "create"))
  assert(ino:inotify_rm_watch(wd))
  local evs = assert(ino:inotify_read())
  T.eq(#evs, 1)
  T.ok(evs[1].ignored, "IN_IGNORED")
  local f = assert(S.open(dir .. "/x", "creat, wronly", "0600"))
  f:close()
  T.fails("AGAIN", ino:inotify_read())
  -- already removed
  T.fails("INVAL", ino:inotify_rm_watch(wd))
end)

T.case("inotify: the same path twice gives the same watch; many events in one read", function()
  local dir = T.tmpdir()
  local ino = assert(S.inotify_init("nonblock"))
  T.defer(function() ino:close() end)
  local wd1 = assert(ino:inotify_add_watch(dir, "create"))
  local wd2 = assert(ino:inotify_add_watch(dir, "create, mask_add"))
  T.eq(wd1, wd2)
  for i = 1, 20 do
    local f = assert(S.open(dir .. "/file" .. i, "creat, wronly", "0600"))
    f:close()
  end
  local seen = {}
  while true do
    local evs, e = ino:inotify_read()
    if not evs then T.ok(e.AGAIN); break end
    for _, ev in ipairs(evs) do seen[ev.name] = true end
  end
  for i = 1, 20 do T.ok(seen["file" .. i], "file" .. i) end
end)

T.case("inotify: errors", function()
  local ino = assert(S.inotify_init())
  T.defer(function() ino:close() end)
  T.fails("NOENT", ino:inotify_add_watch("/nonexistent/rumpus", "create"))
  -- empty mask
  T.fails("INVAL", ino:inotify_add_watch("/tmp", 0))
  T.fails("INVAL", ino:inotify_rm_watch(12345))
  T.fails("BADF", S.inotify_add_watch(closedfd(), "/tmp", "create"))
  local r = pipe()
  -- not an inotify descriptor
  T.fails("INVAL", S.inotify_add_watch(r, "/tmp", "create"))
  local dir = T.tmpdir()
  local f = assert(S.open(dir .. "/f", "creat, wronly", "0600"))
  f:close()
  T.fails("NOTDIR", ino:inotify_add_watch(dir .. "/f", "create, onlydir"))
  T.fails("INVAL", S.inotify_init1(0x1))
  T.err(function() ino:inotify_add_watch(42, "create") end, "bad argument #2 to 'inotify_add_watch'")
  T.err(function() ino:inotify_add_watch("/tmp", "create, bogus") end, "unknown flag")
end)

T.case("select and poll: a full pipe is not writable until read from", function()
  local r, w = pipe("nonblock")
  local chunk = string.rep("x", 4096)
  while true do
    local n, e = w:write(chunk)
    if not n then T.ok(e.AGAIN, "filled up"); break end
  end
  T.eq(assert(S.select({ writefds = { w } }, 0)).count, 0)
  local fds = t.pollfds { { fd = w, events = "out" } }
  T.eq(S.poll(fds, 0), 0)
  T.eq(#assert(r:read(nil, 65536)) > 0, true)
  T.eq(assert(S.select({ writefds = { w } }, 0)).count, 1)
  T.eq(S.poll(fds, 0), 1)
end)

T.case("epoll: events from a table with fd, and from an epoll_event", function()
  local r, w = pipe()
  local r2, w2 = pipe()
  local ep = assert(S.epoll_create())
  T.defer(function() ep:close() end)
  assert(ep:epoll_ctl("add", r, { events = "in", fd = r }))
  local ev = t.epoll_event()
  ev.events = c.EPOLL.IN
  ev.data.u32 = 77
  assert(ep:epoll_ctl("add", r2, ev))
  w:write("a"); w2:write("b")
  local seen = {}
  for _, e in assert(ep:epoll_wait(4, 0)) do
    if e.fd == r:getfd() then seen.r = true elseif e.data.u32 == 77 then seen.r2 = true end
  end
  T.ok(seen.r and seen.r2, "both reported with their data")
end)
