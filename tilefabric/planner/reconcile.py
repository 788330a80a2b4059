"""Whole-model memory reconciliation: pick one choice per operator so that every op fits the
shared per-core scratchpad while total cycles (op time + re-layouts on edges) is minimal.

Memory model: every op's cold bytes (weights) stay resident for the whole run; while op i runs it
also needs its hot working set, which already contains its own cold data, so for every op i
    sum_j cold[j] - cold[i] + hot[i] <= capacity.

`greedy` is T10's heuristic (trade the cheapest Δtime per byte of cold memory freed until it
fits); `milp` solves the problem exactly with HiGHS and never returns worse than `greedy`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

import highspy
import numpy as np

from tilefabric.errors import TileFabricError

_REL_EPS = 1e-9  # relative slack on the memory check, so float round-off is not an overflow


@dataclass(frozen=True)
class Choice:
    cycles: float  # the op's predicted time under this choice (incl. moving cold->hot)
    cold_bytes: float  # per core, resident between ops (weights)
    hot_bytes: float  # per core, while the op runs (includes its own cold data)
    out_key: Hashable = None  # layout key of the output it produces
    in_keys: tuple = ()  # layout key wanted per input position; None = no preference


@dataclass(frozen=True)
class Edge:
    producer: int
    consumer: int
    input_index: int  # which of the consumer's in_keys
    cost: Callable[[Hashable, Hashable], float]  # re-layout cycles, 0 when keys are equal


@dataclass(frozen=True)
class Problem:
    ops: tuple[tuple[Choice, ...], ...]
    edges: tuple[Edge, ...]
    capacity: float
    names: tuple[str, ...] = ()  # op names for error messages


@dataclass(frozen=True)
class Solution:
    picks: tuple[int, ...]  # chosen choice index per op
    cycles: float  # total incl. re-layouts
    peak_bytes: float  # max over ops of the memory expression
    method: str  # "greedy" | "milp" | "milp-fallback-greedy"
    optimal: bool  # MILP proved optimality
    solve_seconds: float


class DoesNotFit(TileFabricError):
    """No assignment of choices fits the scratchpad; names the op that needs the most."""

    def __init__(self, op: int, name: str, required: float, available: float, detail: str = ""):
        self.op, self.name = op, name
        self.required, self.available = required, available
        msg = f"needs {required:.0f} B per core (own hot + others' least cold), {available:.0f} B available"
        super().__init__(msg + (f"; {detail}" if detail else ""), where=f"op {op} ({name})")


# ----------------------------------------------------------------------------- evaluation


def _wanted_key(choice: Choice, index: int) -> Hashable:
    """The consumer's wanted layout for one input; a missing entry means no preference."""
    return choice.in_keys[index] if index < len(choice.in_keys) else None


def _edge_cost(edge: Edge, out_key: Hashable, in_key: Hashable) -> float:
    """Re-layout cycles on one edge; an unknown key on either side cannot be compared, so 0."""
    if out_key is None or in_key is None:
        return 0.0
    cost = float(edge.cost(out_key, in_key))
    if not cost >= 0.0 or cost == float("inf"):
        raise ValueError(f"re-layout cost must be finite and >= 0, got {cost} for {out_key!r}->{in_key!r}")
    return cost


def _memory(cold: np.ndarray, hot: np.ndarray) -> np.ndarray:
    """Per-op requirement sum_j cold[j] - cold[i] + hot[i]."""
    return cold.sum() - cold + hot


def _fits(need: np.ndarray | float, capacity: float) -> bool:
    return bool(np.all(need <= capacity + _REL_EPS * max(1.0, abs(capacity))))


