-- bench/util.lua: what every Lua benchmark shares (docs/bench.md).
--   local B = dofile((arg[0]:match("^(.-)[^/]*$")) .. "util.lua")
--
-- Method: a figure and its baseline run in the same process, in short batches interleaved
-- (a b, b a, a b ...), and each is the median of its batches' per-operation times, so that
-- a disturbance on the shared machine hits both sides alike and no side gets the lucky
-- round.  Latencies are per operation: median and p99 over every operation of every batch.
--
-- Results leave the process as lines the driver (bench/run.lua) collects for its table:
--   @fig <TAB> key <TAB> label <TAB> value <TAB> unit <TAB> note (p99...; may be empty)
--   @cmp <TAB> key <TAB> baseline key ("-": none) <TAB> how the two were measured
-- Keys are global over the run, so a figure may name a baseline measured by another
-- process (the PUC Luas against LuaJIT); the table says so.
local ffi = require "syscall.ffi"

local B = {}

B.quick = (os.getenv("BENCH_QUICK") or "") ~= "" and os.getenv("BENCH_QUICK") ~= "0"
B.load = (os.getenv("BENCH_LOAD") or "") ~= "" and os.getenv("BENCH_LOAD") ~= "0"
B.lua = rawget(_G, "jit") and "luajit" or _VERSION:gsub("Lua ", "lua")

-- Rounds of interleaved batches (fewer with BENCH_QUICK).
function B.rounds(n) return B.quick and math.max(3, math.floor(n / 4)) or n end

ffi.cdef [[
double rb_now(void);
void *rb_kernel_create_addr(void);
double rb_host_getpid(long n);
double rb_host_read(int fd, void *buf, long len, long n);
double rb_host_write(int fd, const void *buf, long len, long n);
double rb_host_openclose(const char *path, long n);
double rb_host_filecycle(const char *path, const void *data, long len, long n);
double rb_kern_getpid(void *k, long n);
double rb_kern_boot(const char *const *comps, long n);
double rb_kern_filecycle(void *k, const char *path, const void *data, long len, long n);
int rb_udp_rtt1(void *ka, int sa, const void *tob, int toblen, void *kb, int sb, const void *toa, int toalen, long n, double *lat);
int rb_udp_rtt2(void *ka, int sa, const void *tob, int toblen, void *kb, int sb, const void *toa, int toalen, long n, double *lat);
int rb_udp_rtt2_fork(int sa, const void *tob, int toblen, int sb, const void *toa, int toalen, long n, double *lat);
int rb_load_start(int n, int maxsec, int *pids);
void rb_load_stop(int n, const int *pids);
]]

local build = os.getenv("RUMPUS_BUILD") or "build"
local clib
-- The C loops ($RUMPUS_BUILD/bench/libbench.so).  With require "rump" loaded, checks that
-- both name the same kernel library (a second copy would have kernels of its own).
function B.lib()
  if clib then return clib end
  clib = ffi.load(build .. "/bench/libbench.so")
  local ok, rump = pcall(require, "rump")
  if ok then
    local mine = ffi.cast("void *", clib.rb_kernel_create_addr())
    local theirs = ffi.cast("void *", rump.library().rumpus_kernel_create)
    if mine ~= theirs then
      error("bench: libbench.so and require \"rump\" loaded two kernel libraries (is RUMPUS_LIB set?)")
    end
  end
  return clib
end

-- Time in ns (double): through the C library on LuaJIT, else through the syscall binding.
local now
do
  local ok, l = false, nil
  if rawget(_G, "jit") then ok, l = pcall(B.lib) end
  if ok then
    local f = l.rb_now
    now = function() return f() end
  else
    local S = require "syscall"
    now = function() return S.clock_gettime("monotonic").time * 1e9 end
  end
end
B.now = now

-- Wraps a function that runs n operations into one that returns the ns they took.
function B.timed(fn) return function(n) local t0 = now(); fn(n); return now() - t0 end end

local function sorted(xs)
  local s = {}
  for i = 1, #xs do s[i] = xs[i] end
  table.sort(s)
  return s
