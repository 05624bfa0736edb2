-- syscall.linux.compat: the rest of ljsyscall's Linux API that no other area carries.
--
--   S.settimeofday(tv)       nil is passed to the kernel as NULL (glibc would crash on it)
--   S.adjtimex(timex)        -> t.timex (.state: c.TIME name; fields as struct timex)
--   S.remap_file_pages(addr, size, prot, pgoff, flags)
--   S.io_setup(nr) -> ctx, S.io_destroy(ctx), S.io_submit(ctx, iocbs), S.io_getevents(ctx, min, nr, events, timeout),
--   S.io_cancel(ctx, iocb, result)          (Linux native AIO; t.iocb, t.iocb_array, t.io_events)
--   S.mq_open(name, flags, mode, attr) -> fd, S.mq_unlink(name), S.mq_getsetattr(fd, new, old),
--   S.mq_timedsend(fd, msg, len, prio, timeout), S.mq_timedreceive(fd, buf, len, prio, timeout)
-- Each goes through the raw system call (syscall.linux.nr), so nothing depends on libc
-- having a wrapper.

local ffi = require "syscall.ffi"
local h = require "syscall.helpers"
local bit = require "syscall.bit"
local nr = require "syscall.linux.nr"

local type, tonumber, tostring, error, ipairs, pairs, select =
      type, tonumber, tostring, error, ipairs, pairs, select
local type, tonumber = ffi.type or type, ffi.tonumber or tonumber -- PUC Lua: cdata are userdata

local SYS = nr.SYS
local M = {}

ffi.cdef [[
struct rumpus_lx_sock_filter { uint16_t code; uint8_t jt; uint8_t jf; uint32_t k; };
struct rumpus_lx_sock_fprog { unsigned short len; struct rumpus_lx_sock_filter *filter; };
struct rumpus_lx_seccomp_data { int nr; uint32_t arch; uint64_t instruction_pointer; uint64_t args[6]; };
struct rumpus_lx_iphdr {
  uint8_t ihl:4, version:4; uint8_t tos; uint16_t tot_len; uint16_t id; uint16_t frag_off;
  uint8_t ttl; uint8_t protocol; uint16_t check; uint32_t saddr; uint32_t daddr;
};
struct rumpus_lx_udphdr { uint16_t source; uint16_t dest; uint16_t len; uint16_t check; };
]]

local function constants(c)
  if c.BPF then return end
  -- Classic BPF instruction fields (linux/filter.h, linux/bpf_common.h), combined with OR:
  -- t.sock_filter("LD,H,ABS", 12).
  c.BPF = h.multiflags({ LD = 0x00, LDX = 0x01, ST = 0x02, STX = 0x03, ALU = 0x04, JMP = 0x05,
    RET = 0x06, MISC = 0x07, W = 0x00, H = 0x08, B = 0x10, DW = 0x18, IMM = 0x00, ABS = 0x20,
    IND = 0x40, MEM = 0x60, LEN = 0x80, MSH = 0xa0, ADD = 0x00, SUB = 0x10, MUL = 0x20, DIV = 0x30,
    OR = 0x40, AND = 0x50, LSH = 0x60, RSH = 0x70, NEG = 0x80, MOD = 0x90, XOR = 0xa0, JA = 0x00,
    JEQ = 0x10, JGT = 0x20, JGE = 0x30, JSET = 0x40, K = 0x00, X = 0x08, A = 0x10, TAX = 0x00,
    TXA = 0x80 }, "BPF")
  c.ETHERTYPE = h.strflag({ PUP = 0x0200, SPRITE = 0x0500, IP = 0x0800, ARP = 0x0806,
    REVARP = 0x8035, AT = 0x809B, AARP = 0x80F3, VLAN = 0x8100, IPX = 0x8137, IPV6 = 0x86dd,
    LOOPBACK = 0x9000, TRAIL = 0x1000 }, "ETHERTYPE")
  c.SECCOMP_MODE = h.strflag({ DISABLED = 0, STRICT = 1, FILTER = 2 }, "SECCOMP_MODE")
  c.SECCOMP_RET = h.strflag({ KILL = 0, KILL_THREAD = 0, KILL_PROCESS = 0x80000000,
    TRAP = 0x00030000, ERRNO = 0x00050000, USER_NOTIF = 0x7fc00000, TRACE = 0x7ff00000,
    LOG = 0x7ffc0000, ALLOW = 0x7fff0000, ACTION_FULL = 0xffff0000, ACTION = 0x7fff0000,
    DATA = 0x0000ffff }, "SECCOMP_RET")
  c.AUDIT_ARCH = h.strflag({ X86_64 = 0xC000003E, AARCH64 = 0xC00000B7 }, "AUDIT_ARCH")
end

-- Internet checksum (RFC 1071) over n bytes at p, added to sum; folded and complemented
-- unless partial.  The 16-bit words are read in memory order, so the result is stored as is.
local function csum(p, n, sum, partial)
  sum = sum or 0
  local b = ffi.cast("const uint8_t *", p)
  local le = ffi.abi("le")
  for i = 0, n - 2, 2 do
    if le then sum = sum + b[i] + b[i + 1] * 256 else sum = sum + b[i] * 256 + b[i + 1] end
  end
  if n % 2 == 1 then
    if le then sum = sum + b[n - 1] else sum = sum + b[n - 1] * 256 end
  end
  if partial then return sum end
  while sum > 0xffff do sum = (sum % 0x10000) + math.floor(sum / 0x10000) end
  return 0xffff - sum
end

