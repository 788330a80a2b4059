// RUN: xdsl-opt %s -p fold-scalar-operands | filecheck %s

// A fill (scalar `ins` with map `-> ()`) becomes a generic with no `ins` whose
// body yields a clone of the constant; the matmul accumulating into it is
// untouched. The outer constant is dead afterwards and removed.

func.func @fill_then_matmul(%a: tensor<8x16xf32>, %b: tensor<16x12xf32>) -> tensor<8x12xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %empty = tensor.empty() : tensor<8x12xf32>
  %fill = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> ()>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%zero : f32) outs(%empty : tensor<8x12xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<8x12xf32>
  %mm = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<8x16xf32>, tensor<16x12xf32>) outs(%fill : tensor<8x12xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<8x12xf32>
  func.return %mm : tensor<8x12xf32>
}

// CHECK-LABEL: func.func @fill_then_matmul
// CHECK-NOT:     arith.constant
// CHECK-NEXT:    %empty = tensor.empty() : tensor<8x12xf32>
// CHECK-NEXT:    %fill = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} outs(%empty : tensor<8x12xf32>) {
// CHECK-NEXT:    ^bb0(%out: f32):
// CHECK-NEXT:      %cst = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:      linalg.yield %cst : f32
// CHECK-NEXT:    } -> tensor<8x12xf32>
// CHECK-NEXT:    %mm = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<8x16xf32>, tensor<16x12xf32>) outs(%fill : tensor<8x12xf32>) {
// CHECK-NEXT:    ^bb0(%x: f32, %y: f32, %acc: f32):
// CHECK-NEXT:      %p = arith.mulf %x, %y : f32
// CHECK-NEXT:      %s = arith.addf %acc, %p : f32
// CHECK-NEXT:      linalg.yield %s : f32
// CHECK-NEXT:    } -> tensor<8x12xf32>
// CHECK-NEXT:    func.return %mm : tensor<8x12xf32>

// The two 1-D fills torch-mlir emits for the max/argmax reduction, generic
// form as parsed from torch-mlir. The -inf constant stays because the relu
// body still captures it.

