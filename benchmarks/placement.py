"""Core placement on a mesh: BERT-base matmuls on `wse-like` (or any target), planned and placed
topology-obliviously vs topology-aware, simulated.

Configurations (tilefabric.api.compile options):
- oblivious: `hop_aware=False, placement="row-major"`: the planner prices every shift and
  re-layout as one crossbar hop, and grid cell i sits on physical core i;
- aware + row-major: the hop-aware planner, cells still row-major (isolates the placement);
- aware: the hop-aware planner and `place-cores` (the default pipeline).
Cases: the BERT-base layer's matmuls at batch 8, sequence 128, hidden 768, 12 heads: the
fused Q/K/V projection, the attention output projection, the two FFN matmuls (tokens = 1024),
and the two attention batched matmuls (96 = 8 x 12 heads). Every placed program's output is
checked against numpy (A @ B in float64, tolerance by dtype).

Run: .venv/bin/python -m benchmarks.placement [--target wse-like] [--dtype f32 f16] [--cases ...]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper

from tilefabric import api

TOKENS, HIDDEN, FFN, HEADS, SEQ, BATCH = 1024, 768, 3072, 12, 128, 8
HEAD = HIDDEN // HEADS
CASES = {  # name: (A shape, B shape)
    "qkv": ((TOKENS, HIDDEN), (HIDDEN, 3 * HIDDEN)),
    "attn_out": ((TOKENS, HIDDEN), (HIDDEN, HIDDEN)),
    "ffn_in": ((TOKENS, HIDDEN), (HIDDEN, FFN)),
    "ffn_out": ((TOKENS, FFN), (FFN, HIDDEN)),
    "scores": ((BATCH * HEADS, SEQ, HEAD), (BATCH * HEADS, HEAD, SEQ)),
    "context": ((BATCH * HEADS, SEQ, SEQ), (BATCH * HEADS, SEQ, HEAD)),
}
CONFIGS = {
    "oblivious": dict(hop_aware=False, placement="row-major"),
    "aware+row-major": dict(hop_aware=True, placement="row-major"),
    "aware": dict(hop_aware=True, placement="auto"),
}
ONNX_TYPE = {"f32": TensorProto.FLOAT, "f16": TensorProto.FLOAT16}
TOLERANCE = {"f32": 1e-3, "f16": 3e-2}  # relative to the largest |output|


def matmul_model(a_shape, b_shape, dtype: str) -> onnx.ModelProto:
    out = tuple(a_shape[:-1]) + (b_shape[-1],)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["A", "B"], ["C"], name="matmul")], "matmul",
        [helper.make_tensor_value_info("A", ONNX_TYPE[dtype], a_shape),
         helper.make_tensor_value_info("B", ONNX_TYPE[dtype], b_shape)],
        [helper.make_tensor_value_info("C", ONNX_TYPE[dtype], out)])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def run_case(name: str, dtype: str, target: str, directory: Path) -> dict:
    a_shape, b_shape = CASES[name]
    path = directory / f"{name}-{dtype}.onnx"
    onnx.save(matmul_model(a_shape, b_shape, dtype), path)
    rng = np.random.default_rng(0)
    np_type = np.float32 if dtype == "f32" else np.float16
    inputs = {"A": rng.standard_normal(a_shape).astype(np_type), "B": rng.standard_normal(b_shape).astype(np_type)}
    want = inputs["A"].astype(np.float64) @ inputs["B"].astype(np.float64)
    row = {"case": name, "shape": f"{'x'.join(map(str, a_shape))} @ {'x'.join(map(str, b_shape))}"}
    for config, options in CONFIGS.items():
        start = time.perf_counter()
        program = api.compile(str(path), target=target, **options)
        result = program.run(inputs)
        got = np.asarray(result.outputs["C"], dtype=np.float64)
        err = float(np.abs(got - want).max() / np.abs(want).max())
        if err > TOLERANCE[dtype]:
            raise SystemExit(f"{name} {dtype} {config}: relative error {err:.2e} exceeds {TOLERANCE[dtype]:.0e}")
        ops = result.report["ops"]
        row[config] = {
            "cycles": result.cycles,
            "comm": sum(o["shift_cycles"] + o["sync_cycles"] for o in ops),
            "plan": "; ".join(o["plan"] for o in ops if o["plan"]),
            "error": err,
            "seconds": time.perf_counter() - start,
        }
    return row


def print_table(rows: list[dict], dtype: str, target: str) -> None:
    print(f"\n{target}, {dtype}: simulated cycles (comm = shift + sync cycles not hidden behind compute)")
    head = (f"{'case':<9} {'shape':<26} {'oblivious':>10} {'comm':>7} {'aware+rm':>10} {'aware':>10} {'comm':>7}"
            f" {'ratio':>6}  {'max rel err':>11}  plan (aware)")
    print(head)
    print("-" * len(head))
    for r in rows:
        o, m, a = r["oblivious"], r["aware+row-major"], r["aware"]
        err = max(o["error"], m["error"], a["error"])
        print(f"{r['case']:<9} {r['shape']:<26} {o['cycles']:>10.0f} {o['comm']:>7.0f} {m['cycles']:>10.0f}"
              f" {a['cycles']:>10.0f} {a['comm']:>7.0f} {o['cycles'] / a['cycles']:>6.3f}  {err:>11.1e}  {a['plan']}")
    total_o = sum(r["oblivious"]["cycles"] for r in rows)
    total_a = sum(r["aware"]["cycles"] for r in rows)
    print(f"{'total':<36} {total_o:>10.0f} {'':>7} {sum(r['aware+row-major']['cycles'] for r in rows):>10.0f}"
          f" {total_a:>10.0f} {'':>7} {total_o / total_a:>6.3f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--target", default="wse-like")
    p.add_argument("--dtype", nargs="+", default=["f32", "f16"], choices=sorted(ONNX_TYPE))
    p.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for dtype in args.dtype:
            rows = [run_case(name, dtype, args.target, Path(tmp)) for name in args.cases]
            print_table(rows, dtype, args.target)


if __name__ == "__main__":
    main()
