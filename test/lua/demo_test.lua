-- examples/demo.lua (make demo), small: it succeeds, writes its captures where DEMO_DIR says,
-- and ends by telling the user what to do next with those files and this checkout.
local T = require "rump.test"
local interp = arg and arg[-1] or "luajit"
local q = T.shquote

T.case("make demo ends with the next steps and its files are where it says", function()
  local dir = T.tmpdir() .. "/out"
  local out, ok = T.sh("env DEMO_KERNELS=20 DEMO_DIR=" .. q(dir) .. " " .. q(interp) .. " examples/demo.lua")
  T.ok(ok, out)
  T.ok(out:find("report: 20 kernels", 1, true), out)
  T.ok(out:find("report: 20 kernels, boot [%d.]+ us each, 0 errors"), out)
  -- TCP: one server kernel, 39 client kernels (most across two routers)
  T.ok(out:find("tcp: 39/39 clients connected to h1_1", 1, true), out)
  local next_at = out:find("\nnext:\n", 1, true)
  T.ok(next_at, out)
  local tail = out:sub(next_at)
  for _, b in ipairs { "core", "lan1" } do
    local path = dir .. "/" .. b .. ".pcap"
    T.ok(tail:find("tshark -r " .. path, 1, true), tail)
    local f = assert(io.open(path, "rb"), path)
    local magic = f:read(4)
    f:close()
    -- pcap magic 0xa1b2c3d4 in either byte order
    T.ok(magic == "\212\195\178\161" or magic == "\161\178\195\212", "pcap magic of " .. path)
  end
  T.ok(tail:find("DEMO_DIR=", 1, true), tail)
  local root = T.sh("pwd")
  T.ok(tail:find("LUA_PATH='" .. root .. "/lua/?.lua;", 1, true), tail)
end)
