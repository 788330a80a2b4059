"""Instruction mapping (isa/): templates, unification, costs and the three search strategies.

The properties that make the planner, `isa-map` and the simulator agree are tested here: a
plain matmul on ipu-mk2 costs exactly the AMP formula T10's figures were checked with; the
lower bound never exceeds the exact cost (so branch and bound is exact); exhaustive equals a
brute-force minimum; a row's decision does not depend on the other rows it is decided with.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from xdsl.dialects.linalg.ops import GenericOp
from xdsl.parser import Parser

from tests.conv_texts import conv_text, depthwise_text
from tests.test_plan_properties import binary_text, bmm_text, matmul_text, unary_text
from tilefabric.errors import TileFabricError
from tilefabric.frontend import make_context
from tilefabric.isa import cost
from tilefabric.isa.kernel import kernel_of_op
from tilefabric.isa.mapping import LOOP, Mapping, check_mapping, legal_mappings
from tilefabric.isa.search import STRATEGIES, NoMapping, decide
from tilefabric.target import resolve_target
from tilefabric.target.templates import TemplateError, parse_template

IPU, TT = resolve_target("ipu-mk2"), resolve_target("tt-like")


def kernel(text: str, dtype: str = "f32"):
    """The kernel of the last generic with inputs in `text` (tests' linalg builders write f32)."""
    if dtype.startswith("i"):
        text = text.replace("0.0 : f32", "0 : f32").replace("mulf", "muli").replace("addf", "addi")
    module = Parser(make_context(), text.replace("f32", dtype)).parse_module()
    ops = [op for op in module.walk() if isinstance(op, GenericOp) and op.inputs]
    return kernel_of_op(ops[-1])


def describe(target, mapping: Mapping) -> str:
    unit = target.unit(mapping.unit)
    return mapping.describe(unit.kind, unit.templates[mapping.template].mac)


# --- templates --------------------------------------------------------------------------------

def test_templates_parse():
    t = parse_template("out[m, n] += a[m, k] * b[k, n]")
    assert t.mac and [p.roles for p in t.inputs] == [("m", "k"), ("k", "n")] and t.out.roles == ("m", "n")
    v = parse_template("out[e] = f(x[e?], ...)")
    assert not v.mac and v.variadic and v.inputs[0].optional == ("e",) and v.accepts_inputs(0) and v.accepts_inputs(5)
    two = parse_template("out[e] = f(x[e], y[e?])")
    assert two.accepts_inputs(2) and not two.accepts_inputs(1) and two.inputs[1].required() == ()


@pytest.mark.parametrize("text,message", [
    ("out[m] * a[m]", "expected 'out[...] += a[...] * b[...]'"),
    ("out[m, n] += a[m, k]", "exactly 'a[...] * b[...]'"),
    ("out[e] = g(x[e])", "must be 'a[...] * b[...]' (with +=) or 'f(...)'"),
    ("out[e?] = f(x[e])", "'?' is allowed on inputs only"),
    ("out[e] = f(x[e, e])", "names role 'e' twice"),
    ("out[e] = f(x[r])", "role 'r' that the output lacks"),
    ("out[e] = f(...)", "'...' must follow an input pattern"),
    ("out[e] = f(out[e])", "operand names must be distinct"),
])
def test_template_errors(text, message):
    with pytest.raises(TemplateError, match=None) as err:
        parse_template(text)
    assert message in str(err.value)


# --- unification ------------------------------------------------------------------------------

def test_matmul_unifies_only_with_the_matrix_unit():
    k = kernel(matmul_text(64, 128, 32))
    maps = legal_mappings(k, IPU)
    assert {m.unit for m in maps} == {"amp"}
    assert maps[0].roles == ("m", "n", "k")  # the first mapping folds every dim
    assert len(maps) == 8  # each of m, n, k folded or looped; one binding (the template is symmetric)
    assert check_mapping(k, IPU, Mapping("amp", 0, (1, 0), ("n", "m", "k"))) is None  # the other binding is legal too
    assert "cannot take role 'n'" in check_mapping(k, IPU, Mapping("amp", 0, (0, 1), ("n", "m", "k")))


def test_batched_matmul_loops_its_batch_dim():
    k = kernel(bmm_text(4, 8, 16, 8))
    maps = legal_mappings(k, IPU)
    assert all(m.roles[0] == LOOP for m in maps)  # the batch indexes all three operands
    assert maps[0].roles == (LOOP, "m", "n", "k")


def test_convolution_is_an_implicit_gemm():
    """Window dims fold into K: the input's axis d2 + d5 is indexed by oh (m) and kh (k)."""
    k = kernel(conv_text(1, 3, 10, 10, 16, 3, 3))
    first = legal_mappings(k, IPU)[0]
    assert describe(IPU, first) == "amp m=d0.d2.d3 n=d1 k=d4.d5.d6"
    assert k.windows(0) == ((2, 5), (3, 6))


def test_depthwise_maps_to_the_vector_fma_or_a_looped_channel():
    k = kernel(depthwise_text(1, 8, 6, 6, 3, 3))
    maps = legal_mappings(k, IPU)
    vector = [m for m in maps if m.unit == "vector"]
    assert [describe(IPU, m) for m in vector] == ["vector fma e=d0.d1.d2.d3 loop=d4.d5"]
    assert vector[0].inputs == (0, 1)  # the input streams (a[e]), the weights broadcast (b[e?])
    assert all(m.roles[1] == LOOP for m in maps if m.unit == "amp")  # the channel is a batch on the AMP


def test_elementwise_and_unary_map_to_the_vector_path():
    add = kernel(binary_text("add", 16, 32, "rows"))
    assert {describe(IPU, m) for m in legal_mappings(add, IPU)} == {"vector e=d0.d1"}
    exp = kernel(unary_text("exp", 16, 32))
    assert [m.unit for m in legal_mappings(exp, TT)] == ["sfpu"]  # exp is not an FPU tile op
    assert {m.unit for m in legal_mappings(add, TT)} == {"fpu-eltwise", "sfpu"}


def test_dtype_lists_filter_units():
    k = kernel(matmul_text(8, 8, 8), dtype="i32")
    assert legal_mappings(k, IPU) == ()
    with pytest.raises(NoMapping, match="no compute unit of target 'ipu-mk2' can run this contraction"):
        decide(k, IPU, np.array([[8, 8, 8]]))


# --- costs ------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["f16", "f32"])
def test_plain_matmul_costs_the_amp_formula_with_every_strategy(dtype):
    """The AMP's T10 formula, unchanged, for every sub-operator shape and strategy."""
    k = kernel(matmul_text(64, 128, 32), dtype=dtype)
    eb = {"f16": 2, "f32": 4}[dtype]
    rng = np.random.default_rng(0)
    U = np.concatenate([rng.integers(1, 400, size=(300, 3)), [[256, 15, 205], [32, 668, 320], [1, 1, 1]]])
    want = IPU.contraction_cycles(1, U[:, 0], U[:, 2], U[:, 1], eb)
    for strategy in STRATEGIES:
        d = decide(k, IPU, U, strategy)
        assert np.array_equal(d.cycles, want), strategy
        assert all(d.mappings[i].roles == ("m", "n", "k") for i in d.index), strategy
    assert float(IPU.contraction_cycles(1, 256, 205, 15, 2)) == 20384  # T10's sub-operator


def _shapes(k, rng, n=200, hi=9):
    return rng.integers(1, hi, size=(n, k.n_dims))


@pytest.mark.parametrize("target", [IPU, TT], ids=["ipu-mk2", "tt-like"])
def test_lower_bound_never_exceeds_the_cost(target):
    rng = np.random.default_rng(1)
    for text in (conv_text(1, 4, 8, 8, 6, 3, 3), depthwise_text(1, 5, 7, 7, 3, 3), matmul_text(8, 8, 8)):
        k = kernel(text)
        U = _shapes(k, rng)
        for m in legal_mappings(k, target):
            s = cost.shape_of(k, target, m)
            assert (cost.lower_bound(target, s, U) <= cost.cycles(target, s, U) + 1e-9).all(), describe(target, m)
        maps = legal_mappings(k, target)
        group = [m for m in maps if m.unit == maps[0].unit][:32]
        batched = cost.lower_bounds(target, k, tuple(group), U)  # (mappings, rows), float32
        exact = np.stack([cost.cycles(target, cost.shape_of(k, target, m), U) for m in group])
        single = np.stack([cost.lower_bound(target, cost.shape_of(k, target, m), U) for m in group])
        assert (batched <= exact).all() and np.allclose(batched, single, rtol=3e-4)
        E = np.floor(np.log2(U)).astype(np.int64)  # the ranked strategy's power-of-two shape classes
        reps = np.left_shift(1, E)
        classes = cost.class_bounds(target, k, tuple(group), E)
        assert np.allclose(classes, np.stack([cost.lower_bound(target, cost.shape_of(k, target, m), reps) for m in group]))


@pytest.mark.parametrize("target", [IPU, TT], ids=["ipu-mk2", "tt-like"])
def test_exhaustive_is_the_brute_force_minimum_and_others_never_beat_it(target):
    rng = np.random.default_rng(2)
    for text in (conv_text(1, 16, 8, 8, 16, 3, 3), depthwise_text(1, 8, 7, 7, 3, 3)):
        k = kernel(text)
        U = _shapes(k, rng, hi=24)
        maps = legal_mappings(k, target)
        every = np.stack([cost.cycles(target, cost.shape_of(k, target, m), U) for m in maps], axis=1)
        best = decide(k, target, U, "exhaustive")
        assert np.array_equal(best.cycles, every.min(axis=1))
        assert np.array_equal(best.index, every.argmin(axis=1))  # ties: the lowest index
        for strategy in ("greedy", "ranked"):
            other = decide(k, target, U, strategy)
            assert (other.cycles >= best.cycles).all(), strategy
            assert np.array_equal(other.cycles, every[np.arange(len(U)), other.index]), strategy


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_a_rows_decision_does_not_depend_on_the_batch(strategy):
    """The planner decides for all candidate plans at once, isa-map and the simulator for one
    sub-operator: they must agree, including on rows with extent-1 dims and on ties."""
    rng = np.random.default_rng(3)
    for text, target in ((conv_text(1, 16, 8, 8, 16, 3, 3), IPU), (conv_text(1, 16, 8, 8, 16, 3, 3), TT),
                         (depthwise_text(1, 8, 7, 7, 3, 3), TT)):
        k = kernel(text)
        U = np.concatenate([_shapes(k, rng, n=60, hi=20), np.ones((2, k.n_dims), dtype=np.int64)])
        U[::3, 0] = 1  # a dim of extent 1 on some rows only
        batch = decide(k, target, U, strategy)
        for r in range(len(U)):
            one = decide(k, target, U[r:r + 1], strategy)
            assert (one.index[0], one.cycles[0]) == (batch.index[r], batch.cycles[r]), (strategy, U[r])


def test_greedy_stops_in_a_local_optimum_on_a_deep_convolution():
    """Folding the window (im2col) then looping one kernel dim still packs the other window:
    no single move improves, so greedy misses the kernel-loop mapping exhaustive finds."""
    k = kernel(conv_text(1, 64, 4, 6, 16, 3, 3))
    U = np.array([[1, 16, 2, 4, 64, 3, 3]])
    best, greedy, ranked = (decide(k, IPU, U, s) for s in STRATEGIES)
    assert describe(IPU, best.mapping()) == "amp m=d0.d2.d3 n=d1 k=d4 loop=d5.d6"
    assert describe(IPU, greedy.mapping()) == "amp m=d0.d2.d3 n=d1 k=d4.d5.d6"
    assert greedy.cycles[0] > best.cycles[0] == ranked.cycles[0]
    assert greedy.evaluated < best.bounded  # it looked at far fewer mappings


def test_padding_waste():
    """AMP blocks: m 6, k 16 (fp16), n 16. A 7 x 16 x 3 instruction: both m and n are <= 16,
    so the AMP runs the smaller on m (T10's swap rule): 3 -> 6 rows, 16, 7 -> 16 columns."""
    k = kernel(matmul_text(7, 16, 3), dtype="f16")
    s = cost.shape_of(k, IPU, legal_mappings(k, IPU)[0])
    useful, performed = cost.work(IPU, s, np.array([[7, 3, 16]]))
    assert (useful[0], performed[0]) == (7 * 3 * 16, 6 * 16 * 16)
    useful, performed = cost.work(IPU, s, np.array([[40, 3, 16]]))
    assert (useful[0], performed[0]) == (40 * 3 * 16, 42 * 16 * 16)  # 40 > 16 on m: 42 rows, n 3 -> 16
    lanes = kernel(binary_text("add", 16, 40, "rows"))
    eltwise = [m for m in legal_mappings(lanes, TT) if m.unit == "fpu-eltwise"][0]
    useful, performed = cost.work(TT, cost.shape_of(lanes, TT, eltwise), np.array([[16, 40]]))
    assert (useful[0], performed[0]) == (640, 1024)  # one 32 x 32 tile


def test_unknown_strategy():
    with pytest.raises(TileFabricError, match="unknown instruction-mapping strategy 'fast'"):
        decide(kernel(matmul_text(4, 4, 4)), IPU, np.array([[4, 4, 4]]), "fast")


def test_every_legal_mapping_passes_the_legality_check():
    for text in (conv_text(1, 3, 6, 6, 4, 3, 3), depthwise_text(1, 4, 5, 5, 3, 3), binary_text("mul", 4, 8, "cols")):
        k = kernel(text)
        for target in (IPU, TT):
            for m in legal_mappings(k, target):
                assert check_mapping(k, target, m) is None
            # and a random role assignment that is not among them is refused
            rng = np.random.default_rng(4)
            legal = set(legal_mappings(k, target))
            for roles in itertools.islice((tuple(rng.choice(["m", "n", "k", "e", LOOP], k.n_dims)) for _ in itertools.count()), 50):
                m = Mapping(target.units[0].unit, 0, (0, 1) if k.n_inputs == 2 else (0,), roles)
                if m not in legal and k.n_inputs == 2:
                    assert check_mapping(k, target, m) is not None, roles
