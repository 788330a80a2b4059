"""What the compiler cannot run is refused in one line naming the ONNX op and its node (exit 2,
no traceback); the elementwise math ops exporters emit (sin/cos for rotary embeddings, floor,
ceil, round, log1p, ...) run and match onnxruntime."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

SHAPE = [4, 8]


def _save(tmp_path, nodes, outputs, inits=()) -> str:
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, SHAPE)], outputs,
                              initializer=list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = tmp_path / "m.onnx"
    onnx.save(model, path)
    return str(path)


def _run(path: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tilefabric", "run", path, "--target", "ipu-mk2", *extra],
                          capture_output=True, text=True, timeout=300)


def _int64(name: str, values) -> onnx.TensorProto:
    return numpy_helper.from_array(np.asarray(values, dtype=np.int64), name)


UNSUPPORTED = {
    "TopK": ([helper.make_node("TopK", ["x", "k"], ["y", "i"], name="the_topk", axis=1)], [2, 2], [_int64("k", [2])]),
    "CumSum": ([helper.make_node("CumSum", ["x", "axis"], ["y"], name="the_cumsum")], SHAPE, [_int64("axis", 1)]),
    "ScatterND": ([helper.make_node("ScatterND", ["x", "idx", "upd"], ["y"], name="the_scatter")], SHAPE,
                  [_int64("idx", [[1]]), numpy_helper.from_array(np.ones((1, 8), np.float32), "upd")]),
}


@pytest.mark.parametrize("op_type", sorted(UNSUPPORTED))
def test_unsupported_op_is_refused_by_name_and_node(tmp_path, op_type: str) -> None:
    nodes, out_shape, inits = UNSUPPORTED[op_type]
    out_shape = SHAPE[:1] + [2] if op_type == "TopK" else out_shape
    path = _save(tmp_path, nodes, [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)], inits)
    proc = _run(path)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1, proc.stderr
    assert f"unsupported ONNX op '{op_type}'" in lines[0] and f"node '{nodes[0].name}'" in lines[0]
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("op_type", ["Sin", "Cos", "Floor", "Ceil", "Round", "Atan", "Tan"])
def test_elementwise_math_runs_and_matches_onnxruntime(tmp_path, op_type: str) -> None:
    path = _save(tmp_path, [helper.make_node(op_type, ["x"], ["y"], name=f"the_{op_type.lower()}")],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, SHAPE)])
    proc = _run(path, "--check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "check vs onnxruntime: PASS" in proc.stdout
