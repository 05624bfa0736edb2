-- syscall.linux.wait: Linux-only wait calls.
local M = {}
function M.init(S, env)
end
return M
