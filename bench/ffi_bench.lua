-- FFI micro-benchmarks: a null C call (getpid through ffi.C) and a 4 KiB read() from /dev/zero.
-- Prints one line per figure: "<interpreter> <benchmark> <ns per op>".
local ffi = require "syscall.ffi"
local clock = os.clock

ffi.cdef [[
  int getpid(void);
  int open(const char *, int, ...);
  ssize_t read(int, void *, size_t);
  int close(int);
]]

local interp = (jit and jit.version) or _VERSION
local function bench(name, n, fn)
  fn(math.min(n, 1000))                     -- warm up
  local t0 = clock()
  fn(n)
  local dt = clock() - t0
  print(string.format("%-22s %-26s %9.1f ns/op  (%d ops)", interp, name, dt * 1e9 / n, n))
end

local getpid = ffi.C.getpid
bench("null call getpid()", 2000000, function(n)
  for _ = 1, n do getpid() end
end)

ffi.cdef "int abs(int);"
local abs = ffi.C.abs
bench("pure call abs(-1)", 2000000, function(n)
  for _ = 1, n do abs(-1) end
end)

bench("ffi.C.getpid() lookup+call", 1000000, function(n)
  local C = ffi.C
  for _ = 1, n do C.getpid() end
end)

local fd = ffi.C.open("/dev/zero", 0)
assert(fd >= 0, "open /dev/zero")
local buf = ffi.new("char[4096]")
local read = ffi.C.read
bench("read 4 KiB /dev/zero", 300000, function(n)
  for _ = 1, n do assert(read(fd, buf, 4096) == 4096) end
end)
ffi.C.close(fd)

ffi.cdef "struct bench_st { int a, b, c, d, e, f, g, h; double x; };"
local st = ffi.new("struct bench_st")
bench("struct field read+write", 2000000, function(n)
  for i = 1, n do st.x = st.h + i end
end)

local arr = ffi.new("int[256]")
bench("array element read+write", 2000000, function(n)
  for i = 1, n do arr[i % 256] = arr[(i + 1) % 256] + 1 end
end)

local S = ffi.typeof("struct { int a; double b; }")
bench("ffi.new struct + field", 1000000, function(n)
  local s
  for i = 1, n do s = S(); s.a = i end
end)
