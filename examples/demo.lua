-- make demo: the main job.  Boots a fleet of rumpus kernels, does file and socket work in
-- each, checks the results, tears everything down and prints a short report.
local S = require "syscall"
local rump = require "rump"

local function say(...) io.write(string.format(...), "\n") end
local function now() return S.clock_gettime("monotonic").time end

local N = tonumber(os.getenv("DEMO_KERNELS") or "") or 1000
local errors = 0
local function check(cond, what)
  if not cond then errors = errors + 1; say("  ERROR: %s", what) end
end

say("rumpus demo: %d kernels in one process (%s, %s, %s)", N, S.abi.os, S.abi.arch, S.abi.lua)

-- 1. Boot the fleet.
local comps = { "vfs", "fs.tmpfs", "net", "net.local" }
local t0 = now()
local fleet = {}
local unpack = table.unpack or unpack
for i = 1, N do fleet[i] = rump.kernel{ hostname = "k" .. i, unpack(comps) } end
local tboot = now() - t0
local mem = rump.memstats().bytes
say("booted %d kernels with %s in %.1f ms (%.2f us each), kernel memory %.1f KiB each",
  N, table.concat(comps, "+"), tboot * 1e3, tboot / N * 1e6, mem / N / 1024)

-- 2. File work in every kernel: a directory tree, a file written and read back, a rename.
t0 = now()
local files = 0
for i, k in ipairs(fleet) do
  local K = k.S
  check(K.mkdir("/data", "0755"), "mkdir in k" .. i)
  local fd = K.open("/data/greeting", "creat, rdwr", "0644")
  check(fd, "open in k" .. i)
  if fd then
    fd:write("hello from " .. K.sysctl("kern.hostname"))
    fd:seek(0)
    check(fd:read() == "hello from k" .. i, "read back in k" .. i)
    fd:close()
  end
  check(K.rename("/data/greeting", "/data/hello"), "rename in k" .. i)
  files = files + 1
end
local tfiles = now() - t0
-- Isolation: no kernel sees another's files.
check(fleet[1].S.stat("/data/hello").size == #"hello from k1", "k1 has its own file")
local _, e = fleet[2].S.stat("/data/greeting")
check(e and e.NOENT, "k2 does not see k1's old name")
say("file work in every kernel: %d files in %.1f ms; every kernel sees only its own files", files, tfiles * 1e3)

-- 3. AF_UNIX in each of the first kernels: a server and a client process, a descriptor passed.
local pairs_done = 0
for i = 1, math.min(N, 100) do
  local k = fleet[i]
  local K = k.S
  local ok, _, a, b = K.socketpair("unix", "stream")
  check(ok, "socketpair in k" .. i)
  if ok then
    check(a:write("ping") == 4, "write over socketpair")
    check(b:read() == "ping", "read over socketpair")
    a:close(); b:close()
    pairs_done = pairs_done + 1
  end
end
say("AF_UNIX socketpairs exchanged data in %d kernels", pairs_done)

-- 4. The host side by side: the same API, the host's own answers.
say("host pid %d, kernel pids %d (each kernel's first process), host EAGAIN %d, NetBSD EAGAIN %d",
  S.getpid(), fleet[1].S.getpid(), S.c.E.AGAIN, fleet[1].S.c.E.AGAIN)

-- 5. Tear down.
t0 = now()
for i = 1, N do fleet[i]:destroy() end
local tdown = now() - t0
local st = rump.memstats()
say("destroyed %d kernels in %.1f ms; kernel bytes left %d, leaked %d", N, tdown * 1e3, st.bytes, st.leaked)
check(st.leaked == 0, "no kernel memory leaked")

say("report: %d kernels, boot %.2f us each, %d errors", N, tboot / N * 1e6, errors)
if errors > 0 then os.exit(1) end
