-- Generates lua/syscall/netbsd/constants.lua from the NetBSD ABI facts
-- (abi/netbsd/constants.tsv, see abi/netbsd/README.md): every value comes from the table, none is typed by hand.
--   luajit tools/gen_netbsd_constants.lua [constants.tsv] [output]
-- test/lua/netbsd_constants_test.lua regenerates it and fails if the committed file is stale.

local src = arg[1] or "abi/netbsd/constants.tsv"
local out = arg[2] or "lua/syscall/netbsd/constants.lua"

-- family in the TSV -> { table name, prefix to strip, kind }
-- kind: "single" (one value), "flags" (OR-able lists), "mode", "top" (c.NAME = value),
-- "strings" (string values)
local families = {
  errno = { "E", "E", "single" }, O = { "O", "O_", "flags" }, AT = { "AT", "AT_", "flags" },
  S_I = { "S_I", "S_I", "mode" }, SEEK = { "SEEK", "SEEK_", "single" }, F = { "F", "F_", "single" },
  FD = { "FD", "FD_", "flags" }, LOCK = { "LOCK", "LOCK_", "flags" }, DT = { "DT", "DT_", "single" },
  UTIME = { "UTIME", "UTIME_", "single" }, AF = { "AF", "AF_", "single" }, PF = { "PF", "PF_", "single" },
  SOCK = { "SOCK", "SOCK_", "flags" }, SOL = { "SOL", "SOL_", "single" }, SO = { "SO", "SO_", "single" },
  SCM = { "SCM", "SCM_", "single" }, MSG = { "MSG", "MSG_", "flags" }, SHUT = { "SHUT", "SHUT_", "single" },
  IPPROTO = { "IPPROTO", "IPPROTO_", "single" }, IP = { "IP", "IP_", "single" },
  IPV6 = { "IPV6", "IPV6_", "single" }, TCP = { "TCP", "TCP_", "single" }, UDP = { "UDP", "UDP_", "single" },
  INADDR = { "INADDR", "INADDR_", "single" }, IPPORT = { "IPPORT", "IPPORT_", "single" },
  POLL = { "POLL", "POLL", "flags" }, SIG = { "SIG", "SIG", "single" }, SA = { "SA", "SA_", "flags" },
  SS = { "SS", "SS_", "flags" }, SIGEV = { "SIGEV", "SIGEV_", "single" },
  CLOCK = { "CLOCK", "CLOCK_", "single" }, TIMER = { "TIMER", "TIMER_", "flags" },
  ITIMER = { "ITIMER", "ITIMER_", "single" }, RLIMIT = { "RLIMIT", "RLIMIT_", "single" },
  PRIO = { "PRIO", "PRIO_", "single" }, RUSAGE = { "RUSAGE", "RUSAGE_", "single" },
  WAIT = { "W", "W", "flags" }, MNT = { "MNT", "MNT_", "flags" }, MOUNT = { "MOUNT", "MOUNT_", "strings" },
  IFF = { "IFF", "IFF_", "flags" }, IFT = { "IFT", "IFT_", "single" }, IFCAP = { "IFCAP", "IFCAP_", "flags" },
  IFAN = { "IFAN", "IFAN_", "single" }, LINK_STATE = { "LINK_STATE", "LINK_STATE_", "single" },
  RTM = { "RTM", "RTM_", "single" }, RTF = { "RTF", "RTF_", "flags" }, RTA = { "RTA", "RTA_", "flags" },
  RTAX = { "RTAX", "RTAX_", "single" }, RTV = { "RTV", "RTV_", "flags" }, CTL = { "CTL", "CTL_", "single" },
  CTLTYPE = { "CTLTYPE", "CTLTYPE_", "single" }, CTLFLAG = { "CTLFLAG", "CTLFLAG_", "flags" },
  KERN = { "KERN", "KERN_", "single" }, HW = { "HW", "HW_", "single" }, NET = { "NET", "NET_", "single" },
  VM = { "VM", "VM_", "single" }, IPCTL = { "IPCTL", "IPCTL_", "single" }, IPV6CTL = { "IPV6CTL", "IPV6CTL_", "single" },
  EV = { "EV", "EV_", "flags" }, EVFILT = { "EVFILT", "EVFILT_", "single" }, NOTE = { "NOTE", "NOTE_", "flags" },
  ioctl = { "IOCTL", "", "single" }, LIMITS = { nil, "", "top" }, ST = { "ST", "ST_", "flags" },
  ACCESS = { "OK", "", "flags" }, STDIO_FILENO = { "STD", "STD", "single" }, IFNAMSIZ = { nil, "", "top" },
  RB = { "RB", "RB_", "flags" }, CHFLAGS = { "CHFLAGS", "", "flags" }, POSIX_FADV = { "POSIX_FADV", "POSIX_FADV_", "single" },
  LOCAL = { "LOCAL", "LOCAL_", "single" }, ND6 = { "ND6", "ND6_", "single" }, IN6_IFF = { "IN6_IFF", "IN6_IFF_", "flags" },
  IOC = { "IOC", "IOC_", "single" }, PC = { "PC", "_PC_", "single" }, EXTATTR = { "EXTATTR", "EXTATTR_NAMESPACE_", "single" },
  SYSCTL = { "SYSCTL", "SYSCTL_", "single" }, MODCTL = { "MODCTL", "MODCTL_", "single" },
  TMPFS = { nil, "", "top" }, PTYFS = { nil, "", "top" }, AIO = { "AIO", "AIO_", "single" },
  BRDG = { "BRDG", "BRDG", "single" }, QUOTA = { "QUOTA", "", "single" }, KTR = { "KTR", "", "single" },
  SIG_ = { "SIG_", "SIG_", "single" },
}

