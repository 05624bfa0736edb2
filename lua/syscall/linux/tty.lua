-- syscall.linux.tty: terminals and pseudo-terminals on Linux, ljsyscall's API.
--
--   S.posix_openpt(flags) -> fd (the master, /dev/ptmx)    S.openpt is the same
--   S.grantpt(fd), S.unlockpt(fd) -> true                  S.ptsname(fd) -> "/dev/pts/N"
--   S.isatty(fd) -> true or false, err                     S.tcgetsid(fd) -> sid
--   S.tcgetattr(fd) -> t.termios                           S.tcsetattr(fd, "now"|"drain"|"flush", termios)
--   S.tcsendbreak(fd, duration), S.tcdrain(fd), S.tcflush(fd, "iflush"|"oflush"|"ioflush"),
--   S.tcflow(fd, "ooff"|"oon"|"ioff"|"ion"), S.tcgetpgrp(fd), S.tcsetpgrp(fd, pgrp)
-- All are descriptor methods too (pts:tcgetattr()).  t.termios has the flag words iflag,
-- oflag, cflag, lflag, the array cc (indexed by c.CC names: termios.cc[c.CC.VMIN]),
-- ispeed/ospeed/speed (in baud: termios.speed = 115200) and makeraw().
-- Everything goes through the kernel's ioctls (TCGETS, TIOCGPTN...), as glibc does; grantpt
-- has nothing to do with devpts and just checks the descriptor is a master.

local ffi = require "syscall.ffi"
local h = require "syscall.helpers"
local bit = require "syscall.bit"

local type, tonumber, tostring, error, pairs = type, tonumber, tostring, error, pairs
local type, tonumber = ffi.type or type, ffi.tonumber or tonumber -- PUC Lua: cdata are userdata

local M = {}

local function octal(s) return tonumber(s, 8) end

local function constants(c)
  if c.TCSA then return end
  c.TCSA = h.strflag({ NOW = 0, DRAIN = 1, FLUSH = 2 }, "TCSA")
  c.TCFLUSH = h.strflag({ IFLUSH = 0, OFLUSH = 1, IOFLUSH = 2 }, "TCFLUSH", "TC")
  c.TCFLOW = h.strflag({ OOFF = 0, OON = 1, IOFF = 2, ION = 3 }, "TCFLOW", "TC")
  c.CC = h.strflag({ VINTR = 0, VQUIT = 1, VERASE = 2, VKILL = 3, VEOF = 4, VTIME = 5, VMIN = 6,
    VSWTC = 7, VSTART = 8, VSTOP = 9, VSUSP = 10, VEOL = 11, VREPRINT = 12, VDISCARD = 13,
    VWERASE = 14, VLNEXT = 15, VEOL2 = 16 }, "CC", "")
  c.IFLAG = h.multiflags({ IGNBRK = octal "1", BRKINT = octal "2", IGNPAR = octal "4",
    PARMRK = octal "10", INPCK = octal "20", ISTRIP = octal "40", INLCR = octal "100",
    IGNCR = octal "200", ICRNL = octal "400", IUCLC = octal "1000", IXON = octal "2000",
    IXANY = octal "4000", IXOFF = octal "10000", IMAXBEL = octal "20000", IUTF8 = octal "40000" }, "IFLAG", "")
  c.OFLAG = h.multiflags({ OPOST = octal "1", OLCUC = octal "2", ONLCR = octal "4", OCRNL = octal "10",
    ONOCR = octal "20", ONLRET = octal "40", OFILL = octal "100", OFDEL = octal "200" }, "OFLAG", "")
  c.CFLAG = h.multiflags({ CSIZE = octal "60", CS5 = 0, CS6 = octal "20", CS7 = octal "40",
    CS8 = octal "60", CSTOPB = octal "100", CREAD = octal "200", PARENB = octal "400",
    PARODD = octal "1000", HUPCL = octal "2000", CLOCAL = octal "4000", CBAUD = octal "10017",
    CBAUDEX = octal "10000", CIBAUD = octal "2003600000", CRTSCTS = octal "20000000000" }, "CFLAG", "")
  c.LFLAG = h.multiflags({ ISIG = octal "1", ICANON = octal "2", XCASE = octal "4", ECHO = octal "10",
    ECHOE = octal "20", ECHOK = octal "40", ECHONL = octal "100", NOFLSH = octal "200",
    TOSTOP = octal "400", ECHOCTL = octal "1000", ECHOPRT = octal "2000", ECHOKE = octal "4000",
    FLUSHO = octal "10000", PENDIN = octal "40000", IEXTEN = octal "100000", EXTPROC = octal "200000" }, "LFLAG", "")
  -- Speeds: c.B[115200] == B115200, as ljsyscall's.
  local B = { [0] = 0, [50] = 1, [75] = 2, [110] = 3, [134] = 4, [150] = 5, [200] = 6, [300] = 7,
    [600] = 8, [1200] = 9, [1800] = 10, [2400] = 11, [4800] = 12, [9600] = 13, [19200] = 14,
    [38400] = 15, [57600] = octal "10001", [115200] = octal "10002", [230400] = octal "10003",
    [460800] = octal "10004", [500000] = octal "10005", [576000] = octal "10006",
    [921600] = octal "10007", [1000000] = octal "10010", [1152000] = octal "10011",
    [1500000] = octal "10012", [2000000] = octal "10013", [2500000] = octal "10014",
    [3000000] = octal "10015", [3500000] = octal "10016", [4000000] = octal "10017" }
  c.B = B
