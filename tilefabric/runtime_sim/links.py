"""Link-level traffic of the simulated program on a mesh / torus target.

The pairs a shift or an exchange moves are static, so `Program` turns each such op into its
(source core, destination core, bytes) transfers once, when it compiles the op, and asks the
Target to route them (`Target.route`) and price the step (`Target.step_cycles`). At run time
the machine only adds the precomputed per-link bytes to its totals (`LinkTotals`), from which
the report's link statistics and the link-utilisation plot are made."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tilefabric.runtime_sim.boxes import place, read_boxes, row_ids, same_core_cells, write_boxes
from tilefabric.target.routing import DIRECTIONS, LinkStep, express_mask, link_mask

CANDIDATES_PER_CHUNK = 1 << 22  # bounds memory when choosing among many replicas


def shift_transfers(sources: np.ndarray, nbytes: int, placement: np.ndarray | None = None
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A ring shift: cell d receives the whole buffer (nbytes) of cell sources[d]; returned as
    physical (source core, destination core, bytes) through `placement` (default identity)."""
    dst = np.arange(len(sources), dtype=np.int64)
    if placement is not None:
        placement = np.asarray(placement, dtype=np.int64)
        sources, dst = placement[sources], placement[dst]
    moving = sources != dst
    return sources[moving].astype(np.int64), dst[moving], np.full(int(moving.sum()), nbytes, dtype=np.int64)


def _held_by_self(so, src_local, do, dst_local, low) -> np.ndarray:
    """[n, *dst_local]: destination positions each of the n destination cells already holds in
    the source box `so` of the source cell on its physical core (rows aligned)."""
    n = len(do)
    rank = len(dst_local)
    held = np.ones((n,) + (1,) * rank, dtype=bool)
    for a in range(rank):
        x = do[:, a, None] - low[a] + np.arange(dst_local[a])  # tensor coordinate, [n, extent]
        inside = (x >= so[:, a, None]) & (x < so[:, a, None] + src_local[a])
        held = held & inside.reshape((n,) + tuple(dst_local[a] if i == a else 1 for i in range(rank)))
    return held


def _runs_per_row(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, value, count) of every distinct non-zero value in each row of a 2-D int array."""
    rows, width = values.shape
    ordered = np.sort(values, axis=1)
    new = np.ones_like(ordered, dtype=bool)
    new[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    r, c = np.nonzero(new)
    starts = r * width + c
    counts = np.diff(np.append(starts, rows * width))
    vals = ordered[r, c]
    keep = vals > 0
    return r[keep], vals[keep], counts[keep]


def _nearest_holder(target, box_of: np.ndarray, boxes: np.ndarray, dst: np.ndarray, src_place: np.ndarray,
                    dst_place: np.ndarray) -> np.ndarray:
    """For each (box, destination cell) pair: the source cell holding that box whose physical
    core has the fewest hops to the destination's (lowest cell id on a tie)."""
    order = np.argsort(box_of, kind="stable")  # cores grouped by box, ascending ids within
    size = np.bincount(box_of, minlength=int(box_of.max()) + 1)
    first = np.cumsum(size) - size
    chosen = np.empty(len(dst), dtype=np.int64)
    reps = size[boxes]
    ends = np.cumsum(reps)
    lo = 0
    while lo < len(dst):  # chunks of pairs, so the candidate arrays stay bounded
        hi = max(lo + 1, int(np.searchsorted(ends, (ends[lo - 1] if lo else 0) + CANDIDATES_PER_CHUNK, "right")))
        hi = min(hi, len(dst))
        k = reps[lo:hi]
        pair = np.repeat(np.arange(hi - lo), k)
        offset = np.arange(int(k.sum())) - np.repeat(np.cumsum(k) - k, k)
        cand = order[first[boxes[lo:hi]][pair] + offset]
        hops = target.hops(src_place[cand], dst_place[dst[lo:hi][pair]])
        best = np.lexsort((cand, hops, pair))
        chosen[lo:hi] = cand[best][np.cumsum(k) - k]
        lo = hi
    return chosen


