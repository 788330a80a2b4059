"""One benchmark job in its own process: build a zoo model, import it once, then compile,
simulate (and check against onnxruntime) it in every configuration of the job.

Run by `runner` as `python -m tilefabric.bench.worker JOB.json OUT.json`. A process per model
keeps a crash, a timeout or a host out-of-memory kill from taking the rest of the bench down.
OUT.json is rewritten after every configuration, so whatever finished before a crash survives.
"""

from __future__ import annotations

import gc
import json
import re
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from tilefabric.bench.matrix import ModelSpec, bench_target_spec
from tilefabric.bench.records import RunRecord, from_report
from tilefabric.errors import TileFabricError
from tilefabric.report import write_json


# the planner's and the scratchpad check's wordings for a model too big for the chip
FITS = re.compile(r"does not fit|needs \d+ B per core.*\bB available")


def classify(exc: BaseException) -> tuple[str, str]:
    """(status, one-line message): the planner's "does not fit" gets its own status."""
    message = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, TileFabricError) and FITS.search(message):
        return "does not fit", message
    if isinstance(exc, MemoryError):
        return "error", "host out of memory"
    if isinstance(exc, TileFabricError):
        return "error", message
    return "error", f"{type(exc).__name__}: {message}"


def run_config(loaded, inputs, target_name: str, strategy: str, check: bool, workdir: Path) -> dict[str, Any]:
    from tilefabric import api

    program = api.compile_loaded(loaded, bench_target_spec(target_name, workdir), strategy)
    result = program.run(inputs)
    if check:
        program.check(result)
    return result.report


def main(argv: list[str]) -> int:
    job_path, out_path = argv
    job = json.loads(open(job_path).read())
    spec = ModelSpec(**job["model"])
    records: list[dict[str, Any]] = []
    state: dict[str, Any] = {"records": records, "current": "building"}
    write_json(state, out_path)
    base = {"model": spec.key, "label": spec.label}
    try:
        from tilefabric import api
        from tilefabric.zoo import reference_inputs

        proto = spec.build()
        inputs = reference_inputs(proto, seed=0)
        state["current"] = "importing"
        write_json(state, out_path)
        loaded = api.load(proto)
        del proto
    except Exception as exc:  # noqa: BLE001 - recorded per configuration, the bench goes on
        status, message = classify(exc)
        for cfg in job["configs"]:
            records.append(RunRecord(**base, **cfg, status=status, message=f"import: {message}").to_dict())
        state["current"] = "done"
        write_json(state, out_path)
        return 0
    for cfg in job["configs"]:
        state["current"] = f"{cfg['strategy']} on {cfg['target']}"
        write_json(state, out_path)
        start = time.perf_counter()
        try:
            report = run_config(loaded, inputs, cfg["target"], cfg["strategy"], job["check"], Path(out_path).parent)
            record = from_report(spec.key, spec.label, cfg["target"], cfg["strategy"], report)
            record.import_seconds = loaded.import_seconds
        except Exception as exc:  # noqa: BLE001
            status, message = classify(exc)
            if status == "error":
                traceback.print_exc(file=sys.stderr)
            record = RunRecord(**base, **cfg, status=status, message=message)
        record.wall_seconds = time.perf_counter() - start
        records.append(record.to_dict())
        report = None
        gc.collect()
    state["current"] = "done"
    write_json(state, out_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
