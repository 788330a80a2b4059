// RUN: xdsl-opt -p 'linalg-to-rtensor{target=tt-like},isa-map' %s | filecheck %s
// RUN: xdsl-opt -p 'linalg-to-rtensor{target=tt-like},isa-map,rtensor-to-dataflow' %s | filecheck %s --check-prefix=DF

// isa-map after planning maps each op's sub-operator: one core's compute step under its plan,
// not the whole op. On tt-like (80 cores) the whole depthwise conv (2,048 output lanes) goes to
// the FPU's 1,024-lane elementwise tiles and the whole bias add too (passes/isa_map.mlir), but
// once they are split over the cores each core has 32 and 208 lanes: padding them to a tile
// costs more than the 32-lane SFPU, which the planner priced the plans with. rtensor-to-dataflow
// carries the mapping to the dataflow.compute the simulator charges.

// CHECK-LABEL: func.func @separable
// CHECK:         rtensor.compute plan <spatial = [1, 32, 1, 2, 1, 1],
// CHECK-SAME:      tf.instruction = #isa.mapping<unit = "sfpu", template = 1, inputs = [0, 1], roles = [e, e, e, e, loop, loop]>, tf.padding_waste = 0.000000e+00 : f64
// CHECK:         rtensor.compute plan <spatial = [1, 10, 1, 8, 1, 1, 1],
// CHECK-SAME:      tf.instruction = #isa.mapping<unit = "fpu", template = 0, inputs = [0, 1], roles = [m, n, m, m, k, k, k]>, tf.padding_waste = 9.453000e-01 : f64
// CHECK-LABEL: func.func @bias_relu
// CHECK:         rtensor.compute plan <spatial = [4, 20],
// CHECK-SAME:      tf.instruction = #isa.mapping<unit = "sfpu", template = 0, inputs = [0, 1], roles = [e, e]>, tf.padding_waste = 7.140000e-02 : f64
// CHECK:         rtensor.compute plan <spatial = [4, 20],
// CHECK-SAME:      tf.instruction = #isa.mapping<unit = "sfpu", template = 0, inputs = [0], roles = [e, e]>

// DF-LABEL: func.func @separable
// DF:         dataflow.compute {{.*}} sizes array<i64: 1, 1, 8, 4, 3, 3>
// DF-SAME:      tf.instruction = #isa.mapping<unit = "sfpu", template = 1, inputs = [0, 1], roles = [e, e, e, e, loop, loop]>, tf.padding_waste = 0.000000e+00 : f64
// DF:         dataflow.compute {{.*}} sizes array<i64: 1, 7, 8, 1, 32, 1, 1>
// DF-SAME:      tf.instruction = #isa.mapping<unit = "fpu", template = 0, inputs = [0, 1], roles = [m, n, m, m, k, k, k]>
// DF-LABEL: func.func @bias_relu
// DF:         dataflow.compute {{.*}} sizes array<i64: 16, 13>
// DF-SAME:      tf.instruction = #isa.mapping<unit = "sfpu", template = 0, inputs = [0, 1], roles = [e, e]>

func.func @separable(%inp: tensor<1x32x10x10xf32>, %dw: tensor<32x3x3xf32>, %pw: tensor<64x32x1x1xf32>, %i1: tensor<1x32x8x8xf32>, %i2: tensor<1x64x8x8xf32>) -> tensor<1x64x8x8xf32> {
  %d = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 + d4, d3 + d5)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d1, d4, d5)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%inp, %dw : tensor<1x32x10x10xf32>, tensor<32x3x3xf32>) outs(%i1 : tensor<1x32x8x8xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x32x8x8xf32>
  %c = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d2 + d5, d3 + d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%d, %pw : tensor<1x32x8x8xf32>, tensor<64x32x1x1xf32>) outs(%i2 : tensor<1x64x8x8xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x64x8x8xf32>
  func.return %c : tensor<1x64x8x8xf32>
}

func.func @bias_relu(%x: tensor<64x256xf32>, %bias: tensor<256xf32>, %e: tensor<64x256xf32>) -> tensor<64x256xf32> {
  %b = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x, %bias : tensor<64x256xf32>, tensor<256xf32>) outs(%e : tensor<64x256xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %s = arith.addf %p, %q : f32
    linalg.yield %s : f32
  } -> tensor<64x256xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%b : tensor<64x256xf32>) outs(%e : tensor<64x256xf32>) {
  ^bb0(%p: f32, %o: f32):
    %zero = arith.constant 0.000000e+00 : f32
    %s = arith.maximumf %p, %zero : f32
    linalg.yield %s : f32
  } -> tensor<64x256xf32>
  func.return %r : tensor<64x256xf32>
}
