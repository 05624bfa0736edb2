/*
 * C declaration parser: what ffi.cdef and the type strings of ffi.new/typeof/cast accept.
 *
 * A hand-written recursive-descent parser over a tiny lexer. Declarators are parsed the way
 * C reads them, inside out: for `int *(*f)[3]` the pointer prefix applies to the base type,
 * then the suffixes ([3]) apply, and only then the parenthesised inner declarator (*f); the
 * parser skips the parenthesised part, parses the suffixes, and comes back to it.
 *
 * Names live in Lua tables of the state: typedefs (name -> ctype), tags (struct/union/enum
 * tags -> ctype), consts (enum constants and `static const` -> integer), syms (functions and
 * variables -> decl). Any error raises a Lua error "<message> near '<token>'"; what was
 * declared before the error stays declared (ctypes are owned by the state, so nothing leaks
 * past its close).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lffi.h"

enum {
	TK_EOF = 256, TK_NAME, TK_NUM, TK_STR, TK_ELLIPSIS, TK_SHL, TK_SHR, TK_LE, TK_GE, TK_EQ,
	TK_NE, TK_AND, TK_OR, TK_ARROW
};

typedef struct lex {
	const char *p;		/* next character */
	int tok;
	const char *ts;		/* token text */
	size_t tl;
	int64_t val;		/* TK_NUM */
	int uns;		/* TK_NUM: unsigned suffix or too big for int64 */
} lex;

typedef struct P {
	lua_State *L;
	lffi_state *S;
	const char *src;
	lex x;
	int argbase, nargs, argn;
	int mode;		/* PARSE_CDEF or PARSE_TYPE */
	int depth;		/* recursion depth, bounded so hostile input cannot overflow the C stack */
	struct defining *defs;	/* struct/union bodies being parsed, innermost first */
} P;

/* A struct/union whose body is being parsed: a nested body for the same type would make
 * it contain itself (LuaJIT: "attempt to redefine"). */
struct defining {
	const lffi_ctype *ct;
	struct defining *up;
};

#define MAXDEPTH 200

/* What a declaration carries besides its type. */
typedef struct dspec {
	lffi_ctype *type;
	int storage;		/* 0, 't'ypedef, 's'tatic, 'e'xtern */
	int quals;
	size_t align;		/* aligned(n) */
	int packed;
	const char *asmname;
} dspec;

typedef struct lffi_decl {
	lffi_ctype *ct;
	const char *sym;
} lffi_decl;

static lffi_ctype *declarator(P *P, lffi_ctype *base, const char **name, dspec *ds);
static lffi_ctype *declarator1(P *P, lffi_ctype *base, const char **name, dspec *ds);
static int64_t expr(P *P, int *uns);
static lffi_ctype *typename_(P *P);
static void declspec(P *P, dspec *ds, int allow_storage);

static void
perr(P *P, const char *msg)
{
	if (P->x.tok == TK_EOF)
		luaL_error(P->L, "%s near '<eof>'", msg);
	luaL_error(P->L, "%s near '%s'", msg,
	    lua_pushlstring(P->L, P->x.ts, P->x.tl > 40 ? 40 : P->x.tl));
	for (;;);
}

static void perr(P *P, const char *msg) __attribute__((noreturn));

static void
enter(P *P)
{
	if (++P->depth > MAXDEPTH)
		perr(P, "declaration or expression nested too deeply");
}

