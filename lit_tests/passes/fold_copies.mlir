// RUN: xdsl-opt %s -p fold-copies | filecheck %s
// RUN: xdsl-opt %s -p fold-copies | xdsl-opt | filecheck %s

// ONNX `MatMul(x, Transpose(w))` as torch-mlir emits it (generic form): the
// transpose is a generic copying %w through the permuted map (d1, d0). The
// matmul reads %w directly through the composed map (d2, d1) o (d1, d0) =
// (d1, d2); the transpose and its `tensor.empty` are erased.

func.func @transpose_into_matmul(%x: tensor<8x16xf32>, %w: tensor<12x16xf32>, %acc: tensor<8x12xf32>) -> tensor<8x12xf32> {
  %0 = "tensor.empty"() : () -> tensor<16x12xf32>
  %1 = "linalg.generic"(%w, %0) <{indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = [#linalg.iterator_type<parallel>, #linalg.iterator_type<parallel>], operandSegmentSizes = array<i32: 1, 1>}> ({
  ^bb0(%in: f32, %out: f32):
    "linalg.yield"(%in) : (f32) -> ()
  }) : (tensor<12x16xf32>, tensor<16x12xf32>) -> tensor<16x12xf32>
  %2 = "linalg.generic"(%x, %1, %acc) <{indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = [#linalg.iterator_type<parallel>, #linalg.iterator_type<parallel>, #linalg.iterator_type<reduction>], operandSegmentSizes = array<i32: 2, 1>}> ({
  ^bb0(%a: f32, %b: f32, %c: f32):
    %3 = "arith.mulf"(%a, %b) <{fastmath = #arith.fastmath<none>}> : (f32, f32) -> f32
    %4 = "arith.addf"(%c, %3) <{fastmath = #arith.fastmath<none>}> : (f32, f32) -> f32
    "linalg.yield"(%4) : (f32) -> ()
  }) : (tensor<8x16xf32>, tensor<16x12xf32>, tensor<8x12xf32>) -> tensor<8x12xf32>
  "func.return"(%2) : (tensor<8x12xf32>) -> ()
}

// CHECK-LABEL: func.func @transpose_into_matmul
// CHECK-NOT:     tensor.empty
// CHECK-NEXT:    [[MM:%\d+]] = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : tensor<8x16xf32>, tensor<12x16xf32>) outs(%acc : tensor<8x12xf32>) {
// CHECK-NEXT:    ^bb0(%a: f32, %b: f32, %c: f32):
// CHECK-NEXT:      [[P:%\d+]] = arith.mulf %a, %b : f32
// CHECK-NEXT:      [[S:%\d+]] = arith.addf %c, [[P]] : f32
// CHECK-NEXT:      linalg.yield [[S]] : f32
// CHECK-NEXT:    } -> tensor<8x12xf32>
// CHECK-NEXT:    func.return [[MM]] : tensor<8x12xf32>
// CHECK-NEXT:  }

// ONNX 3-D x 2-D `MatMul`: torch-mlir broadcasts the weight over the batch
// ((d0, d1, d2) -> (d1, d2)) and runs a batched matmul. The batched matmul
// reads the 2-D weight through (b, m, n, k) -> (k, n): no batch-dependent copy.

func.func @broadcast_weight(%a: tensor<4x8x16xf32>, %w: tensor<16x12xf32>, %acc: tensor<4x8x12xf32>) -> tensor<4x8x12xf32> {
  %0 = "tensor.empty"() : () -> tensor<4x16x12xf32>
  %1 = "linalg.generic"(%w, %0) <{indexing_maps = [affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = [#linalg.iterator_type<parallel>, #linalg.iterator_type<parallel>, #linalg.iterator_type<parallel>], operandSegmentSizes = array<i32: 1, 1>}> ({
  ^bb0(%in: f32, %out: f32):
    "linalg.yield"(%in) : (f32) -> ()
  }) : (tensor<16x12xf32>, tensor<4x16x12xf32>) -> tensor<4x16x12xf32>
  %2 = "linalg.generic"(%a, %1, %acc) <{indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = [#linalg.iterator_type<parallel>, #linalg.iterator_type<parallel>, #linalg.iterator_type<parallel>, #linalg.iterator_type<reduction>], operandSegmentSizes = array<i32: 2, 1>}> ({
  ^bb0(%x: f32, %y: f32, %z: f32):
    %3 = "arith.mulf"(%x, %y) <{fastmath = #arith.fastmath<none>}> : (f32, f32) -> f32
    %4 = "arith.addf"(%z, %3) <{fastmath = #arith.fastmath<none>}> : (f32, f32) -> f32
    "linalg.yield"(%4) : (f32) -> ()
  }) : (tensor<4x8x16xf32>, tensor<4x16x12xf32>, tensor<4x8x12xf32>) -> tensor<4x8x12xf32>
  "func.return"(%2) : (tensor<4x8x12xf32>) -> ()
}

// CHECK-LABEL: func.func @broadcast_weight
// CHECK-NOT:     tensor.empty
// CHECK-NEXT:    [[BMM:%\d+]] = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>, affine_map<(d0, d1, d2, d3) -> (d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%a, %w : tensor<4x8x16xf32>, tensor<16x12xf32>) outs(%acc : tensor<4x8x12xf32>) {
// CHECK-NEXT:    ^bb0(%x: f32, %y: f32, %z: f32):
// CHECK-NEXT:      [[P:%\d+]] = arith.mulf %x, %y : f32
// CHECK-NEXT:      [[S:%\d+]] = arith.addf %z, [[P]] : f32
// CHECK-NEXT:      linalg.yield [[S]] : f32
// CHECK-NEXT:    } -> tensor<4x8x12xf32>
// CHECK-NEXT:    func.return [[BMM]] : tensor<4x8x12xf32>
// CHECK-NEXT:  }

// Two transposes that permute through the output map ((d0, d1) -> (d1, d0),
// so the map to the source is its inverse). Folding repeats until the
// consumer reads %x through the identity; both copies and the first copy's
// `tensor.empty` go, the second `tensor.empty` stays for the consumer's outs.

func.func @transpose_twice(%x: tensor<8x6xf32>) -> tensor<8x6xf32> {
  %e1 = tensor.empty() : tensor<6x8xf32>
  %t1 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1, d0)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<8x6xf32>) outs(%e1 : tensor<6x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<6x8xf32>
  %e2 = tensor.empty() : tensor<8x6xf32>
  %t2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1, d0)>], iterator_types = ["parallel", "parallel"]} ins(%t1 : tensor<6x8xf32>) outs(%e2 : tensor<8x6xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<8x6xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%t2 : tensor<8x6xf32>) outs(%e2 : tensor<8x6xf32>) {
  ^bb0(%a: f32, %o: f32):
    %n = arith.negf %a : f32
    linalg.yield %n : f32
  } -> tensor<8x6xf32>
  func.return %r : tensor<8x6xf32>
}

// CHECK-LABEL: func.func @transpose_twice
// CHECK-NEXT:    %e2 = tensor.empty() : tensor<8x6xf32>
// CHECK-NEXT:    %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<8x6xf32>) outs(%e2 : tensor<8x6xf32>) {
// CHECK-NEXT:    ^bb0(%a: f32, %o: f32):
// CHECK-NEXT:      %n = arith.negf %a : f32
// CHECK-NEXT:      linalg.yield %n : f32
// CHECK-NEXT:    } -> tensor<8x6xf32>
// CHECK-NEXT:    func.return %r : tensor<8x6xf32>
// CHECK-NEXT:  }

// The transpose %t is also an `outs` operand and a function result: the
// `ins` consumer %n reads %x through (d1, d0), but %t stays (outs operands are
// never rewritten, and results need the copy).

func.func @copy_kept(%x: tensor<8x6xf32>) -> (tensor<6x8xf32>, tensor<6x8xf32>, tensor<6x8xf32>) {
  %e = tensor.empty() : tensor<6x8xf32>
  %t = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<8x6xf32>) outs(%e : tensor<6x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<6x8xf32>
  %n = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%t : tensor<6x8xf32>) outs(%e : tensor<6x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %v = arith.negf %a : f32
    linalg.yield %v : f32
  } -> tensor<6x8xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<8x6xf32>) outs(%t : tensor<6x8xf32>) {
  ^bb0(%b: f32, %p: f32):
    %w = arith.addf %b, %p : f32
    linalg.yield %w : f32
  } -> tensor<6x8xf32>
  func.return %n, %s, %t : tensor<6x8xf32>, tensor<6x8xf32>, tensor<6x8xf32>
}

