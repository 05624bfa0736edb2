-- Host system calls through require "syscall" (LuaJIT), each beside the same operation in C
-- (bench/benchlib.c through the FFI) in the same process, in interleaved batches; figures
-- are medians of the batches' ns per operation.
local B = dofile((arg[0]:match("^(.-)[^/]*$")) .. "util.lua")
local S = require "syscall"
local L = B.lib()
local timed = B.timed

B.section("host system calls: require \"syscall\" beside C in the same process (median ns per call)")

local function compare(key, label, lfn, ckey, clabel, cfn, n, how)
  local r = B.interleave{ n = n, rounds = 41, fns = { { "lua", timed(lfn) }, { "c", cfn } } }
  B.pairfig(key, label, r.lua.med, ckey, clabel, r.c.med, "ns", how or "same process, interleaved batches")
end

local getpid = S.getpid
compare("host.S.getpid", "S.getpid() (LuaJIT)", function(n) for _ = 1, n do getpid() end end,
  "host.C.getpid", "C syscall(SYS_getpid), through the FFI", function(n) return L.rb_host_getpid(n) end, 1000)

local zero = assert(S.open("/dev/zero", "rdonly, cloexec"))
local null = assert(S.open("/dev/null", "wronly, cloexec"))
local buf = S.t.buffer(4096)
local zfd, nfd = zero:getfd(), null:getfd()
compare("host.fd.read", "fd:read(buf, 4096) from /dev/zero", function(n)
  for _ = 1, n do if zero:read(buf, 4096) ~= 4096 then error("short read") end end
end, "host.C.read", "C read() 4 KiB from /dev/zero", function(n) return L.rb_host_read(zfd, buf, 4096, n) end, 500)
compare("host.fd.readstr", "fd:read() -> 4 KiB string from /dev/zero", function(n)
  for _ = 1, n do if #zero:read() ~= 4096 then error("short read") end end
end, "host.C.read2", "C read() 4 KiB from /dev/zero (its own batches)", function(n) return L.rb_host_read(zfd, buf, 4096, n) end, 500)
compare("host.fd.write", "fd:write(buf, 4096) to /dev/null", function(n)
  for _ = 1, n do if null:write(buf, 4096) ~= 4096 then error("short write") end end
end, "host.C.write", "C write() 4 KiB to /dev/null", function(n) return L.rb_host_write(nfd, buf, 4096, n) end, 500)
compare("host.openclose", "S.open + fd:close of /dev/null", function(n)
  for _ = 1, n do
    local fd = assert(S.open("/dev/null", "rdonly, cloexec"))
    fd:close()
  end
end, "host.C.openclose", "C open + close of /dev/null", function(n) return L.rb_host_openclose("/dev/null", n) end, 40)
zero:close()
null:close()
os.exit(0)
