"""`tilefabric` command line: run / plan / compile / bench / targets.

Contract: a user-facing problem (TileFabricError, unreadable/unwritable path, Ctrl-C) prints
exactly one line `error: ...` on stderr and exits 2; a failed `--check` exits 1; a bug exits 3
with a one-line hint (TILEFABRIC_DEBUG=1 shows the traceback). User input files are only read.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tilefabric.errors import TileFabricError

if TYPE_CHECKING:
    import numpy as np
    from rich.console import Console
    from rich.table import Table

# numpy, rich and the compiler are imported inside the functions, i.e. under `guarded`, so
# even a Ctrl-C during start-up imports gets the one-line treatment.
IR_LEVELS = ("linalg", "rtensor", "dataflow")  # = tilefabric.api.IR_LEVELS

EXIT_OK, EXIT_CHECK_FAILED, EXIT_ERROR, EXIT_INTERNAL = 0, 1, 2, 3
DEBUG_ENV = "TILEFABRIC_DEBUG"


# --- argument parsing ----------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    """argparse prints usage plus a message and exits; we want the one-line error contract."""

    def error(self, message: str):  # type: ignore[override]
        raise TileFabricError(f"{message} (see '{self.prog} --help')")


def _add_compile_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", metavar="MODEL", help="an .onnx model (or .mlir linalg module)")
    p.add_argument("--target", default="ipu-mk2", metavar="NAME|FILE.toml",
                   help="preset name or target TOML file (default: ipu-mk2)")
    p.add_argument("--strategy", default="t10", metavar="NAME",
                   help="planning strategy: t10, or vgm (virtual global memory baseline) (default: t10)")
    p.add_argument("--reconcile", default="milp", metavar="METHOD",
                   help="whole-model plan choice under the shared scratchpad: greedy or milp (default: milp)")
    p.add_argument("--isa-search", default="exhaustive", metavar="STRATEGY",
                   help="instruction-mapping search: exhaustive, greedy or ranked (default: exhaustive)")
    p.add_argument("--pipeline", default=None, choices=("auto", "none", "chunks", "organised"), metavar="MODE",
                   help="inter-operator pipelining (pipeline-ops): auto, none, chunks or organised "
                        "(default: auto on targets with a global buffer, else none)")
    p.add_argument("--placement", default="auto", choices=("auto", "row-major", "ring"), metavar="STRATEGY",
                   help="place-cores on mesh / torus targets: auto, row-major or ring (default: auto)")
    p.add_argument("--no-hop-aware", dest="hop_aware", action="store_false",
                   help="plan as if every core were one hop away (the topology-oblivious baseline on "
                        "mesh / torus targets; with --placement row-major)")
    p.add_argument("--disable", action="append", default=[], metavar="PASS",
                   help="skip an optional pass (repeatable)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="tilefabric", description="Compile ONNX models onto many-core AI chips and simulate them.")
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = sub.add_parser("run", help="compile, simulate and report one model")
    _add_compile_options(run)
    run.add_argument("--inputs", metavar="FILE.npz", help="input arrays by name (missing ones are random)")
    run.add_argument("--seed", type=int, default=0, help="seed for generated inputs (default: 0)")
    run.add_argument("--check", action="store_true", help="compare with onnxruntime; exit 1 on mismatch")
    run.add_argument("--strict", action="store_true",
                     help="simulate in checking mode: a read of never-written data is an error naming the op "
                          "(also on when TILEFABRIC_STRICT=1)")
    run.add_argument("--save-outputs", metavar="FILE.npz", help="write outputs by name")
    run.add_argument("--report", metavar="FILE.json", help="write the report as JSON")
    run.add_argument("--trace", metavar="FILE.json",
                     help="write the simulated timeline as Chrome/Perfetto trace events (ui.perfetto.dev)")
    run.add_argument("--plots", metavar="DIR",
                     help="write PNG plots (per-op time, per-core peak memory, mesh link use) into DIR")
    run.set_defaults(func=cmd_run)

    bench = sub.add_parser("bench", help="run the model zoo with t10 and vgm against the roofline; "
                                         "write results.json, results.md and plots")
    bench.add_argument("--quick", action="store_true", help="the small zoo (minutes, for CI) instead of the full one")
    bench.add_argument("--models", nargs="+", default=[], metavar="NAME",
                       help="only these models (a key such as bert_base_b8, or a family such as bert_base)")
    bench.add_argument("--targets", nargs="+", default=["ipu-mk2"], metavar="NAME",
                       help="targets of the t10-vs-vgm comparison (default: ipu-mk2)")
    bench.add_argument("--out", default="bench", metavar="DIR", help="output directory (default: bench)")
    bench.add_argument("--timeout", type=float, default=1800.0, metavar="SECONDS",
                       help="stop a run that takes longer and record it as a timeout (default: 1800)")
    bench.add_argument("--budget", type=float, metavar="SECONDS",
                       help="time for the whole bench: when used up, the run in progress stops and the rest are "
                            "recorded as not run (default: no limit)")
    bench.add_argument("--no-check", action="store_true", help="skip the onnxruntime check of every run")
    bench.add_argument("--no-scaling", action="store_true", help="skip the runs on 368 and 5,888 cores")
    bench.set_defaults(func=cmd_bench)

    plan = sub.add_parser("plan", help="plan a model and print each op's plan, search statistics and roofline")
    _add_compile_options(plan)
    plan.add_argument("--report", metavar="FILE.json", help="write the plan report as JSON")
    plan.set_defaults(func=cmd_plan)

    comp = sub.add_parser("compile", help="print or write the IR at one level")
    _add_compile_options(comp)
    comp.add_argument("--emit", choices=IR_LEVELS, default="dataflow", help="IR level (default: dataflow)")
    comp.add_argument("-o", "--output", metavar="OUT.mlir", help="write the IR here instead of stdout")
    comp.add_argument("--weights", metavar="OUT.npz", help="also write the side weights file")
    comp.set_defaults(func=cmd_compile)

    targets = sub.add_parser("targets", help="list the target presets")
    targets.set_defaults(func=cmd_targets)
    return parser


class _VersionAction(argparse.Action):
    """Looks the version up only when asked (package metadata scans are slow)."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("tilefabric")
        except PackageNotFoundError:
            found = "unknown"
        print(f"{parser.prog} {found}")
        parser.exit()


