"""Instruction templates: what one compute-unit instruction computes, in index notation.

A target describes each instruction the way a kernel is described (ISA Mapper's idea): an
output and inputs indexed by named dims, and a body. Matching a kernel onto it is then
mechanical (isa/mapping.py unifies the kernel's indexing maps with these index lists).

    out[m, n] += a[m, k] * b[k, n]     multiply-accumulate (body: a contraction)
    out[e] += a[e] * b[e?]             the same on lanes e; `?`: b may omit e (broadcast)
    out[e] = f(x[e?], ...)             any other body; `...` repeats the last input (0 or more)
    out[e] = f(x[e], y[e?])            any other body with exactly these inputs

Roles: `m`, `n`, `k` (matrix units: rows, columns, reduction) and `e` (vector lanes). Loop dims
of a kernel that take no role are looped around the instruction (isa/mapping.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MATRIX_ROLES = ("m", "n", "k")
VECTOR_ROLES = ("e",)


class TemplateError(ValueError):
    """A template string that does not follow the grammar above."""


@dataclass(frozen=True)
class Pattern:
    """One operand of a template: its roles, and which of them it may omit."""

    name: str
    roles: tuple[str, ...]
    optional: tuple[str, ...] = ()

    def required(self) -> tuple[str, ...]:
        return tuple(r for r in self.roles if r not in self.optional)


@dataclass(frozen=True)
class Template:
    text: str
    out: Pattern
    inputs: tuple[Pattern, ...]
    mac: bool  # body `out += a * b` (a contraction); else any non-contraction body `f(...)`
    variadic: bool = False  # the last input pattern repeats (zero or more times)

    def roles(self) -> tuple[str, ...]:
        seen: list[str] = []
        for p in (self.out,) + self.inputs:
            seen += [r for r in p.roles if r not in seen]
        return tuple(seen)

    def accepts_inputs(self, count: int) -> bool:
        if self.variadic:
            return count >= len(self.inputs) - 1
        return count == len(self.inputs)

    def pattern(self, i: int) -> Pattern:
        """The pattern kernel input i binds to (the repeated last one past the list)."""
        return self.inputs[min(i, len(self.inputs) - 1)]


_NAME = r"[A-Za-z_][A-Za-z_0-9]*"
_OPERAND = re.compile(rf"\s*({_NAME})\s*\[([^\]]*)\]\s*")


def _operand(text: str, allow_optional: bool) -> Pattern:
    match = _OPERAND.fullmatch(text)
    if not match:
        raise TemplateError(f"'{text.strip()}' is not an operand like a[m, k]")
    name, inner = match.group(1), match.group(2)
    roles, optional = [], []
    for part in inner.split(","):
        role = part.strip()
        if role.endswith("?"):
            role = role[:-1].strip()
            if not allow_optional:
                raise TemplateError(f"operand '{name}' cannot omit '{role}' ('?' is allowed on inputs only)")
            optional.append(role)
        if not re.fullmatch(_NAME, role):
            raise TemplateError(f"operand '{name}' has a bad role '{part.strip()}'")
        if role in roles:
            raise TemplateError(f"operand '{name}' names role '{role}' twice")
        roles.append(role)
    return Pattern(name, tuple(roles), tuple(optional))


def parse_template(text: str) -> Template:
    """Parse one template string (grammar in the module docstring)."""
    if "+=" in text:
        lhs, rhs = text.split("+=", 1)
        mac = True
    elif "=" in text:
        lhs, rhs = text.split("=", 1)
        mac = False
    else:
        raise TemplateError("expected 'out[...] += a[...] * b[...]' or 'out[...] = f(...)'")
    out = _operand(lhs, allow_optional=False)
    variadic = False
    if mac:
        factors = rhs.split("*")
        if len(factors) != 2:
            raise TemplateError("a multiply-accumulate template needs exactly 'a[...] * b[...]' on the right")
        inputs = tuple(_operand(f, allow_optional=True) for f in factors)
    else:
        call = re.fullmatch(r"\s*f\s*\((.*)\)\s*", rhs)
        if not call:
            raise TemplateError("the right-hand side must be 'a[...] * b[...]' (with +=) or 'f(...)'")
        parts = [p for p in _split_args(call.group(1)) if p.strip()]
        if parts and parts[-1].strip() == "...":
            variadic = True
            parts = parts[:-1]
            if not parts:
                raise TemplateError("'...' must follow an input pattern to repeat")
        inputs = tuple(_operand(p, allow_optional=True) for p in parts)
    names = [out.name] + [p.name for p in inputs]
    if len(set(names)) != len(names):
        raise TemplateError("operand names must be distinct")
    for p in inputs:
        extra = [r for r in p.roles if r not in out.roles and not mac]
        if extra:
            raise TemplateError(f"input '{p.name}' has role '{extra[0]}' that the output lacks (an elementwise template)")
    return Template(text.strip(), out, inputs, mac, variadic)


def _split_args(text: str) -> list[str]:
    """Split on commas outside brackets."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts


def check_matrix(t: Template) -> None:
    """A matrix unit's formula needs `out[m, n] += a[m, k] * b[k, n]` up to operand order."""
    if not t.mac or t.variadic or len(t.inputs) != 2:
        raise TemplateError("a matrix unit's template must be a multiply-accumulate 'out[..] += a[..] * b[..]'")
    a, b = t.inputs
    want = {"out": {"m", "n"}, "a": {"m", "k"}, "b": {"k", "n"}}
    got = {"out": set(t.out.roles), "a": set(a.roles), "b": set(b.roles)}
    if got != want or a.optional or b.optional:
        raise TemplateError("a matrix unit's template must read out[m, n] += a[m, k] * b[k, n] "
                            "(roles m, n, k, none optional)")


def check_vector(t: Template) -> None:
    """A vector unit works on lanes `e`: every operand's roles are `e` only, the output has it."""
    if t.out.roles != VECTOR_ROLES:
        raise TemplateError("a vector unit's template writes out[e] (lanes e)")
    for p in t.inputs:
        if any(r not in VECTOR_ROLES for r in p.roles):
            raise TemplateError(f"a vector unit's input '{p.name}' may only use role 'e'")
