"""Fold reshapes that only add or remove size-1 dimensions into `linalg.generic`s.

torch-mlir keeps broadcasts explicit: a reduction to `tensor<8xf32>` is
followed by `tensor.expand_shape ... into tensor<8x1xf32>` so that the next
generic can read it through `(d0, d1) -> (d0, 0)`. Such reshapes carry no
data movement, but as separate ops they would become separate stages (with
their own placement and transfers) in the tile plan. A unit dimension is
expressed just as well by an indexing map, so we fold the reshape away:

* consumer side: a generic that reads the reshape's result as an `ins`
  operand reads the reshape's source instead, with its indexing map adjusted
  (results indexing inserted unit dims are dropped, which requires them to be
  the constant 0 or a loop of extent 1; removed unit dims get a constant 0);
* producer side: when the reshape's source is a result of a generic used only
  by the reshape, that generic writes the reshaped type directly (output map
  adjusted, `tensor.empty` / fill init recreated with the new shape).

Reshapes that merge or split non-unit dimensions are left untouched.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import (
    AffineMapAttr,
    ArrayAttr,
    ModuleOp,
    ShapedType,
    TensorType,
)
from xdsl.dialects.linalg.attrs import IteratorType, IteratorTypeAttr
from xdsl.dialects.linalg.ops import GenericOp, IndexOp
from xdsl.dialects.tensor import CollapseShapeOp, EmptyOp, ExpandShapeOp
from xdsl.ir import Attribute, OpResult, Operation, SSAValue
from xdsl.ir.affine import (
    AffineConstantExpr,
    AffineDimExpr,
    AffineExpr,
    AffineMap,
)
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.rewriter import InsertPoint
from xdsl.transforms.dead_code_elimination import would_be_trivially_dead

ReshapeOp = ExpandShapeOp | CollapseShapeOp


@dataclass(frozen=True)
class UnitReshape:
    """A reshape that only inserts/removes size-1 dims.

    `reps[c]` is the dimension of the expanded type that carries dimension `c`
    of the collapsed type; every other expanded dimension has size 1.
    """

    expanded_rank: int
    reps: tuple[int, ...]

    def expand_results(self, results: Sequence[AffineExpr]) -> tuple[AffineExpr, ...]:
        """Map results indexing the collapsed type to results indexing the expanded one."""
        by_dim = dict(zip(self.reps, results, strict=True))
        return tuple(
            by_dim.get(e, AffineExpr.constant(0)) for e in range(self.expanded_rank)
        )

    def collapse_results(
        self, results: Sequence[AffineExpr], loop_ranges: Sequence[int] | None
    ) -> tuple[AffineExpr, ...] | None:
        """Map results indexing the expanded type to results indexing the collapsed one.

        The dropped results must provably always be 0: the constant 0, or a loop
        dimension of extent 1.
        """
        for e, expr in enumerate(results):
            if e in self.reps:
                continue
            if isinstance(expr, AffineConstantExpr) and expr.value == 0:
                continue
            if (
                isinstance(expr, AffineDimExpr)
                and loop_ranges is not None
                and loop_ranges[expr.position] == 1
            ):
                continue
            return None
        return tuple(results[e] for e in self.reps)


def _shape(value: SSAValue) -> tuple[int, ...]:
    assert isinstance(value.type, ShapedType)
    return tuple(value.type.get_shape())


def analyze_unit_reshape(op: ReshapeOp) -> UnitReshape | None:
    """Return how `op` maps dims if it only inserts/removes unit dims, else None."""
    if isinstance(op, ExpandShapeOp):
        expanded, collapsed = _shape(op.result), _shape(op.src)
    else:
        expanded, collapsed = _shape(op.src), _shape(op.result)
    groups = [[i.value.data for i in group.data] for group in op.reassociation.data]
    if len(groups) != len(collapsed):
        return None
    reps: list[int] = []
    for c, group in enumerate(groups):
        non_unit = [e for e in group if expanded[e] != 1]
        if len(non_unit) > 1:
            return None
        if non_unit:
            rep = non_unit[0]
            if expanded[rep] != collapsed[c]:
                return None
        else:
            if not group or collapsed[c] != 1:
                return None
            rep = group[0]
        reps.append(rep)
    if any(expanded[e] != 1 for e in range(len(expanded)) if e not in reps):
        return None
    return UnitReshape(len(expanded), tuple(reps))


def _loop_ranges(op: GenericOp) -> tuple[int, ...] | None:
    try:
        ranges = op.get_static_loop_ranges()
    except (NotImplementedError, ValueError, IndexError):
        return None
    if any(r < 0 for r in ranges):
        return None
    return tuple(ranges)


def _maps_invertible(maps: Sequence[AffineMap], num_loops: int) -> bool:
    """Every loop must still appear as a bare dim result, or its range is lost."""
    concat = AffineMap(num_loops, 0, tuple(r for m in maps for r in m.results))
    return concat.inverse_permutation() is not None


def _new_map(
    reshape: ReshapeOp,
    info: UnitReshape,
    old: AffineMap,
    loop_ranges: Sequence[int] | None,
    *,
    to_source: bool,
) -> AffineMap | None:
    """Rewrite `old`, which indexes one side of `reshape`, to index the other side.

    With `to_source`, `old` indexes the reshape's result and the new map indexes
    its source (consumer folding); otherwise the reverse (producer folding).
    """
    goes_to_expanded = isinstance(reshape, CollapseShapeOp) == to_source
    if goes_to_expanded:
        results = info.expand_results(old.results)
    else:
        collapsed = info.collapse_results(old.results, loop_ranges)
        if collapsed is None:
            return None
        results = collapsed
    return AffineMap(old.num_dims, old.num_symbols, results)


class FoldUnitReshapeIntoConsumers(RewritePattern):
    """Generics reading a unit reshape's result as `ins` read its source instead."""

    @op_type_rewrite_pattern
    def match_and_rewrite(
        self, op: ExpandShapeOp | CollapseShapeOp, rewriter: PatternRewriter, /
    ):
        info = analyze_unit_reshape(op)
        if info is None:
            return

        users = {use.operation for use in op.result.uses}
        for user in users:
            if isinstance(user, GenericOp):
                self._fold_into(op, info, user, rewriter)

        if not op.result.uses:
            rewriter.erase(op)

    @staticmethod
    def _fold_into(
        reshape: ReshapeOp,
        info: UnitReshape,
        generic: GenericOp,
        rewriter: PatternRewriter,
    ) -> None:
        maps = [m.data for m in generic.indexing_maps.data]
        loop_ranges = _loop_ranges(generic)
        # Only `ins`: rewriting an `outs` operand would change the result type.
        indices = [i for i, v in enumerate(generic.inputs) if v is reshape.result]
        new_maps = list(maps)
        for i in indices:
            new_map = _new_map(reshape, info, maps[i], loop_ranges, to_source=True)
            if new_map is None:
                return
            new_maps[i] = new_map
        if not indices or not _maps_invertible(new_maps, len(generic.iterator_types)):
            return

        for i in indices:
            generic.operands[i] = reshape.src
        generic.indexing_maps = ArrayAttr(AffineMapAttr(m) for m in new_maps)
        rewriter.notify_op_modified(generic)


