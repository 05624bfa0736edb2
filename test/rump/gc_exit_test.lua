-- Kernels left to the garbage collector: scripts that drop kernels with open files, socket
-- pairs and networks, and exit, must exit cleanly (status 0, no hang) on every Lua: the
-- finalizers of kernels and of their descriptors run in any order (at lua_close too), and a
-- descriptor's finalizer must never reach a kernel that is already freed.  Descriptors of a
-- destroyed kernel are inert; a network survives a kernel destroyed by hand.
local T = require "rump.test"
local rump = require "rump"

local interp = (arg and arg[-1]) or "luajit"
local RUNS = 20

local child = [=[
local rump = require "rump"
local mode = arg[1]
local keep = {}
if mode == "kernels" or mode == "mixed" then
  for i = 1, 50 do
    local k = rump.kernel{ "fs.tmpfs", "net.local" }
    local fd = assert(k.S.open("/f" .. i, "creat, rdwr", "0644"))
    assert(fd:write("x"))
    local ok, err, a, b = k.S.socketpair("unix", "stream")
    assert(ok, err)
    assert(a:write("y"))
    -- some descriptors outlive every reference to their kernel, some kernels stay referenced
    if i % 3 == 0 then keep[#keep + 1] = { a, b, fd } end
    if i % 7 == 0 then keep[#keep + 1] = k end
    if mode == "mixed" and i % 10 == 0 then collectgarbage() end
  end
end
if mode == "nets" or mode == "mixed" then
  local rnet = require "rump.net"
  for _ = 1, 3 do
    local net = assert(rnet.line(2))
    if mode == "mixed" then keep[#keep + 1] = net.hosts end
  end
end
io.stdout:write("done\n")
]=]

local function sh(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

-- Runs the child script RUNS times in mode; every run must print done and exit 0 in 60 s.
local function runs(mode)
  local dir = T.tmpdir()
  local path = dir .. "/child.lua"
  local f = assert(io.open(path, "w"))
  f:write(child)
  f:close()
  local cmd = "timeout 60 " .. sh(interp) .. " " .. sh(path) .. " " .. mode
  for i = 1, RUNS do
    local out, ok = T.sh(cmd)
    T.ok(ok and out:find("done", 1, true), ("run %d of %s %s: exit status 0 after 'done' (got: %s)")
      :format(i, interp, mode, out:sub(-300)))
  end
end

T.case("50 kernels with files and socket pairs left to the GC: the script exits cleanly", function()
  runs("kernels")
end)

T.case("three rump.net.line(2) networks left to the GC: the script exits cleanly", function()
  runs("nets")
end)

T.case("kernels, descriptors and networks, some collected early: the script exits cleanly", function()
  runs("mixed")
end)

T.case("a kernel collected while its descriptors live: they are inert", function()
  local fd, a
  do
    local k = rump.kernel{ "fs.tmpfs", "net.local" }
    fd = assert(k.S.open("/f", "creat, rdwr", "0644"))
    local ok, err
    ok, err, a = k.S.socketpair("unix", "stream")
    assert(ok, err)
  end
  collectgarbage(); collectgarbage()
  T.err(function() return fd:read() end, "destroyed kernel")
  T.eq(fd:close(), true, "close of a collected kernel's descriptor")
  T.eq(a:close(), true)
  T.eq(a:close(), true, "twice")
end)

T.case("after destroy, descriptors close inertly and facts do not reach the freed kernel", function()
  local k = rump.kernel{ "fs.tmpfs", "net.local" }
  local fd = assert(k.S.open("/f", "creat, rdwr", "0644"))
  local ok, err, a, b = k.S.socketpair("unix", "stream")
  assert(ok, err)
  local n = fd:getfd()
  T.ok(k:destroy())
  T.eq(fd:close(), true, "fd:close() after destroy")
  T.eq(a:close(), true)
  T.eq(fd:getfd(), -1, "a closed descriptor's number is -1")
  T.eq(b:getfd() >= 0 and b:getfd() ~= n, true, "getfd still answers")
  T.err(function() return b:write("x") end, "destroyed kernel")
  T.ok(k:halted(), "a destroyed kernel is halted")
  T.err(function() return k:memused() end, "destroyed kernel")
  T.err(function() return k:has("vfs") end, "destroyed kernel")
  T.err(function() return k:ncpu() end, "destroyed kernel")
  b = nil
  collectgarbage(); collectgarbage()   -- b's finalizer does nothing
end)

T.case("kernel facts and a bad component name", function()
  local k = rump.kernel{ "fs.tmpfs" }
  T.defer(function() k:destroy() end)
  T.eq(k:has("fs.tmpfs"), true)
  T.eq(k:has("net.local"), false)
  T.err(function() return k:has(nil) end, "bad argument #1 to 'has'")
  T.ok(k:memused() > 0)
  T.eq(k:ncpu(), 1)
  T.eq(k:halted(), false)
end)

T.case("net:destroy() with a kernel destroyed by hand destroys the others", function()
  local rnet = require "rump.net"
  local net = assert(rnet.line(3))
  local ks = {}
  for _, h in ipairs(net.order) do ks[#ks + 1] = h.kernel end
  T.eq(#ks, 3)
  T.ok(ks[2]:destroy())
  T.eq(net:destroy(), true)
  for i, k in ipairs(ks) do T.ok(k.dead, "kernel " .. i .. " destroyed") end
  T.eq(net:destroy(), true, "twice")
end)
