// RUN: xdsl-opt -p linalg-to-rtensor %s | filecheck %s
// RUN: xdsl-opt -p 'linalg-to-rtensor,rtensor-to-dataflow' %s | filecheck %s --check-prefix=DF

// A tensor.pad feeding a convolution (the form torch-mlir emits for a padded conv_2d_nchw_fchw).
// linalg-to-rtensor folds the pad into the conv's input re-layout: an rtensor.pad from the
// layout the source tensor has (a function argument: spread over the cores) straight into the
// halo layout the conv's plan wants for its input, so no padded tensor is ever materialised.
// rtensor-to-dataflow turns it into a dataflow.fill of the destination buffer with the pad
// value followed by a padding dataflow.exchange (destination offsets index the padded tensor).

builtin.module attributes {tf.target = "ipu-mk2"} {
  // (1) 3x3 convolution, "same" zero padding (one row/column on each side).
  func.func @padded_conv(%inp: tensor<1x3x8x8xf32>, %wt: tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32> {
    %cst = arith.constant 0.000000e+00 : f32
    %padded = tensor.pad %inp low[0, 0, 1, 1] high[0, 0, 1, 1] {
    ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
      tensor.yield %cst : f32
    } : tensor<1x3x8x8xf32> to tensor<1x3x10x10xf32>
    %e = tensor.empty() : tensor<1x4x8x8xf32>
    %z = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%e : tensor<1x4x8x8xf32>) {
    ^bb0(%out: f32):
      linalg.yield %cst : f32
    } -> tensor<1x4x8x8xf32>
    %c = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d2 + d5, d3 + d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%padded, %wt : tensor<1x3x10x10xf32>, tensor<4x3x3x3xf32>) outs(%z : tensor<1x4x8x8xf32>) {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<1x4x8x8xf32>
    func.return %c : tensor<1x4x8x8xf32>
  }

  // (2) Asymmetric padding (one row before, two columns after) with a non-zero value.
  func.func @padded_conv_asym(%inp: tensor<1x2x6x6xf32>, %wt: tensor<2x2x3x3xf32>) -> tensor<1x2x5x6xf32> {
    %v = arith.constant 1.500000e+00 : f32
    %cst = arith.constant 0.000000e+00 : f32
    %padded = tensor.pad %inp low[0, 0, 1, 0] high[0, 0, 0, 2] {
    ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
      tensor.yield %v : f32
    } : tensor<1x2x6x6xf32> to tensor<1x2x7x8xf32>
    %e = tensor.empty() : tensor<1x2x5x6xf32>
    %z = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%e : tensor<1x2x5x6xf32>) {
    ^bb0(%out: f32):
      linalg.yield %cst : f32
    } -> tensor<1x2x5x6xf32>
    %c = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d2 + d5, d3 + d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%padded, %wt : tensor<1x2x7x8xf32>, tensor<2x2x3x3xf32>) outs(%z : tensor<1x2x5x6xf32>) {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<1x2x5x6xf32>
    func.return %c : tensor<1x2x5x6xf32>
  }
}

// (1) The conv runs on [4, 8, 8, 3] cores (filters, output rows, output columns, input
//     channels); each core needs the 3x3 window of padded rows/columns starting at its output
//     row/column: blocks of 3 with stride 1 on the 10x10 padded image.
// CHECK-LABEL:  func.func @padded_conv(%inp: tensor<1x3x8x8xf32>, %wt: tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32> {
// CHECK-NEXT:     %cst = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:     %[[E1:.*]] = tensor.empty() : tensor<1x4x8x8xf32>
// CHECK-NEXT:     %[[Z1:.*]] = rtensor.compute plan <spatial = [1, 4, 8, 8], temporal = {{\[\[}}1, 1, 1, 1]]> outs(%[[E1]] : tensor<1x4x8x8xf32>)
// CHECK-NOT:      = tensor.pad
// CHECK:          %[[PAD1:.*]] = rtensor.pad %inp low array<i64: 0, 0, 1, 1> high array<i64: 0, 0, 1, 1> value 0.000000e+00 : f32 from <grid = [3, 8, 8], axes = [-1, 0, 1, 2], blocks = [1, 1, 1, 1], parts = [1, 1, 1, 1]> to <grid = [4, 8, 8, 3], axes = [-1, 3, 1, 2], blocks = [1, 1, 3, 3], parts = [1, 1, 1, 1], strides = [1, 1, 1, 1]> {tf.op = "contraction4"} : tensor<1x3x8x8xf32> -> tensor<1x3x10x10xf32>{{$}}
// CHECK-NEXT:     %[[C1:.*]] = rtensor.compute plan <spatial = [1, 4, 8, 8, 3, 1, 1], temporal = {{\[\[}}1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1]]> ins(%[[PAD1]], %wt : tensor<1x3x10x10xf32>, tensor<4x3x3x3xf32>) outs(%[[Z1]] : tensor<1x4x8x8xf32>) attributes {tf.op = "contraction4", {{.*}}, indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, (d2 + d5), (d3 + d6))>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"], predicted_cycles = #builtin.int<2149>} {
// CHECK-NEXT:     ^bb0(%x: f32, %y: f32, %acc: f32):
// CHECK-NEXT:       %p = arith.mulf %x, %y : f32
// CHECK-NEXT:       %s = arith.addf %acc, %p : f32
// CHECK-NEXT:       linalg.yield %s : f32
// CHECK-NEXT:     } -> tensor<1x4x8x8xf32>
// CHECK-NEXT:     func.return %[[C1]] : tensor<1x4x8x8xf32>
// CHECK-NEXT:   }

