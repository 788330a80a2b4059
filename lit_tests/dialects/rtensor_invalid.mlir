// RUN: xdsl-opt %s --split-input-file --verify-diagnostics | filecheck %s

// Every rtensor verifier error reachable from text, one per split.

// plan: a spatial factor of 0
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 0, 8], temporal = [[1, 1, 1], [1, 1, 1], [1, 1, 1]]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: {{^}}spatial factors must be >= 1{{$}}

// -----

// plan: a temporal row with too few entries
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 1, 8], temporal = [[1, 8], [1, 1, 1], [1, 1, 1]], rotation = [0]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: {{^}}every temporal row needs one entry per loop dim{{$}}

// -----

// plan: temporal parts of 0
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 1, 8], temporal = [[1, 0, 1], [1, 1, 1], [1, 1, 1]]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: {{^}}temporal parts must be >= 1{{$}}

// -----

// plan: operand 0 has temporal parts but the rotation list is missing
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 1, 8], temporal = [[1, 8, 1], [1, 1, 1], [1, 1, 1]]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: {{^}}rotation [] must list exactly the operands with temporal parts [0]{{$}}

// -----

// plan: rotation names an operand without temporal parts
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 1, 8], temporal = [[1, 8, 1], [1, 1, 1], [1, 1, 1]], rotation = [0, 1]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: {{^}}rotation [0, 1] must list exactly the operands with temporal parts [0]{{$}}

// -----

// plan: rotation lists an operand twice
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 1, 8], temporal = [[1, 8, 1], [1, 1, 1], [1, 1, 1]], rotation = [0, 0]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: {{^}}rotation [0, 0] must list exactly the operands with temporal parts [0]{{$}}

// -----

// layout: a grid size of 0
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @relayout(%t: tensor<128x256xf32>) {
    %r = rtensor.relayout %t from <grid = [0, 8], axes = [0, 1], blocks = [32, 32], parts = [1, 1]> to <grid = [4, 8], axes = [0, 1], blocks = [32, 32], parts = [1, 1]> : tensor<128x256xf32> -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: {{^}}grid sizes must be >= 1{{$}}

// -----

// layout: axes, blocks and parts of different lengths
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @relayout(%t: tensor<128x256xf32>) {
    %r = rtensor.relayout %t from <grid = [4, 8], axes = [0, 1], blocks = [32], parts = [1, 1]> to <grid = [4, 8], axes = [0, 1], blocks = [32, 32], parts = [1, 1]> : tensor<128x256xf32> -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: {{^}}axes, blocks and parts need one entry per tensor axis{{$}}

// -----

// layout: an axis mapped past the grid rank
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @relayout(%t: tensor<128x256xf32>) {
    %r = rtensor.relayout %t from <grid = [4, 8], axes = [0, 1], blocks = [32, 32], parts = [1, 1]> to <grid = [4, 8], axes = [2, -1], blocks = [32, 256], parts = [1, 1]> : tensor<128x256xf32> -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: {{^}}layout axes [2, -1]: each must be a distinct grid dim in [0, 1] or -1 for grid [4, 8]{{$}}

// -----

// layout: an axis below -1
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @relayout(%t: tensor<128x256xf32>) {
    %r = rtensor.relayout %t from <grid = [4, 8], axes = [0, 1], blocks = [32, 32], parts = [1, 1]> to <grid = [4, 8], axes = [-2, 0], blocks = [128, 64], parts = [1, 1]> : tensor<128x256xf32> -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: {{^}}layout axes [-2, 0]: each must be a distinct grid dim in [0, 1] or -1 for grid [4, 8]{{$}}

// -----

// layout: two axes on the same grid dim
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @relayout(%t: tensor<128x256xf32>) {
    %r = rtensor.relayout %t from <grid = [4, 8], axes = [0, 1], blocks = [32, 32], parts = [1, 1]> to <grid = [4, 8], axes = [0, 0], blocks = [32, 64], parts = [1, 1]> : tensor<128x256xf32> -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: {{^}}layout axes [0, 0]: each must be a distinct grid dim in [0, 1] or -1 for grid [4, 8]{{$}}

// -----

// layout: parts that do not divide the block
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @relayout(%t: tensor<128x256xf32>) {
    %r = rtensor.relayout %t from <grid = [4, 8], axes = [0, 1], blocks = [32, 32], parts = [1, 1]> to <grid = [4, 8], axes = [0, 1], blocks = [32, 32], parts = [1, 3]> : tensor<128x256xf32> -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: {{^}}block 32 must be a positive multiple of its parts 3{{$}}

// -----

// layout: a block of 0
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @relayout(%t: tensor<128x256xf32>) {
    %r = rtensor.relayout %t from <grid = [4, 8], axes = [0, 1], blocks = [32, 32], parts = [1, 1]> to <grid = [4, 8], axes = [0, 1], blocks = [0, 32], parts = [1, 1]> : tensor<128x256xf32> -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: {{^}}block 0 must be a positive multiple of its parts 1{{$}}

// -----

// tf.target that is not a string
builtin.module attributes {tf.target = 3 : i64} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 1, 8], temporal = [[1, 8, 1], [1, 1, 1], [1, 1, 1]], rotation = [0]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: Operation does not verify: 'tf.target' must be a string{{$}}

// -----

// tf.target that names no preset (the list of known presets is not pinned)
builtin.module attributes {tf.target = "nope"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 1, 8], temporal = [[1, 8, 1], [1, 1, 1], [1, 1, 1]], rotation = [0]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: Operation does not verify: unknown target 'nope' (known: {{.*}}; or pass a .toml file){{$}}

// -----

// compute: fewer indexing maps than operands
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 1, 8], temporal = [[1, 8, 1], [1, 1, 1], [1, 1, 1]], rotation = [0]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: Operation does not verify: expected 3 indexing maps, got 2{{$}}

// -----

// compute: an indexing map with the wrong number of dims
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 1, 8], temporal = [[1, 8, 1], [1, 1, 1], [1, 1, 1]], rotation = [0]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "reduction", "parallel"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: Operation does not verify: every indexing map must have one dim per iterator{{$}}

// -----

// compute: an unknown iterator type
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 1, 8], temporal = [[1, 8, 1], [1, 1, 1], [1, 1, 1]], rotation = [0]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "window", "parallel"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: Operation does not verify: iterator types must be 'parallel' or 'reduction'{{$}}

// -----

// compute: two results for one output
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r:2 = rtensor.compute plan <spatial = [4, 1, 8], temporal = [[1, 8, 1], [1, 1, 1], [1, 1, 1]], rotation = [0]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>, tensor<128x256xf32>
    func.return
  }
}

// CHECK: Operation does not verify: one result per output{{$}}

// -----

// compute: map rank differs from operand rank
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 1, 8], temporal = [[1, 8, 1], [1, 1, 1], [1, 1, 1]], rotation = [0]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: Operation does not verify: operand #0: map has 1 results for a rank-2 operand{{$}}

