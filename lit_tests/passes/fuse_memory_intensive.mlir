// RUN: xdsl-opt %s -p fuse-memory-intensive | filecheck %s
// RUN: xdsl-opt %s -p fuse-memory-intensive | xdsl-opt | filecheck %s
// RUN: xdsl-opt %s -p 'fuse-memory-intensive,linalg-to-rtensor{target=ipu-mk2}' | filecheck %s --check-prefix=PLAN

// Softmax as torch-mlir writes it: max-reduce, sub+exp, sum-reduce, div, with their fills.
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

// CHECK-LABEL: func.func @softmax(%x: tensor<4x8xf32>)
// CHECK-NEXT:    %ninf = arith.constant
// CHECK-NEXT:    %zero = arith.constant
// CHECK-NEXT:    [[F:%[a-z0-9_]+]] = rtensor.fused ins(%x : tensor<4x8xf32>) {
// CHECK-NEXT:    ^bb0([[X:%\d+]]: tensor<4x8xf32>):
// CHECK-NEXT:      tensor.empty() : tensor<4xf32>
// CHECK:           arith.maximumf
// CHECK:           math.exp
// CHECK:           arith.addf
// CHECK:           arith.divf
// CHECK:           rtensor.yield {{%[a-z0-9_]+}} : tensor<4x8xf32>
// CHECK-NEXT:    } -> tensor<4x8xf32>
// CHECK-NEXT:    func.return [[F]] : tensor<4x8xf32>

// Planned: the rows (d0) are split over cores, the reduced dim (d1) stays whole on each core,
// both reductions happen in-core, and every intermediate (max, exp, sum) stays resident; the
// fills come first in the region (they are copied in before the stages).
// PLAN-LABEL: func.func @softmax
// PLAN:         rtensor.fused ins(%x : tensor<4x8xf32>) attributes {
// PLAN-SAME:      plan = #rtensor.plan<spatial = [4, 1], temporal = {{\[\[1, 1\], \[1, 1\]\]}}>
// PLAN-SAME:      reduce_at = ["none", "none", "in-core", "none", "in-core", "none"]
// PLAN-SAME:      resident = array<i64: 2, 3, 4>
// PLAN-SAME:      tiles = #builtin.int<1>

