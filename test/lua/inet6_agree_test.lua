-- The same dual-stack scenario on rumpus kernels (rump.net, net.netinet6) and on the host
-- (rump.hostnet: Linux network namespaces, as root): a - r - b with IPv4 and IPv6 on every
-- link, default routes of both families; UDP and TCP over IPv6 and IPv4 across the router,
-- a closed port, ICMP echo (ping), hop-limit / TTL expiry and no route at the router.  What each side observes must agree.  Without root the host half is
-- skipped (the rumpus half still runs and checks its own observations).
local T = require "rump.test"
local rnet = require "rump.net"

local spec = {
  hosts = { "a", "b" }, routers = { "r" },
  links = {
    { "a", "r", { "10.41.0.1/24", "2001:db8:41::1/64" }, { "10.41.0.2/24", "2001:db8:41::2/64" } },
    { "r", "b", { "10.42.0.1/24", "2001:db8:42::1/64" }, { "10.42.0.2/24", "2001:db8:42::2/64" } },
  },
  routes = {
    a = { { "default", "10.41.0.2" }, { "default", "2001:db8:41::2" } },
    b = { { "default", "10.42.0.1" }, { "default", "2001:db8:42::1" } },
  },
}

-- Waits for a readable socket (bounded), with the host's or the kernel's poll.
local function readable(S, s)
  S.poll({ { fd = s, events = "in" } }, 3000)
  return s
end

-- Retries f while the addresses are still being checked for duplicates (both stacks do
-- DAD: a tentative source is EADDRNOTAVAIL, or a send just goes nowhere yet).
local function settle(S, f)
  local r, e
  for _ = 1, 50 do
    r, e = f()
    if r then return r end
    S.poll({}, 100)
  end
  return r, e
end

-- The scenario: what a and b see.  S, t: the syscall table and types of each side.
local function scenario(net, Sa, Sb, ta, tb)
  local a, b = net.hosts.a, net.hosts.b
  local seen = {}
  for _, fam in ipairs { { "inet6", "2001:db8:42::2", tb.sockaddr_in6, ta.sockaddr_in6, "::" },
                         { "inet", "10.42.0.2", tb.sockaddr_in, ta.sockaddr_in, "0.0.0.0" } } do
    local af, dst, sab, saa, any = fam[1], fam[2], fam[3], fam[4], fam[5]
    -- UDP a -> b
    local us = assert(b:socket(af, "dgram"))
    assert(us:bind(sab(7101, any)))
    local uc = assert(a:socket(af, "dgram"))
    local ok = settle(Sa, function()
      local n = uc:sendto("over the router", nil, 0, saa(7101, dst))
      if not n then return nil end
      Sb.poll({ { fd = us, events = "in" } }, 300)
      local data, _, from = us:recvfrom(nil, 100, "dontwait")
      if data then seen[af .. " udp"] = data .. " from " .. tostring(from.addr) end
      return data ~= nil
    end)
    T.ok(ok, af .. ": a datagram crossed")
    -- a connected UDP socket to a closed port: the error comes back
    local cc = assert(a:socket(af, "dgram"))
    assert(cc:connect(saa(7199, dst)))
    assert(cc:send("anyone?"))
    readable(Sa, cc)
    local _, err = cc:recv(nil, 100, "dontwait")
    seen[af .. " closed port"] = err and (err.CONNREFUSED and "ECONNREFUSED" or tostring(err)) or "nothing"
    -- TCP a -> b and back
    local ls = assert(b:socket(af, "stream"))
    assert(ls:setsockopt("socket", "reuseaddr", true))
    assert(ls:bind(sab(7102, any)))
    assert(ls:listen())
    local cs = assert(a:socket(af, "stream"))
    assert(cs:connect(saa(7102, dst)))
    readable(Sb, ls)
    local as, _, peer = assert(ls:accept())
    seen[af .. " tcp peer"] = tostring(peer.addr)
    assert(cs:write("ping"))
    readable(Sb, as)
    local got = as:read(nil, 16)
    assert(as:write("pong"))
    readable(Sa, cs)
    seen[af .. " tcp"] = tostring(got) .. "/" .. tostring(cs:read(nil, 16))
    for _, s in ipairs { us, uc, cc, ls, cs, as } do s:close() end
  end
  -- ICMP: an echo across the router, one with hop limit / TTL 1 (time exceeded from r),
  -- one to a prefix r has no route for (unreachable from r); the first ICMP message that
  -- is neither our request nor ND/MLD, as "type code from address"
  local function icmp(af, dst, hops)
    local v6 = af == "inet6"
    local s = assert(a:socket(af, "raw, nonblock", v6 and 58 or 1))
    if hops then
      if v6 then assert(s:setsockopt("ipv6", "unicast_hops", hops))
      else assert(s:setsockopt("ip", "ttl", hops)) end
    end
    local req = v6 and string.char(128, 0, 0, 0, 0x72, 0x75, 0, 1) .. "agree" or
      rnet.echo_request(0x7275, 1, "agree")
    local sa = v6 and ta.sockaddr_in6(0, dst) or ta.sockaddr_in(0, dst)
    local got = settle(Sa, function()
      if not s:sendto(req, nil, 0, sa) then return nil end
      for _ = 1, 10 do
        Sa.poll({ { fd = s, events = "in" } }, 300)
        local pkt, _, from = s:recvfrom(nil, 2048, "dontwait")
        if not pkt then break end
        local o = v6 and 0 or (pkt:byte(1) % 16) * 4
        local ty, code = pkt:byte(o + 1), pkt:byte(o + 2)
        if not (v6 and (ty == 128 or (ty >= 130 and ty <= 137) or ty == 143)) and
           not (not v6 and ty == 8) then
          return ty .. " " .. code .. " from " .. tostring(from.addr)
        end
      end
      return nil
    end)
    s:close()
    return got or "nothing"
  end
  seen["inet6 echo"] = icmp("inet6", "2001:db8:42::2")
  seen["inet6 hop limit 1"] = icmp("inet6", "2001:db8:42::2", 1)
  seen["inet6 no route at r"] = icmp("inet6", "2001:db8:99::1")
  seen["inet echo"] = icmp("inet", "10.42.0.2")
  seen["inet ttl 1"] = icmp("inet", "10.42.0.2", 1)
  return seen
