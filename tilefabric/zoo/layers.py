"""Shared pieces of the zoo builders: a small graph builder that names nodes and values the
way torch.onnx does (`/scope/Op` nodes, `/scope/Op_output_0` values, dotted parameter
names), seeded weights, and the layers every family reuses (linear, LayerNormalization,
erf GELU, multi-head attention, conv + batch-norm).

Scalars and shapes are initializers, as torch.onnx leaves them after constant folding.
"""

from __future__ import annotations

import math

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
DTYPES = {"f32": (np.float32, TensorProto.FLOAT), "f16": (np.float16, TensorProto.FLOAT16)}


class Graph:
    """Collects nodes, initializers and graph inputs/outputs; `model()` returns the proto."""

    def __init__(self, name: str, seed: int = 0, dtype: str = "f32"):
        self.name, self.rng = name, np.random.default_rng(seed)
        self.np_dtype, self.elem = DTYPES[dtype]
        self.nodes: list[onnx.NodeProto] = []
        self.inits: dict[str, onnx.TensorProto] = {}
        self.inputs: list[onnx.ValueInfoProto] = []
        self.outputs: list[onnx.ValueInfoProto] = []
        self._used: dict[str, int] = {}

    # --- graph boundary -----------------------------------------------------------------
    def input(self, name: str, shape, elem: int | None = None) -> str:
        self.inputs.append(helper.make_tensor_value_info(name, self.elem if elem is None else elem, list(shape)))
        return name

    def output(self, value: str, name: str, shape, elem: int | None = None) -> str:
        """Expose `value` as graph output `name` (renaming the producing node's output)."""
        for node in self.nodes:
            node.output[:] = [name if o == value else o for o in node.output]
            node.input[:] = [name if i == value else i for i in node.input]
        self.outputs.append(helper.make_tensor_value_info(name, self.elem if elem is None else elem, list(shape)))
        return name

    # --- nodes ----------------------------------------------------------------------------
    def op(self, op_type: str, inputs, scope: str, n_out: int = 1, **attrs):
        """Add `/scope/op_type` (suffixed _1, _2 when repeated in a scope); returns its output(s)."""
        base = f"{scope}/{op_type}"
        count = self._used.get(base, 0)
        self._used[base] = count + 1
        name = base if count == 0 else f"{base}_{count}"
        outs = [f"{name}_output_{i}" for i in range(n_out)]
        self.nodes.append(helper.make_node(op_type, list(inputs), outs, name=name, **attrs))
        return outs[0] if n_out == 1 else outs

    # --- initializers ---------------------------------------------------------------------
    def const(self, name: str, array) -> str:
        """An initializer holding `array` as given (shared by name when already present)."""
        if name not in self.inits:
            self.inits[name] = numpy_helper.from_array(np.asarray(array), name)
        return name

    def scalar(self, value: float) -> str:
        """A float scalar of the model dtype, named like torch's folded constants."""
        return self.const(f"onnx::Constant_{value!r}_{np.dtype(self.np_dtype).name}", np.array(value, self.np_dtype))

    def ints(self, values) -> str:
        values = np.asarray(values, dtype=np.int64)
        return self.const(f"onnx::Constant_{'_'.join(map(str, values.ravel())) or 'empty'}_{values.ndim}d", values)

    def weight(self, name: str, shape, fan_in: int | None = None, scale: float | None = None) -> str:
        """N(0, 1/fan_in) weights (fan_in defaults to shape[0]) so activations stay O(1)."""
        if scale is None:
            scale = 1.0 / math.sqrt(fan_in if fan_in is not None else shape[0])
        return self.const(name, (self.rng.standard_normal(shape) * scale).astype(self.np_dtype))

    def uniform(self, name: str, shape, low: float, high: float) -> str:
        return self.const(name, self.rng.uniform(low, high, shape).astype(self.np_dtype))

    def ones(self, name: str, shape) -> str:
        return self.const(name, np.ones(shape, self.np_dtype))

    def zeros(self, name: str, shape) -> str:
        return self.const(name, np.zeros(shape, self.np_dtype))

    def model(self) -> onnx.ModelProto:
        graph = helper.make_graph(self.nodes, self.name, self.inputs, self.outputs, initializer=list(self.inits.values()))
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="pytorch",
                                  producer_version="2.5.0")
        model.ir_version = 8
        return model


# --- layers ------------------------------------------------------------------------------
def linear(g: Graph, x: str, scope: str, param: str, d_in: int, d_out: int) -> str:
    """nn.Linear on a 3-D input: MatMul by the transposed weight [in, out], then Add bias."""
    w = g.weight(f"onnx::MatMul_{param}.weight", (d_in, d_out))
    b = g.weight(f"{param}.bias", (d_out,), scale=0.02)
    return g.op("Add", [g.op("MatMul", [x, w], scope), b], scope)


def gemm(g: Graph, x: str, scope: str, param: str, d_in: int, d_out: int) -> str:
    """nn.Linear on a 2-D input: Gemm with the torch-layout weight [out, in] and transB=1."""
    w = g.weight(f"{param}.weight", (d_out, d_in), fan_in=d_in)
    b = g.weight(f"{param}.bias", (d_out,), scale=0.02)
    return g.op("Gemm", [x, w, b], scope, alpha=1.0, beta=1.0, transB=1)


