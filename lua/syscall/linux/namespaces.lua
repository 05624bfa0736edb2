-- syscall.linux.namespaces: Linux-only namespaces calls.
local M = {}
function M.init(S, env)
end
return M
