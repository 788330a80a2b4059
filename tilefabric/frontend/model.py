"""The frontend's single result type, whatever the input format was."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from xdsl.dialects.builtin import ModuleOp


@dataclass
class ImportedModel:
    """A linalg-on-tensors module whose `@main` takes user inputs, then weights, as arguments.

    Weights live outside the IR (`weights`, keyed by argument name) so xDSL never parses
    large dense attributes.
    """

    module: ModuleOp
    weights: dict[str, np.ndarray] = field(default_factory=dict)
    input_names: list[str] = field(default_factory=list)
    input_shapes: list[tuple[int, ...]] = field(default_factory=list)
    input_dtypes: list[np.dtype] = field(default_factory=list)
    output_names: list[str] = field(default_factory=list)
    linalg_text: str = ""
    index_bounds: dict[str, int] = field(default_factory=dict)  # integer input -> rows it indexes

    def save_weights(self, path: str | Path) -> Path:
        """Write the weights to an .npz (one array per argument name) and return its path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:  # a file object keeps numpy from appending ".npz"
            np.savez(f, **self.weights)
        return path
