"""Example models (ONNX builders) used by tests, benchmarks and the demo."""
