-- syscall.helpers: small pieces shared by every target (host Linux, NetBSD kernels).
--
-- Constant tables.  Each family of constants (c.O, c.AF, c.E...) is a plain table of
-- UPPER-CASE names to numbers with a metatable that also accepts:
--   * a number: returned as it is (c.O[2] == 2);
--   * nil or false: 0, so optional flag arguments can be passed straight through;
--   * a name in any case, with or without the family prefix: c.AF.inet, c.AF.AF_INET;
--   * for flag families, a list: "creat, rdwr" or "CREAT|RDWR" is the OR of the members.
-- A single unknown name gives nil (so `if c.O.PATH then` tests for a feature); a list with an
-- unknown member raises an error naming it.  Syscall wrappers use helpers.flag(), which turns
-- every unknown name into a clear error naming the function and the argument.

local ffi = require "syscall.ffi"
local bit = require "syscall.bit"
local fdm = require "syscall.fd"

local type, tonumber, tostring, pairs, error, setmetatable, getmetatable, rawget, rawset, select =
      type, tonumber, tostring, pairs, error, setmetatable, getmetatable, rawget, rawset, select
-- rawtype is Lua's own type() (cheap; enough for strings and numbers); type says "cdata" for
-- cdata on PUC Lua too, at the cost of a call into the ffi module there.
local rawtype = type
local type, tonumber = ffi.type or type, ffi.tonumber or tonumber -- PUC Lua: cdata are userdata
local string = string

local h = {}

local names = setmetatable({}, { __mode = "k" })  -- constant table -> "O", "AF"...
local prefixes = setmetatable({}, { __mode = "k" })

local function lookup(tab, s)
  local v = rawget(tab, s)
  if v ~= nil then return v end
  local u = s:upper()
  v = rawget(tab, u)
  if v ~= nil then return v end
  local p = prefixes[tab]
  if p and u:sub(1, #p) == p then return rawget(tab, u:sub(#p + 1)) end
  return nil
end

local function bor(a, b)
  if a < 0x80000000 and b < 0x80000000 and a >= 0 and b >= 0 then return bit.bor(a, b) end
  return bit.bor64(a, b)
end
h.bor = bor

-- Each table's metatable has a cache table as its __index (as ljsyscall's: a name looked up
-- once is then a plain field of the cache), whose own __index computes a value and remembers
-- it for strings.  Nothing is stored in the constant table itself: pairs() sees only names.
local listcache = setmetatable({}, { __mode = "k" })

local function blank(k) return k == "" or not k:find("%S") end

