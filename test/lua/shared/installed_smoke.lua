-- Run by install_test.lua and luarocks_test.lua from another directory, with only an installed
-- tree on the Lua paths: uses syscall and rump as a user would, prints one line per check and
-- "smoke ok" at the end; any failure raises an error (exit status 1).
local S = require "syscall"
local ffi = require "syscall.ffi"
local jit = rawget(_G, "jit")
print("lua", jit and "luajit" or _VERSION, "syscall from", package.searchpath("syscall", package.path))

-- no module named ffi on PUC Lua: libraries that test pcall(require, "ffi") must not think
-- they run on LuaJIT
if not jit then
  assert(not pcall(require, "ffi"), "require 'ffi' must fail on PUC Lua")
  assert(package.loaded.ffi == nil)
end

assert(S.getpid() > 0, "getpid")
local ok, err, r, w = S.pipe()
assert(ok, tostring(err))
assert(w:write("through the pipe") == 16)
assert(r:read(nil, 64) == "through the pipe", "pipe read")
r:close() w:close()
local ok2, err2, a, b = S.socketpair("unix", "stream")
assert(ok2, tostring(err2))
assert(a:write("pair") == 4 and b:read(nil, 16) == "pair", "socketpair")
assert(S.getsockopt(a, "socket", "type") == 1, "getsockopt SO_TYPE")
a:close() b:close()
print("syscall ok")

local rump = require "rump"
local k = rump.kernel { "vfs", "fs.tmpfs", "net", "net.netinet", "net.shmif", hostname = "smoke" }
local KS = k.S
local fd = assert(KS.open("/f", "creat, rdwr", "0644"))
assert(fd:write("hello") == 5)
assert(KS.lseek(fd, 0, "set") == 0)
assert(fd:read(nil, 16) == "hello")
fd:close()
assert(KS.sysctl("kern.hostname") == "smoke")
local kok, kerr, kr, kw = KS.pipe()
assert(kok, tostring(kerr))
assert(kw:write("k") == 1 and kr:read(nil, 4) == "k", "kernel pipe")
local rnet = require "rump.net"
local cfg = rnet.config(k)
assert(cfg:create("shmif0"))
assert(cfg:attach("shmif0", "smokebus"))
assert(cfg:up("shmif0"))
assert(cfg:address("shmif0", "10.77.0.1/24"))
k:destroy()
print("rump ok")
print("smoke ok")