def evaluate(problem: Problem, picks: Sequence[int]) -> tuple[float, float]:
    """(total cycles incl. re-layouts, peak bytes): the ground truth both solvers are held to."""
    if len(picks) != len(problem.ops):
        raise ValueError(f"{len(picks)} picks for {len(problem.ops)} ops")
    chosen = [problem.ops[i][c] for i, c in enumerate(picks)]
    total = sum(ch.cycles for ch in chosen)
    for e in problem.edges:
        total += _edge_cost(e, chosen[e.producer].out_key, _wanted_key(chosen[e.consumer], e.input_index))
    cold = np.array([ch.cold_bytes for ch in chosen], dtype=float)
    hot = np.array([ch.hot_bytes for ch in chosen], dtype=float)
    peak = float(_memory(cold, hot).max()) if chosen else 0.0
    return float(total), peak


# ----------------------------------------------------------------------------- tables


@dataclass
class _EdgeTable:
    """Choices of both ends grouped by layout key, with the cost of every group pair."""

    prod_group: np.ndarray  # group index per producer choice
    cons_group: np.ndarray  # group index per consumer choice
    cost: np.ndarray  # [producer groups, consumer groups]


@dataclass
class _Tables:
    """The problem as padded numpy arrays [op, choice] (padding: cycles inf, invalid)."""

    cycles: np.ndarray
    cold: np.ndarray
    hot: np.ndarray
    valid: np.ndarray
    edges: list[_EdgeTable]


def _group(keys: list[Hashable]) -> tuple[np.ndarray, list[Hashable]]:
    """Map each key to a dense group index, so the cost function is called once per key pair."""
    index: dict[Hashable, int] = {}
    groups = np.array([index.setdefault(k, len(index)) for k in keys], dtype=np.int64)
    return groups, list(index)


def _edge_table(problem: Problem, e: Edge) -> _EdgeTable:
    pg, out_keys = _group([ch.out_key for ch in problem.ops[e.producer]])
    cg, in_keys = _group([_wanted_key(ch, e.input_index) for ch in problem.ops[e.consumer]])
    cost = np.array([[_edge_cost(e, o, w) for w in in_keys] for o in out_keys], dtype=float)
    return _EdgeTable(pg, cg, cost)


def _validate(problem: Problem) -> None:
    n = len(problem.ops)
    for i, choices in enumerate(problem.ops):
        if not choices:
            raise ValueError(f"op {i} has no choices")
    for e in problem.edges:
        if not (0 <= e.producer < n and 0 <= e.consumer < n) or e.producer == e.consumer:
            raise ValueError(f"bad edge {e.producer}->{e.consumer}")


def _tables(problem: Problem) -> _Tables:
    _validate(problem)
    n, k = len(problem.ops), max((len(c) for c in problem.ops), default=0)
    cycles, cold, hot = (np.full((n, k), np.inf) for _ in range(3))
    valid = np.zeros((n, k), dtype=bool)
    for i, choices in enumerate(problem.ops):
        m = len(choices)
        cycles[i, :m] = [c.cycles for c in choices]
        cold[i, :m] = [c.cold_bytes for c in choices]
        hot[i, :m] = [c.hot_bytes for c in choices]
        valid[i, :m] = True
    # edges between the same choice tuples with the same cost function (repeated layers) share
    # one table: building it calls the cost function once per layout-key pair
    shared: dict[tuple, _EdgeTable] = {}
    tables = []
    for e in problem.edges:
        key = (id(problem.ops[e.producer]), id(problem.ops[e.consumer]), e.input_index, id(e.cost))
        if key not in shared:
            shared[key] = _edge_table(problem, e)
        tables.append(shared[key])
    return _Tables(cycles, cold, hot, valid, tables)


def _name(problem: Problem, i: int) -> str:
    return problem.names[i] if i < len(problem.names) else f"#{i}"


def _min_requirements(t: _Tables) -> np.ndarray:
    """Per op: its smallest hot set plus the least cold every other op can get away with."""
    min_cold = np.where(t.valid, t.cold, np.inf).min(axis=1)
    return min_cold.sum() - min_cold + np.where(t.valid, t.hot, np.inf).min(axis=1)


def _does_not_fit(problem: Problem, t: _Tables, detail: str = "") -> DoesNotFit:
    req = _min_requirements(t)
    i = int(np.argmax(req))
    return DoesNotFit(i, _name(problem, i), float(req[i]), float(problem.capacity), detail)


