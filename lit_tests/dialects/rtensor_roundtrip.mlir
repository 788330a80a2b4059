// RUN: xdsl-opt %s | xdsl-opt | filecheck %s
// RUN: xdsl-opt %s --print-op-generic | xdsl-opt | filecheck %s

// Round-trip of every rtensor op and attribute (custom and generic forms).

builtin.module attributes {tf.target = "ipu-mk2"} {
  // C[128x256] += A[128x512] * B[512x256], loops (d0 = m, d1 = k, d2 = n).
  // 32 cores: m split 4 ways, n split 8 ways. A is replicated over the 8 n-cores,
  // so it can be cut into 8 temporal parts along k that rotate around that ring.
// CHECK:      builtin.module attributes {tf.target = "ipu-mk2"} {
// CHECK-NEXT:   func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) -> tensor<128x256xf32> {
// CHECK-NEXT:     %r = rtensor.compute plan <spatial = [4, 1, 8], temporal = {{\[\[}}1, 8, 1], [1, 1, 1], [1, 1, 1]], rotation = [0]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} {
// CHECK-NEXT:     ^bb0(%x: f32, %y: f32, %acc: f32):{{$}}
// CHECK-NEXT:       %p = arith.mulf %x, %y : f32{{$}}
// CHECK-NEXT:       %s = arith.addf %acc, %p : f32{{$}}
// CHECK-NEXT:       linalg.yield %s : f32{{$}}
// CHECK-NEXT:     } -> tensor<128x256xf32>{{$}}
// CHECK-NEXT:     func.return %r : tensor<128x256xf32>{{$}}
// CHECK-NEXT:   }{{$}}
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) -> tensor<128x256xf32> {
    %r = rtensor.compute plan <spatial = [4, 1, 8], temporal = [[1, 8, 1], [1, 1, 1], [1, 1, 1]], rotation = [0]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return %r : tensor<128x256xf32>
  }

  // Same matmul in linalg order (d0 = m, d1 = n, d2 = k): both inputs rotate along k
  // (A: 8 parts over its 8 replicas, B: 4 parts over its 4; 4 | 8 is a divisibility chain),
  // B outermost. Also carries the optional predicted_cycles and a discardable attribute.
// CHECK-LABEL:   func.func @matmul_two_rotating(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) -> tensor<128x256xf32> {
// CHECK-NEXT:     %r = rtensor.compute plan <spatial = [4, 8, 1], temporal = {{\[\[}}1, 1, 8], [1, 1, 4], [1, 1, 1]], rotation = [1, 0]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {tf.op = "matmul", indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"], predicted_cycles = #builtin.int<1234>} {
// CHECK-NEXT:     ^bb0(%x: f32, %y: f32, %acc: f32):{{$}}
// CHECK-NEXT:       %p = arith.mulf %x, %y : f32{{$}}
// CHECK-NEXT:       %s = arith.addf %acc, %p : f32{{$}}
// CHECK-NEXT:       linalg.yield %s : f32{{$}}
// CHECK-NEXT:     } -> tensor<128x256xf32>{{$}}
// CHECK-NEXT:     func.return %r : tensor<128x256xf32>{{$}}
// CHECK-NEXT:   }{{$}}
  func.func @matmul_two_rotating(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) -> tensor<128x256xf32> {
    %r = rtensor.compute plan <spatial = [4, 8, 1], temporal = [[1, 1, 8], [1, 1, 4], [1, 1, 1]], rotation = [1, 0]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"], predicted_cycles = #builtin.int<1234>, tf.op = "matmul"} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return %r : tensor<128x256xf32>
  }

  // Broadcast operand (constant-0 index on a size-1 axis), a plan without rotation,
  // a compute without `ins`, and a relayout between two layouts.
