"""Run a function in a forked child so a native crash (torch-mlir can segfault on some
graphs) becomes a one-line error instead of killing the compiler."""

from __future__ import annotations

import faulthandler
import multiprocessing
import signal
from collections.abc import Callable
from typing import Any


class ChildFailed(Exception):
    """The child raised (`message` is its one-line summary) or died (`crashed`, with
    `stage` the last step it announced)."""

    def __init__(self, message: str, stage: str | None = None, crashed: bool = False):
        self.stage, self.crashed = stage, crashed
        super().__init__(message)


def _summary(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _child(conn, fn: Callable[..., Any], args: tuple) -> None:
    faulthandler.disable()  # a crash is reported by the parent, not as a Python dump

    def progress(stage: str) -> None:
        conn.send(("stage", stage))

    try:
        conn.send(("ok", fn(progress, *args)))
    except BaseException as exc:  # noqa: BLE001 - everything must reach the parent as text
        conn.send(("error", _summary(exc)))
    finally:
        conn.close()


def run_isolated(fn: Callable[..., Any], *args: Any) -> Any:
    """Call `fn(progress, *args)` in a forked process and return its (picklable) result.

    `progress(stage)` lets the child say what it is doing, so a crash can be located.
    Falls back to an in-process call where fork is unavailable.
    """
    return start_isolated(fn, *args).result()


class Isolated:
    """A call running in a forked child; the parent may work meanwhile, then takes `result()`."""

    def __init__(self, fn: Callable[..., Any], args: tuple):
        self._fn, self._args = fn, args
        self._proc = self._recv = None
        if "fork" in multiprocessing.get_all_start_methods():
            ctx = multiprocessing.get_context("fork")
            self._recv, send = ctx.Pipe(duplex=False)
            self._proc = ctx.Process(target=_child, args=(send, fn, args), daemon=True)
            self._proc.start()
            send.close()

    def cancel(self) -> None:
        """Stop the child (the parent found a reason to give up first)."""
        if self._proc is not None:
            self._proc.kill()
            self._proc.join()
            self._recv.close()
            self._proc = None

    def result(self) -> Any:
        if self._proc is None:
            try:
                return self._fn(lambda stage: None, *self._args)
            except Exception as exc:
                raise ChildFailed(_summary(exc)) from None
        proc, recv = self._proc, self._recv
        stage, outcome = None, None
        try:
            while outcome is None:
                kind, payload = recv.recv()
                if kind == "stage":
                    stage = payload
                else:
                    outcome = (kind, payload)
        except EOFError:
            pass
        finally:
            recv.close()
            proc.join()
            self._proc = None
        if outcome is None:
            code = proc.exitcode or 0
            how = f"exit code {code}"
            if code < 0:
                try:
                    how = f"signal {signal.Signals(-code).name}"
                except ValueError:
                    how = f"signal {-code}"
            raise ChildFailed(f"crashed ({how})", stage, crashed=True)
        kind, payload = outcome
        if kind == "error":
            raise ChildFailed(payload, stage)
        return payload


def start_isolated(fn: Callable[..., Any], *args: Any) -> Isolated:
    """Start `fn(progress, *args)` in a forked child (in-process, at `result()`, where fork
    is unavailable)."""
    return Isolated(fn, args)
