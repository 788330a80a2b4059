"""Enumerate an operator's plan space as numpy arrays: spatial factors F over every loop dim,
and for each input an optional ring (temporal split) along one of its dims.

Rules (docs/planner.md): ∏F ≤ cores; a reduction dim is split only when its partial results
combine; a ring of t parts needs t | replicas (the product of F over the operand's missing
dims) and at least t elements of the dim per core; two operands never rotate along the same
dim. Factors that give the same per-core block as a smaller factor are dominated and dropped.
A window axis (conv rows `oh·s + kh·dil`) is split along at most one of its dims, and rings
run only along an operand's plain axes (a rotating part with a halo is not expressible).
No Python object is built per candidate.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np

from tilefabric.planner.op_space import OpSpace

RING_PARTS = (2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 32)


@dataclass(frozen=True)
class Candidates:
    """N candidate plans: F (N, dims); ring dim (-1: none) and parts per input (N, inputs)."""

    F: np.ndarray
    ring_dim: np.ndarray
    ring_parts: np.ndarray

    def __len__(self) -> int:
        return len(self.F)

    def take(self, rows: np.ndarray) -> "Candidates":
        return Candidates(self.F[rows], self.ring_dim[rows], self.ring_parts[rows])

    def steps(self) -> np.ndarray:
        """T[n, d]: compute-shift steps along each loop dim (the ring parts along it)."""
        T = np.ones_like(self.F)
        for x in range(self.ring_dim.shape[1]):
            d, t = self.ring_dim[:, x], self.ring_parts[:, x]
            rows = np.nonzero(d >= 0)[0]
            T[rows, d[rows]] = t[rows]
        return T


def _dim_factors(space: OpSpace, d: int, cores: int) -> list[int]:
    n = space.sizes[d]
    if not space.can_split(d):
        return [1]
    if not space.can_pad(d):
        return [f for f in range(1, min(n, cores) + 1) if n % f == 0]
    best: dict[int, int] = {}
    for f in range(1, min(n, cores) + 1):
        best.setdefault(-(-n // f), f)  # the smallest factor per block size dominates
    return sorted(best.values())


def spatial_factors(space: OpSpace, cores: int) -> np.ndarray:
    grid = np.ones((1, 0), dtype=np.int64)
    for d in range(space.n_dims):
        cand = np.asarray(_dim_factors(space, d, cores), dtype=np.int64)
        grid = np.concatenate([np.repeat(grid, len(cand), axis=0), np.tile(cand, len(grid))[:, None]], axis=1)
        grid = grid[np.prod(grid, axis=1) <= cores]
    for dims in space.windows():  # a window's blocks overlap along at most one split dim
        grid = grid[(grid[:, list(dims)] > 1).sum(axis=1) <= 1]
    return grid


def replicas(space: OpSpace, F: np.ndarray, x: int) -> np.ndarray:
    cols = space.missing_dims(x)
    return np.prod(F[:, cols], axis=1) if cols else np.ones(len(F), dtype=np.int64)


def _ring_options(space: OpSpace, F: np.ndarray, x: int):
    """[(dim, parts, valid-row mask)] for input x; (-1, 1, all) = no ring."""
    options = [(-1, 1, np.ones(len(F), dtype=bool))]
    if space.kind == "fused":
        return options  # a fused chain's stages all run on the same rows: nothing rotates
    reps = replicas(space, F, x)
    for d in sorted(space.plain_dims(x) - space.window_dims(x)):
        if not space.can_pad(d) and space.kind != "contraction":
            continue  # a padded reduction part would not vanish in the body
        per_core = -(-space.sizes[d] // F[:, d])
        for t in RING_PARTS:
            ok = (reps % t == 0) & (per_core >= t)
            if ok.any():
                options.append((d, t, ok))
    return options


def enumerate_plans(space: OpSpace, cores: int, max_rings: int | None = None) -> Candidates:
    F = spatial_factors(space, cores)
    per_input = [_ring_options(space, F, x) for x in range(space.n_inputs)]
    rows, dims, parts = [], [], []
    for combo in product(*per_input):
        ring_dims = [d for d, _, _ in combo if d >= 0]
        if len(set(ring_dims)) < len(ring_dims):
            continue  # one ring per loop dim
        if max_rings is not None and len(ring_dims) > max_rings:
            continue
        mask = np.logical_and.reduce([np.ones(len(F), dtype=bool)] + [m for _, _, m in combo])
        idx = np.nonzero(mask)[0]
        if not len(idx):
            continue
        rows.append(idx)
        dims.append(np.tile(np.asarray([d for d, _, _ in combo], dtype=np.int64), (len(idx), 1)))
        parts.append(np.tile(np.asarray([t for _, t, _ in combo], dtype=np.int64), (len(idx), 1)))
    if not rows:
        empty = np.zeros((0, space.n_inputs), dtype=np.int64)
        return Candidates(F[:0], empty, empty)
    all_rows = np.concatenate(rows)
    return Candidates(F[all_rows], np.concatenate(dims), np.concatenate(parts))