static void
next(P *P)
{
	lex *x = &P->x;
	const char *p = x->p;

again:
	while (isspace((unsigned char)*p))
		p++;
	if (p[0] == '/' && p[1] == '*') {
		const char *e = strstr(p + 2, "*/");
		if (e == NULL) {
			x->ts = p; x->tl = 2; x->tok = TK_EOF;
			perr(P, "unfinished comment");
		}
		p = e + 2;
		goto again;
	}
	if (p[0] == '/' && p[1] == '/') {
		while (*p && *p != '\n')
			p++;
		goto again;
	}
	if (*p == '#') {	/* preprocessor lines (#pragma ...) are ignored */
		while (*p && *p != '\n')
			p++;
		goto again;
	}
	x->ts = p;
	if (*p == 0) {
		x->tok = TK_EOF;
		x->tl = 0;
		x->p = p;
		return;
	}
	if (isalpha((unsigned char)*p) || *p == '_') {
		while (isalnum((unsigned char)*p) || *p == '_')
			p++;
		x->tok = TK_NAME;
	} else if (isdigit((unsigned char)*p)) {
		char *end;
		uint64_t v;
		errno = 0;
		v = strtoull(p, &end, 0);
		if (errno == ERANGE) {
			x->tl = end - p;
			x->tok = TK_NUM;
			perr(P, "number too big");
		}
		x->uns = v > INT64_MAX;
		while (*end == 'u' || *end == 'U' || *end == 'l' || *end == 'L') {
			if (*end == 'u' || *end == 'U')
				x->uns = 1;
			end++;
		}
		if (isalnum((unsigned char)*end) || *end == '.') {
			x->tl = end - p + 1;
			x->tok = TK_NUM;
			perr(P, "malformed number");
		}
		x->val = (int64_t)v;
		p = end;
		x->tok = TK_NUM;
	} else if (*p == '\'') {
		int c;
		p++;
		if (*p == '\\') {
			p++;
			switch (*p) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case '0': c = 0; break;
			default: c = (unsigned char)*p; break;
			}
		} else
			c = (unsigned char)*p;
		if (*p == 0 || p[1] != '\'') {
			x->tl = 1;
			x->tok = '\'';
			perr(P, "malformed character constant");
		}
		p += 2;
		x->val = (signed char)c;
		x->uns = 0;
		x->tok = TK_NUM;
	} else if (*p == '"') {
		p++;
		while (*p && *p != '"') {
			if (*p == '\\' && p[1])
				p++;
			p++;
		}
		if (*p != '"') {
			x->tl = p - x->ts;
			x->tok = TK_STR;
			perr(P, "unfinished string");
		}
		p++;
		x->tok = TK_STR;
	} else {
		static const struct { const char *s; int t; } ops[] = {
			{ "...", TK_ELLIPSIS }, { "<<", TK_SHL }, { ">>", TK_SHR }, { "<=", TK_LE },
			{ ">=", TK_GE }, { "==", TK_EQ }, { "!=", TK_NE }, { "&&", TK_AND },
			{ "||", TK_OR }, { "->", TK_ARROW },
		};
		size_t i;
		for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
			if (strncmp(p, ops[i].s, strlen(ops[i].s)) == 0)
				break;
		if (i < sizeof(ops) / sizeof(ops[0])) {
			x->tok = ops[i].t;
			p += strlen(ops[i].s);
		} else {
			x->tok = (unsigned char)*p++;
			if (!strchr("{}[]();,*&=:?+-~!/%<>^|.$", x->tok)) {
				x->tl = 1;
				perr(P, "unexpected character");
			}
		}
	}
	x->tl = p - x->ts;
	x->p = p;
}

static int
is(P *P, const char *kw)
{
	return P->x.tok == TK_NAME && strlen(kw) == P->x.tl && memcmp(P->x.ts, kw, P->x.tl) == 0;
}

static int
accept(P *P, int tok)
{
	if (P->x.tok == tok) {
		next(P);
		return 1;
	}
	return 0;
}

static void
expect(P *P, int tok)
{
	char msg[32];
	if (P->x.tok != tok) {
		snprintf(msg, sizeof(msg), "'%c' expected", tok);
		perr(P, msg);
	}
	next(P);
}

/* Look a name up in one of the state's tables; pushes nothing. */
static void *
lookup(P *P, int ref, const char *s, size_t n)
{
	void *r;
	lua_rawgeti(P->L, LUA_REGISTRYINDEX, ref);
	lua_pushlstring(P->L, s, n);
	lua_rawget(P->L, -2);
	r = lua_touserdata(P->L, -1);
	lua_pop(P->L, 2);
	return r;
}

static void
define(P *P, int ref, const char *name, void *v)
{
	lua_rawgeti(P->L, LUA_REGISTRYINDEX, ref);
	lua_pushstring(P->L, name);
	lua_pushlightuserdata(P->L, v);
	lua_rawset(P->L, -3);
	lua_pop(P->L, 1);
}

static int
getconst(P *P, const char *s, size_t n, int64_t *v)
{
	int ok;
	lua_rawgeti(P->L, LUA_REGISTRYINDEX, P->S->ref_consts);
	lua_pushlstring(P->L, s, n);
	lua_rawget(P->L, -2);
	*v = lua_tointegerx(P->L, -1, &ok);
	lua_pop(P->L, 2);
	return ok;
}

static void
setconst(P *P, const char *name, int64_t v)
{
	lua_rawgeti(P->L, LUA_REGISTRYINDEX, P->S->ref_consts);
	lua_pushstring(P->L, name);
	lua_rawget(P->L, -2);
	if (!lua_isnil(P->L, -1))
		luaL_error(P->L, "attempt to redefine '%s'", name);
	lua_pop(P->L, 1);
	lua_pushstring(P->L, name);
	lua_pushinteger(P->L, (lua_Integer)v);
	lua_rawset(P->L, -3);
	lua_pop(P->L, 1);
}

static const char *
tokname(P *P)
{
	return lffi_strdup(P->S, P->x.ts, P->x.tl);
}

static int iskeyword(P *P);

/* Does the current name start a type? */
static int
istypename(P *P)
{
	if (P->x.tok == '$')
		return 1;
	if (P->x.tok != TK_NAME)
		return 0;
	return iskeyword(P) || lookup(P, P->S->ref_typedefs, P->x.ts, P->x.tl) != NULL;
}

static int
iskeyword(P *P)
{
	static const char *const kws[] = {
		"void", "char", "short", "int", "long", "signed", "unsigned", "float", "double",
		"_Bool", "bool", "struct", "union", "enum", "const", "volatile", "__const",
		"__volatile__", "__volatile", "__signed__", "__signed", "__extension__",
		"__attribute__", "__attribute", "typedef", "static", "extern", "inline",
		"__inline", "__inline__", "register", "restrict", "__restrict", "__restrict__",
		"_Complex", "__complex__", NULL
	};
	int i;

	for (i = 0; kws[i]; i++)
		if (is(P, kws[i]))
			return 1;
	return 0;
}

