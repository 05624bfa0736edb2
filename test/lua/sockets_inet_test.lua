-- AF_INET and AF_INET6 sockets over loopback (127.0.0.0/8 and ::1 only): TCP and UDP data
-- paths, accept/accept4, names, shutdown, nonblocking mode and the usual errors.
local T = require "rump.test"
local S = require "syscall"
local ffi = require "syscall.ffi"
local c, t = S.c, S.t
local bit = require "syscall.bit"

local function close(...)
  for i = 1, select("#", ...) do
    local f = select(i, ...)
    if f and f.filenum >= 0 then f:close() end
  end
end

-- A listening TCP socket on an ephemeral loopback port; returns it and its address.
local function listener(fam, host)
  local s = assert(S.socket(fam, "stream"))
  T.defer(function() close(s) end)
  local sa = fam == "inet6" and t.sockaddr_in6(0, host or "::1") or t.sockaddr_in(0, host or "127.0.0.1")
  assert(S.bind(s, sa))
  assert(S.listen(s, 16))
  return s, assert(S.getsockname(s))
end

-- A connected TCP pair: client, server side, listening socket.
local function tcppair(fam)
  local l, addr = listener(fam)
  local cl = assert(S.socket(fam, "stream"))
  T.defer(function() close(cl) end)
  assert(S.connect(cl, addr))
  local sv, _, peer = assert(S.accept(l))
  T.defer(function() close(sv) end)
  return cl, sv, l, addr, peer
end

local function have_ipv6()
  local s = S.socket("inet6", "stream")
  if not s then return false end
  local ok = S.bind(s, t.sockaddr_in6(0, "::1"))
  s:close()
  return ok
end

T.case("TCP over 127.0.0.1: data both ways", function()
  local cl, sv = tcppair("inet")
  T.eq(S.send(cl, "ping"), 4)
  T.eq(S.recv(sv), "ping")
  T.eq(sv:send("pong!"), 5)
  T.eq(cl:recv(), "pong!")
  -- write/read work on sockets too
  T.eq(cl:write("abc"), 3)
  T.eq(sv:read(nil, 3), "abc")
end)

T.case("TCP: accept returns the peer address, getpeername/getsockname agree", function()
  local cl, sv, _, addr, peer = tcppair("inet")
  T.ok(ffi.istype(t.sockaddr_in, peer))
  local cname = assert(S.getsockname(cl))
  T.eq(tostring(peer), tostring(cname), "accept's peer is the client's name")
  T.eq(tostring(assert(S.getpeername(cl))), tostring(addr))
  T.eq(tostring(assert(sv:getpeername())), tostring(cname))
  T.eq(tostring(assert(sv:getsockname())), tostring(addr))
  T.eq(tostring(addr.addr), "127.0.0.1")
  T.ok(addr.port > 0, "ephemeral port assigned")
end)

T.case("TCP: bind to another loopback address of 127/8", function()
  local l, addr = listener("inet", "127.0.0.3")
  T.eq(tostring(addr.addr), "127.0.0.3")
  local cl = assert(S.socket("inet", "stream"))
  T.defer(function() close(cl) end)
  assert(cl:connect(addr))
  local sv = assert(l:accept())
  T.defer(function() close(sv) end)
  T.eq(tostring(assert(S.getpeername(cl)).addr), "127.0.0.3")
end)

