/*
 * lffi: the LuaJIT FFI API for PUC Lua 5.3/5.4 on libffi.
 *
 * One stage per file: ctype.c (type system and GCC layout), parse.c (C declarations),
 * conv.c (Lua <-> C conversions), cdata.c (cdata objects and their metamethods),
 * call.c (C calls, callbacks, library namespaces), ffi.c (the `ffi` table).
 *
 * Invariants:
 * - Every ctype belongs to one lffi_state (one per lua_State that loaded the module) and lives
 *   until that state is closed; ctypes are never freed one by one, so raw pointers to them
 *   may be kept anywhere (cdata headers, caches, other ctypes).
 * - A ctype's qualifiers are part of the ctype: `const int` and `int` are two objects, and
 *   ct->unq always points at the unqualified one (itself when unqualified). Type identity is
 *   pointer equality of ->unq after following typedefs (typedefs are not types).
 * - Integer types of the same width and signedness are one ctype (long == int64_t on LP64),
 *   except plain `char`, which stays distinct for printing and string conversions.
 */
#ifndef LFFI_H
#define LFFI_H

#include <stddef.h>
#include <stdint.h>
#include <ffi.h>
#include <lua.h>
#include <lauxlib.h>

#define LFFI_HIDDEN __attribute__((visibility("hidden")))

#if LUA_VERSION_NUM < 503
#error "lffi needs Lua 5.3 or 5.4"
#endif

enum lffi_kind {
	CT_VOID, CT_BOOL, CT_INT, CT_FLOAT, CT_PTR, CT_ARRAY, CT_STRUCT, CT_UNION, CT_FUNC,
	CT_ENUM
};

#define CTF_CONST	0x0001
#define CTF_VOLATILE	0x0002
#define CTF_UNSIGNED	0x0004	/* integer types */
#define CTF_VLA		0x0008	/* array [?] */
#define CTF_VLS		0x0010	/* struct whose last member is [?] */
#define CTF_VARARG	0x0020	/* function with ... */
#define CTF_PACKED	0x0040	/* struct/union declared packed */
#define CTF_COMPLETE	0x0080	/* struct/union/enum has a body */
#define CTF_CHAR	0x0100	/* plain char */
#define CTF_LDOUBLE	0x0200	/* long double */
#define CTF_FLEX	0x0400	/* array [] (flexible member, size 0) */
#define CTF_META	0x0800	/* struct/union has a metatype (ffi.metatype) */

typedef struct lffi_ctype lffi_ctype;
typedef struct lffi_state lffi_state;

typedef struct lffi_field {
	const char *name;	/* NULL for anonymous members and unnamed parameters */
	lffi_ctype *type;
	size_t offset;		/* bytes from the start of the struct */
	int bitpos;		/* bit-fields: first bit inside the storage unit at offset */
	int bitsize;		/* -1 when not a bit-field */
	size_t namelen;		/* struct members: strlen(name), set by lffi_layout */
} lffi_field;

struct lffi_ctype {
	uint16_t kind;
	uint16_t flags;
	uint16_t depth;		/* derivation depth (pointer/array/function of ...), bounded */
	size_t size;		/* arrays: total; VLA/VLS: fixed part only */
	size_t align;
	lffi_ctype *base;	/* pointee, element, return type, enum's integer type */
	lffi_ctype *unq;	/* unqualified variant */
	size_t nelem;		/* arrays */
	const char *name;	/* builtin name ("int") or struct/union/enum tag */
	lffi_field *fields;	/* struct/union members, function parameters */
	int nfields;
	int id;			/* creation number, for keys and printing */
	lffi_ctype *ptrto;	/* interned `T *` */
	lffi_ctype *constv;	/* interned `const T` */
	ffi_type *ffitype;	/* libffi description, built on first use */
	ffi_cif *cif;		/* functions: prepared on the first call, then reused */
	const char *sym;	/* functions/variables: asm("name") redirection */
	lffi_ctype *next_all;	/* every ctype of the state, for freeing */
};

typedef struct lffi_cdata {
	lffi_ctype *ct;
	void *p;		/* the data: inline after this header, or elsewhere for references */
	size_t size;		/* bytes at p (VLA/VLS instances know their own size) */
	uint32_t flags;
} lffi_cdata;

#define LFFI_MAXTYPES	(1 << 18)	/* ctypes per state */
#define LFFI_MAXOBJ	((size_t)0x7fffffff)	/* largest cdata object, as LuaJIT */
#define LFFI_MAXDEPTH	100		/* pointer-to-array-of-... levels; recursion bound */

#define CD_CTYPE	0x1	/* a ctype object, not a value */
#define CD_REF		0x2	/* p points into another object (a struct field, an element) */
#define CD_CALLBACK	0x4	/* a function pointer made from a Lua function */
#define CD_CLIB		0x8	/* unused */

typedef struct lffi_callback lffi_callback;

struct lffi_state {
	lua_State *L;		/* the thread making the current C call (for callbacks) */
	lffi_ctype *all;
	void *arena;
	int nextid;
	int cerrno;
	int ncache;		/* entries in the type-string cache */		/* errno right after the last C call through the FFI */
	lffi_callback *cbs;
	int ref_mt, ref_mtgc, ref_typedefs, ref_tags, ref_consts, ref_syms, ref_metatypes,
	    ref_cache, ref_arrays, ref_tonumber;
	/* builtin types */
	lffi_ctype *t_void, *t_bool, *t_char, *t_i8, *t_u8, *t_i16, *t_u16, *t_i32, *t_u32,
	    *t_i64, *t_u64, *t_float, *t_double, *t_ldouble, *t_voidp, *t_cvoidp, *t_ccharp;
	/* the error of a Lua callback, re-raised after the C call returns */
	int cb_error;
};