/* `$` placeholders take the next extra argument of ffi.cdef/typeof/new... */
static int
nextarg(P *P)
{
	if (P->argn >= P->nargs)
		perr(P, "missing argument for '$'");
	return P->argbase + P->argn++;
}

/* __attribute__((...)), __asm__("name"), __declspec(...) and qualifier-like noise. */
static int
attributes(P *P, dspec *ds)
{
	int any = 0;

	for (;;) {
		if (is(P, "__attribute__") || is(P, "__attribute")) {
			next(P);
			expect(P, '(');
			expect(P, '(');
			while (P->x.tok != ')') {
				if (P->x.tok != TK_NAME)
					perr(P, "attribute name expected");
				if (is(P, "aligned") || is(P, "__aligned__")) {
					next(P);
					if (accept(P, '(')) {
						int uns;
						int64_t a = expr(P, &uns);
						if (a <= 0 || (a & (a - 1)) || a > 65536)
							perr(P, "bad alignment");
						if (ds && (size_t)a > ds->align)
							ds->align = (size_t)a;
						expect(P, ')');
					} else if (ds && ds->align < 16)
						ds->align = 16;
				} else if (is(P, "packed") || is(P, "__packed__")) {
					next(P);
					if (ds)
						ds->packed = 1;
				} else {
					int depth = 0;
					next(P);
					if (P->x.tok == '(') {
						do {
							if (P->x.tok == '(')
								depth++;
							else if (P->x.tok == ')')
								depth--;
							else if (P->x.tok == TK_EOF)
								perr(P, "unfinished attribute");
							next(P);
						} while (depth > 0);
					}
				}
				if (!accept(P, ','))
					break;
			}
			expect(P, ')');
			expect(P, ')');
		} else if (is(P, "__asm__") || is(P, "__asm") || is(P, "asm")) {
			next(P);
			expect(P, '(');
			if (P->x.tok != TK_STR)
				perr(P, "string expected");
			if (ds) {
				luaL_Buffer b;
				const char *s = P->x.ts + 1, *e = P->x.ts + P->x.tl - 1;
				/* Adjacent literals concatenate. */
				luaL_buffinit(P->L, &b);
				for (;;) {
					luaL_addlstring(&b, s, e - s);
					next(P);
					if (P->x.tok != TK_STR)
						break;
					s = P->x.ts + 1;
					e = P->x.ts + P->x.tl - 1;
				}
				luaL_pushresult(&b);
				ds->asmname = lffi_strdup(P->S, lua_tostring(P->L, -1),
				    lua_rawlen(P->L, -1));
				lua_pop(P->L, 1);
			} else
				while (P->x.tok == TK_STR)
					next(P);
			expect(P, ')');
		} else if (is(P, "__declspec")) {
			int depth = 0;
			next(P);
			do {
				if (P->x.tok == '(')
					depth++;
				else if (P->x.tok == ')')
					depth--;
				else if (P->x.tok == TK_EOF)
					perr(P, "unfinished __declspec");
				next(P);
			} while (depth > 0);
		} else if (is(P, "__extension__") || is(P, "__cdecl") || is(P, "__stdcall") ||
		    is(P, "__fastcall") || is(P, "__thiscall") || is(P, "__ptr32") ||
		    is(P, "__ptr64") || is(P, "inline") || is(P, "__inline") || is(P, "__inline__")) {
			next(P);
		} else
			return any;
		any = 1;
	}
}

static int
qualifiers(P *P, dspec *ds)
{
	int q = 0;
	for (;;) {
		if (is(P, "const") || is(P, "__const") || is(P, "__const__"))
			q |= CTF_CONST;
		else if (is(P, "volatile") || is(P, "__volatile") || is(P, "__volatile__"))
			q |= CTF_VOLATILE;
		else if (is(P, "restrict") || is(P, "__restrict") || is(P, "__restrict__"))
			;
		else if (attributes(P, ds))
			continue;
		else
			return q;
		next(P);
	}
}

/* Grow an arena array of fields. */
static lffi_field *
growfields(P *P, lffi_field *f, int n, int *cap)
{
	lffi_field *nf;
	if (n < *cap)
		return f;
	*cap = *cap ? *cap * 2 : 8;
	nf = lffi_alloc(P->S, *cap * sizeof(*nf));
	if (nf == NULL)
		luaL_error(P->L, "out of memory");
	if (n)
		memcpy(nf, f, n * sizeof(*nf));
	return nf;
}

static lffi_ctype *structdef1(P *P, int kind);

static lffi_ctype *
structdef(P *P, int kind)
{
	lffi_ctype *r;
	enter(P);
	r = structdef1(P, kind);
	P->depth--;
	return r;
}

