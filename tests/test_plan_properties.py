"""Property tests of the per-op search: for random shapes of matmul, batched matmul, broadcast
elementwise ops and row reductions, every plan the search can hand back (frontier points,
`best()`, and off-frontier plans `OpSearch.matching` may return) lowers, verifies, simulates to
numpy's numbers and takes the cycles the planner predicted (within 5%).

Small custom targets (16 and 24 cores, a few KiB of scratchpad) and budgets between the
smallest plan's need and the pass's default force rotation, two rings and padding; each
property asserts that its examples really exercised those cases, and fixed shapes pin them.
A regression test at the end: a rotating function argument read twice is predicted exactly
(the planner used to charge a ring restore the lowering never emits)."""

from __future__ import annotations

import math
from collections import Counter
from importlib import resources

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.plan_harness import plan_runner, run_with_plan, space_of
from tilefabric.planner.search import DoesNotFit, search
from tilefabric.target import resolve_target

PASS_FRACTION = 0.9  # linalg-to-rtensor's default memory_fraction (run_with_plan re-plans with it)
RTOL = 1e-5
CYCLES_RTOL = 0.05

SMALL_TARGETS = {"tiny16": (16, 8 * 1024), "tiny24": (24, 6 * 1024)}


def _settings(n: int):
    return settings(max_examples=n, deadline=None, derandomize=True, database=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def targets(tmp_path_factory) -> dict[str, str]:
    """Target specs for the pass option: the preset name and .toml paths of small chips."""
    base = resources.files("tilefabric.target").joinpath("presets", "ipu-mk2.toml").read_text()
    out = {"ipu-mk2": "ipu-mk2"}
    root = tmp_path_factory.mktemp("targets")
    for name, (cores, scratch) in SMALL_TARGETS.items():
        text = (base.replace('name = "ipu-mk2"', f'name = "{name}"')
                .replace("cores = 1472", f"cores = {cores}")
                .replace("scratchpad_bytes = 638976", f"scratchpad_bytes = {scratch}"))
        path = root / f"{name}.toml"
        path.write_text(text)
        t = resolve_target(str(path))
        assert (t.cores, t.scratchpad_bytes) == (cores, scratch)
        out[name] = str(path)
    return out


# --- linalg text -----------------------------------------------------------------------------

def _ty(shape) -> str:
    return "tensor<" + "x".join(map(str, shape)) + "xf32>"


def _dims(rank: int) -> str:
    return ", ".join(f"d{i}" for i in range(rank))


def _fill(shape, value: str) -> str:
    """`%z`: a linalg.generic writing the constant `value` everywhere (folded to a fill)."""
    t, d = _ty(shape), _dims(len(shape))
    its = ", ".join(['"parallel"'] * len(shape))
    return f"""  %cst = arith.constant {value} : f32
  %e = tensor.empty() : {t}
  %z = linalg.generic {{indexing_maps = [affine_map<({d}) -> ()>, affine_map<({d}) -> ({d})>], iterator_types = [{its}]}} ins(%cst : f32) outs(%e : {t}) {{
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }} -> {t}
"""


def _func(args, result_shape, body: str, result: str) -> str:
    sig = ", ".join(f"%{n}: {_ty(s)}" for n, s in args)
    return f"func.func @main({sig}) -> {_ty(result_shape)} {{\n{body}  func.return {result} : {_ty(result_shape)}\n}}\n"


MAC = """  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32"""


def matmul_text(m: int, k: int, n: int) -> str:
    a, b, c = (m, k), (k, n), (m, n)
    body = _fill(c, "0.0") + f"""  %c = linalg.generic {{indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]}} ins(%a, %b : {_ty(a)}, {_ty(b)}) outs(%z : {_ty(c)}) {{
{MAC}
  }} -> {_ty(c)}
"""
    return _func([("a", a), ("b", b)], c, body, "%c")


def bmm_text(bt: int, m: int, k: int, n: int) -> str:
    a, b, c = (bt, m, k), (bt, k, n), (bt, m, n)
    body = _fill(c, "0.0") + f"""  %c = linalg.generic {{indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}} ins(%a, %b : {_ty(a)}, {_ty(b)}) outs(%z : {_ty(c)}) {{
{MAC}
  }} -> {_ty(c)}
"""
    return _func([("a", a), ("b", b)], c, body, "%c")


BINARY = {"add": ("arith.addf", np.add), "mul": ("arith.mulf", np.multiply)}


def binary_text(op: str, rows: int, cols: int, along: str) -> str:
    """x (rows, cols) op v, v 1-D broadcast along rows (v: (cols,)) or along columns (v: (rows,))."""
    v = (cols,) if along == "rows" else (rows,)
    vmap = "(d0, d1) -> (d1)" if along == "rows" else "(d0, d1) -> (d0)"
    o = (rows, cols)
    body = f"""  %e = tensor.empty() : {_ty(o)}
  %r = linalg.generic {{indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<{vmap}>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}} ins(%x, %v : {_ty(o)}, {_ty(v)}) outs(%e : {_ty(o)}) {{
  ^bb0(%p: f32, %q: f32, %out: f32):
    %s = {BINARY[op][0]} %p, %q : f32
    linalg.yield %s : f32
  }} -> {_ty(o)}
"""
    return _func([("x", o), ("v", v)], o, body, "%r")


UNARY = {
    "exp": ("    %s = math.exp %p : f32\n", np.exp),
    "relu": ("    %c0 = arith.constant 0.0 : f32\n    %s = arith.maximumf %p, %c0 : f32\n", lambda x: np.maximum(x, 0)),
}


def unary_text(op: str, rows: int, cols: int) -> str:
    o = (rows, cols)
    body = f"""  %e = tensor.empty() : {_ty(o)}
  %r = linalg.generic {{indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}} ins(%x : {_ty(o)}) outs(%e : {_ty(o)}) {{
  ^bb0(%p: f32, %out: f32):
{UNARY[op][0]}    linalg.yield %s : f32
  }} -> {_ty(o)}
"""
    return _func([("x", o)], o, body, "%r")


REDUCE = {"sum": ("arith.addf", "0.0", np.sum), "max": ("arith.maximumf", "0xFF800000", np.max)}  # -inf


def reduce_text(op: str, rows: int, cols: int, keepdim: bool, acc_first: bool) -> str:
    o = (rows, 1) if keepdim else (rows,)
    omap = "(d0, d1) -> (d0, 0)" if keepdim else "(d0, d1) -> (d0)"
    lhs, rhs = ("%acc", "%p") if acc_first else ("%p", "%acc")
    body = _fill(o, REDUCE[op][1]) + f"""  %r = linalg.generic {{indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<{omap}>], iterator_types = ["parallel", "reduction"]}} ins(%x : {_ty((rows, cols))}) outs(%z : {_ty(o)}) {{
  ^bb0(%p: f32, %acc: f32):
    %s = {REDUCE[op][0]} {lhs}, {rhs} : f32
    linalg.yield %s : f32
  }} -> {_ty(o)}
"""
    return _func([("x", (rows, cols))], o, body, "%r")


# --- the property ----------------------------------------------------------------------------

def _args(*shapes, seed: int = 0):
    rng = np.random.default_rng(seed)
    return {f"arg{i}": rng.standard_normal(s).astype(np.float32) for i, s in enumerate(shapes)}


def padded(plan, space) -> bool:
    return any(b * f > n for b, f, n in zip(plan.blocks(space), plan.spatial, space.sizes))


def plans_to_check(result, data=None) -> list[tuple[str, object]]:
    """(source, plan). "frontier": first, last and two hypothesis-drawn frontier plans (every
    one if few, or if `data` is None) and best(). "off_frontier": plans the search also hands
    out off its frontier (`OpSearch.matching` returns any evaluated plan that fits, e.g. the one
    matching a producer's layout): one drawn at random, and the fastest with one and two rings."""
    front = result.frontier
    if len(front) <= 4 or data is None:
        picks = list(range(len(front)))
    else:
        idx = st.integers(0, len(front) - 1)
        picks = [0, len(front) - 1, data.draw(idx, label="frontier index"), data.draw(idx, label="frontier index")]
    out = [("frontier", front[i]) for i in sorted(set(picks))] + [("frontier", result.best())]
    rows = [data.draw(st.integers(0, len(result.cand) - 1), label="candidate row")] if data is not None else []
    rings = (result.cand.ring_parts > 1).sum(axis=1)
    for n in (1, 2):
        ok = rings == n
        if ok.any():
            rows.append(int(np.argmin(np.where(ok, result.costs.total, np.inf))))
    out += [("off_frontier", result.plan(r)) for r in rows]
    unique: list[tuple[str, object]] = []
    for source, p in out:
        if all(p is not q for _, q in unique):  # result.plan(row) is cached: same row, same object
            unique.append((source, p))
    return unique


def halo(plan, space) -> bool:
    """Some input's blocks overlap between neighbouring cores (a split convolution window)."""
    layouts = (plan.layout(space, x) for x in range(space.n_inputs))
    return any(s < b for lay in layouts for s, b in zip(lay.strides, lay.blocks))


def features(plan, space) -> dict[str, bool]:
    return {"rotation": bool(plan.rotation), "two_rings": len(plan.rotation) == 2,
            "padding": padded(plan, space),
            "split_reduction": any(plan.spatial[d] > 1 for d in space.reduction_dims),
            "halo": halo(plan, space)}


def check_run(run, ref: np.ndarray, scale: float, what: str) -> None:
    """A simulated run of a plan: numbers equal numpy's, cycles equal the prediction."""
    out = np.asarray(run.outputs["result0"], dtype=np.float64)
    assert out.shape == ref.shape, what
    assert np.isfinite(out).all(), what
    err = float(np.abs(out - ref).max()) if ref.size else 0.0
    assert err <= RTOL * max(scale, 1e-30), f"{what}: max error {err} vs scale {scale}"
    assert run.simulated_cycles == pytest.approx(run.predicted_cycles, rel=CYCLES_RTOL), \
        f"{what}: simulated {run.simulated_cycles} vs predicted {run.predicted_cycles}"


def budget_search(space, target_spec: str, tightness: float):
    """Search under a budget `tightness` of the way from the smallest plan's need up to the
    pass's own budget (0: only the smallest plans fit, rotation is forced if it saves memory)."""
    t = resolve_target(target_spec)
    cap = t.scratchpad_bytes * PASS_FRACTION
    roomy = search(space, t, cap)
    smallest = float(roomy.costs.hot.min())
    budget = smallest + tightness * (cap - smallest)
    return search(space, t, budget), budget


def check_all_plans(text: str, args: dict, ref: np.ndarray, scale: float, target_spec: str,
                    tightness: float, data, stats: Counter) -> None:
    t = resolve_target(target_spec)
    space = space_of(text, target_spec)
    run = plan_runner(text, t, target_spec)  # plans once; each run swaps in a plan, like run_with_plan
    stats["examples"] += 1
    try:
        result, budget = budget_search(space, target_spec, tightness)
    except DoesNotFit as err:  # legitimate only if even the smallest plan is over the budget
        assert err.required > err.available == t.scratchpad_bytes * PASS_FRACTION
        event("does not fit")
        stats["does_not_fit"] += 1
        return
    event(f"frontier size {len(result.frontier)}")
    for source, plan in plans_to_check(result, data):
        what = f"{target_spec} sizes={space.sizes} budget={budget:.0f} {plan.describe()} {plan}"
        assert plan.hot_bytes <= budget, what
        assert math.prod(plan.spatial) <= t.cores, what
        check_run(run(plan, args), ref, scale, what)
        stats["plans"] += 1
        stats[source] += 1
        for key, hit in features(plan, space).items():
            if hit:
                stats[key] += 1
                stats[f"{source}_{key}"] += 1
                event(f"{source}: {key}")


# --- strategies ------------------------------------------------------------------------------

AWKWARD = [1, 2, 3, 16, 24, 37, 53, 64]  # primes that divide no core count, and exact fits


def dim(hi: int = 64):
    return st.one_of(st.sampled_from([d for d in AWKWARD if d <= hi]), st.integers(1, hi))


target_names = st.sampled_from(["tiny16", "tiny24", "ipu-mk2"])
tightness = st.sampled_from([1.0, 0.3, 0.0])


def _report(stats: Counter) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(stats.items()))


