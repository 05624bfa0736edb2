/*
 * inet6_rt.h: for the IPv6 routing-table tests (inet6_radix_test, inet6_rtcache_test): a
 * xorshift generator the includer seeds (#define RT6_SEED before including), a prefix's
 * mask, and the way in: inside the kernel as a syscall, its interface list locked.  One
 * includer per program.
 */
#ifndef TEST_INET6_RT_H
#define TEST_INET6_RT_H

#include "inet_util.h"
#include "netinet6/in6_var.h"

static uint64_t rs = RT6_SEED;
static uint32_t
rnd(void)
{
	rs ^= rs << 13, rs ^= rs >> 7, rs ^= rs << 17;
	return (uint32_t)(rs >> 11);
}

/* a's bits past plen cleared */
static void
mask(struct nb_in6_addr *a, int plen)
{
	int i;

	for (i = 0; i < 16; i++) {
		int bits = plen - i * 8;
		if (bits <= 0)
			a->s6_addr[i] = 0;
		else if (bits < 8)
			a->s6_addr[i] &= (uint8_t)(0xff << (8 - bits));
	}
}

/* Enters rk as a syscall does and locks its interfaces: its IPv6 state.  rt6t_leave undoes
 * it. */
static struct inet6_state *
rt6t_enter(struct kin *ki, struct rumpus_kernel *rk)
{
	struct inet6_state *s;

	ku_enter(ki, rk);
	s = inet6_state(ki->k);
	ifs_lock(s->i6_ns);
	return s;
}

static void
rt6t_leave(struct kin *ki, struct inet6_state *s)
{
	ifs_unlock(s->i6_ns);
	ku_leave(ki);
}

/* The two zones of the random tables: lo0 and fake, an interface of nothing but its own
 * zone (zeroed here).  Returns lo0. */
static struct ifnet *
rt6t_zones(struct inet6_state *s, struct ifnet *fake, struct ifnet *zones[2])
{
	memset(fake, 0, sizeof(*fake));
	zones[0] = s->i6_ns->ns_lo0, zones[1] = fake;
	return zones[0];
}

#endif
