"""The Python entry point: `compile` a model for a chip, then `run` it on the simulator.

The heavy layers (frontend, pipeline, simulator, onnxruntime) are imported lazily so that
`import tilefabric` stays cheap and works while only part of the stack is needed.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tilefabric.errors import TileFabricError
from tilefabric.target import Target, resolve_target

if TYPE_CHECKING:  # only for annotations; importing them eagerly would pull in xDSL/torch-mlir
    import onnx

    from tilefabric.check import CheckResult
    from tilefabric.frontend.model import ImportedModel
    from tilefabric.pipeline import CompiledModel

IR_LEVELS = ("linalg", "rtensor", "dataflow")
# Set (to anything but "" or "0") to simulate every run in strict mode (see Program.run): tests
# turn it on for the CLI subprocesses they start.
STRICT_ENV = "TILEFABRIC_STRICT"


def strict_from_env() -> bool:
    return os.environ.get(STRICT_ENV, "") not in ("", "0")


# --- loading -------------------------------------------------------------------------------
@dataclass
class LoadedModel:
    """An imported model plus where it came from: the check needs the original ONNX."""

    imported: ImportedModel
    name: str
    path: Path | None  # the user's file, None for an in-memory ModelProto
    reference: str | bytes | None  # what onnxruntime should load; None for MLIR input
    import_seconds: float = 0.0

    @property
    def is_mlir(self) -> bool:
        return self.reference is None


def is_mlir_path(model: str | os.PathLike) -> bool:
    """MLIR input has no ONNX reference, so callers refuse `--check` for it up front."""
    return Path(model).suffix.lower() == ".mlir"


def resolve(target: str | os.PathLike | Target) -> Target:
    """Accept a preset name, a .toml path or a ready `Target`."""
    if isinstance(target, Target):
        return target
    if isinstance(target, os.PathLike):
        target = os.fspath(target)
    if not isinstance(target, str):
        raise TileFabricError(f"target must be a preset name, a .toml path or a Target, got {type(target).__name__}")
    return resolve_target(target)


def _load_path(path: Path) -> Any:
    if not path.exists():
        raise TileFabricError("model file not found", str(path))
    if not path.is_file():
        raise TileFabricError("model path is not a file", str(path))
    from tilefabric.frontend import load_model

    return load_model(path)


def _load_proto(proto: onnx.ModelProto) -> tuple[Any, bytes]:
    """Serialise once: the bytes feed both the frontend (via a temp file) and onnxruntime."""
    data = proto.SerializeToString()
    with tempfile.TemporaryDirectory(prefix="tilefabric-") as tmp:
        path = Path(tmp) / f"{proto.graph.name or 'model'}.onnx"
        path.write_bytes(data)
        return _load_path(path), data


def load(model: str | os.PathLike | onnx.ModelProto) -> LoadedModel:
    """Import an .onnx/.mlir file or an `onnx.ModelProto` into linalg on tensors."""
    start = time.perf_counter()
    if isinstance(model, (str, os.PathLike)):
        path = Path(model)
        imported = _load_path(path)
        reference = None if is_mlir_path(path) else str(path)
        loaded = LoadedModel(imported, path.name, path, reference)
    elif type(model).__name__ == "ModelProto":
        imported, data = _load_proto(model)
        loaded = LoadedModel(imported, model.graph.name or "model", None, data)
    else:
        raise TileFabricError(f"model must be a path or an onnx.ModelProto, got {type(model).__name__}")
    loaded.import_seconds = time.perf_counter() - start
    return loaded


# --- inputs --------------------------------------------------------------------------------
def _random_array(rng: np.random.Generator, shape: tuple[int, ...], dtype: np.dtype,
                  bound: int | None = None) -> np.ndarray:
    """Data a model can consume without overflow: normal floats, small integers, coin flips;
    indices into a table (`bound` rows) stay in range."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return rng.random(shape) < 0.5
    if np.issubdtype(dtype, np.integer) and bound is not None:
        return rng.integers(0, bound, size=shape).astype(dtype)
    if np.issubdtype(dtype, np.integer):
        low = 0 if np.issubdtype(dtype, np.unsignedinteger) else -8
        return rng.integers(low, 8, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def _expected(imported: ImportedModel) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    return {name: (tuple(shape), np.dtype(dtype)) for name, shape, dtype in
            zip(imported.input_names, imported.input_shapes, imported.input_dtypes)}


def _validate_one(name: str, value: Any, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype != dtype:
        raise TileFabricError(f"input '{name}' has dtype {array.dtype}, expected {dtype}")
    if tuple(array.shape) != shape:
        raise TileFabricError(f"input '{name}' has shape {tuple(array.shape)}, expected {shape}")
    return array


def validate_inputs(imported: ImportedModel, inputs: Mapping[str, Any] | None) -> dict[str, np.ndarray]:
    """Check given inputs against the model (names, dtypes, shapes) without generating any:
    cheap, so callers run it before compiling; generated data waits until the model is known to
    fit the chip (a huge model's random inputs alone could exhaust host memory).

    Every problem names the input, so a CLI user knows which array in the .npz to fix.
    """
    expected = _expected(imported)
    checked = {}
    for name, value in dict(inputs or {}).items():
        if name in expected:
            checked[name] = _validate_one(name, value, *expected[name])
        elif name in imported.weights:
            raise TileFabricError(f"input '{name}' is a weight of the model, not an input "
                                  f"(inputs: {', '.join(expected) or 'none'})")
        else:
            raise TileFabricError(f"unknown input '{name}' (model inputs: {', '.join(expected) or 'none'})")
    return checked


def prepare_inputs(imported: ImportedModel, inputs: Mapping[str, Any] | None = None,
                   seed: int = 0) -> dict[str, np.ndarray]:
    """Check the given inputs against the model and fill the missing ones with seeded data."""
    given = validate_inputs(imported, inputs)
    rng = np.random.default_rng(seed)
    prepared = {}
    for name, (shape, dtype) in _expected(imported).items():
        # drawn even when given: stable per-name data
        generated = _random_array(rng, shape, dtype, imported.index_bounds.get(name))
        prepared[name] = given.get(name, generated)
    return prepared


# --- program and result --------------------------------------------------------------------
@dataclass
class Result:
    """One simulated execution: outputs by name, latency and the full report dict."""

    outputs: dict[str, np.ndarray]
    cycles: float
    ms: float
    report: dict[str, Any]
    inputs: dict[str, np.ndarray] = field(default_factory=dict)
    sim: Any = None  # the simulator's SimResult, for per-core detail
    check: CheckResult | None = None

    @property
    def timeline(self) -> Any:
        """The recorded `runtime_sim.trace.Timeline` of a `run(..., trace=True)`, else None."""
        return getattr(self.sim, "timeline", None)


class Program:
    """A model compiled for one target: run it, inspect its IR, check it against onnxruntime."""

    def __init__(self, loaded: LoadedModel, compiled: CompiledModel):
        self.loaded = loaded
        self.compiled = compiled

    @property
    def imported(self) -> ImportedModel:
        return self.loaded.imported

    @property
    def target(self) -> Target:
        return self.compiled.target

    @property
    def strategy(self) -> str:
        return self.compiled.strategy

    @property
    def input_names(self) -> list[str]:
        return list(self.imported.input_names)

    @property
    def output_names(self) -> list[str]:
        return list(self.imported.output_names)

    def plan_summary(self) -> dict[str, Any]:
        """Per-op plans, search statistics and rooflines (what `tilefabric plan` prints)."""
        from tilefabric.plan_summary import summarize

        return summarize(self.compiled.rtensor, self.target, self.strategy, self.compiled.reconcile)

    def ir(self, level: str = "dataflow") -> str:
        """MLIR text of one stage: 'linalg', 'rtensor' or 'dataflow'."""
        if level not in IR_LEVELS:
            raise TileFabricError(f"unknown IR level '{level}' (choose one of {', '.join(IR_LEVELS)})")
        module = getattr(self.compiled, level)
        if module is None:
            raise TileFabricError(f"IR level '{level}' was not compiled (compiled up to an earlier level)")
        return str(module)

    def run(self, inputs: Mapping[str, Any] | None = None, seed: int = 0, *, trace: bool = False,
            progress: Callable[[int], Callable[[], None]] | None = None, strict: bool = False) -> Result:
        """Simulate one execution; missing inputs get seeded random data of the right type.
        `trace` records the timeline (`Result.timeline`); `progress(n_steps)` returns a function
        called after each top-level dataflow step (see runtime_sim.simulate); `strict` refuses
        reads of never-written data (runtime_sim/written.py), and is on whatever the argument
        when the environment sets TILEFABRIC_STRICT=1."""
        from tilefabric.report import build_report
        from tilefabric.runtime_sim import simulate

        strict = strict or strict_from_env()
        user = prepare_inputs(self.imported, inputs, seed)
        args = {**self.imported.weights, **user}
        sim = simulate(self.compiled.dataflow, self.target, args, strict, trace=trace, progress=progress)
        report = build_report(self, sim)
        return Result(outputs=dict(sim.outputs), cycles=float(sim.latency_cycles),
                      ms=report["latency_ms"], report=report, inputs=user, sim=sim)

    def check(self, result: Result) -> CheckResult:
        """Compare `result` with onnxruntime on the same inputs; adds `check` to its report."""
        from tilefabric.check import check_result

        outcome = check_result(self.loaded, result)
        result.check = outcome
        result.report["check"] = outcome.to_dict()
        return outcome


def compile_loaded(loaded: LoadedModel, target: str | os.PathLike | Target = "ipu-mk2",
                   strategy: str = "t10", disabled: Sequence[str] = (), reconcile: str = "milp",
                   stop_after: str = "dataflow", isa: str = "exhaustive", pipeline: str | None = None, *,
                   hop_aware: bool = True, placement: str = "auto") -> Program:
    """Compile an already imported model (lets callers time or report the phases apart);
    `stop_after` an IR level to compile only that far (`Program.ir` of later levels refuses);
    `isa` the instruction-mapping strategy (exhaustive, greedy, ranked); `pipeline` the
    inter-operator pipelining mode (auto, none, chunks, organised; None: the target's default,
    docs/pipelining.md). Mesh / torus targets: `hop_aware` and `placement` (auto, row-major,
    ring) choose how the planner prices and place-cores places communication
    (docs/placement.md; False + row-major: the topology-oblivious baseline)."""
    from tilefabric.pipeline import compile_model

    compiled = compile_model(loaded.imported, resolve(target), strategy=strategy, disabled=tuple(disabled),
                             reconcile=reconcile, stop_after=stop_after, isa=isa, pipeline=pipeline,
                             hop_aware=hop_aware, placement=placement)
    return Program(loaded, compiled)


def compile(model: str | os.PathLike | onnx.ModelProto, target: str | os.PathLike | Target = "ipu-mk2",
            strategy: str = "t10", disabled: Sequence[str] = (), reconcile: str = "milp",
            isa: str = "exhaustive", pipeline: str | None = None, *, hop_aware: bool = True,
            placement: str = "auto") -> Program:
    """Import `model` (.onnx/.mlir path or ModelProto) and compile it for `target`."""
    chip = resolve(target)  # a bad target fails before the slow import
    return compile_loaded(load(model), chip, strategy, disabled, reconcile, isa=isa, pipeline=pipeline,
                          hop_aware=hop_aware, placement=placement)
