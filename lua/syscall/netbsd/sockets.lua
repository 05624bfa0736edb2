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
-- Layout facts (shared/abi/netbsd constants.tsv, derived rows): a cmsghdr is {socklen_t len;
-- int level; int type} (12 bytes), its data starts at __CMSG_ASIZE = 16; CMSG_LEN(n) = 16 + n,
-- CMSG_SPACE(n) = 16 + align8(n).  NetBSD has no SCM_CREDENTIALS (its SCM_CREDS needs
-- LOCAL_CREDS, which our kernels do not offer), so only rights and raw messages are built.

local ffi = require "ffi"
local bit = require "syscall.bit"
local h = require "syscall.helpers"
local fdm = require "syscall.fd"
local shared = require "syscall.shared_types"

local type, tonumber, tostring, error, ipairs, setmetatable, assert, pcall, math =
      type, tonumber, tostring, error, ipairs, setmetatable, assert, pcall, math
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
local done = false

function M.init(S, env)
  local c, t, pt, s = env.c, env.t, env.pt, env.s
  local getfd = env.getfd or fdm.getfd
  if done then return S end
  done = true

  -- Control-message arithmetic --------------------------------------------------------------

  local ALIGN = 8
  local function align(n) return math.floor((n + ALIGN - 1) / ALIGN) * ALIGN end
  local HDR = align(s.cmsghdr)                 -- 16
  local function cmsg_len(n) return HDR + n end
  local function cmsg_space(n) return HDR + align(n) end
  S.cmsg_len, S.cmsg_space, S.cmsg_align = cmsg_len, cmsg_space, align

  local typetab = { [c.SOL.SOCKET] = c.SCM, [c.IPPROTO.IP] = c.IP, [c.IPPROTO.IPV6] = c.IPV6 }
  local function cmsglevel(v, fname, argn)
    local l = c.SOL[v]
    if l == nil then l = c.IPPROTO[v] end
    if type(l) ~= "number" then
      error("bad argument #" .. argn .. " to '" .. fname .. "' (unknown level " .. tostring(v) .. ")", 3)
    end
    return l
  end
  local function cmsgtype(level, v, fname, argn)
    if type(v) == "number" then return v end
    local tab = typetab[level]
    local n = tab and tab[v]
    if type(n) ~= "number" then
      error("bad argument #" .. argn .. " to '" .. fname .. "' (unknown control message type " .. tostring(v) .. ")", 3)
    end
    return n
  end

  local ints = t.ints
  local int_p = ffi.typeof("int *")
  local uchar_p = ffi.typeof("unsigned char *")

  -- The kernel a received control message came from (its descriptors belong there): set by
  -- recvmsg on the message, handed to each cmsg pointer the walk gives out.
  local owner_of = setmetatable({}, { __mode = "k" })
  local function newfd(cm, n)
    local o = owner_of[cm]
    if o then return fdm.new(o, n) end
    return env.fd(n)
  end

  local cmsgmethods = {}
  function cmsgmethods.len(cm) return tonumber(cm.cmsg_len) end
  function cmsgmethods.datalen(cm) return tonumber(cm.cmsg_len) - HDR end
  function cmsgmethods.data(cm) return ffi.cast(uchar_p, cm) + HDR end
  function cmsgmethods.hdrsize() return HDR end
  function cmsgmethods.align(cm) return align(tonumber(cm.cmsg_len)) end
  function cmsgmethods.level(cm) return cm.cmsg_level end
  function cmsgmethods.type(cm) return cm.cmsg_type end
  function cmsgmethods.isrights(cm) return cm.cmsg_level == c.SOL.SOCKET and cm.cmsg_type == c.SCM.RIGHTS end
  function cmsgmethods.iscredentials() return false end
  function cmsgmethods.credentials() return nil, "control message does not hold credentials" end
  -- The descriptors of an SCM_RIGHTS message as descriptor objects of the receiving kernel.
  function cmsgmethods.fds(cm)
    local n, i, p = 0, 0, nil
    if cmsgmethods.isrights(cm) then
      n = math.floor(cmsgmethods.datalen(cm) / s.int)
      p = ffi.cast(int_p, cmsgmethods.data(cm))
    end
    return function()
      if i < n then
        i = i + 1
        return newfd(cm, p[i - 1])
      end
    end
  end
  function cmsgmethods.fdnumbers(cm)
    local r = {}
    if cmsgmethods.isrights(cm) then
      local p = ffi.cast(int_p, cmsgmethods.data(cm))
      for i = 0, math.floor(cmsgmethods.datalen(cm) / s.int) - 1 do r[#r + 1] = p[i] end
    end
    return r
  end
  local function cmsgsize(cm) return cmsg_space(cmsgmethods.datalen(cm)) end
  ffi.metatype(t.cmsghdr, { __index = cmsgmethods, __len = cmsgsize })

  -- t.cmsghdr(level, type, data [, datalen]): "socket", "rights", {fd...}; or any level/type
  -- with a string or cdata payload.
  ffi.metatype(cmsgv, {
    __index = cmsgmethods,
    __len = cmsgsize,
    __new = function(tp, level, ctype, data, datalen)
      local lv = cmsglevel(level, "cmsghdr", 1)
      local ty = cmsgtype(lv, ctype, "cmsghdr", 2)
      local src
      if lv == c.SOL.SOCKET and ty == c.SCM.RIGHTS and type(data) == "table" then
        local n = #data
        src = ints(n > 0 and n or 1)
        for i, f in ipairs(data) do src[i - 1] = fdm.getfd(f, "cmsghdr", 3) end
        datalen = n * s.int
      elseif type(data) == "string" then
        src, datalen = data, datalen or #data
      elseif type(data) == "cdata" then
        src, datalen = data, datalen or ffi.sizeof(data)
      elseif data == nil then
        src, datalen = nil, datalen or 0
      else
        error("bad argument #3 to 'cmsghdr' (table, string or cdata expected, got " .. type(data) .. ")", 2)
      end
      if type(datalen) ~= "number" or datalen < 0 then
        error("bad argument #4 to 'cmsghdr' (data length unknown)", 2)
      end
      local cm = ffi.new(tp, align(datalen))
      cm.cmsg_len, cm.cmsg_level, cm.cmsg_type = cmsg_len(datalen), lv, ty
      if type(src) ~= "nil" and datalen > 0 then ffi.copy(cm.cmsg_data, src, datalen) end
      return cm
    end,
  })
  t.cmsghdr_fixed = t.cmsghdr
  t.cmsghdr = cmsgv
  t.cmsg = cmsgv

  -- t.linger(onoff, seconds) or t.linger{onoff = true, linger = 5}; .onoff is a boolean.
  ffi.metatype(t.linger, {
    __index = function(l, k)
      if k == "onoff" then return l.l_onoff ~= 0 end
      if k == "linger" then return tonumber(l.l_linger) end
    end,
    __newindex = function(l, k, v)
      if k == "onoff" then l.l_onoff = (v and v ~= 0) and 1 or 0
      elseif k == "linger" then l.l_linger = v
      else error("no field '" .. tostring(k) .. "' in linger", 2) end
    end,
    __new = function(tp, onoff, secs)
      local l = ffi.new(tp)
      if type(onoff) == "table" then onoff, secs = onoff.onoff or onoff.l_onoff or onoff[1], onoff.linger or onoff.l_linger or onoff[2] end
      l.l_onoff = (onoff and onoff ~= 0) and 1 or 0
      l.l_linger = secs or 0
      return l
    end,
  })

  -- msghdr -------------------------------------------------------------------------------------

  local keep = setmetatable({}, { __mode = "k" })
  local function keepof(m)
    local k = keep[m]
    if not k then k = {}; keep[m] = k end
    return k
  end
  local u64s = ffi.typeof("uint64_t[?]")
  local voidp, char_p = ffi.typeof("void *"), ffi.typeof("char *")

  local function lenof(v) return #v end
  local setters = {}
  function setters.name(m, sa)
    if type(sa) == "nil" then m.msg_name, m.msg_namelen = nil, 0; keepof(m).name = nil; return end
    if type(sa) ~= "cdata" then error("bad msghdr name (sockaddr expected, got " .. type(sa) .. ")", 3) end
    local ok, n = pcall(lenof, sa)
    m.msg_name, m.msg_namelen = ffi.cast(voidp, sa), ok and n or ffi.sizeof(sa)
    keepof(m).name = sa
  end
  function setters.iov(m, io)
    if type(io) == "nil" then m.msg_iov, m.msg_iovlen = nil, 0; keepof(m).iov = nil; return end
    if type(io) == "cdata" and ffi.istype(t.iovec, io) then
      m.msg_iov, m.msg_iovlen = io, 1
    elseif type(io) == "table" then
      if not (io.iov and io.count) then io = t.iovecs(io) end
      m.msg_iov, m.msg_iovlen = io.iov, io.count
    else
      error("bad msghdr iov (iovecs expected, got " .. type(io) .. ")", 3)
    end
    keepof(m).iov = io
  end
  -- control: nil; a cmsghdr; a list of them (packed into one buffer); a number (an empty
  -- buffer of that many bytes, to receive into); or any cdata buffer.
  function setters.control(m, v)
    local buf, len
    if type(v) == "nil" then buf, len = nil, 0
    elseif type(v) == "number" then
      buf, len = u64s(math.floor((v + 7) / 8) + 1), v
    elseif type(v) == "cdata" then
      if ffi.istype(cmsgv, v) then buf, len = v, #v else buf, len = v, ffi.sizeof(v) end
    elseif type(v) == "table" then
      local total = 0
      for i, cm in ipairs(v) do
        if type(cm) ~= "cdata" or not ffi.istype(cmsgv, cm) then
          error("bad msghdr control entry " .. i .. " (cmsghdr expected, got " .. type(cm) .. ")", 3)
        end
        total = total + #cm
      end
      buf, len = u64s(math.floor((total + 7) / 8) + 1), total
      local off = 0
      for _, cm in ipairs(v) do
        ffi.copy(ffi.cast(char_p, buf) + off, cm, cmsg_len(cm:datalen()))
        off = off + #cm
      end
    else
      error("bad msghdr control (cmsghdr, list, number or buffer expected, got " .. type(v) .. ")", 3)
    end
    m.msg_control, m.msg_controllen = buf and ffi.cast(voidp, buf) or nil, len
    keepof(m).control = buf
  end

  -- Walking the control messages of a received message (cmsg_firsthdr / cmsg_nxthdr as
  -- ljsyscall; a message whose length is short of a header or runs past the buffer ends it).
  local cmsg_p = pt.cmsghdr
  local function at(m, ptr)
    local base = ffi.cast(char_p, m.msg_control)
    local off = ptr - base
    local total = tonumber(m.msg_controllen)
    if off + s.cmsghdr > total then return nil end
    local cm = ffi.cast(cmsg_p, ptr)
    local l = tonumber(cm.cmsg_len)
    if l < s.cmsghdr or off + l > total then return nil end
    local k = keep[m]
    if k and k.owner then owner_of[cm] = k.owner end
    return ptr, cm
  end
  local function cmsg_firsthdr(m)
    if m.msg_control == nil then return nil end
    return at(m, ffi.cast(char_p, m.msg_control))
  end
  local function cmsg_nxthdr(m, ptr, cm)
    cm = cm or ffi.cast(cmsg_p, ptr)
    return at(m, ffi.cast(char_p, ptr) + align(tonumber(cm.cmsg_len)))
  end
  local function cmsg_iter(m, ptr)
    if ptr == nil then return cmsg_firsthdr(m) end
    return cmsg_nxthdr(m, ptr)
  end
  local function cmsgs(m) return cmsg_iter, m, nil end

  local msgmethods = {
    cmsgs = cmsgs,
    cmsg_firsthdr = cmsg_firsthdr,
    cmsg_nxthdr = cmsg_nxthdr,
    fds = function(m)
      local r = {}
      for _, cm in cmsgs(m) do for f in cm:fds() do r[#r + 1] = f end end
      return r
    end,
    credentials = function() return nil, "no credentials in message" end,
  }
  ffi.metatype(t.msghdr, {
    __index = function(m, k)
      local f = msgmethods[k]
      if f then return f end
      if k == "flags" then return tonumber(m.msg_flags) end
      if k == "controllen" then return tonumber(m.msg_controllen) end
      if k == "namelen" then return tonumber(m.msg_namelen) end
      if k == "name" then
        local sa = keep[m] and keep[m].name
        if type(sa) == "nil" then return nil end
        return t.sa(sa, m.msg_namelen)
      end
      if k == "ctrunc" then return bit.band(m.msg_flags, c.MSG.CTRUNC) ~= 0 end
      if k == "trunc" then return bit.band(m.msg_flags, c.MSG.TRUNC) ~= 0 end
    end,
    __newindex = function(m, k, v)
      local f = setters[k]
      if not f then error("no field '" .. tostring(k) .. "' in msghdr", 2) end
      f(m, v)
    end,
    __new = function(tp, tab)
      local m = ffi.new(tp)
      if tab == nil then return m end
      if type(tab) ~= "table" then error("bad argument #1 to 'msghdr' (table expected, got " .. type(tab) .. ")", 2) end
      if type(tab.name) ~= "nil" or type(tab.msg_name) ~= "nil" then setters.name(m, tab.name or tab.msg_name) end
      if type(tab.iov) ~= "nil" then setters.iov(m, tab.iov) end
      if type(tab.control) ~= "nil" then setters.control(m, tab.control) end
      if type(tab.msg_control) ~= "nil" then
        setters.control(m, tab.msg_control)
        if tab.msg_controllen then m.msg_controllen = tab.msg_controllen end
      end
      if tab.flags or tab.msg_flags then m.msg_flags = c.MSG[tab.flags or tab.msg_flags] end
      return m
    end,
  })

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
  local typed = { [SOL] = { [SO.LINGER] = t.linger, [SO.RCVTIMEO] = t.timeval, [SO.SNDTIMEO] = t.timeval } }
  S.sockopt_types = typed
  local function levelnum(l) local v = c.SOL[l]; if v == nil then v = c.IPPROTO[l] end return v end
  local function optnum(lv, name)
    local tab = S.sockopt_levels[lv]
    local v = tab and tab[name]
    if v == nil and type(name) == "number" then v = name end
    return v
  end
  local gen_set, gen_get = S.setsockopt, S.getsockopt
  function S.setsockopt(fd, lvl, name, val, len)
    local lv = levelnum(lvl)
    local ct = lv and typed[lv] and typed[lv][optnum(lv, name)]
    if ct and (type(val) == "number" or type(val) == "table") then
      local ok, v = pcall(ct, val)
      if not ok or type(v) ~= "cdata" then
        error("bad argument #4 to 'setsockopt' (" .. tostring(ct) .. " value expected)", 2)
      end
      val = v
    end
    return gen_set(fd, lvl, name, val, len)
  end
  function S.getsockopt(fd, lvl, name, val, len)
    if type(val) == "nil" then
      local lv = levelnum(lvl)
      local ct = lv and typed[lv] and typed[lv][optnum(lv, name)]
      if ct then
        local v, e = gen_get(fd, lvl, name, ffi.new(ct), ffi.sizeof(ct))
        if not v then return nil, e end
        return v
      end
    end
    return gen_get(fd, lvl, name, val, len)
  end

  -- Address conversion in Lua (no resolver) ------------------------------------------------------

  local AF = c.AF
  local function family(af, fname)
    local v = AF[af]
    if v ~= AF.INET and v ~= AF.INET6 then
      error("bad argument #1 to '" .. fname .. "' (AF_INET or AF_INET6 expected, got " .. tostring(af) .. ")", 3)
    end
    return v
  end
  function S.inet_pton(af, src, addr)
    af = family(af, "inet_pton")
    h.checkstring(src, "inet_pton", 2)
    local ct = af == AF.INET and t.in_addr or t.in6_addr
    if af == AF.INET then
      if not shared.parse4(src) then return nil end
    elseif not shared.parse6(src) then return nil end
    local a = ct(src)
    if addr then ffi.copy(addr, a, ffi.sizeof(ct)); return addr end
    return a
  end
  function S.inet_ntop(af, src)
    af = family(af, "inet_ntop")
    if type(src) ~= "cdata" then h.argerror("inet_ntop", 2, "address", src) end
    if af == AF.INET then return tostring(t.in_addr(src)) end
    return tostring(t.in6_addr(src))
  end
  function S.inet_aton(src)
    h.checkstring(src, "inet_aton", 1)
    if not shared.parse4(src) then return nil end
    return t.in_addr(src)
  end
  function S.inet_ntoa(a)
    if type(a) ~= "cdata" then h.argerror("inet_ntoa", 1, "in_addr", a) end
    return tostring(t.in_addr(a))
  end

  M.recvfds_sizes = { hdr = HDR }
  return S
end

-- The socket utilities of one syscall table (a kernel's k.S): they call through that table,
-- so each reaches the right kernel.  Same API as the host's S.util.sendfds / recvfds.
function M.util(S, util)
  util = util or {}
  local t, s = S.t, S.s
  local getfd = fdm.getfd
  -- sendfds(sock, fd...): sends the descriptors over a connected unix socket with one byte.
  function util.sendfds(sock, ...)
    local list = { ... }
    if #list == 0 then error("bad argument #2 to 'sendfds' (descriptor expected, got no value)", 2) end
    for i, f in ipairs(list) do getfd(f, "sendfds", i + 1) end
    local msg = t.msghdr{ iov = { "\0" }, control = t.cmsghdr("socket", "rights", list) }
    return S.sendmsg(sock, msg, 0)
  end
  -- recvfds(sock [, max [, flags]]): the descriptors of the next message (a list of descriptor
  -- objects, .truncated set when the kernel dropped some for lack of room) and its data.
  function util.recvfds(sock, max, flags)
    getfd(sock, "recvfds", 1)
    max = max or 16
    if type(max) ~= "number" or max < 1 then error("bad argument #2 to 'recvfds' (positive count expected)", 2) end
    local data = t.buffer(256)
    local msg = t.msghdr{ iov = { { data, 256 } }, control = S.cmsg_space(max * s.int) }
    msg.msg_controllen = S.cmsg_len(max * s.int)
    local n, e = S.recvmsg(sock, msg, flags)
    if not n then return nil, e end
    local fds = msg:fds()
    if msg.ctrunc then fds.truncated = true end
    return fds, ffi.string(data, n)
  end
  -- recvcmsg(sock [, msg [, flags]]): { count, data, fd = {...}, flags }.
  function util.recvcmsg(sock, msg, flags)
    local data
    if type(msg) == "nil" then
      data = t.buffer(4096)
      msg = t.msghdr{ iov = { { data, 4096 } }, control = 1024 }
    end
    local n, e = S.recvmsg(sock, msg, flags)
    if not n then return nil, e end
    local ret = { count = n, fd = {}, flags = msg.flags, iovec = msg.msg_iov }
    if data then ret.data = ffi.string(data, n) end
    for _, cm in msg:cmsgs() do
      for f in cm:fds() do ret.fd[#ret.fd + 1] = f end
    end
    return ret
  end
  util.inet_pton, util.inet_ntop = S.inet_pton, S.inet_ntop
  return util
end

return M
