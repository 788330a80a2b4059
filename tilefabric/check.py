"""Numerical check against onnxruntime: the simulator's outputs must match the ONNX reference.

Errors are relative to the largest reference magnitude of each output (not element-wise), so
near-zero elements of a well-scaled output do not produce meaningless huge ratios.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from tilefabric.errors import TileFabricError

if TYPE_CHECKING:
    from tilefabric.api import LoadedModel, Result

TINY = float(np.finfo(np.float32).tiny)
DEFAULT_TOLERANCE = 1e-4
# Half-precision outputs keep ~3 decimal digits, so a tighter bound would flag rounding.
HALF_TOLERANCE = 1e-2
_HALF_NAMES = {"float16", "bfloat16"}


@dataclass
class OutputError:
    """How far one output is from the reference."""

    name: str
    max_abs_err: float
    max_rel_err: float
    tolerance: float
    passed: bool
    note: str = ""


@dataclass
class CheckResult:
    """The worst errors over all outputs and the per-output detail."""

    max_abs_err: float
    max_rel_err: float
    tolerance: float
    passed: bool
    outputs: list[OutputError] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def tolerance_for(dtype: np.dtype) -> float:
    """1e-2 for fp16/bf16 outputs, 1e-4 otherwise."""
    return HALF_TOLERANCE if np.dtype(dtype).name in _HALF_NAMES else DEFAULT_TOLERANCE


def _first_line(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return lines[0] if lines else type(exc).__name__


def reference_outputs(reference: str | bytes, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Run the ONNX model (path or serialised bytes) in onnxruntime's CPU provider."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3  # warnings would break the CLI's one-line stderr contract
    # the reference runs the graph as written: onnxruntime 1.31's MatMul-scale fusion rejects
    # some valid graphs (tests/test_fuzz.py regression 'ort-matmul-scale-fusion')
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    try:
        session = ort.InferenceSession(reference, sess_options=options, providers=["CPUExecutionProvider"])
        wanted = [i.name for i in session.get_inputs()]
        missing = [n for n in wanted if n not in inputs]
        if missing:
            raise TileFabricError(f"onnxruntime needs input(s) {', '.join(missing)} that the model import did not expose")
        names = [o.name for o in session.get_outputs()]
        values = session.run(names, {n: inputs[n] for n in wanted})
    except TileFabricError:
        raise
    except Exception as exc:  # onnxruntime raises its own exception hierarchy
        raise TileFabricError(f"onnxruntime cannot run the reference model: {_first_line(exc)}") from None
    return dict(zip(names, (np.asarray(v) for v in values)))


def _errors(actual: np.ndarray, expected: np.ndarray) -> tuple[float, float]:
    """(max |a-b|, max |a-b| / max|b|); a NaN or inf where the reference has none is infinite error."""
    a = np.asarray(actual, dtype=np.float64)
    b = np.asarray(expected, dtype=np.float64)
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    diff = np.where(same, 0.0, np.abs(a - b))
    diff = np.where(np.isnan(diff), np.inf, diff)
    max_abs = float(diff.max()) if diff.size else 0.0
    finite = np.abs(b[np.isfinite(b)])
    scale = max(float(finite.max()) if finite.size else 0.0, TINY)
    return max_abs, max_abs / scale


def compare_output(name: str, actual: np.ndarray | None, expected: np.ndarray) -> OutputError:
    tol = tolerance_for(expected.dtype)
    if actual is None:
        return OutputError(name, float("inf"), float("inf"), tol, False, "missing from the simulator outputs")
    actual = np.asarray(actual)
    if actual.shape != expected.shape:
        return OutputError(name, float("inf"), float("inf"), tol, False,
                           f"shape {actual.shape} differs from reference {expected.shape}")
    max_abs, max_rel = _errors(actual, expected)
    return OutputError(name, max_abs, max_rel, tol, bool(max_rel <= tol))


def compare(outputs: Mapping[str, np.ndarray], reference: Mapping[str, np.ndarray]) -> CheckResult:
    """Compare every reference output; the result passes only if each output does."""
    per = [compare_output(name, outputs.get(name), ref) for name, ref in reference.items()]
    if not per:
        raise TileFabricError("the reference model has no outputs to compare")
    return CheckResult(
        max_abs_err=max(p.max_abs_err for p in per),
        max_rel_err=max(p.max_rel_err for p in per),
        tolerance=min(p.tolerance for p in per),
        passed=all(p.passed for p in per),
        outputs=per,
    )


def check_result(loaded: LoadedModel, result: Result) -> CheckResult:
    """Re-run `loaded`'s ONNX model on `result.inputs` and compare with `result.outputs`."""
    if loaded.reference is None:
        raise TileFabricError("--check needs an ONNX model as reference; MLIR input has none",
                              str(loaded.path) if loaded.path else None)
    return compare(result.outputs, reference_outputs(loaded.reference, result.inputs))
