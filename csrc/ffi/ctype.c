/*
 * Type system: creation and interning of ctypes, GCC's struct layout, type names, libffi
 * type descriptions.
 *
 * Layout follows the SysV x86_64 and AAPCS64 rules as GCC applies them:
 * - a member is placed at the next multiple of its alignment (1 inside a packed struct,
 *   unless the member itself carries aligned(n)); the struct's alignment is the largest
 *   member alignment, raised by aligned(n); its size is rounded up to that alignment;
 * - a bit-field of declared type T goes at the current bit position unless it would straddle
 *   a T-aligned unit, in which case it starts at the next such unit (packed structs never
 *   skip); a named bit-field raises the struct's alignment to T's, an unnamed one does not;
 *   a zero-width bit-field advances to the next T-aligned unit;
 * - a flexible ([]) or variable ([?]) last member has size 0 and only contributes alignment;
 * - a union's size is its largest member rounded up to its alignment.
 */
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include "lffi.h"

struct arena_blk {
	struct arena_blk *next;
	max_align_t data[];
};

void *
lffi_alloc(lffi_state *S, size_t n)
{
	struct arena_blk *b = calloc(1, sizeof(*b) + n);
	if (b == NULL)
		return NULL;
	b->next = S->arena;
	S->arena = b;
	return b->data;
}