static lffi_ctype *
structdef1(P *P, int kind)
{
	dspec sattr = { 0 };
	lffi_ctype *ct = NULL;
	const char *tag = NULL;
	lffi_field *fields = NULL;
	struct defining self, *d;
	int n = 0, cap = 0;

	attributes(P, &sattr);
	if (P->x.tok == TK_NAME) {
		tag = tokname(P);
		next(P);
		ct = lookup(P, P->S->ref_tags, tag, strlen(tag));
		if (ct != NULL && ct->kind != kind)
			luaL_error(P->L, "'%s' redeclared as a different kind of tag", tag);
		attributes(P, &sattr);
	} else if (P->x.tok == '$') {
		int a = nextarg(P);
		lffi_cdata *cd = lffi_tocdata(P->L, a);
		if (cd == NULL || cd->ct->unq->kind != kind)
			perr(P, "ctype of a struct/union expected for '$'");
		next(P);
		return cd->ct->unq;
	}
	if (P->x.tok != '{') {
		if (tag == NULL)
			perr(P, "struct/union tag or '{' expected");
		if (ct == NULL && P->mode == PARSE_TYPE)	/* as LuaJIT: type strings never declare */
			luaL_error(P->L, "undeclared or implicit tag '%s'", tag);
		if (ct == NULL) {
			ct = lffi_newtype(P->L, P->S, kind);
			ct->name = tag;
			ct->align = 1;
			define(P, P->S->ref_tags, tag, ct);
		}
		return ct;
	}
	next(P);
	if (ct != NULL && (ct->flags & CTF_COMPLETE))
		luaL_error(P->L, "attempt to redefine '%s'", tag);
	for (d = P->defs; ct != NULL && d != NULL; d = d->up)
		if (d->ct == ct)
			luaL_error(P->L, "attempt to redefine '%s'", tag);
	if (ct == NULL) {
		ct = lffi_newtype(P->L, P->S, kind);
		ct->name = tag;
		ct->align = 1;
		if (tag != NULL)
			define(P, P->S->ref_tags, tag, ct);
	}
	self.ct = ct;
	self.up = P->defs;
	P->defs = &self;
	while (!accept(P, '}')) {
		dspec ds = { 0 };
		declspec(P, &ds, 0);
		if (P->x.tok == ';' && (ds.type->kind == CT_STRUCT || ds.type->kind == CT_UNION)) {
			/* Anonymous member: its fields are reachable directly. */
			fields = growfields(P, fields, n, &cap);
			fields[n++] = (lffi_field){ NULL, ds.type, ds.align, 0, -1, 0 };
			next(P);
			continue;
		}
		for (;;) {
			const char *fname = NULL;
			dspec fd = ds;
			lffi_ctype *ft = P->x.tok == ':' ? ds.type : declarator(P, ds.type, &fname, &fd);
			int bits = -1;
			if (accept(P, ':')) {
				int uns;
				int64_t w = expr(P, &uns);
				if (w < 0 || w > 64)
					perr(P, "bad bit-field width");
				bits = (int)w;
				if (w == 0 && fname != NULL)
					perr(P, "zero-width bit-field with a name");
			}
			attributes(P, &fd);
			if (ft->kind == CT_FUNC)
				luaL_error(P->L, "member '%s' has function type", fname ? fname : "?");
			fields = growfields(P, fields, n, &cap);
			fields[n++] = (lffi_field){ fname, ft, fd.align, 0, bits, 0 };
			if (fd.packed && !ds.packed && bits < 0)
				fields[n - 1].offset = 0, fields[n - 1].type = ft;
			if (!accept(P, ','))
				break;
		}
		expect(P, ';');
	}
	P->defs = self.up;
	attributes(P, &sattr);
	ct->fields = fields;
	ct->nfields = n;
	if (sattr.packed)
		ct->flags |= CTF_PACKED;
	if (lffi_layout(P->L, P->S, ct, sattr.align) != 0)
		lua_error(P->L);
	return ct;
}

static lffi_ctype *
enumdef(P *P)
{
	dspec sattr = { 0 };
	lffi_ctype *ct = NULL;
	const char *tag = NULL;
	int64_t v = 0, minv = 0, maxv = 0;
	int first = 1;

	attributes(P, &sattr);
	if (P->x.tok == TK_NAME) {
		tag = tokname(P);
		next(P);
		ct = lookup(P, P->S->ref_tags, tag, strlen(tag));
		if (ct != NULL && ct->kind != CT_ENUM)
			luaL_error(P->L, "'%s' redeclared as a different kind of tag", tag);
	}
	if (ct == NULL && P->x.tok != '{' && P->mode == PARSE_TYPE)
		luaL_error(P->L, "undeclared or implicit tag '%s'", tag ? tag : "?");
	if (ct == NULL) {
		ct = lffi_newtype(P->L, P->S, CT_ENUM);
		ct->name = tag;
		ct->base = P->S->t_u32;
		ct->size = 4;
		ct->align = 4;
		if (tag != NULL)
			define(P, P->S->ref_tags, tag, ct);
	}
	if (!accept(P, '{')) {
		if (tag == NULL)
			perr(P, "enum tag or '{' expected");
		return ct;
	}
	if (ct->flags & CTF_COMPLETE)
		luaL_error(P->L, "attempt to redefine '%s'", tag);
	while (P->x.tok != '}') {
		const char *name;
		if (P->x.tok != TK_NAME)
			perr(P, "enumerator name expected");
		name = tokname(P);
		next(P);
		attributes(P, NULL);
		if (accept(P, '=')) {
			int uns;
			v = expr(P, &uns);
		} else if (!first)
			v++;
		if (first || v < minv)
			minv = v;
		if (first || v > maxv)
			maxv = v;
		first = 0;
		setconst(P, name, v);
		if (!accept(P, ','))
			break;
	}
	expect(P, '}');
	attributes(P, &sattr);
	/* GCC: int when every value fits, else unsigned int, else a 64-bit type. */
	if (minv >= INT32_MIN && maxv <= INT32_MAX)
		ct->base = P->S->t_i32;
	else if (minv >= 0 && maxv <= UINT32_MAX)
		ct->base = P->S->t_u32;
	else
		ct->base = minv < 0 ? P->S->t_i64 : P->S->t_u64;
	ct->size = ct->base->size;
	ct->align = ct->base->align;
	ct->flags |= CTF_COMPLETE | (ct->base->flags & CTF_UNSIGNED);
	return ct;
}

