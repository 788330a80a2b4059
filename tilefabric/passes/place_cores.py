"""place-cores: choose the physical core of every grid cell of every operator on a mesh / torus.

T10 plans for a crossbar, where every core is one hop from every other; on a 2-D mesh the
row-major numbering of cells puts a ring's members far apart (a ring along a grid axis that
does not run along a mesh row wraps around rows, and its parts share links), and a re-layout
between two operators crosses the chip. For each operator — the allocs sharing a `tf.op`
label and a grid — this pass prices candidate placements (target/placement.py: row-major,
axis orderings as rectangles and snakes, rings folded or on closed 2 x L/2 loops; and
"follow": cell i where the producer's cell i sits) with the
Target's routing, exactly as the simulator will charge them:
  Σ over the op's shifts of (times it runs) × Target.step_cycles(route of its transfers)
+ Σ over exchanges into the op's buffers of the routed step from the producers' chosen
  placements (runtime_sim/links.exchange_transfers: the same transfers the simulator routes),
and writes the cheapest as `dataflow.alloc place [...]` (row-major first on a tie, left
unwritten when it wins). Allocs that already carry `place` (pipeline-ops) keep it; unplaced
allocs of such an operator take the same placement. Crossbar targets are left unchanged.
Options: `strategy=auto|row-major|ring` (ring: only ring-aware candidates), `target=` to
override the module's `tf.target`. See docs/placement.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import prod

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import DenseArrayBase, ModuleOp, StringAttr, i64
from xdsl.passes import ModulePass

from tilefabric.analysis.affine_eval import eval_on_grid
from tilefabric.dialects import dataflow as df
from tilefabric.dialects.rtensor import TARGET_ATTR
from tilefabric.errors import TileFabricError
from tilefabric.isa.search import DEFAULT as DEFAULT_ISA, ISA_ATTR
from tilefabric.runtime_sim.body_eval import numpy_dtype
from tilefabric.runtime_sim.boxes import received_elements, row_ids, same_core_cells, write_boxes
from tilefabric.runtime_sim.links import exchange_transfers, shift_transfers
from tilefabric.target import placement, resolve_target

STRATEGIES = ("auto", "row-major", "ring")
EXCHANGE_CANDIDATES = 8  # candidates (cheapest shifts first) whose inbound re-layouts are routed


@dataclass
class _Group:
    """One operator's buffers on one grid, and the communication that depends on its placement."""

    label: str
    grid: tuple[int, ...]
    allocs: list = field(default_factory=list)
    shifts: list = field(default_factory=list)  # (ShiftOp, times it runs)
    exchanges: list = field(default_factory=list)  # (ExchangeOp, times it runs)


def _label(op) -> str:
    a = op.attributes.get("tf.op")
    return a.data if isinstance(a, StringAttr) else ""


def _runs(op) -> int:
    """How often `op` runs: the counts of the repeats around it (count − 1 in a `between`)."""
    n, child, parent = 1, op, op.parent_op()
    while parent is not None:
        if isinstance(parent, df.RepeatOp):
            region = child.parent_region()
            n *= parent.count.data - 1 if region is parent.between else parent.count.data
        child, parent = parent, parent.parent_op()
    return n


def _alloc(value):
    return value.owner if isinstance(value.owner, df.AllocOp) else None


def groups_of(fn: func.FuncOp) -> tuple[list[_Group], dict]:
    """Operators in order of their first alloc, and each alloc's group."""
    groups: dict[tuple[str, tuple[int, ...]], _Group] = {}
    of: dict[int, _Group] = {}
    for op in fn.walk():
        if isinstance(op, df.AllocOp):
            key = (_label(op), op.buffer.type.grid_shape)
            g = groups.setdefault(key, _Group(*key))
            g.allocs.append(op)
            of[id(op)] = g
    for op in fn.walk():
        if isinstance(op, df.ShiftOp) and _alloc(op.buffer) is not None:
            of[id(_alloc(op.buffer))].shifts.append((op, _runs(op)))
        elif isinstance(op, df.ExchangeOp) and _alloc(op.dest) is not None and _alloc(op.source) is not None:
            of[id(_alloc(op.dest))].exchanges.append((op, _runs(op)))
    return list(groups.values()), of


def _shift_sources(op: df.ShiftOp) -> np.ndarray:
    grid = op.buffer.type.grid_shape
    return np.ravel_multi_index(tuple(eval_on_grid(op.source.data, grid).T), grid)


def ring_axes(group: _Group) -> tuple[dict[int, int], list[np.ndarray] | None]:
    """Grid axis -> ring length for the op's shifts that move along one axis only (and whose
    length divides the axis), and the cycles of its most-run shift (the rings to loop)."""
    rings: dict[int, int] = {}
    main, most = None, 0
    for op, runs in group.shifts:
        grid = group.grid
        src = eval_on_grid(op.source.data, grid)
        own = np.indices(grid).reshape(len(grid), -1).T
        moved = np.nonzero((src != own).any(axis=0))[0]
        cycles = placement.cycles_of(_shift_sources(op))
        if len(moved) == 1 and cycles:
            length = len(cycles[0])
            if all(len(c) == length for c in cycles) and grid[moved[0]] % length == 0:
                rings[int(moved[0])] = length
        weight = runs * prod(op.buffer.type.local_shape)
        if cycles and weight > most:
            main, most = cycles, weight
    return rings, main


