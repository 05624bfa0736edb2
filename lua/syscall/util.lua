-- syscall.util: conveniences built only from syscalls (ljsyscall's S.util), so they work on
-- any syscall table: the host's, or one bound to a kernel.
--
--   util.ls(dir, buf, size)     iterator over name, entry (entry as S.getdents gives it)
--   util.dirtable(dir, nodots)  a sorted list of the names in dir
--   util.readfile / writefile / cp / touch / createfile
--   util.rm(path...)            rm -r;   util.mkdirp(path, mode)   mkdir -p
--   util.basename / dirname     the POSIX string functions

local type, error, tostring, tonumber, pairs, ipairs, setmetatable, rawget, select, table =
      type, error, tostring, tonumber, pairs, ipairs, setmetatable, rawget, select, table
local ffi = require "syscall.ffi"
local h = require "syscall.helpers"
local type = ffi.type or type -- PUC Lua: cdata are userdata

local M = {}

function M.init(S)
  local util = S.util or {}  -- areas may have put their utilities here already
  local t = S.t

  local checkpath = h.checkpath

  local dirmt = {
    __tostring = function(list)
      if #list == 0 then return "" end
      return table.concat(list, "\n") .. "\n"
    end,
  }

  -- ls(dir): iterator over (name, entry) of every entry, "." and ".." included.  Opening
  -- fails with nil, err; a getdents failure part way raises the error (an iterator cannot
  -- return one).  The directory is closed when the iteration ends.
  function util.ls(dir, buf, size)
    dir = dir or "."
    checkpath(dir, "ls", 1)
    if buf ~= nil then
      if type(buf) ~= "cdata" or h.ckind(buf) ~= "array" then h.argerror("ls", 2, "buffer (an array)", buf) end
      size = h.checkint(size or ffi.sizeof(buf), "ls", 3, 1, ffi.sizeof(buf))
    else
      size = h.checkint(size or 4096, "ls", 3, 1, 16777216)
      buf = t.buffer(size)
    end
    local fd, err = S.open(dir, "directory, rdonly")
    if not fd then return nil, err end
    local batch, i, done = {}, 0, false
    return function()
      while not done do
        i = i + 1
        local d = batch[i]
        if d then return d.name, d end
        local ents, e = fd:getdents(buf, size)
        if not ents then
          done = true
          fd:close()
          error("ls " .. dir .. ": " .. tostring(e), 2)
        end
        batch, i = {}, 0
        -- pairs, not the call form: every target's getdents gives a table keyed by name
        for _, ent in pairs(ents) do batch[#batch + 1] = ent end
        -- An empty batch is the end of the directory.
        if #batch == 0 then done = true; fd:close() end
      end
      return nil
    end
  end

  -- dirtable(dir, nodots): the sorted names in dir ("." and ".." left out if nodots).
  function util.dirtable(dir, nodots)
    dir = dir or "."
    checkpath(dir, "dirtable", 1)
    local fd, err = S.open(dir, "directory, rdonly")
    if not fd then return nil, err end
    local list = {}
    local size = 4096
    local buf = t.buffer(size)
    while true do
      local ents, e = fd:getdents(buf, size)
      if not ents then fd:close(); return nil, e end
      local any = false
      for name in pairs(ents) do
        any = true
        if not (nodots and (name == "." or name == "..")) then list[#list + 1] = name end
      end
      if not any then break end
    end
    fd:close()
    table.sort(list)
    return setmetatable(list, dirmt)
  end

  -- readfile(path): the whole contents as a string.
  function util.readfile(path)
    checkpath(path, "readfile", 1)
    local fd, err = S.open(path, "rdonly")
    if not fd then return nil, err end
    local parts = {}
    local size = 65536
    local buf = t.buffer(size)
    while true do
      local n, e = fd:read(buf, size)
      if not n then fd:close(); return nil, e end
      if n == 0 then break end
      parts[#parts + 1] = ffi.string(buf, n)
    end
    fd:close()
    return table.concat(parts)
  end

  -- writefile(path, str, mode, flags): creates or truncates path and writes all of str; with
  -- flags (and no mode), opens with those flags instead (ljsyscall's form, e.g. "wronly" to
  -- write to an existing /proc or /sys file).
  function util.writefile(path, str, mode, flags)
    checkpath(path, "writefile", 1)
    if type(str) ~= "string" then error("bad argument #2 to 'writefile' (string expected, got " .. type(str) .. ")", 2) end
    local fd, err
    if flags ~= nil and mode == nil then fd, err = S.open(path, flags)
    else fd, err = S.open(path, "creat, wronly, trunc", mode or "0644") end
    if not fd then return nil, err end
    local off = 0
    while off < #str do
      local n, e = fd:write(off == 0 and str or str:sub(off + 1))
      if not n then fd:close(); return nil, e end
      off = off + n
    end
    return fd:close()
  end

  -- cp(src, dst, mode): copies the contents; mode defaults to the source's permissions.
  function util.cp(src, dst, mode)
    checkpath(src, "cp", 1)
    checkpath(dst, "cp", 2)
    local st, err = S.stat(src)
    if not st then return nil, err end
    local data, e = util.readfile(src)
    if not data then return nil, e end
    return util.writefile(dst, data, mode or st.perm)
  end

  -- createfile(path): creates path if missing, leaving an existing file's times alone.
  function util.createfile(path)
    checkpath(path, "createfile", 1)
    local fd, err = S.open(path, "wronly, creat, noctty, nonblock", "0666")
    if not fd then return nil, err end
    return fd:close()
  end

  -- touch(path): creates path if missing and sets its times to now.
  function util.touch(path)
    checkpath(path, "touch", 1)
    local fd, err = S.open(path, "wronly, creat, noctty, nonblock", "0666")
    if not fd then return nil, err end
    local ok, e = S.futimens(fd, { "now", "now" })
    fd:close()
    if not ok then return nil, e end
    return true
  end

  -- rm(path, ...): removes each path, directories recursively; a missing path is an error.
  local function rm1(path)
    local st, err = S.lstat(path)
    if not st then return nil, err end
    if st.isdir then
      local list, e = util.dirtable(path, true)
      if not list then return nil, e end
      for _, n in ipairs(list) do
        local ok, e2 = rm1(path .. "/" .. n)
        if not ok then return nil, e2 end
      end
      return S.rmdir(path)
    end
    return S.unlink(path)
  end
  function util.rm(...)
    local n = select("#", ...)
    for i = 1, n do
      local p = select(i, ...)
      checkpath(p, "rm", i)
      local ok, err = rm1(p)
      if not ok then return nil, err end
    end
    return true
  end

  -- mkdirp(path, mode): mkdir -p; existing directories are fine, an existing file is not.
  function util.mkdirp(path, mode)
    checkpath(path, "mkdirp", 1)
    local cur = path:sub(1, 1) == "/" and "" or "."
    for part in path:gmatch("[^/]+") do
      cur = cur .. "/" .. part
      local ok, e = S.mkdir(cur, mode or "0755")
      if not ok then
        if not e.EXIST then return nil, e end
        local st = S.stat(cur)
        if not st or not st.isdir then return nil, t.error(S.c.E.NOTDIR) end
      end
    end
    return true
  end

  -- mapfile(path): the contents read through a shared read-only mapping.
  if S.mmap then
    function util.mapfile(path)
      checkpath(path, "mapfile", 1)
      local fd, err = S.open(path, "rdonly")
      if not fd then return nil, err end
      local st, e = fd:stat()
      if not st then fd:close(); return nil, e end
      if st.size == 0 then fd:close(); return "" end
      local m, e2 = S.mmap(nil, st.size, "read", "shared", fd, 0)
      fd:close()
      if not m then return nil, e2 end
      local str = ffi.string(m, st.size)
      S.munmap(m, st.size)
      return str
    end
  end

  -- The ljsyscall names of the descriptor-event helpers.  signalfd_read gives an empty list
  -- when nothing is pending on a non-blocking descriptor.
  util.eventfd_read, util.eventfd_write, util.timerfd_read = S.eventfd_read, S.eventfd_write, S.timerfd_read
  if S.signalfd_read then
    function util.signalfd_read(fd, n)
      local r, e = S.signalfd_read(fd, n)
      if not r and e.AGAIN then return {} end
      return r, e
    end
  end

  -- proc(pid): a table whose fields read /proc/PID/<field> (files as strings, links as their
  -- targets): util.proc().cmdline, util.proc(1).exe.  ps(): one per process, sorted by pid.
  local procmt = {
    __index = function(p, k)
      if type(k) ~= "string" then return nil end
      local name = rawget(p, "dir") .. k
      local st = S.lstat(name)
      if not st then return nil end
      if st.islnk then return (S.readlink(name)) end
      if st.isreg then return (util.readfile(name)) end
      return nil
    end,
    __tostring = function(p)
      local cmd = p.cmdline or ""
      cmd = cmd:gsub("%z", " "):gsub("%s+$", "")
      if cmd == "" then cmd = "[" .. ((p.comm or ""):gsub("%s+$", "")) .. "]" end
      return rawget(p, "pid") .. "  " .. cmd
    end,
  }
  function util.proc(pid)
    pid = pid or S.getpid()
    if type(pid) ~= "number" then error("bad argument #1 to 'proc' (pid expected, got " .. type(pid) .. ")", 2) end
    return setmetatable({ pid = pid, dir = "/proc/" .. pid .. "/" }, procmt)
  end
  local psmt = { __tostring = function(ps)
    local r = {}
    for i = 1, #ps do r[i] = tostring(ps[i]) end
    return table.concat(r, "\n")
  end }
  function util.ps()
    local names, err = util.dirtable("/proc")
    if not names then return nil, err end
    local ps = {}
    for _, n in ipairs(names) do
      if n:match("^%d+$") then ps[#ps + 1] = util.proc(tonumber(n)) end
    end
    table.sort(ps, function(a, b) return a.pid < b.pid end)
    return setmetatable(ps, psmt)
  end

  -- mounts(file): the mount table (/proc/mounts by default) as a list of
  -- {source, target, type, flags, freq, passno}; mount{source=, target=, type=, flags=, data=}.
  local mountmt = { __tostring = function(m) return m.source .. " on " .. m.target .. " type " .. m.type .. " (" .. m.flags .. ")" end }
  local mountsmt = { __tostring = function(ms)
    local r = {}
    for i = 1, #ms do r[i] = tostring(ms[i]) .. "\n" end
    return table.concat(r)
  end }
  function util.mounts(file)
    local text, err = util.readfile(file or "/proc/mounts")
    if not text then return nil, err end
    local list = {}
    local fields = { "source", "target", "type", "flags", "freq", "passno" }
    for line in text:gmatch("[^\n]+") do
      local m, i = {}, 0
      for word in line:gmatch("%S+") do
        i = i + 1
        if fields[i] then m[fields[i]] = word end
      end
      list[#list + 1] = setmetatable(m, mountmt)
    end
    return setmetatable(list, mountsmt)
  end
  if S.mount then
    function util.mount(tab)
      if type(tab) ~= "table" then error("bad argument #1 to 'mount' (table expected, got " .. type(tab) .. ")", 2) end
      -- A NetBSD kernel's mount takes (type, dir, flags, data, datalen), as in ljsyscall.
      if S.target == "netbsd" then
        return S.mount(tab.type or tab.fstype, tab.target or tab.dir, tab.flags, tab.fspec or tab.data, tab.datalen)
      end
      return S.mount(tab.source or "none", tab.target or tab.dir, tab.type, tab.flags, tab.data)
    end
  end

  local function trimslash(name)
    return (name:gsub("/+$", ""))
  end
  function util.basename(name)
    checkpath(name, "basename", 1)
    if name == "" then return "." end
    name = trimslash(name)
    if name == "" then return "/" end
    return name:match("([^/]*)$")
  end
  function util.dirname(name)
    checkpath(name, "dirname", 1)
    if name == "" then return "." end
    name = trimslash(name)
    if name == "" then return "/" end
    local dir = name:match("^(.*)/[^/]*$")
    if not dir then return "." end
    dir = trimslash(dir)
    if dir == "" then return "/" end
    return dir
  end

  return util
end

return M
