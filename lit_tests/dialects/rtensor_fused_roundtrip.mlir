// RUN: xdsl-opt %s | xdsl-opt | filecheck %s
// RUN: xdsl-opt %s --print-op-generic | xdsl-opt | filecheck %s

// Round-trip of rtensor.fused and rtensor.yield (custom and generic forms): a planned
// bias + exp chain, rows split over 4 cores, one intermediate resident, one tile.

#id = affine_map<(d0, d1) -> (d0, d1)>
#b = affine_map<(d0, d1) -> (d1)>
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @bias_exp(%x: tensor<4x8xf32>, %bias: tensor<8xf32>) -> tensor<4x8xf32> {
    %y = rtensor.fused ins(%x, %bias : tensor<4x8xf32>, tensor<8xf32>) attributes {plan = #rtensor.plan<spatial = [4, 1], temporal = [[1, 1], [1, 1], [1, 1]]>, predicted_cycles = #builtin.int<300>, reduce_at = ["none", "none"], resident = array<i64: 0>, tiles = #builtin.int<1>, tf.op = "bias_exp"} {
    ^bb0(%a: tensor<4x8xf32>, %c: tensor<8xf32>):
      %t = tensor.empty() : tensor<4x8xf32>
      %h = linalg.generic {indexing_maps = [#id, #b, #id], iterator_types = ["parallel", "parallel"]} ins(%a, %c : tensor<4x8xf32>, tensor<8xf32>) outs(%t : tensor<4x8xf32>) {
      ^bb0(%p: f32, %q: f32, %o: f32):
        %s = arith.addf %p, %q : f32
        linalg.yield %s : f32
      } -> tensor<4x8xf32>
      %e = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%h : tensor<4x8xf32>) outs(%t : tensor<4x8xf32>) {
      ^bb0(%p: f32, %o: f32):
        %v = math.exp %p : f32
        linalg.yield %v : f32
      } -> tensor<4x8xf32>
      rtensor.yield %e : tensor<4x8xf32>
    } -> tensor<4x8xf32>
    func.return %y : tensor<4x8xf32>
  }
}

// CHECK:      func.func @bias_exp(%x: tensor<4x8xf32>, %bias: tensor<8xf32>) -> tensor<4x8xf32> {
// CHECK-NEXT:   %y = rtensor.fused ins(%x, %bias : tensor<4x8xf32>, tensor<8xf32>) attributes {tf.op = "bias_exp", plan = #rtensor.plan<spatial = [4, 1], temporal = {{\[\[}}1, 1], [1, 1], [1, 1]]>, predicted_cycles = #builtin.int<300>, reduce_at = ["none", "none"], resident = array<i64: 0>, tiles = #builtin.int<1>} {
// CHECK-NEXT:   ^bb0(%a: tensor<4x8xf32>, %c: tensor<8xf32>):
// CHECK-NEXT:     %t = tensor.empty() : tensor<4x8xf32>
// CHECK-NEXT:     %h = linalg.generic
// CHECK:          %e = linalg.generic
// CHECK:          rtensor.yield %e : tensor<4x8xf32>
// CHECK-NEXT:   } -> tensor<4x8xf32>
// CHECK-NEXT:   func.return %y : tensor<4x8xf32>
