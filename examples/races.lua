-- Three races for rump.race's scheduler to find from scratch (docs/race.md), each a
-- scenario fn(w) over a world w: it boots its kernels, spawns threads of control, runs
-- them (w:run()) and raises when the program's invariant broke.
--
--   tmpfs  check-then-act between two processes of one kernel on tmpfs: a janitor reads
--          /data and unlinks it when it holds the stale version, while an updater writes
--          /data.tmp and renames it over /data; an update can be lost.
--   udp    request/response over UDP across a router with a retransmission timer: the
--          client retransmits after 50 ms and takes the first reply it reads as the answer
--          (no sequence check), so a reply delayed past the timeout (timer skew: a slow
--          server) answers the next request.
--   tcp    a client reuses a kept-alive TCP connection after a pause as long as the
--          server's idle timeout; the server closes idle connections with an RST
--          (SO_LINGER 0).  When the server's timeout is taken first, the client's second
--          request meets the RST (ECONNRESET) although its send succeeded.
--
-- Run as a program (./rumpus examples/races.lua [name]) it hunts each race with the
-- random and PCT strategies, replays the failure, shrinks its choice list and prints it.
local rump = require "rump"
local rnet = require "rump.net"
local race = require "rump.race"

local R = {}

-- Runs body(k...) and destroys the kernels whatever happened.
local function with(kernels, body)
  local ok, err = pcall(body)
  for i = #kernels, 1, -1 do
    local k = kernels[i]
    if k.destroy then k:destroy() end
  end
  if not ok then error(err, 0) end
end

function R.tmpfs(w)
  local k = rump.kernel{ "vfs", "fs.tmpfs" }
  with({ k }, function()
    local S = k.S
    local fd = assert(S.open("/data", "creat, wronly, trunc", "0644"))
    assert(S.write(fd, "v1")); assert(S.close(fd))
    local janitor = assert(k:rfork("copy")); k:switch(nil)
    local updater = assert(k:rfork("copy")); k:switch(nil)
    w:spawn("janitor", k, janitor, function(S)
      local f = S.open("/data", "rdonly")
      if not f then return end
      local v = S.read(f, nil, 16)
      S.close(f)
      if v == "v1" then S.unlink("/data") end        -- stale: remove it
    end)
    w:spawn("updater", k, updater, function(S)
      local f = assert(S.open("/data.tmp", "creat, wronly, trunc", "0644"))
      assert(S.write(f, "v2")); assert(S.close(f))
      assert(S.rename("/data.tmp", "/data"))
    end)
    w:run()
    local f = S.open("/data", "rdonly")
    if not f then error("lost update: /data is gone (the janitor unlinked the updater's v2)", 0) end
    S.close(f)
  end)
end

-- h1 (client) -- r (router) -- h3 (server)
local function line(w)
  local net = assert(rnet.line(3))
  w:capture(net)
  w:link(net)          -- the link fault site may impair its buses
  return net
end

function R.udp(w)
  local net = line(w)
  with({ net }, function()
    local C, Sv = net.hosts.h1, net.hosts.h3
    local server = assert(Sv.S.socket("inet", "dgram"))
    assert(Sv.S.bind(server, Sv.S.t.sockaddr_in(7, "0.0.0.0")))
    local addr = Sv.S.t.sockaddr_in(7, "10.102.0.2")
    local answers = {}
    w:spawn("server", Sv, nil, function(S)
      for _ = 1, 4 do
        local pl = { { fd = server, events = "in" } }
        if S.poll(pl, 500) == 0 then return end       -- idle: done
        local req, _, from = S.recvfrom(server)
        if not req then return end
        S.sendto(server, "re:" .. req, nil, 0, from)
      end
    end)
    w:spawn("client", C, nil, function(S)
      local s = assert(S.socket("inet", "dgram"))
      for op = 1, 2 do
        local req = "op" .. op
        local got
        for _ = 1, 3 do
          assert(S.sendto(s, req, nil, 0, addr))
          if S.poll({ { fd = s, events = "in" } }, 50) > 0 then got = S.recv(s) break end
        end
        answers[op] = got
      end
      S.close(s)
    end)
    w:run()
    for op = 1, 2 do
      if answers[op] and answers[op] ~= "re:op" .. op then
        error("request op" .. op .. " got the answer " .. answers[op], 0)
      end
    end
  end)
end

function R.tcp(w)
  local net = assert(rnet.build{ hosts = { "a", "b" },
    buses = { lan = { { "a", "10.8.9.1/24" }, { "b", "10.8.9.2/24" } } } })
  w:capture(net)
  with({ net }, function()
    local A, B = net.hosts.a, net.hosts.b
    local l = assert(B.S.socket("inet", "stream"))
    assert(B.S.setsockopt(l, "socket", "reuseaddr", true))
    assert(B.S.bind(l, B.S.t.sockaddr_in(80)))
    assert(B.S.listen(l, 4))
    local IDLE = 0.1
    local lost
    w:spawn("server", B, nil, function(S)
      local c = assert(S.accept(l))
      while true do
        if S.poll({ { fd = c, events = "in" } }, IDLE * 1000) == 0 then
          -- idle: drop the connection with an RST
          assert(S.setsockopt(c, "socket", "linger", { onoff = true, linger = 0 }))
          S.close(c)
          return
        end
        local req = S.recv(c)
        if not req or req == "" then S.close(c) return end
        S.send(c, "ok:" .. req)
      end
    end)
    w:spawn("client", A, nil, function(S)
      local c = assert(S.socket("inet", "stream"))
      assert(S.connect(c, S.t.sockaddr_in(80, "10.8.9.2")))
      assert(S.send(c, "one"))
      assert(S.recv(c) == "ok:one")
      race.sleep(IDLE)                                  -- keep-alive pause
      -- reuse the connection when it looks alive (no EOF or error pending)
      if S.poll({ { fd = c, events = "in" } }, 0) == 0 then
        local ok, err = S.send(c, "two")
        local r
        if ok then r, err = S.recv(c) end
        if not ok or not r then lost = tostring(err) end
      end
      S.close(c)
    end)
    w:run()
    if lost then error("request two on a live-looking connection was lost: " .. lost, 0) end
  end)
end

R.names = { "tmpfs", "udp", "tcp" }
-- the fault sites each race needs switched on (the swarm finds its own)
R.faults = { tmpfs = nil, udp = { skew = 0.1, skewns = 60e6 }, tcp = nil }

if arg and arg[0] and arg[0]:match("races%.lua$") and not R._module then
  local which = arg[1]
  for _, name in ipairs(R.names) do
    if not which or which == name then
      for _, strat in ipairs{ "random", "pct" } do
        local f, runs = race.explore(R[name], { seed = 1, runs = 2000, strategy = strat, faults = R.faults[name] })
        if not f then
          print(("%-6s %-6s not found in %d runs"):format(name, strat, runs))
        else
          print(("%-6s %-6s found in run %d: %s"):format(name, strat, f.runs, f.message))
          print("       " .. race.describe(f))
          assert(not race.replay(R[name], f), "the replay fails again")
          local s = race.shrink(R[name], f)
          print("       shrunk: " .. race.describe(s) .. " (" .. s.tries .. " replays)")
          print("       choices: " .. race.encode(s.choices))
        end
      end
    end
  end
end

return R
