"""ONNX proto → generic linalg-on-tensors text through torch-mlir (the verified route).

Meant to run inside `run_isolated`: it may crash or raise freely and returns only
picklable data. Large constants left after lowering become extra `@main` arguments.
"""

from __future__ import annotations

import re

import numpy as np
import onnx

MAX_INLINE_ELEMENTS = 16
CONVERT = "builtin.module(func.func(convert-torch-onnx-to-torch))"
TO_LINALG = ("builtin.module(torch-onnx-to-torch-backend-pipeline,"
             "torch-backend-to-linalg-on-tensors-backend-pipeline)")
GENERALIZE = "builtin.module(func.func(linalg-generalize-named-ops))"
OUTPUT_DIALECTS = {"builtin", "func", "linalg", "tensor", "arith", "math", "cf", "scf"}


class LoweringError(Exception):
    """A one-line reason the graph cannot go through torch-mlir."""


def node_name(location) -> str:
    """The ONNX node name the importer stored as a (possibly fused) name location, or ''."""
    for match in re.finditer(r'"((?:[^"\\]|\\.)*)"', str(location)):
        if not match.group(1).startswith("graph:"):
            return match.group(1)
    return ""


def mlir_error_line(exc: Exception, op_types: dict[str, str]) -> str:
    """First diagnostic of an MLIRError (plus its ONNX node), else the message's last line."""
    for diag in getattr(exc, "error_diagnostics", None) or []:
        message = str(diag.message).strip().splitlines()[0]
        message = re.split(r': (?=%|")', message, maxsplit=1)[0]  # drop the dumped op
        node = node_name(diag.location)
        if node:
            return f"{message} (ONNX op '{op_types.get(node, '?')}', node '{node}')"
        return message
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return lines[-1] if lines else type(exc).__name__


def _ops(root, keep) -> list:
    """Ops under `root` (outer before inner) for which `keep(op)` holds."""
    from torch_mlir.ir import WalkOrder, WalkResult

    found = []

    def visit(op):
        if keep(op):
            found.append(op)
        return WalkResult.ADVANCE

    root.walk(visit, WalkOrder.PRE_ORDER)
    return found


def _check_converted(module) -> None:
    """torch-onnx-to-torch leaves ops it cannot convert as `torch.operator "onnx.X"`."""
    left = _ops(module.operation, lambda op: op.name == "torch.operator")
    if left:
        op_type = str(left[0].attributes["name"]).strip('"').removeprefix("onnx.")
        node = node_name(left[0].location)
        raise LoweringError(f"unsupported ONNX op '{op_type}' (node '{node}')")


def _check_dialects(module, op_types: dict[str, str]) -> None:
    """Ops torch-mlir lowers outside linalg on tensors (e.g. `tm_tensor.sort`) are refused."""
    bad = _ops(module.operation, lambda op: op.name.split(".")[0] not in OUTPUT_DIALECTS)
    located = [op for op in bad if node_name(op.location)]
    if located:
        node = node_name(located[0].location)
        raise LoweringError(
            f"unsupported ONNX op '{op_types.get(node, '?')}' (node '{node}'): torch-mlir "
            f"lowers it to '{located[0].name}', which is not linalg on tensors")
    if bad:
        raise LoweringError(
            f"torch-mlir's output uses '{bad[0].name}', which is not linalg on tensors")


def _is_large(value) -> bool:
    from torch_mlir import ir

    if isinstance(value, ir.DenseElementsAttr):
        if value.is_splat:
            return False
    elif not isinstance(value, ir.DenseResourceElementsAttr):
        return False
    return int(np.prod(ir.ShapedType(value.type).shape)) > MAX_INLINE_ELEMENTS


def _extract_constants(func, taken: set[str]) -> list[tuple[str, np.ndarray]]:
    """Replace every large non-splat dense `arith.constant` by a new trailing argument."""
    from torch_mlir import ir

    block = func.regions[0].blocks[0]
    extracted: list[tuple[str, np.ndarray]] = []
    arg_for: dict = {}  # attributes are uniqued, so equal data ⇒ equal key ⇒ one argument
    for op in _ops(func, lambda op: op.name == "arith.constant"):
        key = value = op.attributes["value"]
        if not _is_large(value):
            continue
        if key not in arg_for:
            name = f"const_{len(extracted)}"
            while name in taken:
                name += "_"
            data = np.array(value).reshape(ir.ShapedType(value.type).shape)
            extracted.append((name, data))
            arg_for[key] = block.add_argument(value.type, op.location)
        op.result.replace_all_uses_with(arg_for[key])
        op.erase()
    results = ir.FunctionType(ir.TypeAttr(func.attributes["function_type"]).value).results
    func.attributes["function_type"] = ir.TypeAttr.get(
        ir.FunctionType.get([a.type for a in block.arguments], results))
    return extracted


