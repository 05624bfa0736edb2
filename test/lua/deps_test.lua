-- tools/deps.sh (make deps) when dpkg does not know the dependencies: what is present by other
-- means (on PATH, through pkg-config) counts, and nothing aborts the build.
local T = require "rump.test"
local q = T.shquote

-- A PATH with a dpkg-query that knows no package, a recording apt-get (or none), and the
-- real tools the probes look for.
local function fakepath(with_apt)
  local d = T.tmpdir()
  local function put(name, body)
    local f = assert(io.open(d .. "/" .. name, "w")) f:write("#!/bin/sh\n" .. body .. "\n") f:close()
    os.execute("chmod +x " .. q(d .. "/" .. name))
  end
  put("dpkg-query", "exit 1")
  if with_apt then put("apt-get", 'echo "apt-get $*" >> ' .. q(d .. "/apt.log")) end
  for _, tool in ipairs { "grep", "id", "luajit", "pkg-config", "cc", "make" } do
    local real = T.sh("command -v " .. tool)
    if real ~= "" then os.execute("ln -s " .. q(real) .. " " .. q(d .. "/" .. tool)) end
  end
  return d
end

T.case("dependencies found without dpkg do not abort or install anything", function()
  local d = fakepath(true)
  local out, ok = T.sh("env PATH=" .. q(d) .. " tools/deps.sh luajit libffi-dev pkg-config gcc make")
  T.ok(ok, out)
  T.eq(out, "")
  T.eq(io.open(d .. "/apt.log"), nil, "apt-get was not run")
end)

T.case("only what is really missing goes to apt-get", function()
  local d = fakepath(true)
  local out, ok = T.sh("env PATH=" .. q(d) .. " tools/deps.sh luajit libffi-dev rumpus-no-such-package")
  T.ok(ok, out)
  local log = assert(io.open(d .. "/apt.log")):read("*a")
  T.ok(log:find("install .*rumpus%-no%-such%-package"), log)
  T.ok(not log:find("libffi"), log)
end)

T.case("without apt-get a missing package is a warning, not a failure", function()
  local d = fakepath(false)
  local out, ok = T.sh("env PATH=" .. q(d) .. " tools/deps.sh luajit rumpus-no-such-package")
  T.ok(ok, out)
  T.ok(out:find("not found: rumpus%-no%-such%-package"), out)
end)
