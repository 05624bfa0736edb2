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

local type, tonumber, tostring, error, ipairs, pairs, select, setmetatable, getmetatable, math, table =
      type, tonumber, tostring, error, ipairs, pairs, select, setmetatable, getmetatable, math, table
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
struct rumpus_lx_iocb {
  uint64_t aio_data; uint32_t aio_key; int32_t aio_rw_flags; uint16_t aio_lio_opcode; int16_t aio_reqprio;
  uint32_t aio_fildes; uint64_t aio_buf; uint64_t aio_nbytes; int64_t aio_offset; uint64_t aio_reserved2;
  uint32_t aio_flags; uint32_t aio_resfd;
};
struct rumpus_lx_io_event { uint64_t data; uint64_t obj; int64_t res; int64_t res2; };
struct rumpus_lx_aio_context { unsigned long ctx; };
struct rumpus_lx_mq_attr { long mq_flags, mq_maxmsg, mq_msgsize, mq_curmsgs; long reserved[4]; };
struct rumpus_lx_mqd { int filenum; };
struct rumpus_lx_mmsghdr { struct rumpus_lx_msghdr msg_hdr; unsigned int msg_len; };
struct rumpus_lx_mmsghdrs { int count; struct rumpus_lx_mmsghdr msg[?]; };
struct rumpus_lx_bpf_insn { uint8_t code; uint8_t dst_reg:4, src_reg:4; int16_t off; int32_t imm; };
struct rumpus_lx_bpf_attr_map { uint32_t map_type, key_size, value_size, max_entries, map_flags; uint8_t pad[108]; };
struct rumpus_lx_bpf_attr_elem { uint32_t map_fd, pad0; uint64_t key, value, flags; uint8_t pad[96]; };
struct rumpus_lx_bpf_attr_prog {
  uint32_t prog_type, insn_cnt; uint64_t insns, license; uint32_t log_level, log_size; uint64_t log_buf;
  uint32_t kern_version, prog_flags; uint8_t pad[80];
};
struct rumpus_lx_perf_event_attr {
  uint32_t pe_type; uint32_t size; uint64_t pe_config; uint64_t sample_period; uint64_t sample_type;
  uint64_t read_format;
  uint32_t disabled:1, inherit:1, pinned:1, exclusive:1, exclude_user:1, exclude_kernel:1, exclude_hv:1,
    exclude_idle:1, mmap:1, comm:1, freq:1, inherit_stat:1, enable_on_exec:1, task:1, watermark:1,
    precise_ip:2, mmap_data:1, sample_id_all:1, exclude_host:1, exclude_guest:1,
    exclude_callchain_kernel:1, exclude_callchain_user:1, mmap2:1, comm_exec:1, use_clockid:1,
    context_switch:1, write_backward:1, namespaces:1, reserved_1:3;
  uint32_t reserved_1b;
  uint32_t wakeup_events; uint32_t bp_type; uint64_t config1; uint64_t config2; uint64_t branch_sample_type;
  uint64_t sample_regs_user; uint32_t sample_stack_user; int32_t clockid; uint64_t sample_regs_intr;
  uint32_t aux_watermark; uint16_t sample_max_stack; uint16_t reserved_2;
};
struct rumpus_lx_timex {
  unsigned int modes; long offset, freq, maxerror, esterror; int status; long constant, precision, tolerance;
  struct { long tv_sec, tv_usec; } time; long tick, ppsfreq, jitter; int shift; long stabil, jitcnt, calcnt, errcnt, stbcnt;
  int tai; int reserved[11];
};
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
    TXA = 0x80, ALU64 = 0x07, MOV = 0xb0, ARSH = 0xc0, END = 0xd0, JNE = 0x50, JSGT = 0x60,
    JSGE = 0x70, CALL = 0x80, EXIT = 0x90, XADD = 0xc0 }, "BPF")
  -- eBPF (linux/bpf.h)
  c.BPF_CMD = h.strflag({ MAP_CREATE = 0, MAP_LOOKUP_ELEM = 1, MAP_UPDATE_ELEM = 2, MAP_DELETE_ELEM = 3,
    MAP_GET_NEXT_KEY = 4, PROG_LOAD = 5, OBJ_PIN = 6, OBJ_GET = 7 }, "BPF_CMD")
  c.BPF_MAP = h.strflag({ UNSPEC = 0, HASH = 1, ARRAY = 2, PROG_ARRAY = 3, PERF_EVENT_ARRAY = 4,
    PERCPU_HASH = 5, PERCPU_ARRAY = 6, STACK_TRACE = 7 }, "BPF_MAP")
  c.BPF_PROG = h.strflag({ UNSPEC = 0, SOCKET_FILTER = 1, KPROBE = 2, SCHED_CLS = 3, SCHED_ACT = 4,
    TRACEPOINT = 5, XDP = 6 }, "BPF_PROG")
  c.ETHERTYPE = h.strflag({ PUP = 0x0200, SPRITE = 0x0500, IP = 0x0800, ARP = 0x0806,
    REVARP = 0x8035, AT = 0x809B, AARP = 0x80F3, VLAN = 0x8100, IPX = 0x8137, IPV6 = 0x86dd,
    LOOPBACK = 0x9000, TRAIL = 0x1000 }, "ETHERTYPE")
  c.SECCOMP_MODE = h.strflag({ DISABLED = 0, STRICT = 1, FILTER = 2 }, "SECCOMP_MODE")
  c.SECCOMP_RET = h.strflag({ KILL = 0, KILL_THREAD = 0, KILL_PROCESS = 0x80000000,
    TRAP = 0x00030000, ERRNO = 0x00050000, USER_NOTIF = 0x7fc00000, TRACE = 0x7ff00000,
    LOG = 0x7ffc0000, ALLOW = 0x7fff0000, ACTION_FULL = 0xffff0000, ACTION = 0x7fff0000,
    DATA = 0x0000ffff }, "SECCOMP_RET")
  c.IOCB_CMD = h.strflag({ PREAD = 0, PWRITE = 1, FSYNC = 2, FDSYNC = 3, POLL = 5, NOOP = 6,
    PREADV = 7, PWRITEV = 8 }, "IOCB_CMD")
  c.IOCB_FLAG = h.multiflags({ RESFD = 1, IOPRIO = 2 }, "IOCB_FLAG")
  c.ADJ = h.multiflags({ OFFSET = 0x0001, FREQUENCY = 0x0002, MAXERROR = 0x0004, ESTERROR = 0x0008,
    STATUS = 0x0010, TIMECONST = 0x0020, TAI = 0x0080, SETOFFSET = 0x0100, MICRO = 0x1000,
    NANO = 0x2000, TICK = 0x4000, OFFSET_SINGLESHOT = 0x8001, OFFSET_SS_READ = 0xa001 }, "ADJ")
  c.STA = h.multiflags({ PLL = 0x0001, PPSFREQ = 0x0002, PPSTIME = 0x0004, FLL = 0x0008, INS = 0x0010,
    DEL = 0x0020, UNSYNC = 0x0040, FREQHOLD = 0x0080, PPSSIGNAL = 0x0100, PPSJITTER = 0x0200,
    PPSWANDER = 0x0400, PPSERROR = 0x0800, CLOCKERR = 0x1000, NANO = 0x2000, MODE = 0x4000,
    CLK = 0x8000 }, "STA")
  c.TIME = h.strflag({ OK = 0, INS = 1, DEL = 2, OOP = 3, WAIT = 4, ERROR = 5, BAD = 5 }, "TIME")
  c.PERF_TYPE = h.strflag({ HARDWARE = 0, SOFTWARE = 1, TRACEPOINT = 2, HW_CACHE = 3, RAW = 4,
    BREAKPOINT = 5 }, "PERF_TYPE")
  c.PERF_COUNT = h.strflag({ HW_CPU_CYCLES = 0, HW_INSTRUCTIONS = 1, HW_CACHE_REFERENCES = 2,
    HW_CACHE_MISSES = 3, HW_BRANCH_INSTRUCTIONS = 4, HW_BRANCH_MISSES = 5, HW_BUS_CYCLES = 6,
    HW_STALLED_CYCLES_FRONTEND = 7, HW_STALLED_CYCLES_BACKEND = 8, HW_REF_CPU_CYCLES = 9,
    SW_CPU_CLOCK = 0, SW_TASK_CLOCK = 1, SW_PAGE_FAULTS = 2, SW_CONTEXT_SWITCHES = 3,
    SW_CPU_MIGRATIONS = 4, SW_PAGE_FAULTS_MIN = 5, SW_PAGE_FAULTS_MAJ = 6, SW_ALIGNMENT_FAULTS = 7,
    SW_EMULATION_FAULTS = 8, SW_DUMMY = 9, SW_BPF_OUTPUT = 10 }, "PERF_COUNT")
  c.PERF_SAMPLE = h.multiflags({ IP = 1, TID = 2, TIME = 4, ADDR = 8, READ = 16, CALLCHAIN = 32,
    ID = 64, CPU = 128, PERIOD = 256, STREAM_ID = 512, RAW = 1024 }, "PERF_SAMPLE")
  c.PERF_FLAG = h.multiflags({ FD_NO_GROUP = 1, FD_OUTPUT = 2, PID_CGROUP = 4, FD_CLOEXEC = 8 }, "PERF_FLAG")
  c.PERF_RECORD = h.strflag({ MMAP = 1, LOST = 2, COMM = 3, EXIT = 4, THROTTLE = 5, UNTHROTTLE = 6,
    FORK = 7, READ = 8, SAMPLE = 9 }, "PERF_RECORD")
  -- the perf ioctls by name (fd:ioctl("PERF_EVENT_IOC_ENABLE", 0)); _IO('$', n) and friends
  if c.IOCTL then
    for name, v in pairs { PERF_EVENT_IOC_ENABLE = 0x2400, PERF_EVENT_IOC_DISABLE = 0x2401,
      PERF_EVENT_IOC_REFRESH = 0x2402, PERF_EVENT_IOC_RESET = 0x2403, PERF_EVENT_IOC_PERIOD = 0x40082404,
      PERF_EVENT_IOC_SET_OUTPUT = 0x2405, PERF_EVENT_IOC_SET_FILTER = 0x40082406,
      PERF_EVENT_IOC_ID = 0x80082407, PERF_EVENT_IOC_SET_BPF = 0x40042408 } do
      if rawget(c.IOCTL, name) == nil then rawset(c.IOCTL, name, v) end
    end
  end
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
  local charp = ffi.typeof("const char *")
  local function sys(n, ...)
    local a = { ... }
    for i = 1, select("#", ...) do
      local v = a[i]
      if v == nil then a[i] = ffi.cast(long, 0)
      elseif type(v) == "cdata" then a[i] = ffi.cast(long, ffi.cast(voidp, v))
      elseif type(v) == "string" then a[i] = ffi.cast(long, ffi.cast(charp, v))  -- v stays alive in `a`
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
  local ctypes = require "syscall.ctypes"
  local ptr = ctypes.ptr
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

  -- Linux native AIO.  ctx = S.io_setup(n) (a t.aio_context; ctx.ctx the kernel's id);
  -- t.iocb_array{{opcode = "pread", fildes = fd, buf = p, nbytes = n, offset = o, data = x,
  -- resfd = efd}, ...} keeps its requests (and the buffers given) alive until it is dropped,
  -- which must not happen before the events are read; a.iocbs[i] is the i-th request.
  -- S.io_getevents(ctx, min, events, timeout) iterates (i, ev) over t.io_events(n), ev.data,
  -- ev.res and ev.error (the error of a negative res).
  local ctxt = ffi.typeof("struct rumpus_lx_aio_context")
  t.aio_context = ctxt
  local iocbt = ffi.typeof("struct rumpus_lx_iocb")
  t.iocb = iocbt
  local iocbpp = ctypes.vla(ptr(iocbt))
  local evt = ffi.metatype("struct rumpus_lx_io_event", {
    __index = function(ev, k)
      if k == "error" then
        local r = tonumber(ev.res)
        if r < 0 then return err(-r) end
        return nil
      end
    end,
  })
  t.io_event = evt
  t.io_events = ctypes.vla(evt)
  local function ctxof(ctx, fname)
    if type(ctx) == "cdata" and ffi.istype(ctxt, ctx) then return ctx.ctx end
    if type(ctx) == "number" or (type(ctx) == "cdata" and h.ckind(ctx) == "scalar") then return ctx end
    h.argerror(fname, 1, "aio context", ctx)
  end
  local function u64of(v, fname, what)
    if v == nil then return 0 end
    if type(v) == "cdata" then
      local k = h.ckind(v)
      if k == "pointer" or k == "array" or k == "struct" then return ffi.cast("uint64_t", ffi.cast("uintptr_t", ffi.cast(voidp, v))) end
      return v
    end
    if type(v) == "string" then error("bad argument #2 to '" .. fname .. "' (" .. what .. ": a buffer, not a string)", 4) end
    return h.checknumber(v, fname, 2)
  end
  local function setiocb(cb, e, fname, keep)
    if type(e) == "cdata" and ffi.istype(iocbt, e) then ffi.copy(cb, e, ffi.sizeof(iocbt)); return end
    if type(e) ~= "table" then h.argerror(fname, 2, "table of iocbs", e) end
    cb.aio_lio_opcode = flag(c.IOCB_CMD, e.opcode or e.aio_lio_opcode, fname, 2)
    cb.aio_data = u64of(e.data or e.aio_data, fname, "data")
    cb.aio_fildes = getfd(e.fildes or e.fd or e.aio_fildes, fname, 2)
    if e.buf ~= nil then keep[#keep + 1] = e.buf end
    cb.aio_buf = u64of(e.buf or e.aio_buf, fname, "buf")
    cb.aio_nbytes = h.off(e.nbytes or e.aio_nbytes, fname, 2, 0)
    cb.aio_offset = h.off(e.offset or e.aio_offset, fname, 2, 0)
    cb.aio_reqprio = h.optint(e.reqprio or e.aio_reqprio, fname, 2, 0)
    local flags = flag(c.IOCB_FLAG, e.flags or e.aio_flags, fname, 2)
    if e.resfd ~= nil then
      cb.aio_resfd = getfd(e.resfd, fname, 2)
      flags = h.bor(flags, c.IOCB_FLAG.RESFD)
    end
    cb.aio_flags = flags
  end
  local iocbs_mt = { __len = function(a) return a.nr end }
  function t.iocb_array(list)
    if type(list) ~= "table" then h.argerror("iocb_array", 1, "table", list) end
    local n = #list
    local a = setmetatable({ nr = n, iocbs = {}, keep = {}, ptrs = iocbpp(n > 0 and n or 1) }, iocbs_mt)
    for i, e in ipairs(list) do
      local cb = iocbt()
      setiocb(cb, e, "iocb_array", a.keep)
      a.iocbs[i] = cb
      a.ptrs[i - 1] = cb
    end
    return a
  end
  function S.io_setup(n)
    local ctx = ctxt()
    if sys(SYS.io_setup, h.uint(n, "io_setup", 1), ctx) == -1 then return fail() end
    return ctx
  end
  function S.io_destroy(ctx) return retbool(sys(SYS.io_destroy, ctxof(ctx, "io_destroy"))) end
  function S.io_submit(ctx, iocbs)
    local c0 = ctxof(ctx, "io_submit")
    if type(iocbs) == "table" and getmetatable(iocbs) ~= iocbs_mt then iocbs = t.iocb_array(iocbs) end
    if getmetatable(iocbs) ~= iocbs_mt then h.argerror("io_submit", 2, "t.iocb_array", iocbs) end
    return retnum(sys(SYS.io_submit, c0, iocbs.nr, iocbs.ptrs))
  end
  function S.io_cancel(ctx, iocb, result)
    local c0 = ctxof(ctx, "io_cancel")
    if not (type(iocb) == "cdata" and ffi.istype(iocbt, iocb)) then h.argerror("io_cancel", 2, "t.iocb", iocb) end
    result = h.outstruct(evt, result, "io_cancel", 3)
    if sys(SYS.io_cancel, c0, iocb, result) == -1 then return fail() end
    return result
  end
  local function eviter(ev, i)
    i = i - 1
    if i >= 0 then return i, ev[i] end
  end
  function S.io_getevents(ctx, min, events, timeout)
    local c0 = ctxof(ctx, "io_getevents")
    if type(events) == "number" then
      if events ~= events or events % 1 ~= 0 or events < 1 or events > 65536 then
        h.argerror("io_getevents", 3, "event count from 1 to 65536 or t.io_events", events)
      end
      events = t.io_events(events)
    end
    if not (type(events) == "cdata" and h.ckind(events) == "array" and ffi.sizeof(events) >= ffi.sizeof(evt)) then
      h.argerror("io_getevents", 3, "t.io_events", events)
    end
    local n = math.floor(ffi.sizeof(events) / ffi.sizeof(evt))
    if timeout ~= nil then timeout = env.timearg(t.timespec, timeout, "io_getevents", 4) end
    local r = sys(SYS.io_getevents, c0, h.optint(min, "io_getevents", 2, n), n, events, timeout)
    if r == -1 then return fail() end
    return eviter, events, r
  end

  -- POSIX message queues through the raw calls (a leading "/" of the name is dropped, as
  -- glibc does).  S.mq_open returns a t.mqd: mq:getattr() (.flags, .maxmsg, .msgsize,
  -- .curmsgs), mq:setattr(flags), mq:timedsend(msg, len, prio, timeout) (mq:send),
  -- mq:timedreceive(buf, len, prio, timeout) (mq:receive: a string when buf is nil),
  -- mq:close(), mq:getfd(); closed by the GC when forgotten.
  local attrt = ffi.metatype("struct rumpus_lx_mq_attr", {
    __index = function(a, k)
      local f = ({ flags = "mq_flags", maxmsg = "mq_maxmsg", msgsize = "mq_msgsize", curmsgs = "mq_curmsgs" })[k]
      if f then return tonumber(a[f]) end
    end,
    __new = function(tp, v)
      local a = ffi.new(tp)
      if type(v) == "table" then
        a.mq_flags = flag(c.O, v.flags or v.mq_flags, "mq_attr", 1)
        a.mq_maxmsg = h.off(v.maxmsg or v.mq_maxmsg, "mq_attr", 1, 0)
        a.mq_msgsize = h.off(v.msgsize or v.mq_msgsize, "mq_attr", 1, 0)
      elseif v ~= nil then h.argerror("mq_attr", 1, "table", v) end
      return a
    end,
  })
  t.mq_attr = attrt
  local function mqname(name, fname)
    h.checkpath(name, fname, 1)
    return (name:gsub("^/", ""))
  end
  local mqmethods = {}
  local mqdt = ffi.metatype("struct rumpus_lx_mqd", { __index = mqmethods })
  t.mqd = function(n)
    local q = mqdt(n)
    return ffi.gc(q, function(o) if o.filenum >= 0 then C.close(o.filenum) end end)
  end
  local function mqfd(q, fname)
    if type(q) == "cdata" and ffi.istype(mqdt, q) then return q.filenum end
    return getfd(q, fname, 1)
  end
  function mqmethods.getfd(q) return q.filenum end
  function mqmethods.close(q)
    local n = q.filenum
    if n < 0 then return nil, err(c.E.BADF) end
    q.filenum = -1
    ffi.gc(q, nil)
    return retbool(C.close(n))
  end
  function mqmethods.nogc(q) ffi.gc(q, nil); return q end
  function S.mq_open(name, flags, mode, attr)
    local a = attr
    if type(attr) == "table" then a = attrt(attr)
    elseif attr ~= nil and not (type(attr) == "cdata" and ffi.istype(attrt, attr)) then h.argerror("mq_open", 4, "mq_attr", attr) end
    local r = sys(SYS.mq_open, mqname(name, "mq_open"), flag(c.O, flags, "mq_open", 2), flag(c.MODE, mode, "mq_open", 3), a)
    if r == -1 then return fail() end
    return t.mqd(r)
  end
  function S.mq_unlink(name) return retbool(sys(SYS.mq_unlink, mqname(name, "mq_unlink"))) end
  function S.mq_getsetattr(q, new, old)
    if new ~= nil and not (type(new) == "cdata" and ffi.istype(attrt, new)) then new = attrt(new) end
    old = h.outstruct(attrt, old, "mq_getsetattr", 3)
    if sys(SYS.mq_getsetattr, mqfd(q, "mq_getsetattr"), new, old) == -1 then return fail() end
    return old
  end
  function mqmethods.getattr(q, a) return S.mq_getsetattr(q, nil, a) end
  function mqmethods.setattr(q, flags)
    if type(flags) ~= "table" then flags = { flags = flags } end
    local ok, e = S.mq_getsetattr(q, attrt(flags))
    if not ok then return nil, e end
    return true
  end
  local function abstime(v, fname, argn)
    if v == nil then return nil end
    return env.timearg(t.timespec, v, fname, argn)
  end
  function S.mq_timedsend(q, msg, len, prio, timeout)
    h.checkbuf(msg, "mq_timedsend", 2)
    len = h.off(len, "mq_timedsend", 3, type(msg) == "string" and #msg or nil)
    if len == nil then h.argerror("mq_timedsend", 3, "length", len) end
    local size = type(msg) == "string" and #msg or (h.ckind(msg) ~= "pointer" and ffi.sizeof(msg)) or nil
    if size and len > size then error("bad argument #3 to 'mq_timedsend' (longer than the message)", 2) end
    return retbool(sys(SYS.mq_timedsend, mqfd(q, "mq_timedsend"), msg, len, h.uint(prio or 0, "mq_timedsend", 4),
      abstime(timeout, "mq_timedsend", 5)))
  end
  function S.mq_timedreceive(q, buf, len, prio, timeout)
    local n = mqfd(q, "mq_timedreceive")
    local own = buf == nil
    if own then
      len = h.off(len, "mq_timedreceive", 3)
      if not len or len < 1 then h.argerror("mq_timedreceive", 3, "length", len) end
      buf = t.buffer(len)
    else
      -- a buffer to write into: an array or structure (a string is immutable, a pointer's size unknown)
      if not (type(buf) == "cdata" and (h.ckind(buf) == "array" or h.ckind(buf) == "struct")) then
        h.argerror("mq_timedreceive", 2, "buffer", buf)
      end
      len = h.off(len, "mq_timedreceive", 3, ffi.sizeof(buf))
      if len > ffi.sizeof(buf) then error("bad argument #3 to 'mq_timedreceive' (longer than the buffer)", 2) end
    end
    if prio ~= nil and not (type(prio) == "cdata" and h.ckind(prio) ~= "scalar") then h.argerror("mq_timedreceive", 4, "int array", prio) end
    local r = sys(SYS.mq_timedreceive, n, buf, len, prio, abstime(timeout, "mq_timedreceive", 5))
    if r == -1 then return fail() end
    if own then return ffi.string(buf, r) end
    return r
  end
  mqmethods.timedsend = S.mq_timedsend
  mqmethods.send = S.mq_timedsend
  mqmethods.timedreceive = S.mq_timedreceive
  mqmethods.receive = S.mq_timedreceive

  -- adjtimex(timex) -> t.timex, nil, state (the clock state, a c.TIME value); nil only reads.
  local timext = ffi.typeof("struct rumpus_lx_timex")
  t.timex = timext
  function S.adjtimex(tx)
    if type(tx) == "table" then
      local v = timext()
      for k, x in pairs(tx) do
        if k ~= "modes" then
          local ok, e = pcall(function() v[k] = x end)
          if not ok then error("bad argument #1 to 'adjtimex' (field " .. tostring(k) .. ": " .. tostring(e) .. ")", 2) end
        end
      end
      v.modes = flag(c.ADJ, tx.modes, "adjtimex", 1)
      tx = v
    end
    tx = h.outstruct(timext, tx, "adjtimex", 1)
    local r = sys(SYS.adjtimex, tx)
    if r == -1 then return fail() end
    return tx, nil, r
  end

  -- perf events: t.perf_event_attr1() (pe[0].type = "software", pe[0].config = "sw_cpu_clock",
  -- the flag bits by name), S.perf_event_open(attr, pid, cpu, group, flags) (pid 0: this
  -- process, cpu -1: any), t.perf_reader(fd): start(), stop(), read() -> the count, close().
  -- the perf ioctls are _IO requests: the argument is the value itself
  if env.ioctl_legacy then
    for _, v in ipairs { 0x2400, 0x2401, 0x2402, 0x2403, 0x2405 } do env.ioctl_legacy[v] = 0 end
  end
  local attrct = ffi.typeof("struct rumpus_lx_perf_event_attr")
  t.perf_event_attr = ffi.metatype(attrct, {
    __index = function(pe, k)
      if k == "type" then return tonumber(pe.pe_type) end
      if k == "config" then return pe.pe_config end
    end,
    __newindex = function(pe, k, v)
      if k == "type" then pe.pe_type = flag(c.PERF_TYPE, v, "perf_event_attr", 1)
      elseif k == "config" then
        if type(v) == "string" then v = flag(c.PERF_COUNT, v, "perf_event_attr", 1) end
        pe.pe_config = v
      else error("perf_event_attr has no field '" .. tostring(k) .. "'", 2) end
    end,
  })
  t.perf_event_attr1 = ctypes.array(t.perf_event_attr, 1)
  s.perf_event_attr = ffi.sizeof(attrct)
  function S.perf_event_open(attr, pid, cpu, group, flags)
    if type(attr) == "table" then
      local a = t.perf_event_attr1()
      for k, v in pairs(attr) do
        local ok, e = pcall(function() a[0][k] = v end)
        if not ok then error("bad argument #1 to 'perf_event_open' (field " .. tostring(k) .. ": " .. tostring(e) .. ")", 2) end
      end
      attr = a
    end
    if not (type(attr) == "cdata" and (ffi.istype(t.perf_event_attr1, attr) or ffi.istype(t.perf_event_attr, attr))) then
      h.argerror("perf_event_open", 1, "perf_event_attr", attr)
    end
    local a = ffi.istype(t.perf_event_attr1, attr) and attr[0] or attr
    if a.size == 0 then a.size = ffi.sizeof(attrct) end
    local g = group == nil and -1 or getfd(group, "perf_event_open", 4)
    local r = sys(SYS.perf_event_open, attr, h.optint(pid, "perf_event_open", 2, 0), h.optint(cpu, "perf_event_open", 3, -1),
      g, flag(c.PERF_FLAG, flags or "fd_cloexec", "perf_event_open", 5))
    if r == -1 then return fail() end
    return env.fd(r)
  end
  local readermt = { __index = {} }
  local R = readermt.__index
  local u64_1 = ffi.typeof("uint64_t[1]")
  function R.start(r) return S.ioctl(r.fd, "PERF_EVENT_IOC_ENABLE", 0) end
  function R.stop(r) return S.ioctl(r.fd, "PERF_EVENT_IOC_DISABLE", 0) end
  function R.reset(r) return S.ioctl(r.fd, "PERF_EVENT_IOC_RESET", 0) end
  function R.read(r)
    local n, e = S.read(r.fd, r.buf, 8)
    if not n then return nil, e end
    if n ~= 8 then return nil, err(c.E.IO) end
    return tonumber(r.buf[0])
  end
  function R.close(r) return r.fd:close() end
  function t.perf_reader(fd, e)
    if fd == nil then error(tostring(e or "perf_reader: no descriptor"), 2) end
    return setmetatable({ fd = fd, buf = u64_1() }, readermt)
  end

  -- eBPF: S.bpf(cmd, attr) (attr a buffer of the union's layout), S.bpf_map_create(type,
  -- key_size, value_size, max_entries, flags) -> fd, S.bpf_map_op(cmd, fd, key, value, flags)
  -- -> 0, S.bpf_prog_load(type, insns, n, license, version) -> fd (or nil, err, the
  -- verifier's log); t.bpf_insn(code, dst, src, off, imm), t.bpf_insns(n, list).
  local insnct = ffi.typeof("struct rumpus_lx_bpf_insn")
  t.bpf_insn = ffi.metatype(insnct, {
    __new = function(tp, code, dst, src, off, imm)
      local i = ffi.new(tp)
      i.code = flag(c.BPF, code, "bpf_insn", 1)
      i.dst_reg, i.src_reg = dst or 0, src or 0
      i.off, i.imm = off or 0, imm or 0
      return i
    end,
  })
  t.bpf_insns = ctypes.vla(insnct)
  local mapattr = ffi.typeof("struct rumpus_lx_bpf_attr_map")
  local elemattr = ffi.typeof("struct rumpus_lx_bpf_attr_elem")
  local progattr = ffi.typeof("struct rumpus_lx_bpf_attr_prog")
  local function bufaddr(v, fname, argn)
    if v == nil then return 0 end
    if type(v) == "cdata" and h.ckind(v) ~= "scalar" and not h.isnull(v) then
      return ffi.cast("uint64_t", ffi.cast("uintptr_t", ffi.cast(voidp, v)))
    end
    h.argerror(fname, argn, "buffer", v)
  end
  function S.bpf(cmd, attr)
    if not (type(attr) == "cdata" and h.ckind(attr) ~= "scalar" and not h.isnull(attr)) then h.argerror("bpf", 2, "attribute buffer", attr) end
    return retnum(sys(SYS.bpf, flag(c.BPF_CMD, cmd, "bpf", 1), attr, ffi.sizeof(attr) or 0))
  end
  function S.bpf_map_create(tp, ksize, vsize, max, flags)
    local a = mapattr()
    a.map_type = flag(c.BPF_MAP, tp, "bpf_map_create", 1)
    a.key_size, a.value_size = h.uint(ksize, "bpf_map_create", 2), h.uint(vsize, "bpf_map_create", 3)
    a.max_entries, a.map_flags = h.uint(max, "bpf_map_create", 4), h.uint(flags or 0, "bpf_map_create", 5)
    local r = sys(SYS.bpf, c.BPF_CMD.MAP_CREATE, a, ffi.sizeof(a))
    if r == -1 then return fail() end
    return env.fd(r)
  end
  function S.bpf_map_op(cmd, fd, key, val, flags)
    local a = elemattr()
    a.map_fd = getfd(fd, "bpf_map_op", 2)
    a.key, a.value = bufaddr(key, "bpf_map_op", 3), bufaddr(val, "bpf_map_op", 4)
    a.flags = h.checknumber(flags or 0, "bpf_map_op", 5)
    return retnum(sys(SYS.bpf, flag(c.BPF_CMD, cmd, "bpf_map_op", 1), a, ffi.sizeof(a)))
  end
  function S.bpf_prog_load(tp, insns, n, license, version)
    local a = progattr()
    a.prog_type = flag(c.BPF_PROG, tp, "bpf_prog_load", 1)
    if not (type(insns) == "cdata" and h.ckind(insns) ~= "scalar") then h.argerror("bpf_prog_load", 2, "bpf_insns", insns) end
    n = h.uint(n or math.floor(ffi.sizeof(insns) / ffi.sizeof(insnct)), "bpf_prog_load", 3)
    if n * ffi.sizeof(insnct) > (ffi.sizeof(insns) or 0) then error("bad argument #3 to 'bpf_prog_load' (more instructions than the buffer holds)", 2) end
    a.insn_cnt, a.insns = n, bufaddr(insns, "bpf_prog_load", 2)
    local lic = license or "GPL"
    h.checkstring(lic, "bpf_prog_load", 4)
    a.license = ffi.cast("uint64_t", ffi.cast("uintptr_t", ffi.cast(charp, lic)))
    local log = t.buffer(65536)
    a.log_level, a.log_size, a.log_buf = 1, 65536, bufaddr(log, "bpf_prog_load", 2)
    a.kern_version = h.uint(version or 0, "bpf_prog_load", 5)
    local r = sys(SYS.bpf, c.BPF_CMD.PROG_LOAD, a, ffi.sizeof(a))
    if r == -1 then
      local e = err(errno())
      return nil, e, ffi.string(log)
    end
    return env.fd(r)
  end

  -- sendmmsg/recvmmsg with t.mmsghdrs{{name = sa, iov = t.iovecs{...}, control = buf,
  -- flags = f}, ...} (or a count): a count and .msg[i] (from 0) with .hdr and .len, as
  -- ljsyscall's.  The names, iovecs and control buffers given stay alive with it.
  pcall(ffi.metatype, t.iovec, { __index = function(v, k)
    if k == "base" then return v.iov_base end
    if k == "len" then return tonumber(v.iov_len) end
  end })
  local mmsgct = ffi.metatype("struct rumpus_lx_mmsghdr", { __index = function(m, k)
    if k == "hdr" then return m.msg_hdr end
    if k == "len" then return tonumber(m.msg_len) end
  end })
  t.mmsghdr = mmsgct
  local mmkeep = setmetatable({}, { __mode = "k" })
  t.mmsghdrs = ffi.metatype("struct rumpus_lx_mmsghdrs", {
    __len = function(v) return v.count end,
    __new = function(tp, list)
      if type(list) == "number" then
        if list < 1 or list % 1 ~= 0 or list > 1024 then h.argerror("mmsghdrs", 1, "count from 1 to 1024", list) end
        return ffi.new(tp, list, list)
      end
      if type(list) ~= "table" or #list < 1 then h.argerror("mmsghdrs", 1, "non-empty table", list) end
      local n = #list
      local v = ffi.new(tp, n, n)
      local keep = {}
      for i, e in ipairs(list) do
        if type(e) ~= "table" then h.argerror("mmsghdrs", 1, "table of messages", e) end
        local m = v.msg[i - 1].msg_hdr
        if e.name ~= nil then
          if not h.copyable(e.name, 2) then h.argerror("mmsghdrs", 1, "address in .name", e.name) end
          m.msg_name, m.msg_namelen = ffi.cast(voidp, e.name), ffi.sizeof(e.name)
          keep[#keep + 1] = e.name
        end
        local iov = e.iov
        if type(iov) == "table" and getmetatable(iov) == nil then iov = t.iovecs(iov) end
        if iov ~= nil then
          if type(iov) ~= "table" or iov.iov == nil then h.argerror("mmsghdrs", 1, "t.iovecs in .iov", e.iov) end
          m.msg_iov, m.msg_iovlen = iov.iov, iov.count
          keep[#keep + 1] = iov
        end
        if e.control ~= nil then
          if not h.copyable(e.control, 1) then h.argerror("mmsghdrs", 1, "buffer in .control", e.control) end
          m.msg_control, m.msg_controllen = ffi.cast(voidp, e.control), ffi.sizeof(e.control)
          keep[#keep + 1] = e.control
        end
        m.msg_flags = flag(c.MSG, e.flags, "mmsghdrs", 1)
      end
      mmkeep[v] = keep
      return v
    end,
  })
  local function mmsgs(v, fname)
    if type(v) == "table" then v = t.mmsghdrs(v) end
    if not (type(v) == "cdata" and ffi.istype(t.mmsghdrs, v)) then h.argerror(fname, 2, "t.mmsghdrs", v) end
    return v
  end
  function S.sendmmsg(fd, msgs, flags)
    msgs = mmsgs(msgs, "sendmmsg")
    return retnum(sys(SYS.sendmmsg, getfd(fd, "sendmmsg", 1), msgs.msg, msgs.count, flag(c.MSG, flags, "sendmmsg", 3)))
  end
  function S.recvmmsg(fd, msgs, flags, timeout)
    msgs = mmsgs(msgs, "recvmmsg")
    if timeout ~= nil then timeout = env.timearg(t.timespec, timeout, "recvmmsg", 4) end
    return retnum(sys(SYS.recvmmsg, getfd(fd, "recvmmsg", 1), msgs.msg, msgs.count, flag(c.MSG, flags, "recvmmsg", 3), timeout))
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
  local c, t = S.c, S.t
  -- File capabilities (the security.capability attribute, struct vfs_cap_data, little-endian):
  -- util.capget(path) -> t.capabilities (effective is permitted when the file's effective bit
  -- is set), util.capset(path, caps, flags) with caps a t.capabilities or a table as for it.
  local CAPNAME = "security.capability"
  local REV_MASK, REV1, REV2, REV3, EFFECTIVE = 0xFF000000, 0x01000000, 0x02000000, 0x03000000, 1
  local function le32(s, i)
    local a, b, cc, d = s:byte(i, i + 3)
    return a + b * 256 + cc * 65536 + d * 16777216
  end
  local function put32(v)
    return string.char(v % 256, math.floor(v / 256) % 256, math.floor(v / 65536) % 256, math.floor(v / 16777216) % 256)
  end
  local function decode(data)
    if #data < 12 then return nil, t.error(c.E.INVAL) end
    local magic = le32(data, 1)
    local rev = magic - magic % 0x1000000
    local words = (rev == REV1) and 1 or ((rev == REV2 or rev == REV3) and 2) or nil
    if not words or #data < 4 + 8 * words then return nil, t.error(c.E.INVAL) end
    local cs = t.capabilities()
    for i = 0, words - 1 do
      cs.permitted.cap[i] = le32(data, 5 + 8 * i)
      cs.inheritable.cap[i] = le32(data, 9 + 8 * i)
      if magic % 2 == EFFECTIVE then cs.effective.cap[i] = cs.permitted.cap[i] end
    end
    return cs
  end
  local function fromlink(get) return function(path)
    local data, e = get(path, CAPNAME)
    if not data then return nil, e end
    return decode(data)
  end end
  util.capget = fromlink(S.getxattr)
  util.lcapget = fromlink(S.lgetxattr)
  util.fcapget = fromlink(S.fgetxattr)
  local function encode(cs)
    if type(cs) == "table" then cs = t.capabilities(cs) end
    local eff = (tonumber(cs.effective.cap[0]) ~= 0 or tonumber(cs.effective.cap[1]) ~= 0) and EFFECTIVE or 0
    local parts = { put32(REV2 + eff) }
    for i = 0, 1 do
      parts[#parts + 1] = put32(tonumber(cs.permitted.cap[i]))
      parts[#parts + 1] = put32(tonumber(cs.inheritable.cap[i]))
    end
    return table.concat(parts)
  end
  local function toset(set, name) return function(path, cs, flags)
    if type(cs) ~= "table" and not (type(cs) == "cdata" and ffi.istype(t.capabilities, cs)) then
      h.argerror(name, 2, "capabilities", cs)
    end
    return set(path, CAPNAME, encode(cs), flags)
  end end
  util.capset = toset(S.setxattr, "capset")
  util.lcapset = toset(S.lsetxattr, "lcapset")
  util.fcapset = toset(S.fsetxattr, "fcapset")

  -- Bridges through the old ioctls (SIOCBRADDBR/SIOCBRDELBR) on a scratch socket, and
  -- util.bridge_list() -> {name = {name =, bridge = {root_id = ...}, brif = {port names}}}
  -- from /sys/class/net, as ljsyscall's.
  local SIOCBRADDBR, SIOCBRDELBR = 0x89a0, 0x89a1
  local function bridge_ioctl(req, name, fname)
    h.checkpath(name, fname, 1)
    if #name >= 16 then error("bad argument #1 to '" .. fname .. "' (interface name too long)", 3) end
    local sock, e = S.socket("unix", "dgram, cloexec")
    if not sock then return nil, e end
    local buf = t.buffer(16)
    ffi.copy(buf, name)
    local r = S.C.ioctl(sock:getfd(), req, ffi.cast("void *", buf))
    local en = ffi.errno()
    sock:close()
    if r == -1 then return nil, t.error(en) end
    return true
  end
  function util.bridge_add(name) return bridge_ioctl(SIOCBRADDBR, name, "bridge_add") end
  function util.bridge_del(name) return bridge_ioctl(SIOCBRDELBR, name, "bridge_del") end
  local function readdir(dir)
    local fd = S.open(dir, "rdonly, directory, cloexec")
    if not fd then return nil end
    local names = {}
    for d in S.getdents(fd) do
      if d.name ~= "." and d.name ~= ".." then names[#names + 1] = d.name end
    end
    fd:close()
    return names
  end
  function util.bridge_list()
    local root = "/sys/class/net"
    local names, e = readdir(root)
    if not names then return nil, e or t.error(c.E.NOENT) end
    local list = {}
    for _, name in ipairs(names) do
      local bdir = root .. "/" .. name .. "/bridge"
      local files = readdir(bdir)
      if files then
        local b = { name = name, bridge = {}, brif = readdir(root .. "/" .. name .. "/brif") or {} }
        for _, f in ipairs(files) do
          local v = util.readfile(bdir .. "/" .. f)
          if v then b.bridge[f] = (v:gsub("%s+$", "")) end
        end
        list[name] = b
      end
    end
    return list
  end

  function util.auditarch()
    local a = require("syscall.abi").arch
    if a == "x64" then return c.AUDIT_ARCH.X86_64 end
    if a == "arm64" then return c.AUDIT_ARCH.AARCH64 end
    error("auditarch: unknown architecture " .. tostring(a), 2)
  end
  return util
end

return M
