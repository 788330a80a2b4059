"""Inter-operator pipelining (pipeline-ops, dataflow.pipeline, the wavefront group timing).

References: the organisations against hand-worked layouts, the wavefront against a plain
double loop over its recurrence, granule waits against a row-by-row scan, and every
pipelined program's outputs against onnxruntime (tiny CNNs, on a small mesh and on pe-array).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from xdsl.ir import Block, Region
from xdsl.utils.exceptions import VerifyException

from tests.test_cli import assert_one_line_error, tilefabric
from tilefabric import api
from tilefabric.analysis.wavefront import granule_needs, region_sync_cycles, wavefront
from tilefabric.dialects import dataflow as df
from tilefabric.dialects.dataflow_pipeline import PipelineOp
from tilefabric.errors import TileFabricError
from tilefabric.examples import onnx_models as models
from tilefabric.planner.organisation import ORGANISATIONS, rank_matched, split_cores, stage_regions
from tilefabric.target import resolve_target
from tilefabric.zoo import SMALL


# --- organisations ---------------------------------------------------------------------------
def test_split_cores_proportional_and_complete() -> None:
    assert split_cores([1, 1], 8) == [4, 4]
    assert split_cores([3, 1], 8) == [6, 2]  # 1 each + 6 shared 3:1 -> 4.5 / 1.5 -> remainder to the first
    n = split_cores([10, 30, 20], 64)
    assert sum(n) == 64 and min(n) >= 1 and n[1] > n[2] > n[0]
    with pytest.raises(TileFabricError):
        split_cores([1, 1, 1], 2)


def test_blocks_are_contiguous_runs() -> None:
    regions = stage_regions((4, 4), [5, 3, 8], "blocks")
    assert [r.tolist() for r in regions] == [[0, 1, 2, 3, 4], [5, 6, 7], list(range(8, 16))]


def test_striped_deals_whole_columns() -> None:
    regions = stage_regions((4, 4), [8, 8], "striped")  # two columns each, alternating
    grid = -np.ones(16, dtype=int)
    for s, r in enumerate(regions):
        grid[r] = s
    assert grid.reshape(4, 4).tolist() == [[0, 1, 0, 1]] * 4


def test_interleaved_mixes_every_square() -> None:
    regions = stage_regions((4, 4), [8, 8], "interleaved")
    grid = -np.ones(16, dtype=int)
    for s, r in enumerate(regions):
        grid[r] = s
    squares = grid.reshape(2, 2, 2, 2).transpose(0, 2, 1, 3).reshape(4, 4)  # the four 2x2 squares
    assert all(sorted(sq.tolist()) == [0, 0, 1, 1] for sq in squares)


@pytest.mark.parametrize("organisation", ORGANISATIONS)
def test_regions_are_disjoint_and_sized(organisation: str) -> None:
    counts = [16, 24, 24] if organisation == "striped" else [10, 31, 23]
    regions = stage_regions((8, 8), counts, organisation)
    assert [len(r) for r in regions] == counts
    everything = np.concatenate(regions)
    assert len(np.unique(everything)) == len(everything) and everything.max() < 64


def test_interleaving_puts_consumers_next_to_producers() -> None:
    """Mean hops from each consumer core to its rank-matched producer core."""
    t = resolve_target("pe-array")
    hops = {}
    for org in ORGANISATIONS:
        counts = [c * 64 for c in split_cores([1, 1], 64)] if org == "striped" else split_cores([1, 1], 4096)
        p, c = stage_regions(t.mesh_shape, counts, org)
        hops[org] = float(t.hops(rank_matched(p, c), c).mean())
    assert hops["blocks"] == 32.0  # row r of the top half feeds row r + 32
    assert hops["striped"] == 1.0  # alternating columns, each core beside its producer
    assert hops["interleaved"] == 1.0  # Z-order pairs: each core beside its producer


# --- the wavefront --------------------------------------------------------------------------
def _loop_wavefront(cost, forward, needs, granules) -> float:
    finish = np.zeros((len(cost), granules))
    for s in range(len(cost)):
        for t in range(granules):
            prev = finish[s, t - 1] if t else 0.0
            ready = finish[s - 1, needs[s][t]] if s else 0.0
            finish[s, t] = max(prev, ready) + cost[s] + forward[s]
    return float(finish[-1, -1])


@pytest.mark.parametrize("seed", range(5))
def test_wavefront_matches_its_recurrence(seed: int) -> None:
    rng = np.random.default_rng(seed)
    stages, granules = int(rng.integers(2, 6)), int(rng.integers(1, 9))
    cost, forward = rng.uniform(1, 100, stages), np.concatenate([[0.0], rng.uniform(0, 20, stages - 1)])
    needs = [np.arange(granules)] + [np.sort(np.maximum(np.arange(granules), rng.integers(0, granules, granules)))
                                     for _ in range(stages - 1)]
    assert wavefront(cost, forward, needs, granules) == pytest.approx(_loop_wavefront(cost, forward, needs, granules))


def test_two_stage_wavefront_by_hand() -> None:
    # stage 0 takes 10 per granule, stage 1 takes 4 + 1 forward; 3 granules, pointwise
    assert wavefront([10, 4], [0, 1], [np.arange(3), np.arange(3)], 3) == 10 * 3 + 5


@pytest.mark.parametrize("rows_p, rows_c, g, stride, extent, pad", [
    (16, 16, 4, 1, 3, 1), (16, 8, 4, 2, 3, 1), (32, 16, 8, 2, 1, 0), (7, 7, 3, 1, 5, 2), (10, 10, 10, 1, 1, 0)])
def test_granule_needs_by_scanning_rows(rows_p, rows_c, g, stride, extent, pad) -> None:
    owner = np.zeros(rows_p, dtype=int)  # producer granule of every producer row
    for k in range(g):
        owner[k * rows_p // g:(k + 1) * rows_p // g] = k
    want = []
    for t in range(g):
        rows = range(t * rows_c // g, (t + 1) * rows_c // g)
        read = [r * stride - pad + e for r in rows for e in range(extent)]
        read = [x for x in read if 0 <= x < rows_p] or [0]
        want.append(max(owner[x] for x in read))
    assert granule_needs(rows_p, rows_c, g, stride, extent, pad).tolist() == want


def test_region_sync_is_the_chip_barrier_over_the_whole_mesh() -> None:
    t = resolve_target("pe-array")
    assert region_sync_cycles(t, np.arange(4096)) == t.sync_cycles  # 2 x (63 + 63) hops
    assert region_sync_cycles(t, np.arange(128)) == 2 * (1 + 63)  # two rows
    assert region_sync_cycles(resolve_target("ipu-mk2"), np.arange(4)) == resolve_target("ipu-mk2").sync_cycles


# --- the dataflow.pipeline verifier -------------------------------------------------------------
def _stage(buffer) -> Region:
    from xdsl.dialects.builtin import FloatAttr, f32

    return Region(Block([df.FillOp(buffer, FloatAttr(0.0, f32))]))


def test_pipeline_verifier_refuses_shared_cores() -> None:
    from xdsl.dialects.builtin import f32

    t = df.BufferType.make([2], [4], f32)
    a, b = df.AllocOp(t, None, [0, 1]), df.AllocOp(t, None, [1, 2])
    op = PipelineOp(2, "blocks", [0, 1], [_stage(a.buffer), _stage(b.buffer)])
    with pytest.raises(VerifyException, match="stages 0 and 1 both use physical core 1"):
        op.verify_()
    ok = PipelineOp(2, "blocks", [0, 1], [_stage(a.buffer), _stage(df.AllocOp(t, None, [2, 3]).buffer)])
    ok.verify_()
    assert ok.stage_cores() == [{0, 1}, {2, 3}]


# --- end to end: numerics against onnxruntime --------------------------------------------------
def _pipelines(program) -> list[PipelineOp]:
    return [op for op in program.compiled.dataflow.walk() if isinstance(op, PipelineOp)]


def _run_checked(model, target: str, mode: str):
    program = api.compile(model, target, pipeline=mode)
    result = program.run(strict=True)
    assert program.check(result).passed
    assert sum(o.cycles for o in result.sim.ops) == pytest.approx(result.cycles)  # the pipeline rows balance it
    return program, result


@pytest.mark.parametrize("mode", ["chunks", "organised", "auto"])
def test_small_cnn_pipelined_on_a_small_torus_matches_onnxruntime(mode: str) -> None:
    program, result = _run_checked(models.small_cnn(size=16, width=4), "tt-like", mode)
    pipes = _pipelines(program)
    if mode == "chunks":  # every chain one pipeline of contiguous blocks, 4 granules (fewer if fewer rows)
        assert pipes and all(p.organisation.data == "blocks" and 1 <= p.granules.data <= 4 for p in pipes)
        assert max(p.granules.data for p in pipes) == 4
    forwards = [op for p in pipes for op in p.walk() if isinstance(op, df.ExchangeOp) and "tf.forward" in op.attributes]
    assert len(forwards) >= sum(len(p.stages) - 1 for p in pipes)


@pytest.mark.parametrize("name", ["resnet_tiny", "mobilenet_tiny"])
def test_zoo_cnns_pipelined_on_pe_array_match_onnxruntime(name: str) -> None:
    program, result = _run_checked(SMALL[name](), "pe-array", "chunks")
    assert _pipelines(program)
    rows = [o for o in result.sim.ops if o.kind == "pipeline"]
    assert len(rows) == len(_pipelines(program))


def test_pe_array_default_is_auto() -> None:
    """On a target with a global buffer the default is `auto`; it never plans a group it
    predicts slower than running the ops alone, so on small_cnn it matches `none` or beats it."""
    model = models.small_cnn()
    loaded = api.load(model)
    timing = re.compile(r"tf\.search_seconds = [0-9.e+-]+ : f64")  # wall-clock, differs run to run
    default = api.compile_loaded(loaded, "pe-array", stop_after="rtensor").ir("rtensor")
    auto = api.compile_loaded(loaded, "pe-array", stop_after="rtensor", pipeline="auto").ir("rtensor")
    assert timing.sub("", default) == timing.sub("", auto)
    none = api.compile_loaded(loaded, "pe-array", pipeline="none").run()
    _, result = _run_checked(model, "pe-array", None)
    assert result.cycles <= none.cycles * 1.05


def test_crossbar_default_is_no_pipelining() -> None:
    program = api.compile_loaded(api.load(models.small_cnn(size=16, width=4)), "ipu-mk2", stop_after="rtensor")
    assert "tf.pipeline" not in program.ir("rtensor")


# --- bad input ---------------------------------------------------------------------------------
def test_unknown_mode_is_one_line(tmp_path) -> None:
    path = models.save(models.small_cnn(size=16, width=4), tmp_path / "cnn.onnx")
    proc = tilefabric("run", path, "--target", "pe-array", "--pipeline", "sideways")
    assert proc.returncode == 2
    assert_one_line_error(proc, "--pipeline", "sideways")
    with pytest.raises(TileFabricError, match="unknown pipelining mode 'sideways'"):
        api.compile(models.small_cnn(size=16, width=4), "pe-array", pipeline="sideways")


def test_cli_runs_and_checks_a_pipelined_model(tmp_path) -> None:
    path = models.save(models.small_cnn(size=16, width=4), tmp_path / "cnn.onnx")
    proc = tilefabric("run", path, "--target", "tt-like", "--pipeline", "chunks", "--check")
    assert proc.returncode == 0, proc.stderr
    assert "pipeline0" in proc.stdout and "PASS" in proc.stdout
