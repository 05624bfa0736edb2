/*
 * component_test.c: components found by name through the linker section, dependencies
 * initialised first and finalised last, private slots, per-process hooks, a failing init
 * unwinding the others, and the per-kernel memory limit.
 */
#include "tap.h"
#include "testfile.h"
#include "rump/rump_syscalls.h"

int rump_pub_lwproc_rfork(int);
void rump_pub_lwproc_switch(struct lwp *);
void rump_pub_lwproc_releaselwp(void);

static char order[64];
static int forks, exits;
static int fail_init;

static void
note(const char *s)
{
	strncat(order, s, sizeof(order) - strlen(order) - 1);
}

static int
a_init(struct kern *k)
{
	int *state = kmem_zalloc(k, sizeof(int));

	if (state == NULL)
		return ENOMEM;
	*state = 42;
	kern_priv_set(k, COMP_TEST1, state);
	note("A");
	return 0;
}

static void
a_fini(struct kern *k)
{
	kmem_free(k, kern_priv(k, COMP_TEST1), sizeof(int));
	note("a");
}

static int
b_init(struct kern *k)
{
	note("B");
	/* a dependency is up before us */
	return kern_priv(k, COMP_TEST1) != NULL && *(int *)kern_priv(k, COMP_TEST1) == 42 ? 0 : EINVAL;
}

static void b_fini(struct kern *k) { (void)k; note("b"); }
static int b_fork(struct proc *p, struct proc *c) { (void)p; (void)c; forks++; return 0; }
static void b_exit(struct proc *p) { (void)p; exits++; }

static int c_init(struct kern *k) { (void)k; note("C"); return fail_init ? ENODEV : 0; }
static void c_fini(struct kern *k) { (void)k; note("c"); }

static const struct kern_component comp_a = {
	.name = "test.a", .id = COMP_TEST1, .init = a_init, .fini = a_fini,
};
static const struct kern_component comp_b = {
	.name = "test.b", .id = COMP_TEST2, .deps = { "test.a" }, .init = b_init, .fini = b_fini,
	.proc_fork = b_fork, .proc_exit = b_exit,
};
static const struct kern_component comp_c = {
	.name = "test.c", .id = COMP_TEST3, .deps = { "test.b", "test.a" }, .init = c_init,
	.fini = c_fini,
};
static const struct kern_component comp_loop = {
	.name = "test.loop", .id = COMP_TEST3, .deps = { "test.missing" },
};
KERN_COMPONENT(comp_a);
KERN_COMPONENT(comp_b);
KERN_COMPONENT(comp_c);
KERN_COMPONENT(comp_loop);

int
main(void)
{
	const char *want_c[] = { "test.c", NULL }, *want_b[] = { "test.b", NULL };
	const char *loop[] = { "test.loop", NULL };
	struct rumpus_kernel *k;
	struct rumpus_config cfg = { 0 };
	int err, i, found = 0, fd, r;

	for (i = 0; rumpus_component_name(i) != NULL; i++)
		found += !strcmp(rumpus_component_name(i), "test.b") || !strcmp(rumpus_component_name(i), "kern");
	ok(found == 2, "the registry lists kern and the test components (%d known)", i);

	k = rumpus_kernel_create(want_c, NULL, &err);
	ok(k != NULL && strcmp(order, "ABC") == 0, "asking for test.c boots a, b, c in order (%s)", order);
	ok(rumpus_kernel_has(k, "test.a") && rumpus_kernel_has(k, "test.b"), "dependencies are loaded");
	rumpus_kernel_switch(k);
	ok(rump_pub_lwproc_rfork(RUMP_RFFDG) == 0 && forks == 1, "proc_fork hook ran on rfork");
	rump_pub_lwproc_releaselwp();
	ok(exits == 1, "proc_exit hook ran when the process exited");
	order[0] = '\0';
	ok(rumpus_kernel_destroy(k) == 0 && strcmp(order, "cba") == 0, "fini in reverse order (%s)", order);
	ok(exits == 2, "process 1's exit hook ran at destroy");

	fail_init = 1;
	order[0] = '\0';
	k = rumpus_kernel_create(want_c, NULL, &err);
	ok(k == NULL && err == ENODEV, "a failing init fails the boot with its error");
	ok(strcmp(order, "ABCba") == 0, "and unwinds the components started before it (%s)", order);
	ok(strstr(rumpus_error(), "test.c") != NULL, "the message names it: %s", rumpus_error());
	fail_init = 0;

	k = rumpus_kernel_create(loop, NULL, &err);
	ok(k == NULL && err == EINVAL && strstr(rumpus_error(), "test.missing") != NULL,
	    "a missing dependency is a clear error: %s", rumpus_error());

	/* memory limit: descriptors need memory the kernel no longer has */
	cfg.memlimit = 8192;
	k = rumpus_kernel_create(want_b, &cfg, &err);
	ok(k != NULL, "a kernel with an 8 KiB limit boots (%zu bytes used)", k ? rumpus_kernel_memused(k) : 0);
	rumpus_kernel_switch(k);
	for (i = 0; i < 100; i++)
		if ((fd = tf_open(k)) < 0)
			break;
	ok(fd == -ENOMEM && rumpus_kernel_memused(k) <= 8192,
	    "allocations past the limit fail with ENOMEM after %d files (%zu bytes used)", i,
	    rumpus_kernel_memused(k));
	for (i = 0; i < 100; i++)
		if ((r = rump_pub_lwproc_rfork(RUMP_RFCFDG)) != 0)
			break;
	ok(r == ENOMEM && i > 0, "rfork runs out of kernel memory too, after %d processes", i);
	rump_pub_lwproc_switch(NULL);
	ok(rump_sys_close(0) == 0, "close the file of process 1");
	ok(tf_open(k) >= 0, "then there is room for a file again");
	rumpus_kernel_switch(NULL);
	ok(rumpus_kernel_destroy(k) == 0, "destroy");
	{
		struct rumpus_memstats m;
		rumpus_memstats(&m);
		ok(m.bytes == 0 && m.leaked == 0, "no bytes left (%llu)", (unsigned long long)m.bytes);
	}
	return tap_done();
}
