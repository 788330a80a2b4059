// RUN: xdsl-opt %s -p propagate-reshapes | filecheck %s
// RUN: xdsl-opt %s -p propagate-reshapes | xdsl-opt | filecheck %s

// Producer side, as torch-mlir emits an ONNX `Reshape` of an elementwise
// result (generic form): the 8x64 result is split into 8 x 4 x 16. The
// generic iterates the split loops and writes the 8x4x16 tensor itself; its
// input %x, indexed by the split loop, gets an expand_shape (a function
// argument: the reshape stops there), its `tensor.empty` init is recreated
// expanded.

func.func @expand_into_producer(%x: tensor<8x64xf32>) -> tensor<8x4x16xf32> {
  %0 = "tensor.empty"() : () -> tensor<8x64xf32>
  %1 = "linalg.generic"(%x, %0) <{indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = [#linalg.iterator_type<parallel>, #linalg.iterator_type<parallel>], operandSegmentSizes = array<i32: 1, 1>}> ({
  ^bb0(%in: f32, %out: f32):
    %2 = "arith.negf"(%in) <{fastmath = #arith.fastmath<none>}> : (f32) -> f32
    "linalg.yield"(%2) : (f32) -> ()
  }) : (tensor<8x64xf32>, tensor<8x64xf32>) -> tensor<8x64xf32>
  %3 = "tensor.expand_shape"(%1) <{reassociation = [[0], [1, 2]], static_output_shape = array<i64: 8, 4, 16>}> : (tensor<8x64xf32>) -> tensor<8x4x16xf32>
  "func.return"(%3) : (tensor<8x4x16xf32>) -> ()
}

// CHECK-LABEL: func.func @expand_into_producer
// CHECK-NEXT:    [[X:%\d+]] = tensor.expand_shape %x {{\[\[}}0 : i64], [1 : i64, 2 : i64]] output_shape [8, 4, 16] : tensor<8x64xf32> into tensor<8x4x16xf32>
// CHECK-NEXT:    [[E:%\d+]] = tensor.empty() : tensor<8x4x16xf32>
// CHECK-NEXT:    [[R:%\d+]] = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins([[X]] : tensor<8x4x16xf32>) outs([[E]] : tensor<8x4x16xf32>) {
// CHECK-NEXT:    ^bb0(%in: f32, %out: f32):
// CHECK-NEXT:      [[N:%\d+]] = arith.negf %in : f32
// CHECK-NEXT:      linalg.yield [[N]] : f32
// CHECK-NEXT:    } -> tensor<8x4x16xf32>
// CHECK-NEXT:    func.return [[R]] : tensor<8x4x16xf32>
// CHECK-NEXT:  }

// Producer side through a matmul (attention's head split of a projection):
// the output loop d1 splits into 4 x 16 and the reduction loop becomes d3;
// the weight %w, indexed by the split loop, gets an expand_shape to 64x4x16
// (on ONNX import, frontend/weight_reshapes.py folds it into the weight's
// data) and the fill init is recreated as an 8x4x16 fill.

func.func @matmul_heads(%x: tensor<8x64xf32>, %w: tensor<64x64xf32>) -> tensor<8x4x16xf32> {
  %empty = tensor.empty() : tensor<8x64xf32>
  %fill = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} outs(%empty : tensor<8x64xf32>) {
  ^bb0(%out: f32):
    %cst = arith.constant 0.000000e+00 : f32
    linalg.yield %cst : f32
  } -> tensor<8x64xf32>
  %mm = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : tensor<8x64xf32>, tensor<64x64xf32>) outs(%fill : tensor<8x64xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<8x64xf32>
  %q = tensor.expand_shape %mm [[0], [1, 2]] output_shape [8, 4, 16] : tensor<8x64xf32> into tensor<8x4x16xf32>
  func.return %q : tensor<8x4x16xf32>
}

