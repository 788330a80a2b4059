"""Small ONNX models built with `onnx.helper` (no torch), so tests and demos need no exporter.

Every builder returns an opset-17 `onnx.ModelProto` with named nodes; weights are drawn
from a seeded generator so a given call always yields the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
DTYPES = {"f16": TensorProto.FLOAT16, "f32": TensorProto.FLOAT, "f64": TensorProto.DOUBLE,
          "bf16": TensorProto.BFLOAT16}


def _elem(dtype: str) -> int:
    if dtype not in DTYPES:
        raise ValueError(f"unknown dtype {dtype!r}; expected one of {sorted(DTYPES)}")
    return DTYPES[dtype]


def _model(name: str, nodes, inputs, outputs, initializers=()) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="tilefabric.examples")
    model.ir_version = 8  # readable by every onnxruntime we pin
    onnx.checker.check_model(model)
    return model


def _value(name: str, shape, dtype: str = "f32"):
    return helper.make_tensor_value_info(name, _elem(dtype), list(shape))


def _weight(rng: np.random.Generator, name: str, shape, scale: float | None = None):
    fan_in = shape[0] if len(shape) > 1 else 1
    scale = (1.0 / np.sqrt(fan_in)) if scale is None else scale
    data = (rng.standard_normal(shape) * scale).astype(np.float32)
    return numpy_helper.from_array(data, name)


def mlp(batch=256, d_in=1024, d_hidden=1024, d_out=1024, seed=0) -> onnx.ModelProto:
    """Two-layer perceptron: MatMul + Add(bias) + Relu + MatMul + Softmax(axis=-1)."""
    rng = np.random.default_rng(seed)
    inits = [_weight(rng, "W1", (d_in, d_hidden)), _weight(rng, "b1", (d_hidden,), 0.1),
             _weight(rng, "W2", (d_hidden, d_out))]
    nodes = [
        helper.make_node("MatMul", ["x", "W1"], ["h0"], name="fc1"),
        helper.make_node("Add", ["h0", "b1"], ["h1"], name="bias1"),
        helper.make_node("Relu", ["h1"], ["h2"], name="relu1"),
        helper.make_node("MatMul", ["h2", "W2"], ["logits"], name="fc2"),
        helper.make_node("Softmax", ["logits"], ["probs"], name="softmax", axis=-1),
    ]
    return _model("mlp", nodes, [_value("x", (batch, d_in))],
                  [_value("probs", (batch, d_out))], inits)


def matmul(m: int, k: int, n: int, dtype: str = "f32") -> onnx.ModelProto:
    """C = A @ B with both operands as graph inputs (no weights)."""
    node = helper.make_node("MatMul", ["A", "B"], ["C"], name="matmul")
    return _model("matmul", [node], [_value("A", (m, k), dtype), _value("B", (k, n), dtype)],
                  [_value("C", (m, n), dtype)])


def gemm(m: int, k: int, n: int, trans_b: bool = True, seed: int = 0) -> onnx.ModelProto:
    """Y = X @ W(^T) + b, the fully-connected layer as exporters write it."""
    rng = np.random.default_rng(seed)
    w_shape = (n, k) if trans_b else (k, n)
    inits = [_weight(rng, "W", w_shape, 1.0 / np.sqrt(k)), _weight(rng, "b", (n,), 0.1)]
    node = helper.make_node("Gemm", ["X", "W", "b"], ["Y"], name="gemm", transB=int(trans_b))
    return _model("gemm", [node], [_value("X", (m, k))], [_value("Y", (m, n))], inits)


def elementwise_chain(m: int, n: int, seed: int = 0) -> onnx.ModelProto:
    """Relu((x + bias) * y * scale): element-wise ops mixing inputs and initializers."""
    rng = np.random.default_rng(seed)
    inits = [_weight(rng, "bias", (m, n), 1.0), _weight(rng, "scale", (n,), 1.0)]
    nodes = [
        helper.make_node("Add", ["x", "bias"], ["t0"], name="add"),
        helper.make_node("Mul", ["t0", "y"], ["t1"], name="mul"),
        helper.make_node("Mul", ["t1", "scale"], ["t2"], name="mul_scale"),
        helper.make_node("Relu", ["t2"], ["out"], name="relu"),
    ]
    return _model("elementwise_chain", nodes, [_value("x", (m, n)), _value("y", (m, n))],
                  [_value("out", (m, n))], inits)


def transpose_matmul(m: int, k: int, n: int) -> onnx.ModelProto:
    """C = transpose(A) @ B with A given as (k, m)."""
    nodes = [
        helper.make_node("Transpose", ["A"], ["At"], name="transpose", perm=[1, 0]),
        helper.make_node("MatMul", ["At", "B"], ["C"], name="matmul"),
    ]
    return _model("transpose_matmul", nodes, [_value("A", (k, m)), _value("B", (k, n))],
                  [_value("C", (m, n))])


def softmax(m: int, n: int) -> onnx.ModelProto:
    """Row-wise softmax of one input."""
    node = helper.make_node("Softmax", ["x"], ["y"], name="softmax", axis=-1)
    return _model("softmax", [node], [_value("x", (m, n))], [_value("y", (m, n))])


def save(model: onnx.ModelProto, path: str | Path) -> Path:
    """Write `model` to `path` (parents created) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    return path
