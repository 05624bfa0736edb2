# net.mk: the socket layer (component "net") and AF_UNIX (component "net.local").
# Sources are linked into the kernel library; C tests test/c/net_*_test.c are built by
# kern.mk's pattern rule.

RUMPUS_SRCS += $(wildcard csrc/net/*.c)

$(BUILD)/obj/net/%.o: $(wildcard csrc/net/*.h)
