"""Simulated time of a `dataflow.pipeline` group (docs/pipelining.md).

The stages run in order on the simulated machine, so the numbers are exact and every op is
charged what it does (compute, shifts, syncs, the forwarded exchanges routed over the links).
The group then takes the time of a wavefront over its granules (analysis/wavefront.py),
built from what each stage actually cost:

- per granule, stage s computes `(its simulated cycles − its forwarded exchanges) / G` plus
  one barrier of its region (wavefront.region_sync_cycles, over the physical cores its
  buffers are placed on); the approximation: a stage's work, its own syncs included,
  divides evenly over the bands of rows;
- a forwarded exchange moves one granule in `Target.link_cycles(busiest link bytes / G,
  longest route)`: the same routed transfers as the whole exchange, a G-th of the bytes
  (the per-hop latency is paid per granule); its syncs are replaced by the per-granule sync.

The machine's clock is set to the group's start + the wavefront, and a row named after the
group (kind `pipeline`) holds the difference to the sum of its ops' cycles (negative when
the overlap pays), so the per-op cycles still add up to the latency.
"""

from __future__ import annotations

import numpy as np

from tilefabric.analysis.wavefront import region_sync_cycles, wavefront


def group_step(program, op, label: str):
    """A closure running the group's stages and charging the wavefront time."""
    t = program.target
    stages = [[program._compile(inner) for inner in region.block.ops] for region in op.stages]
    forwards = [[inner for inner in region.block.ops if id(inner) in program.forward_steps] for region in op.stages]
    granules = op.granules.data
    needs_flat = np.asarray(op.needs.get_values(), dtype=np.int64)
    needs = [np.arange(granules)] + [needs_flat[(s - 1) * granules: s * granules] for s in range(1, len(stages))]

    def per_granule(inner) -> tuple[float, float]:
        """(cycles charged for the whole forwarded exchange, cycles of one granule of it)"""
        links, transfer, syncs = program.forward_steps[id(inner)]
        whole = transfer + syncs
        if links is None:
            return whole, transfer / granules
        return whole, float(t.link_cycles(links.busiest_bytes / granules, links.hops_max))

    forward_costs = [[per_granule(inner) for inner in fw] for fw in forwards]
    pred = op.attributes.get("tf.predicted")
    predicted = float(pred.value.data) if pred is not None else None
    barrier = [region_sync_cycles(t, sorted(cores)) for cores in op.stage_cores()]

    def run(m, s):
        start = m.cycles
        spent = []
        for steps in stages:
            before = m.cycles
            for step in steps:
                step(m, s)
            spent.append(m.cycles - before)
        cost, forward = [], []
        for sp, fc, sync in zip(spent, forward_costs, barrier):
            whole = sum(w for w, _ in fc)
            cost.append(max(sp - whole, 0.0) / granules + sync)
            forward.append(sum(g for _, g in fc))
        total = wavefront(cost, forward, needs, granules)
        stat = m.stat(label)
        stat.kind = "pipeline"
        stat.cycles += total - (m.cycles - start)
        stat.plan = f"{len(stages)} stages, G={granules}, {op.organisation.data}: {total:.0f} cycles"
        stat.predicted_cycles = predicted
        m.cycles = start + total
    return run
