-- The parser of the NetBSD ABI fact tables (test/lua/shared/abi_facts.lua), which the
-- NetBSD-side tests use: it must read every row of abi/netbsd/*.tsv (the counts are
-- the README's) and reject malformed files.
local T = require "rump.test"
local F = dofile("test/lua/shared/abi_facts.lua")

local function facts()
  local ok, why = F.available()
  T.ok(ok, why)
  return F.load()
end

local function count(t) local n = 0 for _ in pairs(t) do n = n + 1 end return n end

T.case("constants.tsv: all 2512 rows, by name and by family", function()
  local f = facts()
  T.eq(#f.rows.constants, 2512)
  T.eq(count(f.constants), 2512)
  local n = 0
  for _, list in pairs(f.families) do n = n + #list end
  T.eq(n, 2512)
  T.eq(f.constants.EADDRINUSE.num, 48)
  T.eq(f.constants.EADDRINUSE.family, "errno")
  T.eq(f.constants.EADDRINUSE.size, 4)
  T.eq(f.constants.AF_INET6.num, 24)
  T.eq(#f.families.errno > 90, true)
end)

T.case("structs.tsv: 123 types with their 886 member rows", function()
  local f = facts()
  T.eq(#f.struct_list, 123)
  T.eq(count(f.structs), 123)
  T.eq(#f.rows.structs, 886)
  local members = 0
  for _, s in ipairs(f.struct_list) do members = members + #s.members end
  T.eq(members, 886)
  local ts = f.structs["struct timespec"]
  T.eq(ts.size, 16)
  T.eq(ts.align, 8)
  T.eq(ts.member.tv_nsec.offset, 8)
  T.eq(ts.members[1].name, "tv_sec")
  -- Bit-fields have no byte size but a bit offset and size.
  local ip = f.structs["struct ip"]
  T.eq(ip.member.ip_hl.size, nil)
  T.eq(ip.member.ip_v.bit_offset, 4)
  T.eq(ip.member.ip_v.bit_size, 4)
end)

T.case("syscalls.tsv: 218 entries by name, number and symbol", function()
  local f = facts()
  T.eq(#f.rows.syscalls, 218)
  T.eq(count(f.syscall_number), 218)
  T.eq(count(f.syscall_symbol), 218)
  T.eq(count(f.syscalls) + count(f.compat_syscalls), 218)
  T.eq(count(f.compat_syscalls), 12)
  local r = f.syscalls.read
  T.eq(r.number, 3)
  T.eq(r.rump_symbol, "rump___sysimpl_read")
  T.same(r.fields, { "fd", "buf", "nbyte" })
  T.eq(r.argstruct_size, 24)
  T.eq(f.syscalls.fstat.sys_constant, "SYS___fstat50")
  T.eq(f.compat_syscalls.fstat.master_type, "COMPAT_50")
  T.same(f.syscall_number[3], r)
end)

T.case("symbols.tsv: 633 rows", function()
  local f = facts()
  T.eq(#f.rows.symbols, 633)
  T.ok(f.symbols.rump_init, "rump_init is listed")
end)

T.case("malformed or missing tables are reported with file and line", function()
  local dir = T.tmpdir()
  local function put(name, text)
    local h = assert(io.open(dir .. "/" .. name, "w")) h:write(text) h:close()
  end
  put("short.tsv", "a\tb\tc\n1\t2\t3\n4\t5\n")
  T.err(function() F.read_tsv(dir .. "/short.tsv") end, "short%.tsv:3: 2 fields, the header has 3")
  put("empty_field.tsv", "a\tb\n1\t\n")
  T.err(function() F.read_tsv(dir .. "/empty_field.tsv") end, "empty_field%.tsv:2: empty field b")
  T.err(function() F.read_tsv(dir .. "/nonexistent.tsv") end, "cannot open")
  local ok, why = F.available(dir)
  T.eq(ok, false)
  T.ok(why:find(dir, 1, true), why)
  put("constants.tsv", "family\tname\tvalue\tctype\tsize\thex\theader\torigin\n" ..
    "x\tBIG\t18446744073709551615\tunsigned long\t8\t0xffffffffffffffff\th\tnetbsd\n")
  local byname = F.load_constants(dir)
  T.eq(byname.BIG.num, nil, "a 64-bit value that a double cannot hold has no num")
  T.eq(byname.BIG.value, "18446744073709551615")
end)

T.case("the tables are found from any directory, with nothing beside the repository", function()
  local interp = arg and arg[-1] or "luajit"
  local here = T.sh("pwd"):gsub("\n$", "")
  local out, ok = T.sh("cd / && " .. T.shquote(interp) .. " -e " ..
    T.shquote('local F = dofile("' .. here .. '/test/lua/shared/abi_facts.lua"); print(F.netbsd_dir()); print(F.available())'))
  T.ok(ok, out)
  T.ok(out:find(here .. "/test/lua/shared/../../../abi/netbsd\ntrue", 1, true), out)
end)
