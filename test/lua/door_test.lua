-- Door checks of the host binding's Linux calls (issue 9): a buffer, structure or count that
-- would let the kernel or the binding write or read past an object is refused with an error
-- naming the function and the argument.  test/rump/door_test.lua has the cases shared with
-- the kernels' k.S.
local T = require "rump.test"
local S = require "syscall"
local ffi = require "syscall.ffi"

local function fd(v)
  T.defer(function() pcall(S.close, v) end)
  return v
end

T.case("eventfd and timerfd reads need 8-byte counters", function()
  local e = fd(assert(S.eventfd(3, "nonblock")))
  T.err(function() S.eventfd_read(e, ffi.new("uint8_t[3]")) end, "bad argument #2 to 'eventfd_read'")
  T.err(function() S.eventfd_write(e, ffi.new("uint8_t[3]")) end, "bad argument #2 to 'eventfd_write'")
  T.ok(S.eventfd_write(e, ffi.new("int64_t", 5)))  -- an integer cdata is a value
  T.eq(S.eventfd_read(e), 8)
  local tf = fd(assert(S.timerfd_create("monotonic", "nonblock")))
  T.err(function() S.timerfd_read(tf, ffi.new("uint8_t[3]")) end, "bad argument #2 to 'timerfd_read'")
  T.err(function() S.timerfd_gettime(tf, ffi.new("uint8_t[3]")) end, "bad argument #2 to 'timerfd_gettime'")
  T.err(function() S.timerfd_settime(tf, 0, { 0, 1 }, ffi.new("uint8_t[3]")) end, "bad argument #4 to 'timerfd_settime'")
  T.err(function() S.timerfd_settime(tf, 0, ffi.cast("void *", 4096)) end, "bad argument #3 to 'timerfd_settime'")
  T.eq(S.timerfd_read(tf), 0)
end)

T.case("inotify_read: a length beyond the buffer is refused", function()
  local i = fd(assert(S.inotify_init("nonblock")))
  T.err(function() S.inotify_read(i, ffi.new("char[16]"), 4096) end, "bad argument #3 to 'inotify_read'")
  T.err(function() S.inotify_read(i, nil, "x") end, "bad argument #3 to 'inotify_read'")
  T.err(function() S.t.inotify_events(ffi.new("char[16]"), 64) end, "bad argument #2 to 'inotify_events'")
  T.fails("AGAIN", S.inotify_read(i, ffi.new("char[4096]")))
end)

T.case("sched_getaffinity: a length beyond the mask is refused", function()
  T.err(function() S.sched_getaffinity(0, nil, 2 ^ 20) end, "bad argument #3 to 'sched_getaffinity'")
  T.err(function() S.sched_getaffinity(0, nil, ffi.cast("void *", 0)) end, "bad argument #3 to 'sched_getaffinity'")
  T.ok(S.sched_getaffinity(0))
end)

T.case("offsets: a pointer is not an off_t[1]; lengths and offsets are integers", function()
  local dir = T.tmpdir()
  local a = fd(assert(S.open(dir .. "/a", "creat, rdwr", "0644")))
  local b = fd(assert(S.open(dir .. "/b", "creat, rdwr", "0644")))
  assert(a:write("hello"))
  T.err(function() S.sendfile(b, a, ffi.cast("void *", 4096), 5) end, "bad argument #3 to 'sendfile'")
  T.err(function() S.sendfile(b, a, 0, 1.5) end, "bad argument #4 to 'sendfile'")
  T.err(function() S.fadvise(a, "normal", "x") end, "bad argument #3 to 'fadvise'")
  T.err(function() S.pread(a, ffi.new("char[8]"), 5, 0.5) end, "bad argument #4 to 'pread'")
  T.err(function() S.pwrite(a, "x", 1, {}) end, "bad argument #4 to 'pwrite'")
  T.eq(S.sendfile(b, a, 0, 5), 5)
  T.eq(S.pread(b, nil, 5, 0), "hello")
end)

