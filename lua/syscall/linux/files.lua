-- syscall.linux.files: Linux-only files calls.
local M = {}
function M.init(S, env)
end
return M
