"""rtensor-to-dataflow's part of inter-operator pipelining (docs/pipelining.md): which
operator labels form which pipelined group and stage (from `tf.pipeline`, set by
pipeline-ops), the physical cores of each stage's region (planner/organisation.py), and the
final step that wraps a group's ops into one `dataflow.pipeline` (allocs hoisted before it,
frees moved after it, one region per stage)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects import arith, func
from xdsl.dialects.builtin import IntegerAttr, StringAttr
from xdsl.ir import Block, Operation, Region

from tilefabric.dialects import dataflow as df
from tilefabric.dialects.dataflow_pipeline import PipelineOp
from tilefabric.dialects.rtensor import ComputeOp, FusedOp
from tilefabric.errors import TileFabricError
from tilefabric.analysis.wavefront import granule_needs
from tilefabric.planner.organisation import stage_regions

PIPELINE_ATTR = "tf.pipeline"
FORWARD_ATTR = "tf.forward"  # an exchange routed core to core (runtime_sim/program.py)


@dataclass
class Group:
    granules: int
    organisation: str
    regions: list[np.ndarray]  # physical cores of each stage, in logical order
    predicted: int
    needs: list[int]  # per stage after the first, per granule: the producer granule it waits for


@dataclass
class Placement:
    stage_of: dict[str, tuple[int, int]] = field(default_factory=dict)  # label -> (group, stage)
    groups: dict[int, Group] = field(default_factory=dict)

    def cores_for(self, label: str, cores: int) -> np.ndarray | None:
        """The physical cores of a buffer of `cores` grid cells made for op `label`."""
        where = self.stage_of.get(label)
        if where is None:
            return None
        region = self.groups[where[0]].regions[where[1]]
        if cores > len(region):
            raise TileFabricError(f"operator '{label}': a buffer on {cores} cores does not fit its "
                                  f"pipeline region of {len(region)}")
        return region[:cores]


def collect(fn: func.FuncOp, target) -> Placement:
    """Groups whose stages 0..S−1 all survived planning (a fused op that was unfused loses
    its annotation: such a group runs unpipelined, its ops on their reduced core counts)."""
    found: dict[int, dict[int, tuple[str, object]]] = {}
    for op in fn.body.block.ops:
        attr = op.attributes.get(PIPELINE_ATTR)
        if attr is None or not isinstance(op, (ComputeOp, FusedOp)):
            continue
        label = op.attributes["tf.op"].data
        g, s = attr.data["group"].value.data, attr.data["stage"].value.data
        found.setdefault(g, {})[s] = (label, attr)
    out = Placement()
    for g, stages in found.items():
        counts = list(stages.values())[0][1].data["cores"].get_values()
        if sorted(stages) != list(range(len(counts))) or len(counts) < 2:
            continue
        attr = stages[0][1].data
        org = attr["organisation"].data
        if target.routed:
            regions = stage_regions(target.mesh_shape, list(counts), org)
        else:  # a crossbar: placement does not change distances; contiguous ranges
            ends = np.cumsum(counts)
            regions = [np.arange(e - n, e, dtype=np.int64) for n, e in zip(counts, ends)]
        granules = attr["granules"].value.data
        rows = [stages[s][1].data["rows"].value.data for s in range(len(counts))]
        needs = [int(n) for s in range(1, len(counts))
                 for n in granule_needs(rows[s - 1], rows[s], granules, *stages[s][1].data["window"].get_values())]
        out.groups[g] = Group(granules, org, regions, attr["predicted"].value.data, needs)
        for s, (label, _) in stages.items():
            out.stage_of[label] = (g, s)
    return out


def _label(op: Operation) -> str | None:
    a = op.attributes.get("tf.op")
    return a.data if isinstance(a, StringAttr) else None


def wrap(ops: list[Operation], placement: Placement) -> list[Operation]:
    """Each group's span of ops becomes allocs + constants, one dataflow.pipeline, frees."""
    for g, group in placement.groups.items():
        at = [i for i, op in enumerate(ops)
              if not isinstance(op, (df.AllocOp, df.FreeOp)) and placement.stage_of.get(_label(op), (None,))[0] == g]
        if not at:
            continue
        lo, hi = min(at), max(at)
        before, after = [], []
        stages: list[list[Operation]] = [[] for _ in group.regions]
        for op in ops[lo: hi + 1]:
            if isinstance(op, (df.AllocOp, arith.ConstantOp)):
                before.append(op)
            elif isinstance(op, df.FreeOp):
                after.append(op)
            else:
                where = placement.stage_of.get(_label(op))
                if where is None or where[0] != g:
                    raise TileFabricError(f"internal: '{op.name}' of '{_label(op)}' lies inside pipeline group {g}")
                stages[where[1]].append(op)
        pipe = PipelineOp(group.granules, group.organisation, group.needs, [Region(Block(s)) for s in stages],
                          {"tf.op": StringAttr(f"pipeline{g}"), "tf.predicted": IntegerAttr(group.predicted, 64)})
        ops = ops[:lo] + before + [pipe] + after + ops[hi + 1:]
    return ops
