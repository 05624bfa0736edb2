-- The shared file-system scenarios (test/lua/shared/fs_scenarios.lua), the same ones the host
-- passes, on a rumpus kernel with vfs and tmpfs: each case gets a fresh kernel.
local T = require "rump.test"

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local scenarios = dofile(here .. "../lua/shared/fs_scenarios.lua")

-- Each case boots its own kernel first and destroys it afterwards, pass or fail.
local KT, S, base = dofile(here .. "shared/percase.lua"){ "vfs", "fs.tmpfs", hostname = "fs" }

scenarios(KT, S, base, { prefix = "kernel fs: " })
