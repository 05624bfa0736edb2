-- syscall.linux.sockets: the Linux side of sockets.
--
-- The plain socket calls (socket, bind, connect, accept, send, recv, sendmsg...) are written
-- once in syscall.syscalls; this module adds what needs Linux types or knowledge:
--   * control messages: t.cmsghdr(level, type, data) builds one, cmsg:fds(), cmsg:credentials()
--     read one, `for _, cmsg in msg:cmsgs()` walks those of a received t.msghdr;
--   * t.msghdr{name =, iov =, control =}, which keeps what it points to alive;
--   * typed socket options (SO_LINGER is a t.linger, SO_RCVTIMEO a t.timeval, SO_PEERCRED a
--     t.ucred...) on top of the generic setsockopt/getsockopt;
--   * S.inet_pton / S.inet_ntop / S.inet_aton / S.inet_ntoa, written in Lua over t.in_addr and
--     t.in6_addr (no libc resolver involved);
--   * S.util.sendfds / recvfds / sendcred / recvcmsg (descriptor and credential passing).
--
-- Layout facts (x86_64 and aarch64): a cmsghdr is {size_t len; int level; int type} (16 bytes)
-- and control data is aligned to sizeof(size_t); CMSG_LEN(n) = 16 + n, CMSG_SPACE(n) =
-- 16 + align8(n).

local ffi = require "syscall.ffi"
local h = require "syscall.helpers"
local fdm = require "syscall.fd"
local ss = require "syscall.shared_sockets"

local type, tonumber, error, ipairs, assert =
      type, tonumber, error, ipairs, assert
local type, tonumber = ffi.type or type, ffi.tonumber or tonumber -- PUC Lua: cdata are userdata

-- A control message we build: the header of struct rumpus_lx_cmsghdr (checked against C by
-- tools/abicheck.lua) followed by a variable-length data array.  It is an anonymous type, and
-- its header must lie exactly as the checked one's does.
local cmsgv = ffi.typeof("struct { size_t cmsg_len; int cmsg_level; int cmsg_type; unsigned char cmsg_data[?]; }")
for _, f in ipairs { "cmsg_len", "cmsg_level", "cmsg_type", "cmsg_data" } do
  assert(ffi.offsetof(cmsgv, f) == ffi.offsetof("struct rumpus_lx_cmsghdr", f), "cmsghdr layout: " .. f)
end

local M = {}

-- The metatypes below belong to the host's Linux types, which exist once per Lua state.
local typesdone = false

