-- The listen path from Lua (k.S): NetBSD's SYN cache sysctls (net.inet.tcp.syn_cache_limit,
-- syn_bucket_limit, syn_cache_interval), kern.somaxconn capping listen()'s backlog with the
-- listen queue's rules (a SYN waits in the cache while at most the backlog wait for
-- accept()), and SIGURG to a socket's owner (fcntl "setown") under the "record" signal
-- model.  The segment-level rules are in test/c/tcp_syncache_test.c and tcp_sigurg_test.c.
local T = require "rump.test"
local rump = require "rump"

local function boot()
  local k = rump.kernel{ "net.netinet" }
  T.defer(function() k:destroy() end)
  return k
end

T.case("sysctls: kern.somaxconn and the SYN cache's, NetBSD's names and defaults", function()
  local S = boot().S
  T.eq(S.sysctl("kern.somaxconn"), 128)
  T.eq(S.sysctl("net.inet.tcp.syn_cache_limit"), 10255)
  T.eq(S.sysctl("net.inet.tcp.syn_bucket_limit"), 105)
  T.eq(S.sysctl("net.inet.tcp.syn_cache_interval"), 1)
  T.eq(S.sysctl("kern.somaxconn", 64), 128, "a write returns the old value")
  T.eq(S.sysctl("kern.somaxconn"), 64)
  T.fails("INVAL", S.sysctl("kern.somaxconn", -1))
  T.eq(S.sysctl("net.inet.tcp.syn_cache_limit", 500), 10255)
  T.eq(S.sysctl("net.inet.tcp.syn_cache_limit"), 500)
  T.fails("INVAL", S.sysctl("net.inet.tcp.syn_bucket_limit", 0))
  T.eq(S.sysctl("net.inet.tcp.syn_cache_interval", 4), 1)
  T.eq(S.sysctl("net.inet.tcp.syn_cache_interval"), 4)
end)

T.case("kern.somaxconn caps the backlog: three connect at once, the fourth waits", function()
  local k = boot()
  local S = k.S
  assert(S.sysctl("kern.somaxconn", 2))
  local l = assert(S.socket("inet", "stream"))
  assert(S.bind(l, S.t.sockaddr_in(90, "127.0.0.1")))
  assert(S.listen(l, 100))      -- capped to 2
  local cs = {}
  for i = 1, 4 do
    local c = assert(S.socket("inet", "stream, nonblock"))
    local ok, err = S.connect(c, S.t.sockaddr_in(90, "127.0.0.1"))
    cs[i] = { c = c, ok = ok, err = err }
  end
  -- through lo0 a handshake completes inside connect(): the SYN finds a cache entry while
  -- at most 2 wait for accept(), the third still fits the queue (3 * 2 / 2 + 1)
  for i = 1, 3 do T.ok(cs[i].ok, "connection " .. i .. " at once") end
  T.ok(not cs[4].ok and cs[4].err.INPROGRESS, "the fourth's SYN was dropped: EINPROGRESS")
  assert(S.fcntl(l, "setfl", "nonblock"))
  local n = 0
  while S.accept(l) do n = n + 1 end
  T.eq(n, 3, "three to accept")
  -- its SYN retransmitted (RTO 1 s) now finds room
  local ev = assert(S.poll({ { fd = cs[4].c, events = "out" } }, 5000))
  T.eq(ev, 1, "the fourth connects after its retransmission")
  T.eq(S.getsockopt(cs[4].c, "socket", "error"), 0)
end)

T.case("SIGURG: fcntl setown, urgent data from the peer, the record model", function()
  local k = boot()
  local S = k.S
  k:sigmodel("record")
  local l = assert(S.socket("inet", "stream"))
  assert(S.bind(l, S.t.sockaddr_in(91, "127.0.0.1")))
  assert(S.listen(l, 5))
  local c = assert(S.socket("inet", "stream"))
  assert(S.connect(c, S.t.sockaddr_in(91, "127.0.0.1")))
  local s = assert(S.accept(l))
  T.eq(S.fcntl(s, "getown"), 0, "no owner")
  T.eq(S.send(c, "x", nil, "oob"), 1)
  T.ok(not k:sigpending().URG, "no owner: no SIGURG")
  T.eq(S.recv(s, nil, 1, "oob"), "x")
  assert(S.fcntl(s, "setown", S.getpid()))
  T.eq(S.fcntl(s, "getown"), S.getpid())
  T.fails("SRCH", S.fcntl(s, "setown", 4242))
  T.eq(S.send(c, "y", nil, "oob"), 1)
  T.ok(k:sigpending().URG, "SIGURG pending on the owner")
  T.eq(S.recv(s, nil, 1, "oob"), "y")
  k:sigclear()
  T.ok(not k:sigpending().URG)
  -- a process group (its negative; F_GETOWN would answer -1 for group 1, which no
  -- caller can tell from an error, on NetBSD too)
  assert(S.fcntl(s, "setown", -S.getpgrp()))
  T.eq(S.send(c, "z", nil, "oob"), 1)
  T.ok(k:sigpending().URG, "SIGURG to the group")
end)
