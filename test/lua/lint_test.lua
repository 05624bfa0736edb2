-- Library hygiene: no module sets a global, and every module that looks at cdata types uses
-- the ffi module's view of them (so it works on PUC Lua, where cdata are userdata).
local T = require "rump.test"

local function files()
  local list = {}
  local p = io.popen("find lua -name '*.lua' | sort")
  for f in p:lines() do list[#list + 1] = f end
  p:close()
  return list
end

local luac
for _, cand in ipairs { "luac5.4", "luac5.3" } do
  local _, ok = T.sh("command -v " .. cand)
  if ok then luac = cand; break end
end

T.case("no library file sets a global", function()
  if not luac then return T.skip("no luac5.3/luac5.4 to list bytecode") end
  local bad = {}
  for _, f in ipairs(files()) do
    local out, ok = T.sh(luac .. " -p -l -l " .. T.shquote(f))
    T.ok(ok, "compiles: " .. f .. ": " .. out)
    for line in out:gmatch("[^\n]+") do
      if line:find("SETTABUP") and line:find("_ENV") then bad[#bad + 1] = f .. ": " .. line end
    end
  end
  T.eq(#bad, 0, "global assignments:\n" .. table.concat(bad, "\n"))
end)

T.case("modules that test for cdata use ffi.type", function()
  local bad = {}
  for _, f in ipairs(files()) do
    local s = assert(io.open(f)):read("*a")
    if s:find('"cdata"', 1, true) and not s:find("ffi.type or type", 1, true) then bad[#bad + 1] = f end
  end
  T.eq(#bad, 0, "files comparing type() with \"cdata\" without ffi.type: " .. table.concat(bad, ", "))
end)
