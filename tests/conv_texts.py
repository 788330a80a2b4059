"""linalg.generic text of small convolutions and poolings (the form torch-mlir's
generalised linalg.conv_2d_nchw_fchw / depthwise / pooling take) and numpy references."""

from __future__ import annotations

import numpy as np

from tests.test_plan_properties import MAC, _fill, _func, _ty


def out_size(h: int, k: int, stride: int, dil: int) -> int:
    return (h - dil * (k - 1) - 1) // stride + 1


def conv_text(n, c, h, w, f, kh, kw, stride=1, dil=1) -> str:
    oh, ow = out_size(h, kh, stride, dil), out_size(w, kw, stride, dil)
    x, wt, o = (n, c, h, w), (f, c, kh, kw), (n, f, oh, ow)
    rows = f"d2 * {stride} + d5 * {dil}" if (stride, dil) != (1, 1) else "d2 + d5"
    cols = f"d3 * {stride} + d6 * {dil}" if (stride, dil) != (1, 1) else "d3 + d6"
    maps = (f"affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, {rows}, {cols})>, "
            "affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>, "
            "affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>")
    its = ", ".join(['"parallel"'] * 4 + ['"reduction"'] * 3)
    body = _fill(o, "0.0") + f"""  %c = linalg.generic {{indexing_maps = [{maps}], iterator_types = [{its}]}} ins(%inp, %wt : {_ty(x)}, {_ty(wt)}) outs(%z : {_ty(o)}) {{
{MAC}
  }} -> {_ty(o)}
"""
    return _func([("inp", x), ("wt", wt)], o, body, "%c")


def depthwise_text(n, c, h, w, kh, kw, stride=1, dil=1) -> str:
    oh, ow = out_size(h, kh, stride, dil), out_size(w, kw, stride, dil)
    x, wt, o = (n, c, h, w), (c, kh, kw), (n, c, oh, ow)
    maps = (f"affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 * {stride} + d4 * {dil}, d3 * {stride} + d5 * {dil})>, "
            "affine_map<(d0, d1, d2, d3, d4, d5) -> (d1, d4, d5)>, "
            "affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>")
    its = ", ".join(['"parallel"'] * 4 + ['"reduction"'] * 2)
    body = _fill(o, "0.0") + f"""  %c = linalg.generic {{indexing_maps = [{maps}], iterator_types = [{its}]}} ins(%inp, %wt : {_ty(x)}, {_ty(wt)}) outs(%z : {_ty(o)}) {{
{MAC}
  }} -> {_ty(o)}
"""
    return _func([("inp", x), ("wt", wt)], o, body, "%c")


def maxpool_text(n, c, h, w, k, stride) -> str:
    """Max pooling as torch-mlir spells it: the window is an uninitialised (k, k) tensor."""
    oh, ow = out_size(h, k, stride, 1), out_size(w, k, stride, 1)
    x, o = (n, c, h, w), (n, c, oh, ow)
    maps = (f"affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 * {stride} + d4, d3 * {stride} + d5)>, "
            "affine_map<(d0, d1, d2, d3, d4, d5) -> (d4, d5)>, "
            "affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>")
    its = ", ".join(['"parallel"'] * 4 + ['"reduction"'] * 2)
    body = _fill(o, "0xFF800000") + f"""  %win = tensor.empty() : {_ty((k, k))}
  %c = linalg.generic {{indexing_maps = [{maps}], iterator_types = [{its}]}} ins(%inp, %win : {_ty(x)}, {_ty((k, k))}) outs(%z : {_ty(o)}) {{
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %s = arith.maximumf %acc, %p : f32
    linalg.yield %s : f32
  }} -> {_ty(o)}
"""
    return _func([("inp", x)], o, body, "%c")


def windows(x: np.ndarray, kh: int, kw: int, stride: int, dil: int) -> np.ndarray:
    """[n, c, oh, ow, kh, kw] view of x's windows, written independently of the simulator."""
    n, c, h, w = x.shape
    oh, ow = out_size(h, kh, stride, dil), out_size(w, kw, stride, dil)
    out = np.empty((n, c, oh, ow, kh, kw), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            out[..., i, j] = x[:, :, i * dil: i * dil + stride * (oh - 1) + 1: stride, j * dil: j * dil + stride * (ow - 1) + 1: stride]
    return out


def conv_ref(x, w, stride=1, dil=1):
    win = windows(x.astype(np.float64), w.shape[2], w.shape[3], stride, dil)
    ref = np.einsum("ncpqij,fcij->nfpq", win, w.astype(np.float64))
    scale = float(np.einsum("ncpqij,fcij->nfpq", np.abs(win), np.abs(w.astype(np.float64))).max())
    return ref, scale


def depthwise_ref(x, w, stride=1, dil=1):
    win = windows(x.astype(np.float64), w.shape[1], w.shape[2], stride, dil)
    ref = np.einsum("ncpqij,cij->ncpq", win, w.astype(np.float64))
    scale = float(np.einsum("ncpqij,cij->ncpq", np.abs(win), np.abs(w.astype(np.float64))).max())
    return ref, scale


def maxpool_ref(x, k, stride):
    ref = windows(x.astype(np.float64), k, k, stride, 1).max(axis=(4, 5))
    return ref, float(np.abs(ref).max())
