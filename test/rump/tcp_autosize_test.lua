-- NetBSD's TCP socket-buffer auto-sizing through rump: the net.inet.tcp sysctls
-- (recvbuf_auto, recvbuf_inc, recvbuf_max, sendbuf_auto, sendbuf_inc, sendbuf_max) by
-- name, and over lo0: a bulk transfer grows the receiver's SO_RCVBUF and the sender's
-- SO_SNDBUF; SO_SNDBUF set by the application stays (an accepted socket starts at its
-- listener's set size and is auto-sized all the same, as NetBSD's); recvbuf_auto and
-- sendbuf_auto 0 keep the 32 KB of recvspace/sendspace.  The same scenario runs on a
-- rumpus kernel and, with $RUMPUS_NETBSD_RUMP, on NetBSD's rump kernel in a child
-- process: both must observe the same.
local T = require "rump.test"

local self = debug.getinfo(1, "S").source:match("^@(.*)$")
local C = dofile((self:match("^(.*/)") or "./") .. "shared/nbchild.lua")
local CHILD = os.getenv("RUMPUS_TCPAUTO_CHILD")

local NAMES = { "recvbuf_auto", "recvbuf_inc", "recvbuf_max", "sendbuf_auto", "sendbuf_inc",
  "sendbuf_max" }

-- The scenario on lo0 of the kernel of S: a table of observations (text).
local function observe(S)
  local o = {}
  local function put(name, v, e)
    o[name] = v ~= nil and tostring(v) or ("error " .. tostring(e and e.sym or e))
  end
  for _, n in ipairs(NAMES) do put("sysctl net.inet.tcp." .. n, S.sysctl("net.inet.tcp." .. n)) end
  put("sysctl recvspace", S.sysctl("net.inet.tcp.recvspace"))

  local port = 7300
  -- A connection over lo0 (set: SO_SNDBUF and SO_RCVBUF of both ends before connect),
  -- bytes pushed through it until both buffers grew or 64 MB went; the buffer sizes after.
  local function transfer(set)
    port = port + 1
    local l = assert(S.socket("inet", "stream"))
    if set then
      assert(S.setsockopt(l, "socket", "rcvbuf", set))
      assert(S.setsockopt(l, "socket", "sndbuf", set))
    end
    assert(S.bind(l, S.t.sockaddr_in(port, "127.0.0.1")))
    assert(S.listen(l, 4))
    local c = assert(S.socket("inet", "stream"))
    if set then
      assert(S.setsockopt(c, "socket", "rcvbuf", set))
      assert(S.setsockopt(c, "socket", "sndbuf", set))
    end
    assert(S.nonblock(c))
    S.connect(c, S.t.sockaddr_in(port, "127.0.0.1"))
    local a
    for _ = 1, 1000 do
      a = S.accept(l)
      if a then break end
    end
    assert(a, "accepted")
    assert(S.nonblock(a))
    local chunk = string.rep("autosize", 2048)		-- 16 KB
    local moved, sent, limit = 0, 0, 64 * 1024 * 1024
    local t0 = os.time()
    -- NetBSD measures the round trip in 500 ms ticks of its real clock and grows a buffer
    -- at most once a tick: a fast host moves 64 MB within one tick, before NetBSD's
    -- kernel may grow anything, so the transfer goes on for two seconds at least
    while moved < limit or os.time() - t0 < 2 do
      local w = S.write(c, chunk)
      if w then sent = sent + w end
      repeat
        local r = S.read(a, nil, 65536)
        if r then moved = moved + #r end
      until not r or #r == 0
      if moved % (1024 * 1024) < 16384 then
        if not set and S.getsockopt(a, "socket", "rcvbuf") > 32768 and
          S.getsockopt(c, "socket", "sndbuf") > 32768 then break end
        if set and S.getsockopt(a, "socket", "rcvbuf") > set then break end
        if os.time() - t0 > 20 then break end
      end
    end
    local r = { S.getsockopt(c, "socket", "sndbuf"), S.getsockopt(a, "socket", "rcvbuf"),
      S.getsockopt(c, "socket", "rcvbuf"), S.getsockopt(a, "socket", "sndbuf") }
    c:close(); a:close(); l:close()
    return r
  end

  local b = transfer()
  put("the sender's SO_SNDBUF grew", b[1] > 32768)
  put("the receiver's SO_RCVBUF grew", b[2] > 32768)
  put("within sb_max (256 KB)", b[1] <= 262144 and b[2] <= 262144)
  -- under lo0's MSS (NetBSD rounds a buffer of at least one MSS up to whole segments
  -- when the connection is established, tcp_mss_from_peer: not auto-sizing)
  b = transfer(20000)
  put("set SO_SNDBUF 20000 after a transfer", b[1])
  put("the accepted socket of a listener with SO_RCVBUF 20000 grew from it", b[2] > 20000)
  put("recvbuf_auto 0 (old value)", S.sysctl("net.inet.tcp.recvbuf_auto", 0))
  put("sendbuf_auto 0 (old value)", S.sysctl("net.inet.tcp.sendbuf_auto", 0))
  b = transfer()
  put("auto-sizing off: SO_SNDBUF after a transfer", b[1])
  put("auto-sizing off: SO_RCVBUF after a transfer", b[2])
  S.sysctl("net.inet.tcp.recvbuf_auto", 1)
  S.sysctl("net.inet.tcp.sendbuf_auto", 1)
  return o
