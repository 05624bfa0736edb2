/*
 * cdata objects: a full userdata holding an lffi_cdata header, then (for values) the data.
 *
 * Alignment: PUC Lua only guarantees 8-byte alignment of userdata memory, so a type with a
 * larger alignment (long double, aligned(16)) gets align-1 spare bytes and cd->p is rounded
 * up inside the block. A reference (a struct member, an array element, what a pointer
 * points at) has no inline data: cd->p points elsewhere, and the userdata's user value keeps
 * the containing cdata alive when there is one.
 *
 * Every cdata shares one metatable (or a second one carrying __gc, used by cdata with a
 * finalizer from ffi.gc or from a metatype's __gc). Metatypes (ffi.metatype) live in a table
 * keyed by the struct's ctype; their methods apply to the struct and to pointers to it.
 */
#include <string.h>
#include <stdio.h>
#include "lffi.h"

LFFI_HIDDEN void lffi_getfield(lua_State *L, lffi_state *S, lffi_field *f, char *base, int owner);
LFFI_HIDDEN void lffi_setfield(lua_State *L, lffi_state *S, lffi_field *f, char *base, int idx);

#define HDR ((sizeof(lffi_cdata) + 15) & ~(size_t)15)

/* Key (by address) under which both cdata metatables hold the state: marks cdata as ours. */
static const char lffi_mtkey = 0;

static void *
newud(lua_State *L, size_t n)
{
#if LUA_VERSION_NUM >= 504
	return lua_newuserdatauv(L, n, 1);
#else
	return lua_newuserdata(L, n);
#endif
}

static int
getuv(lua_State *L, int idx)
{
#if LUA_VERSION_NUM >= 504
	return lua_getiuservalue(L, idx, 1);
#else
	return lua_getuservalue(L, idx);
#endif
}

static void
setuv(lua_State *L, int idx)
{
#if LUA_VERSION_NUM >= 504
	lua_setiuservalue(L, idx, 1);
#else
	lua_setuservalue(L, idx);
#endif
}

lffi_cdata *
lffi_newcdata(lua_State *L, lffi_state *S, lffi_ctype *ct, size_t size)
{
	size_t align = ct->unq->align ? ct->unq->align : 1;
	size_t extra = align > 8 ? align - 1 : 0;
	char *ud = newud(L, HDR + size + extra);
	lffi_cdata *cd = (lffi_cdata *)ud;
	uintptr_t d = (uintptr_t)(ud + HDR);

	d = (d + align - 1) / align * align;
	cd->ct = ct;
	cd->p = (void *)d;
	cd->size = size;
	cd->flags = 0;
	lua_rawgeti(L, LUA_REGISTRYINDEX, S->ref_mt);
	lua_setmetatable(L, -2);
	return cd;
}

lffi_cdata *
lffi_newref(lua_State *L, lffi_state *S, lffi_ctype *ct, void *p, int owner)
{
	lffi_cdata *cd;
	if (owner > 0)
		owner = lua_absindex(L, owner);
	cd = newud(L, sizeof(lffi_cdata));
	cd->ct = ct;
	cd->p = p;
	cd->size = ct->unq->size;
	cd->flags = CD_REF;
	lua_rawgeti(L, LUA_REGISTRYINDEX, S->ref_mt);
	lua_setmetatable(L, -2);
	if (owner > 0) {
		lua_pushvalue(L, owner);
		setuv(L, -2);
	}
	return cd;
}

void
lffi_pushctype(lua_State *L, lffi_state *S, lffi_ctype *ct)
{
	lffi_cdata *cd = newud(L, sizeof(lffi_cdata));
	cd->ct = ct;
	cd->p = NULL;
	cd->size = 0;
	cd->flags = CD_CTYPE;
	lua_rawgeti(L, LUA_REGISTRYINDEX, S->ref_mt);
	lua_setmetatable(L, -2);
}

/* The cdata at idx, or NULL if the value is not one of ours. */
lffi_cdata *
lffi_tocdata(lua_State *L, int idx)
{
	lffi_cdata *cd = lua_touserdata(L, idx);
	lffi_state *S;
	int ours;

	if (cd == NULL || lua_type(L, idx) != LUA_TUSERDATA || !lua_getmetatable(L, idx))
		return NULL;
	lua_rawgetp(L, -1, &lffi_mtkey);
	S = lua_touserdata(L, -1);
	ours = S != NULL;
	lua_pop(L, 2);
	return ours ? cd : NULL;
}

