#!/usr/bin/env bash
# Recreates testdata/reference/*.devtools.json.gz from the committed snapshots with Chrome
# DevTools' own heap snapshot worker (../shared/conformance/devtools-reference.sh).
#
#   testdata/reference/regenerate.sh           rewrite the committed references
#   testdata/reference/regenerate.sh --check   recompute into a temp dir and fail if any
#                                              committed reference differs (for CI)
#
# For each snapshot NAME: NAME.devtools.json.gz (Summary classes, Statistics, top 50 objects,
# nodes_detail = every node's [id, self_size, retained_size, distance, dominator id]).
# For each pair P (P-a baseline, P-b later): P.comparison.devtools.json.gz (Comparison view).
# Output is normalised by normalize.js (no timings, no absolute paths) and gzip -9 -n, so it is
# byte-for-byte reproducible.
set -euo pipefail
ref=$(cd "$(dirname "$0")" && pwd)
data=$(dirname "$ref")
shared=${HEAPSNAP_SHARED:-$(cd "$data/../.." && pwd)/shared}
[ -x "$shared/conformance/devtools-reference.sh" ] || shared=$(cd "$data/.." && pwd)/../shared
dtr="$shared/conformance/devtools-reference.sh"
[ -f "$dtr" ] || { echo "devtools-reference.sh not found (set HEAPSNAP_SHARED)" >&2; exit 2; }
check=0; [ "${1:-}" = --check ] && check=1
snaps=(node-service stampede-a stampede-b query-a query-b restart-a restart-b chromium-detached-a chromium-detached-b)
pairs=(stampede query restart chromium-detached)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
dest=$ref; [ $check = 1 ] && { dest=$tmp/out; mkdir -p "$dest"; }
for s in "${snaps[@]}"; do gunzip -c "$data/$s.heapsnapshot.gz" > "$tmp/$s.heapsnapshot"; done
for s in "${snaps[@]}"; do
  "$dtr" "$tmp/$s.heapsnapshot" "$tmp/$s.raw.json" --all > /dev/null 2> "$tmp/log" || { cat "$tmp/log" >&2; exit 1; }
  node "$ref/normalize.js" "$tmp/$s.raw.json" "$tmp/$s.devtools.json" "$s.heapsnapshot"
  gzip -9 -n -c "$tmp/$s.devtools.json" > "$dest/$s.devtools.json.gz"
  echo "$s.devtools.json.gz"
done
for p in "${pairs[@]}"; do
  "$dtr" "$tmp/$p-b.heapsnapshot" "$tmp/$p.raw.json" --base "$tmp/$p-a.heapsnapshot" > /dev/null 2> "$tmp/log" || { cat "$tmp/log" >&2; exit 1; }
  node "$ref/normalize.js" "$tmp/$p.raw.json" "$tmp/$p.comparison.json" "$p-b.heapsnapshot" "$p-a.heapsnapshot"
  gzip -9 -n -c "$tmp/$p.comparison.json" > "$dest/$p.comparison.devtools.json.gz"
  echo "$p.comparison.devtools.json.gz"
done
if [ $check = 1 ]; then
  bad=0
  for f in "$dest"/*.gz; do
    b=$(basename "$f")
    if ! cmp -s <(gunzip -c "$f") <(gunzip -c "$ref/$b" 2>/dev/null); then echo "DIFFERS: $b" >&2; bad=1; fi
  done
  [ $bad = 0 ] && echo "all references match DevTools"
  exit $bad
fi
