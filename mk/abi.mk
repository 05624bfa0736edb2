# ABI checks: the Linux declarations of require "syscall" against the system's C headers.
# test/lua/linux_abi_test.lua runs the same check case by case; `make abicheck` prints a report.
.PHONY: abicheck
abicheck: deps
	@$(LUAJIT) tools/abicheck.lua $(BUILD)
