-- Guards for the FFI conventions (docs/ffi.md): code loads the FFI through the syscall.ffi shim
-- (PUC Lua has no module named ffi: rumpus_ffi is ours), and the library builds no type with
-- ffi.typeof's "$" templates (busted on LuaJIT caches ffi.typeof by its first argument).
local T = require "rump.test"

local function files(cmd)
  local list = {}
  for f in T.sh(cmd):gmatch("[^\n]+") do list[#list + 1] = f end
  return list
end

local function scan(list, pattern, allow)
  local bad = {}
  for _, f in ipairs(list) do
    if not (allow and allow[f]) then
      local n = 0
      for line in io.lines(f) do
        n = n + 1
        if line:find(pattern) and not line:match("^%s*%-%-") then bad[#bad + 1] = f .. ":" .. n .. ": " .. line end
      end
    end
  end
  return bad
end

T.case("Lua code requires syscall.ffi, never ffi", function()
  local list = files("find lua test bench examples spec -name '*.lua' 2>/dev/null | sort")
  T.ok(#list > 50, "files found: " .. #list)
  local bad = scan(list, "require%s*%(?%s*[\"']ffi[\"']", { ["lua/syscall/ffi.lua"] = true,
    ["test/lua/shared/installed_smoke.lua"] = true, ["test/lua/ffi_names_test.lua"] = true })
  T.eq(#bad, 0, table.concat(bad, "\n"))
end)

T.case("the library builds no type from a \"$\" template", function()
  local bad = scan(files("find lua -name '*.lua' | sort"), "typeof%s*%(%s*[\"'][^\"']*%$")
  T.eq(#bad, 0, table.concat(bad, "\n"))
end)
