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

The `ffn` case chains ffn_in and ffn_out (a re-layout between them); `--no-overlap` also runs
the preset with `overlap_compute_comm = false`, where ring shifts are not hidden by compute.

Run: .venv/bin/python -m benchmarks.placement [--target wse-like] [--dtype f32 f16] [--cases ...]
     [--no-overlap]
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
CASES = {  # name: (A shape, B shapes): A @ B1 (@ B2 ...)
    "qkv": ((TOKENS, HIDDEN), [(HIDDEN, 3 * HIDDEN)]),
    "attn_out": ((TOKENS, HIDDEN), [(HIDDEN, HIDDEN)]),
    "ffn_in": ((TOKENS, HIDDEN), [(HIDDEN, FFN)]),
    "ffn_out": ((TOKENS, FFN), [(FFN, HIDDEN)]),
    "scores": ((BATCH * HEADS, SEQ, HEAD), [(BATCH * HEADS, HEAD, SEQ)]),
    "context": ((BATCH * HEADS, SEQ, SEQ), [(BATCH * HEADS, SEQ, HEAD)]),
    "ffn": ((TOKENS, HIDDEN), [(HIDDEN, FFN), (FFN, HIDDEN)]),  # ffn_in then ffn_out: a re-layout between
}
CONFIGS = {
    "oblivious": dict(hop_aware=False, placement="row-major"),
    "aware+row-major": dict(hop_aware=True, placement="row-major"),
    "aware": dict(hop_aware=True, placement="auto"),
}
ONNX_TYPE = {"f32": TensorProto.FLOAT, "f16": TensorProto.FLOAT16}
TOLERANCE = {"f32": 1e-3, "f16": 3e-2}  # relative to the largest |output|


def matmul_model(a_shape, b_shapes, dtype: str) -> onnx.ModelProto:
    """C = A @ B0 @ B1 ..., every operand a graph input."""
    names = [f"B{i}" for i in range(len(b_shapes))]
    values = ["A"] + [f"H{i}" for i in range(len(b_shapes) - 1)] + ["C"]
    nodes = [helper.make_node("MatMul", [values[i], names[i]], [values[i + 1]], name=f"matmul{i}")
             for i in range(len(b_shapes))]
    out = tuple(a_shape[:-1]) + (b_shapes[-1][-1],)
    graph = helper.make_graph(
        nodes, "matmul",
        [helper.make_tensor_value_info("A", ONNX_TYPE[dtype], a_shape)]
        + [helper.make_tensor_value_info(n, ONNX_TYPE[dtype], b) for n, b in zip(names, b_shapes)],
        [helper.make_tensor_value_info("C", ONNX_TYPE[dtype], out)])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def no_overlap_target(name: str, directory: Path) -> str:
    """The preset `name` with overlap_compute_comm = false: every shift's time shows."""
    text = (Path(api.__file__).parent / "target" / "presets" / f"{name}.toml").read_text()
    text = text.replace(f'name = "{name}"', f'name = "{name}-no-overlap"')
    text = text.replace("overlap_compute_comm = true", "overlap_compute_comm = false")
    path = directory / f"{name}-no-overlap.toml"
    path.write_text(text)
    return str(path)


def run_case(name: str, dtype: str, target: str, directory: Path) -> dict:
    a_shape, b_shapes = CASES[name]
    path = directory / f"{name}-{dtype}.onnx"
    onnx.save(matmul_model(a_shape, b_shapes, dtype), path)
    rng = np.random.default_rng(0)
    np_type = np.float32 if dtype == "f32" else np.float16
    inputs = {"A": rng.standard_normal(a_shape).astype(np_type)}
    want = inputs["A"].astype(np.float64)
    for i, b in enumerate(b_shapes):
        inputs[f"B{i}"] = (rng.standard_normal(b) / np.sqrt(b[-2])).astype(np_type)
        want = want @ inputs[f"B{i}"].astype(np.float64)
    shape = " @ ".join("x".join(map(str, s)) for s in [a_shape, *b_shapes])
    row = {"case": name, "shape": shape}
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
    head = (f"{'case':<9} {'shape':<36} {'oblivious':>10} {'comm':>7} {'aware+rm':>10} {'aware':>10} {'comm':>7}"
            f" {'ratio':>6}  {'max rel err':>11}  plan (aware)")
    print(head)
    print("-" * len(head))
    for r in rows:
        o, m, a = r["oblivious"], r["aware+row-major"], r["aware"]
        err = max(o["error"], m["error"], a["error"])
        print(f"{r['case']:<9} {r['shape']:<36} {o['cycles']:>10.0f} {o['comm']:>7.0f} {m['cycles']:>10.0f}"
              f" {a['cycles']:>10.0f} {a['comm']:>7.0f} {o['cycles'] / a['cycles']:>6.3f}  {err:>11.1e}  {a['plan']}")
    total_o = sum(r["oblivious"]["cycles"] for r in rows)
    total_a = sum(r["aware"]["cycles"] for r in rows)
    print(f"{'total':<46} {total_o:>10.0f} {'':>7} {sum(r['aware+row-major']['cycles'] for r in rows):>10.0f}"
          f" {total_a:>10.0f} {'':>7} {total_o / total_a:>6.3f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--target", default="wse-like")
    p.add_argument("--dtype", nargs="+", default=["f32", "f16"], choices=sorted(ONNX_TYPE))
    p.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    p.add_argument("--no-overlap", action="store_true",
                   help="also run the preset with overlap_compute_comm = false (shifts not hidden by compute)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        targets = [(args.target, args.target)]
        if args.no_overlap:
            targets.append((no_overlap_target(args.target, Path(tmp)), f"{args.target} without overlap"))
        for target, title in targets:
            for dtype in args.dtype:
                rows = [run_case(name, dtype, target, Path(tmp)) for name in args.cases]
                print_table(rows, dtype, title)


if __name__ == "__main__":
    main()
