"""Fuzzing: random small ONNX graphs (tests/fuzz_graphs.py) on random small chips must either be
refused with one clear line (a TileFabricError at compile time) or simulate, in strict mode, to
the numbers onnxruntime computes (relative error <= 1e-4, fp32).

CI runs a fixed set of examples (derandomized, `CI_EXAMPLES`). A longer, random run:
    TILEFABRIC_FUZZ_EXAMPLES=2000 .venv/bin/pytest -q tests/test_fuzz.py -k hypothesis \
        --hypothesis-show-statistics
A failure prints its recipe and target as literals: add them to `REGRESSIONS`; a compiler bug
not fixed yet gets a strict xfail there and a `KnownBug`, which the property test counts
instead of failing on (docs/reliability.md).
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis.control import currently_in_test_context
from hypothesis import strategies as st

import tilefabric
from tests.fuzz_graphs import (MAX_ELEMENTS, TargetSpec, build_model, describe, recipe_shapes, recipes,
                               target_toml, targets)
from tilefabric.errors import TileFabricError

TOLERANCE = 1e-4
CI_EXAMPLES = 60
LONG_RUN = int(os.environ.get("TILEFABRIC_FUZZ_EXAMPLES", "0") or 0)

# Refusals that are bugs, not answers: the compiler's own consistency checks failing.
INTERNAL = re.compile(r"\binternal\b", re.IGNORECASE)
# The planner's and the whole-model reconciliation's "out of scratchpad" refusals.
NO_ROOM = re.compile(r"does not fit|B per core .* available")


def onnxruntime_outputs(model, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    options = ort.SessionOptions()
    options.log_severity_level = 3
    # the reference computes the graph as written: onnxruntime 1.31's MatMul-scale fusion
    # drops a scaled value that other nodes still read ("Node input 'v0' is not a graph input")
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(model.SerializeToString(), sess_options=options,
                                   providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(names, {i.name: inputs[i.name] for i in session.get_inputs()})))


def relative_error(actual: np.ndarray, expected: np.ndarray) -> float:
    """max |a - b| over max |b|: rounding noise on near-zero elements does not count."""
    a, b = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    if not np.isfinite(a).all():
        return math.inf
    return float(np.abs(a - b).max() / max(float(np.abs(b).max()), 1e-30)) if b.size else 0.0


def one_core_bytes(model) -> int:
    """A generous bound on what the whole model needs on one core: every value, weight and
    input of the graph, three times over (softmax temporaries, padded copies). A chip whose
    every core holds this cannot honestly answer "does not fit"."""
    inferred = onnx.shape_inference.infer_shapes(model).graph
    values = list(inferred.input) + list(inferred.value_info) + list(inferred.output)
    elements = sum(math.prod(d.dim_value for d in v.type.tensor_type.shape.dim) for v in values)
    elements += sum(math.prod(t.dims) for t in model.graph.initializer)
    return 4 * 3 * elements


def note(what: str) -> None:
    """Count an outcome in hypothesis's statistics (outside a hypothesis test: nothing)."""
    if currently_in_test_context():
        event(what)


def check_case(recipe: dict, spec: TargetSpec, strategy: str = "t10", reconcile: str = "milp",
               seed: int = 0) -> str:
    """Compile, simulate strictly and compare; returns 'refused' or 'ran', raises on a bug."""
    model = build_model(recipe)
    with tempfile.TemporaryDirectory(prefix="tilefabric-fuzz-") as tmp:
        chip = Path(tmp) / "chip.toml"
        chip.write_text(target_toml(spec))
        try:
            program = tilefabric.compile(model, target=chip, strategy=strategy, reconcile=reconcile)
        except TileFabricError as exc:
            message = str(exc)
            assert message.strip() and "\n" not in message, f"refusal is not one line: {message!r}"
            assert not INTERNAL.search(message), f"internal check failed:\n{message}\n{describe(recipe)}"
            if NO_ROOM.search(message):
                assert one_core_bytes(model) > spec.scratchpad_bytes * 0.9, \
                    f"refused although one core could hold the model:\n{message}\n{describe(recipe)}"
            note(f"refused: {re.sub(r'[0-9]+', 'N', message.split(': ', 1)[-1])[:80]}")
            return "refused"
    result = program.run(seed=seed, strict=True)  # any exception here is a bug
    reference = onnxruntime_outputs(model, result.inputs)
    assert sorted(result.outputs) == sorted(reference)
    for name, expected in reference.items():
        actual = result.outputs[name]
        assert actual.shape == expected.shape, f"{name}: shape {actual.shape} != {expected.shape}"
        err = relative_error(actual, expected)
        assert err <= TOLERANCE, f"{name}: relative error {err:.3e} > {TOLERANCE}\n{describe(recipe)}"
    note("ran and matched onnxruntime")
    return "ran"


