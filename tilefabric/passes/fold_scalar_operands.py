"""Fold constant scalar `ins` of `linalg.generic` into the generic's body.

torch-mlir lowers fills (and a few elementwise ops with a literal) to
`linalg.generic ins(%cst : f32)` with an indexing map `(d0, ...) -> ()`.
A scalar operand is not a tensor: it has no layout, cannot be partitioned
and would otherwise need special-casing in every later pass that reasons
about operand shapes. When the scalar is an `arith.constant`, we drop the
operand and its map and materialize the constant inside the body instead,
so a fill becomes a generic with no `ins` whose body yields a constant.

Scalars that are not constants (e.g. function arguments) are left alone.
"""

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith
from xdsl.dialects.builtin import ModuleOp, ShapedType
from xdsl.dialects.linalg.ops import GenericOp
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.rewriter import InsertPoint


class FoldConstantScalarIns(RewritePattern):
    """Drop constant scalar inputs of a generic, cloning the constant into the body."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: GenericOp, rewriter: PatternRewriter, /):
        inputs = tuple(op.inputs)
        folded = [
            i
            for i, value in enumerate(inputs)
            if not isinstance(value.type, ShapedType)
            and isinstance(value.owner, arith.ConstantOp)
        ]
        if not folded:
            return

        block = op.body.block
        constants: set[arith.ConstantOp] = set()
        # Erase from the back so the earlier block argument indices stay valid.
        for i in reversed(folded):
            cst = inputs[i].owner
            assert isinstance(cst, arith.ConstantOp)
            constants.add(cst)
            arg = block.args[i]
            if arg.uses:
                inner = cst.clone()
                # Otherwise it would inherit the block argument's name.
                inner.result.name_hint = "cst"
                rewriter.insert(inner, InsertPoint.at_start(block))
                rewriter.replace_all_uses_with(arg, inner.result)
            rewriter.erase_block_argument(arg)

        kept = [i for i in range(len(inputs)) if i not in folded]
        maps = op.indexing_maps.data
        new_op = GenericOp(
            inputs=[inputs[i] for i in kept],
            outputs=tuple(op.outputs),
            body=rewriter.move_region_contents_to_new_regions(op.body),
            indexing_maps=[maps[i] for i in kept] + list(maps[len(inputs) :]),
            iterator_types=op.iterator_types,
            result_types=op.result_types,
            doc=op.doc,
            library_call=op.library_call,
        )
        new_op.attributes |= op.attributes
        rewriter.replace(op, new_op)

        # The outer constant may now be dead; it is ours to clean up.
        for cst in constants:
            if not cst.result.uses:
                rewriter.erase(cst)


@dataclass(frozen=True)
class FoldScalarOperands(ModulePass):
    """Fold `arith.constant` scalar inputs of `linalg.generic` into their bodies."""

    name = "fold-scalar-operands"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(
            GreedyRewritePatternApplier([FoldConstantScalarIns()]),
            apply_recursively=False,
        ).rewrite_module(op)
