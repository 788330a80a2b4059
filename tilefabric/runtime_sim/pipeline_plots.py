"""Pictures of where pipelined groups put their stages: one mesh image per dataflow.pipeline,
each core coloured by the stage whose buffers it holds (docs/pipelining.md)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def stage_maps(module, target) -> list[tuple[str, np.ndarray]]:
    """(title, rows x cols array of stage index or −1) for every dataflow.pipeline in `module`."""
    from tilefabric.dialects.dataflow_pipeline import PipelineOp

    rows, cols = target.mesh_shape if target.mesh_shape else (1, target.cores)
    out = []
    for op in module.walk():
        if not isinstance(op, PipelineOp):
            continue
        grid = -np.ones(rows * cols, dtype=np.int64)
        for s, cores in enumerate(op.stage_cores()):
            grid[sorted(cores)] = s
        label = op.attributes["tf.op"].data if "tf.op" in op.attributes else "pipeline"
        title = f"{label}: {len(op.stages)} stages, {op.organisation.data}, {op.granules.data} granules"
        out.append((title, grid.reshape(rows, cols)))
    return out


def plot_stage_maps(module, target, path: str | Path, title: str) -> Path | None:
    """One PNG with a panel per pipeline group (None when the program has no group)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    maps = stage_maps(module, target)
    if not maps:
        return None
    n = len(maps)
    cols = min(n, 3)
    fig, axes = plt.subplots((n + cols - 1) // cols, cols, figsize=(max(5.0, 4.2 * cols), 4.6 * ((n + cols - 1) // cols)),
                             squeeze=False)
    palette = ["#dddddd"] + [plt.get_cmap("tab10")(i) for i in range(10)]
    for ax, (name, grid) in zip(axes.flat, maps):
        stages = int(grid.max()) + 1
        ax.imshow(grid + 1, cmap=ListedColormap(palette[: stages + 1]), vmin=0, vmax=stages, interpolation="nearest")
        ax.set_title(name, fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.suptitle(f"{title}\ngrey: idle; blue, orange, green, red, ...: stage 0, 1, 2, 3, ...", fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.94))  # room for the title
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
