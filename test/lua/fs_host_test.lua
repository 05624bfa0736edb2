-- The shared file-system scenarios (test/lua/shared/fs_scenarios.lua) on the host.
local T = require "rump.test"
local S = require "syscall"

-- The scenarios file sits beside this one.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local scenarios = dofile(here .. "shared/fs_scenarios.lua")

scenarios(T, S, T.tmpdir, { linux = true, prefix = "host fs: " })
