"""Run a dataflow module on the simulated chip: real numbers and cycles."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import ArrayAttr, ModuleOp

from tilefabric.errors import TileFabricError
from tilefabric.runtime_sim.links import LinkTotals
from tilefabric.runtime_sim.machine import Machine, OpStats
from tilefabric.runtime_sim.program import Program
from tilefabric.runtime_sim.trace import Timeline, op_cores


@dataclass
class SimResult:
    outputs: dict[str, np.ndarray]
    latency_cycles: float
    simulate_seconds: float
    peak_scratchpad_bytes: int
    per_core_peak_bytes: np.ndarray
    ops: list[OpStats]
    timeline: Timeline | None = None  # with simulate(..., trace=True)
    links: LinkTotals | None = None  # bytes per directed link (mesh / torus targets)


def _names(fn: func.FuncOp, key: str, prefix: str, count: int) -> list[str]:
    attr = fn.attributes.get(key)
    if isinstance(attr, ArrayAttr):
        return [a.data for a in attr.data]
    return [f"{prefix}{i}" for i in range(count)]


def main_function(module: ModuleOp) -> func.FuncOp:
    fns = [op for op in module.ops if isinstance(op, func.FuncOp)]
    if len(fns) != 1:
        raise TileFabricError(f"expected one function in the dataflow module, found {len(fns)}")
    return fns[0]


def _advancing(step, advance):
    def run(m, s):
        step(m, s)
        advance()
    return run


def simulate(module: ModuleOp, target, args: dict[str, np.ndarray], strict: bool = False, *,
             trace: bool = False, progress: Callable[[int], Callable[[], None]] | None = None) -> SimResult:
    """`strict`: refuse reads of never-written buffer elements (see runtime_sim/written.py).
    `trace`: record a `Timeline` (SimResult.timeline). `progress(n)` is called once with the
    number of top-level steps and returns a function called after each of them."""
    start = time.perf_counter()
    fn = main_function(module)
    program = Program(fn, target, strict)
    machine = Machine(target, record=trace)
    if trace:
        machine.label_cores = op_cores(fn)
    if progress is not None:
        advance = progress(len(program.steps))
        program.steps = [_advancing(step, advance) for step in program.steps]
    arg_names = _names(fn, "tf.arg_names", "arg", len(fn.args))
    for name, value in zip(arg_names, fn.args):
        if name not in args:
            raise TileFabricError(f"missing value for input '{name}'")
        want = tuple(value.type.get_shape())
        arr = np.asarray(args[name])
        if arr.shape != want:
            raise TileFabricError(f"input '{name}' has shape {arr.shape}, expected {want}")
        machine.host[id(value)] = arr
    program.run(machine)
    ret = fn.body.block.last_op
    out_names = _names(fn, "tf.result_names", "result", len(ret.operands))
    outputs = {n: machine.host[id(v)] for n, v in zip(out_names, ret.operands)}
    for label, (kind, plan, predicted) in program.compute_info.items():
        s = machine.stat(label)
        s.kind, s.plan, s.predicted_cycles = kind, plan, predicted
    return SimResult(
        outputs=outputs,
        latency_cycles=machine.cycles,
        simulate_seconds=time.perf_counter() - start,
        peak_scratchpad_bytes=int(machine.peak.max()),
        per_core_peak_bytes=machine.peak.copy(),
        ops=list(machine.stats.values()),
        timeline=Timeline.from_machine(machine) if trace else None,
        links=machine.links,
    )
