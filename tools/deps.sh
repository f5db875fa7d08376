#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build and test kash
# (through sudo when not root), then configures and builds into build/.
# Usage: tools/deps.sh [--no-build]
set -eu
cd "$(dirname "$0")/.."

need=()
have_pc() { pkg-config --exists "$1" 2>/dev/null; }
command -v cc >/dev/null || need+=(gcc)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v meson >/dev/null || need+=(meson)
command -v ninja >/dev/null || need+=(ninja-build)
have_pc lmdb || need+=(liblmdb-dev)
have_pc libpcre2-8 || need+=(libpcre2-dev)
have_pc readline || need+=(libreadline-dev)
have_pc cmocka || need+=(libcmocka-dev)
command -v sqlite3 >/dev/null || need+=(sqlite3)
command -v tmux >/dev/null || need+=(tmux)
command -v mdb_stat >/dev/null || need+=(lmdb-utils)

if [ ${#need[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "tools/deps.sh: installing ${need[*]}" >&2
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >&2
fi

[ "${1:-}" = "--no-build" ] && exit 0
if [ ! -f build/build.ninja ]; then
    meson setup build --buildtype=release >&2
fi
ninja -C build >&2
