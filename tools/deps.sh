#!/bin/bash
# make deps: makes sure the Debian packages named on the command line are there.
# A package counts as present when dpkg says it is installed, or when what the build uses
# from it is found by other means (the command on PATH, the library through pkg-config):
# a source-built LuaJIT, a non-Debian system, a container without dpkg.  What is still
# missing is installed with apt-get when there is one (needs root or sudo); without apt-get
# the build goes on with a warning naming the packages, and fails later only if it really
# needs one of them.
set -e

# probe PACKAGE: true when what the build needs from PACKAGE is present without dpkg.
probe() {
  case "$1" in
    luajit)            command -v luajit ;;
    lua5.3|lua5.4)     command -v "$1" ;;
    libluajit-5.1-dev) pkg-config --exists luajit ;;
    liblua5.3-dev)     pkg-config --exists lua5.3 || pkg-config --exists lua-5.3 ;;
    liblua5.4-dev)     pkg-config --exists lua5.4 || pkg-config --exists lua-5.4 ;;
    libffi-dev)        pkg-config --exists libffi ;;
    pkg-config)        command -v pkg-config ;;
    gcc)               command -v cc || command -v gcc ;;
    make)              command -v make ;;
    binutils)          command -v nm && command -v ld ;;
    tshark)            command -v tshark ;;
    iproute2)          command -v ip ;;
    util-linux)        command -v unshare && command -v nsenter ;;
    luarocks)          command -v luarocks ;;
    lua-busted)        command -v busted ;;
    *)                 false ;;
  esac
} >/dev/null 2>&1

have_dpkg=0
command -v dpkg-query >/dev/null 2>&1 && have_dpkg=1
missing=()
for p in "$@"; do
  if [ $have_dpkg = 1 ] && dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    continue
  fi
  probe "$p" && continue
  missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "deps: not found: ${missing[*]} (Debian package names; no apt-get here, so install their equivalents by hand); going on" >&2
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "deps: not root and no sudo: cannot install ${missing[*]}; going on" >&2
    exit 0
  fi
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
