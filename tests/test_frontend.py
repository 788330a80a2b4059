"""Frontend contract: ONNX/.mlir in → one `@main` of linalg on tensors, weights outside the IR."""

from __future__ import annotations

import hashlib
import math

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper
from xdsl.context import Context
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr
from xdsl.dialects.func import FuncOp
from xdsl.interpreter import Interpreter
from xdsl.interpreters import register_implementations
from xdsl.interpreters.shaped_array import ShapedArray
from xdsl.interpreters.utils.ptr import TypedPtr

from tilefabric.errors import TileFabricError
from tilefabric.examples import onnx_models as om
from tilefabric.frontend import ImportedModel, import_onnx, load_mlir, load_model

V = helper.make_tensor_value_info


def _save(tmp_path, model: onnx.ModelProto, name: str = "model.onnx"):
    return om.save(model, tmp_path / name)


def _graph_model(nodes, inputs, outputs, inits=(), opset=17, extra_opsets=()):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset), *extra_opsets])


def _main(imported: ImportedModel) -> FuncOp:
    funcs = [op for op in imported.module.ops if isinstance(op, FuncOp)]
    assert [f.sym_name.data for f in funcs] == ["main"]
    return funcs[0]


def _names(func: FuncOp, key: str) -> list[str]:
    return [a.data for a in func.attributes[key].data]


@pytest.fixture(scope="module")
def mlp_case(tmp_path_factory):
    model = om.mlp(batch=4, d_in=16, d_hidden=32, d_out=8, seed=3)
    path = _save(tmp_path_factory.mktemp("mlp"), model)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return model, path, digest, import_onnx(path)


def test_mlp_is_linalg_on_tensors(mlp_case):
    _, _, _, imported = mlp_case
    func = _main(imported)
    top = {op.name for op in func.body.block.ops}
    assert "linalg.generic" in top
    assert all(name.split(".")[0] in ("tensor", "arith", "math") or name in
               ("linalg.generic", "func.return") for name in top), top
    nested = {op.name for op in func.walk()} - top - {"func.func"}
    assert all(n.split(".")[0] in ("arith", "math") or n in ("linalg.yield", "linalg.index")
               for n in nested), nested


def test_mlp_has_no_large_constants(mlp_case):
    func = _main(mlp_case[3])
    for op in func.walk():
        value = op.properties.get("value")
        if op.name == "arith.constant" and isinstance(value, DenseIntOrFPElementsAttr):
            assert math.prod(value.get_shape()) <= 16 or value.is_splat(), op
    assert "dense_resource" not in mlp_case[3].linalg_text


def test_mlp_weights_and_names(mlp_case):
    model, _, _, imported = mlp_case
    inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    assert set(imported.weights) == {"W1", "b1", "W2"}
    for name, array in inits.items():
        np.testing.assert_array_equal(imported.weights[name], array)
    func = _main(imported)
    assert _names(func, "tf.arg_names") == ["x", "W1", "b1", "W2"]
    assert _names(func, "tf.weight_names") == ["W1", "b1", "W2"]
    assert _names(func, "tf.result_names") == ["probs"]
    arg_types = [str(t) for t in func.function_type.inputs.data]
    assert arg_types == ["tensor<4x16xf32>", "tensor<16x32xf32>", "tensor<32xf32>",
                         "tensor<32x8xf32>"]
    assert imported.input_names == ["x"] and imported.output_names == ["probs"]
    assert imported.input_shapes == [(4, 16)] and imported.input_dtypes == [np.dtype(np.float32)]
    assert '"func.func"' in imported.linalg_text and "dense<" not in imported.linalg_text


def test_user_file_is_untouched(mlp_case):
    _, path, digest, _ = mlp_case
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_save_weights_roundtrip(mlp_case, tmp_path):
    imported = mlp_case[3]
    saved = imported.save_weights(tmp_path / "w.npz")
    with np.load(saved) as data:
        assert set(data.files) == set(imported.weights)
        np.testing.assert_array_equal(data["W2"], imported.weights["W2"])


