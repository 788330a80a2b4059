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


def mlp4(batch=256, width=1024, depth=4, seed=0) -> onnx.ModelProto:
    """`depth` × (MatMul + Add bias + Relu), the last layer without Relu."""
    rng = np.random.default_rng(seed)
    inits, nodes, h = [], [], "x"
    for i in range(1, depth + 1):
        inits += [_weight(rng, f"W{i}", (width, width)), _weight(rng, f"b{i}", (width,), 0.1)]
        nodes.append(helper.make_node("MatMul", [h, f"W{i}"], [f"mm{i}"], name=f"fc{i}"))
        out = "y" if i == depth else f"z{i}"
        last = i == depth
        nodes.append(helper.make_node("Add", [f"mm{i}", f"b{i}"], [out if last else f"a{i}"], name=f"bias{i}"))
        if not last:
            nodes.append(helper.make_node("Relu", [f"a{i}"], [out], name=f"relu{i}"))
        h = out
    return _model("mlp4", nodes, [_value("x", (batch, width))], [_value("y", (batch, width))], inits)


def _scalar(name: str, value: float):
    return numpy_helper.from_array(np.array(value, dtype=np.float32), name)


def _ints(name: str, values) -> onnx.TensorProto:
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


def _layernorm(prefix: str, x: str, out: str, decomposed: bool) -> list:
    """LayerNormalization over the last axis, or its spelling by pre-opset-17 exporters."""
    gamma, beta = f"{prefix}_gamma", f"{prefix}_beta"
    if not decomposed:
        return [helper.make_node("LayerNormalization", [x, gamma, beta], [out], name=prefix,
                                 axis=-1, epsilon=1e-12)]
    n = lambda op, ins, o, **kw: helper.make_node(op, ins, [f"{prefix}_{o}"], name=f"{prefix}_{o}", **kw)  # noqa: E731
    p = lambda o: f"{prefix}_{o}"  # noqa: E731
    return [
        n("ReduceMean", [x], "mean", axes=[-1]),
        n("Sub", [x, p("mean")], "centered"),
        n("Pow", [p("centered"), "two"], "square"),
        n("ReduceMean", [p("square")], "var", axes=[-1]),
        n("Add", [p("var"), "ln_eps"], "var_eps"),
        n("Sqrt", [p("var_eps")], "std"),
        n("Div", [p("centered"), p("std")], "normed"),
        n("Mul", [p("normed"), gamma], "scaled"),
        helper.make_node("Add", [p("scaled"), beta], [out], name=f"{prefix}_shifted"),
    ]


def _linear(name: str, x: str, out: str) -> list:
    """MatMul + Add bias, as Hugging Face exports nn.Linear."""
    return [helper.make_node("MatMul", [x, f"{name}_W"], [f"{name}_mm"], name=name),
            helper.make_node("Add", [f"{name}_mm", f"{name}_b"], [out], name=f"{name}_bias")]


def _attention(batch: int, seq: int, hidden: int, heads: int) -> list:
    """Self-attention of hidden states `x` with additive mask `mask`, output `attn_out`."""
    mk = helper.make_node
    nodes = _linear("query", "x", "q") + _linear("key", "x", "k") + _linear("value", "x", "v")
    nodes += [
        mk("Reshape", ["q", "heads_shape"], ["q4"], name="query_reshape"),
        mk("Transpose", ["q4"], ["qt"], name="query_transpose", perm=[0, 2, 1, 3]),
        mk("Reshape", ["k", "heads_shape"], ["k4"], name="key_reshape"),
        mk("Transpose", ["k4"], ["kt"], name="key_transpose", perm=[0, 2, 3, 1]),
        mk("Reshape", ["v", "heads_shape"], ["v4"], name="value_reshape"),
        mk("Transpose", ["v4"], ["vt"], name="value_transpose", perm=[0, 2, 1, 3]),
        mk("MatMul", ["qt", "kt"], ["scores"], name="scores"),
        mk("Div", ["scores", "sqrt_head_dim"], ["scaled"], name="scale"),
        mk("Add", ["scaled", "mask"], ["masked"], name="mask_add"),
        mk("Softmax", ["masked"], ["probs"], name="softmax", axis=-1),
        mk("MatMul", ["probs", "vt"], ["context"], name="context"),
        mk("Transpose", ["context"], ["context_t"], name="context_transpose", perm=[0, 2, 1, 3]),
        mk("Reshape", ["context_t", "hidden_shape"], ["context_2"], name="context_reshape"),
    ]
    return nodes + _linear("attn_out", "context_2", "attn_proj")


def _gelu(x: str, out: str) -> list:
    """x * 0.5 * (1 + erf(x / sqrt(2))), the exact GELU as exported from PyTorch."""
    mk = helper.make_node
    return [mk("Div", [x, "sqrt_two"], ["gelu_div"], name="gelu_div"),
            mk("Erf", ["gelu_div"], ["gelu_erf"], name="gelu_erf"),
            mk("Add", ["gelu_erf", "one"], ["gelu_add"], name="gelu_add"),
            mk("Mul", [x, "gelu_add"], ["gelu_mul"], name="gelu_mul"),
            mk("Mul", ["gelu_mul", "half"], [out], name="gelu_half")]


