/*
 * Calls into C through libffi, callbacks from C into Lua, and library namespaces (ffi.C,
 * ffi.load).
 *
 * A non-variadic function type gets its ffi_cif prepared on the first call and kept in the
 * ctype. Variadic calls prepare a cif per call (the argument types change), with LuaJIT's
 * promotions for the extra arguments: numbers -> double, booleans -> int, strings ->
 * const char *, nil -> NULL, small integer cdata -> int, float cdata -> double, other cdata as
 * their own type (pointers, int64, structs by value).
 *
 * errno is saved right after every C call and is what ffi.errno() returns.
 *
 * A Lua error inside a callback cannot unwind through libffi's frames: the callback runs
 * its Lua function under lua_pcall, returns zero to C, and the error is raised again once
 * the outer C call has returned.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lffi.h"

typedef struct lffi_decl {
	lffi_ctype *ct;
	const char *sym;
} lffi_decl;

struct lffi_callback {
	lffi_state *S;
	ffi_closure *closure;
	void *code;
	lffi_ctype *ft;
	ffi_cif cif;
	ffi_type **atypes;
	int fref;			/* the Lua function */
	lffi_callback *next;
};

typedef union slot {
	int64_t i;
	double d;
	float f;
	void *p;
	long double ld;
	ffi_arg r;
} slot;

#define MAXARGS 64

static ffi_cif *
getcif(lua_State *L, lffi_state *S, lffi_ctype *ft)
{
	ffi_cif *cif;
	ffi_type **at;
	int i;

	ffi_type *rt;

	if (ft->cif != NULL)
		return ft->cif;
	/* Describe every type first: that may raise, and nothing is allocated yet. */
	for (i = 0; i < ft->nfields; i++)
		(void)lffi_ffitype(L, S, ft->fields[i].type);
	rt = lffi_ffitype(L, S, ft->base);
	cif = malloc(sizeof(*cif) + (ft->nfields + 1) * sizeof(ffi_type *));
	if (cif == NULL)
		luaL_error(L, "out of memory");
	at = (ffi_type **)(cif + 1);
	for (i = 0; i < ft->nfields; i++)
		at[i] = lffi_ffitype(L, S, ft->fields[i].type);	/* cached now: cannot raise */
	if (ffi_prep_cif(cif, FFI_DEFAULT_ABI, ft->nfields, rt, at) != FFI_OK) {
		free(cif);
		luaL_error(L, "cannot prepare call interface");
	}
	ft->cif = cif;
	return cif;
}

/* The C type a variadic argument is passed as. */
static lffi_ctype *
vararg_type(lua_State *L, lffi_state *S, int idx)
{
	lffi_cdata *cd;
	switch (lua_type(L, idx)) {
	case LUA_TNUMBER: return S->t_double;
	case LUA_TBOOLEAN: return S->t_i32;
	case LUA_TSTRING: return S->t_ccharp;
	case LUA_TNIL: case LUA_TLIGHTUSERDATA: return S->t_voidp;
	case LUA_TUSERDATA:
		cd = lffi_tocdata(L, idx);
		if (cd == NULL)
			return S->t_voidp;
		if (cd->flags & CD_CTYPE)
			break;
		switch (cd->ct->unq->kind) {
		case CT_INT: case CT_BOOL: case CT_ENUM:
			return cd->ct->unq->size < 4 ? S->t_i32 :
			    cd->ct->unq->kind == CT_ENUM ? cd->ct->unq->base : cd->ct->unq;
		case CT_FLOAT:
			return cd->ct->unq->size == 4 ? S->t_double : cd->ct->unq;
		case CT_ARRAY:
			return lffi_ptr(L, S, cd->ct->unq->base);
		case CT_FUNC:
			return lffi_ptr(L, S, cd->ct->unq);
		default:
			return cd->ct;
		}
	default:
		break;
	}
	luaL_error(L, "cannot pass a %s as a variadic argument #%d", luaL_typename(L, idx), idx);
	return NULL;
}

