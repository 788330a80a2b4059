"""The chip description every layer queries (see docs/cost-model.md)."""

from tilefabric.target.loader import load_target_file, preset_names, resolve_target
from tilefabric.target.model import ELEMENT_BYTES, Target

__all__ = ["ELEMENT_BYTES", "Target", "load_target_file", "preset_names", "resolve_target"]
