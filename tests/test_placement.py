"""Physical core placement: `dataflow.alloc place [...]` moves a buffer's grid cells onto other
physical cores. Numerics never change; memory is accounted on the physical cores; on a mesh the
routes (and so the time) follow the placement, on a crossbar time does not change.

References: numpy for the numbers, the unplaced run for memory (physical core place[i] must
show exactly what core i showed before) and hand-worked hop counts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from xdsl.dialects.builtin import DenseArrayBase, i64

from tests.test_link_timing import chip
from tilefabric import api
from tilefabric.dialects import dataflow as df
from tilefabric.examples import onnx_models as models
from tilefabric.lowering.scratchpad_check import check_scratchpad
from tilefabric.runtime_sim.simulator import simulate
from tilefabric.target import load_target_file, resolve_target


def place_all(module, perm: np.ndarray) -> int:
    """Put cell i of every alloc on physical core perm[i]; returns how many allocs changed."""
    n = 0
    for op in module.walk():
        if isinstance(op, df.AllocOp):
            op.place = DenseArrayBase.from_list(i64, [int(p) for p in perm[: op.buffer.type.cores]])
            n += 1
    module.verify()
    return n


def compiled_mlp(tmp_path: Path, target):
    path = models.save(models.mlp(16, 64, 48, 32), tmp_path / "mlp.onnx")
    return api.compile(str(path), target=target)


def reference_mlp(inputs: dict, model) -> np.ndarray:
    import onnxruntime as ort

    sess = ort.InferenceSession(model.SerializeToString())
    return sess.run(None, inputs)[0]


@pytest.mark.parametrize("topology,shape", [("mesh", (2, 4)), ("torus", (2, 4)), ("crossbar", None)])
def test_placed_program_computes_the_same_and_moves_memory(tmp_path: Path, topology, shape) -> None:
    target = load_target_file(chip(tmp_path, topology, shape))
    compiled = compiled_mlp(tmp_path, target)
    module = compiled.compiled.dataflow
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 64)).astype(np.float32)
    args = {**compiled.imported.weights, **api.prepare_inputs(compiled.imported, {"x": x})}
    base = simulate(module.clone(), target, args)
    perm = rng.permutation(target.cores)
    placed_module = module.clone()
    assert place_all(placed_module, perm) > 0
    placed = simulate(placed_module, target, args)
    want = reference_mlp({"x": x}, models.mlp(16, 64, 48, 32))
    for out in base.outputs:
        np.testing.assert_allclose(placed.outputs[out], want, rtol=1e-4, atol=1e-4)
        np.testing.assert_array_equal(placed.outputs[out], base.outputs[out])
    # physical core perm[i] holds exactly what logical core i held without placement
    np.testing.assert_array_equal(placed.per_core_peak_bytes[perm], base.per_core_peak_bytes)
    if topology == "crossbar":
        assert placed.latency_cycles == base.latency_cycles
    check_scratchpad(placed_module, target)


def shift_module(place: str | None) -> str:
    """A 1-D ring of 4 cells on a 2x4 mesh, each sending its 4 floats to the next cell."""
    attr = f"place array<i64: {place}> " if place else ""
    return f"""builtin.module {{
  func.func @f(%a: tensor<16xf32>) -> tensor<16xf32> {{
    %b = dataflow.alloc {attr}{{tf.op = "ring"}} : !dataflow.buffer<grid [4], local [4], f32>
    dataflow.scatter %a into %b offsets affine_map<(d0) -> (d0 * 4)> : tensor<16xf32> -> !dataflow.buffer<grid [4], local [4], f32>
    dataflow.shift %b from affine_map<(d0) -> ((d0 + 3) mod 4)> {{tf.op = "ring"}} : !dataflow.buffer<grid [4], local [4], f32>
    %c = dataflow.gather %b offsets affine_map<(d0) -> (d0 * 4)> : !dataflow.buffer<grid [4], local [4], f32> -> tensor<16xf32>
    dataflow.free %b : !dataflow.buffer<grid [4], local [4], f32>
    func.return %c : tensor<16xf32>
  }}
}}"""


def test_shift_routes_between_physical_cores(tmp_path: Path) -> None:
    """Row-major, the ring 0->1->2->3->0 on a 2x4 mesh closes with a 3-hop wrap (3 -> 0 west,
    while the other parts go east: busiest link 16 B, longest route 3 hops: 8 + 15 = 23
    cycles). Placed as a 2x2 loop
    (cells on cores 0, 1, 5, 4) every transfer is one hop on its own link: 16 B / 2 B/cycle +
    1 hop x 5 = 13 cycles."""
    from tilefabric.frontend.mlir_input import parse_module

    target = load_target_file(chip(tmp_path, "mesh", (2, 4)))
    a = np.arange(16, dtype=np.float32)
    want = np.roll(a, 4)
    row = simulate(parse_module(shift_module(None), "r.mlir"), target, {"arg0": a})
    loop = simulate(parse_module(shift_module("0, 1, 5, 4"), "l.mlir"), target, {"arg0": a})
    np.testing.assert_array_equal(row.outputs["result0"], want)
    np.testing.assert_array_equal(loop.outputs["result0"], want)
    ring = {o.name: o for o in loop.ops}["ring"]
    assert ring.shift_cycles == 16 / 2 + 1 * 5
    assert {o.name: o for o in row.ops}["ring"].shift_cycles == 16 / 2 + 3 * 5
    assert loop.links.hops_max == 1 and row.links.hops_max == 3
    peak = np.zeros(8)
    peak[[0, 1, 5, 4]] = 16 * 2  # the buffer plus the shift's receive copy
    np.testing.assert_array_equal(loop.per_core_peak_bytes, peak)


def exchange_module(src_place: str | None, dst_place: str | None) -> str:
    """A 4-cell buffer re-laid out onto another 4-cell buffer with the same offsets."""
    sa = f"place array<i64: {src_place}> " if src_place else ""
    da = f"place array<i64: {dst_place}> " if dst_place else ""
    t = "!dataflow.buffer<grid [4], local [4], f32>"
    return f"""builtin.module {{
  func.func @f(%a: tensor<16xf32>) -> tensor<16xf32> {{
    %s = dataflow.alloc {sa}: {t}
    %d = dataflow.alloc {da}{{tf.op = "move"}} : {t}
    dataflow.scatter %a into %s offsets affine_map<(d0) -> (d0 * 4)> : tensor<16xf32> -> {t}
    dataflow.exchange %s offsets affine_map<(d0) -> (d0 * 4)> into %d offsets affine_map<(d0) -> (d0 * 4)> shape array<i64: 16> {{tf.op = "move"}} : {t} -> {t}
    %c = dataflow.gather %d offsets affine_map<(d0) -> (d0 * 4)> : {t} -> tensor<16xf32>
    func.return %c : tensor<16xf32>
  }}
}}"""


@pytest.mark.parametrize("topology,shape", [("mesh", (2, 4)), ("crossbar", None)])
def test_exchange_needs_the_same_physical_core(tmp_path: Path, topology, shape) -> None:
    """Same offsets on both sides: nothing moves when both buffers sit on the same physical
    cores (placed alike), everything moves when the destination sits on other cores."""
    from tilefabric.frontend.mlir_input import parse_module

    target = load_target_file(chip(tmp_path, topology, shape))
    a = np.arange(16, dtype=np.float32)
    for src, dst, moves in [(None, None, 0), ("4, 5, 6, 7", "4, 5, 6, 7", 0), (None, "4, 5, 6, 7", 64),
                            ("3, 2, 1, 0", None, 64)]:
        res = simulate(parse_module(exchange_module(src, dst), "x.mlir"), target, {"arg0": a})
        np.testing.assert_array_equal(res.outputs["result0"], a)
        move = {o.name: o for o in res.ops}.get("move")
        moved = move.bytes_moved if move else 0
        assert moved == moves, (src, dst)
        if topology == "mesh" and moves:
            # (None -> 4..7): each cell one hop south, 16 B on its own link: 8 + 5 cycles, plus syncs
            if src is None:
                assert move.shift_cycles == 16 / 2 + 5


def test_wrong_placements_are_refused() -> None:
    from tilefabric.frontend.mlir_input import parse_module
    from tilefabric.errors import TileFabricError

    text = shift_module("0, 1, 1, 2")
    with pytest.raises(Exception, match="physical core 1 holds more than one grid cell"):
        parse_module(text, "bad.mlir").verify()
    assert resolve_target("ipu-mk2").cores == 1472
    _ = TileFabricError
