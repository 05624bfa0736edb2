/*
 * The `ffi` table: LuaJIT's FFI library functions, plus two extensions for code that must
 * also run on PUC Lua: ffi.tonumber (LuaJIT's tonumber() on cdata) and ffi.type (LuaJIT's
 * type(), which says "cdata"). luaopen_rumpus_ffi creates one lffi_state per Lua state.
 */
#include <dlfcn.h>
#include <errno.h>
#include <string.h>
#include "lffi.h"

LFFI_HIDDEN int lffi_setgc(lua_State *L, lffi_state *S);
LFFI_HIDDEN void lffi_pushclib_default(lua_State *L);

static int
f_cdef(lua_State *L)
{
	lffi_state *S = lffi_S(L);
	const char *src = luaL_checkstring(L, 1);
	lffi_parse(L, S, src, PARSE_CDEF, 2, lua_gettop(L) - 1);
	return 0;
}

static int
f_new(lua_State *L)
{
	lffi_state *S = lffi_S(L);
	lffi_ctype *ct = lffi_checkctype(L, S, 1, NULL);
	return lffi_cdata_new(L, S, ct, 2, lua_gettop(L));
}

static int
f_cast(lua_State *L)
{
	lffi_state *S = lffi_S(L);
	lffi_ctype *ct = lffi_checkctype(L, S, 1, NULL);
	lffi_ctype *u = ct->unq;
	lffi_cdata *cd;

	luaL_checkany(L, 2);
	if (u->kind == CT_STRUCT || u->kind == CT_UNION || u->kind == CT_ARRAY ||
	    u->kind == CT_VOID || u->kind == CT_FUNC) {
		lffi_cdata *src = lffi_tocdata(L, 2);
		if (src != NULL && !(src->flags & CD_CTYPE) && lffi_sametype(src->ct, u) &&
		    u->kind != CT_VOID && u->kind != CT_FUNC) {
			lua_settop(L, 2);
			return 1;
		}
		lffi_typename(L, ct, 0);
		return luaL_error(L, "invalid C type '%s' for a cast (scalars and pointers only)",
		    lua_tostring(L, -1));
	}
	cd = lffi_newcdata(L, S, ct, u->size);
	memset(cd->p, 0, u->size);
	lffi_fromlua(L, S, ct, cd->p, 2, 1, NULL);
	return 1;
}

static int
f_typeof(lua_State *L)
{
	lffi_state *S = lffi_S(L);
	lffi_ctype *ct;
	if (lua_type(L, 1) == LUA_TSTRING && lua_gettop(L) > 1)
		ct = lffi_parse(L, S, lua_tostring(L, 1), PARSE_TYPE, 2, lua_gettop(L) - 1);
	else
		ct = lffi_checkctype(L, S, 1, NULL);
	lffi_pushctype(L, S, ct);
	return 1;
}

static int
f_metatype(lua_State *L)
{
	lffi_state *S = lffi_S(L);
	lffi_ctype *ct = lffi_checkctype(L, S, 1, NULL), *u = ct->unq;
	luaL_checktype(L, 2, LUA_TTABLE);
	if (u->kind != CT_STRUCT && u->kind != CT_UNION)
		return luaL_argerror(L, 1, "struct or union type expected");
	lua_rawgeti(L, LUA_REGISTRYINDEX, S->ref_metatypes);
	lua_rawgetp(L, -1, u);
	if (!lua_isnil(L, -1))
		return luaL_error(L, "cannot change a protected metatable");
	lua_pop(L, 1);
	lua_pushvalue(L, 2);
	lua_rawsetp(L, -2, u);
	u->flags |= CTF_META;
	lffi_pushctype(L, S, ct);
	return 1;
}

static int
f_gc(lua_State *L)
{
	return lffi_setgc(L, lffi_S(L));
}

