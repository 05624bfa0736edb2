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

local ffi = require "ffi"
local fdm = require "syscall.fd"

local type, tostring, error, pairs, ipairs, setmetatable, rawset, select =
      type, tostring, error, pairs, ipairs, setmetatable, rawset, select
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

-- The kernel library: $RUMPUS_LIB, else the build tree's, else the system's.
local lib
local function library()
  if lib then return lib end
  local candidates = {}
  if os.getenv("RUMPUS_LIB") then candidates[#candidates + 1] = os.getenv("RUMPUS_LIB") end
  local b = os.getenv("RUMPUS_BUILD")
  if b then candidates[#candidates + 1] = b .. "/lib/librumpus.so" end
  candidates[#candidates + 1] = "librumpus.so"
  local errs = {}
  for _, p in ipairs(candidates) do
    local ok, l = pcall(ffi.load, p)
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
  error("rump: cannot load the kernel library (" .. table.concat(errs, "; ") .. ")", 3)
end
rump.library = library

-- The kernel that Lua last made current on this thread; every switch goes through here.
local cur = nil
local curowner = nil

-- The syscall functions: declared once under rumpus_nb_* names bound by asm labels to the
-- library's rump___sysimpl_* symbols (so a NetBSD rump binding in the same state still
-- declares its own names freely).
local gen
local Craw
local function rawcalls()
  if Craw then return Craw end
  local L = library()
  gen = require "syscall.netbsd.syscalls_gen"
  local decls = gen.cdef:gsub("([%w_]+)%s*(%b());", function(sym, args)
    return "rumpus_nbsys_" .. sym .. args .. ' __asm__("' .. sym .. '");'
  end)
  ffi.cdef(decls)
  Craw = {}
  -- Entries that NetBSD's kernels answer with ENOSYS (COMPAT_50, the old versions of
  -- stat, select...) give way to the current version of the same name.
  for _, e in ipairs(gen.calls) do
    local ok, f = pcall(function() return L["rumpus_nbsys_" .. e.sym] end)
    if ok and (e.type ~= "COMPAT_50" or Craw[e.name] == nil) then Craw[e.name] = f end
  end
  return Craw
end

-- The wrappers, built once, acting on the current kernel.
local shared
local function sharedS()
  if shared then return shared end
  local C = rawcalls()
  local c = require "syscall.netbsd.constants"
  local types = require "syscall.netbsd.types"
  local S = { c = c, C = C, types = types, t = types.t, pt = types.pt, s = types.s, ctypes = types.ctypes,
    bit = require "syscall.bit", h = require "syscall.helpers", target = "netbsd", host = false }
  local env = { C = C, c = c, t = types.t, pt = types.pt, s = types.s,
    fd = function(n) return fdm.new(curowner, n) end,
    getfd = fdm.getfd_of(function() return curowner end) }
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
  shared = S
  return S
end

local kmt = {}
kmt.__index = kmt

local function switch(k)
  local st = k.st
  if cur ~= st then
    library().rumpus_kernel_switch(k.ptr)
    cur, curowner = st, st.owner
  end
end

-- The syscall table of one kernel: each function makes the kernel current, then calls the
-- shared wrapper.  Values that are not functions (c, t...) are the shared ones.
local function kernelS(k)
  local base = sharedS()
  local S = {}
  local mt = {}
  mt.__index = function(tab, name)
    if name == "util" then
      -- The utilities of this kernel (syscall.util and the socket ones), built on first use
      -- over this table so that every call they make reaches this kernel.
      local u = {}
      rawset(tab, "util", u)
      require "syscall.util".init(tab)
      require "syscall.netbsd.sockets".util(tab, u)
      return u
    end
    local f = base[name]
    if type(f) ~= "function" then return f end
    local w = function(...)
      if k.st.dead then error("syscall on a destroyed kernel", 2) end
      switch(k)
      return f(...)
    end
    rawset(tab, name, w)
    return w
  end
  setmetatable(S, mt)
  S.fdmethods = setmetatable({}, { __index = function(tab, name)
    local m = base.fdmethods[name]
    if not m then return nil end
    local w = function(...)
      if k.st.dead then error("syscall on a destroyed kernel", 2) end
      switch(k)
      return m(...)
    end
    rawset(tab, name, w)
    return w
  end })
  S.kernel = k
  -- The raw C functions, for descriptor finalizers (syscall.fd calls owner.C.close): each
  -- call runs in this kernel and then puts back whichever kernel was current, with errno,
  -- since a finalizer may run in the middle of another kernel's call.
  S.C = setmetatable({}, { __index = function(tab, name)
    local f = base.C[name]
    if f == nil then return nil end
    local w = function(...)
      if k.st.dead then return -1 end
      local L = library()
      local pst, pown, pptr, perr = cur, curowner, L.rumpus_kernel_current(), ffi.errno()
      switch(k)
      local r = f(...)
      L.rumpus_kernel_switch(pptr)
      cur, curowner = pst, pown
      ffi.errno(perr)
      return r
    end
    rawset(tab, name, w)
    return w
  end })
  return S
end

local function check_components(list)
  for i, name in ipairs(list) do
    if type(name) ~= "string" then
      error("bad argument #1 to 'kernel' (component " .. i .. " is a " .. type(name) .. ", expected a name)", 3)
    end
  end
end

-- rump.kernel{ "vfs", "fs.tmpfs", cpus = 1, hostname = "a", memlimit = bytes }
function rump.kernel(opts)
  if opts == nil then opts = {} end
  if type(opts) == "string" then opts = { opts } end
  if type(opts) ~= "table" then error("bad argument #1 to 'kernel' (table expected, got " .. type(opts) .. ")", 2) end
  check_components(opts)
  local L = library()
  local n = #opts
  local comps = ffi.new("const char *[?]", n + 1)
  local keep = {}
  for i, name in ipairs(opts) do keep[i] = name; comps[i - 1] = name end
  comps[n] = nil
  local cfg = ffi.new("struct rumpus_config")
  if opts.cpus ~= nil then
    if type(opts.cpus) ~= "number" then error("bad option 'cpus' (number expected, got " .. type(opts.cpus) .. ")", 2) end
    cfg.ncpu = opts.cpus
  end
  if opts.hostname ~= nil then
    if type(opts.hostname) ~= "string" then error("bad option 'hostname' (string expected, got " .. type(opts.hostname) .. ")", 2) end
    cfg.hostname = opts.hostname
    keep.hostname = opts.hostname
  end
  if opts.memlimit ~= nil then cfg.memlimit = opts.memlimit end
  local errp = ffi.new("int[1]")
  local ptr = L.rumpus_kernel_create(comps, cfg, errp)
  if ptr == nil then
    local msg = ffi.string(L.rumpus_error())
    error("rump.kernel: " .. (msg ~= "" and msg or ("error " .. errp[0])), 2)
  end
  -- st is what the finalizer may see: never k or ptr, or a forgotten kernel would keep
  -- itself alive through its own finalizer.
  local st = { dead = false }
  local k = setmetatable({ ptr = ptr, st = st, components = keep }, kmt)
  st.owner = fdm.register(nil)
  k.owner = st.owner
  k.S = kernelS(k)
  fdm.owners[st.owner] = k.S
  ffi.gc(ptr, function(p)
    if not st.dead then
      st.dead = true
      fdm.unregister(st.owner)
      if cur == st then L.rumpus_kernel_switch(nil); cur, curowner = nil, nil end
      L.rumpus_kernel_destroy(p)
    end
  end)
  return k
end

function kmt:destroy()
  local st = self.st
  if st.dead then return true end
  local L = library()
  if cur == st then L.rumpus_kernel_switch(nil); cur, curowner = nil, nil end
  local r = L.rumpus_kernel_destroy(self.ptr)
  if r ~= 0 then return nil, require "syscall.netbsd.types".t.error(r) end
  st.dead = true
  fdm.unregister(st.owner)
  ffi.gc(self.ptr, nil)
  return true
end
kmt.__index = function(k, name)
  if name == "dead" then return k.st.dead end
  return kmt[name]
end

function kmt:memused() return tonumber(library().rumpus_kernel_memused(self.ptr)) end
function kmt:has(component) return library().rumpus_kernel_has(self.ptr, component) ~= 0 end
function kmt:ncpu() return library().rumpus_kernel_ncpu(self.ptr) end
function kmt:halted() return library().rumpus_kernel_halted(self.ptr) ~= 0 end
kmt.__tostring = function(k) return "rump kernel " .. (k.st.dead and "(destroyed)" or tostring(k.ptr)) end

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
  if self.st.dead then error("rfork on a destroyed kernel", 2) end
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

return rump