def _bytes(t: df.BufferType) -> int:
    return prod(t.local_shape) * numpy_dtype(t.element_type).itemsize


def shift_cost(target, op: df.ShiftOp, ids: np.ndarray, credit: float = 0.0) -> float:
    """Cycles one run of the shift adds with its buffer's cells on cores `ids`: its routed
    time less the compute it runs under (`credit`, see overlap_credit)."""
    step = target.route(*shift_transfers(_shift_sources(op), _bytes(op.buffer.type), ids))
    return max(0.0, target.step_cycles(step) - credit)


def overlap_credit(target, op: df.ShiftOp, isa: str) -> float:
    """Compute cycles of one iteration of the compute-shift loop the shift sits between, on a
    target that overlaps them (the simulator hides the shift under them, Machine.charge);
    0 elsewhere. Counts the computes of the loop body, nested repeats by their counts."""
    from tilefabric.runtime_sim.compute_step import ComputeStep

    loop = op.parent_op()
    if not target.overlap_compute_comm or not isinstance(loop, df.RepeatOp) or op.parent_region() is not loop.between:
        return 0.0
    total = 0.0
    for inner in loop.body.walk():
        if isinstance(inner, df.ComputeOp):
            times, parent = 1, inner.parent_op()
            while parent is not loop:
                if isinstance(parent, df.RepeatOp):
                    times *= parent.count.data
                parent = parent.parent_op()
            total += times * ComputeStep(inner, target, _label(inner), isa).cycles
    return total


def exchange_cost(target, op: df.ExchangeOp, src_ids: np.ndarray, dst_ids: np.ndarray) -> float:
    """Cycles of the exchange's link phase with the given placements (0: nothing moves)."""
    st, dt = op.source.type, op.dest.type
    shape = tuple(op.shape.get_values())
    so, do = eval_on_grid(op.src_offsets.data, st.grid_shape), eval_on_grid(op.dst_offsets.data, dt.grid_shape)
    low, high = op.padding()
    into = tuple(op.reshape.get_values()) if op.reshape is not None else None
    itemsize = numpy_dtype(dt.element_type).itemsize
    if into is None:
        received = received_elements(so, st.local_shape, do, dt.local_shape, shape, low, same_core_cells(src_ids, dst_ids))
        if not len(received) or int(received.max()) == 0:
            return 0.0
    step = target.route(*exchange_transfers(target, so, st.local_shape, do, dt.local_shape, shape, low, high, into,
                                            itemsize, src_ids, dst_ids))
    return target.step_cycles(step)


def _source_ids(op: df.ExchangeOp, group: _Group, placed: dict[int, np.ndarray], ids: np.ndarray) -> np.ndarray:
    src = _alloc(op.source)
    return ids if src in group.allocs else placed.get(id(src), df.placement_of(src))


def followers(group: _Group, placed: dict[int, np.ndarray], cores: int) -> list[tuple[str, np.ndarray]]:
    """Placements that keep cell i on the core where the producer's cell i sits (what makes a
    re-layout between aligned layouts free under row-major, kept when the producer moved);
    cells past the producer's grid take the lowest free cores."""
    out = []
    cells = prod(group.grid)
    for op, _ in group.exchanges:
        src = _alloc(op.source)
        if src in group.allocs or id(src) not in placed:
            continue
        ids = placed[id(src)]
        if df.is_identity_placement(ids):
            continue
        if len(ids) < cells:
            ids = np.concatenate([ids, np.setdiff1d(np.arange(cores), ids)[: cells - len(ids)]])
        out.append((f"follow {_label(src)}", np.asarray(ids[:cells], dtype=np.int64)))
    return out