static int
f_sizeof(lua_State *L)
{
	lffi_state *S = lffi_S(L);
	lffi_cdata *cd = lffi_tocdata(L, 1);
	lffi_ctype *ct, *u;

	if (cd != NULL && !(cd->flags & CD_CTYPE)) {
		if (cd->ct->unq->flags & CTF_FLEX)
			return 0;	/* a flexible array member's size is unknown (nil) */
		lua_pushinteger(L, (lua_Integer)cd->size);
		return 1;
	}
	ct = lffi_checkctype(L, S, 1, NULL);
	u = ct->unq;
	if ((u->flags & (CTF_VLA | CTF_VLS))) {
		int ok, uns;
		int64_t n;
		if (lua_isnoneornil(L, 2))
			return 0;
		n = lffi_toint64(L, S, 2, &uns, &ok);
		if (!ok || n < 0)
			return luaL_argerror(L, 2, "non-negative number of elements expected");
		lua_pushinteger(L, (lua_Integer)lffi_vsize(u, (size_t)n));
		return 1;
	}
	if (!(u->flags & CTF_COMPLETE) || u->kind == CT_FUNC || (u->flags & CTF_FLEX))
		return 0;
	lua_pushinteger(L, (lua_Integer)u->size);
	return 1;
}

static int
f_alignof(lua_State *L)
{
	lffi_state *S = lffi_S(L);
	lffi_ctype *ct = lffi_checkctype(L, S, 1, NULL);
	lua_pushinteger(L, (lua_Integer)ct->unq->align);
	return 1;
}

static int
f_offsetof(lua_State *L)
{
	lffi_state *S = lffi_S(L);
	lffi_ctype *ct = lffi_checkctype(L, S, 1, NULL);
	size_t len;
	const char *name = luaL_checklstring(L, 2, &len);
	lffi_field *f;
	size_t off = 0;

	if (ct->unq->kind != CT_STRUCT && ct->unq->kind != CT_UNION)
		return 0;
	f = lffi_findfield(ct, name, len, &off);
	if (f == NULL)
		return 0;
	lua_pushinteger(L, (lua_Integer)off);
	if (f->bitsize >= 0) {
		lua_pushinteger(L, f->bitpos);
		lua_pushinteger(L, f->bitsize);
		return 3;
	}
	return 1;
}

static int
f_istype(lua_State *L)
{
	lffi_state *S = lffi_S(L);
	lffi_ctype *ct = lffi_checkctype(L, S, 1, NULL);
	lffi_cdata *cd = lffi_tocdata(L, 2);
	lffi_ctype *a, *b;

	if (cd == NULL || (cd->flags & CD_CTYPE)) {
		lua_pushboolean(L, 0);
		return 1;
	}
	a = ct->unq;
	b = cd->ct->unq;
	if (a->kind == CT_PTR && b->kind == CT_PTR)
		lua_pushboolean(L, lffi_sametype(a->base, b->base));
	else
		lua_pushboolean(L, lffi_sametype(a, b));
	return 1;
}

static int
f_errno(lua_State *L)
{
	lffi_state *S = lffi_S(L);
	int old = S->cerrno;
	if (!lua_isnoneornil(L, 1)) {
		S->cerrno = (int)luaL_checkinteger(L, 1);
		errno = S->cerrno;
	}
	lua_pushinteger(L, old);
	return 1;
}

/* The address designated by argument idx, for ffi.string/copy/fill. */
static void *
argptr(lua_State *L, lffi_state *S, int idx, const char *fname)
{
	int ok;
	void *p;
	if (lua_type(L, idx) == LUA_TNUMBER || lua_type(L, idx) == LUA_TNIL ||
	    lua_type(L, idx) == LUA_TNONE)
		ok = 0, p = NULL;
	else
		p = lffi_topointer(L, S, idx, &ok);
	if (!ok)
		luaL_error(L, "bad argument #%d to '%s' (pointer or cdata expected, got %s)", idx,
		    fname, luaL_typename(L, idx));
	if ((uintptr_t)p < 4096)	/* the never-mapped first page: NULL, or NULL + offset */
		luaL_error(L, "bad argument #%d to '%s' (NULL pointer)", idx, fname);
	return p;
}

