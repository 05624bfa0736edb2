-- Our Lua on NetBSD's own rump kernels (rump.netbsd, docs/netbsd.md), in-process.
--
-- NetBSD's kernel is one per process, so every scenario runs in a child process of its own:
-- this same file, started through the runner's --child mode with RUMPUS_NB_CHILD naming the
-- set of cases to register (fs: the shared file-system scenarios on tmpfs; unix: the shared
-- AF_UNIX scenarios; kernel: UDP over lo0, sysctl, processes, rump.net on NetBSD's answers,
-- syscall.rump.init, one kernel per process).  The parent case reads the child's TAP and fails
-- with every failing case of it.  The build is found at $RUMPUS_NETBSD_RUMP (the only
-- place it is looked up); without it those cases are one skip.
local T = require "rump.test"
local nb = require "rump.netbsd"

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local self = debug.getinfo(1, "S").source:match("^@(.*)$")
local CHILD = os.getenv("RUMPUS_NB_CHILD")

-- Child: one NetBSD kernel for the whole process -----------------------------------------------
if CHILD then
  local rump = require "rump"
  if CHILD == "fs" or CHILD == "unix" then
    local comps = CHILD == "fs" and { "vfs", "fs.tmpfs" } or { "vfs", "fs.tmpfs", "net", "net.local" }
    comps.backend = "netbsd"
    comps.remote = os.getenv("RUMPUS_NB_REMOTE") == "1"   -- through rump_server
    local k = rump.kernel(comps)
    T.case("netbsd " .. CHILD .. ": the kernel is " .. (comps.remote and "a rump_server" or "in this process"), function()
      T.eq(k.remote == true, comps.remote)
      if comps.remote then T.ne(k.S.getpid(), 1) else T.eq(k.S.getpid(), 1) end
    end)
    local S = k.S
    -- NetBSD's root is rumpfs: the cases work on a tmpfs mounted at /mnt.
    assert(S.mkdir("/mnt", "0755"))
    assert(S.mount("tmpfs", "/mnt", 0, { mode = "0777" }))
    -- Where NetBSD's kernel answers otherwise than the shared scenario expects (rumpus
    -- follows POSIX's text or Linux there; docs/netbsd.md lists them), the case asserts
    -- NetBSD's answer instead, under a name that says so.
    local known = {
      ["netbsd fs: rename between two names of one file changes nothing"] = { "NetBSD removes the first name", function(d)
        assert(S.open(d .. "/a", "creat, wronly", "0644")):close()
        assert(S.link(d .. "/a", d .. "/b"))
        T.ok(S.rename(d .. "/a", d .. "/b"))
        T.fails("NOENT", S.stat(d .. "/a"))
        T.ok(S.stat(d .. "/b"))
      end },
      ["netbsd fs: fifos made by mknod carry data"] = { "NetBSD's mknod makes no fifo: EINVAL", function(d)
        T.fails("INVAL", S.mknod(d .. "/p", S.c.S_I.FIFO + 384, 0))
      end },
      ["netbsd unix: recvmsg with too small a control buffer: MSG_CTRUNC, the rest closed"] =
        { "NetBSD drops every descriptor of a truncated message", function(d)
        local ok, err, a, b = S.socketpair("unix", "stream")
        assert(ok, err)
        local f1 = assert(S.open(d .. "/1", "creat, rdwr", "0644"))
        local f2 = assert(S.open(d .. "/2", "creat, rdwr", "0644"))
        T.defer(function() a:close(); b:close(); f1:close(); f2:close() end)
        assert(S.util.sendfds(a, f1, f2))
        local fds = assert(S.util.recvfds(b, 1))
        T.ok(fds.truncated, "MSG_CTRUNC reported")
        T.eq(#fds, 0)
      end },
    }
    local n = 0
    local function base()
      n = n + 1
      local dir = "/mnt/case" .. n
      assert(S.mkdir(dir, "0755"))
      return dir
    end
    local KT = setmetatable({ case = function(name, fn)
      local kn = known[name]
      if kn then return T.case(name .. " (" .. kn[1] .. ")", function() return kn[2](base()) end) end
      return T.case(name, fn)
    end }, { __index = T })
    if CHILD == "fs" then
      dofile(here .. "../lua/shared/fs_scenarios.lua")(KT, S, base, { prefix = "netbsd fs: " })
    else
      dofile(here .. "../lua/shared/socket_scenarios.lua")(KT, S, { dir = base }, { prefix = "netbsd unix: " })
    end
    T.case("netbsd " .. CHILD .. ": destroy, after every case", function()
      local pid = k.pid
      T.ok(k:destroy())
      if pid then T.fails("SRCH", require("syscall").kill(pid, 0)) end
    end)
    return
  end
  assert(CHILD == "kernel", "RUMPUS_NB_CHILD: fs, unix or kernel")
  local rnet = require "rump.net"
  local srinit = require "syscall.rump.init"
  -- ljsyscall's entry boots the process's kernel (RUMPUS_BACKEND=netbsd in this child's
  -- environment picks NetBSD's); rump.kernel gives the same one no second time.
  local ok0, e0 = pcall(rump.kernel, { "vfs", "fs.nonexistent", backend = "netbsd" })
  local S = srinit.init("vfs", "fs.tmpfs", "net", "net.net", "net.local", "net.netinet", "net.shmif")
  local k = srinit.kernel

  T.case("an unknown component fails before anything is booted; the next request boots", function()
    T.ok(not ok0 and tostring(e0):find("fs.nonexistent", 1, true), tostring(e0))
    T.eq(k.backend, "netbsd")
    T.eq(S.getpid(), 1)
  end)
  T.case("syscall.rump.init again gives the same kernel's S", function()
    T.ok(srinit.init("vfs") == S)
  end)
  T.case("a second kernel is a clear error saying why", function()
    T.err(function() rump.kernel{ "vfs", backend = "netbsd" } end, "one per process")
    T.err(function() rump.kernel{ "vfs", backend = "rumpus" } end, "cannot share")
    T.err(function() rump.kernel{ "vfs", backend = "other" } end, "bad option 'backend'")
  end)
  T.case("descriptors 0-2 are the console: the first file gets 3", function()
    local fd = assert(S.open("/f3", "creat, rdwr", "0644"))
    T.defer(function() fd:close() end)
    T.eq(fd:getfd(), 3)
  end)
  T.case("sysctl: hostname, ostype, forwarding on by default", function()
    T.eq(S.sysctl("kern.ostype"), "NetBSD")
    T.ok(S.sysctl("kern.hostname", "nbk"))
    T.eq(S.sysctl("kern.hostname"), "nbk")
    T.eq(S.sysctl("net.inet.ip.forwarding"), 1)
    T.ok(S.sysctl("net.inet.ip.forwarding", 0))
    T.eq(S.sysctl("net.inet.ip.forwarding"), 0)
    T.eq(rnet.config(k):forwarding(), false)
    T.fails("NOENT", S.sysctl("kern.nonexistent"))
  end)
  T.case("UDP over lo0: a datagram to ourselves", function()
    local a = assert(S.socket("inet", "dgram"))
    local b = assert(S.socket("inet", "dgram"))
    T.defer(function() a:close(); b:close() end)
    assert(b:bind(S.t.sockaddr_in(0, "127.0.0.1")))
    local sa = assert(b:getsockname())
    T.ok(sa.port > 0)
    T.eq(a:sendto("over lo0", nil, 0, S.t.sockaddr_in(sa.port, "127.0.0.1")), 8)
    local data, err, from = S.recvfrom(b)
    T.eq(data, "over lo0", tostring(err))
    T.eq(from.addr and tostring(from.addr) or tostring(from.sin_addr), "127.0.0.1")
  end)
  T.case("processes: rfork copies descriptors, clean starts empty, switch(nil) comes back", function()
    local fd = assert(S.open("/pf", "creat, rdwr", "0644"))
    T.defer(function() fd:close() end)
    -- NetBSD aborts on lwproc_switch(NULL) from a thread with no lwp: here it is a no-op.
    T.ok(k:switch(nil))
    T.eq(k:curlwp(), nil)
    local p = assert(k:rfork("copy"))
    T.ne(S.getpid(), 1)
    local pid = S.getpid()
    T.ok(S.fstat(fd), "a copied descriptor is valid in the child")
    T.ok(k:switch(nil))
    T.eq(S.getpid(), 1)
    T.ok(k:switch(p))
    T.eq(S.getpid(), pid)
    T.ok(k:release())
    T.eq(S.getpid(), 1)
    local q = assert(k:rfork("clean"))
    T.ne(S.getpid(), pid)
    T.fails("BADF", S.fstat(fd))
    T.ok(k:release())
    T.ok(q)
    T.err(function() k:release() end, "no lwp")
  end)
  T.case("rump.net on NetBSD's answers: netmasks of family 0xff, DAD waited for", function()
    local cfg = rnet.config(k)
    local bus = T.tmpdir() .. "/bus"
    assert(cfg:create("shmif0"))
    assert(cfg:attach("shmif0", bus))
    assert(cfg:up("shmif0"))
    -- address() returns once the address is no longer tentative: bind works at once.
    assert(cfg:address("shmif0", "10.77.0.1/24"))
    local s = assert(S.socket("inet", "dgram"))
    T.defer(function() s:close() end)
    T.ok(s:bind(S.t.sockaddr_in(0, "10.77.0.1")))
    local r = assert(cfg:route_get("10.77.0.9"))
    T.eq(r.prefixlen, 24)
    T.eq(r.ifname, "shmif0")
    local i = assert(cfg:iface("shmif0"))
    T.eq(i.inet[1].addr, "10.77.0.1")
    T.eq(i.inet[1].prefixlen, 24)
    local lo = assert(cfg:iface("lo0"))
    T.eq(lo.inet[1].addr, "127.0.0.1")
    T.eq(lo.inet[1].prefixlen, 8)
    local seen = false
    for _, rt in ipairs(assert(cfg:routes())) do
      if rt.dst == "10.77.0.0" then seen = rt.prefixlen == 24 end
    end
    T.ok(seen, "10.77.0.0/24 in the routing table")
  end)
  T.case("reboot is refused in-process (NetBSD would park the thread or end the process)", function()
    T.err(function() S.reboot("halt") end, "park this thread")
    T.eq(S.getpid(), 1)
  end)
  T.case("destroy: k.S and its descriptors stop working", function()
    local fd = assert(S.open("/late", "creat, rdwr", "0644"))
    T.ok(k:destroy())
    T.ok(k:halted())
    T.err(function() k.S.getpid() end, "destroyed")
    T.err(function() fd:write("x") end, "destroyed")
    T.ok(k:destroy())
  end)
  return
end

-- Parent ---------------------------------------------------------------------------------------
local interp = (arg and arg[-1]) or "luajit"
local runner = (arg and arg[0]) or (here .. "../run.lua")
local function sh(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

-- A non-rumpus library in RUMPUS_LIB: refused with the reason, the same way every time (the
-- module used to keep it and fail differently on the next call).  No NetBSD build needed.
-- Runs the script in a child without librumpus in reach, RUMPUS_LIB set to lib; returns the
-- two answers of rump.kernel it printed, and all of its output.
local function foreign(lib, ldpath)
  local script = T.tmpdir() .. "/foreign.lua"
  local f = assert(io.open(script, "w"))
  f:write([[
-- no librumpus on the C path either (PUC Lua's ffi module stays reachable)
local keep = {}
for e in package.cpath:gmatch("[^;]+") do
  local f = io.open((e:gsub("%?", "librumpus")), "rb")
  if f then f:close() else keep[#keep + 1] = e end
end
package.cpath = table.concat(keep, ";")
local rump = require "rump"
local ok1, e1 = pcall(rump.kernel, { "vfs" })
local ok2, e2 = pcall(rump.kernel, { "vfs" })
io.write(tostring(ok1), "\n", tostring(e1), "\n", tostring(ok2), "\n", tostring(e2), "\n")
]])
  f:close()
  local out = T.sh("env -u RUMPUS_BUILD RUMPUS_LIB=" .. sh(lib) ..
    (ldpath and (" LD_LIBRARY_PATH=" .. sh(ldpath)) or "") .. " " .. sh(interp) .. " " .. sh(script) .. " 2>&1")
  local l = {}
  for line in out:gmatch("[^\n]+") do
    if not line:find("could not find strtab", 1, true) then l[#l + 1] = line end
  end
  return l, out
end
T.case("a library without rumpus's entry points is refused the same way twice", function()
  local l, out = foreign("libm.so.6")
  T.eq(l[1], "false", out)
  T.eq(l[3], "false", out)
  T.ok(l[2] and l[2]:find("not the rumpus kernel library", 1, true), out)
  T.eq(l[4], l[2], "the second call fails the same way")
end)

-- The routing-socket parser on the netmask NetBSD writes: family 0xff, sa_len 7 (the bytes up
-- to the last nonzero one); it used to be read as no address and crash route_get.
T.case("a routing message's netmask of family 0xff is read by its bytes", function()
  local rnet = require "rump.net"
  local c = require "syscall.netbsd.constants"
  local dst = string.char(16, c.AF.INET, 0, 0, 10, 77, 0, 0) .. string.rep("\0", 8)
  local mask = string.char(7, 0xff, 0, 0, 255, 255, 255, 0)
  local a = assert(rnet.sockaddrs(dst .. mask, c.RTA.DST + c.RTA.NETMASK))
  T.eq(a[c.RTAX.DST].addr, "10.77.0.0")
  T.eq(a[c.RTAX.NETMASK].addr, "255.255.255.0")
  T.eq(a[c.RTAX.NETMASK].family, 0xff)
end)

-- Mistakes raise naming the argument, before anything is loaded (no NetBSD build needed).
T.case("bad components and options raise naming them", function()
  local rump = require "rump"
  T.err(function() rump.kernel{ 42, backend = "netbsd" } end, "component 1 is a number")
  T.err(function() rump.kernel{ "fs/../x", backend = "netbsd" } end, "unknown component")
  T.err(function() rump.kernel{ "vfs", backend = "netbsd", cpus = "2" } end, "bad option 'cpus'")
  T.err(function() rump.kernel{ "vfs", backend = "netbsd", hostname = 1 } end, "bad option 'hostname'")
  T.err(function() rump.kernel{ "vfs", backend = "netbsd", remote = true, memlimit = -1 } end, "bad option 'memlimit'")
  T.err(function() rump.kernel{ "vfs", backend = "netbsd", root = "ext2" } end, "bad option 'root'")
  T.err(function() rump.kernel{ "vfs", backend = "bsd" } end, "bad option 'backend'")
  T.err(function() rump.kernel{ "vfs", backend = "rumpus", remote = true } end, "bad option 'remote'")
end)

local avail, why = nb.available()
if not avail then
  -- One skip, with the reason, for everything that needs the build.
  T.case("NetBSD's rump kernels", function() T.skip(why) end)
  return
end

-- Runs one set in a child process; returns the list of its cases' results.
local function child(set, remote)
  -- Under make asan: NetBSD's in-process kernel can never be freed, and LeakSanitizer cannot
  -- scan its threads (it dies on them), so its children run without leak detection.
  local asan = os.getenv("ASAN_OPTIONS")
  local noleaks = (asan and not remote) and (" ASAN_OPTIONS=" .. sh(asan .. ":detect_leaks=0")) or ""
  local cmd = "env" .. noleaks .. " RUMPUS_NB_CHILD=" .. set .. " RUMPUS_NB_REMOTE=" .. (remote and "1" or "0") .. " RUMPUS_BACKEND=netbsd RUMPUS_NETBSD_RUMP=" .. sh(nb.prefix()) ..
    " timeout 300 " .. sh(interp) .. " " .. sh(runner) .. " --child " .. sh(self) .. " '' 2>&1"
  local out, ok = T.sh(cmd)
  local pass, fails = 0, {}
  local last
  for line in out:gmatch("[^\n]+") do
    if line:match("^ok ") then pass = pass + 1; last = nil
    elseif line:match("^not ok ") then last = { line }; fails[#fails + 1] = last
    elseif last and line:match("^# ") then last[#last + 1] = line end
  end
  local msgs = {}
  for _, fl in ipairs(fails) do msgs[#msgs + 1] = table.concat(fl, "\n") end
  return pass, msgs, ok, out
end

local function run(set, atleast, remote)
  local pass, fails, ok, out = child(set, remote)
  T.eq(#fails, 0, "failing cases on NetBSD's kernel:\n" .. table.concat(fails, "\n"))
  T.ok(ok, "the child exits 0: " .. out:sub(-600))
  T.ok(pass >= atleast, ("at least %d cases passed (got %d): %s"):format(atleast, pass, out:sub(-600)))
end

T.case("NetBSD's librump.so as RUMPUS_LIB: refused the same way twice, pointing at the backend", function()
  local H = require "syscall"
  local dir = T.tmpdir()
  for _, n in ipairs({ "librumpuser.so.0", "librump.so.0" }) do
    assert(H.symlink(assert(nb.resolve(nb.prefix() .. "/lib", n)), dir .. "/" .. n))
  end
  local l, out = foreign(dir .. "/librump.so.0", dir)
  T.eq(l[1], "false", out)
  T.eq(l[3], "false", out)
  T.ok(l[2] and l[2]:find("it is NetBSD's librump", 1, true) and l[2]:find("backend", 1, true), out)
  T.eq(l[4], l[2], "the second call fails the same way")
end)

T.case("the shared file-system scenarios on NetBSD's tmpfs", function() run("fs", 30) end)
T.case("the shared AF_UNIX scenarios on NetBSD's kernel", function() run("unix", 15) end)
T.case("UDP over lo0, sysctl, processes, rump.net and one kernel per process on NetBSD's kernel",
  function() run("kernel", 10) end)

-- Remote kernels: NetBSD's rump_server, one process per kernel, driven from this process.
T.case("the shared file-system scenarios on a NetBSD rump_server", function() run("fs", 30, true) end)
T.case("the shared AF_UNIX scenarios on a NetBSD rump_server", function() run("unix", 15, true) end)

local function remote(spec)
  spec.backend, spec.remote = "netbsd", true
  local rump = require "rump"
  local k = rump.kernel(spec)
  T.defer(function() k:destroy() end)
  return k
end

T.case("remote: several rump_servers from one process, each its own kernel", function()
  local ks = {}
  for i = 1, 3 do ks[i] = remote{ "vfs", "fs.tmpfs", hostname = "nbr" .. i } end
  for i = 1, 3 do T.ok(ks[i].S.mkdir("/only" .. i, "0755")) end
  for i = 1, 3 do
    T.eq(ks[i].S.sysctl("kern.hostname"), "nbr" .. i)
    for j = 1, 3 do
      if i == j then T.ok(ks[i].S.stat("/only" .. j)) else T.fails("NOENT", ks[i].S.stat("/only" .. j)) end
    end
  end
  local fd = assert(ks[2].S.open("/only2/f", "creat, rdwr", "0644"))
  T.eq(fd:write("remote"), 6)
  T.eq(fd:seek(0, "set"), 0)
  T.eq(fd:read(nil, 16), "remote")
  T.ok(fd:close())
end)

T.case("remote: UDP over lo0 and rump.net on a rump_server", function()
  local k = remote{ "net.netinet", "net.shmif" }
  local S = k.S
  local a = assert(S.socket("inet", "dgram"))
  local b = assert(S.socket("inet", "dgram"))
  T.defer(function() a:close(); b:close() end)
  assert(b:bind(S.t.sockaddr_in(0, "127.0.0.1")))
  local port = assert(b:getsockname()).port
  T.eq(a:sendto("remote lo0", nil, 0, S.t.sockaddr_in(port, "127.0.0.1")), 10)
  T.eq(S.recvfrom(b), "remote lo0")
  local cfg = require "rump.net".config(k)
  assert(cfg:create("shmif0"))
  assert(cfg:attach("shmif0", T.tmpdir() .. "/bus"))
  assert(cfg:up("shmif0"))
  assert(cfg:address("shmif0", "10.78.0.1/24"))
  local s = assert(S.socket("inet", "dgram"))
  T.defer(function() s:close() end)
  T.ok(s:bind(S.t.sockaddr_in(0, "10.78.0.1")), "the address is usable once address() returns")
  T.eq(assert(cfg:route_get("10.78.0.3")).prefixlen, 24)
end)

T.case("remote: destroy stops the server; nothing of it stays on disk once it serves", function()
  local H = require "syscall"
  local k = remote{ "kern", "vfs" }   -- kern: rumpus's name of the base, librump itself
  T.ok(k:has("kern")); T.ok(k:has("vfs")); T.ok(not k:has("net"))
  local pid, dir = k.pid, k.dir
  T.ok(H.kill(pid, 0), "the server runs")
  T.fails("NOENT", H.stat(dir))
  T.ok(k:destroy())
  T.fails("SRCH", H.kill(pid, 0))
  T.err(function() k.S.getpid() end, "destroyed")
  T.ok(k:destroy())
  T.err(function() k:rfork() end, "not available on a remote kernel")
end)

T.case("remote: reboot ends the kernel; it is halted and later calls fail cleanly", function()
  local k = remote{ "vfs" }
  T.ok(k.S.reboot("halt"))
  T.ok(k:halted())
  local fd, err = k.S.open("/x", "creat, rdwr", "0644")
  T.eq(fd, nil)
  T.ok(err ~= nil)
  T.ok(k:destroy())
end)

T.case("remote: a server that cannot start is an error and leaves nothing behind", function()
  local H = require "syscall"
  local tmp = T.tmpdir()
  local old = os.getenv("TMPDIR")
  -- the servers' directories go to $TMPDIR: a private one shows what is left
  H.setenv("TMPDIR", tmp, true)
  T.defer(function() if old then H.setenv("TMPDIR", old, true) else H.unsetenv("TMPDIR") end end)
  local rump = require "rump"
  T.err(function() rump.kernel{ "vfs", backend = "netbsd", remote = true, memlimit = 4096 } end,
    "rump_server exited before serving")
  T.same(H.util.dirtable(tmp, true), {})
  T.err(function() rump.kernel{ "vfs", "fs.nonexistent", backend = "netbsd", remote = true } end, "fs.nonexistent")
  T.same(H.util.dirtable(tmp, true), {})
end)

-- Two syscall tables over the NetBSD types in one process (a rumpus kernel's and a remote
-- NetBSD kernel's): each has its control-message arithmetic and typed socket options (the
-- second used to get neither: S.cmsg_space was nil and setsockopt refused a timeval).
T.case("remote: beside a rumpus kernel, both tables pass descriptors and take typed options", function()
  local rump = require "rump"
  local r = rump.kernel{ "vfs", "fs.tmpfs", "net", "net.local" }
  T.defer(function() r:destroy() end)
  local k = remote{ "vfs", "fs.tmpfs", "net", "net.local" }
  for _, S in ipairs({ r.S, k.S }) do
    local ok, err, a, b = S.socketpair("unix", "stream")
    assert(ok, err)
    T.ok(S.setsockopt(a, "socket", "rcvtimeo", S.t.timeval{ 1, 500000 }))
    local f = assert(S.open("/pass", "creat, rdwr", "0644"))
    T.eq(f:write("passed"), 6)
    assert(S.util.sendfds(a, f))
    local fds = assert(S.util.recvfds(b, 4))
    T.eq(#fds, 1)
    T.eq(fds[1]:seek(0, "set"), 0)
    T.eq(fds[1]:read(nil, 16), "passed")
    fds[1]:close(); f:close(); a:close(); b:close()
  end
end)
