"""Whole-model memory reconciliation: the MILP against brute force, the greedy against both, and
hand-built cases for re-layouts, greedy myopia and programs that do not fit."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tilefabric.planner import reconcile as rc
from tilefabric.planner.reconcile import Choice, DoesNotFit, Edge, Problem, evaluate, greedy, milp, reconcile


def brute_force(p: Problem) -> tuple[float, tuple[int, ...]] | None:
    """The cheapest assignment that fits, by trying all of them."""
    best = None
    for picks in itertools.product(*(range(len(c)) for c in p.ops)):
        cycles, peak = evaluate(p, picks)
        if peak <= p.capacity and (best is None or cycles < best[0]):
            best = (cycles, picks)
    return best


def unconstrained_optimum(p: Problem) -> float:
    return brute_force(Problem(p.ops, p.edges, float("inf")))[0]


def random_problem(seed: int) -> Problem:
    """3-5 ops, <= 4 choices, a chain plus one skip edge, 3 layout keys with random costs."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 6))
    table = rng.integers(1, 60, (3, 3)).astype(float)
    np.fill_diagonal(table, 0.0)
    cost = lambda a, b: float(table[a, b])  # noqa: E731
    ops = []
    for _ in range(n):
        choices = []
        for _ in range(int(rng.integers(1, 5))):
            cold = float(rng.integers(0, 40))
            choices.append(Choice(float(rng.integers(10, 100)), cold, cold + float(rng.integers(0, 60)),
                                  int(rng.integers(3)), (int(rng.integers(3)), int(rng.integers(3)))))
        ops.append(tuple(choices))
    edges = [Edge(i, i + 1, 0, cost) for i in range(n - 1)] + [Edge(0, n - 1, 1, cost)]
    min_cold = sum(min(c.cold_bytes for c in o) for o in ops)
    capacity = min_cold + float(rng.integers(20, 100))
    return Problem(tuple(ops), tuple(edges), capacity, tuple(f"op{i}" for i in range(n)))


SEEDS = range(60)


@pytest.mark.parametrize("seed", SEEDS)
def test_milp_matches_brute_force_and_greedy_is_feasible(seed):
    p = random_problem(seed)
    best = brute_force(p)
    if best is None:
        with pytest.raises(DoesNotFit):
            milp(p)
        with pytest.raises(DoesNotFit):
            greedy(p)
        return
    m = milp(p)
    assert m.method == "milp" and m.optimal
    assert m.cycles == pytest.approx(best[0], rel=1e-9, abs=1e-9)
    assert evaluate(p, m.picks) == (m.cycles, m.peak_bytes)
    assert m.peak_bytes <= p.capacity
    try:
        g = greedy(p)
    except DoesNotFit:
        return  # a heuristic may miss a tight fit; the MILP above found it
    assert evaluate(p, g.picks) == (g.cycles, g.peak_bytes)
    assert g.peak_bytes <= p.capacity
    assert g.cycles >= best[0] - 1e-9


def test_random_instances_exercise_memory_and_relayouts():
    """Guard the brute-force test against instances too easy to tell anything apart."""
    memory_binds = relayout_paid = infeasible = 0
    for seed in SEEDS:
        p = random_problem(seed)
        best = brute_force(p)
        if best is None:
            infeasible += 1
            continue
        memory_binds += best[0] > unconstrained_optimum(p) + 1e-9
        own = sum(p.ops[i][c].cycles for i, c in enumerate(best[1]))
        relayout_paid += best[0] > own + 1e-9
    assert memory_binds >= 10 and relayout_paid >= 10 and infeasible <= len(SEEDS) // 2


