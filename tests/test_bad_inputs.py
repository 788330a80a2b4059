"""Every case of the bad-input corpus (tests/bad_inputs/cases.toml) through the CLI, in a
subprocess as a user would run it: the exit code and one-line message the manifest expects, no
traceback, and the user's files exactly as they were (nothing changed, added or removed).

The CLI starts in ~1-2 s per case, so the selected cases run concurrently (one per CPU) in a
session fixture; each test then checks its own case.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import subprocess
import sys
import tomllib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CORPUS = Path(__file__).parent / "bad_inputs"
CASES = {case["name"]: case for case in tomllib.loads((CORPUS / "cases.toml").read_text())["case"]}
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@dataclass
class Outcome:
    proc: subprocess.CompletedProcess
    before: dict[str, str]
    after: dict[str, str] = field(default_factory=dict)


def tree_digest(root: Path) -> dict[str, str]:
    """sha256 of every file under `root` (and '<dir>' for every directory), by relative path."""
    digests = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        digests[rel] = "<dir>" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def run_case(case: dict, workdir: Path) -> Outcome:
    """Copy the corpus into `workdir`, run the case there, hash the tree before and after."""
    shutil.copytree(CORPUS, workdir, ignore=shutil.ignore_patterns("__pycache__"))
    locked = workdir / case["readonly"] if "readonly" in case else None
    if locked is not None:
        locked.mkdir()
    before = tree_digest(workdir)
    if locked is not None:
        locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    env = {k: v for k, v in os.environ.items() if k != "TILEFABRIC_DEBUG"}
    env["TILEFABRIC_STRICT"] = "1"  # a case that reaches the simulator runs it in checking mode
    try:
        proc = subprocess.run([sys.executable, "-m", "tilefabric", *case["argv"]], cwd=workdir, env=env,
                              capture_output=True, text=True, timeout=300)
    finally:
        if locked is not None:
            locked.chmod(stat.S_IRWXU)
    return Outcome(proc, before, tree_digest(workdir))


@pytest.fixture(scope="session")
def outcomes(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Future]:
    """Start every case selected in this session at once, on a pool of one thread per CPU."""
    wanted = [item.callspec.params["name"] for item in request.session.items
              if item.originalname == "test_bad_input" and hasattr(item, "callspec")]
    pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 2)
    base = tmp_path_factory.mktemp("bad_inputs")
    futures = {name: pool.submit(run_case, CASES[name], base / name) for name in wanted
               if not (IS_ROOT and "readonly" in CASES[name])}
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input(name: str, outcomes: dict[str, Future]) -> None:
    case = CASES[name]
    if IS_ROOT and "readonly" in case:
        pytest.skip("root may write into a read-only directory")
    out = outcomes[name].result()
    proc = out.proc
    assert proc.returncode == case["exit"], f"exit {proc.returncode}: {proc.stderr}"
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, f"expected one stderr line, got:\n{proc.stderr}"
    assert re.search(case["message"], lines[0]), f"{lines[0]!r} does not match {case['message']!r}"
    assert out.after == out.before, "the run changed, added or removed files"


def test_manifest_is_well_formed() -> None:
    """Every case has the keys the runner reads, a regex that compiles, a reason and a unique
    name; every corpus file is used by some case (no dead data)."""
    raw = tomllib.loads((CORPUS / "cases.toml").read_text())["case"]
    assert len(raw) == len(CASES), "duplicate case names"
    for case in raw:
        assert {"name", "why", "argv", "exit", "message"} <= set(case), case.get("name")
        assert case["exit"] != 0 and isinstance(case["argv"], list)
        re.compile(case["message"])
    used = {arg for case in raw for arg in case["argv"]}
    files = {str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*")
             if p.is_file() and p.parent != CORPUS and "__pycache__" not in p.parts}
    files = {f for f in files if not f.startswith("not_a_file.onnx")}
    assert files - used == set(), "corpus files no case uses"


def test_corpus_files_are_small() -> None:
    """Committed corpus files stay tiny (the brief's limit is 50 KB each)."""
    big = [p.name for p in CORPUS.rglob("*") if p.is_file() and p.stat().st_size > 50_000]
    assert big == []


def test_strict_env_turns_checking_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """TILEFABRIC_STRICT=1 (set for the cases above) makes every run strict, even when the
    caller (here the API, as the CLI without --strict) does not ask for it."""
    import tilefabric
    import tilefabric.runtime_sim as runtime_sim
    from tilefabric.examples import onnx_models

    seen = []
    real = runtime_sim.simulate
    monkeypatch.setattr(runtime_sim, "simulate", lambda *a, **k: seen.append(a[3]) or real(*a, **k))
    program = tilefabric.compile(onnx_models.matmul(4, 8, 4), target="ipu-mk2")
    monkeypatch.setenv("TILEFABRIC_STRICT", "0")
    program.run()
    monkeypatch.setenv("TILEFABRIC_STRICT", "1")
    program.run()
    assert seen == [False, True]
