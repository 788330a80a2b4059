// RUN: xdsl-opt %s -p drop-dead-outputs | filecheck %s
// RUN: xdsl-opt %s -p drop-dead-outputs | filecheck %s --check-prefix=GONE

// Nothing of the argmax survives anywhere in the module.
// GONE-NOT: linalg.index
// GONE-NOT: arith.index_cast
// GONE-NOT: arith.select
// GONE-NOT: tensor<8xi64>

// Softmax's max-reduction as torch-mlir emits it (generic form): a 2-output
// generic computing the max and an argmax through `linalg.index`. Only the
// max is used, so the argmax output, its yielded value, its block argument
// and the index arithmetic go; the i64 fill, its `tensor.empty` and its
// constant become dead and are erased as well.

func.func @max_argmax(%arg0: tensor<8x6xf32>) -> tensor<8xf32> {
  %1 = "arith.constant"() <{value = 0 : i64}> : () -> i64
  %2 = "arith.constant"() <{value = 0xFF800000 : f32}> : () -> f32
  %11 = "tensor.empty"() : () -> tensor<8xi64>
  %12 = "linalg.generic"(%1, %11) <{indexing_maps = [affine_map<(d0) -> ()>, affine_map<(d0) -> (d0)>], iterator_types = [#linalg.iterator_type<parallel>], operandSegmentSizes = array<i32: 1, 1>}> ({
  ^bb0(%arg21: i64, %arg22: i64):
    "linalg.yield"(%arg21) : (i64) -> ()
  }) : (i64, tensor<8xi64>) -> tensor<8xi64>
  %13 = "tensor.empty"() : () -> tensor<8xf32>
  %14 = "linalg.generic"(%2, %13) <{indexing_maps = [affine_map<(d0) -> ()>, affine_map<(d0) -> (d0)>], iterator_types = [#linalg.iterator_type<parallel>], operandSegmentSizes = array<i32: 1, 1>}> ({
  ^bb0(%arg19: f32, %arg20: f32):
    "linalg.yield"(%arg19) : (f32) -> ()
  }) : (f32, tensor<8xf32>) -> tensor<8xf32>
  %15:2 = "linalg.generic"(%arg0, %14, %12) <{indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = [#linalg.iterator_type<parallel>, #linalg.iterator_type<reduction>], operandSegmentSizes = array<i32: 1, 2>}> ({
  ^bb0(%arg16: f32, %arg17: f32, %arg18: i64):
    %27 = "linalg.index"() <{dim = 1 : i64}> : () -> index
    %28 = "arith.index_cast"(%27) : (index) -> i64
    %29 = "arith.maximumf"(%arg16, %arg17) <{fastmath = #arith.fastmath<none>}> : (f32, f32) -> f32
    %30 = "arith.cmpf"(%arg16, %arg17) <{fastmath = #arith.fastmath<none>, predicate = 2 : i64}> : (f32, f32) -> i1
    %31 = "arith.select"(%30, %28, %arg18) : (i1, i64, i64) -> i64
    "linalg.yield"(%29, %31) : (f32, i64) -> ()
  }) : (tensor<8x6xf32>, tensor<8xf32>, tensor<8xi64>) -> (tensor<8xf32>, tensor<8xi64>)
  "func.return"(%15#0) : (tensor<8xf32>) -> ()
}

// CHECK-LABEL: func.func @max_argmax
// CHECK-NOT:     i64
// CHECK-NEXT:    [[NEGINF:%\d+]] = arith.constant 0xff800000 : f32
// CHECK-NEXT:    [[EMPTY:%\d+]] = tensor.empty() : tensor<8xf32>
// CHECK-NEXT:    [[INIT:%\d+]] = linalg.generic {indexing_maps = [affine_map<(d0) -> ()>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins([[NEGINF]] : f32) outs([[EMPTY]] : tensor<8xf32>) {
// CHECK-NEXT:    ^bb0(%arg19: f32, %arg20: f32):
// CHECK-NEXT:      linalg.yield %arg19 : f32
// CHECK-NEXT:    } -> tensor<8xf32>
// CHECK-NEXT:    [[MAX:%\d+]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%arg0 : tensor<8x6xf32>) outs([[INIT]] : tensor<8xf32>) {
// CHECK-NEXT:    ^bb0(%arg16: f32, %arg17: f32):
// CHECK-NOT:       linalg.index
// CHECK-NOT:       arith.index_cast
// CHECK-NEXT:      [[M:%\d+]] = arith.maximumf %arg16, %arg17 : f32
// CHECK-NOT:       arith.cmpf
// CHECK-NOT:       arith.select
// CHECK-NEXT:      linalg.yield [[M]] : f32
// CHECK-NEXT:    } -> tensor<8xf32>
// CHECK-NEXT:    func.return [[MAX]] : tensor<8xf32>
// CHECK-NEXT:  }

// Unused first output: the used second result is renumbered to the only
// result, and the dropped output's init chain disappears.

func.func @drop_first(%x: tensor<4xf32>) -> tensor<4xf32> {
  %e0 = tensor.empty() : tensor<4xf32>
  %e1 = tensor.empty() : tensor<4xf32>
  %r:2 = "linalg.generic"(%x, %e0, %e1) <{indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = [#linalg.iterator_type<parallel>], operandSegmentSizes = array<i32: 1, 2>}> ({
  ^bb0(%in: f32, %o0: f32, %o1: f32):
    %neg = arith.negf %in : f32
    %sq = arith.mulf %in, %in : f32
    "linalg.yield"(%neg, %sq) : (f32, f32) -> ()
  }) : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  func.return %r#1 : tensor<4xf32>
}

// CHECK-LABEL: func.func @drop_first
// CHECK-NEXT:    %e1 = tensor.empty() : tensor<4xf32>
// CHECK-NEXT:    [[SQ:%\S+]] = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%x : tensor<4xf32>) outs(%e1 : tensor<4xf32>) {
// CHECK-NEXT:    ^bb0(%in: f32, %o1: f32):
// CHECK-NEXT:      %sq = arith.mulf %in, %in : f32
// CHECK-NEXT:      linalg.yield %sq : f32
// CHECK-NEXT:    } -> tensor<4xf32>
// CHECK-NEXT:    func.return [[SQ]] : tensor<4xf32>
// CHECK-NEXT:  }

// Left alone: result #1 is unused, but its block argument %cnt is read by
// the computation of the used result #0 (a running mean), so output #1 stays.
// Also left alone: a generic whose results are all used.

func.func @keep_read_output(%x: tensor<4x6xf32>, %s0: tensor<4xf32>, %c0: tensor<4xf32>) -> (tensor<4xf32>, tensor<4x6xf32>, tensor<4x6xf32>) {
  %r:2 = "linalg.generic"(%x, %s0, %c0) <{indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = [#linalg.iterator_type<parallel>, #linalg.iterator_type<reduction>], operandSegmentSizes = array<i32: 1, 2>}> ({
  ^bb0(%in: f32, %mean: f32, %cnt: f32):
    %one = arith.constant 1.000000e+00 : f32
    %n = arith.addf %cnt, %one : f32
    %d = arith.subf %in, %mean : f32
    %q = arith.divf %d, %n : f32
    %m = arith.addf %mean, %q : f32
    "linalg.yield"(%m, %n) : (f32, f32) -> ()
  }) : (tensor<4x6xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  %e = tensor.empty() : tensor<4x6xf32>
  %both:2 = "linalg.generic"(%x, %e, %e) <{indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = [#linalg.iterator_type<parallel>, #linalg.iterator_type<parallel>], operandSegmentSizes = array<i32: 1, 2>}> ({
  ^bb0(%in: f32, %o0: f32, %o1: f32):
    %neg = arith.negf %in : f32
    "linalg.yield"(%neg, %in) : (f32, f32) -> ()
  }) : (tensor<4x6xf32>, tensor<4x6xf32>, tensor<4x6xf32>) -> (tensor<4x6xf32>, tensor<4x6xf32>)
  func.return %r#0, %both#0, %both#1 : tensor<4xf32>, tensor<4x6xf32>, tensor<4x6xf32>
}

// CHECK-LABEL: func.func @keep_read_output
// CHECK-NEXT:    %r, %r_1 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<4x6xf32>) outs(%s0, %c0 : tensor<4xf32>, tensor<4xf32>) {
// CHECK-NEXT:    ^bb0(%in: f32, %mean: f32, %cnt: f32):
// CHECK-NEXT:      %one = arith.constant 1.000000e+00 : f32
// CHECK-NEXT:      %n = arith.addf %cnt, %one : f32
// CHECK-NEXT:      %d = arith.subf %in, %mean : f32
// CHECK-NEXT:      %q = arith.divf %d, %n : f32
// CHECK-NEXT:      %m = arith.addf %mean, %q : f32
// CHECK-NEXT:      linalg.yield %m, %n : f32, f32
// CHECK-NEXT:    } -> (tensor<4xf32>, tensor<4xf32>)
// CHECK-NEXT:    %e = tensor.empty() : tensor<4x6xf32>
// CHECK-NEXT:    %both, %both_1 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x6xf32>) outs(%e, %e : tensor<4x6xf32>, tensor<4x6xf32>) {
// CHECK-NEXT:    ^bb0([[IN:%in\S*]]: f32, %o0: f32, %o1: f32):
// CHECK-NEXT:      %neg = arith.negf [[IN]] : f32
// CHECK-NEXT:      linalg.yield %neg, [[IN]] : f32, f32
// CHECK-NEXT:    } -> (tensor<4x6xf32>, tensor<4x6xf32>)
// CHECK-NEXT:    func.return %r, %both, %both_1 : tensor<4xf32>, tensor<4x6xf32>, tensor<4x6xf32>
// CHECK-NEXT:  }

// Side-effect free and unused: erased with their inits. `func.call` results
// are unused too but the call may have effects, so it stays.

func.func private @opaque(tensor<4xf32>) -> tensor<4xf32>

func.func @dead_ops(%x: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %dead = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    linalg.yield %n : f32
  } -> tensor<4xf32>
  %unused = func.call @opaque(%x) : (tensor<4xf32>) -> tensor<4xf32>
  func.return %x : tensor<4xf32>
}

// CHECK-LABEL: func.func @dead_ops
// CHECK-NEXT:    %unused = func.call @opaque(%x) : (tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT:    func.return %x : tensor<4xf32>
// CHECK-NEXT:  }
