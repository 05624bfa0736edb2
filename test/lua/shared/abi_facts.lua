-- abi_facts: the NetBSD rump kernel ABI fact tables (abi/netbsd/*.tsv in the repository,
-- described in abi/netbsd/README.md) as Lua tables, for tests that check our kernel and NetBSD-side declarations.
--
--   local F = dofile("test/lua/shared/abi_facts.lua")   -- or require with test/lua/?.lua
--   local facts = F.load()            -- reads <repo>/abi/netbsd
--   facts.constants.EADDRINUSE        --> { family = "errno", name = ..., value = "48",
--                                     --     num = 48, ctype = "int", size = 4, hex = "0x30", ... }
--   facts.families.errno              --> list of the constant rows of that family
--   facts.structs["struct stat"]      --> { type, kind, header, size, align,
--                                     --     members = { {name, offset, size, align, ctype,
--                                     --     base_type, bit_offset, bit_size}, ... }, member = {by name} }
--   facts.syscalls.socket             --> the STD entry (compat entries: facts.compat_syscalls)
--   facts.syscall_number[394]         --> the entry with that number
--   facts.symbols["rump_init"]        --> rows of symbols.tsv by symbol (one per library)
--
-- Every field is a string as in the file, except where a number is given as well: `num` for
-- constants whose value is an exact Lua number (|v| < 2^53), and sizes, offsets and syscall
-- numbers.  `-` (none) becomes nil in the converted fields.  A malformed file raises an error
-- naming the file and line.  Written for Lua 5.1 to 5.4.

local F = {}

local function here()
  local src = debug.getinfo(1, "S").source
  if src:sub(1, 1) ~= "@" then return nil end
  return (src:sub(2):match("^(.*)/[^/]*$")) or "."
end

-- The tables are part of the repository: <repo>/abi/netbsd (this file is in
-- <repo>/test/lua/shared).
function F.netbsd_dir()
  local dir = here() or "test/lua/shared"
  return dir .. "/../../../abi/netbsd"
end

-- Reads a TSV file: returns the column names and a list of rows (tables keyed by column).
function F.read_tsv(path)
  local f, err = io.open(path, "r")
  if not f then error("abi_facts: cannot open " .. path .. ": " .. tostring(err), 2) end
  local cols, rows, lineno = nil, {}, 0
  for line in f:lines() do
    lineno = lineno + 1
    line = line:gsub("\r$", "")
    if line ~= "" then
      local fields = {}
      for x in (line .. "\t"):gmatch("([^\t]*)\t") do fields[#fields + 1] = x end
      if not cols then
        cols = fields
      else
        if #fields ~= #cols then
          f:close()
          error(string.format("abi_facts: %s:%d: %d fields, the header has %d", path, lineno, #fields, #cols), 2)
        end
        local row = {}
        for i, c in ipairs(cols) do
          if fields[i] == "" then
            f:close()
            error(string.format("abi_facts: %s:%d: empty field %s", path, lineno, c), 2)
          end
          row[c] = fields[i]
        end
        rows[#rows + 1] = row
      end
    end
  end
  f:close()
  if not cols then error("abi_facts: " .. path .. " is empty", 2) end
  return cols, rows
end

local function num(s)
  if s == nil or s == "-" then return nil end
  return tonumber(s)
end

-- An exact Lua number for a decimal integer string, or nil if it would lose precision.
local function exact(s)
  if not s:match("^%-?%d+$") then return nil end
  local digits = s:gsub("^%-", "")
  if #digits > 16 then return nil end
  local n = tonumber(s)
  if n and n > -9007199254740992 and n < 9007199254740992 then return n end
  return nil
end
F.exact = exact

function F.load_constants(dir)
  local cols, rows = F.read_tsv(dir .. "/constants.tsv")
  local byname, families = {}, {}
  for _, r in ipairs(rows) do
    if byname[r.name] then error("abi_facts: constants.tsv: duplicate name " .. r.name) end
    r.size = num(r.size)
    if r.ctype ~= "string" then r.num = exact(r.value) end
    byname[r.name] = r
    local fam = families[r.family]
    if not fam then fam = {}; families[r.family] = fam end
    fam[#fam + 1] = r
  end
  return byname, families, rows, cols
end

function F.load_structs(dir)
  local cols, rows = F.read_tsv(dir .. "/structs.tsv")
  local bytype, order = {}, {}
  for _, r in ipairs(rows) do
    local s = bytype[r.type]
    if not s then
      s = { type = r.type, kind = r.kind, header = r.header, size = num(r.type_size),
        align = num(r.type_align), rump_kernel_dwarf = r.rump_kernel_dwarf, members = {}, member = {} }
      bytype[r.type] = s
      order[#order + 1] = s
    end
    local m = { name = r.member, offset = num(r.member_offset), size = num(r.member_size),
      align = num(r.member_align), ctype = r.member_ctype, base_type = r.member_base_type,
      bit_offset = num(r.bit_offset), bit_size = num(r.bit_size) }
    s.members[#s.members + 1] = m
    s.member[m.name] = m
  end
  return bytype, order, rows, cols
end

function F.load_syscalls(dir)
  local cols, rows = F.read_tsv(dir .. "/syscalls.tsv")
  local byname, compat, bynumber, bysymbol = {}, {}, {}, {}
  for _, r in ipairs(rows) do
    r.number = num(r.number)
    r.nargs = num(r.nargs)
    r.argstruct_size = num(r.argstruct_size)
    local fields = {}
    if r.argstruct_fields ~= "-" then
      for x in r.argstruct_fields:gmatch("[^,]+") do fields[#fields + 1] = x end
    end
    r.fields = fields
    if bynumber[r.number] then error("abi_facts: syscalls.tsv: duplicate number " .. r.number) end
    bynumber[r.number] = r
    bysymbol[r.rump_symbol] = r
    if r.master_type:match("^COMPAT") then
      compat[r.name] = r
    else
      if byname[r.name] then error("abi_facts: syscalls.tsv: two non-compat entries named " .. r.name) end
      byname[r.name] = r
    end
  end
  return byname, compat, bynumber, bysymbol, rows, cols
end

function F.load_symbols(dir)
  local cols, rows = F.read_tsv(dir .. "/symbols.tsv")
  local bysym = {}
  for _, r in ipairs(rows) do
    r.size = num(r.size)
    local l = bysym[r.symbol]
    if not l then l = {}; bysym[r.symbol] = l end
    l[#l + 1] = r
  end
  return bysym, rows, cols
end

local cache = {}

-- All the tables of a directory (default: F.netbsd_dir()), loaded once per directory.
function F.load(dir)
  dir = dir or F.netbsd_dir()
  if cache[dir] then return cache[dir] end
  local facts = { dir = dir, rows = {} }
  facts.constants, facts.families, facts.rows.constants = F.load_constants(dir)
  facts.structs, facts.struct_list, facts.rows.structs = F.load_structs(dir)
  facts.syscalls, facts.compat_syscalls, facts.syscall_number, facts.syscall_symbol,
    facts.rows.syscalls = F.load_syscalls(dir)
  facts.symbols, facts.rows.symbols = F.load_symbols(dir)
  cache[dir] = facts
  return facts
end

-- Whether the tables can be found (and the reason when they cannot).
function F.available(dir)
  dir = dir or F.netbsd_dir()
  local f = io.open(dir .. "/constants.tsv", "r")
  if f then f:close() return true end
  return false, "NetBSD ABI facts not found in " .. dir .. " (they belong to the repository: abi/netbsd)"
end

return F