T.case("TCP: a large transfer arrives whole and in order", function()
  local cl, sv = tcppair("inet")
  local chunk = {}
  for i = 1, 4096 do chunk[i] = string.char(i % 251) end
  local data = table.concat(chunk):rep(64) -- 256 KiB
  -- Both ends nonblocking, driven by poll: no deadlock on full buffers.
  assert(cl:nonblock()); assert(sv:nonblock())
  local sent, got, parts = 0, 0, {}
  while got < #data do
    local fds = t.pollfds{ { fd = cl, events = sent < #data and "out" or "in" }, { fd = sv, events = "in" } }
    T.ok(assert(S.poll(fds, 5000)) > 0, "progress within 5 s")
    if sent < #data then
      local n, e = S.send(cl, data:sub(sent + 1, sent + 65536))
      if n then sent = sent + n else T.ok(e.AGAIN, tostring(e)) end
    end
    local str, e = S.recv(sv, nil, 65536)
    if str then
      T.ok(#str > 0 or got == #data, "no early end of file")
      got = got + #str; parts[#parts + 1] = str
    else T.ok(e.AGAIN, tostring(e)) end
  end
  T.eq(#table.concat(parts), #data)
  T.ok(table.concat(parts) == data, "same bytes")
end)

T.case("TCP: shutdown(wr) gives the peer end of file, reads still work", function()
  local cl, sv = tcppair("inet")
  assert(S.shutdown(cl, "wr"))
  T.eq(S.recv(sv), "", "end of file")
  T.eq(sv:send("after"), 5)
  T.eq(cl:recv(), "after")
  T.fails("PIPE", S.send(cl, "x", nil, "nosignal"))
end)

T.case("TCP: shutdown(rd) then shutdown(rdwr); bad how raises", function()
  local cl, sv = tcppair("inet")
  assert(cl:shutdown("rd"))
  T.eq(cl:recv(), "", "reads see end of file after SHUT_RD")
  assert(cl:shutdown("rdwr"))
  T.eq(sv:recv(), "", "peer sees end of file")
  T.err(function() S.shutdown(cl, "sideways") end, "bad argument #2 to 'shutdown'")
  T.fails("NOTCONN", S.shutdown(assert(S.socket("inet", "stream")), "rdwr"))
end)

T.case("TCP: MSG_PEEK leaves data queued, MSG_WAITALL waits for all", function()
  local cl, sv = tcppair("inet")
  assert(cl:send("hello world"))
  T.eq(S.recv(sv, nil, 5, "peek"), "hello")
  T.eq(S.recv(sv, nil, 11, "waitall"), "hello world")
end)

T.case("TCP: recv into a caller's buffer", function()
  local cl, sv = tcppair("inet")
  assert(cl:send("buffered"))
  local buf = t.buffer(32)
  local n = assert(S.recv(sv, buf, 32))
  T.eq(n, 8)
  T.eq(ffi.string(buf, n), "buffered")
end)

T.case("accept4 and accept with flags: nonblock and cloexec on the new socket", function()
  local l, addr = listener("inet")
  local cl = assert(S.socket("inet", "stream"))
  T.defer(function() close(cl) end)
  assert(cl:connect(addr))
  local sv = assert(S.accept4(l, "nonblock, cloexec"))
  T.defer(function() close(sv) end)
  T.ok(c.O.NONBLOCK == bit.band(assert(sv:fcntl("getfl")), c.O.NONBLOCK), "O_NONBLOCK set")
  T.eq(assert(sv:fcntl("getfd")), c.FD.CLOEXEC)
  T.fails("AGAIN", sv:recv())
  -- plain accept: neither flag
  local cl2 = assert(S.socket("inet", "stream"))
  T.defer(function() close(cl2) end)
  assert(cl2:connect(addr))
  local sv2 = assert(S.accept(l))
  T.defer(function() close(sv2) end)
  T.eq(bit.band(assert(sv2:fcntl("getfl")), c.O.NONBLOCK), 0)
  T.eq(assert(sv2:fcntl("getfd")), 0)
end)

T.case("accept on a nonblocking listener with nobody waiting: EAGAIN", function()
  local s = assert(S.socket("inet", "stream, nonblock"))
  T.defer(function() close(s) end)
  assert(s:bind(t.sockaddr_in(0, "127.0.0.1")))
  assert(s:listen())
  T.fails("AGAIN", S.accept(s))
end)

T.case("accept on a socket that does not listen: EINVAL", function()
  local s = assert(S.socket("inet", "stream"))
  T.defer(function() close(s) end)
  T.fails("INVAL", S.accept(s))
end)

T.case("nonblocking recv with no data: EAGAIN; MSG_DONTWAIT on a blocking socket too", function()
  local cl, sv = tcppair("inet")
  T.fails("AGAIN", S.recv(sv, nil, 10, "dontwait"))
  assert(sv:nonblock())
  T.fails("AGAIN", sv:recv())
  assert(cl:send("now"))
  -- data is there once poll says so
  local fds = t.pollfds{ { fd = sv, events = "in" } }
  T.eq(assert(S.poll(fds, 5000)), 1)
  T.eq(sv:recv(), "now")
end)

T.case("nonblocking connect completes; poll reports writable, SO_ERROR is 0", function()
  local l, addr = listener("inet")
  local cl = assert(S.socket("inet", "stream, nonblock"))
  T.defer(function() close(cl) end)
  local ok, e = S.connect(cl, addr)
  T.ok(ok or e.INPROGRESS, "connected or in progress: " .. tostring(e))
  local fds = t.pollfds{ { fd = cl, events = "out" } }
  T.eq(assert(S.poll(fds, 5000)), 1)
  T.eq(S.getsockopt(cl, "socket", "error"), 0)
  local sv = assert(S.accept(l))
  sv:close()
end)

T.case("connect to a bound port that does not listen: ECONNREFUSED", function()
  local s = assert(S.socket("inet", "stream"))
  T.defer(function() close(s) end)
  assert(s:bind(t.sockaddr_in(0, "127.0.0.1")))
  local addr = assert(s:getsockname())
  local cl = assert(S.socket("inet", "stream"))
  T.defer(function() close(cl) end)
  T.fails("CONNREFUSED", S.connect(cl, addr))
end)

T.case("nonblocking connect refused: the error comes through SO_ERROR", function()
  local s = assert(S.socket("inet", "stream"))
  T.defer(function() close(s) end)
  assert(s:bind(t.sockaddr_in(0, "127.0.0.1")))
  local addr = assert(s:getsockname())
  local cl = assert(S.socket("inet", "stream, nonblock"))
  T.defer(function() close(cl) end)
  local ok, e = S.connect(cl, addr)
  T.eq(ok, nil)
  if e.INPROGRESS then
    local fds = t.pollfds{ { fd = cl, events = "out" } }
    T.eq(assert(S.poll(fds, 5000)), 1)
    T.eq(S.getsockopt(cl, "socket", "error"), c.E.CONNREFUSED)
    T.eq(S.getsockopt(cl, "socket", "error"), 0, "SO_ERROR clears on read")
  else
    T.ok(e.CONNREFUSED, tostring(e))
  end
end)

T.case("bind twice to one address: EADDRINUSE; SO_REUSEADDR does not steal a listener", function()
  local l, addr = listener("inet")
  local s = assert(S.socket("inet", "stream"))
  T.defer(function() close(s) end)
  T.fails("ADDRINUSE", S.bind(s, addr))
  assert(s:setsockopt("socket", "reuseaddr", true))
  T.fails("ADDRINUSE", S.bind(s, addr))
  local _ = l
end)

-- States of the TCP sockets whose local port is port, from /proc/net/tcp.
local function tcpstates(port)
  local f = io.open("/proc/net/tcp")
  if not f then return nil end
  local states = {}
  local hex = string.format(":%04X", port)
  for line in f:lines() do
    local laddr, st = line:match("^%s*%d+: (%x+:%x+) %x+:%x+ (%x+)")
    if laddr and laddr:sub(-5) == hex then states[#states + 1] = st end
  end
  f:close()
  return states
end

T.case("SO_REUSEADDR lets a new listener bind over TIME_WAIT", function()
  -- A server with SO_REUSEADDR (Linux wants it on both the old and the new socket).
  local l = assert(S.socket("inet", "stream"))
  T.defer(function() close(l) end)
  assert(l:setsockopt("socket", "reuseaddr", true))
  assert(l:bind(t.sockaddr_in(0, "127.0.0.1")))
  assert(l:listen())
  local addr = assert(l:getsockname())
  local cl = assert(S.socket("inet", "stream"))
  T.defer(function() close(cl) end)
  assert(cl:connect(addr))
  local sv = assert(l:accept())
  T.defer(function() close(sv) end)
  -- The server side closes first, so its end of the connection ends in TIME_WAIT.
  sv:close(); l:close(); cl:close()
  local states = T.wait(function()
    local st = tcpstates(addr.port)
    if not st then return nil end
    for _, x in ipairs(st) do if x ~= "06" then return nil end end
    return st
  end, 100000)
  if not states then return T.skip("cannot see the connection reach TIME_WAIT in /proc/net/tcp") end
  T.eq(#states, 1, "one TIME_WAIT socket left")
  local s1 = assert(S.socket("inet", "stream"))
  T.defer(function() close(s1) end)
  T.fails("ADDRINUSE", S.bind(s1, addr))
  local s2 = assert(S.socket("inet", "stream"))
  T.defer(function() close(s2) end)
  assert(s2:setsockopt("socket", "reuseaddr", 1))
  T.eq(s2:getsockopt("socket", "reuseaddr"), 1)
  assert(S.bind(s2, addr))
  assert(s2:listen())
end)

T.case("bind a second socket already bound: EINVAL", function()
  local s = assert(S.socket("inet", "dgram"))
  T.defer(function() close(s) end)
  assert(s:bind(t.sockaddr_in(0, "127.0.0.1")))
  T.fails("INVAL", S.bind(s, t.sockaddr_in(0, "127.0.0.1")))
end)

T.case("bad sockaddr lengths: EINVAL", function()
  local s = assert(S.socket("inet", "stream"))
  T.defer(function() close(s) end)
  T.fails("INVAL", S.bind(s, t.sockaddr_in(0, "127.0.0.1"), 4))
  T.fails("INVAL", S.connect(s, t.sockaddr_in(1, "127.0.0.1"), 8))
  local s6 = assert(S.socket("inet6", "stream"))
  T.defer(function() close(s6) end)
  T.fails("INVAL", S.bind(s6, t.sockaddr_in6(0, "::1"), 16))
  local u = assert(S.socket("inet", "dgram"))
  T.defer(function() close(u) end)
  T.fails("INVAL", S.sendto(u, "x", nil, nil, t.sockaddr_in(9, "127.0.0.1"), 3))
end)

T.case("address family mismatch: EAFNOSUPPORT / EINVAL", function()
  local s = assert(S.socket("inet", "stream"))
  T.defer(function() close(s) end)
  T.fails("AFNOSUPPORT", S.bind(s, t.sockaddr_in6(0, "::1"), 16))
  local s6 = assert(S.socket("inet6", "dgram"))
  T.defer(function() close(s6) end)
  local ok, e = S.bind(s6, t.sockaddr_in(0, "127.0.0.1"))
  T.eq(ok, nil)
  T.ok(e.INVAL or e.AFNOSUPPORT, tostring(e))
end)

T.case("binding an address the host does not have: EADDRNOTAVAIL", function()
  local s = assert(S.socket("inet6", "dgram"))
  T.defer(function() close(s) end)
  -- 2001:db8::/32 is the documentation prefix: never configured.
  T.fails("ADDRNOTAVAIL", S.bind(s, t.sockaddr_in6(0, "2001:db8::1")))
end)

T.case("UDP over 127.0.0.1: sendto/recvfrom with addresses", function()
  local a = assert(S.socket("inet", "dgram"))
  local b = assert(S.socket("inet", "dgram"))
  T.defer(function() close(a, b) end)
  assert(a:bind(t.sockaddr_in(0, "127.0.0.1")))
  assert(b:bind(t.sockaddr_in(0, "127.0.0.1")))
  local aa, ba = assert(a:getsockname()), assert(b:getsockname())
  T.eq(S.sendto(a, "datagram", nil, 0, ba), 8)
  local data, _, from = S.recvfrom(b)
  T.eq(data, "datagram")
  T.eq(tostring(from), tostring(aa))
  -- into a buffer, with the count
  T.eq(S.sendto(b, "back", nil, nil, aa), 4)
  local buf = t.buffer(16)
  local n, _, from2 = S.recvfrom(a, buf, 16)
  T.eq(n, 4)
  T.eq(ffi.string(buf, n), "back")
  T.eq(from2.port, ba.port)
end)

T.case("UDP: message boundaries kept, MSG_TRUNC reports the real size", function()
  local a = assert(S.socket("inet", "dgram"))
  local b = assert(S.socket("inet", "dgram"))
  T.defer(function() close(a, b) end)
  assert(b:bind(t.sockaddr_in(0, "127.0.0.1")))
  local ba = assert(b:getsockname())
  assert(a:connect(ba))
  T.eq(a:send("one"), 3)
  T.eq(a:send("second"), 6)
  T.eq(b:recv(), "one")
  T.eq(b:recv(nil, 3), "sec", "the rest of a datagram is dropped")
  T.eq(a:send("0123456789"), 10)
  local buf = t.buffer(4)
  T.eq(S.recv(b, buf, 4, "trunc"), 10, "MSG_TRUNC returns the datagram's length")
end)

T.case("UDP: sending to a closed port gives ECONNREFUSED on the connected socket", function()
  local hole = assert(S.socket("inet", "dgram"))
  assert(hole:bind(t.sockaddr_in(0, "127.0.0.1")))
  local addr = assert(hole:getsockname())
  hole:close() -- nobody listens there now (a new owner in the meantime is unlikely)
  local a = assert(S.socket("inet", "dgram"))
  T.defer(function() close(a) end)
  assert(a:connect(addr))
  assert(a:setsockopt("socket", "rcvtimeo", 5))
  assert(a:send("anyone?"))
  local fds = t.pollfds{ { fd = a, events = "in" } }
  T.eq(assert(S.poll(fds, 5000)), 1)
  T.fails("CONNREFUSED", a:recv())
end)

T.case("UDP: empty datagrams exist", function()
  local a = assert(S.socket("inet", "dgram"))
  local b = assert(S.socket("inet", "dgram"))
  T.defer(function() close(a, b) end)
  assert(b:bind(t.sockaddr_in(0, "127.0.0.1")))
  assert(a:connect(assert(b:getsockname())))
  T.eq(a:send(""), 0)
  T.eq(a:send("x"), 1)
  T.eq(b:recv(), "")
  T.eq(b:recv(), "x")
end)

T.case("UDP send without a destination: EDESTADDRREQ", function()
  local a = assert(S.socket("inet", "dgram"))
  T.defer(function() close(a) end)
  T.fails("DESTADDRREQ", S.send(a, "lost"))
end)

T.case("TCP send on an unconnected socket: EPIPE; recv: ENOTCONN", function()
  local a = assert(S.socket("inet", "stream"))
  T.defer(function() close(a) end)
  T.fails("PIPE", S.send(a, "x", nil, "nosignal"))
  T.fails("NOTCONN", S.recv(a))
  T.fails("NOTCONN", S.getpeername(a))
end)

T.case("TCP over ::1: data both ways, IPv6 names", function()
  if not have_ipv6() then return T.skip("no IPv6 loopback") end
  local cl, sv, _, addr, peer = tcppair("inet6")
  T.ok(ffi.istype(t.sockaddr_in6, addr))
  T.eq(tostring(addr.addr), "::1")
  T.ok(ffi.istype(t.sockaddr_in6, peer))
  T.eq(tostring(peer.addr), "::1")
  T.eq(cl:send("six"), 3)
  T.eq(sv:recv(), "six")
  T.eq(sv:send("back"), 4)
  T.eq(cl:recv(), "back")
  T.eq(tostring(assert(cl:getpeername())), tostring(addr))
end)

T.case("UDP over ::1: sendto/recvfrom", function()
  if not have_ipv6() then return T.skip("no IPv6 loopback") end
  local a = assert(S.socket("inet6", "dgram"))
  local b = assert(S.socket("inet6", "dgram"))
  T.defer(function() close(a, b) end)
  assert(a:bind(t.sockaddr_in6(0, "::1")))
  assert(b:bind(t.sockaddr_in6(0, "::1")))
  local ba = assert(b:getsockname())
  T.eq(S.sendto(a, "v6 datagram", nil, nil, ba), 11)
  local data, _, from = S.recvfrom(b)
  T.eq(data, "v6 datagram")
  T.eq(tostring(from), tostring(assert(a:getsockname())))
end)

T.case("IPV6_V6ONLY decides whether a v6 socket takes IPv4 (mapped) peers", function()
  if not have_ipv6() then return T.skip("no IPv6 loopback") end
  -- dual stack: an IPv4 client reaches a [::]:port listener; the peer shows as ::ffff:127.0.0.1
  local l = assert(S.socket("inet6", "stream"))
  T.defer(function() close(l) end)
  assert(l:setsockopt("ipv6", "v6only", false))
  T.eq(l:getsockopt("ipv6", "v6only"), 0)
  assert(l:bind(t.sockaddr_in6(0, "::")))
  assert(l:listen())
  local port = assert(l:getsockname()).port
  local cl = assert(S.socket("inet", "stream"))
  T.defer(function() close(cl) end)
  assert(cl:connect(t.sockaddr_in(port, "127.0.0.1")))
  local sv, _, peer = assert(l:accept())
  T.defer(function() close(sv) end)
  T.eq(tostring(peer.addr), "::ffff:127.0.0.1")
  -- v6only: the same IPv4 connection is refused
  local l2 = assert(S.socket("inet6", "stream"))
  T.defer(function() close(l2) end)
  assert(l2:setsockopt("ipv6", "v6only", true))
  T.eq(l2:getsockopt("ipv6", "v6only"), 1)
  assert(l2:bind(t.sockaddr_in6(0, "::")))
  assert(l2:listen())
  local port2 = assert(l2:getsockname()).port
  local cl2 = assert(S.socket("inet", "stream"))
  T.defer(function() close(cl2) end)
  local ok, e = S.connect(cl2, t.sockaddr_in(port2, "127.0.0.1"))
  T.eq(ok, nil)
  T.ok(e.CONNREFUSED, tostring(e))
end)

T.case("sockets are descriptors: fstat says socket, close then EBADF", function()
  local s = assert(S.socket("inet", "stream"))
  local st = assert(s:stat())
  T.ok(st.issock)
  local n = s:getfd()
  assert(s:close())
  T.fails("BADF", S.bind(n, t.sockaddr_in(0, "127.0.0.1")))
  T.fails("BADF", S.listen(n))
  T.fails("BADF", S.getsockname(n))
end)

T.case("socket: cloexec and nonblock flags in the type", function()
  local s = assert(S.socket("inet", "stream, cloexec, nonblock"))
  T.defer(function() close(s) end)
  T.eq(assert(s:fcntl("getfd")), c.FD.CLOEXEC)
  T.ok(bit.band(assert(s:fcntl("getfl")), c.O.NONBLOCK) ~= 0)
  T.eq(s:getsockopt("socket", "type"), c.SOCK.STREAM)
end)

T.case("socket: protocol by name; wrong protocol for the type: EPROTONOSUPPORT", function()
  local s = assert(S.socket("inet", "stream", "tcp"))
  T.defer(function() close(s) end)
  T.eq(s:getsockopt("socket", "protocol"), c.IPPROTO.TCP)
  local u = assert(S.socket("inet", "dgram", "udp"))
  T.defer(function() close(u) end)
  T.eq(u:getsockopt("socket", "protocol"), c.IPPROTO.UDP)
  local ok, e = S.socket("inet", "stream", "udp")
  T.eq(ok, nil)
  T.ok(e.PROTONOSUPPORT, tostring(e))
end)

T.case("socket: unsupported family or type", function()
  T.fails("AFNOSUPPORT", S.socket(c.AF.MCTP + 40, "stream"))
  local ok, e = S.socket("inet", 99)
  T.eq(ok, nil)
  T.ok(e.INVAL or e.SOCKTNOSUPPORT, tostring(e))
end)

T.case("accept/accept4/getsockname also take ljsyscall's (addr, addrlen) arguments", function()
  local l, addr = listener("inet")
  local cl = assert(S.socket("inet", "stream"))
  T.defer(function() close(cl) end)
  assert(cl:connect(addr))
  local sa, len = t.sockaddr_in(), t.socklen1(ffi.sizeof(t.sockaddr_in))
  local sv, _, peer = assert(S.accept(l, sa, len))
  T.defer(function() close(sv) end)
  T.eq(len[0], 16, "the length is written back")
  T.eq(tostring(sa), tostring(assert(cl:getsockname())), "the caller's sockaddr is filled in")
  T.eq(tostring(peer), tostring(sa))
  local cl2 = assert(S.socket("inet", "stream"))
  T.defer(function() close(cl2) end)
  assert(cl2:connect(addr))
  local sa2 = t.sockaddr_in()
  local sv2 = assert(S.accept4(l, sa2, nil, "cloexec"))
  T.defer(function() close(sv2) end)
  T.eq(assert(sv2:fcntl("getfd")), c.FD.CLOEXEC)
  T.eq(sa2.port, assert(cl2:getsockname()).port)
  local mine = t.sockaddr_in()
  local got = assert(S.getsockname(l, mine))
  T.eq(got.port, addr.port)
  T.eq(mine.port, addr.port)
end)

T.case("send/sendto take a buffer (its size is the length) or a count", function()
  local cl, sv = tcppair("inet")
  local buf = t.buffer(5)
  ffi.copy(buf, "abcde", 5)
  T.eq(S.send(cl, buf), 5)
  T.eq(S.send(cl, buf, 2), 2)
  T.eq(sv:recv(nil, 7, "waitall"), "abcdeab")
  local a = assert(S.socket("inet", "dgram"))
  local b = assert(S.socket("inet", "dgram"))
  T.defer(function() close(a, b) end)
  assert(b:bind(t.sockaddr_in(0, "127.0.0.1")))
  T.eq(S.sendto(a, buf, nil, nil, assert(b:getsockname())), 5)
  T.eq(b:recv(), "abcde")
end)

T.case("bind/connect need an address; a plain struct sockaddr uses its size", function()
  local s = assert(S.socket("inet", "dgram"))
  T.defer(function() close(s) end)
  T.err(function() S.bind(s) end, "bad argument #2 to 'bind' (sockaddr expected, got nil)")
  T.err(function() S.connect(s, nil) end, "bad argument #2 to 'connect'")
  local raw = t.sockaddr()
  ffi.copy(raw, t.sockaddr_in(0, "127.0.0.1"), 16)
  assert(S.bind(s, raw))
  T.eq(tostring(assert(s:getsockname()).addr), "127.0.0.1")
end)

T.case("connect twice: EISCONN; listen on a connected socket: EINVAL", function()
  local cl, _, _, addr = tcppair("inet")
  T.fails("ISCONN", S.connect(cl, addr))
  T.fails("INVAL", S.listen(cl))
end)

T.case("UDP datagram larger than IPv4 allows: EMSGSIZE", function()
  local a = assert(S.socket("inet", "dgram"))
  local b = assert(S.socket("inet", "dgram"))
  T.defer(function() close(a, b) end)
  assert(b:bind(t.sockaddr_in(0, "127.0.0.1")))
  assert(a:setsockopt("socket", "sndbuf", 1048576))
  T.fails("MSGSIZE", S.sendto(a, ("x"):rep(65508), nil, nil, assert(b:getsockname())))
  T.eq(S.sendto(a, ("y"):rep(65507), nil, nil, assert(b:getsockname())), 65507, "the largest fits")
  T.eq(#assert(S.recv(b, nil, 70000)), 65507)
end)

T.case("TCP: the peer closed; reads see end of file, writes get EPIPE or ECONNRESET", function()
  local cl, sv = tcppair("inet")
  sv:close()
  T.eq(cl:recv(), "")
  -- The first write may be accepted (the peer answers it with a reset); the next fails.
  local ok, e = S.send(cl, "x", nil, "nosignal")
  if ok then ok, e = S.send(cl, "y", nil, "nosignal") end
  T.eq(ok, nil)
  T.ok(e.PIPE or e.CONNRESET, tostring(e))
end)
