"""Spell a planned `rtensor.fused` out as its stages, for rtensor-to-dataflow.

Each stage becomes an `rtensor.compute` whose plan is the fused plan read through the stage's
loop dims (a stage loop over fused dim d is split F_d ways). Every tensor a stage writes and a
later stage reads then lies in the same layout in both, so the dataflow lowering reuses the
buffer in place: no exchange, no sync between stages. The stages carry the fused op's label and
`tf.fused_stage = k` (k-th working stage), so the simulator charges the vector unit's launch
once per chain (Target.vector_stage_cycles) and reports them as one op. Fills stay fills.
"""

from __future__ import annotations

from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerAttr
from xdsl.dialects.linalg.ops import GenericOp
from xdsl.ir import SSAValue
from xdsl.rewriter import InsertPoint, Rewriter

from tilefabric.analysis.fusion import fused_space
from tilefabric.analysis.kernel import constant_fill_value
from tilefabric.dialects.isa import INSTRUCTION, WASTE
from tilefabric.dialects.rtensor import ComputeOp, FusedOp, PlanAttr


def _iterators(op: GenericOp) -> list[str]:
    return [str(getattr(it, "data", it)).split(".")[-1].lower() for it in op.iterator_types.data]


def expand_fused(fn: func.FuncOp) -> None:
    for op in [o for o in fn.body.block.ops if isinstance(o, FusedOp)]:
        _expand(op)


def _expand(op: FusedOp) -> None:
    stages = op.stages()
    space = fused_space(stages)
    factors = op.plan.factors
    label = op.attributes["tf.op"]
    mapping: dict[SSAValue, SSAValue] = dict(zip(op.body.block.args, op.inputs))
    where = InsertPoint.before(op)
    working = 0
    for inner in list(op.body.block.ops)[:-1]:
        if not isinstance(inner, GenericOp):
            clone = inner.clone(value_mapper=mapping)
            Rewriter.insert_op(clone, where)
            mapping.update(zip(inner.results, clone.results))
            continue
        s = stages.index(inner)
        n_ops = len(inner.inputs) + len(inner.outputs)
        plan = PlanAttr.make(tuple(factors[d] for d in space.stage_dims[s]),
                             tuple((1,) * len(space.stage_dims[s]) for _ in range(n_ops)), ())
        attrs = {"tf.op": label}
        attrs.update({k: inner.attributes[k] for k in (INSTRUCTION, WASTE) if k in inner.attributes})
        fill = constant_fill_value(inner) is not None
        if not fill:
            attrs["tf.fused_stage"] = IntegerAttr(working, 64)
        predicted = op.predicted_cycles.data if (not fill and working == 0 and op.predicted_cycles) else (None if fill else 0)
        compute = ComputeOp([mapping[v] for v in inner.inputs], [mapping[v] for v in inner.outputs],
                            inner.body.clone(), list(inner.indexing_maps.data), _iterators(inner), plan, predicted, attrs)
        Rewriter.insert_op(compute, where)
        mapping.update(zip(inner.results, compute.res))
        working += 0 if fill else 1
    for old, new in zip(op.res, op.body.block.last_op.operands):
        old.replace_all_uses_with(mapping[new])
    Rewriter.erase_op(op)

