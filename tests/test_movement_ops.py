"""Data movement between ops, simulated against onnxruntime / numpy: Slice and Split
(rtensor.slice: a cropping exchange), Concat (rtensor.concat: one padded exchange per input),
a Reshape left between ops (rtensor.reshape: a reshaping exchange; ViT's patch embedding) and
Gather (an embedding lookup: kernel kind `lookup`). Each case also checks that the compiled IR
really used the movement op it is about, so a case that got folded away does not pass silently.
Small sizes: the whole file runs in well under 30 s.
"""

from __future__ import annotations

import functools
import re

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper
from xdsl.parser import Parser
from xdsl.passes import PassPipeline

import tilefabric
from tilefabric.errors import TileFabricError
from tilefabric.frontend import make_context
from tilefabric.runtime_sim import simulate
from tilefabric.target import resolve_target
from tilefabric.universe import UNIVERSE

RTOL = 1e-5
F32, I64, I32 = TensorProto.FLOAT, TensorProto.INT64, TensorProto.INT32


# --- ONNX helpers ------------------------------------------------------------------------------

def _value(name: str, shape, elem=F32):
    return helper.make_tensor_value_info(name, elem, list(shape))


def _ints(name: str, values) -> onnx.TensorProto:
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


def _weight(name: str, shape, seed: int = 0) -> onnx.TensorProto:
    return numpy_helper.from_array(np.random.default_rng(seed).standard_normal(shape).astype(np.float32), name)


def _model(nodes, inputs, outputs, initializers=()) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "movement", inputs, outputs, list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8  # readable by the pinned onnxruntime
    onnx.checker.check_model(model, full_check=True)
    return model


def _node(op: str, ins, outs, **attrs):
    return helper.make_node(op, list(ins), list(outs), **attrs)


def _rel_err(actual: np.ndarray, expected: np.ndarray) -> float:
    expected = expected.astype(np.float64)
    scale = max(float(np.abs(expected).max()), 1e-30) if expected.size else 1.0
    return float(np.abs(actual.astype(np.float64) - expected).max()) / scale if expected.size else 0.0


def check_onnx(model: onnx.ModelProto, inputs=None, moved=(), kinds=()):
    """Compile for ipu-mk2, simulate, compare every output with onnxruntime; `moved`: rtensor
    movement ops the rtensor IR must contain, `kinds`: kernel kinds the report must list."""
    program = tilefabric.compile(model, target="ipu-mk2")
    result = program.run(inputs, seed=1)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    reference = dict(zip(names, session.run(names, result.inputs)))
    assert set(result.outputs) == set(reference)
    for name, expected in reference.items():
        assert result.outputs[name].shape == expected.shape, name
        assert _rel_err(result.outputs[name], expected) < RTOL, name
    used = set(re.findall(r"= rtensor\.(slice|concat|reshape)\b", program.ir("rtensor")))
    assert set(moved) <= used, f"expected rtensor ops {sorted(moved)}, the IR has {sorted(used)}"
    found = [op["kind"] for op in result.report["ops"]]
    assert all(k in found for k in kinds), f"expected kinds {kinds}, the report has {found}"
    return program, result


# --- Slice and Split -------------------------------------------------------------------------------

SLICES = [  # (starts, ends, axes, result shape) of x: 4x10x6
    ([1, 2], [3, 9], [0, 1], [2, 7, 6]),  # two axes at once
    ([-4], [-1], [2], [4, 10, 3]),  # negative bounds on the last axis
    ([5], [100], [1], [4, 5, 6]),  # an end past the axis (clamped)
    ([0, 0, 1], [4, 1, 6], [0, 1, 2], [4, 1, 5]),  # every axis, a one-row slice
]


def test_slices_of_an_input_feeding_ops():
    """Several slices of one input (one model, one output each): offsets on one, two and
    every axis, negative and clamped bounds."""
    nodes, outputs, inits = [], [], []
    for i, (starts, ends, axes, out) in enumerate(SLICES):
        nodes += [_node("Slice", ["x", f"st{i}", f"en{i}", f"ax{i}"], [f"y{i}"]), _node("Relu", [f"y{i}"], [f"z{i}"])]
        outputs.append(_value(f"z{i}", out))
        inits += [_ints(f"st{i}", starts), _ints(f"en{i}", ends), _ints(f"ax{i}", axes)]
    check_onnx(_model(nodes, [_value("x", [4, 10, 6])], outputs, inits), moved=["slice"])


