"""Describe a linalg.generic / rtensor.compute to the planner (IR -> plain OpSpace)."""

from __future__ import annotations

from tilefabric.analysis.iteration_space import axis_terms, is_window, loop_sizes, maps_of, operand_shape
from tilefabric.analysis.kernel import classify
from tilefabric.errors import TileFabricError
from tilefabric.isa.kernel import kernel_of_op
from tilefabric.target import ELEMENT_BYTES


def element_bytes(value) -> int:
    elt = str(value.type.element_type) if hasattr(value.type, "element_type") else str(value.type)
    if elt not in ELEMENT_BYTES:
        raise TileFabricError(f"unsupported element type '{elt}'")
    return ELEMENT_BYTES[elt]


def compute_bytes(op) -> int:
    """The element size the compute unit runs at: a contraction multiplies its inputs (an
    fp16 matmul accumulating in f32 runs at the fp16 rate); other kernels touch all operands."""
    values = list(op.inputs) or list(op.outputs)
    return max(element_bytes(v) for v in values)


def op_space(op, name: str, isa: str = "exhaustive"):
    from xdsl.utils.exceptions import VerifyException

    from tilefabric.planner.op_space import WINDOW, OpSpace

    for v in op.inputs:
        if not hasattr(v.type, "get_shape"):
            raise TileFabricError(f"operator '{name}' has a scalar operand; constants are folded by fold-scalar-operands, other scalars are not supported yet")
    for inner in op.body.block.ops:
        if inner.name == "linalg.index":
            raise TileFabricError(f"operator '{name}': its body reads loop indices (linalg.index), not supported yet")
    try:
        maps = maps_of(op)
        iterators = [it.data if hasattr(it, "data") else str(it) for it in op.iterator_types.data]
        iterators = [str(i).split(".")[-1].lower() for i in iterators]
        sizes = loop_sizes(op)
        terms = tuple(tuple(axis_terms(m)) for m in maps)
    except VerifyException as exc:
        raise TileFabricError(f"operator '{name}': {exc}") from None
    for x, axes in enumerate(terms):
        used = [d for axis in axes for d, _ in axis]
        if len(used) != len(set(used)):
            raise TileFabricError(f"operator '{name}': operand #{x} uses one loop dim in two places of its index (not supported)")
    dims = tuple(tuple(WINDOW if is_window(a) else (a[0][0] if a else -1) for a in axes) for axes in terms)
    info = classify(maps, iterators, op.body.block, len(op.inputs))
    return OpSpace(
        name=name,
        sizes=sizes,
        operand_dims=dims,
        n_inputs=len(op.inputs),
        reduction_dims=tuple(d for d, it in enumerate(iterators) if it == "reduction"),
        kind=info.kind,
        combiner=info.combiner,
        elem_bytes=compute_bytes(op),
        operand_bytes=tuple(element_bytes(v) for v in list(op.inputs) + list(op.outputs)),
        batch=info.batch,
        m=info.m,
        n=info.n,
        k=info.k,
        operand_terms=terms if WINDOW in {d for row in dims for d in row} else (),
        operand_shapes=tuple(operand_shape(v) for v in list(op.inputs) + list(op.outputs)),
        kernel=kernel_of_op(op),
        isa=isa,
    ), iterators


def fused_op_space(op, name: str, isa: str = "exhaustive"):
    """Describe an rtensor.fused to the planner: its loop space is the chain's fused loop
    space (analysis/fusion.py); operands are its inputs then its results; cost and memory come
    from the stages (fills are free: materialised where read) and the intermediates they keep."""
    from tilefabric.analysis.fusion import NotFusable, fused_space, value_axes
    from tilefabric.analysis.kernel import constant_fill_value
    from tilefabric.planner.op_space import OpSpace

    stages = op.stages()
    try:
        space = fused_space(stages)
    except NotFusable as exc:
        raise TileFabricError(f"operator '{name}': {exc}") from None
    block = op.body.block
    yielded = list(block.last_op.operands)
    externals = list(block.args) + yielded
    operand_dims = tuple(value_axes(space, stages, v) for v in externals)
    work = [s for s, st in enumerate(stages) if constant_fill_value(st) is None]
    kept = {id(v) for v in yielded}
    scratch = tuple((value_axes(space, stages, r), element_bytes(r))
                    for s in work for r in stages[s].results if id(r) not in kept)
    values = list(op.inputs) + list(op.res)
    return OpSpace(
        name=name,
        sizes=space.sizes,
        operand_dims=operand_dims,
        n_inputs=len(op.inputs),
        reduction_dims=space.reduced,
        kind="fused",
        combiner=None,
        elem_bytes=max(element_bytes(v) for v in values),
        operand_bytes=tuple(element_bytes(v) for v in values),
        operand_shapes=tuple(operand_shape(v) for v in values),
        stages=tuple(_stage(space, s, stages[s]) for s in work),
        scratch=scratch,
        unsplit=tuple(d for d in range(len(space.sizes)) if d not in space.splittable),
        isa=isa,
    )


def _stage(space, s: int, op) -> tuple:
    """(fused dims of its loops, inputs, (batch, m, n, k) fused dims if a contraction else (),
    element bytes the compute unit runs at, its kernel if a contraction): what the planner
    needs to cost one stage (a contraction head is mapped onto an instruction, isa/)."""
    from tilefabric.analysis.iteration_space import maps_of
    from tilefabric.analysis.kernel import classify

    iterators = [str(getattr(it, "data", it)).split(".")[-1].lower() for it in op.iterator_types.data]
    info = classify(maps_of(op), iterators, op.body.block, len(op.inputs))
    dims = space.stage_dims[s]
    mnk, kernel = (), None
    if info.kind == "contraction":
        mnk = tuple(tuple(dims[d] for d in group) for group in (info.batch, info.m, info.n, info.k))
        kernel = kernel_of_op(op)
    return dims, space.stage_inputs[s], mnk, compute_bytes(op), kernel
