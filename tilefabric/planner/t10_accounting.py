"""T10's own accounting of a plan (its artifact's IPU cost model), vectorised over candidates.

This is a calibration and comparison tool, not what tilefabric executes. It differs from
`cost.evaluate` in three ways that follow T10's artifact: the output sub-tensor is the one of
a single step and joins the bytes of each shift group; the partial-sum shuffle of a split
reduction dim uses that per-step output; and every non-elementwise op pays a trailing shuffle
(shift of its output sub-tensor + 6 syncs) whether or not its consumer needs a re-layout
(elementwise ops pay one sync). With these rules it reproduces T10's published figures
exactly (tests/test_planner.py, docs/planner.md): 27,118 cycles for 1024³ fp16 with
F=(4,5,69) and 157,968 for 128×5120×15360 with F=(4,14,26) and A in two temporal parts.
"""

from __future__ import annotations

import numpy as np

from tilefabric.planner.candidates import Candidates
from tilefabric.planner.cost import _prod_cols, step_cycles
from tilefabric.planner.op_space import OpSpace
from tilefabric.target import Target


def t10_cycles(space: OpSpace, target: Target, c: Candidates) -> np.ndarray:
    n = np.asarray(space.sizes, dtype=np.int64)
    T = c.steps()
    B = -(-n // (c.F * T)) * T
    U = B // T
    compute = step_cycles(space, target, U) * np.prod(T, axis=1)
    sync = target.sync_cycles
    out = len(space.operand_dims) - 1
    out_bytes = space.bytes_of(out)
    out_step = _prod_cols(U, space.operand_dims[out]).astype(np.float64)
    shift = np.zeros(len(c))
    outer = np.ones(len(c))
    # One shift group per rotated loop dim, largest bytes per shift outermost.
    groups = []
    for x in range(space.n_inputs):
        t = c.ring_parts[:, x]
        d = c.ring_dim[:, x]
        part = _prod_cols(B, space.operand_dims[x]) / t * space.bytes_of(x)
        has_out = np.array([dd in space.operand_dims[out] for dd in range(space.n_dims)])
        out_joins = np.where(d >= 0, has_out[np.maximum(d, 0)], False)
        group_bytes = part + np.where(out_joins, out_step * out_bytes, 0.0)
        groups.append((np.where(t > 1, group_bytes, -1.0), t))
    keys = np.stack([g[0] for g in groups], axis=1) if groups else np.zeros((len(c), 0))
    parts = np.stack([g[1] for g in groups], axis=1) if groups else np.zeros((len(c), 0), dtype=np.int64)
    order = np.argsort(-keys, axis=1, kind="stable")
    for level in range(keys.shape[1]):
        col = order[:, level]
        t = parts[np.arange(len(c)), col]
        b = np.maximum(keys[np.arange(len(c)), col], 0.0)
        shift += np.where(t > 1, outer * (t - 1) * 2 * sync + target.transfer_cycles(outer * b), 0.0)
        outer = outer * t
    if space.kind == "contraction" or space.reduction_dims:
        copies = _prod_cols(c.F, space.missing_dims(out)).astype(np.float64)
        gather, moved, reduce = target.partial_sum_cycles(out_step, copies, out_bytes)
        trailing = target.transfer_cycles(out_step * out_bytes) + target.relayout_syncs * sync
        shuffle = gather + moved + reduce + trailing
    else:
        shuffle = np.full(len(c), float(sync))
    return compute + shift + shuffle
