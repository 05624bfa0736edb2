# ljsrump.mk: NetBSD's library names for the components of ljsyscall's rump mode
# (thin libraries, see kern.mk): librumpdev (dev), librumpkern_tty (kern.tty: ptys),
# librumpfs_ptyfs (fs.ptyfs), librumpfs_kernfs (fs.kernfs).
LJSRUMP_THIN = rumpdev:dev rumpkern_tty:kern.tty rumpfs_ptyfs:fs.ptyfs rumpfs_kernfs:fs.kernfs
$(foreach t,$(LJSRUMP_THIN),$(eval $(call thin_lib,$(firstword $(subst :, ,$(t))),$(word 2,$(subst :, ,$(t))))))
BUILD_TARGETS += $(foreach t,$(LJSRUMP_THIN),$(COMPAT_DIR)/lib$(firstword $(subst :, ,$(t))).so)
