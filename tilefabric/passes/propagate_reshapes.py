"""Push reshapes that split or merge non-unit dims out of the op graph, to the arguments.

torch-mlir lowers ONNX `Reshape` between a (b, s, h·d) projection and a (b, s, h, d)
attention tensor, and batched matmuls over (b·h, s, s), to `tensor.expand_shape` /
`tensor.collapse_shape`. A reshape is not a generic: it has no plan, and a generic reading
a merged dim through the split one would need `h * 16 + d` indexing, which is not a
projected permutation. Splitting the loop instead keeps every map a projected permutation:

* producer side: `expand_shape(generic(...))` → the generic iterates the split loops and
  writes the expanded tensor; its operands indexed by the split loop get an expand_shape
  (which moves further up, cancels against a collapse, or stops at a function argument);
* consumer side: `generic(collapse_shape(x))` → the generic reads `x` with split loops; its
  results are collapsed back for other users (a following expand then cancels);
* `expand(collapse(x))` / `collapse(expand(x))` with the same grouping are `x`.

Reshapes that only add or remove unit dims are left to `fold-unit-reshapes`. What remains
are reshapes of function arguments, which the ONNX frontend folds into the weights' data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import prod

from xdsl.context import Context
from xdsl.dialects.builtin import (
    AffineMapAttr,
    ArrayAttr,
    IntegerAttr,
    ModuleOp,
    TensorType,
    i64,
)
from xdsl.dialects.linalg.ops import GenericOp, IndexOp
from xdsl.dialects.tensor import CollapseShapeOp, EmptyOp, ExpandShapeOp
from xdsl.ir import Operation, SSAValue
from xdsl.ir.affine import AffineDimExpr, AffineExpr, AffineMap
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.rewriter import InsertPoint

from tilefabric.passes.fold_unit_reshapes import analyze_unit_reshape

Splits = dict[int, tuple[int, ...]]  # loop dim -> sizes of the loops replacing it


def groups_of(op: ExpandShapeOp | CollapseShapeOp) -> list[list[int]]:
    return [[i.value.data for i in group.data] for group in op.reassociation.data]


def expanded_type(op: ExpandShapeOp | CollapseShapeOp) -> TensorType:
    return op.result.type if isinstance(op, ExpandShapeOp) else op.src.type


def axis_sizes(op: ExpandShapeOp | CollapseShapeOp) -> list[tuple[int, ...]]:
    """Per collapsed axis, the sizes of the expanded axes it stands for."""
    shape = expanded_type(op).get_shape()
    return [tuple(shape[e] for e in group) for group in groups_of(op)]


def _reassociation(sizes: Sequence[tuple[int, ...]]) -> ArrayAttr:
    groups, start = [], 0
    for s in sizes:
        groups.append(ArrayAttr([IntegerAttr(start + i, i64) for i in range(len(s))]))
        start += len(s)
    return ArrayAttr(groups)


def _is_reshape_only(op) -> bool:
    """Non-unit reshapes are ours; unit-only ones belong to fold-unit-reshapes."""
    return analyze_unit_reshape(op) is None


def loop_splits(m: AffineMap, sizes: Sequence[tuple[int, ...]]) -> Splits | None:
    """Which loops must split so that an operand indexed by `m` gets axes `sizes`; None if
    a split axis is not indexed by a bare loop dim."""
    splits: Splits = {}
    for expr, axis in zip(m.results, sizes, strict=True):
        if len(axis) == 1:
            continue
        if not isinstance(expr, AffineDimExpr) or splits.get(expr.position, axis) != axis:
            return None
        splits[expr.position] = axis
    return splits


@dataclass
class _Expansion:
    """A generic's loops after splitting: new loop ids per old loop."""

    new_ids: list[list[int]]
    splits: Splits

    @classmethod
    def of(cls, n_loops: int, splits: Splits) -> _Expansion:
        ids, k = [], 0
        for d in range(n_loops):
            count = len(splits.get(d, (0,)))
            ids.append(list(range(k, k + count)))
            k += count
        return cls(ids, splits)

    @property
    def n_loops(self) -> int:
        return sum(len(i) for i in self.new_ids)

    def map_and_sizes(self, m: AffineMap, shape: Sequence[int]):
        """New map of an operand and the sizes each of its axes expands to (None if a split
        loop appears inside a compound expression)."""
        dims = [AffineExpr.dimension(ids[0]) for ids in self.new_ids]
        results, sizes = [], []
        for expr, extent in zip(m.results, shape, strict=True):
            if isinstance(expr, AffineDimExpr) and expr.position in self.splits:
                results += [AffineExpr.dimension(i) for i in self.new_ids[expr.position]]
                sizes.append(self.splits[expr.position])
                continue
            if any(d in self.splits for d in expr.used_dims()):
                return None
            results.append(expr.replace_dims_and_symbols(dims, []))
            sizes.append((extent,))
        return AffineMap(self.n_loops, m.num_symbols, tuple(results)), sizes


