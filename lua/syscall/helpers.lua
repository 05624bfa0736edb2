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

local type, tonumber, tostring, pairs, error, setmetatable, rawget, select =
      type, tonumber, tostring, pairs, error, setmetatable, rawget, select
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

-- Parsed lists are remembered per table (not in the table: pairs() must see only names), so
-- a wrapper called in a loop with "creat, rdwr" parses it once.
local listcache = setmetatable({}, { __mode = "k" })

local function flagindex(tab, k)
  if k == nil or k == false then return 0 end
  local tk = rawtype(k)
  if tk == "number" then return k end
  if tk ~= "string" then
    if type(k) == "cdata" then return tonumber(k) end
    return nil
  end
  local cache = listcache[tab]
  if cache then
    local v = cache[k]
    if v then return v end
  else
    cache = {}
    listcache[tab] = cache
  end
  if not k:find("[,|]") then
    local v = lookup(tab, (k:gsub("^%s+", ""):gsub("%s+$", "")))
    if v ~= nil then cache[k] = v end
    return v
  end
  local val = 0
  for part in k:gmatch("[^,|]+") do
    part = part:gsub("^%s+", ""):gsub("%s+$", "")
    if part ~= "" then
      local v = lookup(tab, part)
      if v == nil then error("unknown flag '" .. part .. "' in c." .. tostring(names[tab] or "?"), 3) end
      val = bor(val, v)
    end
  end
  cache[k] = val
  return val
end

local function singleindex(tab, k)
  if k == nil or k == false then return 0 end
  local tk = rawtype(k)
  if tk == "number" then return k end
  if tk ~= "string" then
    if type(k) == "cdata" then return tonumber(k) end
    return nil
  end
  local cache = listcache[tab]
  if cache then
    local v = cache[k]
    if v then return v end
  else
    cache = {}
    listcache[tab] = cache
  end
  local v = lookup(tab, (k:gsub("^%s+", ""):gsub("%s+$", "")))
  if v ~= nil then cache[k] = v end
  return v
end

-- A table of single-choice constants (c.AF, c.SOCK types, c.SEEK...).
function h.strflag(tab, name, prefix)
  names[tab], prefixes[tab] = name, prefix or (name and (name .. "_"))
  return setmetatable(tab, { __index = singleindex, __call = function(t, k) return singleindex(t, k) end })
end

-- A table of flags that combine with OR (c.O, c.MSG, c.EPOLL...).
function h.multiflags(tab, name, prefix)
  names[tab], prefixes[tab] = name, prefix or (name and (name .. "_"))
  return setmetatable(tab, { __index = flagindex, __call = function(t, k) return flagindex(t, k) end })
end

-- c.MODE: a number, an octal string ("0755", "644"), or S_I* names ("IRUSR, IWUSR" / "rusr,wusr").
function h.modeflags(tab, name)
  names[tab], prefixes[tab] = name or "MODE", "S_"
  local function idx(t, k)
    if rawtype(k) == "string" and k:match("^%s*[0-7]+%s*$") then
      local v = tonumber(k, 8)
      local cache = listcache[t]
      if not cache then cache = {}; listcache[t] = cache end
      cache[k] = v
      return v
    end
    return flagindex(t, k)
  end
  return setmetatable(tab, { __index = idx, __call = idx })
end

function h.constname(tab) return names[tab] end

-- Turns a flags argument into a number or raises a clear error.
--   flag(c.O, "creat,rdwr", "open", 2)
-- A name or list seen before is answered from the cache of its table without the metamethod.
function h.flag(tab, v, fname, argn)
  local cache = listcache[tab]
  if cache then
    local r = cache[v]
    if r ~= nil then return r end
  end
  local r = tab[v]
  if r == nil then
    error("bad argument #" .. argn .. " to '" .. fname .. "' (unknown " .. tostring(names[tab] or "constant")
      .. " " .. (type(v) == "string" and ("'" .. v .. "'") or type(v)) .. ")", 3)
  end
  return r
end

-- Octal helper: octal("0755") == 493.
function h.octal(s) return tonumber(s, 8) end

-- Argument checks for programming mistakes: a clear error naming function and argument.
function h.argerror(fname, argn, expected, v)
  error("bad argument #" .. argn .. " to '" .. fname .. "' (" .. expected .. " expected, got " .. type(v) .. ")", 3)
end

function h.checkstring(v, fname, argn)
  if rawtype(v) ~= "string" then
    error("bad argument #" .. argn .. " to '" .. fname .. "' (string expected, got " .. type(v) .. ")", 3)
  end
  return v
end

function h.checknumber(v, fname, argn)
  local tv = type(v)
  if tv == "number" then return v end
  if tv == "cdata" then return v end
  if tv == "string" and tonumber(v) then return tonumber(v) end
  error("bad argument #" .. argn .. " to '" .. fname .. "' (number expected, got " .. tv .. ")", 3)
end

-- String or buffer (cdata pointer/array) for data arguments.
function h.checkbuf(v, fname, argn)
  local tv = rawtype(v)
  if tv == "string" or tv == "cdata" or tv == "userdata" then return v end
  error("bad argument #" .. argn .. " to '" .. fname .. "' (string or buffer expected, got " .. tv .. ")", 3)
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
