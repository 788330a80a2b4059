"""`make run`: the showcase. Builds the bundled two-layer MLP, compiles it for IPU-MK2,
simulates it, checks it against onnxruntime and prints the report.

Equivalent to `tilefabric run out/mlp.onnx --target ipu-mk2 --check --report out/mlp_report.json`;
it goes through the same code path as the CLI so the demo cannot drift from it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


from tilefabric.cli import Phases, RunOptions, guarded, run_model, stdout_console

SHAPE = dict(batch=256, d_in=1024, d_hidden=1024, d_out=1024)


def build_model(out_dir: Path, phases: Phases) -> Path:
    """Write the MLP under `out_dir` (git-ignored `out/` by default) and return its path."""
    from tilefabric.examples import onnx_models

    with phases("building the MLP " + "x".join(str(v) for v in SHAPE.values())):
        return onnx_models.save(onnx_models.mlp(**SHAPE), out_dir / "mlp.onnx")


def demo(out_dir: Path, target: str) -> int:
    console = stdout_console()
    console.rule("[bold]tilefabric demo: MLP on " + target)
    phases = Phases(console, announce=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    model = build_model(out_dir, phases)
    report = out_dir / "mlp_report.json"
    code = run_model(RunOptions(model=str(model), target=target, check=True, report=str(report)), console, phases)
    console.print(f"[dim]report written to {report}[/]")
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out", help="directory for mlp.onnx and the report (default: out)")
    parser.add_argument("--target", default="ipu-mk2", help="preset or .toml (default: ipu-mk2)")
    args = parser.parse_args(argv)
    return guarded(lambda: demo(Path(args.out), args.target))


if __name__ == "__main__":
    sys.exit(main())