end
-- The q-quantile (0..1) of xs, nearest rank.
function B.quantile(xs, q)
  local s = sorted(xs)
  if #s == 0 then return 0 / 0 end
  local i = math.max(1, math.min(#s, math.ceil(q * #s)))
  return s[i]
end
function B.median(xs) return B.quantile(xs, 0.5) end

-- Interleaved batches.  spec = { n = ops per batch, rounds = R, warm = batches (default 2),
-- fns = { {name, fn [, n]}, ... } } where fn(n) runs n operations and returns the ns they
-- took (negative: a failure); a third field gives that function its own batch size.  The
-- order rotates every round.  Batches should be short (a few hundred microseconds), so
-- that on a shared machine most of them run without being preempted and the median is
-- one of those.  Returns name -> { med = median ns per op, p10, p90 (of the batch means),
-- batches = {...} }.
function B.interleave(spec)
  local fns = spec.fns
  local per = {}
  for _, f in ipairs(fns) do
    per[f[1]] = {}
    for _ = 1, spec.warm or 2 do
      local t = f[2](f[3] or spec.n)
      if t < 0 then error(("bench: %s failed (errno %d)"):format(f[1], -t)) end
    end
  end
  for r = 1, B.rounds(spec.rounds or 31) do
    for j = 0, #fns - 1 do
      local f = fns[(r + j - 1) % #fns + 1]
      local n = f[3] or spec.n
      local t = f[2](n)
      if t < 0 then error(("bench: %s failed (errno %d)"):format(f[1], -t)) end
      local b = per[f[1]]
      b[#b + 1] = t / n
    end
  end
  local out = {}
  for name, b in pairs(per) do
    out[name] = { med = B.median(b), p10 = B.quantile(b, 0.1), p90 = B.quantile(b, 0.9), batches = b }
  end
  return out
end

-- Latencies in interleaved batches: fn(n, out) runs n operations and appends each one's ns
-- to the Lua table out.  Returns name -> { med, p99, n }.
function B.latencies(spec)
  local fns, n = spec.fns, spec.n
  local per = {}
  for _, f in ipairs(fns) do
    per[f[1]] = {}
    f[2](math.min(n, 100), {})
  end
  for r = 1, B.rounds(spec.rounds or 20) do
    for j = 0, #fns - 1 do
      local f = fns[(r + j - 1) % #fns + 1]
      f[2](n, per[f[1]])
    end
  end
  local out = {}
  for name, l in pairs(per) do
    local s = sorted(l)
    out[name] = { med = s[math.max(1, math.ceil(#s / 2))], p99 = s[math.max(1, math.ceil(#s * 0.99))], n = #s }
  end
  return out
end

-- Results.
local unitfmt = { ns = "%.1f", us = "%.2f", ms = "%.2f", KiB = "%.2f", ["ops/s"] = "%.0f", ["pkt/s"] = "%.0f" }
function B.fmt(v, unit)
  return (unitfmt[unit] or "%.3g"):format(v) .. " " .. unit
end
local clean = function(s) return (tostring(s):gsub("[\t\n]", " ")) end
function B.fig(key, label, value, unit, note)
  io.write(("  %-58s %14s%s\n"):format(label, B.fmt(value, unit), note and ("   " .. note) or ""))
  io.write(("@fig\t%s\t%s\t%.17g\t%s\t%s\n"):format(clean(key), clean(label), value, unit, clean(note or "")))
end
function B.cmp(key, basekey, how)
  io.write(("@cmp\t%s\t%s\t%s\n"):format(clean(key), clean(basekey or "-"), clean(how or "")))
end
-- A figure measured beside its baseline: both figures and the comparison.
function B.pairfig(key, label, v, basekey, baselabel, bv, unit, how, notes)
  B.fig(key, label, v, unit, notes and notes[1])
  B.fig(basekey, baselabel, bv, unit, notes and notes[2])
  io.write(("  %-58s %14s\n"):format("  ratio", ("%.2fx"):format(v / bv)))
  B.cmp(key, basekey, how)
end
-- A benchmark that cannot run here: the reason, once.
function B.skip(what, why)
  io.write(("  %-58s skipped: %s\n"):format(what, why))
  io.write(("@skip\t%s\t%s\n"):format(clean(what), clean(why)))
end

-- The heading of a section, with the interpreter and its JIT state.
function B.section(title)
  local j = rawget(_G, "jit")
  local state = "no JIT"
  if j then
    local st = { j.status() }
    st[1] = st[1] and "JIT on" or "JIT OFF"
    state = table.concat(st, " ")
  end
  io.write(("== %s\n   (%s, %s)\n"):format(title, j and j.version or _VERSION, state))
end

-- Resident set size of this process in bytes.
function B.rss()
  for line in io.lines("/proc/self/status") do
    local kb = line:match("^VmRSS:%s+(%d+)")
    if kb then return tonumber(kb) * 1024 end
  end
end

return B
