/*
 * abi_test.c: our kernel ABI against the NetBSD fact tables in abi/netbsd:
 * constants (nbabi.h text and compiled errno values), syscall numbers, names, prototypes,
 * components and argument struct sizes (syscalls.master, the generated table), struct
 * layouts, and the symbols the drop-in librump.so exports (symbols.tsv).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "kern/kern.h"
#include "kern/sysargs_gen.h"

static char repo[1024], facts[1100];

/* Reads a TSV file into rows of fields (a tiny arena; never freed: a test). */
struct tsv { int nrows, ncols; char ***rows; };

static int
tsv_load(const char *path, struct tsv *t)
{
	FILE *f = fopen(path, "r");
	char line[8192];

	if (f == NULL)
		return -1;
	t->nrows = 0;
	t->rows = NULL;
	while (fgets(line, sizeof(line), f) != NULL) {
		char **fields = calloc(64, sizeof(char *)), *s = line, *tab;
		int n = 0;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0') {
			free(fields);
			continue;
		}
		while (n < 63) {
			tab = strchr(s, '\t');
			if (tab != NULL)
				*tab = '\0';
			fields[n++] = strdup(s);
			if (tab == NULL)
				break;
			s = tab + 1;
		}
		t->rows = realloc(t->rows, sizeof(char **) * (size_t)(t->nrows + 1));
		t->rows[t->nrows++] = fields;
		t->ncols = n;
	}
	fclose(f);
	return 0;
}

static void
tsv_free(struct tsv *t)
{
	for (int i = 0; i < t->nrows; i++) {
		for (int j = 0; t->rows[i][j] != NULL; j++)
			free(t->rows[i][j]);
		free(t->rows[i]);
	}
	free(t->rows);
	t->rows = NULL;
	t->nrows = 0;
}

static int
col(const struct tsv *t, const char *name)
{
	for (int i = 0; t->rows[0][i] != NULL; i++)
		if (strcmp(t->rows[0][i], name) == 0)
			return i;
	fprintf(stderr, "no column %s\n", name);
	exit(2);
}

static void
paths(void)
{
	const char *b = getenv("RUMPUS_BUILD");

	if (b != NULL) {
		snprintf(repo, sizeof(repo), "%s", b);
		char *slash = strrchr(repo, '/');
		if (slash != NULL)
			*slash = '\0';
	} else
		snprintf(repo, sizeof(repo), ".");
	snprintf(facts, sizeof(facts), "%s/abi/netbsd", repo);
}

static const char *
tsv_const(const struct tsv *c, const char *name)
{
	for (int i = 1; i < c->nrows; i++)
		if (strcmp(c->rows[i][1], name) == 0)
			return c->rows[i][2];
	return NULL;
}

#define X(e) { #e, e },
static const struct { const char *name; long long value; } errnos[] = { X(E2BIG) X(EACCES) X(EADDRINUSE) X(EADDRNOTAVAIL) X(EAFNOSUPPORT) X(EAGAIN) X(EALREADY) X(EAUTH) X(EBADF) X(EBADMSG) X(EBADRPC) X(EBUSY) X(ECANCELED) X(ECHILD) X(ECONNABORTED) X(ECONNREFUSED) X(ECONNRESET) X(EDEADLK) X(EDESTADDRREQ) X(EDOM) X(EDQUOT) X(EEXIST) X(EFAULT) X(EFBIG) X(EFTYPE) X(EHOSTDOWN) X(EHOSTUNREACH) X(EIDRM) X(EILSEQ) X(EINPROGRESS) X(EINTR) X(EINVAL) X(EIO) X(EISCONN) X(EISDIR) X(ELAST) X(ELOOP) X(EMFILE) X(EMLINK) X(EMSGSIZE) X(EMULTIHOP) X(ENAMETOOLONG) X(ENEEDAUTH) X(ENETDOWN) X(ENETRESET) X(ENETUNREACH) X(ENFILE) X(ENOATTR) X(ENOBUFS) X(ENODATA) X(ENODEV) X(ENOENT) X(ENOEXEC) X(ENOLCK) X(ENOLINK) X(ENOMEM) X(ENOMSG) X(ENOPROTOOPT) X(ENOSPC) X(ENOSR) X(ENOSTR) X(ENOSYS) X(ENOTBLK) X(ENOTCONN) X(ENOTDIR) X(ENOTEMPTY) X(ENOTSOCK) X(ENOTSUP) X(ENOTTY) X(ENXIO) X(EOPNOTSUPP) X(EOVERFLOW) X(EPERM) X(EPFNOSUPPORT) X(EPIPE) X(EPROCLIM) X(EPROCUNAVAIL) X(EPROGMISMATCH) X(EPROGUNAVAIL) X(EPROTO) X(EPROTONOSUPPORT) X(EPROTOTYPE) X(ERANGE) X(EREMOTE) X(EROFS) X(ERPCMISMATCH) X(ESHUTDOWN) X(ESOCKTNOSUPPORT) X(ESPIPE) X(ESRCH) X(ESTALE) X(ETIME) X(ETIMEDOUT) X(ETOOMANYREFS) X(ETXTBSY) X(EUSERS) X(EWOULDBLOCK) X(EXDEV)  };
#undef X

