"""Facts about a linalg-style op read from its indexing maps: loop sizes, which dims index
which operand axis. Shared by the lowering (to feed the planner) and the verifiers.

An operand axis is indexed by a sum of loop dims with positive coefficients (`d2 * 2 + d5`: a
strided, dilated convolution window), by one dim (the common case), or by the constant 0 (a
unit axis). Such an axis is described by its *terms*: ((dim, coefficient), ...), empty for 0.
"""

from __future__ import annotations

from xdsl.ir.affine import AffineBinaryOpExpr, AffineBinaryOpKind, AffineConstantExpr, AffineDimExpr, AffineMap
from xdsl.utils.exceptions import VerifyException

Terms = tuple[tuple[int, int], ...]


def operand_shape(value) -> tuple[int, ...]:
    t = value.type
    return tuple(t.get_shape()) if hasattr(t, "get_shape") else ()


def _terms(expr) -> dict[int, int] | None:
    """{dim: coefficient} of a sum of positive multiples of dims, or None if it is not one."""
    if isinstance(expr, AffineDimExpr):
        return {expr.position: 1}
    if isinstance(expr, AffineConstantExpr):
        return {} if expr.value == 0 else None
    if not isinstance(expr, AffineBinaryOpExpr):
        return None
    if expr.kind == AffineBinaryOpKind.Add:
        lhs, rhs = _terms(expr.lhs), _terms(expr.rhs)
        if lhs is None or rhs is None:
            return None
        out = dict(lhs)
        for d, c in rhs.items():
            out[d] = out.get(d, 0) + c
        return out
    if expr.kind == AffineBinaryOpKind.Mul:
        for dim, const in ((expr.lhs, expr.rhs), (expr.rhs, expr.lhs)):
            if isinstance(dim, AffineDimExpr) and isinstance(const, AffineConstantExpr) and const.value > 0:
                return {dim.position: const.value}
    return None


def axis_terms(m: AffineMap) -> list[Terms]:
    """Per result of `m`: its ((dim, coefficient), ...) terms, sorted by dim; () for 0."""
    out = []
    for expr in m.results:
        terms = _terms(expr)
        if terms is None:
            raise VerifyException(f"indexing map result '{expr}' is not a loop dim, a sum of positive multiples of loop dims, or 0 (not supported)")
        out.append(tuple(sorted(terms.items())))
    return out


def is_window(terms: Terms) -> bool:
    """An axis indexed by more than a plain loop dim (a convolution window, a strided dim)."""
    return len(terms) > 1 or (len(terms) == 1 and terms[0][1] != 1)


def axis_extent(terms: Terms, sizes) -> int:
    """Elements of the axis touched when each dim d runs over sizes[d]: Σ c·(n_d − 1) + 1."""
    return sum(c * (sizes[d] - 1) for d, c in terms) + 1


def axis_dims(m: AffineMap) -> list[int]:
    """Per result of a projected-permutation map: its loop dim, or -1 for a constant 0."""
    dims = []
    for terms in axis_terms(m):
        if is_window(terms):
            raise VerifyException(f"indexing map '{m}' has a window axis where a plain loop dim is required")
        dims.append(terms[0][0] if terms else -1)
    return dims


def maps_of(op) -> list[AffineMap]:
    return [m.data for m in op.indexing_maps.data]


def loop_sizes(op) -> tuple[int, ...]:
    """Extent of every loop dim, from the operand axes indexed by that dim alone; window axes
    must fit inside their operand (a strided window may leave trailing elements unread)."""
    n_dims = len(op.iterator_types.data)
    sizes: list[int | None] = [None] * n_dims
    operands = list(op.inputs) + list(op.outputs)
    all_terms = [axis_terms(m) for m in maps_of(op)]
    for x, (value, terms) in enumerate(zip(operands, all_terms)):
        shape = operand_shape(value)
        if len(terms) != len(shape):
            raise VerifyException(f"operand #{x}: map has {len(terms)} results for a rank-{len(shape)} operand")
        if x >= len(op.inputs) and any(is_window(t) for t in terms):
            raise VerifyException(f"operand #{x}: an output must be indexed by plain loop dims, not a window")
        for axis, t in enumerate(terms):
            if not t:
                if shape[axis] != 1:
                    raise VerifyException(f"operand #{x}: constant index on axis {axis} of size {shape[axis]}")
                continue
            if is_window(t):
                continue
            d = t[0][0]
            if sizes[d] is None:
                sizes[d] = shape[axis]
            elif sizes[d] != shape[axis]:
                raise VerifyException(f"loop dim d{d} has size {sizes[d]} and {shape[axis]} in different operands")
    if any(s is None for s in sizes):
        missing = ", ".join(f"d{d}" for d, s in enumerate(sizes) if s is None)
        raise VerifyException(f"loop dim(s) {missing} index no operand axis on their own (their size is unknown)")
    for x, (value, terms) in enumerate(zip(operands, all_terms)):
        shape = operand_shape(value)
        for axis, t in enumerate(terms):
            if is_window(t) and axis_extent(t, sizes) > shape[axis]:
                raise VerifyException(f"operand #{x}: window axis {axis} reaches element {axis_extent(t, sizes) - 1} of a size-{shape[axis]} axis")
    return tuple(sizes)  # type: ignore[arg-type]
