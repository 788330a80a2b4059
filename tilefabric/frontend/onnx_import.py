"""ONNX file → `ImportedModel`: prepare the proto, lower it through torch-mlir in a child
process (a torch-mlir crash must not take the compiler down), and parse the result with xDSL."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from onnx import helper

from tilefabric.errors import TileFabricError
from tilefabric.frontend import onnx_prepare
from tilefabric.frontend.isolate import ChildFailed, start_isolated
from tilefabric.frontend.mlir_aliases import alias_repeats
from tilefabric.frontend.mlir_input import main_func, parse_module, require_static_shapes
from tilefabric.frontend.model import ImportedModel
from tilefabric.frontend.torch_lowering import lower, preload
from tilefabric.frontend.gather_lookup import convert_gathers
from tilefabric.frontend.weight_folding import fold_weight_computations, lift_inline_constants
from tilefabric.frontend.rank0_reshapes import fold_rank0_reshapes
from tilefabric.frontend.weight_reshapes import propagate_reshapes


def _input_signature(model, names: list[str]) -> tuple[list[tuple[int, ...]], list[np.dtype]]:
    by_name = {i.name: i.type.tensor_type for i in model.graph.input}
    shapes = [tuple(d.dim_value for d in by_name[n].shape.dim) for n in names]
    dtypes = [np.dtype(helper.tensor_dtype_to_np_dtype(by_name[n].elem_type)) for n in names]
    return shapes, dtypes


def _failure_message(exc: ChildFailed, model) -> str:
    if not exc.crashed:
        return str(exc)
    ops = sorted({n.op_type for n in model.graph.node})
    listed = ", ".join(ops[:12]) + (", ..." if len(ops) > 12 else "")
    return f"torch-mlir {exc} while {exc.stage or 'starting'} (ops in the model: {listed})"


def import_onnx(path: str | Path) -> ImportedModel:
    """Import an ONNX model as linalg on tensors with its weights kept out of the IR.

    The user's file is only read. Weights (float initializers) and large constants become
    trailing `@main` arguments, named in the `tf.arg_names` / `tf.weight_names` attributes.
    Non-unit reshapes are moved out of the graph; a weight the graph only reads reshaped
    (e.g. split by attention head) is stored reshaped (`weight_reshapes.py`); elementwise
    arithmetic on weights alone (batch-norm's scale) is done here (`weight_folding.py`). `linalg_text`
    stays torch-mlir's own output.
    """
    path = Path(path)
    where = str(path)
    try:
        prep = onnx_prepare.prepare(onnx_prepare.load(path), where)
    except Exception:
        onnx_prepare.check(path)  # an invalid model is reported by the checker first
        raise
    preload()
    lowering = start_isolated(lower, prep.model.SerializeToString(),
                              prep.input_names + prep.weight_names, prep.weight_names, prep.output_names)
    try:
        onnx_prepare.check(path)  # on the other core, while torch-mlir lowers
    except TileFabricError:
        lowering.cancel()
        raise
    try:
        text, extracted = lowering.result()
    except ChildFailed as exc:
        raise TileFabricError(_failure_message(exc, prep.model), where) from None
    # torch-mlir verified it; one verification after the import steps below covers both.
    # Aliasing repeats first makes xDSL's parse ~40% faster (mlir_aliases.py).
    module = parse_module(alias_repeats(text), where, source=f"lowered IR of {path.name}", verify=False)
    require_static_shapes(main_func(module, where), prep.output_names, where)
    shapes, dtypes = _input_signature(prep.model, prep.input_names)
    weights = {name: prep.weights[name] for name in prep.weight_names}
    weights.update(extracted)
    propagate_reshapes(module, weights, where, verify=False)
    lift_inline_constants(module, weights)
    # until nothing changes: folding feeds constant gathers, lookups expose reshapes
    while fold_weight_computations(module, weights, where, False) + convert_gathers(module, weights, where, False):
        propagate_reshapes(module, weights, where, verify=False)
    fold_rank0_reshapes(module, where)  # xDSL rejects torch-mlir's rank-0 expand/collapse shapes
    try:
        module.verify()
    except Exception as exc:
        raise TileFabricError(f"internal: IR invalid after import: {str(exc).splitlines()[0]}", where) from None
    return ImportedModel(module=module, weights=weights, input_names=prep.input_names,
                         input_shapes=shapes, input_dtypes=dtypes,
                         output_names=prep.output_names, linalg_text=text, index_bounds=prep.index_bounds)