// CHECK-LABEL:   func.func @bias_relayout(%c: tensor<128x256xf32>, %bias: tensor<1x256xf32>) -> tensor<128x256xf32> {
// CHECK-NEXT:     %r = rtensor.compute plan <spatial = [8, 4], temporal = {{\[\[}}1, 1], [1, 1]]> ins(%bias : tensor<1x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1) -> (0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} {
// CHECK-NEXT:     ^bb0(%x: f32, %o: f32):{{$}}
// CHECK-NEXT:       %s = arith.addf %o, %x : f32{{$}}
// CHECK-NEXT:       linalg.yield %s : f32{{$}}
// CHECK-NEXT:     } -> tensor<128x256xf32>{{$}}
// CHECK-NEXT:     %z = rtensor.compute plan <spatial = [64], temporal = {{\[\[}}1]]> outs(%bias : tensor<1x256xf32>) attributes {indexing_maps = [affine_map<(d0) -> (0, d0)>], iterator_types = ["parallel"]} {
// CHECK-NEXT:     ^bb0(%v: f32):{{$}}
// CHECK-NEXT:       linalg.yield %v : f32{{$}}
// CHECK-NEXT:     } -> tensor<1x256xf32>{{$}}
// CHECK-NEXT:     %t = rtensor.relayout %r from <grid = [8, 4], axes = [0, 1], blocks = [16, 64], parts = [1, 1]> to <grid = [32], axes = [-1, 0], blocks = [128, 8], parts = [2, 1]> : tensor<128x256xf32> -> tensor<128x256xf32>{{$}}
// CHECK-NEXT:     func.return %t : tensor<128x256xf32>{{$}}
// CHECK-NEXT:   }{{$}}
  func.func @bias_relayout(%c: tensor<128x256xf32>, %bias: tensor<1x256xf32>) -> tensor<128x256xf32> {
    %r = rtensor.compute plan <spatial = [8, 4], temporal = [[1, 1], [1, 1]]> ins(%bias : tensor<1x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1) -> (0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} {
    ^bb0(%x: f32, %o: f32):
      %s = arith.addf %o, %x : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    %z = rtensor.compute plan <spatial = [64], temporal = [[1]]> outs(%bias : tensor<1x256xf32>) attributes {indexing_maps = [affine_map<(d0) -> (0, d0)>], iterator_types = ["parallel"]} {
    ^bb0(%v: f32):
      linalg.yield %v : f32
    } -> tensor<1x256xf32>
    %t = rtensor.relayout %r from <grid = [8, 4], axes = [0, 1], blocks = [16, 64], parts = [1, 1]> to <grid = [32], axes = [-1, 0], blocks = [128, 8], parts = [2, 1]> : tensor<128x256xf32> -> tensor<128x256xf32>
    func.return %t : tensor<128x256xf32>
  }

  // A strided convolution window (rows d2 * 2 + d5) and a relayout into overlapping
  // blocks: 5 rows per core starting 4 apart (a one-row halo).
// CHECK-LABEL:   func.func @conv_halo(%x: tensor<1x2x9x9xf32>, %w: tensor<4x2x3x3xf32>, %o: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
// CHECK-NEXT:     %h = rtensor.relayout %x from <grid = [2], axes = [-1, -1, 0, -1], blocks = [1, 2, 5, 9], parts = [1, 1, 1, 1]> to <grid = [2], axes = [-1, -1, 0, -1], blocks = [1, 2, 5, 9], parts = [1, 1, 1, 1], strides = [1, 2, 4, 9]> : tensor<1x2x9x9xf32> -> tensor<1x2x9x9xf32>{{$}}
// CHECK-NEXT:     %r = rtensor.compute plan <spatial = [1, 1, 2, 1, 1, 1, 1], temporal = {{\[\[}}1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1]]> ins(%h, %w : tensor<1x2x9x9xf32>, tensor<4x2x3x3xf32>) outs(%o : tensor<1x4x4x4xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, ((d2 * 2) + d5), ((d3 * 2) + d6))>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} {{{$}}
// CHECK-NEXT:     ^bb0(%a: f32, %b: f32, %acc: f32):{{$}}
// CHECK-NEXT:       %p = arith.mulf %a, %b : f32{{$}}
// CHECK-NEXT:       %s = arith.addf %acc, %p : f32{{$}}
// CHECK-NEXT:       linalg.yield %s : f32{{$}}
// CHECK-NEXT:     } -> tensor<1x4x4x4xf32>{{$}}
// CHECK-NEXT:     func.return %r : tensor<1x4x4x4xf32>{{$}}
// CHECK-NEXT:   }{{$}}
  func.func @conv_halo(%x: tensor<1x2x9x9xf32>, %w: tensor<4x2x3x3xf32>, %o: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
    %h = rtensor.relayout %x from <grid = [2], axes = [-1, -1, 0, -1], blocks = [1, 2, 5, 9], parts = [1, 1, 1, 1]> to <grid = [2], axes = [-1, -1, 0, -1], blocks = [1, 2, 5, 9], parts = [1, 1, 1, 1], strides = [1, 2, 4, 9]> : tensor<1x2x9x9xf32> -> tensor<1x2x9x9xf32>
    %r = rtensor.compute plan <spatial = [1, 1, 2, 1, 1, 1, 1], temporal = [[1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1]]> ins(%h, %w : tensor<1x2x9x9xf32>, tensor<4x2x3x3xf32>) outs(%o : tensor<1x4x4x4xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, ((d2 * 2) + d5), ((d3 * 2) + d6))>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} {
    ^bb0(%a: f32, %b: f32, %acc: f32):
      %p = arith.mulf %a, %b : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<1x4x4x4xf32>
    func.return %r : tensor<1x4x4x4xf32>
  }

  // A padded convolution input: rtensor.pad adds a one-element border to rows and columns
  // (zeros) and brings the 8x8 image, split by rows over 2 cores (4 rows each), straight into
  // the halo layout the 3x3 window wants: 6 padded rows per core starting 4 apart.
// CHECK-LABEL:   func.func @conv_pad(%x: tensor<1x2x8x8xf32>, %w: tensor<4x2x3x3xf32>, %o: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
// CHECK-NEXT:     %p = rtensor.pad %x low array<i64: 0, 0, 1, 1> high array<i64: 0, 0, 1, 1> value 0.000000e+00 : f32 from <grid = [2], axes = [-1, -1, 0, -1], blocks = [1, 2, 4, 8], parts = [1, 1, 1, 1]> to <grid = [2], axes = [-1, -1, 0, -1], blocks = [1, 2, 6, 10], parts = [1, 1, 1, 1], strides = [1, 2, 4, 10]> {tf.op = "conv"} : tensor<1x2x8x8xf32> -> tensor<1x2x10x10xf32>{{$}}
// CHECK-NEXT:     %r = rtensor.compute plan <spatial = [1, 1, 2, 1, 1, 1, 1], temporal = {{\[\[}}1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1]]> ins(%p, %w : tensor<1x2x10x10xf32>, tensor<4x2x3x3xf32>) outs(%o : tensor<1x4x8x8xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, (d2 + d5), (d3 + d6))>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} {{{$}}
// CHECK-NEXT:     ^bb0(%a: f32, %b: f32, %acc: f32):{{$}}
// CHECK-NEXT:       %m = arith.mulf %a, %b : f32{{$}}
// CHECK-NEXT:       %s = arith.addf %acc, %m : f32{{$}}
// CHECK-NEXT:       linalg.yield %s : f32{{$}}
// CHECK-NEXT:     } -> tensor<1x4x8x8xf32>{{$}}
// CHECK-NEXT:     func.return %r : tensor<1x4x8x8xf32>{{$}}
// CHECK-NEXT:   }{{$}}
  func.func @conv_pad(%x: tensor<1x2x8x8xf32>, %w: tensor<4x2x3x3xf32>, %o: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
    %p = rtensor.pad %x low array<i64: 0, 0, 1, 1> high array<i64: 0, 0, 1, 1> value 0.0 : f32 from <grid = [2], axes = [-1, -1, 0, -1], blocks = [1, 2, 4, 8], parts = [1, 1, 1, 1]> to <grid = [2], axes = [-1, -1, 0, -1], blocks = [1, 2, 6, 10], parts = [1, 1, 1, 1], strides = [1, 2, 4, 10]> {tf.op = "conv"} : tensor<1x2x8x8xf32> -> tensor<1x2x10x10xf32>
    %r = rtensor.compute plan <spatial = [1, 1, 2, 1, 1, 1, 1], temporal = [[1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1]]> ins(%p, %w : tensor<1x2x10x10xf32>, tensor<4x2x3x3xf32>) outs(%o : tensor<1x4x8x8xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d2 + d5, d3 + d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} {
    ^bb0(%a: f32, %b: f32, %acc: f32):
      %m = arith.mulf %a, %b : f32
      %s = arith.addf %acc, %m : f32
      linalg.yield %s : f32
    } -> tensor<1x4x8x8xf32>
    func.return %r : tensor<1x4x8x8xf32>
  }

  // Asymmetric padding of an integer tensor with a non-zero value; the destination layout
  // need not cover the padded tensor (2 x 2 = 4 of its 5 rows: a consumer holds only what it reads).
// CHECK-LABEL:   func.func @pad_int(%t: tensor<4x4xi32>) -> tensor<5x6xi32> {
// CHECK-NEXT:     %q = rtensor.pad %t low array<i64: 1, 0> high array<i64: 0, 2> value 7 : i32 from <grid = [4], axes = [0, -1], blocks = [1, 4], parts = [1, 1]> to <grid = [2, 2], axes = [0, 1], blocks = [2, 3], parts = [1, 1]> : tensor<4x4xi32> -> tensor<5x6xi32>{{$}}
// CHECK-NEXT:     func.return %q : tensor<5x6xi32>{{$}}
// CHECK-NEXT:   }{{$}}
  func.func @pad_int(%t: tensor<4x4xi32>) -> tensor<5x6xi32> {
    %q = rtensor.pad %t low array<i64: 1, 0> high array<i64: 0, 2> value 7 : i32 from <grid = [4], axes = [0, -1], blocks = [1, 4], parts = [1, 1]> to <grid = [2, 2], axes = [0, 1], blocks = [2, 3], parts = [1, 1]> : tensor<4x4xi32> -> tensor<5x6xi32>
    func.return %q : tensor<5x6xi32>
  }

  // Both attributes outside the ops, in their fully qualified form.
// CHECK-LABEL:   func.func @attrs() attributes {plan = #rtensor.plan<spatial = [2, 3], temporal = []>, layout = #rtensor.layout<grid = [2, 3], axes = [1, -1, 0], blocks = [5, 8, 3], parts = [1, 4, 3]>} {
// CHECK-NEXT:     func.return{{$}}
// CHECK-NEXT:   }{{$}}
  func.func @attrs() attributes {plan = #rtensor.plan<spatial = [2, 3], temporal = []>, layout = #rtensor.layout<grid = [2, 3], axes = [1, -1, 0], blocks = [5, 8, 3], parts = [1, 4, 3]>} {
    func.return
  }

  // rtensor.slice: the K third (columns 4..7) of a fused 8x12 QKV projection held on a 2x3 grid
  // (blocks of 4x4), brought into the row split its reader wants (4 cores, 2 rows each).
// CHECK-LABEL: func.func @slice(%qkv: tensor<8x12xf32>) -> tensor<8x4xf32> {
// CHECK-NEXT:   %k = rtensor.slice %qkv offsets array<i64: 0, 4> from <grid = [2, 3], axes = [0, 1], blocks = [4, 4], parts = [1, 1]> to <grid = [4], axes = [0, -1], blocks = [2, 4], parts = [1, 1]> {tf.op = "split"} : tensor<8x12xf32> -> tensor<8x4xf32>{{$}}
// CHECK-NEXT:   func.return %k : tensor<8x4xf32>{{$}}
// CHECK-NEXT: }{{$}}
  func.func @slice(%qkv: tensor<8x12xf32>) -> tensor<8x4xf32> {
    %k = rtensor.slice %qkv offsets array<i64: 0, 4> from <grid = [2, 3], axes = [0, 1], blocks = [4, 4], parts = [1, 1]> to <grid = [4], axes = [0, -1], blocks = [2, 4], parts = [1, 1]> {tf.op = "split"} : tensor<8x12xf32> -> tensor<8x4xf32>
    func.return %k : tensor<8x4xf32>
  }

  // rtensor.concat of three inputs along rows, each in its own layout (a 1x4 token held by one
  // core, 6x4 patches on a 2x2 grid, a 1x4 tail split by columns over 4 cores), into one 8x4
  // tensor split by rows over 8 cores. `dim` prints with its type (i64); both spellings parse.
// CHECK-LABEL: func.func @concat(%cls: tensor<1x4xf32>, %patches: tensor<6x4xf32>, %tail: tensor<1x4xf32>) -> tensor<8x4xf32> {
// CHECK-NEXT:   %t = rtensor.concat %cls, %patches, %tail dim 0 : i64 from [#rtensor.layout<grid = [1], axes = [-1, -1], blocks = [1, 4], parts = [1, 1]>, #rtensor.layout<grid = [2, 2], axes = [0, 1], blocks = [3, 2], parts = [1, 1]>, #rtensor.layout<grid = [4], axes = [-1, 0], blocks = [1, 1], parts = [1, 1]>] to <grid = [8], axes = [0, -1], blocks = [1, 4], parts = [1, 1]> {tf.op = "concat"} : tensor<1x4xf32>, tensor<6x4xf32>, tensor<1x4xf32> -> tensor<8x4xf32>{{$}}
// CHECK-NEXT:   func.return %t : tensor<8x4xf32>{{$}}
// CHECK-NEXT: }{{$}}
  func.func @concat(%cls: tensor<1x4xf32>, %patches: tensor<6x4xf32>, %tail: tensor<1x4xf32>) -> tensor<8x4xf32> {
    %t = rtensor.concat %cls, %patches, %tail dim 0 from [#rtensor.layout<grid = [1], axes = [-1, -1], blocks = [1, 4], parts = [1, 1]>, #rtensor.layout<grid = [2, 2], axes = [0, 1], blocks = [3, 2], parts = [1, 1]>, #rtensor.layout<grid = [4], axes = [-1, 0], blocks = [1, 1], parts = [1, 1]>] to <grid = [8], axes = [0, -1], blocks = [1, 4], parts = [1, 1]> {tf.op = "concat"} : tensor<1x4xf32>, tensor<6x4xf32>, tensor<1x4xf32> -> tensor<8x4xf32>
    func.return %t : tensor<8x4xf32>
  }

  // rtensor.concat of two integer tensors along columns (2 + 6), into a layout whose columns
  // are cut into 2 temporal parts.
// CHECK-LABEL: func.func @concat_cols(%a: tensor<4x2xi32>, %b: tensor<4x6xi32>) -> tensor<4x8xi32> {
// CHECK-NEXT:   %t = rtensor.concat %a, %b dim 1 : i64 from [#rtensor.layout<grid = [2], axes = [0, -1], blocks = [2, 2], parts = [1, 1]>, #rtensor.layout<grid = [2], axes = [-1, 0], blocks = [4, 3], parts = [1, 1]>] to <grid = [2], axes = [0, -1], blocks = [2, 8], parts = [1, 2]> : tensor<4x2xi32>, tensor<4x6xi32> -> tensor<4x8xi32>{{$}}
// CHECK-NEXT:   func.return %t : tensor<4x8xi32>{{$}}
// CHECK-NEXT: }{{$}}
  func.func @concat_cols(%a: tensor<4x2xi32>, %b: tensor<4x6xi32>) -> tensor<4x8xi32> {
    %t = rtensor.concat %a, %b dim 1 from [#rtensor.layout<grid = [2], axes = [0, -1], blocks = [2, 2], parts = [1, 1]>, #rtensor.layout<grid = [2], axes = [-1, 0], blocks = [4, 3], parts = [1, 1]>] to <grid = [2], axes = [0, -1], blocks = [2, 8], parts = [1, 2]> : tensor<4x2xi32>, tensor<4x6xi32> -> tensor<4x8xi32>
    func.return %t : tensor<4x8xi32>
  }

  // rtensor.reshape: a conv output 1x4x3x3 (filters x rows x columns, on a 4x3 grid) collapsed
  // to 1x4x9 (filters x tokens) and split over 9 cores by token, filters in 2 temporal parts.
// CHECK-LABEL: func.func @reshape(%y: tensor<1x4x3x3xf32>) -> tensor<1x4x9xf32> {
// CHECK-NEXT:   %t = rtensor.reshape %y from <grid = [4, 3], axes = [-1, 0, 1, -1], blocks = [1, 1, 1, 3], parts = [1, 1, 1, 1]> to <grid = [9], axes = [-1, -1, 0], blocks = [1, 4, 1], parts = [1, 2, 1]> {tf.op = "reshape"} : tensor<1x4x3x3xf32> -> tensor<1x4x9xf32>{{$}}
// CHECK-NEXT:   func.return %t : tensor<1x4x9xf32>{{$}}
// CHECK-NEXT: }{{$}}
  func.func @reshape(%y: tensor<1x4x3x3xf32>) -> tensor<1x4x9xf32> {
    %t = rtensor.reshape %y from <grid = [4, 3], axes = [-1, 0, 1, -1], blocks = [1, 1, 1, 3], parts = [1, 1, 1, 1]> to <grid = [9], axes = [-1, -1, 0], blocks = [1, 4, 1], parts = [1, 2, 1]> {tf.op = "reshape"} : tensor<1x4x3x3xf32> -> tensor<1x4x9xf32>
    func.return %t : tensor<1x4x9xf32>
  }
}
// CHECK-NEXT: }{{$}}
