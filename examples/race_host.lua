-- Races between host threads from Lua (rump.race_host, docs/race.md "Host threads from
-- Lua"): each thread a real host thread running its chunk in a Lua state of its own, the
-- seeded world choosing the interleaving at syscall entries and exits, sleeps, wakeups and
-- vCPU hand-offs.  Each scenario fn(w) boots its kernel with w:kernel, spawns threads,
-- runs them and raises when its invariant broke.
--
--   tmpfs      check-then-act between two processes of one kernel (each thread forks its
--              own): a janitor reads /data and unlinks it when it holds the stale "v1",
--              an updater renames a new /data over it; an update can be lost.
--              (R.tmpfs_threads: the same between two threads of one process.)
--   lockorder  two threads flock /a then /b, and /b then /a: calls that really sleep,
--              which coroutine worlds cannot run; in some orders both wait for ever, and
--              the world reports the deadlock.
--
-- Run as a program (./rumpus examples/race_host.lua [name]) it hunts each with the
-- random, PCT and exhaustive strategies, replays the failure, shrinks it and prints it.
local race = require "rump.race"
local host = require "rump.race_host"

local R = {}

local JANITOR = [[
  local k, fork = ...
  if fork then k:rfork("copy") end      -- a process of its own
  local S = k.S
  local fd = S.open("/data", "rdonly")
  if fd then
    local s = fd:read(nil, 8)
    fd:close()
    if s == "v1" then assert(S.unlink("/data")) end
  end
]]
local UPDATER = [[
  local k, fork = ...
  if fork then k:rfork("copy") end
  local S = k.S
  local fd = assert(S.open("/data.tmp", "wronly,creat,trunc", "0644"))
  assert(fd:write("v2"))
  fd:close()
  assert(S.rename("/data.tmp", "/data"))
]]

local function tmpfs(w, fork)
  local k = w:kernel{ "vfs", "fs.tmpfs" }
  local fd = assert(k.S.open("/data", "wronly,creat", "0644"))
  fd:write("v1")
  fd:close()
  w:spawn(JANITOR, k, fork)
  w:spawn(UPDATER, k, fork)
  w:run()
  local f = k.S.open("/data", "rdonly")
  local s = f and f:read(nil, 8)
  if f then f:close() end
  k:destroy()
  if s ~= "v2" then error("lost update", 0) end
end
function R.tmpfs(w) return tmpfs(w, true) end
function R.tmpfs_threads(w) return tmpfs(w, false) end

local LOCKER = [[
  local k, first, second = ...
  local S = k.S
  local a = assert(S.open(first, "rdwr"))
  assert(S.flock(a, "ex"))
  local b = assert(S.open(second, "rdwr"))
  assert(S.flock(b, "ex"))
  S.flock(b, "un"); S.flock(a, "un")
  b:close(); a:close()
]]

function R.lockorder(w)
  local k = w:kernel{ "vfs", "fs.tmpfs" }
  for _, p in ipairs{ "/a", "/b" } do assert(k.S.open(p, "creat,rdwr", "0644")):close() end
  w:spawn(LOCKER, k, "/a", "/b")
  w:spawn(LOCKER, k, "/b", "/a")
  w:run()                               -- raises "deadlock: ..." in the bad orders
  k:destroy()
end

R.names = { "tmpfs", "lockorder" }

if arg and arg[0] and arg[0]:match("race_host%.lua$") then
  local which = arg[1]
  for _, name in ipairs(R.names) do
    if not which or which == name then
      for _, strat in ipairs{ "random", "pct", "dfs" } do
        local f, runs = host.explore(R[name], { seed = 1, runs = 500, strategy = strat })
        if not f then
          print(("%-9s %-6s not found in %d runs"):format(name, strat, runs))
        else
          print(("%-9s %-6s found in run %d: %s"):format(name, strat, f.runs, f.message))
          assert(not host.replay(R[name], f), "the replay fails again")
          local s = host.shrink(R[name], f)
          print("          shrunk: " .. race.describe(s) .. " (" .. s.tries .. " replays)")
          print("          choices: " .. race.encode(s.choices))
        end
      end
    end
  end
end

return R
