// RUN: xdsl-opt %s -p fold-unit-reshapes | filecheck %s
// RUN: xdsl-opt %s -p fold-unit-reshapes | xdsl-opt | filecheck %s

// Softmax's `x - max(x)`: the 8-element max is expanded to 8x1 and read
// through (d0, d1) -> (d0, 0). The generic reads the 8-element tensor
// directly through (d0, d1) -> (d0) and the expand_shape disappears.

func.func @expand_into_broadcast(%x: tensor<8x6xf32>, %max: tensor<8xf32>) -> tensor<8x6xf32> {
  %e = tensor.expand_shape %max [[0, 1]] output_shape [8, 1] : tensor<8xf32> into tensor<8x1xf32>
  %init = tensor.empty() : tensor<8x6xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x, %e : tensor<8x6xf32>, tensor<8x1xf32>) outs(%init : tensor<8x6xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.subf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<8x6xf32>
  func.return %r : tensor<8x6xf32>
}

// CHECK-LABEL: func.func @expand_into_broadcast
// CHECK-NEXT:    %init = tensor.empty() : tensor<8x6xf32>
// CHECK-NEXT:    %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%x, %max : tensor<8x6xf32>, tensor<8xf32>) outs(%init : tensor<8x6xf32>) {
// CHECK-NEXT:    ^bb0(%a: f32, %b: f32, %o: f32):
// CHECK-NEXT:      %s = arith.subf %a, %b : f32
// CHECK-NEXT:      linalg.yield %s : f32
// CHECK-NEXT:    } -> tensor<8x6xf32>
// CHECK-NEXT:    func.return %r : tensor<8x6xf32>
// CHECK-NEXT:  }

// The inserted unit dim is indexed by a loop of extent 1 (d1 ranges over the
// 8x1 output): also dropped. Two uses of the same reshape by one generic.

func.func @expand_unit_loop(%v: tensor<8xf32>) -> tensor<8x1xf32> {
  %e = tensor.expand_shape %v [[0, 1]] output_shape [8, 1] : tensor<8xf32> into tensor<8x1xf32>
  %init = tensor.empty() : tensor<8x1xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%e, %e : tensor<8x1xf32>, tensor<8x1xf32>) outs(%init : tensor<8x1xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<8x1xf32>
  func.return %r : tensor<8x1xf32>
}

// CHECK-LABEL: func.func @expand_unit_loop
// CHECK-NEXT:    %init = tensor.empty() : tensor<8x1xf32>
// CHECK-NEXT:    %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%v, %v : tensor<8xf32>, tensor<8xf32>) outs(%init : tensor<8x1xf32>) {

// A collapse that removes unit dims: the generic reads the 1x8x1 source and
// indexes the removed dims with the constant 0.

func.func @collapse_unit_dims(%v: tensor<1x8x1xf32>) -> tensor<8xf32> {
  %c = tensor.collapse_shape %v [[0, 1, 2]] : tensor<1x8x1xf32> into tensor<8xf32>
  %init = tensor.empty() : tensor<8xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%c : tensor<8xf32>) outs(%init : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %n = arith.negf %a : f32
    linalg.yield %n : f32
  } -> tensor<8xf32>
  func.return %r : tensor<8xf32>
}

// CHECK-LABEL: func.func @collapse_unit_dims
// CHECK-NEXT:    %init = tensor.empty() : tensor<8xf32>
// CHECK-NEXT:    %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (0, d0, 0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%v : tensor<1x8x1xf32>) outs(%init : tensor<8xf32>) {

// Producer side: the reshaped value is returned, not read by a generic, but
// it is the only use of a reduction result. The reduction writes 8x1
// directly; its fill init is recreated as an 8x1 fill.

func.func @expand_into_producer(%x: tensor<8x6xf32>) -> tensor<8x1xf32> {
  %empty = tensor.empty() : tensor<8xf32>
  %fill = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} outs(%empty : tensor<8xf32>) {
  ^bb0(%out: f32):
    %cst = arith.constant 0xFF800000 : f32
    linalg.yield %cst : f32
  } -> tensor<8xf32>
  %max = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<8x6xf32>) outs(%fill : tensor<8xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %m = arith.maximumf %in, %acc : f32
    linalg.yield %m : f32
  } -> tensor<8xf32>
  %e = tensor.expand_shape %max [[0, 1]] output_shape [8, 1] : tensor<8xf32> into tensor<8x1xf32>
  func.return %e : tensor<8x1xf32>
}

