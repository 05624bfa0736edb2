-- Helpers of the host tests that change the process (test/lua/process_test.lua,
-- test/lua/namespaces_test.lua): local H = dofile("test/lua/shared/child.lua")
--   H.readfile(path): the file's contents, or nil when it cannot be opened;
--   H.inchild(fn): runs fn in a forked child; returns what it returned (as a string) or
--     raises its error here ("in child: ..."); a child that does not exit 0 raises too.
local S = require "syscall"

local H = {}

function H.readfile(p)
  local f = io.open(p, "r")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

function H.inchild(fn)
  local ok, _, r, w = S.pipe()
  assert(ok)
  local pid = assert(S.fork())
  if pid == 0 then
    S.prctl("set_pdeathsig", "kill")  -- never outlive a crashed test
    r:close()
    local res = { pcall(fn) }
    local out
    if res[1] then out = "OK" .. (res[2] == nil and "" or tostring(res[2])) else out = "ER" .. tostring(res[2]) end
    w:write(out)
    S.exit(res[1] and 0 or 1)
  end
  w:close()
  local data = {}
  while true do
    local s = r:read(nil, 4096)
    if not s or s == "" then break end
    data[#data + 1] = s
  end
  r:close()
  local rpid, err, st = S.waitpid(pid)
  assert(rpid == pid, tostring(err))
  local out = table.concat(data)
  if out:sub(1, 2) == "ER" then error("in child: " .. out:sub(3), 2) end
  if not st.WIFEXITED or st.EXITSTATUS ~= 0 then error("child " .. tostring(st), 2) end
  return out:sub(3)
end

return H
