"""A model zoo built with `onnx.helper` (no torch): graphs shaped like torch.onnx / HF
transformers exports of the T10 paper's workloads, to exercise our frontend on realistic input.

`ZOO` holds the full-size models, `SMALL` scaled-down versions of the same graphs that run in
seconds; both map a name to a zero-argument builder returning an `onnx.ModelProto`. `XR` names
the XRBench-style CNNs among them (full-size name -> small name).
`reference_inputs(model, seed)` draws valid inputs for any of them.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper

from tilefabric.zoo.bert import bert_base, bert_large, bert_tiny
from tilefabric.zoo.layers import parameter_count
from tilefabric.zoo.mobilenet import mobilenet_tiny, mobilenet_v2
from tilefabric.zoo.nerf import nerf, nerf_tiny
from tilefabric.zoo.opt import opt_1_3b_decode, opt_1_3b_prefill, opt_tiny, opt_tiny_decode
from tilefabric.zoo.resnet import resnet50, resnet_tiny
from tilefabric.zoo.vit import vit_b16, vit_tiny
from tilefabric.zoo.xrbench import (hand_tracking, hand_tracking_tiny, midas_small, midas_tiny, ritnet,
                                    ritnet_tiny)

ZOO = {"bert_base": bert_base, "bert_large": bert_large, "vit_b16": vit_b16, "resnet50": resnet50,
       "mobilenet_v2": mobilenet_v2, "opt_1_3b_prefill": opt_1_3b_prefill, "opt_1_3b_decode": opt_1_3b_decode,
       "nerf": nerf, "hand_tracking": hand_tracking, "ritnet": ritnet, "midas_small": midas_small}
SMALL = {"bert_tiny": bert_tiny, "vit_tiny": vit_tiny, "resnet_tiny": resnet_tiny, "mobilenet_tiny": mobilenet_tiny,
         "opt_tiny": opt_tiny, "opt_tiny_decode": opt_tiny_decode, "nerf_tiny": nerf_tiny,
         "hand_tracking_tiny": hand_tracking_tiny, "ritnet_tiny": ritnet_tiny, "midas_tiny": midas_tiny}
# The XRBench-style CNNs (PipeOrgan's workloads, for the pe-array target): full-size name -> its small version.
XR = {"hand_tracking": "hand_tracking_tiny", "ritnet": "ritnet_tiny", "midas_small": "midas_tiny"}

__all__ = ["SMALL", "XR", "ZOO", "parameter_count", "reference_inputs"]


def _index_bound(model: onnx.ModelProto, name: str) -> int | None:
    """Rows of the smallest table a Gather indexes with input `name` (e.g. the vocabulary)."""
    dims = {t.name: list(t.dims) for t in model.graph.initializer}
    bounds = [dims[n.input[0]][next((a.i for a in n.attribute if a.name == "axis"), 0)]
              for n in model.graph.node if n.op_type == "Gather" and n.input[1] == name and n.input[0] in dims]
    return min(bounds) if bounds else None


def reference_inputs(model: onnx.ModelProto, seed: int = 0) -> dict[str, np.ndarray]:
    """Valid random inputs: ids below their table's size, attention masks of ones with 1..s/4
    trailing zeros per row, floats ~N(0, 1) in the input's dtype."""
    rng = np.random.default_rng(seed)
    inputs = {}
    for value in model.graph.input:
        tensor = value.type.tensor_type
        shape = tuple(d.dim_value for d in tensor.shape.dim)
        dtype = helper.tensor_dtype_to_np_dtype(tensor.elem_type)
        if "mask" in value.name:
            mask = np.ones(shape, dtype)
            for row in mask.reshape(-1, shape[-1]):
                row[shape[-1] - rng.integers(1, max(1, shape[-1] // 4) + 1):] = 0
            inputs[value.name] = mask
        elif np.issubdtype(dtype, np.integer):
            inputs[value.name] = rng.integers(0, _index_bound(model, value.name) or 2, size=shape).astype(dtype)
        else:
            inputs[value.name] = rng.standard_normal(shape).astype(dtype)
    return inputs
