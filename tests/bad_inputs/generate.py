"""Rebuild the bad-input corpus files next to this script (they are committed; this records how
each was made). Run: `.venv/bin/python tests/bad_inputs/generate.py`.

Every file is tiny (< 2 KB) and deterministic in content; `cases.toml` says what each case
passes to the CLI and what it must answer.
"""

from __future__ import annotations

import io
import re
import zipfile
from importlib import resources
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = Path(__file__).resolve().parent


def _model(nodes, inputs, outputs, inits=(), opset: int = 17, domains=()) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits))
    opsets = [helper.make_opsetid("", opset), *(helper.make_opsetid(d, 1) for d in domains)]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="tests/bad_inputs")
    model.ir_version = 8
    return model


def _f32(name: str, shape) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def matmul(m: int = 8, k: int = 16, n: int = 4) -> onnx.ModelProto:
    """The valid model most cases feed bad companions to: C[8, 4] = A[8, 16] @ B[16, 4]."""
    node = helper.make_node("MatMul", ["A", "B"], ["C"], name="matmul")
    return _model([node], [_f32("A", [m, k]), _f32("B", [k, n])], [_f32("C", [m, n])])


def gemm() -> onnx.ModelProto:
    """A model with weights (W, b), so an --inputs file can wrongly name a weight."""
    rng = np.random.default_rng(0)
    inits = [numpy_helper.from_array(rng.standard_normal((4, 16)).astype(np.float32), "W"),
             numpy_helper.from_array(rng.standard_normal(4).astype(np.float32), "b")]
    node = helper.make_node("Gemm", ["X", "W", "b"], ["Y"], name="gemm", transB=1)
    return _model([node], [_f32("X", [8, 16])], [_f32("Y", [8, 4])], inits)


def one_op(op_type: str, out_type: int, out_shape, **attrs) -> onnx.ModelProto:
    node = helper.make_node(op_type, ["x"], ["y"], name=f"the_{op_type.lower()}", **attrs)
    return _model([node], [_f32("x", [4, 4])], [helper.make_tensor_value_info("y", out_type, out_shape)])