// -----

// compute: constant index on an axis of size > 1
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 1, 8], temporal = [[1, 8, 1], [1, 1, 1], [1, 1, 1]], rotation = [0]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: Operation does not verify: operand #0: constant index on axis 0 of size 128{{$}}

// -----

// compute: one loop dim with two sizes
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<256x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 1, 8], temporal = [[1, 8, 1], [1, 1, 1], [1, 1, 1]], rotation = [0]> ins(%a, %b : tensor<128x512xf32>, tensor<256x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: Operation does not verify: loop dim d1 has size 512 and 256 in different operands{{$}}

// -----

// compute: a loop dim that indexes no operand
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x128xf32>, %b: tensor<128x128xf32>, %c: tensor<128x128xf32>) {
    %r = rtensor.compute plan <spatial = [4, 1, 1], temporal = [[1, 1, 1], [1, 1, 1], [1, 1, 1]]> ins(%a, %b : tensor<128x128xf32>, tensor<128x128xf32>) outs(%c : tensor<128x128xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d0)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "reduction", "parallel"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x128xf32>
    func.return
  }
}

// CHECK: Operation does not verify: loop dim(s) d2 index no operand axis on their own (their size is unknown){{$}}

// -----

// compute: a window axis (d1 + d2) that reaches past the end of its operand
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 1, 8], temporal = [[1, 8, 1], [1, 1, 1], [1, 1, 1]], rotation = [0]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1 + d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: Operation does not verify: operand #0: window axis 1 reaches element 766 of a size-512 axis{{$}}

// -----

// compute: plan with too few spatial factors
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 8], temporal = [[1, 1], [1, 1], [1, 1]]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: Operation does not verify: plan has 2 spatial factors for 3 loop dims{{$}}

// -----

// compute: plan with too few temporal rows
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 1, 8], temporal = [[1, 1, 1], [1, 1, 1]]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: Operation does not verify: plan has 2 temporal rows for 3 operands{{$}}

// -----

// compute: spatial factor larger than its loop
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 1, 512], temporal = [[1, 1, 1], [1, 1, 1], [1, 1, 1]]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: Operation does not verify: spatial factor 512 of loop dim d2 exceeds its size 256{{$}}

// -----

// compute: plan needs more cores than the target has (32 * 64 = 2048 > 1472)
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [32, 1, 64], temporal = [[1, 1, 1], [1, 1, 1], [1, 1, 1]]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: Operation does not verify: plan uses 2048 cores but target 'ipu-mk2' has 1472{{$}}

// -----

// compute: temporal parts along a loop dim that does not index the operand (A is not indexed by d2 = n)
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 1, 8], temporal = [[1, 1, 2], [1, 1, 1], [1, 1, 1]], rotation = [0]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: Operation does not verify: operand #0 has temporal parts along a loop dim that does not index it{{$}}

