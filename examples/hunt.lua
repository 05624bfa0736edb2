-- Bug hunting in our own kernel with rump.race (docs/race.md, "Hunting"): scenarios whose
-- invariants are the kernel's promises, not an application's, run on thousands of seeds
-- with swarm faults (allocation failure, timer skew, link impairments).  Any failure is a
-- kernel bug (or a scenario bug): the run prints its seed, its choice list and the shrunk
-- list.  Each scenario fn(w) boots fresh kernels, runs its threads and raises when an
-- invariant broke; with the alloc fault site on, calls may fail with ENOMEM/ENOBUFS, so
-- invariants accept errors but never wrong data, hangs, leaks or crashes.
--
--   unixpass  two processes of one kernel: one passes an open tmpfs file over an AF_UNIX
--             socketpair and closes everything; the other receives it and reads it (the
--             file's bytes, or an error: never other bytes); no kernel memory left behind
--   pipekq    two processes on a pipe and a kqueue: a writer writes and closes; a reader
--             waits with poll, asks kevent (poll readable means kevent reports READ with
--             data > 0 or EOF) and reads everything: the bytes in order, then EOF
--   names     three processes on one tmpfs directory: link, rename, unlink, open/creat; at
--             the end every name's link count equals the number of names of its inode
--   tcpclose  two kernels: a client connects, sends and closes (or aborts with an RST)
--             while the server accepts and reads: the server reads a prefix of what was
--             sent then EOF or ECONNRESET; afterwards the listener still accepts
--
--   ./rumpus examples/hunt.lua [name] [runs] [first-seed]
local rump = require "rump"
local rnet = require "rump.net"
local race = require "rump.race"

local H = {}

local function with(kernels, body)
  local ok, err = pcall(body)
  for i = #kernels, 1, -1 do kernels[i]:destroy() end
  if not ok then error(err, 0) end
end

-- no kernel bytes left once the scenario's kernels are gone
local function noleak(m0, what)
  local m1 = rump.memstats()
  if m1.leaked ~= m0.leaked or m1.bytes ~= m0.bytes then
    error(("%s: kernel memory left behind (%d -> %d bytes, leaked %d -> %d)"):format(what,
      m0.bytes, m1.bytes, m0.leaked, m1.leaked), 0)
  end
end

local ALLOCERR = { ENOMEM = true, ENOBUFS = true, ENOSPC = true }
local function allowed(err, extra)
  local name = err and err.sym or tostring(err)
  if err and (ALLOCERR[name] or (extra and extra[name])) then return true end
  return false
end

function H.unixpass(w)
  local m0 = rump.memstats()
  local k = rump.kernel{ "vfs", "fs.tmpfs", "net", "net.local" }
  local got
  with({ k }, function()
    local S = k.S
    local f = assert(S.open("/payload", "creat, rdwr, trunc", "0644"))
    assert(S.write(f, "payload!")); assert(S.close(f))
    -- plain numbers: each process closes its own copy (an object closed once is closed)
    local _, _, ao, bo = assert(S.socketpair("unix", "stream"))
    local a, b = ao:nogc():getfd(), bo:nogc():getfd()
    local snd = assert(k:rfork("copy")); k:switch(nil)
    local rcv = assert(k:rfork("copy")); k:switch(nil)
    assert(S.close(a)); assert(S.close(b))      -- the children hold them now
    w:spawn("sender", k, snd, function(S)
      local fd = S.open("/payload", "rdonly")
      S.close(b)
      if fd then
        fd = fd:nogc():getfd()
        local msg = S.t.msghdr{ iov = { "x" }, control = S.t.cmsghdr("socket", "rights", { fd }) }
        local ok, err = S.sendmsg(a, msg, 0)
        if not ok and not allowed(err, { EPIPE = true, ECONNRESET = true }) then
          error("sendmsg: " .. tostring(err), 0)
        end
        S.close(fd)
      end
      S.close(a)
    end)
    w:spawn("receiver", k, rcv, function(S)
      S.close(a)
      local data = S.t.buffer(16)
      local msg = S.t.msghdr{ iov = { { data, 16 } }, control = S.cmsg_space(4 * 4) }
      msg.msg_controllen = S.cmsg_len(4 * 4)
      local n, err = S.recvmsg(b, msg, 0)
      if not n then
        if not allowed(err) then error("recvmsg: " .. tostring(err), 0) end
      elseif n > 0 then
        local nums = {}
        for _, cm in msg:cmsgs() do for _, n in ipairs(cm:fdnumbers()) do nums[#nums + 1] = n end end
        for _, fd in ipairs(nums) do
          local v, e = S.pread(fd, nil, 16, 0)
          if v then got = v elseif not allowed(e) then error("pread of a passed fd: " .. tostring(e), 0) end
          S.close(fd)
        end
      end
      S.close(b)
    end)
    w:run()
    if got ~= nil and got ~= "payload!" then error("a passed fd read " .. ("%q"):format(got), 0) end
  end)
  noleak(m0, "unixpass")
end

function H.pipekq(w)
  local m0 = rump.memstats()
  local k = rump.kernel{ "vfs", "fs.tmpfs" }
  local chunks = { "alpha", "beta", "gamma", "delta" }
  local want = table.concat(chunks)
  local got, eof = {}, false
  with({ k }, function()
    local S = k.S
    local _, _, ro, wo = assert(S.pipe())
    local r, wr = ro:nogc():getfd(), wo:nogc():getfd()
    local pw = assert(k:rfork("copy")); k:switch(nil)
    local pr = assert(k:rfork("copy")); k:switch(nil)
    assert(S.close(r)); assert(S.close(wr))
    w:spawn("writer", k, pw, function(S)
      S.close(r)
      for _, c in ipairs(chunks) do
        local n, err = S.write(wr, c)
        if not n then
          if allowed(err) then break end
          error("pipe write: " .. tostring(err), 0)
        end
        if n ~= #c then error("short pipe write " .. n, 0) end
      end
      S.close(wr)
    end)
    w:spawn("reader", k, pr, function(S)
      S.close(wr)
      local kq = S.kqueue()
      if kq and not S.kevent(kq, { { fd = r, filter = "read", flags = "add" } }, 0, 0) then
        S.close(kq); kq = nil
      end
      while true do
        -- no timeout: a lost wakeup shows as the world's deadlock (skew may pass any timeout)
        local n = S.poll({ { fd = r, events = "in" } }, -1)
        if not n or n == 0 then error("poll(-1) on a pipe returned " .. tostring(n), 0) end
        if kq then
          local ok, it = pcall(S.kevent, kq, nil, 4, 0)
          if ok and it then
            local seen = false
            for _, ev in it do
              if ev.filtername == "READ" then
                seen = true
                if not ev.EOF and tonumber(ev.data) <= 0 then
                  error("kevent READ without data or EOF on a readable pipe", 0)
                end
              end
            end
            if not seen then error("poll says readable, kevent reports nothing", 0) end
          end
        end
        local v, err = S.read(r, nil, 64)
        if v == nil then
          if allowed(err) then break end
          error("pipe read: " .. tostring(err), 0)
        end
        if v == "" then eof = true break end
        got[#got + 1] = v
      end
      if kq then S.close(kq) end
      S.close(r)
    end)
    w:run()
    local s = table.concat(got)
    if want:sub(1, #s) ~= s then error(("pipe delivered %q, not a prefix of %q"):format(s, want), 0) end
    if eof and #s ~= #want and not w.faults.alloc then error(("EOF after %q of %q"):format(s, want), 0) end
  end)
  noleak(m0, "pipekq")
end

function H.names(w)
  local m0 = rump.memstats()
  local k = rump.kernel{ "vfs", "fs.tmpfs" }
  with({ k }, function()
    local S = k.S
    assert(S.mkdir("/d", "0755"))
    local f = assert(S.open("/d/a", "creat, wronly", "0644")); assert(S.write(f, "A")); S.close(f)
    local p = {}
    for i = 1, 3 do p[i] = assert(k:rfork("copy")); k:switch(nil) end
    w:spawn("linker", k, p[1], function(S)
      S.link("/d/a", "/d/b")
      S.rename("/d/b", "/d/c")
      S.link("/d/c", "/d/e")
    end)
    w:spawn("renamer", k, p[2], function(S)
      S.rename("/d/a", "/d/x")
      S.rename("/d/c", "/d/a")
      S.unlink("/d/e")
    end)
    w:spawn("creator", k, p[3], function(S)
      local g = S.open("/d/b", "creat, wronly", "0644")
      if g then S.write(g, "B"); S.close(g) end
      S.unlink("/d/x")
      S.rename("/d/b", "/d/c")
    end)
    w:run()
    -- every inode's link count is the number of its names
    local names, byino = {}, {}
    for _, n in ipairs{ "a", "b", "c", "e", "x" } do
      local st = S.stat("/d/" .. n)
      if st then
        names[#names + 1] = n
        local ino = tonumber(st.ino)
        byino[ino] = byino[ino] or { nlink = tonumber(st.nlink), names = {} }
        table.insert(byino[ino].names, n)
      end
    end
    for ino, e in pairs(byino) do
      if e.nlink ~= #e.names then
        error(("inode %d: link count %d, names %s"):format(ino, e.nlink, table.concat(e.names, ",")), 0)
      end
    end
    -- the directory lists exactly the names stat finds
    local listed = {}
    for name in S.util.ls("/d") do
      if name ~= "." and name ~= ".." then listed[#listed + 1] = name end
    end
    table.sort(listed)
    if table.concat(listed, ",") ~= table.concat(names, ",") then
      error(("readdir %s, stat %s"):format(table.concat(listed, ","), table.concat(names, ",")), 0)
    end
    local d = S.stat("/d")
    if tonumber(d.nlink) ~= 2 then error("/d link count " .. tostring(d.nlink), 0) end
  end)
  noleak(m0, "names")
end

function H.tcpclose(w)
  local net = assert(rnet.build{ hosts = { "a", "b" },
    buses = { lan = { { "a", "10.8.7.1/24" }, { "b", "10.8.7.2/24" } } } })
  w:capture(net)
  w:link(net)
  local sent, read, abort = "", "", (w.seed % 2 == 1)
  with({ net }, function()
    local A, B = net.hosts.a, net.hosts.b
    local l = assert(B.S.socket("inet", "stream"))
    assert(B.S.setsockopt(l, "socket", "reuseaddr", true))
    assert(B.S.bind(l, B.S.t.sockaddr_in(80)))
    assert(B.S.listen(l, 4))
    local serr
    w:spawn("server", B, nil, function(S)
      -- the client may give up before it connects (an allocation fault): do not wait forever
      if S.poll({ { fd = l, events = "in" } }, 5000) == 0 then return end
      local c, err = S.accept(l)
      if not c then
        if allowed(err, { ECONNABORTED = true }) then return end
        error("accept: " .. tostring(err), 0)
      end
      while true do
        local pl = { { fd = c, events = "in" } }
        if S.poll(pl, 5000) == 0 then
          -- an RST is sent once: a link fault may lose it (a FIN is retransmitted)
          if not (abort and w.faults.link) then serr = "server: no EOF or RST within 5 s" end
          break
        end
        local v, e = S.recv(c, nil, 64)
        if not v then
          if not allowed(e, { ECONNRESET = true }) then serr = "server recv: " .. tostring(e) end
          break
        end
        if v == "" then break end
        read = read .. v
      end
      S.close(c)
    end)
    w:spawn("client", A, nil, function(S)
      local c, err = S.socket("inet", "stream")
      if not c then
        if allowed(err) then return end
        error("socket: " .. tostring(err), 0)
      end
      local ok
      ok, err = S.connect(c, S.t.sockaddr_in(80, "10.8.7.2"))
      if not ok then
        S.close(c)
        if allowed(err, { ECONNREFUSED = true, ETIMEDOUT = true, EHOSTUNREACH = true }) then return end
        error("connect: " .. tostring(err), 0)
      end
      for i = 1, 3 do
        local msg = "m" .. i .. ";"
        local n = S.send(c, msg)
        if not n then break end
        sent = sent .. msg
      end
      if abort then S.setsockopt(c, "socket", "linger", { onoff = true, linger = 0 }) end
      S.close(c)
    end)
    w:run()
    if serr then error(serr, 0) end
    if sent:sub(1, #read) ~= read then error(("server read %q, client sent %q"):format(read, sent), 0) end
    if not abort and not w.faults.link and not w.faults.alloc and read ~= sent then
      error(("orderly close: server read %q of %q"):format(read, sent), 0)
    end
    -- the listener still works
    local c = assert(A.S.socket("inet", "stream"))
    A.S.fcntl(c, "setfl", "nonblock")
    A.S.connect(c, A.S.t.sockaddr_in(80, "10.8.7.2"))
    local deadline = 50
    local a2
    B.S.fcntl(l, "setfl", "nonblock")
    while deadline > 0 do
      rump.clock.advance(10e6)
      a2 = B.S.accept(l)
      if a2 then break end
      deadline = deadline - 1
    end
    if not a2 then error("the listener accepts nothing after the race", 0) end
    a2:close(); c:close(); l:close()
  end)
end

-- Rights in flight when the receiving end goes away: a receiver that closes without
-- reading, a socket passed over itself (a cycle only the unp garbage collector frees), and
-- a pipe end passed while its other end closes; two senders, one receiver.  Nothing may
-- stay allocated once the kernel is gone.
function H.unixgc(w)
  local m0 = rump.memstats()
  local k = rump.kernel{ "vfs", "fs.tmpfs", "net", "net.local" }
  local mode = w.seed % 3
  with({ k }, function()
    local S = k.S
    local _, _, ao, bo = assert(S.socketpair("unix", "stream"))
    local _, _, ro, wo = assert(S.pipe())
    local a, b = ao:nogc():getfd(), bo:nogc():getfd()
    local r, wr = ro:nogc():getfd(), wo:nogc():getfd()
    local p = {}
    for i = 1, 3 do p[i] = assert(k:rfork("copy")); k:switch(nil) end
    for _, fd in ipairs{ a, b, r, wr } do S.close(fd) end
    local function send(S, fds)
      local msg = S.t.msghdr{ iov = { "x" }, control = S.t.cmsghdr("socket", "rights", fds) }
      local ok, err = S.sendmsg(a, msg, 0)
      if not ok and not allowed(err, { EPIPE = true, ECONNRESET = true }) then
        error("sendmsg: " .. tostring(err), 0)
      end
    end
    w:spawn("s1", k, p[1], function(S)
      S.close(b); S.close(wr)
      send(S, mode == 2 and { a, r } or { r })
      S.close(r); S.close(a)
    end)
    w:spawn("s2", k, p[2], function(S)
      S.close(b); S.close(r)
      send(S, { wr, a })
      S.write(wr, "late")
      S.close(wr); S.close(a)
    end)
    w:spawn("rcv", k, p[3], function(S)
      S.close(a); S.close(r); S.close(wr)
      if mode ~= 1 then
        local data = S.t.buffer(16)
        local msg = S.t.msghdr{ iov = { { data, 1 } }, control = S.cmsg_space(4 * 4) }
        msg.msg_controllen = S.cmsg_len(4 * 4)
        local n = S.recvmsg(b, msg, 0)
        if n and n > 0 then
          for _, cm in msg:cmsgs() do
            for _, fd in ipairs(cm:fdnumbers()) do S.close(fd) end
          end
        end
      end
      S.close(b)
    end)
    w:run()
  end)
  noleak(m0, "unixgc mode " .. mode)
end

-- A kqueue watching a pipe whose ends close in two other processes while it waits.
function H.kqclose(w)
  local m0 = rump.memstats()
  local k = rump.kernel{ "vfs", "fs.tmpfs" }
  with({ k }, function()
    local S = k.S
    local _, _, ro, wo = assert(S.pipe())
    local r, wr = ro:nogc():getfd(), wo:nogc():getfd()
    local p = {}
    for i = 1, 3 do p[i] = assert(k:rfork("copy")); k:switch(nil) end
    S.close(r); S.close(wr)
    w:spawn("watcher", k, p[1], function(S)
      S.close(wr)
      local kq = S.kqueue()
      if not kq then S.close(r) return end
      S.kevent(kq, { { fd = r, filter = "read", flags = "add" }, { fd = r, filter = "write", flags = "add" } }, 0, 0)
      for _ = 1, 3 do
        local n = S.poll({ { fd = kq, events = "in" } }, 100)
        if n and n > 0 then
          local ok, it = pcall(S.kevent, kq, nil, 4, 0)
          if ok and it then for _ in it do end end
        end
        S.read(r, nil, 8)
      end
      S.close(r)
      S.close(kq)
    end)
    w:spawn("writer", k, p[2], function(S)
      S.close(r)
      S.write(wr, "abc")
      S.close(wr)
    end)
    w:spawn("closer", k, p[3], function(S)
      S.close(wr)
      S.close(r)
    end)
    w:run()
  end)
  noleak(m0, "kqclose")
end

-- The server aborts (RST) after the first request while the client keeps sending, or the
-- client aborts right after connecting, before the server accepts.  The client's calls
-- end with data, EOF, ECONNRESET or EPIPE; the server's accept gives the connection (its
-- recv then EOF or ECONNRESET) or nothing within 2 s; afterwards both kernels still make
-- a connection that carries data.
function H.tcprst(w)
  local net = assert(rnet.build{ hosts = { "a", "b" },
    buses = { lan = { { "a", "10.8.6.1/24" }, { "b", "10.8.6.2/24" } } } })
  w:capture(net)
  w:link(net)
  local early = w.seed % 2 == 0
  local OKERR = { ECONNRESET = true, EPIPE = true, ENOTCONN = true, ETIMEDOUT = true }
  local problem
  local function bad(msg) problem = problem or msg end
  with({ net }, function()
    local A, B = net.hosts.a, net.hosts.b
    local l = assert(B.S.socket("inet", "stream"))
    assert(B.S.setsockopt(l, "socket", "reuseaddr", true))
    assert(B.S.bind(l, B.S.t.sockaddr_in(81)))
    assert(B.S.listen(l, 4))
    B.S.fcntl(l, "setfl", "nonblock")
    w:spawn("server", B, nil, function(S)
      if S.poll({ { fd = l, events = "in" } }, 2000) == 0 then return end
      local c, err = S.accept(l)
      if not c then
        if not allowed(err, { EAGAIN = true, ECONNABORTED = true }) then bad("accept: " .. tostring(err)) end
        return
      end
      S.fcntl(c, "setfl", 0)
      -- an RST is sent once: a link fault may lose it, and then nothing ever comes
      if S.poll({ { fd = c, events = "in" } }, 5000) == 0 then
        if not w.faults.link then bad("server: nothing (data, EOF, RST) within 5 s") end
      else
        local v, e = S.recv(c, nil, 16)
        if not v and not allowed(e, OKERR) then bad("server recv: " .. tostring(e)) end
      end
      if not early then
        S.setsockopt(c, "socket", "linger", { onoff = true, linger = 0 })
      end
      S.close(c)
    end)
    w:spawn("client", A, nil, function(S)
      local c, err = S.socket("inet", "stream")
      if not c then
        if not allowed(err) then bad("socket: " .. tostring(err)) end
        return
      end
      local ok
      ok, err = S.connect(c, S.t.sockaddr_in(81, "10.8.6.2"))
      if not ok then
        if not allowed(err, { ECONNREFUSED = true, ETIMEDOUT = true, EHOSTUNREACH = true }) then
          bad("connect: " .. tostring(err))
        end
        S.close(c)
        return
      end
      if early then
        S.setsockopt(c, "socket", "linger", { onoff = true, linger = 0 })
        S.close(c)
        return
      end
      for i = 1, 4 do
        local n, e = S.send(c, "r" .. i)
        if not n then
          if not allowed(e, OKERR) then bad("client send: " .. tostring(e)) end
          break
        end
      end
      if S.poll({ { fd = c, events = "in" } }, 3000) > 0 then
        local v, e = S.recv(c, nil, 16)
        if v and v ~= "" then bad("client read " .. v .. " from a server that sends nothing") end
        if not v and not allowed(e, OKERR) then bad("client recv: " .. tostring(e)) end
      end
      S.close(c)
    end)
    w:run()
    if problem then error(problem, 0) end
    -- both kernels still connect and carry data
    w:_allup()
    local c = assert(A.S.socket("inet", "stream"))
    A.S.fcntl(c, "setfl", "nonblock")
    A.S.connect(c, A.S.t.sockaddr_in(81, "10.8.6.2"))
    -- connections the race left queued (the server gave up) come first: read each
    local sent, got
    local conns = {}
    for _ = 1, 300 do
      rump.clock.advance(10e6)
      if not sent then sent = A.S.send(c, "hi") end
      local a2 = B.S.accept(l)
      if a2 then conns[#conns + 1] = { fd = a2, data = "" } end
      for _, e in ipairs(conns) do
        local v = e.fd:read(nil, 16)
        if v then e.data = e.data .. v end
        if e.data == "hi" then got = true end
      end
      if got then break end
    end
    if not got then
      local seen = {}
      for _, e in ipairs(conns) do seen[#seen + 1] = ("%q"):format(e.data) end
      error("no new connection carried data after the race (" .. #conns .. " accepted: " ..
        table.concat(seen, " ") .. ")", 0)
    end
    for _, e in ipairs(conns) do e.fd:close() end
    c:close(); l:close()
  end)
end

H.names_list = { "unixpass", "pipekq", "names", "tcpclose", "unixgc", "kqclose", "tcprst" }

if arg and arg[0] and arg[0]:match("hunt%.lua$") then
  local which, runs, first = arg[1], tonumber(arg[2]) or 1000, tonumber(arg[3]) or 1
  for _, name in ipairs(H.names_list) do
    if not which or which == name then
      local seed, total, found = first, 0, 0
      local t0 = os.clock()
      while total < runs do
        local f, n = race.explore(H[name], { seed = seed, runs = runs - total, strategy = "random", faults = "swarm" })
        n = f and f.runs or n
        total = total + n
        if not f then break end
        found = found + 1
        print(("%-9s seed %d: %s"):format(name, f.seed, f.message))
        print("          " .. race.describe(f))
        local ok, s = pcall(race.shrink, H[name], f)
        if ok then print("          shrunk: " .. race.encode(s.choices)) end
        seed = f.seed + 1
        if found >= 5 then break end
      end
      print(("%-9s %d runs, %d failures, %.1f s"):format(name, total, found, os.clock() - t0))
    end
  end
end

return H
