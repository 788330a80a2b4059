"""rtensor-to-dataflow: spell out every plan as the whole-machine program — buffers on core
grids, host scatter/gather, compute-shift loops, partial-sum reduction, re-layout exchanges."""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

from xdsl.context import Context
from xdsl.dialects import arith, func, tensor
from xdsl.dialects.builtin import FloatAttr, IntegerAttr, IntegerType, ModuleOp, StringAttr, UnitAttr
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.ir.affine import AffineExpr, AffineMap
from xdsl.passes import ModulePass

from tilefabric.dialects import dataflow as df
from tilefabric.dialects.rtensor import ComputeOp, ConcatOp, PadOp, RelayoutOp, ReshapeOp, SliceOp
from tilefabric.analysis.kernel import constant_fill_value
from tilefabric.errors import TileFabricError
from tilefabric.lowering.expand_fused import expand_fused
from tilefabric.lowering.layout_maps import offsets_map, part_exprs, shift_source_map, shifts_so_far, where_nonzero_map
from tilefabric.lowering.linalg_to_rtensor import layout_of
from tilefabric.dialects.isa import INSTRUCTION, WASTE
from tilefabric.lowering.op_space_from_ir import op_space
from tilefabric.planner.plan import Layout, Plan

IDENTITY = {"add": 0.0, "mul": 1.0, "max": float("-inf"), "min": float("inf")}


def plan_of(op: ComputeOp) -> Plan:
    p = op.plan
    return Plan(p.factors, tuple(p.parts), p.rotating, 0.0, 0.0, 0.0, 0.0, 0.0)


@dataclass(frozen=True)
class RTensorToDataflow(ModulePass):
    """Lower planned rtensor ops to the dataflow dialect (see docs/passes.md)."""

    name = "rtensor-to-dataflow"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        from tilefabric.dialects.rtensor import TARGET_ATTR
        from tilefabric.lowering import pipeline_groups
        from tilefabric.target import resolve_target

        target = op.attributes.get(TARGET_ATTR)
        for fn in list(op.ops):
            if isinstance(fn, func.FuncOp):
                # pipelined groups (tf.pipeline): read before fused chains expand into stages
                placement = pipeline_groups.collect(fn, resolve_target(target.data)) if target is not None \
                    else pipeline_groups.Placement()
                expand_fused(fn)  # fused chains run as their stages, buffers reused in place
                _Lowering(fn, placement).run()


