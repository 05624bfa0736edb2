/* sys_fuzz.c: libFuzzer entry of the syscall harness (fuzz/sys.c).  A broken invariant
 * aborts, so libFuzzer saves the input as a crash.  FZ_TRACE=1 prints the decoded calls. */
#include <stdio.h>
#include <stdlib.h>

#include "fz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (getenv("FZ_TRACE") != NULL)
		fz_sys_trace = 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char msg[512];

	if (fz_sys_run(data, size, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "sys harness: %s\n", msg);
		abort();
	}
	return 0;
}
