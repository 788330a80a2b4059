"""Compile a dataflow function once into a flat list of numpy closures; each closure updates
the Machine (data, memory, cycles). Costs come only from the Target, never from the planner.

On a mesh / torus target a shift or exchange is priced at the link level: its transfers are
routed once, here, and the closure charges the precomputed step time and adds the precomputed
per-link bytes (links.py). On a crossbar every transfer is one hop (Target.transfer_cycles).
On a target with a global buffer an exchange (unless marked `tf.forward`) goes through the
buffer instead (Target.exchange_transfer_cycles); shifts still use the links.

Cells vs cores: a buffer's grid cell i sits on the physical core `dataflow.placement_of(alloc)[i]`
(i itself without `place`). Data moves between cells; routes, the "already held" test of an
exchange and the per-core memory accounting use the physical cores."""

from __future__ import annotations

from math import prod

import numpy as np
from xdsl.dialects import arith, func
from xdsl.dialects.builtin import StringAttr

from tilefabric.analysis.affine_eval import eval_on_grid
from tilefabric.dialects import dataflow as df
from tilefabric.errors import TileFabricError
from tilefabric.isa.search import DEFAULT as DEFAULT_ISA, ISA_ATTR
from tilefabric.runtime_sim.body_eval import numpy_dtype
from tilefabric.runtime_sim.boxes import place, read_boxes, received_elements, same_core_cells, write_boxes
from tilefabric.runtime_sim.compute_step import REDUCE, ComputeStep
from tilefabric.runtime_sim.links import exchange_transfers, shift_transfers
from tilefabric.runtime_sim.written import WrittenMap

# An exchange forwarded core to core over the mesh even on a target with a global buffer
# (inter-operator pipelining); every other exchange there goes through the buffer.
FORWARD_ATTR = "tf.forward"


def label_of(op) -> str:
    a = op.attributes.get("tf.op")
    return a.data if isinstance(a, StringAttr) else op.name


def _bytes(t: df.BufferType) -> int:
    return prod(t.local_shape) * numpy_dtype(t.element_type).itemsize


def physical_cores(value):
    """What Machine.allocate takes for a buffer: its core count when cell i sits on core i
    (the fast path), else its physical core ids."""
    ids = df.placement_of(value)
    return len(ids) if df.is_identity_placement(ids) else ids


