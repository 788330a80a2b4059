"""Inter-operator pipelining: which consecutive ops of a chain run at once on disjoint core
regions, forwarding granules of their output rows (PipeOrgan, docs/pipelining.md).

Plain data, no IR. For a chain of ops (each feeding only the next) the planner cuts the chain
into groups; a group of one op runs alone on the whole chip; a group of depth >= 2 runs its
stages at once, each on its own region (cores in proportion to its work), granule by granule
(analysis/wavefront.py). Per group it tries every granularity and organisation and keeps the
fastest, and a dynamic programme over the cut points picks the cheapest cut, "no pipelining"
(every group of one op) included.

Estimates: a stage's time = the best plan of its op on a target of the region's core count
(`dataclasses.replace(target, cores=n)`), its communication (shifts, reductions) stretched
by the region's dilation (mean hops between logically consecutive cores: 1 for a contiguous
block, more when interleaved), divided by the granule count, plus one barrier of the region
per granule (wavefront.region_sync_cycles: short for a compact region); a forward = a granule
of the consumer's input volume routed over the mesh links (Target.route / step_cycles) from
rank-matched producer cores when the two layouts split the same axes, else from cores spread
over the producer region; between ops running alone, the handover of `_Estimator.handover`
(nothing when the buffer is reused in place); into and out of a pipeline, at least a
whole-tensor re-layout (through the global buffer where there is one). docs/pipelining.md.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from tilefabric.analysis.wavefront import granule_needs, region_sync_cycles, wavefront
from tilefabric.errors import TileFabricError
from tilefabric.planner.op_space import OpSpace
from tilefabric.planner.organisation import ORGANISATIONS, rank_matched, split_cores, stage_regions
from tilefabric.planner.search import DoesNotFit, search
from tilefabric.target import Target

MODES = ("none", "chunks", "organised", "auto")
GRANULES = (2, 4, 8, 16, 32)  # granularities tried by `auto` (capped by the rows of the group)


@dataclass(frozen=True)
class ChainOp:
    """One op of a chain: its plan space, output rows (the dim granules cut), output bytes,
    and how its rows read its producer's rows: (stride, extent, pad_low) (1, 1, 0 pointwise)."""

    name: str
    space: OpSpace
    rows: int
    out_bytes: int
    window: tuple[int, int, int] = (1, 1, 0)
    reads: int = 0  # the input operand that reads the previous op's output
    in_bytes: int = 0  # that input's bytes


@dataclass(frozen=True)
class Group:
    """Ops [start, stop) of a chain run as one pipeline (stop − start >= 2)."""

    start: int
    stop: int
    granules: int
    organisation: str
    cores: tuple[int, ...]  # region size per stage
    predicted: float  # the group's predicted cycles (wavefront, forwards included)
    unpipelined: float  # the same ops one by one on the whole chip (with their boundaries)


def boundary_cycles(target: Target, nbytes: int) -> float:
    """An op's output handed to the next op outside a pipeline: through the global buffer
    (written out, read back) on a chip that has one, else a re-layout exchange that every
    core takes part in."""
    return float(target.exchange_cycles(nbytes / target.cores, nbytes, nbytes))


def _padded_copy_cycles(target: Target, have, want, elem_bytes: int) -> float:
    """relayout_cycles' estimate for a move that happens even when the layouts agree (the
    padded copy a window reads): every core of `want` fetches its block."""
    from tilefabric.planner.search import layout_elements

    local = int(np.prod(want.local_shape())) * elem_bytes
    cores = int(np.prod(want.grid))
    if target.has_global_buffer:
        return float(target.exchange_cycles(local, layout_elements(have) * elem_bytes, cores * local))
    return float(target.exchange_cycles(local))