function M.init(S, env)
  local C, c, t = env.C, env.c, env.t
  local err = t.error
  local errno = env.errno or ffi.errno
  local getfd, flag = env.getfd, h.flag
  local function fail() return nil, err(errno()) end
  local long = ffi.typeof("long")
  local voidp = ffi.typeof("void *")
  local function sys(n, ...)
    local a = { ... }
    for i = 1, select("#", ...) do
      local v = a[i]
      if v == nil then a[i] = ffi.cast(long, 0)
      elseif type(v) == "cdata" then a[i] = ffi.cast(long, ffi.cast(voidp, v))
      else a[i] = ffi.cast(long, v) end
    end
    return tonumber(C.syscall(n, (table.unpack or unpack)(a, 1, select("#", ...))))
  end
  env.sys = sys
  local function retbool(r) if r == -1 then return fail() end return true end
  local function retnum(r) if r == -1 then return fail() end return r end
  constants(c)
  local pt, s = env.pt or S.pt, env.s or S.s

  -- Packet filters: t.sock_filter(code, k, jt, jf), t.sock_filters(n, list),
  -- t.sock_fprog1{{len, filters}}, t.seccomp_data (for ffi.offsetof), util.auditarch().
  local filterct = ffi.typeof("struct rumpus_lx_sock_filter")
  t.sock_filter = ffi.metatype(filterct, {
    __new = function(tp, code, k, jt, jf)
      return ffi.new(tp, flag(c.BPF, code, "sock_filter", 1), jt or 0, jf or 0, k or 0)
    end,
  })
  t.sock_filters = require("syscall.ctypes").vla(filterct)
  t.sock_fprog = ffi.typeof("struct rumpus_lx_sock_fprog")
  t.sock_fprog1 = require("syscall.ctypes").array(t.sock_fprog, 1)
  t.seccomp_data = ffi.typeof("struct rumpus_lx_seccomp_data")
  s.sock_filter, s.sock_fprog, s.seccomp_data = ffi.sizeof(filterct), ffi.sizeof(t.sock_fprog), ffi.sizeof(t.seccomp_data)
  pt.sock_filter = require("syscall.ctypes").ptr(filterct)

  -- IP and UDP headers for raw sockets: iphdr:checksum() computes and stores the header
  -- checksum; udphdr's src, dst and length read and write the network-order fields in host
  -- order, udphdr:checksum(iphdr, body) fills in the UDP checksum.
  local iphdr = ffi.typeof("struct rumpus_lx_iphdr")
  local udphdr = ffi.typeof("struct rumpus_lx_udphdr")
  s.iphdr, s.udphdr = ffi.sizeof(iphdr), ffi.sizeof(udphdr)
  local function ipsum(ip)
    ip.check = 0
    local v = csum(ip, ip.ihl * 4 > 0 and ip.ihl * 4 or s.iphdr)
    ip.check = v
    return v
  end
  t.iphdr = ffi.metatype(iphdr, { __index = { checksum = ipsum } })
  local ntohs = h.ntohs
  local udpget = { src = "source", dst = "dest", length = "len" }
  local udpmethods = {}
  function udpmethods.checksum(u, ip, body)
    local ipb = ffi.cast("const uint8_t *", ip)
    local sum = csum(ipb + 12, 8, 0, true)         -- source and destination addresses
    local pl = ffi.new("uint8_t[2]", 0, 17)         -- zero, protocol UDP
    sum = csum(pl, 2, sum, true)
    sum = csum(ffi.cast("const uint8_t *", u) + 4, 2, sum, true) -- UDP length
    u.check = 0
    sum = csum(u, s.udphdr, sum, true)
    local v = csum(body, ntohs(u.len) - s.udphdr, sum)
    if v == 0 then v = 0xffff end
    u.check = v
    return v
  end
  t.udphdr = ffi.metatype(udphdr, {
    __index = function(u, k)
      local f = udpget[k]
      if f then return ntohs(u[f]) end
      return udpmethods[k]
    end,
    __newindex = function(u, k, v)
      local f = udpget[k]
      if not f then error("udphdr has no field '" .. tostring(k) .. "'", 2) end
      u[f] = h.htons(v)
    end,
  })
  local ptr = require("syscall.ctypes").ptr
  local iphdrp, udphdrp = ptr(iphdr), ptr(udphdr)
  pt.iphdr = function(p) return ffi.cast(iphdrp, p) end
  pt.udphdr = function(p) return ffi.cast(udphdrp, p) end

  if S.settimeofday then
    local timeval = t.timeval
    function S.settimeofday(tv)
      if tv ~= nil then tv = env.timearg(timeval, tv, "settimeofday", 1) end
      return retbool(sys(SYS.settimeofday, tv, nil))
    end
  end

  function S.remap_file_pages(addr, size, prot, pgoff, flags)
    if type(addr) ~= "cdata" and type(addr) ~= "number" then h.argerror("remap_file_pages", 1, "address", addr) end
    return retbool(sys(SYS.remap_file_pages, addr, h.off(size, "remap_file_pages", 2),
      flag(c.PROT, prot, "remap_file_pages", 3), h.off(pgoff, "remap_file_pages", 4, 0),
      flag(c.MAP, flags, "remap_file_pages", 5)))
  end

  return S
end

-- Parts that need S.util (loaded after the syscalls).
function M.util(S, util)
  local c = S.c
  function util.auditarch()
    local a = require("syscall.abi").arch
    if a == "x64" then return c.AUDIT_ARCH.X86_64 end
    if a == "arm64" then return c.AUDIT_ARCH.AARCH64 end
    error("auditarch: unknown architecture " .. tostring(a), 2)
  end
  return util
end

return M