def layernorm(g: Graph, x: str, scope: str, param: str, dim: int, eps: float = 1e-12) -> str:
    gamma = g.uniform(f"{param}.weight", (dim,), 0.8, 1.2)
    beta = g.weight(f"{param}.bias", (dim,), scale=0.02)
    return g.op("LayerNormalization", [x, gamma, beta], scope, axis=-1, epsilon=eps)


def gelu(g: Graph, x: str, scope: str) -> str:
    """GELU as torch.onnx writes it at opset < 20: x * 0.5 * (1 + erf(x / sqrt 2))."""
    erf = g.op("Erf", [g.op("Div", [x, g.scalar(1.4142135381698608)], scope)], scope)
    return g.op("Mul", [g.op("Mul", [x, g.op("Add", [erf, g.scalar(1.0)], scope)], scope), g.scalar(0.5)], scope)


def split_heads(g: Graph, x: str, scope: str, batch: int, seq: int, heads: int, perm=(0, 2, 1, 3)) -> str:
    """[b, s, h*dh] -> Reshape [b, s, h, dh] -> Transpose (to [b, h, s, dh] by default)."""
    hidden = g.op("Reshape", [x, g.ints([batch, seq, heads, -1])], scope)
    return g.op("Transpose", [hidden], scope, perm=list(perm))


def merge_heads(g: Graph, x: str, scope: str, batch: int, seq: int, hidden: int) -> str:
    """[b, h, s, dh] -> Transpose [b, s, h, dh] -> Reshape [b, s, h*dh]."""
    return g.op("Reshape", [g.op("Transpose", [x], scope, perm=[0, 2, 1, 3]), g.ints([batch, seq, hidden])], scope)


def self_attention(g: Graph, x: str, scope: str, param: str, batch: int, seq: int, hidden: int, heads: int,
                   mask: str | None = None) -> str:
    """BERT/ViT self-attention up to (not including) the output projection."""
    q = split_heads(g, linear(g, x, f"{scope}/query", f"{param}.query", hidden, hidden), f"{scope}", batch, seq, heads)
    k = split_heads(g, linear(g, x, f"{scope}/key", f"{param}.key", hidden, hidden), f"{scope}", batch, seq, heads,
                    perm=(0, 2, 3, 1))
    v = split_heads(g, linear(g, x, f"{scope}/value", f"{param}.value", hidden, hidden), f"{scope}", batch, seq, heads)
    scores = g.op("Div", [g.op("MatMul", [q, k], scope), g.scalar(math.sqrt(hidden // heads))], scope)
    if mask is not None:
        scores = g.op("Add", [scores, mask], scope)
    probs = g.op("Softmax", [scores], scope, axis=-1)
    return merge_heads(g, g.op("MatMul", [probs, v], scope), scope, batch, seq, hidden)


def conv(g: Graph, x: str, scope: str, param: str, c_in: int, c_out: int, kernel: int, stride: int = 1,
         pad: int | None = None, group: int = 1, bias: bool = False) -> str:
    pad = kernel // 2 if pad is None else pad
    w = g.weight(f"{param}.weight", (c_out, c_in // group, kernel, kernel), fan_in=c_in // group * kernel * kernel)
    ins = [x, w] + ([g.weight(f"{param}.bias", (c_out,), scale=0.02)] if bias else [])
    return g.op("Conv", ins, scope, dilations=[1, 1], group=group, kernel_shape=[kernel, kernel],
                pads=[pad] * 4, strides=[stride, stride])


def batchnorm(g: Graph, x: str, scope: str, param: str, channels: int) -> str:
    """Inference BatchNormalization with non-trivial statistics (kept unfolded on purpose)."""
    ins = [x, g.uniform(f"{param}.weight", (channels,), 0.5, 1.5), g.weight(f"{param}.bias", (channels,), scale=0.1),
           g.weight(f"{param}.running_mean", (channels,), scale=0.1),
           g.uniform(f"{param}.running_var", (channels,), 0.5, 1.5)]
    return g.op("BatchNormalization", ins, scope, epsilon=1e-5, momentum=0.9)


def conv_bn(g: Graph, x: str, scope: str, param: str, bn_param: str, c_in: int, c_out: int, kernel: int,
            stride: int = 1, group: int = 1) -> str:
    return batchnorm(g, conv(g, x, scope, param, c_in, c_out, kernel, stride, group=group), scope, bn_param, c_out)


def parameter_count(model: onnx.ModelProto, buffers: bool = False) -> int:
    """Elements of the float initializers, i.e. torch's `sum(p.numel())`: folded scalar constants
    and, unless `buffers`, batch-norm running statistics (buffers, not parameters) are left out."""
    floats = {TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.BFLOAT16, TensorProto.DOUBLE}
    return sum(math.prod(t.dims) for t in model.graph.initializer if t.data_type in floats and t.dims
               and (buffers or not t.name.endswith(("running_mean", "running_var"))))
