-- tools/abicheck.lua: checks the Linux declarations of require "syscall" against the system's
-- C headers.  It writes a C program that prints, from the real headers, the size, alignment
-- and member offsets/sizes of each C struct we declare and the value of each constant we
-- define; the caller compiles and runs it and compares with the FFI's view.
--
--   luajit tools/abicheck.lua [BUILD_DIR]   write BUILD_DIR/abicheck/linux_abi.c, build it
--                                           with $CC, run it and print a report; exit 1 on
--                                           any mismatch
--   loadfile("tools/abicheck.lua")("--lib") the module (used by test/lua/linux_abi_test.lua)
--
-- The tables below are the mapping: our struct -> C type and member names, our constant
-- family -> C macro names.  Every struct declared in syscall/linux/ffi.lua and every family in
-- syscall/linux/constants.lua must appear here (M.coverage reports the ones that do not), so
-- nothing new goes unchecked.  A constant whose macro the headers do not define is reported
-- as unchecked, with the count; it is not a failure.

local mode = ...

local ffi = require "syscall.ffi"
local S = require "syscall"

local M = {}

M.headers = {
  "stddef.h", "stdint.h", "stdio.h", "limits.h", "errno.h", "fcntl.h", "unistd.h", "dirent.h",
  "signal.h", "poll.h", "sched.h", "sys/types.h", "sys/stat.h", "sys/statfs.h", "sys/file.h",
  "sys/uio.h", "sys/time.h", "sys/resource.h", "sys/wait.h", "sys/utsname.h", "sys/sysinfo.h",
  "sys/mman.h", "sys/mount.h", "sys/prctl.h", "sys/random.h", "sys/ioctl.h", "sys/socket.h",
  "sys/un.h", "sys/epoll.h", "sys/eventfd.h", "sys/timerfd.h", "sys/signalfd.h",
  "sys/inotify.h", "sys/select.h", "netinet/in.h", "netinet/tcp.h", "netinet/udp.h",
  "net/if.h", "linux/if.h", "linux/netlink.h", "linux/sockios.h", "linux/capability.h",
  "linux/reboot.h", "sys/swap.h", "sys/xattr.h", "linux/filter.h", "linux/seccomp.h",
  "netinet/ip.h", "linux/aio_abi.h", "mqueue.h", "sys/timex.h", "linux/perf_event.h",
  "linux/bpf.h", "asm/termbits.h",
}

