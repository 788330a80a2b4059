"""Link-level timing on mesh / torus targets: XY routes and per-link loads against hand-worked
examples, ring shifts placed well and badly, a re-layout's transfers, compute/shift overlap,
the report's link statistics and the link plot; on a crossbar nothing changes.

Every expected number below is worked out by hand from the routes (which links a transfer
crosses) and the documented formula: busiest link bytes / link_bytes_per_cycle + longest
route's hops × link_latency_cycles."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.test_cli import assert_one_line_error, tilefabric
from tilefabric.examples import onnx_models as models
from tilefabric.frontend.mlir_input import parse_module
from tilefabric.runtime_sim.simulator import simulate
from tilefabric.target import load_target_file, resolve_target
from tilefabric.target.routing import EAST, NORTH, SOUTH, WEST

BW, LAT, SYNC, RELAYOUT_SYNCS = 2.0, 5, 10, 2  # the test chip's link and barrier figures
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chip(tmp_path: Path, topology: str, shape=None, cores: int = 8, overlap=None, unary_fixed: float = 10,
         name: str = "chip") -> Path:
    """A small user target file: `topology` on `shape`, 2 B/cycle links, 5 cycles per hop."""
    mesh = f"mesh_shape = [{shape[0]}, {shape[1]}]\n" if shape else ""
    flag = f"overlap_compute_comm = {overlap}\n" if overlap is not None else ""
    text = f"""name = "{name}"
cores = {cores}
topology = "{topology}"
{mesh}scratchpad_bytes = 65536
clock_hz = 1.0e9
sync_cycles = {SYNC}
link_bytes_per_cycle = {BW}
link_latency_cycles = {LAT}
shift_buffers = 2
relayout_syncs = {RELAYOUT_SYNCS}
{flag}
[matmul]
unit = "mac"
block_cycles_per_byte = 1
block_m = 1
block_k_bytes = 4
block_n = 1
kn_cycles = 0
kn_block_k = 1
n_cycles = 0
fixed_cycles = 0
flops_per_cycle = {{ f32 = 2.0 }}

[vector]
unit = "vector"
large_threshold = 100000
large_cycles_per_elem = 1.0
large_fixed = 10
small_cycles_per_elem = 1.0
small_fixed = 10
small_cap = 100010
unary_cycles_per_elem = 1.0
unary_fixed = {unary_fixed}

