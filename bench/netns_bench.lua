-- Building routed networks from Lua, the same topology on both sides (docs/bench.md):
-- rump.net.line(n) (kernels on buses, configured through their syscalls) against
-- rump.hostnet.line(n) (network namespaces and veth through rtnetlink; needs root), both
-- from LuaJIT in this process, in interleaved rounds; medians of the rounds.  Then a few
-- per-operation rtnetlink figures (root).
local B = dofile((arg[0]:match("^(.-)[^/]*$")) .. "util.lua")
local S = require "syscall"
local rnet = require "rump.net"

B.section("routed networks from Lua, same topology: kernels (rump.net) beside namespaces (rump.hostnet)")

local hostnet, why
if S.geteuid() ~= 0 then
  why = "network namespaces need root"
else
  local ok, h = pcall(require, "rump.hostnet")
  if ok then hostnet = h else why = "rump.hostnet does not load: " .. tostring(h) end
end

local now = B.now
-- rounds of { build, destroy } for each maker, interleaved; returns name -> { build, destroy } medians (ms)
local function rounds(n, makers)
  local per = {}
  for _, m in ipairs(makers) do per[m[1]] = { b = {}, d = {} } end
  for r = 1, n do
    for j = 0, #makers - 1 do
      local m = makers[(r + j - 1) % #makers + 1]
      local t0 = now()
      local net = assert(m[2]())
      local t1 = now()
      net:destroy()
      local t2 = now()
      local p = per[m[1]]
      p.b[#p.b + 1], p.d[#p.d + 1] = (t1 - t0) / 1e6, (t2 - t1) / 1e6
    end
  end
  local out = {}
  for k, p in pairs(per) do out[k] = { build = B.median(p.b), destroy = B.median(p.d) } end
  return out
end

for _, n in ipairs{ 3, 50 } do
  local makers = { { "rump", function() return rnet.line(n) end } }
  if hostnet then makers[2] = { "host", function() return hostnet.line(n) end } end
  local r = rounds(B.rounds(n == 3 and 9 or 5), makers)
  local desc = n == 3 and "3 hosts in a line (1 router)" or ("%d hosts in a line (%d routers, every route)"):format(n, n - 2)
  B.fig("line" .. n .. ".rump", ("rump.net.line(%d): build, %s"):format(n, desc), r.rump.build, "ms",
    ("destroy %.2f ms"):format(r.rump.destroy))
  if hostnet then
    B.fig("line" .. n .. ".host", ("rump.hostnet.line(%d): build, same topology"):format(n), r.host.build, "ms",
      ("destroy %.2f ms"):format(r.host.destroy))
    B.cmp("line" .. n .. ".rump", "line" .. n .. ".host", "same process, both from LuaJIT, interleaved rounds")
  else
    B.cmp("line" .. n .. ".rump", "-", "median of rounds")
  end
end

if not hostnet then
  B.skip("rump.hostnet baselines and rtnetlink figures", why)
  os.exit(0)
end

-- Per operation, inside one namespace (means over a batch).
local netns = require "syscall.linux.netns".init(S)
local ns = assert(netns.new())
local h = ns.nl
local N = B.quick and 10 or 40
local t0 = now()
for i = 1, N do assert(h.create_interface{ type = "veth", name = "b" .. i, peer = "c" .. i }) end
local t1 = now()
for i = 1, N do assert(h.add_address("b" .. i, "10.16.0." .. i .. "/32")) end
local t2 = now()
for _ = 1, 5 do assert(h.interfaces()) end
local t3 = now()
for i = 1, N do assert(h.dellink("b" .. i)) end
local t4 = now()
ns:close()
io.write(("  rtnetlink, mean of %d: create a veth pair %.0f us, add an address %.0f us, list %d links %.0f us, delete a pair %.0f us\n")
  :format(N, (t1 - t0) / N / 1e3, (t2 - t1) / N / 1e3, 2 * N + 1, (t3 - t2) / 5 / 1e3, (t4 - t3) / N / 1e3))
local t5 = now()
for _ = 1, 20 do local x = assert(netns.new()); x:close() end
io.write(("  make + close a network namespace (lo up): %.0f us, mean of 20\n"):format((now() - t5) / 20 / 1e3))
os.exit(0)
