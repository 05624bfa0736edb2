-- syscall.netbsd.ffi: C declarations of the NetBSD ABI (7.99.34, x86_64 LP64) that the
-- kernels' syscall tables use.  Names are struct rumpus_nb_*, never the plain C names, so the
-- host's declarations and any other FFI library coexist with these in one Lua state.
-- test/lua/netbsd_types_test.lua checks every size, alignment and offset against
-- abi/netbsd/structs.tsv.  Note the packed in_addr (alignment 1), which makes
-- sockaddr_in 2-aligned, and the 12-byte cmsghdr.

local ffi = require "syscall.ffi"

if package.loaded["syscall.netbsd.ffi.done"] then return true end

ffi.cdef [[
struct rumpus_nb_timespec { int64_t tv_sec; long tv_nsec; };
struct rumpus_nb_timeval { int64_t tv_sec; int tv_usec; };
struct rumpus_nb_timezone { int tz_minuteswest; int tz_dsttime; };
struct rumpus_nb_itimerspec { struct rumpus_nb_timespec it_interval; struct rumpus_nb_timespec it_value; };
struct rumpus_nb_itimerval { struct rumpus_nb_timeval it_interval; struct rumpus_nb_timeval it_value; };
struct rumpus_nb_stat {
  uint64_t st_dev; uint32_t st_mode; uint64_t st_ino; uint32_t st_nlink; uint32_t st_uid;
  uint32_t st_gid; uint64_t st_rdev; struct rumpus_nb_timespec st_atim;
  struct rumpus_nb_timespec st_mtim; struct rumpus_nb_timespec st_ctim;
  struct rumpus_nb_timespec st_birthtim; int64_t st_size; int64_t st_blocks; int32_t st_blksize;
  uint32_t st_flags; uint32_t st_gen; uint32_t st_spare[2];
};
struct rumpus_nb_statvfs {
  unsigned long f_flag; unsigned long f_bsize; unsigned long f_frsize; unsigned long f_iosize;
  uint64_t f_blocks; uint64_t f_bfree; uint64_t f_bavail; uint64_t f_bresvd; uint64_t f_files;
  uint64_t f_ffree; uint64_t f_favail; uint64_t f_fresvd; uint64_t f_syncreads;
  uint64_t f_syncwrites; uint64_t f_asyncreads; uint64_t f_asyncwrites;
  struct { int32_t __fsid_val[2]; } f_fsidx; unsigned long f_fsid; unsigned long f_namemax;
  uint32_t f_owner; uint32_t f_spare[4]; char f_fstypename[32]; char f_mntonname[1024];
  char f_mntfromname[1024];
};
struct rumpus_nb_iovec { void *iov_base; size_t iov_len; };
struct rumpus_nb_dirent {
  uint64_t d_fileno; uint16_t d_reclen; uint16_t d_namlen; uint8_t d_type; char d_name[512];
};
struct rumpus_nb_flock { int64_t l_start; int64_t l_len; int32_t l_pid; short l_type; short l_whence; };
struct rumpus_nb_rlimit { uint64_t rlim_cur; uint64_t rlim_max; };
struct rumpus_nb_rusage {
  struct rumpus_nb_timeval ru_utime; struct rumpus_nb_timeval ru_stime; long ru_maxrss;
  long ru_ixrss; long ru_idrss; long ru_isrss; long ru_minflt; long ru_majflt; long ru_nswap;
  long ru_inblock; long ru_oublock; long ru_msgsnd; long ru_msgrcv; long ru_nsignals;
  long ru_nvcsw; long ru_nivcsw;
};
struct rumpus_nb_utsname {
  char sysname[256]; char nodename[256]; char release[256]; char version[256]; char machine[256];
};
struct rumpus_nb_sigset { uint32_t __bits[4]; };
struct rumpus_nb_pollfd { int fd; short events; short revents; };
struct rumpus_nb_fdset { uint32_t fds_bits[8]; };
struct rumpus_nb_sockaddr { uint8_t sa_len; uint8_t sa_family; char sa_data[14]; };
struct rumpus_nb_sockaddr_storage {
  uint8_t ss_len; uint8_t ss_family; char __ss_pad1[6]; int64_t __ss_align; char __ss_pad2[112];
};
struct rumpus_nb_in_addr { uint32_t s_addr; } __attribute__((packed));
struct rumpus_nb_in6_addr {
  union { uint8_t __u6_addr8[16]; uint16_t __u6_addr16[8]; uint32_t __u6_addr32[4]; } __u6_addr;
};
struct rumpus_nb_sockaddr_in {
  uint8_t sin_len; uint8_t sin_family; uint16_t sin_port; struct rumpus_nb_in_addr sin_addr;
  int8_t sin_zero[8];
};
struct rumpus_nb_sockaddr_in6 {
  uint8_t sin6_len; uint8_t sin6_family; uint16_t sin6_port; uint32_t sin6_flowinfo;
  struct rumpus_nb_in6_addr sin6_addr; uint32_t sin6_scope_id;
};
struct rumpus_nb_sockaddr_un { uint8_t sun_len; uint8_t sun_family; char sun_path[104]; };
struct rumpus_nb_msghdr {
  void *msg_name; uint32_t msg_namelen; struct rumpus_nb_iovec *msg_iov; int msg_iovlen;
  void *msg_control; uint32_t msg_controllen; int msg_flags;
};
struct rumpus_nb_cmsghdr { uint32_t cmsg_len; int cmsg_level; int cmsg_type; };
struct rumpus_nb_linger { int l_onoff; int l_linger; };
struct rumpus_nb_kevent {
  uintptr_t ident; uint32_t filter; uint32_t flags; uint32_t fflags; int64_t data; intptr_t udata;
};
struct rumpus_nb_ip_mreq { struct rumpus_nb_in_addr imr_multiaddr; struct rumpus_nb_in_addr imr_interface; };
]]

package.loaded["syscall.netbsd.ffi.done"] = true
return true
