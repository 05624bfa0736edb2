-- syscall.netbsd.types: the NetBSD types for kernels, with the same Lua view as the host's
-- (shared methods from syscall.shared_types): st.size, sa.port, tostring(in_addr)...

local ffi = require "syscall.ffi"
local type, tonumber = ffi.type or type, ffi.tonumber or tonumber -- PUC Lua: cdata are userdata
require "syscall.netbsd.ffi"
local c = require "syscall.netbsd.constants"
local errors = require "syscall.errors"
local shared = require "syscall.shared_types"

local t, pt, s, ctypes, def = shared.base {
  char = "char", uchar = "unsigned char", int = "int", uint = "unsigned int", short = "short",
  ushort = "unsigned short", long = "long", ulong = "unsigned long", int32 = "int32_t",
  uint32 = "uint32_t", int64 = "int64_t", uint64 = "uint64_t", uint16 = "uint16_t",
  uint8 = "uint8_t", size = "size_t", socklen = "uint32_t", off = "int64_t", pid = "int32_t",
  uid = "uint32_t", gid = "uint32_t", mode = "uint32_t", dev = "uint64_t",
}

t.error = errors.maker(c.E)

local timespec = def("timespec", "struct rumpus_nb_timespec")
local timeval = def("timeval", "struct rumpus_nb_timeval")
shared.time(timespec, "tv_nsec", 1e9)
shared.time(timeval, "tv_usec", 1e6)
def("itimerspec", "struct rumpus_nb_itimerspec")
def("itimerval", "struct rumpus_nb_itimerval")
def("timezone", "struct rumpus_nb_timezone")
shared.itimer(t.itimerspec, t.timespec)
shared.itimer(t.itimerval, t.timeval)
t.timespec2 = ffi.typeof("struct rumpus_nb_timespec[2]")
t.timeval2 = ffi.typeof("struct rumpus_nb_timeval[2]")

-- NetBSD device numbers: major in bits 8-19... (makedev(1,2) == 0x102 per constants.tsv).
local nbdev = {
  major = function(dev) dev = tonumber(dev); return math.floor(dev / 256) % 4096 end,
  minor = function(dev) dev = tonumber(dev); return (dev % 256) + math.floor(dev / 1048576) * 256 end,
}
def("stat", "struct rumpus_nb_stat")
shared.stat(t.stat, c, { atim = "st_atim", mtim = "st_mtim", ctim = "st_ctim", flags = "st_flags" }, nbdev)
def("statvfs", "struct rumpus_nb_statvfs")
def("iovec", "struct rumpus_nb_iovec")
t.iovecs = shared.iovecs(t.iovec)
def("flock", "struct rumpus_nb_flock")
def("dirent", "struct rumpus_nb_dirent")
def("rlimit", "struct rumpus_nb_rlimit")
shared.rlimit(t.rlimit)
def("rusage", "struct rumpus_nb_rusage")
def("utsname", "struct rumpus_nb_utsname")
def("sigset", "struct rumpus_nb_sigset")
shared.sigset(t.sigset, c.SIG, 128)
def("pollfd", "struct rumpus_nb_pollfd")
def("fdset", "struct rumpus_nb_fdset")
shared.pollfd(t.pollfd, c.POLL)
t.pollfds = shared.pollfds(t.pollfd, c.POLL)

def("sockaddr", "struct rumpus_nb_sockaddr")
def("sockaddr_storage", "struct rumpus_nb_sockaddr_storage")
def("in_addr", "struct rumpus_nb_in_addr")
def("in6_addr", "struct rumpus_nb_in6_addr")
def("sockaddr_in", "struct rumpus_nb_sockaddr_in")
def("sockaddr_in6", "struct rumpus_nb_sockaddr_in6")
def("sockaddr_un", "struct rumpus_nb_sockaddr_un")
def("msghdr", "struct rumpus_nb_msghdr")
def("cmsghdr", "struct rumpus_nb_cmsghdr")
def("linger", "struct rumpus_nb_linger")
def("kevent", "struct rumpus_nb_kevent")
-- kevent: ev.fd (the ident), ev.filtername ("READ"...), ev.EOF / ev.ERROR / ev.ONESHOT...
do
  local fnames = {}
  for k, v in pairs(c.EVFILT) do if type(v) == "number" and k ~= "SYSCOUNT" then fnames[v] = k end end
  ffi.metatype(t.kevent, { __index = function(ev, k)
    if k == "fd" then return tonumber(ev.ident) end
    if k == "filtername" then return fnames[ev.filter] end
    local f = c.EV[k]
    if type(k) == "string" and f then return math.floor(ev.flags / f) % 2 == 1 end
  end })
end
t.kevents = ffi.typeof("struct rumpus_nb_kevent[?]")
def("ip_mreq", "struct rumpus_nb_ip_mreq")
shared.sockets(t, pt, s, c, { has_len = true, unix_path = 104 })
-- t.ip_mreq{multiaddr = "239.1.2.3", interface = "10.0.0.1"} (or imr_multiaddr /
-- imr_interface; each a string, a number or a t.in_addr), for IP_ADD_MEMBERSHIP and
-- IP_DROP_MEMBERSHIP; t.ip_mreq() is all zero.
ffi.metatype(t.ip_mreq, {
  __new = function(tp, v)
    local m = ffi.new(tp)
    if v == nil then return m end
    if type(v) ~= "table" then
      error("bad argument #1 to 'ip_mreq' (table expected, got " .. type(v) .. ")", 2)
    end
    for _, f in ipairs { "multiaddr", "interface" } do
      local a = v[f]
      if a == nil then a = v["imr_" .. f] end
      if a ~= nil then
        local ia = t.in_addr(a)
        if ia == nil then
          error("bad argument #1 to 'ip_mreq' (" .. f .. ": not an IPv4 address: " .. tostring(a) .. ")", 2)
        end
        m["imr_" .. f] = ia
      end
    end
    return m
  end,
  __index = function(m, k)
    if k == "multiaddr" then return m.imr_multiaddr end
    if k == "interface" then return m.imr_interface end
  end,
})

for name, ct in pairs(t) do
  if type(ct) == "cdata" then ctypes["struct " .. name] = ct end
end

return { t = t, pt = pt, s = s, ctypes = ctypes }
