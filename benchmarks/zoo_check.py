"""Full-size zoo models end to end: `tilefabric run M.onnx --target T --check` on each, one table.

Too slow for CI (minutes per model); this is the evidence that real sizes work: import, plan,
simulate every core's numbers, and match onnxruntime. Each model runs in its own `tilefabric`
process (what a user runs), reporting through `--report`.

Run: .venv/bin/python -m benchmarks.zoo_check [MODEL ...] [--target NAME]
     (default models: bert_base resnet50; any name of tilefabric.zoo.ZOO or SMALL)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import onnx
from rich.console import Console
from rich.table import Table

from tilefabric.zoo import SMALL, ZOO

DEFAULT = ("bert_base", "resnet50")


def run_one(name: str, target: str, tmp: Path) -> dict:
    """Build, save and run one model; the CLI's JSON report plus wall time and exit code."""
    proto = {**SMALL, **ZOO}[name]()
    path = tmp / f"{name}.onnx"
    onnx.save(proto, path)
    del proto
    report = tmp / f"{name}.json"
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "tilefabric", "run", str(path), "--target", target, "--check",
                           "--report", str(report)], capture_output=True, text=True)
    wall = time.perf_counter() - start
    out = json.loads(report.read_text()) if report.exists() else {}
    out.update(name=name, wall=wall, exit=proc.returncode, error=proc.stderr.strip().splitlines()[-1:] or [""])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", default=list(DEFAULT))
    parser.add_argument("--target", default="ipu-mk2")
    args = parser.parse_args()
    unknown = [m for m in args.models if m not in ZOO and m not in SMALL]
    if unknown:
        sys.exit(f"unknown model {unknown[0]!r} (zoo: {', '.join(sorted(ZOO))}; small: {', '.join(sorted(SMALL))})")
    table = Table(title=f"zoo models, tilefabric run --check on {args.target}", title_justify="left")
    for col in ("model", "check", "max rel err", "latency ms", "cycles", "roofline", "latency / roofline",
                "peak KiB/core", "import s", "compile s", "simulate s", "wall s"):
        table.add_column(col, justify="left" if col in ("model", "check") else "right")
    console = Console(width=160)
    with tempfile.TemporaryDirectory(prefix="zoo-") as tmp:
        for name in args.models:
            with console.status(f"{name}: build, import, plan, simulate, check"):
                r = run_one(name, args.target, Path(tmp))
            check = r.get("check") or {}
            if not r.get("latency_cycles"):
                table.add_row(name, f"error: {r['error'][0]}", *[""] * 9, f"{r['wall']:.1f}")
                continue
            roof = r.get("roofline_cycles") or 0.0
            table.add_row(
                name, "PASS" if check.get("passed") else "FAIL", f"{check.get('max_rel_err', float('nan')):.1e}",
                f"{r['latency_ms']:.3f}", f"{r['latency_cycles']:,.0f}", f"{roof:,.0f}",
                f"{r['latency_cycles'] / roof:.2f}" if roof else "-", f"{r['peak_scratchpad_bytes'] / 1024:,.1f}",
                f"{r['import_seconds']:.1f}", f"{r['compile_seconds']:.1f}", f"{r['simulate_seconds']:.1f}", f"{r['wall']:.1f}")
    console.print(table)


if __name__ == "__main__":
    main()
