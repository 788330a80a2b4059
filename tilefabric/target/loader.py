"""Build a `Target` from a preset name or a TOML file, validating every field with clear errors."""

from __future__ import annotations

import math

import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from tilefabric.errors import TileFabricError
from tilefabric.target.model import ELEMENT_BYTES, MatmulUnit, ReduceModel, Target, VectorUnit
from tilefabric.target.templates import TemplateError, check_matrix, check_vector, parse_template

TOPOLOGIES = ("crossbar", "mesh", "torus")
# The simulator keeps per-core arrays: beyond ~4 M cores (a wafer-scale chip has < 1 M) a typo
# in `cores` would end in an out-of-memory crash instead of a message.
MAX_CORES = 1 << 22


def preset_names() -> list[str]:
    files = resources.files("tilefabric.target").joinpath("presets")
    return sorted(p.name[: -len(".toml")] for p in files.iterdir() if p.name.endswith(".toml"))


class _Fields:
    """Reads typed fields from one TOML table and names the file and key on any problem."""

    def __init__(self, table: dict[str, Any], where: str, section: str = ""):
        self.table, self.where, self.section = table, where, section

    def _key(self, key: str) -> str:
        return f"{self.section}.{key}" if self.section else key

    def _get(self, key: str, default: Any = ...) -> Any:
        if key not in self.table:
            if default is ...:
                raise TileFabricError(f"missing field '{self._key(key)}'", self.where)
            return default
        return self.table[key]

    def number(self, key: str, *, minimum: float = 0.0, strict: bool = False, default: Any = ..., integer=False,
               maximum: float | None = None):
        value = self._get(key, default)
        kind = int if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kind):
            want = "an integer" if integer else "a number"
            raise TileFabricError(f"field '{self._key(key)}' must be {want}, got {value!r}", self.where)
        if not math.isfinite(value):
            raise TileFabricError(f"field '{self._key(key)}' must be a finite number, got {value}", self.where)
        if value < minimum or (strict and value == minimum):
            rel = ">" if strict else ">="
            raise TileFabricError(f"field '{self._key(key)}' must be {rel} {minimum}, got {value}", self.where)
        if maximum is not None and value > maximum:
            raise TileFabricError(f"field '{self._key(key)}' must be <= {maximum}, got {value}", self.where)
        return value

    def integer(self, key: str, *, minimum: int = 0, strict: bool = False, default: Any = ...,
                maximum: int | None = None):
        return self.number(key, minimum=minimum, strict=strict, default=default, integer=True, maximum=maximum)

    def boolean(self, key: str, default: Any = ...) -> bool:
        value = self._get(key, default)
        if not isinstance(value, bool):
            raise TileFabricError(f"field '{self._key(key)}' must be true or false, got {value!r}", self.where)
        return value

    def string(self, key: str, default: Any = ...) -> str:
        value = self._get(key, default)
        if not isinstance(value, str):
            raise TileFabricError(f"field '{self._key(key)}' must be a string, got {value!r}", self.where)
        return value

    def table_of(self, key: str) -> "_Fields":
        value = self._get(key)
        if not isinstance(value, dict):
            raise TileFabricError(f"'{self._key(key)}' must be a table", self.where)
        return _Fields(value, self.where, self._key(key))


GEMM = "out[m, n] += a[m, k] * b[k, n]"
VECTOR_TEMPLATES = ("out[e] = f(x[e?], ...)", "out[e] += a[e] * b[e?]")  # any body; axpy-style MAC


