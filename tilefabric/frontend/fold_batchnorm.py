"""Batch-norm after a convolution is folded into the convolution's weights (inference):
`BN(conv(x, W) + b) = conv(x, W·s) + (b − mean)·s + beta` with `s = scale / sqrt(var + eps)`
per output channel. Done on the ONNX graph before import, as onnxruntime and every
deployment toolchain do, so the chip runs one convolution instead of a convolution and four
elementwise passes over its output. Only a BatchNormalization whose parameters are
initializers and whose input is a Conv output read by nothing else is folded."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import numpy_helper


def _attr(node, name: str, default):
    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


def fold_batchnorm_into_conv(graph: onnx.GraphProto) -> int:
    """Rewrite `graph` in place; returns how many BatchNormalization nodes were folded."""
    inits = {t.name: t for t in graph.initializer}
    producer = {o: n for n in graph.node for o in n.output}
    readers: dict[str, int] = {}
    for n in graph.node:
        for i in n.input:
            readers[i] = readers.get(i, 0) + 1
    outputs = {o.name for o in graph.output}
    removed, folded = set(), 0
    for bn in graph.node:
        if bn.op_type != "BatchNormalization" or len(bn.output) != 1 or _attr(bn, "training_mode", 0):
            continue
        conv = producer.get(bn.input[0])
        if conv is None or conv.op_type != "Conv" or readers.get(bn.input[0], 0) != 1 or bn.input[0] in outputs:
            continue
        params = list(bn.input[1:5]) + list(conv.input[1:3])
        if not all(p in inits for p in params if p):
            continue
        scale, beta, mean, var = (numpy_helper.to_array(inits[p]).astype(np.float64) for p in bn.input[1:5])
        w = numpy_helper.to_array(inits[conv.input[1]])
        b = numpy_helper.to_array(inits[conv.input[2]]).astype(np.float64) if len(conv.input) > 2 and conv.input[2] else 0.0
        s = scale / np.sqrt(var + float(_attr(bn, "epsilon", 1e-5)))
        new_w = (w.astype(np.float64) * s.reshape((-1,) + (1,) * (w.ndim - 1))).astype(w.dtype)
        new_b = ((b - mean) * s + beta).astype(w.dtype)
        names = (f"{conv.input[1]}:bn_folded", f"{bn.name or bn.output[0]}:bias_folded")
        graph.initializer.extend([numpy_helper.from_array(new_w, names[0]), numpy_helper.from_array(new_b, names[1])])
        del conv.input[1:]
        conv.input.extend(names)
        conv.output[0] = bn.output[0]
        removed.add(id(bn))
        folded += 1
    if folded:
        keep = [n for n in graph.node if id(n) not in removed]
        del graph.node[:]
        graph.node.extend(keep)
    return folded
