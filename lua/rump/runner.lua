-- rump.runner: the test runner (`rumpus-test`, `test/run.lua`).  It finds test files, runs
-- each in a child process of its own (a crash or a hang fails that file only), reads the TAP
-- every child speaks and reports.  The child is the same script started again with --child; it
-- runs one file through rump.test.  Written for Lua 5.1 to 5.4; only a POSIX shell, `find`
-- and coreutils' `timeout` are needed beside the interpreter.

local T = require "rump.test"

local io, os, string, table, math = io, os, string, table, math
local ipairs, pairs, tonumber, tostring, type = ipairs, pairs, tonumber, tostring, type

local R = {}

local USAGE = [[
usage: rumpus-test [options] [PATTERN] [FILE|DIR...]

Runs Lua test files (files of rump.test cases, see docs/testing.md) and TAP-speaking
programs, each in a child process of its own.  Without FILE or DIR it runs test/**/*_test.lua
(./**/*_test.lua when there is no test/ directory) and, when $RUMPUS_BUILD is below the
current directory (a rumpus checkout), the C test programs $RUMPUS_BUILD/test/*_test.  A DIR runs every *_test.lua and executable *_test below it;
write it with a slash (spec/), as a plain word is a PATTERN.  Directories named "fixtures"
(and hidden ones) below are left out.
The last line is "N passed, N failed" (", N skipped" when some were skipped).

  PATTERN, -k PATTERN  only cases whose name, or "file: name", matches the Lua pattern;
                       files without a matching case are not listed
  --list               print the cases that would run ("file: name"), run nothing
  --fail-fast          stop at the first failure
  --shuffle            run files and the cases in each file in a random order; the seed is
                       printed ("--seed S") at the start and before the last line
  --seed S             the order of --shuffle with seed S (a number), to replay a run; also
                       the kernels' seed (RUMPUS_SEED, rump.seed before each case): S in
                       the first round, S+1 in the second...; a failure prints its seed
                       and the command that replays it (docs/race.md)
  --repeat N           run the selection N times (a Lua file's rounds in one process,
                       fresh kernels each case); report each case once ("7/100 failed")
  --until-fail         repeat until a round fails (at most --repeat N rounds, default 1000)
  --replay S           run with the kernels' seed S, no shuffle, once: with FILE -k CASE
                       as printed by a failed --seed run
  --shard I/N          run shard I (1..N) of N: with --seed and --repeat R, seeds
                       S+(I-1)*R ... S+I*R-1 (each shard its own block of the seed space);
                       otherwise every N-th file.  Also TEST_SHARD_INDEX (0-based) and
                       TEST_TOTAL_SHARDS, as Bazel sets them
  --jobs J             run a Lua file's rounds of --repeat in J worker processes, each
                       its own block of rounds (and seeds); results merged as one run
  --parallel P         run P files at once (default: RUMPUS_TEST_PARALLEL, else the
                       number of online CPUs; 1 with --fail-fast; always 1 with
                       --jobs and --repeat); each file's
                       report is printed whole, in the order of one-at-a-time
  --durations FILE     start the longest files first, as FILE says (--write-durations)
  --write-durations FILE  write how long each file took to FILE (other entries kept)
  --strategy S         the interleaving strategy of rump.race worlds: random, pct[:d], dfs
                       (RUMPUS_RACE_STRATEGY; docs/race.md)
  --faults swarm       switch on fault sites per seed, swarm style (RUMPUS_RACE_FAULTS)
  --choices LIST       replay rump.race worlds from a choice list (with --replay)
  --shrink             on a failure in a world, shrink its choice list and print it
  --artifacts DIR      on a failure in a world, replay it once more writing its pcaps,
                       event trace and choice list below DIR (default with --seed:
                       /tmp/rumpus-race-SEED, printed)
  --lua LIST           interpreters for Lua files, comma-separated (default: the one running
                       this command)
  --luajit-only PAT    Lua files whose path matches PAT run on LuaJIT only
  --c-only, --lua-only only TAP programs, only Lua files (also of the FILEs named)
  --tap                TAP for every case on standard output
  --junit FILE         a JUnit XML report (the schema Jenkins and GitLab read)
  -v                   print every case, not only failures
  --timeout SECONDS    per file (default 600; fractions allowed)
  --allow-empty        succeed when there is nothing to run (no file, or no case matched)
  -h, --help           this text

Environment: RUMPUS_BUILD (the build directory: C test programs, PUC Lua's C modules);
RUMPUS_BACKEND=netbsd (in-process, one per process) or netbsd-remote (rump_server processes)
runs the files' kernels on NetBSD's rump kernels (docs/netbsd.md).
Exit status: 0 when nothing failed, 1 when something failed, 2 on a usage error, 3 when
nothing ran (no test file, or no case matched the pattern; 0 with --allow-empty).
]]

local sh = T.shquote

local function lines(cmd)
  local p = io.popen(cmd)
  local t = {}
  for l in p:lines() do t[#t + 1] = l end
  p:close()
  return t
end

local function exists(path)
  local f = io.open(path)
  if f then f:close() return true end
  return false
end

-- A wall clock in seconds for the per-case times: clock_gettime through LuaJIT's FFI when it
-- is there, else /proc/uptime (10 ms steps), else os.time.
local function makeclock()
  local okffi, ffi = false, nil
  if rawget(_G, "jit") then okffi, ffi = pcall(require, "ffi") end
  if okffi then
    local ok = pcall(ffi.cdef, [[
      struct rumpus_runner_ts { long sec; long nsec; };
      int clock_gettime(int, struct rumpus_runner_ts *) __asm__("clock_gettime");
    ]])
    if ok then
      local ts = ffi.new("struct rumpus_runner_ts")
      local C = ffi.C
      local okcall = pcall(C.clock_gettime, 1, ts)
      if okcall then
        return function() C.clock_gettime(1, ts); return tonumber(ts.sec) + tonumber(ts.nsec) * 1e-9 end
      end
    end
  end
  if exists("/proc/uptime") then
    return function()
      local f = io.open("/proc/uptime")
      local v = f and tonumber(f:read("*l"):match("^(%S+)"))
      if f then f:close() end
      return v or os.time()
    end
  end
  return os.time
end

local function isdir(path)
  local r = os.execute("test -d " .. sh(path))
  return r == true or r == 0
end

local function parse(args)
  local opt = { timeout = 600, rep = 1, files = {} }
  local i = 1
  local function value(name)
    i = i + 1
    if args[i] == nil then io.stderr:write("rumpus-test: ", name, " needs a value\n"); os.exit(2) end
    return args[i]
  end
  local function number(name)
    local v = value(name)
    local n = tonumber(v)
    if not n or n < 0 or n ~= math.floor(n) then
      io.stderr:write("rumpus-test: ", name, " needs a whole number, got ", v, "\n"); os.exit(2)
    end
    return n
  end
  while i <= #args do
    local a = args[i]
    if a == "-h" or a == "--help" then io.stdout:write(USAGE); os.exit(0)
    elseif a == "--tap" then opt.tap = true
    elseif a == "--junit" then opt.junit = value(a)
    elseif a == "--lua" then
      opt.luas = {}
      for l in value(a):gmatch("[^,%s]+") do opt.luas[#opt.luas + 1] = l end
    elseif a == "--c-only" then opt.conly = true
    elseif a == "--lua-only" then opt.luaonly = true
    elseif a == "--repeat" then opt.rep = number(a); opt.repset = true; if opt.rep < 1 then opt.rep = 1 end
    elseif a == "--timeout" then
      opt.timeout = tonumber(value(a))
      if not opt.timeout or opt.timeout <= 0 then io.stderr:write("rumpus-test: --timeout needs seconds > 0\n"); os.exit(2) end
    elseif a == "-v" then opt.verbose = true
    elseif a == "--allow-empty" then opt.allowempty = true
    elseif a == "--luajit-only" then opt.ljonly = value(a)
    elseif a == "--list" then opt.list = true
    elseif a == "--fail-fast" then opt.failfast = true
    elseif a == "--shuffle" then opt.shuffle = true
    elseif a == "--seed" then opt.shuffle = true; opt.seed = number(a)
    elseif a == "--until-fail" then opt.untilfail = true
    elseif a == "--replay" then opt.replay = number(a)
    elseif a == "--jobs" then opt.jobs = number(a); if opt.jobs < 1 then opt.jobs = 1 end
    elseif a == "--parallel" then opt.parallel = number(a); if opt.parallel < 1 then opt.parallel = 1 end
    elseif a == "--durations" then opt.durations = value(a)
    elseif a == "--write-durations" then opt.writedur = value(a)
    elseif a == "--strategy" then
      opt.strategy = value(a)
      if not (opt.strategy:match("^random$") or opt.strategy:match("^pct:?%d*$") or opt.strategy:match("^dfs$")) then
        io.stderr:write("rumpus-test: --strategy needs random, pct[:d] or dfs, got ", opt.strategy, "\n"); os.exit(2)
      end
    elseif a == "--faults" then
      opt.faults = value(a)
      if opt.faults ~= "swarm" and opt.faults ~= "off" then
        io.stderr:write("rumpus-test: --faults needs swarm or off, got ", opt.faults, "\n"); os.exit(2)
      end
    elseif a == "--choices" then
      opt.choices = value(a)
      if not opt.choices:match("^[%d,*]*$") then
        io.stderr:write("rumpus-test: --choices needs a choice list (0*12,1,0,2), got ", opt.choices, "\n"); os.exit(2)
      end
    elseif a == "--shrink" then opt.shrink = true
    elseif a == "--artifacts" then opt.artifacts = value(a)
    elseif a == "--shard" then
      local v = value(a)
      local si, sn = v:match("^(%d+)/(%d+)$")
      si, sn = tonumber(si), tonumber(sn)
      if not si or sn < 1 or si < 1 or si > sn then
        io.stderr:write("rumpus-test: --shard needs I/N with 1 <= I <= N, got ", v, "\n"); os.exit(2)
      end
      opt.shard, opt.nshards = si, sn
    elseif a == "-k" then opt.filter = value(a)
    elseif a:match("^%-") then
      io.stderr:write("rumpus-test: unknown option ", a, " (--help lists them)\n"); os.exit(2)
    elseif a:match("%.lua$") or (a:match("_test$") and exists(a)) or a == "." or a == ".." or (a:find("/") and exists(a)) then
      opt.files[#opt.files + 1] = a
    else
      opt.filter = a
    end
    i = i + 1
  end
  if opt.untilfail and not opt.repset then opt.rep = math.max(opt.rep, 1000) end
  if not opt.shard and os.getenv("TEST_TOTAL_SHARDS") then
    local sn, si = tonumber(os.getenv("TEST_TOTAL_SHARDS")), tonumber(os.getenv("TEST_SHARD_INDEX") or "")
    if not sn or not si or sn < 1 or si < 0 or si >= sn or sn % 1 ~= 0 or si % 1 ~= 0 then
      io.stderr:write("rumpus-test: bad TEST_SHARD_INDEX/TEST_TOTAL_SHARDS\n"); os.exit(2)
    end
    opt.shard, opt.nshards = si + 1, sn
  end
  if opt.shard then
    -- Bazel asks a sharding-aware runner to say so by touching this file
    local sf = os.getenv("TEST_SHARD_STATUS_FILE")
    if sf and sf ~= "" then local f = io.open(sf, "a"); if f then f:close() end end
  end
  if opt.filter then
    local ok, e = pcall(string.find, "", opt.filter)
    if not ok then io.stderr:write("rumpus-test: bad pattern ", opt.filter, ": ", tostring(e), "\n"); os.exit(2) end
  end
  return opt
end

-- The interpreter running this script (arg[-1], or further left when it had options).
local function self_interp()
  if not arg then return "luajit" end
  local k = -1
  while arg[k - 1] do k = k - 1 end
  return arg[k] or "luajit"
end

local FIND_PRUNE = " -mindepth 1 \\( -name fixtures -o -name '.?*' \\) -prune -o "

-- The online CPUs (the default of --parallel).
function R.ncpu()
  local n = tonumber(lines("getconf _NPROCESSORS_ONLN 2>/dev/null || nproc 2>/dev/null")[1] or "")
  return (n and n >= 1) and n or 1
end

-- --durations FILE: lines "SECONDS KEY" (KEY: "c NAME" for a TAP program, "INTERP PATH" for a
-- Lua file); --write-durations writes them, sorted by key, keeping the entries of the files
-- this run did not run.
function R.read_durations(file)
  local t = {}
  local f = io.open(file)
  if not f then return t end
  for l in f:lines() do
    local secs, key = l:match("^%s*([%d.]+)%s+(.-)%s*$")
    if secs and key ~= "" then t[key] = tonumber(secs) end
  end
  f:close()
  return t
end

function R.write_durations(file, took)
  local t = R.read_durations(file)
  for k, v in pairs(took) do t[k] = v end
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  local f = io.open(file, "w")
  if not f then io.stderr:write("rumpus-test: cannot write ", file, "\n"); return end
  for _, k in ipairs(keys) do f:write(string.format("%.2f %s\n", t[k], k)) end
  f:close()
end

-- `--stamp`: copies standard input to standard output, each line after the time it arrived
-- (the first line: "@" the start time and the epoch seconds); --parallel reads these.
function R.stamp()
  local now = makeclock()
  local out = io.stdout
  out:write(string.format("@%.6f %d\n", now(), os.time()))
  for l in io.stdin:lines() do out:write(string.format("%.6f ", now()), l, "\n") end
  out:close()
  os.exit(0)
end

function R.main(args, self)
  if args[1] == "--stamp" then R.stamp() end
  local opt = parse(args)
  opt.luas = opt.luas or { self_interp() }
  local build = os.getenv("RUMPUS_BUILD") or "build"
  self = self or (arg and arg[0]) or "test/run.lua"
  local now = makeclock()

  -- What to run: { path =, kind = "lua"|"c", interp = }
  local units = {}
  local function addlua(f)
    for _, l in ipairs(opt.luas) do
      if not (opt.ljonly and not l:find("luajit") and f:find(opt.ljonly)) then
        units[#units + 1] = { path = f, kind = "lua", interp = l }
      end
    end
  end
  local function addc(f) units[#units + 1] = { path = f, kind = "c" } end
  if #opt.files > 0 then
    for _, f in ipairs(opt.files) do
      if f:match("%.lua$") then
        if not opt.conly then addlua(f) end
      elseif isdir(f) then
        if not opt.luaonly then
          for _, g in ipairs(lines("find " .. sh(f) .. FIND_PRUNE .. "-type f -name '*_test' -perm -u+x -print 2>/dev/null | sort")) do
            addc(g)
          end
        end
        if not opt.conly then
          for _, g in ipairs(lines("find " .. sh(f) .. FIND_PRUNE .. "-type f -name '*_test.lua' -print 2>/dev/null | sort")) do
            addlua(g)
          end
        end
      elseif not opt.luaonly then addc(f) end
    end
  else
    -- The C test programs of a build inside this directory (the checkout's own run): a user
    -- whose RUMPUS_BUILD points at a rumpus checkout does not get its C tests in their run.
    local here = lines("pwd -P")[1] or "."
    local bdir = lines("cd " .. sh(build) .. " 2>/dev/null && pwd -P")[1]
    local inside = bdir and bdir:sub(1, #here + 1) == here .. "/"
    if not opt.luaonly and inside then
      for _, f in ipairs(lines("find " .. sh(build .. "/test") .. " -maxdepth 1 -type f -name '*_test' -perm -u+x 2>/dev/null | sort")) do
        addc(f)
      end
    end
    if not opt.conly then
      local root = isdir("test") and "test" or "."
      for _, f in ipairs(lines("find " .. root .. FIND_PRUNE .. "-type f -name '*_test.lua' -print 2>/dev/null | sort")) do
        addlua((f:gsub("^%./", "")))
      end
    end
  end

  -- Shards: blocks of the seed space when a seeded run repeats, else every N-th unit.
  local seedshard = opt.shard and opt.seed and (opt.rep > 1 or opt.untilfail)
  if opt.shard and not seedshard then
    local mine = {}
    for k, u in ipairs(units) do
      if (k - 1) % opt.nshards == opt.shard - 1 then mine[#mine + 1] = u end
    end
    units = mine
    if #units == 0 then opt.allowempty = true end
  end

  local out = io.stdout
  if #units == 0 then
    if opt.allowempty then out:write("rumpus-test: nothing to run\n"); os.exit(0) end
    io.stderr:write("rumpus-test: no test files found (--help)\n")
    os.exit(3)
  end

  local function interp_env(l)
    -- PUC Lua finds the C modules of a build (our ffi) in $RUMPUS_BUILD/<interpreter>/, ahead
    -- of the paths it had; LuaJIT needs none.
    if l:find("luajit") then return "" end
    local name = l:match("([^/]+)$")
    local minor = name:match("5%.(%d)")
    local var = (minor and tonumber(minor) >= 2) and ("LUA_CPATH_5_" .. minor) or "LUA_CPATH"
    local old = os.getenv(var) or (var ~= "LUA_CPATH" and os.getenv("LUA_CPATH")) or ";;"
    return "env " .. var .. "=" .. sh(build .. "/" .. name .. "/?.so;" .. old) .. " "
  end

  local function label(u)
    if u.kind == "lua" and #opt.luas > 1 then return "[" .. u.interp .. "] " .. u.path end
    return u.path
  end

  local function childcmd(u, extra)
    if u.kind == "lua" then
      return interp_env(u.interp) .. sh(u.interp) .. " " .. sh(self) .. " --child " .. sh(u.path) .. " "
        .. sh(opt.filter or "") .. (extra or "")
    end
    return sh(u.path)
  end

  -- --list: the cases of each Lua file (loaded on its first interpreter), nothing run.
  if opt.list then
    local seen, ncase, nfile = {}, 0, 0
    for _, u in ipairs(units) do
      if u.kind == "c" then
        out:write(u.path, ": (a TAP program: its cases are known when it runs)\n")
        nfile = nfile + 1
      elseif not seen[u.path] then
        seen[u.path] = true
        local cmd = "timeout -k 5 " .. opt.timeout .. " " .. childcmd(u, " --list") .. " 2>&1"
        local got = lines(cmd)
        local bad = got[1] and got[1]:match("^1%.%.1$") and got[2] and got[2]:match("^not ok 1 %- load ")
        if bad then
          out:write(u.path, ": cannot be loaded:\n")
          for k = 3, #got do out:write("    ", (got[k]:gsub("^# ?", "")), "\n") end
        else
          if #got > 0 then nfile = nfile + 1 end
          for _, name in ipairs(got) do out:write(u.path, ": ", name, "\n"); ncase = ncase + 1 end
        end
      end
    end
    out:write(ncase, " cases in ", nfile, " files\n")
    os.exit(0)
  end

  local seed = opt.seed
  if opt.shuffle and not seed then
    seed = (os.time() * 1009 + math.floor((os.clock() * 1e6) % 1009) + T.strhash(tostring({}))) % 2147483646
  end
  if opt.shuffle then out:write("shuffled with --seed ", seed, "\n") end
  -- Which kernels rump.kernel boots in the files (RUMPUS_BACKEND, docs/netbsd.md).
  local backend = os.getenv("RUMPUS_BACKEND")
  if backend == "netbsd" and not opt.tap then
    local nbp = os.getenv("RUMPUS_NETBSD_RUMP")
    out:write("kernels: NetBSD's rump kernels (RUMPUS_BACKEND=netbsd, one per process) from ",
      nbp and nbp ~= "" and nbp or "nowhere (RUMPUS_NETBSD_RUMP not set)", "\n")
  elseif backend == "netbsd-remote" and not opt.tap then
    local nbp = os.getenv("RUMPUS_NETBSD_RUMP")
    out:write("kernels: NetBSD's rump_server kernels (RUMPUS_BACKEND=netbsd-remote, a process each) from ",
      nbp and nbp ~= "" and nbp or "nowhere (RUMPUS_NETBSD_RUMP not set)", "\n")
  elseif backend and backend ~= "" and backend ~= "rumpus" and not opt.tap then
    out:write("kernels: RUMPUS_BACKEND=", backend, " (unknown: rump.kernel will refuse it)\n")
  end

  -- Results, one entry per case (per case and occurrence: a TAP program may repeat a name),
  -- merged over the rounds of --repeat.
  local cases, order = {}, {}
  local counts = { pass = 0, fail = 0, skip = 0 }   -- per case run
  local stop = false
  local occurrence

  local function record(u, name, status, extra, dt)
    local key0 = label(u) .. "\0" .. name
    occurrence[key0] = (occurrence[key0] or 0) + 1
    local key = key0 .. "\0" .. occurrence[key0]
    local c = cases[key]
    if not c then
      c = { unit = u, name = name, runs = 0, pass = 0, fail = 0, skip = 0, time = 0 }
      cases[key] = c
      order[#order + 1] = c
    end
    c.runs = c.runs + 1
    c[status] = c[status] + 1
    if status == "fail" and not c.failround then c.failround = extra.round end
    c.time = c.time + (dt or 0)
    counts[status] = counts[status] + 1
    if status == "skip" then c.reason = extra.reason
    elseif status == "fail" and not c.message then
      c.message = extra.message; c.kind = extra.kind; c.problem = extra.problem
    end
    return c
  end

  -- How long each file took (this run), and the hints of --durations (an earlier run's): the
  -- key of a C program is its name (the same in build, build-asan and build-tsan), of a Lua
  -- file its interpreter's name and path.
  local took = {}
  local function dkey(u)
    if u.kind == "c" then return "c " .. (u.path:match("([^/]+)$") or u.path) end
    return (u.interp:match("([^/]+)$") or u.interp) .. " " .. u.path:gsub("^%./", "")
  end
  local hints = opt.durations and R.read_durations(opt.durations) or {}
  -- Files at once: --parallel P, else RUMPUS_TEST_PARALLEL, else the online CPUs; one at a
  -- time by default with --fail-fast (stop at once) and with --jobs (its workers fill the CPUs).
  local par = opt.parallel or tonumber(os.getenv("RUMPUS_TEST_PARALLEL") or "")
  if not par or par < 1 or par ~= math.floor(par) then
    par = opt.failfast and 1 or R.ncpu()
  end
  if opt.jobs and opt.jobs > 1 and opt.rep > 1 then par = 1 end

  -- The kernels' seed of round 1 (--seed or --replay); round r gets raceseed + r - 1.
  local raceseed = opt.replay or seed
  if seedshard then raceseed = seed + (opt.shard - 1) * opt.rep end
  -- rump.race's settings for the children (docs/race.md)
  if raceseed and not opt.artifacts then
    opt.artifacts = "/tmp/rumpus-race-" .. raceseed
  end
  local function raceenv()
    local e = ""
    if opt.strategy then e = e .. "RUMPUS_RACE_STRATEGY=" .. sh(opt.strategy) .. " " end
    if opt.faults then e = e .. "RUMPUS_RACE_FAULTS=" .. opt.faults .. " " end
    if opt.choices then e = e .. "RUMPUS_RACE_CHOICES=" .. sh(opt.choices) .. " " end
    if opt.shrink then e = e .. "RUMPUS_RACE_SHRINK=1 " end
    if opt.artifacts then e = e .. "RUMPUS_RACE_ARTIFACTS=" .. sh(opt.artifacts) .. " " end
    return e
  end

  -- --jobs J: the rounds of a Lua file in J workers at once, worker j its own block of
  -- rounds (its seeds raceseed + round - 1, as in one process); their TAP merged in round
  -- order as one stream (one plan, "__round=" between blocks, the worst exit status).
  local function jobs(u, extra, env)
    local J = math.min(opt.jobs, opt.rep)
    local blk = math.ceil(opt.rep / J)
    local tmp = lines("mktemp -d " .. sh((os.getenv("TMPDIR") or "/tmp") .. "/rumpus-jobs.XXXXXX"))[1]
    local parts, files, r0s = {}, {}, {}
    for j = 0, J - 1 do
      local r0 = 1 + j * blk
      if r0 > opt.rep then break end
      local n = math.min(blk, opt.rep - r0 + 1)
      local ex = extra:gsub(" %-%-rounds %d+", " --rounds " .. n .. " --round0 " .. r0)
      local e = env
      if raceseed then
        ex = ex:gsub(" %-%-race%-seed %d+", " --race-seed " .. (raceseed + r0 - 1))
        e = e:gsub("RUMPUS_SEED=%d+", "RUMPUS_SEED=" .. (raceseed + r0 - 1))
      end
      local f = tmp .. "/w" .. j
      files[#files + 1], r0s[#r0s + 1] = f, r0
      parts[#parts + 1] = "( timeout -k 5 " .. opt.timeout .. " env " .. e .. childcmd(u, ex) .. " >" .. sh(f) ..
        " 2>&1; echo \"__exit=$?\" >>" .. sh(f) .. " ) &"
    end
    os.execute(table.concat(parts, " ") .. " wait")
    local merged, plan, exitc = {}, 0, 0
    for j, f in ipairs(files) do
      if j > 1 then merged[#merged + 1] = "__round=" .. r0s[j] end
      local h = io.open(f)
      if h then
        for l in h:lines() do
          local pl = l:match("^1%.%.(%d+)")
          local ex = l:match("^__exit=(%d+)$")
          if pl then plan = plan + tonumber(pl)
          elseif ex then if tonumber(ex) ~= 0 and exitc == 0 then exitc = tonumber(ex) end
          else merged[#merged + 1] = l end
        end
        h:close()
      end
    end
    os.execute("rm -rf " .. sh(tmp))
    merged[#merged + 1] = "1.." .. plan
    merged[#merged + 1] = "__exit=" .. exitc
    local i = 0
    return { lines = function() return function() i = i + 1; return merged[i] end end, close = function() end }
  end

  -- The command of unit u in round r: (extra arguments, environment, whether its rounds all
  -- run in this one process, the shell command).
  local function prepare(u, round)
    local extra, env = "", ""
    if opt.failfast then extra = extra .. " --fail-fast" end
    local many = u.kind == "lua" and (opt.rep > 1 or opt.untilfail)
    if many then
      -- every round in this one process: the child reports "__round=r" between rounds
      if seed then extra = extra .. " --seed " .. seed end
      extra = extra .. " --rounds " .. opt.rep
      if opt.untilfail then extra = extra .. " --until-fail" end
      if raceseed then extra = extra .. " --race-seed " .. raceseed end
      if raceseed then env = "RUMPUS_SEED=" .. raceseed .. " " end
    else
      if seed then extra = extra .. " --seed " .. (seed + round - 1) % 2147483646 end
      if raceseed then
        env = "RUMPUS_SEED=" .. (raceseed + round - 1) .. " "
        if u.kind == "lua" then extra = extra .. " --race-seed " .. (raceseed + round - 1) end
      end
    end
    -- a runner started by a test (test/lua/runner_test.lua) runs its files one at a time
    -- unless told otherwise: this run already fills the CPUs
    env = env .. raceenv() .. "RUMPUS_TEST_PARALLEL=1 "
    local cmd = "timeout -k 5 " .. opt.timeout .. " env " .. env .. childcmd(u, extra) .. " 2>&1; echo \"__exit=$?\""
    return extra, env, many, cmd
  end

  -- Runs unit u (or, with rec, reads what its run in a worker recorded: see runpar) and reports
  -- its cases.  Times come from the clock as the lines arrive, or from rec's time stamps.
  local function run(u, round, rec)
    local extra, env, many, cmd = prepare(u, round)
    local clock = rec and rec.clock or now
    local p
    if rec then p = rec
    elseif many and (opt.jobs or 1) > 1 and opt.rep > 1 then
      p = jobs(u, extra, env)
    else
      p = io.popen(cmd)
    end
    local t0 = rec and rec.t0 or now()
    u.stamp = u.stamp or (rec and rec.stamp) or os.date("!%Y-%m-%dT%H:%M:%S")
    local seen, plan, exit, bailed = 0, nil, nil, false
    local stray = {}
    local mine = { pass = 0, fail = 0, skip = 0 }
    local cur, curmsg, collect -- the failed case whose diagnostics follow
    local function closefail()
      if cur and collect then cur.message = table.concat(curmsg, "\n") end
      cur = nil
    end
    local tlast = t0
    for l in p:lines() do
      local okflag, rest = l:match("^(n?o?t? ?ok) %d+ ?%-? ?(.*)$")
      if okflag == "ok" or okflag == "not ok" then
        closefail()
        local t = clock()
        local dt = t - tlast
        tlast = t
        seen = seen + 1
        local name, directive = rest:match("^(.-)%s*#%s*(.*)$")
        if not name then name = rest end
        local status, reason = "pass", nil
        if okflag == "not ok" then status = "fail"
        elseif directive and directive:upper():match("^SKIP") then
          status = "skip"; reason = directive:gsub("^[Ss][Kk][Ii][Pp]%S*%s*", "")
        end
        if not (u.kind == "c" and opt.filter and not (name:find(opt.filter) or (u.path .. ": " .. name):find(opt.filter))) then
          local c = record(u, name, status, { reason = reason, message = "", kind = "failure", round = round }, dt)
          mine[status] = mine[status] + 1
          local firstfail = status == "fail" and c.fail == 1
          if status == "fail" then
            cur, curmsg, collect = c, {}, firstfail
            cur.printing = opt.tap or opt.verbose or firstfail
          end
          if opt.tap then
            out:write(okflag, " ", counts.pass + counts.fail + counts.skip, " - ", label(u), ": ", name,
              status == "skip" and (" # SKIP " .. reason) or "", "\n")
          elseif opt.verbose or firstfail then
            out:write(status == "pass" and "PASS " or status == "skip" and "SKIP " or "FAIL ", label(u), ": ", name,
              (opt.rep > 1 and status == "fail") and ("  (round " .. round .. ")") or "", "\n")
          end
        end
      elseif l:match("^1%.%.%d+") then
        plan = tonumber(l:match("^1%.%.(%d+)"))
        tlast = clock()
      elseif l:match("^__exit=%d+$") then
        exit = tonumber(l:match("(%d+)$"))
      elseif l:match("^__round=%d+$") then
        closefail()
        round = tonumber(l:match("(%d+)$"))
        occurrence = {}
      elseif l:match("^Bail out!") then
        bailed = true
      elseif l:match("^#: kind=") then
        if cur and collect then cur.kind = l:match("^#: kind=(%a+)") end
      elseif l:match("^#: race%-%a+=") then
        local key, v = l:match("^#: race%-(%a+)=(.*)$")
        if cur and collect then cur["race" .. key] = v end
      elseif l:match("^#") then
        if cur then
          local text = l:gsub("^# ?", "")
          curmsg[#curmsg + 1] = text
          if cur.printing then
            if opt.tap then out:write(l, "\n") else out:write("    ", text, "\n") end
          end
        end
      else
        stray[#stray + 1] = l
      end
    end
    p:close()
    closefail()
    took[dkey(u)] = (round > 1 and took[dkey(u)] or 0) + (clock() - t0)
    local problem, ptype
    if exit == 124 or exit == 137 then problem, ptype = "timed out after " .. opt.timeout .. " s", "timeout"
    elseif bailed then problem = nil
    elseif plan and seen < plan then
      problem, ptype = "died after " .. seen .. " of " .. plan .. " cases (exit " .. tostring(exit) .. ")", "crash"
    elseif not plan and seen == 0 then problem, ptype = "produced no TAP (exit " .. tostring(exit) .. ")", "crash"
    elseif exit ~= 0 and mine.fail == 0 then
      problem, ptype = "exited with status " .. tostring(exit) ..
        (seen > 0 and " although every case passed" or " after running no case"), "crash"
    end
    if problem then
      local name = "(file) " .. problem
      local msg = problem .. (#stray > 0 and ("; its output:\n" .. table.concat(stray, "\n")) or "")
      local c = record(u, name, "fail", { message = msg, kind = "error", problem = ptype, round = round }, clock() - tlast)
      mine.fail = mine.fail + 1
      if opt.tap then out:write("not ok ", counts.pass + counts.fail + counts.skip, " - ", label(u), ": ", name, "\n")
      elseif c.fail == 1 or opt.verbose then
        out:write("FAIL ", label(u), ": ", name, "\n")
        for k = math.max(1, #stray - 30), #stray do out:write("    ", stray[k], "\n") end
      end
    end
    if opt.rep == 1 and not opt.tap and not opt.verbose and mine.pass + mine.fail + mine.skip > 0 then
      out:write(string.format("%-52s %4d passed%s%s\n", label(u), mine.pass,
        mine.fail > 0 and (", " .. mine.fail .. " failed") or "", mine.skip > 0 and (", " .. mine.skip .. " skipped") or ""))
    end
    out:flush()
    if opt.failfast and (bailed or mine.fail > 0) then stop = true end
  end

  -- --parallel P: P files at once.  Each runs in a worker lane of a shell script (a lane
  -- claims the next file nobody has claimed), its output time-stamped line by line
  -- (`--stamp`, this script again) into a file of its own; this process reads each file once
  -- it is complete, in the order of the list, so the report is the one the files run one
  -- after another give.  The first lane claims in the order of the list, so that the report
  -- comes out as the run goes (a file is printed once it and those before it are done); the
  -- others claim the longest first by the --durations hints (files without a hint before all
  -- others), so that the last files to finish are short ones.
  local function recorded(f)
    local h = io.open(f)
    local first = h and h:read("*l")
    local t0, epoch = (first or ""):match("^@(%S+) (%d+)$")
    local rec = { t0 = tonumber(t0) or now(), stamp = epoch and os.date("!%Y-%m-%dT%H:%M:%S", tonumber(epoch)) }
    rec.cur = rec.t0
    function rec.clock() return rec.cur end
    function rec.lines()
      return function()
        local l = h and h:read("*l")
        if not l then return nil end
        local t, rest = l:match("^(%S+) (.*)$")
        rec.cur = tonumber(t) or rec.cur
        return rest or l
      end
    end
    function rec.close() if h then h:close(); h = nil end end
    return rec
  end

  local function runpar(list, round)
    local tmp = lines("mktemp -d " .. sh((os.getenv("TMPDIR") or "/tmp") .. "/rumpus-par.XXXXXX"))[1]
    if not tmp or tmp == "" then
      for _, u in ipairs(list) do run(u, round); if stop then break end end
      return
    end
    local sched = {}
    for k = 1, #list do sched[k] = k end
    local function hint(k) return hints[dkey(list[k])] or math.huge end
    table.sort(sched, function(a, b)
      local ha, hb = hint(a), hint(b)
      if ha ~= hb then return ha > hb end
      return a < b
    end)
    local stampcmd = sh(self_interp()) .. " " .. sh(self) .. " --stamp"
    local js = { "set -C", "T=" .. sh(tmp), "job() {", "  case $1 in" }
    for k, u in ipairs(list) do
      local _, _, _, cmd = prepare(u, round)
      js[#js + 1] = "  " .. k .. ") { " .. cmd .. "; } 2>&1 | " .. stampcmd .. " >\"$T/o" .. k .. "\" ;;"
    end
    js[#js + 1] = "  esac"
    js[#js + 1] = "}"
    -- a lane claims file k by creating $T/c$k (noclobber: only one lane can); $T/stop (set by
    -- --fail-fast) ends the claims, the files already running are let finish
    local inorder = {}
    for k = 1, #list do inorder[k] = k end
    js[#js + 1] = "lane() {"
    js[#js + 1] = "  for k in $order; do"
    js[#js + 1] = "    [ -e \"$T/stop\" ] && return 0"
    js[#js + 1] = "    if { echo >\"$T/c$k\"; } 2>/dev/null; then job $k; echo $k; fi"
    js[#js + 1] = "  done"
    js[#js + 1] = "}"
    js[#js + 1] = "order=" .. sh(table.concat(inorder, " ")) .. " lane &"
    for _ = 2, math.min(par, #list) do js[#js + 1] = "order=" .. sh(table.concat(sched, " ")) .. " lane &" end
    js[#js + 1] = "wait"
    local f = assert(io.open(tmp .. "/run.sh", "w"))
    f:write(table.concat(js, "\n"), "\n")
    f:close()
    local p = io.popen("sh " .. sh(tmp .. "/run.sh"))
    local done, nxt = {}, 1
    for l in p:lines() do
      local k = tonumber(l)
      if k then done[k] = true end
      while not stop and done[nxt] do
        local rec = recorded(tmp .. "/o" .. nxt)
        run(list[nxt], round, rec)
        rec.close()
        nxt = nxt + 1
        if stop then local sf = io.open(tmp .. "/stop", "w"); if sf then sf:close() end end
      end
    end
    p:close()
    os.execute("rm -rf " .. sh(tmp))
  end

  local tstart, stamp = now(), os.date("!%Y-%m-%dT%H:%M:%S")
  for round = 1, opt.rep do
    occurrence = {}
    local list = units
    if seed then
      list = {}
      for k, u in ipairs(units) do list[k] = u end
      T.shuffle(list, seed + round - 1)
    end
    local todo = {}
    for _, u in ipairs(list) do
      -- a Lua file runs all its rounds in one process, in round 1
      if u.kind ~= "lua" or round == 1 or not (opt.rep > 1 or opt.untilfail) then todo[#todo + 1] = u end
    end
    if par > 1 and #todo > 1 then
      runpar(todo, round)
    else
      for _, u in ipairs(todo) do
        run(u, round)
        if stop then break end
      end
    end
    if stop then break end
    if opt.untilfail then
      local anyfail = false
      for _, c in ipairs(order) do if c.fail > 0 then anyfail = true end end
      if anyfail then break end
    end
  end
  local elapsed = now() - tstart
  if opt.writedur then R.write_durations(opt.writedur, took) end

  -- Per case: failed when it failed in some round, skipped when it was skipped in every round.
  local final = { pass = 0, fail = 0, skip = 0 }
  for _, c in ipairs(order) do
    c.status = c.fail > 0 and "fail" or (c.skip == c.runs and "skip" or "pass")
    final[c.status] = final[c.status] + 1
  end

  if opt.rep > 1 and not opt.tap then
    local perfile, forder = {}, {}
    for _, c in ipairs(order) do
      local l = label(c.unit)
      if not perfile[l] then perfile[l] = { pass = 0, fail = 0, skip = 0 }; forder[#forder + 1] = l end
      perfile[l][c.status] = perfile[l][c.status] + 1
    end
    for _, l in ipairs(forder) do
      local m = perfile[l]
      out:write(string.format("%-52s %4d passed%s%s\n", l, m.pass,
        m.fail > 0 and (", " .. m.fail .. " failed") or "", m.skip > 0 and (", " .. m.skip .. " skipped") or ""))
    end
  end

  if opt.junit then R.junit(opt.junit, order, {
    label = label, elapsed = elapsed, stamp = stamp, rep = opt.rep, multi = #opt.luas > 1, seed = seed })
  end

  if opt.tap then out:write("1..", counts.pass + counts.fail + counts.skip, "\n") end
  if final.skip > 0 then
    out:write("Skipped:\n")
    -- each skip once with its reason: the same case skipped for the same reason on several
    -- interpreters is one line naming them all
    local byreason, rows = {}, {}
    for _, c in ipairs(order) do
      if c.status == "skip" then
        local key = c.unit.path .. "\0" .. c.name .. "\0" .. tostring(c.reason)
        local row = byreason[key]
        if not row then
          row = { c = c, interps = {} }
          byreason[key] = row
          rows[#rows + 1] = row
        end
        if c.unit.kind == "lua" then row.interps[#row.interps + 1] = c.unit.interp end
      end
    end
    for _, row in ipairs(rows) do
      local c = row.c
      local where = (#row.interps > 0 and #opt.luas > 1) and ("[" .. table.concat(row.interps, ",") .. "] " .. c.unit.path)
        or label(c.unit)
      out:write("  ", where, ": ", c.name, ": ", tostring(c.reason), "\n")
    end
  end
  if final.fail > 0 then
    out:write("Failed:\n")
    for _, c in ipairs(order) do
      if c.status == "fail" then
        out:write("  ", label(c.unit), ": ", c.name, opt.rep > 1 and (": " .. c.fail .. "/" .. c.runs .. " failed") or "", "\n")
        if raceseed and c.failround then
          local s = raceseed + c.failround - 1
          local cmd = sh(self_interp()) .. " " .. sh(self) .. " --replay " .. s
          if c.unit.kind == "lua" then
            cmd = cmd .. " --lua " .. sh(c.unit.interp) .. " " .. sh(c.unit.path)
            if not c.name:match("^%(file%)") then
              cmd = cmd .. " -k " .. sh("^" .. c.name:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0") .. "$")
            end
          else
            cmd = cmd .. " " .. sh(c.unit.path)
          end
          if c.raceshrunk or c.racechoices then
            if opt.strategy then cmd = cmd .. " --strategy " .. sh(opt.strategy) end
            if opt.faults then cmd = cmd .. " --faults " .. opt.faults end
            cmd = cmd .. " --choices " .. sh(c.raceshrunk or c.racechoices)
          end
          out:write("    seed ", s, "; replay: ", cmd, "\n")
          if c.racechoices then out:write("    choice list: ", c.racechoices == "" and "(empty)" or c.racechoices, "\n") end
          if c.raceshrunk then out:write("    shrunk choice list: ", c.raceshrunk == "" and "(empty)" or c.raceshrunk, "\n") end
          if c.raceartifacts then out:write("    pcaps, event trace, choice list: ", c.raceartifacts, "\n") end
        end
      end
    end
  end
  if stop then out:write("stopped at the first failure (--fail-fast)\n") end
  if seed then out:write("shuffled with --seed ", seed, "\n") end
  -- nothing ran: no case matched the pattern (every file ran, none reported a case)
  if #order == 0 then out:write("rumpus-test: no case matched", opt.filter and (" " .. opt.filter) or "", "\n") end
  out:write(string.format("%d passed, %d failed%s\n", final.pass, final.fail,
    final.skip > 0 and (", " .. final.skip .. " skipped") or ""))
  out:flush()
  if #order == 0 then os.exit(opt.allowempty and 0 or 3) end
  os.exit(final.fail == 0 and 0 or 1)
end

-- JUnit XML in the form Jenkins (the junit-10 schema of its xunit plugin), GitLab and most CI
-- servers read: one <testsuite> per file and interpreter, with tests, failures (assertions
-- that failed), errors (other errors, crashes, time-outs), skipped, time, timestamp and
-- hostname; a <testcase> per case with its classname and time; <failure> and <error> with a
-- type and a one-line message, the whole diagnostic (traceback) as their text.
--
-- classname: the file's path with "/" turned into "." and without ".lua", the interpreter in
-- brackets when the run used several and its dots made "_" ("test/rump/x_test.lua" on lua5.4
-- gives "test.rump.x_test[lua5_4]"), so Jenkins files it under the package "test.rump" and the
-- class "x_test[lua5_4]": Jenkins splits a classname at its last dot.
-- Valid UTF-8 only: a byte that does not start a well-formed sequence becomes "?" (a test may
-- fail on binary data, and one bad byte makes the whole report unreadable to an XML parser).
local function utf8clean(s)
  if not s:find("[\128-\255]") then return s end
  local out, i, n = {}, 1, #s
  while i <= n do
    local b = s:byte(i)
    local len = b < 0x80 and 1 or (b >= 0xC2 and b <= 0xDF) and 2 or (b >= 0xE0 and b <= 0xEF) and 3
      or (b >= 0xF0 and b <= 0xF4) and 4 or 0
    local ok = len > 0 and i + len - 1 <= n
    for k = i + 1, i + len - 1 do
      if not ok then break end
      local c = s:byte(k)
      if c < 0x80 or c > 0xBF then ok = false end
    end
    if ok and len == 3 then
      local c = s:byte(i + 1)
      if (b == 0xE0 and c < 0xA0) or (b == 0xED and c > 0x9F) then ok = false end
    elseif ok and len == 4 then
      local c = s:byte(i + 1)
      if (b == 0xF0 and c < 0x90) or (b == 0xF4 and c > 0x8F) then ok = false end
    end
    if ok then out[#out + 1] = s:sub(i, i + len - 1); i = i + len
    else out[#out + 1] = "?"; i = i + 1 end
  end
  return table.concat(out)
end

local function xml(s)
  return (utf8clean(tostring(s)):gsub("[&<>\"]", { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;" })
    :gsub("[%z\1-\8\11\12\14-\31\127]", "?"))
end
R.utf8clean = utf8clean

function R.classname(path, interp)
  local c = path:gsub("^%./", ""):gsub("%.lua$", ""):gsub("^/+", ""):gsub("[/.]", function(ch)
    return ch == "/" and "." or "_"
  end)
  if interp then c = c .. "[" .. interp:match("([^/]+)$"):gsub("[^%w_-]", "_") .. "]" end
  return c
end

local function hostname()
  local f = io.open("/proc/sys/kernel/hostname") or io.open("/etc/hostname")
  local h = f and f:read("*l")
  if f then f:close() end
  if not h or h == "" then
    local p = io.popen("hostname 2>/dev/null")
    h = p and p:read("*l")
    if p then p:close() end
  end
  return (h and h ~= "") and h or "localhost"
end

function R.junit(file, order, info)
  local f, err = io.open(file, "w")
  if not f then io.stderr:write("rumpus-test: cannot write ", tostring(file), ": ", tostring(err), "\n"); os.exit(2) end
  local host = hostname()
  local bysuite, sorder = {}, {}
  for _, c in ipairs(order) do
    local s = info.label(c.unit)
    if not bysuite[s] then bysuite[s] = { unit = c.unit }; sorder[#sorder + 1] = s end
    table.insert(bysuite[s], c)
  end
  local tot = { tests = 0, failures = 0, errors = 0, time = 0 }
  local body = {}
  for idx, s in ipairs(sorder) do
    local cs = bysuite[s]
    local u = cs.unit
    local nf, ne, ns, t = 0, 0, 0, 0
    for _, c in ipairs(cs) do
      if c.status == "fail" then
        if c.kind == "failure" then nf = nf + 1 else ne = ne + 1 end
      elseif c.status == "skip" then ns = ns + 1 end
      t = t + c.time
    end
    tot.tests, tot.failures, tot.errors, tot.time = tot.tests + #cs, tot.failures + nf, tot.errors + ne, tot.time + t
    local cls = R.classname(u.path, (u.kind == "lua" and info.multi) and u.interp or nil)
    local pkg = cls:match("^(.*)%.[^.]*$") or ""
    body[#body + 1] = string.format(
      '  <testsuite name="%s" id="%d" package="%s" tests="%d" failures="%d" errors="%d" skipped="%d" time="%.3f" timestamp="%s" hostname="%s">\n',
      xml(s), idx - 1, xml(pkg), #cs, nf, ne, ns, t, u.stamp or info.stamp, xml(host))
    body[#body + 1] = "    <properties>\n"
    body[#body + 1] = string.format('      <property name="file" value="%s"/>\n', xml(u.path))
    body[#body + 1] = string.format('      <property name="interpreter" value="%s"/>\n', xml(u.kind == "lua" and u.interp or "(TAP program)"))
    if info.rep > 1 then body[#body + 1] = string.format('      <property name="repeat" value="%d"/>\n', info.rep) end
    if info.seed then body[#body + 1] = string.format('      <property name="seed" value="%d"/>\n', info.seed) end
    body[#body + 1] = "    </properties>\n"
    for _, c in ipairs(cs) do
      body[#body + 1] = string.format('    <testcase classname="%s" name="%s" time="%.3f"', xml(cls), xml(c.name), c.time)
      if c.status == "pass" then body[#body + 1] = "/>\n"
      elseif c.status == "skip" then
        body[#body + 1] = string.format('>\n      <skipped message="%s"/>\n    </testcase>\n', xml(c.reason or "skipped"))
      else
        local msg = c.message or ""
        local first = msg:match("^[^\n]*") or ""
        if first == "" then first = c.name end
        if #first > 300 then first = first:sub(1, 297) .. "..." end
        if info.rep > 1 then first = string.format("failed %d of %d runs: %s", c.fail, c.runs, first) end
        local elem = c.kind == "failure" and "failure" or "error"
        local ty = c.kind == "failure" and "assertion" or (c.problem or "error")
        body[#body + 1] = string.format('>\n      <%s type="%s" message="%s">%s</%s>\n    </testcase>\n',
          elem, ty, xml(first), xml(msg), elem)
      end
    end
    body[#body + 1] = "  </testsuite>\n"
  end
  f:write('<?xml version="1.0" encoding="UTF-8"?>\n')
  f:write(string.format('<testsuites name="rumpus-test" tests="%d" failures="%d" errors="%d" time="%.3f">\n',
    tot.tests, tot.failures, tot.errors, info.elapsed))
  f:write(table.concat(body))
  f:write("</testsuites>\n")
  f:close()
end

return R
