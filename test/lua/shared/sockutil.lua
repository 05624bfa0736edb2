-- What the socket tests share (sockets_*_test.lua, shared/socket_scenarios.lua, on the
-- host or a kernel's S):
--   local U = dofile(here .. "shared/sockutil.lua")
local U = {}

-- Closes each descriptor given that is still open (nil ones passed over).
function U.close(...)
  for i = 1, select("#", ...) do
    local f = select(i, ...)
    if f and f.filenum >= 0 then f:close() end
  end
end

-- A socketpair of S ("unix", kind, default "stream"), closed at the end of T's case.
function U.pair(T, S, kind)
  local ok, err, a, b = S.socketpair("unix", kind or "stream")
  assert(ok, tostring(err))
  T.defer(function() U.close(a, b) end)
  return a, b
end

return U
