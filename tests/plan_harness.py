"""Run one linalg.generic under a plan of our choosing: plan it, swap in the plan, lower to
dataflow, simulate, and hand back outputs and the op's simulated vs predicted cycles."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.dialects.builtin import IntAttr
from xdsl.parser import Parser
from xdsl.passes import PassPipeline

from tilefabric.dialects.rtensor import ComputeOp, PlanAttr
from tilefabric.frontend import make_context
from tilefabric.lowering.op_space_from_ir import op_space
from tilefabric.planner.plan import Plan
from tilefabric.runtime_sim import simulate
from tilefabric.universe import UNIVERSE


@dataclass
class PlannedRun:
    outputs: dict[str, np.ndarray]
    simulated_cycles: float
    predicted_cycles: float
    plan: Plan


def _passes():
    return dict(UNIVERSE.all_passes.items())


def planned_module(text: str, target: str = "ipu-mk2"):
    """Parse linalg text and plan it with linalg-to-rtensor; returns (ctx, module)."""
    ctx = make_context()
    module = Parser(ctx, text).parse_module()
    PassPipeline.parse_spec(_passes(), f'linalg-to-rtensor{{target="{target}"}}').apply(ctx, module)
    return ctx, module


def main_compute(module) -> ComputeOp:
    """The one non-fill rtensor.compute (the op under test)."""
    from tilefabric.analysis.kernel import constant_fill_value

    ops = [op for op in module.walk() if isinstance(op, ComputeOp) and constant_fill_value(op) is None]
    assert len(ops) == 1, f"expected one compute op, found {len(ops)}"
    return ops[0]


def space_of(text: str, target: str = "ipu-mk2"):
    _, module = planned_module(text, target)
    op = main_compute(module)
    return op_space(op, op.attributes["tf.op"].data if "tf.op" in op.attributes else "op")[0]


def run_with_plan(text: str, plan: Plan, args: dict[str, np.ndarray], target_obj, target: str = "ipu-mk2") -> PlannedRun:
    ctx, module = planned_module(text, target)
    op = main_compute(module)
    op.properties["plan"] = PlanAttr.make(plan.spatial, plan.temporal, plan.rotation)
    op.properties["predicted_cycles"] = IntAttr(round(plan.predicted_cycles))
    module.verify()
    PassPipeline.parse_spec(_passes(), "rtensor-to-dataflow").apply(ctx, module)
    module.verify()
    res = simulate(module, target_obj, args)
    label = op.attributes["tf.op"].data if "tf.op" in op.attributes else None
    stats = [s for s in res.ops if s.name == label] if label else []
    cycles = stats[0].cycles if stats else res.latency_cycles
    return PlannedRun(res.outputs, cycles, plan.predicted_cycles, plan)


def plan_runner(text: str, target_obj, target: str = "ipu-mk2"):
    """Plan `text` once; return `run(plan, args) -> PlannedRun`, which does what run_with_plan
    does on a fresh clone of the planned module (parsing and planning dominate small runs)."""
    ctx, planned = planned_module(text, target)

    def run(plan: Plan, args: dict[str, np.ndarray]) -> PlannedRun:
        module = planned.clone()
        op = main_compute(module)
        op.properties["plan"] = PlanAttr.make(plan.spatial, plan.temporal, plan.rotation)
        op.properties["predicted_cycles"] = IntAttr(round(plan.predicted_cycles))
        module.verify()
        PassPipeline.parse_spec(_passes(), "rtensor-to-dataflow").apply(ctx, module)
        module.verify()
        res = simulate(module, target_obj, args)
        label = op.attributes["tf.op"].data if "tf.op" in op.attributes else None
        stats = [s for s in res.ops if s.name == label] if label else []
        cycles = stats[0].cycles if stats else res.latency_cycles
        return PlannedRun(res.outputs, cycles, plan.predicted_cycles, plan)

    return run
