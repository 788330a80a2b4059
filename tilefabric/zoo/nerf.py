"""The NeRF MLP (Mildenhall et al.'s `pts_linears` without the view-direction branch) over a
batch of positional-encoded sample points, in fp16 as the T10 paper runs it.

Eight MatMul + Add + Relu layers of width 256, with the encoded input Concat'ed back onto the
activations (axis -1) after layer `skip` (NeRF's `skips=[4]`), then a linear layer to rgb+sigma.
"""

from __future__ import annotations

import onnx

from tilefabric.zoo.layers import Graph, linear


def nerf_mlp(rays=16384, width=256, depth=8, skip=4, in_features=63, dtype="f16", seed=0) -> onnx.ModelProto:
    g = Graph("nerf_mlp", seed, dtype)
    x = h = g.input("encoded_points", (rays, in_features))
    d_in = in_features
    for i in range(depth):
        h = g.op("Relu", [linear(g, h, f"/pts_linears.{i}", f"pts_linears.{i}", d_in, width)], f"/pts_linears.{i}")
        d_in = width
        if i == skip:
            h, d_in = g.op("Concat", [x, h], "", axis=-1), in_features + width
    g.output(linear(g, h, "/output_linear", "output_linear", d_in, 4), "rgb_sigma", (rays, 4))
    return g.model()


def nerf() -> onnx.ModelProto:
    return nerf_mlp()


def nerf_tiny() -> onnx.ModelProto:
    return nerf_mlp(rays=64, width=32, in_features=15, dtype="f32")
