"""Instruction-mapping strategies (exhaustive, greedy, ranked) on the convolution layers of
ResNet-50 and MobileNetV2: time to decide and quality of the result.

Three views, each against `exhaustive` (exact):
1. the sub-operator each conv layer runs once planned (what `isa-map` maps): time per decision,
   layers where the strategy finds the optimum, cycles lost over all layers;
2. every candidate sub-operator the planner prices for each distinct conv layer (the planner
   decides a mapping for all of them at once): time, share of candidates mapped optimally,
   mean and worst cycles lost;
3. end to end, planning the whole model with each strategy: planning time, simulated latency,
   simulated cycles of the conv layers (the plan itself adapts to the mappings a strategy finds).

Run: .venv/bin/python -m benchmarks.isa_strategies [--models resnet50 mobilenet_v2] [--target ipu-mk2]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field

import numpy as np

from tilefabric.zoo import ZOO
from tilefabric import api
from tilefabric.analysis.iteration_space import loop_sizes
from tilefabric.dialects.rtensor import ComputeOp
from tilefabric.isa.kernel import kernel_of_op
from tilefabric.isa.search import STRATEGIES, decide
from tilefabric.lowering.op_space_from_ir import op_space
from tilefabric.passes.isa_map import plan_step
from tilefabric.planner.candidates import enumerate_plans
from tilefabric.target import resolve_target


@dataclass
class Layer:
    name: str
    kernel: object
    step: tuple[int, ...]  # the planned sub-operator
    space: object


def conv_layers(program) -> list[Layer]:
    """Planned contractions with a window axis (convolutions: k x k, 1 x 1 and depthwise)."""
    out = []
    for op in program.compiled.rtensor.walk():
        if not isinstance(op, ComputeOp):
            continue
        kernel = kernel_of_op(op)
        if kernel.kind != "contraction" or not any(kernel.windows(x) for x in range(kernel.n_inputs)):
            continue
        name = op.attributes["tf.op"].data
        out.append(Layer(name, kernel, plan_step(op.plan.factors, op.plan.parts, loop_sizes(op)), op_space(op, name)[0]))
    return out


def _timed(fn, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


@dataclass
class Row:
    seconds: float = 0.0
    optimal: int = 0
    total: int = 0
    cycles: float = 0.0
    best_cycles: float = 0.0
    worst: float = 1.0
    excess: list = field(default_factory=list)


def chosen_sub_operators(layers: list[Layer], target, repeat: int) -> dict[str, Row]:
    rows = {s: Row() for s in STRATEGIES}
    for layer in layers:
        U = np.asarray([layer.step])
        results = {}
        for s in STRATEGIES:
            seconds, d = _timed(lambda s=s: decide(layer.kernel, target, U, s), repeat)
            results[s] = (seconds, float(d.cycles[0]))
        best = results["exhaustive"][1]
        for s, (seconds, cycles) in results.items():
            r = rows[s]
            r.seconds += seconds
            r.total += 1
            r.optimal += cycles == best
            r.cycles += cycles
            r.best_cycles += best
            r.worst = max(r.worst, cycles / best)
    return rows


def candidate_sub_operators(layers: list[Layer], target) -> tuple[dict[str, Row], int]:
    rows = {s: Row() for s in STRATEGIES}
    seen, count = set(), 0
    for layer in layers:
        key = (layer.kernel, layer.space.sizes)
        if key in seen:
            continue
        seen.add(key)
        cand = enumerate_plans(layer.space, target.cores)
        n = np.asarray(layer.space.sizes, dtype=np.int64)
        T = cand.steps()
        U = -(-n // (cand.F * T))
        U = np.unique(U, axis=0)
        count += len(U)
        results = {}
        for s in STRATEGIES:
            seconds, d = _timed(lambda s=s: decide(layer.kernel, target, U, s), 1)
            results[s] = (seconds, d.cycles)
        best = results["exhaustive"][1]
        for s, (seconds, cycles) in results.items():
            r = rows[s]
            r.seconds += seconds
            r.total += len(U)
            r.optimal += int((cycles == best).sum())
            r.cycles += float(cycles.sum())
            r.best_cycles += float(best.sum())
            r.worst = max(r.worst, float((cycles / best).max()))
            r.excess.append(cycles / best - 1.0)
    return rows, count


def _cold() -> None:
    """Forget memoised searches and decisions, so each planning run is timed from scratch."""
    from tilefabric.isa.search import decide_one
    from tilefabric.planner import search as plan_search

    plan_search._CACHE.clear()
    decide_one.cache_clear()


def end_to_end(loaded, target_name: str) -> dict[str, dict]:
    out = {}
    for s in STRATEGIES:
        _cold()
        program = api.compile_loaded(loaded, target_name, isa=s)
        result = program.run(seed=0)
        names = {layer.name for layer in conv_layers(program)}
        conv = sum(op["cycles"] for op in result.report["ops"] if op["name"] in names)
        out[s] = {"plan_s": program.compiled.compile_seconds, "latency": result.cycles, "conv": conv,
                  "im2col": sum("im2col" in op["instruction"] for op in result.report["ops"] if op["name"] in names)}
    return out


def _pct(x: float) -> str:
    return f"{100 * x:.2f}%"


def report(model: str, target_name: str, repeat: int, whole: bool) -> None:
    target = resolve_target(target_name)
    loaded = api.load(ZOO[model]())
    program = api.compile_loaded(loaded, target_name, stop_after="rtensor")
    layers = conv_layers(program)
    print(f"\n### {model} on {target_name}: {len(layers)} conv layers\n")
    chosen = chosen_sub_operators(layers, target, repeat)
    print("Planned sub-operators (what isa-map decides, one per layer):\n")
    print("| strategy | time per decision | layers optimal | cycles over optimum (all layers) | worst layer |")
    print("|---|---:|---:|---:|---:|")
    for s, r in chosen.items():
        print(f"| {s} | {1e3 * r.seconds / r.total:.2f} ms | {r.optimal}/{r.total} | "
              f"{_pct(r.cycles / r.best_cycles - 1)} | {r.worst:.3f} |")
    cand, count = candidate_sub_operators(layers, target)
    print(f"\nEvery candidate sub-operator the planner prices ({count:,} distinct, over the distinct layers):\n")
    print("| strategy | time | candidates mapped suboptimally | mean cycles over optimum | worst |")
    print("|---|---:|---:|---:|---:|")
    for s, r in cand.items():
        mean = float(np.concatenate(r.excess).mean())
        print(f"| {s} | {r.seconds:.2f} s | {r.total - r.optimal:,} ({_pct(1 - r.optimal / r.total)}) | {_pct(mean)} | "
              f"{r.worst:.3f} |")
    if whole:
        e2e = end_to_end(loaded, target_name)
        print("\nWhole model planned with each strategy (simulated):\n")
        print("| strategy | planning | latency (cycles) | conv layers (cycles) | conv layers with im2col |")
        print("|---|---:|---:|---:|---:|")
        for s, r in e2e.items():
            print(f"| {s} | {r['plan_s']:.1f} s | {r['latency']:,.0f} | {r['conv']:,.0f} | {r['im2col']} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", default=["resnet50", "mobilenet_v2"])
    parser.add_argument("--target", default="ipu-mk2")
    parser.add_argument("--repeat", type=int, default=5, help="timing repeats per single decision (best kept)")
    parser.add_argument("--no-end-to-end", dest="whole", action="store_false", help="skip planning whole models")
    args = parser.parse_args()
    for model in args.models:
        report(model, args.target, args.repeat, args.whole)


if __name__ == "__main__":
    main()
