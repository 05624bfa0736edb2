/*
 * Runs the FFI test files (test/ffi/all.lua) in an embedded PUC Lua (5.3 or 5.4, whichever
 * headers it was compiled with) with the ffi module (rumpus_ffi) linked in, printing TAP. Built with the
 * rest of the C tests, so under `make asan` the FFI itself runs with AddressSanitizer and
 * UndefinedBehaviorSanitizer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

int luaopen_rumpus_ffi(lua_State *L);

int
main(void)
{
	lua_State *L = luaL_newstate();
	int failed;

	if (L == NULL)
		return 1;
	luaL_openlibs(L);
	luaL_requiref(L, "rumpus_ffi", luaopen_rumpus_ffi, 0);
	lua_pop(L, 1);
	if (luaL_dostring(L,
	    "package.path = '" FFI_SRCDIR "/lua/?.lua;" FFI_SRCDIR "/lua/?/init.lua;' .. package.path\n"
	    "return require('rump.test').runfile('" FFI_SRCDIR "/test/ffi/all.lua')") != LUA_OK) {
		printf("1..1\nnot ok 1 - run test/ffi/all.lua\n# %s\n", lua_tostring(L, -1));
		lua_close(L);
		return 1;
	}
	failed = (int)lua_tointeger(L, -1);
	lua_close(L);
	return failed != 0;
}
