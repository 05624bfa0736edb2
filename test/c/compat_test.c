/*
 * compat_test.c: NetBSD's library names as a drop-in.  netbsd_prog is linked against
 * build/netbsd-compat/lib (-lrump -lrumpuser, no rpath); it runs with only
 * LD_LIBRARY_PATH pointing there, and not without it.  netbsd_prog_vfs links
 * -lrumpvfs too: rump_init boots with the vfs component, or fails (EINVAL) while no vfs
 * component is built in, as a kernel lacking a linked component must.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tap.h"
#include "rump/rumpus.h"

static int
run(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

int
main(void)
{
	const char *b = getenv("RUMPUS_BUILD");
	char build[512], cmd[8192];
	int i, havevfs = 0, r;

	snprintf(build, sizeof(build), "%s", b ? b : "build");
	for (i = 0; rumpus_component_name(i) != NULL; i++)
		if (strcmp(rumpus_component_name(i), "vfs") == 0)
			havevfs = 1;

	snprintf(cmd, sizeof(cmd), "env -u LD_LIBRARY_PATH %s/test/netbsd_prog >/dev/null 2>&1", build);
	ok(run(cmd) != 0, "without LD_LIBRARY_PATH the program does not start (needs librump.so)");
	snprintf(cmd, sizeof(cmd), "LD_LIBRARY_PATH=%s/netbsd-compat/lib %s/test/netbsd_prog "
	    ">%s/test/netbsd_prog.out; st=$?; sed 's/^/# /' %s/test/netbsd_prog.out; exit $st",
	    build, build, build, build);
	ok(run(cmd) == 0, "with LD_LIBRARY_PATH=netbsd-compat/lib it runs on rumpus");
	snprintf(cmd, sizeof(cmd), "grep -c '^ok' %s/test/netbsd_prog.out | grep -qx 6", build);
	ok(run(cmd) == 0, "all six checks ran");
	snprintf(cmd, sizeof(cmd), "LD_LIBRARY_PATH=%s/netbsd-compat/lib %s/test/netbsd_prog_vfs "
	    ">%s/test/netbsd_prog.out; st=$?; sed 's/^/# /' %s/test/netbsd_prog.out; exit $st",
	    build, build, build, build);
	r = run(cmd);
	if (havevfs)
		ok(r == 0, "linked with librumpvfs, rump_init boots the vfs component");
	else
		ok(r == 3, "linked with librumpvfs but no vfs component built in: rump_init fails");
	return tap_done();
}
