-- Robustness: no argument from Lua may crash the process, hang, or corrupt another kernel.
--
-- Every function of a kernel's syscall table (all components booted; the shared wrapper names
-- that rump.syscalls() lists, plus k.S.util) and of the host's table S (less the exclusions
-- below) is called with a battery of argument lists: no arguments, nil, every garbage value
-- (wrong types, huge and negative numbers, NaN, long strings, strings with NUL bytes, tables,
-- functions, cdata of unrelated types, a NULL pointer, descriptors of another kernel, of the
-- host, closed ones) at every position, after plausible values (a descriptor, a path, a
-- buffer...) and after nils, and a few hundred random lists drawn from both.  Each call must
-- return (a value, or nil and an error object with .errno) or raise an error whose message
-- is a string naming the function, or a "bad argument #N to 'f' (...)" naming the wrapper it
-- delegates to (tell to lseek, creat to open).  Raw Lua or FFI errors ("attempt to index",
-- "cannot convert") are failures.  After each function's battery the kernel still works
-- (a file written and read back, a socketpair), a bystander kernel booted beside it is
-- untouched (its file and open descriptor), and destroying both leaks nothing
-- (rump.memstats().leaked == 0).
--
-- The battery runs in child processes (this file, run as a script with --robust-child), one
-- per group of functions, under a timeout: a crash or a hang is reported as the failure of
-- the function that was running, and the group goes on in a new child with the next function.
--
-- Hang-prone calls are given bounded values where their documented meaning is to wait
-- (a poll timeout, a sleep): waiting forever is the right answer to poll({}, -1), not a bug.

local ffi = require "syscall.ffi"
local unpack = table.unpack or unpack

local args = { ... }

-- Host functions left out, with the reason.  Everything else in S (and S.util) is covered.
local HOST_EXCLUDED = {
  -- end or replace the process
  exit = "ends the process", _exit = "ends the process", execve = "replaces the process",
  fork = "a second process running the battery", clone = "a second process/thread",
  -- reach other processes or the whole system
  kill = "signals arbitrary pids (-1: every process)", killpg = "signals process groups",
  tgkill = "signals arbitrary threads", pidfd_send_signal = "signals other processes",
  reboot = "reboots the machine", sethostname = "system-wide hostname",
  setdomainname = "system-wide domain name", settimeofday = "system clock",
  clock_settime = "system clock", sysctl = "writes /proc/sys",
  syslog = "can clear the kernel log", acct = "system-wide process accounting",
  swapon = "system swap", swapoff = "system swap", vhangup = "hangs up the terminal",
  mount = "mounts", umount = "unmounts", umount2 = "unmounts", unmount = "unmounts",
  pivot_root = "changes the root", chroot = "changes the root of the child's later checks",
  unshare = "namespaces", setns = "namespaces",
  setpriority = "'who' reaches other processes", sched_setscheduler = "pid argument reaches other processes",
  sched_setparam = "pid argument reaches other processes", sched_setaffinity = "pid argument reaches other processes",
  shm_open = "creates objects in /dev/shm, outside the test directory", shm_unlink = "removes objects in /dev/shm",
  fallocate = "reserves real disk space up to the garbage size", posix_fallocate = "reserves real disk space",
  -- credentials: dropping them is not an error and cripples the rest of the battery
  setuid = "drops privileges", setgid = "drops privileges", seteuid = "drops privileges",
  setegid = "drops privileges", setreuid = "drops privileges", setregid = "drops privileges",
  setresuid = "drops privileges", setresgid = "drops privileges", setgroups = "drops privileges",
  capset = "drops capabilities",
  -- signals and limits: a garbage value legitimately ends or stops the child
  sigaction = "installs handlers", signal = "installs handlers", sigset = "installs handlers",
  alarm = "SIGALRM ends the child", setitimer = "SIGALRM ends the child",
  timer_settime = "timer signals end the child", pause = "waits for a signal forever",
  sigsuspend = "waits for a signal forever", setrlimit = "a garbage limit (AS, NOFILE, CPU) kills the child",
  prlimit = "a garbage limit kills the child or another process", prctl = "seccomp, death signals, dumpable...",
  mlockall = "pins every later allocation of the child",
  -- raw memory: address arguments are the caller's responsibility
  mmap = "address arguments", munmap = "address arguments", mremap = "address arguments",
  mprotect = "address arguments", madvise = "address arguments", msync = "address arguments",
  mlock = "address arguments", munlock = "address arguments", mincore = "address arguments",
}
local HOST_UTIL_EXCLUDED = { mount = "mounts" }

