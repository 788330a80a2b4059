"""Per-operator search: enumerate the plan space, cost it in one vectorised pass, keep the
memory-vs-time Pareto frontier. Plan objects are built only for the frontier and for the few
plans the whole-model choice asks for (e.g. one matching a producer's layout)."""

from __future__ import annotations

from math import prod

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np

from tilefabric.errors import TileFabricError
from tilefabric.planner.candidates import Candidates, enumerate_plans
from tilefabric.planner.cost import Costs, evaluate, pareto
from tilefabric.planner.op_space import WINDOW, OpSpace
from tilefabric.planner.plan import Layout, Plan
from tilefabric.target import Target


class DoesNotFit(TileFabricError):
    """No plan of an operator fits: carries the bytes it needs and the bytes available."""

    def __init__(self, op: str, required: float, available: float, target: str):
        self.op, self.required, self.available = op, required, available
        super().__init__(
            f"operator '{op}' does not fit on '{target}': its smallest plan needs {int(required)} bytes per core, "
            f"{int(available)} bytes per core are available"
        )


@dataclass
class OpSearch:
    """The evaluated plan space of one operator (only plans within the memory budget)."""

    space: OpSpace
    target: Target
    budget: float
    cand: Candidates
    costs: Costs
    frontier_rows: np.ndarray
    plans_evaluated: int
    seconds: float
    _plans: dict = field(default_factory=dict)
    _matches: dict = field(default_factory=dict)
    _grid: list = field(default_factory=list)  # [split, pos, F sorted split-first], computed once

    @property
    def identity(self) -> int:
        """Equal for operators sharing one search (`search` hands identical operators copies
        that differ only in the space's name and share the evaluated plans)."""
        return id(self.cand)

    @property
    def frontier(self) -> list[Plan]:
        return [self.plan(int(i)) for i in self.frontier_rows]

    def best(self) -> Plan:
        return self.plan(int(self.frontier_rows[-1]))

    def plan(self, row: int) -> Plan:
        if row not in self._plans:
            self._plans[row] = _make_plan(self.space, self.cand, self.costs, row)
        return self._plans[row]

    def matching(self, x: int, layout: Layout, limit: float | None = None) -> Plan | None:
        """The fastest plan whose operand-x layout is `layout` (no re-layout), if any fits."""
        key = (x, layout, limit)
        if key not in self._matches:
            if not self._grid:
                self._grid.extend(_grid_positions(self.cand.F))
            ok = layout_mask(self.space, self.cand, self.costs.blocks, x, layout, self._grid)
            if limit is not None:
                ok &= self.costs.hot <= limit
            self._matches[key] = int(np.argmin(np.where(ok, self.costs.total, np.inf))) if ok.any() else None
        row = self._matches[key]
        return None if row is None else self.plan(row)

    def fastest_under(self, limit: float) -> Plan | None:
        rows = [int(i) for i in self.frontier_rows if self.costs.hot[i] <= limit]
        return self.plan(rows[-1]) if rows else None


_CACHE: dict = {}
_CACHE_LIMIT = 512


def search(space: OpSpace, target: Target, budget_bytes: float, max_rings: int | None = None,
           reused: tuple[bool, ...] = (), objective: str = "executed") -> OpSearch:
    """`objective`: "executed" (what tilefabric runs) or "t10" (T10's own accounting, for
    calibration against its published figures). Identical operators (the layers of a
    transformer) share one search: the key is the space without its name."""
    key = _key(space, target, budget_bytes, max_rings, reused, objective)
    hit = _CACHE.get(key)
    if hit is not None:
        return replace(hit, space=space, seconds=0.0)
    if len(_CACHE) >= _CACHE_LIMIT:
        _CACHE.clear()
    found = _search(space, target, budget_bytes, max_rings, reused, objective)
    _CACHE[key] = found
    return found


SEARCH_THREADS = min(4, os.cpu_count() or 1)


