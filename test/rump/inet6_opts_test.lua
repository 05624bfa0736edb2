-- The IPPROTO_IPV6 socket options on TCP, UDP and raw AF_INET6 sockets against NetBSD's
-- ip6_ctloutput: which options each kind accepts and with which errno (NetBSD's
-- tcp_ctloutput hands every level but IPPROTO_TCP to ip6_ctloutput), the defaults, the
-- ranges (IPV6_USE_MIN_MTU -1..1, hops and class -1..255), RFC 3542's IPV6_DONTFRAG and
-- IPV6_RECVPATHMTU (ignored on TCP: read 0), IPV6_PATHMTU (ENOTCONN unconnected; the MTU
-- with the address zeroed when connected, on UDP and TCP), and v4-mapped addresses on raw
-- sockets (bind EADDRNOTAVAIL, connect and send EHOSTUNREACH, IPV6_V6ONLY settable but
-- no IPv4 traffic either way, as NetBSD's raw6).  The same scenario runs on
-- rumpus and, with $RUMPUS_NETBSD_RUMP, on NetBSD's rump kernel in a child process: every
-- answer must agree.  (What the options do on the wire: test/c/inet6_mtuopt_test.c.)
local T = require "rump.test"

local self = debug.getinfo(1, "S").source:match("^@(.*)$")
local C = dofile((self:match("^(.*/)") or "./") .. "shared/nbchild.lua")
local CHILD = os.getenv("RUMPUS_I6OPT_CHILD")

local function observe(S)
  local ffi = require "syscall.ffi"
  local o = {}
  local function put(name, v, e)
    o[name] = v ~= nil and tostring(v) or ("error " .. tostring(e and e.sym or e))
  end
  local function get(s, opt, n)
    local g = ffi.new("uint8_t[64]")
    local ok, l = S.getsockopt(s, 41, opt, g, n or 64)
    if not ok then return nil, l end
    local t = {}
    for i = 0, (tonumber(l) or 0) - 1 do t[#t + 1] = g[i] end
    return tostring(l) .. ":" .. table.concat(t, ",")
  end
  local function set(s, opt, v, len)
    return S.setsockopt(s, 41, opt, ffi.new("int[1]", v), len or 4)
  end
  -- 4 UNICAST_HOPS, 9..11 MULTICAST_IF/HOPS/LOOP, 12 JOIN_GROUP, 26 CHECKSUM, 36 RECVPKTINFO,
  -- 37 RECVHOPLIMIT, 39 RECVHOPOPTS, 42 USE_MIN_MTU, 43 RECVPATHMTU, 44 PATHMTU, 46..50
  -- PKTINFO, HOPLIMIT, NEXTHOP, HOPOPTS, DSTOPTS, 61 TCLASS, 62 DONTFRAG, 67 (none)
  local opts = { 4, 9, 10, 11, 12, 26, 36, 37, 39, 42, 43, 44, 46, 47, 48, 49, 50, 61, 62, 67 }
  for _, ty in ipairs { "stream", "dgram", "raw" } do
    local s = assert(S.socket("inet6", ty, ty == "raw" and 17 or 0))
    for _, opt in ipairs(opts) do put(ty .. " default " .. opt, get(s, opt)) end
    for _, opt in ipairs(opts) do
      put(ty .. " set " .. opt .. " = 1", set(s, opt, 1))
      put(ty .. " then get " .. opt, get(s, opt))
    end
    for _, v in ipairs { -2, -1, 0, 2, 256 } do
      for _, opt in ipairs { 4, 42, 43, 61, 62 } do
        put(ty .. " set " .. opt .. " = " .. v, set(s, opt, v))
        put(ty .. " then get " .. opt .. " (" .. v .. ")", get(s, opt))
      end
    end
    put(ty .. " set 42 of 2 bytes", set(s, 42, 1, 2))
    put(ty .. " set 62 of 2 bytes", set(s, 62, 1, 2))
    s:close()
  end
  local u = assert(S.socket("inet6", "dgram"))
  assert(S.connect(u, S.t.sockaddr_in6(9, "::1")))
  put("connected UDP IPV6_PATHMTU", get(u, 44))
  put("connected UDP IPV6_PATHMTU in 16 bytes", get(u, 44, 16))
  put("IPV6_PATHMTU set", set(u, 44, 1))
  u:close()
  local l = assert(S.socket("inet6", "stream"))
  assert(S.bind(l, S.t.sockaddr_in6(7555, "::1")))
  assert(S.listen(l, 4))
  local c = assert(S.socket("inet6", "stream"))
  put("TCP hops 7 before connect", set(c, 4, 7))
  put("TCP tclass 0x28 before connect", set(c, 61, 0x28))
  assert(S.connect(c, S.t.sockaddr_in6(7555, "::1")))
  put("connected TCP IPV6_PATHMTU", get(c, 44))
  put("connected TCP hops", get(c, 4))
  local a = S.accept(l)
  put("accepted TCP hops", get(a, 4))
  put("accepted TCP tclass", get(a, 61))
  a:close(); c:close(); l:close()
  -- v4-mapped addresses on raw sockets (NetBSD's rip6_bind/rip6_connect/rip6_output),
  -- IPV6_V6ONLY on or off
  for _, proto in ipairs { 17, 58, 0 } do
    for _, v6only in ipairs { "default", 0, 1 } do
      local tag = "raw " .. proto .. " v6only " .. v6only .. ": "
      local s = assert(S.socket("inet6", "raw", proto))
      if v6only ~= "default" then put(tag .. "set v6only", S.setsockopt(s, "ipv6", "v6only", v6only)) end
      put(tag .. "v6only", S.getsockopt(s, "ipv6", "v6only"))
      put(tag .. "bind ::ffff:127.0.0.1", S.bind(s, S.t.sockaddr_in6(0, "::ffff:127.0.0.1")))
      put(tag .. "bind ::ffff:0.0.0.0", S.bind(s, S.t.sockaddr_in6(0, "::ffff:0.0.0.0")))
      put(tag .. "sendto ::ffff:127.0.0.1", S.sendto(s, "abcdefgh", 8, 0,
        S.t.sockaddr_in6(0, "::ffff:127.0.0.1")))
      put(tag .. "connect ::ffff:127.0.0.1", S.connect(s, S.t.sockaddr_in6(0, "::ffff:127.0.0.1")))
      put(tag .. "send", S.send(s, "abcdefgh", 8))
      put(tag .. "bind ::1", S.bind(s, S.t.sockaddr_in6(0, "::1")))
      s:close()
    end
  end
  return o
end

if CHILD then C.child(observe) end

local rumpus

T.case("rumpus: IPPROTO_IPV6 options on TCP, UDP and raw sockets", function()
  rumpus = C.rumpus(observe)
  T.eq(rumpus["stream then get 4"], "4:1,0,0,0", "IPV6_UNICAST_HOPS on TCP")
  T.eq(rumpus["stream then get 61"], "4:1,0,0,0", "IPV6_TCLASS on TCP")
  T.eq(rumpus["stream default 4"], "4:255,255,255,255", "unset hops read -1")
  T.eq(rumpus["stream then get 62"], "4:0,0,0,0", "IPV6_DONTFRAG ignored on TCP")
  T.eq(rumpus["dgram then get 62"], "4:1,0,0,0", "IPV6_DONTFRAG on UDP")
  T.eq(rumpus["dgram set 42 = 2"], "error EINVAL", "IPV6_USE_MIN_MTU 2")
  T.eq(rumpus["dgram default 42"], "4:255,255,255,255", "IPV6_USE_MIN_MTU -1 by default")
  T.eq(rumpus["stream default 44"], "error ENOTCONN", "IPV6_PATHMTU unconnected")
  T.eq(rumpus["connected TCP IPV6_PATHMTU"]:match(":(.*)$"):sub(-10), "88,131,0,0",
    "lo0's MTU, 33624")
  T.eq(rumpus["dgram then get 12"], "error EOPNOTSUPP", "getsockopt IPV6_JOIN_GROUP")
  T.eq(rumpus["raw 58 v6only 0: set v6only"], "true", "IPV6_V6ONLY settable on raw sockets")
  T.eq(rumpus["raw 58 v6only 0: bind ::ffff:127.0.0.1"], "error EADDRNOTAVAIL",
    "no mapped address on a raw socket, dual stack or not")
  T.eq(rumpus["raw 17 v6only 0: sendto ::ffff:127.0.0.1"], "error EHOSTUNREACH")
  T.eq(rumpus["raw 0 v6only 1: connect ::ffff:127.0.0.1"], "error EHOSTUNREACH")
end)

T.case("NetBSD's kernel answers the same", function()
  local theirs = C.run(self, C.prefix(), { { "RUMPUS_I6OPT_CHILD", "1" } })
  C.compare(rumpus, theirs)
end)
