"""Run a dataflow module on the simulated chip: real numbers and cycles."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import ArrayAttr, ModuleOp

from tilefabric.errors import TileFabricError
from tilefabric.runtime_sim.machine import Machine, OpStats
from tilefabric.runtime_sim.program import Program


@dataclass
class SimResult:
    outputs: dict[str, np.ndarray]
    latency_cycles: float
    simulate_seconds: float
    peak_scratchpad_bytes: int
    per_core_peak_bytes: np.ndarray
    ops: list[OpStats]


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


def simulate(module: ModuleOp, target, args: dict[str, np.ndarray], strict: bool = False) -> SimResult:
    """`strict`: refuse reads of never-written buffer elements (see runtime_sim/written.py)."""
    start = time.perf_counter()
    fn = main_function(module)
    program = Program(fn, target, strict)
    machine = Machine(target)
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
    )
