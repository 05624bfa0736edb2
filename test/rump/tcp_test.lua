-- TCP between rumpus kernels from Lua (k.S): loopback, two kernels on a bus, a transfer
-- checked byte for byte, EOF and half-close, ECONNREFUSED, an abort seen as ECONNRESET,
-- a non-blocking connect with poll and SO_ERROR, TCP options and net.inet.tcp sysctls;
-- urgent data (MSG_OOB); EPIPE's SIGPIPE under the kernel's signal models (raise, record, ignore) and the
-- signal API (k:sigmodel, k:sigpending, k:sigmask, k:psignal).
local T = require "rump.test"
local rump = require "rump"

local function boot()
  local k = rump.kernel{ "net.netinet", "net.shmif" }
  T.defer(function() k:destroy() end)
  return k
end
local N = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "shared/net.lua")
local build = N.build
local function listener(S, port, addr)
  local l = assert(S.socket("inet", "stream"))
  assert(S.setsockopt(l, "socket", "reuseaddr", true))
  assert(S.bind(l, S.t.sockaddr_in(port, addr)))
  assert(S.listen(l, 16))
  return l
end
local pattern = N.pattern

T.case("loopback: connect, accept, both directions, EOF", function()
  local k = boot()
  local S = k.S
  local l = listener(S, 7000, "127.0.0.1")
  local c = assert(S.socket("inet", "stream"))
  assert(S.connect(c, S.t.sockaddr_in(7000, "127.0.0.1")))
  local a, err, peer = S.accept(l)
  T.ok(a, tostring(err))
  T.eq(tostring(peer), tostring(S.getsockname(c)), "the peer is the client's name")
  T.eq(S.send(c, "ping"), 4)
  T.eq(S.recv(a), "ping")
  T.eq(S.send(a, "pong"), 4)
  T.eq(S.recv(c), "pong")
  assert(S.close(c))
  T.eq(S.recv(a), "", "EOF after the peer's close")
end)

