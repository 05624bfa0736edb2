-- ljsyscall-style use of the FFI against the real kernel: struct stat from fstat, fd passing
-- over a socketpair with sendmsg/recvmsg and SCM_RIGHTS (msghdr, iovec, cmsghdr), epoll with
-- its packed event struct, sigset_t, rlimit, and metatype-wrapped descriptors closed by the GC.
local T = require "rump.test"
local ffi = require "syscall.ffi"
local tonumber = ffi.tonumber or tonumber

ffi.cdef [[
typedef long sys_time_t;
typedef unsigned long sys_dev_t;
struct sys_timespec { sys_time_t tv_sec; long tv_nsec; };
struct sys_iovec { void *iov_base; size_t iov_len; };
struct sys_msghdr { void *msg_name; unsigned int msg_namelen; struct sys_iovec *msg_iov;
  size_t msg_iovlen; void *msg_control; size_t msg_controllen; int msg_flags; };
struct sys_cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; unsigned char cmsg_data[]; };
typedef union sys_epoll_data { void *ptr; int fd; uint32_t u32; uint64_t u64; } sys_epoll_data_t;
struct sys_rlimit { unsigned long rlim_cur, rlim_max; };
typedef struct { unsigned long sig[16]; } sys_sigset_t;
int sys_open(const char *, int, ...) asm("open");
int sys_close(int) asm("close");
ssize_t sys_write(int, const void *, size_t) asm("write");
ssize_t sys_read(int, void *, size_t) asm("read");
int sys_socketpair(int, int, int, int sv[2]) asm("socketpair");
ssize_t sys_sendmsg(int, const struct sys_msghdr *, int) asm("sendmsg");
ssize_t sys_recvmsg(int, struct sys_msghdr *, int) asm("recvmsg");
int sys_getrlimit(int, struct sys_rlimit *) asm("getrlimit");
int sys_sigemptyset(sys_sigset_t *) asm("sigemptyset");
int sys_sigaddset(sys_sigset_t *, int) asm("sigaddset");
int sys_sigismember(const sys_sigset_t *, int) asm("sigismember");
int sys_pipe(int[2]) asm("pipe");
int sys_fcntl(int, int, long) asm("fcntl");
int sys_epoll_create1(int) asm("epoll_create1");
int sys_epoll_wait(int, void *, int, int) asm("epoll_wait");
]]
if ffi.arch == "x64" then
  ffi.cdef [[
  struct sys_stat { sys_dev_t st_dev; unsigned long st_ino; unsigned long st_nlink;
    unsigned int st_mode; unsigned int st_uid; unsigned int st_gid; int __pad0;
    sys_dev_t st_rdev; long st_size; long st_blksize; long st_blocks;
    struct sys_timespec st_atim, st_mtim, st_ctim; long __unused[3]; };
  struct sys_epoll_event { uint32_t events; sys_epoll_data_t data; } __attribute__ ((packed));
  int sys_epoll_ctl(int, int, int, struct sys_epoll_event *) asm("epoll_ctl");
  ]]
else
  ffi.cdef [[
  struct sys_stat { sys_dev_t st_dev; unsigned long st_ino; unsigned int st_mode;
    unsigned int st_nlink; unsigned int st_uid; unsigned int st_gid; sys_dev_t st_rdev;
    unsigned long __pad1; long st_size; int st_blksize; int __pad2; long st_blocks;
    struct sys_timespec st_atim, st_mtim, st_ctim; unsigned int __unused[2]; };
  struct sys_epoll_event { uint32_t events; sys_epoll_data_t data; };
  int sys_epoll_ctl(int, int, int, struct sys_epoll_event *) asm("epoll_ctl");
  ]]
end
ffi.cdef "int sys_fstat(int, struct sys_stat *) asm(\"fstat\");"

local C = ffi.C
local O_RDONLY, O_WRONLY, O_CREAT, O_TRUNC = 0, 1, 64, 512

T.case("fstat fills struct stat with the file's real size and mode", function()
  local dir = T.tmpdir()
  local path = dir .. "/f"
  local fd = C.sys_open(path, O_WRONLY + O_CREAT + O_TRUNC, ffi.new("int", 420))
  T.ok(fd >= 0, "open: errno " .. ffi.errno())
  T.eq(tonumber(C.sys_write(fd, string.rep("x", 1234), 1234)), 1234)
  local st = ffi.new("struct sys_stat")
  T.eq(C.sys_fstat(fd, st), 0)
  T.eq(tonumber(st.st_size), 1234)
  T.eq(st.st_mode % 4096, 420)
  T.eq(math.floor(st.st_mode / 4096), 8)   -- S_IFREG
  T.ok(tonumber(st.st_mtim.tv_sec) > 1000000000)
  C.sys_close(fd)
  T.eq(C.sys_fstat(fd, st), -1)
  T.eq(ffi.errno(), 9)
end)

