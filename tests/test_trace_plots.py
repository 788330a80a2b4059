"""`tilefabric run --trace FILE.json --plots DIR`: the Chrome/Perfetto trace follows the Trace
Event Format and adds up to the report, the PNGs are written (the link plot only on a mesh),
and bad paths give the CLI's one-line errors."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from tests.test_cli import assert_one_line_error, needs_pipeline, sha256, tilefabric
from tilefabric.examples import onnx_models as models

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PLOTS = ("op_time.png", "core_memory.png")
LINKS = "link_utilisation.png"
REL = 1e-6


# --- a small Trace Event Format checker ----------------------------------------------------
METADATA_NAMES = {"process_name", "process_labels", "process_sort_index", "thread_name", "thread_sort_index"}
PHASES = {"B", "E", "X", "i", "I", "C", "b", "n", "e", "s", "t", "f", "P", "N", "O", "D", "M", "R", "(", ")"}


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_trace_event_format(trace) -> list[dict]:
    """Assert the JSON Object Format of the Trace Event Format (the keys and types this file
    uses: complete "X", counter "C" and metadata "M" events); return the events."""
    assert isinstance(trace, dict)
    assert isinstance(trace.get("traceEvents"), list) and trace["traceEvents"]
    assert trace.get("displayTimeUnit") in ("ms", "ns")
    assert isinstance(trace.get("otherData", {}), dict)
    for e in trace["traceEvents"]:
        assert isinstance(e, dict), e
        assert e.get("ph") in PHASES, e
        assert isinstance(e.get("name"), str) and e["name"], e
        assert isinstance(e.get("pid"), int) and not isinstance(e["pid"], bool), e
        if "tid" in e:
            assert isinstance(e["tid"], int) and not isinstance(e["tid"], bool), e
        if "cat" in e:
            assert isinstance(e["cat"], str), e
        if "args" in e:
            assert isinstance(e["args"], dict), e
        ph = e["ph"]
        if ph == "X":
            assert {"ts", "dur", "tid"} <= e.keys(), e
            assert _number(e["ts"]) and e["ts"] >= 0, e
            assert _number(e["dur"]) and e["dur"] >= 0, e
        elif ph == "C":
            assert _number(e.get("ts")) and e["ts"] >= 0, e
            assert e["args"] and all(_number(v) for v in e["args"].values()), e
        elif ph == "M":
            assert e["name"] in METADATA_NAMES, e
            if e["name"].endswith("_name"):
                assert isinstance(e["args"].get("name"), str), e
            if e["name"].endswith("_sort_index"):
                assert isinstance(e["args"].get("sort_index"), int), e
            if e["name"].startswith("thread_"):
                assert "tid" in e, e
        else:
            pytest.fail(f"unexpected event phase {ph!r}")
    return trace["traceEvents"]


def _no_constants(name: str):
    raise ValueError(f"non-standard JSON constant {name}")


def load_trace(path: Path) -> dict:
    return json.loads(path.read_text(), parse_constant=_no_constants)


# --- runs ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bert_run(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("bert")
    model = models.save(models.bert_layer(batch=2, seq=16, hidden=64, heads=4, ffn=128), tmp / "bert.onnx")
    proc = tilefabric("run", model, "--trace", tmp / "t.json", "--plots", tmp / "out", "--report", tmp / "r.json")
    report = json.loads((tmp / "r.json").read_text()) if proc.returncode == 0 else None
    return {"proc": proc, "dir": tmp, "report": report}


def _mesh_target(path: Path) -> Path:
    """ipu-mk2 as a 32×46 mesh with a 4 KiB scratchpad, so the MLP's matmuls rotate (shifts)."""
    text = (Path(__file__).parents[1] / "tilefabric" / "target" / "presets" / "ipu-mk2.toml").read_text()
    lines = []
    for line in text.splitlines():
        if line.startswith("name ="):
            line = 'name = "mesh-test"'
        elif line.startswith("topology ="):
            line = 'topology = "mesh"\nmesh_shape = [32, 46]'
        elif line.startswith("scratchpad_bytes ="):
            line = "scratchpad_bytes = 4096"
        lines.append(line)
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def mesh_run(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("mesh")
    model = models.save(models.mlp(batch=64, d_in=512, d_hidden=512, d_out=512), tmp / "mlp.onnx")
    target = _mesh_target(tmp / "mesh.toml")
    proc = tilefabric("run", model, "--target", target, "--trace", tmp / "t.json", "--plots", tmp / "out",
                      "--report", tmp / "r.json")
    report = json.loads((tmp / "r.json").read_text()) if proc.returncode == 0 else None
    return {"proc": proc, "dir": tmp, "report": report}


def _slices(events: list[dict]) -> list[dict]:
    return [e for e in events if e["ph"] == "X"]


def check_against_report(trace: dict, report: dict) -> None:
    events = check_trace_event_format(trace)
    clock = trace["otherData"]["clock_hz"]
    slices = _slices(events)
    assert slices
    # non-overlapping on each track
    by_tid = defaultdict(list)
    for e in slices:
        by_tid[e["tid"]].append(e)
    for tid, track in by_tid.items():
        track.sort(key=lambda e: e["ts"])
        for a, b in zip(track, track[1:]):
            assert a["ts"] + a["dur"] <= b["ts"] * (1 + 1e-12) + 1e-12, (tid, a, b)
    # few tracks, each named
    named = {e["tid"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    assert set(by_tid) <= named and len(by_tid) <= 16
    # per op: the slices add up to the report's cycles (in cycles and in microseconds)
    cycles, micros, moved = defaultdict(float), defaultdict(float), defaultdict(int)
    for e in slices:
        op = e["args"]["op"]
        assert e["args"]["phase"] in ("compute", "shift", "sync") and e["cat"] == e["args"]["phase"]
        cycles[op] += e["args"]["cycles"]
        micros[op] += e["dur"]
        moved[op] += e["args"]["bytes_moved"]
    ops = {op["name"]: op for op in report["ops"]}
    for name, op in ops.items():
        assert cycles.get(name, 0.0) == pytest.approx(op["cycles"], rel=REL, abs=1e-9), name
        assert micros.get(name, 0.0) * 1e-6 * clock == pytest.approx(op["cycles"], rel=REL, abs=1e-9), name
        assert moved.get(name, 0) == op["bytes_moved"], name
        for phase in ("compute", "shift", "sync"):
            got = sum(e["args"]["cycles"] for e in slices if e["args"]["op"] == name and e["args"]["phase"] == phase)
            assert got == pytest.approx(op[f"{phase}_cycles"], rel=REL, abs=1e-9), (name, phase)
    assert set(cycles) <= set(ops)
    end = max(e["ts"] + e["dur"] for e in slices) * 1e-6 * clock
    assert end == pytest.approx(report["latency_cycles"], rel=REL)
    # the scratchpad counter peaks at the report's peak (core 0 holds every buffer)
    live = [e["args"]["bytes"] for e in events if e["ph"] == "C"]
    assert max(live) == report["peak_scratchpad_bytes"] and live[-1] == 0


def check_pngs(directory: Path, names) -> None:
    for name in names:
        data = (directory / name).read_bytes()
        assert len(data) > 1000 and data.startswith(PNG_SIGNATURE), name


# --- tests ---------------------------------------------------------------------------------
@needs_pipeline
def test_bert_trace_matches_report(bert_run: dict) -> None:
    proc = bert_run["proc"]
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # no progress bar or warnings when stderr is not a terminal
    check_against_report(load_trace(bert_run["dir"] / "t.json"), bert_run["report"])


@needs_pipeline
def test_bert_plots_written_and_link_plot_skipped(bert_run: dict) -> None:
    proc, out = bert_run["proc"], bert_run["dir"] / "out"
    assert proc.returncode == 0, proc.stderr
    check_pngs(out, PLOTS)
    assert not (out / LINKS).exists()
    skipped = [ln for ln in proc.stdout.splitlines() if LINKS in ln]
    assert len(skipped) == 1 and "not a mesh" in skipped[0], proc.stdout
    report = bert_run["report"]
    assert report["trace_file"].endswith("t.json")
    assert [Path(p).name for p in report["plot_files"]] == list(PLOTS)
    assert LINKS in report["plots_skipped"]
    assert all(isinstance(op["bytes_moved"], int) for op in report["ops"])


@needs_pipeline
def test_mesh_run_has_shifts_and_link_plot(mesh_run: dict) -> None:
    proc = mesh_run["proc"]
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    trace = load_trace(mesh_run["dir"] / "t.json")
    check_against_report(trace, mesh_run["report"])
    assert any(e["ph"] == "X" and e["cat"] == "shift" and e["args"]["kind"] == "contraction"
               for e in trace["traceEvents"])
    check_pngs(mesh_run["dir"] / "out", (*PLOTS, LINKS))
    assert not mesh_run["report"]["plots_skipped"]


@needs_pipeline
def test_plots_dir_with_missing_parent(tmp_path: Path) -> None:
    model = models.save(models.matmul(8, 16, 4), tmp_path / "mm.onnx")
    assert_one_line_error(tilefabric("run", model, "--plots", "/nonexistent_dir/plots"), "/nonexistent_dir/plots")


@needs_pipeline
def test_plots_dir_is_a_file(tmp_path: Path) -> None:
    model = models.save(models.matmul(8, 16, 4), tmp_path / "mm.onnx")
    digest = sha256(model)
    assert_one_line_error(tilefabric("run", model, "--plots", model), "not a directory")
    assert sha256(model) == digest


@needs_pipeline
def test_trace_into_a_directory(tmp_path: Path) -> None:
    model = models.save(models.matmul(8, 16, 4), tmp_path / "mm.onnx")
    assert_one_line_error(tilefabric("run", model, "--trace", tmp_path), "is a directory")


def test_trace_refuses_to_overwrite_the_model(tmp_path: Path) -> None:
    model = models.save(models.matmul(8, 16, 4), tmp_path / "mm.onnx")
    digest = sha256(model)
    assert_one_line_error(tilefabric("run", model, "--trace", model), "refusing to overwrite")
    assert sha256(model) == digest


# --- units ---------------------------------------------------------------------------------
def test_core_groups_stay_few() -> None:
    from tilefabric.runtime_sim.trace import MAX_TRACKS, core_groups

    few = np.array([1472, 64, 64, 1, 1472])
    tids, names = core_groups(few, 1472)
    assert names == ["all 1,472 cores", "64 cores", "1 core"] and tids.tolist() == [0, 1, 1, 2, 0]
    many = np.arange(1, 1473)
    tids, names = core_groups(many, 1472)
    assert len(names) <= MAX_TRACKS and tids.max() == len(names) - 1
    assert names[0] == "1,025–2,048 cores" and names[-1] == "1 core"


def test_link_runs_wrap_on_a_ring() -> None:
    from tilefabric.target.routing import add_runs

    loads = np.zeros((2, 5))
    add_runs(loads, np.array([0, 1, 1]), np.array([3, 0, 1]), np.array([3, 0, 2]), 7.0)
    assert loads.tolist() == [[7, 0, 0, 7, 7], [0, 7, 7, 0, 0]]