// -----

// compute: temporal parts that do not divide the replicas (A has 8 replicas along n)
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 1, 8], temporal = [[1, 3, 1], [1, 1, 1], [1, 1, 1]], rotation = [0]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: Operation does not verify: operand #0 has 8 replica(s), which 3 temporal parts do not divide{{$}}

// -----

// compute: temporal parts on an operand with no replicas (B is split over all cores that use it)
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [1, 1, 8], temporal = [[1, 1, 1], [1, 2, 1], [1, 1, 1]], rotation = [1]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: Operation does not verify: operand #1 has 1 replica(s), which 2 temporal parts do not divide{{$}}

// -----

// compute: parts 2 (B) and 3 (A) along k do not form a divisibility chain
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 6, 1], temporal = [[1, 1, 3], [1, 1, 2], [1, 1, 1]], rotation = [0, 1]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: Operation does not verify: temporal parts along loop dim d2 do not form a divisibility chain: [2, 3]{{$}}

// -----

// relayout: result type differs from the source type
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @relayout(%t: tensor<128x256xf32>) {
    %r = rtensor.relayout %t from <grid = [4, 8], axes = [0, 1], blocks = [32, 32], parts = [1, 1]> to <grid = [4, 8], axes = [0, 1], blocks = [32, 32], parts = [1, 1]> : tensor<128x256xf32> -> tensor<128x256xf16>
    func.return
  }
}

// CHECK: Operation does not verify: relayout keeps the tensor type{{$}}

// -----

// relayout: source layout rank differs from the tensor rank
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @relayout(%t: tensor<128x256xf32>) {
    %r = rtensor.relayout %t from <grid = [32], axes = [0], blocks = [4], parts = [1]> to <grid = [4, 8], axes = [0, 1], blocks = [32, 32], parts = [1, 1]> : tensor<128x256xf32> -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: Operation does not verify: source layout has 1 axes for a rank-2 tensor{{$}}

// -----

// relayout: destination layout rank differs from the tensor rank
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @relayout(%t: tensor<128x256xf32>) {
    %r = rtensor.relayout %t from <grid = [4, 8], axes = [0, 1], blocks = [32, 32], parts = [1, 1]> to <grid = [32], axes = [0, -1, -1], blocks = [4, 256, 1], parts = [1, 1, 1]> : tensor<128x256xf32> -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: Operation does not verify: destination layout has 3 axes for a rank-2 tensor{{$}}

// -----

// relayout: source blocks x grid do not cover a tensor axis (4 x 32 < 256)
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @relayout(%t: tensor<128x256xf32>) {
    %r = rtensor.relayout %t from <grid = [32], axes = [-1, 0], blocks = [128, 4], parts = [1, 1]> to <grid = [4, 8], axes = [0, 1], blocks = [32, 32], parts = [1, 1]> : tensor<128x256xf32> -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: Operation does not verify: source layout: axis 1 blocks of 4 x 32 (stride 4) do not cover size 256{{$}}

// -----

// layout: overlapping blocks (a halo) cannot also rotate in temporal parts
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @relayout(%t: tensor<128x256xf32>) {
    %r = rtensor.relayout %t from <grid = [4, 8], axes = [0, 1], blocks = [32, 32], parts = [1, 1]> to <grid = [4], axes = [0, -1], blocks = [34, 256], parts = [2, 1], strides = [32, 256]> : tensor<128x256xf32> -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: axis 0: overlapping or spaced blocks (stride 32, block 34) cannot be cut into temporal parts{{$}}

// -----

// relayout: an unsplit axis whose block is smaller than the axis
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @relayout(%t: tensor<128x256xf32>) {
    %r = rtensor.relayout %t from <grid = [4, 8], axes = [0, -1], blocks = [32, 32], parts = [1, 1]> to <grid = [4, 8], axes = [0, 1], blocks = [32, 32], parts = [1, 1]> : tensor<128x256xf32> -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: Operation does not verify: source layout: axis 1 blocks of 32 x 1 (stride 32) do not cover size 256{{$}}

// -----

// relayout: layout grid larger than the target (64 * 32 = 2048 > 1472)
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @relayout(%t: tensor<128x256xf32>) {
    %r = rtensor.relayout %t from <grid = [64, 32], axes = [0, 1], blocks = [2, 8], parts = [1, 1]> to <grid = [4, 8], axes = [0, 1], blocks = [32, 32], parts = [1, 1]> : tensor<128x256xf32> -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: Operation does not verify: source layout uses 2048 cores but target 'ipu-mk2' has 1472{{$}}

// -----

// compute: result type differs from the outs type
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 1, 8], temporal = [[1, 8, 1], [1, 1, 1], [1, 1, 1]], rotation = [0]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf16>
    func.return
  }
}

// CHECK: Operation does not verify: result #0 has type tensor<128x256xf16>, expected tensor<128x256xf32> (the type of output #0){{$}}

// -----

// compute: body without an argument for the accumulator
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 1, 8], temporal = [[1, 8, 1], [1, 1, 1], [1, 1, 1]], rotation = [0]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} {
    ^bb0(%x: f32, %y: f32):
      %p = arith.mulf %x, %y : f32
      linalg.yield %p : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: Operation does not verify: body has 2 arguments, expected one per operand (3){{$}}

// -----

// compute: a body argument whose type is not the operand's element type (B holds f16)
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf16>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 1, 8], temporal = [[1, 8, 1], [1, 1, 1], [1, 1, 1]], rotation = [0]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf16>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: Operation does not verify: body argument #1 has type f32, expected f16 (the element type of operand #1){{$}}

// -----

// compute: body that ends with another terminator than linalg.yield
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 1, 8], temporal = [[1, 8, 1], [1, 1, 1], [1, 1, 1]], rotation = [0]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      llvm.unreachable
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: Operation does not verify: body must end with linalg.yield{{$}}

