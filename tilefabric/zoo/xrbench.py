"""XRBench-style small CNNs (PipeOrgan's workloads): hand tracking, RITNet eye segmentation,
MiDaS-small monocular depth. Shapes, sources and every approximation: docs/models.md.

Our frontend has no `Resize` (nor `ConvTranspose`): torch-mlir lowers both to gathers whose
index is computed, which `onnx_import` does not accept. So upsampling is spelt with ops it has:
nearest ×2 (RITNet's `F.interpolate(mode="nearest")`) as Reshape → Expand → Reshape, which
repeats every pixel 2×2 exactly; bilinear ×2 with `align_corners=True` (MiDaS' `Interpolate`)
as two MatMuls with the interpolation matrices, `A_h · X · A_wᵀ`, which is the same arithmetic
as the bilinear kernel (each output a weighted sum of ≤ 2×2 inputs).
"""

from __future__ import annotations

import numpy as np
import onnx

from tilefabric.zoo.layers import Graph, batchnorm, conv, conv_bn, gemm


def _relu(g: Graph, x: str, scope: str) -> str:
    return g.op("Relu", [x], scope)


def _leaky(g: Graph, x: str, scope: str) -> str:
    return g.op("LeakyRelu", [x], scope, alpha=0.01)  # torch.nn.LeakyReLU()


def upsample_nearest2(g: Graph, x: str, scope: str, shape) -> str:
    """[n, c, h, w] → [n, c, 2h, 2w], each pixel repeated 2×2 (F.interpolate nearest, ×2)."""
    n, c, h, w = shape
    r = g.op("Reshape", [x, g.ints([n, c, h, 1, w, 1])], scope)
    e = g.op("Expand", [r, g.ints([n, c, h, 2, w, 2])], scope)
    return g.op("Reshape", [e, g.ints([n, c, 2 * h, 2 * w])], scope)


def bilinear_matrix(size: int) -> np.ndarray:
    """[2·size, size]: row o holds the weights of output o of a ×2 bilinear resize with
    align_corners=True (source position o·(size−1)/(2·size−1))."""
    out = 2 * size
    m = np.zeros((out, size), np.float32)
    pos = np.arange(out) * (size - 1) / max(out - 1, 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, size - 1)
    frac = (pos - lo).astype(np.float32)
    np.add.at(m, (np.arange(out), lo), 1 - frac)
    np.add.at(m, (np.arange(out), hi), frac)
    return m


def upsample_bilinear2(g: Graph, x: str, scope: str, shape) -> str:
    """[n, c, h, w] → [n, c, 2h, 2w] bilinearly (align_corners=True): X · A_wᵀ, then A_h · (.)."""
    _, _, h, w = shape
    aw = g.const(f"{scope.strip('/').replace('/', '.')}.interp_w", bilinear_matrix(w).T.astype(g.np_dtype))
    ah = g.const(f"{scope.strip('/').replace('/', '.')}.interp_h", bilinear_matrix(h).astype(g.np_dtype))
    return g.op("MatMul", [ah, g.op("MatMul", [x, aw], scope)], scope)


# --- hand tracking ---------------------------------------------------------------------------
def hand_tracking(batch=1, image=96, width=16, keypoints=21, seed=0) -> onnx.ModelProto:
    """A keypoint regressor on a grayscale hand crop: a strided conv stem, four stages (stride-2
    conv + one residual block of two 3×3 convs, BN folded), global pooling and a linear layer
    to (x, y, z) of each keypoint."""
    g = Graph("hand_tracking", seed)
    x = g.input("input", (batch, 1, image, image))
    c = width
    x = _relu(g, conv_bn(g, x, "/stem/conv", "stem.conv", "stem.bn", 1, c, 3, 2), "/stem")
    for s in range(4):
        c_out = width * 2 ** s
        if s:
            x = _relu(g, conv_bn(g, x, f"/stage{s}/down", f"stage{s}.down", f"stage{s}.down_bn", c, c_out, 3, 2),
                      f"/stage{s}/down")
        h = _relu(g, conv_bn(g, x, f"/stage{s}/conv1", f"stage{s}.conv1", f"stage{s}.bn1", c_out, c_out, 3), f"/stage{s}/conv1")
        h = conv_bn(g, h, f"/stage{s}/conv2", f"stage{s}.conv2", f"stage{s}.bn2", c_out, c_out, 3)
        x = _relu(g, g.op("Add", [x, h], f"/stage{s}"), f"/stage{s}")
        c = c_out
    x = g.op("Flatten", [g.op("GlobalAveragePool", [x], "/pool")], "/pool", axis=1)
    g.output(gemm(g, x, "/head", "head", c, keypoints * 3), "keypoints", (batch, keypoints * 3))
    return g.model()


