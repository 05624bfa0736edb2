-- rump.hostnet: network topologies on the host, built from network namespaces (as root).
--
-- Hosts are network namespaces; links are veth pairs; a bridge is a switch (a namespace of its
-- own holding bridge "br0") with one veth per attached host; routers are hosts with IPv4 and
-- IPv6 forwarding on.  Everything is made through rtnetlink (S.nl) from this process, without
-- running `ip`; destroy() (or a failure half way through build) removes it all.
--
--   local hostnet = require "rump.hostnet"
--   local net = hostnet.new()
--   local a, r, b = net:host("a"), net:router("r"), net:host("b")
--   net:link(a, r, "10.1.0.1/24", "10.1.0.2/24")
--   net:link(r, b, "10.2.0.1/24", "10.2.0.2/24")
--   a:route("default", "10.1.0.2"); b:route("default", "10.2.0.1")
--   local lan = net:bridge("lan"); net:attach(lan, a, "10.3.0.1/24")
--   a:run(function() ... S.socket ... end)   -- or a:fork(fn), a:socket("inet", "dgram")
--   net:destroy()
--
-- or declaratively, with the same result:
--   local net = assert(hostnet.build{
--     hosts = { "a", "b" }, routers = { "r" },
--     links = { { "a", "r", "10.1.0.1/24", "10.1.0.2/24" }, { "r", "b", "10.2.0.1/24", "10.2.0.2/24" } },
--     bridges = { lan = { { "a", "10.3.0.1/24" } } },
--     routes = { a = { { "default", "10.1.0.2" } }, b = { { "default", "10.2.0.1" } } },
--   })
--   net.hosts.a, net.hosts.r ...
--
-- Interfaces are named eth0, eth1... in each host in the order links are made; a switch's
-- ports are named after the host ("p-<host>", cut to 15 characters).

local topology = require "rump.topology"

local type, tostring, error, ipairs, pairs, setmetatable, select =
      type, tostring, error, ipairs, pairs, setmetatable, select

local M = {}

local Net, Host = {}, {}
Net.__index, Host.__index = Net, Host

local function argerr(fname, n, what, v)
  error("bad argument #" .. n .. " to '" .. fname .. "' (" .. what .. " expected, got " .. type(v) .. ")", 3)
end