// CHECK-LABEL: func.func @matmul_heads
// CHECK-NEXT:    [[E:%\d+]] = tensor.empty() : tensor<8x4x16xf32>
// CHECK-NEXT:    [[FILL:%\d+]] = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} outs([[E]] : tensor<8x4x16xf32>) {
// CHECK-NEXT:    ^bb0(%out: f32):
// CHECK-NEXT:      %cst = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:      linalg.yield %cst : f32
// CHECK-NEXT:    } -> tensor<8x4x16xf32>
// CHECK-NEXT:    [[W:%\d+]] = tensor.expand_shape %w {{\[\[}}0 : i64], [1 : i64, 2 : i64]] output_shape [64, 4, 16] : tensor<64x64xf32> into tensor<64x4x16xf32>
// CHECK-NEXT:    %q = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d3)>, affine_map<(d0, d1, d2, d3) -> (d3, d1, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%x, [[W]] : tensor<8x64xf32>, tensor<64x4x16xf32>) outs([[FILL]] : tensor<8x4x16xf32>) {
// CHECK-NEXT:    ^bb0(%a: f32, %b: f32, %acc: f32):
// CHECK-NEXT:      %p = arith.mulf %a, %b : f32
// CHECK-NEXT:      %s = arith.addf %acc, %p : f32
// CHECK-NEXT:      linalg.yield %s : f32
// CHECK-NEXT:    } -> tensor<8x4x16xf32>
// CHECK-NEXT:    func.return %q : tensor<8x4x16xf32>
// CHECK-NEXT:  }

// A fill with another user is duplicated: the expanded producer gets an
// 8x4x16 copy of the fill, the returned %fill keeps the original.

func.func @shared_fill(%x: tensor<8x64xf32>) -> (tensor<8x4x16xf32>, tensor<8x64xf32>) {
  %empty = tensor.empty() : tensor<8x64xf32>
  %fill = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} outs(%empty : tensor<8x64xf32>) {
  ^bb0(%out: f32):
    %cst = arith.constant 0.000000e+00 : f32
    linalg.yield %cst : f32
  } -> tensor<8x64xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<8x64xf32>) outs(%fill : tensor<8x64xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  } -> tensor<8x64xf32>
  %q = tensor.expand_shape %sum [[0], [1, 2]] output_shape [8, 4, 16] : tensor<8x64xf32> into tensor<8x4x16xf32>
  func.return %q, %fill : tensor<8x4x16xf32>, tensor<8x64xf32>
}

// CHECK-LABEL: func.func @shared_fill
// CHECK-NEXT:    %empty = tensor.empty() : tensor<8x64xf32>
// CHECK-NEXT:    [[E:%\d+]] = tensor.empty() : tensor<8x4x16xf32>
// CHECK-NEXT:    [[FILL3:%\d+]] = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} outs([[E]] : tensor<8x4x16xf32>) {
// CHECK:         %fill = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} outs(%empty : tensor<8x64xf32>) {
// CHECK:         [[X:%\d+]] = tensor.expand_shape %x {{\[\[}}0 : i64], [1 : i64, 2 : i64]] output_shape [8, 4, 16] : tensor<8x64xf32> into tensor<8x4x16xf32>
// CHECK-NEXT:    %q = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins([[X]] : tensor<8x4x16xf32>) outs([[FILL3]] : tensor<8x4x16xf32>) {
// CHECK:         func.return %q, %fill : tensor<8x4x16xf32>, tensor<8x64xf32>
// CHECK-NEXT:  }

// Consumer side: a generic reading a (b*h, d) collapse of a 4x8x16 tensor
// reads the 4x8x16 source with loop d0 split in two; the bias %b, indexed by
// the unsplit loop, is kept as is. The result has another user (the return),
// so it is collapsed back to 32x16 for it.

