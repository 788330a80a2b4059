"""The common loop space of a chain of fused stages (linalg.generic ops), from their indexing
maps alone.

Every stage loop dim and every axis of every tensor the chain touches is a variable; an
indexing map result `d` joins the stage's loop dim d with the operand's axis. The classes are
the fused op's loop dims ("fused dims"), ordered like the loops of the stage with the most
dims (the anchor). A fused dim may be split over cores only if every stage loops over it and
none reduces over it: then each stage's per-core block is a box of the same rows, and every
intermediate lies on the same core grid in every stage that touches it (no exchange between
stages). The stages must also visit the fused dims in one order (their grids then agree).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.ir import SSAValue

from tilefabric.analysis.iteration_space import axis_dims, loop_sizes, maps_of, operand_shape


class NotFusable(Exception):
    """The stages do not share one loop space (the message says why)."""


@dataclass(frozen=True)
class FusedSpace:
    sizes: tuple[int, ...]  # per fused dim
    stage_dims: tuple[tuple[int, ...], ...]  # per stage: fused dim of each of its loop dims
    stage_inputs: tuple[int, ...]  # per stage: number of inputs (for the vector unit's cost)
    reduced: tuple[int, ...]  # fused dims some stage reduces over
    splittable: tuple[int, ...]  # fused dims every stage loops over in parallel

    def axes_of(self, stage: int, op, x: int) -> tuple[int, ...]:
        """Fused dim per axis of operand x of stage `stage` (-1: a constant unit axis)."""
        return tuple(-1 if d < 0 else self.stage_dims[stage][d] for d in axis_dims(maps_of(op)[x]))


class _Classes:
    def __init__(self) -> None:
        self.parent: dict = {}

    def find(self, a):
        self.parent.setdefault(a, a)
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def join(self, a, b) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def _iterators(op) -> list[str]:
    return [str(getattr(it, "data", it)).split(".")[-1].lower() for it in op.iterator_types.data]


def fused_space(stages: list) -> FusedSpace:
    """The fused loop space of `stages` (in execution order); NotFusable if they have none."""
    classes = _Classes()
    sizes_of = []
    for s, op in enumerate(stages):
        try:
            sizes = loop_sizes(op)
            maps = maps_of(op)
            per_operand = [axis_dims(m) for m in maps]
        except Exception as exc:  # window axes, inconsistent maps
            raise NotFusable(f"stage {s}: {str(exc).splitlines()[0]}") from None
        sizes_of.append(sizes)
        for value, dims in zip(list(op.inputs) + list(op.outputs), per_operand):
            for axis, d in enumerate(dims):
                if d >= 0:
                    classes.join(("loop", s, d), ("axis", _key(value), axis))
        for r, dims in zip(op.results, per_operand[len(op.inputs):]):
            for axis, d in enumerate(dims):
                if d >= 0:
                    classes.join(("loop", s, d), ("axis", _key(r), axis))
    anchor = max(range(len(stages)), key=lambda s: (len(sizes_of[s]), -s))
    order: dict = {}
    for d in range(len(sizes_of[anchor])):
        order.setdefault(classes.find(("loop", anchor, d)), len(order))
    for s, sizes in enumerate(sizes_of):
        for d in range(len(sizes)):
            order.setdefault(classes.find(("loop", s, d)), len(order))
    fused_sizes: dict[int, int] = {}
    stage_dims = []
    for s, sizes in enumerate(sizes_of):
        dims = tuple(order[classes.find(("loop", s, d))] for d in range(len(sizes)))
        if len(set(dims)) != len(dims):
            raise NotFusable(f"stage {s} loops twice over one fused dim")
        if any(a > b for a, b in zip(dims, dims[1:])):
            raise NotFusable(f"stage {s} visits the fused dims in another order ({list(dims)})")
        for d, n in zip(dims, sizes):
            if fused_sizes.setdefault(d, n) != n:
                raise NotFusable(f"fused dim {d} has size {fused_sizes[d]} in one stage and {n} in stage {s}")
        stage_dims.append(dims)
    n_fused = len(order)
    reduced = sorted({stage_dims[s][d] for s, op in enumerate(stages)
                      for d, it in enumerate(_iterators(op)) if it == "reduction"})
    everywhere = set(range(n_fused)).intersection(*(set(dims) for dims in stage_dims))
    return FusedSpace(
        sizes=tuple(fused_sizes[d] for d in range(n_fused)),
        stage_dims=tuple(stage_dims),
        stage_inputs=tuple(len(op.inputs) for op in stages),
        reduced=tuple(reduced),
        splittable=tuple(sorted(everywhere - set(reduced))),
    )


def _key(value: SSAValue):
    return id(value)


def value_axes(space: FusedSpace, stages: list, value: SSAValue) -> tuple[int, ...]:
    """Fused dim per axis of a tensor the chain reads or writes (-1: unit axis); the first
    stage that touches it decides (every stage agrees, by construction of the classes)."""
    for s, op in enumerate(stages):
        operands = list(op.inputs) + list(op.outputs)
        for x, v in enumerate(operands):
            if v is value:
                return space.axes_of(s, op, x)
        for r, res in enumerate(op.results):
            if res is value:
                return space.axes_of(s, op, len(op.inputs) + r)
    raise KeyError("value not touched by the chain")


def value_shape(value: SSAValue) -> tuple[int, ...]:
    return operand_shape(value)