def owners(group: _Group, placed: dict[int, np.ndarray], cores: int) -> list[tuple[str, np.ndarray]]:
    """Placements that put each cell on a core already holding the middle of its box (the
    producer's), replicas shared out in turn; cells left over (more cells want a box than
    cores hold it, or none holds it) take the lowest free cores. A re-layout then moves
    only what crosses box edges."""
    out = []
    cells = prod(group.grid)
    for op, _ in group.exchanges:
        src = _alloc(op.source)
        if src in group.allocs or op.reshape is not None:
            continue
        src_ids = placed.get(id(src), df.placement_of(src))
        st, dt = op.source.type, op.dest.type
        shape = np.asarray(op.shape.get_values(), dtype=np.int64)
        so = eval_on_grid(op.src_offsets.data, st.grid_shape)
        do = eval_on_grid(op.dst_offsets.data, dt.grid_shape)
        low = np.asarray(op.padding()[0], dtype=np.int64)
        mid = np.clip(do - low + np.asarray(dt.local_shape) // 2, 0, shape - 1)  # [cells, rank] tensor coords
        _, box_of = row_ids(list(so.T))  # each source cell's box (replicas share one)
        boxes = np.broadcast_to((box_of + 1).astype(np.int32).reshape((-1,) + (1,) * len(shape)),
                                (len(so),) + tuple(st.local_shape))
        box = write_boxes(tuple(int(n) for n in shape), np.int32, boxes, so)[tuple(mid.T)].astype(np.int64) - 1
        has = np.nonzero(box >= 0)[0]
        holders = np.argsort(box_of, kind="stable")  # source cells grouped by box
        size = np.bincount(box_of, minlength=int(box_of.max()) + 1)
        start = np.cumsum(size) - size
        want = box[has]
        order = np.argsort(want, kind="stable")  # the k-th cell wanting a box gets its k-th holder
        ranked = want[order]
        turn = np.empty(len(has), dtype=np.int64)
        turn[order] = np.arange(len(has)) - np.searchsorted(ranked, ranked, "left")
        ids = np.full(cells, -1, dtype=np.int64)
        ids[has] = src_ids[holders[start[want] + turn % size[want]]]
        _, first = np.unique(ids, return_index=True)
        dup = np.ones(cells, dtype=bool)
        dup[first] = False
        ids[dup | (ids < 0)] = -1
        left = np.nonzero(ids < 0)[0]
        ids[left] = np.setdiff1d(np.arange(cores), ids[ids >= 0])[: len(left)]
        out.append((f"owners of {_label(src)}", ids))
    return out


def choose(target, group: _Group, placed: dict[int, np.ndarray], strategy: str, isa: str = "exhaustive"
           ) -> tuple[str, np.ndarray]:
    """The cheapest candidate placement of `group` (see the module docstring)."""
    cells = prod(group.grid)
    if strategy == "row-major" or (not group.shifts and not group.exchanges):
        return "row-major", placement.row_major(cells)
    rings, cycles = ring_axes(group)
    generated = placement.candidates(group.grid, tuple(target.mesh_shape), rings, cycles, ring_only=strategy == "ring")
    cands, seen = [], set()
    for name, ids in generated[:1] + followers(group, placed, target.cores) + owners(group, placed, target.cores) \
            + generated[1:]:
        if ids.tobytes() not in seen and placement.is_bijection(ids, target.cores):
            seen.add(ids.tobytes())
            cands.append((name, ids))
    if not cands:
        return "row-major", placement.row_major(cells)
    credits = [overlap_credit(target, op, isa) for op, _ in group.shifts]
    shift = np.array([sum(runs * shift_cost(target, op, ids, credit) for (op, runs), credit in zip(group.shifts, credits))
                      for _, ids in cands], dtype=np.float64)
    total = shift.copy()
    inbound = [(op, runs) for op, runs in group.exchanges]
    if inbound:
        order = np.argsort(shift, kind="stable")[:EXCHANGE_CANDIDATES]
        total[:] = np.inf
        for i in order:
            ids = cands[i][1]
            moved = 0.0
            for op, runs in inbound:
                moved += runs * exchange_cost(target, op, _source_ids(op, group, placed, ids), ids)
            total[i] = shift[i] + moved
    best = int(np.argmin(total))
    return cands[best]


@dataclass(frozen=True)
class PlaceCores(ModulePass):
    """Place every operator's grid cells on physical cores (see the module docstring)."""

    name = "place-cores"
    strategy: str = "auto"
    target: str = ""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.strategy not in STRATEGIES:
            raise TileFabricError(f"unknown placement strategy '{self.strategy}' (available: {', '.join(STRATEGIES)})")
        spec = self.target or (op.attributes[TARGET_ATTR].data if isinstance(op.attributes.get(TARGET_ATTR), StringAttr) else "")
        if not spec:
            raise TileFabricError("place-cores needs a target: a module `tf.target` or the `target=` option")
        target = resolve_target(spec)
        if not target.routed:
            return  # a crossbar: every core one hop from every other, placement changes no time
        isa = op.attributes.get(ISA_ATTR)
        for fn in op.ops:
            if isinstance(fn, func.FuncOp):
                place_function(fn, target, self.strategy, isa.data if isinstance(isa, StringAttr) else DEFAULT_ISA)


def place_function(fn: func.FuncOp, target, strategy: str, isa: str = DEFAULT_ISA) -> dict[str, str]:
    """Place every operator of `fn`; returns label -> chosen candidate name (for reports)."""
    groups, _ = groups_of(fn)
    placed: dict[int, np.ndarray] = {}
    chosen: dict[str, str] = {}
    for g in groups:
        given = [a for a in g.allocs if a.place is not None]
        if given:
            name, ids = "given", df.placement_of(given[0])
        else:
            name, ids = choose(target, g, placed, strategy, isa)
        for a in g.allocs:
            placed[id(a)] = df.placement_of(a) if a.place is not None else ids
            if a.place is None and not df.is_identity_placement(ids):
                a.place = DenseArrayBase.from_list(i64, [int(v) for v in ids])
        chosen[f"{g.label} {list(g.grid)}"] = name
    return chosen
