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
    """Through the MLIR reader a bad `place` is one clear error (the verifier's message)."""
    from tilefabric.errors import TileFabricError
    from tilefabric.frontend.mlir_input import parse_module

    with pytest.raises(TileFabricError, match="physical core 1 holds more than one grid cell"):
        parse_module(shift_module("0, 1, 1, 2"), "bad.mlir")


# --- the placement module (target/placement.py) -------------------------------------------
from tilefabric.target import placement as pl  # noqa: E402
from tilefabric.target.routing import hop_counts, row_major as rm_coords  # noqa: E402


def hops_on(ids, src_cells, dst_cells, shape, torus=False) -> np.ndarray:
    return hop_counts(rm_coords(ids[src_cells], shape), rm_coords(ids[dst_cells], shape), shape, torus)


def ring_sources(grid, axis: int, length: int) -> np.ndarray:
    """Cell d receives from the next cell of its ring: rings of `length` along `axis`."""
    c = np.indices(grid).reshape(len(grid), -1).T.copy()
    c[:, axis] = c[:, axis] // length * length + (c[:, axis] % length + 1) % length
    return np.ravel_multi_index(tuple(c.T), grid)


@pytest.mark.parametrize("grid,shape", [((4, 4), (64, 64)), ((8, 128, 4), (64, 64)), ((16,), (8, 10)),
                                        ((2, 3, 5), (8, 10)), ((4096,), (64, 64))])
def test_every_candidate_is_a_bijection(grid, shape) -> None:
    cells = int(np.prod(grid))
    rings = {0: grid[0]} if grid[0] % 2 == 0 else {}
    cycles = pl.cycles_of(ring_sources(grid, 0, grid[0]))
    cands = pl.candidates(grid, shape, rings, cycles)
    assert cands[0][0] == "row-major" and np.array_equal(cands[0][1], np.arange(cells))
    for name, ids in cands:
        assert len(ids) == cells and len(np.unique(ids)) == cells, name
        assert ids.min() >= 0 and ids.max() < shape[0] * shape[1], name


def test_cycles_of_follow_the_data() -> None:
    src = np.array([1, 2, 0, 3, 5, 4])  # (0 1 2), 3 fixed, (4 5)
    got = [c.tolist() for c in pl.cycles_of(src)]
    assert got == [[0, 1, 2], [4, 5]]


@pytest.mark.parametrize("torus", [False, True])
@pytest.mark.parametrize("grid,axis,length", [((4, 4), 0, 4), ((8, 128, 4), 1, 16), ((16, 8), 1, 8), ((6, 6), 0, 6)])
def test_loops_make_every_shift_one_hop(grid, axis, length, torus) -> None:
    shape = (64, 64)
    src = ring_sources(grid, axis, length)
    ids = pl.loops(pl.cycles_of(src), int(np.prod(grid)), shape)
    assert ids is not None and pl.is_bijection(ids, 64 * 64)
    dst = np.arange(len(src))
    assert (hops_on(ids, src, dst, shape, torus) == 1).all()
    # and each ring's parts use their own links: the routed step's busiest link carries one part
    from tilefabric.target.routing import route

    step = route(rm_coords(ids[src], shape), rm_coords(ids[dst], shape), 8, shape, torus)
    assert step.busiest_bytes == 8 and step.hops_max == 1


def test_row_major_ring_across_rows_is_long_and_shared() -> None:
    """The reference the loops beat: grid [8, 128, 4] row-major on 64 x 64, rings of 16 along
    grid dim 1 are 4 cores apart and 4 rings interleave on the same links."""
    from tilefabric.target.routing import route

    grid, shape = (8, 128, 4), (64, 64)
    src, dst = ring_sources(grid, 1, 16), np.arange(4096)
    ids = pl.row_major(4096)
    step = route(rm_coords(ids[src], shape), rm_coords(ids[dst], shape), 8, shape, False)
    assert step.hops_max == 60 and step.busiest_bytes == 4 * 8


@pytest.mark.parametrize("length", [3, 4, 5, 8])
def test_fold_puts_ring_neighbours_at_most_two_apart(length) -> None:
    p = np.arange(length)
    line = pl.fold(p, length)
    assert sorted(line.tolist()) == list(range(length))
    gaps = np.abs(line - line[(p + 1) % length])
    assert gaps.max() <= 2 and gaps[-1] == 1  # the wrap-around is one step


