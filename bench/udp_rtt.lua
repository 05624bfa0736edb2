-- UDP round trips of 64 bytes, every figure beside its Linux baseline in the same process,
-- in interleaved batches; median and p99 over every trip (docs/bench.md).
--
-- One thread drives both ends (send, receive and answer, receive; every receive
-- non-blocking, spinning while nothing is there):
--   two kernels on a bus (k.S)  against  Linux loopback and Linux veth between two network
--   namespaces (S, needs root), from LuaJIT; then the same three from C through the FFI.
-- Two threads, a client and a server, blocking receives (C through the FFI):
--   two kernels, one per thread  against  Linux loopback with two threads, with two
--   processes, and veth with two threads; quiet, and with BENCH_LOAD set also with one
--   spinning process per CPU started for the run.
local B = dofile((arg[0]:match("^(.-)[^/]*$")) .. "util.lua")
local S = require "syscall"
local rump = require "rump"
local rnet = require "rump.net"
local ffi = require "syscall.ffi"
local L = B.lib()

B.section("UDP 64-byte round trip: kernels beside Linux in the same process (median, p99 of every trip)")

local ends = {}     -- name -> { ka, sa, tob, kb, sb, toa, Sa, Sb } (ka, kb: kernel pointers or nil)
local cleanup = {}

-- Two kernels on a bus.
local net = assert(rnet.build{ hosts = { "a", "b" }, buses = { lan = { { "a", "10.9.0.1/24" }, { "b", "10.9.0.2/24" } } } })
do
  local A, Bk = net.hosts.a.S, net.hosts.b.S
  local sa = assert(A.socket("inet", "dgram")); assert(sa:bind(A.t.sockaddr_in(5001, "10.9.0.1")))
  local sb = assert(Bk.socket("inet", "dgram")); assert(sb:bind(Bk.t.sockaddr_in(5002, "10.9.0.2")))
  ends.kern = { ka = net.hosts.a.kernel.ptr, sa = sa, tob = A.t.sockaddr_in(5002, "10.9.0.2"),
    kb = net.hosts.b.kernel.ptr, sb = sb, toa = Bk.t.sockaddr_in(5001, "10.9.0.1"), Sa = A, Sb = Bk }
end

-- Linux loopback.
do
  local sa = assert(S.socket("inet", "dgram")); assert(sa:bind(S.t.sockaddr_in(0, "127.0.0.1")))
  local sb = assert(S.socket("inet", "dgram")); assert(sb:bind(S.t.sockaddr_in(0, "127.0.0.1")))
  ends.lo = { sa = sa, tob = S.t.sockaddr_in(sb:getsockname().port, "127.0.0.1"),
    sb = sb, toa = S.t.sockaddr_in(sa:getsockname().port, "127.0.0.1"), Sa = S, Sb = S }
end

-- Linux veth between two namespaces.
local vethwhy
if S.geteuid() ~= 0 then
  vethwhy = "network namespaces need root"
