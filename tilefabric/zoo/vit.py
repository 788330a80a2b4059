"""Vision Transformer (ViT-B/16) as HF transformers' `ViTForImageClassification` exports.

Exercises what BERT does not: the patch embedding as a strided Conv whose output is flattened
(Reshape [b, hidden, n]) and transposed to tokens, a learned CLS token Expand'ed to the batch and
Concat'ed in front, a position-embedding initializer, pre-LN blocks, and the CLS token taken
with Gather(index 0, axis 1) before the Gemm classifier.
"""

from __future__ import annotations

import numpy as np
import onnx

from tilefabric.zoo.layers import Graph, gelu, gemm, layernorm, linear, self_attention


def _block(g: Graph, x: str, i: int, batch, seq, hidden, heads, ffn) -> str:
    scope, param = f"/vit/encoder/layer.{i}", f"vit.encoder.layer.{i}"
    h = layernorm(g, x, f"{scope}/layernorm_before", f"{param}.layernorm_before", hidden)
    ctx = self_attention(g, h, f"{scope}/attention/attention", f"{param}.attention.attention", batch, seq, hidden,
                         heads)
    out = linear(g, ctx, f"{scope}/attention/output/dense", f"{param}.attention.output.dense", hidden, hidden)
    x = g.op("Add", [out, x], scope)
    h = layernorm(g, x, f"{scope}/layernorm_after", f"{param}.layernorm_after", hidden)
    h = gelu(g, linear(g, h, f"{scope}/intermediate/dense", f"{param}.intermediate.dense", hidden, ffn),
             f"{scope}/intermediate/intermediate_act_fn")
    h = linear(g, h, f"{scope}/output/dense", f"{param}.output.dense", ffn, hidden)
    return g.op("Add", [h, x], f"{scope}/output")


def vit(layers=12, hidden=768, heads=12, ffn=3072, image=224, patch=16, channels=3, classes=1000, batch=1,
        seed=0) -> onnx.ModelProto:
    g = Graph("vit", seed)
    pixels = g.input("pixel_values", (batch, channels, image, image))
    n = (image // patch) ** 2
    scope = "/vit/embeddings"
    w = g.weight("vit.embeddings.patch_embeddings.projection.weight", (hidden, channels, patch, patch),
                 fan_in=channels * patch * patch)
    b = g.weight("vit.embeddings.patch_embeddings.projection.bias", (hidden,), scale=0.02)
    x = g.op("Conv", [pixels, w, b], f"{scope}/patch_embeddings/projection", dilations=[1, 1], group=1,
             kernel_shape=[patch, patch], pads=[0, 0, 0, 0], strides=[patch, patch])
    x = g.op("Reshape", [x, g.ints([batch, hidden, n])], f"{scope}/patch_embeddings")
    x = g.op("Transpose", [x], f"{scope}/patch_embeddings", perm=[0, 2, 1])
    cls = g.op("Expand", [g.weight("vit.embeddings.cls_token", (1, 1, hidden), scale=1.0),
                          g.ints([batch, 1, hidden])], scope)
    x = g.op("Concat", [cls, x], scope, axis=1)
    x = g.op("Add", [x, g.weight("vit.embeddings.position_embeddings", (1, n + 1, hidden), scale=0.5)], scope)
    for i in range(layers):
        x = _block(g, x, i, batch, n + 1, hidden, heads, ffn)
    x = layernorm(g, x, "/vit/layernorm", "vit.layernorm", hidden)
    first = g.op("Gather", [x, g.const("onnx::Gather_0", np.array(0, np.int64))], "", axis=1)
    logits = gemm(g, first, "/classifier", "classifier", hidden, classes)
    g.output(logits, "logits", (batch, classes))
    return g.model()


def vit_b16() -> onnx.ModelProto:
    return vit()


def vit_tiny() -> onnx.ModelProto:
    return vit(layers=2, hidden=64, heads=4, ffn=128, image=32, patch=8, classes=10)
