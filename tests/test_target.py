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


def test_unknown_target_name():
    with pytest.raises(TileFabricError, match="unknown target 'ipu-mk9'"):
        resolve_target("ipu-mk9")
