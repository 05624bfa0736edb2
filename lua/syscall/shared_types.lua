-- syscall.shared_types: the methods of types that every target has in some layout.
-- Each function takes the target's ctype (and constants) and installs a metatype, so the
-- Linux host and a NetBSD kernel give the same Lua view of their different structs.

local ffi = require "syscall.ffi"
local bit = require "syscall.bit"
local h = require "syscall.helpers"

local type, tonumber, tostring, error, pairs, ipairs, setmetatable, getmetatable, rawget, math, string, table =
      type, tonumber, tostring, error, pairs, ipairs, setmetatable, getmetatable, rawget, math, string, table
local type, tonumber = ffi.type or type, ffi.tonumber or tonumber -- PUC Lua: cdata are userdata

local M = {}

-- A target's type tables: t (constructors), pt (pointer types), s (sizes), ctypes, and def,
-- which names a C type in all three.  scalars maps Lua names to C scalar types; each also
-- gets its 1- and 2-element arrays (t.int1, t.int2; ljsyscall's t.uint64_1 for names that
-- end in a digit) and a variable-length array (t.ints).
function M.base(scalars)
  local t, pt, s, ctypes = {}, {}, {}, {}
  local function def(name, cname)
    local ct = ffi.typeof(cname)
    t[name] = ct
    pt[name] = require("syscall.ctypes").ptr(ct)
    s[name] = ffi.sizeof(ct)
    return ct
  end
  for name, cname in pairs(scalars) do
    def(name, cname)
    t[name .. "1"] = require("syscall.ctypes").array(t[name], 1)
    t[name .. "2"] = require("syscall.ctypes").array(t[name], 2)
    t[name .. "s"] = require("syscall.ctypes").vla(t[name])
    if name:match("%d$") then t[name .. "_1"], t[name .. "_2"] = t[name .. "1"], t[name .. "2"] end
  end
  -- pt.X are the pointer ctypes, except pt.void (and pt.sockaddr, pt.iphdr, pt.udphdr): a cast,
  -- as ljsyscall's, so pt.void(1) is the address 1 (the ctype's constructor refuses a number).
  local voidp = ffi.typeof("void *")
  pt.void = function(x) return ffi.cast(voidp, x) end
  pt.char = ffi.typeof("char *")
  t.buffer = ffi.typeof("char[?]")
  s.pointer = ffi.sizeof("void *")
  return t, pt, s, ctypes, def
end

-- timespec/timeval: t.timespec(1.5), t.timespec{sec, nsec}, t.timespec{tv_sec=, tv_nsec=};
-- fields .sec, .nsec / .usec, .time (seconds as a number).
function M.time(ct, sub, scale)
  local subname = sub:gsub("^tv_", "")
  local mt = {}
  mt.__index = function(tv, k)
    if k == "time" then return tonumber(tv.tv_sec) + tonumber(tv[sub]) / scale end
    if k == "sec" then return tonumber(tv.tv_sec) end
    if k == subname then return tonumber(tv[sub]) end
    return nil
  end
  mt.__newindex = function(tv, k, v)
    if k == "time" then
      local sec = math.floor(v)
      tv.tv_sec = sec
      tv[sub] = math.floor((v - sec) * scale + 0.5)
    elseif k == "sec" then tv.tv_sec = v
    elseif k == subname then tv[sub] = v
    else error("no field '" .. tostring(k) .. "' in " .. tostring(ct), 2) end
  end
  -- Only numbers (finite), tables of numbers and values of this very type are taken: a
  -- pointer or another cdata would be copied from whatever it points at.
  local tname = tostring(ct):match("^ctype<struct rumpus_%w+_(%w+)>$") or tostring(ct)
  local function bad(what, v)
    error("bad argument #1 to '" .. tname .. "' (" .. what .. ", got " ..
      (type(v) == "cdata" and tostring(ffi.typeof(v)) or type(v)) .. ")", 3)
  end
  local function num(v, what)
    if type(v) ~= "number" then
      if type(v) == "cdata" and h.ckind(v) == "scalar" then v = tonumber(v) end
      if type(v) ~= "number" then bad(what .. " must be a number", v) end
    end
    if v ~= v or v == math.huge or v == -math.huge then bad(what .. " must be finite", v) end
    return v
  end
  mt.__new = function(tp, a, b)
    local tv = ffi.new(tp)
    if type(a) == "number" and b == nil then
      a = num(a, "seconds")
      local sec = math.floor(a)
      tv.tv_sec = sec
      tv[sub] = math.floor((a - sec) * scale + 0.5)
    elseif type(a) == "number" then tv.tv_sec, tv[sub] = num(a, "seconds"), num(b, subname)
    elseif type(a) == "table" then
      tv.tv_sec = num(a.tv_sec or a.sec or a[1] or 0, "seconds")
      tv[sub] = num(a[sub] or a[subname] or a[2] or 0, subname)
    elseif type(a) == "cdata" and ffi.istype(tp, a) and h.ckind(a) == "struct" then ffi.copy(tv, a, ffi.sizeof(tp))
    elseif a ~= nil then bad("number or table expected (or a " .. tname .. ")", a) end
    return tv
  end
  mt.__tostring = function(tv) return string.format("%d.%0" .. (scale == 1e9 and 9 or 6) .. "d", tonumber(tv.tv_sec), tonumber(tv[sub])) end
  -- LuaJIT calls __eq for cdata == nil too: only two values of the type can be equal.
  mt.__eq = function(a, b)
    if not (ffi.istype(ct, a) and ffi.istype(ct, b)) then return false end
    return a.tv_sec == b.tv_sec and a[sub] == b[sub]
  end
  mt.__lt = function(a, b) return a.tv_sec < b.tv_sec or (a.tv_sec == b.tv_sec and a[sub] < b[sub]) end
  mt.__le = function(a, b) return not (b < a) end
  return ffi.metatype(ct, mt)
