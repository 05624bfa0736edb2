/*
 * reliab_capi_test.c: the public C API refuses a NULL kernel (and a NULL component name or
 * function) with EINVAL or its documented error value instead of crashing.
 */
#include <errno.h>
#include <string.h>

#include "tap.h"
#include "rump/rumpus.h"

static int
seven(void *arg)
{
	(void)arg;
	return 7;
}

int
main(void)
{
	struct rumpus_kernel *k;
	int err = 0;

	errno = 0;
	ok(rumpus_kernel_memused(NULL) == 0 && errno == EINVAL, "memused(NULL) is 0, EINVAL");
	ok(strstr(rumpus_error(), "NULL") != NULL, "rumpus_error says why: %s", rumpus_error());
	errno = 0;
	ok(rumpus_kernel_has(NULL, "vfs") == -1 && errno == EINVAL, "has(NULL) is -1, EINVAL");
	ok(rumpus_kernel_ncpu(NULL) == -1, "ncpu(NULL) is -1");
	ok(rumpus_kernel_halted(NULL) == -1, "halted(NULL) is -1");
	ok(rumpus_kernel_destroy(NULL) == EINVAL, "destroy(NULL) is EINVAL");
	ok(rumpus_kernel_call(NULL, seven, NULL) == EINVAL, "call(NULL, fn) is EINVAL");
	ok(rumpus_kernel_switch(NULL) == NULL && rumpus_kernel_current() == NULL,
	    "switch(NULL) means no kernel current");

	k = rumpus_kernel_create(NULL, NULL, &err);
	if (!ok(k != NULL, "a kernel boots"))
		return tap_done();
	errno = 0;
	ok(rumpus_kernel_has(k, NULL) == -1 && errno == EINVAL, "has(k, NULL) is -1, EINVAL");
	ok(rumpus_kernel_call(k, NULL, NULL) == EINVAL, "call(k, NULL) is EINVAL");
	ok(rumpus_kernel_call(k, seven, NULL) == 7 && rumpus_kernel_current() == NULL,
	    "call(k, fn) runs fn and restores no kernel");
	ok(rumpus_kernel_memused(k) > 0 && rumpus_kernel_ncpu(k) == 1 &&
	    rumpus_kernel_halted(k) == 0 && rumpus_kernel_has(k, "vfs") == 0,
	    "the facts of a real kernel are unchanged");
	ok(rumpus_kernel_switch(k) == NULL && rumpus_kernel_switch(NULL) == k,
	    "switch to k and back to none");
	ok(rumpus_kernel_destroy(k) == 0, "destroy");
	return tap_done();
}
