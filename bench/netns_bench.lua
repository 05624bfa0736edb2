-- Benchmark: building and tearing down host network topologies from Lua (rump.hostnet over
-- S.nl and network namespaces).  Needs root; prints a line saying so otherwise.
--   luajit bench/netns_bench.lua [rounds]
local S = require "syscall"
local hostnet = require "rump.hostnet"

local function now()
  local ts = S.clock_gettime("monotonic")
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

if S.geteuid() ~= 0 then
  print("netns_bench: skipped (needs root for network namespaces)")
  return
end

local rounds = tonumber(arg and arg[1]) or 20

local function measure(name, n, make)
  local build, down = {}, {}
  for i = 1, n do
    local t0 = now()
    local net = assert(make())
    local t1 = now()
    net:destroy()
    local t2 = now()
    build[i], down[i] = t1 - t0, t2 - t1
  end
  table.sort(build); table.sort(down)
  local function med(a) return a[math.floor((#a + 1) / 2)] end
  print(string.format("%-44s build %8.2f ms (min %8.2f)  teardown %7.2f ms  (%d rounds)",
    name, med(build) * 1e3, build[1] * 1e3, med(down) * 1e3, n))
end

print("netns_bench: host topologies through rtnetlink (median per round)")
measure("3-namespace line A - router - B", rounds, function()
  return hostnet.build{
    hosts = { "a", "b" }, routers = { "r" },
    links = { { "a", "r", "10.11.0.1/24", "10.11.0.2/24" }, { "r", "b", "10.12.0.1/24", "10.12.0.2/24" } },
    routes = { a = { { "default", "10.11.0.2" } }, b = { { "default", "10.12.0.1" } } },
  }
end)
local big = math.max(1, math.floor(rounds / 5))
measure("50-namespace line (48 routers, 2352 routes)", big, function() return hostnet.line(50) end)
measure("50 hosts on one bridge (51 namespaces)", big, function()
  local ports = {}
  local hosts = {}
  for i = 1, 50 do hosts[i] = "n" .. i; ports[i] = { "n" .. i, "10.15." .. math.floor(i / 250) .. "." .. (i % 250 + 1) .. "/16" } end
  return hostnet.build{ hosts = hosts, bridges = { lan = ports } }
end)
-- Per-operation figures inside one namespace.
local netns = require "syscall.linux.netns".init(S)
local ns = assert(netns.new())
local h = ns.nl
local N = 200
local t0 = now()
for i = 1, N do
  assert(h.create_interface{ type = "veth", name = "b" .. i, peer = "c" .. i })
end
local t1 = now()
for i = 1, N do assert(h.add_address("b" .. i, "10.16." .. math.floor(i / 250) .. "." .. (i % 250 + 1) .. "/32")) end
local t2 = now()
for _ = 1, 20 do assert(h.interfaces()) end
local t3 = now()
for i = 1, N do assert(h.dellink("b" .. i)) end
local t4 = now()
ns:close()
print(string.format("%-44s %8.1f us", "create a veth pair", (t1 - t0) / N * 1e6))
print(string.format("%-44s %8.1f us", "add an address", (t2 - t1) / N * 1e6))
print(string.format("%-44s %8.1f us", "list 401 links with addresses", (t3 - t2) / 20 * 1e6))
print(string.format("%-44s %8.1f us", "delete a veth pair (by name)", (t4 - t3) / N * 1e6))
local t5 = now()
for _ = 1, 50 do local n = assert(netns.new()); n:close() end
print(string.format("%-44s %8.1f us", "make + close a namespace (lo up)", (now() - t5) / 50 * 1e6))
