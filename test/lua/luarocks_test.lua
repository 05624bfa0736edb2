-- rockspec/rumpus-scm-1.rockspec: `luarocks make --tree <tmp>` (offline) builds and installs
-- rumpus for the interpreter running this file (luajit: --lua-version 5.1; lua5.3; lua5.4),
-- and the modules load from that tree alone, from another directory.  The build directory is
-- the current one ($RUMPUS_BUILD, through make's environment), so the kernel library is not
-- rebuilt; rumpus_ffi.so for PUC Lua is built by the rock against LuaRocks' Lua headers.
local T = require "rump.test"
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local repo = T.sh("pwd")
local build = os.getenv("RUMPUS_BUILD") or (repo .. "/build")
local interp = arg and arg[-1] or "luajit"
local V = rawget(_G, "jit") and "5.1" or _VERSION:match("%d+%.%d+")
local q = T.shquote

local function luarocks()
  if T.sh("command -v luarocks") == "" then
    T.skip("luarocks is not installed (Debian: apt-get install luarocks; make deps does)")
  end
  return "luarocks --lua-version " .. V
end

T.case("luarocks make installs into a tree and the modules load from it alone", function()
  local lr = luarocks()
  local tree = T.tmpdir() .. "/tree"
  local out, ok = T.sh("env BUILD=" .. q(build) .. " MAKEFLAGS= " .. lr .. " make --tree " .. q(tree) ..
    " rockspec/rumpus-scm-1.rockspec")
  T.ok(ok, "luarocks make: " .. out)
  T.ok(out:find("rumpus scm%-1 is now installed"), out)
  -- where LuaRocks deploys: modules in share/lua/V, C modules and the kernel in lib/lua/V
  local function exists(p) local f = io.open(tree .. "/" .. p, "rb") if f then f:close() end return f ~= nil end
  T.ok(exists("share/lua/" .. V .. "/syscall.lua"), "syscall.lua deployed")
  T.ok(exists("share/lua/" .. V .. "/rump/init.lua"), "rump/init.lua deployed")
  T.ok(exists("lib/lua/" .. V .. "/librumpus.so"), "librumpus.so deployed")
  T.eq(exists("lib/lua/" .. V .. "/rumpus_ffi.so"), V ~= "5.1", "rumpus_ffi.so for PUC Lua only")
  local lpath = tree .. "/share/lua/" .. V .. "/?.lua;" .. tree .. "/share/lua/" .. V .. "/?/init.lua"
  local cpath = tree .. "/lib/lua/" .. V .. "/?.so"
  out, ok = T.sh("cd / && env -u RUMPUS_BUILD -u RUMPUS_LIB -u LD_LIBRARY_PATH -u LUA_INIT -u LUA_INIT_5_3 -u LUA_INIT_5_4 -u LUA_PATH_5_3 -u LUA_PATH_5_4 -u LUA_CPATH_5_3 -u LUA_CPATH_5_4 LUA_PATH=" ..
    q(lpath) .. " LUA_CPATH=" .. q(cpath) .. " " .. q(interp) .. " " .. q(repo .. "/" .. here .. "shared/installed_smoke.lua"))
  T.ok(ok, out)
  T.ok(out:find("syscall from\t" .. tree .. "/share/lua/" .. V .. "/syscall.lua", 1, true), out)
  T.ok(out:find("smoke ok", 1, true), out)
  -- and luarocks knows it: show, remove
  out, ok = T.sh(lr .. " --tree " .. q(tree) .. " list --porcelain")
  T.ok(ok and out:find("^rumpus\tscm%-1\tinstalled"), out)
  out, ok = T.sh(lr .. " --tree " .. q(tree) .. " remove rumpus")
  T.ok(ok, out)
  T.ok(not exists("share/lua/" .. V .. "/syscall.lua"), "removed")
end)

T.case("the rockspec declares the Lua versions it supports", function()
  local f = assert(io.open("rockspec/rumpus-scm-1.rockspec"))
  local src = f:read("*a")
  f:close()
  local env = {}
  local chunk = assert((loadstring or load)(src, "rockspec", "t", env))
  if setfenv then setfenv(chunk, env) end
  chunk()
  T.same(env.dependencies, { "lua >= 5.1, < 5.5, ~= 5.2" })
  T.eq(env.build.type, "make")
  -- the build refuses a PUC Lua 5.1 (no ffi), naming what is supported
  local out = T.sh("tools/rock.sh build " .. q(repo .. "/" .. here .. "shared/fake_lua51.sh") .. " /nonexistent x cc ''")
  T.ok(out:find("Lua 5.1 is not supported: use LuaJIT", 1, true), out)
end)
