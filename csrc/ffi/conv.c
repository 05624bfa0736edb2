/*
 * Conversions between Lua values and C data, by LuaJIT's rules (docs/ffi.md lists them).
 *
 * C -> Lua (lffi_tolua): bool -> boolean; integers up to 32 bits and enums -> integer;
 * 64-bit integers (int64_t, uint64_t, long, size_t, ssize_t, off_t ...) -> boxed cdata;
 * float/double/long double -> number; pointers -> pointer cdata (NULL stays a cdata);
 * structs, unions and arrays -> a reference cdata into the containing memory (or, for
 * values with no container such as a struct return value, a fresh copy).
 *
 * Lua -> C (lffi_fromlua): numbers convert to any arithmetic type (C truncation and
 * wrapping; out-of-range doubles saturate instead of being undefined); booleans to any
 * arithmetic type (0/1); nil -> NULL pointer; strings -> pointer to their bytes (for
 * pointers to 8-bit types or void) or the value of an enum constant; cdata -> by C rules
 * (array/struct/function cdata decay to their address for pointer targets); light and full
 * userdata -> their address; Lua functions -> a callback for function pointer targets;
 * tables initialise structs/unions/arrays. Pointer <-> integer only with ffi.cast.
 */
#include <string.h>
#include <math.h>
#include "lffi.h"

int64_t
lffi_num2i64(lua_Number d)
{
	if (d != d)
		return 0;
	if (d >= -9223372036854775808.0 && d < 9223372036854775808.0)
		return (int64_t)d;
	if (d >= 9223372036854775808.0 && d < 18446744073709551616.0)
		return (int64_t)(uint64_t)d;
	return d < 0 ? INT64_MIN : INT64_MAX;
}

static int64_t
readint(lffi_ctype *u, const void *p)
{
	int uns = (u->flags & CTF_UNSIGNED) != 0;
	switch (u->size) {
	case 1: return uns ? (int64_t)*(const uint8_t *)p : (int64_t)*(const int8_t *)p;
	case 2: { uint16_t v; memcpy(&v, p, 2); return uns ? (int64_t)v : (int64_t)(int16_t)v; }
	case 4: { uint32_t v; memcpy(&v, p, 4); return uns ? (int64_t)v : (int64_t)(int32_t)v; }
	default: { int64_t v; memcpy(&v, p, 8); return v; }
	}
}

static void
writeint(lffi_ctype *u, void *p, int64_t v)
{
	switch (u->size) {
	case 1: *(uint8_t *)p = (uint8_t)v; break;
	case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
	case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
	default: memcpy(p, &v, 8); break;
	}
}

static long double
readfloat(lffi_ctype *u, const void *p)
{
	if (u->flags & CTF_LDOUBLE) {
		long double v;
		memcpy(&v, p, sizeof(v));
		return v;
	}
	if (u->size == 4) {
		float f;
		memcpy(&f, p, 4);
		return f;
	}
	{
		double d;
		memcpy(&d, p, 8);
		return d;
	}
}

static void
writefloat(lffi_ctype *u, void *p, long double v)
{
	if (u->flags & CTF_LDOUBLE)
		memcpy(p, &v, sizeof(v));
	else if (u->size == 4) {
		float f = (float)v;
		memcpy(p, &f, 4);
	} else {
		double d = (double)v;
		memcpy(p, &d, 8);
	}
}

