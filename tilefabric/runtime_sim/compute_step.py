"""One dataflow.compute on all cores at once: read each operand's box per core, run the body
(einsum for multiply-accumulate, the vectorised scalar body otherwise), write the outputs."""

from __future__ import annotations

import itertools
from math import prod

import numpy as np

from tilefabric.analysis.affine_eval import eval_on_grid
from tilefabric.analysis.iteration_space import axis_dims
from tilefabric.analysis.kernel import classify
from tilefabric.runtime_sim.body_eval import check_supported, evaluate, numpy_dtype
from tilefabric.runtime_sim.boxes import box_index

REDUCE = {"add": np.add, "mul": np.multiply, "max": np.maximum, "min": np.minimum}
IDENTITY = {"add": 0, "mul": 1, "max": -np.inf, "min": np.inf}
LETTERS = "abcdefghijklmnopqrstuvwxyz"


class ComputeStep:
    def __init__(self, op, target, label: str):
        self.op, self.label = op, label
        self.operands = list(op.inputs) + list(op.outputs)
        self.n_in = len(op.inputs)
        self.maps = [m.data for m in op.indexing_maps.data]
        self.dims = [axis_dims(m) for m in self.maps]
        self.iterators = [i.data for i in op.iterator_types.data]
        self.sizes = tuple(op.sizes.get_values())
        self.grid = self.operands[0].type.grid_shape
        self.cores = prod(self.grid)
        self.offsets = [m.data for m in op.offsets.data]
        self.extents = [[self.sizes[d] if d >= 0 else 1 for d in dims] for dims in self.dims]
        self.reductions = [d for d, it in enumerate(self.iterators) if it == "reduction"]
        self.block = op.body.block
        check_supported(self.block, f"op '{label}'")
        self.info = classify(self.maps, self.iterators, self.block, self.n_in)
        self.cycles = self._cycles(target)
        self._offset_cache: dict[tuple, list[np.ndarray]] = {}

    def _cycles(self, target) -> float:
        s = self.sizes
        eb = max(v.type.element_type.bitwidth // 8 for v in (self.operands[: self.n_in] or self.operands))
        if self.info.kind == "contraction":
            p = lambda dims: prod(s[d] for d in dims)  # noqa: E731
            return float(target.contraction_cycles(p(self.info.batch), p(self.info.m), p(self.info.k), p(self.info.n), eb))
        return float(target.elementwise_cycles(prod(s), self.n_in))

    def _boxes(self, symbols) -> list[tuple]:
        key = tuple(symbols)
        if key not in self._offset_cache:
            self._offset_cache[key] = [
                box_index(eval_on_grid(m, self.grid, key[: m.num_symbols]), ext) for m, ext in zip(self.offsets, self.extents)
            ]
        return self._offset_cache[key]

    def run(self, machine, symbols) -> None:
        bufs = [machine.buffers[id(v)] for v in self.operands]
        index = self._boxes(symbols)
        slices = [b[(self._cores_ix(b),) + ix] for b, ix in zip(bufs, index)]
        results = [self._einsum(slices)] if self.info.kind == "contraction" else self._general(slices)
        for x, res in enumerate(results):
            buf = bufs[self.n_in + x]
            buf[(self._cores_ix(buf),) + index[self.n_in + x]] = res.astype(buf.dtype, copy=False)

    def _cores_ix(self, buf) -> np.ndarray:
        return np.arange(self.cores).reshape([self.cores] + [1] * (buf.ndim - 1))

    def _einsum(self, slices):
        subs = []
        for dims, sl in zip(self.dims, slices):
            keep = [i for i, d in enumerate(dims) if d >= 0]
            subs.append(("z" + "".join(LETTERS[dims[i]] for i in keep), sl.reshape(sl.shape[:1] + tuple(sl.shape[1 + i] for i in keep))))
        (sa, a), (sb, b), (sc, c) = subs
        acc = np.float64 if a.dtype == np.float64 else np.float32
        prod_ = np.einsum(f"{sa},{sb}->{sc}", a.astype(acc), b.astype(acc), optimize=True)
        return (c.astype(acc) + prod_).reshape(slices[2].shape)

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
