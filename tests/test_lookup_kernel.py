"""The `lookup` kernel (an embedding gather as the one-hot contraction
`out += select(ids + 1 == tag[v], table[v, ...], 0)`, see frontend/gather_lookup.py) under
plans of our choosing: the table rows (v) split over cores with padding, the table rotating
along v (compute-shift), both at once, and the ids or tags rotating. Every run must give
numpy's `table[ids]` exactly and take the cycles the planner predicted; the simulator finds
rows by address (tags consecutive, then 0-padded) and otherwise falls back to the exact
one-hot evaluation, which permuted or repeated tags must take and still get right."""

from __future__ import annotations

import numpy as np
import pytest

from tests.plan_harness import plan_runner, space_of
from tilefabric.planner.search import search
from tilefabric.runtime_sim.compute_step import ComputeStep
from tilefabric.target import resolve_target

B, S, V, D = 2, 8, 37, 16  # 37 rows: every split of v pads
IDS, TABLE, TAGS, OUT = range(4)  # operands; loop dims (d0, d1) = ids, d2 = columns, d3 = v
ROWS = 3


def lookup_text(b: int, s: int, v: int, d: int) -> str:
    """The zero fill and the lookup generic as gather_lookup.py emits them for Gather(table, ids)."""
    out, ids, table, tags = f"tensor<{b}x{s}x{d}xf32>", f"tensor<{b}x{s}xi64>", f"tensor<{v}x{d}xf32>", f"tensor<{v}xi64>"
    return f"""
func.func @main(%ids: {ids}, %table: {table}, %tags: {tags}) -> {out} {{
  %e = tensor.empty() : {out}
  %z = linalg.generic {{indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}} outs(%e : {out}) {{
  ^bb0(%o: f32):
    %zero = arith.constant 0.000000e+00 : f32
    linalg.yield %zero : f32
  }} -> {out}
  %r = linalg.generic {{indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1)>, affine_map<(d0, d1, d2, d3) -> (d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}} ins(%ids, %table, %tags : {ids}, {table}, {tags}) outs(%z : {out}) {{
  ^bb0(%id: i64, %row: f32, %tag: i64, %acc: f32):
    %one = arith.constant 1 : i64
    %key = arith.addi %id, %one : i64
    %hit = arith.cmpi eq, %key, %tag : i64
    %none = arith.constant 0.000000e+00 : f32
    %pick = arith.select %hit, %row, %none : f32
    %sum = arith.addf %acc, %pick : f32
    linalg.yield %sum : f32
  }} -> {out}
  func.return %r : {out}
}}
"""


@pytest.fixture(scope="module")
def setup():
    target = resolve_target("ipu-mk2")
    text = lookup_text(B, S, V, D)
    space = space_of(text)
    assert space.kind == "lookup" and space.sizes == (B, S, D, V)
    result = search(space, target, target.scratchpad_bytes * 0.9)
    rng = np.random.default_rng(0)
    table = rng.standard_normal((V, D)).astype(np.float32)
    ids = rng.integers(0, V, size=(B, S)).astype(np.int64)
    ids[0, :3] = [0, V - 1, V - 1]  # first and last rows (the last sits next to the padding), repeated
    return dict(space=space, result=result, run=plan_runner(text, target), table=table, ids=ids)


@pytest.fixture
def general_calls(monkeypatch) -> list:
    """Records every exact (one-hot) evaluation the simulator falls back to."""
    calls: list = []
    original = ComputeStep._general

    def spy(self, slices):
        calls.append(self)
        return original(self, slices)

    monkeypatch.setattr(ComputeStep, "_general", spy)
    return calls


def _rows(result, kind: str) -> np.ndarray:
    """Candidate rows (plans within the budget) of one kind; ring dim/parts per input."""
    c, v = result.cand, 3
    F, dim, parts = c.F, c.ring_dim, c.ring_parts
    pads_v = (V % (F[:, v] * np.where(dim[:, TABLE] == v, parts[:, TABLE], 1))) != 0
    rings = (parts > 1).sum(axis=1)
    table_ring = (dim[:, TABLE] == v) & (parts[:, TABLE] > 1)
    masks = {
        "split_rows": (F[:, v] > 1) & pads_v & (rings == 0),
        "rotate_table": (F[:, v] == 1) & table_ring & pads_v & (rings == 1),
        "split_and_rotate_table": (F[:, v] > 1) & table_ring & pads_v,
        "rotate_tags": (dim[:, TAGS] == v) & (parts[:, TAGS] > 1),
        "rotate_ids": parts[:, IDS] > 1,
    }
    return np.nonzero(masks[kind])[0]


