"""Frontend + planning cost of BERT-large (24 layers, hidden 1024, seq 128, batch 1, fp16 as in
T10) on ipu-mk2.

Builds the proto with the zoo builder (timed, but outside the budget), saves it, then imports
and plans it (`tilefabric.api.load` + `compile_loaded(stop_after="rtensor")`) in a fresh
interpreter, so that process's peak RSS is the compiler's alone and not the builder's. The
frontend runs torch-mlir in a forked child, whose peak is RUSAGE_CHILDREN of that interpreter.
Goals: frontend + planning <= 30 s, peak memory <= 4 GB.
Run: .venv/bin/python -m benchmarks.bert_large_frontend
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_SECONDS, GOAL_BYTES = 30.0, 4 * 2**30


def _peaks() -> tuple[int, int]:
    """Peak RSS in bytes of this process and of its largest finished child (Linux reports KiB)."""
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)


def measure(path: str) -> dict:
    """Import and plan `path`; on a compiler error, say which phase failed and how."""
    from tilefabric.api import compile_loaded, load
    from tilefabric.errors import TileFabricError

    out: dict = {"frontend_s": None, "planning_s": None, "frontend_rss": None, "error": None}
    start = time.perf_counter()
    try:
        loaded = load(path)
        out["frontend_s"] = time.perf_counter() - start
        out["frontend_rss"] = _peaks()[0]
        start = time.perf_counter()
        compile_loaded(loaded, "ipu-mk2", stop_after="rtensor")
        out["planning_s"] = time.perf_counter() - start
    except TileFabricError as exc:
        phase = "frontend" if out["frontend_s"] is None else "planning"
        out[f"{phase}_s"], out["error"] = time.perf_counter() - start, f"{phase}: {str(exc).splitlines()[0]}"
    out["self_rss"], out["child_rss"] = _peaks()
    return out


def _row(table, what: str, value: float | None, unit: str, goal: float | None = None, scale: float = 1.0) -> None:
    shown = "-" if value is None else f"{value / scale:,.2f} {unit}"
    goal_text = "" if goal is None else f"{goal / scale:,.0f} {unit}"
    ratio = "" if goal is None or value is None else f"{value / goal:.2f}"
    table.add_row(what, shown, goal_text, ratio)


def main() -> None:
    from rich.console import Console
    from rich.table import Table

    from tilefabric.zoo import bert_large, parameter_count

    start = time.perf_counter()
    proto = bert_large(dtype="f16")  # fp32 weights alone (1.34 GB) exceed the chip's SRAM
    build_s = time.perf_counter() - start
    params, nodes = parameter_count(proto), len(proto.graph.node)
    with tempfile.TemporaryDirectory(prefix="bert-large-") as tmp:
        path = Path(tmp) / "bert_large.onnx"
        path.write_bytes(proto.SerializeToString())
        del proto
        child = subprocess.run([sys.executable, __file__, "--measure", str(path)], capture_output=True, text=True)
    if child.returncode != 0:
        sys.exit(f"measurement process failed:\n{child.stderr[-2000:]}")
    r = json.loads(child.stdout.strip().splitlines()[-1])
    table = Table(title=f"BERT-large fp16 on ipu-mk2 (seq 128, batch 1; {params / 1e6:.0f}M params, {nodes} nodes)",
                  title_justify="left")
    for col in ("phase", "measured", "goal", "ratio"):
        table.add_column(col, justify="left" if col == "phase" else "right")
    _row(table, "build proto (not budgeted)", build_s, "s")
    _row(table, "frontend (load)", r["frontend_s"], "s")
    _row(table, "planning (to rtensor)", r["planning_s"], "s")
    total = (r["frontend_s"] or 0.0) + (r["planning_s"] or 0.0)
    _row(table, "frontend + planning", total, "s", GOAL_SECONDS)
    gib = 2**30
    _row(table, "peak RSS, compiler process after frontend", r["frontend_rss"], "GiB", None, gib)
    _row(table, "peak RSS, compiler process", r["self_rss"], "GiB", None, gib)
    _row(table, "peak RSS, torch-mlir child", r["child_rss"], "GiB", None, gib)
    _row(table, "peak RSS, max of the two", max(r["self_rss"], r["child_rss"]), "GiB", GOAL_BYTES, gib)
    _row(table, "peak RSS, sum (upper bound)", r["self_rss"] + r["child_rss"], "GiB", GOAL_BYTES, gib)
    console = Console(width=120)
    console.print(table)
    if r["error"]:
        console.print(f"[red]stopped at {r['error']}[/red]")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        print(json.dumps(measure(sys.argv[2])))
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere
        main()
