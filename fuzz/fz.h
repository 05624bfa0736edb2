/*
 * fz.h: the fuzz harnesses' shared decoders (fuzz/), used by the libFuzzer targets
 * (fuzz/sys_fuzz.c, fuzz/cdef_fuzz.c: clang) and by the plain-gcc replay tests (test/c/fuzz_*_test.c).
 *
 * Each decoder takes one input and returns 0, or -1 after writing a sentence about the
 * broken invariant to msg (a syscall answering something that is not an errno, a
 * kernel that cannot be destroyed, leaked kernel memory, a disturbed bystander kernel).
 * A crash is a crash: the libFuzzer build reports it, the replay test dies with it.
 */
#ifndef FUZZ_FZ_H
#define FUZZ_FZ_H

#include <stddef.h>
#include <stdint.h>

/* ---- the syscall harness (fuzz/sys.c) ---- */
int fz_sys_run(const uint8_t *data, size_t size, char *msg, size_t msglen);
extern int fz_sys_trace;		/* 1: print every decoded call to stderr */
/* Runs the input and writes the bytes it used to out (*outlen: room, then length), with
 * every "syscall by index" op rewritten to "syscall by number": a saved input then
 * keeps its meaning when more syscalls get implemented.  (out needs 3/2 of size.) */
int fz_sys_canon(const uint8_t *data, size_t size, uint8_t *out, size_t *outlen,
    char *msg, size_t msglen);

/* ---- the packet harness (fuzz/packet.c): raw Ethernet frames onto the buses of a
 * three-kernel IPv4 network ---- */
int fz_packet_run(const uint8_t *data, size_t size, char *msg, size_t msglen);

/* ---- the ffi.cdef harness (fuzz/cdef.c, embeds Lua 5.4 and csrc/ffi) ---- */
int fz_cdef_run(const uint8_t *data, size_t size, char *msg, size_t msglen);
/* Runs Lua code in a fresh Lua 5.4 state with the ffi module; 0, or -1 and its error. */
int fz_cdef_lua(const char *code, char *msg, size_t msglen);

/* ---- user memory of the syscall harness (fuzz/mem.c, host side) ----
 *
 *   [guard 1 MiB][zone A 64 KiB rw][ro 4 KiB][guard 64 MiB][zone B 16 KiB rw][guard 64 MiB]
 *
 * Zone A holds data buffers and strings, zone B the structures the decoder builds
 * (iovecs, msghdrs).  Before a syscall that reads pointers from user memory, every
 * aligned 8-byte word of both zones is "sanitized" (fz_sanitize), so no pointer the
 * kernel can read reaches memory outside this layout.  The guards are
 * PROT_NONE and larger than anything a kernel with the harness's memory limit can copy at
 * once, so a copy running off a zone faults (EFAULT) before it reaches anything else. */
#define FZ_ZA_SIZE	(64 * 1024)
#define FZ_ZB_SIZE	(16 * 1024)
#define FZ_RO_SIZE	4096
struct fz_mem {
	uint8_t *za, *ro, *zb;		/* zone A, read-only page, zone B */
	uint8_t *g1, *g2, *g3;		/* guards */
};
extern struct fz_mem fz_mem;
int fz_mem_init(void);			/* once per process; 0 or -1 */
void fz_mem_reset(void);		/* zero both zones */
/* A 64-bit value from the input made safe to hand to a kernel that may treat it as a
 * user pointer: values with the tag 0xA5A5 in the top 16 bits become pointers into zone
 * A, 0xA5A7 into zone B (8-aligned), 0xA5A6 one of the bad pointers; other values that
 * could be the address of mapped memory become addresses in a guard. */
uint64_t fz_sanitize(uint64_t v);
/* Every aligned word of both zones.  Called before each syscall that reads pointers
 * from user memory (iovecs, msghdr, ioctl data): with pointers into the zones always
 * 8-aligned, every pointer such a syscall reads was sanitized. */
void fz_sanitize_zones(void);
uint64_t fz_badptr(unsigned i);		/* NULL, first page, guards, ro, limits, wrap... */
#define FZ_TAG_ZA	0xA5A5ULL
#define FZ_TAG_BAD	0xA5A6ULL
#define FZ_TAG_ZB	0xA5A7ULL

#endif