// CHECK-LABEL: func.func @copy_kept
// CHECK-NEXT:    %e = tensor.empty() : tensor<6x8xf32>
// CHECK-NEXT:    %t = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<8x6xf32>) outs(%e : tensor<6x8xf32>) {
// CHECK-NEXT:    ^bb0(%in: f32, %out: f32):
// CHECK-NEXT:      linalg.yield %in : f32
// CHECK-NEXT:    } -> tensor<6x8xf32>
// CHECK-NEXT:    %n = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<8x6xf32>) outs(%e : tensor<6x8xf32>) {
// CHECK:         %s = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<8x6xf32>) outs(%t : tensor<6x8xf32>) {
// CHECK:         func.return %n, %s, %t : tensor<6x8xf32>, tensor<6x8xf32>, tensor<6x8xf32>
// CHECK-NEXT:  }

// Left alone: a row sum over a broadcast. Reading %x through (d0, d1) -> (d0)
// would leave the reduction loop d1 indexed by no operand (its range, 6,
// would be lost), so the broadcast stays.

func.func @unbounded_loop(%x: tensor<8xf32>, %acc: tensor<8xf32>) -> tensor<8xf32> {
  %e = tensor.empty() : tensor<8x6xf32>
  %b = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<8xf32>) outs(%e : tensor<8x6xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<8x6xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%b : tensor<8x6xf32>) outs(%acc : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %v = arith.addf %a, %o : f32
    linalg.yield %v : f32
  } -> tensor<8xf32>
  func.return %r : tensor<8xf32>
}

