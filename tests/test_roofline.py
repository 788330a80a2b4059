"""The roofline of a fused chain is the roofline of its stages: fusing moves no work from the
matrix unit to the vector unit, so the model's compute and link bounds are the same with and
without `fuse-memory-intensive` (NeRF's matmul+bias+ReLU chains were once priced as vector work,
a "roofline" 7.7x above the simulated latency)."""

from __future__ import annotations

from pathlib import Path

import onnx
import pytest

from tilefabric import api
from tilefabric.zoo import SMALL


def _bounds(path: Path, disabled: tuple[str, ...]) -> tuple[float, float, int, dict]:
    report = api.compile(str(path), target="ipu-mk2", disabled=disabled).run().report
    ops = report["ops"]
    compute = sum(o["roofline_compute_cycles"] or 0.0 for o in ops)
    link = sum(o["roofline_link_cycles"] or 0.0 for o in ops)
    return compute, link, len(ops), report


@pytest.mark.parametrize("name", ["nerf_tiny", "resnet_tiny"])
def test_fused_chains_keep_the_unfused_roofline(name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.onnx"
    onnx.save(SMALL[name](), path)
    fused_c, fused_l, n_fused, report = _bounds(path, ())
    plain_c, plain_l, n_plain, _ = _bounds(path, ("fuse-memory-intensive",))
    assert n_fused < n_plain  # something was fused
    rounding = 0.05 * (n_fused + n_plain)  # the report rounds each op's figure to 0.1 cycle
    assert abs(fused_c - plain_c) <= rounding, (fused_c, plain_c)
    assert abs(fused_l - plain_l) <= rounding, (fused_l, plain_l)
    assert report["roofline_cycles"] <= report["latency_cycles"]