[reduce]
align_steps = [1]
align_multiple = 1
small_limit = 0
small_cycles_per_elem = 1.0
small_cap_elems = 0
large_cycles_per_elem = 1.0
fixed = 10
"""
    path = tmp_path / f"{name}-{topology}-{'x'.join(map(str, shape or ()))}.toml"
    path.write_text(text)
    return path


def loads_from(expected: dict[tuple[int, int, int], float], shape) -> np.ndarray:
    out = np.zeros((4,) + tuple(shape))
    for (d, r, c), b in expected.items():
        out[d, r, c] += b
    return out


# --- routing --------------------------------------------------------------------------------
def test_xy_routes_on_a_mesh(tmp_path: Path) -> None:
    t = load_target_file(chip(tmp_path, "mesh", (4, 4), cores=16))
    # (0,0)→(2,2): 2 east in row 0, then 2 south in column 2; (1,3)→(1,0): 3 west;
    # (3,1)→(0,1): 3 north in column 1; (0,1)→(0,3): 2 east; core 5 to itself: nothing.
    src, dst, nbytes = [0, 7, 13, 1, 5], [10, 4, 1, 3, 5], [100, 200, 300, 250, 999]
    step = t.route(src, dst, nbytes)
    want = loads_from({
        (EAST, 0, 0): 100, (EAST, 0, 1): 100 + 250, (EAST, 0, 2): 250, (SOUTH, 0, 2): 100, (SOUTH, 1, 2): 100,
        (WEST, 1, 3): 200, (WEST, 1, 2): 200, (WEST, 1, 1): 200,
        (NORTH, 3, 1): 300, (NORTH, 2, 1): 300, (NORTH, 1, 1): 300,
    }, (4, 4))
    np.testing.assert_array_equal(step.loads, want)
    assert t.hops(src, dst).tolist() == [4, 3, 3, 2, 0]
    assert (step.busiest_bytes, step.hops_max, step.transfers) == (350, 4, 4)
    assert t.step_cycles(step) == 350 / BW + 4 * LAT


def test_xy_routes_wrap_on_a_torus(tmp_path: Path) -> None:
    t = load_target_file(chip(tmp_path, "torus", (4, 5), cores=20))
    # (0,0)→(0,4): 1 hop west over the wrap link; (0,1)→(0,3): 2 east (3 the other way);
    # (3,0)→(0,0): 1 south over the wrap; (1,0)→(3,0): 2 either way, the tie goes south;
    # (0,4)→(2,1): 2 east (wrapping 4→0→1), then a 2-2 tie in column 1: south.
    src, dst = [0, 1, 15, 5, 4], [4, 3, 0, 15, 11]
    step = t.route(src, dst, 10)
    want = loads_from({
        (WEST, 0, 0): 10,
        (EAST, 0, 1): 10, (EAST, 0, 2): 10,
        (SOUTH, 3, 0): 10,
        (SOUTH, 1, 0): 10, (SOUTH, 2, 0): 10,
        (EAST, 0, 4): 10, (EAST, 0, 0): 10, (SOUTH, 0, 1): 10, (SOUTH, 1, 1): 10,
    }, (4, 5))
    np.testing.assert_array_equal(step.loads, want)
    assert t.hops(src, dst).tolist() == [1, 2, 1, 2, 4]
    assert t.step_cycles(step) == 10 / BW + 4 * LAT


def test_nothing_moves_costs_nothing(tmp_path: Path) -> None:
    t = load_target_file(chip(tmp_path, "mesh", (2, 4)))
    step = t.route([3, 6], [3, 6], 64)
    assert step.transfers == 0 and not step.loads.any() and t.step_cycles(step) == 0.0


# --- ring shifts in the simulator -----------------------------------------------------------
SHIFT_PROGRAM = """
builtin.module {{
  func.func @f(%a: tensor<128xf32>) -> tensor<128xf32> {{
    %b = dataflow.alloc {{tf.op = "load"}} : {buf}
    dataflow.scatter %a into %b offsets {off} : tensor<128xf32> -> {buf}
    dataflow.shift %b from {src} {{tf.op = "ring"}} : {buf}
    %c = dataflow.gather %b offsets {off} : {buf} -> tensor<128xf32>
    func.return %c : tensor<128xf32>
  }}
}}
"""
A = np.arange(128, dtype=np.float32)
PART = 16 * 4  # bytes of one core's buffer (16 f32)
RING = ("[8]", "affine_map<(c0) -> (c0 * 16)>", "affine_map<(c0) -> ((c0 + 1) mod 8)>")
# cores 0..7 on a 2x4 grid; (r, c) receives from the next core of the snake 0 1 2 3 7 6 5 4
SNAKE = ("[2, 4]", "affine_map<(r, c) -> ((r * 4 + c) * 16)>",
         "affine_map<(r, c) -> ((c + r * 2) floordiv 3, c + 1 - r - (c + r * 2) floordiv 3)>")
# ring of 2 along grid dim 0: core i and core i + 4 swap buffers
FAR = ("[2, 4]", "affine_map<(r, c) -> ((r * 4 + c) * 16)>", "affine_map<(r, c) -> ((r + 1) mod 2, c)>")


def run_shift(target_file: Path, grid_off_src) -> tuple[float, np.ndarray, object]:
    grid, off, src = grid_off_src
    buf = f"!dataflow.buffer<grid {grid}, local [16], f32>"
    module = parse_module(SHIFT_PROGRAM.format(buf=buf, off=off, src=src), "shift.mlir")
    res = simulate(module, load_target_file(target_file), {"arg0": A})
    return res.latency_cycles, res.outputs["result0"], res


def senders(perm: list[int]) -> np.ndarray:
    """What the gathered tensor is after core d received the buffer of core perm[d]."""
    return A.reshape(8, 16)[perm].reshape(-1)


@pytest.mark.parametrize("topology,shape,ring,busiest_parts,hops", [
    # row ring on a 1x8 mesh: one part per link, but the wrap 0 → 7 crosses 7 links
    ("mesh", (1, 8), RING, 1, 7),
    # the same ring on a 1x8 torus: the wrap is one hop
    ("torus", (1, 8), RING, 1, 1),
    # row-major ring folded onto 2x4: 4 → 3 goes 3 east + 1 north, 0 → 7 3 east + 1 south
    ("mesh", (2, 4), RING, 1, 4),
    # a snake on 2x4: every ring neighbour one hop away
    ("mesh", (2, 4), SNAKE, 1, 1),
    # partners 4 apart on a 1x8 row: the link (0,3)→(0,4) carries 4 parts each way
    ("mesh", (1, 8), FAR, 4, 4),
])
def test_ring_shift_time_is_set_by_its_busiest_link(tmp_path, topology, shape, ring, busiest_parts, hops) -> None:
    cycles, out, res = run_shift(chip(tmp_path, topology, shape), ring)
    assert cycles == busiest_parts * PART / BW + hops * LAT
    assert res.links.hops_max == hops and res.links.busiest_step_bytes == busiest_parts * PART


def test_shifted_data_is_right_on_a_mesh(tmp_path: Path) -> None:
    mesh = chip(tmp_path, "mesh", (2, 4))
    np.testing.assert_array_equal(run_shift(mesh, RING)[1], senders([1, 2, 3, 4, 5, 6, 7, 0]))
    np.testing.assert_array_equal(run_shift(mesh, SNAKE)[1], senders([1, 2, 3, 7, 0, 4, 5, 6]))
    np.testing.assert_array_equal(run_shift(mesh, FAR)[1], senders([4, 5, 6, 7, 0, 1, 2, 3]))


def test_crossbar_shift_is_one_hop_whatever_the_ring(tmp_path: Path) -> None:
    xbar = chip(tmp_path, "crossbar")
    for ring in (RING, SNAKE, FAR):
        cycles, _, res = run_shift(xbar, ring)
        assert cycles == PART / BW + LAT and res.links is None


# --- exchanges ------------------------------------------------------------------------------
EXCHANGE_PROGRAM = """
builtin.module {{
  func.func @f(%a: tensor<8x4xf32>) -> tensor<8x4xf32> {{
    %s = dataflow.alloc {{tf.op = "load"}} : {src}
    dataflow.scatter %a into %s offsets {src_off} : tensor<8x4xf32> -> {src}
    %d = dataflow.alloc {{tf.op = "use"}} : {dst}
    dataflow.exchange %s offsets {src_off} into %d offsets {dst_off} shape array<i64: 8, 4> {{tf.op = "use"}} : {src} -> {dst}
    %c = dataflow.gather %d offsets {dst_off} : {dst} -> tensor<8x4xf32>
    func.return %c : tensor<8x4xf32>
  }}
}}
"""
ROWS = "!dataflow.buffer<grid [8], local [1, 4], f32>"
ROW = 4 * 4  # bytes of one row


def run_exchange(target_file: Path, src: str, src_off: str, dst_off: str):
    text = EXCHANGE_PROGRAM.format(src=src, dst=ROWS, src_off=src_off, dst_off=dst_off)
    a = np.arange(32, dtype=np.float32).reshape(8, 4)
    res = simulate(parse_module(text, "exchange.mlir"), load_target_file(target_file), {"arg0": a})
    np.testing.assert_array_equal(res.outputs["result0"], a)
    return res


def test_reversal_exchange_on_a_row(tmp_path: Path) -> None:
    """Core i holds row i and needs row 7 − i: on a 1x8 mesh 7 → 0 crosses 7 links, and the
    middle links (0,3)→(0,4) and (0,4)→(0,3) carry 4 rows each."""
    res = run_exchange(chip(tmp_path, "mesh", (1, 8)), ROWS, "affine_map<(c0) -> (c0, 0)>",
                       "affine_map<(c0) -> (7 - c0, 0)>")
    transfer = 4 * ROW / BW + 7 * LAT
    assert res.latency_cycles == transfer + RELAYOUT_SYNCS * SYNC
    use = next(o for o in res.ops if o.name == "use")
    assert use.shift_cycles == transfer and use.bytes_moved == 8 * ROW
    east = np.array([1, 2, 3, 4, 3, 2, 1, 0]) * ROW  # (0,c)→(0,c+1)
    west = np.array([0, 1, 2, 3, 4, 3, 2, 1]) * ROW  # (0,c)→(0,c−1)
    np.testing.assert_array_equal(res.links.loads[EAST, 0], east)
    np.testing.assert_array_equal(res.links.loads[WEST, 0], west)
    summary = res.links.summary(load_target_file(chip(tmp_path, "mesh", (1, 8))), res.latency_cycles)
    assert summary["links"] == 14 and summary["link_bytes_total"] == 2 * 16 * ROW
    assert summary["busiest_link_bytes"] == 4 * ROW
    assert summary["busiest_link"] == {"row": 0, "col": 3, "direction": "east"}
    assert summary["max_link_utilisation"] == pytest.approx(4 * ROW / (BW * res.latency_cycles))
    assert summary["mean_link_utilisation"] == pytest.approx(2 * 16 * ROW / 14 / (BW * res.latency_cycles))
    assert summary["hops_max"] == 7


def test_exchange_reads_the_nearest_replica(tmp_path: Path) -> None:
    """Cores 0 and 1 both hold the whole tensor; cores 2..7 each fetch their row from core 1
    (nearer than core 0), so the busiest link is (0,1)→(0,2) with 6 rows, the longest route 6."""
    whole = "!dataflow.buffer<grid [2], local [8, 4], f32>"
    res = run_exchange(chip(tmp_path, "mesh", (1, 8)), whole, "affine_map<(c0) -> (0, 0)>",
                       "affine_map<(c0) -> (c0, 0)>")
    assert res.latency_cycles == 6 * ROW / BW + 6 * LAT + RELAYOUT_SYNCS * SYNC
    np.testing.assert_array_equal(res.links.loads[EAST, 0], np.array([0, 6, 5, 4, 3, 2, 1, 0]) * ROW)
    # on a crossbar: the worst core lacks one row
    xbar = run_exchange(chip(tmp_path, "crossbar"), whole, "affine_map<(c0) -> (0, 0)>",
                        "affine_map<(c0) -> (c0, 0)>")
    assert xbar.latency_cycles == ROW / BW + LAT + RELAYOUT_SYNCS * SYNC


# --- compute / shift overlap ----------------------------------------------------------------
LOOP_PROGRAM = """
builtin.module {{
  func.func @f(%a: tensor<128xf32>) -> tensor<128xf32> {{
    %b = dataflow.alloc {{tf.op = "load"}} : {buf}
    dataflow.scatter %a into %b offsets affine_map<(c0) -> (c0 * 16)> : tensor<128xf32> -> {buf}
    %o = dataflow.alloc {{tf.op = "step"}} : {buf}
    dataflow.repeat {steps} attributes {{tf.op = "step"}} {{
      dataflow.compute ins(%b : {buf}) outs(%o : {buf}) sizes array<i64: 16> attributes {{indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"], offsets = [affine_map<(c0) -> (0)>, affine_map<(c0) -> (0)>], tf.op = "step"}} {{
      ^bb0(%x: f32, %y: f32):
        %r = arith.addf %x, %x : f32
        linalg.yield %r : f32
      }}
    }} between {{
      dataflow.sync {{tf.op = "step"}}
      dataflow.shift %b from affine_map<(c0) -> ((c0 + 1) mod 8)> {{tf.op = "step"}} : {buf}
      dataflow.sync {{tf.op = "step"}}
    }}
    %c = dataflow.gather %o offsets affine_map<(c0) -> (c0 * 16)> : {buf} -> tensor<128xf32>
    func.return %c : tensor<128xf32>
  }}
}}
"""


@pytest.mark.parametrize("unary_fixed", [10, 50])  # compute 26 < shift 37; compute 66 > shift 37
@pytest.mark.parametrize("overlap", [None, "false", "true"])
def test_overlap_charges_max_of_compute_and_shift(tmp_path, unary_fixed, overlap) -> None:
    steps = 4
    target = chip(tmp_path, "torus", (1, 8), overlap=overlap, unary_fixed=unary_fixed)
    module = parse_module(LOOP_PROGRAM.format(buf="!dataflow.buffer<grid [8], local [16], f32>", steps=steps), "loop.mlir")
    res = simulate(module, load_target_file(target), {"arg0": A})
    compute = 1.0 * 16 + unary_fixed  # one-input body over 16 elements
    shift = PART / BW + 1 * LAT  # a one-hop ring on the torus
    syncs = 2 * (steps - 1) * SYNC
    if overlap == "true":  # each compute-then-shift step costs max(compute, shift)
        want = (steps - 1) * max(compute, shift) + compute + syncs
    else:
        want = steps * compute + (steps - 1) * shift + syncs
    assert res.latency_cycles == want
    step = next(o for o in res.ops if o.name == "step")
    assert step.overlapped_cycles == ((steps - 1) * min(compute, shift) if overlap == "true" else 0)
    np.testing.assert_array_equal(res.outputs["result0"], 2 * senders([(d + 3) % 8 for d in range(8)]))


# --- target files ---------------------------------------------------------------------------
@pytest.mark.parametrize("old,new,message", [
    ("relayout_syncs = 2", 'relayout_syncs = 2\noverlap_compute_comm = "yes"',
     "field 'overlap_compute_comm' must be true or false"),
    ("mesh_shape = [2, 4]", "mesh_shape = [2, true]", "field 'mesh_shape' must be [rows, cols]"),
    ("mesh_shape = [2, 4]", "mesh_shape = [4, 4]", "mesh_shape 4x4 does not match cores = 8"),
])
def test_bad_mesh_fields_give_one_error_line(tmp_path: Path, old: str, new: str, message: str) -> None:
    good = chip(tmp_path, "mesh", (2, 4))
    bad = tmp_path / "bad.toml"
    bad.write_text(good.read_text().replace(old, new, 1))
    model = models.save(models.matmul(8, 16, 4), tmp_path / "mm.onnx")
    assert_one_line_error(tilefabric("run", model, "--target", bad), message, str(bad))


def test_mesh_presets() -> None:
    wse, tt = resolve_target("wse-like"), resolve_target("tt-like")
    assert (wse.topology, wse.mesh_shape, wse.cores, wse.scratchpad_bytes) == ("mesh", (64, 64), 4096, 48 * 1024)
    assert wse.link_bytes_per_cycle == 4.0  # one 32-bit word per cycle per direction
    assert (tt.topology, tt.mesh_shape, tt.cores, tt.scratchpad_bytes) == ("torus", (8, 10), 80, 1536 * 1024)
    assert tt.link_bytes_per_cycle == 32.0
    assert wse.overlap_compute_comm and tt.overlap_compute_comm
    assert not resolve_target("ipu-mk2").overlap_compute_comm and not resolve_target("ipu-mk2").routed


# --- crossbar: simulated == predicted -------------------------------------------------------
def test_crossbar_simulation_matches_prediction(tmp_path: Path) -> None:
    """ipu-mk2 (and a 4 KiB variant of it, whose matmuls rotate operands): every op's simulated
    cycles equal the planner's prediction (stored rounded to an integer), and no link stats."""
    from tilefabric import api

    text = (Path(__file__).parents[1] / "tilefabric" / "target" / "presets" / "ipu-mk2.toml").read_text()
    small = tmp_path / "xbar4k.toml"
    small.write_text(text.replace('name = "ipu-mk2"', 'name = "xbar4k"').replace(
        "scratchpad_bytes = 638976", "scratchpad_bytes = 4096"))
    cases = [(models.mlp(8, 16, 12, 6), "ipu-mk2"), (models.mlp(64, 512, 512, 512), str(small))]
    for i, (model, target) in enumerate(cases):
        path = models.save(model, tmp_path / f"m{i}.onnx")
        result = api.compile(str(path), target=target).run()
        ops = [o for o in result.report["ops"] if o["predicted_cycles"] is not None]
        assert ops and "links" not in result.report
        for o in ops:
            assert abs(o["cycles"] - o["predicted_cycles"]) <= 0.5, o
        if target != "ipu-mk2":
            assert any(o["shift_cycles"] > 0 and "rot" in o["plan"] for o in ops)