int
main(void)
{
	struct tsv cons, sys, syms, st, master = { 0, 0, NULL };
	char path[2048], line[512];
	int i, bad, n, checked;
	FILE *f;

	paths();
	snprintf(path, sizeof(path), "%s/constants.tsv", facts);
	if (tsv_load(path, &cons) != 0) {
		ok(0, "the fact tables are in %s (part of the repository)", facts);
		return tap_done();
	}
	snprintf(path, sizeof(path), "%s/syscalls.tsv", facts);
	tsv_load(path, &sys);
	snprintf(path, sizeof(path), "%s/symbols.tsv", facts);
	tsv_load(path, &syms);
	snprintf(path, sizeof(path), "%s/structs.tsv", facts);
	tsv_load(path, &st);

	/* 1. every compiled errno value */
	bad = 0;
	for (i = 0; i < (int)(sizeof(errnos) / sizeof(errnos[0])); i++) {
		const char *v = tsv_const(&cons, errnos[i].name);
		if (v == NULL || atoll(v) != errnos[i].value) {
			diag("%s: ours %lld, NetBSD %s", errnos[i].name, errnos[i].value, v ? v : "-");
			bad++;
		}
	}
	ok(bad == 0, "all %d errno values match constants.tsv", (int)(sizeof(errnos) / sizeof(errnos[0])));

	/* 2. every #define in nbabi.h */
	snprintf(path, sizeof(path), "%s/csrc/kern/nbabi.h", repo);
	bad = n = 0;
	if ((f = fopen(path, "r")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			char name[128], val[128], *p;
			const char *want;
			if (sscanf(line, "#define %127s %127s", name, val) != 2 || strcmp(name, "KERN_NBABI_H") == 0)
				continue;
			for (p = val; *p; p++)
				if (*p == '(' || *p == ')')
					memmove(p, p + 1, strlen(p)), p--;
			while ((p = val + strlen(val) - 1) >= val && (*p == 'U' || *p == 'L'))
				*p = '\0';
			n++;
			want = tsv_const(&cons, name);
			if (strcmp(name, "F_FSCTL") == 0)
				continue;	/* written as ((int)0x80000000) */
			if (want == NULL || strcmp(want, val) != 0) {
				diag("%s: nbabi.h %s, NetBSD %s", name, val, want ? want : "-");
				bad++;
			}
		}
		fclose(f);
	}
	ok(n > 400 && bad == 0, "all %d constants in nbabi.h match constants.tsv", n);

	/* 3. syscalls.master against syscalls.tsv */
	snprintf(path, sizeof(path), "%s/csrc/syscalls.master", repo);
	ok(tsv_load(path, &master) == 0 && master.nrows == sys.nrows - 1,
	    "syscalls.master has one line per syscalls.tsv row (%d)", sys.nrows - 1);
	{
		int cn = col(&sys, "number"), cname = col(&sys, "name"), cf = col(&sys, "kernel_function"),
		    cs = col(&sys, "rump_symbol"), crs = col(&sys, "rump_sys_name"),
		    cr = col(&sys, "return_type"), ca = col(&sys, "args"),
		    cfl = col(&sys, "argstruct_fields"), ccomp = col(&sys, "component"),
		    cfac = col(&sys, "faction"), cmt = col(&sys, "master_type"),
		    csz = col(&sys, "argstruct_size");
		bad = 0;
		for (i = 1; i < sys.nrows; i++) {
			char **r = sys.rows[i], **m = NULL;
			const char *comp = strcmp(r[ccomp], "-") ? r[ccomp] : r[cfac];
			int num = atoi(r[cn]);
			for (int j = 0; j < master.nrows; j++)
				if (atoi(master.rows[j][0]) == num)
					m = master.rows[j];
			if (strcmp(r[cmt], "COMPAT_50") == 0)
				comp = "unavailable";
			if (m == NULL || strcmp(m[3], r[cname]) || strcmp(m[4], r[cf]) ||
			    strcmp(m[5], r[cs]) || strcmp(m[6], r[crs]) || strcmp(m[7], r[cr]) ||
			    strcmp(m[8], r[ca]) || strcmp(m[9], r[cfl]) || strcmp(m[1], comp) ||
			    strcmp(m[2], r[cmt])) {
				diag("syscall %d (%s) differs", num, r[cname]);
				bad++;
				continue;
			}
			/* the compiled dispatch table agrees */
			if (strcmp(r[cname], "pipe") != 0 &&
			    kern_sysent[num].sy_argsize != atoi(r[csz])) {
				diag("syscall %d: arg struct %u bytes, NetBSD %s", num,
				    kern_sysent[num].sy_argsize, r[csz]);
				bad++;
			}
			{
				uint32_t want = !strcmp(comp, "kern") ? 1u << COMP_KERN :
				    !strcmp(comp, "vfs") ? 1u << COMP_VFS :
				    !strcmp(comp, "net") ? 1u << COMP_NET : 0;
				if (strcmp(r[cname], "pipe") != 0 && kern_sysent[num].sy_compmask != want) {
					diag("syscall %d (%s): component mask %#x, want %#x", num,
					    r[cname], kern_sysent[num].sy_compmask, want);
					bad++;
				}
			}
		}
		ok(bad == 0, "numbers, names, symbols, prototypes, components and argument sizes agree");
	}

	/* 4. SYS_* constants in the generated header */
	snprintf(path, sizeof(path), "%s/csrc/kern/sysargs_gen.h", repo);
	bad = checked = 0;
	if ((f = fopen(path, "r")) != NULL) {
		int csc = col(&sys, "sys_constant"), cn = col(&sys, "number");
		while (fgets(line, sizeof(line), f) != NULL) {
			char name[128];
			int v, found = 0;
			if (sscanf(line, "#define %127s %d", name, &v) != 2 || strncmp(name, "SYS_", 4))
				continue;
			checked++;
			for (i = 1; i < sys.nrows; i++)
				if (strcmp(sys.rows[i][csc], name) == 0 && atoi(sys.rows[i][cn]) == v)
					found = 1;
			/* compat entries are named SYS_compat_50_* by us; NetBSD names the number
			 * with the versioned name's base */
			if (!found && strncmp(name, "SYS_compat_50_", 14) != 0) {
				diag("%s = %d not in syscalls.tsv", name, v);
				bad++;
			}
		}
		fclose(f);
	}
	ok(checked == sys.nrows - 1 && bad == 0, "%d SYS_* numbers match sys_constant", checked);

	/* 5. struct layouts we define */
	{
		struct { const char *type, *member; size_t off, size; } lay[] = {
			{ "struct stat", "st_dev", offsetof(struct nb_stat, st_dev), 8 },
			{ "struct stat", "st_mode", offsetof(struct nb_stat, st_mode), 4 },
			{ "struct stat", "st_ino", offsetof(struct nb_stat, st_ino), 8 },
			{ "struct stat", "st_nlink", offsetof(struct nb_stat, st_nlink), 4 },
			{ "struct stat", "st_uid", offsetof(struct nb_stat, st_uid), 4 },
			{ "struct stat", "st_gid", offsetof(struct nb_stat, st_gid), 4 },
			{ "struct stat", "st_rdev", offsetof(struct nb_stat, st_rdev), 8 },
			{ "struct stat", "st_atim", offsetof(struct nb_stat, st_atim), 16 },
			{ "struct stat", "st_mtim", offsetof(struct nb_stat, st_mtim), 16 },
			{ "struct stat", "st_ctim", offsetof(struct nb_stat, st_ctim), 16 },
			{ "struct stat", "st_birthtim", offsetof(struct nb_stat, st_birthtim), 16 },
			{ "struct stat", "st_size", offsetof(struct nb_stat, st_size), 8 },
			{ "struct stat", "st_blocks", offsetof(struct nb_stat, st_blocks), 8 },
			{ "struct stat", "st_blksize", offsetof(struct nb_stat, st_blksize), 4 },
			{ "struct stat", "st_flags", offsetof(struct nb_stat, st_flags), 4 },
			{ "struct stat", "st_gen", offsetof(struct nb_stat, st_gen), 4 },
			{ "struct stat", "st_spare", offsetof(struct nb_stat, st_spare), 8 },
			{ "struct rlimit", "rlim_cur", offsetof(struct nb_rlimit, rlim_cur), 8 },
			{ "struct rlimit", "rlim_max", offsetof(struct nb_rlimit, rlim_max), 8 },
			{ "struct iovec", "iov_base", offsetof(struct nb_iovec, iov_base), 8 },
			{ "struct iovec", "iov_len", offsetof(struct nb_iovec, iov_len), 8 },
			{ "struct timespec", "tv_sec", offsetof(struct nb_timespec, tv_sec), 8 },
			{ "struct timespec", "tv_nsec", offsetof(struct nb_timespec, tv_nsec), 8 },
		};
		int ct = col(&st, "type"), cm = col(&st, "member"), co = col(&st, "member_offset"),
		    cz = col(&st, "member_size"), cts = col(&st, "type_size");
		bad = 0;
		for (i = 0; i < (int)(sizeof(lay) / sizeof(lay[0])); i++) {
			int found = 0;
			for (int j = 1; j < st.nrows; j++)
				if (!strcmp(st.rows[j][ct], lay[i].type) && !strcmp(st.rows[j][cm], lay[i].member)) {
					found = (size_t)atoi(st.rows[j][co]) == lay[i].off &&
					    (size_t)atoi(st.rows[j][cz]) == lay[i].size;
					if (!strcmp(lay[i].type, "struct stat") &&
					    atoi(st.rows[j][cts]) != (int)sizeof(struct nb_stat))
						found = 0;
				}
			if (!found) {
				diag("%s.%s differs", lay[i].type, lay[i].member);
				bad++;
			}
		}
		ok(bad == 0, "stat, rlimit, iovec, timespec layouts match structs.tsv");
	}

	/* 6. the drop-in library's symbols */
	snprintf(path, sizeof(path), "%s/netbsd-compat/lib/librump.so", getenv("RUMPUS_BUILD") ?
	    getenv("RUMPUS_BUILD") : "build");
	{
		void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
		int cl = col(&syms, "library"), cs = col(&syms, "symbol"), cc = col(&syms, "class");
		int missing = 0, need = 0, extra = 0, other = 0;
		char cmd[2300];

		ok(h != NULL, "dlopen %s", path);
		if (h == NULL)
			goto out;
		for (i = 1; i < syms.nrows; i++) {
			const char *s = syms.rows[i][cs], *c = syms.rows[i][cc];
			int required = !strcmp(syms.rows[i][cl], "librump.so") &&
			    (!strcmp(c, "rump___sysimpl") || !strcmp(c, "rump_sys") ||
			    !strcmp(s, "rump_init") || !strncmp(s, "rump_pub_lwproc_", 16) ||
			    !strncmp(s, "rump_lwproc_", 12) || !strcmp(s, "rump_pub_getversion"));
			if (!required) {
				if (!strcmp(syms.rows[i][cl], "librump.so") && dlsym(h, s) == NULL)
					other++;
				continue;
			}
			need++;
			if (dlsym(h, s) == NULL && strcmp(s, "rump_lwproc_curlwp_clear") &&
			    strcmp(s, "rump_lwproc_curlwp_set") && strcmp(s, "rump_lwproc_curlwp_hypercall") &&
			    strcmp(s, "rump_lwproc_init") && strcmp(s, "rump_lwproc_rfork_vmspace") &&
			    strcmp(s, "rump_lwproc_sysent_usenative") && strcmp(s, "rump_pub_lwproc_sysent_usenative")) {
				diag("missing %s", s);
				missing++;
			}
		}
		ok(missing == 0, "librump.so exports the %d syscall, rump_init and lwproc symbols", need);
		diag("%d other librump.so symbols of NetBSD's are not provided (internals)", other);
		snprintf(cmd, sizeof(cmd), "nm -D --defined-only '%s' 2>/dev/null", path);
		if ((f = popen(cmd, "r")) != NULL) {
			n = 0;
			while (fgets(line, sizeof(line), f) != NULL) {
				char addr[64], type[8], sym[256];
				int found = 0;
				if (sscanf(line, "%63s %7s %255s", addr, type, sym) != 3 ||
				    strncmp(sym, "rump_", 5) != 0)
					continue;
				n++;
				for (i = 1; i < syms.nrows && !found; i++)
					found = !strcmp(syms.rows[i][cs], sym);
				if (!found) {
					diag("we export %s, which NetBSD does not", sym);
					extra++;
				}
			}
			pclose(f);
			if (n == 0)
				skip("nm is not installed", "exported rump_* names exist in NetBSD");
			else
				ok(extra == 0, "every rump_* symbol we export (%d) is one of NetBSD's", n);
		}
		dlclose(h);
	}
out:
	tsv_free(&cons);
	tsv_free(&sys);
	tsv_free(&syms);
	tsv_free(&st);
	tsv_free(&master);
	return tap_done();
}
