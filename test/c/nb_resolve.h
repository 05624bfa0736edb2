/*
 * nb_resolve.h: the file a NetBSD build's library "symlink" names.  The shared build's
 * .so links are small text files holding the real name (lua/rump/netbsd.lua's resolve
 * does the same); sysproxy_test.c and bench/sysproxy_bench.c load NetBSD's libraries
 * through them.
 */
#ifndef TEST_NB_RESOLVE_H
#define TEST_NB_RESOLVE_H

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* The real file of libdir/name (a file larger than 255 bytes, after up to 8 links) into
 * out: 0, or -1 when there is none. */
static int
nb_resolve(const char *libdir, const char *name, char *out, size_t len)
{
	char p[1536], buf[256];
	int i;

	snprintf(buf, sizeof(buf), "%s", name);
	for (i = 0; i < 8; i++) {
		struct stat st;
		FILE *f;
		size_t n;

		snprintf(p, sizeof(p), "%s/%s", libdir, buf);
		if (stat(p, &st) != 0)
			return -1;
		if (st.st_size > 255) {
			snprintf(out, len, "%s", p);
			return 0;
		}
		if ((f = fopen(p, "r")) == NULL)
			return -1;
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		buf[strcspn(buf, "\r\n")] = '\0';
	}
	return -1;
}

#endif
