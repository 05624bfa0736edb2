-- AF_UNIX sockets in rumpus kernels from Lua: the shared scenarios
-- (test/lua/shared/socket_scenarios.lua, the same ones the host passes), each case on a fresh
-- kernel with vfs, tmpfs, net and net.local; then what only kernels show: descriptors passed
-- between processes of one kernel, names private to each kernel, teardown with sockets open.
local T = require "rump.test"
local rump = require "rump"
local ffi = require "syscall.ffi"

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local scenarios = dofile(here .. "../lua/shared/socket_scenarios.lua")

local COMPONENTS = { "vfs", "fs.tmpfs", "net", "net.local" }

local function boot(opts)
  local spec = {}
  for i, n in ipairs(COMPONENTS) do spec[i] = n end
  for k, v in pairs(opts or {}) do spec[k] = v end
  local k = rump.kernel(spec)
  T.defer(function() k:destroy() end)
  return k
end

-- Each case boots its own kernel first and destroys it afterwards, pass or fail.
local spec = { hostname = "unix" }
for i, name in ipairs(COMPONENTS) do spec[i] = name end
local KT, S, dir = dofile(here .. "shared/percase.lua")(spec)
scenarios(KT, S, { dir = dir }, { prefix = "kernel unix: " })

-- Kernel-only cases -----------------------------------------------------------------------------

T.case("the components a unix socket needs are known and loaded", function()
  local have = {}
  for _, name in ipairs(rump.components()) do have[name] = true end
  for _, name in ipairs(COMPONENTS) do T.ok(have[name], name .. " is a known component") end
  local k = boot()
  T.ok(k:has("net.local"))
end)

T.case("without net.local: socket(AF_UNIX) is EAFNOSUPPORT; without net: ENOSYS", function()
  local k = rump.kernel{ "net" }
  T.defer(function() k:destroy() end)
  T.fails("AFNOSUPPORT", k.S.socket("unix", "stream"))
  local bare = rump.kernel{}
  T.defer(function() bare:destroy() end)
  T.fails("NOSYS", bare.S.socket("unix", "stream"))
end)