/* A C type from a type string, a ctype or a cdata (its type). */
lffi_ctype *
lffi_checkctype(lua_State *L, lffi_state *S, int idx, int *nargs)
{
	lffi_cdata *cd;
	lffi_ctype *ct;

	(void)nargs;
	if (lua_type(L, idx) == LUA_TSTRING) {
		lua_rawgeti(L, LUA_REGISTRYINDEX, S->ref_cache);
		lua_pushvalue(L, idx);
		lua_rawget(L, -2);
		ct = lua_touserdata(L, -1);
		lua_pop(L, 1);
		if (ct == NULL) {
			ct = lffi_parse(L, S, lua_tostring(L, idx), PARSE_TYPE, 0, 0);
			if (++S->ncache > 4096) {
				/* Bounded: start a fresh cache rather than grow without end. */
				lua_pop(L, 1);
				lua_newtable(L);
				lua_pushvalue(L, -1);
				lua_rawseti(L, LUA_REGISTRYINDEX, S->ref_cache);
				S->ncache = 1;
			}
			lua_pushvalue(L, idx);
			lua_pushlightuserdata(L, ct);
			lua_rawset(L, -3);
		}
		lua_pop(L, 1);
		return ct;
	}
	cd = lffi_tocdata(L, idx);
	if (cd == NULL)
		luaL_argerror(L, idx, lua_pushfstring(L, "C type expected, got %s",
		    luaL_typename(L, idx)));
	return cd->ct;
}

/* Push metamethod mm of ct's metatype (struct, or struct pointed to); 0 if none. */
int
lffi_getmeta(lua_State *L, lffi_state *S, lffi_ctype *ct, const char *mm)
{
	lffi_ctype *u = ct->unq;
	if (u->kind == CT_PTR)
		u = u->base->unq;
	if (!(u->flags & CTF_META))
		return 0;
	lua_rawgeti(L, LUA_REGISTRYINDEX, S->ref_metatypes);
	lua_rawgetp(L, -1, u);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 2);
		return 0;
	}
	lua_getfield(L, -1, mm);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 3);
		return 0;
	}
	lua_replace(L, -3);
	lua_pop(L, 1);
	return 1;
}

int
lffi_cdata_new(lua_State *L, lffi_state *S, lffi_ctype *ct, int first, int top)
{
	lffi_ctype *u = ct->unq;
	lffi_cdata *cd;
	size_t size;

	if ((u->flags & CTF_VLA) || (u->flags & CTF_VLS)) {
		int ok, uns;
		int64_t n = first <= top ? lffi_toint64(L, S, first, &uns, &ok) : (ok = 0);
		if (!ok)
			luaL_error(L, "size of variable-length type expected as first initializer");
		if (n < 0 || (uint64_t)n > ((uint64_t)1 << 40))
			luaL_error(L, "invalid size %I for variable-length type", (lua_Integer)n);
		/* overflow-safe: an element size times n beyond the limit below */
		if (lffi_vsize(u, 1) - lffi_vsize(u, 0) > 0 &&
		    (size_t)n > LFFI_MAXOBJ / (lffi_vsize(u, 1) - lffi_vsize(u, 0)))
			luaL_error(L, "size of C type is unknown or too large");
		size = lffi_vsize(u, (size_t)n);
		first++;
	} else {
		if (!(u->flags & CTF_COMPLETE) || u->kind == CT_VOID || u->kind == CT_FUNC ||
		    (u->flags & CTF_FLEX)) {
			lffi_typename(L, ct, 0);
			luaL_error(L, "cannot create cdata of incomplete type '%s'", lua_tostring(L, -1));
		}
		size = u->size;
	}
	/* As LuaJIT: no object of 2 GB or more (a garbage length must not zero-fill 8 GB). */
	if (size > LFFI_MAXOBJ)
		luaL_error(L, "size of C type is unknown or too large");
	cd = lffi_newcdata(L, S, ct, size);
	memset(cd->p, 0, size);
	if (first <= top)
		lffi_init(L, S, u, cd->p, size, first, top - first + 1);
	/* As LuaJIT: a metatype's __gc becomes this object's finalizer at creation, so
	 * ffi.gc(cd, nil) removes it and ffi.gc(cd, f) replaces it. */
	if (u->kind != CT_PTR && lffi_getmeta(L, S, u, "__gc")) {
		setuv(L, -2);
		lua_rawgeti(L, LUA_REGISTRYINDEX, S->ref_mtgc);
		lua_setmetatable(L, -2);
	}
	return 1;
}