def _strings(f: _Fields, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = f._get(key, list(default))
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TileFabricError(f"field '{f._key(key)}' must be a list of strings", f.where)
    return tuple(value)


def _templates(f: _Fields, default: tuple[str, ...], check) -> tuple:
    texts = _strings(f, "templates", default)
    if not texts:
        raise TileFabricError(f"field '{f._key('templates')}' must list at least one template", f.where)
    out = []
    for i, text in enumerate(texts):
        try:
            t = parse_template(text)
            check(t)
        except TemplateError as exc:
            raise TileFabricError(f"field '{f._key('templates')}' entry {i} '{text}': {exc}", f.where) from None
        out.append(t)
    return tuple(out)


def _dtypes(f: _Fields) -> tuple[str, ...]:
    dtypes = _strings(f, "dtypes", ())
    unknown = [d for d in dtypes if d not in ELEMENT_BYTES]
    if unknown:
        raise TileFabricError(f"field '{f._key('dtypes')}': unknown element type '{unknown[0]}' "
                              f"(known: {', '.join(ELEMENT_BYTES)})", f.where)
    return dtypes


def _matmul(f: _Fields, name: str) -> MatmulUnit:
    flops = f._get("flops_per_cycle")
    if not isinstance(flops, dict) or not flops:
        raise TileFabricError(f"field '{f._key('flops_per_cycle')}' must be a non-empty table", f.where)
    flops_f = _Fields(flops, f.where, f._key("flops_per_cycle"))
    return MatmulUnit(
        unit=name,
        block_cycles_per_byte=f.number("block_cycles_per_byte"),
        block_m=f.integer("block_m", minimum=1),
        block_k_bytes=f.integer("block_k_bytes", minimum=1),
        block_n=f.integer("block_n", minimum=1),
        kn_cycles=f.number("kn_cycles"),
        kn_block_k=f.integer("kn_block_k", minimum=1),
        n_cycles=f.number("n_cycles"),
        fixed_cycles=f.number("fixed_cycles"),
        min_m_for_swap=f.integer("min_m_for_swap", default=0),
        flops_per_cycle=tuple((k, float(flops_f.number(k, strict=True))) for k in sorted(flops)),
        templates=_templates(f, (GEMM,), check_matrix),
        dtypes=_dtypes(f),
    )


def _vector(f: _Fields, name: str) -> VectorUnit:
    return VectorUnit(
        unit=name,
        large_threshold=f.integer("large_threshold"),
        large_cycles_per_elem=f.number("large_cycles_per_elem"),
        large_fixed=f.number("large_fixed"),
        small_cycles_per_elem=f.number("small_cycles_per_elem"),
        small_fixed=f.number("small_fixed"),
        small_cap=f.number("small_cap"),
        unary_cycles_per_elem=f.number("unary_cycles_per_elem"),
        unary_fixed=f.number("unary_fixed"),
        templates=_templates(f, VECTOR_TEMPLATES, check_vector),
        dtypes=_dtypes(f),
        width=f.integer("width", minimum=1, default=1),
        ops=_strings(f, "ops", ()),
    )


def general_vector(unit) -> bool:
    """A vector unit that runs any body on any element type (`out[e] = f(x[e?], ...)`, no op
    or dtype list): the default vector unit, which every kernel can fall back to."""
    return (unit.kind == "vector" and not unit.ops and not unit.dtypes
            and any(not t.mac and t.variadic and not t.inputs[-1].required() for t in unit.templates))


def _units(data: dict[str, Any], f: _Fields, where: str):
    """`[units.NAME]` tables with `kind = "matrix" | "vector"`, or the shorthand `[matmul]` +
    `[vector]` (one unit each, default templates). Returns (units, default matrix, default vector)."""
    if "units" in data:
        if "matmul" in data or "vector" in data:
            raise TileFabricError("give compute units either as [units.NAME] tables or as [matmul] + [vector], not both", where)
        table = f.table_of("units")
        units = []
        for name in table.table:
            uf = table.table_of(name)
            kind = uf.string("kind")
            if kind == "matrix":
                units.append(_matmul(uf, name))
            elif kind == "vector":
                units.append(_vector(uf, name))
            else:
                raise TileFabricError(f"field 'units.{name}.kind' must be 'matrix' or 'vector', got {kind!r}", where)
    else:
        mm, vec = f.table_of("matmul"), f.table_of("vector")
        mm_name, vec_name = mm.string("unit"), vec.string("unit")
        if vec_name == mm_name:
            vec_name += "-vector"
        units = [_matmul(mm, mm_name), _vector(vec, vec_name)]
    names = [u.unit for u in units]
    if len(set(names)) != len(names):
        raise TileFabricError("compute units need distinct names", where)
    matrix = [u for u in units if u.kind == "matrix"]
    vector = [u for u in units if general_vector(u)]
    if not matrix:
        raise TileFabricError("the target needs at least one unit with kind = \"matrix\"", where)
    if not vector:
        raise TileFabricError("the target needs a vector unit that runs any body: kind = \"vector\" with a template "
                              "'out[e] = f(x[e?], ...)' and no 'ops' or 'dtypes' list", where)
    return tuple(units), matrix[0], vector[0]


def _reduce(f: _Fields) -> ReduceModel:
    steps = f._get("align_steps")
    if not isinstance(steps, list) or not all(isinstance(s, int) and s > 0 for s in steps):
        raise TileFabricError("field 'reduce.align_steps' must be a list of positive integers", f.where)
    return ReduceModel(
        align_steps=tuple(steps),
        align_multiple=f.integer("align_multiple", minimum=1),
        small_limit=f.integer("small_limit"),
        small_cycles_per_elem=f.number("small_cycles_per_elem"),
        small_cap_elems=f.integer("small_cap_elems"),
        large_cycles_per_elem=f.number("large_cycles_per_elem"),
        fixed=f.number("fixed"),
    )


def _memory(f: _Fields, where: str) -> dict[str, Any]:
    """The optional global buffer: a capacity and its two bandwidths, all or none."""
    size = f.integer("global_buffer_bytes", default=0)
    gb = float(f.number("global_buffer_bytes_per_cycle", default=0.0))
    off = float(f.number("offchip_bytes_per_cycle", default=0.0))
    if size > 0:
        for key, value in (("global_buffer_bytes_per_cycle", gb), ("offchip_bytes_per_cycle", off)):
            if value <= 0:
                raise TileFabricError(f"field '{key}' must be > 0 when global_buffer_bytes is set", where)
    elif gb > 0 or off > 0:
        key = "global_buffer_bytes_per_cycle" if gb > 0 else "offchip_bytes_per_cycle"
        raise TileFabricError(f"field '{key}' needs global_buffer_bytes > 0 (the buffer it feeds)", where)
    return {"global_buffer_bytes": size, "global_buffer_bytes_per_cycle": gb, "offchip_bytes_per_cycle": off}


def _express(f: _Fields, topology: str, mesh, where: str) -> int:
    """`express_links = { stride = s }`: links jumping s routers along rows and columns (a mesh)."""
    if "express_links" not in f.table:
        return 0
    table = f.table_of("express_links")
    unknown = sorted(set(table.table) - {"stride"})
    if unknown:
        raise TileFabricError(f"field 'express_links.{unknown[0]}' is not known (express_links takes only 'stride')", where)
    stride = table.integer("stride", minimum=2)
    if topology != "mesh":
        raise TileFabricError(f"field 'express_links' needs topology = \"mesh\", got {topology!r}", where)
    if stride >= max(mesh):
        raise TileFabricError(f"field 'express_links.stride' must be < the mesh's longer side {max(mesh)}, got {stride}",
                              where)
    return stride


def target_from_dict(data: dict[str, Any], where: str, source: str) -> Target:
    f = _Fields(data, where)
    topology = f.string("topology")
    if topology not in TOPOLOGIES:
        raise TileFabricError(f"field 'topology' must be one of {', '.join(TOPOLOGIES)}, got {topology!r}", where)
    cores = f.integer("cores", minimum=1, maximum=MAX_CORES)
    mesh = data.get("mesh_shape")
    if topology != "crossbar" or mesh is not None:  # a crossbar's mesh_shape lays out its plots
        if not (isinstance(mesh, list) and len(mesh) == 2
                and all(isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in mesh)):
            raise TileFabricError(f"field 'mesh_shape' must be [rows, cols] of positive integers for a {topology}", where)
        if mesh[0] * mesh[1] != cores:
            raise TileFabricError(f"mesh_shape {mesh[0]}x{mesh[1]} does not match cores = {cores}", where)
    units, matmul, vector = _units(data, f, where)
    return Target(
        **_memory(f, where),
        express_stride=_express(f, topology, mesh, where),
        name=f.string("name"),
        description=f.string("description", default=""),
        cores=cores,
        chips=f.integer("chips", minimum=1, default=1),
        topology=topology,
        mesh_shape=tuple(mesh) if mesh else None,
        scratchpad_bytes=f.integer("scratchpad_bytes", minimum=1),
        clock_hz=float(f.number("clock_hz", strict=True)),
        sync_cycles=f.number("sync_cycles"),
        link_bytes_per_cycle=float(f.number("link_bytes_per_cycle", strict=True)),
        link_latency_cycles=f.number("link_latency_cycles", default=0),
        inter_chip_comm_factor=float(f.number("inter_chip_comm_factor", default=1.0, strict=True)),
        shift_buffers=f.integer("shift_buffers", minimum=1, default=2),
        relayout_syncs=f.integer("relayout_syncs", default=1),
        matmul=matmul,
        vector=vector,
        reduce=_reduce(f.table_of("reduce")),
        source=source,
        overlap_compute_comm=f.boolean("overlap_compute_comm", default=False),
        units=units,
    )


def load_target_file(path: str | Path) -> Target:
    path = Path(path)
    where = str(path)
    if not path.is_file():
        raise TileFabricError("target file not found", where)
    try:
        data = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TileFabricError(f"malformed TOML: {exc}", where) from None
    return target_from_dict(data, where, source=str(path.resolve()))


@lru_cache(maxsize=None)
def _preset(name: str) -> Target:
    text = resources.files("tilefabric.target").joinpath("presets", f"{name}.toml").read_text()
    return target_from_dict(tomllib.loads(text), f"preset {name}", source="preset")


@lru_cache(maxsize=64)
def resolve_target(spec: str) -> Target:
    """A preset name (e.g. 'ipu-mk2') or a path to a .toml file."""
    if spec.endswith(".toml") or "/" in spec:
        return load_target_file(spec)
    if spec not in preset_names():
        raise TileFabricError(f"unknown target '{spec}' (known: {', '.join(preset_names())}; or pass a .toml file)")
    return _preset(spec)