// CHECK-LABEL: func.func @unbounded_loop
// CHECK-NEXT:    %e = tensor.empty() : tensor<8x6xf32>
// CHECK-NEXT:    %b = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<8xf32>) outs(%e : tensor<8x6xf32>) {
// CHECK-NEXT:    ^bb0(%in: f32, %out: f32):
// CHECK-NEXT:      linalg.yield %in : f32
// CHECK-NEXT:    } -> tensor<8x6xf32>
// CHECK-NEXT:    %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%b : tensor<8x6xf32>) outs(%acc : tensor<8xf32>) {

// Left alone, not copies or not foldable: a transpose that also computes
// (negf); a fill from a rank-0 tensor (a fill, not a copy); a copy of column 3
// (composed map (d0, 3) is not a loop dim or 0, as the planner requires).

func.func @not_folded(%x: tensor<8x6xf32>, %s: tensor<f32>) -> (tensor<6x8xf32>, tensor<8x6xf32>, tensor<8x6xf32>) {
  %e = tensor.empty() : tensor<6x8xf32>
  %neg = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<8x6xf32>) outs(%e : tensor<6x8xf32>) {
  ^bb0(%i0: f32, %o0: f32):
    %v0 = arith.negf %i0 : f32
    linalg.yield %v0 : f32
  } -> tensor<6x8xf32>
  %r1 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%neg : tensor<6x8xf32>) outs(%e : tensor<6x8xf32>) {
  ^bb0(%i1: f32, %o1: f32):
    %v1 = arith.mulf %i1, %i1 : f32
    linalg.yield %v1 : f32
  } -> tensor<6x8xf32>
  %e2 = tensor.empty() : tensor<8x6xf32>
  %fill = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> ()>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%s : tensor<f32>) outs(%e2 : tensor<8x6xf32>) {
  ^bb0(%i2: f32, %o2: f32):
    linalg.yield %i2 : f32
  } -> tensor<8x6xf32>
  %r2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x, %fill : tensor<8x6xf32>, tensor<8x6xf32>) outs(%e2 : tensor<8x6xf32>) {
  ^bb0(%a3: f32, %b3: f32, %o3: f32):
    %v3 = arith.addf %a3, %b3 : f32
    linalg.yield %v3 : f32
  } -> tensor<8x6xf32>
  %col = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, 3)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<8x6xf32>) outs(%e2 : tensor<8x6xf32>) {
  ^bb0(%i4: f32, %o4: f32):
    linalg.yield %i4 : f32
  } -> tensor<8x6xf32>
  %r3 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x, %col : tensor<8x6xf32>, tensor<8x6xf32>) outs(%e2 : tensor<8x6xf32>) {
  ^bb0(%a5: f32, %b5: f32, %o5: f32):
    %v5 = arith.subf %a5, %b5 : f32
    linalg.yield %v5 : f32
  } -> tensor<8x6xf32>
  func.return %r1, %r2, %r3 : tensor<6x8xf32>, tensor<8x6xf32>, tensor<8x6xf32>
}

// CHECK-LABEL: func.func @not_folded
// CHECK-NEXT:    %e = tensor.empty() : tensor<6x8xf32>
// CHECK-NEXT:    %neg = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<8x6xf32>) outs(%e : tensor<6x8xf32>) {
// CHECK:         %r1 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%neg : tensor<6x8xf32>) outs(%e : tensor<6x8xf32>) {
// CHECK:         %e2 = tensor.empty() : tensor<8x6xf32>
// CHECK-NEXT:    %fill = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> ()>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%s : tensor<f32>) outs(%e2 : tensor<8x6xf32>) {
// CHECK:         %r2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x, %fill : tensor<8x6xf32>, tensor<8x6xf32>) outs(%e2 : tensor<8x6xf32>) {
// CHECK:         %col = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, 3)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<8x6xf32>) outs(%e2 : tensor<8x6xf32>) {
// CHECK:         %r3 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x, %col : tensor<8x6xf32>, tensor<8x6xf32>) outs(%e2 : tensor<8x6xf32>) {
// CHECK:         func.return %r1, %r2, %r3 : tensor<6x8xf32>, tensor<8x6xf32>, tensor<8x6xf32>
// CHECK-NEXT:  }
