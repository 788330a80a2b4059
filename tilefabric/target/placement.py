"""Candidate placements of a core grid on a 2-D mesh / torus: which PHYSICAL core holds each
grid cell (row-major over the grid), pure numpy, no IR. The `place-cores` pass prices them
with the Target's routing (passes/place_cores.py); docs/placement.md explains the choice.

A placement is an int64 array `ids` with ids[cell] = physical core (row-major on the mesh:
core = row * cols + col); it is injective and stays below rows * cols.

Candidates:
- row-major: ids = cell (what every buffer gets without `place`);
- rectangles: the grid axes in some order, the first few spanning mesh rows and the rest
  mesh columns (mixed radix), so an axis runs along one mesh dimension instead of wrapping
  around mesh rows;
- snakes: the grid axes in some order, linearised and laid boustrophedon over the mesh rows
  (consecutive cells always one hop apart, whatever the grid's shape);
- each of those with the ring axes *folded*: a ring of length L along an axis visits line
  positions 0, 2, 4, ..., 5, 3, 1, so every ring neighbour is at most 2 cells away on the line
  and the wrap-around is 1 (no long way back);
- loops: every ring (cycle of a shift permutation) of length L on its own 2 x L/2 tile of the
  mesh, walked as a closed loop (top row left to right, bottom row back): every shift is one
  hop (L even) and uses its own links.
"""

from __future__ import annotations

from itertools import permutations
from math import prod

import numpy as np


def row_major(cells: int) -> np.ndarray:
    return np.arange(cells, dtype=np.int64)


def is_bijection(ids: np.ndarray, cores: int) -> bool:
    """Distinct physical cores, all on the chip."""
    ids = np.asarray(ids)
    return bool(len(np.unique(ids)) == len(ids) and (len(ids) == 0 or (ids.min() >= 0 and ids.max() < cores)))


def cycles_of(sources: np.ndarray) -> list[np.ndarray]:
    """The cycles of a permutation (cell d receives from sources[d]), each in the order data
    flows backwards: c, sources[c], sources[sources[c]], ...; fixed points left out. Starts at
    each cycle's smallest cell, cycles ordered by that cell."""
    sources = np.asarray(sources, dtype=np.int64)
    n = len(sources)
    seen = np.zeros(n, dtype=bool)
    out = []
    for start in range(n):  # one pass per cycle, not per cell: the inner walk marks its cells
        if seen[start] or sources[start] == start:
            seen[start] = True
            continue
        cyc = [start]
        seen[start] = True
        c = int(sources[start])
        while c != start:
            cyc.append(c)
            seen[c] = True
            c = int(sources[c])
        out.append(np.asarray(cyc, dtype=np.int64))
    return out


def fold(x: np.ndarray, length: int) -> np.ndarray:
    """Ring position -> line position within each run of `length`: 0, 2, 4, ... going out and
    the odd positions coming back, so ring neighbours are at most 2 apart and the wrap is 1."""
    if length <= 2:
        return x
    q, p = np.divmod(x, length)
    half = (length + 1) // 2
    return q * length + np.where(p < half, 2 * p, 2 * (length - 1 - p) + 1)


def _coords(grid) -> np.ndarray:
    """[cells, rank] grid coordinates, row-major."""
    return np.indices(tuple(grid)).reshape(len(grid), -1).T.astype(np.int64)


def _mixed(coords: np.ndarray, grid, axes) -> np.ndarray:
    out = np.zeros(len(coords), dtype=np.int64)
    for a in axes:
        out = out * grid[a] + coords[:, a]
    return out


def _folded(coords: np.ndarray, rings: dict[int, int]) -> np.ndarray:
    out = coords.copy()
    for a, length in rings.items():
        out[:, a] = fold(out[:, a], length)
    return out


def snake(line: np.ndarray, cols: int) -> np.ndarray:
    """Linear positions laid boustrophedon over mesh rows of `cols` cores."""
    r, c = np.divmod(np.asarray(line, dtype=np.int64), cols)
    return r * cols + np.where(r % 2 == 1, cols - 1 - c, c)


def loops(rings: list[np.ndarray], cells: int, shape: tuple[int, int]) -> np.ndarray | None:
    """Every ring on its own 2 x L/2 tile walked as a closed loop (tiles row-major over the
    mesh); cells in no ring fill the cores left over, in order. None if the rings differ in
    length, have odd length, or do not fit."""
    rows, cols = shape
    if not rings or len({len(r) for r in rings}) != 1:
        return None
    length = len(rings[0])
    if length % 2 or length < 4:
        return None  # a ring of 2 is one hop anyway; an odd ring cannot close on a mesh
    half = length // 2
    across, down = cols // half, rows // 2
    if across * down < len(rings):
        return None
    k = np.arange(len(rings))
    tile_r, tile_c = np.divmod(k, across)
    p = np.arange(length)
    r_in = (p >= half).astype(np.int64)
    c_in = np.where(p < half, p, length - 1 - p)
    core = (2 * tile_r[:, None] + r_in[None, :]) * cols + tile_c[:, None] * half + c_in[None, :]
    ids = np.full(cells, -1, dtype=np.int64)
    ids[np.concatenate(rings)] = core.ravel()
    rest = np.nonzero(ids < 0)[0]
    if len(rest):
        free = np.setdiff1d(np.arange(rows * cols), core.ravel())[: len(rest)]
        if len(free) < len(rest):
            return None
        ids[rest] = free
    return ids


def candidates(grid, shape: tuple[int, int], rings: dict[int, int], cycles: list[np.ndarray] | None = None,
               ring_only: bool = False) -> list[tuple[str, np.ndarray]]:
    """(name, ids) placements of `grid` on a rows x cols mesh, row-major first, duplicates
    removed. `rings`: grid axis -> ring length for shifts that move along one axis only;
    `cycles`: the rings of the op's main shift (for loops). `ring_only`: only placements that
    fold or loop the rings (plus row-major when there is none)."""
    grid = tuple(int(g) for g in grid)
    rows, cols = (int(s) for s in shape)
    cells = prod(grid)
    coords = _coords(grid)
    out: list[tuple[str, np.ndarray]] = []
    seen: set[bytes] = set()

    def add(name: str, ids: np.ndarray | None) -> None:
        if ids is None or not is_bijection(ids, rows * cols):
            return
        key = ids.tobytes()
        if key not in seen:
            seen.add(key)
            out.append((name, ids))

    if not ring_only or not rings:
        add("row-major", row_major(cells))
    if cycles:
        add("loops", loops(cycles, cells, (rows, cols)))
    variants = [("folded", _folded(coords, rings))] if rings else []
    if not ring_only:
        variants.insert(0, ("", coords))
    for label, c in variants:
        for order in permutations(range(len(grid))):
            tag = ",".join(map(str, order)) + (f" {label}" if label else "")
            for s in range(len(order) + 1):
                down, across = order[:s], order[s:]
                if prod(grid[a] for a in down) <= rows and prod(grid[a] for a in across) <= cols:
                    add(f"rect[{tag} | {s}]", _mixed(c, grid, down) * cols + _mixed(c, grid, across))
            if cells <= rows * cols:
                add(f"snake[{tag}]", snake(_mixed(c, grid, order), cols))
    return out
