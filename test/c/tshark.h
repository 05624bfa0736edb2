/*
 * tshark.h: a test's bus capture decoded by tshark (include after tap.h): whether tshark
 * is there (else the decoding is skipped, with the reason), its text read back, and the
 * words of a decode that found something wrong.  (rumpus_bus_pcap, which writes the
 * capture, is in rump/rumpus.h.)
 */
#ifndef TEST_TSHARK_H
#define TEST_TSHARK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 1 when tshark is on the PATH; else skips the decoding checks with the reason, removes
 * the capture at path (unless NULL) and returns 0 */
static inline int
x_tshark_or_skip(const char *path)
{
	if (system("command -v tshark >/dev/null 2>&1") == 0)
		return 1;
	skip("tshark is not installed (make deps installs it)", "tshark decodes the capture");
	if (path != NULL)
		unlink(path);
	return 0;
}

/* Runs the shell command cmd (a tshark reading a capture): its output into out (size
 * bytes, NUL-terminated), how many bytes in *n.  Returns its exit status, -1 when it
 * could not be started. */
static inline int
x_tshark_read(const char *cmd, char *out, size_t size, size_t *n)
{
	FILE *p = popen(cmd, "r");
	int e = -1;

	*n = 0;
	if (p != NULL) {
		*n = fread(out, 1, size - 1, p);
		e = pclose(p);
	}
	out[*n] = '\0';
	return e;
}

/* 1 when the text holds what */
static inline int
has(const char *text, const char *what)
{
	return strstr(text, what) != NULL;
}

/* 1 when tshark's verbose text shows no malformed packet, no incorrect or bad checksum
 * and no error from its expert info */
static inline int
x_tshark_clean(const char *out)
{
	return strstr(out, "Malformed") == NULL && strstr(out, "[incorrect") == NULL &&
	    strstr(out, "Bad checksum") == NULL && strstr(out, "[Expert Info (Error") == NULL;
}

#endif
