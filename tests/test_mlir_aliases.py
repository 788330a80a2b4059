"""Aliasing repeated types and property values must parse to exactly the module the raw
torch-mlir text gives, and must leave string literals (ONNX node names) alone."""

import io

from xdsl.printer import Printer

from tilefabric.frontend.mlir_aliases import alias_repeats
from tilefabric.frontend.mlir_input import parse_module

TEXT = '''#map = affine_map<(d0, d1) -> (d0, d1)>
#map1 = affine_map<(d0, d1) -> (d1, d0)>
"builtin.module"() ({
  "func.func"() <{function_type = (tensor<4x8xf32>) -> tensor<8x4xf32>, sym_name = "main"}> ({
  ^bb0(%arg0: tensor<4x8xf32>):
    %0 = "tensor.empty"() : () -> tensor<8x4xf32>
    %1 = "linalg.generic"(%arg0, %0) <{indexing_maps = [#map1, #map], iterator_types = [#linalg.iterator_type<parallel>, #linalg.iterator_type<parallel>], operandSegmentSizes = array<i32: 1, 1>}> ({
    ^bb0(%a: f32, %b: f32):
      "linalg.yield"(%a) : (f32) -> ()
    }) {tf.op = "odd name tensor<4x8xf32> indexing_maps = [#map]"} : (tensor<4x8xf32>, tensor<8x4xf32>) -> tensor<8x4xf32>
    %2 = "tensor.collapse_shape"(%1) <{reassociation = [[0, 1]]}> : (tensor<8x4xf32>) -> tensor<32xf32>
    %3 = "tensor.expand_shape"(%2) <{reassociation = [[0, 1]], static_output_shape = array<i64: 8, 4>}> : (tensor<32xf32>) -> tensor<8x4xf32>
    "func.return"(%3) : (tensor<8x4xf32>) -> ()
  }) : () -> ()
}) : () -> ()
'''


def _printed(text: str) -> str:
    out = io.StringIO()
    Printer(stream=out).print_op(parse_module(text, "t.mlir"))
    return out.getvalue()


def test_aliased_text_parses_to_the_same_module():
    aliased = alias_repeats(TEXT)
    assert "!tf_a0 = tensor<4x8xf32>" in aliased
    assert "indexing_maps = #tf_a" in aliased and "reassociation = #tf_a" in aliased
    assert aliased.count("tensor<8x4xf32>") == 1  # defined once, referred to by alias
    assert _printed(aliased) == _printed(TEXT)


def test_string_literals_are_untouched():
    aliased = alias_repeats(TEXT)
    assert '"odd name tensor<4x8xf32> indexing_maps = [#map]"' in aliased


def test_text_without_a_generic_module_is_returned_as_is():
    assert alias_repeats("module {}") == "module {}"
