"""fuse-memory-intensive: chains of elementwise and reduction `linalg.generic`s (softmax,
layer-norm, GELU, bias and residual adds) become one `rtensor.fused` op; a matmul whose result
only such a chain reads joins as the chain's head (an epilogue: matmul + bias + GELU).

Recognition is structural: an op is memory-intensive when its maps, iterators and body make it
an elementwise op or a reduction (analysis/kernel.py), not a contraction or a lookup. A
producer and its consumer join one chain when both are memory-intensive and *every* reader of
the producer's result is memory-intensive (a value a matmul also reads is the chain's output,
not an intermediate). A chain is fused when its stages share one loop space
(analysis/fusion.py) and every reader outside the chain comes after the chain's last stage
(the fused op takes that stage's place). Fills, `tensor.empty` and constants the stages use are
copied into the region. The fused op is planned like any operator by `linalg-to-rtensor`.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, func, tensor
from xdsl.dialects.builtin import ModuleOp, StringAttr
from xdsl.dialects.linalg.ops import GenericOp
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from tilefabric.analysis.fusion import NotFusable, fused_space
from tilefabric.analysis.iteration_space import axis_dims, maps_of
from tilefabric.analysis.kernel import classify, constant_fill_value
from tilefabric.dialects.rtensor import FusedOp, FusedYieldOp


def _iterators(op: GenericOp) -> list[str]:
    return [str(getattr(it, "data", it)).split(".")[-1].lower() for it in op.iterator_types.data]


def kernel_kind(op: Operation) -> str | None:
    """The kernel kind of a generic that may join a chain (tensors only, plain non-window maps,
    no loop-index reads, not a fill), else None."""
    if not isinstance(op, GenericOp) or constant_fill_value(op) is not None:
        return None
    if any(inner.name == "linalg.index" for inner in op.body.block.ops):
        return None
    if any(not hasattr(v.type, "get_shape") for v in list(op.inputs) + list(op.outputs)):
        return None
    try:
        maps = maps_of(op)
        for m in maps:
            axis_dims(m)
    except Exception:
        return None
    return classify(maps, _iterators(op), op.body.block, len(op.inputs)).kind


def memory_intensive(op: Operation) -> bool:
    """An elementwise op or a reduction on tensors, with plain (non-window) maps."""
    return kernel_kind(op) in ("elementwise", "reduction")


def _helper(value: SSAValue) -> Operation | None:
    """What a stage may take into the region with it: its init tensor, a fill, a constant."""
    owner = value.owner
    if isinstance(owner, (tensor.EmptyOp, arith.ConstantOp)):
        return owner
    if isinstance(owner, GenericOp) and constant_fill_value(owner) is not None:
        return owner
    return None


class _Groups:
    def __init__(self, ops: list[Operation]):
        self.parent = {id(op): id(op) for op in ops}

    def find(self, a: int) -> int:
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def join(self, a: Operation, b: Operation) -> None:
        ra, rb = self.find(id(a)), self.find(id(b))
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def chains(block: Block) -> list[list[GenericOp]]:
    """Groups of memory-intensive ops joined through intermediates only they read, in block
    order; a matmul-like contraction whose result only memory-intensive ops read heads its
    consumers' chain (its epilogue: bias, activation)."""
    ops = list(block.ops)
    kinds = {id(op): kernel_kind(op) for op in ops}
    mi = [op for op in ops if kinds[id(op)] in ("elementwise", "reduction")]
    is_mi = {id(op) for op in mi}
    members = [op for op in ops if id(op) in is_mi or kinds[id(op)] == "contraction"]
    is_member = {id(op) for op in members}
    groups = _Groups(members)
    for op in mi:  # a contraction never joins as a consumer: it only heads a chain
        for v in op.inputs:
            producer = v.owner
            if isinstance(producer, Operation) and id(producer) in is_member:
                if all(id(u.operation) in is_mi for r in producer.results for u in r.uses):
                    groups.join(producer, op)
    found: dict[int, list[GenericOp]] = {}
    for op in members:
        found.setdefault(groups.find(id(op)), []).append(op)
    position = {id(op): i for i, op in enumerate(ops)}
    return [final for g in found.values() for piece in _pieces(g, position)
            for headed in _one_head(piece, kinds) for final in _pieces(headed, position) if len(final) >= 2]


def _one_head(piece: list[GenericOp], kinds: dict[int, str | None]) -> list[list[GenericOp]]:
    """A piece may start with one contraction (the epilogue's producer); with more, or one
    that is not first, the contractions are left out and the rest fused."""
    heads = [op for op in piece if kinds[id(op)] == "contraction"]
    if not heads or (len(heads) == 1 and piece[0] is heads[0]):
        return [piece]
    return _components([op for op in piece if kinds[id(op)] != "contraction"])


def _components(members: list[GenericOp]) -> list[list[GenericOp]]:
    """Members split into the groups their producer-consumer links connect (block order kept)."""
    ids = {id(op) for op in members}
    groups = _Groups(members)
    for op in members:
        for v in op.inputs:
            if isinstance(v.owner, Operation) and id(v.owner) in ids:
                groups.join(v.owner, op)
    found: dict[int, list[GenericOp]] = {}
    for op in members:
        found.setdefault(groups.find(id(op)), []).append(op)
    return list(found.values())


