"""Benchmarks (speed and quality goals, printed as tables); the models come from `tilefabric.zoo`."""