def test_slice_of_an_op_output_and_slice_returned():
    """Slice an on-chip tensor for one output, and return a slice of the input as another."""
    nodes = [_node("Relu", ["x"], ["r"]), _node("Slice", ["r", "st", "en", "ax"], ["y"]), _node("Exp", ["y"], ["z"]),
             _node("Slice", ["x", "st2", "en2", "ax2"], ["w"])]
    model = _model(nodes, [_value("x", [4, 10, 6])], [_value("z", [4, 4, 6]), _value("w", [1, 10, 2])],
                   [_ints("st", [3]), _ints("en", [7]), _ints("ax", [1]), _ints("st2", [2, 4]), _ints("en2", [3, 6]),
                    _ints("ax2", [0, 2])])
    check_onnx(model, moved=["slice"])


def test_slice_of_a_slice():
    nodes = [_node("Relu", ["x"], ["r"]), _node("Slice", ["r", "st", "en", "ax"], ["y"]),
             _node("Slice", ["y", "st2", "en2", "ax2"], ["y2"]), _node("Exp", ["y2"], ["z"])]
    model = _model(nodes, [_value("x", [4, 10, 6])], [_value("z", [2, 3, 6])],
                   [_ints("st", [1, 2]), _ints("en", [4, 9]), _ints("ax", [0, 1]),
                    _ints("st2", [1, 1]), _ints("en2", [3, 4]), _ints("ax2", [0, 1])])
    check_onnx(model, moved=["slice"])


def test_split_of_a_fused_projection():
    """A fused QKV projection split in three equal parts along the last axis: q * k + v."""
    nodes = [_node("MatMul", ["x", "W"], ["qkv"]), _node("Split", ["qkv", "sp"], ["q", "k", "v"], axis=2),
             _node("Mul", ["q", "k"], ["qk"]), _node("Add", ["qk", "v"], ["z"])]
    model = _model(nodes, [_value("x", [2, 10, 6])], [_value("z", [2, 10, 8])], [_weight("W", [6, 24]), _ints("sp", [8, 8, 8])])
    check_onnx(model, moved=["slice"], kinds=["contraction"])


def test_split_halves_swapped_by_a_concat():
    """RoPE's rotate-half: concat(-x2, x1) of the two halves of an op's output, added back to
    the input (x1 is a slice feeding the concat straight: it goes to its spread layout first)."""
    nodes = [_node("Relu", ["x"], ["r"]), _node("Split", ["r", "sp"], ["a", "b"], axis=1), _node("Neg", ["b"], ["nb"]),
             _node("Concat", ["nb", "a"], ["c"], axis=1), _node("Add", ["c", "x"], ["z"])]
    model = _model(nodes, [_value("x", [4, 8])], [_value("z", [4, 8])], [_ints("sp", [4, 4])])
    check_onnx(model, moved=["slice", "concat"])


def test_strided_slice_is_refused():
    nodes = [_node("Slice", ["x", "st", "en", "ax", "stp"], ["s"]), _node("Exp", ["s"], ["z"])]
    model = _model(nodes, [_value("x", [4, 8])], [_value("z", [4, 4])],
                   [_ints("st", [0]), _ints("en", [8]), _ints("ax", [1]), _ints("stp", [2])])
    with pytest.raises(TileFabricError, match="a strided slice"):
        tilefabric.compile(model, target="ipu-mk2")


def test_uneven_split_of_an_input():
    nodes = [_node("Split", ["x", "sp"], ["a", "b"], axis=1), _node("Relu", ["a"], ["za"]), _node("Exp", ["b"], ["zb"])]
    model = _model(nodes, [_value("x", [4, 10, 6])], [_value("za", [4, 3, 6]), _value("zb", [4, 7, 6])], [_ints("sp", [3, 7])])
    check_onnx(model, moved=["slice"])


# --- Concat -------------------------------------------------------------------------------------

