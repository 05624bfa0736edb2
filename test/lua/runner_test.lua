-- The test runner (lua/rump/runner.lua behind test/run.lua and bin/rumpus-test), run in a
-- child on the fixture files of test/fixtures/runner/, which the normal suite does not pick up
-- (directories named "fixtures" are left out of the default discovery).  The runner runs on
-- the interpreter running this file, so each of LuaJIT, 5.3 and 5.4 is tried as its host.
local T = require "rump.test"

local sh = T.shquote
local F = "test/fixtures/runner"

local LUA = T.interp()

local function cwd()
  local out = T.sh("pwd")
  return out
end
local ROOT = cwd()

-- Runs the runner with the arguments (a shell fragment); returns its output and exit status.
local function runner(argstr, env)
  local out = T.sh((env or "") .. " " .. sh(LUA) .. " test/run.lua " .. argstr .. " 2>&1; echo \"__status=$?\"")
  local body, st = out:match("^(.-)\n?__status=(%d+)$")
  return body or out, tonumber(st)
end

local function lastline(s) return s:match("([^\n]*)$") end

local function count(s, pat)
  local n = 0
  for _ in s:gmatch(pat) do n = n + 1 end
  return n
end

local function has(s, sub, msg) T.ok(s:find(sub, 1, true), (msg or "output") .. " has " .. sub .. ":\n" .. s) end
local function hasnot(s, sub, msg) T.ok(not s:find(sub, 1, true), (msg or "output") .. " lacks " .. sub .. ":\n" .. s) end

T.case("--help lists every option and exits 0; an unknown option exits 2", function()
  local out, st = runner("--help")
  T.eq(st, 0)
  for _, o in ipairs { "--list", "--fail-fast", "--shuffle", "--seed", "--repeat", "--junit", "--lua",
    "--tap", "--timeout", "-k", "--jobs", "--parallel", "--durations", "--write-durations", "--strategy", "--faults", "--choices", "--shrink", "--artifacts" } do has(out, o) end
  local _, st4 = runner("--strategy nope")
  T.eq(st4, 2, "--strategy needs random, pct[:d] or dfs")
  local _, st5 = runner("--choices 1,x")
  T.eq(st5, 2, "--choices needs a choice list")
  local out2, st2 = runner("--no-such-option")
  T.eq(st2, 2)
  has(out2, "unknown option --no-such-option")
  local _, st3 = runner("--repeat x")
  T.eq(st3, 2, "--repeat needs a number")
end)

T.case("a directory runs every test file below it; the last line counts the cases", function()
  local out, st = runner(F .. "/suite")
  T.eq(st, 1)
  T.eq(lastline(out), "5 passed, 3 failed, 1 skipped")
  has(out, F .. "/suite/more/crash_test.lua")
  has(out, "(file) died after 1 of 3 cases (exit 3)")
  has(out, "Skipped:\n  " .. F .. "/suite/mixed_test.lua: skips: no such thing here")
  local out2, st2 = runner(F .. "/suite/pass_test.lua")
  T.eq(st2, 0)
  T.eq(lastline(out2), "3 passed, 0 failed")
end)

T.case("tracebacks show the test's frames and none of the runner's", function()
  local out = runner(F .. "/suite/mixed_test.lua")
  has(out, "mixed_test.lua:6: helper: expected 2, got 3")
  has(out, "mixed_test.lua:6: in ")            -- helper
  has(out, "mixed_test.lua:10: in ")           -- the case calling it
  has(out, "mixed_test.lua:11: attempt to index")
  hasnot(out, "rump/test.lua")
  hasnot(out, "runner.lua")
  hasnot(out, "run.lua")
  hasnot(out, "xpcall")
  hasnot(out, "[C]")
  T.eq(count(out, "stack traceback:"), 2)
end)

T.case("a pattern run lists only the files with a matching case", function()
  local out, st = runner("beta " .. F .. "/suite")
  T.eq(st, 0)
  T.eq(lastline(out), "1 passed, 0 failed")
  has(out, "pass_test.lua")
  hasnot(out, "mixed_test.lua")
  hasnot(out, "crash_test.lua")
  hasnot(out, " 0 passed")
  local out2 = runner("-k 'pass_test.lua: gamma' " .. F .. "/suite")
  T.eq(lastline(out2), "1 passed, 0 failed", "file: name pattern")
end)

