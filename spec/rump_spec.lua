-- require "rump" under busted: kernels, their syscalls and rump.net's address lookups.
local rump = require "rump"
local rnet = require "rump.net"

describe("rump kernels under busted", function()
  local k
  before_each(function() k = rump.kernel { "vfs", "fs.tmpfs", "net", "net.netinet", "net.shmif", "net.local" } end)
  after_each(function() k:destroy() end)

  it("files in the kernel's tmpfs", function()
    local S = k.S
    local fd = assert(S.open("/f", "creat, rdwr", "0644"))
    assert.equal(5, fd:write("hello"))
    assert.equal(0, S.lseek(fd, 0, "set"))
    assert.equal("hello", fd:read(nil, 16))
    fd:close()
  end)

  it("pipe and socketpair inside the kernel", function()
    local S = k.S
    local ok, err, r, w = S.pipe()
    assert.is_true(ok, tostring(err))
    assert.equal(1, w:write("x"))
    assert.equal("x", r:read(nil, 4))
    local ok2, err2, a, b = S.socketpair("unix", "dgram")
    assert.is_true(ok2, tostring(err2))
    assert.equal(2, a:write("hi"))
    assert.equal("hi", b:read(nil, 4))
  end)

  it("interface, address and route through rump.net", function()
    local cfg = rnet.config(k)
    assert.truthy(cfg:create("shmif0"))
    assert.truthy(cfg:attach("shmif0", "busted-bus"))
    assert.truthy(cfg:up("shmif0"))
    assert.truthy(cfg:address("shmif0", "10.1.0.1/24"))
    assert.truthy(cfg:route_add("10.9.0.0/16", "10.1.0.254"))
    assert.equal("10.1.0.254", tostring(cfg:route_get("10.9.1.1").gateway))
  end)

  it("two kernels on one bus talk UDP", function()
    local k2 = rump.kernel { "net", "net.netinet", "net.shmif" }
    finally(function() k2:destroy() end)
    local c1, c2 = rnet.config(k), rnet.config(k2)
    for i, c in ipairs { c1, c2 } do
      assert.truthy(c:create("shmif0"))
      assert.truthy(c:attach("shmif0", "busted-udp"))
      assert.truthy(c:up("shmif0"))
      assert.truthy(c:address("shmif0", "10.2.0." .. i .. "/24"))
    end
    local S1, S2 = k.S, k2.S
    local s1 = assert(S1.socket("inet", "dgram"))
    local s2 = assert(S2.socket("inet", "dgram"))
    assert(S2.bind(s2, S2.t.sockaddr_in(7000, "10.2.0.2")))
    assert.equal(4, S1.sendto(s1, "ping", 4, 0, S1.t.sockaddr_in(7000, "10.2.0.2")))
    assert.equal("ping", s2:read(nil, 16))
  end)
end)
