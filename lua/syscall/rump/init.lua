-- ljsyscall's entry for rump kernels:
--   local S = require "syscall.rump.init".init("vfs", "fs.tmpfs")
-- boots a kernel with those components (once per process: the default kernel, as NetBSD's
-- rump_init) and returns its syscall table; later calls return the same table.  New code can
-- use require "rump" for many kernels.  The kernel is rumpus's, or NetBSD's own with
-- RUMPUS_BACKEND=netbsd (or init{ "vfs", backend = "netbsd" }): docs/netbsd.md.  A failed
-- boot leaves nothing behind: the next call tries again (or gives the same reason).
local M = {}
local default

function M.init(...)
  local comps = { ... }
  if type(comps[1]) == "table" then comps = comps[1] end
  if default then return default.S end
  local rump = require "rump"
  default = rump.kernel(comps)
  M.kernel = default
  return default.S
end

return M
