"""linalg-to-rtensor: give every linalg.generic a distributed plan (rtensor.compute) and make
re-layouts between a producer's output layout and its consumer's input layout explicit."""

from __future__ import annotations

from dataclasses import dataclass, replace

from xdsl.context import Context
from xdsl.dialects import arith, func, tensor
from xdsl.dialects.linalg.ops import GenericOp
from xdsl.dialects.builtin import FloatAttr, IntegerAttr, ModuleOp, StringAttr
from xdsl.ir import BlockArgument, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from tilefabric.dialects.rtensor import TARGET_ATTR, ComputeOp, LayoutAttr, PadOp, PlanAttr, RelayoutOp
from tilefabric.analysis.kernel import constant_fill_value
from tilefabric.errors import TileFabricError
from tilefabric.lowering.op_space_from_ir import op_space
from tilefabric.planner.plan import Layout, Plan
from tilefabric.planner.roofline import roofline
from tilefabric.planner.search import relayout_cycles, search
from tilefabric.planner.whole_model import OpNode, choose, layout_bytes, spread_layout, vgm_plan
from tilefabric.target import resolve_target

PASSIVE_OPS = (arith.ConstantOp, tensor.EmptyOp, func.ReturnOp)


def layout_attr(layout: Layout) -> LayoutAttr:
    return LayoutAttr.make(layout.grid, layout.axes, layout.blocks, layout.parts, layout.strides)


def layout_of(attr: LayoutAttr) -> Layout:
    from tilefabric.dialects.int_lists import ints

    return Layout(ints(attr.grid), ints(attr.axes), ints(attr.blocks), ints(attr.parts), ints(attr.strides))


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
    strategy: str = "t10"  # t10 | vgm (the virtual-global-memory baseline)
    reconcile: str = "milp"  # greedy | milp: whole-model choice under the shared scratchpad
    time_limit: float = 10.0  # seconds for the MILP before the greedy result is kept
    record_timing: bool = False  # tf.search_seconds on each op (off: the IR stays deterministic)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        from tilefabric.passes.drop_dead_outputs import DropDeadOutputs
        from tilefabric.passes.fold_copies import FoldCopies
        from tilefabric.passes.fold_scalar_operands import FoldScalarOperands
        from tilefabric.passes.fold_unit_reshapes import FoldUnitReshapes

        # The cleanups are idempotent; running them here lets raw frontend output be planned.
        # The compile pipeline runs them as separate passes (so --disable works) with cleanup=false.
        if self.cleanup:
            for cleanup in (FoldScalarOperands(), DropDeadOutputs(), FoldUnitReshapes(), FoldCopies()):
                cleanup.apply(ctx, op)
        if self.strategy not in ("t10", "vgm"):
            raise TileFabricError(f"unknown strategy '{self.strategy}' (available: t10, vgm)")
        if self.reconcile not in ("greedy", "milp"):
            raise TileFabricError(f"unknown reconciliation '{self.reconcile}' (available: greedy, milp)")
        target = resolve_target(self.target)
        op.attributes[TARGET_ATTR] = StringAttr(self.target)
        budget = target.scratchpad_bytes * self.memory_fraction
        for fn in op.ops:
            if isinstance(fn, func.FuncOp):
                _plan_function(fn, target, budget, self)


@dataclass
class _Generic:
    op: GenericOp
    label: str
    space: object
    iterators: list
    node: int | None = None  # index among the planned (non-fill) ops


def pad_value(op: tensor.PadOp, label: str):
    """The constant a tensor.pad fills with; only static, constant padding is supported."""
    if op.low or op.high:
        raise TileFabricError(f"operator '{label}': tensor.pad with dynamic padding is not supported")
    yielded = op.region.block.last_op.operands[0]
    owner = yielded.owner
    if not isinstance(owner, arith.ConstantOp):
        raise TileFabricError(f"operator '{label}': tensor.pad must pad with a constant")
    return owner.value


def padded_source(value: SSAValue) -> SSAValue:
    """The tensor a (chain of) tensor.pad pads, or `value` itself."""
    while isinstance(value.owner, tensor.PadOp):
        value = value.owner.source
    return value


def _collect(fn: func.FuncOp) -> list[_Generic]:
    out = []
    for index, op in enumerate(list(fn.body.block.ops)):
        if isinstance(op, PASSIVE_OPS):
            continue
        if isinstance(op, tensor.PadOp):
            pad_value(op, op_label(op, index, "pad"))
            if isinstance(op.source.owner, tensor.PadOp):
                raise TileFabricError(f"operator '{op_label(op, index, 'pad')}': a pad of a pad is not supported")
            continue
        if not isinstance(op, GenericOp):
            raise TileFabricError(f"unsupported operation '{op.name}' in linalg-to-rtensor (op #{index} of @{fn.sym_name.data})")
        space, _ = op_space(op, op_label(op, index))
        label = op_label(op, index, space.kind)
        space, iterators = op_space(op, label)
        out.append(_Generic(op, label, space, iterators))
    return out


def _nodes(generics: list[_Generic], target, budget: float) -> list[OpNode]:
    """Search every non-fill op's plan space and record where its inputs come from."""
    nodes: list[OpNode] = []
    producer: dict[SSAValue, int] = {}
    for g in generics:
        if constant_fill_value(g.op) is not None:
            continue
        # A ring left displaced is moved home only for an on-chip value another op reads later
        # (function arguments are scattered afresh for each consumer).
        reused = tuple(not isinstance(v, BlockArgument) and any(u.operation is not g.op for u in v.uses)
                       for v in g.op.inputs)
        result = search(g.space, target, budget, reused=reused)
        g.node = len(nodes)
        nodes.append(OpNode(
            g.label, result,
            tuple(producer.get(padded_source(v)) for v in g.op.inputs),
            tuple(isinstance(v, BlockArgument) for v in g.op.inputs),
        ))
        for r in g.op.results:
            producer[r] = g.node
    return nodes


