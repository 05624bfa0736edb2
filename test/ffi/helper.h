/* Declarations shared by helper.c (compiled by the C compiler) and the Lua FFI tests (which
 * ffi.cdef this very text): whatever layout the compiler gives these types, the FFI must give
 * too. Preprocessor lines are ignored by ffi.cdef. */
#include <stdint.h>
#include <stddef.h>

struct a1 { char c; int i; short s; double d; };
struct a2 { char c; struct { int x; char y; } inner; long long l; unsigned char t; };
union u1 { char c; int i; double d; char b[3]; };
struct packed1 { char c; int i; short s; } __attribute__((packed));
struct epoll_like { uint32_t events; uint64_t data; } __attribute__ ((packed));
struct aligned1 { char c; int i __attribute__((aligned(16))); };
struct aligned2 { char c; } __attribute__((aligned(8)));
struct flex { int n; char d[]; };
struct bits1 { unsigned a:3; unsigned b:5; unsigned c:10; int d:4; unsigned e:20; };
struct bits2 { char c; int x:7; int y:30; unsigned char z:1; };
struct bits3 { unsigned a:1; unsigned b:2; char after; };
struct bits4 { char c; unsigned u:5; short s:3; };
struct pbits { char a; unsigned b:12; unsigned c:12; } __attribute__((packed));
struct anon { int a; union { int b; float f; }; struct { short c, d; }; char e; };
struct fnptr { int (*cb)(int, int); void *p; const char *name; };
struct arr2 { int m[2][3]; char s[5]; };
struct nested_arr { struct a1 arr[3]; char tail; };
enum e1 { E1A, E1B = 5, E1C };
enum ebig { EBIG = 0x80000000 };
enum eneg { ENEG = -1, EPOS = 1 };
struct withenum { char c; enum e1 e; enum ebig b; };
typedef struct { int a; char b; } anon_t;
typedef unsigned short sa_family_like;
struct sockaddr_like { sa_family_like sa_family; char sa_data[14]; };
struct sockaddr_in_like { sa_family_like sin_family; uint16_t sin_port; struct { uint32_t s_addr; } sin_addr; unsigned char sin_zero[8]; };
struct iovec_like { void *iov_base; size_t iov_len; };
struct msghdr_like { void *msg_name; uint32_t msg_namelen; struct iovec_like *msg_iov; size_t msg_iovlen; void *msg_control; size_t msg_controllen; int msg_flags; };
struct cmsghdr_like { size_t cmsg_len; int cmsg_level; int cmsg_type; unsigned char cmsg_data[]; };
struct timespec_like { long tv_sec; long tv_nsec; };
struct stat_like { unsigned long st_dev; unsigned long st_ino; unsigned long st_nlink; unsigned int st_mode; unsigned int st_uid; unsigned int st_gid; int __pad0; unsigned long st_rdev; long st_size; long st_blksize; long st_blocks; struct timespec_like st_atim, st_mtim, st_ctim; long __unused[3]; };
typedef struct { unsigned long sig[1024 / (8 * sizeof(unsigned long))]; } sigset_like;
struct mixed { uint8_t a; uint16_t b; uint8_t c; uint64_t d; int8_t e; float f; _Bool g; void (*h)(void); };

/* Functions for call tests. */
struct pt { int x, y; };
struct pt3 { double x, y, z; };
struct big { int64_t a, b, c, d; };
extern int helper_counter;
extern const char helper_name[];
int helper_add(int a, int b);
int64_t helper_add64(int64_t a, int64_t b);
uint64_t helper_u64max(void);
int8_t helper_neg8(void);
uint8_t helper_u8(int v);
uint16_t helper_u16(int v);
_Bool helper_not(_Bool b);
float helper_halff(float f);
double helper_sumd(int n, ...);
long helper_sumi(int n, ...);
int helper_fmt(char *buf, size_t len, const char *fmt, ...);
struct pt helper_addpt(struct pt a, struct pt b);
struct pt3 helper_scale3(struct pt3 p, double k);
struct big helper_big(int64_t base);
int helper_apply(int (*f)(int, int), int a, int b);
struct pt helper_make(struct pt (*f)(int, struct pt), int v);
double helper_applyd(double (*f)(double), double x);
void helper_each(int n, void (*f)(int i, const char *s));
int helper_fail(int e);
void *helper_null(void);
const char *helper_str(void);
int helper_bits1_get(const struct bits1 *b, int which);
void helper_bits1_set(struct bits1 *b);
int helper_pbits_get(const struct pbits *b, int which);
int helper_bits2_get(const struct bits2 *b, int which);
size_t helper_strlen_ptr(const char *s);
int helper_sum_arr(const int *a, int n);