def _check_each_op_can_fit(problem: Problem, t: _Tables) -> None:
    """Fail fast when some op cannot fit even with every other op at its least cold."""
    if len(problem.ops) and not _fits(_min_requirements(t), problem.capacity):
        raise _does_not_fit(problem, t)


# ----------------------------------------------------------------------------- greedy


@dataclass
class _PackedEdges:
    """All edge cost tables in one flat array, so a state's re-layout total is one gather."""

    producer: np.ndarray  # [edge]
    consumer: np.ndarray  # [edge]
    prod_group: np.ndarray  # [edge, column]
    cons_group: np.ndarray  # [edge, column]
    offset: np.ndarray  # [edge] start of its table in `flat`
    width: np.ndarray  # [edge] consumer groups in its table
    flat: np.ndarray


def _pack(problem: Problem, edges: list[_EdgeTable], k: int) -> _PackedEdges:
    sizes = np.array([et.cost.size for et in edges], dtype=np.int64)
    return _PackedEdges(
        np.array([e.producer for e in problem.edges], dtype=np.int64),
        np.array([e.consumer for e in problem.edges], dtype=np.int64),
        np.array([et.prod_group for et in edges], dtype=np.int64).reshape(-1, k),
        np.array([et.cons_group for et in edges], dtype=np.int64).reshape(-1, k),
        np.cumsum(sizes) - sizes,
        np.array([et.cost.shape[1] for et in edges], dtype=np.int64),
        np.concatenate([et.cost.ravel() for et in edges] + [np.zeros(0)]),
    )


def _total_cycles(t: _Tables, picks: np.ndarray, pe: _PackedEdges) -> float:
    """Vectorised objective of `picks` (the greedy evaluates thousands of states)."""
    own = t.cycles[np.arange(len(picks)), picks].sum()
    rows = np.arange(len(pe.producer))
    g = pe.prod_group[rows, picks[pe.producer]]
    h = pe.cons_group[rows, picks[pe.consumer]]
    return float(own + pe.flat[pe.offset + g * pe.width + h].sum())


def _order_for_ties(t: _Tables) -> np.ndarray:
    """Per op, a column order (cycles, cold, hot, index) so argmin/argmax break ties the same way."""
    index = np.broadcast_to(np.arange(t.cycles.shape[1]), t.cycles.shape)
    return np.lexsort((index, t.hot, t.cold, t.cycles), axis=1)


def _permute(t: _Tables, order: np.ndarray) -> _Tables:
    """Columns reordered (edge groups are reordered by `_permuted_edges`)."""
    take = lambda a: np.take_along_axis(a, order, axis=1)  # noqa: E731
    return _Tables(take(t.cycles), take(t.cold), take(t.hot), take(t.valid), t.edges)


def _permuted_edges(problem: Problem, t: _Tables, order: np.ndarray) -> list[_EdgeTable]:
    """Edge groups indexed by permuted column (padding columns map to group 0, never picked)."""
    out = []
    for e, et in zip(problem.edges, t.edges):
        pg = np.concatenate([et.prod_group, np.zeros(order.shape[1] - len(et.prod_group), np.int64)])
        cg = np.concatenate([et.cons_group, np.zeros(order.shape[1] - len(et.cons_group), np.int64)])
        out.append(_EdgeTable(pg[order[e.producer]], cg[order[e.consumer]], et.cost))
    return out


