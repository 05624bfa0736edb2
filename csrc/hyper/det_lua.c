/*
 * det_lua.c: host threads of a world that run Lua (rumpus_det_spawn_lua, rump/rumpus_race.h,
 * docs/race.md "Host threads from Lua").
 *
 * A Lua state belongs to one host thread, so a world thread running Lua gets a fresh state
 * of its own, from the C API of the interpreter this process runs, found by name
 * (dlsym): LuaJIT 2.x (lua_pcall) or PUC Lua 5.3/5.4 (lua_pcallk).  The state opens the
 * standard libraries, loads the chunk, calls it under a protected call and keeps the one
 * result it returns, as a string, for rumpus_det_lua_result.  A state whose chunk ended
 * normally (its result starts with 'v', lua/rump/race_host.lua's protocol) goes to a pool
 * of at most HYP_WORLD_MAX idle states for a later thread (of this world or the next):
 * the modules it loaded stay loaded, which is most of a thread's cost (a Lua state is
 * not tied to a host thread, only never used by two at once).  Otherwise it is closed,
 * still inside the world thread (under the world's baton like everything else it ran).
 * lua/rump/race_host.lua builds the chunks: they borrow the parent's kernels by address.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hyper/hyper.h"

/* NetBSD errno values (hyper speaks them) */
#define NB_ENOMEM	12
#define NB_EINVAL	22
#define NB_ENOSYS	78

typedef void lua_State;
struct luaapi {
	lua_State *(*newstate)(void);
	void (*openlibs)(lua_State *);
	int (*loadbufferx)(lua_State *, const char *, size_t, const char *, const char *);
	int (*pcall)(lua_State *, int, int, int);				/* LuaJIT */
	int (*pcallk)(lua_State *, int, int, int, intptr_t, void *);	/* 5.3, 5.4 */
	const char *(*tolstring)(lua_State *, int, size_t *);
	void (*settop)(lua_State *, int);
	void (*close)(lua_State *);
};

struct luajob {
	char *chunk, *name;
	size_t len;
	char *res;
	size_t reslen;
	int status;		/* 0 ran to its end, 1 raised an error or did not load */
	atomic_int done;
};

static pthread_mutex_t lua_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct luaapi lua_api;
static int lua_found;		/* 0 not looked yet, 1 found, -1 none in this process */
static struct luajob *lua_jobs[HYP_WORLD_MAX];
static lua_State *lua_pool[HYP_WORLD_MAX];	/* idle states, modules loaded */
static int lua_npool;

static int
lua_find_locked(void)
{
	struct luaapi *a = &lua_api;

	if (lua_found != 0)
		return lua_found > 0;
	*(void **)&a->newstate = dlsym(RTLD_DEFAULT, "luaL_newstate");
	*(void **)&a->openlibs = dlsym(RTLD_DEFAULT, "luaL_openlibs");
	*(void **)&a->loadbufferx = dlsym(RTLD_DEFAULT, "luaL_loadbufferx");
	*(void **)&a->pcallk = dlsym(RTLD_DEFAULT, "lua_pcallk");
	if (a->pcallk == NULL)
		*(void **)&a->pcall = dlsym(RTLD_DEFAULT, "lua_pcall");
	*(void **)&a->tolstring = dlsym(RTLD_DEFAULT, "lua_tolstring");
	*(void **)&a->settop = dlsym(RTLD_DEFAULT, "lua_settop");
	*(void **)&a->close = dlsym(RTLD_DEFAULT, "lua_close");
	lua_found = a->newstate && a->openlibs && a->loadbufferx && (a->pcall || a->pcallk) &&
	    a->tolstring && a->settop && a->close ? 1 : -1;
	return lua_found > 0;
}

static void
lua_keep(struct luajob *j, const char *s, size_t n, int status)
{
	if (s == NULL) {
		s = status ? "(error object is not a string)" : "";
		n = strlen(s);
	}
	if ((j->res = malloc(n + 1)) != NULL) {
		memcpy(j->res, s, n);
		j->res[n] = '\0';
		j->reslen = n;
	}
	j->status = status;
}

