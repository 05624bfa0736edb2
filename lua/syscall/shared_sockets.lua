-- syscall.shared_sockets: the socket helpers written once for every target's layouts.
--
-- syscall.linux.sockets (the host) and syscall.netbsd.sockets (rump kernels) differ in their
-- control-message header (size, alignment), in credentials and in which kernel owns received
-- descriptors; everything else is here, parameterised by the target's types (t, pt, s),
-- constants (c) and CMSG alignment:
--   * cmsgarith: CMSG_LEN / CMSG_SPACE / alignment (S.cmsg_len, S.cmsg_space, S.cmsg_align);
--   * cmsgnames: level and type names of a control message we build;
--   * cmsgmethods: methods of a control message (len, data, fds, fdnumbers...);
--   * msghdr: t.msghdr's setters (name, iov, control), the walk over a received message's
--     control messages (cmsg_firsthdr / cmsg_nxthdr / cmsgs) and its metatable;
--   * lingermt: t.linger's metatable;
--   * sockopts: typed socket options over the generic setsockopt/getsockopt;
--   * inet: S.inet_pton / inet_ntop / inet_aton / inet_ntoa in Lua (no resolver);
--   * util: sendfds / recvfds / recvcmsg (and sendcred where the target has credentials).

local ffi = require "syscall.ffi"
local bit = require "syscall.bit"
local h = require "syscall.helpers"
local fdm = require "syscall.fd"
local shared = require "syscall.shared_types"

local type, tonumber, tostring, error, ipairs, setmetatable, pcall, math =
      type, tonumber, tostring, error, ipairs, setmetatable, pcall, math
local type, tonumber = ffi.type or type, ffi.tonumber or tonumber -- PUC Lua: cdata are userdata

local M = {}

local int_p = ffi.typeof("int *")
local uchar_p = ffi.typeof("unsigned char *")
local char_p = ffi.typeof("char *")
local voidp = ffi.typeof("void *")
local u64s = ffi.typeof("uint64_t[?]")

-- Control-message arithmetic: data aligned to ALIGN bytes after a header of s.cmsghdr bytes.
-- Sets S.cmsg_len, S.cmsg_space, S.cmsg_align; returns align, HDR, cmsg_len, cmsg_space.
function M.cmsgarith(S, s, ALIGN)
  local function align(n) return math.floor((n + ALIGN - 1) / ALIGN) * ALIGN end
  local HDR = align(s.cmsghdr)
  local function cmsg_len(n) return HDR + n end
  local function cmsg_space(n) return HDR + align(n) end
  local function count(n, fname)
    return h.checkint(n, fname, 1, 0, 2147483647)
  end
  S.cmsg_len = function(n) return cmsg_len(count(n, "cmsg_len")) end
  S.cmsg_space = function(n) return cmsg_space(count(n, "cmsg_space")) end
  S.cmsg_align = function(n) return align(count(n, "cmsg_align")) end
  return align, HDR, cmsg_len, cmsg_space
end

-- cmsglevel(v, fname, argn) and cmsgtype(level, v, fname, argn): a control message's level
-- and type as numbers; typetab gives the name table of the types by level.
function M.cmsgnames(c, typetab)
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
  return cmsglevel, cmsgtype
end

