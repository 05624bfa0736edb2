-- syscall.linux.process: processes, identity, signals, limits and system information.
--
-- API as ljsyscall's:
--   S.fork() -> pid (0 in the child)           S.exit(status) -> _exit: no atexit, no flushing
--   S.waitpid(pid, options) -> rpid, nil, ws   (ws.WIFEXITED, ws.EXITSTATUS, ws.WTERMSIG...)
--   S.wait4(pid, options, ru) -> rpid, nil, ws, rusage      S.waitid(idtype, id, options) -> siginfo, nil, rusage
--   S.sigaction(sig, "ign" | "dfl" | t.sigaction | {handler=, mask=, flags=}, oldact)
--   S.sigprocmask(how, set) -> old set          S.prctl("set_name", "x"), S.prctl("get_name")
--   S.getrlimit("nofile") -> t.rlimit (.cur/.max, -1 for infinity)
--   S.capget(pid) -> t.capabilities (.effective/.permitted/.inheritable: t.cap, cap.NET_RAW)
--
-- Signal handlers written in Lua are refused: a signal can arrive at any instruction, while the
-- Lua VM (or the JIT) is in the middle of changing its own state, and a handler re-entering it
-- would corrupt it.  Use "ign"/"dfl", a C function pointer, or S.signalfd to receive signals.
--
-- After S.fork() (or S.clone()) the child shares nothing with the parent but copies of memory;
-- a child that is not going to exec should only make system calls and leave with S.exit(n),
-- never return into code that expects to be the parent (a test runner, an event loop).

local ffi = require "syscall.ffi"
local h = require "syscall.helpers"
local bit = require "syscall.bit"
local abi = require "syscall.abi"
local fdm = require "syscall.fd"

local type, tonumber, tostring, error, ipairs, pairs, setmetatable, rawget, pcall, math =
      type, tonumber, tostring, error, ipairs, pairs, setmetatable, rawget, pcall, math
local type, tonumber = ffi.type or type, ffi.tonumber or tonumber -- PUC Lua: cdata are userdata

local M = {}

-- Constants this area needs that the shared constant file does not carry.
local function constants(c)
  if not c.EXIT then c.EXIT = h.strflag({ SUCCESS = 0, FAILURE = 1 }, "EXIT") end
  if not c.WAIT then c.WAIT = h.strflag({ ANY = -1, MYPGRP = 0 }, "WAIT") end
  if not c.CAP then
    c.CAP = h.strflag({
      CHOWN = 0, DAC_OVERRIDE = 1, DAC_READ_SEARCH = 2, FOWNER = 3, FSETID = 4, KILL = 5, SETGID = 6,
      SETUID = 7, SETPCAP = 8, LINUX_IMMUTABLE = 9, NET_BIND_SERVICE = 10, NET_BROADCAST = 11,
      NET_ADMIN = 12, NET_RAW = 13, IPC_LOCK = 14, IPC_OWNER = 15, SYS_MODULE = 16, SYS_RAWIO = 17,
      SYS_CHROOT = 18, SYS_PTRACE = 19, SYS_PACCT = 20, SYS_ADMIN = 21, SYS_BOOT = 22, SYS_NICE = 23,
      SYS_RESOURCE = 24, SYS_TIME = 25, SYS_TTY_CONFIG = 26, MKNOD = 27, LEASE = 28, AUDIT_WRITE = 29,
      AUDIT_CONTROL = 30, SETFCAP = 31, MAC_OVERRIDE = 32, MAC_ADMIN = 33, SYSLOG = 34,
      WAKE_ALARM = 35, BLOCK_SUSPEND = 36, AUDIT_READ = 37, PERFMON = 38, BPF = 39,
      CHECKPOINT_RESTORE = 40,
    }, "CAP")
  end
  if not c.LINUX_CAPABILITY_VERSION then
    c.LINUX_CAPABILITY_VERSION = h.strflag({ [1] = 0x19980330, [2] = 0x20071026, [3] = 0x20080522 }, "LINUX_CAPABILITY_VERSION")
  end
  if not c.SCHED then
    c.SCHED = h.strflag({ OTHER = 0, NORMAL = 0, FIFO = 1, RR = 2, BATCH = 3, IDLE = 5, DEADLINE = 6,
      RESET_ON_FORK = 0x40000000 }, "SCHED")
  end
  if not c.LINUX_REBOOT_CMD then
    c.LINUX_REBOOT_CMD = h.strflag({ RESTART = 0x01234567, HALT = 0xCDEF0123, CAD_ON = 0x89ABCDEF,
      CAD_OFF = 0x00000000, POWER_OFF = 0x4321FEDC, RESTART2 = 0xA1B2C3D4, SW_SUSPEND = 0xD000FCE2,
      KEXEC = 0x45584543 }, "LINUX_REBOOT_CMD")
  end
  if not c.SWAP_FLAG then
    c.SWAP_FLAG = h.swapflags({ PREFER = 0x8000, PRIO_MASK = 0x7fff, PRIO_SHIFT = 0, DISCARD = 0x10000 }, "SWAP_FLAG")
  end
  if not c.SYSLOG_ACTION then
    c.SYSLOG_ACTION = h.strflag({ CLOSE = 0, OPEN = 1, READ = 2, READ_ALL = 3, READ_CLEAR = 4, CLEAR = 5,
      CONSOLE_OFF = 6, CONSOLE_ON = 7, CONSOLE_LEVEL = 8, SIZE_UNREAD = 9, SIZE_BUFFER = 10 }, "SYSLOG_ACTION")
  end
  if not c.CLD then
    c.CLD = h.strflag({ EXITED = 1, KILLED = 2, DUMPED = 3, TRAPPED = 4, STOPPED = 5, CONTINUED = 6 }, "CLD")
  end
  c.SIGCLD = c.SIGCLD or c.CLD  -- ljsyscall's name for the si_code values of SIGCHLD
end

-- Wait statuses: a Lua table with the macros' values as fields.  The flags (WIFEXITED,
-- WIFSIGNALED, WIFSTOPPED, WIFCONTINUED, WCOREDUMP) are always booleans; the numbers
-- (EXITSTATUS, WTERMSIG, WSTOPSIG) are present only when they mean something.  Names work with
-- or without the W, in any case: ws.EXITSTATUS, ws.WEXITSTATUS, ws.exitstatus, ws.ifexited.
local wflags = { WIFEXITED = true, WIFSIGNALED = true, WIFSTOPPED = true, WIFCONTINUED = true, WCOREDUMP = true }
local walias = {}
for _, n in ipairs { "WIFEXITED", "WIFSIGNALED", "WIFSTOPPED", "WIFCONTINUED", "WCOREDUMP", "WTERMSIG", "WSTOPSIG" } do
  walias[n], walias[n:sub(2)] = n, n
