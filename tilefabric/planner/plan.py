"""A chosen plan for one operator and the layout it implies for each operand."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from math import prod

from tilefabric.planner.op_space import OpSpace


@dataclass(frozen=True)
class Layout:
    """Tensor axis i split over grid dim axes[i] (-1: whole) in blocks[i], cut in parts[i].
    Consecutive cores' blocks start strides[i] apart; a stride below the block means the
    blocks overlap (a convolution's halo). Empty strides (the usual case) = the blocks."""

    grid: tuple[int, ...]
    axes: tuple[int, ...]
    blocks: tuple[int, ...]
    parts: tuple[int, ...]
    strides: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if tuple(self.strides) == tuple(self.blocks):
            object.__setattr__(self, "strides", ())

    def stride(self, i: int) -> int:
        return self.strides[i] if self.strides else self.blocks[i]

    def local_shape(self) -> tuple[int, ...]:
        return tuple(b // p for b, p in zip(self.blocks, self.parts))


@dataclass(frozen=True)
class Plan:
    spatial: tuple[int, ...]
    temporal: tuple[tuple[int, ...], ...]  # per operand, per loop dim
    rotation: tuple[int, ...]  # rotating operands, outermost first
    predicted_cycles: float
    compute_cycles: float
    shift_cycles: float
    reduce_cycles: float
    hot_bytes: float
    mapping: int = -1  # the sub-operator's instruction mapping: index into the op's legal mappings (isa/)

    def steps(self, space: OpSpace) -> tuple[int, ...]:
        """T_d: compute-shift steps along each loop dim (max parts over operands)."""
        return tuple(max(row[d] for row in self.temporal) for d in range(space.n_dims))

    def blocks(self, space: OpSpace) -> tuple[int, ...]:
        """Per-core extent of each loop dim, padded so every step has the same size."""
        steps = self.steps(space)
        return tuple(-(-n // (f * t)) * t for n, f, t in zip(space.sizes, self.spatial, steps))

    def step_sizes(self, space: OpSpace) -> tuple[int, ...]:
        return tuple(b // t for b, t in zip(self.blocks(space), self.steps(space)))

    def grid_dims(self) -> tuple[int, ...]:
        """Loop dims actually split over cores; the core grid has one axis per such dim."""
        return tuple(d for d, f in enumerate(self.spatial) if f > 1)

    def grid(self) -> tuple[int, ...]:
        return tuple(self.spatial[d] for d in self.grid_dims()) or (1,)

    def grid_position(self, d: int) -> int:
        dims = self.grid_dims()
        return dims.index(d) if d in dims else -1

    def layout(self, space: OpSpace, x: int) -> Layout:
        return _layout(self, space, x)

    def _layout(self, space: OpSpace, x: int) -> Layout:
        """A window axis (conv input rows) holds Σ c·(B_d − 1) + 1 elements per core, its
        blocks start c·B_d apart along the one split dim d of the window: they overlap."""
        blocks = self.blocks(space)
        axes, extents, parts, strides = [], [], [], []
        for axis in space.terms(x):
            split = [(d, c) for d, c in axis if self.spatial[d] > 1]
            if len(split) > 1:
                raise ValueError(f"plan splits {len(split)} dims of one window axis of operand #{x}")
            extent = sum(c * (blocks[d] - 1) for d, c in axis) + 1
            axes.append(self.grid_position(split[0][0]) if split else -1)
            extents.append(extent)
            strides.append(split[0][1] * blocks[split[0][0]] if split else extent)
            plain = len(axis) == 1 and axis[0][1] == 1
            parts.append(self.temporal[x][axis[0][0]] if plain else 1)
        return Layout(self.grid(), tuple(axes), tuple(extents), tuple(parts), tuple(strides))

    def cores(self) -> int:
        return prod(self.spatial)

    def describe(self) -> str:
        text = "F=" + "x".join(map(str, self.spatial))
        for x in self.rotation:
            text += f" rot#{x}=" + "x".join(map(str, self.temporal[x]))
        return text


@lru_cache(maxsize=1 << 16)
def _layout(plan: Plan, space: OpSpace, x: int) -> Layout:
    """Plan.layout, memoised: the whole-model choice asks for the same layouts many times."""
    return plan._layout(space, x)
