-- The library under a strict-globals checker (strict.lua-style: reading or writing an
-- undeclared global is an error): loading syscall, syscall.ffi, rump and rump.net and using
-- them reads no global that is not there (e.g. `jit` on PUC Lua) and writes none.
local T = require "rump.test"
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local interp = arg and arg[-1] or "luajit"
local q = T.shquote

local strict = [[
setmetatable(_G, {
  __index = function(_, k) error("read of undeclared global '" .. tostring(k) .. "'", 2) end,
  __newindex = function(_, k) error("write of undeclared global '" .. tostring(k) .. "'", 2) end,
})
]]

T.case("syscall and rump under strict globals", function()
  local dir = T.tmpdir()
  local f = assert(io.open(dir .. "/strict.lua", "w"))
  f:write(strict, "\nlocal ok = dofile(", ("%q"):format(T.sh("pwd") .. "/" .. here .. "shared/installed_smoke.lua"), ")\n")
  f:close()
  local out, ok = T.sh(q(interp) .. " " .. q(dir .. "/strict.lua"))
  T.ok(ok, out)
  T.ok(out:find("smoke ok", 1, true), out)
end)

T.case("the strict checker itself catches a global read", function()
  local out, ok = T.sh(q(interp) .. " -e " .. q(strict .. " local x = jit_or_not_a_global"))
  T.ok(not ok, out)
  T.ok(out:find("read of undeclared global 'jit_or_not_a_global'", 1, true), out)
end)
