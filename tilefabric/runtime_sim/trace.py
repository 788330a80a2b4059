"""The simulated run as a timeline: phase slices per op, live scratchpad over time, and a
Chrome / Perfetto trace-event JSON of them (see docs/simulator.md).

The machine records plain tuples while it runs (`Machine(record=True)`); `Timeline.from_machine`
turns them into numpy arrays once, after the run.

Time: the machine is bulk-synchronous, so one charge (a compute, shift, exchange, reduce or
sync step of an op) occupies the whole chip from the current cycle on, its phases in the order
compute → shift → sync; slices never overlap (on a target that overlaps compute and
communication, a shift's slice is the part its compute did not hide). Phases of zero length
are left out.

Tracks: one trace thread per group of ops by the number of cores their buffers span. With at
most `MAX_TRACKS` distinct counts each gets its own track, otherwise counts are bucketed by
powers of two ("513–1024 cores"). Plus one counter track: live scratchpad bytes of the
physical core with the highest peak (core 0 when no buffer is placed: every unplaced buffer
starts there).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

PHASES = ("compute", "shift", "sync")
MAX_TRACKS = 16
PID = 1
MEMORY_COUNTER = "live scratchpad, core {core} (bytes)"


def op_cores(fn) -> dict[str, int]:
    """Cores each op label's buffers span (max over its dataflow ops): a charge's cores."""
    from tilefabric.dialects import dataflow as df
    from tilefabric.runtime_sim.program import label_of

    cores: dict[str, int] = {}
    for op in fn.walk():
        n = max((v.type.cores for v in (*op.operands, *op.results) if isinstance(v.type, df.BufferType)),
                default=0)
        if n:
            label = label_of(op)
            cores[label] = max(cores.get(label, 0), n)
    return cores


@dataclass
class Timeline:
    """One slice per non-empty phase of every charge, in time order, plus memory events."""

    labels: list[str]  # distinct op labels, in order of first charge
    kinds: dict[str, str]  # label -> kind (contraction, elementwise, ..., relayout)
    plans: dict[str, str]  # label -> plan text
    op: np.ndarray  # int index into labels, per slice
    phase: np.ndarray  # int index into PHASES
    start: np.ndarray  # cycles
    duration: np.ndarray  # cycles
    cores: np.ndarray  # the slice runs on cores [0, cores)
    moved: np.ndarray  # bytes moved by the charge, on its shift slice (else its last slice)
    mem_cycle: np.ndarray  # cycle of each allocate/release
    mem_where: np.ndarray  # index into `placements`: the physical cores it applies to
    placements: list[np.ndarray]  # physical core ids, per memory-event key
    mem_delta: np.ndarray  # +bytes (allocate) / -bytes (release) per core
    peak_bytes: np.ndarray  # per-core peak, as the machine tracked it
    step_start: np.ndarray  # cycles, per charge (non-decreasing)
    step_end: np.ndarray
    cycles: float  # end of the run
    total_cores: int

    @classmethod
    def from_machine(cls, machine) -> Timeline:
        charges = machine.charges
        labels: list[str] = []
        index: dict[str, int] = {}
        default = machine.label_cores
        rows = np.zeros((len(charges), 7), dtype=np.float64)
        for i, (label, start, compute, shift, sync, moved, cores) in enumerate(charges):
            k = index.get(label)
            if k is None:
                k = index[label] = len(labels)
                labels.append(label)
            if cores is None:
                cores = default.get(label, machine.target.cores)
            rows[i] = (k, start, compute, shift, sync, moved, cores)
        n = len(charges)
        durations = rows[:, 2:5]  # (n, 3): compute, shift, sync
        offsets = np.concatenate([np.zeros((n, 1)), np.cumsum(durations, axis=1)[:, :2]], axis=1)
        starts = rows[:, 1:2] + offsets
        # bytes go on the shift slice, else on the charge's last non-empty slice
        present = durations > 0
        carrier = np.where(present[:, 1], 1, np.where(present[:, 2], 2, 0))
        moved = np.zeros((n, 3), dtype=np.int64)
        moved[np.arange(n), carrier] = rows[:, 5].astype(np.int64)
        keep = present.ravel()  # row-major: charge by charge, phases in order → time order
        mem = np.asarray(machine.memory_events, dtype=np.float64).reshape(-1, 3)
        stats = machine.stats
        return cls(
            labels=labels,
            kinds={lb: stats[lb].kind for lb in labels if lb in stats},
            plans={lb: stats[lb].plan for lb in labels if lb in stats},
            op=np.repeat(rows[:, 0].astype(np.int64), 3)[keep],
            phase=np.tile(np.arange(3), n)[keep],
            start=starts.ravel()[keep],
            duration=durations.ravel()[keep],
            cores=np.repeat(rows[:, 6].astype(np.int64), 3)[keep],
            moved=moved.ravel()[keep],
            mem_cycle=mem[:, 0],
            mem_where=mem[:, 1].astype(np.int64),
            placements=list(machine.placements),
            mem_delta=mem[:, 2].astype(np.int64),
            peak_bytes=machine.peak.copy(),
            step_start=rows[:, 1].copy(),
            step_end=rows[:, 1] + durations.sum(axis=1),
            cycles=float(machine.cycles),
            total_cores=int(machine.target.cores),
        )

    def __len__(self) -> int:
        return len(self.op)

    def live_bytes(self, core: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """(cycle, live bytes on `core` after each allocate/release)."""
        member = np.array([bool((ids == core).any()) for ids in self.placements], dtype=bool)
        delta = np.where(member[self.mem_where], self.mem_delta, 0) if len(member) else self.mem_delta * 0
        return self.mem_cycle, np.cumsum(delta)

    def memory_samples(self, core: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Live bytes on `core` as a step function: one sample per cycle at which memory
        changes. Memory allocated and released at the same cycle (a shift's receive copies) is
        live during the step that starts there: its peak is sampled at the cycle and the value
        after the release at the end of that step."""
        cycle, live = self.live_bytes(core)
        if not len(cycle):
            return cycle, live
        starts = np.flatnonzero(np.r_[True, cycle[1:] != cycle[:-1]])
        at = cycle[starts]
        final = live[np.r_[starts[1:], len(cycle)] - 1]  # after the cycle's last event
        peak = np.maximum.reduceat(live, starts)
        if not len(self.step_start):
            return at, final
        # the step that starts at `at` (only the last charge starting there can take time)
        k = np.maximum(np.searchsorted(self.step_start, at, side="right") - 1, 0)
        steps = (self.step_start[k] == at) & (self.step_end[k] > at)
        transient = (peak > final) & steps
        t = np.r_[self.step_end[k][transient], at]  # a step's end before a change at that cycle
        v = np.r_[final[transient], np.where(transient, peak, final)]
        order = np.argsort(t, kind="stable")
        return t[order], v[order]

    def per_op_cycles(self) -> dict[str, float]:
        totals = np.bincount(self.op, weights=self.duration, minlength=len(self.labels))
        return dict(zip(self.labels, totals.tolist()))