// CHECK-LABEL: func.func @expand_into_producer
// CHECK-NEXT:    %empty = tensor.empty() : tensor<8x1xf32>
// CHECK-NEXT:    %fill = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} outs(%empty : tensor<8x1xf32>) {
// CHECK-NEXT:    ^bb0(%out: f32):
// CHECK-NEXT:      %cst = arith.constant 0xff800000 : f32
// CHECK-NEXT:      linalg.yield %cst : f32
// CHECK-NEXT:    } -> tensor<8x1xf32>
// CHECK-NEXT:    %max = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, 0)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<8x6xf32>) outs(%fill : tensor<8x1xf32>) {
// CHECK-NEXT:    ^bb0(%in: f32, %acc: f32):
// CHECK-NEXT:      %m = arith.maximumf %in, %acc : f32
// CHECK-NEXT:      linalg.yield %m : f32
// CHECK-NEXT:    } -> tensor<8x1xf32>
// CHECK-NEXT:    func.return %max : tensor<8x1xf32>
// CHECK-NEXT:  }

// Producer side, collapse: an 8x1 sum (output map (d0, 0)) collapsed to 8
// writes 8 elements through (d0, d1) -> (d0) instead.

func.func @collapse_into_producer(%x: tensor<8x6xf32>) -> tensor<8xf32> {
  %empty = tensor.empty() : tensor<8x1xf32>
  %fill = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} outs(%empty : tensor<8x1xf32>) {
  ^bb0(%out: f32):
    %cst = arith.constant 0.000000e+00 : f32
    linalg.yield %cst : f32
  } -> tensor<8x1xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, 0)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<8x6xf32>) outs(%fill : tensor<8x1xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %a = arith.addf %in, %acc : f32
    linalg.yield %a : f32
  } -> tensor<8x1xf32>
  %c = tensor.collapse_shape %sum [[0, 1]] : tensor<8x1xf32> into tensor<8xf32>
  func.return %c : tensor<8xf32>
}

// CHECK-LABEL: func.func @collapse_into_producer
// CHECK-NEXT:    %empty = tensor.empty() : tensor<8xf32>
// CHECK-NEXT:    %fill = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} outs(%empty : tensor<8xf32>) {
// CHECK-NEXT:    ^bb0(%out: f32):
// CHECK-NEXT:      %cst = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:      linalg.yield %cst : f32
// CHECK-NEXT:    } -> tensor<8xf32>
// CHECK-NEXT:    %sum = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<8x6xf32>) outs(%fill : tensor<8xf32>) {
// CHECK-NEXT:    ^bb0(%in: f32, %acc: f32):
// CHECK-NEXT:      %a = arith.addf %in, %acc : f32
// CHECK-NEXT:      linalg.yield %a : f32
// CHECK-NEXT:    } -> tensor<8xf32>
// CHECK-NEXT:    func.return %sum : tensor<8xf32>
// CHECK-NEXT:  }

// Left alone: reshapes that merge/split non-unit dims.

func.func @non_unit(%x: tensor<8x6xf32>, %y: tensor<48xf32>) -> (tensor<48xf32>, tensor<8x6xf32>) {
  %c = tensor.collapse_shape %x [[0, 1]] : tensor<8x6xf32> into tensor<48xf32>
  %init = tensor.empty() : tensor<48xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%c : tensor<48xf32>) outs(%init : tensor<48xf32>) {
  ^bb0(%a: f32, %o: f32):
    %n = arith.negf %a : f32
    linalg.yield %n : f32
  } -> tensor<48xf32>
  %e = tensor.expand_shape %y [[0, 1]] output_shape [8, 6] : tensor<48xf32> into tensor<8x6xf32>
  func.return %r, %e : tensor<48xf32>, tensor<8x6xf32>
}

// CHECK-LABEL: func.func @non_unit
// CHECK-NEXT:    %c = tensor.collapse_shape %x {{\[\[}}0 : i64, 1 : i64]] : tensor<8x6xf32> into tensor<48xf32>
// CHECK-NEXT:    %init = tensor.empty() : tensor<48xf32>
// CHECK-NEXT:    %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%c : tensor<48xf32>) outs(%init : tensor<48xf32>) {
// CHECK:         %e = tensor.expand_shape %y {{\[\[}}0 : i64, 1 : i64]] output_shape [8, 6] : tensor<48xf32> into tensor<8x6xf32>
// CHECK-NEXT:    func.return %r, %e : tensor<48xf32>, tensor<8x6xf32>

// Left alone: dropping the unit result would leave loop d1 without a bound
// (it only appears in the expanded operand's map), and the reshape's source is
// a function argument, so there is no producer to rewrite either.

func.func @unbounded_loop(%v: tensor<8xf32>) -> tensor<8xf32> {
  %e = tensor.expand_shape %v [[0, 1]] output_shape [8, 1] : tensor<8xf32> into tensor<8x1xf32>
  %init = tensor.empty() : tensor<8xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%e : tensor<8x1xf32>) outs(%init : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  func.return %r : tensor<8xf32>
}

// CHECK-LABEL: func.func @unbounded_loop
// CHECK-NEXT:    %e = tensor.expand_shape %v {{\[\[}}0 : i64, 1 : i64]] output_shape [8, 1] : tensor<8xf32> into tensor<8x1xf32>
// CHECK-NEXT:    %init = tensor.empty() : tensor<8xf32>
// CHECK-NEXT:    %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%e : tensor<8x1xf32>) outs(%init : tensor<8xf32>) {