def test_concats_of_arguments_op_outputs_and_weights():
    """Concat of two (an argument and an op output, along rows, feeding an op), of three (an op
    output, an argument and a weight along columns, returned as is) and of three along the middle
    axis of 3-D tensors (an op output, an argument and another op's output)."""
    nodes = [_node("Relu", ["y"], ["ry"]), _node("Concat", ["x", "ry"], ["c2"], axis=0), _node("Exp", ["c2"], ["z2"]),
             _node("Concat", ["ry", "x2", "t"], ["z3"], axis=1),
             _node("Relu", ["v"], ["rv"]), _node("Sigmoid", ["u"], ["su"]), _node("Concat", ["rv", "u", "su"], ["c3"], axis=1),
             _node("Mul", ["c3", "c3"], ["z3d"])]
    inputs = [_value("x", [3, 5]), _value("y", [4, 5]), _value("x2", [4, 3]), _value("u", [2, 3, 4]), _value("v", [2, 5, 4])]
    outputs = [_value("z2", [7, 5]), _value("z3", [4, 10]), _value("z3d", [2, 11, 4])]
    check_onnx(_model(nodes, inputs, outputs, [_weight("t", [4, 2])]), moved=["concat"])


def test_concat_feeding_a_matmul():
    nodes = [_node("Relu", ["y"], ["ry"]), _node("Concat", ["x", "ry"], ["c"], axis=1), _node("MatMul", ["c", "W"], ["z"])]
    model = _model(nodes, [_value("x", [16, 24]), _value("y", [16, 40])], [_value("z", [16, 32])], [_weight("W", [64, 32])])
    check_onnx(model, moved=["concat"], kinds=["contraction"])


def test_concat_feeding_a_matmul_with_a_padded_reduction():
    nodes = [_node("Concat", ["x", "y"], ["c"], axis=1), _node("MatMul", ["c", "W"], ["z"])]
    model = _model(nodes, [_value("x", [16, 24]), _value("y", [16, 39])], [_value("z", [16, 32])], [_weight("W", [63, 32])])
    check_onnx(model, moved=["concat"], kinds=["contraction"])


# --- Reshape left between ops -------------------------------------------------------------------------

def test_reshape_that_is_no_collapse_or_expand():
    """4x6 -> 6x4 between a Relu and a MatMul: a collapse to 24 then an expand (two reshapes)."""
    nodes = [_node("Relu", ["x"], ["r"]), _node("Reshape", ["r", "s"], ["y"]), _node("MatMul", ["y", "W"], ["z"])]
    model = _model(nodes, [_value("x", [4, 6])], [_value("z", [6, 5])], [_ints("s", [6, 4]), _weight("W", [4, 5])])
    check_onnx(model, moved=["reshape"], kinds=["contraction"])


def test_vit_patch_embedding():
    """Conv (4x4 patches) -> Reshape (channels x tokens) -> Transpose -> Concat after a learned
    class token broadcast over the batch -> + position embedding: the reshape stays between the
    conv and the transpose (rtensor.reshape), the concat joins a weight and an op output."""
    nodes = [_node("Conv", ["img", "cw", "cb"], ["p"], kernel_shape=[4, 4], strides=[4, 4]),
             _node("Reshape", ["p", "shape"], ["f"]),
             _node("Transpose", ["f"], ["t"], perm=[0, 2, 1]),
             _node("Expand", ["cls", "batch"], ["clsb"]),
             _node("Concat", ["clsb", "t"], ["c"], axis=1),
             _node("Add", ["c", "pos"], ["z"])]
    inits = [_weight("cw", [32, 3, 4, 4]), _weight("cb", [32], 1), _ints("shape", [2, 32, 16]), _weight("cls", [1, 1, 32], 2),
             _ints("batch", [2, 1, 32]), _weight("pos", [1, 17, 32], 3)]
    model = _model(nodes, [_value("img", [2, 3, 16, 16])], [_value("z", [2, 17, 32])], inits)
    check_onnx(model, moved=["reshape", "concat"], kinds=["contraction"])


# --- Gather -------------------------------------------------------------------------------------

V, D = 37, 16  # 37 rows: divides no core count


def _embedding(ids_shape, elem=I64, then_add=False):
    nodes = [_node("Gather", ["table", "ids"], ["e" if then_add else "z"], axis=0)]
    inits = [_weight("table", [V, D])]
    if then_add:
        nodes.append(_node("Add", ["e", "pos"], ["z"]))
        inits.append(_weight("pos", [ids_shape[-1], D], 1))
    return _model(nodes, [_value("ids", ids_shape, elem)], [_value("z", list(ids_shape) + [D])], inits)


