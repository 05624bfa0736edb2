/*
 * net_sock_abi_test.c: the socket ABI of csrc/net/net.h (constants, struct sizes and
 * offsets) against NetBSD's fact tables, abi/netbsd/{constants,structs}.tsv
 * (abi/netbsd, from the repository root).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "net/net.h"

struct fact {
	const char *name;
	long long value;
};

#define F(x) { #x, (long long)(x) }
static const struct fact consts[] = {
	F(AF_UNSPEC), F(AF_LOCAL), F(AF_UNIX), F(AF_INET), F(AF_LINK), F(AF_INET6), F(AF_ROUTE),
	F(AF_MAX),
	F(SOCK_STREAM), F(SOCK_DGRAM), F(SOCK_RAW), F(SOCK_RDM), F(SOCK_SEQPACKET),
	F(SOCK_CLOEXEC), F(SOCK_NONBLOCK), F(SOCK_NOSIGPIPE), F(SOCK_FLAGS_MASK),
	F(SOL_SOCKET), F(SOMAXCONN),
	F(SO_DEBUG), F(SO_ACCEPTCONN), F(SO_REUSEADDR), F(SO_KEEPALIVE), F(SO_DONTROUTE),
	F(SO_BROADCAST), F(SO_USELOOPBACK), F(SO_LINGER), F(SO_OOBINLINE), F(SO_REUSEPORT),
	F(SO_NOSIGPIPE), F(SO_ACCEPTFILTER), F(SO_TIMESTAMP), F(SO_SNDBUF), F(SO_RCVBUF),
	F(SO_SNDLOWAT), F(SO_RCVLOWAT), F(SO_ERROR), F(SO_TYPE), F(SO_OVERFLOWED),
	F(SO_NOHEADER), F(SO_SNDTIMEO), F(SO_RCVTIMEO),
	F(MSG_OOB), F(MSG_PEEK), F(MSG_DONTROUTE), F(MSG_EOR), F(MSG_TRUNC), F(MSG_CTRUNC),
	F(MSG_WAITALL), F(MSG_DONTWAIT), F(MSG_BCAST), F(MSG_MCAST), F(MSG_NOSIGNAL),
	F(MSG_CMSG_CLOEXEC), F(MSG_NBIO), F(MSG_WAITFORONE), F(MSG_USERFLAGS),
	F(SCM_RIGHTS), F(SCM_TIMESTAMP), F(SCM_CREDS),
	F(SHUT_RD), F(SHUT_WR), F(SHUT_RDWR),
};

struct layout {
	const char *type, *member;
	long long size, offset, msize;
};
#define L(t, nbt, m) { t, #m, sizeof(struct nbt), offsetof(struct nbt, m), \
	sizeof(((struct nbt *)0)->m) }
static const struct layout layouts[] = {
	L("struct msghdr", nb_msghdr, msg_name), L("struct msghdr", nb_msghdr, msg_namelen),
	L("struct msghdr", nb_msghdr, msg_iov), L("struct msghdr", nb_msghdr, msg_iovlen),
	L("struct msghdr", nb_msghdr, msg_control),
	L("struct msghdr", nb_msghdr, msg_controllen), L("struct msghdr", nb_msghdr, msg_flags),
	L("struct cmsghdr", nb_cmsghdr, cmsg_len), L("struct cmsghdr", nb_cmsghdr, cmsg_level),
	L("struct cmsghdr", nb_cmsghdr, cmsg_type),
	L("struct linger", nb_linger, l_onoff), L("struct linger", nb_linger, l_linger),
	L("struct timeval", nb_timeval, tv_sec), L("struct timeval", nb_timeval, tv_usec),
	L("struct sockaddr", nb_sockaddr, sa_len), L("struct sockaddr", nb_sockaddr, sa_family),
	L("struct sockaddr", nb_sockaddr, sa_data),
	L("struct iovec", nb_iovec, iov_base), L("struct iovec", nb_iovec, iov_len),
};

static FILE *
open_fact(const char *file)
{
	char path[1024];

	snprintf(path, sizeof(path), "abi/netbsd/%s", file);
	return fopen(path, "r");
}

/* Splits a TSV line in place; returns the number of fields. */
static int
split(char *line, char **f, int max)
{
	int n = 0;

	line[strcspn(line, "\n")] = '\0';
	while (n < max) {
		f[n++] = line;
		if ((line = strchr(line, '\t')) == NULL)
			break;
		*line++ = '\0';
	}
	return n;
}

int
main(void)
{
	FILE *fp;
	char line[1024], *f[16];
	size_t i;
	int found[sizeof(consts) / sizeof(consts[0])] = { 0 };
	int lfound[sizeof(layouts) / sizeof(layouts[0])] = { 0 };

	if ((fp = open_fact("constants.tsv")) == NULL) {
		ok(0, "abi/netbsd/constants.tsv opens (run from the repository root)");
		return tap_done();
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (split(line, f, 16) < 3)
			continue;
		for (i = 0; i < sizeof(consts) / sizeof(consts[0]); i++) {
			if (strcmp(f[1], consts[i].name) != 0)
				continue;
			found[i] = 1;
			ok(strtoll(f[2], NULL, 0) == consts[i].value, "%s is %s (ours %lld)",
			    consts[i].name, f[2], consts[i].value);
		}
	}
	fclose(fp);
	for (i = 0; i < sizeof(consts) / sizeof(consts[0]); i++)
		if (!found[i])
			ok(0, "%s is in constants.tsv", consts[i].name);

	if ((fp = open_fact("structs.tsv")) == NULL) {
		ok(0, "abi/netbsd/structs.tsv opens");
		return tap_done();
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		/* type kind header type_size type_align member member_offset member_size ... */
		if (split(line, f, 16) < 8)
			continue;
		for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
			const struct layout *l = &layouts[i];
			if (strcmp(f[0], l->type) != 0 || strcmp(f[5], l->member) != 0 || lfound[i])
				continue;
			lfound[i] = 1;
			ok(atoll(f[3]) == l->size && atoll(f[6]) == l->offset && atoll(f[7]) == l->msize,
			    "%s.%s: size %s offset %s member %s (ours %lld %lld %lld)", l->type,
			    l->member, f[3], f[6], f[7], l->size, l->offset, l->msize);
		}
	}
	fclose(fp);
	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if (!lfound[i])
			ok(0, "%s.%s is in structs.tsv", layouts[i].type, layouts[i].member);
	ok(NB_CMSG_LEN(0) == 16 && NB_CMSG_LEN(4) == 20 && NB_CMSG_SPACE(4) == 24 &&
	    NB_CMSG_SPACE(8) == 24, "CMSG_LEN/CMSG_SPACE as NetBSD's derived facts");
	return tap_done();
}
