"""Cost and memory of every candidate plan at once, with the Target's formulas only.

What is charged is exactly what `rtensor-to-dataflow` emits and the simulator runs:
- compute: steps × cycles of one sub-operator on the instruction mapping chosen for it
  (isa/search.py: the fastest legal mapping onto the target's units, by the op's strategy);
- shifts: rings are nested by bytes per shift, largest outermost (shifted least often); level i
  runs t_i iterations with a shift *between* them, so it shifts (∏_{j<i} t_j)·(t_i − 1) times,
  each shift = 2 syncs + the transfer of one part (T10's sync_shift; on a mesh / torus the
  part's routed time as place-cores places the ring, Target.ring_shift_cycles);
- reduce: a split reduction dim leaves `copies` partial sums, combined by the target's
  partial-sum model (T10's gather + reduction shuffle).
Hot memory: every operand's per-core block, rotating parts counted `shift_buffers` times.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tilefabric.isa.kernel import MAPPABLE
from tilefabric.isa.search import NoMapping, decide
from tilefabric.planner.candidates import Candidates
from tilefabric.planner.op_space import OpSpace
from tilefabric.target import Target


@dataclass(frozen=True)
class Costs:
    compute: np.ndarray
    shift: np.ndarray
    reduce: np.ndarray
    hot: np.ndarray
    blocks: np.ndarray  # (N, dims) per-core extent of each loop dim, padded
    order: np.ndarray  # (N, inputs) inputs by ring nesting, outermost first (non-rings last)
    mapping: np.ndarray | None = None  # (N,) the sub-operator's mapping (index into the op's legal mappings), -1: none

    @property
    def total(self) -> np.ndarray:
        return self.compute + self.shift + self.reduce


def _prod_cols(a: np.ndarray, cols) -> np.ndarray:
    cols = [c for c in cols if c >= 0]
    return np.prod(a[:, cols], axis=1) if cols else np.ones(len(a), dtype=np.int64)


def operand_elements(space: OpSpace, B: np.ndarray, x: int) -> np.ndarray:
    """Elements of operand x's per-core block when loop dim d spans B[:, d] (a window axis
    spans Σ c·(B_d − 1) + 1: the block with its halo)."""
    out = np.ones(len(B), dtype=np.int64)
    for axis in space.terms(x):
        if axis:
            out = out * (sum(c * (B[:, d] - 1) for d, c in axis) + 1)
    return out


def step_cycles(space: OpSpace, target: Target, U: np.ndarray) -> np.ndarray:
    """Cycles of one sub-operator whose loop extents are the rows of U."""
    return step_decision(space, target, U)[0]


def step_decision(space: OpSpace, target: Target, U: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cycles of one sub-operator per row of U, and the instruction mapping chosen for it
    (index into the kernel's legal mappings; -1 where the op is not mapped: lookups, fused
    chains, spaces built without a kernel)."""
    none = np.full(len(U), -1, dtype=np.int64)
    if space.kernel is not None and space.kind in MAPPABLE:
        try:
            d = decide(space.kernel, target, U, space.isa)
        except NoMapping as exc:
            raise NoMapping(f"operator '{space.name}': {exc}") from None
        return d.cycles, d.index
    if space.kind == "contraction":
        return target.contraction_cycles(_prod_cols(U, space.batch), _prod_cols(U, space.m),
                                         _prod_cols(U, space.k), _prod_cols(U, space.n), space.elem_bytes), none
    if space.kind == "lookup":
        return target.lookup_cycles(_prod_cols(U, space.vector_dims())), none
    if space.kind == "fused":  # one vector-unit launch, then every stage over its block
        return sum(_fused_stage_cycles(space, target, U, s, stage) for s, stage in enumerate(space.stages)), none
    return target.elementwise_cycles(np.prod(U, axis=1), space.n_inputs), none


def _fused_stage_cycles(space: OpSpace, target: Target, U: np.ndarray, s: int, stage: tuple) -> np.ndarray:
    """A contraction heading a fused chain runs on its instruction mapping; the vector stages
    after it are its epilogue (no launch of their own)."""
    dims, n_in, mnk, eb, kernel = stage
    if mnk:
        return decide(kernel, target, U[:, list(dims)], space.isa).cycles
    return target.vector_stage_cycles(_prod_cols(U, dims), n_in, first=s == 0)


