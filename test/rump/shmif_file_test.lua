-- Bus files (NetBSD's shmif format): rumpus kernels on a bus that is a file, rump.shmif
-- reading it back (frames, dumpbus to pcap that tshark decodes), bad input; and, when
-- NetBSD's rump kernels are available ($RUMPUS_NETBSD_RUMP), one of our kernels and a
-- NetBSD rump_server kernel on one bus file: ARP, ping and UDP both ways, captured.
local T = require "rump.test"
local rump = require "rump"
local rnet = require "rump.net"
local shmif = require "rump.shmif"
local nb = require "rump.netbsd"

local function have_tshark()
  local r = os.execute("command -v tshark >/dev/null 2>&1")
  return r == true or r == 0
end

local function tshark(path, args)
  local p = io.popen("tshark -n -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -r '" ..
    path .. "' " .. args .. " 2>&1")
  local out = p:read("*a")
  p:close()
  return out
end

local function udp(S, port)
  local s = assert(S.socket("inet", "dgram"))
  assert(S.bind(s, S.t.sockaddr_in(port, "0.0.0.0")))
  return s
end

-- Waits for a datagram on s (a poll inside the kernel, so deferred work runs meanwhile).
local function recv(S, s, ms)
  local fds = S.t.pollfds{ { fd = s, events = "in" } }
  assert(S.poll(fds, ms or 5000))
  return S.recv(s)
end

local function frames_of(path, ethertype)
  local n = 0
  for _, f in ipairs(assert(shmif.frames(path))) do
    local et = f.data:byte(13) * 256 + f.data:byte(14)
    if et == ethertype then n = n + 1 end
  end
  return n
end

T.case("two rumpus kernels on a bus file: ping and UDP; the file holds the frames, dumpbus decodes", function()
  local dir = T.tmpdir()
  local bus = dir .. "/bus"
  local net = rnet.new()
  T.defer(function() net:destroy() end)
  local a, b = assert(net:host("a")), assert(net:host("b"))
  T.eq(assert(net:attach(bus, a, "10.78.0.1/24")), "shmif0")
  T.eq(assert(net:attach(bus, b, "10.78.0.2/24")), "shmif0")
  local src = a:ping("10.78.0.2", { wait = 5000 })
  T.eq(src, "10.78.0.2", "the echo reply came from b")
  local u, v = udp(a.S, 1000), udp(b.S, 2000)
  assert(a.S.sendto(u, "over the file", nil, 0, a.S.t.sockaddr_in(2000, "10.78.0.2")))
  T.eq(recv(b.S, v), "over the file")
  local h = assert(shmif.header(bus))
  T.eq(h.magic, 0xca11d054)
  T.eq(h.version, 3, "the version word, as NetBSD's writers leave it")
  T.ok(frames_of(bus, 0x0806) >= 2, "ARP request and reply in the file")
  T.ok(frames_of(bus, 0x0800) >= 3, "the IPv4 frames in the file")
  local pcap = dir .. "/bus.pcap"
  local n = assert(shmif.dumpbus(bus, pcap))
  T.ok(n >= 5, "dumpbus wrote " .. n .. " frames")
  if not have_tshark() then return T.skip("tshark is not installed (make deps installs it)") end
  local out = tshark(pcap, "-T fields -e frame.protocols -e udp.dstport -e _ws.malformed")
  T.ok(out:find("eth:ethertype:arp", 1, true), "ARP decoded: " .. out)
  T.ok(out:find("eth:ethertype:ip:icmp", 1, true), "ICMP decoded: " .. out)
  T.ok(out:find("\t2000", 1, true), "the UDP datagram decoded: " .. out)
  T.ok(not out:find("Malformed", 1, true), "nothing malformed")
end)

T.case("bus files: bad input gives errors, not crashes", function()
  local dir = T.tmpdir()
  local f = assert(io.open(dir .. "/text", "wb"))
  f:write(("not a bus "):rep(10))
  f:close()
  local r, e = shmif.frames(dir .. "/text")
  T.eq(r, nil)
  T.ok(tostring(e):find("not a shmif bus file", 1, true), tostring(e))
  r, e = shmif.header(dir .. "/missing")
  T.eq(r, nil)
  T.ok(e, "a missing file: an error")
  T.err(function() shmif.dumpbus(nil, "x") end, "bad argument #1 to 'dumpbus'")
  T.err(function() shmif.dumpbus("x", 7) end, "bad argument #2 to 'dumpbus'")
  T.err(function() shmif.frames("") end, "bad argument #1 to 'frames'")
  -- a kernel refuses a file that is not a bus, as NetBSD does (ENOEXEC)
  local k = rump.kernel{ "net.netinet", "net.shmif" }
  T.defer(function() k:destroy() end)
  local cfg = rnet.config(k)
  assert(cfg:create("shmif0"))
  local ok, err = cfg:attach("shmif0", dir .. "/text")
  T.eq(ok, nil)
  T.eq(err and err.NOEXEC, true, "ENOEXEC: " .. tostring(err))
  ok, err = cfg:attach("shmif0", dir)
  T.eq(err and err.ISDIR, true, "a directory: EISDIR " .. tostring(err))
end)

local avail, why = nb.available()
if not avail then
  T.case("a rumpus kernel and a NetBSD rump_server on one bus file", function() T.skip(why) end)
  return
end

T.case("a rumpus kernel and a NetBSD rump_server on one bus file: ARP, ping, UDP both ways, captured", function()
  local dir = T.tmpdir()
  local bus = dir .. "/bus"
  local ours = rump.kernel{ "net.netinet", "net.shmif" }
  T.defer(function() ours:destroy() end)
  local theirs = rump.kernel{ "net", "net.net", "net.netinet", "net.shmif", backend = "netbsd", remote = true }
  T.defer(function() theirs:destroy() end)
  local co, cn = rnet.config(ours), rnet.config(theirs)
  -- NetBSD first: its writer initialises the file, ours joins it
  assert(cn:create("shmif0"))
  assert(cn:attach("shmif0", bus))
  assert(cn:address("shmif0", "10.79.0.2/24"))
  assert(cn:up("shmif0"))
  assert(co:create("shmif0"))
  assert(co:attach("shmif0", bus))
  assert(co:address("shmif0", "10.79.0.1/24"))
  assert(co:up("shmif0"))
  assert(cn:usable("10.79.0.2"))     -- NetBSD's address is tentative for a while (DAD)
  -- ping, both ways, through the raw sockets of each kernel
  local function ping(k, dst)
    local S = k.S
    local s = assert(S.socket("inet", "raw, nonblock", "icmp"))
    T.defer(function() s:close() end)
    for try = 1, 10 do
      assert(S.sendto(s, rnet.echo_request(0x5151, try, "interop"), nil, 0, S.t.sockaddr_in(0, dst)))
      local fds = S.t.pollfds{ { fd = s, events = "in" } }
      local ready = S.poll(fds, 1000)
      if ready and ready > 0 then
        local pkt, _, from = S.recvfrom(s, nil, 2048)
        if pkt and pkt:byte((pkt:byte(1) % 16) * 4 + 1) == 0 then return from end
      end
    end
  end
  T.ok(ping(ours, "10.79.0.2"), "our kernel pings NetBSD's")
  T.ok(ping(theirs, "10.79.0.1"), "NetBSD's kernel pings ours")
  local uo, un = udp(ours.S, 3000), udp(theirs.S, 4000)
  assert(ours.S.sendto(uo, "to netbsd", nil, 0, ours.S.t.sockaddr_in(4000, "10.79.0.2")))
  T.eq(recv(theirs.S, un), "to netbsd", "UDP: ours -> NetBSD")
  assert(theirs.S.sendto(un, "to rumpus", nil, 0, theirs.S.t.sockaddr_in(3000, "10.79.0.1")))
  T.eq(recv(ours.S, uo), "to rumpus", "UDP: NetBSD -> ours")
  uo:close(); un:close()
  -- the file is a NetBSD bus: both senders' frames in it, decodable
  local senders = {}
  for _, f in ipairs(assert(shmif.frames(bus))) do senders[f.sender] = true end
  local ns = 0
  for _ in pairs(senders) do ns = ns + 1 end
  T.eq(ns, 2, "frames from two senders (ours and NetBSD's) in the ring")
  local pcap = dir .. "/bus.pcap"
  T.ok(assert(shmif.dumpbus(bus, pcap)) >= 8, "dumpbus")
  if not have_tshark() then return T.skip("tshark is not installed (make deps installs it)") end
  local out = tshark(pcap, "-T fields -e frame.protocols -e udp.dstport -e ip.checksum.status -e _ws.malformed")
  T.ok(out:find("eth:ethertype:arp", 1, true), "ARP: " .. out)
  T.ok(out:find("icmp", 1, true), "ICMP: " .. out)
  T.ok(out:find("\t4000\t", 1, true) and out:find("\t3000\t", 1, true), "both UDP datagrams: " .. out)
  T.ok(not out:find("Malformed", 1, true), "nothing malformed")
end)

T.case("TCP between a rumpus kernel and a NetBSD rump_server over one bus file, both ways", function()
  local dir = T.tmpdir()
  local bus = dir .. "/bus"
  local ours = rump.kernel{ "net.netinet", "net.shmif" }
  T.defer(function() ours:destroy() end)
  local theirs = rump.kernel{ "net", "net.net", "net.netinet", "net.shmif", backend = "netbsd", remote = true }
  T.defer(function() theirs:destroy() end)
  local co, cn = rnet.config(ours), rnet.config(theirs)
  assert(cn:create("shmif0")); assert(cn:attach("shmif0", bus))
  assert(cn:address("shmif0", "10.79.1.2/24")); assert(cn:up("shmif0"))
  assert(co:create("shmif0")); assert(co:attach("shmif0", bus))
  assert(co:address("shmif0", "10.79.1.1/24")); assert(co:up("shmif0"))
  assert(cn:usable("10.79.1.2"))
  local function wait(S, fd, ev, ms)
    local fds = S.t.pollfds{ { fd = fd, events = ev } }
    local n = S.poll(fds, ms or 5000)
    return n and n > 0
  end
  -- each way: a listener on one side, a client on the other, 64 KiB each way, then close
  local function exchange(srvk, srvaddr, clik, port)
    local SS, CS = srvk.S, clik.S
    local l = assert(SS.socket("inet", "stream"))
    assert(SS.setsockopt(l, "socket", "reuseaddr", true))
    assert(SS.bind(l, SS.t.sockaddr_in(port, srvaddr)))
    assert(SS.listen(l, 4))
    local c = assert(CS.socket("inet", "stream, nonblock"))
    CS.connect(c, CS.t.sockaddr_in(port, srvaddr))
    T.ok(wait(CS, c, "out", 10000), "connected")
    T.eq(CS.getsockopt(c, "socket", "error"), 0, "SO_ERROR 0")
    T.ok(wait(SS, l, "in", 10000), "the listener has the connection")
    local s = assert(SS.accept(l))
    local blob = ("0123456789abcdef"):rep(4096)     -- 64 KiB
    local sent, got = 0, {}
    while sent < #blob do
      local n = CS.write(c, blob:sub(sent + 1, sent + 8192))
      if n then sent = sent + n else assert(wait(CS, c, "out")) end
      while wait(SS, s, "in", 0) do
        local d = SS.read(s, nil, 65536)
        if not d or #d == 0 then break end
        got[#got + 1] = d
      end
    end
    local total = #table.concat(got)
    while total < #blob and wait(SS, s, "in", 5000) do
      local d = SS.read(s, nil, 65536)
      if not d or #d == 0 then break end
      got[#got + 1] = d
      total = total + #d
    end
    T.eq(table.concat(got) == blob, true, "64 KiB arrived intact (" .. total .. " bytes)")
    assert(SS.write(s, "done"))
    T.ok(wait(CS, c, "in", 5000), "the answer came")
    T.eq(CS.read(c, nil, 16), "done")
    CS.close(c)
    T.ok(wait(SS, s, "in", 5000), "the server sees the close")
    T.eq(SS.read(s, nil, 16), "", "EOF")
    SS.close(s); SS.close(l)
  end
  exchange(theirs, "10.79.1.2", ours, 8080)   -- ours connects to NetBSD's listener
  exchange(ours, "10.79.1.1", theirs, 8081)   -- NetBSD's client connects to ours
end)