def test_greedy_strictly_worse_than_milp_on_knapsack_trap():
    """Freeing 10 B: the best ratio (op0: 6 B for 5.4) forces a second cut (5 B for 5), while
    cutting op1 and op2 (5 B + 5 B for 5 + 5) frees exactly enough and costs 10, not 10.4."""
    work = 100.0  # every choice also needs a working buffer, so memory_i = total cold + work
    ch = lambda cycles, cold: Choice(cycles, cold, cold + work)  # noqa: E731
    ops = ((ch(0.0, 6.0), ch(5.4, 0.0)), (ch(0.0, 5.0), ch(5.0, 0.0)), (ch(0.0, 5.0), ch(5.0, 0.0)))
    p = Problem(ops, (), capacity=6.0 + work)
    g, m = greedy(p), milp(p)
    assert brute_force(p) == (pytest.approx(10.0), (0, 1, 1))
    assert m.picks == (0, 1, 1) and m.cycles == pytest.approx(10.0) and m.optimal
    assert g.cycles == pytest.approx(10.4)
    assert g.cycles > m.cycles + 0.3


def relayout_pair() -> Problem:
    """Fastest alone: a0 (row) then b0 (wants col) -> 20 + 50 re-layout; matching a1 -> b0 is 22."""
    table = {("row", "col"): 50.0, ("col", "row"): 50.0}
    seen = []

    def cost(out_key, in_key):
        seen.append((out_key, in_key))
        return 0.0 if out_key == in_key else table[out_key, in_key]

    a = (Choice(10.0, 0.0, 1.0, "row"), Choice(12.0, 0.0, 1.0, "col"))
    b = (Choice(10.0, 0.0, 1.0, "row", ("col",)), Choice(13.0, 0.0, 1.0, "row", ("row",)))
    p = Problem((a, b), (Edge(0, 1, 0, cost),), capacity=10.0)
    return p, seen


def test_milp_picks_matching_layouts_over_individually_fastest():
    p, seen = relayout_pair()
    m = milp(p)
    assert m.picks == (1, 0)
    assert m.cycles == pytest.approx(22.0)
    assert evaluate(p, (0, 0))[0] == pytest.approx(70.0)
    assert set(seen) <= {(o, i) for o in ("row", "col") for i in ("row", "col")}  # keys only


def test_greedy_walk_ignores_relayouts_and_milp_beats_it():
    p, _ = relayout_pair()
    g = greedy(p)
    assert g.picks == (0, 0) and g.cycles == pytest.approx(70.0)
    assert reconcile(p, "milp").cycles < reconcile(p, "greedy").cycles


def test_does_not_fit_names_op_with_largest_minimum_requirement():
    # op0 needs min hot 10 + op1's least cold 1 = 11; op1 needs 5 + op0's least cold 2 = 7
    conv = (Choice(1.0, 4.0, 10.0), Choice(2.0, 2.0, 14.0))
    relu = (Choice(1.0, 3.0, 5.0), Choice(2.0, 1.0, 20.0))
    p = Problem((conv, relu), (), capacity=10.0, names=("conv", "relu"))
    for solve in (greedy, milp):
        with pytest.raises(DoesNotFit) as err:
            solve(p)
        assert (err.value.op, err.value.name) == (0, "conv")
        assert (err.value.required, err.value.available) == (11.0, 10.0)
        assert "conv" in str(err.value)


def test_does_not_fit_when_ops_fit_alone_but_not_together():
    """Each op fits beside the others' least cold, yet no joint assignment fits: HiGHS proves
    infeasibility and the greedy fails, so DoesNotFit is raised rather than a bogus plan."""
    op = (Choice(1.0, 0.0, 10.0), Choice(1.0, 5.0, 5.0))
    p = Problem((op, op), (), capacity=9.0)
    assert brute_force(p) is None
    for solve in (greedy, milp):
        with pytest.raises(DoesNotFit) as err:
            solve(p)
        assert (err.value.required, err.value.available) == (5.0, 9.0)


def test_evaluate_memory_expression_and_missing_preferences():
    ops = ((Choice(1.0, 4.0, 6.0, "x"),), (Choice(2.0, 3.0, 9.0, "y", (None,)),), (Choice(3.0, 1.0, 2.0),))
    edges = (Edge(0, 1, 0, lambda a, b: 100.0), Edge(1, 2, 0, lambda a, b: 100.0))
    cycles, peak = evaluate(Problem(ops, edges, 100.0), (0, 0, 0))
    # no preference on either edge; memory: 8-4+6=10, 8-3+9=14, 8-1+2=9
    assert (cycles, peak) == (6.0, 14.0)