/*
 * Declaration specifiers: qualifiers, storage class, attributes and exactly one base type.
 */
static void
declspec(P *P, dspec *ds, int allow_storage)
{
	int nlong = 0, nshort = 0, nsigned = 0, nunsigned = 0, nint = 0, nchar = 0, any = 0;
	int quals = 0;
	lffi_ctype *t = NULL;
	lffi_state *S = P->S;

	for (;;) {
		if (P->x.tok == '$' && t == NULL && !any) {
			int a = nextarg(P);
			lffi_cdata *cd = lffi_tocdata(P->L, a);
			if (cd == NULL)
				perr(P, "ctype or cdata expected for '$'");
			t = cd->ct;
			next(P);
			continue;
		}
		if (P->x.tok != TK_NAME)
			break;
		if (attributes(P, ds))
			continue;
		if (is(P, "const") || is(P, "__const") || is(P, "__const__"))
			quals |= CTF_CONST;
		else if (is(P, "volatile") || is(P, "__volatile") || is(P, "__volatile__"))
			quals |= CTF_VOLATILE;
		else if (is(P, "restrict") || is(P, "__restrict") || is(P, "__restrict__") ||
		    is(P, "register") || is(P, "auto"))
			;
		else if (is(P, "typedef") || is(P, "static") || is(P, "extern")) {
			if (!allow_storage)
				perr(P, "storage class not allowed here");
			ds->storage = P->x.ts[0];
		} else if (is(P, "void")) {
			t = S->t_void; any = 1;
		} else if (is(P, "_Bool") || is(P, "bool")) {
			t = S->t_bool; any = 1;
		} else if (is(P, "char")) {
			nchar++; any = 1;
		} else if (is(P, "short")) {
			nshort++; any = 1;
		} else if (is(P, "int")) {
			nint++; any = 1;
		} else if (is(P, "long")) {
			nlong++; any = 1;
		} else if (is(P, "signed") || is(P, "__signed__") || is(P, "__signed")) {
			nsigned++; any = 1;
		} else if (is(P, "unsigned")) {
			nunsigned++; any = 1;
		} else if (is(P, "float")) {
			t = S->t_float; any = 1;
		} else if (is(P, "double")) {
			t = S->t_double; any = 1;
		} else if (is(P, "_Complex") || is(P, "__complex__") || is(P, "__int128")) {
			perr(P, "type not supported");
		} else if (is(P, "struct") || is(P, "union")) {
			int k = is(P, "struct") ? CT_STRUCT : CT_UNION;
			if (t != NULL || any)
				perr(P, "two or more data types in declaration");
			next(P);
			t = structdef(P, k);
			any = 1;
			continue;
		} else if (is(P, "enum")) {
			if (t != NULL || any)
				perr(P, "two or more data types in declaration");
			next(P);
			t = enumdef(P);
			any = 1;
			continue;
		} else if (t == NULL && !any) {
			lffi_ctype *td = lookup(P, S->ref_typedefs, P->x.ts, P->x.tl);
			if (td == NULL)
				break;
			t = td;
		} else
			break;
		next(P);
	}
	if (nchar + nshort + nint + nlong + nsigned + nunsigned > 0) {
		if (t == S->t_double && nlong == 1 && nchar + nshort + nint + nsigned + nunsigned == 0)
			t = S->t_ldouble;
		else if (t != NULL || (nsigned && nunsigned) || nchar > 1 || nshort > 1 || nint > 1 ||
		    nlong > 2 || (nchar && (nshort || nlong || nint)) || (nshort && nlong))
			perr(P, "invalid combination of type specifiers");
		else if (nchar)
			t = nsigned ? S->t_i8 : nunsigned ? S->t_u8 : S->t_char;
		else if (nshort)
			t = nunsigned ? S->t_u16 : S->t_i16;
		else if (nlong)
			t = lffi_intof(S, nlong == 1 ? sizeof(long) : sizeof(long long), nunsigned);
		else
			t = nunsigned ? S->t_u32 : S->t_i32;
	}
	if (t == NULL)
		perr(P, "declaration specifier expected");
	ds->type = lffi_qualify(P->L, S, t, quals);
	ds->quals = quals;
}