static void
raise_cb_error(lua_State *L, lffi_state *S)
{
	if (S->cb_error) {
		S->cb_error = 0;
		lua_getfield(L, LUA_REGISTRYINDEX, "lffi.cberror");
		lua_pushnil(L);
		lua_setfield(L, LUA_REGISTRYINDEX, "lffi.cberror");
		lua_error(L);
	}
}

int
lffi_call(lua_State *L, lffi_state *S, lffi_cdata *cd, int first)
{
	lffi_ctype *ft = cd->ct->unq, *rt;
	void *fn = *(void **)cd->p;
	int nargs = lua_gettop(L) - first + 1, nfix, i;
	slot args[MAXARGS], ret[4];
	void *avals[MAXARGS];
	ffi_type *atypes[MAXARGS];
	ffi_cif vcif, *cif;
	lua_State *saveL;
	void *rp = ret;

	if (ft->kind == CT_PTR)
		ft = ft->base->unq;
	if (fn == NULL)
		luaL_error(L, "attempt to call a NULL function pointer");
	nfix = ft->nfields;
	if (nargs < nfix || (nargs > nfix && !(ft->flags & CTF_VARARG)))
		luaL_error(L, "wrong number of arguments for function call (%d expected, got %d)",
		    nfix, nargs);
	if (nargs > MAXARGS)
		luaL_error(L, "too many arguments for function call (at most %d)", MAXARGS);
	rt = ft->base->unq;
	for (i = 0; i < nargs; i++) {
		int idx = first + i;
		lffi_ctype *at = i < nfix ? ft->fields[i].type : vararg_type(L, S, idx);
		lffi_ctype *au = at->unq;
		if (au->kind == CT_STRUCT || au->kind == CT_UNION) {
			lffi_cdata *src = lffi_tocdata(L, idx);
			if (src != NULL && !(src->flags & CD_CTYPE) && lffi_sametype(src->ct, au))
				avals[i] = src->p;
			else {
				lffi_cdata *tmp = lffi_newcdata(L, S, au, au->size);
				memset(tmp->p, 0, au->size);
				lffi_fromlua(L, S, au, tmp->p, idx, 0, NULL);
				avals[i] = tmp->p;
				lua_replace(L, idx);	/* keep it alive for the call */
			}
		} else {
			static const char *const argmsg[] = { "bad argument #1", "bad argument #2",
				"bad argument #3", "bad argument #4", "bad argument #5", "bad argument #6",
				"bad argument #7", "bad argument #8" };
			char buf[48];
			const char *what = i < 8 ? argmsg[i] : buf;
			if (i >= 8)
				snprintf(buf, sizeof(buf), "bad argument #%d", i + 1);
			args[i].i = 0;
			lffi_fromlua(L, S, at, &args[i], idx, 0, what);
			avals[i] = &args[i];
		}
		if (i >= nfix)
			atypes[i] = lffi_ffitype(L, S, at);
	}
	if (ft->flags & CTF_VARARG) {
		for (i = 0; i < nfix; i++)
			atypes[i] = lffi_ffitype(L, S, ft->fields[i].type);
		if (ffi_prep_cif_var(&vcif, FFI_DEFAULT_ABI, nfix, nargs,
		    lffi_ffitype(L, S, ft->base), atypes) != FFI_OK)
			luaL_error(L, "cannot prepare variadic call interface");
		cif = &vcif;
	} else
		cif = getcif(L, S, ft);
	if ((rt->kind == CT_STRUCT || rt->kind == CT_UNION)) {
		lffi_cdata *r;
		if (!(rt->flags & CTF_COMPLETE))
			luaL_error(L, "function returns an incomplete type");
		r = lffi_newcdata(L, S, ft->base, rt->size < sizeof(slot) * 4 ? sizeof(slot) * 4 :
		    rt->size);
		r->size = rt->size;
		rp = r->p;
	}
	saveL = S->L;
	S->L = L;
	ffi_call(cif, FFI_FN(fn), rp, avals);
	S->cerrno = errno;
	S->L = saveL;
	raise_cb_error(L, S);
	switch (rt->kind) {
	case CT_VOID:
		return 0;
	case CT_STRUCT: case CT_UNION:
		return 1;
	case CT_INT: case CT_BOOL: case CT_ENUM: {
		/* libffi widens small integer returns to ffi_arg. */
		lffi_ctype *it = rt->kind == CT_ENUM ? rt->base : rt;
		if (it->size < sizeof(ffi_arg)) {
			int64_t v = (it->flags & CTF_UNSIGNED) ? (int64_t)(ffi_arg)ret[0].r :
			    (int64_t)(ffi_sarg)ret[0].r;
			if (rt->kind == CT_BOOL)
				lua_pushboolean(L, v != 0);
			else
				lua_pushinteger(L, (lua_Integer)v);
			return 1;
		}
		break;
	}
	default:
		break;
	}
	lffi_tolua(L, S, ft->base, ret, 0);
	return 1;
}

