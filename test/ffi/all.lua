-- Every FFI test file in one go, for the C test program build/test/ffi_puc_test (which embeds
-- PUC Lua 5.4 and the ffi module, so `make asan` runs the FFI under ASan and UBSan).
local dir = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "test/ffi"
for _, f in ipairs { "parse", "cdata", "call", "layout", "syscall", "robust" }  -- robust last: it exhausts the type limit do
  dofile(dir .. "/" .. f .. "_test.lua")
end
