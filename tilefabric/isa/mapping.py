"""Instruction mappings: which loop dims of a kernel become an instruction's m/n/k (or lanes e)
and which are looped around it, found by unifying the kernel's indexing maps with a template.

Unification (ISA Mapper's index-expression matching, on the dims each operand is indexed by):
bind the kernel's output to the template's `out` and each input to a template input; a loop dim
d may take role r when, for every bound pair, d indexes the kernel operand exactly when r
indexes the template operand (an input whose r is optional, `b[e?]`, may also lack d). A dim
of a matrix instruction may also be `loop` (the instruction runs once per value of it); on a
vector instruction the lanes are the output's dims and the other dims are looped inside it.

A convolution unifies like a matmul: its input's window axis `oh·s + kh·d` is indexed by both
oh (role m) and kh (role k), so windows fold into K: implicit GEMM. A depthwise convolution's
channel indexes all three operands, so on a matrix unit it can only be looped (a batch of
N = 1 products), while the vector FMA template takes it as lanes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import permutations, product

from tilefabric.isa.kernel import MAPPABLE, Kernel
from tilefabric.target.templates import Template

LOOP = "loop"
ROLES = ("m", "n", "k", "e", LOOP)


@dataclass(frozen=True)
class Mapping:
    unit: str
    template: int  # index into the unit's templates
    inputs: tuple[int, ...]  # the kernel input bound to each template input, in template order
    roles: tuple[str, ...]  # per loop dim: m, n, k, e or loop

    def dims(self, role: str) -> tuple[int, ...]:
        return tuple(d for d, r in enumerate(self.roles) if r == role)

    def describe(self, unit_kind: str, mac: bool) -> str:
        """`amp m=d0.d2 n=d1 k=d3.d4 loop=d5`, `vector fma e=d0.d1 loop=d2`."""
        head = self.unit + (" fma" if unit_kind == "vector" and mac else "")
        order = ("m", "n", "k") if unit_kind == "matrix" else ("e",)
        parts = [head] + [f"{r}=" + (".".join(f"d{d}" for d in self.dims(r)) or "1") for r in order]
        if self.dims(LOOP):
            parts.append("loop=" + ".".join(f"d{d}" for d in self.dims(LOOP)))
        return " ".join(parts)


def _bindings(t: Template, n_inputs: int, matrix: bool):
    """Kernel inputs for each template input. A matrix template is symmetric (swap a and b,
    m and n: the unit's formula runs the larger on m either way), so one binding stands for
    both; other templates try every order of the inputs (variadic ones: the kernel's order)."""
    if t.variadic:
        return [tuple(range(n_inputs))]
    if matrix:
        return [(0, 1)]
    return list(permutations(range(n_inputs))) if n_inputs <= 3 else [tuple(range(n_inputs))]


def role_options(kernel: Kernel, unit, t: Template, binding: tuple[int, ...]) -> list[tuple[str, ...]] | None:
    """Per loop dim, the roles it may take under this binding; None if some dim can take none
    (or the output does not match), i.e. the template does not unify with the kernel."""
    outs = list(kernel.outputs)
    out_dims = kernel.dims(outs[0])
    if any(kernel.dims(x) != out_dims for x in outs):
        return None
    bound = [(t.out, out_dims)] + [(t.pattern(j), kernel.dims(x)) for j, x in enumerate(binding)]
    options = []
    for d in range(kernel.n_dims):
        ok = [r for r in t.roles() if _fits(r, d, bound)]
        if unit.kind == "vector":
            # lanes are exactly the output's dims; the rest are iterated inside the instruction
            if d in out_dims:
                if "e" not in ok:
                    return None
                options.append(("e",))
            else:
                options.append((LOOP,))
        else:
            options.append(tuple(ok) + (LOOP,))
    return options


def _fits(role: str, d: int, bound) -> bool:
    for pattern, dims in bound:
        has = d in dims
        if role in pattern.roles:
            if not has and role not in pattern.optional:
                return False
        elif has:
            return False
    return True


def _accepts(kernel: Kernel, unit, t: Template) -> bool:
    """Body, element type and arity: a multiply-accumulate template takes contractions only,
    `f(...)` takes elementwise and reduction bodies; the unit's op and dtype lists filter."""
    if kernel.kind not in MAPPABLE or t.mac != (kernel.kind == "contraction"):
        return False
    if unit.dtypes and kernel.dtype not in unit.dtypes:
        return False
    if getattr(unit, "ops", ()) and not kernel.ops <= set(unit.ops):
        return False
    return t.accepts_inputs(kernel.n_inputs)


@dataclass(frozen=True)
class Group:
    """The mappings of one (unit, template, binding): the product of each dim's options, in
    order, starting at `start` in the space (the first folds every dim it can)."""

    start: int
    options: tuple[tuple[str, ...], ...]

    @property
    def size(self) -> int:
        n = 1
        for o in self.options:
            n *= len(o)
        return n

    def index(self, choice) -> int:
        """Space index of the mapping choosing options[d][choice[d]] for each dim."""
        i = 0
        for o, c in zip(self.options, choice):
            i = i * len(o) + int(c)
        return self.start + i


@dataclass(frozen=True)
class Space:
    mappings: tuple[Mapping, ...]
    groups: tuple[Group, ...]
    group_of: tuple[int, ...]  # per mapping, its group


@lru_cache(maxsize=4096)
def mapping_space(kernel: Kernel, target) -> Space:
    """Every legal mapping of the kernel onto the target's units, in a fixed order: units and
    templates as in the target file, then bindings, then per dim its role before `loop`
    (so the first mapping of each group folds every dim it can into the instruction)."""
    out: list[Mapping] = []
    groups: list[Group] = []
    for unit in target.units:
        for ti, t in enumerate(unit.templates):
            if not _accepts(kernel, unit, t):
                continue
            for binding in _bindings(t, kernel.n_inputs, unit.kind == "matrix"):
                options = role_options(kernel, unit, t, binding)
                if options is not None:
                    groups.append(Group(len(out), tuple(options)))
                    out.extend(Mapping(unit.unit, ti, binding, roles) for roles in product(*options))
    group_of = tuple(g for g, grp in enumerate(groups) for _ in range(grp.size))
    return Space(tuple(out), tuple(groups), group_of)


def legal_mappings(kernel: Kernel, target) -> tuple[Mapping, ...]:
    return mapping_space(kernel, target).mappings


def check_mapping(kernel: Kernel, target, mapping: Mapping) -> str | None:
    """Why `mapping` is not a legal mapping of `kernel` on `target` (None if it is)."""
    try:
        unit = target.unit(mapping.unit)
    except KeyError:
        return f"unit '{mapping.unit}' is not a compute unit of target '{target.name}' ({', '.join(u.unit for u in target.units)})"
    if not 0 <= mapping.template < len(unit.templates):
        return f"unit '{mapping.unit}' has {len(unit.templates)} template(s), not #{mapping.template}"
    t = unit.templates[mapping.template]
    if len(mapping.roles) != kernel.n_dims:
        return f"{len(mapping.roles)} roles for {kernel.n_dims} loop dims"
    if not _accepts(kernel, unit, t):
        return f"template '{t.text}' of unit '{unit.unit}' does not take this body ({kernel.kind}, {kernel.dtype}, {kernel.n_inputs} inputs)"
    if sorted(mapping.inputs) != list(range(kernel.n_inputs)) or (not t.variadic and len(mapping.inputs) != len(t.inputs)):
        return f"inputs {list(mapping.inputs)} must bind each of the {kernel.n_inputs} inputs once"
    options = role_options(kernel, unit, t, mapping.inputs)
    if options is None:
        return f"template '{t.text}' does not unify with the indexing maps under inputs {list(mapping.inputs)}"
    for d, (role, ok) in enumerate(zip(mapping.roles, options)):
        if role not in ok:
            return f"loop dim d{d} cannot take role '{role}' (allowed: {', '.join(ok)})"
    return None
