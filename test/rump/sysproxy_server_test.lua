-- Our Lua's remote backend (NetBSD's librumpclient, lua/rump/netbsd.lua) pointed at our own
-- sysproxy server: rump.kernel{ ..., backend = "netbsd", remote = true, server = "rumpus" }
-- runs $RUMPUS_BUILD/bin/rumpus_server, a rumpus kernel behind NetBSD's client library
-- (docs/netbsd.md, "Our sysproxy server").  Needs NetBSD's librumpclient from
-- $RUMPUS_NETBSD_RUMP (the only place it is looked up): one skip without.
local T = require "rump.test"
local nb = require "rump.netbsd"

T.case("server: bad values raise naming the option (no NetBSD build needed)", function()
  local rump = require "rump"
  T.err(function() rump.kernel{ "vfs", backend = "netbsd", remote = true, server = "bsd" } end, "bad option 'server'")
  T.err(function() rump.kernel{ "vfs", backend = "netbsd", server = "rumpus" } end, "bad option 'server'")
end)

local avail, why = nb.available()
if not avail then
  T.case("rumpus_server through NetBSD's librumpclient", function() T.skip(why) end)
  return
end

local function ours(spec)
  spec.backend, spec.remote, spec.server = "netbsd", true, "rumpus"
  local k = require "rump".kernel(spec)
  T.defer(function() k:destroy() end)
  return k
end

T.case("server = rumpus: files on our kernel through librumpclient, each kernel its own server", function()
  local a = ours{ "vfs", "fs.tmpfs", hostname = "spa" }
  local b = ours{ "vfs", "fs.tmpfs", hostname = "spb" }
  T.eq(a.server, "rumpus")
  T.ok(tostring(a):match("^rumpus_server kernel unix://"))
  T.ne(a.S.getpid(), 1)
  T.eq(a.S.sysctl("kern.ostype"), "NetBSD")
  T.eq(a.S.sysctl("kern.hostname"), "spa")
  T.eq(b.S.sysctl("kern.hostname"), "spb")
  T.ok(a.S.mkdir("/only-a", "0755"))
  T.fails("NOENT", b.S.stat("/only-a"))
  local fd = assert(a.S.open("/only-a/f", "creat, rdwr", "0644"))
  T.eq(fd:write("through sysproxy"), 16)
  T.eq(fd:seek(0, "set"), 0)
  T.eq(fd:read(nil, 64), "through sysproxy")
  T.eq(assert(a.S.stat("/only-a/f")).size, 16)
  T.ok(fd:close())
  T.fails("EXIST", a.S.mkdir("/only-a", "0755"))
end)

T.case("server = rumpus: UDP over lo0 of our kernel", function()
  local k = ours{ "net.netinet" }
  local S = k.S
  local s1 = assert(S.socket("inet", "dgram"))
  local s2 = assert(S.socket("inet", "dgram"))
  T.defer(function() s1:close(); s2:close() end)
  assert(s2:bind(S.t.sockaddr_in(0, "127.0.0.1")))
  local port = assert(s2:getsockname()).port
  T.ok(port > 0)
  T.eq(s1:sendto("our lo0", nil, 0, S.t.sockaddr_in(port, "127.0.0.1")), 7)
  T.eq(S.recvfrom(s2), "our lo0")
end)

T.case("server = rumpus: destroy stops the server; a server that cannot start is an error", function()
  local H = require "syscall"
  local k = ours{ "vfs" }
  local pid = k.pid
  T.ok(H.kill(pid, 0), "the server runs")
  T.ok(k:destroy())
  T.fails("SRCH", H.kill(pid, 0))
  T.err(function() k.S.getpid() end, "destroyed")
  T.err(function() require "rump".kernel{ "vfs", backend = "netbsd", remote = true, server = "rumpus",
    memlimit = 1 } end, "rumpus_server exited before serving.*memlimit")
end)
