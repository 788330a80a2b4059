"""The time of a pipelined group: a wavefront over granules (docs/pipelining.md).

Stage s processes granule t (a band of output feature-map rows) once it has finished granule
t − 1 and its producer has finished every granule the band reads (`needs[s][t]`, the last
producer granule it reads: t itself for a pointwise op, later ones when a window's halo
reaches into the next band):

    finish[s][t] = max(finish[s][t − 1], finish[s − 1][needs[s][t]]) + cost[s] + forward[s]

`cost[s]` is the stage's time per granule, `forward[s]` the time to receive one granule from
its producer (0 for the first stage). Each granule of a stage ends with a barrier of its
region (`region_sync_cycles`), priced like the target's chip-wide barrier (a wave out and
back across the cores, at the link latency per hop) but over the region's bounding box: a
compact block synchronises faster than a region interleaved over the whole mesh. One function, shared by the planner's prediction and
the simulator's group timing, so both charge the same schedule for their own stage times.
"""

from __future__ import annotations

import numpy as np


def granule_needs(producer_rows: int, consumer_rows: int, granules: int, stride: int, extent: int,
                  pad_low: int) -> np.ndarray:
    """needs[t]: the last producer granule that consumer granule t reads. Consumer output row
    o reads producer rows o·stride − pad_low … o·stride − pad_low + extent − 1; granule g of
    n rows covers rows ⌊g·n/G⌋ … ⌊(g+1)·n/G⌋ − 1."""
    t = np.arange(granules)
    last_row = np.maximum((t + 1) * consumer_rows // granules - 1, 0)
    last_read = np.clip(last_row * stride - pad_low + extent - 1, 0, producer_rows - 1)
    # the granule holding that producer row: largest g with ⌊g·n/G⌋ <= row
    starts = np.arange(granules) * producer_rows // granules
    return np.searchsorted(starts, last_read, side="right") - 1


def wavefront(cost, forward, needs: list[np.ndarray], granules: int) -> float:
    """Finish time of the last granule of the last stage. `needs[s]` for s >= 1 (needs[0] is
    ignored: the first stage's input is ready when the group starts)."""
    stages = len(cost)
    finish = np.zeros(granules)
    for s in range(stages):
        step = float(cost[s]) + float(forward[s])
        ready = finish[needs[s]] if s else np.zeros(granules)
        # finish[t] = max(finish[t−1], ready[t]) + step: a running max of (ready[t] − t·step)
        t = np.arange(granules)
        finish = np.maximum.accumulate(ready - t * step) + (t + 1) * step
    return float(finish[-1])


def region_sync_cycles(target, cores) -> float:
    """A barrier of a region: 2 × (rows + cols spanned − 2) hops at the link latency on a
    mesh / torus (the chip-wide `sync_cycles` of the presets is this formula over the whole
    mesh); the chip-wide `sync_cycles` on a crossbar."""
    if not target.routed:
        return float(target.sync_cycles)
    r, c = target.core_coords(np.asarray(cores, dtype=np.int64))
    span = int(r.max() - r.min()) + int(c.max() - c.min())
    return float(2 * span * target.link_latency_cycles)