else
  local netns = require "syscall.linux.netns".init(S)
  local nsa, e1 = netns.new()
  local nsb, e2 = netns.new()
  if not nsa or not nsb then
    vethwhy = "no network namespaces here (" .. tostring(e1 or e2) .. ")"
    if nsa then nsa:close() end
    if nsb then nsb:close() end
  else
    assert(nsa.nl.create_interface{ type = "veth", name = "va", peer = { name = "vb", netns = nsb } })
    local va = assert(nsa.nl.interface("va"))
    assert(va:address("10.9.1.1/24")); assert(va:up())
    local vb = assert(nsb.nl.interface("vb"))
    assert(vb:address("10.9.1.2/24")); assert(vb:up())
    local sa, sb
    nsa:run(function() sa = assert(S.socket("inet", "dgram")); assert(sa:bind(S.t.sockaddr_in(5001, "10.9.1.1"))) end)
    nsb:run(function() sb = assert(S.socket("inet", "dgram")); assert(sb:bind(S.t.sockaddr_in(5002, "10.9.1.2"))) end)
    ends.veth = { sa = sa, tob = S.t.sockaddr_in(5002, "10.9.1.2"), sb = sb, toa = S.t.sockaddr_in(5001, "10.9.1.1"),
      Sa = S, Sb = S }
    cleanup[#cleanup + 1] = function() nsa:close(); nsb:close() end
  end
end

-- One thread, from Lua: the same code over k.S and over S.
local payload = string.rep("x", 64)
local function lua_rtt1(e)
  local sa, sb, tob, toa = e.sa, e.sb, e.tob, e.toa
  local bufa, bufb = e.Sa.t.buffer(2048), e.Sb.t.buffer(2048)
  local now = B.now
  local function recv(s, buf)
    local r, err = s:recv(buf, 2048, "dontwait")
    while not r do
      if not err.AGAIN then error("recv: " .. tostring(err)) end
      r, err = s:recv(buf, 2048, "dontwait")
    end
  end
  return function(n, out)
    for _ = 1, n do
      local t0 = now()
      assert(sa:sendto(payload, 64, 0, tob))
      recv(sb, bufb)
      assert(sb:sendto(payload, 64, 0, toa))
      recv(sa, bufa)
      out[#out + 1] = now() - t0
    end
  end
end

-- From C through the FFI.
local lat = ffi.new("double[?]", 4096)
local function c_rtt(fn, e, fork)
  local fa, fb = e.sa:getfd(), e.sb:getfd()
  local tob, toa = e.tob, e.toa
  local lb, la = ffi.sizeof(tob), ffi.sizeof(toa)
  return function(n, out)
    assert(n <= 4096)
    local err
    if fork then err = L.rb_udp_rtt2_fork(fa, tob, lb, fb, toa, la, n, lat)
    else err = fn(e.ka, fa, tob, lb, e.kb, fb, toa, la, n, lat) end
    if err ~= 0 then error(("round trip failed: errno %d"):format(err)) end
    for i = 0, n - 1 do out[#out + 1] = lat[i] end
  end
end

local function us(x) return x / 1e3 end
local function report(r, key, label, name)
  local x = r[name]
  B.fig(key, label, us(x.med), "us", ("p99 %.2f us"):format(us(x.p99)))
end

-- 1. One thread, LuaJIT.
do
  local fns = { { "kern", lua_rtt1(ends.kern) }, { "lo", lua_rtt1(ends.lo) } }
  if ends.veth then fns[#fns + 1] = { "veth", lua_rtt1(ends.veth) } end
  local r = B.latencies{ n = 250, rounds = 40, fns = fns }
  local how = "same process, one thread, non-blocking, interleaved batches"
  report(r, "udp1.lua.kern", "one thread, LuaJIT: two kernels on a bus (k.S)", "kern")
  report(r, "udp1.lua.lo", "one thread, LuaJIT: Linux loopback (S)", "lo")
  B.cmp("udp1.lua.kern", "udp1.lua.lo", how)
  if ends.veth then
    report(r, "udp1.lua.veth", "one thread, LuaJIT: Linux veth between two namespaces (S)", "veth")
    B.cmp("udp1.lua.kern", "udp1.lua.veth", how)
  else
    B.skip("Linux veth baselines", vethwhy)
  end
end

-- 2. One thread, C.
do
  local one = L.rb_udp_rtt1
  local fns = { { "kern", c_rtt(one, ends.kern) }, { "lo", c_rtt(one, ends.lo) } }
  if ends.veth then fns[#fns + 1] = { "veth", c_rtt(one, ends.veth) } end
  local r = B.latencies{ n = 1000, rounds = 40, fns = fns }
  local how = "same process, one thread, non-blocking, interleaved batches"
  report(r, "udp1.C.kern", "one thread, C: two kernels on a bus (rump_sys_*)", "kern")
  report(r, "udp1.C.lo", "one thread, C: Linux loopback", "lo")
  B.cmp("udp1.C.kern", "udp1.C.lo", how)
  if ends.veth then
    report(r, "udp1.C.veth", "one thread, C: Linux veth between two namespaces", "veth")
    B.cmp("udp1.C.kern", "udp1.C.veth", how)
  end
end

-- 2b. The same trips from LuaJIT and from C on the same two kernels, interleaved batches
-- (issue 16: the Lua binding within 1.3x of C, and as stable: p99 beside p99).
do
  local fns = { { "lua", lua_rtt1(ends.kern) }, { "C", c_rtt(L.rb_udp_rtt1, ends.kern) } }
  local r = B.latencies{ n = 250, rounds = 40, fns = fns }
  report(r, "udp1.lvc.lua", "one thread: two kernels from LuaJIT (k.S), beside C", "lua")
  report(r, "udp1.lvc.C", "one thread: two kernels from C (rump_sys_*), beside LuaJIT", "C")
  B.cmp("udp1.lvc.lua", "udp1.lvc.C", "same process, same kernels and sockets, interleaved batches")
end

-- 3. Two threads (and two processes), C.
local function two(tag, desc)
  local two_ = L.rb_udp_rtt2
  local fns = { { "kern", c_rtt(two_, ends.kern) }, { "thr", c_rtt(two_, ends.lo) }, { "proc", c_rtt(nil, ends.lo, true) } }
  if ends.veth then fns[#fns + 1] = { "veth", c_rtt(two_, ends.veth) } end
  local r = B.latencies{ n = 500, rounds = 16, fns = fns }
  local how = "same process, blocking receives, interleaved batches" .. desc
  report(r, tag .. ".kern", "two threads, C: client and server, one kernel each" .. desc, "kern")
  report(r, tag .. ".thr", "two threads, C: Linux loopback" .. desc, "thr")
  report(r, tag .. ".proc", "two processes, C: Linux loopback" .. desc, "proc")
  B.cmp(tag .. ".kern", tag .. ".thr", how)
  B.cmp(tag .. ".kern", tag .. ".proc", how .. " (server in a forked child)")
  if ends.veth then
    report(r, tag .. ".veth", "two threads, C: Linux veth between two namespaces" .. desc, "veth")
    B.cmp(tag .. ".kern", tag .. ".veth", how)
  end
end
two("udp2", "")
if B.load then
  local ncpu = 0
  for line in io.lines("/proc/cpuinfo") do if line:match("^processor") then ncpu = ncpu + 1 end end
  local pids = ffi.new("int[?]", ncpu)
  local e = L.rb_load_start(ncpu, 60, pids)
  local ok, err = pcall(two, "udp2load", (", %d spinning processes"):format(ncpu))
  L.rb_load_stop(ncpu, pids)
  if e ~= 0 then error("starting the load: errno " .. e) end
  if not ok then error(err, 0) end
else
  B.skip("two-thread round trips under load", "set BENCH_LOAD=1 (make bench BENCH_FLAGS=--load)")
end

for _, e in pairs(ends) do e.sa:close(); e.sb:close() end
net:destroy()
for _, f in ipairs(cleanup) do f() end
os.exit(0)