# --- properties ------------------------------------------------------------------------------

def _mm_ref(args):
    a, b = (v.astype(np.float64) for v in args.values())
    return a @ b, float((np.abs(a) @ np.abs(b)).max())  # scale: the sum of |terms|


def test_matmul_plans_simulate_as_predicted(targets):
    stats: Counter = Counter()

    @_settings(100)
    @given(m=dim(), k=dim(), n=dim(), tname=target_names, tight=tightness, data=st.data())
    def prop(m, k, n, tname, tight, data):
        args = _args((m, k), (k, n))
        check_all_plans(matmul_text(m, k, n), args, *_mm_ref(args), targets[tname], tight, data, stats)

    prop()
    print(_report(stats))
    for key in ("frontier_rotation", "frontier_two_rings", "frontier_padding", "frontier_split_reduction",
                "off_frontier_two_rings"):
        assert stats[key] > 0, _report(stats)


def test_batched_matmul_plans_simulate_as_predicted(targets):
    stats: Counter = Counter()

    @_settings(50)
    @given(bt=st.integers(1, 4), m=dim(24), k=dim(37), n=dim(24), tname=target_names, tight=tightness, data=st.data())
    def prop(bt, m, k, n, tname, tight, data):
        args = _args((bt, m, k), (bt, k, n))
        check_all_plans(bmm_text(bt, m, k, n), args, *_mm_ref(args), targets[tname], tight, data, stats)

    prop()
    print(_report(stats))
    for key in ("frontier_rotation", "frontier_padding", "frontier_split_reduction", "off_frontier_two_rings"):
        assert stats[key] > 0, _report(stats)


