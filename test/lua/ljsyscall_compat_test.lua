-- Scripts written the way ljsyscall's API is documented and used (its README and test style):
-- `local S = require "syscall"; local c, t, util = S.c, S.t, S.util`, string flags, results
-- or nil, err, descriptors as objects with methods, the util helpers.  Each case does a real
-- job end to end and checks its effect through another route (stat, /proc, a second
-- descriptor, the peer), plus the error cases ljsyscall scripts test for.
local T = require "rump.test"
local ffi = require "syscall.ffi"
local S = require "syscall"
local c, t, util = S.c, S.t, S.util

local function close(...) for _, f in ipairs { ... } do if f then f:close() end end end

-- Runs fn in a forked child that ends with S.exit(fn's number); returns the wait status.
local function inchild(fn)
  local pid = assert(S.fork())
  if pid == 0 then
    S.prctl("set_pdeathsig", "kill")
    local ok, r = pcall(fn)
    S.exit(ok and (r or 0) or 99)
  end
  local rpid, err, ws = S.waitpid(pid)
  assert(rpid, err)
  T.eq(rpid, pid)
  return ws
end

-- Module names ------------------------------------------------------------------------------

T.case("ljsyscall's module names resolve to the same objects", function()
  T.eq(require "syscall", S)
  T.eq(require "syscall.abi", S.abi)
  T.eq(require "syscall.linux.constants", S.c)
  T.eq(require "syscall.linux.c", S.C)
  T.ok(require "syscall.bit".band, "syscall.bit")
  T.ok(require "syscall.helpers".strflag, "syscall.helpers")
  T.ok(require "syscall.util".init, "syscall.util")
  T.ok(require "syscall.syscalls".init, "syscall.syscalls")
  T.ok(require "syscall.linux.syscalls".init, "syscall.linux.syscalls")
  T.ok(require "syscall.linux.ffi", "syscall.linux.ffi")
  T.eq(require "syscall.types".t, S.t)
  T.eq(require "syscall.linux.types".t, S.t)
  T.eq(require "syscall.linux.errors".NOENT, tostring(t.error(c.E.NOENT)))
  T.eq(S.abi.os, "linux")
  T.ok(S._VERSION and S._DESCRIPTION, "version strings")
  T.eq(S.stdout:getfd(), 1)
  T.eq(S.stdin:getfd(), 0)
  T.eq(S.stderr:getfd(), 2)
  -- ljsyscall's type names
  T.eq(t.uint64_1, t.uint641)
  T.eq(ffi.sizeof(t.int16_1), 2)
  T.ok(t.dirents and t.inotify_events and t.cpu_set and t.sched_param and t.device, "constructors")
end)

-- Files and directories ---------------------------------------------------------------------

T.case("files: open/write/lseek/read/fstat/truncate through descriptor methods", function()
  local dir = T.tmpdir()
  local name = dir .. "/file"
  local fd = assert(S.open(name, "creat, rdwr, trunc", "0640"))
  T.eq(assert(fd:write("hello world")), 11)
  T.eq(assert(fd:tell()), 11)
  T.eq(assert(fd:lseek(0, "set")), 0)
  T.eq(assert(fd:read(nil, 5)), "hello")
  local buf = t.buffer(16)
  T.eq(assert(fd:read(buf, 16)), 6)
  T.eq(ffi.string(buf, 6), " world")
  T.eq(assert(fd:pread(nil, 5, 6)), "world")
  local st = assert(fd:stat())
  T.eq(st.size, 11)
  T.ok(st.isreg)
  T.eq(st.typename, "file")
  T.eq(st.perm, tonumber("640", 8))
  T.eq(st.access, st.atime)
  T.eq(st.modification, st.mtime)
  assert(fd:truncate(4))
  assert(fd:sync())
  assert(fd:chmod("0600"))
  T.eq(S.stat(name).size, 4)
  T.eq(S.stat(name).perm, tonumber("600", 8))
  assert(fd:close())
  local e = select(2, S.open(dir .. "/missing", "rdonly"))
  T.ok(e.NOENT and e.errno == c.E.NOENT and tostring(e) == "No such file or directory")
  T.fails("EXIST", S.open(name, "creat, excl, wronly"))
  T.fails("ISDIR", S.open(dir, "wronly"))
end)

T.case("files: nonblock/block, fcntl, dup2, fd:lock, lockf between processes", function()
  local dir = T.tmpdir()
  local fd = assert(S.open(dir .. "/f", "creat, rdwr", "0600"))
  T.defer(function() close(fd) end)
  assert(fd:nonblock())
  T.ok(c.O.NONBLOCK == require "syscall.bit".band(fd:fcntl("getfl"), c.O.NONBLOCK))
  assert(fd:block())
  T.eq(require "syscall.bit".band(fd:fcntl("getfl"), c.O.NONBLOCK), 0)
  assert(fd:fcntl("setfd", "cloexec"))
  T.eq(fd:fcntl("getfd"), c.FD.CLOEXEC)
  local d2 = assert(fd:dup())
  T.ne(d2:getfd(), fd:getfd())
  d2:close()
  assert(fd:write("0123456789"))
  assert(fd:lseek(0, "set"))
  assert(fd:lock("ex"))
  assert(fd:lock("un"))
  -- lockf: this process locks the first 4 bytes; a child sees them taken, the rest free
  assert(fd:lockf("lock", 4))
  T.eq(fd:lockf("test", 4), true, "own lock tests free for the holder")
  local ws = inchild(function()
    local f = assert(S.open(dir .. "/f", "rdwr"))
    if f:lockf("test", 4) ~= false then return 1 end
    local ok, e = f:lockf("tlock", 4)
    if ok or not (e.AGAIN or e.ACCES) then return 2 end
    f:lseek(4, "set")
    if f:lockf("test", 4) ~= true then return 3 end
    return 0
  end)
  T.eq(ws.EXITSTATUS, 0, tostring(ws))
  assert(fd:lockf("ulock", 4))
  T.err(function() fd:lockf("sideways") end, "bad argument #2 to 'lockf'")
end)

T.case("directories: mkdir, util.dirtable, util.ls, getdents as ljsyscall's iterator, util.rm", function()
  local dir = T.tmpdir()
  assert(S.mkdir(dir .. "/sub", "0755"))
  assert(util.writefile(dir .. "/sub/a", "A", "0644"))
  assert(util.touch(dir .. "/sub/b"))
  assert(S.symlink("a", dir .. "/sub/l"))
  T.eq(tostring(util.dirtable(dir .. "/sub", true)), "a\nb\nl\n")
  local seen = {}
  for name, d in util.ls(dir .. "/sub") do seen[name] = d end
  T.ok(seen["."] and seen[".."] and seen.a.isreg and seen.l.islnk)
  -- ljsyscall: d = fd:getdents(); repeated calls of d() give each entry, then nil
  local fd = assert(S.open(dir .. "/sub", "directory, rdonly"))
  T.defer(function() close(fd) end)
  local di = assert(fd:getdents())
  local names = {}
  local d = di()
  while d do names[#names + 1] = d.name; d = di() end
  table.sort(names)
  T.same(names, { ".", "..", "a", "b", "l" })
  T.eq(assert(util.readfile(dir .. "/sub/a")), "A")
  T.eq(S.readlink(dir .. "/sub/l"), "a")
  T.fails("NOTEMPTY", S.rmdir(dir .. "/sub"))
  assert(util.rm(dir .. "/sub"))
  T.fails("NOENT", S.stat(dir .. "/sub"))
  T.eq(util.dirtable(dir .. "/none"), nil)
end)

T.case("stat of a device: rdev is a t.device with major/minor, typename \"char device\"", function()
  local st = assert(S.stat("/dev/null"))
  T.eq(st.typename, "char device")
  T.ok(st.ischr)
  T.eq(st.rdev.major, 1)
  T.eq(st.rdev.minor, 3)
  T.eq(st.rdev.device, t.device(1, 3).device)
  T.eq(st.rdev, t.device(1, 3))
  T.eq(S.stat("/dev/null").dev, st.dev)
  T.eq(assert(S.stat("/")).typename, "directory")
end)

T.case("times: futimes/utime set what stat reads back", function()
  local dir = T.tmpdir()
  local name = dir .. "/f"
  local fd = assert(S.creat(name, "0644"))
  T.defer(function() close(fd) end)
  assert(fd:utimes({ t.timeval(1000, 0), t.timeval(2000, 0) }))
  T.eq(S.stat(name).atime, 1000)
  T.eq(S.stat(name).mtime, 2000)
  assert(S.utime(name, 3000, 4000))
  T.eq(S.stat(name).atime, 3000)
  T.eq(S.stat(name).mtime, 4000)
  assert(S.symlink("f", dir .. "/l"))
  assert(S.lutimes(dir .. "/l", { 5000, 6000 }))
  T.eq(S.lstat(dir .. "/l").mtime, 6000)
  T.eq(S.stat(name).mtime, 4000, "lutimes left the target alone")
  T.fails("NOENT", S.utime(dir .. "/none", 1, 1))
end)

T.case("extended attributes: setxattr/getxattr/listxattr/xattr on paths and descriptors", function()
  local dir = T.tmpdir()
  local name = dir .. "/f"
  assert(util.writefile(name, "x", "0644"))
  local ok, e = S.setxattr(name, "user.colour", "blue")
  if not ok and (e.NOTSUP or e.OPNOTSUPP) then return T.skip("no user xattrs on " .. dir) end
  assert(ok, e)
  T.eq(S.getxattr(name, "user.colour"), "blue")
  T.same(S.listxattr(name), { "user.colour" })
  T.fails("EXIST", S.setxattr(name, "user.colour", "red", "create"))
  local fd = assert(S.open(name, "rdonly"))
  T.defer(function() close(fd) end)
  T.eq(fd:getxattr("user.colour"), "blue")
  assert(S.xattr(name, { ["user.shape"] = "round" }))
  T.same(S.xattr(name), { ["user.shape"] = "round" })
  T.fails("NODATA", S.getxattr(name, "user.colour"))
end)

-- Sockets ----------------------------------------------------------------------------------

T.case("inet: TCP listen/connect/accept and UDP sendto/recvfrom, ljsyscall's return shapes", function()
  local s = assert(S.socket("inet", "stream, nonblock"))
  local cl, a, u1, u2
  T.defer(function() close(s, cl, a, u1, u2) end)
  assert(s:setsockopt("socket", "reuseaddr", true))
  T.eq(s:getsockopt("socket", "reuseaddr"), 1)
  assert(s:bind(t.sockaddr_in(0, "loopback")))
  assert(s:listen(8))
  local sa = assert(s:getsockname())
  T.ok(sa.port > 0)
  cl = assert(S.socket("inet", "stream"))
  assert(cl:connect(sa))
  local peer
  a, peer = nil, nil
  local fd, err, addr = s:accept()
  T.eq(err, nil, "the second value is the error slot")
  a, peer = fd, addr
  T.eq(tostring(peer.addr), "127.0.0.1")
  T.eq(peer.port, assert(cl:getsockname()).port)
  T.eq(cl:send("ping"), 4)
  T.eq(a:recv(), "ping")
  T.fails("AGAIN", s:accept())
  -- UDP
  u1 = assert(S.socket("inet", "dgram"))
  u2 = assert(S.socket("inet", "dgram"))
  assert(u2:bind(t.sockaddr_in(0, "127.0.0.1")))
  local to = assert(u2:getsockname())
  T.eq(assert(u1:sendto("datagram", nil, 0, to)), 8)
  local buf = t.buffer(64)
  local n, e, from = u2:recvfrom(buf, 64)
  T.eq(n, 8); T.eq(e, nil)
  T.eq(ffi.string(buf, n), "datagram")
  T.eq(from.port, assert(u1:getsockname()).port)
  T.fails("CONNREFUSED", S.connect(assert(S.socket("inet", "stream")), t.sockaddr_in(to.port, "127.0.0.1")))
end)

T.case("unix: socketpair, descriptors passed with util.sendfds and read with util.recvcmsg", function()
  local ok, err, a, b = S.socketpair("unix", "stream")
  T.ok(ok and err == nil, "socketpair returns true, nil, fd1, fd2")
  local _, _, r, w = S.pipe()
  T.defer(function() close(a, b, r, w) end)
  assert(util.sendfds(a, r))
  r:close()
  local got = assert(util.recvcmsg(b))
  T.eq(got.count, 1)
  T.eq(#got.fd, 1)
  local r2 = got.fd[1]
  T.defer(function() close(r2) end)
  T.eq(w:write("through the passed fd"), 21)
  T.eq(r2:read(), "through the passed fd")
  -- credentials: ask for them, send ours
  assert(b:setsockopt("socket", "passcred", true))
  assert(util.sendcred(a))
  local cred = assert(util.recvcmsg(b))
  T.eq(cred.pid, S.getpid())
  T.eq(cred.uid, S.getuid())
  -- sendmsg with no message sends one byte
  T.eq(assert(S.sendmsg(a)), 1)
  T.eq(b:recv(nil, 16), "\0")
  -- on a path
  local dir = T.tmpdir()
  local l = assert(S.socket("unix", "stream"))
  T.defer(function() close(l) end)
  assert(l:bind(t.sockaddr_un(dir .. "/sock")))
  assert(l:listen())
  T.ok(S.stat(dir .. "/sock").issock)
  T.eq(S.stat(dir .. "/sock").typename, "socket")
end)

-- Events -----------------------------------------------------------------------------------

T.case("epoll with eventfd and timerfd; util.eventfd_read/timerfd_read", function()
  local ep = assert(S.epoll_create("cloexec"))
  local efd = assert(S.eventfd(0, "nonblock"))
  local tfd = assert(S.timerfd_create("monotonic", "nonblock"))
  T.defer(function() close(ep, efd, tfd) end)
  assert(ep:epoll_ctl("add", efd, "in"))
  assert(ep:epoll_ctl("add", tfd, "in"))
  local evs = t.epoll_events(4)
  local n = 0
  for _ in ep:epoll_wait(evs, 0) do n = n + 1 end
  T.eq(n, 0, "nothing ready yet")
  T.eq(util.eventfd_read(efd), 0, "0 for an empty non-blocking eventfd")
  -- the timer alone: epoll_wait blocks until it expires
  assert(S.timerfd_settime(tfd, nil, { 0, 0.001 }))
  local ready = {}
  for _, ev in ep:epoll_wait(evs, -1) do ready[ev.fd] = ev.IN end
  T.ok(ready[tfd:getfd()], "timerfd expired")
  T.ok(not ready[efd:getfd()], "eventfd not yet written")
  assert(util.eventfd_write(efd, 3))
  ready = {}
  for _, ev in ep:epoll_wait(evs, 0) do ready[ev.fd] = ev.IN end
  T.ok(ready[efd:getfd()] and ready[tfd:getfd()], "both readable")
  T.eq(util.eventfd_read(efd), 3)
  T.ok(util.timerfd_read(tfd) >= 1)
  T.eq(util.timerfd_read(tfd), 0)
  local cur = assert(tfd:timerfd_gettime())
  T.eq(cur.value.time, 0, "a one-shot timer is disarmed once it fired")
  T.fails("BADF", S.epoll_ctl(ep, "add", 9999, "in"))
end)

T.case("signalfd and sigprocmask: a blocked signal is read through util.signalfd_read", function()
  local old = assert(S.sigprocmask("block", "usr1"))
  T.defer(function() S.sigprocmask("setmask", old) end)
  local sfd = assert(S.signalfd("usr1", "nonblock"))
  T.defer(function() close(sfd) end)
  T.same(util.signalfd_read(sfd), {}, "empty list when nothing is pending")
  assert(S.kill(S.getpid(), "usr1"))
  local sigs = assert(util.signalfd_read(sfd))
  T.eq(#sigs, 1)
  T.ok(sigs[1].USR1)
  T.eq(sigs[1].signo, c.SIG.USR1)
  T.eq(sigs[1].pid, S.getpid())
  T.ok(not assert(S.sigpending()).USR1, "consumed")
end)

T.case("sigaction and signal: ignore, restore, and the pending set", function()
  local old = t.sigaction()
  assert(S.sigaction("usr2", "ign", old))
  T.defer(function() S.sigaction("usr2", old) end)
  assert(S.kill(S.getpid(), "usr2"))    -- ignored: we are still here
  T.eq(S.signal("usr2", "dfl"), "IGN", "signal returns the previous handler")
  T.eq(S.signal("usr2", "ign"), "DFL")
  local mask = assert(S.sigprocmask("block", "usr2"))
  T.defer(function() S.sigprocmask("setmask", mask) end)
  assert(S.signal("usr2", "dfl"))
  assert(S.kill(S.getpid(), "usr2"))
  T.ok(assert(S.sigpending()).USR2, "blocked signal is pending")
  assert(S.signal("usr2", "ign"))      -- ignoring a pending signal discards it
  T.ok(not assert(S.sigpending()).USR2)
  T.err(function() S.sigaction("usr2", function() end) end, "signal handlers")
end)

T.case("inotify: a created file shows up in inotify_read with its name", function()
  local dir = T.tmpdir()
  local fd = assert(S.inotify_init("cloexec, nonblock"))
  T.defer(function() close(fd) end)
  local wd = assert(fd:inotify_add_watch(dir, "create, delete"))
  T.fails("AGAIN", fd:inotify_read())
  assert(util.touch(dir .. "/new"))
  assert(S.unlink(dir .. "/new"))
  local evs = assert(fd:inotify_read())
  T.eq(#evs, 2)
  T.eq(evs[1].wd, wd)
  T.eq(evs[1].name, "new")
  T.ok(evs[1].create and not evs[1].delete)
  T.ok(evs[2].delete)
  assert(fd:inotify_rm_watch(wd))
  T.fails("INVAL", fd:inotify_rm_watch(wd))
end)

-- Memory -----------------------------------------------------------------------------------

T.case("mmap: anonymous memory, a shared file mapping written through to the file", function()
  local size = S.getpagesize()
  local mem = assert(S.mmap(nil, size, "read, write", "private, anonymous"))
  ffi.copy(mem, "anonymous", 9)
  T.eq(ffi.string(mem, 9), "anonymous")
  assert(S.munmap(mem, size))
  local dir = T.tmpdir()
  local fd = assert(S.open(dir .. "/m", "creat, rdwr", "0600"))
  T.defer(function() close(fd) end)
  assert(fd:truncate(size))
  local m = assert(fd:mmap(nil, size, "read, write", "shared", 0))
  ffi.copy(m, "mapped", 6)
  assert(S.msync(m, size, "sync"))
  T.eq(fd:pread(nil, 6, 0), "mapped")
  T.eq(util.mapfile(dir .. "/m"):sub(1, 6), "mapped")
  assert(S.munmap(m, size))
  T.fails("INVAL", S.mmap(nil, 0, "read", "private, anonymous"))
  T.fails("BADF", S.mmap(nil, size, "read", "shared", 9999, 0))
end)

-- Processes --------------------------------------------------------------------------------

T.case("fork/waitpid/wait4: exit status, termination signal, rusage", function()
  local ws = inchild(function() return 7 end)
  T.ok(ws.WIFEXITED)
  T.eq(ws.EXITSTATUS, 7)
  local pid = assert(S.fork())
  if pid == 0 then
    S.prctl("set_pdeathsig", "kill")
    while true do S.pause() end
  end
  assert(S.kill(pid, "term"))
  local rpid, err, st, ru = S.wait4(pid)
  T.eq(rpid, pid); T.eq(err, nil)
  T.ok(st.WIFSIGNALED)
  T.eq(st.WTERMSIG, c.SIG.TERM)
  T.ok(ru.utime, "rusage")
  T.fails("CHILD", S.waitpid(-1))
  T.fails("CHILD", S.wait3())
end)

T.case("rlimits: getrlimit/setrlimit, and a lowered limit takes effect", function()
  local r = assert(S.getrlimit("nofile"))
  T.ok(r.cur > 0 and (r.max == -1 or r.max >= r.cur))
  local ws = inchild(function()
    assert(S.setrlimit("nofile", { cur = 8, max = r.max }))
    if S.getrlimit("nofile").cur ~= 8 then return 1 end
    local fds, last = {}, nil
    for i = 1, 16 do
      local f, e = S.open("/dev/null", "rdonly")
      if not f then last = e; break end
      fds[i] = f
    end
    if not (last and last.MFILE) then return 2 end
    return 0
  end)
  T.eq(ws.EXITSTATUS, 0)
  T.eq(S.getrlimit("nofile").cur, r.cur, "the parent's limit is untouched")
  T.fails("INVAL", S.setrlimit("nofile", { cur = 10, max = 5 }))
end)

T.case("uname, gethostname, sysctl, clock_gettime, gettimeofday, time", function()
  local u = assert(S.uname())
  T.eq(u.sysname, "Linux")
  T.eq(u.release, util.readfile("/proc/sys/kernel/osrelease"):gsub("\n$", ""))
  T.eq(S.gethostname(), u.nodename)
  T.eq(S.sysctl("kernel.ostype"), "Linux")
  T.eq(S.sysctl("kernel/ostype"), "Linux")
  T.fails("NOENT", S.sysctl("kernel.no_such_thing"))
  local a = assert(S.clock_gettime("monotonic"))
  local b = assert(S.clock_gettime("monotonic"))
  T.ok(b.time >= a.time)
  T.ok(assert(S.clock_getres("realtime")).nsec > 0)
  local tv = assert(S.gettimeofday())
  local now = S.time()
  T.ok(math.abs(now - tv.sec) <= 1)
  local tt = t.long1()
  T.eq(S.time(tt), tonumber(tt[0]))
  T.eq(S.nanosleep(0.001), true)
  T.eq(S.sleep(0), 0)
  T.fails("INVAL", S.clock_gettime(12345))
end)

T.case("environment, nice, scheduling, getcpu, util.proc", function()
  assert(S.setenv("RUMPUS_COMPAT_X", "1"))
  T.eq(S.getenv("RUMPUS_COMPAT_X"), "1")
  T.eq(S.environ().RUMPUS_COMPAT_X, "1")
  assert(S.setenv("RUMPUS_COMPAT_X", "2", false))
  T.eq(S.getenv("RUMPUS_COMPAT_X"), "1", "no overwrite")
  assert(S.unsetenv("RUMPUS_COMPAT_X"))
  T.eq(S.getenv("RUMPUS_COMPAT_X"), nil)
  local ws = inchild(function()
    local n = S.nice(3)
    if n ~= S.getpriority("process", 0) then return 1 end
    if not util.proc().stat:match("^%d+ %b() %a %d+ %d+ %d+ %d+ %-?%d+ %d+ %d+ %d+ %d+ %d+ %d+ %d+ %d+ %d+ %-?%d+ " .. n .. " ") then return 2 end
    return 0
  end)
  T.eq(ws.EXITSTATUS, 0)
  local set = assert(S.sched_getaffinity())
  T.ok(set:count() >= 1)
  T.eq(assert(S.sched_getscheduler()), c.SCHED.OTHER)
  T.ok(S.sched_get_priority_max("fifo") >= S.sched_get_priority_min("fifo"))
  local cpu = assert(S.getcpu())
  T.ok(set[cpu.cpu], "we run on a CPU of our affinity set")
  T.eq(util.proc().pid, S.getpid())
  T.ok(util.proc().exe, "the executable link")
  T.fails("INVAL", S.sched_setscheduler(0, 12345))
end)

T.case("POSIX timers: timer_create/settime/gettime/delete; a signal timer read through signalfd", function()
  local tm = assert(S.timer_create("monotonic", { notify = "none" }))
  local ok, err, old = tm:settime(0, { 0, 10 })
  T.ok(ok and err == nil and old.value.time == 0, "true, nil, the previous (disarmed) setting")
  local left = assert(tm:gettime()).value.time
  T.ok(left > 0 and left <= 10)
  T.eq(tm:getoverrun(), 0)
  assert(tm:delete())
  T.fails("INVAL", tm:delete())
  T.fails("INVAL", S.timer_gettime(tm))
  local mask = assert(S.sigprocmask("block", "usr1"))
  T.defer(function() S.sigprocmask("setmask", mask) end)
  local sfd = assert(S.signalfd("usr1"))
  T.defer(function() close(sfd) end)
  local tm2 = assert(S.timer_create("monotonic", t.sigevent{ notify = "signal", signo = "usr1", value = 42 }))
  T.defer(function() tm2:delete() end)
  assert(S.timer_settime(tm2, nil, { 0, 0.001 }))
  local sigs = assert(util.signalfd_read(sfd))   -- blocks until the timer fires
  T.ok(sigs[1].USR1)
  T.eq(sigs[1].code, -2, "SI_TIMER")
  T.eq(sigs[1].int, 42, "the sigevent's value")
  T.fails("INVAL", S.timer_create(12345))
  T.err(function() S.timer_create("monotonic", { notify = "thread" }) end, "SIGEV_THREAD")
end)
