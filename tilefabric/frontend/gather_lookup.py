"""Embedding gathers become table lookups, a kernel the planner can distribute.

torch-mlir lowers ONNX Gather to a `linalg.generic` whose body reads a tensor captured from
outside with `tensor.extract %table[index_cast(%id), linalg.index k, ...]`: a data-dependent
address no indexing map can describe. It is rewritten here as the one-hot contraction it is:

    out[i.., k..] = Σ_v select(id[i..] + 1 == tag[v], table[.., v, ..], 0)

with the table an ordinary input read at `(.., v, ..)`, `v` a new reduction dim, and `tag` a
side weight `rows:V` holding 1..V (1-based, so the 0 padding of a block matches no key).
The planner can then split or rotate the table along `v` like any contraction operand, and
the simulator finds each row by address (kernel kind `lookup`). A gather whose ids and table
are both weights (position embeddings) is evaluated here, on the data.
"""

from __future__ import annotations

import numpy as np
from xdsl.dialects import arith, tensor
from xdsl.dialects.builtin import AffineMapAttr, FloatAttr, IntegerAttr, IntegerType, ModuleOp, StringAttr, i64
from xdsl.dialects.func import FuncOp
from xdsl.dialects.linalg.ops import GenericOp, IndexOp, IteratorType, IteratorTypeAttr, YieldOp
from xdsl.ir import Block, BlockArgument, Region
from xdsl.ir.affine import AffineConstantExpr, AffineDimExpr, AffineMap
from xdsl.rewriter import InsertPoint, Rewriter

from tilefabric.errors import TileFabricError
from tilefabric.frontend.weight_folding import add_weight, arg_names, drop_unused_weights

DATA = -1  # an index read from an input (the gathered axis)


def _label(op: GenericOp) -> str:
    name = op.attributes.get("tf.op")
    return name.data if isinstance(name, StringAttr) else "gather"


def _index_kinds(op: GenericOp, extract: tensor.ExtractOp, label: str) -> tuple[list[int], BlockArgument]:
    """Per table axis: the loop dim indexing it, DATA, or -2 for a constant 0; and the id."""
    n_in = len(op.inputs)
    kinds, key = [], None
    for axis, index in enumerate(extract.indices):
        owner = index.owner
        if isinstance(owner, IndexOp):
            kinds.append(owner.dim.value.data)
        elif isinstance(owner, arith.IndexCastOp) and isinstance(owner.input, BlockArgument) \
                and owner.input.owner is op.body.block and owner.input.index < n_in and key is None:
            kinds.append(DATA)
            key = owner.input
        elif isinstance(owner, arith.ConstantOp) and owner.value.value.data == 0 \
                and extract.tensor.type.get_shape()[axis] == 1:
            kinds.append(-2)
        else:
            raise TileFabricError(f"operator '{label}': gather index #{axis} is neither a loop index nor "
                                  "an id read from an input (not supported)")
    if key is None:
        raise TileFabricError(f"operator '{label}': tensor.extract without a data-dependent index (not supported)")
    return kinds, key


def _gather(op: GenericOp) -> tensor.ExtractOp | None:
    extracts = [o for o in op.body.block.ops if isinstance(o, tensor.ExtractOp)]
    if not extracts:
        return None
    label = _label(op)
    if len(extracts) > 1 or len(op.outputs) != 1:
        raise TileFabricError(f"operator '{label}': a gather with {len(extracts)} table reads and "
                              f"{len(op.outputs)} outputs (only one of each is supported)")
    extract = extracts[0]
    if extract.tensor.owner is op or getattr(extract.tensor.owner, "parent_op", lambda: None)() is op:
        raise TileFabricError(f"operator '{label}': gather from a tensor built inside the body (not supported)")
    if op.body.block.last_op.operands[0] is not extract.result:
        raise TileFabricError(f"operator '{label}': a gather whose row is computed on before it is "
                              "yielded (not supported)")
    return extract


def _fold_constant(op, extract, kinds, key, weights, weight_of, fn) -> bool:
    """ids and table both weights: do the gather now, on the data."""
    ids_value = op.inputs[key.index]
    if extract.tensor not in weight_of or ids_value not in weight_of:
        return False
    from tilefabric.analysis.iteration_space import loop_sizes, maps_of

    sizes = loop_sizes(op)
    ids = weights[weight_of[ids_value]]
    dims = [e.position if isinstance(e, AffineDimExpr) else None for e in maps_of(op)[key.index].results]
    grid = np.indices(sizes)
    ids_at = ids[tuple(grid[d] if d is not None else 0 for d in dims)]
    table = weights[weight_of[extract.tensor]]
    index = tuple(ids_at if k == DATA else (grid[k] if k >= 0 else 0) for k in kinds)
    out_dims = [e.position for e in maps_of(op)[-1].results if isinstance(e, AffineDimExpr)]
    if sorted(out_dims) != list(range(len(sizes))):
        return False
    value = np.broadcast_to(table[index], sizes).transpose(out_dims)
    result = op.results[0]
    name = f"{_label(op)}:0"
    while name in weights:
        name += "'"
    weights[name] = np.ascontiguousarray(value.reshape(result.type.get_shape()))
    arg = add_weight(fn, name, result.type)
    weight_of[arg] = name
    Rewriter.replace_op(op, [], [arg])
    return True


