/*
 * bus_file.c: a bus that is also a file, in the format of NetBSD's shmif bus files, so
 * that kernels in other processes (ours, or NetBSD's rump kernels) share the segment.
 *
 * The file is 1 MiB: a 32-byte header (magic 0xca11d054, version 3, a 64-bit generation
 * counted up at each wrap, the offsets of the first (oldest) and last (newest) frame, a
 * lock word, a spare word) and a ring of frames, each a 24-byte header (length, seconds,
 * microseconds, a 64-bit sender id) and the Ethernet frame (at most 1514 bytes).  Writers
 * take the lock word (compare-and-swap 0 -> 1), append after the last frame, push the
 * first frame forward over what they overwrite, count a generation when they reach the
 * end of the ring, and then write the version word back with pwrite() so that inotify
 * wakes every reader.  Readers keep their own position and generation and start again
 * from the oldest frame when writers lapped them (the bus is lossy, as an Ethernet is).
 *
 * In this process a file bus is still a bus of the registry (bus.c), keyed by its path:
 * our kernels on it reach each other through memory as on any bus, and every frame they
 * send is also appended to the file, tagged with this bus's sender id.  One watcher thread
 * per bus file (hyper/shmfile.c) reads the frames of other senders and hands them to the
 * bus as if a port had sent them (bus_input).
 *
 * The file comes from another process, so nothing in it is trusted: offsets and lengths
 * are checked before use, a ring that makes no sense is reset to an empty one, and a lock
 * word held for more than a second (its holder died) is taken over.
 */
#include "net/if.h"

#define SHMIF_MAGIC	0xca11d054u
#define SHMIF_VERSION	3u
#define SHMIF_SIZE	(1024u * 1024u)
#define SHMIF_HDRSIZE	32u
#define SHMIF_DATASIZE	(SHMIF_SIZE - SHMIF_HDRSIZE)
#define SHMIF_PKTHDR	24u
#define SHMIF_MAXFRAME	1514u		/* NetBSD's readers assert this */
#define SHMIF_LOCKED	1u
#define SHMIF_SPINS	1001		/* then sleep 1 ms, as NetBSD's writers do */
#define SHMIF_STEAL_NS	1000000000ull	/* a lock held this long has a dead holder */

/* The header, as NetBSD lays it out (little-endian host). */
struct shmif_hdr {
	uint32_t sh_magic;
	uint32_t sh_version;
	uint64_t sh_gen;
	uint32_t sh_first;
	uint32_t sh_last;
	uint32_t sh_lock;
	uint32_t sh_spare;
};
struct shmif_pkthdr {
	uint32_t sp_len;
	uint32_t sp_sec;
	uint32_t sp_usec;
	uint32_t sp_pad;
	uint64_t sp_sender;
};
_Static_assert(sizeof(struct shmif_hdr) == SHMIF_HDRSIZE, "shmif header");
_Static_assert(sizeof(struct shmif_pkthdr) == SHMIF_PKTHDR, "shmif frame header");

struct bus_file {
	struct hyp_shmfile *bf_f;
	struct shmif_hdr *bf_hdr;	/* the mapping: every access under the lock word */
	uint8_t *bf_data;
	struct bus *bf_bus;
	uint64_t bf_sender;		/* this process's frames on this bus */
	/* the reader (the watcher thread, or bus_file_open before it starts) */
	uint32_t bf_next;
	uint64_t bf_gen;
	uint8_t bf_buf[SHMIF_MAXFRAME];
};

/* ---------------------------------------------------------------- the lock word */

static void
shm_lock(struct bus_file *bf)
{
	uint32_t *w = &bf->bf_hdr->sh_lock, zero;
	uint64_t waited = 0;
	int spins = 0;

	for (;;) {
		zero = 0;
		if (__atomic_compare_exchange_n(w, &zero, SHMIF_LOCKED, 0, __ATOMIC_ACQUIRE,
		    __ATOMIC_RELAXED))
			return;
		if (++spins <= SHMIF_SPINS)
			continue;
		spins = 0;
		hyp_pause_ns(1000000);
		if ((waited += 1000000) >= SHMIF_STEAL_NS) {
			/* the holder is gone: take the lock over */
			__atomic_store_n(w, SHMIF_LOCKED, __ATOMIC_SEQ_CST);
			return;
		}
	}
}

static void
shm_unlock(struct bus_file *bf)
{
	__atomic_store_n(&bf->bf_hdr->sh_lock, 0, __ATOMIC_RELEASE);
}

/* ---------------------------------------------------------------- the ring (locked) */

static uint32_t
ring_advance(uint32_t off, uint32_t delta)
{
	off += delta;
	return off >= SHMIF_DATASIZE ? off - SHMIF_DATASIZE : off;
}

/* Copies n bytes out of the ring from off (off may be SHMIF_DATASIZE: the start again);
 * sets *wrap if the copy reached the end of the ring.  Returns the offset after them. */
