-- Network namespaces (lua/syscall/linux/netns.lua) and host topologies (lua/rump/hostnet.lua).
-- Every namespace a case makes is closed after it, pass or fail; the host's own interfaces and
-- addresses are never changed.
local T = require "rump.test"
local S = require "syscall"
local c, t = S.c, S.t
S.nl = S.nl or require "syscall.linux.nl".init(S)
local netns = require "syscall.linux.netns".init(S)
local hostnet = require "rump.hostnet"

local function needroot()
  if not T.root() then T.skip("needs root (network namespaces)") end
end

local function nsino(kind)
  local st = assert(S.stat("/proc/thread-self/ns/" .. (kind or "net")))
  return tonumber(st.ino)
end
local function hostname()
  local u = assert(S.uname())
  return u.nodename
end
-- Whether this process still has a descriptor on the namespace with inode ino.
local function held(ino)
  local p = io.popen("ls -l /proc/" .. S.getpid() .. "/fd 2>/dev/null")
  local s = p:read("*a")
  p:close()
  return s:find("net:%[" .. ino .. "%]") ~= nil
end

T.case("a new network namespace is separate, has lo up, and is released by close", function()
  needroot()
  local home = nsino()
  local ns = assert(netns.new())
  T.defer(function() ns:close() end)
  local ino = ns:inode()
  T.ne(ino, home, "a different namespace")
  T.eq(nsino(), home, "the caller is still at home")
  local lo = assert(ns.nl.interface("lo"))
  T.ok(lo.flags.UP, "lo is up")
  T.eq(#assert(ns.nl.interfaces()), 1, "only lo")
  T.ok(held(ino))
  ns:close()
  T.eq(ns.net, nil)
  T.ok(not held(ino), "no descriptor left on the namespace")
  T.err(function() ns:run(function() end) end, "closed")
end)

T.case("run enters and always returns, with results or the error", function()
  needroot()
  local home = nsino()
  local ns = assert(netns.new{ lo = false })
  T.defer(function() ns:close() end)
  local ino, a, b = ns:run(function(x, y) return nsino(), x, y end, 1, "two")
  T.eq(ino, ns:inode()); T.eq(a, 1); T.eq(b, "two")
  T.eq(nsino(), home)
  T.err(function() ns:run(function() error("inside failed") end) end, "inside failed")
  T.eq(nsino(), home, "back home after an error")
  T.eq(assert(ns.nl.interface("lo")).flags.UP, false, "lo = false leaves lo down")
  T.err(function() ns:run(42) end, "bad argument #1 to 'run'")
end)

T.case("mount and UTS namespaces: hostname and mounts stay inside, cwd is kept", function()
  needroot()
  local dir = T.tmpdir()
  local cwd = assert(S.open(".", "rdonly, directory"))
  local before = hostname()
  local ns = assert(netns.new{ mount = true, hostname = "rumpus-ns" })
  T.defer(function() ns:close() end)
  T.eq(hostname(), before, "the host's name is unchanged")
  local name, mounted = ns:run(function()
    assert(S.C.mount("tmpfs", dir, "tmpfs", 0, nil) == 0, "mount tmpfs")
    local f = assert(io.open(dir .. "/inside", "w")); f:write("x"); f:close()
    return hostname(), io.open(dir .. "/inside") ~= nil
  end)
  T.eq(name, "rumpus-ns")
  T.ok(mounted)
  T.eq(io.open(dir .. "/inside"), nil, "the mount is not visible outside")
  T.eq(ns:run(function() return io.open(dir .. "/inside") ~= nil end), true, "still there inside")
  local here = assert(S.fstat(cwd))
  local now = assert(S.stat("."))
  T.eq(tonumber(now.ino), tonumber(here.ino), "working directory kept")
  cwd:close()
end)

T.case("fork runs a function in a child inside the namespace", function()
  needroot()
  local ns = assert(netns.new{ hostname = "kid" })
  T.defer(function() ns:close() end)
  local ino, pid, name, flag, none, num = ns:fork(function() return nsino(), S.getpid(), hostname(), true, nil, 2.5 end)
  T.eq(ino, ns:inode())
  T.ne(pid, S.getpid())
  T.eq(name, "kid"); T.eq(flag, true); T.eq(none, nil); T.eq(num, 2.5)
  local ok, e = ns:fork(function() error("child failed", 0) end)
  T.eq(ok, nil); T.eq(e, "child failed")
  T.eq(ns:fork(function() end), true)
  -- A child that dies without reporting.
  local ok2, e2 = ns:fork(function() S.C._exit(3) end)
  T.eq(ok2, nil); T.ok(e2:find("exit 3"), e2)
end)

T.case("spawn and with clean up even when the function fails", function()
  needroot()
  local home = nsino()
  local ino, name, nif = netns.spawn({ hostname = "spawned" }, function()
    return nsino(), hostname(), #assert(S.nl.interfaces())
  end)
  T.ne(ino, home); T.eq(name, "spawned"); T.eq(nif, 1)
  local ok, e = netns.spawn(function() error("spawn failed", 0) end)
  T.eq(ok, nil); T.eq(e, "spawn failed")
  local seen
  T.err(function() netns.with({}, function(ns) seen = ns; error("with failed") end) end, "with failed")
  T.eq(seen.net, nil, "with closed the namespace")
  T.eq(nsino(), home)
  T.eq(netns.with(function(ns) return ns:inode() ~= home end), true)
  T.err(function() netns.new{ hostname = 5 } end, "hostname must be a string")
end)

T.case("sysctl of a namespace does not touch the host's", function()
  needroot()
  local host = io.open("/proc/sys/net/ipv4/ip_forward"):read("*l")
  local ns = assert(netns.new())
  T.defer(function() ns:close() end)
  T.eq(ns:sysctl("net.ipv4.ip_forward"), "0")
  assert(ns:sysctl("net.ipv4.ip_forward", 1))
  T.eq(ns:sysctl("net.ipv4.ip_forward"), "1")
  T.eq(io.open("/proc/sys/net/ipv4/ip_forward"):read("*l"), host)
  T.fails("NOENT", ns:sysctl("net.ipv4.no_such_knob", 1))
end)

-- Waits (bounded) for fd to become readable.
local function readable(fd)
  local n = S.poll({ { fd = fd, events = "in" } }, 5000)
  return n == 1
end

T.case("three namespaces in a line: UDP and TCP across a forwarding router", function()
  needroot()
  local net = assert(hostnet.build{
    hosts = { "a", "b" }, routers = { "r" },
    links = { { "a", "r", "10.11.0.1/24", "10.11.0.2/24" }, { "r", "b", "10.12.0.1/24", "10.12.0.2/24" } },
    routes = { a = { { "default", "10.11.0.2" } }, b = { { "default", "10.12.0.1" } } },
  })
  T.defer(function() net:destroy() end)
  local a, r, b = net.hosts.a, net.hosts.r, net.hosts.b
  T.eq(r:sysctl("net.ipv4.ip_forward"), "1")
  T.eq(a:sysctl("net.ipv4.ip_forward"), "0")
  local rs = assert(a:routes())
  local def
  for _, x in ipairs(rs) do if x.dst_len == 0 then def = x end end
  T.eq(tostring(def.gw), "10.11.0.2")
  -- UDP from a to b.
  local us = assert(b:socket("inet", "dgram"))
  T.defer(function() us:close() end)
  assert(us:bind(t.sockaddr_in(7001, "10.12.0.2")))
  local uc = assert(a:socket("inet", "dgram"))
  T.defer(function() uc:close() end)
  T.eq(uc:sendto("over the router", nil, 0, t.sockaddr_in(7001, "10.12.0.2")), 15)
  T.ok(readable(us), "datagram arrived")
  local data, _, from = us:recvfrom()
  T.eq(data, "over the router")
  T.eq(tostring(from.addr), "10.11.0.1", "source address of a")
  -- TCP from a to b and back.
  local ls = assert(b:socket("inet", "stream"))
  T.defer(function() ls:close() end)
  assert(ls:setsockopt("socket", "reuseaddr", true))
  assert(ls:bind(t.sockaddr_in(7002, "0.0.0.0")))
  assert(ls:listen())
  local cs = assert(a:socket("inet", "stream"))
  T.defer(function() cs:close() end)
  assert(cs:connect(t.sockaddr_in(7002, "10.12.0.2")))
  local as, _, peer = assert(ls:accept())
  T.defer(function() as:close() end)
  T.eq(tostring(peer.addr), "10.11.0.1")
  T.eq(cs:write("ping"), 4)
  T.ok(readable(as)); T.eq(as:read(nil, 16), "ping")
  T.eq(as:write("pong"), 4)
  T.ok(readable(cs)); T.eq(cs:read(nil, 16), "pong")
  -- The router counted the forwarded packets on both of its links.
  local e0, e1 = assert(r:iface("eth0")), assert(r:iface("eth1"))
  T.ok(e0.stats.rx_packets > 0 and e1.stats.tx_packets > 0, "router forwarded")
end)

T.case("a bridge joins three hosts on one LAN", function()
  needroot()
  local net = assert(hostnet.build{
    hosts = { "x", "y", "z" },
    bridges = { lan = { { "x", "10.13.0.1/24" }, { "y", "10.13.0.2/24" }, { "z", "10.13.0.3/24" } } },
  })
  T.defer(function() net:destroy() end)
  local sw = net.switches.lan
  local br = assert(sw.nl.interface("br0"))
  local ports = 0
  for _, l in ipairs(assert(sw.nl.interfaces())) do if l.master == br.index then ports = ports + 1 end end
  T.eq(ports, 3)
  local rx = assert(net.hosts.z:socket("inet", "dgram"))
  T.defer(function() rx:close() end)
  assert(rx:bind(t.sockaddr_in(7003, "10.13.0.3")))
  for _, h in ipairs { "x", "y" } do
    local s = assert(net.hosts[h]:socket("inet", "dgram"))
    T.eq(s:sendto("from " .. h, nil, 0, t.sockaddr_in(7003, "10.13.0.3")), 6)
    T.ok(readable(rx))
    local d, _, from = rx:recvfrom()
    T.eq(d, "from " .. h)
    T.eq(tostring(from.addr), h == "x" and "10.13.0.1" or "10.13.0.2")
    s:close()
  end
end)

T.case("hostnet: a failed build destroys what it made; bad arguments raise", function()
  needroot()
  local before = {}
  for l in io.popen("ls -l /proc/" .. S.getpid() .. "/fd"):lines() do if l:find("net:%[") then before[#before + 1] = l end end
  local net, e, what = hostnet.build{
    hosts = { "a", "b" },
    links = { { "a", "b", "10.14.0.1/24", "10.14.0.2/24" } },
    routes = { a = { { "10.99.0.0/16", "10.98.0.1" } } },  -- gateway not on any link
  }
  T.eq(net, nil)
  T.fails("NETUNREACH", net, e)
  T.ok(what:find("route"), what)
  local after = {}
  for l in io.popen("ls -l /proc/" .. S.getpid() .. "/fd"):lines() do if l:find("net:%[") then after[#after + 1] = l end end
  T.eq(#after, #before, "no namespace left held")
  local n = hostnet.new()
  T.defer(function() n:destroy() end)
  assert(n:host("a"))
  T.err(function() n:host("a") end, "exists already")
  T.err(function() n:link("a", "nohost") end, "no host 'nohost'")
  T.err(function() n:link("a", "a") end, "itself")
  T.err(function() hostnet.line(1) end, "bad argument #1 to 'line'")
  T.err(function() hostnet.build(5) end, "bad argument #1 to 'build'")
end)

T.case("hostnet.line: routes across four hops", function()
  needroot()
  local net = assert(hostnet.line(5))
  T.defer(function() net:destroy() end)
  local rx = assert(net.hosts.h5:socket("inet", "dgram"))
  T.defer(function() rx:close() end)
  assert(rx:bind(t.sockaddr_in(7004, "10.104.0.2")))
  local tx = assert(net.hosts.h1:socket("inet", "dgram"))
  T.defer(function() tx:close() end)
  T.eq(tx:sendto("far", nil, 0, t.sockaddr_in(7004, "10.104.0.2")), 3)
  T.ok(readable(rx))
  local d, _, from = rx:recvfrom()
  T.eq(d, "far"); T.eq(tostring(from.addr), "10.101.0.1")
end)
