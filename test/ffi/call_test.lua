-- Calls into C (fixed and variadic), return conversions, errno, callbacks, metatypes, clib.
local T = require "rump.test"
local ffi = require "syscall.ffi"
package.path = (debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "test/ffi") .. "/?.lua;" .. package.path
local H = require "common"
local tonum = H.tonumber
local L = H.lib

ffi.cdef [[
  size_t strlen(const char *);
  long strtol(const char *, char **, int);
  int snprintf(char *, size_t, const char *, ...);
  int getpid(void);
  void *malloc(size_t);
  void free(void *);
  int close(int);
  ssize_t read(int, void *, size_t);
  int open(const char *, int, ...);
  int pipe(int fd[2]);
  ssize_t write(int, const void *, size_t);
  void qsort(void *, size_t, size_t, int (*)(const void *, const void *));
]]

T.case("fixed-argument calls and return conversions", function()
  T.eq(L.helper_add(2, 3), 5)
  T.eq(type(L.helper_add(2, 3)), "number")
  T.eq(tonum(L.helper_add64(2^40, 1)), 2^40 + 1)
  T.eq(tostring(L.helper_u64max()), "18446744073709551615ULL")
  T.eq(L.helper_neg8(), -5)
  T.eq(L.helper_u8(300), 44)
  T.eq(L.helper_u16(-1), 65535)
  T.eq(L.helper_not(false), true)
  T.eq(L.helper_halff(3), 1.5)
  T.eq(tonum(ffi.C.strlen("hello")), 5)
  T.eq(tonum(ffi.C.strtol("-42", nil, 10)), -42)
  T.ok(ffi.C.strtol("7", nil, 10) == 7, "64-bit result compares with a number")
  T.eq(ffi.C.getpid() > 0, true)
end)

T.case("argument conversions: strings, nil, arrays, structs by pointer", function()
  T.eq(tonum(L.helper_strlen_ptr("abc")), 3)
  T.ok(L.helper_strlen_ptr(nil) == L.helper_u64max(), "nil passes NULL")
  local a = ffi.new("int[4]", {1, 2, 3, 4})
  T.eq(L.helper_sum_arr(a, 4), 10)
  T.eq(L.helper_sum_arr(ffi.cast("int *", a) + 1, 2), 5)
  local b = ffi.new("struct bits1")
  L.helper_bits1_set(b)          -- a struct cdata passed where a pointer is expected
  T.eq(b.c, 1000)
  T.err(function() L.helper_add("x", 1) end, "cannot convert 'string' to 'int'")
  T.err(function() L.helper_add(1) end, "wrong number of arguments")
  T.err(function() L.helper_add(1, 2, 3) end, "wrong number of arguments")
end)

T.case("pointer returns: NULL compares equal to nil, strings read back", function()
  T.ok(L.helper_null() == nil)
  T.eq(ffi.string(L.helper_str()), "static string")
  local p = ffi.C.malloc(16)
  T.ok(p ~= nil)
  ffi.fill(p, 16, 1)
  T.eq(ffi.cast("uint8_t *", p)[15], 1)
  ffi.C.free(p)
end)

T.case("structs by value, in and out", function()
  local r = L.helper_addpt({1, 2}, ffi.new("struct pt", 10, 20))
  T.eq(r.x, 11); T.eq(r.y, 22)
  local s = L.helper_scale3({1, 2, 3}, 2)
  T.eq(s.x, 2); T.eq(s.z, 6)
  local b = L.helper_big(100)
  T.eq(tonum(b.a), 100); T.eq(tonum(b.d), 103)
end)