local f = assert(io.open(src, "r"))
local header = f:read("*l")
if header ~= "family\tname\tvalue\tctype\tsize\thex\theader\torigin" then
  error("unexpected header in " .. src .. ": " .. tostring(header))
end
local tables, order, top = {}, {}, {}
local lineno = 1
for line in f:lines() do
  lineno = lineno + 1
  local fields = {}
  for x in (line .. "\t"):gmatch("([^\t]*)\t") do fields[#fields + 1] = x end
  if #fields ~= 8 then error(src .. ":" .. lineno .. ": expected 8 fields, got " .. #fields) end
  local fam, name, value, ctype, origin = fields[1], fields[2], fields[3], fields[4], fields[8]
  local spec = families[fam]
  if spec and origin == "netbsd" and (ctype ~= "pointer" or fam == "SIG_") then
    local tname, prefix, kind = spec[1], spec[2], spec[3]
    local v
    if ctype == "string" then v = string.format("%q", value)
    else
      local n = tonumber(value)
      if not n then error(src .. ":" .. lineno .. ": bad value " .. value) end
      v = value
    end
    if kind == "top" then top[name] = v
    else
      local key = name
      if prefix ~= "" and name:sub(1, #prefix) == prefix and #name > #prefix then key = name:sub(#prefix + 1) end
      if fam == "ACCESS" then key = key:gsub("_OK$", "") end
      if fam == "SIG_" then
        -- SIG_BLOCK/UNBLOCK/SETMASK are sigprocmask's "how"; the others are dispositions.
        if key == "BLOCK" or key == "UNBLOCK" or key == "SETMASK" then tname = "SIGPM" else tname = "SIGACT" end
      end
      if not tables[tname] then tables[tname] = { kind = kind, prefix = prefix, vals = {} }; order[#order + 1] = tname end
      tables[tname].vals[key] = v
    end
  end
end
f:close()
table.sort(order)

local o = {}
local function w(s) o[#o + 1] = s end
w("-- generated by tools/gen_netbsd_constants.lua from abi/netbsd/constants.tsv: do not edit")
w("-- NetBSD constants (7.99.34, x86_64) for kernels, in ljsyscall's shape: c.O.CREAT, c.E.NOENT...")
w("local h = require \"syscall.helpers\"")
w("local c = {}")
local ctor = { single = "h.strflag", flags = "h.multiflags", mode = "h.modeflags", strings = "h.strflag" }
local function keyfmt(k) if k:match("^[%a_][%w_]*$") then return k end return "[" .. string.format("%q", k) .. "]" end
for _, tname in ipairs(order) do
  local tb = tables[tname]
  local keys = {}
  for k in pairs(tb.vals) do keys[#keys + 1] = k end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts + 1] = keyfmt(k) .. " = " .. tb.vals[k] end
  local body = table.concat(parts, ", ")
  local lines, cur = {}, "  "
  for piece in (body .. ", "):gmatch("(.-, )") do
    if #cur + #piece > 98 then lines[#lines + 1] = cur:gsub("%s+$", ""); cur = "  " end
    cur = cur .. piece
  end
  if cur:match("%S") then lines[#lines + 1] = cur:gsub(",%s*$", ","):gsub("%s+$", "") end
  local args
  if tb.kind == "mode" then args = string.format("%q", tname)
  else args = string.format("%q, %q", tname, tb.prefix) end
  w("c." .. tname .. " = " .. ctor[tb.kind] .. "({")
  for _, l in ipairs(lines) do w(l) end
  w("}, " .. args .. ")")
end
local tk = {}
for k in pairs(top) do tk[#tk + 1] = k end
table.sort(tk)
for _, k in ipairs(tk) do w("c." .. k .. " = " .. top[k]) end
w("-- Aliases in ljsyscall's shape.")
w("c.MODE = c.S_I")
w("c.AT_FDCWD = h.atflag({ FDCWD = c.AT.FDCWD }, \"AT_FDCWD\", \"AT_\")")
w("c.SOMAXCONN = c.SO.SOMAXCONN")
w("c.FCNTL_LOCK = h.strflag({ RDLCK = c.F.RDLCK, UNLCK = c.F.UNLCK, WRLCK = c.F.WRLCK }, \"FCNTL_LOCK\", \"F_\")")
w("rawset(c.OK, \"F\", c.F.OK) -- F_OK sits in the F_ family of the facts")
w("return c")
local text = table.concat(o, "\n") .. "\n"
local of = assert(io.open(out, "w"))
of:write(text)
of:close()