T.case("two kernels on a bus: 256 KB each way, intact", function()
  local net = build{ hosts = { "a", "b" }, buses = { lan = { { "a", "10.8.0.1/24" }, { "b", "10.8.0.2/24" } } } }
  local A, B = net.hosts.a.S, net.hosts.b.S
  local l = listener(B, 80)
  local c = assert(A.socket("inet", "stream, nonblock"))
  local ok, err = A.connect(c, A.t.sockaddr_in(80, "10.8.0.2"))
  T.ok(ok or (err and err.INPROGRESS), tostring(err))
  local s = assert(B.accept(l))
  assert(B.nonblock(s))
  local data = pattern(256 * 1024, 7)
  local function pump(S1, from, S2, to)
    local sent, got = 0, {}
    local n = 0
    while n < #data do
      if sent < #data then
        local w = S1.send(from, data:sub(sent + 1, sent + 65536))
        if w then sent = sent + w end
      end
      local r = S2.recv(to)
      if r then got[#got + 1] = r; n = n + #r end
    end
    return table.concat(got)
  end
  T.ok(pump(A, c, B, s) == data, "A -> B intact")
  T.ok(pump(B, s, A, c) == data, "B -> A intact")
  assert(A.shutdown(c, "wr"))
  T.eq(B.recv(s), "", "half-close: B reads EOF")
  T.eq(B.send(s, "after"), 5, "B still writes")
  T.eq(A.recv(c), "after")
end)

T.case("ECONNREFUSED, ECONNRESET after an abort, EPIPE", function()
  local net = build{ hosts = { "a", "b" }, buses = { lan = { { "a", "10.8.1.1/24" }, { "b", "10.8.1.2/24" } } } }
  local A, B = net.hosts.a.S, net.hosts.b.S
  local c = assert(A.socket("inet", "stream"))
  T.fails("CONNREFUSED", A.connect(c, A.t.sockaddr_in(81, "10.8.1.2")))
  local l = listener(B, 80)
  c = assert(A.socket("inet", "stream"))
  assert(A.connect(c, A.t.sockaddr_in(80, "10.8.1.2")))
  local s = assert(B.accept(l))
  assert(A.setsockopt(c, "socket", "linger", { onoff = true, linger = 0 }))
  assert(A.close(c))
  T.fails("CONNRESET", B.recv(s))
  -- EPIPE posts SIGPIPE; the kernel records it (its model is "record" here)
  local kb = net.hosts.b.kernel
  T.eq(kb:sigmodel("record"), "record", "a rump.kernel's model is record by default (rump_init's: raise)")
  T.same(kb:sigpending(), {}, "nothing pending")
  T.fails("PIPE", B.send(s, "x"))
  T.same(kb:sigpending(), { PIPE = true }, "EPIPE recorded SIGPIPE on the process")
  assert(kb:sigclear())
  T.fails("PIPE", B.send(s, "x", nil, "nosignal"))
  T.same(kb:sigpending(), {}, "MSG_NOSIGNAL: EPIPE, no signal")
  assert(B.setsockopt(s, "socket", "nosigpipe", true))
  T.fails("PIPE", B.send(s, "x"))
  T.same(kb:sigpending(), {}, "SO_NOSIGPIPE: EPIPE, no signal")
  assert(B.setsockopt(s, "socket", "nosigpipe", false))
  T.same(kb:sigmask("block", { "PIPE" }), {}, "SIGPIPE masked (the old mask was empty)")
  T.fails("PIPE", B.send(s, "x"))
  T.same(kb:sigpending(), {}, "a masked signal is not recorded")
  T.same(kb:sigmask("setmask", {}), { PIPE = true }, "unmasked")
  T.eq(kb:sigmodel("ignore"), "record")
  T.fails("PIPE", B.send(s, "x"))
  T.same(kb:sigpending(), {}, "ignore: nothing recorded")
end)

T.case("kqueue after a reset: EV_EOF with the error in fflags (NetBSD's filt_soread/filt_sowrite)", function()
  local S = boot().S
  local l = listener(S, 80, "127.0.0.1")
  local c = assert(S.socket("inet", "stream"))
  assert(S.connect(c, S.t.sockaddr_in(80, "127.0.0.1")))
  local s = assert(S.accept(l))
  local kq = assert(S.kqueue())
  local function events()
    local got = {}
    for _, ev in assert(S.kevent(kq, nil, 4, 0)) do
      got[ev.filtername] = { eof = ev.EOF and true or false, fflags = tonumber(ev.fflags) }
    end
    return got
  end
  assert(S.kevent(kq, { { fd = s, filter = "read", flags = "add" }, { fd = s, filter = "write", flags = "add" } }, false))
  T.same(events(), { WRITE = { eof = false, fflags = 0 } }, "connected: writable only")
  assert(S.setsockopt(c, "socket", "linger", { onoff = true, linger = 0 }))
  assert(S.close(c))
  T.same(events(), { READ = { eof = true, fflags = 54 }, WRITE = { eof = true, fflags = 54 } },
    "reset: both filters EV_EOF with ECONNRESET (54) in fflags")
  T.fails("CONNRESET", S.recv(s))
  T.same(events(), { READ = { eof = true, fflags = 0 }, WRITE = { eof = true, fflags = 0 } },
    "the error read: EV_EOF, fflags 0")
end)

T.case("SIGPIPE raised in the host thread (the raise model, NetBSD's default), MSG_NOSIGNAL", function()
  local S = require "syscall"
  local util = S.util
  local net = build{ hosts = { "a", "b" }, buses = { lan = { { "a", "10.8.9.1/24" }, { "b", "10.8.9.2/24" } } } }
  T.eq(net.hosts.a.kernel:sigmodel("raise"), "record", "rump.kernel records by default")
  local A, B = net.hosts.a.S, net.hosts.b.S
  local l = listener(B, 80)
  local c = assert(A.socket("inet", "stream"))
  assert(A.connect(c, A.t.sockaddr_in(80, "10.8.9.2")))
  local s = assert(B.accept(l))
  assert(A.shutdown(c, "wr"))
  T.fails("PIPE", A.send(c, "x", nil, "nosignal"))   -- after shutdown(SHUT_WR)
  -- the host's SIGPIPE blocked and read through a signalfd: what the kernel raised
  local old = assert(S.sigprocmask("block", "pipe"))
  T.defer(function() S.sigprocmask("setmask", old) end)
  local sfd = assert(S.signalfd("pipe", "nonblock"))
  T.defer(function() sfd:close() end)
  T.same(util.signalfd_read(sfd), {}, "nothing raised for MSG_NOSIGNAL")
  T.fails("PIPE", A.write(c, "x"))
  local sigs = assert(util.signalfd_read(sfd))
  T.eq(#sigs, 1, "write: one SIGPIPE raised in this thread")
  T.ok(sigs[1].PIPE and sigs[1].pid == S.getpid(), "SIGPIPE from this process")
  T.same(net.hosts.a.kernel:sigpending(), {}, "raise records nothing in the kernel")
  assert(B.close(s))
end)

T.case("urgent data: send/recv MSG_OOB, the mark, SO_OOBINLINE", function()
  local k = boot()
  local S = k.S
  local l = listener(S, 85, "127.0.0.1")
  local c = assert(S.socket("inet", "stream"))
  assert(S.connect(c, S.t.sockaddr_in(85, "127.0.0.1")))
  local s = assert(S.accept(l))
  T.fails("INVAL", S.recv(s, nil, 1, "oob"))
  T.eq(S.send(c, "abc", nil, nil), 3)
  T.eq(S.send(c, "XY", nil, "oob"), 2)
  T.eq(S.send(c, "z", nil, nil), 1)
  T.eq(S.recv(s, nil, 1, "oob, peek"), "Y", "the last urgent byte, peeked")
  T.eq(S.recv(s, nil, 1, "oob"), "Y")
  T.fails("INVAL", S.recv(s, nil, 1, "oob"))
  T.eq(S.recv(s), "abcX", "a read stops at the mark")
  T.eq(S.recv(s), "z")
  assert(S.setsockopt(s, "socket", "oobinline", true))
  T.eq(S.send(c, "!", nil, "oob"), 1)
  T.fails("INVAL", S.recv(s, nil, 1, "oob"))
  T.eq(S.recv(s), "!", "in line with SO_OOBINLINE")
  local u = assert(S.socket("inet", "dgram"))
  T.fails("OPNOTSUPP", S.recv(u, nil, 1, "oob"))
end)

T.case("signal API: bad arguments raise, a missing process is ESRCH", function()
  local k = boot()
  T.err(function() k:sigmodel("loud") end, "bad argument #1 to 'sigmodel'")
  T.err(function() k:sigmask("block", "PIPE") end, "bad argument #2 to 'sigmask'")
  T.err(function() k:sigmask("block", { "NOPE" }) end, "bad argument #2 to 'sigmask'")
  T.err(function() k:psignal(0) end, "bad argument #1 to 'psignal'")
  T.err(function() k:sigpending(-1) end, "bad argument #1 to 'sigpending'")
  T.fails("SRCH", k:sigpending(4242))
  T.eq(k:sigmodel("record"), "record")
  assert(k:psignal("USR1"))
  assert(k:psignal(31))
  T.same(k:sigpending(), { USR1 = true, USR2 = true }, "posted by name and number")
  assert(k:sigclear())
  T.same(k:sigpending(), {})
end)

T.case("non-blocking connect: EINPROGRESS, poll, SO_ERROR (virtual time)", function()
  local net = build{ hosts = { "a" }, buses = { lan = { { "a", "10.8.2.1/24" } } } }
  local A = net.hosts.a.S
  local prev = rump.clock.virtual(true)
  T.defer(function() rump.clock.virtual(prev) end)
  local c = assert(A.socket("inet", "stream, nonblock"))
  T.fails("INPROGRESS", A.connect(c, A.t.sockaddr_in(80, "10.8.2.99")))
  T.fails("ALREADY", A.connect(c, A.t.sockaddr_in(80, "10.8.2.99")))
  assert(A.setsockopt(c, "tcp", "keepinit", 2))
  local n = assert(A.poll({ { fd = c, events = "out" } }, 10000))
  T.eq(n, 1, "writable once the attempt gave up")
  T.eq(A.getsockopt(c, "socket", "error"), 60, "SO_ERROR ETIMEDOUT")
end)

T.case("TCP options and net.inet.tcp sysctls", function()
  local k = boot()
  local S = k.S
  local s = assert(S.socket("inet", "stream"))
  T.eq(S.getsockopt(s, "tcp", "nodelay"), 0)
  assert(S.setsockopt(s, "tcp", "nodelay", true))
  T.eq(S.getsockopt(s, "tcp", "nodelay"), 1)
  T.fails("INVAL", S.setsockopt(s, "tcp", "keepcnt", 0))
  T.eq(S.getsockopt(s, "socket", "sndbuf"), 32768)
  T.eq(S.sysctl("net.inet.tcp.sendspace"), 32768)
  T.eq(S.sysctl("net.inet.tcp.msl"), 30)
  T.eq(S.sysctl("net.inet.tcp.keepidle"), 7200)
  T.eq(S.sysctl("net.inet.tcp.rexmit_min"), 1000)
  T.eq(S.sysctl("net.inet.tcp.rstppslimit"), 100)
  T.eq(S.sysctl("net.inet.tcp.sack"), 1)
  T.fails("INVAL", S.sysctl("net.inet.tcp.ackdropppslimit", -2))
  assert(S.sysctl("net.inet.tcp.recvspace", 65536))
  local s2 = assert(S.socket("inet", "stream"))
  T.eq(S.getsockopt(s2, "socket", "rcvbuf"), 65536, "new sockets take the new default")
end)
