-- syscall.netbsd.syscalls: the calls a NetBSD kernel has that Linux spells differently or
-- lacks: getdents (NetBSD dirents), sysctl by name, statvfs1/getvfsstat, mount/unmount with
-- file-system arguments, reboot.  init(S, env) adds them to S.

local ffi = require "ffi"
local h = require "syscall.helpers"
local fdm = require "syscall.fd"

local type, tonumber, tostring, error, pairs, ipairs = type, tonumber, tostring, error, pairs, ipairs
local type, tonumber = ffi.type or type, ffi.tonumber or tonumber -- PUC Lua: cdata are userdata

ffi.cdef [[
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
        env.outdata(buf, "getdents", 2)
        local bs = ffi.sizeof(buf)
        if size == nil then size = bs end
        if type(size) ~= "number" or size < 0 or (bs and size > bs) then
          error("bad argument #3 to 'getdents' (size " .. tostring(size) .. " does not fit the buffer)", 2)
        end
      else
        size = env.newcount(size or 4096, "getdents", 3)
        buf = t.buffer(size)
      end
      local n = tonumber(C.getdents(getfd(fd, "getdents", 1), buf, size))
      if n == -1 then return fail() end
      local res, off = {}, 0
      while off < n do
        local d = ffi.cast(dirent_p, buf + off)
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
  local function mib(name)
    if type(name) == "table" then return name end
    if type(name) ~= "string" then error("bad argument #1 to 'sysctl' (string expected, got " .. type(name) .. ")", 3) end
    local parts = {}
    for p in name:gmatch("[^.]+") do parts[#parts + 1] = p end
    local top = tops[parts[1]]
    if not top then return nil end
    local r = { top }
    if parts[1] == "net" then
      -- net.<family>.<protocol>.<name>: net.inet.ip.forwarding, net.inet.ip.ttl ...
      local fam = { inet = c.AF.INET, inet6 = c.AF.INET6, route = c.AF.ROUTE }
      local proto = { ip = c.IPPROTO.IP, icmp = c.IPPROTO.ICMP, udp = c.IPPROTO.UDP, tcp = c.IPPROTO.TCP }
      -- net.inet.tcp: NetBSD's TCPCTL_* numbers (netinet/tcp_var.h; not in the fact
      -- tables), and the kernel's own for keepinit and the RTO bounds (docs/netinet.md)
      local TCPCTL = { RFC1323 = 1, SENDSPACE = 2, RECVSPACE = 3, MSSDFLT = 4, INIT_WIN = 8,
        WIN_SCALE = 11, TIMESTAMPS = 12, ACK_ON_PUSH = 16, KEEPIDLE = 17, KEEPINTVL = 18,
        KEEPCNT = 19, SLOWHZ = 20, NEWRENO = 21, RSTPPSLIMIT = 24, DELACK_TICKS = 25,
        ACKDROPPPSLIMIT = 28, SACK = 10, MSL = 34, KEEPINIT = 100,
        REXMIT_MIN = 101, REXMIT_MAX = 102, REXMIT_INIT = 103 }
      local leaf = { [c.IPPROTO.IP] = c.IPCTL, [c.IPPROTO.TCP] = TCPCTL }
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
      local sec = seconds[parts[1]] and seconds[parts[1]][parts[2]:upper()]
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
        else newp, newlen = ffi.new("int[1]", new), ffi.sizeof("int") end
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
      local m = mib(name)
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
      if type(list) == "cdata" then return list, ffi.sizeof(list) / ffi.sizeof(t.kevent) end
      if type(list) ~= "table" then h.argerror(fname, 2, "table of changes", list) end
      local arr = t.kevents(#list)
      for i, ch in ipairs(list) do
        local ev = arr[i - 1]
        local id = ch.fd or ch.ident
        ev.ident = (type(id) == "number") and id or getfd(id, fname, 2)
        ev.filter = h.flag(c.EVFILT, ch.filter or "read", fname, 2)
        ev.flags = h.flag(c.EV, ch.flags or "add", fname, 2)
        ev.fflags = h.flag(c.NOTE, ch.fflags, fname, 2)
        ev.data = ch.data or 0
        ev.udata = ch.udata or 0
      end
      return arr, #list
    end
    function S.kevent(kq, changes, events, timeout)
      local kn = getfd(kq, "kevent", 1)
      local ch, nch = changelist(changes, "kevent")
      local ev, nev
      if events == false then ev, nev = nil, 0
      elseif events == nil or type(events) == "number" then nev = events or 16; ev = t.kevents(nev)
      elseif type(events) == "cdata" then ev, nev = events, ffi.sizeof(events) / ffi.sizeof(t.kevent)
      else h.argerror("kevent", 3, "kevents, a count or false", events) end
      if timeout ~= nil then timeout = h.mktype(t.timespec, timeout) end
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
      if C.statvfs1(h.checkstring(path, "statvfs", 1), buf, flags or 1) == -1 then return fail() end
      return buf
    end
    function S.fstatvfs(fd, flags)
      local buf = t.statvfs()
      if C.fstatvfs1(getfd(fd, "fstatvfs", 1), buf, flags or 1) == -1 then return fail() end
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
      h.checkstring(fstype, "mount", 1)
      h.checkstring(dir, "mount", 2)
      flags = h.flag(c.MNT, flags, "mount", 3)
      if fstype == "tmpfs" and (data == nil or type(data) == "table") then
        local a = t.tmpfs_args()
        data = data or {}
        a.ta_version = c.TMPFS_ARGS_VERSION
        a.ta_nodes_max = data.nodes or 0
        a.ta_size_max = data.size or 0
        a.ta_root_uid = data.uid or 0
        a.ta_root_gid = data.gid or 0
        a.ta_root_mode = c.MODE[data.mode or "0777"]
        data, len = a, ffi.sizeof(a)
      end
      if data ~= nil and type(data) ~= "cdata" then h.argerror("mount", 4, "cdata or table", data) end
      return retbool(C.mount(fstype, dir, flags, data, len or (data and ffi.sizeof(data)) or 0))
    end
  end
  if C.unmount then
    function S.unmount(dir, flags) return retbool(C.unmount(h.checkstring(dir, "unmount", 1), h.flag(c.MNT, flags, "unmount", 2))) end
    S.umount = S.unmount
  end
  if C.reboot then
    function S.reboot(how, bootstr) return retbool(C.reboot(h.flag(c.RB, how or "halt", "reboot", 1), bootstr)) end
  end

  S.fdmethods.getdents = S.getdents
  return S
end

return M