-- opts.S: the syscall table (default require "syscall"); opts.mount / opts.uts: give each host
-- a mount / UTS namespace too (hostname = the host's name).
function M.new(opts)
  opts = opts or {}
  if type(opts) ~= "table" then argerr("new", 1, "table", opts) end
  local S = opts.S or require "syscall"
  S.nl = S.nl or require "syscall.linux.nl".init(S)
  local netns = require "syscall.linux.netns".init(S)
  return setmetatable({ S = S, netns = netns, opts = opts, hosts = {}, order = {}, switches = {} }, Net)
end

function Net:_newhost(name, kind)
  if type(name) ~= "string" or name == "" then argerr(kind, 1, "host name", name) end
  if self.hosts[name] then error("bad argument #1 to '" .. kind .. "' (host '" .. name .. "' exists already)", 3) end
  local o = self.opts
  local ns, e = self.netns.new{ mount = o.mount, uts = o.uts, hostname = o.uts and name or nil, name = name }
  if not ns then return nil, e end
  local h = setmetatable({ name = name, net = self, ns = ns, nl = ns.nl, S = self.S, nif = 0, ifaces = {}, kind = kind }, Host)
  self.hosts[name] = h
  self.order[#self.order + 1] = h
  return h
end

function Net:host(name) return self:_newhost(name, "host") end

function Net:router(name)
  local h, e = self:_newhost(name, "router")
  if not h then return nil, e end
  local ok, e2 = h:forwarding(true)
  if not ok then return nil, e2 end
  return h
end

local function hostof(net, h, fname, n)
  if type(h) == "string" then
    local x = net.hosts[h]
    if not x then error("bad argument #" .. n .. " to '" .. fname .. "' (no host '" .. h .. "')", 3) end
    return x
  end
  if type(h) ~= "table" or getmetatable(h) ~= Host then argerr(fname, n, "host", h) end
  return h
end

function Host:_ifname()
  local n = "eth" .. self.nif
  self.nif = self.nif + 1
  return n
end

-- A veth pair between hosts a and b, addresses optional ("10.0.0.1/24" or a list of them).
-- Returns { a = ifname in a, b = ifname in b }.
function Net:link(a, b, addra, addrb)
  a, b = hostof(self, a, "link", 1), hostof(self, b, "link", 2)
  if a == b then error("bad argument #2 to 'link' (a host cannot link to itself)", 2) end
  local ia, ib = a:_ifname(), b:_ifname()
  local ok, e, txt = a.nl.create_interface{ type = "veth", name = ia, peer = { name = ib, netns = b.ns.net } }
  if not ok then return nil, e, txt end
  a.ifaces[#a.ifaces + 1], b.ifaces[#b.ifaces + 1] = ia, ib
  local r1, e1 = a:up(ia, addra)
  if not r1 then return nil, e1 end
  local r2, e2 = b:up(ib, addrb)
  if not r2 then return nil, e2 end
  return { a = ia, b = ib }
end

-- A switch: a namespace holding bridge br0 (up).
function Net:bridge(name)
  if type(name) ~= "string" or name == "" then argerr("bridge", 1, "bridge name", name) end
  if self.switches[name] then error("bad argument #1 to 'bridge' (bridge '" .. name .. "' exists already)", 2) end
  local ns, e = self.netns.new{ name = "switch-" .. name }
  if not ns then return nil, e end
  local br, e2 = ns.nl.create_interface{ type = "bridge", name = "br0", up = true }
  if not br then ns:close(); return nil, e2 end
  local sw = { name = name, ns = ns, nl = ns.nl, ports = {} }
  self.switches[name] = sw
  self.order[#self.order + 1] = sw
  return sw
end

-- Connects host h to switch sw (object or name) through a veth pair; address optional.
function Net:attach(sw, h, addr)
  if type(sw) == "string" then
    local x = self.switches[sw]
    if not x then error("bad argument #1 to 'attach' (no bridge '" .. sw .. "')", 2) end
    sw = x
  elseif type(sw) ~= "table" or not sw.ports then argerr("attach", 1, "bridge", sw) end
  h = hostof(self, h, "attach", 2)
  local port = ("p-" .. h.name):sub(1, 15)
  local ih = h:_ifname()
  local p, e, txt = sw.nl.create_interface{ type = "veth", name = port, master = "br0", up = true,
    peer = { name = ih, netns = h.ns.net } }
  if not p then return nil, e, txt end
  sw.ports[#sw.ports + 1] = port
  h.ifaces[#h.ifaces + 1] = ih
  local ok, e2 = h:up(ih, addr)
  if not ok then return nil, e2 end
  return ih
end

-- Brings an interface of the host up and adds addresses (a string or a list).
function Host:up(ifname, addrs)
  local i, e = self.nl.interface(ifname)
  if not i then return nil, e end
  if addrs then
    if type(addrs) == "string" then addrs = { addrs } end
    for _, a in ipairs(addrs) do
      local ok, e2, txt = self.nl.add_address(i.index, a)
      if not ok then return nil, e2, txt end
    end
  end
  local ok, e3 = i:up()
  if not ok then return nil, e3 end
  return true
end
function Host:addr(ifname, addr) return self.nl.add_address(ifname, addr) end
function Host:iface(ifname) return self.nl.interface(ifname) end
function Host:interfaces() return self.nl.interfaces() end
function Host:routes(af) return self.nl.routes(af or "inet") end

-- route(dst, gw, opts): dst "default" or a prefix; gw an address or nil (then opts.dev);
-- opts: dev, metric, table, type.
function Host:route(dst, gw, opts)
  local rt = { dst = dst, gw = gw }
  if opts then for k, v in pairs(opts) do rt[k] = v end end
  if rt.dst == "default" and type(gw) == "string" and gw:find(":", 1, true) then rt.family = "inet6" end
  return self.nl.add_route(rt)
end

function Host:forwarding(on)
  local v = on and "1" or "0"
  local ok, e = self.ns:sysctl("net/ipv4/ip_forward", v)
  if not ok then return nil, e end
  ok, e = self.ns:sysctl("net/ipv6/conf/all/forwarding", v)
  if not ok then return nil, e end
  return true
end
function Host:sysctl(name, value) return self.ns:sysctl(name, value) end

-- Runs fn inside the host's namespaces in this process (sockets made there stay there).
function Host:run(fn, ...) return self.ns:run(fn, ...) end
-- Runs fn in a child process inside the host's namespaces.
function Host:fork(fn, ...) return self.ns:fork(fn, ...) end
-- A socket of the host: S.socket(...) called inside its network namespace.
function Host:socket(...)
  local S = self.S
  local args = { n = select("#", ...), ... }
  return self.ns:run(function() return S.socket((table.unpack or unpack)(args, 1, args.n)) end)
end
-- A shell command prefix that runs a program in the host (nsenter).
function Host:exec_prefix() return self.ns:exec_prefix() end

-- Closes every namespace (hosts and switches) in reverse order of creation; idempotent.
function Net:destroy()
  for i = #self.order, 1, -1 do
    local x = self.order[i]
    x.ns:close()
    self.order[i] = nil
  end
  self.hosts, self.switches = {}, {}
  return true
end
Net.close = Net.destroy

-- Declarative construction (see the header).  On any failure everything made so far is
-- destroyed and nil, err (plus a note of the step) is returned.
function M.build(spec, opts)
  if type(spec) ~= "table" then argerr("build", 1, "table", spec) end
  local net = M.new(opts)
  local ok, r1 = topology.run(net, spec, function(_, sp, step)
    for name, ports in pairs(sp.bridges or {}) do
      local sw = step("bridge " .. name, net:bridge(name))
      for _, p in ipairs(ports) do step("attach " .. tostring(p[1]) .. " to " .. name, net:attach(sw, p[1], p[2])) end
    end
  end)
  if ok then return r1 end
  net:destroy()
  if type(r1) == "table" and r1.err then return nil, r1.err, r1.what .. (r1.txt and (": " .. r1.txt) or "") end
  error(r1, 0)
end

-- A line of n hosts h1 - h2 - ... - hn: h1 and hn are end hosts, the rest routers; link i uses
-- 10.<base+i>.0.0/24.  Every host gets routes to every link.  Returns the net.
function M.line(n, opts)
  if type(n) ~= "number" or n < 2 then argerr("line", 1, "number >= 2", n) end
  opts = opts or {}
  return M.build(topology.linespec(n, opts.base or 100), opts)
end

return M
