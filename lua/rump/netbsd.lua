-- rump.netbsd: NetBSD's own rump kernels (a buildrump.sh build) behind the same Lua API as
-- rumpus kernels, in-process.  Chosen by rump.kernel{ ..., backend = "netbsd" } or by the
-- environment (RUMPUS_BACKEND=netbsd); the build is found at $RUMPUS_NETBSD_RUMP (a prefix
-- with lib/librump.so.0 ...).  See docs/netbsd.md.
--
--   local k = rump.kernel{ "vfs", "fs.tmpfs", backend = "netbsd" }
--   assert(k.S.mkdir("/d", "0755"))
--
-- NetBSD's rump kernel is a process-wide singleton: librump keeps its state in globals and
-- rump_init() boots it once.  So a process holds at most one NetBSD kernel, ever (destroying
-- it cannot free it: NetBSD's halt either exits the process or parks the calling thread), and
-- never next to rumpus kernels: both libraries export rump_* and rump___sysimpl_* names, and
-- NetBSD's components must be loaded RTLD_GLOBAL, where they would shadow librumpus's.  Each
-- of these is a clear error.  Many NetBSD kernels are many processes.
--
-- Loading: every component is a library whose constructor registers it with librump, so each
-- is dlopen()ed (RTLD_NOW | RTLD_GLOBAL) by its full path, librumpuser and librump first and
-- dependencies before dependants, then rump_init() runs once.  A library name may be a
-- symbolic link or, where a copy lost its links, a small text file naming the real file: both
-- are followed.  Nothing is left half done: a failure before rump_init() changes nothing a
-- later call depends on (libraries already loaded are simply found again); a failed
-- rump_init() is remembered and every later request gives its reason.

local ffi = require "syscall.ffi"
local fdm = require "syscall.fd"

local type, tostring, error, pairs, ipairs, setmetatable, rawset, rawget, pcall, select =
      type, tostring, error, pairs, ipairs, setmetatable, rawset, rawget, pcall, select
local rawtype = type
local type, tonumber = ffi.type or type, ffi.tonumber or tonumber -- PUC Lua: cdata are userdata

local M = {}

-- NetBSD's build is an optional peer, found only through $RUMPUS_NETBSD_RUMP: unset, the
-- prefix names no directory, so every lookup fails with this reason (and tests skip).
local DEFAULT = "(RUMPUS_NETBSD_RUMP not set)"
M.default_prefix = DEFAULT

-- The prefix in use: $RUMPUS_NETBSD_RUMP, else one that names no directory.
function M.prefix()
  local p = os.getenv("RUMPUS_NETBSD_RUMP")
  if p and p ~= "" then return p end
  return DEFAULT
end

local function readhead(path, n)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read(n) or ""
  f:close()
  return s
end

-- The ELF file a library name stands for in dir: the name itself (or what its symbolic link
-- names: the loader follows those), or, when the file is a short text naming another file of
-- dir (a copy that turned links into files), that file.  nil, why when there is none.
local function resolve(dir, name)
  local cur = name
  for _ = 1, 8 do
    local head = readhead(dir .. "/" .. cur, 256)
    if head == nil then return nil, dir .. "/" .. cur .. ": no such file" end
    if head:sub(1, 4) == "\127ELF" then return dir .. "/" .. cur end
    local nxt = head:match("^%s*([%w_.+-]+)%s*$")
    if not nxt or nxt == cur then return nil, dir .. "/" .. cur .. ": not a shared library" end
    cur = nxt
  end
  return nil, dir .. "/" .. name .. ": too many indirections"
end
M.resolve = resolve

-- Is a usable build at prefix?  true, or nil and the reason (for tests to skip with).
function M.available(prefix)
  prefix = prefix or M.prefix()
  if prefix == DEFAULT then
    return nil, "NetBSD's rump kernels not found: set RUMPUS_NETBSD_RUMP to the prefix of a build"
  end
  local p, why = resolve(prefix .. "/lib", "librump.so.0")
  if not p then return nil, "NetBSD's rump kernels not found (RUMPUS_NETBSD_RUMP=" .. prefix .. "): " .. why end
  local u, why2 = resolve(prefix .. "/lib", "librumpuser.so.0")
  if not u then return nil, "NetBSD's rump kernels not found (RUMPUS_NETBSD_RUMP=" .. prefix .. "): " .. why2 end
  return true
end

-- Our component names and NetBSD's libraries: "vfs" is librumpvfs, "fs.tmpfs" librumpfs_tmpfs,
-- "net.netinet" librumpnet_netinet...; what each needs first (as rumpus adds dependencies).
local deps = {
  ["net.net"] = { "net" }, ["net.local"] = { "net", "vfs" },
  ["net.netinet"] = { "net", "net.net" }, ["net.netinet6"] = { "net", "net.net", "net.netinet" },
  ["net.shmif"] = { "net", "net.net" }, ["net.virtif"] = { "net", "net.net" },
  ["net.config"] = { "net", "net.net" }, ["kern.tty"] = { "vfs" },
}
-- "kern" (rumpus's name of the base) is librump itself: no library of its own.
local builtin = { kern = true, base = true }
local function libname(comp)
  local a, b = comp:match("^(%w+)%.([%w_]+)$")
  if a then return "librump" .. a .. "_" .. b .. ".so.0" end
  if comp:match("^%w+$") then return "librump" .. comp .. ".so.0" end
  return nil
end
-- The load order of a component list: dependencies first, each once.
local function order(list)
  local out, seen = {}, {}
  local function add(cn)
    if seen[cn] then return end
    seen[cn] = true
    local d = deps[cn] or (cn:match("^fs%.") and { "vfs" }) or (cn:match("^vfs%.") and { "vfs" }) or
      (cn:match("^net%.") and { "net", "net.net" }) or nil
    if d then for _, x in ipairs(d) do add(x) end end
    out[#out + 1] = cn
  end
  for _, cn in ipairs(list) do add(cn) end
  return out
end
M.order = order

local declared = false
local function declare()
  if declared then return end
  ffi.cdef [[
void *rumpus_nbhost_dlopen(const char *path, int flags) __asm__("dlopen");
char *rumpus_nbhost_dlerror(void) __asm__("dlerror");
int rumpus_nbhost_setenv(const char *name, const char *value, int overwrite) __asm__("setenv");
int rumpus_nbinit(void) __asm__("rump_init");
]]
  declared = true
end

local RTLD_NOW, RTLD_GLOBAL = 2, 0x100

-- The state of this process: nil (nothing booted), "booted" (the kernel below), or the
-- message of a failed rump_init().
local state, failure
local nremote = 0          -- remote kernels started here (each loads librumpclient: below)
local kernel_obj        -- the one kernel object (alive or destroyed)
local loaded = {}        -- path -> true: libraries dlopen()ed here

local function load(path, what)
  if loaded[path] then return true end
  local h = ffi.C.rumpus_nbhost_dlopen(path, RTLD_NOW + RTLD_GLOBAL)
  if h == nil then
    local e = ffi.C.rumpus_nbhost_dlerror()
    return nil, "cannot load " .. what .. " (" .. (e ~= nil and ffi.string(e) or path) .. ")"
  end
  loaded[path] = true
  return true
end

-- The syscall table over NetBSD's librump: the same wrappers as rumpus kernels
-- (syscall.syscalls over the NetBSD types), bound to its rump___sysimpl_* functions.
local function buildS(L, owner_of)
  local rump = require "rump"
  return rump._buildS(rump._calls(L), owner_of, { backend = "netbsd" })
end

-- With fs.tmpfs, the root is a tmpfs, as on rumpus kernels (NetBSD boots with rumpfs, which
-- lacks much: hard links, getdents of many names...): a tmpfs is mounted over "/" unless
-- opts.root == "rumpfs".
local function settle_root(k, opts, comps)
  if opts.root == "rumpfs" then return true end
  if k.server == "rumpus" then return true end   -- our kernels boot with tmpfs on / already
  for _, cn in ipairs(comps) do
    if cn == "fs.tmpfs" then return k.S.mount("tmpfs", "/", 0, { mode = "0755" }) end
  end
  return true
end

local kmt = {}
kmt.__index = kmt
kmt.__tostring = function(k) return "NetBSD rump kernel" .. (k.dead and " (destroyed)" or "") end

-- k.S: the shared table seen through a check that the kernel is alive.
local function viewS(k, S)
  local view = setmetatable({ kernel = k }, { __index = function(tab, name)
    if name == "util" then return require "syscall.netbsd.sockets".kernel_util(tab) end
    local f = S[name]
    if rawtype(f) ~= "function" then return f end
    local w = function(...)
      if k.dead then error("syscall on a destroyed kernel", 2) end
      return f(...)
    end
    rawset(tab, name, w)
    return w
  end })
  return view
end

-- kernel(opts): the process's NetBSD kernel, booted with the components of opts (a list of
-- our component names) and opts.cpus (RUMP_NCPU), opts.memlimit (RUMP_MEMLIMIT),
-- opts.hostname (set after boot, by sysctl); with opts.remote (or remote) a rump_server
-- kernel instead (below).  level: the error level for the caller.
function M.kernel(opts, level, remote)
  level = (level or 1) + 1
  if remote and not opts.remote then
    local o = {}
    for kk, v in pairs(opts) do o[kk] = v end
    o.remote = true
    opts = o
  end
  local comps = {}
  for i = 1, #opts do
    local cn = opts[i]
    if rawtype(cn) ~= "string" then
      error("bad argument #1 to 'kernel' (component " .. i .. " is a " .. type(cn) .. ", expected a name)", level)
    end
    if not libname(cn) then error("rump.kernel: unknown component '" .. cn .. "'", level) end
    comps[i] = cn
  end
  local cpus, hostname, memlimit = opts.cpus, opts.hostname, opts.memlimit
  if cpus ~= nil and (rawtype(cpus) ~= "number" or cpus < 0 or cpus % 1 ~= 0) then
    error("bad option 'cpus' (whole number expected, got " .. tostring(cpus) .. ")", level)
  end
  if hostname ~= nil and rawtype(hostname) ~= "string" then
    error("bad option 'hostname' (string expected, got " .. type(hostname) .. ")", level)
  end
  if memlimit ~= nil and (rawtype(memlimit) ~= "number" or memlimit < 0) then
    error("bad option 'memlimit' (number expected, got " .. tostring(memlimit) .. ")", level)
  end
  if opts.root ~= nil and opts.root ~= "rumpfs" and opts.root ~= "tmpfs" then
    error("bad option 'root' (\"tmpfs\" or \"rumpfs\" expected, got " .. tostring(opts.root) .. ")", level)
  end
  if opts.server ~= nil and opts.server ~= "netbsd" and opts.server ~= "rumpus" then
    error("bad option 'server' (\"netbsd\" or \"rumpus\" expected, got " .. tostring(opts.server) .. ")", level)
  end
  if opts.server == "rumpus" and not opts.remote then
    error("bad option 'server' (a server is for remote kernels: remote = true)", level)
  end
  if state == "booted" and not opts.remote then
    error("rump.kernel: NetBSD's rump kernel is one per process and this process already booted it" ..
      (kernel_obj.dead and " (destroyed kernels cannot be booted again)" or "") ..
      "; run each further NetBSD kernel in a process of its own", level)
  end
  if state == "failed" and not opts.remote then
    error("rump.kernel: NetBSD's rump_init() failed earlier in this process (" .. failure ..
      "); it cannot be retried in this process", level)
  end
  local rump = require "rump"
  if rump._rumpus_loaded() and not opts.remote then
    error("rump.kernel: NetBSD's kernel cannot share a process with rumpus kernels (librumpus.so is" ..
      " loaded; both export rump_* names): use a process of its own", level)
  end
  if opts.remote then
    local k = M.remote(opts, comps, level)
    return k
  end
  if nremote > 0 then
    error("rump.kernel: an in-process NetBSD kernel cannot share a process with librumpclient" ..
      " (a remote kernel was used here): its global librump would shadow librumpclient's names", level)
  end
  local prefix = M.prefix()
  local ok, why = M.available(prefix)
  if not ok then error("rump.kernel: " .. why, level) end
  local dir = prefix .. "/lib"
  -- Every path first: an unknown component fails before anything is loaded.
  local paths = {}
  local function want(name, what)
    local p, e = resolve(dir, name)
    if not p then error("rump.kernel: " .. what .. ": " .. e, level + 1) end
    paths[#paths + 1] = { p, what }
  end
  want("librumpuser.so.0", "librumpuser")
  want("librump.so.0", "librump")
  local all = order(comps)
  for _, cn in ipairs(all) do
    if not builtin[cn] then want(libname(cn), "component '" .. cn .. "'") end
  end
  declare()
  for _, pw in ipairs(paths) do
    local okl, e = load(pw[1], pw[2])
    if not okl then error("rump.kernel: " .. e, level) end
  end
  local L = ffi.load(paths[2][1])
  if cpus and cpus > 0 then ffi.C.rumpus_nbhost_setenv("RUMP_NCPU", tostring(cpus), 1) end
  if memlimit and memlimit > 0 then ffi.C.rumpus_nbhost_setenv("RUMP_MEMLIMIT", ("%d"):format(memlimit), 1) end
  rump._netbsd_booting()
  local r = ffi.C.rumpus_nbinit()
  if r ~= 0 then
    state, failure = "failed", "rump_init() returned " .. tonumber(r)
    error("rump.kernel: NetBSD's " .. failure, level)
  end
  state = "booted"
  local k = setmetatable({ dead = false, components = comps, loaded = all, backend = "netbsd",
    prefix = prefix, owner = 0, S = false, lib = L }, kmt)
  local S = buildS(L, function() return k.owner end)
  k.shared = S
  k.S = viewS(k, S)
  -- NetBSD's reboot in-process either parks the calling thread forever (halt) or ends the
  -- process: refused, with the reason.
  rawset(k.S, "reboot", function()
    error("reboot: NetBSD's in-process kernel would park this thread (halt) or end the process;" ..
      " use a remote kernel (remote = true) to reboot one", 2)
  end)
  k.owner = fdm.register(k.S)
  kernel_obj = k
  local okr, er = settle_root(k, opts, comps)
  if not okr then error("rump.kernel: mounting tmpfs on /: " .. tostring(er), level) end
  if hostname then
    local okh, e = k.S.sysctl("kern.hostname", hostname)
    if not okh then error("rump.kernel: setting the hostname: " .. tostring(e), level) end
  end
  return k
end

-- The kernel of this process, if one was booted (alive or destroyed).
function M.current() return kernel_obj end

-- destroy(): the kernel cannot be freed (see above): its descriptors and k.S stop working,
-- the kernel's threads stay until the process exits.
function kmt:destroy()
  if self.dead then return true end
  self.dead = true
  fdm.unregister(self.owner)
  return true
end
function kmt:halted() return self.dead end
function kmt:has(component)
  if rawtype(component) ~= "string" then
    error("bad argument #1 to 'has' (string expected, got " .. type(component) .. ")", 2)
  end
  if self.dead then error("has on a destroyed kernel", 2) end
  for _, cn in ipairs(self.loaded) do if cn == component then return true end end
  return builtin[component] == true
end
function kmt:ncpu()
  if self.dead then error("ncpu on a destroyed kernel", 2) end
  return self.S.sysctl("hw.ncpu")
end
local function unsupported(name)
  return function() error(name .. ": not available on NetBSD's kernel (a rumpus extension)", 2) end
end
kmt.memused = unsupported("memused")
kmt.fault = unsupported("fault")

-- Processes, as rump.kernel's (NetBSD's rump_pub_lwproc_*).  One difference is handled here:
-- NetBSD aborts on rump_pub_lwproc_switch(NULL) from a thread with no lwp bound, which for
-- us is already "process 1's implicit thread", so switch(nil) there does nothing.
local rfflags = { share = 0, copy = 1, fdg = 1, clean = 2, cfdg = 2 }
local function alive(k, fname)
  if k.dead then error(fname .. " on a destroyed kernel", 3) end
end
local function lwp_obj(k, l)
  if l == nil then return nil end
  return { lwp = l, kernel = k }
end
local function errobj(r) return require "syscall.netbsd.types".t.error(r) end
function kmt:rfork(how)
  local flags = how or "copy"
  if rawtype(flags) == "string" then
    flags = rfflags[flags:lower()]
    if not flags then error("bad argument #1 to 'rfork' (\"copy\", \"clean\" or \"share\" expected)", 2) end
  elseif rawtype(flags) ~= "number" then
    error("bad argument #1 to 'rfork' (string or number expected, got " .. type(flags) .. ")", 2)
  end
  alive(self, "rfork")
  local r = self.lib.rumpus_nbpub_lwproc_rfork(flags)
  if r ~= 0 then return nil, errobj(r) end
  return lwp_obj(self, self.lib.rumpus_nbpub_lwproc_curlwp())
end
function kmt:newlwp(pid)
  if rawtype(pid) ~= "number" then error("bad argument #1 to 'newlwp' (number expected, got " .. type(pid) .. ")", 2) end
  alive(self, "newlwp")
  local r = self.lib.rumpus_nbpub_lwproc_newlwp(pid)
  if r ~= 0 then return nil, errobj(r) end
  return lwp_obj(self, self.lib.rumpus_nbpub_lwproc_curlwp())
end
function kmt:switch(p)
  if p ~= nil and (rawtype(p) ~= "table" or p.kernel ~= self) then
    error("bad argument #1 to 'switch' (a process of this kernel or nil expected)", 2)
  end
  alive(self, "switch")
  if p == nil and self.lib.rumpus_nbpub_lwproc_curlwp() == nil then return true end
  self.lib.rumpus_nbpub_lwproc_switch(p and p.lwp or nil)
  return true
end
function kmt:release()
  alive(self, "release")
  if self.lib.rumpus_nbpub_lwproc_curlwp() == nil then
    error("release: the calling thread has no lwp of its own (NetBSD would abort)", 2)
  end
  self.lib.rumpus_nbpub_lwproc_releaselwp()
  return true
end
function kmt:curlwp()
  alive(self, "curlwp")
  return lwp_obj(self, self.lib.rumpus_nbpub_lwproc_curlwp())
end

-- Remote kernels -------------------------------------------------------------------------------
-- rump.kernel{ "vfs", "fs.tmpfs", backend = "netbsd", remote = true }: NetBSD's rump_server in a
-- process of its own (forked here, with the components as -l libraries, serving a unix socket
-- in a private directory), driven through NetBSD's librumpclient.  librumpclient keeps its one
-- connection in globals, so each remote kernel loads its own copy of the library (a copy of
-- the file in the kernel's directory: the loader maps it as a library of its own, with its
-- own globals), and a process drives as many remote kernels as it likes.  The copies stay
-- mapped until the process exits (about 90 KB each; no code of theirs may be unmapped while a
-- call could still be in it).  Remote kernels live beside rumpus kernels (every library
-- stays local), not beside an in-process NetBSD kernel (whose global librump would shadow
-- librumpclient's names).  destroy() stops the server (SIGTERM: rump_server reboots its kernel and exits;
-- SIGKILL after 5 s) and removes the directory; the server also gets SIGTERM when the thread
-- that started it exits (PR_SET_PDEATHSIG), so no server outlives its client process, and its
-- directory is removed as soon as the client is connected.  With server = "rumpus" the server
-- is our own rumpus_server ($RUMPUS_BUILD/bin) serving a rumpus kernel: the same client, the
-- same k.S, our kernel behind it.

local rdeclared = false
local function rdeclare()
  if rdeclared then return end
  declare()
  ffi.cdef [[
int rumpus_nbcl_init(void) __asm__("rumpclient_init");
]]
  rdeclared = true
end

local clients = {}   -- every librumpclient copy loaded (kept: see above)
local rkmt = {}
rkmt.__index = rkmt
rkmt.__tostring = function(k)
  return (k.server == "rumpus" and "rumpus_server kernel " or "NetBSD rump_server kernel ") .. k.url ..
    (k.dead and " (destroyed)" or "")
end

local function hostS() return require "syscall" end

-- Stops the server: SIGTERM, wait (polling, at most 5 s), then SIGKILL and wait.
local function stop(pid)
  local H = hostS()
  H.kill(pid, "term")
  for _ = 1, 500 do
    local r = H.waitpid(pid, "nohang")
    if r == pid or r == nil then return true end
    H.nanosleep(0.01)
  end
  H.kill(pid, "kill")
  H.waitpid(pid, 0)
  return true
end
local function rmtree(dir)
  local H = hostS()
  for _, n in ipairs({ "sock", "log", "librumpclient.so", "lib/librumpuser.so.0", "lib/librump.so.0", "lib/librumpkern_sysproxy.so.0" }) do
    H.unlink(dir .. "/" .. n)
  end
  H.rmdir(dir .. "/lib")
  H.rmdir(dir)
end
local function readlog(dir)
  local f = io.open(dir .. "/log", "r")
  if not f then return "" end
  local sx = f:read("*a") or ""
  f:close()
  sx = sx:gsub("could not find strtab[^\n]*\n?", "")
  return sx:sub(-400)
end

function M.remote(opts, comps, level)
  level = level + 1
  if state ~= nil then
    error("rump.kernel: a remote NetBSD kernel cannot share a process with an in-process NetBSD" ..
      " kernel (its global librump shadows librumpclient's names)", level)
  end
  local prefix = M.prefix()
  local ok, why = M.available(prefix)
  if not ok then error("rump.kernel: " .. why, level) end
  local dir = prefix .. "/lib"
  -- server = "rumpus": our own rumpus_server (csrc/sysproxy/) serves a rumpus kernel to the
  -- same librumpclient; its components are given by our names.
  local ours = opts.server == "rumpus"
  local sname = ours and "rumpus_server" or "rump_server"
  local server = ours and ((os.getenv("RUMPUS_BUILD") or "build") .. "/bin/rumpus_server") or
    (prefix .. "/bin/rump_server")
  local head = readhead(server, 4)
  if head ~= "\127ELF" then error("rump.kernel: " .. server .. ": no " .. sname .. " program", level) end
  local links = {}
  for _, n in ipairs({ "librumpuser.so.0", "librump.so.0", "librumpkern_sysproxy.so.0" }) do
    local p, e = resolve(dir, n)
    if not p then error("rump.kernel: " .. e, level) end
    links[n] = p
  end
  local cl, ce = resolve(dir, "librumpclient.so.0")
  if not cl then error("rump.kernel: " .. ce, level) end
  local argv = { server, "-s" }
  for _, cn in ipairs(order(comps)) do
    if builtin[cn] then goto continue end
    if ours then
      argv[#argv + 1] = "-l"
      argv[#argv + 1] = cn
      goto continue
    end
    local p, e = resolve(dir, libname(cn))
    if not p then error("rump.kernel: component '" .. cn .. "': " .. e, level) end
    argv[#argv + 1] = "-l"
    argv[#argv + 1] = p
    ::continue::
  end
  if opts.cpus and opts.cpus > 0 then argv[#argv + 1] = "-c"; argv[#argv + 1] = tostring(opts.cpus) end
  if opts.memlimit and opts.memlimit > 0 then argv[#argv + 1] = "-r"; argv[#argv + 1] = ("%d"):format(opts.memlimit) end
  rdeclare()
  local H = hostS()
  -- A private directory: the socket, the server's output, links to its libraries by soname
  -- (a copy of the build may have lost them).
  local tmp = os.getenv("TMPDIR") or "/tmp"
  local wdir
  for i = 1, 100 do
    local d = ("%s/rumpus-nbsrv.%d.%d"):format(tmp, H.getpid(), i + math.floor(os.clock() * 1e6) % 100000)
    if H.mkdir(d, "0700") then wdir = d; break end
  end
  if not wdir then error("rump.kernel: cannot make a directory in " .. tmp, level) end
  assert(H.mkdir(wdir .. "/lib", "0700"))
  for n, p in pairs(links) do assert(H.symlink(p, wdir .. "/lib/" .. n)) end
  local sock = wdir .. "/sock"
  local url = "unix://" .. sock
  argv[#argv + 1] = url
  local env = { "LD_LIBRARY_PATH=" .. wdir .. "/lib", "PATH=/usr/bin:/bin" }
  local pid = H.fork()
  if pid == 0 then
    pcall(function()
      H.prctl("set_pdeathsig", 15)
      local log = H.open(wdir .. "/log", "creat, wronly, trunc", "0600")
      if log then H.dup2(log, 1); H.dup2(log, 2) end
      H.execve(server, argv, env)
    end)
    H.exit(127)
  end
  if not pid then rmtree(wdir); error("rump.kernel: fork: " .. tostring(ce), level) end
  -- Ready when its socket accepts a connection; polled every 10 ms, at most 20 s.
  local ready = false
  for _ = 1, 2000 do
    local r = H.waitpid(pid, "nohang")
    if r == pid then
      local msg = readlog(wdir)
      rmtree(wdir)
      error("rump.kernel: " .. sname .. " exited before serving: " .. msg, level)
    end
    local s = H.socket("unix", "stream")
    if s then
      local okc = H.connect(s, H.t.sockaddr_un(sock))
      s:close()
      if okc then ready = true; break end
    end
    H.nanosleep(0.01)
  end
  local function fail(msg)
    stop(pid)
    local log = readlog(wdir)
    rmtree(wdir)
    error("rump.kernel: " .. msg .. (log ~= "" and (" (server: " .. log .. ")") or ""), level + 1)
  end
  if not ready then fail(sname .. " did not serve " .. url .. " within 20 s") end
  -- This kernel's own copy of librumpclient.
  local copy = wdir .. "/librumpclient.so"
  do
    local fi = io.open(cl, "rb")
    local bytes = fi and fi:read("*a")
    if fi then fi:close() end
    local fo = bytes and io.open(copy, "wb")
    if not fo then fail("cannot copy " .. cl) end
    fo:write(bytes)
    fo:close()
  end
  local okl, client = pcall(ffi.load, copy)
  if not okl then fail("cannot load librumpclient (" .. tostring(client) .. ")") end
  -- Pinned (RTLD_NODELETE | RTLD_LAZY): never unmapped, even when Lua drops the namespace.
  ffi.C.rumpus_nbhost_dlopen(copy, 0x1001)
  clients[#clients + 1] = client
  nremote = nremote + 1
  ffi.C.rumpus_nbhost_setenv("RUMP_SERVER", url, 1)
  if client.rumpus_nbcl_init() ~= 0 then fail("rumpclient_init: errno " .. ffi.errno()) end
  -- Connected: nothing on disk is needed any more (the server has mapped its libraries, we our
  -- copy), so nothing stays behind even if this process ends without running finalizers.
  rmtree(wdir)
  local k = setmetatable({ dead = false, components = comps, loaded = order(comps), backend = "netbsd",
    remote = true, prefix = prefix, url = url, pid = pid, dir = wdir, owner = 0, S = false,
    server = ours and "rumpus" or "netbsd" }, rkmt)
  -- A kernel forgotten (or left at exit: lua_close runs finalizers) stops its server too.
  k.sentinel = ffi.gc(ffi.new("char[1]"), function() stop(pid); rmtree(wdir) end)
  local S = buildS(client, function() return k.owner end)
  k.shared = S
  k.S = viewS(k, S)
  -- A reboot ends the server (or, with "halt", parks its kernel): the kernel is halted.
  if S.reboot then
    local rb = S.reboot
    rawset(k.S, "reboot", function(...)
      if k.dead then error("syscall on a destroyed kernel", 2) end
      local r, e = rb(...)
      if r then k.rebooted = true end
      return r, e
    end)
  end
  k.owner = fdm.register(k.S)
  local okr, er = settle_root(k, opts, comps)
  if not okr then k:destroy(); error("rump.kernel: mounting tmpfs on /: " .. tostring(er), level) end
  if opts.hostname then
    local okh, e = k.S.sysctl("kern.hostname", opts.hostname)
    if not okh then k:destroy(); error("rump.kernel: setting the hostname: " .. tostring(e), level) end
  end
  return k
end

function rkmt:destroy()
  if self.dead then return true end
  self.dead = true
  fdm.unregister(self.owner)
  ffi.gc(self.sentinel, nil)
  if not self.exited then stop(self.pid) end
  rmtree(self.dir)
  return true
end
-- halted(): destroyed, or the server is gone (a reboot syscall ends rump_server).
function rkmt:halted()
  if self.dead or self.exited or self.rebooted then return true end
  local r = hostS().waitpid(self.pid, "nohang")
  if r == self.pid then self.exited = true end
  return self.exited == true
end
rkmt.has = kmt.has
rkmt.ncpu = kmt.ncpu
rkmt.memused = unsupported("memused")
rkmt.fault = unsupported("fault")
for _, name in ipairs({ "rfork", "newlwp", "switch", "release", "curlwp" }) do
  rkmt[name] = function() error(name .. ": not available on a remote kernel (librumpclient has no lwproc calls)", 2) end
end

return M
