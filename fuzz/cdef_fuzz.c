/* cdef_fuzz.c: libFuzzer entry of the ffi harness (fuzz/cdef.c). */
#include <stdio.h>
#include <stdlib.h>

#include "fz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char msg[512];

	if (fz_cdef_run(data, size, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "cdef harness: %s\n", msg);
		abort();
	}
	return 0;
}