static int
fixedsize(const lffi_ctype *u)
{
	if (u->kind == CT_ARRAY)
		return !(u->flags & (CTF_VLA | CTF_FLEX)) && u->nelem > 0;
	if (u->kind == CT_STRUCT || u->kind == CT_UNION) {
		int i;
		if (!(u->flags & CTF_COMPLETE) || (u->flags & CTF_VLS) || u->size == 0)
			return 0;
		for (i = 0; i < u->nfields; i++) {	/* a flexible member, maybe nested */
			const lffi_ctype *f = u->fields[i].type->unq;
			if (f->kind == CT_ARRAY && ((f->flags & (CTF_VLA | CTF_FLEX)) ||
			    f->nelem == 0))
				return 0;
			if ((f->kind == CT_STRUCT || f->kind == CT_UNION) && !fixedsize(f))
				return 0;
		}
		return 1;
	}
	return 0;
}

/* Bytes known to be valid at argument idx: a Lua string's length (plus its terminator), an
 * owned cdata's size; SIZE_MAX when unknown (pointers, references into other memory). */
static size_t
argroom(lua_State *L, int idx)
{
	lffi_cdata *cd;
	if (lua_type(L, idx) == LUA_TSTRING)
		return lua_rawlen(L, idx) + 1;
	cd = lffi_tocdata(L, idx);
	if (cd != NULL && !(cd->flags & (CD_REF | CD_CTYPE)) &&
	    (cd->ct->unq->kind == CT_ARRAY || cd->ct->unq->kind == CT_STRUCT ||
	    cd->ct->unq->kind == CT_UNION))
		return cd->size;
	/* A reference to a fixed-size array or struct (a member `char name[16]`, an element
	 * of an array of structs) has its type's size: s.name is 16 bytes whatever holds it.
	 * Not so for variable or flexible arrays and structs ending in one: C code reaches
	 * past them on purpose. */
	if (cd != NULL && (cd->flags & CD_REF) && fixedsize(cd->ct->unq))
		return cd->ct->unq->size;
	return SIZE_MAX;
}

static void
checkroom(lua_State *L, int idx, size_t n, const char *fname)
{
	size_t room = argroom(L, idx);
	if (n > room)
		luaL_error(L, "bad argument #%d to '%s' (%I bytes requested, object has %I)", idx,
		    fname, (lua_Integer)n, (lua_Integer)room);
}

static size_t
arglen(lua_State *L, lffi_state *S, int idx, const char *fname)
{
	int ok, uns;
	int64_t n = lffi_toint64(L, S, idx, &uns, &ok);
	if (!ok || n < 0 || lua_type(L, idx) == LUA_TBOOLEAN)
		luaL_error(L, "bad argument #%d to '%s' (non-negative length expected)", idx, fname);
	return (size_t)n;
}

static int
f_string(lua_State *L)
{
	lffi_state *S = lffi_S(L);
	const char *p;
	if (lua_type(L, 1) == LUA_TSTRING && lua_isnoneornil(L, 2)) {
		lua_settop(L, 1);
		return 1;
	}
	p = argptr(L, S, 1, "string");
	if (lua_isnoneornil(L, 2))
		lua_pushstring(L, p);
	else {
		size_t n = arglen(L, S, 2, "string");
		checkroom(L, 1, n, "string");
		lua_pushlstring(L, p, n);
	}
	return 1;
}

static int
f_copy(lua_State *L)
{
	lffi_state *S = lffi_S(L);
	void *d = argptr(L, S, 1, "copy");
	if (lua_isnoneornil(L, 3)) {
		size_t len;
		const char *s = luaL_checklstring(L, 2, &len);
		checkroom(L, 1, len + 1, "copy");
		memcpy(d, s, len + 1);
	} else {
		size_t n = arglen(L, S, 3, "copy");
		const void *s = argptr(L, S, 2, "copy");
		checkroom(L, 1, n, "copy");
		checkroom(L, 2, n, "copy");
		memmove(d, s, n);
	}
	return 0;
}

