local S = require "syscall"
local hostnet = require "rump.hostnet"

local net = assert(hostnet.line(3))             -- h1 - h2 - h3: namespaces, veth, routes, forwarding
local h3 = S.t.sockaddr_in(7000, "10.102.0.2")  -- h3's address on the second link
local rx = assert(net.hosts.h3:socket("inet", "dgram"))   -- a socket living in h3
assert(rx:bind(h3))
local tx = assert(net.hosts.h1:socket("inet", "dgram"))   -- and one in h1, two hops away
assert(tx:sendto("hello from h1", nil, 0, h3))
print(rx:recv(nil, 100))                        --> hello from h1
net:destroy()                                   -- every namespace and interface is gone