// (2) [2, 6, 3] cores (filters, output columns, kernel rows): a core holds the 5 padded rows
//     from its kernel row on and the 3 padded columns from its output column on.
// CHECK-LABEL:  func.func @padded_conv_asym(%inp: tensor<1x2x6x6xf32>, %wt: tensor<2x2x3x3xf32>) -> tensor<1x2x5x6xf32> {
// CHECK-NOT:      = tensor.pad
// CHECK:          %[[PAD2:.*]] = rtensor.pad %inp low array<i64: 0, 0, 1, 0> high array<i64: 0, 0, 0, 2> value 1.500000e+00 : f32 from <grid = [2, 6, 6], axes = [-1, 0, 1, 2], blocks = [1, 1, 1, 1], parts = [1, 1, 1, 1]> to <grid = [2, 6, 3], axes = [-1, -1, 2, 1], blocks = [1, 2, 5, 3], parts = [1, 1, 1, 1], strides = [1, 2, 1, 1]> {tf.op = "contraction5"} : tensor<1x2x6x6xf32> -> tensor<1x2x7x8xf32>{{$}}
// CHECK-NEXT:     %[[C2:.*]] = rtensor.compute plan <spatial = [1, 2, 1, 6, 1, 3, 1], temporal = {{\[\[}}1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1]]> ins(%[[PAD2]], %wt : tensor<1x2x7x8xf32>, tensor<2x2x3x3xf32>) outs(%{{.*}} : tensor<1x2x5x6xf32>) attributes {tf.op = "contraction5", {{.*}} predicted_cycles = #builtin.int<2133>} {
// CHECK-NOT:      = tensor.pad
// CHECK:          func.return %[[C2]] : tensor<1x2x5x6xf32>

