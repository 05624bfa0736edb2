-- rump.race_host: host threads from Lua in a seeded world (docs/race.md, "Host threads
-- from Lua").  Each thread is a real host thread (rumpus_det_spawn_lua) running a Lua
-- chunk in a fresh Lua state of its own -- a Lua state belongs to one thread, on LuaJIT
-- as on PUC Lua -- with the parent's kernels passed in by address.  The world's scheduler
-- runs them one at a time and chooses the interleaving at their preemption points
-- (syscall entries and exits, sleeps, wakeups, vCPU hand-offs), from the seed by random
-- or PCT, or from a recorded choice list; calls really sleep (flock, wait4, a pipe
-- write beyond its buffer, an accept), unlike the coroutine worlds of rump.race.
--
--   local host = require "rump.race_host"
--   host.world(opts)        a world: opts.seed (default rump.seed() or 1), opts.strategy
--                           ("random", "pct", "pct:d" or "dfs"), opts.depth, opts.steps (PCT's d
--                           and k), opts.choices (a list to replay: table or
--                           race.encode string), opts.nowake (wakeups and vCPU hand-offs
--                           no points), opts.maxtime (virtual seconds a run may span),
--                           opts.alloc (probability that a system call's first
--                           allocation fails, a recorded choice at each entry) or
--                           opts.faults = "swarm" (that site from the seed).
--                           Turns the virtual clock on and seeds (when unseeded) until
--                           w:run() ends: make the world before the kernels.
--   w:kernel(opts)          rump.kernel(opts), destroyed by the world if a run aborts
--   w:spawn(code, ...)      a thread running Lua source `code`; its `...` are the
--                           arguments: kernels (and rump.net hosts) arrive as kernels
--                           borrowed from this state (k.S works, k:destroy() is refused),
--                           nil, booleans, numbers, strings and tables of them as copies.
--                           Returns the thread's number (1, 2, ...).
--   w:spawnfile(path, ...)  the same with a file's chunk
--   w:run()                 runs the threads to their ends; returns w.results, a list of
--                           { ok = true, value = v } (the chunk's first result, copied)
--                           or { ok = false, error = msg }; raises the first thread's
--                           error ("thread 2: ...") and "deadlock: ..." / "time bound:
--                           ..." (the world's kernels are then halted, which ends the
--                           threads, and destroyed).  w.choices is the run's list.
--   host.explore(fn, opts)  fn(w) on opts.runs (100) seeds from opts.seed (1), or with
--                           strategy "dfs" on every schedule (one seed, at most opts.runs
--                           runs): the first failure { seed, strategy, choices, message,
--                           runs } or nil, runs (for dfs: every schedule tried)
--   host.replay(fn, f)      one run as failure f (its seed and list): nil, msg if it fails
--   host.shrink(fn, f)      rump.race's delta debugging over f's list, replayed here
--
-- In the thread's state: require works as in the parent (package.path and cpath are
-- copied), `rump` is the same library with the same kernels; descriptors the chunk still
-- holds when it ends are closed with its state.  A chunk should make its system calls
-- on the kernels it was given (k.S); host state shared with other threads (the parent's
-- Lua variables) is out of reach by design: results go back through the return value.
local rump = require "rump"
local ffi = require "syscall.ffi"
local search = require "rump.race_search"

local type, tostring, error, pairs, ipairs, select = type, tostring, error, pairs, ipairs, select
local fmt, concat = string.format, table.concat
local unpack = table.unpack or unpack
local load = loadstring or load

local H = {}

local declared
local function L()
  local lib = rump.library()
  if not declared then
    ffi.cdef [[
struct rumpus_det_opts { uint64_t seed; int strategy; int depth, steps; const uint32_t *choices;
  size_t nchoices; uint64_t maxtime; unsigned flags; uint32_t alloc_ppm; };
int rumpus_det_world(const struct rumpus_det_opts *o);
int rumpus_det_run(void);
int rumpus_det_end(void);
size_t rumpus_det_choices(uint32_t *buf, size_t max);
size_t rumpus_det_choice_counts(uint32_t *buf, size_t max);
int rumpus_det_spawn_lua(const char *chunk, size_t len, const char *name);
int rumpus_det_lua_result(int id, char *buf, size_t max, size_t *lenp);
void rumpus_det_lua_clear(void);
]]
    declared = true
  end
  return lib
