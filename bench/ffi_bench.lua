-- FFI micro-benchmarks: a null C call (getpid through ffi.C) and a 4 KiB read() from /dev/zero.
-- Prints one line per figure: "<interpreter> <benchmark> <ns per op>" (the median of short
-- batches).
local ffi = require "syscall.ffi"
local clock = os.clock

ffi.cdef [[
  int getpid(void);
  int open(const char *, int, ...);
  ssize_t read(int, void *, size_t);
  int close(int);
]]

local interp = (jit and jit.version) or _VERSION
-- The median of 31 short batches (about 0.2 ms each, timed with os.clock: processor time,
-- so a batch that waited for the CPU on a shared machine is not counted as slower).
local function bench(name, n, fn)
  local per = math.max(1, math.floor(n / 1000))
  fn(per)                                   -- warm up
  local t = {}
  for r = 1, 31 do
    local t0 = clock()
    fn(per)
    t[r] = (clock() - t0) / per
  end
  table.sort(t)
  print(string.format("%-22s %-26s %9.1f ns/op  (median of 31 batches of %d)", interp, name, t[16] * 1e9, per))
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
