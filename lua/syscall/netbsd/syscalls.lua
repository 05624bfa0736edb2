-- syscall.netbsd.syscalls: the calls a NetBSD kernel has that Linux spells differently or
-- lacks: getdents (NetBSD dirents), sysctl by name, statvfs1/getvfsstat, mount/unmount with
-- file-system arguments, reboot.  init(S, env) adds them to S.

local ffi = require "syscall.ffi"
local h = require "syscall.helpers"
local fdm = require "syscall.fd"

local type, tonumber, tostring, error, pairs, ipairs, pcall, math = type, tonumber, tostring, error, pairs, ipairs, pcall, math
local bit = require "syscall.bit"
local rawtype = type
local type, tonumber = ffi.type or type, ffi.tonumber or tonumber -- PUC Lua: cdata are userdata

ffi.cdef [[
struct rumpus_nb_sigevent {
  int sigev_notify; int sigev_signo; intptr_t sigev_value; void *sigev_notify_function;
  void *sigev_notify_attributes;
};
struct rumpus_nb_timer { int timerid[1]; int live; };
struct rumpus_nb_tmpfs_args {
  int ta_version; uint64_t ta_nodes_max; int64_t ta_size_max; uint32_t ta_root_uid;
  uint32_t ta_root_gid; uint32_t ta_root_mode;
};
]]

local M = {}

