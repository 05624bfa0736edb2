-- require "syscall": the host's system calls (Linux), ljsyscall-compatible.
--   local S = require "syscall"
--   local fd = assert(S.open("/tmp/x", "creat, rdwr", "0644"))
local abi = require "syscall.abi"
if abi.os ~= "linux" then error("syscall: host OS " .. abi.os .. " is not supported (Linux only)") end
return require "syscall.linux.init"
