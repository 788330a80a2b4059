"""Roofline of one operator on the whole chip: the time no plan can beat.

compute bound: the op's work at the peak rate of every core (matrix unit FLOPs for a
contraction, the vector unit's large-n element rate otherwise);
link bound: the bytes each core must receive whatever the plan, at the link rate. For a
contraction this is the memory-independent communication lower bound of parallel matrix
multiplication (Ballard et al., 2014): 3·(b·m·n·k / P)^(2/3) − (b·m·k + b·k·n + b·m·n) / P
words per core; elementwise ops and reductions can run on data laid out in place, so 0.
The roofline is the larger of the two.
A fused chain (rtensor.fused) is the sum of its stages: a contraction head at the matrix
unit's peak and with its communication bound, every other stage on the vector unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

from tilefabric.planner.op_space import OpSpace
from tilefabric.target import Target


@dataclass(frozen=True)
class Roofline:
    compute_cycles: float
    link_cycles: float

    @property
    def cycles(self) -> float:
        return max(self.compute_cycles, self.link_cycles)

    @property
    def bound(self) -> str:
        return "compute" if self.compute_cycles >= self.link_cycles else "link"


def _prod(space: OpSpace, dims) -> int:
    return prod(space.sizes[d] for d in dims)


def _matmul_words(space: OpSpace, bmnk, cores: int) -> float:
    b, m, n, k = (_prod(space, dims) for dims in bmnk)
    words = 3 * (b * m * n * k / cores) ** (2 / 3) - b * (m * k + k * n + m * n) / cores
    return max(0.0, words)


def link_words(space: OpSpace, cores: int) -> float:
    if space.kind == "contraction":
        return _matmul_words(space, (space.batch, space.m, space.n, space.k), cores)
    if space.kind == "fused":  # only a contraction head must receive data whatever the plan
        return sum(_matmul_words(space, stage[2], cores) for stage in space.stages if stage[2])
    return 0.0


def _dtype(elem_bytes: int) -> str:
    return "f16" if elem_bytes == 2 else "f32"


def _compute_cycles(space: OpSpace, target: Target) -> float:
    if space.kind == "contraction":
        return target.roofline_cycles(space.flops(), _dtype(space.elem_bytes))
    if space.kind == "fused":
        total = 0.0
        for dims, _, bmnk, elem_bytes, _ in space.stages:
            work = float(_prod(space, dims))
            total += (target.roofline_cycles(2.0 * work, _dtype(elem_bytes)) if bmnk
                      else work * target.vector.large_cycles_per_elem / target.cores)
        return total
    return space.flops() * target.vector.large_cycles_per_elem / target.cores


def roofline(space: OpSpace, target: Target) -> Roofline:
    link = link_words(space, target.cores) * space.elem_bytes / target.link_bytes_per_cycle
    return Roofline(float(_compute_cycles(space, target)), float(link))
