"""Structural classification of a scalar body: contraction, elementwise or reduction.

Decided from indexing maps, iterator types and the body's ops, never from op names. The
lowering uses it to describe an op to the planner; the simulator uses it to pick a numpy
evaluation and to charge the target's cycles for the kind of work that actually runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.dialects import arith
from xdsl.ir import Block, BlockArgument, SSAValue

from tilefabric.analysis.iteration_space import axis_terms

COMBINERS = {
    arith.AddfOp: "add", arith.AddiOp: "add", arith.MulfOp: "mul", arith.MuliOp: "mul",
    arith.MaximumfOp: "max", arith.MaxnumfOp: "max", arith.MaxSIOp: "max",
    arith.MinimumfOp: "min", arith.MinnumfOp: "min", arith.MinSIOp: "min",
}


@dataclass(frozen=True)
class KernelInfo:
    kind: str  # "contraction" | "elementwise" | "reduction"
    combiner: str | None  # how partial results along reduction dims combine
    batch: tuple[int, ...] = ()
    m: tuple[int, ...] = ()
    n: tuple[int, ...] = ()
    k: tuple[int, ...] = ()
    lhs: int = 0  # which input plays A (has m), which plays B (has n)
    rhs: int = 1


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


def classify(maps, iterators: list[str], block: Block, n_inputs: int) -> KernelInfo:
    reductions = [d for d, it in enumerate(iterators) if it == "reduction"]
    n_outputs = len(maps) - n_inputs
    if reductions and n_inputs == 2 and n_outputs == 1 and _is_product(block):
        a, b, c = ({d for terms in axis_terms(m) for d, _ in terms} for m in maps)
        batch = tuple(sorted(a & b & c))
        m_dims = tuple(sorted((a & c) - b))
        n_dims = tuple(sorted((b & c) - a))
        k_dims = tuple(sorted((a & b) - c))
        if set(k_dims) == set(reductions) and (a | b) == set(range(len(iterators))):
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
