-- syscall.linux.errors: the message of each Linux errno, keyed by its name without the E
-- (errors.NOENT == "No such file or directory"), as ljsyscall's module of this name.  Built
-- from the constant table and the shared messages, so it always agrees with tostring(err).
local c = require "syscall.linux.constants"
local errors = require "syscall.errors"

local mk = errors.maker(c.E)
local M = {}
for name, n in pairs(c.E) do M[name] = tostring(mk(n)) end
return M