func.func @reduction_inits() -> (tensor<8xf32>, tensor<8xi64>, tensor<8xf32>) {
  %0 = "arith.constant"() <{value = 0 : i64}> : () -> i64
  %1 = "arith.constant"() <{value = 0xFF800000 : f32}> : () -> f32
  %2 = "tensor.empty"() : () -> tensor<8xi64>
  %3 = "linalg.generic"(%0, %2) <{indexing_maps = [affine_map<(d0) -> ()>, affine_map<(d0) -> (d0)>], iterator_types = [#linalg.iterator_type<parallel>], operandSegmentSizes = array<i32: 1, 1>}> ({
  ^bb0(%arg21: i64, %arg22: i64):
    "linalg.yield"(%arg21) : (i64) -> ()
  }) : (i64, tensor<8xi64>) -> tensor<8xi64>
  %4 = "tensor.empty"() : () -> tensor<8xf32>
  %5 = "linalg.generic"(%1, %4) <{indexing_maps = [affine_map<(d0) -> ()>, affine_map<(d0) -> (d0)>], iterator_types = [#linalg.iterator_type<parallel>], operandSegmentSizes = array<i32: 1, 1>}> ({
  ^bb0(%arg19: f32, %arg20: f32):
    "linalg.yield"(%arg19) : (f32) -> ()
  }) : (f32, tensor<8xf32>) -> tensor<8xf32>
  %6 = "linalg.generic"(%5, %4) <{indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = [#linalg.iterator_type<parallel>], operandSegmentSizes = array<i32: 1, 1>}> ({
  ^bb0(%arg17: f32, %arg18: f32):
    %7 = "arith.maximumf"(%arg17, %1) <{fastmath = #arith.fastmath<none>}> : (f32, f32) -> f32
    "linalg.yield"(%7) : (f32) -> ()
  }) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  "func.return"(%5, %3, %6) : (tensor<8xf32>, tensor<8xi64>, tensor<8xf32>) -> ()
}

// CHECK-LABEL: func.func @reduction_inits
// CHECK-NEXT:    [[NEGINF:%\d+]] = arith.constant 0xff800000 : f32
// CHECK-NEXT:    [[E64:%\d+]] = tensor.empty() : tensor<8xi64>
// CHECK-NEXT:    [[FILL64:%\d+]] = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} outs([[E64]] : tensor<8xi64>) {
// CHECK-NEXT:    ^bb0(%arg22: i64):
// CHECK-NEXT:      %cst = arith.constant 0 : i64
// CHECK-NEXT:      linalg.yield %cst : i64
// CHECK-NEXT:    } -> tensor<8xi64>
// CHECK-NEXT:    [[E32:%\d+]] = tensor.empty() : tensor<8xf32>
// CHECK-NEXT:    [[FILL32:%\d+]] = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} outs([[E32]] : tensor<8xf32>) {
// CHECK-NEXT:    ^bb0(%arg20: f32):
// CHECK-NEXT:      %cst_1 = arith.constant 0xff800000 : f32
// CHECK-NEXT:      linalg.yield %cst_1 : f32
// CHECK-NEXT:    } -> tensor<8xf32>
// CHECK-NEXT:    [[MAX:%\d+]] = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins([[FILL32]] : tensor<8xf32>) outs([[E32]] : tensor<8xf32>) {
// CHECK-NEXT:    ^bb0(%arg17: f32, %arg18: f32):
// CHECK-NEXT:      [[M:%\d+]] = arith.maximumf %arg17, [[NEGINF]] : f32
// CHECK-NEXT:      linalg.yield [[M]] : f32
// CHECK-NEXT:    } -> tensor<8xf32>
// CHECK-NEXT:    func.return [[FILL32]], [[FILL64]], [[MAX]] : tensor<8xf32>, tensor<8xi64>, tensor<8xf32>

// A scalar next to tensor inputs: only the scalar is dropped, the tensor
// input keeps its map.

func.func @scale(%x: tensor<4x6xf32>) -> tensor<4x6xf32> {
  %two = arith.constant 2.000000e+00 : f32
  %empty = tensor.empty() : tensor<4x6xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x, %two : tensor<4x6xf32>, f32) outs(%empty : tensor<4x6xf32>) {
  ^bb0(%in: f32, %k: f32, %out: f32):
    %m = arith.mulf %in, %k : f32
    linalg.yield %m : f32
  } -> tensor<4x6xf32>
  func.return %r : tensor<4x6xf32>
}

// CHECK-LABEL: func.func @scale
// CHECK-NEXT:    %empty = tensor.empty() : tensor<4x6xf32>
// CHECK-NEXT:    %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x6xf32>) outs(%empty : tensor<4x6xf32>) {
// CHECK-NEXT:    ^bb0(%in: f32, %out: f32):
// CHECK-NEXT:      %cst = arith.constant 2.000000e+00 : f32
// CHECK-NEXT:      %m = arith.mulf %in, %cst : f32
// CHECK-NEXT:      linalg.yield %m : f32
// CHECK-NEXT:    } -> tensor<4x6xf32>

// Left alone: the scalar is a function argument, not a constant.

func.func @fill_from_arg(%v: f32) -> tensor<8x12xf32> {
  %empty = tensor.empty() : tensor<8x12xf32>
  %fill = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> ()>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%v : f32) outs(%empty : tensor<8x12xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<8x12xf32>
  func.return %fill : tensor<8x12xf32>
}

// CHECK-LABEL: func.func @fill_from_arg
// CHECK-NEXT:    %empty = tensor.empty() : tensor<8x12xf32>
// CHECK-NEXT:    %fill = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> ()>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%v : f32) outs(%empty : tensor<8x12xf32>) {
// CHECK-NEXT:    ^bb0(%in: f32, %out: f32):
// CHECK-NEXT:      linalg.yield %in : f32
// CHECK-NEXT:    } -> tensor<8x12xf32>
// CHECK-NEXT:    func.return %fill : tensor<8x12xf32>
