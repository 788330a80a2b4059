"""The run report: one plain dict (what `--report` writes as JSON) and its rich rendering.

Keeping the dict the single source means the terminal view and the JSON file never disagree.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from tilefabric.api import Program

REQUIRED_KEYS = ("target", "strategy", "latency_cycles", "latency_ms", "compile_seconds",
                 "simulate_seconds", "peak_scratchpad_bytes", "scratchpad_bytes", "ops")


# --- building ------------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    """numpy scalars/arrays and non-finite floats → JSON-safe Python values."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if math.isfinite(value) else str(value)  # "inf"/"nan": strict JSON has neither
    return value


def _op_dict(op: Any) -> dict[str, Any]:
    return op.to_dict() if hasattr(op, "to_dict") else dict(vars(op))


def core_memory_summary(per_core: Any, capacity: int) -> dict[str, Any]:
    """Max/mean/min peak bytes over the cores that hold data, and the busiest core."""
    peaks = np.asarray(per_core if per_core is not None else [], dtype=np.float64).ravel()
    used = peaks[peaks > 0]
    if not used.size:
        return {"cores_used": 0, "max_bytes": 0, "mean_bytes": 0, "min_bytes": 0, "max_core": None,
                "max_fraction": 0.0}
    return {
        "cores_used": int(used.size),
        "max_bytes": int(used.max()),
        "mean_bytes": float(used.mean()),
        "min_bytes": int(used.min()),
        "max_core": int(peaks.argmax()),
        "max_fraction": float(used.max() / capacity) if capacity else 0.0,
    }


def build_report(program: Program, sim: Any) -> dict[str, Any]:
    """The report of one simulated run of `program` (`check` is added later if requested)."""
    target = program.target
    plan = program.plan_summary()
    links = getattr(sim, "links", None)
    return _plain({
        "model": program.loaded.name,
        "target": target.name,
        "cores": target.cores,
        "strategy": program.strategy,
        "latency_cycles": float(sim.latency_cycles),
        "latency_ms": target.cycles_to_ms(sim.latency_cycles),
        "import_seconds": program.loaded.import_seconds,
        "compile_seconds": float(program.compiled.compile_seconds),
        "simulate_seconds": float(sim.simulate_seconds),
        "peak_scratchpad_bytes": int(sim.peak_scratchpad_bytes),
        "scratchpad_bytes": int(target.scratchpad_bytes),
        "core_memory": core_memory_summary(getattr(sim, "per_core_peak_bytes", None), target.scratchpad_bytes),
        "ops": _with_plans([_op_dict(op) for op in sim.ops], plan),
        "reconcile": plan["reconcile"],
        "search_seconds": plan["search_seconds"],
        "predicted_cycles": plan["predicted_cycles"],
        "roofline_cycles": plan["roofline_cycles"],
        **({"links": links.summary(target, float(sim.latency_cycles))} if links is not None else {}),
    })


PLAN_KEYS = ("plans_evaluated", "pareto_size", "search_seconds", "roofline_cycles", "roofline_compute_cycles",
             "roofline_link_cycles", "hot_bytes", "cold_bytes")


def _with_plans(ops: list[dict[str, Any]], plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Add each op's planner figures to its simulated row (matched by op name)."""
    by_name = {o["name"]: o for o in plan["ops"]}
    for row in ops:
        entry = by_name.get(row["name"])
        for key in PLAN_KEYS:
            row[key] = entry[key] if entry else None
    return ops


def write_json(report: dict[str, Any], path: str | os.PathLike) -> Path:
    """Write atomically (temp file + rename) so a failure never leaves a truncated report."""
    path = Path(path)
    text = json.dumps(_plain(report), indent=2) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or Path("."))
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# --- rendering -----------------------------------------------------------------------------
def _num(value: Any, digits: int = 0) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    return f"{value:,.{digits}f}"


def _bytes(value: float) -> str:
    for unit, size in (("MiB", 2**20), ("KiB", 2**10)):
        if value >= size:
            return f"{value / size:,.1f} {unit}"
    return f"{value:,.0f} B"


def _ratio(op: dict[str, Any]) -> str:
    predicted, cycles = op.get("predicted_cycles"), op.get("cycles")
    if not isinstance(predicted, (int, float)) or not isinstance(cycles, (int, float)) or predicted <= 0:
        return "-"
    return f"{cycles / predicted:.2f}"


