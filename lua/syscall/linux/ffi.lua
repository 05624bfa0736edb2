-- syscall.linux.ffi: C declarations of the Linux ABI (x86_64 and aarch64, glibc).
--
-- Every struct is named rumpus_lx_* and every function is declared as rumpus_lx_<name> with an
-- asm label naming the real libc symbol, so these declarations never collide with another FFI
-- library in the same Lua state that declares `struct stat` or `open` its own way.  Only
-- LuaJIT's built-in types (int64_t, size_t...) are used; no common typedef is claimed.

local ffi = require "syscall.ffi"
local abi = require "syscall.abi"

if rawget(_G, "__rumpus_lx_ffi") or package.loaded["syscall.linux.ffi.done"] then return true end

local arm64 = abi.arch == "arm64"

local stat = arm64 and [[
struct rumpus_lx_stat {
  uint64_t st_dev; uint64_t st_ino; uint32_t st_mode; uint32_t st_nlink; uint32_t st_uid;
  uint32_t st_gid; uint64_t st_rdev; uint64_t __pad1; int64_t st_size; int32_t st_blksize;
  int32_t __pad2; int64_t st_blocks; struct rumpus_lx_timespec st_atim;
  struct rumpus_lx_timespec st_mtim; struct rumpus_lx_timespec st_ctim; uint32_t __unused[2];
};]] or [[
struct rumpus_lx_stat {
  uint64_t st_dev; uint64_t st_ino; uint64_t st_nlink; uint32_t st_mode; uint32_t st_uid;
  uint32_t st_gid; int32_t __pad0; uint64_t st_rdev; int64_t st_size; int64_t st_blksize;
  int64_t st_blocks; struct rumpus_lx_timespec st_atim; struct rumpus_lx_timespec st_mtim;
  struct rumpus_lx_timespec st_ctim; int64_t __unused[3];
};]]

local epoll = arm64 and [[
struct rumpus_lx_epoll_event { uint32_t events; union rumpus_lx_epoll_data data; };]] or [[
struct rumpus_lx_epoll_event { uint32_t events; union rumpus_lx_epoll_data data; } __attribute__((packed));]]