def test_embedding_lookup():
    ids = np.array([[0, 36, 5, 5, 17], [-1, -37, 12, 3, 30]], dtype=np.int64)  # ONNX allows negative ids
    assert resolve_target("ipu-mk2").cores % V
    check_onnx(_embedding([2, 5]), {"ids": ids}, kinds=["lookup"])


def test_embedding_lookup_feeding_an_op():
    ids = np.random.default_rng(4).integers(0, V, size=(3, 7)).astype(np.int64)
    check_onnx(_embedding([3, 7], then_add=True), {"ids": ids}, kinds=["lookup", "elementwise"])


@functools.lru_cache(maxsize=None)
def _int32_lookup():
    ids = np.random.default_rng(5).integers(0, V, size=(2, 5)).astype(np.int32)
    model = _embedding([2, 5], I32)
    program = tilefabric.compile(model, target="ipu-mk2")
    return model, ids, program, program.run({"ids": ids})


def test_embedding_lookup_int32_ids():
    model, ids, _, result = _int32_lookup()
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    np.testing.assert_array_equal(result.outputs["z"], session.run(None, {"ids": ids})[0])


def test_embedding_lookup_int32_ids_is_a_lookup():
    kinds = [op["kind"] for op in _int32_lookup()[3].report["ops"]]
    assert "lookup" in kinds, kinds


def test_gather_on_axis_1():
    """Columns picked by ids from an input, of a weight and of an activation (one output each)."""
    nodes = [_node("Gather", ["data", "ids"], ["zw"], axis=1),
             _node("Relu", ["x"], ["r"]), _node("Gather", ["r", "ids"], ["za"], axis=1)]
    model = _model(nodes, [_value("x", [4, 11, 6]), _value("ids", [4], I64)], [_value("zw", [4, 4, 6]), _value("za", [4, 4, 6])],
                   [_weight("data", [4, 11, 6])])
    _, result = check_onnx(model, {"ids": np.array([3, 0, 10, 3], dtype=np.int64)})
    assert [op["kind"] for op in result.report["ops"]].count("lookup") == 2


def test_gather_scalar_constant_index():
    """x[:, 0] (ViT's class-token read-out): a scalar index drops the axis."""
    nodes = [_node("Relu", ["x"], ["r"]), _node("Gather", ["r", "i"], ["c"], axis=1), _node("Exp", ["c"], ["z"])]
    model = _model(nodes, [_value("x", [2, 5, 8])], [_value("z", [2, 8])], [_ints("i", 0)])
    check_onnx(model)


def test_gather_scalar_index_from_an_input():
    """torch-mlir expands the rank-0 ids with `tensor.expand_shape` reassociation [] (tensor<i64> ->
    tensor<1xi64>), which xDSL's verifier rejects: the import folds it (frontend/rank0_reshapes.py)."""
    model = _model([_node("Gather", ["table", "ids"], ["z"], axis=0)], [_value("ids", [], I64)], [_value("z", [D])],
                   [_weight("table", [V, D])])
    check_onnx(model, {"ids": np.array(7, dtype=np.int64)}, kinds=["lookup"])


# --- hand-written linalg and dataflow ------------------------------------------------------------

def _lower_and_simulate(text: str, args: dict, passes: str = "linalg-to-rtensor,rtensor-to-dataflow"):
    ctx = make_context()
    module = Parser(ctx, text).parse_module()
    if passes:
        PassPipeline.parse_spec(dict(UNIVERSE.all_passes.items()), passes).apply(ctx, module)
    module.verify()
    return module, simulate(module, resolve_target("ipu-mk2"), args)


def _ty(shape) -> str:
    return "tensor<" + "x".join(map(str, shape)) + "xf32>"


def _square(x: str, shape, out: str) -> str:
    d = ", ".join(f"d{i}" for i in range(len(shape)))
    its = ", ".join(['"parallel"'] * len(shape))
    return f"""  %e_{out} = tensor.empty() : {_ty(shape)}
  %{out} = linalg.generic {{indexing_maps = [affine_map<({d}) -> ({d})>, affine_map<({d}) -> ({d})>], iterator_types = [{its}]}} ins(%{x} : {_ty(shape)}) outs(%e_{out} : {_ty(shape)}) {{
  ^bb0(%in: f32, %o: f32):
    %m = arith.mulf %in, %in : f32
    linalg.yield %m : f32
  }} -> {_ty(shape)}
"""