static void __attribute__((noreturn))
typeerr(lua_State *L, lffi_cdata *cd, const char *fmt)
{
	lffi_typename(L, cd->ct, (cd->flags & CD_REF) != 0);
	luaL_error(L, fmt, lua_tostring(L, -1));
	for (;;);
}

static int
isintkey(lua_State *L, lffi_state *S, int idx, int64_t *v)
{
	int ok, uns;
	if (lua_type(L, idx) == LUA_TNUMBER) {
		if (lua_isinteger(L, idx))
			*v = lua_tointeger(L, idx);
		else
			*v = lffi_num2i64(lua_tonumber(L, idx));
		return 1;
	}
	if (lua_type(L, idx) != LUA_TUSERDATA)
		return 0;
	*v = lffi_toint64(L, S, idx, &uns, &ok);
	return ok;
}

/* p + i elements of size esz, wrapping like the machine instead of overflowing like C. */
static char *
ptradd(void *p, int64_t i, size_t esz)
{
	return (char *)((uintptr_t)p + (uint64_t)i * (uint64_t)esz);
}

static void
checkaddr(lua_State *L, void *p)
{
	if ((uintptr_t)p < 4096)
		luaL_error(L, "attempt to dereference a NULL pointer");
}

/* Through the metatype's __index (table or function); 0 if none. */
static int
meta_index(lua_State *L, lffi_state *S, lffi_ctype *ct, const char *mm)
{
	if (!lffi_getmeta(L, S, ct, mm))
		return 0;
	if (lua_isfunction(L, -1)) {
		lua_pushvalue(L, 1);
		lua_pushvalue(L, 2);
		if (mm[2] == 'n' && mm[3] == 'e')	/* __newindex */
			lua_pushvalue(L, 3);
		lua_call(L, mm[3] == 'e' ? 3 : 2, mm[3] == 'e' ? 0 : 1);
		return 1;
	}
	lua_pushvalue(L, 2);
	if (mm[3] == 'e') {
		lua_pushvalue(L, 3);
		lua_settable(L, -3);
		return 1;
	}
	lua_gettable(L, -2);
	return 1;
}

static int
cd_index(lua_State *L)
{
	lffi_state *S = lffi_S(L);
	lffi_cdata *cd = lua_touserdata(L, 1);
	lffi_ctype *u = cd->ct->unq;
	int64_t i;

	if (cd->flags & CD_CTYPE) {
		if (meta_index(L, S, cd->ct, "__index"))
			return 1;
		lffi_typename(L, cd->ct, 0);
		return luaL_error(L, "'ctype<%s>' cannot be indexed with '%s'", lua_tostring(L, -1),
		    luaL_tolstring(L, 2, NULL));
	}
	switch (u->kind) {
	case CT_PTR: {
		lffi_ctype *b = u->base->unq;
		char *p = *(char **)cd->p;
		if (isintkey(L, S, 2, &i)) {
			if (b->kind == CT_VOID || b->kind == CT_FUNC || !(b->flags & CTF_COMPLETE))
				typeerr(L, cd, "'%s' cannot be indexed (pointer to incomplete type)");
			p = ptradd(p, i, b->size);
			checkaddr(L, p);
			lffi_tolua(L, S, u->base, p, -1);
			return 1;
		}
		if (lua_type(L, 2) == LUA_TSTRING && (b->kind == CT_STRUCT || b->kind == CT_UNION)) {
			size_t off = 0;
			size_t kl;
			const char *k = lua_tolstring(L, 2, &kl);
			lffi_field *f = lffi_findfield(b, k, kl, &off);
			if (f != NULL) {
				checkaddr(L, p);
				lffi_getfield(L, S, f, p + off, -1);
				return 1;
			}
		}
		if (lua_type(L, 2) == LUA_TSTRING && b->kind == CT_FUNC) {
			lffi_callback *cb = lffi_callback_find(S, *(void **)cd->p);
			const char *k = lua_tostring(L, 2);
			if (cb != NULL && (strcmp(k, "free") == 0 || strcmp(k, "set") == 0)) {
				lua_getfield(L, LUA_REGISTRYINDEX, "lffi.cbmethods");
				lua_getfield(L, -1, k);
				return 1;
			}
		}
		break;
	}
	case CT_ARRAY:
		if (isintkey(L, S, 2, &i)) {
			lffi_tolua(L, S, u->base, ptradd(cd->p, i, u->base->unq->size), 1);
			return 1;
		}
		break;
	case CT_STRUCT: case CT_UNION:
		if (lua_type(L, 2) == LUA_TSTRING) {
			size_t off = 0;
			size_t kl;
			const char *k = lua_tolstring(L, 2, &kl);
			lffi_field *f = lffi_findfield(u, k, kl, &off);
			if (f != NULL) {
				lffi_getfield(L, S, f, (char *)cd->p + off, 1);
				return 1;
			}
		}
		break;
	default:
		break;
	}
	if (meta_index(L, S, cd->ct, "__index"))
		return 1;
	lffi_typename(L, cd->ct, (cd->flags & CD_REF) != 0);
	if (lua_type(L, 2) == LUA_TSTRING)
		return luaL_error(L, "'%s' has no member named '%s'", lua_tostring(L, -1),
		    lua_tostring(L, 2));
	return luaL_error(L, "'%s' cannot be indexed with '%s'", lua_tostring(L, -1),
	    luaL_typename(L, 2));
}

