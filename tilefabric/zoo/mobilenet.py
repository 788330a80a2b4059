"""MobileNetV2 as torchvision's `mobilenet_v2` exports (BatchNormalization kept as nodes).

Brings depthwise convolutions (group = channels), ReLU6 spelled Clip(x, 0, 6) with its bounds
as initializer inputs (opset >= 11), and inverted residual blocks whose residual Add only exists
for stride 1 with equal channels. Channel counts follow torchvision's `_make_divisible(c, 8)`.
"""

from __future__ import annotations

import onnx

from tilefabric.zoo.layers import Graph, conv_bn, gemm

# (expansion t, output channels c, repeats n, first stride s), torchvision's table
TABLE = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))


def _divisible(v: float, divisor: int = 8) -> int:
    new = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new + divisor if new < 0.9 * v else new


def _relu6(g: Graph, x: str, scope: str) -> str:
    return g.op("Clip", [x, g.scalar(0.0), g.scalar(6.0)], scope)


def _inverted_residual(g: Graph, x: str, idx: int, c_in: int, c_out: int, stride: int, t: int) -> str:
    name, scope, hidden, j, h = f"features.{idx}.conv", f"/features/features.{idx}/conv", c_in * t, 0, x
    if t != 1:  # 1x1 expansion
        h = _relu6(g, conv_bn(g, h, f"{scope}/conv.0/conv.0.0", f"{name}.0.0", f"{name}.0.1", c_in, hidden, 1),
                   f"{scope}/conv.0/conv.0.2")
        j = 1
    h = _relu6(g, conv_bn(g, h, f"{scope}/conv.{j}/conv.{j}.0", f"{name}.{j}.0", f"{name}.{j}.1", hidden, hidden, 3,
                          stride, group=hidden), f"{scope}/conv.{j}/conv.{j}.2")
    h = conv_bn(g, h, f"{scope}/conv.{j + 1}", f"{name}.{j + 1}", f"{name}.{j + 2}", hidden, c_out, 1)
    return g.op("Add", [x, h], f"/features/features.{idx}") if stride == 1 and c_in == c_out else h


def mobilenet_v2(batch=1, image=224, classes=1000, width_mult=1.0, seed=0, table=TABLE) -> onnx.ModelProto:
    g = Graph("mobilenet_v2", seed)
    x = g.input("input", (batch, 3, image, image))
    c_in, last = _divisible(32 * width_mult), _divisible(1280 * max(1.0, width_mult))
    x = _relu6(g, conv_bn(g, x, "/features/features.0/features.0.0", "features.0.0", "features.0.1", 3, c_in, 3, 2),
               "/features/features.0/features.0.2")
    idx = 1
    for t, c, n, s in table:
        c_out = _divisible(c * width_mult)
        for i in range(n):
            x = _inverted_residual(g, x, idx, c_in, c_out, s if i == 0 else 1, t)
            c_in, idx = c_out, idx + 1
    scope = f"/features/features.{idx}"
    x = _relu6(g, conv_bn(g, x, f"{scope}/features.{idx}.0", f"features.{idx}.0", f"features.{idx}.1", c_in, last, 1),
               f"{scope}/features.{idx}.2")
    x = g.op("Flatten", [g.op("GlobalAveragePool", [x], "")], "", axis=1)
    g.output(gemm(g, x, "/classifier/classifier.1", "classifier.1", last, classes), "output", (batch, classes))
    return g.model()


def mobilenet_tiny() -> onnx.ModelProto:
    return mobilenet_v2(image=32, classes=10, width_mult=0.25, table=TABLE[:3])
