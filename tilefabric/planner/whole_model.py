"""Whole-model plan choice: each operator's Pareto frontier (plus the plans that take a
producer's layout as it is) becomes a list of choices; re-layouts between producer and
consumer layouts are edge costs; the reconciliation (greedy or MILP) picks one per op under
the shared scratchpad. The `vgm` strategy is the baseline T10 compares with.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tilefabric.planner.cost import operand_elements
from tilefabric.planner.plan import Layout, Plan
from tilefabric.planner.reconcile import Choice, DoesNotFit, Edge, Problem, Solution, reconcile
from tilefabric.planner.search import OpSearch, relayout_cycles
from tilefabric.errors import TileFabricError
from tilefabric.target import Target

FRONTIER_CHOICES = 12  # frontier points offered per op (fastest always kept)


@dataclass(frozen=True)
class OpNode:
    """One operator: its evaluated plan space and where each input comes from."""

    name: str
    search: OpSearch
    producers: tuple[int | None, ...]  # per input: index of the op producing it, if any
    resident: tuple[bool, ...]  # per input: a function argument, held on chip between ops


@dataclass(frozen=True)
class ModelChoice:
    plans: tuple[Plan, ...]
    solution: Solution | None
    choices_per_op: tuple[int, ...]
    spread_cold: tuple[bool, ...] = ()  # per op: resident inputs held spread, moved in before the op


def layout_bytes(layout: Layout, elem_bytes: int) -> float:
    n = 1
    for b, p in zip(layout.blocks, layout.parts):
        n *= b // p
    return float(n * elem_bytes)


def _thin(plans: list[Plan], keep: int) -> list[Plan]:
    if len(plans) <= keep:
        return plans
    idx = np.unique(np.linspace(0, len(plans) - 1, keep).round().astype(int))
    return [plans[i] for i in idx]


def _options(nodes: list[OpNode], i: int, consumers: list[tuple[int, int]]) -> list[Plan]:
    """The op's frontier, plus its fastest plans that take a producer's output layout as it
    is or produce the layout a consumer's frontier plan wants (no re-layout either way)."""
    node = nodes[i]
    space = node.search.space
    plans = _thin(node.search.frontier, FRONTIER_CHOICES)
    seen = {(p.spatial, p.temporal) for p in plans}
    wanted: list[tuple[int, Layout]] = []
    for x, p in enumerate(node.producers):
        if p is not None:
            prod = nodes[p].search
            wanted += [(x, q.layout(prod.space, prod.space.n_inputs)) for q in _thin(prod.frontier, FRONTIER_CHOICES)]
    for j, x in consumers:
        cons = nodes[j].search
        wanted += [(space.n_inputs, q.layout(cons.space, x)) for q in _thin(cons.frontier, FRONTIER_CHOICES)]
    for x, layout in dict.fromkeys(wanted):
        match = node.search.matching(x, layout)
        if match is not None and (match.spatial, match.temporal) not in seen:
            seen.add((match.spatial, match.temporal))
            plans.append(match)
    return plans


def _choice(node: OpNode, plan: Plan, target: Target, spread_cold: bool) -> Choice:
    """A plan with its resident inputs held between ops either in the plan's own layout, or
    (spread_cold) spread over all cores in one copy and brought into the plan's layout just
    before the op: less cold memory for a re-layout's time (T10's cold vs hot layouts)."""
    space = node.search.space
    cold, move = 0.0, 0.0
    for x, resident in enumerate(node.resident):
        if not resident:
            continue
        hot = plan.layout(space, x)
        if spread_cold:
            spread = spread_layout(space.shape_of(x), target.cores)
            cold += layout_bytes(spread, space.bytes_of(x))
            move += relayout_cycles(target, spread, hot, space.bytes_of(x))
        else:
            cold += layout_bytes(hot, space.bytes_of(x))
    return Choice(
        cycles=plan.predicted_cycles + move,
        cold_bytes=cold,
        hot_bytes=plan.hot_bytes,
        out_key=plan.layout(space, space.n_inputs),
        in_keys=tuple(plan.layout(space, x) for x in range(space.n_inputs)),
    )