static void
checkconst(lua_State *L, lffi_ctype *t)
{
	if (t->flags & CTF_CONST)
		luaL_error(L, "attempt to write to constant location");
}

static int
cd_newindex(lua_State *L)
{
	lffi_state *S = lffi_S(L);
	lffi_cdata *cd = lua_touserdata(L, 1);
	lffi_ctype *u = cd->ct->unq;
	int64_t i;

	if (cd->flags & CD_CTYPE) {
		if (meta_index(L, S, cd->ct, "__newindex"))
			return 0;
		return luaL_error(L, "ctype objects cannot be assigned to");
	}
	switch (u->kind) {
	case CT_PTR: {
		lffi_ctype *b = u->base->unq;
		char *p = *(char **)cd->p;
		if (isintkey(L, S, 2, &i)) {
			if (b->kind == CT_VOID || b->kind == CT_FUNC || !(b->flags & CTF_COMPLETE))
				typeerr(L, cd, "'%s' cannot be indexed (pointer to incomplete type)");
			checkconst(L, u->base);
			p = ptradd(p, i, b->size);
			checkaddr(L, p);
			lffi_fromlua(L, S, u->base, p, 3, 0, NULL);
			return 0;
		}
		if (lua_type(L, 2) == LUA_TSTRING && (b->kind == CT_STRUCT || b->kind == CT_UNION)) {
			size_t off = 0;
			size_t kl;
			const char *k = lua_tolstring(L, 2, &kl);
			lffi_field *f = lffi_findfield(b, k, kl, &off);
			if (f != NULL) {
				checkconst(L, u->base);
				checkconst(L, f->type);
				checkaddr(L, p);
				lffi_setfield(L, S, f, p + off, 3);
				return 0;
			}
		}
		break;
	}
	case CT_ARRAY:
		if (isintkey(L, S, 2, &i)) {
			checkconst(L, cd->ct);
			checkconst(L, u->base);
			lffi_fromlua(L, S, u->base, ptradd(cd->p, i, u->base->unq->size),
			    3, 0, NULL);
			return 0;
		}
		break;
	case CT_STRUCT: case CT_UNION:
		if (lua_type(L, 2) == LUA_TSTRING) {
			size_t off = 0;
			size_t kl;
			const char *k = lua_tolstring(L, 2, &kl);
			lffi_field *f = lffi_findfield(u, k, kl, &off);
			if (f != NULL) {
				checkconst(L, cd->ct);
				checkconst(L, f->type);
				lffi_setfield(L, S, f, (char *)cd->p + off, 3);
				return 0;
			}
		}
		break;
	default:
		break;
	}
	if (meta_index(L, S, cd->ct, "__newindex"))
		return 0;
	lffi_typename(L, cd->ct, (cd->flags & CD_REF) != 0);
	if (lua_type(L, 2) == LUA_TSTRING)
		return luaL_error(L, "'%s' has no member named '%s'", lua_tostring(L, -1),
		    lua_tostring(L, 2));
	return luaL_error(L, "'%s' cannot be indexed with '%s'", lua_tostring(L, -1),
	    luaL_typename(L, 2));
}

