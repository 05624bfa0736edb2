-- rump.shmif: NetBSD's shmif bus files read from Lua (docs/netbsd.md, "Bus files").
--
-- A shmif interface whose link string is a path (ours, or NetBSD's in a rump_server) shares
-- a 1 MiB ring file with every kernel, in any process, attached to the same path.  This
-- module reads such a file: its header (`header`), the frames still in the ring from the
-- oldest to the newest (`frames`), and writes them as a pcap file (`dumpbus`, as NetBSD's
-- shmif_dumpbus -p does).  Plain Lua: it works on LuaJIT, Lua 5.3 and Lua 5.4 alike.
local M = {}

local MAGIC = 0xca11d054
local HDRSIZE, PKTHDR, MAXFRAME = 32, 24, 1514
local SIZE = 1024 * 1024
local DATASIZE = SIZE - HDRSIZE
M.magic, M.version, M.size = MAGIC, 3, SIZE

local function u32(s, i)
  local a, b, c, d = s:byte(i, i + 3)
  return a + b * 256 + c * 65536 + d * 16777216
end
local function u64(s, i) return u32(s, i) + u32(s, i + 4) * 4294967296 end
local function le32(n)
  n = n % 4294967296
  return string.char(n % 256, math.floor(n / 256) % 256, math.floor(n / 65536) % 256,
    math.floor(n / 16777216) % 256)
end

local function argcheck(v, n, fname, what)
  if type(v) ~= "string" or v == "" then
    error(("bad argument #%d to '%s' (%s expected, got %s)"):format(n, fname, what,
      v == "" and "an empty string" or type(v)), 3)
  end
end

local function slurp(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  local s = f:read("*a")
  f:close()
  return s
end

local function parse_header(s)
  if #s < HDRSIZE then return nil, "too short for a shmif bus file (" .. #s .. " bytes)" end
  local h = { magic = u32(s, 1), version = u32(s, 5), gen = u64(s, 9), first = u32(s, 17),
              last = u32(s, 21), lock = u32(s, 25) }
  if h.magic ~= MAGIC then return nil, ("not a shmif bus file (magic %#x)"):format(h.magic) end
  return h
end

-- The header of a bus file: { magic, version, gen, first, last, lock }, or nil, err.
function M.header(path)
  argcheck(path, 1, "header", "a bus file path")
  local s, err = slurp(path)
  if not s then return nil, err end
  return parse_header(s)
end

-- Bytes of the ring from offset off (wrapping at its end).
local function ringread(s, off, n)
  local a = HDRSIZE + off + 1
  local chunk = math.min(n, DATASIZE - off)
  local r = s:sub(a, a + chunk - 1)
  if chunk < n then r = r .. s:sub(HDRSIZE + 1, HDRSIZE + n - chunk) end
  return r
end

-- The frames in the ring, oldest first: a list of { sec, usec, sender, data }, or nil, err.
-- A ring some writer left inconsistent ends the list where it stops making sense.
function M.frames(path)
  argcheck(path, 1, "frames", "a bus file path")
  local s, err = slurp(path)
  if not s then return nil, err end
  local h, herr = parse_header(s)
  if not h then return nil, herr end
  if #s < SIZE then return nil, "truncated shmif bus file (" .. #s .. " bytes)" end
  if h.first > DATASIZE or h.last >= DATASIZE then return nil, "inconsistent ring offsets" end
  local out = {}
  -- a ring that never wrapped starts at 0 (a zero-length placeholder); else at first
  local off = h.first == DATASIZE and 0 or h.first
  for _ = 1, math.floor(DATASIZE / PKTHDR) + 1 do
    local ph = ringread(s, off, PKTHDR)
    local len = u32(ph, 1)
    if len > MAXFRAME then break end
    if len > 0 then
      out[#out + 1] = { sec = u32(ph, 5), usec = u32(ph, 9), sender = u64(ph, 17),
                        data = ringread(s, (off + PKTHDR) % DATASIZE, len) }
    end
    if off == h.last then break end
    off = (off + PKTHDR + len) % DATASIZE
  end
  return out
end

-- Writes the frames of bus file `busfile` to `pcapfile` (classic pcap, Ethernet); returns
-- the number of frames, or nil, err.
function M.dumpbus(busfile, pcapfile)
  argcheck(busfile, 1, "dumpbus", "a bus file path")
  argcheck(pcapfile, 2, "dumpbus", "a pcap file path")
  local frames, err = M.frames(busfile)
  if not frames then return nil, err end
  local f, ferr = io.open(pcapfile, "wb")
  if not f then return nil, ferr end
  local parts = { le32(0xa1b2c3d4), string.char(2, 0, 4, 0), le32(0), le32(0), le32(65535), le32(1) }
  for _, fr in ipairs(frames) do
    parts[#parts + 1] = le32(fr.sec) .. le32(fr.usec) .. le32(#fr.data) .. le32(#fr.data) .. fr.data
  end
  local ok, werr = f:write(table.concat(parts))
  f:close()
  if not ok then return nil, werr end
  return #frames
end

return M
