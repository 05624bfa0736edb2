-- TCP loss recovery between two kernels over an impaired bus (rump.net's impair), under
-- the virtual clock so retransmission timeouts and delayed frames cost no real time:
-- 100 MB from A to B, compared byte for byte, across 5% loss and netem-style
-- reordering, with SACK (RFC 6675 recovery, limited transmit, early retransmit) and
-- without (NewReno); the impairment counters show the link really lost and reordered.
-- The segment-level rules are pinned in test/c/tcp_recovery_test.c.
local T = require "rump.test"

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local N = dofile(here .. "shared/net.lua")
local build, virtual, BLK = N.build, N.virtual, N.BLK

-- The byte stream: 64 KiB blocks, each starting with its number.
local block = N.blocks(197, 11)

-- nblocks from A's socket c to B's socket s, both non-blocking, one thread: returns
-- the bytes received intact and the first mismatch or error.
local function transfer(A, c, B, s, nblocks)
  -- sleep in B until something arrives: the virtual clock moves to the next
  -- deadline (a delayed frame, a retransmission timeout)
  return N.transfer(block, nblocks, function(str) return A.send(c, str) end,
    function() return B.recv(s, nil, BLK) end,
    function() B.poll({ { fd = s, events = "in" } }, 50) end, 10000)
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