class _Walk:
    """T10's walk over sorted tables (per op, columns by cycles, cold, hot; padding is inf): every
    op has a cold allowance; its pick is the first (fastest) column within the allowance whose
    hot set fits beside the others' allowances. Shrinking one allowance only widens the others'
    hot budgets, so an op is re-picked only once its budget reaches the hot bytes of a faster
    column (its `thr`)."""

    def __init__(self, t: _Tables, capacity: float):
        self.t, self.capacity = t, capacity + _REL_EPS * max(1.0, abs(capacity))
        self.cols = np.arange(t.cycles.shape[1])
        self.start = np.argmax(np.where(t.valid, t.cold, -np.inf), axis=1)  # largest cold, ties fastest
        n = len(self.start)
        self.allow = t.cold[np.arange(n), self.start].copy()
        self.picks = self.start.copy()
        self.fits, self.thr = np.zeros(n, bool), np.zeros(n)
        self.ratio, self.move_to = np.zeros(n), np.zeros(n, np.int64)
        self._refresh(np.arange(n))

    def _budget(self) -> np.ndarray:
        return self.capacity - self.allow.sum() + self.allow

    def _refresh(self, rows: np.ndarray) -> None:
        """Re-pick `rows` and recompute their wake-up threshold and cheapest move."""
        cold, hot, cycles = self.t.cold[rows], self.t.hot[rows], self.t.cycles[rows]
        allow = self.allow[rows, None]
        under = cold <= allow
        fit = under & (hot <= self._budget()[rows, None])
        fits = fit.any(axis=1)
        picks = np.where(fits, fit.argmax(axis=1), under.argmax(axis=1))
        better = under & ((self.cols < picks[:, None]) | ~fits[:, None])
        self.thr[rows] = np.where(better, hot, np.inf).min(axis=1)
        self.fits[rows], self.picks[rows] = fits, picks
        with np.errstate(invalid="ignore", divide="ignore"):
            now = cycles[np.arange(len(rows)), picks][:, None]
            ratio = np.where(cold < allow, (cycles - now) / (allow - cold), np.inf)
        self.move_to[rows] = ratio.argmin(axis=1)
        self.ratio[rows] = ratio.min(axis=1)

    def free(self) -> bool:
        """No op is held back by its hot budget: from here on shrinking only slows ops down."""
        return bool(self.fits.all() and np.isinf(self.thr).all())

    def step(self) -> bool:
        """Shrink the allowance with the least Δown-cycles per byte freed; False when none is left."""
        op = int(np.argmin(self.ratio))
        if self.ratio[op] == np.inf:
            return False
        self.allow[op] = self.t.cold[op, self.move_to[op]]
        woken = np.flatnonzero(self._budget() >= self.thr)
        self._refresh(np.unique(np.append(woken, op)) if len(woken) else np.array([op]))
        return True


def _score(t: _Tables, picks: np.ndarray, pe: _PackedEdges, capacity: float) -> float:
    """Total cycles of a state, inf when it overflows the scratchpad."""
    rows = np.arange(len(picks))
    if not _fits(_memory(t.cold[rows, picks], t.hot[rows, picks]), capacity):
        return np.inf
    return _total_cycles(t, picks, pe)


def _greedy_picks(problem: Problem, t: _Tables) -> tuple[int, ...] | None:
    """Walk from the most-cold choices towards less cold memory, keeping the best feasible state
    (objective incl. re-layouts). Ends when nothing is left to shrink, or when the state fits
    and no op is held back by the hot budget."""
    order = _order_for_ties(t)
    s = _permute(t, order)
    pe = _pack(problem, _permuted_edges(problem, t, order), order.shape[1])
    walk = _Walk(s, problem.capacity)
    best, best_cycles = walk.start, _score(s, walk.start, pe, problem.capacity)
    seen, total = None, np.inf
    while True:
        if seen is None or not np.array_equal(seen, walk.picks):  # score each new state once
            seen, total = walk.picks.copy(), _score(s, walk.picks, pe, problem.capacity)
            if total < best_cycles:
                best, best_cycles = seen, total
        if (walk.free() and total < np.inf) or not walk.step():
            break
    if best_cycles == np.inf:
        return None
    return tuple(int(order[i, c]) for i, c in enumerate(best))


def greedy(problem: Problem) -> Solution:
    """T10's heuristic. Δtime uses the op's own cycles (re-layouts only judge the states seen)."""
    start = time.perf_counter()
    t = _tables(problem)
    if not problem.ops:
        return Solution((), 0.0, 0.0, "greedy", True, time.perf_counter() - start)
    _check_each_op_can_fit(problem, t)
    picks = _greedy_picks(problem, t)
    if picks is None:
        raise _does_not_fit(problem, t, "the greedy found no assignment that fits")
    cycles, peak = evaluate(problem, picks)
    return Solution(picks, cycles, peak, "greedy", False, time.perf_counter() - start)


