"""`--disable` takes only the cleanup passes; disabling one that the model needs gives a clear
one-line refusal naming the operator instead of an internal error."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tilefabric.examples import onnx_models


@pytest.fixture(scope="module")
def mlp_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("m") / "mlp.onnx"
    onnx_models.save(onnx_models.mlp(8, 16, 12, 6), path)
    return path


def run(*args):
    return subprocess.run([sys.executable, "-m", "tilefabric", "run", *map(str, args)], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(
    "disabled,message",
    [
        ("nonsense", "cannot disable pass 'nonsense'"),
        ("drop-dead-outputs", "operator 'softmax.2': its body reads loop indices (linalg.index)"),
    ],
)
def test_disable_refusals(mlp_path, disabled, message):
    proc = run(mlp_path, "--disable", disabled)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and message in lines[0]
    assert "Traceback" not in proc.stderr


def test_disable_fold_unit_reshapes_still_runs_correctly(mlp_path):
    """Without the cleanup, the unit reshapes stay and run as reshaping exchanges."""
    proc = run(mlp_path, "--disable", "fold-unit-reshapes", "--check")
    assert proc.returncode == 0, proc.stderr
    assert "check vs onnxruntime: PASS" in proc.stdout


def test_disable_fold_scalar_operands_still_refused_clearly(mlp_path):
    proc = run(mlp_path, "--disable", "fold-scalar-operands")
    assert proc.returncode == 2 and "scalar operand" in proc.stderr and "Traceback" not in proc.stderr