-- One member of a list: a name, or for mode tables an octal number ("0644").
-- For swap tables (c.SWAP_FLAG) a number is a priority: PREFER | priority (as ljsyscall's).
local function member(tab, part, octal)
  if octal == "swap" and part:match("^%d+$") then
    return bor(rawget(tab, "PREFER"), bit.band(tonumber(part), rawget(tab, "PRIO_MASK")))
  end
  if octal and part:match("^0[0-7]*$") then return tonumber(part, 8) end
  return lookup(tab, part)
end

local flagstring
local function flagvalue(tab, k, single, octal)
  if k == nil or k == false then return 0 end
  local tk = rawtype(k)
  if tk == "number" then return k end
  if tk ~= "string" then
    if type(k) == "cdata" then return (tonumber(k)) end
    return nil
  end
  local v = flagstring(tab, k, single, octal)
  return v
end
-- A name or list, parsed once (then cached): never compiled by LuaJIT (see h.flag).
function flagstring(tab, k, single, octal)
  if blank(k) then return 0 end  -- "" is no flag, as in ljsyscall (recv(fd, buf, n, ""))
  if single or not k:find("[,|]") then
    local part = k:gsub("^%s+", ""):gsub("%s+$", "")
    if octal == true and part:match("^[0-7]+$") then return tonumber(part, 8) end
    return member(tab, part, octal)
  end
  local val = 0
  for part in k:gmatch("[^,|]+") do
    part = part:gsub("^%s+", ""):gsub("%s+$", "")
    if part ~= "" then
      local v = member(tab, part, octal)
      if v == nil then error("unknown flag '" .. part .. "' in c." .. tostring(names[tab] or "?"), 5) end
      val = bor(val, v)
    end
  end
  return val
end

local function band(a, b)
  if a < 0x80000000 and b < 0x80000000 and a >= 0 and b >= 0 then return bit.band(a, b) end
  return tonumber(bit.band64(a, b))
end

-- The metatable of a constant table: __index is the cache, __call the function form.
local function constmeta(tab, name, prefix, single, octal, call)
  names[tab], prefixes[tab] = name, prefix or (name and (name .. "_"))
  local cache = setmetatable({}, { __index = function(cache, k)
    local v = flagvalue(tab, k, single, octal)
    if v ~= nil and rawtype(k) == "string" then rawset(cache, k, v) end
    return v
  end })
  listcache[tab] = cache
  return setmetatable(tab, { __index = cache, __call = call or function(t, k) return t[k] end })
end

-- A table of single-choice constants (c.AF, c.SOCK types, c.SEEK...).
function h.strflag(tab, name, prefix)
  return constmeta(tab, name, prefix, true, false)
end

-- The function form of a flag table, as ljsyscall's: c.O("creat", "excl", "rdwr") is the OR
-- of all its arguments, and a member written "~name" clears that flag again
-- (c.O("creat, excl", "~creat") == c.O.EXCL; c.IFF(old, "~up")).
local function multicall(t, x, ...)
  local a = t[x]
  if a == nil then error("unknown flag '" .. tostring(x) .. "' in c." .. tostring(names[t] or "?"), 2) end
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    if rawtype(v) == "string" and v:find("~", 1, true) then
      for part in v:gmatch("[^,|]+") do
        part = part:gsub("^%s+", ""):gsub("%s+$", "")
        local neg = part:sub(1, 1) == "~"
        if neg then part = part:sub(2):gsub("^%s+", "") end
        local val = part ~= "" and lookup(t, part)
        if not val then error("unknown flag '" .. part .. "' in c." .. tostring(names[t] or "?"), 2) end
        if neg then
          a = a - band(a, val)
        else
          a = bor(a, val)
        end
      end
    else
      local val = t[v]
      if val == nil then error("unknown flag '" .. tostring(v) .. "' in c." .. tostring(names[t] or "?"), 2) end
      a = bor(a, val)
    end
  end
  return a
end

-- A table of flags that combine with OR (c.O, c.MSG, c.EPOLL...).
function h.multiflags(tab, name, prefix)
  return constmeta(tab, name, prefix, false, false, multicall)
end

-- c.MODE: a number, an octal string ("0755", "644"), or S_I* names ("IRUSR, IWUSR" / "rusr,wusr"),
-- also mixed ("fchr, 0666", as ljsyscall's modeflags).
function h.modeflags(tab, name)
  return constmeta(tab, name or "MODE", "S_", false, true)
end

-- c.SWAP_FLAG: flags, and a number in the string is a priority ("prefer, 23" or "23").
function h.swapflags(tab, name, prefix)
  return constmeta(tab, name, prefix, false, "swap", multicall)
end

-- c.AT_FDCWD: nil gives AT_FDCWD itself, a descriptor object its number (as ljsyscall's).
function h.atflag(tab, name, prefix)
  local t = constmeta(tab, name, prefix, true, false)
  local cache = listcache[t]
  local compute = getmetatable(cache).__index
  getmetatable(cache).__index = function(cch, k)
    if k == nil or k == false then return rawget(tab, "FDCWD") end
    if rawtype(k) ~= "string" and rawtype(k) ~= "number" and fdm.istype(k) then return k.filenum end
    return compute(cch, k)
  end
  return t
end

function h.constname(tab) return names[tab] end

-- Turns a flags argument into a number or raises a clear error.
--   flag(c.O, "creat,rdwr", "open", 2)
-- A name or list seen before is answered from the cache of its table without the metamethod.
-- The first lookup of a name (string matching, an error) is a function of its own that
-- LuaJIT never compiles: a trace that meets it aborts and is tried again later, instead of
-- compiling the wrapper around a cold path (string.find would stitch the trace).
local function flagname(tab, v, fname, argn)
  local r = tab[v]
  if r == nil then
    error("bad argument #" .. argn .. " to '" .. fname .. "' (unknown " .. tostring(names[tab] or "constant")
      .. " '" .. v .. "')", 4)
  end
  return r
end
if rawget(_G, "jit") then jit.off(flagname); jit.off(flagstring) end
function h.flag(tab, v, fname, argn)
  local cache = listcache[tab]
  if cache and v ~= nil then
    local r = rawget(cache, v)
    if r ~= nil then return r end
  end
  if rawtype(v) == "string" then
    local r = flagname(tab, v, fname, argn)
    return r
  end
  local r = tab[v]
  if r == nil then
    error("bad argument #" .. argn .. " to '" .. fname .. "' (unknown " .. tostring(names[tab] or "constant")
      .. " " .. (type(v) == "string" and ("'" .. v .. "'") or type(v)) .. ")", 3)
  end
  -- A number given as it is must be one the C argument (an int or unsigned int) can hold:
  -- 2^40 would become 0 and 1.5 would become 1 on the way.
  if rawtype(v) ~= "string" and (r ~= r or r % 1 ~= 0 or r < -2147483648 or r >= 4294967296) then
    error("bad argument #" .. argn .. " to '" .. fname .. "' (" .. tostring(names[tab] or "flag")
      .. " value " .. tostring(v) .. " out of range)", 3)
  end
  return r
end

-- Octal helper: octal("0755") == 493.
function h.octal(s) return tonumber(s, 8) end

-- Argument checks for programming mistakes: a clear error naming function and argument.
function h.argerror(fname, argn, expected, v)
  error("bad argument #" .. argn .. " to '" .. fname .. "' (" .. expected .. " expected, got " .. h.describe(v) .. ")", 3)
end

-- The kind of a cdata value from its C type: "pointer", "array", "struct" (or union),
-- "func" (a function pointer), "ref" or "scalar".  Remembered per type name.
local kinds = {}
local function kindof(name)
  local k = kinds[name]
  if k then return k end
  local body = name:match("^ctype<(.*)>$") or name
  if body:find("%)%s*$") then k = "func"
  elseif body:find("%*%s*$") then k = "pointer"
  elseif body:find("&%s*$") then k = "ref"
  elseif body:find("%]%s*$") then k = "array"
  elseif body:find("^struct ") or body:find("^union ") then k = "struct"
  else k = "scalar" end
  kinds[name] = k
  return k
end
if rawget(_G, "jit") then
  -- LuaJIT: remembered per ctype id (tonumber of a ctype), which the JIT compiles to a
  -- load; tostring of a ctype is not compiled and would stitch the trace of every caller.
  local byid = {}
  function h.ckind(v)
    local id = tonumber(ffi.typeof(v))
    local k = byid[id]
    if k then return k end
    k = kindof(tostring(ffi.typeof(v)))
    byid[id] = k
    return k
  end
else
  function h.ckind(v) return kindof(tostring(ffi.typeof(v))) end
end
local ckind = h.ckind
-- A NULL pointer (PUC Lua: an explicit cast to NULL is not == nil).
local intptr = ffi.typeof("intptr_t")
function h.isnull(p)
  return p == nil or (ckind(p) == "pointer" and tonumber(ffi.cast(intptr, p)) == 0)
end
local isnull = h.isnull

local function describe(v)
  if type(v) == "cdata" then return (tostring(ffi.typeof(v)):gsub("^ctype<", "cdata<")) end
  return type(v)
end
h.describe = describe

-- An integer argument in [lo, hi]: a Lua number with no fraction (not NaN), or an integer
-- cdata (int64_t...).  Returned as given (a cdata keeps its 64 bits).
local function checkint(v, fname, argn, lo, hi)
  local n = v
  if rawtype(v) ~= "number" then
    if type(v) == "cdata" and ckind(v) == "scalar" then n = tonumber(v) end
    if rawtype(n) ~= "number" then
      error("bad argument #" .. argn .. " to '" .. fname .. "' (integer expected, got " .. describe(v) .. ")", 3)
    end
  end
  if n ~= n or n % 1 ~= 0 or n < lo or n > hi then
    error("bad argument #" .. argn .. " to '" .. fname .. "' (" .. tostring(v) .. " out of range)", 3)
  end
  return v
end
h.checkint = checkint
local INT_MIN, INT_MAX = -2147483648, 2147483647
-- An int (C's int: descriptors, pids, options).
function h.int(v, fname, argn)
  if rawtype(v) == "number" and v % 1 == 0 and v >= INT_MIN and v <= INT_MAX then return v end
  return checkint(v, fname, argn, INT_MIN, INT_MAX)
end
-- An optional int: def when nil.
function h.optint(v, fname, argn, def)
  if v == nil then return def end
  if rawtype(v) == "number" and v % 1 == 0 and v >= INT_MIN and v <= INT_MAX then return v end
  return checkint(v, fname, argn, INT_MIN, INT_MAX)
end
-- An unsigned int (uid, gid, an event count); -1 is allowed (uid -1: "no change").
function h.uint(v, fname, argn)
  return checkint(v, fname, argn, -1, 4294967295)
end
-- A 64-bit offset or length (off_t, size_t): def when nil.
function h.off(v, fname, argn, def)
  if v == nil then return def end
  if rawtype(v) == "number" and v % 1 == 0 and v >= -9223372036854775808 and v < 9223372036854775808 then return v end
  return checkint(v, fname, argn, -9223372036854775808, 9223372036854775807)
end

-- A cdata that n bytes may be copied from: an array or a structure of at least n bytes (a
-- pointer or an integer would be read wherever it points).
function h.copyable(v, n)
  if type(v) ~= "cdata" or fdm.istype(v) then return false end
  local k = ckind(v)
  if k ~= "array" and k ~= "struct" and k ~= "ref" then return false end
  local size = ffi.sizeof(v)
  return size ~= nil and size >= n
end
local copyable = h.copyable

-- A path: a string without NUL bytes.  C would see only the part before the first NUL, so
-- "/d/a\0junk" would name /d/a: a programming mistake, refused with an error naming the
-- argument (docs/ljsyscall-compat.md).
function h.checkpath(v, fname, argn)
  if rawtype(v) ~= "string" then
    error("bad argument #" .. argn .. " to '" .. fname .. "' (string expected, got " .. describe(v) .. ")", 3)
  end
  if v:find("\0", 1, true) then
    error("bad argument #" .. argn .. " to '" .. fname .. "' (path contains a NUL byte)", 3)
  end
  return v
end

-- A structure the caller gives for the kernel to fill (or read): nil gives a new ct, a ct or
-- a non-NULL pointer to one is taken as it is; anything else is an error naming the argument
-- (it would be written past its end, or through a stray address).
local ptrtypes = setmetatable({}, { __mode = "k" })
function h.outstruct(ct, v, fname, argn)
  if v == nil then return ct() end
  if type(v) == "cdata" and not isnull(v) then
    if ffi.istype(ct, v) then return v end
    local pct = ptrtypes[ct]
    if not pct then pct = require("syscall.ctypes").ptr(ct); ptrtypes[ct] = pct end
    if ffi.istype(pct, v) and v ~= nil then return v end
  end
  error("bad argument #" .. argn .. " to '" .. fname .. "' (" .. tostring(ct):gsub("^ctype<(.*)>$", "%1") ..
    " expected, got " .. describe(v) .. ")", 3)
end

function h.checkstring(v, fname, argn)
  if rawtype(v) ~= "string" then
    error("bad argument #" .. argn .. " to '" .. fname .. "' (string expected, got " .. type(v) .. ")", 3)
  end
  return v
end

-- An integer argument (a number with no fraction, an integer cdata, or a string holding
-- one) within 64 bits.
function h.checknumber(v, fname, argn)
  local tv = rawtype(v)
  if tv == "number" and v % 1 == 0 and v >= -9223372036854775808 and v < 18446744073709551616 then return v end
  if tv == "string" and tonumber(v) then v = tonumber(v) end
  return h.checkint(v, fname, argn, -9223372036854775808, 18446744073709551615)
end

-- String or buffer (cdata pointer/array) for data arguments.
-- A cdata buffer is an array, a struct or a non-NULL pointer: an integer cdata (int64_t 5)
-- would be taken for an address.
function h.checkbuf(v, fname, argn)
  local tv = rawtype(v)
  if tv == "string" then return v end
  if type(v) == "cdata" then
    local k = ckind(v)
    if (k == "array" or k == "struct" or k == "pointer") and not isnull(v) and not fdm.istype(v) then return v end
  end
  error("bad argument #" .. argn .. " to '" .. fname .. "' (string or buffer expected, got " .. describe(v) .. ")", 3)
end

function h.booltoc(v) if v then return 1 end return 0 end

-- ntohs/htons etc. on little-endian hosts.
local le = ffi.abi("le")
function h.htons(v) if le then return bit.band(bit.bor(bit.lshift(v, 8), bit.rshift(v, 8)), 0xffff) end return v end
h.ntohs = h.htons
function h.htonl(v)
  if le then v = bit.bswap(v) end
  if v < 0 then v = v + 4294967296 end
  return v
end
h.ntohl = h.htonl

-- Splits "a, b" into a list.
function h.split(delimiter, text)
  local list = {}
  for part in (text .. delimiter):gmatch("(.-)" .. delimiter:gsub("%p", "%%%0")) do list[#list + 1] = part end
  return list
end

function h.trim(s) return (s:gsub("^%s*(.-)%s*$", "%1")) end

-- Iterator over an array counting down (used by getdents-style results).
function h.reviter(array, i)
  i = i - 1
  if i >= 0 then return i, array[i] end
end

-- Makes a value of ctype ct from v unless it is one already (tables become initialisers).
function h.mktype(ct, v)
  if v == nil then return nil end
  if ffi.istype(ct, v) then return v end
  return ct(v)
end

return h
