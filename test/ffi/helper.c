/* The C side of the FFI tests: layouts as the compiler sees them, and functions to call. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "helper.h"

struct helper_layout { const char *type; const char *field; long size; long align; long offset; };

#define T(t) { #t, NULL, (long)sizeof(t), (long)_Alignof(t), -1 }
#define F(t, f) { #t, #f, 0, 0, (long)offsetof(t, f) }

const struct helper_layout helper_layouts[] = {
	T(struct a1), F(struct a1, c), F(struct a1, i), F(struct a1, s), F(struct a1, d),
	T(struct a2), F(struct a2, inner), F(struct a2, inner.y), F(struct a2, l), F(struct a2, t),
	T(union u1), F(union u1, d), F(union u1, b),
	T(struct packed1), F(struct packed1, i), F(struct packed1, s),
	T(struct epoll_like), F(struct epoll_like, data),
	T(struct aligned1), F(struct aligned1, i),
	T(struct aligned2),
	T(struct flex), F(struct flex, d),
	T(struct bits1), T(struct bits2), T(struct bits3), F(struct bits3, after), T(struct bits4),
	T(struct pbits),
	T(struct anon), F(struct anon, b), F(struct anon, f), F(struct anon, c), F(struct anon, d),
	F(struct anon, e),
	T(struct fnptr), F(struct fnptr, p), F(struct fnptr, name),
	T(struct arr2), F(struct arr2, s),
	T(struct nested_arr), F(struct nested_arr, tail),
	T(enum e1), T(enum ebig), T(enum eneg),
	T(struct withenum), F(struct withenum, e), F(struct withenum, b),
	T(anon_t), F(anon_t, b),
	T(struct sockaddr_like), F(struct sockaddr_like, sa_data),
	T(struct sockaddr_in_like), F(struct sockaddr_in_like, sin_port),
	F(struct sockaddr_in_like, sin_addr), F(struct sockaddr_in_like, sin_zero),
	T(struct iovec_like), F(struct iovec_like, iov_len),
	T(struct msghdr_like), F(struct msghdr_like, msg_namelen), F(struct msghdr_like, msg_iov),
	F(struct msghdr_like, msg_iovlen), F(struct msghdr_like, msg_control),
	F(struct msghdr_like, msg_controllen), F(struct msghdr_like, msg_flags),
	T(struct cmsghdr_like), F(struct cmsghdr_like, cmsg_type), F(struct cmsghdr_like, cmsg_data),
	T(struct stat_like), F(struct stat_like, st_mode), F(struct stat_like, st_rdev),
	F(struct stat_like, st_size), F(struct stat_like, st_atim), F(struct stat_like, st_ctim),
	F(struct stat_like, __unused),
	T(sigset_like),
	T(struct mixed), F(struct mixed, b), F(struct mixed, c), F(struct mixed, d),
	F(struct mixed, e), F(struct mixed, f), F(struct mixed, g), F(struct mixed, h),
	T(struct pt), T(struct pt3), T(struct big),
	{ NULL, NULL, 0, 0, 0 }
};

int helper_counter = 7;
const char helper_name[] = "helper";

int helper_add(int a, int b) { return a + b; }
int64_t helper_add64(int64_t a, int64_t b) { return a + b; }
uint64_t helper_u64max(void) { return UINT64_MAX; }
int8_t helper_neg8(void) { return -5; }
uint8_t helper_u8(int v) { return (uint8_t)v; }
uint16_t helper_u16(int v) { return (uint16_t)v; }
_Bool helper_not(_Bool b) { return !b; }
float helper_halff(float f) { return f / 2; }

double
helper_sumd(int n, ...)
{
	va_list ap;
	double s = 0;
	va_start(ap, n);
	while (n-- > 0)
		s += va_arg(ap, double);
	va_end(ap);
	return s;
}

long
helper_sumi(int n, ...)
{
	va_list ap;
	long s = 0;
	va_start(ap, n);
	while (n-- > 0)
		s += va_arg(ap, int);
	va_end(ap);
	return s;
}

int
helper_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int r;
	va_start(ap, fmt);
	r = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return r;
}

struct pt helper_addpt(struct pt a, struct pt b) { return (struct pt){ a.x + b.x, a.y + b.y }; }
struct pt3 helper_scale3(struct pt3 p, double k) { return (struct pt3){ p.x * k, p.y * k, p.z * k }; }
struct big helper_big(int64_t base) { return (struct big){ base, base + 1, base + 2, base + 3 }; }
int helper_apply(int (*f)(int, int), int a, int b) { return f(a, b); }
double helper_applyd(double (*f)(double), double x) { return f(x); }
struct pt helper_make(struct pt (*f)(int, struct pt), int v) { struct pt r = f(v, (struct pt){ 1, 2 }); r.x += 1000; return r; }

void
helper_each(int n, void (*f)(int i, const char *s))
{
	static const char *const names[] = { "zero", "one", "two", "three" };
	int i;
	for (i = 0; i < n && i < 4; i++)
		f(i, names[i]);
}

int helper_fail(int e) { errno = e; return -1; }
void *helper_null(void) { return NULL; }
const char *helper_str(void) { return "static string"; }

int
helper_bits1_get(const struct bits1 *b, int which)
{
	switch (which) {
	case 0: return b->a;
	case 1: return b->b;
	case 2: return b->c;
	case 3: return b->d;
	default: return (int)b->e;
	}
}

void
helper_bits1_set(struct bits1 *b)
{
	memset(b, 0, sizeof(*b));
	b->a = 5;
	b->b = 17;
	b->c = 1000;
	b->d = -3;
	b->e = 999999;
}

int
helper_pbits_get(const struct pbits *b, int which)
{
	return which == 0 ? b->a : which == 1 ? (int)b->b : (int)b->c;
}

int
helper_bits2_get(const struct bits2 *b, int which)
{
	return which == 0 ? b->c : which == 1 ? b->x : which == 2 ? b->y : b->z;
}

size_t helper_strlen_ptr(const char *s) { return s ? strlen(s) : (size_t)-1; }

int
helper_sum_arr(const int *a, int n)
{
	int s = 0;
	while (n-- > 0)
		s += *a++;
	return s;
}
