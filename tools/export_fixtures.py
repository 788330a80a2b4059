"""Export the small ONNX test fixtures in tests/data/fixtures/ from real exporters.

The fixtures are graphs as `torch.onnx.export` (TorchScript exporter, ``dynamo=False``) writes
them for Hugging Face BERT / GPT-2 / ViT and for small torch.nn CNNs and MLPs, with random
weights (``torch.manual_seed(0)``, no downloads) and fixed input shapes. Each fixture is

* ``<name>.onnx``: the model, ``ir_version`` lowered to 8 so older onnxruntimes read it too;
* ``<name>.npz``: the reference inputs (``in:<input name>``) and the onnxruntime outputs on
  them (``out:<output name>``), cross-checked against torch's own outputs.

This script is NOT part of CI and torch is not a dependency of tilefabric or its tests: the
outputs are committed. To regenerate them, use a separate environment, e.g.::

    python3.11 -m venv /tmp/exportenv
    /tmp/exportenv/bin/pip install torch==2.13.0 "transformers<5" onnx==1.17.0 \\
        onnxruntime==1.20.1 "numpy<2.3" onnxscript
    /tmp/exportenv/bin/python tools/export_fixtures.py [--out tests/data/fixtures] [NAME ...]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "fixtures"
MAX_BYTES = 2 * 1024 * 1024
IR_VERSION = 8
RTOL = 1e-4


# --- models --------------------------------------------------------------------------------
def _randomize_bn(model: nn.Module, gen: torch.Generator) -> None:
    """Non-trivial BN statistics and affine parameters, so folding mistakes show."""
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            c = module.num_features
            with torch.no_grad():
                module.running_mean.copy_(torch.randn(c, generator=gen) * 0.5)
                module.running_var.copy_(torch.rand(c, generator=gen) * 1.5 + 0.5)
                module.weight.copy_(torch.rand(c, generator=gen) + 0.5)
                module.bias.copy_(torch.randn(c, generator=gen) * 0.3)


class SmallCNN(nn.Module):
    """Conv s2 + BN + ReLU6, depthwise + BN + ReLU, pointwise + BN, residual, pools, Linear."""

    def __init__(self, cin: int = 3, c: int = 16, classes: int = 10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(cin, c, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(c),
                                  nn.ReLU6())
        self.dw = nn.Sequential(nn.Conv2d(c, c, 3, padding=1, groups=c, bias=False), nn.BatchNorm2d(c), nn.ReLU())
        self.pw = nn.Sequential(nn.Conv2d(c, c, 1, bias=False), nn.BatchNorm2d(c))
        self.pool = nn.MaxPool2d(3, 2, 1)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(c, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        x = x + self.pw(self.dw(x))
        return self.fc(self.flatten(self.gap(self.pool(x))))


class MLP(nn.Module):
    def __init__(self, din: int = 32, hidden: int = 64, classes: int = 10):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(din, hidden), nn.ReLU(), nn.Linear(hidden, classes), nn.Softmax(dim=-1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class HFWrapper(nn.Module):
    """Positional inputs in, a tuple of named HF outputs out (the exporter wants tensors)."""

    def __init__(self, model: nn.Module, input_names: list[str], output_names: list[str]):
        super().__init__()
        self.model, self.input_names, self.output_names = model, input_names, output_names

    def forward(self, *args: torch.Tensor):
        out = self.model(**dict(zip(self.input_names, args)), return_dict=True)
        return tuple(out[name] for name in self.output_names)


def _token_ids(gen: torch.Generator, vocab: int, seq: int) -> torch.Tensor:
    return torch.randint(0, vocab, (1, seq), generator=gen, dtype=torch.int64)


def bert_1layer(gen: torch.Generator):
    from transformers import BertConfig, BertModel

    config = BertConfig(vocab_size=500, hidden_size=64, num_hidden_layers=1, num_attention_heads=4,
                        intermediate_size=128, max_position_embeddings=64, attn_implementation="eager")
    seq = 16
    mask = torch.ones(1, seq, dtype=torch.int64)
    mask[:, -3:] = 0  # padding at the end
    token_types = torch.zeros(1, seq, dtype=torch.int64)
    token_types[:, seq // 2:] = 1
    inputs = {"input_ids": _token_ids(gen, 500, seq), "attention_mask": mask, "token_type_ids": token_types}
    return BertModel(config), inputs, ["last_hidden_state", "pooler_output"], 17


def gpt2_1layer(gen: torch.Generator):
    from transformers import GPT2Config, GPT2Model

    config = GPT2Config(vocab_size=500, n_positions=64, n_embd=64, n_layer=1, n_head=4, use_cache=False,
                        attn_implementation="eager")
    # without an attention_mask, transformers derives a packed-sequence mask from the position ids,
    # which the tracer cannot follow; an all-ones mask (the usual exported signature) avoids it
    inputs = {"input_ids": _token_ids(gen, 500, 16), "attention_mask": torch.ones(1, 16, dtype=torch.int64)}
    return GPT2Model(config), inputs, ["last_hidden_state"], 17


@contextlib.contextmanager
def _traceable_masks():
    """transformers>=4.53 builds attention masks with `torch.vmap` plus a `__getitem__` trick
    that the TorchScript tracer cannot follow (RuntimeError: unordered_map::at); its
    torch<2.6 spelling (vmap over the causal rule only, padding mask broadcast-multiplied)
    traces, and gives the same mask."""
    try:
        from transformers import masking_utils
    except ImportError:
        yield
        return
    saved = masking_utils.sdpa_mask
    masking_utils.sdpa_mask = masking_utils.sdpa_mask_older_torch
    try:
        yield
    finally:
        masking_utils.sdpa_mask = saved


def vit_1layer(gen: torch.Generator):
    from transformers import ViTConfig, ViTModel

    config = ViTConfig(hidden_size=64, num_hidden_layers=1, num_attention_heads=4, intermediate_size=128,
                       image_size=32, patch_size=8, num_channels=3, attn_implementation="eager")
    inputs = {"pixel_values": torch.randn(1, 3, 32, 32, generator=gen)}
    return ViTModel(config, add_pooling_layer=True), inputs, ["last_hidden_state", "pooler_output"], 17


def cnn_bn_dw(gen: torch.Generator, opset: int = 17):
    model = SmallCNN()
    _randomize_bn(model, gen)
    return model, {"input": torch.randn(2, 3, 32, 32, generator=gen)}, ["output"], opset


def cnn_opset9(gen: torch.Generator):
    return cnn_bn_dw(gen, opset=9)


def mlp_old_zoo(gen: torch.Generator):
    return MLP(), {"input": torch.randn(4, 32, generator=gen)}, ["output"], 11


FIXTURES = {f.__name__: f for f in (bert_1layer, gpt2_1layer, vit_1layer, cnn_bn_dw, cnn_opset9, mlp_old_zoo)}


# --- export --------------------------------------------------------------------------------
def _fail(name: str, message: str) -> None:
    raise SystemExit(f"export_fixtures: {name}: {message}")


def export(name: str, out_dir: Path) -> tuple[Path, Counter]:
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    model, inputs, output_names, opset = FIXTURES[name](gen)
    model.eval()
    input_names = list(inputs)
    hf = hasattr(model, "config")
    module = HFWrapper(model, input_names, output_names) if hf else model
    args = tuple(inputs.values())
    with torch.no_grad():
        expected = module(*args)
    expected = expected if isinstance(expected, tuple) else (expected,)

    buffer = io.BytesIO()
    # PRESERVE (the model is in eval mode) keeps BatchNormalization nodes with the running
    # statistics, as older exporters wrote them, instead of folding them into the Conv weights
    with _traceable_masks():
        torch.onnx.export(module, args, buffer, dynamo=False, opset_version=opset, do_constant_folding=True,
                          input_names=input_names, output_names=output_names,
                          training=torch.onnx.TrainingMode.PRESERVE)
    proto = onnx.load_from_string(buffer.getvalue())
    proto.ir_version = IR_VERSION
    onnx.checker.check_model(proto, full_check=True)
    data = proto.SerializeToString()
    if len(data) >= MAX_BYTES:
        _fail(name, f"{len(data)} bytes, limit {MAX_BYTES}")

    graph_inputs = [i.name for i in proto.graph.input]
    feeds = {k: v.numpy() for k, v in inputs.items() if k in graph_inputs}  # unused inputs are dropped
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    ort_names = [o.name for o in session.get_outputs()]
    if ort_names != output_names:
        _fail(name, f"outputs {ort_names}, expected {output_names}")
    got = session.run(ort_names, feeds)
    for out_name, ref, torch_out in zip(ort_names, got, expected):
        torch_np = torch_out.numpy()
        if ref.shape != torch_np.shape:
            _fail(name, f"{out_name}: onnxruntime shape {ref.shape} != torch {torch_np.shape}")
        err = float(np.abs(ref - torch_np).max() / max(np.abs(torch_np).max(), 1e-30))
        if not np.allclose(ref, torch_np, rtol=RTOL, atol=RTOL * np.abs(torch_np).max()):
            _fail(name, f"{out_name}: onnxruntime differs from torch (max rel err {err:.3g})")

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.onnx"
    path.write_bytes(data)
    arrays = {f"in:{k}": v for k, v in feeds.items()}
    arrays.update({f"out:{k}": v for k, v in zip(ort_names, got)})
    np.savez(out_dir / f"{name}.npz", **arrays)
    return path, Counter(node.op_type for node in proto.graph.node)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"fixtures to export (default: all of {', '.join(FIXTURES)})")
    parser.add_argument("--out", type=Path, default=OUT)
    ns = parser.parse_args(argv)
    unknown = [n for n in ns.names if n not in FIXTURES]
    if unknown:
        parser.error(f"unknown fixture(s) {', '.join(unknown)}")
    for name in ns.names or FIXTURES:
        path, ops = export(name, ns.out)
        ops_text = " ".join(f"{op}:{n}" for op, n in sorted(ops.items()))
        print(f"{name}: {path.stat().st_size} bytes; {ops_text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
