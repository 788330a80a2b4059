"""What fuse-memory-intensive buys: a BERT-base encoder layer (batch 8, seq 128) and a ViT-B/16
block on ipu-mk2, compiled with the pass disabled and enabled.

Per model: ops in the run report, inter-core bytes (every exchange and shift), simulated latency,
and the memory-bound part (every op that is not a contraction: bias and residual adds,
softmax, layer-norm, GELU and the re-layouts into them), each as unfused / fused. Both runs are
checked against onnxruntime. Goal: the memory-bound part >= 1.3x faster.
Run: .venv/bin/python -m benchmarks.fusion
"""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

GOAL = 1.3
PASS = "fuse-memory-intensive"


def _models():
    from tilefabric.zoo.vit import vit
    from tilefabric.examples import onnx_models

    return {
        "BERT-base layer, b8 s128": onnx_models.bert_layer(batch=8, seq=128),
        "ViT-B/16 block (1 layer), b1": vit(layers=1),
    }


def _measure(loaded, disabled: tuple[str, ...]) -> dict:
    import tilefabric.api as api

    program = api.compile_loaded(loaded, "ipu-mk2", disabled=disabled)
    result = program.run(seed=0)
    check = program.check(result)
    ops = result.report["ops"]
    memory_bound = [o for o in ops if o["kind"] not in ("contraction", "lookup")]
    # a matmul with a fused epilogue: the epilogue's compute is memory-bound work, the matrix
    # unit's cycles and the re-layouts into the matmul are not (as for an unfused matmul)
    epilogues = [o["fused_vector_cycles"] for o in ops if o["kind"] == "contraction"]
    return {
        "ops": len(ops),
        "bytes": sum(o["bytes_moved"] for o in ops),
        "latency": result.report["latency_cycles"],
        "memory_bound": sum(o["cycles"] for o in memory_bound) + sum(epilogues),
        "memory_bound_ops": len(memory_bound) + sum(1 for e in epilogues if e > 0),
        "passed": check.passed,
    }


def main() -> None:
    import tilefabric.api as api

    console = Console(width=130)
    table = Table(title="fuse-memory-intensive on ipu-mk2: unfused (--disable) / fused", title_justify="left")
    for col in ("model", "measure", "unfused", "fused", "unfused / fused"):
        table.add_column(col, justify="left" if col in ("model", "measure") else "right")
    for name, proto in _models().items():
        with console.status(f"{name}: importing"):
            loaded = api.load(proto)
        with console.status(f"{name}: compiling and simulating without fusion"):
            off = _measure(loaded, (PASS,))
        with console.status(f"{name}: compiling and simulating with fusion"):
            on = _measure(loaded, ())
        rows = (("ops in the report", "ops"), ("memory-bound ops", "memory_bound_ops"),
                ("inter-core bytes", "bytes"), ("latency, cycles", "latency"),
                ("memory-bound part, cycles", "memory_bound"))
        for i, (label, key) in enumerate(rows):
            ratio = off[key] / on[key] if on[key] else float("inf")
            table.add_row(name if i == 0 else "", label, f"{off[key]:,.0f}", f"{on[key]:,.0f}", f"{ratio:.2f}")
        speedup = off["memory_bound"] / on["memory_bound"]
        table.add_row("", "check vs onnxruntime", "PASS" if off["passed"] else "FAIL", "PASS" if on["passed"] else "FAIL",
                      f"goal >= {GOAL} on the memory-bound part: {'met' if speedup >= GOAL else 'NOT met'}")
        table.add_section()
    console.print(table)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere
    main()
