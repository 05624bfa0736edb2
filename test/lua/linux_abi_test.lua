-- The Linux ABI of require "syscall" against the system's C headers: every struct we declare
-- (size, alignment, member offsets and sizes) and every constant we define.  The C side is a
-- program that tools/abicheck.lua generates; this file builds it with cc, runs it and compares.
-- One case per struct and per constant family, so a failure names what is wrong.
local T = require "rump.test"
local S = require "syscall"

local A = assert(loadfile("tools/abicheck.lua"))("--lib")
local builddir = os.getenv("RUMPUS_BUILD") or "build"

local facts, probe_err
local function probe()
  if not facts and not probe_err then
    facts, probe_err = A.probe(builddir, T.sh)
  end
  if not facts then error(probe_err, 0) end
  return facts
end

T.case("the generated C probe builds warning-free and runs", function()
  local f = probe()
  T.ok(next(f.structs), "the probe printed struct facts")
  T.ok(next(f.consts), "the probe printed constants")
  io.write("# ", #f.unchecked, " constants unchecked (no C macro): ", table.concat(f.unchecked, ", "), "\n")
end)

T.case("every declared struct and every constant family is mapped to C", function()
  -- Structs declared anywhere in lua/syscall/linux/ (ffi.lua and the area modules).
  local dir = package.searchpath("syscall.linux.ffi", package.path):match("^(.*)/[^/]*$")
  local files = T.sh("ls " .. T.shquote(dir) .. "/*.lua")
  local src = {}
  for path in files:gmatch("[^\n]+") do src[#src + 1] = assert(io.open(path)):read("*a") end
  T.ok(#src > 1, "read the sources of " .. dir)
  local miss = A.coverage(table.concat(src, "\n"))
  T.same(miss.structs, {}, "structs declared in " .. dir .. " without a C counterpart in tools/abicheck.lua")
  T.same(miss.families, {}, "constant families without a macro mapping")
  T.same(miss.scalars, {}, "single constants without a macro mapping")
  -- And the scan does see a struct that nobody mapped.
  T.same(A.coverage("ffi.cdef[[struct rumpus_lx_nosuch { int a; };]]").structs, { "struct rumpus_lx_nosuch" })
end)

T.case("the comparison catches wrong values (checked with fake C facts)", function()
  local f = probe()
  -- A copy of the facts with one constant and one member changed must give mismatches.
  local fake = { structs = {}, consts = { O = {} }, unchecked = {} }
  for k, v in pairs(f.consts.O) do fake.consts.O[k] = v end
  local creat = f.consts.O.CREAT
  fake.consts.O.CREAT = { macro = creat.macro, size = creat.size, hi = creat.hi, lo = creat.lo + 1 }
  local errs = A.check_family("O", fake)
  T.eq(#errs, 1)
  T.ok(errs[1]:find("c.O.CREAT", 1, true), errs[1])
  local st = f.structs["struct rumpus_lx_stat"]
  local members = {}
  for k, v in pairs(st.members) do members[k] = v end
  members.st_size = { offset = st.members.st_size.offset + 8, size = 8 }
  fake.structs["struct rumpus_lx_stat"] = { size = st.size + 8, align = st.align, members = members }
  local spec
  for _, s in ipairs(A.structs) do if s[1] == "struct rumpus_lx_stat" then spec = s end end
  errs = A.check_struct(spec, fake)
  T.eq(#errs, 2, table.concat(errs, "; "))
end)

for _, s in ipairs(A.structs) do
  local why = s.nosize and (" (size not compared: " .. s.nosize .. ")") or ""
  T.case(s[1] .. " matches " .. s[2] .. why, function()
    local errs = A.check_struct(s, probe())
    T.ok(#errs == 0, table.concat(errs, "\n"))
  end)
end

for _, fam in ipairs(A.sorted_keys(A.families)) do
  local spec = A.families[fam]
  if not spec.same and type(S.c[fam]) == "table" then
    T.case("constants c." .. fam .. " match the C headers", function()
      local errs, n = A.check_family(fam, probe())
      T.ok(#errs == 0, table.concat(errs, "\n"))
      -- Every name of the family was either compared or reported as unchecked.
      local total, unchecked = 0, 0
      for _ in pairs(S.c[fam]) do total = total + 1 end
      for _, u in ipairs(probe().unchecked) do
        if u:sub(1, #fam + 1) == fam .. "." then unchecked = unchecked + 1 end
      end
      T.eq(n + unchecked, total, "names compared + unchecked")
    end)
  end
end

T.case("single constants (PATH_MAX, NSIG, SOMAXCONN...) match the C headers", function()
  local errs, n = A.check_family(".", probe())
  T.ok(#errs == 0, table.concat(errs, "\n"))
  T.ok(n > 0, "compared some")
end)
