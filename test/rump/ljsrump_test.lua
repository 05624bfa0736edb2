-- ljsyscall's rump mode, our side (issue 12): what ljsyscall's rump suite (test/test.lua rump)
-- does with a NetBSD rump kernel, done through our kernel's syscall table.  CI cannot fetch
-- ljsyscall, so these are our own checks; tools/ljsyscall_suite.sh --rump runs the real
-- suite.  C-level details (threads, ktrace records) are in test/c/ljsrump_test.c.
local T = require "rump.test"
local rump = require "rump"
local ffi = require "syscall.ffi"

-- The component list ljsyscall's rump suite boots with (net.netinet6 left out: it is built
-- elsewhere), and its setup: an lwp of process 1, tmpfs on /tmp, ptyfs on /dev/pts.
local COMPS = { "kern.tty", "dev", "net", "fs.tmpfs", "fs.kernfs", "fs.ptyfs", "net.net",
  "net.local", "net.netinet", "vfs" }

local function kernel()
  local k = rump.kernel(COMPS)
  T.defer(function() k:destroy() end)
  local S = k.S
  assert(k:newlwp(S.getpid()))
  assert(S.mount("tmpfs", "/tmp", 0, { ta_version = 1, ta_nodes_max = 1000,
    ta_size_max = 104857600, ta_root_mode = "0777" }))
  assert(S.chdir("/tmp"))
  assert(S.mkdir("/dev/pts", "0555"))
  assert(S.mount("ptyfs", "/dev/pts", 0, { version = 2, gid = 0, mode = "0320" }))
  return S, k
end

T.case("the suite's components boot, and its setup runs as on NetBSD", function()
  local S = kernel()
  local st = assert(S.stat("/tmp"))
  T.eq(st.mode % 4096, tonumber("777", 8)) -- the tmpfs mounted with ta_root_mode 0777
  T.ok(S.stat("/dev/pts"))
  T.eq(assert(S.getcwd()), "/tmp")
end)

T.case("newlwp(1): process 1 takes a new lwp, as NetBSD's (it was ESRCH)", function()
  local k = rump.kernel{ "vfs" }
  T.defer(function() k:destroy() end)
  T.ok(k:newlwp(1))
  T.ok(k:curlwp() ~= nil)
  T.eq(k.S.getpid(), 1)
  k:release()
  T.eq(k.S.getpid(), 1)
end)

T.case("the root NetBSD's rump kernel boots with: /dev/null, /dev/zero, /tmp", function()
  local k = rump.kernel{ "vfs" }
  T.defer(function() k:destroy() end)
  local S = k.S
  local st = assert(S.stat("/dev/zero"))
  T.eq(st.typename, "char device")
  T.eq(st.rdev.major, 2); T.eq(st.rdev.minor, 12)
  T.eq(assert(S.stat("/dev/null")).rdev.minor, 2)
  T.eq(assert(S.stat("/tmp")).mode % 8192, tonumber("1777", 8))
  local z = assert(S.open("/dev/zero", "rdonly"))
  T.eq(z:read(nil, 4), "\0\0\0\0")
  T.ok(not z:isatty(), "/dev/zero is no tty")
  z:close()
  local n = assert(S.open("/dev/null", "rdwr"))
  T.eq(n:write("gone"), 4)
  T.eq(n:read(), "")
  n:close()
  -- rfork: a new process does not see the old one's files (ljsyscall's test_rfork)
  local fd = assert(S.open("/dev/zero", "rdonly"))
  T.ok(k:newlwp(1))
  local lwp = k:curlwp()
  assert(k:rfork("CFDG"))
  T.ne(S.getpid(), 1)
  T.fails("BADF", fd:read())
  k:release()
  k:switch(lwp)
  T.ok(fd:read())
end)

