"""Simulated machine state: buffers (one array with a leading core axis each), per-core
scratchpad accounting against the target, elapsed cycles and per-op statistics."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tilefabric.errors import TileFabricError
from tilefabric.target import Target


@dataclass
class OpStats:
    name: str
    kind: str = "relayout"
    cycles: float = 0.0
    compute_cycles: float = 0.0
    shift_cycles: float = 0.0
    sync_cycles: float = 0.0
    bytes_moved: int = 0
    plan: str = ""
    predicted_cycles: float | None = None

    def to_dict(self) -> dict:
        return {
            "name": self.name, "kind": self.kind, "cycles": self.cycles,
            "compute_cycles": self.compute_cycles, "shift_cycles": self.shift_cycles,
            "sync_cycles": self.sync_cycles, "bytes_moved": int(self.bytes_moved),
            "plan": self.plan, "predicted_cycles": self.predicted_cycles,
        }


@dataclass
class Machine:
    target: Target
    buffers: dict[int, np.ndarray] = field(default_factory=dict)
    host: dict[int, np.ndarray] = field(default_factory=dict)
    used: np.ndarray = field(init=False)
    peak: np.ndarray = field(init=False)
    cycles: float = 0.0
    stats: dict[str, OpStats] = field(default_factory=dict)

    def __post_init__(self):
        self.used = np.zeros(self.target.cores, dtype=np.int64)
        self.peak = np.zeros(self.target.cores, dtype=np.int64)

    def stat(self, label: str) -> OpStats:
        if label not in self.stats:
            self.stats[label] = OpStats(label)
        return self.stats[label]

    def allocate(self, cores: int, nbytes: int, label: str) -> None:
        if cores > self.target.cores:
            raise TileFabricError(f"op '{label}' needs {cores} cores but '{self.target.name}' has {self.target.cores}")
        self.used[:cores] += nbytes
        over = np.nonzero(self.used > self.target.scratchpad_bytes)[0]
        if len(over):
            core = int(over[0])
            raise TileFabricError(
                f"scratchpad overflow in op '{label}' on core {core}: {int(self.used[core])} bytes live, "
                f"capacity {self.target.scratchpad_bytes} (model too big for '{self.target.name}' with this plan)"
            )
        np.maximum(self.peak, self.used, out=self.peak)

    def release(self, cores: int, nbytes: int) -> None:
        self.used[:cores] -= nbytes

    def charge(self, label: str, compute=0.0, shift=0.0, sync=0.0, moved=0) -> None:
        s = self.stat(label)
        total = float(compute + shift + sync)
        s.compute_cycles += float(compute)
        s.shift_cycles += float(shift)
        s.sync_cycles += float(sync)
        s.cycles += total
        s.bytes_moved += int(moved)
        self.cycles += total