def _plans(result, kind: str):
    """The fastest plan of the kind, one from the middle and the slowest (up to ROWS)."""
    rows = _rows(result, kind)
    assert len(rows), f"no candidate plan of kind {kind}"
    order = rows[np.argsort(result.costs.total[rows], kind="stable")]
    picks = sorted({0, len(order) // 2, len(order) - 1})[:ROWS]
    return [result.plan(int(order[i])) for i in picks]


def _check(run, plan, args, expected, what: str) -> None:
    out = run(plan, args)
    got = out.outputs["result0"]
    assert got.shape == expected.shape, what
    np.testing.assert_array_equal(got, expected, err_msg=what)
    assert out.simulated_cycles == pytest.approx(out.predicted_cycles, rel=1e-3), what


@pytest.mark.parametrize("kind", ["split_rows", "rotate_table", "split_and_rotate_table", "rotate_tags", "rotate_ids"])
def test_lookup_plans_find_rows_by_address(setup, general_calls, kind):
    """(a) v split over cores with a padded last block, (b) the table rotating along v (its
    padded parts included), and mixes: numpy's table[ids], the predicted cycles, no fallback."""
    args = {"arg0": setup["ids"], "arg1": setup["table"], "arg2": np.arange(1, V + 1, dtype=np.int64)}
    expected = setup["table"][setup["ids"]]
    for plan in _plans(setup["result"], kind):
        what = f"{kind}: {plan.describe()} {plan}"
        if kind == "split_rows":
            assert plan.spatial[3] > 1 and V % plan.spatial[3] and not plan.rotation, what
        if kind == "rotate_table":
            assert TABLE in plan.rotation and plan.temporal[TABLE][3] > 1, what
        _check(setup["run"], plan, args, expected, what)
    assert not general_calls, "consecutive tags must be found by address"


def test_frontier_plans(setup, general_calls):
    args = {"arg0": setup["ids"], "arg1": setup["table"], "arg2": np.arange(1, V + 1, dtype=np.int64)}
    for plan in setup["result"].frontier:
        _check(setup["run"], plan, args, setup["table"][setup["ids"]], plan.describe())
    assert not general_calls


def _fallback_plans(result):
    """The whole table on every core, v split with padding, and the table rotating along v."""
    return [result.best(), _plans(result, "split_rows")[0], _plans(result, "rotate_table")[0]]


def test_non_consecutive_tags_take_the_exact_one_hot_path(setup, general_calls):
    """Tags [3, 1, 2, ...] (a permutation of 1..V): row v answers key tag[v], not v + 1."""
    tags = np.array([3, 1, 2] + list(range(4, V + 1)), dtype=np.int64)
    assert sorted(tags) == list(range(1, V + 1)) and tags[0] == 3
    row_of_key = np.argsort(tags)  # row_of_key[k - 1] = the row whose tag is k
    expected = setup["table"][row_of_key[setup["ids"]]]
    assert not np.array_equal(expected, setup["table"][setup["ids"]])
    args = {"arg0": setup["ids"], "arg1": setup["table"], "arg2": tags}
    for plan in _fallback_plans(setup["result"]):
        general_calls.clear()
        _check(setup["run"], plan, args, expected, plan.describe())
        assert general_calls, f"{plan.describe()}: non-consecutive tags must fall back to the one-hot evaluation"


def test_repeated_and_missing_tags_sum_every_match(setup, general_calls):
    """The exact semantics of the one-hot sum: a key matching two rows adds both, a key matching
    none gives 0 (tags 1..V with row 5 tagged like row 4 and key 6 left out)."""
    tags = np.arange(1, V + 1, dtype=np.int64)
    tags[5] = 5  # rows 4 and 5 both answer key 5; key 6 (id 5) answers nothing
    rng = np.random.default_rng(1)
    table = rng.integers(-8, 8, size=(V, D)).astype(np.float32)  # small integers: sums are exact
    ids = setup["ids"].copy()
    ids[1, :2] = [4, 5]
    expected = np.zeros((B, S, D), dtype=np.float32)
    for key_row, match in enumerate(tags[None, :] == (ids.reshape(-1, 1) + 1)):
        expected.reshape(-1, D)[key_row] = table[match].sum(axis=0)
    args = {"arg0": ids, "arg1": table, "arg2": tags}
    for plan in _fallback_plans(setup["result"]):
        general_calls.clear()
        _check(setup["run"], plan, args, expected, plan.describe())
        assert general_calls, plan.describe()
