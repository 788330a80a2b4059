"""Faults planted in a hand-written dataflow program are reported naming the op: scratchpad
overflow, a read of never-written data (strict mode), a ring shift whose senders and receivers
do not match, and a shift that waits for a core that never sends (deadlock)."""

from __future__ import annotations

import numpy as np
import pytest

from tilefabric.errors import TileFabricError
from tilefabric.frontend.mlir_input import parse_module
from tilefabric.runtime_sim.simulator import simulate
from tilefabric.target import resolve_target

BUF = "!dataflow.buffer<grid [2], local [4, 8], f32>"
PROGRAM = """
builtin.module attributes {{tf.target = "ipu-mk2"}} {{
  func.func @f(%a: tensor<8x8xf32>) -> tensor<8x8xf32> {{
    %ba = dataflow.alloc {{tf.op = "load"}} : {buf}
    {scatter}
    {extra}
    %bc = dataflow.alloc {{tf.op = "double"}} : {buf}
    dataflow.compute ins(%ba : {buf}) outs(%bc : {buf}) sizes array<i64: 4, 8> attributes {{indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"], offsets = [affine_map<(c0) -> (0, 0)>, affine_map<(c0) -> (0, 0)>], tf.op = "double"}} {{
    ^bb0(%x: f32, %o: f32):
      %r = arith.addf %x, %x : f32
      linalg.yield %r : f32
    }}
    %c = dataflow.gather %bc offsets affine_map<(c0) -> (c0 * 4, 0)> : {buf} -> tensor<8x8xf32>
    func.return %c : tensor<8x8xf32>
  }}
}}
"""
SCATTER = f"dataflow.scatter %a into %ba offsets affine_map<(c0) -> (c0 * 4, 0)> : tensor<8x8xf32> -> {BUF}"
A = np.arange(64, dtype=np.float32).reshape(8, 8)


def _simulate(scatter: str = SCATTER, extra: str = "", strict: bool = True):
    module = parse_module(PROGRAM.format(buf=BUF, scatter=scatter, extra=extra), "fault.mlir")
    return simulate(module, resolve_target("ipu-mk2"), {"arg0": A}, strict=strict)


@pytest.mark.parametrize("strict", [False, True])
def test_the_unplanted_program_runs(strict: bool) -> None:
    np.testing.assert_array_equal(_simulate(strict=strict).outputs["result0"], 2 * A)


def test_read_before_write_names_the_op_buffer_and_core() -> None:
    with pytest.raises(TileFabricError) as err:
        _simulate(scatter="")
    message = str(err.value)
    assert message.startswith("op 'double': operand #0 of the compute reads element [0, 0] of buffer 'load#")
    assert "on core 0 before anything wrote it (read-before-write)" in message
    assert np.isnan(_simulate(scatter="", strict=False).outputs["result0"]).all()  # not strict: poisoned


def test_overflow_names_the_op_and_core() -> None:
    huge = 'dataflow.alloc {tf.op = "huge"} : !dataflow.buffer<grid [2], local [200000], f32>'
    with pytest.raises(TileFabricError, match=r"^scratchpad overflow in op 'huge' on core 0: \d+ bytes live, capacity \d+"):
        _simulate(extra=f"%h = {huge}")


def test_mismatched_shift_names_the_op() -> None:
    bad = f'dataflow.shift %ba from affine_map<(c0) -> (0)> {{tf.op = "ring"}} : {BUF}'
    with pytest.raises(TileFabricError, match=r"shift of op 'ring': senders and receivers do not match .*core \[0\] sends to 2 cores"):
        _simulate(extra=bad)


def test_deadlocked_shift_names_the_op() -> None:
    bad = f'dataflow.shift %ba from affine_map<(c0) -> (c0 + 1)> {{tf.op = "ring"}} : {BUF}'
    with pytest.raises(TileFabricError, match=r"shift of op 'ring': .* never sends \(deadlock\): core \[1\] waits for core \[2\]"):
        _simulate(extra=bad)


def test_cli_strict_run_of_a_real_model_is_clean(tmp_path) -> None:
    """`tilefabric run --strict --check` on a model with pads, pooling and a residual: the
    compiler's own programs never read unwritten data."""
    import subprocess
    import sys

    from tilefabric.examples import onnx_models

    path = onnx_models.save(onnx_models.small_cnn(batch=1, size=16), tmp_path / "cnn.onnx")
    proc = subprocess.run([sys.executable, "-m", "tilefabric", "run", str(path), "--strict", "--check"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "check vs onnxruntime: PASS" in proc.stdout
