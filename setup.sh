#!/usr/bin/env bash
# Sets heapsnap up on this machine, runs it on a bundled example snapshot, and builds the
# browser viewer.
# Needs a Rust toolchain (https://rustup.rs); everything else it fetches through cargo.
# Usage: ./setup.sh [SNAPSHOT]     (default: testdata/node-service.heapsnapshot.gz)
set -euo pipefail
cd "$(dirname "$0")"
example=${1:-testdata/node-service.heapsnapshot.gz}

command -v cargo >/dev/null || { echo "setup: cargo not found; install Rust from https://rustup.rs" >&2; exit 1; }

echo "== building heapsnap (release)" >&2
cargo build --release --locked -p heapsnap-cli

echo "== heapsnap summary $example" >&2
./target/release/heapsnap summary "$example"
if [ "${SKIP_VIEWER:-}" != 1 ]; then
  echo "== building the browser viewer (wasm32 target, wasm-bindgen-cli into target/tools; SKIP_VIEWER=1 skips)" >&2
  heapsnap-wasm/build.sh
fi
cat >&2 <<'MSG'

Next: compare a baseline and a spike, for example
  ./target/release/heapsnap diff testdata/stampede-a.heapsnapshot.gz testdata/stampede-b.heapsnapshot.gz
  ./target/release/heapsnap view testdata/stampede-a.heapsnapshot.gz testdata/stampede-b.heapsnapshot.gz
MSG