def chain(seed: int, n: int, k: int) -> Problem:
    rng = np.random.default_rng(seed)
    table = rng.integers(0, 40, (4, 4)).astype(float)
    np.fill_diagonal(table, 0.0)
    ops = tuple(
        tuple(Choice(float(rng.integers(10, 200)), c, c + float(rng.integers(0, 100)), int(rng.integers(4)),
                     (int(rng.integers(4)),)) for c in rng.uniform(0, 50, k))
        for _ in range(n))
    edges = tuple(Edge(i, i + 1, 0, lambda a, b: float(table[a, b])) for i in range(n - 1))
    return Problem(ops, edges, 25.0 * n + 100.0)


def test_milp_never_worse_than_greedy_on_a_larger_chain():
    p = chain(7, 40, 12)
    g, m = greedy(p), milp(p, time_limit=5.0)
    assert m.method == "milp"
    assert m.cycles <= g.cycles and m.peak_bytes <= p.capacity


def test_milp_falls_back_to_greedy_without_an_incumbent(monkeypatch):
    p = chain(3, 10, 5)
    monkeypatch.setattr(rc, "_read_picks", lambda h, v: None)
    m, g = milp(p), greedy(p)
    assert m.method == "milp-fallback-greedy" and not m.optimal
    assert (m.picks, m.cycles) == (g.picks, g.cycles)


def test_reconcile_rejects_unknown_method():
    with pytest.raises(ValueError):
        reconcile(chain(0, 2, 2), "simulated-annealing")


def test_greedy_walk_shrinks_smallest_time_per_byte_first():
    """T10's rule on a state where nothing fits yet: op1 (3 cycles for 8 B) goes first, then the
    0.5 cycles/B tie between op0 (to 0 B, not its 1.0/B middle step) and op2 goes to op0."""
    work = 100.0  # hot sets never fit in 50 B, so every op keeps its fastest choice meanwhile
    ch = lambda cycles, cold: Choice(cycles, cold, cold + work)  # noqa: E731
    ops = ((ch(0.0, 10.0), ch(4.0, 6.0), ch(5.0, 0.0)), (ch(0.0, 8.0), ch(3.0, 0.0)), (ch(0.0, 8.0), ch(2.0, 4.0)))
    t = rc._tables(Problem(ops, (), 50.0))
    walk = rc._Walk(rc._permute(t, rc._order_for_ties(t)), 50.0)
    trail = [walk.allow.tolist()]
    while walk.step():
        trail.append(walk.allow.tolist())
    assert trail == [[10.0, 8.0, 8.0], [10.0, 0.0, 8.0], [0.0, 0.0, 8.0], [0.0, 0.0, 4.0]]


def test_milp_returns_greedy_when_its_incumbent_is_worse(monkeypatch):
    work = 100.0
    ch = lambda cycles, cold: Choice(cycles, cold, cold + work)  # noqa: E731
    ops = ((ch(0.0, 6.0), ch(5.4, 0.0)), (ch(0.0, 5.0), ch(5.0, 0.0)), (ch(0.0, 5.0), ch(5.0, 0.0)))
    p = Problem(ops, (), capacity=6.0 + work)
    monkeypatch.setattr(rc, "_read_picks", lambda h, v: (1, 1, 1))  # fits, but costs 15.4
    m = milp(p)
    assert m.method == "milp-fallback-greedy"
    assert (m.picks, m.cycles) == (greedy(p).picks, pytest.approx(10.4))


def test_milp_still_solves_when_the_greedy_finds_nothing(monkeypatch):
    p = random_problem(5)
    best = brute_force(p)
    assert best is not None

    def fails(problem):
        raise DoesNotFit(0, "op0", 0.0, problem.capacity)

    monkeypatch.setattr(rc, "greedy", fails)
    m = milp(p)
    assert m.method == "milp" and m.cycles == pytest.approx(best[0])
