"""isa-map: map every sub-operator onto the target's instructions and record the choice.

For each op it takes the sub-operator the IR fixes — a `linalg.generic` as a whole (not yet
partitioned: one core runs it), an `rtensor.compute` under its plan (one compute-shift step of
one core), the contraction heading a planned `rtensor.fused`, a `dataflow.compute` (its
`sizes`) — enumerates the legal mappings of its kernel onto every unit's template
(isa/mapping.py), picks one with the strategy (isa/search.py: the fastest for `exhaustive`)
and records it as `tf.instruction = #isa.mapping<...>` with `tf.padding_waste`.

The planner prices every candidate partition with the same `decide` call on that candidate's
sub-operator, so on a planned module this records the mapping the plan was chosen with; the
simulator charges the recorded mapping. Constant fills (never computed) and the vector stages
of a fused chain (one codelet on the default vector unit, cost-model.md) are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import FloatAttr, ModuleOp, StringAttr
from xdsl.dialects.linalg.ops import GenericOp
from xdsl.passes import ModulePass

from tilefabric.analysis.iteration_space import loop_sizes
from tilefabric.analysis.kernel import constant_fill_value
from tilefabric.dialects import dataflow as df
from tilefabric.dialects.isa import INSTRUCTION, WASTE, MappingAttr
from tilefabric.dialects.rtensor import TARGET_ATTR, ComputeOp, FusedOp
from tilefabric.errors import TileFabricError
from tilefabric.isa import cost
from tilefabric.isa.kernel import MAPPABLE, kernel_of_op
from tilefabric.isa.search import DEFAULT, ISA_ATTR, check_strategy, decide_one
from tilefabric.target import resolve_target


def _module_string(module: ModuleOp, key: str) -> str:
    attr = module.attributes.get(key)
    return attr.data if isinstance(attr, StringAttr) else ""


def plan_step(factors, parts, sizes) -> tuple[int, ...]:
    """One compute-shift step of one core: ⌈n / (F·T)⌉ per loop dim, T = the most parts any
    operand has along it (planner/plan.py, Plan.step_sizes)."""
    steps = [max(row[d] for row in parts) for d in range(len(sizes))]
    return tuple(-(-n // (f * t)) for n, f, t in zip(sizes, factors, steps))


def sub_operator(op) -> tuple[int, ...] | None:
    """The loop extents of one sub-operator of `op`, or None if it is not mapped here."""
    if isinstance(op, df.ComputeOp):
        if "tf.fused_stage" in op.attributes and kernel_of_op(op).kind != "contraction":
            return None
        return tuple(op.sizes.get_values())
    if isinstance(op, ComputeOp):
        if "tf.fused_stage" in op.attributes and kernel_of_op(op).kind != "contraction":
            return None
        return plan_step(op.plan.factors, op.plan.parts, loop_sizes(op))
    if isinstance(op, GenericOp):
        parent = op.parent_op()
        if isinstance(parent, FusedOp):
            return _fused_stage(parent, op)
        return loop_sizes(op)
    return None


def _fused_stage(fused: FusedOp, stage: GenericOp) -> tuple[int, ...] | None:
    """The head of a fused chain (its vector stages run as one codelet of the default vector
    unit): the fused plan's block read through the stage's loop dims."""
    from tilefabric.analysis.fusion import fused_space

    if kernel_of_op(stage).kind != "contraction":
        return None
    if fused.plan is None:
        return loop_sizes(stage)
    stages = fused.stages()
    space = fused_space(stages)
    factors = fused.plan.factors
    dims = space.stage_dims[stages.index(stage)]
    return tuple(-(-space.sizes[d] // factors[d]) for d in dims)


def annotate(op, target, strategy: str, sizes: tuple[int, ...]) -> None:
    kernel = kernel_of_op(op)
    mapping, _ = decide_one(kernel, target, tuple(int(s) for s in sizes), strategy)
    useful, performed = cost.work(target, cost.shape_of(kernel, target, mapping), np.asarray([sizes], dtype=np.int64))
    waste = 1.0 - float(useful[0]) / float(performed[0]) if performed[0] else 0.0
    op.attributes[INSTRUCTION] = MappingAttr.make(mapping)
    op.attributes[WASTE] = FloatAttr(round(min(max(waste, 0.0), 0.9999), 4), 64)


@dataclass(frozen=True)
class IsaMap(ModulePass):
    """Record each sub-operator's instruction mapping (see the module docstring)."""

    name = "isa-map"
    target: str = ""  # preset or .toml; default: the module's tf.target, else ipu-mk2
    strategy: str = ""  # exhaustive | greedy | ranked; default: the module's tf.isa_strategy, else exhaustive

    def apply(self, ctx: Context, module: ModuleOp) -> None:
        planned_for = _module_string(module, TARGET_ATTR)
        spec = self.target or planned_for or "ipu-mk2"
        if planned_for and self.target and resolve_target(self.target) != resolve_target(planned_for):
            raise TileFabricError(f"isa-map{{target={self.target}}} on a module planned for '{planned_for}'")
        target = resolve_target(spec)
        strategy = self.strategy or _module_string(module, ISA_ATTR) or DEFAULT
        check_strategy(strategy)
        for fn in module.ops:
            if not isinstance(fn, func.FuncOp):
                continue
            for op in fn.walk():
                if not isinstance(op, (GenericOp, ComputeOp, df.ComputeOp)):
                    continue
                if isinstance(op, (GenericOp, ComputeOp)) and constant_fill_value(op) is not None:
                    continue
                if kernel_of_op(op).kind not in MAPPABLE:
                    continue
                sizes = sub_operator(op)
                if sizes is not None:
                    annotate(op, target, strategy, sizes)
