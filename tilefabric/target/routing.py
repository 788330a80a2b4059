"""What one communication step puts on the links of a 2-D mesh or torus.

Dimension-order (XY) routing: a transfer first travels along the source's row (X, columns)
to the destination's column, then along that column (Y, rows) to the destination. On a torus
each dimension goes the shorter way round, east / south on a tie. Loads are bytes per
*directed* link, indexed by the router the link leaves: `loads[EAST, r, c]` is the link
(r, c) → (r, c+1), `WEST` (r, c) → (r, c−1), `SOUTH` (r, c) → (r+1, c), `NORTH`
(r, c) → (r−1, c), column / row indices wrapping on a torus.

Express links (a mesh with `express_stride = s` ≥ 2): every router also has a link to the
router `s` away in each direction (where that router exists). A dimension's move of `d` hops
takes `⌊d/s⌋` express hops first, then `d mod s` normal hops. Express loads are kept in a
separate array of the same layout: `express[EAST, r, c]` is the link (r, c) → (r, c+s).

Everything is numpy over all transfers of a step at once: a transfer's path is a run of
consecutive links in one row and one column (express runs: every s-th router), added with
difference arrays (no loop per transfer, per element or per hop).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EAST, WEST, SOUTH, NORTH = range(4)
DIRECTIONS = ("east", "west", "south", "north")


def row_major(cores, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(row, col) of logical core ids placed row-major on a rows × cols mesh."""
    return np.divmod(np.asarray(cores, dtype=np.int64), int(shape[1]))


def _signed_steps(a: np.ndarray, b: np.ndarray, n: int, torus: bool) -> np.ndarray:
    """Signed hops from a to b along one dimension of size n (+: east/south)."""
    if not torus:
        return b - a
    forward = (b - a) % n
    return np.where(forward <= n - forward, forward, forward - n)


def xy_steps(src_rc, dst_rc, shape: tuple[int, int], torus: bool) -> tuple[np.ndarray, np.ndarray]:
    """Signed column hops (X, first) and row hops (Y, second) of each transfer."""
    (r1, c1), (r2, c2) = src_rc, dst_rc
    return _signed_steps(c1, c2, int(shape[1]), torus), _signed_steps(r1, r2, int(shape[0]), torus)


def _split(d: np.ndarray, express: int) -> tuple[np.ndarray, np.ndarray]:
    """(express hops, normal hops) of |d| hops along one dimension."""
    d = np.abs(d)
    if express < 2:
        return np.zeros_like(d), d
    return d // express, d % express


def hop_counts(src_rc, dst_rc, shape: tuple[int, int], torus: bool, express: int = 0) -> np.ndarray:
    """Links crossed (express and normal) by each transfer's XY route."""
    dx, dy = xy_steps(src_rc, dst_rc, shape, torus)
    (qx, rx), (qy, ry) = _split(dx, express), _split(dy, express)
    return qx + rx + qy + ry


def add_runs(loads: np.ndarray, line: np.ndarray, start: np.ndarray, length: np.ndarray, weight) -> None:
    """loads[line, (start + i) mod n] += weight for i in [0, length), for every run at once:
    difference arrays over two turns of the ring (0 ≤ start < n, length ≤ n), folded back."""
    weight = np.broadcast_to(np.asarray(weight, dtype=np.float64), np.shape(line))
    keep = length > 0
    if not keep.any():
        return
    lines, n = loads.shape
    width = 2 * n + 1
    at = np.concatenate([line[keep] * width + start[keep], line[keep] * width + start[keep] + length[keep]])
    w = np.concatenate([weight[keep], -weight[keep]])
    runs = np.cumsum(np.bincount(at, weights=w, minlength=lines * width).reshape(lines, width), axis=1)
    loads += runs[:, :n] + runs[:, n: 2 * n]


