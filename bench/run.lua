-- bench/run.lua: `make bench` (docs/bench.md).  Runs every benchmark given, each in a fresh
-- process, passes their readable output through, collects their @fig/@cmp/@skip lines
-- (bench/util.lua) and ends with one table: each figure beside its baseline, the ratio,
-- the machine and the date.  Exits non-zero when a benchmark failed.
--
--   luajit bench/run.lua [--quick] [--load] [--timeout SEC] program-or-script ...
--     --quick    fewer rounds and kernels (a smoke run; sets BENCH_QUICK=1)
--     --load     also the two-thread UDP round trip under load (sets BENCH_LOAD=1)
-- *.lua runs with $LUAJIT (default luajit), *.sh with bash, anything else as a program.
local S = require "syscall"

local quick, load, limit = false, false, 240
local cmds, seen = {}, {}
local i = 1
while arg[i] do
  local a = arg[i]
  if a == "--quick" then quick = true
  elseif a == "--load" then load = true
  elseif a == "--timeout" then i = i + 1; limit = assert(tonumber(arg[i]), "--timeout SEC")
  elseif a:sub(1, 2) == "--" then error("bench/run.lua: unknown option " .. a, 0)
  elseif not seen[a] then seen[a] = true; cmds[#cmds + 1] = a end
  i = i + 1
end
if os.getenv("BENCH_QUICK") and os.getenv("BENCH_QUICK") ~= "" and os.getenv("BENCH_QUICK") ~= "0" then quick = true end
if os.getenv("BENCH_LOAD") and os.getenv("BENCH_LOAD") ~= "" and os.getenv("BENCH_LOAD") ~= "0" then load = true end

-- The order of the known benchmarks (by file name); the rest follow in name order.
local order = { "host.lua", "rump_bench.lua", "kern_bench", "lua_rss.lua", "udp_rtt.lua",
  "netns_bench.lua", "three_luas.sh" }
local rank = {}
for n, f in ipairs(order) do rank[f] = n end
local function base(p) return p:match("([^/]*)$") end
table.sort(cmds, function(a, b)
  local ra, rb = rank[base(a)] or #order + 1, rank[base(b)] or #order + 1
  if ra ~= rb then return ra < rb end
  return base(a) < base(b)
end)

local function readfile(p)
  local f = io.open(p)
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end
local function cmdline(c)
  local f = io.popen(c .. " 2>/dev/null")
  local s = f and f:read("*l")
  if f then f:close() end
  return s
end

-- The machine.
local cpuinfo = readfile("/proc/cpuinfo") or ""
local ncpu = select(2, cpuinfo:gsub("\nprocessor%s*:", "")) + (cpuinfo:match("^processor%s*:") and 1 or 0)
local model = cpuinfo:match("model name%s*:%s*([^\n]+)") or "unknown CPU"
local online = cmdline("nproc") or "?"
local osrel = (readfile("/proc/sys/kernel/osrelease") or "?"):gsub("%s+$", "")
local function loadavg() return ((readfile("/proc/loadavg") or "?"):match("^(%S+ %S+ %S+)")) or "?" end
local jitstate = "no JIT"
if rawget(_G, "jit") then
  local st = { jit.status() }
  st[1] = st[1] and "JIT on" or "JIT OFF"
  jitstate = jit.version .. ", " .. table.concat(st, " ")
end
-- CPU ticks: the machine's (busy, all, steal) and this process's children's (user + system).
local function cputicks()
  local l = (readfile("/proc/stat") or ""):match("^cpu%s+([^\n]+)") or ""
  local v = {}
  for x in l:gmatch("%d+") do v[#v + 1] = tonumber(x) end
  local all, idle = 0, (v[4] or 0) + (v[5] or 0)
  for j = 1, math.min(#v, 8) do all = all + v[j] end
  local st = (readfile("/proc/self/stat") or ""):match("%) (.*)$") or ""
  local f = {}
  for x in st:gmatch("%S+") do f[#f + 1] = x end
  -- fields after the command: state is 1, so cutime (16th field) is f[14], cstime f[15]
  local children = (tonumber(f[14]) or 0) + (tonumber(f[15]) or 0)
  return all - idle, all, v[8] or 0, children
end
local busy0, all0, steal0, kids0 = cputicks()
local started = os.date("!%Y-%m-%d %H:%M UTC")
local load0 = loadavg()
local commit = cmdline("git rev-parse --short HEAD") or "?"
local cc = cmdline((os.getenv("CC") or "cc") .. " --version") or "?"
local root = S.geteuid() == 0

local machine = ("%s; %d CPUs (nproc %s), %s; Linux %s; %s; %s; commit %s; %s")
  :format(started, ncpu, online, model, osrel, jitstate, cc, commit, root and "root" or "not root")
io.write(("rumpus benchmarks, %s\n  load average at start: %s%s\n\n"):format(machine, load0,
  quick and "  (--quick: fewer rounds)" or ""))

local luajit = os.getenv("LUAJIT") or "luajit"
local env = ("BENCH_QUICK=%s BENCH_LOAD=%s"):format(quick and 1 or "", load and 1 or "")
local have_timeout = os.execute("command -v timeout >/dev/null 2>&1")
have_timeout = have_timeout == true or have_timeout == 0
local figs, cmps, cmpseen, skips, failed = {}, {}, {}, {}, {}
local t0 = os.time()
for _, c in ipairs(cmds) do
  local run
  if c:match("%.lua$") then run = luajit .. " " .. c
  elseif c:match("%.sh$") then run = "bash " .. c
  else run = c end
  if have_timeout then run = ("timeout %d %s"):format(limit, run) end
  -- (LuaJIT's pclose does not give the status: the shell prints it last)
  local p = assert(io.popen(("%s %s 2>&1; echo \"@exit\t$?\""):format(env, run)))
  local status
  for line in p:lines() do
    local kind, rest = line:match("^@(%a+)\t(.*)$")
    if kind == "exit" then
      status = tonumber(rest)
    elseif kind == "fig" then
      local key, label, v, unit, note = rest:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t?([^\t]*)$")
      -- a figure reported several times (rounds of separate processes): the median
      local f = key and figs[key]
      if f then
        f.vals[#f.vals + 1] = tonumber(v)
        table.sort(f.vals)
        f.v = f.vals[math.ceil(#f.vals / 2)]
        f.note = #f.vals .. " runs, median"
      elseif key then
        figs[key] = { label = label, v = tonumber(v), vals = { tonumber(v) }, unit = unit, note = note ~= "" and note or nil }
      end
    elseif kind == "cmp" then
      local key, bk, how = rest:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      if key and not cmpseen[key .. "\0" .. bk] then
        cmpseen[key .. "\0" .. bk] = true
        cmps[#cmps + 1] = { key = key, base = bk, how = how }
      end
    elseif kind == "skip" then
      local what, why = rest:match("^([^\t]*)\t(.*)$")
      if what then skips[#skips + 1] = what .. ": " .. why end
    else
      io.write(line, "\n")
      io.flush()
    end
  end
  p:close()
  if status ~= 0 then
    failed[#failed + 1] = ("%s (exit status %s%s)"):format(c, tostring(status),
      status == 124 and ": timed out after " .. limit .. " s" or "")
    io.write(("!! %s failed\n"):format(c))
  end
end
local elapsed = os.time() - t0

-- The table.
local function fmt(v, unit)
  if v == nil then return "-" end
  local f = ({ ns = "%.1f", us = "%.2f", ms = "%.2f", KiB = "%.2f" })[unit] or "%.3g"
  return f:format(v) .. " " .. unit
end
local function cell(f)
  if not f then return "-" end
  return fmt(f.v, f.unit) .. (f.note and (" (" .. f.note .. ")") or "")
end
local timeunits = { ns = true, us = true, ms = true }
local busy1, all1, steal1, kids1 = cputicks()
local others = "?"
if all1 > all0 then
  others = ("%.0f%% of the CPUs busy with other processes, %.0f%% stolen by the hypervisor"):format(
    math.max(0, (busy1 - busy0) - (kids1 - kids0) - (steal1 - steal0)) / (all1 - all0) * 100,
    (steal1 - steal0) / (all1 - all0) * 100)
end
io.write(("\n## Figures: %s\n\n"):format(started))
io.write(("Machine: %d CPUs (nproc %s), %s; Linux %s; %s; %s; commit %s; %s.  Load average %s at the start, %s at the end; during the %d s of the run %s.\n")
  :format(ncpu, online, model, osrel, jitstate, cc, commit, root and "run as root" or "not root", load0, loadavg(), elapsed, others))
io.write("Each figure is the median of short interleaved batches unless marked; ratio = figure / baseline.\n\n")
io.write("| figure | value | baseline | baseline value | ratio | how |\n")
io.write("| --- | --- | --- | --- | --- | --- |\n")
for _, c in ipairs(cmps) do
  local f, b = figs[c.key], c.base ~= "-" and figs[c.base] or nil
  if f then
    local ratio = ""
    if b and b.unit == f.unit and b.v and b.v > 0 then
      local r = f.v / b.v
      local word
      if timeunits[f.unit] then word = r >= 1 and "slower" or "faster" else word = r >= 1 and "more" or "less" end
      if r > 0.97 and r < 1.03 then ratio = ("%.2f (the same)"):format(r)
      else
        local m = r >= 1 and r or 1 / r
        ratio = ("%.2f (" .. (m < 10 and "%.2f" or "%.0f") .. "x %s)"):format(r, m, word)
      end
    elseif c.base ~= "-" and not b then
      ratio = "baseline missing"
    end
    io.write(("| %s | %s | %s | %s | %s | %s |\n"):format(f.label, cell(f), b and b.label or "-",
      b and cell(b) or "-", ratio, c.how))
  end
end
if #skips > 0 then
  io.write("\nSkipped:\n")
  local once = {}
  for _, s in ipairs(skips) do
    if not once[s] then once[s] = true; io.write("- ", s, "\n") end
  end
end
if #failed > 0 then
  io.write("\nFAILED:\n")
  for _, f in ipairs(failed) do io.write("- ", f, "\n") end
  os.exit(1)
end
os.exit(0)