@pytest.mark.parametrize("model", [om.gemm(3, 4, 5), om.gemm(3, 4, 5, trans_b=False),
                                   om.elementwise_chain(3, 4), om.transpose_matmul(2, 3, 4),
                                   om.matmul(2, 3, 4)], ids=lambda m: m.graph.name)
def test_numerics_match_onnxruntime(tmp_path, model):
    """Running the IR with the weights bound by name reproduces onnxruntime exactly-ish."""
    imported = import_onnx(_save(tmp_path, model))
    rng = np.random.default_rng(0)
    feeds = {n: rng.standard_normal(s).astype(np.float32)
             for n, s in zip(imported.input_names, imported.input_shapes)}
    expected = ort.InferenceSession(model.SerializeToString()).run(None, feeds)[0]
    interp = Interpreter(imported.module)
    register_implementations(interp, Context())
    values = {**feeds, **imported.weights}
    args = [ShapedArray(TypedPtr.new_float32(values[n].ravel().tolist()), list(values[n].shape))
            for n in _names(_main(imported), "tf.arg_names")]
    (out,) = interp.call_op("main", tuple(args))
    got = np.array(out.data).reshape(expected.shape)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_large_constant_becomes_argument(tmp_path):
    index = numpy_helper.from_array(np.arange(32, dtype=np.int64)[::-1].copy(), "idx")
    model = _graph_model([helper.make_node("Gather", ["x", "idx"], ["y"], name="gather", axis=0)],
                         [V("x", TensorProto.FLOAT, [40, 4])], [V("y", TensorProto.FLOAT, [32, 4])],
                         [index])
    imported = import_onnx(_save(tmp_path, model))
    func = _main(imported)
    # The index constant leaves the IR as an argument; the host-side index arithmetic on it
    # (negative indices wrapped by + 40) is folded at import (weight_folding.py), so the
    # weights left are the folded index, equal to the constant here, and the 1-based row
    # tags of the lookup the gather becomes (gather_lookup.py).
    names = _names(func, "tf.arg_names")
    assert names[0] == "x" and len(names) == 3
    assert _names(func, "tf.weight_names") == names[1:]
    assert len(func.function_type.inputs.data) == 3
    np.testing.assert_array_equal(imported.weights[names[1]], np.arange(32)[::-1])
    np.testing.assert_array_equal(imported.weights[names[2]], np.arange(1, 41))


def test_old_opset_is_converted(tmp_path):
    shape = numpy_helper.from_array(np.array([1, 8], dtype=np.int64), "shape")
    nodes = [helper.make_node("MaxPool", ["x"], ["p"], name="pool", kernel_shape=[2, 2],
                              strides=[2, 2]),
             helper.make_node("Reshape", ["p", "shape"], ["y"], name="flat")]
    model = _graph_model(nodes, [V("x", TensorProto.FLOAT, [1, 2, 4, 4])],
                         [V("y", TensorProto.FLOAT, [1, 8])], [shape], opset=9)
    imported = import_onnx(_save(tmp_path, model))
    assert imported.output_names == ["y"] and imported.weights == {}


