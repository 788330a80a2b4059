"""dataflow: the explicit whole-machine program the simulator runs.

Every buffer lives on every core of a grid (`!dataflow.buffer<grid [..], local [..], f32>`);
per-core positions are affine maps over grid coordinates (and, inside `dataflow.repeat`, the
step counters as symbols), so the IR states exactly which core touches which elements when.
"""

from __future__ import annotations

from math import prod

import numpy as np
from xdsl.dialects.builtin import (
    AffineMapAttr,
    ArrayAttr,
    DenseArrayBase,
    FloatAttr,
    i64,
    IntAttr,
    IntegerAttr,
    StringAttr,
    TensorType,
)
from xdsl.ir import Attribute, Block, Dialect, ParametrizedAttribute, TypeAttribute
from xdsl.irdl import (
    AttrSizedOperandSegments,
    ParsePropInAttrDict,
    IRDLOperation,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    opt_region_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.traits import NoTerminator
from xdsl.utils.exceptions import VerifyException

from tilefabric.analysis.affine_eval import eval_on_grid
from tilefabric.dialects.int_lists import fmt, int_array, ints, parse_int_list
from tilefabric.dialects.rtensor import check_iterator_types, enclosing_target, verify_scalar_body

COMBINER_KINDS = ("add", "mul", "max", "min")


@irdl_attr_definition
class BufferType(ParametrizedAttribute, TypeAttribute):
    """One local array of shape `local` on each core of `grid` (cores = prod(grid))."""

    name = "dataflow.buffer"
    grid: ArrayAttr[IntAttr]
    local: ArrayAttr[IntAttr]
    element_type: Attribute

    @staticmethod
    def make(grid, local, element_type) -> "BufferType":
        return BufferType(int_array(grid), int_array(local), element_type)

    @property
    def grid_shape(self) -> tuple[int, ...]:
        return ints(self.grid)

    @property
    def local_shape(self) -> tuple[int, ...]:
        return ints(self.local)

    @property
    def cores(self) -> int:
        return prod(self.grid_shape)

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> list[Attribute]:
        with parser.in_angle_brackets():
            parser.parse_keyword("grid")
            grid = parse_int_list(parser)
            parser.parse_punctuation(",")
            parser.parse_keyword("local")
            local = parse_int_list(parser)
            parser.parse_punctuation(",")
            elt = parser.parse_type()
        return [int_array(grid), int_array(local), elt]

    def print_parameters(self, printer: Printer) -> None:
        printer.print_string(f"<grid {fmt(self.grid_shape)}, local {fmt(self.local_shape)}, ")
        printer.print_attribute(self.element_type)
        printer.print_string(">")

    def verify(self) -> None:
        if not self.grid_shape or any(g < 1 for g in self.grid_shape):
            raise VerifyException("buffer grid sizes must be >= 1")
        if any(s < 1 for s in self.local_shape):
            raise VerifyException("buffer local sizes must be >= 1")


def i64_array(values) -> DenseArrayBase:
    return DenseArrayBase.from_list(i64, [int(v) for v in values])


def _buffer(value) -> BufferType:
    return value.type


def _check_offsets(m, grid, rank: int, what: str, kind: str = "offsets map", per: str | None = None, enclosing_repeats: int | None = None) -> None:
    """Check a per-core map over `grid`: one dim per grid dim and `rank` results (one per `per`
    when given). Only dataflow.compute offsets may use symbols (the counters of the
    `enclosing_repeats` enclosing dataflow.repeat ops); every other map must have none."""
    if m.num_dims != len(grid):
        raise VerifyException(f"{what}: {kind} takes {m.num_dims} grid coords, grid has rank {len(grid)}")
    if len(m.results) != rank:
        expected = f"one per {per} ({rank})" if per else str(rank)
        raise VerifyException(f"{what}: {kind} has {len(m.results)} results, expected {expected}")
    if enclosing_repeats is None and m.num_symbols:
        raise VerifyException(f"{what}: {kind} has {m.num_symbols} symbols, expected 0")
    if enclosing_repeats is not None and m.num_symbols > enclosing_repeats:
        raise VerifyException(f"{what}: {kind} uses {m.num_symbols} repeat counters, only {enclosing_repeats} enclose it")


def _check_layout_offsets(op, m, buf: BufferType, shape, what: str) -> None:
    _check_offsets(m, buf.grid_shape, len(shape), what, "offsets map", per="tensor axis")
    if len(buf.local_shape) != len(shape):
        raise VerifyException(f"{what}: buffer rank {len(buf.local_shape)} differs from tensor rank {len(shape)}")
    offs = eval_on_grid(m, buf.grid_shape)
    if (offs < 0).any():
        raise VerifyException(f"{what}: negative offset")
    # A box may start past the end of the tensor: with padding, a trailing core's block (or
    # temporal part) can be all padding; the simulator reads zeros there and drops writes.


def _tf_name(op) -> str:
    name = op.attributes.get("tf.op")
    return name.data if isinstance(name, StringAttr) else op.name


def repeat_depth(op) -> int:
    depth, parent = 0, op.parent_op()
    while parent is not None:
        if isinstance(parent, RepeatOp):
            depth += 1
        parent = parent.parent_op()
    return depth


@irdl_op_definition
class AllocOp(IRDLOperation):
    """Reserve a local buffer on every core of its grid (counted against each scratchpad)."""

    name = "dataflow.alloc"
    buffer = result_def(BufferType)
    place = opt_prop_def(DenseArrayBase)
    assembly_format = "(`place` qualified($place)^)? attr-dict `:` type($buffer)"

    def __init__(self, buffer_type: BufferType, attrs=None, place=None):
        props = {"place": i64_array(place)} if place is not None else {}
        super().__init__(result_types=[buffer_type], properties=props, attributes=attrs or {})

    def verify_(self) -> None:
        buf = _buffer(self.buffer)
        target = enclosing_target(self)
        if target is not None and buf.cores > target.cores:
            raise VerifyException(
                f"buffer grid {fmt(buf.grid_shape)} uses {buf.cores} cores but target '{target.name}' has {target.cores}"
            )
        if self.place is None:
            return
        ids = np.asarray(self.place.get_values(), dtype=np.int64)
        if len(ids) != buf.cores:
            raise VerifyException(f"place has {len(ids)} entries, the grid {fmt(buf.grid_shape)} has {buf.cores} cells")
        if len(ids) and ids.min() < 0:
            raise VerifyException(f"place: physical core {int(ids.min())} is negative")
        if len(np.unique(ids)) != len(ids):
            values, counts = np.unique(ids, return_counts=True)
            raise VerifyException(f"place: physical core {int(values[counts > 1][0])} holds more than one grid cell")
        if target is not None and len(ids) and ids.max() >= target.cores:
            raise VerifyException(f"place: physical core {int(ids.max())} does not exist on target '{target.name}' "
                                  f"({target.cores} cores)")


def placement_of(x) -> np.ndarray:
    """The physical core of every grid cell (row-major over the grid) of an alloc, a buffer
    value, or a bare buffer type (identity). The one definition every consumer (simulator,
    scratchpad check, place-cores) uses: `dataflow.alloc place [...]`, else cell i on core i."""
    if isinstance(x, BufferType):
        return np.arange(x.cores, dtype=np.int64)
    op = x if isinstance(x, AllocOp) else getattr(x, "owner", None)
    if not isinstance(op, AllocOp):
        return np.arange(_buffer(x).cores, dtype=np.int64)
    if op.place is None:
        return np.arange(_buffer(op.buffer).cores, dtype=np.int64)
    return np.asarray(op.place.get_values(), dtype=np.int64)


def is_identity_placement(ids: np.ndarray) -> bool:
    return bool(np.array_equal(ids, np.arange(len(ids))))


@irdl_op_definition
class FreeOp(IRDLOperation):
    """Release a buffer on all its cores."""

    name = "dataflow.free"
    buffer = operand_def(BufferType)
    assembly_format = "$buffer attr-dict `:` type($buffer)"

    def __init__(self, buffer, attrs=None):
        super().__init__(operands=[buffer], attributes=attrs or {})

    def verify_(self) -> None:
        if not isinstance(self.buffer.owner, AllocOp):
            raise VerifyException("freed value must come from dataflow.alloc")


@irdl_op_definition
class ScatterOp(IRDLOperation):
    """Host -> cores at load time: core c receives tensor[offsets(c) + local box] (pad: 0)."""

    name = "dataflow.scatter"
    source = operand_def(TensorType)
    dest = operand_def(BufferType)
    offsets = prop_def(AffineMapAttr)
    assembly_format = "$source `into` $dest `offsets` $offsets attr-dict `:` type($source) `->` type($dest)"

    def __init__(self, source, dest, offsets, attrs=None):
        super().__init__(operands=[source, dest], properties={"offsets": AffineMapAttr(offsets)}, attributes=attrs or {})

    def verify_(self) -> None:
        buf, t = _buffer(self.dest), self.source.type
        if buf.element_type != t.element_type:
            raise VerifyException("scatter: tensor and buffer element types differ")
        _check_layout_offsets(self, self.offsets.data, buf, t.get_shape(), "scatter")


@irdl_op_definition
class GatherOp(IRDLOperation):
    """Cores -> host: tensor[offsets(c) + local box] = core c's buffer (replicas agree)."""

    name = "dataflow.gather"
    source = operand_def(BufferType)
    result = result_def(TensorType)
    offsets = prop_def(AffineMapAttr)
    assembly_format = "$source `offsets` $offsets attr-dict `:` type($source) `->` type($result)"

    def __init__(self, source, result_type, offsets, attrs=None):
        super().__init__(operands=[source], result_types=[result_type], properties={"offsets": AffineMapAttr(offsets)}, attributes=attrs or {})

    def verify_(self) -> None:
        buf, t = _buffer(self.source), self.result.type
        if buf.element_type != t.element_type:
            raise VerifyException("gather: tensor and buffer element types differ")
        _check_layout_offsets(self, self.offsets.data, buf, t.get_shape(), "gather")


@irdl_op_definition
class ExchangeOp(IRDLOperation):
    """Re-layout on chip: the logical tensor held by `source` (at src_offsets) is copied into
    `dest` (at dst_offsets); a core receives what it does not already hold. With `low`/`high`
    the destination holds the tensor padded by that many elements before/after each axis
    (dst_offsets index the padded tensor); padding positions keep the destination's values,
    which a `dataflow.fill` with the pad value sets first (a convolution's zero padding).
    Negative `low`/`high` crop instead (a slice); a concat is one exchange per piece, each
    padded up to the whole. With `reshape` the destination holds the tensor reshaped
    (row-major) to that shape, and dst_offsets index the reshaped tensor."""

    name = "dataflow.exchange"
    source = operand_def(BufferType)
    dest = operand_def(BufferType)
    src_offsets = prop_def(AffineMapAttr)
    dst_offsets = prop_def(AffineMapAttr)
    shape = prop_def(DenseArrayBase)
    low = opt_prop_def(DenseArrayBase)
    high = opt_prop_def(DenseArrayBase)
    reshape = opt_prop_def(DenseArrayBase)
    assembly_format = (
        "$source `offsets` $src_offsets `into` $dest `offsets` $dst_offsets `shape` qualified($shape)"
        " (`low` qualified($low)^ `high` qualified($high))? (`reshape` qualified($reshape)^)? attr-dict"
        " `:` type($source) `->` type($dest)"
    )

    def __init__(self, source, dest, src_offsets, dst_offsets, shape, attrs=None, low=None, high=None, reshape=None):
        props = {"src_offsets": AffineMapAttr(src_offsets), "dst_offsets": AffineMapAttr(dst_offsets), "shape": i64_array(shape)}
        if low is not None:
            props.update(low=i64_array(low), high=i64_array(high))
        if reshape is not None:
            props.update(reshape=i64_array(reshape))
        super().__init__(operands=[source, dest], properties=props, attributes=attrs or {})

    def padding(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        rank = len(self.shape.get_values())
        if self.low is None:
            return (0,) * rank, (0,) * rank
        return tuple(self.low.get_values()), tuple(self.high.get_values())

    def verify_(self) -> None:
        src, dst = _buffer(self.source), _buffer(self.dest)
        if src.element_type != dst.element_type:
            raise VerifyException("exchange: source and destination element types differ")
        shape = self.shape.get_values()
        if (self.low is None) != (self.high is None):
            raise VerifyException("exchange: give both low and high padding or neither")
        low, high = self.padding()
        if len(low) != len(shape) or len(high) != len(shape):
            raise VerifyException(f"exchange: low and high padding need one entry per tensor axis ({len(shape)})")
        if self.reshape is not None:
            into = self.reshape.get_values()
            if self.low is not None:
                raise VerifyException("exchange: a reshaping exchange cannot also pad")
            if prod(into) != prod(shape):
                raise VerifyException(f"exchange: cannot reshape {prod(shape)} elements into {list(into)}")
            _check_layout_offsets(self, self.src_offsets.data, src, shape, "exchange source")
            _check_layout_offsets(self, self.dst_offsets.data, dst, into, "exchange destination")
            return
        padded = [n + a + b for n, a, b in zip(shape, low, high)]
        if any(-a > n or -b > n for n, a, b in zip(shape, low, high)) or any(p <= 0 for p in padded):
            raise VerifyException(f"exchange: cropping by low {list(low)} high {list(high)} leaves nothing of shape {list(shape)}")
        _check_layout_offsets(self, self.src_offsets.data, src, shape, "exchange source")
        _check_layout_offsets(self, self.dst_offsets.data, dst, padded, "exchange destination")


@irdl_op_definition
class FillOp(IRDLOperation):
    """Set a buffer to a constant on the cores where `where` (if given) is non-zero."""

    name = "dataflow.fill"
    buffer = operand_def(BufferType)
    value = prop_def(Attribute)
    where = opt_prop_def(AffineMapAttr)
    assembly_format = "$buffer `value` $value (`where` $where^)? attr-dict `:` type($buffer)"

    def __init__(self, buffer, value, where=None, attrs=None):
        super().__init__(operands=[buffer], properties={"value": value, "where": AffineMapAttr(where) if where else None}, attributes=attrs or {})

    def verify_(self) -> None:
        if not isinstance(self.value, (FloatAttr, IntegerAttr)):
            raise VerifyException("fill value must be a float or integer attribute")
        elt = _buffer(self.buffer).element_type
        if self.value.type != elt:
            raise VerifyException(f"fill value has type {self.value.type}, the buffer holds {elt}")
        if self.where is not None:
            _check_offsets(self.where.data, _buffer(self.buffer).grid_shape, 1, "fill", "where map")


@irdl_op_definition
class ComputeOp(IRDLOperation):
    """Every core runs the scalar body over a `sizes` box of the loop space; operand x is read
    (written) at local offsets `offsets[x](core coords)[repeat counters]`."""

    name = "dataflow.compute"
    inputs = var_operand_def(BufferType)
    outputs = var_operand_def(BufferType)
    indexing_maps = prop_def(ArrayAttr[AffineMapAttr])
    iterator_types = prop_def(ArrayAttr[StringAttr])
    sizes = prop_def(DenseArrayBase)
    offsets = prop_def(ArrayAttr[AffineMapAttr])
    body = region_def("single_block")
    irdl_options = (AttrSizedOperandSegments(as_property=True), ParsePropInAttrDict())
    assembly_format = (
        "(`ins` `(` $inputs^ `:` type($inputs) `)`)? `outs` `(` $outputs `:` type($outputs) `)`"
        " `sizes` qualified($sizes) attr-dict-with-keyword $body"
    )

    def __init__(self, inputs, outputs, body, maps, iterators, sizes, offsets, attrs=None):
        super().__init__(
            operands=[inputs, outputs],
            properties={
                "indexing_maps": ArrayAttr(AffineMapAttr(m) for m in maps),
                "iterator_types": ArrayAttr(StringAttr(i) for i in iterators),
                "sizes": i64_array(sizes),
                "offsets": ArrayAttr(AffineMapAttr(m) for m in offsets),
            },
            regions=[body],
            attributes=attrs or {},
        )

    def verify_(self) -> None:
        from tilefabric.analysis.iteration_space import axis_extent, axis_terms

        operands = list(self.inputs) + list(self.outputs)
        maps = [m.data for m in self.indexing_maps.data]
        offsets = [m.data for m in self.offsets.data]
        sizes = self.sizes.get_values()
        if not len(maps) == len(offsets) == len(operands):
            raise VerifyException(f"need one indexing map and one offsets map per operand ({len(operands)})")
        if len(sizes) != len(self.iterator_types.data):
            raise VerifyException("sizes need one entry per loop dim")
        check_iterator_types(self.iterator_types)
        for x, m in enumerate(maps):
            if m.num_dims != len(sizes):
                raise VerifyException(f"operand #{x}: indexing map has {m.num_dims} dims, expected one per loop dim ({len(sizes)})")
        verify_scalar_body(self.body, [_buffer(v).element_type for v in operands], len(self.inputs))
        grids = {_buffer(v).grid_shape for v in operands}
        if len(grids) != 1:
            raise VerifyException("all operands must live on the same core grid")
        grid = grids.pop()
        depth = repeat_depth(self)
        steps = _repeat_counts(self)
        for x, (v, m, off) in enumerate(zip(operands, maps, offsets)):
            local = _buffer(v).local_shape
            terms = axis_terms(m)
            if len(terms) != len(local):
                raise VerifyException(f"operand #{x}: indexing map rank {len(terms)} differs from buffer rank {len(local)}")
            _check_offsets(off, grid, len(local), f"operand #{x}", "offsets map", per="buffer axis", enclosing_repeats=depth)
            extent = np.array([axis_extent(t, sizes) for t in terms], dtype=np.int64)
            for sym in _symbol_points(steps[: off.num_symbols]):
                at = eval_on_grid(off, grid, sym)
                bad = ((at < 0) | (at + extent > np.array(local))).any(axis=1)
                if bad.any():
                    core = int(np.argmax(bad))
                    coords = ", ".join(str(int(i)) for i in np.unravel_index(core, grid))
                    when = (" at repeat counters " + ", ".join(f"s{i} = {v}" for i, v in enumerate(sym))) if sym else ""
                    raise VerifyException(
                        f"operand #{x}: the {fmt(extent)} box at offset {fmt(at[core])} leaves its local buffer"
                        f" {fmt(local)} (first on core ({coords}){when})"
                    )
        from tilefabric.dialects.isa import verify_instruction

        verify_instruction(self)


def _repeat_counts(op) -> list[int]:
    counts, parent = [], op.parent_op()
    while parent is not None:
        if isinstance(parent, RepeatOp):
            counts.append(parent.count.data)
        parent = parent.parent_op()
    return counts[::-1]


def _symbol_points(counts):
    if not counts:
        yield ()
        return
    for idx in np.ndindex(*counts):
        yield tuple(int(i) for i in idx)


@irdl_op_definition
class ShiftOp(IRDLOperation):
    """Ring shift: core c receives the buffer of core `source(c)`; must be a permutation."""

    name = "dataflow.shift"
    buffer = operand_def(BufferType)
    source = prop_def(AffineMapAttr)
    assembly_format = "$buffer `from` $source attr-dict `:` type($buffer)"

    def __init__(self, buffer, source, attrs=None):
        super().__init__(operands=[buffer], properties={"source": AffineMapAttr(source)}, attributes=attrs or {})

    def verify_(self) -> None:
        grid = _buffer(self.buffer).grid_shape
        m = self.source.data
        _check_offsets(m, grid, len(grid), "shift", "source map", per="grid dim")
        src = eval_on_grid(m, grid)
        label = self.attributes["tf.op"].data if "tf.op" in self.attributes else "?"
        outside = np.nonzero(((src < 0) | (src >= np.array(grid))).any(axis=1))[0]
        if len(outside):
            core = np.unravel_index(int(outside[0]), grid)
            raise VerifyException(f"shift of op '{label}': some core receives from a core outside the grid, which never sends "
                                  f"(deadlock): core {[int(c) for c in core]} waits for core {src[outside[0]].tolist()}")
        ids = np.ravel_multi_index(tuple(src.T), grid)
        if len(np.unique(ids)) != len(ids):
            values, counts = np.unique(ids, return_counts=True)
            sender = np.unravel_index(int(values[counts > 1][0]), grid)
            raise VerifyException(f"shift of op '{label}': senders and receivers do not match (source map is not a permutation): "
                                  f"core {[int(c) for c in sender]} sends to {int(counts.max())} cores")


@irdl_op_definition
class ReduceOp(IRDLOperation):
    """All-reduce partial results across the grid dims `dims` (cores differing only there)."""

    name = "dataflow.reduce"
    buffer = operand_def(BufferType)
    dims = prop_def(DenseArrayBase)
    combiner = prop_def(StringAttr)
    assembly_format = "$buffer `over` qualified($dims) `with` $combiner attr-dict `:` type($buffer)"

    def __init__(self, buffer, dims, combiner: str, attrs=None):
        super().__init__(operands=[buffer], properties={"dims": i64_array(dims), "combiner": StringAttr(combiner)}, attributes=attrs or {})

    def verify_(self) -> None:
        rank = len(_buffer(self.buffer).grid_shape)
        dims = self.dims.get_values()
        if not dims or any(d < 0 or d >= rank for d in dims) or len(set(dims)) != len(dims):
            raise VerifyException(f"reduce dims {fmt(dims)} must be distinct grid dims of a rank-{rank} grid")
        if self.combiner.data not in COMBINER_KINDS:
            raise VerifyException(f"unknown combiner '{self.combiner.data}' (one of {', '.join(COMBINER_KINDS)})")


@irdl_op_definition
class SyncOp(IRDLOperation):
    """A BSP barrier across the chip."""

    name = "dataflow.sync"
    assembly_format = "attr-dict"

    def __init__(self, attrs=None):
        super().__init__(attributes=attrs or {})


@irdl_op_definition
class RepeatOp(IRDLOperation):
    """Run the body `count` times; the counter is the next symbol of enclosed offset maps.

    The optional `between` region runs after every iteration but the last (count − 1 times),
    with the same counter: a compute-shift ring shifts only between its steps (T10's schedule).
    """

    name = "dataflow.repeat"
    count = prop_def(IntAttr)
    body = region_def("single_block")
    between = opt_region_def("single_block")
    traits = traits_def(NoTerminator())

    def print(self, printer: Printer) -> None:
        printer.print_string(f" {self.count.data}")
        if self.attributes:
            printer.print_string(" attributes ")
            printer.print_attr_dict(self.attributes)
        printer.print_string(" ")
        printer.print_region(self.body, print_entry_block_args=False, print_empty_block=False)
        if self.between is not None:
            printer.print_string(" between ")
            printer.print_region(self.between, print_entry_block_args=False, print_empty_block=False)

    @classmethod
    def parse(cls, parser) -> "RepeatOp":
        count = parser.parse_integer(allow_boolean=False)
        attrs = parser.parse_optional_attr_dict_with_keyword()
        body = _parse_block_region(parser)
        between = _parse_block_region(parser) if parser.parse_optional_keyword("between") else None
        return cls(count, body, attrs.data if attrs else None, between)

    def __init__(self, count: int, body, attrs=None, between=None):
        regions = [body, between] if between is not None else [body, []]
        super().__init__(properties={"count": IntAttr(count)}, regions=regions, attributes=attrs or {})

    def verify_(self) -> None:
        if self.count.data < 1:
            raise VerifyException("repeat count must be >= 1")


def _parse_block_region(parser):
    region = parser.parse_region()
    if not region.blocks:  # `{}`: an empty body is one empty block
        region.add_block(Block())
    return region


from tilefabric.dialects.dataflow_pipeline import PipelineOp  # noqa: E402 (its verifier reads the ops above)

Dataflow = Dialect(
    "dataflow",
    [AllocOp, FreeOp, ScatterOp, GatherOp, ExchangeOp, FillOp, ComputeOp, ShiftOp, ReduceOp, SyncOp, RepeatOp, PipelineOp],
    [BufferType],
)
