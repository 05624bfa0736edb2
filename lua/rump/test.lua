-- rump.test: the test harness.
--
-- A test file registers cases; the runner (test/run.lua) loads each file in a child process of
-- its own, so a crash or a hang in one file fails that file only.  Inside a file each case runs
-- under xpcall, so an error in one case fails that case only.  Cleanups registered with
-- T.defer run after the case whatever happened, in reverse order.
--
-- The module is target-neutral: it knows nothing of syscalls, kernels or the host, so the same
-- harness drives host tests and tests that boot disposable kernels.  Written for Lua 5.1 to 5.4.

local io, os, string, table = io, os, string, table
local type, tostring, pairs, ipairs, select = type, tostring, pairs, ipairs, select
local xpcall, pcall, error, setmetatable = xpcall, pcall, error, setmetatable
local debug = debug

local T = {}

local cases = {}          -- { name = , fn = , file = }
local current             -- the running case's state: { defers = {} }

local SKIP = setmetatable({}, { __tostring = function() return "skip" end })

local function fmt(v)
  if type(v) == "string" then return string.format("%q", v) end
  return tostring(v)
end

-- Registers a case.  Names must be unique within a file.
function T.case(name, fn)
  if type(name) ~= "string" then error("bad argument #1 to 'case' (string expected, got " .. type(name) .. ")", 2) end
  if type(fn) ~= "function" then error("bad argument #2 to 'case' (function expected, got " .. type(fn) .. ")", 2) end
  for _, c in ipairs(cases) do
    if c.name == name then error("duplicate test case name: " .. name, 2) end
  end
  cases[#cases + 1] = { name = name, fn = fn }
end

local assertion_msgs -- set below

-- Raises an assertion's message at the caller of the assertion (level 1), remembering that it
-- is an assertion's: the runner reports it as a failure, not as an error.
local function fail(msg, level)
  level = (level or 1) + 2
  local info = debug.getinfo(level, "Sl")
  if info and info.currentline and info.currentline > 0 then
    msg = info.short_src .. ":" .. info.currentline .. ": " .. msg
  end
  assertion_msgs[msg] = true
  error(msg, 0)
end

function T.ok(v, msg)
  if not v then fail("assertion failed" .. (msg and (": " .. tostring(msg)) or ""), 1) end
  return v
end

function T.eq(got, want, msg)
  if got ~= want then
    fail((msg and (tostring(msg) .. ": ") or "") .. "expected " .. fmt(want) .. ", got " .. fmt(got), 1)
  end
  return got
end

function T.ne(got, other, msg)
  if got == other then
    fail((msg and (tostring(msg) .. ": ") or "") .. "expected a value other than " .. fmt(other), 1)
  end
  return got
end

-- Compares two values structurally (tables by contents).
local function deepeq(a, b)
  if a == b then return true end
  if type(a) ~= "table" or type(b) ~= "table" then return false end
  for k, v in pairs(a) do if not deepeq(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end
T.deepeq = deepeq

local function dump(v, depth)
  depth = depth or 0
  if type(v) ~= "table" or depth > 3 then return fmt(v) end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys, function(x, y) return tostring(x) < tostring(y) end)
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts + 1] = "[" .. fmt(k) .. "]=" .. dump(v[k], depth + 1) end
  return "{" .. table.concat(parts, ", ") .. "}"
end
T.dump = dump

function T.same(got, want, msg)
  if not deepeq(got, want) then
    fail((msg and (tostring(msg) .. ": ") or "") .. "expected " .. dump(want) .. ", got " .. dump(got), 1)
  end
  return got
end

-- fn must raise an error whose message matches pattern (a plain substring match is tried too).
function T.err(fn, pattern, msg)
  local ok, e = pcall(fn)
  if ok then fail((msg and (tostring(msg) .. ": ") or "") .. "expected an error" .. (pattern and (" matching " .. fmt(pattern)) or ""), 1) end
  if e == SKIP then error(e, 0) end
  local s = tostring(e)
  if pattern and not s:find(pattern) and not s:find(pattern, 1, true) then
    fail((msg and (tostring(msg) .. ": ") or "") .. "error " .. fmt(s) .. " does not match " .. fmt(pattern), 1)
  end
  return s
end

-- Asserts that a syscall-style call failed: v is nil and err has the given errno name
-- (err[name] is true, as for ljsyscall error objects).
function T.fails(name, v, err, ...)
  if v ~= nil and v ~= false then
    fail("expected failure with " .. name .. ", got success: " .. fmt(v), 1)
  end
  if err == nil then fail("expected an error object with " .. name .. ", got nil", 1) end
  if not err[name] then fail("expected error " .. name .. ", got " .. tostring(err), 1) end
  return err
end

