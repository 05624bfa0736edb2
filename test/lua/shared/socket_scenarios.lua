-- AF_UNIX socket scenarios, written once and run on every target:
--
--   local scenarios = dofile("test/lua/shared/socket_scenarios.lua")
--   scenarios(T, S, ctx, opts)
--
-- T     the test harness (rump.test)
-- S     a syscall table: the host's, or one bound to a kernel
-- ctx   { dir = function() -> a fresh empty directory (a path valid for S) for each case }
-- opts  { prefix = "unix: " (case name prefix) }
--
-- Only POSIX calls through S with their ljsyscall-style API.  Where Linux and NetBSD give
-- different errors that POSIX allows both, a case accepts either (and says which in a
-- comment); a case never depends on timing.

local U = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "sockutil.lua")

return function(T, S, ctx, opts)
  opts = opts or {}
  local prefix = opts.prefix or "unix: "
  local c, t = S.c, S.t
  local ffi = require "syscall.ffi"

  local function case(name, fn) T.case(prefix .. name, fn) end

  local close = U.close
  local function pair(kind) return U.pair(T, S, kind) end
  local function sock(kind)
    local s = assert(S.socket("unix", kind))
    T.defer(function() close(s) end)
    return s
  end
  local function failsany(names, v, err)
    T.ok(v == nil, "expected failure, got " .. tostring(v))
    T.ok(err ~= nil, "expected an error object")
    for _, n in ipairs(names) do if err[n] then return err end end
    error("expected one of " .. table.concat(names, ", ") .. ", got " .. tostring(err), 2)
  end
  -- A listening stream socket on dir/name, and the address.
  local function listener(dir, name, kind)
    local path = dir .. "/" .. (name or "l")
    local s = sock(kind or "stream")
    local sa = t.sockaddr_un(path)
    assert(S.bind(s, sa))
    assert(S.listen(s, 8))
    return s, sa, path
  end
  local function put(path, data)
    local f = assert(S.open(path, "creat, rdwr, trunc", "0644"))
    assert(f:write(data) == #data)
    return f
  end

  -- socketpair ---------------------------------------------------------------------------------

  case("socketpair stream carries bytes both ways; the ends are sockets", function()
    local ok, err, a, b = S.socketpair("unix", "stream")
    T.eq(ok, true); T.eq(err, nil)
    T.defer(function() close(a, b) end)
    T.eq(a:write("to b"), 4)
    T.eq(b:read(), "to b")
    T.eq(b:send("to a"), 4)
    T.eq(a:recv(), "to a")
    T.ok(assert(a:stat()).issock)
    T.eq(S.getsockopt(a, "socket", "type"), c.SOCK.STREAM)
  end)

  case("socketpair dgram keeps boundaries; seqpacket truncates and ends with EOF", function()
    local a, b = pair("dgram")
    assert(a:send("one")); assert(a:send("two!"))
    T.eq(b:recv(), "one")
    T.eq(b:recv(), "two!")
    local p, q = pair("seqpacket")
    assert(p:send("first")); assert(p:send("2nd"))
    T.eq(q:recv(nil, 3), "fir", "the rest of a record is discarded")
    T.eq(q:recv(), "2nd")
    p:close()
    T.eq(q:recv(), "", "end of file after the peer closes")
  end)

  case("socketpair with nonblock: EAGAIN on an empty socket, then data", function()
    local ok, _, a, b = S.socketpair("unix", "stream, nonblock")
    T.ok(ok)
    T.defer(function() close(a, b) end)
    T.fails("AGAIN", a:recv())
    assert(b:write("x"))
    T.eq(a:recv(), "x")
    T.fails("AGAIN", a:read())
  end)

  case("socketpair of an unknown family fails; a bad type name is an argument error", function()
    local ok, err = S.socketpair("inet6", "stream")
    failsany({ "OPNOTSUPP", "AFNOSUPPORT", "PROTONOSUPPORT" }, ok, err)
    T.err(function() S.socketpair("unix", "nosuchtype") end, "socketpair")
  end)

  -- Names in the file system -------------------------------------------------------------------

  case("stream: bind, listen, connect, accept; the name is a socket node", function()
    local d = ctx.dir()
    local l, sa, path = listener(d)
    local st = assert(S.stat(path))
    T.ok(st.issock, "bind made a socket node")
    T.eq(tostring(S.getsockname(l)), "unix:" .. path)
    local cl = sock("stream")
    T.ok(S.connect(cl, sa))
    local acc, err, peer = S.accept(l)
    T.ok(acc, tostring(err))
    T.defer(function() close(acc) end)
    T.eq(peer.family, c.AF.UNIX)
    T.eq(tostring(S.getpeername(cl)), "unix:" .. path)
    T.eq(cl:write("hello"), 5)
    T.eq(acc:read(), "hello")
    T.eq(acc:write("back"), 4)
    T.eq(cl:read(), "back")
    T.eq(S.getsockopt(l, "socket", "acceptconn"), 1)
    T.eq(S.getsockopt(cl, "socket", "acceptconn"), 0)
  end)

  case("bind to a name that exists: EADDRINUSE; the node outlives the socket", function()
    local d = ctx.dir()
    local l, sa, path = listener(d)
    local s2 = sock("stream")
    T.fails("ADDRINUSE", S.bind(s2, sa))
    local f = put(d .. "/file", "x"); f:close()
    T.fails("ADDRINUSE", S.bind(s2, t.sockaddr_un(d .. "/file")))
    l:close()
    T.ok(S.stat(path), "the node stays after close")
    T.fails("ADDRINUSE", S.bind(s2, sa))
    assert(S.unlink(path))
    T.ok(S.bind(s2, sa), "after unlink the name is free")
    T.ok(S.bind(sock("stream"), t.sockaddr_un(d .. "/other")), "a second name")
    -- A socket bound once cannot be bound again.
    failsany({ "INVAL" }, S.bind(s2, t.sockaddr_un(d .. "/again")))
  end)

  case("connect: ENOENT for no name, ECONNREFUSED when nobody listens", function()
    local d = ctx.dir()
    local cl = sock("stream")
    T.fails("NOENT", S.connect(cl, t.sockaddr_un(d .. "/none")))
    -- Bound but not listening, and bound then closed: refused.
    local b = sock("stream")
    assert(S.bind(b, t.sockaddr_un(d .. "/bound")))
    T.fails("CONNREFUSED", S.connect(cl, t.sockaddr_un(d .. "/bound")))
    b:close()
    T.fails("CONNREFUSED", S.connect(cl, t.sockaddr_un(d .. "/bound")))
    -- A name that is a regular file: Linux says ECONNREFUSED, NetBSD ENOTSOCK.
    local f = put(d .. "/file", "x"); f:close()
    failsany({ "CONNREFUSED", "NOTSOCK" }, S.connect(cl, t.sockaddr_un(d .. "/file")))
    -- Another socket type behind the name.
    local dg = sock("dgram")
    assert(S.bind(dg, t.sockaddr_un(d .. "/dg")))
    T.fails("PROTOTYPE", S.connect(cl, t.sockaddr_un(d .. "/dg")))
  end)

  case("connect of a connected socket is EISCONN; listen on it is EINVAL", function()
    local d = ctx.dir()
    local _, sa = listener(d)
    local cl = sock("stream")
    assert(S.connect(cl, sa))
    T.fails("ISCONN", S.connect(cl, sa))
    failsany({ "INVAL" }, S.listen(cl))
  end)

  case("a closed listener's pending connection: the client reads EOF or a reset", function()
    local d = ctx.dir()
    local l, sa = listener(d)
    local cl = sock("stream")
    assert(S.connect(cl, sa))
    l:close()
    local r, e = cl:read()
    T.ok(r == "" or (e and e.CONNRESET), "EOF or ECONNRESET, got " .. tostring(r) .. " " .. tostring(e))
  end)

  case("dgram: sendto/recvfrom between named sockets give the sender's name", function()
    local d = ctx.dir()
    local a, b = sock("dgram"), sock("dgram")
    local aa, ba = t.sockaddr_un(d .. "/a"), t.sockaddr_un(d .. "/b")
    assert(S.bind(a, aa)); assert(S.bind(b, ba))
    T.eq(S.sendto(a, "ping", nil, 0, ba), 4)
    local data, err, from = S.recvfrom(b)
    T.eq(data, "ping", tostring(err))
    T.eq(tostring(from), "unix:" .. d .. "/a")
    T.eq(S.sendto(b, "pong", 4, 0, from), 4)
    local buf = t.buffer(16)
    local n, _, from2 = S.recvfrom(a, buf, 16)
    T.eq(n, 4)
    T.eq(ffi.string(buf, n), "pong")
    T.eq(tostring(from2), "unix:" .. d .. "/b")
    -- To a name nobody holds any more.
    b:close()
    failsany({ "CONNREFUSED" }, S.sendto(a, "x", nil, 0, ba))
    T.fails("NOENT", S.sendto(a, "x", nil, 0, t.sockaddr_un(d .. "/missing")))
  end)

  case("dgram: connect fixes the peer; send without one fails", function()
    local d = ctx.dir()
    local a, b = sock("dgram"), sock("dgram")
    local ba = t.sockaddr_un(d .. "/b")
    assert(S.bind(b, ba))
    -- No address and no peer: Linux ENOTCONN, NetBSD EDESTADDRREQ.
    failsany({ "NOTCONN", "DESTADDRREQ" }, a:send("x"))
    assert(S.connect(a, ba))
    T.eq(a:send("via peer"), 8)
    T.eq(b:recv(), "via peer")
    T.eq(tostring(S.getpeername(a)), "unix:" .. d .. "/b")
  end)

  case("dgram: a record larger than the buffer is truncated", function()
    local a, b = pair("dgram")
    assert(a:send("0123456789"))
    local buf = t.buffer(4)
    T.eq(b:recv(buf, 4), 4)
    T.eq(ffi.string(buf, 4), "0123")
    assert(a:send("next"))
    T.eq(b:recv(), "next", "the rest of the record was dropped")
  end)

  -- Nonblocking and timeouts --------------------------------------------------------------------

  case("nonblocking accept and recv: EAGAIN; MSG_DONTWAIT on a blocking socket", function()
    local d = ctx.dir()
    local l, sa = listener(d)
    assert(l:nonblock())
    T.fails("AGAIN", S.accept(l))
    local cl = sock("stream")
    assert(S.connect(cl, sa))
    local acc = assert(S.accept(l))
    T.defer(function() close(acc) end)
    T.fails("AGAIN", S.recv(acc, nil, 16, "dontwait"))
    assert(cl:write("now"))
    T.eq(S.recv(acc, nil, 16, "dontwait"), "now")
  end)

  case("a full stream socket: nonblocking write EAGAIN, reading makes room", function()
    local a, b = pair("stream")
    assert(a:nonblock())
    local chunk = string.rep("z", 1024)
    local total = 0
    for _ = 1, 100000 do
      local n, e = a:write(chunk)
      if not n then T.ok(e.AGAIN, "full: " .. tostring(e)); break end
      total = total + n
    end
    T.ok(total > 0, "something was written before it filled")
    local got = 0
    b:nonblock()
    while got < total do
      local s = assert(b:read(nil, 65536))
      if #s == 0 then break end
      got = got + #s
    end
    T.eq(got, total, "every byte written arrives")
    T.ok(a:write("more"), "room again after reading")
  end)

  case("SO_RCVTIMEO: a blocking recv gives up with EAGAIN", function()
    local a = pair("stream")
    T.ok(S.setsockopt(a, "socket", "rcvtimeo", 0.02))
    local tv = assert(S.getsockopt(a, "socket", "rcvtimeo"))
    T.eq(tv.sec, 0)
    T.ok(tv.usec >= 10000 and tv.usec <= 30000, "timeout read back: " .. tostring(tv))
    T.fails("AGAIN", a:recv())
  end)

  case("poll: readable once data is queued, writable while there is room", function()
    local a, b = pair("stream")
    local fds = t.pollfds{ { fd = b, events = "in" }, { fd = a, events = "out" } }
    T.eq(S.poll(fds, 0), 1)
    T.ok(fds.pfd[1].OUT, "a is writable")
    T.ok(not fds.pfd[0].IN, "b has nothing yet")
    assert(a:write("x"))
    fds = t.pollfds{ { fd = b, events = "in" } }
    T.eq(S.poll(fds, 0), 1)
    T.ok(fds.pfd[0].IN)
  end)

  -- Closing and shutdown --------------------------------------------------------------------------

  case("shutdown(SHUT_WR): the peer reads EOF; writing after it is EPIPE", function()
    local a, b = pair("stream")
    assert(a:write("last"))
    T.ok(S.shutdown(a, "wr"))
    T.eq(b:read(), "last")
    T.eq(b:read(), "")
    T.fails("PIPE", S.send(a, "x", nil, "nosignal"))
    T.eq(b:write("still"), 5, "the other direction works")
    T.eq(a:read(), "still")
  end)

  case("a closed stream peer: buffered data, then EOF; writes EPIPE", function()
    local a, b = pair("stream")
    assert(a:write("before close"))
    a:close()
    T.eq(b:read(), "before close")
    T.eq(b:read(), "")
    failsany({ "PIPE", "CONNRESET" }, S.send(b, "x", nil, "nosignal"))
  end)

  -- Control messages: SCM_RIGHTS --------------------------------------------------------------------

  case("sendmsg/recvmsg pass a descriptor that reads the same file", function()
    local d = ctx.dir()
    local a, b = pair("stream")
    local f = put(d .. "/passed", "contents")
    local msg = t.msghdr{ iov = { "m" }, control = t.cmsghdr("socket", "rights", { f }) }
    T.eq(S.sendmsg(a, msg), 1)
    f:close()  -- the one in flight keeps the file open
    local buf = t.buffer(8)
    local rmsg = t.msghdr{ iov = { { buf, 8 } }, control = 64 }
    T.eq(S.recvmsg(b, rmsg), 1)
    T.eq(ffi.string(buf, 1), "m")
    local seen = 0
    for _, cm in rmsg:cmsgs() do
      seen = seen + 1
      T.ok(cm:isrights())
      T.eq(cm:datalen(), 4)
    end
    T.eq(seen, 1)
    local got = rmsg:fds()
    T.eq(#got, 1)
    T.defer(function() close(got[1]) end)
    T.eq(assert(got[1]:seek(0, "set")), 0)
    T.eq(got[1]:read(), "contents")
    T.ok(not rmsg.ctrunc)
  end)

  case("util.sendfds / recvfds: several at once; the receiver's copies are new descriptors", function()
    local d = ctx.dir()
    local a, b = pair("dgram")
    local f1, f2 = put(d .. "/1", "one"), put(d .. "/2", "two")
    T.defer(function() close(f1, f2) end)
    T.eq(S.util.sendfds(a, f1, f2), 1)
    local fds, data = S.util.recvfds(b)
    T.ok(fds, tostring(data))
    T.eq(#fds, 2)
    T.eq(data, "\0")
    T.defer(function() close(fds[1], fds[2]) end)
    T.ne(fds[1]:getfd(), f1:getfd())
    fds[1]:seek(0); fds[2]:seek(0)
    T.eq(fds[1]:read(), "one")
    T.eq(fds[2]:read(), "two")
    -- The received descriptor shares the offset with the sender's (one open file).
    T.eq(assert(f2:seek(0, "cur")), 3)
  end)

  case("recvmsg with too small a control buffer: MSG_CTRUNC, the rest closed", function()
    local d = ctx.dir()
    local a, b = pair("stream")
    local f1, f2 = put(d .. "/1", "a"), put(d .. "/2", "b")
    T.defer(function() close(f1, f2) end)
    assert(S.util.sendfds(a, f1, f2))
    local fds = assert(S.util.recvfds(b, 1))
    T.ok(fds.truncated, "MSG_CTRUNC reported")
    T.eq(#fds, 1)
    close(fds[1])
  end)

  case("a socket passed over itself does not leak or hang; closing both frees it", function()
    local a, b = pair("stream")
    assert(S.util.sendfds(a, a, b))
    -- nothing to check but that closing works and later calls still do
    close(a, b)
    local p, q = pair("stream")
    assert(p:write("x")); T.eq(q:read(), "x")
  end)

  case("sendmsg errors: a bad descriptor in SCM_RIGHTS is EBADF; rights on a non-unix socket", function()
    local a = pair("stream")
    local msg = t.msghdr{ iov = { "x" }, control = t.cmsghdr("socket", "rights", { 999 }) }
    T.fails("BADF", S.sendmsg(a, msg))
    T.err(function() t.msghdr{ control = "oops" } end, "msghdr control")
    T.err(function() S.sendmsg(a, "x") end, "sendmsg")
  end)

  -- Options -------------------------------------------------------------------------------------------

  case("socket options: buffer sizes, linger, type, error, unknown option", function()
    local a = pair("stream")
    T.ok(S.setsockopt(a, "socket", "rcvbuf", 8192))
    T.ok(S.getsockopt(a, "socket", "rcvbuf") >= 8192, "rcvbuf at least what was set")
    T.ok(S.setsockopt(a, "socket", "linger", { onoff = true, linger = 7 }))
    local l = assert(S.getsockopt(a, "socket", "linger"))
    T.eq(l.onoff, true)
    T.eq(l.linger, 7)
    T.ok(S.setsockopt(a, "socket", "linger", t.linger(false, 0)))
    T.eq(S.getsockopt(a, "socket", "linger").onoff, false)
    T.eq(S.getsockopt(a, "socket", "error"), 0)
    T.ok(S.setsockopt(a, "socket", "keepalive", true))
    T.ok(S.getsockopt(a, "socket", "keepalive") ~= 0)
    T.fails("NOPROTOOPT", S.setsockopt(a, "socket", 0x7777, 1))
    T.err(function() S.setsockopt(a, "socket", "nosuchoption", 1) end, "unknown option")
    T.err(function() S.setsockopt(a, "socket", "linger", "x") end, "setsockopt")
  end)

  -- Bad arguments ----------------------------------------------------------------------------------------

  case("bad descriptors and non-sockets: EBADF, ENOTSOCK", function()
    local d = ctx.dir()
    T.fails("BADF", S.bind(999, t.sockaddr_un(d .. "/x")))
    T.fails("BADF", S.listen(999))
    T.fails("BADF", S.accept(999))
    local f = put(d .. "/file", "x")
    T.defer(function() close(f) end)
    T.fails("NOTSOCK", S.bind(f, t.sockaddr_un(d .. "/x")))
    T.fails("NOTSOCK", S.getsockopt(f, "socket", "type"))
    T.fails("NOTSOCK", S.sendto(f, "x", nil, 0, t.sockaddr_un(d .. "/x")))
    T.err(function() S.bind(sock("stream"), "not an address") end, "bind")
    T.err(function() t.sockaddr_un(string.rep("p", 200)) end, "sockaddr_un")
  end)

  case("bad addresses: short length EINVAL, another family rejected", function()
    local d = ctx.dir()
    local s = sock("stream")
    failsany({ "INVAL" }, S.bind(s, t.sockaddr_un(d .. "/short"), 1))
    -- An AF_INET address on a unix socket: Linux EINVAL, NetBSD EAFNOSUPPORT or EINVAL.
    failsany({ "INVAL", "AFNOSUPPORT" }, S.bind(s, t.sockaddr_in(0, "127.0.0.1")))
    failsany({ "INVAL", "AFNOSUPPORT" }, S.connect(s, t.sockaddr_in(80, "127.0.0.1")))
    -- A name in a directory that does not exist.
    T.fails("NOENT", S.bind(s, t.sockaddr_un(d .. "/no/such/dir")))
    T.ok(S.bind(s, t.sockaddr_un(d .. "/fine")), "the socket is still usable")
  end)

  case("the listen backlog: connections wait until accepted, in order", function()
    local d = ctx.dir()
    local l, sa = listener(d)
    local cls = {}
    for i = 1, 3 do
      cls[i] = sock("stream")
      assert(S.connect(cls[i], sa))
      assert(cls[i]:write("c" .. i))
    end
    for i = 1, 3 do
      local acc = assert(S.accept(l))
      T.eq(acc:read(), "c" .. i)
      acc:close()
    end
  end)
end
