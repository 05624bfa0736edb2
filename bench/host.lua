-- Host benchmark: the cost of a syscall through require "syscall", beside the same operation
-- in C ($RUMPUS_BUILD/bench/getpid, from bench/getpid.c) measured in the same run.
-- Every figure is ns per call, the best of 5 rounds.
local S = require "syscall"
local ffi = require "syscall.ffi"

local ROUNDS = 5
local function now() return S.clock_gettime("monotonic").time end

local function measure(n, fn)
  fn(math.floor(n / 100) + 1)
  local best = math.huge
  for _ = 1, ROUNDS do
    local t0 = now()
    fn(n)
    local dt = (now() - t0) / n
    if dt < best then best = dt end
  end
  return best * 1e9
end

-- The C figures, by operation name.
local cfig = {}
do
  local build = os.getenv("RUMPUS_BUILD") or "build"
  local p = io.popen("'" .. build .. "/bench/getpid' -t 2>&1")
  local out = p and p:read("*a") or ""
  if p then p:close() end
  for name, ns in out:gmatch("([^\t\n]+)\t([%d%.]+)") do cfig[name] = tonumber(ns) end
  if not next(cfig) then
    io.write("(no C baseline: ", build, "/bench/getpid did not run: ", out:gsub("\n", " "), ")\n")
  end
end

local rows = {}
local function row(name, cname, lua_ns)
  rows[#rows + 1] = { name = name, c = cname and cfig[cname], cname = cname, lua = lua_ns }
end

local zero = assert(S.open("/dev/zero", "rdonly, cloexec"))
local null = assert(S.open("/dev/null", "wronly, cloexec"))
local buf = S.t.buffer(4096)

row("S.getpid()", "syscall(SYS_getpid)", measure(500000, function(n)
  local f = S.getpid
  for _ = 1, n do f() end
end))
row("S.getpid()", "getpid()", rows[1].lua)
ffi.cdef[[long rumpus_bench_syscall(long n, ...) __asm__("syscall");]]
local nr = (jit and jit.arch == "arm64") and 172 or 39
row("ffi.C syscall(SYS_getpid)", "syscall(SYS_getpid)", measure(500000, function(n)
  local C = ffi.C
  for _ = 1, n do C.rumpus_bench_syscall(nr) end
end))
row("fd:read(buf) 4 KiB /dev/zero", "read 4 KiB /dev/zero", measure(100000, function(n)
  for _ = 1, n do
    if zero:read(buf, 4096) ~= 4096 then error("short read") end
  end
end))
row("fd:read() -> string, 4 KiB /dev/zero", "read 4 KiB /dev/zero", measure(100000, function(n)
  for _ = 1, n do
    if #zero:read() ~= 4096 then error("short read") end
  end
end))
row("fd:write(buf) 4 KiB /dev/null", "write 4 KiB /dev/null", measure(100000, function(n)
  for _ = 1, n do
    if null:write(buf, 4096) ~= 4096 then error("short write") end
  end
end))
local s4k = string.rep("x", 4096)
row("fd:write(string) 4 KiB /dev/null", "write 4 KiB /dev/null", measure(100000, function(n)
  for _ = 1, n do
    if null:write(s4k) ~= 4096 then error("short write") end
  end
end))
row("S.open + fd:close /dev/null", "open+close /dev/null", measure(30000, function(n)
  for _ = 1, n do
    local fd = assert(S.open("/dev/null", "rdonly, cloexec"))
    fd:close()
  end
end))
zero:close()
null:close()

io.write(string.format("host syscalls, ns/op (best of %d; Lua: %s):\n", ROUNDS, jit and jit.version or _VERSION))
io.write(string.format("  %-38s %10s   %-22s %10s %7s\n", "Lua", "ns/op", "C", "ns/op", "ratio"))
for _, r in ipairs(rows) do
  local cs = r.c and string.format("%10.1f", r.c) or string.format("%10s", "-")
  local ratio = r.c and string.format("%6.2fx", r.lua / r.c) or ""
  io.write(string.format("  %-38s %10.1f   %-22s %s %7s\n", r.name, r.lua, r.cname or "", cs, ratio))
end
