-- syscall.linux.memory: Linux-only memory calls.
local M = {}
function M.init(S, env)
end
return M
