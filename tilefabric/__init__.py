"""tilefabric: compile ONNX models onto inter-core-connected AI chips and simulate them."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tilefabric.api import Program, Result, compile

__all__ = ["Program", "Result", "compile"]


def __getattr__(name: str):
    """Load the API on first use: `import tilefabric.target` (and the CLI start-up) stay light."""
    if name in __all__:
        from tilefabric import api

        return getattr(api, name)
    raise AttributeError(f"module 'tilefabric' has no attribute {name!r}")