static void
lua_thread(void *arg)
{
	struct luajob *j = arg;
	const struct luaapi *a = &lua_api;
	lua_State *L = NULL;
	size_t n = 0;
	const char *s;
	int e, reuse;

	pthread_mutex_lock(&lua_mtx);
	if (lua_npool > 0)
		L = lua_pool[--lua_npool];
	pthread_mutex_unlock(&lua_mtx);
	if (L == NULL) {
		if ((L = a->newstate()) == NULL) {
			lua_keep(j, "not enough memory for a Lua state", 33, 1);
			atomic_store_explicit(&j->done, 1, memory_order_release);
			return;
		}
		a->openlibs(L);
	}
	e = a->loadbufferx(L, j->chunk, j->len, j->name, "t");
	if (e == 0)
		e = a->pcallk != NULL ? a->pcallk(L, 0, 1, 0, 0, NULL) : a->pcall(L, 0, 1, 0);
	s = a->tolstring(L, -1, &n);
	lua_keep(j, s, n, e != 0);
	reuse = e == 0 && s != NULL && n > 0 && s[0] == 'v';
	a->settop(L, 0);
	if (reuse) {
		pthread_mutex_lock(&lua_mtx);
		if (lua_npool < HYP_WORLD_MAX) {
			lua_pool[lua_npool++] = L;
			L = NULL;
		}
		pthread_mutex_unlock(&lua_mtx);
	}
	if (L != NULL)
		a->close(L);
	atomic_store_explicit(&j->done, 1, memory_order_release);
}

static void
lua_job_free(struct luajob *j)
{
	if (j == NULL)
		return;
	free(j->chunk);
	free(j->name);
	free(j->res);
	free(j);
}

int
hyp_world_spawn_lua(const char *chunk, size_t len, const char *name)
{
	struct luajob *j;
	int id;

	if (chunk == NULL || name == NULL)
		return -NB_EINVAL;
	pthread_mutex_lock(&lua_mtx);
	if (!lua_find_locked()) {
		pthread_mutex_unlock(&lua_mtx);
		return -NB_ENOSYS;
	}
	pthread_mutex_unlock(&lua_mtx);
	if ((j = calloc(1, sizeof(*j))) == NULL || (j->chunk = malloc(len + 1)) == NULL ||
	    (j->name = strdup(name)) == NULL) {
		lua_job_free(j);
		return -NB_ENOMEM;
	}
	memcpy(j->chunk, chunk, len);
	j->chunk[len] = '\0';
	j->len = len;
	atomic_init(&j->done, 0);
	/* the thread waits for the run's baton: the job is in place before it starts */
	pthread_mutex_lock(&lua_mtx);
	id = hyp_world_spawn(lua_thread, j);
	if (id >= 0) {
		lua_job_free(lua_jobs[id]);	/* a previous world's */
		lua_jobs[id] = j;
	}
	pthread_mutex_unlock(&lua_mtx);
	if (id < 0)
		lua_job_free(j);
	return id;
}

int
hyp_world_lua_result(int id, char *buf, size_t max, size_t *lenp)
{
	struct luajob *j;
	int r = -1;

	pthread_mutex_lock(&lua_mtx);
	if (id >= 0 && id < HYP_WORLD_MAX && (j = lua_jobs[id]) != NULL &&
	    atomic_load_explicit(&j->done, memory_order_acquire)) {
		size_t n = j->res != NULL ? j->reslen : 0;

		if (lenp != NULL)
			*lenp = n;
		if (buf != NULL && max > 0) {
			if (n >= max)
				n = max - 1;
			if (n > 0)
				memcpy(buf, j->res, n);
			buf[n] = '\0';
		}
		r = j->status;
	}
	pthread_mutex_unlock(&lua_mtx);
	return r;
}

void
hyp_world_lua_clear(void)
{
	int i;

	pthread_mutex_lock(&lua_mtx);
	for (i = 0; i < HYP_WORLD_MAX; i++) {
		if (lua_jobs[i] != NULL && !atomic_load(&lua_jobs[i]->done))
			continue;	/* still running (a world running free): kept */
		lua_job_free(lua_jobs[i]);
		lua_jobs[i] = NULL;
	}
	pthread_mutex_unlock(&lua_mtx);
}
