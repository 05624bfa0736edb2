-- Shared by the FFI tests: the C helper library (test/ffi/helper.c, built by mk/ffi.mk) and the
-- declarations it shares with the tests (test/ffi/helper.h), cdef'd once per process.
local ffi = require "syscall.ffi"

local M = {}

local dir = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "test/ffi"
local build = os.getenv("RUMPUS_BUILD") or "build"

local f = assert(io.open(dir .. "/helper.h"))
M.header = f:read("a"):gsub("\n#[^\n]*", "\n")
f:close()

ffi.cdef(M.header)
ffi.cdef [[
struct helper_layout { const char *type; const char *field; long size; long align; long offset; };
extern const struct helper_layout helper_layouts[];
]]

M.lib = ffi.load(build .. "/ffi/libffitest.so")

-- LuaJIT's tonumber() converts cdata; on PUC Lua our module provides ffi.tonumber.
M.tonumber = ffi.tonumber or tonumber
M.luajit = (jit ~= nil)

return M
