"""Whole-machine vectorised simulator of the dataflow dialect (see docs/architecture.md)."""

from tilefabric.runtime_sim.machine import OpStats
from tilefabric.runtime_sim.simulator import SimResult, simulate

__all__ = ["OpStats", "SimResult", "simulate"]
