"""The ipu-mk2 preset reproduces T10's published cost-model figures, and bad target files are
refused with one clear message naming the file and field."""

from __future__ import annotations

import pytest

from tilefabric.errors import TileFabricError
from tilefabric.target import load_target_file, preset_names, resolve_target
from tilefabric.target.loader import _preset


def test_presets_listed():
    assert {"ipu-mk2", "ipu-pod4"} <= set(preset_names())


def test_amp_subop_matches_t10_figure():
    # t10.md: 1024^3 fp16 with F_op (m,k,n) = (4,5,69) -> sub-op 256 x 205 x 15, compute 20,384.
    t = resolve_target("ipu-mk2")
    assert t.contraction_cycles(1, 256, 205, 15, 2) == 20384


def test_partial_sum_and_shuffle_match_t10_figure():
    # t10.md: the same plan's sync/shift/shuffle is 6,734 cycles: the 5-way partial-sum
    # reduction of a 256x15 output plus the trailing shuffle (shift of the output + 6 syncs).
    t = resolve_target("ipu-mk2")
    sync, transfer, compute = t.partial_sum_cycles(256 * 15, 5, 2)
    trailing = t.exchange_cycles(256 * 15 * 2)
    assert round(float(sync + transfer + compute + trailing)) == 6734


def test_elementwise_formula_branches():
    t = resolve_target("ipu-mk2")
    assert t.elementwise_cycles(100, 2) == pytest.approx(0.75 * 100 + 290)
    assert t.elementwise_cycles(20000, 2) == pytest.approx(0.5 * 20000 + 300)
    assert t.elementwise_cycles(16000, 2) == 8517  # capped small branch
    assert t.elementwise_cycles(100, 1) == pytest.approx(0.5 * 100 + 200)


def test_pod_scales_communication():
    mk2, pod = resolve_target("ipu-mk2"), resolve_target("ipu-pod4")
    assert pod.cores == 4 * mk2.cores
    assert pod.transfer_cycles(1000) == pytest.approx(1.25 * mk2.transfer_cycles(1000))


def _write(tmp_path, text: str):
    path = tmp_path / "chip.toml"
    path.write_text(text)
    return path


def _preset_text() -> str:
    from importlib import resources

    return resources.files("tilefabric.target").joinpath("presets", "ipu-mk2.toml").read_text()


def test_user_toml_loads_like_preset(tmp_path):
    t = load_target_file(_write(tmp_path, _preset_text().replace('name = "ipu-mk2"', 'name = "mine"')))
    assert t.name == "mine" and t.cores == _preset("ipu-mk2").cores


@pytest.mark.parametrize(
    "old,new,message",
    [
        ("cores = 1472", "cores = 0", "field 'cores' must be >= 1"),
        ("cores = 1472", "cores = -4", "field 'cores' must be >= 1"),
        ("scratchpad_bytes = 638976", 'scratchpad_bytes = "big"', "field 'scratchpad_bytes' must be an integer"),
        ('topology = "crossbar"', 'topology = "ring"', "field 'topology' must be one of"),
        ('topology = "crossbar"', 'topology = "mesh"', "field 'mesh_shape' must be [rows, cols]"),
        ("block_m = 6", "block_m = 0", "field 'units.amp.block_m' must be >= 1"),
        ("sync_cycles = 118", "", "missing field 'sync_cycles'"),
        ("cores = 1472", "cores = = 3", "malformed TOML"),
    ],
)
def test_bad_target_files(tmp_path, old, new, message):
    path = _write(tmp_path, _preset_text().replace(old, new, 1))
    with pytest.raises(TileFabricError) as err:
        load_target_file(path)
    assert message in str(err.value) and str(path) in str(err.value)


GEMM = 'templates = ["out[m, n] += a[m, k] * b[k, n]"]'


@pytest.mark.parametrize(
    "old,new,message",
    [
        ('kind = "matrix"', 'kind = "systolic"', "field 'units.amp.kind' must be 'matrix' or 'vector', got 'systolic'"),
        (GEMM, 'templates = ["out[m] += a[m, k] * b[k]"]',
         "field 'units.amp.templates' entry 0 'out[m] += a[m, k] * b[k]': a matrix unit's template must read "
         "out[m, n] += a[m, k] * b[k, n]"),
        (GEMM, 'templates = ["out[m, n] = a[m, k] * b[k, n]"]', "the right-hand side must be"),
        (GEMM, "templates = []", "field 'units.amp.templates' must list at least one template"),
        (GEMM, 'templates = "gemm"', "field 'units.amp.templates' must be a list of strings"),
        ('"out[e] += a[e] * b[e?]",', '"out[e] += a[e] * b[r]",', "a vector unit's input 'b' may only use role 'e'"),
        ('dtypes = ["f16", "f32"]', 'dtypes = ["f16", "f8"]', "field 'units.amp.dtypes': unknown element type 'f8'"),
        ("width = 1 ", "width = 0 ", "field 'units.vector.width' must be >= 1"),
        ("width = 1 ", 'width = 1\nops = ["addf"]\n', "the target needs a vector unit that runs any body"),
        ("[reduce]", '[matmul]\nunit = "x"\n\n[reduce]',
         "give compute units either as [units.NAME] tables or as [matmul] + [vector], not both"),
    ],
)
def test_bad_compute_units(tmp_path, old, new, message):
    text = _preset_text()
    assert old in text, old
    path = _write(tmp_path, text.replace(old, new, 1))
    with pytest.raises(TileFabricError) as err:
        load_target_file(path)
    assert message in str(err.value) and str(path) in str(err.value)


def test_a_target_needs_a_matrix_unit(tmp_path):
    text = _preset_text()
    amp = text[text.index("[units.amp]"):text.index("[units.vector]")]
    with pytest.raises(TileFabricError, match='needs at least one unit with kind = "matrix"'):
        load_target_file(_write(tmp_path, text.replace(amp, "")))


def test_shorthand_sections_still_load(tmp_path):
    """`[matmul]` + `[vector]` (the format before compute units) give one unit each, with the
    default templates; the formulas are the same numbers."""
    text = _preset_text()
    units = text[text.index("[units.amp]"):text.index("[reduce]")]
    short = (units.replace("[units.amp]", "[matmul]").replace("[units.vector]", "[vector]")
             .replace('kind = "matrix"', 'unit = "amp"').replace('kind = "vector"', 'unit = "vector"'))
    t = load_target_file(_write(tmp_path, text.replace(units, short)))
    mk2 = resolve_target("ipu-mk2")
    assert [u.unit for u in t.units] == ["amp", "vector"]
    assert t.matmul.templates == mk2.matmul.templates and t.vector.templates == mk2.vector.templates
    assert t.contraction_cycles(1, 256, 205, 15, 2) == 20384


def test_presets_describe_their_units():
    tt = resolve_target("tt-like")
    assert [(u.unit, u.kind) for u in tt.units] == [("fpu", "matrix"), ("fpu-eltwise", "vector"), ("sfpu", "vector")]
    assert (tt.matmul.block_m, tt.matmul.block_n, tt.matmul.block_k(2)) == (32, 32, 32)  # 32x32 tiles
    assert tt.unit("fpu-eltwise").width == 1024 and tt.vector.unit == "sfpu"
    mk2 = resolve_target("ipu-mk2")
    assert (mk2.matmul.unit, mk2.matmul.block_m, mk2.matmul.block_n, mk2.matmul.block_k(2)) == ("amp", 6, 16, 16)


def test_unknown_target_name():
    with pytest.raises(TileFabricError, match="unknown target 'ipu-mk9'"):
        resolve_target("ipu-mk9")
