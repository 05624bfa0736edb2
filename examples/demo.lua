-- make demo: the main job.  Boots a fleet of rumpus kernels, does file and socket work in
-- each, builds a routed network (ping, UDP, and TCP from 39 client kernels to one server), checks the results, tears everything down, prints a short report and what to do next.
-- Environment: DEMO_KERNELS (default 1000), DEMO_DIR (where the pcap files go, default
-- /tmp/rumpus-demo).
local S = require "syscall"
local rump = require "rump"

local function say(...) io.write(string.format(...), "\n") end
local function now() return S.clock_gettime("monotonic").time end

local N = tonumber(os.getenv("DEMO_KERNELS") or "") or 1000
local DIR = os.getenv("DEMO_DIR") or "/tmp/rumpus-demo"
local errors = 0
local function check(cond, what)
  if not cond then errors = errors + 1; say("  ERROR: %s", what) end
end

say("rumpus demo: %d kernels in one process (%s, %s, %s)", N, S.abi.os, S.abi.arch, S.abi.lua)

-- Progress on long loops: a line at most every second, so a big DEMO_KERNELS is not silent.
local last_progress
local function progress(what, i, n)
  if i % 1000 ~= 0 or i == n then return end
  local t = now()
  if not last_progress then last_progress = t return end
  if t - last_progress >= 1 then
    last_progress = t
    say("  ... %s: %d/%d (%d%%)", what, i, n, math.floor(i * 100 / n))
  end
end
local function progress_done() last_progress = nil end

-- 1. Boot the fleet.
local comps = { "vfs", "fs.tmpfs", "net", "net.local" }
local t0 = now()
local fleet = {}
local unpack = table.unpack or unpack
for i = 1, N do fleet[i] = rump.kernel{ hostname = "k" .. i, unpack(comps) }; progress("booting kernels", i, N) end
progress_done()
local tboot = now() - t0
local mem = rump.memstats().bytes
say("booted %d kernels with %s in %.1f ms (%.2f us each), kernel memory %.1f KiB each",
  N, table.concat(comps, "+"), tboot * 1e3, tboot / N * 1e6, mem / N / 1024)

-- 2. File work in every kernel: a directory tree, a file written and read back, a rename.
t0 = now()
local files = 0
for i, k in ipairs(fleet) do
  local K = k.S
  check(K.mkdir("/data", "0755"), "mkdir in k" .. i)
  local fd = K.open("/data/greeting", "creat, rdwr", "0644")
  check(fd, "open in k" .. i)
  if fd then
    fd:write("hello from " .. K.sysctl("kern.hostname"))
    fd:seek(0)
    check(fd:read() == "hello from k" .. i, "read back in k" .. i)
    fd:close()
  end
  check(K.rename("/data/greeting", "/data/hello"), "rename in k" .. i)
  files = files + 1
  progress("file work", i, N)