end

-- ioctl request numbers (the same on x86_64 and arm64).
local TCGETS, TCSETS, TCSBRK, TCXONC, TCFLSH = 0x5401, 0x5402, 0x5409, 0x540A, 0x540B
local TIOCGPGRP, TIOCSPGRP, TIOCGSID = 0x540F, 0x5410, 0x5429
local TIOCGPTN, TIOCSPTLCK = 0x80045430, 0x40045431

ffi.cdef [[
struct rumpus_lx_termios { unsigned int c_iflag, c_oflag, c_cflag, c_lflag; unsigned char c_line; unsigned char c_cc[19]; };
]]

function M.init(S, env)
  local C, c, t = env.C, env.c, env.t
  constants(c)
  local err = t.error
  local errno = env.errno or ffi.errno
  local getfd, flag = env.getfd, h.flag
  local retbool, retnum = S.retbool, S.retnum
  local function fail() return nil, err(errno()) end
  local voidp = ffi.typeof("void *")
  local int1 = t.int1

  local function ioctl(fd, req, arg, fname)
    return C.ioctl(getfd(fd, fname, 1), req, arg == nil and nil or ffi.cast(voidp, arg))
  end
  -- The int-valued ioctls take the value itself as the argument.
  local function ioctlv(fd, req, v, fname)
    return C.ioctl(getfd(fd, fname, 1), req, ffi.cast(voidp, v))
  end

  local speeds = {}
  for baud, code in pairs(c.B) do speeds[code] = baud end
  local CBAUD, CIBAUD = c.CFLAG.CBAUD, c.CFLAG.CIBAUD
  local function speedcode(v)
    local code = c.B[v]
    if code == nil then error("termios: unknown speed " .. tostring(v), 3) end
    return code
  end
  local methods = {}
  function methods.makeraw(tio)
    local I, L = c.IFLAG, c.LFLAG
    tio.c_iflag = bit.band(tio.c_iflag, bit.bnot(bit.bor(I.IGNBRK, I.BRKINT, I.PARMRK, I.ISTRIP, I.INLCR,
      I.IGNCR, I.ICRNL, I.IXON)))
    tio.c_oflag = bit.band(tio.c_oflag, bit.bnot(c.OFLAG.OPOST))
    tio.c_lflag = bit.band(tio.c_lflag, bit.bnot(bit.bor(L.ECHO, L.ECHONL, L.ICANON, L.ISIG, L.IEXTEN)))
    tio.c_cflag = bit.bor(bit.band(tio.c_cflag, bit.bnot(bit.bor(c.CFLAG.CSIZE, c.CFLAG.PARENB))), c.CFLAG.CS8)
    tio.c_cc[c.CC.VMIN] = 1
    tio.c_cc[c.CC.VTIME] = 0
    return tio
  end
  local function ospeed(tio) return speeds[bit.band(tio.c_cflag, CBAUD)] end
  local function ispeed(tio)
    local i = bit.rshift(bit.band(tio.c_cflag, CIBAUD), 16)
    if i == 0 then return ospeed(tio) end
    return speeds[i]
  end
  local fields = { iflag = "c_iflag", oflag = "c_oflag", cflag = "c_cflag", lflag = "c_lflag",
    line = "c_line", cc = "c_cc" }
  t.termios = ffi.metatype("struct rumpus_lx_termios", {
    __index = function(tio, k)
      local f = fields[k]
      if f then
        if f == "c_cc" then return tio.c_cc end
        return tonumber(tio[f])
      end
      if k == "ospeed" or k == "speed" then return ospeed(tio) end
      if k == "ispeed" then return ispeed(tio) end
      return methods[k]
    end,
    __newindex = function(tio, k, v)
      local f = fields[k]
      if f and f ~= "c_cc" then tio[f] = v; return end
      if k == "speed" or k == "ospeed" or k == "ispeed" then
        local code = speedcode(v)
        local cf = bit.band(tio.c_cflag, bit.bnot(CBAUD))
        if k == "ispeed" then
          tio.c_cflag = bit.bor(bit.band(cf, bit.bnot(CIBAUD)), bit.band(tio.c_cflag, CBAUD), bit.lshift(code, 16))
        else
          -- speed sets both; ospeed keeps a different input speed where one was set.
          if k == "speed" then cf = bit.band(cf, bit.bnot(CIBAUD)) end
          tio.c_cflag = bit.bor(cf, code)
        end
        return
      end
      error("termios has no field '" .. tostring(k) .. "'", 2)
    end,
  })

  function S.tcgetattr(fd, tio)
    tio = h.outstruct(t.termios, tio, "tcgetattr", 2)
    if ioctl(fd, TCGETS, tio, "tcgetattr") == -1 then return fail() end
    return tio
  end
  function S.tcsetattr(fd, when, tio)
    local w = flag(c.TCSA, when or "now", "tcsetattr", 2)
    if not (type(tio) == "cdata" and ffi.istype(t.termios, tio)) then h.argerror("tcsetattr", 3, "t.termios", tio) end
    return retbool(ioctl(fd, TCSETS + w, tio, "tcsetattr"))
  end
  function S.isatty(fd)
    local tio = t.termios()
    if ioctl(fd, TCGETS, tio, "isatty") == -1 then return false, err(errno()) end
    return true
  end
  function S.tcsendbreak(fd, duration)
    h.optint(duration, "tcsendbreak", 2, 0)
    return retbool(ioctlv(fd, TCSBRK, 0, "tcsendbreak"))
  end
  function S.tcdrain(fd) return retbool(ioctlv(fd, TCSBRK, 1, "tcdrain")) end
  function S.tcflush(fd, queue)
    return retbool(ioctlv(fd, TCFLSH, flag(c.TCFLUSH, queue, "tcflush", 2), "tcflush"))
  end
  function S.tcflow(fd, action)
    return retbool(ioctlv(fd, TCXONC, flag(c.TCFLOW, action, "tcflow", 2), "tcflow"))
  end
  local function intget(req, fname)
    return function(fd)
      local v = int1()
      if ioctl(fd, req, v, fname) == -1 then return fail() end
      return v[0]
    end
  end
  S.tcgetsid = intget(TIOCGSID, "tcgetsid")
  S.tcgetpgrp = intget(TIOCGPGRP, "tcgetpgrp")
  function S.tcsetpgrp(fd, pgrp)
    local v = int1(h.int(pgrp, "tcsetpgrp", 2))
    return retbool(ioctl(fd, TIOCSPGRP, v, "tcsetpgrp"))
  end

  function S.posix_openpt(flags)
    return S.open("/dev/ptmx", flag(c.O, flags or "rdwr, noctty", "posix_openpt", 1))
  end
  S.openpt = S.posix_openpt
  local ptn = intget(TIOCGPTN, "grantpt")
  function S.grantpt(fd)
    local n, e = ptn(fd)
    if not n then return nil, e end
    return true
  end
  function S.unlockpt(fd)
    local v = int1(0)
    return retbool(ioctl(fd, TIOCSPTLCK, v, "unlockpt"))
  end
  local ptsn = intget(TIOCGPTN, "ptsname")
  function S.ptsname(fd)
    local n, e = ptsn(fd)
    if not n then return nil, e end
    return "/dev/pts/" .. tostring(n)
  end
  return S
end

return M
