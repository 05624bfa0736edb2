-- The shared AF_UNIX scenarios (test/lua/shared/socket_scenarios.lua) on the host, in a
-- temporary directory per case; test/rump/net_unix_test.lua runs the same ones on kernels.
local T = require "rump.test"
local S = require "syscall"

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local scenarios = dofile(here .. "shared/socket_scenarios.lua")

scenarios(T, S, { dir = function() return T.tmpdir() end }, { prefix = "host unix: " })