void
lffi_tolua(lua_State *L, lffi_state *S, lffi_ctype *ct, void *p, int owner)
{
	lffi_ctype *u = ct->unq;
	lffi_cdata *cd;

	switch (u->kind) {
	case CT_VOID:
		lua_pushnil(L);
		return;
	case CT_BOOL:
		lua_pushboolean(L, *(uint8_t *)p != 0);
		return;
	case CT_ENUM:
		lua_pushinteger(L, (lua_Integer)readint(u->base, p));
		return;
	case CT_INT:
		if (u->size < 8) {
			lua_pushinteger(L, (lua_Integer)readint(u, p));
			return;
		}
		/* PUC Lua integers are 64-bit: exact, and `x == -1` works (see docs/ffi.md). */
		{
			int64_t v;
			memcpy(&v, p, 8);
			if (v >= 0 || !(u->flags & CTF_UNSIGNED)) {
				lua_pushinteger(L, (lua_Integer)v);
				return;
			}
		}
		cd = lffi_newcdata(L, S, u, 8);
		memcpy(cd->p, p, 8);
		return;
	case CT_FLOAT:
		lua_pushnumber(L, (lua_Number)readfloat(u, p));
		return;
	case CT_PTR:
		/* A NULL pointer read from C memory is nil, so `p == nil` works on PUC Lua. */
		if (*(void **)p == NULL) {
			lua_pushnil(L);
			return;
		}
		cd = lffi_newcdata(L, S, ct, sizeof(void *));
		memcpy(cd->p, p, sizeof(void *));
		return;
	case CT_FUNC:
		cd = lffi_newcdata(L, S, ct, sizeof(void *));
		memcpy(cd->p, &p, sizeof(void *));
		return;
	default:
		if (owner == 0) {
			cd = lffi_newcdata(L, S, ct, u->size);
			memcpy(cd->p, p, u->size);
		} else
			lffi_newref(L, S, ct, p, owner);
		return;
	}
}

void
lffi_convert_error(lua_State *L, int idx, lffi_ctype *ct, const char *what)
{
	lffi_cdata *cd = lffi_tocdata(L, idx);
	if (cd != NULL)
		lffi_typename(L, cd->ct, 0);	/* a reference converts as its value: no '&' */
	else
		lua_pushstring(L, luaL_typename(L, idx));
	lffi_typename(L, ct, 0);
	if (what != NULL)
		luaL_error(L, "%s: cannot convert '%s' to '%s'", what, lua_tostring(L, -2),
		    lua_tostring(L, -1));
	luaL_error(L, "cannot convert '%s' to '%s'", lua_tostring(L, -2), lua_tostring(L, -1));
}

/* Address held or designated by a Lua value, for pointer targets. */
void *
lffi_topointer(lua_State *L, lffi_state *S, int idx, int *ok)
{
	lffi_cdata *cd;
	*ok = 1;
	(void)S;
	switch (lua_type(L, idx)) {
	case LUA_TNIL:
		return NULL;
	case LUA_TLIGHTUSERDATA:
		return lua_touserdata(L, idx);
	case LUA_TSTRING:
		return (void *)lua_tostring(L, idx);
	case LUA_TUSERDATA:
		cd = lffi_tocdata(L, idx);
		if (cd == NULL)
			return lua_touserdata(L, idx);
		if (cd->flags & CD_CTYPE)
			break;
		switch (cd->ct->unq->kind) {
		case CT_PTR: case CT_FUNC:
			return *(void **)cd->p;
		case CT_ARRAY: case CT_STRUCT: case CT_UNION:
			return cd->p;
		default:
			break;
		}
		break;
	}
	*ok = 0;
	return NULL;
}

/* A numeric view of a Lua value (number, boolean, scalar cdata). */
typedef struct num {
	int kind;		/* 0 none, 1 integer, 2 floating */
	int uns;		/* the integer came from an unsigned 64-bit type */
	int64_t i;
	long double f;
} num;

static num
tonum(lua_State *L, int idx)
{
	num n = { 0 };
	lffi_cdata *cd;
	switch (lua_type(L, idx)) {
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx)) {
			n.kind = 1;
			n.i = lua_tointeger(L, idx);
		} else {
			n.kind = 2;
			n.f = lua_tonumber(L, idx);
		}
		break;
	case LUA_TBOOLEAN:
		n.kind = 1;
		n.i = lua_toboolean(L, idx);
		break;
	case LUA_TUSERDATA:
		cd = lffi_tocdata(L, idx);
		if (cd == NULL || (cd->flags & CD_CTYPE))
			break;
		switch (cd->ct->unq->kind) {
		case CT_INT:
			n.kind = 1;
			n.i = readint(cd->ct->unq, cd->p);
			n.uns = cd->ct->unq->size == 8 && (cd->ct->unq->flags & CTF_UNSIGNED);
			break;
		case CT_ENUM:
			n.kind = 1;
			n.i = readint(cd->ct->unq->base, cd->p);
			break;
		case CT_BOOL:
			n.kind = 1;
			n.i = *(uint8_t *)cd->p != 0;
			break;
		case CT_FLOAT:
			n.kind = 2;
			n.f = readfloat(cd->ct->unq, cd->p);
			break;
		default:
			break;
		}
		break;
	}
	return n;
}

