-- syscall.linux.sockets: Linux-only sockets calls.
local M = {}
function M.init(S, env)
end
return M
