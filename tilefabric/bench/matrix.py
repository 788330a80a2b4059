"""The run matrix: which models (and batches) run on which targets with which strategies.

Every model runs with `t10` and `vgm` on each comparison target (default `ipu-mk2`); a few
models also run with `t10` on a quarter ipu-mk2 (368 cores) and on ipu-pod4 (5,888 cores), so
compile and simulate time can be plotted over 368 -> 1,472 -> 5,888 cores. The quarter chip is
not a preset: it is ipu-mk2 with `cores` replaced (same tile, links and clock), written as a
target file by `quarter_mk2_toml`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tilefabric.errors import TileFabricError

STRATEGIES = ("t10", "vgm")
QUARTER_MK2 = "ipu-mk2-quarter"
SCALING_TARGETS = (QUARTER_MK2, "ipu-mk2", "ipu-pod4")  # 368, 1472, 5888 cores


@dataclass(frozen=True)
class ModelSpec:
    """One benchmarked model: a zoo builder and its arguments."""

    key: str  # unique, e.g. "bert_base_b8"
    label: str  # for tables and plots, e.g. "BERT-base b8"
    builder: str  # name in tilefabric.zoo.ZOO or SMALL
    kwargs: dict[str, Any] = field(default_factory=dict)
    family: str = ""  # the builder name, so `--models bert_base` selects every batch

    def build(self):
        from tilefabric.zoo import SMALL, ZOO

        return {**ZOO, **SMALL}[self.builder](**self.kwargs)


@dataclass(frozen=True)
class RunConfig:
    target: str
    strategy: str


@dataclass(frozen=True)
class Job:
    """One model and every configuration it runs in (one worker process: import once)."""

    model: ModelSpec
    configs: tuple[RunConfig, ...]


def _bert(builder: str, name: str, batches: Sequence[int], **extra: Any) -> list[ModelSpec]:
    return [ModelSpec(f"{builder}_b{b}", f"{name} b{b}", builder, {"batch": b, **extra}, builder) for b in batches]


def _one(builder: str, label: str) -> ModelSpec:
    return ModelSpec(builder, label, builder, {}, builder)


# cheap models first: a long bench shows most of its table early, the slowest runs come last
FULL = (
    ModelSpec("bert_base_b1", "BERT-base b1", "bert_base", {"batch": 1}, "bert_base"),
    _one("vit_b16", "ViT-B/16"),
    _one("resnet50", "ResNet-50"),
    _one("opt_1_3b_prefill", "OPT-1.3B layer prefill 512"),
    _one("opt_1_3b_decode", "OPT-1.3B layer decode"),
    _one("nerf", "NeRF MLP fp16"),
    *_bert("bert_base", "BERT-base", (8, 16)),
    *_bert("bert_large", "BERT-large fp16", (1, 8, 16), dtype="f16"),
)
QUICK = (
    *_bert("bert_tiny", "BERT-tiny", (1, 8)),
    _one("vit_tiny", "ViT-tiny"),
    _one("resnet_tiny", "ResNet-tiny"),
    _one("opt_tiny", "OPT-tiny prefill"),
    _one("opt_tiny_decode", "OPT-tiny decode"),
    _one("nerf_tiny", "NeRF-tiny"),
)
# models that also run on 368 and 5,888 cores (the scaling plot)
SCALING_FULL = ("bert_base_b1", "resnet50", "nerf")
SCALING_QUICK = ("bert_tiny_b1", "nerf_tiny")


def select(quick: bool, names: Sequence[str] | None) -> list[ModelSpec]:
    """The models named (by key or by builder family), in matrix order; all when `names` is empty."""
    pool = QUICK if quick else FULL
    if not names:
        return list(pool)
    known = {m.key for m in pool} | {m.family for m in pool}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise TileFabricError(f"unknown bench model '{unknown[0]}' ({'quick' if quick else 'full'} set: "
                              f"{', '.join(sorted(known))})")
    return [m for m in pool if m.key in names or m.family in names]


def scaling_models(quick: bool, models: Sequence[ModelSpec]) -> list[ModelSpec]:
    """The selected models that are in the scaling set; the first selected one if none is."""
    wanted = SCALING_QUICK if quick else SCALING_FULL
    chosen = [m for m in models if m.key in wanted]
    return chosen or list(models[:1])


def quarter_mk2_toml(directory: Path) -> Path:
    """Write the quarter ipu-mk2 as a target file: the compiler passes a target between passes
    by preset name or .toml path, so an in-memory `Target` is not enough. The file is the
    ipu-mk2 preset with only name, description and cores changed; loading it must give exactly
    `dataclasses.replace(ipu-mk2, ...)`, so it cannot drift from the preset."""
    from importlib import resources

    from tilefabric.target import load_target_file, resolve_target

    text = resources.files("tilefabric.target").joinpath("presets", "ipu-mk2.toml").read_text()
    mk2 = resolve_target("ipu-mk2")
    cores = mk2.cores // 4
    description = f"a quarter of ipu-mk2 ({cores} of its {mk2.cores} tiles), for compile/simulate scaling"
    for key, value in (("name", f'"{QUARTER_MK2}"'), ("description", f'"{description}"'), ("cores", str(cores))):
        text, n = re.subn(rf"^{key} = .*$", f"{key} = {value}", text, count=1, flags=re.M)
        if n != 1:
            raise TileFabricError(f"ipu-mk2 preset has no '{key} = ' line to override for {QUARTER_MK2}")
    path = Path(directory) / f"{QUARTER_MK2}.toml"
    path.write_text(text)
    quarter = load_target_file(str(path))
    expected = dataclasses.replace(mk2, name=QUARTER_MK2, description=description, cores=cores, source=quarter.source)
    if quarter != expected:
        raise TileFabricError(f"{QUARTER_MK2} differs from ipu-mk2 in more than its core count")
    return path


def bench_target_spec(name: str, directory: Path) -> str:
    """What to pass as `target`: a preset/.toml as given, or the written quarter ipu-mk2 file."""
    from tilefabric.target import resolve_target

    if name == QUARTER_MK2:
        return str(quarter_mk2_toml(directory))
    resolve_target(name)  # unknown names fail here, before any run
    return name


def jobs(models: Sequence[ModelSpec], targets: Sequence[str], scaling: bool, quick: bool) -> list[Job]:
    """Per model: t10 and vgm on every comparison target, then the scaling targets (t10)."""
    scaled = {m.key for m in scaling_models(quick, models)} if scaling else set()
    out = []
    for model in models:
        configs = [RunConfig(t, s) for t in targets for s in STRATEGIES]
        if model.key in scaled:
            configs += [RunConfig(t, "t10") for t in SCALING_TARGETS if RunConfig(t, "t10") not in configs]
        out.append(Job(model, tuple(configs)))
    return out
