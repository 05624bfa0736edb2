-- docs/api/*.md are what tools/gen_apiref.lua makes from the code now: a function added,
-- removed or given other arguments, or a handler returning a new errno, without regenerating
-- the reference fails here.
local T = require "rump.test"

T.case("the API reference in docs/api is fresh", function()
  local dir = T.tmpdir()
  local out, ok = T.sh("./rumpus tools/gen_apiref.lua " .. T.shquote(dir))
  T.ok(ok, "generator ran: " .. out)
  for _, name in ipairs { "host.md", "kernel.md" } do
    local a = assert(io.open(dir .. "/" .. name)):read("*a")
    local f = io.open("docs/api/" .. name)
    T.ok(f, "docs/api/" .. name .. " exists")
    local b = f:read("*a")
    f:close()
    T.ok(a == b, "docs/api/" .. name .. " is stale: run ./rumpus tools/gen_apiref.lua")
  end
end)

T.case("the reference lists what the tables hold", function()
  local dir = T.tmpdir()
  local _, ok = T.sh("./rumpus tools/gen_apiref.lua " .. T.shquote(dir))
  T.ok(ok)
  local host = assert(io.open(dir .. "/host.md")):read("*a")
  local kern = assert(io.open(dir .. "/kernel.md")):read("*a")
  T.ok(host:find("| `S.open` | p, flags, m | #1 string; #3 mode (number or string) |", 1, true), "S.open row")
  T.ok(host:find("| `S.nl.interfaces` |", 1, true), "S.nl is documented")
  T.ok(kern:find("| `k.S.read` | fd, buf, count | #1 descriptor; #3 count | 3 `ssize_t read(int fd, void *buf, size_t nbyte)`, base | EBADF", 1, true), "k.S.read row")
  T.ok(kern:find("| `k.S.socket` | domain, stype, protocol |  | 394 `int socket(int domain, int type, int protocol)`, `net` | ENOSYS without `net`, EAFNOSUPPORT", 1, true), "k.S.socket row")
  local n = tonumber(kern:match("## k%.S\n\n(%d+) functions"))
  local S = require "syscall"
  local nhost = 0
  for _, v in pairs(S) do if type(v) == "function" then nhost = nhost + 1 end end
  T.eq(tonumber(host:match("## S\n\n(%d+) functions")), nhost, "every host function")
  T.ok(n and n > 100, "k.S functions: " .. tostring(n))
end)