// -----

// compute: body yields nothing for the output
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 1, 8], temporal = [[1, 8, 1], [1, 1, 1], [1, 1, 1]], rotation = [0]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      linalg.yield
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: Operation does not verify: body yields 0 values, expected one per output (1){{$}}

// -----

// compute: body yields an f16 for an f32 output
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @matmul(%a: tensor<128x512xf32>, %b: tensor<512x256xf32>, %c: tensor<128x256xf32>) {
    %r = rtensor.compute plan <spatial = [4, 1, 8], temporal = [[1, 8, 1], [1, 1, 1], [1, 1, 1]], rotation = [0]> ins(%a, %b : tensor<128x512xf32>, tensor<512x256xf32>) outs(%c : tensor<128x256xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      %h = arith.truncf %s : f32 to f16
      linalg.yield %h : f16
    } -> tensor<128x256xf32>
    func.return
  }
}

// CHECK: Operation does not verify: body yields f16 for output #0, expected f32 (the element type of operand #2){{$}}

// -----

// An output may not rotate (the lowering keeps partial sums in place).
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @c_rotates(%a: tensor<8x16xf32>, %b: tensor<16x12xf32>, %c: tensor<8x12xf32>) -> tensor<8x12xf32> {
    %r = rtensor.compute plan <spatial = [2, 1, 4], temporal = [[1, 1, 1], [1, 1, 1], [1, 4, 1]], rotation = [2]> ins(%a, %b : tensor<8x16xf32>, tensor<16x12xf32>) outs(%c : tensor<8x12xf32>) attributes {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    } -> tensor<8x12xf32>
    func.return %r : tensor<8x12xf32>
  }
}

// CHECK: Operation does not verify: operand #2 is an output; rotating outputs (temporal parts) are not supported yet{{$}}

// -----

// rtensor.pad (written in the generic form: these cases test the verifier, not the syntax).
// pad: result shape is not the padded source shape (columns padded 1 + 1: 10, not 9)
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @pad(%x: tensor<1x3x8x8xf32>) {
    %p = "rtensor.pad"(%x) <{low = array<i64: 0, 0, 1, 1>, high = array<i64: 0, 0, 1, 1>, value = 0.0 : f32, src_layout = #rtensor.layout<grid = [2], axes = [-1, -1, 0, -1], blocks = [1, 3, 4, 8], parts = [1, 1, 1, 1]>, dst_layout = #rtensor.layout<grid = [2], axes = [-1, -1, 0, -1], blocks = [1, 3, 6, 10], parts = [1, 1, 1, 1], strides = [1, 3, 4, 10]>}> : (tensor<1x3x8x8xf32>) -> tensor<1x3x10x9xf32>
    func.return
  }
}

// CHECK: Operation does not verify: result shape [1, 3, 10, 9] is not the padded source shape [1, 3, 10, 10]{{$}}

// -----

// pad: a negative padding (the result shape matches it)
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @pad(%x: tensor<1x3x8x8xf32>) {
    %p = "rtensor.pad"(%x) <{low = array<i64: 0, 0, -1, 1>, high = array<i64: 0, 0, 1, 1>, value = 0.0 : f32, src_layout = #rtensor.layout<grid = [2], axes = [-1, -1, 0, -1], blocks = [1, 3, 4, 8], parts = [1, 1, 1, 1]>, dst_layout = #rtensor.layout<grid = [2], axes = [-1, -1, 0, -1], blocks = [1, 3, 6, 10], parts = [1, 1, 1, 1], strides = [1, 3, 4, 10]>}> : (tensor<1x3x8x8xf32>) -> tensor<1x3x8x10xf32>
    func.return
  }
}

// CHECK: Operation does not verify: padding must be >= 0{{$}}

// -----

