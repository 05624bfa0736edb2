-- One case per conversion rule of docs/ffi.md that the other files do not already cover.
local T = require "rump.test"
local ffi = require "syscall.ffi"
package.path = (debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "test/ffi") .. "/?.lua;" .. package.path
local H = require "common"
local tonum = H.tonumber
local L = H.lib

T.case("Lua -> C: a C function cdata converts to a function pointer", function()
  T.eq(L.helper_apply(L.helper_add, 20, 22), 42)
  local s = ffi.new("struct fnptr")
  s.cb = L.helper_add
  T.eq(s.cb(1, 2), 3)
  T.eq(L.helper_apply(s.cb, 3, 4), 7)
end)

T.case("Lua -> C: light and full userdata convert to their address", function()
  local p = ffi.cast("void *", io.stdout)
  T.ok(tonum(ffi.cast("intptr_t", p)) ~= 0, "full userdata has an address")
  local s = ffi.new("struct fnptr")
  s.p = io.stdout
  T.ok(s.p == p, "same address stored and read back")
end)

T.case("Lua -> C: struct values copy, struct pointers alias", function()
  local a = ffi.new("struct pt", 1, 2)
  local holder = ffi.new("struct pt[2]")
  holder[0] = a                       -- copy
  a.x = 100
  T.eq(holder[0].x, 1)
  local pa = ffi.cast("struct pt *", a)  -- alias
  pa.y = 7
  T.eq(a.y, 7)
  holder[1] = {x = 5, y = 6}          -- table initializer on assignment
  T.eq(holder[1].y, 6)
  T.err(function() holder[0] = ffi.new("struct a1") end, "cannot convert")
end)

T.case("Lua -> C: strings convert to byte pointers and fill char arrays", function()
  T.eq(tonum(L.helper_strlen_ptr("four")), 4)
  local s = ffi.new("struct fnptr", {name = "named"})
  T.eq(ffi.string(s.name), "named")
  local a = ffi.new("struct sockaddr_like", {sa_family = 1, sa_data = "abc"})
  T.eq(ffi.string(a.sa_data), "abc")
  local cut = ffi.new("char[2]", "abc")      -- cut to the array's size, as LuaJIT
  T.eq(cut[0], 97); T.eq(cut[1], 98)
  T.err(function() local x = ffi.new("int *"); x = ffi.new("int *", "abc") end, "cannot convert")
end)

T.case("Lua -> C: booleans to integers and bool, nil only to pointers", function()
  local m = ffi.new("struct mixed")
  m.a = true; T.eq(m.a, 1)
  m.g = 0; T.eq(m.g, false)
  m.g = 2; T.eq(m.g, true)
  m.h = nil; T.ok(m.h == nil)
  T.err(function() m.d = nil end, "cannot convert 'nil'")
end)

T.case("Lua -> C: 64-bit cdata numbers convert to other arithmetic types", function()
  local m = ffi.new("struct mixed")
  m.b = ffi.new("int64_t", 65537); T.eq(m.b, 1)
  m.f = ffi.new("int64_t", 3); T.eq(m.f, 3)
  m.d = ffi.new("uint64_t", 2^40); T.eq(tonum(m.d), 2^40)
  local u = ffi.new("uint64_t", 1) * 2^63 + 5
  m.d = u; T.ok(m.d == u, "uint64 beyond 2^63 stays exact")
end)

T.case("C -> Lua: pointers to pointers, pointer fields and array elements", function()
  local strs = ffi.new("const char *[3]", {"a", "bc"})
  T.eq(ffi.string(strs[1]), "bc")
  T.ok(strs[2] == nil, "NULL element is nil")
  local pp = ffi.new("const char **", strs)
  T.eq(ffi.string(pp[0]), "a")
  T.eq(ffi.string((pp + 1)[0]), "bc")
end)

T.case("C -> Lua: float and double fields round-trip", function()
  local m = ffi.new("struct mixed", {f = 0.5})
  T.eq(m.f, 0.5)
  m.f = 1 / 3
  T.ok(math.abs(m.f - 1 / 3) < 1e-7 and m.f ~= 1 / 3, "stored as float")
  local a1 = ffi.new("struct a1", {d = 1 / 3}); T.eq(a1.d, 1 / 3)
end)

T.case("cdata memory honours the type's alignment", function()
  for _ = 1, 20 do
    local a = ffi.new("struct aligned1")
    T.eq(tonum(ffi.cast("uintptr_t", ffi.cast("void *", a))) % 16, 0)
    local d = ffi.new("double[3]")
    T.eq(tonum(ffi.cast("uintptr_t", ffi.cast("void *", d))) % 8, 0)
  end
end)

if not jit then
  -- Our module only (LuaJIT has no long double values, and converts NaN differently).
  T.case("PUC: long double values, NaN and huge doubles to integers", function()
    T.eq(ffi.sizeof("long double"), 16)
    T.eq(ffi.tonumber(ffi.new("long double", 1.5)), 1.5)
    T.eq(ffi.tonumber(ffi.new("int", 0 / 0)), 0)
    T.eq(ffi.tonumber(ffi.new("int64_t", 1e300)), math.maxinteger)
    T.eq(ffi.tonumber(ffi.new("int64_t", -1e300)), math.mininteger)
  end)

  T.case("PUC: callbacks take and return structs by value", function()
    local cb = ffi.cast("struct pt (*)(int, struct pt)", function(v, p)
      return { x = v + p.x, y = v * p.y }
    end)
    local r = L.helper_make(cb, 10)
    T.eq(r.x, 1011); T.eq(r.y, 20)
    cb:set(function(v, p) return ffi.new("struct pt", p.y, v) end)
    r = L.helper_make(cb, 7)
    T.eq(r.x, 1002); T.eq(r.y, 7)
    cb:free()
  end)

  T.case("PUC: 64-bit values read from C are Lua integers, NULL is nil", function()
    T.eq(math.type(L.helper_add64(1, 2)), "integer")
    T.ok(L.helper_add64(-2, 1) == -1)
    T.eq(L.helper_null(), nil)
    T.eq(ffi.type(ffi.new("int")), "cdata")
    T.eq(ffi.type(1), "number")
    T.eq(ffi.tonumber("12"), 12)
    T.eq(ffi.tonumber(ffi.cast("void *", 64)), 64)
  end)
end