ffi.cdef([[
struct rumpus_lx_timespec { long tv_sec; long tv_nsec; };
struct rumpus_lx_timeval { long tv_sec; long tv_usec; };
struct rumpus_lx_itimerspec { struct rumpus_lx_timespec it_interval; struct rumpus_lx_timespec it_value; };
struct rumpus_lx_itimerval { struct rumpus_lx_timeval it_interval; struct rumpus_lx_timeval it_value; };
struct rumpus_lx_timezone { int tz_minuteswest; int tz_dsttime; };
]] .. stat .. [[
struct rumpus_lx_statfs {
  long f_type; long f_bsize; uint64_t f_blocks; uint64_t f_bfree; uint64_t f_bavail;
  uint64_t f_files; uint64_t f_ffree; int f_fsid[2]; long f_namelen; long f_frsize;
  long f_flags; long f_spare[4];
};
struct rumpus_lx_iovec { void *iov_base; size_t iov_len; };
struct rumpus_lx_dirent64 {
  uint64_t d_ino; int64_t d_off; unsigned short d_reclen; unsigned char d_type; char d_name[];
};
struct rumpus_lx_flock { short l_type; short l_whence; int64_t l_start; int64_t l_len; int l_pid; };
struct rumpus_lx_utsname {
  char sysname[65]; char nodename[65]; char release[65]; char version[65]; char machine[65];
  char domainname[65];
};
struct rumpus_lx_sysinfo {
  long uptime; unsigned long loads[3]; unsigned long totalram; unsigned long freeram;
  unsigned long sharedram; unsigned long bufferram; unsigned long totalswap;
  unsigned long freeswap; unsigned short procs; unsigned short pad; unsigned long totalhigh;
  unsigned long freehigh; unsigned int mem_unit; char _f[0];
};
struct rumpus_lx_rlimit { uint64_t rlim_cur; uint64_t rlim_max; };
struct rumpus_lx_rusage {
  struct rumpus_lx_timeval ru_utime; struct rumpus_lx_timeval ru_stime; long ru_maxrss;
  long ru_ixrss; long ru_idrss; long ru_isrss; long ru_minflt; long ru_majflt; long ru_nswap;
  long ru_inblock; long ru_oublock; long ru_msgsnd; long ru_msgrcv; long ru_nsignals;
  long ru_nvcsw; long ru_nivcsw;
};
struct rumpus_lx_sigset { unsigned long val[16]; };
union rumpus_lx_sigval { int sival_int; void *sival_ptr; };
struct rumpus_lx_siginfo {
  int si_signo; int si_errno; int si_code; int __pad0;
  union {
    int __pad[28];
    struct { int si_pid; unsigned int si_uid; int si_status; int __p1; long si_utime; long si_stime; };
    struct { void *si_addr; };
    struct { int __k_pid; unsigned int __k_uid; union rumpus_lx_sigval si_value; };
    struct { long si_band; int si_fd; };
  };
};
struct rumpus_lx_sigaction {
  union { void (*sa_handler)(int); void (*sa_sigaction)(int, struct rumpus_lx_siginfo *, void *); };
  struct rumpus_lx_sigset sa_mask; int sa_flags; void (*sa_restorer)(void);
};
struct rumpus_lx_signalfd_siginfo {
  uint32_t ssi_signo; int32_t ssi_errno; int32_t ssi_code; uint32_t ssi_pid; uint32_t ssi_uid;
  int32_t ssi_fd; uint32_t ssi_tid; uint32_t ssi_band; uint32_t ssi_overrun; uint32_t ssi_trapno;
  int32_t ssi_status; int32_t ssi_int; uint64_t ssi_ptr; uint64_t ssi_utime; uint64_t ssi_stime;
  uint64_t ssi_addr; uint16_t ssi_addr_lsb; uint16_t __pad2; int32_t ssi_syscall;
  uint64_t ssi_call_addr; uint32_t ssi_arch; uint8_t __pad[28];
};
struct rumpus_lx_inotify_event { int wd; uint32_t mask; uint32_t cookie; uint32_t len; char name[]; };
union rumpus_lx_epoll_data { void *ptr; int fd; uint32_t u32; uint64_t u64; };
]] .. epoll .. [[
struct rumpus_lx_pollfd { int fd; short events; short revents; };
struct rumpus_lx_fdset { long fds_bits[16]; };
struct rumpus_lx_sockaddr { uint16_t sa_family; char sa_data[14]; };
struct rumpus_lx_sockaddr_storage { uint16_t ss_family; char __ss_padding[118]; unsigned long __ss_align; };
struct rumpus_lx_in_addr { uint32_t s_addr; };
struct rumpus_lx_in6_addr { union { uint8_t s6_addr[16]; uint16_t s6_addr16[8]; uint32_t s6_addr32[4]; }; };
struct rumpus_lx_sockaddr_in {
  uint16_t sin_family; uint16_t sin_port; struct rumpus_lx_in_addr sin_addr; uint8_t sin_zero[8];
};
struct rumpus_lx_sockaddr_in6 {
  uint16_t sin6_family; uint16_t sin6_port; uint32_t sin6_flowinfo;
  struct rumpus_lx_in6_addr sin6_addr; uint32_t sin6_scope_id;
};
struct rumpus_lx_sockaddr_un { uint16_t sun_family; char sun_path[108]; };
struct rumpus_lx_sockaddr_nl { uint16_t nl_family; uint16_t nl_pad; uint32_t nl_pid; uint32_t nl_groups; };
struct rumpus_lx_msghdr {
  void *msg_name; uint32_t msg_namelen; struct rumpus_lx_iovec *msg_iov; size_t msg_iovlen;
  void *msg_control; size_t msg_controllen; int msg_flags;
};
struct rumpus_lx_cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; unsigned char cmsg_data[]; };
struct rumpus_lx_ucred { int pid; uint32_t uid; uint32_t gid; };
struct rumpus_lx_linger { int l_onoff; int l_linger; };
struct rumpus_lx_ip_mreq { struct rumpus_lx_in_addr imr_multiaddr; struct rumpus_lx_in_addr imr_interface; };
struct rumpus_lx_ip_mreqn {
  struct rumpus_lx_in_addr imr_multiaddr; struct rumpus_lx_in_addr imr_address; int imr_ifindex;
};
struct rumpus_lx_ipv6_mreq { struct rumpus_lx_in6_addr ipv6mr_multiaddr; unsigned int ipv6mr_interface; };
struct rumpus_lx_ifmap {
  unsigned long mem_start; unsigned long mem_end; unsigned short base_addr; unsigned char irq;
  unsigned char dma; unsigned char port;
};
struct rumpus_lx_ifreq {
  char ifr_name[16];
  union {
    struct rumpus_lx_sockaddr ifr_addr; struct rumpus_lx_sockaddr ifr_dstaddr;
    struct rumpus_lx_sockaddr ifr_broadaddr; struct rumpus_lx_sockaddr ifr_netmask;
    struct rumpus_lx_sockaddr ifr_hwaddr; short ifr_flags; int ifr_ifindex; int ifr_metric;
    int ifr_mtu; struct rumpus_lx_ifmap ifr_map; char ifr_slave[16]; char ifr_newname[16];
    char *ifr_data;
  };
};
struct rumpus_lx_winsize { unsigned short ws_row; unsigned short ws_col; unsigned short ws_xpixel; unsigned short ws_ypixel; };
]])

