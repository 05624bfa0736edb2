-- rtnetlink from Lua (lua/syscall/linux/nl.lua).  Every interface, address, route and
-- neighbour is made inside network namespaces the case creates (syscall.linux.netns); the
-- host's own interfaces are only ever read.  What S.nl reads back is checked against what
-- `ip -details -json` from iproute2 prints for the same namespace.
local T = require "rump.test"
local S = require "syscall"
local c, t = S.c, S.t
S.nl = S.nl or require "syscall.linux.nl".init(S)
local nl = S.nl
local netns = require "syscall.linux.netns".init(S)

local function needroot()
  if not T.root() then T.skip("needs root (network namespaces)") end
  local _, ok = T.sh("command -v ip && command -v nsenter")
  if not ok then T.skip("needs ip (iproute2) and nsenter (util-linux)") end
end

-- A fresh network namespace closed after the case, pass or fail.
local function newns(opts)
  local ns = assert(netns.new(opts))
  T.defer(function() ns:close() end)
  return ns
end

-- Minimal JSON reader for ip's output (objects, arrays, strings, numbers, true/false/null).
local function json(s)
  local pos = 1
  local function ws() pos = s:find("[^ \t\r\n]", pos) or #s + 1 end
  local value
  local function str()
    local out = {}
    pos = pos + 1
    while true do
      local ch = s:sub(pos, pos)
      if ch == '"' then pos = pos + 1; break end
      if ch == "\\" then
        local e = s:sub(pos + 1, pos + 1)
        local map = { n = "\n", t = "\t", r = "\r", b = "\b", f = "\f" }
        if e == "u" then out[#out + 1] = string.char(tonumber(s:sub(pos + 2, pos + 5), 16) % 256); pos = pos + 6
        else out[#out + 1] = map[e] or e; pos = pos + 2 end
      elseif ch == "" then error("json: unterminated string")
      else out[#out + 1] = ch; pos = pos + 1 end
    end
    return table.concat(out)
  end
  function value()
    ws()
    local ch = s:sub(pos, pos)
    if ch == "{" then
      local o = {}
      pos = pos + 1; ws()
      if s:sub(pos, pos) == "}" then pos = pos + 1; return o end
      while true do
        ws(); local k = str(); ws()
        assert(s:sub(pos, pos) == ":", "json: colon expected"); pos = pos + 1
        o[k] = value(); ws()
        local d = s:sub(pos, pos); pos = pos + 1
        if d == "}" then return o end
        assert(d == ",", "json: comma expected")
      end
    elseif ch == "[" then
      local a = {}
      pos = pos + 1; ws()
      if s:sub(pos, pos) == "]" then pos = pos + 1; return a end
      while true do
        a[#a + 1] = value(); ws()
        local d = s:sub(pos, pos); pos = pos + 1
        if d == "]" then return a end
        assert(d == ",", "json: comma expected")
      end
    elseif ch == '"' then return str()
    elseif s:sub(pos, pos + 3) == "true" then pos = pos + 4; return true
    elseif s:sub(pos, pos + 4) == "false" then pos = pos + 5; return false
    elseif s:sub(pos, pos + 3) == "null" then pos = pos + 4; return nil
    else
      local num = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", pos)
      assert(num and #num > 0, "json: bad value at " .. pos)
      pos = pos + #num
      return tonumber(num)
    end
  end
  return value()
end

-- ip's JSON view of the namespace.
local function ip(ns, args)
  local out, ok = T.sh(ns:exec_prefix() .. "ip " .. args)
  assert(ok, "ip " .. args .. ": " .. out)
  return json(out)
end
local function byname(list, key)
  local m = {}
  for _, x in ipairs(list) do m[x[key or "ifname"]] = x end
  return m
end

-- The IFF flags ip prints as words.
local flagwords = { "UP", "BROADCAST", "LOOPBACK", "POINTOPOINT", "NOARP", "PROMISC", "MULTICAST", "LOWER_UP", "ALLMULTI" }

-- Checks one nl link against ip's object for it.
local function agree(l, j, names)
  T.eq(l.index, j.ifindex, l.name .. " ifindex")
  T.eq(l.name, j.ifname, "ifname")
  T.eq(l.mtu, j.mtu, l.name .. " mtu")
  T.eq(l.operstate, j.operstate, l.name .. " operstate")
  T.eq(l.txqlen, j.txqlen, l.name .. " txqlen")
  if j.min_mtu then T.eq(l.min_mtu, j.min_mtu, l.name .. " min_mtu") end
  if j.max_mtu then T.eq(l.max_mtu, j.max_mtu, l.name .. " max_mtu") end
  if j.address then T.eq(tostring(l.macaddr), j.address, l.name .. " address") end
  if j.broadcast then T.eq(tostring(l.broadcast), j.broadcast, l.name .. " broadcast") end
  local jf = {}
  for _, f in ipairs(j.flags) do jf[f] = true end
  for _, f in ipairs(flagwords) do T.eq(l.flags[f], jf[f] == true, l.name .. " flag " .. f) end
  local li = j.linkinfo or {}
  T.eq(l.kind, li.info_kind, l.name .. " kind")
  T.eq(l.slave_kind, li.info_slave_kind, l.name .. " slave kind")
  if j.master then T.eq(names[l.master], j.master, l.name .. " master") else T.eq(l.master, nil, l.name .. " no master") end
  if l.kind == "vlan" then T.eq(l.vlan_id, li.info_data.id, "vlan id") end
  if l.kind == "macvlan" then T.eq(l.macvlan_modename, li.info_data.mode, "macvlan mode") end
end
local function agree_all(ns)
  -- Operational state and carrier settle asynchronously (the kernel's linkwatch): take the
  -- two views again until they were read in the same state (bounded).
  local ls, js
  T.wait(function()
    ls = assert(ns.nl.interfaces())
    js = byname(ip(ns, "-details -json link show"))
    for _, l in ipairs(ls) do
      local j = js[l.name]
      if not j or j.operstate ~= l.operstate then return false end
      local lower = false
      for _, f in ipairs(j.flags) do if f == "LOWER_UP" then lower = true end end
      if lower ~= l.flags.LOWER_UP then return false end
    end
    local again = assert(ns.nl.interfaces())
    for i, l in ipairs(again) do if ls[i].operstate ~= l.operstate then return false end end
    return true
  end, 500)
  local names = {}
  for _, l in ipairs(ls) do names[l.index] = l.name end
  local n = 0
  for _, l in ipairs(ls) do
    T.ok(js[l.name], "ip shows " .. l.name)
    agree(l, js[l.name], names)
    n = n + 1
  end
  local jn = 0
  for _ in pairs(js) do jn = jn + 1 end
  T.eq(n, jn, "same number of links")
  return ls
end

-- Addresses of a namespace from ip, as "dev addr/len" strings.
local function ipaddrs(ns)
  local set = {}
  for _, l in ipairs(ip(ns, "-json addr show")) do
    for _, a in ipairs(l.addr_info or {}) do set[l.ifname .. " " .. a["local"] .. "/" .. a.prefixlen] = true end
  end
  return set
end
local function nladdrs(ns)
  local set = {}
  for _, l in ipairs(assert(ns.nl.interfaces())) do
    for _, a in ipairs(l.inet) do set[l.name .. " " .. tostring(a.loc) .. "/" .. a.prefixlen] = true end
    for _, a in ipairs(l.inet6) do set[l.name .. " " .. tostring(a.loc) .. "/" .. a.prefixlen] = true end
  end
  return set
end

-- Creation that depends on a kernel feature: skips the case when the kernel lacks it.
local function create_or_skip(h, tab, feature)
  local l, e, txt = h.create_interface(tab)
  if not l and e and e.OPNOTSUPP then T.skip("kernel has no " .. feature .. " support (" .. tostring(txt) .. ")") end
  return assert(l, tostring(e) .. " " .. tostring(txt))
end

T.case("veth pair: create, configure, read back, rename, delete", function()
  needroot()
  local ns = newns()
  local h = ns.nl
  local va = assert(h.create_interface{ type = "veth", name = "va", peer = "vb" })
  T.eq(va.kind, "veth")
  local vb = assert(h.interface("vb"))
  T.eq(vb.link, va.index, "peer's link is the other end")
  assert(va:setmtu(1400))
  T.eq(va.mtu, 1400)
  assert(va:setmac("02:00:00:00:0a:01"))
  T.eq(tostring(va.macaddr), "02:00:00:00:0a:01")
  assert(va:address("10.9.0.1/24"))
  assert(va:address("fd00:9::1/64"))
  assert(va:up()); assert(vb:up())
  T.ok(va.flags.UP, "up")
  T.eq(#va.inet, 1)
  T.eq(tostring(va.inet[1].loc), "10.9.0.1")
  T.eq(va.inet[1].prefixlen, 24)
  T.eq(tostring(va.inet[1].broadcast), "10.9.0.255")
  agree_all(ns)
  T.same(nladdrs(ns), ipaddrs(ns))
  T.ok(ipaddrs(ns)["va 10.9.0.1/24"], "ip sees the address")
  T.ok(ipaddrs(ns)["va fd00:9::1/64"], "ip sees the v6 address")
  -- Address removal, down, rename (needs the link down), delete (takes the peer with it).
  assert(va:deladdress("10.9.0.1/24"))
  T.eq(#va.inet, 0)
  T.eq(ipaddrs(ns)["va 10.9.0.1/24"], nil)
  assert(va:down())
  T.eq(va.flags.UP, false)
  assert(va:rename("vz"))
  T.eq(va.name, "vz")
  T.fails("NODEV", h.interface("va"))
  T.eq(byname(ip(ns, "-json link show")).vz.ifindex, va.index)
  assert(va:delete())
  T.fails("NODEV", h.interface("vz"))
  T.fails("NODEV", h.interface("vb"))
  T.eq(#assert(h.interfaces()), 1, "only lo left")
end)

T.case("bridge with enslaved ports, released and deleted", function()
  needroot()
  local ns = newns()
  local h = ns.nl
  local br = assert(h.create_interface{ type = "bridge", name = "br0", up = true })
  T.eq(br.kind, "bridge")
  T.ok(br.flags.UP)
  assert(h.create_interface{ type = "veth", name = "p1", peer = "p1b" })
  assert(h.create_interface{ type = "veth", name = "p2", peer = "p2b", master = "br0" })
  local p1 = assert(h.interface("p1"))
  assert(p1:setmaster(br))
  T.eq(p1.master, br.index)
  T.eq(p1.slave_kind, "bridge")
  T.eq(assert(h.interface("p2")).master, br.index)
  local ls = agree_all(ns)
  T.eq(ls.p1.master, br.index)
  local j = byname(ip(ns, "-details -json link show"))
  T.eq(j.p1.master, "br0")
  T.eq(j.p2.master, "br0")
  assert(p1:nomaster())
  T.eq(p1.master, nil)
  T.eq(byname(ip(ns, "-json link show")).p1.master, nil)
  assert(br:delete())
  T.fails("NODEV", h.interface("br0"))
  T.eq(assert(h.interface("p2")).master, nil, "deleting the bridge releases its ports")
  agree_all(ns)
end)

T.case("macvlan interface on a veth parent", function()
  needroot()
  local ns = newns()
  local h = ns.nl
  assert(h.create_interface{ type = "veth", name = "par", peer = "parb", up = true })
  local mv = create_or_skip(h, { type = "macvlan", name = "mv0", link = "par", mode = "bridge", address = "02:00:00:00:0b:01" }, "macvlan")
  T.eq(mv.kind, "macvlan")
  T.eq(mv.macvlan_modename, "bridge")
  T.eq(mv.link, assert(h.interface("par")).index)
  T.eq(tostring(mv.macaddr), "02:00:00:00:0b:01")
  agree_all(ns)
  assert(mv:delete())
  T.fails("NODEV", h.interface("mv0"))
end)

T.case("dummy and vlan interfaces", function()
  needroot()
  local ns = newns()
  local h = ns.nl
  local d = create_or_skip(h, { type = "dummy", name = "d0" }, "dummy (CONFIG_DUMMY)")
  T.eq(d.kind, "dummy")
  local v = create_or_skip(h, { type = "vlan", name = "d0.10", link = "d0", id = 10 }, "802.1Q VLAN (CONFIG_VLAN_8021Q)")
  T.eq(v.vlan_id, 10)
  agree_all(ns)
  assert(v:delete()); assert(d:delete())
end)

T.case("move an interface to another namespace", function()
  needroot()
  local ns1, ns2 = newns(), newns()
  local va = assert(ns1.nl.create_interface{ type = "veth", name = "va", peer = "vb" })
  assert(va:move_ns(ns2))
  T.fails("NODEV", ns1.nl.interface("va"))
  local moved = assert(ns2.nl.interface("va"))
  T.eq(moved.kind, "veth")
  T.ok(byname(ip(ns2, "-json link show")).va, "ip sees it in the new namespace")
  T.eq(byname(ip(ns1, "-json link show")).va, nil)
  -- A veth created with its peer directly in another namespace.
  assert(ns1.nl.create_interface{ type = "veth", name = "x1", peer = { name = "x2", netns = ns2 } })
  T.ok(ns2.nl.interface("x2"))
  T.fails("NODEV", ns1.nl.interface("x2"))
end)

T.case("routes v4 and v6: add, replace, delete with gateway, device, metric and table", function()
  needroot()
  local ns = newns()
  local h = ns.nl
  local va = assert(h.create_interface{ type = "veth", name = "va", peer = "vb", up = true })
  assert(h.interface("vb"):up())
  assert(va:address("10.20.0.1/24"))
  assert(va:address("fd00:20::1/64"))
  assert(h.add_route{ dst = "10.30.0.0/16", gw = "10.20.0.2", metric = 7 })
  assert(h.add_route{ dst = "10.31.0.0/16", dev = "va", table = 100 })
  assert(h.add_route{ dst = "default", gw = "10.20.0.254" })
  assert(h.add_route{ dst = "fd00:30::/48", gw = "fd00:20::2", dev = "va", metric = 9 })
  T.fails("EXIST", h.add_route{ dst = "10.30.0.0/16", gw = "10.20.0.2", metric = 7 })
  local function find(rs, dst, len)
    for _, r in ipairs(rs) do if tostring(r.dest) == dst and r.dst_len == len then return r end end
  end
  local rs = assert(h.routes("inet"))
  local r = assert(find(rs, "10.30.0.0", 16))
  T.eq(tostring(r.gw), "10.20.0.2"); T.eq(r.metric, 7); T.eq(r.output, "va"); T.eq(r.table, 254)
  T.eq(find(rs, "10.31.0.0", 16).table, 100)
  local m = rs:match("10.30.0.0/16")
  T.eq(#m, 1); T.eq(m[1], r)
  T.eq(#rs:match("10.30.0.0", 24), 0)
  assert(h.add_route{ dst = "10.32.0.0/16", dev = "va" })
  T.eq(#rs:match("10.32.0.0/16"), 0)
  T.eq(#assert(rs:refresh()):match("10.32.0.0/16"), 1, "refresh reads the table again")
  T.eq(tostring(find(rs, "0.0.0.0", 0).gw), "10.20.0.254")
  local r6 = assert(find(assert(h.routes("inet6")), "fd00:30::", 48))
  T.eq(tostring(r6.gw), "fd00:20::2"); T.eq(r6.metric, 9)
  -- ip agrees.
  local j = {}
  for _, x in ipairs(ip(ns, "-json route show table all")) do j[x.dst .. "@" .. (x.table or "main")] = x end
  T.eq(j["10.30.0.0/16@main"].gateway, "10.20.0.2")
  T.eq(j["10.30.0.0/16@main"].metric, 7)
  T.eq(j["10.31.0.0/16@100"].dev, "va")
  T.eq(j["default@main"].gateway, "10.20.0.254")
  local j6 = byname(ip(ns, "-json -6 route show"), "dst")
  T.eq(j6["fd00:30::/48"].gateway, "fd00:20::2")
  -- Replace changes the gateway in place; delete removes; a missing route is ESRCH.
  assert(h.replace_route{ dst = "10.30.0.0/16", gw = "10.20.0.3", metric = 7 })
  T.eq(tostring(find(assert(h.routes("inet")), "10.30.0.0", 16).gw), "10.20.0.3")
  T.eq(byname(ip(ns, "-json route show"), "dst")["10.30.0.0/16"].gateway, "10.20.0.3")
  assert(h.del_route{ dst = "10.30.0.0/16", gw = "10.20.0.3", metric = 7 })
  T.eq(find(assert(h.routes("inet")), "10.30.0.0", 16), nil)
  T.fails("SRCH", h.del_route{ dst = "10.30.0.0/16", gw = "10.20.0.3", metric = 7 })
  assert(h.del_route{ dst = "10.31.0.0/16", dev = "va", table = 100 })
  assert(h.del_route{ dst = "fd00:30::/48", gw = "fd00:20::2", metric = 9 })
  T.eq(byname(ip(ns, "-json -6 route show"), "dst")["fd00:30::/48"], nil)
  -- Unreachable gateway: the kernel says ENETUNREACH.
  T.fails("NETUNREACH", h.add_route{ dst = "10.40.0.0/16", gw = "10.99.0.1" })
end)

T.case("neighbours: add, duplicate, replace, list and delete", function()
  needroot()
  local ns = newns()
  local h = ns.nl
  local va = assert(h.create_interface{ type = "veth", name = "va", peer = "vb", up = true })
  assert(va:address("10.50.0.1/24"))
  assert(h.add_neigh{ dev = "va", dst = "10.50.0.7", lladdr = "02:00:00:00:00:07" })
  assert(h.add_neigh{ dev = "va", dst = "fd00:50::7", lladdr = "02:00:00:00:00:17" })
  T.fails("EXIST", h.add_neigh{ dev = "va", dst = "10.50.0.7", lladdr = "02:00:00:00:00:07" })
  local function find(dst)
    for _, n in ipairs(assert(h.neighbours(nil, "va"))) do if tostring(n.dst) == dst then return n end end
  end
  local n = assert(find("10.50.0.7"))
  T.eq(tostring(n.lladdr), "02:00:00:00:00:07")
  T.eq(n.state, nl.c.NUD.PERMANENT)
  T.eq(n.ifindex, va.index)
  T.eq(tostring(find("fd00:50::7").lladdr), "02:00:00:00:00:17")
  local j = byname(ip(ns, "-json neigh show"), "dst")
  T.eq(j["10.50.0.7"].lladdr, "02:00:00:00:00:07")
  T.eq(j["10.50.0.7"].state[1], "PERMANENT")
  T.eq(j["fd00:50::7"].lladdr, "02:00:00:00:00:17")
  assert(h.replace_neigh{ dev = "va", dst = "10.50.0.7", lladdr = "02:00:00:00:00:08" })
  T.eq(tostring(find("10.50.0.7").lladdr), "02:00:00:00:00:08")
  T.eq(byname(ip(ns, "-json neigh show"), "dst")["10.50.0.7"].lladdr, "02:00:00:00:00:08")
  assert(h.del_neigh{ dev = "va", dst = "10.50.0.7" })
  T.eq(find("10.50.0.7"), nil)
  T.eq(byname(ip(ns, "-json neigh show"), "dst")["10.50.0.7"], nil)
  T.fails("NOENT", h.del_neigh{ dev = "va", dst = "10.50.0.7" })
end)

T.case("errors come back with the kernel's errno", function()
  needroot()
  local ns = newns()
  local h = ns.nl
  local va = assert(h.create_interface{ type = "veth", name = "va", peer = "vb" })
  assert(va:address("10.60.0.1/24"))
  local ok, e, txt = va:address("10.60.0.1/24")
  T.fails("EXIST", ok, e)
  T.eq(e.errno, c.E.EXIST)
  T.eq(type(txt), "string", "the kernel's extended ack text comes third")
  T.fails("EXIST", h.add_address("va", "10.60.0.1/24"))
  T.fails("EXIST", h.create_interface{ type = "veth", name = "va", peer = "vc" })
  T.fails("RANGE", h.create_interface{ type = "veth", name = "averyveryverylongname", peer = "vd" })
  T.fails("INVAL", h.create_interface{ type = "veth", name = "bad name", peer = "ve" })
  T.fails("INVAL", h.create_interface{ type = "veth", name = "bad/name", peer = "vf" })
  T.fails("OPNOTSUPP", h.create_interface{ type = "nosuchkind", name = "x0" })
  T.fails("NODEV", h.interface("nosuch0"))
  T.fails("NODEV", h.interface(99999))
  T.fails("NODEV", h.add_address("nosuch0", "10.61.0.1/24"))
  T.fails("NODEV", h.add_route{ dst = "10.62.0.0/16", dev = "nosuch0" })
  T.fails("NODEV", h.dellink(99999))
  T.fails("ADDRNOTAVAIL", h.del_address("va", "10.63.0.1/24"))
  T.fails("INVAL", va:setmtu(10))  -- below the minimum MTU
  -- Programming mistakes raise errors naming the argument.
  T.err(function() h.add_address("va", "10.60.0.300/24") end, "bad address")
  T.err(function() h.add_address("va", "10.60.0.1/40") end, "prefix length")
  T.err(function() h.add_address("va", 42) end, "bad argument #2 to 'add_address'")
  T.err(function() h.interface({}) end, "bad argument #1")
  T.err(function() va:setmac("zz:00") end, "bad MAC address")
  T.err(function() va:setmtu("big") end, "bad argument #1 to 'setmtu'")
  T.err(function() h.create_interface("veth") end, "bad argument #1 to 'create_interface'")
  T.err(function() h.create_interface{ type = "vlan", name = "v0", link = "va" } end, "numeric id")
  T.err(function() h.add_route{ dst = "10.0.0.0/8", gw = "fd00::1" } end, "gateway family")
  T.err(function() h.add_route{ dst = "10.0.0.0/8", table = "nosuchtable" } end, "unknown table")
  T.err(function() h.add_neigh{ dev = "va", dst = "10.0.0.1", state = "bogus" } end, "unknown state")
  T.err(function() nl.socket("nosuchproto") end, "unknown netlink protocol")
end)

T.case("ljsyscall-style calls: newlink, newaddr, getaddr, newroute, getneigh, iplink", function()
  needroot()
  local ns = newns()
  ns:run(function()
    -- Inside the namespace the module-level calls (a socket per call) see it.
    assert(nl.newlink(0, "create, excl", 0, 0, "ifname", "la", "linkinfo", { "kind", "veth", "data", { "peer", { "ifname", "lb" } } }))
    local la = assert(nl.interface("la"))
    T.eq(la.kind, "veth")
    assert(nl.newlink(la.index, 0, "up", "up", "mtu", 1300))
    la = assert(nl.interface("la"))
    T.eq(la.mtu, 1300); T.ok(la.flags.UP)
    assert(nl.newaddr(la.index, "inet", 24, "permanent", "local", "10.70.0.1", "address", "10.70.0.1"))
    local as = assert(nl.getaddr("inet", la.index))
    T.eq(#as, 1); T.eq(tostring(as[1].addr), "10.70.0.1"); T.eq(as[1].prefixlen, 24)
    assert(nl.newroute("create, excl", { family = "inet", dst_len = 16, table = "main", protocol = "boot", scope = "universe", type = "unicast" },
      "dst", "10.71.0.0", "gateway", "10.70.0.2"))
    local found
    for _, r in ipairs(assert(nl.routes("inet", "unicast"))) do
      if tostring(r.dest) == "10.71.0.0" then found = r end
    end
    T.ok(found, "newroute made the route"); T.eq(tostring(found.gw), "10.70.0.2")
    assert(nl.delroute({ family = "inet", dst_len = 16, table = "main" }, "dst", "10.71.0.0"))
    assert(nl.newneigh(la, { family = "inet", state = "permanent" }, "dst", "10.70.0.9", "lladdr", "02:00:00:00:00:09"))
    local ns1 = assert(nl.getneigh(la, { family = "inet" }))
    T.eq(#ns1, 1); T.eq(tostring(ns1[1].lladdr), "02:00:00:00:00:09")
    assert(nl.delneigh(la, { family = "inet" }, "dst", "10.70.0.9"))
    T.eq(#assert(nl.getneigh(la, { family = "inet" })), 0)
    assert(nl.iplink{ index = la.index, mtu = 1280 })
    T.eq(assert(nl.interface("la")).mtu, 1280)
    assert(nl.deladdr(la.index, "inet", 24, "local", "10.70.0.1"))
    T.eq(#assert(nl.getaddr("inet", la.index)), 0)
    assert(nl.dellink(la.index))
    T.fails("NODEV", nl.interface("la"))
  end)
  T.eq(ns.nl.interface("lb"), nil, "the peer went with it")
end)

T.case("tests never add interfaces to the host's own namespace", function()
  needroot()
  local before = {}
  for _, l in ipairs(assert(nl.interfaces())) do before[#before + 1] = l.name end
  do
    local ns = newns()
    assert(ns.nl.create_interface{ type = "veth", name = "hx0", peer = "hx1" })
    ns:close()
  end
  local after = {}
  for _, l in ipairs(assert(nl.interfaces())) do after[#after + 1] = l.name end
  T.same(after, before)
end)

-- The constants and structs of nl.lua against the kernel's UAPI headers, through a generated
-- C program (needs cc and linux-libc-dev, no root).
T.case("netlink constants and structs agree with the kernel headers", function()
  local _, hascc = T.sh("command -v cc")
  if not hascc then return T.skip("needs a C compiler") end
  if not io.open("/usr/include/linux/rtnetlink.h") then return T.skip("needs the Linux UAPI headers (linux-libc-dev)") end
  local ffi = require "syscall.ffi"
  local K = require "syscall.linux.nl".constants
  local cname = { NETLINK_OPT = "NETLINK" }
  local lines, want = {}, {}
  local fams = {}
  for fam in pairs(K) do fams[#fams + 1] = fam end
  table.sort(fams)
  for _, fam in ipairs(fams) do
    local keys = {}
    for k in pairs(K[fam]) do keys[#keys + 1] = k end
    table.sort(keys)
    for _, k in ipairs(keys) do
      local macro = (cname[fam] or fam) .. "_" .. k
      lines[#lines + 1] = string.format('  printf("%s.%s %%lld\\n", (long long)(%s));', fam, k, macro)
      want[fam .. "." .. k] = K[fam][k]
    end
  end
  local structs = {
    { "nlmsghdr", { "nlmsg_len", "nlmsg_type", "nlmsg_flags", "nlmsg_seq", "nlmsg_pid" } },
    { "nlmsgerr", { "error", "msg" } },
    { "rtattr", { "rta_len", "rta_type" } },
    { "ifinfomsg", { "ifi_family", "ifi_type", "ifi_index", "ifi_flags", "ifi_change" } },
    { "ifaddrmsg", { "ifa_family", "ifa_prefixlen", "ifa_flags", "ifa_scope", "ifa_index" } },
    { "rtmsg", { "rtm_family", "rtm_dst_len", "rtm_src_len", "rtm_tos", "rtm_table", "rtm_protocol", "rtm_scope", "rtm_type", "rtm_flags" } },
    { "ndmsg", { "ndm_family", "ndm_ifindex", "ndm_state", "ndm_flags", "ndm_type" } },
    { "ifa_cacheinfo", { "ifa_prefered", "ifa_valid", "cstamp", "tstamp" } },
  }
  for _, st in ipairs(structs) do
    local n = st[1]
    lines[#lines + 1] = string.format('  printf("sizeof.%s %%lld\\n", (long long)sizeof(struct %s));', n, n)
    want["sizeof." .. n] = ffi.sizeof("struct rumpus_lx_" .. n)
    for _, m in ipairs(st[2]) do
      lines[#lines + 1] = string.format('  printf("offsetof.%s.%s %%lld\\n", (long long)offsetof(struct %s, %s));', n, m, n, m)
      want["offsetof." .. n .. "." .. m] = ffi.offsetof("struct rumpus_lx_" .. n, m)
    end
  end
  local dir = T.tmpdir()
  local f = assert(io.open(dir .. "/p.c", "w"))
  f:write([[
#include <stdio.h>
#include <stddef.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/if_arp.h>
#include <linux/if.h>
#include <linux/veth.h>
#include <linux/route.h>
int main(void) {
]] .. table.concat(lines, "\n") .. "\n  return 0;\n}\n")
  f:close()
  local out, ok = T.sh("cc -Wall -Wextra -o " .. dir .. "/p " .. dir .. "/p.c && " .. dir .. "/p")
  T.ok(ok, "probe builds and runs: " .. out)
  local got, n = {}, 0
  for k, v in out:gmatch("([%w_.]+) (%-?%d+)") do got[k] = tonumber(v); n = n + 1 end
  local bad = {}
  for k, v in pairs(want) do if got[k] ~= v then bad[#bad + 1] = k .. ": ours " .. tostring(v) .. ", C " .. tostring(got[k]) end end
  table.sort(bad)
  T.eq(#bad, 0, table.concat(bad, "\n"))
  T.ok(n > 300, "checked " .. n .. " values")
end)
