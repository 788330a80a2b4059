"""Result records of a bench and results.json: one record per (model, target, strategy) run,
plus the comparisons derived from them (speedup t10/vgm, fraction of roofline, geometric mean).

The derived figures are always recomputed from the records, so the JSON, the markdown table
and the plots cannot disagree with the latencies they come from.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import platform
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1
OK = "ok"


@dataclass
class RunRecord:
    """One run; the figures stay None unless `status` is "ok"."""

    model: str
    label: str
    target: str
    strategy: str
    status: str = OK  # ok | does not fit | error | timeout
    message: str = ""
    cores: int | None = None
    latency_cycles: float | None = None
    latency_ms: float | None = None
    roofline_cycles: float | None = None
    roofline_ms: float | None = None
    peak_bytes_per_core: int | None = None
    scratchpad_bytes: int | None = None
    import_seconds: float | None = None
    compile_seconds: float | None = None
    simulate_seconds: float | None = None
    wall_seconds: float | None = None
    check_passed: bool | None = None
    max_rel_err: float | None = None

    @property
    def ok(self) -> bool:
        return self.status == OK

    @property
    def roofline_fraction(self) -> float | None:
        """Roofline / achieved latency: 1.0 would be a perfect plan."""
        if not self.ok or not self.latency_cycles or self.roofline_cycles is None:
            return None
        return self.roofline_cycles / self.latency_cycles

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["roofline_fraction"] = self.roofline_fraction
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunRecord:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


def from_report(model: str, label: str, target: str, strategy: str, report: dict[str, Any]) -> RunRecord:
    """The bench's figures out of a run report (tilefabric.report.build_report)."""
    cycles = float(report["latency_cycles"])
    ms_per_cycle = float(report["latency_ms"]) / cycles if cycles else 0.0
    roof = report.get("roofline_cycles")
    check = report.get("check") or {}
    err = check.get("max_rel_err")
    return RunRecord(
        model=model, label=label, target=target, strategy=strategy, cores=int(report["cores"]),
        latency_cycles=cycles, latency_ms=float(report["latency_ms"]),
        roofline_cycles=float(roof) if isinstance(roof, (int, float)) else None,
        roofline_ms=float(roof) * ms_per_cycle if isinstance(roof, (int, float)) else None,
        peak_bytes_per_core=int(report["peak_scratchpad_bytes"]), scratchpad_bytes=int(report["scratchpad_bytes"]),
        import_seconds=report.get("import_seconds"), compile_seconds=float(report["compile_seconds"]),
        simulate_seconds=float(report["simulate_seconds"]),
        check_passed=check.get("passed") if check else None,
        max_rel_err=float(err) if isinstance(err, (int, float)) else None)


@dataclass
class Comparison:
    """t10 against vgm for one model on one target."""

    model: str
    label: str
    target: str
    t10: RunRecord | None
    vgm: RunRecord | None

    @property
    def speedup(self) -> float | None:
        """vgm latency / t10 latency (> 1: T10 is faster)."""
        if self.t10 and self.vgm and self.t10.ok and self.vgm.ok and self.t10.latency_cycles:
            return self.vgm.latency_cycles / self.t10.latency_cycles
        return None


@dataclass
class Results:
    runs: list[RunRecord]
    meta: dict[str, Any] = field(default_factory=dict)

    def find(self, model: str, target: str, strategy: str) -> RunRecord | None:
        return next((r for r in self.runs if (r.model, r.target, r.strategy) == (model, target, strategy)), None)

    def comparisons(self) -> list[Comparison]:
        """One per (model, comparison target), in run order."""
        targets = self.meta.get("targets") or sorted({r.target for r in self.runs})
        seen, out = set(), []
        for r in self.runs:
            if r.target in targets and (r.model, r.target) not in seen:
                seen.add((r.model, r.target))
                out.append(Comparison(r.model, r.label, r.target, self.find(r.model, r.target, "t10"),
                                      self.find(r.model, r.target, "vgm")))
        return out

    def geomean_speedup(self, target: str) -> float | None:
        values = [c.speedup for c in self.comparisons() if c.target == target and c.speedup]
        return geomean(values)

    def scaling(self) -> dict[str, list[RunRecord]]:
        """t10 runs of the models run on more than one core count, by model, sorted by cores."""
        by_model: dict[str, list[RunRecord]] = {}
        for r in self.runs:
            if r.strategy == "t10" and r.target in self.meta.get("scaling_targets", ()):
                by_model.setdefault(r.model, []).append(r)
        return {m: sorted(rs, key=lambda r: r.cores or 0) for m, rs in by_model.items()
                if len({r.target for r in rs}) > 1}

    def to_dict(self) -> dict[str, Any]:
        comparisons = [{"model": c.model, "label": c.label, "target": c.target, "speedup": c.speedup,
                        "t10_roofline_fraction": c.t10.roofline_fraction if c.t10 else None,
                        "vgm_roofline_fraction": c.vgm.roofline_fraction if c.vgm else None}
                       for c in self.comparisons()]
        geo = {t: self.geomean_speedup(t) for t in self.meta.get("targets", [])}
        return {"schema": SCHEMA_VERSION, "meta": self.meta, "runs": [r.to_dict() for r in self.runs],
                "comparisons": comparisons, "geomean_speedup": geo}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Results:
        return cls([RunRecord.from_dict(r) for r in data["runs"]], dict(data.get("meta", {})))


def geomean(values: list[float]) -> float | None:
    values = [v for v in values if v and v > 0 and math.isfinite(v)]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def git_commit(path: str | os.PathLike | None = None) -> str:
    """The checkout's HEAD (with "-dirty" for uncommitted changes), or "unknown" outside git."""
    where = Path(path or Path(__file__).resolve().parent)
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=where,
                               capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    if head.returncode:
        return "unknown"
    return head.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def machine() -> dict[str, Any]:
    return {"host_cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}


def write_results(results: Results, path: str | os.PathLike) -> Path:
    from tilefabric.report import write_json

    return write_json(results.to_dict(), path)


def read_results(path: str | os.PathLike) -> Results:
    return Results.from_dict(json.loads(Path(path).read_text()))
