-- make install into a temporary prefix (with this run's build directory), then use
-- the prefix as a user would: Lua scripts from another directory with only the prefix's
-- standard Lua directories on the paths, and C programs through pkg-config.  Each
-- interpreter of the run checks itself (luajit: share/lua/5.1; lua5.3, lua5.4).
local T = require "rump.test"
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local repo = T.sh("pwd")
local build = os.getenv("RUMPUS_BUILD") or (repo .. "/build")
local interp = arg and arg[-1] or "luajit"
local jit = rawget(_G, "jit")
local V = jit and "5.1" or _VERSION:match("%d+%.%d+")
local q = T.shquote

local function install()
  local p = T.tmpdir() .. "/prefix"
  local out, ok = T.sh("env MAKEFLAGS= MAKELEVEL= make --no-print-directory install PREFIX=" .. q(p) ..
    " BUILD=" .. q(build))
  T.ok(ok, "make install: " .. out)
  T.ok(out:find("installed into " .. p, 1, true), out)
  return p
end

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() return true end
  return false
end

-- The interpreter's default path templates with <prefix> in place of /usr/local, and
-- nothing else: no ";;", no build tree, no RUMPUS_* variables, no LD_LIBRARY_PATH.
local function stdenv(p)
  local lpath = table.concat({ p .. "/share/lua/" .. V .. "/?.lua", p .. "/share/lua/" .. V .. "/?/init.lua",
    p .. "/lib/lua/" .. V .. "/?.lua", p .. "/lib/lua/" .. V .. "/?/init.lua" }, ";")
  local cpath = p .. "/lib/lua/" .. V .. "/?.so"
  return "env -u RUMPUS_BUILD -u RUMPUS_LIB -u LD_LIBRARY_PATH -u LUA_INIT -u LUA_INIT_5_3 -u LUA_INIT_5_4 -u LUA_PATH_5_3 -u LUA_PATH_5_4 -u LUA_CPATH_5_3 -u LUA_CPATH_5_4 LUA_PATH=" .. q(lpath) ..
    " LUA_CPATH=" .. q(cpath) .. " "
end

T.case("make install lays out the prefix", function()
  local p = install()
  for _, f in ipairs { "share/lua/5.1/syscall.lua", "share/lua/5.3/rump/init.lua",
    "share/lua/5.4/syscall/ffi.lua", "share/lua/5.4/syscall/ctypes.lua", "lib/lua/5.3/rumpus_ffi.so",
    "lib/lua/5.4/rumpus_ffi.so", "lib/librumpus.so", "include/rump/rumpus.h",
    "include/rump/rump_syscalls.h", "include/rump/netbsd_net.h", "lib/pkgconfig/rumpus.pc" } do
    T.ok(exists(p .. "/" .. f), f .. " is installed")
  end
  T.eq(T.sh("find " .. q(p) .. " -name 'ffi.so' -o -path '*/lua/5.?/ffi.lua'"), "",
    "nothing installed under LuaJIT's module name ffi")
  local pc = assert(io.open(p .. "/lib/pkgconfig/rumpus.pc")):read("*a")
  T.ok(pc:find("prefix=" .. p, 1, true), pc)
end)

T.case("syscall and rump from another directory with the prefix's standard paths only", function()
  local p = install()
  local out, ok = T.sh("cd / && " .. stdenv(p) .. q(interp) .. " " .. q(repo .. "/" .. here .. "shared/installed_smoke.lua"))
  T.ok(ok, out)
  T.ok(out:find("syscall from\t" .. p .. "/share/lua/" .. V .. "/syscall.lua", 1, true), out)
  T.ok(out:find("smoke ok", 1, true), out)
end)

T.case("without the kernel library, rump says what to set", function()
  local sys = T.sh("/sbin/ldconfig -p 2>/dev/null | grep -c 'librumpus.so '")
  if tonumber(sys) and tonumber(sys) > 0 then
    return T.skip("a system-wide librumpus.so is installed (ldconfig -p), so the library is always found")
  end
  local p = install()
  os.remove(p .. "/lib/librumpus.so")
  local out = T.sh("cd / && " .. stdenv(p) .. q(interp) .. " -e " ..
    q('local r = require "rump"; print(select(2, pcall(r.kernel, { "vfs" })))'))
  T.ok(out:find("cannot load the kernel library librumpus.so", 1, true), out)
  T.ok(out:find("set RUMPUS_LIB", 1, true), out)
end)

T.case("each installed C header compiles on its own (C99, C11, C++)", function()
  local p = install()
  local hs = {}
  for h in T.sh("cd " .. q(p .. "/include") .. " && ls rump/*.h"):gmatch("[^\n]+") do hs[#hs + 1] = h end
  T.ok(#hs >= 4, "headers: " .. table.concat(hs, " "))
  for _, h in ipairs(hs) do
    for _, cc in ipairs { "cc -x c -std=c99 -pedantic", "cc -x c -std=c11 -pedantic", "c++ -x c++" } do
      if not (cc:match("^c%+%+") and T.sh("command -v c++") == "") then
        local out, ok = T.sh("echo '#include <" .. h .. ">' | " .. cc .. " -Wall -Wextra -Werror -fsyntax-only -I" ..
          q(p .. "/include") .. " -")
        T.ok(ok, h .. " with " .. cc .. ": " .. out)
      end
    end
  end
end)

-- docs/netinet.md's C example, completed into a program: create shmif0, join a bus, bring it up,
-- give it an address and read it back, all with NetBSD's ioctls.
local snippet = [[
#include <stdio.h>
#include <string.h>
#include <rump/rumpus.h>
#include <rump/rump_syscalls.h>
#include <rump/netbsd_net.h>

#define TRY(call) do { if ((call) != 0) { printf("%s failed\n", #call); return 1; } } while (0)

int
main(void)
{
	int err = 0;
	const char *comps[] = { "net.netinet", "net.shmif", NULL };
	struct rumpus_kernel *k = rumpus_kernel_create(comps, NULL, &err);
	if (k == NULL) { printf("rumpus_kernel_create: %d\n", err); return 1; }
	rumpus_kernel_switch(k);
	int s = rump_sys_socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq ifr = { .ifr_name = "shmif0" };
	TRY(rump_sys_ioctl(s, SIOCIFCREATE, &ifr));
	struct ifdrv ifd = { .ifd_name = "shmif0", .ifd_cmd = 0, .ifd_data = "bus1", .ifd_len = 5 };
	TRY(rump_sys_ioctl(s, SIOCSLINKSTR, &ifd));
	TRY(rump_sys_ioctl(s, SIOCGIFFLAGS, &ifr));
	ifr.ifr_flags |= IFF_UP;
	TRY(rump_sys_ioctl(s, SIOCSIFFLAGS, &ifr));
	struct in_aliasreq ia;
	memset(&ia, 0, sizeof(ia));
	strcpy(ia.ifra_name, "shmif0");
	ia.ifra_addr.sin_len = sizeof(ia.ifra_addr);
	ia.ifra_addr.sin_family = AF_INET;
	ia.ifra_addr.sin_addr.s_addr = __builtin_bswap32(0x0a4d0001);
	ia.ifra_mask.sin_len = sizeof(ia.ifra_mask);
	ia.ifra_mask.sin_family = AF_INET;
	ia.ifra_mask.sin_addr.s_addr = __builtin_bswap32(0xffffff00);
	TRY(rump_sys_ioctl(s, SIOCAIFADDR, &ia));
	memset(&ifr.ifr_ifru, 0, sizeof(ifr.ifr_ifru));
	TRY(rump_sys_ioctl(s, SIOCGIFFLAGS, &ifr));
	int up = (ifr.ifr_flags & IFF_UP) != 0;
	TRY(rump_sys_ioctl(s, SIOCGIFADDR, &ifr));
	struct rump_sockaddr_in *sin = (struct rump_sockaddr_in *)(void *)&ifr.ifr_addr;
	printf("shmif0 %s %08x\n", up ? "up" : "down", __builtin_bswap32(sin->sin_addr.s_addr));
	rump_sys_close(s);
	rumpus_kernel_switch(NULL);
	return rumpus_kernel_destroy(k) == 0 ? 0 : 1;
}
]]

T.case("pkg-config builds and runs the docs/netinet.md C example against the prefix", function()
  local p = install()
  local dir = T.tmpdir()
  local f = assert(io.open(dir .. "/ex.c", "w")) f:write(snippet) f:close()
  local pc = "PKG_CONFIG_PATH=" .. q(p .. "/lib/pkgconfig") .. " pkg-config"
  local out, ok = T.sh("cd " .. q(dir) .. " && cc -std=c11 -Wall -Wextra -Werror $(" .. pc .. " --cflags rumpus) -o ex ex.c $(" ..
    pc .. " --libs rumpus) -Wl,-rpath,$(" .. pc .. " --variable=libdir rumpus)")
  T.ok(ok, "compile: " .. out)
  out, ok = T.sh("cd / && env -u LD_LIBRARY_PATH " .. q(dir .. "/ex"))
  T.ok(ok, out)
  T.eq(out, "shmif0 up 0a4d0001")
end)

T.case("rump/netbsd_net.h agrees with the NetBSD facts (abi/netbsd)", function()
  local F = dofile(here .. "shared/abi_facts.lua")
  local facts = F.load()
  local dir = T.tmpdir()
  local consts = { "IFNAMSIZ", "IFF_UP", "IFF_BROADCAST", "IFF_LOOPBACK", "IFF_RUNNING", "IFF_MULTICAST",
    "AF_LINK", "SIOCSIFFLAGS", "SIOCGIFFLAGS", "SIOCDIFADDR", "SIOCAIFADDR", "SIOCGIFADDR", "SIOCIFDESTROY",
    "SIOCIFCREATE", "SIOCGIFMTU", "SIOCSIFMTU", "SIOCGIFINDEX", "SIOCGLINKSTR", "SIOCSLINKSTR" }
  -- ours -> NetBSD's type name, members compared by name (the union's by outer.inner)
  local structs = {
    { "struct ifreq", "struct ifreq", { "ifr_name", "ifr_ifru", "ifr_ifru.ifru_addr", "ifr_ifru.ifru_space",
      "ifr_ifru.ifru_flags", "ifr_ifru.ifru_mtu", "ifr_ifru.ifru_value", "ifr_ifru.ifru_data",
      "ifr_ifru.ifru_b.b_buflen", "ifr_ifru.ifru_b.b_buf" } },
    { "struct ifdrv", "struct ifdrv", { "ifd_name", "ifd_cmd", "ifd_len", "ifd_data" } },
    { "struct in_aliasreq", "struct in_aliasreq", { "ifra_name", "ifra_addr", "ifra_dstaddr", "ifra_mask" } },
    { "struct rump_sockaddr_in", "struct sockaddr_in", { "sin_len", "sin_family", "sin_port", "sin_addr", "sin_zero" } },
    { "struct rump_sockaddr", "struct sockaddr", { "sa_len", "sa_family", "sa_data" } },
    { "struct rump_in_addr", "struct in_addr", { "s_addr" } },
  }
  local c = { "#include <stdio.h>", "#include <stddef.h>", "#include <rump/netbsd_net.h>", "int main(void) {" }
  for _, n in ipairs(consts) do c[#c + 1] = ('printf("C %s %%llu\\n", (unsigned long long)(%s));'):format(n, n) end
  for _, s in ipairs(structs) do
    c[#c + 1] = ('printf("S %s %%zu %%zu\\n", sizeof(%s), _Alignof(%s));'):format(s[2], s[1], s[1])
    for _, m in ipairs(s[3]) do
      local expr = ("((%s *)0)->%s"):format(s[1], m)
      c[#c + 1] = ('printf("M %s %s %%zu %%zu\\n", offsetof(%s, %s), sizeof(%s));'):format(s[2], m, s[1], m, expr)
    end
  end
  c[#c + 1] = "return 0; }"
  local f = assert(io.open(dir .. "/l.c", "w")) f:write(table.concat(c, "\n")) f:close()
  local p = install()
  local out, ok = T.sh("cd " .. q(dir) .. " && cc -std=c11 -Wall -Werror -I" .. q(p .. "/include") .. " -o l l.c && ./l")
  T.ok(ok, out)
  local n = 0
  for line in out:gmatch("[^\n]+") do
    local kind, rest = line:match("^(%u) (.*)$")
    if kind == "C" then
      local name, v = rest:match("^(%S+) (%d+)$")
      local row = facts.constants[name]
      T.ok(row, name .. " is in constants.tsv")
      T.eq(v, row and row.value, name)
    elseif kind == "S" then
      local ty, size, align = rest:match("^(.-) (%d+) (%d+)$")
      local st = facts.structs[ty]
      T.eq(tonumber(size), st.size, ty .. " size")
      T.eq(tonumber(align), st.align, ty .. " alignment")
    elseif kind == "M" then
      local ty, m, off, size = rest:match("^(.-) (%S+) (%d+) (%d+)$")
      local mem = facts.structs[ty].member[m]
      T.ok(mem, ty .. "." .. m .. " is in structs.tsv")
      T.eq(tonumber(off), mem.offset, ty .. "." .. m .. " offset")
      T.eq(tonumber(size), mem.size, ty .. "." .. m .. " size")
    end
    n = n + 1
  end
  T.ok(n > 40, "lines checked: " .. n)
end)
