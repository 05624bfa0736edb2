-- rump.race_search: the search over a scenario's runs that rump.race (coroutine worlds,
-- race_sched.lua) and rump.race_host (host-thread worlds) share: explore (seeds or
-- depth-first over the choices) and replay, each run with the virtual clock on and the
-- caller's seed restored after.  A world kind gives:
--
--   once(fn, seed, wopts)            one run of fn(w) in a fresh world: w, nil or message
--   failure(w, seed, msg, runs, opts) the failure record explore returns
--   wopts                            the world options of a run (explore sets .prefix,
--                                    replay .choices)
--   after(w, wopts, opts)            (explore, optional) after each passing seeded run
local S = {}

-- One run of fn(w) in a fresh world(opts) (opts: wopts with seed), the race seed set to
-- seed first: w (nil if world() failed), nil or the error message.
function S.run(fn, seed, wopts, world)
  require("rump.race").seed(seed)
  local opts = {}
  for k, v in pairs(wopts) do opts[k] = v end
  opts.seed = seed
  local w
  local ok, err = pcall(function()
    w = world(opts)
    return fn(w)
  end)
  return w, (not ok) and tostring(err) or nil
end

-- f() with the virtual clock on and the race seed restored after (its error re-raised).
function S.withclock(f)
  local rump = require "rump"
  local race = require "rump.race"
  local was = rump.clock.virtual(true)
  local before = race.seed()
  local ok, a, b, c = pcall(f)
  if not was then rump.clock.virtual(false) end
  race.seed(before)
  if not ok then error(a, 0) end
  return a, b, c
end

-- fn on opts.runs (100) seeds from opts.seed (1), or with strategy "dfs" depth-first over
-- the choices of one seed (each run the previous list with its last choice that has an
-- untried alternative moved on): the first failure, or nil, runs (for dfs: every schedule
-- tried in that many runs).
function S.explore(fn, opts, wopts, once, failure, after)
  local seed0, runs = opts.seed or 1, opts.runs or 100
  return S.withclock(function()
    if wopts.strategy == "dfs" then
      local prefix = {}
      for r = 1, runs do
        wopts.prefix = prefix
        local w, msg = once(fn, seed0, wopts)
        if msg then return failure(w, seed0, msg, r, opts) end
        local ch, ns = w.choices or {}, w.ns or {}
        local p = #ch
        while p > 0 and ch[p] + 1 >= ns[p] do p = p - 1 end
        if p == 0 then return nil, r end    -- every schedule explored
        prefix = {}
        for i = 1, p - 1 do prefix[i] = ch[i] end
        prefix[p] = ch[p] + 1
      end
      return nil, runs
    end
    for r = 1, runs do
      local seed = seed0 + r - 1
      local w, msg = once(fn, seed, wopts)
      if msg then return failure(w, seed, msg, r, opts) end
      if after then after(w, wopts, opts) end
    end
    return nil, runs
  end)
end

-- One run as failure f (its seed, wopts.choices its list): true, nil, w or nil, msg, w.
function S.replay(fn, f, wopts, once)
  return S.withclock(function()
    local w, msg = once(fn, f.seed, wopts)
    if msg then return nil, msg, w end
    return true, nil, w
  end)
end

return S
