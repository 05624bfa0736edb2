-- syscall.linux.types: the Linux types, ljsyscall's t/pt/s/ctypes shape.
--   t.X     constructors (ffi metatypes with methods), t.fd, t.error, t.buffer...
--   pt.X    pointer casts: pt.sockaddr(sa)
--   s.X     sizes: s.int, s.sockaddr_storage
--   ctypes  the ctype of each named C type, by its plain name ("struct stat")

local ffi = require "syscall.ffi"
local type, tonumber = ffi.type or type, ffi.tonumber or tonumber -- PUC Lua: cdata are userdata
require "syscall.linux.ffi"
local c = require "syscall.linux.constants"
local h = require "syscall.helpers"
local fdm = require "syscall.fd"
local errors = require "syscall.errors"
local shared = require "syscall.shared_types"

local t, pt, s, ctypes, def = shared.base {
  char = "char", uchar = "unsigned char", int = "int", uint = "unsigned int", short = "short",
  ushort = "unsigned short", long = "long", ulong = "unsigned long", int32 = "int32_t",
  uint32 = "uint32_t", int64 = "int64_t", uint64 = "uint64_t", uint16 = "uint16_t",
  uint8 = "uint8_t", size = "size_t", socklen = "uint32_t", off = "int64_t", pid = "int",
  uid = "unsigned int", gid = "unsigned int", mode = "unsigned int", dev = "uint64_t",
  int8 = "int8_t", int16 = "int16_t", intptr = "intptr_t", uintptr = "uintptr_t", ssize = "long",
  nlink = "unsigned long", ino = "uint64_t", time = "long", clockid = "int", id = "unsigned int",
  sa_family = "unsigned short", in_port = "uint16_t", nfds = "unsigned long",
}
t.string_array = ffi.typeof("char *[?]")

-- Errors.
t.error = errors.maker(c.E)

-- Descriptors.
t.fd = function(n) return fdm.new(0, n) end
ctypes.fd = fdm.type

-- Time.
local timespec = def("timespec", "struct rumpus_lx_timespec")
local timeval = def("timeval", "struct rumpus_lx_timeval")
shared.time(timespec, "tv_nsec", 1e9)
shared.time(timeval, "tv_usec", 1e6)
def("itimerspec", "struct rumpus_lx_itimerspec")
def("itimerval", "struct rumpus_lx_itimerval")
def("timezone", "struct rumpus_lx_timezone")
shared.itimer(t.itimerspec, t.timespec)
shared.itimer(t.itimerval, t.timeval)
t.timespec2 = ffi.typeof("struct rumpus_lx_timespec[2]")
t.timeval2 = ffi.typeof("struct rumpus_lx_timeval[2]")

-- Files.
def("stat", "struct rumpus_lx_stat")
shared.stat(t.stat, c, { atim = "st_atim", mtim = "st_mtim", ctim = "st_ctim" })
def("statfs", "struct rumpus_lx_statfs")
def("iovec", "struct rumpus_lx_iovec")
t.iovecs = shared.iovecs(t.iovec)
def("flock", "struct rumpus_lx_flock")
def("dirent", "struct rumpus_lx_dirent64")
pt.dirent = ffi.typeof("struct rumpus_lx_dirent64 *")
def("utsname", "struct rumpus_lx_utsname")
def("sysinfo", "struct rumpus_lx_sysinfo")
def("rlimit", "struct rumpus_lx_rlimit")
shared.rlimit(t.rlimit)
def("rusage", "struct rumpus_lx_rusage")
def("winsize", "struct rumpus_lx_winsize")

-- Device numbers (glibc's encoding).
t.device = function(major, minor) return shared.device(major, minor) end

-- Signals.
def("sigset", "struct rumpus_lx_sigset")
shared.sigset(t.sigset, c.SIG, 64)
def("siginfo", "struct rumpus_lx_siginfo")
def("sigaction", "struct rumpus_lx_sigaction")
def("signalfd_siginfo", "struct rumpus_lx_signalfd_siginfo")
def("inotify_event", "struct rumpus_lx_inotify_event")
pt.inotify_event = ffi.typeof("struct rumpus_lx_inotify_event *")

-- Waiting.
def("pollfd", "struct rumpus_lx_pollfd")
def("epoll_event", "struct rumpus_lx_epoll_event")
def("fdset", "struct rumpus_lx_fdset")
shared.pollfd(t.pollfd, c.POLL)
t.pollfds = shared.pollfds(t.pollfd, c.POLL)
shared.epoll_event(t.epoll_event, c.EPOLL)
-- t.epoll_events(n): n event slots with their count, as ljsyscall's: #ev is n, ev.ep the
-- array (from 0), ev[i] the i-th slot (from 1, nil past the end, so ipairs ends on every
-- Lua), and ipairs(ev) visits them through __ipairs where the interpreter honours it.
ffi.cdef "struct rumpus_lx_epoll_events { int count; struct rumpus_lx_epoll_event ep[?]; };"
do
  local reviter = h.reviter
  local rawtype = type
  t.epoll_events = ffi.metatype("struct rumpus_lx_epoll_events", {
    __new = function(tp, n)
      if rawtype(n) ~= "number" or n % 1 ~= 0 or n < 1 or n > 65536 then
        error("bad argument #1 to 'epoll_events' (a count from 1 to 65536 expected, got " .. tostring(n) .. ")", 2)
      end
      return ffi.new(tp, n, n)
    end,
    __len = function(ev) return ev.count end,
    __index = function(ev, k)
      if rawtype(k) == "number" then
        if k >= 1 and k <= ev.count and k % 1 == 0 then return ev.ep[k - 1] end
        return nil
      end
      error("epoll_events has no field '" .. tostring(k) .. "'", 2)
    end,
    __ipairs = function(ev) return reviter, ev.ep, ev.count end,
  })
end

-- Sockets.
def("sockaddr", "struct rumpus_lx_sockaddr")
def("sockaddr_storage", "struct rumpus_lx_sockaddr_storage")
def("in_addr", "struct rumpus_lx_in_addr")
def("in6_addr", "struct rumpus_lx_in6_addr")
def("sockaddr_in", "struct rumpus_lx_sockaddr_in")
def("sockaddr_in6", "struct rumpus_lx_sockaddr_in6")
def("sockaddr_un", "struct rumpus_lx_sockaddr_un")
def("sockaddr_nl", "struct rumpus_lx_sockaddr_nl")
def("msghdr", "struct rumpus_lx_msghdr")
def("cmsghdr", "struct rumpus_lx_cmsghdr")
pt.cmsghdr = ffi.typeof("struct rumpus_lx_cmsghdr *")
def("ucred", "struct rumpus_lx_ucred")
def("linger", "struct rumpus_lx_linger")
def("ip_mreq", "struct rumpus_lx_ip_mreq")
def("ip_mreqn", "struct rumpus_lx_ip_mreqn")
def("ipv6_mreq", "struct rumpus_lx_ipv6_mreq")
def("ifreq", "struct rumpus_lx_ifreq")
shared.sockets(t, pt, s, c, { has_len = false, unix_path = 108 })

-- ctypes by plain C name, for code that asks for "struct stat".
for name, ct in pairs(t) do
  if type(ct) == "cdata" then ctypes["struct " .. name] = ct end
end

return { t = t, pt = pt, s = s, ctypes = ctypes }