def exchange_transfers(target, so: np.ndarray, src_local, do: np.ndarray, dst_local, shape, low, high,
                       reshape, itemsize: int, src_place: np.ndarray | None = None,
                       dst_place: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A re-layout's physical transfers (source core, destination core, bytes): each
    destination cell receives the tensor elements of its box that the source cell on its own
    physical core does not hold (with `reshape`, every element: a full re-send), each from the
    source cell nearest to it on the mesh that holds it. Padding is filled locally.
    `src_place` / `dst_place`: physical core per cell (default: cell i on core i)."""
    src_local, dst_local = tuple(src_local), tuple(dst_local)
    src_place = np.arange(len(so), dtype=np.int64) if src_place is None else np.asarray(src_place, dtype=np.int64)
    dst_place = np.arange(len(do), dtype=np.int64) if dst_place is None else np.asarray(dst_place, dtype=np.int64)
    _, box_of = row_ids(list(so.T))  # each source core's box (replicas share one)
    rank = len(shape)
    ids = np.broadcast_to((box_of + 1).astype(np.int32).reshape((-1,) + (1,) * rank), (len(so),) + src_local)
    owner = write_boxes(tuple(shape), np.int32, ids, so)  # which box holds each element (0: none)
    placed = place(owner, low, high)  # padding positions: 0, filled locally
    if reshape is not None:
        placed = placed.reshape(tuple(reshape))
    got = read_boxes(placed, do, dst_local)
    if reshape is None:
        mine = same_core_cells(src_place, dst_place)
        rows = np.nonzero(mine >= 0)[0]
        held = _held_by_self(so[mine[rows]], src_local, do[rows], dst_local, np.asarray(low, dtype=np.int64))
        got[rows] = np.where(held, 0, got[rows])
    dst, box, count = _runs_per_row(got.reshape(len(do), -1))
    src = _nearest_holder(target, box_of, box - 1, dst, src_place, dst_place)
    src_core, dst_core = src_place[src], dst_place[dst]
    away = src_core != dst_core
    return src_core[away], dst_core[away], count[away] * itemsize


@dataclass
class LinkTotals:
    """Bytes per directed link over the whole run (see tilefabric.target.routing); express
    links (if the mesh has them) in `express`, the same layout."""

    shape: tuple[int, int]
    torus: bool
    loads: np.ndarray = field(init=False)
    express: np.ndarray | None = field(init=False, default=None)
    steps: int = 0  # routed step executions that moved bytes over links
    hops_max: int = 0
    busiest_step_bytes: float = 0.0  # max over steps of the step's most loaded link

    def __post_init__(self):
        self.loads = np.zeros((4,) + tuple(self.shape))

    def add(self, step: LinkStep) -> None:
        if not step.transfers:
            return
        self.loads += step.loads
        if step.express is not None:
            self.express = step.express.copy() if self.express is None else self.express + step.express
        self.steps += 1
        self.hops_max = max(self.hops_max, step.hops_max)
        self.busiest_step_bytes = max(self.busiest_step_bytes, step.busiest_bytes)

    def summary(self, target, cycles: float) -> dict:
        """The report's `links` entry: utilisation = a link's bytes / (link bandwidth × run cycles).
        Express links count as links of their own (same bandwidth); `busiest_link` names one
        with `"express": true`."""
        mask = link_mask(self.shape, self.torus)
        capacity = target.link_bytes_per_cycle * cycles
        stride = getattr(target, "express_stride", 0)
        fast_mask = express_mask(self.shape, stride)
        fast = self.express if self.express is not None else np.zeros_like(self.loads)
        busiest_normal = float(self.loads.max(initial=0.0))
        busiest_fast = float(fast.max(initial=0.0))
        on_express = busiest_fast > busiest_normal
        grid = fast if on_express else self.loads
        busiest = max(busiest_normal, busiest_fast)
        where = np.unravel_index(int(grid.argmax()), grid.shape)
        used = np.concatenate([self.loads[mask], fast[fast_mask]])
        out = {
            "topology": target.topology,
            "mesh_shape": list(self.shape),
            "links": int(mask.sum() + fast_mask.sum()),
            "routed_steps": self.steps,
            "link_bytes_total": float(used.sum()),
            "busiest_link_bytes": busiest,
            "busiest_link": ({"row": int(where[1]), "col": int(where[2]), "direction": DIRECTIONS[where[0]]}
                             if busiest > 0 else None),
            "busiest_step_link_bytes": self.busiest_step_bytes,
            "max_link_utilisation": busiest / capacity if capacity > 0 else 0.0,
            "mean_link_utilisation": float(used.mean()) / capacity if capacity > 0 and used.size else 0.0,
            "hops_max": self.hops_max,
        }
        if stride >= 2:
            out["express_stride"] = stride
            out["express_links"] = int(fast_mask.sum())
            out["express_link_bytes_total"] = float(fast[fast_mask].sum())
            if out["busiest_link"] is not None:
                out["busiest_link"]["express"] = bool(on_express)
        return out
