"""rtensor: a linalg-style computation together with its distributed (T10) plan.

`#rtensor.plan` says how the iteration space is split spatially over cores (F_op per loop dim)
and how each operand's sub-tensor is split temporally into parts that rotate around rings of
cores; `rtensor.compute` carries the computation (maps, iterators, scalar body) and its plan;
`rtensor.relayout` re-distributes a tensor between two `#rtensor.layout`s.
"""

from __future__ import annotations

from math import prod

from xdsl.dialects.builtin import (
    AffineMapAttr,
    ArrayAttr,
    ContainerType,
    DenseArrayBase,
    FloatAttr,
    IntegerAttr,
    i64,
    IntAttr,
    ModuleOp,
    StringAttr,
    TensorType,
)
from xdsl.dialects.linalg.ops import YieldOp as LinalgYieldOp
from xdsl.ir import Attribute, Dialect, ParametrizedAttribute, Region
from xdsl.irdl import (
    AttrSizedOperandSegments,
    ParsePropInAttrDict,
    IRDLOperation,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from tilefabric.dialects.int_lists import fmt, int_array, int_matrix, ints, parse_int_list

TARGET_ATTR = "tf.target"


def enclosing_target(op):
    """The Target named by the enclosing module's `tf.target` attribute (None if absent)."""
    from tilefabric.errors import TileFabricError
    from tilefabric.target import resolve_target

    while op is not None and not (isinstance(op, ModuleOp) and TARGET_ATTR in op.attributes):
        op = op.parent_op()
    if op is None:
        return None
    spec = op.attributes[TARGET_ATTR]
    if not isinstance(spec, StringAttr):
        raise VerifyException(f"'{TARGET_ATTR}' must be a string")
    try:
        return resolve_target(spec.data)
    except TileFabricError as exc:
        raise VerifyException(str(exc)) from None


ITERATOR_TYPES = ("parallel", "reduction")


def check_iterator_types(iterator_types) -> None:
    if any(it.data not in ITERATOR_TYPES for it in iterator_types.data):
        raise VerifyException("iterator types must be 'parallel' or 'reduction'")


def element_type_of(t: Attribute) -> Attribute:
    """The scalar a linalg-style body sees for an operand of type `t` (scalars stand for themselves)."""
    return t.element_type if isinstance(t, ContainerType) else t


def verify_scalar_body(body: Region, elts: list[Attribute], n_inputs: int) -> None:
    """The scalar body of a compute op: one block arg per operand with its element type,
    ending in linalg.yield of one value per output with the output's element type."""
    block = body.block
    if len(block.args) != len(elts):
        raise VerifyException(f"body has {len(block.args)} arguments, expected one per operand ({len(elts)})")
    for x, (arg, elt) in enumerate(zip(block.args, elts)):
        if arg.type != elt:
            raise VerifyException(f"body argument #{x} has type {arg.type}, expected {elt} (the element type of operand #{x})")
    term = block.last_op
    if not isinstance(term, LinalgYieldOp):
        raise VerifyException("body must end with linalg.yield")
    outs = elts[n_inputs:]
    if len(term.operands) != len(outs):
        raise VerifyException(f"body yields {len(term.operands)} values, expected one per output ({len(outs)})")
    for i, (v, elt) in enumerate(zip(term.operands, outs)):
        if v.type != elt:
            raise VerifyException(
                f"body yields {v.type} for output #{i}, expected {elt} (the element type of operand #{n_inputs + i})"
            )


@irdl_attr_definition
class PlanAttr(ParametrizedAttribute):
    """spatial: F_op per loop dim; temporal: per operand (ins then outs) parts per loop dim;
    rotation: the operands that rotate, outermost (shifted least often) first."""

    name = "rtensor.plan"
    spatial: ArrayAttr[IntAttr]
    temporal: ArrayAttr[ArrayAttr[IntAttr]]
    rotation: ArrayAttr[IntAttr]

    @staticmethod
    def make(spatial, temporal, rotation=()) -> "PlanAttr":
        return PlanAttr(int_array(spatial), int_matrix(temporal), int_array(rotation))

    @property
    def factors(self) -> tuple[int, ...]:
        return ints(self.spatial)

    @property
    def parts(self) -> list[tuple[int, ...]]:
        return [ints(row) for row in self.temporal.data]

    @property
    def rotating(self) -> tuple[int, ...]:
        return ints(self.rotation)

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> list[Attribute]:
        with parser.in_angle_brackets():
            parser.parse_keyword("spatial")
            parser.parse_punctuation("=")
            spatial = parse_int_list(parser)
            parser.parse_punctuation(",")
            parser.parse_keyword("temporal")
            parser.parse_punctuation("=")
            temporal = parser.parse_comma_separated_list(parser.Delimiter.SQUARE, lambda: parse_int_list(parser))
            rotation: list[int] = []
            if parser.parse_optional_punctuation(","):
                parser.parse_keyword("rotation")
                parser.parse_punctuation("=")
                rotation = parse_int_list(parser)
        return [int_array(spatial), int_matrix(temporal), int_array(rotation)]

    def print_parameters(self, printer: Printer) -> None:
        temporal = ", ".join(fmt(r) for r in self.parts)
        text = f"<spatial = {fmt(self.factors)}, temporal = [{temporal}]"
        if self.rotating:
            text += f", rotation = {fmt(self.rotating)}"
        printer.print_string(text + ">")

    def verify(self) -> None:
        if any(f < 1 for f in self.factors):
            raise VerifyException("spatial factors must be >= 1")
        for row in self.parts:
            if len(row) != len(self.factors):
                raise VerifyException("every temporal row needs one entry per loop dim")
            if any(p < 1 for p in row):
                raise VerifyException("temporal parts must be >= 1")
        rotating = [i for i, row in enumerate(self.parts) if prod(row) > 1]
        if sorted(self.rotating) != rotating:
            raise VerifyException(f"rotation {fmt(self.rotating)} must list exactly the operands with temporal parts {fmt(rotating)}")


@irdl_attr_definition
class LayoutAttr(ParametrizedAttribute):
    """How one tensor lies on a core grid: axis i is split over grid dim axes[i] (-1: not split)
    in blocks of blocks[i] elements, each block cut into parts[i] temporal parts. Optional
    strides[i]: consecutive blocks start that far apart (below the block: overlapping blocks,
    a convolution window's halo); omitted when every stride equals its block."""

    name = "rtensor.layout"
    grid: ArrayAttr[IntAttr]
    axes: ArrayAttr[IntAttr]
    blocks: ArrayAttr[IntAttr]
    parts: ArrayAttr[IntAttr]
    strides: ArrayAttr[IntAttr]

    @staticmethod
    def make(grid, axes, blocks, parts, strides=()) -> "LayoutAttr":
        strides = () if tuple(strides) == tuple(blocks) else strides
        return LayoutAttr(int_array(grid), int_array(axes), int_array(blocks), int_array(parts), int_array(strides))

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> list[Attribute]:
        values = []
        with parser.in_angle_brackets():
            for i, key in enumerate(("grid", "axes", "blocks", "parts")):
                if i:
                    parser.parse_punctuation(",")
                parser.parse_keyword(key)
                parser.parse_punctuation("=")
                values.append(int_array(parse_int_list(parser)))
            strides: list[int] = []
            if parser.parse_optional_punctuation(","):
                parser.parse_keyword("strides")
                parser.parse_punctuation("=")
                strides = parse_int_list(parser)
            values.append(int_array(strides))
        return values

    def print_parameters(self, printer: Printer) -> None:
        g, a, b, p = (ints(x) for x in (self.grid, self.axes, self.blocks, self.parts))
        text = f"<grid = {fmt(g)}, axes = {fmt(a)}, blocks = {fmt(b)}, parts = {fmt(p)}"
        if self.strides.data:
            text += f", strides = {fmt(ints(self.strides))}"
        printer.print_string(text + ">")

    def stride_values(self) -> tuple[int, ...]:
        return ints(self.strides) or ints(self.blocks)

    def verify(self) -> None:
        grid, axes = ints(self.grid), ints(self.axes)
        blocks, parts = ints(self.blocks), ints(self.parts)
        if any(g < 1 for g in grid):
            raise VerifyException("grid sizes must be >= 1")
        if not len(axes) == len(blocks) == len(parts):
            raise VerifyException("axes, blocks and parts need one entry per tensor axis")
        used = [a for a in axes if a != -1]
        if any(a < -1 or a >= len(grid) for a in axes) or len(used) != len(set(used)):
            valid = f"a distinct grid dim in [0, {len(grid) - 1}] or -1" if grid else "-1 (the grid has no dims)"
            raise VerifyException(f"layout axes {fmt(axes)}: each must be {valid} for grid {fmt(grid)}")
        for b, p in zip(blocks, parts):
            if b < 1 or p < 1 or b % p:
                raise VerifyException(f"block {b} must be a positive multiple of its parts {p}")
        strides = ints(self.strides)
        if strides:
            if len(strides) != len(blocks):
                raise VerifyException("strides need one entry per tensor axis")
            for i, (st, b, p) in enumerate(zip(strides, blocks, parts)):
                if st < 1:
                    raise VerifyException(f"stride {st} of axis {i} must be >= 1")
                if st != b and p > 1:
                    raise VerifyException(f"axis {i}: overlapping or spaced blocks (stride {st}, block {b}) cannot be cut into temporal parts")

    def local_shape(self) -> tuple[int, ...]:
        return tuple(b // p for b, p in zip(ints(self.blocks), ints(self.parts)))


@irdl_op_definition
class ComputeOp(IRDLOperation):
    """One linalg.generic computation with its plan; same maps, iterators and body."""

    name = "rtensor.compute"
    inputs = var_operand_def()
    outputs = var_operand_def(TensorType)
    res = var_result_def(TensorType)
    indexing_maps = prop_def(ArrayAttr[AffineMapAttr])
    iterator_types = prop_def(ArrayAttr[StringAttr])
    plan = prop_def(PlanAttr)
    predicted_cycles = opt_prop_def(IntAttr)
    body = region_def("single_block")
    irdl_options = (AttrSizedOperandSegments(as_property=True), ParsePropInAttrDict())

    assembly_format = (
        "`plan` $plan (`ins` `(` $inputs^ `:` type($inputs) `)`)? `outs` `(` $outputs `:` type($outputs) `)`"
        " attr-dict-with-keyword $body `->` type($res)"
    )

    def __init__(self, inputs, outputs, body: Region, maps, iterators, plan: PlanAttr, predicted=None, attrs=None):
        super().__init__(
            operands=[inputs, outputs],
            result_types=[[o.type for o in outputs]],
            properties={
                "indexing_maps": ArrayAttr(maps),
                "iterator_types": ArrayAttr(StringAttr(i) for i in iterators),
                "plan": plan,
                "predicted_cycles": IntAttr(int(predicted)) if predicted is not None else None,
            },
            regions=[body],
            attributes=attrs or {},
        )

    def loop_sizes(self) -> tuple[int, ...]:
        from tilefabric.analysis.iteration_space import loop_sizes

        return loop_sizes(self)

    def verify_(self) -> None:
        from tilefabric.analysis.iteration_space import loop_sizes

        maps = [m.data for m in self.indexing_maps.data]
        operands = list(self.inputs) + list(self.outputs)
        if len(maps) != len(operands):
            raise VerifyException(f"expected {len(operands)} indexing maps, got {len(maps)}")
        n_dims = len(self.iterator_types.data)
        if any(m.num_dims != n_dims for m in maps):
            raise VerifyException("every indexing map must have one dim per iterator")
        check_iterator_types(self.iterator_types)
        if len(self.res) != len(self.outputs):
            raise VerifyException("one result per output")
        for i, (r, o) in enumerate(zip(self.res, self.outputs)):
            if r.type != o.type:
                raise VerifyException(f"result #{i} has type {r.type}, expected {o.type} (the type of output #{i})")
        verify_scalar_body(self.body, [element_type_of(v.type) for v in operands], len(self.inputs))
        sizes = loop_sizes(self)
        plan = self.plan
        if len(plan.factors) != n_dims:
            raise VerifyException(f"plan has {len(plan.factors)} spatial factors for {n_dims} loop dims")
        if len(plan.parts) != len(operands):
            raise VerifyException(f"plan has {len(plan.parts)} temporal rows for {len(operands)} operands")
        for d, (f, n) in enumerate(zip(plan.factors, sizes)):
            if f > n:
                raise VerifyException(f"spatial factor {f} of loop dim d{d} exceeds its size {n}")
        target = enclosing_target(self)
        if target is not None and prod(plan.factors) > target.cores:
            raise VerifyException(f"plan uses {prod(plan.factors)} cores but target '{target.name}' has {target.cores}")
        n_in = len(self.inputs)
        for x, row in enumerate(plan.parts[n_in:], start=n_in):
            if prod(row) > 1:
                raise VerifyException(f"operand #{x} is an output; rotating outputs (temporal parts) are not supported yet")
        for x, (m, row) in enumerate(zip(maps, plan.parts)):
            used = m.used_dims()
            missing = [d for d in range(n_dims) if d not in used]
            if any(row[d] > 1 for d in missing):
                raise VerifyException(f"operand #{x} has temporal parts along a loop dim that does not index it")
            replicas = prod(plan.factors[d] for d in missing)
            if replicas % prod(row):
                raise VerifyException(f"operand #{x} has {replicas} replica(s), which {prod(row)} temporal parts do not divide")
        for d in range(n_dims):
            counts = sorted({row[d] for row in plan.parts if row[d] > 1})
            if any(b % a for a, b in zip(counts, counts[1:])):
                raise VerifyException(f"temporal parts along loop dim d{d} do not form a divisibility chain: {counts}")
        from tilefabric.dialects.isa import verify_instruction

        verify_instruction(self)


@irdl_op_definition
class RelayoutOp(IRDLOperation):
    """Move a distributed tensor from one layout to another (an all-to-all exchange)."""

    name = "rtensor.relayout"
    source = operand_def(TensorType)
    result = result_def(TensorType)
    src_layout = prop_def(LayoutAttr)
    dst_layout = prop_def(LayoutAttr)
    traits = traits_def(Pure())

    assembly_format = "$source `from` $src_layout `to` $dst_layout attr-dict `:` type($source) `->` type($result)"

    def __init__(self, source, src_layout: LayoutAttr, dst_layout: LayoutAttr):
        super().__init__(
            operands=[source],
            result_types=[source.type],
            properties={"src_layout": src_layout, "dst_layout": dst_layout},
        )

    def verify_(self) -> None:
        if self.result.type != self.source.type:
            raise VerifyException("relayout keeps the tensor type")
        shape = self.source.type.get_shape()
        target = enclosing_target(self)
        _check_layout(self, "source", self.src_layout, shape, target, cover=True)
        _check_layout(self, "destination", self.dst_layout, shape, target, cover=False)


def _check_layout(op, which: str, layout: LayoutAttr, shape, target, cover: bool) -> None:
    axes, blocks, grid = ints(layout.axes), ints(layout.blocks), ints(layout.grid)
    if len(axes) != len(shape):
        raise VerifyException(f"{which} layout has {len(axes)} axes for a rank-{len(shape)} tensor")
    if target is not None and prod(grid) > target.cores:
        raise VerifyException(f"{which} layout uses {prod(grid)} cores but target '{target.name}' has {target.cores}")
    if not cover:
        return  # a consumer may hold only what it reads (a strided window skips the tail)
    strides = layout.stride_values()
    for i, (a, b) in enumerate(zip(axes, blocks)):
        split = grid[a] if a >= 0 else 1
        if (split - 1) * strides[i] + b < shape[i]:
            raise VerifyException(f"{which} layout: axis {i} blocks of {b} x {split} (stride {strides[i]}) do not cover size {shape[i]}")


@irdl_op_definition
class PadOp(IRDLOperation):
    """Re-layout that also pads: the result is the source with `low`/`high` elements of
    `value` added before/after each axis, laid out as `dst_layout` (a convolution's padded
    input, brought straight into the halo layout its consumer wants)."""

    name = "rtensor.pad"
    source = operand_def(TensorType)
    result = result_def(TensorType)
    low = prop_def(DenseArrayBase)
    high = prop_def(DenseArrayBase)
    value = prop_def(Attribute)
    src_layout = prop_def(LayoutAttr)
    dst_layout = prop_def(LayoutAttr)
    traits = traits_def(Pure())

    assembly_format = (
        "$source `low` qualified($low) `high` qualified($high) `value` $value `from` $src_layout `to` $dst_layout attr-dict"
        " `:` type($source) `->` type($result)"
    )

    def __init__(self, source, result_type, low, high, value, src_layout: LayoutAttr, dst_layout: LayoutAttr):
        super().__init__(
            operands=[source],
            result_types=[result_type],
            properties={"low": DenseArrayBase.from_list(i64, list(low)), "high": DenseArrayBase.from_list(i64, list(high)),
                        "value": value, "src_layout": src_layout, "dst_layout": dst_layout},
        )

    def padding(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        return tuple(self.low.get_values()), tuple(self.high.get_values())

    def verify_(self) -> None:
        shape, out = self.source.type.get_shape(), self.result.type.get_shape()
        low, high = self.padding()
        if not len(low) == len(high) == len(shape):
            raise VerifyException(f"low and high padding need one entry per axis of the rank-{len(shape)} source")
        if any(v < 0 for v in low + high):
            raise VerifyException("padding must be >= 0")
        want = tuple(n + a + b for n, a, b in zip(shape, low, high))
        if tuple(out) != want:
            raise VerifyException(f"result shape {fmt(out)} is not the padded source shape {fmt(want)}")
        if self.result.type.element_type != self.source.type.element_type:
            raise VerifyException("padding keeps the element type")
        if not isinstance(self.value, (FloatAttr, IntegerAttr)) or self.value.type != self.source.type.element_type:
            raise VerifyException(f"pad value must be a {self.source.type.element_type} constant")
        target = enclosing_target(self)
        _check_layout(self, "source", self.src_layout, shape, target, cover=True)
        _check_layout(self, "destination", self.dst_layout, out, target, cover=False)


@irdl_op_definition
class SliceOp(IRDLOperation):
    """Re-layout that keeps a box: the result is `source[offsets : offsets + result shape]`
    (unit strides), laid out as `dst_layout` (a split of a fused projection, a CLS token)."""

    name = "rtensor.slice"
    source = operand_def(TensorType)
    result = result_def(TensorType)
    offsets = prop_def(DenseArrayBase)
    src_layout = prop_def(LayoutAttr)
    dst_layout = prop_def(LayoutAttr)
    traits = traits_def(Pure())

    assembly_format = (
        "$source `offsets` qualified($offsets) `from` $src_layout `to` $dst_layout attr-dict"
        " `:` type($source) `->` type($result)"
    )

    def __init__(self, source, result_type, offsets, src_layout: LayoutAttr, dst_layout: LayoutAttr):
        super().__init__(
            operands=[source],
            result_types=[result_type],
            properties={"offsets": DenseArrayBase.from_list(i64, list(offsets)), "src_layout": src_layout, "dst_layout": dst_layout},
        )

    def cropping(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """(low, high) as exchange padding: negative, it crops."""
        shape, out = self.source.type.get_shape(), self.result.type.get_shape()
        offsets = tuple(self.offsets.get_values())
        return tuple(-o for o in offsets), tuple(o + r - n for o, r, n in zip(offsets, out, shape))

    def verify_(self) -> None:
        shape, out = self.source.type.get_shape(), self.result.type.get_shape()
        offsets = tuple(self.offsets.get_values())
        if not len(offsets) == len(out) == len(shape):
            raise VerifyException(f"a slice of a rank-{len(shape)} tensor needs {len(shape)} offsets and a rank-{len(shape)} result")
        for i, (o, r, n) in enumerate(zip(offsets, out, shape)):
            if o < 0 or r < 1 or o + r > n:
                raise VerifyException(f"axis {i}: elements [{o}, {o + r}) are not inside the source's {n}")
        if self.result.type.element_type != self.source.type.element_type:
            raise VerifyException("slicing keeps the element type")
        target = enclosing_target(self)
        _check_layout(self, "source", self.src_layout, shape, target, cover=True)
        _check_layout(self, "destination", self.dst_layout, out, target, cover=True)


@irdl_op_definition
class ConcatOp(IRDLOperation):
    """Re-layout that joins: the inputs, each in its own layout, placed one after the other
    along `dim` into one tensor laid out as `dst_layout`."""

    name = "rtensor.concat"
    inputs = var_operand_def(TensorType)
    result = result_def(TensorType)
    dim = prop_def(IntegerAttr)
    src_layouts = prop_def(ArrayAttr[LayoutAttr])
    dst_layout = prop_def(LayoutAttr)
    traits = traits_def(Pure())

    assembly_format = (
        "$inputs `dim` $dim `from` $src_layouts `to` $dst_layout attr-dict `:` type($inputs) `->` type($result)"
    )

    def __init__(self, inputs, result_type, dim: int, src_layouts, dst_layout: LayoutAttr):
        super().__init__(
            operands=[list(inputs)],
            result_types=[result_type],
            properties={"dim": IntegerAttr(dim, i64), "src_layouts": ArrayAttr(src_layouts), "dst_layout": dst_layout},
        )

    def placements(self) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
        """Per input, (low, high) as exchange padding: where it sits inside the result."""
        out = self.result.type.get_shape()
        dim, start, found = self.dim.value.data, 0, []
        for v in self.inputs:
            n = v.type.get_shape()[dim]
            low = tuple(start if a == dim else 0 for a in range(len(out)))
            high = tuple(out[dim] - start - n if a == dim else 0 for a in range(len(out)))
            found.append((low, high))
            start += n
        return found

    def verify_(self) -> None:
        out = self.result.type.get_shape()
        dim = self.dim.value.data
        if not 0 <= dim < len(out):
            raise VerifyException(f"dim {dim} is not an axis of the rank-{len(out)} result")
        if len(self.src_layouts.data) != len(self.inputs):
            raise VerifyException(f"{len(self.inputs)} inputs but {len(self.src_layouts.data)} source layouts")
        total = 0
        for i, v in enumerate(self.inputs):
            shape = v.type.get_shape()
            if len(shape) != len(out) or any(a != b for k, (a, b) in enumerate(zip(shape, out)) if k != dim):
                raise VerifyException(f"input #{i} of shape {fmt(shape)} does not fit result {fmt(out)} off axis {dim}")
            if v.type.element_type != self.result.type.element_type:
                raise VerifyException(f"input #{i} has element type {v.type.element_type}, the result {self.result.type.element_type}")
            total += shape[dim]
        if total != out[dim]:
            raise VerifyException(f"inputs add up to {total} along axis {dim}, the result has {out[dim]}")
        target = enclosing_target(self)
        for i, (v, layout) in enumerate(zip(self.inputs, self.src_layouts.data)):
            _check_layout(self, f"input #{i}", layout, v.type.get_shape(), target, cover=True)
        _check_layout(self, "destination", self.dst_layout, out, target, cover=True)


@irdl_op_definition
class ReshapeOp(IRDLOperation):
    """Re-layout that reshapes (row-major, same elements): a collapse or expand of dims that
    could not be folded into the loops around it (e.g. conv rows x columns into ViT tokens)."""

    name = "rtensor.reshape"
    source = operand_def(TensorType)
    result = result_def(TensorType)
    src_layout = prop_def(LayoutAttr)
    dst_layout = prop_def(LayoutAttr)
    traits = traits_def(Pure())

    assembly_format = "$source `from` $src_layout `to` $dst_layout attr-dict `:` type($source) `->` type($result)"

    def __init__(self, source, result_type, src_layout: LayoutAttr, dst_layout: LayoutAttr):
        super().__init__(operands=[source], result_types=[result_type],
                         properties={"src_layout": src_layout, "dst_layout": dst_layout})

    def verify_(self) -> None:
        shape, out = self.source.type.get_shape(), self.result.type.get_shape()
        if prod(shape) != prod(out):
            raise VerifyException(f"cannot reshape {prod(shape)} elements {fmt(shape)} into {prod(out)} {fmt(out)}")
        if self.result.type.element_type != self.source.type.element_type:
            raise VerifyException("reshaping keeps the element type")
        target = enclosing_target(self)
        _check_layout(self, "source", self.src_layout, shape, target, cover=True)
        _check_layout(self, "destination", self.dst_layout, out, target, cover=True)


from tilefabric.dialects.rtensor_fused import FusedOp, FusedYieldOp  # noqa: E402 (needs PlanAttr)

RTensor = Dialect("rtensor", [ComputeOp, RelayoutOp, PadOp, SliceOp, ConcatOp, ReshapeOp, FusedOp, FusedYieldOp],
                  [PlanAttr, LayoutAttr])
