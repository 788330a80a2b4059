"""Whole-model benchmark: t10 (greedy and MILP reconciliation) vs the vgm baseline, simulated.

For each model: simulated latency of every strategy, its ratio to t10-milp and to the model's
roofline (sum of per-op compute/link bounds), and the predicted total of the chosen plans.
A second table runs the same models on ipu-mk2 variants with smaller scratchpads, where the
shared memory binds and the reconciliation has to trade memory for time.
Run: .venv/bin/python benchmarks/strategies.py [--quick]
"""

from __future__ import annotations

import argparse
import re
import tempfile
from importlib.resources import files
from pathlib import Path

from rich.console import Console
from rich.table import Table

from tilefabric import api
from tilefabric.errors import TileFabricError
from tilefabric.examples import onnx_models as zoo

CONFIGS = (("t10", "milp"), ("t10", "greedy"), ("vgm", "milp"))


def models(quick: bool):
    yield "mlp4 256x1024", zoo.mlp4() if hasattr(zoo, "mlp4") else None
    if hasattr(zoo, "bert_layer"):
        yield ("bert layer b2 s32" if quick else "bert-base layer b8 s128"), (
            zoo.bert_layer(batch=2, seq=32) if quick else zoo.bert_layer())


def small_memory_target(tmp: Path, kib: int) -> str:
    """ipu-mk2 with a smaller scratchpad per core, as a user TOML file."""
    text = (files("tilefabric.target") / "presets" / "ipu-mk2.toml").read_text()
    text = re.sub(r'^name = .*$', f'name = "ipu-mk2-{kib}k"', text, flags=re.M)
    text = re.sub(r'^scratchpad_bytes = .*$', f"scratchpad_bytes = {kib * 1024}", text, flags=re.M)
    path = tmp / f"ipu-mk2-{kib}k.toml"
    path.write_text(text)
    return str(path)


def run(loaded, target: str, strategy: str, reconcile: str):
    program = api.compile_loaded(loaded, target, strategy, (), reconcile)
    result = program.run()
    return program.plan_summary(), result.report


def strategy_table(title: str, rows) -> Table:
    table = Table(title=title, title_justify="left")
    for col in ("model", "target", "strategy", "reconcile", "simulated cycles", "predicted", "vs t10-milp",
                "vs roofline", "peak KiB/core"):
        table.add_column(col, justify="left" if col in ("model", "target", "strategy", "reconcile") else "right")
    for r in rows:
        table.add_row(*r)
    return table


def bench(console: Console, name: str, model, targets: list[str]) -> list[tuple]:
    rows = []
    loaded = api.load(model)
    for target in targets:
        base = None
        for strategy, reconcile in CONFIGS:
            try:
                plan, report = run(loaded, target, strategy, reconcile)
            except TileFabricError as exc:
                rows.append((name, Path(target).stem, strategy, reconcile, f"error: {exc}", "", "", "", ""))
                continue
            cycles = report["latency_cycles"]
            base = cycles if (strategy, reconcile) == ("t10", "milp") else base
            roof = plan["roofline_cycles"]
            rows.append((name, Path(target).stem, strategy, reconcile, f"{cycles:,.0f}", f"{plan['predicted_cycles']:,.0f}",
                         f"{cycles / base:.3f}" if base else "-", f"{cycles / roof:.2f}" if roof else "-",
                         f"{report['peak_scratchpad_bytes'] / 1024:,.1f}"))
            console.log(f"{name} on {Path(target).stem}: {strategy}/{reconcile} {cycles:,.0f} cycles")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller BERT shapes")
    parser.add_argument("--small-kib", type=int, nargs="*", default=[24, 16], help="scratchpad sizes for the pressure table")
    args = parser.parse_args()
    console = Console(width=170)
    rows, pressure = [], []
    with tempfile.TemporaryDirectory() as tmp:
        small = [small_memory_target(Path(tmp), k) for k in args.small_kib]
        for name, model in models(args.quick):
            if model is None:
                continue
            rows += bench(console, name, model, ["ipu-mk2"])
            pressure += bench(console, name, model, small)
    console.print(strategy_table("t10 vs vgm on ipu-mk2 (simulated)", rows))
    console.print(strategy_table("memory pressure: smaller scratchpads (simulated)", pressure))


if __name__ == "__main__":
    main()