static uint32_t
ring_read(struct bus_file *bf, void *dst, uint32_t off, uint32_t n, int *wrap)
{
	uint32_t chunk = SHMIF_DATASIZE - off < n ? SHMIF_DATASIZE - off : n;

	memcpy(dst, bf->bf_data + off, chunk);
	if (off + chunk == SHMIF_DATASIZE)
		*wrap = 1;
	if (chunk == n)
		return (off + chunk) % SHMIF_DATASIZE;
	memcpy((uint8_t *)dst + chunk, bf->bf_data, n - chunk);
	return n - chunk;
}

static uint32_t
frame_len_at(struct bus_file *bf, uint32_t off)
{
	struct shmif_pkthdr sp;
	int wrap = 0;

	ring_read(bf, &sp, off, sizeof(sp), &wrap);
	return sp.sp_len;
}

/* 0 if the header and the frame at off are sane (so that walking the ring terminates). */
static int
ring_sane(struct bus_file *bf)
{
	struct shmif_hdr *h = bf->bf_hdr;

	return h->sh_magic == SHMIF_MAGIC && h->sh_first <= SHMIF_DATASIZE &&
	    h->sh_last < SHMIF_DATASIZE && frame_len_at(bf, h->sh_last) <= SHMIF_MAXFRAME;
}

/* An empty ring, as a new bus file has (first at the end: nothing overwritten yet); the
 * generation moves on by two so that every reader finds itself lapped and starts over. */
static void
ring_reset(struct bus_file *bf)
{
	struct shmif_hdr *h = bf->bf_hdr;

	h->sh_magic = SHMIF_MAGIC;
	h->sh_first = SHMIF_DATASIZE;
	h->sh_last = 0;
	h->sh_gen += 2;
	memset(bf->bf_data, 0, SHMIF_DATASIZE);
}

static uint32_t
next_frame(struct bus_file *bf, uint32_t off)
{
	uint32_t len = frame_len_at(bf, off);

	if (len > SHMIF_MAXFRAME)
		len = SHMIF_MAXFRAME;		/* the caller checked sanity; never loop */
	return ring_advance(off, SHMIF_PKTHDR + len);
}

/* Before n bytes are written at off, the oldest frames they overwrite leave the ring
 * (the same rule NetBSD's writers follow, so both keep the same first offset). */
static void
push_first(struct bus_file *bf, uint32_t off, uint32_t n)
{
	struct shmif_hdr *h = bf->bf_hdr;
	unsigned bound = SHMIF_DATASIZE / SHMIF_PKTHDR + 2;

	while (off <= h->sh_first + SHMIF_PKTHDR && off + n > h->sh_first && bound-- > 0) {
		if (frame_len_at(bf, h->sh_first % SHMIF_DATASIZE) > SHMIF_MAXFRAME) {
			ring_reset(bf);
			return;
		}
		h->sh_first = next_frame(bf, h->sh_first % SHMIF_DATASIZE);
	}
}

static uint32_t
ring_write(struct bus_file *bf, uint32_t off, const void *src, uint32_t n, int *wrap)
{
	uint32_t chunk = SHMIF_DATASIZE - off < n ? SHMIF_DATASIZE - off : n;
	int filled = off + chunk == SHMIF_DATASIZE;

	push_first(bf, off, chunk + (filled ? 1 : 0));
	memcpy(bf->bf_data + off, src, chunk);
	if (filled)
		*wrap = 1;
	if (chunk == n)
		return (off + chunk) % SHMIF_DATASIZE;
	push_first(bf, 0, n - chunk);
	memcpy(bf->bf_data, (const uint8_t *)src + chunk, n - chunk);
	return n - chunk;
}

/* ---------------------------------------------------------------- sending */

void
bus_file_xmit(struct bus_file *bf, const void *frame, size_t len)
{
	struct shmif_hdr *h = bf->bf_hdr;
	struct shmif_pkthdr sp;
	uint64_t now;
	uint32_t off, ver = SHMIF_VERSION;
	int wrap = 0;

	if (len > SHMIF_MAXFRAME)
		return;			/* NetBSD's readers would assert: not on a bus file */
	now = hyp_clock_real();
	memset(&sp, 0, sizeof(sp));
	sp.sp_len = (uint32_t)len;
	sp.sp_sec = (uint32_t)(now / 1000000000u);
	sp.sp_usec = (uint32_t)(now % 1000000000u / 1000u);
	sp.sp_sender = bf->bf_sender;
	shm_lock(bf);
	if (!ring_sane(bf))
		ring_reset(bf);
	h->sh_last = next_frame(bf, h->sh_last);
	off = ring_write(bf, h->sh_last, &sp, sizeof(sp), &wrap);
	ring_write(bf, off, frame, (uint32_t)len, &wrap);
	if (wrap)
		h->sh_gen++;
	shm_unlock(bf);
	(void)hyp_shmfile_poke(bf->bf_f, &ver, offsetof(struct shmif_hdr, sh_version));
}