# --- files ---------------------------------------------------------------------------------
def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_output_path(path: str | os.PathLike, what: str, inputs: Sequence[str | os.PathLike] = ()) -> Path:
    """Fail before the slow work if `path` cannot be written or would clobber an input file."""
    out = Path(path)
    parent = out.parent
    if not parent.is_dir():
        raise TileFabricError(f"cannot write {what} '{out}': directory '{parent}' does not exist")
    if out.is_dir():
        raise TileFabricError(f"cannot write {what} '{out}': it is a directory")
    if not os.access(parent, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise TileFabricError(f"cannot write {what} '{out}': permission denied")
    for source in inputs:
        if _same_file(out, Path(source)):
            raise TileFabricError(f"refusing to overwrite input file '{source}' with the {what}")
    return out


def check_output_dir(path: str | os.PathLike, what: str, names: Sequence[str],
                     inputs: Sequence[str | os.PathLike] = ()) -> Path:
    """Fail before the slow work if directory `path` (created later if missing, under an
    existing parent) cannot receive the files `names`, or they would clobber an input file."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise TileFabricError(f"cannot write {what} into '{out}': it is not a directory")
    if not out.exists():
        parent = out.parent
        if not parent.is_dir():
            raise TileFabricError(f"cannot create {what} directory '{out}': directory '{parent}' does not exist")
        if not os.access(parent, os.W_OK):
            raise TileFabricError(f"cannot create {what} directory '{out}': permission denied")
        return out
    if not os.access(out, os.W_OK | os.X_OK):
        raise TileFabricError(f"cannot write {what} into '{out}': permission denied")
    for name in names:
        check_output_path(out / name, what, inputs)
    return out


@contextlib.contextmanager
def _atomic(path: Path, mode: str = "w") -> Iterator[Any]:
    """A temp file next to `path`, renamed over it only once fully written."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, mode) as f:
            yield f
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    with _atomic(path) as f:
        f.write(text)


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    import numpy as np

    with _atomic(path, "wb") as f:  # a file object keeps numpy from appending ".npz"
        np.savez(f, **arrays)


def load_inputs(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read an .npz of named arrays without pickle (never runs code from the file)."""
    import numpy as np

    p = Path(path)
    if not p.is_file():
        raise TileFabricError("inputs file not found", str(p))
    with open(p, "rb") as f:
        if f.read(4) != b"PK\x03\x04":  # an .npz is a zip archive
            raise TileFabricError("inputs must be an .npz archive of arrays keyed by input name", str(p))
    try:
        with np.load(p, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise TileFabricError(f"cannot read inputs: {_first_line(exc)}", str(p)) from None


def _first_line(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return lines[0] if lines else type(exc).__name__


# --- phases --------------------------------------------------------------------------------
@dataclass
class Phases:
    """Spinner per phase on stderr (a terminal only); optionally a done-line with the time."""

    console: Console
    announce: bool = False  # the demo prints "✓ phase (1.2 s)"; the CLI keeps stderr clean
    timings: dict[str, float] = field(default_factory=dict)

    @contextlib.contextmanager
    def __call__(self, label: str) -> Iterator[None]:
        start = time.perf_counter()
        with self.console.status(f"{label}…"):
            yield
        self.timings[label] = elapsed = time.perf_counter() - start
        if self.announce:
            self.console.print(f"[green]✓[/] {label} [dim]({elapsed:.2f} s)[/]")

    @contextlib.contextmanager
    def steps(self, label: str) -> Iterator[Callable[[int], Callable[[], None]] | None]:
        """Like `__call__`, but on a terminal a progress bar: yields `start(total)`, which
        returns the function to call after each step (the simulator's `progress`). Not on a
        terminal it yields None and prints nothing."""
        if not self.console.is_terminal:
            with self(label):
                yield None
            return
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)

        start = time.perf_counter()
        bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                       TextColumn("steps"), TimeElapsedColumn(), TimeRemainingColumn(),
                       console=self.console, transient=True)
        task = bar.add_task(f"{label}…", total=None)

        def begin(total: int) -> Callable[[], None]:
            bar.update(task, total=total)
            return lambda: bar.advance(task)

        with bar:
            yield begin
        self.timings[label] = elapsed = time.perf_counter() - start
        if self.announce:
            self.console.print(f"[green]✓[/] {label} [dim]({elapsed:.2f} s)[/]")


def stdout_console() -> Console:
    """Wide output when piped, so the per-op table does not wrap at 80 columns in logs."""
    from rich.console import Console

    wide = not sys.stdout.isatty() and "COLUMNS" not in os.environ
    return Console(width=160 if wide else None)


def stderr_phases() -> Phases:
    """Spinners on stderr: stdout stays the report (or the IR) only."""
    from rich.console import Console

    return Phases(Console(stderr=True))


# --- commands ------------------------------------------------------------------------------
@dataclass
class RunOptions:
    model: str
    target: str = "ipu-mk2"
    strategy: str = "t10"
    disabled: Sequence[str] = ()
    reconcile: str = "milp"
    isa: str = "exhaustive"
    pipeline: str | None = None  # pipeline-ops mode (None: the target's default)
    placement: str = "auto"  # place-cores strategy (mesh / torus)
    hop_aware: bool = True  # planner prices mesh communication as placed
    inputs: str | None = None
    seed: int = 0
    check: bool = False
    save_outputs: str | None = None
    report: str | None = None
    trace: str | None = None
    plots: str | None = None
    strict: bool = False


def _target_files(target: str) -> list[str]:
    """The target file `target` names, if any: the rule `resolve_target` reads a file by
    (a `.toml` suffix or a '/'), so an output can never overwrite it."""
    return [target] if target.endswith(".toml") or "/" in target else []


def _input_files(opts: RunOptions) -> list[str]:
    files = [opts.model, opts.inputs, *_target_files(opts.target)]
    return [f for f in files if f]


def run_model(opts: RunOptions, out: Console, phases: Phases) -> int:
    """The whole `run` command: validate cheaply first, then import, compile, simulate, check."""
    from tilefabric import api

    sources = _input_files(opts)
    report_path = check_output_path(opts.report, "report", sources) if opts.report else None
    outputs_path = check_output_path(opts.save_outputs, "outputs", sources) if opts.save_outputs else None
    trace_path = check_output_path(opts.trace, "trace", sources) if opts.trace else None
    plots_dir = None
    if opts.plots:
        from tilefabric.runtime_sim.plots import PLOT_NAMES

        plots_dir = check_output_dir(opts.plots, "plots", PLOT_NAMES, sources)
    if opts.check and api.is_mlir_path(opts.model):
        raise TileFabricError("--check needs an ONNX model as reference; an .mlir model has none", opts.model)
    chip = api.resolve(opts.target)
    given = load_inputs(opts.inputs) if opts.inputs else None
    with phases(f"importing {Path(opts.model).name}"):
        loaded = api.load(opts.model)
    given = api.validate_inputs(loaded.imported, given)  # bad inputs fail before compiling
    with phases(f"compiling for {chip.name} ({opts.strategy})"):
        program = api.compile_loaded(loaded, chip, opts.strategy, opts.disabled, opts.reconcile, isa=opts.isa,
                                     pipeline=opts.pipeline, placement=opts.placement, hop_aware=opts.hop_aware)
    inputs = api.prepare_inputs(loaded.imported, given, opts.seed)  # generated once the model fits
    with phases.steps("simulating") as progress:
        result = program.run(inputs, opts.seed, trace=bool(trace_path or plots_dir), progress=progress,
                             strict=opts.strict)
    if opts.check:
        with phases("checking against onnxruntime"):
            program.check(result)
    from tilefabric.report import print_report, write_json

    print_report(result.report, out)
    if trace_path or plots_dir:
        _write_visuals(result, program, trace_path, plots_dir, out)
    if report_path:
        write_json(result.report, report_path)
    if outputs_path:
        write_npz(outputs_path, result.outputs)
    if result.check is not None and not result.check.passed:
        print(f"error: outputs differ from onnxruntime (max rel err {result.check.max_rel_err:.3e} "
              f"> {result.check.tolerance:.0e})", file=sys.stderr)
        return EXIT_CHECK_FAILED
    return EXIT_OK


def _write_visuals(result: Any, program: Any, trace_path: Path | None, plots_dir: Path | None,
                   out: Console) -> None:
    """The --trace file and the --plots PNGs; their paths go into the report (and --report)."""
    report = result.report
    timeline = result.timeline
    if trace_path:
        from tilefabric.runtime_sim.trace import chrome_trace, core_groups, write_trace

        title = f"{report.get('model', 'model')} on {program.target.name} ({program.strategy})"
        write_trace(trace_path, chrome_trace(timeline, program.target, title))
        tracks = len(core_groups(timeline.cores, timeline.total_cores)[1])
        report["trace_file"] = str(trace_path)
        out.print(f"trace: {trace_path} ({len(timeline):,} slices on {tracks} tracks; open in ui.perfetto.dev)",
                  markup=False, highlight=False, soft_wrap=True)
    if plots_dir:
        from tilefabric.runtime_sim.plots import write_plots

        done = write_plots(plots_dir, report, result.sim.per_core_peak_bytes, program.target,
                           getattr(result.sim, "links", None))
        report["plot_files"] = [str(p) for p in done.files]
        report["plots_skipped"] = dict(done.skipped)
        out.print(f"plots: {', '.join(str(p) for p in done.files)}", markup=False, highlight=False, soft_wrap=True)
        for name, why in done.skipped.items():
            out.print(f"no {name}: {why} (the link plot needs a mesh or torus target)", markup=False,
                      highlight=False, soft_wrap=True)


def cmd_run(args: argparse.Namespace) -> int:
    opts = RunOptions(model=args.model, target=args.target, strategy=args.strategy, disabled=tuple(args.disable),
                      reconcile=args.reconcile, isa=args.isa_search, pipeline=args.pipeline,
                      placement=args.placement, hop_aware=args.hop_aware,
                      inputs=args.inputs, seed=args.seed, check=args.check, save_outputs=args.save_outputs,
                      report=args.report, trace=args.trace, plots=args.plots, strict=args.strict)
    return run_model(opts, stdout_console(), stderr_phases())


def cmd_bench(args: argparse.Namespace) -> int:
    from tilefabric.bench.runner import BenchOptions, run_bench
    from tilefabric.bench.table import rich_tables

    opts = BenchOptions(quick=args.quick, models=tuple(args.models), targets=tuple(args.targets), out=args.out,
                        timeout=args.timeout, budget=args.budget, check=not args.no_check, scaling=not args.no_scaling)
    results, files = run_bench(opts)
    out = stdout_console()
    for part in rich_tables(results):
        out.print(part, markup=False, highlight=False) if isinstance(part, str) else out.print(part)
    out.print(f"wrote {', '.join(str(f) for f in files)}", markup=False, highlight=False, soft_wrap=True)
    return EXIT_OK


def cmd_compile(args: argparse.Namespace) -> int:
    import numpy as np

    from tilefabric import api

    sources = [args.model, *_target_files(args.target)]
    output = check_output_path(args.output, "IR", sources) if args.output else None
    weights = check_output_path(args.weights, "weights", sources) if args.weights else None
    chip = api.resolve(args.target)
    phases = stderr_phases()
    with phases(f"importing {Path(args.model).name}"):
        loaded = api.load(args.model)
    with phases(f"compiling for {chip.name}"):
        program = api.compile_loaded(loaded, chip, args.strategy, tuple(args.disable), args.reconcile, stop_after=args.emit,
                                     isa=args.isa_search, pipeline=args.pipeline, placement=args.placement,
                                     hop_aware=args.hop_aware)
    text = program.ir(args.emit)
    text = text if text.endswith("\n") else text + "\n"
    if output:
        write_text(output, text)
    else:
        sys.stdout.write(text)
    if weights:
        with _atomic(weights, "wb") as f:
            np.savez(f, **program.imported.weights)
    return EXIT_OK


def cmd_plan(args: argparse.Namespace) -> int:
    from tilefabric import api
    from tilefabric.plan_summary import print_plan
    from tilefabric.report import write_json

    sources = [args.model, *_target_files(args.target)]
    report = check_output_path(args.report, "report", sources) if args.report else None
    chip = api.resolve(args.target)
    phases = stderr_phases()
    with phases(f"importing {Path(args.model).name}"):
        loaded = api.load(args.model)
    with phases(f"planning for {chip.name} ({args.strategy}, {args.reconcile})"):
        program = api.compile_loaded(loaded, chip, args.strategy, tuple(args.disable), args.reconcile, isa=args.isa_search,
                                     pipeline=args.pipeline, placement=args.placement, hop_aware=args.hop_aware)
    summary = program.plan_summary()
    print_plan(summary, stdout_console())
    if report:
        write_json(summary, report)
    return EXIT_OK


def targets_table() -> Table:
    """One row per preset; peak fp16 TFLOPS = cores × matmul fp16 FLOP/cycle × clock."""
    from rich.table import Table

    from tilefabric.target import preset_names, resolve_target

    table = Table(title="target presets", title_justify="left")
    for label, justify in (("name", "left"), ("cores", "right"), ("topology", "left"),
                           ("scratchpad KiB", "right"), ("link B/cycle", "right"),
                           ("clock GHz", "right"), ("peak fp16 TFLOPS", "right"), ("compute units", "left")):
        table.add_column(label, justify=justify)
    for name in preset_names():
        t = resolve_target(name)
        topology = t.topology + (f" {t.mesh_shape[0]}x{t.mesh_shape[1]}" if t.mesh_shape else "")
        if t.chips > 1:
            topology += f", {t.chips} chips"
        if t.express_stride:
            topology += f", express links every {t.express_stride}"
        if t.has_global_buffer:
            topology += f", {t.global_buffer_bytes / 2**20:g} MiB global buffer"
        tflops = t.cores * t.matmul.peak_flops_per_cycle("f16") * t.clock_hz / 1e12
        table.add_row(name, f"{t.cores:,}", topology, f"{t.scratchpad_bytes / 1024:,.0f}",
                      f"{t.link_bytes_per_cycle:.2f}", f"{t.clock_hz / 1e9:.3f}", f"{tflops:,.1f}",
                      ", ".join(f"{u.unit} ({u.kind})" for u in t.units))
    return table


def cmd_targets(args: argparse.Namespace) -> int:
    stdout_console().print(targets_table())
    return EXIT_OK


# --- error contract ------------------------------------------------------------------------
def _one_line(message: str) -> str:
    return " ".join(message.split()) or "unknown error"


def _os_message(exc: OSError) -> str:
    if exc.filename is not None:
        return f"{exc.filename}: {exc.strerror or _first_line(exc)}"
    return _first_line(exc)


def guarded(fn: Callable[[], int]) -> int:
    """Run `fn` under the error contract and return the exit code."""
    try:
        return fn()
    except TileFabricError as exc:
        message = str(exc)
    except OSError as exc:
        message = _os_message(exc)
    except KeyboardInterrupt:
        message = "interrupted"
    except Exception as exc:  # noqa: BLE001 - a bug: one line unless debugging
        if os.environ.get(DEBUG_ENV, "") not in ("", "0"):
            raise
        print(_one_line(f"internal error: {type(exc).__name__}: {exc}") +
              f" (please report; rerun with {DEBUG_ENV}=1 for a traceback)", file=sys.stderr)
        return EXIT_INTERNAL
    print(f"error: {_one_line(message)}", file=sys.stderr)
    return EXIT_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    """Console-script entry point; returns the exit code."""
    def go() -> int:
        args = build_parser().parse_args(argv)
        return args.func(args)

    code = guarded(go)
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    return code


if __name__ == "__main__":
    sys.exit(main())
