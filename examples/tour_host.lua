local S = require "syscall"

local fd = assert(S.open("/tmp/x", "creat, rdwr", "0644"))   -- flags and modes as strings
fd:write("hello")
print(fd:stat().size, fd:stat().isreg)                        --> 5  true
fd:close()                                                   -- or let the GC close it
S.unlink("/tmp/x")

local ok, err = S.open("/nonexistent", "rdonly")
print(err.errno, err.NOENT, tostring(err))                   --> 2  true  No such file or directory

local s = assert(S.socket("inet", "dgram"))
assert(s:bind(S.t.sockaddr_in(0, "127.0.0.1")))
print(s:getsockname())                                        --> 127.0.0.1:<port>