def test_linalg_collapse_expand_and_slices():
    """collapse_shape of an op's output returned, expand_shape then a slice of it returned."""
    text = f"""builtin.module attributes {{tf.target = "ipu-mk2"}} {{
func.func @main(%x: tensor<2x4x3x5xf32>) -> (tensor<2x4x15xf32>, tensor<2x2x3x5xf32>) {{
{_square("x", (2, 4, 3, 5), "y")}  %c = tensor.collapse_shape %y [[0], [1], [2, 3]] : tensor<2x4x3x5xf32> into tensor<2x4x15xf32>
  %g = tensor.expand_shape %c [[0], [1], [2, 3]] output_shape [2, 4, 3, 5] : tensor<2x4x15xf32> into tensor<2x4x3x5xf32>
  %s = tensor.extract_slice %g[0, 1, 0, 0] [2, 2, 3, 5] [1, 1, 1, 1] : tensor<2x4x3x5xf32> to tensor<2x2x3x5xf32>
  func.return %c, %s : tensor<2x4x15xf32>, tensor<2x2x3x5xf32>
}}
}}"""
    x = np.random.default_rng(6).standard_normal((2, 4, 3, 5)).astype(np.float32)
    module, res = _lower_and_simulate(text, {"arg0": x})
    assert "reshape array<i64: 2, 4, 15>" in str(module) and "low array<i64: 0, -1, 0, 0>" in str(module)
    np.testing.assert_array_equal(res.outputs["result0"], (x * x).reshape(2, 4, 15))
    np.testing.assert_array_equal(res.outputs["result1"], (x * x)[:, 1:3])


def test_linalg_concat_then_slice_back():
    """Slices of a concat recover its pieces: each slice crops a tensor built by padded exchanges."""
    text = f"""builtin.module attributes {{tf.target = "ipu-mk2"}} {{
func.func @main(%a: tensor<5x6xf32>, %b: tensor<3x6xf32>) -> (tensor<5x6xf32>, tensor<3x6xf32>) {{
{_square("a", (5, 6), "y")}  %c = tensor.concat dim(0) %y, %b : (tensor<5x6xf32>, tensor<3x6xf32>) -> tensor<8x6xf32>
{_square("c", (8, 6), "sq")}  %s0 = tensor.extract_slice %sq[0, 0] [5, 6] [1, 1] : tensor<8x6xf32> to tensor<5x6xf32>
  %s1 = tensor.extract_slice %sq[5, 0] [3, 6] [1, 1] : tensor<8x6xf32> to tensor<3x6xf32>
  func.return %s0, %s1 : tensor<5x6xf32>, tensor<3x6xf32>
}}
}}"""
    rng = np.random.default_rng(7)
    a, b = rng.standard_normal((5, 6)).astype(np.float32), rng.standard_normal((3, 6)).astype(np.float32)
    module, res = _lower_and_simulate(text, {"arg0": a, "arg1": b})
    assert "rtensor" not in str(module)
    np.testing.assert_allclose(res.outputs["result0"], (a * a) ** 2, rtol=1e-6)
    np.testing.assert_allclose(res.outputs["result1"], b ** 2, rtol=1e-6)


