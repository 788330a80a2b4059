"""End-to-end tests of `tilefabric plan` (and of `run` where a model does not fit), run as a
subprocess like a user would.

They pin: what `plan` prints and writes for the bundled MLP (every op, its F_op, predicted
cycles against a roofline recomputed here from the op's shape and the ipu-mk2 figures, the
search statistics, and totals that are the sums of the per-op rows); that `--strategy` and
`--reconcile` reach the report; and that a model too big for the chip, a bad strategy or a
bad target file gives exactly one `error:` line on stderr, exit code 2, no traceback, and
leaves the user's files (and the output directory) untouched.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import onnx
import pytest
from onnx import TensorProto, helper

from tilefabric.examples import onnx_models as models

# ipu-mk2 (tilefabric/target/presets/ipu-mk2.toml) and the planner's share of the scratchpad
MK2_CORES, MK2_SCRATCHPAD, MK2_F32_FLOPS, MK2_LINK = 1472, 638976, 32.0, 3.5714285714285716
MEMORY_FRACTION = 0.9  # linalg-to-rtensor's default memory_fraction: the budget plans must fit
VECTOR_CYCLES_PER_ELEM = 0.5  # [vector] large_cycles_per_elem: the non-contraction roofline rate

OP_KEYS = ("name", "spatial", "temporal", "rotation", "hot_bytes", "cold_bytes", "predicted_cycles",
           "roofline_cycles", "roofline_compute_cycles", "roofline_link_cycles", "plans_evaluated",
           "pareto_size", "search_seconds")
TOTAL_KEYS = ("target", "strategy", "reconcile", "ops", "search_seconds", "predicted_cycles", "roofline_cycles",
              "plans_evaluated")


# --- helpers -------------------------------------------------------------------------------
def start(*args: str | Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "TILEFABRIC_DEBUG"}
    env.update(COLUMNS="200", PYTHONIOENCODING="utf-8")
    return subprocess.Popen([sys.executable, "-m", "tilefabric", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def finish(proc: subprocess.Popen) -> subprocess.CompletedProcess:
    try:
        stdout, stderr = proc.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def tilefabric(*args: str | Path) -> subprocess.CompletedProcess:
    return finish(start(*args))


def fingerprint(*paths: Path) -> dict[Path, tuple[str, int]]:
    """Content hash and modification time of each file: both must survive a failed command."""
    return {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in paths}


def assert_one_line_error(proc: subprocess.CompletedProcess) -> str:
    """Exit 2, exactly one stderr line starting `error: `, no traceback anywhere; returns the line."""
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]


def small_target(directory: Path, name: str, cores: int, scratchpad: int) -> Path:
    """The ipu-mk2 preset with fewer cores and a smaller scratchpad (as test_plan_properties does)."""
    base = resources.files("tilefabric.target").joinpath("presets", "ipu-mk2.toml").read_text()
    text = (base.replace('name = "ipu-mk2"', f'name = "{name}"')
            .replace("cores = 1472", f"cores = {cores}")
            .replace(f"scratchpad_bytes = {MK2_SCRATCHPAD}", f"scratchpad_bytes = {scratchpad}"))
    assert text.count(f"cores = {cores}\n") == 1 and f"scratchpad_bytes = {scratchpad} " in text
    path = directory / f"{name}.toml"
    path.write_text(text)
    return path


def table_rows(stdout: str) -> dict[str, list[str]]:
    """The plan table's data rows, keyed by their first cell (op name, or 'total')."""
    rows = {}
    for line in stdout.splitlines():
        cells = [c.strip() for c in re.split(r"[│|]", line)]
        if len(cells) == 13 and cells[1] and cells[1] != "op":  # '' + 11 columns + ''
            assert cells[1] not in rows, f"op listed twice: {cells[1]}"
            rows[cells[1]] = cells[2:12]
    return rows


def plan_text(op: dict) -> str:
    """How the table spells a plan: F_op, then one ring per rotating dimension."""
    text = "F=" + "x".join(map(str, op["spatial"]))
    return text + "".join(f" ring#{x}=" + "x".join(map(str, op["temporal"][x])) for x in op["rotation"])


