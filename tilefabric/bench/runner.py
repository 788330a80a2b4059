"""Run the bench matrix: a worker process per model, a per-run timeout, a progress bar on a
terminal, and results.json / results.md / PNGs in the output directory.

Isolation: when a worker dies (crash, host OOM kill) or a run exceeds the timeout, that run is
recorded as "error"/"timeout" and a fresh worker continues with the model's remaining runs.
results.json is rewritten after every model, so an interrupted bench keeps what finished.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from tilefabric.bench import matrix
from tilefabric.bench.records import Results, RunRecord, git_commit, machine, write_results
from tilefabric.errors import TileFabricError

RESULTS_JSON, RESULTS_MD = "results.json", "results.md"
POLL_SECONDS = 0.5


@dataclass
class BenchOptions:
    quick: bool = False
    models: Sequence[str] = ()
    targets: Sequence[str] = ("ipu-mk2",)
    out: str = "bench"
    timeout: float = 1800.0  # seconds per run (compile + simulate + check)
    check: bool = True
    scaling: bool = True
    budget: float | None = None  # seconds for the whole bench; later runs are recorded as not run


Advance = Callable[[str], None]  # called with a description whenever a run finishes


def _read_state(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {"records": [], "current": ""}


def _last_line(path: Path) -> str:
    lines = [ln.strip() for ln in path.read_text(errors="replace").splitlines() if ln.strip()] if path.exists() else []
    return lines[-1] if lines else ""


def _start_worker(job: matrix.Job, configs: Sequence[matrix.RunConfig], check: bool, tmp: Path, n: int):
    """Files named per model and attempt: a worker must never see another worker's records."""
    stem = f"{job.model.key}-{n}"
    job_file, out_file, err_file = tmp / f"{stem}.job.json", tmp / f"{stem}.out.json", tmp / f"{stem}.err.log"
    out_file.unlink(missing_ok=True)
    job_file.write_text(json.dumps({"model": dataclasses.asdict(job.model),
                                    "configs": [dataclasses.asdict(c) for c in configs], "check": check}))
    with open(err_file, "w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "tilefabric.bench.worker", str(job_file), str(out_file)],
                                stdout=subprocess.DEVNULL, stderr=err)
    return proc, out_file, err_file


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def not_run(job: matrix.Job, configs: Sequence[matrix.RunConfig], why: str) -> list[RunRecord]:
    return [RunRecord(job.model.key, job.model.label, c.target, c.strategy, status="not run", message=why)
            for c in configs]


def run_job(job: matrix.Job, opts: BenchOptions, tmp: Path, advance: Advance,
            describe: Callable[[str], None], deadline: float = float("inf")) -> list[RunRecord]:
    """Every run of one model; a dead or stuck worker costs only the run it was on. Past the
    `deadline` (time.monotonic) the run in progress is stopped and the rest are not run."""
    done: list[RunRecord] = []
    remaining = list(job.configs)
    attempt = 0
    while remaining:
        if time.monotonic() >= deadline:
            for record in not_run(job, remaining, f"bench budget of {opts.budget:,.0f} s used up"):
                done.append(record)
                advance(f"{job.model.key}: {record.strategy} on {record.target}: not run")
            break
        attempt += 1
        proc, out_file, err_file = _start_worker(job, remaining, opts.check, tmp, attempt)
        seen, run_started, timed_out = 0, time.monotonic(), False
        try:
            while True:
                finished = proc.poll() is not None  # before reading: the last state is complete
                state = _read_state(out_file)
                records = state.get("records", [])
                for raw in records[seen:]:
                    record = RunRecord.from_dict(raw)
                    done.append(record)
                    advance(f"{job.model.key}: {record.strategy} on {record.target}: {record.status}")
                    run_started = time.monotonic()
                remaining = remaining[len(records) - seen:]
                seen = len(records)
                describe(f"{job.model.key}: {state.get('current', '')}")
                if finished or not remaining:
                    break
                if time.monotonic() - run_started > opts.timeout or time.monotonic() >= deadline:
                    timed_out = True
                    break
                time.sleep(POLL_SECONDS)
        finally:
            _stop(proc)
        if remaining:  # the worker was stopped or died during remaining[0]
            cfg = remaining.pop(0)
            if timed_out and time.monotonic() >= deadline:
                status, message = "not run", f"stopped: bench budget of {opts.budget:,.0f} s used up"
            elif timed_out:
                status, message = "timeout", f"not finished after {opts.timeout:,.0f} s (stopped)"
            else:
                status = "error"
                message = f"worker exited with code {proc.returncode}: {_last_line(err_file) or 'no message'}"
            done.append(RunRecord(job.model.key, job.model.label, cfg.target, cfg.strategy, status=status,
                                  message=message))
            advance(f"{job.model.key}: {cfg.strategy} on {cfg.target}: {status}")
    return done


