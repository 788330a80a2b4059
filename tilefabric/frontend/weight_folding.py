"""Computations on weights alone happen at import time, on the data, not on the chip.

Exporters leave arithmetic on parameters in the graph: batch-norm's `1 / sqrt(var + eps)`
and its products with scale and mean, a bias cast or negated, a constant transposed. Every
elementwise `linalg.generic` of `@main` whose inputs are all weights (and whose result is no
bigger than its largest input: a broadcast stays a broadcast) is evaluated here with
numpy, its result becomes a new weight argument (named `<op>:<result>`), and weights no op
reads any more are dropped, so the compiled program only computes on activations.
"""

from __future__ import annotations

from math import prod

import numpy as np
from xdsl.dialects import arith
from xdsl.dialects.builtin import ArrayAttr, DenseIntOrFPElementsAttr, FunctionType, ModuleOp, StringAttr, TensorType
from xdsl.dialects.func import FuncOp
from xdsl.dialects.linalg.ops import GenericOp
from xdsl.dialects.tensor import ConcatOp, EmptyOp, ExtractSliceOp, PadOp
from xdsl.rewriter import Rewriter

from tilefabric.analysis.iteration_space import axis_dims, loop_sizes, maps_of
from tilefabric.errors import TileFabricError


def arg_names(fn: FuncOp) -> list[str]:
    return _names(fn, "tf.arg_names")


def _names(fn: FuncOp, key: str) -> list[str]:
    attr = fn.attributes.get(key)
    return [n.data for n in attr.data] if isinstance(attr, ArrayAttr) else []


def _set_names(fn: FuncOp, key: str, names: list[str]) -> None:
    fn.attributes[key] = ArrayAttr([StringAttr(n) for n in names])


MAX_GENERATED = 1 << 24  # elements: an index computation bigger than this stays on the chip


def _reads_indices(op: GenericOp) -> bool:
    return any(inner.name == "linalg.index" for inner in op.body.block.ops)


def _foldable(op: GenericOp, weight_of: dict) -> bool:
    """Elementwise, every input a weight (or none, when the body computes from loop indices:
    a Range, a causal mask), outputs fresh (tensor.empty) and not read."""
    if any(v not in weight_of for v in op.inputs):
        return False
    if not op.inputs and not (_reads_indices(op) and all(prod(v.type.get_shape()) <= MAX_GENERATED for v in op.outputs)):
        return False  # a constant fill costs nothing on the chip; keep it there
    if any(not isinstance(v.owner, EmptyOp) for v in op.outputs):
        return False
    if op.inputs:
        biggest = max(prod(v.type.get_shape()) for v in op.inputs)
        if any(prod(v.type.get_shape()) > biggest for v in op.outputs):
            return False  # a broadcast would store a bigger weight than it reads
    n_in = len(op.inputs)
    if any(arg.uses for arg in op.body.block.args[n_in:]):
        return False
    return not any(str(it.data).endswith("reduction") for it in op.iterator_types.data)


def _evaluate(op: GenericOp, arrays: list[np.ndarray]) -> list[np.ndarray]:
    """The generic on whole arrays: inputs broadcast over the loop space, body vectorised."""
    from tilefabric.runtime_sim.body_eval import evaluate, numpy_dtype

    sizes = loop_sizes(op)
    maps = maps_of(op)
    n_in = len(op.inputs)
    loop_args = []
    for a, m in zip(arrays, maps[:n_in]):
        dims = axis_dims(m)
        keep = [i for i, d in enumerate(dims) if d >= 0]
        arr = a.reshape([a.shape[i] for i in keep]).transpose(np.argsort([dims[i] for i in keep]))
        shape = [1] * len(sizes)
        for d in (dims[i] for i in keep):
            shape[d] = sizes[d]
        loop_args.append(arr.reshape(shape))
    outs = [np.zeros((), dtype=numpy_dtype(v.type.element_type)) for v in op.outputs]
    indices = [np.arange(n).reshape([n if i == d else 1 for i in range(len(sizes))]) for d, n in enumerate(sizes)]
    values = evaluate(op.body.block, loop_args + outs, indices)
    results = []
    for v, value, m in zip(op.outputs, values, maps[n_in:]):
        dims = axis_dims(m)
        full = np.broadcast_to(np.asarray(value), sizes)
        kept = [d for d in dims if d >= 0]
        arr = full.transpose(kept + [d for d in range(len(sizes)) if d not in kept])[(Ellipsis,) if len(kept) == len(sizes) else tuple([slice(None)] * len(kept) + [0] * (len(sizes) - len(kept)))]
        results.append(np.ascontiguousarray(arr.reshape(v.type.get_shape()), dtype=numpy_dtype(v.type.element_type)))
    return results


