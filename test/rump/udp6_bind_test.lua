-- UDP port conflicts across the families: AF_INET and AF_INET6 datagram sockets (with and
-- without IPV6_V6ONLY, bound to ::, IPv6, IPv4 or v4-mapped addresses, with and without
-- SO_REUSEADDR/SO_REUSEPORT) binding one port, NetBSD's in_pcbbind_port and
-- in6_pcbbind_port rules.  The same pairs run on a rumpus kernel (its key answers checked
-- here) and, with $RUMPUS_NETBSD_RUMP, on NetBSD's rump kernel in a child process: every
-- answer must agree.  Then datagrams to a port held by both families go where NetBSD
-- sends them.
local T = require "rump.test"

local self = debug.getinfo(1, "S").source:match("^@(.*)$")
local C = dofile((self:match("^(.*/)") or "./") .. "shared/nbchild.lua")
local CHILD = os.getenv("RUMPUS_UDP6_CHILD")

local function observe(S)
  local o, put, sock, closeall, sa = C.observer(S, "dgram")
  local RA, RP = { "reuseaddr" }, { "reuseport" }
  local pairs_ = {
    { { "inet", "0.0.0.0" }, { "inet6", "::", true } },
    { { "inet", "0.0.0.0" }, { "inet6", "::", false } },
    { { "inet6", "::", false }, { "inet", "0.0.0.0" } },
    { { "inet6", "::", false }, { "inet", "127.0.0.1" } },
    { { "inet6", "::", true }, { "inet", "0.0.0.0" } },
    { { "inet6", "::", false }, { "inet6", "::ffff:127.0.0.1", false } },
    { { "inet6", "::ffff:127.0.0.1", false }, { "inet", "127.0.0.1" } },
    { { "inet", "127.0.0.1" }, { "inet6", "::ffff:127.0.0.1", false } },
    { { "inet6", "::ffff:127.0.0.1", false }, { "inet6", "::", false } },
    { { "inet6", "::", false, RA }, { "inet", "127.0.0.1", nil, RA } },
    { { "inet6", "::", false, RA }, { "inet", "0.0.0.0", nil, RA } },
    { { "inet6", "::", false, RP }, { "inet", "0.0.0.0", nil, RP } },
    { { "inet6", "::1" }, { "inet", "0.0.0.0" } },
    { { "inet", "0.0.0.0" }, { "inet6", "::ffff:0.0.0.0", false } },
    { { "inet6", "::", false }, { "inet6", "::", true } },
    { { "inet6", "::", true }, { "inet6", "::", false } },
    { { "inet", "127.0.0.1" }, { "inet6", "::", false } },
    { { "inet6", "::", false }, { "inet6", "::1", false } },
    { { "inet6", "::", false, RA }, { "inet6", "::1", false, RA } },
    { { "inet6", "::ffff:127.0.0.1", false, RP }, { "inet", "127.0.0.1", nil, RP } },
    { { "inet", "127.0.0.1", nil, RP }, { "inet6", "::ffff:127.0.0.1", false, RP } },
    { { "inet", "127.0.0.1", nil, RP }, { "inet6", "::ffff:127.0.0.1", false } },
    { { "inet6", "::ffff:0.0.0.0", false }, { "inet", "127.0.0.1" } },
    { { "inet6", "::ffff:0.0.0.0", false }, { "inet", "127.0.0.1", nil, RA } },
    { { "inet", "0.0.0.0" }, { "inet6", "::ffff:127.0.0.1", false } },
    { { "inet", "0.0.0.0" }, { "inet6", "::ffff:127.0.0.1", false, RA } },
    { { "inet6", "::", true }, { "inet6", "::1", true } },
    { { "inet6", "::", true, RA }, { "inet6", "::1", true, RA } },
    { { "inet6", "::1", true }, { "inet6", "::1", true } },
    { { "inet6", "::1", true, RP }, { "inet6", "::1", true, RP } },
    { { "inet6", "::ffff:127.0.0.1", false }, { "inet6", "::ffff:0.0.0.0", false } },
    { { "inet6", "::", false }, { "inet6", "::ffff:0.0.0.0", false } },
  }
  local function spec(x)
    return x[1] .. " " .. x[2] .. (x[3] == nil and "" or x[3] and " v6only" or " dual") ..
      (x[4] and (" " .. table.concat(x[4], ",")) or "")
  end
  for i, p in ipairs(pairs_) do
    local port = 7300 + i
    local s1 = sock(p[1][1], p[1][3], p[1][4])
    assert(S.bind(s1, sa(p[1][2], port)))
    local s2 = sock(p[2][1], p[2][3], p[2][4])
    local ok, e = S.bind(s2, sa(p[2][2], port))
    put(("bind %02d: %s then %s"):format(i, spec(p[1]), spec(p[2])), ok and "ok", e)
    closeall()
  end

  -- where an IPv4 datagram goes when both families hold the port
  local function deliver(first, second, tag)
    local s1 = sock(first[1], first[3], first[4])
    assert(S.bind(s1, sa(first[2], 7400)))
    local s2 = sock(second[1], second[3], second[4])
    local ok, e = S.bind(s2, sa(second[2], 7400))
    if not ok then
      put(tag, nil, e)
      closeall()
      return
    end
    local c = sock("inet")
    assert(S.sendto(c, "v4", 2, 0, sa("127.0.0.1", 7400)))
    -- NetBSD's loopback delivers from a soft interrupt: wait for either (bounded)
    S.poll({ { fd = s1, events = "in" }, { fd = s2, events = "in" } }, 2000)
    local got = {}
    for i, s in ipairs({ s1, s2 }) do
      if S.recvfrom(s, nil, 16, "dontwait") then got[#got + 1] = tostring(i) end
    end
    put(tag, #got > 0 and table.concat(got, "+") or "none")
    closeall()
  end
  -- ephemeral ports (bind to port 0, an implicit bind at sendto) with the other family
  -- holding the range: NetBSD's portalgo check_suitable_port looks an IPv4 port up among
  -- the IPv4 pcbs only (in_pcblookup_port), an IPv6 one on :: among the IPv6 pcbs only
  assert(S.sysctl("net.inet.ip.anonportmin", 7500) and S.sysctl("net.inet.ip.anonportmax", 7501))
  assert(S.sysctl("net.inet6.ip6.anonportmin", 7502) and S.sysctl("net.inet6.ip6.anonportmax", 7503))
  local function name(s, tag, lo)	-- the port taken: one of the other family's?
    local a, e = S.getsockname(s)
    put(tag, a and (a.port == lo or a.port == lo + 1) and "held" or a and a.port, e)
  end
  for _, p in ipairs({ 7500, 7501 }) do assert(S.bind(sock("inet6", false), sa("::", p))) end
  local e4 = sock("inet")
  put("ephemeral: IPv4 bind to port 0 under dual-stack :: holders", S.bind(e4, sa("0.0.0.0", 0)))
  name(e4, "ephemeral: IPv4 bind to port 0 under dual-stack :: holders, port", 7500)
  local i4 = sock("inet")
  put("ephemeral: IPv4 sendto under dual-stack :: holders",
    S.sendto(i4, "x", 1, 0, sa("127.0.0.1", 9)))
  name(i4, "ephemeral: IPv4 sendto under dual-stack :: holders, port", 7500)
  for _, p in ipairs({ 7502, 7503 }) do assert(S.bind(sock("inet"), sa("0.0.0.0", p))) end
  local e6 = sock("inet6", false)
  put("ephemeral: dual-stack :: bind to port 0 under IPv4 holders", S.bind(e6, sa("::", 0)))
  name(e6, "ephemeral: dual-stack :: bind to port 0 under IPv4 holders, port", 7502)
  closeall()
  S.sysctl("net.inet.ip.anonportmax", 65535)
  S.sysctl("net.inet.ip.anonportmin", 49152)
  S.sysctl("net.inet6.ip6.anonportmax", 65535)
  S.sysctl("net.inet6.ip6.anonportmin", 49152)

  deliver({ "inet", "0.0.0.0", nil, RA }, { "inet6", "::", false, RA },
    "IPv4 datagram: 0.0.0.0 then dual :: (reuseaddr) goes to")
  deliver({ "inet", "0.0.0.0" }, { "inet6", "::", false },
    "IPv4 datagram: 0.0.0.0 then dual :: goes to")
  deliver({ "inet6", "::", false, RP }, { "inet", "0.0.0.0", nil, RP },
    "IPv4 datagram: dual :: then 0.0.0.0 (reuseport) goes to")
  return o
end

-- Child: NetBSD's kernel, prints the observations ---------------------------------------------
if CHILD then C.child(observe) end

local rumpus

T.case("rumpus: UDP binds across the families, NetBSD's rules", function()
  rumpus = C.rumpus(observe)
  T.eq(rumpus["bind 03: inet6 :: dual then inet 0.0.0.0"], "error EADDRINUSE",
    "an IPv4 bind sees a dual-stack ::")
  T.eq(rumpus["bind 04: inet6 :: dual then inet 127.0.0.1"], "error EADDRINUSE",
    "an IPv4 address under a dual-stack ::")
  T.eq(rumpus["bind 07: inet6 ::ffff:127.0.0.1 dual then inet 127.0.0.1"], "error EADDRINUSE",
    "the same IPv4 address, mapped and not")
  T.eq(rumpus["bind 08: inet 127.0.0.1 then inet6 ::ffff:127.0.0.1 dual"], "error EADDRINUSE",
    "a mapped bind sees the IPv4 socket")
  T.eq(rumpus["bind 01: inet 0.0.0.0 then inet6 :: v6only"], "ok", "V6ONLY never meets IPv4")
  T.eq(rumpus["bind 05: inet6 :: v6only then inet 0.0.0.0"], "ok", "V6ONLY never meets IPv4")
  T.eq(rumpus["bind 02: inet 0.0.0.0 then inet6 :: dual"], "ok",
    "an IPv6 bind to :: does not look at IPv4 sockets")
  T.eq(rumpus["bind 12: inet6 :: dual reuseport then inet 0.0.0.0 reuseport"], "ok",
    "SO_REUSEPORT on both")
  T.eq(rumpus["bind 20: inet6 ::ffff:127.0.0.1 dual reuseport then inet 127.0.0.1 reuseport"],
    "ok", "SO_REUSEPORT on both, mapped and IPv4")
  T.eq(rumpus["bind 22: inet 127.0.0.1 reuseport then inet6 ::ffff:127.0.0.1 dual"],
    "error EADDRINUSE", "SO_REUSEPORT on one only")
  T.eq(rumpus["bind 19: inet6 :: dual reuseaddr then inet6 ::1 dual reuseaddr"], "ok",
    "SO_REUSEADDR lets an address under a wildcard")
  T.eq(rumpus["IPv4 datagram: 0.0.0.0 then dual :: goes to"], "1", "the IPv4 socket first")
  -- NetBSD's ephemeral search stays in its family (observed on its rump kernel too)
  T.eq(rumpus["ephemeral: IPv4 bind to port 0 under dual-stack :: holders"], "true")
  T.eq(rumpus["ephemeral: IPv4 bind to port 0 under dual-stack :: holders, port"], "held")
  T.eq(rumpus["ephemeral: IPv4 sendto under dual-stack :: holders, port"], "held")
  T.eq(rumpus["ephemeral: dual-stack :: bind to port 0 under IPv4 holders, port"], "held")
end)

T.case("NetBSD's kernel observes the same", function()
  local theirs = C.run(self, C.prefix(), { { "RUMPUS_UDP6_CHILD", "1" } })
  C.compare(rumpus, theirs)
end)