static int
f_fill(lua_State *L)
{
	lffi_state *S = lffi_S(L);
	void *d = argptr(L, S, 1, "fill");
	size_t n = arglen(L, S, 2, "fill");
	int c = (int)luaL_optinteger(L, 3, 0);
	checkroom(L, 1, n, "fill");
	memset(d, c, n);
	return 0;
}

static int
f_abi(lua_State *L)
{
	const char *s = luaL_checkstring(L, 1);
	static const char *const yes[] = { "64bit", "le", "fpu", "hardfp", "gc64", NULL };
	int i, r = 0;
	for (i = 0; yes[i]; i++)
		if (strcmp(s, yes[i]) == 0)
			r = 1;
	lua_pushboolean(L, r);
	return 1;
}

/* ffi.tonumber(v): LuaJIT's tonumber(), which also converts cdata numbers and pointers. */
static int
f_tonumber(lua_State *L)
{
	lffi_cdata *cd = lffi_tocdata(L, 1);
	if (cd != NULL && !(cd->flags & CD_CTYPE)) {
		lffi_ctype *u = cd->ct->unq;
		int64_t v;
		switch (u->kind) {
		case CT_INT: case CT_ENUM: case CT_BOOL: {
			lffi_ctype *it = u->kind == CT_ENUM ? u->base : u;
			int ok, uns;
			v = lffi_toint64(L, lffi_S(L), 1, &uns, &ok);
			if ((it->flags & CTF_UNSIGNED) && it->size == 8 && v < 0)
				lua_pushnumber(L, (lua_Number)(uint64_t)v);
			else
				lua_pushinteger(L, (lua_Integer)v);
			return 1;
		}
		case CT_FLOAT: {
			int ok, uns;
			(void)lffi_toint64(L, lffi_S(L), 1, &uns, &ok);
			if (u->flags & CTF_LDOUBLE) {
				long double d;
				memcpy(&d, cd->p, sizeof(d));
				lua_pushnumber(L, (lua_Number)d);
			} else if (u->size == 4) {
				float f;
				memcpy(&f, cd->p, 4);
				lua_pushnumber(L, f);
			} else {
				double d;
				memcpy(&d, cd->p, 8);
				lua_pushnumber(L, d);
			}
			return 1;
		}
		case CT_PTR: case CT_FUNC:
			lua_pushinteger(L, (lua_Integer)(intptr_t)*(void **)cd->p);
			return 1;
		default:	/* arrays, structs, unions: nil, as LuaJIT (a struct passed as flags
				 * must not turn into its address) */
			lua_pushnil(L);
			return 1;
		}
	}
	if (cd != NULL) {
		lua_pushnil(L);
		return 1;
	}
	/* The tonumber the module found when it was loaded (so replacing the global with
	 * ffi.tonumber cannot recurse). */
	lua_rawgeti(L, LUA_REGISTRYINDEX, lffi_S(L)->ref_tonumber);
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 1);
	return 1;
}

/* ffi.type(v): "cdata" for cdata (as LuaJIT's type()), else type(v). */
static int
f_type(lua_State *L)
{
	luaL_checkany(L, 1);
	if (lffi_tocdata(L, 1) != NULL)
		lua_pushliteral(L, "cdata");
	else
		lua_pushstring(L, luaL_typename(L, 1));
	return 1;
}

static int
state_gc(lua_State *L)
{
	lffi_state *S = lua_touserdata(L, 1);
	lffi_callback_freeall(S);
	lffi_freeall(S);
	return 0;
}

static int
newref_table(lua_State *L)
{
	lua_newtable(L);
	return luaL_ref(L, LUA_REGISTRYINDEX);
}

static void
builtin_typedef(lua_State *L, lffi_state *S, const char *name, lffi_ctype *ct)
{
	lua_rawgeti(L, LUA_REGISTRYINDEX, S->ref_typedefs);
	lua_pushlightuserdata(L, ct);
	lua_setfield(L, -2, name);
	lua_pop(L, 1);
}

