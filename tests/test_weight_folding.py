"""Import-time work on weights: batch-norm after a convolution is folded into the
convolution (ONNX level), other arithmetic on weights alone (a batch-norm's
1/sqrt(var + eps) where no convolution precedes it) is evaluated at import; results equal
onnxruntime / numpy, no op on the chip reads only weights, and a weight broadcast (a bias
spread over an activation's shape) is left to the chip."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from xdsl.dialects.linalg.ops import GenericOp

import tilefabric
from tilefabric.api import load
from tilefabric.examples import onnx_models as models
from tilefabric.frontend.onnx_prepare import prepare


def _main(module):
    return next(op for op in module.ops if hasattr(op, "sym_name") and op.sym_name.data == "main")


def _relu_batchnorm(channels: int = 6, seed: int = 0) -> onnx.ModelProto:
    rng = np.random.default_rng(seed)
    arr = lambda name, v: numpy_helper.from_array(v.astype(np.float32), name)  # noqa: E731
    inits = [arr("scale", rng.standard_normal(channels)), arr("beta", rng.standard_normal(channels)),
             arr("mean", rng.standard_normal(channels)), arr("var", np.abs(rng.standard_normal(channels)) + 0.5)]
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="relu"),
             helper.make_node("BatchNormalization", ["r", "scale", "beta", "mean", "var"], ["y"], name="bn", epsilon=1e-3)]
    shape = [2, channels, 5, 5]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


def test_weight_only_arithmetic_is_folded(tmp_path) -> None:
    proto = _relu_batchnorm()
    path = models.save(proto, tmp_path / "bn.onnx")
    imported = load(str(path)).imported
    fn = _main(imported.module)
    names = [n.data for n in fn.attributes["tf.arg_names"].data]
    weight_args = {a for a, n in zip(fn.body.block.args, names) if n in imported.weights}
    generics = [op for op in fn.walk() if isinstance(op, GenericOp)]
    assert generics and not [op for op in generics if op.inputs and all(v in weight_args for v in op.inputs)]
    assert "var" not in names and "var" not in imported.weights  # read only by the folded scale
    init = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in proto.graph.initializer}
    inv_std = 1.0 / np.sqrt(init["var"] + 1e-3)
    values = [v.reshape(-1).astype(np.float64) for n, v in imported.weights.items() if n not in init]
    assert any(v.shape == inv_std.shape and (np.allclose(v, inv_std, rtol=1e-6) or np.allclose(v, inv_std * init["scale"], rtol=1e-6))
               for v in values), values
    program = tilefabric.compile(str(path), target="ipu-mk2")
    assert program.check(program.run(seed=1)).passed


def test_batchnorm_after_conv_is_folded_into_its_weights() -> None:
    proto = models.small_cnn(batch=1, size=20)
    prepared = prepare(onnx.ModelProto.FromString(proto.SerializeToString()), "small_cnn")
    ops = [n.op_type for n in prepared.model.graph.node]
    assert "BatchNormalization" not in ops and ops.count("Conv") == 4
    init = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in proto.graph.initializer}
    s = init["bn_scale"] / np.sqrt(init["bn_var"] + 1e-5)
    w = prepared.weights["w_stem:bn_folded"].astype(np.float64)
    np.testing.assert_allclose(w, init["w_stem"] * s[:, None, None, None], rtol=1e-6)
    b = next(v for n, v in prepared.weights.items() if n.endswith(":bias_folded")).astype(np.float64)
    np.testing.assert_allclose(b, (init["b_stem"] - init["bn_mean"]) * s + init["bn_bias"], rtol=1e-5, atol=1e-7)


def test_weight_broadcast_stays_on_chip(tmp_path) -> None:
    """A bias broadcast to the conv's output shape would be stored as big as the activation,
    so it remains a generic reading the small bias."""
    path = models.save(models.small_cnn(batch=1, size=20), tmp_path / "cnn.onnx")
    imported = load(str(path)).imported
    fn = _main(imported.module)
    names = [n.data for n in fn.attributes["tf.arg_names"].data]
    biases = [n for n in names if n.endswith(":bias_folded")]
    assert biases and imported.weights[biases[0]].shape == (8,)