def test_corrupt_file(tmp_path):
    good = _save(tmp_path, om.mlp(4, 16, 16, 8), "good.onnx").read_bytes()
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(good[: len(good) // 2])
    with pytest.raises(TileFabricError, match="cannot read ONNX model") as err:
        import_onnx(bad)
    assert str(bad) in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("node, inputs, output, extra, pattern", [
    (helper.make_node("DFT", ["x"], ["y"], name="my_dft"), [V("x", TensorProto.FLOAT, [1, 8, 1])],
     V("y", TensorProto.FLOAT, [1, 8, 2]), [], r"unsupported ONNX op 'DFT' \(node 'my_dft'\)"),
    (helper.make_node("FusedMatMul", ["x", "x"], ["y"], name="fmm", domain="com.microsoft"),
     [V("x", TensorProto.FLOAT, [4, 4])], V("y", TensorProto.FLOAT, [4, 4]),
     [helper.make_opsetid("com.microsoft", 1)],
     r"unsupported ONNX op 'FusedMatMul' \(node 'fmm'\)"),
    (helper.make_node("NonMaxSuppression", ["b", "s"], ["y"], name="nms"),
     [V("b", TensorProto.FLOAT, [1, 4, 4]), V("s", TensorProto.FLOAT, [1, 1, 4])],
     V("y", TensorProto.INT64, ["n", 3]), [],
     r"unsupported ONNX op 'NonMaxSuppression' \(node 'nms'\)"),
    # torch-mlir segfaults on this one; the child process turns that into an error line
    (helper.make_node("Unique", ["x"], ["y"], name="uniq"), [V("x", TensorProto.FLOAT, [8])],
     V("y", TensorProto.FLOAT, ["u"]), [], r"torch-mlir crashed .*Unique"),
], ids=["DFT", "com.microsoft", "to-tm_tensor", "crash"])
def test_unsupported_ops(tmp_path, node, inputs, output, extra, pattern):
    path = _save(tmp_path, _graph_model([node], inputs, [output], extra_opsets=extra))
    with pytest.raises(TileFabricError, match=pattern) as err:
        import_onnx(path)
    assert "\n" not in str(err.value)


def test_dynamic_input_refused(tmp_path):
    model = _graph_model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
                         [V("x", TensorProto.FLOAT, ["batch", 4])],
                         [V("y", TensorProto.FLOAT, ["batch", 4])])
    with pytest.raises(TileFabricError, match="input 'x' has a dynamic dimension 'batch'"):
        import_onnx(_save(tmp_path, model))


LINALG = """\
#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @f(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> tensor<2x3xf32> {NAMES}{{
  %e = tensor.empty() : tensor<2x3xf32>
  %r = linalg.generic {{indexing_maps = [#map, #map, #map],
                        iterator_types = ["parallel", "parallel"]}}
      ins(%a, %b : tensor<2x3xf32>, tensor<2x3xf32>) outs(%e : tensor<2x3xf32>) {{
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  }} -> tensor<2x3xf32>
  func.return %r : tensor<2x3xf32>
}}
"""


def test_load_mlir_default_and_given_names(tmp_path):
    plain = tmp_path / "add.mlir"
    plain.write_text(LINALG.format(NAMES=""))
    imported = load_model(plain)
    assert imported.input_names == ["arg0", "arg1"] and imported.output_names == ["result0"]
    assert imported.input_shapes == [(2, 3), (2, 3)] and imported.weights == {}
    named = tmp_path / "named.mlir"
    named.write_text(LINALG.format(NAMES='attributes {tf.arg_names = ["lhs", "rhs"], '
                                         'tf.result_names = ["sum"]} '))
    imported = load_mlir(named)
    assert imported.input_names == ["lhs", "rhs"] and imported.output_names == ["sum"]


def test_mlir_parse_error_has_location(tmp_path):
    bad = tmp_path / "bad.mlir"
    bad.write_text(LINALG.format(NAMES="").replace("arith.addf %x, %y", "arith.addf %x, %zz"))
    with pytest.raises(TileFabricError, match=r"bad\.mlir:\d+:\d+: ") as err:
        load_mlir(bad)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("name, content", [("missing.onnx", None), ("model.txt", "x")])
def test_load_model_rejects(tmp_path, name, content):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises(TileFabricError, match=str(path)):
        load_model(path)


def test_example_builders_run():
    for model in (om.mlp(2, 4, 4, 4), om.matmul(2, 3, 4, "f16"), om.gemm(2, 3, 4),
                  om.elementwise_chain(2, 3), om.transpose_matmul(2, 3, 4), om.softmax(2, 3)):
        onnx.checker.check_model(model, full_check=True)
        assert all(node.name for node in model.graph.node)
    first, again = (om.mlp(2, 4, 4, 4, seed=1).SerializeToString() for _ in range(2))
    assert first == again