end

local expect = {
  ["inet6 udp"] = "over the router from 2001:db8:41::1",
  ["inet6 closed port"] = "ECONNREFUSED",
  ["inet6 tcp peer"] = "2001:db8:41::1",
  ["inet6 tcp"] = "ping/pong",
  ["inet udp"] = "over the router from 10.41.0.1",
  ["inet closed port"] = "ECONNREFUSED",
  ["inet tcp peer"] = "10.41.0.1",
  ["inet tcp"] = "ping/pong",
  ["inet6 echo"] = "129 0 from 2001:db8:42::2",
  ["inet6 hop limit 1"] = "3 0 from 2001:db8:41::2",
  ["inet6 no route at r"] = "1 0 from 2001:db8:41::2",
  ["inet echo"] = "0 0 from 10.42.0.2",
  ["inet ttl 1"] = "11 0 from 10.41.0.2",
}

local rumpseen

T.case("rump.net: the dual-stack scenario on rumpus kernels", function()
  local net, err, step = rnet.build(spec)
  assert(net, tostring(err) .. " at " .. tostring(step))
  T.defer(function() net:destroy() end)
  assert(net:dad_wait())
  local S = net.hosts.a.S
  rumpseen = scenario(net, S, net.hosts.b.S, S.t, net.hosts.b.S.t)
  for k, v in pairs(expect) do T.eq(rumpseen[k], v, k) end
end)

T.case("rump.hostnet: the same scenario on the host agrees", function()
  if not T.root() then T.skip("needs root (network namespaces)") end
  local S = require "syscall"
  local hostnet = require "rump.hostnet"
  local net, err, step = hostnet.build(spec)
  if not net then
    T.skip("the host cannot build the namespaces: " .. tostring(err) .. " at " .. tostring(step))
  end
  T.defer(function() net:destroy() end)
  -- run every call inside the right namespace: hostnet's sockets are made in it
  local seen = scenario(net, S, S, S.t, S.t)
  for k, v in pairs(expect) do T.eq(seen[k], v, "host: " .. k) end
  if rumpseen then
    for k in pairs(expect) do T.eq(seen[k], rumpseen[k], "rumpus and the host agree on " .. k) end
  end
end)
