"""Drop unused results of `linalg.generic` and erase dead, side-effect-free ops.

torch-mlir lowers ONNX reductions such as softmax's max through a generic
that computes both the max and its argmax (via `linalg.index`), even when
only the max is used. The argmax output costs an extra tensor, an extra
i64 fill and index arithmetic in every iteration, and `linalg.index` has no
meaning once iterations are spread over cores. This pass removes such
unused outputs (outs operand, indexing map, result, yielded value and
block argument), erases the body ops that only fed them, and then erases
generics / `tensor.empty` / other pure ops whose results are all unused.

An output whose block argument is still read by the surviving body (e.g.
an accumulator that a live value depends on) is kept.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.dialects.linalg.ops import GenericOp, IndexOp, YieldOp
from xdsl.ir import Block, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.transforms.dead_code_elimination import would_be_trivially_dead


def _is_removable_body_op(op: Operation) -> bool:
    """Whether `op`, inside a generic body, can be erased once its results are unused."""
    if isinstance(op, IndexOp):
        return True
    if isinstance(op, YieldOp):
        return False
    return would_be_trivially_dead(op)


def is_pure_generic(op: GenericOp) -> bool:
    """A generic on tensors whose body has no side effects only produces its results."""
    if not all(isinstance(v.type, TensorType) for v in op.outputs):
        return False
    return all(
        isinstance(inner, YieldOp) or _is_removable_body_op(inner)
        for inner in op.body.walk()
    )


def _top_level_op(op: Operation, block: Block) -> Operation | None:
    """The ancestor of `op` (or `op` itself) that sits directly in `block`."""
    current: Operation | None = op
    while current is not None and current.parent_block() is not block:
        current = current.parent_op()
    return current


def _live_body_ops(block: Block, roots: Iterable[SSAValue]) -> set[Operation]:
    """Ops of `block` needed to compute `roots` or kept for their side effects."""
    live: set[Operation] = set()
    worklist: list[Operation] = []

    def mark_value(value: SSAValue):
        owner = value.owner
        if isinstance(owner, Operation):
            top = _top_level_op(owner, block)
            if top is not None and top not in live:
                live.add(top)
                worklist.append(top)

    for inner in block.ops:
        if not isinstance(inner, YieldOp) and not _is_removable_body_op(inner):
            live.add(inner)
            worklist.append(inner)
    for value in roots:
        mark_value(value)
    while worklist:
        current = worklist.pop()
        for nested in current.walk():
            for operand in nested.operands:
                mark_value(operand)
    return live


def _uses_from(value: SSAValue, ops: set[Operation], block: Block) -> bool:
    return any(_top_level_op(use.operation, block) in ops for use in value.uses)


class DropUnusedGenericOutputs(RewritePattern):
    """Remove the outputs of a multi-result generic whose results are never used."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: GenericOp, rewriter: PatternRewriter, /):
        num_results = len(op.res)
        if num_results < 2 or num_results != len(op.outputs):
            return
        keep = {j for j, result in enumerate(op.res) if result.uses}
        if not keep or len(keep) == num_results:
            # Fully dead generics are handled by EraseDeadOps.
            return

        block = op.body.block
        yield_op = block.last_op
        if not isinstance(yield_op, YieldOp):
            return
        num_inputs = len(op.inputs)
        out_args = block.args[num_inputs:]

        # An output stays if the surviving computation still reads its block
        # argument; its yielded value then stays live too. Iterate to a fixpoint.
        while True:
            live = _live_body_ops(block, (yield_op.operands[j] for j in sorted(keep)))
            needed = {
                j
                for j in range(num_results)
                if j not in keep and _uses_from(out_args[j], live, block)
            }
            if not needed:
                break
            keep |= needed
        if len(keep) == num_results:
            return
        kept = sorted(keep)
        dropped = [j for j in range(num_results) if j not in keep]

        # Body: shorter yield, dead ops gone, dropped output arguments erased.
        rewriter.replace(yield_op, YieldOp(*(yield_op.operands[j] for j in kept)))
        for inner in reversed(list(block.ops)):
            if inner is not block.last_op and inner not in live:
                rewriter.erase(inner)
        for j in reversed(dropped):
            rewriter.erase_block_argument(block.args[num_inputs + j])

        maps = op.indexing_maps.data
        outputs = tuple(op.outputs)
        new_op = GenericOp(
            inputs=tuple(op.inputs),
            outputs=[outputs[j] for j in kept],
            body=rewriter.move_region_contents_to_new_regions(op.body),
            indexing_maps=list(maps[:num_inputs])
            + [maps[num_inputs + j] for j in kept],
            iterator_types=op.iterator_types,
            result_types=[op.res[j].type for j in kept],
            doc=op.doc,
            library_call=op.library_call,
        )
        new_op.attributes |= op.attributes
        new_results: list[SSAValue | None] = [None] * num_results
        for new_index, j in enumerate(kept):
            new_results[j] = new_op.res[new_index]
        rewriter.replace(op, new_op, new_results)


class EraseDeadOps(RewritePattern):
    """Erase unused generics on tensors with pure bodies, and other unused pure ops."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter, /):
        if not op.results or any(result.uses for result in op.results):
            return
        if op.parent is None:
            return
        if isinstance(op, GenericOp):
            removable = is_pure_generic(op)
        else:
            removable = _is_removable_body_op(op)
        if removable:
            rewriter.erase(op)


def drop_dead_outputs_patterns() -> Sequence[RewritePattern]:
    return [DropUnusedGenericOutputs(), EraseDeadOps()]


@dataclass(frozen=True)
class DropDeadOutputs(ModulePass):
    """Remove unused generic outputs and erase dead side-effect-free ops."""

    name = "drop-dead-outputs"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(
            GreedyRewritePatternApplier(list(drop_dead_outputs_patterns())),
            walk_reverse=True,
        ).rewrite_module(op)


__all__ = ["DropDeadOutputs", "is_pure_generic"]
