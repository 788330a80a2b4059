"""xDSL plugin entry point: makes our dialects and passes visible to `xdsl-opt`."""

from importlib import import_module

from xdsl.universe import Universe


def _lazy(module: str, attr: str):
    return lambda: getattr(import_module(module), attr)


DIALECTS = {
    "rtensor": ("tilefabric.dialects.rtensor", "RTensor"),
    "dataflow": ("tilefabric.dialects.dataflow", "Dataflow"),
    "isa": ("tilefabric.dialects.isa", "ISA"),
}

PASSES = {
    "fold-scalar-operands": ("tilefabric.passes.fold_scalar_operands", "FoldScalarOperands"),
    "drop-dead-outputs": ("tilefabric.passes.drop_dead_outputs", "DropDeadOutputs"),
    "fold-unit-reshapes": ("tilefabric.passes.fold_unit_reshapes", "FoldUnitReshapes"),
    "fold-copies": ("tilefabric.passes.fold_copies", "FoldCopies"),
    "fuse-memory-intensive": ("tilefabric.passes.fuse_memory_intensive", "FuseMemoryIntensive"),
    "propagate-reshapes": ("tilefabric.passes.propagate_reshapes", "PropagateReshapes"),
    "pipeline-ops": ("tilefabric.passes.pipeline_ops", "PipelineOps"),
    "linalg-to-rtensor": ("tilefabric.lowering.linalg_to_rtensor", "LinalgToRTensor"),
    "isa-map": ("tilefabric.passes.isa_map", "IsaMap"),
    "rtensor-to-dataflow": ("tilefabric.lowering.rtensor_to_dataflow", "RTensorToDataflow"),
    "place-cores": ("tilefabric.passes.place_cores", "PlaceCores"),
}

UNIVERSE = Universe(
    all_dialects={name: _lazy(*where) for name, where in DIALECTS.items()},
    all_passes={name: _lazy(*where) for name, where in PASSES.items()},
)