# --- CLI: report and plots on the mesh presets ----------------------------------------------
@pytest.mark.parametrize("preset", ["tt-like", "wse-like"])
def test_cli_run_on_mesh_preset(tmp_path: Path, preset: str) -> None:
    model = models.save(models.mlp(batch=16, d_in=64, d_hidden=96, d_out=32), tmp_path / "mlp.onnx")
    proc = tilefabric("run", model, "--target", preset, "--check", "--report", tmp_path / "r.json",
                      "--plots", tmp_path / "plots")
    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["check"]["passed"] and not report["plots_skipped"]
    links = report["links"]
    t = resolve_target(preset)
    assert links["mesh_shape"] == list(t.mesh_shape) and links["topology"] == t.topology
    assert links["busiest_link_bytes"] > 0 and links["routed_steps"] > 0
    assert links["max_link_utilisation"] == pytest.approx(
        links["busiest_link_bytes"] / (t.link_bytes_per_cycle * report["latency_cycles"]))
    rows, cols = t.mesh_shape
    longest = rows // 2 + cols // 2 if t.topology == "torus" else rows + cols - 2
    assert 1 <= links["hops_max"] <= longest
    assert sum(o["bytes_moved"] for o in report["ops"]) > 0
    png = (tmp_path / "plots" / "link_utilisation.png").read_bytes()
    assert len(png) > 1000 and png.startswith(PNG_SIGNATURE)
    assert "links (" in proc.stdout