int64_t
lffi_toint64(lua_State *L, lffi_state *S, int idx, int *isunsigned, int *ok)
{
	num n = tonum(L, idx);
	(void)S;
	*ok = n.kind != 0;
	*isunsigned = n.uns;
	if (n.kind == 2)
		return lffi_num2i64((lua_Number)n.f);
	return n.i;
}

static int
isbyteptr(lffi_ctype *pt)
{
	lffi_ctype *b = pt->base->unq;
	return b->kind == CT_VOID || ((b->kind == CT_INT || b->kind == CT_BOOL) && b->size == 1);
}

#define QUALS (CTF_CONST | CTF_VOLATILE)

/*
 * The element type of pointer or array ct, unqualified and with enums resolved to their
 * integer type; its qualifiers (and an array's own) are or'ed into *qual.
 */
static lffi_ctype *
childqual(lffi_ctype *ct, int *qual)
{
	lffi_ctype *c = ct->base;
	*qual |= (ct->flags | c->flags) & QUALS;
	c = c->unq;
	while (c->kind == CT_ENUM) {
		*qual |= c->base->flags & QUALS;
		c = c->base->unq;
	}
	return c;
}

/*
 * LuaJIT's test for an implicit conversion to pointer type d from s (a pointer, an array, a
 * struct/union designating itself, or a function designating itself): void * on either side,
 * no qualifier of the pointee dropped, pointees of the same kind and size (signedness and
 * plain char do not count; bool and floating point do), the very same struct/union, and one
 * level down (same != 0) identical qualifiers and compatible pointees again.
 */
static int
compatptr(lffi_ctype *d, lffi_ctype *s, int same)
{
	int dq = 0, sq = 0;

	d = d->unq;
	s = s->unq;
	if (d == s)
		return 1;
	d = childqual(d, &dq);
	if (s->kind != CT_STRUCT && s->kind != CT_UNION && s->kind != CT_FUNC)
		s = childqual(s, &sq);
	if (same) {
		if (dq != sq)
			return 0;
	} else {
		if ((dq & sq) != sq)
			return 0;
		if (d->kind == CT_VOID || s->kind == CT_VOID)
			return 1;
	}
	if (d->kind != s->kind)
		return 0;
	if (d->kind == CT_FUNC)
		return 1;
	if (d->size != s->size)
		return 0;
	if (d->kind == CT_PTR || d->kind == CT_ARRAY)
		return compatptr(d, s, 1);
	if (d->kind == CT_STRUCT || d->kind == CT_UNION)
		return d == s;
	return 1;
}

