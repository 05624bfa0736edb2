-- rump.topology: the declarative topology build shared by rump.hostnet (host network
-- namespaces) and rump.net (rump kernels on shmif buses).
--
--   topology.run(net, spec, switches): makes spec's hosts, routers and links with net:host,
--     net:router and net:link, then calls switches(net, spec, step) for the target's shared
--     segments (bridges or buses), then adds spec.routes with host:route.  step(what, v, e
--     [, txt]) returns v, or stops the build when v is nil.  Returns pcall's results: true, net;
--     or false and either { what = "<step>", err = e, txt = txt } or the error raised.
--   topology.linespec(n, base): the spec of a line h1 - h2 - ... - hn (see the callers' line).

local type, tostring, error, ipairs, pairs, pcall = type, tostring, error, ipairs, pairs, pcall

local M = {}

function M.run(net, spec, switches)
  return pcall(function()
    local function step(what, v, e, txt)
      if not v then error({ what = what, err = e, txt = txt }, 0) end
      return v
    end
    for _, n in ipairs(spec.hosts or {}) do step("host " .. n, net:host(n)) end
    for _, n in ipairs(spec.routers or {}) do step("router " .. n, net:router(n)) end
    for _, l in ipairs(spec.links or {}) do
      step("link " .. tostring(l[1]) .. "-" .. tostring(l[2]), net:link(l[1], l[2], l[3], l[4]))
    end
    switches(net, spec, step)
    for hn, routes in pairs(spec.routes or {}) do
      local h = net.hosts[hn]
      if not h then error("bad argument #1 to 'build' (routes for unknown host '" .. tostring(hn) .. "')", 0) end
      for _, rt in ipairs(routes) do
        step("route " .. tostring(rt[1]) .. " on " .. hn, h:route(rt[1], rt[2], rt[3]))
      end
    end
    return net
  end)
end

-- h1 and hn are end hosts, the rest routers; link i uses 10.<base+i>.0.0/24, .1 on the left
-- host and .2 on the right.  Host i reaches link j (j < i-1) through its left neighbour, and
-- j > i through its right.
function M.linespec(n, base)
  local spec = { hosts = {}, routers = {}, links = {}, routes = {} }
  for i = 1, n do
    local nm = "h" .. i
    if i == 1 or i == n then spec.hosts[#spec.hosts + 1] = nm else spec.routers[#spec.routers + 1] = nm end
  end
  for i = 1, n - 1 do
    local p = "10." .. (base + i) .. ".0."
    spec.links[i] = { "h" .. i, "h" .. (i + 1), p .. "1/24", p .. "2/24" }
  end
  for i = 1, n do
    local rs = {}
    for j = 1, n - 1 do
      local p = "10." .. (base + j) .. ".0.0/24"
      if j < i - 1 then rs[#rs + 1] = { p, "10." .. (base + i - 1) .. ".0.1" }
      elseif j > i then rs[#rs + 1] = { p, "10." .. (base + i) .. ".0.2" } end
    end
    if #rs > 0 then spec.routes["h" .. i] = rs end
  end
  return spec
end

return M
