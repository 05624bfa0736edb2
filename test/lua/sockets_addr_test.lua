-- Socket address types and text conversion: t.in_addr, t.in6_addr, t.sockaddr_*, t.sa,
-- S.inet_pton / inet_ntop / inet_aton / inet_ntoa.  libc's inet_pton and inet_ntop are the
-- oracle for the Lua implementation.
local T = require "rump.test"
local S = require "syscall"
local ffi = require "syscall.ffi"
local c, t = S.c, S.t

-- libc's converters, under names no other library uses.
ffi.cdef [[
int rumpus_test_inet_pton(int af, const char *src, void *dst) __asm__("inet_pton");
const char *rumpus_test_inet_ntop(int af, const void *src, char *dst, uint32_t size) __asm__("inet_ntop");
]]
local function libc_pton(af, str)
  local buf = ffi.new("uint8_t[16]")
  local r = ffi.C.rumpus_test_inet_pton(af, str, buf)
  if r ~= 1 then return nil end
  return ffi.string(buf, af == c.AF.INET and 4 or 16)
end
local function libc_ntop(af, bytes)
  local out = ffi.new("char[64]")
  local r = ffi.C.rumpus_test_inet_ntop(af, bytes, out, 64)
  assert(r ~= nil)
  return ffi.string(out)
end
local function bytes(a) return ffi.string(a, ffi.sizeof(a)) end

