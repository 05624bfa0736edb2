-- rump.race's scheduler: worlds of threads of control (Lua coroutines bound to lwps of
-- rumpus kernels) run in the seeded deterministic mode, one at a time, with every choice
-- (which thread runs next, which fault fires) taken from a strategy and recorded, so a run
-- replays from (seed, strategy) or from its choice list, and a failing list can be shrunk.
-- docs/race.md describes it; this file adds its functions to rump.race:
--
--   race.world(opts)        a world: opts.seed (default rump.seed() or 1), opts.strategy
--                           ("random", "pct", "dfs"; default $RUMPUS_RACE_STRATEGY or
--                           "random"), opts.depth (PCT's d, default 3), opts.steps (PCT's
--                           estimate k of scheduling steps, default 64; race.explore
--                           takes it from the previous run), opts.choices (a
--                           choice list to replay: a table or its string), opts.faults
--                           (true or "swarm": sites from the seed; a table { site = p };
--                           default $RUMPUS_RACE_FAULTS), opts.skew (ns of a timer-skew
--                           fault, default from the swarm), opts.maxsteps (100000),
--                           opts.maxtime (virtual seconds a run may span, 86400)
--   w:spawn(name, k, proc, fn)  a thread of control: fn(S) runs as a coroutine bound to
--                           process proc of kernel k (nil: process 1); S is k.S seen
--                           through the scheduler (every call a preemption point, blocking
--                           calls cooperative).  k may be nil for a thread with no kernel.
--   w:iface(k, name)        an interface the ifdown fault site may take down (and up)
--   w:link(bus or net)      buses the link fault site may impair (race.link_provider)
--   w:capture(net)          pcap every bus of a rump.net topology when the harness asks
--                           for artifacts (race.capturedir())
--   w:run()                 runs every thread to its end; raises the first error a thread
--                           raised (naming it) or "deadlock: ..."; w.choices, w.steps set
--   race.yield()            a preemption point of the running thread (shared Lua state)
--   race.sleep(seconds)     the running thread sleeps in virtual time
--   race.explore(fn, opts)  runs fn(w) on opts.runs seeds (from opts.seed) or, with
--                           strategy "dfs", on every schedule up to opts.runs runs; returns
--                           the first failure { seed, strategy, choices, message, runs }
--                           or nil, runs
--   race.replay(fn, f)      runs fn once as failure f did (its seed and choice list):
--                           nil, message when it fails again
--   race.shrink(fn, f)      delta debugging over f's choice list: a failure whose list
--                           has no more non-zero choices and is no longer
--   race.encode(list) / race.decode(s)   the text form of a choice list: "0*12,1,0*3,2"
--   race.describe(f)        one line: seed, strategy, the non-zero choices and their kinds
--   race.swarm(seed)        the fault sites a seed switches on, with their probabilities
local rump = require "rump"
local ffi = require "syscall.ffi"
local search = require "rump.race_search"

local floor, tostring, type, error, pcall, select = math.floor, tostring, type, error, pcall, select
local co_create, co_resume, co_status, co_yield =
  coroutine.create, coroutine.resume, coroutine.status, coroutine.yield
local concat, fmt = table.concat, string.format
local unpack = table.unpack or unpack
local getenv = os.getenv

return function(M, L)

-- Park and Miller's minimal standard generator: exact in doubles, so LuaJIT, Lua 5.3 and
-- 5.4 draw the same numbers from one seed.
local function prng(seed)
  local x = (seed * 7919 + 12345) % 2147483646 + 1
  local r = {}
  function r.next() x = x * 16807 % 2147483647; return x end
  function r.float() return (r.next() - 1) / 2147483646 end
  function r.int(n) return floor(r.float() * n) end   -- 0 .. n-1
  return r
end
M._prng = prng