def _is_fill(op: GenericOp) -> bool:
    """A generic writing values independent of its output and of the iteration."""
    if len(op.outputs) != 1 or len(op.res) != 1:
        return False
    if any(isinstance(v.type, ShapedType) for v in op.inputs):
        return False
    if any(it.data != IteratorType.PARALLEL for it in op.iterator_types.data):
        return False
    out_map = op.indexing_maps.data[-1].data
    if out_map != AffineMap.identity(out_map.num_dims):
        return False
    out_arg = op.body.block.args[-1]
    if out_arg.uses:
        return False
    return not any(isinstance(inner, IndexOp) for inner in op.body.walk())


def _build_init(
    value: SSAValue, new_type: TensorType[Attribute], body_reads_init: bool
) -> list[Operation] | None:
    """Ops creating an init of `new_type` equivalent to `value` (last op yields it)."""
    owner = value.owner
    if not body_reads_init or isinstance(owner, EmptyOp):
        if any(d < 0 for d in new_type.get_shape()):
            return None
        empty = EmptyOp((), new_type)
        if isinstance(owner, EmptyOp):
            empty.tensor.name_hint = value.name_hint
        return [empty]
    if isinstance(owner, GenericOp) and _is_fill(owner):
        # A fill never reads its own init, so that one can always be fresh.
        inner = _build_init(owner.outputs[0], new_type, body_reads_init=False)
        if inner is None:
            return None
        rank = len(new_type.get_shape())
        fill = GenericOp(
            inputs=tuple(owner.inputs),
            outputs=[inner[-1].results[0]],
            body=owner.body.clone(),
            indexing_maps=[AffineMapAttr(AffineMap(rank, 0, ())) for _ in owner.inputs]
            + [AffineMapAttr(AffineMap.identity(rank))],
            iterator_types=[IteratorTypeAttr(IteratorType.PARALLEL)] * rank,
            result_types=[new_type],
            doc=owner.doc,
            library_call=owner.library_call,
        )
        fill.attributes |= owner.attributes
        fill.res[0].name_hint = value.name_hint
        return [*inner, fill]
    return None


