"""Import-time folding of arithmetic on weights alone (batch-norm's 1/sqrt(var + eps)·gamma):
the folded weights equal numpy's formula, no op on the chip reads only weights, and a
broadcast of a weight (a bias spread over an activation's shape) is left to the chip."""

from __future__ import annotations

import numpy as np
from onnx import numpy_helper
from xdsl.dialects.builtin import ArrayAttr
from xdsl.dialects.linalg.ops import GenericOp

from tilefabric.api import load
from tilefabric.examples import onnx_models as models


def _main(module):
    return next(op for op in module.ops if hasattr(op, "sym_name") and op.sym_name.data == "main")


def test_batchnorm_scale_is_folded_into_a_weight(tmp_path) -> None:
    proto = models.small_cnn(batch=1, size=20)
    path = models.save(proto, tmp_path / "cnn.onnx")
    imported = load(str(path)).imported
    fn = _main(imported.module)
    names = [n.data for n in fn.attributes["tf.arg_names"].data]
    weights = set(imported.weights)
    weight_args = {a for a, n in zip(fn.body.block.args, names) if n in weights}
    generics = [op for op in fn.walk() if isinstance(op, GenericOp)]
    only_weights = [op for op in generics if op.inputs and all(v in weight_args for v in op.inputs)
                    and np.prod(op.outputs[0].type.get_shape()) <= max(np.prod(v.type.get_shape()) for v in op.inputs)]
    assert not only_weights, [op.attributes.get("tf.op") for op in only_weights]
    # the variance feeds only the folded scale, so it is no longer an argument
    assert "bn_var" not in names and "bn_var" not in weights
    init = {t.name: numpy_helper.to_array(t) for t in proto.graph.initializer}
    folded = [n for n in names if n.startswith("bn")]
    assert folded and all(n in weights for n in folded)
    expected = 1.0 / np.sqrt(init["bn_var"].astype(np.float64) + 1e-5)  # ONNX's default epsilon
    values = [imported.weights[n].reshape(-1).astype(np.float64) for n in folded]
    assert any(v.shape == expected.shape and np.allclose(v, expected, rtol=1e-6) for v in values) or any(
        v.shape == expected.shape and np.allclose(v, expected * init["bn_scale"], rtol=1e-6) for v in values), values


def test_weight_broadcast_stays_on_chip(tmp_path) -> None:
    """The stem's bias is broadcast to the conv's output shape: folding it would store a
    weight as big as the activation, so it remains a generic reading the 8-element bias."""
    path = models.save(models.small_cnn(batch=1, size=20), tmp_path / "cnn.onnx")
    imported = load(str(path)).imported
    fn = _main(imported.module)
    names = [n.data for n in fn.attributes["tf.arg_names"].data]
    assert "b_stem" in names and imported.weights["b_stem"].shape == (8,)
    assert isinstance(fn.attributes["tf.weight_names"], ArrayAttr)
