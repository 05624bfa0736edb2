-- tools/junit_merge.lua: the JUnit reports of a run's shards merge into one report valid
-- against the JUnit schema, with the totals of the run made in one piece.
local T = require "rump.test"

local sh = T.shquote
local F = "test/fixtures/runner"

local LUA = T.interp()

local function run(cmd)
  local out = T.sh(cmd .. " 2>&1; echo \"__status=$?\"")
  local body, st = out:match("^(.-)\n?__status=(%d+)$")
  return body or out, tonumber(st)
end

local function read(p)
  local f = assert(io.open(p))
  local s = f:read("*a")
  f:close()
  return s
end

local function totals(s)
  return s:match('<testsuites name="rumpus%-test" (tests="%d+" failures="%d+" errors="%d+")')
end

T.case("the shards' reports merge into the report of the whole run", function()
  local dir = T.tmpdir()
  local files = F .. "/suite " .. F .. "/prog_test"
  run(sh(LUA) .. " test/run.lua --junit " .. sh(dir .. "/all.xml") .. " " .. files)
  run(sh(LUA) .. " test/run.lua --shard 1/2 --junit " .. sh(dir .. "/s1.xml") .. " " .. files)
  run(sh(LUA) .. " test/run.lua --shard 2/2 --junit " .. sh(dir .. "/s2.xml") .. " " .. files)
  local out, st = run(sh(LUA) .. " tools/junit_merge.lua " .. sh(dir .. "/m.xml") .. " " ..
    sh(dir .. "/s1.xml") .. " " .. sh(dir .. "/s2.xml"))
  T.eq(st, 0, out)
  local all, m = read(dir .. "/all.xml"), read(dir .. "/m.xml")
  T.ok(totals(all), "the whole run's totals")
  T.eq(totals(m), totals(all), "the merged totals are the whole run's")
  local n, ids = 0, {}
  for id in m:gmatch('<testsuite name="[^"]*" id="(%d+)"') do n = n + 1; ids[#ids + 1] = tonumber(id) end
  local na = 0
  for _ in all:gmatch("<testsuite ") do na = na + 1 end
  T.eq(n, na, "every suite once")
  for i, id in ipairs(ids) do T.eq(id, i - 1, "ids renumbered") end
  T.ok(m:find('<property name="report" value="' .. dir .. '/s1.xml"/>', 1, true), "each suite names its report")
  T.ok(m:find('<property name="report" value="' .. dir .. '/s2.xml"/>', 1, true))
  local cases_all, cases_m = 0, 0
  for _ in all:gmatch("<testcase ") do cases_all = cases_all + 1 end
  for _ in m:gmatch("<testcase ") do cases_m = cases_m + 1 end
  T.eq(cases_m, cases_all, "every case once")
  local _, ok = T.sh("command -v xmllint")
  T.ok(ok, "xmllint is missing: install libxml2-utils (make deps does)")
  local vout, valid = T.sh("xmllint --noout --schema " .. F .. "/junit.xsd " .. sh(dir .. "/m.xml"))
  T.ok(valid, "xmllint: " .. vout)
end)

T.case("a report with a bare <testsuite> root is taken too; bad input is exit 2", function()
  local dir = T.tmpdir()
  local f = assert(io.open(dir .. "/one.xml", "w"))
  f:write('<?xml version="1.0"?>\n<testsuite name="other" tests="2" failures="1" errors="0" time="1.5">',
    '<testcase classname="a.b" name="c" time="1"/><testcase classname="a.b" name="d" time="0.5">',
    '<failure message="x">x</failure></testcase></testsuite>\n')
  f:close()
  local out, st = run(sh(LUA) .. " tools/junit_merge.lua " .. sh(dir .. "/m.xml") .. " " .. sh(dir .. "/one.xml") ..
    " " .. sh(dir .. "/one.xml"))
  T.eq(st, 0, out)
  local m = read(dir .. "/m.xml")
  T.eq(totals(m), 'tests="4" failures="2" errors="0"')
  T.ok(m:find('<testsuite id="1" name="other"', 1, true), m)
  local bad = assert(io.open(dir .. "/bad.xml", "w"))
  bad:write("hello\n")
  bad:close()
  local out2, st2 = run(sh(LUA) .. " tools/junit_merge.lua " .. sh(dir .. "/m2.xml") .. " " .. sh(dir .. "/bad.xml"))
  T.eq(st2, 2)
  T.ok(out2:find("no JUnit report", 1, true), out2)
  local _, st3 = run(sh(LUA) .. " tools/junit_merge.lua " .. sh(dir .. "/m3.xml"))
  T.eq(st3, 2, "no input: usage")
end)