# --- RITNet ----------------------------------------------------------------------------------
def _ritnet_down(g: Graph, x: str, i: int, c_in: int, c: int, pool: bool, shape) -> tuple[str, tuple]:
    """DenseNet2D_down_block: [avgpool 2] → conv3 → cat → conv1·conv3 → cat → conv1·conv3 → BN."""
    scope, p = f"/down{i}", f"down_block{i}"
    n, _, h, w = shape
    if pool:
        x = g.op("AveragePool", [x], scope, kernel_shape=[2, 2], strides=[2, 2])
        h, w = h // 2, w // 2
    x1 = _leaky(g, conv(g, x, f"{scope}/conv1", f"{p}.conv1", c_in, c, 3, bias=True), f"{scope}/conv1")
    x21 = g.op("Concat", [x, x1], scope, axis=1)
    x22 = conv(g, conv(g, x21, f"{scope}/conv21", f"{p}.conv21", c_in + c, c, 1, bias=True),
               f"{scope}/conv22", f"{p}.conv22", c, c, 3, bias=True)
    x22 = _leaky(g, x22, f"{scope}/conv22")
    x31 = g.op("Concat", [x21, x22], scope, axis=1)
    out = conv(g, conv(g, x31, f"{scope}/conv31", f"{p}.conv31", c_in + 2 * c, c, 1, bias=True),
               f"{scope}/conv32", f"{p}.conv32", c, c, 3, bias=True)
    out = batchnorm(g, _leaky(g, out, f"{scope}/conv32"), f"{scope}/bn", f"{p}.bn", c)
    return out, (n, c, h, w)


def _ritnet_up(g: Graph, prev: str, skip: str, i: int, c_skip: int, c: int, shape) -> tuple[str, tuple]:
    """DenseNet2D_up_block_concat: nearest ×2 → cat(skip, up) → conv1·conv3 → cat → conv1·conv3."""
    scope, p = f"/up{i}", f"up_block{i}"
    n, c_prev, h, w = shape
    x = g.op("Concat", [skip, upsample_nearest2(g, prev, f"{scope}/upsample", shape)], scope, axis=1)
    c_x = c_skip + c_prev
    x1 = conv(g, conv(g, x, f"{scope}/conv11", f"{p}.conv11", c_x, c, 1, bias=True),
              f"{scope}/conv12", f"{p}.conv12", c, c, 3, bias=True)
    x1 = _leaky(g, x1, f"{scope}/conv12")
    x21 = g.op("Concat", [x, x1], scope, axis=1)
    out = conv(g, conv(g, x21, f"{scope}/conv21", f"{p}.conv21", c_x + c, c, 1, bias=True),
               f"{scope}/conv22", f"{p}.conv22", c, c, 3, bias=True)
    return _leaky(g, out, f"{scope}/conv22"), (n, c, 2 * h, 2 * w)


def ritnet(batch=1, height=128, width=80, channels=32, classes=4, depth=5, seed=0) -> onnx.ModelProto:
    """RITNet (DenseNet2D, Chaudhary et al. 2019): `depth` down blocks (all but the first after
    a 2×2 average pool), depth − 1 up blocks joined to the matching down block, a 1×1 conv to
    the classes. Default input: 640×400 eye images scaled by 1/5 per side."""
    g = Graph("ritnet", seed)
    x = g.input("input", (batch, 1, height, width))
    shape, c_in, skips = (batch, 1, height, width), 1, []
    for i in range(depth):
        x, shape = _ritnet_down(g, x, i + 1, c_in, channels, i > 0, shape)
        skips.append((x, shape))
        c_in = channels
    for j, (skip, skip_shape) in enumerate(reversed(skips[:-1])):
        x, shape = _ritnet_up(g, x, skip, j + 1, channels, channels, shape)
    out = conv(g, x, "/out_conv1", "out_conv1", channels, classes, 1, pad=0, bias=True)
    g.output(out, "output", (batch, classes, height, width))
    return g.model()


# --- MiDaS small ------------------------------------------------------------------------------
# Encoder stages (expansion, channels, blocks, stride) ending at MiDaS-small's feature widths
# 32 / 48 / 136 / 384 at strides 4 / 8 / 16 / 32 (EfficientNet-Lite3 outputs, fewer blocks).
MIDAS_STAGES = ((1, 24, 1, 1), (6, 32, 1, 2), (6, 48, 1, 2), (6, 136, 1, 2), (6, 384, 1, 2))


def _mbconv(g: Graph, x: str, name: str, c_in: int, c_out: int, stride: int, t: int) -> str:
    """Inverted residual: 1×1 expand (t > 1), 3×3 depthwise, 1×1 project; ReLU6 as Clip."""
    scope, h = f"/{name.replace('.', '/')}", x
    hidden = c_in * t
    clip = lambda v, s: g.op("Clip", [v, g.scalar(0.0), g.scalar(6.0)], s)  # noqa: E731
    if t != 1:
        h = clip(conv_bn(g, h, f"{scope}/expand", f"{name}.expand", f"{name}.bn0", c_in, hidden, 1), f"{scope}/expand")
    h = clip(conv_bn(g, h, f"{scope}/dw", f"{name}.dw", f"{name}.bn1", hidden, hidden, 3, stride, group=hidden), f"{scope}/dw")
    h = conv_bn(g, h, f"{scope}/project", f"{name}.project", f"{name}.bn2", hidden, c_out, 1)
    return g.op("Add", [x, h], scope) if stride == 1 and c_in == c_out else h


