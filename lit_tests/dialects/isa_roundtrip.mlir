// RUN: xdsl-opt %s | xdsl-opt | filecheck %s
// RUN: xdsl-opt %s --print-op-generic | xdsl-opt | filecheck %s

// Round-trip of #isa.mapping as isa-map records it: on a linalg.generic (a whole op), on an
// rtensor.compute (its plan's step) and on a dataflow.compute (a core's sub-operator), with the
// padding waste beside it; the verifiers check each is legal on the module's target.

builtin.module attributes {tf.target = "ipu-mk2"} {
// CHECK:      builtin.module attributes {tf.target = "ipu-mk2"} {
// CHECK-LABEL:  func.func @linalg
// CHECK:          linalg.generic
// CHECK-SAME:       tf.instruction = #isa.mapping<unit = "vector", template = 1, inputs = [0, 1], roles = [e, e, e, e, loop, loop]>, tf.padding_waste = 0.000000e+00 : f64
  func.func @linalg(%inp: tensor<1x32x10x10xf32>, %dw: tensor<32x3x3xf32>, %i1: tensor<1x32x8x8xf32>) -> tensor<1x32x8x8xf32> {
    %d = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 + d4, d3 + d5)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d1, d4, d5)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%inp, %dw : tensor<1x32x10x10xf32>, tensor<32x3x3xf32>) outs(%i1 : tensor<1x32x8x8xf32>) attrs = {tf.instruction = #isa.mapping<unit = "vector", template = 1, inputs = [0, 1], roles = [e, e, e, e, loop, loop]>, tf.padding_waste = 0.0 : f64} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<1x32x8x8xf32>
    func.return %d : tensor<1x32x8x8xf32>
  }

// CHECK-LABEL:  func.func @rtensor
// CHECK:          rtensor.compute plan <spatial = [4, 8, 1], temporal = {{\[\[}}1, 1, 1], [1, 1, 1], [1, 1, 1]]>
// CHECK-SAME:       tf.instruction = #isa.mapping<unit = "amp", template = 0, inputs = [0, 1], roles = [m, n, k]>
// CHECK-SAME:       tf.padding_waste = 2.500000e-01 : f64
  func.func @rtensor(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) -> tensor<128x256xf32> {
    %r = rtensor.compute plan <spatial = [4, 8, 1], temporal = [[1, 1, 1], [1, 1, 1], [1, 1, 1]]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"], tf.instruction = #isa.mapping<unit = "amp", template = 0, inputs = [0, 1], roles = [m, n, k]>, tf.padding_waste = 0.25 : f64} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return %r : tensor<128x256xf32>
  }

// CHECK-LABEL:  func.func @dataflow
// CHECK:          dataflow.compute
// CHECK-SAME:       tf.instruction = #isa.mapping<unit = "amp", template = 0, inputs = [0, 1], roles = [m, n, loop]>
  func.func @dataflow() {
    %ba = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 8], f32>
    %bw = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [8, 4], f32>
    %bc = dataflow.alloc : !dataflow.buffer<grid [2, 2], local [4, 4], f32>
    dataflow.compute ins(%ba, %bw : !dataflow.buffer<grid [2, 2], local [4, 8], f32>, !dataflow.buffer<grid [2, 2], local [8, 4], f32>) outs(%bc : !dataflow.buffer<grid [2, 2], local [4, 4], f32>) sizes array<i64: 4, 4, 8> attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"], offsets = [affine_map<(c0, c1) -> (0, 0)>, affine_map<(c0, c1) -> (0, 0)>, affine_map<(c0, c1) -> (0, 0)>], tf.instruction = #isa.mapping<unit = "amp", template = 0, inputs = [0, 1], roles = [m, n, loop]>} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    }
    func.return
  }
}
