"""Fold pure copies (transposes, broadcasts) into the generics that read them.

torch-mlir lowers ONNX `Transpose` to a generic that copies through a permuted map, and a
3-D × 2-D `MatMul` to a broadcast of the weight over the batch (`(d0, d1, d2) -> (d1, d2)`)
feeding a batched matmul. As separate operators they cost a plan, a buffer and usually a
re-layout each, and the broadcast makes the weight look batch-dependent (every batch slice
is stored and moved). Reading the source through the composed map says the same thing:
`C[b, m, n] += A[b, m, k] * Wb[b, k, n]` with `Wb[b, k, n] = W[k, n]` is
`C[b, m, n] += A[b, m, k] * W[k, n]`.

A copy is recognised structurally: one tensor input, one output, all loops parallel, an
output map that is a permutation and a body that yields the input's block argument. Each
generic reading the copy's result as an `ins` operand reads the copy's source instead,
unless a loop would then index no operand as a bare dim (its range would be lost). The copy
is erased once unused (it stays for `outs` uses and function results).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import AffineMapAttr, ArrayAttr, ModuleOp, TensorType
from xdsl.dialects.linalg.attrs import IteratorType
from xdsl.dialects.linalg.ops import GenericOp, YieldOp
from xdsl.ir import SSAValue
from xdsl.ir.affine import AffineConstantExpr, AffineDimExpr, AffineMap
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from tilefabric.passes.fold_unit_reshapes import _erase_if_dead, _maps_invertible


def copy_source(op: GenericOp) -> tuple[SSAValue, AffineMap] | None:
    """(source, map from the copy's output indices to source indices) if `op` only copies."""
    if len(op.inputs) != 1 or len(op.outputs) != 1 or len(op.res) != 1:
        return None
    if any(it.data != IteratorType.PARALLEL for it in op.iterator_types.data):
        return None
    block = op.body.block
    terminator = block.last_op
    if not isinstance(terminator, YieldOp) or block.first_op is not terminator:
        return None
    if terminator.operands[0] is not block.args[0]:
        return None
    source_type = op.inputs[0].type
    if not isinstance(source_type, TensorType) or not source_type.get_shape():
        return None  # scalars and rank-0 tensors are fills, not copies
    if source_type.element_type != op.res[0].type.element_type:
        return None
    in_map, out_map = (a.data for a in op.indexing_maps.data)
    is_permutation = len(out_map.results) == out_map.num_dims and out_map.inverse_permutation() is not None
    if not is_permutation or in_map.num_symbols:
        return None
    return op.inputs[0], in_map.compose(out_map.inverse_permutation())


def _projected(m: AffineMap) -> bool:
    """Every result a loop dim or the constant 0, as the planner requires."""
    return all(isinstance(e, AffineDimExpr) or (isinstance(e, AffineConstantExpr) and e.value == 0)
               for e in m.results)


class FoldCopyIntoConsumers(RewritePattern):
    """A generic reading a copy's result reads the copy's source through the composed map."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: GenericOp, rewriter: PatternRewriter, /):
        maps = [a.data for a in op.indexing_maps.data]
        operands = list(op.operands)
        changed = False
        for i, value in enumerate(op.inputs):
            producer = value.owner
            found = copy_source(producer) if isinstance(producer, GenericOp) else None
            if found is None:
                continue
            source, to_source = found
            new_map = to_source.compose(maps[i])
            new_maps = maps[:i] + [new_map] + maps[i + 1:]
            if not _projected(new_map) or not _maps_invertible(new_maps, len(op.iterator_types)):
                continue
            maps, operands[i], changed = new_maps, source, True
        if not changed:
            return
        old_inputs = list(op.inputs)
        for i, value in enumerate(operands[: len(old_inputs)]):
            if value is not old_inputs[i]:
                op.operands[i] = value
        op.indexing_maps = ArrayAttr(AffineMapAttr(m) for m in maps)
        rewriter.notify_op_modified(op)
        owners = {id(v.owner): v.owner for v in old_inputs if isinstance(v.owner, GenericOp)}
        for owner in owners.values():
            if not owner.res[0].uses and copy_source(owner) is not None:
                init = owner.outputs[0]
                rewriter.erase(owner)
                _erase_if_dead(init, rewriter)


@dataclass(frozen=True)
class FoldCopies(ModulePass):
    """Fold transposes and broadcasts (pure-copy generics) into their consumers."""

    name = "fold-copies"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(GreedyRewritePatternApplier([FoldCopyIntoConsumers()])).rewrite_module(op)
