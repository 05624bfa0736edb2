-- Namespaces and mounts (lua/syscall/linux/namespaces.lua).  Every namespace change and every
-- mount happens in a forked child that unshares first, so the host is never touched.
local T = require "rump.test"
local S = require "syscall"
local ffi = require "syscall.ffi"
local c, t = S.c, S.t

local NOBODY = 65534

local H = dofile("test/lua/shared/child.lua")
local readfile, inchild = H.readfile, H.inchild

local function needroot() if not T.root() then T.skip("needs root") end end
local function nslink(kind, pid) return S.readlink("/proc/" .. (pid or "self") .. "/ns/" .. kind) end

-- The interfaces this process's network namespace has, from /proc/self/net/dev.
local function interfaces()
  local list = {}
  for name in readfile("/proc/self/net/dev"):gmatch("\n%s*([^%s:]+):") do list[#list + 1] = name end
  table.sort(list)
  return list
end

-- A child that unshares `flags`, optionally runs setup, signals readiness through a pipe and
-- then waits to be killed.  Returns its pid; the case's cleanup kills it.
local function holder(flags, setup)
  local ok, _, r, w = S.pipe()
  assert(ok)
  local pid = assert(S.fork())
  if pid == 0 then
    S.prctl("set_pdeathsig", "kill")  -- never outlive a crashed test
    r:close()
    local good = S.unshare(flags) and (not setup or setup())
    w:write(good and "y" or "n")
    while true do S.pause() end
  end
  w:close()
  T.defer(function() S.kill(pid, "kill"); S.waitpid(pid) end)
  T.eq(r:read(nil, 1), "y", "holder ready")
  r:close()
  return pid
end

-- unshare ----------------------------------------------------------------------------------------

T.case("unshare newnet gives a network namespace with only loopback", function()
  needroot()
  local host = nslink("net")
  local out = inchild(function()
    assert(S.unshare("newnet"))
    T.ne(nslink("net"), host)
    return table.concat(interfaces(), ",")
  end)
  T.eq(out, "lo")
  T.eq(nslink("net"), host, "the parent's namespace is unchanged")
end)

T.case("unshare takes several namespaces at once", function()
  needroot()
  local before = { nslink("uts"), nslink("ipc"), nslink("mnt") }
  inchild(function()
    assert(S.unshare("newuts, newipc, newns"))
    T.ne(nslink("uts"), before[1]); T.ne(nslink("ipc"), before[2]); T.ne(nslink("mnt"), before[3])
  end)
  inchild(function()
    assert(S.unshare(c.CLONE.NEWUTS))
    T.ne(nslink("uts"), before[1]); T.eq(nslink("ipc"), before[2])
  end)
end)

T.case("unshare errors: EINVAL for flags it does not take, EPERM unprivileged", function()
  T.fails("INVAL", S.unshare("parent"))
  T.fails("INVAL", S.unshare("settls"))
  T.err(function() S.unshare("newbogus") end, "bad argument #1 to 'unshare'")
  needroot()
  inchild(function()
    assert(S.setuid(NOBODY))
    T.fails("PERM", S.unshare("newnet"))
    T.fails("PERM", S.unshare("newuts"))
  end)
end)

-- setns ------------------------------------------------------------------------------------------

T.case("setns by path joins another process's UTS namespace", function()
  needroot()
  local pid = holder("newuts", function() return S.sethostname("rumpus-setns") end)
  local host = S.gethostname()
  local out = inchild(function()
    assert(S.setns("/proc/" .. pid .. "/ns/uts", "uts"))
    return S.gethostname()
  end)
  T.eq(out, "rumpus-setns")
  T.eq(S.gethostname(), host)
end)

T.case("setns by descriptor joins a network namespace; fd:setns works too", function()
  needroot()
  local pid = holder("newnet")
  local want = nslink("net", pid)
  T.ne(want, nslink("net"))
  local fd = assert(S.open("/proc/" .. pid .. "/ns/net", "rdonly, cloexec"))
  T.defer(function() fd:close() end)
  T.eq(inchild(function()
    assert(S.setns(fd, "newnet"))
    return nslink("net") .. " " .. table.concat(interfaces(), ",")
  end), want .. " lo")
  T.eq(inchild(function()
    assert(fd:setns())
    return nslink("net")
  end), want)
end)

T.case("setns errors: EBADF, EINVAL for wrong kinds, ENOENT for a bad path", function()
  T.fails("BADF", S.setns(987654, 0))
  local fd = assert(S.open("/etc/passwd", "rdonly"))
  T.fails("INVAL", S.setns(fd, 0))
  fd:close()
  local ns = assert(S.open("/proc/self/ns/net", "rdonly"))
  T.fails("INVAL", S.setns(ns, "newuts"))
  ns:close()
  T.fails("NOENT", S.setns("/proc/self/ns/nonexistent", 0))
  T.err(function() S.setns({}, 0) end, "bad argument #1 to 'setns'")
  T.err(function() S.setns("/proc/self/ns/net", "newbogus") end, "bad argument #2 to 'setns'")
end)

T.case("setns needs privilege: EPERM", function()
  needroot()
  local pid = holder("newnet")
  inchild(function()
    local fd = assert(S.open("/proc/" .. pid .. "/ns/net", "rdonly"))
    assert(S.setuid(NOBODY))
    T.fails("PERM", S.setns(fd, "net"))
  end)
end)

-- clone ------------------------------------------------------------------------------------------

T.case("clone with no flags and SIGCHLD works like fork", function()
  local ok, _, r, w = S.pipe()
  local pid = assert(S.clone(0, "chld"))
  if pid == 0 then
    w:write(tostring(S.getpid()) .. " " .. tostring(S.getppid()))
    S.exit(12)
  end
  w:close()
  T.eq(r:read(), pid .. " " .. S.getpid())
  local rpid, _, st = S.waitpid(pid)
  T.eq(rpid, pid); T.eq(st.EXITSTATUS, 12)
  T.ok(ok)
end)

T.case("clone newuts: the child's hostname is its own", function()
  needroot()
  local host = S.gethostname()
  local pid = assert(S.clone("newuts", "chld"))
  if pid == 0 then
    local good = S.sethostname("rumpus-clone") and S.gethostname() == "rumpus-clone"
    S.exit(good and 0 or 1)
  end
  local _, _, st = S.waitpid(pid)
  T.eq(st.EXITSTATUS, 0)
  T.eq(S.gethostname(), host)
end)

T.case("clone newpid: the child is pid 1 of its namespace", function()
  needroot()
  local pid = assert(S.clone("newpid, newns", "chld"))
  if pid == 0 then S.exit(S.getpid() == 1 and 0 or 1) end
  local rpid, _, st = S.waitpid(pid)
  T.eq(rpid, pid)
  T.ne(pid, 1)
  T.eq(st.EXITSTATUS, 0)
end)

T.case("clone with signal 0 needs waitpid's clone option", function()
  local pid = assert(S.clone(0, 0))
  if pid == 0 then S.exit(3) end
  T.fails("CHILD", S.waitpid(pid))
  local rpid, _, st = S.waitpid(pid, "clone")
  T.eq(rpid, pid); T.eq(st.EXITSTATUS, 3)
end)

T.case("clone parent_settid stores the child's pid", function()
  local ptid = t.int1()
  local pid = assert(S.clone("parent_settid", "chld", nil, ptid))
  if pid == 0 then S.exit(0) end
  T.eq(ptid[0], pid)
  S.waitpid(pid)
end)

T.case("clone errors: EINVAL from the kernel, refusals for shared memory", function()
  T.fails("INVAL", S.clone("thread"))
  T.fails("INVAL", S.clone("sighand"))
  T.err(function() S.clone("vm") end, "CLONE_VM")
  T.err(function() S.clone("settls") end, "CLONE_VM and CLONE_SETTLS")
  T.err(function() S.clone(0, "chld", ffi.new("char[4096]")) end, "bad argument #3 to 'clone'")
  T.err(function() S.clone("newbogus") end, "bad argument #1 to 'clone'")
  T.err(function() S.clone(0, "nosig") end, "bad argument #2 to 'clone'")
  T.err(function() S.clone("parent_settid", "chld", nil, 5) end, "bad argument #4 to 'clone'")
end)

-- mount ------------------------------------------------------------------------------------------

-- In a child with a private mount namespace (nothing propagates back to the host).
local function inmountns(fn)
  return inchild(function()
    assert(S.unshare("newns"))
    assert(S.mount(nil, "/", nil, "rec, private"))
    return fn()
  end)
end

local function mounted(dir)
  for line in readfile("/proc/self/mountinfo"):gmatch("[^\n]+") do
    local point, rest = line:match("^%S+ %S+ %S+ %S+ (%S+) (.*)$")
    if point == dir then return rest end
  end
  return nil
end

T.case("mount tmpfs, use it, umount it: the files go with it", function()
  needroot()
  local dir = T.tmpdir()
  local hostdev = S.stat(dir).dev
  local out = inmountns(function()
    assert(S.mount("tmpfs", dir, "tmpfs", 0, "size=1m,mode=0700"))
    local info = mounted(dir)
    T.ok(info and info:find(" %- tmpfs tmpfs "), "mountinfo: " .. tostring(info))
    T.ok(info:find("size=1024k"), "the data string reached the kernel: " .. info)
    T.ne(S.stat(dir).dev, hostdev)
    T.eq(S.stat(dir).mode % 4096, 448)
    local fd = assert(S.open(dir .. "/inside", "creat, wronly", "0644"))
    T.eq(fd:write("on tmpfs"), 8)
    fd:close()
    T.ok(S.stat(dir .. "/inside"))
    assert(S.umount(dir))
    T.eq(mounted(dir), nil)
    T.fails("NOENT", S.stat(dir .. "/inside"))
    T.eq(S.stat(dir).dev, hostdev)
    return "done"
  end)
  T.eq(out, "done")
  T.fails("NOENT", S.stat(dir .. "/inside"))
end)

T.case("a mount in a private namespace is invisible to the host", function()
  needroot()
  local dir = T.tmpdir()
  local pid = holder("newns", function()
    return S.mount(nil, "/", nil, "rec, private") and S.mount("tmpfs", dir, "tmpfs")
      and S.open(dir .. "/x", "creat, wronly", "0644")
  end)
  T.eq(mounted(dir), nil)
  T.fails("NOENT", S.stat(dir .. "/x"))
  -- but the holder's view has it
  T.ok(readfile("/proc/" .. pid .. "/mountinfo"):find(dir, 1, true))
end)

T.case("mount read-only: writes fail with EROFS", function()
  needroot()
  local dir = T.tmpdir()
  inmountns(function()
    assert(S.mount("tmpfs", dir, "tmpfs", "rdonly, nosuid, nodev"))
    T.fails("ROFS", S.open(dir .. "/f", "creat, wronly", "0644"))
    T.fails("ROFS", S.mkdir(dir .. "/d"))
    local info = mounted(dir)
    T.ok(info:match("^ro,nosuid,nodev"), "options: " .. info)
    assert(S.umount2(dir))
  end)
end)

T.case("bind mounts and read-only remounts", function()
  needroot()
  local src, dst = T.tmpdir(), T.tmpdir()
  local f = assert(io.open(src .. "/file", "w")); f:write("bound"); f:close()
  inmountns(function()
    assert(S.mount(src, dst, nil, "bind"))
    T.eq(readfile(dst .. "/file"), "bound")
    assert(S.mount(nil, dst, nil, "remount, bind, rdonly"))
    T.fails("ROFS", S.open(dst .. "/new", "creat, wronly", "0644"))
    T.ok(S.open(src .. "/new", "creat, wronly", "0644"), "the source stays writable")
    T.ok(S.stat(dst .. "/new"), "and its files show through the bind")
    assert(S.umount(dst))
    T.fails("NOENT", S.stat(dst .. "/file"))
  end)
  T.ok(S.stat(src .. "/new"), "the source directory was written for real")
end)

T.case("mount takes a table too", function()
  needroot()
  local dir = T.tmpdir()
  inmountns(function()
    assert(S.mount { source = "rumpus-src", target = dir, type = "tmpfs", flags = "noexec", data = "size=64k" })
    local info = mounted(dir)
    T.ok(info:find("noexec"), info)
    T.ok(info:find(" tmpfs rumpus%-src "), "source name recorded: " .. info)
    assert(S.umount(dir))
  end)
end)

T.case("umount of a busy mount: EBUSY, then detach succeeds", function()
  needroot()
  local dir = T.tmpdir()
  inmountns(function()
    assert(S.mount("tmpfs", dir, "tmpfs"))
    local fd = assert(S.open(dir .. "/held", "creat, rdwr", "0644"))
    T.fails("BUSY", S.umount(dir))
    assert(S.umount(dir, "detach"))
    T.eq(mounted(dir), nil)
    T.eq(fd:write("still usable"), 12, "the detached mount lives on while in use")
    fd:close()
  end)
end)

T.case("mount errors: ENOENT, ENODEV, ENOTDIR, EINVAL", function()
  needroot()
  local dir = T.tmpdir()
  local f = assert(io.open(dir .. "/regular", "w")); f:close()
  inmountns(function()
    T.fails("NOENT", S.mount("tmpfs", dir .. "/missing", "tmpfs"))
    T.fails("NODEV", S.mount("x", dir, "rumpus-no-such-fs"))
    T.fails("NOTDIR", S.mount("tmpfs", dir .. "/regular", "tmpfs"))
    T.fails("INVAL", S.umount(dir))
    T.fails("NOENT", S.umount(dir .. "/missing"))
    T.fails("INVAL", S.umount(dir, 0x100))
    T.fails("NOENT", S.mount(dir .. "/missing", dir, nil, "bind"))
    T.fails("INVAL", S.mount(nil, dir, nil, "remount"))
  end)
end)

T.case("mount and umount need privilege: EPERM", function()
  needroot()
  local dir = T.tmpdir()
  inmountns(function()
    assert(S.mount("tmpfs", dir, "tmpfs"))
    assert(S.setuid(NOBODY))
    T.fails("PERM", S.mount("tmpfs", "/tmp", "tmpfs"))
    T.fails("PERM", S.umount(dir))
  end)
end)

T.case("mount/umount reject wrong argument types", function()
  T.err(function() S.mount("tmpfs", nil, "tmpfs") end, "bad argument #2 to 'mount'")
  T.err(function() S.mount(42, "/x", "tmpfs") end, "bad argument #1 to 'mount'")
  T.err(function() S.mount("a", "/x", 7) end, "bad argument #3 to 'mount'")
  T.err(function() S.mount("a", "/x", "tmpfs", "bogusflag") end, "bad argument #4 to 'mount'")
  T.err(function() S.mount("a", "/x", "tmpfs", 0, {}) end, "bad argument #5 to 'mount'")
  T.err(function() S.umount() end, "bad argument #1 to 'umount'")
  T.err(function() S.umount2("/x", "bogus") end, "bad argument #2 to 'umount2'")
end)

T.case("pivot_root makes a tmpfs the root", function()
  needroot()
  local dir = T.tmpdir()
  local out = inmountns(function()
    assert(S.mount("tmpfs", dir, "tmpfs"))
    local fd = assert(S.open(dir .. "/marker", "creat, wronly", "0644")); fd:close()
    assert(S.mkdir(dir .. "/old"))
    T.fails("INVAL", S.pivot_root(dir .. "/old", dir))
    assert(S.chdir(dir))
    assert(S.pivot_root(".", "old"))
    assert(S.chdir("/"))
    T.ok(S.stat("/marker"), "the tmpfs is /")
    T.ok(S.stat("/old/etc/passwd"), "the old root is under /old")
    assert(S.umount("/old", "detach"))
    T.fails("NOENT", S.stat("/old/etc/passwd"))
    return "pivoted"
  end)
  T.eq(out, "pivoted")
  T.err(function() S.pivot_root(1, "x") end, "bad argument #1 to 'pivot_root'")
end)

T.case("setns with a pidfd joins several namespaces at once", function()
  needroot()
  local pid = holder("newuts, newnet", function() return S.sethostname("rumpus-pidfd") end)
  local pfd = assert(S.pidfd_open(pid))
  T.defer(function() pfd:close() end)
  local want = nslink("net", pid)
  T.eq(inchild(function()
    assert(S.setns(pfd, "newuts, newnet"))
    return S.gethostname() .. " " .. nslink("net")
  end), "rumpus-pidfd " .. want)
  T.fails("INVAL", S.setns(pfd, 0))
end)
