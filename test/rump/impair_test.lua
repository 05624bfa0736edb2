-- Impaired links from Lua (rump.net's impair, docs/net.md "Impaired links"): argument
-- checks name the argument, a bus that does not exist is ENOENT, loss stops a ping, a
-- delay costs virtual time (the kernels' clock) and no real waiting, duplication
-- delivers every datagram twice, a host's partition holds its frames until it ends, and
-- the counters say what happened.
local T = require "rump.test"
local rump = require "rump"
local rnet = require "rump.net"

local N = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "shared/net.lua")
local build, virtual = N.build, N.virtual

local function lan()
  return build{ hosts = { "a", "b" },
                buses = { lan = { { "a", "10.5.0.1/24" }, { "b", "10.5.0.2/24" } } } }
end

-- A datagram receiver on b (non-blocking) at port, a sender on a and the address to send
-- to; with arp, a first datagram has made a learn b's address (so that no frame the case
-- counts is ARP's).
local function udp(net, port, arp)
  local a, b = net.hosts.a, net.hosts.b
  local rs = assert(b.S.socket("inet", "dgram, nonblock"))
  assert(b.S.bind(rs, b.S.t.sockaddr_in(port, "0.0.0.0")))
  local ss = assert(a.S.socket("inet", "dgram"))
  local to = a.S.t.sockaddr_in(port, "10.5.0.2")
  if arp then
    assert(a.S.sendto(ss, "arp", nil, 0, to))
    b.S.poll({ { fd = rs, events = "in" } }, 1000)
    assert(b.S.recvfrom(rs, nil, 64))
  end
  return rs, ss, to
end

local function raises(pat, f, ...)
  local ok, e = pcall(f, ...)
  return not ok and tostring(e):find(pat, 1, true) ~= nil, e
end

T.case("bad arguments raise errors naming them", function()
  local net = lan()
  T.ok(raises("#1 to 'impair'", rnet.impair, 42, {}), "bus name")
  T.ok(raises("#2 to 'impair'", rnet.impair, "x", "loss"), "settings table")
  T.ok(raises("loss: probability", rnet.impair, "x", { loss = 1.5 }), "loss out of range")
  T.ok(raises("loss: probability", rnet.impair, "x", { loss = 0 / 0 }), "loss NaN")
  T.ok(raises("unknown setting 'lose'", rnet.impair, "x", { lose = 0.1 }), "unknown key")
  T.ok(raises("partition:", rnet.impair, "x", { partition = "yes" }), "partition")
  T.ok(raises("delay: milliseconds", rnet.impair, "x", { delay = -1 }), "negative delay")
  T.ok(raises("gap: integer", rnet.impair, "x", { reorder = 0.1, gap = 1.5 }), "gap")
  T.ok(raises("dist:", rnet.impair, "x", { delay = 1, jitter = 1, dist = "pareto" }), "dist")
  T.ok(raises("ge:", rnet.impair, "x", { ge = 0.1 }), "ge")
  T.ok(raises("drop_held: boolean", rnet.impair, "x", { drop_held = 1 }), "drop_held")
  T.ok(raises("MAC address expected", rnet.impair, "x", {}, "b2:a0"), "MAC")
  T.ok(raises("#1 to 'impair'", net.impair, net, 5, {}), "net:impair bus")
  T.ok(raises("host of this network", net.impair, net, "lan", {}, "nobody"), "net:impair host")
  local r, e = rnet.impair("no-such-bus-here", { loss = 0.1 })
  T.ok(r == nil and e.NOENT, "no such bus: nil, ENOENT")
  r, e = rnet.impair_stats("no-such-bus-here")
  T.ok(r == nil and e.NOENT, "stats of no such bus: nil, ENOENT")
end)

T.case("loss and delay on the kernels' clock", function()
  local net = lan()
  virtual()
  local a = net.hosts.a
  T.ok(a:ping("10.5.0.2"), "ping before")
  T.ok(net:impair("lan", { loss = 1 }), "loss 1")
  local r, e = a:ping("10.5.0.2", { wait = 300, seq = 2 })
  T.ok(r == nil and e.TIMEDOUT, "no reply through a link that loses everything")
  local st = assert(net:impair_stats("lan"))
  T.ok(st.lost >= 1 and st.delivered == 0, "counted as lost")
  T.ok(net:impair("lan", { delay = 250 }), "delay 250 ms")
  local S = a.S
  local t0 = assert(S.clock_gettime("monotonic"))
  T.ok(a:ping("10.5.0.2", { wait = 5000, seq = 3 }), "reply through the delayed link")
  local t1 = assert(S.clock_gettime("monotonic"))
  local ms = (t1.sec - t0.sec) * 1000 + (t1.nsec - t0.nsec) / 1e6
  T.ok(ms >= 500, "the round trip took two delays of virtual time (" .. ms .. " ms)")
  st = assert(net:impair_stats("lan"))
  T.ok(st.delayed >= 2 and st.queued == 0, "both frames went through the delay queue")
  T.ok(net:impair("lan", {}), "off")
  T.ok(a:ping("10.5.0.2", { seq = 4 }), "ping after")
end)

T.case("duplication delivers datagrams twice", function()
  local net = lan()
  local a, b = net.hosts.a, net.hosts.b
  local S = b.S
  local rs, ss, to = udp(net, 7001, true)
  T.ok(net:impair("lan", { duplicate = 1 }, "a"), "a's frames duplicated")
  for i = 1, 5 do assert(a.S.sendto(ss, "d" .. i, nil, 0, to)) end
  local got = {}
  while true do
    local d = S.recvfrom(rs, nil, 64)
    if not d then break end
    got[#got + 1] = d
  end
  T.eq(#got, 10, "ten datagrams for five")
  local st = assert(net:impair_stats("lan", "a"))
  T.eq(st.duplicated, 5, "five duplicated")
  T.eq(assert(net:impair_stats("lan")).frames, 0, "the bus's own rule saw nothing")
  rs:close(); ss:close()
end)

T.case("a host's partition holds its frames, its end releases them", function()
  local net = lan()
  local a, b = net.hosts.a, net.hosts.b
  local S = b.S
  local rs, ss, to = udp(net, 7002, true)
  T.ok(net:impair("lan", { partition = "hold" }, "a"), "a partitioned (hold)")
  for i = 1, 3 do assert(a.S.sendto(ss, "h" .. i, nil, 0, to)) end
  T.ok(S.recvfrom(rs, nil, 64) == nil, "nothing arrives while held")
  T.eq(assert(net:impair_stats("lan", "a")).held, 3, "three held")
  T.ok(net:impair("lan", {}, "a"), "partition ends")
  local got = {}
  for _ = 1, 3 do got[#got + 1] = S.recvfrom(rs, nil, 64) end
  T.eq(table.concat(got, ","), "h1,h2,h3", "released in order")
  T.ok(net:impair("lan", { partition = "hold" }, "a"), "held again")
  assert(a.S.sendto(ss, "lost", nil, 0, to))
  T.ok(net:impair("lan", { drop_held = true }, "a"), "ended, dropping what was held")
  T.ok(S.recvfrom(rs, nil, 64) == nil, "the held datagram is gone")
  T.eq(assert(net:impair_stats("lan", "a")).held_dropped, 1, "counted")
  rs:close(); ss:close()
end)

-- A seeded run under the virtual clock replays exactly, impairments included (issue 11's
-- faults from the seed): the same frames dropped, delayed, duplicated and reordered.
T.case("one seed twice: the same impaired exchange, byte-identical pcaps", function()
  local race = require "rump.race"
  local dir = T.tmpdir()
  local nrun = 0
  local function scenario()
    nrun = nrun + 1
    local path = dir .. "/imp" .. nrun .. ".pcap"
    local net = lan()
    local a, b = net.hosts.a, net.hosts.b
    assert(net:pcap("lan", path))
    local rs, ss, to = udp(net, 7003)
    assert(net:impair("lan", { loss = 0.2, delay = 5, jitter = 3, duplicate = 0.1,
      reorder = 0.3, gap = 2 }))
    local got = {}
    for i = 1, 40 do
      assert(a.S.sendto(ss, "m" .. i, nil, 0, to))
      b.S.poll({ { fd = rs, events = "in" } }, 1)
      while true do
        local d = b.S.recvfrom(rs, nil, 64)
        if not d then break end
        got[#got + 1] = d
      end
    end
    b.S.poll({ { fd = rs, events = "in" } }, 50)
    while true do
      local d = b.S.recvfrom(rs, nil, 64)
      if not d then break end
      got[#got + 1] = d
    end
    local st = assert(net:impair_stats("lan"))
    assert(net:pcap("lan", nil))
    rs:close(); ss:close()
    assert(net:destroy())
    local f = assert(io.open(path, "rb"))
    local pcap = f:read("*a")
    f:close()
    return { got = table.concat(got, ","), pcap = pcap, lost = st.lost, dup = st.duplicated }
  end
  local ok, a, b = race.check(scenario, { seed = 11 })
  T.ok(ok, a)
  T.ok(a.result.pcap == b.result.pcap and #a.result.pcap > 24, "byte-identical pcaps")
  T.eq(a.result.got, b.result.got, "the same datagrams in the same order")
  T.ok(a.result.lost > 0 and a.result.dup > 0, "frames were lost and duplicated")
  local c = race.run(12, scenario)
  T.ok(c.result.got ~= a.result.got or c.result.pcap ~= a.result.pcap, "another seed: another run")
end)