@contextlib.contextmanager
def _progress(total: int) -> Iterator[tuple[Advance, Callable[[str], None]]]:
    """A rich progress bar on a terminal (stderr); otherwise one plain line per finished run."""
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        count = [0]

        def line(text: str) -> None:
            count[0] += 1
            print(f"[{count[0]}/{total}] {text}", file=sys.stderr, flush=True)

        yield line, lambda text: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("runs"), TimeElapsedColumn(), console=console, transient=True)
    task = bar.add_task("bench", total=total)
    with bar:
        yield (lambda text: bar.advance(task)), (lambda text: bar.update(task, description=text))


def validate(opts: BenchOptions) -> tuple[list[matrix.ModelSpec], list[matrix.Job]]:
    """Refuse unknown models/targets and a bad timeout before any run starts."""
    if opts.timeout <= 0:
        raise TileFabricError(f"--timeout must be positive, got {opts.timeout:g}")
    if opts.budget is not None and opts.budget <= 0:
        raise TileFabricError(f"--budget must be positive, got {opts.budget:g}")
    if not opts.targets:
        raise TileFabricError("--targets needs at least one target")
    models = matrix.select(opts.quick, opts.models)
    with tempfile.TemporaryDirectory(prefix="tilefabric-bench-") as tmp:
        for name in {*opts.targets, *(matrix.SCALING_TARGETS if opts.scaling else ())}:
            matrix.bench_target_spec(name, Path(tmp))
    return models, matrix.jobs(models, opts.targets, opts.scaling, opts.quick)


def run_bench(opts: BenchOptions) -> tuple[Results, list[Path]]:
    """Run everything, write results.json, results.md and the plots; return them."""
    _, jobs = validate(opts)
    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    meta = {"commit": git_commit(), "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "quick": opts.quick, "targets": list(opts.targets),
            "scaling_targets": list(matrix.SCALING_TARGETS) if opts.scaling else [],
            "scaling_note": f"{matrix.QUARTER_MK2} = ipu-mk2 with a quarter of its tiles (368 of 1,472; a target "
                            "file written from the preset, only name and cores changed)",
            "timeout_seconds": opts.timeout, "budget_seconds": opts.budget, "check": opts.check, **machine()}
    results = Results([], meta)
    total = sum(len(j.configs) for j in jobs)
    start = time.perf_counter()
    deadline = time.monotonic() + opts.budget if opts.budget else float("inf")
    with tempfile.TemporaryDirectory(prefix="tilefabric-bench-") as tmp, _progress(total) as (advance, describe):
        for job in jobs:
            results.runs.extend(run_job(job, opts, Path(tmp), advance, describe, deadline))
            results.meta["bench_seconds"] = time.perf_counter() - start
            write_results(results, out / RESULTS_JSON)
    results.meta["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return results, finish(results, out)


def finish(results: Results, out: Path) -> list[Path]:
    """results.json, the plots and results.md (which links the plots) from the records."""
    from tilefabric.bench.plots import write_plots
    from tilefabric.bench.table import markdown

    write_results(results, out / RESULTS_JSON)
    plots = write_plots(results, out)
    (out / RESULTS_MD).write_text(markdown(results, [p.name for p in plots]))
    return [out / RESULTS_JSON, out / RESULTS_MD, *plots]
