"""Turn a tensor layout on a core grid into affine maps over grid coordinates: where each
core's block starts, which part of a ring it holds, and whom it receives from on a shift.

Ring convention: the cores sharing one sub-tensor differ only in the grid dims that do not
index the tensor; number them r in row-major order; ring position p = r mod R (R = parts), so
rings are runs of R consecutive r. Core p initially holds part p; a shift passes parts from
p+1 to p, so after s shifts core p holds part (p + s) mod R.
"""

from __future__ import annotations

from math import prod

from xdsl.ir.affine import AffineExpr, AffineMap

from tilefabric.planner.plan import Layout


def _const(v: int) -> AffineExpr:
    return AffineExpr.constant(v)


def _dims(rank: int) -> list[AffineExpr]:
    return [AffineExpr.dimension(i) for i in range(rank)]


def missing_grid_dims(layout: Layout) -> list[int]:
    return [g for g in range(len(layout.grid)) if g not in layout.axes]


def ring_size(layout: Layout) -> int:
    return prod(layout.parts)


def _ring_linear(layout: Layout, c: list[AffineExpr]) -> AffineExpr:
    expr, stride = _const(0), 1
    for g in reversed(missing_grid_dims(layout)):
        expr = expr + c[g] * stride
        stride *= layout.grid[g]
    return expr


def part_exprs(layout: Layout, c: list[AffineExpr], step: AffineExpr | None) -> list[AffineExpr]:
    """Per tensor axis: index of the part core c holds (after `step` shifts)."""
    R = ring_size(layout)
    if R == 1:
        return [_const(0)] * len(layout.axes)
    q = _ring_linear(layout, c) % R
    if step is not None:
        q = (q + step) % R
    out, inner = [], 1
    for i in reversed(range(len(layout.axes))):
        p = layout.parts[i]
        out.append((q // inner % p) if p > 1 else _const(0))
        inner *= p
    return out[::-1]


def shifts_so_far(sym: list[AffineExpr], counts: list[int], level: int) -> AffineExpr:
    """Shifts ring `level` has made before step (s0, s1, ...) of nested rings that shift only
    between their steps: every completed pass of the outer rings cost it counts[level] − 1."""
    outer = _const(0)
    for j in range(level):
        outer = outer * counts[j] + sym[j]
    return outer * (counts[level] - 1) + sym[level]


def offsets_map(layout: Layout, displaced: int = 0) -> AffineMap:
    """Element offset of core c's local buffer in the whole tensor, per axis (after the ring
    has been shifted `displaced` times)."""
    c = _dims(len(layout.grid))
    parts = part_exprs(layout, c, _const(displaced) if displaced else None)
    results = []
    for i, g in enumerate(layout.axes):
        block_start = c[g] * layout.stride(i) if g >= 0 else _const(0)
        results.append(block_start + parts[i] * (layout.blocks[i] // layout.parts[i]))
    return AffineMap(len(layout.grid), 0, tuple(results))


def shift_source_map(layout: Layout) -> AffineMap:
    """Core c receives from the core one ring position ahead (same ring, same block)."""
    c = _dims(len(layout.grid))
    R = ring_size(layout)
    r = _ring_linear(layout, c)
    r_next = r // R * R + (r % R + 1) % R
    results = list(c)
    stride = 1
    for g in reversed(missing_grid_dims(layout)):
        results[g] = r_next // stride % layout.grid[g] if stride > 1 else r_next % layout.grid[g]
        stride *= layout.grid[g]
    return AffineMap(len(layout.grid), 0, tuple(results))


def where_nonzero_map(grid, dims) -> AffineMap:
    """A map that is non-zero exactly on cores whose coordinate along any of `dims` is non-zero."""
    c = _dims(len(grid))
    expr, stride = _const(0), 1
    for g in reversed(list(dims)):
        expr = expr + c[g] * stride
        stride *= grid[g]
    return AffineMap(len(grid), 0, (expr,))
