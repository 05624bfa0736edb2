-- syscall.types: the host's types (ljsyscall's module): { t, pt, s, ctypes }.
return require "syscall.linux.types"