# ----------------------------------------------------------------------------- MILP


def _dominated(cycles: np.ndarray, cold: np.ndarray, hot: np.ndarray, sig: np.ndarray) -> np.ndarray:
    """Choices another choice with the same layout keys beats or ties on all of time, cold, hot
    (exact ties: the later index goes), so the MILP never needs them."""
    le = (cycles[None, :] <= cycles[:, None]) & (cold[None, :] <= cold[:, None]) & (hot[None, :] <= hot[:, None])
    lt = (cycles[None, :] < cycles[:, None]) | (cold[None, :] < cold[:, None]) | (hot[None, :] < hot[:, None])
    idx = np.arange(len(cycles))
    beats = le & (lt | (idx[None, :] < idx[:, None])) & (sig[None, :] == sig[:, None])
    np.fill_diagonal(beats, False)
    return beats.any(axis=1)


def _signatures(problem: Problem, t: _Tables) -> list[np.ndarray]:
    """Per op, an id per choice for the tuple of its key groups on every incident edge."""
    parts: list[list[np.ndarray]] = [[] for _ in problem.ops]
    for e, et in zip(problem.edges, t.edges):
        parts[e.producer].append(et.prod_group)
        parts[e.consumer].append(et.cons_group)
    sigs = []
    for i, p in enumerate(problem.ops):
        cols = np.stack(parts[i], axis=1) if parts[i] else np.zeros((len(p), 1), np.int64)
        sigs.append(np.unique(cols, axis=0, return_inverse=True)[1].reshape(-1))
    return sigs


def _kept_choices(problem: Problem, t: _Tables, warm: tuple[int, ...] | None) -> list[np.ndarray]:
    """Per op, the choice indices worth modelling: not dominated and fitting on their own, plus
    the warm-start pick so the greedy solution stays expressible."""
    min_cold = np.where(t.valid, t.cold, np.inf).min(axis=1)
    kept = []
    for i, sig in enumerate(_signatures(problem, t)):
        m = len(problem.ops[i])
        alone = min_cold.sum() - min_cold[i] + t.hot[i, :m]
        ok = (alone <= problem.capacity + _REL_EPS * max(1.0, abs(problem.capacity)))
        ok &= ~_dominated(t.cycles[i, :m], t.cold[i, :m], t.hot[i, :m], sig)
        if warm is not None:
            ok[warm[i]] = True
        kept.append(np.flatnonzero(ok))
    return kept


class _Model:
    """Sparse rows and columns of the MILP, collected before one passModel."""

    def __init__(self) -> None:
        self.cost: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.integer: list[bool] = []
        self.rows: list[tuple[np.ndarray, np.ndarray, float, float]] = []

    def add_cols(self, cost, lower, upper, integer: bool) -> np.ndarray:
        first = len(self.cost)
        self.cost += list(cost)
        self.lower += list(np.broadcast_to(lower, len(cost)))
        self.upper += list(np.broadcast_to(upper, len(cost)))
        self.integer += [integer] * len(cost)
        return np.arange(first, len(self.cost))

    def add_row(self, cols, vals, lo: float, hi: float) -> None:
        self.rows.append((np.asarray(cols, np.int32), np.asarray(vals, float), lo, hi))