/* `[n]`, `[?]`, `[]` and `(params)` after a declarator, applied right to left. */
static lffi_ctype *suffixes1(P *P, lffi_ctype *base, dspec *ds);

static lffi_ctype *
suffixes(P *P, lffi_ctype *base, dspec *ds)
{
	lffi_ctype *r;
	enter(P);
	r = suffixes1(P, base, ds);
	P->depth--;
	return r;
}

static lffi_ctype *
suffixes1(P *P, lffi_ctype *base, dspec *ds)
{
	if (P->x.tok == '[') {
		int64_t n = 0;
		int flags = 0, uns;
		lffi_ctype *inner, *a;
		next(P);
		qualifiers(P, NULL);
		if (accept(P, '?'))
			flags = CTF_VLA;
		else if (P->x.tok == ']')
			flags = CTF_FLEX;
		else {
			n = expr(P, &uns);
			if (n < 0 || (uint64_t)n > ((size_t)1 << 40))
				perr(P, "invalid array size");
		}
		expect(P, ']');
		inner = suffixes(P, base, ds);
		if (inner->unq->kind == CT_VOID || inner->unq->kind == CT_FUNC ||
		    !(inner->unq->flags & CTF_COMPLETE) ||
		    (inner->unq->kind == CT_ARRAY && (inner->unq->flags & (CTF_VLA | CTF_FLEX))))
			luaL_error(P->L, "array of incomplete or variable-size type");
		if (n > 0 && inner->unq->size > ((size_t)1 << 47) / (size_t)n)
			perr(P, "array too large");
		a = lffi_array(P->L, P->S, inner, (size_t)n, flags);
		if (a == NULL)
			luaL_error(P->L, "out of memory");
		return a;
	}
	if (P->x.tok == '(') {
		lffi_field *params = NULL;
		int n = 0, cap = 0, vararg = 0;
		lffi_ctype *ret, *f;
		next(P);
		if (is(P, "void")) {
			/* `(void)` means no parameters, but `(void *p)` is a parameter. */
			lex save = P->x;
			next(P);
			if (P->x.tok != ')')
				P->x = save;
		}
		while (P->x.tok != ')') {
			dspec pd = { 0 };
			const char *pname = NULL;
			lffi_ctype *pt;
			if (accept(P, TK_ELLIPSIS)) {
				vararg = 1;
				break;
			}
			declspec(P, &pd, 0);
			pt = declarator(P, pd.type, &pname, &pd);
			if (pt->unq->kind == CT_ARRAY)
				pt = lffi_ptr(P->L, P->S, pt->base);
			else if (pt->unq->kind == CT_FUNC)
				pt = lffi_ptr(P->L, P->S, pt);
			else if (pt->unq->kind == CT_VOID)
				perr(P, "parameter has void type");
			params = growfields(P, params, n, &cap);
			params[n++] = (lffi_field){ pname, pt, 0, 0, -1, 0 };
			if (!accept(P, ','))
				break;
		}
		expect(P, ')');
		attributes(P, ds);
		ret = suffixes(P, base, ds);
		if (ret->unq->kind == CT_ARRAY || ret->unq->kind == CT_FUNC)
			luaL_error(P->L, "function returning an array or a function");
		{
			int i, d = ret->depth;
			for (i = 0; i < n; i++)
				if (params[i].type->depth > d)
					d = params[i].type->depth;
			if (d >= LFFI_MAXDEPTH)
				perr(P, "C type nested too deeply");
			f = lffi_newtype(P->L, P->S, CT_FUNC);
			f->depth = d + 1;
		}
		f->base = ret;
		f->fields = params;
		f->nfields = n;
		f->align = 1;
		if (vararg)
			f->flags |= CTF_VARARG;
		return f;
	}
	return base;
}

/* Is the '(' at the current token the start of a nested declarator (not a parameter list)? */
static int
nested(P *P)
{
	lex save = P->x;
	int r;
	next(P);
	r = P->x.tok == '*' || P->x.tok == '(' || P->x.tok == '^' || P->x.tok == '&' ||
	    P->x.tok == '[' || is(P, "__attribute__") || is(P, "__cdecl") || is(P, "__stdcall") ||
	    (P->x.tok == TK_NAME && !istypename(P));
	P->x = save;
	return r;
}

static lffi_ctype *
declarator(P *P, lffi_ctype *base, const char **name, dspec *ds)
{
	lffi_ctype *r;
	enter(P);
	r = declarator1(P, base, name, ds);
	P->depth--;
	return r;
}