end

-- Child: NetBSD's kernel, prints the observations -------------------------------------------
if CHILD then
  local rump = require "rump"
  local k = rump.kernel{ "net", "net.net", "net.netinet", backend = "netbsd" }
  C.report(observe(k.S))
end

-- Parent --------------------------------------------------------------------------------------
local rumpus

-- What rumpus must answer (NetBSD's defaults and rules, docs/netinet.md)
local expect = {
  ["sysctl net.inet.tcp.recvbuf_auto"] = "1",
  ["sysctl net.inet.tcp.recvbuf_inc"] = "16384",
  ["sysctl net.inet.tcp.recvbuf_max"] = "262144",
  ["sysctl net.inet.tcp.sendbuf_auto"] = "1",
  ["sysctl net.inet.tcp.sendbuf_inc"] = "8192",
  ["sysctl net.inet.tcp.sendbuf_max"] = "262144",
  ["sysctl recvspace"] = "32768",
  ["the sender's SO_SNDBUF grew"] = "true",
  ["the receiver's SO_RCVBUF grew"] = "true",
  ["within sb_max (256 KB)"] = "true",
  ["set SO_SNDBUF 20000 after a transfer"] = "20000",
  ["the accepted socket of a listener with SO_RCVBUF 20000 grew from it"] = "true",
  ["recvbuf_auto 0 (old value)"] = "1",
  ["sendbuf_auto 0 (old value)"] = "1",
  ["auto-sizing off: SO_SNDBUF after a transfer"] = "32768",
  ["auto-sizing off: SO_RCVBUF after a transfer"] = "32768",
}

T.case("rumpus: auto-sized TCP buffers on lo0, NetBSD's sysctls and rules", function()
  local rump = require "rump"
  local k = rump.kernel{ "net.netinet" }
  T.defer(function() k:destroy() end)
  rumpus = observe(k.S)
  for key, v in pairs(expect) do T.eq(rumpus[key], v, key) end
  -- the sysctls refuse nonsense
  local ok, e = k.S.sysctl("net.inet.tcp.recvbuf_inc", 0)
  T.eq(ok, nil, "recvbuf_inc 0 refused")
  T.eq(e and e.sym, "EINVAL", "with EINVAL")
end)

T.case("NetBSD's kernel observes the same", function()
  local theirs = C.run(self, C.prefix(), { { "RUMPUS_TCPAUTO_CHILD", "1" } })
  C.compare(rumpus, theirs)
end)
