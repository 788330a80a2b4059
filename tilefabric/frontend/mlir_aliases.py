"""Shorten torch-mlir's generic-form text before xDSL parses it.

xDSL's lexer is the slowest step of importing a large model (BERT-large: 1.3 MB of text,
~300k tokens). Generic form repeats the same tensor types, iterator types and property values
(`indexing_maps = [#map, #map]`, `operandSegmentSizes = array<i32: 1, 1>`) on every op. Each
distinct one becomes an MLIR alias defined once (`!tf_t3 = tensor<128x1024xf16>`,
`#tf_a2 = [#map, #map]`), which removes about 40% of the tokens and parses to the identical
module. String literals (op names from the ONNX graph) are never touched.
"""

from __future__ import annotations

import re

# one pass, leftmost match wins: a string literal is copied as is; a property value is matched
# from its key, so it becomes one alias even when it holds types or iterator attributes
_PATTERN = re.compile(
    r'(?P<string>"(?:[^"\\]|\\.)*")'
    r"|(?P<key>(?:indexing_maps|iterator_types) = |reassociation = "
    r"|(?:operandSegmentSizes|static_output_shape) = )"
    r"(?P<value>\[[^\]\[\"]*\]|\[(?:\[[0-9, ]*\](?:, )?)*\]|array<[^>\"]*>)"
    r"|(?P<type>tensor<[0-9x]*[a-z][a-z0-9]*>)"
    r"|(?P<iterator>#linalg\.iterator_type<[a-z]+>)"
)


def alias_repeats(text: str) -> str:
    """`text` with repeated types and property values replaced by aliases defined up front,
    right before the top-level module op (after torch-mlir's own `#map` aliases, which the
    property values refer to)."""
    start = text.find('"builtin.module"')
    if start < 0:
        return text
    names: dict[str, str] = {}
    defs: list[str] = []

    def alias(value: str, sigil: str) -> str:
        name = names.get(value)
        if name is None:
            name = names[value] = f"{sigil}tf_a{len(names)}"
            defs.append(f"{name} = {value}\n")
        return name

    def substitute(m: re.Match) -> str:
        if m.group("string") is not None:
            return m.group("string")
        if m.group("value") is not None:
            return m.group("key") + alias(m.group("value"), "#")
        if m.group("type") is not None:
            return alias(m.group("type"), "!")
        return alias(m.group("iterator"), "#")

    body = _PATTERN.sub(substitute, text[start:])
    return text[:start] + "".join(defs) + body