char *
lffi_strdup(lffi_state *S, const char *s, size_t n)
{
	char *d = lffi_alloc(S, n + 1);
	if (d != NULL) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

lffi_ctype *
lffi_newtype(lua_State *L, lffi_state *S, int kind)
{
	lffi_ctype *ct;

	/* Types live as long as the state (as in LuaJIT, which stops at 64K types): bound them
	 * so a program making type strings in a loop fails cleanly instead of eating memory. */
	if (S->nextid >= LFFI_MAXTYPES)
		luaL_error(L, "too many C types (at most %d)", LFFI_MAXTYPES);
	ct = calloc(1, sizeof(*ct));
	if (ct == NULL)
		luaL_error(L, "out of memory");
	ct->kind = kind;
	ct->unq = ct;
	ct->id = ++S->nextid;
	ct->next_all = S->all;
	S->all = ct;
	return ct;
}

void
lffi_freeall(lffi_state *S)
{
	lffi_ctype *ct, *nct;
	struct arena_blk *b, *nb;

	for (ct = S->all; ct != NULL; ct = nct) {
		nct = ct->next_all;
		if (ct->ffitype != NULL && ct->ffitype->type == FFI_TYPE_STRUCT)
			free(ct->ffitype->elements);
		free(ct->ffitype);
		free(ct->cif);
		free(ct);
	}
	S->all = NULL;
	for (b = S->arena; b != NULL; b = nb) {
		nb = b->next;
		free(b);
	}
	S->arena = NULL;
}

static lffi_ctype *
mkscalar(lua_State *L, lffi_state *S, int kind, const char *name, size_t size, size_t align, int flags)
{
	lffi_ctype *ct = lffi_newtype(L, S, kind);
	ct->name = name;
	ct->size = size;
	ct->align = align;
	ct->flags = flags | CTF_COMPLETE;
	return ct;
}

void
lffi_initbuiltins(lua_State *L, lffi_state *S)
{
	S->t_void = mkscalar(L, S, CT_VOID, "void", 0, 1, 0);
	S->t_bool = mkscalar(L, S, CT_BOOL, "bool", 1, 1, CTF_UNSIGNED);
	S->t_char = mkscalar(L, S, CT_INT, "char", 1, 1, CTF_CHAR | (CHAR_MIN == 0 ? CTF_UNSIGNED : 0));
	S->t_i8 = mkscalar(L, S, CT_INT, "char", 1, 1, 0);
	S->t_u8 = mkscalar(L, S, CT_INT, "unsigned char", 1, 1, CTF_UNSIGNED);
	S->t_i16 = mkscalar(L, S, CT_INT, "short", 2, 2, 0);
	S->t_u16 = mkscalar(L, S, CT_INT, "unsigned short", 2, 2, CTF_UNSIGNED);
	S->t_i32 = mkscalar(L, S, CT_INT, "int", 4, 4, 0);
	S->t_u32 = mkscalar(L, S, CT_INT, "unsigned int", 4, 4, CTF_UNSIGNED);
	S->t_i64 = mkscalar(L, S, CT_INT, "int64_t", 8, _Alignof(int64_t), 0);
	S->t_u64 = mkscalar(L, S, CT_INT, "uint64_t", 8, _Alignof(uint64_t), CTF_UNSIGNED);
	S->t_float = mkscalar(L, S, CT_FLOAT, "float", 4, 4, 0);
	S->t_double = mkscalar(L, S, CT_FLOAT, "double", 8, _Alignof(double), 0);
	S->t_ldouble = mkscalar(L, S, CT_FLOAT, "long double", sizeof(long double),
	    _Alignof(long double), CTF_LDOUBLE);
	S->t_voidp = lffi_ptr(L, S, S->t_void);
	S->t_cvoidp = lffi_ptr(L, S, lffi_qualify(L, S, S->t_void, CTF_CONST));
	S->t_ccharp = lffi_ptr(L, S, lffi_qualify(L, S, S->t_char, CTF_CONST));
}

lffi_ctype *
lffi_intof(lffi_state *S, size_t size, int isunsigned)
{
	switch (size) {
	case 1: return isunsigned ? S->t_u8 : S->t_i8;
	case 2: return isunsigned ? S->t_u16 : S->t_i16;
	case 4: return isunsigned ? S->t_u32 : S->t_i32;
	default: return isunsigned ? S->t_u64 : S->t_i64;
	}
}

/* `const T` / `volatile T`: interned for const, fresh for the rarer volatile. */
lffi_ctype *
lffi_qualify(lua_State *L, lffi_state *S, lffi_ctype *ct, int quals)
{
	lffi_ctype *q;
	int want = (ct->flags & (CTF_CONST | CTF_VOLATILE)) | (quals & (CTF_CONST | CTF_VOLATILE));

	if (want == (ct->flags & (CTF_CONST | CTF_VOLATILE)))
		return ct;
	ct = ct->unq;
	if (want == CTF_CONST && ct->constv != NULL)
		return ct->constv;
	q = lffi_newtype(L, S, ct->kind);
	if (q == NULL)
		return NULL;
	*q = (lffi_ctype){ .kind = ct->kind, .flags = (ct->flags & ~(CTF_CONST | CTF_VOLATILE)) | want,
	    .size = ct->size, .align = ct->align, .base = ct->base, .unq = ct, .nelem = ct->nelem,
	    .depth = ct->depth,
	    .name = ct->name, .fields = ct->fields, .nfields = ct->nfields, .id = q->id,
	    .next_all = q->next_all };
	if (want == CTF_CONST)
		ct->constv = q;
	return q;
}

lffi_ctype *
lffi_ptr(lua_State *L, lffi_state *S, lffi_ctype *ct)
{
	lffi_ctype *p;

	if (ct->ptrto != NULL)
		return ct->ptrto;
	if (ct->depth >= LFFI_MAXDEPTH)
		luaL_error(L, "C type nested too deeply (at most %d levels)", LFFI_MAXDEPTH);
	p = lffi_newtype(L, S, CT_PTR);
	p->depth = ct->depth + 1;
	if (p == NULL)
		return NULL;
	p->size = sizeof(void *);
	p->align = _Alignof(void *);
	p->base = ct;
	p->flags = CTF_COMPLETE | CTF_UNSIGNED;
	ct->ptrto = p;
	return p;
}

/* `T[n]`, `T[?]` (flags CTF_VLA) or `T[]` (CTF_FLEX). The element must be complete. */
lffi_ctype *
lffi_array(lua_State *L, lffi_state *S, lffi_ctype *elem, size_t n, int flags)
{
	lffi_ctype *a;

	flags &= CTF_VLA | CTF_FLEX;
	if (flags)
		n = 0;
	/* Interned in a table keyed "element:count:flags" (a list per element type would make
	 * programs that build many array sizes quadratic). */
	lua_rawgeti(L, LUA_REGISTRYINDEX, S->ref_arrays);
	lua_pushfstring(L, "%p:%I:%d", (void *)elem, (lua_Integer)n, flags);
	lua_pushvalue(L, -1);
	lua_rawget(L, -3);
	a = lua_touserdata(L, -1);
	lua_pop(L, 1);
	if (a != NULL) {
		lua_pop(L, 2);
		return a;
	}
	if (elem->depth >= LFFI_MAXDEPTH)
		luaL_error(L, "C type nested too deeply (at most %d levels)", LFFI_MAXDEPTH);
	a = lffi_newtype(L, S, CT_ARRAY);
	a->depth = elem->depth + 1;
	lua_pushlightuserdata(L, a);
	lua_rawset(L, -3);
	lua_pop(L, 1);
	if (a == NULL)
		return NULL;
	a->base = elem;
	a->nelem = flags ? 0 : n;
	a->align = elem->unq->align;
	a->size = flags ? 0 : n * elem->unq->size;
	a->flags = CTF_COMPLETE | flags;
	return a;
}

/* Size of an instance of a VLA/VLS with n elements in its variable part. */
size_t
lffi_vsize(lffi_ctype *ct, size_t n)
{
	ct = ct->unq;
	if (ct->kind == CT_ARRAY && (ct->flags & CTF_VLA))
		return n * ct->base->unq->size;
	if ((ct->kind == CT_STRUCT || ct->kind == CT_UNION) && (ct->flags & CTF_VLS)) {
		lffi_field *last = &ct->fields[ct->nfields - 1];
		/* As LuaJIT: the fixed part plus n elements, not rounded to the alignment. */
		return last->offset + n * last->type->unq->base->unq->size;
	}
	return ct->size;
}

static size_t
alignup(size_t v, size_t a)
{
	return (v + a - 1) / a * a;
}

/*
 * Lay out a struct or union whose fields have been filled in (offset holds each field's own
 * aligned(n) request, 0 if none; bitsize -1 or the width). extra_align is the struct's own
 * aligned(n). Returns 0, or -1 with an error message pushed.
 */
int
lffi_layout(lua_State *L, lffi_state *S, lffi_ctype *ct, size_t extra_align)
{
	size_t bits = 0;	/* struct: current position in bits */
	size_t maxsize = 0, align = 1;
	int packed = (ct->flags & CTF_PACKED) != 0;
	int i;

	(void)S;
	for (i = 0; i < ct->nfields; i++) {
		lffi_field *f = &ct->fields[i];
		lffi_ctype *ft = f->type->unq;
		size_t fa = packed ? 1 : ft->align, req = f->offset, fsz = ft->size;

		f->namelen = f->name ? strlen(f->name) : 0;
		if (ft->depth >= LFFI_MAXDEPTH) {
			lua_pushfstring(L, "C type nested too deeply (at most %d levels)",
			    LFFI_MAXDEPTH);
			return -1;
		}
		if (ft->depth + 1 > ct->depth)
			ct->depth = ft->depth + 1;

		if (req > fa)
			fa = req;
		if (ft->kind == CT_ARRAY && (ft->flags & (CTF_VLA | CTF_FLEX))) {
			if (i != ct->nfields - 1 || ct->kind != CT_STRUCT) {
				lua_pushfstring(L, "flexible array member '%s' is not last",
				    f->name ? f->name : "?");
				return -1;
			}
			if (ft->flags & CTF_VLA)
				ct->flags |= CTF_VLS;
		} else if (ft->kind == CT_STRUCT && (ft->flags & CTF_VLS)) {
			ct->flags |= CTF_VLS;
			if (i != ct->nfields - 1) {
				lua_pushstring(L, "variable-length struct member is not last");
				return -1;
			}
		} else if (!(ft->flags & CTF_COMPLETE) || ft->kind == CT_VOID || ft->kind == CT_FUNC) {
			lua_pushfstring(L, "member '%s' has incomplete type", f->name ? f->name : "?");
			return -1;
		}
		if (f->bitsize >= 0) {
			size_t tbits = ft->size * 8, start;
			if (ft->kind != CT_INT && ft->kind != CT_BOOL && ft->kind != CT_ENUM) {
				lua_pushfstring(L, "bit-field '%s' has non-integer type",
				    f->name ? f->name : "?");
				return -1;
			}
			if ((size_t)f->bitsize > tbits) {
				lua_pushfstring(L, "width of bit-field '%s' exceeds its type",
				    f->name ? f->name : "?");
				return -1;
			}
			if (ct->kind == CT_UNION)
				start = 0;
			else if (f->bitsize == 0)
				start = alignup(bits, tbits);
			else if (!packed && bits / tbits != (bits + f->bitsize - 1) / tbits)
				start = alignup(bits, tbits);
			else
				start = bits;
			if (req > 1)
				start = alignup(start, req * 8);
			/* Storage unit: the T-sized, T-aligned slot holding the first bit. For a
			 * packed field that straddles, use bytes from the first bit's byte. */
			if (!packed || (start % tbits) + f->bitsize <= tbits) {
				f->offset = start / tbits * ft->size;
				f->bitpos = (int)(start % tbits);
			} else {
				f->offset = start / 8;
				f->bitpos = (int)(start % 8);
			}
			bits = start + f->bitsize;
			if (f->name != NULL && f->bitsize > 0 && fa > align)
				align = fa;
			if (ct->kind == CT_UNION && alignup(f->bitsize, 8) / 8 > maxsize)
				maxsize = alignup(f->bitsize, 8) / 8;
			continue;
		}
		if (fa > align)
			align = fa;
		if (ct->kind == CT_UNION) {
			f->offset = 0;
			if (fsz > maxsize)
				maxsize = fsz;
		} else {
			size_t off = alignup(alignup(bits, 8) / 8, fa);
			f->offset = off;
			bits = (off + fsz) * 8;
		}
		f->bitpos = 0;
	}
	if (extra_align > align)
		align = extra_align;
	if (ct->kind == CT_UNION)
		ct->size = alignup(maxsize, align);
	else
		ct->size = alignup(alignup(bits, 8) / 8, align);
	ct->align = align;
	ct->flags |= CTF_COMPLETE;
	return 0;
}

/* Find a member by name, looking inside anonymous struct/union members; *off accumulates. */
lffi_field *
lffi_findfield(lffi_ctype *st, const char *name, size_t len, size_t *off)
{
	int i;

	st = st->unq;
	for (i = 0; i < st->nfields; i++) {
		lffi_field *f = &st->fields[i];
		if (f->name != NULL) {
			if (f->namelen == len && f->name[0] == name[0] &&
			    memcmp(f->name, name, len) == 0) {
				*off += f->offset;
				return f;
			}
		} else if (f->type->unq->kind == CT_STRUCT || f->type->unq->kind == CT_UNION) {
			size_t sub = 0;
			lffi_field *r = lffi_findfield(f->type, name, len, &sub);
			if (r != NULL) {
				*off += f->offset + sub;
				return r;
			}
		}
	}
	return NULL;
}

/* Same type, ignoring top-level qualifiers; pointers compare their pointees likewise. */
int
lffi_sametype(lffi_ctype *a, lffi_ctype *b)
{
	int i;

	a = a->unq;
	b = b->unq;
	if (a == b)
		return 1;
	if (a->kind != b->kind)
		return 0;
	switch (a->kind) {
	case CT_PTR:
		return lffi_sametype(a->base, b->base) &&
		    (a->base->flags & (CTF_CONST | CTF_VOLATILE)) ==
		    (b->base->flags & (CTF_CONST | CTF_VOLATILE));
	case CT_ARRAY:
		return a->nelem == b->nelem && (a->flags & CTF_VLA) == (b->flags & CTF_VLA) &&
		    lffi_sametype(a->base, b->base);
	case CT_FUNC:
		if (a->nfields != b->nfields || (a->flags & CTF_VARARG) != (b->flags & CTF_VARARG) ||
		    !lffi_sametype(a->base, b->base))
			return 0;
		for (i = 0; i < a->nfields; i++)
			if (!lffi_sametype(a->fields[i].type, b->fields[i].type))
				return 0;
		return 1;
	default:
		return 0;
	}
}

/*
 * Type names in C declarator syntax, as LuaJIT prints them: "int *", "struct foo",
 * "char [10]", "int (*)(int, char *)", "struct foo &" for references.
 */
/*
 * Built with pushes and lua_concat only: a luaL_Buffer must not share the stack with other
 * pushes (Lua 5.4 keeps its box there), and names nest.
 */
static void
build_name(lua_State *L, lffi_ctype *ct, const char *inner)
{
	char num[32];
	int i, n;

	luaL_checkstack(L, 8, "type name too long");
	switch (ct->kind) {
	case CT_PTR:
		lua_pushfstring(L, "*%s%s", (ct->flags & CTF_CONST) ? "const" : "", inner);
		if (ct->base->kind == CT_ARRAY || ct->base->kind == CT_FUNC) {
			lua_pushfstring(L, "(%s)", lua_tostring(L, -1));
			lua_remove(L, -2);
		}
		build_name(L, ct->base, lua_tostring(L, -1));
		lua_remove(L, -2);
		return;
	case CT_ARRAY:
		if (ct->flags & CTF_VLA)
			lua_pushfstring(L, "%s[?]", inner);
		else if (ct->flags & CTF_FLEX)
			lua_pushfstring(L, "%s[]", inner);
		else {
			snprintf(num, sizeof(num), "%zu", ct->nelem);
			lua_pushfstring(L, "%s[%s]", inner, num);
		}
		build_name(L, ct->base, lua_tostring(L, -1));
		lua_remove(L, -2);
		return;
	case CT_FUNC:
		lua_pushfstring(L, "%s(", inner);
		n = 1;
		for (i = 0; i < ct->nfields; i++) {
			if (i) {
				lua_pushliteral(L, ", ");
				n++;
			}
			lffi_typename(L, ct->fields[i].type, 0);
			n++;
			if (n > 4) {
				lua_concat(L, n);
				n = 1;
			}
		}
		if (ct->flags & CTF_VARARG)
			lua_pushstring(L, ct->nfields ? ", ...)" : "...)");
		else
			lua_pushstring(L, ct->nfields == 0 ? "void)" : ")");
		lua_concat(L, n + 1);
		build_name(L, ct->base, lua_tostring(L, -1));
		lua_remove(L, -2);
		return;
	default:
		break;
	}
	if (ct->name == NULL)
		snprintf(num, sizeof(num), "%d", ct->unq->id);
	lua_pushfstring(L, "%s%s%s%s%s%s",
	    (ct->flags & CTF_CONST) ? "const " : "",
	    (ct->flags & CTF_VOLATILE) ? "volatile " : "",
	    ct->kind == CT_STRUCT ? "struct " : ct->kind == CT_UNION ? "union " :
	    ct->kind == CT_ENUM ? "enum " : "",
	    ct->name != NULL ? ct->name : num, inner[0] ? " " : "", inner);
}

/* Pushes the name of ct (with " &" for a reference). */
void
lffi_typename(lua_State *L, lffi_ctype *ct, int ref)
{
	build_name(L, ct, ref ? "&" : "");
}

/* The libffi description of a scalar, pointer or by-value struct. */
ffi_type *
lffi_ffitype(lua_State *L, lffi_state *S, lffi_ctype *ct)
{
	ffi_type *t;
	lffi_ctype *u = ct->unq;
	int i, n;

	switch (u->kind) {
	case CT_VOID: return &ffi_type_void;
	case CT_BOOL: return &ffi_type_uint8;
	case CT_ENUM: return lffi_ffitype(L, S, u->base);
	case CT_INT:
		switch (u->size) {
		case 1: return (u->flags & CTF_UNSIGNED) ? &ffi_type_uint8 : &ffi_type_sint8;
		case 2: return (u->flags & CTF_UNSIGNED) ? &ffi_type_uint16 : &ffi_type_sint16;
		case 4: return (u->flags & CTF_UNSIGNED) ? &ffi_type_uint32 : &ffi_type_sint32;
		default: return (u->flags & CTF_UNSIGNED) ? &ffi_type_uint64 : &ffi_type_sint64;
		}
	case CT_FLOAT:
		if (u->flags & CTF_LDOUBLE)
			return &ffi_type_longdouble;
		return u->size == 4 ? &ffi_type_float : &ffi_type_double;
	case CT_PTR: case CT_ARRAY: case CT_FUNC:
		return &ffi_type_pointer;
	default:
		break;
	}
	if (u->ffitype != NULL)
		return u->ffitype;
	if (!(u->flags & CTF_COMPLETE) || (u->flags & CTF_VLS))
		luaL_error(L, "cannot pass incomplete or variable-length struct by value");
	/* A struct by value: list members in order; arrays expand to their elements; bit-fields
	 * and unions are described by integer slots covering their bytes. Members are described
	 * first, while nothing is allocated, since that may raise. */
	if (u->kind == CT_STRUCT && !(u->flags & CTF_PACKED))
		for (i = 0; i < u->nfields; i++) {
			lffi_ctype *ft = u->fields[i].type->unq;
			(void)lffi_ffitype(L, S, ft->kind == CT_ARRAY ? ft->base : ft);
		}
	n = 0;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		luaL_error(L, "out of memory");
	{
		size_t cap = 8, k = 0, pos = 0;
		ffi_type **el = malloc(cap * sizeof(*el));
		if (el == NULL) {
			free(t);
			luaL_error(L, "out of memory");
		}
#define PUSH_EL(x) do { if (k + 2 > cap) { ffi_type **ne = realloc(el, (cap *= 2) * sizeof(*el)); \
	if (ne == NULL) { free(el); free(t); luaL_error(L, "out of memory"); } el = ne; } el[k++] = (x); } while (0)
		if (u->kind == CT_UNION || (u->flags & CTF_PACKED)) {
			/* Approximate by the widest natural chunks of the size. */
			size_t a = u->align;
			for (pos = 0; pos < u->size; pos += a) {
				ffi_type *ft = a >= 8 ? &ffi_type_uint64 : a == 4 ? &ffi_type_uint32 :
				    a == 2 ? &ffi_type_uint16 : &ffi_type_uint8;
				/* Union of floats: hardware would use SSE; keep doubles if all members
				 * are doubles of the same size. */
				PUSH_EL(ft);
			}
		} else {
			for (i = 0; i < u->nfields; i++) {
				lffi_field *f = &u->fields[i];
				lffi_ctype *ft = f->type->unq;
				if (f->bitsize >= 0) {
					if (f->offset * 8 + f->bitpos < pos * 8)
						continue;
					PUSH_EL(lffi_ffitype(L, S, ft));
					pos = f->offset + ft->size;
					continue;
				}
				if (ft->kind == CT_ARRAY) {
					size_t j;
					ffi_type *et = lffi_ffitype(L, S, ft->base);
					for (j = 0; j < ft->nelem; j++)
						PUSH_EL(et);
				} else
					PUSH_EL(lffi_ffitype(L, S, ft));
				pos = f->offset + ft->size;
			}
		}
		el[k] = NULL;
		n = (int)k;
		t->type = FFI_TYPE_STRUCT;
		t->elements = el;
	}
	(void)n;
	{
		/* Let libffi compute size/alignment now, then check it agrees with ours. */
		ffi_cif cif;
		if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 0, t, NULL) != FFI_OK || t->size != u->size) {
			free(t->elements);
			free(t);
			luaL_error(L, "cannot pass this struct by value");
		}
	}
	u->ffitype = t;
	return t;
}
