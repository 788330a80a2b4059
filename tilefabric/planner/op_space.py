"""What the planner knows about one operator: loop sizes, which loop dim indexes each operand
axis, the kind of kernel and element size. Plain data, no IR."""

from __future__ import annotations

from dataclasses import dataclass
from math import prod


@dataclass(frozen=True)
class OpSpace:
    name: str
    sizes: tuple[int, ...]
    operand_dims: tuple[tuple[int, ...], ...]  # ins then outs; -1 = constant (unit) axis
    n_inputs: int
    reduction_dims: tuple[int, ...]
    kind: str  # contraction | elementwise | reduction
    combiner: str | None
    elem_bytes: int  # element size the compute unit works at (inputs for a contraction)
    operand_bytes: tuple[int, ...] = ()  # per operand, for memory and traffic
    batch: tuple[int, ...] = ()
    m: tuple[int, ...] = ()
    n: tuple[int, ...] = ()
    k: tuple[int, ...] = ()

    @property
    def n_dims(self) -> int:
        return len(self.sizes)

    def dims_of(self, x: int) -> set[int]:
        return {d for d in self.operand_dims[x] if d >= 0}

    def missing_dims(self, x: int) -> list[int]:
        used = self.dims_of(x)
        return [d for d in range(self.n_dims) if d not in used]

    def shape_of(self, x: int) -> tuple[int, ...]:
        return tuple(self.sizes[d] if d >= 0 else 1 for d in self.operand_dims[x])

    def bytes_of(self, x: int) -> int:
        return self.operand_bytes[x] if self.operand_bytes else self.elem_bytes

    def can_pad(self, d: int) -> bool:
        """Padding a parallel dim is always exact (padded results are dropped); padding a
        reduction dim is exact only when zeros vanish in the body (multiply-accumulate)."""
        return d not in self.reduction_dims or self.kind == "contraction"

    def can_split(self, d: int) -> bool:
        """A reduction dim may be split over cores only if partial results can be combined."""
        return d not in self.reduction_dims or self.combiner is not None

    def flops(self) -> float:
        return 2.0 * prod(self.sizes) if self.kind == "contraction" else float(prod(self.sizes))
