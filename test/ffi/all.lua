-- Every FFI test file in one go, for the C test programs build/test/ffi_lua5.{3,4}_test (which
-- embed PUC Lua and the ffi module, so `make asan` runs the FFI under ASan and UBSan).
-- robust comes last: one of its cases exhausts the per-state type limit.
local dir = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "test/ffi"
for _, f in ipairs { "parse", "cdata", "conv", "call", "layout", "syscall", "robust" } do
  dofile(dir .. "/" .. f .. "_test.lua")
end