def base_name(op_name: str) -> str:
    """The ONNX node an op came from: the importer suffixes '.N' when a node becomes several ops."""
    return re.sub(r"\.\d+$", "", op_name)


def matmul_roofline(m: int, k: int, n: int) -> float:
    """max(compute, link) cycles of an f32 m×k×n matmul on the whole ipu-mk2, from first principles:
    2mkn FLOPs at every core's peak; the link bound of parallel matmul (Ballard et al. 2014),
    3·(mnk/P)^(2/3) − (mk+kn+mn)/P words per core, at the link rate."""
    compute = 2 * m * k * n / (MK2_CORES * MK2_F32_FLOPS)
    words = max(0.0, 3 * (m * n * k / MK2_CORES) ** (2 / 3) - (m * k + k * n + m * n) / MK2_CORES)
    return max(compute, words * 4 / MK2_LINK)


# --- the bundled MLP: plan, report, strategies ---------------------------------------------
MLP = dict(batch=256, d_in=1024, d_hidden=1024, d_out=1024)  # models.mlp()'s defaults: the bundled MLP
EXPECTED_NODES = ["fc1", "bias1", "relu1", "fc2"] + ["softmax"] * 5  # Softmax: 5 planned ops (fills are not planned)
# by default fuse-memory-intensive joins bias+relu and the five softmax ops into one fused op
# each (labelled first..last ONNX node); the matmuls stay alone
EXPECTED_FUSED = ["fc1", "bias1..relu1", "fc2", "softmax.2..softmax"]


@pytest.fixture(scope="module")
def mlp_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return models.save(models.mlp(**MLP), tmp_path_factory.mktemp("mlp") / "mlp.onnx")


UNFUSED = ("--disable", "fuse-memory-intensive")  # the per-node checks below count ops one by one
PLAN_OPTIONS = {"t10": UNFUSED, "vgm": ("--strategy", "vgm", *UNFUSED), "greedy": ("--reconcile", "greedy", *UNFUSED),
                "fused": ()}


@pytest.fixture(scope="module")
def plan_runs(mlp_model: Path) -> dict:
    """`plan MODEL --target ipu-mk2 [OPTIONS] --report FILE` for each PLAN_OPTIONS, run side by side."""
    before = fingerprint(mlp_model)
    started = {key: start("plan", mlp_model, "--target", "ipu-mk2", *options, "--report",
                          mlp_model.with_name(f"{key}.json")) for key, options in PLAN_OPTIONS.items()}
    runs = {key: dict(proc=finish(proc)) for key, proc in started.items()}
    for key, run in runs.items():
        assert run["proc"].returncode == 0, run["proc"].stderr
        run["report"] = json.loads(mlp_model.with_name(f"{key}.json").read_text())
    runs["model_unchanged"] = fingerprint(mlp_model) == before
    return runs