def _expand_value(value: SSAValue, sizes: list[tuple[int, ...]], rewriter: PatternRewriter,
                  before: Operation) -> SSAValue:
    """`value` seen with its axes split into `sizes`: a collapse's source, a new empty, or an
    expand_shape inserted before `before`."""
    shape = [s for axis in sizes for s in axis]
    new_type = TensorType(value.type.element_type, shape)
    owner = value.owner
    if isinstance(owner, CollapseShapeOp) and owner.src.type == new_type and axis_sizes(owner) == list(sizes):
        return owner.src
    if isinstance(owner, EmptyOp):
        empty = EmptyOp((), new_type)
        rewriter.insert(empty, InsertPoint.before(before))
        return empty.tensor
    expand = ExpandShapeOp(value, [], _reassociation(sizes), shape, new_type)
    rewriter.insert(expand, InsertPoint.before(before))
    return expand.result


def _collapse_value(value: SSAValue, sizes: list[tuple[int, ...]], rewriter: PatternRewriter,
                    after: Operation) -> SSAValue:
    shape = [prod(axis) for axis in sizes]
    collapse = CollapseShapeOp(operands=[value], result_types=[TensorType(value.type.element_type, shape)],
                               properties={"reassociation": _reassociation(sizes)})
    rewriter.insert(collapse, InsertPoint.after(after))
    return collapse.result


def expand_generic(op: GenericOp, splits: Splits, rewriter: PatternRewriter):
    """Build (before `op`) a copy of `op` iterating the split loops; returns it and, per result,
    the axis sizes its output was expanded with, or None if `op` cannot be split so."""
    if any(isinstance(inner, IndexOp) for inner in op.body.walk()):
        return None  # loop indices would need recombining
    exp = _Expansion.of(len(op.iterator_types), splits)
    operands = list(op.inputs) + list(op.outputs)
    planned = []
    for value, m in zip(operands, (a.data for a in op.indexing_maps.data), strict=True):
        shape = value.type.get_shape() if isinstance(value.type, TensorType) else ()
        got = exp.map_and_sizes(m, shape)
        if got is None:
            return None
        planned.append(got)
    new_values = [
        _expand_value(v, sizes, rewriter, op) if any(len(s) > 1 for s in sizes) else v
        for v, (_, sizes) in zip(operands, planned)
    ]
    n_in = len(op.inputs)
    iterators = [op.iterator_types.data[d] for d in range(len(exp.new_ids)) for _ in exp.new_ids[d]]
    new_op = GenericOp(
        inputs=new_values[:n_in],
        outputs=new_values[n_in:],
        body=op.body.clone(),
        indexing_maps=[AffineMapAttr(m) for m, _ in planned],
        iterator_types=iterators,
        result_types=[v.type for v in new_values[n_in:]],
        doc=op.doc,
        library_call=op.library_call,
    )
    new_op.attributes |= op.attributes
    rewriter.insert(new_op, InsertPoint.before(op))
    return new_op, [sizes for _, sizes in planned[n_in:]]


