"""Inter-operator pipelining on the pe-array: XRBench-style CNNs compiled four ways —
`none` (layer by layer, every op on the whole array, boundaries through the global buffer),
`chunks` (each chain one pipeline, one contiguous chunk per layer, 4 granules: prior work),
`organised` (each chain one pipeline, granularity and spatial organisation chosen by the cost
model: PipeOrgan's organisation alone) and `auto` (PipeOrgan-style: depth — no pipelining
included — granularity and organisation chosen by pipeline-ops' cost model).

Per model: simulated latency of each mode, the ratios none/chunks, chunks/organised, none/auto and chunks/auto,
the groups auto chose, and a check of every program against onnxruntime. With `--plots DIR`
it draws the stage layouts of the pipelined programs (one PNG per model and mode).
Models: the XRBench-style CNNs of tilefabric.zoo.XR (hand tracking, RITNet, MiDaS-small) at CI
size, hand tracking and RITNet at a middle size, small_cnn at 64x64, the zoo's tiny ResNet and
MobileNet.
Run: .venv/bin/python -m benchmarks.pipelining [--target pe-array] [--plots docs/pipelining]
     [--models a,b] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

MODES = ("none", "chunks", "organised", "auto")


def _models(names: list[str] | None) -> dict:
    """XRBench-style CNNs (tilefabric.zoo.XR at CI size, two at a middle size), small_cnn at
    64x64 and the zoo's tiny ResNet / MobileNet."""
    from tilefabric import zoo
    from tilefabric.examples import onnx_models

    found: dict = {}
    for tiny in zoo.XR.values():
        found[tiny] = zoo.SMALL[tiny]
    # between the CI and the full sizes (the full-size hand tracking does not fit 8 KiB PEs)
    found["hand_tracking_64"] = lambda: zoo.ZOO["hand_tracking"](image=64, width=8)
    found["ritnet_32x16"] = lambda: zoo.ZOO["ritnet"](height=32, width=16, channels=8, depth=3)
    found["small_cnn_64"] = lambda: onnx_models.small_cnn(size=64, width=16)
    found["resnet_tiny"] = zoo.SMALL["resnet_tiny"]
    found["mobilenet_tiny"] = zoo.SMALL["mobilenet_tiny"]
    if names:
        missing = [n for n in names if n not in found]
        if missing:
            raise SystemExit(f"unknown model(s) {missing}; available: {', '.join(found)}")
        return {n: found[n] for n in names}
    return found


def _groups(program) -> list[str]:
    from tilefabric.dialects.dataflow_pipeline import PipelineOp

    out = []
    for op in program.compiled.dataflow.walk():
        if isinstance(op, PipelineOp):
            out.append(f"{len(op.stages)}x{op.organisation.data[0]}/G{op.granules.data}")
    return out


def measure(loaded, target: str, mode: str, plots: Path | None, name: str) -> dict:
    import tilefabric.api as api
    from tilefabric.runtime_sim.pipeline_plots import plot_stage_maps

    start = time.perf_counter()
    program = api.compile_loaded(loaded, target, pipeline=mode)
    compiled = time.perf_counter() - start
    result = program.run(seed=0)
    check = program.check(result)
    picture = None
    if plots is not None and mode != "none":
        picture = plot_stage_maps(program.compiled.dataflow, program.target, plots / f"{name}-{mode}.png",
                                  f"{name} on {target}, pipeline {mode}")
    groups = [o for o in result.sim.ops if o.kind == "pipeline"]
    return {"latency": float(result.cycles), "passed": bool(check.passed), "max_abs_err": float(check.max_abs_err),
            "groups": _groups(program), "compile_seconds": round(compiled, 1),
            "group_plans": [o.plan for o in groups], "group_predicted": [o.predicted_cycles for o in groups],
            "plot": str(picture) if picture else None}


def main(argv: list[str] | None = None) -> int:
    import tilefabric.api as api

    parser = argparse.ArgumentParser(prog="benchmarks.pipelining")
    parser.add_argument("--target", default="pe-array")
    parser.add_argument("--plots", type=Path, default=None)
    parser.add_argument("--models", default=None, help="comma-separated subset")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    console = Console(width=150)
    table = Table(title=f"inter-operator pipelining on {args.target}: simulated latency (cycles)", title_justify="left")
    for col in ("model", "none", "chunks", "organised", "auto", "none/chunks", "chunks/organised", "none/auto",
                "chunks/auto", "auto groups", "check"):
        table.add_column(col, justify="left" if col in ("model", "auto groups", "check") else "right")
    results = {}
    for name, build in _models(args.models.split(",") if args.models else None).items():
        with console.status(f"{name}: importing"):
            loaded = api.load(build())
        row = {}
        for mode in MODES:
            with console.status(f"{name}: compiling and simulating, pipeline {mode}"):
                row[mode] = measure(loaded, args.target, mode, args.plots, name)
        results[name] = row
        n, c, o, a = (row[m]["latency"] for m in MODES)
        ok = all(row[m]["passed"] for m in MODES)
        table.add_row(name, f"{n:,.0f}", f"{c:,.0f}", f"{o:,.0f}", f"{a:,.0f}", f"{n / c:.2f}", f"{c / o:.2f}",
                      f"{n / a:.2f}", f"{c / a:.2f}",
                      " ".join(row["auto"]["groups"]) or "(none)", "PASS" if ok else "FAIL")
    console.print(table)
    console.print("auto groups: stages x organisation (b blocks, s striped, i interleaved) / granules")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0 if all(r[m]["passed"] for r in results.values() for m in MODES) else 1


if __name__ == "__main__":
    raise SystemExit(main())