# --- tracks --------------------------------------------------------------------------------
def core_groups(cores: np.ndarray, total_cores: int) -> tuple[np.ndarray, list[str]]:
    """Track index per slice and track names, the widest group first (see module docstring)."""
    distinct = sorted({int(c) for c in np.unique(cores)}, reverse=True)
    if len(distinct) <= MAX_TRACKS:
        names = [f"all {c:,} cores" if c == total_cores else f"{c:,} core{'s' * (c != 1)}" for c in distinct]
        order = {c: i for i, c in enumerate(distinct)}
        return np.array([order[int(c)] for c in cores], dtype=np.int64), names
    buckets = np.ceil(np.log2(np.maximum(cores, 1))).astype(np.int64)  # n in (2^(b-1), 2^b]
    keys = sorted({int(b) for b in np.unique(buckets)}, reverse=True)
    names = ["1 core" if b == 0 else f"{2 ** (b - 1) + 1:,}–{2 ** b:,} cores" for b in keys]
    order = {b: i for i, b in enumerate(keys)}
    return np.array([order[int(b)] for b in buckets], dtype=np.int64), names


# --- Chrome / Perfetto trace-event JSON ----------------------------------------------------
def _us_per_cycle(target) -> float:
    return target.cycles_to_ms(1.0) * 1e3


def chrome_trace(timeline: Timeline, target, title: str = "tilefabric") -> dict[str, Any]:
    """The Trace Event Format object: complete events ("X") per phase slice with ts/dur in
    microseconds, counter events ("C") for live scratchpad, metadata ("M") naming tracks."""
    us = _us_per_cycle(target)
    tids, names = core_groups(timeline.cores, timeline.total_cores)
    events: list[dict[str, Any]] = [
        {"name": "process_name", "ph": "M", "pid": PID, "tid": 0, "args": {"name": title}},
        {"name": "process_sort_index", "ph": "M", "pid": PID, "tid": 0, "args": {"sort_index": 0}},
    ]
    for i, name in enumerate(names):
        events.append({"name": "thread_name", "ph": "M", "pid": PID, "tid": i + 1, "args": {"name": name}})
        events.append({"name": "thread_sort_index", "ph": "M", "pid": PID, "tid": i + 1,
                       "args": {"sort_index": i + 1}})
    labels, kinds, plans = timeline.labels, timeline.kinds, timeline.plans
    for op, phase, start, dur, cores, moved, tid in zip(
            timeline.op.tolist(), timeline.phase.tolist(), timeline.start.tolist(), timeline.duration.tolist(),
            timeline.cores.tolist(), timeline.moved.tolist(), tids.tolist()):
        label = labels[op]
        events.append({
            "name": f"{label} [{PHASES[phase]}]", "cat": PHASES[phase], "ph": "X",
            "ts": start * us, "dur": dur * us, "pid": PID, "tid": tid + 1,
            "args": {"op": label, "kind": kinds.get(label, ""), "plan": plans.get(label, ""),
                     "phase": PHASES[phase], "cycles": dur, "start_cycle": start, "cores": cores,
                     "bytes_moved": moved},
        })
    core = int(np.argmax(timeline.peak_bytes)) if len(timeline.peak_bytes) else 0
    cycle, live = timeline.memory_samples(core)
    if len(cycle):
        for c, v in zip(cycle.tolist(), live.tolist()):
            events.append({"name": MEMORY_COUNTER.format(core=core), "ph": "C", "ts": c * us, "pid": PID, "tid": 0,
                           "args": {"bytes": v}})
    other = {"target": target.name, "clock_hz": target.clock_hz, "cycles": timeline.cycles,
             "cores": timeline.total_cores, "tracks": "ops grouped by the number of cores they span"}
    return {"traceEvents": events, "displayTimeUnit": "ns", "otherData": other}


def write_trace(path: str | os.PathLike, trace: dict[str, Any]) -> Path:
    """Compact JSON, written atomically (temp file + rename)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(trace, f, separators=(",", ":"), allow_nan=False)
            f.write("\n")
        os.chmod(tmp, 0o666 & ~_umask())  # like a plain open(), not mkstemp's 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
