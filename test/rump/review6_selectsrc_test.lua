-- review6: in_selectsrc under a route through the loopback (a blackhole route) when no
-- interface is on the destination's net.  NetBSD 7.99 (in_pcb.c in_selectsrc): a route
-- whose interface is the loopback gives no source; ifa_ifwithladdr(dst) finds none; then
-- "Find 1st non-loopback AF_INET address".  So the source is the shmif's address, never
-- 127.0.0.1.  Observed with getsockname after a non-blocking connect, on rumpus and (with
-- $RUMPUS_NETBSD_RUMP) on NetBSD's kernel.
local T = require "rump.test"
local rump = require "rump"
local rnet = require "rump.net"

local function observe(backend, bus, two)
  local opts = { "net", "net.net", "net.netinet", "net.shmif" }
  if backend == "netbsd" then opts.backend, opts.remote = "netbsd", true end
  local k = rump.kernel(opts)
  T.defer(function() k:destroy() end)
  local cfg = rnet.config(k)
  assert(cfg:create("shmif0"))
  assert(cfg:attach("shmif0", bus))
  assert(cfg:address("shmif0", "10.79.0.1/24"))
  assert(cfg:up("shmif0"))
  local dst = "10.200.0.5"
  if two then
    -- a wide net on shmif0 and a narrower one inside it on shmif1: ifa_ifwithnet takes the
    -- most specific (10.79.1.1 for 10.79.1.9)
    assert(cfg:address("shmif0", "10.79.0.1/8"))
    assert(cfg:create("shmif1"))
    assert(cfg:attach("shmif1", bus .. "2"))
    assert(cfg:address("shmif1", "10.79.1.1/24"))
    assert(cfg:up("shmif1"))
    dst = "10.79.1.9"
  end
  assert(cfg:route_add(dst .. "/32", "127.0.0.1", { blackhole = true }))
  local S = k.S
  local s = assert(S.socket("inet", "stream"))
  assert(S.nonblock(s))
  local ok, err = S.connect(s, S.t.sockaddr_in(7002, dst))
  local sa = S.getsockname(s)
  local r = { connect = ok and "ok" or tostring(err and (err.sym or err)), src = sa and tostring(sa.addr) }
  S.close(s)
  return r
end

local function check(backend, r, want)
  T.eq(r.src, want or "10.79.0.1", backend .. ": the source is the first non-loopback address (connect: " .. r.connect .. ")")
end

T.case("source address under a blackhole route, no interface on the destination's net (rumpus)", function()
  check("rumpus", observe("rumpus", "ss-" .. tostring(os.time()) .. "-" .. tostring(math.random(1e9))))
end)

T.case("the same on NetBSD's kernel", function()
  local nb = require "rump.netbsd"
  local ok, why = nb.available()
  if not ok then T.skip(why) end
  check("NetBSD", observe("netbsd", T.tmpdir() .. "/bus"))
end)

T.case("source address under a blackhole route: the most specific net's address (rumpus)", function()
  check("rumpus", observe("rumpus", "ss2-" .. tostring(os.time()) .. "-" .. tostring(math.random(1e9)), true), "10.79.1.1")
end)

T.case("the same on NetBSD's kernel (most specific net)", function()
  local nb = require "rump.netbsd"
  local ok, why = nb.available()
  if not ok then T.skip(why) end
  check("NetBSD", observe("netbsd", T.tmpdir() .. "/bus", true), "10.79.1.1")
end)