__attribute__((visibility("default"))) int luaopen_rumpus_ffi(lua_State *L);

int
luaopen_rumpus_ffi(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{ "cdef", f_cdef }, { "new", f_new }, { "cast", f_cast }, { "typeof", f_typeof },
		{ "metatype", f_metatype }, { "gc", f_gc }, { "sizeof", f_sizeof },
		{ "alignof", f_alignof }, { "offsetof", f_offsetof }, { "istype", f_istype },
		{ "errno", f_errno }, { "string", f_string }, { "copy", f_copy },
		{ "fill", f_fill }, { "abi", f_abi }, { "load", lffi_load },
		{ "tonumber", f_tonumber }, { "type", f_type }, { NULL, NULL }
	};
	lffi_state *S;

	if (lua_getfield(L, LUA_REGISTRYINDEX, "lffi.module") == LUA_TTABLE)
		return 1;
	lua_pop(L, 1);
	S = lua_newuserdata(L, sizeof(*S));
	memset(S, 0, sizeof(*S));
	lua_newtable(L);
	lua_pushcfunction(L, state_gc);
	lua_setfield(L, -2, "__gc");
	lua_setmetatable(L, -2);
	lua_pushvalue(L, -1);
	lua_setfield(L, LUA_REGISTRYINDEX, "lffi.state");	/* lives as long as the Lua state */
	S->ref_typedefs = newref_table(L);
	S->ref_tags = newref_table(L);
	S->ref_consts = newref_table(L);
	S->ref_syms = newref_table(L);
	S->ref_metatypes = newref_table(L);
	S->ref_cache = newref_table(L);
	S->ref_arrays = newref_table(L);
	lua_getglobal(L, "tonumber");
	S->ref_tonumber = luaL_ref(L, LUA_REGISTRYINDEX);
	lffi_initbuiltins(L, S);
	lffi_openmeta(L, S);
	lffi_openclib(L, S);

	builtin_typedef(L, S, "int8_t", S->t_i8);
	builtin_typedef(L, S, "uint8_t", S->t_u8);
	builtin_typedef(L, S, "int16_t", S->t_i16);
	builtin_typedef(L, S, "uint16_t", S->t_u16);
	builtin_typedef(L, S, "int32_t", S->t_i32);
	builtin_typedef(L, S, "uint32_t", S->t_u32);
	builtin_typedef(L, S, "int64_t", S->t_i64);
	builtin_typedef(L, S, "uint64_t", S->t_u64);
	builtin_typedef(L, S, "size_t", lffi_intof(S, sizeof(size_t), 1));
	builtin_typedef(L, S, "ssize_t", lffi_intof(S, sizeof(size_t), 0));
	builtin_typedef(L, S, "intptr_t", lffi_intof(S, sizeof(intptr_t), 0));
	builtin_typedef(L, S, "uintptr_t", lffi_intof(S, sizeof(uintptr_t), 1));
	builtin_typedef(L, S, "ptrdiff_t", lffi_intof(S, sizeof(ptrdiff_t), 0));
	builtin_typedef(L, S, "wchar_t", S->t_i32);
	builtin_typedef(L, S, "va_list", S->t_voidp);
	builtin_typedef(L, S, "__builtin_va_list", S->t_voidp);
	builtin_typedef(L, S, "__gnuc_va_list", S->t_voidp);

	lua_newtable(L);
	lua_pushvalue(L, -2);
	luaL_setfuncs(L, funcs, 1);
	lua_pushliteral(L, "Linux");
	lua_setfield(L, -2, "os");
#if defined(__x86_64__)
	lua_pushliteral(L, "x64");
#elif defined(__aarch64__)
	lua_pushliteral(L, "arm64");
#else
	lua_pushliteral(L, "unknown");
#endif
	lua_setfield(L, -2, "arch");
	lffi_pushclib_default(L);
	lua_setfield(L, -2, "C");
	lua_pushvalue(L, -1);
	lua_setfield(L, LUA_REGISTRYINDEX, "lffi.module");
	return 1;
}