end

-- Plain values as Lua source (a copy for another state); kernels as borrow requests.
local function isKernel(v)
  return type(v) == "table" and v.ptr ~= nil and v.S ~= nil and v.switch ~= nil
end
local function lit(v, depth, what)
  local t = type(v)
  if t == "nil" or t == "boolean" then return tostring(v) end
  if t == "number" then
    if v ~= v then return "0/0" end
    if v == math.huge then return "math.huge" elseif v == -math.huge then return "-math.huge" end
    if v % 1 == 0 and v > -2 ^ 53 and v < 2 ^ 53 then return fmt("%d", v) end
    return fmt("%.17g", v)
  end
  if t == "string" then return fmt("%q", v) end
  if t == "table" then
    if type(v.kernel) == "table" and isKernel(v.kernel) and not isKernel(v) then v = v.kernel end  -- a rump.net host
    if isKernel(v) then
      if what == "result" then return fmt("%q", "kernel") end
      return "{ __rumpus_kernel = " .. fmt("%d", rump._address(v)) .. " }"
    end
    if depth > 16 then error("a table nested too deep to copy to a host thread", 0) end
    local parts = {}
    for k, x in pairs(v) do
      parts[#parts + 1] = "[" .. lit(k, depth + 1, what) .. "] = " .. lit(x, depth + 1, what)
    end
    return "{ " .. concat(parts, ", ") .. " }"
  end
  if what == "result" then return fmt("%q", tostring(v)) end
  error("a " .. t .. " cannot go to a host thread (nil, booleans, numbers, strings, tables, kernels)", 0)
end

-- In the thread's own state: the arguments back (kernels borrowed), the chunk run.
local function unlit(v, seen)
  if type(v) ~= "table" then return v end
  if v.__rumpus_kernel then
    local k = seen[v.__rumpus_kernel]
    if not k then
      k = rump._borrow(v.__rumpus_kernel)
      seen[v.__rumpus_kernel] = k
    end
    return k
  end
  for k, x in pairs(v) do v[k] = unlit(x, seen) end
  return v
end

-- The state may be a pooled one (csrc/hyper/det_lua.c): modules stay loaded, but each
-- chunk gets globals of its own (a table over _G) and its borrowed kernels end with it.
function H._child(name, src, file, args)
  local seen = {}
  for i = 1, args.n do args[i] = unlit(args[i], seen) end
  local env = setmetatable({}, { __index = _G })
  local fn, err
  if setfenv then     -- LuaJIT
    if file then fn, err = loadfile(file) else fn, err = load(src, "=" .. name) end
    if fn then setfenv(fn, env) end
  elseif file then fn, err = loadfile(file, "t", env)
  else fn, err = load(src, "=" .. name, "t", env) end
  if not fn then return "e" .. tostring(err) end
  local tb = debug and debug.traceback or tostring
  -- no collection while the chunk runs: a descriptor's finaliser closes it (a system
  -- call, a preemption point) when the collector gets there, which would depend on the
  -- pooled state's history, not on the seed; they run at the end instead
  collectgarbage()
  collectgarbage("stop")
  local ok, v = xpcall(function() return fn(unpack(args, 1, args.n)) end,
    function(e) return tb(tostring(e), 2) end)
  collectgarbage("restart")
  local res
  if ok then
    local okl, s = pcall(lit, v, 0, "result")
    res = "v" .. (okl and s or fmt("%q", tostring(v)))
  else
    res = "e" .. tostring(v)
  end
  v, fn, env, args = nil, nil, nil, nil
  collectgarbage()   -- descriptors the chunk dropped close now, inside its thread
  for _, k in pairs(seen) do rump._unborrow(k) end
  rump.library().rumpus_kernel_switch(nil)
  return res
