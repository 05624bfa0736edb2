-- syscall.fd: descriptor objects, shared by every target.
--
-- A descriptor is a `struct rumpus_fd { int filenum; int owner; }` cdata.  `owner` names the
-- syscall table it belongs to (0 the host, others a kernel's), so one Lua state holds host and
-- kernel descriptors side by side and each method goes to the right place.
--
-- Invariants:
--   * filenum >= 0 while the descriptor is open through this object; close() sets it to -1
--     before returning, so the finalizer never closes the number again (it may by then name
--     another file).
--   * the finalizer closes only open descriptors whose owner is still alive.
--   * fd:nogc() detaches the finalizer: the number then belongs to the caller.

local ffi = require "syscall.ffi"
-- One instance per Lua state, even when package.loaded is reset (busted's insulation): the
-- metatype of struct rumpus_fd is bound once for the state, and it must keep finding this
-- instance's owner table, where every kernel registers.
local registry = debug and debug.getregistry and debug.getregistry()
if registry and registry["syscall.fd"] then return registry["syscall.fd"] end
local type, tostring, error, setmetatable, rawget = type, tostring, error, setmetatable, rawget
-- rawtype: Lua's own type(), cheap everywhere, enough to tell numbers, strings and tables;
-- type: "cdata" for cdata on PUC Lua too (a call into the ffi module there).
local rawtype = type
local type, tonumber = ffi.type or type, ffi.tonumber or tonumber -- PUC Lua: cdata are userdata
local istype = ffi.istype

local M = {}

ffi.cdef "struct rumpus_fd { int filenum; int owner; };"

-- owner id -> syscall table; kernels unregister when they are destroyed, by hand or by their
-- finalizer (before the kernel is freed: at lua_close finalizers run in any order and weak
-- values are not cleared first, so a descriptor's finalizer must not find a freed kernel
-- here).  Weak values: a forgotten kernel's table does not keep it alive.
local owners = setmetatable({}, { __mode = "v" })
local nextid = 1
M.owners = owners

function M.register(S, id)
  if not id then id = nextid; nextid = nextid + 1 end
  owners[id] = S
  return id
end
function M.unregister(id) owners[id] = nil end

-- Method names that are another name of a syscall taking the descriptor first.
local aliases = {
  stat = "fstat", chmod = "fchmod", chown = "fchown", truncate = "ftruncate", sync = "fsync",
  datasync = "fdatasync", statfs = "fstatfs", chdir = "fchdir", seek = "lseek",
  utimens = "futimens", advise = "fadvise", allocate = "fallocate", setns = "setns",
}
M.aliases = aliases

-- PUC Lua: reading a cdata field or asking ffi.istype is a call into the ffi module, several
-- times the cost of a table lookup.  So descriptors made here are remembered (weak keys) with
-- their owner, which never changes: getfd and the method lookup ask this table first and the
-- ffi module only for descriptors made elsewhere.  LuaJIT compiles both checks to a few
-- instructions and keeps no such table.
local known = not rawget(_G, "jit") and setmetatable({}, { __mode = "k" }) or nil
M.known = known

-- A descriptor whose kernel was destroyed (by hand or by the GC) is inert: destroying the
-- kernel closed it, so close() does nothing and returns true; getfd and nogc still answer;
-- any other method is an error.
local function deadclose(fd) fd.filenum = -1; return true end
local fdtype
local mt = {}
mt.__index = function(fd, k)
  local o = known and known[fd]
  if o == nil then o = fd.owner end
  local S = owners[o]
  if not S then
    if k == "close" then return deadclose end
    local m = M.methods[k]
    if m then return m end
    error("descriptor of a destroyed kernel", 2)
  end
  local m = S.fdmethods[k]
  if m then return m end
  local f = S[aliases[k] or k]
  if rawtype(f) == "function" then return f end
  return nil
end
mt.__gc = function(fd)
  local n = fd.filenum
  if n >= 0 then
    local S = owners[fd.owner]
    fd.filenum = -1
    if S then S.C.close(n) end
  end
end
mt.__tostring = function(fd) return "fd " .. tostring(fd.filenum) end
-- Comparison with a number compares the descriptor number; with anything that is not a
-- descriptor (nil, a string...) it is false, never an error.
mt.__eq = function(a, b)
  if type(a) == "number" then return ffi.istype(fdtype, b) and a == b.filenum end
  if type(b) == "number" then return ffi.istype(fdtype, a) and a.filenum == b end
  -- LuaJIT also calls __eq for fd == nil (or any other value): only descriptors are equal.
  if not (ffi.istype(fdtype, a) and ffi.istype(fdtype, b)) then return false end
  return a.filenum == b.filenum and a.owner == b.owner
end
fdtype = ffi.metatype("struct rumpus_fd", mt)
M.type = fdtype

-- Methods every target shares (the table is copied into each S.fdmethods).
M.methods = {
  getfd = function(fd) return fd.filenum end,
  nogc = function(fd) ffi.gc(fd, nil); return fd end,
}

if known then
  function M.new(owner, n)
    local fd = fdtype(n, owner)
    known[fd] = owner
    return fd
  end
  function M.istype(v) return known[v] ~= nil or istype(fdtype, v) end
else
  function M.new(owner, n) return fdtype(n, owner) end
  function M.istype(v) return (istype(fdtype, v)) end  -- (no tail call: see syscalls.lua)
end

-- A descriptor number must be a C int: 1.5 would become 1, NaN 0, 2^32 0 on the way.
local function badnum(v, fname, argn)
  error("bad argument #" .. (argn or 1) .. " to '" .. (fname or "?") .. "' (descriptor " .. tostring(v) ..
    " out of range)", 4)
end
local function isint(n) return n == n and n % 1 == 0 and n >= -2147483648 and n <= 2147483647 end

-- The number of a descriptor argument: an fd object, a number, or a name ("stdin").
local std = { stdin = 0, stdout = 1, stderr = 2, STDIN = 0, STDOUT = 1, STDERR = 2 }
function M.getfd(v, fname, argn)
  if known and known[v] ~= nil then return v.filenum end
  local tv = rawtype(v)
  if tv == "number" then
    if not isint(v) then badnum(v, fname, argn) end
    return v
  end
  if tv == "userdata" then tv = type(v) end
  if tv == "cdata" then
    if istype(fdtype, v) then return v.filenum end
    local n = tonumber(v)
    if n ~= nil and not isint(n) then badnum(v, fname, argn) end
    return n
  end
  if tv == "string" and std[v] then return std[v] end
  if tv == "nil" and not fname then return nil end
  error("bad argument #" .. (argn or 1) .. " to '" .. (fname or "?") ..
    "' (descriptor expected, got " .. tv .. ")", 3)
end

-- The getfd of one owner's syscall table: as M.getfd, but a descriptor object of another
-- owner (a kernel's descriptor given to the host, the host's or another kernel's given to a
-- kernel) is an error: its number means nothing here, and acting on it would reach whatever
-- this owner has open under that number.  owner is an id, or a function answering the
-- current one (the kernels share their wrappers).
function M.getfd_of(owner)
  local dynamic = type(owner) == "function"
  return function(v, fname, argn)
    local tv = type(v)
    if tv == "number" then
      if not isint(v) then badnum(v, fname, argn) end
      return v
    end
    if tv == "cdata" then
      if ffi.istype(fdtype, v) then
        local o = v.owner
        if o ~= (dynamic and owner() or owner) then
          error("bad argument #" .. (argn or 1) .. " to '" .. (fname or "?") .. "' (descriptor of " ..
            (o == 0 and "the host" or "another kernel") .. ")", 3)
        end
        return v.filenum
      end
      local n = tonumber(v)
      if n == nil then
        error("bad argument #" .. (argn or 1) .. " to '" .. (fname or "?") .. "' (descriptor expected, got " ..
          tostring(ffi.typeof(v)) .. ")", 3)
      end
      if not isint(n) then badnum(v, fname, argn) end
      return n
    end
    if tv == "string" and std[v] then return std[v] end
    if tv == "nil" and not fname then return nil end
    error("bad argument #" .. (argn or 1) .. " to '" .. (fname or "?") ..
      "' (descriptor expected, got " .. tv .. ")", 3)
  end
end

if registry then registry["syscall.fd"] = M end
return M
