-- kqueue/kevent in a kernel from Lua (NetBSD's event notification; the kernel implements the
-- read, write and timer filters).
local T = require "rump.test"
local rump = require "rump"

local function kernel()
  local k = rump.kernel{ "vfs", "fs.tmpfs", "net", "net.local" }
  T.defer(function() k:destroy() end)
  return k.S
end

local function collect(it)
  local list = {}
  for _, ev in it do list[#list + 1] = { fd = ev.fd, filter = ev.filtername, data = tonumber(ev.data), eof = ev.EOF } end
  return list
end

T.case("read filter: nothing, then the bytes waiting on a socket", function()
  local S = kernel()
  local _, _, a, b = assert(S.socketpair("unix", "stream"))
  local kq = assert(S.kqueue())
  T.same(collect(assert(S.kevent(kq, { { fd = b, filter = "read", flags = "add" } }, 4, 0))), {})
  T.eq(a:write("hello"), 5)
  local evs = collect(assert(S.kevent(kq, nil, 4, 0)))
  T.eq(#evs, 1)
  T.eq(evs[1].fd, b:getfd()); T.eq(evs[1].filter, "READ"); T.eq(evs[1].data, 5)
  -- The peer closing makes the socket readable (end of file: a read returns nothing).
  b:read(); a:close()
  evs = collect(assert(S.kevent(kq, nil, 4, 0)))
  T.eq(#evs, 1); T.eq(evs[1].data, 0)
  T.eq(b:read(), "")
end)

T.case("a pipe whose writer closed reports EOF", function()
  local S = kernel()
  local _, _, r, w = assert(S.pipe())
  local kq = assert(S.kqueue())
  assert(S.kevent(kq, { { fd = r, filter = "read", flags = "add" } }, false))
  w:close()
  local evs = collect(assert(S.kevent(kq, nil, 4, 0)))
  T.eq(#evs, 1); T.ok(evs[1].eof, "EV_EOF")
end)

T.case("write filter and delete", function()
  local S = kernel()
  local _, _, a = assert(S.socketpair("unix", "stream"))
  local kq = assert(S.kqueue("cloexec"))
  local evs = collect(assert(S.kevent(kq, { { fd = a, filter = "write", flags = "add" } }, 4, 0)))
  T.eq(#evs, 1); T.eq(evs[1].filter, "WRITE"); T.ok(evs[1].data > 0, "send space reported")
  assert(S.kevent(kq, { { fd = a, filter = "write", flags = "delete" } }, false))
  T.same(collect(assert(S.kevent(kq, nil, 4, 0))), {})
end)

T.case("timer filter fires; a blocking kevent waits for it", function()
  local S = kernel()
  local kq = assert(S.kqueue())
  local evs = collect(assert(S.kevent(kq, { { ident = 7, filter = "timer", flags = "add, oneshot", data = 5 } }, 4, 2)))
  T.eq(#evs, 1); T.eq(evs[1].fd, 7); T.eq(evs[1].filter, "TIMER")
end)

T.case("kevent errors: bad descriptors and arguments", function()
  local S = kernel()
  local kq = assert(S.kqueue())
  -- A bad change is reported in the event list when there is room (EV_ERROR, data = errno),
  -- and as the call's error when there is none, as NetBSD's kevent(2) says.
  local got = {}
  for _, ev in assert(S.kevent(kq, { { fd = 999, filter = "read", flags = "add" } }, 4, 0)) do
    got[#got + 1] = { err = ev.ERROR, data = tonumber(ev.data) }
  end
  T.same(got, { { err = true, data = S.c.E.BADF } })
  T.fails("BADF", S.kevent(kq, { { fd = 999, filter = "read", flags = "add" } }, false, 0))
  T.fails("BADF", S.kevent(12345, nil, 4, 0))
  T.err(function() S.kevent(kq, "nope") end, "bad argument #2 to 'kevent'")
  T.err(function() S.kevent(kq, { { fd = 0, filter = "bogus" } }) end, "unknown EVFILT")
end)