def _require_static_shapes(func, op_types: dict[str, str]) -> None:
    """Name the ONNX node whose lowering made a data-dependent shape (plans need sizes)."""
    for op in _ops(func, lambda o: any("?" in str(r.type) for r in o.results)):
        node = node_name(op.location)
        if node:
            shape = next(str(r.type) for r in op.results if "?" in str(r.type))
            raise LoweringError(f"ONNX op '{op_types.get(node, '?')}' (node '{node}') produces a data-dependent "
                                f"shape {shape}; only static shapes are supported")


def _name_generics(func) -> None:
    """Label each linalg.generic `tf.op` with its ONNX node name (from the importer's
    location), numbering the several generics one node lowers to: 'sm', 'sm.1', ..."""
    from torch_mlir import ir

    seen: dict[str, int] = {}
    for op in _ops(func, lambda o: o.name == "linalg.generic"):
        name = node_name(op.location) or "op"
        count = seen.get(name, 0)
        seen[name] = count + 1
        op.attributes["tf.op"] = ir.StringAttr.get(name if count == 0 else f"{name}.{count}")


def _names_attr(names: list[str]):
    from torch_mlir import ir

    return ir.ArrayAttr.get([ir.StringAttr.get(n) for n in names])


def preload() -> None:
    """Import torch-mlir once in the parent so each forked child starts with it loaded."""
    from torch_mlir import ir, passmanager  # noqa: F401
    from torch_mlir.dialects import torch  # noqa: F401
    from torch_mlir.extras import onnx_importer  # noqa: F401

    import torch_mlir.dialects.linalg.passes  # noqa: F401 - registers linalg-generalize-named-ops


def lower(progress, model_bytes: bytes, arg_names: list[str], weight_names: list[str],
          result_names: list[str]) -> tuple[str, list[tuple[str, np.ndarray]]]:
    """Import an ONNX model whose graph is named `main`, lower it and print it generically.

    `arg_names` name the graph's inputs in order. Returns the text (with `tf.arg_names`,
    `tf.weight_names` and `tf.result_names` on `@main`) and the constants moved to arguments.
    """
    preload()
    from torch_mlir import ir, passmanager
    from torch_mlir.dialects import torch as torch_d
    from torch_mlir.extras import onnx_importer

    ctx = ir.Context()
    torch_d.register_dialect(ctx)
    progress("importing the ONNX graph")
    model = onnx.ModelProto.FromString(model_bytes)
    op_types = {n.name: n.op_type for n in model.graph.node}
    try:
        info = onnx_importer.ModelInfo(model)
        module = info.create_module(context=ctx)
        onnx_importer.NodeImporter.define_function(info.main_graph, module.operation).import_all()
    except Exception as exc:  # the importer raises assorted types
        reason = mlir_error_line(exc, op_types)
        raise LoweringError(f"torch-mlir cannot import the graph: {reason}") from None
    with ctx:
        for stage, pipeline in (("converting ONNX ops to torch", CONVERT),
                                ("lowering to linalg", TO_LINALG),
                                ("generalizing linalg ops", GENERALIZE)):
            progress(stage)
            try:
                passmanager.PassManager.parse(pipeline).run(module.operation)
            except ir.MLIRError as exc:
                if pipeline is CONVERT:
                    _check_converted(module)  # names the op if a leftover caused the failure
                reason = mlir_error_line(exc, op_types)
                raise LoweringError(f"torch-mlir failed {stage}: {reason}") from None
            if pipeline is CONVERT:
                _check_converted(module)
        _check_dialects(module, op_types)
        progress("moving large constants out of the IR")
        func = next(op.operation for op in module.body.operations
                    if op.operation.name == "func.func"
                    and str(op.operation.attributes["sym_name"]) == '"main"')
        if len(func.regions[0].blocks[0].arguments) != len(arg_names):
            raise LoweringError("torch-mlir changed the number of graph inputs")
        extracted = _extract_constants(func, set(arg_names))
        func.attributes["tf.arg_names"] = _names_attr(arg_names + [n for n, _ in extracted])
        func.attributes["tf.weight_names"] = _names_attr(weight_names + [n for n, _ in extracted])
        func.attributes["tf.result_names"] = _names_attr(result_names)
        _name_generics(func)
        _require_static_shapes(func, op_types)
        module.operation.verify()
        return module.operation.get_asm(print_generic_op_form=True), extracted