// (1) The source is scattered in its spread layout (one element per core), the conv's input
//     buffer is filled with the pad value, and the exchange writes the 1x3x8x8 tensor into it
//     at its place in the padded 1x3x10x10 tensor (core (f, r, c, ch) holds padded rows r..r+2,
//     columns c..c+2 of channel ch).
// DF-LABEL:  func.func @padded_conv(%inp: tensor<1x3x8x8xf32>, %wt: tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32> {
// DF-NEXT:     %cst = arith.constant 0.000000e+00 : f32
// DF-NEXT:     %[[SRC1:.*]] = dataflow.alloc {tf.op = "contraction4"} : !dataflow.buffer<grid [3, 8, 8], local [1, 1, 1, 1], f32>
// DF-NEXT:     dataflow.scatter %inp into %[[SRC1]] offsets affine_map<(d0, d1, d2) -> (0, d0, d1, d2)> {tf.op = "contraction4"} : tensor<1x3x8x8xf32> -> !dataflow.buffer<grid [3, 8, 8], local [1, 1, 1, 1], f32>
// DF-NEXT:     %[[DST1:.*]] = dataflow.alloc {tf.op = "contraction4"} : !dataflow.buffer<grid [4, 8, 8, 3], local [1, 1, 3, 3], f32>
// DF-NEXT:     dataflow.fill %[[DST1]] value 0.000000e+00 : f32 {tf.op = "contraction4"} : !dataflow.buffer<grid [4, 8, 8, 3], local [1, 1, 3, 3], f32>
// DF-NEXT:     dataflow.exchange %[[SRC1]] offsets affine_map<(d0, d1, d2) -> (0, d0, d1, d2)> into %[[DST1]] offsets affine_map<(d0, d1, d2, d3) -> (0, d3, d1, d2)> shape array<i64: 1, 3, 8, 8> low array<i64: 0, 0, 1, 1> high array<i64: 0, 0, 1, 1> {tf.op = "contraction4"} : !dataflow.buffer<grid [3, 8, 8], local [1, 1, 1, 1], f32> -> !dataflow.buffer<grid [4, 8, 8, 3], local [1, 1, 3, 3], f32>
// DF-NEXT:     dataflow.free %[[SRC1]] : !dataflow.buffer<grid [3, 8, 8], local [1, 1, 1, 1], f32>
// DF-NOT:      rtensor.
// DF:          dataflow.compute ins(%[[DST1]], %{{.*}} : !dataflow.buffer<grid [4, 8, 8, 3], local [1, 1, 3, 3], f32>, !dataflow.buffer<grid [4, 8, 8, 3], local [1, 1, 3, 3], f32>) outs(%{{.*}} : !dataflow.buffer<grid [4, 8, 8, 3], local [1, 1, 1, 1], f32>) sizes array<i64: 1, 1, 1, 1, 1, 3, 3> attributes {{{.*}} offsets = [affine_map<(d0, d1, d2, d3) -> (0, 0, 0, 0)>, affine_map<(d0, d1, d2, d3) -> (0, 0, 0, 0)>, affine_map<(d0, d1, d2, d3) -> (0, 0, 0, 0)>]} {
// DF:          dataflow.free %[[DST1]] : !dataflow.buffer<grid [4, 8, 8, 3], local [1, 1, 3, 3], f32>

// (2) The fill takes the pad's value (1.5), the exchange its asymmetric padding.
// DF-LABEL:  func.func @padded_conv_asym(%inp: tensor<1x2x6x6xf32>, %wt: tensor<2x2x3x3xf32>) -> tensor<1x2x5x6xf32> {
// DF-NOT:      rtensor.
// DF:          %[[SRC2:.*]] = dataflow.alloc {tf.op = "contraction5"} : !dataflow.buffer<grid [2, 6, 6], local [1, 1, 1, 1], f32>
// DF-NEXT:     dataflow.scatter %inp into %[[SRC2]] offsets affine_map<(d0, d1, d2) -> (0, d0, d1, d2)> {tf.op = "contraction5"} : tensor<1x2x6x6xf32> -> !dataflow.buffer<grid [2, 6, 6], local [1, 1, 1, 1], f32>
// DF-NEXT:     %[[DST2:.*]] = dataflow.alloc {tf.op = "contraction5"} : !dataflow.buffer<grid [2, 6, 3], local [1, 2, 5, 3], f32>
// DF-NEXT:     dataflow.fill %[[DST2]] value 1.500000e+00 : f32 {tf.op = "contraction5"} : !dataflow.buffer<grid [2, 6, 3], local [1, 2, 5, 3], f32>
// DF-NEXT:     dataflow.exchange %[[SRC2]] offsets affine_map<(d0, d1, d2) -> (0, d0, d1, d2)> into %[[DST2]] offsets affine_map<(d0, d1, d2) -> (0, 0, d2, d1)> shape array<i64: 1, 2, 6, 6> low array<i64: 0, 0, 1, 0> high array<i64: 0, 0, 0, 2> {tf.op = "contraction5"} : !dataflow.buffer<grid [2, 6, 6], local [1, 1, 1, 1], f32> -> !dataflow.buffer<grid [2, 6, 3], local [1, 2, 5, 3], f32>
// DF-NEXT:     dataflow.free %[[SRC2]] : !dataflow.buffer<grid [2, 6, 6], local [1, 1, 1, 1], f32>
// DF-NOT:      rtensor.
// DF:          dataflow.compute ins(%[[DST2]], %{{.*}} : !dataflow.buffer<grid [2, 6, 3], local [1, 2, 5, 3], f32>, !dataflow.buffer<grid [2, 6, 3], local [1, 2, 1, 3], f32>) outs(%{{.*}} : !dataflow.buffer<grid [2, 6, 3], local [1, 1, 5, 1], f32>) sizes array<i64: 1, 1, 5, 1, 2, 1, 3>
