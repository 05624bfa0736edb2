/*
 * sp_wire.h: NetBSD's sysproxy wire format, as facts (sys/rump/librump/rumpuser/
 * sp_common.c): every frame is a 24-byte header in host byte order followed by
 * len - 24 bytes of body.  Shared by our server (sp_serv.c) and the test client.
 */
#ifndef SYSPROXY_SP_WIRE_H
#define SYSPROXY_SP_WIRE_H

#include <stdint.h>

struct sp_hdr {
	uint64_t len;		/* the whole frame, header included */
	uint64_t reqno;		/* a response carries its request's number */
	uint16_t class;		/* SP_REQ, SP_RESP, SP_ERROR */
	uint16_t type;		/* SP_HANDSHAKE ... */
	uint32_t arg;		/* syscall number, handshake kind, error (SPERR_*) or signal */
};
#define SP_HDRSZ	24

enum { SP_REQ = 0, SP_RESP = 1, SP_ERROR = 2 };
enum { SP_HANDSHAKE = 0, SP_SYSCALL, SP_COPYIN, SP_COPYINSTR, SP_COPYOUT, SP_COPYOUTSTR,
	SP_ANONMMAP, SP_PREFORK, SP_RAISE };
enum { SP_HS_GUEST = 0, SP_HS_AUTH, SP_HS_FORK, SP_HS_EXEC };
/* error kinds of an SP_ERROR frame; the client maps them to errno values */
enum { SPERR_NONE = 0, SPERR_TRYAGAIN, SPERR_AUTH, SPERR_INVALID_PREFORK,
	SPERR_RFORK_FAILED, SPERR_INEXEC, SPERR_NOMEM, SPERR_MALFORMED };

/* body of SP_COPYIN*, SP_COPYOUT* requests (copy-out data follows it) */
struct sp_copydata {
	uint64_t len;
	uint64_t addr;
};
/* body of the SP_SYSCALL response */
struct sp_sysresp {
	int32_t error;
	int32_t pad;
	int64_t retval[2];
};

_Static_assert(sizeof(struct sp_hdr) == SP_HDRSZ, "sysproxy header is 24 bytes");
_Static_assert(sizeof(struct sp_sysresp) == 24, "sysproxy syscall response is 24 bytes");

#endif
