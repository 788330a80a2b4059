"""Where the stages of a pipelined group sit on the mesh: one physical core set per stage.

A pipelined group runs its stages at once on disjoint core regions. The organisation decides
how those regions are laid out (PipeOrgan, docs/pipelining.md):

- `blocks`: each stage one contiguous run of row-major core ids (prior work's "a large
  contiguous chunk per layer"): short intra-stage routes, but a tile forwarded to the next
  stage crosses the whole chunk.
- `striped`: every mesh column belongs to one stage, the columns dealt out in a repeating
  pattern in proportion to the stage sizes; each stage spans every row, so a consumer core
  finds its producer in the same row a few columns away.
- `interleaved`: cores dealt out along a Z-order (Morton) walk of the mesh in proportion to
  the stage sizes, so every small square of the mesh holds cores of every stage and each
  consumer tile sits next to its producer tile; intra-stage routes get longer.

A stage's cores are listed in its logical order (the order of its plan's grid cells): the
order of the walk, so logically consecutive cores are physically close. Plain numpy, no IR.
"""

from __future__ import annotations

import numpy as np

from tilefabric.errors import TileFabricError

ORGANISATIONS = ("blocks", "striped", "interleaved")


def split_cores(work: list[float], cores: int) -> list[int]:
    """Cores per stage in proportion to its work (a balanced wavefront), each >= 1, summing
    to `cores` (largest remainders get the leftovers)."""
    if cores < len(work):
        raise TileFabricError(f"cannot pipeline {len(work)} stages on {cores} cores")
    w = np.maximum(np.asarray(work, dtype=np.float64), 1e-9)
    share = w / w.sum() * (cores - len(work))
    n = np.floor(share).astype(np.int64) + 1
    left = cores - int(n.sum())
    order = np.argsort(-(share - np.floor(share)), kind="stable")
    n[order[:left]] += 1
    return [int(x) for x in n]


def _deal(counts: list[int]) -> np.ndarray:
    """A sequence of stage ids, counts[s] of each, every prefix as close to proportional as
    possible (each next slot goes to the stage furthest behind its share)."""
    total = sum(counts)
    if not total:
        return np.zeros(0, dtype=np.int64)
    # stage s's k-th slot ideally at (k + 0.5) * total / counts[s]; sort all slots by that
    keys = np.concatenate([(np.arange(n) + 0.5) * total / n for n in counts if n])
    ids = np.concatenate([np.full(n, s) for s, n in enumerate(counts) if n])
    return ids[np.argsort(keys, kind="stable")].astype(np.int64)


def _morton_walk(rows: int, cols: int) -> np.ndarray:
    """Row-major core ids in Z-order (interleaved bits of row and column)."""
    r, c = np.divmod(np.arange(rows * cols, dtype=np.int64), cols)
    key = np.zeros_like(r)
    for bit in range(int(max(rows, cols)).bit_length()):
        key |= ((c >> bit) & 1) << (2 * bit)
        key |= ((r >> bit) & 1) << (2 * bit + 1)
    return np.argsort(key, kind="stable")


def stage_regions(mesh_shape: tuple[int, int], counts: list[int], organisation: str) -> list[np.ndarray]:
    """Physical core ids of each stage (len counts[s]), in logical order; disjoint."""
    rows, cols = (int(x) for x in mesh_shape)
    total = rows * cols
    if sum(counts) > total:
        raise TileFabricError(f"{sum(counts)} cores requested on a {rows}x{cols} mesh")
    if organisation == "blocks":
        ends = np.cumsum(counts)
        return [np.arange(e - n, e, dtype=np.int64) for n, e in zip(counts, ends)]
    if organisation == "striped":
        # whole columns per stage (enough for its cores), dealt out in a repeating pattern;
        # a stage takes its counts[s] cores from its columns in row-major order
        col_counts = [-(-n // rows) for n in counts]
        if sum(col_counts) > cols:
            raise TileFabricError(f"cannot stripe stages of {counts} cores over {cols} columns of {rows}")
        owner = _deal(col_counts)  # stage of each used column
        ids = np.arange(total, dtype=np.int64).reshape(rows, cols)
        out = []
        for s, n in enumerate(counts):
            out.append(ids[:, : len(owner)][:, owner == s].reshape(-1)[:n])
        return out
    if organisation == "interleaved":
        walk = _morton_walk(rows, cols)[: sum(counts)]
        owner = _deal(counts)
        return [walk[owner == s] for s in range(len(counts))]
    raise TileFabricError(f"unknown organisation '{organisation}' (available: {', '.join(ORGANISATIONS)})")


def rank_matched(producer: np.ndarray, consumer: np.ndarray) -> np.ndarray:
    """For each consumer core (logical j of m), the producer core at the same relative rank
    (logical floor(j * n / m) of n): who holds the rows a consumer tile reads when both stages
    cut the feature map the same way. The planner's proxy for the forwarded transfers."""
    n, m = len(producer), len(consumer)
    return producer[(np.arange(m) * n) // m]
