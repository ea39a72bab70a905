#!/usr/bin/env python3
"""heapsnap beside Chrome DevTools' worker and memlab on the same generated snapshots.

    benches/compare.py [--sizes 100,300,1000,3000] [--peers-up-to MB] [--out benches/results] [--replot]

First it installs the peers, untimed (memlab's npm packages in benches/peers; DevTools'
worker, run once on a bundled snapshot). For each size (MB) it generates
/tmp/heapsnap-bench/big-<N>mb.heapsnapshot with testdata/gen/big.js if missing, warms the
page cache, then runs, one after the other:
  - heapsnap summary (and the `phases` profiler's memchr comma scan, the parse baseline),
  - DevTools' heap snapshot worker (../shared/conformance/devtools-reference.sh),
  - memlab (benches/peers/memlab-summary.js: getFullHeapFromFile + a class histogram),
and writes results.csv, table.md and plot.png (time and memory against nodes + edges; the plot
needs matplotlib: `pip install matplotlib`).

Memory: peak RSS from GNU time for every tool; for heapsnap also its peak anonymous memory
(RssAnon, sampled every 20 ms from /proc/PID/status), which excludes the mapped file's pages.
parse/scan: the `phases` profiler's parse over a memchr count of the file's commas, each the
best of three in one process; cold parse/scan: the parse inside the reported (cold) summary
run over the same scan.
heapsnap runs three times per size and the median run is reported; the peers run once.
Every run starts cold: after a pause of COLD_PAUSE_S, in which a VM with free page reporting
(this bench machine, see RESULTS.md) has handed the memory of earlier runs back to its host,
so each tool pays for its fresh memory as a first run does.
Run it on an otherwise idle machine; every figure is from this one run, side by side.
"""
import argparse
import csv
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(os.environ.get("TMPDIR", "/tmp")) / "heapsnap-bench"
# Where DevTools' worker writes its results (compare.py reads only its time and memory).
DEVTOOLS_OUT = BENCH_DIR / "dt.json"
HEAPSNAP = ROOT / "target/release/heapsnap"
PHASES = ROOT / "target/release/phases"
DEVTOOLS = Path(os.environ.get("HEAPSNAP_SHARED", ROOT.parent / "shared")) / "conformance/devtools-reference.sh"
MEMLAB = ROOT / "benches/peers/memlab-summary.js"
# Linux reports freed memory to the hypervisor about 2 s after it is freed.
COLD_PAUSE_S = 4


def snapshot(mb):
    path = BENCH_DIR / f"big-{mb}mb.heapsnapshot"
    if not path.exists():
        subprocess.run(["node", str(ROOT / "testdata/gen/big.js"), "--target-mb", str(mb)], check=True)
    subprocess.run(f"cat '{path}' > /dev/null", shell=True, check=True)
    return path