T.case("variadic calls use the default promotions", function()
  T.eq(L.helper_sumd(3, 1.5, 2, 0.25), 3.75)
  T.eq(tonum(L.helper_sumi(3, ffi.new("int", 1), ffi.new("int8_t", -2), ffi.new("short", 40))), 39)
  local buf = ffi.new("char[64]")
  local n = ffi.C.snprintf(buf, 64, "%s %d %g %lld %c", "str", ffi.new("int", 42), 2.5,
    ffi.new("int64_t", 123456789012), ffi.new("char", 65))
  T.eq(ffi.string(buf), "str 42 2.5 123456789012 A")
  T.eq(n, #"str 42 2.5 123456789012 A")
end)

T.case("errno reflects the last C call", function()
  T.eq(L.helper_fail(7), -1)
  T.eq(ffi.errno(), 7)
  T.eq(L.helper_fail(13), -1)
  T.eq(ffi.errno(), 13)
  T.eq(ffi.errno(2), 13)   -- returns the old value, sets a new one
  T.eq(ffi.errno(), 2)
  T.eq(ffi.C.close(-1), -1)
  T.eq(ffi.errno(), 9)      -- EBADF
end)

T.case("real I/O through ffi: pipe, write, read", function()
  local fds = ffi.new("int[2]")
  T.eq(ffi.C.pipe(fds), 0)
  T.eq(tonum(ffi.C.write(fds[1], "ping", 4)), 4)
  local buf = ffi.new("char[8]")
  T.eq(tonum(ffi.C.read(fds[0], buf, 8)), 4)
  T.eq(ffi.string(buf, 4), "ping")
  ffi.C.close(fds[0]); ffi.C.close(fds[1])
  T.eq(tonum(ffi.C.read(fds[0], buf, 8)), -1)
  T.eq(ffi.errno(), 9)
end)

T.case("callbacks: casts, implicit conversion, free and set", function()
  local add = ffi.cast("int (*)(int, int)", function(a, b) return a * 10 + b end)
  T.eq(add(4, 2), 42)
  T.eq(L.helper_apply(add, 1, 2), 12)
  T.eq(L.helper_applyd(function(x) return x / 4 end, 10), 2.5)
  local seen = {}
  local each = ffi.cast("void (*)(int, const char *)", function(i, s) seen[#seen + 1] = i .. ffi.string(s) end)
  L.helper_each(3, each)
  T.eq(table.concat(seen, ","), "0zero,1one,2two")
  add:set(function(a, b) return a - b end)
  T.eq(L.helper_apply(add, 5, 2), 3)
  add:free(); each:free()
  local arr = ffi.new("int[5]", {5, 1, 4, 2, 3})
  local cmp = ffi.cast("int (*)(const void *, const void *)", function(a, b)
    return ffi.cast("const int *", a)[0] - ffi.cast("const int *", b)[0]
  end)
  ffi.C.qsort(arr, 5, 4, cmp)
  cmp:free()
  T.eq(arr[0] * 10000 + arr[1] * 1000 + arr[2] * 100 + arr[3] * 10 + arr[4], 12345)
end)

T.case("library namespaces: variables, missing symbols, ffi.load errors", function()
  T.eq(L.helper_counter, 7)
  L.helper_counter = 9; T.eq(L.helper_counter, 9)
  T.eq(ffi.string(L.helper_name), "helper")
  T.err(function() return L.helper_undeclared end, "helper_undeclared")
  ffi.cdef "int helper_not_in_lib(void);"
  T.err(function() return L.helper_not_in_lib end, "helper_not_in_lib")
  T.err(function() ffi.load("/nonexistent/libnothing.so") end, "nothing")
  local c = ffi.load("c")
  T.eq(tonum(c.strlen("abcd")), 4)
end)

T.case("metatypes: methods, operators, __gc, __tostring, ctype indexing", function()
  ffi.cdef "struct mt_vec { double x, y; };"
  local gcs = 0
  local V
  V = ffi.metatype("struct mt_vec", {
    __index = { len2 = function(v) return v.x * v.x + v.y * v.y end, kind = "vec" },
    __add = function(a, b) return V(a.x + b.x, a.y + b.y) end,
    __eq = function(a, b) return a.x == b.x and a.y == b.y end,
    __lt = function(a, b) return a:len2() < b:len2() end,
    __le = function(a, b) return a:len2() <= b:len2() end,
    __tostring = function(v) return string.format("vec(%g,%g)", v.x, v.y) end,
    __len = function(v) return 2 end,
    __concat = function(a, b) return tostring(a) .. tostring(b) end,
    __call = function(v, k) return v.x * k end,
    __unm = function(v) return V(-v.x, -v.y) end,
    __gc = function(v) gcs = gcs + 1 end,
  })
  local a, b = V(1, 2), V(3, 4)
  T.eq(a:len2(), 5); T.eq(a.kind, "vec")
  local c = a + b; T.eq(c.x, 4); T.eq(c.y, 6)
  T.ok(a == V(1, 2)); T.ok(a ~= b); T.ok(a < b); T.ok(a <= b)
  T.eq(tostring(a), "vec(1,2)"); T.eq(#a, 2); T.eq(a .. b, "vec(1,2)vec(3,4)")
  T.eq(a(10), 10); T.eq((-a).x, -1)
  local p = ffi.cast("struct mt_vec *", a)
  T.eq(p:len2(), 5)                  -- methods apply through pointers too
  T.eq(V.kind, "vec")                -- the ctype indexes through __index
  T.err(function() ffi.metatype("struct mt_vec", {}) end, "protected")
  a, b, c, p = nil, nil, nil, nil
  collectgarbage(); collectgarbage()
  T.ok(gcs >= 3, "finalizers ran: " .. gcs)
end)

T.case("errors for bad uses never crash", function()
  if not H.luajit then
    -- Our module checks what LuaJIT leaves to a segfault.
    T.err(function() local p = ffi.cast("int *", 0); return p[0] end, "NULL")
    T.err(function() local p = ffi.cast("struct a1 *", 0); p.i = 1 end, "NULL")
    T.err(function() ffi.string(nil) end, "pointer")
    T.err(function() ffi.copy(nil, "x") end, "pointer")
    T.err(function() ffi.cast("void (*)(void)", 0)() end, "NULL")
  end
  T.err(function() return ffi.new("struct a1").i.x end)
  T.err(function() return ffi.new("int")[0] end)
  T.err(function() ffi.new("void") end)
  T.err(function() ffi.sizeof(42) end)
  T.err(function() ffi.cast("struct a1", 1) end)
  T.err(function() return ffi.new("int64_t", 1) + {} end)
  T.err(function() return ffi.new("struct a1") < ffi.new("struct a1") end)
end)

T.case("an error inside a callback is raised after the C call returns", function()
  local calls = 0
  local cb = ffi.cast("int (*)(int, int)", function(a, b)
    calls = calls + 1
    if a == 13 then error("unlucky " .. a) end
    return a + b
  end)
  T.eq(L.helper_apply(cb, 1, 2), 3)
  T.err(function() L.helper_apply(cb, 13, 0) end, "unlucky 13")
  T.eq(L.helper_apply(cb, 2, 2), 4, "usable after an error")
  T.eq(calls, 3)
  T.err(function() L.helper_apply(function() return "not a number" end, 1, 2) end, "cannot convert")
  cb:free()
end)

T.case("ffi.gc(cd, nil) also removes a metatype's __gc; ffi.gc(cd, f) replaces it", function()
  ffi.cdef "struct gc_obj { int id; };"
  local log = {}
  local G = ffi.metatype("struct gc_obj", { __gc = function(o) log[#log + 1] = "mt" .. o.id end })
  do
    local a, b, c = G(1), G(2), G(3)
    ffi.gc(b, nil)
    ffi.gc(c, function(o) log[#log + 1] = "own" .. o.id end)
  end
  collectgarbage(); collectgarbage()
  table.sort(log)
  T.eq(table.concat(log, ","), "mt1,own3")
end)

T.case("metatype __new replaces the constructor; ffi.new still makes plain objects", function()
  ffi.cdef "struct mt_counted { int n; int made_by_new; };"
  local made = 0
  local Ct = ffi.metatype("struct mt_counted", {
    __new = function(ct, n)
      made = made + 1
      return ffi.new(ct, n, 1)
    end,
  })
  local a = Ct(5)
  T.eq(a.n, 5); T.eq(a.made_by_new, 1); T.eq(made, 1)
  local b = ffi.new("struct mt_counted", 7)
  T.eq(b.n, 7); T.eq(b.made_by_new, 0); T.eq(made, 1)
end)
