#!/bin/sh
# tools/ljsyscall_suite.sh [LJSYSCALL_CHECKOUT] [INTERPRETER...]
#
# Runs ljsyscall's own test suite (test/test.lua, which loads test/linux.lua) against OUR
# `syscall` module on each interpreter (default: luajit lua5.3 lua5.4), then against
# ljsyscall itself on LuaJIT as the baseline, and prints one line of pass counts per run.
# The checkout comes from the first argument or $LJSYSCALL (a clone of
# github.com/justincormack/ljsyscall).  Run it as root (the suite skips much otherwise) after
# `make all`.  Not part of `make test`: CI cannot fetch ljsyscall.  Each run is cut off after
# $LJS_TIMEOUT seconds (default 600) and then reported as a HANG with the last test started.
# The full output of each run is kept in $LJS_LOGDIR (default a temporary directory).
#
# tools/ljsyscall_suite.sh --rump [LJSYSCALL_CHECKOUT]
#
# ljsyscall's rump mode (`test/test.lua rump`): ljsyscall's own Lua code (LuaJIT only, as
# ljsyscall's rump module needs LuaJIT's ffi.load) over OUR NetBSD-named libraries
# ($RUMPUS_BUILD/netbsd-compat/lib), found through LD_LIBRARY_PATH only, then over NetBSD's
# real rump kernel ($RUMPUS_NETBSD_RUMP/lib) for the comparison.  The suite boots with the
# components kern.tty dev net fs.tmpfs fs.kernfs fs.ptyfs net.net net.local net.netinet
# net.netinet6 vfs; a component whose library our build lacks is left out of the list (by a
# wrapper around syscall.rump.init, named in the output), and NetBSD's kernel runs twice:
# with the list ours ran with (the same suite) and with the whole list.
set -u
root=$(cd "$(dirname "$0")/.." && pwd -P)
rump=
if [ "${1:-}" = "--rump" ]; then rump=1; shift; fi
ljs=${1:-${LJSYSCALL:-}}
[ $# -gt 0 ] && shift
if [ -z "$ljs" ] || [ ! -f "$ljs/test/test.lua" ] || [ ! -f "$ljs/test/linux.lua" ]; then
  echo "usage: $0 LJSYSCALL_CHECKOUT [INTERPRETER...]  (or set LJSYSCALL)" >&2
  exit 2
fi
ljs=$(cd "$ljs" && pwd -P)
luas=${*:-luajit lua5.3 lua5.4}
timeout_s=${LJS_TIMEOUT:-600}
logdir=${LJS_LOGDIR:-$(mktemp -d /tmp/ljsyscall_suite.XXXXXX)}
mkdir -p "$logdir"
build=${RUMPUS_BUILD:-$root/build}

# Ours: a directory holding only a link to ljsyscall's test/ directory, so `require "test.x"`
# finds the suite while `require "syscall..."` can only find our lua/ (never ljsyscall's code).
work=$(mktemp -d /tmp/ljsyscall_work.XXXXXX)
ln -s "$ljs/test" "$work/test"
trap 'rm -rf "$work"' EXIT

summary() { # $1 label, $2 log file, $3 exit status of timeout
  line=$(grep '^Success :' "$2" | tail -n 1)
  if [ "$3" = 124 ]; then
    last=$(grep -o '^  \[[A-Za-z0-9_.]*\]' "$2" | tail -n 1 | tr -d ' []')
    printf '%-22s HANG after %ss (last test started: %s)\n' "$1" "$timeout_s" "${last:-?}"
  elif [ -n "$line" ]; then
    passed=$(printf '%s' "$line" | sed -n 's/.* - \([0-9]*\) \/ \([0-9]*\) .*/\1/p')
    total=$(printf '%s' "$line" | sed -n 's/.* - \([0-9]*\) \/ \([0-9]*\) .*/\2/p')
    printf '%-22s %s passed of %s   (%s)\n' "$1" "$passed" "$total" "$line"
  else
    printf '%-22s DID NOT FINISH (exit %s): %s\n' "$1" "$3" "$(tail -n 1 "$2")"
  fi
}

if [ -n "$rump" ]; then
  compat=$build/netbsd-compat/lib
  nbprefix=${RUMPUS_NETBSD_RUMP:?set RUMPUS_NETBSD_RUMP to NetBSD's rump build for the rump mode}
  rwork=$(mktemp -d /tmp/ljsyscall_rump.XXXXXX)
  trap 'rm -rf "$rwork"' EXIT
  # the wrapper: drops the components named in LJS_DROP from the list the suite boots with
  cat >"$rwork/drop.lua" <<'LUA'
local drop = {}
for w in (os.getenv("LJS_DROP") or ""):gmatch("[^,%s]+") do drop[w] = true end
local req, wrapped = require, false
function require(name)
  local m = req(name)
  if name == "syscall.rump.init" and not wrapped then
    wrapped = true
    local init = m.init
    m.init = function(ms, ...)
      if type(ms) == "table" then
        local keep = {}
        for _, v in ipairs(ms) do if not drop[v] then keep[#keep + 1] = v end end
        ms = keep
      end
      return init(ms, ...)
    end
  end
  return m
end
LUA
  drop=
  for m in kern.tty dev net fs.tmpfs fs.kernfs fs.ptyfs net.net net.local net.netinet net.netinet6 vfs; do
    lib=librump$(printf '%s' "$m" | tr . _).so
    [ -e "$compat/$lib" ] || drop="$drop${drop:+,}$m"
  done
  runsuite() { # $1 label, $2 log, $3 library dir, $4 components to drop
    (cd "$ljs" && env LD_LIBRARY_PATH="$3" LUA_PATH="./?.lua;./?/init.lua;;" LJS_DROP="$4" \
       timeout -k 5 "$timeout_s" luajit -e "dofile('$rwork/drop.lua')" test/test.lua rump) >"$2" 2>&1
    summary "$1" "$2" $?
  }
  echo "components our build lacks (left out of the suite's list): ${drop:-none}"
  runsuite "ours rump" "$logdir/ours-rump.log" "$compat" "$drop"
  if [ -d "$nbprefix/lib" ]; then
    # NetBSD's library names may be links or small text files naming the real file (a copy
    # that lost its links): resolve them into a directory of links ld.so can follow.
    mkdir -p "$rwork/nblib"
    for f in "$nbprefix"/lib/librump*.so; do
      real=$f; n=0
      while [ -f "$real" ] && [ "$(stat -L -c %s "$real")" -lt 256 ] && [ $n -lt 4 ]; do
        real=$(dirname "$f")/$(cat "$real"); n=$((n + 1))
      done
      b=$(basename "$f")
      ln -sf "$(readlink -f "$real")" "$rwork/nblib/$b"
      ln -sf "$(readlink -f "$real")" "$rwork/nblib/$b.0"
    done
    if [ -n "$drop" ]; then
      runsuite "netbsd rump (same list)" "$logdir/netbsd-rump-same.log" "$rwork/nblib" "$drop"
    fi
    runsuite "netbsd rump (full list)" "$logdir/netbsd-rump-full.log" "$rwork/nblib" ""
  else
    echo "NetBSD's rump kernel not found at $nbprefix (set RUMPUS_NETBSD_RUMP): no comparison"
  fi
  echo "logs: $logdir"
  exit 0
fi

# PUC Lua: the suite was written for LuaJIT and uses its built-in modules `ffi` and `bit` and
# the global `unpack`.  The prelude gives it those under their LuaJIT names (our ffi and bit
# modules); the suite itself runs unchanged.
prelude='unpack = unpack or table.unpack
loadstring = loadstring or load
package.preload.ffi = function() return require "syscall.ffi" end
package.preload.bit = function() return require "syscall.bit" end'

for lua in $luas; do
  name=$(basename "$lua")
  log="$logdir/ours-$name.log"
  pre=
  case "$name" in
    *luajit*) cpath="LUA_CPATH=;;" ;;
    *5.[2-9]*) v=$(printf '%s' "$name" | sed -n 's/.*5\.\([2-9]\).*/\1/p')
               cpath="LUA_CPATH_5_$v=$build/$name/?.so;;"; pre=$prelude ;;
    *) cpath="LUA_CPATH=$build/$name/?.so;;"; pre=$prelude ;;
  esac
  (cd "$work" && env LUA_PATH="$root/lua/?.lua;$root/lua/?/init.lua;./?.lua" "$cpath" \
     RUMPUS_BUILD="$build" timeout -k 5 "$timeout_s" "$lua" -e "$pre" test/test.lua) >"$log" 2>&1
  summary "ours $name" "$log" $?
done

log="$logdir/ljsyscall-luajit.log"
(cd "$ljs" && env LUA_PATH="./?.lua;./?/init.lua;;" timeout -k 5 "$timeout_s" luajit test/test.lua) \
  >"$log" 2>&1
summary "ljsyscall luajit" "$log" $?
echo "logs: $logdir"