static int
cd_call(lua_State *L)
{
	lffi_state *S = lffi_S(L);
	lffi_cdata *cd = lua_touserdata(L, 1);
	lffi_ctype *u = cd->ct->unq;

	if (cd->flags & CD_CTYPE) {
		if (lffi_getmeta(L, S, cd->ct, "__new") && u->kind != CT_PTR) {
			lua_insert(L, 1);
			lua_call(L, lua_gettop(L) - 1, 1);
			return 1;
		}
		return lffi_cdata_new(L, S, cd->ct, 2, lua_gettop(L));
	}
	if (u->kind == CT_FUNC || (u->kind == CT_PTR && u->base->unq->kind == CT_FUNC))
		return lffi_call(L, S, cd, 2);
	if (lffi_getmeta(L, S, cd->ct, "__call")) {
		lua_insert(L, 1);
		lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
		return lua_gettop(L);
	}
	typeerr(L, cd, "'%s' is not callable");
}

/* Address for pointer arithmetic and comparison, and the element type. */
static int
ptrlike(lua_State *L, int idx, char **addr, lffi_ctype **elem)
{
	lffi_cdata *cd = lffi_tocdata(L, idx);
	if (cd == NULL || (cd->flags & CD_CTYPE))
		return 0;
	if (cd->ct->unq->kind == CT_PTR) {
		*addr = *(char **)cd->p;
		*elem = cd->ct->unq->base;
		return 1;
	}
	if (cd->ct->unq->kind == CT_ARRAY) {
		*addr = cd->p;
		*elem = cd->ct->unq->base;
		return 1;
	}
	return 0;
}

/* A numeric operand: a number, or a scalar (non-pointer) cdata. */
static int
numeric(lua_State *L, lffi_state *S, int idx, int64_t *v, int *uns, int *iscd)
{
	int ok;
	int t = lua_type(L, idx);
	lffi_cdata *cd;
	*iscd = 0;
	if (t == LUA_TNUMBER) {
		*v = lffi_toint64(L, S, idx, uns, &ok);
		return 1;
	}
	cd = lffi_tocdata(L, idx);
	if (cd == NULL || (cd->flags & CD_CTYPE))
		return 0;
	switch (cd->ct->unq->kind) {
	case CT_INT: case CT_ENUM: case CT_BOOL: case CT_FLOAT:
		*v = lffi_toint64(L, S, idx, uns, &ok);
		*iscd = 1;
		return ok;
	default:
		return 0;
	}
}

/* An operand for error messages: 'ctype name' for cdata, the Lua type name otherwise. */
static const char *
opname(lua_State *L, int idx)
{
	lffi_cdata *cd = lffi_tocdata(L, idx);
	if (cd == NULL)
		return lua_pushfstring(L, "'%s'", luaL_typename(L, idx));
	lffi_typename(L, cd->ct, (cd->flags & CD_REF) != 0);
	lua_pushfstring(L, "'%s'", lua_tostring(L, -1));
	lua_remove(L, -2);
	return lua_tostring(L, -1);
}

enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD, OP_POW, OP_UNM, OP_IDIV, OP_BAND, OP_BOR,
	OP_BXOR, OP_SHL, OP_SHR, OP_BNOT };
static const char *const opnames[] = { "__add", "__sub", "__mul", "__div", "__mod", "__pow",
	"__unm", "__idiv", "__band", "__bor", "__bxor", "__shl", "__shr", "__bnot" };

static uint64_t
upow(uint64_t a, uint64_t b)
{
	uint64_t r = 1;
	while (b) {
		if (b & 1)
			r *= a;
		a *= a;
		b >>= 1;
	}
	return r;
}

