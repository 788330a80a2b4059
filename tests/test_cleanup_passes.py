"""The three IR clean-up passes on a real torch-mlir lowering (MLP + softmax).

tests/data/mlp_linalg.mlir is Gemm -> Relu -> Gemm -> Softmax as torch-mlir's
ONNX->linalg lowering prints it (generic form). It has 14 linalg.generic ops:
fill, matmul, bias add, relu, fill, matmul, i64 fill, -inf fill, max/argmax
reduce (2 results), sub, exp, 8x1 fill, sum, div.
"""

from pathlib import Path

import pytest
from xdsl.context import Context
from xdsl.dialects.arith import Arith
from xdsl.dialects.builtin import Builtin, ModuleOp, ShapedType, TensorType, f32, i64
from xdsl.dialects.func import Func
from xdsl.dialects.linalg import Linalg
from xdsl.dialects.linalg.ops import GenericOp, IndexOp
from xdsl.dialects.math import Math
from xdsl.dialects.tensor import CollapseShapeOp, EmptyOp, ExpandShapeOp, Tensor
from xdsl.ir.affine import AffineMap
from xdsl.parser import Parser
from xdsl.passes import PassPipeline

from tilefabric.passes.drop_dead_outputs import DropDeadOutputs
from tilefabric.passes.fold_scalar_operands import FoldScalarOperands
from tilefabric.passes.fold_unit_reshapes import FoldUnitReshapes

MLP = Path(__file__).parent / "data" / "mlp_linalg.mlir"


def _context() -> Context:
    ctx = Context()
    for dialect in (Builtin, Func, Linalg, Tensor, Arith, Math):
        ctx.load_dialect(dialect)
    return ctx


def _parse(ctx: Context) -> ModuleOp:
    module = Parser(ctx, MLP.read_text(), str(MLP)).parse_module()
    module.verify()
    return module


def _generics(module: ModuleOp) -> list[GenericOp]:
    return [op for op in module.walk() if isinstance(op, GenericOp)]


def _count(module: ModuleOp, op_type: type) -> int:
    return sum(isinstance(op, op_type) for op in module.walk())


def _scalar_ins(module: ModuleOp) -> int:
    return sum(
        not isinstance(value.type, ShapedType)
        for generic in _generics(module)
        for value in generic.inputs
    )


@pytest.fixture
def ctx() -> Context:
    return _context()


def test_input_as_expected(ctx: Context):
    module = _parse(ctx)
    assert len(_generics(module)) == 14
    assert _scalar_ins(module) == 5  # one per fill
    assert _count(module, IndexOp) == 1
    assert _count(module, ExpandShapeOp) == 1
    assert _count(module, EmptyOp) == 5


def test_fold_scalar_operands(ctx: Context):
    module = _parse(ctx)
    FoldScalarOperands().apply(ctx, module)
    module.verify()
    assert _scalar_ins(module) == 0
    assert len(_generics(module)) == 14
    fills = [g for g in _generics(module) if not g.inputs]
    assert len(fills) == 5
    # The 0.0 constant survives outside (the relu body captures it); the i64 0
    # and -inf constants only fed fills and are gone from the function body.
    func_body = module.body.block.first_op.body.block  # pyright: ignore
    outer_constants = [op for op in func_body.ops if op.name == "arith.constant"]
    assert len(outer_constants) == 1


def test_drop_dead_outputs(ctx: Context):
    module = _parse(ctx)
    FoldScalarOperands().apply(ctx, module)
    DropDeadOutputs().apply(ctx, module)
    module.verify()
    assert _count(module, IndexOp) == 0
    assert all(len(g.res) == 1 for g in _generics(module))
    # The i64 fill and its tensor.empty went with the argmax output.
    assert len(_generics(module)) == 13
    assert _count(module, EmptyOp) == 4
    assert not any(
        isinstance(r.type, TensorType) and r.type.element_type == i64
        for op in module.walk()
        for r in op.results
    )


def test_full_cleanup(ctx: Context):
    module = _parse(ctx)
    PassPipeline(
        (FoldScalarOperands(), DropDeadOutputs(), FoldUnitReshapes())
    ).apply(ctx, module)
    module.verify()

    assert _scalar_ins(module) == 0
    assert _count(module, IndexOp) == 0
    assert _count(module, ExpandShapeOp) == 0
    assert _count(module, CollapseShapeOp) == 0
    assert len(_generics(module)) == 13

    # x - max(x) now reads the 8-element max directly through (d0, d1) -> (d0).
    sub = next(
        g
        for g in _generics(module)
        if any(op.name == "arith.subf" for op in g.body.block.ops)
    )
    assert sub.inputs[1].type == TensorType(f32, [8])
    assert sub.indexing_maps.data[1].data == AffineMap.from_callable(
        lambda d0, d1: (d0,)
    )


def test_cleanup_is_idempotent(ctx: Context):
    module = _parse(ctx)
    pipeline = PassPipeline((FoldScalarOperands(), DropDeadOutputs(), FoldUnitReshapes()))
    pipeline.apply(ctx, module)
    once = str(module)
    pipeline.apply(ctx, module)
    assert str(module) == once


def test_passes_registered_in_universe():
    from tilefabric.universe import UNIVERSE

    assert UNIVERSE.all_passes["fold-scalar-operands"]() is FoldScalarOperands
    assert UNIVERSE.all_passes["drop-dead-outputs"]() is DropDeadOutputs
    assert UNIVERSE.all_passes["fold-unit-reshapes"]() is FoldUnitReshapes
