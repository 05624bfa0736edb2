-- rump.race: seeds, the deterministic mode and the determinism self-check (docs/race.md).
--
--   race.seed(n)           the run's seed (whole number 0..2^53); kernels created afterwards
--                          draw every random number from splitmix64(n + creation index).
--                          race.seed(nil) clears it.  Also RUMPUS_SEED=n in the environment.
--   race.seed()            the current seed, or nil
--   race.deterministic()   true when a seed is set and the clock is virtual
--   race.poll()            run deferred work that is due now (deterministic mode)
--   race.trace(max)        start the event trace (frames, timer firings, notes), keeping
--                          the first max events (default 100000); race.trace(false) stops
--   race.note(s)           add an event of our own (syscall results) to the trace
--   race.digest()          "hex digest", count: of every event since race.trace()
--   race.events()          the kept events: { kind = "frame"|"timer"|"note", info, vtime, hash }
--   race.traced(S)         a syscall table whose calls note their name and results
--   race.run(seed, fn)     seed, virtual clock, trace; fn(); returns a run record
--                          { seed, digest, count, events, result } (fn's first result)
--   race.check(fn, opts)   race.run twice with one seed (opts.seed, default 1): true, run
--                          when the digests agree, else nil, message naming the first event
--                          that differs.
local ffi = require "syscall.ffi"
local rump = require "rump"

local tostring, error, select, pcall = tostring, error, select, pcall
local type = ffi.type or type   -- PUC Lua: cdata are userdata to the plain type()
local tonumber = ffi.tonumber or tonumber
local concat, fmt = table.concat, string.format

local M = {}

local declared = false
local function L()
  local lib = rump.library()
  if not declared then
    ffi.cdef [[
int rumpus_seed(uint64_t seed);
void rumpus_seed_clear(void);
int rumpus_seed_get(uint64_t *seedp);
uint64_t rumpus_kernel_seed(const struct rumpus_kernel *k);
int rumpus_deterministic(void);
void rumpus_det_poll(void);
int rumpus_det_next(uint64_t *deadlinep);
struct rumpus_trace_event_lua { uint32_t kind, info; uint64_t vtime; uint32_t hash_lo, hash_hi; };
void rumpus_trace_start(size_t max);
void rumpus_trace_stop(void);
void rumpus_trace_note(uint32_t info, const void *data, size_t len);
void rumpus_trace_digest(uint32_t *digestp, uint64_t *countp);
int rumpus_trace_get(size_t i, struct rumpus_trace_event_lua *ev);
]]
    declared = true
  end
  return lib
end

local function whole(fname, v)
  if type(v) ~= "number" or v < 0 or v >= 2 ^ 53 or v % 1 ~= 0 then
    error("bad argument #1 to '" .. fname .. "' (whole number from 0 to 2^53 expected, got " ..
      tostring(v) .. ")", 3)
  end
end

local seedbuf
function M.seed(...)
  local lib = L()
  if select("#", ...) == 0 then
    seedbuf = seedbuf or ffi.new("uint64_t[1]")
    if lib.rumpus_seed_get(seedbuf) == 0 then return nil end
    return tonumber(seedbuf[0])
  end
  local n = ...
  if n == nil or n == false then lib.rumpus_seed_clear() return nil end
  whole("seed", n)
  lib.rumpus_seed(n)
  return n
end

function M.deterministic() return L().rumpus_deterministic() ~= 0 end
function M.poll() L().rumpus_det_poll() end

function M.trace(max)
  local lib = L()
  if max == false then lib.rumpus_trace_stop() return end
  if max == nil then max = 100000 end
  whole("trace", max)
  lib.rumpus_trace_start(max)
end

function M.note(s)
  if type(s) ~= "string" then error("bad argument #1 to 'note' (string expected, got " .. type(s) .. ")", 2) end
  L().rumpus_trace_note(0, s, #s)
end

local dbuf, cbuf
function M.digest()
  local lib = L()
  dbuf = dbuf or ffi.new("uint32_t[2]")
  cbuf = cbuf or ffi.new("uint64_t[1]")
  lib.rumpus_trace_digest(dbuf, cbuf)
  return fmt("%08x%08x", tonumber(dbuf[1]), tonumber(dbuf[0])), tonumber(cbuf[0])
end

local KIND = { "frame", "timer", "note" }
function M.events()
  local lib = L()
  local ev = ffi.new("struct rumpus_trace_event_lua")
  local out, i = {}, 0
  while lib.rumpus_trace_get(i, ev) ~= 0 do
    i = i + 1
    out[i] = { kind = KIND[tonumber(ev.kind)] or tostring(ev.kind), info = tonumber(ev.info),
      vtime = tonumber(ev.vtime), hash = fmt("%08x%08x", tonumber(ev.hash_hi), tonumber(ev.hash_lo)) }
  end
  return out
end

local function show(v)
  local t = type(v)
  if t == "nil" or t == "boolean" or t == "number" then return tostring(v) end
  if t == "string" then return fmt("%q", v) end
  if (t == "table" or t == "cdata" or t == "userdata") then
    local ok, fd = pcall(function() return v:getfd() end)
    if ok and type(fd) == "number" then return "fd" .. fd end
    local ok2, en = pcall(function() return v.errno end)
    if ok2 and en ~= nil then return "errno" .. tostring(en) end
    local ok3, s = pcall(tostring, v)
    if ok3 and type(s) == "string" and not s:find("0x%x%x%x") then return s end
  end
  return t
end

-- A syscall table whose calls add "name: results" to the trace.
function M.traced(S)
  if type(S) ~= "table" then error("bad argument #1 to 'traced' (syscall table expected)", 2) end
  return setmetatable({}, { __index = function(t, name)
    local f = S[name]
    if type(f) ~= "function" then return f end
    local g = function(...)
      local r = { n = 0 }
      local function pack(...) r.n = select("#", ...) for i = 1, r.n do r[i] = select(i, ...) end end
      pack(f(...))
      local parts = {}
      for i = 1, r.n do parts[i] = show(r[i]) end
      M.note(name .. ": " .. concat(parts, ", "))
      return (table.unpack or unpack)(r, 1, r.n)
    end
    t[name] = g
    return g
  end })
end

-- One seeded run of fn under the virtual clock with the trace on.  The clock goes back to
-- what it was; the seed stays (as race.seed left it before the run, restored).
function M.run(seed, fn, opts)
  whole("run", seed)
  if type(fn) ~= "function" then error("bad argument #2 to 'run' (function expected)", 2) end
  opts = opts or {}
  local before = M.seed()
  local wasvirt = rump.clock.virtual(true)
  M.seed(seed)
  M.trace(opts.max or 100000)
  local ok, res = pcall(fn, seed)
  M.poll()
  local digest, count = M.digest()
  local events = M.events()
  M.trace(false)
  if not wasvirt then rump.clock.virtual(false) end
  if before then M.seed(before) else M.seed(nil) end
  if not ok then error(res, 0) end
  return { seed = seed, digest = digest, count = count, events = events, result = res }
end

local function evstr(e)
  if not e then return "(none: the trace ended)" end
  return fmt("%s info=%d vtime=%d hash=%s", e.kind, e.info, e.vtime, e.hash)
end

-- The first index where two runs' kept events differ (nil when the kept ones agree).
function M.diff(a, b)
  local n = math.max(#a.events, #b.events)
  for i = 1, n do
    local x, y = a.events[i], b.events[i]
    if not x or not y or x.kind ~= y.kind or x.info ~= y.info or x.vtime ~= y.vtime or x.hash ~= y.hash then
      return i, x, y
    end
  end
  return nil
end

function M.check(fn, opts)
  if type(fn) ~= "function" then error("bad argument #1 to 'check' (function expected)", 2) end
  opts = opts or {}
  local seed = opts.seed or 1
  local a = M.run(seed, fn, opts)
  local b = M.run(seed, fn, opts)
  if a.digest == b.digest and a.count == b.count then return true, a, b end
  local i, x, y = M.diff(a, b)
  local msg
  if i then
    msg = fmt("not deterministic with seed %d: event %d differs: first run %s, second run %s",
      seed, i, evstr(x), evstr(y))
  else
    msg = fmt("not deterministic with seed %d: digests %s (%d events) and %s (%d events) differ" ..
      " after the %d kept events", seed, a.digest, a.count, b.digest, b.count, #a.events)
  end
  return nil, msg, a, b
end

require "rump.race_sched"(M, L)

return M
