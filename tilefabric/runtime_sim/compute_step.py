"""One dataflow.compute on all cores at once: read each operand's box per core, run the body
(one batched matmul for multiply-accumulate, the vectorised scalar body otherwise), write the outputs."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import itertools
from math import prod

import numpy as np

from tilefabric.analysis.affine_eval import eval_on_grid
from tilefabric.analysis.iteration_space import axis_extent, axis_terms, is_window
from tilefabric.analysis.kernel import classify
from tilefabric.dialects.isa import INSTRUCTION, MappingAttr
from tilefabric.isa import cost as isa_cost
from tilefabric.isa.kernel import MAPPABLE, kernel_of_op
from tilefabric.isa.search import DEFAULT as DEFAULT_ISA, decide_one
from tilefabric.runtime_sim.body_eval import check_supported, evaluate, numpy_dtype
from tilefabric.runtime_sim.boxes import box_index

REDUCE = {"add": np.add, "mul": np.multiply, "max": np.maximum, "min": np.minimum}
IDENTITY = {"add": 0, "mul": 1, "max": -np.inf, "min": np.inf}
MAX_GROUPS = 64  # distinct per-core offsets handled as core groups; beyond, one fancy index


@functools.cache
def _openblas_thread_setter():
    """numpy's bundled OpenBLAS `set_num_threads`/`get_num_threads`, found the way
    threadpoolctl does (the loaded library's path); None when there is none to find."""
    try:
        with open("/proc/self/maps") as f:
            paths = sorted({ln.split()[-1] for ln in f if "openblas" in ln.lower() and ln.rstrip().endswith(".so")})
    except OSError:
        return None
    for path in paths:
        lib = ctypes.CDLL(path)
        for prefix, suffix in (("scipy_openblas", "64_"), ("scipy_openblas", ""), ("openblas", "64_"), ("openblas", "")):
            setter = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
            getter = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
            if setter is not None and getter is not None:
                return setter, getter
    return None


@contextlib.contextmanager
def single_threaded_blas():
    """Per-core matmuls are small (e.g. 16x384 @ 384x280): OpenBLAS waking its threads for
    each of ~1,400 of them is 4-5x slower than one thread, so run them single-threaded."""
    found = _openblas_thread_setter()
    if found is None:
        yield
        return
    setter, getter = found
    before = getter()
    setter(1)
    try:
        yield
    finally:
        setter(before)


class Box:
    """How one operand's per-core box is read and written. Cores reading at the same offset
    form a group served by plain slicing (one group: a view); a ring has few distinct parts,
    so this avoids building [cores, *extents] index arrays on every step."""

    def __init__(self, offsets: np.ndarray, extents, cores: int):
        self.cores, self.extents = cores, tuple(extents)
        rows, inverse = np.unique(offsets, axis=0, return_inverse=True) if offsets.shape[1] else (offsets[:1], np.zeros(cores, np.int64))
        inverse = np.asarray(inverse).reshape(-1)
        self.fancy = box_index(offsets, extents) if len(rows) > MAX_GROUPS else None
        self.groups = [(np.flatnonzero(inverse == g), tuple(slice(int(o), int(o) + e) for o, e in zip(rows[g], extents)))
                       for g in range(len(rows))] if self.fancy is None else []

    def _cores(self, buf) -> np.ndarray:
        return np.arange(self.cores).reshape([self.cores] + [1] * (buf.ndim - 1))

    def read(self, buf: np.ndarray) -> np.ndarray:
        if self.fancy is not None:
            return buf[(self._cores(buf),) + self.fancy]
        if len(self.groups) == 1:
            return buf[(slice(0, self.cores),) + self.groups[0][1]]
        out = np.empty((self.cores,) + self.extents, dtype=buf.dtype)
        for cores, sl in self.groups:
            out[cores] = buf[(cores,) + sl]
        return out

    def write(self, buf: np.ndarray, values: np.ndarray) -> None:
        values = values.astype(buf.dtype, copy=False)
        if self.fancy is not None:
            buf[(self._cores(buf),) + self.fancy] = values
        elif len(self.groups) == 1:
            buf[(slice(0, self.cores),) + self.groups[0][1]] = values
        else:
            for cores, sl in self.groups:
                buf[(cores,) + sl] = values[cores]


class ComputeStep:
    """`strategy` chooses the instruction mapping when the op records none (`tf.instruction`,
    set by isa-map): the one the planner priced the plan with."""

    def __init__(self, op, target, label: str, strategy: str = DEFAULT_ISA):
        self.op, self.label = op, label
        self.operands = list(op.inputs) + list(op.outputs)
        self.n_in = len(op.inputs)
        self.maps = [m.data for m in op.indexing_maps.data]
        self.terms = [axis_terms(m) for m in self.maps]
        # Loop dim per axis of each operand as the body sees it: a window axis (Σ c·d) is
        # expanded into one axis per term (see _expand_windows); -1 is a unit axis.
        self.dims = [[d for t in terms for d in ([d for d, _ in t] or [-1])] for terms in self.terms]
        self.windowed = [any(map(is_window, terms)) for terms in self.terms]
        self.iterators = [i.data for i in op.iterator_types.data]
        self.sizes = tuple(op.sizes.get_values())
        self.grid = self.operands[0].type.grid_shape
        self.cores = prod(self.grid)
        self.offsets = [m.data for m in op.offsets.data]
        self.extents = [[axis_extent(t, self.sizes) for t in terms] for terms in self.terms]
        self.reductions = [d for d, it in enumerate(self.iterators) if it == "reduction"]
        self.block = op.body.block
        check_supported(self.block, f"op '{label}'")
        self.info = classify(self.maps, self.iterators, self.block, self.n_in)
        self.mapping, self.shape = self._mapping(op, target, strategy)
        self.useful_work = self.performed_work = 0.0
        self.cycles = self._cycles(target)
        self._offset_cache: dict[tuple, list[Box]] = {}

    def _mapping(self, op, target, strategy: str):
        """The instruction this sub-operator runs as (isa/): the recorded `tf.instruction`, else
        the strategy's choice. Lookups and a fused chain's vector stages are not mapped."""
        kernel = kernel_of_op(op)
        fused_vector = "tf.fused_stage" in op.attributes and self.info.kind != "contraction"
        if kernel.kind not in MAPPABLE or fused_vector:
            return None, None
        recorded = op.attributes.get(INSTRUCTION)
        if isinstance(recorded, MappingAttr):
            mapping = recorded.mapping()
        else:
            mapping = decide_one(kernel, target, tuple(self.sizes), strategy)[0]
        return mapping, isa_cost.shape_of(kernel, target, mapping)

    def _cycles(self, target) -> float:
        s = self.sizes
        if self.shape is not None:  # the mapped instruction: the unit's formula, as the planner priced it
            U = np.asarray([s], dtype=np.int64)
            useful, performed = isa_cost.work(target, self.shape, U)
            self.useful_work, self.performed_work = float(useful[0]), float(performed[0])
            return float(isa_cost.cycles(target, self.shape, U)[0])
        eb = max(v.type.element_type.bitwidth // 8 for v in (self.operands[: self.n_in] or self.operands))
        if self.info.kind == "contraction":
            p = lambda dims: prod(s[d] for d in dims)  # noqa: E731
            return float(target.contraction_cycles(p(self.info.batch), p(self.info.m), p(self.info.k), p(self.info.n), eb))
        if self.info.kind == "lookup":
            return float(target.lookup_cycles(prod(n for d, n in enumerate(s) if d not in self.reductions)))
        stage = self.op.attributes.get("tf.fused_stage")
        if stage is not None:  # one stage of a fused chain: the vector unit launches once per chain
            return float(target.vector_stage_cycles(prod(s), self.n_in, first=stage.value.data == 0))
        return float(target.elementwise_cycles(prod(s), self.n_in))

    def instruction(self, target) -> str:
        """What runs, for the report: the mapping (`amp m=d0 n=d1 k=d2`, `+ im2col` when an
        input is packed first), a lookup or a fused chain's vector stage."""
        if self.mapping is None:
            if self.info.kind == "lookup":
                return f"{target.vector.unit} lookup"
            return f"{target.vector.unit} fused" if "tf.fused_stage" in self.op.attributes else target.vector.unit
        unit = target.unit(self.mapping.unit)
        text = self.mapping.describe(unit.kind, unit.templates[self.mapping.template].mac)
        if isa_cost.gathers(self.shape, np.asarray([self.sizes], dtype=np.int64))[0]:
            text += " + im2col"
        return text

    def _boxes(self, symbols) -> list[Box]:
        key = tuple(symbols)
        if key not in self._offset_cache:
            self._offset_cache[key] = [
                Box(eval_on_grid(m, self.grid, key[: m.num_symbols]), ext, self.cores) for m, ext in zip(self.offsets, self.extents)
            ]
        return self._offset_cache[key]

    def run(self, machine, symbols) -> None:
        bufs = [machine.buffers[id(v)] for v in self.operands]
        boxes = self._boxes(symbols)
        slices = [box.read(b) for b, box in zip(bufs, boxes)]
        slices = [self._expand_windows(sl, x) if self.windowed[x] else sl for x, sl in enumerate(slices)]
        # Padding is NaN-filled on purpose (a read of it must poison the result), so
        # arithmetic on it is expected: numpy must not print warnings on the CLI's stderr.
        with np.errstate(all="ignore"):
            if self.info.kind == "contraction":
                results = [self._matmul(slices)]
            elif self.info.kind == "lookup":
                results = self._lookup(slices)
            else:
                results = self._general(slices)
        for x, res in enumerate(results):
            boxes[self.n_in + x].write(bufs[self.n_in + x], res)

    def _expand_windows(self, box: np.ndarray, x: int) -> np.ndarray:
        """A strided view with one axis per term of each window axis: element [.., i, j, ..]
        of axis `c1·d1 + c2·d2` is box element c1·i + c2·j (im2col without copying)."""
        shape, strides = [box.shape[0]], [box.strides[0]]
        for axis, terms in enumerate(self.terms[x]):
            if not terms:
                shape.append(1)
                strides.append(box.strides[1 + axis])
            for d, c in terms:
                shape.append(self.sizes[d])
                strides.append(c * box.strides[1 + axis])
        return np.lib.stride_tricks.as_strided(box, shape, strides, writeable=False)

    def _matmul(self, slices):
        """The contraction as one batched matmul [cores·batch, m, k] @ [cores·batch, k, n]."""
        info, sizes = self.info, self.sizes
        a = self._arrange(slices[info.lhs], self.dims[info.lhs], info.batch + info.m + info.k)
        b = self._arrange(slices[info.rhs], self.dims[info.rhs], info.batch + info.k + info.n)
        nb, nm, nk, nn = (prod(sizes[d] for d in ds) for ds in (info.batch, info.m, info.k, info.n))
        acc = np.float64 if a.dtype == np.float64 else np.float32
        a = a.astype(acc, copy=False).reshape(self.cores * nb, nm, nk)
        b = b.astype(acc, copy=False).reshape(self.cores * nb, nk, nn)
        with single_threaded_blas():
            product = np.matmul(a, b)
        order = info.batch + info.m + info.n
        product = product.reshape([self.cores] + [sizes[d] for d in order])
        out_dims = [d for d in self.dims[2] if d >= 0]
        product = product.transpose([0] + [1 + order.index(d) for d in out_dims])
        c = slices[2]
        return (c.astype(acc) + product.reshape(c.shape))

    def _arrange(self, sl, dims, order):
        """Operand box [cores, *axes] -> [cores, *loop dims in `order`] (unit axes dropped)."""
        keep = [i for i, d in enumerate(dims) if d >= 0]
        arr = sl.reshape(sl.shape[:1] + tuple(sl.shape[1 + i] for i in keep))
        loop = [dims[i] for i in keep]
        return arr.transpose([0] + [1 + loop.index(d) for d in order])

    def _full(self, sl, dims):
        """Operand box [cores, *axes] -> broadcastable [cores, *loop dims]."""
        keep = [i for i, d in enumerate(dims) if d >= 0]
        arr = sl.reshape(sl.shape[:1] + tuple(sl.shape[1 + i] for i in keep))
        loop = [dims[i] for i in keep]
        order = np.argsort(loop)
        arr = np.transpose(arr, [0] + [1 + int(o) for o in order])
        shape = [self.cores] + [1] * len(self.sizes)
        for o in order:
            shape[1 + loop[o]] = self.sizes[loop[o]]
        return arr.reshape(shape)

    def _to_output(self, full, x, shape):
        """Broadcast loop-space values [cores, *loop] -> output box [cores, *axes]."""
        dims = self.dims[x]
        full = np.broadcast_to(full, [self.cores] + [self.sizes[d] if d in dims else 1 for d in range(len(self.sizes))])
        keep = [d for d in dims if d >= 0]
        drop = [1 + d for d in range(len(self.sizes)) if d not in keep]
        arr = full.reshape([s for i, s in enumerate(full.shape) if i not in drop]) if drop else full
        order = [sorted(keep).index(d) for d in keep]
        arr = np.transpose(arr, [0] + [1 + o for o in order])
        return arr.reshape(shape)

    def _general(self, slices):
        ins = [self._full(s, d) for s, d in zip(slices[: self.n_in], self.dims[: self.n_in])]
        outs = slices[self.n_in:]
        if not self.reductions:
            out_args = [self._full(s, d) for s, d in zip(outs, self.dims[self.n_in:])]
            vals = evaluate(self.block, ins + out_args)
            return [self._to_output(v, self.n_in + x, outs[x].shape) for x, v in enumerate(vals)]
        if self.info.combiner is not None:
            comb = self.info.combiner
            idents = [np.asarray(IDENTITY[comb], dtype=o.dtype if o.dtype.kind == "f" else np.float64).astype(o.dtype) for o in outs]
            terms = evaluate(self.block, ins + idents)
            axes = tuple(1 + d for d in self.reductions)
            results = []
            for x, t in enumerate(terms):
                full = np.broadcast_to(t, [self.cores] + list(self.sizes))
                red = REDUCE[comb].reduce(full, axis=axes, keepdims=True)
                old = self._full(outs[x], self.dims[self.n_in + x])
                results.append(self._to_output(REDUCE[comb](old, red), self.n_in + x, outs[x].shape))
            return results
        return self._sequential(ins, outs)

    def _lookup(self, slices):
        """out += table[row whose tag == key]: each core finds its row by address when its
        tags are consecutive (then 0-padding), as a frontend lookup's are; any other tags
        take the exact one-hot evaluation of the body."""
        keys_x, tags_x, table_x, offset = self.info.lookup
        v = self.reductions[0]
        rows = self.sizes[v]
        tags = slices[tags_x].reshape(self.cores, rows).astype(np.int64)
        first = tags[:, 0]
        real = np.count_nonzero(tags, axis=1)
        span = np.arange(rows)
        if not np.array_equal(tags, np.where(span < real[:, None], first[:, None] + span, 0)):
            return self._general(slices)
        at_v = [self.cores] + [1] * len(self.sizes)
        keys = self._full(slices[keys_x], self.dims[keys_x]).astype(np.int64) + offset
        pos = keys - first.reshape(at_v)
        found = (pos >= 0) & (pos < real.reshape(at_v))
        table = self._full(slices[table_x], self.dims[table_x])
        picked = np.take_along_axis(table, np.clip(pos, 0, rows - 1), axis=1 + v)
        out = slices[self.n_in]
        old = self._full(out, self.dims[self.n_in])
        term = np.where(found, picked, np.zeros((), dtype=picked.dtype))
        return [self._to_output(old + term, self.n_in, out.shape)]

    def _pick(self, a, point):
        sel = [slice(None)] * a.ndim
        for d, i in zip(self.reductions, point):
            if a.shape[1 + d] > 1:
                sel[1 + d] = slice(i, i + 1)
        return a[tuple(sel)]

    def _sequential(self, ins, outs):
        """Non-associative reduction bodies: step through reduction indices in order,
        still vectorised over cores and parallel dims."""
        cur = [self._full(o, d) for o, d in zip(outs, self.dims[self.n_in:])]
        for point in itertools.product(*(range(self.sizes[d]) for d in self.reductions)):
            args = [self._pick(a, point) for a in ins]
            cur = [np.asarray(v) for v in evaluate(self.block, args + cur)]
        return [self._to_output(c, self.n_in + x, outs[x].shape) for x, c in enumerate(cur)]


def dtype_of(buffer_type) -> np.dtype:
    return numpy_dtype(buffer_type.element_type)