/* Callbacks. */

typedef struct cbcall {
	lffi_callback *cb;
	void *ret;
	void **args;
} cbcall;

static int
cb_body(lua_State *L)
{
	cbcall *cc = lua_touserdata(L, 1);
	lffi_callback *cb = cc->cb;
	lffi_state *S = cb->S;
	lffi_ctype *ft = cb->ft, *rt = ft->base->unq;
	int i;

	luaL_checkstack(L, ft->nfields + 4, "too many callback arguments");
	lua_rawgeti(L, LUA_REGISTRYINDEX, cb->fref);
	for (i = 0; i < ft->nfields; i++)
		lffi_tolua(L, S, ft->fields[i].type, cc->args[i], 0);
	lua_call(L, ft->nfields, 1);
	if (rt->kind == CT_VOID)
		return 0;
	if ((rt->kind == CT_INT || rt->kind == CT_BOOL || rt->kind == CT_ENUM) &&
	    rt->size < sizeof(ffi_arg)) {
		slot tmp;
		lffi_ctype *it = rt->kind == CT_ENUM ? rt->base : rt;
		tmp.i = 0;
		lffi_fromlua(L, S, ft->base, &tmp, -1, 0, "callback result");
		{
			uint8_t b1; uint16_t b2; uint32_t b4;
			memcpy(&b1, &tmp, 1); memcpy(&b2, &tmp, 2); memcpy(&b4, &tmp, 4);
			if (it->flags & CTF_UNSIGNED)
				*(ffi_arg *)cc->ret = it->size == 1 ? (ffi_arg)b1 :
				    it->size == 2 ? (ffi_arg)b2 : (ffi_arg)b4;
			else
				*(ffi_sarg *)cc->ret = it->size == 1 ? (ffi_sarg)(int8_t)b1 :
				    it->size == 2 ? (ffi_sarg)(int16_t)b2 : (ffi_sarg)(int32_t)b4;
		}
		return 0;
	}
	lffi_fromlua(L, S, ft->base, cc->ret, -1, 0, "callback result");
	return 0;
}

static void
cb_handler(ffi_cif *cif, void *ret, void **args, void *ud)
{
	lffi_callback *cb = ud;
	lffi_state *S = cb->S;
	lua_State *L = S->L;
	cbcall cc = { cb, ret, args };
	int saved_errno = errno;

	memset(ret, 0, cif->rtype->size > sizeof(ffi_arg) ? cif->rtype->size : sizeof(ffi_arg));
	if (L == NULL || cb->fref == LUA_NOREF || S->cb_error)
		return;		/* called outside an FFI call, after free, or after an error */
	lua_pushcfunction(L, cb_body);
	lua_pushlightuserdata(L, &cc);
	if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
		lua_setfield(L, LUA_REGISTRYINDEX, "lffi.cberror");
		S->cb_error = 1;
		memset(ret, 0, cif->rtype->size > sizeof(ffi_arg) ? cif->rtype->size :
		    sizeof(ffi_arg));
	}
	errno = saved_errno;
}

