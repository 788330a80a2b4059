"""linalg-to-rtensor: give every linalg.generic a distributed plan (rtensor.compute) and make
re-layouts between a producer's output layout and its consumer's input layout explicit."""

from __future__ import annotations

from dataclasses import dataclass, replace

from xdsl.context import Context
from xdsl.dialects import arith, func, tensor
from xdsl.dialects.linalg.ops import GenericOp
from xdsl.dialects.builtin import ModuleOp, StringAttr
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter

from tilefabric.dialects.rtensor import TARGET_ATTR, ComputeOp, LayoutAttr, PlanAttr, RelayoutOp
from tilefabric.analysis.kernel import constant_fill_value
from tilefabric.errors import TileFabricError
from tilefabric.lowering.op_space_from_ir import op_space
from tilefabric.planner.plan import Layout, Plan
from tilefabric.planner.search import relayout_cycles, search
from tilefabric.target import resolve_target

PASSIVE_OPS = (arith.ConstantOp, tensor.EmptyOp, func.ReturnOp)


def layout_attr(layout: Layout) -> LayoutAttr:
    return LayoutAttr.make(layout.grid, layout.axes, layout.blocks, layout.parts)


def layout_of(attr: LayoutAttr) -> Layout:
    from tilefabric.dialects.int_lists import ints

    return Layout(ints(attr.grid), ints(attr.axes), ints(attr.blocks), ints(attr.parts))


def op_label(op: Operation, index: int, kind: str = "op") -> str:
    """The ONNX node name when the frontend recorded one, else kind + position."""
    name = op.attributes.get("tf.op")
    return name.data if isinstance(name, StringAttr) else f"{kind}{index}"


@dataclass(frozen=True)
class LinalgToRTensor(ModulePass):
    """Plan each linalg.generic with the target's cost model (see docs/passes.md)."""

    name = "linalg-to-rtensor"
    target: str = "ipu-mk2"
    memory_fraction: float = 0.9
    cleanup: bool = True

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        from tilefabric.passes.drop_dead_outputs import DropDeadOutputs
        from tilefabric.passes.fold_scalar_operands import FoldScalarOperands
        from tilefabric.passes.fold_unit_reshapes import FoldUnitReshapes

        # The cleanups are idempotent; running them here lets raw frontend output be planned.
        # The compile pipeline runs them as separate passes (so --disable works) with cleanup=false.
        if self.cleanup:
            for cleanup in (FoldScalarOperands(), DropDeadOutputs(), FoldUnitReshapes()):
                cleanup.apply(ctx, op)
        target = resolve_target(self.target)
        op.attributes[TARGET_ATTR] = StringAttr(self.target)
        budget = target.scratchpad_bytes * self.memory_fraction
        for fn in op.ops:
            if isinstance(fn, func.FuncOp):
                _plan_function(fn, target, budget)


def _plan_function(fn: func.FuncOp, target, budget: float) -> None:
    out_layout: dict[SSAValue, Layout] = {}
    for index, op in enumerate(list(fn.body.block.ops)):
        if isinstance(op, PASSIVE_OPS):
            continue
        if not isinstance(op, GenericOp):
            raise TileFabricError(f"unsupported operation '{op.name}' in linalg-to-rtensor (op #{index} of @{fn.sym_name.data})")
        space, iterators = op_space(op, op_label(op, index))
        label = op_label(op, index, space.kind)
        space, iterators = op_space(op, label)
        operands = list(op.inputs) + list(op.outputs)
        incoming = {x: out_layout[v] for x, v in enumerate(operands) if v in out_layout}
        reused = tuple(v.uses.get_length() > 1 for v in op.inputs)
        plan = choose_plan(search(space, target, budget, reused=reused), incoming, target)
        # Re-layouts run under this op's label, so its prediction includes them.
        plan = replace(plan, predicted_cycles=plan.predicted_cycles + incoming_relayout_cycles(plan, space, incoming, target))
        new_operands = [_relayout_if_needed(v, out_layout.get(v), plan.layout(space, x), op, label) for x, v in enumerate(operands)]
        compute = _build_compute(op, new_operands, plan, iterators, label)
        Rewriter.replace_op(op, compute)
        if constant_fill_value(compute) is not None:
            continue  # re-materialised in whatever layout a consumer wants
        for x, res in enumerate(compute.res):
            out_layout[res] = plan.layout(space, len(op.inputs) + x)


def incoming_relayout_cycles(plan: Plan, space, incoming: dict, target) -> float:
    return sum(relayout_cycles(target, have, plan.layout(space, x), space.bytes_of(x)) for x, have in incoming.items())


def choose_plan(result, incoming: dict, target) -> Plan:
    """The fastest plan counting re-layouts of operands already on chip: the best plan
    overall, or the best one that takes some producer's layout as it is."""
    options = [result.best()] + [p for x, have in incoming.items() if (p := result.matching(x, have)) is not None]
    return min(options, key=lambda p: p.predicted_cycles + incoming_relayout_cycles(p, result.space, incoming, target))


def _relayout_if_needed(value: SSAValue, have: Layout | None, want: Layout, before: Operation, label: str) -> SSAValue:
    if have is None or have == want:
        return value
    relayout = RelayoutOp(value, layout_attr(have), layout_attr(want))
    relayout.attributes["tf.op"] = StringAttr(label)
    Rewriter.insert_op(relayout, _before(before))
    return relayout.result


def _before(op: Operation):
    from xdsl.rewriter import InsertPoint

    return InsertPoint.before(op)


def _build_compute(op: GenericOp, operands, plan: Plan, iterators, label: str) -> ComputeOp:
    n_in = len(op.inputs)
    body = op.body.clone()
    maps = list(op.indexing_maps.data)
    plan_attr = PlanAttr.make(plan.spatial, plan.temporal, plan.rotation)
    attrs = {"tf.op": StringAttr(label)}
    return ComputeOp(operands[:n_in], operands[n_in:], body, maps, iterators, plan_attr, round(plan.predicted_cycles), attrs)
