-- syscall.linux.netns: network namespaces (optionally with a mount and a UTS namespace) for
-- tests and topologies on the host.  Needs CAP_SYS_ADMIN (root).
--
--   local netns = require "syscall.linux.netns".init(S)
--   local ns = assert(netns.new{ mount = true, uts = true, hostname = "a" })
--   ns:run(function() ... end)      -- the calling thread enters, runs, and always comes back
--   ns:fork(function() ... end)     -- a child process inside the namespace runs the function
--   ns.nl.create_interface{...}     -- rtnetlink on a socket made inside the namespace
--   ns:close()                      -- drops the namespace and every interface in it
--   netns.with(opts, function(ns) ... end)   -- new + fn + close, even when fn raises
--   netns.spawn(opts, fn, ...)      -- a child that unshares its own namespaces and runs fn
--
-- A namespace made by new() is kept alive by descriptors of /proc/thread-self/ns/* held in
-- the object (no process, no bind mount).  Closing them lets the kernel free it, and with it
-- its interfaces (a veth pair goes when either end's namespace goes).
--
-- The calling thread changes namespace only inside run()/enter(); both save and restore the
-- thread's previous namespaces and working directory (setns to a mount namespace moves the
-- working directory to its root).
--
-- Private helpers: fork, waitpid, _exit, unshare and setns are called through S.C directly
-- (the generic S.fork/S.unshare/S.setns/S.waitpid wrappers may not exist yet); switch to
-- them when they do.

local ffi = require "syscall.ffi"
local bit = require "syscall.bit"

local type, tostring, tonumber, error, pcall, select, setmetatable, pairs, ipairs, unpack =
      type, tostring, tonumber, error, pcall, select, setmetatable, pairs, ipairs, table.unpack or unpack
local string, table = string, table

local M = {}

function M.init(S)
  local C, c, t = S.C, S.c, S.t
  local CLONE = c.CLONE
  local nl = S.nl or require "syscall.linux.nl".init(S)
  local netns = {}
  local err = t.error
  local errno = S.errno

  ---------------------------------------------------------------------------------------------
  -- Private syscall helpers (see the header).
  local function fail() return nil, err(errno()) end
  local function unshare(flags)
    if S.unshare then return S.unshare(flags) end
    if C.unshare(flags) == -1 then return fail() end
    return true
  end
  local function setns(fd, nstype)
    local n = type(fd) == "number" and fd or fd:getfd()
    if S.setns then return S.setns(n, nstype) end
    if C.setns(n, nstype) == -1 then return fail() end
    return true
  end
  local function fork()
    if S.fork then return S.fork() end
    local p = C.fork()
    if p == -1 then return fail() end
    return p
  end
  local status1 = ffi.typeof("int[1]")
  -- Waits for pid; returns the exit code, or nil plus "signal N".
  local function waitpid(pid)
    local st = status1()
    while true do
      local r = C.waitpid(pid, st, 0)
      if r == pid then break end
      if r == -1 then
        local e = errno()
        if e ~= c.E.INTR then return nil, err(e) end
      end
    end
    local s = st[0]
    if bit.band(s, 0x7f) == 0 then return bit.rshift(bit.band(s, 0xff00), 8) end
    return nil, "signal " .. bit.band(s, 0x7f)
  end
  local function _exit(n)
    io.stdout:flush(); io.stderr:flush()
    C._exit(n)
  end
  netns.private = { unshare = unshare, setns = setns, fork = fork, waitpid = waitpid }

  local kinds = {
    { key = "net", flag = CLONE.NEWNET, file = "net" },
    { key = "mnt", flag = CLONE.NEWNS, file = "mnt" },
    { key = "uts", flag = CLONE.NEWUTS, file = "uts" },
  }

  local function opennsfile(name)
    return S.open("/proc/thread-self/ns/" .. name, "rdonly, cloexec")
  end

  -- The thread's current namespaces (the ones in `which`) and working directory.
  local function save(which)
    local home = {}
    for _, k in ipairs(kinds) do
      if which[k.key] then
        local fd, e = opennsfile(k.file)
        if not fd then
          for _, f in pairs(home) do f:close() end
          return nil, e
        end
        home[k.key] = fd
      end
    end
    if which.mnt then home.cwd = S.open(".", "rdonly, directory, cloexec") end
    return home
  end
  local function restore(home)
    local first
    for _, k in ipairs(kinds) do
      local fd = home[k.key]
      if fd then
        local ok, e = setns(fd, k.flag)
        if not ok and not first then first = e end
        fd:close()
      end
    end
    if home.cwd then S.fchdir(home.cwd); home.cwd:close() end
    if first then return nil, first end
    return true
  end

  local NS = {}
  NS.__index = NS

  -- Makes the namespaces: opts.mount, opts.uts (net always), opts.hostname (implies uts),
  -- opts.lo = false to leave the loopback interface down (it is brought up by default).
  function netns.new(opts)
    opts = opts or {}
    if type(opts) ~= "table" then error("bad argument #1 to 'new' (table expected, got " .. type(opts) .. ")", 2) end
    if type(opts.hostname) ~= "nil" and type(opts.hostname) ~= "string" then
      error("bad argument #1 to 'new' (hostname must be a string, got " .. type(opts.hostname) .. ")", 2)
    end
    local want = { net = true, mnt = opts.mount and true or false, uts = (opts.uts or opts.hostname) and true or false }
    local flags = 0
    for _, k in ipairs(kinds) do if want[k.key] then flags = bit.bor(flags, k.flag) end end
    local home, e = save(want)
    if not home then return nil, e end
    local ok, e2 = unshare(flags)
    if not ok then restore(home); return nil, e2 end
    local ns = setmetatable({ kinds = want, name = opts.name }, NS)
    local failed
    for _, k in ipairs(kinds) do
      if want[k.key] and not failed then
        local fd, e3 = opennsfile(k.file)
        if fd then ns[k.key] = fd else failed = e3 end
      end
    end
    if not failed and want.mnt then
      -- Mounts made inside must not propagate back to the host's namespace.
      if C.mount(nil, "/", nil, c.MS["rec, private"], nil) == -1 then failed = err(errno()) end
    end
    if not failed and opts.hostname then
      if C.sethostname(opts.hostname, #opts.hostname) == -1 then failed = err(errno()) end
    end
    local back, e4 = restore(home)
    if not back then
      ns:close()
      error("netns.new: cannot return to the original namespaces: " .. tostring(e4))
    end
    if failed then ns:close(); return nil, failed end
    local h, e5 = nl.open{ netns = ns.net }
    if not h then ns:close(); return nil, e5 end
    ns.nl = h
    if opts.lo ~= false then
      local lo, e6 = h.interface("lo")
      if lo then lo, e6 = lo:up() end
      if not lo then ns:close(); return nil, e6 end
    end
    return ns
  end

  -- The inode number naming the network namespace (as in /proc/PID/ns/net -> net:[inode]).
  function NS:inode()
    local st = S.fstat(self.net)
    return st and tonumber(st.ino)
  end
  -- A path naming the namespace for other programs while this process holds it, e.g.
  --   nsenter --net=<ns:path()> ip -json link
  function NS:path(kind)
    local fd = self[kind or "net"]
    if not fd then return nil end
    return "/proc/" .. S.getpid() .. "/fd/" .. fd:getfd()
  end
  -- A shell command prefix running a program inside the namespaces.
  function NS:exec_prefix()
    local s = "nsenter --net=" .. self:path("net")
    if self.mnt then s = s .. " --mount=" .. self:path("mnt") end
    if self.uts then s = s .. " --uts=" .. self:path("uts") end
    return s .. " "
  end

  -- Enters the namespaces; returns a token for leave().  Prefer run().
  function NS:enter()
    if not self.net then error("netns: namespace is closed", 2) end
    local home, e = save(self.kinds)
    if not home then return nil, e end
    for _, k in ipairs(kinds) do
      if self[k.key] then
        local ok, e2 = setns(self[k.key], k.flag)
        if not ok then restore(home); return nil, e2 end
      end
    end
    return home
  end
  function NS:leave(home)
    local ok, e = restore(home)
    if not ok then error("netns: cannot return to the original namespaces: " .. tostring(e), 2) end
    return true
  end

  local function pack(...) return { n = select("#", ...), ... } end

  -- Runs fn(...) with the calling thread inside the namespaces and always comes back; returns
  -- fn's results, or re-raises its error after returning.
  function NS:run(fn, ...)
    if type(fn) ~= "function" then error("bad argument #1 to 'run' (function expected, got " .. type(fn) .. ")", 2) end
    local home, e = self:enter()
    if not home then return nil, e end
    local r = pack(pcall(fn, ...))
    self:leave(home)
    if not r[1] then error(r[2], 0) end
    return unpack(r, 2, r.n)
  end

  -- Serialises a child's results (nil, booleans, numbers, strings) through a pipe.
  local function encode(r, from, n)
    local out = {}
    for i = from, n do
      local v = r[i]
      local tv = type(v)
      if tv == "string" then out[#out + 1] = "s" .. #v .. ":" .. v
      elseif tv == "number" then local s = string.format("%.17g", v); out[#out + 1] = "n" .. #s .. ":" .. s
      elseif tv == "boolean" then out[#out + 1] = v and "t" or "f"
      else out[#out + 1] = "z" end
    end
    return table.concat(out)
  end
  local function decode(s)
    local r, i = { n = 0 }, 1
    while i <= #s do
      local k = s:sub(i, i)
      local v
      if k == "s" or k == "n" then
        local len, rest = s:match("^(%d+):()", i + 1)
        len = tonumber(len)
        v = s:sub(rest, rest + len - 1)
        if k == "n" then v = tonumber(v) end
        i = rest + len
      else
        v = (k == "t") and true or (k == "f" and false or nil)
        i = i + 1
      end
      r.n = r.n + 1
      r[r.n] = v
    end
    return r
  end

  -- In a child: prepare (a function run first, e.g. entering namespaces), run fn, report
  -- through the pipe, _exit.  In the parent: read the report, reap the child, and return
  -- fn's results, or nil plus the child's error text.
  local function child(prepare, fn, ...)
    local ok, _, rfd, wfd = S.pipe("cloexec")
    if not ok then return nil, _ end
    -- Nothing buffered in the parent may be written a second time by the child.
    io.stdout:flush(); io.stderr:flush()
    local pid, e = fork()
    if not pid then rfd:close(); wfd:close(); return nil, e end
    if pid == 0 then
      rfd:close()
      local r = pack(pcall(function(...)
        local p, pe = prepare()
        if not p then error("namespace setup failed: " .. tostring(pe), 0) end
        return fn(...)
      end, ...))
      local msg
      if r[1] then msg = "R" .. encode(r, 2, r.n) else msg = "E" .. tostring(r[2]) end
      local off = 0
      while off < #msg do
        local n = S.write(wfd, msg:sub(off + 1))
        if not n then break end
        off = off + n
      end
      _exit(r[1] and 0 or 1)
    end
    wfd:close()
    local parts = {}
    while true do
      local s, e2 = S.read(rfd, nil, 65536)
      if not s then
        if not e2.INTR then break end
      elseif #s == 0 then break
      else parts[#parts + 1] = s end
    end
    rfd:close()
    local code, why = waitpid(pid)
    local out = table.concat(parts)
    if out:sub(1, 1) == "R" and code == 0 then
      local r = decode(out:sub(2))
      if r.n == 0 then return true end
      return unpack(r, 1, r.n)
    end
    if out:sub(1, 1) == "E" then return nil, out:sub(2) end
    return nil, "child failed (" .. (code and ("exit " .. code) or tostring(why)) .. ")"
  end
  netns.child = child

  -- Runs fn(...) in a child process inside this object's namespaces.  Returns fn's results
  -- (nil, booleans, numbers and strings cross back), or nil and the error text.
  function NS:fork(fn, ...)
    if type(fn) ~= "function" then error("bad argument #1 to 'fork' (function expected, got " .. type(fn) .. ")", 2) end
    if not self.net then error("netns: namespace is closed", 2) end
    local me = self
    return child(function()
      for _, k in ipairs(kinds) do
        if me[k.key] then
          local ok, e = setns(me[k.key], k.flag)
          if not ok then return nil, e end
        end
      end
      return true
    end, fn, ...)
  end

  -- Closes the descriptors holding the namespaces; the kernel then frees them.
  function NS:close()
    if self.nl then self.nl.close(); self.nl = nil end
    for _, k in ipairs(kinds) do
      local fd = self[k.key]
      if fd then fd:close(); self[k.key] = nil end
    end
    return true
  end
  NS.destroy = NS.close

  -- Writes a sysctl of this namespace ("net/ipv4/ip_forward", "1").
  function NS:sysctl(name, value)
    if type(name) ~= "string" then error("bad argument #1 to 'sysctl' (string expected, got " .. type(name) .. ")", 2) end
    return self:run(function()
      local path = "/proc/sys/" .. name:gsub("%.", "/")
      if type(value) == "nil" then
        local fd, e = S.open(path, "rdonly, cloexec")
        if not fd then return nil, e end
        local s = fd:read(nil, 4096)
        fd:close()
        return s and (s:gsub("%s+$", ""))
      end
      local fd, e = S.open(path, "wronly, cloexec")
      if not fd then return nil, e end
      local n, e2 = fd:write(tostring(value))
      fd:close()
      if not n then return nil, e2 end
      return true
    end)
  end

  -- Creates namespaces, calls fn(ns, ...), and always closes them; returns fn's results or
  -- re-raises its error.
  function netns.with(opts, fn, ...)
    if type(opts) == "function" then return netns.with({}, opts, fn, ...) end
    if type(fn) ~= "function" then error("bad argument #2 to 'with' (function expected, got " .. type(fn) .. ")", 2) end
    local ns, e = netns.new(opts)
    if not ns then return nil, e end
    local r = pack(pcall(fn, ns, ...))
    ns:close()
    if not r[1] then error(r[2], 0) end
    return unpack(r, 2, r.n)
  end

  -- A child process that unshares new namespaces of its own (net; opts.mount, opts.uts,
  -- opts.hostname), brings lo up and runs fn(...).  Everything goes when the child exits.
  function netns.spawn(opts, fn, ...)
    if type(opts) == "function" then return netns.spawn({}, opts, fn, ...) end
    opts = opts or {}
    if type(fn) ~= "function" then error("bad argument #2 to 'spawn' (function expected, got " .. type(fn) .. ")", 2) end
    return child(function()
      local flags = CLONE.NEWNET
      if opts.mount then flags = bit.bor(flags, CLONE.NEWNS) end
      if opts.uts or opts.hostname then flags = bit.bor(flags, CLONE.NEWUTS) end
      local ok, e = unshare(flags)
      if not ok then return nil, e end
      if opts.mount and C.mount(nil, "/", nil, c.MS["rec, private"], nil) == -1 then return fail() end
      if opts.hostname and C.sethostname(opts.hostname, #opts.hostname) == -1 then return fail() end
      if opts.lo ~= false then
        local lo, e2 = nl.interface("lo")
        if lo then lo, e2 = lo:up() end
        if not lo then return nil, e2 end
      end
      return true
    end, fn, ...)
  end

  return netns
end

return M
