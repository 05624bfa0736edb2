-- rump.race's scheduler (docs/race.md): worlds of coroutines bound to lwps, strategies,
-- choice lists, replay, shrinking, fault sites; the three example races of
-- examples/races.lua found from scratch within a bounded number of runs from fixed seeds,
-- replayed and shrunk; the harness's --shrink, --artifacts, --choices and --jobs.
local T = require "rump.test"
local rump = require "rump"
local race = require "rump.race"
local R = dofile("examples/races.lua")

local function found(name, opts, bound)
  opts.seed = opts.seed or 1
  opts.runs = bound
  opts.faults = opts.faults or R.faults[name]
  local f, runs = race.explore(R[name], opts)
  T.ok(f, name .. ": the race was found within " .. bound .. " runs (ran " .. tostring(runs) .. ")")
  T.ok(f.runs <= bound)
  -- the failure replays exactly, from its seed and choice list
  local ok, msg = race.replay(R[name], f)
  T.eq(ok, nil, "the replay fails again")
  T.eq(msg, f.message, "with the same message")
  -- and from (seed, strategy) alone: the same choice list
  if opts.strategy ~= "dfs" then
    local g = race.explore(R[name], { seed = f.seed, runs = 1, strategy = opts.strategy, depth = f.depth,
      steps = f.steps, faults = opts.faults })
    T.ok(g, "the seed alone fails again")
    T.eq(race.encode(g.choices), race.encode(f.choices), "the same choices from the seed")
  end
  local s = race.shrink(R[name], f)
  T.ok(#s.choices <= #f.choices, "the shrunk list is no longer")
  T.ok(race.nonzero(s.choices) <= race.nonzero(f.choices), "with no more non-zero choices")
  T.eq(race.replay(R[name], s), nil, "the shrunk list still fails")
  return f, s
end

T.case("choice lists: text form round trip, bad items are errors", function()
  local l = { 0, 0, 0, 1, 0, 2, 0, 0 }
  T.eq(race.encode(l), "0*3,1,0,2,0*2")
  T.same(race.decode("0*3,1,0,2,0*2"), l)
  T.same(race.decode(""), {})
  T.err(function() race.decode("1,x") end, "bad choice list item")
  T.err(function() race.world{ strategy = "bogus" } end, "bad option 'strategy'")
end)

T.case("tmpfs check-then-act (rename against open/unlink): random finds, replays, shrinks to one preemption", function()
  local _, s = found("tmpfs", { strategy = "random" }, 20)
  T.eq(race.nonzero(s.choices), 1, "one preemption: before the janitor's unlink")
end)

T.case("tmpfs race: PCT (depth 3) and exhaustive search find it too", function()
  found("tmpfs", { strategy = "pct", depth = 3 }, 100)
  local f = found("tmpfs", { strategy = "dfs" }, 20)
  T.eq(f.strategy, "dfs")
end)

T.case("exhaustive search ends when every schedule was tried", function()
  local n = 0
  local f, runs = race.explore(function(w)
    local k = rump.kernel{ "vfs", "fs.tmpfs" }
    w:spawn("a", k, nil, function(S) S.getpid(); S.getpid() end)
    w:spawn("b", k, nil, function(S) S.getpid() end)
    local ok, err = pcall(w.run, w)
    k:destroy()
    n = n + 1
    assert(ok, err)
  end, { strategy = "dfs", runs = 1000 })
  T.eq(f, nil)
  T.eq(runs, n)
  T.ok(runs >= 3 and runs < 1000, "a handful of schedules, all tried: " .. runs)
end)

T.case("UDP request/response with retransmission: a delayed reply answers the next request", function()
  local _, s = found("udp", { strategy = "random" }, 50)
  local kinds = {}
  for i = 1, #s.choices do if s.choices[i] ~= 0 then kinds[s.kinds[i]] = true end end
  T.ok(kinds.skew, "a timer-skew fault is part of the shrunk list")
  found("udp", { strategy = "pct" }, 50)
end)

T.case("UDP race under link faults (bus impairments: drop, delay/reorder, duplicate) and under the swarm", function()
  local _, s = found("udp", { strategy = "random", faults = { link = 0.1 } }, 50)
  local kinds = {}
  for i = 1, #s.choices do if s.choices[i] ~= 0 then kinds[s.kinds[i]] = true end end
  T.ok(kinds.link, "a link fault is part of the shrunk list")
  found("udp", { strategy = "random", faults = "swarm" }, 50)
end)

T.case("TCP close (RST) against a reused connection: random and PCT find it", function()
  found("tcp", { strategy = "random" }, 20)
  found("tcp", { strategy = "pct" }, 50)
end)

T.case("blocking calls wait for another thread; all waiting with no timer is a deadlock", function()
  local was = rump.clock.virtual(true)
  T.defer(function() rump.clock.virtual(was) end)
  local k = rump.kernel{ "net.netinet", "net.shmif" }
  T.defer(function() k:destroy() end)
  local S = k.S
  local a = assert(S.socket("inet", "dgram"))
  assert(S.bind(a, S.t.sockaddr_in(9, "127.0.0.1")))
  for seed = 1, 5 do
    local w = race.world{ seed = seed }
    local got
    w:spawn("reader", k, nil, function(S) got = S.recv(a) end)
    w:spawn("writer", k, nil, function(S)
      local b = assert(S.socket("inet", "dgram"))
      race.sleep(1)
      assert(S.sendto(b, "hi", nil, 0, S.t.sockaddr_in(9, "127.0.0.1")))
      S.close(b)
    end)
    local t0 = rump.clock.now()
    w:run()
    T.eq(got, "hi")
    T.ok(rump.clock.now() - t0 >= 1e9, "virtual time moved to the writer's wakeup")
  end
  local w = race.world{ seed = 1 }
  w:spawn("r1", k, nil, function(S) S.recv(a) end)
  T.err(function() w:run() end, "deadlock: every thread waits")
end)

T.case("every thread waits on a kernel timer (a frame delayed on an impaired bus): time moves to it", function()
  local rnet = require "rump.net"
  local was = rump.clock.virtual(true)
  T.defer(function() rump.clock.virtual(was) end)
  rump.seed(5)
  T.defer(function() rump.seed(nil) end)
  local net = assert(rnet.build{ hosts = { "a", "b" }, buses = { lan = { { "a", "10.8.7.1/24" }, { "b", "10.8.7.2/24" } } } })
  T.defer(function() net:destroy() end)
  local A, B = net.hosts.a, net.hosts.b
  local sb = assert(B.S.socket("inet", "dgram"))
  assert(B.S.bind(sb, B.S.t.sockaddr_in(9)))
  -- ARP first, undelayed
  local sa = assert(A.S.socket("inet", "dgram"))
  assert(A.S.sendto(sa, "warm", nil, 0, A.S.t.sockaddr_in(9, "10.8.7.2")))
  T.eq(B.S.recv(sb), "warm")
  race.link_provider(nil, net.buses.lan.id, 1, true)      -- 30 ms +- 20 ms delay
  T.defer(function() race.link_provider(nil, net.buses.lan.id, 0, false) end)
  local w = race.world{ seed = 5 }
  local got, t0
  w:spawn("receiver", B, nil, function(S) got = S.recv(sb) end)
  w:spawn("sender", A, nil, function(S)
    t0 = rump.clock.now()
    assert(S.sendto(sa, "late", nil, 0, S.t.sockaddr_in(9, "10.8.7.2")))
  end)
  w:run()
  T.eq(got, "late", "the delayed frame arrived: no deadlock")
  local dt = rump.clock.now() - t0
  T.ok(dt >= 10e6 and dt <= 50e6, "virtual time moved by the frame's delay: " .. dt)
end)

T.case("every thread waits while only a periodic kernel timer fires (TCP keepalive): the time bound ends the run", function()
  local rnet = require "rump.net"
  local w = race.world{ seed = 6, maxtime = 6 * 3600 }
  local net = assert(rnet.build{ hosts = { "a", "b" }, buses = { lan = { { "a", "10.8.5.1/24" }, { "b", "10.8.5.2/24" } } } })
  T.defer(function() net:destroy() end)
  local A, B = net.hosts.a, net.hosts.b
  local l = assert(B.S.socket("inet", "stream"))
  assert(B.S.bind(l, B.S.t.sockaddr_in(80)))
  assert(B.S.listen(l, 1))
  local c = assert(A.S.socket("inet", "stream"))
  assert(A.S.setsockopt(c, "socket", "keepalive", true))
  w:spawn("client", A, nil, function(S)
    assert(S.connect(c, S.t.sockaddr_in(80, "10.8.5.2")))
    S.recv(c)        -- the server never sends: keepalive probes, answered, every 2 hours
  end)
  w:spawn("server", B, nil, function(S) assert(S.accept(l)) end)
  local ok, err = pcall(w.run, w)
  T.eq(ok, false)
  T.ok(tostring(err):match("^time bound: every thread waits and more than 21600 s of virtual time passed %(client%)"), err)
  T.ok(not pcall(race.world, { maxtime = 0 }), "maxtime 0 is an error (before the clock turns virtual)")
end)

T.case("a thread's error stops the run and names the thread; the world restores process 1", function()
  local k = rump.kernel{ "vfs", "fs.tmpfs" }
  T.defer(function() k:destroy() end)
  local p = assert(k:rfork("copy")); k:switch(nil)
  local w = race.world{ seed = 3 }
  local pid
  w:spawn("child", k, p, function(S) pid = S.getpid() end)
  w:spawn("bad", k, nil, function(S) S.getpid(); error("boom") end)
  T.err(function() w:run() end, "thread bad: .*boom")
  T.ok(pid == nil or pid > 1)
  T.eq(k.S.getpid(), 1)
  T.err(function() w:spawn(1) end, "bad argument #1 to 'spawn'")
  T.err(function() w:spawn("x", 5, nil, print) end, "bad argument #2 to 'spawn'")
  T.err(function() w:spawn("x", k, {}, print) end, "bad argument #3 to 'spawn'")
  T.err(function() race.world{ depth = 0 } end, "bad option 'depth'")
  T.err(function() race.world{ seed = -1 } end, "bad option 'seed'")
end)

T.case("swarm faults: sites per seed; an allocation fault is a recorded choice", function()
  local sets = {}
  for seed = 1, 40 do
    local s = race.swarm(seed)
    local key = {}
    for _, site in ipairs(race.sites) do key[#key + 1] = s[site] and site or "-" end
    sets[table.concat(key, ",")] = true
  end
  local n = 0
  for _ in pairs(sets) do n = n + 1 end
  T.ok(n >= 4, "different seeds switch different sets of sites on: " .. n)
  -- allocation failures at every syscall entry: the first open fails with ENOMEM/ENOSPC
  local k = rump.kernel{ "vfs", "fs.tmpfs" }
  T.defer(function() k:destroy() end)
  local w = race.world{ seed = 1, faults = { alloc = 1 } }
  local r, err
  w:spawn("t", k, nil, function(S) r, err = S.open("/x", "creat, wronly", "0644") end)
  w:run()
  T.eq(r, nil, "the open failed")
  T.ok(err and (err.NOMEM or err.NOSPC or err.NOBUFS), tostring(err))
  local pos
  for i = 1, #w.choices do if w.kinds[i] == "alloc" and w.choices[i] == 1 then pos = i end end
  T.ok(pos, "recorded as a choice")
  -- replayed with that choice zeroed, the open succeeds
  local list = {}
  for i = 1, #w.choices do list[i] = w.choices[i] end
  list[pos] = 0
  local w2 = race.world{ seed = 1, faults = { alloc = 1 }, choices = list }
  local r2
  w2:spawn("t", k, nil, function(S) r2 = S.open("/y", "creat, wronly", "0644") end)
  w2:run()
  T.ok(r2, "no fault: the open succeeds")
end)

-- the harness: the fixture fails in some rounds; the runner prints seed, a replay command
-- with the (shrunk) choice list, writes artifacts; --jobs splits the rounds
local sh = T.shquote
local LUA = T.interp()
local FIX = "test/fixtures/race/tmpfs_race_test.lua"

local function runner(args)
  local out = T.sh(sh(LUA) .. " test/run.lua --lua " .. sh(LUA) .. " " .. args .. " 2>&1; echo \"__status=$?\"")
  local body, st = out:match("^(.-)\n?__status=(%d+)$")
  return body or out, tonumber(st)
end

T.case("rumpus-test --seed --repeat --shrink --artifacts: a replay command that fails again", function()
  local dir = T.tmpdir()
  local out, st = runner("--seed 1 --repeat 20 --shrink --artifacts " .. sh(dir) .. " " .. FIX)
  T.eq(st, 1, out)
  local cmd = out:match("replay: ([^\n]+)")
  T.ok(cmd, out)
  T.ok(cmd:find("--choices", 1, true), "the replay carries the shrunk choice list: " .. cmd)
  local shrunk = out:match("shrunk choice list: ([^\n]+)")
  local orig = out:match("    choice list: ([^\n]+)")
  T.ok(shrunk and orig, out)
  T.ok(#race.decode(shrunk) <= #race.decode(orig), "no longer")
  local art = out:match("pcaps, event trace, choice list: ([^\n]+)")
  T.ok(art and art:sub(1, #dir) == dir, out)
  local c = io.open(art .. "/choices.txt"); T.ok(c, "choices.txt written")
  local text = c:read("*a"); c:close()
  T.ok(text:find("failed again", 1, true), text)
  local t = io.open(art .. "/trace.txt"); T.ok(t, "trace.txt written"); t:close()
  -- the printed command replays the failure alone
  local rout = T.sh(cmd .. " 2>&1")
  T.ok(rout:find("0 passed, 1 failed", 1, true), rout)
  T.ok(rout:find("lost update", 1, true), rout)
end)

T.case("rumpus-test --jobs 2: the rounds split over two workers, results merged", function()
  local out1 = runner("--seed 1 --repeat 6 " .. FIX)
  local out2 = runner("--seed 1 --repeat 6 --jobs 2 " .. FIX)
  local f1 = out1:match("(%d+/6 failed)")
  T.ok(f1, out1)
  T.eq(out2:match("(%d+/6 failed)"), f1, "the same rounds fail in one process and in two: " .. out2)
  T.eq(out2:match("seed (%d+);"), out1:match("seed (%d+);"), "the same first failing seed")
end)

T.case("--artifacts: a failed network race leaves a pcap per bus, replayed from its list", function()
  local dir = T.tmpdir()
  local out, st = runner("--seed 1 --repeat 20 --until-fail --artifacts " .. sh(dir) .. " test/fixtures/race/udp_race_test.lua")
  T.eq(st, 1, out)
  local art = out:match("pcaps, event trace, choice list: ([^\n]+)")
  T.ok(art, out)
  local ls = T.sh("ls " .. sh(art))
  T.ok(ls:find("link1[^\n]*%.pcap") and ls:find("link2[^\n]*%.pcap"), "a pcap per bus: " .. ls)
  local pname = ls:match("(link1[^\n]*%.pcap)")
  local p = io.open(art .. "/" .. pname, "rb")
  local data = p:read("*a"); p:close()
  T.ok(#data > 24 + 16, "the capture holds frames")
  T.eq(data:byte(1), 0xd4, "a classic pcap file")
  local c = io.open(art .. "/choices.txt"):read("*a")
  T.ok(c:find("failed again", 1, true), c)
end)
