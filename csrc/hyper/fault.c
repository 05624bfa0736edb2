/*
 * fault.c: allocation-failure injection, the developer mode of the memory hypercalls.
 *
 * A fault state (struct hyp_fault) decides, allocation by allocation, whether to fail it:
 * "nth" fails exactly the n-th allocation counted from when the state was set (a sweep
 * over n = 1, 2, ... reaches every allocation of a deterministic workload once), "rate"
 * fails each allocation with a probability, drawn from a hash of the seed and the call's
 * index (so a single-threaded run is reproducible from its seed).  One state is
 * process-wide (hyp_malloc and hyp_zalloc consult it); each kernel has its own (kmem_alloc
 * consults it).
 *
 * Cost when off: hyp_fault_active counts the states that are on; the allocators test it
 * with one relaxed load and a branch predicted not taken before calling hyp_fault_hit().
 *
 * The environment variable RUMPUS_FAULT sets the process-wide state when the library is
 * loaded: "alloc:nth=N", "alloc:rate=R[,seed=S]" or "off".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hyper.h"

#define NB_EINVAL	22

HYP_HIDDEN atomic_int hyp_fault_active;
HYP_HIDDEN struct hyp_fault hyp_fault_proc;

/* splitmix64's finaliser: a good 64-bit mix of the seed and the call index. */
static uint64_t
mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

int
hyp_fault_set(struct hyp_fault *f, int mode, double n_or_rate, uint64_t seed)
{
	uint64_t n = 0, threshold = 0;
	int old;

	switch (mode) {
	case HYP_FAULT_OFF:
		break;
	case HYP_FAULT_NTH:
		/* a whole number from 1 to 2^53 (exact in a double) */
		if (!(n_or_rate >= 1 && n_or_rate <= 9007199254740992.0))
			return NB_EINVAL;
		n = (uint64_t)n_or_rate;
		if ((double)n != n_or_rate)
			return NB_EINVAL;
		break;
	case HYP_FAULT_RATE:
		if (!(n_or_rate >= 0 && n_or_rate <= 1))
			return NB_EINVAL;
		/* probability as a fraction of 2^64; 1 fails everything */
		threshold = n_or_rate >= 1 ? UINT64_MAX :
		    (uint64_t)(n_or_rate * 18446744073709551616.0);
		break;
	default:
		return NB_EINVAL;
	}
	/* Off first, so a racing allocation never sees the new mode with old parameters. */
	old = atomic_exchange(&f->mode, HYP_FAULT_OFF);
	atomic_store(&f->n, n);
	atomic_store(&f->threshold, threshold);
	atomic_store(&f->seed, seed);
	atomic_store(&f->calls, 0);
	atomic_store(&f->injected, 0);
	if (old != HYP_FAULT_OFF)
		atomic_fetch_sub(&hyp_fault_active, 1);
	if (mode != HYP_FAULT_OFF) {
		atomic_fetch_add(&hyp_fault_active, 1);
		atomic_store(&f->mode, mode);
	}
	return 0;
}

int
hyp_fault_hit(struct hyp_fault *f)
{
	int mode = atomic_load_explicit(&f->mode, memory_order_acquire);
	uint64_t c;
	int hit;

	if (mode == HYP_FAULT_OFF)
		return 0;
	c = atomic_fetch_add_explicit(&f->calls, 1, memory_order_relaxed) + 1;
	if (mode == HYP_FAULT_NTH)
		hit = c == atomic_load_explicit(&f->n, memory_order_relaxed);
	else
		hit = mix64(atomic_load_explicit(&f->seed, memory_order_relaxed) ^
		    mix64(c)) < atomic_load_explicit(&f->threshold, memory_order_relaxed);
	if (hit)
		atomic_fetch_add_explicit(&f->injected, 1, memory_order_relaxed);
	return hit;
}

void
hyp_fault_get(struct hyp_fault *f, int *modep, uint64_t *callsp, uint64_t *injectedp)
{
	*modep = atomic_load(&f->mode);
	*callsp = atomic_load(&f->calls);
	*injectedp = atomic_load(&f->injected);
}

/* Parses "alloc:nth=N", "alloc:rate=R[,seed=S]", "alloc:seed=S,rate=R" or "off".
 * Returns 0 and the setting, or EINVAL. */
int
hyp_fault_parse(const char *s, int *modep, double *valp, uint64_t *seedp)
{
	char buf[128], *p, *tok, *save = NULL, *end;
	int mode = HYP_FAULT_OFF;
	double val = 0;
	uint64_t seed = 0;

	if (strcmp(s, "off") == 0 || strcmp(s, "") == 0) {
		*modep = HYP_FAULT_OFF, *valp = 0, *seedp = 0;
		return 0;
	}
	if (strncmp(s, "alloc:", 6) != 0 || strlen(s) >= sizeof(buf))
		return NB_EINVAL;
	strcpy(buf, s + 6);
	for (p = buf; (tok = strtok_r(p, ",", &save)) != NULL; p = NULL) {
		if (strncmp(tok, "nth=", 4) == 0 || strncmp(tok, "rate=", 5) == 0) {
			const char *v = strchr(tok, '=') + 1;

			if (mode != HYP_FAULT_OFF || *v == '\0')
				return NB_EINVAL;
			mode = tok[0] == 'n' ? HYP_FAULT_NTH : HYP_FAULT_RATE;
			val = strtod(v, &end);
			if (*end != '\0')
				return NB_EINVAL;
		} else if (strncmp(tok, "seed=", 5) == 0 && tok[5] != '\0') {
			seed = strtoull(tok + 5, &end, 0);
			if (*end != '\0')
				return NB_EINVAL;
		} else
			return NB_EINVAL;
	}
	if (mode == HYP_FAULT_OFF)
		return NB_EINVAL;
	*modep = mode, *valp = val, *seedp = seed;
	return 0;
}

__attribute__((constructor)) static void
fault_from_env(void)
{
	const char *v = getenv("RUMPUS_FAULT");
	int mode;
	double val;
	uint64_t seed;

	if (v == NULL)
		return;
	if (hyp_fault_parse(v, &mode, &val, &seed) != 0 ||
	    hyp_fault_set(&hyp_fault_proc, mode, val, seed) != 0)
		fprintf(stderr, "rumpus: ignoring RUMPUS_FAULT=\"%s\" (expected \"alloc:nth=N\", "
		    "\"alloc:rate=R[,seed=S]\" or \"off\")\n", v);
}
