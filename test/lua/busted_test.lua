-- Our busted specs (spec/, configured by .busted) pass under busted with the interpreter of
-- this run.  On LuaJIT busted replaces ffi.typeof/ffi.metatype/ffi.cdef by caches keyed by the
-- first argument and reloads modules for every spec file: the specs exercise pipe,
-- socketpair, getsockopt, pointer types and rump.net there (docs/testing.md).
local T = require "rump.test"
local interp = arg and arg[-1] or "luajit"
local q = T.shquote

T.case("busted runs spec/ and every spec passes", function()
  local has, ok0 = T.sh("env -u LUA_PATH -u LUA_CPATH " .. q(interp) .. " -e 'require \"busted.runner\"'")
  if not ok0 and has:find("module 'busted.runner' not found", 1, true) then
    T.skip("busted is not installed for " .. interp .. " (Debian: apt-get install lua-busted; make deps does)")
  end
  T.ok(ok0, has)
  -- what the busted command does, run by this interpreter, with only the interpreter's
  -- default paths as a user's shell would have: the checkout's modules and build come from
  -- .busted
  local out, ok = T.sh("env -u LUA_PATH -u LUA_CPATH -u LUA_PATH_5_3 -u LUA_PATH_5_4 -u LUA_CPATH_5_3 -u LUA_CPATH_5_4 " ..
    q(interp) .. " -e " .. q('arg = { [0] = "busted", "-o", "plainTerminal" } require "busted.runner"({ standalone = false })'))
  T.ok(ok, out)
  local n, f, e = out:match("(%d+) successes? / (%d+) failures? / (%d+) errors?")
  T.ok(n, out)
  T.eq(tonumber(f), 0, out)
  T.eq(tonumber(e), 0, out)
  T.ok(tonumber(n) >= 8, "successes: " .. tostring(n))
end)
