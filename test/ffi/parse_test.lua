-- The C declaration parser: what ffi.cdef and type strings accept, and clear errors otherwise.
local T = require "rump.test"
local ffi = require "syscall.ffi"
package.path = (debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "test/ffi") .. "/?.lua;" .. package.path
local H = require "common"
local tonum = H.tonumber

T.case("builtin integer typedefs have their C sizes", function()
  local want = { int8_t = 1, uint8_t = 1, int16_t = 2, uint16_t = 2, int32_t = 4, uint32_t = 4,
    int64_t = 8, uint64_t = 8, size_t = 8, ssize_t = 8, intptr_t = 8, uintptr_t = 8,
    ptrdiff_t = 8, bool = 1, _Bool = 1, char = 1, short = 2, int = 4, long = 8,
    ["long long"] = 8, ["unsigned long"] = 8, float = 4, double = 8, ["void *"] = 8,
    ["signed char"] = 1, ["unsigned short int"] = 2, ["long int"] = 8 }
  for name, size in pairs(want) do T.eq(ffi.sizeof(name), size, name) end
end)

T.case("typedefs, enums, static const and arrays sized by constants", function()
  ffi.cdef [[
    typedef int ptest_int;
    typedef ptest_int ptest_arr[4];
    enum ptest_e { PT_A, PT_B = 10, PT_C, PT_D = PT_C * 2 };
    static const int PT_K = 3 << 2;
    typedef struct { char b[PT_K + sizeof(int)]; } ptest_buf;
  ]]
  T.eq(ffi.sizeof("ptest_arr"), 16)
  T.eq(ffi.C.PT_A, 0); T.eq(ffi.C.PT_B, 10); T.eq(ffi.C.PT_C, 11); T.eq(ffi.C.PT_D, 22)
  T.eq(ffi.C.PT_K, 12)
  T.eq(ffi.sizeof("ptest_buf"), 16)
  T.eq(ffi.sizeof("enum ptest_e"), 4)
end)

T.case("pointers, arrays, function pointers and nested declarators", function()
  T.eq(ffi.sizeof("int *[3]"), 24)
  T.eq(ffi.sizeof("int (*)[3]"), 8)
  T.eq(ffi.sizeof("char [2][3]"), 6)
  T.ok(tostring(ffi.typeof("int (*)(int, char *)")):find("ctype<int (*)(", 1, true))
  T.eq(tostring(ffi.typeof("char [?]")), "ctype<char [?]>")
  T.eq(tostring(ffi.typeof("int [3]")), "ctype<int [3]>")
  ffi.cdef "typedef void (*ptest_handler)(int sig); struct ptest_sa { ptest_handler h; int (*f[2])(void); };"
  T.eq(ffi.sizeof("struct ptest_sa"), 24)
  T.eq(ffi.offsetof("struct ptest_sa", "f"), 8)
end)

T.case("struct forms: forward, nested, anonymous members, flexible and VLS", function()
  ffi.cdef [[
    struct ptest_fwd;
    struct ptest_list { struct ptest_list *next; struct ptest_fwd *f; int v; };
    struct ptest_outer { struct ptest_in { int a, b; } in; union { int u; char c; }; };
    struct ptest_vls { int n; double d[?]; };
  ]]
  T.eq(ffi.sizeof("struct ptest_list"), 24)
  T.eq(ffi.sizeof("struct ptest_in"), 8)
  T.eq(ffi.offsetof("struct ptest_outer", "u"), 8)
  T.eq(ffi.offsetof("struct ptest_outer", "c"), 8)
  T.eq(ffi.sizeof("struct ptest_vls", 3), 32)
  T.eq(ffi.sizeof("struct ptest_fwd"), nil)
  T.eq(ffi.sizeof("struct flex"), 4)
  T.eq(ffi.sizeof(ffi.new("struct flex").d), nil, "a flexible member's size is unknown")
  T.eq(ffi.sizeof("char[]"), nil)
  T.eq(ffi.offsetof("struct flex", "d"), 4)
end)

T.case("packed and aligned attributes", function()
  T.eq(ffi.sizeof("struct epoll_like"), 12)
  T.eq(ffi.offsetof("struct epoll_like", "data"), 4)
  T.eq(ffi.sizeof("struct packed1"), 7)
  T.eq(ffi.alignof("struct aligned2"), 8)
  T.eq(ffi.offsetof("struct aligned1", "i"), 16)
  ffi.cdef "typedef struct ptest_al { int x; } __attribute__((aligned(16))) ptest_al_t;"
  T.eq(ffi.alignof("ptest_al_t"), 16)
  T.eq(ffi.sizeof("struct ptest_al"), 16)
end)

T.case("bit-fields: offsets and widths", function()
  local o, pos, size = ffi.offsetof("struct bits1", "c")
  T.eq(size, 10)
  T.eq(o * 8 + pos, 8)
  o, pos, size = ffi.offsetof("struct bits1", "e")
  T.eq(size, 20)
  T.eq(o * 8 + pos, 32)
end)

