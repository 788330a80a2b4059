"""The scratchpad a dataflow program really uses, checked at compile time.

The planner counts each op's hot blocks and the resident inputs (docs/planner.md), not the
activations live between ops, the copies of a tensor read in two layouts, nor the re-layouts
lowering adds around graph outputs; so a plan that passes planning can still need more than
`scratchpad_bytes` on some core. The simulator would stop there ("scratchpad overflow"); this
walks the program's `alloc` / `free` / `shift` in order with the simulator's accounting
(runtime_sim/program.py: a buffer's local bytes on its cores; a shift's receive copies beside
the old part), per PHYSICAL core (a buffer's cells sit where its alloc's `place` puts them,
dataflow.placement_of), and refuses the model with the planner's usual "does not fit" line instead.
"""

from __future__ import annotations

from math import prod

import numpy as np
from xdsl.dialects.builtin import ModuleOp, StringAttr

from tilefabric.dialects import dataflow as df
from tilefabric.errors import TileFabricError
from tilefabric.runtime_sim.body_eval import numpy_dtype


def _label(op) -> str:
    a = op.attributes.get("tf.op")
    return a.data if isinstance(a, StringAttr) else op.name


def _bytes(t: df.BufferType) -> int:
    return prod(t.local_shape) * numpy_dtype(t.element_type).itemsize


def check_scratchpad(module: ModuleOp, target) -> None:
    """Raise TileFabricError if the program holds more than the scratchpad on some core."""
    used = np.zeros(max(target.cores, 1), dtype=np.int64)
    capacity = target.scratchpad_bytes

    def over(label: str, peak: np.ndarray) -> None:
        core = int(np.argmax(peak))
        if peak[core] > capacity:
            raise TileFabricError(
                f"model does not fit on '{target.name}': op '{label}' needs {int(peak[core])} bytes on core {core} "
                f"with the chosen plans (scratchpad {capacity} bytes; activations and re-layouts count too)")

    for op in module.walk():
        if isinstance(op, df.AllocOp):
            used[df.placement_of(op)] += _bytes(op.buffer.type)
            over(_label(op), used)
        elif isinstance(op, df.FreeOp):
            used[df.placement_of(op.buffer)] -= _bytes(op.buffer.type)
        elif isinstance(op, df.ShiftOp):
            receive = _bytes(op.buffer.type) * (target.shift_buffers - 1)
            if receive:
                peak = used.copy()
                peak[df.placement_of(op.buffer)] += receive
                over(_label(op), peak)
