// RUN: xdsl-opt %s -p 'pipeline-ops{target=tt-like mode=chunks},linalg-to-rtensor{target=tt-like},rtensor-to-dataflow' | filecheck %s

// The chain of passes/pipeline_ops.mlir lowered as one pipeline: every op is planned for its
// region's core count (relu 26, the window 29, the square 25 of the 80 cores; each plan uses
// 24 of them), its buffers are placed on its block of physical cores (0.., 26.., 55..), all
// allocated before the dataflow.pipeline and freed after it; the window's producer rows reach
// it through a padded exchange and the square's input through a plain one, both forwarded
// core to core (tf.forward); `needs` is granule t + 1 (capped) for the window, t for the square.

#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#win_in = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2 + d4, d3)>
#win_w = affine_map<(d0, d1, d2, d3, d4) -> (d1, d4)>
#win_out = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
func.func @chain(%x: tensor<1x4x16x16xf32>, %w: tensor<4x3xf32>) -> tensor<1x4x16x16xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %e0 = tensor.empty() : tensor<1x4x16x16xf32>
  %relu = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x4x16x16xf32>) outs(%e0 : tensor<1x4x16x16xf32>) attrs = {tf.op = "relu"} {
  ^bb0(%a: f32, %o: f32):
    %r = arith.maximumf %a, %zero : f32
    linalg.yield %r : f32
  } -> tensor<1x4x16x16xf32>
  %padded = tensor.pad %relu low[0, 0, 1, 0] high[0, 0, 1, 0] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zero : f32
  } : tensor<1x4x16x16xf32> to tensor<1x4x18x16xf32>
  %e1 = tensor.empty() : tensor<1x4x16x16xf32>
  %fill = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%e1 : tensor<1x4x16x16xf32>) attrs = {tf.op = "rows"} {
  ^bb0(%o: f32):
    linalg.yield %zero : f32
  } -> tensor<1x4x16x16xf32>
  %rows = linalg.generic {indexing_maps = [#win_in, #win_w, #win_out], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%padded, %w : tensor<1x4x18x16xf32>, tensor<4x3xf32>) outs(%fill : tensor<1x4x16x16xf32>) attrs = {tf.op = "rows.1"} {
  ^bb0(%a: f32, %k: f32, %o: f32):
    %p = arith.mulf %a, %k : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x4x16x16xf32>
  %e2 = tensor.empty() : tensor<1x4x16x16xf32>
  %scaled = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%rows : tensor<1x4x16x16xf32>) outs(%e2 : tensor<1x4x16x16xf32>) attrs = {tf.op = "scale"} {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %a : f32
    linalg.yield %m : f32
  } -> tensor<1x4x16x16xf32>
  func.return %scaled : tensor<1x4x16x16xf32>
}

// CHECK:      %0 = dataflow.alloc place array<i64: 0, 1, 2, {{.*}}, 23> {tf.op = "relu"}
// CHECK:      %2 = dataflow.alloc place array<i64: 26, 27, {{.*}}, 49> {tf.op = "rows.1"}
// CHECK:      %5 = dataflow.alloc place array<i64: 55, 56, {{.*}}, 78> {tf.op = "scale"}
// CHECK:      dataflow.pipeline granules 4 organisation "blocks" needs array<i64: 1, 2, 3, 3, 0, 1, 2, 3> attributes {tf.op = "pipeline0", tf.predicted = {{[0-9]+}} : i64} {
// CHECK-NEXT:   dataflow.scatter %x into %0
// CHECK-NEXT:   dataflow.compute ins(%0 : {{.*}}) outs(%1 : {{.*}}) {{.*}}tf.op = "relu"
// CHECK:      {{^}}    } {{[{]$}}
// CHECK-NEXT:   dataflow.fill %2 value 0.000000e+00 : f32 {tf.op = "rows.1"}
// CHECK-NEXT:   dataflow.exchange %1 {{.*}} into %2 {{.*}} low array<i64: 0, 0, 1, 0> high array<i64: 0, 0, 1, 0> {tf.op = "rows.1", tf.forward}
// CHECK:        dataflow.compute ins(%2, %3 : {{.*}}) outs(%4 : {{.*}}) {{.*}}tf.op = "rows.1"
// CHECK:      {{^}}    } {{[{]$}}
// CHECK-NEXT:   dataflow.exchange %4 {{.*}} into %5 {{.*}} {tf.op = "scale", tf.forward}
// CHECK-NEXT:   dataflow.compute ins(%5 : {{.*}}) outs(%6 : {{.*}}) {{.*}}tf.op = "scale"
// CHECK-NEXT:   ^bb0
// CHECK-NEXT:     %m = arith.mulf
// CHECK-NEXT:     linalg.yield %m : f32
// CHECK-NEXT:   }
// CHECK-NEXT: }
// CHECK-NEXT: dataflow.free %0
// CHECK:      %7 = dataflow.gather %6
