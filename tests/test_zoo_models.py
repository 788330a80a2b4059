"""The small models of the zoo (`tilefabric.zoo.SMALL`): each is a valid ONNX graph that
onnxruntime runs to finite outputs, and each compiles for ipu-mk2, simulates and matches
onnxruntime. The xfail marks record what the compiler did not support yet when the zoo was added.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from tilefabric.zoo import SMALL, reference_inputs

NOT_YET: dict[str, str] = {}  # small zoo models the compiler cannot run yet, with their error


def _cases(xfail: bool) -> list:
    return [pytest.param(name, marks=pytest.mark.xfail(strict=False, reason=NOT_YET[name]))
            if xfail and name in NOT_YET else name for name in sorted(SMALL)]


@pytest.mark.parametrize("name", _cases(xfail=False))
def test_valid_and_finite_under_onnxruntime(name: str) -> None:
    proto = SMALL[name]()
    onnx.checker.check_model(proto, full_check=True)
    assert proto.ir_version == 8 and proto.opset_import[0].version == 17
    names = [node.name for node in proto.graph.node]
    assert all(names) and len(set(names)) == len(names)
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    for output, value in zip(session.get_outputs(), session.run(None, reference_inputs(proto, seed=3))):
        assert np.isfinite(value).all(), output.name


def test_reference_inputs_are_valid_ids_and_masks() -> None:
    inputs = reference_inputs(SMALL["bert_tiny"](), seed=1)
    assert inputs["input_ids"].dtype == np.int64 and 0 <= inputs["input_ids"].min() <= inputs["input_ids"].max() < 100
    assert set(np.unique(inputs["token_type_ids"])) <= {0, 1}
    mask = inputs["attention_mask"]
    assert mask[:, 0].all() and not mask[:, -1].any()
    assert (np.diff(mask, axis=1) <= 0).all()  # ones, then trailing zeros


@pytest.mark.parametrize("name", _cases(xfail=True))
def test_compiles_and_matches_onnxruntime(name: str, tmp_path) -> None:
    """`tilefabric run M.onnx --target ipu-mk2 --check` exits 0, on the CLI's own generated
    inputs (ids bounded by the tables they index) and on the builder's reference inputs."""
    proto = SMALL[name]()
    path = tmp_path / f"{name}.onnx"
    onnx.save(proto, path)
    npz = tmp_path / "inputs.npz"
    np.savez(npz, **reference_inputs(proto, seed=3))
    for extra in ([], ["--inputs", str(npz)]):
        proc = subprocess.run([sys.executable, "-m", "tilefabric", "run", str(path), "--target", "ipu-mk2", "--check", *extra],
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "check vs onnxruntime: PASS" in proc.stdout
