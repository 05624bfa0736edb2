-- TCP loss recovery between two kernels over an impaired bus (rump.net's impair), under
-- the virtual clock so retransmission timeouts and delayed frames cost no real time:
-- 100 MB from A to B, compared byte for byte, across 5% loss and netem-style
-- reordering, with SACK (RFC 6675 recovery, limited transmit, early retransmit) and
-- without (NewReno); the impairment counters show the link really lost and reordered.
-- The segment-level rules are pinned in test/c/tcp_recovery_test.c.
local T = require "rump.test"
local rump = require "rump"
local rnet = require "rump.net"

local function build(spec)
  local net, err, step = rnet.build(spec)
  assert(net, tostring(err) .. " at " .. tostring(step))
  T.defer(function() net:destroy() end)
  return net
end

local function virtual()
  local was = rump.clock.virtual(true)
  T.defer(function() rump.clock.virtual(was) end)
end

-- The byte stream: 64 KiB blocks, each starting with its number.
local BLK = 65536
local base
do
  local t = {}
  for i = 1, BLK do t[i] = string.char((i * 197 + 11) % 251) end
  base = table.concat(t)
end
local function block(i) return string.format("%08x", i) .. base:sub(9) end

-- nblocks from A's socket c to B's socket s, both non-blocking, one thread: returns
-- the bytes received intact and the first mismatch or error.
local function transfer(A, c, B, s, nblocks)
  local total = nblocks * BLK
  local si, soff, scur = 0, 0, block(0)
  local ri, roff, rcur = 0, 0, block(0)
  local sent, got, idle = 0, 0, 0
  while got < total do
    local moved = false
    if sent < total then
      local n, e = A.send(c, soff == 0 and scur or scur:sub(soff + 1))
      if n and n > 0 then
        moved = true
        sent, soff = sent + n, soff + n
        if soff == BLK then si, soff = si + 1, 0; scur = block(si) end
      elseif not n and not e.AGAIN then
        return got, "send: " .. tostring(e)
      end
    end
    local r, e = B.recv(s, nil, BLK)
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
      if idle > 10000 then return got, "no progress for 10000 rounds" end
      -- sleep in B until something arrives: the virtual clock moves to the next
      -- deadline (a delayed frame, a retransmission timeout)
      B.poll({ { fd = s, events = "in" } }, 50)
    end
  end
  return got
end

local function lossy(sack, mb)
  virtual()
  local net = build{ hosts = { "a", "b" },
                     buses = { lan = { { "a", "10.9.0.1/24" }, { "b", "10.9.0.2/24" } } } }
  local A, B = net.hosts.a.S, net.hosts.b.S
  if not sack then
    assert(A.sysctl("net.inet.tcp.sack", 0))
    assert(B.sysctl("net.inet.tcp.sack", 0))
  end
  local l = assert(B.socket("inet", "stream"))
  assert(B.bind(l, B.t.sockaddr_in(80)))
  assert(B.listen(l, 4))
  local c = assert(A.socket("inet", "stream"))
  assert(A.connect(c, A.t.sockaddr_in(80, "10.9.0.2")))
  local s = assert(B.accept(l))
  assert(A.nonblock(c)); assert(B.nonblock(s))
  -- 5% loss both ways; a 1 ms delay that a quarter of the frames skip (netem's
  -- reordering: they overtake the delayed ones)
  assert(net:impair("lan", { loss = 0.05, delay = 1, reorder = 0.25, gap = 3 }))
  local nblocks = mb * 1048576 / BLK
  local n, err = transfer(A, c, B, s, nblocks)
  T.eq(err, nil, "no error")
  T.eq(n, nblocks * BLK, mb .. " MB intact")
  local st = assert(net:impair_stats("lan"))
  T.ok(st.lost > st.frames / 40, "frames were lost (" .. st.lost .. " of " .. st.frames .. ")")
  T.ok(st.reordered > 100, "frames were reordered (" .. st.reordered .. ")")
  assert(net:impair("lan", {}))
  -- the connection still works both ways and closes in order
  assert(A.shutdown(c, "wr"))
  T.ok(T.wait(function() B.poll({ { fd = s, events = "in" } }, 50); return B.recv(s) == "" end, 100),
    "B reads EOF")
end

T.case("100 MB across 5% loss and reordering, SACK (RFC 6675 recovery)", function()
  lossy(true, 100)
end)

T.case("16 MB across 5% loss and reordering, without SACK (NewReno, limited transmit)", function()
  lossy(false, 16)
end)
