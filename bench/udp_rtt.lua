-- UDP round trip of 64 bytes, one thread, side by side in one run:
--   two rumpus kernels on a bus (k.S sockets), and
--   Linux veth between two network namespaces (S sockets; needs root).
-- Median of many round trips; each side sends, the other receives and answers.
local S = require "syscall"
local rump = require "rump"
local rnet = require "rump.net"

local function now() return S.clock_gettime("monotonic").time end
local N = tonumber(arg and arg[1]) or 20000
local payload = string.rep("x", 64)

local function rtt(sa, sb, addrb, addra, bufa, bufb)
  local lat = {}
  for i = 1, N do
    local t0 = now()
    sa:sendto(payload, 64, 0, addrb)
    sb:recvfrom(bufb, 2048)
    sb:sendto(payload, 64, 0, addra)
    sa:recvfrom(bufa, 2048)
    lat[i] = now() - t0
  end
  table.sort(lat)
  return lat[math.floor(N / 2)] * 1e6, lat[math.floor(N * 0.99)] * 1e6
end

print("udp_rtt: 64-byte UDP round trip, one thread (median, p99)")

-- Kernels on a bus.
do
  local net = assert(rnet.build{ hosts = { "a", "b" }, buses = { lan = { { "a", "10.9.0.1/24" }, { "b", "10.9.0.2/24" } } } })
  local A, B = net.hosts.a.S, net.hosts.b.S
  local sa = assert(A.socket("inet", "dgram")); assert(sa:bind(A.t.sockaddr_in(5001, "10.9.0.1")))
  local sb = assert(B.socket("inet", "dgram")); assert(sb:bind(B.t.sockaddr_in(5002, "10.9.0.2")))
  local med, p99 = rtt(sa, sb, A.t.sockaddr_in(5002, "10.9.0.2"), B.t.sockaddr_in(5001, "10.9.0.1"), A.t.buffer(2048), B.t.buffer(2048))
  print(string.format("  %-46s %8.2f us  (p99 %.2f us)", "rumpus kernels on a bus (k.S from LuaJIT)", med, p99))
  sa:close(); sb:close()
  net:destroy()
end

-- Linux veth between two namespaces.
if S.geteuid() ~= 0 then
  print("  Linux veth between two namespaces: skipped (needs root)")
else
  local netns = require "syscall.linux.netns".init(S)
  local nsa, e1 = netns.new()
  local nsb, e2 = netns.new()
  if not nsa or not nsb then
    print("  Linux veth between two namespaces: no namespaces here (" .. tostring(e1 or e2) .. ")")
  else
    assert(nsa.nl.create_interface{ type = "veth", name = "va", peer = { name = "vb", netns = nsb } })
    local va = assert(nsa.nl.interface("va"))
    assert(va:address("10.9.1.1/24")); assert(va:up())
    local vb = assert(nsb.nl.interface("vb"))
    assert(vb:address("10.9.1.2/24")); assert(vb:up())
    local sa, sb
    nsa:run(function() sa = assert(S.socket("inet", "dgram")); assert(sa:bind(S.t.sockaddr_in(5001, "10.9.1.1"))) end)
    nsb:run(function() sb = assert(S.socket("inet", "dgram")); assert(sb:bind(S.t.sockaddr_in(5002, "10.9.1.2"))) end)
    local med, p99 = rtt(sa, sb, S.t.sockaddr_in(5002, "10.9.1.2"), S.t.sockaddr_in(5001, "10.9.1.1"), S.t.buffer(2048), S.t.buffer(2048))
    print(string.format("  %-46s %8.2f us  (p99 %.2f us)", "Linux veth between two namespaces (S)", med, p99))
    sa:close(); sb:close()
    nsa:close(); nsb:close()
  end
end
