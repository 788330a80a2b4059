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

from tilefabric.dialects.rtensor import TARGET_ATTR, ComputeOp, ConcatOp, FusedOp, LayoutAttr, PadOp, PlanAttr, RelayoutOp, ReshapeOp, SliceOp
from tilefabric.analysis.kernel import constant_fill_value
from tilefabric.errors import TileFabricError
from tilefabric.isa.search import DEFAULT as DEFAULT_ISA, ISA_ATTR, check_strategy
from tilefabric.lowering.op_space_from_ir import element_bytes, fused_op_space, op_space
from tilefabric.planner.plan import Layout, Plan
from tilefabric.planner.roofline import roofline
from tilefabric.planner.search import relayout_cycles, search, search_all
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
    time_limit: float = 3.0  # seconds for the MILP (anytime, warm-started from greedy) before its best is kept
    mip_gap: float = 1e-4  # the MILP stops within this relative gap of optimal (cost-model noise is larger)
    record_timing: bool = False  # tf.search_seconds on each op (off: the IR stays deterministic)
    isa: str = "exhaustive"  # instruction-mapping strategy for every sub-operator (isa/search.py)
    # mesh / torus: price shifts and re-layouts as place-cores places them (false: the
    # topology-oblivious crossbar estimates, the baseline of benchmarks/placement.py)
    hop_aware: bool = True

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
        check_strategy(self.isa)
        target = resolve_target(self.target)
        if not self.hop_aware:
            target = replace(target, hop_aware=False)
        op.attributes[TARGET_ATTR] = StringAttr(self.target)
        if self.isa != DEFAULT_ISA:  # what isa-map and the simulator decide with (default when absent)
            op.attributes[ISA_ATTR] = StringAttr(self.isa)
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


RESHAPES = (tensor.CollapseShapeOp, tensor.ExpandShapeOp)  # those propagate-reshapes could not remove
MOVEMENT = (tensor.PadOp, tensor.ExtractSliceOp, tensor.ConcatOp) + RESHAPES


def moved_source(value: SSAValue) -> SSAValue | None:
    """The tensor a chain of pads and slices moves, or `value` itself; None past a concat
    (several sources) or a reshape (another rank: no layout to match)."""
    while isinstance(value.owner, (tensor.PadOp, tensor.ExtractSliceOp)):
        value = value.owner.source
    return None if isinstance(value.owner, (tensor.ConcatOp,) + RESHAPES) else value


def _check_movement(op, label: str) -> None:
    """Static pads with a constant, unit-stride slices that keep the rank, static concats."""
    if isinstance(op, tensor.PadOp):
        pad_value(op, label)
    elif isinstance(op, tensor.ExtractSliceOp):
        if op.offsets or op.sizes or op.strides:
            raise TileFabricError(f"operator '{label}': tensor.extract_slice with dynamic offsets or sizes is not supported")
        if any(s != 1 for s in op.static_strides.get_values()):
            raise TileFabricError(f"operator '{label}': a strided slice (strides {list(op.static_strides.get_values())}) is not supported")
        if len(op.result.type.get_shape()) != len(op.source.type.get_shape()):
            raise TileFabricError(f"operator '{label}': a rank-reducing tensor.extract_slice is not supported")


def _collect(fn: func.FuncOp, isa: str) -> list[_Generic]:
    out = []
    for index, op in enumerate(list(fn.body.block.ops)):
        if isinstance(op, PASSIVE_OPS):
            continue
        if isinstance(op, MOVEMENT):
            _check_movement(op, op_label(op, index, op.name.split(".")[-1]))
            continue
        if isinstance(op, FusedOp) and op.plan is None:
            label = op_label(op, index, "fused")
            out.append(_Generic(op, label, fused_op_space(op, label, isa), []))
            continue
        if not isinstance(op, GenericOp):
            raise TileFabricError(f"unsupported operation '{op.name}' in linalg-to-rtensor (op #{index} of @{fn.sym_name.data})")
        space, iterators = op_space(op, op_label(op, index), isa)
        label = op_label(op, index, space.kind)  # the kind names ops without a tf.op label
        out.append(_Generic(op, label, replace(space, name=label), iterators))
    return out


