"""Random small ONNX graphs and small targets for tests/test_fuzz.py, as plain data.

A graph is a `recipe`: input shapes plus a list of steps, each a tuple naming an op, the pool
indices of its operands (graph inputs first, then each step's output) and its parameters.
`build_model(recipe)` turns it into an opset-17 ModelProto; weights come from `recipe["seed"]`.
A target is a `TargetSpec`; `target_toml(spec)` writes its TOML. Both are plain literals, so a
falsifying example hypothesis prints can be pasted into the test's regression list as is.

Shapes favour sizes that do not divide the core counts (primes 5, 7, 11, 13, 37, ...).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
import numpy as np
import onnx
from hypothesis import strategies as st
from onnx import TensorProto, helper, numpy_helper

DIMS = (1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 16, 17, 24, 31, 37)
MAX_ELEMENTS = 4096  # per tensor: keeps each example well under a second
OPSET = 17

Shape = tuple[int, ...]


# --- recipe → ONNX -----------------------------------------------------------------------
def _broadcast(a: Shape, b: Shape) -> Shape:
    rank = max(len(a), len(b))
    a, b = (1,) * (rank - len(a)) + a, (1,) * (rank - len(b)) + b
    return tuple(max(x, y) for x, y in zip(a, b))


def conv_out(size: int, kernel: int, stride: int, pad: int, dilation: int) -> int:
    return (size + 2 * pad - dilation * (kernel - 1) - 1) // stride + 1


def step_shape(step: tuple, shapes: list[Shape]) -> Shape:
    """The output shape of one step, given the shapes of the pool so far."""
    op, src = step[0], shapes[step[1]]
    if op == "MatMul":
        return src[:-1] + (step[2],)
    if op == "Gemm":
        return (src[0], step[2])
    if op in ("Add", "Mul"):
        other = shapes[step[2][1]] if step[2][0] == "value" else tuple(step[2][1])
        return _broadcast(src, other)
    if op in ("Relu", "Softmax"):
        return src
    if op == "Transpose":
        return tuple(src[p] for p in step[2])
    if op == "Reshape":
        return tuple(step[2])
    if op == "ReduceSum":
        axes, keep = {a % len(src) for a in step[2]}, step[3]
        return tuple(1 if i in axes else d for i, d in enumerate(src) if keep or i not in axes)
    if op == "Conv":
        out_ch, kernel, stride, pad, dilation = step[2:7]
        n, _, h, w = src
        return (n, out_ch, conv_out(h, kernel, stride, pad, dilation), conv_out(w, kernel, stride, pad, dilation))
    raise ValueError(f"unknown step {op}")


def recipe_shapes(recipe: dict) -> list[Shape]:
    shapes = [tuple(s) for s in recipe["inputs"]]
    for step in recipe["steps"]:
        shapes.append(step_shape(step, shapes))
    return shapes


def outputs_of(recipe: dict) -> list[int]:
    """Pool indices of the graph outputs: every step output nothing else reads."""
    read = set()
    for step in recipe["steps"]:
        read.add(step[1])
        if step[0] in ("Add", "Mul") and step[2][0] == "value":
            read.add(step[2][1])
    first = len(recipe["inputs"])
    return [i for i in range(first, first + len(recipe["steps"])) if i not in read]


def build_model(recipe: dict) -> onnx.ModelProto:
    """The ONNX graph of `recipe` (checked by onnx.checker)."""
    rng = np.random.default_rng(recipe["seed"])
    shapes = recipe_shapes(recipe)
    names = [f"in{i}" for i in range(len(recipe["inputs"]))] + [f"v{j}" for j in range(len(recipe["steps"]))]
    inputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, list(s))
              for n, s in zip(names, recipe["inputs"])]
    nodes, inits = [], []

    def weight(name: str, shape: Shape, fan_in: int) -> str:
        data = (rng.standard_normal(shape) / math.sqrt(max(fan_in, 1))).astype(np.float32)
        inits.append(numpy_helper.from_array(data, name))
        return name

    def ints(name: str, values) -> str:
        inits.append(numpy_helper.from_array(np.asarray(values, dtype=np.int64), name))
        return name

    for j, step in enumerate(recipe["steps"]):
        op, x, out, label = step[0], names[step[1]], names[len(recipe["inputs"]) + j], f"n{j}_{step[0].lower()}"
        src = shapes[step[1]]
        if op == "MatMul":
            n, kind = step[2], step[3]
            if kind == "input":
                other = f"mm{j}"
                inputs.append(helper.make_tensor_value_info(other, TensorProto.FLOAT, [src[-1], n]))
            else:
                other = weight(f"w{j}", (src[-1], n), src[-1])
            nodes.append(helper.make_node("MatMul", [x, other], [out], name=label))
        elif op == "Gemm":
            n, trans_b, bias = step[2], step[3], step[4]
            w = weight(f"w{j}", (n, src[1]) if trans_b else (src[1], n), src[1])
            ins = [x, w] + ([weight(f"b{j}", (n,), 1)] if bias else [])
            nodes.append(helper.make_node("Gemm", ins, [out], name=label, transB=int(trans_b)))
        elif op in ("Add", "Mul"):
            kind, arg = step[2]
            other = names[arg] if kind == "value" else weight(f"w{j}", tuple(arg), 1)
            nodes.append(helper.make_node(op, [x, other], [out], name=label))
        elif op == "Relu":
            nodes.append(helper.make_node("Relu", [x], [out], name=label))
        elif op == "Softmax":
            nodes.append(helper.make_node("Softmax", [x], [out], name=label, axis=step[2]))
        elif op == "Transpose":
            nodes.append(helper.make_node("Transpose", [x], [out], name=label, perm=list(step[2])))
        elif op == "Reshape":
            target = list(step[2])
            if step[3] is not None:  # spell one dim as -1
                target[step[3]] = -1
            nodes.append(helper.make_node("Reshape", [x, ints(f"shape{j}", target)], [out], name=label))
        elif op == "ReduceSum":
            nodes.append(helper.make_node("ReduceSum", [x, ints(f"axes{j}", list(step[2]))], [out], name=label,
                                          keepdims=int(step[3])))
        elif op == "Conv":
            out_ch, kernel, stride, pad, dilation, group, bias = step[2:9]
            w = weight(f"w{j}", (out_ch, src[1] // group, kernel, kernel), src[1] // group * kernel * kernel)
            ins = [x, w] + ([weight(f"b{j}", (out_ch,), 1)] if bias else [])
            nodes.append(helper.make_node("Conv", ins, [out], name=label, kernel_shape=[kernel, kernel],
                                          strides=[stride, stride], pads=[pad] * 4, dilations=[dilation, dilation],
                                          group=group))
        else:
            raise ValueError(f"unknown step {op}")
    outputs = [helper.make_tensor_value_info(names[i], TensorProto.FLOAT, list(shapes[i])) for i in outputs_of(recipe)]
    graph = helper.make_graph(nodes, "fuzz", inputs, outputs, initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="tests/fuzz")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    return model


def describe(recipe: dict) -> str:
    """One line per step, for failure messages."""
    shapes = recipe_shapes(recipe)
    first = len(recipe["inputs"])
    names = [f"in{i}" for i in range(first)] + [f"v{j}" for j in range(len(recipe["steps"]))]
    lines = [f"{names[i]}: {list(s)}" for i, s in enumerate(recipe["inputs"])]
    for j, (op, src, *params) in enumerate(recipe["steps"]):
        if op in ("Add", "Mul") and params[0][0] == "value":
            params = [names[params[0][1]]]
        lines.append(f"v{j} = {op}({names[src]}{''.join(f', {p}' for p in params)}) -> {list(shapes[first + j])}")
    return "\n".join(lines)


# --- recipe strategy ---------------------------------------------------------------------
def _numel(shape: Shape) -> int:
    return math.prod(shape)


@st.composite
def input_shape(draw) -> Shape:
    kind = draw(st.sampled_from(["2d", "2d", "3d", "4d"]))
    if kind == "4d":  # a small image batch, for Conv
        return (draw(st.sampled_from([1, 2])), draw(st.sampled_from([1, 2, 3, 4, 6])),
                draw(st.integers(3, 11)), draw(st.integers(3, 11)))
    rank = 2 if kind == "2d" else 3
    shape = tuple(draw(st.sampled_from(DIMS)) for _ in range(rank))
    return shape if _numel(shape) <= MAX_ELEMENTS else shape[:-1] + (1,)


def _factorizations(n: int, rank: int) -> list[Shape]:
    divisors = [d for d in range(1, n + 1) if n % d == 0]
    if rank == 1:
        return [(n,)]
    return [(d, *rest) for d in divisors for rest in _factorizations(n // d, rank - 1)]


@st.composite
def step_for(draw, shapes: list[Shape]) -> tuple:
    """One valid step reading the pool `shapes` (any earlier value: chains, branches, diamonds)."""
    ops = ["MatMul", "Add", "Mul", "Relu", "Softmax", "Transpose", "Reshape", "ReduceSum"]
    if any(len(s) == 2 for s in shapes):
        ops.append("Gemm")
    if any(len(s) == 4 for s in shapes):
        ops += ["Conv", "Conv"]
    op = draw(st.sampled_from(ops))
    usable = {"Gemm": lambda s: len(s) == 2, "Conv": lambda s: len(s) == 4,
              "Transpose": lambda s: len(s) >= 2}.get(op, lambda s: len(s) >= 1)
    candidates = [i for i, s in enumerate(shapes) if usable(s)] or [len(shapes) - 1]
    src = draw(st.sampled_from(candidates))
    shape = shapes[src]
    if not usable(shape):
        op = "Relu"
    if op == "MatMul":
        n = draw(st.sampled_from(DIMS))
        while _numel(shape[:-1]) * n > MAX_ELEMENTS and n > 1:
            n //= 2
        return ("MatMul", src, n, draw(st.sampled_from(["weight", "weight", "input"])))
    if op == "Gemm":
        n = draw(st.sampled_from(DIMS))
        while shape[0] * n > MAX_ELEMENTS and n > 1:
            n //= 2
        return ("Gemm", src, n, draw(st.booleans()), draw(st.booleans()))
    if op in ("Add", "Mul"):
        same = [i for i, s in enumerate(shapes) if s == shape and i != src]
        if same and draw(st.booleans()):
            return (op, src, ("value", draw(st.sampled_from(same))))
        keep = draw(st.integers(1, len(shape)))  # a right-aligned suffix, some dims broadcast
        suffix = [d if draw(st.booleans()) else 1 for d in shape[-keep:]]
        return (op, src, ("weight", tuple(suffix)))
    if op == "Relu":
        return ("Relu", src)
    if op == "Softmax":
        return ("Softmax", src, draw(st.integers(-len(shape), len(shape) - 1)))
    if op == "Transpose":
        return ("Transpose", src, tuple(draw(st.permutations(range(len(shape))))))
    if op == "Reshape":
        rank = draw(st.integers(1, 3))
        target = draw(st.sampled_from(_factorizations(_numel(shape), rank)))
        minus_one = draw(st.one_of(st.none(), st.integers(0, rank - 1)))
        return ("Reshape", src, target, minus_one)
    if op == "ReduceSum":
        axes = draw(st.lists(st.integers(-len(shape), len(shape) - 1), min_size=1, max_size=len(shape),
                             unique_by=lambda a: a % len(shape)))
        return ("ReduceSum", src, tuple(axes), draw(st.booleans()))
    # Conv: output channels, kernel, stride, pad, dilation, group, bias
    channels, h, w = shape[1], shape[2], shape[3]
    group = draw(st.sampled_from([1, channels] if channels > 1 else [1]))
    out_ch = group * draw(st.integers(1, 3)) if group > 1 else draw(st.integers(1, 6))
    kernel = draw(st.integers(1, 3))
    dilation = draw(st.integers(1, 2))
    pad = draw(st.integers(0, 1))
    stride = draw(st.integers(1, 2))
    if min(conv_out(h, kernel, stride, pad, dilation), conv_out(w, kernel, stride, pad, dilation)) < 1:
        kernel, dilation = 1, 1
    return ("Conv", src, out_ch, kernel, stride, pad, dilation, group, draw(st.booleans()))


@st.composite
def recipes(draw, max_steps: int = 5) -> dict:
    inputs = [draw(input_shape()) for _ in range(draw(st.integers(1, 2)))]
    shapes = list(inputs)
    steps = []
    for _ in range(draw(st.integers(1, max_steps))):
        step = draw(step_for(shapes))
        shape = step_shape(step, shapes)
        if _numel(shape) > MAX_ELEMENTS:
            continue
        steps.append(step)
        shapes.append(shape)
    if not steps:
        steps.append(("Relu", 0))
    return {"inputs": [list(s) for s in inputs], "steps": steps, "seed": draw(st.integers(0, 2**16))}


# --- targets -------------------------------------------------------------------------------
@dataclass(frozen=True)
class TargetSpec:
    """A small chip: what varies between fuzz targets; the rest is fixed in `target_toml`."""

    cores: int
    topology: str = "crossbar"
    mesh_shape: tuple[int, int] | None = None
    scratchpad_bytes: int = 65536
    shift_buffers: int = 2
    relayout_syncs: int = 2
    link_bytes_per_cycle: float = 4.0
    link_latency_cycles: int = 0
    overlap: bool = False
    unit: str = "simple"  # "simple" (1 MAC block) or "amp" (ipu-mk2's matmul unit figures)


AMP = """unit = "amp"
block_cycles_per_byte = 12
block_m = 6
block_k_bytes = 32
block_n = 16
kn_cycles = 514
kn_block_k = 16
n_cycles = 113
fixed_cycles = 173
min_m_for_swap = 16
flops_per_cycle = { f16 = 128.0, f32 = 32.0 }"""

SIMPLE = """unit = "mac"
block_cycles_per_byte = 1
block_m = 1
block_k_bytes = 4
block_n = 1
kn_cycles = 0
kn_block_k = 1
n_cycles = 0
fixed_cycles = 20
flops_per_cycle = { f32 = 2.0 }"""


def target_toml(spec: TargetSpec, name: str = "fuzz-chip") -> str:
    mesh = f"mesh_shape = [{spec.mesh_shape[0]}, {spec.mesh_shape[1]}]\n" if spec.mesh_shape else ""
    return f"""name = "{name}"
