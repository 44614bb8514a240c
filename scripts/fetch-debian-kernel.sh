#!/bin/sh
# Download and extract a Debian cloud kernel debug package into .cache/ (git-ignored; $BTFKIT_CACHE overrides): a real
# vmlinux with DWARF 5 and Debian's own .BTF, plus the .ko modules with their split .BTF, the large inputs that the
# optional tests and the benchmarks (bench/kernel-parity.mjs, bench/modules-sweep.mjs --kernel …) use. Idempotent:
# what is already there is not fetched again. Never run by CI.
#
#   scripts/fetch-debian-kernel.sh [6.1|7.3]
#
# 6.1 (default): linux-image-6.1.0-56-cloud-amd64-dbg from this machine's (bookworm) apt, ≈280 MB download, 1.7 GB
#     extracted, into .cache/linux-dbg; 1121 modules. Its BTF was made by pahole 1.24: bookworm's `dwarves`.
# 7.3: linux-image-7.3.4+deb13-cloud-amd64-dbg from trixie-backports into .cache/linux-7.3-cloud-dbg (1019 modules;
#     its .BTF went through resolve_btfids), and trixie's pahole 1.30 plus Debian 7.3.4's resolve_btfids with their
#     libraries into .cache/trixie, run through trixie's loader by the wrappers .cache/trixie/pahole and
#     .cache/trixie/resolve_btfids (scripts/trixie.sh; bookworm's glibc is too old for them). Backports keep only the
#     newest upload: when 7.3.4 is gone from the archive, the download fails and says so.
set -eu
cd "$(dirname "$0")/.."
which=${1:-6.1}
dest=${BTFKIT_CACHE:-.cache}
mkdir -p "$dest"

case "$which" in
6.1)
  pkg=linux-image-6.1.0-56-cloud-amd64-dbg
  if [ -f "$dest/linux-dbg/usr/lib/debug/boot/vmlinux-6.1.0-56-cloud-amd64" ] && [ -d "$dest/linux-dbg/usr/lib/debug/lib/modules/6.1.0-56-cloud-amd64/kernel" ]; then
    echo "6.1: already extracted in $dest/linux-dbg"
  else
    (
      cd "$dest"
      [ -n "$(ls ${pkg}_*.deb 2>/dev/null)" ] || apt-get download "$pkg"
      rm -rf linux-dbg.tmp
      dpkg-deb -x ${pkg}_*.deb linux-dbg.tmp
      rm -rf linux-dbg
      mv linux-dbg.tmp linux-dbg
    )
    echo "6.1: extracted into $dest/linux-dbg"
  fi
  v=$(pahole --version 2>/dev/null || true)
  [ "$v" = v1.24 ] || echo "6.1: note: the benchmarks run pahole 1.24 beside btfkit (bookworm's: apt-get install dwarves, or PAHOLE_124=PATH); pahole on PATH: ${v:-none}"
  ;;
7.3)
  rel=7.3.4+deb13-cloud-amd64
  out=$dest/linux-7.3-cloud-dbg
  if [ -f "$out/usr/lib/debug/lib/modules/$rel/vmlinux" ] && [ -d "$out/usr/lib/debug/lib/modules/$rel/kernel" ]; then
    echo "7.3: already extracted in $out"
  else
    rm -rf "$out.tmp"
    if ! scripts/trixie.sh fetch "$out.tmp" "linux-image-$rel-dbg"; then
      echo "7.3: could not download linux-image-$rel-dbg from trixie-backports (gone from the archive?)" >&2
      exit 1
    fi
    rm -rf "$out"
    mv "$out.tmp" "$out"
    echo "7.3: extracted into $out"
  fi
  if [ -x "$dest/trixie/pahole" ] && [ -x "$dest/trixie/resolve_btfids" ] && [ "$("$dest/trixie/pahole" --version 2>/dev/null)" = v1.30 ]; then
    echo "7.3: pahole 1.30 and resolve_btfids already in $dest/trixie"
  else
    scripts/trixie.sh tools "$dest/trixie"
  fi
  ;;
*)
  echo "usage: scripts/fetch-debian-kernel.sh [6.1|7.3]" >&2
  exit 2
  ;;
esac
