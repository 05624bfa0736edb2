-- A scenario observed on a rumpus kernel and, in a child process, on NetBSD's own rump
-- kernel (one per process) from $RUMPUS_NETBSD_RUMP: the test file runs itself again as
-- the child, which prints its observations (text keyed by what was observed) as OBS
-- lines; the parent compares them key by key with the rumpus kernel's.
--   local C = dofile(here .. "shared/nbchild.lua")
local T = require "rump.test"

local C = {}

-- In the child: the observations o as sorted OBS lines on standard output, then exit.
function C.report(o)
  local keys = {}
  for key in pairs(o) do keys[#keys + 1] = key end
  table.sort(keys)
  for _, key in ipairs(keys) do io.write("OBS\t", key, "\t", o[key], "\n") end
  io.flush()
  os.exit(0)
end

-- The usual child: NetBSD's kernel with IPv4 and IPv6, observe(S) reported, exit.
function C.child(observe)
  local rump = require "rump"
  local k = rump.kernel{ "vfs", "net", "net.net", "net.netinet", "net.netinet6", backend = "netbsd" }
  C.report(observe(k.S))
end

-- The scenario on a rumpus kernel with IPv4 and IPv6 (destroyed when the case ends): its
-- observations observe(S).
function C.rumpus(observe)
  local rump = require "rump"
  local k = rump.kernel{ "net.netinet", "net.netinet6" }
  T.defer(function() k:destroy() end)
  return observe(k.S)
end

-- The socket half of a scenario on syscalls S: the observations o and put(name, v, e) to
-- record an answer (v, or "error ESYM" from e); sock(family, v6only, reuse) a socket of
-- type ty (IPV6_V6ONLY set when v6only is not nil, each SOL_SOCKET option of reuse on),
-- keep(s) to count in a socket made otherwise (accept), closeall() to close every one;
-- sa(addr, port) an IPv4 or IPv6 socket address.
function C.observer(S, ty)
  local o = {}
  local function put(name, v, e)
    o[name] = v ~= nil and tostring(v) or ("error " .. tostring(e and e.sym or e))
  end
  local socks = {}
  local function keep(s) socks[#socks + 1] = s; return s end
  local function sock(fam, v6only, reuse)
    local s = keep(assert(S.socket(fam, ty)))
    if v6only ~= nil then assert(S.setsockopt(s, "ipv6", "v6only", v6only)) end
    for _, n in ipairs(reuse or {}) do assert(S.setsockopt(s, "socket", n, true)) end
    return s
  end
  local function closeall()
    for _, s in ipairs(socks) do s:close() end
    socks = {}
  end
  local function sa(addr, port)
    if addr:find(":") then return S.t.sockaddr_in6(port, addr) end
    return S.t.sockaddr_in(port, addr)
  end
  return o, put, sock, closeall, sa, keep
end

-- The NetBSD build's prefix; the case is skipped when it has no librumpnet_netinet6.
function C.prefix()
  local nb = require "rump.netbsd"
  local ok, why = pcall(nb.prefix)
  local prefix = ok and why or nil
  if not prefix or not io.open(prefix .. "/lib/librumpnet_netinet6.so.0", "rb") then
    T.skip("NetBSD's rump kernels not found (RUMPUS_NETBSD_RUMP)")
  end
  return prefix
end

local function sh(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

-- Runs the file self again, with the environment env ({ { NAME, value }... }) and NetBSD's
-- backend from prefix, on this interpreter: the child's observations (checked to be
-- there).
function C.run(self, prefix, env)
  local interp = (arg and arg[-1]) or "luajit"
  local asan = os.getenv("ASAN_OPTIONS")
  local cmd = "env" .. (asan and (" ASAN_OPTIONS=" .. sh(asan .. ":detect_leaks=0")) or "")
  for _, kv in ipairs(env) do cmd = cmd .. " " .. kv[1] .. "=" .. sh(kv[2]) end
  cmd = cmd .. " RUMPUS_BACKEND=netbsd RUMPUS_NETBSD_RUMP=" .. sh(prefix) ..
    " timeout 120 " .. sh(interp) .. " " .. sh(self) .. " 2>&1"
  local out = T.sh(cmd)
  local theirs = {}
  for key, v in out:gmatch("OBS\t([^\t\n]+)\t([^\n]*)") do theirs[key] = v end
  T.ok(next(theirs) ~= nil, "the NetBSD child reported: " .. out:sub(-800))
  return theirs
end

-- Every observation of rumpus's (its case ran, checked) the same in theirs, but for the
-- keys of known ({ key = { NetBSD's answer, why } }), where NetBSD's answer is checked.
function C.compare(rumpus, theirs, known)
  T.ok(rumpus, "the rumpus case ran")
  local keys = {}
  for key in pairs(rumpus or {}) do keys[#keys + 1] = key end
  table.sort(keys)
  for _, key in ipairs(keys) do
    if known and known[key] then
      T.eq(theirs[key], known[key][1], "NetBSD's known answer on " .. key .. ": " .. known[key][2])
    else
      T.eq(rumpus[key], theirs[key], "rumpus and NetBSD agree on " .. key)
    end
  end
end

return C