T.case("ptys: posix_openpt, grantpt, ptsname, the slave in ptyfs, termios", function()
  local S = kernel()
  local ptm = assert(S.posix_openpt("rdwr, noctty"))
  T.ok(ptm:grantpt()); T.ok(ptm:unlockpt())
  local name = assert(ptm:ptsname())
  T.eq(name, "/dev/pts/0")
  local st = assert(S.stat(name))
  T.eq(st.rdev.major, 5); T.eq(st.mode % 4096, tonumber("620", 8))
  local pts = assert(S.open(name, "rdwr, noctty"))
  T.ok(pts:isatty())
  T.eq(ptm:write("hi\r"), 3)
  T.eq(pts:read(), "hi\n")                  -- ICRNL, a canonical line
  T.eq(ptm:read(), "hi\r\n")                -- the echo through ONLCR
  T.eq(pts:write("out\n"), 4)
  T.eq(ptm:read(), "out\r\n")
  -- the termios structure, by hand: c_lflag at offset 12; ICANON 0x100, ECHO 0x8
  local tio = ffi.new("uint32_t[11]")
  T.ok(S.ioctl(pts, "TIOCGETA", tio))
  T.eq(tio[3] % 0x200 >= 0x100, true)
  tio[3] = tio[3] - 0x100 - 0x8
  T.ok(S.ioctl(pts, "TIOCSETA", tio))
  T.eq(ptm:write("r"), 1)
  T.eq(pts:read(), "r")                     -- raw: at once, no echo
  T.ok(S.ioctl(pts, "TIOCSTOP")); T.ok(S.ioctl(pts, "TIOCSTART"))
  T.ok(S.revoke(name))
  T.eq(pts:read(), "")                      -- revoked: end of file
  T.fails("IO", pts:write("x"))
  pts:close(); ptm:close()
  T.fails("NOENT", S.stat(name))            -- both sides closed: gone from ptyfs
  T.fails("NXIO", S.open("/dev/tty", "rdwr"))
end)

T.case("kernfs mounts, by S.mount and util.mount", function()
  local S = kernel()
  T.ok(S.mkdir("k1"))
  T.ok(S.mount("kernfs", "k1"))
  T.eq(S.util.readfile("k1/hostname"), "rumpus\n")
  T.ok(S.unmount("k1"))
  T.ok(S.util.mount { type = "kernfs", dir = "k1" })
  T.ok(S.stat("k1/version"))
  T.ok(S.unmount("k1"))
  T.ok(S.rmdir("k1"))
end)

T.case("chflags, lchflags, fchflags: append-only and immutable on tmpfs", function()
  local S = kernel()
  local fd = assert(S.creat("f", "RWXU"))
  T.ok(fd:write("append"))
  T.ok(S.chflags("f", "uf_append"))
  T.eq(assert(S.stat("f")).flags, S.c.CHFLAGS.UF_APPEND)
  T.fails("PERM", S.open("f", "wronly"))
  local a = assert(S.open("f", "wronly, append")); a:close()
  T.fails("PERM", S.unlink("f"))
  T.ok(S.chflags("f"))                      -- cleared
  T.ok(fd:chflags("uf_immutable"))
  T.fails("PERM", S.chmod("f", "0600"))
  T.ok(S.lchflags("f", 0))
  T.ok(S.unlink("f"))
  fd:close()
end)

T.case("fsync_range, extattr (EOPNOTSUPP as NetBSD's tmpfs), ksem", function()
  local S = kernel()
  local fd = assert(S.creat("g", "RWXU"))
  T.ok(fd:sync_range("data", 0, 4096))
  T.fails("INVAL", S.fsync_range(fd, 0, 0, 1))
  fd:close()
  local id = assert(S.ksem_init(3))
  T.eq(S.ksem_getvalue(id), 3)
  T.ok(S.ksem_trywait(id)); T.ok(S.ksem_post(id)); T.ok(S.ksem_post(id))
  T.eq(S.ksem_getvalue(id), 4)
  T.ok(S.ksem_destroy(id))
  T.fails("INVAL", S.ksem_post(id))
  local nid = assert(S.ksem_open("/sem", "creat", "0600", 0))
  T.fails("AGAIN", S.ksem_trywait(nid))
  T.ok(S.ksem_unlink("/sem")); T.ok(S.ksem_close(nid))
end)