/* Convert the Lua value at idx to C type ct, storing it at p. */
void
lffi_fromlua(lua_State *L, lffi_state *S, lffi_ctype *ct, void *p, int idx, int iscast,
    const char *what)
{
	lffi_ctype *u = ct->unq;
	lffi_cdata *cd;
	num n;
	int t = lua_type(L, idx);

	switch (u->kind) {
	case CT_INT: case CT_BOOL: case CT_FLOAT: case CT_ENUM:
		n = tonum(L, idx);
		if (n.kind == 0) {
			if (iscast && (t == LUA_TUSERDATA || t == LUA_TLIGHTUSERDATA || t == LUA_TNIL) &&
			    u->kind == CT_INT) {
				int ok;
				lffi_cdata *src = lffi_tocdata(L, idx);
				void *ptr = (src && (src->ct->unq->kind == CT_STRUCT ||
				    src->ct->unq->kind == CT_UNION)) ? (ok = 0, NULL) :
				    lffi_topointer(L, S, idx, &ok);
				if (ok) {
					n.kind = 1;
					n.i = (int64_t)(intptr_t)ptr;
				}
			} else if (t == LUA_TSTRING && u->kind == CT_ENUM) {
				int64_t v;
				int ok;
				lua_rawgeti(L, LUA_REGISTRYINDEX, S->ref_consts);
				lua_pushvalue(L, idx);
				lua_rawget(L, -2);
				v = lua_tointegerx(L, -1, &ok);
				lua_pop(L, 2);
				if (!ok)
					luaL_error(L, "invalid value '%s' for enum", lua_tostring(L, idx));
				n.kind = 1;
				n.i = v;
			}
			if (n.kind == 0)
				lffi_convert_error(L, idx, ct, what);
		}
		if (u->kind == CT_FLOAT)
			writefloat(u, p, n.kind == 2 ? n.f :
			    n.uns ? (long double)(uint64_t)n.i : (long double)n.i);
		else if (u->kind == CT_BOOL)
			*(uint8_t *)p = n.kind == 2 ? n.f != 0 : n.i != 0;
		else
			writeint(u->kind == CT_ENUM ? u->base : u, p,
			    n.kind == 2 ? lffi_num2i64((lua_Number)n.f) : n.i);
		return;
	case CT_PTR: {
		void *v = NULL;
		int ok = 0;
		switch (t) {
		case LUA_TNIL: case LUA_TLIGHTUSERDATA:
			v = lua_touserdata(L, idx);
			ok = 1;
			break;
		case LUA_TSTRING:
			if (isbyteptr(u) || iscast) {
				v = (void *)lua_tostring(L, idx);
				ok = 1;
			}
			break;
		case LUA_TNUMBER:
			if (iscast) {
				n = tonum(L, idx);
				v = (void *)(intptr_t)(n.kind == 2 ? lffi_num2i64((lua_Number)n.f) : n.i);
				ok = 1;
			}
			break;
		case LUA_TFUNCTION:
			if (u->base->unq->kind == CT_FUNC) {
				v = lffi_callback_new(L, S, u->base->unq, idx);
				ok = 1;
			}
			break;
		case LUA_TUSERDATA:
			cd = lffi_tocdata(L, idx);
			if (cd == NULL) {
				v = lua_touserdata(L, idx);
				ok = 1;
			} else if (!(cd->flags & CD_CTYPE)) {
				int k = cd->ct->unq->kind;
				if (k == CT_INT || k == CT_ENUM || k == CT_BOOL) {
					if (iscast) {
						n = tonum(L, idx);
						v = (void *)(intptr_t)n.i;
						ok = 1;
					}
				} else if (iscast || compatptr(u, cd->ct, 0))
					v = lffi_topointer(L, S, idx, &ok);
			}
			break;
		default:
			break;
		}
		if (!ok)
			lffi_convert_error(L, idx, ct, what);
		memcpy(p, &v, sizeof(v));
		return;
	}
	case CT_FUNC:
		lffi_convert_error(L, idx, ct, what);
		return;
	case CT_STRUCT: case CT_UNION: case CT_ARRAY:
		cd = lffi_tocdata(L, idx);
		if (cd != NULL && !(cd->flags & CD_CTYPE) && lffi_sametype(cd->ct, u)) {
			memmove(p, cd->p, u->size);
			return;
		}
		if (t == LUA_TTABLE || (u->kind == CT_ARRAY && t == LUA_TSTRING)) {
			memset(p, 0, u->size);
			lffi_init(L, S, u, p, u->size, idx, 1);
			return;
		}
		lffi_convert_error(L, idx, ct, what);
		return;
	default:
		lffi_convert_error(L, idx, ct, what);
	}
}

/* Bit-field access: the field's bits start at bit `bitpos` of the bytes at p. */
static uint64_t
getbits(const void *p, int bitpos, int bitsize)
{
	unsigned __int128 w = 0;
	memcpy(&w, p, (size_t)(bitpos + bitsize + 7) / 8);
	w >>= bitpos;
	return bitsize == 64 ? (uint64_t)w : (uint64_t)w & (((uint64_t)1 << bitsize) - 1);
}

static void
setbits(void *p, int bitpos, int bitsize, uint64_t v)
{
	unsigned __int128 w = 0, m;
	size_t n = (size_t)(bitpos + bitsize + 7) / 8;
	memcpy(&w, p, n);
	m = (bitsize == 64 ? (unsigned __int128)UINT64_MAX : (((unsigned __int128)1 << bitsize) - 1))
	    << bitpos;
	w = (w & ~m) | (((unsigned __int128)v << bitpos) & m);
	memcpy(p, &w, n);
}