def _elementwise(op: str, along: str, rows: int, cols: int):
    if op in BINARY:
        args = _args((rows, cols), (cols,) if along == "rows" else (rows,))
        x, v = (a.astype(np.float64) for a in args.values())
        ref = BINARY[op][1](x, v if along == "rows" else v[:, None])
        return binary_text(op, rows, cols, along), args, ref
    args = _args((rows, cols))
    return unary_text(op, rows, cols), args, UNARY[op][1](args["arg0"].astype(np.float64))


def test_elementwise_plans_simulate_as_predicted(targets):
    stats: Counter = Counter()

    @_settings(80)
    @given(op=st.sampled_from(sorted(BINARY) + sorted(UNARY)), along=st.sampled_from(["rows", "cols"]),
           rows=dim(), cols=dim(), tname=target_names, tight=tightness, data=st.data())
    def prop(op, along, rows, cols, tname, tight, data):
        text, args, ref = _elementwise(op, along, rows, cols)
        check_all_plans(text, args, ref, float(np.abs(ref).max()), targets[tname], tight, data, stats)

    prop()
    print(_report(stats))
    # a broadcast operand's ring never pays off on the frontier (a spatial split is as small)
    for key in ("frontier_padding", "off_frontier_rotation"):
        assert stats[key] > 0, _report(stats)


