-- The socket and file paths compile on LuaJIT without trace aborts (issue 16): a hot loop of
-- syscalls through the wrappers (k.S on a kernel, S on the host) becomes one looping trace,
-- and once warm, running it again aborts no trace and flushes nothing.  The trace events
-- come from jit.attach, the hook `luajit -jv` prints from.  On every Lua the same loops run
-- and their results are checked (the fast paths must still answer what the slow ones did).
local T = require "rump.test"
local rump = require "rump"
local rnet = require "rump.net"
local S = require "syscall"

local jit = rawget(_G, "jit")
local HERE = debug.getinfo(1, "S").source

-- Trace events while fn(n) runs: aborts (with the reason and where), flushes, and the
-- traces that start in this file and close into a loop.
local function watch(fn, n)
  local jutil, vmdef = require "jit.util", require "jit.vmdef"
  local ev = { aborts = {}, flushes = 0, loops = 0 }
  local started = {}
  local function where(func, pc)
    local fi = jutil.funcinfo(func, pc)
    return fi.loc or "?", fi.source
  end
  local function cb(what, tr, func, pc, otr, oex)
    if what == "start" then
      local loc, src = where(func, pc)
      started[tr] = src
      ev[#ev + 1] = "start " .. tr .. " " .. loc
    elseif what == "stop" then
      local info = jutil.traceinfo(tr)
      if info and info.linktype == "loop" and started[tr] == HERE then ev.loops = ev.loops + 1 end
      local fi = jutil.funcinfo(func, pc)
      ev[#ev + 1] = "stop " .. tr .. " " .. tostring(info and info.linktype) .. " " .. tostring(info and info.link) .. " " .. tostring(fi.loc or (fi.ffid and vmdef.ffnames[fi.ffid]))
    elseif what == "abort" then
      local msg = vmdef.traceerr[otr] or tostring(otr)
      if type(oex) ~= "function" and msg:find("%%") then msg = msg:format(oex) end
      ev.aborts[#ev.aborts + 1] = where(func, pc) .. ": " .. msg
    elseif what == "flush" then
      ev.flushes = ev.flushes + 1
    end
  end
  jit.attach(cb, "trace")
  local ok, e = pcall(fn, n)
  jit.attach(cb)
  if not ok then error(e, 0) end
  return ev
end

-- On LuaJIT: the loop compiles into a looping trace while it warms up, and a second run
-- of it aborts nothing.  Elsewhere: the loop runs and checks its results.
local function check(name, loop)
  if not jit then loop(200) return end
  T.ok(jit.status(), "the JIT is on")
  jit.flush()
  local warm = watch(loop, 3000)
  T.ok(warm.loops >= 1, name .. ": the loop compiled into a looping trace (aborts while warming: " ..
    table.concat(warm.aborts, "; ") .. ")\n" .. table.concat(warm, "\n"))
  T.eq(warm.flushes, 0, name .. ": no trace flush while warming")
  local hot = watch(loop, 3000)
  T.eq(#hot.aborts, 0, name .. ": aborts once warm: " .. table.concat(hot.aborts, "; "))
  T.eq(hot.flushes, 0, name .. ": no trace flush once warm")
end

local payload = string.rep("x", 64)

T.case("UDP between two kernels: sendto, recv, recvfrom, EAGAIN", function()
  local net = assert(rnet.build{ hosts = { "a", "b" },
    buses = { lan = { { "a", "10.9.0.1/24" }, { "b", "10.9.0.2/24" } } } })
  T.defer(function() net:destroy() end)
  local A, B = net.hosts.a.S, net.hosts.b.S
  local sa = assert(A.socket("inet", "dgram")); assert(sa:bind(A.t.sockaddr_in(5001, "10.9.0.1")))
  local sb = assert(B.socket("inet", "dgram")); assert(sb:bind(B.t.sockaddr_in(5002, "10.9.0.2")))
  local idle = assert(A.socket("inet", "dgram")); assert(idle:bind(A.t.sockaddr_in(5003, "10.9.0.1")))
  local tob, toa = A.t.sockaddr_in(5002, "10.9.0.2"), B.t.sockaddr_in(5001, "10.9.0.1")
  local bufa, bufb, from = A.t.buffer(2048), B.t.buffer(2048), B.t.sockaddr_in()
  -- A datagram between kernels may be queued for the receiver's input: spin (bounded).
  local function recv(s, buf)
    for _ = 1, 1000000 do
      local r, err = s:recv(buf, 2048, "dontwait")
      if r then return r end
      if not err.AGAIN then error("recv: " .. tostring(err)) end
    end
    error("recv: nothing arrived")
  end
  check("round trip", function(n)
    for _ = 1, n do
      assert(sa:sendto(payload, 64, 0, tob) == 64)
      assert(recv(sb, bufb) == 64)
      assert(sb:sendto(payload, 64, 0, toa) == 64)
      assert(recv(sa, bufa) == 64)
    end
  end)
  check("recvfrom", function(n)
    for _ = 1, n do
      assert(sa:sendto(payload, 64, 0, tob) == 64)
      local r, e, f
      for _ = 1, 1000000 do
        r, e, f = sb:recvfrom(bufb, 2048, "dontwait", from)
        if r or not e.AGAIN then break end
      end
      assert(r == 64 and f.port == 5001, tostring(e))
    end
  end)
  check("EAGAIN", function(n)
    for _ = 1, n do
      local r, e = idle:recv(bufa, 2048, "dontwait")
      assert(r == nil and e.AGAIN)
    end
  end)
end)

T.case("files in a kernel: write, lseek, read, pwrite, pread, reads into strings", function()
  local k = rump.kernel{ "vfs", "fs.tmpfs" }
  T.defer(function() k:destroy() end)
  local fd = assert(k.S.open("/f", "creat, rdwr", "0644"))
  local buf = k.S.t.buffer(4096)
  check("buffers", function(n)
    for i = 1, n do
      assert(fd:write(payload, 64) == 64)
      assert(fd:lseek(0, "set") == 0)
      assert(fd:read(buf, 64) == 64)
      assert(fd:pwrite(buf, 8, i % 16) == 8)
      assert(fd:pread(buf, 64, 0) == 64)
      assert(fd:lseek(0, "set") == 0)
    end
  end)
  check("strings", function(n)
    for _ = 1, n do
      assert(fd:pwrite(payload, 64, 0) == 64)
      assert(#fd:pread(nil, 64, 0) == 64)
      assert(fd:lseek(0, "set") == 0)
      assert(fd:read(nil, 64) == payload)
    end
  end)
end)

T.case("the host: a file and a datagram socket pair through S", function()
  local path = T.tmpdir() .. "/f"
  local fd = assert(S.open(path, "creat, rdwr", "0644"))
  T.defer(function() fd:close() end)
  local buf = S.t.buffer(4096)
  check("host file", function(n)
    for _ = 1, n do
      assert(fd:write(payload, 64) == 64)
      assert(fd:lseek(0, "set") == 0)
      assert(fd:read(buf, 64) == 64)
      assert(fd:lseek(0, "set") == 0)
    end
  end)
  local ok, _, s1, s2 = S.socketpair("unix", "dgram")
  assert(ok)
  T.defer(function() s1:close(); s2:close() end)
  check("host socket pair", function(n)
    for _ = 1, n do
      assert(s1:send(payload, 64) == 64)
      assert(s2:recv(buf, 4096) == 64)
      assert(s2:send(buf, 64, "dontwait") == 64)
      assert(s1:recv(buf, 4096, "dontwait") == 64)
    end
  end)
end)
