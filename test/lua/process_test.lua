-- Processes, identity, signals, limits and system information (lua/syscall/linux/process.lua).
-- Everything that changes the process (ids, limits, signal dispositions, names) runs in a
-- forked child, which reports back through a pipe and leaves with S.exit.
local T = require "rump.test"
local S = require "syscall"
local ffi = require "syscall.ffi"
local c, t = S.c, S.t

local NOBODY = 65534

local H = dofile("test/lua/shared/child.lua")
local readfile = H.readfile

local function status(field, pid)
  local s = readfile("/proc/" .. (pid or "self") .. "/status")
  return s:match("\n" .. field .. ":[ \t]*([^\n]*)")
end

local function nums(s)
  local r = {}
  for n in s:gmatch("%d+") do r[#r + 1] = tonumber(n) end
  return r
end

-- Field n (1-based, after the command name) of /proc/PID/stat.
local function statfield(n, pid)
  local s = readfile("/proc/" .. (pid or "self") .. "/stat")
  local rest = s:match("%) (.*)$")
  local f = {}
  for w in rest:gmatch("%S+") do f[#f + 1] = w end
  return f[n - 2]
end

local inchild = H.inchild

-- Forks a child that runs fn and exits with its return value (0 if none).
local function spawn(fn)
  local pid = assert(S.fork())
  if pid == 0 then
    S.prctl("set_pdeathsig", "kill")  -- never outlive a crashed test
    local ok, r = pcall(fn)
    S.exit(ok and (r or 0) or 99)
  end
  return pid
end

local function needroot() if not T.root() then T.skip("needs root") end end

-- Waits for a signal to end the process (pause returns only after a handler ran).
local function sleepforever() while true do S.pause() end end

-- Identity ---------------------------------------------------------------------------------------

T.case("getpid is this process, as /proc/self says", function()
  local pid = S.getpid()
  T.eq(type(pid), "number")
  T.eq(tonumber(S.readlink("/proc/self")), pid)
  T.eq(tonumber(readfile("/proc/self/stat"):match("^(%d+)")), pid)
end)

T.case("getppid is the parent; a child sees us as its parent", function()
  T.eq(S.getppid(), tonumber(statfield(4)))
  local me = S.getpid()
  T.eq(inchild(function() return S.getppid() end), tostring(me))
  T.ne(inchild(function() return S.getpid() end), tostring(me))
end)

T.case("getuid/geteuid/getgid/getegid match /proc/self/status", function()
  local u, g = nums(status("Uid")), nums(status("Gid"))
  T.eq(S.getuid(), u[1]); T.eq(S.geteuid(), u[2])
  T.eq(S.getgid(), g[1]); T.eq(S.getegid(), g[2])
end)

T.case("getresuid/getresgid return real, effective and saved ids", function()
  local u, g = nums(status("Uid")), nums(status("Gid"))
  local ok, e, r, eff, sv = S.getresuid()
  T.eq(ok, true); T.eq(e, nil)
  T.same({ r, eff, sv }, { u[1], u[2], u[3] })
  ok, e, r, eff, sv = S.getresgid()
  T.eq(ok, true)
  T.same({ r, eff, sv }, { g[1], g[2], g[3] })
end)

T.case("setresuid/setresgid change all three ids (child)", function()
  needroot()
  local out = inchild(function()
    assert(S.setresgid(1000, 1001, 1002))
    assert(S.setresuid(2000, 2001, 2002))
    local _, _, r, e, s = S.getresuid()
    local _, _, gr, ge, gs = S.getresgid()
    return table.concat({ r, e, s, gr, ge, gs, status("Uid"), status("Gid") }, " ")
  end)
  T.eq(out:gsub("%s+", " "), "2000 2001 2002 1000 1001 1002 2000 2001 2002 2001 1000 1001 1002 1001")
end)

T.case("setresuid: -1 (nil) keeps an id; an unprivileged process cannot regain root", function()
  needroot()
  inchild(function()
    assert(S.setresuid(nil, NOBODY, nil))
    local _, _, r, e, s = S.getresuid()
    T.same({ r, e, s }, { 0, NOBODY, 0 })
    assert(S.setresuid(NOBODY, NOBODY, NOBODY))
    T.fails("PERM", S.setresuid(0, 0, 0))
    T.fails("PERM", S.setresgid(5, 5, 5))
    T.fails("PERM", S.setuid(0))
  end)
end)

T.case("setuid and setgid drop privileges for good (child)", function()
  needroot()
  inchild(function()
    assert(S.setgid(NOBODY))
    assert(S.setuid(NOBODY))
    T.eq(S.getuid(), NOBODY); T.eq(S.geteuid(), NOBODY)
    T.eq(S.getgid(), NOBODY); T.eq(S.getegid(), NOBODY)
    T.same(nums(status("Uid")), { NOBODY, NOBODY, NOBODY, NOBODY })
    T.fails("PERM", S.setuid(0))
    T.fails("PERM", S.setgid(0))
    T.fails("ACCES", S.open("/proc/1/environ", "rdonly"))
  end)
end)

T.case("setreuid/setregid swap real and effective ids (child)", function()
  needroot()
  inchild(function()
    assert(S.setregid(100, 200))
    assert(S.setreuid(300, 400))
    T.eq(S.getuid(), 300); T.eq(S.geteuid(), 400)
    T.eq(S.getgid(), 100); T.eq(S.getegid(), 200)
  end)
end)

T.case("id setters reject non-numbers", function()
  T.err(function() S.setresuid("x") end, "bad argument #1 to 'setresuid'")
  T.err(function() S.setresgid(1, {}) end, "bad argument #2 to 'setresgid'")
  T.err(function() S.setuid(nil) end, "bad argument #1 to 'setuid'")
end)

T.case("getgroups matches /proc/self/status Groups", function()
  local g = assert(S.getgroups())
  table.sort(g)
  local want = nums(status("Groups"))
  table.sort(want)
  T.same(g, want)
end)

T.case("setgroups sets the supplementary groups (child); unprivileged gets EPERM", function()
  needroot()
  local out = inchild(function()
    assert(S.setgroups { 7, 5, 6 })
    local g = S.getgroups()
    table.sort(g)
    T.same(g, { 5, 6, 7 })
    local procg = status("Groups")
    assert(S.setgroups {})
    T.same(S.getgroups(), {})
    assert(S.setuid(NOBODY))
    T.fails("PERM", S.setgroups { 1 })
    return procg
  end)
  T.same(nums(out), { 5, 6, 7 })
  T.err(function() S.setgroups(5) end, "bad argument #1 to 'setgroups'")
end)

-- fork, exec, exit, wait ------------------------------------------------------------------------

T.case("fork returns 0 in the child and the child's pid in the parent", function()
  local ok, _, r, w = S.pipe()
  local pid = assert(S.fork())
  if pid == 0 then
    w:write(tostring(S.getpid()))
    S.exit(3)
  end
  w:close()
  T.eq(r:read(), tostring(pid))
  local rpid, err, st = S.waitpid(pid)
  T.eq(rpid, pid); T.eq(err, nil)
  T.eq(st.WIFEXITED, true); T.eq(st.EXITSTATUS, 3)
  T.eq(st.WIFSIGNALED, false)
  T.ok(ok)
end)

T.case("exit takes names and ends the process without flushing stdio", function()
  local dir = T.tmpdir()
  local pid = spawn(function()
    local f = io.open(dir .. "/buffered", "w")
    f:setvbuf("full")
    f:write("never flushed")
    S.exit("failure")
  end)
  local _, _, st = S.waitpid(pid)
  T.eq(st.EXITSTATUS, 1)
  T.eq(readfile(dir .. "/buffered"), "")
  pid = spawn(function() S.exit("success") end)
  _, _, st = S.waitpid(pid)
  T.eq(st.EXITSTATUS, 0)
  T.err(function() S.exit("bogus") end, "bad argument #1 to 'exit'")
end)

T.case("execve runs a program with its arguments and environment", function()
  local pid = spawn(function()
    S.execve("/bin/sh", { "sh", "-c", 'test "$0 $1" = "a b c" && exit $CODE', "a b", "c" }, { "CODE=42" })
    return 100
  end)
  local _, _, st = S.waitpid(pid)
  T.eq(st.EXITSTATUS, 42)
  -- the default environment is empty
  pid = spawn(function()
    S.execve("/bin/sh", { "sh", "-c", 'test -z "$HOME$USER$CODE" && exit 9' })
    return 100
  end)
  _, _, st = S.waitpid(pid)
  T.eq(st.EXITSTATUS, 9)
end)

T.case("execve errors come back to the caller", function()
  T.fails("NOENT", S.execve("/nonexistent/rumpus/prog", { "x" }, {}))
  T.fails("ACCES", S.execve("/tmp", { "x" }, {}))
  local dir = T.tmpdir()
  local f = assert(io.open(dir .. "/noexec", "w")); f:write("#!/bin/sh\n"); f:close()
  T.fails("ACCES", S.execve(dir .. "/noexec", { "x" }))
  T.fails("NOTDIR", S.execve("/etc/passwd/x", { "x" }))
  T.err(function() S.execve(42, {}) end, "bad argument #1 to 'execve'")
  T.err(function() S.execve("/bin/sh", "sh") end, "bad argument #2 to 'execve'")
  T.err(function() S.execve("/bin/sh", { "sh", 5 }) end, "string expected at index 2")
end)

T.case("waitpid with nohang returns 0 while the child runs; kill ends it", function()
  local pid = spawn(sleepforever)
  T.eq(S.waitpid(pid, "nohang"), 0)
  T.eq(S.kill(pid, 0), true)
  T.eq(S.kill(pid, "term"), true)
  local rpid, _, st = S.waitpid(pid)
  T.eq(rpid, pid)
  T.eq(st.WIFSIGNALED, true); T.eq(st.WIFEXITED, false)
  T.eq(st.WTERMSIG, c.SIG.TERM); T.eq(st.EXITSTATUS, nil)
  T.eq(tostring(st), "killed by signal 15")
end)

T.case("waitpid reports stopped and continued children", function()
  local pid = spawn(sleepforever)
  assert(S.kill(pid, "stop"))
  local rpid, _, st = S.waitpid(pid, "untraced")
  T.eq(rpid, pid)
  T.eq(st.WIFSTOPPED, true); T.eq(st.WSTOPSIG, c.SIG.STOP)
  assert(S.kill(pid, "cont"))
  rpid, _, st = S.waitpid(pid, "continued")
  T.eq(rpid, pid)
  T.eq(st.WIFCONTINUED, true); T.eq(st.WIFSTOPPED, false)
  assert(S.kill(pid, "kill"))
  _, _, st = S.waitpid(pid)
  T.eq(st.WTERMSIG, 9)
end)

T.case("waitpid errors: ECHILD for a non-child, EINVAL for bad options", function()
  T.fails("CHILD", S.waitpid(1))
  T.fails("INVAL", S.waitpid(-1, 0x7000))
  inchild(function() T.fails("CHILD", S.waitpid("any")) end)
  T.err(function() S.waitpid({}) end, "bad argument #1 to 'waitpid'")
  T.err(function() S.waitpid(-1, "bogus") end, "bad argument #2 to 'waitpid'")
end)

T.case("wait reaps any child", function()
  local pid = spawn(function() return 5 end)
  local rpid, _, st = S.wait()
  T.eq(rpid, pid)
  T.eq(st.exitstatus, 5)
  T.eq(st.WEXITSTATUS, 5)
  T.eq(st.ifexited, true)
end)

T.case("wait4 returns the child's resource usage", function()
  local pid = spawn(function()
    S.prctl("set_thp_disable", 1)  -- one fault per 4 KiB page, even where THP is "always"
    local b = ffi.new("char[?]", 8 * 1024 * 1024)
    ffi.fill(b, 8 * 1024 * 1024, 1)
    return 4
  end)
  local rpid, err, st, ru = S.wait4(pid)
  T.eq(rpid, pid); T.eq(err, nil)
  T.eq(st.EXITSTATUS, 4)
  T.ok(ru.minflt >= 1024, "page faults of 8 MiB touched: " .. tostring(ru.minflt))
  T.ok(ru.maxrss >= 8 * 1024, "maxrss in KiB: " .. tostring(ru.maxrss))
  T.fails("CHILD", S.wait4(1))
end)

T.case("waitid returns a siginfo describing the child", function()
  local pid = spawn(function() return 6 end)
  local si = assert(S.waitid("pid", pid, "exited"))
  T.eq(si.pid, pid)
  T.eq(si.signo, c.SIG.CHLD)
  T.eq(si.code, c.CLD.EXITED)
  T.eq(si.status, 6)
  T.eq(si.uid, S.getuid())
  pid = spawn(function()
    S.prctl("set_thp_disable", 1)
    local b = ffi.new("char[?]", 4 * 1024 * 1024)
    ffi.fill(b, 4 * 1024 * 1024, 3)
  end)
  local si2, err, ru = S.waitid("pid", pid, "exited")
  T.eq(si2.pid, pid); T.eq(err, nil)
  T.ok(ru.minflt >= 512, "the child's rusage comes back: " .. tostring(ru.minflt))
  T.eq(select(3, S.waitid("pid", spawn(function() end), "exited", nil, false)), nil)
  pid = spawn(sleepforever)
  si = assert(S.waitid("pid", pid, "exited, nohang"))
  T.eq(si.pid, 0)
  assert(S.kill(pid, "kill"))
  si = assert(S.waitid("all", 0, "exited"))
  T.eq(si.pid, pid); T.eq(si.code, c.CLD.KILLED); T.eq(si.status, 9)
  T.fails("CHILD", S.waitid("pid", pid))
  T.fails("INVAL", S.waitid("pid", 1, 0))
end)

T.case("waitstatus decodes raw statuses", function()
  local w = t.waitstatus(7 * 256)
  T.eq(w.WIFEXITED, true); T.eq(w.EXITSTATUS, 7); T.eq(w.WTERMSIG, nil)
  w = t.waitstatus(0x89)
  T.eq(w.WIFSIGNALED, true); T.eq(w.WTERMSIG, 9); T.eq(w.WCOREDUMP, true); T.eq(w.WIFEXITED, false)
  w = t.waitstatus(0x137f)
  T.eq(w.WIFSTOPPED, true); T.eq(w.WSTOPSIG, 19); T.eq(w.WIFSIGNALED, false)
  w = t.waitstatus(0xffff)
  T.eq(w.WIFCONTINUED, true); T.eq(w.WIFEXITED, false); T.eq(w.WIFSIGNALED, false); T.eq(w.WIFSTOPPED, false)
  T.eq(w.status, 0xffff)
end)

-- Signals --------------------------------------------------------------------------------------

T.case("kill: signal 0 probes, ESRCH for no process, EINVAL for a bad signal", function()
  T.eq(S.kill(S.getpid(), 0), true)
  local pidmax = tonumber(readfile("/proc/sys/kernel/pid_max"))
  T.fails("SRCH", S.kill(pidmax + 1, 0))
  T.fails("INVAL", S.kill(S.getpid(), 1000))
  T.err(function() S.kill(S.getpid(), "nosuchsignal") end, "bad argument #2 to 'kill'")
  T.err(function() S.kill("me") end, "bad argument #1 to 'kill'")
end)

T.case("kill: an unprivileged process gets EPERM for other users' processes", function()
  needroot()
  inchild(function()
    assert(S.setuid(NOBODY))
    T.fails("PERM", S.kill(1, 0))
    T.eq(S.kill(S.getpid(), 0), true)
  end)
end)

T.case("killpg signals a whole process group", function()
  local pid = spawn(function() S.setpgid(0, 0); sleepforever() end)
  S.setpgid(pid, pid)  -- either side may win the race; both set the same group
  T.eq(S.getpgid(pid), pid)
  assert(S.killpg(pid, "usr1"))
  local _, _, st = S.waitpid(pid)
  T.eq(st.WTERMSIG, c.SIG.USR1)
end)

T.case("sigaction ign keeps the process alive; dfl lets the signal kill it", function()
  local pid = spawn(function()
    assert(S.sigaction("usr1", "ign"))
    assert(S.kill(S.getpid(), "usr1"))
    assert(S.sigaction("usr1", "dfl"))
    assert(S.kill(S.getpid(), "usr1"))
    return 0
  end)
  local _, _, st = S.waitpid(pid)
  T.eq(st.WIFSIGNALED, true)
  T.eq(st.WTERMSIG, c.SIG.USR1)
end)

T.case("sigaction installs a C function pointer as the handler", function()
  -- _exit(int) has the shape of a handler: the child then exits with the signal's number.
  local pid = spawn(function()
    local old = t.sigaction()
    assert(S.sigaction("usr1", ffi.cast("void (*)(int)", S.C._exit)))
    assert(S.sigaction("usr1", nil, old))
    if old.dfl or old.ign then return 50 end
    assert(S.kill(S.getpid(), "usr1"))
    return 51
  end)
  local _, _, st = S.waitpid(pid)
  T.eq(st.WIFEXITED, true)
  T.eq(st.EXITSTATUS, c.SIG.USR1)
  -- the sigaction field asks for SA_SIGINFO
  local sa = t.sigaction { sigaction = ffi.cast("void (*)(int)", S.C._exit), flags = "restart" }
  T.ok(S.bit.band(sa.flags, c.SA.SIGINFO) ~= 0)
  T.ok(S.bit.band(sa.flags, c.SA.RESTART) ~= 0)
end)

T.case("sigaction reports the old action", function()
  inchild(function()
    local old = t.sigaction()
    assert(S.sigaction("usr2", nil, old))
    T.eq(old.dfl, true)
    assert(S.sigaction("usr2", { handler = "ign", mask = "int, term", flags = "restart" }))
    assert(S.sigaction("usr2", "dfl", old))
    T.eq(old.ign, true); T.eq(old.dfl, false)
    T.eq(old.mask.INT, true); T.eq(old.mask.TERM, true); T.eq(old.mask.HUP, false)
    T.ok(S.bit.band(old.flags, c.SA.RESTART) ~= 0, "SA_RESTART kept")
    assert(S.sigaction("usr2", nil, old))
    T.eq(old.dfl, true)
  end)
end)

T.case("sigaction errors: Lua handlers refused, SIGKILL cannot be caught", function()
  T.err(function() S.sigaction("usr1", function() end) end, "Lua functions cannot be signal handlers")
  T.err(function() t.sigaction { handler = print } end, "Lua functions cannot be signal handlers")
  T.err(function() S.sigaction("usr1", "bogus") end, "bad signal handler")
  T.err(function() S.sigaction("nosuchsig", "ign") end, "bad argument #1 to 'sigaction'")
  T.err(function() S.sigaction("usr1", nil, {}) end, "bad argument #3 to 'sigaction'")
  T.fails("INVAL", S.sigaction("kill", "ign"))
  T.fails("INVAL", S.sigaction("stop", "ign"))
  T.fails("INVAL", S.sigaction(99, "ign"))
end)

T.case("sigprocmask blocks signals: they stay pending, then kill when unblocked", function()
  local pid = spawn(function()
    local old = assert(S.sigprocmask("block", "usr1"))
    if old.USR1 then return 10 end
    assert(S.kill(S.getpid(), "usr1"))
    local p = assert(S.sigpending())
    if not p.USR1 or p.USR2 then return 11 end
    local cur = assert(S.sigprocmask())
    if not cur.USR1 then return 12 end
    S.sigprocmask("unblock", "usr1")
    return 13
  end)
  local _, _, st = S.waitpid(pid)
  T.eq(st.WTERMSIG, c.SIG.USR1)
end)

T.case("sigprocmask setmask replaces the mask and returns the old one", function()
  inchild(function()
    T.eq(tostring(S.sigpending()), "")
    assert(S.sigprocmask("setmask", "hup, usr2"))
    local old = assert(S.sigprocmask("setmask", t.sigset("int")))
    T.eq(old.HUP, true); T.eq(old.USR2, true); T.eq(old.INT, false)
    local now = assert(S.sigprocmask())
    T.eq(now.INT, true); T.eq(now.HUP, false)
    T.same(nums(status("SigBlk")), { 2 })  -- hex 2: SIGINT only
    T.fails("INVAL", S.sigprocmask(99, "int"))
    T.err(function() S.sigprocmask("block", true) end, "bad argument #2 to 'sigprocmask'")
  end)
end)

T.case("sigsuspend lets a blocked, pending fatal signal through", function()
  local pid = spawn(function()
    assert(S.sigprocmask("block", "usr2"))
    assert(S.kill(S.getpid(), "usr2"))
    S.sigsuspend("")
    return 20
  end)
  local _, _, st = S.waitpid(pid)
  T.eq(st.WTERMSIG, c.SIG.USR2)
end)

T.case("alarm schedules SIGALRM and returns the seconds left", function()
  local pid = spawn(function()
    if S.alarm(100) ~= 0 then return 30 end
    local left = S.alarm(0)
    if left < 1 or left > 100 then return 31 end
    S.alarm(1)
    sleepforever()
  end)
  local _, _, st = S.waitpid(pid)
  T.eq(st.WTERMSIG, c.SIG.ALRM)
end)

-- prctl ----------------------------------------------------------------------------------------

T.case("prctl set_name renames the thread, as /proc/self/comm shows", function()
  local out = inchild(function()
    assert(S.prctl("set_name", "rumpus-worker"))
    T.eq(S.prctl("get_name"), "rumpus-worker")
    assert(S.prctl("set_name", "a-name-much-longer-than-fifteen"))
    T.eq(S.prctl("get_name"), "a-name-much-lon")
    return readfile("/proc/self/comm")
  end)
  T.eq(out, "a-name-much-lon\n")
end)

T.case("prctl pdeathsig: the child is signalled when its parent dies", function()
  -- A becomes a subreaper; A forks B, B forks C; C asks for SIGTERM on its parent's death and
  -- tells B, which exits; C, killed by SIGTERM, is reparented to A, which reaps it.
  local out = inchild(function()
    assert(S.prctl("set_child_subreaper", 1))
    T.eq(S.prctl("get_child_subreaper"), 1)
    local ok, _, r, w = S.pipe()
    local b = spawn(function()
      spawn(function()
        assert(S.prctl("set_pdeathsig", "term"))
        if S.prctl("get_pdeathsig") ~= c.SIG.TERM then return 40 end
        w:write("x")
        sleepforever()
      end)
      r:read(nil, 1)
      return 0
    end)
    w:close()
    local _, _, st = S.waitpid(b)
    T.eq(st.EXITSTATUS, 0)
    local cpid, _, cst = S.waitpid(-1)
    T.ne(cpid, b)
    return tostring(ok) .. " " .. tostring(cst)
  end)
  T.eq(out, "true killed by signal 15")
end)

T.case("prctl no_new_privs and dumpable take effect (child)", function()
  inchild(function()
    T.eq(S.prctl("get_no_new_privs"), 0)
    assert(S.prctl("set_no_new_privs", true))
    T.eq(S.prctl("get_no_new_privs"), 1)
    T.eq(status("NoNewPrivs"), "1")
    assert(S.prctl("set_dumpable", 0))
    T.eq(S.prctl("get_dumpable"), 0)
    assert(S.prctl("set_dumpable", 1))
    T.eq(S.prctl("get_dumpable"), 1)
  end)
end)

T.case("prctl errors: EINVAL for unknown options and bad arguments", function()
  T.fails("INVAL", S.prctl(9999))
  T.fails("INVAL", S.prctl("set_pdeathsig", 999))
  T.fails("INVAL", S.prctl("set_dumpable", 7))
  T.err(function() S.prctl("no_such_option") end, "bad argument #1 to 'prctl'")
  T.err(function() S.prctl("set_name", 42) end, "bad argument #2 to 'prctl'")
  T.err(function() S.prctl("set_pdeathsig", "nosig") end, "bad argument #2 to 'prctl'")
end)

-- Limits and usage -------------------------------------------------------------------------------

local function proclimit(name, pid)
  local s = readfile("/proc/" .. (pid or "self") .. "/limits")
  local soft, hard = s:match(name .. "%s+(%S+)%s+(%S+)")
  local function n(v) if v == "unlimited" then return -1 end return tonumber(v) end
  return n(soft), n(hard)
end

T.case("getrlimit returns cur and max, as /proc/self/limits", function()
  local r = assert(S.getrlimit("nofile"))
  local soft, hard = proclimit("Max open files")
  T.eq(r.cur, soft); T.eq(r.max, hard)
  r = assert(S.getrlimit(c.RLIMIT.STACK))
  soft, hard = proclimit("Max stack size")
  T.eq(r.cur, soft); T.eq(r.max, hard)
  T.err(function() S.getrlimit("bogus") end, "bad argument #1 to 'getrlimit'")
  T.fails("INVAL", S.getrlimit(99))
end)

T.case("setrlimit nofile makes open fail with EMFILE (child)", function()
  inchild(function()
    assert(S.setrlimit("nofile", { cur = 8, max = 16 }))
    local r = S.getrlimit("nofile")
    T.eq(r.cur, 8); T.eq(r.max, 16)
    local fds, e = {}
    for i = 1, 10 do
      local fd, err = S.open("/dev/null", "rdonly")
      if not fd then e = err; break end
      fds[i] = fd
    end
    T.ok(e and e.MFILE, "EMFILE, got " .. tostring(e))
    for _, fd in ipairs(fds) do fd:close() end
    T.fails("INVAL", S.setrlimit("nofile", { cur = 20, max = 10 }))
  end)
end)

T.case("setrlimit: infinity, and only root may raise a hard limit", function()
  needroot()
  inchild(function()
    assert(S.setrlimit("core", { cur = 0, max = "infinity" }))
    T.eq(S.getrlimit("core").max, -1)
    T.eq(select(2, proclimit("Max core file size")), -1)
    assert(S.setrlimit("core", { 0, 4096 }))
    assert(S.setuid(NOBODY))
    T.fails("PERM", S.setrlimit("core", { cur = 0, max = 8192 }))
    assert(S.setrlimit("core", t.rlimit(0, 1024)))
    T.eq(S.getrlimit("core").max, 1024)
  end)
  T.err(function() S.setrlimit("core", 5) end, "bad argument #2 to 'setrlimit'")
  T.err(function() S.setrlimit("core", { cur = 1 }) end, "rlimit needs cur and max")
end)

T.case("prlimit reads and sets another process's limit", function()
  local pid = spawn(sleepforever)
  T.defer(function() S.kill(pid, "kill"); S.waitpid(pid) end)
  local old = assert(S.prlimit(pid, "nofile", { cur = 33, max = 44 }))
  local soft, hard = proclimit("Max open files")
  T.eq(old.cur, soft); T.eq(old.max, hard)
  T.same({ proclimit("Max open files", pid) }, { 33, 44 })
  local now = assert(S.prlimit(pid, "nofile"))
  T.eq(now.cur, 33); T.eq(now.max, 44)
  local pidmax = tonumber(readfile("/proc/sys/kernel/pid_max"))
  T.fails("SRCH", S.prlimit(pidmax + 1, "nofile"))
end)

T.case("getrusage counts page faults of this process and of waited children", function()
  inchild(function()
    assert(S.prctl("set_thp_disable", 1))  -- one fault per 4 KiB page, even where THP is "always"
    T.eq(S.prctl("get_thp_disable"), 1)
    local before = assert(S.getrusage("self"))
    local minflt = before.minflt
    local b = ffi.new("char[?]", 4 * 1024 * 1024)
    ffi.fill(b, 4 * 1024 * 1024, 1)
    local after = assert(S.getrusage())
    T.ok(after.minflt - minflt >= 512, "faults for 4 MiB: " .. (after.minflt - minflt))
    T.ok(after.maxrss >= 4096, "maxrss in KiB: " .. after.maxrss)
    T.ok(after.utime.time >= 0)
    local ch = assert(S.getrusage("children")).minflt
    local pid = spawn(function()
      local m = ffi.new("char[?]", 8 * 1024 * 1024)
      ffi.fill(m, 8 * 1024 * 1024, 2)
    end)
    S.waitpid(pid)
    local grown = S.getrusage("children").minflt - ch
    T.ok(grown >= 1024, "children's faults counted after wait: " .. grown)
  end)
  T.fails("INVAL", S.getrusage(42))
  T.err(function() S.getrusage("nobody") end, "bad argument #1 to 'getrusage'")
end)

T.case("getpriority/setpriority change the nice value (child)", function()
  T.eq(S.getpriority("process", 0), tonumber(statfield(19)))
  inchild(function()
    assert(S.setpriority("process", 0, 12))
    T.eq(S.getpriority("process"), 12)
    T.eq(statfield(19), "12")
    assert(S.setuid(NOBODY))
    T.fails("ACCES", S.setpriority("process", 0, 0))
    assert(S.setpriority("process", 0, 15))
    T.eq(S.getpriority("process", S.getpid()), 15)
  end)
  local pidmax = tonumber(readfile("/proc/sys/kernel/pid_max"))
  T.fails("SRCH", S.getpriority("process", pidmax + 1))
  T.fails("INVAL", S.getpriority(7, 0))
end)

-- Sessions and process groups -------------------------------------------------------------------

T.case("getsid and getpgid match /proc/self/stat", function()
  T.eq(S.getsid(), tonumber(statfield(6)))
  T.eq(S.getsid(0), S.getsid(S.getpid()))
  T.eq(S.getpgid(), tonumber(statfield(5)))
  T.eq(S.getpgrp(), S.getpgid(0))
end)

T.case("setsid makes a new session; a group leader cannot", function()
  local out = inchild(function()
    local sid = assert(S.setsid())
    T.eq(sid, S.getpid())
    T.eq(S.getsid(), sid); T.eq(S.getpgid(), sid)
    T.eq(statfield(6), tostring(sid))
    T.fails("PERM", S.setsid())
    return sid
  end)
  T.ne(tonumber(out), S.getsid())
end)

T.case("setpgid moves a child to its own group; errors", function()
  local pid = spawn(sleepforever)
  T.defer(function() S.kill(pid, "kill"); S.waitpid(pid) end)
  T.eq(S.getpgid(pid), S.getpgid())
  assert(S.setpgid(pid, pid))
  T.eq(S.getpgid(pid), pid)
  T.eq(statfield(5, pid), tostring(pid))
  local pidmax = tonumber(readfile("/proc/sys/kernel/pid_max"))
  T.fails("SRCH", S.getpgid(pidmax + 1))
  T.fails("SRCH", S.setpgid(pidmax + 1, 0))
  T.fails("PERM", S.setpgid(0, pidmax + 1))
  T.fails("INVAL", S.setpgid(0, -5))
end)

-- System information ----------------------------------------------------------------------------

local function trim(s) return (s:gsub("%s+$", "")) end

T.case("uname matches /proc/sys/kernel", function()
  local u = assert(S.uname())
  T.eq(u.sysname, trim(readfile("/proc/sys/kernel/ostype")))
  T.eq(u.release, trim(readfile("/proc/sys/kernel/osrelease")))
  T.eq(u.version, trim(readfile("/proc/sys/kernel/version")))
  T.eq(u.nodename, trim(readfile("/proc/sys/kernel/hostname")))
  T.eq(u.domainname, trim(readfile("/proc/sys/kernel/domainname")))
  T.eq(u.machine, (T.sh("uname -m")))
end)

T.case("gethostname is the node name", function()
  T.eq(S.gethostname(), trim(readfile("/proc/sys/kernel/hostname")))
  T.eq(S.gethostname(), S.uname().nodename)
  T.eq(S.getdomainname(), S.uname().domainname)
end)

T.case("sethostname/setdomainname in a new UTS namespace leave the host's alone", function()
  needroot()
  local host = S.gethostname()
  local out = inchild(function()
    assert(S.unshare("newuts"))
    assert(S.sethostname("rumpus-uts-test"))
    assert(S.setdomainname("rumpus.example"))
    T.eq(S.gethostname(), "rumpus-uts-test")
    T.eq(S.uname().nodename, "rumpus-uts-test")
    T.eq(S.getdomainname(), "rumpus.example")
    assert(S.sethostname("abcdef", 3))
    T.eq(S.gethostname(), "abc")
    T.fails("INVAL", S.sethostname(string.rep("x", 65)))
    T.fails("INVAL", S.setdomainname(string.rep("x", 65)))
    return readfile("/proc/sys/kernel/hostname")
  end)
  T.eq(out, "abc\n")
  T.eq(S.gethostname(), host)
  T.err(function() S.sethostname(42) end, "bad argument #1 to 'sethostname'")
end)

T.case("sethostname needs privilege: EPERM", function()
  needroot()
  inchild(function()
    assert(S.unshare("newuts"))
    assert(S.setuid(NOBODY))
    T.fails("PERM", S.sethostname("nope"))
    T.fails("PERM", S.setdomainname("nope"))
  end)
end)

T.case("sysinfo agrees with /proc/meminfo and /proc/uptime", function()
  local function memtotal() return tonumber(readfile("/proc/meminfo"):match("MemTotal:%s*(%d+)")) end
  local function uptime() return tonumber(readfile("/proc/uptime"):match("^(%S+)")) end
  local m1, up1 = memtotal(), uptime()
  local si = assert(S.sysinfo())
  local m2, up2 = memtotal(), uptime()
  local total = tonumber(si.totalram) * si.mem_unit / 1024
  T.ok(total == m1 or total == m2, "totalram " .. total .. " KiB, MemTotal " .. m1 .. "/" .. m2)
  local up = tonumber(si.uptime)
  T.ok(up >= math.floor(up1) and up <= math.ceil(up2) + 1, "uptime " .. up .. " vs " .. up1 .. ".." .. up2)
  T.ok(si.procs >= 2, "at least this process and its parent")
  T.ok(tonumber(si.freeram) <= tonumber(si.totalram))
  T.ok(tonumber(si.freeswap) <= tonumber(si.totalswap))
end)

T.case("getrandom fills buffers and returns strings", function()
  local a = assert(S.getrandom(64))
  local b = assert(S.getrandom(nil, 64))
  T.eq(#a, 64); T.eq(#b, 64)
  T.ne(a, b)
  T.ne(a, string.rep("\0", 64))
  local buf = ffi.new("uint8_t[32]")
  T.eq(S.getrandom(buf), 32)
  T.eq(S.getrandom(buf, 16, "nonblock"), 16)
  T.fails("INVAL", S.getrandom(buf, 8, 0x100))
  T.fails("FAULT", S.getrandom(ffi.cast("void *", 8), 8))
  T.err(function() S.getrandom("x", 8) end, "bad argument #1 to 'getrandom'")
end)

T.case("gettid is the pid of a single-threaded process", function()
  T.eq(S.gettid(), S.getpid())
  T.eq(inchild(function() return S.gettid() == S.getpid() end), "true")
end)

T.case("sched_yield and sched_getcpu", function()
  T.eq(S.sched_yield(), true)
  local cpu = assert(S.sched_getcpu())
  T.ok(cpu >= 0)
end)

-- Capabilities ----------------------------------------------------------------------------------

local function caphex(cap) return string.format("%08x%08x", cap.cap[1], cap.cap[0]) end

T.case("capget matches /proc/PID/status", function()
  local cs = assert(S.capget())
  T.eq(caphex(cs.effective), status("CapEff"))
  T.eq(caphex(cs.permitted), status("CapPrm"))
  T.eq(caphex(cs.inheritable), status("CapInh"))
  local pid = spawn(function() while true do S.pause() end end)
  T.defer(function() S.kill(pid, "kill"); S.waitpid(pid) end)
  local other = assert(S.capget(pid))
  T.eq(caphex(other.effective), status("CapEff", pid))
  local pidmax = tonumber(readfile("/proc/sys/kernel/pid_max"))
  T.fails("SRCH", S.capget(pidmax + 1))
end)

T.case("t.cap sets and reads capability bits by name", function()
  local cap = t.cap("net_raw, sys_admin")
  T.eq(cap.NET_RAW, true); T.eq(cap.sys_admin, true); T.eq(cap.CHOWN, false)
  T.eq(tostring(cap), "NET_RAW,SYS_ADMIN")
  cap.NET_RAW = false
  cap.checkpoint_restore = true
  T.eq(caphex(cap), string.format("%08x%08x", 2 ^ 8, 2 ^ 21))
  T.err(function() return cap.NO_SUCH_CAP end, "no capability NO_SUCH_CAP")
  T.err(function() t.cap("chown, bogus") end, "no capability bogus")
  T.err(function() S.capset(5) end, "bad argument #1 to 'capset'")
end)

T.case("capset drops an effective capability and it takes effect (child)", function()
  needroot()
  if not S.capget().effective.NET_RAW then T.skip("CAP_NET_RAW not held") end
  inchild(function()
    local raw = assert(S.socket("inet", "raw", "icmp"))
    raw:close()
    local cs = S.capget()
    cs.effective.NET_RAW = false
    cs.effective.SYS_ADMIN = false
    assert(S.capset(cs))
    T.eq(S.capget().effective.NET_RAW, false)
    T.eq(caphex(S.capget().effective), status("CapEff"))
    T.fails("PERM", S.socket("inet", "raw", "icmp"))
    T.fails("PERM", S.unshare("newuts"))
    -- still permitted, so it can come back
    cs.effective.NET_RAW = true
    assert(S.capset(cs))
    raw = assert(S.socket("inet", "raw", "icmp"))
    raw:close()
    -- once gone from the permitted set it cannot
    assert(S.capset { effective = "chown", permitted = "chown" })
    T.eq(tostring(S.capget().permitted), "CHOWN")
    T.fails("PERM", S.capset { effective = "chown, net_raw", permitted = "chown, net_raw" })
  end)
end)

T.case("prctl capbset_drop removes a capability from the bounding set (child)", function()
  needroot()
  if S.prctl("capbset_read", "net_raw") ~= 1 then T.skip("CAP_NET_RAW not in the bounding set") end
  inchild(function()
    assert(S.prctl("capbset_drop", "net_raw"))
    T.eq(S.prctl("capbset_read", "net_raw"), 0)
    T.eq(S.prctl("capbset_read", "chown"), 1)
    local bnd = tonumber(status("CapBnd"):sub(-8), 16)
    T.eq(math.floor(bnd / 2 ^ 13) % 2, 0)
    assert(S.setuid(NOBODY))
    T.fails("PERM", S.prctl("capbset_drop", "chown"))
  end)
  T.fails("INVAL", S.prctl("capbset_read", 63))
end)

-- pidfds ----------------------------------------------------------------------------------------

T.case("pidfd_open: readable when the process ends; waitid on it", function()
  local ok, _, r, w = S.pipe()
  assert(ok)
  local pid = spawn(function() r:read(nil, 1); return 8 end)
  local pfd = assert(S.pidfd_open(pid))
  T.defer(function() pfd:close() end)
  T.eq(S.poll({ { fd = pfd, events = "in" } }, 0), 0, "not readable while it runs")
  w:write("x")
  T.eq(S.poll({ { fd = pfd, events = "in" } }, -1), 1)
  local si = assert(S.waitid("pidfd", pfd, "exited"))
  T.eq(si.pid, pid); T.eq(si.status, 8)
end)

T.case("pidfd_send_signal kills through the descriptor", function()
  local pid = spawn(function() while true do S.pause() end end)
  local pfd = assert(S.pidfd_open(pid, "nonblock"))
  assert(S.pidfd_send_signal(pfd, "usr2"))
  local _, _, st = S.waitpid(pid)
  T.eq(st.WTERMSIG, c.SIG.USR2)
  T.fails("SRCH", S.pidfd_send_signal(pfd, 0))  -- the process is gone
  pfd:close()
end)

T.case("pidfd_getfd copies another process's descriptor", function()
  needroot()
  local dir = T.tmpdir()
  local f = assert(io.open(dir .. "/secret", "w")); f:write("from the child"); f:close()
  local ok, _, r, w = S.pipe()
  assert(ok)
  local pid = spawn(function()
    local fd = assert(S.open(dir .. "/secret", "rdonly"))
    w:write(tostring(fd:getfd()))
    while true do S.pause() end
  end)
  T.defer(function() S.kill(pid, "kill"); S.waitpid(pid) end)
  local n = tonumber(r:read(nil, 16))
  local pfd = assert(S.pidfd_open(pid))
  local copy = assert(S.pidfd_getfd(pfd, n))
  T.eq(copy:read(), "from the child")
  T.fails("BADF", S.pidfd_getfd(pfd, 9999))
  copy:close(); pfd:close()
end)

T.case("pidfd errors: ESRCH, EINVAL, EBADF", function()
  local pidmax = tonumber(readfile("/proc/sys/kernel/pid_max"))
  T.fails("SRCH", S.pidfd_open(pidmax + 1))
  T.fails("INVAL", S.pidfd_open(S.getpid(), 0x1234))
  T.fails("BADF", S.pidfd_send_signal(987654, "term"))
  local fd = assert(S.open("/dev/null", "rdonly"))
  T.fails("BADF", S.pidfd_send_signal(fd, "term"))
  fd:close()
  T.err(function() S.pidfd_open("self") end, "bad argument #1 to 'pidfd_open'")
  T.err(function() S.pidfd_send_signal(0, "term", 5) end, "bad argument #3 to 'pidfd_send_signal'")
end)