T.case("getrandom: integer cdata and small buffers are refused", function()
  T.err(function() S.getrandom(ffi.new("int64_t", 5), 8) end, "bad argument #1 to 'getrandom'")
  T.err(function() S.getrandom(ffi.new("uint8_t[4]"), 8) end, "bad argument #2 to 'getrandom'")
  T.eq(#S.getrandom(8), 8)
end)

T.case("writes take strings and buffers, not integers taken for addresses", function()
  local dir = T.tmpdir()
  local a = fd(assert(S.open(dir .. "/a", "creat, rdwr", "0644")))
  T.err(function() S.write(a, ffi.new("int64_t", 4096), 8) end, "bad argument #2 to 'write'")
  T.err(function() S.write(a, ffi.cast("void *", 0), 8) end, "bad argument #2 to 'write'")
  T.err(function() S.read(a, ffi.new("int64_t", 4096), 8) end, "bad argument #2 to 'read'")
  T.err(function() S.writev(a, { { ffi.new("int64_t", 4096), 8 } }) end, "bad argument #2 to 'writev'")
  T.err(function() S.readv(a, { iov = ffi.new("struct rumpus_lx_iovec[1]"), count = 4 }) end, "bad argument #2 to 'readv'")
  T.eq(S.write(a, "abc"), 3)
end)

T.case("addresses, messages and option values are checked", function()
  local s = fd(assert(S.socket("inet", "dgram")))
  T.err(function() S.bind(s, ffi.new("int64_t", 5)) end, "bad argument #2 to 'bind'")
  T.err(function() S.connect(s, S.t.sockaddr_in(1, "127.0.0.1"), 2 ^ 40) end, "bad argument #3 to 'connect'")
  -- a length beyond the structure is still the kernel's to refuse, from a copy
  local u = fd(assert(S.socket("unix", "stream")))
  T.fails("INVAL", S.connect(u, S.t.sockaddr_un("/x"), ffi.sizeof(S.t.sockaddr_un) + 1))
  T.err(function() S.inet_ntop("inet", ffi.cast("void *", 4096)) end, "bad argument #2 to 'inet_ntop'")
  T.err(function() S.inet_ntoa(ffi.new("int64_t", 1)) end, "bad argument #1 to 'inet_ntoa'")
  T.err(function() S.inet_pton("inet", "1.2.3.4", ffi.new("char[2]")) end, "bad argument #3 to 'inet_pton'")
  T.eq(S.inet_ntop("inet", S.t.in_addr("1.2.3.4")), "1.2.3.4")
  T.err(function() S.t.cmsghdr("socket", "rights", ffi.cast("void *", 4096), 8) end, "bad argument #3 to 'cmsghdr'")
  T.err(function() S.epoll_ctl(fd(assert(S.epoll_create())), "add", s, ffi.new("uint8_t[3]")) end, "bad argument #4 to 'epoll_ctl'")
end)

T.case("out-structures of the wrong type are refused", function()
  T.err(function() S.uname(ffi.new("uint8_t[3]")) end, "bad argument #1 to 'uname'")
  T.err(function() S.getrlimit("nofile", ffi.new("uint8_t[3]")) end, "bad argument #2 to 'getrlimit'")
  T.err(function() S.getrusage("self", ffi.cast("void *", 4096)) end, "bad argument #2 to 'getrusage'")
  T.err(function() S.sysinfo(ffi.new("uint8_t[3]")) end, "bad argument #1 to 'sysinfo'")
  T.err(function() S.statfs("/", ffi.new("uint8_t[3]")) end, "bad argument #2 to 'statfs'")
  T.err(function() S.clock_gettime("monotonic", ffi.new("uint8_t[3]")) end, "bad argument #2 to 'clock_gettime'")
  T.err(function() S.sigprocmask("block", nil, ffi.new("uint8_t[3]")) end, "bad argument #3 to 'sigprocmask'")
  T.err(function() S.getresuid(ffi.new("uint8_t[3]")) end, "bad argument #1 to 'getresuid'")
  T.ok(S.uname().sysname)
end)