end
walias.WEXITSTATUS, walias.EXITSTATUS = "EXITSTATUS", "EXITSTATUS"

local waitmt = {
  __index = function(w, k)
    if type(k) ~= "string" then return nil end
    local n = walias[k:upper()]
    if not n then return nil end
    local v = rawget(w, n)
    if v == nil and wflags[n] then return false end
    return v
  end,
  __tostring = function(w)
    if w.WIFEXITED then return "exited " .. w.EXITSTATUS end
    if w.WIFSIGNALED then return "killed by signal " .. w.WTERMSIG .. (w.WCOREDUMP and " (core dumped)" or "") end
    if w.WIFSTOPPED then return "stopped by signal " .. w.WSTOPSIG end
    if w.WIFCONTINUED then return "continued" end
    return "status " .. w.status
  end,
}

local function waitstatus(st)
  st = tonumber(st)
  local w = { status = st }
  local low = st % 256
  local sig = low % 128
  local high = math.floor(st / 256) % 256
  if st == 0xffff then w.WIFCONTINUED = true
  elseif sig == 0 then w.WIFEXITED = true; w.EXITSTATUS = high
  elseif low == 0x7f then w.WIFSTOPPED = true; w.WSTOPSIG = high
  elseif sig ~= 0x7f then w.WIFSIGNALED = true; w.WTERMSIG = sig; w.WCOREDUMP = low >= 128 end
  return setmetatable(w, waitmt)
end
M.waitstatus = waitstatus

-- Capabilities: the kernel's header and data (two 32-bit words per set for version 3), and
-- rumpus_lx_capabilities, the three sets together as ljsyscall's t.capabilities.
if not pcall(ffi.typeof, "struct rumpus_lx_cap") then
  ffi.cdef [[
struct rumpus_lx_cap_header { uint32_t version; int pid; };
struct rumpus_lx_cap_data { uint32_t effective; uint32_t permitted; uint32_t inheritable; };
struct rumpus_lx_cap { uint32_t cap[2]; };
struct rumpus_lx_capabilities {
  uint32_t version; int pid; struct rumpus_lx_cap effective; struct rumpus_lx_cap permitted;
  struct rumpus_lx_cap inheritable;
};
int rumpus_lx_capget(struct rumpus_lx_cap_header *hdr, struct rumpus_lx_cap_data *data) __asm__("capget");
int rumpus_lx_capset(struct rumpus_lx_cap_header *hdr, const struct rumpus_lx_cap_data *data) __asm__("capset");
]]
end

-- Scheduling types and the libc functions of ljsyscall's remaining process calls.
if not pcall(ffi.typeof, "struct rumpus_lx_cpu_set") then
  ffi.cdef [[
struct rumpus_lx_cpu_set { unsigned long val[16]; };
struct rumpus_lx_sched_param { int sched_priority; };
int rumpus_lx_sched_getscheduler(int pid) __asm__("sched_getscheduler");
int rumpus_lx_sched_setscheduler(int pid, int policy, const struct rumpus_lx_sched_param *param) __asm__("sched_setscheduler");
int rumpus_lx_sched_getparam(int pid, struct rumpus_lx_sched_param *param) __asm__("sched_getparam");
int rumpus_lx_sched_setparam(int pid, const struct rumpus_lx_sched_param *param) __asm__("sched_setparam");
int rumpus_lx_sched_get_priority_max(int policy) __asm__("sched_get_priority_max");
int rumpus_lx_sched_get_priority_min(int policy) __asm__("sched_get_priority_min");
int rumpus_lx_sched_rr_get_interval(int pid, struct rumpus_lx_timespec *tp) __asm__("sched_rr_get_interval");
int rumpus_lx_sched_getaffinity(int pid, size_t size, struct rumpus_lx_cpu_set *mask) __asm__("sched_getaffinity");
int rumpus_lx_sched_setaffinity(int pid, size_t size, const struct rumpus_lx_cpu_set *mask) __asm__("sched_setaffinity");
int rumpus_lx_getcpu(unsigned int *cpu, unsigned int *node) __asm__("getcpu");
int rumpus_lx_reboot(int cmd) __asm__("reboot");
int rumpus_lx_klogctl(int type, char *bufp, int len) __asm__("klogctl");
int rumpus_lx_swapon(const char *path, int swapflags) __asm__("swapon");
int rumpus_lx_swapoff(const char *path) __asm__("swapoff");
int rumpus_lx_vhangup(void) __asm__("vhangup");
int rumpus_lx_setenv(const char *name, const char *value, int overwrite) __asm__("setenv");
int rumpus_lx_unsetenv(const char *name) __asm__("unsetenv");
int rumpus_lx_clearenv(void) __asm__("clearenv");
extern char **rumpus_lx_environ __asm__("environ");
]]
end

-- A metatype on a C struct, unless another area already gave it one.
local function metatype(ct, mt)
  local ok, r = pcall(ffi.metatype, ct, mt)
  if ok then return r end
  return ct
end

