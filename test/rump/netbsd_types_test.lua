-- The NetBSD types kernels use from Lua (lua/syscall/netbsd/ffi.lua, via the types module)
-- against abi/netbsd/structs.tsv: size, alignment, and the offset of every top-level
-- member the facts list.
local T = require "rump.test"
local ffi = require "syscall.ffi"
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local F = dofile(here .. "../lua/shared/abi_facts.lua")
local ok, facts = pcall(F.load)
local t = require "syscall.netbsd.types".t

-- Our name -> the facts' type name.
local map = {
  timespec = "struct timespec", timeval = "struct timeval", timezone = "struct timezone",
  itimerspec = "struct itimerspec", itimerval = "struct itimerval", stat = "struct stat",
  statvfs = "struct statvfs", iovec = "struct iovec", dirent = "struct dirent",
  flock = "struct flock", rlimit = "struct rlimit", rusage = "struct rusage",
  utsname = "struct utsname", sigset = "sigset_t", pollfd = "struct pollfd", fdset = "fd_set",
  sockaddr = "struct sockaddr", sockaddr_storage = "struct sockaddr_storage",
  in_addr = "struct in_addr", in6_addr = "struct in6_addr", sockaddr_in = "struct sockaddr_in",
  sockaddr_in6 = "struct sockaddr_in6", sockaddr_un = "struct sockaddr_un",
  msghdr = "struct msghdr", cmsghdr = "struct cmsghdr", linger = "struct linger",
  ip_mreq = "struct ip_mreq", kevent = "struct kevent",
}

for ours, theirs in pairs(map) do
  T.case("t." .. ours .. " has the layout of " .. theirs, function()
    if not ok then error("the NetBSD fact tables are not there: " .. tostring(facts)) end
    local ct = t[ours]
    T.ok(ct, "t." .. ours .. " exists")
    local st = facts.structs[theirs]
    T.ok(st, theirs .. " is in structs.tsv")
    T.eq(ffi.sizeof(ct), st.size, "size")
    T.eq(ffi.alignof(ct), st.align, "alignment")
    local n = 0
    for _, m in ipairs(st.members) do
      if not m.name:find(".", 1, true) and m.offset then
        T.eq(ffi.offsetof(ct, m.name), m.offset, theirs .. "." .. m.name .. " offset")
        n = n + 1
      end
    end
    T.ok(n > 0, "members compared")
  end)
end
