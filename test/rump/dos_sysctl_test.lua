-- The limits that bound what a neighbour or an unprivileged process can make a kernel
-- hold (issue 9), by name from Lua: net.inet.arp.*, net.inet.ip.maxfragpackets and
-- maxfrags, kern.sbmax, kern.maxfiles.  Defaults, writes with range checks, and the
-- effect of a few (the floods themselves are test/c/dos_net_test.c).
local T = require "rump.test"
local rump = require "rump"

local function boot(spec)
  local k = rump.kernel(spec or { "net.netinet", "net.shmif", "net.local" })
  T.defer(function() k:destroy() end)
  return k
end

T.case("defaults: NetBSD's where NetBSD has them", function()
  local S = boot().S
  T.eq(S.sysctl("net.inet.arp.keep"), 1200)
  T.eq(S.sysctl("net.inet.arp.down"), 20)
  T.eq(S.sysctl("net.inet.arp.nd_bmaxtries"), 5)
  T.eq(S.sysctl("net.inet.arp.maxqueuelen"), 16)
  T.eq(S.sysctl("net.inet.arp.maxentries"), 4096)
  T.eq(S.sysctl("net.inet.ip.maxfragpackets"), 200)
  T.eq(S.sysctl("kern.sbmax"), 262144)
  T.ok(S.sysctl("net.inet.ip.maxfrags") > 0)
end)

T.case("maxfrags scales with the kernel's memory limit", function()
  local small = boot({ "net.netinet", memlimit = 4 * 1024 * 1024 }).S
  local big = boot({ "net.netinet" }).S
  local a, b = small.sysctl("net.inet.ip.maxfrags"), big.sysctl("net.inet.ip.maxfrags")
  T.ok(a < b, ("4 MiB kernel %d < unlimited %d"):format(a, b))
  T.ok(a * 2048 <= 4 * 1024 * 1024 / 4, "at most a quarter of the limit in 2 KiB buffers")
end)

T.case("writes: set, range-checked, root only", function()
  local k = boot()
  local S = k.S
  T.eq(S.sysctl("net.inet.arp.down", 5), 20, "returns the old value")
  T.eq(S.sysctl("net.inet.arp.down"), 5)
  T.fails("INVAL", S.sysctl("net.inet.arp.down", 0))
  T.fails("INVAL", S.sysctl("net.inet.arp.nd_bmaxtries", 0))
  T.fails("INVAL", S.sysctl("net.inet.arp.maxentries", 0))
  T.fails("INVAL", S.sysctl("kern.sbmax", 1000))
  T.ok(S.sysctl("net.inet.ip.maxfrags", 100))
  T.eq(S.sysctl("net.inet.ip.maxfrags"), 100)
  T.fails("NOENT", S.sysctl("net.inet.arp.nosuchname"))
  T.ok(S.setuid(1000))
  T.fails("PERM", S.sysctl("net.inet.arp.maxentries", 10))
  T.fails("PERM", S.sysctl("kern.sbmax", 1048576))
end)

T.case("kern.sbmax bounds SO_RCVBUF: ENOBUFS beyond, allowed after raising it", function()
  local S = boot().S
  local s = assert(S.socket("inet", "dgram"))
  T.fails("NOBUFS", S.setsockopt(s, "socket", "rcvbuf", 1048576))
  T.ok(S.sysctl("kern.sbmax", 4194304))
  T.ok(S.setsockopt(s, "socket", "rcvbuf", 1048576))
  assert(S.close(s))
end)

T.case("kern.maxfiles bounds the kernel's open files: ENFILE", function()
  local S = boot().S
  local old = S.sysctl("kern.maxfiles")
  T.ok(S.sysctl("kern.maxfiles", 8))
  local fds = {}
  local err
  for _ = 1, 20 do
    local s, e = S.socket("unix", "dgram")
    if not s then err = e break end
    fds[#fds + 1] = s
  end
  T.ok(err and err.NFILE, "ENFILE, got " .. tostring(err))
  T.ok(#fds <= 8)
  for _, s in ipairs(fds) do assert(S.close(s)) end
  T.ok(S.sysctl("kern.maxfiles", old))
  local s = assert(S.socket("unix", "dgram"))
  assert(S.close(s))
end)
