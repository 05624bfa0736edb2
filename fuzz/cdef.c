/*
 * cdef.c: the ffi harness.  One input runs in a fresh embedded Lua 5.4 with the PUC ffi
 * module (csrc/ffi) linked in.  The input is split at NUL bytes: the first segment goes
 * to ffi.cdef, each further segment is an operation (its first byte, % 10) on the rest:
 *
 *   0 ffi.cdef           1 ffi.cdef with $ parameters (a ctype, a number, a name)
 *   2 ffi.typeof         3 ffi.new (with a small VLA/VLS count) and exercise the object
 *   4 ffi.new with a nested table initializer made from the bytes
 *   5 ffi.cast of a number          6 ffi.cast of an object we made
 *   7 sizeof/alignof/offsetof/istype 8 ffi.metatype       9 ffi.typeof with $
 *
 * "Exercise" reads and writes the members named by identifiers of the first segment,
 * element 0 of arrays, fills, copies and converts to strings, recursing into members.
 * Every call is protected: errors are the expected answer to bad declarations.  The
 * driver never dereferences a pointer (an invalid address crashes, as in C and LuaJIT)
 * and never touches ffi.C (declared functions would really be called), so any crash,
 * sanitizer report or leak is the ffi module's.  The Lua allocator refuses single
 * allocations over 16 MiB and states over 64 MiB (Lua then raises "not enough memory",
 * which the module must survive).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

#include "fz.h"

int luaopen_rumpus_ffi(lua_State *L);

#define FZ_STATE_MAX	(64u << 20)
#define FZ_ALLOC_MAX	(16u << 20)
#define FZ_MAXSEGS	32

static const char driver[] =
"local ffi, segs = ...\n"
"local pcall, tostring, ftype = pcall, tostring, ffi.type\n"
"local names, cts, cds = {}, {}, {}\n"
"for id in segs[1]:gmatch('[%a_][%w_]*') do\n"
"  names[#names + 1] = id\n"
"  if #names >= 24 then break end\n"
"end\n"
"local function ptrish(ct)\n"
"  local s = tostring(ct)\n"
"  return s:find('*', 1, true) or s:find('(', 1, true)\n"
"end\n"
"local function exercise(cd, depth)\n"
"  pcall(tostring, cd)\n"
"  local okt, ct = pcall(ffi.typeof, cd)\n"
"  if not okt or ptrish(ct) then return end\n"
"  local oks, sz = pcall(ffi.sizeof, cd)\n"
"  pcall(ffi.alignof, ct)\n"
"  for i = 1, #names do\n"
"    local n = names[i]\n"
"    local okf, v = pcall(function() return cd[n] end)\n"
"    if okf then\n"
"      pcall(function() cd[n] = i % 3 end)\n"
"      pcall(ffi.offsetof, ct, n)\n"
"      if depth < 3 and ftype(v) == 'cdata' then exercise(v, depth + 1) end\n"
"    end\n"
"  end\n"
"  if oks and type(sz) == 'number' and sz > 0 and sz < 65536 then\n"
"    local oke, e = pcall(function() return cd[0] end)\n"
"    if oke and depth < 3 and ftype(e) == 'cdata' then exercise(e, depth + 1) end\n"
"    pcall(function() cd[0] = 1 end)\n"
"    pcall(ffi.fill, cd, sz, 0x41)\n"
"    pcall(ffi.string, cd, sz)\n"
"    pcall(ffi.copy, cd, string.rep('x', sz))\n"
"    pcall(ffi.fill, cd, sz)\n"
"  end\n"
"  pcall(function() return cd == cd, cd + 1, #cd end)\n"
"  pcall(ffi.tonumber, cd)\n"
"  pcall(ffi.istype, ct, cd)\n"
"end\n"
"local function lastct(arg)\n"
"  if #arg > 0 then\n"
"    local ok, ct = pcall(ffi.typeof, arg)\n"
"    if ok then cts[#cts + 1] = ct; return ct end\n"
"  end\n"
"  return cts[#cts]\n"
"end\n"
"local function init_from(arg)\n"
"  local t, stack = {}, {}\n"
"  for i = 1, math.min(#arg, 64) do\n"
"    local b = arg:byte(i)\n"
"    if b == 123 and #stack < 8 then stack[#stack + 1] = t; local n = {}; t[#t + 1] = n; t = n\n"
"    elseif b == 125 and #stack > 0 then t = stack[#stack]; stack[#stack] = nil\n"
"    elseif b >= 97 and b <= 122 and #names > 0 then t[names[b % #names + 1]] = b % 7\n"
"    else t[#t + 1] = b % 16 - 4 end\n"
"  end\n"
"  return stack[1] or t\n"
"end\n"
"pcall(ffi.cdef, segs[1])\n"
"for i = 2, #segs do\n"
"  local s = segs[i]\n"
"  local op, arg = (s:byte(1) or 0) % 10, s:sub(2)\n"
"  if op == 0 then pcall(ffi.cdef, arg)\n"
"  elseif op == 1 then pcall(ffi.cdef, arg, cts[#cts] or ffi.typeof('int'), 3, 'fz')\n"
"  elseif op == 2 then lastct(arg)\n"
"  elseif op == 3 then\n"
"    local ct = lastct(arg)\n"
"    if ct then\n"
"      local ok, cd = pcall(ffi.new, ct, (s:byte(2) or 0) % 64)\n"
"      if not ok then ok, cd = pcall(ffi.new, ct) end\n"
"      if ok then cds[#cds + 1] = cd; exercise(cd, 0) end\n"
"    end\n"
"  elseif op == 4 then\n"
"    local ct = cts[#cts]\n"
"    if ct then\n"
"      local ok, cd = pcall(ffi.new, ct, init_from(arg))\n"
"      if ok then cds[#cds + 1] = cd; exercise(cd, 0) end\n"
"      pcall(ffi.new, ct, table.unpack(init_from(arg)))\n"
"    end\n"
"  elseif op == 5 then\n"
"    local ct = lastct(arg)\n"
"    local vals = { 0, 1, -1, 4096, 2^40, 2^63, -2^63, 0.5, 1e300, 0/0, true, 'x' }\n"
"    if ct then\n"
"      local ok, v = pcall(ffi.cast, ct, vals[(s:byte(2) or 0) % #vals + 1])\n"
"      if ok then pcall(tostring, v); pcall(ffi.tonumber, v) end\n"
"    end\n"
"  elseif op == 6 then\n"
"    local ct = lastct(arg)\n"
"    local cd = cds[#cds]\n"
"    if ct and cd then\n"
"      local ok, v = pcall(ffi.cast, ct, cd)\n"
"      if ok then pcall(tostring, v) end\n"
"    end\n"
"  elseif op == 7 then\n"
"    local ct = lastct(arg)\n"
"    if ct then\n"
"      pcall(ffi.sizeof, ct); pcall(ffi.sizeof, ct, 5); pcall(ffi.alignof, ct)\n"
"      for j = 1, #names do pcall(ffi.offsetof, ct, names[j]) end\n"
"      for j = 1, #cds do pcall(ffi.istype, ct, cds[j]) end\n"
"    end\n"
"  elseif op == 8 then\n"
"    local ct = lastct(arg)\n"
"    if ct then pcall(ffi.metatype, ct, { __index = {} }) end\n"
"  else\n"
"    local ok, ct = pcall(ffi.typeof, arg, cts[#cts] or ffi.typeof('char'), 2)\n"
"    if ok then cts[#cts + 1] = ct end\n"
"  end\n"
"end\n";

struct fz_alloc {
	size_t used;
};

static void *
fz_lalloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct fz_alloc *a = ud;
	size_t old = ptr != NULL ? osize : 0;
	void *p;

	if (nsize == 0) {
		free(ptr);
		a->used -= old;
		return NULL;
	}
	if (nsize > FZ_ALLOC_MAX || (nsize > old && a->used - old + nsize > FZ_STATE_MAX))
		return NULL;
	if ((p = realloc(ptr, nsize)) == NULL)
		return NULL;
	a->used = a->used - old + nsize;
	return p;
}

static int
run_driver(lua_State *L)
{
	const uint8_t *data = lua_touserdata(L, 1);
	size_t size = (size_t)lua_tointeger(L, 2), start = 0, i;
	int nseg = 0;

	luaL_openlibs(L);
	luaL_requiref(L, "ffi", luaopen_rumpus_ffi, 1);
	lua_pop(L, 1);
	if (luaL_loadbuffer(L, driver, sizeof(driver) - 1, "=fuzz/cdef.c") != LUA_OK)
		return lua_error(L);
	lua_getglobal(L, "ffi");
	lua_createtable(L, FZ_MAXSEGS, 0);
	for (i = 0; i <= size && nseg < FZ_MAXSEGS; i++) {
		if (i == size || data[i] == 0) {
			lua_pushlstring(L, (const char *)data + start, i - start);
			lua_rawseti(L, -2, ++nseg);
			start = i + 1;
		}
	}
	lua_call(L, 2, 0);
	return 0;
}

static int
run_chunk(lua_State *L)
{
	const char *code = lua_touserdata(L, 1);

	luaL_openlibs(L);
	luaL_requiref(L, "ffi", luaopen_rumpus_ffi, 1);
	lua_pop(L, 1);
	if (luaL_loadstring(L, code) != LUA_OK)
		return lua_error(L);
	lua_call(L, 0, 0);
	return 0;
}

int
fz_cdef_lua(const char *code, char *msg, size_t msglen)
{
	struct fz_alloc a = { 0 };
	lua_State *L = lua_newstate(fz_lalloc, &a);
	int rc;

	msg[0] = '\0';
	if (L == NULL) {
		snprintf(msg, msglen, "lua_newstate failed");
		return -1;
	}
	lua_pushcfunction(L, run_chunk);
	lua_pushlightuserdata(L, (void *)(uintptr_t)code);
	rc = lua_pcall(L, 1, 0, 0);
	if (rc != LUA_OK)
		snprintf(msg, msglen, "%s", lua_tostring(L, -1));
	lua_close(L);
	return rc == LUA_OK ? 0 : -1;
}

int
fz_cdef_run(const uint8_t *data, size_t size, char *msg, size_t msglen)
{
	struct fz_alloc a = { 0 };
	lua_State *L = lua_newstate(fz_lalloc, &a);
	int rc, ret = 0;

	msg[0] = '\0';
	if (L == NULL) {
		snprintf(msg, msglen, "lua_newstate failed");
		return -1;
	}
	lua_pushcfunction(L, run_driver);
	lua_pushlightuserdata(L, (void *)(uintptr_t)data);
	lua_pushinteger(L, (lua_Integer)size);
	rc = lua_pcall(L, 2, 0, 0);
	/* Every ffi call in the driver is protected; only running out of the state's memory
	 * may end it early.  Anything else is a driver bug worth stopping for. */
	if (rc != LUA_OK && rc != LUA_ERRMEM) {
		snprintf(msg, msglen, "driver error %d: %s", rc, lua_tostring(L, -1));
		ret = -1;
	}
	lua_close(L);
	return ret;
}
