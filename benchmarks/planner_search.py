"""Per-op search benchmark: T10's two published matmuls on ipu-mk2 (fp16).

Prints, for each shape: search time, plans evaluated, Pareto size, our best plan under the
executed cost model, the same search under T10's own accounting (which reproduces T10's
published best), and the Pareto frontier. Ratios are against T10's published figures and the
roofline. Run: .venv/bin/python benchmarks/planner_search.py
"""

from __future__ import annotations

import time

from rich.console import Console
from rich.table import Table

from tilefabric.planner.op_space import OpSpace
from tilefabric.planner.roofline import roofline
from tilefabric.planner.search import search
from tilefabric.target import resolve_target

# t10.md: T10's best plan cost and its search time on this machine with its own artifact
T10_PUBLISHED = {(128, 5120, 15360): (157_968, 50.5, 293_482), (1024, 1024, 1024): (27_118, None, None)}


def matmul_space(m: int, k: int, n: int, elem_bytes: int = 2) -> OpSpace:
    """Loop dims (m, n, k) as torch-mlir emits a matmul: A[m,k], B[k,n], C[m,n]."""
    return OpSpace("matmul", (m, n, k), ((0, 2), (2, 1), (0, 1)), 2, (2,), "contraction", "add", elem_bytes,
                   (elem_bytes,) * 3, (), (0,), (1,), (2,))


def frontier_table(result, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for col in ("plan (F over m,n,k; rings)", "hot B/core", "cycles", "compute", "shift", "reduce"):
        table.add_column(col, justify="left" if col.startswith("plan") else "right")
    for p in result.frontier:
        table.add_row(p.describe(), f"{p.hot_bytes:,.0f}", f"{p.predicted_cycles:,.0f}", f"{p.compute_cycles:,.0f}",
                      f"{p.shift_cycles:,.0f}", f"{p.reduce_cycles:,.0f}")
    return table


def main() -> None:
    console = Console(width=170)
    target = resolve_target("ipu-mk2")
    summary = Table(title="per-op search on ipu-mk2 (fp16), budget = 624 KiB/core", title_justify="left")
    for col in ("m x k x n", "objective", "search s", "plans", "pareto", "best plan", "cycles",
                "vs T10 best", "vs roofline", "T10 search s / ours"):
        summary.add_column(col, justify="left" if col in ("m x k x n", "objective", "best plan") else "right")
    frontiers = []
    for shape, (t10_best, t10_seconds, _) in T10_PUBLISHED.items():
        space = matmul_space(*shape)
        roof = roofline(space, target).cycles
        for objective in ("executed", "t10"):
            start = time.perf_counter()
            result = search(space, target, target.scratchpad_bytes, objective=objective)
            seconds = time.perf_counter() - start
            best = result.best()
            speedup = f"{t10_seconds / seconds:,.0f}x" if t10_seconds else "-"
            summary.add_row("x".join(map(str, shape)), objective, f"{seconds:.2f}", f"{result.plans_evaluated:,}",
                            str(len(result.frontier_rows)), best.describe(), f"{best.predicted_cycles:,.0f}",
                            f"{best.predicted_cycles / t10_best:.3f}", f"{best.predicted_cycles / roof:.2f}", speedup)
            if objective == "executed":
                frontiers.append((shape, result))
    console.print(summary)
    console.print("executed: what tilefabric runs (simulated cycles equal these); t10: T10's own accounting, "
                  "which charges a trailing shuffle per op (see docs/planner.md)")
    for shape, result in frontiers:
        console.print(frontier_table(result, f"Pareto frontier {'x'.join(map(str, shape))} (memory vs time)"))


if __name__ == "__main__":
    main()
