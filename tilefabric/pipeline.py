"""The compile pipeline from linalg to dataflow, as named xDSL passes (same as xdsl-opt -p)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import PassPipeline
from xdsl.utils.exceptions import DiagnosticException, VerifyException

from tilefabric.errors import TileFabricError
from tilefabric.target import Target

CLEANUP = ("fold-scalar-operands", "drop-dead-outputs", "fold-unit-reshapes", "fold-copies")
OPTIMISATIONS = ("fuse-memory-intensive",)  # run first at the rtensor stage (the linalg level stays linalg)
PLACEMENT = ("place-cores",)  # after rtensor-to-dataflow, on mesh / torus targets only
OPTIONAL = CLEANUP + OPTIMISATIONS + PLACEMENT  # what --disable accepts
PLACEMENT_STRATEGIES = ("auto", "row-major", "ring")


@dataclass
class CompiledModel:
    linalg: ModuleOp
    rtensor: ModuleOp | None
    dataflow: ModuleOp | None
    compile_seconds: float
    strategy: str
    target: Target
    reconcile: str = "milp"
    isa: str = "exhaustive"
    hop_aware: bool = True
    placement: str = "auto"


def _run(module: ModuleOp, spec: str, ctx, verify: bool = True) -> ModuleOp:
    """Apply the passes of `spec`; `verify=False` when the next stage's verification (of the
    whole module, after more passes) covers this one: a 24-layer model costs seconds each."""
    from tilefabric.universe import PASSES
    from importlib import import_module

    def passes_by_name():
        return {name: (lambda m=m, c=c: getattr(import_module(m), c)) for name, (m, c) in PASSES.items()}

    pipeline = PassPipeline.parse_spec(passes_by_name(), spec) if spec else None
    if pipeline is not None:
        pipeline.apply(ctx, module)
    try:
        if verify:
            module.verify()
    except (VerifyException, DiagnosticException) as exc:
        raise TileFabricError(f"internal IR check failed after '{spec}': {str(exc).splitlines()[0]}") from None
    return module


def target_spec(target: Target) -> str:
    return target.name if target.source == "preset" else target.source


STRATEGIES = ("t10", "vgm")
RECONCILE = ("greedy", "milp")


PIPELINING = ("auto", "none", "chunks", "organised")


def default_pipelining(target: Target) -> str:
    """Inter-operator pipelining (pipeline-ops) is on by default only where it saves the
    global-buffer round trips it was designed against (docs/pipelining.md)."""
    return "auto" if target.has_global_buffer else "none"


def compile_model(model, target: Target, strategy: str = "t10", disabled: Sequence[str] = (),
                  reconcile: str = "milp", stop_after: str = "dataflow", isa: str = "exhaustive",
                  pipeline: str | None = None, hop_aware: bool = True, placement: str = "auto") -> CompiledModel:
    """Run the pipeline up to `stop_after` ('linalg', 'rtensor' or 'dataflow'); later stages
    are left None, so the IR of an early stage can be inspected even if a later one fails.
    `isa`: the instruction-mapping strategy (isa/search.py) the planner and isa-map use.
    `pipeline`: pipeline-ops mode (auto | none | chunks | organised; None: `default_pipelining`).
    On mesh / torus targets: `hop_aware` prices shifts and re-layouts as placed (False: the
    crossbar-assumed estimates), `placement` the place-cores strategy (docs/placement.md);
    hop_aware=False with placement='row-major' is the topology-oblivious baseline."""
    from tilefabric.frontend import make_context
    from tilefabric.isa.search import check_strategy

    check_strategy(isa)
    if strategy not in STRATEGIES:
        raise TileFabricError(f"unknown strategy '{strategy}' (available: {', '.join(STRATEGIES)})")
    if placement not in PLACEMENT_STRATEGIES:
        raise TileFabricError(f"unknown placement '{placement}' (available: {', '.join(PLACEMENT_STRATEGIES)})")
    if reconcile not in RECONCILE:
        raise TileFabricError(f"unknown reconciliation '{reconcile}' (available: {', '.join(RECONCILE)})")
    pipeline = default_pipelining(target) if pipeline is None else pipeline
    if pipeline not in PIPELINING:
        raise TileFabricError(f"unknown pipelining mode '{pipeline}' (available: {', '.join(PIPELINING)})")
    unknown = [p for p in disabled if p not in OPTIONAL]
    if unknown:
        raise TileFabricError(f"cannot disable pass '{unknown[0]}' (passes that can be disabled: {', '.join(OPTIONAL)})")
    start = time.perf_counter()
    ctx = make_context()
    cleanup = ",".join(p for p in CLEANUP if p not in disabled)
    linalg = _run(model.module.clone(), cleanup, ctx, verify=stop_after == "linalg")
    if stop_after == "linalg":
        return CompiledModel(linalg, None, None, time.perf_counter() - start, strategy, target, reconcile, isa,
                             hop_aware, placement)
    optimise = "".join(f"{p}," for p in OPTIMISATIONS if p not in disabled)
    if pipeline != "none":  # after fusion: it decides how many cores each op is planned for
        optimise += f"pipeline-ops{{target=\"{target_spec(target)}\" mode={pipeline} isa={isa}}},"
    # isa-map records, on every planned op, the instruction mapping its plan was priced with
    rt = _run(linalg.clone(), f"{optimise}linalg-to-rtensor{{target=\"{target_spec(target)}\" cleanup=false strategy={strategy} "
                              f"reconcile={reconcile} record_timing=true isa={isa} "
                              f"hop_aware={'true' if hop_aware else 'false'}}},isa-map", ctx)
    if stop_after == "rtensor":
        return CompiledModel(linalg, rt, None, time.perf_counter() - start, strategy, target, reconcile, isa,
                             hop_aware, placement)
    dfm = _run(rt.clone(), "rtensor-to-dataflow", ctx)
    if target.routed and "place-cores" not in disabled and placement != "row-major":
        dfm = _run(dfm, f"place-cores{{strategy={placement}}}", ctx)
    from tilefabric.lowering.scratchpad_check import check_scratchpad

    check_scratchpad(dfm, target)  # what the planner does not count (activations, re-layouts)
    return CompiledModel(linalg, rt, dfm, time.perf_counter() - start, strategy, target, reconcile, isa,
                         hop_aware, placement)
