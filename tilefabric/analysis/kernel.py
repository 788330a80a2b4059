"""Structural classification of a scalar body: contraction, elementwise, reduction or lookup.

Decided from indexing maps, iterator types and the body's ops, never from op names. The
lowering uses it to describe an op to the planner; the simulator uses it to pick a numpy
evaluation and to charge the target's cycles for the kind of work that actually runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.dialects import arith
from xdsl.dialects.builtin import FloatAttr, IntegerAttr
from xdsl.ir import Block, BlockArgument, SSAValue

from tilefabric.analysis.iteration_space import axis_terms

COMBINERS = {
    arith.AddfOp: "add", arith.AddiOp: "add", arith.MulfOp: "mul", arith.MuliOp: "mul",
    arith.MaximumfOp: "max", arith.MaxnumfOp: "max", arith.MaxSIOp: "max",
    arith.MinimumfOp: "min", arith.MinnumfOp: "min", arith.MinSIOp: "min",
}


@dataclass(frozen=True)
class KernelInfo:
    kind: str  # "contraction" | "elementwise" | "reduction" | "lookup"
    combiner: str | None  # how partial results along reduction dims combine
    batch: tuple[int, ...] = ()
    m: tuple[int, ...] = ()
    n: tuple[int, ...] = ()
    k: tuple[int, ...] = ()
    lhs: int = 0  # which input plays A (has m), which plays B (has n)
    rhs: int = 1
    lookup: tuple[int, int, int, int] = ()  # (keys, tags, table input, key offset) of a lookup


def _strip_casts(value: SSAValue) -> SSAValue:
    owner = value.owner
    while isinstance(owner, (arith.ExtFOp, arith.TruncFOp)):
        value = owner.operands[0]
        owner = value.owner
    return value


def reduction_combiner(block: Block, out_index: int) -> str | None:
    """The associative op joining the output's block arg with the new term, if the yield has
    the form `combiner(out_arg, term)` where term does not read the output."""
    yielded = _strip_casts(block.last_op.operands[out_index])
    op = yielded.owner
    kind = COMBINERS.get(type(op))
    if kind is None:
        return None
    out_arg = block.args[len(block.args) - len(block.last_op.operands) + out_index]
    a, b = (_strip_casts(v) for v in op.operands)
    if a is out_arg or b is out_arg:
        term = b if a is out_arg else a
        return None if _reads(term, out_arg) else kind
    return None


def _reads(value: SSAValue, arg: BlockArgument) -> bool:
    stack, seen = [value], set()
    while stack:
        v = stack.pop()
        if v is arg:
            return True
        if isinstance(v, BlockArgument) or id(v) in seen:
            continue
        seen.add(id(v))
        stack.extend(v.owner.operands)
    return False


def _is_product(block: Block) -> bool:
    """yield add(out, mul(in0, in1)) (casts allowed): a multiply-accumulate body."""
    yielded = _strip_casts(block.last_op.operands[0])
    add = yielded.owner
    if not isinstance(add, (arith.AddfOp, arith.AddiOp)):
        return False
    out_arg = block.args[-1]
    terms = [_strip_casts(v) for v in add.operands]
    if out_arg not in terms:
        return False
    term = terms[1] if terms[0] is out_arg else terms[0]
    mul = term.owner
    if not isinstance(mul, (arith.MulfOp, arith.MuliOp)):
        return False
    factors = {id(_strip_casts(v)) for v in mul.operands}
    return factors == {id(block.args[0]), id(block.args[1])}


def _int_constant(value: SSAValue) -> int | None:
    owner = value.owner
    if isinstance(owner, arith.ConstantOp) and isinstance(owner.value, IntegerAttr):
        return owner.value.value.data
    return None


def _zero(value: SSAValue) -> bool:
    owner = value.owner
    return isinstance(owner, arith.ConstantOp) and isinstance(owner.value, (FloatAttr, IntegerAttr)) and owner.value.value.data == 0


def lookup_operands(block: Block, n_inputs: int) -> tuple[int, int, int, int] | None:
    """`yield add(out, select(key == tag, row, 0))` with key = ids (+ constant), tag and row
    inputs: a one-hot contraction, i.e. a table lookup (see frontend/gather_lookup.py).
    Returns (keys input, tags input, table input, key offset)."""
    if len(block.last_op.operands) != 1:
        return None
    add = block.last_op.operands[0].owner
    out_arg = block.args[n_inputs]
    if not isinstance(add, (arith.AddfOp, arith.AddiOp)) or out_arg not in add.operands:
        return None
    select = (add.operands[1] if add.operands[0] is out_arg else add.operands[0]).owner
    if not isinstance(select, arith.SelectOp) or not _zero(select.rhs):
        return None
    cmp = select.cond.owner
    if not isinstance(cmp, arith.CmpiOp) or cmp.predicate.value.data != 0:  # eq
        return None
    key, tag, row = cmp.lhs, cmp.rhs, select.lhs
    offset = 0
    if isinstance(key.owner, arith.AddiOp):
        consts = [_int_constant(v) for v in key.owner.operands]
        if consts[1] is None:
            return None
        key, offset = key.owner.operands[0], consts[1]
    if isinstance(key.owner, arith.ExtSIOp):  # i32 ids widened to the tags' i64
        key = key.owner.input
    args = list(block.args[:n_inputs])
    if not all(isinstance(v, BlockArgument) and v in args for v in (key, tag, row)):
        return None
    return args.index(key), args.index(tag), args.index(row), offset


def classify(maps, iterators: list[str], block: Block, n_inputs: int) -> KernelInfo:
    reductions = [d for d, it in enumerate(iterators) if it == "reduction"]
    n_outputs = len(maps) - n_inputs
    if len(reductions) == 1 and n_outputs == 1:
        found = lookup_operands(block, n_inputs)
        if found is not None:
            key_dims, tag_dims = ({d for t in axis_terms(maps[x]) for d, _ in t} for x in found[:2])
            if tag_dims == set(reductions) and not key_dims & tag_dims:
                return KernelInfo("lookup", "add", lookup=found)
    if reductions and n_inputs == 2 and n_outputs == 1 and _is_product(block):
        a, b, c = ({d for terms in axis_terms(m) for d, _ in terms} for m in maps)
        batch = tuple(sorted(a & b & c))
        m_dims = tuple(sorted((a & c) - b))
        n_dims = tuple(sorted((b & c) - a))
        k_dims = tuple(sorted((a & b) - c))
        # every loop dim must be batch, m, n or k: a dim only one operand reads (e.g. the n = 1
        # dim of x[m,k] @ w[k,1] whose output was reshaped to [m]) is no matmul dim
        classified = set(batch) | set(m_dims) | set(n_dims) | set(k_dims)
        if set(k_dims) == set(reductions) and (a | b) == classified == set(range(len(iterators))):
            return KernelInfo("contraction", "add", batch, m_dims, n_dims, k_dims)
    if not reductions:
        return KernelInfo("elementwise", None)
    combiners = {reduction_combiner(block, i) for i in range(n_outputs)}
    combiner = combiners.pop() if len(combiners) == 1 else None
    return KernelInfo("reduction", combiner)


def constant_fill_value(op):
    """The constant a no-input op writes everywhere (a linalg 'fill'), else None. Such a
    tensor can be materialised in any layout for free, so it never needs a re-layout."""
    if len(op.inputs) or len(op.outputs) != 1:
        return None
    yielded = op.body.block.last_op.operands[0]
    owner = yielded.owner
    return owner.value if isinstance(owner, arith.ConstantOp) else None
