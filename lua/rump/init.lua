-- require "rump": boot rumpus kernels from Lua and use each through the same syscall API as
-- the host's require "syscall".
--
--   local rump = require "rump"
--   local k = rump.kernel{ "fs.tmpfs", cpus = 1, hostname = "a" }
--   local fd = assert(k.S.open("/f", "creat, rdwr", "0644"))
--   k:destroy()                 -- or let the GC do it
--
-- How calls reach a kernel.  The wrappers of syscall.syscalls are built once over the kernel
-- library's rump_sys_* functions with the NetBSD types; they act on the calling thread's
-- current kernel.  Each kernel's k.S is a thin table whose functions make that kernel current
-- (only when it is not already: a compare in Lua) and call the shared wrapper.  So no call
-- meant for a kernel can reach the host: k.S has no host function in it, and a syscall the
-- kernel library lacks is simply absent from k.S.

local ffi = require "syscall.ffi"
local fdm = require "syscall.fd"

local type, tostring, error, pairs, ipairs, setmetatable, rawset, select =
      type, tostring, error, pairs, ipairs, setmetatable, rawset, select
local rawtype = type   -- Lua's own: cheap; enough where cdata need not be told apart
local type, tonumber = ffi.type or type, ffi.tonumber or tonumber -- PUC Lua: cdata are userdata

local rump = {}

ffi.cdef [[
struct rumpus_kernel;
struct rumpus_config { unsigned ncpu; const char *hostname; size_t memlimit; unsigned flags; };
struct rumpus_kernel *rumpus_kernel_create(const char *const *components, const struct rumpus_config *cfg, int *errp);
int rumpus_kernel_destroy(struct rumpus_kernel *k);
struct rumpus_kernel *rumpus_kernel_current(void);
struct rumpus_kernel *rumpus_kernel_switch(struct rumpus_kernel *k);
size_t rumpus_kernel_memused(const struct rumpus_kernel *k);
int rumpus_kernel_has(const struct rumpus_kernel *k, const char *component);
int rumpus_kernel_ncpu(const struct rumpus_kernel *k);
int rumpus_kernel_halted(const struct rumpus_kernel *k);
int rumpus_kernel_sigmodel(struct rumpus_kernel *k, int model);
int rumpus_sigpending(struct rumpus_kernel *k, int pid, uint32_t set[4]);
int rumpus_sigclear(struct rumpus_kernel *k, int pid, const uint32_t set[4]);
int rumpus_sigprocmask(struct rumpus_kernel *k, int pid, int how, const uint32_t set[4], uint32_t oset[4]);
int rumpus_psignal(struct rumpus_kernel *k, int pid, int sig);
const char *rumpus_component_name(int i);
int rumpus_clock_virtual(int on);
void rumpus_clock_advance(uint64_t ns);
uint64_t rumpus_clock_now(void);
struct rumpus_memstats { uint64_t bytes, blocks, leaked; };
void rumpus_memstats(struct rumpus_memstats *st);
const char *rumpus_error(void);
void *rumpus_dlopen(const char *path, int flags) __asm__("dlopen");
struct rumpus_lwp;
int rumpus_nbpub_lwproc_rfork(int flags) __asm__("rump_pub_lwproc_rfork");
int rumpus_nbpub_lwproc_newlwp(int32_t pid) __asm__("rump_pub_lwproc_newlwp");
void rumpus_nbpub_lwproc_switch(struct rumpus_lwp *l) __asm__("rump_pub_lwproc_switch");
void rumpus_nbpub_lwproc_releaselwp(void) __asm__("rump_pub_lwproc_releaselwp");
struct rumpus_lwp *rumpus_nbpub_lwproc_curlwp(void) __asm__("rump_pub_lwproc_curlwp");
]]

