-- NetBSD rounds a TCP socket buffer up to whole segments when the connection is
-- established (tcp_mss_from_peer for the send buffer: at least the peer's MSS, less the
-- timestamp option; tcp_established for the receive buffer: larger than the MSS we
-- offered), sizes set by SO_SNDBUF/SO_RCVBUF too.  Two kernels on a bus, interface MTUs
-- giving MSS 1460 and 960; SO_RCVBUF/SO_SNDBUF read after connect and accept for a few
-- set sizes (and the default).  The same observations on rumpus kernels and, with
-- $RUMPUS_NETBSD_RUMP, on NetBSD's own kernels: they must be equal.
local T = require "rump.test"
local rump = require "rump"
local rnet = require "rump.net"

local AIP, BIP = "10.79.0.1", "10.79.0.2"
-- (Sizes under 2048 left out: NetBSD's accepted socket then has a send buffer of more
-- than its listener's before the rounding, a difference of its own, docs/netinet.md.)
local SIZES = { false, 2048, 2900, 20000, 32768, 100000 }

local function observe(backend, bus, mtu)
  local function boot(addr)
    local opts = { "net", "net.net", "net.netinet", "net.shmif" }
    if backend == "netbsd" then opts.backend, opts.remote = "netbsd", true end
    local k = rump.kernel(opts)
    T.defer(function() k:destroy() end)
    local cfg = rnet.config(k)
    assert(cfg:create("shmif0"))
    assert(cfg:attach("shmif0", bus))
    assert(cfg:mtu("shmif0", mtu))
    assert(cfg:address("shmif0", addr .. "/24"))
    assert(cfg:up("shmif0"))
    return k
  end
  local A, B = boot(AIP).S, boot(BIP).S
  local out, port = {}, 7400
  for _, set in ipairs(SIZES) do
    port = port + 1
    local l = assert(B.socket("inet", "stream"))
    local c = assert(A.socket("inet", "stream"))
    if set then
      for _, x in ipairs({ { B, l }, { A, c } }) do
        assert(x[1].setsockopt(x[2], "socket", "rcvbuf", set))
        assert(x[1].setsockopt(x[2], "socket", "sndbuf", set))
      end
    end
    assert(B.bind(l, B.t.sockaddr_in(port, BIP)))
    assert(B.listen(l, 4))
    assert(A.connect(c, A.t.sockaddr_in(port, BIP)))
    local s = assert(B.accept(l))
    out[#out + 1] = ("set %s: connected rcvbuf %d sndbuf %d, accepted rcvbuf %d sndbuf %d"):format(
      tostring(set), A.getsockopt(c, "socket", "rcvbuf"), A.getsockopt(c, "socket", "sndbuf"),
      B.getsockopt(s, "socket", "rcvbuf"), B.getsockopt(s, "socket", "sndbuf"))
    A.close(c); B.close(s); B.close(l)
  end
  return table.concat(out, "\n")
end

-- What NetBSD's rules give (MSS m offered by both ends, timestamps on: segments of
-- m - 12 data bytes).
local function expected(mss)
  local function up(n, m) return math.ceil(n / m) * m end
  local out = {}
  for _, set in ipairs(SIZES) do
    local n = set or 32768
    local snd = n >= mss - 12 and up(n, mss - 12) or n
    local rcv = n > mss and up(n, mss) or n
    out[#out + 1] = ("set %s: connected rcvbuf %d sndbuf %d, accepted rcvbuf %d sndbuf %d"):format(
      tostring(set), rcv, snd, rcv, snd)
  end
  return table.concat(out, "\n")
end

local function bus() return "sbr-" .. tostring(os.time()) .. "-" .. tostring(math.random(1e9)) end

for _, mtu in ipairs({ 1500, 1000 }) do
  T.case("buffers rounded to whole segments at establishment, MTU " .. mtu .. " (rumpus)", function()
    T.eq(observe("rumpus", bus(), mtu), expected(mtu - 40))
  end)
  T.case("buffers rounded to whole segments at establishment, MTU " .. mtu .. " (NetBSD's kernel)", function()
    local nb = require "rump.netbsd"
    local ok, why = nb.available()
    if not ok then T.skip(why) end
    local got = observe("netbsd", T.tmpdir() .. "/bus", mtu)
    T.eq(got, expected(mtu - 40), "NetBSD's kernel follows the rules")
    T.eq(observe("rumpus", bus(), mtu), got, "rumpus observes what NetBSD's kernel does")
  end)
end
