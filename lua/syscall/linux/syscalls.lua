-- syscall.linux.syscalls: the Linux-only system calls, by area.  Each area module has
-- init(S, env) and may add types to env.t as well as functions to S.
local areas = { "files", "sockets", "wait", "memory", "process", "namespaces", "tty", "compat" }

local M = {}
function M.init(S, env)
  for _, a in ipairs(areas) do require("syscall.linux." .. a).init(S, env) end
  return S
end
return M