func.func @collapse_into_consumer(%x: tensor<4x8x16xf32>, %b: tensor<16xf32>) -> tensor<32x16xf32> {
  %0 = "tensor.collapse_shape"(%x) <{reassociation = [[0, 1], [2]]}> : (tensor<4x8x16xf32>) -> tensor<32x16xf32>
  %1 = "tensor.empty"() : () -> tensor<32x16xf32>
  %2 = "linalg.generic"(%0, %b, %1) <{indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = [#linalg.iterator_type<parallel>, #linalg.iterator_type<parallel>], operandSegmentSizes = array<i32: 2, 1>}> ({
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %3 = "arith.addf"(%in, %bias) <{fastmath = #arith.fastmath<none>}> : (f32, f32) -> f32
    "linalg.yield"(%3) : (f32) -> ()
  }) : (tensor<32x16xf32>, tensor<16xf32>, tensor<32x16xf32>) -> tensor<32x16xf32>
  "func.return"(%2) : (tensor<32x16xf32>) -> ()
}

// CHECK-LABEL: func.func @collapse_into_consumer
// CHECK-NEXT:    [[E:%\d+]] = tensor.empty() : tensor<4x8x16xf32>
// CHECK-NEXT:    [[R:%\d+]] = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x, %b : tensor<4x8x16xf32>, tensor<16xf32>) outs([[E]] : tensor<4x8x16xf32>) {
// CHECK-NEXT:    ^bb0(%in: f32, %bias: f32, %out: f32):
// CHECK-NEXT:      [[S:%\d+]] = arith.addf %in, %bias : f32
// CHECK-NEXT:      linalg.yield [[S]] : f32
// CHECK-NEXT:    } -> tensor<4x8x16xf32>
// CHECK-NEXT:    [[C:%\d+]] = tensor.collapse_shape [[R]] {{\[\[}}0 : i64, 1 : i64], [2 : i64]] : tensor<4x8x16xf32> into tensor<32x16xf32>
// CHECK-NEXT:    func.return [[C]] : tensor<32x16xf32>
// CHECK-NEXT:  }

// Collapse, generic, expand back with the same grouping: the consumer-side
// rewrite leaves collapse(generic) for the expand, which cancels. No reshape
// is left.

func.func @collapse_then_expand(%x: tensor<4x8x16xf32>) -> tensor<4x8x16xf32> {
  %c = tensor.collapse_shape %x [[0, 1], [2]] : tensor<4x8x16xf32> into tensor<32x16xf32>
  %e = tensor.empty() : tensor<32x16xf32>
  %n = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%c : tensor<32x16xf32>) outs(%e : tensor<32x16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %v = arith.negf %a : f32
    linalg.yield %v : f32
  } -> tensor<32x16xf32>
  %r = tensor.expand_shape %n [[0, 1], [2]] output_shape [4, 8, 16] : tensor<32x16xf32> into tensor<4x8x16xf32>
  func.return %r : tensor<4x8x16xf32>
}

// CHECK-LABEL: func.func @collapse_then_expand
// CHECK-NOT:     tensor.collapse_shape
// CHECK-NEXT:    [[E:%\d+]] = tensor.empty() : tensor<4x8x16xf32>
// CHECK-NEXT:    %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x : tensor<4x8x16xf32>) outs([[E]] : tensor<4x8x16xf32>) {
// CHECK-NEXT:    ^bb0(%a: f32, %o: f32):
// CHECK-NEXT:      %v = arith.negf %a : f32
// CHECK-NEXT:      linalg.yield %v : f32
// CHECK-NEXT:    } -> tensor<4x8x16xf32>
// CHECK-NEXT:    func.return %r : tensor<4x8x16xf32>
// CHECK-NEXT:  }

// expand(collapse(x)) and collapse(expand(y)) with the same grouping are x
// and y; expand(tensor.empty) is a tensor.empty of the expanded type.

func.func @pairs_and_empty(%x: tensor<4x8x16xf32>, %y: tensor<32x16xf32>) -> (tensor<4x8x16xf32>, tensor<32x16xf32>, tensor<4x8x16xf32>) {
  %c = tensor.collapse_shape %x [[0, 1], [2]] : tensor<4x8x16xf32> into tensor<32x16xf32>
  %e = tensor.expand_shape %c [[0, 1], [2]] output_shape [4, 8, 16] : tensor<32x16xf32> into tensor<4x8x16xf32>
  %ey = tensor.expand_shape %y [[0, 1], [2]] output_shape [4, 8, 16] : tensor<32x16xf32> into tensor<4x8x16xf32>
  %cy = tensor.collapse_shape %ey [[0, 1], [2]] : tensor<4x8x16xf32> into tensor<32x16xf32>
  %empty = tensor.empty() : tensor<32x16xf32>
  %ee = tensor.expand_shape %empty [[0, 1], [2]] output_shape [4, 8, 16] : tensor<32x16xf32> into tensor<4x8x16xf32>
  func.return %e, %cy, %ee : tensor<4x8x16xf32>, tensor<32x16xf32>, tensor<4x8x16xf32>
}

// CHECK-LABEL: func.func @pairs_and_empty
// CHECK-NEXT:    %ee = tensor.empty() : tensor<4x8x16xf32>
// CHECK-NEXT:    func.return %x, %y, %ee : tensor<4x8x16xf32>, tensor<32x16xf32>, tensor<4x8x16xf32>
// CHECK-NEXT:  }

// Left alone: the expanded result %n has another (non-reshape) user and is
// not a fill, so splitting its loops would compute it twice.

func.func @producer_with_other_use(%x: tensor<8x64xf32>) -> (tensor<8x64xf32>, tensor<8x4x16xf32>) {
  %e = tensor.empty() : tensor<8x64xf32>
  %n = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<8x64xf32>) outs(%e : tensor<8x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %v = arith.negf %a : f32
    linalg.yield %v : f32
  } -> tensor<8x64xf32>
  %two = tensor.expand_shape %n [[0], [1, 2]] output_shape [8, 4, 16] : tensor<8x64xf32> into tensor<8x4x16xf32>
  func.return %n, %two : tensor<8x64xf32>, tensor<8x4x16xf32>
}