def _replace_results(op: GenericOp, new_op: GenericOp, out_sizes, rewriter: PatternRewriter,
                     skip: SSAValue | None = None) -> None:
    """Old results' remaining users read the new results, collapsed back where needed."""
    for old, new, sizes in zip(op.res, new_op.res, out_sizes, strict=True):
        if old is skip or not old.uses:
            continue
        if old.type == new.type:
            rewriter.replace_all_uses_with(old, new)
        else:
            rewriter.replace_all_uses_with(old, _collapse_value(new, sizes, rewriter, new_op))


def _is_fill(op: GenericOp) -> bool:
    """No tensor input but scalars (a fill): cheap to duplicate, so its other users keep
    the original."""
    return all(not isinstance(v.type, TensorType) or not v.type.get_shape() for v in op.inputs)


class FoldExpandIntoProducer(RewritePattern):
    """`expand_shape(generic)` → the generic writes the expanded tensor itself."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ExpandShapeOp, rewriter: PatternRewriter, /):
        producer = op.src.owner
        if not _is_reshape_only(op) or not isinstance(producer, GenericOp):
            return
        if len(producer.res) != len(producer.outputs):
            return
        if not (op.src.has_one_use() or _is_fill(producer)):
            return
        j = op.src.index
        out_map = producer.indexing_maps.data[len(producer.inputs) + j].data
        splits = loop_splits(out_map, axis_sizes(op))
        if not splits:
            return
        built = expand_generic(producer, splits, rewriter)
        if built is None:
            return
        new_op, out_sizes = built  # result j has the expand's type: the splits came from it
        rewriter.replace(op, [], [new_op.res[j]])
        _replace_results(producer, new_op, out_sizes, rewriter, skip=producer.res[j])
        if not any(r.uses for r in producer.res):
            rewriter.erase(producer)


class FoldCollapseIntoConsumers(RewritePattern):
    """`generic(collapse_shape(x))` → the generic reads `x` with split loops."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: CollapseShapeOp, rewriter: PatternRewriter, /):
        if not _is_reshape_only(op):
            return
        for user in {use.operation for use in op.result.uses}:
            if isinstance(user, GenericOp):
                self._fold_into(op, user, rewriter)
        if not op.result.uses:
            rewriter.erase(op)

    @staticmethod
    def _fold_into(op: CollapseShapeOp, user: GenericOp, rewriter: PatternRewriter) -> None:
        maps = [a.data for a in user.indexing_maps.data]
        splits: Splits = {}
        for i, value in enumerate(user.inputs):
            if value is not op.result:
                continue
            found = loop_splits(maps[i], axis_sizes(op))
            if found is None or any(splits.get(d, s) != s for d, s in found.items()):
                return
            splits.update(found)
        if not splits or any(v is op.result for v in user.outputs):
            return
        built = expand_generic(user, splits, rewriter)
        if built is None:
            return
        new_op, out_sizes = built
        _replace_results(user, new_op, out_sizes, rewriter)
        rewriter.erase(user)


class CancelReshapePairs(RewritePattern):
    """expand(collapse(x)) and collapse(expand(x)) with the same grouping are x."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ExpandShapeOp | CollapseShapeOp, rewriter: PatternRewriter, /):
        inner = op.src.owner
        opposite = CollapseShapeOp if isinstance(op, ExpandShapeOp) else ExpandShapeOp
        if not isinstance(inner, opposite) or inner.src.type != op.result.type:
            return
        if groups_of(inner) != groups_of(op):
            return
        rewriter.replace(op, [], [inner.src])


class ExpandEmpty(RewritePattern):
    """expand(tensor.empty) is a tensor.empty of the expanded type."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ExpandShapeOp, rewriter: PatternRewriter, /):
        if isinstance(op.src.owner, EmptyOp) and not op.dynamic_output_shape:
            rewriter.replace(op, EmptyOp((), op.result.type))


@dataclass(frozen=True)
class PropagateReshapes(ModulePass):
    """Move non-unit expand/collapse reshapes through generics to the function arguments."""

    name = "propagate-reshapes"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(
            GreedyRewritePatternApplier([
                CancelReshapePairs(), ExpandEmpty(), FoldExpandIntoProducer(), FoldCollapseIntoConsumers(),
            ])
        ).rewrite_module(op)
