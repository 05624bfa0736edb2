-- A fresh kernel for each case of the shared scenarios (test/lua/shared/*_scenarios.lua):
--   local KT, S, dir = dofile(here .. "shared/percase.lua")(spec)
-- KT is the harness T but that each of its cases boots rump.kernel(spec) first and destroys
-- it afterwards, pass or fail; S a syscall table whose every S.x goes to the current case's
-- kernel (its c and t from a kernel booted now: the same for every kernel); dir() a fresh
-- directory /caseN in the current case's kernel.
local T = require "rump.test"
local rump = require "rump"

return function(spec)
  local current
  local S = setmetatable({}, { __index = function(_, name)
    if not current then error("no kernel for this case", 2) end
    return current.S[name]
  end })
  local proto = rump.kernel(spec)
  rawset(S, "c", proto.S.c)
  rawset(S, "t", proto.S.t)
  proto:destroy()
  local KT = setmetatable({
    case = function(name, fn)
      T.case(name, function()
        local k = rump.kernel(spec)
        current = k
        T.defer(function() current = nil; k:destroy() end)
        return fn()
      end)
    end,
  }, { __index = T })
  local n = 0
  local function dir()
    n = n + 1
    local d = "/case" .. n
    assert(current.S.mkdir(d, "0755"))
    return d
  end
  return KT, S, dir
end
