-- review6: getsockopt(IPPROTO_TCP, TCP_INFO) as NetBSD 7.99's tcp_fill_info fills it
-- (tcp_usrreq.c 1.209): tcpi_snd_mss = tcpi_rcv_mss = t_segsz, tcpi_snd_cwnd and
-- tcpi_snd_wnd in segments (/ t_segsz: "Linux API wants these in # of segments"),
-- tcpi_snd_nxt and tcpi_rcv_nxt the absolute sequence numbers (not relative to ISS/IRS).
-- Observed on rumpus and, with $RUMPUS_NETBSD_RUMP, on NetBSD's own kernels.
local T = require "rump.test"
local rump = require "rump"
local rnet = require "rump.net"
local ffi = require "syscall.ffi"

local AIP, BIP = "10.78.0.1", "10.78.0.2"

local function u32(buf, off)
  return buf[off] + buf[off + 1] * 256 + buf[off + 2] * 65536 + buf[off + 3] * 16777216
end

local function observe(backend, bus)
  local function boot(addr)
    local opts = { "net", "net.net", "net.netinet", "net.shmif" }
    if backend == "netbsd" then opts.backend, opts.remote = "netbsd", true end
    local k = rump.kernel(opts)
    T.defer(function() k:destroy() end)
    local cfg = rnet.config(k)
    assert(cfg:create("shmif0"))
    assert(cfg:attach("shmif0", bus))
    assert(cfg:address("shmif0", addr .. "/24"))
    assert(cfg:up("shmif0"))
    return k
  end
  local A, B = boot(AIP).S, boot(BIP).S
  local l = assert(B.socket("inet", "stream"))
  assert(B.bind(l, B.t.sockaddr_in(7001, BIP)))
  assert(B.listen(l, 4))
  local c = assert(A.socket("inet", "stream"))
  assert(A.connect(c, A.t.sockaddr_in(7001, BIP)))
  local s = assert(B.accept(l))
  local msg = ("m"):rep(1000)
  T.eq(A.send(c, msg), 1000)
  local got = ""
  for _ = 1, 100 do
    B.poll({ { fd = s, events = "in" } }, 50)
    got = got .. (B.recv(s, nil, 2000, "dontwait") or "")
    if #got == 1000 then break end
  end
  T.eq(#got, 1000, backend .. ": the data arrived")
  -- wait for the ACK so that snd_una == snd_nxt at A
  A.poll({}, 300)
  local buf = ffi.new("uint8_t[236]")
  assert(A.getsockopt(c, "tcp", 9, buf, 236))
  local o = {
    state = buf[0],
    snd_mss = u32(buf, 16), rcv_mss = u32(buf, 20),
    snd_cwnd = u32(buf, 80), snd_wnd = u32(buf, 100), snd_nxt = u32(buf, 108),
    rcv_space = u32(buf, 96),
  }
  return o
end

local function check(backend, o)
  T.eq(o.state, 4, backend .. ": ESTABLISHED")
  T.ok(o.snd_mss > 500 and o.snd_mss <= 1460, backend .. ": tcpi_snd_mss is t_segsz (" .. o.snd_mss .. ")")
  T.eq(o.rcv_mss, o.snd_mss, backend .. ": tcpi_rcv_mss is t_segsz too")
  T.ok(o.snd_cwnd > 0 and o.snd_cwnd < 1000, backend .. ": tcpi_snd_cwnd in segments (" .. o.snd_cwnd .. ")")
  T.ok(o.snd_wnd > 0 and o.snd_wnd < 1000, backend .. ": tcpi_snd_wnd in segments (" .. o.snd_wnd .. ")")
  T.ok(o.rcv_space > 1000, backend .. ": tcpi_rcv_space is rcv_wnd, the advertised window (" .. o.rcv_space .. ")")
  T.ok(o.snd_nxt ~= 1001, backend .. ": tcpi_snd_nxt absolute, not ISS-relative (" .. o.snd_nxt .. ")")
end

T.case("TCP_INFO's fields as NetBSD fills them (rumpus)", function()
  rump.clock.virtual(false)
  check("rumpus", observe("rumpus", "ti-" .. tostring(os.time()) .. "-" .. tostring(math.random(1e9))))
end)

T.case("TCP_INFO's fields as NetBSD fills them (NetBSD's kernel)", function()
  local nb = require "rump.netbsd"
  local ok, why = nb.available()
  if not ok then T.skip(why) end
  check("NetBSD", observe("netbsd", T.tmpdir() .. "/bus"))
end)