static lffi_ctype *
declarator1(P *P, lffi_ctype *base, const char **name, dspec *ds)
{
	attributes(P, ds);
	while (P->x.tok == '*' || P->x.tok == '&' || P->x.tok == '^') {
		int q;
		next(P);
		q = qualifiers(P, ds);
		base = lffi_ptr(P->L, P->S, base);
		if (base == NULL)
			luaL_error(P->L, "out of memory");
		base = lffi_qualify(P->L, P->S, base, q);
	}
	if (P->x.tok == '(' && nested(P)) {
		lex inner, after;
		int depth = 0;
		lffi_ctype *ct;
		inner = P->x;
		do {
			if (P->x.tok == '(')
				depth++;
			else if (P->x.tok == ')')
				depth--;
			else if (P->x.tok == TK_EOF)
				perr(P, "')' expected");
			next(P);
		} while (depth > 0);
		base = suffixes(P, base, ds);
		attributes(P, ds);
		after = P->x;
		P->x = inner;
		next(P);
		ct = declarator(P, base, name, ds);
		expect(P, ')');
		P->x = after;
		return ct;
	}
	if (P->x.tok == TK_NAME && !iskeyword(P)) {
		if (name == NULL)
			perr(P, "unexpected name in abstract declarator");
		*name = tokname(P);
		next(P);
	} else if (P->x.tok == '$' && name != NULL && P->argn < P->nargs &&
	    lua_type(P->L, P->argbase + P->argn) == LUA_TSTRING) {
		*name = lffi_strdup(P->S, lua_tostring(P->L, P->argbase + P->argn),
		    lua_rawlen(P->L, P->argbase + P->argn));
		P->argn++;
		next(P);
	}
	attributes(P, ds);
	base = suffixes(P, base, ds);
	attributes(P, ds);
	return base;
}

static lffi_ctype *
typename_(P *P)
{
	dspec ds = { 0 };
	lffi_ctype *ct;
	declspec(P, &ds, 0);
	ct = declarator(P, ds.type, NULL, &ds);
	return ct;
}

/* Constant expressions over int64 (unsigned arithmetic when an operand is unsigned). */
static int64_t primary(P *P, int *uns);

static int64_t unary1(P *P, int *uns);

static int64_t
unary(P *P, int *uns)
{
	int64_t v;
	enter(P);
	v = unary1(P, uns);
	P->depth--;
	return v;
}

static int64_t
unary1(P *P, int *uns)
{
	int64_t v;
	if (accept(P, '-')) {
		v = unary(P, uns);
		return (int64_t)(0 - (uint64_t)v);
	}
	if (accept(P, '+'))
		return unary(P, uns);
	if (accept(P, '~'))
		return ~unary(P, uns);
	if (accept(P, '!')) {
		v = unary(P, uns);
		*uns = 0;
		return !v;
	}
	if (is(P, "sizeof") || is(P, "__alignof__") || is(P, "__alignof") || is(P, "_Alignof") ||
	    is(P, "alignof")) {
		int isz = is(P, "sizeof");
		lffi_ctype *ct;
		next(P);
		if (P->x.tok == '(') {
			lex save = P->x;
			next(P);
			if (istypename(P)) {
				ct = typename_(P);
				expect(P, ')');
			} else {
				P->x = save;
				(void)unary(P, uns);
				perr(P, "sizeof of an expression is not supported");
			}
		} else
			perr(P, "'(' expected");
		*uns = 1;
		if (isz && (!(ct->unq->flags & CTF_COMPLETE) || ct->unq->kind == CT_FUNC))
			perr(P, "sizeof of an incomplete type");
		return (int64_t)(isz ? ct->unq->size : ct->unq->align);
	}
	return primary(P, uns);
}

static int64_t
primary(P *P, int *uns)
{
	int64_t v;
	*uns = 0;
	if (P->x.tok == TK_NUM) {
		v = P->x.val;
		*uns = P->x.uns;
		next(P);
		return v;
	}
	if (P->x.tok == TK_NAME) {
		if (!getconst(P, P->x.ts, P->x.tl, &v))
			perr(P, "undeclared identifier in constant expression");
		next(P);
		return v;
	}
	if (P->x.tok == '$') {
		int a = nextarg(P), ok;
		v = lua_tointegerx(P->L, a, &ok);
		if (!ok)
			perr(P, "integer expected for '$'");
		next(P);
		return v;
	}
	if (accept(P, '(')) {
		if (istypename(P)) {
			lffi_ctype *ct = typename_(P);
			expect(P, ')');
			v = unary(P, uns);
			if (ct->unq->kind == CT_INT && ct->unq->size < 8) {
				int bits = (int)ct->unq->size * 8;
				uint64_t m = ((uint64_t)1 << bits) - 1;
				v = (int64_t)((uint64_t)v & m);
				if (!(ct->unq->flags & CTF_UNSIGNED) && (v >> (bits - 1)) & 1)
					v = (int64_t)((uint64_t)v | ~m);
			}
			*uns = (ct->unq->flags & CTF_UNSIGNED) != 0 && ct->unq->size == 8;
			return v;
		}
		v = expr(P, uns);
		expect(P, ')');
		return v;
	}
	perr(P, "constant expression expected");
}

static int
prec(int tok)
{
	switch (tok) {
	case '*': case '/': case '%': return 10;
	case '+': case '-': return 9;
	case TK_SHL: case TK_SHR: return 8;
	case '<': case '>': case TK_LE: case TK_GE: return 7;
	case TK_EQ: case TK_NE: return 6;
	case '&': return 5;
	case '^': return 4;
	case '|': return 3;
	case TK_AND: return 2;
	case TK_OR: return 1;
	default: return 0;
	}
}