def test_snake_keeps_consecutive_cells_adjacent() -> None:
    shape = (8, 10)
    ids = pl.snake(np.arange(80), 10)
    assert pl.is_bijection(ids, 80)
    assert (hops_on(ids, np.arange(79), np.arange(1, 80), shape) == 1).all()


def test_folded_rectangle_shifts_at_most_two_hops() -> None:
    grid, shape = (8, 8), (64, 64)
    cands = dict(pl.candidates(grid, shape, {0: 8, 1: 8}))
    ids = cands["rect[0,1 folded | 1]"]
    for axis in (0, 1):
        src = ring_sources(grid, axis, 8)
        assert hops_on(ids, src, np.arange(64), shape).max() <= 2


# --- the planner's estimates ----------------------------------------------------------------
def test_crossbar_estimates_are_bit_for_bit_the_crossbar_formulas() -> None:
    import dataclasses

    ipu = resolve_target("ipu-mk2")
    b = np.array([0.0, 1.0, 640.0, 12345.0, 2.5e6])
    parts = np.array([1, 2, 3, 4, 7])
    for t in (ipu, dataclasses.replace(ipu, hop_aware=False), dataclasses.replace(resolve_target("wse-like"), hop_aware=False)):
        assert np.array_equal(t.ring_shift_cycles(b, parts, 0), t.transfer_cycles(b))
        grid = np.tile(b[:, None], (1, 5))  # (candidates, ring levels) as planner/cost.py asks
        assert np.array_equal(t.ring_shift_cycles(grid, np.tile(parts, (5, 1)), np.arange(5)[None, :]),
                              t.transfer_cycles(grid))
        assert np.array_equal(t.relayout_cycles(b, 64), t.exchange_cycles(b))


def test_mesh_estimates_follow_the_placement() -> None:
    """wse-like (64 x 64, 4 B/cycle, 1 cycle a hop): an even ring's shift is one hop with the
    part on its own link (as the crossbar formula), an odd ring's 2 hops; a re-layout over all
    4096 cores is bisection-bound: side 64, busiest link 64/4 = 16 x the bytes, 128 hops."""
    wse = resolve_target("wse-like")
    assert float(wse.ring_shift_cycles(400.0, 4, 0)) == 400 / 4 + 1
    assert float(wse.ring_shift_cycles(400.0, 5, 0)) == 400 / 4 + 2
    assert float(wse.ring_shift_cycles(400.0, 4, 1)) == 400 / 4 + 2
    assert float(wse.relayout_cycles(400.0, 4096)) == 400 * 16 / 4 + 128 + 2 * wse.sync_cycles
    assert float(wse.relayout_cycles(400.0, 4)) == 400 / 4 + 4 + 2 * wse.sync_cycles  # side 2: no bisection limit


def test_crossbar_plans_do_not_change_with_hop_aware(tmp_path: Path) -> None:
    """On a crossbar the hop-aware switch leaves the planned IR identical (same predictions)."""
    path = models.save(models.mlp(16, 64, 48, 32), tmp_path / "mlp.onnx")
    import re

    def planned(**options) -> str:  # without the search's wall-clock time
        text = api.compile(str(path), target="ipu-mk2", **options).ir("rtensor")
        return re.sub(r"tf.search_seconds = [^,}]+", "", text)

    on, off = planned(), planned(hop_aware=False, placement="row-major")
    assert "predicted_cycles" in on and on == off


# --- the pass in the pipeline ---------------------------------------------------------------
def rotating_chip(tmp_path: Path, topology: str = "mesh") -> Path:
    """The 2 x 4 test mesh with 1.5 KiB scratchpads, so a 16x32x24 matmul rotates an operand."""
    path = chip(tmp_path, topology, (2, 4), name=f"small-{topology}")
    path.write_text(path.read_text().replace("scratchpad_bytes = 65536", "scratchpad_bytes = 1536"))
    return path