// pad: low and high of different lengths
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @pad(%x: tensor<1x3x8x8xf32>) {
    %p = "rtensor.pad"(%x) <{low = array<i64: 0, 0, 1, 1>, high = array<i64: 0, 1, 1>, value = 0.0 : f32, src_layout = #rtensor.layout<grid = [2], axes = [-1, -1, 0, -1], blocks = [1, 3, 4, 8], parts = [1, 1, 1, 1]>, dst_layout = #rtensor.layout<grid = [2], axes = [-1, -1, 0, -1], blocks = [1, 3, 6, 10], parts = [1, 1, 1, 1], strides = [1, 3, 4, 10]>}> : (tensor<1x3x8x8xf32>) -> tensor<1x3x10x10xf32>
    func.return
  }
}

// CHECK: Operation does not verify: low and high padding need one entry per axis of the rank-4 source{{$}}

// -----

// pad: low and high of one length, but not the source rank
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @pad(%x: tensor<1x3x8x8xf32>) {
    %p = "rtensor.pad"(%x) <{low = array<i64: 0, 1, 1>, high = array<i64: 0, 1, 1>, value = 0.0 : f32, src_layout = #rtensor.layout<grid = [2], axes = [-1, -1, 0, -1], blocks = [1, 3, 4, 8], parts = [1, 1, 1, 1]>, dst_layout = #rtensor.layout<grid = [2], axes = [-1, -1, 0, -1], blocks = [1, 3, 6, 10], parts = [1, 1, 1, 1], strides = [1, 3, 4, 10]>}> : (tensor<1x3x8x8xf32>) -> tensor<1x3x10x10xf32>
    func.return
  }
}

// CHECK: Operation does not verify: low and high padding need one entry per axis of the rank-4 source{{$}}

// -----

// pad: the result changes the element type
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @pad(%x: tensor<1x3x8x8xf32>) {
    %p = "rtensor.pad"(%x) <{low = array<i64: 0, 0, 1, 1>, high = array<i64: 0, 0, 1, 1>, value = 0.0 : f32, src_layout = #rtensor.layout<grid = [2], axes = [-1, -1, 0, -1], blocks = [1, 3, 4, 8], parts = [1, 1, 1, 1]>, dst_layout = #rtensor.layout<grid = [2], axes = [-1, -1, 0, -1], blocks = [1, 3, 6, 10], parts = [1, 1, 1, 1], strides = [1, 3, 4, 10]>}> : (tensor<1x3x8x8xf32>) -> tensor<1x3x10x10xf16>
    func.return
  }
}

// CHECK: Operation does not verify: padding keeps the element type{{$}}

// -----

// pad: a pad value of another float type than the element type
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @pad(%x: tensor<1x3x8x8xf32>) {
    %p = "rtensor.pad"(%x) <{low = array<i64: 0, 0, 1, 1>, high = array<i64: 0, 0, 1, 1>, value = 0.0 : f16, src_layout = #rtensor.layout<grid = [2], axes = [-1, -1, 0, -1], blocks = [1, 3, 4, 8], parts = [1, 1, 1, 1]>, dst_layout = #rtensor.layout<grid = [2], axes = [-1, -1, 0, -1], blocks = [1, 3, 6, 10], parts = [1, 1, 1, 1], strides = [1, 3, 4, 10]>}> : (tensor<1x3x8x8xf32>) -> tensor<1x3x10x10xf32>
    func.return
  }
}

// CHECK: Operation does not verify: pad value must be a f32 constant{{$}}

// -----

// pad: a pad value that is not a number
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @pad(%x: tensor<1x3x8x8xf32>) {
    %p = "rtensor.pad"(%x) <{low = array<i64: 0, 0, 1, 1>, high = array<i64: 0, 0, 1, 1>, value = "zero", src_layout = #rtensor.layout<grid = [2], axes = [-1, -1, 0, -1], blocks = [1, 3, 4, 8], parts = [1, 1, 1, 1]>, dst_layout = #rtensor.layout<grid = [2], axes = [-1, -1, 0, -1], blocks = [1, 3, 6, 10], parts = [1, 1, 1, 1], strides = [1, 3, 4, 10]>}> : (tensor<1x3x8x8xf32>) -> tensor<1x3x10x10xf32>
    func.return
  }
}

// CHECK: Operation does not verify: pad value must be a f32 constant{{$}}

// -----

// pad: source layout rank differs from the source rank
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @pad(%x: tensor<1x3x8x8xf32>) {
    %p = "rtensor.pad"(%x) <{low = array<i64: 0, 0, 1, 1>, high = array<i64: 0, 0, 1, 1>, value = 0.0 : f32, src_layout = #rtensor.layout<grid = [2], axes = [0, -1, -1], blocks = [2, 8, 8], parts = [1, 1, 1]>, dst_layout = #rtensor.layout<grid = [2], axes = [-1, -1, 0, -1], blocks = [1, 3, 6, 10], parts = [1, 1, 1, 1], strides = [1, 3, 4, 10]>}> : (tensor<1x3x8x8xf32>) -> tensor<1x3x10x10xf32>
    func.return
  }
}

