"""Evaluate affine maps on numpy arrays: one call gives a map's value on every core at once.

Used by the dataflow verifiers (bounds and permutation checks over the whole grid) and by the
simulator (per-core offsets and ring sources), so both read the IR the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import prod

import numpy as np
from xdsl.ir.affine import (
    AffineBinaryOpExpr,
    AffineBinaryOpKind,
    AffineConstantExpr,
    AffineDimExpr,
    AffineExpr,
    AffineMap,
    AffineSymExpr,
)


def eval_expr(expr: AffineExpr, dims: Sequence[np.ndarray], symbols: Sequence[int]):
    if isinstance(expr, AffineDimExpr):
        return dims[expr.position]
    if isinstance(expr, AffineSymExpr):
        return symbols[expr.position]
    if isinstance(expr, AffineConstantExpr):
        return expr.value
    assert isinstance(expr, AffineBinaryOpExpr)
    lhs = eval_expr(expr.lhs, dims, symbols)
    rhs = eval_expr(expr.rhs, dims, symbols)
    kind = expr.kind
    if kind == AffineBinaryOpKind.Add:
        return lhs + rhs
    if kind == AffineBinaryOpKind.Mul:
        return lhs * rhs
    if kind == AffineBinaryOpKind.Mod:
        return lhs % rhs
    if kind == AffineBinaryOpKind.FloorDiv:
        return lhs // rhs
    if kind == AffineBinaryOpKind.CeilDiv:
        return -((-lhs) // rhs)
    raise ValueError(f"unknown affine op {kind}")


def grid_coords(grid: Sequence[int]) -> list[np.ndarray]:
    """Row-major coordinates of every core of a grid: one int64 array per grid dim."""
    idx = np.arange(prod(grid), dtype=np.int64)
    return list(np.unravel_index(idx, tuple(grid))) if grid else []


def eval_on_grid(m: AffineMap, grid: Sequence[int], symbols: Sequence[int] = ()) -> np.ndarray:
    """Array [cores, results] of the map at every grid point (core id = row-major index)."""
    coords = grid_coords(grid)
    n = prod(grid)
    cols = [np.broadcast_to(np.asarray(eval_expr(e, coords, symbols), dtype=np.int64), (n,)) for e in m.results]
    return np.stack(cols, axis=1) if cols else np.zeros((n, 0), dtype=np.int64)


def linear_core(coords: np.ndarray, grid: Sequence[int]) -> np.ndarray:
    """Row-major core ids of grid coordinates [cores, rank]."""
    return np.ravel_multi_index(tuple(coords.T), tuple(grid)) if len(grid) else np.zeros(len(coords), np.int64)
