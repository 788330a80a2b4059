"""Simulated machine state: buffers (one array with a leading core axis each), per-core
scratchpad accounting against the target, elapsed cycles and per-op statistics.

With `record=True` the machine also keeps what a timeline needs (tilefabric.runtime_sim.trace
turns it into arrays): one tuple per `charge` (label, start cycle, compute, shift and sync
cycles, bytes moved, cores) and one per `allocate`/`release` (cycle, placement key, byte
delta; `placements[key]` lists the physical cores). Only tuples are appended while
simulating; numpy runs once at the end.

Memory is accounted per PHYSICAL core: a buffer's cells sit on the cores its alloc's `place`
names (dataflow.placement_of), cores [0, n) when it has none.

On a mesh / torus target `links` accumulates the bytes every routed shift and exchange put on
each directed link (runtime_sim/links.py). On a target with `overlap_compute_comm`, a shift
inside a compute-shift loop is charged only the part of its time that the iteration's compute
does not cover (`overlap_credit`, see `charge`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tilefabric.errors import TileFabricError
from tilefabric.runtime_sim.links import LinkTotals
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
    fused_vector_cycles: float = 0.0  # compute of a fused chain's vector stages (a matmul's epilogue)
    plan: str = ""
    predicted_cycles: float | None = None
    overlapped_cycles: float = 0.0  # shift cycles hidden behind compute (not in `cycles`)
    # instruction mapping (isa/): compute cycles per instruction text, useful and performed
    # work of the mapped instructions (their padding waste)
    instructions: dict[str, float] = field(default_factory=dict)
    useful_work: float = 0.0
    performed_work: float = 0.0

    def note_instruction(self, text: str, cycles: float, useful: float, performed: float) -> None:
        self.instructions[text] = self.instructions.get(text, 0.0) + cycles
        self.useful_work += useful
        self.performed_work += performed

    @property
    def instruction(self) -> str:
        """The instruction that took most of this op's compute ("" for pure data movement)."""
        return max(self.instructions, key=self.instructions.get) if self.instructions else ""

    @property
    def padding_waste(self) -> float | None:
        """Share of the mapped instructions' work spent on padding (None: nothing mapped)."""
        return 1.0 - self.useful_work / self.performed_work if self.performed_work else None

    def to_dict(self) -> dict:
        return {
            "name": self.name, "kind": self.kind, "cycles": self.cycles,
            "compute_cycles": self.compute_cycles, "shift_cycles": self.shift_cycles,
            "sync_cycles": self.sync_cycles, "bytes_moved": int(self.bytes_moved),
            "fused_vector_cycles": self.fused_vector_cycles,
            "plan": self.plan, "predicted_cycles": self.predicted_cycles,
            "overlapped_cycles": self.overlapped_cycles,
            "instruction": self.instruction, "unit": self.instruction.split(" ")[0],
            "padding_waste": self.padding_waste,
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
    record: bool = False
    # label -> cores its buffers span; the cores of a charge that does not say (see trace.op_cores)
    label_cores: dict[str, int] = field(default_factory=dict)
    # (label, start, compute, shift, sync, moved, cores or None); phases run in this order
    charges: list[tuple] = field(default_factory=list)
    # (cycle, placement key, +/- bytes on each core of placements[key])
    memory_events: list[tuple] = field(default_factory=list)
    placements: list[np.ndarray] = field(default_factory=list)  # physical core ids, by key
    _placement_keys: dict = field(default_factory=dict)
    links: LinkTotals | None = field(init=False)  # mesh / torus targets only
    # compute cycles of the current compute-shift iteration not yet used to hide a shift
    # (None outside such loops, or when the target does not overlap)
    overlap_credit: float | None = None

    def __post_init__(self):
        self.used = np.zeros(self.target.cores, dtype=np.int64)
        self.peak = np.zeros(self.target.cores, dtype=np.int64)
        t = self.target
        self.links = LinkTotals(tuple(t.mesh_shape), t.topology == "torus") if t.routed else None

    def stat(self, label: str) -> OpStats:
        if label not in self.stats:
            self.stats[label] = OpStats(label)
        return self.stats[label]

    def _key(self, where) -> int:
        """Index of `where` (a core count or an array of physical ids) in `placements`."""
        k = ("n", int(where)) if isinstance(where, (int, np.integer)) else np.asarray(where).tobytes()
        if k not in self._placement_keys:
            self._placement_keys[k] = len(self.placements)
            ids = np.arange(int(where)) if isinstance(where, (int, np.integer)) else np.asarray(where, dtype=np.int64)
            self.placements.append(ids)
        return self._placement_keys[k]

    @staticmethod
    def _cores(where):
        """Index of the physical cores: cores [0, n) for a count, else the given ids."""
        return slice(0, int(where)) if isinstance(where, (int, np.integer)) else where

    def allocate(self, where, nbytes: int, label: str) -> None:
        """`nbytes` more on each core of `where`: a count n (cores [0, n)) or physical core ids."""
        count = int(where) if isinstance(where, (int, np.integer)) else len(where)
        highest = count - 1 if isinstance(where, (int, np.integer)) else int(np.max(where, initial=-1))
        if count > self.target.cores or highest >= self.target.cores:
            raise TileFabricError(f"op '{label}' needs {max(count, highest + 1)} cores but '{self.target.name}' has {self.target.cores}")
        self.used[self._cores(where)] += nbytes
        over = np.nonzero(self.used > self.target.scratchpad_bytes)[0]
        if len(over):
            core = int(over[0])
            raise TileFabricError(
                f"scratchpad overflow in op '{label}' on core {core}: {int(self.used[core])} bytes live, "
                f"capacity {self.target.scratchpad_bytes} (model too big for '{self.target.name}' with this plan)"
            )
        np.maximum(self.peak, self.used, out=self.peak)
        if self.record:
            self.memory_events.append((self.cycles, self._key(where), nbytes))

    def release(self, where, nbytes: int) -> None:
        self.used[self._cores(where)] -= nbytes
        if self.record:
            self.memory_events.append((self.cycles, self._key(where), -nbytes))

    def charge(self, label: str, compute=0.0, shift=0.0, sync=0.0, moved=0, cores: int | None = None,
               overlaps: bool = False) -> None:
        """Advance time by one BSP step of op `label`: compute, then shift, then sync, from
        the current cycle. `cores` (default: the label's, from `label_cores`) is only recorded.

        Inside an overlapping compute-shift iteration (`overlap_credit` not None) compute adds
        to the credit, and a shift with `overlaps` runs under it: only `shift − credit` is
        charged, so compute followed by that shift costs max(compute, shift)."""
        s = self.stat(label)
        compute, shift, sync = float(compute), float(shift), float(sync)
        if self.overlap_credit is not None:
            if overlaps:
                hidden = min(self.overlap_credit, shift)
                shift -= hidden
                self.overlap_credit -= hidden
                s.overlapped_cycles += hidden
            self.overlap_credit += compute
        total = compute + shift + sync
        s.compute_cycles += compute
        s.shift_cycles += shift
        s.sync_cycles += sync
        s.cycles += total
        s.bytes_moved += int(moved)
        if self.record:
            self.charges.append((label, self.cycles, compute, shift, sync, int(moved), cores))
        self.cycles += total
