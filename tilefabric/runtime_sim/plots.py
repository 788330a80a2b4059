"""PNG plots of a simulated run (matplotlib, Agg canvas; see docs/simulator.md).

- `op_time.png`: per-op cycles as stacked compute / shift / sync bars, the `TOP_OPS` slowest
  ops and one bar for the rest.
- `core_memory.png`: per-core peak scratchpad / capacity as a heatmap, the cores laid out on
  the target's mesh if it has one, else row-major on a near-square grid.
- `link_utilisation.png`: only for mesh / torus targets: the bytes the simulation put on each
  link (shifts and exchanges, routed by the Target; runtime_sim/links.py). The colour is a
  link's busier direction: bytes / (link_bytes_per_cycle × run cycles). Partial-sum
  reductions keep the crossbar formula and are not included.
"""

from __future__ import annotations

import logging
import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

TOP_OPS = 40
PHASE_COLOURS = {"compute": "#4C72B0", "shift": "#DD8452", "sync": "#8C8C8C"}
OP_TIME, CORE_MEMORY, LINKS = "op_time.png", "core_memory.png", "link_utilisation.png"
PLOT_NAMES = (OP_TIME, CORE_MEMORY, LINKS)
MESH_TOPOLOGIES = ("mesh", "torus")


def _figure(width: float, height: float):
    """A Figure on an Agg canvas (no pyplot: no global state, no GUI backend)."""
    logging.getLogger("matplotlib").setLevel(logging.ERROR)  # no font-cache chatter on stderr
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


# --- (a) per-op time -------------------------------------------------------------------------
def op_rows(ops: Sequence[dict[str, Any]], top: int = TOP_OPS) -> list[tuple[str, float, float, float]]:
    """(name, compute, shift, sync) of the `top` slowest ops, slowest first, then the rest summed."""
    rows = [(str(o["name"]), float(o.get("compute_cycles") or 0), float(o.get("shift_cycles") or 0),
             float(o.get("sync_cycles") or 0)) for o in ops]
    rows.sort(key=lambda r: -(r[1] + r[2] + r[3]))
    head, rest = rows[:top], rows[top:]
    if rest:
        head.append((f"other {len(rest)} ops", *(sum(r[i] for r in rest) for i in (1, 2, 3))))
    return head