-- Functions, each bound to its libc symbol through an asm label.  Variadic libc functions
-- (open, fcntl, ioctl, mremap) are declared with their fixed full argument list: on the
-- LP64 ABIs we support, a variadic callee reads its integer arguments where a fixed call puts
-- them, and Lua numbers are then converted to the right C type instead of to double.
local protos = [[
int open(const char *pathname, int flags, unsigned int mode);
int openat(int dirfd, const char *pathname, int flags, unsigned int mode);
int close(int fd);
long read(int fd, void *buf, size_t count);
long write(int fd, const void *buf, size_t count);
long pread(int fd, void *buf, size_t count, int64_t offset);
long pwrite(int fd, const void *buf, size_t count, int64_t offset);
long readv(int fd, const struct rumpus_lx_iovec *iov, int iovcnt);
long writev(int fd, const struct rumpus_lx_iovec *iov, int iovcnt);
long preadv(int fd, const struct rumpus_lx_iovec *iov, int iovcnt, int64_t offset);
long pwritev(int fd, const struct rumpus_lx_iovec *iov, int iovcnt, int64_t offset);
int64_t lseek(int fd, int64_t offset, int whence);
int dup(int oldfd);
int dup2(int oldfd, int newfd);
int dup3(int oldfd, int newfd, int flags);
int fcntl(int fd, int cmd, long arg);
int ioctl(int fd, unsigned long request, void *arg);
int stat(const char *pathname, struct rumpus_lx_stat *buf);
int fstat(int fd, struct rumpus_lx_stat *buf);
int lstat(const char *pathname, struct rumpus_lx_stat *buf);
int fstatat(int dirfd, const char *pathname, struct rumpus_lx_stat *buf, int flags);
int statfs(const char *path, struct rumpus_lx_statfs *buf);
int fstatfs(int fd, struct rumpus_lx_statfs *buf);
int access(const char *pathname, int mode);
int faccessat(int dirfd, const char *pathname, int mode, int flags);
int mkdir(const char *pathname, unsigned int mode);
int mkdirat(int dirfd, const char *pathname, unsigned int mode);
int rmdir(const char *pathname);
int unlink(const char *pathname);
int unlinkat(int dirfd, const char *pathname, int flags);
int rename(const char *oldpath, const char *newpath);
int renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);
int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags);
int link(const char *oldpath, const char *newpath);
int linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags);
int symlink(const char *target, const char *linkpath);
int symlinkat(const char *target, int newdirfd, const char *linkpath);
long readlink(const char *pathname, char *buf, size_t bufsiz);
long readlinkat(int dirfd, const char *pathname, char *buf, size_t bufsiz);
int chmod(const char *pathname, unsigned int mode);
int fchmod(int fd, unsigned int mode);
int fchmodat(int dirfd, const char *pathname, unsigned int mode, int flags);
int chown(const char *pathname, unsigned int owner, unsigned int group);
int fchown(int fd, unsigned int owner, unsigned int group);
int lchown(const char *pathname, unsigned int owner, unsigned int group);
int fchownat(int dirfd, const char *pathname, unsigned int owner, unsigned int group, int flags);
int truncate(const char *path, int64_t length);
int ftruncate(int fd, int64_t length);
int fsync(int fd);
int fdatasync(int fd);
void sync(void);
int syncfs(int fd);
int flock(int fd, int operation);
long getdents64(int fd, void *dirp, size_t count);
int chdir(const char *path);
int fchdir(int fd);
char *getcwd(char *buf, size_t size);
unsigned int umask(unsigned int mask);
int pipe(int pipefd[2]);
int pipe2(int pipefd[2], int flags);
int mknod(const char *pathname, unsigned int mode, uint64_t dev);
int mknodat(int dirfd, const char *pathname, unsigned int mode, uint64_t dev);
int mkfifo(const char *pathname, unsigned int mode);
int utimensat(int dirfd, const char *pathname, const struct rumpus_lx_timespec times[2], int flags);
int futimens(int fd, const struct rumpus_lx_timespec times[2]);
int utimes(const char *filename, const struct rumpus_lx_timeval times[2]);
int chroot(const char *path);
int posix_fadvise(int fd, int64_t offset, int64_t len, int advice);
int fallocate(int fd, int mode, int64_t offset, int64_t len);
long sendfile(int out_fd, int in_fd, int64_t *offset, size_t count);
long splice(int fd_in, int64_t *off_in, int fd_out, int64_t *off_out, size_t len, unsigned int flags);
long tee(int fd_in, int fd_out, size_t len, unsigned int flags);
int memfd_create(const char *name, unsigned int flags);