class Program:
    def __init__(self, fn: func.FuncOp, target, strict: bool = False):
        """`strict`: also track which elements were written and refuse a read of one that never
        was (slower; see written.py). Off, unwritten floats are NaN and poison what reads them."""
        self.fn, self.target = fn, target
        module = fn.parent_op()
        strategy = module.attributes.get(ISA_ATTR) if module is not None else None
        self.isa = strategy.data if isinstance(strategy, StringAttr) else DEFAULT_ISA
        self.written = WrittenMap() if strict else None
        # forwarded exchanges of pipelined groups: id(op) -> (LinkStep or None, transfer, syncs)
        self.forward_steps: dict[int, tuple] = {}
        self.steps = [self._compile(op) for op in fn.body.block.ops]
        self.compute_info: dict[str, tuple[str, str, float | None]] = {}
        for op in fn.walk():
            if isinstance(op, df.ComputeOp):
                label = label_of(op)
                pred = op.attributes.get("tf.predicted")
                plan = op.attributes.get("tf.plan")
                kind = ComputeStep(op, target, label, self.isa).info.kind
                if "tf.fused_stage" in op.attributes and kind != "contraction":
                    kind = "fused"  # a fused chain; one headed by a matmul stays a contraction (with an epilogue)
                self.compute_info.setdefault(label, (kind, plan.data if plan else "", float(pred.data) if hasattr(pred, "data") and not isinstance(pred, StringAttr) else None))

    def run(self, machine, symbols=()) -> None:
        for step in self.steps:
            step(machine, symbols)

    def _compile(self, op):
        step = self._compile_op(op)
        return step if self.written is None else self._guard(op, label_of(op), step)

    def _guard(self, op, label: str, step):
        """The step with strict checks: what it reads must have been written; mark what it writes."""
        w = self.written
        if isinstance(op, df.AllocOp):
            bt = op.buffer.type
            name = f"{label}#{len(w.names)}"

            def alloc(m, s):
                step(m, s)
                w.alloc(id(op.buffer), (bt.cores,) + bt.local_shape, name)
            return alloc
        if isinstance(op, df.FreeOp):
            return lambda m, s: (step(m, s), w.drop(id(op.buffer)))[0]
        if isinstance(op, df.ScatterOp):
            return lambda m, s: (step(m, s), w.mask(id(op.dest)).fill(True))[0]
        if isinstance(op, df.FillOp):
            bt = op.buffer.type
            rows = np.ones(bt.cores, dtype=bool) if op.where is None else eval_on_grid(op.where.data, bt.grid_shape)[:, 0] != 0

            def fill(m, s):
                step(m, s)
                w.mask(id(op.buffer))[rows] = True
            return fill
        if isinstance(op, (df.ExchangeOp, df.GatherOp)):
            return self._guard_move(op, label, step)
        if isinstance(op, df.ShiftOp):
            bt = op.buffer.type
            src = eval_on_grid(op.source.data, bt.grid_shape)
            ids = np.ravel_multi_index(tuple(src.T), bt.grid_shape)

            def shift(m, s):
                step(m, s)
                w.set(id(op.buffer), w.mask(id(op.buffer))[ids])
            return shift
        if isinstance(op, df.ReduceOp):
            def reduce(m, s):
                w.check(w.mask(id(op.buffer)), id(op.buffer), label, "the partial-sum reduction")
                step(m, s)
            return reduce
        if isinstance(op, df.ComputeOp):
            cs = ComputeStep(op, self.target, label, self.isa)
            operands = list(op.inputs) + list(op.outputs)
            n_in = len(op.inputs)
            # operands the body reads (a pooling window's shape-only input is never read)
            read = [x for x, arg in enumerate(op.body.block.args) if arg.uses]

            def compute(m, s):
                boxes = cs._boxes(s)
                for x in read:
                    what = f"operand #{x} of the compute"
                    w.check(boxes[x].read(w.mask(id(operands[x]))), id(operands[x]), label, what)
                step(m, s)
                for x in range(n_in, len(operands)):
                    mask = w.mask(id(operands[x]))
                    boxes[x].write(mask, np.ones((mask.shape[0],) + boxes[x].extents, dtype=bool))
            return compute
        return step

    def _guard_move(self, op, label: str, step):
        """Exchange / gather: every source element inside the tensor must have been written;
        an exchange writes the destination boxes (a padded one only inside the tensor)."""
        w = self.written
        st = op.source.type
        shape = tuple(op.shape.get_values()) if isinstance(op, df.ExchangeOp) else tuple(op.result.type.get_shape())
        so = eval_on_grid(op.src_offsets.data if isinstance(op, df.ExchangeOp) else op.offsets.data, st.grid_shape)
        what = "the exchange" if isinstance(op, df.ExchangeOp) else "the gather to the host"

        def move(m, s):
            whole = write_boxes(shape, np.dtype(bool), w.mask(id(op.source)), so)
            w.check(whole[None], id(op.source), label, what)
            step(m, s)
            if isinstance(op, df.ExchangeOp):
                dest = w.mask(id(op.dest))
                low, high = op.padding()
                if any(v > 0 for v in low + high):
                    dt = op.dest.type
                    inside = read_boxes(place(np.ones(shape, dtype=bool), low, high), eval_on_grid(op.dst_offsets.data, dt.grid_shape), dt.local_shape)
                    dest |= inside
                else:
                    dest.fill(True)
        return move

    def _compile_op(self, op):
        t = self.target
        label = label_of(op)
        if isinstance(op, df.AllocOp):
            bt = op.buffer.type
            dtype, nbytes, cores = numpy_dtype(bt.element_type), _bytes(bt), bt.cores
            where = physical_cores(op.buffer)
            fill = np.nan if dtype.kind == "f" else 0

            def alloc(m, s):
                m.allocate(where, nbytes, label)
                m.buffers[id(op.buffer)] = np.full((cores,) + bt.local_shape, fill, dtype=dtype)
            return alloc
        if isinstance(op, df.FreeOp):
            bt = op.buffer.type
            where = physical_cores(op.buffer)

            def free(m, s):
                m.release(where, _bytes(bt))
                m.buffers.pop(id(op.buffer), None)
            return free
        if isinstance(op, df.ScatterOp):
            bt = op.dest.type
            offs = eval_on_grid(op.offsets.data, bt.grid_shape)

            def scatter(m, s):
                host = m.host[id(op.source)]
                m.buffers[id(op.dest)][...] = read_boxes(host, offs, bt.local_shape)
            return scatter
        if isinstance(op, df.GatherOp):
            bt = op.source.type
            offs = eval_on_grid(op.offsets.data, bt.grid_shape)
            shape = tuple(op.result.type.get_shape())

            def gather(m, s):
                m.host[id(op.result)] = write_boxes(shape, m.buffers[id(op.source)].dtype, m.buffers[id(op.source)], offs)
            return gather
        if isinstance(op, df.ExchangeOp):
            return self._exchange(op, label)
        if isinstance(op, df.FillOp):
            bt = op.buffer.type
            mask = np.ones(bt.cores, dtype=bool) if op.where is None else eval_on_grid(op.where.data, bt.grid_shape)[:, 0] != 0
            value = op.value.value.data

            def fill(m, s):
                m.buffers[id(op.buffer)][mask] = value
            return fill
        if isinstance(op, df.ComputeOp):
            step = ComputeStep(op, t, label, self.isa)

            # a vector stage of a fused chain (a matmul's epilogue when the chain has a head)
            fused_vector = step.cycles if "tf.fused_stage" in op.attributes and step.info.kind != "contraction" else 0.0
            text = step.instruction(t)

            def compute(m, s):
                step.run(m, s)
                m.charge(label, compute=step.cycles)
                stat = m.stat(label)
                stat.note_instruction(text, step.cycles, step.useful_work, step.performed_work)
                if fused_vector:
                    stat.fused_vector_cycles += fused_vector
            return compute
        if isinstance(op, df.ShiftOp):
            bt = op.buffer.type
            src = eval_on_grid(op.source.data, bt.grid_shape)
            ids = np.ravel_multi_index(tuple(src.T), bt.grid_shape)
            nbytes = _bytes(bt)
            where = physical_cores(op.buffer)
            links = t.route(*shift_transfers(ids, nbytes, df.placement_of(op.buffer))) if t.routed else None
            cycles = t.step_cycles(links) if links is not None else float(t.transfer_cycles(nbytes))
            receive = nbytes * (t.shift_buffers - 1)  # the incoming part lands beside the old one

            def shift(m, s):
                m.allocate(where, receive, label)
                m.release(where, receive)
                m.buffers[id(op.buffer)] = m.buffers[id(op.buffer)][ids]
                m.charge(label, shift=cycles, moved=nbytes * bt.cores, overlaps=True)
                if links is not None:
                    m.links.add(links)
            return shift
        if isinstance(op, df.ReduceOp):
            return self._reduce(op, label)
        if isinstance(op, df.SyncOp):
            return lambda m, s: m.charge(label, sync=t.sync_cycles)
        if isinstance(op, df.RepeatOp):
            body = [self._compile(inner) for inner in op.body.block.ops]
            between = [self._compile(inner) for inner in op.between.block.ops] if op.between is not None else []
            count = op.count.data
            # compute-shift loop on a target that overlaps them: each iteration's shifts may
            # run during that iteration's compute (Machine.charge, `overlaps`)
            overlap = t.overlap_compute_comm and op.between is not None and any(
                isinstance(inner, df.ShiftOp) for inner in op.between.block.ops)

            def repeat(m, s):
                outer = m.overlap_credit
                for i in range(count):
                    here = tuple(s) + (i,)
                    if overlap:
                        m.overlap_credit = 0.0
                    for step in body:
                        step(m, here)
                    if i + 1 < count:
                        for step in between:
                            step(m, here)
                if overlap and outer is None:
                    m.overlap_credit = None
            return repeat
        if isinstance(op, df.PipelineOp):
            from tilefabric.runtime_sim.pipeline_timing import group_step

            return group_step(self, op, label)
        if isinstance(op, (func.ReturnOp, arith.ConstantOp)):
            return lambda m, s: None  # scalar constants are read inside bodies
        raise TileFabricError(f"the simulator cannot run '{op.name}'")

    def _exchange(self, op: df.ExchangeOp, label: str):
        st, dt = op.source.type, op.dest.type
        shape = tuple(op.shape.get_values())
        so = eval_on_grid(op.src_offsets.data, st.grid_shape)
        do = eval_on_grid(op.dst_offsets.data, dt.grid_shape)
        low, high = op.padding()
        into = tuple(op.reshape.get_values()) if op.reshape is not None else None
        src_place, dst_place = df.placement_of(op.source), df.placement_of(op.dest)
        if into is None:  # a destination cell already holds what the source cell on its core holds
            received = received_elements(so, st.local_shape, do, dt.local_shape, shape, low,
                                         same_core_cells(src_place, dst_place))
        else:  # reshaped: positions change, so every destination core receives its whole box
            received = received_elements(so[:0], st.local_shape, do, dt.local_shape, into)
        itemsize = numpy_dtype(dt.element_type).itemsize
        worst = int(received.max()) * itemsize if len(received) else 0
        moved = int(received.sum()) * itemsize
        t = self.target
        links = None
        via_buffer = t.has_global_buffer and FORWARD_ATTR not in op.attributes
        if via_buffer:  # the whole tensor written out to the global buffer, the missing bytes read in
            written = prod(shape) * itemsize if worst else 0
            transfer = float(t.exchange_transfer_cycles(worst, written, moved))
            syncs = float(t.exchange_cycles(worst, written, moved)) - transfer if worst else 0.0
        else:
            if t.routed and worst:
                links = t.route(*exchange_transfers(t, so, st.local_shape, do, dt.local_shape, shape, low, high, into,
                                                    itemsize, src_place, dst_place))
            transfer = t.step_cycles(links) if links is not None else float(t.transfer_cycles(worst))
            # No core lacks anything: the layouts coincide physically, so no exchange phase runs.
            barriers = (float(t.relayout_syncs * t.sync_cycles) if t.has_global_buffer  # forwarded
                        else float(t.exchange_cycles(worst)) - float(t.transfer_cycles(worst)))
            syncs = barriers if worst else 0.0
        if FORWARD_ATTR in op.attributes:  # a pipeline group times it per granule (pipeline_timing.py)
            self.forward_steps[id(op)] = (links, float(transfer), float(syncs))

        padded = any(v > 0 for v in low + high)
        inside = None
        if padded:  # which positions of each destination box hold tensor data (not padding)
            region = place(np.ones(shape, dtype=bool), low, high)
            inside = read_boxes(region, do, dt.local_shape)

        def exchange(m, s):
            src = m.buffers[id(op.source)]
            whole = place(write_boxes(shape, src.dtype, src, so), low, high)
            if into is not None:
                whole = whole.reshape(into)
            if not padded:
                m.buffers[id(op.dest)][...] = read_boxes(whole, do, dt.local_shape)
            else:
                boxes = read_boxes(whole, do, dt.local_shape)
                dest = m.buffers[id(op.dest)]
                dest[...] = np.where(inside, boxes, dest)
            m.charge(label, shift=transfer, sync=syncs, moved=moved)
            if links is not None:
                m.links.add(links)
        return exchange

    def _reduce(self, op: df.ReduceOp, label: str):
        bt = op.buffer.type
        dims = tuple(op.dims.get_values())
        grid, local = bt.grid_shape, bt.local_shape
        copies = prod(grid[d] for d in dims)
        itemsize = numpy_dtype(bt.element_type).itemsize
        sync, transfer, compute = (float(v) for v in self.target.partial_sum_cycles(prod(local), copies, itemsize))
        combine = REDUCE[op.combiner.data]
        moved = prod(local) * itemsize * bt.cores

        def reduce(m, s):
            arr = m.buffers[id(op.buffer)].reshape(grid + local)
            total = combine.reduce(arr, axis=dims, keepdims=True)
            m.buffers[id(op.buffer)] = np.broadcast_to(total, arr.shape).reshape((bt.cores,) + local).copy()
            m.charge(label, compute=compute, shift=transfer, sync=sync, moved=moved)
        return reduce
