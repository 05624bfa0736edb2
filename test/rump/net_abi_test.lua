-- The network-configuration structures of lua/syscall/netbsd/netcfg.lua and the socket
-- message types kernels use, against abi/netbsd (structs.tsv sizes, alignments and
-- every member offset and size; constants.tsv derived rows for RT_ROUNDUP and CMSG_*).
local T = require "rump.test"
local ffi = require "syscall.ffi"
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local F = dofile(here .. "../lua/shared/abi_facts.lua")
local ok, facts = pcall(F.load)
local cfg = require "syscall.netbsd.netcfg"

local function need()
  if not ok then error("the NetBSD fact tables are not there: " .. tostring(facts)) end
end

-- offset and size of a member path "a.b.c" in ctype name ct (nested types from cfg.nested).
local function member(ct, path)
  local off, cur = 0, ct
  local parts = {}
  for p in path:gmatch("[^.]+") do parts[#parts + 1] = p end
  for i, p in ipairs(parts) do
    local o = ffi.offsetof(cur, p)
    if o == nil then return nil end
    off = off + o
    if i < #parts then
      cur = cfg.nested[cur] and cfg.nested[cur][p]
      if not cur then return nil end
    else
      local probe = ffi.new(ct)
      local v = probe
      for j = 1, #parts do v = v[parts[j]] end
      local size
      if type(v) == "cdata" then size = ffi.sizeof(v) else size = ffi.sizeof(ffi.typeof(ffi.new(ct))) end
      return off, size, v
    end
  end
end

for fname, ct in pairs(cfg.ctypes) do
  T.case("layout of " .. fname .. " matches structs.tsv", function()
    need()
    local st = facts.structs[fname]
    T.ok(st, fname .. " is in structs.tsv")
    T.eq(ffi.sizeof(ct), st.size, fname .. " size")
    T.eq(ffi.alignof(ct), st.align, fname .. " alignment")
    for _, m in ipairs(st.members) do
      local off, size, v = member(ct, m.name)
      T.ok(off, fname .. " has member " .. m.name)
      T.eq(off, m.offset, fname .. "." .. m.name .. " offset")
      if type(v) == "cdata" then T.eq(ffi.sizeof(v), m.size, fname .. "." .. m.name .. " size") end
    end
  end)
end

T.case("scalar members have the sizes of the facts", function()
  need()
  -- the ones member() cannot size through a value (plain numbers)
  local sizes = { ["struct rt_msghdr"] = { rtm_msglen = 2, rtm_version = 1, rtm_index = 2, rtm_flags = 4, rtm_seq = 4 },
    ["struct ifreq"] = { ["ifr_ifru.ifru_flags"] = 2, ["ifr_ifru.ifru_mtu"] = 4 },
    ["struct ifdrv"] = { ifd_cmd = 8, ifd_len = 8 }, ["struct if_data"] = { ifi_mtu = 8, ifi_link_state = 4 } }
  for fname, ms in pairs(sizes) do
    local st = facts.structs[fname]
    for name, size in pairs(ms) do T.eq(st.member[name].size, size, fname .. "." .. name) end
  end
end)

T.case("RT_ROUNDUP and CMSG_* agree with the derived rows", function()
  need()
  for _, n in ipairs { 0, 1, 8, 16, 28 } do
    T.eq(cfg.RT_ROUNDUP(n), facts.constants["RT_ROUNDUP(" .. n .. ")"].num, "RT_ROUNDUP(" .. n .. ")")
  end
  local rump = require "rump"
  local k = rump.kernel{}
  T.defer(function() k:destroy() end)
  local S = k.S
  T.eq(S.cmsg_len(0), facts.constants["CMSG_LEN(0)"].num)
  T.eq(S.cmsg_len(4), facts.constants["CMSG_LEN(4)"].num)
  T.eq(S.cmsg_space(4), facts.constants["CMSG_SPACE(4)"].num)
  T.eq(S.cmsg_space(8), facts.constants["CMSG_SPACE(8)"].num)
  T.eq(ffi.sizeof(S.t.msghdr), facts.structs["struct msghdr"].size)
  T.eq(ffi.sizeof(S.t.cmsghdr(1, 1, "abcd")), facts.constants["CMSG_SPACE(4)"].num)
  T.eq(ffi.offsetof(S.t.cmsghdr, "cmsg_data"), facts.constants["__CMSG_ASIZE"].num)
  T.eq(ffi.sizeof(S.t.timeval), facts.structs["struct timeval"].size)
  T.eq(ffi.sizeof(S.t.linger), facts.structs["struct linger"].size)
end)

T.case("the ioctl numbers net.lua uses are the facts'", function()
  need()
  local c = require "syscall.netbsd.constants"
  for _, n in ipairs { "SIOCIFCREATE", "SIOCIFDESTROY", "SIOCSLINKSTR", "SIOCAIFADDR", "SIOCDIFADDR",
    "SIOCGIFFLAGS", "SIOCSIFFLAGS", "SIOCGIFMTU", "SIOCSIFMTU", "SIOCGIFCONF", "SIOCGIFDATA" } do
    T.eq(c.IOCTL[n], facts.constants[n].num, n)
  end
end)
