/*
 * compat.c: NetBSD's rump kernel entry points that are not syscalls: rump_init() and
 * friends, and reboot.
 *
 * rump_init() boots the process's default kernel with the components whose NetBSD-named
 * libraries are linked (each thin library's constructor calls rumpus_link_component), as
 * NetBSD's does.  Like NetBSD it reads RUMP_NCPU and RUMP_MEMLIMIT from the environment.
 */
#include <stdlib.h>

#include "kern/kern.h"
#include "kern/sysargs_gen.h"
#include "rump/rumpus.h"

#define RUMP_VERSION 1

int cons_attach(struct kern *k) KERN_HIDDEN;	/* kern/cons.c */

void rumpus_link_component(const char *name) KERN_EXPORT;
void
rumpus_link_component(const char *name)
{
	hyp_linked_add(name);
}

static unsigned long
env_number(const char *name, unsigned long dflt)
{
	char buf[32], *end;
	unsigned long v;

	if (hyp_getenv(name, buf, sizeof(buf)) != 0)
		return dflt;
	v = strtoul(buf, &end, 10);
	if (end == buf)
		return dflt;
	/* NetBSD accepts a size suffix on RUMP_MEMLIMIT */
	switch (*end) {
	case 'k': case 'K': v <<= 10; break;
	case 'm': case 'M': v <<= 20; break;
	case 'g': case 'G': v <<= 30; break;
	}
	return v;
}

int rump_init(void) KERN_EXPORT;
int
rump_init(void)
{
	const char *names[33];
	struct rumpus_config cfg = { 0, "rump", 0, 0 };
	struct rumpus_kernel *k;
	int n, error = 0;

	hyp_lock_global();
	if (hyp_default_kernel() != NULL)
		goto out;
	n = hyp_linked_list(names, 32);
	if (n > 32)
		n = 32;
	names[n] = NULL;
	cfg.ncpu = (unsigned)env_number("RUMP_NCPU", 1);
	cfg.memlimit = env_number("RUMP_MEMLIMIT", 0);
	if ((k = rumpus_kernel_create(names, &cfg, &error)) != NULL) {
		/* NetBSD's process 1 has the console on 0-2 */
		if ((error = cons_attach((struct kern *)k)) != 0) {
			rumpus_kernel_destroy(k);
			goto out;
		}
		/* NetBSD's default signal model for the NetBSD entry: RAISE */
		if (hyp_sigmodel_get() < 0)
			(void)rumpus_kernel_sigmodel(k, 3);
		hyp_default_kernel_set(NULL, k);
	}
out:
	hyp_unlock_global();
	return error;
}

int rump_pub_getversion(void) KERN_EXPORT;
int rump_getversion(void) KERN_EXPORT;
int rump_pub_getversion(void) { return RUMP_VERSION; }
int rump_getversion(void) { return RUMP_VERSION; }

/* The signal model of kernels booted from now on (kern/sig.c).  Until it is set,
 * rump_init()'s kernel gets NetBSD's RAISE and rumpus_kernel_create()'s RECORD.  An unknown
 * model is ignored, as NetBSD's switch does. */
void rump_boot_setsigmodel(int model) KERN_EXPORT;
void
rump_boot_setsigmodel(int model)
{
	if (model >= 0 && model <= 4)
		hyp_sigmodel_set(model);
}

int
sys_reboot(struct lwp *l, const struct sys_reboot_args *uap, register_t *retval)
{
	struct kern *k = l->l_kern;
	int error;

	(void)uap;
	(void)retval;
	if ((error = cred_super(lwp_cred(l))) != 0)
		return error;
	/* The kernel halts: sleepers wake and every later call gets ENXIO; destroy frees it. */
	kern_halt(k);
	return 0;
}
