"""The per-op search against T10's published best plans, and a forced compute-shift
(rotating) plan simulated and checked against numpy."""

from __future__ import annotations

import numpy as np
from xdsl.dialects import func
from xdsl.parser import Parser
from xdsl.passes import PassPipeline

from tilefabric.frontend import make_context
from tilefabric.planner.op_space import OpSpace
from tilefabric.planner.search import search
from tilefabric.runtime_sim import simulate
from tilefabric.target import resolve_target
from tilefabric.universe import UNIVERSE

T10_BEST_1024 = 27118  # t10.md: best plan T10's search finds for 1024^3 fp16


def matmul_space(m, k, n, elem_bytes=2):
    # loop dims (m, n, k) as torch-mlir emits them: A[m,k], B[k,n], C[m,n]
    return OpSpace("mm", (m, n, k), ((0, 2), (2, 1), (0, 1)), 2, (2,), "contraction", "add", elem_bytes,
                   (elem_bytes, elem_bytes, elem_bytes), (), (0,), (1,), (2,))


def test_1024_cube_within_t10_bound_and_above_roofline():
    t = resolve_target("ipu-mk2")
    plan = search(matmul_space(1024, 1024, 1024), t, t.scratchpad_bytes)
    roofline = 2 * 1024**3 / (t.cores * t.matmul.peak_flops_per_cycle("f16"))
    assert plan.predicted_cycles <= 1.5 * T10_BEST_1024
    assert plan.compute_cycles >= roofline


def test_memory_budget_forces_rotation_and_is_respected():
    t = resolve_target("ipu-mk2")
    free = search(matmul_space(128, 5120, 15360), t, t.scratchpad_bytes)
    tight = search(matmul_space(128, 5120, 15360), t, free.hot_bytes * 0.6)
    assert tight.hot_bytes <= free.hot_bytes * 0.6
    assert tight.rotation  # only a temporal split fits
    assert tight.predicted_cycles >= free.predicted_cycles


MATMUL = """
func.func @main(%a: tensor<{m}x{k}xf32>, %b: tensor<{k}x{n}xf32>) -> tensor<{m}x{n}xf32> {{
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<{m}x{n}xf32>
  %z = linalg.generic {{indexing_maps = [affine_map<(d0, d1) -> ()>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}} ins(%cst : f32) outs(%e : tensor<{m}x{n}xf32>) {{
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }} -> tensor<{m}x{n}xf32>
  %c = linalg.generic {{indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]}} ins(%a, %b : tensor<{m}x{k}xf32>, tensor<{k}x{n}xf32>) outs(%z : tensor<{m}x{n}xf32>) {{
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }} -> tensor<{m}x{n}xf32>
  func.return %c : tensor<{m}x{n}xf32>
}}
"""


def _lower(text: str, fraction: float):
    ctx = make_context()
    module = Parser(ctx, text).parse_module()
    passes = {name: factory for name, factory in UNIVERSE.all_passes.items()}
    spec = f'linalg-to-rtensor{{target="ipu-mk2" memory_fraction={fraction}}},rtensor-to-dataflow'
    PassPipeline.parse_spec(passes, spec).apply(ctx, module)
    module.verify()
    return module


def test_rotating_plan_numerics_match_numpy():
    m, k, n = 96, 1000, 1500  # k and n do not divide the core count
    text = MATMUL.format(m=m, k=k, n=n)
    t = resolve_target("ipu-mk2")
    free = search(matmul_space(m, k, n, 4), t, t.scratchpad_bytes)
    fraction = free.hot_bytes * 0.6 / t.scratchpad_bytes  # below the best plan's need
    roomy = _lower(text, 1.0)
    tight = _lower(text, fraction)
    assert "dataflow.shift" in str(tight) and "dataflow.repeat" in str(tight)
    rng = np.random.default_rng(1)
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((k, n)).astype(np.float32)
    ref = a.astype(np.float64) @ b
    for module in (roomy, tight):
        fn = next(op for op in module.ops if isinstance(op, func.FuncOp))
        res = simulate(module, t, {"arg0": a, "arg1": b})
        out = res.outputs["result0"]
        assert np.abs(out - ref).max() / np.abs(ref).max() < 1e-5, str(fn.sym_name)
    assert simulate(tight, t, {"arg0": a, "arg1": b}).peak_scratchpad_bytes < simulate(roomy, t, {"arg0": a, "arg1": b}).peak_scratchpad_bytes
