// RUN: xdsl-opt %s -p 'fuse-memory-intensive,linalg-to-rtensor{target=ipu-mk2},rtensor-to-dataflow' | filecheck %s

// A fused softmax lowers to its stages on one core grid (rows split 4 ways): each stage's
// buffers are the previous stage's, so no exchange runs between them; every working stage
// carries tf.fused_stage (the simulator charges the vector unit's launch once per chain).
// One rtensor.fused replaces the chain; its input is %x, the fills and inits move inside.

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#vec = affine_map<(d0) -> (d0)>
func.func @softmax(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %ninf = arith.constant 0xFF800000 : f32
  %zero = arith.constant 0.000000e+00 : f32
  %r0 = tensor.empty() : tensor<4xf32>
  %m0 = linalg.generic {indexing_maps = [#vec], iterator_types = ["parallel"]} outs(%r0 : tensor<4xf32>) {
  ^bb0(%o: f32):
    linalg.yield %ninf : f32
  } -> tensor<4xf32>
  %max = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<4x8xf32>) outs(%m0 : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.maximumf %a, %o : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %t0 = tensor.empty() : tensor<4x8xf32>
  %ex = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %max : tensor<4x8xf32>, tensor<4xf32>) outs(%t0 : tensor<4x8xf32>) {
  ^bb0(%a: f32, %m: f32, %o: f32):
    %d = arith.subf %a, %m : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<4x8xf32>
  %s0 = linalg.generic {indexing_maps = [#vec], iterator_types = ["parallel"]} outs(%r0 : tensor<4xf32>) {
  ^bb0(%o: f32):
    linalg.yield %zero : f32
  } -> tensor<4xf32>
  %sum = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]} ins(%ex : tensor<4x8xf32>) outs(%s0 : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %o : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %y = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%ex, %sum : tensor<4x8xf32>, tensor<4xf32>) outs(%t0 : tensor<4x8xf32>) {
  ^bb0(%a: f32, %s: f32, %o: f32):
    %q = arith.divf %a, %s : f32
    linalg.yield %q : f32
  } -> tensor<4x8xf32>
  func.return %y : tensor<4x8xf32>
}


// CHECK-LABEL: func.func @softmax
// CHECK:         dataflow.scatter %x
// CHECK-NOT:     dataflow.exchange
// CHECK:         dataflow.compute {{.*}}tf.fused_stage = 0 : i64
// CHECK-NOT:     dataflow.exchange
// CHECK:         dataflow.compute {{.*}}tf.fused_stage = 1 : i64
// CHECK-NOT:     dataflow.exchange
// CHECK:         dataflow.compute {{.*}}tf.fused_stage = 2 : i64
// CHECK-NOT:     dataflow.exchange
// CHECK:         dataflow.compute {{.*}}tf.fused_stage = 3 : i64
// CHECK-NOT:     dataflow.exchange
// CHECK:         dataflow.gather