def search_all(requests: list[tuple[OpSpace, tuple[bool, ...]]], target: Target, budget_bytes: float) -> list[OpSearch]:
    """`search(space, target, budget_bytes, reused=reused)` for every (space, reused), in order.

    The distinct plan spaces are searched on a thread pool: the large numpy operations that
    dominate a search (sorts, arithmetic over a million candidates) release the GIL. Results are
    the same as searching one by one; the first failing request (in order) raises."""
    keys = [_key(space, target, budget_bytes, None, reused, "executed") for space, reused in requests]
    known = {key: _CACHE[key] for key in keys if key in _CACHE}
    first: dict[tuple, int] = {}
    for i, key in enumerate(keys):
        if key not in known:
            first.setdefault(key, i)
    found: dict[tuple, OpSearch] = {}
    if first:
        with ThreadPoolExecutor(max_workers=max(1, min(SEARCH_THREADS, len(first)))) as pool:
            futures = {key: pool.submit(_search, requests[i][0], target, budget_bytes, None, tuple(requests[i][1]),
                                        "executed") for key, i in first.items()}
            for key in first:  # in request order: the first failure raises
                found[key] = futures[key].result()
    for key, result in found.items():
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        _CACHE[key] = result
    out = []
    for i, ((space, _), key) in enumerate(zip(requests, keys)):
        if first.get(key) == i:
            out.append(found[key])  # the op whose space was searched keeps it and its time
        else:
            out.append(replace(found.get(key) or known[key], space=space, seconds=0.0))
    return out


def _key(space: OpSpace, target: Target, budget_bytes: float, max_rings: int | None,
         reused: tuple[bool, ...], objective: str) -> tuple:
    return (replace(space, name=""), target, budget_bytes, max_rings, tuple(reused), objective)


def _search(space: OpSpace, target: Target, budget_bytes: float, max_rings: int | None,
            reused: tuple[bool, ...], objective: str) -> OpSearch:
    start = time.perf_counter()
    cand = enumerate_plans(space, target.cores, max_rings)
    costs = evaluate(space, target, cand, reused)
    if objective == "t10":
        from tilefabric.planner.t10_accounting import t10_cycles

        t10 = t10_cycles(space, target, cand)
        costs = Costs(t10, np.zeros(len(cand)), np.zeros(len(cand)), costs.hot, costs.blocks, costs.order, costs.mapping)
    elif objective != "executed":
        raise TileFabricError(f"unknown planner objective '{objective}' (available: executed, t10)")
    fits = np.nonzero(costs.hot <= budget_bytes)[0]
    if not len(fits):
        need = float(costs.hot.min()) if len(cand) else float("inf")
        raise DoesNotFit(space.name, need, budget_bytes, target.name)
    evaluated = len(cand)
    if len(fits) < evaluated:
        cand, costs = cand.take(fits), _take(costs, fits)
    front = pareto(costs.total, costs.hot)
    return OpSearch(space, target, budget_bytes, cand, costs, front, evaluated, time.perf_counter() - start)


def _take(c: Costs, rows: np.ndarray) -> Costs:
    return Costs(c.compute[rows], c.shift[rows], c.reduce[rows], c.hot[rows], c.blocks[rows], c.order[rows],
                 None if c.mapping is None else c.mapping[rows])


def _make_plan(space: OpSpace, cand: Candidates, costs: Costs, i: int) -> Plan:
    temporal = [[1] * space.n_dims for _ in space.operand_dims]
    for x in range(space.n_inputs):
        d = int(cand.ring_dim[i, x])
        if d >= 0:
            temporal[x][d] = int(cand.ring_parts[i, x])
    rotation = tuple(int(x) for x in costs.order[i] if cand.ring_parts[i, x] > 1)
    return Plan(
        spatial=tuple(int(v) for v in cand.F[i]),
        temporal=tuple(tuple(row) for row in temporal),
        rotation=rotation,
        predicted_cycles=float(costs.total[i]),
        compute_cycles=float(costs.compute[i]),
        shift_cycles=float(costs.shift[i]),
        reduce_cycles=float(costs.reduce[i]),
        hot_bytes=float(costs.hot[i]),
        mapping=int(costs.mapping[i]) if costs.mapping is not None else -1,
    )