def _edge_rows(model: _Model, e: Edge, et: _EdgeTable, n: int, x: list[np.ndarray],
               kept: list[np.ndarray]) -> list:
    """One edge's pair variables z[g, h] (producer key group g, consumer key group h, cost on z)
    with marginals sum_h z[g, h] = X_p(g) and sum_g z[g, h] = X_c(h)."""
    pg, cg = et.prod_group[kept[e.producer]], et.cons_group[kept[e.consumer]]
    gs, hs = np.unique(pg), np.unique(cg)
    z = model.add_cols(et.cost[np.ix_(gs, hs)].ravel(), 0.0, 1.0, False).reshape(len(gs), len(hs))
    for a, g in enumerate(gs):
        xp = x[e.producer][pg == g]
        model.add_row(np.r_[z[a], xp], np.r_[np.ones(len(hs)), -np.ones(len(xp))], 0.0, 0.0)
    for b, h in enumerate(hs[1:], start=1):  # the first is implied by the others and sum x = 1
        xc = x[e.consumer][cg == h]
        model.add_row(np.r_[z[:, b], xc], np.r_[np.ones(len(gs)), -np.ones(len(xc))], 0.0, 0.0)
    return [(int(z[a, b]), n, int(g), int(h)) for a, g in enumerate(gs) for b, h in enumerate(hs)]


def _pair_rows(model: _Model, problem: Problem, t: _Tables, x: list[np.ndarray],
               kept: list[np.ndarray]) -> list:
    """Re-layout costs, linearised per edge over key groups (not choices), so an edge adds
    #out_keys x #in_keys variables. The marginal (transportation) form implies the textbook
    z >= X_p(g) + X_c(h) - 1 but its LP bound is far tighter. Edges that never cost anything
    are left out. Returns (z column, edge, g, h) for the warm start."""
    pairs = []
    for n, (e, et) in enumerate(zip(problem.edges, t.edges)):
        if et.cost.any():
            pairs += _edge_rows(model, e, et, n, x, kept)
    return pairs


def _memory_rows(model: _Model, problem: Problem, t: _Tables, x: list[np.ndarray],
                 kept: list[np.ndarray]) -> int:
    """T = total cold; per op i: T - cold_i + hot_i <= capacity (skipped when it cannot bind).
    Returns T's column."""
    colds = [t.cold[i, k] for i, k in enumerate(kept)]
    t_max = float(sum(c.max() for c in colds))
    total = model.add_cols([0.0], float(sum(c.min() for c in colds)), t_max, False)
    model.add_row(np.concatenate([total, *x]), np.r_[1.0, -np.concatenate(colds)], 0.0, 0.0)
    for i, k in enumerate(kept):
        extra = t.hot[i, k] - colds[i]
        if t_max + extra.max() > problem.capacity:
            model.add_row(np.r_[total, x[i]], np.r_[1.0, extra], -np.inf, float(problem.capacity))
    return int(total[0])


@dataclass
class _Vars:
    """Where the MILP keeps each op's choices, the pair variables and the total-cold column."""

    kept: list[np.ndarray]  # per op, modelled choice indices
    x: list[np.ndarray]  # per op, their columns
    pairs: list  # (z column, edge, producer group, consumer group)
    total: int


def _build(problem: Problem, t: _Tables, warm: tuple[int, ...] | None) -> tuple[_Model, _Vars]:
    model = _Model()
    kept = _kept_choices(problem, t, warm)
    x = [model.add_cols(t.cycles[i, k], 0.0, 1.0, True) for i, k in enumerate(kept)]
    for xi in x:
        model.add_row(xi, np.ones(len(xi)), 1.0, 1.0)
    pairs = _pair_rows(model, problem, t, x, kept)
    total = _memory_rows(model, problem, t, x, kept)
    return model, _Vars(kept, x, pairs, total)


