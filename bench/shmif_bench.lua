-- Bus files (NetBSD's shmif format) between processes: round trips from one of our kernels
-- to a peer kernel in another process over a bus file: the ICMP echo (answered inside the
-- peer kernel) and a 64-byte UDP datagram (answered by a Lua loop in the peer process).  The
-- peer is another rumpus kernel (the baseline) or NetBSD's rump kernel (when
-- $RUMPUS_NETBSD_RUMP has one), started by the same script with the same loop: same
-- topology on both sides.  Interleaved batches, median and p99 of every trip; the
-- in-process memory bus for reference.
local B = dofile((arg[0]:match("^(.-)[^/]*$")) .. "util.lua")
local S = require "syscall"
local rump = require "rump"
local rnet = require "rump.net"
local nb = require "rump.netbsd"

B.section("Round trips over a NetBSD shmif bus file to a peer kernel in another process (median, p99)")

local dir = ("/tmp/rumpus-shmif-bench-%d"):format(S.getpid())
assert(S.mkdir(dir, "0700"))
local function cleanup()
  for _, n in ipairs{ "bus", "stop", "nbbus", "peer.lua" } do os.remove(dir .. "/" .. n) end
  S.rmdir(dir)
end

local me = rump.kernel{ "net.netinet", "net.shmif" }
local cfg = rnet.config(me)
local function iface(name, bus, addr)
  assert(cfg:create(name)); assert(cfg:attach(name, bus)); assert(cfg:address(name, addr)); assert(cfg:up(name))
end

-- A peer: a child process with one kernel on a bus file of its own (ours, or NetBSD's rump
-- kernel in-process there), answering UDP on port 7 from a Lua loop, until its stop file
-- appears.  The same script and the same loop for both kinds: only the kernel differs.
local child_src = [[
local rump = require "rump"
local rnet = require "rump.net"
local bus, stop, backend, addr = arg[1], arg[2], arg[3], arg[4]
local spec = { "net", "net.net", "net.netinet", "net.shmif" }
if backend == "netbsd" then spec.backend = "netbsd" end
local k = rump.kernel(spec)
local c = rnet.config(k)
assert(c:create("shmif0")); assert(c:attach("shmif0", bus)); assert(c:address("shmif0", addr .. "/24")); assert(c:up("shmif0"))
if backend == "netbsd" then assert(c:usable(addr)) end
local S = k.S
local s = assert(S.socket("inet", "dgram"))
assert(S.bind(s, S.t.sockaddr_in(7, "0.0.0.0")))
local fds = S.t.pollfds{ { fd = s, events = "in" } }
io.write("ready\n"); io.flush()
while true do
  local n = S.poll(fds, 50)
  if n and n > 0 then
    local d, _, from = S.recvfrom(s, nil, 2048)
    if d then S.sendto(s, d, nil, 0, from) end
  elseif io.open(stop) then break end
end
os.exit(0)
]]
local cf = assert(io.open(dir .. "/peer.lua", "w")); cf:write(child_src); cf:close()
local luajit = os.getenv("LUAJIT") or "luajit"
local function peer(bus, stop, backend, addr)
  local p = assert(io.popen(table.concat({ luajit, dir .. "/peer.lua", bus, stop, backend, addr }, " "), "r"))
  local line = p:read("*l")
  if line ~= "ready" then p:close(); return nil, "the " .. backend .. " peer did not start" end
  return p
end
local child = assert(peer(dir .. "/bus", dir .. "/stop", "rumpus", "10.81.0.2"))
iface("shmif0", dir .. "/bus", "10.81.0.1/24")

-- The in-process reference: a second kernel on a memory bus.
local mem = rump.kernel{ "net.netinet", "net.shmif" }
local mc = rnet.config(mem)
assert(mc:create("shmif0")); assert(mc:attach("shmif0", "shmif-bench-mem")); assert(mc:address("shmif0", "10.83.0.2/24")); assert(mc:up("shmif0"))
iface("shmif2", "shmif-bench-mem", "10.83.0.1/24")

-- NetBSD's kernel, in a child process of the same script, on a bus file of its own.
local theirs, why
local avail, awhy = nb.available()
if not avail then why = awhy
else
  theirs, why = peer(dir .. "/nbbus", dir .. "/stop", "netbsd", "10.82.0.2")
  if theirs then iface("shmif1", dir .. "/nbbus", "10.82.0.1/24") end
end

