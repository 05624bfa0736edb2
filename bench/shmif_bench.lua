-- Bus files (NetBSD's shmif format) between processes: the ICMP echo round trip from one of
-- our kernels to a peer kernel in another process that answers in its kernel, over one bus
-- file: the peer is another rumpus kernel (the baseline) or NetBSD's rump kernel in a
-- rump_server (when $RUMPUS_NETBSD_RUMP has one).  Same topology on both sides: two
-- processes, one bus file, the echo answered by the peer's kernel.  Interleaved batches,
-- median and p99 of every trip; the in-process memory bus for reference.
local B = dofile((arg[0]:match("^(.-)[^/]*$")) .. "util.lua")
local S = require "syscall"
local rump = require "rump"
local rnet = require "rump.net"
local nb = require "rump.netbsd"

B.section("ICMP echo round trip over a NetBSD shmif bus file, peer in another process (median, p99)")

local dir = ("/tmp/rumpus-shmif-bench-%d"):format(S.getpid())
assert(S.mkdir(dir, "0700"))
local function cleanup()
  for _, n in ipairs{ "bus", "stop", "nbbus" } do os.remove(dir .. "/" .. n) end
  S.rmdir(dir)
end

local me = rump.kernel{ "net.netinet", "net.shmif" }
local cfg = rnet.config(me)
local function iface(name, bus, addr)
  assert(cfg:create(name)); assert(cfg:attach(name, bus)); assert(cfg:address(name, addr)); assert(cfg:up(name))
end

-- Our peer: a child process with one kernel on the bus file, until the stop file appears.
local child_src = [[
local rump = require "rump"
local rnet = require "rump.net"
local S = require "syscall"
local k = rump.kernel{ "net.netinet", "net.shmif" }
local c = rnet.config(k)
assert(c:create("shmif0")); assert(c:attach("shmif0", arg[1])); assert(c:address("shmif0", "10.81.0.2/24")); assert(c:up("shmif0"))
io.write("ready\n"); io.flush()
while not io.open(arg[2]) do S.nanosleep(0.02) end
k:destroy()
]]
local cf = assert(io.open(dir .. "/peer.lua", "w")); cf:write(child_src); cf:close()
local luajit = os.getenv("LUAJIT") or "luajit"
local child = assert(io.popen(luajit .. " " .. dir .. "/peer.lua " .. dir .. "/bus " .. dir .. "/stop", "r"))
assert(child:read("*l") == "ready", "the peer process started")
iface("shmif0", dir .. "/bus", "10.81.0.1/24")

-- The in-process reference: a second kernel on a memory bus.
local mem = rump.kernel{ "net.netinet", "net.shmif" }
local mc = rnet.config(mem)
assert(mc:create("shmif0")); assert(mc:attach("shmif0", "shmif-bench-mem")); assert(mc:address("shmif0", "10.83.0.2/24")); assert(mc:up("shmif0"))
iface("shmif2", "shmif-bench-mem", "10.83.0.1/24")

-- NetBSD's kernel on a bus file of its own.
local theirs, why
local avail, awhy = nb.available()
if not avail then why = awhy
else
  local ok, k = pcall(rump.kernel, { "net", "net.net", "net.netinet", "net.shmif", backend = "netbsd", remote = true })
  if not ok then why = tostring(k) else
    theirs = k
    local tc = rnet.config(theirs)
    assert(tc:create("shmif0")); assert(tc:attach("shmif0", dir .. "/nbbus")); assert(tc:address("shmif0", "10.82.0.2/24")); assert(tc:up("shmif0"))
    iface("shmif1", dir .. "/nbbus", "10.82.0.1/24")
    assert(tc:usable("10.82.0.2"))
  end
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
-- warm ARP
for _, d in ipairs{ "10.81.0.2", "10.83.0.2", theirs and "10.82.0.2" or nil } do
  local t = {}
  pinger(d)(3, t)
end

local fns = { { "ours", pinger("10.81.0.2") }, { "mem", pinger("10.83.0.2") } }
if theirs then fns[#fns + 1] = { "netbsd", pinger("10.82.0.2") } end
local r = B.latencies{ n = 50, rounds = B.rounds(12), fns = fns }
local function note(x) return ("p99 %s"):format(B.fmt(x.p99, "us")) end
B.fig("shmif.file.ours", "ping over a bus file, peer: a rumpus kernel in another process", r.ours.med / 1000, "us", note({ p99 = r.ours.p99 / 1000 }))
B.fig("shmif.mem", "ping over an in-process memory bus (reference)", r.mem.med / 1000, "us", note({ p99 = r.mem.p99 / 1000 }))
B.cmp("shmif.mem", "shmif.file.ours", "same run, interleaved batches; memory bus vs bus file across processes")
if theirs then
  B.fig("shmif.file.netbsd", "ping over a bus file, peer: NetBSD's rump kernel (rump_server)", r.netbsd.med / 1000, "us", note({ p99 = r.netbsd.p99 / 1000 }))
  B.cmp("shmif.file.netbsd", "shmif.file.ours", "same run, interleaved batches, same topology (two processes, one bus file, echo answered in the peer kernel)")
else
  B.skip("ping over a bus file to NetBSD's rump kernel", why)
end

sock:close()
local sf = io.open(dir .. "/stop", "w"); sf:close()
child:close()
if theirs then theirs:destroy() end
mem:destroy()
me:destroy()
os.remove(dir .. "/peer.lua")
cleanup()
