#!/bin/sh
# Stands for a PUC Lua 5.1 interpreter in test/lua/luarocks_test.lua (Debian's lua5.1 may be
# absent): answers the one question tools/rock.sh asks.
printf '5.1'
