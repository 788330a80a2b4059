"""Evaluate a scalar linalg-style body on whole numpy arrays (every core, every element of a
step at once). Each supported op maps to one numpy ufunc; anything else is refused by name."""

from __future__ import annotations

import numpy as np
from xdsl.dialects import arith
from xdsl.dialects import math as mathd
from xdsl.ir import Block

from tilefabric.errors import TileFabricError

# Numerical Recipes' erfc (fractional error < 1.2e-7): whole-array numpy instead of a
# per-element math.erf call, which dominated BERT's GELU at full size.
_ERFC_POLY = (-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807,
              -1.13520398, 1.48851587, -0.82215223, 0.17087277)


def erf(x) -> np.ndarray:
    """erf on a whole array, computed in float64 and returned in x's dtype."""
    x = np.asarray(x)
    z = np.abs(x.astype(np.float64))
    t = 1.0 / (1.0 + 0.5 * z)
    poly = np.zeros_like(t)
    for c in reversed(_ERFC_POLY[1:]):
        poly = (poly + c) * t
    erfc = t * np.exp(-z * z + _ERFC_POLY[0] + poly)
    return np.copysign(1.0 - erfc, x).astype(x.dtype if x.dtype.kind == "f" else np.float64)


def fpowi(x, n) -> np.ndarray:
    """x ** n for an integer n (torch-mlir lowers Pow(x, 2.0) to math.fpowi)."""
    x = np.asarray(x)
    return np.power(x, np.asarray(n).astype(x.dtype))

