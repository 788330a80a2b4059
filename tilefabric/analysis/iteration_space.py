"""Facts about a linalg-style op read from its indexing maps: loop sizes, which dims index
which operand axis. Shared by the lowering (to feed the planner) and the verifiers."""

from __future__ import annotations

from xdsl.ir.affine import AffineConstantExpr, AffineDimExpr, AffineMap
from xdsl.utils.exceptions import VerifyException


def operand_shape(value) -> tuple[int, ...]:
    t = value.type
    return tuple(t.get_shape()) if hasattr(t, "get_shape") else ()


def axis_dims(m: AffineMap) -> list[int]:
    """Per result of a projected-permutation map: its loop dim, or -1 for a constant 0."""
    dims = []
    for expr in m.results:
        if isinstance(expr, AffineDimExpr):
            dims.append(expr.position)
        elif isinstance(expr, AffineConstantExpr) and expr.value == 0:
            dims.append(-1)
        else:
            raise VerifyException(f"indexing map result '{expr}' is not a loop dim or 0 (not supported yet)")
    return dims


def maps_of(op) -> list[AffineMap]:
    return [m.data for m in op.indexing_maps.data]


def loop_sizes(op) -> tuple[int, ...]:
    """Extent of every loop dim, from the operand shapes; conflicting extents are an error."""
    n_dims = len(op.iterator_types.data)
    sizes: list[int | None] = [None] * n_dims
    operands = list(op.inputs) + list(op.outputs)
    for x, (value, m) in enumerate(zip(operands, maps_of(op))):
        shape = operand_shape(value)
        dims = axis_dims(m)
        if len(dims) != len(shape):
            raise VerifyException(f"operand #{x}: map has {len(dims)} results for a rank-{len(shape)} operand")
        for axis, d in enumerate(dims):
            if d == -1:
                if shape[axis] != 1:
                    raise VerifyException(f"operand #{x}: constant index on axis {axis} of size {shape[axis]}")
                continue
            if sizes[d] is None:
                sizes[d] = shape[axis]
            elif sizes[d] != shape[axis]:
                raise VerifyException(f"loop dim d{d} has size {sizes[d]} and {shape[axis]} in different operands")
    if any(s is None for s in sizes):
        raise VerifyException("some loop dim indexes no operand")
    return tuple(sizes)  # type: ignore[arg-type]
