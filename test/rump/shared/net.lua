-- Helpers the test/rump files share (not a test file: the runner only takes *_test.lua):
--   local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
--   local N = dofile(here .. "shared/net.lua")
-- Everything a helper makes is undone by T.defer at the end of the case.
local T = require "rump.test"
local rump = require "rump"
local rnet = require "rump.net"

local N = {}

-- rnet.build(spec), asserted, destroyed at the end of the case.
function N.build(spec)
  local net, err, step = rnet.build(spec)
  assert(net, tostring(err) .. " at " .. tostring(step))
  T.defer(function() net:destroy() end)
  return net
end

-- The kernels' virtual clock on for this case (and back as it was after).
function N.virtual()
  local was = rump.clock.virtual(true)
  T.defer(function() rump.clock.virtual(was) end)
end

-- n bytes of a pattern: byte i is (i * 131 + seed) % 251.
function N.pattern(n, seed)
  local t = {}
  for i = 1, n do t[i] = string.char((i * 131 + seed) % 251) end
  return table.concat(t)
end

-- The byte stream of a transfer: BLK-byte blocks, each starting with its number in
-- eight hex digits, the rest byte i being (i * mul + add) % 251.
N.BLK = 65536
N.MB = 1048576

function N.blocks(mul, add)
  local t = {}
  for i = 1, N.BLK do t[i] = string.char((i * mul + add) % 251) end
  local base = table.concat(t)
  return function(i) return string.format("%08x", i) .. base:sub(9) end
end

-- Moves nblocks blocks (of the stream block, from N.blocks) from a sender to a
-- receiver, both non-blocking, in this one thread: send(str) -> n | nil, err;
-- recv() -> str ("" at EOF) | nil, err; wait() blocks a little for the receiver when a
-- round moved nothing, at most maxidle rounds in a row.  Every byte received is
-- compared with the one sent.  Returns the bytes received intact, and the first
-- mismatch or error.
function N.transfer(block, nblocks, send, recv, wait, maxidle)
  local BLK = N.BLK
  local total = nblocks * BLK
  local si, soff, scur = 0, 0, block(0)
  local ri, roff, rcur = 0, 0, block(0)
  local sent, got, idle = 0, 0, 0
  while got < total do
    local moved = false
    if sent < total then
      local n, e = send(soff == 0 and scur or scur:sub(soff + 1))
      if n and n > 0 then
        moved = true
        sent, soff = sent + n, soff + n
        if soff == BLK then si, soff = si + 1, 0; scur = block(si) end
      elseif not n and not e.AGAIN then
        return got, "send: " .. tostring(e)
      end
    end
    local r, e = recv()
    if r and #r > 0 then
      moved = true
      local p = 1
      while p <= #r do
        local take = math.min(#r - p + 1, BLK - roff)
        if r:sub(p, p + take - 1) ~= rcur:sub(roff + 1, roff + take) then
          return got, "data differs at byte " .. (got + p - 1)
        end
        p, roff = p + take, roff + take
        if roff == BLK then ri, roff = ri + 1, 0; rcur = block(ri) end
      end
      got = got + #r
    elseif r == "" then
      return got, "EOF after " .. got .. " bytes"
    elseif not r and not e.AGAIN then
      return got, "recv: " .. tostring(e)
    end
    if moved then idle = 0 else
      idle = idle + 1
      if idle > maxidle then return got, "no progress for " .. maxidle .. " rounds" end
      wait()
    end
  end
  return got
end

return N