def prepare_peers():
    """Installs the peers before anything is timed: memlab's packages, and DevTools' worker
    (its script installs the package and bundles its driver on first use), run once untimed
    on a small bundled snapshot, so that no peer's first timed run pays for its install."""
    peers = ROOT / "benches/peers"
    if not (peers / "node_modules/@memlab/heap-analysis").exists():
        subprocess.run(["npm", "install", "--no-audit", "--no-fund"], cwd=peers, check=True,
                       env={**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1"})
    small = BENCH_DIR / "node-service.heapsnapshot"
    with gzip.open(ROOT / "testdata/node-service.heapsnapshot.gz") as src, open(small, "wb") as dst:
        shutil.copyfileobj(src, dst)
    subprocess.run([str(DEVTOOLS), str(small), str(DEVTOOLS_OUT)], check=True, stdout=subprocess.DEVNULL)


def timed(cmd):
    """(seconds, peak RSS bytes, peak anonymous bytes of the process itself, stdout)."""
    out_file = BENCH_DIR / "compare.out"
    time.sleep(COLD_PAUSE_S)
    with open(out_file, "w") as out:
        start = time.time()
        p = subprocess.Popen(["/usr/bin/time", "-f", "%M"] + cmd, stdout=out, stderr=subprocess.PIPE, text=True)
        anon = 0
        child = None
        while p.poll() is None:
            try:
                if child is None:
                    kids = Path(f"/proc/{p.pid}/task/{p.pid}/children").read_text().split()
                    child = kids[0] if kids else None
                if child:
                    status = Path(f"/proc/{child}/status").read_text()
                    m = re.search(r"RssAnon:\s+(\d+) kB", status)
                    anon = max(anon, int(m.group(1)) * 1024) if m else anon
            except OSError:
                pass
            time.sleep(0.02)
        seconds = time.time() - start
        err = p.stderr.read()
    if p.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {err[-2000:]}")
    rss = int(re.search(r"(\d+)\s*$", err).group(1)) * 1024  # GNU time's %M, printed last
    return seconds, rss, anon, out_file.read_text()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100,300,1000")
    ap.add_argument("--peers-up-to", type=int, default=1000, help="skip DevTools and memlab above this size (MB)")
    ap.add_argument("--out", default=str(ROOT / "benches/results"))
    ap.add_argument("--replot", action="store_true", help="only redraw plot.png from the out folder's results.csv")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.replot:
        with open(out / "results.csv", newline="") as f:
            rows = [{k: float(v) for k, v in r.items() if v != "" and k != "heapsnap_runs_s"} for r in csv.DictReader(f)]
        plot(rows, out / "plot.png")
        return
    subprocess.run(["cargo", "build", "--release", "--locked", "-p", "heapsnap-cli", "-p", "heapsnap-benches"], cwd=ROOT, check=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if any(mb <= args.peers_up_to for mb in sizes):
        prepare_peers()
    rows = []
    for mb in sizes:
        path = snapshot(mb)
        size = path.stat().st_size
        # heapsnap's runs are short enough that a slow episode of the VM (its host handing
        # out memory) moves them by a sixth or more: the median of three (peers run once; they
        # take 10-100 times longer).
        runs = sorted((timed([str(HEAPSNAP), "summary", "--json", "--quiet", str(path)]) for _ in range(3)), key=lambda r: r[0])
        s, rss, anon, text = runs[1]
        summary = json.loads(text)
        summary_parse = summary["timing_ms"]["parse"] / 1000
        # The parse against the byte scan in one process, each the best of three, both from
        # page cache: `phases` runs the scan three times and the parse once plus `--repeat`.
        phases = subprocess.run([str(PHASES), str(path), "--parse-only", "--repeat", "2"],
                                capture_output=True, text=True, check=True).stdout
        scan = float(re.search(r"memchr comma scan ([\d.]+) s", phases).group(1))
        parse = float(re.search(r"^parse\s+([\d.]+)", phases, re.M).group(1))
        row = {"mb": round(size / 1e6), "nodes": summary["nodes"], "edges": summary["edges"],
               "heapsnap_s": round(s, 2), "heapsnap_runs_s": " ".join(f"{r[0]:.2f}" for r in runs), "heapsnap_rss_mb": rss >> 20, "heapsnap_anon_mb": anon >> 20,
               "anon_over_file": round(anon / size, 2), "parse_s": parse, "comma_scan_s": scan,
               "parse_over_scan": round(parse / scan, 1),
               "summary_parse_s": summary_parse, "cold_parse_over_scan": round(summary_parse / scan, 1)}
        if mb <= args.peers_up_to:
            for name, cmd in [("devtools", [str(DEVTOOLS), str(path), str(DEVTOOLS_OUT)]),
                              ("memlab", ["node", "--max-old-space-size=20000", str(MEMLAB), str(path)])]:
                try:
                    ps, prss, _, _ = timed(cmd)
                    row[f"{name}_s"], row[f"{name}_rss_mb"] = round(ps, 1), prss >> 20
                    row[f"{name}_over_heapsnap"] = round(ps / s, 1)
                except RuntimeError as e:
                    print(f"{name} on {mb} MB failed: {e}", file=sys.stderr)
        rows.append(row)
        print(json.dumps(row), flush=True)
    keys = sorted({k for r in rows for k in r}, key=lambda k: list(rows[0]).index(k) if k in rows[0] else 99)
    with open(out / "results.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        w.writerows(rows)
    cols = [("MB", "mb"), ("nodes", "nodes"), ("edges", "edges"), ("heapsnap s", "heapsnap_s"),
            ("RSS MB", "heapsnap_rss_mb"), ("anon MB", "heapsnap_anon_mb"), ("anon/file", "anon_over_file"),
            ("parse/scan", "parse_over_scan"), ("cold parse/scan", "cold_parse_over_scan"), ("DevTools s", "devtools_s"), ("DevTools RSS MB", "devtools_rss_mb"),
            ("×", "devtools_over_heapsnap"), ("memlab s", "memlab_s"), ("memlab RSS MB", "memlab_rss_mb"),
            ("× ", "memlab_over_heapsnap")]
    lines = ["| " + " | ".join(c for c, _ in cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        lines.append("| " + " | ".join(str(r.get(k, "–")) for _, k in cols) + " |")
    (out / "table.md").write_text("\n".join(lines) + "\n")
    plot(rows, out / "plot.png")
    print((out / "table.md").read_text())


def plot(rows, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    x = [(r["nodes"] + r["edges"]) / 1e6 for r in rows]
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.2))
    for key, label in [("heapsnap", "heapsnap"), ("devtools", "DevTools worker"), ("memlab", "memlab")]:
        pts = [(xi, r[f"{key}_s"], r[f"{key}_rss_mb"]) for xi, r in zip(x, rows) if f"{key}_s" in r]
        if pts:
            a.plot([p[0] for p in pts], [p[1] for p in pts], "o-", label=label)
            b.plot([p[0] for p in pts], [p[2] / 1024 for p in pts], "o-", label=f"{label} (peak RSS)")
    b.plot(x, [r["heapsnap_anon_mb"] / 1024 for r in rows], "o--", label="heapsnap (anonymous)")
    a.set(xlabel="nodes + edges (millions)", ylabel="seconds", title="summary time")
    b.set(xlabel="nodes + edges (millions)", ylabel="GB", title="peak memory")
    a.legend()
    b.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
