#!/usr/bin/env bash
# Prints the directory holding BIRD 1.6's bird and birdc, for the BIRD 1.6 syntax and BGP tests.
# Debian's `bird` (1.6) conflicts with `bird2`, so it is never installed: its .deb is downloaded with apt-get and
# unpacked (dpkg -x) into a cache directory. Usage: scripts/fetch-bird16.sh [CACHE_DIR]
set -euo pipefail
cache="${1:-${TMPDIR:-/tmp}/ccol1-bird16}"
sbin="$cache/root/usr/sbin"
if [ ! -x "$sbin/bird" ]; then
  mkdir -p "$cache"
  (cd "$cache" && apt-get download bird >/dev/null 2>&1) || {
    echo "fetch-bird16: 'apt-get download bird' failed in $cache (run apt-get update first)" >&2
    exit 1
  }
  debs=("$cache"/bird_*.deb)
  dpkg -x "${debs[0]}" "$cache/root"
fi
"$sbin/bird" --version 2>&1 | grep -q '^BIRD version 1\.6' || {
  echo "fetch-bird16: $sbin/bird is not BIRD 1.6" >&2
  exit 1
}
echo "$sbin"