function T.skip(reason)
  current.skipreason = reason or "skipped"
  error(SKIP, 0)
end

local is_root
function T.root()
  if is_root == nil then
    local p = io.popen("id -u 2>/dev/null")
    local out = p and p:read("*l")
    if p then p:close() end
    is_root = (out == "0")
  end
  return is_root
end

function T.defer(fn)
  if type(fn) ~= "function" then error("bad argument #1 to 'defer' (function expected, got " .. type(fn) .. ")", 2) end
  local d = current.defers
  d[#d + 1] = fn
end

local function shquote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end
T.shquote = shquote

-- The command of the Lua interpreter running this process (arg's lowest index; "luajit"
-- when there is no arg), to run children on the same Lua.
function T.interp()
  local k = -1
  while arg and arg[k - 1] do k = k - 1 end
  return (arg and arg[k]) or "luajit"
end

-- A fresh temporary directory, removed (with everything in it) after the case.
function T.tmpdir()
  local p = io.popen("mktemp -d " .. shquote((os.getenv("TMPDIR") or "/tmp") .. "/rumpus-test.XXXXXX"))
  local dir = p:read("*l")
  p:close()
  if not dir or dir == "" then error("mktemp failed") end
  T.defer(function() os.execute("rm -rf " .. shquote(dir)) end)
  return dir
end

-- Runs a shell command; returns its standard output (trailing newline removed) and whether it
-- exited with status 0.
function T.sh(cmd)
  local p = io.popen(cmd .. " 2>&1; echo \"__rc=$?\"")
  local out = p:read("*a")
  p:close()
  local body, rc = out:match("^(.-)\n?__rc=(%d+)\n?$")
  return body or out, tonumber(rc) == 0
end

-- Polls cond() until it returns a true value or tries run out; never sleeps a fixed time in
-- place of checking.  Returns cond's value or nil.
function T.wait(cond, tries, sleeper)
  tries = tries or 1000
  for _ = 1, tries do
    local v = cond()
    if v then return v end
    if sleeper then sleeper() end
  end
  return nil
end

-- Sources of the harness itself (this file and the runner): their frames are cut from the
-- tracebacks a failure prints, which then show the test's own frames only.
local harness = { [debug.getinfo(1, "S").short_src] = true }
function T.harness_source(level)
  local info = debug.getinfo((level or 1) + 1, "S")
  if info and info.what ~= "C" then harness[info.short_src] = true end
end

-- Messages raised by the assertions: a case that ends with one of them failed (a JUnit
-- failure); any other error is an error.  Keyed by the message string (only failures add one),
-- so nothing is attached to the error value the test sees.
assertion_msgs = {}

-- Keeps the frames of the test file (and the libraries it calls), without the harness's
-- frames above and below them nor the C frames (error, xpcall) at either end.
local function trimtrace(tb)
  local head, rest = tb:match("^(.-)\nstack traceback:\n(.*)$")
  if not head then return tb end
  local frames = {}
  for l in rest:gmatch("[^\n]+") do frames[#frames + 1] = l end
  local function is_harness(l)
    local src = l:match("^%s*(.-):%d+:") or l:match("^%s*(.-): in ")
    return src and harness[src] or false
  end
  local function is_c(l)
    return l:match("^%s*%[C%]:") or l:match("^%s*%(%.%.%.tail calls%.%.%.%)") or l:match("^%s*%(tail call%)")
  end
  local i = 1
  while frames[i] and (is_harness(frames[i]) or is_c(frames[i])) do i = i + 1 end
  local kept = {}
  while frames[i] and not is_harness(frames[i]) do kept[#kept + 1] = frames[i]; i = i + 1 end
  while #kept > 0 and is_c(kept[#kept]) do kept[#kept] = nil end
  if #kept == 0 then return head end
  return head .. "\nstack traceback:\n" .. table.concat(kept, "\n")
end
T.trimtrace = trimtrace

local function traceback(e)
  if e == SKIP then return e end
  local kind = (type(e) == "string" and assertion_msgs[e]) and "failure" or "error"
  if type(e) ~= "string" then e = tostring(e) end
  return { kind = kind, text = trimtrace(debug.traceback(e, 2)) }
end

-- The kernels' seed of the case about to run (--seed, --replay): each case starts from it,
-- so one case replays alone.  rump is seeded only when the file loaded it.
local caseseed
local function reseed()
  local rump = package.loaded["rump"]
  if caseseed and type(rump) == "table" and rump.seed then pcall(rump.seed, caseseed) end
end

local function runcase(c)
  local race = package.loaded["rump.race"]
  if race then race.last = nil end
  reseed()
  current = { defers = {} }
  local ok, e = xpcall(c.fn, traceback)
  local d = current.defers
  for i = #d, 1, -1 do
    local dok, de = xpcall(d[i], traceback)
    if not dok and ok then
      ok, e = false, { kind = "error", text = "cleanup failed: " .. (de == SKIP and "T.skip in a cleanup" or de.text) }
    end
  end
  local res
  if ok then res = { status = "pass" }
  elseif e == SKIP then res = { status = "skip", reason = current.skipreason }
  else res = { status = "fail", kind = e.kind, message = e.text } end
  current = nil
  collectgarbage()
  return res
end

-- A small generator of its own (Park and Miller's minimal standard), so a seed gives the same
-- order on every interpreter: math.random differs between LuaJIT, 5.3 and 5.4.
local function prng(seed)
  local x = seed % 2147483646 + 1
  return function(n)
    x = (16807 * x) % 2147483647
    return x % n + 1
  end
end
T.prng = prng

-- Shuffles t in place with the seed (Fisher-Yates).
function T.shuffle(t, seed)
  local rnd = prng(seed)
  for i = #t, 2, -1 do
    local j = rnd(i)
    t[i], t[j] = t[j], t[i]
  end
  return t
end

-- A number of a string, to derive a file's seed from the run's seed.
function T.strhash(s)
  local h = 5381
  for i = 1, #s do h = (h * 33 + s:byte(i)) % 2147483647 end
  return h
end

local function loadcases(path)
  cases = {}
  local chunk, lerr = loadfile(path)
  if not chunk then return nil, lerr end
  local ok, e = xpcall(chunk, function(m) return trimtrace(debug.traceback(tostring(m), 2)) end)
  if not ok then return nil, e end
  return cases
end

local function selectcases(path, filter)
  local selected = {}
  for _, c in ipairs(cases) do
    if not filter or c.name:find(filter) or (path .. ": " .. c.name):find(filter) then selected[#selected + 1] = c end
  end
  return selected
end

-- Runs the cases of one test file and writes TAP to out.  Used by the runner's child process.
-- opts: filter (a Lua pattern), failfast (stop at the first failure with "Bail out!"), seed
-- (run the cases in an order shuffled with it), list (print the names, run nothing), rounds
-- (run the selection that many times in this process; before round r > 1 a line
-- "__round=r"; the plan comes last), untilfail (stop after the first round with a failure),
-- raceseed (the kernels' seed of round 1, rump.seed before each case; round r gets
-- raceseed + r - 1), round0 (the number of the first round, default 1).
-- A failed case's first diagnostic line is "#: kind=failure" (an assertion) or
-- "#: kind=error" (any other error), which the runner reads and does not print.
function T.runfile(path, filter, out, opts)
  opts = opts or {}
  out = out or io.stdout
  local ok, lerr = loadcases(path)
  if not ok then
    out:write("1..1\nnot ok 1 - load ", path, "\n#: kind=error\n")
    for line in tostring(lerr):gmatch("[^\n]+") do out:write("# ", line, "\n") end
    out:flush()
    return 1
  end
  local selected = selectcases(path, filter)
  if opts.list then
    for _, c in ipairs(selected) do out:write((c.name:gsub("\n", " ")), "\n") end
    out:flush()
    return 0
  end
  local rounds = opts.rounds or 1
  local round0 = opts.round0 or 1
  if rounds == 1 and not opts.untilfail then
    if opts.seed then T.shuffle(selected, opts.seed + T.strhash(path)) end
    out:write("1..", #selected, "\n")
    out:flush()
    caseseed = opts.raceseed
    local failed = T.runround(selected, out, opts, 0)
    return failed
  end
  local failed, done = 0, 0
  local base = {}
  for i, c in ipairs(selected) do base[i] = c end
  for r = round0, round0 + rounds - 1 do
    if r > round0 then out:write("__round=", r, "\n") end
    local list = selected
    if opts.seed then
      list = {}
      for i, c in ipairs(base) do list[i] = c end
      T.shuffle(list, opts.seed + r - 1 + T.strhash(path))
    end
    caseseed = opts.raceseed and (opts.raceseed + r - round0) or nil
    local f, bail = T.runround(list, out, opts, done)
    failed = failed + f
    done = done + #list
    if bail or (opts.untilfail and f > 0) then break end
  end
  out:write("1..", done, "\n")
  out:flush()
  return failed
end

-- A failed case that ran a rump.race world (docs/race.md): its choice list ("#: race-choices="),
-- with RUMPUS_RACE_SHRINK=1 a shrunk one ("#: race-shrunk="), with RUMPUS_RACE_ARTIFACTS=DIR
-- the run replayed once more from its list with its pcaps (w:capture), its event trace and
-- its choice list written to a directory below DIR ("#: race-artifacts=").
function T.racefailure(c, r, out)
  local race = package.loaded["rump.race"]
  local w = race and race.last
  if not w then return end
  local first = (r.message or ""):match("^[^\n]*")
  local f = { seed = w.seed, strategy = w.strategy, depth = w.depth, choices = {}, message = first, kinds = w.kinds }
  local last = 0
  for i = 1, #w.choices do if w.choices[i] ~= 0 then last = i end end
  for i = 1, last do f.choices[i] = w.choices[i] end
  out:write("#: race-choices=", race.encode(f.choices), "\n")
  out:write("# race: ", race.describe(f), "\n")
  local function replay(list, capture)
    race.override = list
    race._capture = capture
    local rr = runcase(c)
    race.override, race._capture = nil, nil
    local msg = rr.message and rr.message:match("^[^\n]*")
    return rr.status == "pass", msg, race.last
  end
  if os.getenv("RUMPUS_RACE_SHRINK") == "1" then
    local s = race.shrink(nil, f, { replay = function(list) return replay(list) end })
    out:write("#: race-shrunk=", race.encode(s.choices), "\n")
    out:write("# race shrunk (", s.tries, " replays): ", race.describe(s), "\n")
    f = s
  end
  local dir = os.getenv("RUMPUS_RACE_ARTIFACTS")
  if dir and dir ~= "" then
    local sub = dir .. "/" .. c.name:gsub("[^%w_.-]+", "_"):sub(1, 60) .. "-seed" .. f.seed
    os.execute("mkdir -p " .. shquote(sub))
    race.trace(100000)
    local ok, msg = replay(f.choices, sub)
    local events = race.events()
    local digest, count = race.digest()
    race.trace(false)
    local tf = io.open(sub .. "/trace.txt", "w")
    if tf then
      tf:write("# event trace of the replayed run: digest ", digest, ", ", count, " events\n")
      for i, e in ipairs(events) do
        tf:write(string.format("%d %s info=%d vtime=%d hash=%s\n", i, e.kind, e.info, e.vtime, e.hash))
      end
      tf:close()
    end
    local cf = io.open(sub .. "/choices.txt", "w")
    if cf then
      cf:write(race.encode(f.choices), "\n# ", race.describe(f), "\n# failure: ", tostring(f.message), "\n",
        "# replayed: ", ok and "passed (not reproduced)" or ("failed again: " .. tostring(msg)), "\n")
      cf:close()
    end
    out:write("#: race-artifacts=", sub, "\n")
  end
end

-- One round of cases (TAP numbers from n0 + 1); returns the failures and whether it bailed.
function T.runround(selected, out, opts, n0)
  local failed = 0
  for k, c in ipairs(selected) do
    local i = n0 + k
    local r = runcase(c)
    local name = c.name:gsub("[\n#]", " ")
    if r.status == "pass" then
      out:write("ok ", i, " - ", name, "\n")
    elseif r.status == "skip" then
      out:write("ok ", i, " - ", name, " # SKIP ", (tostring(r.reason):gsub("\n", " ")), "\n")
    else
      failed = failed + 1
      out:write("not ok ", i, " - ", name, "\n#: kind=", r.kind, "\n")
      for line in r.message:gmatch("[^\n]+") do out:write("# ", line, "\n") end
      T.racefailure(c, r, out)
      if opts.failfast then
        out:write("Bail out! --fail-fast\n")
        out:flush()
        return failed, true
      end
    end
    out:flush()
  end
  return failed
end

-- The child process's entry: runner --child FILE FILTER [--list] [--fail-fast] [--seed N]
-- [--rounds N] [--round0 N] [--race-seed N] [--until-fail].
function T.child(args, level)
  T.harness_source((level or 1) + 1)
  local opts = {}
  for k = 4, #args do
    local a = args[k]
    if a == "--list" then opts.list = true
    elseif a == "--fail-fast" then opts.failfast = true
    elseif a == "--seed" then opts.seed = tonumber(args[k + 1])
    elseif a == "--rounds" then opts.rounds = tonumber(args[k + 1])
    elseif a == "--round0" then opts.round0 = tonumber(args[k + 1])
    elseif a == "--race-seed" then opts.raceseed = tonumber(args[k + 1])
    elseif a == "--until-fail" then opts.untilfail = true
    end
  end
  local failed = T.runfile(args[2], args[3] ~= "" and args[3] or nil, io.stdout, opts)
  io.stdout:flush()
  -- RUMPUS_TEST_CLOSE=1 (make asan): close the Lua state on the way out, so the GC destroys
  -- whatever kernels the file left behind and LeakSanitizer sees real leaks only
  os.exit(failed == 0 and 0 or 1, os.getenv("RUMPUS_TEST_CLOSE") == "1")
end

return T