def header(report: dict[str, Any]) -> Text:
    text = Text()
    text.append("tilefabric ", style="bold")
    text.append(f"{report.get('model', '?')}", style="bold cyan")
    text.append(f" on {report['target']}")
    if report.get("cores"):
        text.append(f" ({report['cores']:,} cores)")
    text.append(f", strategy {report['strategy']}\n")
    text.append("latency ")
    ms = report["latency_ms"]  # "nan"/"inf" after _plain, like any non-finite figure
    text.append(f"{_num(report['latency_cycles'])} cycles = {ms if isinstance(ms, str) else f'{ms:.4f}'} ms",
                style="bold green")
    seconds = [f"{label} {report[key]:.2f} s" for label, key in
               (("import", "import_seconds"), ("compile", "compile_seconds"), ("simulate", "simulate_seconds"))
               if isinstance(report.get(key), (int, float))]
    text.append(f"  ({', '.join(seconds)})", style="dim")
    return text


def ops_table(ops: list[dict[str, Any]]) -> Table:
    table = Table(title="per-op plan and cost (cycles)", title_justify="left", expand=False)
    table.add_column("op", overflow="fold")
    table.add_column("kind")
    table.add_column("plan", overflow="fold", max_width=48)
    table.add_column("instruction", overflow="fold", max_width=40)
    for label in ("cycles", "compute", "shift", "sync", "bytes moved", "predicted", "sim/pred"):
        table.add_column(label, justify="right")
    for op in ops:
        waste = op.get("padding_waste")
        instruction = str(op.get("instruction") or "") + (f" ({waste:.0%} pad)" if isinstance(waste, float) and waste else "")
        table.add_row(str(op.get("name", "")), str(op.get("kind", "")), str(op.get("plan", "")), instruction,
                      _num(op.get("cycles")), _num(op.get("compute_cycles")), _num(op.get("shift_cycles")),
                      _num(op.get("sync_cycles")), _bytes(float(op.get("bytes_moved") or 0)),
                      _num(op.get("predicted_cycles")), _ratio(op))
    return table


def memory_text(report: dict[str, Any]) -> Text:
    capacity = report["scratchpad_bytes"]
    mem = report.get("core_memory") or {}
    peak = report["peak_scratchpad_bytes"]
    share = peak / capacity if capacity else 0.0
    style = "red" if share > 0.9 else "yellow" if share > 0.7 else "green"
    text = Text("peak scratchpad per core: ")
    text.append(f"{_bytes(peak)} ({share:.1%} of {_bytes(capacity)})", style=f"bold {style}")
    if mem.get("cores_used"):
        text.append(f"  max on core {mem['max_core']}; over {mem['cores_used']:,} used cores "
                    f"mean {_bytes(mem['mean_bytes'])} ({mem['mean_bytes'] / capacity:.1%}), "
                    f"min {_bytes(mem['min_bytes'])} ({mem['min_bytes'] / capacity:.1%})", style="dim")
    return text


def links_text(links: dict[str, Any]) -> Text:
    """One line of mesh link statistics (the report's `links`)."""
    rows, cols = links["mesh_shape"]
    text = Text(f"links ({links['topology']} {rows}x{cols}): ")
    where = links.get("busiest_link")
    if not where:
        text.append("no traffic", style="dim")
        return text
    text.append(f"busiest {_bytes(links['busiest_link_bytes'])} ({where['direction']} of ({where['row']}, {where['col']})), "
                f"utilisation max {links['max_link_utilisation']:.1%} mean {links['mean_link_utilisation']:.2%}, "
                f"max {links['hops_max']} hops", style="bold")
    text.append(f"  {links['routed_steps']:,} routed steps", style="dim")
    return text


def check_text(check: dict[str, Any]) -> Text:
    passed = check["passed"]
    text = Text("check vs onnxruntime: ")
    text.append("PASS" if passed else "FAIL", style="bold green" if passed else "bold red")
    text.append(f"  max abs err {_err(check['max_abs_err'])}, max rel err {_err(check['max_rel_err'])}"
                f" (tolerance {check['tolerance']:.0e})")
    for out in check.get("outputs", []):
        if len(check.get("outputs", [])) > 1 or out.get("note"):
            mark = "ok" if out["passed"] else "FAIL"
            text.append(f"\n  {out['name']}: abs {_err(out['max_abs_err'])}, rel {_err(out['max_rel_err'])}"
                        f" {mark} {out.get('note', '')}".rstrip(), style=None if out["passed"] else "red")
    return text


def _err(value: Any) -> str:
    return value if isinstance(value, str) else f"{value:.3e}"


def render(report: dict[str, Any]) -> Group:
    """Header, per-op table, per-core memory, mesh links and the check (if present), as one renderable."""
    parts: list[Any] = [header(report), ops_table(report.get("ops", [])), memory_text(report)]
    if report.get("links") is not None:
        parts.append(links_text(report["links"]))
    if report.get("check") is not None:
        parts.append(check_text(report["check"]))
    return Group(*parts)


def print_report(report: dict[str, Any], console: Console | None = None) -> None:
    (console or Console()).print(render(report))
