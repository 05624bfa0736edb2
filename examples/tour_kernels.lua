local rump = require "rump"

local a = rump.kernel{ "vfs", "fs.tmpfs", hostname = "a" }
local b = rump.kernel{ "vfs", "fs.tmpfs", hostname = "b" }
local f = assert(a.S.open("/hello", "creat, rdwr", "0644"))
f:write("only in a")
print(b.S.stat("/hello"))                       --> nil  No such file or directory
print(a.S.sysctl("kern.hostname"))              --> a
print(a.S.c.E.AGAIN)                            --> 35 (NetBSD's errno values)

local p = a:rfork("clean")                      -- a second process in kernel a
a.S.setuid(1000)                                -- with its own credentials and descriptors
print(a.S.getpid(), a.S.getuid())               --> 2  1000
a:switch(nil)                                   -- back to process 1
print(a.S.getpid(), a.S.getuid())               --> 1  0
a:destroy(); b:destroy()                        -- frees every vnode, mount and byte

local rnet = require "rump.net"                 -- configured through syscalls only
local net = assert(rnet.line(3))                -- h1 - h2 - h3 on two buses, routed
net:pcap("link1-h1-h2", "/tmp/link1.pcap")      -- capture a bus from now on; tshark reads it
print(net.hosts.h1:ping(net.hosts.h3:address()))   --> 10.102.0.2  63
net:destroy()                                   -- also ends the capture
