"""Cycles, a lower bound and padding waste of a mapping on sub-operators, from the Target's unit
formulas. Vectorised: U is (rows, loop dims), the extents of one sub-operator per row.

- matrix unit: the instruction runs m x k x n = the products of the dims in each role, once
  per value of the looped dims (L): `L · unit.cycles(M, K, N)` (target/model.py). If an input's
  window axis (`oh·s + kh`) has two or more of its dims inside the instruction (each spanning
  more than one element), the instruction's operand block is an overlapping view the unit
  cannot stream; it is first packed (im2col) on the core: `Target.repack_cycles` of that
  operand's elements. With one dim of each window inside, the block is a plain strided view.
- vector unit: lanes = the product of the e dims, padded to whole vectors of `width`, times
  the looped (reduction) dims: `unit.cycles(⌈lanes/W⌉·W · L, inputs)`.
Padding waste = 1 − useful / performed work: multiply-accumulates on padded blocks (the unit's
block sizes after its m/n orientation) or padded lanes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from tilefabric.isa.kernel import Kernel
from tilefabric.isa.mapping import LOOP, Mapping


def _ceil(a, b):
    return -(-a // b)


@dataclass(frozen=True)
class Shape:
    """A mapping resolved against its kernel and unit: which columns of U play which role."""

    unit: object
    m: tuple[int, ...]
    n: tuple[int, ...]
    k: tuple[int, ...]
    e: tuple[int, ...]
    loop: tuple[int, ...]
    windows: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]  # (inside dims of a window axis, dims of its operand)
    n_inputs: int
    elem_bytes: int


@lru_cache(maxsize=1 << 14)
def shape_of(kernel: Kernel, target, mapping: Mapping) -> Shape:
    unit = target.unit(mapping.unit)
    inside = {d for d, r in enumerate(mapping.roles) if r != LOOP}
    windows = []
    if unit.kind == "matrix":
        for x in mapping.inputs:
            for axis in kernel.windows(x):
                dims = tuple(d for d in axis if d in inside)
                if len(dims) > 1:
                    windows.append((dims, tuple(sorted(kernel.dims(x)))))
    return Shape(unit, mapping.dims("m"), mapping.dims("n"), mapping.dims("k"), mapping.dims("e"),
                 mapping.dims(LOOP), tuple(windows), kernel.n_inputs, kernel.elem_bytes)


def _prod(U: np.ndarray, cols: tuple[int, ...]) -> np.ndarray:
    if not cols:
        return np.ones(len(U), dtype=np.int64)
    return np.prod(U[:, list(cols)], axis=1)


def _packed(s: Shape, U: np.ndarray) -> dict[tuple[int, ...], np.ndarray]:
    """Per input that has a window folded into the instruction: the rows where it is packed."""
    out: dict[tuple[int, ...], np.ndarray] = {}
    for dims, operand in s.windows:
        folded = (U[:, list(dims)] > 1).sum(axis=1) > 1
        out[operand] = out.get(operand, np.zeros(len(U), dtype=bool)) | folded
    return out


def repack(target, s: Shape, U: np.ndarray) -> np.ndarray:
    """Cycles to pack the inputs whose window is folded into the instruction (im2col)."""
    out = np.zeros(len(U))
    for operand, rows in _packed(s, U).items():
        if rows.any():
            out = out + np.where(rows, target.repack_cycles(_prod(U, operand)), 0.0)
    return out


def gathers(s: Shape, U: np.ndarray) -> np.ndarray:
    """Rows where some input is packed before the instruction (im2col)."""
    out = np.zeros(len(U), dtype=bool)
    for rows in _packed(s, U).values():
        out |= rows
    return out


def cycles(target, s: Shape, U: np.ndarray) -> np.ndarray:
    u = s.unit
    if u.kind == "matrix":
        L, M, N, K = (_prod(U, c) for c in (s.loop, s.m, s.n, s.k))
        return np.asarray(u.cycles(L, M, K, N, s.elem_bytes), dtype=np.float64) + repack(target, s, U)
    lanes, L = _prod(U, s.e), _prod(U, s.loop)
    return np.asarray(u.cycles(_ceil(lanes, u.width) * u.width * L, s.n_inputs), dtype=np.float64)


def lower_bound(target, s: Shape, U: np.ndarray) -> np.ndarray:
    """A bound no larger than `cycles` on every row: the matrix formula without its ceilings
    (and with the smaller of m, n on the unit's n side), plus the exact repacking; the vector
    formula is cheap, so its bound is itself."""
    u = s.unit
    if u.kind != "matrix":
        return cycles(target, s, U)
    L, M, N, K = (_prod(U, c).astype(np.float64) for c in (s.loop, s.m, s.n, s.k))
    bk = u.block_k(s.elem_bytes)
    per = (s.elem_bytes * u.block_cycles_per_byte * M * K * N / (u.block_m * bk * u.block_n)
           + (u.kn_cycles * K / u.kn_block_k + u.n_cycles) * np.minimum(M, N) / u.block_n + u.fixed_cycles)
    return L * per + repack(target, s, U)


def work(target, s: Shape, U: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(useful, performed) work per row: multiply-accumulates or lane-operations."""
    u = s.unit
    if u.kind == "matrix":
        L, M, N, K = (_prod(U, c) for c in (s.loop, s.m, s.n, s.k))
        m, n = u.oriented(M, N)
        bk = u.block_k(s.elem_bytes)
        padded = _ceil(m, u.block_m) * u.block_m * _ceil(K, bk) * bk * _ceil(n, u.block_n) * u.block_n
        return (L * M * N * K).astype(np.float64), (L * padded).astype(np.float64)
    lanes, L = _prod(U, s.e), _prod(U, s.loop)
    return (lanes * L).astype(np.float64), (_ceil(lanes, u.width) * u.width * L).astype(np.float64)


def lower_bounds(target, kernel: Kernel, mappings: tuple[Mapping, ...], U: np.ndarray) -> np.ndarray:
    """`lower_bound` of mappings of one unit and binding at once: (rows, mappings). The role
    products are taken over a (rows, mappings, dims) array, so hundreds of mappings cost a few
    numpy operations; rows are processed in chunks to bound the memory."""
    s0 = shape_of(kernel, target, mappings[0])
    if s0.unit.kind != "matrix":
        return np.stack([lower_bound(target, shape_of(kernel, target, mp), U) for mp in mappings], axis=1)
    u, eb = s0.unit, s0.elem_bytes
    roles = np.asarray([mp.roles for mp in mappings])
    masks = {r: (roles == r)[None] for r in ("m", "n", "k", LOOP)}
    inside = (roles != LOOP)[None]
    windows = [(axis, tuple(sorted(kernel.dims(x)))) for x in mappings[0].inputs for axis in kernel.windows(x)]
    bk = u.block_k(eb)
    out = np.empty((len(U), len(mappings)))
    step = max(1, (1 << 20) // max(1, len(mappings) * roles.shape[1]))
    for lo in range(0, len(U), step):
        Uc = U[lo:lo + step].astype(np.float64)
        grid = Uc[:, None, :]
        M, N, K, L = (np.prod(np.where(masks[r], grid, 1.0), axis=2) for r in ("m", "n", "k", LOOP))
        per = (eb * u.block_cycles_per_byte * M * K * N / (u.block_m * bk * u.block_n)
               + (u.kn_cycles * K / u.kn_block_k + u.n_cycles) * np.minimum(M, N) / u.block_n + u.fixed_cycles)
        total = L * per
        packed: dict[tuple[int, ...], np.ndarray] = {}
        for axis, operand in windows:
            cnt = (inside[:, :, list(axis)] & (Uc[:, None, list(axis)] > 1)).sum(axis=2)
            packed[operand] = packed.get(operand, np.zeros(cnt.shape, dtype=bool)) | (cnt > 1)
        for operand, rows in packed.items():
            elems = np.prod(Uc[:, list(operand)], axis=1)
            total = total + np.where(rows, np.asarray(target.repack_cycles(elems))[:, None], 0.0)
        out[lo:lo + step] = total
    return out
