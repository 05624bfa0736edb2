-- require "syscall" under busted.  On LuaJIT busted replaces ffi.typeof/ffi.metatype/ffi.cdef
-- by caches keyed by their first argument; the library must not depend on ffi.typeof's "$"
-- templates (every ffi.typeof("$ *", ct) would give the first pointer type made).
local S = require "syscall"
local ffi = require "syscall.ffi"

describe("syscall under busted", function()
  it("pipe carries bytes", function()
    local ok, err, r, w = S.pipe()
    assert.is_true(ok, tostring(err))
    finally(function() r:close() w:close() end)
    assert.equal(5, w:write("hello"))
    assert.equal("hello", r:read(nil, 16))
  end)

  it("socketpair and getsockopt", function()
    local ok, err, a, b = S.socketpair("unix", "stream")
    assert.is_true(ok, tostring(err))
    finally(function() a:close() b:close() end)
    assert.equal(1, S.getsockopt(a, "socket", "type"))
    assert.equal(4, a:write("ping"))
    assert.equal("ping", b:read(nil, 16))
  end)

  it("pointer types are the types they name", function()
    local p = ffi.cast("int *", ffi.new("int[1]"))
    assert.is_true(ffi.istype(S.pt.int, p))
    assert.is_false(ffi.istype(S.pt.char, p))
    assert.equal("ctype<int *>", tostring(S.pt.int))
    assert.equal("ctype<char *>", tostring(S.pt.char))
    assert.equal("ctype<int [2]>", tostring(S.t.int2))
    assert.equal(8, ffi.sizeof(S.t.int2))
  end)

  it("errors come back as nil, err", function()
    local fd, err = S.open("/nonexistent/rumpus-busted", "rdonly")
    assert.is_nil(fd)
    assert.is_true(err.NOENT)
  end)
end)
