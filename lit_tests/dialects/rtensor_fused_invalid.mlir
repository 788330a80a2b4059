// RUN: xdsl-opt %s --split-input-file --verify-diagnostics | filecheck %s

// rtensor.fused verifier: one case per error.

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @split_reduced_dim(%x: tensor<4x8xf32>) -> tensor<4xf32> {
    %y = rtensor.fused ins(%x : tensor<4x8xf32>) attributes {plan = #rtensor.plan<spatial = [1, 8], temporal = [[1, 1], [1, 1]]>} {
    ^bb0(%a: tensor<4x8xf32>):
      %t = tensor.empty() : tensor<4x8xf32>
      %r = tensor.empty() : tensor<4xf32>
      %e = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<4x8xf32>) outs(%t : tensor<4x8xf32>) {
      ^bb0(%p: f32, %o: f32):
        %v = math.exp %p : f32
        linalg.yield %v : f32
      } -> tensor<4x8xf32>
      %s = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]} ins(%e : tensor<4x8xf32>) outs(%r : tensor<4xf32>) {
      ^bb0(%p: f32, %o: f32):
        %v = arith.addf %p, %o : f32
        linalg.yield %v : f32
      } -> tensor<4xf32>
      rtensor.yield %s : tensor<4xf32>
    } -> tensor<4xf32>
    func.return %y : tensor<4xf32>
  }
}

// CHECK: Operation does not verify: fused dim d1 is split over 8 cores, but some stage reduces over it or does not loop over it

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
builtin.module {
  func.func @wrong_reduce_at(%x: tensor<4x8xf32>) -> tensor<4xf32> {
    %y = rtensor.fused ins(%x : tensor<4x8xf32>) attributes {reduce_at = ["none", "none"]} {
    ^bb0(%a: tensor<4x8xf32>):
      %t = tensor.empty() : tensor<4x8xf32>
      %r = tensor.empty() : tensor<4xf32>
      %e = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<4x8xf32>) outs(%t : tensor<4x8xf32>) {
      ^bb0(%p: f32, %o: f32):
        %v = math.exp %p : f32
        linalg.yield %v : f32
      } -> tensor<4x8xf32>
      %s = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]} ins(%e : tensor<4x8xf32>) outs(%r : tensor<4xf32>) {
      ^bb0(%p: f32, %o: f32):
        %v = arith.addf %p, %o : f32
        linalg.yield %v : f32
      } -> tensor<4xf32>
      rtensor.yield %s : tensor<4xf32>
    } -> tensor<4xf32>
    func.return %y : tensor<4xf32>
  }
}

// CHECK: Operation does not verify: reduce_at of stage 1 is 'none' but the stage reduces

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
builtin.module {
  func.func @yield_type(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
    %y = rtensor.fused ins(%x : tensor<4x8xf32>) {
    ^bb0(%a: tensor<4x8xf32>):
      %t = tensor.empty() : tensor<4x8xf32>
      %r = tensor.empty() : tensor<4xf32>
      %e = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<4x8xf32>) outs(%t : tensor<4x8xf32>) {
      ^bb0(%p: f32, %o: f32):
        %v = math.exp %p : f32
        linalg.yield %v : f32
      } -> tensor<4x8xf32>
      %s = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]} ins(%e : tensor<4x8xf32>) outs(%r : tensor<4xf32>) {
      ^bb0(%p: f32, %o: f32):
        %v = arith.addf %p, %o : f32
        linalg.yield %v : f32
      } -> tensor<4xf32>
      rtensor.yield %s : tensor<4xf32>
    } -> tensor<4x8xf32>
    func.return %y : tensor<4x8xf32>
  }
}

// CHECK: Operation does not verify: rtensor.yield must yield one value per result, with its type

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
builtin.module {
  func.func @one_stage(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
    %y = rtensor.fused ins(%x : tensor<4x8xf32>) {
    ^bb0(%a: tensor<4x8xf32>):
      %t = tensor.empty() : tensor<4x8xf32>
      %e = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<4x8xf32>) outs(%t : tensor<4x8xf32>) {
      ^bb0(%p: f32, %o: f32):
        %v = math.exp %p : f32
        linalg.yield %v : f32
      } -> tensor<4x8xf32>
      rtensor.yield %e : tensor<4x8xf32>
    } -> tensor<4x8xf32>
    func.return %y : tensor<4x8xf32>
  }
}

// CHECK: Operation does not verify: a fused op needs at least 2 stages, found 1
