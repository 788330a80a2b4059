"""Whole models through `tilefabric.api` against onnxruntime: a 4-layer MLP, one BERT
encoder layer (attention with head reshapes and transposes, softmax, LayerNormalization in
both the opset-17 and the decomposed spelling, erf GELU) and a small CNN (strided, padded,
grouped/depthwise and dilated convolutions, batch-norm, max/average/global pooling), at
sizes that keep this file fast.
"""

from __future__ import annotations

import math

import numpy as np
import onnxruntime as ort
import pytest
from xdsl.dialects.linalg.ops import GenericOp
from xdsl.dialects.tensor import CollapseShapeOp, ExpandShapeOp

import tilefabric
from tilefabric.api import load
from tilefabric.examples import onnx_models as models
from tilefabric.passes.fold_copies import FoldCopies, copy_source
from tilefabric.frontend import make_context
from tilefabric.runtime_sim.body_eval import erf

SMALL_BERT = dict(batch=2, seq=16, hidden=64, heads=4, ffn=128)
CASES = {
    "mlp4": lambda: models.mlp4(batch=32, width=64),
    "bert_layernorm": lambda: models.bert_layer(**SMALL_BERT),
    "bert_decomposed": lambda: models.bert_layer(**SMALL_BERT, decomposed_layernorm=True),
    "small_cnn": lambda: models.small_cnn(batch=2, size=20),
}
# one per ONNX MatMul / Conv / Gemm (a depthwise conv is a contraction with channels as batch)
CONTRACTIONS = {"mlp4": 4, "bert_layernorm": 8, "bert_decomposed": 8, "small_cnn": 5}


def onnxruntime_outputs(proto, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(names, inputs)))


def max_rel_err(actual: np.ndarray, expected: np.ndarray) -> float:
    expected = expected.astype(np.float64)
    return float(np.abs(actual.astype(np.float64) - expected).max() / np.abs(expected).max())


@pytest.fixture(scope="module", params=sorted(CASES))
def run(request) -> dict:
    """Compile, simulate and check one model once; the tests below read the outcome."""
    proto = CASES[request.param]()
    program = tilefabric.compile(proto, target="ipu-mk2")
    result = program.run(seed=3)
    return dict(name=request.param, proto=proto, program=program, result=result, check=program.check(result))


def test_outputs_match_onnxruntime(run: dict) -> None:
    result = run["result"]
    reference = onnxruntime_outputs(run["proto"], result.inputs)
    assert set(result.outputs) == set(reference)
    for name, expected in reference.items():
        assert result.outputs[name].shape == expected.shape
        assert max_rel_err(result.outputs[name], expected) < 1e-4, name


def test_tool_check_passes(run: dict) -> None:
    assert run["check"].passed, run["check"].to_dict()


def test_every_matmul_is_a_contraction(run: dict) -> None:
    """Batched 4-D attention matmuls and 3-D x 2-D projections are planned as contractions."""
    kinds = [op["kind"] for op in run["result"].report["ops"]]
    assert kinds.count("contraction") == CONTRACTIONS[run["name"]], kinds


def test_bert_has_no_reshapes_and_weights_are_split_by_head() -> None:
    proto = models.bert_layer(**SMALL_BERT)
    imported = load(proto).imported
    ops = list(imported.module.walk())
    assert not [op for op in ops if isinstance(op, (ExpandShapeOp, CollapseShapeOp)) and not _unit_only(op)]
    hidden, heads = SMALL_BERT["hidden"], SMALL_BERT["heads"]
    original = {t.name: t for t in proto.graph.initializer}
    query_w = np.frombuffer(original["query_W"].raw_data, dtype=np.float32).reshape(hidden, hidden)
    assert imported.weights["query_W"].shape == (hidden, heads, hidden // heads)
    np.testing.assert_array_equal(imported.weights["query_W"], query_w.reshape(hidden, heads, hidden // heads))
    assert imported.weights["attn_out_W"].shape == (heads, hidden // heads, hidden)


def _unit_only(op) -> bool:
    """Unit-dim reshapes are fold-unit-reshapes' business, later in the pipeline."""
    return sorted(d for d in op.result.type.get_shape() if d != 1) == sorted(d for d in op.src.type.get_shape() if d != 1)


def test_fold_copies_keeps_bert_numerics() -> None:
    """Transposes and weight broadcasts folded into their consumers: same numbers, fewer ops."""
    proto = models.bert_layer(**SMALL_BERT, decomposed_layernorm=True)
    loaded = load(proto)
    module = loaded.imported.module
    copies = sum(1 for op in module.walk() if isinstance(op, GenericOp) and copy_source(op) is not None)
    FoldCopies().apply(make_context(), module)
    left = sum(1 for op in module.walk() if isinstance(op, GenericOp) and copy_source(op) is not None)
    assert copies >= 10 and left == 0, (copies, left)  # 4 transposes, 6 weight broadcasts, mean broadcasts
    program = tilefabric.api.compile_loaded(loaded, "ipu-mk2")
    result = program.run(seed=5)
    reference = onnxruntime_outputs(proto, result.inputs)
    assert max_rel_err(result.outputs["y"], reference["y"]) < 1e-4


def test_erf_matches_math_erf() -> None:
    x = np.linspace(-6.0, 6.0, 20001)
    expected = np.array([math.erf(v) for v in x])
    assert np.abs(erf(x) - expected).max() < 2e-7
    assert erf(x.astype(np.float32)).dtype == np.float32
