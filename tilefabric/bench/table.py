"""results.md: the bench as markdown tables (t10 vs vgm vs roofline per model, scaling),
with failed runs kept as rows whose cells say why ("does not fit", "timeout", "error") and
the full messages as numbered notes under the table."""

from __future__ import annotations

from collections.abc import Sequence

from tilefabric.bench.records import Comparison, Results, RunRecord, geomean

COLUMNS = ("model", "t10 ms", "vgm ms", "speedup t10/vgm", "roofline ms", "fraction of roofline t10",
           "fraction of roofline vgm", "peak KiB/core t10", "peak KiB/core vgm", "compile s t10", "compile s vgm",
           "simulate s t10", "simulate s vgm", "check t10 / vgm")
SCALING_COLUMNS = ("model", "target", "cores", "latency ms", "compile s", "simulate s", "peak KiB/core")


def _f(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _ms(value: float | None) -> str:
    """4 significant digits: full models take ms, the quick set's tiny ones µs."""
    return "-" if value is None else f"{value:.4g}"


class Notes:
    """Numbered explanations of failed runs, referenced from the cells."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def cell(self, record: RunRecord | None) -> str:
        if record is None:
            return "not run"
        self.lines.append(f"{record.label}, {record.strategy} on {record.target}: {record.status}: "
                          f"{record.message or 'no message'}")
        return f"{record.status} [{len(self.lines)}]"


def _fraction(record: RunRecord | None, notes: Notes) -> str:
    """A fraction above 1 means the reported roofline is not a lower bound for this model:
    shown, marked and explained rather than silently averaged."""
    value = record.roofline_fraction if record and record.ok else None
    if value is None or value <= 1.0:
        return _f(value, 2)
    notes.lines.append(f"{record.label}, {record.strategy}: the roofline ({record.roofline_cycles:,.0f} cycles) "
                       f"exceeds the simulated latency ({record.latency_cycles:,.0f}): not a lower bound here, "
                       "left out of the geometric mean")
    return f"{value:.2f} (!) [{len(notes.lines)}]"


def _valid_fraction(record: RunRecord | None) -> float | None:
    value = record.roofline_fraction if record else None
    return value if value is not None and value <= 1.0 else None


def _check(record: RunRecord | None) -> str:
    if record is None or not record.ok or record.check_passed is None:
        return "-"
    return ("PASS" if record.check_passed else "FAIL") + (f" ({record.max_rel_err:.0e})"
                                                          if record.max_rel_err is not None else "")


def _pair(c: Comparison, fn, digits: int) -> list[str]:
    return [_f(fn(r), digits) if r and r.ok else "-" for r in (c.t10, c.vgm)]


def comparison_rows(results: Results, target: str, notes: Notes) -> list[list[str]]:
    rows = []
    for c in (c for c in results.comparisons() if c.target == target):
        latency = [_ms(r.latency_ms) if r and r.ok else notes.cell(r) for r in (c.t10, c.vgm)]
        roof = next((r.roofline_ms for r in (c.t10, c.vgm) if r and r.ok and r.roofline_ms is not None), None)
        rows.append([c.label, *latency, _f(c.speedup, 2) + ("x" if c.speedup else ""), _ms(roof),
                     _fraction(c.t10, notes), _fraction(c.vgm, notes),
                     *_pair(c, lambda r: r.peak_bytes_per_core / 1024, 1),
                     *_pair(c, lambda r: r.compile_seconds, 1), *_pair(c, lambda r: r.simulate_seconds, 1),
                     f"{_check(c.t10)} / {_check(c.vgm)}"])
    return rows


def geomean_row(results: Results, target: str) -> list[str]:
    comps = [c for c in results.comparisons() if c.target == target]
    speed = results.geomean_speedup(target)
    fractions = [geomean([_valid_fraction(getattr(c, s)) for c in comps if _valid_fraction(getattr(c, s))])
                 for s in ("t10", "vgm")]
    both = sum(1 for c in comps if c.speedup)
    return [f"**geometric mean** ({both} of {len(comps)} models ran both)", "", "",
            f"**{_f(speed, 2)}x**" if speed else "-", "", *(_f(f, 2) for f in fractions), *[""] * 7]


def scaling_rows(results: Results, notes: Notes) -> list[list[str]]:
    rows = []
    for runs in results.scaling().values():
        for r in runs:
            cells = [_ms(r.latency_ms), _f(r.compile_seconds, 1), _f(r.simulate_seconds, 1),
                     _f((r.peak_bytes_per_core or 0) / 1024, 1)] if r.ok else [notes.cell(r), "-", "-", "-"]
            rows.append([r.label, r.target, f"{r.cores:,}" if r.cores else "-", *cells])
    return rows


def _md(columns: Sequence[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    return lines + ["| " + " | ".join(cells) + " |" for cells in rows]


def markdown(results: Results, plots: Sequence[str] = ()) -> str:
    meta = results.meta
    lines = ["# tilefabric bench results", "",
             f"commit `{meta.get('commit', 'unknown')}`, started {meta.get('started', '?')}, "
             f"{'quick' if meta.get('quick') else 'full'} set, {_f(meta.get('bench_seconds'), 0)} s on "
             f"{meta.get('host_cpus', '?')} host CPUs. Latencies are simulated; compile/simulate seconds are wall "
             "time of this machine.", "",
             "speedup t10/vgm = vgm latency / t10 latency; fraction of roofline = roofline latency / achieved "
             "latency (1.0 = at the roofline); peak KiB/core = peak scratchpad of the busiest core.", ""]
    for target in meta.get("targets", []):
        notes = Notes()
        rows = comparison_rows(results, target, notes)
        lines += [f"## t10 vs vgm vs roofline on {target}", "", *_md(COLUMNS, rows + [geomean_row(results, target)]), ""]
        lines += [f"[{i}] {text}" for i, text in enumerate(notes.lines, 1)] + ([""] if notes.lines else [])
    notes = Notes()
    scaling = scaling_rows(results, notes)
    if scaling:
        lines += ["## compile and simulate time over chip size (t10)", "",
                  f"{meta.get('scaling_note', '')}; ipu-pod4 = 4 ipu-mk2 chips (5,888 tiles).", "",
                  *_md(SCALING_COLUMNS, scaling), ""]
        lines += [f"[{i}] {text}" for i, text in enumerate(notes.lines, 1)] + ([""] if notes.lines else [])
    if plots:
        lines += ["## plots", "", *(f"![{p}]({p})" for p in plots), ""]
    return "\n".join(lines)


def rich_tables(results: Results) -> list:
    """The same rows for the terminal (what `tilefabric bench` prints after the run)."""
    from rich.table import Table

    out = []
    for target in results.meta.get("targets", []):
        notes = Notes()
        table = Table(title=f"t10 vs vgm vs roofline on {target}", title_justify="left")
        for col in COLUMNS:
            table.add_column(col, justify="left" if col == "model" else "right", overflow="fold")
        for row in comparison_rows(results, target, notes) + [geomean_row(results, target)]:
            table.add_row(*(cell.replace("**", "") for cell in row))
        out.append(table)
        out.extend(f"[{i}] {text}" for i, text in enumerate(notes.lines, 1))
    return out