def _pieces(members: list[GenericOp], position: dict[int, int]) -> list[list[GenericOp]]:
    """Cut a group where an op outside it reads one of its values before its last op (e.g. the
    matmuls between a layer-norm and the residual add that reads the layer-norm's input): the
    ops before that reader and those after it are fused separately, so each piece can take
    its last op's place."""
    inside = {id(op) for op in members}
    last = max(position[id(op)] for op in members)
    early = [position[id(u.operation)] for op in members for r in op.results for u in r.uses
             if id(u.operation) not in inside and position.get(id(u.operation), last + 1) < last]
    if not early:
        return [members]
    cut = min(early)
    halves = ([op for op in members if position[id(op)] < cut], [op for op in members if position[id(op)] > cut])
    return [piece for half in halves for part in _components(half) for piece in _pieces(part, position)]


def _fuse(block: Block, members: list[GenericOp]) -> FusedOp | None:
    position = {id(op): i for i, op in enumerate(block.ops)}
    last = max(position[id(op)] for op in members)
    inside = {id(op) for op in members}
    yielded: list[SSAValue] = []
    for op in members:
        for r in op.results:
            outside = [u.operation for u in r.uses if id(u.operation) not in inside]
            if any(position.get(id(u), -1) <= last for u in outside):
                return None  # a reader outside would come before the fused op
            if outside:
                yielded.append(r)
    if not yielded:
        return None
    # region inputs: what the stages read from outside (helpers are copied in)
    inputs: list[SSAValue] = []
    helpers: list[Operation] = []
    for op in members:
        for v in op.operands:
            if isinstance(v.owner, Operation) and id(v.owner) in inside:
                continue
            helper = _helper(v)
            if helper is None:
                if v not in inputs:
                    inputs.append(v)
                continue
            pending = [helper]
            while pending:  # a fill brings its own init along
                h = pending.pop()
                if h not in helpers:
                    helpers.append(h)
                    pending += [x for x in map(_helper, h.operands) if x is not None]
    fills = [h for h in helpers if isinstance(h, GenericOp)]
    try:  # the region's stages, fills included, must share one loop space (as the verifier checks)
        fused_space(sorted(fills, key=lambda o: position.get(id(o), -1)) + members)
    except NotFusable:
        return None
    body = Block(arg_types=[v.type for v in inputs])
    mapping: dict[SSAValue, SSAValue] = dict(zip(inputs, body.args))
    for op in sorted(helpers, key=lambda o: position.get(id(o), -1)) + members:
        clone = op.clone(value_mapper=mapping)
        body.add_op(clone)
        mapping.update(zip(op.results, clone.results))
    body.add_op(FusedYieldOp([mapping[v] for v in yielded]))
    labels = [a.data for op in members if isinstance(a := op.attributes.get("tf.op"), StringAttr)]
    attrs = {"tf.op": StringAttr(f"{labels[0]}..{labels[-1]}")} if labels else {}  # ONNX node names
    fused = FusedOp(inputs, [v.type for v in yielded], Region(body), attrs)
    Rewriter.insert_op(fused, InsertPoint.after(list(block.ops)[last]))
    for old, new in zip(yielded, fused.res):
        old.replace_all_uses_with(new)
    for op in reversed(members):
        Rewriter.erase_op(op)
    for op in sorted(helpers, key=lambda o: -position.get(id(o), -1)):  # readers before what they read
        if all(not r.uses for r in op.results):
            Rewriter.erase_op(op)
    return fused


@dataclass(frozen=True)
class FuseMemoryIntensive(ModulePass):
    """Fuse chains of elementwise and reduction generics (see module docstring)."""

    name = "fuse-memory-intensive"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for fn in list(op.ops):
            if isinstance(fn, func.FuncOp) and fn.body.blocks:
                for members in chains(fn.body.block):
                    headed = kernel_kind(members[0]) == "contraction"
                    if _fuse(fn.body.block, members) is None and headed:
                        fuse_pieces(fn.body.block, members[1:])  # the chain without its matmul


def fuse_pieces(block: Block, ops: list[Operation]) -> list[FusedOp]:
    """Fuse what can be fused among `ops` (e.g. the epilogue left after its matmul was taken
    out): their memory-intensive ops, grouped as the pass groups them."""
    mi = [op for op in ops if memory_intensive(op)]
    position = {id(op): i for i, op in enumerate(block.ops)}
    out = []
    for part in _components(mi):
        for piece in _pieces(part, position):
            if len(piece) >= 2 and (fused := _fuse(block, piece)) is not None:
                out.append(fused)
                position = {id(op): i for i, op in enumerate(block.ops)}
    return out


def unfuse(fused: FusedOp) -> list[Operation]:
    """Put a fused op's stages back in its place, unfused (linalg-to-rtensor does this when the
    fused op fits on no core: its reduced dims stay whole per core, its stages need not)."""
    block = fused.body.block
    for arg, value in zip(block.args, fused.inputs):
        arg.replace_all_uses_with(value)
    term = block.last_op
    for result, value in zip(fused.res, term.operands):
        result.replace_all_uses_with(value)
    moved = []
    for op in list(block.ops):
        if op is term:
            break
        op.detach()
        Rewriter.insert_op(op, InsertPoint.before(fused))
        moved.append(op)
    Rewriter.erase_op(fused)
    return moved