def test_plan_report_and_stdout(plan_runs) -> None:
    proc, report = plan_runs["t10"]["proc"], plan_runs["t10"]["report"]
    assert proc.returncode == 0 and proc.stderr == ""  # spinners only on a terminal
    assert plan_runs["model_unchanged"]
    assert set(TOTAL_KEYS) <= set(report)
    assert (report["target"], report["strategy"], report["reconcile"]) == ("ipu-mk2", "t10", "milp")

    ops = report["ops"]
    assert [base_name(o["name"]) for o in ops] == EXPECTED_NODES
    fused = plan_runs["fused"]["report"]["ops"]
    assert [base_name(o["name"]) for o in fused] == EXPECTED_FUSED
    assert [o["spatial"] for o in fused if o["name"].startswith("fc")] == [o["spatial"] for o in ops if o["name"].startswith("fc")]
    budget = MK2_SCRATCHPAD * MEMORY_FRACTION
    for o in ops:
        assert set(OP_KEYS) <= set(o), o["name"]
        assert isinstance(o["plans_evaluated"], int) and isinstance(o["pareto_size"], int)
        assert 1 <= o["pareto_size"] <= o["plans_evaluated"], o
        assert o["search_seconds"] >= 0
        assert len(o["spatial"]) == (3 if base_name(o["name"]).startswith("fc") else 2), o  # m,n,k | rows,cols
        assert math.prod(o["spatial"]) <= MK2_CORES, o
        assert 0 < o["hot_bytes"] <= budget, o
        assert o["roofline_cycles"] == max(o["roofline_compute_cycles"], o["roofline_link_cycles"])
        assert o["predicted_cycles"] >= o["roofline_cycles"] > 0, o  # no plan beats the roofline

    # the roofline recomputed from the shapes: matmuls 256×1024×1024, the rest 256×1024 elements
    for o in ops:
        if base_name(o["name"]).startswith("fc"):
            expected = matmul_roofline(MLP["batch"], 1024, 1024)
        else:
            expected = MLP["batch"] * 1024 * VECTOR_CYCLES_PER_ELEM / MK2_CORES
        assert o["roofline_cycles"] == pytest.approx(round(expected, 1), abs=0.051), o["name"]

    # totals are the sums of the per-op rows
    assert report["predicted_cycles"] == sum(o["predicted_cycles"] for o in ops)
    assert report["plans_evaluated"] == sum(o["plans_evaluated"] for o in ops)
    assert report["roofline_cycles"] == pytest.approx(sum(o["roofline_cycles"] for o in ops), abs=1e-6)
    assert report["search_seconds"] == pytest.approx(sum(o["search_seconds"] for o in ops), abs=1e-6)
    assert report["roofline_cycles"] <= report["predicted_cycles"]

    # stdout: a title, one row per op in report order with the same figures, and a total row
    assert "plan on ipu-mk2 (strategy t10, reconcile milp)" in proc.stdout
    rows = table_rows(proc.stdout)
    assert list(rows) == [o["name"] for o in ops] + ["total"], proc.stdout
    for o in ops:
        plan, instruction, _hot, _cold, predicted, roofline, _ratio, plans, pareto, seconds = rows[o["name"]]
        assert plan == plan_text(o) and plan.startswith("F=")
        assert instruction == o["instruction"] and instruction.split(" ")[0] in ("amp", "vector"), o
        assert (predicted, roofline) == (f"{o['predicted_cycles']:,.0f}", f"{o['roofline_cycles']:,.0f}")
        assert (plans, pareto, seconds) == (f"{o['plans_evaluated']:,}", str(o["pareto_size"]),
                                            f"{o['search_seconds']:.3f}")
    _, _, _, _, predicted, roofline, ratio, plans, pareto, seconds = rows["total"]
    assert predicted == f"{report['predicted_cycles']:,.0f}" and roofline == f"{report['roofline_cycles']:,.0f}"
    assert ratio == f"{report['predicted_cycles'] / report['roofline_cycles']:.2f}"
    assert (plans, pareto, seconds) == (f"{report['plans_evaluated']:,}", "", f"{report['search_seconds']:.3f}")


def test_strategy_vgm(plan_runs) -> None:
    t10, vgm = plan_runs["t10"]["report"], plan_runs["vgm"]["report"]
    assert (vgm["strategy"], vgm["reconcile"]) == ("vgm", "milp")
    assert "plan on ipu-mk2 (strategy vgm, reconcile milp)" in plan_runs["vgm"]["proc"].stdout
    assert [o["name"] for o in vgm["ops"]] == [o["name"] for o in t10["ops"]]
    assert all(o["rotation"] == [] for o in vgm["ops"])  # vgm tiles never rotate parts between cores
    # the roofline depends on the op and the chip only
    assert [o["roofline_cycles"] for o in vgm["ops"]] == [o["roofline_cycles"] for o in t10["ops"]]
    assert vgm["predicted_cycles"] == sum(o["predicted_cycles"] for o in vgm["ops"])
    assert t10["predicted_cycles"] <= vgm["predicted_cycles"]


def test_reconcile_greedy(plan_runs) -> None:
    milp, greedy = plan_runs["t10"]["report"], plan_runs["greedy"]["report"]
    assert (greedy["strategy"], greedy["reconcile"]) == ("t10", "greedy")
    assert "plan on ipu-mk2 (strategy t10, reconcile greedy)" in plan_runs["greedy"]["proc"].stdout
    # reconciliation picks among the same per-op searches
    for key in ("name", "plans_evaluated", "pareto_size", "roofline_cycles"):
        assert [o[key] for o in greedy["ops"]] == [o[key] for o in milp["ops"]], key
    assert greedy["predicted_cycles"] == sum(o["predicted_cycles"] for o in greedy["ops"])


