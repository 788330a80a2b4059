"""dataflow.pipeline: consecutive operators that run at once on disjoint core regions and
forward granules of their output to each other (inter-operator pipelining, docs/pipelining.md).

    dataflow.pipeline granules 4 organisation "interleaved" needs array<i64: ...> {stage 0} {stage 1} ...

One region per stage, in chain order, holding that stage's work (fills, weight scatters, its
compute loops, the exchange that brings its producer's output: marked `tf.forward`). The
buffers are allocated before the op and freed after it; each stage's buffers sit on its own
physical cores (the allocs' `place`). Semantics: the stages run in order (exact numerics);
time: a wavefront over `granules` bands of output rows (runtime_sim/pipeline_timing.py), in
which granule t of stage s (s >= 1) waits for granule `needs[(s − 1)·granules + t]` of stage
s − 1 (later than t when a window's halo reaches into the next band). The verifier checks
granules >= 1, at least two non-empty stages, a known organisation, `needs` (one entry per
granule of every stage but the first, each a granule, non-decreasing) and that the stages'
placed core sets are disjoint.
"""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import DenseArrayBase, IntAttr, StringAttr, i64
from xdsl.ir import Block, Region
from xdsl.irdl import IRDLOperation, irdl_op_definition, prop_def, traits_def, var_region_def
from xdsl.printer import Printer
from xdsl.traits import NoTerminator
from xdsl.utils.exceptions import VerifyException

ORGANISATIONS = ("blocks", "striped", "interleaved")  # planner/organisation.py


@irdl_op_definition
class PipelineOp(IRDLOperation):
    """A pipelined group of operators; one region per stage (see the module docstring)."""

    name = "dataflow.pipeline"
    granules = prop_def(IntAttr)
    organisation = prop_def(StringAttr)
    needs = prop_def(DenseArrayBase)
    stages = var_region_def("single_block")
    traits = traits_def(NoTerminator())

    def __init__(self, granules: int, organisation: str, needs, stages: list[Region], attrs=None):
        needs = needs if isinstance(needs, DenseArrayBase) else DenseArrayBase.from_list(i64, [int(n) for n in needs])
        super().__init__(properties={"granules": IntAttr(granules), "organisation": StringAttr(organisation),
                                     "needs": needs}, regions=[stages], attributes=attrs or {})

    def print(self, printer: Printer) -> None:
        printer.print_string(f" granules {self.granules.data} organisation ")
        printer.print_attribute(self.organisation)
        printer.print_string(" needs ")
        printer.print_attribute(self.needs)
        if self.attributes:
            printer.print_string(" attributes ")
            printer.print_attr_dict(self.attributes)
        for region in self.stages:
            printer.print_string(" ")
            printer.print_region(region, print_entry_block_args=False, print_empty_block=False)

    @classmethod
    def parse(cls, parser) -> "PipelineOp":
        parser.parse_keyword("granules")
        granules = parser.parse_integer(allow_boolean=False)
        parser.parse_keyword("organisation")
        organisation = parser.parse_str_literal()
        parser.parse_keyword("needs")
        needs = parser.parse_attribute()
        if not isinstance(needs, DenseArrayBase):
            parser.raise_error("pipeline: needs must be an array<i64: ...>")
        attrs = parser.parse_optional_attr_dict_with_keyword()
        stages = []
        while True:
            region = parser.parse_optional_region()
            if region is None:
                break
            if not region.blocks:
                region.add_block(Block())
            stages.append(region)
        return cls(granules, organisation, needs, stages, attrs.data if attrs else None)

    def stage_cores(self) -> list[set[int]]:
        """Physical cores each stage works on: the placed cores of every buffer its ops
        compute on, fill or receive into (not the sources it forwards from, nor host scatters:
        a model input loaded spread over the chip only to be moved into the stage)."""
        from tilefabric.dialects import dataflow as df

        out = []
        for region in self.stages:
            cores: set[int] = set()
            for op in region.walk():
                if isinstance(op, df.ComputeOp):
                    bufs = list(op.inputs) + list(op.outputs)
                elif isinstance(op, (df.FillOp, df.ShiftOp, df.ReduceOp)):
                    bufs = [op.buffer]
                elif isinstance(op, df.ExchangeOp):
                    bufs = [op.dest]
                else:
                    bufs = []
                for b in bufs:
                    cores.update(int(c) for c in df.placement_of(b))
            out.append(cores)
        return out

    def verify_(self) -> None:
        if self.granules.data < 1:
            raise VerifyException(f"pipeline: granules must be >= 1, got {self.granules.data}")
        if self.organisation.data not in ORGANISATIONS:
            raise VerifyException(f"pipeline: unknown organisation '{self.organisation.data}' "
                                  f"(expected one of {', '.join(ORGANISATIONS)})")
        if len(self.stages) < 2:
            raise VerifyException(f"pipeline: needs at least two stages, got {len(self.stages)}")
        if any(not r.blocks or not list(r.block.ops) for r in self.stages):
            raise VerifyException("pipeline: every stage must hold at least one operation")
        g = self.granules.data
        needs = np.asarray(self.needs.get_values(), dtype=np.int64)
        if len(needs) != (len(self.stages) - 1) * g:
            raise VerifyException(f"pipeline: needs has {len(needs)} entries, expected {(len(self.stages) - 1) * g} "
                                  f"(granules x stages after the first)")
        if len(needs) and (needs.min() < 0 or needs.max() >= g):
            raise VerifyException(f"pipeline: needs entries must be granules in [0, {g})")
        if (np.diff(needs.reshape(-1, g), axis=1) < 0).any():
            raise VerifyException("pipeline: needs must be non-decreasing within each stage")
        seen: dict[int, int] = {}
        for s, cores in enumerate(self.stage_cores()):
            for c in cores:
                if c in seen and seen[c] != s:
                    raise VerifyException(f"pipeline: stages {seen[c]} and {s} both use physical core {c} "
                                          "(stage regions must be disjoint)")
                seen[c] = s