BINARY = {
    arith.AddfOp: np.add, arith.SubfOp: np.subtract, arith.MulfOp: np.multiply, arith.DivfOp: np.divide,
    arith.AddiOp: np.add, arith.SubiOp: np.subtract, arith.MuliOp: np.multiply,
    arith.MaximumfOp: np.maximum, arith.MinimumfOp: np.minimum,
    arith.MaxnumfOp: np.fmax, arith.MinnumfOp: np.fmin,
    arith.MaxSIOp: np.maximum, arith.MinSIOp: np.minimum,
    mathd.PowFOp: np.power, mathd.FPowIOp: fpowi, mathd.Atan2Op: np.arctan2, mathd.CopySignOp: np.copysign,
    arith.MaxUIOp: np.maximum, arith.MinUIOp: np.minimum,
    arith.AndIOp: np.bitwise_and, arith.OrIOp: np.bitwise_or, arith.XOrIOp: np.bitwise_xor,
    arith.DivSIOp: lambda a, b: np.sign(a) * np.sign(b) * (np.abs(a) // np.abs(b)),  # rounds to 0
    arith.RemSIOp: np.fmod, arith.FloorDivSIOp: np.floor_divide,
}
UNARY = {
    arith.NegfOp: np.negative, mathd.ExpOp: np.exp, mathd.LogOp: np.log, mathd.SqrtOp: np.sqrt,
    mathd.RsqrtOp: lambda x: 1.0 / np.sqrt(x), mathd.TanhOp: np.tanh, mathd.AbsFOp: np.abs,
    mathd.ErfOp: erf, mathd.SinOp: np.sin, mathd.CosOp: np.cos, mathd.TanOp: np.tan, mathd.AtanOp: np.arctan,
    mathd.FloorOp: np.floor, mathd.CeilOp: np.ceil, mathd.RoundEvenOp: np.rint, mathd.TruncOp: np.trunc,
    mathd.RoundOp: lambda x: np.copysign(np.floor(np.abs(x) + 0.5), x),  # halves away from zero
    mathd.Log1pOp: np.log1p, mathd.ExpM1Op: np.expm1, mathd.Log2Op: np.log2, mathd.Log10Op: np.log10,
    mathd.Exp2Op: np.exp2, mathd.CbrtOp: np.cbrt,
}
CMPF = {
    "oeq": np.equal, "ueq": np.equal, "one": np.not_equal, "une": np.not_equal,
    "ogt": np.greater, "ugt": np.greater, "oge": np.greater_equal, "uge": np.greater_equal,
    "olt": np.less, "ult": np.less, "ole": np.less_equal, "ule": np.less_equal,
}
CMPI = {"eq": np.equal, "ne": np.not_equal, "slt": np.less, "sle": np.less_equal, "sgt": np.greater, "sge": np.greater_equal}
CMPF_NAMES = ["false", "oeq", "ogt", "oge", "olt", "ole", "one", "ord", "ueq", "ugt", "uge", "ult", "ule", "une", "uno", "true"]
CMPI_NAMES = ["eq", "ne", "slt", "sle", "sgt", "sge", "ult", "ule", "ugt", "uge"]


CASTS = (arith.ExtFOp, arith.TruncFOp, arith.SIToFPOp, arith.FPToSIOp, arith.ExtSIOp, arith.ExtUIOp, arith.TruncIOp,
         arith.IndexCastOp, arith.UIToFPOp)


def numpy_dtype(elt) -> np.dtype:
    name = str(elt)
    table = {"f16": np.float16, "f32": np.float32, "f64": np.float64, "i1": np.bool_, "i8": np.int8, "i32": np.int32, "i64": np.int64,
             "index": np.int64}
    if name not in table:
        raise TileFabricError(f"unsupported element type '{name}' in the simulator")
    return np.dtype(table[name])


def check_supported(block: Block, where: str) -> None:
    """Refuse a body op the evaluator cannot run, at compile time of the program."""
    for op in block.ops:
        if op is block.last_op:
            continue
        known = (arith.ConstantOp, arith.CmpfOp, arith.CmpiOp, arith.SelectOp) + CASTS
        if type(op) not in BINARY and type(op) not in UNARY and not isinstance(op, known):
            raise TileFabricError(f"{where}: body op '{op.name}' is not supported by the simulator yet")


def evaluate(block: Block, args: list[np.ndarray], loop_indices=None) -> list[np.ndarray]:
    """`loop_indices[d]`: the index of loop dim d at every point (read by linalg.index); only
    the import-time evaluator passes them, the chip's bodies never read indices."""
    env = {id(a): v for a, v in zip(block.args, args)}

    def get(v):
        if id(v) not in env:  # a scalar constant defined outside the body
            owner = v.owner
            if not isinstance(owner, arith.ConstantOp):
                raise TileFabricError(f"body reads a value defined by '{owner.name}' outside it")
            env[id(v)] = np.asarray(owner.value.value.data, dtype=numpy_dtype(owner.result.type))
        return env[id(v)]

    for op in block.ops:
        if op is block.last_op:
            return [get(v) for v in op.operands]
        t = type(op)
        if t in BINARY:
            out = BINARY[t](get(op.operands[0]), get(op.operands[1]))
        elif t in UNARY:
            out = UNARY[t](get(op.operands[0]))
        elif isinstance(op, arith.ConstantOp):
            out = np.asarray(op.value.value.data, dtype=numpy_dtype(op.result.type))
        elif isinstance(op, arith.CmpfOp):
            out = CMPF[CMPF_NAMES[op.predicate.value.data]](get(op.lhs), get(op.rhs))
        elif isinstance(op, arith.CmpiOp):
            out = CMPI[CMPI_NAMES[op.predicate.value.data]](get(op.lhs), get(op.rhs))
        elif isinstance(op, arith.SelectOp):
            out = np.where(get(op.cond), get(op.lhs), get(op.rhs))
        elif op.name == "linalg.index":
            if loop_indices is None:
                raise TileFabricError("body reads loop indices (linalg.index), which only import-time folding provides")
            out = loop_indices[op.dim.value.data]
        elif isinstance(op, CASTS):
            out = np.asarray(get(op.operands[0])).astype(numpy_dtype(op.results[0].type))
        else:
            raise TileFabricError(f"body op '{op.name}' is not supported by the evaluator")
        if len(op.results) == 1:
            res_dtype = numpy_dtype(op.results[0].type)
            env[id(op.results[0])] = np.asarray(out).astype(res_dtype, copy=False)
    raise TileFabricError("body has no terminator")