T.case("nothing matched exits 3 (0 with --allow-empty); --c-only and --lua-only apply to named files", function()
  local out, st = runner("no_case_is_named_so " .. F .. "/suite")
  T.eq(st, 3, "a pattern no case matches")
  T.eq(lastline(out), "0 passed, 0 failed")
  has(out, "rumpus-test: no case matched no_case_is_named_so")
  local out2, st2 = runner("--allow-empty no_case_is_named_so " .. F .. "/suite")
  T.eq(st2, 0, "--allow-empty")
  T.eq(lastline(out2), "0 passed, 0 failed")
  local out3, st3 = runner("--c-only " .. F .. "/suite/pass_test.lua")
  T.eq(st3, 3, "--c-only leaves a named Lua file out")
  hasnot(out3, "pass_test.lua")
  local _, st4 = runner("--lua-only " .. F .. "/prog_test")
  T.eq(st4, 3, "--lua-only leaves a named TAP program out")
  local out5, st5 = runner("--c-only --allow-empty " .. F .. "/suite/pass_test.lua")
  T.eq(st5, 0)
  has(out5, "nothing to run")
  local out6, st6 = runner("--lua-only " .. F .. "/suite/pass_test.lua " .. F .. "/prog_test")
  T.eq(st6, 0)
  T.eq(lastline(out6), "3 passed, 0 failed", "only the Lua file ran")
end)

T.case("--list prints the cases and runs none", function()
  local counter = os.tmpname()
  T.defer(function() os.remove(counter) end)
  local out, st = runner("--list " .. F .. "/suite " .. F .. "/flaky.lua " .. F .. "/badload.lua",
    "RUNNER_FIXTURE_COUNTER=" .. sh(counter))
  T.eq(st, 0)
  has(out, F .. "/suite/pass_test.lua: beta two\n")
  has(out, F .. "/suite/mixed_test.lua: raises <error> & \"quotes\"\n")
  has(out, F .. "/suite/more/crash_test.lua: never runs\n")
  has(out, F .. "/badload.lua: cannot be loaded")
  has(out, "setup exploded")
  T.eq(lastline(out), "12 cases in 4 files")
  T.eq(assert(io.open(counter)):read("*a"), "", "no case ran")
  local out2 = runner("--list alpha " .. F .. "/suite")
  T.eq(lastline(out2), "1 cases in 1 files")
end)

T.case("--fail-fast stops at the first failure", function()
  local out, st = runner("--fail-fast " .. F .. "/suite/mixed_test.lua " .. F .. "/suite/pass_test.lua")
  T.eq(st, 1)
  T.eq(lastline(out), "1 passed, 1 failed")
  has(out, "asserts wrongly")
  hasnot(out, "raises <error>")
  hasnot(out, "pass_test.lua")
  has(out, "stopped at the first failure (--fail-fast)")
  local out2 = runner("--fail-fast " .. F .. "/suite/more/crash_test.lua " .. F .. "/suite/pass_test.lua")
  T.eq(lastline(out2), "1 passed, 1 failed", "a file that dies stops the run too")
end)