function M.init(S, env)
  local C, c, t = env.C, env.c, env.t
  local getfd = env.getfd or fdm.getfd
  local errno = env.errno or ffi.errno
  local retbool, retnum, fail = S.retbool, S.retnum, S.fail
  local flag = h.flag
  local argerror, checknumber = h.argerror, h.checknumber

  constants(c)
  t.waitstatus = waitstatus

  local function id(v) if v == nil then return -1 end return v end
  local function str(v, fname, argn)
    if type(v) ~= "string" then argerror(fname, argn, "string", v) end
    return v
  end
  local optnum = h.optint  -- pids, priorities, options: C ints

  -- Types ------------------------------------------------------------------------------------

  -- siginfo: .signo .errno .code .pid .uid .status .utime .stime .addr .band .fd .int .ptr
  local signames = {}
  for k, v in pairs(c.SIG) do
    if type(v) == "number" and k ~= "IOT" and k ~= "POLL" and k ~= "CLD" then signames[v] = k end
  end
  local siginfo_get = {
    signo = function(si) return si.si_signo end, errno = function(si) return si.si_errno end,
    code = function(si) return si.si_code end, pid = function(si) return si.si_pid end,
    uid = function(si) return tonumber(si.si_uid) end, status = function(si) return si.si_status end,
    utime = function(si) return tonumber(si.si_utime) end, stime = function(si) return tonumber(si.si_stime) end,
    addr = function(si) return si.si_addr end, band = function(si) return tonumber(si.si_band) end,
    fd = function(si) return si.si_fd end, value = function(si) return si.si_value end,
    int = function(si) return si.si_value.sival_int end, ptr = function(si) return si.si_value.sival_ptr end,
    signame = function(si) return signames[si.si_signo] end,
  }
  t.siginfo = metatype(t.siginfo, {
    __index = function(si, k) local g = siginfo_get[k]; if g then return g(si) end end,
  })

  -- sigaction: .handler ("dfl", "ign", a number or a C function pointer), .mask (a sigset or
  -- signal names), .flags (c.SA names); reading .handler gives the pointer, .dfl/.ign test it.
  local handler_t = ffi.typeof("void (*)(int)")
  local action_t = ffi.typeof("void (*)(int, struct rumpus_lx_siginfo *, void *)")
  local intptr_t = ffi.typeof("intptr_t")
  local function tohandler(v, ct)
    local tv = type(v)
    if tv == "string" then
      local n = c.SIGACT[v]
      if n == nil then error("bad signal handler '" .. v .. "' (\"dfl\", \"ign\" or a C function pointer expected)", 4) end
      v = n
    elseif tv == "function" then
      error("Lua functions cannot be signal handlers (a signal may interrupt the Lua VM in the middle of "
        .. "an update); use \"ign\", \"dfl\", a C function pointer, or signalfd", 4)
    elseif tv ~= "number" and tv ~= "cdata" then
      error("bad signal handler (\"dfl\", \"ign\" or a C function pointer expected, got " .. tv .. ")", 4)
    end
    if tv == "cdata" then return ffi.cast(ct, v) end
    return ffi.cast(ct, ffi.cast(intptr_t, v))
  end
  local function handlernum(p) return tonumber(ffi.cast(intptr_t, p)) end
  local sa_get = {
    handler = function(sa) return sa.sa_handler end,
    sigaction = function(sa) return sa.sa_sigaction end,
    mask = function(sa) return t.sigset(sa.sa_mask) end,
    flags = function(sa) return tonumber(sa.sa_flags) end,
    dfl = function(sa) return handlernum(sa.sa_handler) == c.SIGACT.DFL end,
    ign = function(sa) return handlernum(sa.sa_handler) == c.SIGACT.IGN end,
  }
  local sa_set = {
    handler = function(sa, v) sa.sa_handler = tohandler(v, handler_t) end,
    sigaction = function(sa, v)
      sa.sa_sigaction = tohandler(v, action_t)
      sa.sa_flags = bit.bor(sa.sa_flags, c.SA.SIGINFO)
    end,
    mask = function(sa, v)
      if not ffi.istype(t.sigset, v) then v = t.sigset(v) end
      ffi.copy(sa.sa_mask, v, ffi.sizeof(t.sigset))
    end,
    flags = function(sa, v) sa.sa_flags = flag(c.SA, v, "sigaction", 2) end,
  }
  t.sigaction = metatype(t.sigaction, {
    __index = function(sa, k) local g = sa_get[k]; if g then return g(sa) end end,
    __newindex = function(sa, k, v)
      local f = sa_set[k]
      if not f then error("no field '" .. tostring(k) .. "' in sigaction", 2) end
      f(sa, v)
    end,
    __new = function(tp, tab)
      local sa = ffi.new(tp)
      if type(tab) == "table" then
        if tab.flags ~= nil then sa.flags = tab.flags end
        if tab.mask ~= nil then sa.mask = tab.mask end
        if tab.handler ~= nil then sa.handler = tab.handler end
        if tab.sigaction ~= nil then sa.sigaction = tab.sigaction end
      elseif tab ~= nil then
        sa.handler = tab
      end
      return sa
    end,
  })

  -- rusage: .utime .stime (timevals) and the counters without their ru_ prefix, as numbers.
  t.rusage = metatype(t.rusage, {
    __index = function(ru, k)
      if k == "utime" then return ru.ru_utime end
      if k == "stime" then return ru.ru_stime end
      if type(k) == "string" and k:sub(1, 3) ~= "ru_" then
        local ok, v = pcall(function() return ru["ru_" .. k] end)
        if ok then return tonumber(v) end
      end
    end,
  })

  -- Processes --------------------------------------------------------------------------------

  function S.fork() return retnum(C.fork()) end

  -- exit ends the process at once, as the exit syscall does (ljsyscall's S.exit is exit_group):
  -- no atexit handlers, no stdio flushing, so a forked child never disturbs the parent's state.
  local function exitcode(v)
    if v == nil or v == true then return 0 end
    if v == false then return 1 end
    local n = c.EXIT[v]
    if type(n) ~= "number" then error("bad argument #1 to 'exit' (exit status expected, got " .. tostring(v) .. ")", 3) end
    return n
  end
  function S.exit(status) C._exit(exitcode(status)) end
  S._exit = S.exit

  local strings_t = ffi.typeof("const char *[?]")
  local function strarray(list, fname, argn)
    if type(list) ~= "table" then argerror(fname, argn, "table of strings", list) end
    local n = #list
    local a = strings_t(n + 1)
    for i = 1, n do
      local v = list[i]
      if type(v) ~= "string" then
        error("bad argument #" .. argn .. " to '" .. fname .. "' (string expected at index " .. i .. ", got " .. type(v) .. ")", 3)
      end
      a[i - 1] = v
    end
    a[n] = nil
    return a
  end
  -- execve(path, argv, envp): envp defaults to an empty environment.  Only returns on failure.
  function S.execve(filename, argv, envp)
    str(filename, "execve", 1)
    local a = strarray(argv, "execve", 2)
    local e = strarray(envp or {}, "execve", 3)
    -- The arrays point into the strings of argv and envp, which the caller's tables keep alive.
    return retbool(C.execve(filename, ffi.cast("char *const *", a), ffi.cast("char *const *", e)))
  end

  local int1 = t.int1
  local function waitpidarg(pid, fname)
    if pid == nil then return -1 end
    local n = c.WAIT[pid]
    if type(n) ~= "number" then argerror(fname, 1, "pid", pid) end
    return n
  end
  -- waitpid returns the pid and the status; with "nohang" and no child ready, 0 and no status.
  function S.waitpid(pid, options, status)
    status = h.outstruct(int1, status, "waitpid", 3)
    local r = C.waitpid(waitpidarg(pid, "waitpid"), status, flag(c.W, options, "waitpid", 2))
    if r == -1 then return fail() end
    if r == 0 then return 0 end
    return r, nil, waitstatus(status[0])
  end
  function S.wait(status)
    status = h.outstruct(int1, status, "wait", 1)
    return S.waitpid(-1, 0, status)
  end
  function S.wait4(pid, options, ru, status)
    if ru == false then ru = nil else ru = h.outstruct(t.rusage, ru, "wait4", 3) end
    status = h.outstruct(int1, status, "wait4", 4)
    local r = C.wait4(waitpidarg(pid, "wait4"), status, flag(c.W, options, "wait4", 2), ru)
    if r == -1 then return fail() end
    if r == 0 then return 0, nil, nil, ru end
    return r, nil, waitstatus(status[0]), ru
  end
  -- waitid(idtype, id, options, infop, rusage): options default to "exited"; returns the
  -- siginfo and (as ljsyscall) the child's rusage, through the raw syscall, which has it; pass
  -- rusage = false to skip it.  With "nohang" and nothing ready the siginfo's .pid is 0.
  local SYS_waitid = abi.arch == "arm64" and 95 or 247
  local long = ffi.typeof("long")
  function S.waitid(idtype, wid, options, infop, ru)
    infop = h.outstruct(t.siginfo, infop, "waitid", 4)
    infop.si_pid = 0
    if ru == false then ru = nil else ru = h.outstruct(t.rusage, ru, "waitid", 5) end
    local opts = options == nil and c.W.EXITED or flag(c.W, options, "waitid", 3)
    local r = C.syscall(SYS_waitid, ffi.cast(long, flag(c.P, idtype or "all", "waitid", 1)),
      ffi.cast(long, type(wid) == "nil" and 0 or getfd(wid, "waitid", 2)), ffi.cast("void *", infop), ffi.cast(long, opts), ffi.cast("void *", ru))
    if tonumber(r) == -1 then return fail() end
    return infop, nil, ru
  end

  -- pidfds: descriptors naming a process (Linux 5.3+; the raw syscalls, numbered alike on x64
  -- and arm64).  pidfd_open(pid) -> fd; pidfd_send_signal(pidfd, sig); pidfd_getfd(pidfd, n)
  -- -> a copy of the process's descriptor n.  S.waitid("pidfd", pidfd) and S.setns(pidfd,
  -- flags) take them too.
  local SYS_pidfd_send_signal, SYS_pidfd_open, SYS_pidfd_getfd = 424, 434, 438
  local retfd = S.retfd
  function S.pidfd_open(pid, flags)
    local r = C.syscall(SYS_pidfd_open, ffi.cast(long, h.int(pid, "pidfd_open", 1)),
      ffi.cast(long, flag(c.O, flags, "pidfd_open", 2)))
    return retfd(tonumber(r))
  end
  function S.pidfd_send_signal(pidfd, sig, info, flags)
    if info ~= nil and not ffi.istype(t.siginfo, info) then argerror("pidfd_send_signal", 3, "siginfo", info) end
    local r = C.syscall(SYS_pidfd_send_signal, ffi.cast(long, getfd(pidfd, "pidfd_send_signal", 1)),
      ffi.cast(long, flag(c.SIG, sig or "term", "pidfd_send_signal", 2)), ffi.cast("void *", info),
      ffi.cast(long, h.uint(flags or 0, "pidfd_send_signal", 4)))
    return retbool(tonumber(r))
  end
  function S.pidfd_getfd(pidfd, targetfd, flags)
    local r = C.syscall(SYS_pidfd_getfd, ffi.cast(long, getfd(pidfd, "pidfd_getfd", 1)),
      ffi.cast(long, getfd(targetfd, "pidfd_getfd", 2)), ffi.cast(long, h.uint(flags or 0, "pidfd_getfd", 3)))
    return retfd(tonumber(r))
  end

  function S.kill(pid, sig)
    return retbool(C.kill(checknumber(pid, "kill", 1), flag(c.SIG, sig or "term", "kill", 2)))
  end
  function S.killpg(pgrp, sig) return S.kill(-checknumber(pgrp, "killpg", 1), sig) end
  if C.tgkill then
    function S.tgkill(tgid, tid, sig)
      return retbool(C.tgkill(checknumber(tgid, "tgkill", 1), checknumber(tid, "tgkill", 2), flag(c.SIG, sig, "tgkill", 3)))
    end
  end
  if C.gettid then function S.gettid() return C.gettid() end end
  function S.pause() return retbool(C.pause()) end
  if C.alarm then function S.alarm(sec) return tonumber(C.alarm(checknumber(sec, "alarm", 1))) end end

  -- Signals ----------------------------------------------------------------------------------

  local function sigset(v, fname, argn)
    if v == nil then return nil end
    if ffi.istype(t.sigset, v) then return v end
    local tv = type(v)
    if tv ~= "string" and tv ~= "table" and tv ~= "number" then argerror(fname, argn, "sigset", v) end
    local ok, r = pcall(t.sigset, v)
    if not ok then error("bad argument #" .. argn .. " to '" .. fname .. "' (" .. tostring(r):gsub("^.-: ", "") .. ")", 3) end
    return r
  end
  S.sigset = sigset

  function S.sigaction(signum, handler, oldact)
    local sig = flag(c.SIG, signum, "sigaction", 1)
    local act
    if handler ~= nil then
      if ffi.istype(t.sigaction, handler) then act = handler
      elseif type(handler) == "table" then act = t.sigaction(handler)
      else
        act = t.sigaction()
        sa_set.handler(act, handler)
      end
    end
    if oldact ~= nil and not ffi.istype(t.sigaction, oldact) then argerror("sigaction", 3, "sigaction", oldact) end
    return retbool(C.sigaction(sig, act, oldact))
  end

  -- sigprocmask(how, set, oldset) returns the previous mask; with no set it only reads it.
  function S.sigprocmask(how, set, oldset)
    oldset = h.outstruct(t.sigset, oldset, "sigprocmask", 3)
    local s = sigset(set, "sigprocmask", 2)
    local hw = s and flag(c.SIGPM, how or "setmask", "sigprocmask", 1) or c.SIGPM.SETMASK
    if C.sigprocmask(hw, s, oldset) == -1 then return fail() end
    return oldset
  end
  function S.sigpending(set)
    set = h.outstruct(t.sigset, set, "sigpending", 1)
    if C.sigpending(set) == -1 then return fail() end
    return set
  end
  -- sigsuspend only returns (nil, EINTR) after a handler ran; a fatal signal ends the process.
  function S.sigsuspend(mask) return retbool(C.sigsuspend(sigset(mask, "sigsuspend", 1) or t.sigset())) end

  -- prctl ------------------------------------------------------------------------------------

  local PR = c.PR
  local ulong = ffi.typeof("unsigned long")
  -- Options whose result is the return value.
  local prret = {}
  for _, n in ipairs { "GET_DUMPABLE", "GET_KEEPCAPS", "CAPBSET_READ", "GET_TIMING", "GET_SECUREBITS",
    "MCE_KILL_GET", "GET_SECCOMP", "GET_NO_NEW_PRIVS", "GET_TIMERSLACK", "GET_THP_DISABLE", "GET_FP_MODE" } do
    if PR[n] then prret[PR[n]] = true end
  end
  -- Options that store an int through arg2.
  local prptr = {}
  for _, n in ipairs { "GET_PDEATHSIG", "GET_ENDIAN", "GET_FPEMU", "GET_FPEXC", "GET_UNALIGN", "GET_TSC",
    "GET_CHILD_SUBREAPER" } do
    if PR[n] then prptr[PR[n]] = true end
  end
  local function ularg(v, fname, argn)
    if v == nil then return 0 end
    if v == true then return 1 end
    if v == false then return 0 end
    if type(v) == "cdata" then return ffi.cast(ulong, v) end
    return checknumber(v, fname, argn)
  end
  function S.prctl(option, arg2, arg3, arg4, arg5)
    local op = flag(PR, option, "prctl", 1)
    local out, name
    if op == PR.SET_NAME then
      name = str(arg2, "prctl", 2)
      arg2 = ffi.cast(ulong, ffi.cast("const char *", name))
    elseif op == PR.GET_NAME then
      out = t.buffer(16)
      arg2 = ffi.cast(ulong, out)
    elseif op == PR.CAPBSET_READ or op == PR.CAPBSET_DROP then
      arg2 = flag(c.CAP, arg2, "prctl", 2)
    elseif op == PR.SET_PDEATHSIG then
      arg2 = flag(c.SIG, arg2, "prctl", 2)
    elseif op == PR.SET_SECCOMP and c.SECCOMP_MODE then
      arg2 = flag(c.SECCOMP_MODE, arg2, "prctl", 2)
    elseif prptr[op] then
      out = int1()
      arg2 = ffi.cast(ulong, out)
    else
      arg2 = ularg(arg2, "prctl", 2)
    end
    local r = C.prctl(op, arg2, ularg(arg3, "prctl", 3), ularg(arg4, "prctl", 4), ularg(arg5, "prctl", 5))
    if r == -1 then return fail() end
    if name then name = nil end
    if prret[op] then return tonumber(r) end
    if op == PR.GET_NAME then return ffi.string(out) end
    if prptr[op] then return tonumber(out[0]) end
    return true
  end

  -- Limits and usage -------------------------------------------------------------------------

  local function rlim(v, fname, argn)
    if v == nil then return nil end
    if ffi.istype(t.rlimit, v) then return v end
    if type(v) ~= "table" then argerror(fname, argn, "rlimit", v) end
    local cur, max = v.cur or v.rlim_cur or v[1], v.max or v.rlim_max or v[2]
    if type(cur) == "string" then cur = c.RLIM[cur] end
    if type(max) == "string" then max = c.RLIM[max] end
    if cur == nil or max == nil then
      error("bad argument #" .. argn .. " to '" .. fname .. "' (rlimit needs cur and max)", 3)
    end
    local r = t.rlimit()
    r.cur, r.max = cur, max
    return r
  end
  -- prlimit(pid, resource, new, old) returns the old limit.
  function S.prlimit(pid, resource, new, old)
    old = h.outstruct(t.rlimit, old, "prlimit", 4)
    local n = rlim(new, "prlimit", 3)
    if C.prlimit(optnum(pid, "prlimit", 1, 0), flag(c.RLIMIT, resource, "prlimit", 2), n, old) == -1 then return fail() end
    return old
  end
  function S.getrlimit(resource, r)
    r = h.outstruct(t.rlimit, r, "getrlimit", 2)
    if C.prlimit(0, flag(c.RLIMIT, resource, "getrlimit", 1), nil, r) == -1 then return fail() end
    return r
  end
  function S.setrlimit(resource, r)
    local n = rlim(r, "setrlimit", 2)
    if n == nil then argerror("setrlimit", 2, "rlimit", r) end
    return retbool(C.prlimit(0, flag(c.RLIMIT, resource, "setrlimit", 1), n, nil))
  end
  function S.getrusage(who, ru)
    ru = h.outstruct(t.rusage, ru, "getrusage", 2)
    if C.getrusage(flag(c.RUSAGE, who or "self", "getrusage", 1), ru) == -1 then return fail() end
    return ru
  end

  -- getpriority returns the nice value (-20..19); -1 is told from an error by errno.
  function S.getpriority(which, who)
    errno(0)
    local r = C.getpriority(flag(c.PRIO, which or "process", "getpriority", 1), optnum(who, "getpriority", 2, 0))
    if r == -1 and errno() ~= 0 then return fail() end
    return r
  end
  function S.setpriority(which, who, prio)
    return retbool(C.setpriority(flag(c.PRIO, which or "process", "setpriority", 1), optnum(who, "setpriority", 2, 0),
      checknumber(prio, "setpriority", 3)))
  end

  -- Sessions and process groups ----------------------------------------------------------------

  function S.setsid() return retnum(C.setsid()) end
  function S.getsid(pid) return retnum(C.getsid(optnum(pid, "getsid", 1, 0))) end
  function S.getpgid(pid) return retnum(C.getpgid(optnum(pid, "getpgid", 1, 0))) end
  function S.setpgid(pid, pgid) return retbool(C.setpgid(optnum(pid, "setpgid", 1, 0), optnum(pgid, "setpgid", 2, 0))) end
  function S.getpgrp() return retnum(C.getpgrp()) end
  function S.setpgrp() return S.setpgid(0, 0) end

  -- Identity ---------------------------------------------------------------------------------

  local uid1 = t.uid1
  function S.getresuid(r, e, s)
    r, e, s = h.outstruct(uid1, r, "getresuid", 1), h.outstruct(uid1, e, "getresuid", 2), h.outstruct(uid1, s, "getresuid", 3)
    if C.getresuid(r, e, s) == -1 then return fail() end
    return true, nil, tonumber(r[0]), tonumber(e[0]), tonumber(s[0])
  end
  function S.getresgid(r, e, s)
    r, e, s = h.outstruct(uid1, r, "getresgid", 1), h.outstruct(uid1, e, "getresgid", 2), h.outstruct(uid1, s, "getresgid", 3)
    if C.getresgid(r, e, s) == -1 then return fail() end
    return true, nil, tonumber(r[0]), tonumber(e[0]), tonumber(s[0])
  end
  local function idarg(v, fname, argn) if v == nil then return -1 end return h.uint(v, fname, argn) end
  function S.setresuid(r, e, s)
    return retbool(C.setresuid(idarg(r, "setresuid", 1), idarg(e, "setresuid", 2), idarg(s, "setresuid", 3)))
  end
  function S.setresgid(r, e, s)
    return retbool(C.setresgid(idarg(r, "setresgid", 1), idarg(e, "setresgid", 2), idarg(s, "setresgid", 3)))
  end
  function S.setreuid(r, e) return retbool(C.setreuid(idarg(r, "setreuid", 1), idarg(e, "setreuid", 2))) end
  function S.setregid(r, e) return retbool(C.setregid(idarg(r, "setregid", 1), idarg(e, "setregid", 2))) end

  -- Capabilities -------------------------------------------------------------------------------
  -- t.cap: one set; cap.NET_RAW (or cap.net_raw) reads and writes a bit; tostring lists names.
  -- t.capabilities{effective = "net_raw, sys_admin", permitted = ..., inheritable = ..., pid =}.
  -- S.capget(pid) -> capabilities; S.capset(caps).
  local function capbit(k, level)
    local n = type(k) == "string" and c.CAP[k] or nil
    if type(n) ~= "number" then error("no capability " .. tostring(k), level + 1) end
    return math.floor(n / 32), 2 ^ (n % 32)
  end
  local cap_t
  local function capadd(cap, list, level)
    if list == nil or list == "" then return cap end
    if type(list) == "string" then
      for name in list:gmatch("[^,|%s]+") do cap[name] = true end
    elseif type(list) == "table" then
      for _, name in ipairs(list) do cap[name] = true end
    elseif ffi.istype(cap_t, list) then
      cap.cap[0], cap.cap[1] = list.cap[0], list.cap[1]
    else
      error("bad capability set (string, table or t.cap expected, got " .. type(list) .. ")", level + 1)
    end
    return cap
  end
  cap_t = metatype(ffi.typeof("struct rumpus_lx_cap"), {
    __index = function(cap, k)
      local w, b = capbit(k, 2)
      return math.floor(cap.cap[w] / b) % 2 == 1
    end,
    __newindex = function(cap, k, v)
      local w, b = capbit(k, 2)
      local on = math.floor(cap.cap[w] / b) % 2 == 1
      if v and not on then cap.cap[w] = cap.cap[w] + b elseif not v and on then cap.cap[w] = cap.cap[w] - b end
    end,
    __tostring = function(cap)
      local names = {}
      for name, n in pairs(c.CAP) do
        if math.floor(cap.cap[math.floor(n / 32)] / 2 ^ (n % 32)) % 2 == 1 then names[#names + 1] = name end
      end
      table.sort(names)
      return table.concat(names, ",")
    end,
    __new = function(tp, list) return capadd(ffi.new(tp), list, 2) end,
  })
  t.cap = cap_t
  local caps_t = metatype(ffi.typeof("struct rumpus_lx_capabilities"), {
    __new = function(tp, tab)
      local cs = ffi.new(tp)
      cs.version = c.LINUX_CAPABILITY_VERSION[3]
      if type(tab) == "table" then
        cs.pid = tab.pid or 0
        capadd(cs.effective, tab.effective, 2)
        capadd(cs.permitted, tab.permitted, 2)
        capadd(cs.inheritable, tab.inheritable, 2)
      elseif tab ~= nil then
        error("bad argument #1 to 'capabilities' (table expected, got " .. type(tab) .. ")", 2)
      end
      return cs
    end,
    __tostring = function(cs)
      return "effective: " .. tostring(cs.effective) .. "\npermitted: " .. tostring(cs.permitted)
        .. "\ninheritable: " .. tostring(cs.inheritable)
    end,
  })
  t.capabilities = caps_t
  local hdr_t = ffi.typeof("struct rumpus_lx_cap_header")
  local data2_t = ffi.typeof("struct rumpus_lx_cap_data[2]")
  local capget_f, capset_f = ffi.C.rumpus_lx_capget, ffi.C.rumpus_lx_capset
  -- t.user_cap_header{version =, pid =}: the raw header, as ljsyscall's; capget(hdr) fills
  -- in the kernel's preferred version when hdr.version is 0 (the call itself then fails).
  t.user_cap_header = hdr_t
  function S.capget(pid)
    local hdr
    if type(pid) == "cdata" and ffi.istype(hdr_t, pid) then
      hdr = pid
    else
      hdr = hdr_t(c.LINUX_CAPABILITY_VERSION[3], optnum(pid, "capget", 1, 0))
    end
    local d = data2_t()
    if capget_f(hdr, d) == -1 then return fail() end
    local cs = caps_t()
    cs.pid = hdr.pid
    for i = 0, 1 do
      cs.effective.cap[i], cs.permitted.cap[i], cs.inheritable.cap[i] = d[i].effective, d[i].permitted, d[i].inheritable
    end
    return cs
  end
  function S.capset(cs)
    if type(cs) == "table" then cs = caps_t(cs) end
    if not ffi.istype(caps_t, cs) then argerror("capset", 1, "capabilities", cs) end
    local hdr = hdr_t(cs.version, cs.pid)
    local d = data2_t()
    for i = 0, 1 do
      d[i].effective, d[i].permitted, d[i].inheritable = cs.effective.cap[i], cs.permitted.cap[i], cs.inheritable.cap[i]
    end
    return retbool(capset_f(hdr, d))
  end

  -- System information -----------------------------------------------------------------------

  function S.uname(u)
    u = h.outstruct(t.utsname, u, "uname", 1)
    if C.uname(u) == -1 then return fail() end
    return { sysname = ffi.string(u.sysname), nodename = ffi.string(u.nodename), release = ffi.string(u.release),
      version = ffi.string(u.version), machine = ffi.string(u.machine), domainname = ffi.string(u.domainname) }
  end
  function S.gethostname()
    local buf = t.buffer(c.UTSNAME_LENGTH + 1)
    if C.gethostname(buf, c.UTSNAME_LENGTH) == -1 then return fail() end
    return ffi.string(buf)
  end
  function S.sethostname(name, len)
    str(name, "sethostname", 1)
    return retbool(C.sethostname(name, len or #name))
  end
  function S.getdomainname()
    local u, e = S.uname()
    if not u then return nil, e end
    return u.domainname
  end
  function S.setdomainname(name, len)
    str(name, "setdomainname", 1)
    return retbool(C.setdomainname(name, len or #name))
  end
  function S.sysinfo(info)
    info = h.outstruct(t.sysinfo, info, "sysinfo", 1)
    if C.sysinfo(info) == -1 then return fail() end
    return info
  end

  -- getrandom(buf, count, flags) returns the count; getrandom(count, flags) or getrandom(nil,
  -- count, flags) returns a string of random bytes.
  if C.getrandom then
    function S.getrandom(buf, count, flags)
      if type(buf) == "number" then buf, count, flags = nil, buf, count end
      if buf == nil then
        count = checknumber(count, "getrandom", 2)
        if count ~= count or count < 0 or count >= 2147483648 then
          error("bad argument #2 to 'getrandom' (count " .. tostring(count) .. " out of range)", 2)
        end
        local b = t.buffer(count)
        local r = tonumber(C.getrandom(b, count, flag(c.GRND, flags, "getrandom", 3)))
        if r == -1 then return fail() end
        return ffi.string(b, r)
      end
      -- an array or structure; a pointer (of unknown size) only with a count: the host kernel
      -- answers EFAULT for a bad one
      local k = type(buf) == "cdata" and not fdm.istype(buf) and h.ckind(buf)
      if not (h.copyable(buf, 0) or (k == "pointer" and count ~= nil and not h.isnull(buf))) then
        argerror("getrandom", 1, "buffer (array or structure)", buf)
      end
      local size = ffi.sizeof(buf)
      if k == "pointer" then size = nil end
      if count == nil then count = size end
      if type(count) ~= "number" or count ~= count or count < 0 or (size and count > size) then
        error("bad argument #2 to 'getrandom' (count " .. tostring(count) .. " does not fit the buffer)", 2)
      end
      return retnum(C.getrandom(buf, count, flag(c.GRND, flags, "getrandom", 3)))
    end
  end

  if C.sched_yield then function S.sched_yield() return retbool(C.sched_yield()) end end
  if C.sched_getcpu then function S.sched_getcpu() return retnum(C.sched_getcpu()) end end

  -- ljsyscall's remaining process calls ------------------------------------------------------

  local L = ffi.C
  -- wait3(options, rusage, status): wait4 for any child.
  function S.wait3(options, ru, status) return S.wait4(-1, options, ru, status) end

  -- nice(inc): adds inc to the nice value and returns the new one.
  function S.nice(inc)
    checknumber(inc, "nice", 1)
    local cur, e = S.getpriority("process", 0)
    if not cur then return nil, e end
    local ok, e2 = S.setpriority("process", 0, cur + inc)
    if not ok then return nil, e2 end
    return S.getpriority("process", 0)
  end

  -- signal(sig, handler): as sigaction, returning the previous handler: "DFL", "IGN" or the
  -- C function pointer.
  local sigret = {}
  for k, v in pairs(c.SIGACT) do if k ~= "ERR" then sigret[v] = k end end
  function S.signal(signum, handler)
    local old = t.sigaction()
    local ok, e = S.sigaction(signum, handler, old)
    if not ok then return nil, e end
    local n = handlernum(old.sa_handler)
    return sigret[n] or old.sa_handler
  end

  -- sysctl("net.ipv4.ip_forward" [, new]): the value under /proc/sys as a string (without its
  -- final newline); with new, writes it and returns the old value.
  function S.sysctl(name, new)
    str(name, "sysctl", 1)
    if new ~= nil and type(new) ~= "string" then new = tostring(new) end
    local file = "/proc/sys/" .. name:gsub("%.", "/")
    local f, e = S.open(file, new and "rdwr" or "rdonly")
    if not f then return nil, e end
    local old, e2 = f:read(nil, 4096)
    if not old then f:close(); return nil, e2 end
    old = old:gsub("\n$", "")
    if new ~= nil then
      local ok, e3 = f:pwrite(new, #new, 0)
      if not ok then f:close(); return nil, e3 end
    end
    f:close()
    return old
  end

  -- The environment (libc's): environ() as a table, getenv, setenv, unsetenv, clearenv.
  local charpp = ffi.typeof("char **")
  function S.environ()
    local ok, env = pcall(function() return L.rumpus_lx_environ end)
    if not ok or env == nil then return {} end
    env = ffi.cast(charpp, env)
    local r, i = {}, 0
    while env[i] ~= nil do
      local kv = ffi.string(env[i])
      local eq = kv:find("=", 1, true)
      if eq then r[kv:sub(1, eq - 1)] = kv:sub(eq + 1) end
      i = i + 1
    end
    return r
  end
  function S.getenv(name) return S.environ()[str(name, "getenv", 1)] end
  function S.setenv(name, value, overwrite)
    str(name, "setenv", 1); str(value, "setenv", 2)
    return retbool(L.rumpus_lx_setenv(name, value, (overwrite == nil or overwrite) and 1 or 0))
  end
  function S.unsetenv(name) return retbool(L.rumpus_lx_unsetenv(str(name, "unsetenv", 1))) end
  function S.clearenv() return retbool(L.rumpus_lx_clearenv()) end

  -- Process accounting, reboot, swap, the kernel log, hangup.
  if C.acct then
    function S.acct(filename)
      if filename ~= nil then str(filename, "acct", 1) end
      return retbool(C.acct(filename))
    end
  end
  function S.reboot(cmd) return retbool(L.rumpus_lx_reboot(flag(c.LINUX_REBOOT_CMD, cmd, "reboot", 1))) end
  function S.swapon(p, flags) return retbool(L.rumpus_lx_swapon(str(p, "swapon", 1), flag(c.SWAP_FLAG, flags, "swapon", 2))) end
  function S.swapoff(p) return retbool(L.rumpus_lx_swapoff(str(p, "swapoff", 1))) end
  function S.vhangup() return retbool(L.rumpus_lx_vhangup()) end
  -- syslog(type [, buf, len]) is klogctl: the sizes (types 9, 10) as numbers, the reads (2, 3,
  -- 4) as a string (a buffer of the log's size when none is given), others true.
  function S.syslog(tp, buf, len)
    tp = flag(c.SYSLOG_ACTION, tp, "syslog", 1)
    local reads = tp == 2 or tp == 3 or tp == 4
    if reads and buf == nil then
      if len == nil then
        len = L.rumpus_lx_klogctl(10, nil, 0)
        if len == -1 then return fail() end
      end
      buf = t.buffer(len)
    elseif buf ~= nil and type(buf) ~= "cdata" then
      argerror("syslog", 2, "buffer", buf)
    end
    local r = L.rumpus_lx_klogctl(tp, buf, len or 0)
    if r == -1 then return fail() end
    if tp == 9 or tp == 10 then return r end
    if reads then return ffi.string(buf, r) end
    return true
  end

  -- getcpu() -> {cpu =, node =}.
  function S.getcpu(cpu, node)
    cpu, node = h.outstruct(t.uint1, cpu, "getcpu", 1), h.outstruct(t.uint1, node, "getcpu", 2)
    if L.rumpus_lx_getcpu(cpu, node) == -1 then return fail() end
    return { cpu = tonumber(cpu[0]), node = tonumber(node[0]) }
  end

  -- Scheduling.  t.cpu_set{0, 2}: set:set(n), set:clear(n), set:get(n), set[n], set:zero(),
  -- tostring "{0,2}".  t.sched_param(prio).
  local cpuset_t = ffi.typeof("struct rumpus_lx_cpu_set")
  local ncpubits = ffi.sizeof(cpuset_t) * 8
  local function cpunum(n, fname)
    if type(n) ~= "number" or n < 0 or n >= ncpubits or n % 1 ~= 0 then
      error("bad argument #2 to '" .. fname .. "' (CPU number 0.." .. (ncpubits - 1) .. " expected, got " .. tostring(n) .. ")", 3)
    end
    return math.floor(n / 8), n % 8
  end
  -- CPU n is bit n % 8 of byte n / 8 (the words are little-endian on x64 and arm64).
  local u8p = ffi.typeof("uint8_t *")
  local cpumethods = {}
  function cpumethods.zero(set) ffi.fill(set, ffi.sizeof(cpuset_t)); return set end
  function cpumethods.set(set, n)
    if type(n) == "table" then for _, v in ipairs(n) do cpumethods.set(set, v) end return set end
    local w, b = cpunum(n, "set")
    local p = ffi.cast(u8p, set)
    p[w] = bit.bor(p[w], bit.lshift(1, b))
    return set
  end
  function cpumethods.clear(set, n)
    if type(n) == "table" then for _, v in ipairs(n) do cpumethods.clear(set, v) end return set end
    local w, b = cpunum(n, "clear")
    local p = ffi.cast(u8p, set)
    p[w] = bit.band(p[w], bit.bnot(bit.lshift(1, b)))
    return set
  end
  function cpumethods.get(set, n)
    local w, b = cpunum(n, "get")
    return bit.band(ffi.cast(u8p, set)[w], bit.lshift(1, b)) ~= 0
  end
  function cpumethods.count(set)
    local k = 0
    for i = 0, ncpubits - 1 do if cpumethods.get(set, i) then k = k + 1 end end
    return k
  end
  t.cpu_set = metatype(cpuset_t, {
    __index = function(set, k)
      if type(k) == "number" then return cpumethods.get(set, k) end
      return cpumethods[k]
    end,
    __newindex = function(set, k, v)
      if type(k) ~= "number" then error("no field '" .. tostring(k) .. "' in cpu_set", 2) end
      if v then cpumethods.set(set, k) else cpumethods.clear(set, k) end
    end,
    __new = function(tp, list)
      local set = ffi.new(tp)
      if list ~= nil then cpumethods.set(set, list) end
      return set
    end,
    __tostring = function(set)
      local r = {}
      for i = 0, ncpubits - 1 do if cpumethods.get(set, i) then r[#r + 1] = i end end
      return "{" .. table.concat(r, ",") .. "}"
    end,
  })
  local sp_t = metatype(ffi.typeof("struct rumpus_lx_sched_param"), {
    __new = function(tp, v)
      if type(v) == "table" then v = v.sched_priority or v.priority or v[1] end
      return ffi.new(tp, v or 0)
    end,
  })
  t.sched_param = sp_t
  local function sparam(v, fname, argn)
    if v == nil then return sp_t(0) end
    if ffi.istype(sp_t, v) then return v end
    if type(v) == "table" then v = v.sched_priority or v.priority or v[1] or 0 end
    if type(v) ~= "number" then argerror(fname, argn, "priority", v) end
    return sp_t(h.int(v, fname, argn))
  end
  function S.sched_getscheduler(pid) return retnum(L.rumpus_lx_sched_getscheduler(optnum(pid, "sched_getscheduler", 1, 0))) end
  function S.sched_setscheduler(pid, policy, param)
    return retbool(L.rumpus_lx_sched_setscheduler(optnum(pid, "sched_setscheduler", 1, 0),
      flag(c.SCHED, policy or "other", "sched_setscheduler", 2), sparam(param, "sched_setscheduler", 3)))
  end
  -- sched_getparam returns the priority (the only field).
  function S.sched_getparam(pid, param)
    param = sparam(param, "sched_getparam", 2)
    if L.rumpus_lx_sched_getparam(optnum(pid, "sched_getparam", 1, 0), param) == -1 then return fail() end
    return param.sched_priority
  end
  function S.sched_setparam(pid, param)
    return retbool(L.rumpus_lx_sched_setparam(optnum(pid, "sched_setparam", 1, 0), sparam(param, "sched_setparam", 2)))
  end
  function S.sched_get_priority_max(policy) return retnum(L.rumpus_lx_sched_get_priority_max(flag(c.SCHED, policy, "sched_get_priority_max", 1))) end
  function S.sched_get_priority_min(policy) return retnum(L.rumpus_lx_sched_get_priority_min(flag(c.SCHED, policy, "sched_get_priority_min", 1))) end
  function S.sched_rr_get_interval(pid, ts)
    ts = h.outstruct(t.timespec, ts, "sched_rr_get_interval", 2)
    if L.rumpus_lx_sched_rr_get_interval(optnum(pid, "sched_rr_get_interval", 1, 0), ts) == -1 then return fail() end
    return ts
  end
  -- sched_getaffinity(pid [, mask [, len]]) -> t.cpu_set; sched_setaffinity(pid, mask [, len]).
  local cpusize = ffi.sizeof(cpuset_t)
  local function cpuset(v, fname, argn)
    if v == nil then return cpuset_t() end
    if ffi.istype(cpuset_t, v) then return v end
    if type(v) ~= "table" and type(v) ~= "number" then argerror(fname, argn, "cpu_set", v) end
    return cpuset_t(v)
  end
  function S.sched_getaffinity(pid, mask, len)
    mask = cpuset(mask, "sched_getaffinity", 2)
    if type(len) ~= "nil" then h.checkint(len, "sched_getaffinity", 3, 0, ffi.sizeof(mask)) end
    if L.rumpus_lx_sched_getaffinity(optnum(pid, "sched_getaffinity", 1, 0), len or cpusize, mask) == -1 then return fail() end
    return mask
  end
  function S.sched_setaffinity(pid, mask, len)
    if mask == nil then argerror("sched_setaffinity", 2, "cpu_set", mask) end
    mask = cpuset(mask, "sched_setaffinity", 2)
    if type(len) ~= "nil" then h.checkint(len, "sched_setaffinity", 3, 0, ffi.sizeof(mask)) end
    return retbool(L.rumpus_lx_sched_setaffinity(optnum(pid, "sched_setaffinity", 1, 0), len or cpusize, mask))
  end

  return S
end

return M
