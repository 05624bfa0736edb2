-- The shared file-system scenarios (test/lua/shared/fs_scenarios.lua), the same ones the host
-- passes, on a rumpus kernel with vfs and tmpfs: each case gets a fresh kernel.
local T = require "rump.test"
local rump = require "rump"

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local scenarios = dofile(here .. "../lua/shared/fs_scenarios.lua")

-- A proxy syscall table: every S.x call goes to the current case's kernel.
local current
local S = setmetatable({}, { __index = function(_, k)
  if not current then error("no kernel for this case", 2) end
  return current.S[k]
end })

-- Constants and types are the same for every kernel: take them from one booted now.
do
  local proto = rump.kernel{ "vfs", "fs.tmpfs" }
  rawset(S, "c", proto.S.c)
  rawset(S, "t", proto.S.t)
  proto:destroy()
end

-- Each case boots its own kernel first and destroys it afterwards, pass or fail.
local KT = setmetatable({
  case = function(name, fn)
    T.case(name, function()
      local k = rump.kernel{ "vfs", "fs.tmpfs", hostname = "fs" }
      current = k
      T.defer(function() current = nil; k:destroy() end)
      return fn()
    end)
  end,
}, { __index = T })

local n = 0
local function base()
  n = n + 1
  local dir = "/case" .. n
  assert(current.S.mkdir(dir, "0755"))
  return dir
end

scenarios(KT, S, base, { prefix = "kernel fs: " })