local function order(out)
  local t = {}
  for name in out:gmatch("PASS [^\n]-pass_test%.lua: (%a+)") do t[#t + 1] = name end
  return table.concat(t, ",")
end

T.case("--shuffle prints its seed and --seed replays the order on every interpreter", function()
  local out, st = runner("--shuffle -v " .. F .. "/suite/pass_test.lua")
  T.eq(st, 0)
  local seed = out:match("shuffled with %-%-seed (%d+)\n")
  T.ok(seed, "seed printed first:\n" .. out)
  T.eq(select(2, out:gsub("shuffled with %-%-seed " .. seed, "")), 2, "seed printed at the start and the end")
  T.eq(lastline(out), "3 passed, 0 failed")
  local replay = runner("--seed " .. seed .. " -v " .. F .. "/suite/pass_test.lua")
  T.eq(order(replay), order(out), "same seed, same order")
  -- Some seed gives another order than the file's, and it is the same on all three Luas.
  local plain = "alpha,beta,gamma"
  local found
  for s = 1, 20 do
    local o = order(runner("--seed " .. s .. " -v " .. F .. "/suite/pass_test.lua"))
    T.eq(#o, #plain, "three cases ran with seed " .. s)
    if o ~= plain then found = s; break end
  end
  T.ok(found, "no seed in 1..20 changed the order")
  local all = runner("--seed " .. found .. " -v --lua luajit,lua5.3,lua5.4 " .. F .. "/suite/pass_test.lua")
  local per = {}
  for l, name in all:gmatch("PASS %[([%w.]+)%] [^\n]-: (%a+)") do per[l] = (per[l] and (per[l] .. ",") or "") .. name end
  T.eq(per.luajit, per["lua5.3"], "luajit and 5.3")
  T.eq(per.luajit, per["lua5.4"], "luajit and 5.4")
  T.ne(per.luajit, plain)
end)

T.case("--repeat N reports each case once with its failure count", function()
  local counter = os.tmpname()
  T.defer(function() os.remove(counter) end)
  local out, st = runner("--repeat 6 " .. F .. "/flaky.lua", "RUNNER_FIXTURE_COUNTER=" .. sh(counter))
  T.eq(st, 1)
  has(out, F .. "/flaky.lua: sometimes: 2/6 failed")
  T.eq(count(out, "FAIL "), 1, "the failure printed once:\n" .. out)
  has(out, "(round 3)")
  T.eq(count(out, "flaky.lua +1 passed, 1 failed"), 1, "one line for the file:\n" .. out)
  T.eq(lastline(out), "1 passed, 1 failed")
end)

T.case("a file that fails to load, hangs or is a TAP program", function()
  local out = runner(F .. "/badload.lua")
  has(out, "load " .. F .. "/badload.lua")
  has(out, "setup exploded")
  has(out, "badload.lua:5: in ")
  T.eq(lastline(out), "0 passed, 1 failed")
  local out2 = runner("--timeout 0.3 " .. F .. "/hang.lua")
  has(out2, "(file) timed out after 0.3 s")
  T.eq(lastline(out2), "0 passed, 1 failed")
  local out3, st3 = runner(F .. "/prog_test")
  T.eq(st3, 1)
  has(out3, "FAIL " .. F .. "/prog_test: second\n    the second went wrong")
  T.eq(lastline(out3), "1 passed, 1 failed, 1 skipped")
  -- a TAP program that plans no case ("1..0") and exits non-zero failed
  local out4, st4 = runner(F .. "/empty_fail_test")
  T.eq(st4, 1, "the run fails:\n" .. out4)
  has(out4, "(file) exited with status 3 after running no case")
  T.eq(lastline(out4), "0 passed, 1 failed")
end)

T.case("--tap prints TAP for every case", function()
  local out = runner("--tap " .. F .. "/suite/mixed_test.lua")
  has(out, "ok 1 - " .. F .. "/suite/mixed_test.lua: adds\n")
  has(out, "not ok 2 - " .. F .. "/suite/mixed_test.lua: asserts wrongly\n")
  has(out, "ok 4 - " .. F .. "/suite/mixed_test.lua: skips # SKIP no such thing here\n")
  has(out, "\n1..4\n")
  hasnot(out, "#: kind")
end)

-- JUnit: valid against the schema (test/fixtures/runner/junit.xsd, the elements and
-- attributes Jenkins' junit-10 schema defines, with what we always write required).
local function xmllint()
  local _, ok = T.sh("command -v xmllint")
  T.ok(ok, "xmllint is missing: install libxml2-utils (make deps does)")
end

local function validate(file)
  return T.sh("xmllint --noout --schema " .. F .. "/junit.xsd " .. sh(file))
end

T.case("the schema rejects a report without errors, time or hostname", function()
  xmllint()
  local dir = T.tmpdir()
  local bad = dir .. "/bad.xml"
  local f = assert(io.open(bad, "w"))
  f:write('<?xml version="1.0"?>\n<testsuites tests="1" failures="0">\n',
    '<testsuite name="x" tests="1" failures="0"><testcase classname="a.b" name="c"/></testsuite>\n',
    '</testsuites>\n')
  f:close()
  local out, ok = validate(bad)
  T.ok(not ok, "validates although it should not:\n" .. out)
  has(out, "errors")
  has(out, "hostname")
end)

T.case("--junit writes a report valid against the JUnit schema, errors apart from failures", function()
  xmllint()
  local dir = T.tmpdir()
  local x = dir .. "/report.xml"
  local _, st = runner("--junit " .. sh(x) .. " " .. F .. "/suite " .. F .. "/prog_test")
  T.eq(st, 1)
  local out, ok = validate(x)
  T.ok(ok, "xmllint: " .. out)
  local s = assert(io.open(x)):read("*a")
  has(s, '<testsuites name="rumpus-test" tests="12" failures="2" errors="2" time="')
  has(s, 'name="' .. F .. '/suite/mixed_test.lua" id="0" package="test.fixtures.runner.suite" tests="4" failures="1" errors="1" skipped="1" time="')
  has(s, '<testcase classname="test.fixtures.runner.suite.mixed_test" name="asserts wrongly" time="')
  has(s, '<failure type="assertion" message="' .. F .. '/suite/mixed_test.lua:6: helper: expected 2, got 3">')
  has(s, '<error type="error" message="' .. F .. '/suite/mixed_test.lua:11: attempt to index')
  has(s, 'name="raises &lt;error&gt; &amp; &quot;quotes&quot;"')
  has(s, '<error type="crash" message="died after 1 of 3 cases (exit 3)">')
  has(s, '<skipped message="no such thing here"/>')
  has(s, 'classname="test.fixtures.runner.prog_test" name="second"')
  T.ok(s:find('timestamp="%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d" hostname="[^"]+"'), "timestamp and hostname")
  hasnot(s, "stack traceback:\n\t" .. "[C]")
end)

T.case("--junit keeps the report valid when messages hold binary bytes", function()
  xmllint()
  local dir = T.tmpdir()
  local x = dir .. "/report.xml"
  local _, st = runner("--junit " .. sh(x) .. " " .. F .. "/binary.lua")
  T.eq(st, 1)
  local out, ok = validate(x)
  T.ok(ok, "xmllint: " .. out)
  local s = assert(io.open(x)):read("*a")
  has(s, 'name="binary ? name"')
  has(s, "\195\169", "the valid é is kept")
  T.ok(not s:find("[\192\193\245-\255]"), "no byte that UTF-8 never uses")
end)

T.case("--junit with several interpreters and --repeat: classnames Jenkins splits right", function()
  xmllint()
  local dir = T.tmpdir()
  local x = dir .. "/report.xml"
  local counter = dir .. "/counter"
  runner("--junit " .. sh(x) .. " --repeat 3 --lua luajit,lua5.4 " .. F .. "/flaky.lua",
    "RUNNER_FIXTURE_COUNTER=" .. sh(counter))
  local out, ok = validate(x)
  T.ok(ok, "xmllint: " .. out)
  local s = assert(io.open(x)):read("*a")
  has(s, 'classname="test.fixtures.runner.flaky[luajit]"')
  has(s, 'classname="test.fixtures.runner.flaky[lua5_4]"')
  has(s, 'package="test.fixtures.runner"')
  has(s, 'message="failed 1 of 3 runs: ')
  has(s, '<property name="repeat" value="3"/>')
  for cls in s:gmatch('classname="([^"]+)"') do
    local pkg, class = cls:match("^(.*)%.([^.]*)$")
    T.eq(pkg, "test.fixtures.runner", cls)
    T.ok(class == "flaky[luajit]" or class == "flaky[lua5_4]", cls)
  end
end)

local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

T.case("rumpus-test runs a user's test files from another directory", function()
  local dir = T.tmpdir()
  assert(os.execute("mkdir -p " .. sh(dir .. "/spec/sub") .. " " .. sh(dir .. "/spec/fixtures")))
  write(dir .. "/spec/sub/mine_test.lua", 'local T = require "rump.test"\n' ..
    'T.case("mine works", function() T.eq(#"abc", 3) end)\n' ..
    'T.case("mine fails", function() T.eq(1, 2) end)\n')
  write(dir .. "/spec/fixtures/helper.lua", 'error("a fixture ran")\n')
  write(dir .. "/spec/fixtures/fixture_test.lua", 'error("a fixture ran")\n')
  local env = "cd " .. sh(dir) .. " && LUA_PATH=" .. sh(ROOT .. "/lua/?.lua;" .. ROOT .. "/lua/?/init.lua;;")
  local cmd = sh(LUA) .. " " .. sh(ROOT .. "/bin/rumpus-test")
  -- No argument: every *_test.lua below the directory (no test/ here), fixtures left out, and
  -- not the C tests of the rumpus build RUMPUS_BUILD names.
  local out = T.sh(env .. " RUMPUS_BUILD=" .. sh(ROOT .. "/build") .. " " .. cmd .. "; echo \"__status=$?\"")
  hasnot(out, "fixture")
  hasnot(out, "/test/")
  has(out, "spec/sub/mine_test.lua")
  has(out, "spec/sub/mine_test.lua:3: expected 2, got 1")
  has(out, "1 passed, 1 failed\n__status=1")
  local out2 = T.sh(env .. " " .. cmd .. " mine.works spec/; echo \"__status=$?\"")
  has(out2, "1 passed, 0 failed\n__status=0")
  assert(os.execute("mkdir " .. sh(dir .. "/other")))
  local out4 = T.sh(env .. " " .. cmd .. " other; echo \"__status=$?\"")
  has(out4, "no case matched other\n0 passed, 0 failed\n__status=3", "a plain word is a pattern, even when a directory has that name")
  local out3 = T.sh(env .. " " .. cmd .. " --lua lua5.4 spec/sub/mine_test.lua; echo \"__status=$?\"")
  has(out3, "1 passed, 1 failed\n__status=1")
end)

T.case("tools/install.sh installs rumpus-test, which then runs from anywhere", function()
  local dir = T.tmpdir()
  local prefix = dir .. "/prefix"
  local out, ok = T.sh("tools/install.sh " .. sh(prefix) .. " " .. sh(os.getenv("RUMPUS_BUILD") or "build"))
  T.ok(ok, "install: " .. out)
  local v = LUA:find("luajit") and "5.1" or LUA:match("5%.%d") or "5.1"
  write(dir .. "/t_test.lua", 'local T = require "rump.test"\nT.case("installed", function() T.ok(true) end)\n')
  local cmd = "cd " .. sh(dir) .. " && LUA_PATH=" .. sh(prefix .. "/share/lua/" .. v .. "/?.lua;;") ..
    " " .. sh(LUA) .. " " .. sh(prefix .. "/bin/rumpus-test") .. " t_test.lua"
  local out2 = T.sh(cmd)
  has(out2, "t_test.lua")
  T.eq(lastline(out2), "1 passed, 0 failed")
  hasnot(out2, ROOT .. "/lua/")
  -- Without LUA_PATH: the command finds the modules of its prefix itself.
  local out3 = T.sh("cd " .. sh(dir) .. " && env -u LUA_PATH -u LUA_PATH_5_3 -u LUA_PATH_5_4 " .. sh(LUA) .. " " ..
    sh(prefix .. "/bin/rumpus-test") .. " t_test.lua")
  T.eq(lastline(out3), "1 passed, 0 failed", "no LUA_PATH:\n" .. out3)
  -- And bin/rumpus-test of the checkout finds the checkout's lua/.
  local out4 = T.sh("cd " .. sh(dir) .. " && env -u LUA_PATH " .. sh(LUA) .. " " .. sh(ROOT .. "/bin/rumpus-test") .. " t_test.lua")
  T.eq(lastline(out4), "1 passed, 0 failed", "checkout's command without LUA_PATH:\n" .. out4)
end)

T.case("--repeat N runs a Lua file's rounds in one process", function()
  local counter = os.tmpname()
  T.defer(function() os.remove(counter) end)
  local out, st = runner("--repeat 4 " .. F .. "/inproc.lua", "RUNNER_FIXTURE_COUNTER=" .. sh(counter))
  T.eq(st, 0, out)
  local f = assert(io.open(counter))
  local got = f:read("*a")
  f:close()
  T.eq(got, "1\n2\n3\n4\n", "one process kept its module state across the rounds")
  T.eq(lastline(out), "1 passed, 0 failed")
end)

T.case("--seed seeds each round's kernels, prints the failing seed and a replay that fails alike", function()
  local counter = os.tmpname()
  T.defer(function() os.remove(counter) end)
  local env = "RUNNER_FIXTURE_COUNTER=" .. sh(counter)
  local out, st = runner("--seed 5 --repeat 3 " .. F .. "/seeded.lua", env)
  T.eq(st, 1)
  has(out, "odd seeds only: 1/3 failed")
  local cmd = out:match("seed 6; replay: ([^\n]+)")
  T.ok(cmd, "the seed and the replay command are printed:\n" .. out)
  local f = assert(io.open(counter))
  local runs = {}
  for l in f:lines() do runs[#runs + 1] = l end
  f:close()
  T.eq(#runs, 3)
  T.eq(runs[1]:match("^(%d+) "), "5")
  T.eq(runs[2]:match("^(%d+) "), "6")
  T.eq(runs[3]:match("^(%d+) "), "7")
  T.ne(runs[1], runs[2], "another seed, another port")
  -- the printed command replays the failing run: same seed, same port, same failure
  assert(io.open(counter, "w")):close()
  local rout = T.sh(env .. " " .. cmd .. " 2>&1")
  has(rout, "0 passed, 1 failed")
  f = assert(io.open(counter))
  T.eq(f:read("*l"), runs[2])
  f:close()
  -- --until-fail stops after the round that failed
  assert(io.open(counter, "w")):close()
  local uout = runner("--seed 5 --until-fail " .. F .. "/seeded.lua", env)
  has(uout, "seed 6; replay:")
  f = assert(io.open(counter))
  local n = 0
  for _ in f:lines() do n = n + 1 end
  f:close()
  T.eq(n, 2, "rounds 5 and 6, then it stopped")
end)

T.case("--shard I/N and TEST_SHARD_INDEX/TEST_TOTAL_SHARDS: blocks of seeds, or every N-th file", function()
  local counter = os.tmpname()
  T.defer(function() os.remove(counter) end)
  local env = "RUNNER_FIXTURE_COUNTER=" .. sh(counter)
  local function seeds()
    local f = assert(io.open(counter))
    local t = {}
    for l in f:lines() do t[#t + 1] = tonumber(l:match("^(%d+)")) end
    f:close()
    assert(io.open(counter, "w")):close()
    return t
  end
  runner("--shard 2/3 --seed 5 --repeat 2 " .. F .. "/seeded.lua", env)
  T.same(seeds(), { 7, 8 }, "shard 2 of 3 runs the second block of two seeds")
  local status = os.tmpname()
  os.remove(status)
  T.defer(function() os.remove(status) end)
  runner("--seed 5 --repeat 2 " .. F .. "/seeded.lua",
    env .. " TEST_SHARD_INDEX=2 TEST_TOTAL_SHARDS=3 TEST_SHARD_STATUS_FILE=" .. sh(status))
  T.same(seeds(), { 9, 10 }, "Bazel's index is 0-based")
  T.ok(io.open(status), "the shard status file is touched")
  -- without seeds: the files are dealt out
  local a = runner("--list --shard 1/2 " .. F .. "/suite/")
  local b = runner("--list --shard 2/2 " .. F .. "/suite/")
  local all = runner("--list " .. F .. "/suite/")
  T.eq(count(a, "\n") + count(b, "\n"), count(all, "\n"), "every case in one shard:\n" .. a .. "\n--\n" .. b)
  hasnot(a, "crash_test.lua")
  has(b, "crash_test.lua")
  local _, st = runner("--shard 3/2 " .. F .. "/suite/")
  T.eq(st, 2, "a shard index past the count is a usage error")
end)

-- --parallel P: P files at once, each file's report whole, in the order of one at a time.
local function nojunittimes(s)
  return (s:gsub(' time="[%d.]+"', ""):gsub(' timestamp="[^"]*"', ""))
end

T.case("--parallel P reports as one file at a time does: lines, skips, JUnit, the closing line", function()
  local dir = T.tmpdir()
  local files = F .. "/suite " .. F .. "/prog_test " .. F .. "/badload.lua " .. F .. "/suite/pass_test.lua"
  local out1, st1 = runner("--parallel 1 --junit " .. sh(dir .. "/1.xml") .. " " .. files)
  local out3, st3 = runner("--parallel 3 --junit " .. sh(dir .. "/3.xml") .. " " .. files)
  T.eq(st1, 1)
  T.eq(st3, 1)
  T.eq(out3, out1, "the same report")
  T.eq(lastline(out3), "9 passed, 5 failed, 2 skipped")
  T.eq(count(out3, "Skipped:"), 1)
  has(out3, "  " .. F .. "/suite/mixed_test.lua: skips: no such thing here\n")
  local x1, x3 = assert(io.open(dir .. "/1.xml")):read("*a"), assert(io.open(dir .. "/3.xml")):read("*a")
  T.eq(nojunittimes(x3), nojunittimes(x1), "the same JUnit report but for the times")
  local vout, ok = T.sh("command -v xmllint >/dev/null && xmllint --noout --schema " .. F .. "/junit.xsd " .. sh(dir .. "/3.xml"))
  T.ok(ok, "xmllint: " .. vout)
  -- RUMPUS_TEST_PARALLEL does the same; a hang still times out alone
  local out4 = runner("--timeout 0.5 " .. F .. "/hang.lua " .. F .. "/suite/pass_test.lua", "RUMPUS_TEST_PARALLEL=2")
  has(out4, "(file) timed out after 0.5 s")
  T.eq(lastline(out4), "3 passed, 1 failed")
end)

T.case("--parallel: the longest files first by --durations, --write-durations keeps other entries", function()
  local dir = T.tmpdir()
  local d = dir .. "/durations"
  local f = assert(io.open(d, "w"))
  f:write("99.00 c elsewhere_test\n")
  f:close()
  local out, st = runner("--parallel 2 --durations " .. sh(d) .. " --write-durations " .. sh(d) .. " "
    .. F .. "/suite/pass_test.lua " .. F .. "/prog_test")
  T.eq(st, 1)
  T.eq(lastline(out), "4 passed, 1 failed, 1 skipped")
  local s = assert(io.open(d)):read("*a")
  has(s, "99.00 c elsewhere_test\n")
  T.ok(s:find("\n?[%d.]+ c prog_test\n"), "the TAP program's entry:\n" .. s)
  T.ok(s:find("\n[%d.]+ " .. LUA:match("([^/]+)$"):gsub("%p", "%%%0") .. " " .. F:gsub("%p", "%%%0") .. "/suite/pass_test%.lua\n"),
    "the Lua file's entry:\n" .. s)
end)

T.case("--parallel prints the first files' reports while the longest still run", function()
  -- b_long and c_long (the longest by the hints) each wait until the runner has printed
  -- a_quick's report: with every lane taking the longest first, a_quick would start only
  -- when one of them had ended, and they would fail
  local dir = T.tmpdir()
  local d = dir .. "/durations"
  local f = assert(io.open(d, "w"))
  local interp = LUA:match("([^/]+)$")
  for _, n in ipairs { "b_long", "c_long" } do f:write("50.00 ", interp, " ", F, "/progress/", n, "_test.lua\n") end
  f:write("0.10 ", interp, " ", F, "/progress/a_quick_test.lua\n")
  f:close()
  local outf = dir .. "/out"
  local _, st = runner("--parallel 2 --durations " .. sh(d) .. " " .. F .. "/progress/ >" .. sh(outf),
    "RUMPUS_FIXTURE_OUT=" .. sh(outf))
  local out = assert(io.open(outf)):read("*a")
  T.eq(st, 0, out)
  T.eq(lastline(out:gsub("\n$", "")), "3 passed, 0 failed")
end)

T.case("--parallel with --fail-fast reports nothing after the first failing file", function()
  local out, st = runner("--parallel 2 --fail-fast " .. F .. "/suite/mixed_test.lua " .. F .. "/suite/pass_test.lua "
    .. F .. "/prog_test")
  T.eq(st, 1)
  T.eq(lastline(out), "1 passed, 1 failed")
  hasnot(out, "pass_test.lua")
  has(out, "stopped at the first failure (--fail-fast)")
end)