static int
arith(lua_State *L, int op)
{
	lffi_state *S = lffi_S(L);
	char *pa, *pb;
	lffi_ctype *ea, *eb;
	int64_t a, b, r;
	int ua, ub, ca, cb;
	lffi_cdata *cd;

	if (op == OP_ADD || op == OP_SUB) {
		int pla = ptrlike(L, 1, &pa, &ea), plb = ptrlike(L, 2, &pb, &eb);
		if (pla || plb) {
			lffi_ctype *e = pla ? ea : eb;
			size_t esz = e->unq->size;
			if (e->unq->kind == CT_VOID || e->unq->kind == CT_FUNC || esz == 0)
				esz = 1;
			if (op == OP_SUB && pla && plb) {
				lua_pushinteger(L, (lua_Integer)((int64_t)((uintptr_t)pa - (uintptr_t)pb) /
				    (int64_t)esz));
				return 1;
			}
			if (pla && !plb && numeric(L, S, 2, &b, &ub, &cb)) {
				cd = lffi_tocdata(L, 1);
				pa = ptradd(pa, op == OP_SUB ? (int64_t)(0 - (uint64_t)b) : b, esz);
			} else if (plb && !pla && op == OP_ADD && numeric(L, S, 1, &b, &ub, &cb)) {
				cd = lffi_tocdata(L, 2);
				pa = ptradd(pb, b, esz);
			} else
				goto meta;
			{
				lffi_ctype *pt = cd->ct->unq->kind == CT_ARRAY ?
				    lffi_ptr(L, S, cd->ct->unq->base) : cd->ct;
				lffi_cdata *r = lffi_newcdata(L, S, pt, sizeof(void *));
				memcpy(r->p, &pa, sizeof(void *));
			}
			return 1;
		}
	}
	if (numeric(L, S, 1, &a, &ua, &ca) && numeric(L, S, 2, &b, &ub, &cb)) {
		int uns = ua || ub;
		uint64_t x = (uint64_t)a, y = (uint64_t)b;
		switch (op) {
		case OP_ADD: r = (int64_t)(x + y); break;
		case OP_SUB: r = (int64_t)(x - y); break;
		case OP_MUL: r = (int64_t)(x * y); break;
		case OP_UNM: r = (int64_t)(0 - x); break;
		case OP_BAND: r = a & b; break;
		case OP_BOR: r = a | b; break;
		case OP_BXOR: r = a ^ b; break;
		case OP_BNOT: r = ~a; break;
		case OP_SHL: r = (int64_t)(x << (y & 63)); break;
		case OP_SHR: r = (int64_t)(x >> (y & 63)); break;
		case OP_DIV: case OP_IDIV: case OP_MOD:
			/* LuaJIT's results for the cases C leaves undefined. */
			if (uns) {
				if (y == 0)
					r = op == OP_MOD ? (int64_t)x : -1;
				else
					r = (int64_t)(op == OP_MOD ? x % y : x / y);
			} else if (b == 0)
				r = INT64_MIN;
			else if (a == INT64_MIN && b == -1)
				r = op == OP_MOD ? 0 : INT64_MIN;
			else
				r = op == OP_MOD ? a % b : a / b;
			break;
		case OP_POW:
			if (uns || b >= 0)
				r = (int64_t)upow(x, y);
			else
				r = a == 1 ? 1 : a == -1 ? ((b & 1) ? -1 : 1) : 0;
			break;
		default:
			r = 0;
		}
		cd = lffi_newcdata(L, S, uns ? S->t_u64 : S->t_i64, 8);
		memcpy(cd->p, &r, 8);
		return 1;
	}
meta:
	cd = lffi_tocdata(L, 1);
	if (cd != NULL && !(cd->flags & CD_CTYPE) && lffi_getmeta(L, S, cd->ct, opnames[op]))
		goto call;
	cd = lffi_tocdata(L, 2);
	if (cd != NULL && !(cd->flags & CD_CTYPE) && lffi_getmeta(L, S, cd->ct, opnames[op]))
		goto call;
	return luaL_error(L, "attempt to perform arithmetic on %s and %s", opname(L, 1),
	    opname(L, 2));
call:
	lua_pushvalue(L, 1);
	lua_pushvalue(L, 2);
	lua_call(L, 2, 1);
	return 1;
}

#define ARITH(name, op) static int name(lua_State *L) { return arith(L, op); }
ARITH(cd_add, OP_ADD) ARITH(cd_sub, OP_SUB) ARITH(cd_mul, OP_MUL) ARITH(cd_div, OP_DIV)
ARITH(cd_mod, OP_MOD) ARITH(cd_pow, OP_POW) ARITH(cd_unm, OP_UNM) ARITH(cd_idiv, OP_IDIV)
ARITH(cd_band, OP_BAND) ARITH(cd_bor, OP_BOR) ARITH(cd_bxor, OP_BXOR) ARITH(cd_shl, OP_SHL)
ARITH(cd_shr, OP_SHR) ARITH(cd_bnot, OP_BNOT)

enum { CMP_EQ, CMP_LT, CMP_LE };