// GELU (erf form) after a bias add: an elementwise chain, one fused op.
#b = affine_map<(d0, d1) -> (d1)>
func.func @bias_gelu(%x: tensor<4x8xf32>, %bias: tensor<8xf32>) -> tensor<4x8xf32> {
  %c2 = arith.constant 1.41421354 : f32
  %one = arith.constant 1.000000e+00 : f32
  %half = arith.constant 5.000000e-01 : f32
  %t0 = tensor.empty() : tensor<4x8xf32>
  %h = linalg.generic {indexing_maps = [#id, #b, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %bias : tensor<4x8xf32>, tensor<8xf32>) outs(%t0 : tensor<4x8xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  %g = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%h : tensor<4x8xf32>) outs(%t0 : tensor<4x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %d = arith.divf %a, %c2 : f32
    %e = math.erf %d : f32
    %p = arith.addf %e, %one : f32
    linalg.yield %p : f32
  } -> tensor<4x8xf32>
  %y = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%h, %g : tensor<4x8xf32>, tensor<4x8xf32>) outs(%t0 : tensor<4x8xf32>) {
  ^bb0(%a: f32, %e: f32, %o: f32):
    %m = arith.mulf %a, %e : f32
    %r = arith.mulf %m, %half : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  func.return %y : tensor<4x8xf32>
}

// CHECK-LABEL: func.func @bias_gelu(%x: tensor<4x8xf32>, %bias: tensor<8xf32>)
// CHECK:         [[G:%[a-z0-9_]+]] = rtensor.fused ins(%x, %bias : tensor<4x8xf32>, tensor<8xf32>) {
// CHECK:           math.erf
// CHECK:           rtensor.yield
// CHECK-NEXT:    } -> tensor<4x8xf32>
// CHECK-NEXT:    func.return [[G]] : tensor<4x8xf32>

// Layer-norm: mean (sum-reduce), centre, variance (sum of squares), scale by rsqrt, gamma and
// beta. Both reductions stay in-core; one fused op reads %x, %gamma and %beta.
func.func @layer_norm(%x: tensor<4x8xf32>, %gamma: tensor<8xf32>, %beta: tensor<8xf32>) -> tensor<4x8xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %n = arith.constant 8.000000e+00 : f32
  %eps = arith.constant 9.99999974E-6 : f32
  %r0 = tensor.empty() : tensor<4xf32>
  %t0 = tensor.empty() : tensor<4x8xf32>
  %z0 = linalg.generic {indexing_maps = [#vec], iterator_types = ["parallel"]} outs(%r0 : tensor<4xf32>) {
  ^bb0(%o: f32):
    linalg.yield %zero : f32
  } -> tensor<4xf32>
  %sum = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<4x8xf32>) outs(%z0 : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %o : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %xc = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %sum : tensor<4x8xf32>, tensor<4xf32>) outs(%t0 : tensor<4x8xf32>) {
  ^bb0(%a: f32, %s: f32, %o: f32):
    %m = arith.divf %s, %n : f32
    %d = arith.subf %a, %m : f32
    linalg.yield %d : f32
  } -> tensor<4x8xf32>
  %var = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]} ins(%xc : tensor<4x8xf32>) outs(%z0 : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %q = arith.mulf %a, %a : f32
    %r = arith.addf %q, %o : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %y = linalg.generic {indexing_maps = [#id, #row, #b, #b, #id], iterator_types = ["parallel", "parallel"]} ins(%xc, %var, %gamma, %beta : tensor<4x8xf32>, tensor<4xf32>, tensor<8xf32>, tensor<8xf32>) outs(%t0 : tensor<4x8xf32>) {
  ^bb0(%a: f32, %v: f32, %g: f32, %c: f32, %o: f32):
    %mv = arith.divf %v, %n : f32
    %ve = arith.addf %mv, %eps : f32
    %rs = math.rsqrt %ve : f32
    %sc = arith.mulf %a, %rs : f32
    %sg = arith.mulf %sc, %g : f32
    %sb = arith.addf %sg, %c : f32
    linalg.yield %sb : f32
  } -> tensor<4x8xf32>
  func.return %y : tensor<4x8xf32>
}

// CHECK-LABEL: func.func @layer_norm
// CHECK:         [[L:%[a-z0-9_]+]] = rtensor.fused ins(%x, %gamma, %beta : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>) {
// CHECK:           math.rsqrt
// CHECK:           rtensor.yield
// CHECK-NEXT:    } -> tensor<4x8xf32>
// CHECK-NEXT:    func.return [[L]] : tensor<4x8xf32>

// PLAN-LABEL: func.func @layer_norm
// PLAN:         rtensor.fused ins(%x, %gamma, %beta : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>) attributes {
// PLAN-SAME:      plan = #rtensor.plan<spatial = [4, 1]
// PLAN-SAME:      reduce_at = ["none", "in-core", "none", "in-core", "none"]

// A value a matmul also reads ends the chain: %h is materialised for @mm, so the add stays
// alone (a chain of one is not fused) and only the two ops after it are fused.
func.func @shared_value(%x: tensor<4x8xf32>, %bias: tensor<8xf32>, %w: tensor<8x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %zero = arith.constant 0.000000e+00 : f32
  %t0 = tensor.empty() : tensor<4x8xf32>
  %h = linalg.generic {indexing_maps = [#id, #b, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %bias : tensor<4x8xf32>, tensor<8xf32>) outs(%t0 : tensor<4x8xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  %e = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%h : tensor<4x8xf32>) outs(%t0 : tensor<4x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %v = math.exp %a : f32
    linalg.yield %v : f32
  } -> tensor<4x8xf32>
  %n = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%e : tensor<4x8xf32>) outs(%t0 : tensor<4x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %v = arith.negf %a : f32
    linalg.yield %v : f32
  } -> tensor<4x8xf32>
  %acc = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]} outs(%t0 : tensor<4x8xf32>) {
  ^bb0(%o: f32):
    linalg.yield %zero : f32
  } -> tensor<4x8xf32>
  %mm = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%h, %w : tensor<4x8xf32>, tensor<8x8xf32>) outs(%acc : tensor<4x8xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %p = arith.mulf %a, %c : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  func.return %n, %mm : tensor<4x8xf32>, tensor<4x8xf32>
}

// CHECK-LABEL: func.func @shared_value
// CHECK:         [[H:%[a-z0-9_]+]] = linalg.generic {{.*}} ins(%x, %bias : tensor<4x8xf32>, tensor<8xf32>)
// CHECK:         [[N:%[a-z0-9_]+]] = rtensor.fused ins([[H]] : tensor<4x8xf32>) {
// CHECK:           math.exp
// CHECK:           arith.negf
// CHECK:         } -> tensor<4x8xf32>
// CHECK:         linalg.generic {{.*}} ins([[H]], %w : tensor<4x8xf32>, tensor<8x8xf32>)