static int64_t
binary(P *P, int minprec, int *uns)
{
	int64_t a = unary(P, uns);
	for (;;) {
		int op = P->x.tok, p = prec(op), ub;
		int64_t b;
		uint64_t ua, ubv;
		if (p == 0 || p < minprec)
			return a;
		next(P);
		b = binary(P, p + 1, &ub);
		ub |= *uns;
		ua = (uint64_t)a;
		ubv = (uint64_t)b;
		switch (op) {
		case '*': a = (int64_t)(ua * ubv); break;
		case '/': case '%':
			if (b == 0)
				perr(P, "division by zero in constant expression");
			if (ub)
				a = (int64_t)(op == '/' ? ua / ubv : ua % ubv);
			else if (a == INT64_MIN && b == -1)
				a = op == '/' ? INT64_MIN : 0;
			else
				a = op == '/' ? a / b : a % b;
			break;
		case '+': a = (int64_t)(ua + ubv); break;
		case '-': a = (int64_t)(ua - ubv); break;
		case TK_SHL: a = (int64_t)(ua << (ubv & 63)); break;
		case TK_SHR: a = ub ? (int64_t)(ua >> (ubv & 63)) : a >> (ubv & 63); break;
		case '<': a = ub ? ua < ubv : a < b; ub = 0; break;
		case '>': a = ub ? ua > ubv : a > b; ub = 0; break;
		case TK_LE: a = ub ? ua <= ubv : a <= b; ub = 0; break;
		case TK_GE: a = ub ? ua >= ubv : a >= b; ub = 0; break;
		case TK_EQ: a = a == b; ub = 0; break;
		case TK_NE: a = a != b; ub = 0; break;
		case '&': a = a & b; break;
		case '^': a = a ^ b; break;
		case '|': a = a | b; break;
		case TK_AND: a = a && b; ub = 0; break;
		case TK_OR: a = a || b; ub = 0; break;
		}
		*uns = ub;
	}
}

static int64_t
expr(P *P, int *uns)
{
	int64_t c = binary(P, 1, uns);
	if (accept(P, '?')) {
		int u1, u2;
		int64_t a = expr(P, &u1), b;
		expect(P, ':');
		b = expr(P, &u2);
		*uns = u1 | u2;
		return c ? a : b;
	}
	return c;
}

/* Register one declarator of a declaration. */
static void
declare(P *P, dspec *ds, lffi_ctype *ct, const char *name)
{
	if (name == NULL) {
		if (ds->storage == 't')
			perr(P, "typedef without a name");
		return;
	}
	if (ds->storage == 't') {
		if (ds->align > ct->unq->align && ct->kind != CT_FUNC) {
			/* typedef int aligned_int __attribute__((aligned(16))) */
			lffi_ctype *c = lffi_newtype(P->L, P->S, ct->kind);
			int id = c->id;
			lffi_ctype *nx = c->next_all;
			*c = *ct->unq;
			c->id = id;
			c->next_all = nx;
			c->unq = c;
			c->ptrto = c->constv = NULL;
			c->ffitype = NULL;
			c->cif = NULL;
			c->align = ds->align;
			c->size = (c->size + c->align - 1) / c->align * c->align;
			ct = lffi_qualify(P->L, P->S, c, ct->flags);
		}
		define(P, P->S->ref_typedefs, name, ct);
		return;
	}
	if (ds->storage == 's' && accept(P, '=')) {
		int uns;
		int64_t v = expr(P, &uns);
		if (ct->unq->kind != CT_INT && ct->unq->kind != CT_ENUM && ct->unq->kind != CT_BOOL)
			perr(P, "only integer constants are supported");
		setconst(P, name, v);
		return;
	}
	{
		lffi_decl *d = lffi_alloc(P->S, sizeof(*d));
		if (d == NULL)
			luaL_error(P->L, "out of memory");
		d->ct = ct;
		d->sym = ds->asmname ? ds->asmname : name;
		define(P, P->S->ref_syms, name, d);
	}
}

lffi_ctype *
lffi_parse(lua_State *L, lffi_state *S, const char *src, int mode, int argbase, int nargs)
{
	P p = { 0 };
	P *P = &p;

	p.L = L;
	p.S = S;
	p.src = src;
	p.x.p = src;
	p.argbase = argbase;
	p.nargs = nargs;
	p.mode = mode;
	next(P);
	if (mode == PARSE_TYPE) {
		lffi_ctype *ct = typename_(P);
		if (P->x.tok != TK_EOF)
			perr(P, "unexpected token after type");
		return ct;
	}
	while (P->x.tok != TK_EOF) {
		dspec ds = { 0 };
		if (accept(P, ';'))
			continue;
		declspec(P, &ds, 1);
		if (accept(P, ';'))
			continue;
		for (;;) {
			const char *name = NULL;
			dspec d = ds;
			lffi_ctype *ct;
			d.asmname = NULL;
			ct = declarator(P, ds.type, &name, &d);
			if (name == NULL)
				perr(P, "declarator name expected");
			attributes(P, &d);
			declare(P, &d, ct, name);
			if (!accept(P, ','))
				break;
		}
		if (P->x.tok != ';')
			perr(P, "';' expected");
		next(P);
	}
	return NULL;
}
