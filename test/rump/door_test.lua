-- Door checks: garbage from Lua that used to corrupt memory (issue 9, "The Lua bindings must
-- never corrupt memory") is refused by the host binding S and by a kernel's k.S alike, with an
-- error naming the function and the argument, and nothing is done to the file system.
local T = require "rump.test"
local rump = require "rump"
local S = require "syscall"
local ffi = require "syscall.ffi"

local function kernel(comps)
  local k = rump.kernel(comps or { "vfs", "fs.tmpfs", "net", "net.net", "net.local", "net.netinet" })
  T.defer(function() k:destroy() end)
  return k
end

-- Both tables with a socket of each (inet datagram), for the checks that apply to both.
local function both()
  local k = kernel()
  local ks = assert(k.S.socket("inet", "dgram"))
  local hs = assert(S.socket("inet", "dgram"))
  T.defer(function() hs:close() end)
  return { { name = "k.S", S = k.S, sock = ks }, { name = "S", S = S, sock = hs } }, k
end

T.case("ioctl: a number for a request that takes a structure is refused (heap overflow before)", function()
  local k = kernel()
  local ks = assert(k.S.socket("inet", "dgram"))
  T.err(function() k.S.ioctl(ks, "SIOCGIFFLAGS", 3174252) end, "bad argument #3 to 'ioctl' (request SIOCGIFFLAGS takes 144 bytes")
  local hs = assert(S.socket("inet", "dgram"))
  T.defer(function() hs:close() end)
  T.err(function() S.ioctl(hs, "SIOCGIFFLAGS", 28524) end, "bad argument #3 to 'ioctl' (request SIOCGIFFLAGS takes 40 bytes")
  -- a buffer smaller than the encoded size
  T.err(function() k.S.ioctl(ks, "SIOCGIFFLAGS", ffi.new("char[8]")) end, "takes 144 bytes, the buffer has 8")
  -- a request of unknown size takes no number either (Linux's unencoded requests)
  T.err(function() S.ioctl(hs, 0x89f0, 1) end, "unknown size")
  -- other argument types
  T.err(function() k.S.ioctl(ks, "FIONBIO", {}) end, "bad argument #3 to 'ioctl' (number or buffer expected, got table)")
  T.err(function() S.ioctl(hs, "FIONBIO", 2 ^ 40) end, "bad argument #3 to 'ioctl'")
end)

T.case("ioctl: int requests still take numbers, on the host and in a kernel", function()
  local pair = both()
  for _, p in ipairs(pair) do
    T.eq(p.S.ioctl(p.sock, "FIONBIO", 1), 1, p.name)
    T.eq(p.S.ioctl(p.sock, "FIONREAD"), 0, p.name)
    local fl = p.S.fcntl(p.sock, "getfl")
    T.ok(fl % (2 * p.S.c.O.NONBLOCK) >= p.S.c.O.NONBLOCK, p.name .. ": FIONBIO set O_NONBLOCK")
  end
end)

T.case("time arguments: pointers and other cdata are refused, not copied from", function()
  local k = kernel()
  assert(k.S.open("/f", "creat, rdwr", "0644")):close()
  T.err(function() k.S.utimes("/f", { 0, ffi.cast("void *", 0) }) end, "bad argument #2 to 'utimes'")
  T.err(function() k.S.utime("/f", ffi.cast("void *", 4096)) end, "bad argument #2 to 'utime'")
  T.err(function() k.S.utimes("/f", 5) end, "bad argument #2 to 'utimes' (table of two times expected")
  T.err(function() k.S.utimensat(nil, "/f", ffi.cast("void *", 4096)) end, "bad argument #3 to 'utimensat'")
  T.err(function() k.S.nanosleep(ffi.cast("void *", 4096)) end, "bad argument #1 to 'nanosleep'")
  T.err(function() k.S.t.timespec(ffi.cast("void *", 4096)) end, "timespec")
  T.err(function() k.S.t.itimerval(ffi.cast("void *", 4096)) end, "itimerval")
  T.err(function() k.S.utimes("/f", { 0 / 0, 1 }) end, "finite")
  local dir = T.tmpdir()
  assert(S.open(dir .. "/f", "creat, rdwr", "0644")):close()
  T.err(function() S.utimes(dir .. "/f", { 0, ffi.cast("void *", 0) }) end, "bad argument #2 to 'utimes'")
  T.err(function() S.utime(dir .. "/f", ffi.cast("void *", 4096)) end, "bad argument #2 to 'utime'")
  T.err(function() S.utimes(dir .. "/f", 5) end, "bad argument #2 to 'utimes'")
  -- good values still work
  T.ok(k.S.utimes("/f", { 1, 2 }))
  T.eq(k.S.stat("/f").mtime, 2)
  T.ok(S.utime(dir .. "/f", 5, 6))
  T.eq(S.stat(dir .. "/f").mtime, 6)
end)

T.case("address results: a pointer of unknown size is refused (getsockname read the caller's address)", function()
  local pair = both()
  for _, p in ipairs(pair) do
    local PS = p.S
    T.err(function() PS.getsockname(p.sock, ffi.cast("void *", 4096), 0) end, "bad argument #2 to 'getsockname' (sockaddr expected", p.name)
    T.err(function() PS.getpeername(p.sock, ffi.cast("void *", 4096)) end, "bad argument #2 to 'getpeername'", p.name)
    T.err(function() PS.recvfrom(p.sock, nil, 4, nil, ffi.cast("void *", 4096)) end, "bad argument #5 to 'recvfrom'", p.name)
    T.err(function() PS.accept(p.sock, nil, ffi.cast("void *", 4096)) end, "bad argument #3 to 'accept'", p.name)
    -- a length beyond the structure, or a length holder of another type
    T.err(function() PS.getsockname(p.sock, PS.t.sockaddr_in(), 64) end, "larger than the buffer", p.name)
    T.err(function() PS.getsockname(p.sock, PS.t.sockaddr_in(), ffi.new("int64_t[1]", 4)) end, "bad argument #3 to 'getsockname'", p.name)
    -- a structure smaller than the family's address: cut to the structure
    assert(PS.bind(p.sock, PS.t.sockaddr_in(0, "127.0.0.1")))
    local sa = PS.getsockname(p.sock)
    T.eq(sa.family, PS.c.AF.INET, p.name)
    local small = ffi.new("char[2]")
    T.ok(PS.getsockname(p.sock, small) ~= nil, p.name)
  end
end)

T.case("recvmsg/sendmsg take a msghdr and nothing else", function()
  local pair = both()
  for _, p in ipairs(pair) do
    T.err(function() p.S.recvmsg(p.sock, ffi.new("int64_t", 3)) end, "bad argument #2 to 'recvmsg' (msghdr expected", p.name)
    T.err(function() p.S.sendmsg(p.sock, ffi.new("char[8]")) end, "bad argument #2 to 'sendmsg' (msghdr expected", p.name)
    T.err(function() p.S.recvmsg(p.sock, ffi.cast(require("syscall.ctypes").ptr(p.S.t.msghdr), nil)) end, "msghdr expected", p.name)
  end
end)

T.case("another kernel's descriptor: refused by poll, sendfds and a hand-built SCM_RIGHTS message", function()
  local a = kernel{ "vfs", "fs.tmpfs", "net", "net.local" }
  local b = kernel{ "vfs", "fs.tmpfs", "net", "net.local" }
  local _, _, a1, a2 = assert(a.S.socketpair("unix", "stream"))
  local _, _, b1, b2 = assert(b.S.socketpair("unix", "stream"))
  T.err(function() b.S.poll({ { fd = a1, events = "in" } }, 0) end, "bad argument #1 to 'poll' (descriptor of another kernel)")
  T.err(function() b.S.poll(b.S.t.pollfds{ { fd = a1, events = "in" } }, 0) end, "descriptor of another kernel")
  T.err(function() S.poll({ { fd = a1, events = "in" } }, 0) end, "bad argument #1 to 'poll' (descriptor of another kernel)")
  T.err(function() b.S.util.sendfds(b1, a1) end, "bad argument #2 to 'sendfds' (descriptor of another kernel)")
  local m = b.S.t.msghdr{ iov = { "\0" }, control = b.S.t.cmsghdr("socket", "rights", { a1 }) }
  T.err(function() b.S.sendmsg(b1, m) end, "bad argument #2 to 'sendmsg' (descriptor of another kernel)")
  local lst = b.S.t.msghdr{ iov = { "\0" }, control = { b.S.t.cmsghdr("socket", "rights", { b2, a2 }) } }
  T.err(function() b.S.sendmsg(b1, lst) end, "descriptor of another kernel")
  -- the host's select and poll refuse a kernel's descriptor too
  if S.select then T.err(function() S.select({ readfds = { a1 } }, 0) end, "descriptor of another kernel") end
  if S.epoll_create then
    local ep = assert(S.epoll_create())
    T.defer(function() ep:close() end)
    T.err(function() S.epoll_ctl(ep, "add", a1, "in") end, "descriptor of another kernel")
  end
  -- own descriptors still go
  T.eq(b.S.poll({ { fd = b2, events = "out" } }, 0), 1)
  T.eq(a.S.util.sendfds(a1, a2), 1)
  local fds = assert(a.S.util.recvfds(a2))
  T.eq(#fds, 1)
end)

T.case("a path with a NUL byte is refused and nothing is removed", function()
  local k = kernel{ "vfs", "fs.tmpfs" }
  assert(k.S.mkdir("/d", "0755"))
  assert(k.S.open("/d/a", "creat, rdwr", "0644")):close()
  T.err(function() k.S.unlink("/d/a\0junk") end, "bad argument #1 to 'unlink' (path contains a NUL byte)")
  T.ok(k.S.stat("/d/a"), "/d/a is still there")
  T.err(function() k.S.open("/d/a\0", "rdonly") end, "NUL")
  T.err(function() k.S.rename("/d/a", "/d/b\0c") end, "bad argument #2 to 'rename'")
  local dir = T.tmpdir()
  assert(S.open(dir .. "/a", "creat, rdwr", "0644")):close()
  T.err(function() S.unlink(dir .. "/a\0junk") end, "bad argument #1 to 'unlink' (path contains a NUL byte)")
  T.ok(S.stat(dir .. "/a"), "the host file is still there")
  T.err(function() S.truncate(dir .. "/a\0", 0) end, "NUL")
  T.err(function() k.S.pathconf("/d\0", "name_max") end, "NUL")
end)

T.case("numbers that would be truncated are refused: flags 2^40, descriptors 1.5 and NaN", function()
  local k = kernel{ "vfs", "fs.tmpfs" }
  assert(k.S.open("/f", "creat, rdwr", "0644")):close()
  for _, P in ipairs{ k.S, S } do
    T.err(function() P.open("/f", 2 ^ 40) end, "bad argument #2 to 'open'")
    T.err(function() P.open("/f", 1.5) end, "bad argument #2 to 'open'")
    T.err(function() P.read(1.5, nil, 4) end, "bad argument #1 to 'read' (descriptor 1.5 out of range)")
    T.err(function() P.read(0 / 0, nil, 4) end, "bad argument #1 to 'read' (descriptor")
    T.err(function() P.close(2 ^ 32) end, "bad argument #1 to 'close'")
    T.err(function() P.fcntl(ffi.new("int64_t", 2 ^ 40), "getfl") end, "bad argument #1 to 'fcntl'")
    T.err(function() P.chown("/f", 2 ^ 40) end, "bad argument #2 to 'chown'")
    T.err(function() P.lseek(0, 0.5) end, "bad argument #2 to 'lseek'")
    T.err(function() P.listen(0, "x") end, "bad argument #2 to 'listen'")
  end
end)
