-- Hostile input: malformed declarations, deep nesting and random bytes give Lua errors, never
-- a crash; the module keeps working afterwards.
local T = require "rump.test"
local ffi = require "syscall.ffi"

T.case("random declarations raise errors, never crash", function()
  local pieces = { "int", "struct", "{", "}", ";", "*", "(", ")", "[", "]", "?", "x", "y", ",",
    "const", "typedef", "union", "enum", "=", "1", "...", ":", "3", "__attribute__", "((",
    "packed", "))", "char", "long", "unsigned", "$", "'a'", "\"s\"", "0x", "-", "/*", "sizeof" }
  local seed = 12345
  local function rnd(n) seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n + 1 end
  local errors = 0
  for _ = 1, 3000 do
    local t = {}
    for j = 1, rnd(12) do t[j] = pieces[rnd(#pieces)] end
    local src = table.concat(t, " ")
    local ok = pcall(ffi.cdef, src)
    if not ok then errors = errors + 1 end
    pcall(ffi.typeof, src)
  end
  T.ok(errors > 1000, "most random declarations are rejected: " .. errors)
  T.eq(ffi.sizeof("int"), 4, "still works")
end)

T.case("random bytes in type strings raise errors", function()
  local seed = 777
  local function rnd(n) seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n end
  for _ = 1, 2000 do
    local b = {}
    for j = 1, rnd(20) + 1 do b[j] = string.char(rnd(256)) end
    pcall(ffi.typeof, table.concat(b))
    pcall(ffi.cdef, table.concat(b))
  end
  T.eq(ffi.sizeof("double"), 8)
end)

-- The last two cases check limits of our module; LuaJIT's own parser overflows its C stack on
-- the first and has a different limit for the second, so they are registered only on PUC Lua.
if jit then return end

T.case("deep nesting is bounded", function()
  T.err(function() ffi.typeof(string.rep("(", 100000) .. "int") end)
  T.err(function() ffi.typeof("int" .. string.rep("[1]", 100000)) end)
  T.err(function() ffi.cdef("enum { DEEP = " .. string.rep("(", 100000) .. "1 };") end)
  T.err(function() ffi.cdef(string.rep("struct { ", 100000)) end)
  T.err(function() ffi.typeof("char[1099511627776][1099511627776]") end)
end)

T.case("types built up with $ are bounded too", function()
  local t = ffi.typeof("int")
  T.err(function() for _ = 1, 100000 do t = ffi.typeof("$ *", t) end end, "nested too deeply")
  T.ok(tostring(t):find("int"), "the deepest type that was made still prints")
  local s = ffi.typeof("int")
  T.err(function() for _ = 1, 100000 do s = ffi.typeof("struct { $ a; }", s) end end, "nested too deeply")
  T.ok(ffi.new(s), "and still instantiates")
end)

T.case("random values assigned to random members and passed to ffi functions", function()
  ffi.cdef [[
    struct rb_in { int a; double d; char s[4]; };
    struct rb { int8_t i8; uint64_t u64; float f; bool b; void *p; const char *cs;
      struct rb_in inner; int arr[3]; unsigned bits:3; int (*fn)(int); union { int x; float y; } u; };
  ]]
  local seed = 4242
  local function rnd(n) seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n + 1 end
  local values = { 0, -1, 1.5, 2^53, -2^63, 1/0, 0/0, "str", "", true, false, {}, {1, 2, 3},
    {a = 1, d = 2}, function() return 1 end, ffi.new("int", 3), ffi.new("int64_t", -5),
    ffi.new("struct rb_in"), ffi.new("int[3]"), ffi.cast("void *", 4095), io.stdout,
    ffi.typeof("int"), ffi.new("uint64_t", 7) }
  local fields = { "i8", "u64", "f", "b", "p", "cs", "inner", "arr", "bits", "fn", "u", "nosuch" }
  local funcs = { ffi.new, ffi.cast, ffi.sizeof, ffi.alignof, ffi.istype, ffi.typeof,
    ffi.string, ffi.offsetof, ffi.tonumber and ffi.tonumber or tonumber }
  local types = { "int", "struct rb", "char[?]", "int *", "struct rb_in[2]", "bool", "double" }
  local r = ffi.new("struct rb")
  local errors = 0
  for _ = 1, 5000 do
    local ok = pcall(function() r[fields[rnd(#fields)]] = values[rnd(#values)] end)
    if not ok then errors = errors + 1 end
    pcall(function() return r[fields[rnd(#fields)]] end)
    pcall(funcs[rnd(#funcs)], types[rnd(#types)], values[rnd(#values)])
    pcall(function() return values[rnd(#values)] + values[rnd(#values)] end)
    pcall(function() return values[rnd(#values)] < values[rnd(#values)] end)
  end
  T.ok(errors > 100, "bad assignments were refused: " .. errors)
  r.inner = {a = 9}
  T.eq(r.inner.a, 9, "the object is still intact")
end)

T.case("ffi.string/copy/fill stay inside objects of known size", function()
  local buf = ffi.new("char[8]")
  T.err(function() ffi.string(buf, 9) end, "bytes requested")
  T.err(function() ffi.string("abc", 10) end, "bytes requested")
  T.err(function() ffi.copy(buf, "too long for eight") end, "bytes requested")
  T.err(function() ffi.copy(buf, "abc", 100) end, "bytes requested")
  T.err(function() ffi.fill(buf, 9) end, "bytes requested")
  ffi.copy(buf, "1234567")
  T.eq(ffi.string(buf, 8), "1234567\0")
  T.eq(ffi.string(ffi.cast("char *", buf), 3), "123", "through a pointer the size is unknown")
  T.err(function() ffi.string(ffi.cast("char *", 1), 1) end, "NULL")
end)

-- Last: it uses up the state's type budget.
T.case("making types in a loop stays bounded and fails cleanly", function()
  local ok, err = pcall(function()
    for i = 1, 1e6 do ffi.typeof("char[" .. i .. "]") end
  end)
  T.eq(ok, false)
  T.ok(tostring(err):find("too many C types"), err)
  T.eq(ffi.sizeof("int"), 4)
end)