LFFI_HIDDEN void lffi_getfield(lua_State *L, lffi_state *S, lffi_field *f, char *base, int owner);
LFFI_HIDDEN void lffi_setfield(lua_State *L, lffi_state *S, lffi_field *f, char *base, int idx);

/* base points at the field's storage unit (struct start + accumulated offset). */
void
lffi_getfield(lua_State *L, lffi_state *S, lffi_field *f, char *base, int owner)
{
	if (f->bitsize >= 0) {
		lffi_ctype *u = f->type->unq;
		uint64_t v = getbits(base, f->bitpos, f->bitsize);
		if (u->kind == CT_ENUM)
			u = u->base;
		if (u->kind == CT_BOOL) {
			lua_pushboolean(L, v != 0);
			return;
		}
		if (!(u->flags & CTF_UNSIGNED) && f->bitsize > 0 && f->bitsize < 64 &&
		    (v >> (f->bitsize - 1)) & 1)
			v |= ~(((uint64_t)1 << f->bitsize) - 1);
		if (u->size == 8 && (u->flags & CTF_UNSIGNED) && (int64_t)v < 0) {
			lffi_cdata *cd = lffi_newcdata(L, S, u, 8);
			memcpy(cd->p, &v, 8);
		} else
			lua_pushinteger(L, (lua_Integer)(int64_t)v);
		return;
	}
	lffi_tolua(L, S, f->type, base, owner);
}

void
lffi_setfield(lua_State *L, lffi_state *S, lffi_field *f, char *base, int idx)
{
	if (f->bitsize >= 0) {
		uint64_t v = 0;
		lffi_ctype *u = f->type->unq;
		lffi_fromlua(L, S, u->kind == CT_ENUM ? u->base : u, &v, idx, 0, NULL);
		if (u->kind == CT_BOOL)
			v = v != 0;
		setbits(base, f->bitpos, f->bitsize, v);
		return;
	}
	lffi_fromlua(L, S, f->type, base, idx, 0, NULL);
}

static void
too_many(lua_State *L, lffi_ctype *ct)
{
	lffi_typename(L, ct, 0);
	luaL_error(L, "too many initializers for '%s'", lua_tostring(L, -1));
}

/* Initialise one element/member from the Lua value at idx (memory already zeroed). */
static void
init_one(lua_State *L, lffi_state *S, lffi_ctype *ct, void *p, int idx)
{
	int k = ct->unq->kind;
	if ((k == CT_STRUCT || k == CT_UNION || k == CT_ARRAY) &&
	    (lua_type(L, idx) == LUA_TTABLE || lua_type(L, idx) == LUA_TSTRING))
		lffi_init(L, S, ct->unq, p, ct->unq->size, idx, 1);
	else
		lffi_fromlua(L, S, ct, p, idx, 0, NULL);
}

static int
init_named(lua_State *L, lffi_state *S, lffi_ctype *st, char *p, int tidx)
{
	int i, any = 0;
	for (i = 0; i < st->nfields; i++) {
		lffi_field *f = &st->fields[i];
		if (f->name == NULL) {
			if (f->type->unq->kind == CT_STRUCT || f->type->unq->kind == CT_UNION)
				any |= init_named(L, S, f->type->unq, p + f->offset, tidx);
			continue;
		}
		lua_getfield(L, tidx, f->name);
		if (!lua_isnil(L, -1)) {
			if (f->bitsize >= 0)
				lffi_setfield(L, S, f, p + f->offset, lua_gettop(L));
			else
				init_one(L, S, f->type, p + f->offset, lua_gettop(L));
			any = 1;
		}
		lua_pop(L, 1);
	}
	return any;
}

static void
init_field(lua_State *L, lffi_state *S, lffi_field *f, char *p, size_t size, int idx)
{
	lffi_ctype *ft = f->type->unq;
	if (ft->kind == CT_ARRAY && (ft->flags & (CTF_VLA | CTF_FLEX))) {
		/* The variable part of a VLS: as many elements as the instance holds. */
		if (size > f->offset)
			lffi_init(L, S, ft, p + f->offset, size - f->offset, idx, 1);
		return;
	}
	if (f->bitsize >= 0)
		lffi_setfield(L, S, f, p + f->offset, idx);
	else
		init_one(L, S, f->type, p + f->offset, idx);
}