-- Structs: { ours, theirs, members = { "name" or "ours=theirs", ... }, nosize = reason }.
-- Members not listed are padding whose name differs from the C library's.
M.structs = {
  { "struct rumpus_lx_cap_header", "struct __user_cap_header_struct", members = { "version", "pid" } },
  { "struct rumpus_lx_cap_data", "struct __user_cap_data_struct", members = { "effective", "permitted", "inheritable" } },
  { "struct rumpus_lx_timespec", "struct timespec", members = { "tv_sec", "tv_nsec" } },
  { "struct rumpus_lx_timeval", "struct timeval", members = { "tv_sec", "tv_usec" } },
  { "struct rumpus_lx_itimerspec", "struct itimerspec", members = { "it_interval", "it_value" } },
  { "struct rumpus_lx_itimerval", "struct itimerval", members = { "it_interval", "it_value" } },
  { "struct rumpus_lx_timezone", "struct timezone", members = { "tz_minuteswest", "tz_dsttime" } },
  { "struct rumpus_lx_stat", "struct stat", members = { "st_dev", "st_ino", "st_nlink", "st_mode",
    "st_uid", "st_gid", "st_rdev", "st_size", "st_blksize", "st_blocks", "st_atim", "st_mtim",
    "st_ctim" } },
  { "struct rumpus_lx_statfs", "struct statfs", members = { "f_type", "f_bsize", "f_blocks",
    "f_bfree", "f_bavail", "f_files", "f_ffree", "f_fsid", "f_namelen", "f_frsize", "f_flags",
    "f_spare" } },
  { "struct rumpus_lx_iovec", "struct iovec", members = { "iov_base", "iov_len" } },
  { "struct rumpus_lx_dirent64", "struct dirent64", members = { "d_ino", "d_off", "d_reclen",
    "d_type", "d_name" }, nosize = "ours ends in a flexible d_name[], glibc's is d_name[256]" },
  { "struct rumpus_lx_flock", "struct flock", members = { "l_type", "l_whence", "l_start",
    "l_len", "l_pid" } },
  { "struct rumpus_lx_utsname", "struct utsname", members = { "sysname", "nodename", "release",
    "version", "machine", "domainname" } },
  { "struct rumpus_lx_sysinfo", "struct sysinfo", members = { "uptime", "loads", "totalram",
    "freeram", "sharedram", "bufferram", "totalswap", "freeswap", "procs", "pad", "totalhigh",
    "freehigh", "mem_unit" } },
  { "struct rumpus_lx_rlimit", "struct rlimit", members = { "rlim_cur", "rlim_max" } },
  { "struct rumpus_lx_rusage", "struct rusage", members = { "ru_utime", "ru_stime", "ru_maxrss",
    "ru_ixrss", "ru_idrss", "ru_isrss", "ru_minflt", "ru_majflt", "ru_nswap", "ru_inblock",
    "ru_oublock", "ru_msgsnd", "ru_msgrcv", "ru_nsignals", "ru_nvcsw", "ru_nivcsw" } },
  { "struct rumpus_lx_sigset", "sigset_t", members = { "val=__val" } },
  { "union rumpus_lx_sigval", "union sigval", members = { "sival_int", "sival_ptr" } },
  { "struct rumpus_lx_siginfo", "siginfo_t", members = { "si_signo", "si_errno", "si_code",
    "si_pid", "si_uid", "si_status", "si_utime", "si_stime", "si_addr", "si_value", "si_band",
    "si_fd" } },
  { "struct rumpus_lx_sigaction", "struct sigaction", members = { "sa_handler", "sa_sigaction",
    "sa_mask", "sa_flags", "sa_restorer" } },
  { "struct rumpus_lx_signalfd_siginfo", "struct signalfd_siginfo", members = { "ssi_signo",
    "ssi_errno", "ssi_code", "ssi_pid", "ssi_uid", "ssi_fd", "ssi_tid", "ssi_band",
    "ssi_overrun", "ssi_trapno", "ssi_status", "ssi_int", "ssi_ptr", "ssi_utime", "ssi_stime",
    "ssi_addr", "ssi_addr_lsb", "ssi_syscall", "ssi_call_addr", "ssi_arch" } },
  { "struct rumpus_lx_inotify_event", "struct inotify_event", members = { "wd", "mask",
    "cookie", "len", "name[]" } },
  { "union rumpus_lx_epoll_data", "epoll_data_t", members = { "ptr", "fd", "u32", "u64" } },
  { "struct rumpus_lx_epoll_event", "struct epoll_event", members = { "events", "data" } },
  { "struct rumpus_lx_pollfd", "struct pollfd", members = { "fd", "events", "revents" } },
  { "struct rumpus_lx_fdset", "fd_set", members = { "fds_bits" } },
  { "struct rumpus_lx_sockaddr", "struct sockaddr", members = { "sa_family", "sa_data" } },
  { "struct rumpus_lx_sockaddr_storage", "struct sockaddr_storage", members = { "ss_family",
    "__ss_padding", "__ss_align" } },
  { "struct rumpus_lx_in_addr", "struct in_addr", members = { "s_addr" } },
  { "struct rumpus_lx_in6_addr", "struct in6_addr", members = { "s6_addr", "s6_addr16",
    "s6_addr32" } },
  { "struct rumpus_lx_sockaddr_in", "struct sockaddr_in", members = { "sin_family", "sin_port",
    "sin_addr", "sin_zero" } },
  { "struct rumpus_lx_sockaddr_in6", "struct sockaddr_in6", members = { "sin6_family",
    "sin6_port", "sin6_flowinfo", "sin6_addr", "sin6_scope_id" } },
  { "struct rumpus_lx_sockaddr_un", "struct sockaddr_un", members = { "sun_family", "sun_path" } },
  { "struct rumpus_lx_sockaddr_nl", "struct sockaddr_nl", members = { "nl_family", "nl_pad",
    "nl_pid", "nl_groups" } },
  { "struct rumpus_lx_msghdr", "struct msghdr", members = { "msg_name", "msg_namelen",
    "msg_iov", "msg_iovlen", "msg_control", "msg_controllen", "msg_flags" } },
  { "struct rumpus_lx_cmsghdr", "struct cmsghdr", members = { "cmsg_len", "cmsg_level",
    "cmsg_type", "cmsg_data=__cmsg_data[]" } },
  { "struct rumpus_lx_ucred", "struct ucred", members = { "pid", "uid", "gid" } },
  { "struct rumpus_lx_linger", "struct linger", members = { "l_onoff", "l_linger" } },
  { "struct rumpus_lx_ip_mreq", "struct ip_mreq", members = { "imr_multiaddr", "imr_interface" } },
  { "struct rumpus_lx_ip_mreqn", "struct ip_mreqn", members = { "imr_multiaddr", "imr_address",
    "imr_ifindex" } },
  { "struct rumpus_lx_ipv6_mreq", "struct ipv6_mreq", members = { "ipv6mr_multiaddr",
    "ipv6mr_interface" } },
  { "struct rumpus_lx_ifmap", "struct ifmap", members = { "mem_start", "mem_end", "base_addr",
    "irq", "dma", "port" } },
  { "struct rumpus_lx_ifreq", "struct ifreq", members = { "ifr_name", "ifr_addr", "ifr_dstaddr",
    "ifr_broadaddr", "ifr_netmask", "ifr_hwaddr", "ifr_flags", "ifr_ifindex", "ifr_metric",
    "ifr_mtu", "ifr_map", "ifr_slave", "ifr_newname", "ifr_data" } },
  { "struct rumpus_lx_winsize", "struct winsize", members = { "ws_row", "ws_col", "ws_xpixel",
    "ws_ypixel" } },
  { "struct rumpus_lx_cpu_set", "cpu_set_t", members = { "val=__bits" } },
  { "struct rumpus_lx_sched_param", "struct sched_param", members = { "sched_priority" } },
  { "struct rumpus_lx_sigevent", "struct sigevent", members = { "sigev_value", "sigev_signo", "sigev_notify" } },
  -- added for ljsyscall's suite (issue 12); bitfields cannot be checked by offsetof
  { "struct rumpus_lx_sock_filter", "struct sock_filter", members = { "code", "jt", "jf", "k" } },
  { "struct rumpus_lx_sock_fprog", "struct sock_fprog", members = { "len", "filter" } },
  { "struct rumpus_lx_seccomp_data", "struct seccomp_data", members = { "nr", "arch",
    "instruction_pointer", "args" } },
  { "struct rumpus_lx_iphdr", "struct iphdr", members = { "tos", "tot_len", "id", "frag_off",
    "ttl", "protocol", "check", "saddr", "daddr" } },
  { "struct rumpus_lx_udphdr", "struct udphdr", members = { "source", "dest", "len", "check" } },
  { "struct rumpus_lx_iocb", "struct iocb", members = { "aio_data", "aio_key", "aio_rw_flags",
    "aio_lio_opcode", "aio_reqprio", "aio_fildes", "aio_buf", "aio_nbytes", "aio_offset",
    "aio_reserved2", "aio_flags", "aio_resfd" } },
  { "struct rumpus_lx_io_event", "struct io_event", members = { "data", "obj", "res", "res2" } },
  { "struct rumpus_lx_mq_attr", "struct mq_attr", members = { "mq_flags", "mq_maxmsg",
    "mq_msgsize", "mq_curmsgs" } },
  { "struct rumpus_lx_timex", "struct timex", members = { "modes", "offset", "freq", "maxerror",
    "esterror", "status", "constant", "precision", "tolerance", "time", "tick", "ppsfreq",
    "jitter", "shift", "stabil", "jitcnt", "calcnt", "errcnt", "stbcnt", "tai" } },
  { "struct rumpus_lx_termios", "struct termios", members = { "c_iflag", "c_oflag", "c_cflag",
    "c_lflag", "c_line", "c_cc" } },
  { "struct rumpus_lx_mmsghdr", "struct mmsghdr", members = { "msg_hdr", "msg_len" } },
  { "struct rumpus_lx_perf_event_attr", "struct perf_event_attr", members = { "pe_type=type",
    "size", "pe_config=config", "sample_period", "sample_type", "read_format", "wakeup_events",
    "bp_type", "config1", "config2", "branch_sample_type", "sample_regs_user",
    "sample_stack_user", "clockid", "sample_regs_intr", "aux_watermark", "sample_max_stack" },
    nosize = "the kernel's grows with new fields; ours is PERF_ATTR_SIZE_VER5 (112 bytes)" },
  { "struct rumpus_lx_bpf_insn", "struct bpf_insn", members = { "code", "off", "imm" } },
}