@pytest.mark.parametrize("topology", ["mesh", "torus"])
def test_pipeline_places_and_never_loses(tmp_path: Path, topology) -> None:
    """Same hop-aware plan, placed by place-cores vs row-major: the outputs equal numpy's and
    the placed program is not slower (row-major is one of the candidates, priced exactly on a
    target without compute/communication overlap)."""
    target = str(rotating_chip(tmp_path, topology))
    model = models.matmul(16, 32, 24)
    path = models.save(model, tmp_path / "mm.onnx")
    rng = np.random.default_rng(1)
    inputs = {"A": rng.standard_normal((16, 32)).astype(np.float32), "B": rng.standard_normal((32, 24)).astype(np.float32)}
    want = inputs["A"].astype(np.float64) @ inputs["B"].astype(np.float64)
    placed = api.compile(str(path), target=target)
    plain = api.compile(str(path), target=target, disabled=("place-cores",))
    assert "place array" not in plain.ir("dataflow")
    assert "dataflow.shift" in placed.ir("dataflow")  # the small scratchpad forces a ring
    assert "place array" in placed.ir("dataflow")
    a, b = placed.run(inputs), plain.run(inputs)
    np.testing.assert_allclose(a.outputs["C"], want, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(b.outputs["C"], want, rtol=1e-4, atol=1e-4)
    assert a.cycles <= b.cycles


def test_bad_placement_strategy_is_one_clear_error(tmp_path: Path) -> None:
    from tilefabric.errors import TileFabricError

    path = models.save(models.matmul(8, 8, 8), tmp_path / "mm.onnx")
    with pytest.raises(TileFabricError, match="unknown placement 'spiral'"):
        api.compile(str(path), target="wse-like", placement="spiral")


def test_trace_memory_follows_the_physical_cores(tmp_path: Path) -> None:
    """The ring on cores 6, 7, 3, 2: those cores hold the buffer (16 B, 32 B during the shift),
    core 0 nothing; the trace's counter follows the lowest-numbered core with the peak (2)."""
    from tilefabric.frontend.mlir_input import parse_module
    from tilefabric.runtime_sim.trace import chrome_trace

    target = load_target_file(chip(tmp_path, "mesh", (2, 4)))
    res = simulate(parse_module(shift_module("6, 7, 3, 2"), "t.mlir"), target, {"arg0": np.arange(16, dtype=np.float32)},
                   trace=True)
    tl = res.timeline
    for core in (6, 7, 3, 2):
        assert tl.live_bytes(core)[1].max() == 32
    assert tl.live_bytes(0)[1].max() == 0 and tl.live_bytes(0)[1].min() == 0
    counters = {e["name"] for e in chrome_trace(tl, target)["traceEvents"] if e["ph"] == "C"}
    assert counters == {"live scratchpad, core 2 (bytes)"}


def test_scratchpad_check_counts_physical_cores(tmp_path: Path) -> None:
    """Two 40,000-byte buffers of 4 cells on the 64 KiB test chip: on the same cores they
    overflow (80,000 B), placed on disjoint cores they fit — in the compile-time check and in
    the simulator alike."""
    from tilefabric.errors import TileFabricError
    from tilefabric.frontend.mlir_input import parse_module

    target = load_target_file(chip(tmp_path, "mesh", (2, 4)))
    t = "!dataflow.buffer<grid [4], local [10000], f32>"

    def text(place: str) -> str:
        return f"""builtin.module {{
  func.func @f() {{
    %a = dataflow.alloc {{tf.op = "a"}} : {t}
    %b = dataflow.alloc {place}{{tf.op = "b"}} : {t}
    dataflow.free %a : {t}
    dataflow.free %b : {t}
    func.return
  }}
}}"""
    with pytest.raises(TileFabricError, match="op 'b' needs 80000 bytes on core 0"):
        check_scratchpad(parse_module(text(""), "x.mlir"), target)
    with pytest.raises(TileFabricError, match="scratchpad overflow in op 'b' on core 0"):
        simulate(parse_module(text(""), "x.mlir"), target, {})
    placed = parse_module(text("place array<i64: 4, 5, 6, 7> "), "y.mlir")
    check_scratchpad(placed, target)
    peak = simulate(placed, target, {}).per_core_peak_bytes
    np.testing.assert_array_equal(peak, [40000] * 8)


def test_cli_placement_options_reach_the_compiler(tmp_path: Path) -> None:
    """`--placement row-major --no-hop-aware` on the command line is the API's topology-oblivious
    baseline (same simulated latency), and the default is the API's placed, hop-aware compile."""
    import json

    from tests.test_cli import tilefabric

    model = models.save(models.mlp(batch=16, d_in=64, d_hidden=96, d_out=32), tmp_path / "mlp.onnx")
    for flags, kwargs in (((), {}), (("--placement", "row-major", "--no-hop-aware"),
                                     {"placement": "row-major", "hop_aware": False})):
        report = tmp_path / "r.json"
        proc = tilefabric("run", model, "--target", "wse-like", "--report", report, *flags)
        assert proc.returncode == 0, proc.stderr
        expected = api.compile(str(model), target="wse-like", **kwargs).run().report["latency_cycles"]
        assert json.loads(report.read_text())["latency_cycles"] == pytest.approx(expected, rel=1e-12)