-- Pins: bounded values for the arguments whose meaning is "wait this long".  Numbers and
-- cdata become 0; other types stay, so the type checks are still exercised.
local function zero_if_value(v)
  local tv = type(v)
  if tv == "number" or tv == "cdata" or tv == "table" or v == nil then return 0 end
  return v
end
local PINS = {
  poll = { 2 }, ppoll = { 2 }, select = { 2 }, pselect = { 2 }, epoll_wait = { 3 }, epoll_pwait = { 3 },
  nanosleep = { 1 }, sleep = { 1 }, clock_nanosleep = { 3 },
  -- vmsplice from the pool's (empty) pipe read end waits for data, O_NONBLOCK or not: only
  -- SPLICE_F_NONBLOCK bounds it, so its flags are always "nonblock" (the wait is the meaning).
  vmsplice = { { 3, "nonblock" } },
}

-- Issue 9's cases, called exactly as written (each crashed the process or cut a path before
-- the door checks).  "$name" stands for a value of the child's context: $sock an inet
-- datagram socket, $unix a unix stream socket, $other a descriptor of the other table (the
-- bystander kernel, or for the host the kernel beside it), $file a file's path, $keepnul the
-- sentinel's path with a NUL and junk after it, $null a NULL pointer, $p4096 a pointer to
-- address 4096, $i64 an 8-byte integer cdata, $othermsg a message carrying $other in
-- SCM_RIGHTS, $otherpoll a poll list holding $other.  Each must raise an error naming the
-- function (a call that returns, even nil and an error, is a failure).
local EXACT = {
  ioctl = { { "$sock", "SIOCGIFFLAGS", 3174252 }, { "$sock", "SIOCGIFFLAGS", 28524 } },
  utimes = { { "$file", { 0, "$null" } }, { "$file", 5 } },
  utime = { { "$file", "$p4096" } },
  getsockname = { { "$sock", "$p4096", 0 } },
  getpeername = { { "$unix", "$p4096", 0 } },
  accept = { { "$sock", nil, "$p4096", 0 } },
  recvfrom = { { "$sock", nil, 4, nil, "$p4096", 0 } },
  recvmsg = { { "$sock", "$i64" } },
  sendmsg = { { "$sock", "$i64" }, { "$unix", "$othermsg" } },
  poll = { { "$otherpoll", 0 } },
  ["util.sendfds"] = { { "$unix", "$other" } },
  unlink = { { "$keepnul" } },
  rename = { { "$file", "$keepnul" } },
  open = { { "$file", 2 ^ 40 }, { "$keepnul", "trunc, wronly" } },
  read = { { 1.5, nil, 4 }, { 0 / 0, nil, 4 } },
  close = { { 1.5 }, { 0 / 0 } },
}

---------------------------------------------------------------------------------------------
-- The child: runs the battery over a list of function names, writes one line per event to a
-- file:  "begin NAME" / "fail NAME<TAB>ARGS<TAB>PROBLEM" / "done NAME<TAB>CALLS".
---------------------------------------------------------------------------------------------

-- PUC Lua's FFI (libffi) is slower per call: fewer lists there, the same kinds of values.
local PREFIXES, RANDOM = 2, 150
if not rawget(_G, "jit") then PREFIXES, RANDOM = 1, 40 end