T.case("sendmsg/recvmsg pass a descriptor with SCM_RIGHTS", function()
  local sv = ffi.new("int[2]")
  T.eq(C.sys_socketpair(1, 1, 0, sv), 0)     -- AF_UNIX, SOCK_STREAM
  local p = ffi.new("int[2]")
  T.eq(C.sys_pipe(p), 0)
  local cmsgsz = ffi.sizeof("struct sys_cmsghdr") + 8
  local cbuf = ffi.new("char[?]", cmsgsz)
  local cm = ffi.cast("struct sys_cmsghdr *", cbuf)
  cm.cmsg_len = ffi.sizeof("struct sys_cmsghdr") + 4
  cm.cmsg_level = 1                           -- SOL_SOCKET
  cm.cmsg_type = 1                            -- SCM_RIGHTS
  ffi.cast("int *", cm.cmsg_data)[0] = p[0]
  local iov = ffi.new("struct sys_iovec[1]", {{iov_base = ffi.cast("void *", "!"), iov_len = 1}})
  local msg = ffi.new("struct sys_msghdr", {msg_iov = iov, msg_iovlen = 1, msg_control = cbuf,
    msg_controllen = cmsgsz})
  T.eq(tonumber(C.sys_sendmsg(sv[0], msg, 0)), 1)

  local rbuf = ffi.new("char[1]")
  local rc = ffi.new("char[?]", cmsgsz)
  local riov = ffi.new("struct sys_iovec[1]")
  riov[0].iov_base = rbuf; riov[0].iov_len = 1
  local rmsg = ffi.new("struct sys_msghdr")
  rmsg.msg_iov = riov; rmsg.msg_iovlen = 1; rmsg.msg_control = rc; rmsg.msg_controllen = cmsgsz
  T.eq(tonumber(C.sys_recvmsg(sv[1], rmsg, 0)), 1)
  T.eq(ffi.string(rbuf, 1), "!")
  T.ok(rmsg.msg_name == nil, "NULL pointer field reads as nil")
  local rcm = ffi.cast("struct sys_cmsghdr *", rmsg.msg_control)
  T.eq(rcm.cmsg_type, 1)
  local newfd = ffi.cast("int *", rcm.cmsg_data)[0]
  T.ok(newfd > 2 and newfd ~= p[0])
  -- the received descriptor is the pipe's read end: data written to the pipe shows up there
  T.eq(tonumber(C.sys_write(p[1], "via", 3)), 3)
  local b = ffi.new("char[3]")
  T.eq(tonumber(C.sys_read(newfd, b, 3)), 3)
  T.eq(ffi.string(b, 3), "via")
  for _, fd in ipairs { sv[0], sv[1], p[0], p[1], newfd } do C.sys_close(fd) end
end)

T.case("epoll reports a readable pipe through the (packed on x86_64) event struct", function()
  local ep = C.sys_epoll_create1(0)
  T.ok(ep >= 0)
  local p = ffi.new("int[2]")
  T.eq(C.sys_pipe(p), 0)
  local ev = ffi.new("struct sys_epoll_event", {events = 1, data = {u64 = 0x1234567890}})
  T.eq(C.sys_epoll_ctl(ep, 1, p[0], ev), 0)   -- EPOLL_CTL_ADD, EPOLLIN
  T.eq(tonumber(C.sys_write(p[1], "x", 1)), 1)
  local out = ffi.new("struct sys_epoll_event[4]")
  T.eq(C.sys_epoll_wait(ep, out, 4, 1000), 1)
  T.eq(out[0].events, 1)
  T.eq(tonumber(out[0].data.u64), 0x1234567890)
  T.eq(ffi.sizeof("struct sys_epoll_event"), ffi.arch == "x64" and 12 or 16)
  for _, fd in ipairs { ep, p[0], p[1] } do C.sys_close(fd) end
end)

T.case("sigset_t and rlimit through libc", function()
  local ss = ffi.new("sys_sigset_t")
  T.eq(C.sys_sigemptyset(ss), 0)
  T.eq(C.sys_sigaddset(ss, 10), 0)
  T.eq(C.sys_sigismember(ss, 10), 1)
  T.eq(C.sys_sigismember(ss, 11), 0)
  T.eq(tonumber(ss.sig[0]), 2 ^ 9)
  T.eq(C.sys_sigaddset(ss, 100000), -1)
  T.eq(ffi.errno(), 22)                       -- EINVAL
  local rl = ffi.new("struct sys_rlimit")
  T.eq(C.sys_getrlimit(7, rl), 0)             -- RLIMIT_NOFILE
  T.ok(tonumber(rl.rlim_cur) > 0)
end)

T.case("metatype descriptors: methods, and closed exactly once by the GC", function()
  ffi.cdef "struct sys_fd { int fd; };"
  local closed = {}
  local Fd = ffi.metatype("struct sys_fd", {
    __index = {
      close = function(self)
        if self.fd >= 0 then closed[#closed + 1] = self.fd; C.sys_close(self.fd); self.fd = -1 end
        return true
      end,
      getfd = function(self) return self.fd end,
    },
    __gc = function(self) if self.fd >= 0 then closed[#closed + 1] = self.fd; C.sys_close(self.fd) end end,
  })
  local p = ffi.new("int[2]")
  T.eq(C.sys_pipe(p), 0)
  local r, w = Fd(p[0]), Fd(p[1])
  T.eq(r:getfd(), p[0])
  T.ok(w:close())
  T.ok(w:close())
  local rfd = p[0]
  r, w = nil, nil
  collectgarbage(); collectgarbage()
  T.eq(#closed, 2, "each descriptor closed once")
  T.eq(C.sys_fcntl(rfd, 1, 0), -1)             -- F_GETFD on the closed descriptor
  T.eq(ffi.errno(), 9)
end)