end
progress_done()
local tfiles = now() - t0
-- Isolation: no kernel sees another's files.
check(fleet[1].S.stat("/data/hello").size == #"hello from k1", "k1 has its own file")
local _, e = fleet[2].S.stat("/data/greeting")
check(e and e.NOENT, "k2 does not see k1's old name")
say("file work in every kernel: %d files in %.1f ms; every kernel sees only its own files", files, tfiles * 1e3)

-- 3. AF_UNIX in each of the first kernels: a server and a client process, a descriptor passed.
local pairs_done = 0
for i = 1, math.min(N, 100) do
  local k = fleet[i]
  local K = k.S
  local ok, _, a, b = K.socketpair("unix", "stream")
  check(ok, "socketpair in k" .. i)
  if ok then
    check(a:write("ping") == 4, "write over socketpair")
    check(b:read() == "ping", "read over socketpair")
    a:close(); b:close()
    pairs_done = pairs_done + 1
  end
end
say("AF_UNIX socketpairs exchanged data in %d kernels", pairs_done)

-- 4. The host side by side: the same API, the host's own answers.
say("host pid %d, kernel pids %d (each kernel's first process), host EAGAIN %d, NetBSD EAGAIN %d",
  S.getpid(), fleet[1].S.getpid(), S.c.E.AGAIN, fleet[1].S.c.E.AGAIN)

-- 5. A routed network: NR routers on a backbone bus, each with its own LAN bus of NH hosts;
--    every host pings and sends UDP to a host on the next LAN, across two routers.
local rnet = require "rump.net"
local NR, NH = 4, 10
local spec = { hosts = {}, routers = {}, buses = { core = {} }, routes = {} }
for r = 1, NR do
  local rname = "r" .. r
  spec.routers[#spec.routers + 1] = rname
  table.insert(spec.buses.core, { rname, "10.0.0." .. r .. "/24" })
  spec.buses["lan" .. r] = { { rname, "10." .. r .. ".0.1/24" } }
  spec.routes[rname] = {}
  for o = 1, NR do
    if o ~= r then table.insert(spec.routes[rname], { "10." .. o .. ".0.0/24", "10.0.0." .. o }) end
  end
  for hn = 1, NH do
    local name = "h" .. r .. "_" .. hn
    spec.hosts[#spec.hosts + 1] = name
    table.insert(spec.buses["lan" .. r], { name, "10." .. r .. ".0." .. (hn + 1) .. "/24" })
    spec.routes[name] = { { "default", "10." .. r .. ".0.1" } }
  end
end
local pcaps = {}
t0 = now()
local net, nerr, step = rnet.build(spec, { components = { "vfs", "fs.tmpfs" } })
check(net, "network built: " .. tostring(nerr) .. " " .. tostring(step))
local tnet = now() - t0
if net then
  local nk = NR * (NH + 1)
  say("routed network: %d kernels (%d routers, %d hosts) on %d buses built in %.1f ms", nk, NR, NR * NH, NR + 1, tnet * 1e3)
  local ok, err = S.mkdir(DIR, "0755")
  check(ok or (err and err.EXIST), "mkdir " .. DIR .. ": " .. tostring(err))
  for _, b in ipairs { "core", "lan1" } do
    local path = DIR .. "/" .. b .. ".pcap"
    if net:pcap(b, path) then pcaps[#pcaps + 1] = path end
  end
  local pings, udp, bytes = 0, 0, 0
  t0 = now()
  for r = 1, NR do
    local peer = r % NR + 1
    for hn = 1, NH do
      local h = net.hosts["h" .. r .. "_" .. hn]
      local dst = "10." .. peer .. ".0." .. (hn + 1)
      local from, ttl = h:ping(dst, { seq = hn })
      check(from == dst, string.format("ping %s -> %s: %s", h.name, dst, tostring(ttl)))
      if from == dst then pings = pings + 1 end
      -- UDP: the peer host listens, this one sends, the peer answers.
      local ph = net.hosts["h" .. peer .. "_" .. hn]
      local rx = assert(ph.S.socket("inet", "dgram"))
      assert(rx:bind(ph.S.t.sockaddr_in(7000, dst)))
      local tx = assert(h.S.socket("inet", "dgram"))
      local msg = "hello from " .. h.name
      check(tx:sendto(msg, nil, 0, h.S.t.sockaddr_in(7000, dst)), "udp send from " .. h.name)
      local got, _, src = rx:recvfrom()
      check(got == msg, "udp arrives at " .. ph.name)
      if got == msg then
        assert(rx:sendto("ack " .. ph.name, nil, 0, src))
        local ack = tx:recvfrom()
        check(ack == "ack " .. ph.name, "udp answer reaches " .. h.name)
        if ack then udp = udp + 1; bytes = bytes + #msg + #ack end
      end
      rx:close(); tx:close()
    end
  end
  local ttraffic = now() - t0
  say("traffic: %d/%d pings and %d/%d UDP exchanges (%d bytes) across two routers in %.1f ms",
    pings, NR * NH, udp, NR * NH, bytes, ttraffic * 1e3)
  -- TCP: h1_1 serves; every other host connects (most across two routers), sends a request,
  -- reads the answer and closes; the server answers each in turn.
  t0 = now()
  local srv = net.hosts.h1_1
  local SS = srv.S
  local l = assert(SS.socket("inet", "stream"))
  assert(SS.setsockopt(l, "socket", "reuseaddr", true))
  assert(SS.bind(l, SS.t.sockaddr_in(80, "10.1.0.2")))
  assert(SS.listen(l, 64))
  local conns, tbytes = 0, 0
  for _, name in ipairs(spec.hosts) do
    if name ~= "h1_1" then
      local C = net.hosts[name].S
      local c = assert(C.socket("inet", "stream"))
      local ok, err = C.connect(c, C.t.sockaddr_in(80, "10.1.0.2"))
      check(ok, "tcp connect from " .. name .. ": " .. tostring(err))
      if ok then
        local a = assert(SS.accept(l))
        local req = "GET /" .. name
        check(C.send(c, req) == #req, "tcp request from " .. name)
        local got = SS.recv(a)
        check(got == req, "tcp request arrives from " .. name)
        local ans = "hello " .. name .. ", from " .. srv.name
        check(SS.send(a, ans) == #ans, "tcp answer to " .. name)
        local back = C.recv(c)
        check(back == ans, "tcp answer reaches " .. name)
        assert(C.close(c))
        check(SS.recv(a) == "", "tcp EOF from " .. name)
        assert(SS.close(a))
        if back == ans then conns = conns + 1; tbytes = tbytes + #req + #ans end
      end
    end
  end
  SS.close(l)
  say("tcp: %d/%d clients connected to %s, request and answer (%d bytes), closed, in %.1f ms",
    conns, #spec.hosts - 1, srv.name, tbytes, (now() - t0) * 1e3)
  -- Each host also writes a log file in its own file system.
  for _, name in ipairs(spec.hosts) do
    local h = net.hosts[name]
    check(h.S.util.writefile("/log", "pinged and sent UDP\n"), "file work in " .. name)
  end
  local st = net.hosts.r1.cfg:stats("shmif0")
  if st then say("router r1 backbone interface: %d packets in, %d out", st.ipackets, st.opackets) end
  for _, b in ipairs { "core", "lan1" } do net:pcap(b, nil) end
  for _, p in ipairs(pcaps) do
    local st = S.stat(p)
    say("pcap written: %s (%d bytes)", p, st and st.size or 0)
  end
  net:destroy()
end

-- 6. Tear down.
t0 = now()
for i = 1, N do fleet[i]:destroy(); progress("destroying kernels", i, N) end
progress_done()
local tdown = now() - t0
local st = rump.memstats()
say("destroyed %d kernels in %.1f ms; kernel bytes left %d, leaked %d", N, tdown * 1e3, st.bytes, st.leaked)
check(st.leaked == 0, "no kernel memory leaked")

say("report: %d kernels, boot %.2f us each, %d errors", N, tboot / N * 1e6, errors)

-- What to do next, with this checkout's paths.
local here = debug.getinfo(1, "S").source:match("^@(.*)$") or "examples/demo.lua"
if here:sub(1, 1) ~= "/" then here = (S.getcwd() or ".") .. "/" .. here end
local root = here:gsub("/%./", "/"):match("^(.*)/examples/[^/]*$") or "."
local build = os.getenv("RUMPUS_BUILD") or (root .. "/build")
local function have(cmd) local p = io.popen("command -v " .. cmd .. " 2>/dev/null") local o = p:read("*l") p:close() return o ~= nil end
say("")
say("next:")
if #pcaps > 0 then
  say("  read the captures (ARP, ICMP and UDP between the routers and LAN 1):")
  for _, p in ipairs(pcaps) do say("    tshark -r %s", p) end
  if not have("tshark") then say("    (tshark is not installed: apt-get install tshark)") end
end
say("  files: the captures are in %s; DEMO_DIR=/other/dir make demo writes them elsewhere,", DIR)
say("    DEMO_KERNELS=100000 make demo boots more kernels (default 1000); nothing else is written")
say("  the tour (README.md, \"A tour\"): save a snippet as tour.lua and run it with this checkout:")
say("    LUA_PATH='%s/lua/?.lua;%s/lua/?/init.lua;;' RUMPUS_BUILD=%s luajit tour.lua", root, root, build)
say("    (or make install PREFIX=/usr/local, then plain luajit tour.lua, lua5.3 or lua5.4)")
say("  your own tests: docs/testing.md (our runner, and busted); the kernel API: docs/rump.md")
if errors > 0 then os.exit(1) end
