"""ResNet-50 as torchvision's `resnet50` exports with training-mode-preserving settings, i.e.
with every BatchNormalization still a node after its bias-free Conv: folding them is our
frontend's job, so the zoo must not do it. Bottlenecks stride in the 3x3 (torchvision's
"v1.5"), with a 1x1 conv + BN downsample on the shortcut where the shape changes.
"""

from __future__ import annotations

import onnx

from tilefabric.zoo.layers import Graph, conv_bn, gemm


def _bottleneck(g: Graph, x: str, name: str, c_in: int, planes: int, stride: int) -> str:
    scope = "/" + name.replace(".", "/")
    h = g.op("Relu", [conv_bn(g, x, f"{scope}/conv1", f"{name}.conv1", f"{name}.bn1", c_in, planes, 1)], scope)
    h = g.op("Relu", [conv_bn(g, h, f"{scope}/conv2", f"{name}.conv2", f"{name}.bn2", planes, planes, 3, stride)],
             scope)
    h = conv_bn(g, h, f"{scope}/conv3", f"{name}.conv3", f"{name}.bn3", planes, planes * 4, 1)
    if stride != 1 or c_in != planes * 4:
        x = conv_bn(g, x, f"{scope}/downsample/downsample.0", f"{name}.downsample.0", f"{name}.downsample.1", c_in,
                    planes * 4, 1, stride)
    return g.op("Relu", [g.op("Add", [h, x], scope)], scope)


def resnet50(batch=1, image=224, classes=1000, width=64, blocks=(3, 4, 6, 3), seed=0) -> onnx.ModelProto:
    g = Graph("resnet50", seed)
    x = g.input("input", (batch, 3, image, image))
    x = g.op("Relu", [conv_bn(g, x, "/conv1", "conv1", "bn1", 3, width, 7, 2)], "")
    x = g.op("MaxPool", [x], "/maxpool", ceil_mode=0, kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2])
    c_in = width
    for stage, count in enumerate(blocks):
        planes = width * 2 ** stage
        for i in range(count):
            x = _bottleneck(g, x, f"layer{stage + 1}.{i}", c_in, planes, 2 if (i == 0 and stage > 0) else 1)
            c_in = planes * 4
    x = g.op("Flatten", [g.op("GlobalAveragePool", [x], "/avgpool")], "", axis=1)
    g.output(gemm(g, x, "/fc", "fc", c_in, classes), "output", (batch, classes))
    return g.model()


def resnet_tiny() -> onnx.ModelProto:
    return resnet50(image=32, classes=10, width=8, blocks=(1, 1, 1, 1))