class _Estimator:
    def __init__(self, target: Target, budget: float):
        self.target, self.budget = target, budget
        self._best = lru_cache(maxsize=None)(self._best_plan)

    def _best_plan(self, space: OpSpace, cores: int):
        t = self.target if cores == self.target.cores else replace(self.target, cores=cores)
        try:
            return search(space, t, self.budget).best()
        except DoesNotFit:
            return None

    def alone(self, op: ChainOp) -> float:
        plan = self._best(replace(op.space, name=""), self.target.cores)
        return float("inf") if plan is None else plan.predicted_cycles

    def stage(self, op: ChainOp, region: np.ndarray) -> tuple[float, float]:
        """(cycles of the op on the region, bytes it reads from its producer: every core's
        block of that input, replicas and halos included)."""
        space = replace(op.space, name="")
        plan = self._best(space, len(region))
        if plan is None:
            return float("inf"), 0.0
        dilation = 1.0
        if self.target.routed and len(region) > 1:
            dilation = max(1.0, float(self.target.hops(region[:-1], region[1:]).mean()))
        comm = plan.shift_cycles + plan.reduce_cycles
        layout = plan.layout(space, op.reads)
        cells = int(np.prod(layout.grid))
        volume = float(np.prod(layout.local_shape())) * space.bytes_of(op.reads) * cells
        return plan.predicted_cycles + comm * (dilation - 1.0), volume

    def handover(self, prev: ChainOp, op: ChainOp) -> float:
        """`prev`'s output reaching `op` when both run alone on the whole chip: nothing when
        `op`'s best plan reads it in the layout `prev`'s best plan writes (the buffer is
        reused), else a re-layout (through the global buffer where there is one); a window
        read through a padding always moves (the padded copy is a re-layout)."""
        from tilefabric.planner.search import relayout_cycles

        a_space, b_space = replace(prev.space, name=""), replace(op.space, name="")
        a, b = self._best(a_space, self.target.cores), self._best(b_space, self.target.cores)
        if a is None or b is None:
            return float("inf")
        have = a.layout(a_space, a_space.n_inputs)
        want = b.layout(b_space, op.reads)
        if op.window != (1, 1, 0):  # read through a padding: a re-layout even between equal layouts
            return _padded_copy_cycles(self.target, have, want, b_space.bytes_of(op.reads))
        if have == want:
            return 0.0
        # the whole-model choice may give `op` a slower plan that reads `prev`'s layout in place
        cost = relayout_cycles(self.target, have, want, b_space.bytes_of(op.reads))
        try:
            same = search(b_space, self.target, self.budget).matching(op.reads, have, self.budget)
        except DoesNotFit:
            same = None
        if same is not None:
            cost = min(cost, same.predicted_cycles - b.predicted_cycles)
        return cost

    def aligned(self, prev: ChainOp, op: ChainOp, n_prev: int, n_op: int) -> bool:
        """Whether `prev`'s output layout on its region and `op`'s input layout on its region
        split the same tensor axes (then a consumer core's rows sit with its rank-matched
        producer core; else they come from all over the producer region)."""
        a_space, b_space = replace(prev.space, name=""), replace(op.space, name="")
        a, b = self._best(a_space, n_prev), self._best(b_space, n_op)
        if a is None or b is None:
            return False
        have, want = a.layout(a_space, a_space.n_inputs), b.layout(b_space, op.reads)
        return [x >= 0 for x in have.axes] == [x >= 0 for x in want.axes]

    def forward(self, nbytes: float, producer: np.ndarray, consumer: np.ndarray, aligned: bool = True) -> float:
        """`nbytes` (all consumer cores together) into the consumer region: the transfers
        routed on the links — from each consumer core's rank-matched producer core when the
        layouts are aligned, else from producer cores spread over the region (a fixed
        scrambled pairing) — and at least the time for the producer cores to inject them."""
        src = rank_matched(producer, consumer)
        if not aligned:
            src = producer[(np.arange(len(consumer)) * 7919) % len(producer)]
        per = nbytes / len(consumer)
        if self.target.routed:
            routed = self.target.step_cycles(self.target.route(src, consumer, per))
            inject = float(self.target.link_cycles(nbytes / len(producer), 1))
            return max(routed, inject)
        return float(self.target.transfer_cycles(per))


def _counts(target: Target, work: list[float], organisation: str) -> list[int] | None:
    if len(work) > target.cores:
        return None
    if organisation == "striped":
        if not target.routed:
            return None
        rows, cols = target.mesh_shape
        if len(work) > cols:
            return None
        return [c * rows for c in split_cores(work, cols)]
    return split_cores(work, target.cores)


def _regions(target: Target, counts: list[int], organisation: str) -> list[np.ndarray]:
    if target.routed:
        return stage_regions(target.mesh_shape, counts, organisation)
    ends = np.cumsum(counts)  # a crossbar: every core one hop from every other, placement moot
    return [np.arange(e - n, e) for n, e in zip(counts, ends)]


