-- AF_UNIX sockets: socketpair, stream/dgram/seqpacket on paths and abstract names, and
-- sendmsg/recvmsg with control messages (SCM_RIGHTS descriptor passing, SCM_CREDENTIALS).
-- (Data both ways through a socketpair, and record boundaries: the shared scenarios,
-- sockets_host_scenarios_test.lua.)
local T = require "rump.test"
local S = require "syscall"
local ffi = require "syscall.ffi"
local c, t = S.c, S.t
local bit = require "syscall.bit"

local U = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "shared/sockutil.lua")
local close = U.close
local function pair(kind) return U.pair(T, S, kind) end

-- A name no other test run uses.
local seq = 0
local function abstract()
  seq = seq + 1
  return "\0rumpus-test-" .. S.getpid() .. "-" .. seq
end

T.case("socketpair with flags; unsupported family: EOPNOTSUPP", function()
  local ok, _, a, b = S.socketpair("unix", "stream, nonblock, cloexec")
  T.ok(ok)
  T.defer(function() close(a, b) end)
  T.fails("AGAIN", a:recv())
  T.eq(assert(b:fcntl("getfd")), c.FD.CLOEXEC)
  T.fails("OPNOTSUPP", S.socketpair("inet", "stream"))
end)

T.case("socketpair names: unnamed unix addresses", function()
  local a, b = pair()
  local n = assert(a:getsockname())
  T.ok(ffi.istype(t.sockaddr_un, n))
  T.eq(n.family, c.AF.UNIX)
  T.eq(n.path, "")
  T.eq(n.abstract, false)
  T.eq(assert(b:getpeername()).path, "")
end)

T.case("unix stream on a path: bind creates the socket file, connect, accept", function()
  local dir = T.tmpdir()
  local path = dir .. "/srv.sock"
  local l = assert(S.socket("unix", "stream"))
  T.defer(function() close(l) end)
  assert(l:bind(t.sockaddr_un(path)))
  T.ok(assert(S.stat(path)).issock, "socket file exists")
  assert(l:listen())
  T.eq(assert(l:getsockname()).path, path)
  local cl = assert(S.socket("unix", "stream"))
  T.defer(function() close(cl) end)
  assert(cl:connect(t.sockaddr_un(path)))
  local sv, _, peer = assert(l:accept())
  T.defer(function() close(sv) end)
  T.ok(ffi.istype(t.sockaddr_un, peer))
  T.eq(peer.path, "", "the client is unnamed")
  T.eq(assert(cl:getpeername()).path, path)
  T.eq(cl:send("over a path"), 11)
  T.eq(sv:recv(), "over a path")
end)

T.case("unix: bind to an existing path: EADDRINUSE; missing dir: ENOENT; connect nowhere: ENOENT", function()
  local dir = T.tmpdir()
  local path = dir .. "/taken"
  local a = assert(S.socket("unix", "stream"))
  T.defer(function() close(a) end)
  assert(a:bind(t.sockaddr_un(path)))
  local b = assert(S.socket("unix", "stream"))
  T.defer(function() close(b) end)
  T.fails("ADDRINUSE", S.bind(b, t.sockaddr_un(path)))
  T.fails("NOENT", S.bind(b, t.sockaddr_un(dir .. "/no/such/dir/s")))
  T.fails("NOENT", S.connect(b, t.sockaddr_un(dir .. "/nobody")))
end)

T.case("unix: connect to a bound socket that does not listen: ECONNREFUSED", function()
  local dir = T.tmpdir()
  local a = assert(S.socket("unix", "stream"))
  T.defer(function() close(a) end)
  assert(a:bind(t.sockaddr_un(dir .. "/quiet")))
  local b = assert(S.socket("unix", "stream"))
  T.defer(function() close(b) end)
  T.fails("CONNREFUSED", S.connect(b, t.sockaddr_un(dir .. "/quiet")))
end)

