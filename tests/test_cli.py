"""End-to-end tests of the `tilefabric` command, run as a subprocess like a user would.

They pin the CLI contract: correct numbers on the bundled graphs (including sizes that do not
divide 1472 cores), the files it writes, and that every bad input gives one `error:` line on
stderr, a non-zero exit, no traceback, and leaves the user's files untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from tilefabric.examples import onnx_models as models

try:  # the one place that decides whether the end-to-end tests can run yet
    import tilefabric.pipeline  # noqa: F401
    import tilefabric.runtime_sim  # noqa: F401

    PIPELINE_ERROR = None
except ImportError as exc:
    PIPELINE_ERROR = str(exc)
needs_pipeline = pytest.mark.skipif(PIPELINE_ERROR is not None, reason=f"pipeline not importable: {PIPELINE_ERROR}")

REPORT_KEYS = ("target", "strategy", "latency_cycles", "latency_ms", "compile_seconds", "simulate_seconds",
               "peak_scratchpad_bytes", "scratchpad_bytes", "ops", "check")
OP_KEYS = ("name", "kind", "cycles", "compute_cycles", "shift_cycles", "sync_cycles", "bytes_moved", "plan",
           "predicted_cycles")


# --- helpers -------------------------------------------------------------------------------
def tilefabric(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TILEFABRIC_DEBUG"}
    env["COLUMNS"] = "200"
    return subprocess.run([sys.executable, "-m", "tilefabric", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, env=env)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_one_line_error(proc: subprocess.CompletedProcess, *mentions: str) -> str:
    """Non-zero exit, exactly one stderr line starting `error:` that names each mention."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: "), lines[0]
    for mention in mentions:
        assert mention in lines[0], (mention, lines[0])
    return lines[0]


def onnxruntime_outputs(model_path: Path, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    import onnxruntime as ort

    session = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(names, inputs)))


def max_rel_err(actual: np.ndarray, expected: np.ndarray) -> float:
    expected = expected.astype(np.float64)
    return float(np.abs(actual.astype(np.float64) - expected).max() / max(np.abs(expected).max(), 1e-30))


@pytest.fixture
def matmul_model(tmp_path: Path) -> Path:
    return models.save(models.matmul(8, 16, 4), tmp_path / "mm.onnx")


# --- numerics ------------------------------------------------------------------------------
CHECK_CASES = {
    "matmul_37x53x91": lambda: models.matmul(37, 53, 91),
    "matmul_100x300x70": lambda: models.matmul(100, 300, 70),
    "matmul_f16_64x128x32": lambda: models.matmul(64, 128, 32, "f16"),
    "matmul_256x512x384": lambda: models.matmul(256, 512, 384),
    "gemm_100x300x70": lambda: models.gemm(100, 300, 70),
    "chain_37x91": lambda: models.elementwise_chain(37, 91),
    "chain_128x256": lambda: models.elementwise_chain(128, 256),
    "softmax_100x70": lambda: models.softmax(100, 70),
    "softmax_37x91": lambda: models.softmax(37, 91),
    "transpose_matmul_37x53x91": lambda: models.transpose_matmul(37, 53, 91),
    "transpose_matmul_64x32x48": lambda: models.transpose_matmul(64, 32, 48),
}


@needs_pipeline
@pytest.mark.parametrize("case", sorted(CHECK_CASES))
def test_run_check_passes(case: str, tmp_path: Path) -> None:
    path = models.save(CHECK_CASES[case](), tmp_path / f"{case}.onnx")
    proc = tilefabric("run", path, "--target", "ipu-mk2", "--check")
    assert proc.returncode == 0, proc.stderr
    assert "PASS" in proc.stdout


