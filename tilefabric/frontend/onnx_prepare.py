"""ONNX-level preparation: load safely, refuse what we cannot compile, and move float
weights out of the graph (they become graph inputs, their data goes to the side)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper

from tilefabric.errors import TileFabricError
from tilefabric.frontend.fold_batchnorm import fold_batchnorm_into_conv
from tilefabric.frontend.shape_folding import fold_shape_computations

TARGET_OPSET = 17
FLOAT_TYPES = {TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.BFLOAT16, TensorProto.DOUBLE}
# Float inputs torch-mlir needs as literal constants (resampling scales, quantisation scales).
STATIC_INPUTS = {"Resize": {1, 2}, "Upsample": {1}, "QuantizeLinear": {1}, "DequantizeLinear": {1}}


@dataclass
class PreparedModel:
    """The rewritten proto plus what was taken out of it; its graph inputs are
    `input_names + weight_names`, in that order."""

    model: onnx.ModelProto
    input_names: list[str]
    weight_names: list[str]
    weights: dict[str, np.ndarray]
    output_names: list[str]
    index_bounds: dict[str, int]


def _first_line(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return lines[0] if lines else type(exc).__name__


def load(path: Path) -> onnx.ModelProto:
    """Read the file; a failure is one line naming the file. Validation is `check`, which the
    importer runs while torch-mlir lowers (it takes seconds on a large model)."""
    try:
        model = onnx.load(str(path))
    except Exception as exc:  # protobuf and external-data errors differ in type
        raise TileFabricError(f"cannot read ONNX model: {_first_line(exc)}", str(path)) from None
    if not model.graph.node:
        check(path)  # the checker's verdict, if it has one, says more
        raise TileFabricError("cannot read ONNX model: the graph has no nodes", str(path))
    return model


def check(path: Path) -> None:
    """The ONNX checker on the file; any failure is one line naming the file."""
    try:
        # the checker reads the file itself: sizing and re-serialising a large proto in
        # Python costs seconds (and fails past 2 GB)
        onnx.checker.check_model(str(path))
    except Exception as exc:  # checker and external-data errors differ in type
        raise TileFabricError(f"cannot read ONNX model: {_first_line(exc)}", str(path)) from None


def default_opset(model: onnx.ModelProto) -> int:
    return next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)


def _check_supported(model: onnx.ModelProto, where: str) -> None:
    """Refuse custom domains (torch-mlir ignores the domain) and dynamic input shapes."""
    for node in model.graph.node:
        if node.domain not in ("", "ai.onnx"):
            raise TileFabricError(f"unsupported ONNX op '{node.op_type}' (node '{node.name}'): "
                                  f"domain '{node.domain}' is not supported", where)
    inits = {i.name for i in model.graph.initializer}
    for inp in model.graph.input:
        if inp.name in inits:
            continue
        if not inp.type.HasField("tensor_type") or not inp.type.tensor_type.HasField("shape"):
            raise TileFabricError(f"input '{inp.name}' is not a tensor of known rank", where)
        if inp.type.tensor_type.elem_type in (TensorProto.STRING, TensorProto.UNDEFINED):
            raise TileFabricError(f"input '{inp.name}' is not a numeric tensor", where)
        for i, dim in enumerate(inp.type.tensor_type.shape.dim):
            if not dim.HasField("dim_value"):
                label = f"'{dim.dim_param}'" if dim.dim_param else "of unknown size"
                raise TileFabricError(
                    f"input '{inp.name}' has a dynamic dimension {label} (axis {i}); "
                    "dynamic shapes are not supported, export the model with fixed shapes", where)


def _hoist_constants(graph: onnx.GraphProto) -> None:
    """Turn float `Constant` nodes into initializers so they can be lifted like weights."""
    keep = []
    for node in graph.node:
        value = None
        if node.op_type == "Constant" and node.domain in ("", "ai.onnx"):
            value = next((a.t for a in node.attribute if a.name == "value"), None)
        if value is not None and value.data_type in FLOAT_TYPES and np.prod(value.dims) > 1:
            tensor = TensorProto()
            tensor.CopyFrom(value)
            tensor.name = node.output[0]
            graph.initializer.append(tensor)
        else:
            keep.append(node)
    if len(keep) != len(graph.node):
        del graph.node[:]
        graph.node.extend(keep)


def _consumed(graph: onnx.GraphProto) -> set[str]:
    """Every value name read by a node of `graph` or of its subgraphs, or returned by it."""
    names = {o.name for o in graph.output}
    for node in graph.node:
        names.update(node.input)
        for attr in node.attribute:
            for sub in [attr.g] if attr.HasField("g") else list(attr.graphs):
                names |= _consumed(sub)
    return names


def _liftable(graph: onnx.GraphProto) -> list[TensorProto]:
    """Used float non-scalar initializers not needed as literal constants by their consumers."""
    static = {name for node in graph.node
              for i, name in enumerate(node.input) if i in STATIC_INPUTS.get(node.op_type, ())}
    used = _consumed(graph)
    return [init for init in graph.initializer
            if init.data_type in FLOAT_TYPES and np.prod(init.dims) > 1
            and init.name in used and init.name not in static]


def _lift_weights(model: onnx.ModelProto) -> dict[str, np.ndarray]:
    """Move liftable initializers to graph inputs placed after the user inputs."""
    graph = model.graph
    lifted = _liftable(graph)
    weights = {init.name: numpy_helper.to_array(init) for init in lifted}
    init_names = {i.name for i in graph.initializer}
    user = [i for i in graph.input if i.name not in init_names]
    stale = [i for i in graph.input if i.name in init_names and i.name not in weights]
    new_inputs = [onnx.helper.make_tensor_value_info(i.name, i.data_type, list(i.dims))
                  for i in lifted]
    kept = [i for i in graph.initializer if i.name not in weights]
    del graph.input[:]
    graph.input.extend(user + new_inputs + stale)
    del graph.initializer[:]
    graph.initializer.extend(kept)
    return weights


def prepare(model: onnx.ModelProto, where: str) -> PreparedModel:
    """Rewrite `model` (our own copy) for torch-mlir: weights out, opset ≥ 17, shapes inferred."""
    graph = model.graph
    for i, node in enumerate(graph.node):  # errors name nodes, so every node gets a name
        if not node.name:
            node.name = f"{node.op_type}_{i}"
    _check_supported(model, where)
    _hoist_constants(graph)
    fold_batchnorm_into_conv(graph)
    weights = _lift_weights(model)
    # after lifting: shape inference then runs on a graph without the weights' bytes
    fold_shape_computations(model, default_opset(model), where, weights)
    if default_opset(model) < TARGET_OPSET:
        try:
            model = onnx.version_converter.convert_version(model, TARGET_OPSET)
        except Exception as exc:
            raise TileFabricError(f"cannot convert opset {default_opset(model)} to "
                                  f"{TARGET_OPSET}: {_first_line(exc)}", where) from None
    model.graph.name = "main"  # torch-mlir names the function after the graph
    try:
        model = onnx.shape_inference.infer_shapes(model)
    except Exception as exc:
        raise TileFabricError(f"ONNX shape inference failed: {_first_line(exc)}", where) from None
    initialized = {t.name for t in model.graph.initializer}
    inputs = [i.name for i in model.graph.input if i.name not in initialized]
    user = [n for n in inputs if n not in weights]
    if inputs != user + list(weights):
        raise TileFabricError("internal: graph inputs were reordered during preparation", where)
    return PreparedModel(model, user, list(weights), weights, [o.name for o in model.graph.output],
                         index_bounds(model, user))


PASS_THROUGH = {"Cast", "Reshape", "Unsqueeze", "Squeeze", "Flatten", "Identity", "Expand"}


def index_bounds(model: onnx.ModelProto, inputs: list[str]) -> dict[str, int]:
    """Integer inputs that (through casts and reshapes) index a Gather: how many rows the
    gathered axis has, so generated test data stays in range (token ids < vocab)."""
    shapes = {vi.name: [d.dim_value for d in vi.type.tensor_type.shape.dim]
              for vi in list(model.graph.value_info) + list(model.graph.input)}
    shapes.update({t.name: list(t.dims) for t in model.graph.initializer})
    source = {}
    for node in model.graph.node:
        if node.op_type in PASS_THROUGH and node.input:
            source[node.output[0]] = source.get(node.input[0], node.input[0])
    bounds: dict[str, int] = {}
    for node in model.graph.node:
        if node.op_type != "Gather" or len(node.input) < 2:
            continue
        root = source.get(node.input[1], node.input[1])
        data = shapes.get(node.input[0])
        axis = next((a.i for a in node.attribute if a.name == "axis"), 0)
        if root in inputs and data and data[axis] > 0:
            bounds[root] = min(bounds.get(root, data[axis]), data[axis])
    return bounds
