"""Fold constant scalar `ins` of `linalg.generic` into the generic's body.

torch-mlir lowers fills (and a few elementwise ops with a literal) to
`linalg.generic ins(%cst : f32)` with an indexing map `(d0, ...) -> ()`.
A scalar operand is not a tensor: it has no layout, cannot be partitioned
and would otherwise need special-casing in every later pass that reasons
about operand shapes. When the scalar is an `arith.constant`, we drop the
operand and its map and materialize the constant inside the body instead,
so a fill becomes a generic with no `ins` whose body yields a constant.

Rank-0 tensor constants (`dense<2.0> : tensor<f32>`, read through `(d0, ...) -> ()`; how
torch-mlir passes ONNX scalar initializers) are folded the same way, as a scalar constant.
Scalars that are not constants (e.g. function arguments) are left alone.
"""

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith
from xdsl.dialects.builtin import (
    AnyFloat,
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IntegerAttr,
    ModuleOp,
    ShapedType,
    TensorType,
)
from xdsl.dialects.linalg.ops import GenericOp
from xdsl.ir import SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.rewriter import InsertPoint


def _is_rank0(value: SSAValue) -> bool:
    return isinstance(value.type, TensorType) and not value.type.get_shape()


def _scalar_constant(cst: arith.ConstantOp) -> arith.ConstantOp | None:
    """The body-side constant for an outer scalar or rank-0 tensor constant (ONNX scalar
    initializers such as `Div(x, sqrt(d))` arrive as `dense<...> : tensor<f32>`)."""
    if not _is_rank0(cst.result):
        return cst.clone()
    value = cst.value
    if not isinstance(value, DenseIntOrFPElementsAttr):
        return None
    elem = value.get_element_type()
    number = value.get_values()[0]
    attr = FloatAttr(float(number), elem) if isinstance(elem, AnyFloat) else IntegerAttr(int(number), elem)
    return arith.ConstantOp(attr, elem)


def _foldable(value: SSAValue) -> bool:
    if not isinstance(value.owner, arith.ConstantOp):
        return False
    return not isinstance(value.type, ShapedType) or _is_rank0(value)


class FoldConstantScalarIns(RewritePattern):
    """Drop constant scalar inputs of a generic, cloning the constant into the body."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: GenericOp, rewriter: PatternRewriter, /):
        inputs = tuple(op.inputs)
        folded = [i for i, value in enumerate(inputs) if _foldable(value)]
        inner_constants = {i: _scalar_constant(inputs[i].owner) for i in folded}
        folded = [i for i in folded if inner_constants[i] is not None]
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
                inner = inner_constants[i]
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
