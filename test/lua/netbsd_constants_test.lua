-- The NetBSD constants of lua/syscall/netbsd/constants.lua come from the ABI facts table and
-- the committed file is what the generator makes from it now.
local T = require "rump.test"

local tsv = "abi/netbsd/constants.tsv"

T.case("generated constants file is fresh", function()
  local out = os.tmpname()
  T.defer(function() os.remove(out) end)
  local _, ok = T.sh("luajit tools/gen_netbsd_constants.lua " .. T.shquote(tsv) .. " " .. T.shquote(out))
  T.ok(ok, "generator ran")
  local a = assert(io.open(out)):read("*a")
  local b = assert(io.open("lua/syscall/netbsd/constants.lua")):read("*a")
  T.ok(a == b, "lua/syscall/netbsd/constants.lua is stale: run luajit tools/gen_netbsd_constants.lua")
end)

T.case("every errno and open flag agrees with the facts", function()
  local c = require "syscall.netbsd.constants"
  local n = 0
  for line in io.lines(tsv) do
    local fam, name, value = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)\t")
    if fam == "errno" then
      T.eq(c.E[name:sub(2)], tonumber(value), name); n = n + 1
    elseif fam == "O" then
      T.eq(c.O[name:sub(3)], tonumber(value), name); n = n + 1
    elseif fam == "AF" then
      T.eq(c.AF[name:sub(4)], tonumber(value), name); n = n + 1
    end
  end
  T.ok(n > 150, "checked " .. n .. " constants")
end)

T.case("NetBSD values differ from Linux where the ABIs differ", function()
  local nb = require "syscall.netbsd.constants"
  local lx = require "syscall.linux.constants"
  T.eq(nb.E.AGAIN, 35); T.eq(lx.E.AGAIN, 11)
  T.eq(nb.O.CREAT, 0x200); T.eq(lx.O.CREAT, 0x40)
  T.eq(nb.AF.INET6, 24); T.eq(lx.AF.INET6, 10)
  T.eq(nb.O["creat, rdwr"], 0x202)
end)
