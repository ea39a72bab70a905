#!/usr/bin/env bash
# Builds the browser viewer into heapsnap-wasm/www/pkg/ (gitignored): the wasm32 target and
# wasm-bindgen-cli at exactly the version Cargo.lock pins for the wasm-bindgen crate, installed
# into target/tools (nothing outside the repository).
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
bindgen=target/tools/bin/wasm-bindgen
if [ ! -x "$bindgen" ] || [ "$("$bindgen" --version | awk '{print $2}')" != "$version" ]; then
  cargo install wasm-bindgen-cli --version "$version" --root target/tools
fi
cargo build --release --locked -p heapsnap-wasm --target wasm32-unknown-unknown
"$bindgen" --target web --no-typescript --out-dir heapsnap-wasm/www/pkg \
  target/wasm32-unknown-unknown/release/heapsnap_wasm.wasm
echo "viewer built: heapsnap-wasm/www (serve it with: heapsnap view FILE [FILE2])" >&2
