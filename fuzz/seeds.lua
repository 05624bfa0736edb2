-- seeds.lua: writes the seed corpus of the fuzz harnesses (fuzz/corpus/sys/*.bin,
-- fuzz/corpus/cdef/*.bin).  The seeds are committed; run this again after changing it:
--     lua5.4 fuzz/seeds.lua            (from the repository root)
-- The syscall seeds use "syscall by number" ops (op 31), so they keep their meaning
-- whatever syscalls get implemented later.  The input format is described in fuzz/sys.c.

local unpack = table.unpack or unpack
local slots = {}	-- syscall number -> argument slots, from csrc/syscalls.master
for line in io.lines("csrc/syscalls.master") do
  if not line:match("^#") and line:match("%S") then
    local f = {}
    for field in (line .. "\t"):gmatch("([^\t]*)\t") do f[#f + 1] = field end
    local n = tonumber(f[1])
    local s = f[10]
    if n and s then slots[n] = (s == "-" or s == "") and 0 or select(2, s:gsub(",", ",")) + 1 end
  end
end

local function le(v, n)		-- little-endian n bytes of an integer (two's complement)
  local t = {}
  if v < 0 then v = v + 2 ^ (8 * n) end
  for i = 1, n do
    local b = v % 256
    t[i] = string.char(b)
    v = (v - b) // 256
  end
  return table.concat(t)
end

-- argument kinds (fuzz/sys.c, arg())
local A = {}
function A.z() return "\0" end
function A.i8(v) return "\1" .. le(v, 1) end
function A.u16(v) return "\2" .. le(v, 2) end
function A.i32(v) return "\3" .. le(v, 4) end
function A.u32(v) return "\15" .. le(v, 4) end	-- zero-extended
function A.fdr(i) return "\5" .. string.char(i) end	-- fd ring
function A.za(off) return "\6" .. le(off, 2) end		-- zone A pointer
function A.path(i) return "\7" .. string.char(i) end	-- dictionary path
function A.str(s) return "\8" .. string.char(#s) .. s end
function A.bad(i) return "\9" .. string.char(i) end
function A.zb(slot) return "\11" .. string.char(slot) end	-- zone B slot (1 KiB each)
function A.sun(i) return "\12" .. string.char(i) end	-- sockaddr_un with a path
function A.ro(i) return "\13" .. string.char(i) end		-- read-only page + 16*i
function A.pid(i) return "\14" .. string.char(i) end

-- dictionary paths used below (index into paths[] of fuzz/sys.c)
local P = { root = 0, a = 1, ab = 2, abc = 3, rel_a = 4, dot = 6, dotdot = 7, empty = 8,
  mnt = 9, mntf = 10, mntd = 11, fifo = 12, sock = 13, s2 = 14, lnk = 15, lnkx = 16,
  loop = 17, f = 20, af = 22, deep = 23, nonexist = 27, longname = 29, longpath = 30 }

local function sys(num, ...)
  local args = { ... }
  local n = slots[num]
  assert(n, "no syscall " .. num)
  assert(#args <= n, ("syscall %d takes %d slots"):format(num, n))
  for i = #args + 1, n do args[i] = A.z() end
  return "\31" .. le(num, 2) .. table.concat(args)
end
local function poke(off, bytes) assert(#bytes < 256); return "\25" .. le(off, 2) .. string.char(#bytes) .. bytes end
local function switch(k) return "\20" .. string.char(k) end
local function rfork(f) return "\21" .. string.char(f) end
local function newlwp(pidarg) return "\22" .. pidarg end
local function lwpswitch(i) return "\23" .. string.char(i) end
local function release() return "\24" end
local function iov(slot, list)	-- list of {zone A offset, length}
  local t = { "\27", string.char(slot), string.char(#list) }
  for _, e in ipairs(list) do t[#t + 1] = le(e[1], 2) .. le(e[2], 2) end
  return table.concat(t)
end
-- msghdr: name sockaddr slot (0 none), namelen, iovec slot (255 none), iovcnt,
-- control at zone A byte*64 (0 none), controllen, flags
local function msghdr(slot, nameslot, namelen, iovslot, iovcnt, ctlpos, ctllen, flags)
  return "\28" .. string.char(slot, nameslot, namelen, iovslot, iovcnt, ctlpos) .. le(ctllen, 2) .. string.char(flags)
end
local function rights(pos, ringidx)	-- SCM_RIGHTS at zone A pos*64 with fds from the ring
  return "\29" .. string.char(pos, #ringidx) .. string.char(unpack(ringidx))
end
local function recycle(k) return "\30" .. string.char(k) end
local function hdr(...)		-- kernel configurations (see fuzz/sys.c)
  local c = { ... }
  return string.char(#c - 1) .. string.char(unpack(c))
end

local SYS = { read = 3, write = 4, open = 5, close = 6, link = 9, unlink = 10, chdir = 12,
  fchdir = 13, chmod = 15, chown = 16, getpid = 20, unmount = 22, setuid = 23, recvmsg = 27,
  sendmsg = 28, recvfrom = 29, accept = 30, getpeername = 31, getsockname = 32, access = 33,
  dup = 41, ioctl = 54, symlink = 57, readlink = 58, umask = 60, chroot = 61, dup2 = 90,
  fcntl = 92, fsync = 95, connect = 98, bind = 104, setsockopt = 105, listen = 106,
  getsockopt = 118, readv = 120, writev = 121, fchown = 123, fchmod = 124, rename = 128,
  flock = 131, mkfifo = 132, sendto = 133, shutdown = 134, socketpair = 135, mkdir = 136,
  rmdir = 137, setsid = 147, pread = 173, pwrite = 174, setgid = 181, pathconf = 191,
  fpathconf = 192, getrlimit = 194, setrlimit = 195, lseek = 199, truncate = 200,
  ftruncate = 201, sysctl = 202, reboot = 208, poll = 209, preadv = 289, pwritev = 290,
  getcwd = 296, getvfsstat = 356, statvfs1 = 357, fstatvfs1 = 358, getdents = 390,
  socket = 394, mount = 410, select = 417, gettimeofday = 418, clock_gettime = 427,
  nanosleep = 430, pollts = 437, stat = 439, fstat = 440, lstat = 441, pipe2 = 453,
  dup3 = 454, paccept = 456, linkat = 457, renameat = 458, mkdirat = 461, fchmodat = 463,
  fstatat = 466, utimensat = 467, openat = 468, readlinkat = 469, symlinkat = 470,
  unlinkat = 471, clock_nanosleep = 477 }

local O_RDWR_CREAT, O_RDONLY, O_WRONLY, O_DIRECTORY = 0x202, 0, 1, 0x200000
local AF_LOCAL, STREAM, DGRAM, SEQPACKET, SOL_SOCKET = 1, 1, 2, 5, 0xffff

local sys_seeds = {}
local function seed(name, ...) sys_seeds[#sys_seeds + 1] = { name, table.concat({ ... }) } end

local ALL = 0		-- vfs, tmpfs, net, net.local; 4 MiB; 1 vCPU
seed("file_rw", hdr(ALL),
  poke(0, ("hello, kernel "):rep(8)),
  sys(SYS.open, A.path(P.f), A.u16(O_RDWR_CREAT), A.u16(420)),
  sys(SYS.write, A.i8(0), A.za(0), A.u16(112)),
  sys(SYS.lseek, A.i8(0), A.z(), A.i8(5), A.i8(0)),
  sys(SYS.read, A.i8(0), A.za(4096), A.u16(200)),
  sys(SYS.pwrite, A.i8(0), A.za(0), A.u16(50), A.z(), A.i32(1 << 20)),
  sys(SYS.pread, A.i8(0), A.za(8192), A.u16(4096), A.z(), A.i32((1 << 20) - 10)),
  sys(SYS.fstat, A.i8(0), A.za(12288)),
  sys(SYS.ftruncate, A.i8(0), A.z(), A.u16(3)),
  sys(SYS.fsync, A.i8(0)),
  sys(SYS.stat, A.path(P.f), A.za(12288)),
  sys(SYS.truncate, A.path(P.f), A.z(), A.i32(1 << 30)),
  sys(SYS.close, A.i8(0)),
  sys(SYS.unlink, A.path(P.f)))

seed("dirs", hdr(ALL),
  sys(SYS.mkdir, A.path(P.a), A.u16(493)),
  sys(SYS.mkdir, A.path(P.ab), A.u16(493)),
  sys(SYS.mkdir, A.path(P.abc), A.u16(448)),
  sys(SYS.symlink, A.path(P.ab), A.path(P.lnk)),
  sys(SYS.symlink, A.path(P.loop), A.path(P.loop)),
  sys(SYS.readlink, A.path(P.lnk), A.za(100), A.u16(64)),
  sys(SYS.stat, A.path(P.loop), A.za(1024)),
  sys(SYS.chdir, A.path(P.lnk)),
  sys(SYS.getcwd, A.za(2048), A.u16(512)),
  sys(SYS.open, A.path(P.dotdot), A.i32(O_DIRECTORY)),
  sys(SYS.getdents, A.i8(0), A.za(4096), A.u16(4096)),
  sys(SYS.fchdir, A.i8(0)),
  sys(SYS.rename, A.path(P.ab), A.path(P.f)),
  sys(SYS.rename, A.path(P.a), A.path(P.deep)),
  sys(SYS.rmdir, A.path(P.a)),
  sys(SYS.mkdir, A.path(P.longname), A.u16(493)),
  sys(SYS.stat, A.path(P.longpath), A.za(1024)),
  sys(SYS.link, A.path(P.lnk), A.path(P.af)),
  sys(SYS.chmod, A.path(P.af), A.u16(0x1ff)),
  sys(SYS.chown, A.path(P.af), A.u16(1000), A.u16(1000)),
  sys(SYS.unlink, A.path(P.lnkx)),
  sys(SYS.pathconf, A.path(P.root), A.i8(1)),
  sys(SYS.fpathconf, A.i8(0), A.i8(4)))

-- struct tmpfs_args: version 1, nodes_max, size_max 64 KiB, root uid/gid, mode 01777
local tmpfs_args = le(1, 4) .. le(0, 4) .. le(8, 8) .. le(65536, 8) .. le(0, 4) .. le(0, 4) .. le(0x3ff, 4) .. le(0, 4)
seed("mount", hdr(ALL),
  poke(0, "tmpfs\0"), poke(64, tmpfs_args),
  sys(SYS.mkdir, A.path(P.mnt), A.u16(493)),
  sys(SYS.mount, A.za(0), A.path(P.mnt), A.z(), A.za(64), A.i8(40)),
  sys(SYS.open, A.path(P.mntf), A.u16(O_RDWR_CREAT), A.u16(420)),
  sys(SYS.mkdir, A.path(P.mntd), A.u16(493)),
  sys(SYS.pwrite, A.i8(0), A.za(1024), A.u16(60000), A.z(), A.z()),
  sys(SYS.pwrite, A.i8(0), A.za(1024), A.u16(60000), A.z(), A.i32(60000)),
  sys(SYS.statvfs1, A.path(P.mnt), A.za(8192), A.i8(2)),
  sys(SYS.getvfsstat, A.za(12000), A.u16(4600), A.i8(2)),
  sys(SYS.unmount, A.path(P.mnt), A.z()),
  sys(SYS.chdir, A.path(P.mntd)),
  sys(SYS.unmount, A.path(P.mnt), A.i32(0x80000)),
  sys(SYS.read, A.i8(0), A.za(1024), A.u16(100)),
  sys(SYS.getcwd, A.za(2048), A.u16(512)),
  sys(SYS.mount, A.za(0), A.path(P.mnt), A.i8(1), A.za(64), A.i8(40)))

seed("pipe_fifo", hdr(ALL),
  sys(SYS.pipe2, A.za(256), A.z()),
  sys(SYS.write, A.i8(1), A.za(0), A.u16(20000)),
  sys(SYS.write, A.i8(1), A.za(0), A.u16(20000)),
  sys(SYS.ioctl, A.i8(0), A.u32(0x4004667f), A.za(512)),
  sys(SYS.poll, A.za(768), A.i8(2), A.i8(-1)),
  sys(SYS.read, A.i8(0), A.za(4096), A.u16(30000)),
  sys(SYS.close, A.i8(1)),
  sys(SYS.read, A.i8(0), A.za(4096), A.u16(30000)),
  sys(SYS.mkfifo, A.path(P.fifo), A.u16(438)),
  sys(SYS.open, A.path(P.fifo), A.i8(O_WRONLY)),
  sys(SYS.open, A.path(P.fifo), A.i8(O_RDONLY)),
  sys(SYS.open, A.path(P.fifo), A.i8(O_WRONLY)),
  sys(SYS.write, A.i8(2), A.za(0), A.u16(100)),
  sys(SYS.read, A.i8(1), A.za(4096), A.u16(100)),
  sys(SYS.fcntl, A.i8(1), A.i8(4), A.z()),
  sys(SYS.read, A.i8(1), A.za(4096), A.u16(100)))

-- pollfd {int fd; short events, revents} x2 at zone A 768
seed("poll_select", hdr(ALL),
  poke(768, le(0, 4) .. le(1, 2) .. le(0, 2) .. le(1, 4) .. le(4, 2) .. le(0, 2)),
  poke(800, le(3, 8)),
  sys(SYS.pipe2, A.za(256), A.z()),
  sys(SYS.poll, A.za(768), A.i8(2), A.i32(1000)),
  sys(SYS.pollts, A.za(768), A.i8(2), A.bad(0), A.z()),
  sys(SYS.select, A.i8(2), A.za(800), A.za(800), A.z(), A.bad(0)),
  sys(SYS.select, A.i32(100000), A.za(800), A.z(), A.z(), A.z()),
  sys(SYS.write, A.i8(1), A.za(0), A.i8(1)),
  sys(SYS.poll, A.za(768), A.i8(2), A.z()),
  sys(SYS.poll, A.bad(6), A.i8(2), A.z()),
  sys(SYS.poll, A.za(768), A.i32(100000), A.z()))

local sun_sock = 13
seed("unix_stream", hdr(ALL),
  sys(SYS.socket, A.i8(AF_LOCAL), A.i8(STREAM), A.z()),
  sys(SYS.bind, A.i8(0), A.sun(sun_sock), A.i8(106)),
  sys(SYS.listen, A.i8(0), A.i8(5)),
  sys(SYS.socket, A.i8(AF_LOCAL), A.i8(STREAM), A.z()),
  sys(SYS.connect, A.i8(1), A.sun(sun_sock), A.i8(106)),
  sys(SYS.accept, A.i8(0), A.za(1024), A.za(1200)),
  sys(SYS.write, A.i8(1), A.za(0), A.u16(5000)),
  sys(SYS.recvfrom, A.i8(2), A.za(4096), A.u16(100), A.i8(2), A.z(), A.z()),
  sys(SYS.read, A.i8(2), A.za(4096), A.u16(10000)),
  sys(SYS.getsockname, A.i8(2), A.za(1024), A.za(1200)),
  sys(SYS.getpeername, A.i8(1), A.za(1024), A.za(1200)),
  sys(SYS.shutdown, A.i8(1), A.i8(1)),
  sys(SYS.write, A.i8(1), A.za(0), A.u16(10)),
  sys(SYS.read, A.i8(2), A.za(4096), A.u16(10)),
  sys(SYS.close, A.i8(0)),
  sys(SYS.connect, A.i8(1), A.sun(sun_sock), A.i8(106)),
  sys(SYS.unlink, A.path(P.sock)),
  sys(SYS.paccept, A.i8(0), A.z(), A.z(), A.z(), A.z()))

seed("unix_dgram", hdr(ALL),
  sys(SYS.socket, A.i8(AF_LOCAL), A.i8(DGRAM), A.z()),
  sys(SYS.bind, A.i8(0), A.sun(sun_sock), A.i8(106)),
  sys(SYS.socket, A.i8(AF_LOCAL), A.i8(DGRAM), A.z()),
  sys(SYS.sendto, A.i8(1), A.za(0), A.u16(2000), A.z(), A.sun(sun_sock), A.i8(106)),
  sys(SYS.sendto, A.i8(1), A.za(0), A.u16(3000), A.z(), A.sun(sun_sock), A.i8(106)),
  sys(SYS.connect, A.i8(1), A.sun(sun_sock), A.i8(106)),
  sys(SYS.write, A.i8(1), A.za(0), A.u16(100)),
  sys(SYS.recvfrom, A.i8(0), A.za(4096), A.u16(10), A.z(), A.za(1024), A.za(1200)),
  sys(SYS.close, A.i8(0)),
  sys(SYS.write, A.i8(1), A.za(0), A.u16(100)),
  sys(SYS.write, A.i8(1), A.za(0), A.u16(100)),
  sys(SYS.socketpair, A.i8(AF_LOCAL), A.i8(SEQPACKET), A.z(), A.za(256)),
  sys(SYS.write, A.i8(2), A.za(0), A.u16(100)),
  sys(SYS.read, A.i8(3), A.za(4096), A.u16(10)))

-- iovecs in zone B slot 1, msghdr in slot 0, SCM_RIGHTS control at zone A 64*20
seed("scm_rights", hdr(ALL),
  sys(SYS.socketpair, A.i8(AF_LOCAL), A.i8(STREAM), A.z(), A.za(256)),
  sys(SYS.open, A.path(P.f), A.u16(O_RDWR_CREAT), A.u16(420)),
  rights(20, { 2, 0, 1 }),
  iov(1, { { 0, 10 }, { 100, 20 } }),
  msghdr(0, 0, 0, 1, 2, 20, 28, 0),
  sys(SYS.sendmsg, A.i8(0), A.zb(0), A.z()),
  sys(SYS.sendmsg, A.i8(0), A.zb(0), A.z()),
  sys(SYS.close, A.i8(0)),
  iov(2, { { 4096, 100 } }),
  msghdr(3, 1, 106, 2, 1, 30, 64, 0),
  sys(SYS.recvmsg, A.i8(1), A.zb(3), A.z()),
  msghdr(3, 0, 0, 2, 1, 30, 8, 0),
  sys(SYS.recvmsg, A.i8(1), A.zb(3), A.i32(0x800)),
  sys(SYS.close, A.i8(1)),
  sys(SYS.socketpair, A.i8(AF_LOCAL), A.i8(DGRAM), A.z(), A.za(256)),
  rights(21, { 0, 0 }),
  msghdr(4, 0, 0, 1, 1, 21, 24, 0),
  sys(SYS.sendmsg, A.i8(0), A.zb(4), A.z()),
  sys(SYS.sendmsg, A.i8(1), A.zb(4), A.z()))

seed("iovec", hdr(ALL),
  sys(SYS.open, A.path(P.f), A.u16(O_RDWR_CREAT), A.u16(420)),
  iov(0, { { 0, 100 }, { 200, 0 }, { 300, 5000 }, { 65530, 100 } }),
  sys(SYS.writev, A.i8(0), A.zb(0), A.i8(3)),
  sys(SYS.writev, A.i8(0), A.zb(0), A.i8(4)),
  sys(SYS.pwritev, A.i8(0), A.zb(0), A.i8(2), A.z(), A.i32(8000)),
  sys(SYS.preadv, A.i8(0), A.zb(0), A.i8(3), A.z(), A.z()),
  sys(SYS.readv, A.i8(0), A.zb(0), A.i32(1025)),
  sys(SYS.readv, A.i8(0), A.bad(8), A.i8(1)),
  sys(SYS.writev, A.i8(0), A.za(0), A.i8(1)))

seed("lwproc_creds", hdr(ALL),
  sys(SYS.open, A.path(P.f), A.u16(O_RDWR_CREAT), A.u16(384)),
  rfork(1),
  sys(SYS.getpid),
  sys(SYS.setgid, A.u16(1000)),
  sys(SYS.setuid, A.u16(1000)),
  sys(SYS.open, A.path(P.f), A.i8(O_RDONLY)),
  sys(SYS.read, A.i8(0), A.za(0), A.u16(10)),
  sys(SYS.mkdir, A.path(P.a), A.u16(493)),
  rfork(2),
  sys(SYS.close, A.i8(0)),
  newlwp(A.pid(0)),
  rfork(0),
  sys(SYS.getpid),
  lwpswitch(0),
  sys(SYS.setuid, A.z()),
  lwpswitch(1),
  release(),
  sys(SYS.setsid),
  lwpswitch(255),
  sys(SYS.chroot, A.path(P.a)),
  rfork(3),
  newlwp(A.i8(1)),
  lwpswitch(2),
  release(),
  release())

seed("kernels", hdr(ALL, 1 + 0x20, 2 + 8),
  sys(SYS.socket, A.i8(AF_LOCAL), A.i8(STREAM), A.z()),
  sys(SYS.bind, A.i8(0), A.sun(sun_sock), A.i8(106)),
  switch(1),
  sys(SYS.socket, A.i8(AF_LOCAL), A.i8(STREAM), A.z()),
  sys(SYS.bind, A.i8(0), A.sun(sun_sock), A.i8(106)),
  sys(SYS.listen, A.i8(0), A.i8(1)),
  sys(SYS.socket, A.i8(AF_LOCAL), A.i8(STREAM), A.z()),
  sys(SYS.connect, A.i8(1), A.sun(sun_sock), A.i8(106)),
  sys(SYS.open, A.path(P.f), A.u16(O_RDWR_CREAT), A.u16(420)),
  rfork(1),
  switch(2),
  sys(SYS.socketpair, A.i8(AF_LOCAL), A.i8(STREAM), A.z(), A.za(256)),
  sys(SYS.open, A.path(P.f), A.u16(O_RDWR_CREAT), A.u16(420)),
  rfork(1),
  lwpswitch(0xf0),
  recycle(1),
  switch(1),
  sys(SYS.getpid),
  recycle(2),
  switch(0),
  sys(SYS.connect, A.i8(1), A.sun(sun_sock), A.i8(106)))

-- sysctl name {CTL_KERN 1, KERN_HOSTNAME 10}, old length at 300
seed("sysctl_time", hdr(ALL),
  poke(200, le(1, 4) .. le(10, 4)), poke(300, le(64, 8)), poke(400, "fuzzhost"),
  sys(SYS.sysctl, A.za(200), A.i8(2), A.za(1024), A.za(300), A.z(), A.z()),
  sys(SYS.sysctl, A.za(200), A.i8(2), A.z(), A.z(), A.za(400), A.i8(8)),
  sys(SYS.sysctl, A.za(200), A.i8(2), A.za(1024), A.za(300), A.za(400), A.u16(300)),
  sys(SYS.sysctl, A.za(200), A.i32(1000), A.za(1024), A.za(300), A.z(), A.z()),
  poke(500, le(0, 8) .. le(1000, 8)),
  poke(520, le(-1, 8) .. le(2000000000, 8)),
  sys(SYS.clock_gettime, A.i8(3), A.za(600)),
  sys(SYS.gettimeofday, A.za(600), A.z()),
  sys(SYS.nanosleep, A.za(500), A.za(600)),
  sys(SYS.nanosleep, A.za(520), A.za(600)),
  sys(SYS.clock_nanosleep, A.i8(3), A.i8(1), A.za(500), A.z()),
  sys(SYS.clock_nanosleep, A.i8(0), A.z(), A.za(500), A.za(600)))

-- struct flock {l_start, l_len, l_pid, l_type, l_whence}: write lock on 0..100
seed("locks", hdr(ALL),
  poke(0, le(0, 8) .. le(100, 8) .. le(0, 4) .. le(3, 2) .. le(0, 2)),
  sys(SYS.open, A.path(P.f), A.u16(O_RDWR_CREAT), A.u16(420)),
  sys(SYS.fcntl, A.i8(0), A.i8(8), A.za(0)),
  sys(SYS.flock, A.i8(0), A.i8(2)),
  rfork(0),
  sys(SYS.open, A.path(P.f), A.i8(2), A.z()),
  sys(SYS.fcntl, A.i8(1), A.i8(9), A.za(0)),
  sys(SYS.fcntl, A.i8(1), A.i8(7), A.za(0)),
  sys(SYS.flock, A.i8(1), A.i8(1)),
  sys(SYS.dup, A.i8(1)),
  sys(SYS.dup2, A.i8(1), A.i8(100)),
  sys(SYS.dup3, A.i8(1), A.i8(50), A.i32(0x400000)),
  sys(SYS.fcntl, A.i8(1), A.i8(0), A.i8(10)),
  sys(SYS.fcntl, A.i8(1), A.i8(12), A.i32(0x7fffffff)),
  sys(SYS.setrlimit, A.i8(8), A.za(64)),
  sys(SYS.getrlimit, A.i8(8), A.za(64)),
  release(),
  sys(SYS.close, A.i8(0)),
  sys(SYS.open, A.path(P.f), A.i8(0x22), A.z()))

seed("sockopts_ioctl", hdr(ALL),
  poke(0, le(1, 4) .. le(5, 4)), poke(16, le(1, 8) .. le(500000, 4) .. le(0, 4)),
  sys(SYS.socketpair, A.i8(AF_LOCAL), A.i8(STREAM), A.z(), A.za(256)),
  sys(SYS.setsockopt, A.i8(0), A.u16(SOL_SOCKET), A.u16(0x1002), A.za(0), A.i8(4)),
  sys(SYS.setsockopt, A.i8(0), A.u16(SOL_SOCKET), A.u16(0x80), A.za(0), A.i8(8)),
  sys(SYS.setsockopt, A.i8(0), A.u16(SOL_SOCKET), A.u16(0x1006), A.za(16), A.i8(16)),
  sys(SYS.setsockopt, A.i8(0), A.u16(SOL_SOCKET), A.u16(0x1004), A.za(0), A.i8(4)),
  sys(SYS.setsockopt, A.i8(0), A.i8(0), A.i8(3), A.za(0), A.i8(4)),
  poke(100, le(128, 4)),
  sys(SYS.getsockopt, A.i8(0), A.u16(SOL_SOCKET), A.u16(0x1007), A.za(200), A.za(100)),
  sys(SYS.getsockopt, A.i8(0), A.u16(SOL_SOCKET), A.u16(0x1006), A.za(200), A.za(100)),
  sys(SYS.getsockopt, A.i8(0), A.i8(0), A.i8(3), A.za(200), A.za(100)),
  sys(SYS.write, A.i8(1), A.za(0), A.u16(3000)),
  sys(SYS.ioctl, A.i8(0), A.u32(0x4004667f), A.za(300)),
  sys(SYS.ioctl, A.i8(1), A.u32(0x40046678), A.za(300)),
  sys(SYS.ioctl, A.i8(1), A.u32(0x40046679), A.za(300)),
  sys(SYS.ioctl, A.i8(1), A.u32(0x8004667e), A.za(300)),
  sys(SYS.ioctl, A.i8(1), A.u32(0xc0906911), A.za(300)),
  sys(SYS.ioctl, A.i8(1), A.u32(0x40047307), A.bad(6)))

seed("at_calls", hdr(ALL),
  sys(SYS.mkdir, A.path(P.a), A.u16(493)),
  sys(SYS.open, A.path(P.a), A.i32(O_DIRECTORY)),
  sys(SYS.mkdirat, A.i8(0), A.path(P.rel_a), A.u16(493)),
  sys(SYS.openat, A.i8(0), A.path(P.rel_a), A.i32(O_DIRECTORY), A.z()),
  sys(SYS.openat, A.i8(-100), A.path(P.af), A.u16(O_RDWR_CREAT), A.u16(420)),
  sys(SYS.symlinkat, A.path(P.root), A.i8(0), A.path(P.rel_a + 1)),
  sys(SYS.readlinkat, A.i8(0), A.path(P.rel_a + 1), A.za(0), A.u16(100)),
  sys(SYS.fstatat, A.i8(0), A.path(P.rel_a), A.za(1024), A.u16(0x200)),
  sys(SYS.fchmodat, A.i8(0), A.path(P.rel_a), A.u16(0x1ff), A.z()),
  sys(SYS.utimensat, A.i8(0), A.path(P.rel_a), A.z(), A.z()),
  sys(SYS.linkat, A.i8(-100), A.path(P.af), A.i8(0), A.path(P.f - 1), A.u16(0x400)),
  sys(SYS.renameat, A.i8(0), A.path(P.rel_a), A.i8(1), A.path(P.rel_a)),
  sys(SYS.unlinkat, A.i8(0), A.path(P.rel_a), A.u16(0x800)),
  sys(SYS.unlinkat, A.i8(2), A.path(P.rel_a), A.z()),
  sys(SYS.fchown, A.i8(2), A.u16(5), A.u16(5)),
  sys(SYS.fchmod, A.i8(2), A.u16(0xfff)),
  sys(SYS.umask, A.u16(0x1ff)),
  sys(SYS.access, A.path(P.af), A.i8(7)))

seed("bad_pointers", hdr(ALL),
  sys(SYS.open, A.bad(0), A.z(), A.z()),
  sys(SYS.open, A.bad(7), A.z(), A.z()),
  sys(SYS.open, A.bad(10), A.z(), A.z()),
  sys(SYS.open, A.ro(16), A.u16(O_RDWR_CREAT), A.u16(420)),
  sys(SYS.write, A.i8(0), A.bad(4), A.u16(100)),
  sys(SYS.write, A.i8(0), A.za(65000), A.u16(9000)),
  sys(SYS.pread, A.i8(0), A.bad(6), A.u16(100), A.z(), A.z()),
  sys(SYS.read, A.i8(0), A.bad(14), A.u16(100)),
  sys(SYS.fstat, A.i8(0), A.bad(6)),
  sys(SYS.stat, A.ro(8), A.bad(9)),
  sys(SYS.getcwd, A.bad(12), A.u16(100)),
  sys(SYS.socketpair, A.i8(AF_LOCAL), A.i8(STREAM), A.z(), A.bad(6)),
  sys(SYS.pipe2, A.bad(14), A.z()),
  sys(SYS.recvmsg, A.i8(0), A.bad(8), A.z()),
  sys(SYS.sendmsg, A.i8(0), A.bad(13), A.z()),
  sys(SYS.sysctl, A.bad(2), A.i8(2), A.z(), A.z(), A.z(), A.z()),
  sys(SYS.mount, A.bad(15), A.path(P.root), A.z(), A.z(), A.z()),
  sys(SYS.getvfsstat, A.bad(11), A.u16(5000), A.z()),
  "\31" .. le(600, 2) .. A.i8(1) .. A.i8(2),
  "\31" .. le(1023, 2))

seed("memlimit", hdr(0x18, 0x10),
  sys(SYS.open, A.path(P.f), A.u16(O_RDWR_CREAT), A.u16(420)),
  sys(SYS.pwrite, A.i8(0), A.za(0), A.u16(60000), A.z(), A.z()),
  sys(SYS.pwrite, A.i8(0), A.za(0), A.u16(60000), A.z(), A.i32(1 << 20)),
  sys(SYS.socketpair, A.i8(AF_LOCAL), A.i8(STREAM), A.z(), A.za(256)),
  sys(SYS.pipe2, A.za(256), A.z()),
  sys(SYS.write, A.i8(1), A.za(0), A.u16(60000)),
  switch(1),
  sys(SYS.open, A.path(P.f), A.u16(O_RDWR_CREAT), A.u16(420)),
  sys(SYS.pwrite, A.i8(0), A.za(0), A.u16(60000), A.z(), A.z()),
  sys(SYS.pwrite, A.i8(0), A.za(0), A.u16(60000), A.z(), A.i32(60000)))

seed("reboot", hdr(ALL, ALL),
  sys(SYS.open, A.path(P.f), A.u16(O_RDWR_CREAT), A.u16(420)),
  rfork(1),
  sys(SYS.reboot, A.z(), A.z()),
  sys(SYS.getpid),
  rfork(0),
  release(),
  switch(1),
  sys(SYS.getpid),
  switch(0),
  recycle(0),
  switch(0),
  sys(SYS.getpid))

-- net.netinet and net.shmif (header bit 0x40): UDP on lo0, shmif0 joining bus "fzb" in two
-- kernels, SIOCGIFCONF with its buffer pointer in zone B (tag 0xA5A5: zone A offset)
local function pokeb(off, words)
  local t = { "\26", le(off, 2), string.char(#words) }
  for _, w in ipairs(words) do t[#t + 1] = w end
  return table.concat(t)
end
local function word(s) return s .. ("\0"):rep(8 - #s) end
local function za_tag(off) return le(off, 6) .. "\165\165" end
local sin_lo = string.char(16, 2, 0, 53, 127, 0, 0, 1) .. ("\0"):rep(8)
-- (a string's 8-byte word needs a high non-zero byte, or the sanitizer takes it for an
-- address: "shmif0\0\1")
local ifcfg = poke(2048, "shmif0\0\1") ..
  pokeb(3072, { "shmif0\0\1", word(""), word(""), le(4, 8), za_tag(3000) }) .. poke(3000, "fzb\0")
local inet_calls = sys(SYS.socket, A.i8(2), A.i8(DGRAM), A.z()) ..
  sys(SYS.ioctl, A.i8(0), A.u32(0x8090697a), A.za(2048)) ..
  sys(SYS.ioctl, A.i8(0), A.u32(0x80286988), A.zb(3)) ..
  sys(SYS.ioctl, A.i8(0), A.u32(0xc0906911), A.za(2048)) ..
  sys(SYS.ioctl, A.i8(0), A.u32(0xc0106926), A.zb(2))
seed("inet", hdr(0x40, 0x40),
  poke(512, sin_lo), poke(0, "datagram!!"), ifcfg,
  pokeb(2048, { le(2048, 8), za_tag(8192) }),
  sys(SYS.socket, A.i8(2), A.i8(DGRAM), A.z()),
  sys(SYS.bind, A.i8(0), A.za(512), A.i8(16)),
  sys(SYS.sendto, A.i8(0), A.za(0), A.i8(10), A.z(), A.za(512), A.i8(16)),
  sys(SYS.recvfrom, A.i8(0), A.za(4096), A.u16(100), A.z(), A.za(1024), A.za(1200)),
  sys(SYS.close, A.i8(0)),
  inet_calls,
  switch(1),
  inet_calls,
  sys(SYS.socket, A.i8(2), A.i8(3), A.i8(1)),
  sys(SYS.socket, A.i8(17), A.i8(3), A.z()),
  sys(SYS.write, A.i8(2), A.za(0), A.i8(10)))

-- Two-thread mode (bit 7 of the first kernel's byte): consecutive syscall ops run in
-- pairs, the second on a helper thread; a switch op between two calls keeps them apart.
local TWO = 0x80
local apart = switch(0)
seed("two_fds", hdr(ALL + TWO + 0x20),
  poke(0, ("two threads "):rep(20)),
  sys(SYS.pipe2, A.za(4096), A.z()), apart,
  sys(SYS.socketpair, A.i8(AF_LOCAL), A.i8(STREAM), A.z(), A.za(4104)), apart,
  sys(SYS.open, A.path(P.f), A.u16(O_RDWR_CREAT), A.u16(420)), apart,
  sys(SYS.write, A.i8(1), A.za(0), A.u16(200)), sys(SYS.read, A.i8(0), A.za(8192), A.u16(200)),
  sys(SYS.write, A.i8(2), A.za(0), A.u16(240)), sys(SYS.read, A.i8(3), A.za(8192), A.u16(100)),
  sys(SYS.pwrite, A.i8(4), A.za(0), A.u16(100), A.z(), A.z()), sys(SYS.ftruncate, A.i8(4), A.z(), A.i8(10)),
  sys(SYS.dup2, A.i8(4), A.i8(7)), sys(SYS.close, A.i8(7)),
  sys(SYS.close, A.i8(0)), sys(SYS.write, A.i8(1), A.za(0), A.i8(10)),
  sys(SYS.close, A.i8(3)), sys(SYS.write, A.i8(2), A.za(0), A.i8(10)),
  sys(SYS.unlink, A.path(P.f)), sys(SYS.pread, A.i8(4), A.za(8192), A.u16(100), A.z(), A.z()),
  sys(SYS.mkdir, A.path(P.a), A.u16(493)), sys(SYS.rename, A.path(P.a), A.path(P.f)),
  sys(SYS.rmdir, A.path(P.f)), sys(SYS.mkdir, A.path(P.ab), A.u16(493)))

seed("two_sockets", hdr(ALL + TWO + 0x20),
  sys(SYS.socket, A.i8(AF_LOCAL), A.i8(STREAM), A.z()), apart,
  sys(SYS.bind, A.i8(0), A.sun(P.sock), A.i8(106)), apart,
  sys(SYS.listen, A.i8(0), A.i8(5)), apart,
  sys(SYS.socket, A.i8(AF_LOCAL), A.i8(STREAM), A.z()), apart,
  sys(SYS.connect, A.i8(1), A.sun(P.sock), A.i8(106)), sys(SYS.accept, A.i8(0), A.z(), A.z()),
  sys(SYS.sendto, A.i8(1), A.za(0), A.i8(64), A.z(), A.z(), A.z()),
  sys(SYS.recvfrom, A.i8(2), A.za(4096), A.i8(64), A.z(), A.z(), A.z()),
  sys(SYS.shutdown, A.i8(1), A.i8(2)), sys(SYS.sendto, A.i8(2), A.za(0), A.i8(64), A.z(), A.z(), A.z()),
  sys(SYS.socket, A.i8(AF_LOCAL), A.i8(DGRAM), A.z()), sys(SYS.unlink, A.sun(P.sock)),
  sys(SYS.close, A.i8(0)), sys(SYS.connect, A.i8(3), A.sun(P.sock), A.i8(106)),
  sys(SYS.close, A.i8(1)), sys(SYS.close, A.i8(2)))

seed("two_lwproc", hdr(ALL + TWO + 0x20),
  sys(SYS.open, A.path(P.f), A.u16(O_RDWR_CREAT), A.u16(420)), apart,
  rfork(1),
  sys(SYS.getpid), sys(SYS.getpid),
  sys(SYS.setuid, A.u16(1000)), sys(SYS.open, A.path(P.f), A.u16(O_RDONLY), A.z()),
  sys(SYS.close, A.i8(0)), sys(SYS.fstat, A.i8(0), A.za(1024)),
  release(),
  sys(SYS.chmod, A.path(P.f), A.u16(0)), sys(SYS.access, A.path(P.f), A.i8(4)))

local cdef_seeds = {
  { "struct", "struct point { int x, y; };\ntypedef struct point point_t;\0\3point_t\0\4{1 2}\0\7struct point\0\5point_t *\0\6int *" },
  { "union_bits", "union u { int i; float f; unsigned char b[4]; struct { unsigned a:3, b:5; int :0; int c:7; } bits; };\0\3union u\0\4{5}\0\7union u" },
  { "vla", "struct vls { int n; double d[?]; };\ntypedef int intarr[?];\0\3struct vls\0\3intarr\0\7struct vls" },
  { "enum", "enum color { RED, GREEN = 5, BLUE = GREEN * 2 + sizeof(int) };\nstatic const int K = BLUE << 2;\0\3enum color\0\5enum color\0\2int[K]" },
  { "funcptr", "typedef int (*cmp_t)(const void *, const void *);\nstruct s { cmp_t f; void (*g)(int, ...); char name[16]; };\0\3struct s\0\5cmp_t\0\2int (*(*)[3])(void)" },
  { "packed_aligned", "struct __attribute__((packed)) pk { char c; int i; long long l; };\nstruct al { char c; int i __attribute__((aligned(16))); };\ntypedef struct al al_t __attribute__((aligned(64)));\0\3struct pk\0\3struct al\0\3al_t" },
  { "nested_anon", "struct outer { struct { int a; union { int b; char c; }; }; struct inner { int z[2][3]; } in; int flex[]; };\0\3struct outer\0\4{{1,{2}},{{{1,2,3},{4,5,6}}}}\0\7struct outer" },
  { "dollar", "typedef struct { int v; } box;\0\1typedef $ $_arr[$];\0\2box\0\1struct $ { int x; };\0\11$ *" },
  { "consts", "static const int A = 1 ? 2 : 3, B = (A + 7) / 2 % 3, C = -A ^ ~B | !0 && 1 || 0;\nenum { E1 = 'x', E2 = '\\n', E3 = 0x7fffffff, E4 = 010 };\ntypedef char carr[C + E4];\0\3carr" },
  { "errors", "struct a { int x; int x; };\0\nstruct b { struct b self; };\0\nint f(int a[]; \0\ntypedef int t; typedef float t;\0\nstruct c { int : -1; };\0\2char[-1]\0\2int[9999999999999]" },
  { "deep", "typedef int ****************p16;\nstruct l1 { struct l2 { struct l3 { struct l4 { int v; } a; } b; } c; };\0\3struct l1\0\2p16\0\2int(((((((((((x)))))))))))" },
  { "asm_extern", "int getpid(void) __asm__(\"getpid\");\nextern int some_var;\nint printf(const char *fmt, ...);\nvoid *memcpy(void *restrict, const void *restrict, size_t);\0\2int (*)(const char *, ...)" },
  { "builtin", "typedef struct { int8_t a; uint64_t b; intptr_t c; size_t d; wchar_t e; bool f; _Bool g; long double h; volatile const int i; } all;\0\3all\0\5uint64_t\0\5double\0\5bool\0\6uintptr_t" },
}

-- packet seeds (fuzz/packet.c): frames on the buses of A - R - B
local function ip(a, b, c, d) return string.char(a, b, c, d) end
local A_IP, R0_IP, R1_IP, B_IP, X_IP = ip(10,0,0,1), ip(10,0,0,2), ip(10,1,0,1), ip(10,1,0,2), ip(10,0,0,77)
local BCAST_MAC, X_MAC = "\255\255\255\255\255\255", "\2\0\0\0\0\119"
local function be16(v) return string.char(v // 256 % 256, v % 256) end
local function eth(etype, payload) return "\0\0\0\0\0\0" .. X_MAC .. be16(etype) .. payload end
local function ipv4(proto, src, dst, payload, o)
  o = o or {}
  local tot = o.tot or 20 + #payload
  return string.char(0x45, 0) .. be16(tot) .. be16(o.id or 1) .. be16(o.frag or 0) ..
    string.char(o.ttl or 64, proto) .. "\0\0" .. src .. dst .. payload
end
local function udp(sport, dport, data) return be16(sport) .. be16(dport) .. be16(8 + #data) .. "\0\0" .. data end
local function icmp(type, code, rest) return string.char(type, code) .. "\0\0" .. rest end
local function arp(op, sha, spa, tha, tpa)
  return be16(1) .. be16(0x0800) .. string.char(6, 4) .. be16(op) .. sha .. spa .. tha .. tpa
end
-- frame op: flags 0x01 bus fz1, 0x02 broadcast, 0x04 MAC of interface frame[0],
-- 0x08 IP checksum, 0x10 UDP/ICMP checksum, 0x80 65535 bytes
local function frame(flags, f) return "\0" .. string.char(flags) .. le(#f, 2) .. f end
local function mac_of(i, f) return string.char(i) .. f:sub(2) end
local function send(from_b, len, addr) return "\5" .. string.char(from_b and 1 or 0, len, addr) end
local function vsleep(k, secs) return "\6" .. string.char(k, secs) end
local drain = "\7"
local SUMS = 0x08 | 0x10

-- TCP (port 80 listens on A, R and B; 0x40: a segment for the A-R connection, to R
-- with 0x01, whose seq/ack with the top bit clear are offsets from the receiver's
-- rcv_nxt/snd_una)
local function be32(v) return be16(v // 65536 % 65536) .. be16(v % 65536) end
local function tcp(sport, dport, seq, ack, flags, win, opts, data, urp)
  opts = opts or ""
  while #opts % 4 ~= 0 do opts = opts .. "\1" end
  return be16(sport) .. be16(dport) .. be32(seq) .. be32(ack) ..
    string.char((20 + #opts) // 4 * 16, flags) .. be16(win) .. "\0\0" .. be16(urp or 0) .. opts .. (data or "")
end
local SYNOPTS = "\2\4\5\180" .. "\1\3\3\7" .. "\1\1\4\2" .. "\1\1\8\10\0\0\0\1\0\0\0\0"
local function seg(toR, t) return frame(0x40 | 0x10 | (toR and 1 or 0), t) end
local FIN, SYN, RST, PSH, ACK, URG = 1, 2, 4, 8, 16, 32

-- IPv6 frames from the generator (op 4, fuzz/packet.c pk_ip6): flags, target interface,
-- source (0 X, 1 X link-local, 2 ::, 3 ff02::1, 4 ::1, 5 X far side), destination (0 A,
-- 1 R fz0, 2 R fz1, 3 B, 4 the target's link-local, 5 ff02::1, 6 ff02::2, 7 A's
-- solicited-node group, 8 ff02::16, 9 ::1, 10 unrouted, 11 ff05::1:3), hop limit, the
-- extension headers (count, each: type then fields), then the upper layer
local function ip6(flags, t, src, dst, hlim, exts, upper)
  return "\4" .. string.char(flags, t, src, dst, hlim, #exts) .. table.concat(exts) .. upper
end
local function hbh(len, kind, bytes) return "\0" .. string.char(len, kind) .. (bytes or ("\0"):rep(6 + 8 * len)) end
local function dstopt(len, kind, bytes) return "\1" .. string.char(len, kind) .. (bytes or ("\0"):rep(6 + 8 * len)) end
local function rthdr(naddr, rtype, segleft, addrs) return "\2" .. string.char(naddr, rtype, segleft) .. (addrs or "") end
local function fraghdr(off, m, id) return "\3" .. le(off, 2) .. string.char(m + 2 * id) end
local function u_udp(dport, data) return "\0" .. string.char(#data) .. (dport == 53 and "\1" or "\0" .. string.char(dport)) .. data end
local function u_tcp(hdr20, data) return "\1" .. string.char(#(data or "")) .. hdr20 .. (data or "") end
local function u_icmp(t, c, body) return "\2" .. string.char(#body, t, c) .. body end
local function u_ns(target, slla) return "\3\0" .. string.char(target, 1, slla and 1 or 0) end
local function u_na(flags, target) return "\4\0" .. string.char(flags, target, 1, 1) end
local MC = 0x08
local function to_all(f) local r = "" for t = 0, 2 do r = r .. f(t) end return r end

local packet_seeds = {
  { "arp", frame(0x02, eth(0x0806, arp(1, X_MAC, X_IP, "\0\0\0\0\0\0", A_IP))) ..
      frame(0x04, mac_of(0, eth(0x0806, arp(2, X_MAC, X_IP, "\0\0\0\0\0\0", A_IP)))) ..
      frame(0x02, eth(0x0806, arp(1, X_MAC, A_IP, "\0\0\0\0\0\0", A_IP))) ..
      frame(0x02, eth(0x0806, arp(1, X_MAC, X_IP, "\0\0\0\0\0\0", R0_IP):sub(1, 20))) },
  { "ping", frame(0x04 | SUMS, mac_of(0, eth(0x0800, ipv4(1, X_IP, A_IP, icmp(8, 0, "\0\1\0\1pingpingping"))))) ..
      frame(0x04 | SUMS, mac_of(1, eth(0x0800, ipv4(1, X_IP, B_IP, icmp(8, 0, "\0\2\0\1through R"))))) ..
      frame(0x02 | SUMS, eth(0x0800, ipv4(1, X_IP, ip(10,0,0,255), icmp(8, 0, "\0\3\0\1bcast")))) .. drain },
  { "udp", frame(0x04 | SUMS, mac_of(0, eth(0x0800, ipv4(17, X_IP, A_IP, udp(1234, 53, "hello A"))))) ..
      frame(0x04 | SUMS, mac_of(0, eth(0x0800, ipv4(17, X_IP, A_IP, udp(1234, 99, "closed port"))))) ..
      frame(0x04 | 0x08, mac_of(0, eth(0x0800, ipv4(17, X_IP, A_IP, udp(1234, 53, "bad sum"))))) ..
      frame(0x05 | SUMS, mac_of(1, eth(0x0800, ipv4(17, X_IP, B_IP, udp(1, 53, "from fz1"))))) .. drain },
  { "forward", frame(0x04 | SUMS, mac_of(1, eth(0x0800, ipv4(17, X_IP, B_IP, udp(5, 53, "via R"))))) ..
      frame(0x04 | SUMS, mac_of(1, eth(0x0800, ipv4(17, X_IP, B_IP, udp(5, 53, "ttl"), { ttl = 1 })))) ..
      frame(0x04 | SUMS, mac_of(1, eth(0x0800, ipv4(17, X_IP, ip(10,9,9,9), udp(5, 53, "no route"))))) ..
      frame(0x04 | SUMS, mac_of(1, eth(0x0800, ipv4(17, X_IP, B_IP, udp(5, 53, ("big"):rep(300)), { frag = 0x4000 })))) .. drain },
  { "fragments", frame(0x04 | 0x08, mac_of(0, eth(0x0800, ipv4(17, X_IP, A_IP, udp(7, 53, ("f"):rep(24)), { tot = 52, id = 9, frag = 0x2000 })))) ..
      frame(0x04 | 0x08, mac_of(0, eth(0x0800, ipv4(17, X_IP, A_IP, ("g"):rep(16), { id = 9, frag = 4 })))) ..
      frame(0x04 | 0x08, mac_of(0, eth(0x0800, ipv4(17, X_IP, A_IP, ("h"):rep(16), { id = 10, frag = 0x2000 | 1 })))) ..
      vsleep(0, 40) .. drain },
  { "icmp_errors", frame(0x04 | SUMS, mac_of(0, eth(0x0800, ipv4(1, X_IP, A_IP,
        icmp(3, 3, "\0\0\0\0" .. ipv4(17, A_IP, X_IP, udp(53, 1234, "")):sub(1, 28)))))) ..
      frame(0x04 | SUMS, mac_of(0, eth(0x0800, ipv4(1, X_IP, A_IP, icmp(11, 0, "\0\0\0\0" .. ("q"):rep(10)))))) ..
      frame(0x04 | SUMS, mac_of(0, eth(0x0800, ipv4(1, X_IP, A_IP, icmp(3, 4, "\0\0\5\220" .. ipv4(17, A_IP, B_IP, udp(53, 53, "x")))))))},
  { "malformed", frame(0, "\1\2\3") .. frame(0x04, mac_of(0, eth(0x0800, "\x4f" .. ("\0"):rep(19)))) ..
      frame(0x04 | 0x08, mac_of(0, eth(0x0800, ipv4(17, X_IP, A_IP, udp(1, 53, "lie"), { tot = 1500 })))) ..
      frame(0x04 | 0x08, mac_of(0, eth(0x0800, ipv4(17, X_IP, A_IP, "\0\53\0\53\255\255\0\0", {})))) ..
      frame(0x80, eth(0x0800, "")) .. frame(0x02, eth(0x86dd, ("6"):rep(40))) },
  { "arp_timers", send(false, 20, 5) .. send(false, 20, 5) .. send(true, 10, 2) .. send(false, 3, 1) ..
      vsleep(0, 3) .. vsleep(1, 10) .. send(false, 5, 4) .. send(true, 5, 7) .. send(true, 5, 6) ..
      drain .. vsleep(2, 63) .. vsleep(0, 63) },
  { "tcp_listen", frame(0x04 | SUMS, mac_of(0, eth(0x0800, ipv4(6, X_IP, A_IP, tcp(40000, 80, 1000, 0, SYN, 65535, SYNOPTS))))) ..
      frame(0x04 | SUMS, mac_of(0, eth(0x0800, ipv4(6, X_IP, A_IP, tcp(40000, 80, 1001, 5, ACK, 512))))) ..
      frame(0x04 | SUMS, mac_of(0, eth(0x0800, ipv4(6, X_IP, A_IP, tcp(40001, 80, 7, 0, SYN, 1024))))) ..
      frame(0x04 | SUMS, mac_of(0, eth(0x0800, ipv4(6, X_IP, A_IP, tcp(40002, 80, 7, 0, SYN, 1024))))) ..
      frame(0x04 | SUMS, mac_of(0, eth(0x0800, ipv4(6, X_IP, A_IP, tcp(40003, 80, 7, 0, SYN, 1024))))) ..
      frame(0x04 | SUMS, mac_of(0, eth(0x0800, ipv4(6, X_IP, A_IP, tcp(40004, 80, 7, 0, SYN, 1024))))) ..
      frame(0x04 | SUMS, mac_of(0, eth(0x0800, ipv4(6, X_IP, A_IP, tcp(40005, 80, 7, 0, SYN, 1024))))) ..
      frame(0x04 | SUMS, mac_of(0, eth(0x0800, ipv4(6, X_IP, A_IP, tcp(40006, 81, 7, 0, SYN, 1024))))) ..
      frame(0x04 | SUMS, mac_of(0, eth(0x0800, ipv4(6, X_IP, A_IP, tcp(40001, 80, 8, 0, RST, 0))))) ..
      vsleep(0, 5) .. drain .. vsleep(0, 63) },
  { "tcp_conn", seg(false, tcp(0, 0, 0, 0, ACK | PSH, 512, nil, "hello A")) ..
      seg(true, tcp(0, 0, 0, 0, ACK | PSH, 512, nil, "hello R")) ..
      seg(false, tcp(0, 0, 10, 0, ACK, 512, nil, "later")) ..
      seg(false, tcp(0, 0, 0, 0, ACK | URG, 512, nil, "urgent!", 7)) ..
      seg(true, tcp(0, 0, 0, 0, ACK, 512, "\1\1\5\10\0\0\0\0\0\0\0\1")) ..
      seg(true, tcp(0, 0, 0, 0, ACK, 0)) .. vsleep(1, 2) ..
      seg(false, tcp(0, 0, 5, 0, RST, 0)) .. seg(false, tcp(0, 0, 3, 0, SYN, 512)) ..
      drain .. seg(false, tcp(0, 0, 0, 0, ACK | FIN, 512)) .. seg(true, tcp(0, 0, 0, 0, ACK | FIN, 512)) ..
      drain .. vsleep(0, 63) },
  { "ip6_echo", to_all(function(t) return ip6(0, t, 0, 0, 64, {}, u_icmp(0, 0, "\0\1\0\1ping6ping6ab")) ..
      ip6(0, t, 0, 1, 64, {}, u_icmp(0, 0, "\0\1\0\2ping R")) ..
      ip6(0, t, 1, 4, 64, {}, u_icmp(0, 0, "\0\1\0\3link-local")) ..
      ip6(0, t, 0, 0, 64, {}, u_udp(53, "hello A over IPv6")) ..
      ip6(0, t, 0, 0, 64, {}, u_udp(99, "closed port")) end) ..
      ip6(MC, 0, 0, 5, 64, {}, u_icmp(0, 0, "\0\1\0\4all nodes")) .. drain },
  { "ip6_nd", ip6(MC, 0, 0, 7, 0, {}, u_ns(0, true)) .. ip6(MC, 0, 2, 7, 0, {}, u_ns(0, false)) ..
      ip6(MC, 0, 0, 5, 0, {}, u_na(0x20, 0)) .. ip6(MC, 0, 0, 5, 0, {}, u_na(0x60, 5)) ..
      ip6(MC, 0, 1, 5, 0, {}, "\5\0" .. string.char(64, 0x40, 0, 30, 64, 0xc0) .. ("\0\0\1\44\0\0\0\200") .. "\0" .. "\1\0\0\5\0") ..
      ip6(MC, 0, 1, 5, 1, { hbh(0, 2) }, "\6\0\0\0\100\0\1") ..
      ip6(MC, 0, 1, 5, 1, { hbh(0, 2) }, "\6\0\1\3\232\0\1\2\125\2\0\3") ..
      ip6(MC, 0, 1, 8, 1, { hbh(0, 2) }, "\6\0\3\0\0\2\4\1\5\2\0\4\8") ..
      ip6(MC, 0, 0, 7, 64, {}, u_ns(0, true)) ..
      vsleep(0, 5) .. vsleep(0, 40) .. drain },
  { "ip6_ext", to_all(function(t) return ip6(0, t, 0, 0, 64, { hbh(0, 2) }, u_udp(53, "router alert")) ..
      ip6(0, t, 0, 0, 64, { hbh(1, 1), dstopt(0, 4) }, u_udp(53, "unknown option")) ..
      ip6(0, t, 0, 0, 64, { rthdr(1, 0, 1, "\1") }, u_udp(53, "rh0")) ..
      ip6(0, t, 0, 0, 64, { rthdr(0, 4, 0) }, u_udp(53, "rh4 done")) ..
      ip6(0, t, 0, 0, 64, { hbh(0, 3, "\0\1\0\0\1\4") }, u_udp(53, "jumbo")) ..
      ip6(0x02, t, 0, 0, 64, { hbh(0, 3, "\0\1\17\160\1\4") }, u_udp(53, "jumbo0") .. "\0\0") ..
      ip6(0, t, 0, 0, 64, { dstopt(0, 1), dstopt(0, 1), hbh(0, 1) }, u_udp(53, "hbh late")) ..
      ip6(0, t, 0, 0, 64, { fraghdr(0, 1, 1) }, u_udp(53, ("a"):rep(32))) ..
      ip6(0, t, 0, 0, 64, { fraghdr(5, 0, 1) }, "\7\16\17" .. ("b"):rep(16)) ..
      ip6(0, t, 0, 0, 64, { fraghdr(0, 1, 2) }, u_udp(53, "never finished")) end) ..
      vsleep(0, 63) .. drain },
  { "ip6_forward", to_all(function(t) return ip6(0, t, 0, 3, 64, {}, u_udp(53, "via R")) ..
      ip6(0, t, 0, 3, 1, {}, u_udp(53, "hop limit 1")) ..
      ip6(0, t, 0, 10, 64, {}, u_udp(53, "no route")) ..
      ip6(0, t, 0, 3, 64, {}, u_udp(53, ("big"):rep(20))) ..
      ip6(0, t, 3, 0, 64, {}, u_udp(53, "mcast src")) ..
      ip6(0, t, 4, 0, 64, {}, u_udp(53, "loopback src")) end) .. drain },
  { "ip6_tcp", to_all(function(t) return ip6(0, t, 0, 0, 64, {}, u_tcp("\156\64\0\80\0\0\3\232\0\0\0\0\80\2\255\255\0\0\0\0")) ..
      ip6(0, t, 0, 1, 64, {}, u_tcp("\156\65\0\80\0\0\3\232\0\0\0\9\80\16\255\255\0\0\0\0", "data")) end) ..
      vsleep(0, 10) .. drain },
}
local function write(path, data)
  local f = assert(io.open(path, "wb"))
  f:write(data)
  f:close()
end
for i, s in ipairs(sys_seeds) do write(("fuzz/corpus/sys/%02d-%s.bin"):format(i, s[1]), s[2]) end
for i, s in ipairs(cdef_seeds) do write(("fuzz/corpus/cdef/%02d-%s.bin"):format(i, s[1]), s[2]) end
for i, s in ipairs(packet_seeds) do write(("fuzz/corpus/packet/%02d-%s.bin"):format(i, s[1]), s[2]) end
print(("%d sys seeds, %d cdef seeds, %d packet seeds"):format(#sys_seeds, #cdef_seeds, #packet_seeds))
