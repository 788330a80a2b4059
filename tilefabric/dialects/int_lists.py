"""Parsing/printing helpers for the integer lists our attributes carry (`[4, 5, 69]`)."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import ArrayAttr, IntAttr


def int_array(values: Sequence[int]) -> ArrayAttr[IntAttr]:
    return ArrayAttr(IntAttr(int(v)) for v in values)


def int_matrix(rows: Sequence[Sequence[int]]) -> ArrayAttr[ArrayAttr[IntAttr]]:
    return ArrayAttr(int_array(r) for r in rows)


def ints(attr: ArrayAttr[IntAttr]) -> tuple[int, ...]:
    return tuple(a.data for a in attr.data)


def parse_int_list(parser) -> list[int]:
    return parser.parse_comma_separated_list(parser.Delimiter.SQUARE, lambda: parser.parse_integer(allow_boolean=False))


def fmt(values: Sequence[int]) -> str:
    return "[" + ", ".join(str(v) for v in values) + "]"
