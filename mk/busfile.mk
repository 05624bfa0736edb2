# busfile.mk: bus files in NetBSD's shmif format (csrc/net/bus_file.c, lua/rump/shmif.lua)
BENCH_LUA += bench/shmif_bench.lua
