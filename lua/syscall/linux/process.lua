-- syscall.linux.process: Linux-only process calls.
local M = {}
function M.init(S, env)
end
return M
