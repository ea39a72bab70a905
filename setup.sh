#!/usr/bin/env bash
# Sets heapsnap up on this machine and runs it on a bundled example snapshot.
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
cat >&2 <<'MSG'

Next: compare a baseline and a spike, for example
  ./target/release/heapsnap diff testdata/stampede-a.heapsnapshot.gz testdata/stampede-b.heapsnapshot.gz
MSG