void *
lffi_callback_new(lua_State *L, lffi_state *S, lffi_ctype *ft, int fidx)
{
	lffi_callback *cb;
	int i;

	ft = ft->unq;
	if (ft->flags & CTF_VARARG)
		luaL_error(L, "cannot create a callback for a variadic function");
	cb = calloc(1, sizeof(*cb));
	if (cb == NULL)
		luaL_error(L, "out of memory");
	cb->atypes = calloc(ft->nfields + 1, sizeof(ffi_type *));
	cb->closure = ffi_closure_alloc(sizeof(ffi_closure), &cb->code);
	if (cb->atypes == NULL || cb->closure == NULL) {
		free(cb->atypes);
		if (cb->closure)
			ffi_closure_free(cb->closure);
		free(cb);
		return luaL_error(L, "out of memory for callback"), NULL;
	}
	cb->S = S;
	cb->ft = ft;
	cb->fref = LUA_NOREF;
	cb->next = S->cbs;
	S->cbs = cb;		/* linked first, so the state frees it even if an error follows */
	for (i = 0; i < ft->nfields; i++)
		cb->atypes[i] = lffi_ffitype(L, S, ft->fields[i].type);
	if (ffi_prep_cif(&cb->cif, FFI_DEFAULT_ABI, ft->nfields, lffi_ffitype(L, S, ft->base),
	    cb->atypes) != FFI_OK ||
	    ffi_prep_closure_loc(cb->closure, &cb->cif, cb_handler, cb, cb->code) != FFI_OK)
		luaL_error(L, "cannot prepare callback");
	lua_pushvalue(L, fidx);
	cb->fref = luaL_ref(L, LUA_REGISTRYINDEX);
	return cb->code;
}

lffi_callback *
lffi_callback_find(lffi_state *S, void *code)
{
	lffi_callback *cb;
	for (cb = S->cbs; cb != NULL; cb = cb->next)
		if (cb->code == code && cb->fref != LUA_NOREF)
			return cb;
	return NULL;
}

void
lffi_callback_free(lua_State *L, lffi_state *S, lffi_callback *cb)
{
	(void)S;
	luaL_unref(L, LUA_REGISTRYINDEX, cb->fref);
	cb->fref = LUA_NOREF;	/* the closure stays mapped (a late call returns 0) until close */
}

void
lffi_callback_set(lua_State *L, lffi_state *S, lffi_callback *cb, int fidx)
{
	(void)S;
	luaL_checktype(L, fidx, LUA_TFUNCTION);
	lua_pushvalue(L, fidx);
	lua_rawseti(L, LUA_REGISTRYINDEX, cb->fref);
}

void
lffi_callback_freeall(lffi_state *S)
{
	lffi_callback *cb, *n;
	for (cb = S->cbs; cb != NULL; cb = n) {
		n = cb->next;
		ffi_closure_free(cb->closure);
		free(cb->atypes);
		free(cb);
	}
	S->cbs = NULL;
}

static lffi_callback *
checkcb(lua_State *L, lffi_state *S)
{
	lffi_cdata *cd = lffi_tocdata(L, 1);
	lffi_callback *cb;
	if (cd == NULL || (cd->flags & CD_CTYPE) || cd->ct->unq->kind != CT_PTR)
		luaL_argerror(L, 1, "callback expected");
	cb = lffi_callback_find(S, *(void **)cd->p);
	if (cb == NULL)
		luaL_error(L, "bad callback (already freed or not a callback)");
	return cb;
}