function M.init(S, env)
  local C, c, t = env.C, env.c, env.t
  local getfd = env.getfd or fdm.getfd
  local retbool, retnum, fail = S.retbool, S.retnum, S.fail
  t.tmpfs_args = ffi.typeof("struct rumpus_nb_tmpfs_args")
  local dirent_p = ffi.typeof("struct rumpus_nb_dirent *")

  -- getdents: a table of entries keyed by name, each with .name, .ino, .type and is* flags;
  -- an empty table at the end of the directory.
  local dtnames = {}
  for k, v in pairs(c.DT) do dtnames[v] = k end
  if C.getdents then
    function S.getdents(fd, buf, size)
      if buf ~= nil then
        env.outdata(buf, "getdents", 2, true)
        local bs = ffi.sizeof(buf)
        if size == nil then size = bs end
        if type(size) ~= "number" or size < 0 or (bs and size > bs) then
          error("bad argument #3 to 'getdents' (size " .. tostring(size) .. " does not fit the buffer)", 2)
        end
      else
        size = env.newcount(size or 4096, "getdents", 3)
        buf = t.buffer(size)
      end
      local n = tonumber(C.getdents(getfd(fd, "getdents", 1), ffi.cast("char *", buf), size))
      if n == -1 then return fail() end
      local res, off = {}, 0
      while off < n do
        local d = ffi.cast(dirent_p, ffi.cast("char *", buf) + off)
        local name = ffi.string(d.d_name, d.d_namlen)
        local ty = dtnames[d.d_type] or "UNKNOWN"
        res[name] = { name = name, ino = tonumber(d.d_fileno), type = d.d_type, typename = ty,
          isdir = ty == "DIR", isreg = ty == "REG", islnk = ty == "LNK", isfifo = ty == "FIFO",
          ischr = ty == "CHR", isblk = ty == "BLK", issock = ty == "SOCK" }
        if d.d_reclen == 0 then break end
        off = off + d.d_reclen
      end
      return res
    end
  end

  -- sysctl("kern.hostname") returns the value; sysctl("kern.hostname", "new") sets it and
  -- returns the old one.  Names are dotted NetBSD names or a table of numbers.
  local strings = { ["kern.hostname"] = true, ["kern.ostype"] = true, ["kern.osrelease"] = true,
    ["kern.version"] = true, ["kern.domainname"] = true }
  local tops = { kern = c.CTL.KERN, hw = c.CTL.HW, net = c.CTL.NET, vm = c.CTL.VM }
  local seconds = { kern = c.KERN, hw = c.HW, vm = c.VM }
  local function mib(name, fname)
    if type(name) == "table" then
      for i = 1, #name do h.int(name[i], fname or "sysctl", 1) end
      if #name == 0 or #name > 12 then error("bad argument #1 to '" .. (fname or "sysctl") .. "' (1 to 12 MIB numbers expected)", 3) end
      return name
    end
    if type(name) ~= "string" then error("bad argument #1 to 'sysctl' (string expected, got " .. type(name) .. ")", 3) end
    local parts = {}
    for p in name:gmatch("[^.]+") do parts[#parts + 1] = p end
    local top = tops[parts[1]]
    if not top then return nil end
    local r = { top }
    if parts[1] == "net" then
      -- net.<family>.<protocol>.<name>: net.inet.ip.forwarding, net.inet.ip.ttl ...
      local fam = { inet = c.AF.INET, inet6 = c.AF.INET6, route = c.AF.ROUTE }
      -- net.inet.arp: NetBSD creates it with CTL_CREATE (a number from 1024, found by
      -- name); the rumpus kernel's numbers are fixed (csrc/netinet/in_var.h)
      local proto = { ip = c.IPPROTO.IP, icmp = c.IPPROTO.ICMP, udp = c.IPPROTO.UDP, tcp = c.IPPROTO.TCP,
        arp = 1024, ip6 = c.IPPROTO.IPV6, icmp6 = c.IPPROTO.IPV6_ICMP }
      -- net.inet6.ip6 leaves by NetBSD's names (IPV6CTL_DEFHLIM is "hlim", SENDREDIRECTS
      -- "redirect"), net.inet6.icmp6's
      -- ICMPV6CTL_* numbers (netinet/icmp6.h; not in the fact tables)
      local IP6CTL = setmetatable({ HLIM = c.IPV6CTL.DEFHLIM, REDIRECT = c.IPV6CTL.SENDREDIRECTS },
        { __index = c.IPV6CTL })
      local ICMP6CTL = { REDIRACCEPT = 2, ND6_DELAY = 8, ND6_UMAXTRIES = 9, ND6_MMAXTRIES = 10,
        ERRPPSLIMIT = 14 }
      -- net.inet.tcp: NetBSD's TCPCTL_* numbers (netinet/tcp_var.h; not in the fact
      -- tables), and the kernel's own for keepinit and the RTO bounds (docs/netinet.md)
      local TCPCTL = { RFC1323 = 1, SENDSPACE = 2, RECVSPACE = 3, MSSDFLT = 4, INIT_WIN = 8,
        WIN_SCALE = 11, TIMESTAMPS = 12, ACK_ON_PUSH = 16, KEEPIDLE = 17, KEEPINTVL = 18,
        KEEPCNT = 19, SLOWHZ = 20, NEWRENO = 21, RSTPPSLIMIT = 24, DELACK_TICKS = 25,
        ACKDROPPPSLIMIT = 28, SACK = 10, MSL = 34, KEEPINIT = 100,
        SYN_CACHE_LIMIT = 5, SYN_BUCKET_LIMIT = 6, SYN_CACHE_INTERVAL = 7,
        REXMIT_MIN = 101, REXMIT_MAX = 102, REXMIT_INIT = 103,
        -- auto-sizing: made by name in NetBSD, the numbers its rump kernel gives them
        RECVBUF_AUTO = 1071, RECVBUF_INC = 1072, RECVBUF_MAX = 1073,
        SENDBUF_AUTO = 1074, SENDBUF_INC = 1075, SENDBUF_MAX = 1076 }
      local leaf = { [c.IPPROTO.IP] = setmetatable({ MAXFRAGS = 1024 }, { __index = c.IPCTL }),
        [1024] = { KEEP = 1, DOWN = 2, ND_BMAXTRIES = 3, MAXQUEUELEN = 4, MAXENTRIES = 5 },
        [c.IPPROTO.TCP] = TCPCTL, [c.IPPROTO.IPV6] = IP6CTL, [c.IPPROTO.IPV6_ICMP] = ICMP6CTL }
      for i = 2, #parts do
        local p, v = parts[i], tonumber(parts[i])
        if not v and i == 2 then v = fam[p] end
        if not v and i == 3 then v = proto[p] end
        if not v and i == 4 and leaf[r[3]] then
          local ip = leaf[r[3]][p:upper()]
          if p == "ttl" then ip = c.IPCTL.DEFTTL end
          v = ip
        end
        if not v then return nil end
        r[i] = v
      end
      return r
    end
    if #parts >= 2 then
      -- kern.somaxconn: NetBSD makes it by name (CTL_CREATE); the rumpus kernel's number
      local sec = seconds[parts[1]] and seconds[parts[1]][parts[2]:upper()]
      if not sec and parts[1] == "kern" and parts[2] == "somaxconn" then sec = 1024 end
      if not sec then return nil end
      r[2] = sec
    end
    for i = 3, #parts do
      local v = tonumber(parts[i])
      if not v then return nil end
      r[i] = v
    end
    return r
  end
  if C.__sysctl then
    function S.sysctl(name, new, kind)
      local m = mib(name)
      if not m then return nil, t.error(c.E.NOENT) end
      local n = #m
      local mp = ffi.new("int[?]", n)
      for i = 1, n do mp[i - 1] = m[i] end
      local isstr = kind == "string" or (kind == nil and strings[name])
      local oldlen = ffi.new("size_t[1]")
      local newp, newlen = nil, 0
      if new ~= nil then
        if isstr then newp, newlen = tostring(new), #tostring(new) + 1
        else newp, newlen = ffi.new("int[1]", h.int(new, "sysctl", 2)), ffi.sizeof("int") end
      end
      if isstr then
        local buf = t.buffer(1024)
        oldlen[0] = 1024
        if C.__sysctl(mp, n, buf, oldlen, newp, newlen) == -1 then return fail() end
        return ffi.string(buf, math.max(0, tonumber(oldlen[0]) - 1))
      end
      local buf = ffi.new("int64_t[1]")
      oldlen[0] = 8
      if C.__sysctl(mp, n, buf, oldlen, newp, newlen) == -1 then return fail() end
      if tonumber(oldlen[0]) == 4 then return tonumber(ffi.cast("int32_t *", buf)[0]) end
      return tonumber(buf[0])
    end
  end

  -- sysctlraw(mib): the raw bytes of a node (a string), for tables such as NET_RT_IFLIST.
  -- mib is a dotted name or a list of numbers.  The size is asked first, with room for growth.
  if C.__sysctl then
    function S.sysctlraw(name)
      local m = mib(name, "sysctlraw")
      if not m then return nil, t.error(c.E.NOENT) end
      local n = #m
      local mp = ffi.new("int[?]", n)
      for i = 1, n do mp[i - 1] = m[i] end
      local len = ffi.new("size_t[1]")
      for _ = 1, 4 do
        if C.__sysctl(mp, n, nil, len, nil, 0) == -1 then return fail() end
        local size = tonumber(len[0]) + 1024
        local buf = t.buffer(size)
        len[0] = size
        if C.__sysctl(mp, n, buf, len, nil, 0) == 0 then return ffi.string(buf, tonumber(len[0])) end
        if ffi.errno() ~= c.E.NOMEM then return fail() end
      end
      return nil, t.error(c.E.NOMEM)
    end
  end

  -- getrandom(n) / getrandom(buf, n): NetBSD 7.99 has no getrandom syscall; its kernel hands
  -- out random bytes through sysctl kern.arandom (at most 256 per call).
  if C.__sysctl then
    function S.getrandom(buf, n)
      local want, out
      if type(buf) == "number" then want, buf = buf, nil else want = n end
      if type(want) ~= "number" or want < 0 or want ~= want then error("bad argument to 'getrandom' (byte count expected)", 2) end
      if buf ~= nil then
        env.outdata(buf, "getrandom", 1)
        local bs = ffi.sizeof(buf)
        if not bs or want > bs then error("bad argument #2 to 'getrandom' (count " .. tostring(want) .. " larger than the buffer)", 2) end
      end
      out = buf or t.buffer(env.newcount(want, "getrandom", 1))
      local mp = ffi.new("int[2]", c.CTL.KERN, c.KERN.ARND)
      local len = ffi.new("size_t[1]")
      local off = 0
      while off < want do
        local chunk = math.min(256, want - off)
        len[0] = chunk
        if C.__sysctl(mp, 2, ffi.cast("char *", out) + off, len, nil, 0) == -1 then return fail() end
        off = off + tonumber(len[0])
        if tonumber(len[0]) == 0 then break end
      end
      if buf then return off end
      return ffi.string(out, off)
    end
  end

  -- kqueue(flags) and kevent(kq, changes, events, timeout), as ljsyscall's BSD binding:
  --   changes  a list of { fd =, filter = "read"|"write"|"timer", flags = "add, enable",
  --            fflags =, data =, udata = } or a t.kevents array (with its count);
  --   events   a t.kevents array, or a number of slots (default 16), or false for none;
  --   timeout  seconds (a number) or a timespec; nil waits.
  -- Returns an iterator over the events that came back: for i, ev in S.kevent(...) do.
  if C.kqueue then
    function S.kqueue(flags)
      if flags and C.kqueue1 then return S.retfd(C.kqueue1(h.flag(c.O, flags, "kqueue", 1))) end
      return S.retfd(C.kqueue())
    end
    S.kqueue1 = S.kqueue
  end
  if C.kevent then
    local function changelist(list, fname)
      if list == nil then return nil, 0 end
      if type(list) == "cdata" then
        if not h.copyable(list, 0) then h.argerror(fname, 2, "kevents", list) end
        return list, math.floor(ffi.sizeof(list) / ffi.sizeof(t.kevent))
      end
      if type(list) ~= "table" then h.argerror(fname, 2, "table of changes", list) end
      local arr = t.kevents(#list)
      for i, ch in ipairs(list) do
        if type(ch) ~= "table" then h.argerror(fname, 2, "table of changes (entry " .. i .. " a table)", ch) end
        local ev = arr[i - 1]
        local id = ch.fd or ch.ident
        ev.ident = getfd(id, fname, 2)
        ev.filter = h.flag(c.EVFILT, ch.filter or "read", fname, 2)
        ev.flags = h.flag(c.EV, ch.flags or "add", fname, 2)
        ev.fflags = h.flag(c.NOTE, ch.fflags, fname, 2)
        ev.data = h.off(ch.data, fname, 2, 0)
        ev.udata = h.off(ch.udata, fname, 2, 0)
      end
      return arr, #list
    end
    function S.kevent(kq, changes, events, timeout)
      local kn = getfd(kq, "kevent", 1)
      local ch, nch = changelist(changes, "kevent")
      local ev, nev
      if events == false then ev, nev = nil, 0
      elseif events == nil or type(events) == "number" then nev = env.newcount(events or 16, "kevent", 3); ev = t.kevents(nev)
      elseif h.copyable(events, 0) then ev, nev = events, math.floor(ffi.sizeof(events) / ffi.sizeof(t.kevent))
      else h.argerror("kevent", 3, "kevents, a count or false", events) end
      if timeout ~= nil then timeout = env.timearg(t.timespec, timeout, "kevent", 4) end
      local r = tonumber(C.kevent(kn, ch, nch, ev, nev, timeout))
      if r == -1 then return fail() end
      local i = -1
      return function()
        i = i + 1
        if i < r then return i, ev[i] end
      end
    end
  end

  if C.statvfs1 then
    function S.statvfs(path, flags)
      local buf = t.statvfs()
      if C.statvfs1(h.checkpath(path, "statvfs", 1), buf, h.optint(flags, "statvfs", 2, 1)) == -1 then return fail() end
      return buf
    end
    function S.fstatvfs(fd, flags)
      local buf = t.statvfs()
      if C.fstatvfs1(getfd(fd, "fstatvfs", 1), buf, h.optint(flags, "fstatvfs", 2, 1)) == -1 then return fail() end
      return buf
    end
  end
  if C.getvfsstat then
    -- getvfsstat(): a list of the mounted file systems, each with .fstypename, .mntonname...
    function S.getvfsstat()
      local n = tonumber(C.getvfsstat(nil, 0, 1))
      if n == -1 then return fail() end
      local arr = ffi.new("struct rumpus_nb_statvfs[?]", n + 1)
      n = tonumber(C.getvfsstat(arr, ffi.sizeof(arr), 1))
      if n == -1 then return fail() end
      local r = {}
      for i = 0, n - 1 do
        r[#r + 1] = { fstypename = ffi.string(arr[i].f_fstypename), mntonname = ffi.string(arr[i].f_mntonname),
          mntfromname = ffi.string(arr[i].f_mntfromname), flags = tonumber(arr[i].f_flag),
          bsize = tonumber(arr[i].f_bsize), blocks = tonumber(arr[i].f_blocks), bfree = tonumber(arr[i].f_bfree) }
      end
      return r
    end
  end

  -- mount("tmpfs", "/mnt", flags, args): args a cdata and its length, or for tmpfs a table
  -- { size = bytes, nodes = n, uid =, gid =, mode = }.
  if C.mount then
    function S.mount(fstype, dir, flags, data, len)
      h.checkpath(fstype, "mount", 1)
      h.checkpath(dir, "mount", 2)
      flags = h.flag(c.MNT, flags, "mount", 3)
      if fstype == "tmpfs" and (data == nil or type(data) == "table") then
        local a = t.tmpfs_args()
        data = data or {}
        a.ta_version = c.TMPFS_ARGS_VERSION
        -- our short names, or ljsyscall's (the structure's field names)
        a.ta_nodes_max = h.checkint(data.nodes or data.ta_nodes_max or 0, "mount", 4, 0, 2 ^ 63)
        a.ta_size_max = h.checkint(data.size or data.ta_size_max or 0, "mount", 4, 0, 2 ^ 63)
        a.ta_root_uid = h.uint(data.uid or data.ta_root_uid or 0, "mount", 4)
        a.ta_root_gid = h.uint(data.gid or data.ta_root_gid or 0, "mount", 4)
        a.ta_root_mode = h.flag(c.MODE, data.mode or data.ta_root_mode or "0777", "mount", 4)
        data, len = a, ffi.sizeof(a)
      elseif fstype == "ptyfs" and (data == nil or type(data) == "table") then
        -- struct ptyfs_args: version 2, the group and mode of the slaves, flags
        local a = ffi.new("int32_t[4]")
        data = data or {}
        a[0] = h.int(data.version or 2, "mount", 4)
        a[1] = h.uint(data.gid or 0, "mount", 4)
        a[2] = h.flag(c.MODE, data.mode or "0620", "mount", 4)
        a[3] = h.int(data.flags or 0, "mount", 4)
        data, len = a, 16
      end
      if len ~= nil then h.checkint(len, "mount", 5, 0, 2147483647) end
      if data ~= nil and not h.copyable(data, len or 0) then h.argerror("mount", 4, "table, or structure of len bytes", data) end
      return retbool(C.mount(fstype, dir, flags, data, len or (data and ffi.sizeof(data)) or 0))
    end
  end
  if C.unmount then
    function S.unmount(dir, flags) return retbool(C.unmount(h.checkpath(dir, "unmount", 1), h.flag(c.MNT, flags, "unmount", 2))) end
    S.umount = S.unmount
  end
  if C.reboot then
    function S.reboot(how, bootstr)
      local b
      if bootstr ~= nil then
        h.checkpath(bootstr, "reboot", 2)
        b = t.buffer(#bootstr + 1)
        ffi.copy(b, bootstr)
      end
      return retbool(C.reboot(h.flag(c.RB, how or "halt", "reboot", 1), b))
    end
  end

  -- Limits, sessions, select, timers, pathconf: the host binding's API over NetBSD's calls
  -- (the versioned __select50, __pselect50, __getitimer50, __setitimer50, __timer_settime50,
  -- __timer_gettime50 where NetBSD has them; syscalls_gen names each by its plain name).
  local flag, int, optint = h.flag, h.int, h.optint
  local outstruct, timearg = env.outstruct, env.timearg
  local err = t.error
  local errno = env.errno or ffi.errno

  -- rlimit: a t.rlimit or {cur, max} / {cur =, max =} (numbers; "infinity" or -1 for none).
  -- RLIM_INFINITY is 2^63 - 1, which a Lua number cannot hold: built from its two words.
  local INF
  do
    local u = ffi.new("union { uint64_t u; uint32_t w[2]; }")
    local lo, hi = 0, 1
    if not ffi.abi("le") then lo, hi = 1, 0 end
    u.w[lo], u.w[hi] = 0xffffffff, 0x7fffffff
    INF = u.u
  end
  local function limval(v, fname, argn)
    if v == "infinity" or v == "INFINITY" or v == -1 then return INF end
    if rawtype(v) == "number" and v >= 9223372036854775807 and v ~= math.huge then return INF end
    h.checkint(v, fname, argn, 0, 9223372036854775807)
    return v
  end
  local function rlim(v, fname, argn)
    if type(v) == "cdata" and ffi.istype(t.rlimit, v) then return v end
    if type(v) ~= "table" then h.argerror(fname, argn, "rlimit or table", v) end
    local cur, max = v.cur or v.rlim_cur or v[1], v.max or v.rlim_max or v[2]
    if cur == nil or max == nil then error("bad argument #" .. argn .. " to '" .. fname .. "' (rlimit needs cur and max)", 3) end
    local r = t.rlimit()
    r.rlim_cur, r.rlim_max = limval(cur, fname, argn), limval(max, fname, argn)
    return r
  end
  if C.getrlimit then
    function S.getrlimit(resource, r)
      r = outstruct(t.rlimit, r, "getrlimit", 2)
      if C.getrlimit(flag(c.RLIMIT, resource, "getrlimit", 1), r) == -1 then return fail() end
      return r
    end
    function S.setrlimit(resource, r)
      local res = flag(c.RLIMIT, resource, "setrlimit", 1)
      return retbool(C.setrlimit(res, rlim(r, "setrlimit", 2)))
    end
  end

  -- Sessions and process groups.
  if C.getpgrp then function S.getpgrp() return retnum(C.getpgrp()) end end
  if C.getpgid then function S.getpgid(pid) return retnum(C.getpgid(optint(pid, "getpgid", 1, 0))) end end
  if C.setpgid then
    function S.setpgid(pid, pgid) return retbool(C.setpgid(optint(pid, "setpgid", 1, 0), optint(pgid, "setpgid", 2, 0))) end
  end
  if C.getsid then function S.getsid(pid) return retnum(C.getsid(optint(pid, "getsid", 1, 0))) end end
  if C.setsid then function S.setsid() return retnum(C.setsid()) end end
  local function idarg(v, fname, argn) if v == nil then return -1 end return h.uint(v, fname, argn) end
  if C.setreuid then function S.setreuid(r, e) return retbool(C.setreuid(idarg(r, "setreuid", 1), idarg(e, "setreuid", 2))) end end
  if C.setregid then function S.setregid(r, e) return retbool(C.setregid(idarg(r, "setregid", 1), idarg(e, "setregid", 2))) end end

  -- select/pselect: sel = {readfds = {fd...}, writefds =, exceptfds =}; the result holds the
  -- same three lists with the ready members (the objects given) and .count.  select's
  -- timeout is seconds (a number), a table or a timeval, pselect's a timespec; nil waits.
  -- NetBSD's fd_set holds FD_SETSIZE (256) descriptors, bit n of 32-bit word n / 32.
  local FD_SETSIZE = 256
  local bytep = ffi.typeof("uint8_t *")
  local floor = math.floor
  local function mkset(list, nfds, fname, field)
    if list == nil then return nil, nfds end
    if type(list) ~= "table" then
      error("bad argument #1 to '" .. fname .. "' (" .. field .. " must be a list of descriptors, got " .. type(list) .. ")", 4)
    end
    local set = t.fdset()
    local p = ffi.cast(bytep, set)
    for _, v in ipairs(list) do
      local n = getfd(v, fname, 1)
      if n < 0 then return nil, nil, err(c.E.BADF) end
      if n >= FD_SETSIZE then return nil, nil, err(c.E.INVAL) end
      local b = floor(n / 8)
      p[b] = bit.bor(p[b], bit.lshift(1, n % 8))
      if n + 1 > nfds then nfds = n + 1 end
    end
    return set, nfds
  end
  local function isset(list, set)
    local r = {}
    if list == nil then return r end
    local p = ffi.cast(bytep, set)
    for _, v in ipairs(list) do
      local n = getfd(v, "select", 1)
      if bit.band(p[floor(n / 8)], bit.lshift(1, n % 8)) ~= 0 then r[#r + 1] = v end
    end
    return r
  end
  local function selectsets(sel, fname)
    if type(sel) ~= "table" then h.argerror(fname, 1, "table of descriptor lists", sel) end
    local r, w, e, nfds, bad
    r, nfds, bad = mkset(sel.readfds, 0, fname, "readfds")
    if bad then return nil, bad end
    w, nfds, bad = mkset(sel.writefds, nfds, fname, "writefds")
    if bad then return nil, bad end
    e, nfds, bad = mkset(sel.exceptfds, nfds, fname, "exceptfds")
    if bad then return nil, bad end
    return { r, w, e, nfds }
  end
  local function selectresult(sel, sets, ret)
    return { readfds = isset(sel.readfds, sets[1]), writefds = isset(sel.writefds, sets[2]),
      exceptfds = isset(sel.exceptfds, sets[3]), count = ret }
  end
  local function opttime(ct, v, fname, argn)
    if v == nil then return nil end
    local r = timearg(ct, v, fname, argn)
    if r == v then r = ct(v) end -- the kernel may write the time left into it: a copy
    return r
  end
  if C.select then
    function S.select(sel, timeout)
      local sets, e = selectsets(sel, "select")
      if not sets then return nil, e end
      local ret = C.select(sets[4], sets[1], sets[2], sets[3], opttime(t.timeval, timeout, "select", 2))
      if ret == -1 then return fail() end
      return selectresult(sel, sets, ret)
    end
  end
  local function sigarg(v, fname, argn)
    if v == nil then return nil end
    if type(v) == "cdata" and ffi.istype(t.sigset, v) then return v end
    local tv = type(v)
    if tv == "string" or tv == "number" or tv == "table" then
      local ok, r = pcall(t.sigset, v)
      if ok then return r end
      error("bad argument #" .. argn .. " to '" .. fname .. "' (" .. tostring(r):gsub("^.-: ", "") .. ")", 3)
    end
    h.argerror(fname, argn, "sigset", v)
  end
  if C.pselect then
    function S.pselect(sel, timeout, set)
      local sets, e = selectsets(sel, "pselect")
      if not sets then return nil, e end
      local ret = C.pselect(sets[4], sets[1], sets[2], sets[3], opttime(t.timespec, timeout, "pselect", 2),
        sigarg(set, "pselect", 3))
      if ret == -1 then return fail() end
      return selectresult(sel, sets, ret)
    end
  end

  -- clock_nanosleep(clock, flags, req [, rem]): flags "abstime" for an absolute time.  Returns
  -- true; interrupted, true, nil and the time left (as nanosleep).  NetBSD's call returns its
  -- error number instead of setting errno.
  if C.clock_nanosleep then
    function S.clock_nanosleep(clk, flags, req, rem)
      local id = flag(c.CLOCK, clk or "realtime", "clock_nanosleep", 1)
      local fl = flag(c.TIMER, flags, "clock_nanosleep", 2)
      if req == nil then h.argerror("clock_nanosleep", 3, "timespec or number", req) end
      req = timearg(t.timespec, req, "clock_nanosleep", 3)
      rem = outstruct(t.timespec, rem, "clock_nanosleep", 4)
      local r = tonumber(C.clock_nanosleep(id, fl, req, rem))
      if r ~= 0 then
        if r == c.E.INTR then return true, nil, rem end
        return nil, err(r)
      end
      return true
    end
  end

  -- Interval timers: getitimer(which) -> itimerval; setitimer(which, it [, old]) with it an
  -- itimerval or {interval, value} (seconds) returns the previous setting.
  local function itarg(ct, v, fname, argn)
    if type(v) == "cdata" and ffi.istype(ct, v) then return v end
    if type(v) ~= "table" then h.argerror(fname, argn, tostring(ct):gsub("^ctype<(.*)>$", "%1") .. " or table", v) end
    local ok, r = pcall(ct, v)
    if not ok then error("bad argument #" .. argn .. " to '" .. fname .. "' (" .. tostring(r):gsub("^.-%((.*)%)$", "%1") .. ")", 3) end
    return r
  end
  if C.getitimer then
    function S.getitimer(which, value)
      value = outstruct(t.itimerval, value, "getitimer", 2)
      if C.getitimer(flag(c.ITIMER, which, "getitimer", 1), value) == -1 then return fail() end
      return value
    end
  end
  if C.setitimer then
    function S.setitimer(which, it, old)
      local w = flag(c.ITIMER, which, "setitimer", 1)
      local v = itarg(t.itimerval, it, "setitimer", 2)
      old = outstruct(t.itimerval, old, "setitimer", 3)
      if C.setitimer(w, v, old) == -1 then return fail() end
      return old
    end
  end

  -- POSIX timers.  timer_create(clock [, sigevent]) -> a timer object (methods settime,
  -- gettime, getoverrun, delete); sigevent is t.sigevent or {notify = "signal" | "none",
  -- signo =, value =}.  A timer lives until timer_delete or the end of its process (the GC
  -- does not delete it: its kernel may be gone).
  t.sigevent = ffi.typeof("struct rumpus_nb_sigevent")
  local timer_t = ffi.typeof("struct rumpus_nb_timer")
  t.timer = timer_t
  local function sigevent(v, fname, argn)
    if v == nil then return nil end
    if type(v) == "cdata" and ffi.istype(t.sigevent, v) then return v end
    if type(v) ~= "table" then h.argerror(fname, argn, "sigevent or table", v) end
    local se = t.sigevent()
    se.sigev_notify = flag(c.SIGEV, v.notify or "signal", fname, argn)
    if v.signo ~= nil then se.sigev_signo = flag(c.SIG, v.signo, fname, argn) end
    if v.value ~= nil then se.sigev_value = h.off(v.value, fname, argn) end
    return se
  end
  local function timerarg(tm, fname)
    if type(tm) ~= "cdata" or not ffi.istype(timer_t, tm) then h.argerror(fname, 1, "timer", tm) end
    if tm.live == 0 then return false end
    return tm.timerid[0]
  end
  if C.timer_create then
    function S.timer_create(clk, sev, timerid)
      local id = flag(c.CLOCK, clk or "realtime", "timer_create", 1)
      local se = sigevent(sev, "timer_create", 2)
      timerid = outstruct(timer_t, timerid, "timer_create", 3)
      if not ffi.istype(timer_t, timerid) then timerid = timerid[0] end
      if C.timer_create(id, se, timerid.timerid) == -1 then return fail() end
      timerid.live = 1
      return timerid
    end
    function S.timer_delete(tm)
      local id = timerarg(tm, "timer_delete")
      if id == false then return nil, err(c.E.INVAL) end
      if C.timer_delete(id) == -1 then return fail() end
      tm.live = 0
      return true
    end
  end
  if C.timer_settime then
    -- timer_settime(timer, flags, it [, old]) returns true, nil and the previous setting.
    function S.timer_settime(tm, flags, it, old)
      local id = timerarg(tm, "timer_settime")
      local fl = flag(c.TIMER, flags, "timer_settime", 2)
      local v = itarg(t.itimerspec, it, "timer_settime", 3)
      if old ~= false then old = outstruct(t.itimerspec, old, "timer_settime", 4) else old = nil end
      if id == false then return nil, err(c.E.INVAL) end
      if C.timer_settime(id, fl, v, old) == -1 then return fail() end
      return true, nil, old
    end
  end
  if C.timer_gettime then
    function S.timer_gettime(tm, cur)
      local id = timerarg(tm, "timer_gettime")
      cur = outstruct(t.itimerspec, cur, "timer_gettime", 2)
      if id == false then return nil, err(c.E.INVAL) end
      if C.timer_gettime(id, cur) == -1 then return fail() end
      return cur
    end
  end
  if C.timer_getoverrun then
    function S.timer_getoverrun(tm)
      local id = timerarg(tm, "timer_getoverrun")
      if id == false then return nil, err(c.E.INVAL) end
      return retnum(C.timer_getoverrun(id))
    end
  end
  pcall(ffi.metatype, timer_t, { __index = {
    settime = function(...) return S.timer_settime(...) end, gettime = function(...) return S.timer_gettime(...) end,
    getoverrun = function(...) return S.timer_getoverrun(...) end, delete = function(...) return S.timer_delete(...) end,
    gettimerp = function(tm) return tm.timerid end, gettimer = function(tm) return tm.timerid[0] end,
  } })

  -- pathconf(path, name) / fpathconf(fd, name): the value, nil, err on failure.  -1 with
  -- errno untouched means "no limit": nil then, as the host binding.
  if C.pathconf then
    function S.pathconf(p, name)
      local n = flag(c.PC, name, "pathconf", 2)
      errno(0)
      local r = tonumber(C.pathconf(h.checkpath(p, "pathconf", 1), n))
      if r == -1 then if errno() ~= 0 then return fail() end return nil end
      return r
    end
  end
  if C.fpathconf then
    function S.fpathconf(fd, name)
      local f = getfd(fd, "fpathconf", 1)
      local n = flag(c.PC, name, "fpathconf", 2)
      errno(0)
      local r = tonumber(C.fpathconf(f, n))
      if r == -1 then if errno() ~= 0 then return fail() end return nil end
      return r
    end
  end

  S.fdmethods.getdents = S.getdents

  -- ljsyscall's NetBSD calls (issue 12): file flags, fsync_range, POSIX semaphores, ktrace,
  -- revoke and the pty helpers, in ljsyscall's shapes.
  local flag = h.flag
  local function cpath(v, fname, argn) return h.checkpath(v, fname, argn) end
  local function cint(v, fname, argn)
    return h.int(v, fname, argn)
  end
  if C.chflags then
    -- flags: c.CHFLAGS names ("uf_append, uf_immutable") or a number; nil clears them
    function S.chflags(p, flags) return retbool(C.chflags(cpath(p, "chflags", 1), flag(c.CHFLAGS, flags or 0, "chflags", 2))) end
    function S.lchflags(p, flags) return retbool(C.lchflags(cpath(p, "lchflags", 1), flag(c.CHFLAGS, flags or 0, "lchflags", 2))) end
    function S.fchflags(fd, flags) return retbool(C.fchflags(getfd(fd, "fchflags", 1), flag(c.CHFLAGS, flags or 0, "fchflags", 2))) end
    S.fdmethods.chflags = S.fchflags
  end
  if C.fsync_range then
    -- how: "data", "file", "disk" (c.FSYNC); ljsyscall's fd:sync_range(how, start, len)
    c.FSYNC = c.FSYNC or h.multiflags({ DATA = 0x10, FILE = 0x20, DISK = 0x40 }, "FSYNC", "F")
    function S.fsync_range(fd, how, start, length)
      return retbool(C.fsync_range(getfd(fd, "fsync_range", 1), flag(c.FSYNC, how, "fsync_range", 2),
        h.off(start, "fsync_range", 3, 0), h.off(length, "fsync_range", 4, 0)))
    end
    S.fdmethods.sync_range = S.fsync_range
  end
  if C._ksem_init then
    local idp = ffi.typeof("intptr_t[1]")
    local up = ffi.typeof("unsigned int[1]")
    -- a semaphore is its id (a number)
    function S.ksem_init(value)
      local id = idp()
      if C._ksem_init(h.uint(value or 0, "ksem_init", 1), id) == -1 then return fail() end
      return tonumber(id[0])
    end
    function S.ksem_open(name, oflag, m, value)
      local id = idp()
      if C._ksem_open(cpath(name, "ksem_open", 1), flag(c.O, oflag or 0, "ksem_open", 2),
        flag(c.MODE, m or 0, "ksem_open", 3), h.uint(value or 0, "ksem_open", 4), id) == -1 then return fail() end
      return tonumber(id[0])
    end
    function S.ksem_unlink(name) return retbool(C._ksem_unlink(cpath(name, "ksem_unlink", 1))) end
    for _, n in ipairs({ "close", "post", "wait", "trywait", "destroy" }) do
      local f = C["_ksem_" .. n]
      S["ksem_" .. n] = function(id) return retbool(f(h.checkint(id, "ksem_" .. n, 1, -2 ^ 63, 2 ^ 63))) end
    end
    function S.ksem_getvalue(id)
      local v = up()
      if C._ksem_getvalue(h.checkint(id, "ksem_getvalue", 1, -2 ^ 63, 2 ^ 63), v) == -1 then return fail() end
      return tonumber(v[0])
    end
  end
  if C.fktrace then
    -- ops: c.KTROP ("set", "clear", "clearfile"); facs: c.KTRFAC ("syscall, sysret")
    c.KTROP = c.KTROP or h.multiflags({ SET = 0, CLEAR = 1, CLEARFILE = 2, DESCEND = 4 }, "KTROP", "KTROP_")
    c.KTRFAC = c.KTRFAC or h.multiflags({ SYSCALL = 2, SYSRET = 4, NAMEI = 8, GENIO = 16,
      PSIG = 32, CSW = 64, EMUL = 128, USER = 256, EXEC_ARG = 1024, EXEC_ENV = 2048, MIB = 16384,
      EXEC_FD = 32768, PERSISTENT = 0x80000000, INHERIT = 0x40000000, TRC_EMUL = 0x10000000,
      V0 = 0, V1 = 0x01000000, V2 = 0x02000000 }, "KTRFAC", "KTRFAC_")
    function S.fktrace(fd, ops, facs, pid)
      return retbool(C.fktrace(getfd(fd, "fktrace", 1), flag(c.KTROP, ops, "fktrace", 2),
        flag(c.KTRFAC, facs, "fktrace", 3), cint(pid, "fktrace", 4)))
    end
    function S.ktrace(p, ops, facs, pid)
      return retbool(C.ktrace(cpath(p, "ktrace", 1), flag(c.KTROP, ops, "ktrace", 2),
        flag(c.KTRFAC, facs, "ktrace", 3), cint(pid, "ktrace", 4)))
    end
    S.fdmethods.ktrace = S.fktrace
  end
  if C.revoke then function S.revoke(p) return retbool(C.revoke(cpath(p, "revoke", 1))) end end
  if C.paccept then
    -- ljsyscall's paccept(fd, addr, addrlen, sigset, flags): addr a sockaddr structure (or
    -- nil), addrlen a number or socklen_t[1] (nil passes no length, as ljsyscall does: the
    -- kernel then answers EFAULT once a connection is there); the signal mask is ignored
    -- (rump kernels deliver no signals)
    local socklen1 = ffi.typeof("uint32_t[1]")
    function S.paccept(fd, addr, addrlen, set, flags)
      local n = getfd(fd, "paccept", 1)
      if addr ~= nil and not h.copyable(addr, 2) then h.argerror("paccept", 2, "sockaddr structure", addr) end
      local l
      if type(addrlen) == "number" then l = socklen1(addrlen)
      elseif addrlen ~= nil then l = addrlen end
      local r = C.paccept(n, addr, l, nil, flag(c.SOCK, flags, "paccept", 5))
      if r == -1 then return fail() end
      return env.fd(r)
    end
    S.fdmethods.paccept = S.paccept
  end
  -- ptys (kern.tty): posix_openpt opens /dev/ptmx; grantpt is TIOCGRANTPT; ptsname asks
  -- TIOCPTSNAME; unlockpt has nothing to do on NetBSD; isatty is TIOCGETA succeeding
  local ptmget = ffi.typeof("struct { int cfd; int sfd; char cn[1024]; char sn[1024]; }")
  local termios = ffi.typeof("char[44]")
  function S.posix_openpt(flags) return S.open("/dev/ptmx", flags or "rdwr, noctty") end
  S.openpt = S.posix_openpt
  function S.grantpt(fd) return S.ioctl(fd, "TIOCGRANTPT") end
  function S.unlockpt(fd) getfd(fd, "unlockpt", 1); return true end
  function S.ptsname(fd)
    local pm = ptmget()
    local ok, e = S.ioctl(fd, "TIOCPTSNAME", pm)
    if not ok then return nil, e end
    return ffi.string(pm.sn)
  end
  function S.isatty(fd)
    local ok = S.ioctl(fd, "TIOCGETA", termios())
    return ok and true or false
  end
  for _, n in ipairs({ "grantpt", "unlockpt", "ptsname", "isatty" }) do S.fdmethods[n] = S[n] end
  return S
end

return M
