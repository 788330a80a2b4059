"""Choosing a mapping for sub-operators: the search interface and its strategies.

`decide(kernel, target, U, strategy)` picks, for every row of U (one sub-operator's loop
extents), a legal mapping and its cycles. The planner calls it on all candidate plans at once;
`isa-map` and the simulator call it on one sub-operator. A row's decision depends on that row
only (ties go to the lowest mapping index), so the three always agree.

- `exhaustive`: every legal mapping, branch and bound: a mapping is costed exactly only on the
  rows where its lower bound (isa/cost.py) beats the best found so far. Exact.
- `greedy`: per unit, template and binding, start from the mapping that folds every dim it can
  into the instruction (im2col for a convolution) and move one dim at a time between the
  instruction and the loops around it while that strictly helps (hill climbing). Costs a few
  mappings per row; can stop in a local optimum.
- `ranked`: cost-model-guided ranking. Sub-operators are grouped into shape classes (every
  extent rounded down to a power of two); the cost model's lower bound ranks every mapping once
  per class, and only the class's best `RANKED_K` are costed exactly on each sub-operator.
  Cheap when many sub-operators share a class; misses when padding (which the bound ignores)
  or a shape the class's representative does not show decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from tilefabric.errors import TileFabricError
from tilefabric.isa import cost
from tilefabric.isa.kernel import Kernel
from tilefabric.isa.mapping import LOOP, Mapping, Space, mapping_space

STRATEGIES = ("exhaustive", "greedy", "ranked")
DEFAULT = "exhaustive"
RANKED_K = 3
ISA_ATTR = "tf.isa_strategy"  # on the module when planned with another strategy than the default


@dataclass
class Decision:
    index: np.ndarray  # per row: the chosen mapping's index in `mappings`
    cycles: np.ndarray
    mappings: tuple[Mapping, ...]
    evaluated: int  # exact costings (rows x mappings)
    bounded: int  # lower-bound costings

    def mapping(self, row: int = 0) -> Mapping:
        return self.mappings[int(self.index[row])]


class NoMapping(TileFabricError):
    """No unit of the target can run a kernel."""


def check_strategy(strategy: str) -> None:
    if strategy not in STRATEGIES:
        raise TileFabricError(f"unknown instruction-mapping strategy '{strategy}' (available: {', '.join(STRATEGIES)})")


def decide(kernel: Kernel, target, U, strategy: str = DEFAULT) -> Decision:
    check_strategy(strategy)
    space = mapping_space(kernel, target)
    if not space.mappings:
        raise NoMapping(f"no compute unit of target '{target.name}' can run this {kernel.kind} "
                        f"({kernel.dtype}, body ops {', '.join(sorted(kernel.ops)) or 'none'})")
    U = np.asarray(U, dtype=np.int64)
    U = U.reshape(len(U), kernel.n_dims) if U.ndim == 2 else U.reshape(-1, kernel.n_dims)  # rank 0: (rows, 0)
    rows, inverse = _unique_rows(U)
    idx, cyc, evaluated, bounded = _STRATEGY[strategy](space, kernel, target, rows)
    return Decision(idx[inverse], cyc[inverse], space.mappings, evaluated, bounded)


def _unique_rows(U: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows and, per row, its distinct row: through one int64 key per row when the
    extents allow (np.unique over rows sorts tuples, ten times slower)."""
    if len(U) <= 1 or U.shape[1] == 0:  # one row, or rank 0: every row is the same empty row
        return U[:1], np.zeros(len(U), dtype=np.int64)
    radix = U.max(axis=0) + 1
    if np.prod(radix.astype(np.float64)) < 2.0 ** 62:
        weights = np.cumprod(np.concatenate([[1], radix[::-1][:-1]]))[::-1]
        keys = U @ weights
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        return U[first], np.asarray(inverse).reshape(-1)
    rows, inverse = np.unique(U, axis=0, return_inverse=True)
    return rows, np.asarray(inverse).reshape(-1)


@lru_cache(maxsize=1 << 14)
def decide_one(kernel: Kernel, target, sizes: tuple[int, ...], strategy: str = DEFAULT) -> tuple[Mapping, float]:
    """The mapping and cycles of one sub-operator (memoised: the simulator asks per compute op)."""
    d = decide(kernel, target, np.asarray([sizes]), strategy)
    return d.mapping(0), float(d.cycles[0])


@lru_cache(maxsize=4096)
def _loops_flexible(space: Space) -> np.ndarray:
    """(mappings, dims): the mapping loops a dim that its group could fold into the instruction."""
    out = np.zeros((len(space.mappings), len(space.mappings[0].roles)), dtype=bool)
    for i, mp in enumerate(space.mappings):
        options = space.groups[space.group_of[i]].options
        out[i] = [r == LOOP and len(o) > 1 for r, o in zip(mp.roles, options)]
    return out


def _redundant(space: Space, U: np.ndarray) -> np.ndarray:
    """(rows, mappings): the mapping loops a dim of extent 1 that its group could fold; it costs
    exactly what that lower-indexed twin costs, so it is left out."""
    flex = _loops_flexible(space).T.astype(np.float32)
    return ((U == 1).astype(np.float32) @ flex) > 0.5


def _kept(space: Space, U: np.ndarray) -> np.ndarray:
    """Mappings not redundant on every row (above), cheaply: looped flexible dims of extent 1
    on all rows."""
    ones = (U == 1).all(axis=0)
    return ~(_loops_flexible(space) & ones[None]).any(axis=1)


