"""pipeline-ops: choose which consecutive CNN layers run at once on disjoint core regions,
forwarding granules of feature-map rows to each other (inter-operator pipelining, PipeOrgan).

Runs on linalg after fuse-memory-intensive and before linalg-to-rtensor, because pipelining
changes how many cores each op is planned for. It finds chains of ops in which each op's
result feeds only the next op (directly or through a zero padding), all with NCHW-like rank-4
outputs whose rows (axis 2) the next op reads as a plain index or a window; the planner
(planner/pipeline.py) cuts each chain into groups and picks, per group, the granularity and the
organisation of the stage regions. Each op of a group gets

    tf.pipeline = {group, stage, cores = array<i64: region size per stage>, granules,
                   organisation, predicted, rows, window = array<i64: stride, extent, pad_low>}

(`rows`: the op's output rows, which granules cut; `window`: how they read the previous op's
rows, from which the lowering derives each granule's wait, analysis/wavefront.py).

and linalg-to-rtensor then plans it for `cores[stage]` cores. See docs/pipelining.md.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from math import prod

from xdsl.context import Context
from xdsl.dialects import func, tensor
from xdsl.dialects.builtin import DenseArrayBase, DictionaryAttr, IntegerAttr, ModuleOp, StringAttr, i64
from xdsl.dialects.linalg.ops import GenericOp
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass

from tilefabric.analysis.kernel import constant_fill_value
from tilefabric.dialects.rtensor import FusedOp
from tilefabric.errors import TileFabricError
from tilefabric.lowering.op_space_from_ir import element_bytes, fused_op_space, op_space
from tilefabric.planner.pipeline import MODES, ChainOp, choose
from tilefabric.target import resolve_target

PIPELINE_ATTR = "tf.pipeline"


@dataclass(frozen=True)
class PipelineOps(ModulePass):
    """Annotate pipelined groups of consecutive ops (see docs/pipelining.md)."""

    name = "pipeline-ops"
    target: str = "ipu-mk2"
    mode: str = "auto"  # none | chunks | organised | auto
    max_depth: int = 4  # most ops in one group (auto)
    granules: int = 4  # granularity of `chunks`
    memory_fraction: float = 0.9
    isa: str = "exhaustive"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.mode not in MODES:
            raise TileFabricError(f"unknown pipelining mode '{self.mode}' (available: {', '.join(MODES)})")
        if self.max_depth < 2 or self.granules < 1:
            raise TileFabricError("pipeline-ops needs max_depth >= 2 and granules >= 1")
        target = resolve_target(self.target)
        budget = target.scratchpad_bytes * self.memory_fraction
        group = 0
        for fn in op.ops:
            if not isinstance(fn, func.FuncOp):
                continue
            for chain in chains(fn, self.isa):
                links = [c for c, _ in chain]
                for g in choose(links, target, budget, self.mode, self.max_depth, self.granules):
                    for stage, (link, ir_op) in enumerate(chain[g.start:g.stop]):
                        ir_op.attributes[PIPELINE_ATTR] = DictionaryAttr({
                            "group": IntegerAttr(group, i64), "stage": IntegerAttr(stage, i64),
                            "cores": DenseArrayBase.from_list(i64, list(g.cores)),
                            "granules": IntegerAttr(g.granules, i64),
                            "organisation": StringAttr(g.organisation),
                            "predicted": IntegerAttr(round(g.predicted), i64),
                            "rows": IntegerAttr(link.rows, i64),
                            "window": DenseArrayBase.from_list(i64, list(link.window)),
                        })
                    group += 1


def _planned(fn: func.FuncOp) -> list[Operation]:
    return [op for op in fn.body.block.ops
            if (isinstance(op, GenericOp) and constant_fill_value(op) is None) or (isinstance(op, FusedOp) and op.plan is None)]


def _space(op, isa: str):
    label = op.attributes["tf.op"].data if isinstance(op.attributes.get("tf.op"), StringAttr) else "op"
    return fused_op_space(op, label, isa) if isinstance(op, FusedOp) else op_space(op, label, isa)[0]


def _rank4(value: SSAValue) -> bool:
    return len(value.type.get_shape()) == 4


def _feeds_only(producer: Operation, consumer: Operation) -> tuple[int, int] | None:
    """(input index of `consumer` that reads `producer`'s one result, zero-padding rows before
    it) when that result feeds nothing else, directly or through one static tensor.pad."""
    if len(producer.results) != 1:
        return None
    (result,) = producer.results
    reads = []
    for use in list(result.uses):
        user = use.operation
        if user is consumer and use.index < len(consumer.inputs):
            reads.append((use.index, 0))
        elif isinstance(user, tensor.PadOp) and not user.low and not user.high and all(
                u.operation is consumer and u.index < len(consumer.inputs) for u in user.result.uses):
            low = list(user.static_low.get_values())
            reads += [(u.index, low[2]) for u in user.result.uses]
        else:
            return None
    return reads[0] if len(reads) == 1 else None


def _window(space, x: int) -> tuple[int, int, int] | None:
    """(stride, extent) of how the op's output rows read rows of input x, or None."""
    out = space.terms(space.n_inputs)
    if len(out) != 4 or len(out[2]) != 1 or out[2][0][1] != 1:
        return None
    row_dim = out[2][0][0]
    terms = dict(space.terms(x)[2]) if len(space.terms(x)) == 4 else {}
    if row_dim not in terms:
        return None
    extent = 1 + sum(c * (space.sizes[d] - 1) for d, c in terms.items() if d != row_dim)
    return terms[row_dim], extent


def chains(fn: func.FuncOp, isa: str) -> list[list[tuple[ChainOp, Operation]]]:
    """Maximal runs of consecutive ops each feeding only the next, rows read plainly or
    through a window; runs of one op are dropped."""
    ops = _planned(fn)
    out: list[list[tuple[ChainOp, Operation]]] = []
    current: list[tuple[ChainOp, Operation]] = []

    def describe(op, reads: int = 0) -> ChainOp | None:
        if len(op.results) != 1 or not _rank4(op.results[0]) or not op.inputs:
            return None
        r, x = op.results[0], op.inputs[reads]
        label = op.attributes["tf.op"].data if isinstance(op.attributes.get("tf.op"), StringAttr) else op.name
        try:
            space = _space(op, isa)
        except TileFabricError:
            return None
        return ChainOp(label, space, r.type.get_shape()[2], prod(r.type.get_shape()) * element_bytes(r),
                       reads=reads, in_bytes=prod(x.type.get_shape()) * element_bytes(x))

    for a, b in zip(ops, ops[1:] + [None]):
        if not current:
            first = describe(a)
            if first is not None:
                current = [(first, a)]
        link = None
        if current and b is not None and current[-1][1] is a:
            feed = _feeds_only(a, b)
            nxt = describe(b, feed[0]) if feed is not None else None
            w = _window(nxt.space, feed[0]) if nxt is not None else None
            if w is not None:
                link = replace(nxt, window=(w[0], w[1], feed[1]))
        if link is not None:
            current.append((link, b))
        else:
            if len(current) >= 2:
                out.append(current)
            current = []
    return out