@pytest.fixture(scope="module")
def small_mlp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return models.save(models.mlp(8, 16, 12, 6), tmp_path_factory.mktemp("small") / "mlp.onnx")


@pytest.mark.parametrize("option,line", [
    ("--strategy", "error: unknown strategy 'foo' (available: t10, vgm)"),
    ("--reconcile", "error: unknown reconciliation 'foo' (available: greedy, milp)"),
])
def test_unknown_strategy_or_reconcile(small_mlp: Path, option: str, line: str) -> None:
    report = small_mlp.with_name("never.json")
    before = fingerprint(small_mlp)
    proc = tilefabric("plan", small_mlp, option, "foo", "--report", report)
    assert assert_one_line_error(proc) == line
    assert proc.stdout == "" and not report.exists()
    assert fingerprint(small_mlp) == before


# --- models that do not fit: plan and run refuse in one line, touching nothing -------------
def _relu_model(rows: int, cols: int) -> onnx.ModelProto:
    node = helper.make_node("Relu", ["x"], ["y"], name="act")
    graph = helper.make_graph([node], "relu", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [rows, cols])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [rows, cols])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8  # onnxruntime 1.31 reads IR ≤ 13
    return model


SEARCH_REFUSAL = re.compile(r"error: operator '([\w.]+)' does not fit on '(\w+)': its smallest plan needs (\d+) "
                            r"bytes per core, (\d+) bytes per core are available")
RECONCILE_REFUSAL = re.compile(r"error: op \d+ \(([\w.]+)\): needs (\d+) B per core \(own hot \+ others' least "
                               r"cold\), (\d+) B available")


def _refused(command: str, model: Path, target: Path) -> str:
    """Run `command` with every output option; nothing may be written, nothing changed."""
    inputs = (model, target)
    before, listing = fingerprint(*inputs), sorted(model.parent.iterdir())
    outputs = ["--report", model.parent / "out.json"]
    if command == "run":
        outputs += ["--save-outputs", model.parent / "out.npz"]
    proc = tilefabric(command, model, "--target", target, *outputs)
    line = assert_one_line_error(proc)
    assert proc.stdout == ""
    assert fingerprint(*inputs) == before
    assert sorted(model.parent.iterdir()) == listing  # no report, outputs or temp files left behind
    return line


@pytest.mark.parametrize("command", ["plan", "run"])
def test_big_weight_does_not_fit(command: str, tmp_path: Path) -> None:
    """Gemm 64×512 · W(512×512): 1.25 MiB of operands on 16 cores with 8 KiB each."""
    target = small_target(tmp_path, "tiny16", 16, 8192)
    model = models.save(models.gemm(64, 512, 512), tmp_path / "gemm.onnx")
    match = SEARCH_REFUSAL.fullmatch(_refused(command, model, target))
    assert match, "unexpected refusal"
    op, chip, required, available = match[1], match[2], int(match[3]), int(match[4])
    assert base_name(op) == "gemm" and chip == "tiny16"
    assert available == int(8192 * MEMORY_FRACTION)
    even_share = (64 * 512 + 512 * 512 + 64 * 512) * 4 // 16  # X, W and Y spread over every core
    assert even_share <= required <= 2 * even_share  # at worst one extra buffer per operand


@pytest.mark.parametrize("command", ["plan", "run"])
def test_elementwise_does_not_fit_exact_bytes(command: str, tmp_path: Path) -> None:
    """Relu of 256×1024 f32: input and output, 2 MiB, spread over 16 cores = 131072 B each."""
    target = small_target(tmp_path, "tiny16", 16, 8192)
    model = models.save(_relu_model(256, 1024), tmp_path / "relu.onnx")
    assert _refused(command, model, target) == (
        "error: operator 'act' does not fit on 'tiny16': its smallest plan needs 131072 bytes per core, "
        "7372 bytes per core are available")