def _grid_positions(F: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per row: which loop dims are split, each one's grid axis, how many, and the factors
    of the split dims first (in loop order): the row's core grid."""
    split = F > 1
    pos = np.cumsum(split, axis=1) - 1
    grids = np.ones_like(F)
    rows, cols = np.nonzero(split)
    grids[rows, pos[rows, cols]] = F[rows, cols]
    return split, pos, split.sum(axis=1), grids


def layout_mask(space: OpSpace, cand: Candidates, blocks: np.ndarray, x: int, lay: Layout,
                grid=None) -> np.ndarray:
    """Rows whose layout of operand x equals `lay` (same grid, axes, blocks and parts)."""
    F = cand.F
    split, pos, n_split, grids = grid if grid else _grid_positions(F)
    real_grid = [] if tuple(lay.grid) == (1,) else list(lay.grid)
    if len(real_grid) > space.n_dims:
        return np.zeros(len(F), dtype=bool)
    ok = n_split == len(real_grid)
    if real_grid:
        ok &= np.all(grids[:, : len(real_grid)] == np.asarray(real_grid), axis=1)
    rotating = x < space.n_inputs
    for i, (d, axis) in enumerate(zip(space.operand_dims[x], space.terms(x))):
        if d == WINDOW:
            ok &= _window_matches(axis, split, pos, blocks, lay, i)
            continue
        if (d < 0 and lay.axes[i] != -1) or lay.stride(i) != lay.blocks[i]:
            return np.zeros(len(F), dtype=bool)
        if d < 0:
            continue
        ok &= (split[:, d] & (pos[:, d] == lay.axes[i])) if lay.axes[i] >= 0 else ~split[:, d]
        ok &= blocks[:, d] == lay.blocks[i]
        parts = np.where(cand.ring_dim[:, x] == d, cand.ring_parts[:, x], 1) if rotating else 1
        ok &= parts == lay.parts[i]
    return ok


def _window_matches(axis, split, pos, blocks, lay: Layout, i: int) -> np.ndarray:
    """Rows whose window axis (Σ c·d) has the extent, grid axis and stride of `lay`'s axis i."""
    extent = sum(c * (blocks[:, d] - 1) for d, c in axis) + 1
    any_split = np.zeros(len(blocks), dtype=bool)
    where = np.zeros(len(blocks), dtype=np.int64)
    stride = np.zeros(len(blocks), dtype=np.int64)
    for d, c in axis:
        any_split |= split[:, d]
        where += np.where(split[:, d], pos[:, d], 0)
        stride += np.where(split[:, d], c * blocks[:, d], 0)
    ok = (extent == lay.blocks[i]) & (lay.parts[i] == 1)
    if lay.axes[i] >= 0:
        return ok & any_split & (where == lay.axes[i]) & (stride == lay.stride(i))
    return ok & ~any_split


def relayout_cycles(target: Target, have: Layout, want: Layout, elem_bytes: int) -> float:
    """Estimated re-layout between two layouts of one tensor: 0 if equal, else every core
    fetches its whole block (the simulator charges only what is really missing). Through a
    global buffer (Target.has_global_buffer): the tensor is written out once and every core
    of `want` reads its block in."""
    if have == want:
        return 0.0
    local = 1
    for b, p in zip(want.blocks, want.parts):
        local *= b // p
    cores = prod(want.grid)
    if target.has_global_buffer:  # written out once, every core of `want` reads its block in
        return _exchange_cycles(target, local * elem_bytes, cores, layout_elements(have) * elem_bytes,
                                cores * local * elem_bytes)
    return _exchange_cycles(target, local * elem_bytes, cores)


def layout_elements(layout: Layout) -> int:
    """Elements of the tensor a layout covers (one copy): per axis, the span of its blocks
    over the grid dim it follows (a whole axis: one block)."""
    n = 1
    for i, (axis, block) in enumerate(zip(layout.axes, layout.blocks)):
        n *= (layout.grid[axis] - 1) * layout.stride(i) + block if axis >= 0 else block
    return n


_EXCHANGE: dict[tuple, tuple[Target, float]] = {}


def _exchange_cycles(target: Target, nbytes: int, cores: int, written: int = 0, read: int = 0) -> float:
    """The re-layout estimate for one size, memoised (the whole-model choice asks for the same
    few sizes tens of thousands of times, and the formulas are written for arrays): through the
    global buffer (`exchange_cycles` with the bytes written and read) on a target that has one,
    else `relayout_cycles` on `cores` cores (exchange_cycles on a crossbar)."""
    key = (id(target), nbytes, cores, written, read)
    hit = _EXCHANGE.get(key)
    if hit is None or hit[0] is not target:
        value = (target.exchange_cycles(nbytes, written, read) if target.has_global_buffer
                 else target.relayout_cycles(nbytes, cores))
        hit = _EXCHANGE[key] = (target, float(value))
    return hit[1]


def roofline_cycles(space: OpSpace, target: Target, dtype: str) -> float:
    """Compute-bound time of the op on the whole chip (contractions on the matrix unit)."""
    return target.roofline_cycles(space.flops(), dtype) if space.kind == "contraction" else 0.0
