-- syscall.ctypes: the types derived from a ctype (pointer to it, arrays of it) without ffi.typeof's
-- "$" templates.  busted on LuaJIT replaces ffi.typeof by a cache keyed by its first argument,
-- so ffi.typeof("$ *", a) then ffi.typeof("$ *", b) would both give a's pointer type; here
-- every type is built from its C name, a distinct string per type.  A type without a name
-- that gives it back (an anonymous struct, a function pointer) gets a private typedef.
--   local ct = require "syscall.ctypes"
--   ct.ptr(t.stat)   --> struct stat *       ct.vla(t.iovec) --> struct iovec [?]
--   ct.array(t.int, 2) --> int [2]
local ffi = require "syscall.ffi"

local M = {}
local named = setmetatable({}, { __mode = "k" })   -- ctype -> C name that gives it back
local seq = 0

local function name(ct)
  local n = named[ct]
  if n then return n end
  n = tostring(ct):match("^ctype<(.+)>$")
  local ok, back = pcall(ffi.typeof, n or "?")
  if not (n and ok and back == ct) then
    seq = seq + 1
    n = "rumpus_ctype_" .. seq
    ffi.cdef("typedef $ " .. n .. ";", ct)
  end
  named[ct] = n
  return n
end
M.name = name

local function derive(ct, suffix)
  local n = name(ct)
  local ok, d = pcall(ffi.typeof, n .. suffix)
  if ok then return d end
  -- "char [16] *" is not C: go through a typedef of the element type
  seq = seq + 1
  local alias = "rumpus_ctype_" .. seq
  ffi.cdef("typedef $ " .. alias .. ";", ct)
  named[ct] = alias
  return ffi.typeof(alias .. suffix)
end

function M.ptr(ct) return derive(ct, " *") end
function M.vla(ct) return derive(ct, "[?]") end
function M.array(ct, n) return derive(ct, "[" .. math.floor(n) .. "]") end

return M