def _to_highs(model: _Model, time_limit: float, rel_gap: float = 1e-9) -> highspy.Highs:
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(model.cost), len(model.rows)
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = (np.asarray(a, float) for a in (model.cost, model.lower, model.upper))
    lp.row_lower_ = np.array([r[2] for r in model.rows], float)
    lp.row_upper_ = np.array([r[3] for r in model.rows], float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = lp.num_col_, lp.num_row_
    lp.a_matrix_.start_ = np.cumsum([0] + [len(r[0]) for r in model.rows]).astype(np.int32)
    lp.a_matrix_.index_ = np.concatenate([r[0] for r in model.rows]).astype(np.int32)
    lp.a_matrix_.value_ = np.concatenate([r[1] for r in model.rows])
    lp.integrality_ = [highspy.HighsVarType.kInteger if b else highspy.HighsVarType.kContinuous for b in model.integer]
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", float(rel_gap))
    h.setOptionValue("mip_abs_gap", 1e-9)
    h.passModel(lp)
    return h


def _warm_start(h, problem: Problem, t: _Tables, v: _Vars, picks: tuple[int, ...] | None) -> None:
    """Hand HiGHS the greedy assignment as a complete first incumbent (x, z and T)."""
    if picks is None:
        return
    values = np.zeros(len(h.getLp().col_cost_))
    for xi, k, c in zip(v.x, v.kept, picks):
        values[xi[np.flatnonzero(k == c)[0]]] = 1.0
    for col, n, g, hh in v.pairs:
        e, et = problem.edges[n], t.edges[n]
        values[col] = float(et.prod_group[picks[e.producer]] == g and et.cons_group[picks[e.consumer]] == hh)
    values[v.total] = sum(problem.ops[i][c].cold_bytes for i, c in enumerate(picks))
    h.setSolution(len(values), np.arange(len(values), dtype=np.int32), values)


def _read_picks(h, v: _Vars) -> tuple[int, ...] | None:
    """The incumbent's choice per op, or None when HiGHS has no feasible primal solution."""
    if h.getInfo().primal_solution_status != 2:  # kSolutionStatusFeasible
        return None
    values = np.asarray(h.getSolution().col_value)
    return tuple(int(k[np.argmax(values[xi])]) for xi, k in zip(v.x, v.kept))


def _greedy_or_error(problem: Problem) -> Solution | DoesNotFit:
    try:
        return greedy(problem)
    except DoesNotFit as err:
        return err


def milp(problem: Problem, time_limit: float = 10.0, rel_gap: float = 1e-9) -> Solution:
    """Exact multiple-choice knapsack with pairwise re-layout costs, solved by HiGHS, warm-started
    from the greedy. `time_limit` covers the whole call, greedy included; HiGHS stops once its
    incumbent is within `rel_gap` of the bound (1e-9: exact)."""
    start = time.perf_counter()
    t = _tables(problem)
    if not problem.ops:
        return Solution((), 0.0, 0.0, "milp", True, time.perf_counter() - start)
    _check_each_op_can_fit(problem, t)
    base = _greedy_or_error(problem)
    warm = base.picks if isinstance(base, Solution) else None
    model, v = _build(problem, t, warm)
    h = _to_highs(model, max(0.0, time_limit - (time.perf_counter() - start)), rel_gap)
    _warm_start(h, problem, t, v, warm)
    h.run()
    status = h.getModelStatus()
    picks = _read_picks(h, v)
    if picks is not None and not _fits(evaluate(problem, picks)[1], problem.capacity):
        picks = None  # integrality round-off made it overflow: do not trust it
    seconds = time.perf_counter() - start
    return _pick_better(problem, base, picks, status == highspy.HighsModelStatus.kOptimal, seconds)


def _pick_better(problem: Problem, base: Solution | DoesNotFit, picks: tuple[int, ...] | None,
                 optimal: bool, seconds: float) -> Solution:
    """The MILP incumbent unless the greedy one is strictly better or the MILP has none."""
    if picks is not None:
        cycles, peak = evaluate(problem, picks)
        if isinstance(base, DoesNotFit) or cycles <= base.cycles + 1e-9 * max(1.0, abs(base.cycles)):
            return Solution(picks, cycles, peak, "milp", optimal, seconds)
    if isinstance(base, DoesNotFit):
        raise base
    return Solution(base.picks, base.cycles, base.peak_bytes, "milp-fallback-greedy", False, seconds)


def reconcile(problem: Problem, method: str = "greedy", time_limit: float = 10.0, rel_gap: float = 1e-9) -> Solution:
    """Entry point for the planner: "greedy" (T10's heuristic) or "milp" (exact, time-limited)."""
    if method == "greedy":
        return greedy(problem)
    if method == "milp":
        return milp(problem, time_limit, rel_gap)
    raise ValueError(f"unknown reconcile method {method!r} (expected 'greedy' or 'milp')")
