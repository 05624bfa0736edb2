/*
 * fuzz_replay.h: replays fuzz inputs through the harness decoders (fuzz/fz.h) with TAP
 * output, in the plain-gcc test build (no libFuzzer).  Each test program takes files on
 * the command line (replay exactly those, e.g. a crash file libFuzzer left) or, without
 * arguments, every file of its directories under FUZZ_SRCDIR.
 *
 * An input "passes" when its decoder returns 0; a crash kills the program (and the test
 * runner reports it).  Set FZ_TRACE=1 to print every decoded syscall to stderr.
 */
#ifndef TEST_FUZZ_REPLAY_H
#define TEST_FUZZ_REPLAY_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "fz.h"

typedef int (*fz_run_fn)(const uint8_t *, size_t, char *, size_t);

static uint8_t *
replay_read(const char *path, size_t *sizep)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (f == NULL)
		return NULL;
	do {
		if (n == cap) {
			uint8_t *nb = realloc(buf, cap = cap ? cap * 2 : 4096);
			if (nb == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	*sizep = n;
	return buf;
}

/* Runs one file; returns 1 if it passed. */
static int
replay_file(const char *path, const char *label, fz_run_fn run)
{
	char msg[512];
	size_t n = 0;
	uint8_t *buf = replay_read(path, &n);
	int rc;

	if (buf == NULL)
		return ok(0, "%s: cannot read %s", label, path);
	rc = run(buf, n, msg, sizeof(msg));
	free(buf);
	if (rc != 0)
		diag("%s", msg);
	return ok(rc == 0, "%s %s (%zu bytes)", label, path, n);
}

static int
replay_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of dir whose name starts with prefix ("" for all), sorted; returns
 * how many ran (-1 if the directory cannot be read). */
__attribute__((unused)) static int
replay_dir(const char *dir, const char *prefix, const char *label, fz_run_fn run)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL, path[8192];
	int n = 0, cap = 0, i;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || strncmp(e->d_name, prefix, strlen(prefix)) != 0)
			continue;
		if (n == cap) {
			char **nn = realloc(names, sizeof(*names) * (size_t)(cap = cap ? cap * 2 : 64));
			if (nn == NULL)
				break;
			names = nn;
		}
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(names, (size_t)n, sizeof(*names), replay_cmp);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		replay_file(path, label, run);
		free(names[i]);
	}
	free(names);
	return n;
}

/* main() of a per-harness replay test: files from argv, else FUZZ_SRCDIR/fuzz/corpus/<name>
 * (at least min_files of them). */
__attribute__((unused)) static int
replay_main(int argc, char **argv, const char *name, fz_run_fn run, int min_files)
{
	char dir[4096];
	int i, n;

	alarm(300);	/* a hang must not stall the suite: SIGALRM ends the program */
	if (getenv("FZ_TRACE") != NULL)
		fz_sys_trace = 1;
	if (argc > 1) {
		for (i = 1; i < argc; i++)
			replay_file(argv[i], name, run);
		return tap_done();
	}
	snprintf(dir, sizeof(dir), "%s/fuzz/corpus/%s", FUZZ_SRCDIR, name);
	n = replay_dir(dir, "", name, run);
	ok(n >= min_files, "%d %s seed inputs replayed from %s (want at least %d)", n, name,
	    dir, min_files);
	return tap_done();
}

#endif