def _tags(fn: FuncOp, rows: int, weights: dict, weight_of: dict):
    name = f"rows:{rows}"
    for arg, n in weight_of.items():
        if n == name:
            return arg
    weights[name] = np.arange(1, rows + 1, dtype=np.int64)
    from xdsl.dialects.builtin import TensorType

    arg = add_weight(fn, name, TensorType(i64, [rows]))
    weight_of[arg] = name
    return arg


def _to_lookup(fn, op: GenericOp, extract, kinds, key, weights, weight_of) -> None:
    table = extract.tensor
    axis = kinds.index(DATA)
    rows = table.type.get_shape()[axis]
    n_dims = len(op.iterator_types.data)
    v = n_dims
    maps = [m.data for m in op.indexing_maps.data]
    widen = lambda m: AffineMap(n_dims + 1, 0, m.results)  # noqa: E731
    table_map = AffineMap(n_dims + 1, 0, tuple(AffineDimExpr(v) if k == DATA else (AffineDimExpr(k) if k >= 0 else AffineConstantExpr(0)) for k in kinds))
    tags = _tags(fn, rows, weights, weight_of)
    out_type = op.results[0].type
    elt = out_type.element_type

    # out starts at zero: the sum over rows adds exactly one matching row
    fill_block = Block(arg_types=[elt])
    zero = arith.ConstantOp(IntegerAttr(0, elt) if isinstance(elt, IntegerType) else FloatAttr(0.0, elt))
    fill_block.add_ops([zero, YieldOp(zero.result)])
    rank = len(out_type.get_shape())
    fill = GenericOp([], [op.outputs[0]], Region(fill_block), [AffineMapAttr(AffineMap.identity(rank))],
                     [IteratorTypeAttr(IteratorType.PARALLEL)] * rank, [out_type])
    fill.attributes["tf.op"] = StringAttr(_label(op) + ":zero")

    n_in = len(op.inputs)
    arg_types = [a.type for a in op.body.block.args[:n_in]] + [elt, i64, elt]
    block = Block(arg_types=arg_types)
    ids = block.args[key.index]
    ops = []
    if ids.type != i64:
        ext = arith.ExtSIOp(ids, i64)
        ops.append(ext)
        ids = ext.result
    one = arith.ConstantOp(IntegerAttr(1, i64))
    plus = arith.AddiOp(ids, one.result)
    eq = arith.CmpiOp(plus.result, block.args[n_in + 1], "eq")
    nothing = arith.ConstantOp(IntegerAttr(0, elt) if isinstance(elt, IntegerType) else FloatAttr(0.0, elt))
    pick = arith.SelectOp(eq.result, block.args[n_in], nothing.result)
    add = (arith.AddiOp if isinstance(elt, IntegerType) else arith.AddfOp)(block.args[n_in + 2], pick.result)
    ops += [one, plus, eq, nothing, pick, add, YieldOp(add.result)]
    block.add_ops(ops)
    Rewriter.insert_op(fill, InsertPoint.before(op))
    lookup = GenericOp(
        list(op.inputs) + [table, tags], [fill.results[0]], Region(block),
        [AffineMapAttr(widen(m)) for m in maps[:n_in]] + [AffineMapAttr(table_map), AffineMapAttr(AffineMap(n_dims + 1, 0, (AffineDimExpr(v),))),
                                                          AffineMapAttr(widen(maps[n_in]))],
        list(op.iterator_types.data) + [IteratorTypeAttr(IteratorType.REDUCTION)], [out_type])
    lookup.attributes["tf.op"] = StringAttr(_label(op))
    Rewriter.replace_op(op, lookup)


def convert_gathers(module: ModuleOp, weights: dict[str, np.ndarray], where: str, verify: bool = True) -> int:
    """Rewrite (or, on weights alone, evaluate) every gather generic; returns how many
    (`verify=False`: the caller verifies once after several steps)."""
    done = 0
    for fn in module.ops:
        if not (isinstance(fn, FuncOp) and fn.body.blocks):
            continue
        names = arg_names(fn)
        weight_of = {arg: n for arg, n in zip(fn.body.block.args, names) if n in weights}
        for op in list(fn.body.block.ops):
            if not isinstance(op, GenericOp):
                continue
            extract = _gather(op)
            if extract is None:
                continue
            kinds, key = _index_kinds(op, extract, _label(op))
            if not _fold_constant(op, extract, kinds, key, weights, weight_of, fn):
                _to_lookup(fn, op, extract, kinds, key, weights, weight_of)
            done += 1
        if done:
            drop_unused_weights(fn, weights)
    try:
        if done and verify:
            module.verify()
    except Exception as exc:
        raise TileFabricError(f"internal: IR invalid after rewriting gathers: {str(exc).splitlines()[0]}", where) from None
    return done
