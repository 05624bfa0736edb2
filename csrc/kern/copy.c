/*
 * copy.c: moving data between "user" memory (the caller's, in this process) and the
 * kernel.  Two layers give EFAULT instead of a crash: the range checks here (NULL and the
 * first page, wrap-around, the user address limit, lengths above KERN_COPY_MAX), then
 * hyper's fault-catching copy for addresses that pass but are not mapped.  Memory that is
 * mapped but belongs to something else cannot be told apart in-process.
 */
#include "kern/kern.h"

/* The remote-copy hook of the running process (sysproxy clients), or NULL: the one
 * extra branch of the local path. */
static inline struct kern_rcopy *
rcopy(void)
{
	struct lwp *l = kern_tls.cur;

	return l != NULL ? l->l_proc->p_rcopy : NULL;
}

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
	if (len == 0)
		return 0;
	if (__predict_false(rcopy() != NULL))
		return rcopy()->rc_in(rcopy(), uaddr, kaddr, len, false, NULL);
	return hyp_copy(kaddr, uaddr, len);
}

int
copyout(const void *kaddr, void *uaddr, size_t len)
{
	if (kern_uaddr_ok(uaddr, len) != 0)
		return EFAULT;
	if (len == 0)
		return 0;
	if (__predict_false(rcopy() != NULL))
		return rcopy()->rc_out(rcopy(), uaddr, kaddr, len, false);
	return hyp_copy(uaddr, kaddr, len);
}

int
copyinstr(const void *uaddr, char *kaddr, size_t len, size_t *done)
{
	uintptr_t a = (uintptr_t)uaddr;
	size_t n, max = len;
	int error;

	if (a < KERN_USER_MIN || a >= KERN_USER_MAX)
		return EFAULT;
	if (max > KERN_USER_MAX - a)
		max = KERN_USER_MAX - a;	/* the string must end below the limit */
	if (__predict_false(rcopy() != NULL))
		error = max == 0 ? ENAMETOOLONG :
		    rcopy()->rc_in(rcopy(), uaddr, kaddr, max, true, &n);
	else
		error = hyp_copystr(kaddr, uaddr, max, &n);
	if (error == ENAMETOOLONG && max < len)
		error = EFAULT;
	if (error == 0 && done != NULL)
		*done = n;
	return error;
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
	if (__predict_false(rcopy() != NULL)) {
		if (n > 0 && rcopy()->rc_out(rcopy(), uaddr, kaddr, n, true) != 0)
			return EFAULT;
	} else if (hyp_copy(uaddr, kaddr, n) != 0)
		return EFAULT;
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
		} else if (uio->uio_rw == UIO_READ)	/* kernel space: trusted */
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