-- Methods shared by a built control message (t.cmsghdr) and one read from a received buffer
-- (pt.cmsghdr).  newfd(cm, n) makes the descriptor object of a received descriptor number.
function M.cmsgmethods(c, s, HDR, align, newfd)
  local cm_ = {}
  function cm_.len(cm) return tonumber(cm.cmsg_len) end
  function cm_.datalen(cm) return tonumber(cm.cmsg_len) - HDR end
  function cm_.data(cm) return ffi.cast(uchar_p, cm) + HDR end
  function cm_.hdrsize() return HDR end
  function cm_.align(cm) return align(tonumber(cm.cmsg_len)) end
  function cm_.level(cm) return cm.cmsg_level end
  function cm_.type(cm) return cm.cmsg_type end
  function cm_.isrights(cm) return cm.cmsg_level == c.SOL.SOCKET and cm.cmsg_type == c.SCM.RIGHTS end
  -- Iterator over the descriptors of an SCM_RIGHTS message, as descriptor objects (each is
  -- closed by the GC unless closed by hand or nogc'd).  Nothing for other messages.
  function cm_.fds(cm)
    local n, i, p = 0, 0, nil
    if cm_.isrights(cm) then
      n = math.floor(cm_.datalen(cm) / s.int)
      p = ffi.cast(int_p, cm_.data(cm))
    end
    return function()
      if i < n then
        i = i + 1
        return newfd(cm, p[i - 1])
      end
    end
  end
  -- The descriptor numbers of an SCM_RIGHTS message, as plain numbers (nothing owns them).
  function cm_.fdnumbers(cm)
    local r = {}
    if cm_.isrights(cm) then
      local p = ffi.cast(int_p, cm_.data(cm))
      for i = 0, math.floor(cm_.datalen(cm) / s.int) - 1 do r[#r + 1] = p[i] end
    end
    return r
  end
  return cm_
end

-- The metatable of cmsgv, the type of a control message we build:
-- t.cmsghdr(level, type, data [, datalen]), ready for msg.control.
--   level: "socket", "ip", "ipv6" or a number; type: "rights" (o.credentials: "credentials")
--   or a number.  data: for RIGHTS a list of descriptors (objects or numbers); for
--   CREDENTIALS a t.ucred or {pid =, uid =, gid =}; else a string or a cdata (with datalen).
-- o: c, t, s, align, cmsg_len, cmsglevel, cmsgtype, getfd, methods, len (the __len),
-- pad (bytes between the header and the data beyond s.cmsghdr's, when the type has no
-- padding field), credentials.
-- The descriptor objects an SCM_RIGHTS message was built from (weak keys: message -> list),
-- and those of a msghdr's control (msghdr -> list): sendmsg checks that each belongs to the
-- table sending it (a number is the caller's; an object of another kernel would send the
-- sender's own file of that number).
local rights = setmetatable({}, { __mode = "k" })
M.rights = rights

function M.cmsgmt(o)
  local c, t, s, align, cmsg_len, cmsglevel, cmsgtype, getfd = o.c, o.t, o.s, o.align, o.cmsg_len, o.cmsglevel, o.cmsgtype, o.getfd
  local ints, pad, creds = t.ints, o.pad or 0, o.credentials
  return {
    __index = o.methods,
    __len = o.len,
    __new = function(tp, level, ctype, data, datalen)
      local lv = cmsglevel(level, "cmsghdr", 1)
      local ty = cmsgtype(lv, ctype, "cmsghdr", 2)
      local src, objs
      if lv == c.SOL.SOCKET and ty == c.SCM.RIGHTS and type(data) == "table" then
        local n = #data
        src = ints(n > 0 and n or 1)
        for i, f in ipairs(data) do
          src[i - 1] = getfd(f, "cmsghdr", 3)
          if fdm.istype(f) then objs = objs or {}; objs[#objs + 1] = f end
        end
        datalen = n * s.int
      elseif creds and lv == c.SOL.SOCKET and ty == c.SCM.CREDENTIALS and type(data) == "table" then
        src = t.ucred(data)
        datalen = s.ucred
      elseif type(data) == "string" then
        src, datalen = data, datalen or #data
      elseif type(data) == "cdata" then
        if datalen ~= nil and (type(datalen) ~= "number" or datalen ~= datalen or datalen % 1 ~= 0) then
          error("bad argument #4 to 'cmsghdr' (integer expected, got " .. h.describe(datalen) .. ")", 2)
        end
        if not h.copyable(data, datalen or 0) then
          error("bad argument #3 to 'cmsghdr' (data: an array or structure" .. (datalen and (" of " .. datalen .. " bytes") or "") ..
            " expected, got " .. h.describe(data) .. ")", 2)
        end
        src, datalen = data, datalen or ffi.sizeof(data)
      elseif data == nil then
        src, datalen = nil, datalen or 0
      else
        error("bad argument #3 to 'cmsghdr' (table, string or cdata expected, got " .. type(data) .. ")", 2)
      end
      if type(datalen) ~= "number" or datalen < 0 then
        error("bad argument #4 to 'cmsghdr' (data length unknown)", 2)
      end
      local cm = ffi.new(tp, align(datalen) + pad)
      cm.cmsg_len, cm.cmsg_level, cm.cmsg_type = cmsg_len(datalen), lv, ty
      if type(src) ~= "nil" and datalen > 0 then ffi.copy(cm.cmsg_data, src, datalen) end
      if objs then rights[cm] = objs end
      return cm
    end,
  }
end

-- t.msghdr's machinery.  o: c, t, pt, s, align, cmsg_len, cmsgv (the type of a control
-- message we build), onwalk(m, cm, keep) (optional: called on each control message the walk
-- gives out).  Returns a table: keep (what each message points to, kept alive by message),
-- keepof(m), setters, cmsgs, cmsg_firsthdr, cmsg_nxthdr, methods (the message's methods, to
-- which the caller adds credentials) and mt (the metatable for t.msghdr).
function M.msghdr(o)
  local c, t, pt, s, align, cmsg_len, cmsgv, onwalk = o.c, o.t, o.pt, o.s, o.align, o.cmsg_len, o.cmsgv, o.onwalk
  local keep = setmetatable({}, { __mode = "k" })
  local function keepof(m)
    local k = keep[m]
    if not k then k = {}; keep[m] = k end
    return k
  end

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
      if not (io.iov and io.count) then io = t.iovecs(io)
      elseif type(io.iov) ~= "cdata" or h.ckind(io.iov) ~= "array" or type(io.count) ~= "number" or io.count < 0
          or io.count * ffi.sizeof(t.iovec) > ffi.sizeof(io.iov) then
        error("bad msghdr iov (iovecs count does not fit its array)", 3)
      end
      m.msg_iov, m.msg_iovlen = io.iov, io.count
    else
      error("bad msghdr iov (iovecs expected, got " .. type(io) .. ")", 3)
    end
    keepof(m).iov = io
  end
  -- control: nil; a cmsghdr; a list of them (packed into one buffer); a number (an empty
  -- buffer of that many bytes, to receive into); or any cdata buffer (its size is the length).
  function setters.control(m, v)
    local buf, len
    local objs
    if type(v) == "cdata" and rights[v] then objs = rights[v]
    elseif type(v) == "table" then
      for _, cm in ipairs(v) do
        local r = rights[cm]
        if r then
          objs = objs or {}
          for _, f in ipairs(r) do objs[#objs + 1] = f end
        end
      end
    end
    rights[m] = objs
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

  -- Walking the control messages in a message's buffer (after recvmsg: as the kernel filled
  -- it).  As ljsyscall: cmsg_firsthdr(msg) and cmsg_nxthdr(msg, ptr, cmsg) give (char pointer,
  -- cmsghdr pointer) or nil, and `for ptr, cmsg in msg:cmsgs() do` visits each.  A message
  -- whose length is short of a header or runs past the buffer ends the walk.
  local cmsg_p = pt.cmsghdr
  local function at(m, ptr)
    local base = ffi.cast(char_p, m.msg_control)
    local off = ptr - base
    local total = tonumber(m.msg_controllen)
    if off + s.cmsghdr > total then return nil end
    local cm = ffi.cast(cmsg_p, ptr)
    local l = tonumber(cm.cmsg_len)
    if l < s.cmsghdr or off + l > total then return nil end
    if onwalk then onwalk(m, cm, keep) end
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
    -- All descriptors received (objects), across the message's SCM_RIGHTS messages.
    fds = function(m)
      local r = {}
      for _, cm in cmsgs(m) do for f in cm:fds() do r[#r + 1] = f end end
      return r
    end,
  }
  local mt = {
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
  }
  return {
    keep = keep, keepof = keepof, setters = setters, cmsgs = cmsgs, cmsg_firsthdr = cmsg_firsthdr,
    cmsg_nxthdr = cmsg_nxthdr, methods = msgmethods, mt = mt,
  }
end

-- t.linger(onoff, seconds) or t.linger{onoff = true, linger = 5}; .onoff is a boolean.
function M.lingermt()
  return {
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
  }
end

-- Typed socket options: typed[level][option] is the struct type of the option's value;
-- getsockopt returns the struct, setsockopt converts a number or table to it.  Wraps
-- S.setsockopt / S.getsockopt and sets S.sockopt_types.
function M.sockopts(S, c, typed)
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
end

-- Address conversion in Lua over t.in_addr / t.in6_addr (no resolver).
function M.inet(S, c, t)
  local AF = c.AF
  local function family(af, fname)
    local v = AF[af]
    if v ~= AF.INET and v ~= AF.INET6 then
      error("bad argument #1 to '" .. fname .. "' (AF_INET or AF_INET6 expected, got " .. tostring(af) .. ")", 3)
    end
    return v
  end
  -- inet_pton(af, "text" [, addr]): a t.in_addr / t.in6_addr, or nil when the text is not an
  -- address of that family (as inet_pton returning 0).
  function S.inet_pton(af, src, addr)
    af = family(af, "inet_pton")
    h.checkstring(src, "inet_pton", 2)
    local ct = af == AF.INET and t.in_addr or t.in6_addr
    if af == AF.INET then
      if not shared.parse4(src) then return nil end
    elseif not shared.parse6(src) then return nil end
    if addr ~= nil and not h.copyable(addr, ffi.sizeof(ct)) then
      error("bad argument #3 to 'inet_pton' (an address structure or array of " .. ffi.sizeof(ct) .. " bytes expected, got " ..
        h.describe(addr) .. ")", 2)
    end
    local a = ct(src)
    if addr then ffi.copy(addr, a, ffi.sizeof(ct)); return addr end
    return a
  end
  -- inet_ntop(af, addr): the text of an address (in_addr, in6_addr, or an array or structure
  -- holding its bytes; a pointer is refused, as the size behind it is unknown).
  function S.inet_ntop(af, src)
    af = family(af, "inet_ntop")
    if not h.copyable(src, af == AF.INET and 4 or 16) then h.argerror("inet_ntop", 2, "address", src) end
    if af == AF.INET then return tostring(t.in_addr(src)) end
    return tostring(t.in6_addr(src))
  end
  -- inet_aton accepts only dotted quads here (not the historic "127.1" forms).
  function S.inet_aton(src)
    h.checkstring(src, "inet_aton", 1)
    if not shared.parse4(src) then return nil end
    return t.in_addr(src)
  end
  function S.inet_ntoa(a)
    if not h.copyable(a, 4) then h.argerror("inet_ntoa", 1, "in_addr", a) end
    return tostring(t.in_addr(a))
  end
end

-- Descriptor passing over one syscall table S (calls go through S, so through its kernel).
-- o.credentials: the target has SCM_CREDENTIALS (adds sendcred, and pid/uid/gid in
-- recvcmsg's result); o.checkmax: recvfds checks its count argument.
function M.util(S, util, o)
  local t, s = o.t or S.t, o.s or S.s
  local getfd = o.getfd or fdm.getfd
  -- sendfds(sock, fd...): sends the descriptors over a connected unix socket with one byte.
  function util.sendfds(sock, ...)
    local list = { ... }
    if #list == 0 then error("bad argument #2 to 'sendfds' (descriptor expected, got no value)", 2) end
    for i, f in ipairs(list) do getfd(f, "sendfds", i + 1) end
    local msg = t.msghdr{ iov = { "\0" }, control = t.cmsghdr("socket", "rights", list) }
    return S.sendmsg(sock, msg, 0)
  end
  -- recvfds(sock [, max [, flags]]): the descriptors of the next message (a list of descriptor
  -- objects, with .truncated set when the kernel dropped some for lack of room) and its data.
  function util.recvfds(sock, max, flags)
    getfd(sock, "recvfds", 1)
    max = max or 16
    if type(max) ~= "number" or max ~= max or max % 1 ~= 0 or max < 1 or max > 4096 then
      error("bad argument #2 to 'recvfds' (positive count expected, got " .. tostring(max) .. ")", 2)
    end
    local data = t.buffer(256)
    local msg = t.msghdr{ iov = { { data, 256 } }, control = S.cmsg_space(max * s.int) }
    msg.msg_controllen = S.cmsg_len(max * s.int) -- the kernel fills what fits: exactly max
    local n, e = S.recvmsg(sock, msg, flags)
    if not n then return nil, e end
    local fds = msg:fds()
    if msg.ctrunc then fds.truncated = true end
    return fds, ffi.string(data, n)
  end
  if o.credentials then
    -- sendcred(sock [, pid, uid, gid]): sends SCM_CREDENTIALS (default: this process's).
    function util.sendcred(sock, pid, uid, gid)
      local msg = t.msghdr{ iov = { "\0" }, control = t.cmsghdr("socket", "credentials", t.ucred(pid, uid, gid)) }
      return S.sendmsg(sock, msg, 0)
    end
  end
  -- recvcmsg(sock [, msg [, flags]]): receives one message and returns a table:
  --   count, data (the bytes, when msg was not given), pid/uid/gid (credentials, if any, where
  --   the target has them), fd (list of received descriptors), flags.
  local creds = o.credentials
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
      if creds and cm:iscredentials() then ret.pid, ret.uid, ret.gid = cm:credentials() end
      for f in cm:fds() do ret.fd[#ret.fd + 1] = f end
    end
    return ret
  end
  return util
end

return M