def onnx_files() -> dict[str, bytes]:
    good = matmul().SerializeToString()
    custom = _model([helper.make_node("Fancy", ["x"], ["y"], name="fancy", domain="com.example")],
                    [_f32("x", [4, 4])], [_f32("y", [4, 4])], domains=["com.example"])
    dynamic = _model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
                     [_f32("x", ["batch", 4])], [_f32("y", ["batch", 4])])
    dangling = _model([helper.make_node("Add", ["x", "nowhere"], ["y"], name="add")],
                      [_f32("x", [4, 4])], [_f32("y", [4, 4])])
    no_nodes = _model([], [_f32("x", [4, 4])], [_f32("x", [4, 4])])
    rng = np.random.default_rng(10)
    return {
        "matmul.onnx": good,
        "gemm.onnx": gemm().SerializeToString(),
        "truncated.onnx": good[: len(good) // 2],
        "garbage.onnx": rng.integers(0, 256, 512, dtype=np.uint8).tobytes(),
        "empty.onnx": b"",
        "text.onnx": b"this is not an ONNX model\n",
        "matmul.pb": good,  # right bytes, unknown suffix
        # 3 x 16 GiB of f32 operands: more than any preset holds (and than this host's memory)
        "larger_than_chip.onnx": matmul(65536, 65536, 65536).SerializeToString(),
        "unsupported_nonzero.onnx": one_op("NonZero", TensorProto.INT64, [2, None]).SerializeToString(),
        "crash_unique.onnx": one_op("Unique", TensorProto.FLOAT, [None]).SerializeToString(),
        "index_reading_hardmax.onnx": one_op("Hardmax", TensorProto.FLOAT, [4, 4]).SerializeToString(),
        "custom_domain.onnx": custom.SerializeToString(),
        "dynamic_dim.onnx": dynamic.SerializeToString(),
        "dangling_input.onnx": dangling.SerializeToString(),
        "no_nodes.onnx": no_nodes.SerializeToString(),
    }


def _npz(**arrays) -> bytes:
    """np.savez into memory, with a fixed zip timestamp so the bytes do not depend on the day."""
    plain = io.BytesIO()
    np.savez(plain, **arrays)
    fixed = io.BytesIO()
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(fixed, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            stamped = zipfile.ZipInfo(info.filename, date_time=(2020, 1, 1, 0, 0, 0))
            dst.writestr(stamped, src.read(info.filename))
    return fixed.getvalue()


def input_files() -> dict[str, bytes]:
    a, b = np.ones((8, 16), np.float32), np.ones((16, 4), np.float32)
    good = _npz(A=a, B=b)
    return {
        "unknown_name.npz": _npz(A=a, Z=b),
        "wrong_shape.npz": _npz(A=a.T.copy(), B=b),
        "wrong_rank.npz": _npz(A=a[None], B=b),
        "wrong_dtype.npz": _npz(A=a.astype(np.float64), B=b),
        "int_for_float.npz": _npz(A=a.astype(np.int32), B=b),
        "weight_as_input.npz": _npz(W=np.ones((4, 16), np.float32)),
        "pickled.npz": _npz(A=np.array([{"x": 1}, None], dtype=object)),  # needs pickle to load
        "truncated.npz": good[: len(good) // 2],
        "text.npz": b"A = [1, 2, 3]\n",
    }


MATMUL_COMPUTE = """\
    %r = rtensor.compute plan <spatial = {spatial}, temporal = {temporal}{rotation}> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {{indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]}} {{
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    }} -> tensor<128x256xf32>"""

RTENSOR = """\
builtin.module attributes {{tf.target = "ipu-mk2"}} {{
  func.func @main(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) -> tensor<128x256xf32> {{
{compute}
    func.return %r : tensor<128x256xf32>
  }}
}}
"""

BUF = "!dataflow.buffer<grid [2], local [4, 8], f32>"
DATAFLOW = """\
builtin.module attributes {{tf.target = "ipu-mk2"}} {{
  func.func @main(%a: tensor<8x8xf32>) -> tensor<8x8xf32> {{
    %ba = dataflow.alloc {{tf.op = "load"}} : {buf}
    dataflow.scatter %a into %ba offsets affine_map<(c0) -> (c0 * 4, 0)> : tensor<8x8xf32> -> {buf}
    dataflow.shift %ba from affine_map<(c0) -> ({source})> {{tf.op = "ring"}} : {buf}
    %c = dataflow.gather %ba offsets affine_map<(c0) -> (c0 * 4, 0)> : {buf} -> tensor<8x8xf32>
    func.return %c : tensor<8x8xf32>
  }}
}}
"""

RELU = """\
func.func @{name}(%x: tensor<{shape}xf32>) -> tensor<{shape}xf32> {{
  %e = tensor.empty({dyn}) : tensor<{shape}xf32>
  %y = linalg.generic {{indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}} ins(%x : tensor<{shape}xf32>) outs(%e : tensor<{shape}xf32>) {{
  ^bb0(%in: f32, %out: f32):
    %zero = arith.constant 0.0 : f32
    %r = arith.maximumf %in, %zero : f32
    linalg.yield %r : f32
  }} -> tensor<{shape}xf32>
  func.return %y : tensor<{shape}xf32>
}}
"""


def mlir_files() -> dict[str, bytes]:
    def rtensor(spatial: str, temporal: str, rotation: str = "") -> bytes:
        compute = MATMUL_COMPUTE.format(spatial=spatial, temporal=temporal, rotation=rotation)
        return RTENSOR.format(compute=compute).encode()

    relu8 = RELU.format(name="main", shape="8", dyn="")
    return {
        "relu.mlir": relu8.encode(),
        "syntax_error.mlir": b"func.func @main(%x: tensor<4xf32> -> tensor<4xf32> {\n",
        "empty.mlir": b"",
        "not_utf8.mlir": b"func.func @main() {\n  // \xff\xfe\n}\n",
        "unknown_op.mlir": relu8.replace("arith.maximumf", "arith.frobnicate").encode(),
        "two_funcs.mlir": (relu8 + RELU.format(name="other", shape="8", dyn="")).encode(),
        "dynamic_shape.mlir": RELU.format(name="main", shape="?", dyn="%n").replace(
            "(%x: tensor<?xf32>)", "(%x: tensor<?xf32>, %n: index)").encode(),
        "rtensor_zero_factor.mlir": rtensor("[4, 0, 8]", "[[1, 1, 1], [1, 1, 1], [1, 1, 1]]"),
        "rtensor_bad_rotation.mlir": rtensor("[4, 1, 8]", "[[1, 8, 1], [1, 1, 1], [1, 1, 1]]", ", rotation = [0, 1]"),
        "rtensor_valid_plan.mlir": rtensor("[4, 1, 8]", "[[1, 8, 1], [1, 1, 1], [1, 1, 1]]", ", rotation = [0]"),
        "dataflow_shift_mismatch.mlir": DATAFLOW.format(buf=BUF, source="0").encode(),
        "dataflow_shift_deadlock.mlir": DATAFLOW.format(buf=BUF, source="c0 + 1").encode(),
        "dataflow_valid_ring.mlir": DATAFLOW.format(buf=BUF, source="(c0 + 1) mod 2").encode(),
    }


def target_files() -> dict[str, bytes]:
    preset = resources.files("tilefabric.target").joinpath("presets", "ipu-mk2.toml").read_text()

    def edit(*pairs: tuple[str, str]) -> bytes:
        text = preset.replace('name = "ipu-mk2"', 'name = "bad-chip"', 1)
        for old, new in pairs:
            assert old in text, old
            text = text.replace(old, new, 1)
        return text.encode()

    return {
        "malformed.toml": b'name = "chip"\ncores = [unclosed\n',
        "duplicate_key.toml": edit(("cores = 1472", "cores = 1472\ncores = 4")),
        "not_utf8.toml": b'name = "\xff\xfe"\n',
        "zero_cores.toml": edit(("cores = 1472", "cores = 0")),
        "negative_scratchpad.toml": edit(("scratchpad_bytes = 638976", "scratchpad_bytes = -4096")),
        "string_cores.toml": edit(("cores = 1472", 'cores = "1472"')),
        "nan_clock.toml": edit(("clock_hz = 1.325e9", "clock_hz = nan")),
        "zero_link_bandwidth.toml": edit(("link_bytes_per_cycle = 3.5714285714285716", "link_bytes_per_cycle = 0")),
        "zero_block.toml": edit(("block_m = 6", "block_m = 0")),
        "missing_field.toml": edit(("sync_cycles = 118", "")),
        "ring_topology.toml": edit(('topology = "crossbar"', 'topology = "ring"')),
        "mesh_without_shape.toml": edit(('topology = "crossbar"', 'topology = "mesh"')),
        "mesh_shape_mismatch.toml": edit(('topology = "crossbar"', 'topology = "mesh"\nmesh_shape = [32, 32]')),
        "crossbar_bad_mesh_shape.toml": edit(('topology = "crossbar"', 'topology = "crossbar"\nmesh_shape = [3, 3]')),
        "absurd_cores.toml": edit(("cores = 1472", "cores = 100000000000")),
        "tiny_scratchpad.toml": edit(("cores = 1472", "cores = 4"),
                                     ("scratchpad_bytes = 638976", "scratchpad_bytes = 64")),
        **pe_array_files(),
    }


def pe_array_files() -> dict[str, bytes]:
    """Bad global-buffer and express-link fields, as edits of the pe-array preset."""
    text = resources.files("tilefabric.target").joinpath("presets", "pe-array.toml").read_text()
    # comments dropped so each file stays small (no '#' inside the preset's strings)
    preset = "".join(re.sub(r"\s*#.*$", "", line) + "\n" for line in text.splitlines() if not line.startswith("#"))

    def edit(*pairs: tuple[str, str]) -> bytes:
        text = preset.replace('name = "pe-array"', 'name = "bad-pe-array"', 1)
        for old, new in pairs:
            assert old in text, old
            text = text.replace(old, new, 1)
        return text.encode()

    express = "offchip_bytes_per_cycle = 128.0"
    return {
        "gb_zero_bandwidth.toml": edit(("global_buffer_bytes_per_cycle = 256.0", "global_buffer_bytes_per_cycle = 0")),
        "gb_negative_size.toml": edit(("global_buffer_bytes = 4194304", "global_buffer_bytes = -4")),
        "offchip_without_buffer.toml": edit(("global_buffer_bytes = 4194304", "global_buffer_bytes = 0")),
        "express_not_a_table.toml": edit((express, express + "\n" + "express_links = 8")),
        "express_stride_one.toml": edit((express, express + "\n" + "express_links = { stride = 1 }")),
        "express_stride_too_long.toml": edit((express, express + "\n" + "express_links = { stride = 64 }")),
        "express_unknown_key.toml": edit((express, express + "\n" + "express_links = { stride = 8, width = 2 }")),
        "express_on_torus.toml": edit((express, express + "\n" + "express_links = { stride = 8 }"),
                                      ('topology = "mesh"', 'topology = "torus"')),
    }


def write_all(root: Path = HERE) -> list[Path]:
    written = []
    for folder, files in (("onnx", onnx_files()), ("inputs", input_files()), ("mlir", mlir_files()),
                          ("targets", target_files())):
        (root / folder).mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            path = root / folder / name
            path.write_bytes(data)
            written.append(path)
    (root / "not_a_file.onnx").mkdir(exist_ok=True)
    (root / "not_a_file.onnx" / ".keep").write_bytes(b"")
    return written


if __name__ == "__main__":
    for path in write_all():
        print(f"{path.relative_to(HERE)}  {path.stat().st_size} B")