end

-- itimerspec/itimerval: .interval, .value accessors; constructor from {interval, value} or
-- {it_interval =, it_value =} (each a number or a table as for the time types).
function M.itimer(ct, tt)
  local mt = {}
  mt.__index = function(it, k)
    if k == "interval" then return it.it_interval end
    if k == "value" then return it.it_value end
    return nil
  end
  mt.__new = function(tp, a)
    local it = ffi.new(tp)
    if type(a) == "table" then
      local iv, v = a.it_interval or a.interval or a[1], a.it_value or a.value or a[2]
      if iv then it.it_interval = tt(iv) end
      if v then it.it_value = tt(v) end
    elseif type(a) == "cdata" and ffi.istype(tp, a) and h.ckind(a) == "struct" then ffi.copy(it, a, ffi.sizeof(tp))
    elseif a ~= nil then
      -- Another cdata would be copied from whatever it points at.
      error("bad argument #1 to '" .. tostring(tp) .. "' (table or " .. tostring(tp) .. " expected, got " ..
        (type(a) == "cdata" and tostring(ffi.typeof(a)) or type(a)) .. ")", 2)
    end
    return it
  end
  return ffi.metatype(ct, mt)
end

-- Device number encoding (glibc and NetBSD share none, so targets pass their own if needed).
function M.major(dev)
  dev = tonumber(dev)
  return bit.band(math.floor(dev / 256), 0xfff) + bit.band(math.floor(dev / 4294967296), 0xfffff000)
end
function M.minor(dev)
  dev = tonumber(dev)
  return bit.band(dev, 0xff) + bit.band(math.floor(dev / 4096), 0xffffff00)
end
function M.makedev(major, minor)
  return bit.band(minor, 0xff) + bit.band(major, 0xfff) * 256 + bit.band(minor, 0xffffff00) * 4096
    + bit.band(major, 0xfffff000) * 4294967296
end