def _erase_if_dead(value: SSAValue, rewriter: PatternRewriter) -> None:
    """Erase the now-unused init chain (tensor.empty / fill) behind `value`."""
    owner = value.owner
    if not isinstance(owner, Operation) or any(r.uses for r in owner.results):
        return
    if isinstance(owner, GenericOp):
        if not _is_fill(owner):
            return
        init = owner.outputs[0]
        rewriter.erase(owner)
        _erase_if_dead(init, rewriter)
    elif isinstance(owner, EmptyOp) and would_be_trivially_dead(owner):
        rewriter.erase(owner)


class FoldUnitReshapeIntoProducer(RewritePattern):
    """A generic whose result only feeds a unit reshape produces the reshaped type."""

    @op_type_rewrite_pattern
    def match_and_rewrite(
        self, op: ExpandShapeOp | CollapseShapeOp, rewriter: PatternRewriter, /
    ):
        info = analyze_unit_reshape(op)
        if info is None:
            return
        source = op.src
        producer = source.owner
        if not isinstance(producer, GenericOp) or not source.has_one_use():
            return
        if len(producer.res) != len(producer.outputs):
            return
        new_type = op.result.type
        assert isinstance(new_type, TensorType)

        assert isinstance(source, OpResult)
        j = source.index
        num_inputs = len(producer.inputs)
        maps = [m.data for m in producer.indexing_maps.data]
        new_map = _new_map(
            op, info, maps[num_inputs + j], _loop_ranges(producer), to_source=False
        )
        if new_map is None:
            return
        new_maps = list(maps)
        new_maps[num_inputs + j] = new_map
        if not _maps_invertible(new_maps, len(producer.iterator_types)):
            return

        old_init = producer.outputs[j]
        body_reads_init = bool(producer.body.block.args[num_inputs + j].uses)
        init_ops = _build_init(old_init, new_type, body_reads_init)
        if init_ops is None:
            return

        rewriter.insert(init_ops, InsertPoint.before(producer))
        outputs = list(producer.outputs)
        outputs[j] = init_ops[-1].results[0]
        result_types = [r.type for r in producer.res]
        result_types[j] = new_type
        new_producer = GenericOp(
            inputs=tuple(producer.inputs),
            outputs=outputs,
            body=rewriter.move_region_contents_to_new_regions(producer.body),
            indexing_maps=[AffineMapAttr(m) for m in new_maps],
            iterator_types=producer.iterator_types,
            result_types=result_types,
            doc=producer.doc,
            library_call=producer.library_call,
        )
        new_producer.attributes |= producer.attributes
        for old, new in zip(producer.res, new_producer.res, strict=True):
            new.name_hint = old.name_hint
        rewriter.insert(new_producer, InsertPoint.before(producer))

        rewriter.replace_all_uses_with(op.result, new_producer.res[j])
        rewriter.erase(op)
        for old, new in zip(producer.res, new_producer.res, strict=True):
            if old is not source:
                rewriter.replace_all_uses_with(old, new)
        rewriter.erase(producer)
        _erase_if_dead(old_init, rewriter)


@dataclass(frozen=True)
class FoldUnitReshapes(ModulePass):
    """Fold unit-dim `tensor.expand_shape`/`collapse_shape` into neighbouring generics."""

    name = "fold-unit-reshapes"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(
            GreedyRewritePatternApplier(
                [FoldUnitReshapeIntoConsumers(), FoldUnitReshapeIntoProducer()]
            )
        ).rewrite_module(op)
