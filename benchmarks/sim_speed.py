"""Simulator speed on a full-size BERT-base encoder layer (seq 128, batch 8) on ipu-mk2.

The simulator computes every core's real numbers; this measures its wall time (compilation
excluded) against onnxruntime running the same model on one CPU thread, and the strict mode's
extra cost (written-element tracking). Goals (issue 5): simulate ≤ 10 s; ≤ 3x onnxruntime.
Run: .venv/bin/python -m benchmarks.sim_speed [--repeat N]
"""

from __future__ import annotations

import argparse
import time

import onnxruntime as ort
from rich.console import Console
from rich.table import Table

import tilefabric
import tilefabric.runtime_sim as runtime_sim
from tilefabric.examples import onnx_models

GOAL_SECONDS, GOAL_RATIO = 10.0, 3.0


def _ort_seconds(proto, inputs: dict, repeat: int) -> float:
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = ort.InferenceSession(proto.SerializeToString(), options, providers=["CPUExecutionProvider"])
    session.run(None, inputs)  # warm-up
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        session.run(None, inputs)
        best = min(best, time.perf_counter() - start)
    return best


def _sim_seconds(program, inputs: dict, repeat: int, strict: bool) -> tuple[float, bool]:
    plain = runtime_sim.simulate
    runtime_sim.simulate = lambda m, t, a: plain(m, t, a, strict=strict)
    try:
        best, passed = float("inf"), True
        for _ in range(repeat):
            result = program.run(inputs)
            best = min(best, result.report["simulate_seconds"])
            passed &= program.check(result).passed
        return best, passed
    finally:
        runtime_sim.simulate = plain


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    proto = onnx_models.bert_layer(batch=8, seq=128)
    console = Console()
    with console.status("compiling BERT-base layer (b8, s128) for ipu-mk2"):
        program = tilefabric.compile(proto, target="ipu-mk2")
    inputs = program.run(seed=0).inputs  # the activations and attention mask, seeded
    with console.status("simulating"):
        sim, passed = _sim_seconds(program, inputs, args.repeat, strict=False)
        strict, strict_passed = _sim_seconds(program, inputs, 1, strict=True)
    onnx_s = _ort_seconds(proto, inputs, max(args.repeat, 5))
    table = Table(title="simulator speed: BERT-base encoder layer, batch 8, seq 128, ipu-mk2 (1,472 cores)",
                  title_justify="left")
    for col in ("measure", "seconds", "goal", "ratio"):
        table.add_column(col, justify="left" if col == "measure" else "right")
    table.add_row("simulate (best of %d)" % args.repeat, f"{sim:.2f}", f"{GOAL_SECONDS:.0f}", f"{sim / GOAL_SECONDS:.2f}")
    table.add_row("simulate, strict mode", f"{strict:.2f}", "", f"{strict / sim:.2f} x plain")
    table.add_row("onnxruntime, 1 thread (best)", f"{onnx_s:.3f}", "", "")
    table.add_row("simulate / onnxruntime", f"{sim / onnx_s:.1f} x", f"{GOAL_RATIO:.0f} x", f"{sim / onnx_s / GOAL_RATIO:.2f}")
    console.print(table)
    console.print(f"outputs match onnxruntime: {passed and strict_passed}")


if __name__ == "__main__":
    main()
