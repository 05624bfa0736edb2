-- S.util: conveniences built from the file calls.
local T = require "rump.test"
local S = require "syscall"
local util = S.util

local function touchf(p) local fd = assert(S.open(p, "creat, wronly", "0600")); fd:close() end

T.case("dirtable lists names sorted, with or without dots", function()
  local d = T.tmpdir()
  touchf(d .. "/b"); touchf(d .. "/a"); assert(S.mkdir(d .. "/c"))
  T.same(util.dirtable(d, true), { "a", "b", "c" })
  local all = assert(util.dirtable(d))
  T.eq(#all, 5)
  T.eq(all[1], "."); T.eq(all[2], "..")
  T.eq(tostring(util.dirtable(d, true)), "a\nb\nc\n")
  local e = T.tmpdir()
  T.eq(#assert(util.dirtable(e, true)), 0)
  T.eq(tostring(util.dirtable(e, true)), "")
end)

T.case("dirtable errors: NOENT, NOTDIR, bad argument", function()
  local d = T.tmpdir()
  touchf(d .. "/f")
  T.fails("NOENT", util.dirtable(d .. "/none"))
  T.fails("NOTDIR", util.dirtable(d .. "/f"))
  T.err(function() util.dirtable(42) end, "bad argument #1 to 'dirtable'")
end)

T.case("ls iterates over names and entries across getdents batches", function()
  local d = T.tmpdir()
  for i = 1, 100 do touchf(d .. "/entry-with-a-long-name-" .. i) end
  assert(S.mkdir(d .. "/sub"))
  local n, dirs = 0, 0
  for name, ent in util.ls(d, S.t.buffer(512), 512) do
    n = n + 1
    T.eq(ent.name, name)
    if ent.isdir then dirs = dirs + 1 end
  end
  T.eq(n, 103)
  T.eq(dirs, 3, "., .. and sub")
  T.fails("NOENT", util.ls(d .. "/none"))
end)

T.case("ls defaults to the working directory", function()
  local d = T.tmpdir()
  touchf(d .. "/only")
  local old = assert(S.getcwd())
  T.defer(function() S.chdir(old) end)
  assert(S.chdir(d))
  local seen = {}
  for name in util.ls() do seen[#seen + 1] = name end
  table.sort(seen)
  T.same(seen, { ".", "..", "only" })
end)

T.case("writefile and readfile round-trip large contents", function()
  local d = T.tmpdir()
  local parts = {}
  for i = 1, 20000 do parts[i] = string.format("%05d\n", i) end
  local big = table.concat(parts)
  T.ok(util.writefile(d .. "/big", big))
  T.eq(S.stat(d .. "/big").size, #big)
  T.eq(util.readfile(d .. "/big"), big)
  T.ok(util.writefile(d .. "/big", "short"), "truncates")
  T.eq(util.readfile(d .. "/big"), "short")
  T.ok(util.writefile(d .. "/empty", ""))
  T.eq(util.readfile(d .. "/empty"), "")
end)

T.case("writefile mode; readfile of /proc", function()
  local d = T.tmpdir()
  local old = S.umask(0)
  T.defer(function() S.umask(old) end)
  T.ok(util.writefile(d .. "/m", "x", "0604"))
  T.eq(S.stat(d .. "/m").perm, tonumber("604", 8))
  T.eq(util.readfile("/proc/self/comm") ~= "", true)
  T.ok(util.readfile("/proc/self/status"):find("Pid:%s+" .. S.getpid()))
end)

T.case("readfile and writefile errors", function()
  local d = T.tmpdir()
  T.fails("NOENT", util.readfile(d .. "/none"))
  T.fails("ISDIR", util.readfile(d))
  T.fails("NOENT", util.writefile(d .. "/none/f", "x"))
  T.err(function() util.writefile(d .. "/f", 42) end, "bad argument #2 to 'writefile'")
  T.err(function() util.readfile() end, "bad argument #1 to 'readfile'")
end)

T.case("cp copies contents and permissions", function()
  local d = T.tmpdir()
  local old = S.umask(0)
  T.defer(function() S.umask(old) end)
  assert(util.writefile(d .. "/src", "copy me", "0640"))
  T.ok(util.cp(d .. "/src", d .. "/dst"))
  T.eq(util.readfile(d .. "/dst"), "copy me")
  T.eq(S.stat(d .. "/dst").perm, tonumber("640", 8))
  T.ne(S.stat(d .. "/dst").ino, S.stat(d .. "/src").ino)
  T.ok(util.cp(d .. "/src", d .. "/dst2", "0600"))
  T.eq(S.stat(d .. "/dst2").perm, tonumber("600", 8))
  T.fails("NOENT", util.cp(d .. "/none", d .. "/x"))
end)

T.case("touch creates a file and refreshes its times", function()
  local d = T.tmpdir()
  T.ok(util.touch(d .. "/t"))
  T.ok(S.stat(d .. "/t").isreg)
  assert(S.utimensat(nil, d .. "/t", { 100, 100 }))
  local before = S.time()
  T.ok(util.touch(d .. "/t"))
  T.ok(S.stat(d .. "/t").mtime >= before - 1)
  T.fails("NOENT", util.touch(d .. "/none/t"))
end)

T.case("createfile creates without changing an existing file's times", function()
  local d = T.tmpdir()
  T.ok(util.createfile(d .. "/c"))
  T.ok(S.stat(d .. "/c").isreg)
  assert(S.utimensat(nil, d .. "/c", { 100, 100 }))
  T.ok(util.createfile(d .. "/c"))
  T.eq(S.stat(d .. "/c").mtime, 100)
end)

T.case("rm removes trees, files and links (not link targets)", function()
  local d = T.tmpdir()
  assert(util.mkdirp(d .. "/tree/a/b/c"))
  touchf(d .. "/tree/a/f"); touchf(d .. "/tree/a/b/g")
  touchf(d .. "/keep")
  assert(S.symlink(d .. "/keep", d .. "/tree/link"))
  assert(S.symlink(d .. "/keepdir", d .. "/tree/dirlink"))
  assert(S.mkdir(d .. "/keepdir")); touchf(d .. "/keepdir/x")
  touchf(d .. "/single")
  T.ok(util.rm(d .. "/tree", d .. "/single"))
  T.fails("NOENT", S.lstat(d .. "/tree"))
  T.fails("NOENT", S.lstat(d .. "/single"))
  T.ok(S.stat(d .. "/keep"))
  T.ok(S.stat(d .. "/keepdir/x"))
end)

T.case("rm errors: NOENT; stops at the first failure", function()
  local d = T.tmpdir()
  T.fails("NOENT", util.rm(d .. "/none"))
  touchf(d .. "/a")
  T.fails("NOENT", util.rm(d .. "/none", d .. "/a"))
  T.ok(S.stat(d .. "/a"), "later arguments untouched")
  T.err(function() util.rm(d .. "/a", 5) end, "bad argument #2 to 'rm'")
end)

T.case("mkdirp makes every missing level and accepts existing ones", function()
  local d = T.tmpdir()
  T.ok(util.mkdirp(d .. "/x/y/z"))
  T.ok(S.stat(d .. "/x/y/z").isdir)
  T.ok(util.mkdirp(d .. "/x/y/z"), "again")
  T.ok(util.mkdirp(d .. "//x//y2/"), "repeated slashes")
  T.ok(S.stat(d .. "/x/y2").isdir)
  local old = assert(S.getcwd())
  T.defer(function() S.chdir(old) end)
  assert(S.chdir(d))
  T.ok(util.mkdirp("rel/ative"))
  T.ok(S.stat(d .. "/rel/ative").isdir)
end)

T.case("mkdirp errors: NOTDIR through a file", function()
  local d = T.tmpdir()
  touchf(d .. "/f")
  T.fails("NOTDIR", util.mkdirp(d .. "/f"))
  T.fails("NOTDIR", util.mkdirp(d .. "/f/g"))
end)

T.case("basename and dirname follow POSIX", function()
  local cases = {
    -- path, basename, dirname
    { "/usr/lib", "lib", "/usr" }, { "/usr/", "usr", "/" }, { "usr", "usr", "." },
    { "/", "/", "/" }, { "//", "/", "/" }, { ".", ".", "." }, { "..", "..", "." },
    { "", ".", "." }, { "a/b/", "b", "a" }, { "/a//b//", "b", "/a" }, { "//a", "a", "/" },
  }
  for _, cs in ipairs(cases) do
    T.eq(util.basename(cs[1]), cs[2], "basename " .. cs[1])
    T.eq(util.dirname(cs[1]), cs[3], "dirname " .. cs[1])
  end
  T.err(function() util.basename(nil) end, "bad argument #1 to 'basename'")
end)
