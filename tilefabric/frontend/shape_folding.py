"""Fold the shape arithmetic exporters leave in graphs, on the ONNX graph, before import.

torch.onnx writes `x.size()[:-1] + (n,)` as Shape → Gather/Slice → Unsqueeze → Concat →
Reshape, masks as ConstantOfShape / Range / Expand, and so on. With every input shape fixed
these are all constants, but torch-mlir types the Reshape as dynamic (`tensor<1x?x64xf32>`)
and fails. Here `Shape` of a statically shaped value becomes an initializer, then every node
whose inputs are all constants and whose outputs are small (index and mask tensors, not
weights) is evaluated with onnx's reference evaluator, until nothing changes.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper
from onnx.reference import ReferenceEvaluator

from tilefabric.errors import TileFabricError

MAX_FOLDED_ELEMENTS = 1 << 16  # a computed constant this small is shape data or a mask, not a weight
NEVER = {"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli"}


def _static_shapes(model: onnx.ModelProto) -> dict[str, list[int]]:
    inferred = onnx.shape_inference.infer_shapes(model, data_prop=True)
    shapes = {}
    for vi in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output):
        t = vi.type.tensor_type
        if t.HasField("shape") and all(d.HasField("dim_value") for d in t.shape.dim):
            shapes[vi.name] = [d.dim_value for d in t.shape.dim]
    for init in inferred.graph.initializer:
        shapes[init.name] = list(init.dims)
    return shapes


def _constants(graph: onnx.GraphProto) -> dict[str, np.ndarray]:
    """Small initializers and Constant nodes (large ones are weights, never read here)."""
    known = {}
    for init in graph.initializer:
        if np.prod(init.dims) <= MAX_FOLDED_ELEMENTS:
            known[init.name] = numpy_helper.to_array(init)
    for node in graph.node:
        if node.op_type == "Constant" and node.domain in ("", "ai.onnx") and len(node.attribute) == 1 \
                and node.attribute[0].name == "value":
            known[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
    return known


def _evaluate(node: onnx.NodeProto, known: dict[str, np.ndarray], opset: int) -> list[np.ndarray] | None:
    try:
        evaluator = ReferenceEvaluator(node, opsets={"": opset})
        feeds = {name: known[name] for name in node.input if name}
        return [np.asarray(v) for v in evaluator.run(None, feeds)]
    except Exception:  # an op the reference evaluator lacks stays in the graph
        return None


def fold_shape_computations(model: onnx.ModelProto, opset: int, where: str,
                            weights: dict[str, np.ndarray] | None = None) -> int:
    """Replace constant-foldable nodes of `model` (our own copy) by initializers; small
    `weights` (lifted out of the graph) count as constants too."""
    graph = model.graph
    try:
        shapes = _static_shapes(model)
    except Exception as exc:
        raise TileFabricError(f"ONNX shape inference failed: {str(exc).splitlines()[0]}", where) from None
    known = _constants(graph)
    known.update({n: a for n, a in (weights or {}).items() if a.size <= MAX_FOLDED_ELEMENTS})
    outputs = {o.name for o in graph.output}
    folded, keep = 0, []
    for node in graph.node:
        values = None
        if node.domain not in ("", "ai.onnx") or node.op_type in NEVER or node.op_type == "Constant":
            pass
        elif node.op_type == "Shape" and node.input[0] in shapes:
            attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
            dims = shapes[node.input[0]]
            values = [np.array(dims[attrs.get("start", 0):attrs.get("end", len(dims))], dtype=np.int64)]
        elif node.input and all(not name or name in known for name in node.input) and not any(a.type == onnx.AttributeProto.GRAPH for a in node.attribute):
            values = _evaluate(node, known, opset)
        if values is None or any(v.size > MAX_FOLDED_ELEMENTS for v in values) or any(o in outputs for o in node.output):
            keep.append(node)
            continue
        for name, value in zip(node.output, values):
            known[name] = value
            graph.initializer.append(numpy_helper.from_array(value, name))
        folded += 1
    if folded:
        del graph.node[:]
        graph.node.extend(keep)
        _drop_unread_initializers(graph)
    return folded


def _drop_unread_initializers(graph: onnx.GraphProto) -> None:
    """Initializers only the folded nodes read (not those listed as graph inputs too)."""
    read = {name for node in graph.node for name in node.input} | {o.name for o in graph.output}
    read |= {i.name for i in graph.input}
    kept = [init for init in graph.initializer if init.name in read]
    if len(kept) != len(graph.initializer):
        del graph.initializer[:]
        graph.initializer.extend(kept)