def _tensor_op_value(op, weight_of: dict, weights: dict) -> np.ndarray | None:
    """A slice, concat or pad of weights, computed now (None: not such an op)."""
    if isinstance(op, ExtractSliceOp) and op.source in weight_of and not (op.offsets or op.sizes or op.strides):
        src = weights[weight_of[op.source]]
        index = tuple(slice(o, o + n * st, st) for o, n, st in zip(op.static_offsets.get_values(), op.static_sizes.get_values(),
                                                                      op.static_strides.get_values()))
        return np.ascontiguousarray(src[index]).reshape(op.result.type.get_shape())
    if isinstance(op, ConcatOp) and all(v in weight_of for v in op.inputs):
        return np.concatenate([weights[weight_of[v]] for v in op.inputs], axis=op.dim.value.data)
    if isinstance(op, PadOp) and op.source in weight_of and not (op.low or op.high):
        from tilefabric.lowering.linalg_to_rtensor import pad_value

        value = pad_value(op, "pad")
        src = weights[weight_of[op.source]]
        return np.pad(src, tuple(zip(op.static_low.get_values(), op.static_high.get_values())), constant_values=value.value.data)
    return None


def add_weight(fn: FuncOp, name: str, value_type) -> object:
    block = fn.body.block
    arg = block.insert_arg(value_type, len(block.args))
    fn.function_type = FunctionType.from_lists(list(block.arg_types), list(fn.function_type.outputs.data))
    for key in ("tf.arg_names", "tf.weight_names"):  # appended to, not rebuilt: called per weight
        old = fn.attributes.get(key)
        fn.attributes[key] = ArrayAttr((*(old.data if isinstance(old, ArrayAttr) else ()), StringAttr(name)))
    return arg


def drop_unused_weights(fn: FuncOp, weights: dict[str, np.ndarray]) -> None:
    names = _names(fn, "tf.arg_names")
    block = fn.body.block
    for index in reversed(range(len(names))):
        arg = block.args[index]
        if names[index] in weights and not arg.uses:
            block.erase_arg(arg)
            del weights[names[index]]
            del names[index]
    fn.function_type = FunctionType.from_lists(list(block.arg_types), list(fn.function_type.outputs.data))
    _set_names(fn, "tf.arg_names", names)
    _set_names(fn, "tf.weight_names", [n for n in _names(fn, "tf.weight_names") if n in weights])


def lift_inline_constants(module: ModuleOp, weights: dict[str, np.ndarray], limit: int = 4096) -> int:
    """Small tensor constants torch-mlir leaves inline (index lists, a gather's index 0)
    become weights like the large ones, so folding and the planner see one kind of data."""
    from tilefabric.frontend.mlir_input import element_dtype

    lifted = 0
    for fn in module.ops:
        if not (isinstance(fn, FuncOp) and fn.body.blocks and "tf.arg_names" in fn.attributes):
            continue
        for op in list(fn.body.block.ops):
            t = op.results[0].type if isinstance(op, arith.ConstantOp) else None
            if not isinstance(t, TensorType) or not t.get_shape() or prod(t.get_shape()) > limit:
                continue
            attr = op.value
            if not isinstance(attr, DenseIntOrFPElementsAttr):
                continue
            values = np.asarray(attr.get_values(), dtype=element_dtype(t))
            data = np.broadcast_to(values, t.get_shape()).copy() if values.size == 1 else values.reshape(t.get_shape())
            name = f"const:{len(weights)}"
            while name in weights:
                name += "'"
            weights[name] = data
            Rewriter.replace_op(op, [], [add_weight(fn, name, t)])
            lifted += 1
    return lifted


def fold_weight_computations(module: ModuleOp, weights: dict[str, np.ndarray], where: str, verify: bool = True) -> int:
    """Evaluate weight-only elementwise generics of every function; returns how many."""
    folded = 0
    for fn in module.ops:
        if not (isinstance(fn, FuncOp) and fn.body.blocks and "tf.arg_names" in fn.attributes):
            continue
        names = _names(fn, "tf.arg_names")
        weight_of = {arg: n for arg, n in zip(fn.body.block.args, names) if n in weights}
        for index, op in enumerate(list(fn.body.block.ops)):
            moved = _tensor_op_value(op, weight_of, weights)
            if moved is not None:
                name = f"{op.name.split('.')[-1]}:{weight_of.get(op.operands[0], 'weights')}"
                while name in weights:
                    name += "'"
                weights[name] = moved
                arg = add_weight(fn, name, op.results[0].type)
                weight_of[arg] = name
                Rewriter.replace_op(op, [], [arg])
                folded += 1
                continue
            if not (isinstance(op, GenericOp) and _foldable(op, weight_of)):
                continue
            try:
                values = _evaluate(op, [weights[weight_of[v]] for v in op.inputs])
            except TileFabricError:
                continue  # a body the evaluator does not know stays on the chip
            label = op.attributes["tf.op"].data if isinstance(op.attributes.get("tf.op"), StringAttr) else f"op{index}"
            new_args = []
            for r, (res, value) in enumerate(zip(op.results, values)):
                name = f"{label}:{r}"
                while name in weights:
                    name += "'"
                weights[name] = value
                arg = add_weight(fn, name, res.type)
                weight_of[arg] = name
                new_args.append(arg)
            Rewriter.replace_op(op, [], new_args)
            folded += 1
        if folded:
            drop_unused_weights(fn, weights)
    try:
        if folded and verify:
            module.verify()
    except Exception as exc:
        raise TileFabricError(f"internal: IR invalid after folding weight computations: {str(exc).splitlines()[0]}", where) from None
    return folded
