"""One OPT decoder layer (HF transformers' `OPTDecoderLayer`, `do_layer_norm_before=True`), in
prefill and in single-token decode form, as the LLM workloads of the T10 paper use it.

Differs from BERT where exporters differ: pre-LN, q scaled by dh**-0.5 before QK^T, a causal
mask applied with Where(bool mask, scores, -1e4) (a large finite negative, so no -inf reaches
softmax), ReLU FFN, and in decode mode the KV cache: `past_key`/`past_value` inputs Concat'ed
on the sequence axis with the new key/value, which are also outputs (`present_key/value`).
"""

from __future__ import annotations

import numpy as np
import onnx

from tilefabric.zoo.layers import Graph, layernorm, linear, merge_heads, split_heads


def opt_decoder_layer(hidden=2048, heads=32, ffn=8192, seq=512, batch=1, past=0, seed=0) -> onnx.ModelProto:
    g = Graph("opt_decoder_layer", seed)
    dh, total = hidden // heads, past + seq
    x = g.input("hidden_states", (batch, seq, hidden))
    scope, param = "/self_attn", "self_attn"
    h = layernorm(g, x, "/self_attn_layer_norm", "self_attn_layer_norm", hidden, eps=1e-5)
    q = g.op("Mul", [linear(g, h, f"{scope}/q_proj", f"{param}.q_proj", hidden, hidden), g.scalar(dh ** -0.5)], scope)
    q = split_heads(g, q, scope, batch, seq, heads)
    k = split_heads(g, linear(g, h, f"{scope}/k_proj", f"{param}.k_proj", hidden, hidden), scope, batch, seq, heads)
    v = split_heads(g, linear(g, h, f"{scope}/v_proj", f"{param}.v_proj", hidden, hidden), scope, batch, seq, heads)
    if past:
        k = g.op("Concat", [g.input("past_key", (batch, heads, past, dh)), k], scope, axis=2)
        v = g.op("Concat", [g.input("past_value", (batch, heads, past, dh)), v], scope, axis=2)
    scores = g.op("MatMul", [q, g.op("Transpose", [k], scope, perm=[0, 1, 3, 2])], scope)
    allowed = np.arange(total)[None, :] <= past + np.arange(seq)[:, None]  # query i sees keys 0..past+i
    scores = g.op("Where", [g.const("causal_mask", allowed[None, None]), scores, g.scalar(-1e4)], scope)
    ctx = merge_heads(g, g.op("MatMul", [g.op("Softmax", [scores], scope, axis=-1), v], scope), scope, batch, seq,
                      hidden)
    x = g.op("Add", [x, linear(g, ctx, f"{scope}/out_proj", f"{param}.out_proj", hidden, hidden)], "")
    h = layernorm(g, x, "/final_layer_norm", "final_layer_norm", hidden, eps=1e-5)
    h = g.op("Relu", [linear(g, h, "/fc1", "fc1", hidden, ffn)], "/activation_fn")
    out = g.op("Add", [x, linear(g, h, "/fc2", "fc2", ffn, hidden)], "")
    g.output(out, "layer_output", (batch, seq, hidden))
    if past:
        g.output(k, "present_key", (batch, heads, total, dh))
        g.output(v, "present_value", (batch, heads, total, dh))
    return g.model()


def opt_1_3b_prefill() -> onnx.ModelProto:
    return opt_decoder_layer(seq=512)


def opt_1_3b_decode() -> onnx.ModelProto:
    return opt_decoder_layer(seq=1, past=511)


def opt_tiny() -> onnx.ModelProto:
    return opt_decoder_layer(hidden=64, heads=4, ffn=128, seq=16)


def opt_tiny_decode() -> onnx.ModelProto:
    return opt_decoder_layer(hidden=64, heads=4, ffn=128, seq=1, past=15)