static int
compare(lua_State *L, int op)
{
	lffi_state *S = lffi_S(L);
	char *pa, *pb;
	lffi_ctype *e;
	int64_t a, b;
	int ua, ub, ca, cb, r;
	lffi_cdata *c1 = lffi_tocdata(L, 1), *c2 = lffi_tocdata(L, 2), *cd;
	static const char *const mm[] = { "__eq", "__lt", "__le" };

	if (c1 && c2 && (c1->flags & c2->flags & CD_CTYPE)) {
		if (op != CMP_EQ)
			return luaL_error(L, "attempt to compare two ctype values");
		lua_pushboolean(L, lffi_sametype(c1->ct, c2->ct) &&
		    (c1->ct->flags & (CTF_CONST | CTF_VOLATILE)) ==
		    (c2->ct->flags & (CTF_CONST | CTF_VOLATILE)));
		return 1;
	}
	if (ptrlike(L, 1, &pa, &e) && ptrlike(L, 2, &pb, &e)) {
		r = op == CMP_EQ ? pa == pb : op == CMP_LT ? (uintptr_t)pa < (uintptr_t)pb :
		    (uintptr_t)pa <= (uintptr_t)pb;
		lua_pushboolean(L, r);
		return 1;
	}
	if (numeric(L, S, 1, &a, &ua, &ca) && numeric(L, S, 2, &b, &ub, &cb)) {
		if (ua || ub)
			r = op == CMP_EQ ? a == b : op == CMP_LT ? (uint64_t)a < (uint64_t)b :
			    (uint64_t)a <= (uint64_t)b;
		else
			r = op == CMP_EQ ? a == b : op == CMP_LT ? a < b : a <= b;
		lua_pushboolean(L, r);
		return 1;
	}
	cd = c1;
	if (cd != NULL && !(cd->flags & CD_CTYPE) && lffi_getmeta(L, S, cd->ct, mm[op]))
		goto call;
	cd = c2;
	if (cd != NULL && !(cd->flags & CD_CTYPE) && lffi_getmeta(L, S, cd->ct, mm[op]))
		goto call;
	if (op == CMP_EQ) {
		lua_pushboolean(L, c1 && c2 && c1->p == c2->p && c1->ct->unq == c2->ct->unq &&
		    !(c1->flags & CD_CTYPE) && !(c2->flags & CD_CTYPE));
		return 1;
	}
	return luaL_error(L, "attempt to compare %s with %s", opname(L, 1), opname(L, 2));
call:
	lua_pushvalue(L, 1);
	lua_pushvalue(L, 2);
	lua_call(L, 2, 1);
	lua_pushboolean(L, lua_toboolean(L, -1));
	return 1;
}

static int cd_eq(lua_State *L) { return compare(L, CMP_EQ); }
static int cd_lt(lua_State *L) { return compare(L, CMP_LT); }
static int cd_le(lua_State *L) { return compare(L, CMP_LE); }

static int
cd_tostring(lua_State *L)
{
	lffi_state *S = lffi_S(L);
	lffi_cdata *cd = lua_touserdata(L, 1);
	lffi_ctype *u = cd->ct->unq;
	char buf[64];
	void *addr;

	if (cd->flags & CD_CTYPE) {
		lffi_typename(L, cd->ct, 0);
		lua_pushfstring(L, "ctype<%s>", lua_tostring(L, -1));
		return 1;
	}
	if (lffi_getmeta(L, S, cd->ct, "__tostring")) {
		lua_pushvalue(L, 1);
		lua_call(L, 1, 1);
		return 1;
	}
	if (u->kind == CT_INT && u->size == 8 && !(cd->flags & CD_REF)) {
		int64_t v;
		memcpy(&v, cd->p, 8);
		if (u->flags & CTF_UNSIGNED)
			snprintf(buf, sizeof(buf), "%lluULL", (unsigned long long)v);
		else
			snprintf(buf, sizeof(buf), "%lldLL", (long long)v);
		lua_pushstring(L, buf);
		return 1;
	}
	addr = (u->kind == CT_PTR || u->kind == CT_FUNC) ? *(void **)cd->p : cd->p;
	lffi_typename(L, cd->ct, (cd->flags & CD_REF) != 0);
	if (addr == NULL)
		lua_pushfstring(L, "cdata<%s>: NULL", lua_tostring(L, -1));
	else
		lua_pushfstring(L, "cdata<%s>: %p", lua_tostring(L, -1), addr);
	return 1;
}

