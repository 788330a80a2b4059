"""Instruction mapping end to end: the compile pipeline records each planned op's mapping
(isa-map after linalg-to-rtensor), the simulator charges it, and the report carries it.

A small MobileNetV2 (depthwise-separable blocks) and ResNet (3x3 and 1x1 convs) from the
model zoo: outputs match onnxruntime, every op is simulated at the cycles its plan was
predicted with under each strategy, every matmul- or convolution-like op reports kind
`contraction` with an instruction and its padding waste, and depthwise convolutions run on
the vector unit.
"""

from __future__ import annotations

import pytest
from xdsl.dialects.builtin import StringAttr

from tilefabric.zoo import SMALL
from tilefabric import api
from tilefabric.dialects.isa import INSTRUCTION, MappingAttr
from tilefabric.dialects.rtensor import ComputeOp
from tilefabric.errors import TileFabricError
from tilefabric.isa.search import ISA_ATTR


@pytest.fixture(scope="module")
def mobilenet():
    return api.load(SMALL["mobilenet_tiny"]())


@pytest.fixture(scope="module")
def resnet():
    return api.load(SMALL["resnet_tiny"]())


def _as_predicted(op) -> None:
    """Compute is predicted exactly (the same mapping, the same formula); a re-layout into the
    op is predicted as every core fetching its whole block, an upper bound of what moves."""
    assert 0.99 * op["predicted_cycles"] <= op["cycles"] <= op["predicted_cycles"] + 1.0, op


def _contractions(report):
    return [op for op in report["ops"] if op["kind"] == "contraction"]


@pytest.mark.parametrize("strategy", ["exhaustive", "greedy", "ranked"])
def test_mobilenet_runs_on_its_recorded_mappings(mobilenet, strategy):
    program = api.compile_loaded(mobilenet, "ipu-mk2", isa=strategy)
    result = program.run(seed=1)
    assert program.check(result).passed
    ops = result.report["ops"]
    for op in ops:
        if op["predicted_cycles"]:
            _as_predicted(op)
    convs = _contractions(result.report)
    assert len(convs) >= 10
    for op in convs:
        assert op["instruction"].split(" ")[0] in ("amp", "vector"), op
        assert 0.0 <= op["padding_waste"] < 1.0, op
    depthwise = [op for op in convs if op["instruction"].startswith("vector fma")]
    assert len(depthwise) == 6  # one per inverted-residual block of mobilenet_tiny
    if strategy != "exhaustive":
        assert program.compiled.rtensor.attributes[ISA_ATTR] == StringAttr(strategy)


def test_every_planned_op_records_the_mapping_it_was_priced_with(resnet):
    """The rtensor IR carries a legal #isa.mapping on every computing op (the verifier checks
    legality on the module's target), and the dataflow compute ops carry the same."""
    program = api.compile_loaded(resnet, "ipu-mk2")
    computes = [op for op in program.compiled.rtensor.walk() if isinstance(op, ComputeOp)]
    mapped = [op for op in computes if INSTRUCTION in op.attributes]
    assert mapped and all(isinstance(op.attributes[INSTRUCTION], MappingAttr) for op in mapped)
    units = {op.attributes[INSTRUCTION].unit.data for op in mapped}
    assert units == {"amp", "vector"}
    text = program.ir("dataflow")
    assert text.count("tf.instruction = #isa.mapping") == len(mapped)
    result = program.run(seed=2)
    assert program.check(result).passed
    for op in _contractions(result.report):
        assert op["instruction"].startswith("amp"), op
        _as_predicted(op)


def test_tt_like_maps_the_same_model_onto_its_own_units(mobilenet):
    program = api.compile_loaded(mobilenet, "tt-like")
    result = program.run(seed=1)
    assert program.check(result).passed
    units = {op["unit"] for op in result.report["ops"] if op["instruction"]}
    assert units <= {"fpu", "fpu-eltwise", "sfpu"} and "fpu" in units
    for op in _contractions(result.report):
        assert op["unit"] in ("fpu", "fpu-eltwise", "sfpu"), op
        assert op["padding_waste"] is not None


def test_padding_waste_is_the_units_share_of_padded_work(resnet):
    """Recomputed from the instructions: a 1x1 conv's per-core GEMM on AMP blocks."""
    program = api.compile_loaded(resnet, "ipu-mk2")
    result = program.run(seed=0)
    waste = {op["name"]: op["padding_waste"] for op in result.report["ops"]}
    stats = {s.name: s for s in result.sim.ops}
    for name, value in waste.items():
        s = stats[name]
        if value is None:
            assert s.performed_work == 0
        else:
            assert value == pytest.approx(1 - s.useful_work / s.performed_work)
            assert s.useful_work <= s.performed_work


def test_isa_map_refuses_another_target_than_the_plans(resnet):
    from tilefabric.frontend import make_context
    from tilefabric.pipeline import _run

    program = api.compile_loaded(resnet, "ipu-mk2", stop_after="rtensor")
    with pytest.raises(TileFabricError, match=r"isa-map\{target=tt-like\} on a module planned for 'ipu-mk2'"):
        _run(program.compiled.rtensor.clone(), "isa-map{target=tt-like}", make_context())
    with pytest.raises(TileFabricError, match="unknown instruction-mapping strategy 'best'"):
        _run(program.compiled.rtensor.clone(), "isa-map{strategy=best}", make_context())


def test_cli_option_reaches_the_planner(tmp_path, mobilenet):
    import subprocess
    import sys

    import onnx

    path = tmp_path / "m.onnx"
    onnx.save(SMALL["mobilenet_tiny"](), path)
    proc = subprocess.run([sys.executable, "-m", "tilefabric", "compile", str(path), "--emit", "rtensor",
                           "--isa-search", "greedy"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert 'tf.isa_strategy = "greedy"' in proc.stdout and "tf.instruction = #isa.mapping" in proc.stdout
    bad = subprocess.run([sys.executable, "-m", "tilefabric", "plan", str(path), "--isa-search", "best"],
                         capture_output=True, text=True, timeout=600)
    assert bad.returncode == 2 and bad.stderr.strip().splitlines() == [
        "error: unknown instruction-mapping strategy 'best' (available: exhaustive, greedy, ranked)"]
