-- Implicit conversions to pointer types follow LuaJIT's compatibility rules: a cdata pointer,
-- array or struct converts (without ffi.cast) only to void *, to a pointer to the same type
-- (qualifiers may be added, never dropped), or to a pointer to a type of the same kind and
-- size (signedness and plain char do not count); anything else is "cannot convert 'X' to 'Y'".
local T = require "rump.test"
local ffi = require "syscall.ffi"
package.path = (debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "test/ffi") .. "/?.lua;" .. package.path
require "common"   -- the shared declarations (struct pt, struct a1, timespec_like ...)

ffi.cdef [[
struct ptrconv_a { int x; };
struct ptrconv_b { int x; };
typedef struct ptrconv_a ptrconv_a_t;
enum ptrconv_e { PTRCONV_E1 = 1 };
typedef int (*ptrconv_fn)(int, int);
int ptrconv_gettimeofday(struct timespec_like *tv, void *tz) __asm__("gettimeofday");
]]

-- Store v into a `t` slot: an implicit conversion, as for an argument or a field.
local function store(t, v)
  local slot = ffi.new(t .. "[1]")
  slot[0] = v
  return slot[0]
end

local function ok(t, v) T.ok(pcall(store, t, v), "accepted: " .. t) end
local function bad(t, v, from, to)
  T.err(function() store(t, v) end, "cannot convert '" .. from:gsub("%p", "%%%0") .. "' to '" ..
    to:gsub("%p", "%%%0") .. "'")
end

T.case("pointers to unrelated structs do not convert", function()
  bad("struct ptrconv_b *", ffi.new("struct ptrconv_a[1]"), "struct ptrconv_a [1]", "struct ptrconv_b *")
  bad("struct ptrconv_b *", ffi.new("struct ptrconv_a"), "struct ptrconv_a", "struct ptrconv_b *")
  local pa = ffi.cast("struct ptrconv_a *", ffi.new("struct ptrconv_a[1]"))
  bad("struct ptrconv_b *", pa, "struct ptrconv_a *", "struct ptrconv_b *")
  -- a member (a reference) converts as its value
  local s = ffi.new("struct { struct ptrconv_a a; struct ptrconv_b b; }")
  bad("struct ptrconv_b *", s.a, "struct ptrconv_a", "struct ptrconv_b *")
  ok("struct ptrconv_b *", s.b)
  -- ffi.new initializers are implicit too; ffi.cast is not
  T.err(function() return ffi.new("struct ptrconv_b *", pa) end, "cannot convert")
  T.ok(ffi.cast("struct ptrconv_b *", pa) ~= nil, "ffi.cast converts anything")
end)

T.case("same type, typedefs, added qualifiers and void * convert", function()
  local a = ffi.new("struct ptrconv_a[1]")
  ok("struct ptrconv_a *", a)
  ok("struct ptrconv_a *", a[0])
  ok("struct ptrconv_a *", ffi.new("ptrconv_a_t[1]"))
  ok("const struct ptrconv_a *", a)
  ok("volatile struct ptrconv_a *", a)
  ok("void *", a)
  ok("const void *", a)
  ok("struct ptrconv_a *", ffi.new("void *"))
  local p = store("struct ptrconv_a *", a)
  T.ok(p == ffi.cast("struct ptrconv_a *", a), "the address is kept")
end)

T.case("qualifiers of the pointee cannot be dropped", function()
  bad("struct ptrconv_a *", ffi.new("const struct ptrconv_a *"), "const struct ptrconv_a *", "struct ptrconv_a *")
  bad("void *", ffi.new("const struct ptrconv_a *"), "const struct ptrconv_a *", "void *")
  bad("struct ptrconv_a *", ffi.new("const void *"), "const void *", "struct ptrconv_a *")
  bad("int *", ffi.new("const int[4]"), "const int [4]", "int *")
  ok("const int *", ffi.new("const int[4]"))
end)

T.case("numeric pointees: same kind and size, any signedness", function()
  ok("unsigned int *", ffi.new("int *"))
  ok("int64_t *", ffi.new("uint64_t *"))
  ok("uint8_t *", ffi.new("char *"))
  ok("char *", ffi.new("int8_t[3]"))
  ok("int *", ffi.new("enum ptrconv_e *"))
  ok("int *", ffi.new("int[4]"))
  ok("int *", ffi.new("int[?]", 3))
  bad("float *", ffi.new("int *"), "int *", "float *")
  bad("int64_t *", ffi.new("int *"), "int *", "int64_t *")
  bad("int *", ffi.new("short *"), "short *", "int *")
  bad("double *", ffi.new("float *"), "float *", "double *")
  bad("int64_t *", ffi.new("double *"), "double *", "int64_t *")
  bad("unsigned char *", ffi.new("bool *"), "bool *", "unsigned char *")
  bad("char *", ffi.new("int[4]"), "int [4]", "char *")
  bad("int *", ffi.new("int[2][3]"), "int [2][3]", "int *")
end)

T.case("pointers to pointers: identical qualifiers, no void * wildcard", function()
  bad("void **", ffi.new("int *[1]"), "int *[1]", "void **")
  bad("int **", ffi.new("void *[1]"), "void *[1]", "int **")
  bad("const int **", ffi.new("int *[1]"), "int *[1]", "const int **")
  ok("int *const *", ffi.new("int *[1]"))
  ok("void *", ffi.new("int *[1]"))
end)

T.case("functions convert to void * and function pointers", function()
  ok("void *", ffi.C.ptrconv_gettimeofday)
  ok("ptrconv_fn", ffi.C.ptrconv_gettimeofday)
  -- (LuaJIT and we spell the function type differently)
  T.err(function() store("int *", ffi.C.ptrconv_gettimeofday) end, "cannot convert 'int .*' to 'int %*'")
end)

T.case("C call arguments: a wrong struct pointer is refused before the call", function()
  local tv = ffi.new("struct timespec_like")
  T.eq(ffi.C.ptrconv_gettimeofday(tv, nil), 0)
  T.ok(tv.tv_sec > 0, "the call wrote the struct")
  T.err(function() ffi.C.ptrconv_gettimeofday(ffi.new("struct pt"), nil) end,
    "cannot convert 'struct pt' to 'struct timespec_like %*'")
  T.err(function() ffi.C.ptrconv_gettimeofday(ffi.new("char[16]"), nil) end,
    "cannot convert 'char %[16%]' to 'struct timespec_like %*'")
  T.eq(ffi.C.ptrconv_gettimeofday(ffi.cast("struct timespec_like *", ffi.new("long[2]")), nil), 0)
end)

-- Not a pointer rule, but the same kind of guard: a garbage length must not allocate and
-- zero-fill gigabytes (on PUC Lua that stalled S.util.recvfds(fd, 2^31)); LuaJIT refuses
-- objects of 2 GB and more.
T.case("cdata of 2 GB or more are refused", function()
  T.err(function() return ffi.new("char[?]", 2 ^ 31) end, "size of C type is unknown or too large")
  T.err(function() return ffi.new("int[?]", 2 ^ 30) end, "size of C type is unknown or too large")
  T.err(function() return ffi.new("char[3000000000]") end, "size of C type is unknown or too large")
  T.eq(ffi.sizeof(ffi.new("char[?]", 4096)), 4096)
end)
