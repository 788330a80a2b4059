"""`make run`: the showcase. A BERT-base encoder layer (HF BertModel with one layer: embeddings,
one encoder layer, pooler; hidden 768, 12 heads, seq 128, batch 8) on ipu-mk2, compiled with
T10 plans and with the virtual-global-memory baseline, both simulated and checked against
onnxruntime, next to the roofline.

One layer at batch 8 keeps the whole showcase near a minute (69 s measured on a nearly idle
2-core machine, most of it t10's plan search) while every matmul is big enough for the
planners to differ; `tilefabric bench` runs the full zoo.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tilefabric.cli import Phases, guarded, stdout_console

SHAPE = dict(layers=1, hidden=768, heads=12, ffn=3072, seq=128, batch=8)
TOP_OPS = 8


def compare(model_path: Path, target: str, phases: Phases) -> dict[str, Any]:
    """Import once; per strategy compile, simulate and check. Returns the run reports."""
    from tilefabric import api
    from tilefabric.zoo import reference_inputs

    import onnx

    inputs = reference_inputs(onnx.load(str(model_path)), seed=0)
    with phases(f"importing {model_path.name}"):
        loaded = api.load(model_path)
    chip = api.resolve(target)
    reports = {}
    for strategy in ("t10", "vgm"):
        with phases(f"compiling for {chip.name} ({strategy})"):
            program = api.compile_loaded(loaded, chip, strategy)
        with phases.steps(f"simulating ({strategy})") as progress:
            result = program.run(inputs, progress=progress)
        with phases(f"checking {strategy} against onnxruntime"):
            program.check(result)
        reports[strategy] = result.report
    return reports


def summary_table(reports: dict[str, Any]):
    from rich.table import Table

    from tilefabric.bench.records import from_report

    runs = {s: from_report("bert_layer", "BERT-base layer", r["target"], s, r) for s, r in reports.items()}
    t10 = runs["t10"]
    table = Table(title=f"BERT-base encoder layer, batch {SHAPE['batch']}, seq {SHAPE['seq']} on {t10.target} "
                        f"({t10.cores:,} cores)", title_justify="left")
    for col in ("", "latency ms", "cycles", "vs t10", "fraction of roofline", "peak KiB/core", "compile s",
                "simulate s", "check vs onnxruntime"):
        table.add_column(col, justify="left" if col in ("", "check vs onnxruntime") else "right")
    for strategy, r in runs.items():
        check = reports[strategy]["check"]
        table.add_row(strategy, f"{r.latency_ms:.4f}", f"{r.latency_cycles:,.0f}",
                      f"{r.latency_cycles / t10.latency_cycles:.2f}x", f"{r.roofline_fraction:.2f}",
                      f"{r.peak_bytes_per_core / 1024:,.1f}", f"{r.compile_seconds:.1f}", f"{r.simulate_seconds:.1f}",
                      ("PASS" if check["passed"] else "FAIL") + f" (max rel err {check['max_rel_err']:.1e})")
    table.add_row("roofline", f"{t10.roofline_ms:.4f}", f"{t10.roofline_cycles:,.0f}",
                  f"{t10.roofline_cycles / t10.latency_cycles:.2f}x", "1.00", "", "", "", "")
    return table


def ops_table(reports: dict[str, Any]):
    """Where the difference comes from: the ops vgm spends most cycles on, t10 next to it."""
    from rich.table import Table

    t10 = {op["name"]: op for op in reports["t10"]["ops"]}
    vgm = sorted(reports["vgm"]["ops"], key=lambda op: -float(op.get("cycles") or 0))[:TOP_OPS]
    table = Table(title=f"the {TOP_OPS} slowest ops under vgm (cycles)", title_justify="left")
    for col in ("op", "kind", "vgm", "t10", "vgm / t10"):
        table.add_column(col, justify="left" if col in ("op", "kind") else "right", overflow="fold")
    for op in vgm:
        mine = t10.get(op["name"], {})
        a, b = float(op.get("cycles") or 0), float(mine.get("cycles") or 0)
        table.add_row(op["name"], str(op.get("kind", "")), f"{a:,.0f}", f"{b:,.0f}" if mine else "-",
                      f"{a / b:.2f}" if b else "-")
    return table


def showcase(out_dir: Path, target: str) -> int:
    from tilefabric.examples.onnx_models import save
    from tilefabric.report import write_json
    from tilefabric.zoo.bert import bert

    console = stdout_console()
    console.rule(f"[bold]tilefabric showcase: BERT-base encoder layer on {target}, t10 vs vgm vs roofline")
    phases = Phases(console, announce=True)
    with phases(f"building the BERT-base layer (batch {SHAPE['batch']}, seq {SHAPE['seq']})"):
        model = save(bert(**SHAPE), out_dir / "bert_base_layer.onnx")
    reports = compare(model, target, phases)
    console.print(summary_table(reports))
    console.print(ops_table(reports))
    t10, vgm = reports["t10"], reports["vgm"]
    console.print(f"[bold]t10 is {vgm['latency_cycles'] / t10['latency_cycles']:.2f}x faster than vgm[/] "
                  f"(T10 paper: up to 3.3x end to end; see docs/results.md)")
    for strategy, report in reports.items():
        write_json(report, out_dir / f"bert_base_layer_{strategy}.json")
    console.print(f"[dim]reports written to {out_dir}/bert_base_layer_{{t10,vgm}}.json[/]")
    return 0 if all(r["check"]["passed"] for r in reports.values()) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out", help="directory for the model and the reports (default: out)")
    parser.add_argument("--target", default="ipu-mk2", help="preset or .toml (default: ipu-mk2)")
    args = parser.parse_args(argv)
    return guarded(lambda: showcase(Path(args.out), args.target))


if __name__ == "__main__":
    sys.exit(main())
