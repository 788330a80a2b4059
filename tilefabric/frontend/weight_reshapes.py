"""Reshapes of weights happen at import time, on the data, not in the compiled program.

torch-mlir spells ONNX `Reshape` (heads split/merge in attention, batched matmuls over
b·h) as `tensor.expand_shape` / `collapse_shape`, which have no distributed plan.
`propagate-reshapes` moves them through the generics until they sit on `@main`'s arguments;
a weight argument whose every use is the same reshape then takes the reshaped type and its
array is reshaped here (row-major, like the reshape), so the program holds no reshape.
"""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import ArrayAttr, ModuleOp
from xdsl.dialects.func import FuncOp
from xdsl.dialects.tensor import CollapseShapeOp, ExpandShapeOp
from xdsl.rewriter import Rewriter

from tilefabric.errors import TileFabricError
from tilefabric.frontend.mlir_input import make_context


def _sole_reshape_type(arg):
    """The result type if every use of `arg` is a reshape to that one type, else None."""
    users = [use.operation for use in arg.uses]
    if not users or not all(isinstance(u, (ExpandShapeOp, CollapseShapeOp)) and u.src is arg for u in users):
        return None
    types = {u.result.type for u in users}
    return types.pop() if len(types) == 1 else None


def fold_weight_reshapes(fn: FuncOp, weights: dict[str, np.ndarray]) -> None:
    """Give reshaped weight arguments the reshaped type and reshape their data to match."""
    names = fn.attributes.get("tf.arg_names")
    if not isinstance(names, ArrayAttr):
        return
    rewriter = Rewriter()
    for index, name in enumerate(n.data for n in names.data):
        arg = fn.args[index]
        new_type = _sole_reshape_type(arg) if name in weights else None
        if new_type is None:
            continue
        users = [use.operation for use in arg.uses]
        weights[name] = np.ascontiguousarray(weights[name].reshape(new_type.get_shape()))
        fn.replace_argument_type(index, new_type, rewriter)  # makes a new block argument
        for user in users:
            rewriter.replace_op(user, [], [fn.args[index]])


def propagate_reshapes(module: ModuleOp, weights: dict[str, np.ndarray], where: str, verify: bool = True) -> None:
    """Run `propagate-reshapes`, then fold the reshapes left on weights into their data
    (`verify=False`: the caller verifies once after several steps; a big module costs seconds)."""
    from tilefabric.passes.propagate_reshapes import PropagateReshapes

    PropagateReshapes().apply(make_context(), module)
    for fn in module.ops:
        if isinstance(fn, FuncOp) and fn.body.blocks:
            fold_weight_reshapes(fn, weights)
    try:
        if verify:
            module.verify()
    except Exception as exc:
        raise TileFabricError(f"internal: IR invalid after moving reshapes: {str(exc).splitlines()[0]}", where) from None