// CHECK: Operation does not verify: source layout has 3 axes for a rank-4 tensor{{$}}

// -----

// pad: destination layout rank differs from the result rank
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @pad(%x: tensor<1x3x8x8xf32>) {
    %p = "rtensor.pad"(%x) <{low = array<i64: 0, 0, 1, 1>, high = array<i64: 0, 0, 1, 1>, value = 0.0 : f32, src_layout = #rtensor.layout<grid = [2], axes = [-1, -1, 0, -1], blocks = [1, 3, 4, 8], parts = [1, 1, 1, 1]>, dst_layout = #rtensor.layout<grid = [2], axes = [0, -1, -1], blocks = [5, 10, 10], parts = [1, 1, 1]>}> : (tensor<1x3x8x8xf32>) -> tensor<1x3x10x10xf32>
    func.return
  }
}

// CHECK: Operation does not verify: destination layout has 3 axes for a rank-4 tensor{{$}}

// -----

// pad: source blocks x grid do not cover a source axis (3 x 2 < 8 rows)
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @pad(%x: tensor<1x3x8x8xf32>) {
    %p = "rtensor.pad"(%x) <{low = array<i64: 0, 0, 1, 1>, high = array<i64: 0, 0, 1, 1>, value = 0.0 : f32, src_layout = #rtensor.layout<grid = [2], axes = [-1, -1, 0, -1], blocks = [1, 3, 3, 8], parts = [1, 1, 1, 1]>, dst_layout = #rtensor.layout<grid = [2], axes = [-1, -1, 0, -1], blocks = [1, 3, 6, 10], parts = [1, 1, 1, 1], strides = [1, 3, 4, 10]>}> : (tensor<1x3x8x8xf32>) -> tensor<1x3x10x10xf32>
    func.return
  }
}

// CHECK: Operation does not verify: source layout: axis 2 blocks of 3 x 2 (stride 3) do not cover size 8{{$}}

// -----

// pad: source layout grid larger than the target (3 * 8 * 8 * 8 = 1536 > 1472)
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @pad(%x: tensor<1x3x8x8xf32>) {
    %p = "rtensor.pad"(%x) <{low = array<i64: 0, 0, 1, 1>, high = array<i64: 0, 0, 1, 1>, value = 0.0 : f32, src_layout = #rtensor.layout<grid = [3, 8, 8, 8], axes = [-1, 0, 1, 2], blocks = [1, 1, 1, 1], parts = [1, 1, 1, 1]>, dst_layout = #rtensor.layout<grid = [2], axes = [-1, -1, 0, -1], blocks = [1, 3, 6, 10], parts = [1, 1, 1, 1], strides = [1, 3, 4, 10]>}> : (tensor<1x3x8x8xf32>) -> tensor<1x3x10x10xf32>
    func.return
  }
}

// CHECK: Operation does not verify: source layout uses 1536 cores but target 'ipu-mk2' has 1472{{$}}

// -----

// pad: destination layout grid larger than the target (3 * 10 * 10 * 5 = 1500 > 1472)
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @pad(%x: tensor<1x3x8x8xf32>) {
    %p = "rtensor.pad"(%x) <{low = array<i64: 0, 0, 1, 1>, high = array<i64: 0, 0, 1, 1>, value = 0.0 : f32, src_layout = #rtensor.layout<grid = [2], axes = [-1, -1, 0, -1], blocks = [1, 3, 4, 8], parts = [1, 1, 1, 1]>, dst_layout = #rtensor.layout<grid = [3, 10, 10, 5], axes = [-1, 0, 1, 2], blocks = [1, 1, 1, 1], parts = [1, 1, 1, 1]>}> : (tensor<1x3x8x8xf32>) -> tensor<1x3x10x10xf32>
    func.return
  }
}

// CHECK: Operation does not verify: destination layout uses 1500 cores but target 'ipu-mk2' has 1472{{$}}

// -----

// rtensor.slice, rtensor.concat and rtensor.reshape (re-layouts that also move elements).
// slice: two offsets for a rank-2 source but a rank-3 result
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @slice(%x: tensor<8x12xf32>) {
    %s = "rtensor.slice"(%x) <{offsets = array<i64: 0, 4>, src_layout = #rtensor.layout<grid = [2, 3], axes = [0, 1], blocks = [4, 4], parts = [1, 1]>, dst_layout = #rtensor.layout<grid = [2], axes = [0, -1, -1], blocks = [4, 4, 1], parts = [1, 1, 1]>}> : (tensor<8x12xf32>) -> tensor<8x4x1xf32>
    func.return
  }
}

// CHECK: Operation does not verify: a slice of a rank-2 tensor needs 2 offsets and a rank-2 result{{$}}

// -----