def op_time_figure(ops: Sequence[dict[str, Any]], title: str, top: int = TOP_OPS):
    rows = op_rows(ops, top)
    fig = _figure(9.0, 1.4 + 0.22 * max(len(rows), 1))
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    left = np.zeros(len(rows))
    for i, phase in enumerate(("compute", "shift", "sync"), start=1):
        width = np.array([r[i] for r in rows])
        ax.barh(y, width, left=left, color=PHASE_COLOURS[phase], label=phase, height=0.75)
        left += width
    ax.set_yticks(y, [r[0] for r in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("cycles")
    total = sum(float(o.get("cycles") or 0) for o in ops)
    shown = f"top {top} of {len(ops)} ops" if len(ops) > top else f"{len(ops)} ops"
    ax.set_title(f"{title}\ntime per op ({shown}, {total:,.0f} cycles in all)", fontsize=9)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return fig


# --- (b) per-core peak memory ----------------------------------------------------------------
def core_grid_shape(cores: int, mesh_shape: Sequence[int] | None = None) -> tuple[int, int]:
    if mesh_shape and len(mesh_shape) == 2 and mesh_shape[0] * mesh_shape[1] == cores:
        return int(mesh_shape[0]), int(mesh_shape[1])
    cols = max(1, math.ceil(math.sqrt(cores)))
    return math.ceil(cores / cols), cols


def core_memory_figure(peak_bytes: np.ndarray, capacity: int, title: str, mesh_shape=None):
    from matplotlib.ticker import PercentFormatter

    peak = np.asarray(peak_bytes, dtype=np.float64)
    rows, cols = core_grid_shape(len(peak), mesh_shape)
    grid = np.full(rows * cols, np.nan)
    grid[: len(peak)] = peak / capacity * 100 if capacity else 0.0
    fig = _figure(7.5, 1.5 + 6.0 * rows / max(cols, rows))
    ax = fig.add_subplot()
    top = float(np.nanmax(grid)) if np.isfinite(grid).any() else 0.0
    image = ax.imshow(grid.reshape(rows, cols), cmap=_cmap_with_grey_nan("viridis"), vmin=0, vmax=max(top, 1e-9),
                      interpolation="nearest", aspect="equal")
    fig.colorbar(image, ax=ax, shrink=0.8, format=PercentFormatter(decimals=_decimals(top)),
                 label="peak / scratchpad capacity")
    layout = "on the mesh" if mesh_shape and rows * cols == len(peak) else "row-major"
    used = int((peak > 0).sum())
    ax.set_title(f"{title}\npeak scratchpad per core, cores {layout} ({rows}×{cols}, core 0 top left)\n"
                 f"max {top:.{_decimals(top)}f}% of {capacity:,} B; {used:,} of {len(peak):,} cores hold data",
                 fontsize=9)
    ax.set_xlabel("core % cols")
    ax.set_ylabel("core // cols")
    return fig


# --- (c) link utilisation on a mesh ----------------------------------------------------------
def link_grids(links) -> tuple[np.ndarray, np.ndarray]:
    """Bytes per physical link, its busier direction: horizontal [r, c] joins (r, c)–(r, c+1)
    (R×(C−1), R×C on a torus: column C−1 is the wrap link), vertical [r, c] joins (r, c)–(r+1, c)."""
    return _grids(links.loads, links.shape, links.torus, 1)


def express_grids(links, stride: int) -> tuple[np.ndarray, np.ndarray]:
    """As link_grids for the express links (mesh only): horizontal [r, c] joins (r, c)–(r, c+s)."""
    return _grids(links.express, links.shape, False, stride)


def _grids(loads, shape, torus: bool, stride: int) -> tuple[np.ndarray, np.ndarray]:
    from tilefabric.target.routing import EAST, NORTH, SOUTH, WEST

    rows, cols = shape
    hc = cols if torus else max(cols - stride, 0)
    vr = rows if torus else max(rows - stride, 0)
    horizontal = np.maximum(loads[EAST], np.roll(loads[WEST], -stride, axis=1))[:, :hc]
    vertical = np.maximum(loads[SOUTH], np.roll(loads[NORTH], -stride, axis=0))[:vr, :]
    return horizontal, vertical


def link_utilisation_figure(links, target, cycles: float, title: str):
    """Two heatmaps of the simulated run's link loads (`runtime_sim.links.LinkTotals`), two more
    for express links when the mesh has them."""
    from matplotlib.ticker import PercentFormatter

    rows, cols = links.shape
    capacity = target.link_bytes_per_cycle * max(cycles, 1e-9)
    panels = [(g / capacity * 100, what) for g, what in zip(
        link_grids(links), ("horizontal links (r, c)–(r, c+1)", "vertical links (r, c)–(r+1, c)"))]
    stride = getattr(target, "express_stride", 0)
    if stride >= 2 and getattr(links, "express", None) is not None:
        panels += [(g / capacity * 100, what) for g, what in zip(
            express_grids(links, stride), (f"express (r, c)–(r, c+{stride})", f"express (r, c)–(r+{stride}, c)"))]
    top = max((float(g.max()) for g, _ in panels if g.size), default=0.0)
    n_rows = len(panels) // 2
    fig = _figure(12.0, 1.8 + 5.0 * n_rows * rows / max(cols, 1))
    axes = fig.subplots(n_rows, 2, squeeze=False).ravel()
    shown = None
    for ax, (grid, what) in zip(axes, panels):
        if grid.size:
            shown = ax.imshow(grid, cmap="magma", vmin=0, vmax=max(top, 1e-9), interpolation="nearest",
                              aspect="equal")
        ax.set_title(what, fontsize=8)
        ax.set_xlabel("c")
        ax.set_ylabel("r")
    if shown is not None:
        fig.colorbar(shown, ax=list(axes), shrink=0.8, format=PercentFormatter(decimals=_decimals(top)),
                     label="bytes / (link bandwidth × run cycles)")
    what = (f"{links.steps:,} routed shift / exchange steps; busiest link in one step: "
            f"{links.busiest_step_bytes:,.0f} B; longest route {links.hops_max} hops"
            if links.steps else "no link traffic: every link idle")
    fig.suptitle(f"{title}\nlink utilisation on the {rows}×{cols} {target.topology}, busier direction "
                 f"(XY routing, row-major placement; max {top:.{_decimals(top)}f}%)\n{what}", fontsize=9)
    return fig


def _cmap_with_grey_nan(name: str):
    from matplotlib import colormaps

    cmap = colormaps[name].copy()
    cmap.set_bad("#e6e6e6")  # no value: cells past the last core
    return cmap


def _decimals(top: float) -> int:
    """Enough decimals for a percentage scale whose maximum is `top` (0.12 → 2, 37 → 0)."""
    return 0 if top >= 10 or top <= 0 else min(6, 1 - math.floor(math.log10(top)))


# --- writing ---------------------------------------------------------------------------------
@dataclass
class PlotOutcome:
    files: list[Path] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # file name -> why it was not written


def link_plot_skip_reason(target) -> str | None:
    if target.topology in MESH_TOPOLOGIES and target.mesh_shape:
        return None
    return f"target '{target.name}' is a {target.topology}, not a mesh"


def _save(fig, path: Path) -> Path:
    """PNG via a temp file renamed into place."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".png", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            fig.savefig(f, format="png")
        os.chmod(tmp, 0o666 & ~_umask())  # like a plain open(), not mkstemp's 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_plots(directory: str | os.PathLike, report: dict[str, Any], peak_bytes: np.ndarray, target,
                links=None) -> PlotOutcome:
    """Write the plots of one run into `directory` (created if missing; its parent must exist).
    `links`: the run's `SimResult.links` (bytes per mesh link), for the link plot."""
    out = Path(directory)
    out.mkdir(exist_ok=True)
    title = f"{report.get('model', 'model')} on {target.name} ({report.get('strategy', '')})"
    outcome = PlotOutcome()
    outcome.files.append(_save(op_time_figure(report.get("ops", []), title), out / OP_TIME))
    outcome.files.append(_save(core_memory_figure(peak_bytes, target.scratchpad_bytes, title, target.mesh_shape),
                               out / CORE_MEMORY))
    reason = link_plot_skip_reason(target)
    if reason is not None or links is None:
        outcome.skipped[LINKS] = reason or "no link statistics from the simulation"
    else:
        fig = link_utilisation_figure(links, target, float(report.get("latency_cycles") or 0), title)
        outcome.files.append(_save(fig, out / LINKS))
    return outcome


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
