-- syscall.util: conveniences built only from syscalls (ljsyscall's S.util).
local M = {}

function M.init(S)
  local util = {}
  local c, t = S.c, S.t

  -- dirtable(path): a table of the names in a directory ("." and ".." left out unless asked).
  function util.dirtable(path, nodots)
    local fd, err = S.open(path, "directory, rdonly")
    if not fd then return nil, err end
    local list = {}
    while true do
      local d, e = S.getdents(fd)
      if not d then fd:close(); return nil, e end
      local any = false
      for name, ent in pairs(d) do
        any = true
        if not (nodots and (name == "." or name == "..")) then list[#list + 1] = name end
        local _ = ent
      end
      if not any then break end
    end
    fd:close()
    table.sort(list)
    return list
  end

  -- ls(path): iterator over names.
  function util.ls(path)
    local list, err = util.dirtable(path, true)
    if not list then error(tostring(err), 2) end
    local i = 0
    return function() i = i + 1; return list[i] end
  end

  -- Reads a whole file.
  function util.readfile(path)
    local fd, err = S.open(path, "rdonly")
    if not fd then return nil, err end
    local parts = {}
    while true do
      local s, e = fd:read(nil, 65536)
      if not s then fd:close(); return nil, e end
      if #s == 0 then break end
      parts[#parts + 1] = s
    end
    fd:close()
    return table.concat(parts)
  end

  -- Writes a whole file (created or truncated).
  function util.writefile(path, str, mode)
    local fd, err = S.open(path, "creat, wronly, trunc", mode or "0644")
    if not fd then return nil, err end
    local off = 0
    while off < #str do
      local n, e = fd:write(off == 0 and str or str:sub(off + 1))
      if not n then fd:close(); return nil, e end
      off = off + n
    end
    return fd:close()
  end

  -- rm -r.
  function util.rm(path)
    local st = S.lstat(path)
    if not st then return true end
    if st.isdir then
      local list = util.dirtable(path, true) or {}
      for _, n in ipairs(list) do
        local ok, e = util.rm(path .. "/" .. n)
        if not ok then return nil, e end
      end
      return S.rmdir(path)
    end
    return S.unlink(path)
  end

  -- mkdir -p.
  function util.mkdirp(path, mode)
    local cur = path:sub(1, 1) == "/" and "" or "."
    for part in path:gmatch("[^/]+") do
      cur = cur .. "/" .. part
      local ok, e = S.mkdir(cur, mode or "0755")
      if not ok and not e.EXIST then return nil, e end
    end
    return true
  end

  return util
end

return M