T.case("SCM_RIGHTS between two processes of one kernel", function()
  local k = boot()
  local S = k.S
  T.defer(function() k:switch(nil) end)
  local ok, _, a, b = S.socketpair("unix", "stream")
  assert(ok)
  -- A child with a copy of the descriptor table opens a file only it has, sends it over b
  -- and exits.
  local child = assert(k:rfork("copy"))
  local cpid = S.getpid()
  T.ne(cpid, 1)
  local f = assert(S.open("/from-child", "creat, rdwr", "0600"))
  assert(f:write("written by " .. cpid))
  T.eq(S.util.sendfds(b, f), 1)
  f:close()
  k:release()          -- the child exits; its descriptors are closed, the one in flight lives
  k:switch(nil)
  T.eq(S.getpid(), 1)
  local fds = assert(S.util.recvfds(a))
  T.eq(#fds, 1)
  T.eq(assert(fds[1]:seek(0)), 0)
  T.eq(fds[1]:read(), "written by " .. cpid)
  T.ok(child)
end)

T.case("a listener in one process, a client in a clean child process", function()
  local k = boot()
  local S = k.S
  T.defer(function() k:switch(nil) end)
  local l = assert(S.socket("unix", "stream"))
  assert(S.bind(l, S.t.sockaddr_un("/srv")))
  assert(S.listen(l))
  local child = assert(k:rfork("clean"))
  T.fails("BADF", S.fstat(l:getfd())) -- the clean child does not have the listener
  local cl = assert(S.socket("unix", "stream"))
  assert(S.connect(cl, S.t.sockaddr_un("/srv")))
  assert(cl:write("from the child"))
  k:switch(nil)
  local acc = assert(S.accept(l))
  T.eq(acc:read(), "from the child")
  assert(acc:write("to the child"))
  k:switch(child)
  T.eq(cl:read(), "to the child")
end)

T.case("names are private to each kernel", function()
  local a, b = boot(), boot()
  local la = assert(a.S.socket("unix", "stream"))
  assert(a.S.bind(la, a.S.t.sockaddr_un("/same")))
  assert(a.S.listen(la))
  local lb = assert(b.S.socket("unix", "stream"))
  T.ok(b.S.bind(lb, b.S.t.sockaddr_un("/same")), "the same path is free in another kernel")
  local cb = assert(b.S.socket("unix", "stream"))
  T.fails("CONNREFUSED", b.S.connect(cb, b.S.t.sockaddr_un("/same"))) -- b's node does not listen
  local ca = assert(a.S.socket("unix", "stream"))
  T.ok(a.S.connect(ca, a.S.t.sockaddr_un("/same")))
end)

T.case("descriptors received in one kernel stay bound to it while another is used", function()
  local a, b = boot(), boot()
  local ok, _, x, y = a.S.socketpair("unix", "stream")
  assert(ok)
  local f = assert(a.S.open("/in-a", "creat, rdwr", "0644"))
  assert(f:write("A"))
  local msg_buf = a.S.t.buffer(4)
  local msg = a.S.t.msghdr{ iov = { { msg_buf, 4 } }, control = 64 }
  assert(a.S.util.sendfds(x, f))
  T.eq(a.S.recvmsg(y, msg), 1)
  -- Another kernel becomes current before the rights are turned into objects.
  local g = assert(b.S.open and b.S.socket("unix", "dgram"))
  T.ok(g)
  local got = msg:fds()
  T.eq(#got, 1)
  T.eq(assert(got[1]:seek(0)), 0)
  T.eq(got[1]:read(), "A", "the descriptor reads a's file, not something in b")
end)

T.case("a forgotten socket is closed in its own kernel by the GC", function()
  local a, b = boot(), boot()
  do
    local s = assert(a.S.socket("unix", "stream"))
    T.eq(s:getfd(), 0)
  end
  local keep = assert(b.S.socket("unix", "dgram"))
  T.eq(keep:getfd(), 0)
  collectgarbage(); collectgarbage()
  T.ok(b.S.fstat(0), "b's descriptor 0 survives the collection of a's")
  T.fails("BADF", a.S.fstat(0)) -- a's descriptor 0 was closed
  T.eq(keep:getfd(), 0)
end)

T.case("destroying a kernel with connected sockets, rights in flight and a listener frees it all", function()
  local before = rump.memstats().bytes
  local k = rump.kernel(COMPONENTS)
  local S = k.S
  local l = assert(S.socket("unix", "stream"))
  assert(S.bind(l, S.t.sockaddr_un("/l"))); assert(S.listen(l))
  local c1 = assert(S.socket("unix", "stream"))
  assert(S.connect(c1, S.t.sockaddr_un("/l")))
  local ok, _, p, q = S.socketpair("unix", "stream")
  assert(ok)
  assert(S.util.sendfds(p, p, q, l))
  assert(p:write(string.rep("x", 1000)))
  T.ok(k:destroy())
  T.eq(rump.memstats().bytes, before, "every byte freed")
  T.err(function() p:write("x") end, "destroyed")
end)

T.case("sockets in many kernels at once", function()
  local ks = {}
  for i = 1, 20 do
    local k = rump.kernel(COMPONENTS)
    ks[i] = k
    T.defer(function() k:destroy() end)
    local ok, _, a, b = k.S.socketpair("unix", "dgram")
    assert(ok)
    assert(a:send("kernel " .. i))
    ks[i].b = b
  end
  for i = 1, 20 do T.eq(ks[i].b:recv(), "kernel " .. i) end
end)

T.case("argument errors name the argument", function()
  local k = boot()
  T.err(function() k.S.socket("unix", "nosuchtype") end, "socket")
  T.err(function() k.S.util.sendfds() end, "sendfds")
  T.err(function() k.S.util.recvfds(nil) end, "recvfds")
  T.err(function() k.S.t.cmsghdr("nosuchlevel", "rights", {}) end, "unknown level")
  T.err(function() k.S.t.cmsghdr("socket", "nosuchtype", {}) end, "unknown control message type")
  local _, e = k.S.recvmsg(999, k.S.t.msghdr{ iov = { 4 } })
  T.ok(e and e.BADF)
  T.ok(ffi.sizeof(k.S.t.msghdr) == 48)
end)

T.case("NetBSD option rules: SO_RCVBUF < 1 EINVAL, linger out of range EDOM, 16-byte timeval", function()
  local k = boot()
  local S = k.S
  local s = assert(S.socket("unix", "dgram"))
  T.fails("INVAL", S.setsockopt(s, "socket", "rcvbuf", -1))
  T.fails("DOM", S.setsockopt(s, "socket", "linger", { onoff = true, linger = 70000 }))
  T.fails("DOM", S.setsockopt(s, "socket", "sndtimeo", { sec = -1, usec = 0 }))
  T.eq(ffi.sizeof(S.t.timeval), 16)
  T.ok(S.setsockopt(s, "socket", "sndtimeo", 2.25))
  local tv = assert(S.getsockopt(s, "socket", "sndtimeo"))
  T.eq(tv.sec, 2); T.eq(tv.usec, 250000)
  -- A timeval of the wrong size is EINVAL (the raw form of the call).
  T.fails("INVAL", S.setsockopt(s, "socket", "sndtimeo", S.t.int1(1), 4))
  T.eq(S.cmsg_len(4), 20); T.eq(S.cmsg_space(4), 24); T.eq(S.cmsg_space(8), 24)
end)

T.case("an unbound socket's name is NetBSD's sun_noname: sun_len 106, an empty path, never abstract", function()
  local k = boot()
  local S = k.S
  local s = assert(S.socket("unix", "stream"))
  local sa = assert(S.getsockname(s))
  T.eq(#sa, 106)
  T.eq(sa.family, S.c.AF.UNIX)
  T.eq(sa.path, "")
  T.eq(sa.abstract, false)
  T.eq(tostring(sa), "unix:")
  -- a datagram from an unbound sender carries the same name
  local ok, _, a, b = S.socketpair("unix", "dgram")
  assert(ok)
  assert(a:write("x"))
  local data, err, from = S.recvfrom(b)
  T.eq(data, "x", err)
  T.eq(from.path, "")
  T.eq(from.abstract, false)
end)