def _reduction(op: str, rows: int, cols: int, keepdim: bool, acc_first: bool):
    args = _args((rows, cols))
    x = args["arg0"].astype(np.float64)
    ref = REDUCE[op][2](x, axis=1, keepdims=keepdim)
    scale = float(np.abs(x).sum(axis=1).max()) if op == "sum" else float(np.abs(ref).max())
    return reduce_text(op, rows, cols, keepdim, acc_first), args, ref, scale


def test_row_reduction_plans_simulate_as_predicted(targets):
    stats: Counter = Counter()

    @_settings(80)
    @given(op=st.sampled_from(sorted(REDUCE)), keepdim=st.booleans(), acc_first=st.booleans(),
           rows=dim(), cols=dim(), tname=target_names, tight=tightness, data=st.data())
    def prop(op, keepdim, acc_first, rows, cols, tname, tight, data):
        text, args, ref, scale = _reduction(op, rows, cols, keepdim, acc_first)
        check_all_plans(text, args, ref, scale, targets[tname], tight, data, stats)

    prop()
    print(_report(stats))
    for key in ("frontier_padding", "frontier_split_reduction"):
        assert stats[key] > 0, _report(stats)


# --- fixed shapes that must reach rotation, two rings and padding ------------------------------

FIXED = [
    # (target, kind, shape, tightness, features best() must have)
    ("tiny24", "matmul", (37, 53, 64), 0.0, {"two_rings", "padding"}),
    ("tiny24", "matmul", (64, 64, 64), 0.0, {"two_rings", "padding"}),
    ("ipu-mk2", "matmul", (53, 37, 24), 0.0, {"two_rings", "padding"}),
    ("tiny16", "matmul", (37, 53, 64), 0.0, {"rotation", "padding"}),
    ("tiny16", "matmul", (64, 64, 64), 1.0, {"rotation"}),
    ("tiny16", "bmm", (3, 24, 37, 24), 0.0, {"rotation", "padding"}),
    ("tiny16", "add", (37, 53), 1.0, {"padding"}),
    ("tiny24", "sum", (37, 32), 0.0, {"padding", "split_reduction"}),
    ("tiny16", "max", (5, 64), 0.0, {"split_reduction"}),
]