-- The kernel library: $RUMPUS_LIB, else the build tree's ($RUMPUS_BUILD), else the one
-- installed with this module (make install: <prefix>/lib beside <prefix>/share/lua/5.x; a
-- LuaRocks tree: lib/lua/5.x, found on package.cpath), else the system's (ld.so's path).
local lib
local moddir = (debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$"))
local function library()
  if lib then return lib end
  local candidates = {}
  if os.getenv("RUMPUS_LIB") then candidates[#candidates + 1] = os.getenv("RUMPUS_LIB") end
  local b = os.getenv("RUMPUS_BUILD")
  if b then candidates[#candidates + 1] = b .. "/lib/librumpus.so" end
  if moddir and moddir:match("/share/lua/[%d.]+/rump$") then
    local f = io.open(moddir .. "/../../../../lib/librumpus.so", "rb")
    if f then f:close() candidates[#candidates + 1] = moddir .. "/../../../../lib/librumpus.so" end
  end
  local onpath = package.searchpath and package.searchpath("librumpus", package.cpath)
  if onpath then candidates[#candidates + 1] = onpath end
  candidates[#candidates + 1] = "librumpus.so"
  if rump._netbsd then
    error("rump: this process runs NetBSD's rump kernel (rump.netbsd): rumpus kernels cannot share" ..
      " it (both libraries export rump_* names); use a process of its own", 3)
  end
  local errs = {}
  for _, p in ipairs(candidates) do
    local ok, l = pcall(ffi.load, p)
    -- A library without our entry points (NetBSD's librump.so, say) is not accepted: nothing
    -- is kept of it, so every later call gives the same answer.
    if ok and not pcall(function() return l.rumpus_kernel_create end) then
      local nb = pcall(function() return l.rumpus_nbpub_lwproc_rfork end)
      ok, l = false, p .. " is not the rumpus kernel library (no rumpus_kernel_create)" ..
        (nb and "; it is NetBSD's librump: for NetBSD's kernels use rump.kernel{ ..., backend = \"netbsd\" }" ..
          " or RUMPUS_BACKEND=netbsd (docs/netbsd.md)" or "")
    end
    if ok then
      -- The library runs a scheduler thread of its own: it must stay mapped when Lua closes
      -- and drops its handle (dlclose), or that thread would wake in unmapped code.
      -- RTLD_NODELETE (0x1000, glibc and musl) | RTLD_LAZY (1) pins it.
      pcall(function() ffi.C.rumpus_dlopen(p, 0x1001) end)
      lib = l
      return lib
    end
    errs[#errs + 1] = tostring(l)
  end
  error("rump: cannot load the kernel library librumpus.so (" .. table.concat(errs, "; ") ..
    "): set RUMPUS_LIB to its path (or RUMPUS_BUILD to a build directory), or install rumpus" ..
    " with make install PREFIX=... or luarocks make", 3)
end
rump.library = library
-- For rump.netbsd (docs/netbsd.md): one kind of kernel library per process.
function rump._rumpus_loaded() return lib ~= nil end
function rump._netbsd_booting() rump._netbsd = true end

-- The kernel that Lua last made current on this thread, as its owner id (a number: it keeps
-- no kernel alive); every switch goes through here.  Invariant: cur == k.owner only while k
-- is alive and current in the library (destroy clears it; ids are never reused; a kernel
-- the GC destroys can no longer be called, so a stale id there is never compared equal).
local cur = nil

-- The syscall functions: declared once under rumpus_nb_* names bound by asm labels to the
-- library's rump___sysimpl_* symbols (so a NetBSD rump binding in the same state still
-- declares its own names freely).
local gen
local Craw
-- The functions of library namespace L by syscall name (rump.netbsd uses it on NetBSD's).
local function calls(L)
  if not gen then
    local g = require "syscall.netbsd.syscalls_gen"
    local decls = g.cdef:gsub("([%w_]+)%s*(%b());", function(sym, args)
      return "rumpus_nbsys_" .. sym .. args .. ' __asm__("' .. sym .. '");'
    end)
    ffi.cdef(decls)
    gen = g
  end
  local C = {}
  -- Entries that NetBSD's kernels answer with ENOSYS (COMPAT_50, the old versions of
  -- stat, select...) give way to the current version of the same name.
  for _, e in ipairs(gen.calls) do
    local ok, f = pcall(function() return L["rumpus_nbsys_" .. e.sym] end)
    if ok and (e.type ~= "COMPAT_50" or C[e.name] == nil) then C[e.name] = f end
  end
  return C
end
rump._calls = calls
local function rawcalls()
  if Craw then return Craw end
  Craw = calls(library())
  return Craw
end

-- A NetBSD-ABI syscall table over the kernel functions C (rumpus's or NetBSD's own
-- rump___sysimpl_*): the shared wrappers (syscall.syscalls) over the NetBSD types, descriptors
-- owned by owner_of(); extra fields go into the table.  rump.netbsd builds its own with this.
local function buildS(C, owner_of, extra)
  local c = require "syscall.netbsd.constants"
  local types = require "syscall.netbsd.types"
  local S = { c = c, C = C, types = types, t = types.t, pt = types.pt, s = types.s, ctypes = types.ctypes,
    bit = require "syscall.bit", h = require "syscall.helpers", target = "netbsd", host = false }
  for k, v in pairs(extra or {}) do S[k] = v end
  local env = { C = C, c = c, t = types.t, pt = types.pt, s = types.s,
    fd = function(n) return fdm.new(owner_of(), n) end,
    getfd = fdm.getfd_of(owner_of) }
  -- fcntl's third argument is a pointer in the kernel's prototype; the wrappers pass numbers.
  if C.fcntl then
    local raw = C.fcntl
    local vp = ffi.typeof("void *")
    C.fcntl = function(fd, cmd, arg) return raw(fd, cmd, ffi.cast(vp, arg or 0)) end
  end
  -- getcwd in NetBSD's kernel returns the length, not the pointer.
  if C.__getcwd then
    C.getcwd = function(buf, size)
      local r = C.__getcwd(buf, size)
      if r == -1 then return nil end
      return buf
    end
  end
  require "syscall.syscalls".init(S, env)
  local ok, nb = pcall(require, "syscall.netbsd.syscalls")
  if ok then nb.init(S, env) end
  require "syscall.netbsd.sockets".init(S, env)
  return S
end
rump._buildS = buildS

-- The wrappers, built once, acting on the current kernel.
local shared
local function sharedS()
  if shared then return shared end
  shared = buildS(rawcalls(), function() return cur end)
  return shared
end

local kmt = {}
kmt.__index = kmt

-- Makes k current (the slow path of every call: cur ~= k.owner).  A destroyed kernel is
-- never current, so this is where a call on one is refused.
local Lswitch, Lcurrent
local function enter(k, level)
  if k.dead then error("syscall on a destroyed kernel", level or 3) end
  Lswitch(k.ptr)
  cur = k.owner
end
local function switch(k)
  if cur ~= k.owner then enter(k, 4) end
end

-- A function of the shared table bound to kernel k.  The fast path is one compare of
-- numbers; the id is an upvalue so the call reads no table.  A wrapper of fixed arity
-- (debug.getinfo's nparams, not vararg) gets a binding of the same arity: it passes exactly
-- what the wrapper would see, without the cost of a vararg call (large on PUC Lua).
local getinfo = debug and debug.getinfo
local binders = {
  [0] = function(k, id, f) return function() if cur ~= id then enter(k) end return f() end end,
  function(k, id, f) return function(a) if cur ~= id then enter(k) end return f(a) end end,
  function(k, id, f) return function(a, b) if cur ~= id then enter(k) end return f(a, b) end end,
  function(k, id, f) return function(a, b, c) if cur ~= id then enter(k) end return f(a, b, c) end end,
  function(k, id, f) return function(a, b, c, d) if cur ~= id then enter(k) end return f(a, b, c, d) end end,
  function(k, id, f) return function(a, b, c, d, e) if cur ~= id then enter(k) end return f(a, b, c, d, e) end end,
  function(k, id, f) return function(a, b, c, d, e, g) if cur ~= id then enter(k) end return f(a, b, c, d, e, g) end end,
}
local arity = setmetatable({}, { __mode = "k" })
local function bind(k, f)
  local id = k.owner
  local n = arity[f]
  if n == nil then
    local ok, info = pcall(getinfo, f, "u")
    n = ok and info and info.nparams and not info.isvararg and info.nparams or false
    arity[f] = n
  end
  if n and binders[n] then return binders[n](k, id, f) end
  return function(...)
    if cur ~= id then enter(k) end
    return f(...)
  end
end

-- Every kernel's k.S shares one metatable: the kernel is k.S.kernel, and each function is
-- bound to it on first use.  Values that are not functions (c, t...) are the shared ones.
local FDK = {}    -- key of the kernel in a k.S.fdmethods table
local fdmt = { __index = function(tab, name)
  local m = shared.fdmethods[name]
  if not m then
    -- remembered as false: syscall.fd looks here first on every method call
    rawset(tab, name, false)
    return false
  end
  local w = bind(rawget(tab, FDK), m)
  rawset(tab, name, w)
  return w
end }
-- The raw C functions, for descriptor finalizers (syscall.fd calls owner.C.close): each call
-- runs in this kernel and then puts back whichever kernel was current, with errno, since a
-- finalizer may run in the middle of another kernel's call.
local function rawC(k)
  return setmetatable({}, { __index = function(tab, name)
    local f = shared.C[name]
    if f == nil then return nil end
    local w = function(...)
      if k.dead then return -1 end
      local pcur, pptr, perr = cur, Lcurrent(), ffi.errno()
      Lswitch(k.ptr)
      cur = k.owner
      local r = f(...)
      Lswitch(pptr)
      cur = pcur
      ffi.errno(perr)
      return r
    end
    rawset(tab, name, w)
    return w
  end })
end
local kSmt = { __index = function(tab, name)
  local k = rawget(tab, "kernel")
  if name == "util" then
    -- The utilities of this kernel (syscall.util and the socket ones), built on first use
    -- over this table so that every call they make reaches this kernel.
    return require "syscall.netbsd.sockets".kernel_util(tab)
  end
  if name == "fdmethods" then
    local m = setmetatable({ [FDK] = k }, fdmt)
    rawset(tab, name, m)
    return m
  end
  if name == "C" then
    local c = rawC(k)
    rawset(tab, name, c)
    return c
  end
  local f = shared[name]
  if type(f) ~= "function" then return f end
  local w = bind(k, f)
  rawset(tab, name, w)
  return w
end }

-- The component lists given so far, as the C arrays the library takes: a trie keyed by the
-- names in order, each node's arrays under ARR (the Lua list under LIST keeps the strings the
-- array points into alive).  Only lists a kernel booted with are kept, at most MAXLISTS.
local ARR, LIST = {}, {}
local lists, nlists, MAXLISTS = {}, 0, 256
local comps_t = ffi.typeof("const char *[?]")
local function components(opts)
  local node = lists
  local n = 0
  while true do
    local name = opts[n + 1]
    if name == nil then break end
    if type(name) ~= "string" then
      error("bad argument #1 to 'kernel' (component " .. (n + 1) .. " is a " .. type(name) .. ", expected a name)", 3)
    end
    n = n + 1
    if node then node = node[name] end
  end
  if node and node[ARR] then return node[ARR], node[LIST], nil end
  local arr, list = comps_t(n + 1), {}
  for i = 1, n do list[i] = opts[i]; arr[i - 1] = opts[i] end
  arr[n] = nil
  return arr, list, n
end
local function remember(arr, list, n)
  if nlists >= MAXLISTS then return end
  local node = lists
  for i = 1, n do
    local nx = node[list[i]]
    if nx == nil then nx = {}; node[list[i]] = nx end
    node = nx
  end
  node[ARR], node[LIST] = arr, list
  nlists = nlists + 1
end

-- The finalizer of a kernel: it sees only the pointer and the owner id, never k (a
-- forgotten kernel would keep itself alive through its own finalizer).  It unregisters the
-- id first, so that a descriptor's finalizer running after it (finalizers run in any order,
-- at lua_close too, where weak tables are not cleared) finds no owner and closes nothing
-- in the freed kernel.  The library puts the kernel aside itself if it is current (bound
-- process included); cur may keep the id of a kernel nobody can call any more.
local Ldestroy
local function gcdestroyer(id)
  return function(p)
    fdm.unregister(id)
    Ldestroy(p)
  end
end

-- The boot configuration, shared by every call: Lua remembers what it holds so that a field
-- is written only when it changes (a cdata store costs a call into the ffi module on PUC
-- Lua), and the hostname pointer is cleared once the library has copied the string.
local cfg, errp, Lcreate
local cfgcpus, cfgmem = 0, 0
local NOOPTS = {}
-- rump.kernel{ "vfs", "fs.tmpfs", cpus = 1, hostname = "a", memlimit = bytes }
function rump.kernel(opts)
  local to = rawtype(opts)
  if to ~= "table" then
    if opts == nil then opts = NOOPTS
    elseif to == "string" then opts = { opts }
    else error("bad argument #1 to 'kernel' (table expected, got " .. type(opts) .. ")", 2) end
  end
  local backend = opts.backend or os.getenv("RUMPUS_BACKEND")
  if backend ~= nil and backend ~= "" and backend ~= "rumpus" then
    if backend == "netbsd" or backend == "netbsd-remote" then
      local k = require "rump.netbsd".kernel(opts, 2, backend == "netbsd-remote")
      return k
    end
    error("bad option 'backend' (\"rumpus\", \"netbsd\" or \"netbsd-remote\" expected, got " .. tostring(backend) .. ")", 2)
  end
  if opts.remote then error("bad option 'remote' (remote kernels are NetBSD's: backend = \"netbsd\")", 2) end
  local comps, list, new = components(opts)
  local L = lib or library()
  if not cfg then
    sharedS()
    -- kept as function values: finalizers use them when the library object may be gone
    local create, sw, destroy, current = L.rumpus_kernel_create, L.rumpus_kernel_switch,
      L.rumpus_kernel_destroy, L.rumpus_kernel_current
    Lcreate, Lswitch, Ldestroy, Lcurrent = create, sw, destroy, current
    cfg, errp = ffi.new("struct rumpus_config"), ffi.new("int[1]")
  end
  local cpus, hostname, memlimit = opts.cpus, opts.hostname, opts.memlimit
  if cpus == nil then cpus = 0
  elseif rawtype(cpus) ~= "number" then error("bad option 'cpus' (number expected, got " .. type(cpus) .. ")", 2) end
  if hostname ~= nil and rawtype(hostname) ~= "string" then error("bad option 'hostname' (string expected, got " .. type(hostname) .. ")", 2) end
  if memlimit == nil then memlimit = 0 end
  if cpus ~= cfgcpus then cfg.ncpu = cpus; cfgcpus = cpus end
  if memlimit ~= cfgmem then cfg.memlimit = memlimit; cfgmem = memlimit end
  local ptr
  if hostname ~= nil then
    cfg.hostname = hostname
    ptr = Lcreate(comps, cfg, errp)
    cfg.hostname = nil
  else
    ptr = Lcreate(comps, cfg, errp)
  end
  if ptr == nil then
    local msg = ffi.string(L.rumpus_error())
    error("rump.kernel: " .. (msg ~= "" and msg or ("error " .. errp[0])), 2)
  end
  if new then remember(comps, list, new) end
  local k = setmetatable({ ptr = ptr, dead = false, components = list, owner = 0, S = false }, kmt)
  local S = setmetatable({ kernel = k }, kSmt)
  k.S = S
  k.owner = fdm.register(S)
  ffi.gc(ptr, gcdestroyer(k.owner))
  return k
end

-- A kernel another Lua state of this process made, by its address (a number): the host
-- threads of rump.race_host borrow their parent's kernels this way.  k.S and the methods
-- work; k:destroy() is refused (the kernel is its maker's), and no finalizer destroys it.
function rump._borrow(addr)
  if rawtype(addr) ~= "number" or addr <= 0 or addr % 1 ~= 0 then
    error("bad argument #1 to '_borrow' (kernel address expected, got " .. tostring(addr) .. ")", 2)
  end
  local L = lib or library()
  sharedS()
  if not Lswitch then
    Lcreate, Lswitch, Ldestroy, Lcurrent = L.rumpus_kernel_create, L.rumpus_kernel_switch,
      L.rumpus_kernel_destroy, L.rumpus_kernel_current
  end
  local k = setmetatable({ ptr = ffi.cast("struct rumpus_kernel *", addr), dead = false,
    components = {}, owner = 0, S = false, borrowed = true }, kmt)
  k.S = setmetatable({ kernel = k }, kSmt)
  k.owner = fdm.register(k.S)
  return k
end
-- The end of a borrow (the thread's chunk ended): k is dead here, and this state forgets
-- which kernel it made current (the state may serve another host thread next).
function rump._unborrow(k)
  if not k.borrowed or k.dead then return end
  if cur ~= nil then Lswitch(nil); cur = nil end
  fdm.unregister(k.owner)
  k.dead = true
end
-- Its address, for rump._borrow in another state.
function rump._address(k)
  if k.dead then error("_address of a destroyed kernel", 2) end
  return tonumber(tostring(k.ptr):match("0x(%x+)"), 16)
end

function kmt:destroy()
  if self.borrowed then error("destroy of a borrowed kernel (its maker destroys it)", 2) end
  if self.dead then return true end
  local ptr = self.ptr
  if cur == self.owner then Lswitch(nil); cur = nil end
  local r = Ldestroy(ptr)
  if r ~= 0 then return nil, require "syscall.netbsd.types".t.error(r) end
  self.dead = true
  fdm.unregister(self.owner)
  ffi.gc(ptr, nil)
  return true
end

-- Facts: a destroyed kernel (its pointer freed) is halted and has nothing else to say.
local function alive(k, fname)
  if k.dead then error(fname .. " on a destroyed kernel", 3) end
  return k.ptr
end
function kmt:memused() return tonumber(library().rumpus_kernel_memused(alive(self, "memused"))) end
function kmt:has(component)
  if type(component) ~= "string" then
    error("bad argument #1 to 'has' (string expected, got " .. type(component) .. ")", 2)
  end
  return library().rumpus_kernel_has(alive(self, "has"), component) == 1
end
function kmt:ncpu() return library().rumpus_kernel_ncpu(alive(self, "ncpu")) end
function kmt:halted() return self.dead or library().rumpus_kernel_halted(self.ptr) ~= 0 end
kmt.__tostring = function(k) return "rump kernel " .. (k.dead and "(destroyed)" or tostring(k.ptr)) end

-- Signals (docs/kernel.md): a kernel posts SIGPIPE for a write on a broken connection or
-- pipe (unless MSG_NOSIGNAL or SO_NOSIGPIPE/F_SETNOSIGPIPE), and its model says what that
-- does, as NetBSD's rump_boot_setsigmodel: "record" (the default for rump.kernel: kept
-- pending on the kernel process unless masked, so a peer's RST never ends the Lua process
-- and its other kernels), "raise" (NetBSD's default, and rump_init()'s: raised in this
-- host process, whose own disposition applies), "ignore", "panic" (abort, except for
-- SIGPIPE and SIGSYS).
--   k:sigmodel("record")         -- returns the previous model's name
--   k:sigpending()               -- { PIPE = true } for the current process (or pid)
--   k:sigclear([pid]); k:sigmask("block", { "PIPE" } [, pid]); k:psignal("USR1" [, pid])
local signames = { "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "EMT", "FPE", "KILL", "BUS",
  "SEGV", "SYS", "PIPE", "ALRM", "TERM", "URG", "STOP", "TSTP", "CONT", "CHLD", "TTIN", "TTOU",
  "IO", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "INFO", "USR1", "USR2", "PWR" }
local signums = {}
for i, n in ipairs(signames) do signums[n] = i end
local sigmodels = { panic = 0, ignore = 1, raise = 3, record = 4 }
local sigmodelnames = { [0] = "panic", "ignore", "raise", "raise", "record" }
local sigset_t = ffi.typeof("uint32_t[4]")
local function errobj(e) return nil, require "syscall.netbsd.types".t.error(e) end
local function signum(fname, argn, v)
  local n = rawtype(v) == "string" and signums[v:upper():gsub("^SIG", "")] or
    rawtype(v) == "number" and v >= 1 and v <= 32 and v - v % 1 == v and v or nil
  if not n then
    error("bad argument #" .. argn .. " to '" .. fname .. "' (signal name or number expected, got " ..
      tostring(v) .. ")", 3)
  end
  return n
end
local function sigpid(fname, argn, pid)
  if pid == nil then return 0 end
  if rawtype(pid) ~= "number" or pid < 0 then
    error("bad argument #" .. argn .. " to '" .. fname .. "' (pid expected, got " .. tostring(pid) .. ")", 3)
  end
  return pid
end
local function settable(w)
  local t = {}
  for i = 1, 32 do
    if math.floor(tonumber(w[0]) / 2 ^ (i - 1)) % 2 == 1 then t[signames[i]] = true end
  end
  return t
end
function kmt:sigmodel(model)
  local m = -1
  if model ~= nil then
    m = sigmodels[model]
    if not m then
      error("bad argument #1 to 'sigmodel' (panic, ignore, raise or record expected, got " ..
        tostring(model) .. ")", 2)
    end
  end
  return sigmodelnames[library().rumpus_kernel_sigmodel(alive(self, "sigmodel"), m)]
end
function kmt:sigpending(pid)
  local set = sigset_t()
  local e = library().rumpus_sigpending(alive(self, "sigpending"), sigpid("sigpending", 1, pid), set)
  if e ~= 0 then return errobj(e) end
  return settable(set)
end
function kmt:sigclear(pid)
  local e = library().rumpus_sigclear(alive(self, "sigclear"), sigpid("sigclear", 1, pid), nil)
  if e ~= 0 then return errobj(e) end
  return true
end
local sighow = { block = 1, unblock = 2, setmask = 3 }
function kmt:sigmask(how, sigs, pid)
  local h = sighow[how]
  if not h then
    error("bad argument #1 to 'sigmask' (block, unblock or setmask expected, got " .. tostring(how) .. ")", 2)
  end
  if rawtype(sigs) ~= "table" then
    error("bad argument #2 to 'sigmask' (table of signals expected, got " .. type(sigs) .. ")", 2)
  end
  local set, old, w = sigset_t(), sigset_t(), 0
  local seen = {}
  for _, v in ipairs(sigs) do
    local n = signum("sigmask", 2, v)
    if not seen[n] then seen[n] = true; w = w + 2 ^ (n - 1) end
  end
  set[0] = w
  local e = library().rumpus_sigprocmask(alive(self, "sigmask"), sigpid("sigmask", 3, pid), h, set, old)
  if e ~= 0 then return errobj(e) end
  return settable(old)
end
function kmt:psignal(sig, pid)
  local n = signum("psignal", 1, sig)
  local e = library().rumpus_psignal(alive(self, "psignal"), sigpid("psignal", 2, pid), n)
  if e ~= 0 then return errobj(e) end
  return true
end

-- Processes inside a kernel (NetBSD's rump_pub_lwproc_*).  The calling thread runs as one
-- lwp of the kernel at a time; with none bound, it is an implicit thread of process 1.
--   local p = k:rfork("clean")   -- a child process with an empty descriptor table, now current
--   k:switch(nil)                -- back to process 1;  k:switch(p) to p again
--   k:release()                  -- the current lwp exits (its process too, if it was the last)
local rfflags = { share = 0, copy = 1, fdg = 1, clean = 2, cfdg = 2 }
local function lwp_obj(k, l)
  if l == nil then return nil end
  return { lwp = l, kernel = k }
end
function kmt:rfork(how)
  local flags = how or "copy"
  if type(flags) == "string" then
    flags = rfflags[flags:lower()]
    if not flags then error("bad argument #1 to 'rfork' (\"copy\", \"clean\" or \"share\" expected)", 2) end
  elseif type(flags) ~= "number" then
    error("bad argument #1 to 'rfork' (string or number expected, got " .. type(flags) .. ")", 2)
  end
  if self.dead then error("rfork on a destroyed kernel", 2) end
  switch(self)
  local L = library()
  local r = L.rumpus_nbpub_lwproc_rfork(flags)
  if r ~= 0 then return nil, require "syscall.netbsd.types".t.error(r) end
  return lwp_obj(self, L.rumpus_nbpub_lwproc_curlwp())
end
function kmt:newlwp(pid)
  if type(pid) ~= "number" then error("bad argument #1 to 'newlwp' (number expected, got " .. type(pid) .. ")", 2) end
  switch(self)
  local L = library()
  local r = L.rumpus_nbpub_lwproc_newlwp(pid)
  if r ~= 0 then return nil, require "syscall.netbsd.types".t.error(r) end
  return lwp_obj(self, L.rumpus_nbpub_lwproc_curlwp())
end
function kmt:switch(p)
  if p ~= nil and (type(p) ~= "table" or p.kernel ~= self) then
    error("bad argument #1 to 'switch' (a process of this kernel or nil expected)", 2)
  end
  switch(self)
  library().rumpus_nbpub_lwproc_switch(p and p.lwp or nil)
  return true
end
function kmt:release()
  switch(self)
  library().rumpus_nbpub_lwproc_releaselwp()
  return true
end
function kmt:curlwp()
  switch(self)
  return lwp_obj(self, library().rumpus_nbpub_lwproc_curlwp())
end

-- The components this build knows.
function rump.components()
  local L = library()
  local list, i = {}, 0
  while true do
    local p = L.rumpus_component_name(i)
    if p == nil then break end
    list[#list + 1] = ffi.string(p)
    i = i + 1
  end
  return list
end

-- The names of the functions every kernel's k.S has (the shared wrappers), sorted.
function rump.syscalls()
  local list = {}
  for name, v in pairs(sharedS()) do
    if type(v) == "function" then list[#list + 1] = name end
  end
  table.sort(list)
  return list
end

-- The process-wide clock.
rump.clock = {
  virtual = function(on) return library().rumpus_clock_virtual(on and 1 or 0) ~= 0 end,
  advance = function(ns) library().rumpus_clock_advance(ns) end,
  now = function() return tonumber(library().rumpus_clock_now()) end,
}

function rump.memstats()
  local st = ffi.new("struct rumpus_memstats")
  library().rumpus_memstats(st)
  return { bytes = tonumber(st.bytes), blocks = tonumber(st.blocks), leaked = tonumber(st.leaked) }
end

-- Allocation-failure injection (rump/rumpus_fault.h), for tests of what runs out of memory:
--   rump.fault{ nth = N }             fail the N-th allocation of the process from now
--   rump.fault{ rate = R, seed = S }  fail each with probability R (0..1), seeded
--   rump.fault(false)                 off;   k:fault{...} the same for one kernel
-- Each returns { mode = "off"|"nth"|"rate", calls = n, injected = n } (with no argument
-- too: the counts since the setting).  The environment variable RUMPUS_FAULT
-- ("alloc:nth=100", "alloc:rate=0.01,seed=7") sets the process-wide state at load time.
local faultst
local FAULTMODE = { [0] = "off", "nth", "rate" }
local function fault(fname, ptr, opts)
  local L = library()
  if not faultst then
    ffi.cdef [[
int rumpus_fault_set(struct rumpus_kernel *k, int mode, double n_or_rate, uint64_t seed);
struct rumpus_fault_stats { int mode; uint64_t calls, injected; };
int rumpus_fault_stats(const struct rumpus_kernel *k, struct rumpus_fault_stats *st);
]]
    faultst = ffi.new("struct rumpus_fault_stats")
  end
  if opts ~= nil then
    local mode, v, seed = 0, 0, 0
    if opts ~= false then
      if rawtype(opts) ~= "table" then
        error("bad argument #1 to '" .. fname .. "' (table or false expected, got " .. type(opts) .. ")", 3)
      end
      local nth, rate = opts.nth, opts.rate
      seed = opts.seed or 0
      if (nth == nil) == (rate == nil) then
        error("bad argument #1 to '" .. fname .. "' (exactly one of nth and rate expected)", 3)
      end
      if nth ~= nil then
        if rawtype(nth) ~= "number" or nth < 1 or nth > 2^53 or nth % 1 ~= 0 then
          error("bad option 'nth' to '" .. fname .. "' (whole number from 1 to 2^53 expected)", 3)
        end
        mode, v = 1, nth
      else
        if rawtype(rate) ~= "number" or not (rate >= 0 and rate <= 1) then
          error("bad option 'rate' to '" .. fname .. "' (number from 0 to 1 expected)", 3)
        end
        mode, v = 2, rate
      end
      if rawtype(seed) ~= "number" or seed < 0 or seed >= 2^53 or seed % 1 ~= 0 then
        error("bad option 'seed' to '" .. fname .. "' (whole number from 0 to 2^53 expected)", 3)
      end
    end
    local r = L.rumpus_fault_set(ptr, mode, v, seed)
    if r ~= 0 then error(fname .. ": " .. ffi.string(L.rumpus_error()), 3) end
  end
  L.rumpus_fault_stats(ptr, faultst)
  return { mode = FAULTMODE[faultst.mode], calls = tonumber(faultst.calls),
           injected = tonumber(faultst.injected) }
end
function rump.fault(opts) return fault("fault", nil, opts) end
function kmt:fault(opts)
  if self.dead then error("bad self to 'fault' (kernel destroyed)", 2) end
  return fault("fault", self.ptr, opts)
end

-- The run's seed (race hunting, rump/race.lua and docs/race.md): rump.seed(n) before the
-- kernels of a run; rump.seed() reads it, rump.seed(nil) clears it.
function rump.seed(...) return require("rump.race").seed(...) end

return rump
