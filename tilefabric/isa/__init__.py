"""Instruction mapping (ISA Mapper): kernels unified with the target's instruction templates.

kernel.py describes a computation as plain data, mapping.py enumerates its legal mappings onto
each compute unit, cost.py prices a mapping with the Target's formulas and search.py chooses
one per sub-operator with a pluggable strategy. No IR is built here and nothing imports the
planner, so the planner, the `isa-map` pass and the simulator share it.
"""