# --- the property --------------------------------------------------------------------------
FUZZ_SETTINGS = settings(
    max_examples=LONG_RUN or CI_EXAMPLES,
    derandomize=not LONG_RUN,  # CI: the same examples every run; a long run explores
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass(frozen=True)
class KnownBug:
    """A compiler bug the fuzzer found and `REGRESSIONS` pins: the property test counts an
    example that fails this way (hypothesis statistics: "known bug: ...") instead of failing, so
    CI stays green and a long run still stops on anything new."""

    name: str
    error: type
    message: str  # regex searched in str(exception)
    strategy: str | None = None  # only under this planning strategy

    def matches(self, exc: BaseException, strategy: str) -> bool:
        return (isinstance(exc, self.error) and re.search(self.message, str(exc)) is not None
                and self.strategy in (None, strategy))


KNOWN_BUGS = (
)


@FUZZ_SETTINGS
@given(recipe=recipes(), spec=targets(), strategy=st.sampled_from(["t10", "t10", "t10", "vgm"]),
       reconcile=st.sampled_from(["milp", "greedy"]), seed=st.integers(0, 1000))
def test_hypothesis_graphs_refused_or_match_onnxruntime(recipe, spec, strategy, reconcile, seed) -> None:
    try:
        check_case(recipe, spec, strategy, reconcile, seed)
    except Exception as exc:
        bug = next((b for b in KNOWN_BUGS if b.matches(exc, strategy)), None)
        if bug is None:
            raise
        note(f"known bug: {bug.name}")


# --- stored cases --------------------------------------------------------------------------
def known(bug: str, error: type, why: str):
    """A stored case that fails until `bug` is fixed (then the strict xfail turns red: drop the
    mark and the KNOWN_BUGS entry)."""
    assert any(b.name == bug for b in KNOWN_BUGS), bug
    return pytest.mark.xfail(strict=True, raises=error, reason=f"{bug}: {why}")


REGRESSIONS = [
    # Bugs the fuzzer found (minimal reproducers; each fails the same way with the CLI on ipu-mk2).
    pytest.param({"inputs": [[3, 2]], "steps": [("ReduceSum", 0, (0, 1), False)], "seed": 0},
                 TargetSpec(cores=4), "t10", "milp", 0, id="rank0-output"),  # fixed: boxes.py rank-0 blocks
    pytest.param({"inputs": [[3, 3]], "steps": [("MatMul", 0, 1, "weight"), ("Reshape", 1, (3,), None)], "seed": 0},
                 TargetSpec(cores=4), "t10", "milp", 0, id="matmul-n1-reshaped"),  # fixed: kernel.classify
    pytest.param({"inputs": [[13]], "steps": [("Softmax", 0, 0)], "seed": 0},
                 TargetSpec(cores=4), "t10", "milp", 0, id="softmax-rank1"),  # fixed: frontend/rank0_reshapes.py
    pytest.param({"inputs": [[2, 6, 9, 3]], "steps": [("Conv", 0, 18, 1, 1, 0, 1, 6, True)], "seed": 0},
                 TargetSpec(cores=5, scratchpad_bytes=2048), "vgm", "milp", 0, id="vgm-grouped-conv-overflow"),  # refused: lowering/scratchpad_check.py
    pytest.param({"inputs": [[4, 63]], "steps": [("Reshape", 0, (14, 18), None), ("Relu", 1), ("Relu", 0)], "seed": 0},
                 TargetSpec(cores=4, scratchpad_bytes=768), "vgm", "milp", 0, id="vgm-two-readers-overflow"),  # refused: lowering/scratchpad_check.py
    pytest.param({"inputs": [[6, 8, 8]], "steps": [("Transpose", 0, (2, 1, 0)), ("MatMul", 1, 37, "weight"),
                                                   ("Relu", 0), ("MatMul", 3, 31, "weight")], "seed": 0},
                 TargetSpec(cores=38, scratchpad_bytes=768), "t10", "milp", 0, id="t10-two-matmuls-overflow"),  # refused: lowering/scratchpad_check.py
    pytest.param({"inputs": [[7, 24, 11]], "steps": [("Reshape", 0, (56, 33), None)], "seed": 0},
                 TargetSpec(cores=16, scratchpad_bytes=768), "t10", "milp", 0, id="output-reshape-overflow"),  # refused: lowering/scratchpad_check.py
    # Examples that once failed because of the harness, kept so they stay fixed.
    pytest.param({"inputs": [[1, 17, 13]], "steps": [("Mul", 0, ("weight", (1,))), ("MatMul", 1, 17, "weight"),
                                                     ("Mul", 1, ("weight", (1,))), ("MatMul", 3, 1, "weight"),
                                                     ("MatMul", 1, 1, "weight")], "seed": 0},
                 TargetSpec(cores=4, unit="amp"), "t10", "milp", 2, id="ort-matmul-scale-fusion"),
]


@pytest.mark.parametrize("recipe,spec,strategy,reconcile,seed", REGRESSIONS)
def test_regression(recipe, spec, strategy, reconcile, seed) -> None:
    check_case(recipe, spec, strategy, reconcile, seed)


def test_softmax_over_the_first_axis_runs() -> None:
    """Softmax(axis=0) is an ordinary graph: a refusal is a regression, not an answer."""
    recipe = {"inputs": [[5, 7]], "steps": [("Softmax", 0, 0)], "seed": 0}
    assert check_case(recipe, TargetSpec(cores=16)) == "ran"


def test_generator_covers_every_op() -> None:
    """The recipe strategy reaches every op it claims, builds graphs the ONNX checker accepts and
    keeps tensors small (else the fuzz silently tests less, or slowly)."""
    seen: set[str] = set()

    @settings(max_examples=300, derandomize=True, database=None, deadline=None, phases=[Phase.generate])
    @given(recipes())
    def collect(recipe) -> None:
        build_model(recipe)
        assert all(math.prod(s) <= MAX_ELEMENTS for s in recipe_shapes(recipe))
        seen.update(step[0] for step in recipe["steps"])

    collect()
    assert seen == {"MatMul", "Gemm", "Add", "Mul", "Relu", "Softmax", "Transpose", "Reshape", "ReduceSum", "Conv"}


# --- focused tests of the fixes ------------------------------------------------------------
def test_scalar_boxes_read_and_write() -> None:
    """A rank-0 tensor: every core's box is the whole scalar (rank0-output)."""
    from tilefabric.runtime_sim.boxes import read_boxes, write_boxes
    offsets = np.zeros((4, 0), dtype=np.int64)
    blocks = read_boxes(np.array(2.5, np.float32), offsets, ())
    assert blocks.shape == (4,) and (blocks == 2.5).all()
    out = write_boxes((), np.float32, np.full(4, 7.0, np.float32), offsets)
    assert out.shape == () and out == 7.0


def test_contraction_needs_every_dim_classified() -> None:
    """x[m,k] @ w[k,1] written to [m]: the n = 1 dim only the weight reads is no matmul dim, so
    the op is a general reduction, not a contraction the simulator's batched matmul mis-arranges
    (matmul-n1-reshaped); an ordinary matmul stays a contraction."""
    from xdsl.dialects.builtin import AffineMapAttr
    from xdsl.ir.affine import AffineMap
    from tilefabric.analysis.kernel import classify
    from tilefabric.frontend.mlir_input import parse_module
    text = """
    func.func @main(%a: tensor<3x3xf32>, %b: tensor<3x1xf32>, %c: tensor<3xf32>) -> tensor<3xf32> {
      %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>,
                                            affine_map<(d0, d1, d2) -> (d0)>],
                           iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%a, %b : tensor<3x3xf32>, tensor<3x1xf32>) outs(%c : tensor<3xf32>) {
      ^bb0(%x: f32, %y: f32, %z: f32):
        %1 = arith.mulf %x, %y : f32
        %2 = arith.addf %z, %1 : f32
        linalg.yield %2 : f32
      } -> tensor<3xf32>
      func.return %0 : tensor<3xf32>
    }"""
    module = parse_module(text, "t.mlir")
    op = next(o for o in module.walk() if o.name == "linalg.generic")
    maps = [m.data for m in op.indexing_maps.data]
    iterators = ["parallel", "parallel", "reduction"]
    assert classify(maps, iterators, op.body.block, 2).kind == "reduction"
    matmul = [AffineMap.from_callable(f) for f in (lambda i, j, k: (i, k), lambda i, j, k: (k, j), lambda i, j, k: (i, j))]
    assert classify(matmul, iterators, op.body.block, 2).kind == "contraction"


def test_rank0_reshape_nothing_absorbs_is_refused_in_one_line() -> None:
    """A rank-0 expand_shape that no generic reads is refused, not an 'internal' error."""
    from tilefabric.frontend.mlir_input import parse_module
    from tilefabric.frontend.rank0_reshapes import fold_rank0_reshapes
    text = """
    func.func @main(%a: tensor<f32>) -> tensor<1xf32> {
      %0 = tensor.expand_shape %a [] output_shape [1] : tensor<f32> into tensor<1xf32>
      func.return %0 : tensor<1xf32>
    }"""
    module = parse_module(text, "t.mlir", verify=False)
    with pytest.raises(TileFabricError, match=r"^t.mlir: unsupported: a tensor.expand_shape between a scalar") as info:
        fold_rank0_reshapes(module, "t.mlir")
    assert not INTERNAL.search(str(info.value))


def test_plan_overflowing_the_scratchpad_is_refused_at_compile_time() -> None:
    """What the planner does not count (here: the re-layouts of an output that only reshapes an
    input) is checked on the dataflow program with the simulator's accounting: the compile
    refuses with the planner's "does not fit" line instead of the simulator overflowing."""
    recipe = {"inputs": [[7, 24, 11]], "steps": [("Reshape", 0, (56, 33), None)], "seed": 0}
    model = build_model(recipe)
    with tempfile.TemporaryDirectory(prefix="tilefabric-fuzz-") as tmp:
        chip = Path(tmp) / "chip.toml"
        chip.write_text(target_toml(TargetSpec(cores=16, scratchpad_bytes=768)))
        with pytest.raises(TileFabricError, match=r"does not fit on 'fuzz-chip': op 'output' needs 992 bytes on core 0"):
            tilefabric.compile(model, target=chip)