-- Device numbers as objects (ljsyscall's t.device): .dev (the number), .device (the same),
-- .major, .minor; two devices are equal when their numbers are.  device(dev) or
-- device(major, minor); fns gives the target's encoding (major, minor, makedev).
local devmt = {}
function M.device(a, b, fns)
  fns = fns or M
  local dev
  if type(a) == "table" then
    if getmetatable(a) == devmt then return a end
    if a.dev ~= nil then dev = tonumber(a.dev) else a, b = a[1] or a.major, a[2] or a.minor end
  end
  if dev == nil then
    if b == nil then dev = tonumber(a) or error("bad argument #1 to 'device' (number expected, got " .. type(a) .. ")", 2)
    else dev = fns.makedev(a, b) end
  end
  return setmetatable({ dev = dev, fns = fns }, devmt)
end
devmt.__index = function(d, k)
  local dev = rawget(d, "dev")
  if k == "major" then return rawget(d, "fns").major(dev) end
  if k == "minor" then return rawget(d, "fns").minor(dev) end
  if k == "device" then return dev end
end
devmt.__eq = function(a, b) return rawget(a, "dev") == rawget(b, "dev") end
devmt.__tostring = function(d) return d.major .. "," .. d.minor end
M.devmt = devmt

-- ljsyscall's names for the file types (st.typename).
local typenames = { [0xc000] = "socket", [0xa000] = "link", [0x8000] = "file", [0x6000] = "block device",
  [0x4000] = "directory", [0x2000] = "char device", [0x1000] = "named pipe" }
M.typenames = typenames

-- stat: st.size, st.mode, st.isreg ... as ljsyscall.  st.dev and st.rdev are device objects
-- (st.rdev.major...); st.access/modification/change are the times in seconds (luafilesystem's
-- names, as ljsyscall); st.perm is the permission bits.
function M.stat(ct, c, f, devfns)
  local major, minor = (devfns or M).major, (devfns or M).minor
  local get = {
    dev = function(st) return M.device(tonumber(st.st_dev), nil, devfns) end,
    ino = function(st) return tonumber(st.st_ino) end,
    mode = function(st) return tonumber(st.st_mode) end,
    nlink = function(st) return tonumber(st.st_nlink) end,
    uid = function(st) return tonumber(st.st_uid) end,
    gid = function(st) return tonumber(st.st_gid) end,
    rdev = function(st) return M.device(tonumber(st.st_rdev), nil, devfns) end,
    size = function(st) return tonumber(st.st_size) end,
    blksize = function(st) return tonumber(st.st_blksize) end,
    blocks = function(st) return tonumber(st.st_blocks) end,
    atime = function(st) return tonumber(st[f.atim].tv_sec) end,
    mtime = function(st) return tonumber(st[f.mtim].tv_sec) end,
    ctime = function(st) return tonumber(st[f.ctim].tv_sec) end,
    atim = function(st) return st[f.atim] end,
    mtim = function(st) return st[f.mtim] end,
    ctim = function(st) return st[f.ctim] end,
    type = function(st) return bit.band(tonumber(st.st_mode), 0xf000) end,
    typename = function(st) return typenames[bit.band(tonumber(st.st_mode), 0xf000)] or "other" end,
    todt = function(st) return bit.rshift(bit.band(tonumber(st.st_mode), 0xf000), 12) end,
    perm = function(st) return bit.band(tonumber(st.st_mode), 0xfff) end,
    access = function(st) return tonumber(st[f.atim].tv_sec) end,
    modification = function(st) return tonumber(st[f.mtim].tv_sec) end,
    change = function(st) return tonumber(st[f.ctim].tv_sec) end,
    isreg = function(st) return bit.band(tonumber(st.st_mode), 0xf000) == 0x8000 end,
    isdir = function(st) return bit.band(tonumber(st.st_mode), 0xf000) == 0x4000 end,
    ischr = function(st) return bit.band(tonumber(st.st_mode), 0xf000) == 0x2000 end,
    isblk = function(st) return bit.band(tonumber(st.st_mode), 0xf000) == 0x6000 end,
    isfifo = function(st) return bit.band(tonumber(st.st_mode), 0xf000) == 0x1000 end,
    islnk = function(st) return bit.band(tonumber(st.st_mode), 0xf000) == 0xa000 end,
    issock = function(st) return bit.band(tonumber(st.st_mode), 0xf000) == 0xc000 end,
    flags = f.flags and function(st) return tonumber(st[f.flags]) end or nil,  -- NetBSD: chflags
    major = function(st) return major(st.st_rdev) end,
    minor = function(st) return minor(st.st_rdev) end,
  }
  return ffi.metatype(ct, { __index = function(st, k) local g = get[k]; if g then return g(st) end end })
end

-- rlimit: .cur and .max as numbers; c.RLIM.INFINITY (-1) for no limit.
function M.rlimit(ct)
  -- all ones; ffi.new("uint64_t", -1) would give 2^63 (a negative double converts saturating)
  local INF = ffi.cast("uint64_t", ffi.cast("int64_t", -1))
  local function num(v) if v == INF then return -1 end return tonumber(v) end
  local mt = {}
  mt.__index = function(r, k)
    if k == "cur" then return num(r.rlim_cur) end
    if k == "max" then return num(r.rlim_max) end
  end
  mt.__newindex = function(r, k, v)
    if v == -1 then v = INF end
    if k == "cur" then r.rlim_cur = v elseif k == "max" then r.rlim_max = v
    else error("no field '" .. tostring(k) .. "' in rlimit", 2) end
  end
  mt.__new = function(tp, a, b)
    local r = ffi.new(tp)
    if type(a) == "table" then a, b = a.cur or a.rlim_cur or a[1], a.max or a.rlim_max or a[2] end
    if a ~= nil then r.rlim_cur = a == -1 and INF or a end
    if b ~= nil then r.rlim_max = b == -1 and INF or b end
    return r
  end
  return ffi.metatype(ct, mt)
end

-- sigset: t.sigset("int, term") or t.sigset{"int", 15}; set:add, set:del, set:isset;
-- set.INT (true when member); tostring lists the members.
function M.sigset(ct, SIG, nsig)
  local bits = ffi.sizeof(ct) * 8
  local bytes = ffi.typeof("uint8_t *")
  -- Signal n is bit n-1 of the set, counted in bytes (little-endian words: x64 and arm64).
  local function signum(v)
    local n = SIG[v]
    if type(n) ~= "number" or n ~= n or n < 1 or n > bits or n % 1 ~= 0 then error("bad signal " .. tostring(v), 3) end
    return n
  end
  local function each(v, fn)
    if type(v) == "string" then for part in v:gmatch("[^,|%s]+") do fn(signum(part)) end
    elseif type(v) == "table" then for _, x in ipairs(v) do fn(signum(x)) end
    elseif v ~= nil then fn(signum(v)) end
  end
  local methods = {}
  function methods.add(set, ...)
    local p = ffi.cast(bytes, set)
    for i = 1, select("#", ...) do
      each((select(i, ...)), function(n)
        local b = math.floor((n - 1) / 8)
        p[b] = bit.bor(p[b], bit.lshift(1, (n - 1) % 8))
      end)
    end
    return set
  end
  function methods.del(set, ...)
    local p = ffi.cast(bytes, set)
    for i = 1, select("#", ...) do
      each((select(i, ...)), function(n)
        local b = math.floor((n - 1) / 8)
        p[b] = bit.band(p[b], bit.bnot(bit.lshift(1, (n - 1) % 8)))
      end)
    end
    return set
  end
  function methods.isset(set, v)
    local n = signum(v)
    local p = ffi.cast(bytes, set)
    return bit.band(p[math.floor((n - 1) / 8)], bit.lshift(1, (n - 1) % 8)) ~= 0
  end
  function methods.fill(set) ffi.fill(set, ffi.sizeof(ct), 0xff); return set end
  function methods.empty(set) ffi.fill(set, ffi.sizeof(ct), 0); return set end
  local mt = {}
  local size = ffi.sizeof(ct)
  -- set.isemptyset: no member (ljsyscall's name).
  local function isempty(set)
    local p = ffi.cast(bytes, set)
    for i = 0, size - 1 do if p[i] ~= 0 then return false end end
    return true
  end
  mt.__index = function(set, k)
    local m = methods[k]
    if m then return m end
    if k == "isemptyset" then return isempty(set) end
    local n = SIG[k]
    if n and type(k) == "string" and n >= 1 and n <= (nsig or bits) then return methods.isset(set, n) end
    return nil
  end
  mt.__new = function(tp, v)
    local set = ffi.new(tp)
    if type(v) == "cdata" then
      if not h.copyable(v, ffi.sizeof(tp)) then
        error("bad argument #1 to 'sigset' (signal names, numbers or a sigset expected, got " .. h.describe(v) .. ")", 2)
      end
      ffi.copy(set, v, ffi.sizeof(tp))
    else methods.add(set, v) end
    return set
  end
  mt.__tostring = function(set)
    local names = {}
    for name, n in pairs(SIG) do
      if type(n) == "number" and n >= 1 and n <= (nsig or bits) and methods.isset(set, n) then names[#names + 1] = name end
    end
    table.sort(names)
    return table.concat(names, ",")
  end
  return ffi.metatype(ct, mt)
end

-- iovecs: t.iovecs{{buf, len}, "string", n...}: a Lua object with .iov (the C array) and #.
-- It keeps every buffer alive as long as it lives.
function M.iovecs(iovec)
  local arr = require("syscall.ctypes").vla(iovec)
  local mt = {}
  mt.__index = {}
  mt.__len = function(v) return v.count end
  return function(list)
    if type(list) == "number" then list = { list } end
    if type(list) ~= "table" then error("bad argument #1 to 'iovecs' (table expected, got " .. type(list) .. ")", 2) end
    local n = #list
    local v = setmetatable({ iov = arr(n), count = n, keep = {} }, mt)
    local function count(e, i)
      if e ~= e or e < 0 or e >= 2147483648 then error("bad iovec entry " .. i .. " (length " .. tostring(e) .. " out of range)", 3) end
      return e
    end
    for i, e in ipairs(list) do
      local base, len
      if type(e) == "number" then base = ffi.new("char[?]", count(e, i)); len = e
      elseif type(e) == "string" then base, len = e, #e
      elseif type(e) == "table" then
        base, len = e[1] or e.iov_base or e.base, e[2] or e.iov_len or e.len
        if type(base) == "string" then len = len or #base end
        if type(base) == "number" then len = base; base = ffi.new("char[?]", count(base, i)) end
        if len ~= nil and type(len) ~= "number" then error("bad iovec entry " .. i .. " (length expected, got " .. type(len) .. ")", 2) end
        if type(base) == "string" then
          if len > #base then error("bad iovec entry " .. i .. " (length " .. len .. " larger than the string)", 2) end
        elseif type(base) == "cdata" then
          -- an array or structure (its size bounds len), or a pointer with an explicit length;
          -- an integer would be taken for an address.
          local k = h.ckind(base)
          if (k ~= "array" and k ~= "struct" and k ~= "pointer") or h.isnull(base) or (k == "pointer" and len == nil) then
            error("bad iovec entry " .. i .. " (buffer expected, got " .. h.describe(base) .. ")", 2)
          end
          local size = ffi.sizeof(base)
          if len == nil then len = size end
          if len ~= nil and len % 1 ~= 0 then error("bad iovec entry " .. i .. " (length " .. tostring(len) .. ")", 2) end
          if len ~= nil and (len ~= len or len < 0) then error("bad iovec entry " .. i .. " (length " .. tostring(len) .. ")", 2) end
          if size and len and len > size and not tostring(ffi.typeof(base)):find("%*>?$") then
            error("bad iovec entry " .. i .. " (length " .. len .. " larger than the buffer)", 2)
          end
        else
          error("bad iovec entry " .. i .. " (buffer expected, got " .. type(base) .. ")", 2)
        end
      elseif type(e) == "cdata" and ffi.istype(iovec, e) then base, len = e.iov_base, e.iov_len
      elseif type(e) == "cdata" and h.ckind(e) == "array" and (ffi.sizeof(e) or 0) > 0 then
        base, len = e, ffi.sizeof(e)  -- a buffer (t.buffer(n)), used whole, as in ljsyscall
      else error("bad iovec entry " .. i .. " (" .. h.describe(e) .. ")", 2) end
      -- A Lua string is immutable (and shared): readv/recvmsg must not be given one.
      if type(base) == "string" then v.readonly = true end
      v.keep[i] = base
      v.iov[i - 1].iov_base = ffi.cast("void *", base)
      v.iov[i - 1].iov_len = len or 0
    end
    return v
  end
end

-- pollfd: fd.IN etc. test revents; fields fd, events, revents.
function M.pollfd(ct, POLL)
  return ffi.metatype(ct, {
    __index = function(p, k)
      local v = POLL[k]
      if v and type(k) == "string" then return bit.band(p.revents, v) ~= 0 end
    end,
  })
end

-- pollfds: t.pollfds{{fd = f, events = "in"}, ...}: .pfd (C array), #, and iteration
-- with ipairs-like :iter().
function M.pollfds(pollfd, POLL)
  local arr = require("syscall.ctypes").vla(pollfd)
  local methods = {}
  function methods.iter(v)
    local i = -1
    return function()
      i = i + 1
      if i < v.count then return i, v.pfd[i] end
    end
  end
  local mt = { __index = methods, __len = function(v) return v.count end }
  return function(list)
    if type(list) ~= "table" then error("bad argument #1 to 'pollfds' (table expected, got " .. type(list) .. ")", 2) end
    local fdm = require "syscall.fd"
    local v = setmetatable({ pfd = arr(#list), count = #list, fds = {} }, mt)
    for i, e in ipairs(list) do
      if type(e) ~= "table" then error("bad argument #1 to 'pollfds' (entry " .. i .. " is not a table {fd =, events =})", 2) end
      v.fds[i] = e.fd
      v.pfd[i - 1].fd = fdm.getfd(e.fd, "pollfds", 1)
      v.pfd[i - 1].events = POLL[e.events] or error("bad poll events " .. tostring(e.events), 2)
    end
    return v
  end
end

-- epoll_event: ev.IN etc. test events; ev.fd reads data.fd.
function M.epoll_event(ct, EPOLL)
  return ffi.metatype(ct, {
    __index = function(e, k)
      if k == "fd" then return e.data.fd end
      local v = EPOLL[k]
      if v and type(k) == "string" then return bit.band64(e.events, v) ~= 0 end
    end,
  })
end

-- Addresses --------------------------------------------------------------------------------

-- "1.2.3.4" -> four bytes, or nil.
local function parse4(s)
  local a, b, cc, d = s:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
  if not a then return nil end
  -- As inet_pton: no leading zeros ("01" could be read as octal elsewhere), at most 3 digits.
  for _, part in ipairs { a, b, cc, d } do
    if #part > 3 or (#part > 1 and part:sub(1, 1) == "0") then return nil end
  end
  a, b, cc, d = tonumber(a), tonumber(b), tonumber(cc), tonumber(d)
  if a > 255 or b > 255 or cc > 255 or d > 255 then return nil end
  return a, b, cc, d
end
M.parse4 = parse4

-- "fe80::1" -> 16 bytes (table), or nil.
local function parse6(s)
  if s:find("[^%x:%.]") then return nil end
  local head, tail = s, nil
  local dbl = s:find("::", 1, true)
  if dbl then
    head, tail = s:sub(1, dbl - 1), s:sub(dbl + 2)
    if tail:find("::", 1, true) then return nil end
  end
  -- A dotted quad may only end the whole address.
  local function groups(part, last)
    local g = {}
    if part == "" then return g end
    local pieces = {}
    for p in (part .. ":"):gmatch("([^:]*):") do pieces[#pieces + 1] = p end
    for i, p in ipairs(pieces) do
      if last and i == #pieces and p:find("%.") then
        local a, b, cc, d = parse4(p)
        if not a then return nil end
        g[#g + 1] = a * 256 + b
        g[#g + 1] = cc * 256 + d
      else
        if #p > 4 or not p:match("^%x+$") then return nil end
        g[#g + 1] = tonumber(p, 16)
      end
    end
    return g
  end
  local hg, tg = groups(head, not tail), {}
  if tail then tg = groups(tail, true) end
  if not hg or not tg then return nil end
  local n = #hg + #tg
  if (dbl and n > 7) or (not dbl and n ~= 8) then return nil end
  local all = {}
  for _, v in ipairs(hg) do all[#all + 1] = v end
  for _ = 1, 8 - n do all[#all + 1] = 0 end
  for _, v in ipairs(tg) do all[#all + 1] = v end
  local bytes = {}
  for i, v in ipairs(all) do bytes[2 * i - 1] = math.floor(v / 256); bytes[2 * i] = v % 256 end
  return bytes
end
M.parse6 = parse6

local function format6(b)
  local g = {}
  for i = 0, 7 do g[i + 1] = b[2 * i] * 256 + b[2 * i + 1] end
  -- longest run of zero groups (2 or more) becomes "::"
  local best, bestlen, i = nil, 1, 1
  while i <= 8 do
    if g[i] == 0 then
      local j = i
      while j <= 8 and g[j] == 0 do j = j + 1 end
      if j - i > bestlen then best, bestlen = i, j - i end
      i = j
    else i = i + 1 end
  end
  -- IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) addresses keep the dotted
  -- quad, as inet_ntop writes them.
  if best == 1 and (bestlen == 6 or (bestlen == 5 and g[6] == 0xffff)) then
    return (bestlen == 5 and "::ffff:" or "::") .. b[12] .. "." .. b[13] .. "." .. b[14] .. "." .. b[15]
  end
  local parts = {}
  local k = 1
  while k <= 8 do
    if k == best then
      parts[#parts + 1] = (k == 1) and ":" or ""
      k = k + bestlen
      if k > 8 then parts[#parts + 1] = "" end
    else
      parts[#parts + 1] = string.format("%x", g[k])
      k = k + 1
    end
  end
  return table.concat(parts, ":")
end
M.format6 = format6

-- Address equality: both operands cdata of one type, same bytes (a comparison with nil or a
-- value of another type is false, never an error).
local function sameaddr(ct, a, b)
  if type(a) ~= "cdata" or type(b) ~= "cdata" or not ffi.istype(ct, a) or not ffi.istype(ct, b) then return false end
  local n = ffi.sizeof(ct)
  return ffi.string(a, n) == ffi.string(b, n)
end

-- Installs in_addr, in6_addr, sockaddr_in, sockaddr_in6, sockaddr_un, sockaddr_storage
-- metatypes and t.sa / pt.sockaddr.  opt.has_len: BSD sockaddrs with a length byte first.
function M.sockaddrs(t, pt, s, c, opt)
  local has_len = opt.has_len
  local AF = c.AF

  ffi.metatype(t.in_addr, {
    __new = function(tp, v)
      local a = ffi.new(tp)
      if v == nil then return a end
      if type(v) == "string" then
        local b1, b2, b3, b4 = parse4(v)
        if not b1 then
          if v == "any" then return a end
          if v == "loopback" or v == "localhost" then b1, b2, b3, b4 = 127, 0, 0, 1
          elseif v == "broadcast" then b1, b2, b3, b4 = 255, 255, 255, 255
          else return nil end
        end
        local p = ffi.cast("uint8_t *", a)
        p[0], p[1], p[2], p[3] = b1, b2, b3, b4
      elseif type(v) == "number" then
        local p = ffi.cast("uint8_t *", a)
        p[0], p[1], p[2], p[3] = math.floor(v / 16777216) % 256, math.floor(v / 65536) % 256, math.floor(v / 256) % 256, v % 256
      elseif h.copyable(v, 4) then ffi.copy(a, v, 4)
      else error("bad argument #1 to 'in_addr' (string expected, got " .. h.describe(v) .. ")", 2) end
      return a
    end,
    __tostring = function(a)
      local p = ffi.cast("const uint8_t *", a)
      return p[0] .. "." .. p[1] .. "." .. p[2] .. "." .. p[3]
    end,
    __eq = function(a, b) return sameaddr(t.in_addr, a, b) end,
    __len = function() return 4 end,
    __index = {
      -- addr:get_mask_bcast(bits) -> {broadcast = in_addr, netmask = in_addr}, as ljsyscall's:
      -- "netmask" there is the host part's mask (0.0.0.255 for /24), broadcast the address
      -- with those bits set.
      get_mask_bcast = function(a, bits)
        if type(bits) ~= "number" or bits % 1 ~= 0 or bits < 0 or bits > 32 then
          h.argerror("get_mask_bcast", 1, "prefix length 0..32", bits)
        end
        local host = 2 ^ (32 - bits) - 1
        local p = ffi.cast("const uint8_t *", a)
        local v = ((p[0] * 256 + p[1]) * 256 + p[2]) * 256 + p[3]
        local bc = 0
        for i = 31, 0, -1 do
          local bv = 2 ^ i
          if math.floor(v / bv) % 2 == 1 or math.floor(host / bv) % 2 == 1 then bc = bc + bv end
        end
        return { broadcast = t.in_addr(bc), netmask = t.in_addr(host) }
      end,
    },
  })

  ffi.metatype(t.in6_addr, {
    __new = function(tp, v)
      local a = ffi.new(tp)
      if v == nil then return a end
      if type(v) == "string" then
        local b = parse6(v)
        if not b then
          if v == "any" then return a end
          if v == "loopback" then b = parse6("::1") else return nil end
        end
        local p = ffi.cast("uint8_t *", a)
        for i = 1, 16 do p[i - 1] = b[i] end
      elseif h.copyable(v, 16) then ffi.copy(a, v, 16)
      else error("bad argument #1 to 'in6_addr' (string expected, got " .. h.describe(v) .. ")", 2) end
      return a
    end,
    __tostring = function(a)
      local p = ffi.cast("const uint8_t *", a)
      local b = {}
      for i = 0, 15 do b[i] = p[i] end
      return format6(b)
    end,
    __eq = function(a, b) return sameaddr(t.in6_addr, a, b) end,
    __len = function() return 16 end,
  })

  local function portof(sa, field) return (h.ntohs(sa[field])) end

  ffi.metatype(t.sockaddr_in, {
    __index = function(sa, k)
      if k == "family" then return sa.sin_family end
      if k == "port" then return (portof(sa, "sin_port")) end
      if k == "addr" then return sa.sin_addr end
    end,
    __newindex = function(sa, k, v)
      if k == "port" then sa.sin_port = h.htons(v)
      elseif k == "addr" then
        local a = t.in_addr(v)
        if not a then error("bad IPv4 address " .. tostring(v), 2) end
        sa.sin_addr = a
      elseif k == "family" then sa.sin_family = v
      else error("no field '" .. tostring(k) .. "' in sockaddr_in", 2) end
    end,
    __new = function(tp, port, addr)
      local sa = ffi.new(tp)
      if has_len then sa.sin_len = ffi.sizeof(tp) end
      sa.sin_family = AF.INET
      if type(port) == "table" then port, addr = port.port, port.addr end
      if port ~= nil then
        if type(port) ~= "number" then error("bad argument #1 to 'sockaddr_in' (port number expected, got " .. type(port) .. ")", 2) end
        if port < 0 or port > 65535 then error("bad argument #1 to 'sockaddr_in' (port out of range)", 2) end
        sa.sin_port = h.htons(port)
      end
      if addr ~= nil then
        local a = t.in_addr(addr)
        if not a then error("bad argument #2 to 'sockaddr_in' (bad IPv4 address '" .. tostring(addr) .. "')", 2) end
        sa.sin_addr = a
      end
      return sa
    end,
    __tostring = function(sa) return tostring(sa.sin_addr) .. ":" .. portof(sa, "sin_port") end,
    __len = function(sa) return (ffi.sizeof(sa)) end,
    __eq = function(a, b) return sameaddr(t.sockaddr_in, a, b) end,
  })

  ffi.metatype(t.sockaddr_in6, {
    __index = function(sa, k)
      if k == "family" then return sa.sin6_family end
      if k == "port" then return (portof(sa, "sin6_port")) end
      if k == "addr" then return sa.sin6_addr end
      if k == "scope_id" then return sa.sin6_scope_id end
      if k == "flowinfo" then return sa.sin6_flowinfo end
    end,
    __newindex = function(sa, k, v)
      if k == "port" then sa.sin6_port = h.htons(v)
      elseif k == "addr" then
        local a = t.in6_addr(v)
        if not a then error("bad IPv6 address " .. tostring(v), 2) end
        sa.sin6_addr = a
      elseif k == "scope_id" then sa.sin6_scope_id = v
      elseif k == "flowinfo" then sa.sin6_flowinfo = v
      else error("no field '" .. tostring(k) .. "' in sockaddr_in6", 2) end
    end,
    __new = function(tp, port, addr, flowinfo, scope_id)
      local sa = ffi.new(tp)
      if has_len then sa.sin6_len = ffi.sizeof(tp) end
      sa.sin6_family = AF.INET6
      if type(port) == "table" then port, addr, flowinfo, scope_id = port.port, port.addr, port.flowinfo, port.scope_id end
      if port ~= nil then
        if type(port) ~= "number" then error("bad argument #1 to 'sockaddr_in6' (port number expected, got " .. type(port) .. ")", 2) end
        if port < 0 or port > 65535 then error("bad argument #1 to 'sockaddr_in6' (port out of range)", 2) end
        sa.sin6_port = h.htons(port)
      end
      if addr ~= nil then
        local a = t.in6_addr(addr)
        if not a then error("bad argument #2 to 'sockaddr_in6' (bad IPv6 address '" .. tostring(addr) .. "')", 2) end
        sa.sin6_addr = a
      end
      sa.sin6_flowinfo = flowinfo or 0
      sa.sin6_scope_id = scope_id or 0
      return sa
    end,
    __tostring = function(sa) return "[" .. tostring(sa.sin6_addr) .. "]:" .. portof(sa, "sin6_port") end,
    __len = function(sa) return (ffi.sizeof(sa)) end,
    __eq = function(a, b) return sameaddr(t.sockaddr_in6, a, b) end,
  })

  -- sockaddr_un: t.sockaddr_un(path); a path starting with "\0" is abstract (Linux).  Its
  -- length (#sa) is the family plus the path, as the kernel wants it.
  local unpath = opt.unix_path
  local off = ffi.offsetof(t.sockaddr_un, "sun_path")
  local unlen = setmetatable({}, { __mode = "k" })
  ffi.metatype(t.sockaddr_un, {
    __index = function(sa, k)
      if k == "family" then return sa.sun_family end
      if k == "path" then
        local n = unlen[sa] and (unlen[sa] - off) or unpath
        -- NetBSD (sun_len) has no abstract names: an unbound socket's name is sun_len 106
        -- and an empty path
        if n > 0 and sa.sun_path[0] == 0 and not has_len then return ffi.string(sa.sun_path, n) end
        return ffi.string(sa.sun_path)
      end
      if k == "abstract" then return not has_len and sa.sun_path[0] == 0 and (unlen[sa] or 0) > off end
    end,
    __new = function(tp, path, len)
      local sa = ffi.new(tp)
      sa.sun_family = AF.UNIX
      if path ~= nil then
        if type(path) ~= "string" then error("bad argument #1 to 'sockaddr_un' (string expected, got " .. type(path) .. ")", 2) end
        if #path >= unpath and path:byte(1) ~= 0 then error("bad argument #1 to 'sockaddr_un' (path longer than " .. (unpath - 1) .. " bytes)", 2) end
        if #path > unpath then error("bad argument #1 to 'sockaddr_un' (path too long)", 2) end
        ffi.copy(sa.sun_path, path, #path)
        unlen[sa] = len or (off + #path + ((path:byte(1) == 0) and 0 or 1))
      else
        unlen[sa] = len or ffi.sizeof(tp)
      end
      if has_len then sa.sun_len = unlen[sa] end
      return sa
    end,
    __len = function(sa) return unlen[sa] or ffi.sizeof(sa) end,
    __tostring = function(sa)
      if has_len then return "unix:" .. ffi.string(sa.sun_path) end
      return "unix:" .. (sa.sun_path[0] == 0 and "@" or "") .. ffi.string(sa.sun_path + (sa.sun_path[0] == 0 and 1 or 0))
    end,
  })
  t.sockaddr_un_setlen = function(sa, n) unlen[sa] = n end

  -- sockaddr_storage: .family, and for inet and inet6 .port (host order) and .addr, as
  -- ljsyscall's; t.sockaddr_storage{family = "inet6", port = 2, addr = ...}.
  local ssfields = { family = true, port = true, addr = true }
  local function ssview(ss)
    local f = ss.ss_family
    if f == AF.INET then return ffi.cast(require("syscall.ctypes").ptr(t.sockaddr_in), ss)[0] end
    if f == AF.INET6 then return ffi.cast(require("syscall.ctypes").ptr(t.sockaddr_in6), ss)[0] end
  end
  ffi.metatype(t.sockaddr_storage, {
    __index = function(ss, k)
      if k == "family" then return ss.ss_family end
      if k == "port" or k == "addr" then
        local v = ssview(ss)
        if v then return v[k] end
      end
    end,
    __newindex = function(ss, k, v)
      if k == "family" then
        local f = AF[v]
        if type(f) ~= "number" then error("sockaddr_storage: unknown family " .. tostring(v), 2) end
        ss.ss_family = f
      elseif k == "port" or k == "addr" then
        local view = ssview(ss)
        if not view then error("sockaddr_storage: no " .. k .. " in family " .. tostring(ss.ss_family), 2) end
        view[k] = v
      else
        error("sockaddr_storage has no field '" .. tostring(k) .. "'", 2)
      end
    end,
    __new = function(tp, v)
      local ss = ffi.new(tp)
      if type(v) == "table" then
        if v.family ~= nil then ss.family = v.family end
        for k, x in pairs(v) do
          if k ~= "family" then
            if not ssfields[k] then error("sockaddr_storage has no field '" .. tostring(k) .. "'", 2) end
            ss[k] = x
          end
        end
      elseif v ~= nil then
        if not h.copyable(v, 2) then h.argerror("sockaddr_storage", 1, "table or address", v) end
        ffi.copy(ss, v, math.min(ffi.sizeof(v), ffi.sizeof(tp)))
      end
      return ss
    end,
    __len = function(ss) return ffi.sizeof(ss) end,
  })
  if t.sockaddr_nl then
    ffi.metatype(t.sockaddr_nl, {
      __index = function(sa, k)
        if k == "family" then return sa.nl_family end
        if k == "pid" then return sa.nl_pid end
        if k == "groups" then return sa.nl_groups end
      end,
      __new = function(tp, pid, groups)
        local sa = ffi.new(tp)
        sa.nl_family = AF.NETLINK
        if type(pid) == "table" then pid, groups = pid.pid, pid.groups end
        sa.nl_pid = pid or 0
        sa.nl_groups = groups or 0
        return sa
      end,
      __len = function(sa) return (ffi.sizeof(sa)) end,
    })
  end

  -- A sockaddr_storage (or any sockaddr) turned into the type of its family.
  local byfamily = { [AF.INET] = t.sockaddr_in, [AF.INET6] = t.sockaddr_in6, [AF.UNIX] = t.sockaddr_un }
  if AF.NETLINK and t.sockaddr_nl then byfamily[AF.NETLINK] = t.sockaddr_nl end
  local sockaddr_p = pt.sockaddr
  t.sa = function(addr, addrlen)
    local fam = ffi.cast(sockaddr_p, addr).sa_family
    local ct = byfamily[fam]
    if not ct then return addr end
    local r = ct()
    local n = math.min(addrlen or ffi.sizeof(ct), ffi.sizeof(ct))
    -- never more than the buffer holds (the family may promise a larger address)
    if h.ckind(addr) ~= "pointer" and ffi.sizeof(addr) < n then n = ffi.sizeof(addr) end
    ffi.copy(r, addr, n)
    if ct == t.sockaddr_un then unlen[r] = addrlen or ffi.sizeof(ct) end
    return r
  end
  pt.sockaddr = function(addr)
    if addr == nil then return nil end
    if type(addr) ~= "cdata" then error("sockaddr expected, got " .. type(addr), 3) end
    return (ffi.cast(sockaddr_p, addr))
  end
end

-- Sockets: addresses plus the small socket types.
function M.sockets(t, pt, s, c, opt)
  M.sockaddrs(t, pt, s, c, opt)
end

return M