T.case("asm redirection binds a private name to a C symbol", function()
  ffi.cdef [[ int ptest_getpid(void) __asm__("getpid"); size_t ptest_len(const char *) asm("strlen"); ]]
  ffi.cdef "int getpid(void);"
  T.eq(ffi.C.ptest_getpid(), ffi.C.getpid())
  T.eq(tonum(ffi.C.ptest_len("four")), 4)
end)

T.case("qualifiers, attributes and comments are accepted", function()
  ffi.cdef [[
    /* comment */ typedef const volatile unsigned long * __restrict ptest_q; // line comment
    extern int ptest_fn(const char * restrict, ...) __attribute__((nonnull(1), format(printf, 1, 2)));
  ]]
  T.eq(ffi.sizeof("ptest_q"), 8)
end)

T.case("$ parameters in type strings", function()
  local pt = ffi.typeof("$ *", ffi.typeof("struct a1"))
  T.eq(tostring(pt), "ctype<struct a1 *>")
  T.eq(ffi.sizeof(ffi.typeof("int[$]", 5)), 20)
end)

T.case("malformed declarations give clear errors", function()
  T.err(function() ffi.cdef "int x(" end, "expected")
  T.err(function() ffi.cdef "struct { int a; } x y;" end, "';' expected")
  T.err(function() ffi.cdef "struct ptest_dup { int a; }; struct ptest_dup { int a; };" end, "redefine")
  T.err(function() ffi.cdef "enum { PT_A = 1 };" end, "redefine")
  T.err(function() ffi.typeof "struct ptest_nosuch" ; ffi.new "struct ptest_nosuch" end)
  T.err(function() ffi.typeof "no_such_type" end)
  T.err(function() ffi.cdef "int a[-1];" end)
  T.err(function() ffi.cdef "typedef int ptest_bad @;" end)
  T.err(function() ffi.cdef "int ptest_u = ;" end)
  T.err(function() ffi.typeof "int int" end)
  T.err(function() ffi.typeof "" end)
end)

T.case("type strings do not declare tags; cdef may forward-declare them", function()
  T.err(function() ffi.typeof("struct ptest_never") end, "undeclared or implicit tag")
  T.err(function() ffi.typeof("struct ptest_never2 *") end, "undeclared or implicit tag")
  T.err(function() ffi.typeof("enum ptest_never3") end, "undeclared or implicit tag")
  ffi.cdef "struct ptest_fwd2; struct ptest_fwd3 *ptest_fwdfn(void);"
  T.ok(ffi.typeof("struct ptest_fwd2"))
  T.ok(ffi.typeof("struct ptest_fwd3 *"))
  -- the idiom "declare unless already declared" works
  if not pcall(ffi.typeof, "struct ptest_once") then ffi.cdef "struct ptest_once { int a; };" end
  T.eq(ffi.sizeof("struct ptest_once"), 4)
end)

T.case("a struct cannot contain itself, not even through a nested body of its own tag", function()
  -- LuaJIT refuses a nested body for the tag being defined; the PUC ffi accepted it and
  -- ffi.fill/ffi.new on the result recursed until the C stack overflowed.
  T.err(function() ffi.cdef "struct pself1 { struct pself1 { int v; } c; };" end, "redefine")
  T.err(function() ffi.cdef "union pself2 { union pself2 { int v; } c; };" end, "redefine")
  T.err(function() ffi.cdef "struct pself3 { int a; struct { struct pself3 { int v; } c; } in; };" end,
    "redefine")
  -- by value, directly, through a typedef, an array or another struct: incomplete
  T.err(function() ffi.cdef "struct pself4 { struct pself4 c; };" end, "")
  T.err(function() ffi.cdef "typedef struct pself5 pself5_t; struct pself5 { pself5_t c; };" end, "")
  T.err(function() ffi.cdef "struct pself6 { struct pself6 c[1]; };" end, "")
  T.err(function() ffi.cdef "struct pself7 { struct pself8 { struct pself7 x; } c; };" end, "")
  T.err(function() ffi.cdef "struct pself9; struct pself10 { struct pself9 c; };" end, "")
  -- none of them became a usable type: sizeof, new and fill refuse, nothing recurses
  for _, t in ipairs { "struct pself1", "union pself2", "struct pself4", "struct pself6" } do
    local ok, ct = pcall(ffi.typeof, t)
    if ok then
      T.eq(ffi.sizeof(ct), nil, t)
      T.ok(not pcall(ffi.new, ct), t)
    end
  end
  -- pointers to itself and a nested body of another tag stay fine
  ffi.cdef "struct pself11 { struct pself11 *next; struct pself12 { int v; } c; struct pself12 d; };"
  local v = ffi.new("struct pself11")
  ffi.fill(v, ffi.sizeof(v), 1)
  T.eq(v.c.v, 0x01010101)
  T.eq(v.d.v, 0x01010101)
  T.eq(ffi.sizeof("struct pself11"), 16)
end)
