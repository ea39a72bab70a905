#!/usr/bin/env bash
# Fuzzes the parser with libFuzzer (cargo-fuzz) for SECONDS (default 60), starting from a corpus
# of small hand-made snapshots and cut-down testdata. Works on stable Rust: RUSTC_BOOTSTRAP
# lets cargo-fuzz pass its -Z flags; no sanitizer (panics and aborts are what we hunt; the
# parser has no unsafe code beyond the mmap). cargo-fuzz is installed into target/tools.
# Crashes land in fuzz/artifacts/parse/; copy them to heapsnap-core/tests/fuzz_regressions/
# so `cargo test` replays them forever.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
tools=$PWD/target/tools
if [ ! -x "$tools/bin/cargo-fuzz" ]; then
  cargo install cargo-fuzz --locked --version 0.13.2 --root "$tools"
fi
corpus=target/fuzz-corpus
mkdir -p "$corpus"
cp heapsnap-core/tests/fixtures/random/*.heapsnapshot heapsnap-core/tests/fixtures/*.heapsnapshot "$corpus"/ 2>/dev/null || true
cp heapsnap-core/tests/fuzz_regressions/* "$corpus"/ 2>/dev/null || true
# Real producers' layouts: the first 60 KB of each testdata snapshot (header, nodes, a cut).
for f in testdata/*.heapsnapshot.gz; do
  gunzip -c "$f" | head -c 60000 > "$corpus/$(basename "$f" .gz).head" || true
done
export RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=$PWD/target/fuzz
cd fuzz
"$tools/bin/cargo-fuzz" run parse --sanitizer none --release "../$corpus" -- \
  -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=10
