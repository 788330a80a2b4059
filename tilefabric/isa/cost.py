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
    """`lower_bound` of many mappings of one unit and binding at once, as (mappings, rows).

    Every dim has one role, so L·M·K·N is the sub-operator's point count whatever the mapping;
    the other terms need log L, log M, ... per mapping, which are one matrix product
    log U @ role masks for all mappings at once. Computed in float32 and scaled down by 1e-4
    (the logs of a handful of extents err by ~1e-6 relative), so the rounding can never lift a
    bound above the exact cost."""
    s0 = shape_of(kernel, target, mappings[0])
    if s0.unit.kind != "matrix":
        return np.stack([lower_bound(target, shape_of(kernel, target, mp), U) for mp in mappings])
    u, eb = s0.unit, s0.elem_bytes
    roles = np.asarray([mp.roles for mp in mappings])
    masks = {r: (roles == r).astype(np.float32) for r in ("m", "n", "k", LOOP)}
    inside = (roles != LOOP).astype(np.float32)
    windows = [(list(axis), tuple(sorted(kernel.dims(x)))) for x in mappings[0].inputs for axis in kernel.windows(x)]
    bk = u.block_k(eb)
    main = eb * u.block_cycles_per_byte / (u.block_m * bk * u.block_n)
    out = np.empty((len(mappings), len(U)))
    step = max(1, (1 << 21) // len(mappings))
    for lo in range(0, len(U), step):
        Uc = U[lo:lo + step]
        logU = np.log(Uc.astype(np.float32)).T
        logM, logN, logK, logL = (masks[r] @ logU for r in ("m", "n", "k", LOOP))
        small = np.minimum(logM, logN) + logL
        total = (np.exp(small + logK) * np.float32(u.kn_cycles / u.kn_block_k / u.block_n)
                 + np.exp(small) * np.float32(u.n_cycles / u.block_n) + np.exp(logL) * np.float32(u.fixed_cycles))
        total = total + np.float32(main) * np.prod(Uc, axis=1).astype(np.float32)
        packed: dict[tuple[int, ...], np.ndarray] = {}
        for axis, operand in windows:
            folded = (inside[:, axis] @ (Uc[:, axis] > 1).T.astype(np.float32)) > 1.5
            packed[operand] = packed.get(operand, np.zeros(folded.shape, dtype=bool)) | folded
        for operand, rows in packed.items():
            cycles = np.asarray(target.repack_cycles(_prod(Uc, operand)), dtype=np.float32)
            total = total + np.where(rows, cycles, np.float32(0.0))
        out[:, lo:lo + step] = total * (1.0 - 1e-4)
    return out


def class_bounds(target, kernel: Kernel, mappings: tuple[Mapping, ...], exponents: np.ndarray) -> np.ndarray:
    """`lower_bound` of many mappings of one unit and binding on power-of-two shapes (extent
    2**exponents), as (mappings, shapes), exactly: role products are sums of integer exponents,
    so no rounding depends on how many shapes are ranked together (isa/search.py, ranked)."""
    reps = np.left_shift(1, exponents)
    s0 = shape_of(kernel, target, mappings[0])
    if s0.unit.kind != "matrix":
        return np.stack([lower_bound(target, shape_of(kernel, target, mp), reps) for mp in mappings])
    u, eb = s0.unit, s0.elem_bytes
    roles = np.asarray([mp.roles for mp in mappings])
    M, N, K, L = (np.ldexp(1.0, (roles == r).astype(np.int64) @ exponents.T) for r in ("m", "n", "k", LOOP))
    bk = u.block_k(eb)
    per = (eb * u.block_cycles_per_byte * M * K * N / (u.block_m * bk * u.block_n)
           + (u.kn_cycles * K / u.kn_block_k + u.n_cycles) * np.minimum(M, N) / u.block_n + u.fixed_cycles)
    total = L * per
    inside = (roles != LOOP).astype(np.int64)
    packed: dict[tuple[int, ...], np.ndarray] = {}
    for x in mappings[0].inputs:
        for axis in kernel.windows(x):
            operand = tuple(sorted(kernel.dims(x)))
            folded = inside[:, list(axis)] @ (exponents[:, list(axis)] > 0).T.astype(np.int64) > 1
            packed[operand] = packed.get(operand, np.zeros(folded.shape, dtype=bool)) | folded
    for operand, rows in packed.items():
        total = total + np.where(rows, np.asarray(target.repack_cycles(_prod(reps, operand)), dtype=np.float64), 0.0)
    return total
