"""Graphs from real exporters (torch.onnx on Hugging Face BERT / GPT-2 / ViT and small torch.nn
CNNs / MLPs, see tools/export_fixtures.py) through the compiler and simulator, against the
onnxruntime outputs stored next to each model. No torch here: the fixtures are committed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tilefabric

FIXTURES = Path(__file__).parent / "data" / "fixtures"
MAX_BYTES = 2 * 1024 * 1024
RTOL = 1e-3

# Fixtures the compiler cannot run yet, with the error they fail with today.
XFAIL: dict[str, str] = {}

NAMES = ["bert_1layer", "gpt2_1layer", "vit_1layer", "cnn_bn_dw", "cnn_opset9", "mlp_old_zoo"]


def _param(name: str):
    marks = [pytest.mark.xfail(strict=False, reason=XFAIL[name])] if name in XFAIL else []
    return pytest.param(name, marks=marks, id=name)


def load_npz(name: str) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    with np.load(FIXTURES / f"{name}.npz") as data:
        inputs = {k.removeprefix("in:"): data[k] for k in data.files if k.startswith("in:")}
        outputs = {k.removeprefix("out:"): data[k] for k in data.files if k.startswith("out:")}
    return inputs, outputs


def max_rel_err(actual: np.ndarray, expected: np.ndarray) -> float:
    expected = expected.astype(np.float64)
    return float(np.abs(actual.astype(np.float64) - expected).max() / np.abs(expected).max())


@pytest.mark.parametrize("name", NAMES)
def test_fixture_is_small(name: str) -> None:
    for suffix in (".onnx", ".npz"):
        path = FIXTURES / f"{name}{suffix}"
        assert path.is_file(), path
        assert path.stat().st_size < MAX_BYTES, (path.name, path.stat().st_size)


@pytest.mark.parametrize("name", [_param(n) for n in NAMES])
def test_fixture_matches_onnxruntime(name: str) -> None:
    inputs, expected = load_npz(name)
    program = tilefabric.compile(str(FIXTURES / f"{name}.onnx"), target="ipu-mk2")
    result = program.run(inputs=inputs)
    assert set(result.outputs) == set(expected)
    for out, ref in expected.items():
        got = np.asarray(result.outputs[out])
        assert got.shape == ref.shape, (out, got.shape, ref.shape)
        assert max_rel_err(got, ref) <= RTOL, (out, max_rel_err(got, ref))


@pytest.mark.parametrize("name", [_param(n) for n in NAMES])
def test_cli_run_check(name: str, tmp_path: Path) -> None:
    """`tilefabric run M.onnx --target ipu-mk2 --check`, on the stored inputs, exits 0."""
    inputs, _ = load_npz(name)
    npz = tmp_path / "inputs.npz"
    np.savez(npz, **inputs)
    env = {k: v for k, v in os.environ.items() if k != "TILEFABRIC_DEBUG"}
    proc = subprocess.run([sys.executable, "-m", "tilefabric", "run", str(FIXTURES / f"{name}.onnx"),
                           "--target", "ipu-mk2", "--inputs", str(npz), "--check"],
                          capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "check vs onnxruntime: PASS" in proc.stdout