@pytest.fixture(scope="module")
def gemm_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One `run` with every output option: several tests read what it wrote."""
    tmp = tmp_path_factory.mktemp("gemm")
    model = models.save(models.gemm(37, 53, 91), tmp / "gemm.onnx")
    inputs = {"X": np.random.default_rng(7).standard_normal((37, 53)).astype(np.float32)}
    np.savez(tmp / "in.npz", **inputs)
    before = {p: sha256(p) for p in (model, tmp / "in.npz")}
    proc = tilefabric("run", model, "--inputs", tmp / "in.npz", "--check", "--save-outputs", tmp / "out.npz",
                      "--report", tmp / "report.json")
    return dict(proc=proc, model=model, inputs=inputs, tmp=tmp, before=before)


@needs_pipeline
def test_save_outputs_match_onnxruntime(gemm_run: dict) -> None:
    assert gemm_run["proc"].returncode == 0, gemm_run["proc"].stderr
    with np.load(gemm_run["tmp"] / "out.npz") as saved:
        outputs = {k: saved[k] for k in saved.files}
    reference = onnxruntime_outputs(gemm_run["model"], gemm_run["inputs"])
    assert sorted(outputs) == sorted(reference) == ["Y"]
    for name, ref in reference.items():
        assert outputs[name].shape == ref.shape and outputs[name].dtype == ref.dtype
        assert max_rel_err(outputs[name], ref) <= 1e-4


@needs_pipeline
def test_report_json_has_required_keys(gemm_run: dict) -> None:
    assert gemm_run["proc"].returncode == 0, gemm_run["proc"].stderr
    report = json.loads((gemm_run["tmp"] / "report.json").read_text())
    assert set(REPORT_KEYS) <= set(report)
    assert report["target"] == "ipu-mk2" and report["strategy"] == "t10"
    assert report["latency_cycles"] > 0 and report["scratchpad_bytes"] == 638976
    assert 0 < report["peak_scratchpad_bytes"] <= report["scratchpad_bytes"]
    assert report["ops"] and all(set(OP_KEYS) <= set(op) for op in report["ops"])
    assert report["check"]["passed"] is True


@needs_pipeline
def test_run_leaves_inputs_unchanged(gemm_run: dict) -> None:
    assert all(sha256(p) == digest for p, digest in gemm_run["before"].items())


# --- compile and targets -------------------------------------------------------------------
@needs_pipeline
@pytest.mark.parametrize("level,marker", [("linalg", "linalg.generic"), ("rtensor", "rtensor.compute"),
                                          ("dataflow", "dataflow.compute")])
def test_compile_emits_level(level: str, marker: str, tmp_path: Path) -> None:
    model = models.save(models.gemm(37, 53, 91), tmp_path / "gemm.onnx")
    proc = tilefabric("compile", model, "--target", "ipu-mk2", "--emit", level)
    assert proc.returncode == 0, proc.stderr
    assert marker in proc.stdout


@needs_pipeline
def test_compile_writes_ir_and_weights(tmp_path: Path) -> None:
    model = models.save(models.gemm(37, 53, 91), tmp_path / "gemm.onnx")
    proc = tilefabric("compile", model, "-o", tmp_path / "g.mlir", "--weights", tmp_path / "w.npz")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert "dataflow.compute" in (tmp_path / "g.mlir").read_text()
    with np.load(tmp_path / "w.npz") as weights:
        assert weights.files  # Gemm's W and b are weights


def test_targets_lists_presets() -> None:
    proc = tilefabric("targets")
    assert proc.returncode == 0, proc.stderr
    assert "ipu-mk2" in proc.stdout and "ipu-pod4" in proc.stdout
    assert "amp (matrix), vector (vector)" in proc.stdout and "fpu-eltwise (vector)" in proc.stdout


# --- bad input: one line, names the culprit, touches nothing -------------------------------
@needs_pipeline
def test_truncated_onnx(matmul_model: Path) -> None:
    data = matmul_model.read_bytes()
    bad = matmul_model.with_name("truncated.onnx")
    bad.write_bytes(data[: len(data) // 2])
    digest = sha256(bad)
    assert_one_line_error(tilefabric("run", bad), "truncated.onnx")
    assert sha256(bad) == digest


def test_unknown_target(matmul_model: Path) -> None:
    digest = sha256(matmul_model)
    assert_one_line_error(tilefabric("run", matmul_model, "--target", "ipu-mk9"), "ipu-mk9")
    assert sha256(matmul_model) == digest


@needs_pipeline
def test_unsupported_onnx_op(tmp_path: Path) -> None:
    node = helper.make_node("LpPool", ["x"], ["y"], name="pool", kernel_shape=[2, 2])
    graph = helper.make_graph([node], "lppool",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 7, 7])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = tmp_path / "lppool.onnx"
    onnx.save(model, str(path))
    digest = sha256(path)
    assert_one_line_error(tilefabric("run", path), "LpPool")
    assert sha256(path) == digest


def test_missing_model_file(tmp_path: Path) -> None:
    assert_one_line_error(tilefabric("run", tmp_path / "absent.onnx"), "absent.onnx")


def test_malformed_target_toml(matmul_model: Path) -> None:
    toml = matmul_model.with_name("chip.toml")
    toml.write_text('name = "chip"\ncores = [unclosed\n')
    digest = sha256(toml)
    assert_one_line_error(tilefabric("run", matmul_model, "--target", toml), "chip.toml")
    assert sha256(toml) == digest


@needs_pipeline
def test_inputs_with_wrong_shape(matmul_model: Path) -> None:
    npz = matmul_model.with_name("bad_inputs.npz")
    np.savez(npz, A=np.zeros((8, 15), np.float32), B=np.zeros((16, 4), np.float32))
    before = sha256(npz), sha256(matmul_model)
    assert_one_line_error(tilefabric("run", matmul_model, "--inputs", npz), "'A'")
    assert (sha256(npz), sha256(matmul_model)) == before


def test_unwritable_report_path(matmul_model: Path) -> None:
    digest = sha256(matmul_model)
    assert_one_line_error(tilefabric("run", matmul_model, "--report", "/nonexistent_dir/x.json"),
                          "/nonexistent_dir/x.json")
    assert sha256(matmul_model) == digest