def group_cost(est: _Estimator, ops: list[ChainOp], granules: int, organisation: str) -> Group | None:
    """Predicted time of ops run as one pipeline with this granularity and organisation."""
    target = est.target
    work = [est.alone(op) for op in ops]  # cores in proportion to each op's time on the whole chip
    if not np.isfinite(work).all():
        return None
    counts = _counts(target, work, organisation)
    if counts is None:
        return None
    regions = _regions(target, counts, organisation)
    staged = [est.stage(op, r) for op, r in zip(ops, regions)]
    cost = [c / granules + region_sync_cycles(target, r) for (c, _), r in zip(staged, regions)]
    if not np.isfinite(cost).all():
        return None
    forward = [0.0] + [est.forward(staged[s + 1][1] / granules, regions[s], regions[s + 1],
                                   est.aligned(ops[s], ops[s + 1], counts[s], counts[s + 1]))
                       for s in range(len(ops) - 1)]
    if not target.has_global_buffer and target.routed:
        # without a global buffer the group's input comes over the links from wherever the
        # chip holds it (estimated as spread over every core) and its output leaves the last
        # region for the chip the same way; both are paid granule by granule
        everywhere = np.arange(target.cores)
        forward[0] += est.forward(staged[0][1], everywhere, regions[0]) / granules
        forward[-1] += est.forward(ops[-1].out_bytes, regions[-1], everywhere) / granules
    needs = [np.arange(granules)] + [granule_needs(prev.rows, op.rows, granules, *op.window)
                                     for prev, op in zip(ops, ops[1:])]
    total = wavefront(cost, forward, needs, granules)
    alone = sum(est.alone(op) for op in ops) + sum(est.handover(a, b) for a, b in zip(ops, ops[1:]))
    return Group(0, len(ops), granules, organisation, tuple(counts), total, alone)


def choose(chain: list[ChainOp], target: Target, budget: float, mode: str = "auto", max_depth: int = 4,
           granules: int = 4) -> list[Group]:
    """The pipelined groups of a chain (ops not in a group run alone). `chunks`: the whole
    chain as one pipeline, one contiguous block per op, `granules` granules; `organised`: the
    whole chain as one pipeline with the cheapest granularity and organisation; `auto`: the
    cheapest cut into groups of up to `max_depth` ops, with the best granularity and
    organisation per group; `none`: no group."""
    if mode not in MODES:
        raise TileFabricError(f"unknown pipelining mode '{mode}' (available: {', '.join(MODES)})")
    if mode == "none" or len(chain) < 2:
        return []
    est = _Estimator(target, budget)
    if mode in ("chunks", "organised"):
        if mode == "chunks":
            g = group_cost(est, chain, max(1, min(granules, min(op.rows for op in chain))), "blocks")
        else:  # the whole chain, the cheapest granularity and organisation
            rows = min(op.rows for op in chain)
            options = [group_cost(est, chain, n, org) for n in GRANULES if n <= rows for org in ORGANISATIONS]
            options = [o for o in options if o is not None]
            g = min(options, key=lambda o: o.predicted) if options else None
        if g is None:
            return []
        ends = boundary_cycles(target, chain[0].in_bytes) + boundary_cycles(target, chain[-1].out_bytes)
        return [replace(g, start=0, stop=len(chain), predicted=g.predicted + ends)]
    n = len(chain)
    # op i − 1's output reaching op i: when both run alone, the handover (nothing if reused in
    # place); when either sits in a pipeline's region, at least a re-layout of the whole
    # tensor (through the global buffer where there is one). The chain's input and output
    # move into / out of a pipeline that starts / ends it.
    alone_edge = [0.0] + [est.handover(chain[i - 1], chain[i]) for i in range(1, n)]
    piped_edge = [boundary_cycles(target, chain[0].in_bytes)] + [
        max(alone_edge[i], boundary_cycles(target, chain[i - 1].out_bytes)) for i in range(1, n)]
    exit_cost = boundary_cycles(target, chain[-1].out_bytes)
    # best[j][p]: ops [0, j) done, the last group ending at j pipelined (p = 1) or not
    best = [[0.0, float("inf")]] + [[float("inf")] * 2 for _ in range(n)]
    pick: list[list] = [[None, None] for _ in range(n + 1)]
    for j in range(1, n + 1):
        for i in range(max(0, j - max_depth), j):
            ops = chain[i:j]
            if j - i == 1:
                options = [Group(i, j, 1, "", (target.cores,), est.alone(ops[0]), est.alone(ops[0]))]
            else:
                rows = min(op.rows for op in ops)
                options = [group_cost(est, ops, g, org) for g in GRANULES if g <= rows for org in ORGANISATIONS]
                options = [replace(o, start=i, stop=j) for o in options if o is not None]
            for o in options:
                here = int(o.stop - o.start >= 2)
                for prev in (0, 1):
                    edge = piped_edge[i] if (here or (prev and i)) else alone_edge[i]
                    total = best[i][prev] + edge + o.predicted + (exit_cost if here and j == n else 0.0)
                    if total < best[j][here]:
                        best[j][here], pick[j][here] = total, (o, prev)
    groups, j = [], n
    state = 0 if best[n][0] <= best[n][1] else 1
    while j > 0:
        if pick[j][state] is None:  # nothing fits: leave the chain alone
            return []
        g, prev = pick[j][state]
        if g.stop - g.start >= 2:
            groups.append(g)
        j, state = g.start, prev
    return groups[::-1]
