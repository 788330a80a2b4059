"""Per-core boxes of a logical tensor: vectorised index arrays to read or write every core's
block at once, and the bytes a re-layout really moves (what a core does not already hold)."""

from __future__ import annotations

import numpy as np


def box_index(offsets: np.ndarray, extents) -> tuple:
    """Fancy index [cores, *extents] selecting each core's box at `offsets` [cores, rank]."""
    cores, rank = offsets.shape
    index = []
    for a in range(rank):
        shape = [cores] + [1] * rank
        shape[1 + a] = extents[a]
        ar = np.arange(extents[a], dtype=np.int64).reshape([1] + [extents[a] if i == a else 1 for i in range(rank)])
        index.append(offsets[:, a].reshape([cores] + [1] * rank) + ar)
    return tuple(index)


def _axis_blocks(offsets: np.ndarray, extents) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per axis: the distinct box starts, and each core's index among them."""
    starts, which = [], []
    for a in range(offsets.shape[1]):
        u, inv = np.unique(offsets[:, a], return_inverse=True)
        starts.append(u)
        which.append(inv.reshape(-1))
    return starts, which


def row_ids(columns: list[np.ndarray]) -> tuple[int, np.ndarray]:
    """(number of distinct rows, each row's index among them) of the integer columns, one
    column at a time through 1-D np.unique (much faster than np.unique(axis=0) or sets)."""
    n = len(columns[0]) if columns else 0
    ids, count = np.zeros(n, dtype=np.int64), 1
    for col in columns:
        values, inv = np.unique(col, return_inverse=True)
        uniq, ids = np.unique(ids * len(values) + inv.reshape(-1), return_inverse=True)
        count = len(uniq)
    return count, ids.reshape(-1)


def _pick(which: list[np.ndarray]) -> tuple:
    """Index [k0, :, k1, :, ...] per core: the core axis comes first, then the extents."""
    out: list = []
    for w in which:
        out += [w, slice(None)]
    return tuple(out)


def read_boxes(tensor: np.ndarray, offsets: np.ndarray, local) -> np.ndarray:
    """[cores, *local] blocks of `tensor`; positions past its end read as 0 (padding).

    Boxes are cut axis by axis (each axis gathers its few distinct blocks), then each core
    picks its block combination: no [cores, *local] index arrays, which dominated time."""
    if not len(offsets):
        return np.zeros((0,) + tuple(local), dtype=tensor.dtype)
    if tensor.ndim == 0:  # a scalar: every core's box is the whole of it
        return np.broadcast_to(tensor, (len(offsets),)).copy()
    need = np.maximum((offsets + np.asarray(local)).max(axis=0), tensor.shape)
    if tuple(need) != tensor.shape:
        padded = np.zeros(tuple(int(n) for n in need), dtype=tensor.dtype)
        padded[tuple(slice(0, n) for n in tensor.shape)] = tensor
        tensor = padded
    starts, which = _axis_blocks(offsets, local)
    cut = tensor
    for a, (u, e) in enumerate(zip(starts, local)):
        index = (u[:, None] + np.arange(e)).reshape(-1)
        cut = np.take(cut, index, axis=2 * a)
        cut = cut.reshape(cut.shape[: 2 * a] + (len(u), e) + cut.shape[2 * a + 1:])
    return cut[_pick(which)]


def write_boxes(shape, dtype, blocks: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Assemble the logical tensor from per-core blocks (padding dropped, replicas overwrite)."""
    local = blocks.shape[1:]
    if not local:  # a scalar: every core holds it (replicas overwrite, the last one wins)
        return np.array(blocks[-1] if len(blocks) else 0, dtype=dtype).reshape(())
    need = np.maximum((offsets + np.asarray(local)).max(axis=0), shape)
    out = np.zeros(tuple(int(n) for n in need), dtype=dtype)
    starts, which = _axis_blocks(offsets, local)
    if row_ids(which)[0] == int(np.prod([len(u) for u in starts])):
        # every combination of per-axis blocks is some core's box: place them axis by axis
        cut = np.zeros(tuple(n for u, e in zip(starts, local) for n in (len(u), e)), dtype=dtype)
        cut[_pick(which)] = blocks
        flat = cut.reshape(tuple(len(u) * e for u, e in zip(starts, local)))
        out[np.ix_(*[(u[:, None] + np.arange(e)).reshape(-1) for u, e in zip(starts, local)])] = flat
    else:
        out[box_index(offsets, local)] = blocks
    return out[tuple(slice(0, s) for s in shape)]


def place(tensor: np.ndarray, low, high) -> np.ndarray:
    """The tensor in destination coordinates: padded by positive, cropped by negative low/high."""
    crop = tuple(slice(max(-a, 0), n - max(-b, 0)) for n, a, b in zip(tensor.shape, low, high))
    return np.pad(tensor[crop], tuple((max(a, 0), max(b, 0)) for a, b in zip(low, high)))


def same_core_cells(src_place: np.ndarray, dst_place: np.ndarray) -> np.ndarray:
    """Per destination cell: the source cell on the same physical core, -1 when no source cell
    sits there (placements: physical core of each cell, dataflow.placement_of)."""
    src_place, dst_place = np.asarray(src_place, dtype=np.int64), np.asarray(dst_place, dtype=np.int64)
    size = int(max(src_place.max(initial=-1), dst_place.max(initial=-1))) + 1
    cell = np.full(size, -1, dtype=np.int64)
    cell[src_place] = np.arange(len(src_place))
    return cell[dst_place]


def received_elements(src_off, src_local, dst_off, dst_local, shape, low=None, same_core=None) -> np.ndarray:
    """Per destination core: elements of its box it must receive (tensor data not in its own
    source box). `low`: the tensor starts there in the destination's (padded) coordinates;
    padding positions are not received (they are filled locally). `same_core`: per destination
    cell, the source cell on its physical core or -1 (default: cell i on core i on both sides)."""
    cores = len(dst_off)
    low = np.zeros(len(shape), dtype=np.int64) if low is None else np.asarray(low, dtype=np.int64)
    dst = np.asarray(dst_off, dtype=np.int64).reshape(cores, len(shape)) - low  # in tensor coordinates
    start = np.maximum(dst, 0)
    need = np.prod(np.clip(np.minimum(dst + np.asarray(dst_local), np.asarray(shape)) - start, 0, None), axis=1)
    own = np.zeros(cores, dtype=np.int64)
    if same_core is None:
        same_core = np.where(np.arange(cores) < len(src_off), np.arange(cores), -1)
    rows = np.nonzero(same_core >= 0)[0]
    if len(rows):
        so = np.asarray(src_off, dtype=np.int64)[same_core[rows]]
        lo = np.maximum(start[rows], so)
        hi = np.minimum(np.minimum(dst[rows] + np.asarray(dst_local), so + np.asarray(src_local)), np.asarray(shape))
        own[rows] = np.prod(np.clip(hi - lo, 0, None), axis=1)
    return need - own