int socket(int domain, int type, int protocol);
int socketpair(int domain, int type, int protocol, int sv[2]);
int bind(int sockfd, const struct rumpus_lx_sockaddr *addr, uint32_t addrlen);
int listen(int sockfd, int backlog);
int accept(int sockfd, struct rumpus_lx_sockaddr *addr, uint32_t *addrlen);
int accept4(int sockfd, struct rumpus_lx_sockaddr *addr, uint32_t *addrlen, int flags);
int connect(int sockfd, const struct rumpus_lx_sockaddr *addr, uint32_t addrlen);
long send(int sockfd, const void *buf, size_t len, int flags);
long recv(int sockfd, void *buf, size_t len, int flags);
long sendto(int sockfd, const void *buf, size_t len, int flags, const struct rumpus_lx_sockaddr *dest_addr, uint32_t addrlen);
long recvfrom(int sockfd, void *buf, size_t len, int flags, struct rumpus_lx_sockaddr *src_addr, uint32_t *addrlen);
long sendmsg(int sockfd, const struct rumpus_lx_msghdr *msg, int flags);
long recvmsg(int sockfd, struct rumpus_lx_msghdr *msg, int flags);
int getsockname(int sockfd, struct rumpus_lx_sockaddr *addr, uint32_t *addrlen);
int getpeername(int sockfd, struct rumpus_lx_sockaddr *addr, uint32_t *addrlen);
int setsockopt(int sockfd, int level, int optname, const void *optval, uint32_t optlen);
int getsockopt(int sockfd, int level, int optname, void *optval, uint32_t *optlen);
int shutdown(int sockfd, int how);

int poll(struct rumpus_lx_pollfd *fds, unsigned long nfds, int timeout);
int ppoll(struct rumpus_lx_pollfd *fds, unsigned long nfds, const struct rumpus_lx_timespec *tmo_p, const struct rumpus_lx_sigset *sigmask);
int select(int nfds, struct rumpus_lx_fdset *readfds, struct rumpus_lx_fdset *writefds, struct rumpus_lx_fdset *exceptfds, struct rumpus_lx_timeval *timeout);
int pselect(int nfds, struct rumpus_lx_fdset *readfds, struct rumpus_lx_fdset *writefds, struct rumpus_lx_fdset *exceptfds, const struct rumpus_lx_timespec *timeout, const struct rumpus_lx_sigset *sigmask);
int epoll_create(int size);
int epoll_create1(int flags);
int epoll_ctl(int epfd, int op, int fd, struct rumpus_lx_epoll_event *event);
int epoll_wait(int epfd, struct rumpus_lx_epoll_event *events, int maxevents, int timeout);
int epoll_pwait(int epfd, struct rumpus_lx_epoll_event *events, int maxevents, int timeout, const struct rumpus_lx_sigset *sigmask);
int eventfd(unsigned int initval, int flags);
int timerfd_create(int clockid, int flags);
int timerfd_settime(int fd, int flags, const struct rumpus_lx_itimerspec *new_value, struct rumpus_lx_itimerspec *old_value);
int timerfd_gettime(int fd, struct rumpus_lx_itimerspec *curr_value);
int signalfd(int fd, const struct rumpus_lx_sigset *mask, int flags);
int inotify_init(void);
int inotify_init1(int flags);
int inotify_add_watch(int fd, const char *pathname, uint32_t mask);
int inotify_rm_watch(int fd, int wd);

void *mmap(void *addr, size_t length, int prot, int flags, int fd, int64_t offset);
int munmap(void *addr, size_t length);
int mprotect(void *addr, size_t len, int prot);
int madvise(void *addr, size_t length, int advice);
int msync(void *addr, size_t length, int flags);
int mlock(const void *addr, size_t len);
int munlock(const void *addr, size_t len);
int mlockall(int flags);
int munlockall(void);
void *mremap(void *old_address, size_t old_size, size_t new_size, int flags, void *new_address);
int mincore(void *addr, size_t length, unsigned char *vec);

