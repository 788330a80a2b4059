"""Strict mode: which element of every buffer has been written, so a read of one that never
was is an error naming the op, the buffer and the core (instead of NaN poisoning the result
somewhere downstream). One boolean per element, kept beside the data and moved with it."""

from __future__ import annotations

import numpy as np

from tilefabric.errors import TileFabricError


class WrittenMap:
    def __init__(self) -> None:
        self.masks: dict[int, np.ndarray] = {}
        self.names: dict[int, str] = {}

    def alloc(self, buf: int, shape: tuple[int, ...], name: str) -> None:
        self.masks[buf] = np.zeros(shape, dtype=bool)
        self.names[buf] = name

    def drop(self, buf: int) -> None:
        self.masks.pop(buf, None)

    def mask(self, buf: int) -> np.ndarray:
        return self.masks[buf]

    def set(self, buf: int, value: np.ndarray) -> None:
        self.masks[buf] = value

    def check(self, ok: np.ndarray, buf: int, op: str, what: str) -> None:
        """`ok`: [cores, ...] per element read; the first core/element not written is reported."""
        if ok.all():
            return
        bad = np.argwhere(~ok)[0]
        core, where = int(bad[0]), tuple(int(i) for i in bad[1:])
        raise TileFabricError(f"op '{op}': {what} reads element {list(where)} of buffer '{self.names.get(buf, '?')}' "
                              f"on core {core} before anything wrote it (read-before-write)")
