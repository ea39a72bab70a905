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
# Needs the workplace's shared conformance kit beside the repository (../shared); the committed
# references it re-derives are what the conformance tests above compare against.
if [ -x "${HEAPSNAP_SHARED:-../shared}/conformance/devtools-reference.sh" ]; then
  testdata/reference/regenerate.sh --check
else
  echo "skipped: ../shared/conformance not present (set HEAPSNAP_SHARED to run it)"
fi

step "MCP server end to end, driven by the official Python MCP SDK"
cargo build --release --locked -p heapsnap-cli
venv=target/py-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import mcp" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r heapsnap-mcp/tests/requirements.txt
fi
"$venv/bin/python" heapsnap-mcp/tests/e2e.py "$PWD/target/release/heapsnap" "$PWD"