// CHECK-LABEL: func.func @producer_with_other_use
// CHECK-NEXT:    %e = tensor.empty() : tensor<8x64xf32>
// CHECK-NEXT:    %n = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<8x64xf32>) outs(%e : tensor<8x64xf32>) {
// CHECK:         %two = tensor.expand_shape %n {{\[\[}}0 : i64], [1 : i64, 2 : i64]] output_shape [8, 4, 16] : tensor<8x64xf32> into tensor<8x4x16xf32>
// CHECK-NEXT:    func.return %n, %two : tensor<8x64xf32>, tensor<8x4x16xf32>
// CHECK-NEXT:  }

// Left alone: a body reading loop indices (linalg.index 1 would need
// recombining as 16 * d1 + d2 after the split).

func.func @reads_index(%x: tensor<8x64xf32>) -> tensor<8x4x16xf32> {
  %e = tensor.empty() : tensor<8x64xf32>
  %idx = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<8x64xf32>) outs(%e : tensor<8x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %i = linalg.index 1 : index
    %j = arith.index_cast %i : index to i64
    %f = arith.sitofp %j : i64 to f32
    %v = arith.addf %a, %f : f32
    linalg.yield %v : f32
  } -> tensor<8x64xf32>
  %r = tensor.expand_shape %idx [[0], [1, 2]] output_shape [8, 4, 16] : tensor<8x64xf32> into tensor<8x4x16xf32>
  func.return %r : tensor<8x4x16xf32>
}

// CHECK-LABEL: func.func @reads_index
// CHECK-NEXT:    %e = tensor.empty() : tensor<8x64xf32>
// CHECK-NEXT:    %idx = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<8x64xf32>) outs(%e : tensor<8x64xf32>) {
// CHECK:         %r = tensor.expand_shape %idx {{\[\[}}0 : i64], [1 : i64, 2 : i64]] output_shape [8, 4, 16] : tensor<8x64xf32> into tensor<8x4x16xf32>
// CHECK-NEXT:    func.return %r : tensor<8x4x16xf32>
// CHECK-NEXT:  }

// Left alone: a reshape that only inserts a unit dim (fold-unit-reshapes'
// business) although its source is a generic result with no other use, and a
// collapse that is also the consumer's `outs` operand.

func.func @unit_and_outs(%x: tensor<8x64xf32>, %y: tensor<4x8x16xf32>) -> (tensor<8x1x64xf32>, tensor<32x16xf32>) {
  %e = tensor.empty() : tensor<8x64xf32>
  %n = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<8x64xf32>) outs(%e : tensor<8x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %v = arith.negf %a : f32
    linalg.yield %v : f32
  } -> tensor<8x64xf32>
  %unit = tensor.expand_shape %n [[0, 1], [2]] output_shape [8, 1, 64] : tensor<8x64xf32> into tensor<8x1x64xf32>
  %c = tensor.collapse_shape %y [[0, 1], [2]] : tensor<4x8x16xf32> into tensor<32x16xf32>
  %acc = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%c : tensor<32x16xf32>) outs(%c : tensor<32x16xf32>) {
  ^bb0(%i: f32, %p: f32):
    %w = arith.addf %i, %p : f32
    linalg.yield %w : f32
  } -> tensor<32x16xf32>
  func.return %unit, %acc : tensor<8x1x64xf32>, tensor<32x16xf32>
}

// CHECK-LABEL: func.func @unit_and_outs
// CHECK-NEXT:    %e = tensor.empty() : tensor<8x64xf32>
// CHECK-NEXT:    %n = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<8x64xf32>) outs(%e : tensor<8x64xf32>) {
// CHECK:         %unit = tensor.expand_shape %n {{\[\[}}0 : i64, 1 : i64], [2 : i64]] output_shape [8, 1, 64] : tensor<8x64xf32> into tensor<8x1x64xf32>
// CHECK-NEXT:    %c = tensor.collapse_shape %y {{\[\[}}0 : i64, 1 : i64], [2 : i64]] : tensor<4x8x16xf32> into tensor<32x16xf32>
// CHECK-NEXT:    %acc = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%c : tensor<32x16xf32>) outs(%c : tensor<32x16xf32>) {
// CHECK:         func.return %unit, %acc : tensor<8x1x64xf32>, tensor<32x16xf32>
// CHECK-NEXT:  }
