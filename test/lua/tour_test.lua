-- The README's tour: each snippet is a file examples/tour_*.lua, run here through ./rumpus on
-- the interpreter running this file, and every line it prints must be the one its "-->"
-- comment shows.  When README.md shows the examples (it names examples/tour_host.lua), each of
-- its tour code blocks must be one of those files, line for line, so the README cannot drift
-- from code that runs.
--
-- The "-->" notation: fields apart by two or more spaces are the values print() writes apart
-- by tabs; a trailing "(remark)" is prose; "<name>" stands for any value (a port number).
local T = require "rump.test"

local sh = T.shquote

local LUA = T.interp()

local function read(path)
  local f = assert(io.open(path))
  local s = f:read("*a")
  f:close()
  return s
end

local function escape(s) return (s:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0")) end

-- The lines an example promises: a Lua pattern per print() with a "-->" comment.
local function promises(src)
  local list = {}
  for line in src:gmatch("[^\n]+") do
    local code, want = line:match("^(.-)%-%->%s*(.-)%s*$")
    if code and code:find("print%(") then
      want = want:gsub("%s+%b()$", "")
      local fields = {}
      for field in (want .. "  "):gmatch("(.-)%s%s+") do
        local pat = escape(field):gsub("<[^>]+>", "[^\t]+")
        fields[#fields + 1] = pat
      end
      list[#list + 1] = { text = want, pat = "^" .. table.concat(fields, "\t") .. "$" }
    end
  end
  return list
end

-- Runs examples/<name>.lua, its /tmp paths moved into a directory of this case (the same test
-- may run elsewhere on the machine at the same time); returns its output and that directory.
local function run_example(name)
  local path = "examples/" .. name .. ".lua"
  local dir = T.tmpdir()
  local src = read(path)
  local copy = dir .. "/" .. name .. ".lua"
  local f = assert(io.open(copy, "w"))
  f:write((src:gsub('"/tmp/', '"' .. dir .. "/")))
  f:close()
  local out, ok = T.sh("./rumpus --lua " .. sh(LUA) .. " " .. sh(copy))
  T.ok(ok, path .. " failed:\n" .. out)
  local got = {}
  for l in (out .. "\n"):gmatch("(.-)\n") do got[#got + 1] = l end
  if got[#got] == "" then got[#got] = nil end
  local want = promises(read(path))
  T.ok(#want > 0, path .. " promises some output")
  T.eq(#got, #want, path .. ": printed lines:\n" .. out)
  for i, w in ipairs(want) do
    T.ok(got[i]:find(w.pat), path .. " line " .. i .. ": shows " .. w.text .. ", prints " .. got[i])
  end
  return out, dir
end

T.case("the notation of the promises is read as written", function()
  local p = promises('print(1, 2)  --> 1  two words  (a remark)\nlocal x = 1 --> not a print\nprint(x) --> 127.0.0.1:<port>\n')
  T.eq(#p, 2)
  T.ok(("1\ttwo words"):find(p[1].pat))
  T.ok(not ("1\ttwo words (a remark)"):find(p[1].pat))
  T.ok(not ("1 two words"):find(p[1].pat))
  T.ok(("127.0.0.1:40721"):find(p[2].pat))
  T.ok(not ("10.0.0.1:40721"):find(p[2].pat))
end)

T.case("tour: the host", function()
  run_example("tour_host")
end)

T.case("tour: kernels and networks of them, with a capture that holds the ping", function()
  T.ok(read("examples/tour_kernels.lua"):find('"/tmp/link1.pcap"', 1, true), "the example writes /tmp/link1.pcap")
  local _, dir = run_example("tour_kernels")
  local pcap = read(dir .. "/link1.pcap")
  -- 24-byte file header, then records of a 16-byte header and the frame: the ARP exchange
  -- and the echo request and reply of the ping.
  local n, off = 0, 25
  while off + 16 <= #pcap do
    local b1, b2, b3, b4 = pcap:byte(off + 8, off + 11)
    local caplen = b1 + b2 * 256 + b3 * 65536 + b4 * 16777216
    n = n + 1
    off = off + 16 + caplen
  end
  T.ok(n >= 2, "the capture holds the ping's frames, not only a header (" .. #pcap .. " bytes, " .. n .. " frames)")
end)

T.case("tour: host networks in namespaces", function()
  if not T.root() then return T.skip("needs root (network namespaces)") end
  local _, ok = T.sh("unshare --net true")
  if not ok then return T.skip("this host does not let root make network namespaces (unshare --net)") end
  run_example("tour_hostnet")
end)

T.case("eval \"$(make -s env)\" sets the paths for every interpreter", function()
  local clean = "env -u LUA_PATH -u LUA_CPATH -u LUA_CPATH_5_3 -u LUA_CPATH_5_4 -u RUMPUS_BUILD -u MAKEFLAGS -u MAKELEVEL "
  for _, l in ipairs { "luajit", "lua5.3", "lua5.4" } do
    local out, ok = T.sh(clean .. "sh -c " .. sh('eval "$(make -s --no-print-directory env)" && cd /tmp && ' .. l ..
      " -e 'local k = require(\"rump\").kernel{ \"vfs\" } print(k.S.getpid(), require(\"syscall\").getpid() > 0)'"))
    T.ok(ok, l .. ": " .. out)
    T.eq(out, "1\ttrue", l)
  end
end)

-- README.md's tour, once it shows the examples (the text is in the nc-runner report).
T.case("README.md's tour blocks are the example files", function()
  local readme = read("README.md")
  if not readme:find("examples/tour_host.lua", 1, true) then
    return T.skip("README.md does not show examples/tour_*.lua yet")
  end
  local tour = readme:match("\n## A tour\n(.-)\n## ") or ""
  local blocks = {}
  for code in tour:gmatch("```lua\n(.-)```") do blocks[#blocks + 1] = code end
  local files = { "tour_host", "tour_kernels", "tour_hostnet" }
  T.eq(#blocks, #files, "lua blocks in the tour")
  for i, name in ipairs(files) do
    T.eq(blocks[i], read("examples/" .. name .. ".lua"), "README.md's block " .. i .. " is examples/" .. name .. ".lua")
  end
end)