// slice: three offsets for a rank-2 source
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @slice(%x: tensor<8x12xf32>) {
    %s = rtensor.slice %x offsets array<i64: 0, 4, 0> from <grid = [2, 3], axes = [0, 1], blocks = [4, 4], parts = [1, 1]> to <grid = [2], axes = [0, -1], blocks = [4, 4], parts = [1, 1]> : tensor<8x12xf32> -> tensor<8x4xf32>
    func.return
  }
}

// CHECK: Operation does not verify: a slice of a rank-2 tensor needs 2 offsets and a rank-2 result{{$}}

// -----

// slice: the box runs past the end of the source (columns 10..14 of 12)
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @slice(%x: tensor<8x12xf32>) {
    %s = rtensor.slice %x offsets array<i64: 0, 10> from <grid = [2, 3], axes = [0, 1], blocks = [4, 4], parts = [1, 1]> to <grid = [2], axes = [0, -1], blocks = [4, 4], parts = [1, 1]> : tensor<8x12xf32> -> tensor<8x4xf32>
    func.return
  }
}

// CHECK: Operation does not verify: axis 1: elements [10, 14) are not inside the source's 12{{$}}

// -----

// slice: a negative offset
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @slice(%x: tensor<8x12xf32>) {
    %s = rtensor.slice %x offsets array<i64: -1, 0> from <grid = [2, 3], axes = [0, 1], blocks = [4, 4], parts = [1, 1]> to <grid = [2], axes = [0, -1], blocks = [4, 4], parts = [1, 1]> : tensor<8x12xf32> -> tensor<8x4xf32>
    func.return
  }
}

// CHECK: Operation does not verify: axis 0: elements [-1, 7) are not inside the source's 8{{$}}

// -----

// slice: the result changes the element type
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @slice(%x: tensor<8x12xf32>) {
    %s = rtensor.slice %x offsets array<i64: 0, 4> from <grid = [2, 3], axes = [0, 1], blocks = [4, 4], parts = [1, 1]> to <grid = [2], axes = [0, -1], blocks = [4, 4], parts = [1, 1]> : tensor<8x12xf32> -> tensor<8x4xf16>
    func.return
  }
}

// CHECK: Operation does not verify: slicing keeps the element type{{$}}

// -----

// slice: the destination layout must cover the slice (2 x 3 < 8 rows)
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @slice(%x: tensor<8x12xf32>) {
    %s = rtensor.slice %x offsets array<i64: 0, 4> from <grid = [2, 3], axes = [0, 1], blocks = [4, 4], parts = [1, 1]> to <grid = [2], axes = [0, -1], blocks = [3, 4], parts = [1, 1]> : tensor<8x12xf32> -> tensor<8x4xf32>
    func.return
  }
}

// CHECK: Operation does not verify: destination layout: axis 0 blocks of 3 x 2 (stride 3) do not cover size 8{{$}}

// -----

// concat: dim is not an axis of the result
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @concat(%a: tensor<1x4xf32>, %b: tensor<6x4xf32>) {
    %r = rtensor.concat %a, %b dim 2 from [#rtensor.layout<grid = [1], axes = [-1, -1], blocks = [1, 4], parts = [1, 1]>, #rtensor.layout<grid = [2], axes = [0, -1], blocks = [3, 4], parts = [1, 1]>] to <grid = [7], axes = [0, -1], blocks = [1, 4], parts = [1, 1]> : tensor<1x4xf32>, tensor<6x4xf32> -> tensor<7x4xf32>
    func.return
  }
}

// CHECK: Operation does not verify: dim 2 is not an axis of the rank-2 result{{$}}

// -----

// concat: two inputs but one source layout
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @concat(%a: tensor<1x4xf32>, %b: tensor<6x4xf32>) {
    %r = rtensor.concat %a, %b dim 0 from [#rtensor.layout<grid = [1], axes = [-1, -1], blocks = [1, 4], parts = [1, 1]>] to <grid = [7], axes = [0, -1], blocks = [1, 4], parts = [1, 1]> : tensor<1x4xf32>, tensor<6x4xf32> -> tensor<7x4xf32>
    func.return
  }
}

// CHECK: Operation does not verify: 2 inputs but 1 source layouts{{$}}

// -----

// concat: an input whose size off the concatenated axis differs (5 columns, the result has 4)
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @concat(%a: tensor<1x4xf32>, %b: tensor<6x5xf32>) {
    %r = rtensor.concat %a, %b dim 0 from [#rtensor.layout<grid = [1], axes = [-1, -1], blocks = [1, 4], parts = [1, 1]>, #rtensor.layout<grid = [2], axes = [0, -1], blocks = [3, 5], parts = [1, 1]>] to <grid = [7], axes = [0, -1], blocks = [1, 4], parts = [1, 1]> : tensor<1x4xf32>, tensor<6x5xf32> -> tensor<7x4xf32>
    func.return
  }
}

// CHECK: Operation does not verify: input #1 of shape [6, 5] does not fit result [7, 4] off axis 0{{$}}

// -----

