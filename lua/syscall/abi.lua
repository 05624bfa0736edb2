-- syscall.abi: what the host is.  Fields as ljsyscall's: arch, os, abi64, abi32, le, be,
-- plus host (the OS running the process) and lua (the interpreter: "luajit", "lua5.3", ...).

local ffi = require "syscall.ffi"

local abi = {
  arch = ffi.arch,
  os = ffi.os:lower(),
  abi64 = ffi.abi("64bit"),
  abi32 = ffi.abi("32bit"),
  le = ffi.abi("le"),
  be = ffi.abi("be"),
  eabi = ffi.abi("eabi"),
  hardfp = ffi.abi("hardfp"),
}
abi.host = abi.os
abi.lua = rawget(_G, "jit") and "luajit" or _VERSION:gsub("Lua ", "lua")

if abi.arch ~= "x64" and abi.arch ~= "arm64" then
  -- The declarations are written for LP64 Linux; other ABIs would need their own layouts.
  error("syscall: unsupported architecture " .. tostring(abi.arch) .. " (x64 and arm64 are supported)")
end

return abi
