-- The benchmark driver and its method (bench/run.lua, bench/util.lua; docs/bench.md):
-- the table it builds from what benchmark processes report, failures, and the statistics.
-- No timing is asserted: the fake benchmarks print fixed figures.
local T = require "rump.test"

local luajit = os.getenv("LUAJIT") or "luajit"
local q = T.shquote

local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

local function run(args)
  return T.sh(luajit .. " bench/run.lua " .. args)
end

T.case("run.lua puts each figure beside its baseline, across processes, with the ratio", function()
  local d = T.tmpdir()
  write(d .. "/a.lua", [[
print("== fake section a")
print("@fig\tx.lua\tfigure x\t20\tns\tp99 31 ns")
print("@fig\tx.c\tbaseline x\t10\tns\t")
print("@cmp\tx.lua\tx.c\tsame process")
print("@cmp\tx.lua\ty.base\tacross processes")
print("@cmp\tx.lua\tnosuch\tmissing")
print("@fig\tm\tmemory\t1.5\tKiB\t")
print("@fig\tm.base\tmemory baseline\t3\tKiB\t")
print("@cmp\tm\tm.base\tmem")
print("@skip\tveth\tneeds root")
print("@skip\tveth\tneeds root")
]])
  write(d .. "/b.sh", "echo '== fake section b'; printf '@fig\\ty.base\\tother process\\t40\\tns\\t\\n'\n")
  local out, ok = run(q(d .. "/a.lua") .. " " .. q(d .. "/b.sh"))
  T.ok(ok, out)
  T.ok(out:find("== fake section a", 1, true) and out:find("== fake section b", 1, true), out)
  T.ok(not out:find("\n@fig", 1, true), "the @ lines are consumed: " .. out)
  T.ok(out:find("| figure x | 20.0 ns (p99 31 ns) | baseline x | 10.0 ns | 2.00 (2.00x slower) | same process |", 1, true), out)
  T.ok(out:find("| figure x | 20.0 ns (p99 31 ns) | other process | 40.0 ns | 0.50 (2.00x faster) | across processes |", 1, true), out)
  T.ok(out:find("| figure x | 20.0 ns (p99 31 ns) | - | - | baseline missing | missing |", 1, true), out)
  T.ok(out:find("| memory | 1.50 KiB | memory baseline | 3.00 KiB | 0.50 (2.00x less) | mem |", 1, true), out)
  local _, nskip = out:gsub("%- veth: needs root", "")
  T.eq(nskip, 1, "a skip reason is printed once")
  T.ok(out:find("Machine: %d+ CPUs"), out)
  T.ok(out:find("Load average [%d.]+ [%d.]+ [%d.]+ at the start"), out)
end)

T.case("run.lua fails when a benchmark fails, names it, and still prints the table", function()
  local d = T.tmpdir()
  write(d .. "/ok.lua", "print('@fig\\tk\\tkept\\t1\\tms\\t') print('@cmp\\tk\\t-\\tx')\n")
  write(d .. "/bad.sh", "echo partial; exit 3\n")
  local out, ok = run(q(d .. "/ok.lua") .. " " .. q(d .. "/bad.sh"))
  T.eq(ok, false, out)
  T.ok(out:find("| kept | 1.00 ms | - | - |  | x |", 1, true), out)
  T.ok(out:find("FAILED:\n- " .. d .. "/bad.sh (exit status 3)", 1, true), out)
  T.ok(out:find("partial", 1, true), out)
end)

T.case("run.lua takes the median of a figure reported by several processes", function()
  local d = T.tmpdir()
  for i, v in ipairs{ 30, 10, 20 } do
    write(d .. "/r" .. i .. ".lua", ("print('@fig\\tr\\trepeated\\t%d\\tus\\t')\n"):format(v))
  end
  write(d .. "/c.lua", "print('@fig\\tb\\tonce\\t10\\tus\\t') print('@cmp\\tr\\tb\\tacross') print('@cmp\\tr\\tb\\tacross')\n")
  local out, ok = run(q(d .. "/r1.lua") .. " " .. q(d .. "/r2.lua") .. " " .. q(d .. "/r3.lua") .. " " .. q(d .. "/c.lua"))
  T.ok(ok, out)
  T.ok(out:find("| repeated | 20.00 us (3 runs, median) | once | 10.00 us | 2.00 (2.00x slower) | across |", 1, true), out)
  local _, rows = out:gsub("| repeated |", "")
  T.eq(rows, 1, "a comparison reported again is one row")
end)

T.case("run.lua: an unknown option is an error", function()
  local out, ok = run("--nosuch")
  T.eq(ok, false)
  T.ok(out:find("unknown option --nosuch", 1, true), out)
end)

T.case("util: quantiles, and interleaved batches rotate and take medians", function()
  local B = dofile("bench/util.lua")
  T.eq(B.median({ 5, 1, 3 }), 3)
  T.eq(B.quantile({ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, 0.99), 10)
  T.eq(B.quantile({ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, 0.1), 1)
  local order = {}
  local times = { a = { 100, 900, 100, 100, 100 }, b = { 50, 50, 50, 950, 50 } }
  local calls = { a = 0, b = 0 }
  local function fake(name) return function(n)
    calls[name] = calls[name] + 1
    if calls[name] > 2 then order[#order + 1] = name end   -- after the 2 warm-up batches
    return times[name][(calls[name] - 1) % 5 + 1] * n
  end end
  local r = B.interleave{ n = 4, rounds = 5, fns = { { "a", fake("a") }, { "b", fake("b"), 2 } } }
  T.eq(r.a.med, 100)
  T.eq(r.b.med, 50)
  T.eq(#r.a.batches, B.quick and 3 or 5)
  T.eq(table.concat(order, "", 1, 4), "abba", "the order rotates every round")
  T.err(function() B.interleave{ n = 1, rounds = 1, fns = { { "f", function() return -22 end } } } end,
    "f failed %(errno 22%)")
  local l = B.latencies{ n = 3, rounds = 2, fns = { { "x", function(n, out) for i = 1, n do out[#out + 1] = i end end } } }
  T.eq(l.x.n, 3 * (B.quick and 3 or 2))
  T.eq(l.x.med, 2)
  T.eq(l.x.p99, 3)
end)
