-- syscall.bit: bit operations on 32-bit values, the same on LuaJIT (its bit library) and on
-- Lua 5.3/5.4 (native integer operators).  Results are signed 32-bit numbers, as LuaJIT's.
-- band64/bor64 work on full 64-bit values (flags words, masks).

local bit = rawget(_G, "bit")
if bit then
  local M = {}
  for k, v in pairs(bit) do M[k] = v end
  local ffi = require "syscall.ffi"
  local u64 = ffi.typeof("uint64_t")
  function M.bor64(a, b, ...)
    local r = bit.bor(u64(a), u64(b))
    for i = 1, select("#", ...) do r = bit.bor(r, u64((select(i, ...)))) end
    return tonumber(r)
  end
  function M.band64(a, b, ...)
    local r = bit.band(u64(a), u64(b))
    for i = 1, select("#", ...) do r = bit.band(r, u64((select(i, ...)))) end
    return tonumber(r)
  end
  function M.bnot64(a) return bit.bnot(u64(a)) end
  local i64 = ffi.typeof("int64_t")
  function M.lshift64(a, n) return tonumber(bit.lshift(u64(a), n)) end
  function M.rshift64(a, n) return tonumber(bit.rshift(u64(a), n)) end
  -- i6432(x): the high and low 32-bit halves of a 64-bit value, signed (as ljsyscall's);
  -- u6432(x) the same, unsigned.
  function M.i6432(x)
    local v = i64(x)
    return tonumber(bit.arshift(v, 32)), bit.tobit(tonumber(bit.band(v, 0xffffffff)))
  end
  function M.u6432(x)
    local v = i64(x)
    return tonumber(bit.rshift(v, 32)), tonumber(bit.band(v, 0xffffffff))
  end
  return M
end

-- PUC Lua 5.3+: compile the operators at load time so this file still parses on Lua 5.1.
local M = assert(load([[
  local function tobit(x) x = x & 0xffffffff; if x >= 0x80000000 then x = x - 0x100000000 end return x end
  local ffi = ...
  local function toint(x)
    if type(x) ~= "number" then x = ffi.tonumber(x) end  -- an int64_t cdata: its value
    if math.type(x) == "float" then x = math.tointeger(x) or error("bit: number has no integer representation") end
    return x
  end
  local M = {}
  M.tobit = function(x) return tobit(toint(x)) end
  M.band = function(a, ...) a = toint(a) for i = 1, select("#", ...) do a = a & toint((select(i, ...))) end return tobit(a) end
  M.bor = function(a, ...) a = toint(a) for i = 1, select("#", ...) do a = a | toint((select(i, ...))) end return tobit(a) end
  M.bxor = function(a, ...) a = toint(a) for i = 1, select("#", ...) do a = a ~ toint((select(i, ...))) end return tobit(a) end
  M.bnot = function(a) return tobit(~toint(a)) end
  M.lshift = function(a, n) return tobit(toint(a) << (n & 31)) end
  M.rshift = function(a, n) return tobit((toint(a) & 0xffffffff) >> (n & 31)) end
  M.arshift = function(a, n) a = tobit(toint(a)); n = n & 31; if a < 0 then return tobit((a >> n) | ~(0xffffffff >> n)) end return a >> n end
  M.rol = function(a, n) a = toint(a) & 0xffffffff; n = n & 31; return tobit((a << n) | (a >> (32 - n))) end
  M.ror = function(a, n) a = toint(a) & 0xffffffff; n = n & 31; return tobit((a >> n) | (a << (32 - n))) end
  M.bswap = function(a) a = toint(a) & 0xffffffff
    return tobit(((a & 0xff) << 24) | ((a & 0xff00) << 8) | ((a >> 8) & 0xff00) | (a >> 24)) end
  M.tohex = function(a, n) n = n or 8; a = toint(a); if n < 0 then return (string.format("%0" .. -n .. "X", a & ((1 << (-4 * n)) - 1))) end
    return (string.format("%0" .. n .. "x", a & ((1 << (4 * n)) - 1))) end
  M.bor64 = function(a, ...) a = toint(a) for i = 1, select("#", ...) do a = a | toint((select(i, ...))) end return a end
  M.band64 = function(a, ...) a = toint(a) for i = 1, select("#", ...) do a = a & toint((select(i, ...))) end return a end
  M.bnot64 = function(a) return ~toint(a) end
  M.lshift64 = function(a, n) return toint(a) << n end
  M.rshift64 = function(a, n) return toint(a) >> n end  -- logical, as ljsyscall's
  M.i6432 = function(x) x = toint(x); return tobit(x >> 32), tobit(x) end
  M.u6432 = function(x) x = toint(x); return (x >> 32) & 0xffffffff, x & 0xffffffff end
  return M
]], "=syscall.bit"))(require "syscall.ffi")
return M