end

-- what each choice was, for race.describe: a schedule choice or an allocation fault
-- (both recorded alike; the fault site's choices have two candidates)
local function kinds(list)
  local k = {}
  for i = 1, #list do k[i] = "sched" end
  return k
end

local W = {}
W.__index = W

local STRATS = { random = 0, pct = 1, dfs = 0 }   -- dfs: replays a prefix, 0 past it

function H.world(opts)
  opts = opts or {}
  if type(opts) ~= "table" then error("bad argument #1 to 'world' (table expected)", 2) end
  local race = require "rump.race"
  -- a world made here and never run (its scenario failed before w:run()) is ended now
  if H.current and H.current.on and not H.current.ran then H.current:abandon() end
  local w = setmetatable({ threads = {}, kernels = {}, results = {} }, W)
  w.seed = opts.seed or race.seed() or 1
  local strat = opts.strategy or os.getenv("RUMPUS_RACE_STRATEGY")
  if strat == nil or strat == "" then strat = "random" end
  local sname, sdepth = tostring(strat):match("^(%a+):?(%d*)$")
  if not STRATS[sname] then
    error("bad option 'strategy' to 'world' (\"random\", \"pct\" or \"dfs\" expected, got " .. tostring(strat) .. ")", 2)
  end
  for _, o in ipairs{ "depth", "steps", "maxtime", "seed" } do
    local v = opts[o]
    if v ~= nil and (type(v) ~= "number" or v < (o == "seed" and 0 or 1) or v % 1 ~= 0 or v >= 2 ^ 53) then
      error("bad option '" .. o .. "' to 'world' (whole number expected, got " .. tostring(v) .. ")", 2)
    end
  end
  w.strategy = sname
  w.depth = opts.depth or (sdepth ~= "" and tonumber(sdepth)) or 3
  -- a replayed list: the harness's shrinker (race.override), opts.choices, then the
  -- harness's --choices (RUMPUS_RACE_CHOICES), as the coroutine worlds take them
  local list = race.override or opts.choices
  if list == nil then
    local e = os.getenv("RUMPUS_RACE_CHOICES")
    if e and e ~= "" then list = e end
  end
  if type(list) == "string" then list = race.decode(list) end
  if list ~= nil and type(list) ~= "table" then error("bad option 'choices' to 'world' (list or string expected)", 2) end
  if list == nil and sname == "dfs" then list = opts.prefix or {} end
  w.wasvirtual = rump.clock.virtual(true)
  if not race.seed() then race.seed(w.seed); w.seeded = true end
  local lib = L()
  local o = ffi.new("struct rumpus_det_opts")
  o.seed = w.seed
  o.strategy = STRATS[sname]
  o.depth = w.depth
  o.steps = opts.steps or 0
  o.maxtime = (opts.maxtime or 0) * 1e9
  local a = opts.alloc
  if a ~= nil and (type(a) ~= "number" or a < 0 or a > 1) then
    error("bad option 'alloc' to 'world' (probability 0..1 expected, got " .. tostring(a) .. ")", 2)
  end
  local f = opts.faults
  if f ~= nil and f ~= true and f ~= false and f ~= "swarm" then
    error("bad option 'faults' to 'world' (true or \"swarm\" expected, got " .. tostring(f) .. ")", 2)
  end
  o.flags = (opts.nowake and 1 or 0) + ((f == true or f == "swarm") and 2 or 0)
  o.alloc_ppm = math.floor((a or 0) * 1e6 + 0.5)
  if list then
    w.listbuf = ffi.new("uint32_t[?]", #list + 1)
    for i = 1, #list do w.listbuf[i - 1] = list[i] end
    o.choices = w.listbuf
    o.nchoices = #list
  end
  local r = lib.rumpus_det_world(o)
  if r ~= 0 then
    w:_restore()
    error(r == 16 and "rump.race_host: a world exists already (end it first)" or
      ("rump.race_host: no world (error " .. r .. ")"), 2)
  end
  w.on = true
  H.current = w
  race.last = w      -- the harness reads a failed case's world here (its list, --shrink)
  w.choices, w.kinds = {}, {}
  return w
end

function W:_restore()
  if not self.wasvirtual then rump.clock.virtual(false) end
  if self.seeded then require("rump.race").seed(nil) end
end

function W:kernel(opts)
  local k = rump.kernel(opts)
  self.kernels[#self.kernels + 1] = k
  return k
end

local function spawn(self, fname, src, file, ...)
  if not self.on or self.ran then error(fname .. ": the world has run or ended already", 3) end
  local n = select("#", ...)
  local args = { ... }
  local parts = {}
  for i = 1, n do
    local ok, s = pcall(lit, args[i], 0)
    if not ok then error("bad argument #" .. (i + 1) .. " to '" .. fname .. "' (" .. s .. ")", 3) end
    parts[i] = s
  end
  local id = #self.threads + 1
  local name = file and ("@" .. file) or ("host thread " .. id)
  local chunk = concat{
    "package.path = ", fmt("%q", package.path), "; package.cpath = ", fmt("%q", package.cpath), "\n",
    "return require('rump.race_host')._child(", fmt("%q", name), ", ",
    file and "nil" or fmt("%q", src), ", ", file and fmt("%q", file) or "nil",
    ", { n = ", fmt("%d", n), n > 0 and ", " or "", concat(parts, ", "), " })\n" }
  local r = L().rumpus_det_spawn_lua(chunk, #chunk, name)
  if r < 0 then
    error(fname .. ": " .. (r == -78 and "no Lua C API in this process" or r == -35 and
      "too many threads (16)" or ("error " .. -r)), 3)
  end
  self.threads[id] = { id = id, cid = r, name = name }
  return id
end

function W:spawn(code, ...)
  if type(code) ~= "string" then error("bad argument #1 to 'spawn' (Lua source expected)", 2) end
  local f, err = load(code, "=host thread")
  if not f then error("bad argument #1 to 'spawn' (" .. tostring(err) .. ")", 2) end
  return spawn(self, "spawn", code, nil, ...)
end

function W:spawnfile(path, ...)
  if type(path) ~= "string" then error("bad argument #1 to 'spawnfile' (path expected)", 2) end
  local fh = io.open(path, "r")
  if not fh then error("bad argument #1 to 'spawnfile' (cannot open " .. path .. ")", 2) end
  fh:close()
  return spawn(self, "spawnfile", nil, path, ...)
end

local function choices(lib)
  local n = tonumber(lib.rumpus_det_choices(nil, 0))
  local list, ns = {}, {}
  if n > 0 then
    local buf = ffi.new("uint32_t[?]", n)
    lib.rumpus_det_choices(buf, n)
    for i = 1, n do list[i] = tonumber(buf[i - 1]) end
    lib.rumpus_det_choice_counts(buf, n)
    for i = 1, n do ns[i] = tonumber(buf[i - 1]) end
  end
  return list, ns
end

local function results(self, lib)
  local buf, lenp = ffi.new("char[?]", 4096), ffi.new("size_t[1]")
  for i, th in ipairs(self.threads) do
    local st = lib.rumpus_det_lua_result(th.cid, buf, 4096, lenp)
    local s = ffi.string(buf)
    if tonumber(lenp[0]) >= 4096 then
      local big = ffi.new("char[?]", tonumber(lenp[0]) + 1)
      lib.rumpus_det_lua_result(th.cid, big, tonumber(lenp[0]) + 1, lenp)
      s = ffi.string(big)
    end
    if st == 0 and s:sub(1, 1) == "v" then
      local f = load("return " .. s:sub(2))
      local ok, v = pcall(f or error)
      self.results[i] = { ok = true, value = ok and v or s:sub(2) }
    elseif st == -1 then
      self.results[i] = { ok = false, error = "did not end" }
    else
      self.results[i] = { ok = false, error = st == 0 and s:sub(2) or s }
    end
  end
end

function W:run()
  if not self.on or self.ran then error("run: the world has run or ended already", 2) end
  self.ran = true
  local lib = L()
  local r = lib.rumpus_det_run()
  self.choices, self.ns = choices(lib)
  self.kinds = kinds(self.choices)
  local failure
  if r ~= 0 then
    -- the world runs free: halting its kernels wakes every sleeper (ENXIO), which ends them
    failure = (r == 11 and "deadlock: every host thread sleeps with no timer pending" or
      r == 60 and "time bound: every host thread sleeps and only timers beyond the bound remain" or
      ("world error " .. r))
    for _, k in ipairs(self.kernels) do
      if not k.dead then pcall(k.S.reboot, "halt") end
    end
  end
  lib.rumpus_det_end()
  self.on = false
  if H.current == self then H.current = nil end
  results(self, lib)
  lib.rumpus_det_lua_clear()
  if r ~= 0 then
    for _, k in ipairs(self.kernels) do pcall(k.destroy, k) end
  end
  self:_restore()
  if failure then error(failure, 0) end
  for i, res in ipairs(self.results) do
    if not res.ok then error(fmt("thread %d: %s", i, tostring(res.error)), 0) end
  end
  return self.results
end

-- A world made but never run (its scenario failed before w:run()): end it.
function W:abandon()
  if not self.on then return end
  local lib = L()
  lib.rumpus_det_end()     -- its threads start running free: their chunks run unscheduled
  self.on = false
  if H.current == self then H.current = nil end
  lib.rumpus_det_lua_clear()
  self:_restore()
end

-- ---------------------------------------------------------------- explore, replay, shrink

local function once(fn, seed, wopts)
  local w, msg = search.run(fn, seed, wopts, H.world)
  if w then
    if w.on then
      for _, k in ipairs(w.kernels) do if not k.dead then pcall(k.S.reboot, "halt") end end
      w:abandon()
    end
    for _, k in ipairs(w.kernels) do pcall(k.destroy, k) end
  end
  return w, msg
end

local function wopts_of(o)
  return { strategy = o.strategy, depth = o.depth, steps = o.steps, nowake = o.nowake, maxtime = o.maxtime,
    prefix = o.prefix, alloc = o.alloc, faults = o.faults }
end


local function trim(list)
  local n = #list
  while n > 0 and list[n] == 0 do list[n] = nil; n = n - 1 end
  return list
end

local function failure(w, seed, msg, r, opts)
  local strat = w and w.strategy or opts.strategy or "random"
  local ch = trim(w and w.choices or {})
  return { seed = seed, strategy = strat, depth = w and w.depth,
    steps = opts.steps or (strat == "pct" and 64 or nil), nowake = opts.nowake, maxtime = opts.maxtime,
    alloc = opts.alloc, faults = opts.faults, choices = ch, message = msg, runs = r, kinds = kinds(ch) }
end

function H.explore(fn, opts)
  if type(fn) ~= "function" then error("bad argument #1 to 'explore' (function expected)", 2) end
  opts = opts or {}
  return search.explore(fn, opts, wopts_of(opts), once, failure)
end

function H.replay(fn, f)
  local wopts = wopts_of(f)
  wopts.choices = f.choices
  return search.replay(fn, f, wopts, once)
end

function H.shrink(fn, f, opts)
  if type(fn) ~= "function" then error("bad argument #1 to 'shrink' (function expected)", 2) end
  local o = {}
  for k, v in pairs(opts or {}) do o[k] = v end
  o.replay = function(list)
    local ok, msg, w = H.replay(fn, { seed = f.seed, strategy = f.strategy, depth = f.depth,
      steps = f.steps, nowake = f.nowake, maxtime = f.maxtime, alloc = f.alloc, faults = f.faults,
      choices = list })
    if w then w.kinds = kinds(w.choices or {}) end
    return ok, msg, w
  end
  local s = require("rump.race").shrink(nil, f, o)
  s.nowake, s.steps, s.maxtime, s.alloc, s.faults = f.nowake, f.steps, f.maxtime, f.alloc, f.faults
  return s
end

return H
