-- syscall.netbsd.sockets: the NetBSD side of sockets, for kernels' syscall tables.
--
-- The plain socket calls are written once in syscall.syscalls; this module gives kernels the
-- same Lua API the host's syscall.linux.sockets gives, over NetBSD's layouts:
--   * control messages: t.cmsghdr(level, type, data) builds one; cmsg:fds(), cmsg:fdnumbers()
--     read SCM_RIGHTS; `for _, cmsg in msg:cmsgs()` walks a received t.msghdr's;
--   * t.msghdr{name =, iov =, control =}, which keeps what it points to alive;
--   * typed socket options: SO_LINGER is a t.linger, SO_RCVTIMEO/SO_SNDTIMEO a t.timeval
--     (NetBSD's {int64_t tv_sec; int tv_usec}, 16 bytes);
--   * S.inet_pton / inet_ntop / inet_aton / inet_ntoa over the NetBSD address types;
--   * M.util(S): sendfds / recvfds / recvcmsg for one kernel's table (rump's k.S.util).
--
-- Layout facts (abi/netbsd constants.tsv, derived rows): a cmsghdr is {socklen_t len;
-- int level; int type} (12 bytes), its data starts at __CMSG_ASIZE = 16; CMSG_LEN(n) = 16 + n,
-- CMSG_SPACE(n) = 16 + align8(n).  NetBSD has no SCM_CREDENTIALS (its SCM_CREDS needs
-- LOCAL_CREDS, which our kernels do not offer), so only rights and raw messages are built.

local ffi = require "syscall.ffi"
local fdm = require "syscall.fd"
local ss = require "syscall.shared_sockets"
local h = require "syscall.helpers"
local bit = require "syscall.bit"

local type, tonumber, error, ipairs, setmetatable, assert, rawget =
      type, tonumber, error, ipairs, setmetatable, assert, rawget
local type, tonumber = ffi.type or type, ffi.tonumber or tonumber -- PUC Lua: cdata are userdata

-- A control message we build: the 12-byte header, padding to 16, then the data.
local cmsgv = ffi.typeof([[struct {
  uint32_t cmsg_len; int cmsg_level; int cmsg_type; int __cmsg_pad; unsigned char cmsg_data[?];
}]])
for _, f in ipairs { "cmsg_len", "cmsg_level", "cmsg_type" } do
  assert(ffi.offsetof(cmsgv, f) == ffi.offsetof("struct rumpus_nb_cmsghdr", f), "cmsghdr layout: " .. f)
end
assert(ffi.offsetof(cmsgv, "cmsg_data") == 16, "cmsghdr data offset")

local M = {}
-- The types' methods are bound once per process (ffi.metatype); everything else is per
-- syscall table, since one process may hold several tables over the NetBSD types (rumpus
-- kernels' and a NetBSD kernel's, rump.netbsd).
local done = false
local keepof

function M.init(S, env)
  local c, t, pt, s = env.c, env.t, env.pt, env.s
  local getfd = env.getfd or fdm.getfd

  -- Control-message arithmetic --------------------------------------------------------------

  local align, HDR, cmsg_len, cmsg_space = ss.cmsgarith(S, s, 8) -- HDR = 16
  if not done then
    done = true
    local cmsglevel, cmsgtype = ss.cmsgnames(c, { [c.SOL.SOCKET] = c.SCM, [c.IPPROTO.IP] = c.IP, [c.IPPROTO.IPV6] = c.IPV6 })


    -- The kernel a received control message came from (its descriptors belong there): set by
    -- recvmsg on the message, handed to each cmsg pointer the walk gives out.
    local owner_of = setmetatable({}, { __mode = "k" })
    local function newfd(cm, n)
      local o = owner_of[cm]
      if o then return fdm.new(o, n) end
      return env.fd(n)
    end

    -- The descriptors of an SCM_RIGHTS message are descriptor objects of the receiving kernel.
    local cmsgmethods = ss.cmsgmethods(c, s, HDR, align, newfd)
    function cmsgmethods.iscredentials() return false end
    function cmsgmethods.credentials() return nil, "control message does not hold credentials" end
    local function cmsgsize(cm) return cmsg_space(cmsgmethods.datalen(cm)) end
    ffi.metatype(t.cmsghdr, { __index = cmsgmethods, __len = cmsgsize })

    -- t.cmsghdr(level, type, data [, datalen]): "socket", "rights", {fd...}; or any level/type
    -- with a string or cdata payload.
    ffi.metatype(cmsgv, ss.cmsgmt {
      c = c, t = t, s = s, align = align, cmsg_len = cmsg_len, cmsglevel = cmsglevel, cmsgtype = cmsgtype,
      getfd = fdm.getfd, methods = cmsgmethods, len = cmsgsize,
    })
    t.cmsghdr_fixed = t.cmsghdr
    t.cmsghdr = cmsgv
    t.cmsg = cmsgv

    -- t.linger(onoff, seconds) or t.linger{onoff = true, linger = 5}; .onoff is a boolean.
    ffi.metatype(t.linger, ss.lingermt())

    -- msghdr -------------------------------------------------------------------------------------

    local mh = ss.msghdr {
      c = c, t = t, pt = pt, s = s, align = align, cmsg_len = cmsg_len, cmsgv = cmsgv,
      onwalk = function(m, cm, keep)
        local k = keep[m]
        if k and k.owner then owner_of[cm] = k.owner end
      end,
    }
    keepof = mh.keepof
    mh.methods.credentials = function() return nil, "no credentials in message" end
    ffi.metatype(t.msghdr, mh.mt)
  end

  -- recvmsg remembers which kernel's descriptors the message's rights are.
  local gen_recvmsg = S.recvmsg
  function S.recvmsg(fd, msg, flags)
    -- The kernel writes into the message's buffers: a Lua string is immutable and shared.
    if type(msg) == "cdata" then
      local k = keepof(msg)
      local io = k and k.iov
      if type(io) == "table" and io.readonly then error("bad argument #2 to 'recvmsg' (its iov holds a string, which cannot be received into)", 2) end
    end
    local r, e = gen_recvmsg(fd, msg, flags)
    if r and type(msg) == "cdata" and ffi.istype(t.msghdr, msg) then
      keepof(msg).owner = fdm.istype(fd) and fd.owner or env.fd(-1).owner
    end
    return r, e
  end

  -- Typed socket options -------------------------------------------------------------------

  local SOL, SO = c.SOL.SOCKET, c.SO
  local IP = c.IP
  ss.sockopts(S, c, { [SOL] = { [SO.LINGER] = t.linger, [SO.RCVTIMEO] = t.timeval, [SO.SNDTIMEO] = t.timeval },
    -- multicast: a table becomes a t.ip_mreq; getsockopt IP_MULTICAST_IF answers a t.in_addr
    [c.IPPROTO.IP] = { [IP.ADD_MEMBERSHIP] = t.ip_mreq, [IP.DROP_MEMBERSHIP] = t.ip_mreq,
      [IP.MULTICAST_IF] = t.in_addr } })

  -- Address conversion in Lua (no resolver) ------------------------------------------------------

  ss.inet(S, c, t)

  M.recvfds_sizes = { hdr = HDR }
  return S