def _residual_conv_unit(g: Graph, x: str, scope: str, param: str, c: int) -> str:
    """MiDaS ResidualConvUnit: x + conv2(relu(conv1(relu(x))))."""
    h = conv(g, _relu(g, x, f"{scope}/relu1"), f"{scope}/conv1", f"{param}.conv1", c, c, 3, bias=True)
    h = conv(g, _relu(g, h, f"{scope}/relu2"), f"{scope}/conv2", f"{param}.conv2", c, c, 3, bias=True)
    return g.op("Add", [h, x], scope)


def _fusion(g: Graph, path: str | None, skip: str, i: int, c: int, shape) -> str:
    """FeatureFusionBlock: (path + RCU(skip)) → RCU → bilinear ×2 (align_corners)."""
    scope, p = f"/scratch/refinenet{i}", f"scratch.refinenet{i}"
    x = skip if path is None else g.op("Add", [path, _residual_conv_unit(g, skip, f"{scope}/rcu1", f"{p}.rcu1", c)], scope)
    x = _residual_conv_unit(g, x, f"{scope}/rcu2", f"{p}.rcu2", c)
    return upsample_bilinear2(g, x, f"{scope}/interp", shape)


def midas_small(batch=1, image=256, features=64, seed=0, stages=MIDAS_STAGES, dtype="f16") -> onnx.ModelProto:
    """MiDaS v2.1 small (Ranftl et al.): a mobile encoder to four feature maps (strides 4–32),
    3×3 convs to `features` channels, four fusion blocks up to stride 2, and the depth head
    (conv 3×3 → bilinear ×2 → conv 3×3 → ReLU → conv 1×1 → ReLU) at full resolution. In fp16
    by default, as XR accelerators run it: in f32 the 256² head does not fit 8 KiB PEs."""
    g = Graph("midas_small", seed, dtype)
    x = g.input("input", (batch, 3, image, image))
    c = stages[0][1] if stages[0][0] == 1 else 32
    x = g.op("Clip", [conv_bn(g, x, "/pretrained/stem", "pretrained.stem", "pretrained.stem_bn", 3, c, 3, 2),
                      g.scalar(0.0), g.scalar(6.0)], "/pretrained/stem")
    size, taps = image // 2, []
    for k, (t, c_out, n, s) in enumerate(stages):
        for b in range(n):
            x = _mbconv(g, x, f"pretrained.stage{k}.{b}", c, c_out, s if b == 0 else 1, t)
            c = c_out
        size //= s
        if k >= len(stages) - 4:
            taps.append((x, c, size))
    path = None
    for i, (tap, c_tap, s) in reversed(list(enumerate(taps, start=1))):
        rn = conv(g, tap, f"/scratch/layer{i}_rn", f"scratch.layer{i}_rn", c_tap, features, 3)
        path = _fusion(g, path, rn, i, features, (batch, features, s, s))
    s = taps[0][2] * 2
    h = conv(g, path, "/scratch/output_conv/0", "scratch.output_conv.0", features, features // 2, 3, bias=True)
    h = upsample_bilinear2(g, h, "/scratch/output_conv/1", (batch, features // 2, s, s))
    h = _relu(g, conv(g, h, "/scratch/output_conv/2", "scratch.output_conv.2", features // 2, 32, 3, bias=True),
              "/scratch/output_conv/3")
    # the one-channel conv's bias as a separate Add: a biased Conv with one output channel and
    # > 4,096 outputs reaches our import as a splat constant it does not take (docs/models.md)
    h = conv(g, h, "/scratch/output_conv/4", "scratch.output_conv.4", 32, 1, 1, pad=0)
    h = g.op("Add", [h, g.weight("scratch.output_conv.4.bias", (1, 1, 1, 1), scale=0.02)], "/scratch/output_conv/4")
    h = _relu(g, h, "/scratch/output_conv/5")
    g.output(h, "depth", (batch, 1, 2 * s, 2 * s))
    return g.model()


# --- CI sizes ---------------------------------------------------------------------------------
def hand_tracking_tiny() -> onnx.ModelProto:
    return hand_tracking(image=32, width=4, keypoints=5)


def ritnet_tiny() -> onnx.ModelProto:
    return ritnet(height=16, width=8, channels=4, depth=3)


def midas_tiny() -> onnx.ModelProto:
    return midas_small(image=32, features=8, stages=((1, 8, 1, 1), (2, 8, 1, 2), (2, 12, 1, 2), (2, 16, 1, 2),
                                                     (2, 24, 1, 2)))