def _bert_weights(rng: np.random.Generator, hidden: int, ffn: int) -> list:
    inits = []
    for name, (k, n) in (("query", (hidden, hidden)), ("key", (hidden, hidden)), ("value", (hidden, hidden)),
                         ("attn_out", (hidden, hidden)), ("ffn_in", (hidden, ffn)), ("ffn_out", (ffn, hidden))):
        inits += [_weight(rng, f"{name}_W", (k, n)), _weight(rng, f"{name}_b", (n,), 0.1)]
    for ln in ("ln1", "ln2"):
        inits.append(numpy_helper.from_array((1.0 + 0.1 * rng.standard_normal(hidden)).astype(np.float32), f"{ln}_gamma"))
        inits.append(_weight(rng, f"{ln}_beta", (hidden,), 0.1))
    return inits


def bert_layer(batch=8, seq=128, hidden=768, heads=12, ffn=3072, decomposed_layernorm=False,
               seed=0) -> onnx.ModelProto:
    """One BERT encoder layer as Hugging Face exports it: inputs `x` (batch, seq, hidden) and
    the additive attention mask `mask` (batch, 1, 1, seq); output `y` (batch, seq, hidden).

    `decomposed_layernorm` spells LayerNormalization as ReduceMean/Sub/Pow/.../Add, as
    exporters targeting opsets before 17 do.
    """
    if hidden % heads:
        raise ValueError(f"hidden={hidden} is not a multiple of heads={heads}")
    head_dim = hidden // heads
    rng = np.random.default_rng(seed)
    inits = _bert_weights(rng, hidden, ffn) + [
        _ints("heads_shape", (batch, seq, heads, head_dim)), _ints("hidden_shape", (batch, seq, hidden)),
        _scalar("sqrt_head_dim", float(np.sqrt(head_dim))), _scalar("sqrt_two", float(np.sqrt(2.0))),
        _scalar("one", 1.0), _scalar("half", 0.5)]
    if decomposed_layernorm:
        inits += [_scalar("two", 2.0), _scalar("ln_eps", 1e-12)]
    nodes = _attention(batch, seq, hidden, heads)
    nodes.append(helper.make_node("Add", ["attn_proj", "x"], ["res1"], name="residual1"))
    nodes += _layernorm("ln1", "res1", "h1", decomposed_layernorm)
    nodes += _linear("ffn_in", "h1", "f1") + _gelu("f1", "f1_act") + _linear("ffn_out", "f1_act", "f2")
    nodes.append(helper.make_node("Add", ["f2", "h1"], ["res2"], name="residual2"))
    nodes += _layernorm("ln2", "res2", "y", decomposed_layernorm)
    return _model("bert_layer", nodes, [_value("x", (batch, seq, hidden)), _value("mask", (batch, 1, 1, seq))],
                  [_value("y", (batch, seq, hidden))], inits)


def small_cnn(batch=1, size=32, width=8, classes=10, seed=0) -> onnx.ModelProto:
    """A MobileNet/ResNet-flavoured CNN: strided padded conv + batch-norm + ReLU, padded max
    pool, a depthwise-separable block (grouped 3x3 + pointwise 1x1), a dilated conv with a
    residual add, average pool, global average pool, Flatten and Gemm."""
    rng = np.random.default_rng(seed)
    c = width
    stats = [numpy_helper.from_array((np.abs(rng.standard_normal(c)) + 0.5).astype(np.float32), "bn_var")]
    inits = [_weight(rng, "w_stem", (c, 3, 3, 3), 0.3), _weight(rng, "b_stem", (c,), 0.1),
             _weight(rng, "bn_scale", (c,), 0.3), _weight(rng, "bn_bias", (c,), 0.1),
             _weight(rng, "bn_mean", (c,), 0.1), *stats,
             _weight(rng, "w_dw", (c, 1, 3, 3), 0.3), _weight(rng, "w_pw", (2 * c, c, 1, 1), 0.3),
             _weight(rng, "w_dil", (2 * c, 2 * c, 3, 3), 0.1),
             _weight(rng, "w_fc", (classes, 2 * c), 0.3), _weight(rng, "b_fc", (classes,), 0.1)]
    nodes = [
        helper.make_node("Conv", ["x", "w_stem", "b_stem"], ["stem"], name="stem", strides=[2, 2], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["stem", "bn_scale", "bn_bias", "bn_mean", "bn_var"], ["bn"], name="bn"),
        helper.make_node("Relu", ["bn"], ["act"], name="relu"),
        helper.make_node("MaxPool", ["act"], ["pool"], name="maxpool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
        helper.make_node("Conv", ["pool", "w_dw"], ["dw"], name="depthwise", group=c, pads=[1, 1, 1, 1]),
        helper.make_node("Conv", ["dw", "w_pw"], ["pw"], name="pointwise"),
        helper.make_node("Relu", ["pw"], ["pw_act"], name="relu2"),
        helper.make_node("Conv", ["pw_act", "w_dil"], ["dil"], name="dilated", dilations=[2, 2], pads=[2, 2, 2, 2]),
        helper.make_node("Add", ["dil", "pw_act"], ["res"], name="residual"),
        helper.make_node("AveragePool", ["res"], ["avg"], name="avgpool", kernel_shape=[2, 2], strides=[1, 1]),
        helper.make_node("GlobalAveragePool", ["avg"], ["gap"], name="gap"),
        helper.make_node("Flatten", ["gap"], ["flat"], name="flatten"),
        helper.make_node("Gemm", ["flat", "w_fc", "b_fc"], ["logits"], name="classifier", transB=1),
    ]
    out = size // 4 - 1
    assert out >= 1, "size too small for the stem, the pool and the 2x2 average pool"
    return _model("small_cnn", nodes, [_value("x", (batch, 3, size, size))],
                  [_value("logits", (batch, classes))], inits)


def save(model: onnx.ModelProto, path: str | Path) -> Path:
    """Write `model` to `path` (parents created) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    return path