def _nodes(generics: list[_Generic], target, budget: float) -> list[OpNode]:
    """Search every non-fill op's plan space and record where its inputs come from."""
    nodes: list[OpNode] = []
    producer: dict[SSAValue, int] = {}
    planned = [g for g in generics if not _is_fill(g.op)]
    # A ring left displaced is moved home only for an on-chip value another op reads later
    # (function arguments are scattered afresh for each consumer).
    requests = [(g.space, tuple(not isinstance(v, BlockArgument) and any(u.operation is not g.op for u in v.uses)
                                for v in g.op.inputs)) for g in planned]
    for g, result in zip(planned, _search_on_regions(planned, requests, target, budget)):
        g.node = len(nodes)
        nodes.append(OpNode(
            g.label, result,
            tuple(producer.get(moved_source(v)) for v in g.op.inputs),
            tuple(isinstance(v, BlockArgument) for v in g.op.inputs),
        ))
        for r in g.op.results:
            producer[r] = g.node
    return nodes


def _region_cores(op) -> int | None:
    """Cores of the region pipeline-ops gave this op (tf.pipeline), None if not pipelined."""
    attr = op.attributes.get("tf.pipeline")
    if attr is None:
        return None
    return int(attr.data["cores"].get_values()[attr.data["stage"].value.data])


def _search_on_regions(planned: list[_Generic], requests, target, budget: float):
    """search_all, each pipelined op searched on a target with its region's core count."""
    out: list = [None] * len(planned)
    by_cores: dict[int | None, list[int]] = {}
    for i, g in enumerate(planned):
        by_cores.setdefault(_region_cores(g.op), []).append(i)
    for cores, idx in by_cores.items():
        t = target if cores is None else replace(target, cores=cores)
        for i, r in zip(idx, search_all([requests[i] for i in idx], t, budget)):
            out[i] = r
    return out


def _unfuse_what_does_not_pay(fn: func.FuncOp, generics: list[_Generic], target, budget: float, isa: str) -> list[_Generic]:
    """A fused chain keeps its reduced dims whole on each core; when that fits on no core, its
    stages are planned one by one instead (each may split its reduction). A chain headed by a
    matmul (an epilogue) keeps its head only if that beats the matmul planned on its own (it may
    then split k and rotate operands) plus the rest of the chain fused without it."""
    from tilefabric.passes.fuse_memory_intensive import fuse_pieces, unfuse
    from tilefabric.planner.search import DoesNotFit as OpDoesNotFit

    def best(space) -> float:
        try:
            return search(space, target, budget).best().predicted_cycles
        except OpDoesNotFit:
            return float("inf")

    def space_of(op):
        return fused_op_space(op, "", isa) if isinstance(op, FusedOp) else op_space(op, "", isa)[0]

    def cost(op) -> float:
        return best(space_of(op))

    def handover(head, reader) -> float:
        """The planner's re-layout estimate from the head's best output layout to the layout
        its reader's best plan reads it in (what fusing the head saves besides launches)."""
        value = head.results[0]
        x = list(reader.inputs).index(value)
        hs, rs = space_of(head), space_of(reader)
        try:
            have = search(hs, target, budget).best().layout(hs, hs.n_inputs)
            want = search(rs, target, budget).best().layout(rs, x)
        except OpDoesNotFit:
            return 0.0
        return relayout_cycles(target, have, want, element_bytes(value))

    changed = False
    for g in generics:
        if not isinstance(g.op, FusedOp) or not any(stage[2] for stage in g.space.stages):
            continue
        block = g.op.parent_block()
        with_head = best(g.space)
        attrs = dict(g.op.attributes)
        members = [op for op in unfuse(g.op) if isinstance(op, GenericOp) and op.results and op.results[0].uses]
        work = [op for op in members if not _is_fill(op)]
        head = work[0]
        rest = fuse_pieces(block, work[1:])
        in_rest = {id(op) for f in rest for op in f.stages()}
        alone = [op for op in work[1:] if id(op) not in in_rest and op.parent_block() is block]
        readers = [u.operation for u in head.results[0].uses]
        without = cost(head) + sum(cost(op) for op in list(rest) + alone) + sum(handover(head, r) for r in readers)
        changed = True
        if with_head < without:  # put the head back: fuse the whole chain again
            stages = [head] + [op for f in rest for op in unfuse(f) if isinstance(op, GenericOp) and not _is_fill(op)]
            stages += [op for op in work[1:] if op.parent_block() is block and op not in stages]
            position = {id(op): i for i, op in enumerate(block.ops)}
            from tilefabric.passes.fuse_memory_intensive import _fuse

            fused = _fuse(block, sorted(stages, key=lambda op: position[id(op)]))
            if fused is not None and "tf.op" in attrs:
                fused.attributes["tf.op"] = attrs["tf.op"]
    for op in [op for op in fn.body.block.ops if isinstance(op, FusedOp)]:
        if best(fused_op_space(op, "", isa)) == float("inf"):  # fits on no core: plan the stages instead
            unfuse(op)
            changed = True
    return _collect(fn, isa) if changed else generics