static int
cd_len(lua_State *L)
{
	lffi_state *S = lffi_S(L);
	lffi_cdata *cd = lua_touserdata(L, 1);
	if (!(cd->flags & CD_CTYPE) && lffi_getmeta(L, S, cd->ct, "__len")) {
		lua_pushvalue(L, 1);
		lua_call(L, 1, 1);
		return 1;
	}
	typeerr(L, cd, "attempt to get length of '%s'");
}

static int
cd_concat(lua_State *L)
{
	lffi_state *S = lffi_S(L);
	lffi_cdata *cd = lffi_tocdata(L, 1);
	if (cd == NULL || (cd->flags & CD_CTYPE) || !lffi_getmeta(L, S, cd->ct, "__concat")) {
		cd = lffi_tocdata(L, 2);
		if (cd == NULL || (cd->flags & CD_CTYPE) ||
		    !lffi_getmeta(L, S, cd->ct, "__concat")) {
			luaL_error(L, "attempt to concatenate %s and %s", opname(L, 1),
			    opname(L, 2));
		}
	}
	lua_pushvalue(L, 1);
	lua_pushvalue(L, 2);
	lua_call(L, 2, 1);
	return 1;
}

/* Finalizer of cdata that have one (the user value: ffi.gc's, or the metatype's __gc). */
static int
cd_gc(lua_State *L)
{
	if (getuv(L, 1) == LUA_TFUNCTION) {
		lua_pushvalue(L, 1);
		lua_call(L, 1, 0);
	}
	return 0;
}

/* ffi.gc(cdata, fn): fn (or nil) becomes the finalizer. */
LFFI_HIDDEN int lffi_setgc(lua_State *L, lffi_state *S);
int
lffi_setgc(lua_State *L, lffi_state *S)
{
	lffi_cdata *cd = lffi_tocdata(L, 1);
	if (cd == NULL || (cd->flags & CD_CTYPE))
		luaL_argerror(L, 1, "cdata expected");
	if (!lua_isnoneornil(L, 2))
		luaL_checktype(L, 2, LUA_TFUNCTION);
	lua_settop(L, 2);
	lua_pushvalue(L, 2);
	setuv(L, 1);
	if (!lua_isnil(L, 2)) {
		lua_rawgeti(L, LUA_REGISTRYINDEX, S->ref_mtgc);
		lua_setmetatable(L, 1);
	}
	lua_settop(L, 1);
	return 1;
}

static const luaL_Reg cd_meta[] = {
	{ "__index", cd_index }, { "__newindex", cd_newindex }, { "__call", cd_call },
	{ "__add", cd_add }, { "__sub", cd_sub }, { "__mul", cd_mul }, { "__div", cd_div },
	{ "__mod", cd_mod }, { "__pow", cd_pow }, { "__unm", cd_unm }, { "__idiv", cd_idiv },
	{ "__band", cd_band }, { "__bor", cd_bor }, { "__bxor", cd_bxor }, { "__shl", cd_shl },
	{ "__shr", cd_shr }, { "__bnot", cd_bnot }, { "__eq", cd_eq }, { "__lt", cd_lt },
	{ "__le", cd_le }, { "__tostring", cd_tostring }, { "__len", cd_len },
	{ "__concat", cd_concat }, { NULL, NULL }
};

/* Create both cdata metatables; the state userdata must be at the stack top. */
void
lffi_openmeta(lua_State *L, lffi_state *S)
{
	int i;
	for (i = 0; i < 2; i++) {
		lua_newtable(L);
		lua_pushvalue(L, -2);
		luaL_setfuncs(L, cd_meta, 1);
		if (i == 1) {
			lua_pushvalue(L, -2);
			lua_pushcclosure(L, cd_gc, 1);
			lua_setfield(L, -2, "__gc");
		}
		lua_pushvalue(L, -2);
		lua_rawsetp(L, -2, &lffi_mtkey);
		lua_pushliteral(L, "ffi");
		lua_setfield(L, -2, "__metatable");
		lua_pushliteral(L, "cdata");
		lua_setfield(L, -2, "__name");
		if (i == 0)
			S->ref_mt = luaL_ref(L, LUA_REGISTRYINDEX);
		else
			S->ref_mtgc = luaL_ref(L, LUA_REGISTRYINDEX);
	}
}