// A group that a matmul cuts: %a is read by %s (then by the matmul) and by the residual %r
// after the matmul. One fused op cannot take the place of both; the group is cut at the
// matmul: {exp, neg} before it (yielding %a too, the residual reads it) and {add, exp} after.
func.func @cut_by_matmul(%x: tensor<4x8xf32>, %w: tensor<8x8xf32>) -> tensor<4x8xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %t0 = tensor.empty() : tensor<4x8xf32>
  %a = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x8xf32>) outs(%t0 : tensor<4x8xf32>) {
  ^bb0(%p: f32, %o: f32):
    %v = math.exp %p : f32
    linalg.yield %v : f32
  } -> tensor<4x8xf32>
  %s = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<4x8xf32>) outs(%t0 : tensor<4x8xf32>) {
  ^bb0(%p: f32, %o: f32):
    %v = arith.negf %p : f32
    linalg.yield %v : f32
  } -> tensor<4x8xf32>
  %acc = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]} outs(%t0 : tensor<4x8xf32>) {
  ^bb0(%o: f32):
    linalg.yield %zero : f32
  } -> tensor<4x8xf32>
  %mm = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%s, %w : tensor<4x8xf32>, tensor<8x8xf32>) outs(%acc : tensor<4x8xf32>) {
  ^bb0(%p: f32, %c: f32, %o: f32):
    %m = arith.mulf %p, %c : f32
    %v = arith.addf %o, %m : f32
    linalg.yield %v : f32
  } -> tensor<4x8xf32>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%mm, %a : tensor<4x8xf32>, tensor<4x8xf32>) outs(%t0 : tensor<4x8xf32>) {
  ^bb0(%p: f32, %c: f32, %o: f32):
    %v = arith.addf %p, %c : f32
    linalg.yield %v : f32
  } -> tensor<4x8xf32>
  %q = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%r : tensor<4x8xf32>) outs(%t0 : tensor<4x8xf32>) {
  ^bb0(%p: f32, %o: f32):
    %v = math.exp %p : f32
    linalg.yield %v : f32
  } -> tensor<4x8xf32>
  func.return %q : tensor<4x8xf32>
}

// CHECK-LABEL: func.func @cut_by_matmul
// CHECK:         [[A:%[a-z0-9_]+]], [[S:%[a-z0-9_]+]] = rtensor.fused ins(%x : tensor<4x8xf32>) {
// CHECK:           math.exp
// CHECK:           arith.negf
// CHECK:         } -> tensor<4x8xf32>, tensor<4x8xf32>
// CHECK:         [[MM:%[a-z0-9_]+]] = linalg.generic {{.*}} ins([[S]], %w : tensor<4x8xf32>, tensor<8x8xf32>)
// CHECK:         rtensor.fused ins([[MM]], [[A]] : tensor<4x8xf32>, tensor<4x8xf32>) {
// CHECK:           arith.addf
// CHECK:           math.exp

// Matmul + bias + GELU: a contraction whose result only the chain reads heads it (an epilogue).
// linalg-to-rtensor keeps the head where that pays (docs/fusion.md), else it takes it out.
func.func @matmul_bias_gelu(%x: tensor<4x8xf32>, %w: tensor<8x8xf32>, %bias: tensor<8xf32>) -> tensor<4x8xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %c2 = arith.constant 1.41421354 : f32
  %one = arith.constant 1.000000e+00 : f32
  %half = arith.constant 5.000000e-01 : f32
  %t0 = tensor.empty() : tensor<4x8xf32>
  %acc = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]} outs(%t0 : tensor<4x8xf32>) {
  ^bb0(%o: f32):
    linalg.yield %zero : f32
  } -> tensor<4x8xf32>
  %mm = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : tensor<4x8xf32>, tensor<8x8xf32>) outs(%acc : tensor<4x8xf32>) {
  ^bb0(%p: f32, %c: f32, %o: f32):
    %m = arith.mulf %p, %c : f32
    %v = arith.addf %o, %m : f32
    linalg.yield %v : f32
  } -> tensor<4x8xf32>
  %h = linalg.generic {indexing_maps = [#id, #b, #id], iterator_types = ["parallel", "parallel"]} ins(%mm, %bias : tensor<4x8xf32>, tensor<8xf32>) outs(%t0 : tensor<4x8xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%h : tensor<4x8xf32>) outs(%t0 : tensor<4x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %d = arith.divf %a, %c2 : f32
    %e = math.erf %d : f32
    %p = arith.addf %e, %one : f32
    %m = arith.mulf %a, %p : f32
    %r = arith.mulf %m, %half : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  func.return %y : tensor<4x8xf32>
}

// CHECK-LABEL: func.func @matmul_bias_gelu
// CHECK:         [[M:%[a-z0-9_]+]] = rtensor.fused ins(%x, %w, %bias : tensor<4x8xf32>, tensor<8x8xf32>, tensor<8xf32>) {
// CHECK:           linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK:           arith.mulf
// CHECK:           math.erf
// CHECK:           rtensor.yield
// CHECK-NEXT:    } -> tensor<4x8xf32>
// CHECK-NEXT:    func.return [[M]] : tensor<4x8xf32>
