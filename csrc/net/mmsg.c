/*
 * mmsg.c: sendmmsg and recvmmsg, NetBSD's: a loop of sendmsg/recvmsg over an array of
 * struct mmsghdr (a msghdr and msg_len, 56 bytes on LP64), at most 1024 entries a call.
 * Each message's byte count goes to its msg_len.  An error on the first message is the
 * call's error; after that the call returns the count done so far (the error is lost, as
 * NetBSD saves it in so_error only for some protocols).  recvmmsg: MSG_WAITFORONE makes
 * every receive after the first non-blocking; the timeout is checked after each message
 * (it does not bound a blocked receive, as on NetBSD and Linux).
 */
#include "net/net.h"
#include "kern/sysargs_gen.h"

#define MMSG_MAX	1024

struct nb_mmsghdr {
	struct nb_msghdr msg_hdr;
	unsigned int msg_len;
};
_Static_assert(sizeof(struct nb_mmsghdr) == 56, "NetBSD struct mmsghdr is 56 bytes");

int
sys_sendmmsg(struct lwp *l, const struct sys_sendmmsg_args *uap, register_t *retval)
{
	/* user addresses, maybe misaligned: byte arithmetic, never a member access */
	uintptr_t um = (uintptr_t)SCARG(uap, mmsg);
	unsigned vlen = SCARG(uap, vlen), i;
	int error = 0;

	if (vlen > MMSG_MAX)
		vlen = MMSG_MAX;
	for (i = 0; i < vlen; i++) {
		struct sys_sendmsg_args a;
		register_t rv[2] = { 0, 0 };
		unsigned len;

		SCARG(&a, s) = SCARG(uap, s);
		SCARG(&a, msg) = (void *)(um + i * sizeof(struct nb_mmsghdr) +
		    offsetof(struct nb_mmsghdr, msg_hdr));
		SCARG(&a, flags) = (int)SCARG(uap, flags);
		if ((error = sys_sendmsg(l, &a, rv)) != 0)
			break;
		len = (unsigned)rv[0];
		if ((error = copyout(&len, (void *)(um + i * sizeof(struct nb_mmsghdr) +
		    offsetof(struct nb_mmsghdr, msg_len)), sizeof(len))) != 0)
			break;
	}
	if (i == 0 && error != 0)
		return error;
	retval[0] = (register_t)i;
	return 0;
}

int
sys_recvmmsg(struct lwp *l, const struct sys_recvmmsg_args *uap, register_t *retval)
{
	/* user addresses, maybe misaligned: byte arithmetic, never a member access */
	uintptr_t um = (uintptr_t)SCARG(uap, mmsg);
	unsigned vlen = SCARG(uap, vlen), flags = SCARG(uap, flags), i;
	struct nb_timespec ts;
	uint64_t deadline = 0;
	int error = 0;

	if (SCARG(uap, timeout) != NULL) {
		if ((error = copyin(SCARG(uap, timeout), &ts, sizeof(ts))) != 0)
			return error;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
			return EINVAL;
		deadline = hyp_clock_mono() + (uint64_t)ts.tv_sec * 1000000000u +
		    (uint64_t)ts.tv_nsec;
	}
	if (vlen > MMSG_MAX)
		vlen = MMSG_MAX;
	for (i = 0; i < vlen; i++) {
		struct sys_recvmsg_args a;
		register_t rv[2] = { 0, 0 };
		unsigned len;

		SCARG(&a, s) = SCARG(uap, s);
		SCARG(&a, msg) = (void *)(um + i * sizeof(struct nb_mmsghdr) +
		    offsetof(struct nb_mmsghdr, msg_hdr));
		SCARG(&a, flags) = (int)(flags & ~(unsigned)MSG_WAITFORONE);
		if (i > 0 && (flags & MSG_WAITFORONE))
			SCARG(&a, flags) |= MSG_DONTWAIT;
		if ((error = sys_recvmsg(l, &a, rv)) != 0)
			break;
		len = (unsigned)rv[0];
		if ((error = copyout(&len, (void *)(um + i * sizeof(struct nb_mmsghdr) +
		    offsetof(struct nb_mmsghdr, msg_len)), sizeof(len))) != 0)
			break;
		if (deadline != 0 && hyp_clock_mono() >= deadline) {
			i++;
			break;
		}
	}
	if (i == 0 && error != 0)
		return error;
	retval[0] = (register_t)i;
	return 0;
}
