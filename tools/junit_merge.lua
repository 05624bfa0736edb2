-- tools/junit_merge.lua: merges JUnit XML reports into one (docs/testing.md, "Shards"):
--
--   lua tools/junit_merge.lua OUT.xml IN1.xml IN2.xml ...
--
-- For the reports of the shards of one run (rumpus-test --shard I/N --junit shardI.xml, a
-- CI matrix, a Slurm array, GNU parallel over ssh), gathered on one machine: the result is
-- one <testsuites> holding every input's <testsuite> elements in input order, their ids
-- renumbered 0, 1, ..., each with a property "report" naming the file it came from, and
-- the totals (tests, failures, errors, time) summed.  An input whose root is a single
-- <testsuite> (other tools write that) is taken as it is.  Runs on LuaJIT, Lua 5.3, 5.4.
-- Exit status 0, or 2 for bad usage or an input that is no JUnit report.
local function die(msg)
  io.stderr:write("junit_merge: ", msg, "\n")
  os.exit(2)
end

local args = { ... }
if #args < 2 then die("usage: junit_merge.lua OUT.xml IN.xml...") end

local function xml(s)
  return (s:gsub("[&<>\"]", { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;" }))
end

local function attr(tag, name)
  return tonumber(tag:match("%s" .. name .. '="([%d.]+)"') or "0") or 0
end

local tot = { tests = 0, failures = 0, errors = 0, time = 0 }
local suites, id = {}, 0
for i = 2, #args do
  local path = args[i]
  local f = io.open(path, "rb")
  if not f then die("cannot read " .. path) end
  local s = f:read("*a")
  f:close()
  local body
  local open, inner = s:match("(<testsuites[^>]*>)(.*)</testsuites>")
  if open then
    body = inner
  else
    body = s:match("(<testsuite[%s>].*</testsuite>)")
    if not body then die(path .. " is no JUnit report (no <testsuites> or <testsuite>)") end
  end
  -- each <testsuite ...> ... </testsuite> (or a self-closed <testsuite .../>)
  local pos = 1
  while true do
    local a, b, tag = body:find("(<testsuite[%s>][^>]*>)", pos)
    if not a then break end
    local selfclosed = tag:sub(-2) == "/>"
    local e, e2
    if selfclosed then e, e2 = b, b else e, e2 = body:find("</testsuite>", b + 1, true) end
    if not e then die(path .. ": a <testsuite> without its end") end
    local inner2 = selfclosed and "" or body:sub(b + 1, e - 1)
    for _, k in ipairs { "tests", "failures", "errors", "time" } do tot[k] = tot[k] + attr(tag, k) end
    local newtag = tag:find('%sid="%d+"') and tag:gsub('(%sid=")%d+(")', "%1" .. id .. "%2", 1) or
      tag:gsub("^<testsuite", '<testsuite id="' .. id .. '"', 1)
    local prop = '      <property name="report" value="' .. xml(path) .. '"/>\n'
    if selfclosed then
      newtag = newtag:gsub("%s*/>$", ">")
      inner2 = "\n    <properties>\n" .. prop .. "    </properties>\n  "
    elseif inner2:find("<properties>", 1, true) then
      inner2 = inner2:gsub("<properties>\n?", "<properties>\n" .. prop:gsub("%%", "%%%%"), 1)
    else
      inner2 = "\n    <properties>\n" .. prop .. "    </properties>" .. inner2
    end
    suites[#suites + 1] = "  " .. newtag .. inner2 .. "</testsuite>\n"
    id = id + 1
    pos = e2 + 1
  end
end

local out = io.open(args[1], "wb")
if not out then die("cannot write " .. args[1]) end
out:write('<?xml version="1.0" encoding="UTF-8"?>\n')
out:write(string.format('<testsuites name="rumpus-test" tests="%d" failures="%d" errors="%d" time="%.3f">\n',
  tot.tests, tot.failures, tot.errors, tot.time))
out:write(table.concat(suites))
out:write("</testsuites>\n")
out:close()
