"""Per-operator plan search: enumerate spatial factorisations and ring (temporal) splits,
cost them all at once with numpy under the target's formulas, keep the fastest that fits.

The spine search allows at most one rotating operand per plan; the full T10 space (several
rotating tensors, divisibility chains, Pareto frontiers) extends `_configs`.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

import numpy as np

from tilefabric.errors import TileFabricError
from tilefabric.planner.op_space import OpSpace
from tilefabric.planner.plan import Layout, Plan
from tilefabric.target import Target

RING_FACTORS = (2, 3, 4, 6, 8, 12, 16)


@dataclass(frozen=True)
class Incoming:
    """An input already on chip in `layout`: matching it avoids a re-layout."""

    operand: int
    layout: Layout


def _dim_candidates(space: OpSpace, d: int, cores: int) -> list[int]:
    n = space.sizes[d]
    if not space.can_split(d):
        return [1]
    if not space.can_pad(d):
        return [f for f in range(1, min(n, cores) + 1) if n % f == 0]
    # The smallest factor giving each distinct block size dominates the larger ones.
    best: dict[int, int] = {}
    for f in range(1, min(n, cores) + 1):
        best.setdefault(-(-n // f), f)
    return sorted(best.values())


def spatial_candidates(space: OpSpace, cores: int) -> np.ndarray:
    grid = np.ones((1, 0), dtype=np.int64)
    for d in range(space.n_dims):
        cand = np.asarray(_dim_candidates(space, d, cores), dtype=np.int64)
        rows = np.repeat(grid, len(cand), axis=0)
        col = np.tile(cand, len(grid))[:, None]
        grid = np.concatenate([rows, col], axis=1)
        grid = grid[np.prod(grid, axis=1) <= cores]
    return grid


def _configs(space: OpSpace):
    """(rotating operand, dim, parts) options; None = no temporal split."""
    yield None
    for x in range(space.n_inputs):
        for d in sorted(space.dims_of(x)):
            if not space.can_pad(d):
                continue
            for f in RING_FACTORS:
                yield (x, d, f)


def _prod_cols(a: np.ndarray, cols) -> np.ndarray:
    cols = list(cols)
    return np.prod(a[:, cols], axis=1) if cols else np.ones(len(a), dtype=np.int64)


def _evaluate(space: OpSpace, target: Target, F: np.ndarray, config, incoming) -> dict:
    n = np.asarray(space.sizes, dtype=np.int64)
    T = np.ones_like(F)
    if config is not None:
        T[:, config[1]] = config[2]
    B = -(-n // (F * T)) * T
    U = B // T
    eb = space.elem_bytes
    if space.kind == "contraction":
        step = target.contraction_cycles(_prod_cols(U, space.batch), _prod_cols(U, space.m), _prod_cols(U, space.k), _prod_cols(U, space.n), eb)
    else:
        step = target.elementwise_cycles(np.prod(U, axis=1), space.n_inputs)
    steps = np.prod(T, axis=1)
    compute = step * steps
    valid = np.ones(len(F), dtype=bool)
    shift = np.zeros(len(F))
    hot = np.zeros(len(F))
    for x, dims in enumerate(space.operand_dims):
        elems = _prod_cols(B, [d for d in dims if d >= 0]).astype(np.float64)
        xb = space.bytes_of(x)
        if config is not None and config[0] == x:
            replicas = _prod_cols(F, space.missing_dims(x))
            valid &= (replicas % config[2] == 0) & (B[:, config[1]] >= config[2])
            part = elems / config[2] * xb
            shift += steps * (2 * target.sync_cycles + target.transfer_cycles(part))
            hot += part * target.shift_buffers
        else:
            hot += elems * xb
    reduce = np.zeros(len(F))
    if space.reduction_dims:
        copies = _prod_cols(F, space.reduction_dims)
        out_elems = _prod_cols(B, [d for d in space.operand_dims[-1] if d >= 0])
        sync, transfer, comp = target.partial_sum_cycles(out_elems, copies, space.bytes_of(len(space.operand_dims) - 1))
        reduce = sync + transfer + comp
    exchange = np.zeros(len(F))
    for inc in incoming:
        exchange += _relayout_estimate(space, target, F, T, B, inc, config)
    return {"T": T, "compute": compute, "shift": shift, "reduce": reduce, "exchange": exchange,
            "hot": hot, "valid": valid}


def _relayout_estimate(space, target, F, T, B, inc: Incoming, config) -> np.ndarray:
    """Zero where the operand's layout equals the producer's; else a full local re-fetch."""
    lay = inc.layout
    dims = space.operand_dims[inc.operand]
    split = F > 1
    same = np.zeros(len(F), dtype=bool)
    patterns = {tuple(row) for row in np.unique(split, axis=0)} if len(F) else set()
    for pattern in patterns:
        split_dims = [d for d in range(space.n_dims) if pattern[d]]
        grid_len = len(split_dims) or 1
        axes = tuple(split_dims.index(d) if d in split_dims else -1 for d in dims)
        if grid_len != len(lay.grid) or axes != tuple(lay.axes):
            continue
        rows = np.all(split == np.asarray(pattern), axis=1)
        for pos, d in enumerate(split_dims):
            rows &= F[:, d] == lay.grid[pos]
        for i, d in enumerate(dims):
            if d >= 0:
                rows &= B[:, d] == lay.blocks[i]
        same |= rows
    if config is not None and config[0] == inc.operand:
        same[:] = False
    local = _prod_cols(B, [d for d in dims if d >= 0]) * space.bytes_of(inc.operand)
    return np.where(same | (local == 0), 0.0, target.exchange_cycles(local))


def search(space: OpSpace, target: Target, budget_bytes: float, incoming=()) -> Plan:
    F = spatial_candidates(space, target.cores)
    best = None
    for config in _configs(space):
        r = _evaluate(space, target, F, config, incoming)
        total = r["compute"] + r["shift"] + r["reduce"] + r["exchange"]
        ok = r["valid"] & (r["hot"] <= budget_bytes)
        if not ok.any():
            continue
        i = int(np.argmin(np.where(ok, total, np.inf)))
        if best is None or total[i] < best[0]:
            best = (float(total[i]), config, F[i], {k: v[i] for k, v in r.items()})
    if best is None:
        raise TileFabricError(
            f"operator '{space.name}' does not fit: no plan needs <= {int(budget_bytes)} bytes per core on '{target.name}'"
        )
    _, config, f_row, r = best
    temporal = [[1] * space.n_dims for _ in space.operand_dims]
    rotation: tuple[int, ...] = ()
    if config is not None:
        temporal[config[0]][config[1]] = config[2]
        rotation = (config[0],)
    return Plan(
        spatial=tuple(int(v) for v in f_row),
        temporal=tuple(tuple(row) for row in temporal),
        rotation=rotation,
        predicted_cycles=float(r["compute"] + r["shift"] + r["reduce"] + r["exchange"]),
        compute_cycles=float(r["compute"]),
        shift_cycles=float(r["shift"]),
        reduce_cycles=float(r["reduce"]),
        hot_bytes=float(r["hot"]),
    )


def roofline_cycles(space: OpSpace, target: Target, dtype: str) -> float:
    return target.roofline_cycles(space.flops(), dtype) if space.kind == "contraction" else 0.0


__all__ = ["Incoming", "search", "spatial_candidates", "roofline_cycles", "prod"]
