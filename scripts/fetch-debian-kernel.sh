#!/bin/sh
# Download and extract the Debian 6.1 cloud kernel debug package (≈280 MB download, 1.7 GB extracted) into
# .cache/ (git-ignored). It gives a real vmlinux with DWARF 5 and Debian's own pahole-made .BTF, plus 1121 .ko
# modules with split .BTF: the large inputs that the optional tests and the benchmarks use. Never run by CI.
set -eu
cd "$(dirname "$0")/.."
pkg=linux-image-6.1.0-56-cloud-amd64-dbg
dest=${BTFKIT_CACHE:-.cache}
mkdir -p "$dest"
if [ -f "$dest/linux-dbg/usr/lib/debug/boot/vmlinux-6.1.0-56-cloud-amd64" ]; then
  echo "already extracted in $dest/linux-dbg"; exit 0
fi
cd "$dest"
[ -n "$(ls ${pkg}_*.deb 2>/dev/null)" ] || apt-get download "$pkg"
dpkg-deb -x ${pkg}_*.deb linux-dbg
echo "extracted into $dest/linux-dbg"
