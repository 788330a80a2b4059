"""Benchmarks and the model zoo they run (`benchmarks.models`)."""
