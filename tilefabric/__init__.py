"""tilefabric: compile ONNX models onto inter-core-connected AI chips and simulate them."""

from tilefabric.api import Program, Result, compile

__all__ = ["Program", "Result", "compile"]
