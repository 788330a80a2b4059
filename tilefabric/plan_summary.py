"""What the planner chose, read back from the rtensor IR: per-op plan (F_op, temporal parts,
ring nesting), hot/cold bytes, predicted and roofline cycles, search statistics. Used by
`tilefabric plan` and added to every run report, so both show the same numbers."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from tilefabric.dialects.rtensor import ComputeOp, FusedOp


def _attr(op, key: str, default=None):
    a = op.attributes.get(key)
    if a is None:
        return default
    value = getattr(a, "value", a)
    return getattr(value, "data", value)


def _instruction(op: ComputeOp | FusedOp, target) -> str:
    """The recorded instruction mapping (isa-map) of the op, or of the matmul heading a fused chain."""
    from tilefabric.dialects.isa import INSTRUCTION, MappingAttr

    found = [o for o in ([op] + list(op.walk())) if isinstance(o.attributes.get(INSTRUCTION), MappingAttr)]
    if not found:
        return ""
    mapping = found[0].attributes[INSTRUCTION].mapping()
    try:
        unit = target.unit(mapping.unit)
    except KeyError:
        return mapping.unit
    return mapping.describe(unit.kind, unit.templates[mapping.template].mac)


def _op_entry(op: ComputeOp | FusedOp, target) -> dict[str, Any] | None:
    if "tf.plans_evaluated" not in op.attributes:
        return None  # constant fills: materialised where consumed, not planned
    plan = op.plan
    temporal = [list(row) for row in plan.parts]
    rotation = list(plan.rotating)
    compute_roof = float(_attr(op, "tf.roofline_compute", 0.0))
    link_roof = float(_attr(op, "tf.roofline_link", 0.0))
    return {
        "name": _attr(op, "tf.op", "op"),
        "spatial": list(plan.factors),
        "temporal": temporal,
        "rotation": rotation,
        "pace": [max(temporal[x]) for x in rotation],
        "hot_bytes": float(_attr(op, "tf.hot_bytes", 0.0)),
        "cold_bytes": float(_attr(op, "tf.cold_bytes", 0.0)),
        "predicted_cycles": float(op.predicted_cycles.data) if op.predicted_cycles else 0.0,
        "roofline_cycles": max(compute_roof, link_roof),
        "roofline_compute_cycles": compute_roof,
        "roofline_link_cycles": link_roof,
        "plans_evaluated": int(_attr(op, "tf.plans_evaluated", 0)),
        "pareto_size": int(_attr(op, "tf.pareto_size", 0)),
        "search_seconds": float(_attr(op, "tf.search_seconds", 0.0)),
        "instruction": _instruction(op, target),
    }


def summarize(rtensor_module, target, strategy: str, reconcile: str) -> dict[str, Any]:
    ops = [e for op in rtensor_module.walk() if isinstance(op, (ComputeOp, FusedOp)) and (e := _op_entry(op, target))]
    return {
        "target": target.name,
        "strategy": strategy,
        "reconcile": reconcile,
        "ops": ops,
        "search_seconds": sum(o["search_seconds"] for o in ops),
        "predicted_cycles": sum(o["predicted_cycles"] for o in ops),
        "roofline_cycles": sum(o["roofline_cycles"] for o in ops),
        "plans_evaluated": sum(o["plans_evaluated"] for o in ops),
    }


def _plan_text(o: dict[str, Any]) -> str:
    text = "F=" + "x".join(map(str, o["spatial"]))
    for x in o["rotation"]:
        text += f" ring#{x}=" + "x".join(map(str, o["temporal"][x]))
    return text


def plan_table(summary: dict[str, Any]) -> Table:
    table = Table(title=f"plan on {summary['target']} (strategy {summary['strategy']}, reconcile {summary['reconcile']})",
                  title_justify="left")
    for label in ("op", "plan (F_op, rings)", "instruction", "hot KiB", "cold KiB", "predicted", "roofline", "pred/roof",
                  "plans", "pareto", "search s"):
        table.add_column(label, justify="left" if label in ("op", "plan (F_op, rings)", "instruction") else "right")
    for o in summary["ops"]:
        roof = o["roofline_cycles"]
        table.add_row(o["name"], _plan_text(o), o.get("instruction", ""), f"{o['hot_bytes'] / 1024:,.1f}", f"{o['cold_bytes'] / 1024:,.1f}",
                      f"{o['predicted_cycles']:,.0f}", f"{roof:,.0f}",
                      f"{o['predicted_cycles'] / roof:.2f}" if roof else "-",
                      f"{o['plans_evaluated']:,}", str(o["pareto_size"]), f"{o['search_seconds']:.3f}")
    total, roof = summary["predicted_cycles"], summary["roofline_cycles"]
    table.add_section()
    table.add_row("total", "", "", "", "", f"{total:,.0f}", f"{roof:,.0f}", f"{total / roof:.2f}" if roof else "-",
                  f"{summary['plans_evaluated']:,}", "", f"{summary['search_seconds']:.3f}")
    return table


def print_plan(summary: dict[str, Any], console: Console) -> None:
    console.print(plan_table(summary))
