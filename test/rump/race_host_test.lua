-- rump.race_host (docs/race.md, "Host threads from Lua"): host threads running Lua chunks
-- in fresh states, borrowing the parent's kernels, under a seeded world: arguments and
-- results copied, a check-then-act race on tmpfs found from scratch by the random and the
-- PCT scheduler, replayed from its seed and its choice list, shrunk to one preemption;
-- calls that really sleep (a blocking pipe read); the same seed giving the same choices
-- and trace digest; errors, deadlocks and bad use.
local T = require "rump.test"
local rump = require "rump"
local race = require "rump.race"
local host = require "rump.race_host"

-- one run: a janitor and an updater, two threads of one process, on /data; the update
-- must survive (examples/race_host.lua)
local E = dofile("examples/race_host.lua")
local tmpfs = E.tmpfs_threads

T.case("host threads: arguments and results are copied, kernels borrowed", function()
  local w = host.world{ seed = 3 }
  local k = w:kernel{ "vfs", "fs.tmpfs" }
  w:spawn([[
    local k, n, t, s, b = ...
    local fd = assert(k.S.open("/x", "creat,rdwr", "0644"))
    assert(fd:write(s .. n))
    fd:close()
    local ok, err = pcall(k.destroy, k)
    return { n = n * 2, a = t.a, deep = t.inner[2], b = b, refused = not ok and tostring(err):match("borrowed") ~= nil }
  ]], k, 21, { a = "str", inner = { 1, 2 } }, "hi", false)
  w:spawn([[ local k = ...; return k.S.getpid() ]], { kernel = k })  -- a rump.net host's shape
  local res = w:run()
  T.same(res[1], { ok = true, value = { n = 42, a = "str", deep = 2, b = false, refused = true } })
  T.same(res[2], { ok = true, value = 1 })
  T.ok(#w.choices > 0, "the run made choices")
  local fd = assert(k.S.open("/x", "rdonly"))
  T.eq(fd:read(nil, 10), "hi21", "the thread's write is in the parent's kernel")
  fd:close()
  T.ok(k:destroy())
end)

T.case("states are reused between runs: a chunk's globals are its own, its kernels end with it", function()
  for run = 1, 3 do
    local w = host.world{ seed = run }
    local k = w:kernel{}
    w:spawn([[ local k = ...; local seen = LEFT; LEFT = "run"; return { seen = seen, pid = k.S.getpid() } ]], k)
    w:spawn([[ local k = ...; local seen = LEFT; LEFT = "run"; return { seen = seen, loaded = package.loaded["rump.race_host"] ~= nil } ]], k)
    local res = w:run()
    T.same(res[1].value, { pid = 1 }, "run " .. run .. ": no global left by an earlier chunk")
    T.same(res[2].value, { loaded = true })
    T.eq(rawget(_G, "LEFT"), nil, "nor in the parent")
    T.ok(k:destroy(), "the kernel is not held by a finished thread")
  end
end)

T.case("tmpfs check-then-act between host threads: random finds it, replays from seed and list, shrinks", function()
  local f = host.explore(tmpfs, { seed = 1, runs = 40 })
  T.ok(f, "found within 40 runs")
  T.ok(f.message:match("lost update"), f and f.message)
  local ok, msg = host.replay(tmpfs, f)
  T.eq(ok, nil, "its choice list replays it")
  T.ok(msg:match("lost update"))
  local g = host.explore(tmpfs, { seed = f.seed, runs = 1 })
  T.ok(g, "the seed alone fails again")
  T.eq(race.encode(g.choices), race.encode(f.choices), "with the same choices")
  local s = host.shrink(tmpfs, f)
  T.eq(race.nonzero(s.choices), 1, "shrunk to one preemption: " .. race.encode(s.choices))
  T.ok(#s.choices <= #f.choices)
  T.eq(host.replay(tmpfs, s), nil, "the shrunk list still fails")
end)

T.case("tmpfs race: PCT and exhaustive search find it too; without preemptions (a list of zeros) it never fails", function()
  local f = host.explore(tmpfs, { seed = 1, runs = 60, strategy = "pct" })
  T.ok(f, "PCT found it within 60 runs")
  T.eq(f.strategy, "pct")
  local d = host.explore(tmpfs, { seed = 1, runs = 200, strategy = "dfs" })
  T.ok(d, "dfs found it")
  T.eq(d.strategy, "dfs")
  T.eq(host.replay(tmpfs, d), nil, "and its list replays it")
  -- a scenario without a race: every schedule is tried, none fails
  local f2, runs = host.explore(function(w)
    local k = w:kernel{}
    w:spawn([[ local k = ...; k.S.getpid(); return k.S.getpid() ]], k)
    w:spawn([[ local k = ...; return k.S.getppid() ]], k)
    w:run()
    k:destroy()
  end, { runs = 500, strategy = "dfs" })
  T.eq(f2, nil)
  T.ok(runs > 1 and runs < 500, "every schedule tried: " .. tostring(runs) .. " runs")
  T.eq(host.replay(tmpfs, { seed = 1, strategy = "random", choices = { 0 } }), true,
    "the janitor alone first, then the updater: the update survives")
end)

T.case("examples/race_host.lua: a lock-order deadlock between flocks that really sleep, found, replayed, shrunk", function()
  local f = host.explore(E.lockorder, { seed = 1, runs = 40 })
  T.ok(f, "random found it within 40 runs")
  T.ok(f.message:match("^deadlock: every host thread sleeps"), f and f.message)
  local ok, msg = host.replay(E.lockorder, f)
  T.eq(ok, nil, "its list replays it")
  T.eq(msg, f.message)
  local s = host.shrink(E.lockorder, f)
  T.eq(race.nonzero(s.choices), 1, "one preemption: " .. race.describe(s))
  T.ok(race.describe(s):match("=1"), race.describe(s))
  -- and the example's tmpfs race, each thread a process of its own
  local g = host.explore(E.tmpfs, { seed = 1, runs = 40 })
  T.ok(g and g.message == "lost update", "the tmpfs race between two processes")
end)

T.case("host threads really sleep: a blocking pipe read woken by a writer; the same seed, the same run", function()
  local function pipes(w)
    local k = w:kernel{}
    local _, _, rfd, wfd = assert(k.S.pipe())
    local r, wr = rfd:getfd(), wfd:getfd()
    w:spawn([[
      local k, r = ...
      local buf = require("syscall.ffi").new("char[8]")
      local n = k.S.read(r, buf, 8)
      return n and require("syscall.ffi").string(buf, n)
    ]], k, r)
    w:spawn([[
      local k, wr = ...
      assert(k.S.write(wr, "ping"))
      return "wrote"
    ]], k, wr)
    local res = w:run()
    rfd:close(); wfd:close()
    k:destroy()
    return res
  end
  local digests, lists = {}, {}
  for seed = 1, 6 do
    for round = 1, 2 do
      race.seed(seed)
      race.trace(0)
      local w = host.world{ seed = seed }
      local res = pipes(w)
      T.same(res, { { ok = true, value = "ping" }, { ok = true, value = "wrote" } })
      local d = race.digest()
      race.trace(false)
      if round == 1 then digests[seed], lists[seed] = d, race.encode(w.choices)
      else
        T.eq(d, digests[seed], "seed " .. seed .. ": the same trace digest")
        T.eq(race.encode(w.choices), lists[seed], "and the same choices")
      end
    end
  end
  race.seed(nil)
  local other = false
  for seed = 2, 6 do if lists[seed] ~= lists[1] then other = true end end
  T.ok(other, "the seeds give other interleavings")
end)

T.case("a thread's error is raised naming it; every thread asleep is a deadlock, its kernels halted", function()
  local w = host.world{ seed = 1 }
  local k = w:kernel{}
  w:spawn([[ return 1 ]])
  w:spawn([[ error("boom") ]])
  T.err(function() w:run() end, "thread 2: .*boom")
  T.eq(w.results[1].value, 1)
  T.ok(k:destroy())

  w = host.world{ seed = 1 }
  k = w:kernel{}
  local _, _, rfd, wfd = assert(k.S.pipe())
  w:spawn([[ local k, r = ...; local b = require("syscall.ffi").new("char[1]"); return k.S.read(r, b, 1) ]], k, rfd:getfd())
  T.err(function() w:run() end, "deadlock: every host thread sleeps")
  T.ok(k.dead, "its kernel was halted (ending the reader) and destroyed")
  T.eq(host.world{ seed = 1 }:run()[1], nil, "a world after it: none in the way, no thread")
end)

T.case("the allocation fault site: a recorded choice per call, replayed, shrunk to the fault", function()
  local function churn(w)
    local k = w:kernel{ "vfs", "fs.tmpfs" }
    local CODE = [[
      local k, tag = ...
      for i = 1, 3 do
        local fd, err = k.S.open("/f" .. tag .. i, "creat,rdwr", "0644")
        if not fd then return "open: " .. tostring(err) end
        fd:close()
        k.S.unlink("/f" .. tag .. i)
      end
      return "ok"
    ]]
    w:spawn(CODE, k, "a")
    w:spawn(CODE, k, "b")
    local res = w:run()
    k:destroy()
    for i = 1, 2 do assert(res[i].value == "ok", res[i].value) end
  end
  local f = host.explore(churn, { seed = 1, runs = 40, alloc = 0.25 })
  T.ok(f, "a call failed within 40 runs")
  T.ok(f.message:match("open: "), f.message)
  T.eq(host.replay(churn, f), nil, "its list replays it")
  local s = host.shrink(churn, f)
  T.eq(race.nonzero(s.choices), 1, "shrunk to one choice (the fault): " .. race.describe(s))
  T.eq(host.explore(churn, { seed = f.seed, runs = 1 }), nil, "that seed without the site: nothing fails")
  local on = 0
  for seed = 1, 12 do
    local w = host.world{ seed = seed, faults = "swarm" }
    local k = w:kernel{}
    w:spawn([[ local k = ...; return k.S.getpid() ]], k)
    w:run()
    k:destroy()
    if #w.choices > 0 then on = on + 1 end
  end
  T.ok(on > 0 and on < 12, "swarm: the site on for some seeds only (" .. on .. " of 12)")
end)

T.case("bad use: errors name the argument", function()
  T.err(function() host.world{ strategy = "bogus" } end, "bad option 'strategy'")
  T.err(function() host.world{ depth = 0 } end, "bad option 'depth'")
  T.err(function() host.world{ alloc = 2 } end, "bad option 'alloc'")
  T.err(function() host.world{ faults = "all" } end, "bad option 'faults'")
  local w = host.world{ seed = 1 }
  T.err(function() w:spawn(42) end, "bad argument #1 to 'spawn'")
  T.err(function() w:spawn("return (") end, "bad argument #1 to 'spawn'")
  T.err(function() w:spawn("return 1", function() end) end, "bad argument #2 to 'spawn'")
  T.err(function() w:spawnfile("/nonexistent/x.lua") end, "bad argument #1 to 'spawnfile'")
  local w2 = host.world{ seed = 1 }     -- ends w, made and never run
  T.err(function() w:run() end, "has run or ended already")
  T.same(w2:run(), {})
  T.err(function() w2:spawn("return 1") end, "has run or ended already")
  T.err(function() w2:run() end, "has run or ended already")
end)

-- the harness: a host-thread case failing in some rounds gets its seed, its choice list,
-- a shrunk one and a replay command that fails again
local sh = T.shquote
local LUA = T.interp()

T.case("rumpus-test --seed --repeat --shrink on a host-thread case: a replay command that fails again", function()
  local dir = T.tmpdir()
  local out = T.sh(sh(LUA) .. " test/run.lua --lua " .. sh(LUA) .. " --seed 1 --repeat 20 --shrink --artifacts " ..
    sh(dir) .. " test/fixtures/race/host_race_test.lua 2>&1")
  local cmd = out:match("replay: ([^\n]+)")
  T.ok(cmd, out)
  T.ok(cmd:find("--choices", 1, true), "the replay carries the shrunk choice list: " .. tostring(cmd))
  local shrunk = out:match("shrunk choice list: ([^\n]+)")
  T.ok(shrunk, out)
  T.eq(race.nonzero(race.decode(shrunk)), 1, "shrunk to one preemption: " .. tostring(shrunk))
  local rout = T.sh(cmd .. " 2>&1")
  T.ok(rout:find("0 passed, 1 failed", 1, true), rout)
  T.ok(rout:find("lost update", 1, true), rout)
end)
