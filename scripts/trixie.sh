#!/usr/bin/env bash
# Debian trixie (13) and trixie-backports packages on this bookworm (12) machine, without installing them:
# the Debian 7.3 kernel packages, and trixie's own binaries (pahole 1.30, 7.3's resolve_btfids) run through
# trixie's glibc loader, since bookworm's glibc (2.36) is too old for them.
#
#   trixie.sh fetch DEST PKG...        download each PKG and extract it into DEST
#   trixie.sh extract DEST PKG GLOB... download PKG, extract only the paths matching GLOB (tar wildcards) into DEST
#   trixie.sh exec ROOT BIN [ARGS...]  run ROOT/BIN with ROOT's loader and libraries (ROOT from 'fetch')
#   trixie.sh tools ROOT               fetch pahole 1.30, Debian 7.3.4's resolve_btfids and their libraries into
#                                      ROOT, and write ROOT/pahole and ROOT/resolve_btfids wrappers
# The apt lists live in DEST/.apt-lists (config in DEST/.apt-etc); the mirror is the one this machine's apt uses.
# (A copy of the team's shared tools/trixie.sh, so that scripts/fetch-debian-kernel.sh 7.3 works from the repository alone.)
set -euo pipefail
cmd=${1:-}; shift || true
lists_for() { # lists_for DIR: a private apt setup for trixie + trixie-backports; prints apt options
  local d="$1/.apt-lists" e="$1/.apt-etc" uri
  mkdir -p "$d/partial" "$e/parts"
  uri=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
  [ -n "$uri" ] || uri=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list)
  printf 'deb %s trixie main\ndeb %s trixie-backports main\n' "$uri" "$uri" > "$e/sources.list"
  echo "-oDir::State::Lists=$d -oDir::Etc::SourceList=$e/sources.list -oDir::Etc::SourceParts=$e/parts -oAPT::Sandbox::User=root"
}
update_once() { [ -f "$1/.apt-lists/.updated" ] || { apt-get $2 update -qq >/dev/null && touch "$1/.apt-lists/.updated"; }; }
case "$cmd" in
  fetch)
    dest=$1; shift; mkdir -p "$dest"; dest=$(cd "$dest" && pwd); o=$(lists_for "$dest"); update_once "$dest" "$o"
    tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
    (cd "$tmp" && apt-get $o download "$@" >/dev/null)
    for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$dest"; done ;;
  extract)
    dest=$1; pkg=$2; shift 2; mkdir -p "$dest"; dest=$(cd "$dest" && pwd); o=$(lists_for "$dest"); update_once "$dest" "$o"
    tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
    (cd "$tmp" && apt-get $o download "$pkg" >/dev/null)
    dpkg-deb --fsys-tarfile "$tmp"/*.deb | tar -x -C "$dest" --wildcards "$@" ;;
  exec)
    root=$(cd "$1" && pwd); bin=$2; shift 2
    exec "$root/usr/lib64/ld-linux-x86-64.so.2" --library-path "$root/usr/lib/x86_64-linux-gnu" "$root/$bin" "$@" ;;
  tools)
    root=$1; mkdir -p "$root"; root=$(cd "$root" && pwd); self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
    o=$(lists_for "$root"); update_once "$root" "$o"
    # 7.3.4 when the archive still has it, else the newest 7.x kbuild (backports keep only the latest upload)
    kb=linux-kbuild-7.3.4+deb13
    apt-cache $o show "$kb" >/dev/null 2>&1 || kb=$(apt-cache $o search '^linux-kbuild-7\.' | awk '{print $1}' | sort -V | tail -1)
    "$self" fetch "$root" libc6 libelf1t64 libdw1t64 libbpf1 zlib1g libzstd1 liblzma5 libbz2-1.0 pahole "$kb"
    printf '#!/bin/sh\nexec "%s" exec "%s" usr/bin/pahole "$@"\n' "$self" "$root" > "$root/pahole"
    printf '#!/bin/sh\nexec "%s" exec "%s" usr/lib/%s/tools/bpf/resolve_btfids/resolve_btfids "$@"\n' "$self" "$root" "$kb" > "$root/resolve_btfids"
    chmod +x "$root/pahole" "$root/resolve_btfids"
    echo "$root/pahole: $("$root/pahole" --version)"; echo "$root/resolve_btfids" ;;
  *) sed -n '2,13p' "$0"; exit 2 ;;
esac
