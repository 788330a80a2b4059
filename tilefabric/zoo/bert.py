"""BERT encoder as HF transformers' `BertModel` exports through torch.onnx (opset 17).

Mirrors the exported graph, not just the math, because that graph is what our frontend has to
digest: int64 `input_ids`/`attention_mask`/`token_type_ids`, three embedding Gathers (with
`position_ids` a folded int64 initializer), the extended attention mask
(Unsqueeze -> Cast -> 1 - m -> * -10000 added to the scores), head splits as Reshape +
Transpose (K straight to [b, h, dh, s]), erf GELU, post-LN residuals and the tanh pooler on
token 0 (Gather with a scalar index, Gemm transB=1).
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto

from tilefabric.zoo.layers import Graph, gelu, gemm, layernorm, linear, self_attention


def _layer(g: Graph, x: str, i: int, batch, seq, hidden, heads, ffn, mask: str) -> str:
    scope, param = f"/encoder/layer.{i}", f"encoder.layer.{i}"
    ctx = self_attention(g, x, f"{scope}/attention/self", f"{param}.attention.self", batch, seq, hidden, heads, mask)
    out = linear(g, ctx, f"{scope}/attention/output/dense", f"{param}.attention.output.dense", hidden, hidden)
    x = layernorm(g, g.op("Add", [out, x], f"{scope}/attention/output"), f"{scope}/attention/output/LayerNorm",
                  f"{param}.attention.output.LayerNorm", hidden)
    h = gelu(g, linear(g, x, f"{scope}/intermediate/dense", f"{param}.intermediate.dense", hidden, ffn),
             f"{scope}/intermediate/intermediate_act_fn")
    h = linear(g, h, f"{scope}/output/dense", f"{param}.output.dense", ffn, hidden)
    return layernorm(g, g.op("Add", [h, x], f"{scope}/output"), f"{scope}/output/LayerNorm",
                     f"{param}.output.LayerNorm", hidden)


def bert(layers=12, hidden=768, heads=12, ffn=3072, seq=128, batch=1, vocab=30522, max_pos=512, type_vocab=2,
         seed=0, dtype="f32") -> onnx.ModelProto:
    g = Graph("bert", seed, dtype)
    ids = g.input("input_ids", (batch, seq), TensorProto.INT64)
    mask = g.input("attention_mask", (batch, seq), TensorProto.INT64)
    types = g.input("token_type_ids", (batch, seq), TensorProto.INT64)
    # embeddings: word + position + token type, then LayerNorm
    scope = "/embeddings"
    word = g.weight("embeddings.word_embeddings.weight", (vocab, hidden), scale=1.0)
    pos = g.weight("embeddings.position_embeddings.weight", (max_pos, hidden), scale=1.0)
    typ = g.weight("embeddings.token_type_embeddings.weight", (type_vocab, hidden), scale=1.0)
    position_ids = g.const("embeddings.position_ids", np.arange(seq, dtype=np.int64)[None])
    emb = g.op("Add", [g.op("Gather", [word, ids], f"{scope}/word_embeddings"),
                       g.op("Gather", [typ, types], f"{scope}/token_type_embeddings")], scope)
    emb = g.op("Add", [emb, g.op("Gather", [pos, position_ids], f"{scope}/position_embeddings")], scope)
    x = layernorm(g, emb, f"{scope}/LayerNorm", "embeddings.LayerNorm", hidden)
    # extended attention mask [b, 1, 1, s]: 0 where attended, -10000 where padded
    ext = g.op("Cast", [g.op("Unsqueeze", [mask, g.ints([1, 2])], "")], "", to=g.elem)
    ext = g.op("Mul", [g.op("Sub", [g.scalar(1.0), ext], ""), g.scalar(-10000.0)], "")
    for i in range(layers):
        x = _layer(g, x, i, batch, seq, hidden, heads, ffn, ext)
    # pooler: dense + tanh on the first token
    first = g.op("Gather", [x, g.const("onnx::Gather_0", np.array(0, np.int64))], "/pooler", axis=1)
    pooled = g.op("Tanh", [gemm(g, first, "/pooler/dense", "pooler.dense", hidden, hidden)], "/pooler/activation")
    g.output(x, "last_hidden_state", (batch, seq, hidden))
    g.output(pooled, "pooler_output", (batch, hidden))
    return g.model()


def bert_base(batch: int = 1) -> onnx.ModelProto:
    return bert(batch=batch)


def bert_large(dtype: str = "f32", batch: int = 1) -> onnx.ModelProto:
    """fp32 weights (1.34 GB) exceed an IPU-M2000 chip's 900 MB of SRAM; fp16 fits."""
    return bert(layers=24, hidden=1024, heads=16, ffn=4096, dtype=dtype, batch=batch)


def bert_tiny(batch: int = 1) -> onnx.ModelProto:
    return bert(layers=2, hidden=64, heads=4, ffn=128, seq=16, vocab=100, max_pos=32, batch=batch)
