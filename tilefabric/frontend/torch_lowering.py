"""ONNX proto → generic linalg-on-tensors text through torch-mlir (the verified route).

Runs inside `run_isolated`, so everything here may crash or raise freely; it returns
plain picklable data. Large constants left after lowering become extra `@main` arguments.
"""

from __future__ import annotations

import re

import numpy as np
import onnx

MAX_INLINE_ELEMENTS = 16
TO_LINALG = ("builtin.module(torch-onnx-to-torch-backend-pipeline,"
             "torch-backend-to-linalg-on-tensors-backend-pipeline)")
GENERALIZE = "builtin.module(func.func(linalg-generalize-named-ops))"


class LoweringError(Exception):
    """A one-line reason the graph cannot go through torch-mlir."""


def _node_name(location) -> str:
    match = re.search(r'loc\("((?:[^"\\]|\\.)*)"', str(location))
    return match.group(1) if match else "?"


def _mlir_error_line(exc) -> str:
    diags = getattr(exc, "error_diagnostics", None) or []
    for diag in diags:
        message = str(diag.message).strip().splitlines()[0]
        node = _node_name(diag.location)
        return f"{message} (node '{node}')" if node not in ("?", "") else message
    lines = [ln for ln in str(exc).splitlines() if ln.strip()]
    return lines[-1].strip() if lines else type(exc).__name__


def _walk(op, name: str) -> list:
    found = []

    def visit(o):
        if o.name == name:
            found.append(o)
        from torch_mlir.ir import WalkResult
        return WalkResult.ADVANCE

    op.walk(visit)
    return found


def _unsupported(module, op_domains: dict[str, str]) -> str | None:
    """The first ONNX node torch-mlir left unconverted, as an error line."""
    for op in _walk(module.operation, "torch.operator"):
        op_type = str(op.attributes["name"]).strip('"').removeprefix("onnx.")
        where = f"node '{_node_name(op.location)}'"
        return f"unsupported ONNX op '{op_type}' ({where})"
    return None


def _extract_constants(module, first_index: int) -> list[tuple[str, np.ndarray]]:
    """Replace every large non-splat dense `arith.constant` by a new `@main` argument."""
    from torch_mlir import ir

    func = next(op for op in module.body.operations if op.operation.name == "func.func")
    block = func.regions[0].blocks[0]
    extracted: list[tuple[str, np.ndarray]] = []
    by_attr: dict = {}
    for op in _walk(func.operation, "arith.constant"):
        value = op.attributes["value"]
        dense = ir.DenseElementsAttr.isinstance(value)
        if not (dense or ir.DenseResourceElementsAttr.isinstance(value)):
            continue
        shaped = ir.ShapedType(value.type)
        if shaped.rank == 0 or np.prod(shaped.shape) <= MAX_INLINE_ELEMENTS:
            continue
        if dense and ir.DenseElementsAttr(value).is_splat:
            continue
        key = str(value) if dense else None
        arg = by_attr.get(key) if key else None
        if arg is None:
            data = np.array(value if not dense else ir.DenseElementsAttr(value))
            arg = block.add_argument(value.type, op.location)
            extracted.append((f"const_{first_index + len(extracted)}", data.reshape(shaped.shape)))
            if key:
                by_attr[key] = arg
        op.result.replace_all_uses_with(arg)
        op.erase()
    ftype = ir.FunctionType(ir.TypeAttr(func.attributes["function_type"]).value)
    inputs = [a.type for a in block.arguments]
    func.attributes["function_type"] = ir.TypeAttr.get(ir.FunctionType.get(inputs, ftype.results))
    return extracted


def lower(progress, model_bytes: bytes, num_args: int) -> tuple[str, list[tuple[str, np.ndarray]]]:
    """Import `model_bytes` (an ONNX model with a static-shaped graph named `main`) and lower it.

    Returns the generic-form text and the constants moved out to trailing arguments.
    """
    from torch_mlir import ir, passmanager
    from torch_mlir.dialects import torch as torch_d
    from torch_mlir.extras import onnx_importer

    import torch_mlir.dialects.linalg.passes  # noqa: F401 - registers linalg-generalize-named-ops

    model = onnx.ModelProto.FromString(model_bytes)
    ctx = ir.Context()
    torch_d.register_dialect(ctx)
    progress("importing the ONNX graph")
    try:
        info = onnx_importer.ModelInfo(model)
        module = info.create_module(context=ctx)
        onnx_importer.NodeImporter.define_function(info.main_graph, module.operation).import_all()
    except Exception as exc:  # importer raises assorted types
        raise LoweringError(f"torch-mlir cannot import the graph: {_mlir_error_line(exc)}") from None
    with ctx:
        for stage, pipeline in (("converting ONNX ops to torch",
                                 "builtin.module(func.func(convert-torch-onnx-to-torch))"),
                                ("lowering torch to linalg", TO_LINALG),
                                ("generalizing linalg ops", GENERALIZE)):
            progress(stage)
            try:
                passmanager.PassManager.parse(pipeline).run(module.operation)
            except ir.MLIRError as exc:
                raise LoweringError(f"torch-mlir failed {stage}: {_mlir_error_line(exc)}") from None
            if stage.startswith("converting"):
                problem = _unsupported(module, {})
                if problem:
                    raise LoweringError(problem)
        progress("moving large constants out of the IR")
        extracted = _extract_constants(module, num_args)
        module.operation.verify()
        return module.operation.get_asm(print_generic_op_form=True), extracted