def _plan_function(fn: func.FuncOp, target, budget: float, options: LinalgToRTensor) -> None:
    strategy = options.strategy
    generics = _unfuse_what_does_not_pay(fn, _collect(fn, options.isa), target, budget, options.isa)
    nodes = _nodes(generics, target, budget)
    spread_cold = [strategy == "vgm"] * len(nodes)
    if strategy == "vgm":
        plans = [vgm_plan(n.search, target) for n in nodes]
    else:
        chosen = choose(nodes, target, budget, options.reconcile, options.time_limit, options.mip_gap)
        plans, spread_cold = list(chosen.plans), list(chosen.spread_cold)
        for g in generics:  # a pipelined op's weights stay on its own region
            if g.node is not None and _region_cores(g.op) is not None:
                spread_cold[g.node] = False
    out_layout: dict[SSAValue, Layout] = {}
    for g in generics:
        op, space, label = g.op, g.space, g.label
        plan = plans[g.node] if g.node is not None else search(space, target, budget).best()
        if isinstance(op, FusedOp):
            _plan_fused(op, plan, space, _Mover(out_layout, target), label)
            _annotate(op, nodes[g.node], plan, target, options.record_timing)
            for x, res in enumerate(op.res):
                layout = plan.layout(space, len(op.inputs) + x)
                if strategy == "vgm":
                    res, layout = _write_back(op, res, layout, target, label)
                out_layout[res] = layout
            continue
        operands = list(op.inputs) + list(op.outputs)
        if g.node is not None and spread_cold[g.node]:
            for v in op.inputs:
                if isinstance(v, BlockArgument):
                    out_layout[v] = spread_layout(tuple(v.type.get_shape()), target.cores)
        mover = _Mover(out_layout, target)
        wanted = [plan.layout(space, x) for x in range(len(operands))]
        # Re-layouts run under this op's label, so its prediction includes them.
        predicted = plan.predicted_cycles + sum(mover.cycles(v, w) for v, w in zip(operands, wanted))
        new_operands = [mover.bring(v, w, op, label) for v, w in zip(operands, wanted)]
        compute = _build_compute(op, new_operands, replace(plan, predicted_cycles=predicted), g.iterators, label)
        if "tf.pipeline" in op.attributes:
            compute.attributes["tf.pipeline"] = op.attributes["tf.pipeline"]
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
    ret = fn.body.block.last_op
    mover = _Mover(out_layout, target)
    for x, v in enumerate(ret.operands):
        if isinstance(v.owner, MOVEMENT):
            ret.operands[x] = mover.bring(v, spread_layout(tuple(v.type.get_shape()), target.cores), ret, "output")
    for op in reversed(list(fn.body.block.ops)):
        if isinstance(op, MOVEMENT):
            if op.result.uses:
                raise TileFabricError(f"internal: '{op.name}' still has users after planning")
            Rewriter.erase_op(op)


def _is_fill(op) -> bool:
    return isinstance(op, GenericOp) and constant_fill_value(op) is not None