def test_weights_together_do_not_fit(tmp_path: Path) -> None:
    """4 layers of 256×256 f32 weights = 1 MiB = 64 KiB per core on 16 cores: every op fits
    on its own in 64 KiB × 0.9, but the weights that must all stay on chip do not."""
    target = small_target(tmp_path, "tiny16", 16, 65536)
    model = models.save(models.mlp4(64, 256, 4), tmp_path / "mlp4.onnx")
    match = RECONCILE_REFUSAL.fullmatch(_refused("plan", model, target))
    assert match, "unexpected refusal"
    op, required, available = match[1], int(match[2]), int(match[3])
    # a matmul, or a fused bias chain (it also keeps a weight, the bias, on chip)
    assert base_name(op.split("..")[0]) in {"fc1", "fc2", "fc3", "fc4", "bias1", "bias2", "bias3", "bias4"}
    assert available == int(65536 * MEMORY_FRACTION)
    assert required >= 4 * 256 * 256 * 4 // 16 > available


# --- bad target files ------------------------------------------------------------------------
def _preset_text() -> str:
    return resources.files("tilefabric.target").joinpath("presets", "ipu-mk2.toml").read_text()


def _without_line(prefix: str) -> str:
    lines = _preset_text().splitlines(keepends=True)
    kept = [ln for ln in lines if not ln.startswith(prefix)]
    assert len(kept) == len(lines) - 1, prefix
    return "".join(kept)


BAD_TARGETS = {
    "malformed": (lambda: 'name = "chip"\ncores = [unclosed\n', "malformed TOML: Invalid value (at line 2, column 10)"),
    "no_scratchpad": (lambda: _without_line("scratchpad_bytes ="), "missing field 'scratchpad_bytes'"),
    "no_block_m": (lambda: _without_line("block_m ="), "missing field 'units.amp.block_m'"),
    "cores_text": (lambda: _preset_text().replace("cores = 1472", 'cores = "many"'),
                   "field 'cores' must be an integer, got 'many'"),
    "bad_template": (lambda: _preset_text().replace('"out[e] += a[e] * b[e?]"', '"out[e] += a[e] * b[e?] * c[e]"'),
                     "field 'units.vector.templates' entry 1 'out[e] += a[e] * b[e?] * c[e]': a multiply-accumulate "
                     "template needs exactly 'a[...] * b[...]' on the right"),
}


@pytest.mark.parametrize("case", sorted(BAD_TARGETS))
def test_bad_target_file(case: str, small_mlp: Path, tmp_path: Path) -> None:
    text, message = BAD_TARGETS[case]
    toml = tmp_path / "chip.toml"
    toml.write_text(text())
    before = fingerprint(toml, small_mlp)
    proc = tilefabric("plan", small_mlp, "--target", toml, "--report", tmp_path / "out.json")
    assert assert_one_line_error(proc) == f"error: {toml}: {message}"
    assert proc.stdout == "" and not (tmp_path / "out.json").exists()
    assert fingerprint(toml, small_mlp) == before


def test_missing_target_file(small_mlp: Path, tmp_path: Path) -> None:
    toml = tmp_path / "absent.toml"
    assert assert_one_line_error(tilefabric("plan", small_mlp, "--target", toml)) == \
        f"error: {toml}: target file not found"


def test_nan_clock_rejected(tmp_path: Path) -> None:
    toml = tmp_path / "chip.toml"
    toml.write_text(re.sub(r"(?m)^clock_hz = .*$", "clock_hz = nan", _preset_text()))
    # the target is read before the (absent) model, so a rejected target is what the line names
    line = assert_one_line_error(tilefabric("plan", tmp_path / "absent.onnx", "--target", toml))
    assert line.startswith(f"error: {toml}: ") and "clock_hz" in line


@pytest.mark.parametrize("command", ["plan", "run"])
def test_report_never_overwrites_target_file(command: str, small_mlp: Path, tmp_path: Path) -> None:
    """A target file without the .toml suffix (read because its path has a '/') is an input too."""
    target = tmp_path / "chip.cfg"
    target.write_text(_preset_text())
    before = fingerprint(target)
    proc = tilefabric(command, small_mlp, "--target", target, "--report", target)
    assert assert_one_line_error(proc) == f"error: refusing to overwrite input file '{target}' with the report"
    assert fingerprint(target) == before