static int
cb_free(lua_State *L)
{
	lffi_state *S = lffi_S(L);
	lffi_callback_free(L, S, checkcb(L, S));
	return 0;
}

static int
cb_set(lua_State *L)
{
	lffi_state *S = lffi_S(L);
	lffi_callback_set(L, S, checkcb(L, S), 2);
	return 0;
}

/* Library namespaces: a userdata { handle } whose user value caches resolved functions. */

typedef struct clib {
	void *h;
} clib;

static void *
clib_sym(lua_State *L, clib *c, const char *sym)
{
	void *p;
	dlerror();
	p = dlsym(c->h, sym);
	if (p == NULL && c->h != RTLD_DEFAULT)
		p = dlsym(RTLD_DEFAULT, sym);
	return p;
	(void)L;
}

static int
clib_index(lua_State *L)
{
	lffi_state *S = lffi_S(L);
	clib *c = luaL_checkudata(L, 1, "lffi.clib");
	const char *name = luaL_checkstring(L, 2);
	lffi_decl *d;
	void *addr;

#if LUA_VERSION_NUM >= 504
	lua_getiuservalue(L, 1, 1);
#else
	lua_getuservalue(L, 1);
#endif
	lua_pushvalue(L, 2);
	if (lua_rawget(L, -2) != LUA_TNIL)
		return 1;
	lua_pop(L, 2);
	lua_rawgeti(L, LUA_REGISTRYINDEX, S->ref_consts);
	lua_pushvalue(L, 2);
	if (lua_rawget(L, -2) != LUA_TNIL)
		return 1;
	lua_pop(L, 2);
	lua_rawgeti(L, LUA_REGISTRYINDEX, S->ref_syms);
	lua_pushvalue(L, 2);
	lua_rawget(L, -2);
	d = lua_touserdata(L, -1);
	lua_pop(L, 2);
	if (d == NULL)
		return luaL_error(L, "missing declaration for symbol '%s'", name);
	addr = clib_sym(L, c, d->sym);
	if (addr == NULL)
		return luaL_error(L, "cannot resolve symbol '%s': %s", d->sym,
		    "undefined symbol");
	if (d->ct->unq->kind == CT_FUNC) {
		lffi_cdata *cd = lffi_newcdata(L, S, d->ct, sizeof(void *));
		memcpy(cd->p, &addr, sizeof(void *));
		lua_pushvalue(L, 1);	/* keep the library loaded while the function lives */
#if LUA_VERSION_NUM >= 504
		lua_setiuservalue(L, -2, 1);
		lua_getiuservalue(L, 1, 1);
#else
		lua_setuservalue(L, -2);
		lua_getuservalue(L, 1);
#endif
		lua_pushvalue(L, 2);
		lua_pushvalue(L, -3);
		lua_rawset(L, -3);
		lua_pop(L, 1);
		return 1;
	}
	lffi_tolua(L, S, d->ct, addr, -1);
	return 1;
}

static int
clib_newindex(lua_State *L)
{
	lffi_state *S = lffi_S(L);
	clib *c = luaL_checkudata(L, 1, "lffi.clib");
	const char *name = luaL_checkstring(L, 2);
	lffi_decl *d;
	void *addr;

	lua_rawgeti(L, LUA_REGISTRYINDEX, S->ref_syms);
	lua_pushvalue(L, 2);
	lua_rawget(L, -2);
	d = lua_touserdata(L, -1);
	lua_pop(L, 2);
	if (d == NULL)
		return luaL_error(L, "missing declaration for symbol '%s'", name);
	if (d->ct->unq->kind == CT_FUNC || (d->ct->flags & CTF_CONST))
		return luaL_error(L, "attempt to write to constant location '%s'", name);
	addr = clib_sym(L, c, d->sym);
	if (addr == NULL)
		return luaL_error(L, "cannot resolve symbol '%s': undefined symbol", d->sym);
	lffi_fromlua(L, S, d->ct, addr, 3, 0, NULL);
	return 0;
}

