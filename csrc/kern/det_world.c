/*
 * det_world.c: host threads of a world (rumpus_det_* in rump/rumpus_race.h): the public
 * face of hyper's world scheduler (csrc/hyper/hyper.c, "Host threads of a world").
 */
#include "kern/kern.h"
#include "rump/rumpus_race.h"

KERN_EXPORT int
rumpus_det_world(const struct rumpus_det_opts *o)
{
	struct hyp_world_opts h;

	if (o == NULL)
		return EINVAL;
	memset(&h, 0, sizeof(h));
	h.seed = o->seed;
	h.strategy = o->strategy == RUMPUS_DET_PCT ? HYP_WORLD_PCT :
	    o->strategy == RUMPUS_DET_RANDOM ? HYP_WORLD_RANDOM : -1;
	h.depth = o->depth;
	h.steps = o->steps;
	h.choices = o->choices;
	h.nchoices = o->nchoices;
	h.maxtime = o->maxtime;
	h.nowake = (o->flags & RUMPUS_DET_NOWAKE) != 0;
	h.alloc_ppm = o->alloc_ppm;
	if (o->flags & RUMPUS_DET_SWARM) {
		/* from the seed, apart from the scheduler's own stream */
		static const uint32_t ppm[4] = { 20000, 50000, 100000, 250000 };
		uint64_t st = o->seed ^ 0x5741524d5357524dULL, r = hyp_splitmix64(&st);

		h.alloc_ppm = (r & 1) ? ppm[(r >> 1) & 3] : 0;
	}
	if (o->depth < 0 || o->steps < 0 || o->alloc_ppm > 1000000 ||
	    (o->flags & ~(RUMPUS_DET_NOWAKE | RUMPUS_DET_SWARM)) != 0)
		return EINVAL;
	return hyp_world_begin(&h);
}

KERN_EXPORT int
rumpus_det_spawn(void (*fn)(void *), void *arg)
{
	return hyp_world_spawn(fn, arg);
}

KERN_EXPORT int
rumpus_det_run(void)
{
	return hyp_world_run();
}

KERN_EXPORT int
rumpus_det_end(void)
{
	return hyp_world_end();
}

KERN_EXPORT size_t
rumpus_det_choices(uint32_t *buf, size_t max)
{
	return hyp_world_choices(buf, max);
}

KERN_EXPORT size_t
rumpus_det_choice_counts(uint32_t *buf, size_t max)
{
	return hyp_world_choice_counts(buf, max);
}

KERN_EXPORT void
rumpus_det_yield(void)
{
	hyp_world_yield();
}

KERN_EXPORT int
rumpus_det_spawn_lua(const char *chunk, size_t len, const char *name)
{
	return hyp_world_spawn_lua(chunk, len, name);
}

KERN_EXPORT int
rumpus_det_lua_result(int id, char *buf, size_t max, size_t *lenp)
{
	return hyp_world_lua_result(id, buf, max, lenp);
}

KERN_EXPORT void
rumpus_det_lua_clear(void)
{
	hyp_world_lua_clear();
}
