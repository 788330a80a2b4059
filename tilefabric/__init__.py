"""tilefabric: compile ONNX models onto inter-core-connected AI chips and simulate them."""