T.case("in_addr from text, number, names; tostring", function()
  T.eq(tostring(t.in_addr("192.168.1.2")), "192.168.1.2")
  T.eq(bytes(t.in_addr("10.0.0.1")), "\10\0\0\1", "network byte order")
  T.eq(tostring(t.in_addr(0x7f000001)), "127.0.0.1")
  T.eq(tostring(t.in_addr("loopback")), "127.0.0.1")
  T.eq(tostring(t.in_addr("any")), "0.0.0.0")
  T.eq(tostring(t.in_addr("broadcast")), "255.255.255.255")
  T.eq(tostring(t.in_addr()), "0.0.0.0")
  T.eq(#t.in_addr(), 4)
end)

T.case("in_addr rejects malformed text", function()
  for _, bad in ipairs { "256.0.0.1", "1.2.3", "1.2.3.4.5", "1..2.3", "a.b.c.d", " 1.2.3.4",
    "1.2.3.4 ", "01.2.3.4", "1.2.3.0004", "", "-1.2.3.4", "1.2.3.4/8" } do
    T.eq(t.in_addr(bad), nil, bad)
    T.eq(libc_pton(c.AF.INET, bad), nil, "libc agrees on " .. bad)
  end
  T.err(function() t.in_addr({}) end, "bad argument #1 to 'in_addr'")
end)

T.case("in6_addr parse and format edge cases", function()
  local cases = {
    { "::", "::" }, { "::1", "::1" }, { "1::", "1::" }, { "fe80::1", "fe80::1" },
    { "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1" },       -- first of two equal runs
    { "2001:db8:0:0:0:1:0:0", "2001:db8::1:0:0" },         -- the longest run wins
    { "2001:DB8::ABCD", "2001:db8::abcd" },                -- lower case out
    { "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1" },    -- a single zero is not shortened
    { "0:0:0:0:0:0:0:0", "::" }, { "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8" },
    { "1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0" }, { "::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8" },
    { "::ffff:192.0.2.1", "::ffff:192.0.2.1" },            -- IPv4-mapped keeps the quad
    { "::192.0.2.1", "::192.0.2.1" },                      -- IPv4-compatible too
    { "64:ff9b::192.0.2.33", "64:ff9b::c000:221" },
    { "0001:0002::0003", "1:2::3" },
  }
  for _, p in ipairs(cases) do
    local a = t.in6_addr(p[1])
    T.ok(a, "parses " .. p[1])
    T.eq(tostring(a), p[2], p[1])
    T.eq(bytes(a), libc_pton(c.AF.INET6, p[1]), "same bytes as libc for " .. p[1])
    T.eq(tostring(a), libc_ntop(c.AF.INET6, a), "same text as libc for " .. p[1])
  end
end)

T.case("in6_addr rejects malformed text as libc does", function()
  for _, bad in ipairs { ":", ":::", "1:::2", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7",
    "12345::", "g::1", "::1.2.3", "1.2.3.4::", "1.2.3.4:1::", "::1.2.3.4:5", "1.2:1::",
    ":1::", "1::2:", "", "fe80::1%lo", "::ffff:256.1.1.1", " ::1" } do
    T.eq(t.in6_addr(bad), nil, bad)
    T.eq(libc_pton(c.AF.INET6, bad), nil, "libc agrees on " .. bad)
  end
end)

T.case("inet_ntop agrees with libc on random addresses", function()
  math.randomseed(12345)
  for i = 1, 400 do
    local a = t.in6_addr()
    local p = ffi.cast("uint8_t *", a)
    for j = 0, 15 do
      -- Mostly zeros, so runs of zero groups of every length appear.
      p[j] = (math.random() < 0.6) and 0 or math.random(0, 255)
    end
    if i % 50 == 0 then for j = 0, 9 do p[j] = 0 end p[10], p[11] = 0xff, 0xff end
    local mine = S.inet_ntop("inet6", a)
    T.eq(mine, libc_ntop(c.AF.INET6, a))
    T.eq(bytes(S.inet_pton("inet6", mine)), bytes(a), "round trip " .. mine)
  end
  for _ = 1, 100 do
    local a = t.in_addr(math.random(0, 0xffffffff))
    T.eq(S.inet_ntop("inet", a), libc_ntop(c.AF.INET, a))
  end
end)

T.case("inet_pton / inet_ntop / inet_aton / inet_ntoa", function()
  local a = S.inet_pton(c.AF.INET, "127.0.0.1")
  T.ok(ffi.istype(t.in_addr, a))
  T.eq(bytes(a), "\127\0\0\1")
  T.eq(S.inet_ntop(c.AF.INET, a), "127.0.0.1")
  T.eq(S.inet_pton("inet", "::1"), nil, "IPv6 text is not an IPv4 address")
  T.eq(S.inet_pton("inet", "any"), nil, "names are not addresses")
  local a6 = S.inet_pton("inet6", "::1")
  T.ok(ffi.istype(t.in6_addr, a6))
  T.eq(S.inet_ntop("inet6", a6), "::1")
  T.eq(S.inet_pton("inet6", "127.0.0.1"), nil)
  -- into a caller's buffer
  local buf = t.in6_addr()
  T.eq(S.inet_pton("inet6", "fe80::2", buf), buf)
  T.eq(tostring(buf), "fe80::2")
  T.eq(tostring(S.inet_aton("10.1.2.3")), "10.1.2.3")
  T.eq(S.inet_aton("10.1.2"), nil)
  T.eq(S.inet_ntoa(t.in_addr("8.8.4.4")), "8.8.4.4")
  T.ok(S.INADDR_LOOPBACK == t.in_addr("127.0.0.1"))
  T.ok(S.in6addr_loopback == t.in6_addr("::1"))
  T.ok(S.in6addr_any == t.in6_addr("::"))
end)

T.case("inet_pton and friends: wrong arguments raise errors naming them", function()
  T.err(function() S.inet_pton("unix", "1.2.3.4") end, "bad argument #1 to 'inet_pton'")
  T.err(function() S.inet_pton("nosuchfamily", "1.2.3.4") end, "bad argument #1 to 'inet_pton'")
  T.err(function() S.inet_pton("inet", 42) end, "bad argument #2 to 'inet_pton'")
  T.err(function() S.inet_ntop("inet", "1.2.3.4") end, "bad argument #2 to 'inet_ntop'")
  T.err(function() S.inet_aton(nil) end, "bad argument #1 to 'inet_aton'")
  T.err(function() S.inet_ntoa(7) end, "bad argument #1 to 'inet_ntoa'")
end)

T.case("address equality never fails on other values", function()
  T.ok(t.in_addr("1.2.3.4") == t.in_addr("1.2.3.4"))
  T.ok(t.in_addr("1.2.3.4") ~= t.in_addr("1.2.3.5"))
  T.ok(not (t.in_addr("1.2.3.4") == nil))
  T.ok(not (t.in6_addr("::1") == nil))
  T.ok(not (t.sockaddr_in(1, "1.1.1.1") == nil))
  T.ok(t.sockaddr_in(80, "1.2.3.4").addr == t.in_addr("1.2.3.4"), "a field reference compares by value")
  T.ok(t.sockaddr_in6(80, "::1") == t.sockaddr_in6(80, "::1"))
  T.ok(t.sockaddr_in6(80, "::1") ~= t.sockaddr_in6(81, "::1"))
end)

T.case("sockaddr_in: fields, byte order, tostring, errors", function()
  local sa = t.sockaddr_in(8080, "127.0.0.2")
  T.eq(sa.family, c.AF.INET)
  T.eq(sa.port, 8080)
  T.eq(sa.sin_port, 0x901f, "port stored big-endian")
  T.eq(tostring(sa.addr), "127.0.0.2")
  T.eq(tostring(sa), "127.0.0.2:8080")
  T.eq(#sa, 16)
  sa.port = 1
  sa.addr = "10.0.0.9"
  T.eq(tostring(sa), "10.0.0.9:1")
  local sb = t.sockaddr_in{ port = 65535, addr = "any" }
  T.eq(tostring(sb), "0.0.0.0:65535")
  T.err(function() t.sockaddr_in(70000) end, "port out of range")
  T.err(function() t.sockaddr_in("80") end, "bad argument #1 to 'sockaddr_in'")
  T.err(function() t.sockaddr_in(80, "300.1.1.1") end, "bad argument #2 to 'sockaddr_in'")
  T.err(function() sa.addr = "x.y" end, "bad IPv4 address")
  T.err(function() sa.bogus = 1 end, "no field 'bogus'")
end)

T.case("sockaddr_in6: fields, scope, tostring, errors", function()
  local sa = t.sockaddr_in6(443, "::1", 0, 3)
  T.eq(sa.family, c.AF.INET6)
  T.eq(sa.port, 443)
  T.eq(tostring(sa.addr), "::1")
  T.eq(sa.scope_id, 3)
  T.eq(tostring(sa), "[::1]:443")
  T.eq(#sa, 28)
  sa.addr = "fe80::5"
  T.eq(tostring(sa), "[fe80::5]:443")
  T.err(function() t.sockaddr_in6(80, "1.2.3.4") end, "bad argument #2 to 'sockaddr_in6'")
  T.err(function() t.sockaddr_in6(-1) end, "port out of range")
end)

T.case("sockaddr_un: path, abstract names, lengths", function()
  local sa = t.sockaddr_un("/tmp/x.sock")
  T.eq(sa.family, c.AF.UNIX)
  T.eq(sa.path, "/tmp/x.sock")
  T.eq(#sa, 2 + #"/tmp/x.sock" + 1, "family + path + NUL")
  T.eq(sa.abstract, false)
  local ab = t.sockaddr_un("\0rumpus-abstract")
  T.eq(ab.path, "\0rumpus-abstract")
  T.eq(ab.abstract, true)
  T.eq(#ab, 2 + #"\0rumpus-abstract", "abstract names carry no NUL")
  T.eq(tostring(ab), "unix:@rumpus-abstract")
  T.ok(t.sockaddr_un(("a"):rep(107)))
  T.err(function() t.sockaddr_un(("a"):rep(108)) end, "path longer than 107")
  T.err(function() t.sockaddr_un(42) end, "bad argument #1 to 'sockaddr_un'")
end)

T.case("t.sa turns a sockaddr_storage into its family's type", function()
  local ss = t.sockaddr_storage()
  ffi.copy(ss, t.sockaddr_in(99, "127.1.2.3"), 16)
  local sa = t.sa(ss, 16)
  T.ok(ffi.istype(t.sockaddr_in, sa))
  T.eq(tostring(sa), "127.1.2.3:99")
  ffi.copy(ss, t.sockaddr_in6(7, "::1"), 28)
  sa = t.sa(ss, 28)
  T.ok(ffi.istype(t.sockaddr_in6, sa))
  T.eq(tostring(sa), "[::1]:7")
  local un = t.sockaddr_un("\0abc")
  ffi.copy(ss, un, #un)
  sa = t.sa(ss, #un)
  T.ok(ffi.istype(t.sockaddr_un, sa))
  T.eq(sa.path, "\0abc")
  -- an unknown family comes back as it is
  ss.ss_family = c.AF.APPLETALK
  T.eq(t.sa(ss, 16), ss)
end)

T.case("util.inet_name: address and prefix length", function()
  local a, m = S.util.inet_name("10.1.2.3/8")
  T.eq(tostring(a), "10.1.2.3"); T.eq(m, 8)
  a, m = S.util.inet_name("127.0.0.1")
  T.ok(ffi.istype(t.in_addr, a)); T.eq(m, 32)
  a, m = S.util.inet_name("fe80::1/64")
  T.ok(ffi.istype(t.in6_addr, a)); T.eq(tostring(a), "fe80::1"); T.eq(m, 64)
  a, m = S.util.inet_name("::1", 100)
  T.eq(m, 100)
  T.eq(S.util.inet_name("::1"), S.in6addr_loopback)
  for _, bad in ipairs { "10.0.0.1/33", "::1/129", "1.2.3/8", "10.0.0.1/", "/8", "10.0.0.1/8/8", "x" } do
    T.eq(S.util.inet_name(bad), nil, bad)
  end
  T.eq(S.util.inet_name("10.0.0.1/8", 8), nil, "two prefix lengths")
  T.eq(S.util.inet_name("10.0.0.1", 1.5), nil)
  T.err(function() S.util.inet_name(7) end, "bad argument #1 to 'inet_name'")
  T.eq(S.util.inet_pton, S.inet_pton)
end)
