/*
 * mem.c: the user memory the syscall harness hands to kernels, and the rule that keeps
 * every pointer the kernel may read inside it (see fz.h).  Host side: no kernel headers.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "fz.h"

struct fz_mem fz_mem;

#define G1_SIZE		(1024 * 1024)
#define G2_SIZE		(64 * 1024 * 1024)
#define G3_SIZE		(64 * 1024 * 1024)
#define TOTAL		(G1_SIZE + FZ_ZA_SIZE + FZ_RO_SIZE + G2_SIZE + FZ_ZB_SIZE + G3_SIZE)

/* Below this, x86_64 ASan keeps application memory; from here to 2^47 a value may be ASan
 * shadow, the heap, libraries or stacks: the sanitizer sends it into a guard. */
#define LOW_LIMIT	0x7fff8000ULL
#define USER_TOP	0x800000000000ULL

/* Mappings found below LOW_LIMIT at start (normally none in a PIE process). */
static struct { uint64_t lo, hi; } lowmap[16];
static int nlowmap;

static int
scan_low_mappings(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long long lo, hi;
	char line[512];

	if (f == NULL)
		return 0;	/* no /proc: trust the PIE layout */
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%llx-%llx", &lo, &hi) != 2 || lo >= LOW_LIMIT)
			continue;
		if (nlowmap == 16) {
			fclose(f);
			return -1;
		}
		lowmap[nlowmap].lo = lo;
		lowmap[nlowmap].hi = hi;
		nlowmap++;
	}
	fclose(f);
	return 0;
}

int
fz_mem_init(void)
{
	uint8_t *base;

	if (fz_mem.za != NULL)
		return 0;
	if (scan_low_mappings() != 0)
		return -1;
	base = mmap(NULL, TOTAL, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return -1;
	fz_mem.g1 = base;
	fz_mem.za = base + G1_SIZE;
	fz_mem.ro = fz_mem.za + FZ_ZA_SIZE;
	fz_mem.g2 = fz_mem.ro + FZ_RO_SIZE;
	fz_mem.zb = fz_mem.g2 + G2_SIZE;
	fz_mem.g3 = fz_mem.zb + FZ_ZB_SIZE;
	if (mprotect(fz_mem.za, FZ_ZA_SIZE + FZ_RO_SIZE, PROT_READ | PROT_WRITE) != 0 ||
	    mprotect(fz_mem.zb, FZ_ZB_SIZE, PROT_READ | PROT_WRITE) != 0)
		return -1;
	/* The read-only page: zeros (a zero timeout for poll/select), then an int 1 at 64
	 * (FIONBIO), then a few strings at 128, 256, and one that runs to the page end. */
	memset(fz_mem.ro, 0, FZ_RO_SIZE);
	fz_mem.ro[64] = 1;
	strcpy((char *)fz_mem.ro + 128, "/");
	strcpy((char *)fz_mem.ro + 256, "/ro");
	memset(fz_mem.ro + FZ_RO_SIZE - 16, 'x', 16);	/* no NUL before the guard */
	if (mprotect(fz_mem.ro, FZ_RO_SIZE, PROT_READ) != 0)
		return -1;
	return 0;
}

void
fz_mem_reset(void)
{
	memset(fz_mem.za, 0, FZ_ZA_SIZE);
	memset(fz_mem.zb, 0, FZ_ZB_SIZE);
}

uint64_t
fz_badptr(unsigned i)
{
	switch (i % 16) {
	case 0: return 0;
	case 1: return 1;
	case 2: return 8;					/* first page */
	case 3: return 4095;
	case 4: return (uint64_t)(uintptr_t)(fz_mem.za - 16);	/* straddles guard 1 */
	case 5: return (uint64_t)(uintptr_t)fz_mem.g1;
	case 6: return (uint64_t)(uintptr_t)fz_mem.ro;		/* read-only */
	case 7: return (uint64_t)(uintptr_t)(fz_mem.ro + FZ_RO_SIZE - 16); /* unterminated */
	case 8: return (uint64_t)(uintptr_t)fz_mem.g2;
	case 9: return (uint64_t)(uintptr_t)(fz_mem.zb + FZ_ZB_SIZE - 8);	/* into guard 3 */
	case 10: return USER_TOP - 16;				/* straddles the user limit */
	case 11: return USER_TOP;
	case 12: return ~(uint64_t)7;				/* wraps */
	case 13: return 0xffff800000000000ULL;			/* kernel half */
	case 14: return (uint64_t)(uintptr_t)(fz_mem.za + FZ_ZA_SIZE - 1);	/* into ro */
	default: return 0x7fff0000;	/* in range, never mapped (x86_64 ASan: application memory) */
	}
}

uint64_t
fz_sanitize(uint64_t v)
{
	uint64_t tag = v >> 48, low = v & 0xffffffffffffULL;
	int i;

	if (tag == FZ_TAG_ZA)
		return (uint64_t)(uintptr_t)fz_mem.za + (low % FZ_ZA_SIZE & ~7ULL);
	if (tag == FZ_TAG_ZB)
		return (uint64_t)(uintptr_t)fz_mem.zb + (low % FZ_ZB_SIZE & ~7ULL);
	if (tag == FZ_TAG_BAD)
		return fz_badptr((unsigned)low);
	if (v < LOW_LIMIT) {
		for (i = 0; i < nlowmap; i++)
			if (v >= lowmap[i].lo && v < lowmap[i].hi)
				return (uint64_t)(uintptr_t)fz_mem.g2 + (v & 0xffff);
		return v;
	}
	if (v >= USER_TOP)
		return v;
	/* our own zones: aligned, so that a structure read through the pointer is made of
	 * sanitized words (the guards and the read-only page are fine as they are) */
	if (v >= (uint64_t)(uintptr_t)fz_mem.za && v < (uint64_t)(uintptr_t)fz_mem.ro)
		return v & ~7ULL;
	if (v >= (uint64_t)(uintptr_t)fz_mem.zb && v < (uint64_t)(uintptr_t)fz_mem.g3)
		return v & ~7ULL;
	if (v >= (uint64_t)(uintptr_t)fz_mem.g1 && v < (uint64_t)(uintptr_t)fz_mem.g3 + G3_SIZE)
		return v;
	return (uint64_t)(uintptr_t)fz_mem.g2 + v % (G2_SIZE - 4096);
}

static void
sanitize_words(uint64_t *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t v = w[i];
		/* fast path: small values (no low mappings) and high values without a tag */
		if ((v < LOW_LIMIT && nlowmap == 0) ||
		    (v >= USER_TOP && (v >> 48 < FZ_TAG_ZA || v >> 48 > FZ_TAG_ZB)))
			continue;
		w[i] = fz_sanitize(v);
	}
}

void
fz_sanitize_zones(void)
{
	sanitize_words((uint64_t *)(void *)fz_mem.za, FZ_ZA_SIZE / 8);
	sanitize_words((uint64_t *)(void *)fz_mem.zb, FZ_ZB_SIZE / 8);
}
