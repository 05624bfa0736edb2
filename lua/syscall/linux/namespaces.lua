-- syscall.linux.namespaces: namespaces and mounts.
--
--   S.unshare("newns, newuts")           S.setns(fd_or_path, "newnet")
--   S.clone(flags, signal) -> pid, 0 in the child (the raw clone syscall, fork-like)
--   S.mount(source, target, fstype, flags, data) or S.mount{source=, target=, type=, flags=, data=}
--   S.umount(target, flags) (umount2; S.umount2 is the same)     S.pivot_root(new, putold)
--
-- S.clone runs the raw syscall with no new stack: the child continues on a copy of the
-- caller's stack, exactly as after fork().  Flags that would make parent and child share memory
-- or the stack (CLONE_VM, CLONE_SETTLS) are refused: two Lua VMs on one stack cannot work.

local ffi = require "syscall.ffi"
local h = require "syscall.helpers"
local abi = require "syscall.abi"
local fdm = require "syscall.fd"
local bit = require "syscall.bit"

local type, tonumber, error = type, tonumber, error
local type, tonumber = ffi.type or type, ffi.tonumber or tonumber -- PUC Lua: cdata are userdata

local M = {}

local SYS_clone = abi.arch == "arm64" and 220 or 56
local SYS_pivot_root = abi.arch == "arm64" and 41 or 155

-- Short namespace names for setns: "net" as well as "newnet" / "CLONE_NEWNET".
local nsnames = { net = "NEWNET", uts = "NEWUTS", ipc = "NEWIPC", mnt = "NEWNS", ns = "NEWNS", pid = "NEWPID",
  user = "NEWUSER", cgroup = "NEWCGROUP", time = "NEWTIME" }

function M.init(S, env)
  local C, c = env.C, env.c
  local retbool, fail = S.retbool, S.fail
  local flag, argerror = h.flag, h.argerror
  local getfd = env.getfd or fdm.getfd
  local long = ffi.typeof("long")

  local function str(v, fname, argn)
    if type(v) ~= "string" then argerror(fname, argn, "string", v) end
    return v
  end
  local function optstr(v, fname, argn)
    if v ~= nil and type(v) ~= "string" then argerror(fname, argn, "string or nil", v) end
    return v
  end

  function S.unshare(flags) return retbool(C.unshare(flag(c.CLONE, flags, "unshare", 1))) end

  -- setns(fd, nstype): fd is a descriptor of /proc/PID/ns/X (or a pidfd), or a path to open;
  -- nstype 0 (any), or the CLONE_NEW* name the namespace must have ("newnet" or "net").
  if C.setns then
    function S.setns(fd, nstype)
      local ns = nstype
      if type(ns) == "string" and nsnames[ns:lower()] then ns = nsnames[ns:lower()] end
      ns = flag(c.CLONE, ns, "setns", 2)
      if type(fd) == "string" then
        local f, e = S.open(fd, "rdonly, cloexec")
        if not f then return nil, e end
        local r = C.setns(f:getfd(), ns)
        local saved = ffi.errno()
        f:close()
        if r == -1 then ffi.errno(saved); return fail() end
        return true
      end
      return retbool(C.setns(getfd(fd, "setns", 1), ns))
    end
  end

  -- clone(flags, signal): signal is what the parent receives when the child ends: none by
  -- default, as in ljsyscall, so the parent waits with waitpid(pid, "clone"); give "chld" to
  -- wait as for fork.  Returns the child's pid, 0 in the child.
  local refused = c.CLONE.VM + c.CLONE.SETTLS
  function S.clone(flags, signal, stack, ptid, tls, ctid)
    local fl = flag(c.CLONE, flags, "clone", 1)
    if bit.band64(fl, refused) ~= 0 then
      error("bad argument #1 to 'clone' (CLONE_VM and CLONE_SETTLS would share the Lua VM's memory or stack with the child)", 2)
    end
    if stack ~= nil and stack ~= 0 then
      error("bad argument #3 to 'clone' (a new stack cannot be used: the child returns through the caller's Lua frames)", 2)
    end
    local sig = flag(c.SIG, signal or 0, "clone", 2)
    local f = ffi.cast(long, bit.bor64(fl, sig))
    if ptid ~= nil and type(ptid) ~= "cdata" then argerror("clone", 4, "pointer", ptid) end
    if ctid ~= nil and type(ctid) ~= "cdata" then argerror("clone", 6, "pointer", ctid) end
    local p = ffi.cast("void *", ptid)
    local ct = ffi.cast("void *", ctid)
    local tl = ffi.cast(long, tls or 0)
    local r
    if abi.arch == "arm64" then r = C.syscall(SYS_clone, f, ffi.cast(long, 0), p, tl, ct)
    else r = C.syscall(SYS_clone, f, ffi.cast(long, 0), p, ct, tl) end
    r = tonumber(r)
    if r == -1 then return fail() end
    return r
  end

  -- Mounts -----------------------------------------------------------------------------------

  function S.mount(source, target, fstype, flags, data)
    if type(source) == "table" then
      local m = source
      source, target, fstype, flags, data = m.source, m.target or m.dir, m.type or m.fstype, m.flags, m.data
    end
    optstr(source, "mount", 1)
    str(target, "mount", 2)
    optstr(fstype, "mount", 3)
    if data ~= nil and type(data) ~= "string" and type(data) ~= "cdata" then argerror("mount", 5, "string", data) end
    return retbool(C.mount(source or "none", target, fstype, flag(c.MS, flags, "mount", 4), data))
  end
  function S.umount(target, flags)
    return retbool(C.umount2(str(target, "umount", 1), flag(c.UMOUNT, flags, "umount", 2)))
  end
  function S.umount2(target, flags)
    return retbool(C.umount2(str(target, "umount2", 1), flag(c.UMOUNT, flags, "umount2", 2)))
  end
  S.unmount = S.umount -- the BSD name, as ljsyscall also gives it

  -- glibc has no pivot_root wrapper: the raw syscall.
  function S.pivot_root(new, old)
    local r = C.syscall(SYS_pivot_root, str(new, "pivot_root", 1), str(old, "pivot_root", 2))
    if tonumber(r) == -1 then return fail() end
    return true
  end

  return S
end

return M