local function child(mode, names, outpath)
  local rump = require "rump"
  local out = assert(io.open(outpath, "w"))
  local function emit(...) out:write(table.concat({ ... }, "\t"), "\n"); out:flush() end

  -- A deterministic generator (the interpreters' math.random differ).
  local seed = 12345
  local function rnd(n) seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n + 1 end

  ffi.cdef "struct rumpus_robust_unrelated { int a; double b; char c[3]; };"

  local function describe(v)
    local tv = type(v)
    if tv == "string" then
      if #v > 40 then return "string(" .. #v .. " bytes)" end
      return string.format("%q", v):gsub("\n", "n")
    end
    if tv == "cdata" then return "cdata<" .. tostring(ffi.typeof(v)) .. ">" end
    if tv == "table" then return "table" end
    return tostring(v)
  end

  -- Garbage values; ctx supplies descriptors.
  local function garbage(ctx)
    local G = {
      true, false, 0, -1, -2 ^ 31, 2 ^ 31, 2 ^ 32, 2 ^ 53, -2 ^ 53, 0 / 0, math.huge, -math.huge, 1.5,
      "", "x", string.rep("A", 5000), "a\0b", "rdwr", "-1", "stdin",
      {}, { 1, 2, 3 }, { "x" }, { fd = -1, events = "in", "x" }, function() end,
      coroutine.create(function() end),
      ffi.new("int64_t", 5), ffi.new("uint8_t[3]"), ffi.new("struct rumpus_robust_unrelated"),
      ffi.cast("void *", 0), ffi.new("double[1]"),
      ctx.otherfd, ctx.hostfd, ctx.closedfd, ctx.bigfd,
      -- issue 9's cases: a stray pointer, a number where a request takes a structure,
      -- times that are pointers, a path cut by a NUL, numbers C would truncate, another
      -- table's descriptors inside poll lists and SCM_RIGHTS messages.
      ffi.cast("void *", 4096), 3174252, 28524, "SIOCGIFFLAGS", { 0, ffi.cast("void *", 0) },
      ctx.keep .. "\0junk", 2 ^ 40, { { fd = ctx.otherfd, events = "in" } },
    }
    -- A message carrying the other table's descriptor (the host's builder refuses it already).
    local ok, m = pcall(function()
      return ctx.S.t.msghdr{ iov = { "\0" }, control = ctx.S.t.cmsghdr("socket", "rights", { ctx.otherfd }) }
    end)
    if ok then G[#G + 1] = m end
    ctx.othermsg = ok and m or nil
    ctx.keepnul = ctx.keep .. "\0junk"
    ctx.null, ctx.p4096, ctx.i64 = ffi.cast("void *", 0), ffi.cast("void *", 4096), ffi.new("int64_t", 5)
    ctx.otherpoll = { { fd = ctx.otherfd, events = "in" } }
    return G
  end

  local failures, calls = 0, 0
  local trace = os.getenv("ROBUST_TRACE")
  local function check(name, short, f, a, n, mustraise)
    calls = calls + 1
    if trace then
      local d = {}
      for i = 1, n do d[i] = describe(a[i]) end
      emit("call", name, "(" .. table.concat(d, ", ") .. ")")
    end
    local r = { pcall(f, unpack(a, 1, n)) }
    local problem
    if r[1] and mustraise then
      problem = "accepted one of issue 9's cases: an error naming the argument was expected"
    elseif r[1] then
      if r[2] == nil then
        local e = r[3]
        local ok, en = pcall(function() return e.errno end)
        if e ~= nil and not (ok and type(en) == "number") then
          problem = "returned nil and a non-error " .. describe(e)
        end
      end
    else
      local e = r[2]
      if type(e) ~= "string" then problem = "raised a non-string error (" .. describe(e) .. ")"
      elseif e:find("cannot convert", 1, true) or e:find("attempt to", 1, true) or e:find("rump___sysimpl", 1, true)
        or (not e:find(short, 1, true) and not e:find("bad argument #%d+ to '[%w_.]+' %(")) then problem = "error does not name '" .. short .. "': " .. e:sub(1, 160):gsub("[\t\n]", " ")
      end
    end
    if problem then
      failures = failures + 1
      if failures <= 6 then
        local d = {}
        for i = 1, n do d[i] = describe(a[i]) end
        emit("fail", name, "(" .. table.concat(d, ", ") .. ")", problem)
      end
    end
  end

  local function battery(name, short, f, pool, G, arity, ctx)
    failures, calls = 0, 0
    local pins = PINS[short]
    local function call(a, n, mustraise)
      if pins then
        for _, p in ipairs(pins) do
          if type(p) == "table" then a[p[1]] = p[2]; p = p[1] else a[p] = zero_if_value(a[p]) end
          if n < p then n = p end
        end
      end
      check(name, short, f, a, n, mustraise)
    end
    call({}, 0)
    for _, list in ipairs(EXACT[name] or {}) do
      local a, n, missing = {}, 0, false
      for i, v in pairs(list) do
        if type(v) == "string" and v:sub(1, 1) == "$" then
          missing = missing or ctx[v:sub(2)] == nil   -- (the host cannot build $othermsg)
          v = ctx[v:sub(2)]
        end
        if type(v) == "table" then
          local c2 = {}
          for k, w in pairs(v) do
            if type(w) == "string" and w:sub(1, 1) == "$" then w = ctx[w:sub(2)] end
            c2[k] = w
          end
          v = c2
        end
        a[i] = v
        if i > n then n = i end
      end
      if not missing then call(a, n, true) end
    end
    call({ nil }, 1)
    for pos = 1, arity do
      for _, g in ipairs(G) do
        call({ [pos] = g }, pos)                              -- nils before
        for _ = 1, PREFIXES do                                 -- plausible values before
          local a = {}
          for i = 1, pos - 1 do a[i] = pool[rnd(#pool)] end
          a[pos] = g
          call(a, pos)
        end
      end
    end
    for _ = 1, RANDOM do
      local n = rnd(arity + 1) - 1
      local a = {}
      for i = 1, n do
        if rnd(2) == 1 then a[i] = pool[rnd(#pool)] else a[i] = G[rnd(#G)] end
      end
      call(a, n)
    end
    collectgarbage(); collectgarbage()
    return calls
  end

  local function fail(name, what) emit("fail", name, "-", what) end

  if mode == "kernel" then
    local comps = rump.components()
    rump.clock.virtual(true)
    for name in names:gmatch("[^,]+") do
      emit("begin", name)
      local t0 = os.clock()
      local K = rump.kernel(comps)
      local B = rump.kernel{ "vfs", "fs.tmpfs" }
      local S, BS = K.S, B.S
      -- The bystander: a file and an open descriptor.
      assert(BS.mkdir("/b", "0755"))
      local bfd = assert(BS.open("/b/f", "creat, rdwr", "0644"))
      assert(bfd:write("bystander"))
      -- The victim's plausible values.
      assert(S.mkdir("/robust", "0777"))
      local fd = assert(S.open("/robust/f", "creat, rdwr", "0644"))
      assert(fd:write("content"))
      local dfd = assert(S.open("/robust", "rdonly"))
      local _, _, s1, s2 = assert(S.socketpair("unix", "stream"))
      assert(S.nonblock(s1)); assert(S.nonblock(s2))
      local closed = assert(S.open("/robust/f", "rdonly")); assert(S.close(closed))
      local hostS = require "syscall"
      local hostfd = assert(hostS.open("/dev/null", "rdonly"))
      local pool = { fd, dfd, s1, "/robust/f", "/robust", "/robust/new", 16, 0, 1, "rdonly", "0644",
        S.t.buffer(64), S.t.sockaddr_un("/robust/sock"), "hello", S.t.stat(), S.t.timespec(0) }
      -- keep: a file in a directory no plausible value names; garbage names it followed by a
      -- NUL and junk.
      assert(S.mkdir("/keep", "0755"))
      local kf = assert(S.open("/keep/f", "creat, rdwr", "0644")); assert(kf:write("keep")); kf:close()
      local ctx = { otherfd = bfd, hostfd = hostfd, closedfd = closed, bigfd = 99999, S = S, keep = "/keep/f" }
      ctx.sock = assert(S.socket("inet", "dgram")); ctx.unix = s1; ctx.other = bfd; ctx.file = "/robust/f"
      local G = garbage(ctx)
      local short = name:match("^util%.(.+)$")
      local f
      if short then f = S.util[short] else short = name; f = S[name] end
      -- The battery runs in a child process of the kernel (a copy of process 1's descriptors)
      -- so that credentials, cwd, root and umask changes go with it.
      local p = assert(K:rfork("copy"))
      local n = battery(name, short, f, pool, G, 6, ctx)
      K:switch(p); K:release()
      collectgarbage(); collectgarbage()
      -- The kernel still works (unless the function was reboot and halted it).
      if not K:halted() then
        local c, e = S.open("/check", "creat, rdwr", "0644")
        if not c then fail(name, "kernel no longer opens a file: " .. tostring(e))
        else
          local ok = c:write("still works") and c:pread(nil, 64, 0) == "still works"
          if not ok then fail(name, "kernel no longer writes and reads a file") end
          c:close()
        end
        local ok2, _, a, b = S.socketpair("unix", "stream")
        if not ok2 then fail(name, "kernel no longer makes a socketpair")
        else
          local w, we = a:write("x")
          local r, re = b:read(nil, 4)
          if not (w == 1 and r == "x") then fail(name, "socketpair does not carry data: " .. tostring(w or we) .. " " .. tostring(r or re)) end
          a:close(); b:close()
        end
      end
      -- A path cut at its NUL would have reached /keep/f.
      if not K:halted() then
        local kp = S.open("/keep/f", "rdonly")
        if not kp or kp:read(nil, 64) ~= "keep" then fail(name, "/keep/f changed: a path was cut at its NUL byte") end
        if kp then kp:close() end
      end
      -- The bystander is untouched.
      if BS.pread(bfd, nil, 64, 0) ~= "bystander" then fail(name, "bystander kernel's open descriptor changed") end
      local bf = BS.open("/b/f", "rdonly")
      if not bf or bf:read(nil, 64) ~= "bystander" then fail(name, "bystander kernel's file changed") end
      if bf then bf:close() end
      hostfd:close()
      if not K:destroy() then fail(name, "the kernel does not destroy") end
      if not B:destroy() then fail(name, "the bystander kernel does not destroy") end
      collectgarbage(); collectgarbage()
      local leaked = rump.memstats().leaked
      if leaked ~= 0 then fail(name, "leaked " .. leaked .. " bytes after destroy") end
      emit("done", name, n, os.clock() - t0)
    end
  else
    local S = require "syscall"
    local base = os.getenv("ROBUST_TMP")
    -- The kernel beside the host battery: its descriptor is one of the garbage values, and
    -- its file must stay as it is.
    local K = rump.kernel{ "vfs", "fs.tmpfs" }
    local kfd = assert(K.S.open("/kf", "creat, rdwr", "0644"))
    assert(kfd:write("kernel"))
    local devnull = assert(S.open("/dev/null", "rdwr"))
    for name in names:gmatch("[^,]+") do
      emit("begin", name)
      local t0 = os.clock()
      local dir = base .. "/" .. name:gsub("%W", "_")
      assert(S.mkdir(dir, "0700"))
      assert(S.chdir(dir))
      local fd = assert(S.open(dir .. "/f", "creat, rdwr", "0644"))
      assert(fd:write("content"))
      assert(S.mkdir(dir .. "/d", "0700"))
      local dfd = assert(S.open(dir .. "/d", "rdonly, directory"))
      local _, _, s1, s2 = assert(S.socketpair("unix", "stream"))
      assert(S.nonblock(s1)); assert(S.nonblock(s2))
      local _, _, p1, p2 = assert(S.pipe())
      assert(S.nonblock(p1)); assert(S.nonblock(p2))
      local closed = assert(S.open(dir .. "/f", "rdonly")); assert(S.close(closed))
      local pool = { fd, dfd, s1, p1, devnull, dir .. "/f", dir .. "/d", dir .. "/new", 16, 0, 1, "rdonly", "0644",
        S.t.buffer(64), S.t.sockaddr_un(dir .. "/sock"), "hello", S.t.stat(), S.t.timespec(0) }
      local kf = assert(S.open(dir .. "/keep", "creat, rdwr", "0644")); assert(kf:write("keep")); kf:close()
      local ctx = { otherfd = kfd, hostfd = devnull, closedfd = closed, bigfd = 99999, S = S, keep = dir .. "/keep" }
      ctx.sock = assert(S.socket("inet", "dgram")); ctx.unix = s1; ctx.other = kfd; ctx.file = dir .. "/f"
      local G = garbage(ctx)
      local short = name:match("^util%.(.+)$")
      local f
      if short then f = S.util[short] else short = name; f = S[name] end
      local arity = 6
      local info = debug.getinfo(f, "u")
      if info and info.nparams and not info.isvararg then arity = math.min(6, info.nparams + 1) end
      local n = battery(name, short, f, pool, G, arity, ctx)
      -- The host still works; the kernel's file is untouched.
      S.chdir(dir)
      local c = S.open(dir .. "/check", "creat, rdwr", "0644")
      if not c or not c:write("still works") or c:pread(nil, 64, 0) ~= "still works" then
        fail(name, "the host no longer writes and reads a file")
      end
      if c then c:close() end
      local ok, _, a, b = S.socketpair("unix", "stream")
      if not ok or a:write("x") ~= 1 or b:read(nil, 4) ~= "x" then fail(name, "socketpair no longer works") end
      if ok then a:close(); b:close() end
      if K.S.pread(kfd, nil, 64, 0) ~= "kernel" then fail(name, "the kernel's file changed") end
      local kp = S.open(dir .. "/keep", "rdonly")
      if not kp or kp:read(nil, 64) ~= "keep" then fail(name, dir .. "/keep changed: a path was cut at its NUL byte") end
      if kp then kp:close() end
      for _, v in ipairs{ fd, dfd, s1, s2, p1, p2 } do pcall(S.close, v) end
      emit("done", name, n, os.clock() - t0)
    end
    kfd:close()
    K:destroy()
    collectgarbage(); collectgarbage()
    if rump.memstats().leaked ~= 0 then fail("(host group)", "kernel memory leaked") end
  end
  out:close()
end

if args[1] == "--robust-child" then
  child(args[2], args[3], args[4])
  os.exit(0)
end

---------------------------------------------------------------------------------------------
-- The parent: the test cases.
---------------------------------------------------------------------------------------------

local T = require "rump.test"
local rump = require "rump"
local S = require "syscall"

local interp = arg and arg[-1] or "luajit"
local self = debug.getinfo(1, "S").source:match("^@(.*)$") or "test/rump/robust_test.lua"
if self:sub(1, 1) ~= "/" then self = S.getcwd() .. "/" .. self end
local TIMEOUT = 60

-- Runs the battery over names in children, restarting after a crash or a hang; returns
-- { failures = { "name: problem" }, calls = n, covered = n }.
local function run(mode, names, tmp)
  local res = { failures = {}, calls = 0, covered = 0, slow = {} }
  local i = 1
  while i <= #names do
    local outp = tmp .. "/out"
    local logp = tmp .. "/log"
    os.remove(outp)
    local list = table.concat(names, ",", i)
    local cmd = "cd " .. T.shquote(tmp) .. " && ROBUST_TMP=" .. T.shquote(tmp) .. " timeout -k 2 " .. TIMEOUT .. " " ..
      T.shquote(interp) .. " " .. T.shquote(self) .. " --robust-child " .. mode .. " " .. T.shquote(list) .. " " ..
      T.shquote(outp) .. " </dev/null >" .. T.shquote(logp) .. " 2>&1; echo $?"
    local p = io.popen(cmd)
    local status = tonumber(p:read("*a"):match("(%d+)%s*$"))
    p:close()
    local running
    local fh = io.open(outp)
    if fh then
      for line in fh:lines() do
        local f = {}
        for part in (line .. "\t"):gmatch("([^\t]*)\t") do f[#f + 1] = part end
        if f[1] == "begin" then running = f[2]
        elseif f[1] == "fail" then res.failures[#res.failures + 1] = f[2] .. " " .. f[3] .. ": " .. (f[4] or "")
        elseif f[1] == "done" then
          running = nil
          res.calls = res.calls + tonumber(f[3]); res.covered = res.covered + 1
          if tonumber(f[4]) and tonumber(f[4]) > 0.2 then res.slow[#res.slow + 1] = f[2] .. " " .. f[4] .. " s" end
          i = i + 1
        end
      end
      fh:close()
    end
    if running then
      local lf = io.open(logp)
      local log = lf and lf:read("*a") or ""
      if lf then lf:close() end
      local how = (status == 124 or status == 137) and ("hung (no answer in " .. TIMEOUT .. " s)") or ("crashed the process (exit " .. tostring(status) .. ")")
      res.failures[#res.failures + 1] = running .. ": " .. how .. "; " .. log:sub(-600):gsub("\n", " | ")
      -- Skip the function that was running and go on with the next.
      while names[i] and names[i] ~= running do i = i + 1 end
      i = i + 1
    elseif status ~= 0 and i <= #names then
      local lf = io.open(logp)
      local log = lf and lf:read("*a") or ""
      if lf then lf:close() end
      res.failures[#res.failures + 1] = "(child) exit " .. tostring(status) .. ": " .. log:sub(-600)
      break
    end
  end
  return res
end

-- What fails a case: a crash, a hang, corruption (the victim, the bystander or the NUL-path
-- sentinel changed), a leak, a non-string error, nil with a non-error, and an error that is a
-- raw Lua or FFI one ("cannot convert ...", "attempt to index ...") instead of a door check
-- naming the function and the argument.
local function report(res, what)
  local bad = res.failures
  if #bad > 0 then
    error(#bad .. " problems in " .. what .. ":\n" .. table.concat(bad, "\n"), 0)
  end
  T.ok(res.covered > 0)
end

-- The kernel's functions: rump.syscalls() and k.S.util.
local function kernel_names()
  local list = rump.syscalls()
  local k = rump.kernel{ "vfs", "fs.tmpfs" }
  local u = {}
  for n, v in pairs(k.S.util) do if type(v) == "function" then u[#u + 1] = "util." .. n end end
  k:destroy()
  table.sort(u)
  for _, n in ipairs(u) do list[#list + 1] = n end
  return list
end

local function host_names()
  local list = {}
  for n, v in pairs(S) do if type(v) == "function" and not HOST_EXCLUDED[n] then list[#list + 1] = n end end
  for n, v in pairs(S.util) do if type(v) == "function" and not HOST_UTIL_EXCLUDED[n] then list[#list + 1] = "util." .. n end end
  table.sort(list)
  return list
end


-- Splits names into groups of about size n.
local function groups(list, n)
  local gs = {}
  for i = 1, #list, n do
    local g = {}
    for j = i, math.min(#list, i + n - 1) do g[#g + 1] = list[j] end
    gs[#gs + 1] = g
  end
  return gs
end

-- luajit test/rump/robust_test.lua --robust-report [kernel|host]: the battery's figures and
-- every problem, without the test harness.
if args[1] == "--robust-report" then
  for _, mode in ipairs{ "kernel", "host" } do
    if not args[2] or args[2] == mode then
      local names = mode == "kernel" and kernel_names() or host_names()
      local tmp = os.tmpname(); os.remove(tmp); assert(S.mkdir(tmp, "0700"))
      local res = { failures = {}, calls = 0, covered = 0, slow = {} }
      for _, g in ipairs(groups(names, math.ceil(#names / 4))) do
        local r = run(mode, g, tmp)
        for _, f in ipairs(r.failures) do res.failures[#res.failures + 1] = f end
        for _, f in ipairs(r.slow) do res.slow[#res.slow + 1] = f end
        res.calls, res.covered = res.calls + r.calls, res.covered + r.covered
      end
      os.execute("rm -rf " .. T.shquote(tmp))
      print(mode .. ": " .. res.covered .. " of " .. #names .. " functions done, " .. res.calls .. " calls, " .. #res.failures .. " problems")
      for _, f in ipairs(res.failures) do print("  " .. f) end
      for _, sl in ipairs(res.slow) do print("  slow: " .. sl) end
    end
  end
  os.exit(0)
end

local knames = kernel_names()
for gi, g in ipairs(groups(knames, math.ceil(#knames / 4))) do
  T.case("k.S battery " .. gi .. " (" .. g[1] .. " .. " .. g[#g] .. ")", function()
    local res = run("kernel", g, T.tmpdir())
    T.eq(res.covered + #res.failures > 0, true)
    report(res, "k.S")
  end)
end

local hnames = host_names()
for gi, g in ipairs(groups(hnames, math.ceil(#hnames / 4))) do
  T.case("host S battery " .. gi .. " (" .. g[1] .. " .. " .. g[#g] .. ")", function()
    local res = run("host", g, T.tmpdir())
    report(res, "S")
  end)
end

T.case("the exclusions name real host functions, each with a reason", function()
  for n, why in pairs(HOST_EXCLUDED) do
    T.eq(type(S[n]), "function", "excluded " .. n .. " is a function of S")
    T.ok(type(why) == "string" and #why > 0)
  end
end)
