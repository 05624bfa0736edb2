/*
 * copy.c: moving data between "user" memory (the caller's, in this process) and the
 * kernel.  What is checked is in kern.h: NULL and the first page, wrap-around, the user
 * address limit, and lengths above KERN_COPY_MAX.  These give EFAULT, never a crash.
 */
#include "kern/kern.h"

int
kern_uaddr_ok(const void *uaddr, size_t len)
{
	uintptr_t a = (uintptr_t)uaddr;

	if (len == 0)
		return 0;
	if (a < KERN_USER_MIN || len > KERN_COPY_MAX || a + len < a || a + len > KERN_USER_MAX)
		return EFAULT;
	return 0;
}

int
copyin(const void *uaddr, void *kaddr, size_t len)
{
	if (kern_uaddr_ok(uaddr, len) != 0)
		return EFAULT;
	if (len != 0)
		memcpy(kaddr, uaddr, len);
	return 0;
}

int
copyout(const void *kaddr, void *uaddr, size_t len)
{
	if (kern_uaddr_ok(uaddr, len) != 0)
		return EFAULT;
	if (len != 0)
		memcpy(uaddr, kaddr, len);
	return 0;
}

int
copyinstr(const void *uaddr, char *kaddr, size_t len, size_t *done)
{
	const char *s = uaddr;
	uintptr_t a = (uintptr_t)uaddr;
	size_t i;

	if (a < KERN_USER_MIN || a >= KERN_USER_MAX)
		return EFAULT;
	for (i = 0; i < len; i++) {
		if (a + i >= KERN_USER_MAX)
			return EFAULT;
		if ((kaddr[i] = s[i]) == '\0') {
			if (done != NULL)
				*done = i + 1;
			return 0;
		}
	}
	return ENAMETOOLONG;
}

int
copyoutstr(const char *kaddr, void *uaddr, size_t len, size_t *done)
{
	size_t n = strlen(kaddr) + 1;
	int error = 0;

	if (n > len) {
		n = len;
		error = ENAMETOOLONG;
	}
	if (kern_uaddr_ok(uaddr, n) != 0)
		return EFAULT;
	memcpy(uaddr, kaddr, n);
	if (done != NULL)
		*done = n;
	return error;
}

int
uiomove(void *kbuf, size_t n, struct uio *uio)
{
	char *cp = kbuf;
	int error;

	while (n > 0 && uio->uio_resid > 0) {
		struct nb_iovec *iov = uio->uio_iov;
		size_t cnt = iov->iov_len;

		if (cnt == 0) {
			if (uio->uio_iovcnt <= 1)
				break;
			uio->uio_iov++;
			uio->uio_iovcnt--;
			continue;
		}
		if (cnt > n)
			cnt = n;
		if (uio->uio_user) {
			if (uio->uio_rw == UIO_READ)
				error = copyout(cp, iov->iov_base, cnt);
			else
				error = copyin(iov->iov_base, cp, cnt);
			if (error != 0)
				return error;
		} else if (uio->uio_rw == UIO_READ)
			memcpy(iov->iov_base, cp, cnt);
		else
			memcpy(cp, iov->iov_base, cnt);
		iov->iov_base = (char *)iov->iov_base + cnt;
		iov->iov_len -= cnt;
		uio->uio_resid -= cnt;
		uio->uio_offset += (nb_off_t)cnt;
		cp += cnt;
		n -= cnt;
	}
	return 0;
}
