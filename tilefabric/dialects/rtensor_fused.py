"""(Import these ops from tilefabric.dialects.rtensor, which loads this module.)

`rtensor.fused`: a chain of memory-intensive stages (softmax, layer-norm, GELU, bias and
residual adds) run as one operator, with its data movement spelled out.

The region holds the stages as `linalg.generic`s on whole tensors, exactly as they were before
fusion (so the semantics are the chain's), and ends in `rtensor.yield` of the values read
outside. The data movement is explicit in the properties:
- `plan`: the spatial split of the fused loop space (analysis/fusion.py) over cores, one factor
  per fused dim; only dims every stage loops over in parallel may be split, so each core runs
  every stage on the same rows and no data moves between stages;
- `reduce_at`: per stage, where its reduction happens: `none` (no reduction) or `in-core`
  (the reduced dims are whole on each core);
- `resident`: the stages whose results stay in the scratchpad until the last stage that reads
  them (every intermediate: nothing is written back between stages);
- `tiles`: how many row tiles each core visits, in row-major order over its block (each tile
  runs every stage before the next starts; intermediates then need 1/tiles of the memory).
"""

from __future__ import annotations

from math import prod

from xdsl.dialects.builtin import ArrayAttr, DenseArrayBase, IntAttr, StringAttr, TensorType, i64
from xdsl.dialects.linalg.ops import GenericOp
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_op_definition,
    opt_prop_def,
    region_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.traits import HasParent, IsTerminator
from xdsl.utils.exceptions import VerifyException

from tilefabric.dialects.rtensor import PlanAttr, enclosing_target  # defined before this module loads

REDUCE_AT = ("none", "in-core")


@irdl_op_definition
class FusedOp(IRDLOperation):
    name = "rtensor.fused"
    inputs = var_operand_def()
    res = var_result_def(TensorType)
    plan = opt_prop_def(PlanAttr)
    predicted_cycles = opt_prop_def(IntAttr)
    reduce_at = opt_prop_def(ArrayAttr[StringAttr])
    resident = opt_prop_def(DenseArrayBase)
    tiles = opt_prop_def(IntAttr)
    body = region_def("single_block")
    irdl_options = (ParsePropInAttrDict(),)

    assembly_format = "(`ins` `(` $inputs^ `:` type($inputs) `)`)? attr-dict-with-keyword $body `->` type($res)"

    def __init__(self, inputs, result_types, body, attrs=None, properties=None):
        super().__init__(operands=[inputs], result_types=[result_types], regions=[body],
                         attributes=attrs or {}, properties=properties or {})

    def stages(self) -> list[GenericOp]:
        return [op for op in self.body.block.ops if isinstance(op, GenericOp)]

    def set_movement(self, plan, predicted: int, reduce_at, resident, tiles: int) -> None:
        self.properties["plan"] = plan
        self.properties["predicted_cycles"] = IntAttr(int(predicted))
        self.properties["reduce_at"] = ArrayAttr(StringAttr(r) for r in reduce_at)
        self.properties["resident"] = DenseArrayBase.from_list(i64, list(resident))
        self.properties["tiles"] = IntAttr(int(tiles))

    def verify_(self) -> None:
        from tilefabric.analysis.fusion import NotFusable, fused_space

        block = self.body.block
        if [a.type for a in block.args] != [v.type for v in self.inputs]:
            raise VerifyException("region arguments must have the types of the inputs, in order")
        term = block.last_op
        if not isinstance(term, FusedYieldOp):
            raise VerifyException("region must end with rtensor.yield")
        if [v.type for v in term.operands] != [r.type for r in self.res]:
            raise VerifyException("rtensor.yield must yield one value per result, with its type")
        stages = self.stages()
        if len(stages) < 2:
            raise VerifyException(f"a fused op needs at least 2 stages, found {len(stages)}")
        for op in block.ops:
            if op is not term and op.name not in ("linalg.generic", "tensor.empty", "arith.constant"):
                raise VerifyException(f"'{op.name}' inside rtensor.fused (only linalg.generic stages, tensor.empty and arith.constant)")
        try:
            space = fused_space(stages)
        except NotFusable as exc:
            raise VerifyException(f"stages share no loop space: {exc}") from None
        if self.reduce_at is not None:
            where = [s.data for s in self.reduce_at.data]
            if len(where) != len(stages):
                raise VerifyException(f"reduce_at has {len(where)} entries for {len(stages)} stages")
            for s, (w, op) in enumerate(zip(where, stages)):
                if w not in REDUCE_AT:
                    raise VerifyException(f"reduce_at of stage {s} is '{w}' (expected one of: {', '.join(REDUCE_AT)})")
                reduces = any("reduction" in str(it) for it in op.iterator_types.data)
                if (w == "in-core") != reduces:
                    raise VerifyException(f"reduce_at of stage {s} is '{w}' but the stage {'reduces' if reduces else 'does not reduce'}")
        if self.resident is not None and any(not 0 <= s < len(stages) for s in self.resident.get_values()):
            raise VerifyException(f"resident names a stage outside [0, {len(stages)})")
        if self.tiles is not None and self.tiles.data < 1:
            raise VerifyException(f"tiles must be >= 1, got {self.tiles.data}")
        if self.plan is None:
            return
        factors = self.plan.factors
        if len(factors) != len(space.sizes):
            raise VerifyException(f"plan has {len(factors)} spatial factors for {len(space.sizes)} fused dims")
        for d, (f, n) in enumerate(zip(factors, space.sizes)):
            if f > n:
                raise VerifyException(f"spatial factor {f} of fused dim d{d} exceeds its size {n}")
            if f > 1 and d not in space.splittable:
                raise VerifyException(f"fused dim d{d} is split over {f} cores, but some stage reduces over it or does not loop over it")
        if any(prod(row) > 1 for row in self.plan.parts):
            raise VerifyException("a fused op has no temporal parts (nothing rotates)")
        if len(self.plan.parts) != len(self.inputs) + len(self.res):
            raise VerifyException(f"plan has {len(self.plan.parts)} temporal rows for {len(self.inputs) + len(self.res)} operands")
        target = enclosing_target(self)
        if target is not None and prod(factors) > target.cores:
            raise VerifyException(f"plan uses {prod(factors)} cores but target '{target.name}' has {target.cores}")


@irdl_op_definition
class FusedYieldOp(IRDLOperation):
    name = "rtensor.yield"
    values = var_operand_def()
    traits = traits_def(IsTerminator(), HasParent(FusedOp))
    assembly_format = "$values attr-dict `:` type($values)"

    def __init__(self, values):
        super().__init__(operands=[values])