DATAFLOW = {
    # an 8x8 tensor on a 2x2 grid cropped to rows 2..5, columns 4..7, held by 2 cores by rows
    "crop": ("""
  func.func @main(%a: tensor<8x8xf32>) -> tensor<4x4xf32> {
    %bs = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 4], f32>
    %bc = dataflow.alloc : !dataflow.buffer<grid [2], local [2, 4], f32>
    dataflow.scatter %a into %bs offsets affine_map<(c0, c1) -> (c0 * 4, c1 * 4)> : tensor<8x8xf32> -> !dataflow.buffer<grid [2, 2], local [4, 4], f32>
    dataflow.exchange %bs offsets affine_map<(c0, c1) -> (c0 * 4, c1 * 4)> into %bc offsets affine_map<(c0) -> (c0 * 2, 0)> shape array<i64: 8, 8> low array<i64: -2, -4> high array<i64: -2, 0> : !dataflow.buffer<grid [2, 2], local [4, 4], f32> -> !dataflow.buffer<grid [2], local [2, 4], f32>
    %c = dataflow.gather %bc offsets affine_map<(c0) -> (c0 * 2, 0)> : !dataflow.buffer<grid [2], local [2, 4], f32> -> tensor<4x4xf32>
    func.return %c : tensor<4x4xf32>
  }""", [(8, 8)], lambda a: a[2:6, 4:8]),
    # 2x4 and 6x4 pieces into rows 0..1 and 2..7 of an 8x4 tensor on 4 cores
    "concat": ("""
  func.func @main(%p: tensor<2x4xf32>, %q: tensor<6x4xf32>) -> tensor<8x4xf32> {
    %bp = dataflow.alloc : !dataflow.buffer<grid [2], local [1, 4], f32>
    %bq = dataflow.alloc : !dataflow.buffer<grid [2], local [3, 4], f32>
    %bt = dataflow.alloc : !dataflow.buffer<grid [4], local [2, 4], f32>
    dataflow.scatter %p into %bp offsets affine_map<(c0) -> (c0, 0)> : tensor<2x4xf32> -> !dataflow.buffer<grid [2], local [1, 4], f32>
    dataflow.scatter %q into %bq offsets affine_map<(c0) -> (c0 * 3, 0)> : tensor<6x4xf32> -> !dataflow.buffer<grid [2], local [3, 4], f32>
    dataflow.exchange %bp offsets affine_map<(c0) -> (c0, 0)> into %bt offsets affine_map<(c0) -> (c0 * 2, 0)> shape array<i64: 2, 4> low array<i64: 0, 0> high array<i64: 6, 0> : !dataflow.buffer<grid [2], local [1, 4], f32> -> !dataflow.buffer<grid [4], local [2, 4], f32>
    dataflow.exchange %bq offsets affine_map<(c0) -> (c0 * 3, 0)> into %bt offsets affine_map<(c0) -> (c0 * 2, 0)> shape array<i64: 6, 4> low array<i64: 2, 0> high array<i64: 0, 0> : !dataflow.buffer<grid [2], local [3, 4], f32> -> !dataflow.buffer<grid [4], local [2, 4], f32>
    %t = dataflow.gather %bt offsets affine_map<(c0) -> (c0 * 2, 0)> : !dataflow.buffer<grid [4], local [2, 4], f32> -> tensor<8x4xf32>
    func.return %t : tensor<8x4xf32>
  }""", [(2, 4), (6, 4)], lambda p, q: np.concatenate([p, q])),
    # 1x4x3x3 on a 4x3 grid reshaped to 1x4x9, one token per core
    "reshape": ("""
  func.func @main(%y: tensor<1x4x3x3xf32>) -> tensor<1x4x9xf32> {
    %by = dataflow.alloc : !dataflow.buffer<grid [4, 3], local [1, 1, 1, 3], f32>
    %bt = dataflow.alloc : !dataflow.buffer<grid [9], local [1, 4, 1], f32>
    dataflow.scatter %y into %by offsets affine_map<(c0, c1) -> (0, c0, c1, 0)> : tensor<1x4x3x3xf32> -> !dataflow.buffer<grid [4, 3], local [1, 1, 1, 3], f32>
    dataflow.exchange %by offsets affine_map<(c0, c1) -> (0, c0, c1, 0)> into %bt offsets affine_map<(c0) -> (0, 0, c0)> shape array<i64: 1, 4, 3, 3> reshape array<i64: 1, 4, 9> : !dataflow.buffer<grid [4, 3], local [1, 1, 1, 3], f32> -> !dataflow.buffer<grid [9], local [1, 4, 1], f32>
    %t = dataflow.gather %bt offsets affine_map<(c0) -> (0, 0, c0)> : !dataflow.buffer<grid [9], local [1, 4, 1], f32> -> tensor<1x4x9xf32>
    func.return %t : tensor<1x4x9xf32>
  }""", [(1, 4, 3, 3)], lambda y: y.reshape(1, 4, 9)),
}


@pytest.mark.parametrize("case", sorted(DATAFLOW))
def test_dataflow_exchange_crop_concat_reshape(case):
    """The exchanges of lit_tests/dialects/dataflow_roundtrip.mlir, run by the simulator."""
    body, shapes, ref = DATAFLOW[case]
    rng = np.random.default_rng(8)
    args = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    text = 'builtin.module attributes {tf.target = "ipu-mk2"} {' + body + "\n}"
    _, res = _lower_and_simulate(text, {f"arg{i}": a for i, a in enumerate(args)}, passes="")
    np.testing.assert_array_equal(res.outputs["result0"], ref(*args))
