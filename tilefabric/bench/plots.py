"""PNG plots of a bench: `speedup.png` (t10/vgm per model, with the geometric mean) and
`scaling.png` (compile and simulate seconds over 368 -> 1,472 -> 5,888 cores).

Built on the run plots' Agg figure (runtime_sim/plots.py): no pyplot, no GUI backend."""

from __future__ import annotations

import os
from pathlib import Path

from matplotlib.ticker import NullLocator

from tilefabric.bench.records import Results
from tilefabric.runtime_sim.plots import _figure, _save

SPEEDUP, SCALING = "speedup.png", "scaling.png"


def speedup_figure(results: Results, target: str):
    comps = [c for c in results.comparisons() if c.target == target]
    fig = _figure(max(6.0, 0.7 * len(comps) + 2), 4.2)
    ax = fig.add_subplot()
    xs = range(len(comps))
    values = [c.speedup or 0.0 for c in comps]
    bars = ax.bar(xs, values, color=["#4C72B0" if c.speedup else "#CCCCCC" for c in comps])
    for bar, c in zip(bars, comps):
        text = f"{c.speedup:.2f}x" if c.speedup else "n/a"
        ax.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom",
                    fontsize=8, xytext=(0, 2), textcoords="offset points")
    ax.axhline(1.0, color="#444444", linewidth=0.8)
    geo = results.geomean_speedup(target)
    if geo:
        ax.axhline(geo, color="#DD8452", linestyle="--", linewidth=1.2, label=f"geometric mean {geo:.2f}x")
        ax.legend(loc="upper right", fontsize=8)
    ax.set_xticks(list(xs), [c.label for c in comps], rotation=35, ha="right", fontsize=8)
    ax.set_ylabel("speedup (vgm latency / t10 latency)")
    ax.set_title(f"T10 plans vs virtual global memory on {target} (n/a: a run failed)", fontsize=10)
    return fig


def scaling_figure(results: Results):
    fig = _figure(9.0, 3.8)
    axes = fig.subplots(1, 2)
    ticks: set[int] = set()
    for runs in results.scaling().values():
        ok = [r for r in runs if r.ok and r.cores]
        if not ok:
            continue
        cores = [r.cores for r in ok]
        ticks.update(cores)
        for ax, key in zip(axes, ("compile_seconds", "simulate_seconds")):
            ax.plot(cores, [getattr(r, key) for r in ok], marker="o", label=ok[0].label)
    for ax, title in zip(axes, ("compile (import excluded)", "simulate")):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(sorted(ticks), [f"{c:,}" for c in sorted(ticks)])
        ax.xaxis.set_minor_locator(NullLocator())  # only the measured core counts on x
        ax.set_xlabel("cores (368 = quarter ipu-mk2, 1,472 = ipu-mk2, 5,888 = ipu-pod4)", fontsize=8)
        ax.set_ylabel("seconds")
        ax.set_title(f"{title} time, t10", fontsize=10)
        ax.legend(fontsize=8)
    return fig


def write_plots(results: Results, directory: str | os.PathLike) -> list[Path]:
    """The speedup plot of the first comparison target and, if any model ran at several core
    counts, the scaling plot."""
    directory = Path(directory)
    files = []
    targets = results.meta.get("targets", [])
    if targets and any(c.target == targets[0] for c in results.comparisons()):
        files.append(_save(speedup_figure(results, targets[0]), directory / SPEEDUP))
    if results.scaling():
        files.append(_save(scaling_figure(results), directory / SCALING))
    return files