def _case(kind: str, shape):
    if kind == "matmul":
        m, k, n = shape
        args = _args((m, k), (k, n))
        return matmul_text(m, k, n), args, *_mm_ref(args)
    if kind == "bmm":
        bt, m, k, n = shape
        args = _args((bt, m, k), (bt, k, n))
        return bmm_text(bt, m, k, n), args, *_mm_ref(args)
    if kind in BINARY:
        text, args, ref = _elementwise(kind, "rows", *shape)
        return text, args, ref, float(np.abs(ref).max())
    return _reduction(kind, *shape, keepdim=kind == "max", acc_first=True)


@pytest.mark.parametrize("tname,kind,shape,tight,must", FIXED, ids=lambda v: str(v).replace(" ", ""))
def test_fixed_shapes_reach_rings_and_padding(targets, tname, kind, shape, tight, must):
    """best() has the expected rings/padding; it and every other frontier plan (and the fastest
    one- and two-ring plans) simulate to numpy's numbers in the predicted cycles."""
    text, args, ref, scale = _case(kind, shape)
    spec = targets[tname]
    space = space_of(text, spec)
    result, budget = budget_search(space, spec, tight)
    best = result.best()
    have = {k for k, v in features(best, space).items() if v}
    assert must <= have, f"{best.describe()}: {have}"
    for source, plan in plans_to_check(result):
        assert plan.hot_bytes <= budget
        run = run_with_plan(text, plan, args, resolve_target(spec), spec)
        check_run(run, ref, scale, f"{source} {plan.describe()}")


# --- regression: a rotating function argument read twice ----------------------------------------

class PredictionMismatch(AssertionError):
    pass


def square_text(n: int) -> str:
    """a @ a: one function argument read by both operands of the contraction."""
    s = (n, n)
    body = _fill(s, "0.0") + f"""  %c = linalg.generic {{indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]}} ins(%a, %a : {_ty(s)}, {_ty(s)}) outs(%z : {_ty(s)}) {{
{MAC}
  }} -> {_ty(s)}
"""
    return _func([("a", s)], s, body, "%c")


def test_rotating_argument_read_twice_is_predicted(targets):
    from xdsl.parser import Parser
    from xdsl.passes import PassPipeline

    from tilefabric.frontend import make_context
    from tilefabric.runtime_sim import simulate
    from tilefabric.universe import UNIVERSE

    n, spec = 32, targets["tiny16"]
    t = resolve_target(spec)
    ctx = make_context()
    module = Parser(ctx, square_text(n)).parse_module()
    passes = dict(UNIVERSE.all_passes.items())
    PassPipeline.parse_spec(passes, f'linalg-to-rtensor{{target="{spec}" memory_fraction=0.2}},rtensor-to-dataflow').apply(ctx, module)
    module.verify()
    a = _args((n, n))["arg0"]
    res = simulate(module, t, {"arg0": a})
    ref = a.astype(np.float64) @ a
    assert np.abs(res.outputs["result0"] - ref).max() <= RTOL * float((np.abs(a) @ np.abs(a)).max())
    (stat,) = [s for s in res.ops if s.predicted_cycles is not None]
    assert "rot#" in stat.plan, stat.plan  # the budget forces a ring on one copy of `a`
    if abs(stat.cycles - stat.predicted_cycles) > CYCLES_RTOL * stat.predicted_cycles:
        raise PredictionMismatch(f"{stat.plan}: simulated {stat.cycles} vs predicted {stat.predicted_cycles}")
