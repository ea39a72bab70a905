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
"$venv/bin/python" heapsnap-mcp/tests/e2e.py "${CARGO_TARGET_DIR:-$PWD/target}/release/heapsnap" "$PWD"

step "A redacted snapshot reads the same in DevTools (classes, Statistics, top objects)"
dtr="${HEAPSNAP_SHARED:-../shared}/conformance/devtools-reference.sh"
if [ -x "$dtr" ]; then
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  gunzip -c testdata/stampede-b.heapsnapshot.gz > "$tmp/original.heapsnapshot"
  target/release/heapsnap redact --quiet "$tmp/original.heapsnapshot" "$tmp/redacted.heapsnapshot"
  "$dtr" "$tmp/original.heapsnapshot" "$tmp/original.json" > /dev/null
  "$dtr" "$tmp/redacted.heapsnapshot" "$tmp/redacted.json" > /dev/null
  node -e '
    const [a, b] = process.argv.slice(1).map(f => JSON.parse(require("fs").readFileSync(f, "utf8")));
    for (const k of ["nodes", "edges", "total_size", "statistics", "classes", "top_objects"]) {
      const strip = v => k === "top_objects" ? v.map(({name, ...rest}) => rest) : v;
      if (JSON.stringify(strip(a[k])) !== JSON.stringify(strip(b[k]))) { console.error("redacted differs in " + k); process.exit(1); }
    }
    console.log("redacted snapshot: DevTools numbers identical");
  ' "$tmp/original.json" "$tmp/redacted.json"
  if grep -q "cart-svc:8080" "$tmp/redacted.heapsnapshot"; then echo "a string value survived redaction" >&2; exit 1; fi
else
  echo "skipped: ../shared/conformance not present"
fi

step "Fuzz the parser for a bounded time (CI only; fuzz/run.sh SECONDS by hand)"
if [ "${CI:-}" = "true" ]; then
  fuzz/run.sh "${HEAPSNAP_FUZZ_SECONDS:-90}"
else
  echo "skipped outside CI (set CI=true, or run fuzz/run.sh)"
fi

step "Browser viewer end to end in headless Chromium (playwright-core)"
heapsnap-wasm/build.sh
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  # Debian's chromium, installed here as the other suites' packages are (root, or sudo
  # without a password prompt; else say what to install).
  if [ "$(id -u)" = 0 ]; then
    sudo_=""
  elif [ "${CI:-}" = "true" ] || sudo -n true 2>/dev/null; then
    sudo_=sudo
  else
    echo "chromium not found at ${CHROMIUM:-/usr/bin/chromium}; install Debian's chromium package" >&2; exit 1
  fi
  $sudo_ apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq chromium > /dev/null
fi
(cd heapsnap-wasm/e2e && npm ci --no-audit --no-fund --silent)
node heapsnap-wasm/e2e/viewer.test.mjs