-- Declared structs that have no C library counterpart.
M.ours_only = { ["struct rumpus_fd"] = "the library's descriptor object",
  ["struct rumpus_lx_cap"] = "one capability set as two words (ljsyscall's t.cap)",
  ["struct rumpus_lx_capabilities"] = "the three sets together (ljsyscall's t.capabilities)",
  ["struct rumpus_lx_timer"] = "a POSIX timer's kernel id and liveness (ljsyscall's t.timer)",
  ["struct rumpus_lx_epoll_events"] = "epoll events with their count (ljsyscall's t.epoll_events)",
  ["struct rumpus_lx_mmsghdrs"] = "mmsghdrs with their count (ljsyscall's t.mmsghdrs)",
  ["struct rumpus_lx_aio_context"] = "an aio_context_t in a struct (ljsyscall's t.aio_context)",
  ["struct rumpus_lx_mqd"] = "a message queue descriptor object (ljsyscall's t.mqd)",
  ["struct rumpus_lx_bpf_attr_map"] = "the MAP_CREATE view of union bpf_attr, padded to 128 bytes",
  ["struct rumpus_lx_bpf_attr_elem"] = "the map element view of union bpf_attr, padded to 128 bytes",
  ["struct rumpus_lx_bpf_attr_prog"] = "the PROG_LOAD view of union bpf_attr, padded to 128 bytes" }

