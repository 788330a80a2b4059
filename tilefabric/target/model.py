"""The one description of a chip that passes, verifiers, the planner and the simulator query.

Every hardware number comes from a preset or user TOML file; this module holds only the
formulas that turn those numbers into cycles. Formulas accept numpy arrays so the planner can
evaluate thousands of candidate plans at once, and plain ints for the simulator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tilefabric.target import routing
from tilefabric.target.templates import Template

ELEMENT_BYTES = {"f16": 2, "bf16": 2, "f32": 4, "f64": 8, "i1": 1, "i8": 1, "i32": 4, "i64": 8}


def _ceil_div(a, b):
    return -(-np.asarray(a) // b)


@dataclass(frozen=True)
class MatmulUnit:
    """A blocked matrix unit (IPU AMP style) with a per-instruction cycle formula. `unit` is
    its name; `templates` what one instruction computes (target/templates.py); `dtypes` the
    element types it takes (empty: any)."""

    unit: str
    block_cycles_per_byte: float
    block_m: int
    block_k_bytes: int
    block_n: int
    kn_cycles: float
    kn_block_k: int
    n_cycles: float
    fixed_cycles: float
    min_m_for_swap: int
    flops_per_cycle: tuple[tuple[str, float], ...]
    templates: tuple[Template, ...] = ()
    dtypes: tuple[str, ...] = ()
    kind = "matrix"

    def peak_flops_per_cycle(self, dtype: str) -> float:
        table = dict(self.flops_per_cycle)
        return table.get(dtype, table.get("f32", min(table.values())))

    def oriented(self, m, n):
        """(m, n) as the unit runs them: the larger on m, unless that leaves m <= min_m_for_swap
        (then the smaller). Depends only on the pair {m, n}: the formula is symmetric in them."""
        m, n = np.asarray(m), np.asarray(n)
        swap = m < n
        m, n = np.where(swap, n, m), np.where(swap, m, n)
        back = m <= self.min_m_for_swap
        return np.where(back, n, m), np.where(back, m, n)

    def block_k(self, elem_bytes: int) -> int:
        return max(1, self.block_k_bytes // elem_bytes)

    def cycles(self, batch, m, k, n, elem_bytes: int):
        """Cycles of `batch` instructions m x k x n each (looped batch); arrays broadcast."""
        m, n = self.oriented(m, n)
        k = np.asarray(k)
        k_block = self.block_k(elem_bytes)
        n_blocks = _ceil_div(n, self.block_n)
        per = (
            elem_bytes * self.block_cycles_per_byte * _ceil_div(m, self.block_m)
            * _ceil_div(k, k_block) * n_blocks
            + self.kn_cycles * _ceil_div(k, self.kn_block_k) * n_blocks
            + self.n_cycles * n_blocks
            + self.fixed_cycles
        )
        return np.asarray(batch) * per


@dataclass(frozen=True)
class VectorUnit:
    """Elementwise / reduction throughput: piecewise-linear in the element count, which is
    first padded to whole vectors of `width` lanes. `ops`: the body ops it runs (empty: any)."""

    unit: str
    large_threshold: int
    large_cycles_per_elem: float
    large_fixed: float
    small_cycles_per_elem: float
    small_fixed: float
    small_cap: float
    unary_cycles_per_elem: float
    unary_fixed: float
    templates: tuple[Template, ...] = ()
    dtypes: tuple[str, ...] = ()
    width: int = 1
    ops: tuple[str, ...] = ()
    kind = "vector"

    def cycles(self, n, n_inputs: int):
        """n elements (already padded to the width) of a body with n_inputs inputs."""
        return self.unary_cycles(n) if n_inputs <= 1 else self.binary_cycles(n)

    def binary_cycles(self, n):
        n = np.asarray(n, dtype=np.float64)
        large = self.large_cycles_per_elem * n + self.large_fixed
        small = np.minimum(self.small_cap, self.small_cycles_per_elem * n + self.small_fixed)
        return np.where(n > self.large_threshold, large, small)

    def unary_cycles(self, n):
        return self.unary_cycles_per_elem * np.asarray(n, dtype=np.float64) + self.unary_fixed


@dataclass(frozen=True)
class ReduceModel:
    """Cost of summing R partial-sum copies of an output sub-tensor (T10's shuffle)."""

    align_steps: tuple[int, ...]
    align_multiple: int
    small_limit: int
    small_cycles_per_elem: float
    small_cap_elems: int
    large_cycles_per_elem: float
    fixed: float

    def align(self, n):
        n = np.asarray(n)
        out = _ceil_div(n, self.align_multiple) * self.align_multiple
        for step in reversed(self.align_steps):
            out = np.where(n <= step, step, out)
        return out


@dataclass(frozen=True)
class Target:
    """A chip: cores, topology, scratchpads, links, synchronisation and compute units."""

    name: str
    description: str
    cores: int
    chips: int
    topology: str
    mesh_shape: tuple[int, ...] | None
    scratchpad_bytes: int
    clock_hz: float
    sync_cycles: float
    link_bytes_per_cycle: float
    link_latency_cycles: float
    inter_chip_comm_factor: float
    shift_buffers: int
    relayout_syncs: int
    matmul: MatmulUnit  # the default matrix unit (roofline peak)
    vector: VectorUnit  # the default vector unit: any body (fused chains, partial sums, lookups, repacking)
    reduce: ReduceModel
    source: str = "preset"
    overlap_compute_comm: bool = False  # a rotation's shift may run during the step's compute
    units: tuple = ()  # every compute unit, in file order (instruction mapping, isa/)
    global_buffer_bytes: int = 0  # a shared on-chip buffer beside the core array (0: none)
    global_buffer_bytes_per_cycle: float = 0.0  # array <-> global buffer, all cores together
    offchip_bytes_per_cycle: float = 0.0  # global buffer <-> off-chip memory
    express_stride: int = 0  # mesh express links jumping this many routers (0: none)
    # planner only: price ring shifts and re-layouts on a mesh / torus as place-cores will
    # place them (False: the topology-oblivious, crossbar-assumed estimates; the simulator
    # never reads this)
    hop_aware: bool = True

    def unit(self, name: str):
        for u in self.units:
            if u.unit == name:
                return u
        raise KeyError(name)

    # --- communication -------------------------------------------------------------------
    def transfer_cycles(self, bytes_per_core):
        """Cycles for every core to send/receive `bytes_per_core` over the exchange: one hop
        on a crossbar (the planner's formula on every topology, see docs/cost-model.md)."""
        return self.link_cycles(bytes_per_core, 1)

    def link_cycles(self, busiest_link_bytes, hops):
        """A communication step whose most loaded link carries `busiest_link_bytes` and whose
        longest route is `hops` links: bandwidth time of that link plus the per-hop latency
        of that route; 0 when nothing moves. Inter-chip steps are slowed by the chip factor."""
        factor = self.inter_chip_comm_factor if self.chips > 1 else 1.0
        b = np.asarray(busiest_link_bytes, dtype=np.float64)
        cyc = b / self.link_bytes_per_cycle * factor
        return np.where(b > 0, cyc + np.asarray(hops) * self.link_latency_cycles, 0.0)

    @property
    def routed(self) -> bool:
        """Transfers travel over mesh / torus links (else: a crossbar, every core one hop away)."""
        return self.topology in ("mesh", "torus") and self.mesh_shape is not None

    @property
    def has_global_buffer(self) -> bool:
        """Re-layouts between operators go through a global buffer (PipeOrgan's PE array)
        instead of core to core."""
        return self.global_buffer_bytes > 0

    def global_buffer_cycles(self, nbytes):
        """Cycles to move `nbytes` (all cores together) between the core array and the global
        buffer in one direction: the first `global_buffer_bytes` at the buffer's bandwidth, the
        rest (what does not fit) at the off-chip bandwidth; 0 without a global buffer."""
        n = np.asarray(nbytes, dtype=np.float64)
        if not self.has_global_buffer:
            return np.zeros_like(n)
        cap = float(self.global_buffer_bytes)
        return np.minimum(n, cap) / self.global_buffer_bytes_per_cycle + np.maximum(n - cap, 0.0) / self.offchip_bytes_per_cycle

    def core_coords(self, cores) -> tuple[np.ndarray, np.ndarray]:
        """(row, col) arrays of PHYSICAL core ids on the mesh (row-major numbering). Callers
        pass physical ids: a buffer's cell -> core map is its alloc's `place`
        (dataflow.placement_of), chosen by the place-cores pass."""
        return routing.row_major(cores, self.mesh_shape)

    def hops(self, src, dst) -> np.ndarray:
        """Links on the XY route from each src core to its dst core (0 for src == dst)."""
        return routing.hop_counts(self.core_coords(src), self.core_coords(dst), self.mesh_shape,
                                  self.topology == "torus", self.express_stride)

    def route(self, src, dst, nbytes) -> routing.LinkStep:
        """One step's transfers src[i] → dst[i] of nbytes[i] (or one size for all) on the links."""
        return routing.route(self.core_coords(src), self.core_coords(dst), nbytes, self.mesh_shape,
                             self.topology == "torus", self.express_stride)

    def step_cycles(self, step: routing.LinkStep) -> float:
        """Cycles of a routed step: its busiest link's bytes at link speed + its longest route's hops."""
        return float(self.link_cycles(step.busiest_bytes, step.hops_max))

    def exchange_cycles(self, bytes_per_core, written_bytes=0, read_bytes=0):
        """A re-layout between operators: its transfer (`exchange_transfer_cycles`) plus the
        BSP syncs around it. The planner's estimate and the simulator's charge both call this."""
        return self.exchange_transfer_cycles(bytes_per_core, written_bytes, read_bytes) + self.relayout_syncs * self.sync_cycles

    def exchange_transfer_cycles(self, bytes_per_core, written_bytes=0, read_bytes=0):
        """The data movement of a re-layout. Without a global buffer: core to core,
        `transfer_cycles(bytes_per_core)` (the most any core receives). With one: the
        producer's cores write `written_bytes` out to the buffer, then the consumer's cores
        read `read_bytes` in (totals over all cores)."""
        if not self.has_global_buffer:
            return self.transfer_cycles(bytes_per_core)
        return self.global_buffer_cycles(written_bytes) + self.global_buffer_cycles(read_bytes)

    # --- planner estimates on routed targets (docs/cost-model.md, "Placement-aware estimates") --
    @property
    def places_rings(self) -> bool:
        return self.routed and self.hop_aware

    def ring_shift_cycles(self, part_bytes, ring_parts, level=0):
        """Planner: one shift of `part_bytes` per core around rings of `ring_parts` cores, the
        op's ring nesting `level` (0: outermost). Crossbar (or not hop-aware): one hop. Routed:
        place-cores puts the outermost ring on a closed loop of neighbours, one hop per part on
        its own link (an odd ring cannot close on a mesh: 2 hops); inner rings are folded
        along their axis: 2 hops, still one part per link."""
        if not self.places_rings:
            return self.transfer_cycles(part_bytes)
        parts = np.asarray(ring_parts)
        closed = (parts % 2 == 0) | (parts <= 2) | (self.topology == "torus")
        hops = np.where((np.asarray(level) == 0) & closed, 1, 2)
        return self.link_cycles(part_bytes, hops)

    def relayout_cycles(self, bytes_per_core, cores=None):
        """Planner: a re-layout between operators in which each of `cores` cores (default all)
        fetches `bytes_per_core`. Crossbar (or not hop-aware): `exchange_cycles`. Routed: an
        all-to-all over a square region of s = sqrt(cores) cores a side is limited by its
        bisection: a quarter of the region's bytes cross the middle each way over s links
        (2s on a torus), so the busiest link carries about bytes_per_core * s / 4 (s / 8),
        never less than bytes_per_core; the longest route is about 2s hops (s on a torus)."""
        if not self.places_rings:
            return self.exchange_cycles(bytes_per_core)
        n = self.cores if cores is None else np.asarray(cores)
        side = np.minimum(np.sqrt(np.maximum(n, 1)), max(self.mesh_shape))
        torus = self.topology == "torus"
        load = np.asarray(bytes_per_core, dtype=np.float64) * np.maximum(1.0, side / (8.0 if torus else 4.0))
        hops = np.ceil(side if torus else 2 * side)
        return self.link_cycles(load, hops) + self.relayout_syncs * self.sync_cycles

    # --- compute -------------------------------------------------------------------------
    def contraction_cycles(self, batch, m, k, n, elem_bytes: int):
        return self.matmul.cycles(batch, m, k, n, elem_bytes)

    def repack_cycles(self, n_elems):
        """Copy n elements into a dense block on one core (an im2col before a matrix
        instruction that cannot read an overlapping window): one unary pass of the default
        vector unit."""
        return self.vector.unary_cycles(n_elems)

    def elementwise_cycles(self, n_elems, n_inputs: int):
        """Cycles for an elementwise or reduction body over n elements with n inputs."""
        if n_inputs <= 1:
            return self.vector.unary_cycles(n_elems)
        return self.vector.binary_cycles(n_elems)

    def vector_stage_cycles(self, n_elems, n_inputs: int, first: bool):
        """One stage of a fused chain on a core's block: the elementwise cost of the stage,
        without the vector unit's launch cost (its cycles for zero elements) unless it is the
        first stage: the fused codelet starts once and runs the stages back to back."""
        cycles = self.elementwise_cycles(n_elems, n_inputs)
        return cycles if first else cycles - self.elementwise_cycles(0, n_inputs)

    def lookup_cycles(self, n_out_elems):
        """A table lookup step: per output element, one key compare and one select-add
        against the rows this core holds (found by address, not by scanning them)."""
        return 2 * self.vector.binary_cycles(n_out_elems)

    def partial_sum_cycles(self, out_elems, copies, elem_bytes: int):
        """(sync, transfer, compute) cycles to reduce `copies` partial sums of out_elems each."""
        out = np.asarray(out_elems, dtype=np.float64)
        r = np.asarray(copies, dtype=np.float64)
        two = r == 2
        sync = np.where(r > 1, r * self.sync_cycles, 0.0)
        moved = np.where(two, np.ceil(out / 2), out) * elem_bytes
        transfer = np.where(r > 1, self.transfer_cycles(moved), 0.0)
        a = self.reduce.align(np.ceil(out / np.maximum(r, 1)))
        ar = a * r
        many = np.where(
            ar <= self.reduce.small_limit,
            np.minimum(
                self.reduce.small_cap_elems * self.reduce.large_cycles_per_elem + self.reduce.fixed,
                self.reduce.small_cycles_per_elem * ar + self.reduce.fixed,
            ),
            self.reduce.large_cycles_per_elem * ar + self.reduce.fixed,
        )
        compute = np.where(r > 2, many, np.where(two, self.vector.binary_cycles(np.ceil(out / 2)), 0.0))
        return sync, transfer, compute

    def roofline_cycles(self, flops: float, dtype: str) -> float:
        return flops / (self.cores * self.matmul.peak_flops_per_cycle(dtype))

    def cycles_to_ms(self, cycles: float) -> float:
        return float(cycles) / self.clock_hz * 1e3