function M.init(S, env)
  local c, t, pt, s = env.c, env.t, env.pt, env.s
  local getfd = env.getfd or fdm.getfd

  -- Control-message arithmetic -------------------------------------------------------------

  local align, HDR, cmsg_len, cmsg_space = ss.cmsgarith(S, s, ffi.sizeof("size_t"))
  -- The name table for a control message's type, by its level.
  local cmsglevel, cmsgtype = ss.cmsgnames(c, { [c.SOL.SOCKET] = c.SCM, [c.SOL.IP] = c.IP, [c.SOL.IPV6] = c.IPV6 })

  local ucred_p = ffi.typeof("struct rumpus_lx_ucred *")

  -- Methods shared by a built control message (t.cmsghdr) and one read from a received buffer
  -- (pt.cmsghdr); the host's descriptors are received as host descriptor objects.
  local cmsgmethods = ss.cmsgmethods(c, s, HDR, align, function(_, n) return env.fd(n) end)
  function cmsgmethods.iscredentials(cm) return cm.cmsg_level == c.SOL.SOCKET and cm.cmsg_type == c.SCM.CREDENTIALS end
  -- pid, uid, gid of an SCM_CREDENTIALS message, or nil and a message.
  function cmsgmethods.credentials(cm)
    if not cmsgmethods.iscredentials(cm) or cmsgmethods.datalen(cm) < s.ucred then
      return nil, "control message does not hold credentials"
    end
    local u = ffi.cast(ucred_p, cmsgmethods.data(cm))
    return tonumber(u.pid), tonumber(u.uid), tonumber(u.gid)
  end
  local first = not typesdone
  typesdone = true
  if first then
    ffi.metatype(t.cmsghdr, { __index = cmsgmethods, __len = function(cm) return cmsg_space(cmsgmethods.datalen(cm)) end })
  end

  -- t.cmsghdr(level, type, data [, datalen]): one control message, ready for msg.control
  -- (rights, credentials or raw data: see syscall.shared_sockets cmsgmt).
  if first then ffi.metatype(cmsgv, ss.cmsgmt {
    c = c, t = t, s = s, align = align, cmsg_len = cmsg_len, cmsglevel = cmsglevel, cmsgtype = cmsgtype,
    getfd = getfd, methods = cmsgmethods, len = function(cm) return cmsg_space(cmsgmethods.datalen(cm)) end,
    pad = HDR - s.cmsghdr, credentials = true,
  }) end
  t.cmsghdr = cmsgv
  t.cmsg = cmsgv

  if first then ffi.metatype(t.ucred, {
    __new = function(tp, pid, uid, gid)
      local u = ffi.new(tp)
      if type(pid) == "table" then pid, uid, gid = pid.pid or pid[1], pid.uid or pid[2], pid.gid or pid[3] end
      u.pid = pid ~= nil and h.int(pid, "ucred", 1) or S.getpid()
      u.uid = uid ~= nil and h.uint(uid, "ucred", 2) or S.getuid()
      u.gid = gid ~= nil and h.uint(gid, "ucred", 3) or S.getgid()
      return u
    end,
    __tostring = function(u) return "pid=" .. u.pid .. " uid=" .. u.uid .. " gid=" .. u.gid end,
  }) end

  -- t.linger(onoff, seconds) or t.linger{onoff = true, linger = 5}; .onoff is a boolean.
  if first then ffi.metatype(t.linger, ss.lingermt()) end

  -- msghdr ---------------------------------------------------------------------------------

  local mh = ss.msghdr { c = c, t = t, pt = pt, s = s, align = align, cmsg_len = cmsg_len, cmsgv = cmsgv }
  local keep = mh.keep
  -- The kernel writes into a received message's buffers: a Lua string is immutable and shared.
  local gen_recvmsg = S.recvmsg
  function S.recvmsg(fd, msg, flags)
    local k = type(msg) == "cdata" and keep[msg]
    if k and type(k.iov) == "table" and k.iov.readonly then
      error("bad argument #2 to 'recvmsg' (its iov holds a string, which cannot be received into)", 2)
    end
    return gen_recvmsg(fd, msg, flags)
  end
  S.fdmethods.recvmsg = S.fdmethods.recvmsg and S.recvmsg

  local cmsgs = mh.cmsgs
  function mh.methods.credentials(m)
    for _, cm in cmsgs(m) do
      if cm:iscredentials() then return cm:credentials() end
    end
    return nil, "no credentials in message"
  end
  if first then ffi.metatype(t.msghdr, mh.mt) end

  -- Typed socket options ---------------------------------------------------------------------

  local SOL, SO = c.SOL.SOCKET, c.SO
  ss.sockopts(S, c, {
    [SOL] = {
      [SO.LINGER] = t.linger, [SO.RCVTIMEO] = t.timeval, [SO.SNDTIMEO] = t.timeval,
      [SO.PEERCRED] = t.ucred,
    },
  })

  -- Address conversion in Lua -----------------------------------------------------------------

  local AF = c.AF
  ss.inet(S, c, t)
  S.INADDR_ANY = t.in_addr()
  S.INADDR_LOOPBACK = t.in_addr("127.0.0.1")
  S.INADDR_BROADCAST = t.in_addr("255.255.255.255")
  S.in6addr_any = t.in6_addr()
  S.in6addr_loopback = t.in6_addr("::1")

  -- Utilities (merged into S.util) --------------------------------------------------------------

  local util = S.util or {}
  S.util = util

  util.inet_pton, util.inet_ntop = S.inet_pton, S.inet_ntop
  -- inet_name("10.0.0.1/8") or inet_name("fe80::1", 64): the address (t.in_addr or
  -- t.in6_addr) and the prefix length (32 or 128 when none is given); nil when malformed.
  function util.inet_name(src, netmask)
    h.checkstring(src, "inet_name", 1)
    local a, m = src:match("^([^/]*)/(%d+)$")
    if a then
      if netmask ~= nil then return nil end
      src, netmask = a, tonumber(m)
    elseif src:find("/", 1, true) then return nil end
    local v6 = src:find(":", 1, true) ~= nil
    local addr = S.inet_pton(v6 and AF.INET6 or AF.INET, src)
    if not addr then return nil end
    local max = v6 and 128 or 32
    netmask = netmask or max
    if type(netmask) ~= "number" or netmask < 0 or netmask > max or netmask % 1 ~= 0 then return nil end
    return addr, netmask
  end

  -- if_nametoindex(name): the interface's index (SIOCGIFINDEX on a datagram socket).
  function util.if_nametoindex(name)
    h.checkstring(name, "if_nametoindex", 1)
    if #name >= c.IFNAMSIZ then return nil, t.error(c.E.NODEV) end
    local sock, e = S.socket("inet", "dgram, cloexec")
    if not sock then return nil, e end
    local ifr = t.ifreq()
    ffi.copy(ifr.ifr_name, name, #name)
    local ok, e2 = S.ioctl(sock, "SIOCGIFINDEX", ifr)
    sock:close()
    if not ok then return nil, e2 end
    return tonumber(ifr.ifr_ifindex)
  end

  ss.util(S, util, { t = t, s = s, getfd = getfd, credentials = true })
end

return M