-- Every name of a family (for families the headers define as enum constants).
local function allnames(fam)
  local r = {}
  for k in pairs(S.c[fam] or {}) do if type(k) == "string" then r[k] = true end end
  return r
end

-- Constant families: how each name becomes a C macro.
--   prefix/suffix  macro = prefix .. NAME .. suffix
--   names          per-name exceptions (false: no C macro exists by design)
--   enum           names the headers define as enum constants (no #ifdef possible)
--   same           this c.X is the same table as c.<same> (checked there)
M.families = {
  EXIT = { prefix = "EXIT_" },
  WAIT = { prefix = "WAIT_" },
  CAP = { prefix = "CAP_" },
  CLD = { prefix = "CLD_" },
  SCHED = { prefix = "SCHED_", names = { NORMAL = "SCHED_OTHER" } },
  LINUX_REBOOT_CMD = { prefix = "LINUX_REBOOT_CMD_" },
  SWAP_FLAG = { prefix = "SWAP_FLAG_" },
  SYSLOG_ACTION = { prefix = "SYSLOG_ACTION_" },  -- the kernel's names; no user header has them
  LINUX_CAPABILITY_VERSION = { prefix = "_LINUX_CAPABILITY_VERSION_" },
  E = { prefix = "E" },
  O = { prefix = "O_" },
  AT_FDCWD = { prefix = "AT_" },
  AT = { prefix = "AT_" },
  S_I = { prefix = "S_I" },
  MODE = { same = "S_I" },
  SEEK = { prefix = "SEEK_" },
  OK = { suffix = "_OK" },
  F = { prefix = "F_" },
  FCNTL_LOCK = { prefix = "F_" },
  F_SEAL = { prefix = "F_SEAL_" },
  -- added for ljsyscall's suite (issue 12); the netlink families are S.nl.c's
  ADJ = { prefix = "ADJ_" }, STA = { prefix = "STA_" }, TIME = { prefix = "TIME_" },
  B = { prefix = "B" }, CC = { prefix = "" }, IFLAG = { prefix = "" }, OFLAG = { prefix = "" },
  CFLAG = { prefix = "" }, LFLAG = { prefix = "" }, TCSA = { prefix = "TCSA" },
  TCFLUSH = { prefix = "TC" }, TCFLOW = { prefix = "TC" },
  ETHERTYPE = { prefix = "ETHERTYPE_" }, AUDIT_ARCH = { prefix = "AUDIT_ARCH_" },
  BPF = { prefix = "BPF_" }, SECCOMP_MODE = { prefix = "SECCOMP_MODE_" },
  SECCOMP_RET = { prefix = "SECCOMP_RET_" }, SIGCLD = { same = "CLD" },
  IOCB_CMD = { prefix = "IOCB_CMD_", enum = allnames("IOCB_CMD") }, IOCB_FLAG = { prefix = "IOCB_FLAG_" },
  BPF_CMD = { prefix = "BPF_", enum = allnames("BPF_CMD") },
  BPF_MAP = { prefix = "BPF_MAP_TYPE_", enum = allnames("BPF_MAP") },
  BPF_PROG = { prefix = "BPF_PROG_TYPE_", enum = allnames("BPF_PROG") },
  PERF_TYPE = { prefix = "PERF_TYPE_", enum = allnames("PERF_TYPE") },
  PERF_COUNT = { prefix = "PERF_COUNT_", enum = allnames("PERF_COUNT") },
  PERF_RECORD = { prefix = "PERF_RECORD_", enum = allnames("PERF_RECORD") },
  PERF_SAMPLE = { prefix = "PERF_SAMPLE_", enum = allnames("PERF_SAMPLE") },
  PERF_FLAG = { prefix = "PERF_FLAG_" },
  ARPHRD = { prefix = "ARPHRD_" }, IFA = { prefix = "IFA_" }, IFA_F = { prefix = "IFA_F_" },
  IFLA = { prefix = "IFLA_" }, IFLA_INFO = { prefix = "IFLA_INFO_" },
  IFLA_MACVLAN = { prefix = "IFLA_MACVLAN_" }, IFLA_VLAN = { prefix = "IFLA_VLAN_" },
  IF_OPER = { prefix = "IF_OPER_" }, MACVLAN_MODE = { prefix = "MACVLAN_MODE_" },
  NDA = { prefix = "NDA_" }, NETLINK_OPT = { prefix = "NETLINK_" }, NLMSG = { prefix = "NLMSG_" },
  NLMSGERR_ATTR = { prefix = "NLMSGERR_ATTR_" }, NLM_F = { prefix = "NLM_F_" }, NTF = { prefix = "NTF_" },
  NUD = { prefix = "NUD_" }, RTA = { prefix = "RTA_" }, RTF = { prefix = "RTF_" }, RTM = { prefix = "RTM_" },
  RTMGRP = { prefix = "RTMGRP_" }, RTN = { prefix = "RTN_" }, RTNH_F = { prefix = "RTNH_F_" },
  RTPROT = { prefix = "RTPROT_" }, RT_SCOPE = { prefix = "RT_SCOPE_" }, RT_TABLE = { prefix = "RT_TABLE_" },
  VETH_INFO = { prefix = "VETH_INFO_" },
  FD = { prefix = "FD_" },
  LOCKF = { prefix = "F_" },
  SIGEV = { prefix = "SIGEV_" },
  OPIPE = { prefix = "O_" },
  LOCK = { prefix = "LOCK_" },
  UTIME = { prefix = "UTIME_" },
  DT = { prefix = "DT_" },
  RENAME = { prefix = "RENAME_" },
  POSIX_FADV = { prefix = "POSIX_FADV_" },
  FALLOC_FL = { prefix = "FALLOC_FL_" },
  MFD = { prefix = "MFD_" },
  SPLICE_F = { prefix = "SPLICE_F_" },
  XATTR = { prefix = "XATTR_" },
  SYNC_FILE_RANGE = { prefix = "SYNC_FILE_RANGE_" },
  PC = { prefix = "_PC_" },
  STD = { prefix = "STD", names = { IN = false, OUT = false, ERR = false } },
  AF = { prefix = "AF_" },
  PF = { prefix = "PF_" },
  SOCK = { prefix = "SOCK_" },
  SOL = { prefix = "SOL_" },
  SO = { prefix = "SO_" },
  SCM = { prefix = "SCM_" },
  MSG = { prefix = "MSG_" },
  SHUT = { prefix = "SHUT_" },
  IPPROTO = { prefix = "IPPROTO_" },
  IP = { prefix = "IP_" },
  IPV6 = { prefix = "IPV6_" },
  TCP = { prefix = "TCP_" },
  UDP = { prefix = "UDP_" },
  INADDR = { prefix = "INADDR_" },
  NETLINK = { prefix = "NETLINK_" },
  POLL = { prefix = "POLL" },
  EPOLL = { prefix = "EPOLL", names = { CLOEXEC = "EPOLL_CLOEXEC" } },
  EPOLL_CTL = { prefix = "EPOLL_CTL_" },
  EPOLLCREATE = { prefix = "EPOLL_" },
  EFD = { prefix = "EFD_" },
  TFD = { prefix = "TFD_" },
  TFD_TIMER = { prefix = "TFD_TIMER_" },
  SFD = { prefix = "SFD_" },
  IN_INIT = { prefix = "IN_" },
  IN = { prefix = "IN_" },
  PROT = { prefix = "PROT_" },
  MAP = { prefix = "MAP_" },
  MADV = { prefix = "MADV_" },
  MCL = { prefix = "MCL_" },
  MREMAP = { prefix = "MREMAP_" },
  MS_SYNC = { prefix = "MS_" },
  MSYNC = { same = "MS_SYNC" },
  SIG = { prefix = "SIG" },
  SIGACT = { prefix = "SIG_" },
  SIGPM = { prefix = "SIG_" },
  SA = { prefix = "SA_" },
  W = { prefix = "W", names = { ALL = "__WALL", CLONE = "__WCLONE", NOTHREAD = "__WNOTHREAD" } },
  P = { prefix = "P_", enum = { ALL = true, PID = true, PGID = true, PIDFD = true } },
  CLONE = { prefix = "CLONE_" },
  RLIMIT = { prefix = "RLIMIT_", names = { OFILE = "RLIMIT_OFILE" } },
  RLIM = { prefix = "RLIM_" },
  PR = { prefix = "PR_" },
  PRIO = { prefix = "PRIO_" },
  RUSAGE = { prefix = "RUSAGE_" },
  GRND = { prefix = "GRND_" },
  CLOCK = { prefix = "CLOCK_" },
  TIMER = { prefix = "TIMER_" },
  ITIMER = { prefix = "ITIMER_" },
  MS = { prefix = "MS_", names = { RO = false, RW = false } },  -- RO/RW: ljsyscall's aliases
  UMOUNT = { prefix = "MNT_", names = { NOFOLLOW = "UMOUNT_NOFOLLOW" } },
  MNT = { same = "UMOUNT" },
  IOCTL = { prefix = "" },
  IFF = { prefix = "IFF_" },
}

-- Single constants: c.NAME -> C macro.
M.scalars = {
  PATH_MAX = "PATH_MAX", NAME_MAX = "NAME_MAX", IOV_MAX = "IOV_MAX", SOMAXCONN = "SOMAXCONN",
  IFNAMSIZ = "IFNAMSIZ", FD_SETSIZE = "FD_SETSIZE", NSIG = "NSIG",
  UTSNAME_LENGTH = "_UTSNAME_LENGTH",
}

-- "name", "ours=theirs"; a trailing "[]" marks a flexible array member (no size).
local function split_member(m)
  local flex = m:sub(-2) == "[]"
  if flex then m = m:sub(1, -3) end
  local ours, theirs = m:match("^([%w_]+)=([%w_%.]+)$")
  if ours then return ours, theirs, flex end
  return m, m, flex
end
M.split_member = split_member

local function sorted_keys(t)
  local ks = {}
  for k in pairs(t) do ks[#ks + 1] = k end
  table.sort(ks, function(a, b) return tostring(a) < tostring(b) end)
  return ks
end
M.sorted_keys = sorted_keys

-- The macro name for c[fam][name], or false when there is none by design.
function M.macro(fam, name)
  local spec = M.families[fam]
  if spec.names and spec.names[name] ~= nil then return spec.names[name] end
  return (spec.prefix or "") .. name .. (spec.suffix or "")
end

-- What is declared but not mapped: { structs = {...}, families = {...}, scalars = {...} }.
-- ffi_source: the text of the Lua files that declare structs (lua/syscall/linux/*.lua).
function M.coverage(ffi_source)
  local missing = { structs = {}, families = {}, scalars = {} }
  local mapped = {}
  for _, s in ipairs(M.structs) do mapped[s[1]] = true end
  for kind, name in ffi_source:gmatch("(%a+) (rumpus_[%w_]+) {") do
    local full = kind .. " " .. name
    if (kind == "struct" or kind == "union") and not mapped[full] and not M.ours_only[full] then
      missing.structs[#missing.structs + 1] = full
    end
  end
  for _, k in ipairs(sorted_keys(S.c)) do
    local v = S.c[k]
    if type(v) == "table" then
      if not M.families[k] then missing.families[#missing.families + 1] = k end
    elseif not M.scalars[k] and not M.families[k] then
      missing.scalars[#missing.scalars + 1] = k
    end
  end
  return missing
end

local function cstr(s) return '"' .. s .. '"' end

-- The C program.  Its output lines (tab-separated):
--   S  ours  size  align                 (size -1: not compared)
--   M  ours  member  offset  size
--   K  family  name  macro  size  hi32  lo32
--   U  family  name  macro               (macro not defined by the headers)
function M.csource()
  local o = {}
  local function w(s) o[#o + 1] = s end
  w("/* Generated by tools/abicheck.lua: do not edit. */")
  w("#define _GNU_SOURCE 1")
  for _, hdr in ipairs(M.headers) do w("#include <" .. hdr .. ">") end
  w([[

static void k(const char *fam, const char *name, const char *macro, unsigned long long v, size_t size)
{
	if (size < sizeof v)
		v &= (1ULL << (8 * size)) - 1;
	printf("K\t%s\t%s\t%s\t%zu\t%llu\t%llu\n", fam, name, macro, size, v >> 32, v & 0xffffffffULL);
}

static void u(const char *fam, const char *name, const char *macro)
{
	printf("U\t%s\t%s\t%s\n", fam, name, macro);
}

#define K(fam, name, macro) k(fam, name, #macro, (unsigned long long)(macro), sizeof(macro))
#define S(ours, theirs, checksize) \
	printf("S\t%s\t%d\t%zu\n", ours, (checksize) ? (int)sizeof(theirs) : -1, _Alignof(theirs))
#define M(ours, theirs, om, tm) \
	printf("M\t%s\t%s\t%zu\t%zu\n", ours, om, offsetof(theirs, tm), sizeof(((theirs *)0)->tm))
#define MF(ours, theirs, om, tm) printf("M\t%s\t%s\t%zu\t0\n", ours, om, offsetof(theirs, tm))

int main(void)
{]])
  for _, s in ipairs(M.structs) do
    w(string.format("\tS(%s, %s, %d);", cstr(s[1]), s[2], s.nosize and 0 or 1))
    for _, m in ipairs(s.members) do
      local om, tm, flex = split_member(m)
      w(string.format("\t%s(%s, %s, %s, %s);", flex and "MF" or "M", cstr(s[1]), s[2], cstr(om), tm))
    end
  end
  for _, fam in ipairs(sorted_keys(M.families)) do
    local spec = M.families[fam]
    local tab = S.c[fam]
    if type(tab) == "table" and not spec.same then
      for _, name in ipairs(sorted_keys(tab)) do
        local macro = M.macro(fam, name)
        if macro == false then
          w(string.format("\tu(%s, %s, %s);", cstr(fam), cstr(name), cstr("-")))
        elseif spec.enum and spec.enum[name] then
          w(string.format("\tK(%s, %s, %s);", cstr(fam), cstr(name), macro))
        else
          w(string.format("#ifdef %s\n\tK(%s, %s, %s);\n#else\n\tu(%s, %s, %s);\n#endif",
            macro, cstr(fam), cstr(name), macro, cstr(fam), cstr(name), cstr(macro)))
        end
      end
    end
  end
  for _, name in ipairs(sorted_keys(M.scalars)) do
    local macro = M.scalars[name]
    w(string.format("#ifdef %s\n\tK(%s, %s, %s);\n#else\n\tu(%s, %s, %s);\n#endif",
      macro, cstr("."), cstr(name), macro, cstr("."), cstr(name), cstr(macro)))
  end
  w("\treturn 0;\n}\n")
  return table.concat(o, "\n")
end

-- Parses the program's output.
function M.parse(out)
  local r = { structs = {}, consts = {}, unchecked = {} }
  for line in out:gmatch("[^\n]+") do
    local f = {}
    for x in line:gmatch("[^\t]+") do f[#f + 1] = x end
    if f[1] == "S" then
      r.structs[f[2]] = { size = tonumber(f[3]), align = tonumber(f[4]), members = {} }
    elseif f[1] == "M" then
      r.structs[f[2]].members[f[3]] = { offset = tonumber(f[4]), size = tonumber(f[5]) }
    elseif f[1] == "K" then
      r.consts[f[2]] = r.consts[f[2]] or {}
      r.consts[f[2]][f[3]] = { macro = f[4], size = tonumber(f[5]), hi = tonumber(f[6]), lo = tonumber(f[7]) }
    elseif f[1] == "U" then
      r.unchecked[#r.unchecked + 1] = f[2] .. "." .. f[3] .. " (" .. f[4] .. ")"
    end
  end
  return r
end

-- Size of member m of ctype ct as the FFI sees it (nil for a flexible array).
local function membersize(ct, m)
  local p = ffi.new(ct)
  local v = p[m]
  -- PUC Lua's ffi reads a NULL pointer member as nil and sees cdata through ffi.type.
  if v == nil then return ffi.sizeof("void *") end
  if (ffi.type or type)(v) == "cdata" then return ffi.sizeof(v) end
  -- A number-valued (integer) member: set all its bits and count the bytes that changed.
  p[m] = -1
  local bytes = ffi.cast("unsigned char *", p)
  local n = 0
  for i = 0, ffi.sizeof(ct) - 1 do if bytes[i] == 0xff then n = n + 1 end end
  return n
end

-- Compares one struct; returns a list of mismatch messages.
function M.check_struct(s, facts)
  local errs = {}
  local ours = s[1]
  local f = facts.structs[ours]
  if not f then return { ours .. ": not in the probe output" } end
  local ct = ffi.typeof(ours)
  if f.size >= 0 and ffi.sizeof(ct) ~= f.size then
    errs[#errs + 1] = string.format("%s: sizeof %d, %s has %d", ours, ffi.sizeof(ct), s[2], f.size)
  end
  if ffi.alignof(ct) ~= f.align then
    errs[#errs + 1] = string.format("%s: alignof %d, %s has %d", ours, ffi.alignof(ct), s[2], f.align)
  end
  for _, m in ipairs(s.members) do
    local om, tm = split_member(m)
    local cm = f.members[om]
    local ok, off = pcall(ffi.offsetof, ct, om)
    if not ok or off == nil then
      errs[#errs + 1] = string.format("%s: no member %s", ours, om)
    else
      if off ~= cm.offset then
        errs[#errs + 1] = string.format("%s.%s: offset %d, %s.%s is at %d", ours, om, off, s[2], tm, cm.offset)
      end
      local sz = membersize(ct, om)
      if sz and cm.size > 0 and sz ~= cm.size then
        errs[#errs + 1] = string.format("%s.%s: size %d, %s.%s has %d", ours, om, sz, s[2], tm, cm.size)
      end
    end
  end
  return errs
end

-- Our value's low 32 bits and high 32 bits, as two's complement.
local function split64(v)
  local lo = v % 4294967296
  local hi = math.floor(v / 4294967296) % 4294967296
  return hi, lo
end

-- Compares one constant family (or "." for the single constants); returns messages and the
-- number of values compared.
function M.check_family(fam, facts)
  local errs, n = {}, 0
  local got = facts.consts[fam] or {}
  local function cmp(name, v)
    local k = got[tostring(name)]
    if not k then return end
    n = n + 1
    if type(v) ~= "number" then
      errs[#errs + 1] = string.format("c.%s.%s: not a number (%s)", fam, name, type(v))
      return
    end
    local hi, lo = split64(v)
    local same = lo == k.lo and (k.size <= 4 or hi == k.hi)
    if same and k.size <= 4 and v ~= lo and v ~= lo - 4294967296 then same = false end
    if not same then
      local cval = k.hi * 4294967296 + k.lo
      if k.size <= 4 and k.lo >= 2147483648 then cval = string.format("%d or %d", k.lo, k.lo - 4294967296) end
      errs[#errs + 1] = string.format("c.%s.%s = %s (0x%x), but %s = %s (0x%x, %d bytes)",
        fam == "." and "" or fam, name, tostring(v), lo, k.macro, tostring(cval), k.lo, k.size)
    end
  end
  if fam == "." then
    for _, name in ipairs(sorted_keys(M.scalars)) do cmp(name, S.c[name]) end
  else
    local tab = S.c[fam]
    for _, name in ipairs(sorted_keys(tab)) do cmp(name, rawget(tab, name)) end
  end
  return errs, n
end

-- Writes the C file, builds and runs it.  Returns the parsed facts, or nil and a message.
function M.probe(builddir, sh)
  local dir = builddir .. "/abicheck"
  os.execute("mkdir -p '" .. dir .. "'")
  local cfile = dir .. "/linux_abi.c"
  local f = assert(io.open(cfile, "w"))
  f:write(M.csource())
  f:close()
  local cc = os.getenv("CC") or "cc"
  local out, ok = sh(cc .. " -std=gnu11 -Wall -Wextra -Werror -O0 -o '" .. dir .. "/linux_abi' '" .. cfile .. "'")
  if not ok then return nil, "compiling " .. cfile .. " failed:\n" .. out end
  out, ok = sh("'" .. dir .. "/linux_abi'")
  if not ok then return nil, "running the probe failed:\n" .. out end
  return M.parse(out)
end

local function shell(cmd)
  local p = io.popen(cmd .. " 2>&1; echo \"__rc=$?\"")
  local out = p:read("*a")
  p:close()
  local body, rc = out:match("^(.-)\n?__rc=(%d+)\n?$")
  return body or out, tonumber(rc) == 0
end
M.shell = shell

if mode == "--lib" then return M end

-- As a script: print a report.
local builddir = mode or os.getenv("RUMPUS_BUILD") or "build"
local facts, err = M.probe(builddir, shell)
if not facts then io.stderr:write(err, "\n") os.exit(1) end
local bad = 0
local srcdir = package.searchpath("syscall.linux.ffi", package.path):match("^(.*)/[^/]*$")
local src = {}
for path in shell("ls '" .. srcdir .. "'/*.lua"):gmatch("[^\n]+") do src[#src + 1] = assert(io.open(path)):read("*a") end
local miss = M.coverage(table.concat(src, "\n"))
for kind, list in pairs(miss) do
  for _, name in ipairs(list) do bad = bad + 1 print("not mapped: " .. kind .. " " .. name) end
end
local nstructs, nconsts = 0, 0
for _, s in ipairs(M.structs) do
  nstructs = nstructs + 1
  for _, e in ipairs(M.check_struct(s, facts)) do bad = bad + 1 print("MISMATCH " .. e) end
end
local fams = sorted_keys(M.families)
fams[#fams + 1] = "."
for _, fam in ipairs(fams) do
  if not M.families[fam] or not M.families[fam].same then
    local errs, n = M.check_family(fam, facts)
    nconsts = nconsts + n
    for _, e in ipairs(errs) do bad = bad + 1 print("MISMATCH " .. e) end
  end
end
print(string.format("%d structs, %d constants checked; %d constants unchecked (no C macro):",
  nstructs, nconsts, #facts.unchecked))
print("  " .. table.concat(facts.unchecked, ", "))
print(bad == 0 and "ABI OK" or (bad .. " mismatches"))
os.exit(bad == 0 and 0 or 1)
