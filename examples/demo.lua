-- make demo: the main job.  Until the kernel lands this is a short tour of require "syscall"
-- on the host; the kernel and networking issues grow it into a fleet of kernels.
local S = require "syscall"
local t = S.t

local function say(...) io.write(string.format(...), "\n") end

say("rumpus demo: require \"syscall\" on the host (%s, %s)", S.abi.os, S.abi.arch)

-- Files.
local dir = "/tmp/rumpus-demo-" .. S.getpid()
assert(S.mkdir(dir, "0755"))
local fd = assert(S.open(dir .. "/hello", "creat, rdwr", "0644"))
assert(fd:write("hello from rumpus\n"))
local st = assert(fd:stat())
say("wrote %d bytes to %s (mode %o, regular file: %s)", st.size, dir .. "/hello", st.perm, tostring(st.isreg))
assert(fd:close())
local _, err = S.open(dir .. "/missing", "rdonly")
say("opening a missing file: %s (errno %d, err.NOENT = %s)", tostring(err), err.errno, tostring(err.NOENT))

-- A pipe.
local _, _, rd, wr = assert(S.pipe())
assert(wr:write("through a pipe"))
say("read back: %q", rd:read())
rd:close(); wr:close()

-- UDP over loopback.
local a = assert(S.socket("inet", "dgram"))
assert(a:bind(t.sockaddr_in(0, "127.0.0.1")))
local addr = assert(a:getsockname())
local b = assert(S.socket("inet", "dgram"))
assert(b:sendto("ping", nil, 0, addr))
local data, _, from = a:recvfrom()
say("UDP: %q arrived at %s from %s", data, tostring(addr), tostring(from))
a:close(); b:close()

assert(S.unlink(dir .. "/hello"))
assert(S.rmdir(dir))
say("demo done")