local MS = me.S
local sock = assert(MS.socket("inet", "raw, nonblock", "icmp"))
local fds = MS.t.pollfds{ { fd = sock, events = "in" } }
local seq = 0
local function pinger(dst)
  local to = MS.t.sockaddr_in(0, dst)
  local buf = MS.t.buffer(2048)
  return function(n, out)
    for _ = 1, n do
      seq = (seq + 1) % 65536
      local req = rnet.echo_request(0x6262, seq, "shmif-bench")
      local t0 = B.now()
      assert(MS.sendto(sock, req, nil, 0, to))
      while true do
        local r = MS.poll(fds, 2000)
        if not r or r == 0 then error("bench: no echo reply from " .. dst .. " within 2 s") end
        local got = MS.recv(sock, buf, 2048)
        if got and got >= 28 then
          local hl = (buf[0] % 16) * 4       -- (the buffer's bytes may be signed: % 256)
          if buf[hl] == 0 and (buf[hl + 6] % 256) * 256 + buf[hl + 7] % 256 == seq then break end
        end
      end
      out[#out + 1] = B.now() - t0
    end
  end
end
local usock = assert(MS.socket("inet", "dgram, nonblock"))
local ufds = MS.t.pollfds{ { fd = usock, events = "in" } }
local function udper(dst)
  local to = MS.t.sockaddr_in(7, dst)
  local msg = ("u"):rep(64)
  return function(n, out)
    for _ = 1, n do
      local t0 = B.now()
      assert(MS.sendto(usock, msg, nil, 0, to))
      repeat
        local r = MS.poll(ufds, 2000)
        if not r or r == 0 then error("bench: no UDP echo from " .. dst .. " within 2 s") end
      until MS.recv(usock, nil, 2048)
      out[#out + 1] = B.now() - t0
    end
  end
end
-- warm ARP
for _, d in ipairs{ "10.81.0.2", "10.83.0.2", theirs and "10.82.0.2" or nil } do
  local t = {}
  pinger(d)(3, t)
end

local fns = { { "ours", pinger("10.81.0.2") }, { "mem", pinger("10.83.0.2") },
  { "uours", udper("10.81.0.2") } }
if theirs then
  fns[#fns + 1] = { "netbsd", pinger("10.82.0.2") }
  fns[#fns + 1] = { "unetbsd", udper("10.82.0.2") }
end
local r = B.latencies{ n = 50, rounds = B.rounds(12), fns = fns }
local function note(x) return ("p99 %s"):format(B.fmt(x.p99, "us")) end
B.fig("shmif.file.ours", "ping over a bus file, peer: a rumpus kernel in another process", r.ours.med / 1000, "us", note({ p99 = r.ours.p99 / 1000 }))
B.fig("shmif.mem", "ping over an in-process memory bus (reference)", r.mem.med / 1000, "us", note({ p99 = r.mem.p99 / 1000 }))
B.cmp("shmif.mem", "shmif.file.ours", "same run, interleaved batches; memory bus vs bus file across processes")
B.fig("shmif.udp.ours", "UDP 64-byte round trip over a bus file, echo by a Lua loop on a rumpus kernel in another process", r.uours.med / 1000, "us", note({ p99 = r.uours.p99 / 1000 }))
if theirs then
  B.fig("shmif.file.netbsd", "ping over a bus file, peer: NetBSD's rump kernel in another process", r.netbsd.med / 1000, "us", note({ p99 = r.netbsd.p99 / 1000 }))
  B.cmp("shmif.file.netbsd", "shmif.file.ours", "same run, interleaved batches, same topology (two processes, one bus file, echo answered in the peer kernel)")
  B.fig("shmif.udp.netbsd", "UDP 64-byte round trip over a bus file, echo by the same Lua loop on NetBSD's rump kernel", r.unetbsd.med / 1000, "us", note({ p99 = r.unetbsd.p99 / 1000 }))
  B.cmp("shmif.udp.netbsd", "shmif.udp.ours", "same run, interleaved batches, same topology (two processes, one bus file, the same Lua echo loop in the peer process)")
else
  B.skip("ping and UDP over a bus file to NetBSD's rump kernel", why)
end

sock:close()
usock:close()
local sf = io.open(dir .. "/stop", "w"); sf:close()
child:close()
if theirs then theirs:close() end
mem:destroy()
me:destroy()
os.remove(dir .. "/peer.lua")
cleanup()
