-- The test runner: discovers test files, runs each in a child process, and reports.
--
--   luajit test/run.lua [options] [PATTERN] [FILE...]
--     PATTERN / -k PATTERN   run only cases whose name (or "file: name") matches the Lua pattern
--     FILE...                run only these files (Lua test files or TAP-speaking programs)
--     --tap                  print TAP for every case on standard output
--     --junit FILE           write a JUnit XML report to FILE
--     --lua LIST             interpreters for Lua test files, comma-separated (default: luajit)
--     --c-only               run only the C test programs ($RUMPUS_BUILD/test/*_test)
--     --lua-only             run only the Lua test files
--     --repeat N             run the selection N times (races show up on repetition)
--     -v                     print every case, not only failures
--     --timeout SECONDS      per file (default 600)
--     --allow-empty          succeed when there is nothing to run (make asan before C exists)
--     --luajit-only PATTERN  Lua files matching PATTERN run on LuaJIT only
--
-- Lua test files are test/**/*_test.lua; C test programs are executables named *_test in
-- $RUMPUS_BUILD/test.  Every file speaks TAP to the runner; a file that dies or hangs fails
-- as a whole without stopping the others.  The last line is "N passed, N failed" (and
-- ", N skipped", after the reasons of the skips).

local T = require "rump.test"

local args = { ... }

if args[1] == "--child" then
  local failed = T.runfile(args[2], args[3] ~= "" and args[3] or nil)
  -- RUMPUS_TEST_CLOSE=1 (make asan): close the Lua state on the way out, so the GC
  -- destroys whatever kernels the file left behind and LeakSanitizer sees real leaks only
  os.exit(failed == 0 and 0 or 1, os.getenv("RUMPUS_TEST_CLOSE") == "1")
end

local opt = { luas = { "luajit" }, timeout = 600, rep = 1, files = {} }
local i = 1
while i <= #args do
  local a = args[i]
  if a == "--tap" then opt.tap = true
  elseif a == "--junit" then i = i + 1; opt.junit = args[i]
  elseif a == "--lua" then
    i = i + 1; opt.luas = {}
    for l in args[i]:gmatch("[^,%s]+") do opt.luas[#opt.luas + 1] = l end
  elseif a == "--c-only" then opt.conly = true
  elseif a == "--lua-only" then opt.luaonly = true
  elseif a == "--repeat" then i = i + 1; opt.rep = tonumber(args[i]) or 1
  elseif a == "--timeout" then i = i + 1; opt.timeout = tonumber(args[i]) or 600
  elseif a == "-v" then opt.verbose = true
  elseif a == "--allow-empty" then opt.allowempty = true
  elseif a == "--luajit-only" then i = i + 1; opt.ljonly = args[i]
  elseif a == "-k" then i = i + 1; opt.filter = args[i]
  elseif a:match("^%-") then io.stderr:write("run.lua: unknown option ", a, "\n"); os.exit(2)
  elseif a:match("%.lua$") or a:match("_test$") then opt.files[#opt.files + 1] = a
  else opt.filter = a end
  i = i + 1
end

local build = os.getenv("RUMPUS_BUILD") or "build"
local sh = T.shquote

local function lines(cmd)
  local p = io.popen(cmd)
  local t = {}
  for l in p:lines() do t[#t + 1] = l end
  p:close()
  return t
end

-- What to run: { path =, kind = "lua"|"c", interp = }
local units = {}
local function addlua(f)
  for _, l in ipairs(opt.luas) do
    if not (opt.ljonly and l ~= "luajit" and f:find(opt.ljonly)) then
      units[#units + 1] = { path = f, kind = "lua", interp = l }
    end
  end
end
if #opt.files > 0 then
  for _, f in ipairs(opt.files) do
    if f:match("%.lua$") then addlua(f) else units[#units + 1] = { path = f, kind = "c" } end
  end
else
  if not opt.luaonly then
    for _, f in ipairs(lines("find " .. sh(build .. "/test") .. " -maxdepth 1 -type f -name '*_test' -perm -u+x 2>/dev/null | sort")) do
      units[#units + 1] = { path = f, kind = "c" }
    end
  end
  if not opt.conly then
    for _, f in ipairs(lines("find test -type f -name '*_test.lua' | sort")) do addlua(f) end
  end
end

local function interp_env(l)
  -- PUC Lua finds our ffi module in build/<interp>/; LuaJIT has its own.
  if l == "luajit" then return "" end
  local cpath = build .. "/" .. l .. "/?.so;" .. build .. "/lua/?.so;;"
  return "env LUA_CPATH=" .. sh(cpath) .. " "
end

local results = {}   -- { unit =, name =, status =, reason =, message = }
local counts = { pass = 0, fail = 0, skip = 0 }
local out = io.stdout
local self = arg and arg[0] or "test/run.lua"
local interp0 = (arg and arg[-1]) or "luajit"

local function record(unit, r)
  results[#results + 1] = r
  r.unit = unit
  counts[r.status] = counts[r.status] + 1
end

local function label(u)
  if u.kind == "lua" and #opt.luas > 1 then return "[" .. u.interp .. "] " .. u.path end
  return u.path
end

local function run(u)
  local cmd
  local f = opt.filter or ""
  if u.kind == "lua" then
    cmd = interp_env(u.interp) .. sh(u.interp) .. " " .. sh(self) .. " --child " .. sh(u.path) .. " " .. sh(f)
  else
    cmd = sh(u.path)
  end
  cmd = "timeout -k 5 " .. opt.timeout .. " " .. cmd .. " 2>&1; echo \"__exit=$?\""
  local p = io.popen(cmd)
  local cur, seen, plan, exit = nil, 0, nil, nil
  local stray = {}
  local n0 = counts.pass + counts.fail + counts.skip
  for l in p:lines() do
    local okflag, num, rest = l:match("^(n?o?t? ?ok) (%d+) ?%-? ?(.*)$")
    if okflag == "ok" or okflag == "not ok" then
      seen = seen + 1
      local name, directive = rest:match("^(.-)%s*#%s*(.*)$")
      if not name then name = rest end
      local r = { name = name }
      if okflag == "not ok" then r.status = "fail"; r.message = ""
      elseif directive and directive:upper():match("^SKIP") then
        r.status = "skip"; r.reason = directive:gsub("^[Ss][Kk][Ii][Pp]%S*%s*", "")
      else r.status = "pass" end
      if u.kind == "c" and opt.filter and not (name:find(opt.filter) or (u.path .. ": " .. name):find(opt.filter)) then
        cur = nil
      else
        record(u, r)
        cur = r
        if opt.tap then
          out:write(okflag, " ", #results, " - ", label(u), ": ", name, (r.status == "skip") and (" # SKIP " .. r.reason) or "", "\n")
        elseif opt.verbose or r.status == "fail" then
          out:write(r.status == "pass" and "PASS " or r.status == "skip" and "SKIP " or "FAIL ", label(u), ": ", name, "\n")
        end
      end
    elseif l:match("^1%.%.%d+") then
      plan = tonumber(l:match("^1%.%.(%d+)"))
    elseif l:match("^__exit=%d+$") then
      exit = tonumber(l:match("(%d+)$"))
    elseif l:match("^#") then
      if cur and cur.status == "fail" then
        cur.message = cur.message .. l:sub(3) .. "\n"
        if not opt.tap then out:write("    ", l:sub(3), "\n") else out:write(l, "\n") end
      end
    else
      stray[#stray + 1] = l
    end
  end
  p:close()
  local problem
  if exit == 124 or exit == 137 then problem = "timed out after " .. opt.timeout .. " s"
  elseif plan and seen < plan then problem = "died after " .. seen .. " of " .. plan .. " cases (exit " .. tostring(exit) .. ")"
  elseif not plan and seen == 0 then problem = "produced no TAP (exit " .. tostring(exit) .. ")"
  elseif exit ~= 0 and counts.fail == 0 and seen > 0 then
    local anyfail = false
    for k = n0 + 1, #results do if results[k].status == "fail" then anyfail = true end end
    if not anyfail then problem = "exited with status " .. tostring(exit) .. " although every case passed" end
  end
  if problem then
    local r = { name = "(file) " .. problem, status = "fail", message = table.concat(stray, "\n") }
    record(u, r)
    if opt.tap then out:write("not ok ", #results, " - ", label(u), ": ", r.name, "\n")
    else out:write("FAIL ", label(u), ": ", r.name, "\n") end
    for k = math.max(1, #stray - 30), #stray do out:write("    ", stray[k], "\n") end
  end
  if not opt.tap and not opt.verbose then
    local np, nf, ns = 0, 0, 0
    for k = n0 + 1, #results do
      local s = results[k].status
      if s == "pass" then np = np + 1 elseif s == "fail" then nf = nf + 1 else ns = ns + 1 end
    end
    out:write(string.format("%-52s %4d passed%s%s\n", label(u), np,
      nf > 0 and (", " .. nf .. " failed") or "", ns > 0 and (", " .. ns .. " skipped") or ""))
  end
  out:flush()
end

if #units == 0 then
  if opt.allowempty then print("run.lua: nothing to run"); os.exit(0) end
  io.stderr:write("run.lua: no test files found\n")
  os.exit(2)
end

for _ = 1, opt.rep do
  for _, u in ipairs(units) do run(u) end
end

local function xml(s)
  return (tostring(s):gsub("[&<>\"]", { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;" })
    :gsub("[%z\1-\8\11\12\14-\31]", "?"))
end

if opt.junit then
  local f = assert(io.open(opt.junit, "w"))
  f:write('<?xml version="1.0" encoding="UTF-8"?>\n')
  f:write(string.format('<testsuites tests="%d" failures="%d" skipped="%d">\n', #results, counts.fail, counts.skip))
  local bysuite, order = {}, {}
  for _, r in ipairs(results) do
    local s = label(r.unit)
    if not bysuite[s] then bysuite[s] = {}; order[#order + 1] = s end
    table.insert(bysuite[s], r)
  end
  for _, s in ipairs(order) do
    local rs = bysuite[s]
    local nf, ns = 0, 0
    for _, r in ipairs(rs) do if r.status == "fail" then nf = nf + 1 elseif r.status == "skip" then ns = ns + 1 end end
    f:write(string.format('  <testsuite name="%s" tests="%d" failures="%d" skipped="%d">\n', xml(s), #rs, nf, ns))
    for _, r in ipairs(rs) do
      f:write(string.format('    <testcase classname="%s" name="%s"', xml(s), xml(r.name)))
      if r.status == "pass" then f:write("/>\n")
      elseif r.status == "skip" then f:write(string.format('><skipped message="%s"/></testcase>\n', xml(r.reason)))
      else f:write(string.format('><failure message="failed">%s</failure></testcase>\n', xml(r.message or ""))) end
    end
    f:write("  </testsuite>\n")
  end
  f:write("</testsuites>\n")
  f:close()
end

if opt.tap then out:write("1..", #results, "\n") end
if counts.skip > 0 then
  out:write("Skipped:\n")
  for _, r in ipairs(results) do
    if r.status == "skip" then out:write("  ", label(r.unit), ": ", r.name, ": ", r.reason, "\n") end
  end
end
if counts.fail > 0 then
  out:write("Failed:\n")
  for _, r in ipairs(results) do
    if r.status == "fail" then out:write("  ", label(r.unit), ": ", r.name, "\n") end
  end
end
local total = counts.pass + counts.fail + counts.skip
out:write(string.format("%d passed, %d failed%s\n", counts.pass, counts.fail,
  counts.skip > 0 and (", " .. counts.skip .. " skipped") or ""))
local _ = interp0
os.exit((counts.fail == 0 and total > 0) and 0 or 1)