T.case("fktrace and ktrace: records of the traced calls", function()
  local S = kernel()
  local _, _, r, w = assert(S.pipe())
  local pid = S.getpid()
  T.ok(w:ktrace("set", "syscall, sysret", pid))
  T.eq(S.getpid(), pid)
  T.fails("NOENT", S.open("/thisfiledoesnotexist", "rdonly"))
  T.ok(w:ktrace("clear", "syscall, sysret", pid))
  local data = assert(r:read(nil, 4096))
  T.ok(#data >= 5 * 56, "five records at least (" .. #data .. " bytes)")
  -- the header: ktr_len, ktr_type, ktr_version, ktr_pid, "rump"
  local hdr = ffi.new("struct { int32_t len; int16_t type, version; int32_t pid; char comm[17]; }")
  ffi.copy(hdr, data, ffi.sizeof(hdr))
  T.eq(hdr.pid, pid); T.eq(hdr.type, 2); T.eq(ffi.string(hdr.comm), "rump")
  T.fails("BADF", r:ktrace("set", "syscall", pid))
  local f = assert(S.creat("tr", "0644")); f:close()
  T.ok(S.ktrace("tr", "set", "syscall", pid))
  T.ok(S.ktrace("tr", "clear", "syscall", pid))
  T.ok(assert(S.stat("tr")).size > 0)
end)

T.case("kevent EVFILT_VNODE: delete, then write and extend", function()
  local S = kernel()
  local kq = assert(S.kqueue())
  local fd = assert(S.creat("v", "rwxu"))
  T.ok(S.kevent(kq, { { fd = fd, filter = "vnode", flags = "add, enable, clear",
    fflags = "delete, write, extend, attrib, link, rename, revoke" } }, false))
  local n = 0
  for _ in assert(S.kevent(kq, nil, 4, 0)) do n = n + 1 end
  T.eq(n, 0)
  T.ok(S.unlink("v"))
  local got = {}
  for _, ev in assert(S.kevent(kq, nil, 4, 1)) do got[#got + 1] = ev.fflags end
  T.same(got, { S.c.NOTE.DELETE })
  T.ok(fd:write("something"))
  got = {}
  for _, ev in assert(S.kevent(kq, nil, 4, 1)) do got[#got + 1] = ev.fflags end
  T.same(got, { S.c.NOTE.WRITE + S.c.NOTE.EXTEND })
  fd:close(); kq:close()
end)

T.case("the loopback cloner, SO_ORCVTIMEO, paccept's EAGAIN, sendmmsg", function()
  local S = kernel()
  local u = S.util
  T.ok(u.ifcreate("lo91"))
  T.ok(u.ifup("lo91"))
  T.ok(u.ifdown("lo91"))
  T.ok(u.ifdestroy("lo91"))
  T.fails("NXIO", u.ifdestroy("lo91"))
  local _, _, a, b = assert(S.socketpair("unix", "dgram"))
  local tv = ffi.new("long[2]", { 0, 20000 })
  T.ok(S.setsockopt(a, "socket", 0x1006, tv, 16))   -- SO_ORCVTIMEO, struct timeval50
  T.fails("AGAIN", a:read())                         -- times out instead of blocking
  T.ok(b:write("x")); T.eq(a:read(), "x")
  a:close(); b:close()
  local l = assert(S.socket("unix", "seqpacket, nonblock"))
  T.ok(l:bind(S.t.sockaddr_un("sock"))); T.ok(l:listen())
  T.fails("AGAIN", S.paccept(l, S.t.sockaddr_un(), nil, nil, "nonblock"))
  l:close()
end)
