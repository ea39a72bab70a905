#!/usr/bin/env bash
# (Re)generates every test snapshot.
#
#   testdata/gen/generate.sh [OUTDIR] [--scale N] [--no-chromium] [--gzip | --no-gzip]
#
# Without OUTDIR it writes the committed set into testdata/ as *.heapsnapshot.gz (gzip -9 -n).
# With OUTDIR it writes plain *.heapsnapshot files there (add --gzip to compress).
# --scale multiplies every scenario's object counts (scale 1 = the committed files).
# Needs Node.js >= 18; the Chromium scenario needs /usr/bin/chromium (or $CHROMIUM) and
# `npm ci` in testdata/gen (playwright-core). The big benchmark file is separate: big.js.
set -euo pipefail
gen=$(cd "$(dirname "$0")" && pwd)
out=""; scale=1; chromium=1; gz=""
while [ $# -gt 0 ]; do
  case $1 in
    --scale) scale=$2; shift 2 ;;
    --no-chromium) chromium=0; shift ;;
    --gzip) gz=1; shift ;;
    --no-gzip) gz=0; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) out=$1; shift ;;
  esac
done
if [ -z "$out" ]; then out=$(dirname "$gen"); gz=${gz:-1}; else gz=${gz:-0}; fi
mkdir -p "$out"; out=$(cd "$out" && pwd)
half=$(node -p "$scale / 2")
node_run() { node --expose-gc "$@"; }
t0=$(date +%s)
node_run "$gen/service.js" "$out" --scale "$scale" --name node-service
node_run "$gen/stampede.js" "$out" --scale "$scale"
node_run "$gen/query.js" "$out" --scale "$scale"
# restart-a/b: the service heap from two separate processes (ids do not match), the second
# one at twice the first one's size.
node_run "$gen/service.js" "$out" --scale "$half" --name restart-a --seed 1
node_run "$gen/service.js" "$out" --scale "$scale" --name restart-b --seed 2
if [ "$chromium" = 1 ]; then
  [ -d "$gen/node_modules/playwright-core" ] || (cd "$gen" && npm ci --no-audit --no-fund >/dev/null)
  node "$gen/detached-dom.js" "$out" --scale "$scale"
fi
if [ "$gz" = 1 ]; then
  for f in node-service stampede-a stampede-b query-a query-b restart-a restart-b chromium-detached-a chromium-detached-b; do
    [ -f "$out/$f.heapsnapshot" ] || continue
    gzip -9 -n -f "$out/$f.heapsnapshot"
  done
fi
echo "generated in $(( $(date +%s) - t0 )) s into $out"
