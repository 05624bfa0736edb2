/*
 * compat_run.h: a NetBSD-style program of the build linked against the drop-in libraries
 * of build/netbsd-compat/lib, run from a test: its output shown as TAP comments.
 */
#ifndef TEST_COMPAT_RUN_H
#define TEST_COMPAT_RUN_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

/* Runs $RUMPUS_BUILD/test/prog (RUMPUS_BUILD unset: build) with the drop-in libraries,
 * its output kept in prog.out beside it: its exit status, 128 if it did not exit. */
static int
compat_run(const char *prog)
{
	const char *b = getenv("RUMPUS_BUILD");
	char cmd[4096];
	int st;

	if (b == NULL)
		b = "build";
	snprintf(cmd, sizeof(cmd), "LD_LIBRARY_PATH=%s/netbsd-compat/lib %s/test/%s "
	    ">%s/test/%s.out 2>&1; st=$?; sed 's/^/# /' %s/test/%s.out; exit $st",
	    b, b, prog, b, prog, b, prog);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

#endif
