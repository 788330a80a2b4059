"""What the planner knows about one operator: loop sizes, which loop dims index each operand
axis, the kind of kernel and element size. Plain data, no IR.

An operand axis is either a plain loop dim (`operand_dims` holds it), a constant unit axis
(-1), or a *window* (-2): a sum of loop dims with coefficients, as a convolution's input
rows `oh * stride + kh * dilation`. `operand_terms` then holds ((dim, coefficient), ...)
per axis; it may be left empty when every axis is plain.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

from tilefabric.isa.kernel import Kernel

WINDOW = -2


@dataclass(frozen=True)
class OpSpace:
    name: str
    sizes: tuple[int, ...]
    operand_dims: tuple[tuple[int, ...], ...]  # ins then outs; -1 = constant (unit) axis, -2 = window
    n_inputs: int
    reduction_dims: tuple[int, ...]
    kind: str  # contraction | elementwise | reduction | lookup | fused
    combiner: str | None
    elem_bytes: int  # element size the compute unit works at (inputs for a contraction)
    operand_bytes: tuple[int, ...] = ()  # per operand, for memory and traffic
    batch: tuple[int, ...] = ()
    m: tuple[int, ...] = ()
    n: tuple[int, ...] = ()
    k: tuple[int, ...] = ()
    operand_terms: tuple[tuple[tuple[tuple[int, int], ...], ...], ...] = ()
    operand_shapes: tuple[tuple[int, ...], ...] = ()  # the tensors' real shapes, if known
    # kind "fused" (rtensor.fused): per stage, the dims it loops over, its input count, its
    # (batch, m, n, k) dims if it is a contraction (else ()) and its compute element bytes; per
    # intermediate kept in the scratchpad, the dim of each axis (-1: unit) and element bytes;
    # dims that may not be split (a stage reduces over them or does not loop over them)
    stages: tuple[tuple, ...] = ()
    scratch: tuple[tuple[tuple[int, ...], int], ...] = ()
    unsplit: tuple[int, ...] = ()
    # instruction mapping (isa/): the kernel as plain data, and the strategy that picks a
    # mapping per sub-operator; without a kernel the per-kind formulas of the Target apply
    kernel: Kernel | None = None
    isa: str = "exhaustive"

    @property
    def n_dims(self) -> int:
        return len(self.sizes)

    def terms(self, x: int) -> tuple[tuple[tuple[int, int], ...], ...]:
        """Per axis of operand x: ((dim, coefficient), ...); () for a constant axis."""
        if self.operand_terms:
            return self.operand_terms[x]
        return tuple(((d, 1),) if d >= 0 else () for d in self.operand_dims[x])

    def window_dims(self, x: int) -> set[int]:
        """Loop dims that index operand x only through a window axis."""
        return {d for d0, axis in zip(self.operand_dims[x], self.terms(x)) if d0 == WINDOW for d, _ in axis}

    def windows(self) -> list[tuple[int, ...]]:
        """The dims of every window axis of every operand."""
        return [tuple(d for d, _ in t) for x in range(len(self.operand_dims))
                for d0, t in zip(self.operand_dims[x], self.terms(x)) if d0 == WINDOW]

    def dims_of(self, x: int) -> set[int]:
        return {d for axis in self.terms(x) for d, _ in axis}

    def plain_dims(self, x: int) -> set[int]:
        return {d for d in self.operand_dims[x] if d >= 0}

    def missing_dims(self, x: int) -> list[int]:
        used = self.dims_of(x)
        return [d for d in range(self.n_dims) if d not in used]

    def shape_of(self, x: int) -> tuple[int, ...]:
        if self.operand_shapes:
            return self.operand_shapes[x]
        return tuple(sum(c * (self.sizes[d] - 1) for d, c in axis) + 1 for axis in self.terms(x))

    def bytes_of(self, x: int) -> int:
        return self.operand_bytes[x] if self.operand_bytes else self.elem_bytes

    def can_pad(self, d: int) -> bool:
        """Padding a parallel dim is always exact (padded results are dropped); padding a
        reduction dim is exact only when zeros vanish in the body (multiply-accumulate; a
        lookup, whose padded row tags are 0 and match no key)."""
        return d not in self.reduction_dims or self.kind in ("contraction", "lookup")

    def can_split(self, d: int) -> bool:
        """A reduction dim may be split over cores only if partial results can be combined."""
        return d not in self.unsplit and (d not in self.reduction_dims or self.combiner is not None)

    def vector_dims(self) -> tuple[int, ...]:
        """Dims the vector unit iterates over: all, except a lookup's table rows (a core
        finds its row by address, it does not scan the table)."""
        if self.kind == "lookup":
            return tuple(d for d in range(self.n_dims) if d not in self.reduction_dims)
        return tuple(range(self.n_dims))

    def flops(self) -> float:
        if self.kind == "contraction":
            return 2.0 * prod(self.sizes)
        return float(prod(self.sizes[d] for d in self.vector_dims()))