class _Lowering:
    def __init__(self, fn: func.FuncOp, placement=None):
        from tilefabric.lowering.pipeline_groups import Placement

        self.fn = fn
        self.placement = placement or Placement()  # pipelined groups: stage regions by op label
        self.stage_of_buffer: dict[SSAValue, tuple[int, int]] = {}  # (group, stage) of placed buffers
        self.new_ops: list[Operation] = []
        self.placed: dict[SSAValue, tuple[SSAValue, Layout]] = {}  # tensor -> (buffer, layout)
        self.uses_left: dict[SSAValue, int] = {}

    def emit(self, op: Operation) -> Operation:
        if isinstance(op, df.ExchangeOp):  # between two stages of one pipeline: forwarded core to core
            src, dst = self.stage_of_buffer.get(op.source), self.stage_of_buffer.get(op.dest)
            if src is not None and dst is not None and src[0] == dst[0] and src[1] != dst[1]:
                from tilefabric.lowering.pipeline_groups import FORWARD_ATTR

                op.attributes[FORWARD_ATTR] = UnitAttr()
        self.new_ops.append(op)
        return op

    def alloc(self, layout: Layout, elt, label: str, placed: bool = True) -> SSAValue:
        t = df.BufferType.make(layout.grid, layout.local_shape(), elt)
        cores = self.placement.cores_for(label, t.cores) if placed else None
        # a pipeline stage's buffer sits on its region's physical cores
        alloc = df.AllocOp(t, {"tf.op": StringAttr(label)}, None if cores is None else [int(c) for c in cores])
        if cores is not None:
            self.stage_of_buffer[alloc.buffer] = self.placement.stage_of[label]
        return self.emit(alloc).buffer

    def _same_place(self, buf: SSAValue, label: str) -> bool:
        """A buffer may be reused in place only by an op on the same cores."""
        return self.stage_of_buffer.get(buf) == self.placement.stage_of.get(label)

    def run(self) -> None:
        block = self.fn.body.block
        old_ops = list(block.ops)
        for op in old_ops:
            if isinstance(op, ComputeOp):
                self.lower_compute(op)
            elif isinstance(op, RelayoutOp):
                self.lower_relayout(op)
            elif isinstance(op, PadOp):
                self.lower_pad(op)
            elif isinstance(op, SliceOp):
                self.lower_slice(op)
            elif isinstance(op, ConcatOp):
                self.lower_concat(op)
            elif isinstance(op, ReshapeOp):
                self.lower_reshape(op)
            elif isinstance(op, func.ReturnOp):
                self.lower_return(op)
            elif isinstance(op, arith.ConstantOp):
                op.detach()
                self.emit(op)  # scalar constants captured by bodies stay
            elif isinstance(op, tensor.EmptyOp):
                continue
            else:
                raise TileFabricError(f"unsupported operation '{op.name}' in rtensor-to-dataflow")
        for op in reversed(old_ops):
            if isinstance(op, arith.ConstantOp):
                continue
            op.detach()
            op.erase(safe_erase=False)
        self.insert_frees()
        if self.placement.groups:
            from tilefabric.lowering.pipeline_groups import wrap

            self.new_ops = wrap(self.new_ops, self.placement)
        for op in self.new_ops:
            block.add_op(op)

    # -- operands ------------------------------------------------------------------------
    def buffer_for(self, value: SSAValue, want: Layout, label: str, writable: bool, moved: bool = False) -> SSAValue:
        """A buffer holding `value` in layout `want`: reuse the producer's, or bring it in.
        `moved`: the buffer is only the source of an exchange, so it may sit on other cores."""
        elt = value.type.element_type
        fill = _fill_of(value)
        if fill is not None:
            dst = self.alloc(want, elt, label)
            self.emit(df.FillOp(dst, fill, None, {"tf.op": StringAttr(label)}))
            return dst
        if value in self.placed:
            buf, have = self.placed[value]
            if have == want and (moved or self._same_place(buf, label)) and not (writable and value.uses.get_length() > 1):
                return buf
            dst = self.alloc(want, elt, label)
            shape = value.type.get_shape()
            self.emit(df.ExchangeOp(buf, dst, offsets_map(have), offsets_map(want), shape, {"tf.op": StringAttr(label)}))
            return dst
        # a model input scattered only to be moved (padded, sliced) lies spread over the chip
        dst = self.alloc(want, elt, label, placed=not (moved and isinstance(value.owner, Block)))
        if isinstance(value.owner, tensor.EmptyOp):
            return dst  # uninitialised: the body must not read it
        if not isinstance(value.owner, Block):
            raise TileFabricError(f"operator '{label}': operand produced by unsupported '{value.owner.name}'")
        self.emit(df.ScatterOp(value, dst, offsets_map(want), {"tf.op": StringAttr(label)}))
        return dst

    # -- ops -----------------------------------------------------------------------------
    def lower_relayout(self, op: RelayoutOp) -> None:
        label = op.attributes["tf.op"].data if "tf.op" in op.attributes else "relayout"
        src = op.source
        buf = self.buffer_for(src, layout_of(op.src_layout), label, writable=False, moved=True)
        want = layout_of(op.dst_layout)
        dst = self.alloc(want, src.type.element_type, label)
        self.emit(df.ExchangeOp(buf, dst, offsets_map(layout_of(op.src_layout)), offsets_map(want), src.type.get_shape(), {"tf.op": StringAttr(label)}))
        self.placed[op.result] = (dst, want)

    def lower_pad(self, op: PadOp) -> None:
        """Fill the destination with the pad value, then exchange the source into its interior."""
        label = op.attributes["tf.op"].data if "tf.op" in op.attributes else "pad"
        src = op.source
        have = layout_of(op.src_layout)
        buf = self.buffer_for(src, have, label, writable=False, moved=True)
        want = layout_of(op.dst_layout)
        dst = self.alloc(want, src.type.element_type, label)
        tag = {"tf.op": StringAttr(label)}
        self.emit(df.FillOp(dst, op.value, None, dict(tag)))
        low, high = op.padding()
        self.emit(df.ExchangeOp(buf, dst, offsets_map(have), offsets_map(want), src.type.get_shape(), dict(tag), low, high))
        self.placed[op.result] = (dst, want)

    def lower_slice(self, op: SliceOp) -> None:
        """One exchange that crops: negative padding drops what lies outside the slice."""
        label = op.attributes["tf.op"].data if "tf.op" in op.attributes else "slice"
        have, want = layout_of(op.src_layout), layout_of(op.dst_layout)
        buf = self.buffer_for(op.source, have, label, writable=False, moved=True)
        dst = self.alloc(want, op.source.type.element_type, label)
        low, high = op.cropping()
        self.emit(df.ExchangeOp(buf, dst, offsets_map(have), offsets_map(want), op.source.type.get_shape(),
                                {"tf.op": StringAttr(label)}, low, high))
        self.placed[op.result] = (dst, want)

    def lower_reshape(self, op: ReshapeOp) -> None:
        """One exchange whose destination indexes the reshaped tensor."""
        label = op.attributes["tf.op"].data if "tf.op" in op.attributes else "reshape"
        have, want = layout_of(op.src_layout), layout_of(op.dst_layout)
        buf = self.buffer_for(op.source, have, label, writable=False, moved=True)
        dst = self.alloc(want, op.source.type.element_type, label)
        self.emit(df.ExchangeOp(buf, dst, offsets_map(have), offsets_map(want), op.source.type.get_shape(),
                                {"tf.op": StringAttr(label)}, reshape=op.result.type.get_shape()))
        self.placed[op.result] = (dst, want)

    def lower_concat(self, op: ConcatOp) -> None:
        """One exchange per input, each padded up to the whole: together they fill it."""
        label = op.attributes["tf.op"].data if "tf.op" in op.attributes else "concat"
        want = layout_of(op.dst_layout)
        elt = op.result.type.element_type
        dst = self.alloc(want, elt, label)
        # blocks may reach past the tensor (padded loop dims): zeros there, as a relayout leaves
        zero = IntegerAttr(0, elt) if isinstance(elt, IntegerType) else FloatAttr(0.0, elt)
        self.emit(df.FillOp(dst, zero, None, {"tf.op": StringAttr(label)}))
        for value, layout, (low, high) in zip(op.inputs, op.src_layouts.data, op.placements()):
            have = layout_of(layout)
            buf = self.buffer_for(value, have, label, writable=False, moved=True)
            self.emit(df.ExchangeOp(buf, dst, offsets_map(have), offsets_map(want), value.type.get_shape(),
                                    {"tf.op": StringAttr(label)}, low, high))
        self.placed[op.result] = (dst, want)

    def lower_compute(self, op: ComputeOp) -> None:
        label = op.attributes["tf.op"].data if "tf.op" in op.attributes else "compute"
        if constant_fill_value(op) is not None:
            return  # materialised by each consumer (buffer_for) or at the output
        space, iterators = op_space(op, label)
        plan = plan_of(op)
        n_in = len(op.inputs)
        operands = list(op.inputs) + list(op.outputs)
        layouts = [plan.layout(space, x) for x in range(len(operands))]
        _check_one_ring_per_dim(plan, space, label)
        bufs = [self.buffer_for(v, layouts[x], label, writable=x >= n_in) for x, v in enumerate(operands)]
        tag = {"tf.op": StringAttr(label)}
        split_reduce = [plan.grid_position(d) for d in space.reduction_dims if plan.spatial[d] > 1]
        if split_reduce:
            ident = IDENTITY[space.combiner]
            for x in range(n_in, len(operands)):
                elt = operands[x].type.element_type
                value = FloatAttr(ident, elt) if "f" in str(elt) else IntegerAttr(int(ident), elt)
                self.emit(df.FillOp(bufs[x], value, where_nonzero_map(plan.grid(), split_reduce), tag))
        self.emit_steps(op, plan, space, iterators, bufs, layouts, label)
        if split_reduce:
            for x in range(n_in, len(operands)):
                self.emit(df.ReduceOp(bufs[x], split_reduce, space.combiner, tag))
        for x, res in enumerate(op.res):
            self.placed[res] = (bufs[n_in + x], layouts[n_in + x])

    def emit_steps(self, op, plan: Plan, space, iterators, bufs, layouts, label) -> None:
        """Nested compute-shift loops, outermost ring first; each ring shifts between steps."""
        rotation = list(plan.rotation)
        depth = len(rotation)
        grid = plan.grid()
        c = [AffineExpr.dimension(i) for i in range(len(grid))]
        sym = [AffineExpr.symbol(i) for i in range(depth)]
        steps = plan.step_sizes(space)
        counts = [prod(layouts[x].parts) for x in rotation]
        # For each loop dim: the rotating operand that sets which unit is used at a step.
        unit_of_dim: dict[int, AffineExpr] = {}
        for level, x in enumerate(rotation):
            parts = part_exprs(layouts[x], c, shifts_so_far(sym, counts, level))
            for axis, d in enumerate(space.operand_dims[x]):
                if d >= 0 and layouts[x].parts[axis] > 1:
                    unit_of_dim[d] = parts[axis]
        offsets = []
        for x in range(len(space.operand_dims)):
            res = []
            for axis, terms in enumerate(space.terms(x)):
                # The step's sub-box of a held (non-rotating) axis starts at Σ c · unit · step
                # over its stepped dims; a rotating axis always computes on the part it holds.
                expr = None
                if layouts[x].parts[axis] == 1:
                    for d, coeff in terms:
                        if d in unit_of_dim:
                            term = unit_of_dim[d] * (steps[d] * coeff)
                            expr = term if expr is None else expr + term
                res.append(AffineExpr.constant(0) if expr is None else expr)
            offsets.append(AffineMap(len(grid), depth, tuple(res)))
        n_in = len(op.inputs)
        tag = {"tf.op": StringAttr(label)}
        attrs = dict(tag, **{"tf.plan": StringAttr(_describe(plan)), "tf.predicted": op.predicted_cycles or StringAttr("")})
        if "tf.fused_stage" in op.attributes:  # a stage of a fused chain (expand_fused.py)
            attrs["tf.fused_stage"] = op.attributes["tf.fused_stage"]
        for key in (INSTRUCTION, WASTE):  # the sub-operator's instruction mapping (isa-map)
            if key in op.attributes:
                attrs[key] = op.attributes[key]
        compute = df.ComputeOp(bufs[:n_in], bufs[n_in:], op.body.clone(), [m.data for m in op.indexing_maps.data], iterators, steps, offsets, attrs)
        body: list[Operation] = [compute]
        for level in reversed(range(depth)):
            x = rotation[level]
            shift = [df.SyncOp(dict(tag)), df.ShiftOp(bufs[x], shift_source_map(layouts[x]), dict(tag)), df.SyncOp(dict(tag))]
            body = [df.RepeatOp(counts[level], Region(Block(body)), dict(tag), Region(Block(shift)))]
        for o in body:
            self.emit(o)
        self.restore_rotated(op, rotation, counts, bufs, layouts, label)

    def restore_rotated(self, op, rotation, counts, bufs, layouts, label) -> None:
        """A ring ends displaced; if the tensor is read again later, bring it back home."""
        outer = 1
        for level, x in enumerate(rotation):
            displaced = outer * (counts[level] - 1) % counts[level]
            outer *= counts[level]
            value = op.operands[x]
            if not displaced or value.uses.get_length() < 2 or self.placed.get(value, (None,))[0] is not bufs[x]:
                continue
            home = layouts[x]
            dst = self.alloc(home, value.type.element_type, label)
            self.emit(df.ExchangeOp(bufs[x], dst, offsets_map(home, displaced), offsets_map(home), value.type.get_shape(), {"tf.op": StringAttr(label)}))
            self.placed[value] = (dst, home)

    def lower_return(self, op: func.ReturnOp) -> None:
        results = []
        for v in op.arguments:
            if _fill_of(v) is not None:
                layout = plan_of(v.owner).layout(op_space(v.owner, "output")[0], 0)
                v_buf = self.buffer_for(v, layout, "output", writable=True)
                self.placed[v] = (v_buf, layout)
            if v in self.placed:
                buf, layout = self.placed[v]
                g = df.GatherOp(buf, v.type, offsets_map(layout), {"tf.op": StringAttr("output")})
                self.emit(g)
                results.append(g.result)
            else:
                results.append(v)
        self.emit(func.ReturnOp(*results))

    def insert_frees(self) -> None:
        last_use: dict[SSAValue, int] = {}
        for i, op in enumerate(self.new_ops):
            for inner in op.walk():
                for v in inner.operands:
                    if isinstance(v.type, df.BufferType):
                        last_use[v] = i
            for r in op.results:
                if isinstance(r.type, df.BufferType):
                    last_use.setdefault(r, i)
        out: list[Operation] = []
        frees_after: dict[int, list[SSAValue]] = {}
        for v, i in last_use.items():
            frees_after.setdefault(i, []).append(v)
        for i, op in enumerate(self.new_ops):
            if isinstance(op, func.ReturnOp):
                out.append(op)
                continue
            out.append(op)
            for v in frees_after.get(i, []):
                out.append(df.FreeOp(v))
        self.new_ops = out


def _fill_of(value: SSAValue):
    """The constant of a fill rtensor.compute producing `value`, if it is one."""
    owner = value.owner
    return constant_fill_value(owner) if isinstance(owner, ComputeOp) else None


def _describe(plan: Plan) -> str:
    return plan.describe()


def _check_one_ring_per_dim(plan: Plan, space, label: str) -> None:
    seen: set[int] = set()
    for x in plan.rotation:
        dims = {d for d in range(space.n_dims) if plan.temporal[x][d] > 1}
        if dims & seen:
            raise TileFabricError(f"operator '{label}': two rotating operands share a loop dim (not supported by this lowering yet)")
        seen |= dims