def _plan_function(fn: func.FuncOp, target, budget: float, options: LinalgToRTensor) -> None:
    strategy = options.strategy
    generics = _collect(fn)
    nodes = _nodes(generics, target, budget)
    spread_cold = [strategy == "vgm"] * len(nodes)
    if strategy == "vgm":
        plans = [vgm_plan(n.search, target) for n in nodes]
    else:
        chosen = choose(nodes, target, budget, options.reconcile, options.time_limit)
        plans, spread_cold = list(chosen.plans), list(chosen.spread_cold)
    out_layout: dict[SSAValue, Layout] = {}
    for g in generics:
        op, space, label = g.op, g.space, g.label
        plan = plans[g.node] if g.node is not None else search(space, target, budget).best()
        operands = list(op.inputs) + list(op.outputs)
        if g.node is not None and spread_cold[g.node]:
            for v in op.inputs:
                if isinstance(v, BlockArgument):
                    out_layout[v] = spread_layout(tuple(v.type.get_shape()), target.cores)
        incoming = {x: out_layout[v] for x, v in enumerate(operands) if v in out_layout}
        for x, v in enumerate(operands):  # a padded operand is brought in by its own re-layout
            if isinstance(v.owner, tensor.PadOp):
                src = v.owner.source
                incoming[x] = out_layout.get(src) or spread_layout(tuple(src.type.get_shape()), target.cores)
        # Re-layouts run under this op's label, so its prediction includes them.
        predicted = plan.predicted_cycles + incoming_relayout_cycles(plan, space, incoming, target)
        new_operands = [_pad(v, incoming[x], plan.layout(space, x), op, label) if isinstance(v.owner, tensor.PadOp)
                        else _relayout_if_needed(v, out_layout.get(v), plan.layout(space, x), op, label)
                        for x, v in enumerate(operands)]
        compute = _build_compute(op, new_operands, replace(plan, predicted_cycles=predicted), g.iterators, label)
        if g.node is not None:
            _annotate(compute, nodes[g.node], plan, target, options.record_timing)
        Rewriter.replace_op(op, compute)
        if constant_fill_value(compute) is not None:
            continue  # re-materialised in whatever layout a consumer wants
        for x, res in enumerate(compute.res):
            layout = plan.layout(space, len(op.inputs) + x)
            if strategy == "vgm":
                res, layout = _write_back(compute, res, layout, target, label)
            out_layout[res] = layout
    for op in list(fn.body.block.ops):
        if isinstance(op, tensor.PadOp):
            if op.result.uses:
                raise TileFabricError(f"operator '{op_label(op, 0, 'pad')}': a padded tensor must be read by linalg ops only")
            Rewriter.erase_op(op)


def _pad(value: SSAValue, have: Layout, want: Layout, before: Operation, label: str) -> SSAValue:
    """rtensor.pad: the padded operand, brought from its source's layout into `want`."""
    pad = value.owner
    pad_op = PadOp(pad.source, value.type, pad.static_low.get_values(), pad.static_high.get_values(),
                   pad_value(pad, label), layout_attr(have), layout_attr(want))
    pad_op.attributes["tf.op"] = StringAttr(label)
    Rewriter.insert_op(pad_op, _before(before))
    return pad_op.result


def _write_back(compute, res: SSAValue, layout: Layout, target, label: str):
    """vgm: the output goes back to the chip-wide spread layout right after the op."""
    spread = spread_layout(tuple(res.type.get_shape()), target.cores)
    if spread == layout:
        return res, layout
    relayout = RelayoutOp(res, layout_attr(layout), layout_attr(spread))
    relayout.attributes["tf.op"] = StringAttr(label)
    Rewriter.insert_op(relayout, InsertPoint.after(compute))
    res.replace_uses_with_if(relayout.result, lambda use: use.operation is not relayout)
    return relayout.result, spread


def _annotate(compute, node: OpNode, plan: Plan, target, timing: bool) -> None:
    """What the plan reports print: search statistics, memory and the op's roofline."""
    s = node.search
    space = s.space
    roof = roofline(space, target)
    cold = sum(layout_bytes(plan.layout(space, x), space.bytes_of(x)) for x, r in enumerate(node.resident) if r)
    for key, value in (("tf.plans_evaluated", s.plans_evaluated), ("tf.pareto_size", len(s.frontier_rows))):
        compute.attributes[key] = IntegerAttr(int(value), 64)
    for key, value in (("tf.hot_bytes", plan.hot_bytes), ("tf.cold_bytes", cold),
                       ("tf.roofline_compute", roof.compute_cycles), ("tf.roofline_link", roof.link_cycles)):
        compute.attributes[key] = FloatAttr(round(float(value), 1), 64)
    if timing:
        compute.attributes["tf.search_seconds"] = FloatAttr(round(s.seconds, 4), 64)


def incoming_relayout_cycles(plan: Plan, space, incoming: dict, target) -> float:
    return sum(relayout_cycles(target, have, plan.layout(space, x), space.bytes_of(x)) for x, have in incoming.items())


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