def add_strided_runs(loads: np.ndarray, line: np.ndarray, start: np.ndarray, count: np.ndarray, stride: int,
                     weight) -> None:
    """loads[line, start + i·stride] += weight for i in [0, count), no wrap (a mesh): each
    residue class mod `stride` of a line is a line of its own, where the run is consecutive."""
    lines, n = loads.shape
    per = -(-n // stride)
    padded = np.zeros((lines * stride, per))
    add_runs(padded, line * stride + start % stride, start // stride, count, weight)
    # padded[line·s + k, j] is position j·s + k of the line
    folded = padded.reshape(lines, stride, per).transpose(0, 2, 1).reshape(lines, per * stride)
    loads += folded[:, :n]


def link_mask(shape: tuple[int, int], torus: bool) -> np.ndarray:
    """[4, rows, cols]: which directed links exist (a mesh has none leaving its edges)."""
    rows, cols = (int(x) for x in shape)
    mask = np.zeros((4, rows, cols), dtype=bool)
    if torus:
        mask[(EAST, WEST), :, :] = cols > 1
        mask[(SOUTH, NORTH), :, :] = rows > 1
        return mask
    mask[EAST, :, : cols - 1] = True
    mask[WEST, :, 1:] = True
    mask[SOUTH, : rows - 1, :] = True
    mask[NORTH, 1:, :] = True
    return mask


def express_mask(shape: tuple[int, int], stride: int) -> np.ndarray:
    """[4, rows, cols]: which directed express links exist on a mesh (none leave the edge)."""
    rows, cols = (int(x) for x in shape)
    mask = np.zeros((4, rows, cols), dtype=bool)
    if stride < 2:
        return mask
    mask[EAST, :, : max(cols - stride, 0)] = True
    mask[WEST, :, stride:] = True
    mask[SOUTH, : max(rows - stride, 0), :] = True
    mask[NORTH, stride:, :] = True
    return mask


@dataclass(frozen=True)
class LinkStep:
    """One communication step routed over the links: its bytes per directed link, its most
    loaded link and its longest route, which set its time (Target.step_cycles)."""

    loads: np.ndarray  # [4, rows, cols] bytes, see the module docstring
    busiest_bytes: float
    hops_max: int
    transfers: int  # transfers that leave their core (src != dst, bytes > 0)
    express: np.ndarray | None = None  # [4, rows, cols] bytes on express links (None: the mesh has none)


def route(src_rc, dst_rc, nbytes, shape: tuple[int, int], torus: bool, express: int = 0) -> LinkStep:
    """Route the transfers src → dst (`nbytes` each, or one size for all) of one step;
    `express` ≥ 2: the mesh's express-link stride (module docstring)."""
    rows, cols = (int(x) for x in shape)
    (r1, c1), (r2, c2) = (tuple(np.asarray(v, dtype=np.int64) for v in rc) for rc in (src_rc, dst_rc))
    weight = np.broadcast_to(np.asarray(nbytes, dtype=np.float64), r1.shape)
    dx, dy = xy_steps((r1, c1), (r2, c2), shape, torus)
    moving = ((dx != 0) | (dy != 0)) & (weight > 0)
    r1, c1, r2, c2, dx, dy, weight = (a[moving] for a in (r1, c1, r2, c2, dx, dy, weight))
    loads = np.zeros((4, rows, cols))
    fast = np.zeros((4, rows, cols)) if express >= 2 else None
    (qx, east_west), (qy, south_north) = _split(dx, express), _split(dy, express)
    sx, sy = np.sign(dx), np.sign(dy)
    if fast is not None:  # express hops first: from c1 every s-th router (X), from r1 (Y)
        s = express
        add_strided_runs(fast[EAST], r1, c1, np.where(sx > 0, qx, 0), s, weight)
        add_strided_runs(fast[WEST], r1, c1 - (qx - 1) * s, np.where(sx < 0, qx, 0), s, weight)
        add_strided_runs(fast[SOUTH].T, c2, r1, np.where(sy > 0, qy, 0), s, weight)
        add_strided_runs(fast[NORTH].T, c2, r1 - (qy - 1) * s, np.where(sy < 0, qy, 0), s, weight)
    # then the normal hops, from where the express hops ended
    cx, ry = c1 + sx * qx * express, r1 + sy * qy * express  # qx = qy = 0 without express links
    east, west = np.where(sx > 0, east_west, 0), np.where(sx < 0, east_west, 0)
    south, north = np.where(sy > 0, south_north, 0), np.where(sy < 0, south_north, 0)
    # X in the source row: east from cx covers cx … cx+east−1; west covers cx−west+1 … cx
    add_runs(loads[EAST], r1, cx % cols, east, weight)
    add_runs(loads[WEST], r1, (cx - west + 1) % cols, west, weight)
    # then Y in the destination column (the transposed view indexes [col, row])
    add_runs(loads[SOUTH].T, c2, ry % rows, south, weight)
    add_runs(loads[NORTH].T, c2, (ry - north + 1) % rows, north, weight)
    hops = qx + east_west + qy + south_north
    busiest = max(float(loads.max(initial=0.0)), float(fast.max(initial=0.0)) if fast is not None else 0.0)
    return LinkStep(loads=loads, busiest_bytes=busiest, hops_max=int(hops.max(initial=0)),
                    transfers=int(moving.sum()), express=fast)
