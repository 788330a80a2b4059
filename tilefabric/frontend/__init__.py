"""Frontend: ONNX or linalg `.mlir` in, one xDSL module with weights kept outside out."""

from __future__ import annotations

from pathlib import Path

from tilefabric.errors import TileFabricError
from tilefabric.frontend.mlir_input import load_mlir, make_context
from tilefabric.frontend.model import ImportedModel
from tilefabric.frontend.onnx_import import import_onnx

__all__ = ["ImportedModel", "import_onnx", "load_mlir", "load_model", "make_context"]

_LOADERS = {".onnx": import_onnx, ".mlir": load_mlir}


def load_model(path: str | Path) -> ImportedModel:
    """Pick the loader from the file suffix (`.onnx` or `.mlir`)."""
    path = Path(path)
    if not path.is_file():
        raise TileFabricError("no such file" if not path.exists() else "not a file", str(path))
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        raise TileFabricError(f"unknown model format '{path.suffix}' (expected .onnx or .mlir)",
                              str(path))
    return loader(path)