// concat: an input of another rank
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @concat(%a: tensor<4xf32>, %b: tensor<6x4xf32>) {
    %r = rtensor.concat %a, %b dim 0 from [#rtensor.layout<grid = [1], axes = [-1], blocks = [4], parts = [1]>, #rtensor.layout<grid = [2], axes = [0, -1], blocks = [3, 4], parts = [1, 1]>] to <grid = [7], axes = [0, -1], blocks = [1, 4], parts = [1, 1]> : tensor<4xf32>, tensor<6x4xf32> -> tensor<7x4xf32>
    func.return
  }
}

// CHECK: Operation does not verify: input #0 of shape [4] does not fit result [7, 4] off axis 0{{$}}

// -----

// concat: inputs of 1 + 6 rows into a result of 8
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @concat(%a: tensor<1x4xf32>, %b: tensor<6x4xf32>) {
    %r = rtensor.concat %a, %b dim 0 from [#rtensor.layout<grid = [1], axes = [-1, -1], blocks = [1, 4], parts = [1, 1]>, #rtensor.layout<grid = [2], axes = [0, -1], blocks = [3, 4], parts = [1, 1]>] to <grid = [8], axes = [0, -1], blocks = [1, 4], parts = [1, 1]> : tensor<1x4xf32>, tensor<6x4xf32> -> tensor<8x4xf32>
    func.return
  }
}

// CHECK: Operation does not verify: inputs add up to 7 along axis 0, the result has 8{{$}}

// -----

// concat: an input of another element type
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @concat(%a: tensor<1x4xf16>, %b: tensor<6x4xf32>) {
    %r = rtensor.concat %a, %b dim 0 from [#rtensor.layout<grid = [1], axes = [-1, -1], blocks = [1, 4], parts = [1, 1]>, #rtensor.layout<grid = [2], axes = [0, -1], blocks = [3, 4], parts = [1, 1]>] to <grid = [7], axes = [0, -1], blocks = [1, 4], parts = [1, 1]> : tensor<1x4xf16>, tensor<6x4xf32> -> tensor<7x4xf32>
    func.return
  }
}

// CHECK: Operation does not verify: input #0 has element type f16, the result f32{{$}}

// -----

// concat: an input's layout does not cover it (2 x 2 < 6 rows)
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @concat(%a: tensor<1x4xf32>, %b: tensor<6x4xf32>) {
    %r = rtensor.concat %a, %b dim 0 from [#rtensor.layout<grid = [1], axes = [-1, -1], blocks = [1, 4], parts = [1, 1]>, #rtensor.layout<grid = [2], axes = [0, -1], blocks = [2, 4], parts = [1, 1]>] to <grid = [7], axes = [0, -1], blocks = [1, 4], parts = [1, 1]> : tensor<1x4xf32>, tensor<6x4xf32> -> tensor<7x4xf32>
    func.return
  }
}

// CHECK: Operation does not verify: input #1 layout: axis 0 blocks of 2 x 2 (stride 2) do not cover size 6{{$}}

// -----

// reshape: 36 elements into 40
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @reshape(%x: tensor<1x4x3x3xf32>) {
    %r = rtensor.reshape %x from <grid = [4, 3], axes = [-1, 0, 1, -1], blocks = [1, 1, 1, 3], parts = [1, 1, 1, 1]> to <grid = [10], axes = [-1, -1, 0], blocks = [1, 4, 1], parts = [1, 1, 1]> : tensor<1x4x3x3xf32> -> tensor<1x4x10xf32>
    func.return
  }
}

// CHECK: Operation does not verify: cannot reshape 36 elements [1, 4, 3, 3] into 40 [1, 4, 10]{{$}}

// -----

// reshape: the result changes the element type
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @reshape(%x: tensor<1x4x3x3xf32>) {
    %r = rtensor.reshape %x from <grid = [4, 3], axes = [-1, 0, 1, -1], blocks = [1, 1, 1, 3], parts = [1, 1, 1, 1]> to <grid = [9], axes = [-1, -1, 0], blocks = [1, 4, 1], parts = [1, 1, 1]> : tensor<1x4x3x3xf32> -> tensor<1x4x9xi32>
    func.return
  }
}

// CHECK: Operation does not verify: reshaping keeps the element type{{$}}

// -----

// reshape: a destination layout of the source's rank, not the result's
builtin.module attributes {tf.target = "ipu-mk2"} {
  func.func @reshape(%x: tensor<1x4x3x3xf32>) {
    %r = rtensor.reshape %x from <grid = [4, 3], axes = [-1, 0, 1, -1], blocks = [1, 1, 1, 3], parts = [1, 1, 1, 1]> to <grid = [4, 3], axes = [-1, 0, 1, -1], blocks = [1, 1, 1, 3], parts = [1, 1, 1, 1]> : tensor<1x4x3x3xf32> -> tensor<1x4x9xf32>
    func.return
  }
}

// CHECK: Operation does not verify: destination layout has 4 axes for a rank-3 tensor{{$}}
