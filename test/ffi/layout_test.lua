-- Layouts: every size, alignment and offset the C compiler gives the types of helper.h must
-- be what the FFI computes from the same declarations.
local T = require "rump.test"
local ffi = require "syscall.ffi"
package.path = (debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "test/ffi") .. "/?.lua;" .. package.path
local H = require "common"

T.case("sizes, alignments and offsets agree with the C compiler", function()
  local n, checked = 0, 0
  while true do
    local e = H.lib.helper_layouts[n]
    if e.type == nil then break end
    local tname = ffi.string(e.type)
    if e.field == nil then
      T.eq(ffi.sizeof(tname), H.tonumber(e.size), "sizeof(" .. tname .. ")")
      T.eq(ffi.alignof(tname), H.tonumber(e.align), "alignof(" .. tname .. ")")
    else
      local fname = ffi.string(e.field)
      local path, off = {}, 0
      for part in fname:gmatch("[^.]+") do path[#path + 1] = part end
      -- a.b: offset of a in the struct plus offset of b in a's type
      local ct = ffi.typeof(tname)
      for i, part in ipairs(path) do
        local o = ffi.offsetof(ct, part)
        T.ok(o, tname .. " has member " .. part)
        off = off + o
        if i < #path then ct = ffi.typeof(ffi.new(ct)[part]) end
      end
      T.eq(off, H.tonumber(e.offset), "offsetof(" .. tname .. ", " .. fname .. ")")
    end
    n = n + 1
    checked = checked + 1
  end
  T.ok(checked > 80, "checked " .. checked .. " entries")
end)