cores = {spec.cores}
topology = "{spec.topology}"
{mesh}scratchpad_bytes = {spec.scratchpad_bytes}
clock_hz = 1.0e9
sync_cycles = 50
link_bytes_per_cycle = {spec.link_bytes_per_cycle}
link_latency_cycles = {spec.link_latency_cycles}
shift_buffers = {spec.shift_buffers}
relayout_syncs = {spec.relayout_syncs}
overlap_compute_comm = {str(spec.overlap).lower()}

[matmul]
{AMP if spec.unit == "amp" else SIMPLE}

[vector]
unit = "vector"
large_threshold = 16432
large_cycles_per_elem = 0.5
large_fixed = 300
small_cycles_per_elem = 0.75
small_fixed = 290
small_cap = 8517
unary_cycles_per_elem = 0.5
unary_fixed = 200

[reduce]
align_steps = [1, 2, 4, 8]
align_multiple = 8
small_limit = 480
small_cycles_per_elem = 1.5
small_cap_elems = 481
large_cycles_per_elem = 0.25
fixed = 175
"""


@st.composite
def targets(draw) -> TargetSpec:
    cores = draw(st.integers(4, 64))
    topology = draw(st.sampled_from(["crossbar", "mesh", "torus"]))
    mesh = None
    if topology != "crossbar":
        rows = draw(st.sampled_from([r for r in range(1, cores + 1) if cores % r == 0]))
        mesh = (rows, cores // rows)
    return TargetSpec(
        cores=cores, topology=topology, mesh_shape=mesh,
        scratchpad_bytes=draw(st.sampled_from([768, 2048, 8192, 65536, 1 << 20])),
        shift_buffers=draw(st.integers(1, 3)),
        relayout_syncs=draw(st.integers(0, 6)),
        link_bytes_per_cycle=draw(st.sampled_from([1.0, 4.0, 32.0])),
        link_latency_cycles=draw(st.integers(0, 9)),
        overlap=draw(st.booleans()),
        unit=draw(st.sampled_from(["simple", "amp"])),
    )