/*
 * Initialise zeroed memory p (size bytes, type ct) from n Lua values at idx.. by LuaJIT's
 * initializer rules: scalars take one value; arrays take one value per element, a single
 * scalar replicated to every element, a table (from [0] if present, else [1]) or a string
 * for byte arrays; structs take one value per member, or a table by member names or, when
 * t[1] is present, by position; unions initialise their first member. Missing values stay 0.
 */
void
lffi_init(lua_State *L, lffi_state *S, lffi_ctype *ct, void *p, size_t size, int idx, int n)
{
	lffi_ctype *u = ct->unq;
	int i;

	if (n == 0)
		return;
	luaL_checkstack(L, 8, "initializer too deep");
	switch (u->kind) {
	case CT_ARRAY: {
		lffi_ctype *et = u->base->unq;
		size_t esz = et->size, count = esz ? size / esz : 0, j;
		lffi_cdata *cd = lffi_tocdata(L, idx);
		if (n == 1 && lua_type(L, idx) == LUA_TSTRING && (et->kind == CT_INT ||
		    et->kind == CT_BOOL) && esz == 1) {
			size_t len;
			const char *s = lua_tolstring(L, idx, &len);
			/* As LuaJIT: a longer string is cut to the array's size. */
			memcpy(p, s, len < count ? len : count);
			return;
		}
		if (n == 1 && cd != NULL && !(cd->flags & CD_CTYPE) &&
		    cd->ct->unq->kind == CT_ARRAY && lffi_sametype(cd->ct->unq->base, et)) {
			memcpy(p, cd->p, cd->size < size ? cd->size : size);
			return;
		}
		if (n == 1 && lua_type(L, idx) == LUA_TTABLE) {
			int start;
			lua_rawgeti(L, idx, 0);
			start = lua_isnil(L, -1) ? 1 : 0;
			lua_pop(L, 1);
			for (j = 0;; j++) {
				lua_rawgeti(L, idx, (lua_Integer)j + start);
				if (lua_isnil(L, -1)) {
					lua_pop(L, 1);
					break;
				}
				if (j >= count)
					too_many(L, u);
				init_one(L, S, et, (char *)p + j * esz, lua_gettop(L));
				lua_pop(L, 1);
			}
			return;
		}
		if (n == 1) {
			for (j = 0; j < count; j++)
				init_one(L, S, et, (char *)p + j * esz, idx);
			return;
		}
		if ((size_t)n > count)
			too_many(L, u);
		for (i = 0; i < n; i++)
			init_one(L, S, et, (char *)p + (size_t)i * esz, idx + i);
		return;
	}
	case CT_STRUCT: case CT_UNION: {
		lffi_cdata *cd = lffi_tocdata(L, idx);
		if (n == 1 && cd != NULL && !(cd->flags & CD_CTYPE) && lffi_sametype(cd->ct, u)) {
			memcpy(p, cd->p, cd->size < size ? cd->size : size);
			return;
		}
		if (n == 1 && lua_type(L, idx) == LUA_TTABLE) {
			int positional;
			lua_rawgeti(L, idx, 1);
			positional = !lua_isnil(L, -1);
			lua_pop(L, 1);
			if (!positional) {
				init_named(L, S, u, p, idx);
				return;
			}
			for (i = 0; i < u->nfields; i++) {
				if (u->kind == CT_UNION && i > 0)
					break;
				lua_rawgeti(L, idx, i + 1);
				if (lua_isnil(L, -1)) {
					lua_pop(L, 1);
					return;
				}
				init_field(L, S, &u->fields[i], p, size, lua_gettop(L));
				lua_pop(L, 1);
			}
			lua_rawgeti(L, idx, i + 1);
			if (!lua_isnil(L, -1))
				too_many(L, u);
			lua_pop(L, 1);
			return;
		}
		if (n > u->nfields || (u->kind == CT_UNION && n > 1))
			too_many(L, u);
		for (i = 0; i < n; i++)
			init_field(L, S, &u->fields[i], p, size, idx + i);
		return;
	}
	default:
		if (n > 1)
			too_many(L, u);
		lffi_fromlua(L, S, ct, p, idx, 0, NULL);
	}
}
