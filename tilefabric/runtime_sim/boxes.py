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


def read_boxes(tensor: np.ndarray, offsets: np.ndarray, local) -> np.ndarray:
    """[cores, *local] blocks of `tensor`; positions past its end read as 0 (padding)."""
    need = np.maximum((offsets + np.asarray(local)).max(axis=0), tensor.shape) if len(offsets) else tensor.shape
    padded = np.zeros(tuple(int(n) for n in need), dtype=tensor.dtype)
    padded[tuple(slice(0, s) for s in tensor.shape)] = tensor
    return padded[box_index(offsets, local)]


def write_boxes(shape, dtype, blocks: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Assemble the logical tensor from per-core blocks (padding dropped, replicas overwrite)."""
    local = blocks.shape[1:]
    need = np.maximum((offsets + np.asarray(local)).max(axis=0), shape)
    out = np.zeros(tuple(int(n) for n in need), dtype=dtype)
    out[box_index(offsets, local)] = blocks
    return out[tuple(slice(0, s) for s in shape)]


def received_elements(src_off, src_local, dst_off, dst_local, shape, low=None) -> np.ndarray:
    """Per destination core: elements of its box it must receive (tensor data not in its own
    source box). `low`: the tensor starts there in the destination's (padded) coordinates;
    padding positions are not received (they are filled locally)."""
    cores = len(dst_off)
    low = np.zeros(len(shape), dtype=np.int64) if low is None else np.asarray(low, dtype=np.int64)
    dst = np.asarray(dst_off, dtype=np.int64).reshape(cores, len(shape)) - low  # in tensor coordinates
    start = np.maximum(dst, 0)
    need = np.prod(np.clip(np.minimum(dst + np.asarray(dst_local), np.asarray(shape)) - start, 0, None), axis=1)
    own = np.zeros(cores, dtype=np.int64)
    n = min(cores, len(src_off))
    if n:
        lo = np.maximum(start[:n], src_off[:n])
        hi = np.minimum(np.minimum(dst[:n] + np.asarray(dst_local), src_off[:n] + np.asarray(src_local)), np.asarray(shape))
        own[:n] = np.prod(np.clip(hi - lo, 0, None), axis=1)
    return need - own
