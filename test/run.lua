-- The test runner of this repository: `luajit test/run.lua [options] [PATTERN] [FILE|DIR...]`
-- (installed as the command `rumpus-test`).  `--help` lists the options; docs/testing.md
-- describes them.  The work is in lua/rump/runner.lua; a child process (--child) runs one test
-- file through lua/rump/test.lua.
local args = { ... }
if args[1] == "--child" then require("rump.test").child(args) end
require("rump.runner").main(args)