int getpid(void);
int getppid(void);
int gettid(void);
unsigned int getuid(void);
unsigned int geteuid(void);
unsigned int getgid(void);
unsigned int getegid(void);
int setuid(unsigned int uid);
int setgid(unsigned int gid);
int seteuid(unsigned int euid);
int setegid(unsigned int egid);
int setreuid(unsigned int ruid, unsigned int euid);
int setregid(unsigned int rgid, unsigned int egid);
int setresuid(unsigned int ruid, unsigned int euid, unsigned int suid);
int setresgid(unsigned int rgid, unsigned int egid, unsigned int sgid);
int getresuid(unsigned int *ruid, unsigned int *euid, unsigned int *suid);
int getresgid(unsigned int *rgid, unsigned int *egid, unsigned int *sgid);
int getgroups(int size, unsigned int list[]);
int setgroups(size_t size, const unsigned int *list);
int getpgid(int pid);
int setpgid(int pid, int pgid);
int getsid(int pid);
int setsid(void);
int getpgrp(void);
int fork(void);
int execve(const char *pathname, char *const argv[], char *const envp[]);
int waitpid(int pid, int *wstatus, int options);
int wait4(int pid, int *wstatus, int options, struct rumpus_lx_rusage *rusage);
int waitid(int idtype, unsigned int id, struct rumpus_lx_siginfo *infop, int options);
void _exit(int status);
void exit(int status);
int kill(int pid, int sig);
int tgkill(int tgid, int tid, int sig);
int sigaction(int signum, const struct rumpus_lx_sigaction *act, struct rumpus_lx_sigaction *oldact);
int sigprocmask(int how, const struct rumpus_lx_sigset *set, struct rumpus_lx_sigset *oldset);
int sigpending(struct rumpus_lx_sigset *set);
int sigsuspend(const struct rumpus_lx_sigset *mask);
int pause(void);
unsigned int alarm(unsigned int seconds);
int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5);
int getrlimit(int resource, struct rumpus_lx_rlimit *rlim);
int setrlimit(int resource, const struct rumpus_lx_rlimit *rlim);
int prlimit(int pid, int resource, const struct rumpus_lx_rlimit *new_limit, struct rumpus_lx_rlimit *old_limit);
int getrusage(int who, struct rumpus_lx_rusage *usage);
int getpriority(int which, unsigned int who);
int setpriority(int which, unsigned int who, int prio);
int uname(struct rumpus_lx_utsname *buf);
int sethostname(const char *name, size_t len);
int gethostname(char *name, size_t len);
int setdomainname(const char *name, size_t len);
int sysinfo(struct rumpus_lx_sysinfo *info);
long getrandom(void *buf, size_t buflen, unsigned int flags);
int sched_yield(void);
int sched_getcpu(void);
int acct(const char *filename);

int clock_gettime(int clockid, struct rumpus_lx_timespec *tp);
int clock_settime(int clockid, const struct rumpus_lx_timespec *tp);
int clock_getres(int clockid, struct rumpus_lx_timespec *res);
int clock_nanosleep(int clockid, int flags, const struct rumpus_lx_timespec *request, struct rumpus_lx_timespec *remain);
int nanosleep(const struct rumpus_lx_timespec *req, struct rumpus_lx_timespec *rem);
int gettimeofday(struct rumpus_lx_timeval *tv, void *tz);
int settimeofday(const struct rumpus_lx_timeval *tv, const struct rumpus_lx_timezone *tz);
long time(long *tloc);
int getitimer(int which, struct rumpus_lx_itimerval *curr_value);
int setitimer(int which, const struct rumpus_lx_itimerval *new_value, struct rumpus_lx_itimerval *old_value);

int unshare(int flags);
int setns(int fd, int nstype);
int mount(const char *source, const char *target, const char *filesystemtype, unsigned long mountflags, const void *data);
int umount(const char *target);
int umount2(const char *target, int flags);
int pivot_root(const char *new_root, const char *put_old);
long syscall(long number, ...);

char *strerror(int errnum);
int *__errno_location(void);
]]

-- Turn each prototype "ret name(args);" into "ret rumpus_lx_name(args) __asm__("name");".
local out, names = {}, {}
for ret, name, args in protos:gmatch("([%w_ %*]-)%s*([%w_]+)(%b());") do
  ret = ret:gsub("^%s+", "")
  out[#out + 1] = ret .. " rumpus_lx_" .. name .. args .. ' __asm__("' .. name .. '");'
  names[#names + 1] = name
end
ffi.cdef(table.concat(out, "\n"))

package.loaded["syscall.linux.ffi.done"] = true
return { functions = names }
