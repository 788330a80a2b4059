"""What instruction mapping needs to know of a computation, as plain data.

Built from the IR the same way at every level (linalg.generic, rtensor.compute, dataflow.compute),
so the planner, the `isa-map` pass and the simulator see one description of an op.
"""

from __future__ import annotations

from dataclasses import dataclass

from tilefabric.analysis.iteration_space import axis_terms
from tilefabric.analysis.kernel import classify
from tilefabric.target.model import ELEMENT_BYTES

MAPPABLE = ("contraction", "elementwise", "reduction")  # lookups keep their own formula (cost-model.md)
FREE_OPS = ("constant", "extf", "truncf", "yield")  # not work a unit must support


@dataclass(frozen=True)
class Kernel:
    kind: str  # analysis/kernel.classify: contraction | elementwise | reduction | lookup
    n_inputs: int
    operands: tuple[tuple[tuple[int, ...], ...], ...]  # ins then outs; per axis its loop dims (a window has several)
    n_dims: int
    ops: frozenset[str]  # body ops without their dialect prefix (addf, exp, ...), free ones excluded
    dtype: str  # the element type the unit computes in: the widest input's (the output's if none)
    elem_bytes: int

    def dims(self, x: int) -> frozenset[int]:
        return frozenset(d for axis in self.operands[x] for d in axis)

    def windows(self, x: int) -> tuple[tuple[int, ...], ...]:
        """Axes of operand x indexed by a sum of several loop dims (convolution rows)."""
        return tuple(axis for axis in self.operands[x] if len(axis) > 1)

    @property
    def outputs(self) -> range:
        return range(self.n_inputs, len(self.operands))


def _elt_name(t) -> str:
    elt = getattr(t, "element_type", t)
    return str(elt)


def kernel_from_ir(maps, iterators, block, n_inputs: int, operand_types) -> Kernel:
    """`maps`: AffineMaps, `iterators`: "parallel"/"reduction" strings, `block`: the scalar body,
    `operand_types`: the operands' (tensor or buffer) types, ins then outs."""
    info = classify(maps, iterators, block, n_inputs)
    elts = [_elt_name(t) for t in operand_types]
    pool = elts[:n_inputs] or elts[n_inputs:]
    dtype = max(pool, key=lambda e: ELEMENT_BYTES.get(e, 0))
    ops = frozenset(op.name.split(".")[-1] for op in block.ops if op.name.split(".")[-1] not in FREE_OPS)
    operands = tuple(tuple(tuple(d for d, _ in terms) for terms in axis_terms(m)) for m in maps)
    return Kernel(info.kind, n_inputs, operands, len(iterators), ops, dtype, ELEMENT_BYTES.get(dtype, 4))


def kernel_of_op(op) -> Kernel:
    """A linalg.generic, rtensor.compute or dataflow.compute."""
    maps = [m.data for m in op.indexing_maps.data]
    iterators = [str(getattr(it, "data", it)).split(".")[-1].lower() for it in op.iterator_types.data]
    types = [v.type for v in list(op.inputs) + list(op.outputs)]
    return kernel_from_ir(maps, iterators, op.body.block, len(op.inputs), types)
