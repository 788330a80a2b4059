"""Rank-0 reshapes out of torch-mlir's output, before the import verifies it.

torch-mlir spells a scalar broadcast back to `tensor<1x...x1>` (the max of a rank-1 softmax, a
rank-0 gather index) as `tensor.expand_shape %s [] : tensor<f32> into tensor<1xf32>` (and the
reverse with `collapse_shape`). MLIR accepts the empty reassociation; xDSL 0.74's verifier does
not ("expected the total number of reassociation dimensions (0) to equal the expanded type's
rank (1)"). Such a reshape only adds or removes unit dims, so `fold-unit-reshapes` folds it
into the generics that read or produce it; this runs those patterns on the rank-0 reshapes only
(the rest of the module is left as torch-mlir wrote it). One that cannot be folded (read by
something else than a generic) is refused with one line.
"""

from __future__ import annotations

from xdsl.dialects.builtin import ModuleOp
from xdsl.dialects.tensor import CollapseShapeOp, ExpandShapeOp
from xdsl.pattern_rewriter import GreedyRewritePatternApplier, PatternRewriter, PatternRewriteWalker, RewritePattern

from tilefabric.errors import TileFabricError
from tilefabric.passes.fold_unit_reshapes import FoldUnitReshapeIntoConsumers, FoldUnitReshapeIntoProducer


def _is_rank0_reshape(op) -> bool:
    return isinstance(op, (ExpandShapeOp, CollapseShapeOp)) and not op.reassociation.data


class _OnlyRank0(RewritePattern):
    def __init__(self, inner: RewritePattern):
        self.inner = inner

    def match_and_rewrite(self, op, rewriter: PatternRewriter, /):
        if _is_rank0_reshape(op):
            self.inner.match_and_rewrite(op, rewriter)


def fold_rank0_reshapes(module: ModuleOp, where: str) -> None:
    if not any(_is_rank0_reshape(op) for op in module.walk()):
        return
    PatternRewriteWalker(GreedyRewritePatternApplier(
        [_OnlyRank0(FoldUnitReshapeIntoConsumers()), _OnlyRank0(FoldUnitReshapeIntoProducer())])).rewrite_module(module)
    left = next((op for op in module.walk() if _is_rank0_reshape(op)), None)
    if left is not None:
        raise TileFabricError(f"unsupported: a {left.name} between a scalar (rank-0) tensor and "
                              f"{left.result.type if isinstance(left, ExpandShapeOp) else left.src.type} "
                              "that no neighbouring op absorbs", where)