static int
clib_gc(lua_State *L)
{
	clib *c = luaL_checkudata(L, 1, "lffi.clib");
	if (c->h != NULL && c->h != RTLD_DEFAULT)
		dlclose(c->h);
	c->h = NULL;
	return 0;
}

static int
clib_tostring(lua_State *L)
{
	clib *c = luaL_checkudata(L, 1, "lffi.clib");
	lua_pushfstring(L, "library: %p", c->h);
	return 1;
}

static void
pushclib(lua_State *L, void *h)
{
	clib *c;
#if LUA_VERSION_NUM >= 504
	c = lua_newuserdatauv(L, sizeof(*c), 1);
#else
	c = lua_newuserdata(L, sizeof(*c));
#endif
	c->h = h;
	luaL_setmetatable(L, "lffi.clib");
	lua_newtable(L);
#if LUA_VERSION_NUM >= 504
	lua_setiuservalue(L, -2, 1);
#else
	lua_setuservalue(L, -2);
#endif
}

/* A GNU ld script (libc.so on Debian) names the real library in GROUP/INPUT ( ... ). */
static void *
load_ldscript(const char *err, int mode)
{
	char path[512], buf[4096], *s, *e;
	const char *colon = strchr(err, ':');
	size_t n;
	FILE *f;

	if (colon == NULL || (size_t)(colon - err) >= sizeof(path) || strstr(err, "invalid ELF") == NULL)
		return NULL;
	memcpy(path, err, colon - err);
	path[colon - err] = 0;
	f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	s = strstr(buf, "GROUP");
	if (s == NULL)
		s = strstr(buf, "INPUT");
	if (s == NULL || (s = strchr(s, '(')) == NULL)
		return NULL;
	s++;
	while (*s == ' ' || *s == '\t')
		s++;
	for (e = s; *e && *e != ' ' && *e != ')' && *e != '\t' && *e != '\n'; e++)
		;
	*e = 0;
	return dlopen(s, mode);
}

int
lffi_load(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	int global = lua_toboolean(L, 2);
	int mode = RTLD_NOW | (global ? RTLD_GLOBAL : RTLD_LOCAL);
	void *h;
	const char *path = name;

	if (strchr(name, '/') == NULL && strstr(name, ".so") == NULL)
		path = lua_pushfstring(L, "lib%s.so", name);
	h = dlopen(path, mode);
	if (h == NULL) {
		const char *err = dlerror();
		h = err ? load_ldscript(err, mode) : NULL;
		if (h == NULL)
			return luaL_error(L, "cannot load library '%s': %s", name,
			    err ? err : "unknown error");
	}
	pushclib(L, h);
	return 1;
}

void
lffi_openclib(lua_State *L, lffi_state *S)
{
	static const luaL_Reg m[] = {
		{ "__index", clib_index }, { "__newindex", clib_newindex }, { "__gc", clib_gc },
		{ "__tostring", clib_tostring }, { NULL, NULL }
	};
	static const luaL_Reg cbm[] = { { "free", cb_free }, { "set", cb_set }, { NULL, NULL } };

	(void)S;
	luaL_newmetatable(L, "lffi.clib");
	lua_pushvalue(L, -2);		/* the state */
	luaL_setfuncs(L, m, 1);
	lua_pushliteral(L, "ffi");
	lua_setfield(L, -2, "__metatable");
	lua_pop(L, 1);
	lua_newtable(L);
	lua_pushvalue(L, -2);
	luaL_setfuncs(L, cbm, 1);
	lua_setfield(L, LUA_REGISTRYINDEX, "lffi.cbmethods");
}

LFFI_HIDDEN void lffi_pushclib_default(lua_State *L);
void
lffi_pushclib_default(lua_State *L)
{
	pushclib(L, RTLD_DEFAULT);
}