def ring_schedule(parts: np.ndarray, part_bytes: np.ndarray):
    """Nesting order (largest part outermost) and shifts per ring level, per candidate."""
    key = np.where(parts > 1, part_bytes, -1.0)
    order = np.argsort(-key, axis=1, kind="stable")
    t = np.take_along_axis(parts, order, axis=1)
    outer = np.cumprod(np.concatenate([np.ones((len(t), 1), dtype=np.int64), t[:, :-1]], axis=1), axis=1)
    return order, outer * (t - 1)


def evaluate(space: OpSpace, target: Target, c: Candidates, reused: tuple[bool, ...] = ()) -> Costs:
    """`reused[x]`: input x is read again after this op, so a ring left displaced is moved
    back home (one exchange of its part)."""
    n = np.asarray(space.sizes, dtype=np.int64)
    T = c.steps()
    B = -(-n // (c.F * T)) * T
    step, mapping = step_decision(space, target, B // T)
    compute = step * np.prod(T, axis=1)
    n_in = space.n_inputs
    part_bytes = np.zeros((len(c), n_in))
    hot = np.zeros(len(c))
    for x in range(len(space.operand_dims)):
        block = operand_elements(space, B, x).astype(np.float64) * space.bytes_of(x)
        if x < n_in:
            t = c.ring_parts[:, x]
            part_bytes[:, x] = block / t
            hot += np.where(t > 1, block / t * target.shift_buffers, block)
        else:
            hot += block
    for axes, nbytes in space.scratch:  # a fused chain's intermediates stay on the core
        hot += _prod_cols(B, axes).astype(np.float64) * nbytes
    order, shifts = ring_schedule(c.ring_parts, part_bytes)
    moved = np.take_along_axis(part_bytes, order, axis=1)
    t = np.take_along_axis(c.ring_parts, order, axis=1)
    # one hop per part on a crossbar; on a mesh / torus as place-cores places the rings
    per_shift = target.ring_shift_cycles(moved, t, np.arange(moved.shape[1])[None, :])
    shift = np.sum(shifts * (2 * target.sync_cycles + per_shift), axis=1)
    if any(reused):
        again = np.take_along_axis(np.tile(np.asarray(reused, dtype=bool), (len(c), 1)), order, axis=1)
        displaced = (shifts % np.maximum(t, 1) != 0) & again
        # every core sends its part home; through a global buffer: all parts out, then in
        total = moved * np.prod(c.F, axis=1, dtype=np.float64)[:, None]
        shift = shift + np.sum(np.where(displaced, target.exchange_cycles(moved, total, total), 0.0), axis=1)
    reduce = np.zeros(len(c))
    if space.reduction_dims and space.combiner is not None:
        out = len(space.operand_dims) - 1
        copies = _prod_cols(c.F, space.reduction_dims)
        sync, transfer, comp = target.partial_sum_cycles(_prod_cols(B, space.operand_dims[out]), copies, space.bytes_of(out))
        reduce = sync + transfer + comp
    return Costs(compute.astype(np.float64), shift, reduce, hot, B, order, mapping)


PARETO_SAMPLE = 4096  # candidates whose frontier pre-filters the rest (see pareto)


def pareto(time: np.ndarray, memory: np.ndarray) -> np.ndarray:
    """Indices of the memory-vs-time frontier: by growing memory, strictly falling time.

    Large spaces (a million candidates) are first thinned without sorting them: the exact
    frontier of an evenly spaced sample (plus the fastest plan) dominates most candidates, and a
    candidate it dominates cannot be on the full frontier. The survivors' frontier is exact."""
    if len(time) > 4 * PARETO_SAMPLE:
        sample = np.unique(np.r_[np.linspace(0, len(time) - 1, PARETO_SAMPLE).astype(np.int64), np.argmin(time)])
        front = sample[_exact_pareto(time[sample], memory[sample])]
        # fastest sample time among samples with memory <= each candidate's (by growing memory)
        at = np.searchsorted(memory[front], memory, side="right") - 1
        bound = np.where(at >= 0, time[front][np.maximum(at, 0)], np.inf)
        keep = np.nonzero(time <= bound)[0]
        return keep[_exact_pareto(time[keep], memory[keep])]
    return _exact_pareto(time, memory)


def _exact_pareto(time: np.ndarray, memory: np.ndarray) -> np.ndarray:
    if not len(time):
        return np.zeros(0, dtype=np.int64)
    idx = np.lexsort((time, memory))
    t = time[idx]
    best_before = np.minimum.accumulate(np.concatenate([[np.inf], t[:-1]]))
    return idx[t < best_before]