end

-- The socket utilities of one syscall table (a kernel's k.S): they call through that table,
-- so each reaches the right kernel.  Same API as the host's S.util.sendfds / recvfds.
function M.util(S, util)
  -- A kernel's k.S holds its kernel: descriptors of any other table are refused by sendfds.
  local k = rawget(S, "kernel")
  util = ss.util(S, util or {}, { checkmax = true, getfd = k and k.owner and fdm.getfd_of(k.owner) or nil })
  util.inet_pton, util.inet_ntop = S.inet_pton, S.inet_ntop
  -- ljsyscall's NetBSD interface helpers: ifcreate, ifdestroy, ifgetflags, ifsetflags,
  -- ifup, ifdown (SIOCIFCREATE... on a datagram socket, as ljsyscall's util does)
  if S.ioctl and S.socket then
    local nc = require "syscall.netbsd.netcfg"
    local function ifreq_ioctl(name, req, flags)
      h.checkpath(name, "ifreq", 1)
      if #name >= 16 then return nil, S.t.error(S.c.E.INVAL) end
      local ifr = nc.t.ifreq()
      ffi.copy(ifr.ifr_name, name)
      if flags then ifr.ifr_ifru.ifru_flags = flags end
      local so, err = S.socket("inet", "dgram")
      if not so then so, err = S.socket("unix", "dgram") end
      if not so then return nil, err end
      local ok, e = S.ioctl(so, req, ifr)
      so:close()
      if not ok then return nil, e end
      return ifr
    end
    function util.ifcreate(name) local r, e = ifreq_ioctl(name, "SIOCIFCREATE"); if not r then return nil, e end return true end
    function util.ifdestroy(name) local r, e = ifreq_ioctl(name, "SIOCIFDESTROY"); if not r then return nil, e end return true end
    function util.ifgetflags(name)
      local r, e = ifreq_ioctl(name, "SIOCGIFFLAGS")
      if not r then return nil, e end
      return bit.band(tonumber(r.ifr_ifru.ifru_flags), 0xffff)
    end
    function util.ifsetflags(name, flags)
      local r, e = ifreq_ioctl(name, "SIOCSIFFLAGS", h.flag(S.c.IFF, flags, "ifsetflags", 2))
      if not r then return nil, e end
      return true
    end
    function util.ifup(name)
      local f, e = util.ifgetflags(name)
      if not f then return nil, e end
      return util.ifsetflags(name, bit.bor(f, S.c.IFF.UP))
    end
    function util.ifdown(name)
      local f, e = util.ifgetflags(name)
      if not f then return nil, e end
      return util.ifsetflags(name, bit.band(f, bit.bnot(S.c.IFF.UP)))
    end
  end
  return util
end

-- S.util of a kernel's syscall table S, made on first use (from S's __index): syscall.util
-- and the socket utilities over S, so that every call they make reaches S's kernel.
function M.kernel_util(S)
  local u = {}
  rawset(S, "util", u)
  require "syscall.util".init(S)
  M.util(S, u)
  return u
end

return M
