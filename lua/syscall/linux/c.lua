-- syscall.linux.c: the C functions of the host, by their plain names (C.open, C.read...).
-- Each resolves once to its rumpus_lx_* declaration (see syscall.linux.ffi); a function this
-- libc does not have is nil, so callers can test for it.

local ffi = require "syscall.ffi"
local decl = require "syscall.linux.ffi"

local C = {}
local lib = ffi.C
for _, name in ipairs(decl.functions) do
  local ok, f = pcall(function() return lib["rumpus_lx_" .. name] end)
  if ok then C[name] = f end
end
return C