def choose(nodes: list[OpNode], target: Target, capacity: float, method: str = "greedy", time_limit: float = 10.0,
           rel_gap: float = 1e-9) -> ModelChoice:
    consumers: list[list[tuple[int, int]]] = [[] for _ in nodes]
    for j, node in enumerate(nodes):
        for x, p in enumerate(node.producers):
            if p is not None:
                consumers[p].append((j, x))
    # Identical ops share one OpSearch (search cache); ops whose own search and whose
    # neighbours' searches are the same (e.g. every layer of a transformer) get the same
    # options and choices, computed once.
    def neighbourhood(i: int) -> tuple:
        node = nodes[i]
        return (node.search.identity, node.resident,
                tuple(None if p is None else nodes[p].search.identity for p in node.producers),
                tuple((nodes[j].search.identity, x) for j, x in consumers[i]))

    memo: dict[tuple, tuple[list, tuple]] = {}
    variants, choices = [], []  # per op: (plan, spread_cold) pairs and their Choices
    for i, node in enumerate(nodes):
        key = neighbourhood(i)
        if key not in memo:
            opts = _options(nodes, i, consumers[i])
            variant = [(p, False) for p in opts] + ([(p, True) for p in opts] if any(node.resident) else [])
            memo[key] = (variant, tuple(_choice(node, p, target, cold) for p, cold in variant))
        variants.append(memo[key][0])
        choices.append(memo[key][1])
    edge_costs: dict[int, Callable] = {}  # per element size: one function, so equal edges share tables
    edges = []
    for i, node in enumerate(nodes):
        for x, p in enumerate(node.producers):
            if p is not None:
                eb = node.search.space.bytes_of(x)
                cost = edge_costs.setdefault(eb, lambda have, want, eb=eb: relayout_cycles(target, have, want, eb))
                edges.append(Edge(p, i, x, cost))
    problem = Problem(
        ops=tuple(choices),
        edges=tuple(edges),
        capacity=capacity,
        names=tuple(n.name for n in nodes),
    )
    try:
        solution = reconcile(problem, method, time_limit, rel_gap)
    except DoesNotFit as exc:
        raise TileFabricError(str(exc)) from None
    picked = [variants[i][c] for i, c in enumerate(solution.picks)]
    return ModelChoice(tuple(p for p, _ in picked), solution, tuple(len(o) for o in variants),
                       tuple(cold for _, cold in picked))


def vgm_plan(search: OpSearch, target: Target) -> Plan:
    """Virtual global memory: every tensor lives spread over all cores, so each tile fetches
    all of its inputs and writes its output back; the tile (spatial plan, no rings) minimising
    compute + fetch + write-back under the same cost model wins."""
    space, costs, cand = search.space, search.costs, search.cand
    ok = np.all(cand.ring_parts == 1, axis=1)
    moved = np.zeros(len(cand))
    cores = np.prod(cand.F, axis=1, dtype=np.float64)
    for x in range(len(space.operand_dims)):
        block = operand_elements(space, costs.blocks, x) * space.bytes_of(x)
        if target.has_global_buffer:
            # through a global buffer: inputs are read in by every core, the output written out
            read, written = (cores * block, 0) if x < space.n_inputs else (0, cores * block)
            moved += target.exchange_cycles(block, written, read)
        else:
            moved += target.relayout_cycles(block, cores)
    total = np.where(ok, costs.total + moved, np.inf)
    return search.plan(int(np.argmin(total)))


def spread_layout(shape: tuple[int, ...], cores: int) -> Layout:
    """A tensor spread evenly over the chip: leading axes split until the cores run out."""
    grid, axes, blocks = [], [], []
    left = cores
    for n in shape:
        f = min(n, left) if left > 1 else 1
        if f > 1:
            axes.append(len(grid))
            grid.append(f)
            blocks.append(-(-n // f))
            left //= f
        else:
            axes.append(-1)
            blocks.append(n)
    return Layout(tuple(grid) or (1,), tuple(axes), tuple(blocks), tuple(1 for _ in shape))
