"""Read linalg-on-tensors `.mlir` files with xDSL, and the context every frontend parse uses."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

import ml_dtypes
import numpy as np
from xdsl.context import Context
from xdsl.dialects import get_all_dialects
from xdsl.dialects.builtin import (
    ArrayAttr,
    BFloat16Type,
    Float16Type,
    Float32Type,
    Float64Type,
    IntegerType,
    ModuleOp,
    Signedness,
    StringAttr,
    TensorType,
)
from xdsl.dialects.func import FuncOp
from xdsl.parser import Parser
from xdsl.utils.exceptions import ParseError

from tilefabric.errors import TileFabricError
from tilefabric.frontend.model import ImportedModel

EAGER = ("builtin", "func", "linalg", "tensor", "arith", "math", "cf")


def _lazy(module: str, attr: str):
    return lambda: getattr(import_module(module), attr)


def make_context() -> Context:
    """xDSL context with the dialects lowering emits loaded, the rest (ours too) on demand."""
    from tilefabric.universe import DIALECTS

    ctx = Context()
    ctx.allow_unregistered = False
    factories = get_all_dialects()
    for name, factory in factories.items():
        if name in EAGER:
            ctx.load_dialect(factory())
        else:
            ctx.register_dialect(name, factory)
    for name, (module, attr) in DIALECTS.items():
        if name not in factories:
            ctx.register_dialect(name, _lazy(module, attr))
    return ctx


def _first_line(text: str) -> str:
    return next((ln.strip() for ln in text.splitlines() if ln.strip()), "")


def parse_module(text: str, where: str, source: str | None = None, verify: bool = True) -> ModuleOp:
    """Parse MLIR text; a syntax or verifier error becomes one line with file:line:col.

    `source` names the text in locations when it is not the file `where` itself. `verify=False`
    for text MLIR itself just verified (torch-mlir's output): the caller verifies later.
    """
    try:
        module = Parser(make_context(), text, source or where).parse_module()
    except ParseError as exc:
        file, line, col = exc.span.get_location()
        raise TileFabricError(f"{file}:{line}:{col}: {_first_line(exc.msg)}") from None
    except Exception as exc:  # dialect loaders and attribute builders raise other types
        raise TileFabricError(f"cannot parse MLIR: {_first_line(str(exc)) or type(exc).__name__}",
                              where) from None
    try:
        if verify:
            module.verify()
    except Exception as exc:
        raise TileFabricError(f"invalid IR: {_first_line(str(exc))}", where) from None
    return module


def main_func(module: ModuleOp, where: str) -> FuncOp:
    """The one function with a body; the frontend contract is exactly one."""
    funcs = [op for op in module.walk() if isinstance(op, FuncOp) and op.body.blocks]
    if len(funcs) != 1:
        raise TileFabricError(f"expected exactly one func.func, found {len(funcs)}", where)
    return funcs[0]


def require_static_shapes(func: FuncOp, result_names: list[str], where: str) -> None:
    """Plans need every tensor's size at compile time; data-dependent shapes are refused."""
    for name, t in zip(result_names, func.function_type.outputs.data):
        if not isinstance(t, TensorType) or any(d < 0 for d in t.get_shape()):
            raise TileFabricError(f"output '{name}' has a data-dependent or non-tensor type "
                                  f"{t}; only static shapes are supported", where)
    for op in func.walk():
        for res in op.results:
            if isinstance(res.type, TensorType) and any(d < 0 for d in res.type.get_shape()):
                raise TileFabricError(f"'{op.name}' produces a data-dependent shape "
                                      f"{res.type}; only static shapes are supported", where)


def names_attr(func: FuncOp, key: str, default: list[str], where: str) -> list[str]:
    """Read an ArrayAttr-of-strings attribute, checking it has one name per value."""
    attr = func.attributes.get(key)
    if attr is None:
        return default
    if not isinstance(attr, ArrayAttr) or not all(isinstance(a, StringAttr) for a in attr.data):
        raise TileFabricError(f"'{key}' on @{func.sym_name.data} must be an array of strings",
                              where)
    if len(attr.data) != len(default):
        raise TileFabricError(f"'{key}' has {len(attr.data)} names for {len(default)} values",
                              where)
    return [a.data for a in attr.data]


def element_dtype(tensor: TensorType, where: str | None = None) -> np.dtype:
    """numpy dtype of a tensor's element type (bf16 via ml_dtypes, which onnx depends on)."""
    elem = tensor.element_type
    if isinstance(elem, IntegerType):
        width, unsigned = elem.width.data, elem.signedness.data == Signedness.UNSIGNED
        if width == 1:
            return np.dtype(bool)
        if width in (8, 16, 32, 64):
            return np.dtype(f"{'u' if unsigned else ''}int{width}")
    floats = {Float16Type: np.float16, Float32Type: np.float32, Float64Type: np.float64,
              BFloat16Type: ml_dtypes.bfloat16}
    if type(elem) in floats:
        return np.dtype(floats[type(elem)])
    raise TileFabricError(f"unsupported tensor element type {elem}", where)


def load_mlir(path: str | Path) -> ImportedModel:
    """Load a `.mlir` file of linalg on tensors: every argument is a user input."""
    path = Path(path)
    where = str(path)
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise TileFabricError(f"cannot read MLIR file: {reason}", where) from None
    if not text.strip():  # xDSL's own message for this is "Could not parse entire input!"
        raise TileFabricError("MLIR file is empty", where)
    module = parse_module(text, where)
    func = main_func(module, where)
    args = list(func.function_type.inputs.data)
    results = list(func.function_type.outputs.data)
    for i, t in enumerate(args):
        if not isinstance(t, TensorType) or any(d < 0 for d in t.get_shape()):
            raise TileFabricError(f"argument {i} of @{func.sym_name.data} must be a static-shaped "
                                  f"tensor, got {t}", where)
    arg_names = names_attr(func, "tf.arg_names", [f"arg{i}" for i in range(len(args))], where)
    out_names = names_attr(func, "tf.result_names",
                           [f"result{i}" for i in range(len(results))], where)
    require_static_shapes(func, out_names, where)
    return ImportedModel(
        module=module,
        input_names=arg_names,
        input_shapes=[tuple(t.get_shape()) for t in args],
        input_dtypes=[element_dtype(t, where) for t in args],
        output_names=out_names,
        linalg_text=text,
    )