def _bounds(space: Space, kernel: Kernel, target, U: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(kept mapping indices, their lower bounds as (mappings, rows)), one pass per group."""
    cols, parts = [], []
    for g in space.groups:
        here = np.arange(g.start, g.start + g.size)
        here = here[keep[here]]
        if len(here):
            cols.append(here)
            parts.append(cost.lower_bounds(target, kernel, tuple(space.mappings[i] for i in here), U))
    return np.concatenate(cols), np.concatenate(parts, axis=0)


def _sample(n: int, size: int = 2048) -> np.ndarray:
    return np.unique(np.linspace(0, n - 1, min(n, size)).astype(np.int64))


def _exhaustive(space: Space, kernel: Kernel, target, U: np.ndarray):
    """Branch and bound: mappings in order of their mean bound (on a sample of rows); a mapping
    is costed on the rows where its bound does not exceed the best cost found so far (so an
    equal-cost mapping with a lower index is still seen: the result is the lowest-index optimum)."""
    n = len(U)
    cols, bounds = _bounds(space, kernel, target, U, _kept(space, U))
    best = np.full(n, np.inf)
    idx = np.full(n, -1, dtype=np.int64)
    evaluated = 0
    for j in np.argsort(bounds[:, _sample(n)].mean(axis=1), kind="stable"):
        i = int(cols[j])
        rows = np.nonzero(bounds[j] <= best)[0]
        if not len(rows):
            continue
        c = cost.cycles(target, cost.shape_of(kernel, target, space.mappings[i]), U[rows])
        evaluated += len(rows)
        better = (c < best[rows]) | ((c == best[rows]) & (i < idx[rows]))
        best[rows[better]] = c[better]
        idx[rows[better]] = i
    return idx, best, evaluated, bounds.size


def _greedy(space: Space, kernel: Kernel, target, U: np.ndarray):
    n = len(U)
    best = np.full(n, np.inf)
    idx = np.full(n, -1, dtype=np.int64)
    evaluated = 0
    memo: dict[tuple[int, bytes], np.ndarray] = {}

    def cost_of(i: int, rows: np.ndarray) -> np.ndarray:
        nonlocal evaluated
        evaluated += len(rows)
        return cost.cycles(target, cost.shape_of(kernel, target, space.mappings[i]), U[rows])

    for g in space.groups:
        choice = np.zeros((n, len(g.options)), dtype=np.int64)
        here = np.full(n, g.start, dtype=np.int64)
        cur = cost_of(g.start, np.arange(n))
        flexible = [d for d, o in enumerate(g.options) if len(o) > 1]
        active = np.arange(n) if flexible else np.zeros(0, dtype=np.int64)
        while len(active):
            moved = []
            for j in np.unique(here[active]):
                rows = active[here[active] == j]
                pick_cost = np.full(len(rows), np.inf)
                pick_dim = np.full(len(rows), -1)
                pick_idx = np.full(len(rows), np.iinfo(np.int64).max)
                base = choice[rows[0]]
                for d in flexible:
                    step = base.copy()
                    step[d] = (step[d] + 1) % len(g.options[d])
                    k = g.index(step)
                    c = cost_of(k, rows)
                    better = (c < pick_cost) | ((c == pick_cost) & (k < pick_idx))
                    pick_cost[better], pick_dim[better], pick_idx[better] = c[better], d, k
                go = pick_cost < cur[rows]
                for r, d, k, c in zip(rows[go], pick_dim[go], pick_idx[go], pick_cost[go]):
                    choice[r, d] = (choice[r, d] + 1) % len(g.options[d])
                    here[r], cur[r] = k, c
                moved.append(rows[go])
            active = np.concatenate(moved) if moved else np.zeros(0, dtype=np.int64)
        better = cur < best
        best[better], idx[better] = cur[better], here[better]
    return idx, best, evaluated, 0


def _ranked(space: Space, kernel: Kernel, target, U: np.ndarray):
    """Rank the mappings by the cost model's lower bound on the row's shape class (each extent
    rounded down to a power of two: rows of one class share one ranking, so the ranking costs
    per class, not per row), then cost the best RANKED_K of the class exactly on the row."""
    n = len(U)
    exponents = np.floor(np.log2(U)).astype(np.int64)  # exact for the integers planners use
    classes, which = _unique_rows(exponents)
    proxy = np.concatenate([cost.class_bounds(target, kernel, space.mappings[g.start:g.start + g.size], classes)
                            for g in space.groups]).T
    proxy[_redundant(space, np.left_shift(1, classes))] = np.inf  # extent 1 in the class exactly where the row has it
    k = min(RANKED_K, proxy.shape[1])
    top = np.argsort(proxy, axis=1, kind="stable")[:, :k][which]  # (rows, k), ties to the lowest index
    best = np.full(n, np.inf)
    idx = np.full(n, -1, dtype=np.int64)
    evaluated = 0
    for i in np.unique(top):
        rows = np.nonzero((top == i).any(axis=1))[0]
        c = cost.cycles(target, cost.shape_of(kernel, target, space.mappings[i]), U[rows])
        evaluated += len(rows)
        better = (c < best[rows]) | ((c == best[rows]) & (i < idx[rows]))
        best[rows[better]] = c[better]
        idx[rows[better]] = i
    return idx, best, evaluated, proxy.size


_STRATEGY = {"exhaustive": _exhaustive, "greedy": _greedy, "ranked": _ranked}
