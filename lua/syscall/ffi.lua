-- syscall.ffi: the FFI, the same on every interpreter.  On LuaJIT it is LuaJIT's own `ffi`; on
-- PUC Lua 5.3/5.4 it is our libffi-based C module, installed as `rumpus_ffi` (csrc/ffi/).  The
-- C module is deliberately not named `ffi`: libraries detect LuaJIT with pcall(require, "ffi"),
-- and a PUC module under that name would make them believe they run on LuaJIT.
--   local ffi = require "syscall.ffi"
if rawget(_G, "jit") then return require "ffi" end
return require "rumpus_ffi"