/* ctype.c */
LFFI_HIDDEN void *lffi_alloc(lffi_state *S, size_t n);
LFFI_HIDDEN char *lffi_strdup(lffi_state *S, const char *s, size_t n);
LFFI_HIDDEN lffi_ctype *lffi_newtype(lua_State *L, lffi_state *S, int kind);
LFFI_HIDDEN void lffi_initbuiltins(lua_State *L, lffi_state *S);
LFFI_HIDDEN void lffi_freeall(lffi_state *S);
LFFI_HIDDEN lffi_ctype *lffi_qualify(lua_State *L, lffi_state *S, lffi_ctype *ct, int quals);
LFFI_HIDDEN lffi_ctype *lffi_ptr(lua_State *L, lffi_state *S, lffi_ctype *ct);
LFFI_HIDDEN lffi_ctype *lffi_array(lua_State *L, lffi_state *S, lffi_ctype *elem, size_t n, int flags);
LFFI_HIDDEN int lffi_layout(lua_State *L, lffi_state *S, lffi_ctype *ct, size_t extra_align);
LFFI_HIDDEN lffi_ctype *lffi_intof(lffi_state *S, size_t size, int isunsigned);
LFFI_HIDDEN void lffi_typename(lua_State *L, lffi_ctype *ct, int ref);
LFFI_HIDDEN ffi_type *lffi_ffitype(lua_State *L, lffi_state *S, lffi_ctype *ct);
LFFI_HIDDEN size_t lffi_vsize(lffi_ctype *ct, size_t n);
LFFI_HIDDEN int lffi_sametype(lffi_ctype *a, lffi_ctype *b);
LFFI_HIDDEN lffi_field *lffi_findfield(lffi_ctype *st, const char *name, size_t len,
    size_t *off);

/* parse.c */
#define PARSE_CDEF	0	/* a list of declarations */
#define PARSE_TYPE	1	/* one abstract declarator (ffi.typeof, ffi.new ...) */
LFFI_HIDDEN lffi_ctype *lffi_parse(lua_State *L, lffi_state *S, const char *src, int mode,
    int argbase, int nargs);

/* conv.c */
LFFI_HIDDEN void lffi_tolua(lua_State *L, lffi_state *S, lffi_ctype *ct, void *p, int owner);
LFFI_HIDDEN void lffi_fromlua(lua_State *L, lffi_state *S, lffi_ctype *ct, void *p, int idx,
    int iscast, const char *what);
LFFI_HIDDEN void lffi_init(lua_State *L, lffi_state *S, lffi_ctype *ct, void *p, size_t size,
    int idx, int n);
LFFI_HIDDEN int64_t lffi_toint64(lua_State *L, lffi_state *S, int idx, int *isunsigned,
    int *ok);
LFFI_HIDDEN void lffi_convert_error(lua_State *L, int idx, lffi_ctype *ct, const char *what);
LFFI_HIDDEN int64_t lffi_num2i64(lua_Number d);
LFFI_HIDDEN void *lffi_topointer(lua_State *L, lffi_state *S, int idx, int *ok);

/* cdata.c */
LFFI_HIDDEN lffi_cdata *lffi_newcdata(lua_State *L, lffi_state *S, lffi_ctype *ct, size_t size);
LFFI_HIDDEN lffi_cdata *lffi_newref(lua_State *L, lffi_state *S, lffi_ctype *ct, void *p,
    int owner);
LFFI_HIDDEN void lffi_pushctype(lua_State *L, lffi_state *S, lffi_ctype *ct);
LFFI_HIDDEN lffi_cdata *lffi_tocdata(lua_State *L, int idx);
LFFI_HIDDEN lffi_ctype *lffi_checkctype(lua_State *L, lffi_state *S, int idx, int *nargs);
LFFI_HIDDEN void lffi_openmeta(lua_State *L, lffi_state *S);
LFFI_HIDDEN int lffi_getmeta(lua_State *L, lffi_state *S, lffi_ctype *ct, const char *mm);
LFFI_HIDDEN int lffi_cdata_new(lua_State *L, lffi_state *S, lffi_ctype *ct, int first, int top);

/* call.c */
LFFI_HIDDEN int lffi_call(lua_State *L, lffi_state *S, lffi_cdata *cd, int first);
LFFI_HIDDEN void *lffi_callback_new(lua_State *L, lffi_state *S, lffi_ctype *ft, int fidx);
LFFI_HIDDEN lffi_callback *lffi_callback_find(lffi_state *S, void *code);
LFFI_HIDDEN void lffi_callback_free(lua_State *L, lffi_state *S, lffi_callback *cb);
LFFI_HIDDEN void lffi_callback_set(lua_State *L, lffi_state *S, lffi_callback *cb, int fidx);
LFFI_HIDDEN void lffi_callback_freeall(lffi_state *S);
LFFI_HIDDEN void lffi_openclib(lua_State *L, lffi_state *S);
LFFI_HIDDEN int lffi_load(lua_State *L);

/* Qualifier-free view of a type. */
static inline lffi_ctype *
lffi_unq(lffi_ctype *ct)
{
	return ct->unq;
}

static inline lffi_state *
lffi_S(lua_State *L)
{
	return (lffi_state *)lua_touserdata(L, lua_upvalueindex(1));
}

#endif