-- Choice lists: a list of whole numbers; text "0*12,1,0*3,2" (runs of zeros compressed).
function M.encode(list)
  local out, z = {}, 0
  local function flush()
    if z == 1 then out[#out + 1] = "0" elseif z > 1 then out[#out + 1] = "0*" .. z end
    z = 0
  end
  for i = 1, #list do
    if list[i] == 0 then z = z + 1 else flush(); out[#out + 1] = tostring(list[i]) end
  end
  flush()
  return concat(out, ",")
end

function M.decode(s)
  if type(s) == "table" then return s end
  if type(s) ~= "string" then error("bad argument #1 to 'decode' (choice list string expected)", 2) end
  local list = {}
  for item in s:gmatch("[^,%s]+") do
    local v, n = item:match("^(%d+)%*(%d+)$")
    if v then
      for _ = 1, tonumber(n) do list[#list + 1] = tonumber(v) end
    elseif item:match("^%d+$") then
      list[#list + 1] = tonumber(item)
    else
      error("bad choice list item '" .. item .. "'", 2)
    end
  end
  return list
end

local function nonzero(list)
  local n = 0
  for i = 1, #list do if list[i] ~= 0 then n = n + 1 end end
  return n
end
M.nonzero = nonzero

local function trimzeros(list)
  local out = {}
  local last = 0
  for i = 1, #list do if list[i] ~= 0 then last = i end end
  for i = 1, last do out[i] = list[i] end
  return out
end

-- Fault sites and the swarm: per seed each site is on with probability 1/2, with a
-- probability of firing drawn from PROBS.
local SITES = { "alloc", "skew", "ifdown", "link" }
M.sites = SITES
local PROBS = { 0.02, 0.05, 0.1, 0.25 }
local SKEWS = { 1e6, 10e6, 100e6, 1e9 }

function M.swarm(seed)
  local r = prng(seed * 3 + 1)
  local on = {}
  for _, site in ipairs(SITES) do
    local enabled = r.float() < 0.5
    local p = PROBS[r.int(#PROBS) + 1]
    if enabled then on[site] = p end
  end
  on.skewns = SKEWS[r.int(#SKEWS) + 1]
  return on
end

-- The link site's provider: function(w, bus, kind, on) impairs bus (kind 0: a partition
-- that drops every frame, 1: 30 ms delay with 20 ms jitter, frames reordered, 2: every
-- frame duplicated) or, with on false, clears it.  The default uses the bus impairments
-- (rumpus_bus_impair, netem style); the impairment's own random draws come from the bus's
-- generator, seeded from the run's seed.  Set to nil, the link site is never switched on.
local impdecl
local function impair_provider(w, bus, kind, on)
  local lib = L()
  if not impdecl then
    ffi.cdef [[
struct rumpus_impair {
	int loss_model; double loss; double ge_p, ge_r; double ge_bad_loss, ge_good_loss;
	uint64_t delay_ns, jitter_ns; int delay_dist; uint64_t rate_bps; unsigned limit;
	double duplicate; double reorder; unsigned gap; double corrupt; int partition; int drop_held;
};
int rumpus_bus_impair(const char *bus, const uint8_t *port_mac, const struct rumpus_impair *im);
]]
    impdecl = true
  end
  local im = ffi.new("struct rumpus_impair")
  if on then
    if kind == 0 then im.partition = 1
    elseif kind == 1 then im.delay_ns = 30e6; im.jitter_ns = 20e6
    else im.duplicate = 1 end
  end
  lib.rumpus_bus_impair(bus, nil, im)
end
M.link_provider = impair_provider

local deadbuf
local function nextdeadline()
  deadbuf = deadbuf or ffi.new("uint64_t[1]")
  if L().rumpus_det_next(deadbuf) == 0 then return nil end
  return ffi.tonumber and ffi.tonumber(deadbuf[0]) or tonumber(deadbuf[0])
end

local current_world, current_thread   -- the world running and its running thread

local W = {}
W.__index = W

local function envlist()
  local s = getenv("RUMPUS_RACE_CHOICES")
  if s and s ~= "" then return M.decode(s) end
  return nil
end

function M.world(opts)
  opts = opts or {}
  if type(opts) ~= "table" then error("bad argument #1 to 'world' (table expected)", 2) end
  local w = setmetatable({}, W)
  w.seed = opts.seed or M.seed() or 1
  local strat = opts.strategy or getenv("RUMPUS_RACE_STRATEGY")
  if strat == nil or strat == "" then strat = "random" end
  local sname, sdepth = strat:match("^(%a+):?(%d*)$")
  if sname ~= "random" and sname ~= "pct" and sname ~= "dfs" then
    error("bad option 'strategy' to 'world' (\"random\", \"pct\" or \"dfs\" expected, got " .. tostring(strat) .. ")", 2)
  end
  w.strategy = sname
  for _, o in ipairs{ "depth", "steps", "maxsteps", "maxtime", "seed" } do
    local v = opts[o]
    if v ~= nil and (type(v) ~= "number" or v < (o == "seed" and 0 or 1) or v % 1 ~= 0 or v >= 2 ^ 53) then
      error("bad option '" .. o .. "' to 'world' (whole number expected, got " .. tostring(v) .. ")", 2)
    end
  end
  w.depth = opts.depth or (sdepth ~= "" and tonumber(sdepth)) or 3
  w.kest = opts.steps or 64
  w.maxsteps = opts.maxsteps or 100000
  w.maxtime = opts.maxtime or 86400
  -- a replayed list: M.override (the harness's shrinker) before opts.choices before the
  -- environment's; positions past its end choose 0 (the current thread goes on, no fault)
  local list = M.override or opts.choices or envlist()
  w.list = list and M.decode(list) or nil
  w.prefix = opts.prefix     -- dfs: choices to take first, then 0
  local f = opts.faults
  if f == nil then
    local e = getenv("RUMPUS_RACE_FAULTS")
    if e == "swarm" or e == "1" then f = "swarm" end
  end
  if f == true or f == "swarm" then
    w.faults = M.swarm(w.seed)
  elseif type(f) == "table" then
    w.faults = {}
    for k, v in pairs(f) do w.faults[k] = v end
    w.faults.skewns = w.faults.skewns or 10e6
  else
    w.faults = {}
  end
  if opts.skew then w.faults.skewns = opts.skew end
  if not M.link_provider then w.faults.link = nil end
  -- worlds run in the deterministic mode: the clock virtual from here (the scenario's
  -- kernels are booted under it) to the end of w:run(), the seed set
  w.wasvirtual = rump.clock.virtual(true)
  if not M.seed() then M.seed(w.seed); w.seeded = true end
  w.rng = prng(w.seed)
  w.threads, w.live = {}, 0
  w.choices, w.ns, w.kinds = {}, {}, {}
  w.steps = 0
  w.ifaces, w.links = {}, {}
  w.down, w.impaired = {}, {}
  M.last = w
  return w
end

-- One choice among n (0 .. n-1): from the replayed list, the dfs prefix or the strategy's
-- draw (draw()); recorded with its kind.
function W:choose(n, kind, draw)
  local pos = #self.choices + 1
  local v
  if self.list then
    v = self.list[pos] or 0
  elseif self.prefix then
    v = self.prefix[pos] or 0
  else
    v = draw and draw() or 0
  end
  if v >= n then v = 0 end
  self.choices[pos], self.ns[pos], self.kinds[pos] = v, n, kind
  return v
end

-- Whether fault site `site` fires at this point (a recorded choice when the site is on).
function W:fault(site)
  local p = self.faults[site]
  if not p then return false end
  local rng = self.rng
  return self:choose(2, site, function() return rng.float() < p and 1 or 0 end) == 1
end

-- Makes th's lwp current in its kernel (a switch only when another was bound there last:
-- k._racelwp remembers it for the length of a run).
local NOPROC = {}
local function bind(th)
  local k = th.k
  if k and not k.dead then
    local p = th.proc or NOPROC
    if k._racelwp ~= p then k:switch(th.proc); k._racelwp = p end
  end
end
local function unbindall(w)
  for _, th in ipairs(w.threads) do if th.k then th.k._racelwp = nil end end
end

-- The scheduler's view of k.S for thread th.
local BLOCKIN = { recv = true, recvfrom = true, recvmsg = true, read = true, readv = true,
  accept = true, accept4 = true }
local BLOCKOUT = { send = true, sendto = true, sendmsg = true, write = true, writev = true }

-- pollfds arrays are kept per descriptor and events (building one parses the events)
local pollcache = setmetatable({}, { __mode = "k" })
local function pollready(S, fd, events)
  local byfd = pollcache[fd]
  if not byfd then byfd = {}; pollcache[fd] = byfd end
  local pfd = byfd[events]
  if not pfd then pfd = S.t.pollfds{ { fd = fd, events = events } }; byfd[events] = pfd end
  local n = S.poll(pfd, 0)
  return n and n > 0
end

-- One table per kernel (k._raceS), shared by every world and thread using k: each call
-- finds its thread and world in current_thread / current_world.  Called outside a world's
-- run (or by a thread of another kernel) a function is the plain k.S one.
local function wrapK(k)
  local S = k.S
  -- a preemption point, then the fault sites of a syscall entry
  local function entry(w, th)
    -- timer skew: this thread was slow getting here (time moved), then the preemption point
    local faults = w.faults
    if faults.skew and w:fault("skew") then rump.clock.advance(faults.skewns); bind(th) end
    co_yield("step")
    if faults.ifdown and #w.ifaces > 0 and w:fault("ifdown") then w:_toggle() end
    if faults.link and #w.links > 0 and w:fault("link") then w:_impair() end
    bind(th)
  end
  local function call(w, f, ...)
    if w.faults.alloc and w:fault("alloc") then
      k:fault{ nth = 1 }
      local r = { n = select("#", ...) }
      local function pack(...) r.n = select("#", ...) for i = 1, r.n do r[i] = select(i, ...) end end
      pack(f(...))
      k:fault(false)
      return unpack(r, 1, r.n)
    end
    return f(...)
  end
  -- block until cond() (checked by the scheduler with th bound) or the deadline passes
  local function waituntil(th, cond, deadline)
    th.cond, th.deadline = cond, deadline
    co_yield("block")
    th.cond, th.deadline = nil, nil
    bind(th)
  end
  local function fdwait(th, fd, events)
    if pollready(S, fd, events) then return end
    waituntil(th, function() return pollready(S, fd, events) end, nil)
  end
  -- O_NONBLOCK of a descriptor, remembered until a thread calls fcntl or ioctl
  local nbcache = setmetatable({}, { __mode = "k" })
  local function nonblocking(fd)
    local v = nbcache[fd]
    if v == nil then
      local ok, fl = pcall(S.fcntl, fd, "getfl")
      v = ok and type(fl) == "number" and fl % (2 * S.c.O.NONBLOCK) >= S.c.O.NONBLOCK or false
      if type(fd) ~= "number" then nbcache[fd] = v end
    end
    return v
  end
  return setmetatable({}, { __index = function(t, name)
    local f = S[name]
    if type(f) ~= "function" then return f end
    local g
    if BLOCKIN[name] or BLOCKOUT[name] then
      local ev = BLOCKIN[name] and "in" or "out"
      g = function(fd, ...)
        local th = current_thread
        if not th or th.k ~= k then return f(fd, ...) end
        local w = current_world
        entry(w, th)
        if not nonblocking(fd) then fdwait(th, fd, ev) end
        return call(w, f, fd, ...)
      end
    elseif name == "connect" then
      g = function(fd, ...)
        local th = current_thread
        if not th or th.k ~= k then return f(fd, ...) end
        local w = current_world
        entry(w, th)
        if nonblocking(fd) then return call(w, f, fd, ...) end
        assert(S.nonblock(fd))
        local ok, err = call(w, f, fd, ...)
        if not ok and err and err.INPROGRESS then
          fdwait(th, fd, "out")
          local e = S.getsockopt(fd, "socket", "error")
          assert(S.block(fd))
          if e and e ~= 0 then return nil, S.t.error(e) end
          return true
        end
        S.block(fd)
        return ok, err
      end
    elseif name == "poll" then
      g = function(fds, timeout)
        local th = current_thread
        if not th or th.k ~= k then return f(fds, timeout) end
        local w = current_world
        entry(w, th)
        local n, err = call(w, f, fds, 0)
        if n ~= 0 or timeout == 0 then return n, err end
        local deadline = (timeout and timeout >= 0) and (rump.clock.now() + timeout * 1e6) or nil
        waituntil(th, function() local m = f(fds, 0); return m and m > 0 end, deadline)
        return f(fds, 0)
      end
    elseif name == "nanosleep" or name == "sleep" then
      g = function(secs, ...)
        local th = current_thread
        if not th or th.k ~= k then return f(secs, ...) end
        entry(current_world, th)
        if type(secs) ~= "number" then secs = tonumber(secs.tv_sec) + tonumber(secs.tv_nsec) * 1e-9 end
        M.sleep(secs, true)
        return true
      end
    elseif name == "fcntl" or name == "ioctl" or name == "nonblock" or name == "block" then
      g = function(fd, ...)
        if type(fd) ~= "number" then nbcache[fd] = nil end
        local th = current_thread
        if not th or th.k ~= k then return f(fd, ...) end
        local w = current_world
        entry(w, th)
        return call(w, f, fd, ...)
      end
    else
      g = function(...)
        local th = current_thread
        if not th or th.k ~= k then return f(...) end
        local w = current_world
        entry(w, th)
        return call(w, f, ...)
      end
    end
    t[name] = g
    return g
  end })
end

function W:spawn(name, k, proc, fn)
  if type(name) ~= "string" then error("bad argument #1 to 'spawn' (string expected)", 2) end
  if type(k) == "table" and k.kernel and k.S and not k.switch then k = k.kernel end   -- a rump.net host
  if k ~= nil and (type(k) ~= "table" or not k.S or not k.switch) then error("bad argument #2 to 'spawn' (kernel, host or nil expected)", 2) end
  if proc ~= nil and (type(proc) ~= "table" or proc.kernel ~= k) then
    error("bad argument #3 to 'spawn' (a process of the kernel, from k:rfork, or nil expected)", 2)
  end
  if type(fn) ~= "function" then error("bad argument #4 to 'spawn' (function expected)", 2) end
  local th = { id = #self.threads + 1, name = name, k = k, proc = proc, state = "ready" }
  if k then
    k._raceS = k._raceS or wrapK(k)
    th.S = k._raceS
  end
  th.co = co_create(function() return fn(th.S, th) end)
  self.threads[#self.threads + 1] = th
  self.live = self.live + 1
  th.prio = nil
  return th
end

function W:iface(k, name)
  self.ifaces[#self.ifaces + 1] = { k = k, name = name, cfg = require("rump.net").netconfig(k) }
end

-- ifdown fault: take one registered interface down (or back up if it is down); every
-- interface still down comes back up when virtual time next moves.
function W:_toggle()
  local i = self:choose(#self.ifaces, "ifdown-which", function() return self.rng.int(#self.ifaces) end) + 1
  local f = self.ifaces[i]
  f.k:switch(nil); f.k._racelwp = NOPROC
  if self.down[i] then f.cfg:up(f.name); self.down[i] = nil
  else f.cfg:down(f.name); self.down[i] = true end
end
-- A bus (a name) or every bus of a rump.net topology the link fault site may impair.
function W:link(b)
  if type(b) == "table" and b.buses then
    local names = {}
    for name in pairs(b.buses) do names[#names + 1] = name end
    table.sort(names)
    for _, name in ipairs(names) do self.links[#self.links + 1] = b.buses[name].id end
  elseif type(b) == "string" then
    self.links[#self.links + 1] = b
  else
    error("bad argument #1 to 'link' (bus name or rump.net topology expected)", 2)
  end
end
-- link fault: impair one registered bus until virtual time next moves
function W:_impair()
  local rng = self.rng
  local i = self:choose(#self.links, "link-which", function() return rng.int(#self.links) end) + 1
  local kind = self:choose(3, "link-kind", function() return rng.int(3) end)
  M.link_provider(self, self.links[i], kind, true)
  self.impaired[i] = true
end
function W:_allup()
  for i in pairs(self.impaired) do
    M.link_provider(self, self.links[i], 0, false)
    self.impaired[i] = nil
  end
  for i in pairs(self.down) do
    local f = self.ifaces[i]
    if not f.k.dead then f.k:switch(nil); f.k._racelwp = NOPROC; f.cfg:up(f.name) end
    self.down[i] = nil
  end
end

function M.capturedir() return M._capture end
function W:capture(net)
  local dir = M._capture
  if not dir then return false end
  local names = {}
  for name in pairs(net.buses) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    local file = dir .. "/" .. name:gsub("[^%w_.-]", "_") .. ".pcap"
    assert(net:pcap(net.buses[name], file))
  end
  return true
end

-- PCT (Burckhardt et al., ASPLOS 2010): distinct random priorities d..d+n-1 at the start,
-- d-1 change points among the first k steps; at change point i the running thread drops to
-- priority d-i; the runnable thread of highest priority runs.
function W:_pctinit()
  local n = #self.threads
  local perm = {}
  for i = 1, n do perm[i] = i end
  for i = n, 2, -1 do local j = self.rng.int(i) + 1; perm[i], perm[j] = perm[j], perm[i] end
  for i, th in ipairs(self.threads) do th.prio = self.depth + perm[i] - 1 end
  self.change = {}
  for i = 1, self.depth - 1 do self.change[self.rng.int(self.kest) + 1] = self.depth - i end
end

local function sleeping(th, now)
  if th.state ~= "blocked" then return false end
  if th.deadline and now and now >= th.deadline then return false end
  bind(th)
  if th.cond and th.cond() then return false end
  return true
end

function W:run()
  local prevw, prevt = current_world, current_thread
  current_world = self
  if self.strategy == "pct" then self:_pctinit() end
  local cur = nil
  local failure
  local sched = 0
  local cands = {}
  unbindall(self)
  local threads = self.threads
  self.t0 = rump.clock.now()
  while self.live > 0 do
    local now = nil
    for _, th in ipairs(threads) do
      if th.state == "blocked" and th.deadline then now = rump.clock.now() break end
    end
    local nc = 0
    if cur and cur.state ~= "dead" and not sleeping(cur, now) then nc = 1; cands[1] = cur end
    for i = 1, #threads do
      local th = threads[i]
      if th ~= cur and th.state ~= "dead" and not sleeping(th, now) then nc = nc + 1; cands[nc] = th end
    end
    for i = #cands, nc + 1, -1 do cands[i] = nil end
    if #cands == 0 then
      -- every thread waits: move virtual time to the first deadline (a kernel timer's or a
      -- thread's), interfaces taken down come back up
      self:_allup()
      local d = nextdeadline()
      for _, th in ipairs(self.threads) do
        if th.state == "blocked" and th.deadline and (not d or th.deadline < d) then d = th.deadline end
      end
      if not d then
        local names = {}
        for _, th in ipairs(self.threads) do if th.state ~= "dead" then names[#names + 1] = th.name end end
        failure = "deadlock: every thread waits with no timer pending (" .. concat(names, ", ") .. ")"
        break
      end
      local step = d - rump.clock.now()
      if step < 1 then step = 1 end
      -- only timers keep firing (a keepalive every 2 hours, a retransmission that never
      -- ends): a stall, itself a finding, not a run that spins through the years
      if rump.clock.now() + step - self.t0 > self.maxtime * 1e9 then
        local names = {}
        for _, th in ipairs(self.threads) do if th.state ~= "dead" then names[#names + 1] = th.name end end
        failure = ("time bound: every thread waits and more than %d s of virtual time passed (%s)"):format(
          self.maxtime, concat(names, ", "))
        break
      end
      rump.clock.advance(step)
    else
      sched = sched + 1
      local pick
      if #cands == 1 then
        pick = cands[1]
      else
        local v
        if self.strategy == "pct" and not self.list and not self.prefix then
          if self.change[sched] and cur then cur.prio = self.change[sched] end
          local best = 1
          for i = 2, #cands do if cands[i].prio > cands[best].prio then best = i end end
          v = self:choose(#cands, "sched", function() return best - 1 end)
        else
          local rng = self.rng
          v = self:choose(#cands, "sched", function() return rng.int(#cands) end)
        end
        pick = cands[v + 1]
      end
      cur = pick
      self.steps = self.steps + 1
      if self.steps > self.maxsteps then failure = "step bound: more than " .. self.maxsteps .. " steps"; break end
      bind(pick)
      pick.state = "running"
      current_thread = pick
      local ok, what = co_resume(pick.co)
      current_thread = nil
      if not ok then
        failure = "thread " .. pick.name .. ": " .. tostring(what)
        pick.state = "dead"
        break
      elseif co_status(pick.co) == "dead" then
        pick.state = "dead"
        self.live = self.live - 1
      else
        pick.state = what == "block" and "blocked" or "ready"
      end
    end
  end
  self:_allup()
  for _, th in ipairs(self.threads) do if th.k and not th.k.dead then th.k:switch(nil) end end
  unbindall(self)
  current_world, current_thread = prevw, prevt
  if not self.wasvirtual then rump.clock.virtual(false) end
  if self.seeded then M.seed(nil) end
  self.failure = failure
  self.sched = sched
  if failure then error(failure, 0) end
  return true
end

function M.yield()
  if current_thread then co_yield("step") end
end

-- Sleep in virtual time (the running thread of a world; outside one, the clock moves).
function M.sleep(secs, noentry)
  if type(secs) ~= "number" or secs < 0 then error("bad argument #1 to 'sleep' (seconds expected)", 2) end
  local th = current_thread
  if not th then rump.clock.advance(floor(secs * 1e9)); return true end
  if not noentry then co_yield("step") end
  th.deadline = rump.clock.now() + floor(secs * 1e9)
  th.cond = nil
  co_yield("block")
  th.deadline = nil
  bind(th)
  return true
end

-- One run of scenario fn(w) with a fresh world; returns the world and nil or the message.
local function once(fn, seed, wopts)
  local w, msg = search.run(fn, seed, wopts, M.world)
  M.poll()
  return w, msg
end

local function wopts_of(opts)
  return { strategy = opts.strategy, depth = opts.depth, steps = opts.steps, faults = opts.faults,
    skew = opts.skew, maxsteps = opts.maxsteps, maxtime = opts.maxtime }
end

local function failure_of(w, seed, msg, runs, opts)
  return { seed = seed, strategy = w and w.strategy or opts.strategy, depth = w and w.depth, steps = w and w.kest,
    faults = opts.faults, choices = w and trimzeros(w.choices) or {}, message = msg, runs = runs,
    kinds = w and w.kinds }
end

-- PCT's k: without opts.steps, the scheduling steps the last run took
local function pct_steps(w, wopts, opts)
  if not opts.steps and w and w.sched and w.sched > 0 then wopts.steps = w.sched end
end

function M.explore(fn, opts)
  if type(fn) ~= "function" then error("bad argument #1 to 'explore' (function expected)", 2) end
  opts = opts or {}
  return search.explore(fn, opts, wopts_of(opts), once, failure_of, pct_steps)
end

function M.replay(fn, f)
  local wopts = wopts_of(f)
  wopts.choices = f.choices
  return search.replay(fn, f, wopts, once)
end

-- Delta debugging (Zeller's ddmin) over the non-zero choices of f: a candidate keeps some
-- of them and sets the others to 0; a candidate that still fails is replaced by the list the
-- run recorded (trailing zeros cut).  Then each remaining choice is lowered towards 0.
function M.shrink(fn, f, opts)
  opts = opts or {}
  if not opts.replay and type(fn) ~= "function" then error("bad argument #1 to 'shrink' (function expected)", 2) end
  local budget = opts.runs or 500
  local best = f
  local tries = 0
  local replay = opts.replay or function(list)
    return M.replay(fn, { seed = f.seed, strategy = f.strategy, depth = f.depth, faults = f.faults, choices = list })
  end
  local function try(list)
    if tries >= budget then return nil end
    tries = tries + 1
    local ok, msg, w = replay(list)
    if ok or not w then return nil end
    -- the same failure (its message with numbers blanked), not another one
    if not opts.anyfailure and tostring(msg):gsub("%d+", "#") ~= tostring(f.message):gsub("%d+", "#") then return nil end
    local got = trimzeros(w.choices)
    if nonzero(got) > nonzero(best.choices) or (nonzero(got) == nonzero(best.choices) and #got > #best.choices) then
      return nil
    end
    return { seed = f.seed, strategy = f.strategy, depth = f.depth, faults = f.faults, choices = got,
      message = msg, runs = f.runs, kinds = w.kinds }
  end
  local n = 2
  while true do
    local idx = {}
    for i = 1, #best.choices do if best.choices[i] ~= 0 then idx[#idx + 1] = i end end
    if #idx == 0 or tries >= budget then break end
    if n > #idx then n = #idx end
    local chunk = math.ceil(#idx / n)
    local progress = false
    -- each chunk alone (the others zeroed), then each complement (the chunk zeroed)
    for pass = (n >= 2 and 1 or 2), 2 do
      for c = 0, n - 1 do
        local lo, hi = c * chunk + 1, math.min((c + 1) * chunk, #idx)
        local cand = {}
        for i = 1, #best.choices do cand[i] = pass == 1 and 0 or best.choices[i] end
        for j = lo, hi do cand[idx[j]] = pass == 1 and best.choices[idx[j]] or 0 end
        local r = lo <= hi and try(cand)
        if r then
          best = r
          n = pass == 1 and 2 or math.max(n - 1, 2)
          progress = true
          break
        end
      end
      if progress then break end
    end
    if not progress then
      if n >= #idx then break end
      n = math.min(n * 2, #idx)
    end
  end
  -- delete single positions (the choices after one move a step earlier)
  local i = 1
  while i <= #best.choices and tries < budget do
    local cand = {}
    for j = 1, #best.choices do if j ~= i then cand[#cand + 1] = best.choices[j] end end
    local r = try(cand)
    if r and (nonzero(r.choices) < nonzero(best.choices) or #r.choices < #best.choices) then best = r else i = i + 1 end
  end
  -- lower each remaining choice (a later thread, a larger skew) towards 0
  i = 1
  while i <= #best.choices and tries < budget do
    local v = best.choices[i]
    if v > 1 then
      local cand = {}
      for j = 1, #best.choices do cand[j] = best.choices[j] end
      cand[i] = v - 1
      local r = try(cand)
      if r then best = r else i = i + 1 end
    else
      i = i + 1
    end
  end
  best.tries = tries
  return best
end

-- The command-line form of a failure's replay (rumpus-test --replay ... --choices ...).
function M.describe(f)
  local kinds = {}
  if f.kinds then
    for i = 1, #f.choices do
      if f.choices[i] ~= 0 then kinds[#kinds + 1] = i .. ":" .. (f.kinds[i] or "?") .. "=" .. f.choices[i] end
    end
  end
  local strat = tostring(f.strategy)
  if f.strategy == "pct" then strat = fmt("pct (d=%s, k=%s)", tostring(f.depth), tostring(f.steps)) end
  return fmt("seed %d, strategy %s, %d choices (%d non-zero: %s)", f.seed, strat,
    #f.choices, nonzero(f.choices), concat(kinds, " "))
end

end