/* ---------------------------------------------------------------- receiving */

/* Is the reader's position still in the ring (not overwritten since)? */
static int
reader_valid(struct bus_file *bf)
{
	struct shmif_hdr *h = bf->bf_hdr;
	uint64_t gendiff = h->sh_gen - bf->bf_gen;
	uint64_t dev = bf->bf_next, last = next_frame(bf, h->sh_last);

	if (gendiff > 1)
		return 0;
	if (h->sh_first >= last) {
		last += SHMIF_DATASIZE;
		if (gendiff == 0)
			dev += SHMIF_DATASIZE;
	} else if (gendiff != 0)
		return 0;
	return dev >= h->sh_first && dev <= last;
}

/* Reads every frame written since the last call and hands those of other senders to the
 * bus.  Runs on the watcher thread (one per bus file). */
static void
bus_file_rx(void *arg)
{
	struct bus_file *bf = arg;
	struct shmif_hdr *h = bf->bf_hdr;
	struct shmif_pkthdr sp;
	uint32_t off;
	int wrap, n;

	for (n = 0; n < 4096; n++) {	/* a full ring is < 1 MiB / 24 B frames: bounded */
		shm_lock(bf);
		if (!ring_sane(bf)) {
			shm_unlock(bf);
			return;		/* the next writer resets it */
		}
		if (bf->bf_gen == h->sh_gen && next_frame(bf, h->sh_last) == bf->bf_next) {
			shm_unlock(bf);
			return;
		}
		if (bf->bf_next >= SHMIF_DATASIZE || !reader_valid(bf)) {
			/* lapped: start again from the oldest frame */
			bf->bf_next = h->sh_first % SHMIF_DATASIZE;
			bf->bf_gen = h->sh_first > h->sh_last && h->sh_first != SHMIF_DATASIZE ?
			    h->sh_gen - 1 : h->sh_gen;
		}
		wrap = 0;
		off = ring_read(bf, &sp, bf->bf_next, sizeof(sp), &wrap);
		if (sp.sp_len > SHMIF_MAXFRAME) {
			/* garbage where a frame should be: skip to the newest */
			bf->bf_next = next_frame(bf, h->sh_last);
			bf->bf_gen = h->sh_gen;
			shm_unlock(bf);
			return;
		}
		bf->bf_next = ring_read(bf, bf->bf_buf, off, sp.sp_len, &wrap);
		if (wrap)
			bf->bf_gen++;
		shm_unlock(bf);
		if (sp.sp_sender != bf->bf_sender && sp.sp_len > 0)
			bus_input(bf->bf_bus, bf->bf_buf, sp.sp_len);
	}
}

/* ---------------------------------------------------------------- open and close */

int
bus_file_open(struct bus *b, const char *path, struct bus_file **bfp)
{
	struct bus_file *bf;
	void *mem;
	int error;

	if ((bf = hyp_zalloc(sizeof(*bf))) == NULL)
		return ENOMEM;
	if ((error = hyp_shmfile_open(path, SHMIF_SIZE, &bf->bf_f, &mem)) != 0) {
		hyp_free(bf, sizeof(*bf));
		return error;
	}
	bf->bf_hdr = mem;
	bf->bf_data = (uint8_t *)mem + SHMIF_HDRSIZE;
	bf->bf_bus = b;
	if (bf->bf_hdr->sh_magic != 0 && bf->bf_hdr->sh_magic != SHMIF_MAGIC) {
		hyp_shmfile_close(bf->bf_f);
		hyp_free(bf, sizeof(*bf));
		return ENOEXEC;		/* NetBSD: "bus is not magical" */
	}
	(void)hyp_random(&bf->bf_sender, sizeof(bf->bf_sender));
	shm_lock(bf);
	if (bf->bf_hdr->sh_magic == 0) {
		bf->bf_hdr->sh_magic = SHMIF_MAGIC;
		bf->bf_hdr->sh_first = SHMIF_DATASIZE;
	}
	if (!ring_sane(bf))
		ring_reset(bf);
	/* read from what comes next: frames already there are history */
	bf->bf_next = next_frame(bf, bf->bf_hdr->sh_last);
	bf->bf_gen = bf->bf_hdr->sh_gen;
	shm_unlock(bf);
	if ((error = hyp_shmfile_watch(bf->bf_f, path, bus_file_rx, bf)) != 0) {
		hyp_shmfile_close(bf->bf_f);
		hyp_free(bf, sizeof(*bf));
		return error;
	}
	*bfp = bf;
	return 0;
}

void
bus_file_close(struct bus_file *bf)
{
	if (bf == NULL)
		return;
	hyp_shmfile_close(bf->bf_f);	/* waits for a running bus_file_rx */
	hyp_free(bf, sizeof(*bf));
}
