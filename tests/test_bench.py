"""`tilefabric bench`: a reduced quick bench (two tiny models) through the CLI writes
results.json, results.md and valid PNGs with sane, self-consistent values; failed runs become
rows saying why; bad arguments get the one-line error. Not the figures themselves: those are
docs/results.md's job."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tilefabric.bench import matrix
from tilefabric.bench.records import Results, RunRecord, geomean
from tilefabric.bench.table import markdown
from tilefabric.bench.worker import classify
from tilefabric.errors import TileFabricError
from tilefabric.target import resolve_target

MODELS = ("nerf_tiny",)  # in the quick scaling set: 4 runs in one worker process
RUN_KEYS = ("model", "label", "target", "strategy", "status", "message", "cores", "latency_cycles", "latency_ms",
            "roofline_cycles", "roofline_ms", "peak_bytes_per_core", "compile_seconds", "simulate_seconds",
            "check_passed", "roofline_fraction")
POSITIVE = ("latency_cycles", "latency_ms", "roofline_cycles", "roofline_ms", "peak_bytes_per_core",
            "compile_seconds", "simulate_seconds")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def tilefabric(*args: str | Path, timeout: float = 900) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TILEFABRIC_DEBUG"}
    return subprocess.run([sys.executable, "-m", "tilefabric", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env)


@pytest.fixture(scope="module")
def bench(tmp_path_factory) -> tuple[Path, dict, subprocess.CompletedProcess]:
    out = tmp_path_factory.mktemp("bench")
    proc = tilefabric("bench", "--quick", "--models", *MODELS, "--out", out)
    assert proc.returncode == 0, proc.stderr
    return out, json.loads((out / "results.json").read_text()), proc


def test_files_are_written(bench) -> None:
    out, _, proc = bench
    for name in ("results.json", "results.md", "speedup.png", "scaling.png"):
        assert (out / name).stat().st_size > 0, name
        assert name in proc.stdout  # the "wrote ..." line


@pytest.mark.parametrize("name", ["speedup.png", "scaling.png"])
def test_plots_are_valid_pngs(bench, name: str) -> None:
    from PIL import Image

    path = bench[0] / name
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size[0] > 300 and image.size[1] > 200


def test_json_schema_and_sane_values(bench) -> None:
    _, data, _ = bench
    assert data["schema"] == 1 and data["meta"]["quick"] is True and data["meta"]["targets"] == ["ipu-mk2"]
    assert re.fullmatch(r"[0-9a-f]{40}(-dirty)?|unknown", data["meta"]["commit"])
    runs = data["runs"]
    # per model: t10 + vgm on ipu-mk2; nerf_tiny also t10 on 368 and 5,888 cores
    assert sorted((r["model"], r["target"], r["strategy"]) for r in runs) == sorted(
        [(m, "ipu-mk2", s) for m in MODELS for s in ("t10", "vgm")]
        + [("nerf_tiny", "ipu-mk2-quarter", "t10"), ("nerf_tiny", "ipu-pod4", "t10")])
    for run in runs:
        assert set(RUN_KEYS) <= set(run), run
        assert run["status"] == "ok", run["message"]
        for key in POSITIVE:
            assert isinstance(run[key], (int, float)) and math.isfinite(run[key]) and run[key] > 0, (key, run)
        target = resolve_target("ipu-mk2" if run["target"] == "ipu-mk2-quarter" else run["target"])
        assert run["latency_ms"] == pytest.approx(run["latency_cycles"] / target.clock_hz * 1e3, rel=1e-9)
        assert run["roofline_ms"] == pytest.approx(run["roofline_cycles"] / target.clock_hz * 1e3, rel=1e-9)
        assert 0 < run["roofline_fraction"] <= 1.0  # the roofline is a lower bound
        assert run["roofline_fraction"] == pytest.approx(run["roofline_cycles"] / run["latency_cycles"])
        assert run["peak_bytes_per_core"] <= run["scratchpad_bytes"]
        assert run["check_passed"] is True and run["max_rel_err"] < 1e-4  # against onnxruntime
    assert {r["cores"] for r in runs if r["model"] == "nerf_tiny"} == {368, 1472, 5888}


def test_speedup_and_geomean_come_from_the_latencies(bench) -> None:
    _, data, _ = bench
    latency = {(r["model"], r["strategy"]): r["latency_cycles"] for r in data["runs"] if r["target"] == "ipu-mk2"}
    speedups = []
    for comp in data["comparisons"]:
        expected = latency[(comp["model"], "vgm")] / latency[(comp["model"], "t10")]
        assert comp["speedup"] == pytest.approx(expected, rel=1e-12)
        speedups.append(expected)
    assert sorted(c["model"] for c in data["comparisons"]) == sorted(MODELS)
    assert data["geomean_speedup"]["ipu-mk2"] == pytest.approx(math.prod(speedups) ** (1 / len(speedups)))


def test_markdown_table_rows(bench) -> None:
    out, data, _ = bench
    text = (out / "results.md").read_text()
    assert data["meta"]["commit"] in text
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    for comp in data["comparisons"]:
        row = next(r for r in rows if r.startswith(f"| {comp['label']} |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert len(cells) == 14 and cells[3] == f"{comp['speedup']:.2f}x"
        assert re.fullmatch(r"PASS \(\S+\) / PASS \(\S+\)", cells[13]), cells[13]
    assert any(r.startswith("| **geometric mean** (1 of 1 models ran both)") for r in rows)
    assert f"**{data['geomean_speedup']['ipu-mk2']:.2f}x**" in text
    scaling = [r for r in rows if r.startswith("| NeRF-tiny | ipu-")]
    assert [r.split("|")[3].strip() for r in scaling] == ["368", "1,472", "5,888"]
    assert "![speedup.png](speedup.png)" in text and "![scaling.png](scaling.png)" in text


def test_failed_runs_are_rows_with_their_reason() -> None:
    ok = dict(status="ok", cores=1472, latency_cycles=2000.0, latency_ms=0.002, roofline_cycles=500.0,
              roofline_ms=0.0005, peak_bytes_per_core=1024, compile_seconds=1.0, simulate_seconds=1.0)
    runs = [RunRecord("a", "Model A", "ipu-mk2", "t10", **ok),
            RunRecord("a", "Model A", "ipu-mk2", "vgm", status="does not fit",
                      message="op 5 needs 1251900 B per core, 575078 B available"),
            RunRecord("b", "Model B", "ipu-mk2", "t10", **ok),
            RunRecord("b", "Model B", "ipu-mk2", "vgm", **{**ok, "latency_cycles": 3000.0, "latency_ms": 0.003})]
    results = Results(runs, {"targets": ["ipu-mk2"], "commit": "abc"})
    text = markdown(results)
    row_a = next(line for line in text.splitlines() if line.startswith("| Model A |"))
    assert "| does not fit [1] |" in row_a and "[1] Model A, vgm on ipu-mk2: does not fit: op 5 needs" in text
    assert results.geomean_speedup("ipu-mk2") == pytest.approx(1.5)  # only B ran both
    assert "(1 of 2 models ran both)" in text
    assert geomean([2.0, 8.0]) == pytest.approx(4.0) and geomean([]) is None


def test_a_roofline_above_the_latency_is_flagged_not_averaged() -> None:
    ok = dict(status="ok", cores=1472, latency_ms=0.002, roofline_ms=0.0005, peak_bytes_per_core=1024,
              compile_seconds=1.0, simulate_seconds=1.0)
    runs = [RunRecord("a", "Model A", "ipu-mk2", "t10", latency_cycles=2000.0, roofline_cycles=8000.0, **ok),
            RunRecord("a", "Model A", "ipu-mk2", "vgm", latency_cycles=2500.0, roofline_cycles=8000.0, **ok),
            RunRecord("b", "Model B", "ipu-mk2", "t10", latency_cycles=2000.0, roofline_cycles=500.0, **ok),
            RunRecord("b", "Model B", "ipu-mk2", "vgm", latency_cycles=5000.0, roofline_cycles=500.0, **ok)]
    text = markdown(Results(runs, {"targets": ["ipu-mk2"]}))
    assert "| 4.00 (!) [1] | 3.20 (!) [2] |" in text and "not a lower bound here" in text
    geo = next(line for line in text.splitlines() if line.startswith("| **geometric mean**"))
    assert "| 0.25 | 0.10 |" in geo  # Model B's fractions only


def test_budget_used_up_records_runs_as_not_run(tmp_path: Path) -> None:
    """A budget too small for even the first run: every run is a 'not run' row, files still written."""
    proc = tilefabric("bench", "--quick", "--models", "nerf_tiny", "--no-scaling", "--budget", "0.001",
                      "--out", tmp_path)
    assert proc.returncode == 0, proc.stderr
    runs = json.loads((tmp_path / "results.json").read_text())["runs"]
    assert [(r["strategy"], r["status"]) for r in runs] == [("t10", "not run"), ("vgm", "not run")]
    assert all("budget" in r["message"] for r in runs)
    text = (tmp_path / "results.md").read_text()
    assert "| NeRF-tiny | not run [1] | not run [2] | - |" in text


def test_classify_names_memory_shortfalls_does_not_fit() -> None:
    assert classify(TileFabricError("op 5 (x): needs 1251900 B per core (own hot + others' least cold), "
                                    "575078 B available"))[0] == "does not fit"
    assert classify(TileFabricError("operator 'mm' does not fit on 'ipu-mk2': ..."))[0] == "does not fit"
    assert classify(ValueError("boom")) == ("error", "ValueError: boom")


def test_quarter_mk2_is_mk2_with_a_quarter_of_the_cores(tmp_path: Path) -> None:
    from tilefabric.target import load_target_file

    quarter = load_target_file(str(matrix.quarter_mk2_toml(tmp_path)))
    mk2 = resolve_target("ipu-mk2")
    assert quarter.cores == 368 and quarter.name == matrix.QUARTER_MK2
    same = {f.name for f in dataclasses.fields(mk2)} - {"name", "description", "cores", "source"}
    assert all(getattr(quarter, f) == getattr(mk2, f) for f in same)


def test_matrix_selects_by_key_and_family() -> None:
    assert [m.key for m in matrix.select(False, ["bert_large"])] == ["bert_large_b1", "bert_large_b8", "bert_large_b16"]
    assert all(m.kwargs["dtype"] == "f16" for m in matrix.select(False, ["bert_large"]))
    jobs = matrix.jobs(matrix.select(True, ["opt_tiny"]), ["ipu-mk2"], scaling=True, quick=True)
    assert [(c.target, c.strategy) for c in jobs[0].configs] == [
        ("ipu-mk2", "t10"), ("ipu-mk2", "vgm"), ("ipu-mk2-quarter", "t10"), ("ipu-pod4", "t10")]


@pytest.mark.parametrize("args, message", [
    (["--models", "nope"], "error: unknown bench model 'nope'"),
    (["--targets", "nope"], "error: unknown target 'nope'"),
    (["--timeout", "0"], "error: --timeout must be positive"),
    (["--budget", "-1"], "error: --budget must be positive"),
])
def test_bad_arguments_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    proc = tilefabric("bench", "--quick", "--out", tmp_path / "out", *args)
    assert proc.returncode == 2 and proc.stderr.startswith(message) and proc.stderr.count("\n") == 1, proc.stderr
    assert not (tmp_path / "out").exists()  # refused before any run