T.case("unix: abstract names leave no file and round-trip through getsockname", function()
  local name = abstract()
  local l = assert(S.socket("unix", "stream"))
  T.defer(function() close(l) end)
  assert(l:bind(t.sockaddr_un(name)))
  assert(l:listen())
  local got = assert(l:getsockname())
  T.eq(got.path, name)
  T.eq(got.abstract, true)
  T.eq(#got, #t.sockaddr_un(name))
  local cl = assert(S.socket("unix", "stream"))
  T.defer(function() close(cl) end)
  assert(cl:connect(t.sockaddr_un(name)))
  local sv = assert(l:accept())
  T.defer(function() close(sv) end)
  assert(sv:send("abstract"))
  T.eq(cl:recv(), "abstract")
  -- the name is taken while l lives
  local other = assert(S.socket("unix", "stream"))
  T.defer(function() close(other) end)
  T.fails("ADDRINUSE", S.bind(other, t.sockaddr_un(name)))
  l:close()
  assert(S.bind(other, t.sockaddr_un(name)), "free again once closed")
end)

T.case("unix: an abstract name is exact (a longer length is another name)", function()
  local name = abstract()
  local l = assert(S.socket("unix", "stream"))
  T.defer(function() close(l) end)
  assert(l:bind(t.sockaddr_un(name)))
  assert(l:listen())
  local cl = assert(S.socket("unix", "stream"))
  T.defer(function() close(cl) end)
  -- the same bytes with the length of the whole struct name a different socket
  T.fails("CONNREFUSED", S.connect(cl, t.sockaddr_un(name), ffi.sizeof(t.sockaddr_un)))
  assert(S.connect(cl, t.sockaddr_un(name)))
end)

T.case("unix dgram: sendto/recvfrom with named sockets", function()
  local na, nb = abstract(), abstract()
  local a = assert(S.socket("unix", "dgram"))
  local b = assert(S.socket("unix", "dgram"))
  T.defer(function() close(a, b) end)
  assert(a:bind(t.sockaddr_un(na)))
  assert(b:bind(t.sockaddr_un(nb)))
  T.eq(S.sendto(a, "hello b", nil, nil, t.sockaddr_un(nb)), 7)
  local data, _, from = S.recvfrom(b)
  T.eq(data, "hello b")
  T.eq(from.path, na)
  T.fails("CONNREFUSED", S.sendto(a, "x", nil, nil, t.sockaddr_un(abstract())))
end)

T.case("unix seqpacket: listen/accept and records", function()
  local name = abstract()
  local l = assert(S.socket("unix", "seqpacket"))
  T.defer(function() close(l) end)
  assert(l:bind(t.sockaddr_un(name)))
  assert(l:listen(4))
  local cl = assert(S.socket("unix", "seqpacket"))
  T.defer(function() close(cl) end)
  assert(cl:connect(t.sockaddr_un(name)))
  local sv = assert(l:accept())
  T.defer(function() close(sv) end)
  assert(cl:send("rec1")); assert(cl:send("record-two"))
  T.eq(sv:recv(), "rec1")
  T.eq(sv:recv(), "record-two")
  T.eq(sv:getsockopt("socket", "type"), c.SOCK.SEQPACKET)
end)

T.case("unix: a sockaddr_un length cut short: EINVAL", function()
  local s = assert(S.socket("unix", "stream"))
  T.defer(function() close(s) end)
  T.fails("INVAL", S.bind(s, t.sockaddr_un("/tmp/x"), 1))
  T.fails("INVAL", S.connect(s, t.sockaddr_un("/tmp/x"), ffi.sizeof(t.sockaddr_un) + 1))
end)

-- Control messages ---------------------------------------------------------------------------

T.case("cmsghdr: building one; lengths follow CMSG_LEN / CMSG_SPACE", function()
  local cm = t.cmsghdr("socket", "rights", { 0, 1, 2 })
  T.eq(cm.cmsg_level, c.SOL.SOCKET)
  T.eq(cm.cmsg_type, c.SCM.RIGHTS)
  T.eq(cm:len(), 16 + 12)
  T.eq(cm:datalen(), 12)
  T.eq(#cm, 16 + 16, "CMSG_SPACE rounds to 8")
  T.eq(S.cmsg_len(12), 28)
  T.eq(S.cmsg_space(12), 32)
  T.same(cm:fdnumbers(), { 0, 1, 2 })
  local cr = t.cmsghdr("socket", "credentials", { pid = 1, uid = 2, gid = 3 })
  T.eq(cr:datalen(), ffi.sizeof(t.ucred))
  local p, u, g = cr:credentials()
  T.eq(p, 1); T.eq(u, 2); T.eq(g, 3)
  T.eq(cm:credentials(), nil, "a rights message holds no credentials")
  local raw = t.cmsghdr(c.SOL.IP, "ttl", "\1\0\0\0")
  T.eq(raw.cmsg_type, c.IP.TTL)
  T.eq(ffi.string(raw:data(), raw:datalen()), "\1\0\0\0")
end)

T.case("cmsghdr: wrong arguments raise errors naming them", function()
  T.err(function() t.cmsghdr("nolevel", "rights", {}) end, "bad argument #1 to 'cmsghdr'")
  T.err(function() t.cmsghdr("socket", "nosuchtype", {}) end, "bad argument #2 to 'cmsghdr'")
  T.err(function() t.cmsghdr("socket", "rights", true) end, "bad argument #3 to 'cmsghdr'")
  T.err(function() t.cmsghdr("socket", "rights", { "x" }) end, "bad argument #3 to 'cmsghdr'")
  T.err(function() t.msghdr(5) end, "bad argument #1 to 'msghdr'")
  T.err(function() t.msghdr{ control = "text" } end, "bad msghdr control")
  T.err(function() t.msghdr{ name = "addr" } end, "bad msghdr name")
  local m = t.msghdr()
  T.err(function() m.bogus = 1 end, "no field 'bogus'")
end)

T.case("SCM_RIGHTS: a passed pipe end is usable by the receiver", function()
  local a, b = pair()
  local _, _, r, w = S.pipe()
  T.defer(function() close(r, w) end)
  T.eq(S.util.sendfds(a, r), 1)
  r:close() -- the sender's copy is gone; the message holds its own reference
  local fds, data = S.util.recvfds(b)
  T.eq(#fds, 1)
  T.eq(data, "\0")
  T.defer(function() close(fds[1]) end)
  T.ok(fds[1]:getfd() >= 0)
  assert(w:write("through the passed fd"))
  T.eq(fds[1]:read(), "through the passed fd")
end)

T.case("SCM_RIGHTS: several descriptors at once, in order, with sendmsg/recvmsg", function()
  local a, b = pair()
  local dir = T.tmpdir()
  local files = {}
  for i = 1, 3 do
    files[i] = assert(S.open(dir .. "/f" .. i, "creat, rdwr", "0600"))
    T.defer(function() close(files[i]) end)
    assert(files[i]:write("file " .. i))
  end
  local msg = t.msghdr{ iov = { "three fds" }, control = t.cmsghdr("socket", "rights", files) }
  T.eq(assert(S.sendmsg(a, msg)), 9)
  local buf = t.buffer(64)
  local rmsg = t.msghdr{ iov = { { buf, 64 } }, control = S.cmsg_space(8 * 4) }
  local n = assert(S.recvmsg(b, rmsg))
  T.eq(ffi.string(buf, n), "three fds")
  local got = rmsg:fds()
  T.eq(#got, 3)
  for i = 1, 3 do
    T.defer(function() close(got[i]) end)
    T.ne(got[i]:getfd(), files[i]:getfd(), "a new descriptor")
    T.eq(S.pread(got[i], nil, 64, 0), "file " .. i, "same open file " .. i)
    T.eq(assert(got[i]:stat()).ino, assert(files[i]:stat()).ino)
  end
end)

T.case("SCM_RIGHTS: descriptors share the open file (offset moves for both)", function()
  local a, b = pair()
  local dir = T.tmpdir()
  local f = assert(S.open(dir .. "/shared", "creat, rdwr", "0600"))
  T.defer(function() close(f) end)
  assert(f:write("0123456789"))
  assert(f:seek(0, "set"))
  assert(S.util.sendfds(a, f))
  local fds = assert(S.util.recvfds(b))
  T.defer(function() close(fds[1]) end)
  T.eq(fds[1]:read(nil, 4), "0123")
  T.eq(f:read(nil, 3), "456", "the sender's offset moved too")
end)

T.case("SCM_RIGHTS with MSG_CMSG_CLOEXEC marks received descriptors close-on-exec", function()
  local a, b = pair()
  local _, _, r, w = S.pipe()
  T.defer(function() close(r, w) end)
  assert(S.util.sendfds(a, r))
  assert(S.util.sendfds(a, r))
  local plain = assert(S.util.recvfds(b))
  T.defer(function() close(plain[1]) end)
  T.eq(assert(plain[1]:fcntl("getfd")), 0)
  local ce = assert(S.util.recvfds(b, 4, "cmsg_cloexec"))
  T.defer(function() close(ce[1]) end)
  T.eq(assert(ce[1]:fcntl("getfd")), c.FD.CLOEXEC)
end)

T.case("SCM_RIGHTS: too small a control buffer truncates (MSG_CTRUNC)", function()
  local a, b = pair()
  local _, _, r, w = S.pipe()
  T.defer(function() close(r, w) end)
  assert(S.util.sendfds(a, r, w, r))
  local fds = assert(S.util.recvfds(b, 1))
  T.eq(#fds, 1, "room for one")
  T.eq(fds.truncated, true)
  T.defer(function() close(fds[1]) end)
end)

T.case("SCM_RIGHTS: a bad descriptor in the message: EBADF", function()
  local a = pair()
  local msg = t.msghdr{ iov = { "x" }, control = t.cmsghdr("socket", "rights", { 987654 }) }
  T.fails("BADF", S.sendmsg(a, msg))
end)

T.case("SCM_RIGHTS over a TCP socket: the byte arrives, no descriptor does", function()
  local l = assert(S.socket("inet", "stream"))
  T.defer(function() close(l) end)
  assert(l:bind(t.sockaddr_in(0, "127.0.0.1")))
  assert(l:listen())
  local cl = assert(S.socket("inet", "stream"))
  T.defer(function() close(cl) end)
  assert(cl:connect(assert(l:getsockname())))
  local sv = assert(l:accept())
  T.defer(function() close(sv) end)
  T.eq(S.util.sendfds(cl, sv), 1)
  local fds, data = assert(S.util.recvfds(sv))
  T.eq(data, "\0")
  T.eq(#fds, 0, "TCP carries no descriptors")
end)

T.case("sendfds with nothing to send raises; recvfds on a non-socket: ENOTSOCK", function()
  local a = pair()
  T.err(function() S.util.sendfds(a) end, "bad argument #2 to 'sendfds'")
  T.err(function() S.util.sendfds(a, "x") end, "bad argument #2 to 'sendfds'")
  local _, _, r, w = S.pipe()
  T.defer(function() close(r, w) end)
  T.fails("NOTSOCK", S.util.recvfds(r))
end)

T.case("SCM_CREDENTIALS: explicit credentials arrive with SO_PASSCRED", function()
  local a, b = pair()
  assert(b:setsockopt("socket", "passcred", true))
  T.eq(b:getsockopt("socket", "passcred"), 1)
  T.eq(S.util.sendcred(a), 1)
  local m = assert(S.util.recvcmsg(b))
  T.eq(m.count, 1)
  T.eq(m.pid, S.getpid())
  T.eq(m.uid, S.getuid())
  T.eq(m.gid, S.getgid())
end)

T.case("SCM_CREDENTIALS: the kernel attaches them to plain data under SO_PASSCRED", function()
  local a, b = pair("dgram")
  assert(b:setsockopt("socket", "passcred", 1))
  assert(a:send("no cmsg sent"))
  local m = assert(S.util.recvcmsg(b))
  T.eq(m.data, "no cmsg sent")
  T.eq(m.pid, S.getpid())
  T.eq(m.uid, S.geteuid())
  -- without SO_PASSCRED there are none
  assert(b:setsockopt("socket", "passcred", 0))
  assert(a:send("again"))
  local m2 = assert(S.util.recvcmsg(b))
  T.eq(m2.data, "again")
  T.eq(m2.pid, nil)
end)

T.case("SCM_CREDENTIALS: claiming another pid is refused", function()
  local a, b = pair()
  assert(b:setsockopt("socket", "passcred", true))
  -- A pid that cannot exist (above pid_max's ceiling of 2^22).
  local ok, e = S.util.sendcred(a, 0x3ffffff0)
  T.eq(ok, nil)
  if T.root() then T.ok(e.SRCH or e.PERM, tostring(e)) else T.ok(e.PERM, tostring(e)) end
end)

T.case("credentials and descriptors in one message, walked with msg:cmsgs()", function()
  local a, b = pair()
  assert(b:setsockopt("socket", "passcred", true))
  local _, _, r, w = S.pipe()
  T.defer(function() close(r, w) end)
  local msg = t.msghdr{
    iov = { "both" },
    control = { t.cmsghdr("socket", "credentials", t.ucred()), t.cmsghdr("socket", "rights", { w }) },
  }
  T.eq(assert(S.sendmsg(a, msg)), 4)
  local buf = t.buffer(16)
  local rm = t.msghdr{ iov = { { buf, 16 } }, control = 256 }
  T.eq(assert(S.recvmsg(b, rm)), 4)
  local kinds, fds = {}, {}
  for _, cm in rm:cmsgs() do
    T.eq(cm:level(), c.SOL.SOCKET)
    kinds[#kinds + 1] = cm:type()
    if cm:isrights() then for f in cm:fds() do fds[#fds + 1] = f end end
    if cm:iscredentials() then T.eq((cm:credentials()), S.getpid()) end
  end
  table.sort(kinds)
  T.same(kinds, { c.SCM.RIGHTS, c.SCM.CREDENTIALS })
  T.eq(#fds, 1)
  T.defer(function() close(fds[1]) end)
  assert(fds[1]:write("via passed write end"))
  T.eq(r:read(), "via passed write end")
  T.eq(rm:credentials(), S.getpid())
end)

T.case("sendmsg/recvmsg with a name on unconnected datagram sockets", function()
  local na, nb = abstract(), abstract()
  local a = assert(S.socket("unix", "dgram"))
  local b = assert(S.socket("unix", "dgram"))
  T.defer(function() close(a, b) end)
  assert(a:bind(t.sockaddr_un(na)))
  assert(b:bind(t.sockaddr_un(nb)))
  local msg = t.msghdr{ name = t.sockaddr_un(nb), iov = { "part1-", "part2" } }
  T.eq(assert(S.sendmsg(a, msg)), 11)
  local b1, b2 = t.buffer(6), t.buffer(16)
  local rm = t.msghdr{ name = t.sockaddr_storage(), iov = { { b1, 6 }, { b2, 16 } } }
  T.eq(assert(S.recvmsg(b, rm)), 11)
  T.eq(ffi.string(b1, 6), "part1-", "scattered into the first buffer")
  T.eq(ffi.string(b2, 5), "part2", "and the second")
  T.eq(rm.name.path, na, "the sender's name")
end)

T.case("recvmsg reports MSG_TRUNC for a datagram larger than the buffers", function()
  local a, b = pair("dgram")
  assert(a:send("0123456789"))
  local buf = t.buffer(4)
  local rm = t.msghdr{ iov = { { buf, 4 } } }
  T.eq(assert(S.recvmsg(b, rm)), 4)
  T.eq(rm.trunc, true)
  T.ok(bit.band(rm.flags, c.MSG.TRUNC) ~= 0)
end)

T.case("sendmsg/recvmsg: wrong arguments raise, bad descriptors fail", function()
  T.err(function() S.sendmsg(0, "text") end, "bad argument #2 to 'sendmsg'")
  T.err(function() S.recvmsg(0, {}) end, "bad argument #2 to 'recvmsg'")
  T.err(function() S.sendmsg({}, t.msghdr()) end, "bad argument #1 to 'sendmsg'")
  T.err(function() S.recvmsg(0, t.msghdr(), "bogusflag") end, "bad argument #3 to 'recvmsg'")
  T.fails("BADF", S.sendmsg(987654, t.msghdr{ iov = { "x" } }))
  T.fails("BADF", S.recvmsg(987654, t.msghdr()))
  local _, _, r, w = S.pipe()
  T.defer(function() close(r, w) end)
  T.fails("NOTSOCK", S.sendmsg(w, t.msghdr{ iov = { "x" } }))
end)

T.case("SO_PEERCRED on a connected unix socket names the peer process", function()
  local a, b = pair()
  local cr = assert(a:getsockopt("socket", "peercred"))
  T.eq(cr.pid, S.getpid())
  T.eq(cr.uid, S.geteuid())
  T.eq(cr.gid, S.getegid())
  local _ = b
end)

T.case("walking control messages: firsthdr/nxthdr, and malformed lengths end the walk", function()
  -- Two messages packed by hand into one buffer, as the kernel would lay them out.
  local m = t.msghdr{ control = { t.cmsghdr("socket", "rights", { 5 }), t.cmsghdr("ip", "ttl", "\64\0\0\0") } }
  T.eq(m.controllen, 24 + 24)
  local p1, c1 = m:cmsg_firsthdr()
  T.ok(p1 ~= nil)
  T.eq(c1.cmsg_type, c.SCM.RIGHTS)
  T.same(c1:fdnumbers(), { 5 })
  local p2, c2 = m:cmsg_nxthdr(p1, c1)
  T.eq(c2.cmsg_type, c.IP.TTL)
  T.eq(c2:hdrsize(), 16)
  T.eq(c2:align(), 24)
  T.eq(m:cmsg_nxthdr(p2, c2), nil, "no third message")
  local n = 0
  for ptr, cm in m:cmsgs() do
    n = n + 1
    T.ok(ffi.cast("void *", ptr) == ffi.cast("void *", cm), "pointer and header agree")
  end
  T.eq(n, 2)
  -- A second header whose length runs past the buffer is not visited.
  c2.cmsg_len = 1000
  n = 0
  for _ in m:cmsgs() do n = n + 1 end
  T.eq(n, 1)
  -- A first header shorter than a header stops everything.
  c1.cmsg_len = 3
  n = 0
  for _ in m:cmsgs() do n = n + 1 end
  T.eq(n, 0)
  -- A buffer too small for one header, and no buffer at all.
  T.eq(t.msghdr{ control = 8 }:cmsg_firsthdr(), nil)
  T.eq(t.msghdr():cmsg_firsthdr(), nil)
  T.same(t.msghdr():fds(), {})
end)

T.case("SCM_CREDENTIALS: root may claim another uid and gid, others may not", function()
  local a, b = pair()
  assert(b:setsockopt("socket", "passcred", true))
  local ok, e = S.util.sendcred(a, nil, 4321, 4322)
  if not T.root() then
    T.eq(ok, nil)
    T.ok(e.PERM, tostring(e))
    return
  end
  T.eq(ok, 1, tostring(e))
  local m = assert(S.util.recvcmsg(b))
  T.eq(m.pid, S.getpid())
  T.eq(m.uid, 4321)
  T.eq(m.gid, 4322)
end)

T.case("unix stream: writing after the peer closed gives EPIPE", function()
  local a, b = pair()
  b:close()
  T.eq(a:recv(), "", "end of file")
  T.fails("PIPE", S.send(a, "x", nil, "nosignal"))
end)