def _plan_fused(op: FusedOp, plan: Plan, space, mover: "_Mover", label: str) -> None:
    """Bring each input into the layout the fused plan reads it in, and spell out the data
    movement: split dims (the plan), in-core reductions, resident intermediates, one tile."""
    wanted = [plan.layout(space, x) for x in range(len(op.inputs))]
    predicted = plan.predicted_cycles + sum(mover.cycles(v, w) for v, w in zip(op.inputs, wanted))
    new_inputs = [mover.bring(v, w, op, label) for v, w in zip(op.inputs, wanted)]
    for x, v in enumerate(new_inputs):
        op.operands[x] = v
    stages = op.stages()
    yielded = {id(v) for v in op.body.block.last_op.operands}
    reduce_at = ["in-core" if any("reduction" in str(it) for it in st.iterator_types.data) else "none" for st in stages]
    resident = [s for s, st in enumerate(stages) if not _is_fill(st) and any(id(r) not in yielded for r in st.results)]
    plan_attr = PlanAttr.make(plan.spatial, plan.temporal, plan.rotation)
    op.set_movement(plan_attr, round(predicted), reduce_at, resident, 1)
    op.attributes["tf.op"] = StringAttr(label)


class _Mover:
    """Pads, slices and concats become re-layouts that write straight into the layout their
    reader wants (one per reader); a moved tensor whose source is itself moved is first
    brought to the chip-wide spread layout."""

    def __init__(self, out_layout: dict, target):
        self.out_layout, self.target = out_layout, target

    def _spread(self, value: SSAValue) -> Layout:
        return spread_layout(tuple(value.type.get_shape()), self.target.cores)

    def _have(self, value: SSAValue) -> Layout:
        if isinstance(value.owner, MOVEMENT):
            return self._spread(value)
        return self.out_layout.get(value) or self._spread(value)

    def cycles(self, value: SSAValue, want: Layout) -> float:
        """Predicted cycles to bring `value` into `want` (every moved piece once)."""
        owner = value.owner
        if not isinstance(owner, MOVEMENT):
            have = self.out_layout.get(value)
            return 0.0 if have is None else relayout_cycles(self.target, have, want, element_bytes(value))
        sources = list(owner.inputs) if isinstance(owner, tensor.ConcatOp) else [owner.src if isinstance(owner, RESHAPES) else owner.source]
        return sum(relayout_cycles(self.target, self._have(src), want, element_bytes(value))
                   + (self.cycles(src, self._spread(src)) if isinstance(src.owner, MOVEMENT) else 0.0)
                   for src in sources)

    def _source(self, value: SSAValue, before: Operation, label: str) -> tuple[SSAValue, Layout]:
        if isinstance(value.owner, MOVEMENT):
            layout = self._spread(value)
            return self.bring(value, layout, before, label), layout
        return value, self._have(value)

    def bring(self, value: SSAValue, want: Layout, before: Operation, label: str) -> SSAValue:
        owner = value.owner
        if isinstance(owner, tensor.PadOp):
            src, have = self._source(owner.source, before, label)
            new = PadOp(src, value.type, owner.static_low.get_values(), owner.static_high.get_values(),
                        pad_value(owner, label), layout_attr(have), layout_attr(want))
        elif isinstance(owner, tensor.ExtractSliceOp):
            src, have = self._source(owner.source, before, label)
            new = SliceOp(src, value.type, owner.static_offsets.get_values(), layout_attr(have), layout_attr(want))
        elif isinstance(owner, tensor.ConcatOp):
            pieces = [self._source(v, before, label) for v in owner.inputs]
            new = ConcatOp([v for v, _ in pieces], value.type, owner.dim.value.data,
                           [layout_attr(h) for _, h in pieces], layout_attr(want))
        elif isinstance(owner, RESHAPES):
            src, have = self._source(owner.src, before, label)
            new = ReshapeOp(src, value.type, layout_attr(have), layout_attr(want))
        else:
            return _relayout_if_needed(value, self.out_layout.get(value), want, before, label)
        new.attributes["tf.op"] = StringAttr(label)
        Rewriter.insert_op(new, _before(before))
        return new.result


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
